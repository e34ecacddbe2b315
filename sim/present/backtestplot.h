/* backtestplot — the chart of a backtest: the PIT histogram and the coverage of the bands.
 *
 * Left, the histogram of the probability integral transforms of every scored
 * forecast in tenths, with the flat line a right forecast distribution gives
 * (n / 10 a bar); right, per horizon, the share of observations inside the 50 %
 * and 90 % bands with their nominal levels.  Writes DIR/backtest.png and
 * DIR/backtest.svg (chart_emit), keeping the script that drew them as DIR/backtest.gp;
 * the numbers are backtest-summary.csv's. */
#ifndef PARCOURS_BACKTESTPLOT_H
#define PARCOURS_BACKTESTPLOT_H

#include "core/err.h"
#include "lang.h"
#include "study/backtest.h"

/* Draws r's chart into the existing folder dir (nothing without a scored row).  PC_OK
 * (what gnuplot said on success in *notes, a new string or NULL), PC_EINPUT (gnuplot
 * missing or failing; backtest.gp is written all the same) or PC_EINTERNAL. */
int backtestplot_draw(const char *dir, const backtest_result *r, lang_code lang, char **notes,
                      pc_err *err);

#endif
