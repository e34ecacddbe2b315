/* alloc — capacity sizing and allocation of an ETP envelope (see alloc.h).
 *
 * Everything here is a loop around runs_with: the model with some capacities
 * set, run with the same seed and replications each time,
 * then measured over a period.  Results are deterministic for given options. */
#include "alloc.h"

#include <ctype.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rec.h"
#include "runs.h"

#define THREE_MONTHS (3.0 * MDL_DAYS_PER_MONTH) /* the engine's threshold of wait.Q.over3m */

/* The options of mc_run for every evaluation. */
static mc_options mc_options_of(const alloc_sim *sim)
{
    return (mc_options){.reps = sim->reps,
                        .seed = sim->seed,
                        .threads = sim->threads,
                        .wait_histogram = sim->wait_histogram,
                        .wait_from = sim->wait_from,
                        .wait_to = sim->wait_to};
}

/* ---- waits ------------------------------------------------------------------------- */

double alloc_wait_survival(double mean, double share3m, double t)
{
    const double tau = THREE_MONTHS;
    if (t <= 0)
        return 1.0;
    if (!(mean > 0))
        return 0.0;
    if (share3m <= 0) /* nobody waited over 3 months */
        return t < tau ? exp(-t / mean) : 0.0;
    if (share3m >= 1) { /* everybody did */
        if (t <= tau)
            return 1.0;
        return mean > tau ? exp(-(t - tau) / (mean - tau)) : 0.0;
    }
    double a = -log(share3m) / tau;
    if (t <= tau)
        return exp(-a * t);
    double tail = mean - (1 - share3m) / a; /* the mean's part beyond 3 months: share / b */
    double b = tail > 0 ? share3m / tail : a;
    return share3m * exp(-b * (t - tau));
}

double alloc_wait_quantile(double mean, double share3m, double p)
{
    const double tau = THREE_MONTHS;
    double q = 1 - p; /* the survival to reach */
    if (!(mean > 0) || q >= 1)
        return 0.0;
    if (share3m <= 0)
        return fmin(-mean * log(q), tau);
    if (share3m >= 1)
        return mean > tau ? tau - (mean - tau) * log(q) : tau;
    double a = -log(share3m) / tau;
    if (q >= share3m)
        return -log(q) / a;
    double tail = mean - (1 - share3m) / a;
    double b = tail > 0 ? share3m / tail : a;
    return tau + log(share3m / q) / b;
}

/* ---- targets ----------------------------------------------------------------------- */

static const char *skip_blank(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    return p;
}

/* A number with an optional unit: d w m y (to days, *unit = 'd'), % (to a
 * fraction, *unit = '%'), or none (*unit = 0).  Returns the end, or NULL. */
static const char *read_quantity(const char *p, double *value, char *unit)
{
    p = skip_blank(p);
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v))
        return NULL;
    for (const char *q = p; q < end; q++)
        if (!(isdigit((unsigned char)*q) || strchr("+-.eE", *q)))
            return NULL;
    p = skip_blank(end);
    *unit = 0;
    static const char units[] = "dwmy";
    const char *u = *p ? strchr(units, *p) : NULL;
    if (u && !isalnum((unsigned char)p[1])) {
        static const double days[] = {1.0, 7.0, MDL_DAYS_PER_MONTH, MDL_DAYS_PER_YEAR};
        v *= days[u - units];
        *unit = 'd';
        p++;
    } else if (*p == '%') {
        v /= 100.0;
        *unit = '%';
        p++;
    }
    *value = v;
    return skip_blank(p);
}

/* The queue state of a wait subject "wait.Q" or "wait.Q.all", or -1. */
static int wait_queue(const mdl_model *m, const char *subject, int *all, char *queue, size_t size)
{
    if (strncmp(subject, "wait.", 5))
        return -1;
    snprintf(queue, size, "%s", subject + 5);
    *all = 0;
    size_t len = strlen(queue);
    int s = mdl_state_index(m, queue);
    if ((s < 0 || !m->states[s].is_queue) && len > 4 && !strcmp(queue + len - 4, ".all")) {
        queue[len - 4] = '\0';
        *all = 1;
        s = mdl_state_index(m, queue);
    }
    return s >= 0 && m->states[s].is_queue ? s : -1;
}

int alloc_goal_parse(const mdl_model *m, const char *text, alloc_goal *g, pc_err *err)
{
    memset(g, 0, sizeof *g);
    snprintf(g->text, sizeof g->text, "%s", text);
    const char *p = skip_blank(text);
    const char *open = strchr(p, '('), *close = strrchr(p, ')');
    if (!open || !close || close < open)
        return pc_fail(err, PC_EINPUT,
                       "target '%s': expected STAT(SUBJECT) OP VALUE, e.g. "
                       "'p90(wait.iae_queue) <= 90d' or 'mean(queue.iae_queue) <= 50'",
                       text);
    size_t fl = (size_t)(open - p);
    while (fl && isspace((unsigned char)p[fl - 1]))
        fl--;
    char *end;
    if (fl == 4 && !strncmp(p, "mean", 4)) {
        g->stat = ALLOC_MEAN;
    } else if (fl == 5 && !strncmp(p, "share", 5)) {
        g->stat = ALLOC_SHARE;
    } else if (fl > 1 && p[0] == 'p' && (g->level = strtod(p + 1, &end)) > 0 && g->level < 100 &&
               end == p + fl && isdigit((unsigned char)p[1])) {
        g->stat = ALLOC_QUANTILE;
        g->level /= 100.0;
    } else {
        return pc_fail(err, PC_EINPUT,
                       "target '%s': unknown statistic '%.*s' (mean, share, or a percentile "
                       "such as p90)",
                       text, (int)fl, p);
    }
    /* Inside the parentheses: SUBJECT, or SUBJECT > DURATION for a share. */
    char inner[sizeof g->subject];
    size_t il = (size_t)(close - open - 1);
    if (il >= sizeof inner)
        return pc_fail(err, PC_EINPUT, "target '%s': subject too long", text);
    memcpy(inner, open + 1, il);
    inner[il] = '\0';
    char *gt = strchr(inner, '>');
    if (g->stat == ALLOC_SHARE) {
        char unit;
        const char *rest = gt ? read_quantity(gt + 1, &g->level, &unit) : NULL;
        if (!rest || *rest || unit == '%' || g->level < 0)
            return pc_fail(err, PC_EINPUT,
                           "target '%s': expected share(wait.QUEUE > DURATION), e.g. "
                           "share(wait.iae_queue > 3m)",
                           text);
        *gt = '\0';
    } else if (gt) {
        return pc_fail(err, PC_EINPUT, "target '%s': '>' belongs inside share(...) only", text);
    }
    const char *subject = skip_blank(inner);
    size_t sl = strlen(subject);
    while (sl && isspace((unsigned char)subject[sl - 1]))
        sl--;
    snprintf(g->subject, sizeof g->subject, "%.*s", (int)sl, subject);
    if (!g->subject[0])
        return pc_fail(err, PC_EINPUT, "target '%s': no variable named", text);
    int q = wait_queue(m, g->subject, &g->all_requests, g->queue, sizeof g->queue);
    if (q < 0) {
        g->queue[0] = '\0';
        if (g->stat != ALLOC_MEAN)
            return pc_fail(err, PC_EINPUT,
                           "target '%s': percentiles and shares apply to waits: wait.QUEUE or "
                           "wait.QUEUE.all with QUEUE a queue state of the model",
                           text);
        rec_catalog *cat = rec_catalog_alloc(m);
        if (!cat)
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        long var = rec_find(cat, g->subject);
        rec_catalog_free(cat);
        if (var < 0)
            return pc_fail(err, PC_EINPUT,
                           "target '%s': unknown variable '%s' (variables: docs/format.md; "
                           "waits: wait.QUEUE, wait.QUEUE.all)",
                           text, g->subject);
    } else if (g->all_requests) {
        /* Requests that took a place at once are counted per resource: every state
         * holding the resources of Q must wait in Q. */
        for (size_t s = 0; s < m->n_states; s++) {
            if (m->states[s].queue != q)
                continue;
            for (size_t o = 0; o < m->n_states; o++)
                if (m->states[o].resource == m->states[s].resource && m->states[o].queue != q)
                    return pc_fail(err, PC_EINPUT,
                                   "target '%s': %s: the states holding resource %s do not all "
                                   "wait in %s; use wait.%s",
                                   text, g->subject, m->resources[m->states[s].resource].name,
                                   g->queue, g->queue);
        }
    }
    /* The comparison and the bound. */
    p = skip_blank(close + 1);
    static const struct {
        const char *text;
        alloc_op op;
    } ops[] = {{"<=", ALLOC_LE}, {">=", ALLOC_GE}, {"<", ALLOC_LT}, {">", ALLOC_GT}};
    size_t o = 0;
    while (o < sizeof ops / sizeof ops[0] && strncmp(p, ops[o].text, strlen(ops[o].text)))
        o++;
    if (o == sizeof ops / sizeof ops[0])
        return pc_fail(err, PC_EINPUT, "target '%s': expected <=, <, >= or > after ')'", text);
    g->op = ops[o].op;
    p += strlen(ops[o].text);
    snprintf(g->statistic, sizeof g->statistic, "%.*s", (int)(close + 1 - skip_blank(text)),
             skip_blank(text));
    char unit;
    const char *rest = read_quantity(p, &g->bound, &unit);
    if (!rest || *rest)
        return pc_fail(err, PC_EINPUT,
                       "target '%s': expected a number after the comparison (90d, 3m, 10%%, 50)",
                       text);
    int wait = g->queue[0] != '\0';
    if (g->stat == ALLOC_SHARE && (unit == 'd' || g->bound < 0 || g->bound > 1))
        return pc_fail(err, PC_EINPUT,
                       "target '%s': a share is a percentage (10%%) or a fraction from 0 to 1",
                       text);
    if (g->stat != ALLOC_SHARE && wait && unit == '%')
        return pc_fail(err, PC_EINPUT, "target '%s': a wait is a duration (90d, 3m)", text);
    return PC_OK;
}

int alloc_goal_met(const alloc_goal *g, double value)
{
    switch (g->op) {
    case ALLOC_LE:
        return value <= g->bound;
    case ALLOC_LT:
        return value < g->bound;
    case ALLOC_GE:
        return value >= g->bound;
    case ALLOC_GT:
        return value > g->bound;
    }
    return 0;
}

/* Sum of variable var over months first..last of replication rep. */
static double period_sum(const mc_result *r, size_t rep, size_t var, size_t first, size_t last)
{
    const double *x = mc_series(r, rep, var);
    double s = 0;
    for (size_t k = first; k <= last; k++)
        s += x[k];
    return s;
}

typedef struct {
    double count, total, over, direct;
} wait_sums;

/* Variables that give the waits of queue state q in run r. */
typedef struct {
    long count, total, over;
    size_t n_in, n_admitted;
    long in[64], admitted[64];
} wait_vars;

static int wait_vars_of(const mc_result *r, const char *queue, wait_vars *w, pc_err *err)
{
    const mdl_model *m = r->model;
    const rec_catalog *c = r->catalog;
    char name[300];
    memset(w, 0, sizeof *w);
    snprintf(name, sizeof name, "wait.%s.count", queue);
    w->count = rec_find(c, name);
    snprintf(name, sizeof name, "wait.%s.total", queue);
    w->total = rec_find(c, name);
    snprintf(name, sizeof name, "wait.%s.over3m", queue);
    w->over = rec_find(c, name);
    int q = mdl_state_index(m, queue);
    if (w->count < 0 || w->total < 0 || w->over < 0 || q < 0)
        return pc_fail(err, PC_EINPUT, "%s is not a queue state of the model", queue);
    for (size_t s = 0; s < m->n_states; s++) {
        if (m->states[s].queue != q)
            continue;
        if (w->n_in == sizeof w->in / sizeof w->in[0])
            return pc_fail(err, PC_EINPUT, "more than %zu states wait in %s",
                           sizeof w->in / sizeof w->in[0], queue);
        snprintf(name, sizeof name, "in.%s", m->states[s].name);
        w->in[w->n_in++] = rec_find(c, name);
        snprintf(name, sizeof name, "admitted.%s", m->resources[m->states[s].resource].name);
        long a = rec_find(c, name);
        int seen = 0;
        for (size_t i = 0; i < w->n_admitted; i++)
            seen |= w->admitted[i] == a;
        if (!seen)
            w->admitted[w->n_admitted++] = a; /* at most as many as the states */
    }
    return PC_OK;
}

static void wait_sums_add(const mc_result *r, size_t rep, const wait_vars *v, size_t first,
                          size_t last, wait_sums *w)
{
    w->count += period_sum(r, rep, (size_t)v->count, first, last);
    w->total += period_sum(r, rep, (size_t)v->total, first, last);
    w->over += period_sum(r, rep, (size_t)v->over, first, last);
    for (size_t i = 0; i < v->n_in; i++)
        w->direct += period_sum(r, rep, (size_t)v->in[i], first, last);
    for (size_t i = 0; i < v->n_admitted; i++)
        w->direct -= period_sum(r, rep, (size_t)v->admitted[i], first, last);
}

static double wait_stat(const alloc_goal *g, const wait_sums *w)
{
    double n = w->count, all = w->count + (g->all_requests ? w->direct : 0.0);
    if (!(all > 0))
        return 0.0;
    double waited = n / all; /* share of the requests that queued */
    double mean = n > 0 ? w->total / n : 0.0, share3m = n > 0 ? w->over / n : 0.0;
    switch (g->stat) {
    case ALLOC_MEAN:
        return w->total / all;
    case ALLOC_SHARE:
        if (g->level == THREE_MONTHS)
            return w->over / all;
        return waited * alloc_wait_survival(mean, share3m, g->level);
    case ALLOC_QUANTILE:
        if (g->level <= 1 - waited)
            return 0.0;
        return alloc_wait_quantile(mean, share3m, (g->level - (1 - waited)) / waited);
    }
    return NAN;
}

/* The goal's statistic from a histogram of waits (REC_WAIT_BINS one-day bins, the last
 * open) plus `zero` requests admitted at once (counted only for wait.Q.all): exact up to
 * the day, waits spread evenly within their day. */
static double hist_stat(const alloc_goal *g, const double *hist, double zero)
{
    double n = 0;
    for (size_t k = 0; k < REC_WAIT_BINS; k++)
        n += hist[k];
    double all = n + (g->all_requests ? zero : 0.0);
    if (!(all > 0))
        return 0.0;
    if (g->stat == ALLOC_SHARE) {
        double d = g->level, over = 0;
        for (size_t k = 0; k < REC_WAIT_BINS; k++) {
            double lo = (double)k, hi = k + 1 < REC_WAIT_BINS ? lo + 1 : INFINITY;
            if (lo >= d)
                over += hist[k];
            else if (hi > d)
                over += hist[k] * (hi - d) / (hi - lo);
        }
        return over / all;
    }
    double rank = g->level * all - (all - n); /* among the waits that were not 0 */
    if (rank <= 0)
        return 0.0;
    double cum = 0;
    for (size_t k = 0; k < REC_WAIT_BINS; k++) {
        if (hist[k] > 0 && cum + hist[k] >= rank)
            return k + 1 < REC_WAIT_BINS ? (double)k + (rank - cum) / hist[k] : (double)k;
        cum += hist[k];
    }
    return (double)(REC_WAIT_BINS - 1);
}

int alloc_goal_measure(const alloc_goal *g, const mc_result *r, size_t first, size_t last,
                       alloc_estimate *out, pc_err *err)
{
    if (last >= r->n_months || first > last)
        return pc_fail(err, PC_EINTERNAL, "alloc_goal_measure: months %zu..%zu out of range", first,
                       last);
    double *per = pc_calloc(r->reps, sizeof *per);
    if (!per)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    int rc = PC_OK;
    if (g->queue[0]) {
        wait_vars v;
        wait_sums all = {0};
        if ((rc = wait_vars_of(r, g->queue, &v, err)))
            goto done;
        int q = mdl_state_index(r->model, g->queue);
        int exact = r->wait_hist && q >= 0 && g->stat != ALLOC_MEAN &&
                    !(g->stat == ALLOC_SHARE && g->level == THREE_MONTHS);
        double *pooled = exact ? pc_calloc(REC_WAIT_BINS, sizeof *pooled) : NULL;
        if (exact && !pooled) {
            rc = pc_fail(err, PC_EINTERNAL, "out of memory");
            goto done;
        }
        for (size_t rep = 0; rep < r->reps; rep++) {
            wait_sums one = {0};
            wait_sums_add(r, rep, &v, first, last, &one);
            wait_sums_add(r, rep, &v, first, last, &all);
            if (exact) {
                const double *h =
                    r->wait_hist + (rep * r->model->n_states + (size_t)q) * REC_WAIT_BINS;
                for (size_t k = 0; k < REC_WAIT_BINS; k++)
                    pooled[k] += h[k];
                per[rep] = hist_stat(g, h, one.direct);
            } else {
                per[rep] = wait_stat(g, &one);
            }
        }
        out->value = exact ? hist_stat(g, pooled, all.direct) : wait_stat(g, &all);
        free(pooled);
    } else {
        long var = rec_find(r->catalog, g->subject);
        if (var < 0) {
            rc = pc_fail(err, PC_EINPUT, "unknown variable '%s'", g->subject);
            goto done;
        }
        const rec_var *rv = &r->catalog->vars[var];
        double num = 0, den = 0, sum = 0;
        for (size_t rep = 0; rep < r->reps; rep++) {
            if (rv->kind == REC_RATIO) {
                double a = period_sum(r, rep, rv->num, first, last);
                double b = period_sum(r, rep, rv->den, first, last);
                num += a;
                den += b;
                per[rep] = b > 0 ? a / b : NAN;
            } else {
                per[rep] =
                    period_sum(r, rep, (size_t)var, first, last) / (double)(last - first + 1);
                sum += per[rep];
            }
        }
        if (rv->kind == REC_RATIO)
            out->value = den > 0 ? num / den : NAN;
        else
            out->value = sum / (double)r->reps;
    }
    size_t used = 0;
    for (size_t i = 0; i < r->reps; i++)
        if (!isnan(per[i]))
            per[used++] = per[i];
    out->se = used > 1 ? gsl_stats_sd(per, 1, used) / sqrt((double)used) : 0.0;
done:
    free(per);
    return rc;
}

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

static int show_progress(const alloc_sim *sim)
{
    return sim->progress && isatty(STDERR_FILENO);
}

/* ---- sizing ---------------------------------------------------------------------------- */

typedef struct {
    long capacity;
    alloc_estimate est;
    int met;
    double *costs; /* [year][funder] */
} probe;

typedef struct {
    const mdl_model *m;
    const alloc_goal *g;
    const alloc_size_options *opt;
    char key[400];
    size_t first, last;
    size_t n_probes, cap_probes;
    probe *probes;
    size_t runs;
    size_t n_years, n_funders;
    int *years;
    size_t *year_index; /* position of each reported year in mc_yearly's output */
} sizing;

static void sizing_clear(sizing *s)
{
    for (size_t i = 0; i < s->n_probes; i++)
        free(s->probes[i].costs);
    free(s->probes);
    free(s->years);
    free(s->year_index);
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
        return pc_fail(err, PC_EINTERNAL, "out of memory");
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
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        s->probes = bigger;
        s->cap_probes = cap;
    }
    char value[32];
    snprintf(value, sizeof value, "%ld", capacity);
    const char *key = s->key, *val = value;
    runs_variant run;
    mc_options sim = mc_options_of(&s->opt->sim);
    sim.wait_histogram = s->g->queue[0] != 0;
    sim.wait_from = (double)s->first * MDL_DAYS_PER_MONTH;
    sim.wait_to = (double)(s->last + 1) * MDL_DAYS_PER_MONTH;
    int rc = runs_with(s->m, 1, &key, &val, &sim, &run, err);
    if (rc)
        return rc;
    s->runs++;
    probe *p = &s->probes[s->n_probes];
    memset(p, 0, sizeof *p);
    p->capacity = capacity;
    p->costs = pc_calloc(s->n_years * s->n_funders, sizeof *p->costs);
    if (!p->costs)
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
    if (!rc)
        rc = alloc_goal_measure(s->g, run.result, s->first, s->last, &p->est, err);
    if (!rc)
        rc = yearly_funders(s, run.result, p->costs, err);
    runs_clear(&run);
    if (rc) {
        free(p->costs);
        return rc;
    }
    p->met = alloc_goal_met(s->g, p->est.value);
    s->n_probes++;
    if (show_progress(&s->opt->sim))
        pc_log("size: capacity %ld: %s = %.4g (%s)", capacity, s->g->subject, p->est.value,
               p->met ? "met" : "not met");
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
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    for (size_t y = 0; y < s->n_years; y++) {
        s->years[y] = y0 + (int)y;
        s->year_index[y] = (size_t)(y0 - ys) + y;
    }
    return PC_OK;
}

void alloc_size_result_free(alloc_size_result *r)
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

int alloc_size(const mdl_model *m, const alloc_goal *g, const alloc_size_options *opt,
               alloc_size_result **out, pc_err *err)
{
    *out = NULL;
    int r = mdl_resource_index(m, opt->resource);
    if (r < 0)
        return pc_fail(err, PC_EINPUT, "--resource %s: no such resource in the model",
                       opt->resource);
    if (opt->max < 0)
        return pc_fail(err, PC_EINPUT, "--max: expected a capacity of 0 or more");
    sizing s = {.m = m, .g = g, .opt = opt};
    alloc_size_result *res = NULL;
    int rc = capacity_plan(m, opt->from_year, opt->from_month, &s.first, err);
    if (rc)
        return rc;
    s.last = (size_t)m->horizon - 1;
    capacity_key(m, opt->resource, s.first, s.key, sizeof s.key);
    if ((rc = size_years(&s, err)))
        goto fail;
    long current = capacity_at(m, r, s.first);
    long start = current < opt->max ? current : opt->max;
    probe *p;
    if ((rc = size_eval(&s, start, &p, err)))
        goto fail;
    long lo = -1, hi = -1; /* the goal fails at lo and holds at hi */
    long step = start / 16 > 1 ? start / 16 : 1;
    if (p->met) {
        hi = start;
        while (hi > 0) {
            long c = hi - step > 0 ? hi - step : 0;
            if ((rc = size_eval(&s, c, &p, err)))
                goto fail;
            if (!p->met) {
                lo = c;
                break;
            }
            hi = c;
            step *= 2;
        }
    } else {
        lo = start;
        while (hi < 0) {
            if (lo == opt->max) {
                int share = g->stat == ALLOC_SHARE;
                rc = pc_fail(err, PC_EINPUT,
                             "target '%s' is not met with %ld places of %s (--max): %s = %.4g%s; "
                             "raise --max or relax the target",
                             g->text, opt->max, opt->resource, g->statistic,
                             share ? 100 * p->est.value : p->est.value, share ? " %" : "");
                goto fail;
            }
            long c = opt->max - lo > step ? lo + step : opt->max;
            if ((rc = size_eval(&s, c, &p, err)))
                goto fail;
            if (p->met)
                hi = c;
            else
                lo = c;
            step *= 2;
        }
    }
    while (lo >= 0 && hi - lo > 1) {
        long mid = lo + (hi - lo) / 2;
        if ((rc = size_eval(&s, mid, &p, err)))
            goto fail;
        if (p->met)
            hi = mid;
        else
            lo = mid;
    }
    res = pc_calloc(1, sizeof *res);
    if (!res) {
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        goto fail;
    }
    res->capacity = hi;
    res->current = current;
    res->etp_weight = m->resources[r].etp_weight;
    res->first = s.first;
    res->last = s.last;
    /* The answer, one place below and the model's capacity: tried already, except the
     * model's capacity when it is above --max.  Then their probes (which runs move). */
    long wanted[3] = {hi, current, hi > 0 ? hi - 1 : hi};
    for (int k = 0; k < 3; k++)
        if ((rc = size_eval(&s, wanted[k], &p, err)))
            goto fail;
    const probe *at = find_probe(&s, hi);
    res->at = at->est;
    res->actual = find_probe(&s, current)->est;
    res->capacity_se = NAN;
    if (hi > 0) {
        res->below = find_probe(&s, hi - 1)->est;
        double slope = fabs(res->below.value - res->at.value);
        if (slope > 0)
            res->capacity_se = fmax(res->at.se, res->below.se) / slope;
    } else {
        res->below.value = res->below.se = NAN;
    }
    for (size_t i = 0; i < s.n_probes; i++)
        if ((s.probes[i].capacity > hi && !s.probes[i].met) ||
            (s.probes[i].capacity < hi && s.probes[i].met))
            res->non_monotone = 1;
    res->runs = s.runs;
    res->n_years = s.n_years;
    res->n_funders = s.n_funders;
    res->years = pc_calloc(s.n_years, sizeof *res->years);
    res->funders = pc_calloc(s.n_funders, sizeof *res->funders);
    res->cost_at = pc_calloc(s.n_years * s.n_funders, sizeof *res->cost_at);
    res->cost_actual = pc_calloc(s.n_years * s.n_funders, sizeof *res->cost_actual);
    if (!res->years || !res->funders || !res->cost_at || !res->cost_actual) {
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        goto fail;
    }
    memcpy(res->years, s.years, s.n_years * sizeof *res->years);
    memcpy(res->cost_at, at->costs, s.n_years * s.n_funders * sizeof *res->cost_at);
    memcpy(res->cost_actual, find_probe(&s, current)->costs,
           s.n_years * s.n_funders * sizeof *res->cost_actual);
    for (size_t f = 0; f < s.n_funders; f++)
        if (!(res->funders[f] = pc_strdup(m->funders[f]))) {
            rc = pc_fail(err, PC_EINTERNAL, "out of memory");
            goto fail;
        }
    sizing_clear(&s);
    *out = res;
    return PC_OK;
fail:
    sizing_clear(&s);
    alloc_size_result_free(res);
    return rc;
}

/* ---- allocation ------------------------------------------------------------------------ */

typedef struct {
    const mdl_model *m;
    const alloc_options *opt;
    size_t n;
    int *res;        /* resource indices */
    char **keys;     /* capacity keys */
    double *w;       /* ETP per place */
    size_t n_queues; /* distinct queue states of the resources */
    char **queues;   /* their names */
    int *queue_of;   /* [resource][queue]: 1 when the resource's states wait there */
    int funder;      /* -1: none reported */
    size_t first, last;
    size_t runs;
} allocator;

/* What one run says about each resource (and the total over the distinct queues). */
typedef struct {
    double *days;     /* person-days waited a year, by resource */
    double *unserved; /* requests leaving the queue unserved, a year, by resource */
    double *wait;     /* mean wait per request, days */
    double *cost;     /* the funder's unit-year costs, euros a year */
    double total;     /* person-days a year, all distinct queues */
    double total_unserved;
} outcome;

/* The objective of a resource, or of all of them. */
static double objective_of(const allocator *a, const outcome *o, long i)
{
    if (a->opt->objective == ALLOC_UNSERVED)
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
}

static int allocator_init(allocator *a, const mdl_model *m, const alloc_options *opt, pc_err *err)
{
    memset(a, 0, sizeof *a);
    a->m = m;
    a->opt = opt;
    a->funder = -1;
    size_t plen = strlen(opt->prefix);
    a->res = pc_calloc(m->n_resources, sizeof *a->res);
    a->keys = pc_calloc(m->n_resources, sizeof *a->keys);
    a->w = pc_calloc(m->n_resources, sizeof *a->w);
    a->queues = pc_calloc(m->n_states, sizeof *a->queues);
    a->queue_of = pc_calloc(m->n_resources * m->n_states, sizeof *a->queue_of);
    if (!a->res || !a->keys || !a->w || !a->queues || !a->queue_of)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
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
        if (!(a->keys[a->n] = pc_strdup(key)))
            return pc_fail(err, PC_EINTERNAL, "out of memory");
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
                return pc_fail(err, PC_EINTERNAL, "out of memory");
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

static int evaluate(allocator *a, const long *places, outcome *o, pc_err *err)
{
    const mdl_model *m = a->m;
    const char **values = pc_calloc(a->n, sizeof *values);
    char *buf = pc_calloc(a->n, 32);
    if (!values || !buf) {
        free(values);
        free(buf);
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    }
    for (size_t i = 0; i < a->n; i++) {
        snprintf(buf + 32 * i, 32, "%ld", places[i]);
        values[i] = buf + 32 * i;
    }
    runs_variant run;
    mc_options sim = mc_options_of(&a->opt->sim);
    int rc = runs_with(m, a->n, (const char *const *)a->keys, values, &sim, &run, err);
    free(values);
    free(buf);
    if (rc)
        return rc;
    a->runs++;
    const mc_result *r = run.result;
    double years = (double)(a->last - a->first + 1) / 12.0, reps = (double)r->reps;
    wait_sums *q = pc_calloc(a->n_queues, sizeof *q);
    if (!q) {
        runs_clear(&run);
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    }
    o->total = o->total_unserved = 0;
    for (size_t k = 0; k < a->n_queues && !rc; k++) {
        wait_vars v;
        if ((rc = wait_vars_of(r, a->queues[k], &v, err)))
            break;
        for (size_t rep = 0; rep < r->reps; rep++)
            wait_sums_add(r, rep, &v, a->first, a->last, &q[k]);
        o->total += q[k].total / reps / years;
        o->total_unserved += q[k].count / reps / years;
    }
    for (size_t i = 0; i < a->n && !rc; i++) {
        wait_sums w = {0};
        for (size_t k = 0; k < a->n_queues; k++)
            if (a->queue_of[i * m->n_states + k]) {
                w.count += q[k].count;
                w.total += q[k].total;
                w.direct += q[k].direct;
            }
        o->days[i] = w.total / reps / years;
        o->wait[i] = w.count + w.direct > 0 ? w.total / (w.count + w.direct) : 0.0;
        /* ended waits that were not admissions */
        char name[300];
        snprintf(name, sizeof name, "admitted.%s", m->resources[a->res[i]].name);
        long adm = rec_find(r->catalog, name);
        double admitted = 0;
        for (size_t rep = 0; adm >= 0 && rep < r->reps; rep++)
            admitted += period_sum(r, rep, (size_t)adm, a->first, a->last) / reps / years;
        o->unserved[i] = w.count / reps / years - admitted;
        o->total_unserved -= admitted;
        o->cost[i] = 0;
        for (size_t c = 0; c < m->n_costs && a->funder >= 0; c++) {
            const mdl_cost *co = &m->costs[c];
            if (co->per != MDL_COST_UNIT_YEAR || co->resource != a->res[i] ||
                co->funder != a->funder)
                continue;
            snprintf(name, sizeof name, "cost.%s", co->name);
            long var = rec_find(r->catalog, name);
            for (size_t rep = 0; var >= 0 && rep < r->reps; rep++)
                o->cost[i] += period_sum(r, rep, (size_t)var, a->first, a->last) / reps / years;
        }
    }
    free(q);
    runs_clear(&run);
    if (!rc && show_progress(&a->opt->sim))
        pc_log("allocate: run %zu: %.6g person-days waited a year", a->runs, o->total);
    return rc;
}

static int outcome_alloc(outcome *o, size_t n)
{
    o->days = pc_calloc(n, sizeof *o->days);
    o->wait = pc_calloc(n, sizeof *o->wait);
    o->cost = pc_calloc(n, sizeof *o->cost);
    o->unserved = pc_calloc(n, sizeof *o->unserved);
    return o->days && o->wait && o->cost && o->unserved ? 0 : -1;
}

static void outcome_free(outcome *o)
{
    free(o->days);
    free(o->wait);
    free(o->cost);
    free(o->unserved);
}

void alloc_result_free(alloc_result *r)
{
    if (!r)
        return;
    if (r->lines)
        for (size_t i = 0; i < r->n; i++)
            free(r->lines[i].resource);
    free(r->lines);
    free(r);
}

/* The search state: places per resource, their waiting, ETP left. */
typedef struct {
    long *places, *floor, *step, *trial;
    double *f;   /* person-days a year at places (separable: by resource; else f[0] total) */
    double left; /* ETP not yet allocated */
    outcome up, down;
} search;

#define ETP_SLACK 1e-9

/* Greedy marginal steps while one fits and lowers the waiting.  Returns 1 when a
 * step would fit but none lowers the waiting, else 0 (or a negative status). */
static int greedy(allocator *a, search *s, int sep, pc_err *err)
{
    for (;;) {
        int any = 0;
        for (size_t i = 0; i < a->n; i++)
            any |= (double)s->step[i] * a->w[i] <= s->left + ETP_SLACK;
        if (!any)
            return 0;
        long best = -1;
        double best_rate = 0, best_value = 0;
        if (sep) {
            for (size_t i = 0; i < a->n; i++)
                s->trial[i] = s->places[i] + s->step[i];
            int rc = evaluate(a, s->trial, &s->up, err);
            if (rc)
                return -rc;
        }
        for (size_t i = 0; i < a->n; i++) {
            double cost = (double)s->step[i] * a->w[i];
            if (cost > s->left + ETP_SLACK)
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
        s->left -= (double)s->step[best] * a->w[best];
        s->f[sep ? best : 0] = best_value;
    }
}

/* Moves of one step from one resource to another while they lower the total. */
static int exchange(allocator *a, search *s, pc_err *err)
{
    for (size_t round = 0; round < 2 * a->n; round++) {
        for (size_t i = 0; i < a->n; i++)
            s->trial[i] = s->places[i] + s->step[i];
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
                if (i == j || s->trial[j] == s->places[j])
                    continue;
                double etp = (double)s->step[i] * a->w[i] - (double)s->step[j] * a->w[j];
                if (etp > s->left + ETP_SLACK)
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
        s->left -= (double)s->step[bi] * a->w[bi] - (double)s->step[bj] * a->w[bj];
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
        total += (double)current[i] * a->w[i];
    double left = s->left;
    for (size_t i = 0; i < a->n; i++) {
        double share = total > 0 ? (double)current[i] * a->w[i] / total : 1.0 / (double)a->n;
        long add = (long)floor(left * share / a->w[i] + ETP_SLACK);
        s->places[i] += add;
        s->left -= (double)add * a->w[i];
        placed += (double)add * a->w[i];
    }
    for (int more = 1; more;) {
        more = 0;
        long best = -1;
        for (size_t i = 0; i < a->n; i++)
            if (a->w[i] <= s->left + ETP_SLACK && (best < 0 || current[i] > current[best]))
                best = (long)i;
        if (best >= 0) {
            s->places[best]++;
            s->left -= a->w[best];
            placed += a->w[best];
            more = 1;
        }
    }
    return placed;
}

static void search_free(search *s)
{
    free(s->places);
    free(s->floor);
    free(s->step);
    free(s->trial);
    free(s->f);
    outcome_free(&s->up);
    outcome_free(&s->down);
}

int alloc_allocate(const mdl_model *m, const alloc_options *opt, alloc_result **out, pc_err *err)
{
    *out = NULL;
    if (!(opt->envelope >= 0) || !isfinite(opt->envelope))
        return pc_fail(err, PC_EINPUT, "--envelope: expected a number of ETP, 0 or more");
    if (!(opt->min_share >= 0 && opt->min_share <= 1))
        return pc_fail(err, PC_EINPUT, "--min-share: expected a share from 0 to 1");
    if (!(opt->step >= 0) || !isfinite(opt->step))
        return pc_fail(err, PC_EINPUT, "--step: expected a number of ETP, more than 0");
    allocator a;
    search s = {0};
    outcome before = {0}, after = {0};
    alloc_result *res = NULL;
    long *current = NULL;
    int rc = allocator_init(&a, m, opt, err);
    if (rc)
        goto fail;
    size_t n = a.n;
    current = pc_calloc(n, sizeof *current);
    s.places = pc_calloc(n, sizeof *s.places);
    s.floor = pc_calloc(n, sizeof *s.floor);
    s.step = pc_calloc(n, sizeof *s.step);
    s.trial = pc_calloc(n, sizeof *s.trial);
    s.f = pc_calloc(n, sizeof *s.f);
    res = pc_calloc(1, sizeof *res);
    if (!current || !s.places || !s.floor || !s.step || !s.trial || !s.f || !res ||
        outcome_alloc(&s.up, n) || outcome_alloc(&s.down, n) || outcome_alloc(&before, n) ||
        outcome_alloc(&after, n) || !(res->lines = pc_calloc(n, sizeof *res->lines))) {
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        goto fail;
    }
    res->n = n;
    double floors = 0, now = 0;
    for (size_t i = 0; i < n; i++) {
        current[i] = capacity_at(m, a.res[i], a.first);
        s.floor[i] = (long)ceil(opt->min_share * (double)current[i] - ETP_SLACK);
        s.places[i] = s.floor[i];
        floors += (double)s.floor[i] * a.w[i];
        now += (double)current[i] * a.w[i];
    }
    if (floors > opt->envelope + ETP_SLACK) {
        rc = pc_fail(err, PC_EINPUT,
                     "--envelope %.6g ETP is smaller than the floors: %.6g ETP (--min-share "
                     "%.6g of the current %.6g ETP)",
                     opt->envelope, floors, opt->min_share, now);
        goto fail;
    }
    s.left = opt->envelope - floors;
    int sep = separable(&a);
    res->separable = sep;
    /* The waiting at the floors. */
    if ((rc = evaluate(&a, s.places, &s.up, err)))
        goto fail;
    for (size_t i = 0; i < (sep ? n : 1); i++)
        s.f[i] = objective_of(&a, &s.up, sep ? (long)i : -1);
    double h = opt->step > 0 ? opt->step : s.left / 32;
    res->first_step = h;
    int idle = 0;
    for (;;) {
        int finest = 1;
        for (size_t i = 0; i < n; i++) {
            long p = lround(h / a.w[i]);
            s.step[i] = p > 1 ? p : 1;
            finest &= s.step[i] == 1;
        }
        int g = greedy(&a, &s, sep, err);
        if (g >= 0 && sep) {
            /* an exchange between resources of different weights may free a step */
            if ((rc = exchange(&a, &s, err)))
                goto fail;
            g = greedy(&a, &s, sep, err);
        }
        if (g < 0) {
            rc = -g;
            goto fail;
        }
        if (finest) {
            idle = g == 1;
            break;
        }
        h /= 2;
    }
    if (idle)
        res->idle = spread(&a, &s, current);
    res->unused = s.left > 0 ? s.left : 0;
    if ((rc = evaluate(&a, current, &before, err)) || (rc = evaluate(&a, s.places, &after, err)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        alloc_line *l = &res->lines[i];
        if (!(l->resource = pc_strdup(m->resources[a.res[i]].name))) {
            rc = pc_fail(err, PC_EINTERNAL, "out of memory");
            goto fail;
        }
        l->etp_weight = a.w[i];
        l->current = current[i];
        l->floor = s.floor[i];
        l->allocated = s.places[i];
        l->wait_before = before.wait[i];
        l->wait_after = after.wait[i];
        l->days_before = before.days[i];
        l->days_after = after.days[i];
        l->unserved_before = before.unserved[i];
        l->unserved_after = after.unserved[i];
        l->cost_before = before.cost[i];
        l->cost_after = after.cost[i];
    }
    res->total_before = before.total;
    res->total_after = after.total;
    res->unserved_before = before.total_unserved;
    res->unserved_after = after.total_unserved;
    res->runs = a.runs;
    res->first = a.first;
    res->last = a.last;
    *out = res;
    res = NULL;
fail:
    alloc_result_free(res);
    free(current);
    search_free(&s);
    outcome_free(&before);
    outcome_free(&after);
    allocator_clear(&a);
    return rc;
}
