/* test_sens — one-at-a-time sensitivity and Sobol indices against analytic answers.
 *
 * The Jansen estimators are fed the Ishigami function (a = 7, b = 0.1), whose
 * first-order and total indices are known in closed form, through the same
 * code the model uses (sens_sobol with a callback; sens_jansen with a vector of
 * outputs for an additive function), and every analytic value must lie in its
 * bootstrap interval, an interval narrow enough for the check to mean
 * something (the level and why: LEVEL below).  Through the model: a deterministic cost model whose
 * output is linear in two uncertain amounts (indices 0.2 and 0.8), with the same result on one and
 * two threads.  The tornado runs on an M/M/inf population, where the yearly mean stock is (rate /
 * mu) (1 - e^(-mu t)) + initial e^(-mu t) averaged over the year's month ends: each mean at low and
 * high must be within four standard errors of that, and the rows sorted by the analytic swings. Bad
 * input (unknown key, LOW >= HIGH, unknown output, a model without uncertain parameters) is refused
 * with a message and exit status 1. Seeds are fixed; under PARCOURS_QUICK the samples are smaller.
 */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd.h"
#include "study/cmp.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "study/sens.h"

#define TOL_SE 4.0
/* Bootstrap intervals of the checks: 99.9 % from 2,000 resamples.  Percentile
 * intervals of Jansen's estimators cover a little less than they say; over 40
 * seeds, one Ishigami design of 20,000 had an index outside its interval, none
 * of the smaller designs below. */
#define LEVEL 0.999
#define BOOT  2000
#define PI    3.14159265358979323846

/* ---- Ishigami ------------------------------------------------------------------- */

typedef struct {
    double a, b;
} ishigami;

static int ishigami_f(void *ctx, const double *u, double *y, pc_err *err)
{
    (void)err;
    const ishigami *p = ctx;
    double x1 = PI * (2 * u[0] - 1), x2 = PI * (2 * u[1] - 1), x3 = PI * (2 * u[2] - 1);
    *y = sin(x1) + p->a * sin(x2) * sin(x2) + p->b * pow(x3, 4) * sin(x1);
    return PC_OK;
}

/* Analytic indices of the Ishigami function (Sobol' and Levitan 1999). */
static void ishigami_indices(double a, double b, double first[3], double total[3])
{
    double pi4 = pow(PI, 4), pi8 = pow(PI, 8);
    double v1 = 0.5 * (1 + b * pi4 / 5) * (1 + b * pi4 / 5), v2 = a * a / 8, v3 = 0;
    double v13 = b * b * pi8 * (1.0 / 18 - 1.0 / 50);
    double v = v1 + v2 + v3 + v13;
    first[0] = v1 / v;
    first[1] = v2 / v;
    first[2] = 0;
    total[0] = (v1 + v13) / v;
    total[1] = v2 / v;
    total[2] = v13 / v;
}

static void check_index(tc_ctx *t, const char *what, const char *which, double est, double lo,
                        double hi, double analytic, double max_width)
{
    CHECK(t, lo <= analytic && analytic <= hi && hi - lo <= max_width,
          "%s %s: %.4f, 99.9 %% bootstrap interval [%.4f, %.4f] holds the analytic %.4f "
          "(width %.3f <= %.2f)",
          what, which, est, lo, hi, analytic, hi - lo, max_width);
}

static void test_ishigami(tc_ctx *t)
{
    size_t n = t->quick ? 5000 : 20000;
    ishigami p = {7, 0.1};
    double first[3], total[3];
    ishigami_indices(p.a, p.b, first, total);
    CHECK(t,
          fabs(first[0] - 0.3139) < 1e-4 && fabs(first[1] - 0.4424) < 1e-4 &&
              fabs(total[0] - 0.5576) < 1e-4 && fabs(total[2] - 0.2437) < 1e-4,
          "Ishigami analytic indices: S = (%.4f, %.4f, 0), S_T = (%.4f, %.4f, %.4f)", first[0],
          first[1], total[0], total[1], total[2]);
    sens_index idx[3];
    pc_err err = {{0}};
    int rc = sens_sobol(ishigami_f, &p, n, 3, 2024, BOOT, LEVEL, idx, &err);
    CHECK(t, rc == PC_OK, "Sobol indices of the Ishigami function, n = %zu (%zu evaluations) (%s)",
          n, n * 5, rc ? err.msg : "");
    if (rc)
        return;
    double width = t->quick ? 0.2 : 0.1;
    for (int i = 0; i < 3; i++) {
        char which[16];
        snprintf(which, sizeof which, "x%d", i + 1);
        check_index(t, "Ishigami first-order", which, idx[i].first, idx[i].first_low,
                    idx[i].first_high, first[i], width);
        check_index(t, "Ishigami total", which, idx[i].total, idx[i].total_low, idx[i].total_high,
                    total[i], width);
    }
}

/* f = u1 + 2 u2 with uniform inputs: S = S_T = (1/5, 4/5), fed as a vector of outputs. */
static void test_additive(tc_ctx *t)
{
    const size_t n = 2000, k = 2, points = n * (k + 2);
    double *a = malloc(n * k * sizeof *a), *b = malloc(n * k * sizeof *b);
    double *y = malloc(points * sizeof *y);
    double u[2];
    sens_design(n, k, 77, a, b);
    for (size_t p = 0; p < points; p++) {
        sens_point(a, b, n, k, p, u);
        y[p] = u[0] + 2 * u[1];
    }
    sens_index idx[2];
    double mean, variance;
    pc_err err = {{0}};
    int rc = sens_jansen(y, n, k, BOOT, LEVEL, 77, idx, &mean, &variance, &err);
    CHECK(t, rc == PC_OK && fabs(mean - 1.5) < 0.05 && fabs(variance - 5.0 / 12) < 0.04,
          "sens_jansen on a vector of outputs: mean %.3f (1.5), variance %.3f (0.417)", mean,
          variance);
    const double expect[2] = {0.2, 0.8};
    for (size_t i = 0; !rc && i < k; i++) {
        char which[16];
        snprintf(which, sizeof which, "u%zu", i + 1);
        check_index(t, "additive first-order", which, idx[i].first, idx[i].first_low,
                    idx[i].first_high, expect[i], 0.2);
        check_index(t, "additive total", which, idx[i].total, idx[i].total_low, idx[i].total_high,
                    expect[i], 0.2);
    }
    /* the design: A_B^(i) is A with column i from B */
    sens_point(a, b, n, k, 2 * n + 5, u);
    CHECK(t, u[0] == b[5 * k] && u[1] == a[5 * k + 1],
          "design point (2 + i) n + j is A_B^(i) row j");
    for (size_t p = 0; p < points; p++)
        y[p] = 3;
    rc = sens_jansen(y, n, k, 10, 0.95, 1, idx, NULL, NULL, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "does not vary"),
          "an output that does not vary is refused (%s)", err.msg);
    free(a);
    free(b);
    free(y);
}

/* ---- Sobol indices through the model --------------------------------------------------- */

static const char sobol_model[] =
    "[model]\nname = sobol\nstart = 2020-01\nhorizon = 12\n"
    "[parameter a]\nvalue = uncertain uniform(min=0, max=1)\n"
    "[parameter b]\nvalue = uncertain uniform(min=0, max=2)\n"
    "[parameter fixed]\nvalue = 1\n"
    "[population p]\nentry = s\ninitial.count = 100\n"
    "[state s]\n"
    "[cost ka]\nfunder = dep\nper = person-month\nstates = s\namount = $a\n"
    "[cost kb]\nfunder = dep\nper = person-month\nstates = s\namount = $b\n";

static void test_sobol_model(tc_ctx *t)
{
    char path[512];
    snprintf(path, sizeof path, "%s", tc_write(t, "sobol.ini", sobol_model));
    mdl_model *m = NULL;
    pc_err err = {{0}};
    if (mdl_load(path, &m, &err)) {
        CHECK(t, 0, "sobol.ini loads (%s)", err.msg);
        return;
    }
    cmp_key out;
    sens_parse_output(m, "cost.total", &out, &err);
    size_t n = t->quick ? 128 : 256;
    sens_sobol_options opt = {.n = n, .seed = 5, .threads = 1, .boot = BOOT, .level = LEVEL};
    sens_sobol_result *r1 = NULL, *r2 = NULL;
    int rc = sens_sobol_model(m, &out, &opt, &r1, &err);
    opt.threads = 2;
    if (!rc)
        rc = sens_sobol_model(m, &out, &opt, &r2, &err);
    CHECK(t, rc == PC_OK && r1->k == 2,
          "Sobol indices of cost.total over two uncertain amounts, "
          "%zu model runs (%s)",
          n * 4, rc ? err.msg : "");
    if (!rc) {
        const double expect[2] = {0.2, 0.8};
        for (size_t i = 0; i < 2; i++) {
            const sens_index *x = &r1->indices[i];
            const char *name = m->params[r1->params[i]].name;
            check_index(t, "model first-order", name, x->first, x->first_low, x->first_high,
                        expect[i], 0.6);
            check_index(t, "model total", name, x->total, x->total_low, x->total_high, expect[i],
                        0.6);
        }
        CHECK(t,
              memcmp(r1->indices, r2->indices, 2 * sizeof *r1->indices) == 0 &&
                  r1->mean == r2->mean,
              "the same indices, bitwise, on one and two threads");
        /* 100 persons x 12 months x (a + b): the mean is 1200 x 1.5 */
        double person_months = 100 * 12;
        CHECK(t, fabs(r1->mean - 1.5 * person_months) < 0.1 * person_months,
              "the design's mean output %.1f is near 100 persons x 12 months x E[a + b] = %.0f",
              r1->mean, 1.5 * person_months);
    }
    sens_sobol_result_free(r1);
    sens_sobol_result_free(r2);
    mdl_free(m);
}

/* ---- one at a time -------------------------------------------------------------------- */

static const char tornado_model[] =
    "[model]\nname = tornado\nstart = 2018-01\nhorizon = 24\n"
    "[parameter rate]\nvalue = 100\n"
    "[parameter mu]\nvalue = 0.1\n"
    "[population p]\nentry = a\ninflow.rate = $rate/m\n"
    "[state a]\non.out = hazard ${mu}/m -> out\n"
    "[cost k]\nfunder = dep\nper = person-month\nstates = a\namount = 100\n";

/* Mean over 2019's month ends (t = 13..24 months) of the M/M/inf stock. */
static double tornado_analytic(double rate, double mu, double initial)
{
    double s = 0;
    for (int month = 13; month <= 24; month++)
        s += rate / mu * (1 - exp(-mu * month)) + initial * exp(-mu * month);
    return s / 12;
}

static void test_tornado(tc_ctx *t)
{
    char path[512];
    snprintf(path, sizeof path, "%s", tc_write(t, "tornado.ini", tornado_model));
    mdl_model *m = NULL;
    pc_err err = {{0}};
    if (mdl_load(path, &m, &err)) {
        CHECK(t, 0, "tornado.ini loads (%s)", err.msg);
        return;
    }
    const char *args[] = {"cost.k.amount=50:150", "population.p.initial.count=0:50",
                          "mu=0.08:0.125", "rate=80:120"};
    sens_vary vary[4];
    for (size_t i = 0; i < 4; i++)
        sens_parse_vary(args[i], &vary[i], &err);
    /* analytic means at low and high, in the order of args */
    double lo[4] = {tornado_analytic(100, 0.1, 0), tornado_analytic(100, 0.1, 0),
                    tornado_analytic(100, 0.08, 0), tornado_analytic(80, 0.1, 0)};
    double hi[4] = {tornado_analytic(100, 0.1, 0), tornado_analytic(100, 0.1, 50),
                    tornado_analytic(100, 0.125, 0), tornado_analytic(120, 0.1, 0)};
    cmp_key out;
    int rc = sens_parse_output(m, "stock.p@2019", &out, &err);
    sens_oat_options opt = {.mc = {.reps = t->quick ? 12 : 40, .seed = 8}};
    sens_oat_result *r = NULL;
    if (!rc)
        rc = sens_oat(m, vary, 4, &out, &opt, &r, &err);
    CHECK(t, rc == PC_OK && r->n == 4, "one at a time over 4 keys, %zu replications per run (%s)",
          opt.mc.reps, rc ? err.msg : "");
    if (rc) {
        mdl_free(m);
        return;
    }
    static const char order[4][40] = {"rate", "mu", "population.p.initial.count", "cost.k.amount"};
    int sorted = 1;
    for (size_t i = 0; i < 4; i++)
        sorted &= strcmp(r->rows[i].vary.key, order[i]) == 0;
    CHECK(t, sorted,
          "rows sorted by swing as the analytic swings say: rate %.1f > mu %.1f > initial.count "
          "%.1f > cost amount 0 (got %s, %s, %s, %s)",
          hi[3] - lo[3], lo[2] - hi[2], hi[1] - lo[1], r->rows[0].vary.key, r->rows[1].vary.key,
          r->rows[2].vary.key, r->rows[3].vary.key);
    for (size_t i = 0; i < 4; i++) {
        const sens_oat_row *row = NULL;
        for (size_t j = 0; j < 4; j++)
            if (!strcmp(r->rows[j].vary.key, vary[i].key))
                row = &r->rows[j];
        if (!row)
            continue;
        CHECK(t,
              fabs(row->mean_low - lo[i]) <= TOL_SE * row->se_low + 1e-9 &&
                  fabs(row->mean_high - hi[i]) <= TOL_SE * row->se_high + 1e-9,
              "%s: mean stock in 2019 at low %.2f (analytic %.2f), at high %.2f (analytic %.2f), "
              "within %.0f SE (%.2f, %.2f)",
              vary[i].key, row->mean_low, lo[i], row->mean_high, hi[i], TOL_SE, row->se_low,
              row->se_high);
    }
    CHECK(t, r->rows[3].swing == 0 && r->rows[3].effect_low == 0 && r->rows[3].effect_high == 0,
          "a key that cannot move the output has swing 0 exactly (common random numbers)");
    sens_oat_free(r);
    mdl_free(m);
}

/* ---- bad input ------------------------------------------------------------------------- */

/* Calls a command's entry point with a writable copy of args. */
static int run_main(int (*entry)(cli_ctx *, int, char **), int argc, const char *const *args)
{
    char **argv = calloc((size_t)argc + 1, sizeof *argv);
    int rc = argv ? PC_OK : PC_EINTERNAL;
    for (int i = 0; i < argc && !rc; i++)
        if (!(argv[i] = strdup(args[i])))
            rc = PC_EINTERNAL;
    if (!rc)
        rc = entry(NULL, argc, argv);
    for (int i = 0; argv && i < argc; i++)
        free(argv[i]);
    free(argv);
    return rc;
}

static void test_refusals(tc_ctx *t)
{
    sens_vary v;
    pc_err err = {{0}};
    int rc = sens_parse_vary("resource.r.capacity=30:10", &v, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "LOW must be below HIGH"),
          "--vary LOW >= HIGH is refused (%s)", err.msg);
    rc = sens_parse_vary("mu=0.1:0.1", &v, &err);
    CHECK(t, rc == PC_EINPUT, "--vary LOW = HIGH is refused");
    rc = sens_parse_vary("mu=low:high", &v, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "numbers"), "--vary with words is refused (%s)",
          err.msg);
    rc = sens_parse_vary("inflow=60d:120m", &v, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "same unit"), "--vary mixing units is refused");
    rc = sens_parse_vary("delay=60d:120d", &v, &err);
    CHECK(t, rc == PC_OK && v.low_number == 60 && !strcmp(v.high, "120d"),
          "--vary with units: 60d:120d");
    rc = sens_parse_vary("mu", &v, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "KEY=LOW:HIGH"), "--vary without '=' is refused");

    char path[512];
    snprintf(path, sizeof path, "%s", tc_write(t, "refuse.ini", tornado_model));
    mdl_model *m = NULL;
    if (mdl_load(path, &m, &err)) {
        CHECK(t, 0, "refuse.ini loads (%s)", err.msg);
        return;
    }
    cmp_key out;
    rc = sens_parse_output(m, "stock.nobody", &out, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "no variable stock.nobody"),
          "an unknown output variable is refused (%s)", err.msg);
    rc = sens_parse_output(m, "stock.p@2031", &out, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "2031"),
          "a year outside the horizon is refused "
          "(%s)",
          err.msg);
    sens_parse_output(m, "stock.p", &out, &err);
    const char *keys[] = {"resource.nowhere.capacity=1:2", "state.a.nothing=1:2"};
    for (size_t i = 0; i < 2; i++) {
        sens_parse_vary(keys[i], &v, &err);
        sens_oat_options opt = {.mc = {.reps = 2, .seed = 1}};
        sens_oat_result *r = NULL;
        rc = sens_oat(m, &v, 1, &out, &opt, &r, &err);
        CHECK(t, rc == PC_EINPUT && strstr(err.msg, v.key) && strstr(err.msg, "unknown key"),
              "--vary %s: an unknown key is refused before anything runs (%s)", keys[i], err.msg);
        sens_oat_free(r);
    }
    sens_sobol_options so = {.n = 8, .seed = 1};
    sens_sobol_result *sr = NULL;
    rc = sens_sobol_model(m, &out, &so, &sr, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "no uncertain parameter"),
          "--sobol on a model without uncertain parameters is refused (%s)", err.msg);
    sens_sobol_result_free(sr);
    mdl_free(m);

    /* the command's exit statuses (its messages: tests/compare_e2e.sh) */
    const char *low_high[] = {"sensitivity", path, "--output", "stock.p", "--vary", "mu=0.2:0.1"};
    const char *unknown[] = {"sensitivity", path,     "--output",
                             "stock.p",     "--vary", "state.zz.x=1:2"};
    const char *no_output[] = {"sensitivity", path, "--vary", "mu=0.1:0.2"};
    CHECK(t, run_main(cmd_sensitivity, 6, low_high) == PC_EINPUT,
          "parcours sensitivity with LOW >= HIGH: exit 1");
    CHECK(t, run_main(cmd_sensitivity, 6, unknown) == PC_EINPUT,
          "parcours sensitivity with an unknown key: exit 1");
    CHECK(t, run_main(cmd_sensitivity, 4, no_output) == PC_EUSAGE,
          "parcours sensitivity without --output: exit 2");
}

void suite_sens(tc_ctx *t)
{
    test_ishigami(t);
    test_additive(t);
    test_sobol_model(t);
    test_tornado(t);
    test_refusals(t);
}
