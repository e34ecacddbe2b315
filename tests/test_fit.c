/* test_fit — calibration, capacity sizing and allocation (study/calib.c, capacity.c, target.c).
 *
 * Known-answer tests: a calibration recovers the parameters that generated its
 * targets (another seed) within the Monte Carlo uncertainty of the fit, computed
 * by the delta method from the per-replication spreads; the Drôme fit meets its
 * seed figures within 2 %; sizing an M/M/c queue gives Erlang C's capacity for a
 * bound placed half-way (geometrically) between two capacities' exact values, and
 * the test checks that the estimates at the answer and one place below are several
 * standard errors from the bound, so the Monte Carlo error cannot flip the answer;
 * allocations split an envelope evenly between identical départements and give
 * more to a more loaded one.  Every input error path is provoked.  Seeds are fixed.
 * Paths are relative to the repository root. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "study/capacity.h"
#include "study/calib.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/rec.h"
#include "study/runs.h"

#define DPM MDL_DAYS_PER_MONTH

/* ---- targets and the wait estimator --------------------------------------------------- */

static const char mmc_text[] = "[model]\n"
                               "name = M/M/c\n"
                               "start = 2020-01\n"
                               "horizon = 60\n"
                               "\n"
                               "[population p]\n"
                               "entry = service\n"
                               "inflow.rate = 20/m\n"
                               "warmup = 1y\n"
                               "\n"
                               "[state service]\n"
                               "resource = servers\n"
                               "queue = waiting\n"
                               "on.done = after exponential(mean=1m) -> out\n"
                               "\n"
                               "[state waiting]\n"
                               "\n"
                               "[resource servers]\n"
                               "capacity = 30\n";

static void test_goals(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "goal.ini", mmc_text);
    if (!m)
        return;
    target_expr g;
    pc_err err;
    int rc = target_parse(m, "p90(wait.waiting) <= 90d", &g, &err);
    CHECK(t,
          rc == 0 && g.stat == TARGET_QUANTILE && fabs(g.level - 0.9) < 1e-12 &&
              g.op == TARGET_LE && g.bound == 90 && !strcmp(g.queue, "waiting") && !g.all_requests,
          "p90(wait.Q) <= 90d parses as a percentile of waits in days");
    rc = target_parse(m, "share(wait.waiting > 3m) <= 10%", &g, &err);
    CHECK(t, rc == 0 && g.stat == TARGET_SHARE && g.level == 3 * DPM && g.bound == 0.10,
          "share(wait.Q > 3m) <= 10%% parses (3 months, a fraction)");
    rc = target_parse(m, "mean(queue.waiting) < 50", &g, &err);
    CHECK(t,
          rc == 0 && g.stat == TARGET_MEAN && g.op == TARGET_LT && !g.queue[0] &&
              !strcmp(g.statistic, "mean(queue.waiting)"),
          "mean(VARIABLE) < 50 parses");
    rc = target_parse(m, "share(wait.waiting.all > 0) >= 0.25", &g, &err);
    CHECK(t, rc == 0 && g.all_requests && g.level == 0 && g.op == TARGET_GE && g.bound == 0.25,
          "share(wait.Q.all > 0) >= 0.25 parses (every request)");
    static const struct {
        const char *text, *says;
    } bad[] = {
        {"mean(stock.nowhere) <= 3", "unknown variable"},
        {"p90(queue.waiting) <= 3", "apply to waits"},
        {"mean(queue.waiting) = 3", "expected <="},
        {"share(wait.waiting > 3m) <= 90d", "a share is"},
        {"p90(wait.waiting) <= 10%", "a wait is a duration"},
        {"median(wait.waiting) <= 3", "unknown statistic"},
        {"p90 wait.waiting <= 3", "expected STAT"},
        {"share(wait.waiting) <= 10%", "share(wait.QUEUE > DURATION)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = target_parse(m, bad[i].text, &g, &err);
        CHECK(t, rc == PC_EINPUT && strstr(err.msg, bad[i].says), "target '%s' refused: %s",
              bad[i].text, rc ? err.msg : "accepted");
    }
    mdl_free(m);

    /* The fitted survival: exact at 3 months, exponential when the data are. */
    double tau = 3 * DPM;
    CHECK(t,
          target_wait_survival(40, 0.17, tau) == 0.17 && target_wait_survival(200, 0.9, tau) == 0.9,
          "the wait survival is the observed share at 3 months exactly");
    double mu = 30, s = exp(-tau / mu);
    int exponential = 1;
    for (double x = 5; x < 400; x += 37)
        exponential &= fabs(target_wait_survival(mu, s, x) - exp(-x / mu)) < 1e-12;
    CHECK(t, exponential && fabs(target_wait_quantile(mu, s, 0.9) - mu * log(10.0)) < 1e-9,
          "exponential waits are fitted exactly (p90 = mean x ln 10 = %.3f d)",
          target_wait_quantile(mu, s, 0.9));
    int inverse = 1;
    for (double p = 0.05; p < 1; p += 0.1)
        inverse &=
            fabs(target_wait_survival(70, 0.3, target_wait_quantile(70, 0.3, p)) - (1 - p)) < 1e-9;
    CHECK(t, inverse, "the percentile inverts the survival");
}

/* ---- calibration -------------------------------------------------------------------------- */

static const char recovery_text[] = "[model]\n"
                                    "name = Recovery\n"
                                    "start = 2020-01\n"
                                    "horizon = 48\n"
                                    "\n"
                                    "[parameter exit_rate]\n"
                                    "label = Exit hazard\n"
                                    "value = 0.05\n"
                                    "\n"
                                    "[population p]\n"
                                    "entry = present\n"
                                    "inflow.rate = 1200/y\n"
                                    "initial.count = 2000\n"
                                    "\n"
                                    "[state present]\n"
                                    "on.exit = hazard $exit_rate/m -> out\n";

/* The recovered parameters against the true ones.  Linearised, the fit moves
 * log(theta) by A e, A = (J'J)^-1 J' with J the elasticities of the targets (the
 * entries are proportional to the inflow; the stock, starting at its steady state
 * 2000 = inflow / hazard, has elasticities 1 - exp(-h t) and its opposite) and e
 * the relative errors of the targets' means, whose standard deviation is
 * sd x sqrt(1/R_targets + 1/R_fit).  Whatever their correlation, |A e| is at most
 * sum |A_i| sd_i: the bound checked, times 4. */
static void test_recovery(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "recovery.ini", recovery_text);
    if (!m)
        return;
    const size_t reps_targets = t->quick ? 20 : 40, reps_fit = t->quick ? 10 : 20;
    const char *vars[] = {"entries.p", "entries.p", "entries.p", "stock.p", "stock.p", "stock.p"};
    const char *when[] = {"2020", "2021", "2022", "2020-12", "2021-12", "2022-12"};
    const double months[] = {0, 0, 0, 12, 24, 36};
    calib_problem *truth = calib_problem_alloc(m), *p = calib_problem_alloc(m);
    calib_result *gen = NULL, *r = NULL;
    pc_err err;
    int ok = truth && p;
    for (size_t i = 0; i < 6 && ok; i++)
        ok = !calib_add_target(truth, vars[i], when[i], 1, 1, NULL, &err);
    calib_options gen_opt = {.reps = reps_targets, .seed = 77};
    ok = ok && (gen = calib_result_alloc(truth)) &&
         !calib_evaluate(truth, NULL, &gen_opt, gen, &err);
    CHECK(t, ok, "targets generated by the model (seed 77, %zu replications)%s%s", reps_targets,
          ok ? "" : ": ", ok ? "" : err.msg);
    for (size_t i = 0; i < 6 && ok; i++)
        ok = !calib_add_target(p, vars[i], when[i], gen->mean[i], 1, NULL, &err);
    ok = ok && !calib_add_key(p, "population.p.inflow.rate=300/y:6000/y:4500/y", &err) &&
         !calib_add_key(p, "exit_rate=0.005:0.3:0.2", &err);
    CHECK(t, ok, "recovery problem set up from a distant start (4500/y, 0.2)%s%s", ok ? "" : ": ",
          ok ? "" : err.msg);
    calib_options opt = {.reps = reps_fit, .seed = 1, .max_iter = 300, .tol = 1e-4};
    int rc = ok ? calib_fit(p, &opt, &r, &err) : -1;
    CHECK(t, rc == 0, "calibration runs: %s", rc ? err.msg : "ok");
    if (rc == 0) {
        double lambda = r->values[0], h = r->values[1];
        /* A = (J'J)^-1 J' for J rows (1, 0) x 3 and (g, -g) for g = 1 - exp(-0.05 t). */
        double jtj[2][2] = {{0, 0}, {0, 0}}, jrow[6][2];
        for (size_t i = 0; i < 6; i++) {
            double g = 1 - exp(-0.05 * months[i]);
            jrow[i][0] = i < 3 ? 1 : g;
            jrow[i][1] = i < 3 ? 0 : -g;
            for (int a = 0; a < 2; a++)
                for (int b = 0; b < 2; b++)
                    jtj[a][b] += jrow[i][a] * jrow[i][b];
        }
        double det = jtj[0][0] * jtj[1][1] - jtj[0][1] * jtj[1][0];
        double inv[2][2] = {{jtj[1][1] / det, -jtj[0][1] / det},
                            {-jtj[1][0] / det, jtj[0][0] / det}};
        double bound[2] = {0, 0}, noise = sqrt(1.0 / (double)reps_targets + 1.0 / (double)reps_fit);
        for (size_t i = 0; i < 6; i++)
            for (int a = 0; a < 2; a++) {
                double ai = inv[a][0] * jrow[i][0] + inv[a][1] * jrow[i][1];
                bound[a] += fabs(ai) * r->sd[i] / gen->mean[i] * noise;
            }
        double err_lambda = log(lambda / 1200), err_h = log(h / 0.05);
        CHECK(t, fabs(err_lambda) <= 4 * bound[0],
              "inflow recovered: %.1f/y for 1200/y (%+.2f %%, 4 x MC bound %.2f %%)", lambda,
              100 * err_lambda, 400 * bound[0]);
        CHECK(t, fabs(err_h) <= 4 * bound[1],
              "exit hazard recovered: %.5f/m for 0.05/m (%+.2f %%, 4 x MC bound %.2f %%)", h,
              100 * err_h, 400 * bound[1]);
        int close = 1;
        for (size_t i = 0; i < 6; i++)
            close &= fabs(r->mean[i] - gen->mean[i]) <= 4 * r->sd[i] * noise;
        CHECK(t, close, "each fitted target within 4 standard errors of its value");
        CHECK(t, r->calls > 10 && r->horizon == 36,
              "%zu simulator calls, %zu iterations (%s), 36 of 48 months simulated", r->calls,
              r->iterations, r->converged ? "tolerance reached" : "iteration limit");
        /* The overlay: a [parameter] section and the population section, in full. */
        char overlay[512], model_path[512];
        tc_path(t, "recovery-fit.ini", overlay, sizeof overlay);
        tc_path(t, "recovery.ini", model_path, sizeof model_path);
        rc = calib_write_overlay(p, r, model_path, overlay, &err);
        mdl_model *fitted = NULL;
        rc = rc ? rc : mdl_load(overlay, &fitted, &err);
        CHECK(t,
              rc == 0 && fitted && fabs(fitted->params[0].value - h) < 1e-9 &&
                  fabs(mdl_schedule_at(&fitted->populations[0].inflow, 0) * MDL_DAYS_PER_YEAR -
                       lambda) < 1e-6 &&
                  fitted->populations[0].initial_count == 2000,
              "the overlay loads with the fitted values and the rest of the section: %s",
              rc ? err.msg : "ok");
        mdl_free(fitted);
    }
    calib_result_free(gen);
    calib_result_free(r);
    calib_problem_free(truth);
    calib_problem_free(p);
    mdl_free(m);
}

/* Mean over replications of a target's value in a full run. */
/* The mean of a target over r's replications, summarised as calib summarises it (sorted,
 * GSL's running mean), so that equal samples give equal means to the last bit. */
static double target_mean(const mc_result *r, const calib_target *tg)
{
    long var = rec_find(r->catalog, tg->variable);
    double yearly[200], sample[1000];
    int years[200];
    size_t n = r->reps < 1000 ? r->reps : 1000;
    for (size_t rep = 0; rep < n; rep++) {
        if (tg->month) {
            sample[rep] = mc_series(r, rep, (size_t)var)[tg->index];
        } else {
            mc_yearly(r, rep, (size_t)var, yearly, years);
            sample[rep] = yearly[tg->index];
        }
    }
    mc_summary s;
    mc_summarise(sample, n, &s);
    return s.mean;
}

static void test_drome(tc_ctx *t)
{
    const char *base = "scenarios/drome/baseline.ini";
    mdl_model *m = NULL;
    pc_err err;
    if (mdl_load(base, &m, &err)) {
        CHECK(t, 0, "%s loads: %s", base, err.msg);
        return;
    }
    calib_problem *p = calib_problem_alloc(m);
    int rc = p ? calib_read_targets(p, "models/drome/targets.csv", &err) : PC_EINTERNAL;
    rc = rc ? rc : calib_add_key(p, "population.rsa.inflow.rate=2000/y:8000/y:3000/y", &err);
    rc = rc ? rc : calib_add_key(p, "population.rsa.initial.count=15000:30000:25000", &err);
    CHECK(t, rc == 0 && p->n_targets == 3 && p->free_keys[1].integer,
          "Drôme problem: models/drome/targets.csv, inflow and initial count free: %s",
          rc ? err.msg : "ok");
    calib_options opt = {.reps = t->quick ? 4 : 12, .seed = 1, .max_iter = 200, .tol = 1e-3};
    calib_result *r = NULL;
    if (!rc)
        rc = calib_fit(p, &opt, &r, &err);
    CHECK(t, rc == 0, "Drôme calibration runs: %s", rc ? err.msg : "ok");
    if (rc == 0) {
        double worst = 0;
        for (size_t i = 0; i < p->n_targets; i++)
            worst = fmax(worst, fabs(r->mean[i] - p->targets[i].value) / p->targets[i].value);
        CHECK(t, worst <= 0.02,
              "Drôme fit within 2 %% of each seed figure (worst %.2f %%: stock 2018-01 %.0f, "
              "entries 2018 %.0f, 2019 %.0f; inflow %.0f/y, initial %.0f; %zu calls)",
              100 * worst, r->mean[0], r->mean[1], r->mean[2], r->values[0], r->values[1],
              r->calls);
        CHECK(t, r->horizon == 24, "only the 24 months the targets need are simulated");
        char overlay[512], csv[512];
        tc_path(t, "drome-fit.ini", overlay, sizeof overlay);
        tc_path(t, "drome-fit.csv", csv, sizeof csv);
        rc = calib_write_overlay(p, r, base, overlay, &err);
        rc = rc ? rc : calib_write_report(p, r, csv, &err);
        mdl_model *fitted = NULL;
        mc_result *run = NULL;
        mc_options mo = {.reps = opt.reps, .seed = opt.seed};
        rc = rc ? rc : mdl_load(overlay, &fitted, &err);
        rc = rc ? rc : mc_run(fitted, &mo, &run, &err);
        CHECK(t, rc == 0 && fitted->horizon == 120,
              "the overlay (tables rewritten beside it) loads and runs its 120 months: %s",
              rc ? err.msg : "ok");
        if (rc == 0) {
            int same = 1;
            for (size_t i = 0; i < p->n_targets; i++)
                same &= target_mean(run, &p->targets[i]) == r->mean[i];
            CHECK(t, same,
                  "a full run of the overlay reproduces the fitted values exactly (the fit "
                  "simulated 24 months: the months kept do not depend on the horizon)");
        }
        mc_result_free(run);
        mdl_free(fitted);
    }
    calib_result_free(r);
    calib_problem_free(p);
    mdl_free(m);
}

static void test_fit_errors(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "errors.ini", recovery_text);
    if (!m)
        return;
    calib_problem *p = calib_problem_alloc(m);
    if (!p) {
        mdl_free(m);
        return;
    }
    pc_err err;
    int rc = calib_add_target(p, "stock.nowhere", "2020-03", 10, 1, "t.csv:2", &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "t.csv:2") && strstr(err.msg, "unknown variable"),
          "a target on an unknown variable is refused: %s", err.msg);
    rc = calib_add_target(p, "stock.p", "2031-01", 10, 1, NULL, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "outside"), "a date outside the horizon: %s",
          err.msg);
    rc = calib_add_target(p, "stock.p", "2020-1", 10, 1, NULL, &err);
    CHECK(t, rc == PC_EINPUT, "a malformed date: %s", err.msg);
    rc = calib_add_target(p, "stock.p", "2020-03", 0, 1, NULL, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "other than 0"), "a zero target: %s", err.msg);
    rc = calib_add_target(p, "stock.p", "2020-03", 10, -1, NULL, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "weight"), "a negative weight: %s", err.msg);
    char path[512];
    snprintf(path, sizeof path, "%s",
             tc_write(t, "bad-targets.csv",
                      "variable,date_or_year,value,weight\nstock.p,2020-06,2000,1\n"
                      "entries.p,2020,lots,1\n"));
    rc = calib_read_targets(p, path, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, ":3: value"),
          "a targets file names the line of a bad value: %s", err.msg);
    static const struct {
        const char *spec, *says;
    } bad[] = {
        {"population.p.inflow.rate=3000/y:1000/y", "must be below"},
        {"exit_rate=0.1:0.1", "must be below"},
        {"population.p.inflow.rate=1000/y:3000/m", "units differ"},
        {"population.p.nothing=1:2", "population.p.nothing"},
        {"state.nowhere.on.x=1:2", "unknown key"},
        {"exit_rate=0.01:0.2:0.5", "outside"},
        {"exit_rate=low:high", "not a number"},
        {"exit_rate", "expected KEY=LOW:HIGH"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = calib_add_key(p, bad[i].spec, &err);
        CHECK(t, rc == PC_EINPUT && strstr(err.msg, bad[i].says), "--free %s refused: %s",
              bad[i].spec, rc ? err.msg : "accepted");
    }
    calib_options opt = {.reps = 2, .seed = 1, .max_iter = 5, .tol = 1e-3};
    calib_result *r = NULL;
    rc = calib_fit(p, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && !r, "calibration without a free key is refused: %s", err.msg);
    calib_problem_free(p);
    mdl_free(m);
}

/* ---- sizing against Erlang C ------------------------------------------------------------- */

static void check_sizing(tc_ctx *t, const mdl_model *m, const char *text, size_t reps, int expected,
                         double exact_at, double exact_below)
{
    target_expr g;
    pc_err err;
    capacity_size_result *r = NULL;
    capacity_size_options opt = {
        .resource = "servers", .max = 1000, .sim = {.reps = reps, .seed = 3}};
    int rc = target_parse(m, text, &g, &err);
    rc = rc ? rc : capacity_size(m, &g, &opt, &r, &err);
    CHECK(t, rc == 0 && r->capacity == expected,
          "size '%s': %ld servers, Erlang C says %d (%zu runs)", text, rc ? -1 : r->capacity,
          expected, rc ? 0 : r->runs);
    if (rc == 0) {
        double gap_at = (g.bound - r->at.value) / r->at.se;
        double gap_below = (r->below.value - g.bound) / r->below.se;
        CHECK(t, gap_at >= 3 && gap_below >= 3,
              "the bound %.4g is %.1f and %.1f standard errors from the estimates at %ld (%.4g) "
              "and %ld (%.4g): the Monte Carlo error cannot flip the answer",
              g.bound, gap_at, gap_below, r->capacity, r->at.value, r->capacity - 1,
              r->below.value);
        CHECK(t,
              fabs(r->at.value - exact_at) <= 4 * r->at.se &&
                  fabs(r->below.value - exact_below) <= 4 * r->below.se,
              "estimates agree with Erlang C within 4 standard errors (%.4g vs %.4g, %.4g vs "
              "%.4g)",
              r->at.value, exact_at, r->below.value, exact_below);
    } else {
        CHECK(t, 0, "sizing failed: %s", err.msg);
    }
    capacity_size_result_free(r);
}

static void test_sizing(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "mmc.ini", mmc_text);
    if (!m)
        return;
    /* Load a = 20 Erlangs.  Bounds half-way (geometric mean) between the exact values
     * of two consecutive capacities: about 20 % (probability) and 30 % (mean wait)
     * from each, many standard errors with these replications. */
    const double a = 20;
    const size_t reps = t->quick ? 200 : 400;
    double c24 = tc_erlang_c(24, a), c25 = tc_erlang_c(25, a), c26 = tc_erlang_c(26, a);
    char text[200];
    snprintf(text, sizeof text, "share(wait.waiting.all > 0) <= %.6f", sqrt(c24 * c25));
    check_sizing(t, m, text, reps, 25, c25, c24);
    /* Mean wait of all requests: C(c, a) / (c mu - lambda), mu = 1/month. */
    double w25 = c25 / (25 - a) * DPM, w26 = c26 / (26 - a) * DPM;
    snprintf(text, sizeof text, "mean(wait.waiting.all) <= %.6fd", sqrt(w25 * w26));
    check_sizing(t, m, text, reps, 26, w26, w25);

    /* Unreachable within --max, and an unknown resource. */
    target_expr g;
    pc_err err;
    capacity_size_result *r = NULL;
    capacity_size_options opt = {.resource = "servers", .max = 30, .sim = {.reps = 10, .seed = 3}};
    int rc = target_parse(m, "share(wait.waiting.all > 0) <= 0.01%", &g, &err);
    rc = rc ? rc : capacity_size(m, &g, &opt, &r, &err);
    CHECK(t,
          rc == PC_EINPUT && !r && strstr(err.msg, "not met with 30 places") &&
              strstr(err.msg, "--max"),
          "an unreachable target within --max says so: %s", err.msg);
    opt.resource = "nothing";
    rc = capacity_size(m, &g, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "no such resource"), "an unknown resource: %s",
          err.msg);
    opt.resource = "servers";
    opt.from_year = 2031;
    opt.from_month = 1;
    rc = capacity_size(m, &g, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "--from"), "a date outside the model: %s", err.msg);
    mdl_free(m);
}

/* ---- allocation ------------------------------------------------------------------------ */

static void test_allocation(tc_ctx *t)
{
    char text[4096];
    tc_two_departements(text, sizeof text, 10, 10);
    mdl_model *even = tc_load_model(t, "even.ini", text);
    tc_two_departements(text, sizeof text, 10, 20);
    mdl_model *loaded = tc_load_model(t, "loaded.ini", text);
    if (!even || !loaded) {
        mdl_free(even);
        mdl_free(loaded);
        return;
    }
    pc_err err;
    capacity_share_result *r = NULL;
    /* 60 Erlangs each; 70 ETP = 140 places, utilisation 0.86: waiting is convex there. */
    capacity_share_options opt = {.prefix = "iae_",
                                  .envelope = 70,
                                  .funder = "etat",
                                  .sim = {.reps = t->quick ? 100 : 200, .seed = 1}};
    int rc = capacity_share(even, &opt, &r, &err);
    CHECK(t, rc == 0, "allocation runs: %s", rc ? err.msg : "ok");
    if (rc == 0) {
        long pa = r->lines[0].allocated, pb = r->lines[1].allocated;
        CHECK(t, r->n_groups == 2 && labs(pa - pb) <= 3 && pa + pb == 140,
              "identical départements split 70 ETP evenly: %ld and %ld places (within 3 places, "
              "where the total waiting is flat within its Monte Carlo error; %zu runs)",
              pa, pb, r->runs);
        CHECK(t,
              r->total_after < r->total_before && fabs(r->lines[0].cost_after - pa * 5000.0) < 1e-6,
              "waiting falls (%.0f -> %.0f person-days a year); FIE cost = ETP x 10,000 EUR",
              r->total_before, r->total_after);
    }
    capacity_share_result_free(r);
    r = NULL;
    /* 60 and 120 Erlangs; 105 ETP = 210 places. */
    opt.envelope = 105;
    rc = capacity_share(loaded, &opt, &r, &err);
    CHECK(t, rc == 0 && r->lines[1].allocated > r->lines[0].allocated + 30,
          "the département twice as loaded gets more: %ld against %ld places",
          rc ? 0 : r->lines[1].allocated, rc ? 0 : r->lines[0].allocated);
    capacity_share_result_free(r);
    r = NULL;
    /* Floors above the envelope; no resource with the prefix; an unknown funder. */
    opt.envelope = 40;
    opt.min_share = 0.9;
    rc = capacity_share(even, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && !r && strstr(err.msg, "smaller than the floors"),
          "an envelope smaller than the floors is refused: %s", err.msg);
    opt.min_share = 0;
    opt.prefix = "e2c_";
    rc = capacity_share(even, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "no resource"), "a prefix matching nothing: %s",
          err.msg);
    opt.prefix = "iae_";
    opt.funder = "region";
    rc = capacity_share(even, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "--funder"), "an unknown funder: %s", err.msg);
    mdl_free(even);
    mdl_free(loaded);

    /* Two resources of one population sharing a queue: one group, whose places keep its
     * current mix (10 and 10): 36 places are 18 and 18. */
    static const char shared[] = "[model]\nname = Shared\nstart = 2020-01\nhorizon = 24\n"
                                 "\n[population p]\nentry = ask\ninflow.rate = 8/m\n"
                                 "warmup = 1y\n"
                                 "\n[state ask]\non.go = after fixed(1d) -> x:0.5, y:0.5\n"
                                 "\n[state q]\non.give_up = after fixed(3m) -> out\n"
                                 "\n[state x]\nresource = r_x\nqueue = q\n"
                                 "on.end = after exponential(mean=4m) -> out\n"
                                 "\n[state y]\nresource = r_y\nqueue = q\n"
                                 "on.end = after exponential(mean=4m) -> out\n"
                                 "\n[resource r_x]\ncapacity = 10\n"
                                 "\n[resource r_y]\ncapacity = 10\n";
    mdl_model *m = tc_load_model(t, "shared.ini", shared);
    if (!m)
        return;
    capacity_share_options so = {
        .prefix = "r_", .envelope = 36, .step = 4, .sim = {.reps = 20, .seed = 2}};
    rc = capacity_share(m, &so, &r, &err);
    CHECK(t,
          rc == 0 && r->n_groups == 1 && r->lines[0].allocated == 18 && r->lines[1].allocated == 18,
          "resources sharing a queue: one group, in its current mix (%ld + %ld places)",
          rc ? 0 : r->lines[0].allocated, rc ? 0 : r->lines[1].allocated);
    capacity_share_result_free(r);
    mdl_free(m);
}

/* Percentiles and shares of waits come from the exact distribution of waits the engine
 * records: here every wait lasts uniform(30d, 60d) (a give-up with no place ever free), so
 * p90 = 57 days and share(> 40d) = 2/3, known exactly.  Waits are counted when they end,
 * so the window (months 3 to 9) starts after the longest wait and ends before the horizon:
 * no wait in it is cut short.  The tolerance is 4 Monte Carlo standard errors of ~1,400
 * waits (0.013 for the share, about 0.4 day for p90) plus the day bins. */
static void test_exact_waits(tc_ctx *t)
{
    const char *path = tc_write(t, "waits.ini",
                                "[model]\nname = w\nstart = 2020-01\nhorizon = 12\n"
                                "[population p]\nentry = s\ninflow.rate = 20/m\n"
                                "[state s]\nresource = r\nqueue = q\n"
                                "[state q]\non.give_up = after uniform(min=30d, max=60d) -> out\n"
                                "[resource r]\ncapacity = 0\n");
    mdl_model *m;
    pc_err err;
    if (mdl_load(path, &m, &err)) {
        CHECK(t, 0, "waits model loads: %s", err.msg);
        return;
    }
    mc_options sim = {.reps = 10,
                      .seed = 3,
                      .wait_histogram = 1,
                      .wait_from = 3 * MDL_DAYS_PER_MONTH,
                      .wait_to = 10 * MDL_DAYS_PER_MONTH};
    runs_variant run;
    if (runs_with(m, 0, NULL, NULL, &sim, &run, &err)) {
        CHECK(t, 0, "waits model runs: %s", err.msg);
        mdl_free(m);
        return;
    }
    target_expr g90, g40;
    target_estimate e90, e40;
    int rc = target_parse(m, "p90(wait.q) <= 90d", &g90, &err) ||
             target_parse(m, "share(wait.q > 40d) <= 10%", &g40, &err) ||
             target_measure(&g90, run.result, 3, 9, &e90, &err) ||
             target_measure(&g40, run.result, 3, 9, &e40, &err);
    CHECK(t, !rc, "goals on waits are measured (%s)", rc ? err.msg : "ok");
    if (!rc) {
        CHECK(t, fabs(e90.value - 57.0) < 2.5, "p90 of uniform(30d, 60d) waits: %.2f vs 57 days",
              e90.value);
        CHECK(t, fabs(e40.value - 2.0 / 3.0) < 0.05, "share of waits over 40 days: %.4f vs 2/3",
              e40.value);
    }
    runs_clear(&run);
    mdl_free(m);
}

void suite_fit(tc_ctx *t)
{
    test_exact_waits(t);
    test_goals(t);
    test_fit_errors(t);
    test_recovery(t);
    test_drome(t);
    test_sizing(t);
    test_allocation(t);
}
