/* sensplot — the chart of a sensitivity study: the tornado of a one-at-a-time run.
 *
 * One bar per key varied, from the output's mean with the model as given to its
 * mean with the key at LOW (one colour) and at HIGH (another), the largest swing
 * on top (the order of sens_oat's rows), a vertical line at the base mean.
 * Writes DIR/tornado.png and DIR/tornado.svg; the numbers are tornado.csv's
 * (sens_write_tornado). */
#ifndef PARCOURS_SENSPLOT_H
#define PARCOURS_SENSPLOT_H

#include "core/err.h"
#include "lang.h"
#include "plot.h"
#include "study/cmp.h"
#include "study/sens.h"

/* Draws the tornado of r into the existing folder dir, appends it to list (group
 * "sensitivity"; what gnuplot says on success goes to list->notes).  Nothing is
 * drawn for no key.  PC_OK, PC_EINPUT (gnuplot missing or failing) or
 * PC_EINTERNAL. */
int sensplot_tornado(const char *dir, const sens_oat_result *r, const cmp_key *output,
                     lang_code lang, plot_list *list, pc_err *err);

#endif
