/* calib — calibration: the free keys of a model fitted to observed figures.
 *
 * A calibration problem borrows a resolved model and holds targets (a variable,
 * a month YYYY-MM for its monthly value or a year YYYY for its yearly aggregate
 * as in yearly.csv, an observed value, a weight) and free keys, each with a range
 * [LOW, HIGH] (keys as runs_with takes them: `population.rsa.inflow.rate`, a
 * `[parameter NAME]`'s name, ...; values keep the unit written after the number,
 * `7500/y`).  calib_fit minimises the weighted mean of squared relative errors
 * of the simulated means with GSL's Nelder-Mead simplex (nmsimplex2) on logit-
 * transformed values, so every trial stays inside its range.  Every evaluation
 * runs the same seed and replications (common random numbers), which makes the
 * objective smooth enough for the simplex; it stops when the simplex is smaller
 * than a tolerance (in logit units) or after a number of iterations.  Free keys and
 * targets that each belong to one of several independent territories (populations that
 * share no person, place or staff) are fitted one simplex per territory, in lock step
 * (simplex.h): one simulator call evaluates every territory's point.  Only the
 * months the targets need are simulated during the fit (the months kept are the
 * same, bitwise, as in a run over the whole horizon).
 *
 * calib_write_overlay writes the fitted values as a scenario overlaying the model
 * file: `extends =` (or `model =`) with a path relative to the overlay, and each
 * changed section in full with its key replaced (a section of a scenario
 * replaces its base's whole; table paths are rewritten relative to the overlay). */
#ifndef PARCOURS_CALIB_H
#define PARCOURS_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/mdl.h"

typedef struct {
    char variable[200];
    char when[16]; /* YYYY-MM or YYYY, as written */
    int year;
    int month;    /* 1-12, or 0 for the year's aggregate */
    size_t index; /* month index, or position of the year among the horizon's years */
    double value, weight;
} calib_target;

typedef struct {
    char key[300];
    char section[300]; /* where the overlay writes it: "population rsa", "set 2020-01" */
    char entry[200];   /* the key inside that section */
    char suffix[32];   /* the unit written after the number ("/y"), or "" */
    int integer;       /* a capacity or a count: written rounded */
    double low, high, start;
} calib_key;

typedef struct {
    const mdl_model *model; /* borrowed */
    size_t n_targets, cap_targets, n_free;
    calib_target *targets;
    calib_key *free_keys;
    /* Made at the first evaluation, reused by the others: the model cut to the months the
     * targets need, and the plan with the free keys as parameters (runs.h). */
    mdl_model *cut;
    struct runs_plan *plan;
} calib_problem;

/* Where the fit stands after a simplex iteration (calib_options.progress). */
typedef struct {
    size_t iterations; /* simplex iterations done */
    size_t calls;      /* simulator calls made */
    double objective;  /* the best vertex's */
    double size;       /* the simplex size (logit units) */
} calib_state;

typedef struct {
    size_t reps;
    uint32_t seed;
    int threads;     /* 0: OpenMP's default */
    size_t max_iter; /* simplex iterations */
    double tol;      /* simplex size (logit units) at which the fit stops */
    /* Called after each simplex iteration when not NULL (the fit prints nothing). */
    void (*progress)(void *ctx, const calib_state *state);
    void *progress_ctx;
} calib_options;

typedef struct {
    size_t n_free, n_targets;
    double *values;                /* fitted values, as written in the overlay */
    double *mean, *sd, *p05, *p95; /* each target's simulated value across replications */
    double objective;
    size_t calls;      /* simulator runs (each of reps replications) */
    size_t iterations; /* simplex iterations */
    int converged;     /* 1: the simplex shrank below tol; 0: max_iter reached */
    double size;       /* the final simplex size */
    int horizon;       /* months simulated per run */
} calib_result;

calib_problem *calib_problem_alloc(const mdl_model *m);
void calib_problem_free(calib_problem *p);

/* Adds a target; where ("file:line", or NULL) prefixes messages.  PC_EINPUT for
 * an unknown variable, a date outside the horizon, a zero value or a weight <= 0. */
int calib_add_target(calib_problem *p, const char *variable, const char *when, double value,
                     double weight, const char *where, pc_err *err);

/* Reads `variable,date_or_year,value,weight` (a header line, then one target a
 * line; weight may be left out and is then 1). */
int calib_read_targets(calib_problem *p, const char *path, pc_err *err);

/* Adds a free key from "KEY=LOW:HIGH" or "KEY=LOW:HIGH:START".  The start is by
 * default the model's value when it is a number in the range, else the middle.
 * PC_EINPUT for an unknown key, LOW >= HIGH, mismatched units, a start outside. */
int calib_add_key(calib_problem *p, const char *spec, pc_err *err);

/* A value written as the overlay writes it ("4612.5/y"): rounded for integer keys. */
void calib_format_value(const calib_key *f, double value, char *buf, size_t size);

/* Runs the model at values (one per free key) and fills r's means and intervals
 * and objective; r must come from calib_result_alloc.  One simulator call. */
int calib_evaluate(calib_problem *p, const double *values, const calib_options *opt,
                   calib_result *r, pc_err *err);

calib_result *calib_result_alloc(const calib_problem *p);
void calib_result_free(calib_result *r);

/* Fits the free keys.  PC_EINPUT without targets or free keys. */
int calib_fit(calib_problem *p, const calib_options *opt, calib_result **out, pc_err *err);

/* Whether overlay_path can receive the overlay of m: its folder exists and it is
 * none of the files m was read from (writing over one would lose it).  PC_OK or
 * PC_EINPUT. */
int calib_check_overlay(const mdl_model *m, const char *overlay_path, pc_err *err);

/* Writes the overlay scenario (atomically) for the model file base_path. */
int calib_write_overlay(const calib_problem *p, const calib_result *r, const char *base_path,
                        const char *overlay_path, pc_err *err);

/* The fit report, one row per target:
 *   variable,date_or_year,target,weight,fitted,sd,p05,p95,relative_error */
int calib_write_report(const calib_problem *p, const calib_result *r, const char *path,
                       pc_err *err);

#endif
