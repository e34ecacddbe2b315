/* sens — one-at-a-time sensitivity, its table, Sobol indices (see sens.h).
 *
 * One-at-a-time runs go through runs.h (each varied key a parameter of a model
 * resolved once, its low and high values bound; whole Monte Carlo runs sharing
 * their seed).  A Sobol design point is one replication at explicit parameter
 * values: each OpenMP thread keeps an mc_worker that binds the point's values
 * into its instance of the model (run_point is the one place that does it).
 * Bootstrap draws come from a Philox stream (rng.h) keyed by the seed. */
#include "sens.h"

#include <errno.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/eng.h"
#include "core/fsio.h"
#include "core/rec.h"
#include "core/rng.h"
#include "runs.h"

#define SENS_STREAM     0x53454e53u /* key part of the design and bootstrap streams */
#define SENS_BOOT       500
#define SENS_MAX_PARAMS 1024

/* ---- parsing ------------------------------------------------------------------------ */

/* Splits "NUMBER[UNIT]" into its number and its unit. */
static int split_number(const char *text, double *number, const char **unit)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || !isfinite(v))
        return 0;
    *number = v;
    *unit = end;
    return 1;
}

int sens_parse_vary(const char *text, sens_vary *v, pc_err *err)
{
    memset(v, 0, sizeof *v);
    const char *eq = strchr(text, '=');
    const char *colon = eq ? strchr(eq + 1, ':') : NULL;
    if (!eq || eq == text || !colon || strchr(colon + 1, ':'))
        return pc_fail(err, PC_EINPUT, "--vary %s: expected KEY=LOW:HIGH", text);
    size_t kl = (size_t)(eq - text), ll = (size_t)(colon - eq - 1), hl = strlen(colon + 1);
    if (kl >= sizeof v->key || ll >= sizeof v->low || hl >= sizeof v->high)
        return pc_fail(err, PC_EINPUT, "--vary %.80s: too long", text);
    memcpy(v->key, text, kl);
    memcpy(v->low, eq + 1, ll);
    memcpy(v->high, colon + 1, hl);
    const char *lu, *hu;
    if (!split_number(v->low, &v->low_number, &lu) || !split_number(v->high, &v->high_number, &hu))
        return pc_fail(err, PC_EINPUT,
                       "--vary %s: LOW and HIGH must be numbers (with a unit if "
                       "the key takes one, e.g. 60d:120d)",
                       text);
    if (strcmp(lu, hu))
        return pc_fail(err, PC_EINPUT, "--vary %s: LOW and HIGH must have the same unit", text);
    if (!(v->low_number < v->high_number))
        return pc_fail(err, PC_EINPUT, "--vary %s: LOW must be below HIGH", text);
    return PC_OK;
}

int sens_parse_output(const mdl_model *m, const char *text, cmp_key *key, pc_err *err)
{
    char name[256];
    const char *at = strchr(text, '@');
    size_t nl = at ? (size_t)(at - text) : strlen(text);
    if (nl == 0 || nl >= sizeof name)
        return pc_fail(err, PC_EINPUT, "--output %s: expected VARIABLE or VARIABLE@YEAR", text);
    memcpy(name, text, nl);
    name[nl] = '\0';
    rec_catalog *cat = rec_catalog_alloc(m);
    if (!cat)
        return pc_fail(err, PC_EENV, "out of memory");
    long var = rec_find(cat, name);
    rec_catalog_free(cat);
    if (var < 0)
        return pc_fail(err, PC_EINPUT,
                       "--output %s: %s has no variable %s (docs/format.md lists them; "
                       "replications.csv of a run names them all)",
                       text, m->source ? m->source : m->id, name);
    if (!at)
        return cmp_key_set(key, m, name, CMP_TOTAL, 0, err);
    char *end;
    errno = 0;
    long year = strtol(at + 1, &end, 10);
    if (end == at + 1 || *end || errno || year < 0 || year > 9999)
        return pc_fail(err, PC_EINPUT, "--output %s: expected a year after '@'", text);
    int rc = cmp_key_set(key, m, name, CMP_YEAR, (int)year, err);
    if (rc)
        return pc_fail(err, rc, "--output %s: the horizon of %s does not cover %ld", text,
                       m->source ? m->source : m->id, year);
    return PC_OK;
}

/* ---- one at a time ---------------------------------------------------------------------- */

void sens_oat_free(sens_oat_result *r)
{
    if (!r)
        return;
    free(r->rows);
    free(r);
}

static int by_swing(const void *a, const void *b)
{
    const sens_oat_row *x = a, *y = b;
    if (x->swing != y->swing)
        return x->swing > y->swing ? -1 : 1;
    return strcmp(x->vary.key, y->vary.key);
}

/* Runs m with key = value (no key: m as given), run `run` of the study, and leaves the
 * output's value of each replication in sample. */
static int run_output(const mdl_model *m, const char *key, const char *value, size_t run,
                      size_t runs, const sens_oat_options *opt, const cmp_key *output,
                      double *sample, pc_err *err)
{
    if (opt->progress) {
        sens_oat_step step = {.run = run, .runs = runs, .key = key, .value = value};
        opt->progress(opt->progress_ctx, &step);
    }
    runs_variant v;
    int rc = runs_with(m, key ? 1 : 0, &key, &value, &opt->mc, &v, err);
    if (rc)
        return rc;
    for (size_t rep = 0; rep < v.result->reps; rep++)
        sample[rep] = cmp_key_value(v.result, rep, output);
    runs_clear(&v);
    return PC_OK;
}

/* Runs m with a key at its low and its high value (runs `run` and `run + 1` of the
 * study): one model with the key as a parameter when both values have one unit
 * (resolved once), else the model changed twice. */
static int run_pair(const mdl_model *m, const sens_vary *vary, size_t run, size_t runs,
                    const sens_oat_options *opt, const cmp_key *output, double *low, double *high,
                    pc_err *err)
{
    double lo, hi;
    char unit_lo[32], unit_hi[32];
    pc_err ignore;
    if (runs_split_value(vary->low, &lo, unit_lo, sizeof unit_lo, &ignore) ||
        runs_split_value(vary->high, &hi, unit_hi, sizeof unit_hi, &ignore) ||
        strcmp(unit_lo, unit_hi)) {
        int rc = run_output(m, vary->key, vary->low, run, runs, opt, output, low, err);
        return rc ? rc
                  : run_output(m, vary->key, vary->high, run + 1, runs, opt, output, high, err);
    }
    runs_plan *plan = NULL;
    const char *key = vary->key, *text = vary->low;
    int rc = runs_plan_alloc(m, 1, &key, &text, &plan, err);
    for (int side = 0; !rc && side < 2; side++) {
        if (opt->progress) {
            sens_oat_step step = {.run = run + (size_t)side,
                                  .runs = runs,
                                  .key = key,
                                  .value = side ? vary->high : vary->low};
            opt->progress(opt->progress_ctx, &step);
        }
        runs_variant v;
        double value = side ? hi : lo, *sample = side ? high : low;
        if ((rc = runs_plan_run(plan, &value, &opt->mc, &v, err)))
            break;
        for (size_t rep = 0; rep < v.result->reps; rep++)
            sample[rep] = cmp_key_value(v.result, rep, output);
        runs_clear(&v);
    }
    runs_plan_free(plan);
    return rc;
}

/* Mean of the non-NaN values of x, and its standard error in *se (may be NULL). */
static double sample_mean(const double *x, size_t n, double *se)
{
    double s = 0, ss = 0;
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) {
            s += x[i];
            used++;
        }
    double mean = used ? s / (double)used : NAN;
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i]))
            ss += (x[i] - mean) * (x[i] - mean);
    if (se)
        *se = used > 1 ? sqrt(ss / (double)(used - 1) / (double)used) : NAN;
    return mean;
}

int sens_oat(const mdl_model *m, const sens_vary *vary, size_t n, const cmp_key *output,
             const sens_oat_options *opt, sens_oat_result **out, pc_err *err)
{
    *out = NULL;
    size_t reps = opt->mc.reps, runs = 2 * n + 1;
    if (reps < 2)
        return pc_fail(err, PC_EINPUT,
                       "--reps %zu: one at a time needs at least 2 replications (the interval "
                       "of each effect)",
                       reps);
    sens_oat_result *r = pc_calloc(1, sizeof *r);
    double *low = malloc((reps ? reps : 1) * sizeof *low);
    double *high = malloc((reps ? reps : 1) * sizeof *high);
    int rc = PC_OK;
    if (!r || !low || !high || !(r->rows = pc_calloc(n ? n : 1, sizeof *r->rows))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    r->n = n;
    r->reps = reps;
    r->seed = opt->mc.seed;
    /* every key checked before anything runs: a bad one fails at once */
    for (size_t i = 0; i < 2 * n; i++) {
        const char *key = vary[i / 2].key, *value = i % 2 ? vary[i / 2].high : vary[i / 2].low;
        pc_err why;
        if ((rc = runs_check(m, 1, &key, &value, &why))) {
            pc_fail(err, rc, "--vary %s=%s:%s: %s", key, vary[i / 2].low, vary[i / 2].high,
                    why.msg);
            goto fail;
        }
    }
    if ((rc = run_output(m, NULL, NULL, 1, runs, opt, output, low, err)))
        goto fail;
    r->base_mean = sample_mean(low, reps, NULL);
    for (size_t i = 0; i < n; i++) {
        if ((rc = run_pair(m, &vary[i], 2 * i + 2, runs, opt, output, low, high, err)))
            goto fail;
        sens_oat_row *row = &r->rows[i];
        row->vary = vary[i];
        row->mean_low = sample_mean(low, reps, &row->se_low);
        row->mean_high = sample_mean(high, reps, &row->se_high);
        for (size_t rep = 0; rep < reps; rep++)
            high[rep] -= low[rep];
        cmp_stat s;
        cmp_summarise(high, reps, CMP_LEVEL, &s);
        row->effect = s.mean;
        row->effect_low = s.ci_low;
        row->effect_high = s.ci_high;
        row->swing = fabs(row->mean_high - row->mean_low);
    }
    qsort(r->rows, n, sizeof *r->rows, by_swing);
    *out = r;
    r = NULL;
fail:
    free(low);
    free(high);
    sens_oat_free(r);
    return rc;
}

/* ---- the tornado table
 * --------------------------------------------------------------------------------- */

int sens_write_tornado(const char *path, const sens_oat_result *r, const cmp_key *output,
                       pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("rank,key,low,high,output,base_mean,mean_low,mean_high,effect,effect_ci_low,"
          "effect_ci_high,swing,reps,seed\n",
          f);
    for (size_t i = 0; i < r->n; i++) {
        const sens_oat_row *row = &r->rows[i];
        fprintf(f, "%zu", i + 1);
        fsio_csv_text(f, row->vary.key, 0);
        fsio_csv_text(f, row->vary.low, 0);
        fsio_csv_text(f, row->vary.high, 0);
        fsio_csv_text(f, output->label, 0);
        fsio_csv_number(f, r->base_mean, 0);
        fsio_csv_number(f, row->mean_low, 0);
        fsio_csv_number(f, row->mean_high, 0);
        fsio_csv_number(f, row->effect, 0);
        fsio_csv_number(f, row->effect_low, 0);
        fsio_csv_number(f, row->effect_high, 0);
        fsio_csv_number(f, row->swing, 0);
        fprintf(f, ",%zu,%u\n", r->reps, (unsigned)r->seed);
    }
    return fsio_commit(&out, PC_OK, err);
}

/* ---- Sobol indices ------------------------------------------------------------------------------
 */

void sens_design(size_t n, size_t k, uint32_t seed, double *a, double *b)
{
    uint32_t purpose = mdl_hash("sens.design");
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < k; i++) {
            double u[4];
            rng_block(seed, SENS_STREAM, purpose, (uint32_t)j, (uint32_t)i, 0, u);
            a[j * k + i] = u[0];
            b[j * k + i] = u[1];
        }
}

void sens_point(const double *a, const double *b, size_t n, size_t k, size_t p, double *u)
{
    if (p < n) {
        memcpy(u, a + p * k, k * sizeof *u);
    } else if (p < 2 * n) {
        memcpy(u, b + (p - n) * k, k * sizeof *u);
    } else {
        size_t i = p / n - 2, j = p % n;
        memcpy(u, a + j * k, k * sizeof *u);
        u[i] = b[j * k + i];
    }
}

/* Jansen's estimators over the rows rows[0..n-1] of the design (all rows when NULL). */
static void jansen(const double *y, size_t n, size_t k, const size_t *rows, double *first,
                   double *total, double *mean, double *variance)
{
    double sum = 0, sum2 = 0;
    for (size_t j = 0; j < n; j++) {
        size_t r = rows ? rows[j] : j;
        sum += y[r] + y[n + r];
    }
    double m = sum / (double)(2 * n);
    for (size_t j = 0; j < n; j++) {
        size_t r = rows ? rows[j] : j;
        sum2 += (y[r] - m) * (y[r] - m) + (y[n + r] - m) * (y[n + r] - m);
    }
    double v = sum2 / (double)(2 * n - 1);
    for (size_t i = 0; i < k; i++) {
        const double *yi = y + (2 + i) * n;
        double d_first = 0, d_total = 0;
        for (size_t j = 0; j < n; j++) {
            size_t r = rows ? rows[j] : j;
            double fb = y[n + r] - yi[r], fa = y[r] - yi[r];
            d_first += fb * fb;
            d_total += fa * fa;
        }
        first[i] = v > 0 ? (v - d_first / (double)(2 * n)) / v : NAN;
        total[i] = v > 0 ? d_total / (double)(2 * n) / v : NAN;
    }
    if (mean)
        *mean = m;
    if (variance)
        *variance = v;
}

int sens_jansen(const double *y, size_t n, size_t k, size_t boot, double level, uint32_t seed,
                sens_index *out, double *mean, double *variance, pc_err *err)
{
    if (n < 2 || k == 0)
        return pc_fail(err, PC_EINPUT, "Sobol indices need n >= 2 and at least one input");
    for (size_t p = 0; p < n * (k + 2); p++)
        if (!isfinite(y[p]))
            return pc_fail(err, PC_EINPUT,
                           "Sobol indices: the output is not a finite number at design point "
                           "%zu (a ratio with no observation?)",
                           p);
    if (boot == 0)
        boot = SENS_BOOT;
    if (!(level > 0 && level < 1))
        level = CMP_LEVEL;
    double *first = malloc(k * sizeof *first), *total = malloc(k * sizeof *total);
    double *bf = malloc(boot * k * sizeof *bf), *bt = malloc(boot * k * sizeof *bt);
    double *f = malloc(k * sizeof *f), *t = malloc(k * sizeof *t);
    size_t *rows = malloc(n * sizeof *rows);
    gsl_rng *rng = gsl_rng_alloc(rng_philox());
    double m, v;
    int rc = PC_OK;
    if (!first || !total || !bf || !bt || !f || !t || !rows || !rng) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    jansen(y, n, k, NULL, first, total, &m, &v);
    if (!(v > 0)) {
        rc = pc_fail(err, PC_EINPUT,
                     "Sobol indices: the output does not vary over the design (variance 0)");
        goto done;
    }
    rng_stream(rng, seed, SENS_STREAM, mdl_hash("sens.bootstrap"), 0, 0, 0);
    for (size_t b = 0; b < boot; b++) {
        for (size_t j = 0; j < n; j++)
            rows[j] = (size_t)gsl_rng_uniform_int(rng, (unsigned long)n);
        jansen(y, n, k, rows, f, t, NULL, NULL);
        /* column-major: the resamples of index i are contiguous, ready to sort */
        for (size_t i = 0; i < k; i++) {
            bf[i * boot + b] = f[i];
            bt[i * boot + b] = t[i];
        }
    }
    double lo = (1 - level) / 2, hi = 1 - lo;
    for (size_t i = 0; i < k; i++) {
        double *ci = bf + i * boot, *ct = bt + i * boot;
        gsl_sort(ci, 1, boot);
        gsl_sort(ct, 1, boot);
        out[i] = (sens_index){.first = first[i],
                              .first_low = gsl_stats_quantile_from_sorted_data(ci, 1, boot, lo),
                              .first_high = gsl_stats_quantile_from_sorted_data(ci, 1, boot, hi),
                              .total = total[i],
                              .total_low = gsl_stats_quantile_from_sorted_data(ct, 1, boot, lo),
                              .total_high = gsl_stats_quantile_from_sorted_data(ct, 1, boot, hi)};
    }
    if (mean)
        *mean = m;
    if (variance)
        *variance = v;
done:
    free(first);
    free(total);
    free(bf);
    free(bt);
    free(f);
    free(t);
    free(rows);
    gsl_rng_free(rng);
    return rc;
}

int sens_sobol(sens_function f, void *ctx, size_t n, size_t k, uint32_t seed, size_t boot,
               double level, sens_index *out, pc_err *err)
{
    if (n < 2 || k == 0 || k > SENS_MAX_PARAMS)
        return pc_fail(err, PC_EINPUT, "Sobol indices need n >= 2 and 1 to %d inputs",
                       SENS_MAX_PARAMS);
    size_t points = n * (k + 2);
    double *a = malloc(n * k * sizeof *a), *b = malloc(n * k * sizeof *b);
    double *y = malloc(points * sizeof *y), *u = malloc(k * sizeof *u);
    int rc = PC_OK;
    if (!a || !b || !y || !u) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    sens_design(n, k, seed, a, b);
    for (size_t p = 0; p < points && !rc; p++) {
        sens_point(a, b, n, k, p, u);
        rc = f(ctx, u, &y[p], err);
    }
    if (!rc)
        rc = sens_jansen(y, n, k, boot, level, seed, out, NULL, NULL, err);
done:
    free(a);
    free(b);
    free(y);
    free(u);
    return rc;
}

void sens_sobol_result_free(sens_sobol_result *r)
{
    if (!r)
        return;
    free(r->params);
    free(r->indices);
    free(r);
}

/* Runs design point values (every parameter's value) for one replication on the
 * thread's worker (the model bound to the values, mc_worker_run); *y the output. */
static int run_point(const mdl_model *m, mc_worker *worker, rec_catalog *cat, const double *values,
                     const cmp_key *output, uint32_t seed, double *series, double *y, pc_err *err)
{
    int rc = mc_worker_run(worker, seed, 0, values, series, err);
    if (!rc) {
        /* a run of one replication, to read the output as every command does */
        mc_result one = {.model = m,
                         .catalog = cat,
                         .reps = 1,
                         .n_vars = cat->n,
                         .n_months = (size_t)m->horizon,
                         .seed = seed,
                         .values = series};
        *y = cmp_key_value(&one, 0, output);
    }
    return rc;
}

int sens_sobol_model(const mdl_model *m, const cmp_key *output, const sens_sobol_options *opt,
                     sens_sobol_result **out, pc_err *err)
{
    *out = NULL;
    size_t k = m->n_uncertain, n = opt->n;
    if (k == 0)
        return pc_fail(err, PC_EINPUT,
                       "%s has no uncertain parameter: Sobol indices need some "
                       "([parameter NAME] value = uncertain LAW(...))",
                       m->source ? m->source : m->id);
    if (k > SENS_MAX_PARAMS)
        return pc_fail(err, PC_EINPUT, "Sobol indices: more than %d uncertain parameters",
                       SENS_MAX_PARAMS);
    if (n < 2)
        return pc_fail(err, PC_EINPUT, "--sobol: expected a sample size of at least 2");
    size_t points = n * (k + 2);
    sens_sobol_result *r = pc_calloc(1, sizeof *r);
    double *a = malloc(n * k * sizeof *a), *b = malloc(n * k * sizeof *b);
    double *y = malloc(points * sizeof *y);
    rec_catalog *cat = rec_catalog_alloc(m);
    int rc = PC_OK;
    if (!r || !a || !b || !y || !cat || !(r->params = pc_calloc(k, sizeof *r->params)) ||
        !(r->indices = pc_calloc(k, sizeof *r->indices))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    r->k = k;
    r->n = n;
    for (size_t i = 0, j = 0; i < m->n_params; i++)
        if (m->params[i].law != MDL_PARAM_FIXED)
            r->params[j++] = (int)i;
    sens_design(n, k, opt->seed, a, b);
    int status = PC_OK;
    size_t done = 0;
    int threads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
#pragma omp parallel num_threads(threads)
    {
        /* each thread reads the output through a catalog of its own */
        rec_catalog *own = rec_catalog_alloc(m);
        mc_worker *worker = own ? mc_worker_alloc(m, own, 1) : NULL;
        double *series = malloc(cat->n * (size_t)m->horizon * sizeof *series);
        double *values = malloc((m->n_params ? m->n_params : 1) * sizeof *values);
        double *u = malloc(k * sizeof *u);
        pc_err local;
        int lrc = worker && own && series && values && u
                      ? PC_OK
                      : pc_fail(&local, PC_EENV, "out of memory");
#pragma omp for schedule(dynamic, 1)
        for (size_t p = 0; p < points; p++) {
            int failed;
#pragma omp atomic read
            failed = status;
            if (lrc || failed)
                continue;
            sens_point(a, b, n, k, p, u);
            for (size_t i = 0; i < m->n_params; i++)
                values[i] = m->params[i].value;
            for (size_t i = 0; i < k; i++)
                values[r->params[i]] = mdl_param_quantile(&m->params[r->params[i]], u[i]);
            lrc = run_point(m, worker, own, values, output, opt->seed, series, &y[p], &local);
            if (!lrc && opt->progress) {
                size_t now;
#pragma omp atomic capture
                now = ++done;
#pragma omp critical(sens_progress)
                opt->progress(opt->progress_ctx, now, points);
            }
        }
        if (lrc) {
#pragma omp critical(sens_status)
            if (!status) {
                status = lrc;
                if (err)
                    *err = local;
            }
        }
        mc_worker_free(worker);
        rec_catalog_free(own);
        free(series);
        free(values);
        free(u);
    }
    if ((rc = status))
        goto fail;
    if ((rc = sens_jansen(y, n, k, opt->boot, opt->level > 0 ? opt->level : CMP_LEVEL, opt->seed,
                          r->indices, &r->mean, &r->variance, err)))
        goto fail;
    *out = r;
    r = NULL;
fail:
    sens_sobol_result_free(r);
    free(a);
    free(b);
    free(y);
    rec_catalog_free(cat);
    return rc;
}

int sens_write_sobol(const char *path, const mdl_model *m, const sens_sobol_result *r,
                     const cmp_key *output, pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("parameter,law,output,mean,variance,first,first_low,first_high,total,total_low,"
          "total_high,n\n",
          f);
    for (size_t i = 0; i < r->k; i++) {
        const mdl_param *p = &m->params[r->params[i]];
        const sens_index *x = &r->indices[i];
        fsio_csv_text(f, p->name, 1);
        fsio_csv_text(f, p->text, 0);
        fsio_csv_text(f, output->label, 0);
        fsio_csv_number(f, r->mean, 0);
        fsio_csv_number(f, r->variance, 0);
        fsio_csv_number(f, x->first, 0);
        fsio_csv_number(f, x->first_low, 0);
        fsio_csv_number(f, x->first_high, 0);
        fsio_csv_number(f, x->total, 0);
        fsio_csv_number(f, x->total_low, 0);
        fsio_csv_number(f, x->total_high, 0);
        fprintf(f, ",%zu\n", r->n);
    }
    return fsio_commit(&out, PC_OK, err);
}
