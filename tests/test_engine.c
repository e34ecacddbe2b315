/* test_engine — exact behaviours of one replication: fixed delays land in the right
 * month, absorbing states keep their persons, capacities are never exceeded and a
 * capacity increase admits the queue at once, dated changes take effect at their
 * date, costs, staff and funders follow their definitions to the cent.
 * (Distributional checks against analytic results are in test_stats.c.) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/eng.h"
#include "core/mc.h"
#include "core/mdl.h"

/* Loads text and runs reps replications; NULL (and a failed check) on error. */
static mc_result *run_text(tc_ctx *t, const char *name, const char *text, size_t reps,
                           mdl_model **model)
{
    const char *path = tc_write(t, name, text);
    pc_err err;
    *model = NULL;
    if (mdl_load(path, model, &err)) {
        CHECK(t, 0, "%s loads: %s", name, err.msg);
        return NULL;
    }
    mc_options opt = {.reps = reps, .seed = 7, .threads = 2};
    mc_result *r;
    if (mc_run(*model, &opt, &r, &err)) {
        CHECK(t, 0, "%s runs: %s", name, err.msg);
        mdl_free(*model);
        *model = NULL;
        return NULL;
    }
    return r;
}

static const double *series(tc_ctx *t, const mc_result *r, size_t rep, const char *var)
{
    long v = rec_find(r->catalog, var);
    if (v < 0) {
        CHECK(t, 0, "variable %s exists", var);
        return NULL;
    }
    return mc_series(r, rep, (size_t)v);
}

static void test_fixed_and_absorbing(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run_text(t, "fixed.ini",
                            "[model]\nname = f\nstart = 2020-01\nhorizon = 6\n"
                            "[population p]\nentry = a\ninitial.count = 100\n"
                            "[state a]\non.go = after fixed(45d) -> b\n"
                            "[state b]\nlabel = absorbing\n",
                            3, &m);
    if (!r)
        return;
    int ok = 1;
    for (size_t rep = 0; rep < r->reps; rep++) {
        const double *a = series(t, r, rep, "stock.a"), *b = series(t, r, rep, "stock.b");
        const double *go = series(t, r, rep, "flow.a.go");
        if (!a || !b || !go)
            break;
        /* month 0 ends at day 30.44 (< 45): all still in a; month 1 ends at 60.9: all in b */
        ok &= a[0] == 100 && b[0] == 0 && a[1] == 0 && b[1] == 100 && b[5] == 100;
        ok &= go[0] == 0 && go[1] == 100 && go[2] == 0;
    }
    CHECK(t, ok,
          "fixed(45d) moves all 100 persons during the second month; an absorbing "
          "state keeps them");
    mc_result_free(r);
    mdl_free(m);
}

static void test_capacity(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run_text(t, "cap.ini",
                            "[model]\nname = c\nstart = 2020-01\nhorizon = 24\n"
                            "[population p]\nentry = pre\ninflow.rate = 20/m\n"
                            "initial.count = 30\n"
                            "[state pre]\non.go = after uniform(min=1d, max=20d) -> svc\n"
                            "[state svc]\nresource = places\nqueue = wait\n"
                            "on.done = after exponential(mean=4m) -> out\n"
                            "[state wait]\non.give_up = hazard 0.1/m -> out\n"
                            "[resource places]\ncapacity = 2020-01:0, 2020-07:40, 2021-01:60\n",
                            20, &m);
    if (!r)
        return;
    int within = 1, admitted_at_once = 1, waits = 1;
    for (size_t rep = 0; rep < r->reps; rep++) {
        const double *occ = series(t, r, rep, "occupied.places");
        const double *cap = series(t, r, rep, "capacity.places");
        const double *q = series(t, r, rep, "queue.wait");
        const double *adm = series(t, r, rep, "admitted.places");
        const double *wc = series(t, r, rep, "wait.wait.count");
        const double *gv = series(t, r, rep, "flow.wait.give_up");
        if (!occ || !cap || !q || !adm || !wc || !gv)
            return;
        for (size_t k = 0; k < r->n_months; k++) {
            within &= occ[k] <= cap[k];
            /* every wait that ended was an admission or a give-up */
            waits &= fabs(wc[k] - (adm[k] + gv[k])) < 1e-9;
        }
        /* Before July nobody is served; in July the queue (about 100) fills the 40 places. */
        admitted_at_once &= occ[5] == 0 && occ[6] == 40 && q[6] > 0;
    }
    CHECK(t, within, "occupied places never exceed the capacity at any month end");
    CHECK(t, admitted_at_once,
          "no admission while the capacity is 0; the opening fills all 40 "
          "places from the queue");
    CHECK(t, waits, "each ended wait is either an admission or a departure from the queue");
    mc_result_free(r);
    mdl_free(m);
}

static void test_dated_change(tc_ctx *t)
{
    mdl_model *m;
    const char *dir_model = "[model]\nname = d\nstart = 2020-01\nhorizon = 12\n"
                            "[population p]\nentry = a\ninflow.rate = 0/y\n"
                            "[state a]\non.go = after fixed(10d) -> b\n"
                            "[state b]\non.leave = after fixed(1d) -> out\n";
    tc_write(t, "dm.ini", dir_model);
    mc_result *r = run_text(t, "ds.ini",
                            "[scenario]\nmodel = dm.ini\n"
                            "[set 2020-04]\npopulation.p.inflow.rate = 600/y\n"
                            "[set 2020-07]\nstate.a.on.go = after fixed(100d) -> b\n",
                            5, &m);
    if (!r)
        return;
    int ok = 1, slow = 1;
    for (size_t rep = 0; rep < r->reps; rep++) {
        const double *arr = series(t, r, rep, "arrivals.p"), *go = series(t, r, rep, "flow.a.go");
        const double *in = series(t, r, rep, "in.a");
        if (!arr || !go || !in)
            return;
        ok &= arr[0] == 0 && arr[1] == 0 && arr[2] == 0 && arr[3] > 0;
        /* Entrants of July on wait 100 days: none of them leaves a before October. */
        double in_before_july = in[3] + in[4] + in[5];
        double out_by_sept = go[3] + go[4] + go[5] + go[6] + go[7] + go[8];
        slow &= out_by_sept <= in_before_july && out_by_sept >= in[3] + in[4];
    }
    CHECK(t, ok, "an inflow set from 2020-04 starts exactly then");
    CHECK(t, slow,
          "a delay changed from 2020-07 applies to entrants from that date; earlier "
          "draws stand");
    mc_result_free(r);
    mdl_free(m);
}

static void test_exits_returns(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run_text(t, "ret.ini",
                            "[model]\nname = r\nstart = 2020-01\nhorizon = 12\n"
                            "[population p]\nentry = a\ninitial.count = 1000\n"
                            "[state a]\non.exit = after fixed(10d) -> gone\n"
                            "[state gone]\noutside = yes\n"
                            "on.back = with 0 after fixed(1d) -> a\n",
                            2, &m);
    if (!r)
        return;
    const double *ex = series(t, r, 0, "exits.p"), *st = series(t, r, 0, "stock.p");
    const double *gone = series(t, r, 0, "stock.gone"), *ret = series(t, r, 0, "returns.p");
    if (ex && st && gone && ret)
        CHECK(t, ex[0] == 1000 && st[0] == 0 && gone[11] == 1000 && ret[11] == 0,
              "moving to an outside state is an exit; 'with 0' never fires");
    mc_result_free(r);
    mdl_free(m);
    r = run_text(t, "ret1.ini",
                 "[model]\nname = r\nstart = 2020-01\nhorizon = 3\n"
                 "[population p]\nentry = a\ninitial.count = 1000\n"
                 "[state a]\non.exit = after fixed(10d) -> gone\n"
                 "[state b]\nlabel = after return\n"
                 "[state gone]\noutside = yes\non.back = with 1 after fixed(30d) -> b\n",
                 2, &m);
    if (!r)
        return;
    ret = series(t, r, 0, "returns.p");
    const double *entries = series(t, r, 0, "entries.p"), *b = series(t, r, 0, "stock.b");
    if (ret && entries && b)
        CHECK(t, ret[1] == 1000 && entries[1] == 1000 && b[2] == 1000,
              "'with 1' always fires: returns count as entries");
    mc_result_free(r);
    mdl_free(m);
}

static void test_costs(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run_text(t, "cost.ini",
                            "[model]\nname = k\nstart = 2020-01\nhorizon = 24\n"
                            "[population p]\nentry = a\ninitial.count = 100\n"
                            "[state a]\nlabel = stays\n"
                            "[state s]\nresource = places\nqueue = q\n"
                            "[state q]\nlabel = queue\n"
                            "[resource places]\ncapacity = 12\netp.weight = 0.5\n"
                            "[staff ref]\nstates = a\ncaseload = 50\n"
                            "[cost alloc]\nfunder = departement\nper = person-month\n"
                            "states = a\namount = 10\nindexation = 12%/y\n"
                            "[cost aide]\nfunder = etat\nper = unit-year\nresource = places\n"
                            "amount = 1200\n"
                            "[cost staffing]\nfunder = departement\nper = staff-year\n"
                            "staff = ref\namount = 2020-01:60000, 2021-01:72000\n",
                            1, &m);
    if (!r)
        return;
    const double *alloc = series(t, r, 0, "cost.alloc"), *aide = series(t, r, 0, "cost.aide");
    const double *staff = series(t, r, 0, "staff.ref"), *sc = series(t, r, 0, "cost.staffing");
    const double *dep = series(t, r, 0, "funder.departement"), *tot = series(t, r, 0, "cost.total");
    const double *etp = series(t, r, 0, "funded.places");
    if (!alloc || !aide || !staff || !sc || !dep || !tot || !etp)
        return;
    CHECK(t, fabs(alloc[0] - 1000) < 1e-6 && fabs(alloc[12] - 1120) < 1e-6,
          "person-month cost: 100 persons x 10 EUR, indexed 12%%/y after a year (%.6f, %.6f)",
          alloc[0], alloc[12]);
    CHECK(t, fabs(aide[0] - 600) < 1e-9 && fabs(etp[0] - 6) < 1e-12,
          "unit-year cost: 12 places x 0.5 ETP x 1200 EUR / 12 a month (%.6f)", aide[0]);
    CHECK(t, fabs(staff[0] - 2) < 1e-9 && fabs(sc[0] - 10000) < 1e-6 && fabs(sc[12] - 12000) < 1e-6,
          "staff: 100 persons / caseload 50 = 2 ETP; cost follows its dated amount");
    CHECK(t, fabs(dep[5] - (alloc[5] + sc[5])) < 1e-6 && fabs(tot[5] - (dep[5] + aide[5])) < 1e-6,
          "funder and total sums");
    mc_result_free(r);
    mdl_free(m);
}

static void test_warmup(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run_text(t, "warm.ini",
                            "[model]\nname = w\nstart = 2020-01\nhorizon = 2\n"
                            "[population p]\nentry = a\ninflow.rate = 100/m\nwarmup = 5y\n"
                            "[state a]\non.leave = after exponential(mean=2m) -> out\n",
                            10, &m);
    if (!r)
        return;
    double mean = 0;
    for (size_t rep = 0; rep < r->reps; rep++)
        mean += series(t, r, rep, "stock.a")[0] / (double)r->reps;
    /* Steady state is 100/m x 2 m = 200 persons; sd of the mean of 10 Poisson(200) ~ 4.5. */
    CHECK(t, fabs(mean - 200) < 25, "a 5-year warm-up starts near the steady state (%.1f vs 200)",
          mean);
    const double *arr = series(t, r, 0, "arrivals.p");
    CHECK(t, arr && arr[0] > 50, "arrivals are recorded from the start only");
    mc_result_free(r);
    mdl_free(m);
}

/* The sum of a variable over the months of replication rep. */
static double total_of(tc_ctx *t, const mc_result *r, size_t rep, const char *var)
{
    const double *x = series(t, r, rep, var);
    double sum = 0;
    for (size_t k = 0; x && k < r->n_months; k++)
        sum += x[k];
    return sum;
}

/* Delay indicators count the initial stock with its true delay (docs/format.md): 1,000
 * persons placed in `a` leave it 60 days after the start for `b`; their delay runs from
 * their entry, day 0 minus their seniority.  Without a seniority every delay is exactly
 * 60 days; with a seniority uniform in [1m, 2m) the mean delay is 60 d + 1.5 m, and the
 * mean of 1,000 uniforms over 30.44 days has sd 8.79 / sqrt(1000) = 0.28 d per
 * replication: 1.5 d is over 5 sd.  The stock entered before the start, so it joins no
 * month's cohort (num and den stay 0).  With `initial = no` its delays are left out. */
static void test_initial_delays(tc_ctx *t)
{
    tc_write(t, "seniority.csv", "upper,weight\n1m,0\n2m,1\n");
    for (int with_seniority = 0; with_seniority < 3; with_seniority++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "[model]\nname = d\nstart = 2020-01\nhorizon = 24\n"
                 "[population p]\nentry = a\ninitial.count = 1000\ninitial.state = a\n%s"
                 "[state a]\non.go = after fixed(60d) -> b\n"
                 "[state b]\non.x = hazard 0.01/m -> out\n"
                 "[indicator delai]\nkind = delay\nfrom = entry p\nto = state b\nwithin = 3m\n%s",
                 with_seniority ? "initial.seniority = table(seniority.csv)\n" : "",
                 with_seniority == 2 ? "initial = no\n" : "");
        mdl_model *m;
        mc_result *r = run_text(t, "initial_delay.ini", text, 3, &m);
        if (!r)
            return;
        for (size_t rep = 0; rep < r->reps; rep++) {
            const double *count = series(t, r, rep, "indicator.delai.days_count");
            const double *days = series(t, r, rep, "indicator.delai.days_total");
            if (!count || !days)
                break;
            if (with_seniority == 2) { /* initial = no: the stock's delays are left out */
                CHECK(t, total_of(t, r, rep, "indicator.delai.days_count") == 0,
                      "initial = no leaves the initial stock out of the mean delay");
                continue;
            }
            /* day 60 lies in February (a month is 30.4375 days) */
            CHECK(t, count[1] == 1000 && total_of(t, r, rep, "indicator.delai.days_count") == 1000,
                  "the initial stock reaches b in February with its delay counted (%g)", count[1]);
            double mean = days[1] / count[1], expect = with_seniority ? 60 + 1.5 * 30.4375 : 60;
            CHECK(t, fabs(mean - expect) < (with_seniority ? 1.5 : 1e-9),
                  "mean delay of the initial stock %s: %.3f d (expected %.3f)",
                  with_seniority ? "with seniority" : "without seniority", mean, expect);
            CHECK(t,
                  total_of(t, r, rep, "indicator.delai.den") == 0 &&
                      total_of(t, r, rep, "indicator.delai.num") == 0,
                  "the initial stock joins no cohort");
        }
        mc_result_free(r);
        mdl_free(m);
    }
}

/* A seniority by state (initial.seniority.STATE, docs/format.md): initial persons placed in a
 * waiting state have waited there for a drawn time, their laws are left-truncated there and
 * their delay from `entry p` counts from the start minus that time.
 *
 * 1. Constant hazard h (mean wait 1/h = 3 m) and the stationary elapsed wait of a queue with
 *    such waits (M/M/inf: the backward recurrence time of an exponential is exponential with
 *    the same mean).  A person's delay is elapsed E + residual R, independent, both Exp(h) (R by
 *    memorylessness).  Of those leaving within the first year (R < T, T = 12 m):
 *      E[E + R | R < T] = 1/h + 1/h - T e^(-hT) / (1 - e^(-hT))
 *    = 91.3125 + 91.3125 - 6.81 = 175.81 days (hT = 4).  Without the elapsed time it would be
 *    84.5 days, with a fresh full wait after it 175.8 but only for a memoryless law (case 2).
 *    The delay's sd is about 128 d; 2,000 persons in `a` a replication, 12 replications: the
 *    pooled mean's standard error is 128 / sqrt(12 x 1,963) = 0.83 d, the tolerance 4 se =
 *    3.3 d, while a wrong origin of the delay (0, or E twice) is 90 d off.
 * 2. A fixed wait L = 60 d and its stationary elapsed wait, uniform on [0, L): every person
 *    leaves at L - elapsed, so every delay is L exactly (a fresh full wait after the elapsed
 *    time would give 1.5 L on average), and the departures are spread evenly over [0, L).
 * 3. Persons placed in `c` (no seniority of their own) reach `b` too but are not counted: with
 *    seniorities by state, only the persons of those states count (their history elsewhere is
 *    not known). */
static void test_state_seniority(tc_ctx *t)
{
    for (int fixed_wait = 0; fixed_wait < 2; fixed_wait++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "[model]\nname = s\nstart = 2020-01\nhorizon = 24\n"
                 "[population p]\nentry = a\ninitial.count = 4000\ninitial.state = a:0.5, c:0.5\n"
                 "initial.seniority.a = %s\n"
                 "[state a]\non.x = %s -> b\n"
                 "[state c]\non.x = after fixed(10d) -> b\n"
                 "[state b]\nlabel = absorbing\n"
                 "[indicator delai]\nkind = delay\nfrom = entry p\nto = state b\nwithin = 3m\n",
                 fixed_wait ? "uniform(min=0d, max=60d)" : "exponential(mean=3m)",
                 fixed_wait ? "after fixed(60d)" : "hazard 0.3333333333333333/m");
        mdl_model *m;
        mc_result *r = run_text(t, "state_seniority.ini", text, 12, &m);
        if (!r)
            return;
        double days = 0, count = 0, from_a = 0, lo = INFINITY, hi = -INFINITY;
        int every_counted = 1;
        for (size_t rep = 0; rep < r->reps; rep++) {
            const double *d = series(t, r, rep, "indicator.delai.days_total");
            const double *n = series(t, r, rep, "indicator.delai.days_count");
            const double *x = series(t, r, rep, "flow.a.x");
            if (!d || !n || !x)
                break;
            double rep_count = 0, rep_a = 0;
            for (size_t k = 0; k < 12; k++) {
                days += d[k];
                count += n[k];
                rep_count += n[k];
                rep_a += x[k];
                if (n[k] > 0) {
                    lo = fmin(lo, d[k] / n[k]);
                    hi = fmax(hi, d[k] / n[k]);
                }
            }
            from_a += rep_a;
            every_counted &= rep_count == rep_a;
        }
        CHECK(t, every_counted && count > 0,
              "%s: the delays counted are those of the persons leaving a (%g), none from c",
              fixed_wait ? "fixed wait" : "constant hazard", from_a);
        if (fixed_wait) {
            CHECK(t, fabs(lo - 60) < 1e-6 && fabs(hi - 60) < 1e-6,
                  "fixed 60 d wait from a uniform elapsed wait: every delay is 60 d (months' "
                  "means from %.6f to %.6f)",
                  lo, hi);
            const double *x = series(t, r, 0, "flow.a.x");
            /* 2,000 departures spread over 60 days: 30.4375/60 of them in January, sd 22 */
            CHECK(t, x && fabs(x[0] - 2000 * 30.4375 / 60) < 5 * 22.4,
                  "the departures are spread evenly over the 60 days (January: %g, expected "
                  "%.0f)",
                  x ? x[0] : -1, 2000 * 30.4375 / 60);
        } else {
            double wait = 3 * 30.4375, year = 365.25;
            double expect = 2 * wait - year * exp(-year / wait) / (1 - exp(-year / wait));
            CHECK(t, fabs(days / count - expect) < 3.3,
                  "constant hazard from its stationary elapsed wait: mean delay of those leaving "
                  "in the first year %.2f d (expected %.2f)",
                  days / count, expect);
        }
        mc_result_free(r);
        mdl_free(m);
    }
}

/* Loading text fails with status 1 and a message naming the file, line and key. */
static void expect_refused(tc_ctx *t, const char *label, const char *text, int line,
                           const char *key, const char *what)
{
    const char *path = tc_write(t, "bad_seniority.ini", text);
    char expect[600];
    snprintf(expect, sizeof expect, "%s:%d: %s", path, line, key);
    mdl_model *m = NULL;
    pc_err err = {{0}};
    int rc = mdl_load(path, &m, &err);
    CHECK(t, rc == PC_EINPUT && !m && strstr(err.msg, expect) && strstr(err.msg, what),
          "%s: refused at %s (%s)", label, expect, err.msg);
    mdl_free(m);
}

static void test_state_seniority_errors(tc_ctx *t)
{
    static const char head[] = "[model]\nname = s\nstart = 2020-01\nhorizon = 12\n" /* 1-4 */
                               "[population p]\nentry = a\ninitial.count = 10\n"    /* 5-7 */
                               "initial.state = a\n";                               /* 8 */
    static const char tail[] = "[state a]\non.x = hazard 0.1/m -> out\n"
                               "[state c]\non.x = hazard 0.1/m -> out\n"
                               "[population q]\nentry = qa\n"
                               "[state qa]\npopulation = q\non.x = hazard 0.1/m -> out\n";
    char text[1024];
    snprintf(text, sizeof text, "%sinitial.seniority.qa = exponential(mean=1m)\n%s", head, tail);
    expect_refused(t, "a seniority for a state of another population", text, 9,
                   "initial.seniority.qa", "not a state of population p");
    snprintf(text, sizeof text, "%sinitial.seniority.zz = exponential(mean=1m)\n%s", head, tail);
    expect_refused(t, "a seniority for an unknown state", text, 9, "initial.seniority.zz",
                   "unknown state");
    snprintf(text, sizeof text, "%sinitial.seniority.c = exponential(mean=1m)\n%s", head, tail);
    expect_refused(t, "a seniority for a state with no initial person", text, 9,
                   "initial.seniority.c", "no initial person");
    snprintf(text, sizeof text, "%sinitial.seniority.a = fixed(-3d)\n%s", head, tail);
    expect_refused(t, "a negative duration", text, 9, "initial.seniority.a", "fixed");
    snprintf(text, sizeof text, "%sinitial.seniority.a = uniform(min=-1m, max=2m)\n%s", head, tail);
    expect_refused(t, "a negative lower bound", text, 9, "initial.seniority.a", "uniform");
    tc_write(t, "negative_upper.csv", "upper,weight\n-1m,1\n2m,1\n");
    snprintf(text, sizeof text, "%sinitial.seniority.a = table(negative_upper.csv)\n%s", head,
             tail);
    expect_refused(t, "a negative bin", text, 9, "initial.seniority.a", "negative_upper.csv:2");
}

/* Series kept in a temporary file (mc_options spill_above) are the series kept in
 * memory, bit for bit, at 1 and 2 threads, and so are batches appended to a spilled
 * run (mc_append, as --precision does): what the file holds is read back exactly. */
static void test_spill(tc_ctx *t)
{
    mdl_model *m;
    mc_result *a = run_text(t, "spill.ini",
                            "[model]\nname = s\nstart = 2020-01\nhorizon = 24\n"
                            "[population p]\nentry = a\ninflow.rate = 40/m\n"
                            "initial.count = 100\n"
                            "[state a]\non.go = after exponential(mean=3m) -> b\n"
                            "[state b]\non.x = hazard 0.1/m -> out\n",
                            9, &m);
    if (!a)
        return;
    pc_err err;
    mc_result *b = NULL, *c = NULL, *more = NULL;
    int rc = PC_OK;
    for (int threads = 1; !rc && threads <= 2; threads++) {
        mc_options file = {.reps = 9, .seed = 7, .threads = threads, .spill_above = 1};
        if ((rc = mc_run(m, &file, &b, &err)))
            break;
        CHECK(t, b->spill != NULL, "a run above spill_above keeps its series in a file");
        CHECK(t, !memcmp(a->values, b->values, a->reps * a->n_vars * a->n_months * sizeof(double)),
              "series through a temporary file equal those in memory (%d thread(s))", threads);
        mc_result_free(b);
        b = NULL;
    }
    mc_options first = {.reps = 4, .seed = 7, .threads = 2, .spill_above = 1};
    mc_options rest = {.reps = 5, .first = 4, .seed = 7, .threads = 2};
    if (!rc && !(rc = mc_run(m, &first, &c, &err)) && !(rc = mc_run(m, &rest, &more, &err))) {
        rc = mc_append(c, more, &err);
        CHECK(t,
              !rc && c->reps == 9 && c->spill &&
                  !memcmp(a->values, c->values, a->reps * a->n_vars * a->n_months * sizeof(double)),
              "a batch appended to spilled series gives the series of one run");
    }
    CHECK(t, !rc, "the spilled runs run: %s", rc ? err.msg : "");
    mc_result_free(a);
    mc_result_free(c);
    mdl_free(m);
}

/* Resident kilobytes of the mapping that starts at `at` (/proc/self/smaps), -1 if not
 * found. */
static long mapping_rss_kb(const void *at)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int inside = 0;
    long kb = -1;
    while (kb < 0 && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
            inside = lo == (unsigned long)at;
        else if (inside)
            sscanf(line, "Rss: %ld kB", &kb);
    }
    fclose(f);
    return kb;
}

/* Series spilled with a small threshold: pages are dropped from the mapping as the run
 * writes and as the series are read back variable by variable (every half threshold, at
 * least 1 MB, a touch counted with what a fault may map around it at both ends,
 * mc_map_around: 2 MB here), and what was dropped is read back from the file bit for
 * bit.  The model's series take about 13.8 MB (600 replications of 240 months, 12
 * series); a mapping that kept every page would hold them all (so did reading them
 * variable by variable when a touch counted only its bytes), one that lost its dropped
 * pages (a private mapping) would read zeros.  The bound: the 1 MB kept between two
 * drops, plus the last touch (a replication's series, 23 KB, and what a fault may map at
 * its two ends) and a page of rounding. */
static void test_spill_bounded(tc_ctx *t)
{
    mdl_model *m;
    mc_result *a = run_text(t, "spill_big.ini",
                            "[model]\nname = s\nstart = 2000-01\nhorizon = 240\n"
                            "[population p]\nentry = a\ninflow.rate = 5/m\n"
                            "initial.count = 20\n"
                            "[state a]\non.go = after exponential(mean=3m) -> b\n"
                            "[state b]\non.x = hazard 0.1/m -> out\n",
                            600, &m);
    if (!a)
        return;
    pc_err err;
    mc_result *b = NULL;
    int rc = PC_OK;
    size_t bytes = a->reps * a->n_vars * a->n_months * sizeof(double);
    size_t rep_bytes = a->n_vars * a->n_months * sizeof(double);
    long around = 2 * (long)mc_map_around();
    /* on 2 threads too: pages dropped while another thread draws its replication */
    for (int threads = 1; !rc && threads <= 2; threads++) {
        mc_options file = {.reps = 600, .seed = 7, .threads = threads, .spill_above = 2u << 20};
        if ((rc = mc_run(m, &file, &b, &err)))
            break;
        long kb = mapping_rss_kb(b->values);
        CHECK(t, b->spill && bytes > (13u << 20), "the series (%zu bytes) spill", bytes);
        CHECK(t, kb >= 0 && kb * 1024 <= (1 << 20) + around + (long)rep_bytes + 4096,
              "the mapping holds %ld kB after the run (at most 1 MB, a replication and what a "
              "fault may map at its ends; %d "
              "thread(s))",
              kb, threads);
        CHECK(t, !memcmp(a->values, b->values, bytes),
              "series dropped from the mapping read back from the file bit for bit (%d "
              "thread(s))",
              threads);
        /* read variable by variable, a row a replication (mc_rows, as the summaries do):
         * each row's fault may map the 64 kB around it */
        int same = 1;
        double *rows = malloc(b->reps * b->n_months * sizeof *rows);
        long peak = 0; /* the most the mapping held after a variable's read */
        for (size_t v = 0; rows && v < b->n_vars; v++) {
            mc_rows(b, v, rows);
            kb = mapping_rss_kb(b->values);
            peak = kb > peak || kb < 0 ? kb : peak;
            for (size_t r = 0; r < b->reps; r++)
                same = same && !memcmp(rows + r * b->n_months, mc_series(a, r, v),
                                       b->n_months * sizeof(double));
        }
        same = same && rows;
        free(rows);
        kb = peak;
        CHECK(
            t, same && kb >= 0 && kb * 1024 <= (1 << 20) + around + (long)rep_bytes + 4096,
            "read variable by variable, the same series, and the mapping holds at most %ld kB (at "
            "most 1 MB, a replication and what a fault may map at its ends; %d thread(s))",
            kb, threads);
        mc_result_free(b);
        b = NULL;
    }
    CHECK(t, !rc, "the runs run: %s", rc ? err.msg : "");
    mc_result_free(a);
    mc_result_free(b);
    mdl_free(m);
}

/* The summaries read spilled series through windows of consecutive variables
 * (mc_window_view): a window's copy must give, variable by variable, the series, totals
 * and yearly values of the run kept in memory bit for bit, including the ratios whose
 * terms lie outside the window (the mean wait and the indicator's delay: copied apart),
 * and the mapping must stay bounded while the windows are read.  400 replications of 120
 * months: 375 kB a variable, 12.7 MB in all; with an 8 MB threshold pages are dropped
 * every 4 MB and a window holds 2 MB, five variables.  The bound: the 4 MB kept between
 * two drops, plus the last touch (a replication's run of a window, 4.7 kB, and what a
 * fault may map at its two ends) and a page. */
static void test_spill_windows(tc_ctx *t)
{
    mdl_model *m;
    mc_result *a =
        run_text(t, "windows.ini",
                 "[model]\nname = w\nstart = 2000-01\nhorizon = 120\n"
                 "[population p]\nentry = a\ninflow.rate = 8/m\ninitial.count = 20\n"
                 "[state a]\non.go = after exponential(mean=3m) -> b\n"
                 "[state b]\nresource = places\nqueue = q\non.end = after fixed(2m) -> c\n"
                 "[state q]\non.leave = hazard 0.1/m -> out\n"
                 "[state c]\non.x = hazard 0.2/m -> out\n"
                 "[resource places]\ncapacity = 10\n"
                 "[indicator d]\nkind = delay\nfrom = entry p\nto = state b\nwithin = 1m\n",
                 400, &m);
    if (!a)
        return;
    pc_err err;
    mc_result *b = NULL;
    mc_options file = {.reps = 400, .seed = 7, .threads = 2, .spill_above = 8u << 20};
    int rc = mc_run(m, &file, &b, &err);
    CHECK(t, !rc, "the runs run: %s", rc ? err.msg : "");
    if (rc) {
        mc_result_free(a);
        mdl_free(m);
        return;
    }
    size_t bytes = b->reps * b->n_vars * b->n_months * sizeof(double);
    CHECK(t, b->spill && bytes > (12u << 20), "the series (%zu bytes, %zu variables) spill", bytes,
          b->n_vars);
    mc_window wa = {0}, wb = {0};
    size_t differ = 0, widest = 0, ratios = 0, apart = 0;
    long peak = 0; /* the most the mapping held after a window's read */
    double ya[16], yb[16];
    int years[16];
    for (size_t v = 0; v < b->n_vars && !rc; v++) {
        mc_view xa, xb;
        if ((rc = mc_window_view(a, &wa, v, &xa) || mc_window_view(b, &wb, v, &xb)))
            break;
        long kb = mapping_rss_kb(b->values);
        peak = kb > peak || kb < 0 ? kb : peak;
        widest = wb.n > widest ? wb.n : widest;
        if (xb.num) {
            ratios++;
            apart += xb.snum == b->n_months; /* copied: outside the window */
        }
        for (size_t r = 0; r < b->reps; r++) {
            differ +=
                memcmp(xb.x + r * xb.sx, mc_series(a, r, v), b->n_months * sizeof(double)) != 0;
            double ta = mc_total(a, r, v), tb = mc_view_total(b, &xb, r);
            differ += memcmp(&ta, &tb, sizeof ta) != 0;
            size_t na = mc_yearly(a, r, v, ya, years),
                   nb = mc_view_yearly(b, &xb, r, yb, years, NULL, NULL);
            differ += na != nb || memcmp(ya, yb, na * sizeof(double)) != 0;
            /* the in-memory window is the result itself */
            differ += xa.x + r * xa.sx != mc_series(a, r, v);
        }
    }
    double *totals = malloc(b->n_vars * sizeof *totals);
    for (size_t r = 0; totals && r < b->reps; r++) {
        mc_totals(b, r, totals);
        for (size_t v = 0; v < b->n_vars; v++) {
            double ta = mc_total(a, r, v);
            differ += memcmp(&ta, totals + v, sizeof ta) != 0;
        }
    }
    differ += !totals;
    free(totals);
    CHECK(t, !rc, "the windows are read");
    CHECK(t, differ == 0,
          "through windows, every variable's series, total and yearly values are those of the "
          "run in memory, bit for bit, and so are a replication's totals read at once "
          "(mc_totals; %zu differ)",
          differ);
    CHECK(t, widest == 5, "a window of the spilled run holds five variables (%zu)", widest);
    CHECK(t, ratios >= 3 && apart >= 1,
          "ratios read (%zu), some with their terms outside the window (%zu)", ratios, apart);
    size_t touch = 5 * b->n_months * sizeof(double);
    CHECK(t, peak >= 0 && peak * 1024 <= (4 << 20) + 2 * (long)mc_map_around() + (long)touch + 4096,
          "the mapping holds at most %ld kB while the windows are read (at most 4 MB, a touch "
          "and what a fault may map at its ends)",
          peak);
    mc_window_free(&wa);
    mc_window_free(&wb);
    mc_result_free(a);
    mc_result_free(b);
    mdl_free(m);
}

/* Territories (populations sharing no resource and no transition) drawn in parts, as MPI
 * ranks share a replication (eng_share): the sum of the parts' raw counts is the whole
 * run's, bit for bit.  Three territories: p and its resource, q with a transition to r
 * (one territory), and s; a driver shared by all (recorded once). */
static void test_territory_parts(tc_ctx *t)
{
    const char *path = tc_write(
        t, "parts.ini",
        "[model]\nname = parts\nstart = 2020-01\nhorizon = 18\n"
        "[driver cycle]\nprocess = log-ar1\nsd = 0.2\npersistence = 0.5\nstart = stationary\n"
        "[population p]\nentry = pa\ninflow.rate = 30/m\ninflow.drivers = cycle\n"
        "initial.count = 50\n"
        "[state pa]\non.go = after exponential(mean=2m) -> pb\n"
        "[state pb]\nresource = places\nqueue = pq\non.end = after fixed(3m) -> out\n"
        "[state pq]\non.leave = hazard 0.2/m -> out\n"
        "[resource places]\ncapacity = 20\n"
        "[population q]\nentry = qa\ninflow.rate = 20/m\n"
        "[state qa]\npopulation = q\non.move = hazard 0.3/m * cycle -> ra\n"
        "[population r]\nentry = ra\ninflow.rate = 5/m\n"
        "[state ra]\npopulation = r\non.x = after lognormal(mean=40d, sd=20d) -> out\n"
        "[population s]\nentry = sa\ninitial.count = 80\n"
        "[state sa]\npopulation = s\non.x = hazard 0.1/m -> out\n"
        "[indicator d]\nkind = delay\nfrom = entry p\nto = state pb\nwithin = 1m\n");
    mdl_model *m;
    pc_err err;
    if (mdl_load(path, &m, &err)) {
        CHECK(t, 0, "parts.ini loads: %s", err.msg);
        return;
    }
    eng_workspace *w = eng_alloc(m);
    rec_raw *whole = rec_raw_alloc(m), *part = rec_raw_alloc(m), *sum = rec_raw_alloc(m);
    if (!w || !whole || !part || !sum) {
        CHECK(t, 0, "allocations");
    } else {
        CHECK(t, eng_territories(w) == 3, "three territories (%zu)", eng_territories(w));
        int rc = eng_run(w, 5, 2, whole, &err);
        rec_raw_clear(sum);
        for (size_t k = 0; !rc && k < 2; k++) {
            eng_share(w, k, 2);
            rc = eng_run(w, 5, 2, part, &err);
            double *a[REC_RAW_PARTS], *b[REC_RAW_PARTS];
            size_t la[REC_RAW_PARTS], lb[REC_RAW_PARTS];
            size_t n = rec_raw_parts(part, a, la);
            rec_raw_parts(sum, b, lb);
            for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < la[i]; j++)
                    b[i][j] += a[i][j];
        }
        CHECK(t, !rc, "the parts run: %s", rc ? err.msg : "");
        double *a[REC_RAW_PARTS], *b[REC_RAW_PARTS];
        size_t la[REC_RAW_PARTS], lb[REC_RAW_PARTS];
        size_t n = rec_raw_parts(whole, a, la), differ = 0;
        rec_raw_parts(sum, b, lb);
        for (size_t i = 0; i < n; i++)
            differ += memcmp(a[i], b[i], la[i] * sizeof(double)) != 0;
        CHECK(t, !rc && differ == 0 && whole->events > 0,
              "two parts of the territories add up to the whole replication, bit for bit "
              "(%zu of %zu arrays differ)",
              differ, n);
    }
    rec_raw_free(whole);
    rec_raw_free(part);
    rec_raw_free(sum);
    eng_free(w);
    /* mc_run shares a replication among threads by territories when the replications do
     * not divide among them (1 on 2 or 3 threads, the third of 3 on 2): the same series. */
    mc_result *one = NULL, *res = NULL;
    mc_options o1 = {.reps = 3, .seed = 5, .threads = 1};
    int rc = mc_run(m, &o1, &one, &err);
    size_t cells = one ? one->n_vars * one->n_months : 0;
    const size_t reps[] = {1, 1, 3}, threads[] = {2, 3, 2};
    for (size_t k = 0; !rc && k < 3; k++) {
        mc_options o = {.reps = reps[k], .seed = 5, .threads = (int)threads[k]};
        if ((rc = mc_run(m, &o, &res, &err)))
            break;
        CHECK(t, !memcmp(one->values, res->values, reps[k] * cells * sizeof(double)),
              "%zu replication(s) on %zu threads, shared by territories: the series of 1 thread",
              reps[k], threads[k]);
        mc_result_free(res);
        res = NULL;
    }
    CHECK(t, !rc, "the shared runs run: %s", rc ? err.msg : "");
    mc_result_free(one);
    mdl_free(m);
}

/* A state whose moves need no version, factor or truncation is drawn by a path of its
 * own (eng.c, schedule_plain); giving one of its hazards a factor of 1 sends it down
 * the general path, which must draw the same times, destinations and counts to the
 * last bit: every series of the two runs is compared byte for byte.  The model has
 * what the plain path handles (piecewise and constant hazards, a defective
 * exponential, a lognormal, shared destinations, the initial stock's seniority) and
 * an attribute in both runs, so the only difference is the path. */
static void test_plain_path(tc_ctx *t)
{
    const char *head = "[model]\nname = plain\nstart = 2020-01\nhorizon = 36\n"
                       "[population p]\nentry = s\ninflow.rate = 60/m\ninitial.count = 400\n"
                       "initial.state = s:0.5, u:0.5\ninitial.seniority = table(sen.csv)\n"
                       "[attribute g]\nvalues = a, b\nentry = a:0.5, b:0.5\n"
                       "initial = a:0.5, b:0.5\n"
                       "[state s]\n"
                       "on.x = hazard piecewise(entry; 0m:0.08, 6m:0.03, 12m:0.01)/m"
                       " -> u:0.3, out:0.7\n"
                       "on.y = with 0.4 after exponential(mean=5m) -> u\n"
                       "on.z = hazard 0.02/m";
    const char *tail = " -> out\n"
                       "[state u]\non.back = after lognormal(mean=60d, sd=30d) -> s\n"
                       "on.w = hazard 0.03/m -> out\n";
    char plain[1024], general[1024];
    snprintf(plain, sizeof plain, "%s%s", head, tail);
    snprintf(general, sizeof general, "%s * g(a: 1)%s", head, tail);
    tc_write(t, "sen.csv", "upper,weight\n6m,0.4\n24m,0.6\n");
    mdl_model *mp = NULL, *mg = NULL;
    mc_result *rp = run_text(t, "plain.ini", plain, 4, &mp);
    mc_result *rg = run_text(t, "general.ini", general, 4, &mg);
    if (rp && rg) {
        int same =
            rp->n_vars == rg->n_vars && rp->n_months == rg->n_months &&
            !memcmp(rp->values, rg->values, rp->reps * rp->n_vars * rp->n_months * sizeof(double));
        CHECK(t, same,
              "plain moves drawn by their own path: every series as the general "
              "path draws them, bit for bit (4 replications)");
    }
    mc_result_free(rp);
    mc_result_free(rg);
    mdl_free(mp);
    mdl_free(mg);
}

void suite_engine(tc_ctx *t)
{
    test_fixed_and_absorbing(t);
    test_capacity(t);
    test_dated_change(t);
    test_exits_returns(t);
    test_costs(t);
    test_warmup(t);
    test_initial_delays(t);
    test_state_seniority(t);
    test_state_seniority_errors(t);
    test_spill(t);
    test_spill_bounded(t);
    test_spill_windows(t);
    test_territory_parts(t);
    test_plain_path(t);
}
