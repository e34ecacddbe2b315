/* runs — model runs with some keys set (see runs.h). */
#include "runs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
    out->borrowed = 0;
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
    if (!v->borrowed)
        mdl_free(v->model);
    v->result = NULL;
    v->model = NULL;
    v->borrowed = 0;
}

struct runs_plan {
    mdl_model *model; /* base with the keys as parameters */
    size_t n;
    size_t *index; /* [key] its parameter */
};

int runs_split_value(const char *text, double *value, char *unit, size_t size, pc_err *err)
{
    char *end;
    *value = strtod(text, &end);
    if (end == text || !isfinite(*value))
        return pc_fail(err, PC_EINPUT, "'%s': expected a number, optionally with a unit", text);
    while (*end == ' ')
        end++;
    snprintf(unit, size, "%s", end);
    return PC_OK;
}

int runs_plan_alloc(const mdl_model *base, size_t n, const char *const *keys,
                    const char *const *texts, runs_plan **out, pc_err *err)
{
    *out = NULL;
    runs_plan *p = pc_calloc(1, sizeof *p);
    char(*units)[32] = pc_calloc(n ? n : 1, sizeof *units);
    const char **unit_of = pc_calloc(n ? n : 1, sizeof *unit_of);
    double *values = pc_calloc(n ? n : 1, sizeof *values);
    int rc = p && units && unit_of && values ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    if (!rc && !(p->index = pc_calloc(n ? n : 1, sizeof *p->index)))
        rc = pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        rc = runs_split_value(texts[i], &values[i], units[i], sizeof units[i], err);
        unit_of[i] = units[i];
    }
    /* the keys must take these values as written: refused keys are named here */
    if (!rc)
        rc = runs_check(base, n, keys, texts, err);
    if (!rc)
        rc = mdl_expose(base, n, keys, unit_of, values, &p->model, p->index, err);
    free(units);
    free(unit_of);
    free(values);
    if (rc) {
        runs_plan_free(p);
        return rc;
    }
    p->n = n;
    *out = p;
    return PC_OK;
}

void runs_plan_free(runs_plan *p)
{
    if (!p)
        return;
    mdl_free(p->model);
    free(p->index);
    free(p);
}

const mdl_model *runs_plan_model(const runs_plan *p)
{
    return p->model;
}

int runs_plan_run(runs_plan *p, const double *values, const mc_options *opt, runs_variant *out,
                  pc_err *err)
{
    mc_options o = *opt;
    o.n_set = p->n;
    o.set_index = p->index;
    o.set_value = values;
    out->model = p->model;
    out->borrowed = 1;
    out->result = NULL;
    int rc = mc_run(p->model, &o, &out->result, err);
    if (rc)
        runs_clear(out);
    return rc;
}
