/* capacity — sizing a resource and sharing an ETP envelope (see capacity.h).
 *
 * Everything here is a loop around runs_with: the model with some capacities
 * set, run with the same seed and replications each time, then measured over a
 * period.  Results are deterministic for given options. */
#include "capacity.h"

#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsio.h"
#include "core/rec.h"
#include "joint.h"
#include "runs.h"

/* ---- common -------------------------------------------------------------------------- */

/* The first month measured: the month a capacity holds from (0: the model's start). */
static int capacity_plan(const mdl_model *m, int from_year, int from_month, size_t *first,
                         pc_err *err)
{
    if (from_year == 0) {
        *first = 0;
        return PC_OK;
    }
    long k = (long)(from_year - m->start_year) * 12 + (from_month - m->start_month);
    if (k < 0 || k >= m->horizon)
        return pc_fail(err, PC_EINPUT,
                       "--from %04d-%02d: outside the model's months (%04d-%02d, %d months)",
                       from_year, from_month, m->start_year, m->start_month, m->horizon);
    *first = (size_t)k;
    return PC_OK;
}

/* The key that sets a resource's capacity from month first on. */
static void capacity_key(const mdl_model *m, const char *resource, size_t first, char *buf,
                         size_t size)
{
    if (first == 0) {
        snprintf(buf, size, "resource.%s.capacity", resource);
        return;
    }
    int y, mo;
    mdl_month_of(m, (int)first, &y, &mo);
    snprintf(buf, size, "set.%04d-%02d.resource.%s.capacity", y, mo, resource);
}

static long capacity_at(const mdl_model *m, int r, size_t first)
{
    double c = mdl_schedule_at(&m->resources[r].capacity, (double)first * MDL_DAYS_PER_MONTH);
    return c > 0 ? lround(c) : 0;
}

/* ---- sizing ---------------------------------------------------------------------------- */

typedef struct {
    long capacity;
    target_estimate est;
    int met;
    double *costs; /* [year][funder] */
} probe;

typedef struct {
    const mdl_model *m;
    const target_expr *g;
    const capacity_size_options *opt;
    char key[400];
    size_t first, last;
    size_t n_probes, cap_probes;
    probe *probes;
    size_t runs;
    size_t n_years, n_funders;
    int *years;
    size_t *year_index; /* position of each reported year in mc_yearly's output */
    runs_plan *plan;    /* the model with the capacity as a parameter: resolved once */
} sizing;

static void sizing_clear(sizing *s)
{
    for (size_t i = 0; i < s->n_probes; i++)
        free(s->probes[i].costs);
    free(s->probes);
    free(s->years);
    free(s->year_index);
    runs_plan_free(s->plan);
}

/* Yearly funder costs of a run, years from the period's first month on. */
static int yearly_funders(sizing *s, const mc_result *r, double *costs, pc_err *err)
{
    size_t ny_all = r->n_months / 12 + 2;
    double *vals = pc_calloc(ny_all, sizeof *vals);
    int *years = pc_calloc(ny_all, sizeof *years);
    if (!vals || !years) {
        free(vals);
        free(years);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    for (size_t f = 0; f < s->n_funders; f++) {
        char name[300];
        snprintf(name, sizeof name, "funder.%s", s->m->funders[f]);
        long var = rec_find(r->catalog, name);
        for (size_t y = 0; y < s->n_years; y++)
            costs[y * s->n_funders + f] = 0;
        if (var < 0)
            continue;
        for (size_t rep = 0; rep < r->reps; rep++) {
            mc_yearly(r, rep, (size_t)var, vals, years);
            for (size_t y = 0; y < s->n_years; y++)
                costs[y * s->n_funders + f] += vals[s->year_index[y]] / (double)r->reps;
        }
    }
    free(vals);
    free(years);
    return PC_OK;
}

/* The probe of a capacity already tried, or NULL. */
static probe *find_probe(const sizing *s, long capacity)
{
    for (size_t i = 0; i < s->n_probes; i++)
        if (s->probes[i].capacity == capacity)
            return &s->probes[i];
    return NULL;
}

/* The probe of a capacity, from a run unless it was tried already.  *out is valid
 * until the next call. */
static int size_eval(sizing *s, long capacity, probe **out, pc_err *err)
{
    if ((*out = find_probe(s, capacity)))
        return PC_OK;
    if (s->n_probes == s->cap_probes) {
        size_t cap = s->cap_probes ? 2 * s->cap_probes : 16;
        probe *bigger = realloc(s->probes, cap * sizeof *bigger);
        if (!bigger)
            return pc_fail(err, PC_EENV, "out of memory");
        s->probes = bigger;
        s->cap_probes = cap;
    }
    char value[32];
    snprintf(value, sizeof value, "%ld", capacity);
    const char *key = s->key, *val = value;
    runs_variant run;
    mc_options sim = s->opt->sim;
    sim.wait_histogram = s->g->queue[0] != 0;
    sim.wait_from = (double)s->first * MDL_DAYS_PER_MONTH;
    sim.wait_to = (double)(s->last + 1) * MDL_DAYS_PER_MONTH;
    int rc = s->plan ? PC_OK : runs_plan_alloc(s->m, 1, &key, &val, &s->plan, err);
    double places = (double)capacity;
    if (!rc)
        rc = runs_plan_run(s->plan, &places, &sim, &run, err);
    if (rc)
        return rc;
    s->runs++;
    probe *p = &s->probes[s->n_probes];
    memset(p, 0, sizeof *p);
    p->capacity = capacity;
    p->costs = pc_calloc(s->n_years * s->n_funders, sizeof *p->costs);
    if (!p->costs)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc)
        rc = target_measure(s->g, run.result, s->first, s->last, &p->est, err);
    if (!rc)
        rc = yearly_funders(s, run.result, p->costs, err);
    runs_clear(&run);
    if (rc) {
        free(p->costs);
        return rc;
    }
    p->met = target_holds(s->g, &p->est);
    s->n_probes++;
    if (s->opt->progress) {
        capacity_size_step step = {
            .runs = s->runs, .capacity = capacity, .estimate = p->est, .met = p->met};
        s->opt->progress(s->opt->progress_ctx, &step);
    }
    *out = p;
    return PC_OK;
}

/* Sets the reported years: calendar years from the first measured month on. */
static int size_years(sizing *s, pc_err *err)
{
    int y0, mo;
    mdl_month_of(s->m, (int)s->first, &y0, &mo);
    int ys, ye;
    mdl_month_of(s->m, 0, &ys, &mo);
    mdl_month_of(s->m, s->m->horizon - 1, &ye, &mo);
    s->n_years = (size_t)(ye - y0 + 1);
    s->n_funders = s->m->n_funders;
    s->years = pc_calloc(s->n_years, sizeof *s->years);
    s->year_index = pc_calloc(s->n_years, sizeof *s->year_index);
    if (!s->years || !s->year_index)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t y = 0; y < s->n_years; y++) {
        s->years[y] = y0 + (int)y;
        s->year_index[y] = (size_t)(y0 - ys) + y;
    }
    return PC_OK;
}

void capacity_size_result_free(capacity_size_result *r)
{
    if (!r)
        return;
    free(r->years);
    if (r->funders)
        for (size_t f = 0; f < r->n_funders; f++)
            free(r->funders[f]);
    free(r->funders);
    free(r->cost_at);
    free(r->cost_actual);
    free(r);
}

/* Gallops from start (the current capacity, or --max) until the target fails at *lo and
 * holds at *hi (*lo is -1 when it holds down to 0); PC_EINPUT when it fails at --max. */
static int bracket(sizing *s, long start, long *lo, long *hi, pc_err *err)
{
    const capacity_size_options *opt = s->opt;
    probe *p;
    int rc = size_eval(s, start, &p, err);
    if (rc)
        return rc;
    *lo = *hi = -1;
    long step = start / 16 > 1 ? start / 16 : 1;
    if (p->met) {
        for (*hi = start; *hi > 0; step *= 2) {
            long c = *hi - step > 0 ? *hi - step : 0;
            if ((rc = size_eval(s, c, &p, err)))
                return rc;
            if (!p->met) {
                *lo = c;
                break;
            }
            *hi = c;
        }
        return PC_OK;
    }
    for (*lo = start; *hi < 0; step *= 2) {
        if (*lo == opt->max) {
            int share = s->g->stat == TARGET_SHARE;
            char unsized[600] = "";
            int r = mdl_resource_index(s->m, opt->resource);
            if (s->g->queue[0])
                joint_unsized(s->m, s->g->queue, &r, 1, unsized, sizeof unsized);
            if (unsized[0])
                return pc_fail(err, PC_EINPUT,
                               "target '%s' is not met with %ld places of %s (--max): %s = "
                               "%.4g%s; queue %s is also the queue of %s, whose waits bind: "
                               "size them together (--resource %s --resource ...)",
                               s->g->text, opt->max, opt->resource, s->g->statistic,
                               share ? 100 * p->est.value : p->est.value, share ? " %" : "",
                               s->g->queue, unsized, opt->resource);
            return pc_fail(err, PC_EINPUT,
                           "target '%s' is not met with %ld places of %s (--max): %s = %.4g%s; "
                           "raise --max or relax the target",
                           s->g->text, opt->max, opt->resource, s->g->statistic,
                           share ? 100 * p->est.value : p->est.value, share ? " %" : "");
        }
        long c = opt->max - *lo > step ? *lo + step : opt->max;
        if ((rc = size_eval(s, c, &p, err)))
            return rc;
        if (p->met)
            *hi = c;
        else
            *lo = c;
    }
    return PC_OK;
}

/* Halves [lo, hi] until they are one place apart. */
static int bisect(sizing *s, long *lo, long *hi, pc_err *err)
{
    while (*lo >= 0 && *hi - *lo > 1) {
        long mid = *lo + (*hi - *lo) / 2;
        probe *p;
        int rc = size_eval(s, mid, &p, err);
        if (rc)
            return rc;
        if (p->met)
            *hi = mid;
        else
            *lo = mid;
    }
    return PC_OK;
}

/* The estimates at the answer, one place below and at the current capacity, the
 * Monte Carlo uncertainty of the answer, and whether the search met a non-monotone
 * target. */
static void size_estimates(const sizing *s, long hi, long current, capacity_size_result *res)
{
    res->at = find_probe(s, hi)->est;
    res->actual = find_probe(s, current)->est;
    res->capacity_se = NAN;
    if (hi > 0) {
        res->below = find_probe(s, hi - 1)->est;
        double slope = fabs(res->below.value - res->at.value);
        if (slope > 0)
            res->capacity_se = fmax(res->at.se, res->below.se) / slope;
    } else {
        res->below.value = res->below.se = NAN;
    }
    for (size_t i = 0; i < s->n_probes; i++)
        if ((s->probes[i].capacity > hi && !s->probes[i].met) ||
            (s->probes[i].capacity < hi && s->probes[i].met))
            res->non_monotone = 1;
}

/* The yearly costs by funder at the answer and at the current capacity. */
static int size_costs(const sizing *s, long hi, long current, capacity_size_result *res,
                      pc_err *err)
{
    res->n_years = s->n_years;
    res->n_funders = s->n_funders;
    res->years = pc_calloc(s->n_years, sizeof *res->years);
    res->funders = pc_calloc(s->n_funders, sizeof *res->funders);
    res->cost_at = pc_calloc(s->n_years * s->n_funders, sizeof *res->cost_at);
    res->cost_actual = pc_calloc(s->n_years * s->n_funders, sizeof *res->cost_actual);
    if (!res->years || !res->funders || !res->cost_at || !res->cost_actual)
        return pc_fail(err, PC_EENV, "out of memory");
    size_t cells = s->n_years * s->n_funders;
    memcpy(res->years, s->years, s->n_years * sizeof *res->years);
    memcpy(res->cost_at, find_probe(s, hi)->costs, cells * sizeof *res->cost_at);
    memcpy(res->cost_actual, find_probe(s, current)->costs, cells * sizeof *res->cost_actual);
    for (size_t f = 0; f < s->n_funders; f++)
        if (!(res->funders[f] = pc_strdup(s->m->funders[f])))
            return pc_fail(err, PC_EENV, "out of memory");
    return PC_OK;
}

int capacity_size(const mdl_model *m, const target_expr *g, const capacity_size_options *opt,
                  capacity_size_result **out, pc_err *err)
{
    *out = NULL;
    int r = mdl_resource_index(m, opt->resource);
    if (r < 0)
        return pc_fail(err, PC_EINPUT, "--resource %s: no such resource in the model",
                       opt->resource);
    if (opt->max < 0)
        return pc_fail(err, PC_EINPUT, "--max: expected a capacity of 0 or more");
    sizing s = {.m = m, .g = g, .opt = opt};
    capacity_size_result *res = NULL;
    int rc = capacity_plan(m, opt->from_year, opt->from_month, &s.first, err);
    if (rc)
        return rc;
    s.last = (size_t)m->horizon - 1;
    capacity_key(m, opt->resource, s.first, s.key, sizeof s.key);
    long current = capacity_at(m, r, s.first), lo, hi;
    if ((rc = size_years(&s, err)) ||
        (rc = bracket(&s, current < opt->max ? current : opt->max, &lo, &hi, err)) ||
        (rc = bisect(&s, &lo, &hi, err)))
        goto fail;
    /* The answer, one place below and the model's capacity: tried already, except the
     * model's capacity when it is above --max. */
    long wanted[3] = {hi, current, hi > 0 ? hi - 1 : hi};
    probe *p;
    for (int k = 0; k < 3; k++)
        if ((rc = size_eval(&s, wanted[k], &p, err)))
            goto fail;
    if (!(res = pc_calloc(1, sizeof *res))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    *res = (capacity_size_result){.capacity = hi,
                                  .current = current,
                                  .etp_weight = m->resources[r].etp_weight,
                                  .first = s.first,
                                  .last = s.last,
                                  .runs = s.runs};
    size_estimates(&s, hi, current, res);
    if ((rc = size_costs(&s, hi, current, res, err)))
        goto fail;
    sizing_clear(&s);
    *out = res;
    return PC_OK;
fail:
    sizing_clear(&s);
    capacity_size_result_free(res);
    return rc;
}

/* ---- allocation ------------------------------------------------------------------------ */

typedef struct {
    const mdl_model *m;
    const capacity_share_options *opt;
    size_t n;
    int *res;          /* resource indices */
    char **keys;       /* capacity keys */
    double *w;         /* ETP per place */
    double *price;     /* the envelope's unit per place: w, or euros a year */
    size_t n_queues;   /* distinct queue states of the resources */
    char **queues;     /* their names */
    int *queue_of;     /* [resource][queue]: 1 when the resource's states wait there */
    target_expr *cons; /* [resource]: the constraint on its queue (opt->constraint) */
    int funder;        /* -1: none reported */
    size_t first, last;
    size_t runs;
    runs_plan *plan; /* the model with the capacities as parameters: resolved once */
} allocator;

/* What one run says about each resource (and the total over the distinct queues). */
typedef struct {
    double *days;                /* person-days waited a year, by resource */
    double *unserved;            /* requests leaving the queue unserved, a year, by resource */
    double *wait;                /* mean wait per request, days */
    double *wait_p05, *wait_p95; /* its 90 % interval over the replications */
    double *cost;                /* the funder's unit-year costs, euros a year */
    double *funded;              /* ... those paying for funded places (not occupied ones) */
    target_estimate *cons;       /* the constraint's statistic, by resource */
    int *cons_met;
    double total; /* person-days a year, all distinct queues */
    double total_unserved;
} outcome;

/* The objective of a resource, or of all of them. */
static double objective_of(const allocator *a, const outcome *o, long i)
{
    if (a->opt->objective == CAPACITY_UNSERVED)
        return i < 0 ? o->total_unserved : o->unserved[i];
    return i < 0 ? o->total : o->days[i];
}

static void allocator_clear(allocator *a)
{
    if (a->keys)
        for (size_t i = 0; i < a->n; i++)
            free(a->keys[i]);
    if (a->queues)
        for (size_t i = 0; i < a->n_queues; i++)
            free(a->queues[i]);
    free(a->keys);
    free(a->queues);
    free(a->queue_of);
    free(a->res);
    free(a->w);
    free(a->price);
    free(a->cons);
    runs_plan_free(a->plan);
}

/* The constraint read for queue q: "p90(wait.all) <= 90d" -> "p90(wait.q.all) <= 90d". */
static int constraint_for(const mdl_model *m, const char *text, const char *q, target_expr *g,
                          pc_err *err)
{
    const char *w = strstr(text, "(wait");
    if (!w || (w[5] != ')' && w[5] != '.' && w[5] != ' '))
        return pc_fail(err, PC_EINPUT,
                       "--constraint '%s': expected a target on each queue's waits, such as "
                       "'p90(wait.all) <= 90d' or 'share(wait > 3m) <= 10%%'",
                       text);
    char buf[600];
    snprintf(buf, sizeof buf, "%.*s.%s%s", (int)(w + 5 - text), text, q, w + 5);
    int rc = target_parse(m, buf, g, err);
    if (!rc && g->confidence > 0)
        rc = pc_fail(err, PC_EINPUT, "--constraint '%s': a confidence is not taken here", text);
    if (!rc)
        snprintf(g->text, sizeof g->text, "%s", text);
    return rc;
}

static int allocator_init(allocator *a, const mdl_model *m, const capacity_share_options *opt,
                          pc_err *err)
{
    memset(a, 0, sizeof *a);
    a->m = m;
    a->opt = opt;
    a->funder = -1;
    size_t plen = strlen(opt->prefix);
    a->res = pc_calloc(m->n_resources, sizeof *a->res);
    a->keys = pc_calloc(m->n_resources, sizeof *a->keys);
    a->w = pc_calloc(m->n_resources, sizeof *a->w);
    a->price = pc_calloc(m->n_resources, sizeof *a->price);
    a->queues = pc_calloc(m->n_states, sizeof *a->queues);
    a->queue_of = pc_calloc(m->n_resources * m->n_states, sizeof *a->queue_of);
    if (!a->res || !a->keys || !a->w || !a->price || !a->queues || !a->queue_of)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = capacity_plan(m, opt->from_year, opt->from_month, &a->first, err);
    if (rc)
        return rc;
    a->last = (size_t)m->horizon - 1;
    for (size_t r = 0; r < m->n_resources; r++) {
        if (strncmp(m->resources[r].name, opt->prefix, plen))
            continue;
        char key[400];
        capacity_key(m, m->resources[r].name, a->first, key, sizeof key);
        a->res[a->n] = (int)r;
        a->w[a->n] = m->resources[r].etp_weight;
        a->price[a->n] = a->w[a->n];
        if (!(a->keys[a->n] = pc_strdup(key)))
            return pc_fail(err, PC_EENV, "out of memory");
        a->n++;
    }
    if (a->n == 0)
        return pc_fail(err, PC_EINPUT, "--resource-prefix %s: no resource of the model has it",
                       opt->prefix);
    for (size_t i = 0; i < a->n; i++) {
        if (!(a->w[i] > 0))
            return pc_fail(err, PC_EINPUT, "resource %s: etp.weight must be > 0 to allocate ETP",
                           m->resources[a->res[i]].name);
        for (size_t s = 0; s < m->n_states; s++) {
            if (m->states[s].resource != a->res[i])
                continue;
            const char *q = m->states[m->states[s].queue].name;
            size_t k = 0;
            while (k < a->n_queues && strcmp(a->queues[k], q))
                k++;
            if (k == a->n_queues && !(a->queues[a->n_queues++] = pc_strdup(q)))
                return pc_fail(err, PC_EENV, "out of memory");
            a->queue_of[i * m->n_states + k] = 1;
        }
    }
    if (opt->funder) {
        for (size_t f = 0; f < m->n_funders; f++)
            if (!strcmp(m->funders[f], opt->funder))
                a->funder = (int)f;
        if (a->funder < 0)
            return pc_fail(err, PC_EINPUT, "--funder %s: no cost of the model has this funder",
                           opt->funder);
    }
    if (opt->in_euros && a->funder < 0)
        return pc_fail(err, PC_EINPUT, "an envelope in euros needs the funder whose it is");
    if (opt->constraint) {
        if (!(a->cons = pc_calloc(a->n, sizeof *a->cons)))
            return pc_fail(err, PC_EENV, "out of memory");
        for (size_t i = 0; i < a->n; i++) {
            size_t k = 0;
            while (k < a->n_queues && !a->queue_of[i * m->n_states + k])
                k++;
            if (k == a->n_queues)
                return pc_fail(err, PC_EINPUT, "--constraint: resource %s has no queue",
                               m->resources[a->res[i]].name);
            if ((rc = constraint_for(m, opt->constraint, a->queues[k], &a->cons[i], err)))
                return rc;
        }
    }
    return PC_OK;
}

/* Resources in populations that share nothing with the other resources' populations:
 * a run then gives each resource's waiting as a function of its own capacity only.
 * Each population belongs to at most one allocated resource (the one its states
 * hold), and no resource is held from the populations of two of them. */
static int separable(const allocator *a)
{
    const mdl_model *m = a->m;
    int *owner = pc_calloc(m->n_populations, sizeof *owner);
    if (!owner)
        return 0;
    int ok = 1;
    for (size_t p = 0; p < m->n_populations; p++)
        owner[p] = -1;
    for (size_t i = 0; i < a->n && ok; i++)
        for (size_t s = 0; s < m->n_states && ok; s++) {
            int p = m->states[s].population;
            if (m->states[s].resource != a->res[i])
                continue;
            if (owner[p] >= 0 && owner[p] != (int)i)
                ok = 0;
            owner[p] = (int)i;
        }
    for (size_t r = 0; r < m->n_resources && ok; r++) {
        int seen = -1;
        for (size_t s = 0; s < m->n_states && ok; s++) {
            int o = owner[m->states[s].population];
            if (m->states[s].resource != (int)r || o < 0)
                continue;
            if (seen >= 0 && seen != o)
                ok = 0;
            seen = o;
        }
    }
    free(owner);
    return ok;
}

static int run_places(allocator *a, const long *places, runs_variant *run, pc_err *err)
{
    const char **values = pc_calloc(a->n, sizeof *values);
    char *buf = pc_calloc(a->n, 32);
    double *numbers = pc_calloc(a->n, sizeof *numbers);
    int rc = values && buf && numbers ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < a->n && !rc; i++) {
        snprintf(buf + 32 * i, 32, "%ld", places[i]);
        values[i] = buf + 32 * i;
        numbers[i] = (double)places[i];
    }
    if (!rc && !a->plan)
        rc = runs_plan_alloc(a->m, a->n, (const char *const *)a->keys, values, &a->plan, err);
    mc_options sim = a->opt->sim;
    if (a->cons) {
        sim.wait_histogram = 1;
        sim.wait_from = (double)a->first * MDL_DAYS_PER_MONTH;
        sim.wait_to = (double)(a->last + 1) * MDL_DAYS_PER_MONTH;
    }
    if (!rc)
        rc = runs_plan_run(a->plan, numbers, &sim, run, err);
    free(numbers);
    free(values);
    free(buf);
    if (!rc)
        a->runs++;
    return rc;
}

/* The 5th and 95th percentiles of v[0..n) (sorted in place). */
static void spread_of(double *v, size_t n, double *p05, double *p95)
{
    if (n == 0) {
        *p05 = *p95 = 0;
        return;
    }
    gsl_sort(v, 1, n);
    *p05 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.05);
    *p95 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.95);
}

static int evaluate(allocator *a, const long *places, outcome *o, pc_err *err)
{
    const mdl_model *m = a->m;
    runs_variant run;
    int rc = run_places(a, places, &run, err);
    if (rc)
        return rc;
    const mc_result *r = run.result;
    size_t nr = r->reps;
    double years = (double)(a->last - a->first + 1) / 12.0, reps = (double)nr;
    target_waits *q = pc_calloc(a->n_queues * (nr + 1), sizeof *q); /* [queue][rep], then all */
    double *per = pc_calloc(nr ? nr : 1, sizeof *per);
    if (!q || !per) {
        free(q);
        free(per);
        runs_clear(&run);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    o->total = o->total_unserved = 0;
    for (size_t k = 0; k < a->n_queues && !rc; k++) {
        target_queue v;
        if ((rc = target_queue_of(r, a->queues[k], &v, err)))
            break;
        target_waits *all = &q[k * (nr + 1) + nr];
        for (size_t rep = 0; rep < nr; rep++) {
            target_waits_add(r, rep, &v, a->first, a->last, &q[k * (nr + 1) + rep]);
            target_waits_add(r, rep, &v, a->first, a->last, all);
        }
        o->total += all->total / reps / years;
        o->total_unserved += all->count / reps / years;
    }
    for (size_t i = 0; i < a->n && !rc; i++) {
        target_waits w = {0};
        for (size_t rep = 0; rep < nr; rep++) {
            target_waits one = {0};
            for (size_t k = 0; k < a->n_queues; k++)
                if (a->queue_of[i * m->n_states + k]) {
                    const target_waits *x = &q[k * (nr + 1) + rep];
                    one.count += x->count;
                    one.total += x->total;
                    one.direct += x->direct;
                }
            per[rep] = one.count + one.direct > 0 ? one.total / (one.count + one.direct) : 0.0;
            w.count += one.count;
            w.total += one.total;
            w.direct += one.direct;
        }
        spread_of(per, nr, &o->wait_p05[i], &o->wait_p95[i]);
        o->days[i] = w.total / reps / years;
        o->wait[i] = w.count + w.direct > 0 ? w.total / (w.count + w.direct) : 0.0;
        /* ended waits that were not admissions */
        char name[300];
        snprintf(name, sizeof name, "admitted.%s", m->resources[a->res[i]].name);
        long adm = rec_find(r->catalog, name);
        double admitted = 0;
        for (size_t rep = 0; adm >= 0 && rep < nr; rep++)
            admitted += target_period_sum(r, rep, (size_t)adm, a->first, a->last) / reps / years;
        o->unserved[i] = w.count / reps / years - admitted;
        o->total_unserved -= admitted;
        o->cost[i] = o->funded[i] = 0;
        for (size_t c = 0; c < m->n_costs && a->funder >= 0; c++) {
            const mdl_cost *co = &m->costs[c];
            if (co->per != MDL_COST_UNIT_YEAR || co->resource != a->res[i] ||
                co->funder != a->funder)
                continue;
            snprintf(name, sizeof name, "cost.%s", co->name);
            long var = rec_find(r->catalog, name);
            for (size_t rep = 0; var >= 0 && rep < nr; rep++) {
                double y = target_period_sum(r, rep, (size_t)var, a->first, a->last) / reps / years;
                o->cost[i] += y;
                if (!co->occupied)
                    o->funded[i] += y;
            }
        }
        if (a->cons) {
            rc = target_measure(&a->cons[i], r, a->first, a->last, &o->cons[i], err);
            o->cons_met[i] = !rc && target_holds(&a->cons[i], &o->cons[i]);
        }
    }
    free(q);
    free(per);
    runs_clear(&run);
    if (!rc && a->opt->progress) {
        capacity_share_step step = {
            .runs = a->runs, .waiting = o->total, .unserved = o->total_unserved};
        a->opt->progress(a->opt->progress_ctx, &step);
    }
    return rc;
}

static int outcome_alloc(outcome *o, size_t n)
{
    o->days = pc_calloc(n, sizeof *o->days);
    o->wait = pc_calloc(n, sizeof *o->wait);
    o->wait_p05 = pc_calloc(n, sizeof *o->wait_p05);
    o->wait_p95 = pc_calloc(n, sizeof *o->wait_p95);
    o->cost = pc_calloc(n, sizeof *o->cost);
    o->funded = pc_calloc(n, sizeof *o->funded);
    o->unserved = pc_calloc(n, sizeof *o->unserved);
    o->cons = pc_calloc(n, sizeof *o->cons);
    o->cons_met = pc_calloc(n, sizeof *o->cons_met);
    return o->days && o->wait && o->wait_p05 && o->wait_p95 && o->cost && o->funded &&
                   o->unserved && o->cons && o->cons_met
               ? 0
               : -1;
}

static void outcome_free(outcome *o)
{
    free(o->days);
    free(o->wait);
    free(o->wait_p05);
    free(o->wait_p95);
    free(o->cost);
    free(o->funded);
    free(o->unserved);
    free(o->cons);
    free(o->cons_met);
}

void capacity_share_result_free(capacity_share_result *r)
{
    if (!r)
        return;
    if (r->lines)
        for (size_t i = 0; i < r->n; i++) {
            free(r->lines[i].resource);
            free(r->lines[i].label);
        }
    free(r->lines);
    free(r);
}

/* The search state: places per resource, their waiting, ETP left. */
typedef struct {
    long *places, *floor, *ceil, *step, *trial;
    double *f;   /* person-days a year at places (separable: by resource; else f[0] total) */
    double left; /* ETP not yet allocated */
    outcome up, down;
} search;

#define ETP_SLACK 1e-9
/* What may be left of the envelope unspent by rounding (its unit: ETP or euros). */
#define SLACK(a) (1e-9 * fmax(1.0, (a)->opt->envelope))

/* Greedy marginal steps while one fits and lowers the waiting.  Returns 1 when a
 * step would fit but none lowers the waiting, else 0 (or a negative status). */
static int greedy(allocator *a, search *s, int sep, pc_err *err)
{
    for (;;) {
        int any = 0;
        for (size_t i = 0; i < a->n; i++)
            any |= (double)s->step[i] * a->price[i] <= s->left + SLACK(a) &&
                   s->places[i] + s->step[i] <= s->ceil[i];
        if (!any)
            return 0;
        long best = -1;
        double best_rate = 0, best_value = 0;
        if (sep) {
            for (size_t i = 0; i < a->n; i++)
                s->trial[i] = s->places[i] + s->step[i] <= s->ceil[i] ? s->places[i] + s->step[i]
                                                                      : s->places[i];
            int rc = evaluate(a, s->trial, &s->up, err);
            if (rc)
                return -rc;
        }
        for (size_t i = 0; i < a->n; i++) {
            double cost = (double)s->step[i] * a->price[i];
            if (cost > s->left + SLACK(a) || s->places[i] + s->step[i] > s->ceil[i])
                continue;
            double value, gain;
            if (sep) {
                value = objective_of(a, &s->up, (long)i);
                gain = s->f[i] - value;
            } else {
                memcpy(s->trial, s->places, a->n * sizeof *s->trial);
                s->trial[i] += s->step[i];
                int rc = evaluate(a, s->trial, &s->up, err);
                if (rc)
                    return -rc;
                value = objective_of(a, &s->up, -1);
                gain = s->f[0] - value;
            }
            if (gain / cost > best_rate) {
                best_rate = gain / cost;
                best = (long)i;
                best_value = value;
            }
        }
        if (best < 0)
            return 1;
        s->places[best] += s->step[best];
        s->left -= (double)s->step[best] * a->price[best];
        s->f[sep ? best : 0] = best_value;
    }
}

/* Moves of one step from one resource to another while they lower the total. */
static int exchange(allocator *a, search *s, pc_err *err)
{
    for (size_t round = 0; round < 2 * a->n; round++) {
        for (size_t i = 0; i < a->n; i++)
            s->trial[i] =
                s->places[i] + s->step[i] <= s->ceil[i] ? s->places[i] + s->step[i] : s->places[i];
        int rc = evaluate(a, s->trial, &s->up, err);
        for (size_t i = 0; i < a->n && !rc; i++)
            s->trial[i] =
                s->places[i] - s->step[i] >= s->floor[i] ? s->places[i] - s->step[i] : s->places[i];
        if (!rc)
            rc = evaluate(a, s->trial, &s->down, err);
        if (rc)
            return rc;
        long bi = -1, bj = -1;
        double best = 0;
        for (size_t i = 0; i < a->n; i++)
            for (size_t j = 0; j < a->n; j++) {
                if (i == j || s->trial[j] == s->places[j] || s->places[i] + s->step[i] > s->ceil[i])
                    continue;
                double etp = (double)s->step[i] * a->price[i] - (double)s->step[j] * a->price[j];
                if (etp > s->left + SLACK(a))
                    continue;
                double better = (s->f[i] - objective_of(a, &s->up, (long)i)) -
                                (objective_of(a, &s->down, (long)j) - s->f[j]);
                if (better > best) {
                    best = better;
                    bi = (long)i;
                    bj = (long)j;
                }
            }
        if (bi < 0)
            return PC_OK;
        s->places[bi] += s->step[bi];
        s->places[bj] -= s->step[bj];
        s->left -= (double)s->step[bi] * a->price[bi] - (double)s->step[bj] * a->price[bj];
        s->f[bi] = objective_of(a, &s->up, bi);
        s->f[bj] = objective_of(a, &s->down, bj);
    }
    return PC_OK;
}

/* Spreads the ETP left in proportion to the current ETP in whole places, then what
 * is still left place by place to the largest resource.  Returns the ETP placed. */
static double spread(const allocator *a, search *s, const long *current)
{
    double total = 0, placed = 0;
    for (size_t i = 0; i < a->n; i++)
        total += (double)current[i] * a->price[i];
    double left = s->left;
    for (size_t i = 0; i < a->n; i++) {
        double share = total > 0 ? (double)current[i] * a->price[i] / total : 1.0 / (double)a->n;
        long add = (long)floor(left * share / a->price[i] + SLACK(a));
        if (add > s->ceil[i] - s->places[i])
            add = s->ceil[i] - s->places[i];
        s->places[i] += add;
        s->left -= (double)add * a->price[i];
        placed += (double)add * a->price[i];
    }
    for (int more = 1; more;) {
        more = 0;
        long best = -1;
        for (size_t i = 0; i < a->n; i++)
            if (a->price[i] <= s->left + SLACK(a) && s->places[i] < s->ceil[i] &&
                (best < 0 || current[i] > current[best]))
                best = (long)i;
        if (best >= 0) {
            s->places[best]++;
            s->left -= a->price[best];
            placed += a->price[best];
            more = 1;
        }
    }
    return placed;
}

static void search_free(search *s)
{
    free(s->places);
    free(s->floor);
    free(s->ceil);
    free(s->step);
    free(s->trial);
    free(s->f);
    outcome_free(&s->up);
    outcome_free(&s->down);
}

/* The search's arrays for n resources.  PC_OK or -1 (out of memory). */
static int search_alloc(search *s, size_t n)
{
    s->places = pc_calloc(n, sizeof *s->places);
    s->floor = pc_calloc(n, sizeof *s->floor);
    s->ceil = pc_calloc(n, sizeof *s->ceil);
    s->step = pc_calloc(n, sizeof *s->step);
    s->trial = pc_calloc(n, sizeof *s->trial);
    s->f = pc_calloc(n, sizeof *s->f);
    if (!s->places || !s->floor || !s->ceil || !s->step || !s->trial || !s->f ||
        outcome_alloc(&s->up, n) || outcome_alloc(&s->down, n))
        return -1;
    return PC_OK;
}

/* The envelope's unit, for messages. */
static const char *unit_of(const allocator *a)
{
    return a->opt->in_euros ? "euros" : "ETP";
}

/* The fewest places of each resource that meet the constraint on its queue, all
 * resources at once (separable: each one's waits depend on its own places only):
 * doubling from the current places until it holds, then bisection. */
static int constraint_floors(allocator *a, const long *current, const long *ceil_, long *cfloor,
                             outcome *o, pc_err *err)
{
    size_t n = a->n;
    long *lo = pc_calloc(n, sizeof *lo), *hi = pc_calloc(n, sizeof *hi),
         *x = pc_calloc(n, sizeof *x);
    int rc = lo && hi && x ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        lo[i] = hi[i] = -1;
        x[i] = current[i] > 0 ? current[i] : 1;
    }
    const long cap = 10000000;
    while (!rc) {
        if ((rc = evaluate(a, x, o, err)))
            break;
        int done = 1;
        for (size_t i = 0; i < n; i++) {
            if (o->cons_met[i])
                hi[i] = hi[i] < 0 || x[i] < hi[i] ? x[i] : hi[i];
            else
                lo[i] = x[i] > lo[i] ? x[i] : lo[i];
            if (hi[i] < 0) {
                long limit = ceil_[i] < cap ? ceil_[i] : cap;
                if (lo[i] >= limit) {
                    rc = pc_fail(err, PC_EINPUT,
                                 "--constraint '%s' cannot be met for %s with %ld places%s: "
                                 "%s = %.4g",
                                 a->cons[i].text, a->m->resources[a->res[i]].name, lo[i],
                                 ceil_[i] < cap ? " (its ceiling, --max-share)" : "",
                                 a->cons[i].statistic, o->cons[i].value);
                    break;
                }
                x[i] = 2 * lo[i] < limit ? 2 * lo[i] : limit;
                done = 0;
            } else if (hi[i] == 0 || hi[i] - lo[i] <= 1) {
                x[i] = hi[i];
            } else if (lo[i] < 0) {
                x[i] = hi[i] / 2;
                done = 0;
            } else {
                x[i] = lo[i] + (hi[i] - lo[i]) / 2;
                done = 0;
            }
        }
        if (done || rc)
            break;
    }
    for (size_t i = 0; i < n && !rc; i++)
        cfloor[i] = hi[i];
    free(lo);
    free(hi);
    free(x);
    return rc;
}

/* Each resource's floor and ceiling, and the envelope left above the floors.  The
 * floors are --min-share of the current places and, with a constraint, the fewest
 * places that meet it.  PC_EINPUT when they conflict or exceed the envelope. */
static int set_floors(allocator *a, search *s, const long *current, long *cfloor, int sep,
                      pc_err *err)
{
    const capacity_share_options *opt = a->opt;
    double floors = 0, now = 0, cons = 0;
    for (size_t i = 0; i < a->n; i++) {
        s->floor[i] = (long)ceil(opt->min_share * (double)current[i] - ETP_SLACK);
        s->ceil[i] = opt->max_share > 0
                         ? (long)floor(opt->max_share * (double)current[i] + ETP_SLACK)
                         : LONG_MAX;
    }
    if (opt->constraint) {
        if (!sep)
            return pc_fail(err, PC_EINPUT,
                           "--constraint: the resources share populations, so one resource's "
                           "waits depend on the others' places; constraints need resources "
                           "in independent populations (one per département)");
        int rc = constraint_floors(a, current, s->ceil, cfloor, &s->up, err);
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (opt->constraint && cfloor[i] > s->floor[i]) {
            cons += (double)(cfloor[i] - s->floor[i]) * a->price[i];
            s->floor[i] = cfloor[i];
        }
        s->places[i] = s->floor[i];
        floors += (double)s->floor[i] * a->price[i];
        now += (double)current[i] * a->price[i];
    }
    if (floors > opt->envelope + SLACK(a)) {
        if (cons > 0)
            return pc_fail(err, PC_EINPUT,
                           "--envelope %.6g %s is smaller than the floors: %.6g %s, of which "
                           "%.6g to meet --constraint '%s' (the current places cost %.6g)",
                           opt->envelope, unit_of(a), floors, unit_of(a), cons, opt->constraint,
                           now);
        return pc_fail(err, PC_EINPUT,
                       "--envelope %.6g %s is smaller than the floors: %.6g %s (--min-share "
                       "%.6g of the current %.6g %s)",
                       opt->envelope, unit_of(a), floors, unit_of(a), opt->min_share, now,
                       unit_of(a));
    }
    s->left = opt->envelope - floors;
    return PC_OK;
}

/* Greedy steps (and exchanges when separable) of h ETP, h halving down to one place.
 * *idle: at the finest step, ETP were left that lowered no waiting. */
static int refine(allocator *a, search *s, int sep, double h, int *idle, pc_err *err)
{
    for (;;) {
        int finest = 1;
        for (size_t i = 0; i < a->n; i++) {
            long p = lround(h / a->price[i]);
            s->step[i] = p > 1 ? p : 1;
            finest &= s->step[i] == 1;
        }
        int g = greedy(a, s, sep, err);
        if (g >= 0 && sep) {
            /* an exchange between resources of different weights may free a step */
            int rc = exchange(a, s, err);
            if (rc)
                return rc;
            g = greedy(a, s, sep, err);
        }
        if (g < 0)
            return -g;
        if (finest) {
            *idle = g == 1;
            return PC_OK;
        }
        h /= 2;
    }
}

/* The result's lines: each resource before (its current places) and after. */
static int share_lines(const allocator *a, const search *s, const long *current, const long *cfloor,
                       const outcome *before, const outcome *after, capacity_share_result *res,
                       pc_err *err)
{
    for (size_t i = 0; i < a->n; i++) {
        capacity_share_line *l = &res->lines[i];
        l->constraint_floor = a->cons ? cfloor[i] : 0;
        const mdl_resource *r = &a->m->resources[a->res[i]];
        if (!(l->resource = pc_strdup(r->name)) ||
            !(l->label = pc_strdup(r->label ? r->label : r->name)))
            return pc_fail(err, PC_EENV, "out of memory");
        l->etp_weight = a->w[i];
        l->price = a->price[i];
        l->ceiling = s->ceil[i];
        l->wait_before_p05 = before->wait_p05[i];
        l->wait_before_p95 = before->wait_p95[i];
        l->wait_after_p05 = after->wait_p05[i];
        l->wait_after_p95 = after->wait_p95[i];
        l->constraint_before = before->cons[i];
        l->constraint_after = after->cons[i];
        l->current = current[i];
        l->floor = s->floor[i];
        l->allocated = s->places[i];
        l->wait_before = before->wait[i];
        l->wait_after = after->wait[i];
        l->days_before = before->days[i];
        l->days_after = after->days[i];
        l->unserved_before = before->unserved[i];
        l->unserved_after = after->unserved[i];
        l->cost_before = before->cost[i];
        l->cost_after = after->cost[i];
    }
    res->total_before = before->total;
    res->total_after = after->total;
    res->unserved_before = before->total_unserved;
    res->unserved_after = after->total_unserved;
    return PC_OK;
}

int capacity_share(const mdl_model *m, const capacity_share_options *opt,
                   capacity_share_result **out, pc_err *err)
{
    *out = NULL;
    if (!(opt->envelope >= 0) || !isfinite(opt->envelope))
        return pc_fail(err, PC_EINPUT, "--envelope: expected a number of %s, 0 or more",
                       opt->in_euros ? "euros" : "ETP");
    if (!(opt->min_share >= 0 && opt->min_share <= 1))
        return pc_fail(err, PC_EINPUT, "--min-share: expected a share from 0 to 1");
    if (!(opt->max_share >= 0) || !isfinite(opt->max_share))
        return pc_fail(err, PC_EINPUT, "--max-share: expected a positive factor (1.5)");
    if (opt->max_share > 0 && opt->max_share < opt->min_share)
        return pc_fail(err, PC_EINPUT,
                       "--max-share %.6g is below --min-share %.6g: the ceilings and the "
                       "floors conflict",
                       opt->max_share, opt->min_share);
    if (!(opt->step >= 0) || !isfinite(opt->step))
        return pc_fail(err, PC_EINPUT, "--step: expected a number of %s, more than 0",
                       opt->in_euros ? "euros" : "ETP");
    allocator a;
    search s = {0};
    outcome before = {0}, after = {0};
    capacity_share_result *res = NULL;
    long *current = NULL, *cfloor = NULL;
    int rc = allocator_init(&a, m, opt, err), idle = 0;
    if (rc)
        goto fail;
    size_t n = a.n;
    current = pc_calloc(n, sizeof *current);
    cfloor = pc_calloc(n, sizeof *cfloor);
    res = pc_calloc(1, sizeof *res);
    if (!current || !cfloor || !res || search_alloc(&s, n) || outcome_alloc(&before, n) ||
        outcome_alloc(&after, n) || !(res->lines = pc_calloc(n, sizeof *res->lines))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    res->n = n;
    for (size_t i = 0; i < n; i++)
        current[i] = capacity_at(m, a.res[i], a.first);
    /* Before: the current places.  An envelope in euros buys places at what the funder
     * pays for them a year (its unit-year costs on funded places). */
    if ((rc = evaluate(&a, current, &before, err)))
        goto fail;
    for (size_t i = 0; i < n && opt->in_euros; i++) {
        a.price[i] = current[i] > 0 ? before.funded[i] / (double)current[i] : 0.0;
        if (!(a.price[i] > 0)) {
            rc = pc_fail(err, PC_EINPUT,
                         "resource %s: %s pays nothing for its places%s; share ETP instead",
                         m->resources[a.res[i]].name, opt->funder,
                         current[i] > 0 ? "" : " (it has none to price them)");
            goto fail;
        }
    }
    int sep = separable(&a);
    res->separable = sep;
    if ((rc = set_floors(&a, &s, current, cfloor, sep, err)))
        goto fail;
    /* The waiting at the floors. */
    if ((rc = evaluate(&a, s.places, &s.up, err)))
        goto fail;
    for (size_t i = 0; i < (sep ? n : 1); i++)
        s.f[i] = objective_of(&a, &s.up, sep ? (long)i : -1);
    res->first_step = opt->step > 0 ? opt->step : s.left / 32;
    if ((rc = refine(&a, &s, sep, res->first_step, &idle, err)))
        goto fail;
    if (idle)
        res->idle = spread(&a, &s, current);
    res->unused = s.left > 0 ? s.left : 0;
    if ((rc = evaluate(&a, s.places, &after, err)) ||
        (rc = share_lines(&a, &s, current, cfloor, &before, &after, res, err)))
        goto fail;
    res->runs = a.runs;
    res->first = a.first;
    res->last = a.last;
    *out = res;
    res = NULL;
fail:
    capacity_share_result_free(res);
    free(current);
    free(cfloor);
    search_free(&s);
    outcome_free(&before);
    outcome_free(&after);
    allocator_clear(&a);
    return rc;
}

int capacity_share_write(const char *path, const capacity_share_result *r, size_t prefix_len,
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
          "cost_year_after,label,price,places_ceiling,places_constraint,wait_before_p05,"
          "wait_before_p95,wait_after_p05,wait_after_p95,constraint_before,constraint_after\n",
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
        fsio_csv_text(f, l->label, 0);
        fsio_csv_number(f, l->price, 0);
        if (l->ceiling == LONG_MAX)
            fputc(',', f);
        else
            fprintf(f, ",%ld", l->ceiling);
        fprintf(f, ",%ld", l->constraint_floor);
        const double w[] = {l->wait_before_p05,         l->wait_before_p95,
                            l->wait_after_p05,          l->wait_after_p95,
                            l->constraint_before.value, l->constraint_after.value};
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
            fsio_csv_number(f, w[k], 0);
        fputc('\n', f);
    }
    return fsio_commit(&out, PC_OK, err);
}
