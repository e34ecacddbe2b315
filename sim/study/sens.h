/* sens — sensitivity of an output: one-at-a-time variations (tornado) and Sobol indices.
 *
 * One-at-a-time (sens_oat): for each key, the model with that key set to its
 * low and to its high value (runs_with: a parameter's name, or a key such as
 * resource.iae_aci.capacity), each run with the same seed and replications as
 * the model itself, so that the paired difference high - low is free of most
 * of the Monte Carlo noise (common random numbers).  The rows come back sorted
 * by swing, |mean at high - mean at low|, largest first: the bars of a tornado
 * chart from top to bottom.
 *
 * Sobol indices (sens_jansen, sens_sobol, sens_sobol_model): Saltelli's design
 * of two n x k matrices A and B of independent uniforms and the k matrices
 * A_B^(i) (A with its column i taken from B), n (k + 2) evaluations in all, and
 * Jansen's estimators of the first-order and total indices,
 *     V     = variance of the 2n outputs f(A), f(B)
 *     S_i   = (V - sum_j (f(B)_j - f(A_B^(i))_j)^2 / 2n) / V
 *     S_T,i = sum_j (f(A)_j - f(A_B^(i))_j)^2 / 2n / V,
 * with percentile bootstrap intervals (rows resampled with replacement).  The
 * uniforms come from Philox streams keyed by the seed, so a design is the same
 * on every machine and thread count.  For a model, the inputs are its uncertain
 * parameters (in file order), mapped from uniforms by their quantile functions
 * (mdl_param_quantile), and each point is one replication (number 0 of the
 * seed) of the model bound to those values: every point meets the same random
 * numbers, so the simulation noise is common to all points rather than added
 * independently to each (docs/compare.md says what remains of it).
 *
 * An output is a variable of the model at a calendar year (VARIABLE@YEAR: the
 * yearly value, as yearly.csv) or over the horizon (VARIABLE: flows summed,
 * stocks at the last month, as replications.csv), held in a cmp_key. */
#ifndef PARCOURS_SENS_H
#define PARCOURS_SENS_H

#include <stddef.h>
#include <stdint.h>

#include "cmp.h"
#include "core/err.h"
#include "core/mc.h"
#include "core/mdl.h"

/* ---- one at a time -------------------------------------------------------------- */

typedef struct {
    char key[256];                  /* a parameter's name or a key (runs.h) */
    char low[64], high[64];         /* the values as written, e.g. "150", "60d", "4000/y" */
    double low_number, high_number; /* their numbers (units, if any, alike and left out) */
} sens_vary;

/* Parses "KEY=LOW:HIGH": LOW and HIGH numbers with the same unit, if any, and
 * LOW < HIGH.  PC_OK or PC_EINPUT naming the argument. */
int sens_parse_vary(const char *text, sens_vary *v, pc_err *err);

/* Parses "VARIABLE" or "VARIABLE@YEAR" against m's output variables into key.
 * PC_OK or PC_EINPUT (unknown variable, year outside the horizon). */
int sens_parse_output(const mdl_model *m, const char *text, cmp_key *key, pc_err *err);

typedef struct {
    sens_vary vary;
    double mean_low, mean_high;     /* the output's mean with the key at low and at high */
    double se_low, se_high;         /* their standard errors (sd / sqrt(replications)) */
    double effect;                  /* mean of the paired differences high - low */
    double effect_low, effect_high; /* its 95 % interval */
    double swing;                   /* |mean_high - mean_low| */
} sens_oat_row;

/* A run of the one-at-a-time study, about to start (sens_oat_options.progress). */
typedef struct {
    size_t run, runs; /* this run, from 1, and how many */
    const char *key;  /* the key set, or NULL for the model as given */
    const char *value;
} sens_oat_step;

typedef struct {
    mc_options mc; /* every run: reps (at least 2), seed, threads, and its progress */
    /* Called before each run when not NULL (the study prints nothing). */
    void (*progress)(void *ctx, const sens_oat_step *step);
    void *progress_ctx;
} sens_oat_options;

typedef struct {
    size_t n;
    size_t reps;
    uint32_t seed;
    double base_mean;   /* the output's mean for the model as given */
    sens_oat_row *rows; /* sorted by swing, largest first (ties: by key) */
} sens_oat_result;

/* Runs the model as given and, for each of the n keys, at low and at high, with
 * opt->mc (reps, seed, threads); every key is checked before anything runs, so
 * a bad key fails at once.  PC_OK, PC_EINPUT (a key the model refuses, with
 * the model's message; fewer than 2 replications) or PC_EINTERNAL. */
int sens_oat(const mdl_model *m, const sens_vary *vary, size_t n, const cmp_key *output,
             const sens_oat_options *opt, sens_oat_result **out, pc_err *err);
void sens_oat_free(sens_oat_result *r);

/* Writes path (tornado.csv, replaced whole), one row per key in r's order:
 *   rank,key,low,high,output,base_mean,mean_low,mean_high,effect,effect_ci_low,
 *   effect_ci_high,swing,reps,seed
 * PC_OK, PC_EINPUT (path cannot be created) or PC_EINTERNAL.  The chart is
 * present/sensplot.h's. */
int sens_write_tornado(const char *path, const sens_oat_result *r, const cmp_key *output,
                       pc_err *err);

/* ---- Sobol indices ------------------------------------------------------------------- */

typedef struct {
    double first, first_low, first_high; /* S_i and its bootstrap interval */
    double total, total_low, total_high; /* S_T,i and its bootstrap interval */
} sens_index;

/* The design's uniforms: a and b, n x k each, row-major, from the seed. */
void sens_design(size_t n, size_t k, uint32_t seed, double *a, double *b);

/* The uniforms u[0..k-1] of design point p: rows 0..n-1 are A, n..2n-1 are B,
 * and (2 + i) n + j is row j of A_B^(i). */
void sens_point(const double *a, const double *b, size_t n, size_t k, size_t p, double *u);

/* Jansen estimators from the n (k + 2) outputs y of the design (in sens_point's
 * order), with percentile intervals at level from boot bootstrap resamples drawn
 * from the seed's stream.  *mean and *variance (may be NULL) receive those of
 * the 2n outputs f(A), f(B).  PC_OK, PC_EINPUT (n < 2, or an output that does
 * not vary or is not finite) or PC_EINTERNAL. */
int sens_jansen(const double *y, size_t n, size_t k, size_t boot, double level, uint32_t seed,
                sens_index *out, double *mean, double *variance, pc_err *err);

/* A function of k uniforms in (0, 1): writes *y; PC_OK or a status with err. */
typedef int (*sens_function)(void *ctx, const double *u, double *y, pc_err *err);

/* Evaluates f over the design of (n, k, seed), one point after the other, and
 * estimates the indices as sens_jansen does. */
int sens_sobol(sens_function f, void *ctx, size_t n, size_t k, uint32_t seed, size_t boot,
               double level, sens_index *out, pc_err *err);

typedef struct {
    size_t n;      /* base sample: n (k + 2) runs of one replication */
    uint32_t seed; /* the design, the replication's random numbers and the bootstrap */
    int threads;   /* 0: OpenMP's default */
    size_t boot;   /* bootstrap resamples (0: 500) */
    double level;  /* interval level (0: 0.95) */
    /* Called after each design point (one thread at a time) with the points done and
     * their number, when not NULL (the study prints nothing). */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} sens_sobol_options;

typedef struct {
    size_t k, n;
    int *params;           /* index in the model's parameters of each uncertain one */
    sens_index *indices;   /* one per uncertain parameter */
    double mean, variance; /* of the output over f(A) and f(B) */
} sens_sobol_result;

/* Sobol indices of output over m's uncertain parameters.  PC_OK, PC_EINPUT (no
 * uncertain parameter, an output that does not vary) or PC_EINTERNAL. */
int sens_sobol_model(const mdl_model *m, const cmp_key *output, const sens_sobol_options *opt,
                     sens_sobol_result **out, pc_err *err);
void sens_sobol_result_free(sens_sobol_result *r);

/* Writes path: parameter,law,first,first_low,first_high,total,total_low,total_high,n,
 * with the output, its mean and variance in columns output,mean,variance. */
int sens_write_sobol(const char *path, const mdl_model *m, const sens_sobol_result *r,
                     const cmp_key *output, pc_err *err);

#endif
