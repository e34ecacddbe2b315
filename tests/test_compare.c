/* test_compare — paired differences, common random numbers, uncertain parameters, precision.
 *
 * What the comparison of scenarios promises, checked on runs of the engine:
 * on the Drôme baseline against orientation within two months, the paired
 * difference of the RSA stock after three years has at least five times less
 * variance than the difference of independent runs (measured, and printed); a
 * scenario identical to its base differs by exactly zero in every replication,
 * and differences.csv says so; uncertain parameters are drawn from the stated
 * laws (sample mean and variance within four standard errors, from 20,000
 * draws), the same name gives the same draw in every scenario, and a drawn
 * value reaches the model; impossible laws are refused with file:line: key; a
 * precision target stops with the interval within target, no more than one
 * batch past the first replication count where it was met, and the batches
 * together are the run of that many replications, bitwise.  Seeds are fixed;
 * tolerances are multiples of standard errors.  Under PARCOURS_QUICK the
 * replications are fewer and the checks the same. */
#include "check.h"
#include "fixtures.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study/cmp.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/rec.h"

#define TOL_SE 4.0 /* a correct draw fails one such check with probability 6e-5 */

/* A small model with a queue, returns, costs and ratios: everything differences.csv covers. */
static const char small_model[] =
    "[model]\nname = petit\nstart = 2019-01\nhorizon = 40\n"
    "[population p]\nentry = a\ninflow.rate = 40/m\ninitial.count = 300\n"
    "[state a]\non.go = after lognormal(mean=60d, sd=30d) -> b:0.7, c:0.3\n"
    "[state b]\non.exit = hazard 0.06/m -> gone\non.svc = hazard 0.03/m -> s\n"
    "[state c]\non.exit = hazard 0.03/m -> gone\n"
    "[state s]\nresource = r\nqueue = w\non.end = after gamma(shape=3, mean=120d) -> gone\n"
    "[state w]\non.renege = after fixed(4m) -> b\n"
    "[state gone]\noutside = yes\non.back = with 0.2 after exponential(mean=6m) -> a\n"
    "[resource r]\ncapacity = 8\n"
    "[cost k]\nfunder = dep\nper = person-month\nstates = a, b, c, w\namount = 100\n";

static mc_result *run(tc_ctx *t, const mdl_model *m, size_t reps, size_t first, uint32_t seed)
{
    mc_options opt = {.reps = reps, .first = first, .seed = seed};
    mc_result *r = NULL;
    pc_err err = {{0}};
    if (mc_run(m, &opt, &r, &err) != PC_OK)
        CHECK(t, 0, "%s runs (%s)", m->id, err.msg);
    return r;
}

/* ---- the t interval ------------------------------------------------------------ */

static void test_interval(tc_ctx *t)
{
    /* mean 3, sd sqrt(2.5); t(0.975, 4) = 2.7764451052; half-width 1.9632432... */
    double x[] = {5, 1, 4, 2, 3};
    cmp_stat s;
    cmp_summarise(x, 5, 0.95, &s);
    double hw = 2.7764451051977987 * sqrt(2.5) / sqrt(5.0);
    CHECK(t, s.n == 5 && fabs(s.mean - 3) < 1e-12 && fabs(s.sd - sqrt(2.5)) < 1e-12,
          "cmp_summarise: mean 3 and sd sqrt(2.5) of 1..5");
    CHECK(t, fabs(s.ci_low - (3 - hw)) < 1e-9 && fabs(s.ci_high - (3 + hw)) < 1e-9,
          "95 %% interval of the mean from the t quantile: [%.9f, %.9f], expected +-%.9f", s.ci_low,
          s.ci_high, hw);
    CHECK(t, s.p50 == 3 && fabs(s.p05 - 1.2) < 1e-12 && fabs(s.p95 - 4.8) < 1e-12,
          "quantiles are type-7 order statistics (p05 %.3g, p50 %.3g, p95 %.3g)", s.p05, s.p50,
          s.p95);
    double y[] = {2, NAN};
    cmp_summarise(y, 2, 0.95, &s);
    CHECK(t, s.n == 1 && isnan(s.ci_low) && s.mean == 2, "one value: no interval, NaN left out");
}

/* ---- common random numbers on the Drôme ------------------------------------------ */

static void test_drome_reduction(tc_ctx *t)
{
    size_t reps = t->quick ? 12 : 40;
    const uint32_t seed = 11;
    mdl_model *base = NULL, *alt = NULL;
    pc_err err = {{0}};
    if (mdl_load("scenarios/drome/baseline.ini", &base, &err) ||
        mdl_load("scenarios/drome/orientation-2-mois.ini", &alt, &err)) {
        CHECK(t, 0, "the Drôme scenarios load (%s)", err.msg);
        mdl_free(base);
        return;
    }
    /* paired: the same replications; independent: replications the base never used */
    mc_result *b = run(t, base, reps, 0, seed);
    mc_result *paired = run(t, alt, reps, 0, seed);
    mc_result *independent = run(t, alt, reps, reps, seed);
    if (b && paired && independent) {
        cmp_key key;
        cmp_key_set(&key, base, "stock.rsa", CMP_MONTH, 35, &err);
        double *scratch = malloc(reps * sizeof *scratch);
        cmp_reduction red;
        cmp_reduction_of(b, paired, independent, reps, &key, scratch, &red);
        CHECK(t, red.factor >= 5,
              "Drôme, orientation within two months - baseline, %s: the paired difference has "
              "%.1f times less variance than the independent one (sd %.1f vs %.1f, %zu "
              "replications; at least 5 required)",
              key.label, red.factor, red.paired_sd, red.independent_sd, reps);
        CHECK(t,
              red.paired_mean < 0 && fabs(red.independent_mean - red.paired_mean) <
                                         TOL_SE * red.independent_sd / sqrt((double)reps),
              "both estimate the same effect: paired %.1f, independent %.1f persons",
              red.paired_mean, red.independent_mean);
        cmp_stat s;
        cmp_paired(b, paired, reps, &key, CMP_LEVEL, scratch, &s);
        CHECK(t, s.ci_high < 0,
              "the faster orientation lowers the stock after three years: %.1f [%.1f, %.1f]",
              s.mean, s.ci_low, s.ci_high);
        /* before the change (2019-04) the two scenarios are the same persons */
        cmp_key early;
        cmp_key_set(&early, base, "stock.rsa", CMP_MONTH, 14, &err);
        cmp_paired(b, paired, reps, &early, CMP_LEVEL, scratch, &s);
        CHECK(t, s.mean == 0 && s.sd == 0,
              "before the policy starts the paired difference is exactly 0 (%s)", early.label);
        free(scratch);
    }
    mc_result_free(b);
    mc_result_free(paired);
    mc_result_free(independent);
    mdl_free(base);
    mdl_free(alt);
}

/* ---- an identical scenario ------------------------------------------------------ */

/* Counts the rows of differences.csv, those whose statistics are all 0, and those whose
 * statistics are each 0 or NA (a ratio with no observation in some replications). */
static void scan_differences(const char *path, size_t *rows, size_t *zero, size_t *na)
{
    *rows = *zero = *na = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[2048];
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return;
    }
    while (fgets(line, sizeof line, f)) {
        (*rows)++;
        /* columns 9.. (mean, sd, ci_low, ci_high, p05, p25, p50, p75, p95) */
        char *p = line;
        for (int c = 0; c < 8 && p; c++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        if (!p)
            continue;
        int zeros = 0, nas = 0, fields = 0;
        for (char *q = strtok(p, ",\n"); q; q = strtok(NULL, ",\n"), fields++) {
            zeros += strcmp(q, "0") == 0;
            nas += strcmp(q, "NA") == 0;
        }
        *zero += fields == 9 && zeros == 9;
        *na += fields == 9 && zeros < 9 && zeros + nas == 9;
    }
    fclose(f);
}

static void test_identical(tc_ctx *t)
{
    size_t reps = t->quick ? 6 : 20;
    char model_path[512];
    mdl_model *base = tc_load_model(t, "cmp-base.ini", small_model);
    snprintf(model_path, sizeof model_path, "%s", tc_write(t, "cmp-base.ini", small_model));
    char alt_text[800];
    snprintf(alt_text, sizeof alt_text, "[scenario]\nlabel = La même chose\nextends = %s\n",
             model_path);
    mdl_model *alt = tc_load_model(t, "cmp-same.ini", alt_text);
    if (!base || !alt) {
        mdl_free(base);
        mdl_free(alt);
        return;
    }
    cmp_options opt = {.mc = {.reps = reps, .seed = 3}, .measure = 1};
    cmp_comparison *c = NULL;
    pc_err err = {{0}};
    const mdl_model *alts[1] = {alt};
    int rc = cmp_compare(base, alts, 1, &opt, &c, &err);
    CHECK(t, rc == PC_OK, "cmp_compare runs a scenario against itself (%s)", rc ? err.msg : "");
    if (rc) {
        mdl_free(base);
        mdl_free(alt);
        return;
    }
    size_t differ = 0, values = 0;
    for (size_t v = 0; v < c->base->n_vars; v++)
        for (size_t rep = 0; rep < reps; rep++) {
            const double *x = mc_series(c->base, rep, v), *y = mc_series(c->alts[0], rep, v);
            for (size_t k = 0; k < c->base->n_months; k++, values++)
                differ += !(x[k] - y[k] == 0 || (isnan(x[k]) && isnan(y[k])));
        }
    CHECK(t, differ == 0,
          "an identical scenario: the paired difference is exactly 0 in every replication, "
          "variable and month (%zu values, %zu differ)",
          values, differ);
    char path[512];
    tc_path(t, "identical-differences.csv", path, sizeof path);
    rc =
        cmp_write_differences(path, c->base, (const mc_result *const *)c->alts, 1, CMP_LEVEL, &err);
    size_t rows, zero, na, years = 4; /* 2019 to 2022 */
    scan_differences(path, &rows, &zero, &na);
    size_t expected = c->base->n_vars * (c->base->n_months + years + 1);
    CHECK(t, rc == PC_OK && rows == expected,
          "differences.csv: one row per variable and month, year and the horizon (%zu rows, "
          "expected %zu)",
          rows, expected);
    CHECK(t, zero + na == rows && zero > 0,
          "differences.csv: mean, sd, interval and quantiles all 0 (%zu rows), or NA where a "
          "ratio has too few observations (%zu rows)",
          zero, na);
    int reductions_nan = 1;
    for (size_t k = 0; k < c->n_keys; k++)
        reductions_nan &= c->reductions[k].paired_sd == 0 && c->reductions[k].independent_sd > 0 &&
                          isinf(c->reductions[k].factor);
    CHECK(t, c->n_keys == 3 && reductions_nan,
          "variance reduction of an identical scenario: paired sd 0, independent sd > 0, factor "
          "infinite, for the %zu key outputs",
          c->n_keys);
    cmp_comparison_free(c);
    mdl_free(base);
    mdl_free(alt);
}

/* ---- a scenario that does not pair ------------------------------------------------ */

static void test_frame(tc_ctx *t)
{
    mdl_model *base = tc_load_model(t, "cmp-frame-a.ini", small_model);
    char other[sizeof small_model + 16];
    snprintf(other, sizeof other, "%s", small_model);
    char *h = strstr(other, "horizon = 40");
    memcpy(h, "horizon = 30", 12);
    mdl_model *alt = tc_load_model(t, "cmp-frame-b.ini", other);
    if (base && alt) {
        cmp_options opt = {.mc = {.reps = 2, .seed = 1}};
        cmp_comparison *c = NULL;
        pc_err err = {{0}};
        const mdl_model *alts[1] = {alt};
        int rc = cmp_compare(base, alts, 1, &opt, &c, &err);
        CHECK(t,
              rc == PC_EINPUT && strstr(err.msg, "cmp-frame-b.ini") &&
                  strstr(err.msg, "same start and horizon"),
              "scenarios of different horizons are refused, naming the file (%s)", err.msg);
        cmp_comparison_free(c);
    }
    mdl_free(base);
    mdl_free(alt);
}

/* ---- uncertain parameters ---------------------------------------------------------- */

static const char param_model[] =
    "[model]\nname = params\nstart = 2020-01\nhorizon = 12\n"
    "[parameter effect]\nvalue = uncertain normal(mean=1.4, sd=0.2)\n"
    "[parameter width]\nvalue = uncertain uniform(min=2, max=5)\n"
    "[parameter delay]\nvalue = uncertain triangular(min=1, mode=2, max=6)\n"
    "[parameter share]\nvalue = uncertain beta(mean=0.3, sd=0.1)\n"
    "[parameter price]\nvalue = uncertain lognormal(mean=10, sd=3)\n"
    "[parameter fixed]\nvalue = 7\n"
    "[population p]\nentry = a\ninflow.rate = 30/m\n"
    "[state a]\non.go = after fixed(${delay}m) -> b\n"
    "[state b]\non.exit = hazard uncertain uniform(min=0.05, max=0.15)/m -> out\n"
    "[cost entry]\nfunder = dep\nper = entry\nstates = a\namount = $price\n";

typedef struct {
    const char *name;
    double mean, var;
} law_moments;

static void test_parameter_laws(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "params.ini", param_model);
    if (!m)
        return;
    const size_t draws = 20000;
    /* mean and variance of each law as stated */
    double tri_var = (1.0 + 4 + 36 - 2 - 6 - 12) / 18;
    const law_moments laws[] = {{"effect", 1.4, 0.04},   {"width", 3.5, 9.0 / 12},
                                {"delay", 3.0, tri_var}, {"share", 0.3, 0.01},
                                {"price", 10.0, 9.0},    {"state.b.on.exit", 0.1, 0.01 / 12}};
    double *values = malloc(m->n_params * sizeof *values);
    double *sample = malloc(draws * sizeof *sample);
    for (size_t l = 0; l < sizeof laws / sizeof laws[0]; l++) {
        int i = mdl_param_index(m, laws[l].name);
        if (i < 0) {
            CHECK(t, 0, "parameter %s exists", laws[l].name);
            continue;
        }
        for (size_t rep = 0; rep < draws; rep++) {
            mc_draw_params(m, 5, rep, values);
            sample[rep] = values[i];
        }
        double mean = 0, m2 = 0, m4 = 0, n = (double)draws;
        for (size_t rep = 0; rep < draws; rep++)
            mean += sample[rep] / n;
        for (size_t rep = 0; rep < draws; rep++) {
            double d = (sample[rep] - mean) * (sample[rep] - mean);
            m2 += d;
            m4 += d * d;
        }
        double var = m2 / (n - 1);
        m4 /= n;
        double se_mean = sqrt(laws[l].var / n);
        double se_var = sqrt(fmax(m4 - var * var * (n - 3) / (n - 1), 0) / n);
        CHECK(t, fabs(mean - laws[l].mean) <= TOL_SE * se_mean,
              "parameter %s (%s): mean of %zu draws %.5g vs %.5g, within %.0f SE (%.2g)",
              laws[l].name, m->params[i].text, draws, mean, laws[l].mean, TOL_SE, se_mean);
        CHECK(t, fabs(var - laws[l].var) <= TOL_SE * se_var,
              "parameter %s: variance of the draws %.5g vs %.5g (sd %.4g vs %.4g), within %.0f "
              "SE (%.2g)",
              laws[l].name, var, laws[l].var, sqrt(var), sqrt(laws[l].var), TOL_SE, se_var);
    }
    int fi = mdl_param_index(m, "fixed");
    mc_draw_params(m, 5, 0, values);
    CHECK(t, fi >= 0 && values[fi] == 7, "a fixed parameter keeps its value");
    free(values);
    free(sample);
    mdl_free(m);
}

static void test_parameter_draws(tc_ctx *t)
{
    char base_path[512];
    mdl_model *m = tc_load_model(t, "params-base.ini", param_model);
    snprintf(base_path, sizeof base_path, "%s", tc_write(t, "params-base.ini", param_model));
    /* a scenario that adds a state, a parameter, and changes a transition */
    char text[1200];
    snprintf(text, sizeof text,
             "[scenario]\nextends = %s\n"
             "[parameter boost]\nvalue = uncertain lognormal(mean=0.5, sd=0.1)\n"
             "[state c]\non.exit = hazard $boost/m -> out\n"
             "[set 2020-06]\nstate.a.on.go = after fixed(1m) -> c\n",
             base_path);
    mdl_model *s = tc_load_model(t, "params-alt.ini", text);
    if (!m || !s) {
        mdl_free(m);
        mdl_free(s);
        return;
    }
    size_t reps = t->quick ? 4 : 12;
    mc_result *rm = run(t, m, reps, 0, 9), *rs = run(t, s, reps, 0, 9);
    int same = rm && rs, recorded = rm != NULL, reached = rm != NULL;
    double *values = malloc(m->n_params * sizeof *values);
    for (size_t rep = 0; same && rep < reps; rep++) {
        mc_draw_params(m, 9, rep, values);
        for (size_t i = 0; i < m->n_params; i++) {
            int j = mdl_param_index(s, m->params[i].name);
            same &= j >= 0 && rm->param_values[rep * m->n_params + i] ==
                                  rs->param_values[rep * s->n_params + (size_t)j];
            recorded &= rm->param_values[rep * m->n_params + i] == values[i];
        }
        /* the drawn price is what each entry costs in that replication */
        int pi = mdl_param_index(m, "price");
        long cost = rec_find(rm->catalog, "cost.entry"), in = rec_find(rm->catalog, "in.a");
        const double *c = mc_series(rm, rep, (size_t)cost), *e = mc_series(rm, rep, (size_t)in);
        for (size_t k = 0; k < rm->n_months; k++)
            reached &= fabs(c[k] - values[pi] * e[k]) <= 1e-9 * fabs(c[k]) + 1e-9;
    }
    CHECK(t, same,
          "the same parameter name gets the same draw in a scenario that adds states and "
          "parameters (%zu replications, %zu shared parameters)",
          reps, m->n_params);
    CHECK(t, recorded,
          "the values a run records (replications.csv param.NAME) are mc_draw_params' draws");
    CHECK(t, reached, "a drawn value reaches the model: cost.entry = drawn price x entries");
    /* another seed, other draws */
    double *other = malloc(m->n_params * sizeof *other);
    mc_draw_params(m, 9, 0, values);
    mc_draw_params(m, 10, 0, other);
    int pi = mdl_param_index(m, "effect");
    CHECK(t, values[pi] != other[pi], "another seed draws other values");
    free(values);
    free(other);
    mc_result_free(rm);
    mc_result_free(rs);
    mdl_free(m);
    mdl_free(s);
}

static void test_parameter_refusals(tc_ctx *t)
{
    const struct {
        const char *file, *text, *expect;
    } cases[] = {
        {"bad-sd.ini",
         "[model]\nname = x\nstart = 2020-01\nhorizon = 12\n"
         "[parameter effect]\nvalue = uncertain normal(mean=1.4, sd=0)\n"
         "[population p]\nentry = a\n[state a]\n",
         "bad-sd.ini:6: value: uncertain normal: sd must be > 0"},
        {"bad-sd-negative.ini",
         "[model]\nname = x\nstart = 2020-01\nhorizon = 12\n"
         "[parameter effect]\nvalue = uncertain lognormal(mean=2, sd=-1)\n"
         "[population p]\nentry = a\n[state a]\n",
         "bad-sd-negative.ini:6: value: uncertain lognormal: sd must be > 0"},
        {"bad-mode.ini",
         "[model]\nname = x\nstart = 2020-01\nhorizon = 12\n"
         "[population p]\nentry = a\n"
         "[state a]\non.x = hazard uncertain triangular(min=0.1, mode=0.5, max=0.3)/m -> out\n",
         "bad-mode.ini:8: on.x: uncertain triangular: expected min <= mode <= max"},
        {"bad-range.ini",
         "[model]\nname = x\nstart = 2020-01\nhorizon = 12\n"
         "[parameter w]\nvalue = uncertain uniform(min=5, max=2)\n"
         "[population p]\nentry = a\n[state a]\n",
         "bad-range.ini:6: value: uncertain uniform: expected min < max"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s", tc_write(t, cases[i].file, cases[i].text));
        mdl_model *m = NULL;
        pc_err err = {{0}};
        int rc = mdl_load(path, &m, &err);
        CHECK(t, rc == PC_EINPUT && strstr(err.msg, cases[i].expect),
              "an impossible law is refused with file:line: key: %s (got: %s)", cases[i].expect,
              err.msg);
        mdl_free(m);
    }
}

/* ---- precision targets ------------------------------------------------------------------ */

static void test_precision_run(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "precision.ini", small_model);
    if (!m)
        return;
    const double share = 0.02;
    mc_options opt = {.reps = 4, .seed = 21};
    cmp_precision p = {.share = share};
    cmp_precision_report rep;
    mc_result *r = NULL;
    pc_err err = {{0}};
    int rc = cmp_run_precision(m, &opt, &p, &r, &rep, &err);
    CHECK(t, rc == PC_OK && rep.met && rep.worst <= share,
          "run --precision 2%%: met after %zu replications in %zu batches (widest %.3f %%, %s)",
          rep.reps, rep.batches, 100 * rep.worst, rep.worst_key);
    if (rc) {
        mdl_free(m);
        return;
    }
    double final = cmp_worst_relative(r, r->reps, CMP_LEVEL, NULL, 0);
    double before = cmp_worst_relative(r, r->reps - rep.last_batch, CMP_LEVEL, NULL, 0);
    CHECK(t, rep.batches >= 2 && final <= share && before > share,
          "no more than one batch past the target: %.3f %% after %zu replications, %.3f %% "
          "after the %zu before the last batch",
          100 * final, r->reps, 100 * before, r->reps - rep.last_batch);
    /* the batches make the run of that many replications, bitwise */
    mc_result *whole = run(t, m, r->reps, 0, 21);
    CHECK(t,
          whole && memcmp(whole->values, r->values,
                          r->reps * r->n_vars * r->n_months * sizeof(double)) == 0,
          "the %zu batches are the run of %zu replications, bitwise", rep.batches, r->reps);
    mc_result_free(whole);
    mc_result_free(r);
    r = NULL;
    /* an unreachable target stops at --max-reps */
    cmp_precision tight = {.share = 0.00001, .max_reps = 30};
    rc = cmp_run_precision(m, &opt, &tight, &r, &rep, &err);
    CHECK(t, rc == PC_OK && !rep.met && r && r->reps == 30,
          "an unreachable target stops at --max-reps (%zu replications, met %d)", r ? r->reps : 0,
          rep.met);
    mc_result_free(r);
    double v;
    CHECK(t,
          cmp_parse_share("1%", &v, &err) == PC_OK && v == 0.01 &&
              cmp_parse_share("0.5 %", &v, &err) == PC_OK && v == 0.005,
          "--precision reads 1%% and 0.5 %%");
    CHECK(t,
          cmp_parse_share("1", &v, &err) == PC_EINPUT && cmp_parse_share("0%", &v, &err) &&
              cmp_parse_share("150%", &v, &err) && strstr(err.msg, "--precision"),
          "--precision refuses 1, 0%% and 150%% (%s)", err.msg);
    mdl_free(m);
}

static void test_precision_compare(tc_ctx *t)
{
    char base_path[512];
    mdl_model *base = tc_load_model(t, "precision-base.ini", small_model);
    snprintf(base_path, sizeof base_path, "%s", tc_write(t, "precision-base.ini", small_model));
    char text[800];
    snprintf(text, sizeof text,
             "[scenario]\nextends = %s\n[set 2020-01]\nresource.r.capacity = 16\n", base_path);
    mdl_model *alt = tc_load_model(t, "precision-alt.ini", text);
    if (!base || !alt) {
        mdl_free(base);
        mdl_free(alt);
        return;
    }
    const double share = 0.002;
    cmp_options opt = {.mc = {.reps = 4, .seed = 2}, .precision = share};
    cmp_comparison *c = NULL;
    pc_err err = {{0}};
    const mdl_model *alts[1] = {alt};
    int rc = cmp_compare(base, alts, 1, &opt, &c, &err);
    CHECK(t, rc == PC_OK && c->precision.met,
          "compare --precision 0.2%%: paired half-widths within 0.2 %% of the base mean after "
          "%zu replications in %zu batches (widest %.3f %%, %s)",
          c ? c->precision.reps : 0, c ? c->precision.batches : 0, c ? 100 * c->precision.worst : 0,
          c ? c->precision.worst_key : err.msg);
    if (rc == PC_OK) {
        const mc_result *const *a = (const mc_result *const *)c->alts;
        size_t n = c->base->reps, last = c->precision.last_batch;
        double final = cmp_worst_paired(c->base, a, 1, n, CMP_LEVEL, NULL, 0);
        double before = cmp_worst_paired(c->base, a, 1, n - last, CMP_LEVEL, NULL, 0);
        CHECK(t, c->precision.batches >= 2 && final <= share && before > share,
              "compare: no more than one batch past the target (%.3f %% after %zu, %.3f %% "
              "after %zu)",
              100 * final, n, 100 * before, n - last);
    }
    cmp_comparison_free(c);
    mdl_free(base);
    mdl_free(alt);
}

void suite_compare(tc_ctx *t)
{
    test_interval(t);
    test_drome_reduction(t);
    test_identical(t);
    test_frame(t);
    test_parameter_laws(t);
    test_parameter_draws(t);
    test_parameter_refusals(t);
    test_precision_run(t);
    test_precision_compare(t);
}
