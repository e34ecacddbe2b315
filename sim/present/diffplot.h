/* diffplot — the charts of a comparison: the paired difference of each key variable.
 *
 * Two runs of scenarios with one seed pair replication r of one with
 * replication r of the other (common random numbers, study/cmp.h).  For each
 * alternative and each population stock, queue and cost.total it shares with
 * the base, diffplot_draw draws the monthly difference alt - base across the
 * replications as a fan chart: the bands holding 50 % and 90 % of the
 * differences, their median and their mean, and zero.  Each chart is
 * CHARTS/diff-<alternative>-<variable>.csv (x as a decimal year, then p05 p25
 * p50 p75 p95 mean ci_low ci_high), .png and .svg. */
#ifndef PARCOURS_DIFFPLOT_H
#define PARCOURS_DIFFPLOT_H

#include <stddef.h>

#include "core/err.h"
#include "core/mc.h"
#include "lang.h"
#include "plot.h"

/* Draws into the folder charts (made if needed) the difference charts of alts[i] - base;
 * names[i + 1] names alternative i in the file names (names[0] the base).  Every run
 * must have base's replications and months.  Each chart is appended to list (group
 * "difference"), and what gnuplot says on success goes to list->notes.  PC_OK,
 * PC_EINPUT (gnuplot missing or failing: the data files are written) or PC_EINTERNAL. */
int diffplot_draw(const char *charts, const mc_result *base, const mc_result *const *alts,
                  size_t n_alts, char *const *names, lang_code lang, plot_list *list, pc_err *err);

#endif
