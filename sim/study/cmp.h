/* cmp — comparing scenarios honestly: paired differences, variance reduction, precision targets.
 *
 * Two runs of different scenarios with the same seed share their random
 * numbers person by person (common random numbers), so replication r of one
 * and replication r of the other form a pair, and the spread of the paired
 * difference ALT - BASE across replications is the honest measure of what the
 * policy changes.  This module summarises those differences (mean, sd, the t
 * interval of the mean, quantiles across replications) for every variable,
 * month and year (cmp_write_differences), measures how much the pairing gains
 * over independent runs (cmp_reduction), and adds replications in batches
 * until the key outputs are known to a stated relative precision
 * (cmp_run_precision for one run, cmp_compare for scenarios side by side).
 *
 * Key outputs are each population's stock at the last month and cost.total
 * summed over the horizon; the comparison table also shows each population's
 * stock after three years.  A variable's value in one replication is taken at a
 * month, summed or averaged over a calendar year as yearly.csv does
 * (mc_yearly), or totalled over the horizon as replications.csv does.
 * Variables are matched between runs by name, so a scenario may add states.
 *
 * Every function returns a status from enum pc_status (err.h) and fills err on
 * failure; nothing here prints: the reports of the precision targets say how
 * they ended, and cmp_compare reports its batches through a callback. */
#ifndef PARCOURS_CMP_H
#define PARCOURS_CMP_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/mc.h"
#include "core/mdl.h"

#define CMP_LEVEL 0.95 /* confidence level of every interval of a mean */

/* ---- summaries of a sample across replications ------------------------------ */

typedef struct {
    size_t n;               /* values used (NaN left out) */
    double mean, sd;        /* sd with n - 1 */
    double ci_low, ci_high; /* t interval of the mean (gsl_cdf_tdist_Pinv); NaN when n < 2 */
    double p05, p25, p50, p75, p95; /* type-7 quantiles, as mc_summarise */
} cmp_stat;

/* Summarises sample[0..n-1] (sorted in place, NaN dropped) at level (0 < level < 1). */
void cmp_summarise(double *sample, size_t n, double level, cmp_stat *s);

/* Half-width of the level t interval of a mean from n values with standard deviation sd
 * (infinite when n < 2). */
double cmp_half_width(double sd, size_t n, double level);

/* ---- values of a variable ----------------------------------------------------- */

typedef enum {
    CMP_MONTH = 0, /* the value of month index `period` (0 = start month) */
    CMP_YEAR = 1,  /* the calendar year `period`, aggregated as yearly.csv */
    CMP_TOTAL = 2, /* over the horizon, as replications.csv: flows summed, stocks at the end */
} cmp_period;

typedef struct {
    char name[256]; /* output variable, e.g. "stock.rsa" */
    cmp_period kind;
    int period;      /* month index or calendar year; unused for CMP_TOTAL */
    char label[320]; /* "stock.rsa 2027-12", "stock.rsa 2020", "cost.total (total)" */
} cmp_key;

/* Fills key for variable name over kind and period, with its label (m gives
 * month names).  PC_OK, or PC_EINPUT when the month or year lies outside the
 * horizon or the name is too long. */
int cmp_key_set(cmp_key *key, const mdl_model *m, const char *name, cmp_period kind, int period,
                pc_err *err);

/* The value of key in replication rep of r; NaN when r has no such variable or
 * year, or a ratio has no observation. */
double cmp_key_value(const mc_result *r, size_t rep, const cmp_key *key);

/* The mean of key over replications [0, reps) of r, NaN values left out (NaN when
 * every value is). */
double cmp_key_mean(const mc_result *r, size_t reps, const cmp_key *key);

/* The key outputs of m into keys (at most max): each population's stock at the
 * last month and cost.total over the horizon, and with `with_three_years` also
 * each population's stock at the end of month 36 when the horizon is longer.
 * Returns how many. */
size_t cmp_key_outputs(const mdl_model *m, int with_three_years, cmp_key *keys, size_t max);

/* ---- paired differences ---------------------------------------------------------- */

/* Summary of alt - base for key over replications [0, reps) of both. */
void cmp_paired(const mc_result *base, const mc_result *alt, size_t reps, const cmp_key *key,
                double level, double *scratch, cmp_stat *s);

/* Writes path (a CSV file, replaced whole): for every alternative, every
 * variable of base that the alternative also has, every month, every year and
 * the horizon, the paired difference alt - base across replications:
 *   scenario,base,variable,period_kind,period,n,base_mean,alt_mean,mean,sd,
 *   ci_low,ci_high,p05,p25,p50,p75,p95
 * period_kind is month (period YYYY-MM), year (YYYY) or total (period empty).
 * Every run must have base's replication count and horizon.  PC_OK,
 * PC_EINPUT (runs that do not pair) or PC_EINTERNAL. */
int cmp_write_differences(const char *path, const mc_result *base, const mc_result *const *alts,
                          size_t n_alts, double level, pc_err *err);

/* ---- variance reduction ------------------------------------------------------------- */

typedef struct {
    cmp_key key;
    size_t reps;
    double base_mean;
    double paired_mean, paired_sd;           /* alt (same seed and replications) - base */
    double independent_mean, independent_sd; /* alt (other streams) - base */
    double factor; /* independent variance / paired variance (inf when the paired one is 0) */
} cmp_reduction;

/* The variance-reduction factor of key: base and paired share replications
 * [0, reps), independent is the alternative run on streams base never used
 * (another seed, or replications numbered from reps on). */
void cmp_reduction_of(const mc_result *base, const mc_result *paired, const mc_result *independent,
                      size_t reps, const cmp_key *key, double *scratch, cmp_reduction *out);

/* ---- precision targets ---------------------------------------------------------------- */

typedef struct {
    double share;    /* target: half-width <= share x |mean| (0.01 for "1%") */
    size_t max_reps; /* stop there if the target is not met (0: 10000) */
} cmp_precision;

typedef struct {
    size_t reps, batches;
    int met;             /* the target was reached */
    double worst;        /* largest half-width / |mean| among the key outputs */
    char worst_key[320]; /* the key output it belongs to */
    size_t last_batch;   /* replications added by the last batch */
    size_t memory_cap;   /* the replications that fit in 2 GB, when fewer than asked; else 0 */
} cmp_precision_report;

/* Parses "1%", "0.5 %": the share (0.01, 0.005) in (0, 1).  PC_OK or PC_EINPUT. */
int cmp_parse_share(const char *text, double *share, pc_err *err);

/* The widest relative half-width, over the key outputs of r (cmp_key_outputs
 * without the three-year stocks), of the level interval of the mean from
 * replications [0, reps); the key's label goes to which (may be NULL).  Key
 * outputs whose mean is exactly 0 are left out; 0 when none is left. */
double cmp_worst_relative(const mc_result *r, size_t reps, double level, char *which, size_t size);

/* As cmp_worst_relative for the paired differences alts[i] - base, relative to
 * the base mean. */
double cmp_worst_paired(const mc_result *base, const mc_result *const *alts, size_t n_alts,
                        size_t reps, double level, char *which, size_t size);

/* Runs m like mc_run(m, opt), opt->reps being the first batch (at least 2,
 * replications numbered from 0: opt->first must be 0), then adds batches of
 * replications until every key output's 95 % interval half-width is within
 * p->share of its mean, or p->max_reps is reached (not an error: report->met
 * says so).  After a batch, the replications needed are estimated as
 * n (worst / share)^2 plus 10 %, and the next batch brings the run there: at
 * least 10 more, at most three times as many as already run.  Replication r
 * always uses the streams of (seed, r), so the result is the run of that many
 * replications, and its manifest reproduces it.  report may be NULL. */
int cmp_run_precision(const mdl_model *m, const mc_options *opt, const cmp_precision *p,
                      mc_result **out, cmp_precision_report *report, pc_err *err);

/* ---- comparing scenarios ------------------------------------------------------------------ */

/* What cmp_compare is about to run (cmp_options.progress). */
typedef struct {
    int measuring;        /* 0: a batch of every scenario; 1: an alternative again, on other
                           * random numbers, to measure the variance reduction */
    size_t scenarios;     /* scenarios in the batch */
    size_t first, last;   /* its replications */
    const char *scenario; /* measuring: the alternative's identifier */
} cmp_step;

typedef struct {
    mc_options mc;    /* reps (the first batch with a precision target), seed, threads, progress */
    int independent;  /* the alternatives run with seed + 1: no common random numbers */
    double precision; /* 0, or the target share of the paired half-width over the base mean */
    size_t max_reps;  /* with precision (0: 10000) */
    int measure;      /* also run each alternative on other streams and measure the reduction */
    /* Called before each batch of runs when not NULL (the comparison prints nothing). */
    void (*progress)(void *ctx, const cmp_step *step);
    void *progress_ctx;
} cmp_options;

typedef struct {
    size_t n_alts;
    mc_result *base;
    mc_result **alts; /* the runs compared with base: same seed, or seed + 1 with independent */
    size_t n_keys;
    cmp_key keys[64];          /* key outputs with the three-year stocks */
    cmp_reduction *reductions; /* [alt][key] when measured, else NULL */
    cmp_precision_report precision;
} cmp_comparison;

/* Runs base and every alternative (all with base's start and horizon) as opt
 * says.  Results borrow the models.  PC_OK, PC_EINPUT or PC_EINTERNAL. */
int cmp_compare(const mdl_model *base, const mdl_model *const *alts, size_t n_alts,
                const cmp_options *opt, cmp_comparison **out, pc_err *err);
void cmp_comparison_free(cmp_comparison *c);

/* Writes path (a CSV file, replaced whole) from a comparison that measured the
 * reductions, one row per alternative and key output:
 *   scenario,base,variable,period_kind,period,reps,base_mean,paired_mean,paired_sd,
 *   independent_mean,independent_sd,factor
 * PC_OK, PC_EINPUT (path cannot be created) or PC_EINTERNAL. */
int cmp_write_reductions(const char *path, const cmp_comparison *c, pc_err *err);

#endif
