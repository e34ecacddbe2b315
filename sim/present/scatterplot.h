/* scatterplot — a key output against each uncertain parameter, one point per replication.
 *
 * What a planner reads off @RISK's scatter plots: which uncertain input moves
 * an output.  From a run's replications.csv (one row per replication: its
 * draws of every parameter in the param.NAME columns, core/out.h, and each
 * output over the run), the parameters whose draws vary across replications
 * are ranked by the absolute value of their Spearman rank correlation with the
 * output, and the first SCATTER_MAX_PANELS get one panel each of one chart,
 * the largest correlation first, its value in the panel's title.  Files:
 * DIR/scatter-<var>.csv (replication, the output, then the charted parameters
 * in panel order: one row per replication, the points drawn),
 * DIR/scatter-<var>-rank.csv (parameter,spearman for every varying parameter,
 * in rank order), scatter-<var>.png and .svg, scatter-charts.gp. */
#ifndef PARCOURS_SCATTERPLOT_H
#define PARCOURS_SCATTERPLOT_H

#include <stddef.h>

#include "core/err.h"
#include "lang.h"
#include "plot.h"
#include "rundir.h"

/* The most panels of the chart. */
#define SCATTER_MAX_PANELS 12

/* What the page says of the chart. */
typedef struct {
    size_t n_uncertain; /* parameters whose draws vary across the replications */
    size_t n_shown;     /* panels drawn: min(n_uncertain, SCATTER_MAX_PANELS) */
    size_t n_points;    /* replications with a finite value of the output */
} scatter_summary;

/* The Spearman rank correlation of x and y (n pairs; NaN when either is constant or
 * n < 2); work holds 2n doubles. */
double scatter_spearman(const double *x, const double *y, size_t n, double *work);

/* Draws the chart of var for run into the existing folder dir and appends it to list
 * (group "scatter").  Nothing is drawn (sum->n_shown = 0) when the run has no
 * replications.csv, no column var or no varying parameter.  PC_OK, PC_EINPUT (a
 * malformed file, gnuplot failing) or PC_EINTERNAL. */
int scatterplot_draw(const char *dir, const rundir *run, const char *var, lang_code lang,
                     plot_list *list, scatter_summary *sum, pc_err *err);

#endif
