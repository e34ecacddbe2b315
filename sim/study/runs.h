/* runs — a model run with some keys set: the one door of the studies to changed models.
 *
 * Sensitivity, calibration, sizing and allocation all run a model again with a
 * few keys replaced (`resource.iae_aci.capacity = 450`, a parameter's value,
 * `model.horizon`), the keys of docs/format.md as mdl_override takes them, with
 * the same seed and replications at every run (common random numbers).  They
 * check such keys only through runs_check and run such models only through
 * runs_with (a key set once, the model resolved again) or a plan (numeric keys
 * moved from run to run through bindings), so that how a model is changed is
 * decided here and nowhere else.
 *
 * Errors: the status of the override (PC_EINPUT naming the key, with the model's
 * message) or of the run (mc_run), with err. */
#ifndef PARCOURS_RUNS_H
#define PARCOURS_RUNS_H

#include <stddef.h>

#include "core/err.h"
#include "core/mc.h"
#include "core/mdl.h"

/* A model with some keys set, and its run. */
typedef struct {
    mdl_model *model;  /* the changed model */
    mc_result *result; /* its run; borrows model */
    int borrowed;      /* the model belongs to a plan: runs_clear leaves it */
} runs_variant;

/* Whether base takes keys[i] = values[i] (i < n): PC_OK, or the status of the
 * override with err.  Nothing runs. */
int runs_check(const mdl_model *base, size_t n, const char *const *keys, const char *const *values,
               pc_err *err);

/* Runs base with keys[i] = values[i] (i < n; n may be 0) as opt says.  PC_OK and
 * *out, or a status with err and *out empty. */
int runs_with(const mdl_model *base, size_t n, const char *const *keys, const char *const *values,
              const mc_options *opt, runs_variant *out, pc_err *err);

/* Frees the variant's run and model (either may be NULL) and empties it. */
void runs_clear(runs_variant *v);

/* ---- plans: one model, many runs at other values ----------------------------------
 *
 * A study that moves the same numeric keys from run to run (a calibration's free
 * keys, a capacity being sized) prepares a plan once: the keys become fixed
 * parameters of a model resolved once (mdl_expose), and each run binds the
 * values (mc_options.set), without resolving the model again. */
typedef struct runs_plan runs_plan;

/* A plan for base with keys[i] written as texts[i] (`4500/y`, `450`, `120d`): the
 * number's unit is what follows it, and later runs give numbers in that unit.
 * PC_OK and *out, or PC_EINPUT naming the key (with the model's message). */
int runs_plan_alloc(const mdl_model *base, size_t n, const char *const *keys,
                    const char *const *texts, runs_plan **out, pc_err *err);
void runs_plan_free(runs_plan *p);

/* The plan's model (its exposed keys are parameters). */
const mdl_model *runs_plan_model(const runs_plan *p);

/* Runs the plan's model with key i at values[i] (the unit of its text) as opt says;
 * the variant borrows the plan's model (runs_clear frees only the run). */
int runs_plan_run(runs_plan *p, const double *values, const mc_options *opt, runs_variant *out,
                  pc_err *err);

/* The number at the start of text and the unit after it: PC_OK, or PC_EINPUT. */
int runs_split_value(const char *text, double *value, char *unit, size_t size, pc_err *err);

#endif
