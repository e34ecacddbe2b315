/* joint — the cheapest capacities of several resources that meet several targets (joint.h). */
#include "joint.h"

#include <fnmatch.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "core/cfg.h"
#include "core/fsio.h"
#include "core/rec.h"
#include "runs.h"

/* ---- resources ------------------------------------------------------------------------- */

int joint_match(const mdl_model *m, const char *pattern, int *idx, size_t *n, pc_err *err)
{
    int any = 0;
    for (size_t r = 0; r < m->n_resources; r++) {
        const char *name = m->resources[r].name;
        if (strcmp(name, pattern) && fnmatch(pattern, name, 0))
            continue;
        any = 1;
        int seen = 0;
        for (size_t i = 0; i < *n; i++)
            seen |= idx[i] == (int)r;
        if (!seen)
            idx[(*n)++] = (int)r;
    }
    if (!any)
        return pc_fail(err, PC_EINPUT,
                       "--resource %s: no resource of the model has this name or matches this "
                       "pattern",
                       pattern);
    return PC_OK;
}

void joint_unsized(const mdl_model *m, const char *queue, const int *idx, size_t n, char *buf,
                   size_t size)
{
    buf[0] = '\0';
    int q = mdl_state_index(m, queue);
    size_t used = 0;
    for (size_t r = 0; q >= 0 && r < m->n_resources; r++) {
        int waits = 0, sized = 0;
        for (size_t s = 0; s < m->n_states; s++)
            waits |= m->states[s].resource == (int)r && m->states[s].queue == q;
        for (size_t i = 0; i < n; i++)
            sized |= idx[i] == (int)r;
        if (!waits || sized || used + 1 >= size)
            continue;
        int w = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", m->resources[r].name);
        used = w > 0 && used + (size_t)w < size ? used + (size_t)w : size - 1;
    }
}

/* ---- the search's state ---------------------------------------------------------------- */

typedef struct {
    const mdl_model *m;
    const joint_options *opt;
    size_t n, nf, nt;
    int *res;
    char **keys;
    double *w;    /* ETP per place */
    double *unit; /* cost per place a year in the options' unit (set after the first run) */
    double *unit_funder;
    size_t first, last;
    int fy, fm;
    runs_plan *plan;
    size_t runs;
    size_t n_pts, cap_pts;
    joint_point *pts;
    double *cap_cost; /* scratch: [rep][funder] */
} joint;

static void point_free(joint_point *p)
{
    free(p->capacity);
    free(p->target);
    free(p->fund_mean);
    free(p->fund_p05);
    free(p->fund_p95);
    free(p->total_mean);
    free(p->total_p05);
    free(p->total_p95);
    memset(p, 0, sizeof *p);
}

static int point_alloc(joint_point *p, size_t n, size_t nt, size_t nf)
{
    memset(p, 0, sizeof *p);
    p->capacity = pc_calloc(n ? n : 1, sizeof *p->capacity);
    p->target = pc_calloc(nt ? nt : 1, sizeof *p->target);
    p->fund_mean = pc_calloc(nf + 1, sizeof(double));
    p->fund_p05 = pc_calloc(nf + 1, sizeof(double));
    p->fund_p95 = pc_calloc(nf + 1, sizeof(double));
    p->total_mean = pc_calloc(nf + 1, sizeof(double));
    p->total_p05 = pc_calloc(nf + 1, sizeof(double));
    p->total_p95 = pc_calloc(nf + 1, sizeof(double));
    if (!p->capacity || !p->target || !p->fund_mean || !p->fund_p05 || !p->fund_p95 ||
        !p->total_mean || !p->total_p05 || !p->total_p95) {
        point_free(p);
        return -1;
    }
    return PC_OK;
}

static int point_copy(joint_point *to, const joint_point *from, size_t n, size_t nt, size_t nf)
{
    if (point_alloc(to, n, nt, nf))
        return -1;
    memcpy(to->capacity, from->capacity, n * sizeof *to->capacity);
    memcpy(to->target, from->target, nt * sizeof *to->target);
    to->met = from->met;
    to->cost = from->cost;
    size_t b = (nf + 1) * sizeof(double);
    memcpy(to->fund_mean, from->fund_mean, b);
    memcpy(to->fund_p05, from->fund_p05, b);
    memcpy(to->fund_p95, from->fund_p95, b);
    memcpy(to->total_mean, from->total_mean, b);
    memcpy(to->total_p05, from->total_p05, b);
    memcpy(to->total_p95, from->total_p95, b);
    return PC_OK;
}

static void joint_clear(joint *j)
{
    if (j->keys)
        for (size_t i = 0; i < j->n; i++)
            free(j->keys[i]);
    free(j->keys);
    free(j->res);
    free(j->w);
    free(j->unit);
    free(j->unit_funder);
    for (size_t i = 0; i < j->n_pts; i++)
        point_free(&j->pts[i]);
    free(j->pts);
    free(j->cap_cost);
    runs_plan_free(j->plan);
}

static double point_cost(const joint *j, const long *x)
{
    double c = 0;
    for (size_t i = 0; i < j->n; i++)
        c += (double)x[i] * j->unit[i];
    return c;
}

/* The mean, 5th and 95th percentiles of v[0..n) (sorted in place). */
static void interval(double *v, size_t n, double *mean, double *p05, double *p95)
{
    if (n == 0) {
        *mean = *p05 = *p95 = 0;
        return;
    }
    *mean = gsl_stats_mean(v, 1, n);
    gsl_sort(v, 1, n);
    *p05 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.05);
    *p95 = gsl_stats_quantile_from_sorted_data(v, 1, n, 0.95);
}

/* The funders' costs of a run over the period, a year: the capacities' (unit-year costs
 * on the sized resources paying for funded places), by resource for the unit costs, and
 * every funder's whole spending. */
static int run_costs(joint *j, const mc_result *r, joint_point *p, double *by_resource, pc_err *err)
{
    const mdl_model *m = j->m;
    size_t reps = r->reps, nf = j->nf;
    double years = (double)(j->last - j->first + 1) / 12.0;
    double *v = pc_calloc(reps ? reps : 1, sizeof *v);
    if (!v)
        return pc_fail(err, PC_EENV, "out of memory");
    memset(j->cap_cost, 0, reps * (nf + 1) * sizeof *j->cap_cost);
    if (by_resource)
        memset(by_resource, 0, j->n * nf * sizeof *by_resource);
    for (size_t c = 0; c < m->n_costs; c++) {
        const mdl_cost *co = &m->costs[c];
        if (co->per != MDL_COST_UNIT_YEAR || co->occupied || co->funder < 0)
            continue;
        size_t i = 0;
        while (i < j->n && j->res[i] != co->resource)
            i++;
        if (i == j->n)
            continue;
        char name[300];
        snprintf(name, sizeof name, "cost.%s", co->name);
        long var = rec_find(r->catalog, name);
        for (size_t rep = 0; var >= 0 && rep < reps; rep++) {
            double y = target_period_sum(r, rep, (size_t)var, j->first, j->last) / years;
            j->cap_cost[rep * (nf + 1) + (size_t)co->funder] += y;
            j->cap_cost[rep * (nf + 1) + nf] += y;
            if (by_resource)
                by_resource[i * nf + (size_t)co->funder] += y / (double)reps;
        }
    }
    for (size_t f = 0; f <= nf; f++) {
        for (size_t rep = 0; rep < reps; rep++)
            v[rep] = j->cap_cost[rep * (nf + 1) + f];
        interval(v, reps, &p->fund_mean[f], &p->fund_p05[f], &p->fund_p95[f]);
        long var = -1;
        if (f < nf) {
            char name[300];
            snprintf(name, sizeof name, "funder.%s", m->funders[f]);
            var = rec_find(r->catalog, name);
        } else {
            var = rec_find(r->catalog, "cost.total");
        }
        for (size_t rep = 0; rep < reps; rep++)
            v[rep] =
                var >= 0 ? target_period_sum(r, rep, (size_t)var, j->first, j->last) / years : 0;
        interval(v, reps, &p->total_mean[f], &p->total_p05[f], &p->total_p95[f]);
    }
    free(v);
    return PC_OK;
}

static joint_point *find_point(const joint *j, const long *x)
{
    for (size_t i = 0; i < j->n_pts; i++)
        if (!memcmp(j->pts[i].capacity, x, j->n * sizeof *x))
            return &j->pts[i];
    return NULL;
}

/* The point at capacities x, from a run unless tried already.  by_resource (optional):
 * the capacities' yearly cost by resource and funder, filled only by a run. */
static int evaluate(joint *j, const long *x, joint_point **out, double *by_resource, pc_err *err)
{
    if (!by_resource && (*out = find_point(j, x)))
        return PC_OK;
    if (j->n_pts == j->cap_pts) {
        size_t cap = j->cap_pts ? 2 * j->cap_pts : 32;
        joint_point *bigger = realloc(j->pts, cap * sizeof *bigger);
        if (!bigger)
            return pc_fail(err, PC_EENV, "out of memory");
        j->pts = bigger;
        j->cap_pts = cap;
    }
    double *values = pc_calloc(j->n, sizeof *values);
    if (!values)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < j->n; i++)
        values[i] = (double)x[i];
    mc_options sim = j->opt->sim;
    for (size_t t = 0; t < j->nt; t++)
        sim.wait_histogram |= j->opt->targets[t].queue[0] != 0;
    sim.wait_from = (double)j->first * MDL_DAYS_PER_MONTH;
    sim.wait_to = (double)(j->last + 1) * MDL_DAYS_PER_MONTH;
    runs_variant run;
    int rc = runs_plan_run(j->plan, values, &sim, &run, err);
    free(values);
    if (rc)
        return rc;
    j->runs++;
    if (!j->cap_cost &&
        !(j->cap_cost = pc_calloc(run.result->reps * (j->nf + 1), sizeof *j->cap_cost))) {
        runs_clear(&run);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    joint_point *p = &j->pts[j->n_pts];
    if (point_alloc(p, j->n, j->nt, j->nf)) {
        runs_clear(&run);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    memcpy(p->capacity, x, j->n * sizeof *x);
    p->met = 1;
    for (size_t t = 0; t < j->nt && !rc; t++) {
        rc = target_measure(&j->opt->targets[t], run.result, j->first, j->last, &p->target[t].est,
                            err);
        p->target[t].met = !rc && target_holds(&j->opt->targets[t], &p->target[t].est);
        p->met &= p->target[t].met;
    }
    if (!rc)
        rc = run_costs(j, run.result, p, by_resource, err);
    runs_clear(&run);
    if (rc) {
        point_free(p);
        return rc;
    }
    p->cost = j->unit ? point_cost(j, x) : 0;
    j->n_pts++;
    if (j->opt->progress) {
        joint_step step = {
            .runs = j->runs, .n = j->n, .capacity = x, .cost = p->cost, .met = p->met};
        j->opt->progress(j->opt->progress_ctx, &step);
    }
    *out = p;
    return PC_OK;
}

/* How far a point is from meeting the targets: the sum of each target's shortfall
 * relative to its bound (0 when every target holds). */
static double shortfall(const joint *j, const joint_point *p)
{
    double v = 0;
    for (size_t t = 0; t < j->nt; t++) {
        const target_expr *g = &j->opt->targets[t];
        if (p->target[t].met)
            continue;
        double x = g->confidence > 0 ? p->target[t].est.at_confidence : p->target[t].est.value;
        double gap = g->op == TARGET_LE || g->op == TARGET_LT ? x - g->bound : g->bound - x;
        double scale = fabs(g->bound) > 0 ? fabs(g->bound) : 1.0;
        if (!isfinite(gap))
            gap = 1e6 * scale;
        v += fmax(gap, 0.0) / scale + 1e-12;
    }
    return v;
}

/* ---- the search ------------------------------------------------------------------------ */

typedef struct {
    long *x, *step, *trial;
} state;

/* Adds the step of the resource that lowers the shortfall most per unit of cost until
 * every target holds.  Steps double when none lowers it.  PC_EINPUT (with the reason)
 * when no step of any resource within --max lowers it. */
static int climb(joint *j, state *s, pc_err *err)
{
    joint_point *p;
    int rc = evaluate(j, s->x, &p, NULL, err);
    while (!rc && !p->met) {
        double now = shortfall(j, p), best = 0;
        long bi = -1, badd = 0;
        int room = 0;
        for (size_t i = 0; i < j->n && !rc; i++) {
            long add = s->step[i] < j->opt->max - s->x[i] ? s->step[i] : j->opt->max - s->x[i];
            if (add <= 0)
                continue;
            room |= add == s->step[i];
            memcpy(s->trial, s->x, j->n * sizeof *s->x);
            s->trial[i] += add;
            joint_point *q;
            if ((rc = evaluate(j, s->trial, &q, NULL, err)))
                break;
            double gain = (now - shortfall(j, q)) / ((double)add * j->unit[i]);
            if (gain > best) {
                best = gain;
                bi = (long)i;
                badd = add;
            }
        }
        if (rc)
            break;
        if (bi < 0) {
            if (!room)
                return PC_EINPUT; /* the caller says why */
            for (size_t i = 0; i < j->n; i++)
                s->step[i] = s->step[i] < j->opt->max / 2 ? 2 * s->step[i] : j->opt->max;
            continue;
        }
        s->x[bi] += badd;
        rc = evaluate(j, s->x, &p, NULL, err);
    }
    return rc;
}

/* While every target holds: remove the step that saves most and still meets them; then
 * exchange a step of one resource for a cheaper step of another that meets them. */
static int descend(joint *j, state *s, pc_err *err)
{
    for (;;) {
        long bi = -1, bj = -1, bdi = 0, bdj = 0;
        double best = 0;
        int rc = PC_OK;
        for (size_t i = 0; i < j->n && !rc; i++) {
            long d = s->step[i] < s->x[i] ? s->step[i] : s->x[i];
            if (d <= 0)
                continue;
            memcpy(s->trial, s->x, j->n * sizeof *s->x);
            s->trial[i] -= d;
            joint_point *q;
            if ((rc = evaluate(j, s->trial, &q, NULL, err)))
                break;
            double saving = (double)d * j->unit[i];
            if (q->met && saving > best) {
                best = saving;
                bi = (long)i;
                bdi = d;
            }
        }
        if (rc)
            return rc;
        if (bi < 0 && j->n > 1 && j->n <= JOINT_EXCHANGE_MAX) {
            for (size_t i = 0; i < j->n && !rc; i++) {
                long d = s->step[i] < s->x[i] ? s->step[i] : s->x[i];
                if (d <= 0)
                    continue;
                for (size_t k = 0; k < j->n && !rc; k++) {
                    long add =
                        s->step[k] < j->opt->max - s->x[k] ? s->step[k] : j->opt->max - s->x[k];
                    double saving = (double)d * j->unit[i] - (double)add * j->unit[k];
                    if (k == i || add <= 0 || saving <= best)
                        continue;
                    memcpy(s->trial, s->x, j->n * sizeof *s->x);
                    s->trial[i] -= d;
                    s->trial[k] += add;
                    joint_point *q;
                    if ((rc = evaluate(j, s->trial, &q, NULL, err)))
                        break;
                    if (q->met) {
                        best = saving;
                        bi = (long)i;
                        bdi = d;
                        bj = (long)k;
                        bdj = add;
                    }
                }
            }
        }
        if (rc)
            return rc;
        if (bi < 0)
            return PC_OK;
        s->x[bi] -= bdi;
        if (bj >= 0)
            s->x[bj] += bdj;
    }
}

/* Why the targets cannot be met: each failing target, its value at the last point,
 * and the resources of its queue that are not sized. */
static int explain(const joint *j, const state *s, pc_err *err)
{
    const joint_point *p = find_point(j, s->x);
    char msg[1600];
    size_t used = 0;
    msg[0] = '\0';
    for (size_t t = 0; p && t < j->nt; t++) {
        const target_expr *g = &j->opt->targets[t];
        if (p->target[t].met)
            continue;
        int share = g->stat == TARGET_SHARE;
        double v = p->target[t].est.value * (share ? 100 : 1);
        char unsized[600];
        unsized[0] = '\0';
        if (g->queue[0])
            joint_unsized(j->m, g->queue, j->res, j->n, unsized, sizeof unsized);
        int w = snprintf(msg + used, sizeof msg - used, "%s'%s': %s = %.4g%s", used ? "; " : "",
                         g->text, g->statistic, v, share ? " %" : (g->queue[0] ? " days" : ""));
        used = w > 0 && used + (size_t)w < sizeof msg ? used + (size_t)w : sizeof msg - 1;
        if (g->confidence > 0) {
            w = snprintf(msg + used, sizeof msg - used, ", met in %.0f %% of the replications",
                         100 * p->target[t].est.prob);
            used = w > 0 && used + (size_t)w < sizeof msg ? used + (size_t)w : sizeof msg - 1;
        }
        if (unsized[0]) {
            w = snprintf(msg + used, sizeof msg - used,
                         " (queue %s is also the queue of %s, which are not sized: their "
                         "waits bind; add them with --resource)",
                         g->queue, unsized);
            used = w > 0 && used + (size_t)w < sizeof msg ? used + (size_t)w : sizeof msg - 1;
        }
    }
    char places[600];
    size_t pu = 0;
    places[0] = '\0';
    for (size_t i = 0; i < j->n; i++) {
        int w = snprintf(places + pu, sizeof places - pu, "%s%s %ld", i ? ", " : "",
                         j->m->resources[j->res[i]].name, s->x[i]);
        pu = w > 0 && pu + (size_t)w < sizeof places ? pu + (size_t)w : sizeof places - 1;
    }
    return pc_fail(err, PC_EINPUT,
                   "the targets cannot be met: no more places of the resources sized lower "
                   "them within --max %ld (at %s): %s",
                   j->opt->max, places, msg);
}

/* ---- setting up ------------------------------------------------------------------------ */

static int joint_init(joint *j, const mdl_model *m, const joint_options *opt, pc_err *err)
{
    memset(j, 0, sizeof *j);
    j->m = m;
    j->opt = opt;
    j->nf = m->n_funders;
    j->nt = opt->n_targets;
    if (opt->n_targets == 0)
        return pc_fail(err, PC_EINPUT, "--target: at least one target is needed");
    if (opt->max < 1)
        return pc_fail(err, PC_EINPUT, "--max: expected a capacity of 1 or more");
    j->res = pc_calloc(m->n_resources ? m->n_resources : 1, sizeof *j->res);
    if (!j->res)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t k = 0; k < opt->n_resources; k++) {
        int rc = joint_match(m, opt->resources[k], j->res, &j->n, err);
        if (rc)
            return rc;
    }
    if (j->n == 0)
        return pc_fail(err, PC_EINPUT, "--resource: at least one resource is needed");
    int fi = -1;
    if (opt->funder) {
        for (size_t f = 0; f < m->n_funders; f++)
            if (!strcmp(m->funders[f], opt->funder))
                fi = (int)f;
        if (fi < 0)
            return pc_fail(err, PC_EINPUT, "--funder %s: no cost of the model has this funder",
                           opt->funder);
    }
    if (opt->from_year == 0) {
        j->first = 0;
        mdl_month_of(m, 0, &j->fy, &j->fm);
    } else {
        long k = (long)(opt->from_year - m->start_year) * 12 + (opt->from_month - m->start_month);
        if (k < 0 || k >= m->horizon)
            return pc_fail(err, PC_EINPUT,
                           "--from %04d-%02d: outside the model's months (%04d-%02d, %d months)",
                           opt->from_year, opt->from_month, m->start_year, m->start_month,
                           m->horizon);
        j->first = (size_t)k;
        j->fy = opt->from_year;
        j->fm = opt->from_month;
    }
    j->last = (size_t)m->horizon - 1;
    j->keys = pc_calloc(j->n, sizeof *j->keys);
    j->w = pc_calloc(j->n, sizeof *j->w);
    j->unit_funder = pc_calloc(j->n * (j->nf ? j->nf : 1), sizeof *j->unit_funder);
    if (!j->keys || !j->w || !j->unit_funder)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < j->n; i++) {
        char key[400];
        snprintf(key, sizeof key, "set.%04d-%02d.resource.%s.capacity", j->fy, j->fm,
                 m->resources[j->res[i]].name);
        if (!(j->keys[i] = pc_strdup(key)))
            return pc_fail(err, PC_EENV, "out of memory");
        j->w[i] = m->resources[j->res[i]].etp_weight;
    }
    (void)fi;
    return PC_OK;
}

/* The cost of a place a year in the options' unit, from a run at x (no zero): the
 * capacities' costs are proportional to the places. */
static int unit_costs(joint *j, const long *x, pc_err *err)
{
    const joint_options *opt = j->opt;
    double *by = pc_calloc(j->n * (j->nf ? j->nf : 1), sizeof *by);
    if (!by)
        return pc_fail(err, PC_EENV, "out of memory");
    joint_point *p;
    int rc = evaluate(j, x, &p, by, err);
    if (!rc && !(j->unit = pc_calloc(j->n, sizeof *j->unit)))
        rc = pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < j->n && !rc; i++) {
        double euros = 0;
        for (size_t f = 0; f < j->nf; f++) {
            j->unit_funder[i * j->nf + f] = by[i * j->nf + f] / (double)x[i];
            if (!opt->funder || !strcmp(opt->funder, j->m->funders[f]))
                euros += j->unit_funder[i * j->nf + f];
        }
        switch (opt->unit) {
        case JOINT_EUROS:
            j->unit[i] = euros;
            if (!(euros > 0))
                rc = pc_fail(err, PC_EINPUT,
                             "resource %s: no %s%scost is charged for its places (a unit-year "
                             "cost on funded places); size in ETP or places (--cost etp)",
                             j->m->resources[j->res[i]].name, opt->funder ? opt->funder : "",
                             opt->funder ? " " : "");
            break;
        case JOINT_ETP:
            j->unit[i] = j->w[i];
            break;
        case JOINT_PLACES:
            j->unit[i] = 1;
            break;
        }
    }
    free(by);
    /* the points already tried get their cost */
    for (size_t k = 0; k < j->n_pts && !rc; k++)
        j->pts[k].cost = point_cost(j, j->pts[k].capacity);
    return rc;
}

void joint_result_free(joint_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        if (r->resources)
            free(r->resources[i]);
        if (r->labels)
            free(r->labels[i]);
        if (r->below)
            point_free(&r->below[i]);
    }
    for (size_t f = 0; r->funders && f < r->n_funders; f++)
        free(r->funders[f]);
    free(r->resources);
    free(r->labels);
    free(r->below);
    free(r->funders);
    free(r->etp_weight);
    free(r->unit_cost);
    free(r->unit_funder);
    point_free(&r->current);
    point_free(&r->answer);
    free(r);
}

static int make_result(joint *j, const long *current, const long *x, joint_result **out,
                       pc_err *err)
{
    joint_result *r = pc_calloc(1, sizeof *r);
    if (!r)
        return pc_fail(err, PC_EENV, "out of memory");
    size_t n = j->n, nf = j->nf;
    r->n = n;
    r->n_funders = nf;
    r->n_targets = j->nt;
    r->first = j->first;
    r->last = j->last;
    r->from_year = j->fy;
    r->from_month = j->fm;
    r->resources = pc_calloc(n, sizeof *r->resources);
    r->labels = pc_calloc(n, sizeof *r->labels);
    r->below = pc_calloc(n, sizeof *r->below);
    r->funders = pc_calloc(nf ? nf : 1, sizeof *r->funders);
    r->etp_weight = pc_calloc(n, sizeof *r->etp_weight);
    r->unit_cost = pc_calloc(n, sizeof *r->unit_cost);
    r->unit_funder = pc_calloc(n * (nf ? nf : 1), sizeof *r->unit_funder);
    int rc = r->resources && r->labels && r->below && r->funders && r->etp_weight && r->unit_cost &&
                     r->unit_funder
                 ? PC_OK
                 : pc_fail(err, PC_EENV, "out of memory");
    for (size_t f = 0; f < nf && !rc; f++)
        if (!(r->funders[f] = pc_strdup(j->m->funders[f])))
            rc = pc_fail(err, PC_EENV, "out of memory");
    joint_point *p;
    if (!rc && !(rc = evaluate(j, current, &p, NULL, err)) &&
        point_copy(&r->current, p, n, j->nt, nf))
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc && !(rc = evaluate(j, x, &p, NULL, err)) && point_copy(&r->answer, p, n, j->nt, nf))
        rc = pc_fail(err, PC_EENV, "out of memory");
    long *t = pc_calloc(n, sizeof *t);
    if (!rc && !t)
        rc = pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        const mdl_resource *res = &j->m->resources[j->res[i]];
        if (!(r->resources[i] = pc_strdup(res->name)) ||
            !(r->labels[i] = pc_strdup(res->label ? res->label : res->name))) {
            rc = pc_fail(err, PC_EENV, "out of memory");
            break;
        }
        r->etp_weight[i] = j->w[i];
        double euros = 0;
        for (size_t f = 0; f < nf; f++) {
            r->unit_funder[i * nf + f] = j->unit_funder[i * nf + f];
            euros += j->unit_funder[i * nf + f];
        }
        r->unit_cost[i] = euros;
        if (x[i] == 0)
            continue;
        memcpy(t, x, n * sizeof *t);
        t[i]--;
        if (!(rc = evaluate(j, t, &p, NULL, err)) && point_copy(&r->below[i], p, n, j->nt, nf))
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    free(t);
    r->runs = j->runs;
    if (rc) {
        joint_result_free(r);
        return rc;
    }
    *out = r;
    return PC_OK;
}

int joint_size(const mdl_model *m, const joint_options *opt, joint_result **out, pc_err *err)
{
    *out = NULL;
    joint j;
    state s = {0};
    long *current = NULL;
    int rc = joint_init(&j, m, opt, err);
    if (rc)
        goto done;
    size_t n = j.n;
    current = pc_calloc(n, sizeof *current);
    s.x = pc_calloc(n, sizeof *s.x);
    s.step = pc_calloc(n, sizeof *s.step);
    s.trial = pc_calloc(n, sizeof *s.trial);
    char **vals = pc_calloc(n, sizeof *vals);
    char *buf = pc_calloc(n, 32);
    if (!current || !s.x || !s.step || !s.trial || !vals || !buf) {
        free(vals);
        free(buf);
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        double c =
            mdl_schedule_at(&m->resources[j.res[i]].capacity, (double)j.first * MDL_DAYS_PER_MONTH);
        current[i] = c > 0 ? lround(c) : 0;
        if (current[i] > opt->max)
            current[i] = opt->max;
        /* the search starts at the model's capacities, at least one place each (the
         * cost of a place is read from that run) */
        s.x[i] = current[i] > 0 ? current[i] : 1;
        s.step[i] = s.x[i] / 4 > 1 ? s.x[i] / 4 : 1;
        snprintf(buf + 32 * i, 32, "%ld", s.x[i]);
        vals[i] = buf + 32 * i;
    }
    rc =
        runs_plan_alloc(m, n, (const char *const *)j.keys, (const char *const *)vals, &j.plan, err);
    free(vals);
    free(buf);
    if (rc || (rc = unit_costs(&j, s.x, err)))
        goto done;
    if ((rc = climb(&j, &s, err))) {
        if (rc == PC_EINPUT)
            rc = explain(&j, &s, err);
        goto done;
    }
    for (;;) {
        if ((rc = descend(&j, &s, err)))
            goto done;
        int finest = 1;
        for (size_t i = 0; i < n; i++) {
            finest &= s.step[i] == 1;
            s.step[i] = s.step[i] / 2 > 1 ? s.step[i] / 2 : 1;
        }
        if (finest)
            break;
    }
    rc = make_result(&j, current, s.x, out, err);
done:
    free(current);
    free(s.x);
    free(s.step);
    free(s.trial);
    joint_clear(&j);
    return rc;
}

/* ---- the overlay ------------------------------------------------------------------------ */

int joint_write_overlay(const mdl_model *m, const char *base_path, const char *overlay_path,
                        const char *label, const char *comment, int year, int month, size_t n,
                        char *const *resources, const long *capacity, pc_err *err)
{
    int rc = calib_check_overlay(m, overlay_path, err);
    if (rc)
        return rc;
    char *dir = fsio_directory_of(overlay_path), *base = realpath(base_path, NULL), *rel = NULL;
    if (!dir || !base) {
        free(dir);
        free(base);
        return pc_fail(err, PC_EINPUT, "--out %s: its folder or the base %s does not exist",
                       overlay_path, base_path);
    }
    if (!(rel = fsio_relative_path(dir, base))) {
        free(dir);
        free(base);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    fsio_file out;
    if (!(rc = fsio_open(&out, overlay_path, err))) {
        FILE *f = out.f;
        for (const char *c = comment; c && *c;) {
            const char *nl = strchr(c, '\n');
            size_t len = nl ? (size_t)(nl - c) : strlen(c);
            fprintf(f, "; %.*s\n", (int)len, c);
            c += len + (nl ? 1 : 0);
        }
        fprintf(f, "[scenario]\nlabel = %s\n%s = %s\n", label,
                cfg_find(m->doc, "scenario") ? "extends" : "model", rel);
        fprintf(f, "\n[set %04d-%02d]\n", year, month);
        for (size_t i = 0; i < n; i++)
            fprintf(f, "resource.%s.capacity = %ld\n", resources[i], capacity[i]);
        rc = fsio_commit(&out, PC_OK, err);
    }
    free(dir);
    free(base);
    free(rel);
    return rc;
}
