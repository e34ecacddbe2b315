/* fit — calibration of a model to observed figures, and the `calibrate`, `size`
 * and `allocate` commands.
 *
 * A calibration problem borrows a resolved model and holds targets (a variable,
 * a month YYYY-MM for its monthly value or a year YYYY for its yearly aggregate
 * as in yearly.csv, an observed value, a weight) and free keys, each with a range
 * [LOW, HIGH] (keys as mdl_override takes them: `population.rsa.inflow.rate`, a
 * `[parameter NAME]`'s name, ...; values keep the unit written after the number,
 * `7500/y`).  fit_calibrate minimises the weighted mean of squared relative errors
 * of the simulated means with GSL's Nelder-Mead simplex (nmsimplex2) on logit-
 * transformed values, so every trial stays inside its range.  Every evaluation
 * runs the same seed and replications (common random numbers), which makes the
 * objective smooth enough for the simplex; it stops when the simplex is smaller
 * than a tolerance (in logit units) or after a number of iterations.  Only the
 * months the targets need are simulated during the fit (the months kept are the
 * same, bitwise, as in a run over the whole horizon).
 *
 * fit_write_overlay writes the fitted values as a scenario overlaying the model
 * file: `extends =` (or `model =`) with a path relative to the overlay, and each
 * changed section in full with its key replaced (a section of a scenario
 * replaces its base's whole; table paths are rewritten relative to the overlay). */
#ifndef PARCOURS_FIT_H
#define PARCOURS_FIT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "core/mdl.h"

typedef struct {
    char variable[200];
    char when[16]; /* YYYY-MM or YYYY, as written */
    int year;
    int month;    /* 1-12, or 0 for the year's aggregate */
    size_t index; /* month index, or position of the year among the horizon's years */
    double value, weight;
} fit_target;

typedef struct {
    char key[300];
    char section[300]; /* where the overlay writes it: "population rsa", "set 2020-01" */
    char entry[200];   /* the key inside that section */
    char suffix[32];   /* the unit written after the number ("/y"), or "" */
    int integer;       /* a capacity or a count: written rounded */
    double low, high, start;
} fit_free;

typedef struct {
    const mdl_model *model; /* borrowed */
    size_t n_targets, cap_targets, n_free;
    fit_target *targets;
    fit_free *free_keys;
} fit_problem;

typedef struct {
    size_t reps;
    uint32_t seed;
    int threads;     /* 0: OpenMP's default */
    size_t max_iter; /* simplex iterations */
    double tol;      /* simplex size (logit units) at which the fit stops */
    int progress;    /* one line per iteration on stderr when it is a terminal */
} fit_options;

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
} fit_result;

fit_problem *fit_problem_alloc(const mdl_model *m);
void fit_problem_free(fit_problem *p);

/* Adds a target; where ("file:line", or NULL) prefixes messages.  PC_EINPUT for
 * an unknown variable, a date outside the horizon, a zero value or a weight <= 0. */
int fit_add_target(fit_problem *p, const char *variable, const char *when, double value,
                   double weight, const char *where, pc_err *err);

/* Reads `variable,date_or_year,value,weight` (a header line, then one target a
 * line; weight may be left out and is then 1). */
int fit_read_targets(fit_problem *p, const char *path, pc_err *err);

/* Adds a free key from "KEY=LOW:HIGH" or "KEY=LOW:HIGH:START".  The start is by
 * default the model's value when it is a number in the range, else the middle.
 * PC_EINPUT for an unknown key, LOW >= HIGH, mismatched units, a start outside. */
int fit_add_free(fit_problem *p, const char *spec, pc_err *err);

/* A value written as the overlay writes it ("4612.5/y"): rounded for integer keys. */
void fit_format_value(const fit_free *f, double value, char *buf, size_t size);

/* Runs the model at values (one per free key) and fills r's means and intervals
 * and objective; r must come from fit_result_alloc.  One simulator call. */
int fit_evaluate(const fit_problem *p, const double *values, const fit_options *opt, fit_result *r,
                 pc_err *err);

fit_result *fit_result_alloc(const fit_problem *p);
void fit_result_free(fit_result *r);

/* Fits the free keys.  PC_EINPUT without targets or free keys. */
int fit_calibrate(const fit_problem *p, const fit_options *opt, fit_result **out, pc_err *err);

/* Writes the overlay scenario (atomically) for the model file base_path. */
int fit_write_overlay(const fit_problem *p, const fit_result *r, const char *base_path,
                      const char *overlay_path, pc_err *err);

/* The fit report: one row per target (CSV written atomically, or text). */
int fit_write_report_csv(const fit_problem *p, const fit_result *r, const char *path, pc_err *err);
void fit_print_report(FILE *f, const fit_problem *p, const fit_result *r, const fit_options *opt);

/* The commands; argv[0] is the command name.  Each returns the exit status. */
int fit_calibrate_main(int argc, char **argv);
int fit_size_main(int argc, char **argv);
int fit_allocate_main(int argc, char **argv);

#endif
