/* runs — model runs with some keys set (see runs.h). */
#include "runs.h"

int runs_check(const mdl_model *base, size_t n, const char *const *keys, const char *const *values,
               pc_err *err)
{
    mdl_model *trial = NULL;
    int rc = mdl_override(base, n, keys, values, &trial, err);
    mdl_free(trial);
    return rc;
}

int runs_with(const mdl_model *base, size_t n, const char *const *keys, const char *const *values,
              const mc_options *opt, runs_variant *out, pc_err *err)
{
    out->model = NULL;
    out->result = NULL;
    int rc = mdl_override(base, n, keys, values, &out->model, err);
    if (!rc)
        rc = mc_run(out->model, opt, &out->result, err);
    if (rc)
        runs_clear(out);
    return rc;
}

void runs_clear(runs_variant *v)
{
    mc_result_free(v->result);
    mdl_free(v->model);
    v->result = NULL;
    v->model = NULL;
}
