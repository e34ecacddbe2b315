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
    size_t n;                /* resources */
    int *res;                /* their indices in the model */
    char **keys;             /* their capacity keys */
    double *w;               /* ETP per place */
    double *price;           /* the envelope's unit per place: w, or euros a year */
    long *current;           /* places at the first month */
    size_t n_groups;         /* groups of linked resources (capacity_share) */
    size_t *group;           /* [resource]: its group */
    double *mix;             /* [resource]: its share of its group's current places */
    long *group_now;         /* [group]: its current places */
    size_t n_queues;         /* distinct queue states of the resources */
    char **queues;           /* their names */
    int *queue_of;           /* [resource][queue]: 1 when the resource's states wait there */
    size_t *queue_group;     /* [queue]: the group whose resources wait there */
    const char **by_group;   /* the queue names, group after group */
    size_t *gq_first, *gq_n; /* [group]: where its queues start in by_group, how many */
    target_expr *cons;       /* [group]: the constraint on its queues (opt->constraint) */
    int funder;              /* opt->funder's index, -1: none */
    size_t first, last;
    size_t runs;
    long *scratch;   /* [resource]: places of a run */
    runs_plan *plan; /* the model with the capacities as parameters: resolved once */
} allocator;

/* What one run says about each group and resource. */
typedef struct {
    capacity_share_waits *g, *r; /* [group], [resource] */
    target_estimate *cons;       /* [group]: the constraint's statistic */
    int *cons_met;
    double *cost;   /* [resource][funder]: unit-year costs, euros a year */
    double *funded; /* [resource]: opt->funder's on funded places (not occupied ones) */
    double *by_funder, *by_funder_p05, *by_funder_p95; /* [funder]: over the resources */
    double total;                                      /* person-days a year, all queues */
    double total_unserved; /* requests leaving a queue unserved, a year */
} outcome;

/* The places of resource i when its group is at level (whole places, in the mix). */
static long places_at(const allocator *a, size_t i, long level)
{
    return lround((double)level * a->mix[i]);
}

/* The envelope's unit that group g costs at level. */
static double group_cost(const allocator *a, size_t g, long level)
{
    double c = 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->group[i] == g)
            c += (double)places_at(a, i, level) * a->price[i];
    return c;
}

/* Whether two levels of group g give every resource the same places. */
static int same_places(const allocator *a, size_t g, long x, long y)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->group[i] == g && places_at(a, i, x) != places_at(a, i, y))
            return 0;
    return 1;
}

/* The objective of a group, or of all of them (g < 0). */
static double objective_of(const allocator *a, const outcome *o, long g)
{
    if (a->opt->objective == CAPACITY_UNSERVED)
        return g < 0 ? o->total_unserved : o->g[g].unserved;
    return g < 0 ? o->total : o->g[g].days;
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
    free(a->queue_group);
    free(a->by_group);
    free(a->gq_first);
    free(a->gq_n);
    free(a->res);
    free(a->w);
    free(a->price);
    free(a->current);
    free(a->group);
    free(a->mix);
    free(a->group_now);
    free(a->cons);
    free(a->scratch);
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

/* Union-find over populations (path halving). */
static size_t root_of(size_t *parent, size_t p)
{
    while (parent[p] != p)
        p = parent[p] = parent[parent[p]];
    return p;
}

static void join(size_t *parent, int p, int q)
{
    if (p < 0 || q < 0)
        return;
    size_t x = root_of(parent, (size_t)p), y = root_of(parent, (size_t)q);
    if (x != y)
        parent[x > y ? x : y] = x < y ? x : y;
}

/* The groups: populations are linked when a resource (of the prefix or not) or a queue is
 * held from both, or a transition leads from one to the other; a resource's group is its
 * populations' class, numbered in the order of the resources. */
static int make_groups(allocator *a, pc_err *err)
{
    const mdl_model *m = a->m;
    size_t np = m->n_populations;
    size_t *parent = pc_calloc(np ? np : 1, sizeof *parent);
    long *number = pc_calloc(np ? np : 1, sizeof *number);
    int *first_pop = pc_calloc(m->n_resources ? m->n_resources : 1, sizeof *first_pop);
    if (!parent || !number || !first_pop) {
        free(parent);
        free(number);
        free(first_pop);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    for (size_t p = 0; p < np; p++) {
        parent[p] = p;
        number[p] = -1;
    }
    for (size_t r = 0; r < m->n_resources; r++)
        first_pop[r] = -1;
    for (size_t s = 0; s < m->n_states; s++) {
        const mdl_state *st = &m->states[s];
        if (st->resource >= 0) {
            if (first_pop[st->resource] < 0)
                first_pop[st->resource] = st->population;
            join(parent, first_pop[st->resource], st->population);
        }
        if (st->queue >= 0)
            join(parent, st->population, m->states[st->queue].population);
        for (size_t t = 0; t < st->n_transitions; t++)
            for (size_t v = 0; v < st->transitions[t].n_versions; v++) {
                const mdl_dest *d = &st->transitions[t].versions[v].dest;
                for (size_t k = 0; k < d->n; k++)
                    if (d->state[k] >= 0)
                        join(parent, st->population, m->states[d->state[k]].population);
            }
    }
    a->n_groups = 0;
    for (size_t i = 0; i < a->n; i++) {
        int p = first_pop[a->res[i]];
        if (p < 0) { /* held by no state: a group of its own */
            a->group[i] = a->n_groups++;
            continue;
        }
        size_t root = root_of(parent, (size_t)p);
        if (number[root] < 0)
            number[root] = (long)a->n_groups++;
        a->group[i] = (size_t)number[root];
    }
    free(parent);
    free(number);
    free(first_pop);
    return PC_OK;
}

/* Each resource's share of its group's current places (equal shares when the group has
 * none), the groups' current places, and the queues of each group. */
static int group_mix(allocator *a, pc_err *err)
{
    size_t ng = a->n_groups;
    size_t *members = pc_calloc(ng, sizeof *members);
    a->group_now = pc_calloc(ng, sizeof *a->group_now);
    a->gq_first = pc_calloc(ng, sizeof *a->gq_first);
    a->gq_n = pc_calloc(ng, sizeof *a->gq_n);
    a->by_group = pc_calloc(a->n_queues ? a->n_queues : 1, sizeof *a->by_group);
    if (!members || !a->group_now || !a->gq_first || !a->gq_n || !a->by_group) {
        free(members);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    for (size_t i = 0; i < a->n; i++) {
        members[a->group[i]]++;
        a->group_now[a->group[i]] += a->current[i];
    }
    for (size_t i = 0; i < a->n; i++) {
        size_t g = a->group[i];
        a->mix[i] = a->group_now[g] > 0 ? (double)a->current[i] / (double)a->group_now[g]
                                        : 1.0 / (double)members[g];
    }
    free(members);
    size_t used = 0;
    for (size_t g = 0; g < ng; g++) {
        a->gq_first[g] = used;
        for (size_t k = 0; k < a->n_queues; k++)
            if (a->queue_group[k] == g)
                a->by_group[used++] = a->queues[k];
        a->gq_n[g] = used - a->gq_first[g];
    }
    return PC_OK;
}

/* The group's name for messages: its first resource's, and how many more. */
static void group_name(const allocator *a, size_t g, char *buf, size_t size)
{
    size_t count = 0, first = 0;
    for (size_t i = a->n; i-- > 0;)
        if (a->group[i] == g) {
            count++;
            first = i;
        }
    const char *name = a->m->resources[a->res[first]].name;
    if (count > 1)
        snprintf(buf, size, "the group of %s and %zu more", name, count - 1);
    else
        snprintf(buf, size, "%s", name);
}

/* With a constraint: a group's queues must be waited in for its own resources only, or
 * its waits would depend on places the allocation does not move. */
static int check_groups(const allocator *a, pc_err *err)
{
    const mdl_model *m = a->m;
    for (size_t k = 0; k < a->n_queues; k++) {
        char unsized[600];
        joint_unsized(m, a->queues[k], a->res, a->n, unsized, sizeof unsized);
        if (unsized[0]) {
            char name[300];
            group_name(a, a->queue_group[k], name, sizeof name);
            return pc_fail(err, PC_EINPUT,
                           "--constraint: the groups cannot be formed: queue %s of %s is also "
                           "the queue of %s, outside --resource-prefix %s, so its waits depend "
                           "on places the allocation does not move; choose a prefix that takes "
                           "them too",
                           a->queues[k], name, unsized, a->opt->prefix);
        }
    }
    for (size_t g = 0; g < a->n_groups; g++)
        if (a->gq_n[g] == 0) {
            char name[300];
            group_name(a, g, name, sizeof name);
            return pc_fail(err, PC_EINPUT, "--constraint: %s has no queue", name);
        }
    return PC_OK;
}

static int allocator_init(allocator *a, const mdl_model *m, const capacity_share_options *opt,
                          pc_err *err)
{
    memset(a, 0, sizeof *a);
    a->m = m;
    a->opt = opt;
    a->funder = -1;
    size_t plen = strlen(opt->prefix), nr = m->n_resources ? m->n_resources : 1;
    a->res = pc_calloc(nr, sizeof *a->res);
    a->keys = pc_calloc(nr, sizeof *a->keys);
    a->w = pc_calloc(nr, sizeof *a->w);
    a->price = pc_calloc(nr, sizeof *a->price);
    a->current = pc_calloc(nr, sizeof *a->current);
    a->group = pc_calloc(nr, sizeof *a->group);
    a->mix = pc_calloc(nr, sizeof *a->mix);
    a->scratch = pc_calloc(nr, sizeof *a->scratch);
    a->queues = pc_calloc(m->n_states, sizeof *a->queues);
    a->queue_group = pc_calloc(m->n_states, sizeof *a->queue_group);
    a->queue_of = pc_calloc(nr * m->n_states, sizeof *a->queue_of);
    if (!a->res || !a->keys || !a->w || !a->price || !a->current || !a->group || !a->mix ||
        !a->scratch || !a->queues || !a->queue_group || !a->queue_of)
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
        a->current[a->n] = capacity_at(m, (int)r, a->first);
        if (!(a->keys[a->n] = pc_strdup(key)))
            return pc_fail(err, PC_EENV, "out of memory");
        a->n++;
    }
    if (a->n == 0)
        return pc_fail(err, PC_EINPUT, "--resource-prefix %s: no resource of the model has it",
                       opt->prefix);
    if ((rc = make_groups(a, err)))
        return rc;
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
            if (k == a->n_queues) {
                if (!(a->queues[a->n_queues] = pc_strdup(q)))
                    return pc_fail(err, PC_EENV, "out of memory");
                a->queue_group[a->n_queues++] = a->group[i];
            }
            a->queue_of[i * m->n_states + k] = 1;
        }
    }
    if ((rc = group_mix(a, err)))
        return rc;
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
        if ((rc = check_groups(a, err)))
            return rc;
        if (!(a->cons = pc_calloc(a->n_groups, sizeof *a->cons)))
            return pc_fail(err, PC_EENV, "out of memory");
        for (size_t g = 0; g < a->n_groups; g++)
            if ((rc = constraint_for(m, opt->constraint, a->by_group[a->gq_first[g]], &a->cons[g],
                                     err)))
                return rc;
    }
    return PC_OK;
}

/* Runs the model with every group at its level. */
static int run_levels(allocator *a, const long *levels, runs_variant *run, pc_err *err)
{
    const char **values = pc_calloc(a->n, sizeof *values);
    char *buf = pc_calloc(a->n, 32);
    double *numbers = pc_calloc(a->n, sizeof *numbers);
    int rc = values && buf && numbers ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < a->n && !rc; i++) {
        a->scratch[i] = places_at(a, i, levels[a->group[i]]);
        snprintf(buf + 32 * i, 32, "%ld", a->scratch[i]);
        values[i] = buf + 32 * i;
        numbers[i] = (double)a->scratch[i];
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

/* Sum of a variable over the period, a year, for each replication (per[rep]); NULL when
 * the run has no such variable. */
static int period_years(const allocator *a, const mc_result *r, const char *name, double *per)
{
    long var = rec_find(r->catalog, name);
    double years = (double)(a->last - a->first + 1) / 12.0;
    for (size_t rep = 0; rep < r->reps; rep++)
        per[rep] =
            var < 0 ? 0.0 : target_period_sum(r, rep, (size_t)var, a->first, a->last) / years;
    return var >= 0;
}

/* Waits over a set of queues (sel[k] != 0), admissions of a set of resources (take[i]):
 * the mean wait per request and its 90 % interval, person-days and unserved a year. */
static void waits_of(const allocator *a, const target_waits *q, const double *admitted, size_t reps,
                     const int *sel, const int *take, double *per, capacity_share_waits *out)
{
    double years = (double)(a->last - a->first + 1) / 12.0, nr = (double)reps;
    target_waits w = {0};
    double adm = 0;
    for (size_t rep = 0; rep < reps; rep++) {
        target_waits one = {0};
        for (size_t k = 0; k < a->n_queues; k++)
            if (sel[k]) {
                const target_waits *x = &q[k * reps + rep];
                one.count += x->count;
                one.total += x->total;
                one.direct += x->direct;
            }
        per[rep] = one.count + one.direct > 0 ? one.total / (one.count + one.direct) : 0.0;
        w.count += one.count;
        w.total += one.total;
        w.direct += one.direct;
        for (size_t i = 0; i < a->n; i++)
            if (take[i])
                adm += admitted[i * reps + rep];
    }
    spread_of(per, reps, &out->wait_p05, &out->wait_p95);
    out->days = w.total / nr / years;
    out->wait = w.count + w.direct > 0 ? w.total / (w.count + w.direct) : 0.0;
    /* ended waits that were not admissions */
    out->unserved = w.count / nr / years - adm / nr;
}

/* The funders' unit-year costs on each resource and on all of them (interval over the
 * replications). */
static void costs_of(const allocator *a, const mc_result *r, outcome *o, double *per, double *tot)
{
    const mdl_model *m = a->m;
    size_t nr = r->reps, nf = m->n_funders;
    for (size_t f = 0; f < nf; f++) {
        for (size_t rep = 0; rep < nr; rep++)
            tot[rep] = 0;
        for (size_t i = 0; i < a->n; i++) {
            o->cost[i * nf + f] = 0;
            if ((int)f == a->funder)
                o->funded[i] = 0;
            for (size_t c = 0; c < m->n_costs; c++) {
                const mdl_cost *co = &m->costs[c];
                if (co->per != MDL_COST_UNIT_YEAR || co->resource != a->res[i] ||
                    co->funder != (int)f)
                    continue;
                char name[300];
                snprintf(name, sizeof name, "cost.%s", co->name);
                period_years(a, r, name, per);
                for (size_t rep = 0; rep < nr; rep++) {
                    double y = per[rep] / (double)nr;
                    o->cost[i * nf + f] += y;
                    if ((int)f == a->funder && !co->occupied)
                        o->funded[i] += y;
                    tot[rep] += per[rep];
                }
            }
        }
        double mean = 0;
        for (size_t rep = 0; rep < nr; rep++)
            mean += tot[rep] / (double)nr;
        o->by_funder[f] = mean;
        spread_of(tot, nr, &o->by_funder_p05[f], &o->by_funder_p95[f]);
    }
}

static int evaluate(allocator *a, const long *levels, outcome *o, pc_err *err)
{
    const mdl_model *m = a->m;
    runs_variant run;
    int rc = run_levels(a, levels, &run, err);
    if (rc)
        return rc;
    const mc_result *r = run.result;
    size_t nr = r->reps ? r->reps : 1;
    double years = (double)(a->last - a->first + 1) / 12.0;
    target_waits *q = pc_calloc(a->n_queues * nr, sizeof *q);  /* [queue][rep] */
    double *admitted = pc_calloc(a->n * nr, sizeof *admitted); /* [resource][rep], total */
    double *per = pc_calloc(nr, sizeof *per), *tot = pc_calloc(nr, sizeof *tot);
    int *sel = pc_calloc(a->n_queues ? a->n_queues : 1, sizeof *sel);
    int *take = pc_calloc(a->n, sizeof *take);
    if (!q || !admitted || !per || !tot || !sel || !take)
        rc = pc_fail(err, PC_EENV, "out of memory");
    o->total = o->total_unserved = 0;
    for (size_t k = 0; k < a->n_queues && !rc; k++) {
        target_queue v;
        if ((rc = target_queue_of(r, a->queues[k], &v, err)))
            break;
        for (size_t rep = 0; rep < r->reps; rep++) {
            target_waits_add(r, rep, &v, a->first, a->last, &q[k * nr + rep]);
            o->total += q[k * nr + rep].total / (double)r->reps / years;
            o->total_unserved += q[k * nr + rep].count / (double)r->reps / years;
        }
    }
    for (size_t i = 0; i < a->n && !rc; i++) {
        char name[300];
        snprintf(name, sizeof name, "admitted.%s", m->resources[a->res[i]].name);
        period_years(a, r, name, per);
        for (size_t rep = 0; rep < r->reps; rep++) {
            admitted[i * nr + rep] = per[rep];
            o->total_unserved -= per[rep] / (double)r->reps;
        }
    }
    for (size_t i = 0; i < a->n && !rc; i++) {
        for (size_t k = 0; k < a->n_queues; k++)
            sel[k] = a->queue_of[i * m->n_states + k];
        for (size_t j = 0; j < a->n; j++)
            take[j] = j == i;
        waits_of(a, q, admitted, r->reps, sel, take, per, &o->r[i]);
    }
    for (size_t g = 0; g < a->n_groups && !rc; g++) {
        for (size_t k = 0; k < a->n_queues; k++)
            sel[k] = a->queue_group[k] == g;
        for (size_t j = 0; j < a->n; j++)
            take[j] = a->group[j] == g;
        waits_of(a, q, admitted, r->reps, sel, take, per, &o->g[g]);
        if (a->cons) {
            rc = target_measure_queues(&a->cons[g], r, a->by_group + a->gq_first[g], a->gq_n[g],
                                       a->first, a->last, &o->cons[g], err);
            o->cons_met[g] = !rc && target_holds(&a->cons[g], &o->cons[g]);
        }
    }
    if (!rc)
        costs_of(a, r, o, per, tot);
    free(q);
    free(admitted);
    free(per);
    free(tot);
    free(sel);
    free(take);
    runs_clear(&run);
    if (!rc && a->opt->progress) {
        capacity_share_step step = {
            .runs = a->runs, .waiting = o->total, .unserved = o->total_unserved};
        a->opt->progress(a->opt->progress_ctx, &step);
    }
    return rc;
}

static int outcome_alloc(outcome *o, size_t n, size_t n_groups, size_t n_funders)
{
    size_t nf = n_funders ? n_funders : 1;
    o->g = pc_calloc(n_groups, sizeof *o->g);
    o->r = pc_calloc(n, sizeof *o->r);
    o->cons = pc_calloc(n_groups, sizeof *o->cons);
    o->cons_met = pc_calloc(n_groups, sizeof *o->cons_met);
    o->cost = pc_calloc(n * nf, sizeof *o->cost);
    o->funded = pc_calloc(n, sizeof *o->funded);
    o->by_funder = pc_calloc(nf, sizeof *o->by_funder);
    o->by_funder_p05 = pc_calloc(nf, sizeof *o->by_funder_p05);
    o->by_funder_p95 = pc_calloc(nf, sizeof *o->by_funder_p95);
    return o->g && o->r && o->cons && o->cons_met && o->cost && o->funded && o->by_funder &&
                   o->by_funder_p05 && o->by_funder_p95
               ? 0
               : -1;
}

static void outcome_free(outcome *o)
{
    free(o->g);
    free(o->r);
    free(o->cons);
    free(o->cons_met);
    free(o->cost);
    free(o->funded);
    free(o->by_funder);
    free(o->by_funder_p05);
    free(o->by_funder_p95);
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
    if (r->groups)
        for (size_t g = 0; g < r->n_groups; g++)
            free(r->groups[g].label);
    if (r->funders)
        for (size_t f = 0; f < r->n_funders; f++)
            free(r->funders[f]);
    free(r->lines);
    free(r->groups);
    free(r->funders);
    free(r->funder_before);
    free(r->funder_before_p05);
    free(r->funder_before_p95);
    free(r->funder_after);
    free(r->funder_after_p05);
    free(r->funder_after_p95);
    free(r->line_funder_before);
    free(r->line_funder_after);
    free(r);
}

/* The search state, by group: levels (places in the mix), their objective, the
 * envelope left. */
typedef struct {
    long *level, *floor, *ceil, *step, *up, *down;
    double *f;   /* the objective of each group at its level */
    double left; /* the envelope not yet allocated */
    outcome at_up, at_down;
} search;

#define ETP_SLACK 1e-9
/* What may be left of the envelope unspent by rounding (its unit: ETP or euros). */
#define SLACK(a) (1e-9 * fmax(1.0, (a)->opt->envelope))

/* The level at least `step` above group g's level that changes its places, within its
 * ceiling; -1 when none. */
static long level_up(const allocator *a, const search *s, size_t g)
{
    long x = s->level[g];
    if (s->ceil[g] - x < s->step[g])
        return -1;
    long y = x + s->step[g];
    while (y < s->ceil[g] && same_places(a, g, x, y))
        y++;
    return same_places(a, g, x, y) ? -1 : y;
}

/* The level at least `step` below, above its floor, that changes its places; -1 when none. */
static long level_down(const allocator *a, const search *s, size_t g)
{
    long x = s->level[g];
    if (x - s->floor[g] < s->step[g])
        return -1;
    long y = x - s->step[g];
    while (y > s->floor[g] && same_places(a, g, x, y))
        y--;
    return same_places(a, g, x, y) ? -1 : y;
}

/* Greedy marginal steps while one fits and lowers the waiting: one run moves every group
 * one step up.  Returns 1 when a step would fit but none lowers the waiting, else 0 (or a
 * negative status). */
static int greedy(allocator *a, search *s, pc_err *err)
{
    for (;;) {
        int any = 0;
        for (size_t g = 0; g < a->n_groups; g++) {
            long y = level_up(a, s, g);
            s->up[g] =
                y >= 0 && group_cost(a, g, y) - group_cost(a, g, s->level[g]) <= s->left + SLACK(a)
                    ? y
                    : s->level[g];
            any |= s->up[g] != s->level[g];
        }
        if (!any)
            return 0;
        int rc = evaluate(a, s->up, &s->at_up, err);
        if (rc)
            return -rc;
        long best = -1;
        double best_rate = 0;
        for (size_t g = 0; g < a->n_groups; g++) {
            if (s->up[g] == s->level[g])
                continue;
            double cost = group_cost(a, g, s->up[g]) - group_cost(a, g, s->level[g]);
            double gain = s->f[g] - objective_of(a, &s->at_up, (long)g);
            if (cost > 0 && gain / cost > best_rate) {
                best_rate = gain / cost;
                best = (long)g;
            }
        }
        if (best < 0)
            return 1;
        s->left -=
            group_cost(a, (size_t)best, s->up[best]) - group_cost(a, (size_t)best, s->level[best]);
        s->level[best] = s->up[best];
        s->f[best] = objective_of(a, &s->at_up, best);
    }
}

/* Moves of one step from one group to another while they lower the total: two runs a
 * round (every group one step up, every group one step down). */
static int exchange(allocator *a, search *s, pc_err *err)
{
    for (size_t round = 0; round < 2 * a->n_groups; round++) {
        for (size_t g = 0; g < a->n_groups; g++) {
            long y = level_up(a, s, g), z = level_down(a, s, g);
            s->up[g] = y >= 0 ? y : s->level[g];
            s->down[g] = z >= 0 ? z : s->level[g];
        }
        int rc = evaluate(a, s->up, &s->at_up, err);
        if (!rc)
            rc = evaluate(a, s->down, &s->at_down, err);
        if (rc)
            return rc;
        long bi = -1, bj = -1;
        double best = 0;
        for (size_t i = 0; i < a->n_groups; i++)
            for (size_t j = 0; j < a->n_groups; j++) {
                if (i == j || s->up[i] == s->level[i] || s->down[j] == s->level[j])
                    continue;
                double more = group_cost(a, i, s->up[i]) - group_cost(a, i, s->level[i]) -
                              (group_cost(a, j, s->level[j]) - group_cost(a, j, s->down[j]));
                if (more > s->left + SLACK(a))
                    continue;
                double better = (s->f[i] - objective_of(a, &s->at_up, (long)i)) -
                                (objective_of(a, &s->at_down, (long)j) - s->f[j]);
                if (better > best) {
                    best = better;
                    bi = (long)i;
                    bj = (long)j;
                }
            }
        if (bi < 0)
            return PC_OK;
        s->left -=
            group_cost(a, (size_t)bi, s->up[bi]) - group_cost(a, (size_t)bi, s->level[bi]) -
            (group_cost(a, (size_t)bj, s->level[bj]) - group_cost(a, (size_t)bj, s->down[bj]));
        s->level[bi] = s->up[bi];
        s->level[bj] = s->down[bj];
        s->f[bi] = objective_of(a, &s->at_up, bi);
        s->f[bj] = objective_of(a, &s->at_down, bj);
    }
    return PC_OK;
}

/* Spreads the envelope left in proportion to the groups' current cost, in whole levels,
 * then what is still left level by level to the largest group.  Returns what it placed. */
static double spread(const allocator *a, search *s)
{
    double total = 0, placed = 0;
    for (size_t g = 0; g < a->n_groups; g++)
        total += group_cost(a, g, a->group_now[g]);
    double left = s->left;
    for (size_t g = 0; g < a->n_groups; g++) {
        double share =
            total > 0 ? group_cost(a, g, a->group_now[g]) / total : 1.0 / (double)a->n_groups;
        double budget = left * share + SLACK(a), base = group_cost(a, g, s->level[g]);
        long x = s->level[g];
        while (x < s->ceil[g] && group_cost(a, g, x + 1) - base <= budget)
            x++;
        double c = group_cost(a, g, x) - base;
        s->level[g] = x;
        s->left -= c;
        placed += c;
    }
    for (int more = 1; more;) {
        more = 0;
        long best = -1;
        for (size_t g = 0; g < a->n_groups; g++) {
            if (s->level[g] >= s->ceil[g] ||
                group_cost(a, g, s->level[g] + 1) - group_cost(a, g, s->level[g]) >
                    s->left + SLACK(a))
                continue;
            if (best < 0 || a->group_now[g] > a->group_now[best])
                best = (long)g;
        }
        if (best >= 0) {
            double c = group_cost(a, (size_t)best, s->level[best] + 1) -
                       group_cost(a, (size_t)best, s->level[best]);
            s->level[best]++;
            s->left -= c;
            placed += c;
            more = 1;
        }
    }
    return placed;
}

static void search_free(search *s)
{
    free(s->level);
    free(s->floor);
    free(s->ceil);
    free(s->step);
    free(s->up);
    free(s->down);
    free(s->f);
    outcome_free(&s->at_up);
    outcome_free(&s->at_down);
}

/* The search's arrays.  PC_OK or -1 (out of memory). */
static int search_alloc(search *s, const allocator *a)
{
    size_t ng = a->n_groups;
    s->level = pc_calloc(ng, sizeof *s->level);
    s->floor = pc_calloc(ng, sizeof *s->floor);
    s->ceil = pc_calloc(ng, sizeof *s->ceil);
    s->step = pc_calloc(ng, sizeof *s->step);
    s->up = pc_calloc(ng, sizeof *s->up);
    s->down = pc_calloc(ng, sizeof *s->down);
    s->f = pc_calloc(ng, sizeof *s->f);
    if (!s->level || !s->floor || !s->ceil || !s->step || !s->up || !s->down || !s->f ||
        outcome_alloc(&s->at_up, a->n, ng, a->m->n_funders) ||
        outcome_alloc(&s->at_down, a->n, ng, a->m->n_funders))
        return -1;
    return PC_OK;
}

/* The envelope's unit, for messages. */
static const char *unit_of(const allocator *a)
{
    return a->opt->in_euros ? "euros" : "ETP";
}

/* The fewest places of each group (in its mix) that meet the constraint on its queues,
 * every group at once (each one's waits depend on its own places only): doubling from
 * the current places until it holds, then bisection. */
static int constraint_floors(allocator *a, const long *ceil_, long *cfloor, outcome *o, pc_err *err)
{
    size_t n = a->n_groups;
    long *lo = pc_calloc(n, sizeof *lo), *hi = pc_calloc(n, sizeof *hi),
         *x = pc_calloc(n, sizeof *x);
    int rc = lo && hi && x ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t g = 0; g < n && !rc; g++) {
        lo[g] = hi[g] = -1;
        x[g] = a->group_now[g] > 0 ? a->group_now[g] : 1;
    }
    const long cap = 10000000;
    while (!rc) {
        if ((rc = evaluate(a, x, o, err)))
            break;
        int done = 1;
        for (size_t g = 0; g < n; g++) {
            if (o->cons_met[g])
                hi[g] = hi[g] < 0 || x[g] < hi[g] ? x[g] : hi[g];
            else
                lo[g] = x[g] > lo[g] ? x[g] : lo[g];
            if (hi[g] < 0) {
                long limit = ceil_[g] < cap ? ceil_[g] : cap;
                if (lo[g] >= limit) {
                    char name[300];
                    group_name(a, g, name, sizeof name);
                    rc = pc_fail(err, PC_EINPUT,
                                 "--constraint '%s' cannot be met for %s with %ld places%s: "
                                 "%s = %.4g",
                                 a->cons[g].text, name, lo[g],
                                 ceil_[g] < cap ? " (its ceiling, --max-share)" : "",
                                 a->cons[g].statistic, o->cons[g].value);
                    break;
                }
                x[g] = 2 * lo[g] < limit ? 2 * lo[g] : limit;
                done = 0;
            } else if (hi[g] == 0 || hi[g] - lo[g] <= 1) {
                x[g] = hi[g];
            } else if (lo[g] < 0) {
                x[g] = hi[g] / 2;
                done = 0;
            } else {
                x[g] = lo[g] + (hi[g] - lo[g]) / 2;
                done = 0;
            }
        }
        if (done || rc)
            break;
    }
    for (size_t g = 0; g < n && !rc; g++)
        cfloor[g] = hi[g];
    free(lo);
    free(hi);
    free(x);
    return rc;
}

/* Each group's floor and ceiling, and the envelope left above the floors.  The floors are
 * --min-share of the current places and, with a constraint, the fewest places that meet
 * it.  PC_EINPUT when they conflict or exceed the envelope. */
static int set_floors(allocator *a, search *s, long *cfloor, capacity_share_result *res,
                      pc_err *err)
{
    const capacity_share_options *opt = a->opt;
    double floors = 0, now = 0, cons = 0;
    for (size_t g = 0; g < a->n_groups; g++) {
        double c = (double)a->group_now[g];
        s->floor[g] = (long)ceil(opt->min_share * c - ETP_SLACK);
        s->ceil[g] = opt->max_share > 0 ? (long)floor(opt->max_share * c + ETP_SLACK) : LONG_MAX;
    }
    if (opt->constraint) {
        int rc = constraint_floors(a, s->ceil, cfloor, &s->at_up, err);
        if (rc)
            return rc;
    }
    for (size_t g = 0; g < a->n_groups; g++) {
        if (opt->constraint && cfloor[g] > s->floor[g]) {
            cons += group_cost(a, g, cfloor[g]) - group_cost(a, g, s->floor[g]);
            s->floor[g] = cfloor[g];
        }
        s->level[g] = s->floor[g];
        floors += group_cost(a, g, s->floor[g]);
        now += group_cost(a, g, a->group_now[g]);
    }
    res->floors = floors;
    res->constraint_cost = cons;
    if (floors > opt->envelope + SLACK(a)) {
        if (opt->constraint)
            return pc_fail(err, PC_EINPUT,
                           "--envelope %.6g %s is smaller than the floors: %.6g %s, of which "
                           "%.6g above --min-share %.6g to meet --constraint '%s' in every "
                           "group (the current places cost %.6g)",
                           opt->envelope, unit_of(a), floors, unit_of(a), cons, opt->min_share,
                           opt->constraint, now);
        return pc_fail(err, PC_EINPUT,
                       "--envelope %.6g %s is smaller than the floors: %.6g %s (--min-share "
                       "%.6g of the current %.6g %s)",
                       opt->envelope, unit_of(a), floors, unit_of(a), opt->min_share, now,
                       unit_of(a));
    }
    s->left = opt->envelope - floors;
    return PC_OK;
}

/* Greedy steps and exchanges of h (the envelope's unit), h halving down to one place.
 * *idle: at the finest step, some of the envelope was left that lowered no waiting. */
static int refine(allocator *a, search *s, double h, int *idle, pc_err *err)
{
    for (;;) {
        int finest = 1;
        for (size_t g = 0; g < a->n_groups; g++) {
            /* the mean price of a place of the group, in its mix */
            double price = 0;
            for (size_t i = 0; i < a->n; i++)
                if (a->group[i] == g)
                    price += a->mix[i] * a->price[i];
            long p = price > 0 ? lround(h / price) : 1;
            s->step[g] = p > 1 ? p : 1;
            finest &= s->step[g] == 1;
        }
        int g = greedy(a, s, err);
        if (g >= 0) {
            /* an exchange between groups of different prices may free a step */
            int rc = exchange(a, s, err);
            if (rc)
                return rc;
            g = greedy(a, s, err);
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

/* The label of group g: its resource's when alone, else its population's (the first
 * population of its resources' states). */
static const char *group_label(const allocator *a, size_t g)
{
    const mdl_model *m = a->m;
    size_t count = 0, first = 0;
    for (size_t i = a->n; i-- > 0;)
        if (a->group[i] == g) {
            count++;
            first = i;
        }
    const mdl_resource *r = &m->resources[a->res[first]];
    if (count == 1)
        return r->label ? r->label : r->name;
    for (size_t s = 0; s < m->n_states; s++)
        if (m->states[s].resource == a->res[first]) {
            const mdl_population *p = &m->populations[m->states[s].population];
            return p->label ? p->label : p->name;
        }
    return r->name;
}

/* The result's lines (by group), groups and funders: before (the current places) and
 * after. */
static int share_result(const allocator *a, const search *s, const long *cfloor,
                        const outcome *before, const outcome *after, capacity_share_result *res,
                        pc_err *err)
{
    const mdl_model *m = a->m;
    size_t nf = m->n_funders, line = 0;
    for (size_t g = 0; g < a->n_groups; g++) {
        capacity_share_group *gr = &res->groups[g];
        if (!(gr->label = pc_strdup(group_label(a, g))))
            return pc_fail(err, PC_EENV, "out of memory");
        gr->before = before->g[g];
        gr->after = after->g[g];
        if (a->cons) {
            gr->constraint_before = before->cons[g];
            gr->constraint_after = after->cons[g];
        }
        for (size_t i = 0; i < a->n; i++) {
            if (a->group[i] != g)
                continue;
            capacity_share_line *l = &res->lines[line];
            const mdl_resource *r = &m->resources[a->res[i]];
            if (!(l->resource = pc_strdup(r->name)) ||
                !(l->label = pc_strdup(r->label ? r->label : r->name)))
                return pc_fail(err, PC_EENV, "out of memory");
            l->group = g;
            l->etp_weight = a->w[i];
            l->mix = a->mix[i];
            l->price = a->price[i];
            l->current = a->current[i];
            l->floor = places_at(a, i, s->floor[g]);
            l->allocated = places_at(a, i, s->level[g]);
            l->ceiling = s->ceil[g] == LONG_MAX ? LONG_MAX : places_at(a, i, s->ceil[g]);
            l->constraint_floor = a->cons ? places_at(a, i, cfloor[g]) : 0;
            l->before = before->r[i];
            l->after = after->r[i];
            l->cost_before = a->funder >= 0 ? before->cost[i * nf + (size_t)a->funder] : 0;
            l->cost_after = a->funder >= 0 ? after->cost[i * nf + (size_t)a->funder] : 0;
            for (size_t f = 0; f < nf; f++) {
                res->line_funder_before[line * nf + f] = before->cost[i * nf + f];
                res->line_funder_after[line * nf + f] = after->cost[i * nf + f];
            }
            gr->n++;
            gr->etp_current += (double)l->current * l->etp_weight;
            gr->etp_floor += (double)l->floor * l->etp_weight;
            gr->etp_allocated += (double)l->allocated * l->etp_weight;
            gr->etp_constraint += (double)l->constraint_floor * l->etp_weight;
            line++;
        }
    }
    for (size_t f = 0; f < nf; f++) {
        if (!(res->funders[f] = pc_strdup(m->funders[f])))
            return pc_fail(err, PC_EENV, "out of memory");
        res->funder_before[f] = before->by_funder[f];
        res->funder_before_p05[f] = before->by_funder_p05[f];
        res->funder_before_p95[f] = before->by_funder_p95[f];
        res->funder_after[f] = after->by_funder[f];
        res->funder_after_p05[f] = after->by_funder_p05[f];
        res->funder_after_p95[f] = after->by_funder_p95[f];
    }
    res->total_before = before->total;
    res->total_after = after->total;
    res->unserved_before = before->total_unserved;
    res->unserved_after = after->total_unserved;
    return PC_OK;
}

static capacity_share_result *result_alloc(size_t n, size_t n_groups, size_t n_funders)
{
    capacity_share_result *r = pc_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    size_t nf = n_funders ? n_funders : 1;
    r->n = n;
    r->n_groups = n_groups;
    r->n_funders = n_funders;
    r->lines = pc_calloc(n, sizeof *r->lines);
    r->groups = pc_calloc(n_groups, sizeof *r->groups);
    r->funders = pc_calloc(nf, sizeof *r->funders);
    r->funder_before = pc_calloc(nf, sizeof(double));
    r->funder_before_p05 = pc_calloc(nf, sizeof(double));
    r->funder_before_p95 = pc_calloc(nf, sizeof(double));
    r->funder_after = pc_calloc(nf, sizeof(double));
    r->funder_after_p05 = pc_calloc(nf, sizeof(double));
    r->funder_after_p95 = pc_calloc(nf, sizeof(double));
    r->line_funder_before = pc_calloc(n * nf, sizeof(double));
    r->line_funder_after = pc_calloc(n * nf, sizeof(double));
    if (!r->lines || !r->groups || !r->funders || !r->funder_before || !r->funder_before_p05 ||
        !r->funder_before_p95 || !r->funder_after || !r->funder_after_p05 || !r->funder_after_p95 ||
        !r->line_funder_before || !r->line_funder_after) {
        capacity_share_result_free(r);
        return NULL;
    }
    return r;
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
    long *cfloor = NULL;
    int rc = allocator_init(&a, m, opt, err), idle = 0;
    if (rc)
        goto fail;
    size_t n = a.n, ng = a.n_groups;
    cfloor = pc_calloc(ng, sizeof *cfloor);
    res = result_alloc(n, ng, m->n_funders);
    if (!cfloor || !res || search_alloc(&s, &a) || outcome_alloc(&before, n, ng, m->n_funders) ||
        outcome_alloc(&after, n, ng, m->n_funders)) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    /* Before: the current places.  An envelope in euros buys places at what the funder
     * pays for them a year (its unit-year costs on funded places). */
    if ((rc = evaluate(&a, a.group_now, &before, err)))
        goto fail;
    for (size_t i = 0; i < n && opt->in_euros; i++) {
        a.price[i] = a.current[i] > 0 ? before.funded[i] / (double)a.current[i] : 0.0;
        if (!(a.price[i] > 0)) {
            rc = pc_fail(err, PC_EINPUT,
                         "resource %s: %s pays nothing for its places%s; share ETP instead",
                         m->resources[a.res[i]].name, opt->funder,
                         a.current[i] > 0 ? "" : " (it has none to price them)");
            goto fail;
        }
    }
    if ((rc = set_floors(&a, &s, cfloor, res, err)))
        goto fail;
    /* The waiting at the floors. */
    if ((rc = evaluate(&a, s.level, &s.at_up, err)))
        goto fail;
    for (size_t g = 0; g < ng; g++)
        s.f[g] = objective_of(&a, &s.at_up, (long)g);
    res->first_step = opt->step > 0 ? opt->step : s.left / 32;
    if ((rc = refine(&a, &s, res->first_step, &idle, err)))
        goto fail;
    if (idle)
        res->idle = spread(&a, &s);
    res->unused = s.left > 0 ? s.left : 0;
    if ((rc = evaluate(&a, s.level, &after, err)) ||
        (rc = share_result(&a, &s, cfloor, &before, &after, res, err)))
        goto fail;
    res->runs = a.runs;
    res->first = a.first;
    res->last = a.last;
    *out = res;
    res = NULL;
fail:
    capacity_share_result_free(res);
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
          "wait_before_p95,wait_after_p05,wait_after_p95,group,group_constraint_before,"
          "group_constraint_after\n",
          f);
    for (size_t i = 0; i < r->n; i++) {
        const capacity_share_line *l = &r->lines[i];
        const capacity_share_group *g = &r->groups[l->group];
        fsio_csv_text(f, l->resource, 1);
        fsio_csv_text(f, l->resource + prefix_len, 0);
        fsio_csv_number(f, l->etp_weight, 0);
        fprintf(f, ",%ld,%ld,%ld", l->current, l->floor, l->allocated);
        const double v[] = {(double)l->current * l->etp_weight,
                            (double)l->allocated * l->etp_weight,
                            l->before.wait,
                            l->after.wait,
                            l->before.days,
                            l->after.days,
                            l->before.unserved,
                            l->after.unserved,
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
        const double w[] = {l->before.wait_p05, l->before.wait_p95, l->after.wait_p05,
                            l->after.wait_p95};
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
            fsio_csv_number(f, w[k], 0);
        fsio_csv_text(f, g->label, 0);
        fsio_csv_number(f, g->constraint_before.value, 0);
        fsio_csv_number(f, g->constraint_after.value, 0);
        fputc('\n', f);
    }
    return fsio_commit(&out, PC_OK, err);
}
