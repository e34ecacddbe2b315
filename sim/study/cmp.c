/* cmp — paired differences, variance reduction and precision targets (see cmp.h).
 *
 * The statistics are GSL's (t quantiles, sample moments, type-7 quantiles
 * through mc_summarise); CSV files follow fsio.h.  Runs are kept whole
 * (mc_result) so that any replication of one scenario can be paired with the
 * same replication of another.  The charts of a comparison are
 * present/diffplot.h's. */
#include "cmp.h"

#include <errno.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fsio.h"
#include "core/rec.h"

#define CMP_MAX_CELLS   (250u * 1000u * 1000u) /* 2 GB of doubles per run, as mc_run allows */
#define CMP_MAX_REPS    10000u                 /* default ceiling of a precision run */
#define CMP_MIN_BATCH   10u                    /* smallest batch added for precision */
#define CMP_MAX_YEARS   (MDL_MAX_MONTHS / 12 + 2)
#define CMP_THREE_YEARS 36 /* months: the horizon of the policy questions */

/* ---- summaries ---------------------------------------------------------------- */

double cmp_half_width(double sd, size_t n, double level)
{
    if (n < 2)
        return INFINITY;
    double t = gsl_cdf_tdist_Pinv(0.5 + level / 2, (double)(n - 1));
    return t * sd / sqrt((double)n);
}

void cmp_summarise(double *sample, size_t n, double level, cmp_stat *s)
{
    mc_summary m;
    mc_summarise(sample, n, &m);
    s->n = m.n;
    s->mean = m.mean;
    s->sd = m.sd;
    s->p05 = m.p05;
    s->p25 = m.p25;
    s->p50 = m.p50;
    s->p75 = m.p75;
    s->p95 = m.p95;
    if (m.n < 2) {
        s->ci_low = s->ci_high = NAN;
        return;
    }
    double hw = cmp_half_width(m.sd, m.n, level);
    s->ci_low = m.mean - hw;
    s->ci_high = m.mean + hw;
}

/* ---- values of a variable ---------------------------------------------------------- */

int cmp_key_set(cmp_key *key, const mdl_model *m, const char *name, cmp_period kind, int period,
                pc_err *err)
{
    memset(key, 0, sizeof *key);
    if (strlen(name) >= sizeof key->name)
        return pc_fail(err, PC_EINPUT, "%.60s...: variable name too long", name);
    strcpy(key->name, name);
    key->kind = kind;
    key->period = period;
    int first_year = m->start_year, last_year, last_month;
    mdl_month_of(m, m->horizon - 1, &last_year, &last_month);
    if (kind == CMP_MONTH) {
        if (period < 0 || period >= m->horizon)
            return pc_fail(err, PC_EINPUT, "%s: month %d outside the horizon (0 to %d)", name,
                           period, m->horizon - 1);
        int y, mo;
        mdl_month_of(m, period, &y, &mo);
        snprintf(key->label, sizeof key->label, "%s %04d-%02d", name, y, mo);
    } else if (kind == CMP_YEAR) {
        if (period < first_year || period > last_year)
            return pc_fail(err, PC_EINPUT, "%s@%d: the horizon covers %d to %d", name, period,
                           first_year, last_year);
        snprintf(key->label, sizeof key->label, "%s %d", name, period);
    } else {
        snprintf(key->label, sizeof key->label, "%s (total)", name);
    }
    return PC_OK;
}

double cmp_key_value(const mc_result *r, size_t rep, const cmp_key *key)
{
    long var = rec_find(r->catalog, key->name);
    if (var < 0)
        return NAN;
    if (key->kind == CMP_TOTAL)
        return mc_total(r, rep, (size_t)var);
    if (key->kind == CMP_MONTH)
        return key->period >= 0 && (size_t)key->period < r->n_months
                   ? mc_series(r, rep, (size_t)var)[key->period]
                   : NAN;
    double values[CMP_MAX_YEARS];
    int years[CMP_MAX_YEARS];
    size_t n = mc_yearly(r, rep, (size_t)var, values, years);
    for (size_t i = 0; i < n; i++)
        if (years[i] == key->period)
            return values[i];
    return NAN;
}

double cmp_key_mean(const mc_result *r, size_t reps, const cmp_key *key)
{
    double s = 0;
    size_t used = 0;
    for (size_t rep = 0; rep < reps; rep++) {
        double v = cmp_key_value(r, rep, key);
        if (!isnan(v)) {
            s += v;
            used++;
        }
    }
    return used ? s / (double)used : NAN;
}

size_t cmp_key_outputs(const mdl_model *m, int with_three_years, cmp_key *keys, size_t max)
{
    size_t n = 0;
    char name[300];
    pc_err ignored;
    for (size_t p = 0; p < m->n_populations; p++) {
        snprintf(name, sizeof name, "stock.%s", m->populations[p].name);
        if (with_three_years && m->horizon > CMP_THREE_YEARS && n < max &&
            cmp_key_set(&keys[n], m, name, CMP_MONTH, CMP_THREE_YEARS - 1, &ignored) == PC_OK)
            n++;
        if (n < max && cmp_key_set(&keys[n], m, name, CMP_MONTH, m->horizon - 1, &ignored) == PC_OK)
            n++;
    }
    if (n < max && cmp_key_set(&keys[n], m, "cost.total", CMP_TOTAL, 0, &ignored) == PC_OK)
        n++;
    return n;
}

/* ---- paired differences --------------------------------------------------------------- */

void cmp_paired(const mc_result *base, const mc_result *alt, size_t reps, const cmp_key *key,
                double level, double *scratch, cmp_stat *s)
{
    for (size_t rep = 0; rep < reps; rep++)
        scratch[rep] = cmp_key_value(alt, rep, key) - cmp_key_value(base, rep, key);
    cmp_summarise(scratch, reps, level, s);
}

/* Mean of the non-NaN values, NaN when there is none. */
static double mean_of(const double *x, size_t n)
{
    double s = 0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) {
            s += x[i];
            used++;
        }
    return used ? s / (double)used : NAN;
}

/* One row of differences.csv from the paired samples (NaN pairs left out). */
static void put_difference(FILE *f, const char *scenario, const char *base, const char *variable,
                           const char *kind, const char *period, const double *b, const double *a,
                           size_t reps, double level, double *scratch)
{
    for (size_t rep = 0; rep < reps; rep++)
        scratch[rep] = a[rep] - b[rep];
    /* the means of each side over the pairs used */
    double sb = 0, sa = 0;
    size_t used = 0;
    for (size_t rep = 0; rep < reps; rep++)
        if (!isnan(scratch[rep])) {
            sb += b[rep];
            sa += a[rep];
            used++;
        }
    cmp_stat s;
    cmp_summarise(scratch, reps, level, &s);
    fsio_csv_text(f, scenario, 1);
    fsio_csv_text(f, base, 0);
    fsio_csv_text(f, variable, 0);
    fsio_csv_text(f, kind, 0);
    fsio_csv_text(f, period, 0);
    fprintf(f, ",%zu", s.n);
    fsio_csv_number(f, used ? sb / (double)used : NAN, 0);
    fsio_csv_number(f, used ? sa / (double)used : NAN, 0);
    fsio_csv_number(f, s.mean, 0);
    fsio_csv_number(f, s.sd, 0);
    fsio_csv_number(f, s.ci_low, 0);
    fsio_csv_number(f, s.ci_high, 0);
    fsio_csv_number(f, s.p05, 0);
    fsio_csv_number(f, s.p25, 0);
    fsio_csv_number(f, s.p50, 0);
    fsio_csv_number(f, s.p75, 0);
    fsio_csv_number(f, s.p95, 0);
    fputc('\n', f);
}

static int same_frame(const mc_result *base, const mc_result *alt, pc_err *err)
{
    const mdl_model *a = alt->model, *b = base->model;
    if (alt->reps != base->reps)
        return pc_fail(err, PC_EINPUT, "%s: %zu replications, %s: %zu; paired runs need as many",
                       a->id, alt->reps, b->id, base->reps);
    if (a->start_year != b->start_year || a->start_month != b->start_month ||
        alt->n_months != base->n_months)
        return pc_fail(err, PC_EINPUT,
                       "%s starts %04d-%02d over %d months, %s %04d-%02d over %d months: "
                       "scenarios compared need the same start and horizon",
                       a->source ? a->source : a->id, a->start_year, a->start_month, a->horizon,
                       b->source ? b->source : b->id, b->start_year, b->start_month, b->horizon);
    return PC_OK;
}

static int write_alt_differences(FILE *f, const mc_result *base, const mc_result *alt, double level,
                                 pc_err *err)
{
    size_t reps = base->reps, h = base->n_months;
    double *b = malloc(reps * sizeof *b), *a = malloc(reps * sizeof *a);
    double *scratch = malloc(reps * sizeof *scratch);
    double *by = malloc(reps * CMP_MAX_YEARS * sizeof *by);
    double *ay = malloc(reps * CMP_MAX_YEARS * sizeof *ay);
    /* variable by variable across replications: through windows of consecutive
     * variables, so that spilled series are read in the file's order (mc_window) */
    mc_window bw = {0}, aw = {0};
    int years[CMP_MAX_YEARS];
    int rc = PC_OK;
    if (!b || !a || !scratch || !by || !ay) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    const char *sid = alt->model->id, *bid = base->model->id;
    for (size_t v = 0; v < base->n_vars; v++) {
        const char *name = base->catalog->vars[v].name;
        long av = rec_find(alt->catalog, name);
        if (av < 0)
            continue;
        char period[32];
        mc_view bx, ax;
        if (mc_window_view(base, &bw, v, &bx) || mc_window_view(alt, &aw, (size_t)av, &ax)) {
            rc = pc_fail(err, PC_EENV, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < h; k++) {
            for (size_t rep = 0; rep < reps; rep++) {
                b[rep] = bx.x[rep * bx.sx + k];
                a[rep] = ax.x[rep * ax.sx + k];
            }
            int y, mo;
            mdl_month_of(base->model, (int)k, &y, &mo);
            snprintf(period, sizeof period, "%04d-%02d", y, mo);
            put_difference(f, sid, bid, name, "month", period, b, a, reps, level, scratch);
        }
        size_t ny = 0;
        for (size_t rep = 0; rep < reps; rep++) {
            ny = mc_view_yearly(base, &bx, rep, by + rep * CMP_MAX_YEARS, years, NULL, NULL);
            mc_view_yearly(alt, &ax, rep, ay + rep * CMP_MAX_YEARS, years, NULL, NULL);
        }
        for (size_t y = 0; y < ny; y++) {
            for (size_t rep = 0; rep < reps; rep++) {
                b[rep] = by[rep * CMP_MAX_YEARS + y];
                a[rep] = ay[rep * CMP_MAX_YEARS + y];
            }
            snprintf(period, sizeof period, "%d", years[y]);
            put_difference(f, sid, bid, name, "year", period, b, a, reps, level, scratch);
        }
        for (size_t rep = 0; rep < reps; rep++) {
            b[rep] = mc_view_total(base, &bx, rep);
            a[rep] = mc_view_total(alt, &ax, rep);
        }
        put_difference(f, sid, bid, name, "total", "", b, a, reps, level, scratch);
    }
done:
    mc_window_free(&bw);
    mc_window_free(&aw);
    free(b);
    free(a);
    free(scratch);
    free(by);
    free(ay);
    return rc;
}

int cmp_write_differences(const char *path, const mc_result *base, const mc_result *const *alts,
                          size_t n_alts, double level, pc_err *err)
{
    int rc;
    for (size_t i = 0; i < n_alts; i++)
        if ((rc = same_frame(base, alts[i], err)))
            return rc;
    fsio_file out;
    if ((rc = fsio_open(&out, path, err)))
        return rc;
    FILE *f = out.f;
    fputs("scenario,base,variable,period_kind,period,n,base_mean,alt_mean,mean,sd,ci_low,ci_high,"
          "p05,p25,p50,p75,p95\n",
          f);
    rc = PC_OK;
    for (size_t i = 0; i < n_alts && !rc; i++)
        rc = write_alt_differences(f, base, alts[i], level, err);
    return fsio_commit(&out, rc, err);
}

/* ---- variance reduction ------------------------------------------------------------------- */

void cmp_reduction_of(const mc_result *base, const mc_result *paired, const mc_result *independent,
                      size_t reps, const cmp_key *key, double *scratch, cmp_reduction *out)
{
    cmp_stat p, q;
    memset(out, 0, sizeof *out);
    out->key = *key;
    out->reps = reps;
    for (size_t rep = 0; rep < reps; rep++)
        scratch[rep] = cmp_key_value(base, rep, key);
    out->base_mean = mean_of(scratch, reps);
    cmp_paired(base, paired, reps, key, CMP_LEVEL, scratch, &p);
    cmp_paired(base, independent, reps, key, CMP_LEVEL, scratch, &q);
    out->paired_mean = p.mean;
    out->paired_sd = p.sd;
    out->independent_mean = q.mean;
    out->independent_sd = q.sd;
    double vp = p.sd * p.sd, vi = q.sd * q.sd;
    out->factor = vp > 0 ? vi / vp : (vi > 0 ? INFINITY : NAN);
}

/* ---- precision ------------------------------------------------------------------------------ */

int cmp_parse_share(const char *text, double *share, pc_err *err)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    while (*end == ' ')
        end++;
    if (end == text || errno || *end != '%' || end[1] || !(v > 0) || !(v < 100))
        return pc_fail(err, PC_EINPUT,
                       "--precision: expected a percentage between 0 and 100 such as 1%%, "
                       "got '%s'",
                       text);
    *share = v / 100;
    return PC_OK;
}

/* Relative half-width of a sample against a reference mean; -1 when it cannot be used. */
static double relative_width(double *sample, size_t n, double reference, double level)
{
    cmp_stat s;
    cmp_summarise(sample, n, level, &s);
    if (!(fabs(reference) > 0) || s.n == 0)
        return -1;
    if (s.n < 2)
        return INFINITY;
    return cmp_half_width(s.sd, s.n, level) / fabs(reference);
}

double cmp_worst_relative(const mc_result *r, size_t reps, double level, char *which, size_t size)
{
    cmp_key keys[64];
    size_t nk = cmp_key_outputs(r->model, 0, keys, 64);
    double *x = malloc((reps ? reps : 1) * sizeof *x);
    double worst = -1;
    if (which && size)
        which[0] = '\0';
    if (!x)
        return INFINITY;
    for (size_t k = 0; k < nk; k++) {
        for (size_t rep = 0; rep < reps; rep++)
            x[rep] = cmp_key_value(r, rep, &keys[k]);
        double w = relative_width(x, reps, mean_of(x, reps), level);
        if (w > worst) {
            worst = w;
            if (which && size)
                snprintf(which, size, "%s", keys[k].label);
        }
    }
    free(x);
    return worst < 0 ? 0 : worst;
}

double cmp_worst_paired(const mc_result *base, const mc_result *const *alts, size_t n_alts,
                        size_t reps, double level, char *which, size_t size)
{
    cmp_key keys[64];
    size_t nk = cmp_key_outputs(base->model, 0, keys, 64);
    double *x = malloc((reps ? reps : 1) * sizeof *x);
    double worst = -1;
    if (which && size)
        which[0] = '\0';
    if (!x)
        return INFINITY;
    for (size_t k = 0; k < nk; k++) {
        for (size_t rep = 0; rep < reps; rep++)
            x[rep] = cmp_key_value(base, rep, &keys[k]);
        double reference = mean_of(x, reps);
        for (size_t i = 0; i < n_alts; i++) {
            for (size_t rep = 0; rep < reps; rep++)
                x[rep] = cmp_key_value(alts[i], rep, &keys[k]) - cmp_key_value(base, rep, &keys[k]);
            double w = relative_width(x, reps, reference, level);
            if (w > worst) {
                worst = w;
                if (which && size)
                    snprintf(which, size, "%s - %s: %s", alts[i]->model->id, base->model->id,
                             keys[k].label);
            }
        }
    }
    free(x);
    return worst < 0 ? 0 : worst;
}

/* The replication count of the next batch's end (see cmp_run_precision). */
static size_t next_total(size_t n, double worst, double share, size_t max_reps)
{
    double ratio = worst / share;
    double want = isfinite(ratio) ? ceil((double)n * ratio * ratio * 1.1) : (double)(4 * n);
    double lo = (double)(n + CMP_MIN_BATCH), hi = (double)(4 * n);
    if (want < lo)
        want = lo;
    if (want > hi)
        want = hi;
    return want > (double)max_reps ? max_reps : (size_t)want;
}

/* The largest replication count a run of m may hold in memory. */
static size_t memory_cap(const mc_result *r)
{
    double per_rep = (double)r->n_vars * (double)r->n_months;
    double cap = per_rep > 0 ? floor((double)CMP_MAX_CELLS / per_rep) : (double)CMP_MAX_REPS;
    return cap < 1 ? 1 : (size_t)cap;
}

int cmp_run_precision(const mdl_model *m, const mc_options *opt, const cmp_precision *p,
                      mc_result **out, cmp_precision_report *report, pc_err *err)
{
    *out = NULL;
    cmp_precision_report local;
    if (!report)
        report = &local;
    memset(report, 0, sizeof *report);
    if (!(p->share > 0 && p->share < 1))
        return pc_fail(err, PC_EINPUT, "--precision: expected a share between 0 and 100 %%");
    if (opt->reps < 2 || opt->first != 0)
        return pc_fail(err, PC_EINPUT,
                       "--precision: the first batch needs at least 2 replications, numbered "
                       "from 0");
    size_t max_reps = p->max_reps ? p->max_reps : CMP_MAX_REPS;
    if (max_reps < opt->reps)
        return pc_fail(err, PC_EINPUT, "--max-reps %zu: below the first batch (--reps %zu)",
                       max_reps, opt->reps);
    mc_result *r = NULL;
    int rc = mc_run(m, opt, &r, err);
    if (rc)
        return rc;
    size_t cap = memory_cap(r);
    if (max_reps > cap) {
        report->memory_cap = cap;
        max_reps = cap > opt->reps ? cap : opt->reps;
    }
    report->batches = 1;
    report->last_batch = r->reps;
    while (1) {
        report->reps = r->reps;
        report->worst =
            cmp_worst_relative(r, r->reps, CMP_LEVEL, report->worst_key, sizeof report->worst_key);
        report->met = report->worst <= p->share;
        if (report->met || r->reps >= max_reps)
            break;
        size_t target = next_total(r->reps, report->worst, p->share, max_reps);
        mc_options more = *opt;
        more.first = r->reps;
        more.reps = target - r->reps;
        mc_result *batch = NULL;
        if ((rc = mc_run(m, &more, &batch, err)) || (rc = mc_append(r, batch, err))) {
            mc_result_free(r);
            return rc;
        }
        report->batches++;
        report->last_batch = more.reps;
    }
    *out = r;
    return PC_OK;
}

/* ---- comparing scenarios -----------------------------------------------------------------------
 */

void cmp_comparison_free(cmp_comparison *c)
{
    if (!c)
        return;
    mc_result_free(c->base);
    for (size_t i = 0; c->alts && i < c->n_alts; i++)
        mc_result_free(c->alts[i]);
    free(c->alts);
    free(c->reductions);
    free(c);
}

/* Adds `count` replications numbered from `first` to *into (or runs them when *into is NULL). */
static int run_more(const mdl_model *m, const mc_options *base_opt, uint32_t seed, size_t first,
                    size_t count, mc_result **into, pc_err *err)
{
    mc_options o = *base_opt;
    o.seed = seed;
    o.first = first;
    o.reps = count;
    mc_result *batch = NULL;
    int rc = mc_run(m, &o, &batch, err);
    if (rc)
        return rc;
    if (!*into) {
        *into = batch;
        return PC_OK;
    }
    return mc_append(*into, batch, err);
}

static int measure_reductions(cmp_comparison *c, const mdl_model *const *alts,
                              const cmp_options *opt, pc_err *err)
{
    size_t reps = c->base->reps;
    double *scratch = malloc(reps * sizeof *scratch);
    c->reductions = pc_calloc(c->n_alts * (c->n_keys ? c->n_keys : 1), sizeof *c->reductions);
    if (!scratch || !c->reductions) {
        free(scratch);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    int rc = PC_OK;
    for (size_t i = 0; i < c->n_alts && !rc; i++) {
        /* The other run of the alternative: with common random numbers when the
         * one compared is independent, else on replications base never used. */
        mc_result *other = NULL;
        if (opt->progress) {
            cmp_step step = {.measuring = 1,
                             .scenarios = 1,
                             .first = 0,
                             .last = reps - 1,
                             .scenario = alts[i]->id};
            opt->progress(opt->progress_ctx, &step);
        }
        if (opt->independent)
            rc = run_more(alts[i], &opt->mc, opt->mc.seed, 0, reps, &other, err);
        else
            rc = run_more(alts[i], &opt->mc, opt->mc.seed, reps, reps, &other, err);
        if (rc)
            break;
        const mc_result *paired = opt->independent ? other : c->alts[i];
        const mc_result *independent = opt->independent ? c->alts[i] : other;
        for (size_t k = 0; k < c->n_keys; k++)
            cmp_reduction_of(c->base, paired, independent, reps, &c->keys[k], scratch,
                             &c->reductions[i * c->n_keys + k]);
        mc_result_free(other);
    }
    free(scratch);
    return rc;
}

int cmp_compare(const mdl_model *base, const mdl_model *const *alts, size_t n_alts,
                const cmp_options *opt, cmp_comparison **out, pc_err *err)
{
    *out = NULL;
    if (n_alts == 0)
        return pc_fail(err, PC_EUSAGE, "compare: at least one alternative scenario is needed");
    for (size_t i = 0; i < n_alts; i++)
        if (alts[i]->start_year != base->start_year || alts[i]->start_month != base->start_month ||
            alts[i]->horizon != base->horizon)
            return pc_fail(err, PC_EINPUT,
                           "%s starts %04d-%02d over %d months, %s %04d-%02d over %d months: "
                           "scenarios compared need the same start and horizon",
                           alts[i]->source ? alts[i]->source : alts[i]->id, alts[i]->start_year,
                           alts[i]->start_month, alts[i]->horizon,
                           base->source ? base->source : base->id, base->start_year,
                           base->start_month, base->horizon);
    if (opt->mc.reps < 1)
        return pc_fail(err, PC_EINPUT, "--reps: expected at least 1");
    if (opt->mc.first != 0)
        return pc_fail(err, PC_EINTERNAL, "cmp_compare: replications are numbered from 0");
    if (opt->precision > 0 && opt->mc.reps < 2)
        return pc_fail(err, PC_EINPUT,
                       "--precision: the first batch needs at least 2 "
                       "replications");
    cmp_comparison *c = pc_calloc(1, sizeof *c);
    if (!c || !(c->alts = pc_calloc(n_alts, sizeof *c->alts))) {
        free(c);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    c->n_alts = n_alts;
    c->n_keys = cmp_key_outputs(base, 1, c->keys, sizeof c->keys / sizeof c->keys[0]);
    uint32_t alt_seed = opt->independent ? opt->mc.seed + 1u : opt->mc.seed;
    size_t max_reps = opt->max_reps ? opt->max_reps : CMP_MAX_REPS;
    size_t n = 0, batch = opt->mc.reps;
    int rc = PC_OK;
    if (opt->precision > 0 && max_reps < batch) {
        rc = pc_fail(err, PC_EINPUT, "--max-reps %zu: below the first batch (--reps %zu)", max_reps,
                     batch);
        goto fail;
    }
    while (1) {
        if (opt->progress) {
            cmp_step step = {.scenarios = n_alts + 1, .first = n, .last = n + batch - 1};
            opt->progress(opt->progress_ctx, &step);
        }
        if ((rc = run_more(base, &opt->mc, opt->mc.seed, n, batch, &c->base, err)))
            goto fail;
        for (size_t i = 0; i < n_alts; i++)
            if ((rc = run_more(alts[i], &opt->mc, alt_seed, n, batch, &c->alts[i], err)))
                goto fail;
        n += batch;
        c->precision.reps = n;
        c->precision.batches++;
        c->precision.last_batch = batch;
        if (!(opt->precision > 0))
            break;
        if (c->precision.batches == 1) {
            size_t cap = memory_cap(c->base);
            for (size_t i = 0; i < n_alts; i++) {
                size_t ca = memory_cap(c->alts[i]);
                cap = ca < cap ? ca : cap;
            }
            if (max_reps > cap) {
                c->precision.memory_cap = cap;
                max_reps = cap > n ? cap : n;
            }
        }
        c->precision.worst =
            cmp_worst_paired(c->base, (const mc_result *const *)c->alts, n_alts, n, CMP_LEVEL,
                             c->precision.worst_key, sizeof c->precision.worst_key);
        c->precision.met = c->precision.worst <= opt->precision;
        if (c->precision.met || n >= max_reps)
            break;
        batch = next_total(n, c->precision.worst, opt->precision, max_reps) - n;
    }
    if (opt->measure && (rc = measure_reductions(c, alts, opt, err)))
        goto fail;
    *out = c;
    return PC_OK;
fail:
    cmp_comparison_free(c);
    return rc;
}

int cmp_write_reductions(const char *path, const cmp_comparison *c, pc_err *err)
{
    if (!c->reductions)
        return pc_fail(err, PC_EINTERNAL, "cmp_write_reductions: no reduction measured");
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("scenario,base,variable,period_kind,period,reps,base_mean,paired_mean,paired_sd,"
          "independent_mean,independent_sd,factor\n",
          f);
    static const char kinds[3][8] = {"month", "year", "total"};
    for (size_t i = 0; i < c->n_alts; i++)
        for (size_t k = 0; k < c->n_keys; k++) {
            const cmp_reduction *r = &c->reductions[i * c->n_keys + k];
            char period[32] = "";
            if (r->key.kind == CMP_MONTH) {
                int y, mo;
                mdl_month_of(c->base->model, r->key.period, &y, &mo);
                snprintf(period, sizeof period, "%04d-%02d", y, mo);
            } else if (r->key.kind == CMP_YEAR) {
                snprintf(period, sizeof period, "%d", r->key.period);
            }
            fsio_csv_text(f, c->alts[i]->model->id, 1);
            fsio_csv_text(f, c->base->model->id, 0);
            fsio_csv_text(f, r->key.name, 0);
            fsio_csv_text(f, kinds[r->key.kind], 0);
            fsio_csv_text(f, period, 0);
            fprintf(f, ",%zu", r->reps);
            fsio_csv_number(f, r->base_mean, 0);
            fsio_csv_number(f, r->paired_mean, 0);
            fsio_csv_number(f, r->paired_sd, 0);
            fsio_csv_number(f, r->independent_mean, 0);
            fsio_csv_number(f, r->independent_sd, 0);
            fsio_csv_number(f, r->factor, 0);
            fputc('\n', f);
        }
    return fsio_commit(&out, PC_OK, err);
}
