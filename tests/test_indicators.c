/* test_indicators — [indicator] sections against closed forms, and their bad input.
 *
 * Each statistical check pools the cohorts of every replication and month that
 * the indicator counts, and compares the pooled share with its closed form; the
 * tolerance is 4 binomial standard errors sqrt(p (1 - p) / n) of that pooled
 * count (persons are independent in these models), so a correct engine fails
 * with probability about 6e-5 per check, while the wrong semantics tried below
 * (exits not counted as failures, a window one month off) move the share by far
 * more than 4 SE at these sample sizes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mc.h"
#include "core/mdl.h"

static mc_result *run(tc_ctx *t, const char *name, const char *text, size_t reps, mdl_model **m)
{
    pc_err err;
    *m = NULL;
    if (mdl_load(tc_write(t, name, text), m, &err)) {
        CHECK(t, 0, "%s loads (%s)", name, err.msg);
        return NULL;
    }
    mc_options opt = {.reps = reps, .seed = 2024, .threads = 2};
    mc_result *r = NULL;
    if (mc_run(*m, &opt, &r, &err)) {
        CHECK(t, 0, "%s runs (%s)", name, err.msg);
        mdl_free(*m);
        *m = NULL;
    }
    return r;
}

/* Sums of a variable over replications and months [from, to). */
static double pooled(const mc_result *r, const char *var, size_t from, size_t to)
{
    long v = rec_find(r->catalog, var);
    if (v < 0)
        return NAN;
    double s = 0;
    for (size_t rep = 0; rep < r->reps; rep++) {
        const double *x = mc_series(r, rep, (size_t)v);
        for (size_t k = from; k < to && k < r->n_months; k++)
            s += x[k];
    }
    return s;
}

static void check_share(tc_ctx *t, const char *what, double num, double den, double expected)
{
    double p = num / den, se = sqrt(expected * (1 - expected) / den);
    CHECK(t, den > 1000 && fabs(p - expected) < 4 * se,
          "%s: %.4f against %.4f (%.0f in the cohorts, 4 SE = %.4f)", what, p, expected, den,
          4 * se);
}

/* Delay from entry to b under a competing exit: reached within d with probability
 * lambda / (lambda + mu) (1 - exp(-(lambda + mu) d)); the delay of those who reach b is
 * exponential with mean 1 / (lambda + mu). */
static void test_delay(tc_ctx *t)
{
    const double lambda = 0.3, mu = 0.2, d = 2; /* per month, months */
    mdl_model *m;
    char text[1200];
    snprintf(text, sizeof text,
             "[model]\nname = d\nstart = 2020-01\nhorizon = 60\n"
             "[population p]\nentry = a\ninflow.rate = 200/m\n"
             "[state a]\non.go = hazard %g/m -> b\non.quit = hazard %g/m -> out\n"
             "[state b]\non.x = hazard 0.5/m -> out\n"
             "[indicator fast]\nkind = delay\nfrom = entry p\nto = state b\nwithin = %gm\n"
             "target = >= 40%%\n",
             lambda, mu, d);
    size_t reps = t->quick ? 4 : 20;
    mc_result *r = run(t, "delay.ini", text, reps, &m);
    if (!r)
        return;
    double expected = lambda / (lambda + mu) * (1 - exp(-(lambda + mu) * d));
    double num = pooled(r, "indicator.fast.num", 0, 60),
           den = pooled(r, "indicator.fast.den", 0, 60);
    check_share(t,
                "delay: share of entrants reaching b within 2 months (an exit first counts "
                "as not reached)",
                num, den, expected);
    /* windows end within the horizon: the last two months have no cohort */
    double tail = pooled(r, "indicator.fast.den", 58, 60);
    CHECK(t, tail == 0, "delay: cohorts whose window passes the horizon are not counted (%g)",
          tail);
    /* mean delay of those reaching b, on the last two years (no start-up truncation) */
    double total = pooled(r, "indicator.fast.days_total", 36, 60),
           count = pooled(r, "indicator.fast.days_count", 36, 60);
    double mean = total / count / MDL_DAYS_PER_MONTH, want = 1 / (lambda + mu);
    double se = want / sqrt(count);
    CHECK(t, count > 1000 && fabs(mean - want) < 4 * se + 0.01,
          "delay: mean delay of those reaching b %.4f months against 1 / (lambda + mu) = %.4f "
          "(4 SE = %.4f; a truncation of 3 years at 2 months costs under 0.01)",
          mean, want, 4 * se);
    long v = rec_find(r->catalog, "indicator.fast");
    double ratio = v >= 0 ? mc_total(r, 0, (size_t)v) : NAN;
    CHECK(t,
          v >= 0 && ratio > 0 && ratio < 1 && m->indicators[0].target_op == 1 &&
              fabs(m->indicators[0].target - 0.4) < 1e-12,
          "indicator.fast over the horizon is a share (%.3f), its target >= 40%% is read as 0.4",
          ratio);
    mc_result_free(r);
    mdl_free(m);
}

/* Status a year after entering a: outside with probability
 * lambda / (lambda + rho) (1 - exp(-(lambda + rho) 12)) on a two-state chain. */
static void test_status(tc_ctx *t)
{
    const double lambda = 0.08, rho = 0.05, at = 12;
    mdl_model *m;
    char text[1200];
    snprintf(text, sizeof text,
             "[model]\nname = s\nstart = 2020-01\nhorizon = 48\n"
             "[population p]\nentry = a\ninflow.rate = 150/m\n"
             "[state a]\non.leave = hazard %g/m -> gone\n"
             "[state gone]\noutside = yes\non.back = hazard %g/m -> a\n"
             "[indicator out_12m]\nkind = status\nfrom = arrival p\nin = outside p\nat = %gm\n",
             lambda, rho, at);
    size_t reps = t->quick ? 4 : 20;
    mc_result *r = run(t, "status.ini", text, reps, &m);
    if (!r)
        return;
    double expected = lambda / (lambda + rho) * (1 - exp(-(lambda + rho) * at));
    check_share(t, "status: share outside the population 12 months after arriving",
                pooled(r, "indicator.out_12m.num", 0, 48),
                pooled(r, "indicator.out_12m.den", 0, 48), expected);
    mc_result_free(r);
    mdl_free(m);
}

/* Returns within 12 months of a job exit: 1 - exp(-rho 12) when returns have hazard rho. */
static void test_returns(tc_ctx *t)
{
    const double rho = 0.03;
    mdl_model *m;
    char text[1200];
    snprintf(text, sizeof text,
             "[model]\nname = r\nstart = 2020-01\nhorizon = 48\n"
             "[population p]\nentry = a\ninflow.rate = 150/m\n"
             "[state a]\non.job = hazard 0.1/m -> job\n"
             "[state job]\noutside = yes\non.back = hazard %g/m -> a\n"
             "[indicator returns]\nkind = delay\nfrom = state job\nto = return p\n"
             "within = 12m\n",
             rho);
    size_t reps = t->quick ? 4 : 20;
    mc_result *r = run(t, "returns.ini", text, reps, &m);
    if (!r)
        return;
    check_share(t, "delay: share of job exits back within 12 months",
                pooled(r, "indicator.returns.num", 0, 48),
                pooled(r, "indicator.returns.den", 0, 48), 1 - exp(-rho * 12));
    mc_result_free(r);
    mdl_free(m);
}

/* Exits to a job over all exits under competing constant hazards: job / (job + other). */
static void test_ratio(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run(t, "ratio.ini",
                       "[model]\nname = q\nstart = 2020-01\nhorizon = 36\n"
                       "[population p]\nentry = a\ninflow.rate = 100/m\n"
                       "[state a]\non.job = hazard 0.06/m -> job\non.other = hazard 0.04/m -> "
                       "other\n"
                       "[state job]\noutside = yes\n[state other]\noutside = yes\n"
                       "[cost c]\nfunder = dep\nper = person-month\nstates = a\namount = 500\n"
                       "[indicator to_job]\nkind = ratio\nnumerator = in.job\n"
                       "denominator = exits.p\ntarget = >= 50%\n"
                       "[indicator cost_per_job]\nkind = ratio\nnumerator = cost.total\n"
                       "denominator = in.job\nunit = euros\n",
                       t->quick ? 4 : 20, &m);
    if (!r)
        return;
    check_share(t, "ratio: exits to a job over all exits", pooled(r, "indicator.to_job.num", 0, 36),
                pooled(r, "indicator.to_job.den", 0, 36), 0.6);
    double money = pooled(r, "cost.total", 0, 36), jobs = pooled(r, "in.job", 0, 36);
    double per = pooled(r, "indicator.cost_per_job.num", 0, 36) /
                 pooled(r, "indicator.cost_per_job.den", 0, 36);
    CHECK(t, fabs(per - money / jobs) < 1e-9 * per && m->indicators[1].unit == MDL_UNIT_EUROS,
          "ratio: cost per job exit is cost.total / in.job (%.2f)", per);
    mc_result_free(r);
    mdl_free(m);
}

static void expect_error(tc_ctx *t, const char *what, const char *section, const char *needle)
{
    char text[1200];
    snprintf(text, sizeof text,
             "[model]\nname = e\nstart = 2020-01\nhorizon = 12\n"
             "[population p]\nentry = a\ninflow.rate = 10/m\n"
             "[population q]\nentry = z\n"
             "[state a]\npopulation = p\non.x = hazard 0.1/m -> b\n"
             "[state b]\npopulation = p\n[state z]\npopulation = q\n"
             "%s",
             section);
    mdl_model *m = NULL;
    pc_err err;
    int rc = mdl_load(tc_write(t, "bad-indicator.ini", text), &m, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, needle), "refused: %s (%s)", what,
          rc ? err.msg : "accepted");
    mdl_free(m);
}

static void test_bad_input(tc_ctx *t)
{
    expect_error(t, "an unknown state",
                 "[indicator i]\nkind = delay\nfrom = entry p\nto = state nowhere\nwithin = 2m\n",
                 "bad-indicator.ini:20: to: unknown state 'nowhere'");
    expect_error(t, "an unknown population",
                 "[indicator i]\nkind = delay\nfrom = entry r\nto = b\nwithin = 2m\n",
                 ":19: from: unknown population 'r'");
    expect_error(t, "events of two populations",
                 "[indicator i]\nkind = delay\nfrom = entry p\nto = state z\nwithin = 2m\n",
                 "must concern one population");
    expect_error(t, "a status as an event",
                 "[indicator i]\nkind = delay\nfrom = outside p\nto = b\nwithin = 2m\n",
                 "is a status, not an event");
    expect_error(t, "a key of another kind",
                 "[indicator i]\nkind = delay\nfrom = entry p\nto = b\nat = 2m\n",
                 ":21: at: not used by an indicator of kind delay");
    expect_error(t, "a missing window", "[indicator i]\nkind = delay\nfrom = entry p\nto = b\n",
                 "within: missing in [indicator i]");
    expect_error(t, "a window past the horizon",
                 "[indicator i]\nkind = delay\nfrom = entry p\nto = b\nwithin = 2y\n",
                 "within the horizon");
    expect_error(t, "an unknown ratio term",
                 "[indicator i]\nkind = ratio\nnumerator = in.nowhere\ndenominator = exits.p\n",
                 "'in.nowhere': no such state in the model");
    expect_error(t, "a count of stocks and flows",
                 "[indicator i]\nkind = count\nof = stock.p, in.b\n",
                 ":19: of: a count sums stocks (stock.S, stock.P, etp.R) or flows, not both");
    expect_error(t, "the ETP of an unknown resource",
                 "[indicator i]\nkind = count\nof = etp.nowhere\n",
                 "'etp.nowhere': no such resource in the model");
    expect_error(t, "an unknown stock", "[indicator i]\nkind = count\nof = stock.nowhere\n",
                 "'stock.nowhere': no such state or population in the model");
    expect_error(t, "a malformed ratio term",
                 "[indicator i]\nkind = ratio\nnumerator = in.b\ndenominator = leaving.p\n",
                 "'leaving.p': expected in.STATE");
    expect_error(t, "a percentage target on a ratio in euros",
                 "[indicator i]\nkind = ratio\nnumerator = in.b\ndenominator = exits.p\n"
                 "unit = euros\ntarget = >= 50%\n",
                 "a percentage target needs an indicator that is a share");
    expect_error(t, "a malformed target",
                 "[indicator i]\nkind = delay\nfrom = entry p\nto = b\nwithin = 2m\n"
                 "target = 50%\n",
                 "expected '>= VALUE' or '<= VALUE'");
    expect_error(t, "an unknown kind", "[indicator i]\nkind = speed\n",
                 "expected delay, status, ratio or count");
}

/* A count of 300 population stocks (more terms than any fixed list would hold):
 * month by month the sum of the populations' stocks, exactly; a stock in
 * yearly terms (mdl_terms_are_stocks), a count of flows a flow. */
static void test_count(tc_ctx *t)
{
    enum { NP = 300 };
    size_t size = 200 + NP * 160;
    char *text = malloc(size), *of = malloc(NP * 12);
    if (!text || !of) {
        free(text);
        free(of);
        CHECK(t, 0, "memory for the count model");
        return;
    }
    size_t len = (size_t)snprintf(text, size, "[model]\nname = c\nstart = 2020-01\nhorizon = 6\n");
    size_t ol = 0;
    for (int i = 0; i < NP; i++) {
        len += (size_t)snprintf(text + len, size - len,
                                "[population p%d]\nentry = s%d\ninflow.rate = 2/m\n"
                                "[state s%d]\npopulation = p%d\non.x = hazard 0.3/m -> out\n",
                                i, i, i, i);
        ol += (size_t)snprintf(of + ol, NP * 12 - ol, "%sstock.p%d", i ? ", " : "", i);
    }
    snprintf(text + len, size - len,
             "[indicator total]\nkind = count\nof = %s\n"
             "[indicator entrees]\nkind = count\nof = in.s0, in.s1, in.s2\n",
             of);
    mdl_model *m;
    mc_result *r = run(t, "count.ini", text, 3, &m);
    free(text);
    free(of);
    if (!r)
        return;
    long v = rec_find(r->catalog, "indicator.total");
    int exact = v >= 0;
    for (size_t rep = 0; exact && rep < r->reps; rep++)
        for (size_t k = 0; exact && k < r->n_months; k++) {
            double s = 0;
            char name[32];
            for (int i = 0; i < NP; i++) {
                snprintf(name, sizeof name, "stock.p%d", i);
                s += mc_series(r, rep, (size_t)rec_find(r->catalog, name))[k];
            }
            exact = mc_series(r, rep, (size_t)v)[k] == s;
        }
    CHECK(t, exact, "count: indicator.total is the sum of 300 population stocks, every month");
    long e = rec_find(r->catalog, "indicator.entrees");
    CHECK(t,
          v >= 0 && e >= 0 && r->catalog->vars[v].kind == REC_STOCK &&
              r->catalog->vars[e].kind == REC_FLOW,
          "count: a sum of stocks is a stock, a sum of flows a flow");
    mc_result_free(r);
    mdl_free(m);
}

/* A count of the ETP of two resources (etp.weight 0.5 and 0.8): month by month the sum
 * of their etp.R series, exactly, and a stock; the ETP of a resource without
 * etp.weight is refused. */
static void test_count_etp(tc_ctx *t)
{
    static const char text[] =
        "[model]\nname = e\nstart = 2020-01\nhorizon = 12\n"
        "[population p]\nentry = w\ninflow.rate = 30/m\n"
        "[state w]\npopulation = p\non.go = hazard 2/m -> h1:0.5, h2:0.5\n"
        "[state q1]\npopulation = p\non.leave = after fixed(6m) -> out\n"
        "[state q2]\npopulation = p\non.leave = after fixed(6m) -> out\n"
        "[state h1]\npopulation = p\nresource = r1\nqueue = q1\n"
        "on.end = hazard 0.2/m -> out\n"
        "[state h2]\npopulation = p\nresource = r2\nqueue = q2\n"
        "on.end = hazard 0.1/m -> out\n"
        "[resource r1]\ncapacity = 40\netp.weight = 0.5\n"
        "[resource r2]\ncapacity = 60\n%s"
        "[indicator etp]\nkind = count\nunit = number\nof = etp.r1, etp.r2\n";
    char good[1200], bad[1200];
    snprintf(good, sizeof good, text, "etp.weight = 0.8\n");
    snprintf(bad, sizeof bad, text, "");
    mdl_model *m = NULL;
    pc_err err;
    int rc = mdl_load(tc_write(t, "count-etp-bad.ini", bad), &m, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "resource r2 has no etp.weight"),
          "refused: the ETP of a resource without etp.weight (%s)", rc ? err.msg : "accepted");
    mdl_free(m);
    /* ETP and persons are not added (the report's key figures give a count of etp.R in
     * ETP, of stocks in persons) */
    char mixed[1300];
    snprintf(mixed, sizeof mixed, "%s", good);
    char *of = strstr(mixed, "of = etp.r1, etp.r2");
    if (of)
        memcpy(of, "of = etp.r1,stock.w", 19); /* as long as the line it replaces */
    m = NULL;
    rc = of ? mdl_load(tc_write(t, "count-etp-mixed.ini", mixed), &m, &err) : PC_OK;
    CHECK(t,
          rc == PC_EINPUT && strstr(err.msg, "count-etp-mixed.ini:36: of:") &&
              strstr(err.msg, "ETP (etp.R) or persons"),
          "refused with file:line: key: a count of ETP and persons (%s)",
          rc ? err.msg : "accepted");
    mdl_free(m);
    mc_result *r = run(t, "count-etp.ini", good, 3, &m);
    if (!r)
        return;
    long v = rec_find(r->catalog, "indicator.etp"), a = rec_find(r->catalog, "etp.r1"),
         b = rec_find(r->catalog, "etp.r2");
    int exact = v >= 0 && a >= 0 && b >= 0 && r->catalog->vars[v].kind == REC_STOCK;
    double last = 0;
    for (size_t rep = 0; exact && rep < r->reps; rep++)
        for (size_t k = 0; exact && k < r->n_months; k++) {
            exact = mc_series(r, rep, (size_t)v)[k] ==
                    mc_series(r, rep, (size_t)a)[k] + mc_series(r, rep, (size_t)b)[k];
            last = mc_series(r, rep, (size_t)v)[k];
        }
    CHECK(t, exact && last > 20,
          "count: indicator.etp is etp.r1 + etp.r2 every month, a stock (%g at the end)", last);
    mc_result_free(r);
    mdl_free(m);
}

void suite_indicators(tc_ctx *t)
{
    test_count(t);
    test_count_etp(t);
    test_delay(t);
    test_status(t);
    test_returns(t);
    test_ratio(t);
    test_bad_input(t);
}
