/* runs — a model run with some keys set: the one door of the studies to changed models.
 *
 * Sensitivity, calibration, sizing and allocation all run a model again with a
 * few keys replaced (`resource.iae_aci.capacity = 450`, a parameter's value,
 * `model.horizon`), the keys of docs/format.md as mdl_override takes them, with
 * the same seed and replications at every run (common random numbers).  They
 * check such keys only through runs_check and run such models only through
 * runs_with, so that how a model is changed (today mdl_override, which resolves
 * the model again) is decided here and nowhere else.
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

#endif
