/* backtest — forecasts made from past origins, scored against what was observed later
 * (backtest.h; docs/backtest.md). */
#include "backtest.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calib.h"
#include "core/cfg.h"
#include "core/fsio.h"
#include "core/mc.h"
#include "core/rec.h"
#include "runs.h"

#define BACKTEST_MAX_LIST 1000

void backtest_month_text(int month, char *buf, size_t size)
{
    snprintf(buf, size, "%04d-%02d", month / 12, month % 12 + 1);
}

/* "YYYY-MM" as a month number: 1 and *out, or 0. */
static int parse_month(const char *s, size_t len, int *out)
{
    if (len != 7 || s[4] != '-')
        return 0;
    for (size_t i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)s[i]))
            return 0;
    int year = atoi(s), month = atoi(s + 5);
    if (month < 1 || month > 12 || year < 1)
        return 0;
    *out = year * 12 + month - 1;
    return 1;
}

int backtest_problem_alloc(const mdl_model *m, backtest_problem **out, pc_err *err)
{
    *out = NULL;
    backtest_problem *p = pc_calloc(1, sizeof *p);
    cfg_doc *copy = cfg_doc_copy(m->doc);
    if (!p || !copy) {
        free(p);
        cfg_doc_free(copy);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    p->model = m;
    p->fit_window = 12;
    cfg_remove_section(copy, "observations");
    int rc = mdl_resolve(copy, &p->base, err);
    if (rc) {
        free(p);
        return rc;
    }
    *out = p;
    return PC_OK;
}

void backtest_problem_free(backtest_problem *p)
{
    if (!p)
        return;
    mdl_free(p->base);
    for (size_t i = 0; i < p->n_obs; i++)
        free(p->obs[i].variable);
    free(p->obs);
    free(p->observed_path);
    free(p->origins);
    free(p->horizons);
    free(p->breaks);
    for (size_t i = 0; i < p->n_fit; i++)
        free(p->fit[i]);
    free(p->fit);
    free(p);
}

/* The observation of variable in month, or NULL. */
static const backtest_obs *find_obs(const backtest_problem *p, const char *variable, int month)
{
    for (size_t i = 0; i < p->n_obs; i++)
        if (p->obs[i].month == month && !strcmp(p->obs[i].variable, variable))
            return &p->obs[i];
    return NULL;
}

static int parse_number(const char *s, double *out)
{
    char *end;
    if (!*s)
        return 0;
    double v = strtod(s, &end);
    if (*end || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

int backtest_read_observed(backtest_problem *p, const char *path, pc_err *err)
{
    cfg_table *t = NULL;
    int rc = cfg_read_csv(path, &t, err);
    if (rc)
        return rc;
    rec_catalog *cat = rec_catalog_alloc(p->base);
    if (!cat) {
        cfg_table_free(t);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    const cfg_row *h = t->n_rows ? &t->rows[0] : NULL;
    if (!h || h->n < 3 || strcmp(h->fields[0], "variable") || strcmp(h->fields[1], "period") ||
        strcmp(h->fields[2], "value")) {
        rc = pc_fail(err, PC_EINPUT, "%s:%d: expected the header variable,period,value", path,
                     h ? h->line : 1);
        goto done;
    }
    p->obs = pc_calloc(t->n_rows, sizeof *p->obs);
    p->observed_path = pc_strdup(path);
    if (!p->obs || !p->observed_path) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    for (size_t i = 1; i < t->n_rows && !rc; i++) {
        const cfg_row *r = &t->rows[i];
        backtest_obs o = {.line = r->line};
        if (r->n < 3)
            rc = pc_fail_at(err, path, r->line, "value", "expected variable,period,value");
        else if (strlen(r->fields[0]) >= sizeof((backtest_row *)0)->variable)
            rc = pc_fail_at(err, path, r->line, "variable", "name too long");
        else if (rec_find(cat, r->fields[0]) < 0)
            rc = pc_fail_at(err, path, r->line, "variable",
                            "unknown variable '%s' (the variables are those of monthly.csv)",
                            r->fields[0]);
        else if (!parse_month(r->fields[1], strlen(r->fields[1]), &o.month))
            rc = pc_fail_at(err, path, r->line, "period",
                            "expected a month YYYY-MM (a month-end value), got '%s'", r->fields[1]);
        else if (!parse_number(r->fields[2], &o.value) || o.value < 0)
            rc = pc_fail_at(err, path, r->line, "value", "expected a number >= 0, got '%s'",
                            r->fields[2]);
        else if (find_obs(p, r->fields[0], o.month))
            rc = pc_fail_at(err, path, r->line, "period", "%s %s is given twice", r->fields[0],
                            r->fields[1]);
        else if (!(o.variable = pc_strdup(r->fields[0])))
            rc = pc_fail(err, PC_EENV, "out of memory");
        else
            p->obs[p->n_obs++] = o;
    }
    if (!rc && !p->n_obs)
        rc = pc_fail(err, PC_EINPUT, "%s: no observation", path);
done:
    rec_catalog_free(cat);
    cfg_table_free(t);
    return rc;
}

/* Splits text at commas into at most BACKTEST_MAX_LIST items, each parsed by kind:
 * 'm' a month, 'h' a whole number of months > 0.  *out and *n. */
static int parse_list(const char *option, const char *text, int kind, int **out, size_t *n,
                      pc_err *err)
{
    free(*out);
    *out = NULL;
    *n = 0;
    size_t len = strlen(text);
    int *items = pc_calloc(len / 2 + 2, sizeof *items);
    if (!items)
        return pc_fail(err, PC_EENV, "out of memory");
    const char *q = text;
    while (*q) {
        const char *comma = strchr(q, ',');
        size_t l = comma ? (size_t)(comma - q) : strlen(q);
        while (l && isspace((unsigned char)*q))
            q++, l--;
        while (l && isspace((unsigned char)q[l - 1]))
            l--;
        int v = 0, ok;
        if (kind == 'm') {
            ok = parse_month(q, l, &v);
        } else {
            ok = l > 0 && l < 6;
            for (size_t i = 0; i < l && ok; i++)
                ok = isdigit((unsigned char)q[i]) != 0;
            v = ok ? atoi(q) : 0;
            ok = ok && v > 0;
        }
        if (!ok || *n == BACKTEST_MAX_LIST) {
            free(items);
            if (*n == BACKTEST_MAX_LIST)
                return pc_fail(err, PC_EINPUT, "--%s: at most %d values", option,
                               BACKTEST_MAX_LIST);
            return pc_fail(err, PC_EINPUT, "--%s: '%.*s' is not %s", option, (int)l, q,
                           kind == 'm' ? "a month YYYY-MM"
                                       : "a whole number of months > 0 (at most 99999)");
        }
        for (size_t i = 0; i < *n; i++)
            if (items[i] == v) {
                free(items);
                return pc_fail(err, PC_EINPUT, "--%s: %.*s is given twice", option, (int)l, q);
            }
        items[(*n)++] = v;
        if (!comma)
            break;
        q = comma + 1;
        if (!*q) {
            free(items);
            return pc_fail(err, PC_EINPUT, "--%s: a value is missing after the last comma", option);
        }
    }
    if (!*n) {
        free(items);
        return pc_fail(err, PC_EINPUT, "--%s: no value", option);
    }
    /* sorted: horizons and breaks in order, origins too */
    for (size_t i = 1; i < *n; i++)
        for (size_t j = i; j > 0 && items[j - 1] > items[j]; j--) {
            int tmp = items[j];
            items[j] = items[j - 1];
            items[j - 1] = tmp;
        }
    *out = items;
    return PC_OK;
}

int backtest_set_origins(backtest_problem *p, const char *text, pc_err *err)
{
    return parse_list("origins", text, 'm', &p->origins, &p->n_origins, err);
}

int backtest_set_horizons(backtest_problem *p, const char *text, pc_err *err)
{
    int rc = parse_list("horizons", text, 'h', &p->horizons, &p->n_horizons, err);
    if (!rc && p->horizons[p->n_horizons - 1] > 1200)
        return pc_fail(err, PC_EINPUT, "--horizons: %d months is more than the 1200 a model runs",
                       p->horizons[p->n_horizons - 1]);
    return rc;
}

int backtest_set_breaks(backtest_problem *p, const char *text, pc_err *err)
{
    if (!*text) {
        p->n_breaks = 0;
        return PC_OK;
    }
    return parse_list("breaks", text, 'm', &p->breaks, &p->n_breaks, err);
}

int backtest_add_fit(backtest_problem *p, const char *spec, pc_err *err)
{
    char **bigger = realloc(p->fit, (p->n_fit + 1) * sizeof *bigger);
    if (!bigger)
        return pc_fail(err, PC_EENV, "out of memory");
    p->fit = bigger;
    if (!(p->fit[p->n_fit] = pc_strdup(spec)))
        return pc_fail(err, PC_EENV, "out of memory");
    p->n_fit++;
    return PC_OK;
}

int backtest_set_fit_window(backtest_problem *p, int months, pc_err *err)
{
    if (months < 1 || months > 1200)
        return pc_fail(err, PC_EINPUT, "--fit-window: expected 1 to 1200 months, got %d", months);
    p->fit_window = months;
    return PC_OK;
}

/* Whether a window from month a to month b (a < b) spans a break. */
static int spans_break(const backtest_problem *p, int a, int b, int *which)
{
    for (size_t i = 0; i < p->n_breaks; i++)
        if (a < p->breaks[i] && p->breaks[i] <= b) {
            *which = p->breaks[i];
            return 1;
        }
    return 0;
}

/* The populations observed as `stock.P`: index of the population, or -1, per observation. */
static int stock_population(const mdl_model *m, const char *variable)
{
    if (strncmp(variable, "stock.", 6))
        return -1;
    return mdl_population_index(m, variable + 6);
}

/* Does any observation set a population's state at month? */
static int state_observed(const backtest_problem *p, int month)
{
    for (size_t i = 0; i < p->n_obs; i++)
        if (p->obs[i].month == month && stock_population(p->base, p->obs[i].variable) >= 0)
            return 1;
    return 0;
}

int backtest_validate(const backtest_problem *p, pc_err *err)
{
    if (!p->n_obs)
        return pc_fail(err, PC_EINPUT, "--observed: no observation");
    if (!p->n_origins)
        return pc_fail(err, PC_EINPUT, "--origins: no origin");
    if (!p->n_horizons)
        return pc_fail(err, PC_EINPUT, "--horizons: no horizon");
    for (size_t i = 0; i < p->n_origins; i++) {
        int o = p->origins[i], b;
        char when[16], from[16], bt[16];
        backtest_month_text(o, when, sizeof when);
        if (!state_observed(p, o))
            return pc_fail(err, PC_EINPUT,
                           "--origins %s: no population's stock (stock.P) is observed in %s "
                           "(%s): the forecast cannot start from an observed state",
                           when, p->observed_path, when);
        if (!p->n_fit)
            continue;
        int a = o - p->fit_window;
        backtest_month_text(a, from, sizeof from);
        if (!state_observed(p, a))
            return pc_fail(err, PC_EINPUT,
                           "--origins %s: the fit window starts from the stock of %s (--fit-window "
                           "%d), which %s does not hold",
                           when, from, p->fit_window, p->observed_path);
        if (spans_break(p, a, o, &b)) {
            backtest_month_text(b, bt, sizeof bt);
            return pc_fail(err, PC_EINPUT,
                           "--origins %s: the fit window %s to %s spans the series break %s "
                           "(--breaks)",
                           when, from, when, bt);
        }
    }
    /* the fitted keys, on the model */
    calib_problem *cp = calib_problem_alloc(p->base);
    if (!cp)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = PC_OK;
    for (size_t i = 0; i < p->n_fit && !rc; i++) {
        rc = calib_add_key(cp, p->fit[i], err);
        if (rc && !strncmp(err->msg, "--free ", 7)) {
            /* the option is --fit here */
            pc_err said = *err;
            pc_fail(err, rc, "--fit %s", said.msg + 7);
        }
    }
    calib_problem_free(cp);
    return rc;
}

/* ---- runs ------------------------------------------------------------------------ */

/* Keys and values of a run: start, horizon, initial counts, and more. */
typedef struct {
    size_t n, cap;
    char **keys, **values;
} keyset;

static void keyset_clear(keyset *k)
{
    for (size_t i = 0; i < k->n; i++) {
        free(k->keys[i]);
        free(k->values[i]);
    }
    free(k->keys);
    free(k->values);
    memset(k, 0, sizeof *k);
}

static int keyset_add(keyset *k, char *key, char *value)
{
    if (!key || !value) {
        free(key);
        free(value);
        return 1;
    }
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        char **a = realloc(k->keys, cap * sizeof *a);
        if (a)
            k->keys = a;
        char **b = a ? realloc(k->values, cap * sizeof *b) : NULL;
        if (!b) {
            free(key);
            free(value);
            return 1;
        }
        k->values = b;
        k->cap = cap;
    }
    k->keys[k->n] = key;
    k->values[k->n] = value;
    k->n++;
    return 0;
}

/* The keys that start base at month from + 1 from the stocks observed at month from,
 * for horizon months. */
static int start_keys(const backtest_problem *p, int from, int horizon, keyset *k)
{
    char when[16];
    backtest_month_text(from + 1, when, sizeof when);
    if (keyset_add(k, pc_strdup("model.start"), pc_strdup(when)) ||
        keyset_add(k, pc_strdup("model.horizon"), pc_strf("%d", horizon)))
        return 1;
    for (size_t i = 0; i < p->n_obs; i++) {
        const backtest_obs *o = &p->obs[i];
        int pop = stock_population(p->base, o->variable);
        if (o->month != from || pop < 0)
            continue;
        if (keyset_add(k, pc_strf("population.%s.initial.count", p->base->populations[pop].name),
                       pc_strf("%.0f", floor(o->value + 0.5))))
            return 1;
    }
    return 0;
}

/* Fits the keys on the window before origin o; values[key] as the overlay writes them. */
static int fit_origin(const backtest_problem *p, const backtest_options *opt, int o, char **values,
                      double *objective, pc_err *err)
{
    keyset k = {0};
    mdl_model *fm = NULL;
    calib_problem *cp = NULL;
    calib_result *cr = NULL;
    int rc = PC_OK;
    int a = o - p->fit_window;
    if (start_keys(p, a, p->fit_window, &k)) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    if ((rc = mdl_override(p->base, k.n, (const char *const *)k.keys, (const char *const *)k.values,
                           &fm, err)))
        goto done;
    if (!(cp = calib_problem_alloc(fm))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < p->n_fit && !rc; i++)
        rc = calib_add_key(cp, p->fit[i], err);
    for (size_t i = 0; i < p->n_obs && !rc; i++) {
        const backtest_obs *ob = &p->obs[i];
        if (ob->month <= a || ob->month > o || ob->value == 0)
            continue;
        char when[16], where[600];
        backtest_month_text(ob->month, when, sizeof when);
        snprintf(where, sizeof where, "%s:%d", p->observed_path, ob->line);
        rc = calib_add_target(cp, ob->variable, when, ob->value, 1, where, err);
    }
    if (rc)
        goto done;
    calib_options co = {.reps = opt->fit_reps,
                        .seed = opt->seed,
                        .threads = opt->threads,
                        .max_iter = opt->max_iter,
                        .tol = opt->tol};
    if ((rc = calib_fit(cp, &co, &cr, err)))
        goto done;
    for (size_t i = 0; i < p->n_fit; i++) {
        char buf[64];
        calib_format_value(&cp->free_keys[i], cr->values[i], buf, sizeof buf);
        if (!(values[i] = pc_strdup(buf))) {
            rc = pc_fail(err, PC_EENV, "out of memory");
            goto done;
        }
    }
    *objective = cr->objective;
done:
    calib_result_free(cr);
    calib_problem_free(cp);
    mdl_free(fm);
    keyset_clear(&k);
    return rc;
}

/* CRPS of the sorted sample x (n values) at y: mean |x - y| - mean |x - x'| / 2. */
static double crps_of(const double *x, size_t n, double y)
{
    double a = 0, b = 0;
    for (size_t i = 0; i < n; i++) {
        a += fabs(x[i] - y);
        b += (2.0 * (double)i - (double)n + 1.0) * x[i]; /* sum over pairs of |x_i - x_j| / 2 */
    }
    return a / (double)n - b / ((double)n * (double)n);
}

static int score_run(const backtest_problem *p, const mc_result *res, int o, double *sample,
                     backtest_result *r, size_t *cap, pc_err *err)
{
    for (size_t hi = 0; hi < p->n_horizons; hi++) {
        int h = p->horizons[hi], b;
        if (spans_break(p, o, o + h, &b))
            continue;
        for (size_t i = 0; i < p->n_obs; i++) {
            const backtest_obs *y = &p->obs[i];
            if (y->month != o + h)
                continue;
            const backtest_obs *y0 = find_obs(p, y->variable, o);
            if (!y0)
                continue;
            long var = rec_find(res->catalog, y->variable);
            if (var < 0)
                return pc_fail(err, PC_EINTERNAL, "%s: not an output", y->variable);
            size_t n = 0;
            for (size_t rep = 0; rep < res->reps; rep++) {
                double v = mc_series(res, rep, (size_t)var)[h - 1];
                if (isfinite(v))
                    sample[n++] = v;
            }
            if (!n)
                continue;
            if (r->n_rows == *cap) {
                size_t c = *cap ? 2 * *cap : 64;
                backtest_row *bigger = realloc(r->rows, c * sizeof *bigger);
                if (!bigger)
                    return pc_fail(err, PC_EENV, "out of memory");
                r->rows = bigger;
                *cap = c;
            }
            backtest_row *row = &r->rows[r->n_rows++];
            memset(row, 0, sizeof *row);
            snprintf(row->variable, sizeof row->variable, "%s", y->variable);
            row->origin = o;
            row->horizon = h;
            row->month = o + h;
            row->observed = y->value;
            row->origin_value = y0->value;
            double below = 0, equal = 0;
            for (size_t k = 0; k < n; k++) {
                below += sample[k] < y->value;
                equal += sample[k] == y->value;
            }
            row->pit = (below + equal / 2) / (double)n;
            mc_summary s;
            mc_summarise(sample, n, &s); /* sorts */
            row->crps = crps_of(sample, n, y->value);
            row->mean = s.mean;
            row->p05 = s.p05;
            row->p25 = s.p25;
            row->p50 = s.p50;
            row->p75 = s.p75;
            row->p95 = s.p95;
            row->in50 = s.p25 <= y->value && y->value <= s.p75;
            row->in90 = s.p05 <= y->value && y->value <= s.p95;
            double yy = y->value;
            row->crps_rel = yy > 0 ? row->crps / yy : NAN;
            row->error_median = yy > 0 ? (s.p50 - yy) / yy : NAN;
            row->error_naive = yy > 0 ? (y0->value - yy) / yy : NAN;
        }
    }
    return PC_OK;
}

static void score_rows(const backtest_result *r, int horizon, backtest_score *s)
{
    memset(s, 0, sizeof *s);
    s->horizon = horizon;
    size_t n_rel = 0;
    for (size_t i = 0; i < r->n_rows; i++) {
        const backtest_row *row = &r->rows[i];
        if (horizon && row->horizon != horizon)
            continue;
        s->n++;
        s->cover50 += row->in50;
        s->cover90 += row->in90;
        int bin = (int)(row->pit * BACKTEST_PIT_BINS);
        s->pit[bin < 0 ? 0 : bin >= BACKTEST_PIT_BINS ? BACKTEST_PIT_BINS - 1 : bin]++;
        if (isfinite(row->crps_rel)) {
            n_rel++;
            s->crps_rel += row->crps_rel;
            s->mae_median += fabs(row->error_median);
            s->mae_naive += fabs(row->error_naive);
            s->bias_median += row->error_median;
        }
    }
    double n = (double)s->n;
    s->cover50 = s->n ? s->cover50 / n : NAN;
    s->cover90 = s->n ? s->cover90 / n : NAN;
    double m = (double)n_rel;
    s->crps_rel = n_rel ? s->crps_rel / m : NAN;
    s->mae_median = n_rel ? s->mae_median / m : NAN;
    s->mae_naive = n_rel ? s->mae_naive / m : NAN;
    s->bias_median = n_rel ? s->bias_median / m : NAN;
}

void backtest_result_free(backtest_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_fitted; i++)
        free(r->fitted[i]);
    free(r->fitted);
    free(r->objective);
    free(r->rows);
    free(r->scores);
    free(r);
}

int backtest_run(const backtest_problem *p, const backtest_options *opt, backtest_result **out,
                 pc_err *err)
{
    *out = NULL;
    int rc = backtest_validate(p, err);
    if (rc)
        return rc;
    backtest_result *r = pc_calloc(1, sizeof *r);
    double *sample = pc_calloc(opt->reps, sizeof *sample);
    if (r) {
        r->n_fitted = p->n_origins * p->n_fit;
        r->fitted = pc_calloc(r->n_fitted ? r->n_fitted : 1, sizeof *r->fitted);
        r->objective = pc_calloc(p->n_origins, sizeof *r->objective);
        r->scores = pc_calloc(p->n_horizons + 1, sizeof *r->scores);
        r->reps = opt->reps;
    }
    if (!r || !sample || !r->fitted || !r->objective || !r->scores) {
        free(sample);
        backtest_result_free(r);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    size_t cap = 0;
    int horizon = p->horizons[p->n_horizons - 1];
    for (size_t oi = 0; oi < p->n_origins && !rc; oi++) {
        int o = p->origins[oi];
        char **fitted = r->fitted + oi * p->n_fit;
        r->objective[oi] = NAN;
        if (p->n_fit && (rc = fit_origin(p, opt, o, fitted, &r->objective[oi], err)))
            break;
        keyset k = {0};
        int oom = start_keys(p, o, horizon, &k);
        for (size_t i = 0; i < p->n_fit && !oom; i++) {
            const char *eq = strchr(p->fit[i], '=');
            oom = keyset_add(&k, pc_strf("%.*s", (int)(eq - p->fit[i]), p->fit[i]),
                             pc_strdup(fitted[i]));
        }
        if (oom) {
            keyset_clear(&k);
            rc = pc_fail(err, PC_EENV, "out of memory");
            break;
        }
        mc_options mo = {.reps = opt->reps, .seed = opt->seed, .threads = opt->threads};
        runs_variant v = {0};
        rc = runs_with(p->base, k.n, (const char *const *)k.keys, (const char *const *)k.values,
                       &mo, &v, err);
        keyset_clear(&k);
        if (!rc)
            rc = score_run(p, v.result, o, sample, r, &cap, err);
        runs_clear(&v);
        if (!rc && opt->progress)
            opt->progress(opt->progress_ctx, oi + 1, p->n_origins);
    }
    free(sample);
    if (rc) {
        backtest_result_free(r);
        return rc;
    }
    for (size_t hi = 0; hi < p->n_horizons; hi++)
        score_rows(r, p->horizons[hi], &r->scores[hi]);
    score_rows(r, 0, &r->scores[p->n_horizons]);
    r->n_scores = p->n_horizons + 1;
    *out = r;
    return PC_OK;
}

/* ---- files --------------------------------------------------------------------- */

int backtest_write_rows(const backtest_result *r, const char *path, pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("variable,origin,horizon,month,observed,origin_value,mean,p05,p25,p50,p75,p95,in50,in90,"
          "pit,crps,crps_rel,error_median,error_naive\n",
          f);
    for (size_t i = 0; i < r->n_rows; i++) {
        const backtest_row *row = &r->rows[i];
        char o[16], m[16];
        backtest_month_text(row->origin, o, sizeof o);
        backtest_month_text(row->month, m, sizeof m);
        fsio_csv_text(f, row->variable, 1);
        fsio_csv_text(f, o, 0);
        fprintf(f, ",%d", row->horizon);
        fsio_csv_text(f, m, 0);
        const double v[] = {row->observed, row->origin_value, row->mean, row->p05,
                            row->p25,      row->p50,          row->p75,  row->p95};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            fsio_csv_number(f, v[k], 0);
        fprintf(f, ",%d,%d", row->in50, row->in90);
        const double w[] = {row->pit, row->crps, row->crps_rel, row->error_median,
                            row->error_naive};
        for (size_t k = 0; k < sizeof w / sizeof w[0]; k++)
            fsio_csv_number(f, w[k], 0);
        fputc('\n', f);
    }
    return fsio_commit(&out, PC_OK, err);
}

int backtest_write_summary(const backtest_result *r, const char *path, pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("horizon,n,cover50,cover90,crps_rel,mae_median,mae_naive,bias_median", f);
    for (int k = 0; k < BACKTEST_PIT_BINS; k++)
        fprintf(f, ",pit_%d", k);
    fputc('\n', f);
    for (size_t i = 0; i < r->n_scores; i++) {
        const backtest_score *s = &r->scores[i];
        if (s->horizon)
            fprintf(f, "%d", s->horizon);
        else
            fputs("all", f);
        fprintf(f, ",%zu", s->n);
        const double v[] = {s->cover50,    s->cover90,   s->crps_rel,
                            s->mae_median, s->mae_naive, s->bias_median};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            fsio_csv_number(f, v[k], 0);
        for (int k = 0; k < BACKTEST_PIT_BINS; k++)
            fprintf(f, ",%zu", s->pit[k]);
        fputc('\n', f);
    }
    return fsio_commit(&out, PC_OK, err);
}

int backtest_write_fit(const backtest_problem *p, const backtest_result *r, const char *path,
                       pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("origin,key,value,objective\n", f);
    for (size_t oi = 0; oi < p->n_origins; oi++)
        for (size_t i = 0; i < p->n_fit; i++) {
            char o[16];
            backtest_month_text(p->origins[oi], o, sizeof o);
            const char *eq = strchr(p->fit[i], '=');
            char key[400];
            snprintf(key, sizeof key, "%.*s", (int)(eq - p->fit[i]), p->fit[i]);
            fsio_csv_text(f, o, 1);
            fsio_csv_text(f, key, 0);
            fsio_csv_text(f, r->fitted[oi * p->n_fit + i], 0);
            fsio_csv_number(f, r->objective[oi], 0);
            fputc('\n', f);
        }
    return fsio_commit(&out, PC_OK, err);
}
