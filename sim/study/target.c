/* target — parsing targets, measuring them on a run, the statistics of waits (see target.h). */
#include "target.h"

#include <ctype.h>
#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rec.h"

#define THREE_MONTHS (3.0 * MDL_DAYS_PER_MONTH) /* the engine's threshold of wait.Q.over3m */

/* ---- waits ------------------------------------------------------------------------- */

double target_wait_survival(double mean, double share3m, double t)
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

double target_wait_quantile(double mean, double share3m, double p)
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

/* The statistic: the fl characters at p ("mean", "share", "p90"). */
static int parse_stat(target_expr *g, const char *p, size_t fl, const char *text, pc_err *err)
{
    char *end;
    if (fl == 4 && !strncmp(p, "mean", 4)) {
        g->stat = TARGET_MEAN;
    } else if (fl == 5 && !strncmp(p, "share", 5)) {
        g->stat = TARGET_SHARE;
    } else if (fl > 1 && p[0] == 'p' && (g->level = strtod(p + 1, &end)) > 0 && g->level < 100 &&
               end == p + fl && isdigit((unsigned char)p[1])) {
        g->stat = TARGET_QUANTILE;
        g->level /= 100.0;
    } else {
        return pc_fail(err, PC_EINPUT,
                       "target '%s': unknown statistic '%.*s' (mean, share, or a percentile "
                       "such as p90)",
                       text, (int)fl, p);
    }
    return PC_OK;
}

/* That the subject is a variable of m, or a wait of a queue state (for wait.Q.all,
 * one whose resources' states all wait in it). */
static int check_subject(const mdl_model *m, target_expr *g, const char *text, pc_err *err)
{
    int q = wait_queue(m, g->subject, &g->all_requests, g->queue, sizeof g->queue);
    if (q < 0) {
        g->queue[0] = '\0';
        if (g->stat != TARGET_MEAN)
            return pc_fail(err, PC_EINPUT,
                           "target '%s': percentiles and shares apply to waits: wait.QUEUE or "
                           "wait.QUEUE.all with QUEUE a queue state of the model",
                           text);
        rec_catalog *cat = rec_catalog_alloc(m);
        if (!cat)
            return pc_fail(err, PC_EENV, "out of memory");
        long var = rec_find(cat, g->subject);
        rec_catalog_free(cat);
        if (var < 0)
            return pc_fail(err, PC_EINPUT,
                           "target '%s': unknown variable '%s' (variables: docs/format.md; "
                           "waits: wait.QUEUE, wait.QUEUE.all)",
                           text, g->subject);
        return PC_OK;
    }
    /* Requests that took a place at once are counted per resource: every state
     * holding the resources of Q must wait in Q. */
    for (size_t s = 0; g->all_requests && s < m->n_states; s++) {
        if (m->states[s].queue != q)
            continue;
        for (size_t o = 0; o < m->n_states; o++)
            if (m->states[o].resource == m->states[s].resource && m->states[o].queue != q)
                return pc_fail(err, PC_EINPUT,
                               "target '%s': %s: the states holding resource %s do not all "
                               "wait in %s; use wait.%s",
                               text, g->subject, m->resources[m->states[s].resource].name, g->queue,
                               g->queue);
    }
    return PC_OK;
}

/* Inside the parentheses (il characters at inside): SUBJECT, or SUBJECT > DURATION for a
 * share. */
static int parse_subject(const mdl_model *m, target_expr *g, const char *inside, size_t il,
                         const char *text, pc_err *err)
{
    char inner[sizeof g->subject];
    if (il >= sizeof inner)
        return pc_fail(err, PC_EINPUT, "target '%s': subject too long", text);
    memcpy(inner, inside, il);
    inner[il] = '\0';
    char *gt = strchr(inner, '>');
    if (g->stat == TARGET_SHARE) {
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
    return check_subject(m, g, text, err);
}

/* After the parentheses (at p): the comparison and the bound, in the units the statistic
 * takes. */
static int parse_bound(target_expr *g, const char *p, const char *text, pc_err *err)
{
    static const struct {
        const char *text;
        target_op op;
    } ops[] = {{"<=", TARGET_LE}, {">=", TARGET_GE}, {"<", TARGET_LT}, {">", TARGET_GT}};
    p = skip_blank(p);
    size_t o = 0;
    while (o < sizeof ops / sizeof ops[0] && strncmp(p, ops[o].text, strlen(ops[o].text)))
        o++;
    if (o == sizeof ops / sizeof ops[0])
        return pc_fail(err, PC_EINPUT, "target '%s': expected <=, <, >= or > after ')'", text);
    g->op = ops[o].op;
    char unit;
    const char *rest = read_quantity(p + strlen(ops[o].text), &g->bound, &unit);
    if (rest && !strncmp(rest, "in", 2) && (isspace((unsigned char)rest[2]) || !rest[2])) {
        char cunit;
        const char *end = read_quantity(rest + 2, &g->confidence, &cunit);
        if (!end || *end || cunit == 'd' || !(g->confidence > 0 && g->confidence < 1))
            return pc_fail(err, PC_EINPUT,
                           "target '%s': the confidence after 'in' is a share of the "
                           "replications strictly between 0 and 100%% (in 80%%)",
                           text);
        rest = end;
    }
    if (!rest || *rest)
        return pc_fail(err, PC_EINPUT,
                       "target '%s': expected a number after the comparison (90d, 3m, 10%%, 50), "
                       "then optionally 'in 80%%'",
                       text);
    int wait = g->queue[0] != '\0';
    if (g->stat == TARGET_SHARE && (unit == 'd' || g->bound < 0 || g->bound > 1))
        return pc_fail(err, PC_EINPUT,
                       "target '%s': a share is a percentage (10%%) or a fraction from 0 to 1",
                       text);
    if (g->stat != TARGET_SHARE && wait && unit == '%')
        return pc_fail(err, PC_EINPUT, "target '%s': a wait is a duration (90d, 3m)", text);
    return PC_OK;
}

int target_parse(const mdl_model *m, const char *text, target_expr *g, pc_err *err)
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
    int rc = parse_stat(g, p, fl, text, err);
    if (!rc)
        rc = parse_subject(m, g, open + 1, (size_t)(close - open - 1), text, err);
    if (rc)
        return rc;
    snprintf(g->statistic, sizeof g->statistic, "%.*s", (int)(close + 1 - p), p);
    return parse_bound(g, close + 1, text, err);
}

int target_met(const target_expr *g, double value)
{
    switch (g->op) {
    case TARGET_LE:
        return value <= g->bound;
    case TARGET_LT:
        return value < g->bound;
    case TARGET_GE:
        return value >= g->bound;
    case TARGET_GT:
        return value > g->bound;
    }
    return 0;
}

int target_holds(const target_expr *g, const target_estimate *e)
{
    if (g->confidence > 0)
        return e->prob >= g->confidence;
    return target_met(g, e->value);
}

double target_period_sum(const mc_result *r, size_t rep, size_t var, size_t first, size_t last)
{
    const double *x = mc_series(r, rep, var);
    double s = 0;
    for (size_t k = first; k <= last; k++)
        s += x[k];
    return s;
}

int target_queue_of(const mc_result *r, const char *queue, target_queue *w, pc_err *err)
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

void target_waits_add(const mc_result *r, size_t rep, const target_queue *v, size_t first,
                      size_t last, target_waits *w)
{
    w->count += target_period_sum(r, rep, (size_t)v->count, first, last);
    w->total += target_period_sum(r, rep, (size_t)v->total, first, last);
    w->over += target_period_sum(r, rep, (size_t)v->over, first, last);
    for (size_t i = 0; i < v->n_in; i++)
        w->direct += target_period_sum(r, rep, (size_t)v->in[i], first, last);
    for (size_t i = 0; i < v->n_admitted; i++)
        w->direct -= target_period_sum(r, rep, (size_t)v->admitted[i], first, last);
}

static double wait_stat(const target_expr *g, const target_waits *w)
{
    double n = w->count, all = w->count + (g->all_requests ? w->direct : 0.0);
    if (!(all > 0))
        return 0.0;
    double waited = n / all; /* share of the requests that queued */
    double mean = n > 0 ? w->total / n : 0.0, share3m = n > 0 ? w->over / n : 0.0;
    switch (g->stat) {
    case TARGET_MEAN:
        return w->total / all;
    case TARGET_SHARE:
        if (g->level == THREE_MONTHS)
            return w->over / all;
        return waited * target_wait_survival(mean, share3m, g->level);
    case TARGET_QUANTILE:
        if (g->level <= 1 - waited)
            return 0.0;
        return target_wait_quantile(mean, share3m, (g->level - (1 - waited)) / waited);
    }
    return NAN;
}

/* The goal's statistic from a histogram of waits (REC_WAIT_BINS one-day bins, the last
 * open) plus `zero` requests admitted at once (counted only for wait.Q.all): exact up to
 * the day, waits spread evenly within their day. */
static double hist_stat(const target_expr *g, const double *hist, double zero)
{
    double n = 0;
    for (size_t k = 0; k < REC_WAIT_BINS; k++)
        n += hist[k];
    double all = n + (g->all_requests ? zero : 0.0);
    if (!(all > 0))
        return 0.0;
    if (g->stat == TARGET_SHARE) {
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

int target_measure(const target_expr *g, const mc_result *r, size_t first, size_t last,
                   target_estimate *out, pc_err *err)
{
    const char *queue = g->queue;
    return target_measure_queues(g, r, g->queue[0] ? &queue : NULL, g->queue[0] ? 1 : 0, first,
                                 last, out, err);
}

int target_measure_queues(const target_expr *g, const mc_result *r, const char *const *queues,
                          size_t n_queues, size_t first, size_t last, target_estimate *out,
                          pc_err *err)
{
    if (last >= r->n_months || first > last)
        return pc_fail(err, PC_EINTERNAL, "target_measure: months %zu..%zu out of range", first,
                       last);
    if (g->queue[0] && n_queues == 0)
        return pc_fail(err, PC_EINTERNAL, "target_measure: a wait target without a queue");
    double *per = pc_calloc(r->reps, sizeof *per);
    target_queue *v = pc_calloc(n_queues ? n_queues : 1, sizeof *v);
    int *q = pc_calloc(n_queues ? n_queues : 1, sizeof *q);
    double *pooled = NULL, *one_hist = NULL;
    int rc = per && v && q ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    if (!rc && g->queue[0]) {
        target_waits all = {0};
        int exact = r->wait_hist && g->stat != TARGET_MEAN &&
                    !(g->stat == TARGET_SHARE && g->level == THREE_MONTHS);
        for (size_t k = 0; k < n_queues && !rc; k++) {
            rc = target_queue_of(r, queues[k], &v[k], err);
            q[k] = mdl_state_index(r->model, queues[k]);
            exact &= q[k] >= 0;
        }
        if (rc)
            goto done;
        pooled = exact ? pc_calloc(REC_WAIT_BINS, sizeof *pooled) : NULL;
        one_hist = exact ? pc_calloc(REC_WAIT_BINS, sizeof *one_hist) : NULL;
        if (exact && (!pooled || !one_hist)) {
            rc = pc_fail(err, PC_EENV, "out of memory");
            goto done;
        }
        for (size_t rep = 0; rep < r->reps; rep++) {
            target_waits one = {0};
            if (exact)
                memset(one_hist, 0, REC_WAIT_BINS * sizeof *one_hist);
            for (size_t k = 0; k < n_queues; k++) {
                target_waits_add(r, rep, &v[k], first, last, &one);
                target_waits_add(r, rep, &v[k], first, last, &all);
                if (!exact)
                    continue;
                const double *h =
                    r->wait_hist + (rep * r->model->n_states + (size_t)q[k]) * REC_WAIT_BINS;
                for (size_t b = 0; b < REC_WAIT_BINS; b++) {
                    pooled[b] += h[b];
                    one_hist[b] += h[b];
                }
            }
            per[rep] = exact ? hist_stat(g, one_hist, one.direct) : wait_stat(g, &one);
        }
        out->value = exact ? hist_stat(g, pooled, all.direct) : wait_stat(g, &all);
    } else if (!rc) {
        long var = rec_find(r->catalog, g->subject);
        if (var < 0) {
            rc = pc_fail(err, PC_EINPUT, "unknown variable '%s'", g->subject);
            goto done;
        }
        const rec_var *rv = &r->catalog->vars[var];
        double num = 0, den = 0, sum = 0;
        for (size_t rep = 0; rep < r->reps; rep++) {
            if (rv->kind == REC_RATIO) {
                double a = target_period_sum(r, rep, rv->num, first, last);
                double b = target_period_sum(r, rep, rv->den, first, last);
                num += a;
                den += b;
                per[rep] = b > 0 ? a / b : NAN;
            } else {
                per[rep] = target_period_sum(r, rep, (size_t)var, first, last) /
                           (double)(last - first + 1);
                sum += per[rep];
            }
        }
        if (rv->kind == REC_RATIO)
            out->value = den > 0 ? num / den : NAN;
        else
            out->value = sum / (double)r->reps;
    }
    if (rc)
        goto done;
    size_t used = 0, met = 0;
    for (size_t i = 0; i < r->reps; i++)
        if (!isnan(per[i])) {
            met += (size_t)target_met(g, per[i]);
            per[used++] = per[i];
        }
    out->se = used > 1 ? gsl_stats_sd(per, 1, used) / sqrt((double)used) : 0.0;
    out->prob = out->prob_se = out->at_confidence = NAN;
    if (g->confidence > 0 && used > 0) {
        gsl_sort(per, 1, used);
        size_t k = (size_t)ceil(g->confidence * (double)r->reps - 1e-9); /* 1 <= k <= reps */
        int up = g->op == TARGET_LE || g->op == TARGET_LT;
        if (k > used)
            out->at_confidence = up ? INFINITY : -INFINITY;
        else
            out->at_confidence = up ? per[k - 1] : per[used - k];
    }
    if (g->confidence > 0) {
        /* a replication without a statistic (no denominator) does not meet the target */
        double p = r->reps ? (double)met / (double)r->reps : 0.0;
        out->prob = p;
        out->prob_se = r->reps ? sqrt(p * (1 - p) / (double)r->reps) : 0.0;
    }
done:
    free(per);
    free(v);
    free(q);
    free(pooled);
    free(one_hist);
    return rc;
}
