/* fit — calibration by Nelder-Mead on common random numbers, and the calibrate,
 * size and allocate commands (see fit.h and capacity.h).
 *
 * The commands parse their options, call fit_calibrate, capacity_size or
 * capacity_share, and print results on stdout; messages go to stderr as
 * "parcours: ...".  Exit status: 0 ok, 1 bad input, 2 usage, 3 internal. */
#include "fit.h"

#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capacity.h"
#include "core/cfg.h"
#include "core/fsio.h"
#include "core/mc.h"
#include "cli/opt.h"
#include "core/rec.h"
#include "runs.h"

#define FIT_MAX_TARGETS 10000
#define FIT_MAX_FREE    64
#define FIT_BAD_VALUE   1e6 /* objective when a target has no value (a ratio with no case) */

/* ---- problem ---------------------------------------------------------------------------- */

fit_problem *fit_problem_alloc(const mdl_model *m)
{
    fit_problem *p = pc_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->model = m;
    p->free_keys = pc_calloc(FIT_MAX_FREE, sizeof *p->free_keys);
    if (!p->free_keys) {
        fit_problem_free(p);
        return NULL;
    }
    return p;
}

void fit_problem_free(fit_problem *p)
{
    if (!p)
        return;
    free(p->targets);
    free(p->free_keys);
    free(p);
}

/* An input error, prefixed with where ("file:line") when given. */
__attribute__((format(printf, 3, 4))) static int fail_where(pc_err *err, const char *where,
                                                            const char *fmt, ...)
{
    char what[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pc_fail(err, PC_EINPUT, "%s%s%s", where ? where : "", where ? ": " : "", what);
}

int fit_add_target(fit_problem *p, const char *variable, const char *when, double value,
                   double weight, const char *where, pc_err *err)
{
    const mdl_model *m = p->model;
    if (p->n_targets == FIT_MAX_TARGETS)
        return pc_fail(err, PC_EINPUT, "more than %d targets", FIT_MAX_TARGETS);
    if (p->n_targets == p->cap_targets) {
        size_t cap = p->cap_targets ? 2 * p->cap_targets : 16;
        fit_target *bigger = realloc(p->targets, cap * sizeof *bigger);
        if (!bigger)
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        p->targets = bigger;
        p->cap_targets = cap;
    }
    fit_target *t = &p->targets[p->n_targets];
    memset(t, 0, sizeof *t);
    if (strlen(variable) >= sizeof t->variable || strlen(when) >= sizeof t->when)
        return fail_where(err, where, "%s %s: too long", variable, when);
    snprintf(t->variable, sizeof t->variable, "%s", variable);
    snprintf(t->when, sizeof t->when, "%s", when);
    rec_catalog *cat = rec_catalog_alloc(m);
    if (!cat)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    long var = rec_find(cat, variable);
    rec_catalog_free(cat);
    if (var < 0)
        return fail_where(err, where,
                          "variable: unknown variable '%s' (the variables are those of "
                          "monthly.csv, docs/format.md)",
                          variable);
    size_t len = strlen(when);
    int ok = len == 4 || len == 7;
    for (size_t i = 0; i < len && ok; i++)
        ok = i == 4 ? when[i] == '-' : isdigit((unsigned char)when[i]) != 0;
    if (!ok)
        return fail_where(err, where, "date_or_year: expected YYYY-MM or YYYY, got '%s'", when);
    t->year = atoi(when);
    t->month = len == 7 ? atoi(when + 5) : 0;
    int last_year, last_month;
    mdl_month_of(m, m->horizon - 1, &last_year, &last_month);
    if (len == 7) {
        long k = (long)(t->year - m->start_year) * 12 + (t->month - m->start_month);
        if (t->month < 1 || t->month > 12 || k < 0 || k >= m->horizon)
            return fail_where(err, where, "date_or_year: %s is outside the model's months", when);
        t->index = (size_t)k;
    } else {
        if (t->year < m->start_year || t->year > last_year)
            return fail_where(err, where, "date_or_year: %s is outside the model's years", when);
        t->index = (size_t)(t->year - m->start_year);
    }
    if (!isfinite(value) || value == 0)
        return fail_where(err, where,
                          "value: expected a number other than 0 (errors are relative)");
    if (!(weight > 0) || !isfinite(weight))
        return fail_where(err, where, "weight: expected a number > 0");
    t->value = value;
    t->weight = weight;
    p->n_targets++;
    return PC_OK;
}

/* A whole field parsed as a finite number. */
static int parse_real(const char *s, double *out)
{
    char *end;
    if (!s || !*s)
        return 0;
    errno = 0;
    double v = strtod(s, &end);
    while (*end && isspace((unsigned char)*end))
        end++;
    if (errno || *end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int fit_read_targets(fit_problem *p, const char *path, pc_err *err)
{
    cfg_table *t;
    int rc = cfg_read_csv(path, &t, err);
    if (rc)
        return rc;
    if (t->n_rows < 2 || t->rows[0].n < 3 || strcmp(t->rows[0].fields[0], "variable")) {
        rc = pc_fail(err, PC_EINPUT,
                     "%s: expected a header 'variable,date_or_year,value,weight' and at least "
                     "one target",
                     path);
        cfg_table_free(t);
        return rc;
    }
    for (size_t i = 1; i < t->n_rows && !rc; i++) {
        const cfg_row *row = &t->rows[i];
        char where[400];
        snprintf(where, sizeof where, "%.300s:%d", path, row->line);
        double value, weight = 1;
        if (row->n < 3 || row->n > 4)
            rc = pc_fail(err, PC_EINPUT, "%s: expected variable,date_or_year,value,weight", where);
        else if (!parse_real(row->fields[2], &value))
            rc = pc_fail(err, PC_EINPUT, "%s: value: expected a number, got '%s'", where,
                         row->fields[2]);
        else if (row->n == 4 && row->fields[3][0] && !parse_real(row->fields[3], &weight))
            rc = pc_fail(err, PC_EINPUT, "%s: weight: expected a number, got '%s'", where,
                         row->fields[3]);
        else
            rc = fit_add_target(p, row->fields[0], row->fields[1], value, weight, where, err);
    }
    cfg_table_free(t);
    return rc;
}

/* ---- free keys -------------------------------------------------------------------------- */

/* "4600/y" -> 4600 and "/y".  Returns 0 when it does not start with a number. */
static int split_value(const char *s, double *v, char *suffix, size_t size)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    if (end == s || errno || !isfinite(*v))
        return 0;
    for (const char *q = s; q < end; q++)
        if (!(isdigit((unsigned char)*q) || strchr("+-.eE", *q)))
            return 0;
    while (*end && isspace((unsigned char)*end))
        end++;
    size_t len = strlen(end);
    while (len && isspace((unsigned char)end[len - 1]))
        len--;
    if (len >= size)
        return 0;
    memcpy(suffix, end, len);
    suffix[len] = '\0';
    return 1;
}

/* Where mdl_override puts a key: the section and the entry (see mdl.h). */
static int key_place(const mdl_model *m, const char *k, fit_free *f)
{
    static const char *const kinds[] = {"population", "state", "resource",
                                        "cost",       "staff", "parameter"};
    if (mdl_param_index(m, k) >= 0) {
        snprintf(f->section, sizeof f->section, "parameter %.280s", k);
        snprintf(f->entry, sizeof f->entry, "value");
        return 1;
    }
    if (!strncmp(k, "model.", 6) && k[6]) {
        snprintf(f->section, sizeof f->section, "model");
        snprintf(f->entry, sizeof f->entry, "%.190s", k + 6);
        return 1;
    }
    if (!strncmp(k, "set.", 4) && strlen(k) > 12 && k[11] == '.') {
        snprintf(f->section, sizeof f->section, "set %.7s", k + 4);
        snprintf(f->entry, sizeof f->entry, "%.190s", k + 12);
        return 1;
    }
    for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
        size_t l = strlen(kinds[j]);
        if (strncmp(k, kinds[j], l) || k[l] != '.')
            continue;
        const char *name = k + l + 1;
        const char *dot = j == 5 ? strrchr(name, '.') : strchr(name, '.');
        if (!dot || dot == name || !dot[1])
            return 0;
        snprintf(f->section, sizeof f->section, "%s %.*s", kinds[j],
                 (int)(dot - name < 280 ? dot - name : 280), name);
        snprintf(f->entry, sizeof f->entry, "%.190s", dot + 1);
        return 1;
    }
    return 0;
}

void fit_format_value(const fit_free *f, double value, char *buf, size_t size)
{
    if (f->integer)
        snprintf(buf, size, "%ld%s", lround(value), f->suffix);
    else
        snprintf(buf, size, "%.10g%s", value, f->suffix);
}

/* The model's current value of a free key, if it is a plain number with f's unit. */
static int current_value(const mdl_model *m, const fit_free *f, double *out)
{
    int pi = mdl_param_index(m, f->key);
    if (pi >= 0) {
        *out = m->params[pi].value;
        return f->suffix[0] == '\0';
    }
    const cfg_section *sec = cfg_find(m->doc, f->section);
    const cfg_entry *e = sec ? cfg_get(sec, f->entry) : NULL;
    char suffix[32];
    return e && split_value(e->value, out, suffix, sizeof suffix) && !strcmp(suffix, f->suffix);
}

int fit_add_free(fit_problem *p, const char *spec, pc_err *err)
{
    const mdl_model *m = p->model;
    if (p->n_free == FIT_MAX_FREE)
        return pc_fail(err, PC_EINPUT, "--free: at most %d free keys", FIT_MAX_FREE);
    fit_free *f = &p->free_keys[p->n_free];
    memset(f, 0, sizeof *f);
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || (size_t)(eq - spec) >= sizeof f->key)
        return pc_fail(err, PC_EINPUT, "--free %s: expected KEY=LOW:HIGH or KEY=LOW:HIGH:START",
                       spec);
    snprintf(f->key, sizeof f->key, "%.*s", (int)(eq - spec), spec);
    for (size_t i = 0; i < p->n_free; i++)
        if (!strcmp(p->free_keys[i].key, f->key))
            return pc_fail(err, PC_EINPUT, "--free %s: the key is already free", f->key);
    char parts[3][100], suffix[3][32];
    double v[3];
    size_t n = 0;
    for (const char *q = eq + 1; n < 3;) {
        const char *colon = strchr(q, ':');
        size_t len = colon ? (size_t)(colon - q) : strlen(q);
        if (len >= sizeof parts[n])
            return pc_fail(err, PC_EINPUT, "--free %s: value too long", spec);
        memcpy(parts[n], q, len);
        parts[n][len] = '\0';
        if (!split_value(parts[n], &v[n], suffix[n], sizeof suffix[n]))
            return pc_fail(err, PC_EINPUT,
                           "--free %s: '%s' is not a number (with its unit, e.g. 7500/y)", spec,
                           parts[n]);
        n++;
        if (!colon)
            break;
        q = colon + 1;
        if (n == 3)
            return pc_fail(err, PC_EINPUT, "--free %s: expected KEY=LOW:HIGH or KEY=LOW:HIGH:START",
                           spec);
    }
    if (n < 2)
        return pc_fail(err, PC_EINPUT, "--free %s: expected KEY=LOW:HIGH or KEY=LOW:HIGH:START",
                       spec);
    for (size_t i = 0; i < n; i++) {
        if (!suffix[i][0])
            continue;
        if (f->suffix[0] && strcmp(f->suffix, suffix[i]))
            return pc_fail(err, PC_EINPUT, "--free %s: units differ ('%s' and '%s')", spec,
                           f->suffix, suffix[i]);
        memcpy(f->suffix, suffix[i], sizeof f->suffix);
    }
    f->low = v[0];
    f->high = v[1];
    if (!(f->low < f->high))
        return pc_fail(err, PC_EINPUT, "--free %s: LOW (%s) must be below HIGH (%s)", spec,
                       parts[0], parts[1]);
    if (!key_place(m, f->key, f))
        return pc_fail(err, PC_EINPUT,
                       "--free %s: unknown key (expected KIND.NAME.KEY, model.KEY, "
                       "set.YYYY-MM.KEY or a parameter name)",
                       f->key);
    size_t el = strlen(f->entry);
    f->integer = !strcmp(f->entry, "initial.count") ||
                 (el >= 8 && !strcmp(f->entry + el - 8, "capacity") &&
                  (!strncmp(f->section, "resource ", 9) || !strncmp(f->section, "set ", 4)));
    double now;
    if (n == 3)
        f->start = v[2];
    else if (current_value(m, f, &now) && now > f->low && now < f->high)
        f->start = now;
    else
        f->start = (f->low + f->high) / 2;
    if (f->start < f->low || f->start > f->high)
        return pc_fail(err, PC_EINPUT, "--free %s: START (%s) is outside [LOW, HIGH]", spec,
                       parts[2]);
    /* The key must be one the model takes, with a value in the range. */
    char value[64];
    fit_format_value(f, (f->low + f->high) / 2, value, sizeof value);
    const char *key = f->key, *val = value;
    pc_err inner;
    int rc = runs_check(m, 1, &key, &val, &inner);
    if (rc)
        return pc_fail(err, rc, "--free %s: %s", f->key, inner.msg);
    p->n_free++;
    return PC_OK;
}

/* ---- evaluation ----------------------------------------------------------------------- */

fit_result *fit_result_alloc(const fit_problem *p)
{
    fit_result *r = pc_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->n_free = p->n_free;
    r->n_targets = p->n_targets;
    r->values = pc_calloc(p->n_free, sizeof *r->values);
    r->mean = pc_calloc(p->n_targets, sizeof *r->mean);
    r->sd = pc_calloc(p->n_targets, sizeof *r->sd);
    r->p05 = pc_calloc(p->n_targets, sizeof *r->p05);
    r->p95 = pc_calloc(p->n_targets, sizeof *r->p95);
    if (!r->values || !r->mean || !r->sd || !r->p05 || !r->p95) {
        fit_result_free(r);
        return NULL;
    }
    return r;
}

void fit_result_free(fit_result *r)
{
    if (!r)
        return;
    free(r->values);
    free(r->mean);
    free(r->sd);
    free(r->p05);
    free(r->p95);
    free(r);
}

/* Months the targets need: the run stops after the last of them. */
static int months_needed(const fit_problem *p)
{
    const mdl_model *m = p->model;
    int need = 1;
    for (size_t i = 0; i < p->n_targets; i++) {
        const fit_target *t = &p->targets[i];
        int last =
            t->month ? (int)t->index : (t->year - m->start_year) * 12 + (12 - m->start_month);
        if (last > m->horizon - 1)
            last = m->horizon - 1;
        if (last + 1 > need)
            need = last + 1;
    }
    return need;
}

static double objective_of(const fit_problem *p, const fit_result *r)
{
    double sum = 0, weights = 0;
    for (size_t i = 0; i < p->n_targets; i++) {
        const fit_target *t = &p->targets[i];
        double e = (r->mean[i] - t->value) / t->value;
        if (!isfinite(e))
            return FIT_BAD_VALUE;
        sum += t->weight * e * e;
        weights += t->weight;
    }
    return sum / weights;
}

int fit_evaluate(const fit_problem *p, const double *values, const fit_options *opt, fit_result *r,
                 pc_err *err)
{
    size_t n = p->n_free + 1;
    const char **keys = pc_calloc(n, sizeof *keys), **vals = pc_calloc(n, sizeof *vals);
    char *buf = pc_calloc(n, 64);
    double *sample = pc_calloc(opt->reps, sizeof *sample);
    size_t n_years = (size_t)p->model->horizon / 12 + 2;
    double *yearly = pc_calloc(n_years, sizeof *yearly);
    int *years = pc_calloc(n_years, sizeof *years);
    runs_variant run = {0};
    int rc = PC_OK;
    if (!keys || !vals || !buf || !sample || !yearly || !years) {
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        goto done;
    }
    n = 0;
    for (size_t i = 0; i < p->n_free; i++) {
        fit_format_value(&p->free_keys[i], values[i], buf + 64 * n, 64);
        keys[n] = p->free_keys[i].key;
        vals[n] = buf + 64 * n;
        n++;
    }
    int horizon = months_needed(p);
    if (horizon < p->model->horizon) {
        snprintf(buf + 64 * n, 64, "%d", horizon);
        keys[n] = "model.horizon";
        vals[n] = buf + 64 * n;
        n++;
    } else {
        horizon = p->model->horizon;
    }
    mc_options sim = {.reps = opt->reps, .seed = opt->seed, .threads = opt->threads};
    if ((rc = runs_with(p->model, n, keys, vals, &sim, &run, err)))
        goto done;
    const mc_result *res = run.result;
    for (size_t i = 0; i < p->n_targets; i++) {
        const fit_target *t = &p->targets[i];
        long var = rec_find(res->catalog, t->variable);
        if (var < 0) {
            rc = pc_fail(err, PC_EINTERNAL, "variable %s vanished", t->variable);
            goto done;
        }
        for (size_t rep = 0; rep < res->reps; rep++) {
            if (t->month) {
                sample[rep] = mc_series(res, rep, (size_t)var)[t->index];
            } else {
                size_t ny = mc_yearly(res, rep, (size_t)var, yearly, years);
                sample[rep] = t->index < ny ? yearly[t->index] : NAN;
            }
        }
        mc_summary s;
        mc_summarise(sample, res->reps, &s);
        r->mean[i] = s.mean;
        r->sd[i] = s.sd;
        r->p05[i] = s.p05;
        r->p95[i] = s.p95;
    }
    r->objective = objective_of(p, r);
    r->horizon = horizon;
    r->calls++;
done:
    runs_clear(&run);
    free(keys);
    free(vals);
    free(buf);
    free(sample);
    free(yearly);
    free(years);
    return rc;
}

/* ---- the fit ------------------------------------------------------------------------------ */

typedef struct {
    const fit_problem *p;
    const fit_options *opt;
    fit_result *scratch;
    double *values;
    int rc;
    pc_err err;
} fit_ctx;

static double from_logit(const fit_free *f, double x)
{
    return f->low + (f->high - f->low) / (1.0 + exp(-x));
}

static double to_logit(const fit_free *f, double v)
{
    double u = (v - f->low) / (f->high - f->low);
    const double edge = 1e-6; /* a start on a bound: just inside */
    if (u < edge)
        u = edge;
    if (u > 1 - edge)
        u = 1 - edge;
    return log(u / (1 - u));
}

static double objective(const gsl_vector *x, void *params)
{
    fit_ctx *c = params;
    if (c->rc)
        return GSL_NAN;
    for (size_t i = 0; i < c->p->n_free; i++)
        c->values[i] = from_logit(&c->p->free_keys[i], gsl_vector_get(x, i));
    c->rc = fit_evaluate(c->p, c->values, c->opt, c->scratch, &c->err);
    return c->rc ? GSL_NAN : c->scratch->objective;
}

int fit_calibrate(const fit_problem *p, const fit_options *opt, fit_result **out, pc_err *err)
{
    *out = NULL;
    if (p->n_targets == 0 || p->n_free == 0)
        return pc_fail(err, PC_EINPUT, "calibration needs at least one target and one free key");
    if (opt->reps < 1)
        return pc_fail(err, PC_EINPUT, "--reps: expected at least 1");
    size_t n = p->n_free;
    fit_ctx c = {.p = p, .opt = opt};
    fit_result *r = fit_result_alloc(p);
    c.scratch = fit_result_alloc(p);
    c.values = pc_calloc(n, sizeof *c.values);
    gsl_vector *x = gsl_vector_alloc(n), *step = gsl_vector_alloc(n);
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n);
    int rc = PC_OK;
    if (!r || !c.scratch || !c.values || !x || !step || !s) {
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        gsl_vector_set(x, i, to_logit(&p->free_keys[i], p->free_keys[i].start));
        gsl_vector_set(step, i, 1.0);
    }
    gsl_multimin_function fn = {.f = objective, .n = n, .params = &c};
    int status = gsl_multimin_fminimizer_set(s, &fn, x, step);
    if (c.rc) {
        rc = c.rc;
        *err = c.err;
        goto done;
    }
    if (status) {
        rc = pc_fail(err, PC_EINTERNAL, "simplex: %s", gsl_strerror(status));
        goto done;
    }
    int show = opt->progress && isatty(STDERR_FILENO);
    double size = gsl_multimin_fminimizer_size(s);
    while (r->iterations < opt->max_iter) {
        status = gsl_multimin_fminimizer_iterate(s);
        r->iterations++;
        if (c.rc) {
            rc = c.rc;
            *err = c.err;
            goto done;
        }
        if (status) {
            rc = pc_fail(err, PC_EINTERNAL, "simplex: %s", gsl_strerror(status));
            goto done;
        }
        size = gsl_multimin_fminimizer_size(s);
        if (show)
            pc_log("calibrate: iteration %zu, %zu calls, objective %.4g, simplex size %.3g",
                   r->iterations, c.scratch->calls, gsl_multimin_fminimizer_minimum(s), size);
        if (gsl_multimin_test_size(size, opt->tol) == GSL_SUCCESS) {
            r->converged = 1;
            break;
        }
    }
    /* The best vertex, as the overlay will write it, evaluated once more. */
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        fit_format_value(&p->free_keys[i], from_logit(&p->free_keys[i], gsl_vector_get(s->x, i)),
                         buf, sizeof buf);
        r->values[i] = strtod(buf, NULL);
    }
    r->calls = c.scratch->calls;
    if ((rc = fit_evaluate(p, r->values, opt, r, err)))
        goto done;
    r->size = size;
    *out = r;
    r = NULL;
done:
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(x);
    gsl_vector_free(step);
    free(c.values);
    fit_result_free(c.scratch);
    fit_result_free(r);
    return rc;
}

/* ---- the overlay ----------------------------------------------------------------------- */

/* The absolute directory holding path (which need not exist; its directory must). */
static char *directory_of(const char *path)
{
    char *copy = pc_strdup(path);
    if (!copy)
        return NULL;
    char *slash = strrchr(copy, '/');
    if (slash == copy)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(copy, ".");
    char *abs = realpath(copy, NULL);
    free(copy);
    return abs;
}

/* target (absolute) relative to the absolute directory from. */
static char *relative_path(const char *from, const char *target)
{
    size_t common = 0, i = 0;
    /* the longest common prefix that ends on a component boundary */
    for (; from[i] && target[i] && from[i] == target[i]; i++)
        if (from[i] == '/')
            common = i;
    if (!from[i] && target[i] == '/')
        common = i;
    size_t ups = 0;
    for (const char *q = from + common; *q; q++)
        ups += *q == '/' && q[1];
    if (!from[common] || !strcmp(from, "/"))
        ups = 0;
    const char *rest = target + common + (target[common] == '/');
    char *out = malloc(ups * 3 + strlen(rest) + 2);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t k = 0; k < ups; k++)
        strcat(out, "../");
    strcat(out, rest);
    return out;
}

/* A value with each table(...) path made relative to dir instead of to the file
 * of the entry. */
static char *retarget_tables(const cfg_entry *e, const char *dir)
{
    size_t cap = strlen(e->value) + 1, len = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    const char *v = e->value;
    for (;;) {
        const char *t = strstr(v, "table(");
        const char *close = t ? strchr(t + 6, ')') : NULL;
        const char *stop = close ? t + 6 : v + strlen(v);
        char *piece = NULL;
        const char *path = NULL;
        size_t pl = 0;
        if (close) {
            const char *semi = memchr(t + 6, ';', (size_t)(close - t - 6));
            path = semi ? semi + 1 : t + 6;
            while (*path == ' ')
                path++;
            pl = (size_t)(close - path);
            while (pl && isspace((unsigned char)path[pl - 1]))
                pl--;
            stop = path;
            char *name = malloc(pl + 1);
            if (!name) {
                free(out);
                return NULL;
            }
            memcpy(name, path, pl);
            name[pl] = '\0';
            char *joined = cfg_path_beside(e->file, name);
            char *abs = joined ? realpath(joined, NULL) : NULL;
            piece = abs ? relative_path(dir, abs) : NULL;
            if (!piece)
                piece = name;
            else
                free(name);
            free(joined);
            free(abs);
        }
        size_t add = (size_t)(stop - v) + (piece ? strlen(piece) : 0);
        char *bigger = realloc(out, cap + add);
        if (!bigger) {
            free(out);
            free(piece);
            return NULL;
        }
        out = bigger;
        cap += add;
        memcpy(out + len, v, (size_t)(stop - v));
        len += (size_t)(stop - v);
        if (!piece)
            break;
        memcpy(out + len, piece, strlen(piece));
        len += strlen(piece);
        free(piece);
        v = path + pl;
    }
    out[len] = '\0';
    return out;
}

static int write_overlay_to(FILE *f, const fit_problem *p, const fit_result *r, const cfg_doc *doc,
                            const char *dir, const char *base_abs, pc_err *err)
{
    char *base_rel = relative_path(dir, base_abs);
    if (!base_rel)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    fprintf(f,
            "; Calibrated with `parcours calibrate` (docs/fit.md): %zu targets, %zu free keys,\n"
            "; %zu simulator calls of the same replications; weighted mean squared relative\n"
            "; error %.4g; the fit report is the CSV file beside this one.\n",
            p->n_targets, p->n_free, r->calls, r->objective);
    fprintf(f, "[scenario]\nlabel = %s (calage)\n%s = %s\n", p->model->label,
            cfg_find(doc, "scenario") ? "extends" : "model", base_rel);
    free(base_rel);
    int rc = PC_OK;
    for (size_t i = 0; i < p->n_free && !rc; i++) {
        const fit_free *fi = &p->free_keys[i];
        int earlier = 0;
        for (size_t j = 0; j < i; j++)
            earlier |= !strcmp(p->free_keys[j].section, fi->section);
        if (earlier)
            continue;
        fprintf(f, "\n[%s]\n", fi->section);
        const cfg_section *sec = cfg_find(doc, fi->section);
        int whole = sec && strncmp(fi->section, "set ", 4);
        /* A section replaces its base's whole: write every entry, the free ones replaced. */
        for (size_t k = 0; whole && k < sec->n && !rc; k++) {
            const cfg_entry *e = &sec->entries[k];
            size_t j = i;
            while (j < p->n_free && (strcmp(p->free_keys[j].section, fi->section) ||
                                     strcmp(p->free_keys[j].entry, e->key)))
                j++;
            if (j < p->n_free) { /* a free key: its fitted value, in its place */
                char value[64];
                fit_format_value(&p->free_keys[j], r->values[j], value, sizeof value);
                cfg_write_entry(f, e->key, value);
                continue;
            }
            char *value = retarget_tables(e, dir);
            if (!value)
                rc = pc_fail(err, PC_EINTERNAL, "out of memory");
            else
                cfg_write_entry(f, e->key, value);
            free(value);
        }
        /* free keys the section did not have yet (or a [set] section's keys) */
        for (size_t j = i; j < p->n_free; j++) {
            if (strcmp(p->free_keys[j].section, fi->section) ||
                (whole && cfg_get(sec, p->free_keys[j].entry)))
                continue;
            char value[64];
            fit_format_value(&p->free_keys[j], r->values[j], value, sizeof value);
            cfg_write_entry(f, p->free_keys[j].entry, value);
        }
    }
    return rc;
}

/* An overlay written over one of the files it extends would lose them (and extend itself). */
static int refuse_own_base(const cfg_doc *doc, const char *overlay_path, pc_err *err)
{
    char *out = realpath(overlay_path, NULL);
    int rc = PC_OK;
    for (size_t i = 0; out && i < doc->n && !rc; i++) {
        char *file = realpath(doc->sections[i].file, NULL);
        if (file && !strcmp(file, out))
            rc = pc_fail(err, PC_EINPUT, "--out %s: it is %s, which the overlay extends",
                         overlay_path, doc->sections[i].file);
        free(file);
    }
    free(out);
    return rc;
}

int fit_write_overlay(const fit_problem *p, const fit_result *r, const char *base_path,
                      const char *overlay_path, pc_err *err)
{
    cfg_doc *doc = NULL;
    char *dir = directory_of(overlay_path), *base = realpath(base_path, NULL);
    int rc = PC_OK;
    if (!dir)
        rc = pc_fail(err, PC_EINPUT, "%s: its folder does not exist", overlay_path);
    else if (!base)
        rc = pc_fail(err, PC_EINPUT, "%s: %s", base_path, strerror(errno));
    else
        rc = cfg_load(base_path, &doc, err);
    if (!rc)
        rc = refuse_own_base(doc, overlay_path, err);
    fsio_file out;
    if (!rc && !(rc = fsio_open(&out, overlay_path, err)))
        rc = fsio_commit(&out, write_overlay_to(out.f, p, r, doc, dir, base, err), err);
    cfg_doc_free(doc);
    free(dir);
    free(base);
    return rc;
}

/* ---- the report -------------------------------------------------------------------------- */

int fit_write_report_csv(const fit_problem *p, const fit_result *r, const char *path, pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("variable,date_or_year,target,weight,fitted,sd,p05,p95,relative_error\n", f);
    for (size_t i = 0; i < p->n_targets; i++) {
        const fit_target *t = &p->targets[i];
        fsio_csv_text(f, t->variable, 1);
        fsio_csv_text(f, t->when, 0);
        fsio_csv_number(f, t->value, 0);
        fsio_csv_number(f, t->weight, 0);
        fsio_csv_number(f, r->mean[i], 0);
        fsio_csv_number(f, r->sd[i], 0);
        fsio_csv_number(f, r->p05[i], 0);
        fsio_csv_number(f, r->p95[i], 0);
        fsio_csv_number(f, (r->mean[i] - t->value) / t->value, 0);
        fputc('\n', f);
    }
    return fsio_commit(&out, PC_OK, err);
}

void fit_print_report(FILE *f, const fit_problem *p, const fit_result *r, const fit_options *opt)
{
    fprintf(f,
            "calibrated %zu free key%s on %zu target%s: %zu simulator calls of %zu replications "
            "(seed %u, common random numbers), %d months simulated each\n",
            p->n_free, p->n_free > 1 ? "s" : "", p->n_targets, p->n_targets > 1 ? "s" : "",
            r->calls, opt->reps, (unsigned)opt->seed, r->horizon);
    if (r->converged)
        fprintf(f, "stopped: simplex size %.3g below --tol %.3g after %zu iterations\n", r->size,
                opt->tol, r->iterations);
    else
        fprintf(f,
                "stopped: --max-iter %zu iterations reached, simplex size %.3g above --tol %.3g\n",
                opt->max_iter, r->size, opt->tol);
    fprintf(f, "objective (weighted mean squared relative error): %.4g\n\n", r->objective);
    fprintf(f, "%-40s %14s %14s %14s %14s\n", "free key", "low", "high", "start", "fitted");
    for (size_t i = 0; i < p->n_free; i++) {
        const fit_free *fi = &p->free_keys[i];
        char lo[64], hi[64], st[64], v[64];
        snprintf(lo, sizeof lo, "%.6g%s", fi->low, fi->suffix);
        snprintf(hi, sizeof hi, "%.6g%s", fi->high, fi->suffix);
        snprintf(st, sizeof st, "%.6g%s", fi->start, fi->suffix);
        fit_format_value(fi, r->values[i], v, sizeof v);
        fprintf(f, "%-40s %14s %14s %14s %14s\n", fi->key, lo, hi, st, v);
    }
    fprintf(f, "\n%-28s %-8s %12s %12s %26s %10s\n", "target", "when", "observed", "fitted",
            "90 % interval", "error");
    for (size_t i = 0; i < p->n_targets; i++) {
        const fit_target *t = &p->targets[i];
        char band[64];
        snprintf(band, sizeof band, "[%.6g, %.6g]", r->p05[i], r->p95[i]);
        fprintf(f, "%-28s %-8s %12.6g %12.6g %26s %+9.2f%%\n", t->variable, t->when, t->value,
                r->mean[i], band, 100 * (r->mean[i] - t->value) / t->value);
    }
}

/* ---- command lines ------------------------------------------------------------------------ */

/* The value of option name at argv[*i], moving *i past it; NULL when argv[*i] is
 * another option; *missing when the value is absent. */
static const char *option(int argc, char **argv, int *i, const char *name, int *missing)
{
    if (strcmp(argv[*i], name))
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int parse_month(const char *s, int *year, int *month)
{
    if (strlen(s) != 7 || s[4] != '-')
        return 0;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)s[i]))
            return 0;
    *year = atoi(s);
    *month = atoi(s + 5);
    return *month >= 1 && *month <= 12 && *year >= 1900;
}

/* Options every command shares: --reps, --seed, --threads, --quiet.  Returns 1
 * when argv[*i] was one (parsed into the fields), 0 when not, or -status. */
typedef struct {
    unsigned long reps, seed, threads;
    int quiet;
} common_opts;

static int common_option(const char *cmd, int argc, char **argv, int *i, common_opts *o)
{
    int missing = 0;
    const char *v;
    if (!strcmp(argv[*i], "--quiet")) {
        o->quiet = 1;
        return 1;
    }
    if ((v = option(argc, argv, i, "--reps", &missing))) {
        if (!opt_count(v, 1000000, &o->reps) || o->reps < 1) {
            pc_log("%s: --reps: expected 1 to 1000000, got '%s'", cmd, v);
            return -PC_EINPUT;
        }
        return 1;
    }
    if ((v = option(argc, argv, i, "--seed", &missing))) {
        if (!opt_count(v, UINT32_MAX, &o->seed)) {
            pc_log("%s: --seed: expected 0 to 4294967295, got '%s'", cmd, v);
            return -PC_EINPUT;
        }
        return 1;
    }
    if ((v = option(argc, argv, i, "--threads", &missing))) {
        if (!opt_count(v, 1024, &o->threads) || o->threads < 1) {
            pc_log("%s: --threads: expected 1 to 1024, got '%s'", cmd, v);
            return -PC_EINPUT;
        }
        return 1;
    }
    if (missing) {
        pc_log("%s: %s needs a value", cmd, argv[*i]);
        return -PC_EUSAGE;
    }
    return 0;
}

__attribute__((format(printf, 3, 4))) static int usage_error(const char *cmd, const char *help,
                                                             const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "parcours: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n\n%s", help);
    va_end(ap);
    return PC_EUSAGE;
}

static int is_help(const char *a)
{
    return !strcmp(a, "--help") || !strcmp(a, "-h");
}

static const char calibrate_help[] =
    "usage: parcours calibrate FILE --targets CSV --free KEY=LOW:HIGH[:START]... --out OVERLAY\n"
    "                          [--reps N] [--seed S] [--max-iter N] [--tol X] [--threads T]\n"
    "                          [--quiet]\n"
    "\n"
    "Fits the free keys of the model or scenario FILE so that the simulated means match\n"
    "the targets, by Nelder-Mead on the weighted squared relative errors, every run with\n"
    "the same seed and replications.  Writes OVERLAY (a scenario extending FILE with the\n"
    "fitted values) and, beside it, its name ending in -report.csv instead of .ini (the\n"
    "fit report), and prints the report.  See docs/fit.md.\n"
    "\n"
    "  --targets CSV   variable,date_or_year,value,weight: stock.rsa,2017-12,16018,1 (a\n"
    "                  month's value) or entries.rsa,2018,7500,1 (a year's, as yearly.csv)\n"
    "  --free K=L:H    a key (KIND.NAME.KEY such as population.rsa.inflow.rate, a\n"
    "                  [parameter]'s name, set.2020-01.resource.R.capacity) and its range,\n"
    "                  with the unit of its value: population.rsa.inflow.rate=3000/y:9000/y;\n"
    "                  a third number is the start (default: the model's value, or the middle)\n"
    "  --out OVERLAY   the scenario file to write (its folder must exist)\n"
    "  --reps N        replications per simulator call (default 20)\n"
    "  --seed S        seed (default 1)\n"
    "  --max-iter N    simplex iterations at most (default 200)\n"
    "  --tol X         stop when the simplex is smaller than X in logit units (default 1e-3)\n"
    "  --threads T     threads (default: all cores)\n"
    "  --quiet         no progress lines\n";

static char *report_path_of(const char *overlay)
{
    size_t len = strlen(overlay);
    char *path = malloc(len + 16);
    if (!path)
        return NULL;
    memcpy(path, overlay, len + 1);
    if (len > 4 && !strcmp(path + len - 4, ".ini"))
        path[len - 4] = '\0';
    strcat(path, "-report.csv");
    return path;
}

int fit_calibrate_main(int argc, char **argv)
{
    const char *cmd = "calibrate", *file = NULL, *targets = NULL, *out = NULL;
    const char **frees = pc_calloc((size_t)argc, sizeof *frees);
    size_t n_free = 0;
    common_opts co = {.reps = 20, .seed = 1};
    unsigned long max_iter = 200;
    double tol = 1e-3;
    mdl_model *m = NULL;
    fit_problem *p = NULL;
    fit_result *r = NULL;
    char *report = NULL;
    pc_err err;
    int rc = PC_OK;
    if (!frees) {
        pc_log("out of memory");
        return PC_EINTERNAL;
    }
    for (int i = 1; i < argc; i++) {
        int missing = 0, c;
        const char *v;
        if (is_help(argv[i])) {
            fputs(calibrate_help, stdout);
            goto done;
        } else if ((c = common_option(cmd, argc, argv, &i, &co))) {
            if (c < 0) {
                rc = -c;
                goto done;
            }
        } else if ((v = option(argc, argv, &i, "--targets", &missing))) {
            targets = v;
        } else if ((v = option(argc, argv, &i, "--free", &missing))) {
            frees[n_free++] = v;
        } else if ((v = option(argc, argv, &i, "--out", &missing))) {
            out = v;
        } else if ((v = option(argc, argv, &i, "--max-iter", &missing))) {
            if (!opt_count(v, 1000000, &max_iter) || max_iter < 1) {
                pc_log("%s: --max-iter: expected 1 to 1000000, got '%s'", cmd, v);
                rc = PC_EINPUT;
                goto done;
            }
        } else if ((v = option(argc, argv, &i, "--tol", &missing))) {
            if (!parse_real(v, &tol) || !(tol > 0)) {
                pc_log("%s: --tol: expected a number > 0, got '%s'", cmd, v);
                rc = PC_EINPUT;
                goto done;
            }
        } else if (missing) {
            rc = usage_error(cmd, calibrate_help, "%s needs a value", argv[i]);
            goto done;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            rc = usage_error(cmd, calibrate_help, "unknown option %s", argv[i]);
            goto done;
        } else if (file) {
            rc = usage_error(cmd, calibrate_help, "one FILE only (%s)", argv[i]);
            goto done;
        } else {
            file = argv[i];
        }
    }
    if (!file || !targets || !n_free || !out) {
        rc = usage_error(cmd, calibrate_help, "%s",
                         !file      ? "FILE is required"
                         : !targets ? "--targets is required"
                         : !n_free  ? "at least one --free is required"
                                    : "--out is required");
        goto done;
    }
    if ((rc = mdl_load(file, &m, &err)) || !(p = fit_problem_alloc(m)) ||
        (rc = fit_read_targets(p, targets, &err)))
        goto report_error;
    for (size_t i = 0; i < n_free; i++)
        if ((rc = fit_add_free(p, frees[i], &err)))
            goto report_error;
    char *dir = directory_of(out);
    if (!dir) {
        rc = pc_fail(&err, PC_EINPUT, "--out %s: its folder does not exist", out);
        goto report_error;
    }
    free(dir);
    if ((rc = refuse_own_base(m->doc, out, &err)))
        goto report_error;
    fit_options opt = {.reps = co.reps,
                       .seed = (uint32_t)co.seed,
                       .threads = (int)co.threads,
                       .max_iter = max_iter,
                       .tol = tol,
                       .progress = !co.quiet};
    if ((rc = fit_calibrate(p, &opt, &r, &err)) || (rc = fit_write_overlay(p, r, file, out, &err)))
        goto report_error;
    if (!(report = report_path_of(out))) {
        rc = pc_fail(&err, PC_EINTERNAL, "out of memory");
        goto report_error;
    }
    if ((rc = fit_write_report_csv(p, r, report, &err)))
        goto report_error;
    fit_print_report(stdout, p, r, &opt);
    printf("\nwrote %s and %s\n", out, report);
    if (fflush(stdout))
        rc = PC_EINTERNAL;
    goto done;
report_error:
    if (!rc)
        rc = pc_fail(&err, PC_EINTERNAL, "out of memory");
    pc_log("%s", err.msg);
done:
    fit_result_free(r);
    fit_problem_free(p);
    mdl_free(m);
    free(report);
    free(frees);
    return rc;
}

/* ---- size ---------------------------------------------------------------------------------- */

static const char size_help[] =
    "usage: parcours size FILE --resource NAME --target EXPR [--from YYYY-MM] [--max N]\n"
    "                     [--reps N] [--seed S] [--threads T] [--quiet]\n"
    "\n"
    "Finds the smallest capacity of resource NAME, constant from --from (default: the\n"
    "model's start), such that the target holds over the months from --from to the\n"
    "horizon, with the same seed and replications at every capacity (common random\n"
    "numbers).  Prints the capacity, the target's estimate there and one place below,\n"
    "and the yearly cost of each funder.  See docs/fit.md.\n"
    "\n"
    "  --target EXPR   STAT(SUBJECT) OP VALUE, e.g.\n"
    "                    'p90(wait.iae_queue) <= 90d'      90th percentile of waits\n"
    "                    'mean(queue.iae_queue) <= 50'     monthly mean of any variable\n"
    "                    'share(wait.iae_queue > 3m) <= 10%'\n"
    "                  wait.Q: persons who queued; wait.Q.all: every request, those\n"
    "                  admitted at once counting as zero ('share(wait.Q.all > 0)')\n"
    "  --from YYYY-MM  the capacity holds from that month (default: the start)\n"
    "  --max N         largest capacity tried (default 100000)\n"
    "  --reps N        replications (default 20)\n"
    "  --seed S        seed (default 1)\n"
    "  --threads T     threads (default: all cores)\n"
    "  --quiet         no progress lines\n";

static void print_month(const mdl_model *m, size_t k, char *buf, size_t size)
{
    int y, mo;
    mdl_month_of(m, (int)k, &y, &mo);
    snprintf(buf, size, "%04d-%02d", y, mo);
}

static void print_estimate(const target_expr *g, const char *what, long capacity, double weight,
                           const target_estimate *e)
{
    double scale = g->stat == TARGET_SHARE ? 100.0 : 1.0;
    const char *unit = g->stat == TARGET_SHARE ? " %" : g->queue[0] ? " days" : "";
    printf("  %-20s %8ld places (%9.2f ETP): %s = %.4g%s (standard error %.2g), %s\n", what,
           capacity, (double)capacity * weight, g->statistic, e->value * scale, unit, e->se * scale,
           target_met(g, e->value) ? "met" : "not met");
}

static void print_costs(const capacity_size_result *r);

int fit_size_main(int argc, char **argv)
{
    const char *cmd = "size", *file = NULL, *resource = NULL, *target = NULL, *from = NULL;
    common_opts co = {.reps = 20, .seed = 1};
    unsigned long max = 100000;
    mdl_model *m = NULL;
    capacity_size_result *r = NULL;
    pc_err err;
    int rc = PC_OK;
    for (int i = 1; i < argc; i++) {
        int missing = 0, c;
        const char *v;
        if (is_help(argv[i])) {
            fputs(size_help, stdout);
            return PC_OK;
        } else if ((c = common_option(cmd, argc, argv, &i, &co))) {
            if (c < 0)
                return -c;
        } else if ((v = option(argc, argv, &i, "--resource", &missing))) {
            resource = v;
        } else if ((v = option(argc, argv, &i, "--target", &missing))) {
            target = v;
        } else if ((v = option(argc, argv, &i, "--from", &missing))) {
            from = v;
        } else if ((v = option(argc, argv, &i, "--max", &missing))) {
            if (!opt_count(v, LONG_MAX / 4, &max)) {
                pc_log("%s: --max: expected a whole number, got '%s'", cmd, v);
                return PC_EINPUT;
            }
        } else if (missing) {
            return usage_error(cmd, size_help, "%s needs a value", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage_error(cmd, size_help, "unknown option %s", argv[i]);
        } else if (file) {
            return usage_error(cmd, size_help, "one FILE only (%s)", argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (!file || !resource || !target)
        return usage_error(cmd, size_help, "%s",
                           !file       ? "FILE is required"
                           : !resource ? "--resource is required"
                                       : "--target is required");
    capacity_size_options opt = {
        .resource = resource,
        .max = (long)max,
        .sim = {.reps = co.reps, .seed = (uint32_t)co.seed, .threads = (int)co.threads},
        .progress = !co.quiet};
    if (from && !parse_month(from, &opt.from_year, &opt.from_month)) {
        pc_log("%s: --from: expected YYYY-MM, got '%s'", cmd, from);
        return PC_EINPUT;
    }
    target_expr g;
    if ((rc = mdl_load(file, &m, &err)) || (rc = target_parse(m, target, &g, &err)) ||
        (rc = capacity_size(m, &g, &opt, &r, &err))) {
        pc_log("%s", err.msg);
        mdl_free(m);
        return rc;
    }
    char first[16], last[16];
    print_month(m, r->first, first, sizeof first);
    print_month(m, r->last, last, sizeof last);
    printf("%s: %ld places of %s (%.2f ETP) from %s meet %s\n", m->id, r->capacity, resource,
           (double)r->capacity * r->etp_weight, first, g.text);
    printf("measured over %s to %s; %zu replications, seed %lu, the same at every capacity; "
           "%zu runs\n",
           first, last, co.reps, co.seed, r->runs);
    print_estimate(&g, "at the capacity", r->capacity, r->etp_weight, &r->at);
    if (r->capacity > 0)
        print_estimate(&g, "one place below", r->capacity - 1, r->etp_weight, &r->below);
    print_estimate(&g, "the model's capacity", r->current, r->etp_weight, &r->actual);
    if (g.stat == TARGET_QUANTILE || g.stat == TARGET_SHARE)
        printf("  (from the distribution of the waits that ended in those months, by day)\n");
    if (isfinite(r->capacity_se))
        printf("  Monte Carlo uncertainty of the capacity: about %.2g places (the standard error "
               "over the change per place)\n",
               r->capacity_se);
    if (r->non_monotone)
        printf("  warning: the target was not monotone in the capacity over the capacities "
               "tried; the result is the edge the bisection found\n");
    if (r->n_funders == 0)
        printf("\nthe model has no costs\n");
    else
        print_costs(r);
    rc = fflush(stdout) ? PC_EINTERNAL : PC_OK;
    capacity_size_result_free(r);
    mdl_free(m);
    return rc;
}

static void print_costs(const capacity_size_result *r)
{
    printf("\nyearly cost by funder (euros, mean over replications) at %ld places, and the "
           "change from %ld places:\n",
           r->capacity, r->current);
    printf("%-6s", "year");
    for (size_t f = 0; f < r->n_funders; f++)
        printf(" %16s %14s", r->funders[f], "change");
    putchar('\n');
    for (size_t y = 0; y < r->n_years; y++) {
        printf("%-6d", r->years[y]);
        for (size_t f = 0; f < r->n_funders; f++) {
            double at = r->cost_at[y * r->n_funders + f];
            double now = r->cost_actual[y * r->n_funders + f];
            printf(" %16.0f %+14.0f", at, at - now);
        }
        putchar('\n');
    }
}

/* ---- allocate ------------------------------------------------------------------------------ */

static const char allocate_help[] =
    "usage: parcours allocate FILE --resource-prefix P --envelope ETP [--min-share X]\n"
    "                         [--objective waiting|unserved] [--step ETP] [--funder F]\n"
    "                         [--from YYYY-MM] [--out CSV]\n"
    "                         [--reps N] [--seed S] [--threads T] [--quiet]\n"
    "\n"
    "Distributes an envelope of ETP across the resources named P* (one per département:\n"
    "iae_ain, iae_drome, ...) to minimise the person-days waited in their queues (or the\n"
    "requests left unserved) from --from to the horizon: greedy marginal steps then\n"
    "exchanges between resources, with the same seed and replications at every run.\n"
    "Prints, per resource, the current and allocated ETP, the mean wait before and after,\n"
    "and funder F's costs.  See docs/fit.md.\n"
    "\n"
    "  --resource-prefix P  the resources to allocate (their etp.weight converts places)\n"
    "  --envelope ETP       ETP to distribute (places x etp.weight, summed)\n"
    "  --min-share X        each resource keeps at least X of its current places (0 to 1,\n"
    "                       default 0)\n"
    "  --step ETP           first step (default: 1/32 of the envelope above the floors);\n"
    "                       it halves down to one place\n"
    "  --objective O        waiting (person-days waited, the default) or unserved\n"
    "                       (requests leaving a queue without a place: gave up, left)\n"
    "  --funder F           whose unit-year costs on the resources are shown (default etat)\n"
    "  --from YYYY-MM       the allocation holds from that month (default: the start)\n"
    "  --out CSV            also write the table as CSV\n"
    "  --reps N             replications (default 20)\n"
    "  --seed S             seed (default 1)\n"
    "  --threads T          threads (default: all cores)\n"
    "  --quiet              no progress lines\n";

/* The allocation table as CSV. */
static int write_allocation(const char *path, const capacity_share_result *r, size_t prefix_len,
                            pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("resource,name,etp_weight,places_current,places_floor,places_allocated,etp_current,"
          "etp_allocated,wait_before_days,wait_after_days,waited_days_year_before,"
          "waited_days_year_after,unserved_year_before,unserved_year_after,cost_year_before,"
          "cost_year_after\n",
          f);
    for (size_t i = 0; i < r->n; i++) {
        const capacity_share_line *l = &r->lines[i];
        fsio_csv_text(f, l->resource, 1);
        fsio_csv_text(f, l->resource + prefix_len, 0);
        fsio_csv_number(f, l->etp_weight, 0);
        fprintf(f, ",%ld,%ld,%ld", l->current, l->floor, l->allocated);
        const double v[] = {(double)l->current * l->etp_weight,
                            (double)l->allocated * l->etp_weight,
                            l->wait_before,
                            l->wait_after,
                            l->days_before,
                            l->days_after,
                            l->unserved_before,
                            l->unserved_after,
                            l->cost_before,
                            l->cost_after};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            fsio_csv_number(f, v[k], 0);
        fputc('\n', f);
    }
    return fsio_commit(&out, PC_OK, err);
}

int fit_allocate_main(int argc, char **argv)
{
    const char *cmd = "allocate", *file = NULL, *prefix = NULL, *from = NULL, *out = NULL;
    const char *funder = "etat";
    double envelope = -1, min_share = 0, step = 0;
    capacity_objective objective = CAPACITY_WAITING;
    common_opts co = {.reps = 20, .seed = 1};
    for (int i = 1; i < argc; i++) {
        int missing = 0, c;
        const char *v;
        if (is_help(argv[i])) {
            fputs(allocate_help, stdout);
            return PC_OK;
        } else if ((c = common_option(cmd, argc, argv, &i, &co))) {
            if (c < 0)
                return -c;
        } else if ((v = option(argc, argv, &i, "--resource-prefix", &missing))) {
            prefix = v;
        } else if ((v = option(argc, argv, &i, "--envelope", &missing))) {
            if (!parse_real(v, &envelope) || envelope < 0) {
                pc_log("%s: --envelope: expected a number of ETP, got '%s'", cmd, v);
                return PC_EINPUT;
            }
        } else if ((v = option(argc, argv, &i, "--min-share", &missing))) {
            if (!parse_real(v, &min_share) || min_share < 0 || min_share > 1) {
                pc_log("%s: --min-share: expected a share from 0 to 1, got '%s'", cmd, v);
                return PC_EINPUT;
            }
        } else if ((v = option(argc, argv, &i, "--step", &missing))) {
            if (!parse_real(v, &step) || !(step > 0)) {
                pc_log("%s: --step: expected a number of ETP > 0, got '%s'", cmd, v);
                return PC_EINPUT;
            }
        } else if ((v = option(argc, argv, &i, "--funder", &missing))) {
            funder = v;
        } else if ((v = option(argc, argv, &i, "--objective", &missing))) {
            if (!strcmp(v, "waiting") || !strcmp(v, "unserved")) {
                objective = v[0] == 'u' ? CAPACITY_UNSERVED : CAPACITY_WAITING;
            } else {
                pc_log("%s: --objective: expected waiting or unserved, got '%s'", cmd, v);
                return PC_EINPUT;
            }
        } else if ((v = option(argc, argv, &i, "--from", &missing))) {
            from = v;
        } else if ((v = option(argc, argv, &i, "--out", &missing))) {
            out = v;
        } else if (missing) {
            return usage_error(cmd, allocate_help, "%s needs a value", argv[i]);
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage_error(cmd, allocate_help, "unknown option %s", argv[i]);
        } else if (file) {
            return usage_error(cmd, allocate_help, "one FILE only (%s)", argv[i]);
        } else {
            file = argv[i];
        }
    }
    if (!file || !prefix || envelope < 0)
        return usage_error(cmd, allocate_help, "%s",
                           !file     ? "FILE is required"
                           : !prefix ? "--resource-prefix is required"
                                     : "--envelope is required");
    capacity_share_options opt = {
        .prefix = prefix,
        .objective = objective,
        .envelope = envelope,
        .min_share = min_share,
        .step = step,
        .funder = funder,
        .sim = {.reps = co.reps, .seed = (uint32_t)co.seed, .threads = (int)co.threads},
        .progress = !co.quiet};
    if (from && !parse_month(from, &opt.from_year, &opt.from_month)) {
        pc_log("%s: --from: expected YYYY-MM, got '%s'", cmd, from);
        return PC_EINPUT;
    }
    mdl_model *m = NULL;
    capacity_share_result *r = NULL;
    pc_err err;
    int rc;
    if ((rc = mdl_load(file, &m, &err)) || (rc = capacity_share(m, &opt, &r, &err))) {
        pc_log("%s", err.msg);
        mdl_free(m);
        return rc;
    }
    size_t pl = strlen(prefix);
    char first[16], last[16];
    print_month(m, r->first, first, sizeof first);
    print_month(m, r->last, last, sizeof last);
    printf("%s: %.2f ETP across %zu resources %s* from %s to minimise the %s (floors: %.0f %% "
           "of the current places)\n",
           m->id, envelope, r->n, prefix, first,
           objective == CAPACITY_UNSERVED ? "requests left unserved" : "person-days waited",
           100 * min_share);
    printf("waiting measured over %s to %s; %zu replications, seed %lu, the same at every run; "
           "%zu runs; first step %.3g ETP, halved down to one place; %s\n\n",
           first, last, co.reps, co.seed, r->runs, r->first_step,
           r->separable ? "independent populations: one run gives every marginal gain"
                        : "resources share populations: one run per candidate step");
    printf("%-18s %10s %10s %9s %12s %12s %14s %14s\n", "name", "ETP now", "ETP alloc", "change",
           "wait before", "wait after", "cost before", "cost after");
    printf("%-18s %10s %10s %9s %12s %12s %14s %14s\n", "", "", "", "", "(days)", "(days)", funder,
           funder);
    double now = 0, alloc = 0, cost_before = 0, cost_after = 0;
    for (size_t i = 0; i < r->n; i++) {
        const capacity_share_line *l = &r->lines[i];
        double e0 = (double)l->current * l->etp_weight, e1 = (double)l->allocated * l->etp_weight;
        printf("%-18s %10.2f %10.2f %+9.2f %12.1f %12.1f %14.0f %14.0f\n", l->resource + pl, e0, e1,
               e1 - e0, l->wait_before, l->wait_after, l->cost_before, l->cost_after);
        now += e0;
        alloc += e1;
        cost_before += l->cost_before;
        cost_after += l->cost_after;
    }
    printf("%-18s %10.2f %10.2f %+9.2f %12s %12s %14.0f %14.0f\n", "total", now, alloc, alloc - now,
           "", "", cost_before, cost_after);
    printf("\nperson-days waited a year: %.0f before, %.0f after", r->total_before, r->total_after);
    if (r->total_before > 0)
        printf(" (%+.1f %%)", 100 * (r->total_after - r->total_before) / r->total_before);
    printf("\nrequests leaving a queue without a place, a year: %.0f before, %.0f after",
           r->unserved_before, r->unserved_after);
    printf("\nwait: mean per request (those admitted at once count 0 days); costs: euros a "
           "year, unit-year costs of %s on each resource\n",
           funder);
    if (r->idle > 0)
        printf("%.2f ETP lowered no wait and were spread in proportion to the current ETP\n",
               r->idle);
    if (r->unused > 1e-6)
        printf("%.2f ETP of the envelope left (less than one place)\n", r->unused);
    rc = PC_OK;
    if (out) {
        if ((rc = write_allocation(out, r, pl, &err)))
            pc_log("%s", err.msg);
        else
            printf("wrote %s\n", out);
    }
    if (fflush(stdout) && !rc)
        rc = PC_EINTERNAL;
    capacity_share_result_free(r);
    mdl_free(m);
    return rc;
}
