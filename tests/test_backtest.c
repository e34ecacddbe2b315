/* test_backtest — forecasts from past origins, scored on observations the model made itself.
 *
 * The observations are one replication of the model (seed 777): K populations that
 * are the same process (Poisson entries, exponential stays, so that the stock alone is
 * the state) with their own random streams, so one replication gives K independent
 * paths.  A backtest with another seed then forecasts each path from its observed
 * stock with the right conditional law: each observation falls in its 90 % band with
 * probability 0.9 (up to the replications' quantile error), in the 50 % band with 0.5,
 * and its PIT is uniform.  The paths start empty and grow, so that a forecast started
 * from the wrong stock or scored at the wrong month is far off. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/fsio.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/rec.h"
#include "study/backtest.h"

#define K 40 /* populations, each an independent path */

/* The model: K populations with inflow `rate` (100/m) and stays of mean 1 / hazard;
 * head goes before the populations (a [parameter] section). */
static const char *model_text(char *buf, size_t size, double hazard, const char *rate,
                              const char *head)
{
    size_t n =
        (size_t)snprintf(buf, size, "[model]\nname = b\nstart = 2010-01\nhorizon = 48\n%s", head);
    for (int k = 0; k < K && n < size; k++)
        n += (size_t)snprintf(buf + n, size - n,
                              "[population p%d]\nentry = s%d\ninflow.rate = %s\n"
                              "[state s%d]\npopulation = p%d\non.x = hazard %g/m -> out\n",
                              k, k, rate, k, k, hazard);
    return buf;
}

/* Writes one replication's stocks at month indices 11, 23, 35, 47 (December) as the
 * observed CSV; its path (static in the ctx's folder). */
static const char *observe(tc_ctx *t, const mdl_model *m, char *path, size_t size)
{
    mc_options opt = {.reps = 1, .seed = 777, .threads = 1};
    mc_result *r = NULL;
    pc_err err;
    if (mc_run(m, &opt, &r, &err)) {
        CHECK(t, 0, "the observing run (%s)", err.msg);
        return NULL;
    }
    tc_path(t, "observed.csv", path, size);
    FILE *f = fopen(path, "w");
    fputs("variable,period,value\n", f);
    for (int k = 0; k < K; k++) {
        char var[32];
        snprintf(var, sizeof var, "stock.p%d", k);
        long v = rec_find(r->catalog, var);
        for (int y = 0; y < 4; y++)
            fprintf(f, "%s,%d-12,%.0f\n", var, 2010 + y, mc_series(r, 0, (size_t)v)[12 * y + 11]);
    }
    fclose(f);
    mc_result_free(r);
    return path;
}

static backtest_result *backtest(tc_ctx *t, const mdl_model *m, const char *observed, size_t reps,
                                 int threads, const char *fit)
{
    backtest_problem *p = NULL;
    backtest_result *r = NULL;
    pc_err err;
    int rc = backtest_problem_alloc(m, &p, &err);
    if (!rc)
        rc = backtest_read_observed(p, observed, &err);
    if (!rc)
        rc = backtest_set_origins(p, "2011-12,2012-12", &err);
    if (!rc)
        rc = backtest_set_horizons(p, "12,24", &err);
    if (!rc && fit)
        rc = backtest_add_fit(p, fit, &err);
    backtest_options opt = {
        .reps = reps, .fit_reps = 40, .seed = 1, .threads = threads, .max_iter = 100, .tol = 1e-4};
    if (!rc)
        rc = backtest_run(p, &opt, &r, &err);
    CHECK(t, rc == PC_OK, "the backtest runs (%s)", rc ? err.msg : "ok");
    backtest_problem_free(p);
    return r;
}

/* 90 % and 50 % coverage and a flat PIT on the model's own paths; the same with stays
 * 1.5 times shorter fails. */
static void test_own_paths(tc_ctx *t)
{
    static char text[20000];
    char path[512];
    mdl_model *m = NULL, *wrong = NULL;
    pc_err err;
    if (mdl_load(tc_write(t, "own.ini", model_text(text, sizeof text, 0.1, "100/m", "")), &m,
                 &err)) {
        CHECK(t, 0, "own.ini loads (%s)", err.msg);
        return;
    }
    const char *observed = observe(t, m, path, sizeof path);
    size_t reps = t->quick ? 200 : 400;
    backtest_result *r = observed ? backtest(t, m, observed, reps, 2, NULL) : NULL;
    if (r) {
        const backtest_score *all = &r->scores[r->n_scores - 1];
        /* 2 origins x 2 horizons x K paths; from 2012-12 the 24-month window ends in 2014-12,
         * unobserved: 3 x K rows */
        CHECK(t, all->n == 3 * K, "%zu forecasts scored (want %d)", all->n, 3 * K);
        /* Binomial: sd of a share sqrt(p (1 - p) / n) = 0.027 (90 %) and 0.046 (50 %) with
         * n = 120; the rows of one path are positively correlated (at most 3 per path) and
         * the bands carry the quantile error of the replications: 4 sd, 0.11 and 0.18.  A
         * forecast from the wrong stock or month, or a band of Monte Carlo noise only,
         * covers far less (the wrong model below: under 0.2). */
        double n = (double)all->n;
        double tol90 = 4 * sqrt(0.09 / n), tol50 = 4 * sqrt(0.25 / n);
        CHECK(t, fabs(all->cover90 - 0.9) < tol90,
              "own paths: 90 %% band covers %.3f of the observations (0.9 +- %.3f)", all->cover90,
              tol90);
        CHECK(t, fabs(all->cover50 - 0.5) < tol50,
              "own paths: 50 %% band covers %.3f of the observations (0.5 +- %.3f)", all->cover50,
              tol50);
        /* PIT flat: chi-square over 10 bins, 9 df; 0.999 quantile 27.9 (correlated rows
         * widen it a little: 35) */
        double chi2 = 0, e = n / BACKTEST_PIT_BINS;
        for (int k = 0; k < BACKTEST_PIT_BINS; k++)
            chi2 += (all->pit[k] - e) * (all->pit[k] - e) / e;
        CHECK(t, chi2 < 35, "own paths: PIT histogram flat (chi-square %.1f, 9 df)", chi2);
        /* the median beats carrying the origin forward on a growing path */
        CHECK(t, all->mae_median < all->mae_naive,
              "own paths: median error %.4f below the naive %.4f", all->mae_median, all->mae_naive);
        /* each row's CRPS is at most the mean absolute error of the replications */
        int crps_ok = 1;
        for (size_t i = 0; i < r->n_rows; i++)
            crps_ok &= r->rows[i].crps >= 0 &&
                       r->rows[i].crps <= fabs(r->rows[i].mean - r->rows[i].observed) +
                                              (r->rows[i].p95 - r->rows[i].p05) + 1e-9;
        CHECK(t, crps_ok, "CRPS within [0, |mean - y| + the 90 %% width] for every row");
    }
    backtest_result_free(r);
    /* the wrong model: stays of mean 6.7 months instead of 10 */
    if (observed &&
        !mdl_load(tc_write(t, "wrong.ini", model_text(text, sizeof text, 0.15, "100/m", "")),
                  &wrong, &err)) {
        backtest_result *w = backtest(t, wrong, observed, 100, 2, NULL);
        if (w)
            CHECK(t, w->scores[w->n_scores - 1].cover90 < 0.5,
                  "a wrong model (shorter stays) is caught: 90 %% band covers %.3f",
                  w->scores[w->n_scores - 1].cover90);
        backtest_result_free(w);
    }
    mdl_free(wrong);
    mdl_free(m);
}

/* The inflow fitted to the year before each origin recovers the rate that made the
 * paths: 40 paths share one fitted rate; its error comes from the paths' Poisson noise
 * over 40 stocks of ~700-1000 (about 0.6 % of the stock, 1.2 % of the rate) and the fit's
 * 40 replications (similar): 5 %. */
static void test_fit(tc_ctx *t)
{
    static char text[20000];
    char path[512];
    mdl_model *m = NULL;
    pc_err err;
    if (mdl_load(tc_write(t, "fit.ini", model_text(text, sizeof text, 0.1, "100/m", "")), &m,
                 &err)) {
        CHECK(t, 0, "fit.ini loads (%s)", err.msg);
        return;
    }
    /* every population's rate is one parameter, the fitted key */
    static char shared[20000];
    mdl_model *fm = NULL;
    if (mdl_load(tc_write(t, "fit-shared.ini",
                          model_text(shared, sizeof shared, 0.1, "${ra}/m",
                                     "[parameter ra]\nvalue = 100\n")),
                 &fm, &err)) {
        CHECK(t, 0, "fit-shared.ini loads (%s)", err.msg);
        mdl_free(m);
        return;
    }
    const char *observed = observe(t, m, path, sizeof path);
    backtest_problem *p = NULL;
    backtest_result *r = NULL;
    int rc = backtest_problem_alloc(fm, &p, &err);
    if (!rc)
        rc = backtest_read_observed(p, observed, &err);
    if (!rc)
        rc = backtest_set_origins(p, "2011-12,2012-12", &err);
    if (!rc)
        rc = backtest_set_horizons(p, "12", &err);
    if (!rc)
        rc = backtest_add_fit(p, "ra=20:500", &err);
    backtest_options opt = {
        .reps = 50, .fit_reps = 10, .seed = 1, .threads = 2, .max_iter = 200, .tol = 1e-4};
    if (!rc)
        rc = backtest_run(p, &opt, &r, &err);
    CHECK(t, rc == PC_OK, "the backtest with a fit runs (%s)", rc ? err.msg : "ok");
    if (r) {
        for (size_t i = 0; i < p->n_origins; i++) {
            double v = atof(r->fitted[i]);
            CHECK(t, fabs(v / 100 - 1) < 0.05,
                  "origin %zu: fitted rate %.2f a month (made with 100)", i, v);
        }
        char csv[512];
        tc_path(t, "fit.csv", csv, sizeof csv);
        CHECK(t, backtest_write_fit(p, r, csv, &err) == PC_OK, "backtest-fit.csv written");
    }
    backtest_result_free(r);
    backtest_problem_free(p);
    mdl_free(fm);
    mdl_free(m);
}

/* 1 and 2 threads give the same rows, and the files read back. */
static void test_threads_and_files(tc_ctx *t)
{
    static char text[20000];
    char path[512];
    mdl_model *m = NULL;
    pc_err err;
    if (mdl_load(tc_write(t, "threads.ini", model_text(text, sizeof text, 0.1, "100/m", "")), &m,
                 &err)) {
        CHECK(t, 0, "threads.ini loads (%s)", err.msg);
        return;
    }
    const char *observed = observe(t, m, path, sizeof path);
    backtest_result *a = backtest(t, m, observed, 30, 1, NULL);
    backtest_result *b = backtest(t, m, observed, 30, 2, NULL);
    if (a && b) {
        int same = a->n_rows == b->n_rows;
        for (size_t i = 0; same && i < a->n_rows; i++)
            same = a->rows[i].p05 == b->rows[i].p05 && a->rows[i].p95 == b->rows[i].p95 &&
                   a->rows[i].crps == b->rows[i].crps && a->rows[i].pit == b->rows[i].pit;
        CHECK(t, same, "1 and 2 threads give identical backtests");
        char csv[512], sum[512];
        tc_path(t, "backtest.csv", csv, sizeof csv);
        tc_path(t, "summary.csv", sum, sizeof sum);
        int ok = backtest_write_rows(a, csv, &err) == PC_OK &&
                 backtest_write_summary(a, sum, &err) == PC_OK;
        char *text_rows = NULL;
        ok = ok && fsio_read_text(csv, &text_rows, &err) == PC_OK;
        size_t lines = 0;
        for (const char *c = text_rows; c && *c; c++)
            lines += *c == '\n';
        CHECK(t,
              ok && lines == a->n_rows + 1 &&
                  !strncmp(text_rows, "variable,origin,horizon,month,observed", 38),
              "backtest.csv: a header and %zu rows (%zu lines)", a->n_rows, lines);
        free(text_rows);
    }
    backtest_result_free(a);
    backtest_result_free(b);
    mdl_free(m);
}

/* Bad options and observed files: PC_EINPUT naming the option or file:line. */
static void expect(tc_ctx *t, const char *what, int rc, const pc_err *err, const char *needle)
{
    CHECK(t, rc == PC_EINPUT && strstr(err->msg, needle), "refused: %s (%s)", what,
          rc ? err->msg : "accepted");
}

static void test_bad_input(tc_ctx *t)
{
    static char text[20000];
    char path[512];
    mdl_model *m = NULL;
    pc_err err;
    if (mdl_load(tc_write(t, "bad.ini", model_text(text, sizeof text, 0.1, "100/m", "")), &m,
                 &err)) {
        CHECK(t, 0, "bad.ini loads (%s)", err.msg);
        return;
    }
    const char *observed = observe(t, m, path, sizeof path);
    backtest_problem *p = NULL;
    if (backtest_problem_alloc(m, &p, &err) || backtest_read_observed(p, observed, &err)) {
        CHECK(t, 0, "problem (%s)", err.msg);
        backtest_problem_free(p);
        mdl_free(m);
        return;
    }
    expect(t, "an origin 2012-13", backtest_set_origins(p, "2011-12,2012-13", &err), &err,
           "--origins: '2012-13' is not a month YYYY-MM");
    expect(t, "an origin 2012/12", backtest_set_origins(p, "2012/12", &err), &err,
           "--origins: '2012/12' is not a month");
    expect(t, "an origin twice", backtest_set_origins(p, "2011-12,2011-12", &err), &err,
           "--origins: 2011-12 is given twice");
    expect(t, "a horizon 0", backtest_set_horizons(p, "12,0", &err), &err,
           "--horizons: '0' is not a whole number of months > 0");
    expect(t, "a horizon -12", backtest_set_horizons(p, "-12", &err), &err,
           "--horizons: '-12' is not");
    expect(t, "a trailing comma", backtest_set_horizons(p, "12,", &err), &err,
           "--horizons: a value is missing");
    backtest_set_horizons(p, "12", &err);
    int rc = backtest_set_origins(p, "2011-06", &err);
    if (!rc)
        rc = backtest_validate(p, &err);
    expect(t, "an origin outside the observations", rc, &err,
           "--origins 2011-06: no population's stock (stock.P) is observed");
    backtest_set_origins(p, "2011-12", &err);
    backtest_add_fit(p, "population.p0.inflow.rate=10/m:500/m", &err);
    rc = backtest_set_fit_window(p, 24, &err);
    if (!rc)
        rc = backtest_validate(p, &err);
    expect(t, "a fit window before the observations", rc, &err,
           "--origins 2011-12: the fit window starts from the stock of 2009-12");
    backtest_set_fit_window(p, 12, &err);
    rc = backtest_set_breaks(p, "2011-06", &err);
    if (!rc)
        rc = backtest_validate(p, &err);
    expect(t, "a fit window across a break", rc, &err,
           "the fit window 2010-12 to 2011-12 spans the series break 2011-06");
    backtest_set_breaks(p, "", &err);
    backtest_problem_free(p);
    /* an unknown fitted key */
    backtest_problem_alloc(m, &p, &err);
    backtest_read_observed(p, observed, &err);
    backtest_set_origins(p, "2011-12", &err);
    backtest_set_horizons(p, "12", &err);
    backtest_add_fit(p, "population.nope.inflow.rate=10/m:500/m", &err);
    expect(t, "an unknown fitted key", backtest_validate(p, &err), &err, "--fit ");
    backtest_problem_free(p);
    /* observed files */
    const char *files[][2] = {
        {"variable,period,value\nstock.nope,2011-12,5\n",
         "observed-bad.csv:2: variable: unknown variable 'stock.nope'"},
        {"variable,period,value\nstock.p0,2011,5\n",
         "observed-bad.csv:2: period: expected a month YYYY-MM"},
        {"variable,period,value\nstock.p0,2011-12,-5\n",
         "observed-bad.csv:2: value: expected a number >= 0"},
        {"variable,period,value\nstock.p0,2011-12,5\nstock.p0,2011-12,6\n",
         "observed-bad.csv:3: period: stock.p0 2011-12 is given twice"},
        {"var,period,value\n", "expected the header variable,period,value"},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        backtest_problem_alloc(m, &p, &err);
        rc = backtest_read_observed(p, tc_write(t, "observed-bad.csv", files[i][0]), &err);
        expect(t, files[i][1], rc, &err, files[i][1]);
        backtest_problem_free(p);
    }
    mdl_free(m);
}

void suite_backtest(tc_ctx *t)
{
    test_own_paths(t);
    test_fit(t);
    test_threads_and_files(t);
    test_bad_input(t);
}
