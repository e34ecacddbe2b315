/* sensplot — the charts of a sensitivity study: the tornado of a one-at-a-time run, the Sobol
 * indices.
 *
 * One bar per key varied, from the output's mean with the model as given to its
 * mean with the key at LOW (one colour) and at HIGH (another), the largest swing
 * on top (the order of sens_oat's rows), a vertical line at the base mean.
 * Writes DIR/tornado.png and DIR/tornado.svg and their script DIR/tornado.gp; the
 * numbers are tornado.csv's (sens_write_tornado).
 *
 * The Sobol chart: one pair of horizontal bars per uncertain parameter, its
 * first-order index (one colour) and its total index (another), each with its
 * bootstrap interval as an error bar, the largest total index on top.  Writes
 * DIR/sobol-chart.csv (rank,parameter,first,first_low,first_high,total,total_low,
 * total_high: the study's numbers in the chart's order), DIR/sobol.png, .svg and their
 * script DIR/sobol-chart.gp.  Both charts go through chart_emit (chart.h). */
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

/* Draws the Sobol indices of r into the existing folder dir (names[i]: the name of
 * r's parameter i), appends the chart to list (group "sensitivity").  Nothing is
 * drawn for no parameter.  PC_OK, PC_EINPUT (gnuplot missing or failing, the data
 * file not written) or PC_EINTERNAL. */
int sensplot_sobol(const char *dir, const sens_sobol_result *r, const char *const *names,
                   const cmp_key *output, lang_code lang, plot_list *list, pc_err *err);

#endif
