/* mc — Monte Carlo: replications over threads, kept whole for exact quantiles.
 *
 * mc_run runs replications 0..reps-1 of a model; replication r always uses the
 * streams of (seed, r), whichever thread runs it, so the result does not
 * depend on the number of threads.  The result keeps every replication's
 * monthly series of every variable: in memory, or, above a size (mc_options
 * spill_above), in a temporary file mapped in memory, so that exact quantiles stay
 * exact while the memory used stays bounded (the system keeps only the pages being
 * read or written; mc_series drops the others as it goes).  The file is removed
 * from its folder as soon as it is created, so it disappears with the process
 * whatever ends it.  With uncertain parameters, each thread
 * keeps an instance of the model (mdl_instance_alloc) into which every
 * replication binds its draws (mdl_bind): no text, file or allocation per
 * replication.  A draw depends only on (seed, replication, parameter name).
 * Progress is reported through a callback; nothing here prints. */
#ifndef PARCOURS_MC_H
#define PARCOURS_MC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "mdl.h"
#include "rec.h"

typedef struct {
    size_t reps;
    size_t first; /* number of the first replication (batches continue a run) */
    uint32_t seed;
    int threads; /* 0: OpenMP's default */
    /* Called after each replication (one thread at a time, MPI rank 0 only) with the
     * replications done and to do, when not NULL; it must not call mc_run. */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
    int wait_histogram;        /* keep each replication's histogram of waits (rec.h) */
    double wait_from, wait_to; /* ... of the waits ending in [from, to), days */
    size_t n_set;              /* parameters given one value in every replication ... */
    const size_t *set_index;   /* ... their indices in the model's params ... */
    const double *set_value;   /* ... and their values (a study's point; see mdl_expose) */
    size_t spill_above;        /* bytes of series above which they go to a temporary file
                                  in $TMPDIR (else /tmp); 0: MC_SPILL_ABOVE */
} mc_options;

#define MC_SPILL_ABOVE (256u * 1024u * 1024u)

typedef struct mc_spill mc_spill;

typedef struct {
    const mdl_model *model; /* borrowed */
    rec_catalog *catalog;
    size_t reps, n_vars, n_months;
    uint32_t seed;
    double *values;     /* [rep][var][month]; read them through mc_series */
    mc_spill *spill;    /* values map a temporary file (NULL: they are in memory) */
    size_t spill_above; /* the run's threshold, for the batches appended to it */
    size_t n_populations;
    double *survival; /* [rep][population][n_months + 1]: rec_survival of each replication */
    size_t n_params;
    double *param_values; /* [rep][parameter]: the values each replication ran with */
    double *wait_hist;    /* [rep][state][REC_WAIT_BINS] if asked for (mc_options), else NULL */
    double events;        /* total over replications */
    double seconds;       /* wall time of the replications */
} mc_result;

int mc_run(const mdl_model *m, const mc_options *opt, mc_result **out, pc_err *err);

/* ---- one replication at given parameter values ------------------------------------
 *
 * What mc_run does on each thread, for studies that place their own points
 * (Sobol designs): a worker holds an instance of the model, an engine workspace
 * and the raw counts, allocated once and reused for every replication. */
typedef struct mc_worker mc_worker;

/* A worker for m; with bind set (and m having parameters) it binds the values
 * given to each run.  catalog (borrowed) names the series mc_worker_run derives. */
mc_worker *mc_worker_alloc(const mdl_model *m, const rec_catalog *catalog, int bind);
void mc_worker_free(mc_worker *w);

/* Runs replication `number` (its random streams) with the parameter values
 * params (n_params of them; NULL: the model as resolved) and, if series is not
 * NULL, derives every variable of the catalog into series[var * months + month].
 * PC_OK, or a status with err (a value that cannot be bound names the
 * replication, the parameter and the key). */
int mc_worker_run(mc_worker *w, uint32_t seed, size_t number, const double *params, double *series,
                  pc_err *err);

/* The raw counts of the worker's last run. */
rec_raw *mc_worker_raw(mc_worker *w);
void mc_result_free(mc_result *r);

/* Appends the replications of more (a later batch of the same model) to into;
 * more is freed.  PC_OK or PC_EINTERNAL. */
int mc_append(mc_result *into, mc_result *more, pc_err *err);

/* What a fault in the mapping of spilled series may map besides what it touches, at
 * each end: the folio of the page cache holding it, up to the size of a huge page
 * (measured on Linux 6.18 with ext4: one double read maps 2 MB; older kernels map the
 * 64 kB around the fault).  The size of a huge page as the system gives it, else 2 MB.
 * The readers count their touches with it, so that the pages the process holds stay
 * bounded. */
size_t mc_map_around(void);

/* The values of the model's parameters for replication rep of a run with seed. */
void mc_draw_params(const mdl_model *m, uint32_t seed, size_t rep, double *values);

/* The monthly series of variable var in replication rep. */
const double *mc_series(const mc_result *r, size_t rep, size_t var);

/* The monthly series of variable var in every replication, copied into rows
 * [rep][month] (reps x n_months doubles): for a reader that goes month by month across
 * replications, one read of each series (a spilled run counts its pages by the series
 * read) rather than one a month. */
void mc_rows(const mc_result *r, size_t var, double *rows);

/* A window on the series of consecutive variables [first, first + n) of every
 * replication, for readers that go variable by variable across replications
 * (the summaries).  In memory it points into the result; spilled, it is a copy read
 * one replication's run of n variables at a time, in the file's order, rather than
 * one page fault a variable and replication.  A copy takes at most half the spill's
 * window of mapped pages (at least one variable). */
typedef struct {
    size_t first, n;    /* the variables it holds */
    const double *base; /* replication rep's series of variable first + j start at */
    size_t stride;      /* base + rep * stride + j * n_months */
    double *copy;       /* owned, spilled results only */
    size_t room;        /* doubles copy holds */
    double *spare;      /* owned: copies of a ratio's terms outside the window */
} mc_window;

/* One variable's series in every replication, replication rep's at x + rep * sx; for
 * a ratio, its terms' at num + rep * snum and den + rep * sden (else NULL). */
typedef struct {
    size_t var;
    const double *x, *num, *den;
    size_t sx, snum, sden;
} mc_view;

/* Points v at variable var's series, moving w (zeroed before its first use) on to
 * var and the variables after it unless it holds var already; a ratio's terms
 * outside the window are copied (mc_rows).  v holds until the next call on w.  PC_OK,
 * or PC_EENV when out of memory. */
int mc_window_view(const mc_result *r, mc_window *w, size_t var, mc_view *v);

void mc_window_free(mc_window *w);

/* mc_total and mc_yearly of replication rep of a view; for a ratio, num_sums and
 * den_sums (unless NULL) receive its terms' sums over each year, in month order (what
 * a ratio pooled over replications adds up). */
double mc_view_total(const mc_result *r, const mc_view *v, size_t rep);
size_t mc_view_yearly(const mc_result *r, const mc_view *v, size_t rep, double *out, int *years,
                      double *num_sums, double *den_sums);

/* A variable over the whole horizon in replication rep, as replications.csv gives it:
 * the last month for a stock, the sum for a flow, the mean of the months for a
 * monthly mean, the ratio of the sums for a ratio (NaN without observation). */
double mc_total(const mc_result *r, size_t rep, size_t var);

/* mc_total of every variable of replication rep, into out (n_vars values): its
 * series read once, in order. */
void mc_totals(const mc_result *r, size_t rep, double *out);

/* Summary of a sample (sorted in place): mean, sd, and type-7 quantiles
 * p05 p25 p50 p75 p95.  NaN entries are ignored; *n_used says how many were not. */
typedef struct {
    double mean, sd, p05, p25, p50, p75, p95;
    size_t n;
} mc_summary;

void mc_summarise(double *sample, size_t n, mc_summary *s);

/* The model against its observations ([observations]): for each, the variable's
 * value in the period across replications (a month's value, or the year as
 * yearly.csv aggregates it), its relative error and whether the observation lies
 * in the 90 % band (p05 to p95) and within its stated tolerance.  The mean is the
 * one monthly.csv and yearly.csv print: for a ratio, the pooled ratio. */
typedef struct {
    const mdl_observation *obs;
    double mean, p05, p50, p95;
    double relative_error; /* (mean - observed) / observed; NaN when observed is 0 */
    int inside;            /* p05 <= observed <= p95 */
    int within;            /* |relative error| <= tolerance; -1 without tolerance */
    size_t n;              /* replications with a value */
} mc_check;

/* rows: n_observations of them, allocated (free them).  PC_OK or PC_EINTERNAL. */
int mc_checks(const mc_result *r, mc_check **rows, pc_err *err);

/* Yearly aggregate of a monthly series by the variable's kind: writes one value
 * per calendar year touched by the horizon into out (n_years of them), using
 * the other series for ratios.  Returns the number of years. */
size_t mc_yearly(const mc_result *r, size_t rep, size_t var, double *out, int *years);

#endif
