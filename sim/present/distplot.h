/* distplot — the distribution of a key output across replications: S-curve, histogram, convergence.
 *
 * What planners get from @RISK or Crystal Ball: for an output of the runs'
 * replications.csv (one value per replication: cost.total is the whole run's
 * cost), the S-curve of every scenario (the share of replications at or below
 * each value) with the probability of exceeding a threshold, the histogram of
 * the reference and of at most two alternatives, and the convergence of the
 * reference's mean and of its 90 % confidence interval with the number of
 * replications.  Euros are shown in M€ (k€ when small).  Each scenario keeps
 * its line type (chart.h).  Files: DIR/scurve-<var>.csv and hist-<var>.csv (each
 * run's sorted values, the same in both),
 * DIR/conv-<var>.csv, and their PNG and SVG. */
#ifndef PARCOURS_DISTPLOT_H
#define PARCOURS_DISTPLOT_H
#include <stddef.h>

#include "core/err.h"
#include "lang.h"
#include "plot.h"
#include "rundir.h"

/* The share of the finite values of x[0..n-1] strictly above threshold (NaN when
 * none is finite): the probability of exceeding it that the page shows. */
double dist_exceed(const double *x, size_t n, double threshold);

/* One scenario's line of the page's table. */
typedef struct {
    double mean, p05, p95, exceed; /* in the variable's unit; exceed: P(X > threshold) */
    size_t n;                      /* replications with a value */
} dist_summary;

/* Draws the charts of var for runs[0..n_runs-1] into the existing folder dir and
 * appends them to list (group "distribution").  threshold: NaN for the reference's
 * mean.  *used receives the threshold used, sums[r] each run's summary (sums has
 * n_runs places).  A run without replications.csv or without var has n = 0; when
 * no run has it nothing is drawn.  PC_OK, PC_EINPUT (a malformed file, gnuplot
 * failing) or PC_EINTERNAL. */
int distplot_draw(const char *dir, const rundir *const *runs, size_t n_runs, const char *var,
                  double threshold, lang_code lang, double *used, dist_summary *sums,
                  plot_list *list, pc_err *err);
#endif
