/* calib — calibration by Nelder-Mead on common random numbers (see calib.h).
 *
 * Every evaluation is one runs_with of the model with the free keys set (and
 * model.horizon cut to the last month a target needs); GSL's nmsimplex2 moves
 * on logit-transformed values, so every trial stays inside its range. */
#include "calib.h"

#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "core/eng.h"
#include "core/fsio.h"
#include "core/mc.h"
#include "core/rec.h"
#include "runs.h"
#include "simplex.h"

#define CALIB_MAX_TARGETS 10000
#define CALIB_MAX_FREE    4096 /* in all; one simplex takes at most CALIB_MAX_SIMPLEX */
#define CALIB_MAX_SIMPLEX 64
#define CALIB_BAD_VALUE   1e6 /* objective when a target has no value (a ratio with no case) */

/* ---- problem ---------------------------------------------------------------------------- */

calib_problem *calib_problem_alloc(const mdl_model *m)
{
    calib_problem *p = pc_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->model = m;
    p->free_keys = pc_calloc(CALIB_MAX_FREE, sizeof *p->free_keys);
    if (!p->free_keys) {
        calib_problem_free(p);
        return NULL;
    }
    return p;
}

void calib_problem_free(calib_problem *p)
{
    if (!p)
        return;
    free(p->targets);
    free(p->free_keys);
    runs_plan_free(p->plan);
    mdl_free(p->cut);
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

int calib_add_target(calib_problem *p, const char *variable, const char *when, double value,
                     double weight, const char *where, pc_err *err)
{
    const mdl_model *m = p->model;
    if (p->n_targets == CALIB_MAX_TARGETS)
        return pc_fail(err, PC_EINPUT, "more than %d targets", CALIB_MAX_TARGETS);
    if (p->n_targets == p->cap_targets) {
        size_t cap = p->cap_targets ? 2 * p->cap_targets : 16;
        calib_target *bigger = realloc(p->targets, cap * sizeof *bigger);
        if (!bigger)
            return pc_fail(err, PC_EENV, "out of memory");
        p->targets = bigger;
        p->cap_targets = cap;
    }
    calib_target *t = &p->targets[p->n_targets];
    memset(t, 0, sizeof *t);
    if (strlen(variable) >= sizeof t->variable || strlen(when) >= sizeof t->when)
        return fail_where(err, where, "%s %s: too long", variable, when);
    snprintf(t->variable, sizeof t->variable, "%s", variable);
    snprintf(t->when, sizeof t->when, "%s", when);
    rec_catalog *cat = rec_catalog_alloc(m);
    if (!cat)
        return pc_fail(err, PC_EENV, "out of memory");
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

int calib_read_targets(calib_problem *p, const char *path, pc_err *err)
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
            rc = calib_add_target(p, row->fields[0], row->fields[1], value, weight, where, err);
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
static int key_place(const mdl_model *m, const char *k, calib_key *f)
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

void calib_format_value(const calib_key *f, double value, char *buf, size_t size)
{
    if (f->integer)
        snprintf(buf, size, "%ld%s", lround(value), f->suffix);
    else
        snprintf(buf, size, "%.10g%s", value, f->suffix);
}

/* The model's current value of a free key, if it is a plain number with f's unit. */
static int current_value(const mdl_model *m, const calib_key *f, double *out)
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

int calib_add_key(calib_problem *p, const char *spec, pc_err *err)
{
    const mdl_model *m = p->model;
    if (p->n_free == CALIB_MAX_FREE)
        return pc_fail(err, PC_EINPUT, "--free: at most %d free keys", CALIB_MAX_FREE);
    calib_key *f = &p->free_keys[p->n_free];
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
    calib_format_value(f, (f->low + f->high) / 2, value, sizeof value);
    const char *key = f->key, *val = value;
    pc_err inner;
    int rc = runs_check(m, 1, &key, &val, &inner);
    if (rc)
        return pc_fail(err, rc, "--free %s: %s", f->key, inner.msg);
    p->n_free++;
    return PC_OK;
}

/* ---- evaluation ----------------------------------------------------------------------- */

calib_result *calib_result_alloc(const calib_problem *p)
{
    calib_result *r = pc_calloc(1, sizeof *r);
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
        calib_result_free(r);
        return NULL;
    }
    return r;
}

void calib_result_free(calib_result *r)
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
static int months_needed(const calib_problem *p)
{
    const mdl_model *m = p->model;
    int need = 1;
    for (size_t i = 0; i < p->n_targets; i++) {
        const calib_target *t = &p->targets[i];
        int last =
            t->month ? (int)t->index : (t->year - m->start_year) * 12 + (12 - m->start_month);
        if (last > m->horizon - 1)
            last = m->horizon - 1;
        if (last + 1 > need)
            need = last + 1;
    }
    return need;
}

/* The weighted mean squared relative error of the targets of group g (tg[i] == g), or of
 * every target when tg is NULL; 0 without targets. */
static double weighted_error(const calib_problem *p, const calib_result *r, const size_t *tg,
                             size_t g)
{
    double sum = 0, weights = 0;
    for (size_t i = 0; i < p->n_targets; i++) {
        if (tg && tg[i] != g)
            continue;
        const calib_target *t = &p->targets[i];
        double e = (r->mean[i] - t->value) / t->value;
        if (!isfinite(e))
            return CALIB_BAD_VALUE;
        sum += t->weight * e * e;
        weights += t->weight;
    }
    return weights > 0 ? sum / weights : 0;
}

static double objective_of(const calib_problem *p, const calib_result *r)
{
    return weighted_error(p, r, NULL, 0);
}

int calib_evaluate(calib_problem *p, const double *values, const calib_options *opt,
                   calib_result *r, pc_err *err)
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
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    n = 0;
    for (size_t i = 0; i < p->n_free; i++) {
        calib_format_value(&p->free_keys[i], values[i], buf + 64 * n, 64);
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
    if (!p->plan) {
        /* once per problem: the model cut at the horizon the targets need, the free keys as
         * parameters; later evaluations only bind values */
        const mdl_model *base = p->model;
        if (horizon < p->model->horizon &&
            (rc = mdl_override(p->model, 1, keys + p->n_free, vals + p->n_free, &p->cut, err)))
            goto done;
        if (p->cut)
            base = p->cut;
        if ((rc = runs_plan_alloc(base, p->n_free, keys, vals, &p->plan, err)))
            goto done;
    }
    double *numbers = pc_calloc(p->n_free + 1, sizeof *numbers);
    if (!numbers) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < p->n_free; i++)
        numbers[i] = strtod(vals[i], NULL); /* the value as the overlay will write it */
    rc = runs_plan_run(p->plan, numbers, &sim, &run, err);
    free(numbers);
    if (rc)
        goto done;
    const mc_result *res = run.result;
    for (size_t i = 0; i < p->n_targets; i++) {
        const calib_target *t = &p->targets[i];
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
    calib_problem *p;
    const calib_options *opt;
    calib_result *scratch;
    double *values;
    int rc;
    pc_err err;
} calib_ctx;

static double from_logit(const calib_key *f, double x)
{
    return f->low + (f->high - f->low) / (1.0 + exp(-x));
}

static double to_logit(const calib_key *f, double v)
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
    calib_ctx *c = params;
    if (c->rc)
        return GSL_NAN;
    for (size_t i = 0; i < c->p->n_free; i++)
        c->values[i] = from_logit(&c->p->free_keys[i], gsl_vector_get(x, i));
    c->rc = calib_evaluate(c->p, c->values, c->opt, c->scratch, &c->err);
    return c->rc ? GSL_NAN : c->scratch->objective;
}

/* ---- independent territories ------------------------------------------------------------- */

#define CALIB_ALL ((size_t)-1) /* a key or target that is not one territory's */

/* The territory of the state of index s. */
static size_t state_territory(const mdl_model *m, const size_t *pop_terr, int s)
{
    return s >= 0 ? pop_terr[m->states[s].population] : CALIB_ALL;
}

/* The territory of the states listed (CALIB_ALL when they span several, or none). */
static size_t states_territory(const mdl_model *m, const size_t *pop_terr, const int *states,
                               size_t n)
{
    size_t t = CALIB_ALL;
    for (size_t i = 0; i < n; i++) {
        size_t u = state_territory(m, pop_terr, states[i]);
        if (u == CALIB_ALL || (t != CALIB_ALL && u != t))
            return CALIB_ALL;
        t = u;
    }
    return t;
}

/* The territory of a resource: that of the states it serves or queues. */
static size_t resource_territory(const mdl_model *m, const size_t *pop_terr, int r)
{
    for (size_t s = 0; r >= 0 && s < m->n_states; s++)
        if (m->states[s].resource == r)
            return state_territory(m, pop_terr, (int)s);
    return CALIB_ALL;
}

/* The territory a name of population, state, resource or cost belongs to (len bytes of
 * name), or CALIB_ALL. */
static size_t name_territory(const mdl_model *m, const size_t *pop_terr, const char *name,
                             size_t len)
{
    char buf[300];
    if (len == 0 || len >= sizeof buf)
        return CALIB_ALL;
    memcpy(buf, name, len);
    buf[len] = '\0';
    int i;
    if ((i = mdl_population_index(m, buf)) >= 0)
        return pop_terr[i];
    if ((i = mdl_state_index(m, buf)) >= 0)
        return state_territory(m, pop_terr, i);
    if ((i = mdl_resource_index(m, buf)) >= 0)
        return resource_territory(m, pop_terr, i);
    for (size_t c = 0; c < m->n_costs; c++)
        if (!strcmp(m->costs[c].name, buf))
            return m->costs[c].resource >= 0
                       ? resource_territory(m, pop_terr, m->costs[c].resource)
                       : states_territory(m, pop_terr, m->costs[c].states, m->costs[c].n_states);
    return CALIB_ALL;
}

/* A free key's territory: population.P..., state.S..., resource.R..., also after set.DATE. */
static size_t key_territory(const mdl_model *m, const size_t *pop_terr, const char *k)
{
    if (!strncmp(k, "set.", 4) && strlen(k) > 12 && k[11] == '.')
        k += 12;
    static const char *const kinds[] = {"population.", "state.", "resource."};
    for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
        size_t l = strlen(kinds[j]);
        if (strncmp(k, kinds[j], l))
            continue;
        const char *dot = strchr(k + l, '.');
        return dot ? name_territory(m, pop_terr, k + l, (size_t)(dot - k - l)) : CALIB_ALL;
    }
    return CALIB_ALL;
}

/* A target variable's territory: the name after its kind (stock.P, in.S, flow.S.x,
 * wait.Q.all, cost.C, stock.P[age=x]); drivers, funders, indicators and totals are
 * everyone's. */
static size_t target_territory(const mdl_model *m, const size_t *pop_terr, const char *v)
{
    const char *dot = strchr(v, '.');
    if (!dot || !strncmp(v, "driver.", 7) || !strncmp(v, "indicator.", 10) ||
        !strncmp(v, "funder.", 7))
        return CALIB_ALL;
    const char *name = dot + 1;
    size_t len = strcspn(name, ".[");
    return name_territory(m, pop_terr, name, len);
}

/* Groups the free keys and targets by territory: *n_groups territories have free keys,
 * key_group[i] and target_group[i] number them (a target of a territory without free keys
 * gets CALIB_ALL).  *n_groups is 1 (one simplex for everything) when any key or target is
 * not one territory's, or when every key is in one territory. */
static int group_by_territory(const calib_problem *p, size_t *key_group, size_t *target_group,
                              size_t *n_groups)
{
    const mdl_model *m = p->model;
    *n_groups = 1;
    for (size_t i = 0; i < p->n_free; i++)
        key_group[i] = 0;
    for (size_t i = 0; i < p->n_targets; i++)
        target_group[i] = 0;
    if (m->n_populations < 2)
        return PC_OK;
    eng_workspace *w = eng_alloc(m);
    size_t *pop_terr = pc_calloc(m->n_populations, sizeof *pop_terr);
    size_t *group_of = w ? pc_calloc(eng_territories(w), sizeof *group_of) : NULL;
    int rc = w && pop_terr && group_of ? PC_OK : PC_EENV;
    if (rc)
        goto done;
    for (size_t i = 0; i < m->n_populations; i++)
        pop_terr[i] = eng_population_territory(w, i);
    size_t nt = eng_territories(w), n = 0;
    for (size_t t = 0; t < nt; t++)
        group_of[t] = CALIB_ALL;
    for (size_t i = 0; i < p->n_free; i++) {
        size_t t = key_territory(m, pop_terr, p->free_keys[i].key);
        if (t == CALIB_ALL)
            goto one_group;
        if (group_of[t] == CALIB_ALL)
            group_of[t] = n++;
        key_group[i] = group_of[t];
    }
    for (size_t i = 0; i < p->n_targets; i++) {
        size_t t = target_territory(m, pop_terr, p->targets[i].variable);
        if (t == CALIB_ALL)
            goto one_group;
        target_group[i] = group_of[t];
    }
    if (n >= 2) {
        *n_groups = n;
        goto done;
    }
one_group:
    for (size_t i = 0; i < p->n_free; i++)
        key_group[i] = 0;
    for (size_t i = 0; i < p->n_targets; i++)
        target_group[i] = 0;
done:
    eng_free(w);
    free(pop_terr);
    free(group_of);
    return rc;
}

/* One simplex per territory, in lock step: every simulator call evaluates each running
 * simplex's point (the territories are independent, so a territory's targets depend only
 * on its own keys and the common random numbers of its own persons).  Fills r's values,
 * iterations (the most of any territory), converged (every territory) and size (the
 * largest). */
static int fit_by_territory(calib_problem *p, const calib_options *opt, const size_t *kg,
                            const size_t *tg, size_t n_groups, calib_result *r,
                            calib_result *scratch, pc_err *err)
{
    simplex **sx = pc_calloc(n_groups, sizeof *sx);
    size_t *dim = pc_calloc(n_groups, sizeof *dim);
    double *x = pc_calloc(p->n_free, sizeof *x);
    int rc = sx && dim && x ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; !rc && i < p->n_free; i++)
        dim[kg[i]]++;
    for (size_t g = 0; !rc && g < n_groups; g++) {
        if (dim[g] > CALIB_MAX_SIMPLEX) {
            rc = pc_fail(err, PC_EINPUT, "--free: %zu free keys in one territory (at most %d)",
                         dim[g], CALIB_MAX_SIMPLEX);
            break;
        }
        for (size_t i = 0, j = 0; i < p->n_free; i++)
            if (kg[i] == g)
                x[j++] = to_logit(&p->free_keys[i], p->free_keys[i].start);
        if (!(sx[g] = simplex_alloc(dim[g], x, 1.0, opt->tol, opt->max_iter)))
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    size_t *at = pc_calloc(n_groups, sizeof *at);
    if (!rc && !at)
        rc = pc_fail(err, PC_EENV, "out of memory");
    for (int running = 1; !rc && running;) {
        for (size_t g = 0; g < n_groups; g++)
            at[g] = 0;
        for (size_t i = 0; i < p->n_free; i++) {
            size_t g = kg[i];
            const double *pt = simplex_done(sx[g]) ? simplex_best(sx[g]) : simplex_ask(sx[g]);
            r->values[i] = from_logit(&p->free_keys[i], pt[at[g]++]);
        }
        if ((rc = calib_evaluate(p, r->values, opt, scratch, err)))
            break;
        running = 0;
        size_t iterations = 0;
        double size = 0, best = 0, weights = 0;
        for (size_t g = 0; g < n_groups; g++) {
            if (!simplex_done(sx[g]))
                simplex_tell(sx[g], weighted_error(p, scratch, tg, g));
            running |= !simplex_done(sx[g]);
            if (simplex_iterations(sx[g]) > iterations)
                iterations = simplex_iterations(sx[g]);
            if (simplex_size(sx[g]) > size)
                size = simplex_size(sx[g]);
            best += simplex_best_value(sx[g]);
            weights += 1;
        }
        if (opt->progress) {
            calib_state state = {.iterations = iterations,
                                 .calls = scratch->calls,
                                 .objective = best / weights,
                                 .size = size};
            opt->progress(opt->progress_ctx, &state);
        }
    }
    r->converged = 1;
    r->iterations = 0;
    r->size = 0;
    for (size_t g = 0; g < n_groups; g++)
        at[g] = 0;
    for (size_t i = 0; !rc && i < p->n_free; i++) {
        char buf[64];
        size_t g = kg[i];
        calib_format_value(&p->free_keys[i],
                           from_logit(&p->free_keys[i], simplex_best(sx[g])[at[g]++]), buf,
                           sizeof buf);
        r->values[i] = strtod(buf, NULL);
    }
    for (size_t g = 0; !rc && g < n_groups; g++) {
        r->converged &= simplex_converged(sx[g]);
        if (simplex_iterations(sx[g]) > r->iterations)
            r->iterations = simplex_iterations(sx[g]);
        if (simplex_size(sx[g]) > r->size)
            r->size = simplex_size(sx[g]);
    }
    for (size_t g = 0; sx && g < n_groups; g++)
        simplex_free(sx[g]);
    free(sx);
    free(dim);
    free(x);
    free(at);
    return rc;
}

/* calib_fit for free keys in n_groups >= 2 independent territories. */
static int split_fit(calib_problem *p, const calib_options *opt, const size_t *kg, const size_t *tg,
                     size_t n_groups, calib_result **out, pc_err *err)
{
    calib_result *r = calib_result_alloc(p), *scratch = calib_result_alloc(p);
    int rc = r && scratch ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    if (!rc)
        rc = fit_by_territory(p, opt, kg, tg, n_groups, r, scratch, err);
    if (!rc) {
        r->calls = scratch->calls; /* the best vertices, as the overlay writes them, once more */
        rc = calib_evaluate(p, r->values, opt, r, err);
    }
    calib_result_free(scratch);
    if (rc)
        calib_result_free(r);
    else
        *out = r;
    return rc;
}

int calib_fit(calib_problem *p, const calib_options *opt, calib_result **out, pc_err *err)
{
    *out = NULL;
    if (p->n_targets == 0 || p->n_free == 0)
        return pc_fail(err, PC_EINPUT, "calibration needs at least one target and one free key");
    if (opt->reps < 1)
        return pc_fail(err, PC_EINPUT, "--reps: expected at least 1");
    size_t *kg = pc_calloc(p->n_free, sizeof *kg), *tg = pc_calloc(p->n_targets, sizeof *tg);
    size_t n_groups = 1;
    if (!kg || !tg || group_by_territory(p, kg, tg, &n_groups)) {
        free(kg);
        free(tg);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    if (n_groups > 1) {
        int rc = split_fit(p, opt, kg, tg, n_groups, out, err);
        free(kg);
        free(tg);
        return rc;
    }
    free(kg);
    free(tg);
    if (p->n_free > CALIB_MAX_SIMPLEX)
        return pc_fail(err, PC_EINPUT,
                       "--free: %zu free keys in one simplex (at most %d; keys of independent "
                       "territories are fitted one simplex each)",
                       p->n_free, CALIB_MAX_SIMPLEX);
    size_t n = p->n_free;
    calib_ctx c = {.p = p, .opt = opt};
    calib_result *r = calib_result_alloc(p);
    c.scratch = calib_result_alloc(p);
    c.values = pc_calloc(n, sizeof *c.values);
    gsl_vector *x = gsl_vector_alloc(n), *step = gsl_vector_alloc(n);
    gsl_multimin_fminimizer *s =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n);
    int rc = PC_OK;
    if (!r || !c.scratch || !c.values || !x || !step || !s) {
        rc = pc_fail(err, PC_EENV, "out of memory");
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
        if (opt->progress) {
            calib_state state = {.iterations = r->iterations,
                                 .calls = c.scratch->calls,
                                 .objective = gsl_multimin_fminimizer_minimum(s),
                                 .size = size};
            opt->progress(opt->progress_ctx, &state);
        }
        if (gsl_multimin_test_size(size, opt->tol) == GSL_SUCCESS) {
            r->converged = 1;
            break;
        }
    }
    /* The best vertex, as the overlay will write it, evaluated once more. */
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        calib_format_value(&p->free_keys[i], from_logit(&p->free_keys[i], gsl_vector_get(s->x, i)),
                           buf, sizeof buf);
        r->values[i] = strtod(buf, NULL);
    }
    r->calls = c.scratch->calls;
    if ((rc = calib_evaluate(p, r->values, opt, r, err)))
        goto done;
    r->size = size;
    *out = r;
    r = NULL;
done:
    gsl_multimin_fminimizer_free(s);
    gsl_vector_free(x);
    gsl_vector_free(step);
    free(c.values);
    calib_result_free(c.scratch);
    calib_result_free(r);
    return rc;
}

/* ---- the overlay ----------------------------------------------------------------------- */

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
            piece = abs ? fsio_relative_path(dir, abs) : NULL;
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

static int write_overlay_to(FILE *f, const calib_problem *p, const calib_result *r,
                            const cfg_doc *doc, const char *dir, const char *base_abs, pc_err *err)
{
    char *base_rel = fsio_relative_path(dir, base_abs);
    if (!base_rel)
        return pc_fail(err, PC_EENV, "out of memory");
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
        const calib_key *fi = &p->free_keys[i];
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
                calib_format_value(&p->free_keys[j], r->values[j], value, sizeof value);
                cfg_write_entry(f, e->key, value);
                continue;
            }
            char *value = retarget_tables(e, dir);
            if (!value)
                rc = pc_fail(err, PC_EENV, "out of memory");
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
            calib_format_value(&p->free_keys[j], r->values[j], value, sizeof value);
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

int calib_check_overlay(const mdl_model *m, const char *overlay_path, pc_err *err)
{
    char *dir = fsio_directory_of(overlay_path);
    if (!dir)
        return pc_fail(err, PC_EINPUT, "--out %s: its folder does not exist", overlay_path);
    free(dir);
    return refuse_own_base(m->doc, overlay_path, err);
}

int calib_write_overlay(const calib_problem *p, const calib_result *r, const char *base_path,
                        const char *overlay_path, pc_err *err)
{
    cfg_doc *doc = NULL;
    char *dir = fsio_directory_of(overlay_path), *base = realpath(base_path, NULL);
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

int calib_write_report(const calib_problem *p, const calib_result *r, const char *path, pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("variable,date_or_year,target,weight,fitted,sd,p05,p95,relative_error\n", f);
    for (size_t i = 0; i < p->n_targets; i++) {
        const calib_target *t = &p->targets[i];
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
