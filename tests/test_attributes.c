/* test_attributes — sub-groups: attribute draws, attribute effects, targeted changes,
 * moves between populations and référents as a binding capacity.
 *
 * Statistical checks compare with closed forms (M/M/inf occupancy, binomial shares,
 * Erlang C) within 4 standard errors computed from the replications themselves
 * (a ratio of sums uses the replication-clustered delta-method SE), so a correct
 * engine fails with probability about 1e-4 per check; the wrong models each check
 * guards against are named in its message with how far they would land. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "core/mc.h"
#include "core/mdl.h"

static mc_result *run(tc_ctx *t, const char *name, const char *text, size_t reps, uint32_t seed,
                      mdl_model **m)
{
    pc_err err;
    *m = NULL;
    if (mdl_load(tc_write(t, name, text), m, &err)) {
        CHECK(t, 0, "%s loads (%s)", name, err.msg);
        return NULL;
    }
    mc_options opt = {.reps = reps, .seed = seed, .threads = 2};
    mc_result *r = NULL;
    if (mc_run(*m, &opt, &r, &err)) {
        CHECK(t, 0, "%s runs (%s)", name, err.msg);
        mdl_free(*m);
        *m = NULL;
    }
    return r;
}

/* Sum of a variable over months [from, to) in replication rep. */
static double window(const mc_result *r, size_t rep, const char *var, size_t from, size_t to)
{
    long v = rec_find(r->catalog, var);
    if (v < 0)
        return NAN;
    double s = 0;
    for (size_t k = from; k < to; k++)
        s += mc_series(r, rep, (size_t)v)[k];
    return s;
}

/* Ratio of sums over replications of a / b, with its clustered SE. */
static void ratio(const double *a, const double *b, size_t n, double *est, double *se)
{
    double sa = 0, sb = 0;
    for (size_t i = 0; i < n; i++)
        sa += a[i], sb += b[i];
    *est = sa / sb;
    double mb = sb / (double)n, v = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (a[i] - *est * b[i]) / mb;
        v += d * d;
    }
    *se = sqrt(v / ((double)n * (double)(n - 1)));
}

/* Arrivals 60/m with an attribute g (a: 0.3 at entry, 0.5 in the initial stock); the
 * exit hazard is 0.1/m, doubled for a.  At steady state stock.s[g=a] is Poisson with
 * mean 60 x 0.3 / 0.2 = 90, stock.s[g=b] 60 x 0.7 / 0.1 = 420. */
static const char groups_text[] =
    "[model]\nname = g\nstart = 2020-01\nhorizon = 60\n"
    "[population p]\nentry = s\ninflow.rate = 60/m\ninitial.count = 400\n"
    "initial.state = hold:0.5, s:0.5\nbreakdown = g\n"
    "[attribute g]\nvalues = a, b\nentry = a:0.3, b:0.7\ninitial = a:0.5, b:0.5\n"
    "[state s]\non.x = hazard 0.1/m * g(a: 2) -> out\n"
    "[state hold]\n"
    "%s";

static void test_draws_and_effects(tc_ctx *t)
{
    const size_t reps = t->quick ? 60 : 300;
    char text[1200];
    snprintf(text, sizeof text, groups_text, "");
    mdl_model *m;
    mc_result *r = run(t, "groups.ini", text, reps, 3, &m);
    if (!r)
        return;
    double *a = malloc(4 * reps * sizeof *a), *b = a + reps, *c = a + 2 * reps, *d = a + 3 * reps;
    /* initial shares: the 'hold' state keeps its initial persons */
    for (size_t rep = 0; rep < reps; rep++) {
        a[rep] = window(r, rep, "stock.hold[g=a]", 0, 1);
        b[rep] = window(r, rep, "stock.hold", 0, 1);
        c[rep] = window(r, rep, "in.s[g=a]", 0, 60);
        d[rep] = window(r, rep, "in.s", 0, 60);
    }
    double est, se;
    ratio(a, b, reps, &est, &se);
    CHECK(t, fabs(est - 0.5) < 4 * se && se > 0,
          "initial stock: share of value a %.4f against 0.5 (4 SE = %.4f)", est, 4 * se);
    ratio(c, d, reps, &est, &se);
    CHECK(t, fabs(est - 0.3) < 4 * se && se > 0,
          "entries: share of value a %.4f against 0.3 (4 SE = %.4f)", est, 4 * se);
    /* steady-state occupancy by group, months 48-59 (the initial 200 in s are long gone:
     * e^(-0.1 x 48) < 1 %) */
    double mean_a = 0, mean_b = 0;
    for (size_t rep = 0; rep < reps; rep++) {
        mean_a += window(r, rep, "stock.s[g=a]", 48, 60) / 12 / (double)reps;
        mean_b += window(r, rep, "stock.s[g=b]", 48, 60) / 12 / (double)reps;
    }
    /* 12 months of one replication are correlated (1 / 0.2 = 5 months): the SE of a
     * 12-month mean of a Poisson(90) stock is under sqrt(90 / 12 x 10), i.e. per
     * replication sqrt(90 x 0.83); over R replications divide by sqrt(R) */
    double se_a = sqrt(90 * 0.83 / (double)reps), se_b = sqrt(420 * 1.0 / (double)reps);
    CHECK(t, fabs(mean_a - 90) < 4 * se_a,
          "a hazard doubled for value a: mean occupancy %.1f against 60 x 0.3 / 0.2 = 90 "
          "(4 SE = %.1f; without the factor 180)",
          mean_a, 4 * se_a);
    CHECK(t, fabs(mean_b - 420) < 4 * se_b,
          "and for value b: %.1f against 60 x 0.7 / 0.1 = 420 (4 SE = %.1f)", mean_b, 4 * se_b);
    double share = window(r, 0, "share.p[g=a]", 59, 60);
    double parts = window(r, 0, "stock.p[g=a]", 59, 60) / window(r, 0, "stock.p", 59, 60);
    CHECK(t, fabs(share - parts) < 1e-12, "share.p[g=a] is stock.p[g=a] / stock.p (%.4f)", share);
    free(a);
    mc_result_free(r);
    mdl_free(m);
}

/* Values that change with the person's own time: a becomes b six months after arrival.
 * Without exits, stock.s[g=a] at a month end counts the arrivals of the last six months:
 * Poisson with mean 600; the change also moves the counts at the moment it happens. */
static void test_changes_with_time(tc_ctx *t)
{
    mdl_model *m;
    const size_t reps = 20;
    mc_result *r = run(t, "ageing.ini",
                       "[model]\nname = a\nstart = 2020-01\nhorizon = 24\n"
                       "[population p]\nentry = s\ninflow.rate = 100/m\nbreakdown = g\n"
                       "[attribute g]\nvalues = a, b\nentry = a:1, b:0\n"
                       "change.a = after fixed(6m) -> b\n"
                       "[state s]\n",
                       reps, 2, &m);
    if (!r)
        return;
    double mean = 0, total_ok = 1;
    for (size_t rep = 0; rep < reps; rep++)
        for (size_t k = 12; k < 24; k++) {
            mean += window(r, rep, "stock.s[g=a]", k, k + 1) / (12.0 * (double)reps);
            total_ok = total_ok && window(r, rep, "stock.s[g=a]", k, k + 1) +
                                           window(r, rep, "stock.s[g=b]", k, k + 1) ==
                                       window(r, rep, "stock.s", k, k + 1);
        }
    /* 240 month-ends, each Poisson(600), overlapping by 5 of 6 months within a replication:
     * the SE of the mean is at most sqrt(600 / 20) */
    CHECK(t, fabs(mean - 600) < 4 * sqrt(600.0 / 20) && total_ok,
          "a value changing 6 months after arrival: %.1f persons still a against 100 x 6 = 600; "
          "the groups add up to the state",
          mean);
    mc_result_free(r);
    mdl_free(m);
}

/* A cohort indicator by group counts a person in the group of its `from` event: every
 * arrival is a, becomes b one month later and leaves s two months after arriving, so the
 * whole cohort (100 a month) is group a and reaches within three months; counting by the
 * value when the outcome is known would put it all in b.  A run cut at 12 months and one
 * of 24 give the same group rows for the months both observe (the outcome of an arrival
 * of month 10 is not known at 12: it is not in either). */
static void test_cohort_group_at_start(tc_ctx *t)
{
    static const char text[] = "[model]\nname = c\nstart = 2020-01\nhorizon = %d\n"
                               "[population p]\nentry = s\ninflow.rate = 100/m\nbreakdown = g\n"
                               "[attribute g]\nvalues = a, b\nentry = a:1, b:0\n"
                               "change.a = after fixed(1m) -> b\n"
                               "[state s]\non.go = after fixed(2m) -> done\n[state done]\n"
                               "[indicator sorti]\nkind = delay\nfrom = entry p\n"
                               "to = state done\nwithin = 3m\n";
    char short_text[700], long_text[700];
    snprintf(short_text, sizeof short_text, text, 12);
    snprintf(long_text, sizeof long_text, text, 24);
    mdl_model *ms, *ml;
    mc_result *rs = run(t, "cohort-12.ini", short_text, 2, 3, &ms),
              *rl = run(t, "cohort-24.ini", long_text, 2, 3, &ml);
    if (rs && rl) {
        double a_den = window(rl, 0, "indicator.sorti[g=a].den", 0, 12),
               a_num = window(rl, 0, "indicator.sorti[g=a].num", 0, 12),
               b_den = window(rl, 0, "indicator.sorti[g=b].den", 0, 12),
               all = window(rl, 0, "indicator.sorti.den", 0, 12);
        CHECK(t, a_den == all && a_num == all && b_den == 0 && all > 900,
              "the cohort is in the group of its entry: a %g of %g reached, b %g", a_num, all,
              b_den);
        int same = 1;
        for (size_t rep = 0; rep < 2; rep++)
            for (size_t k = 0; k < 9; k++)
                same &= window(rs, rep, "indicator.sorti[g=a].den", k, k + 1) ==
                            window(rl, rep, "indicator.sorti[g=a].den", k, k + 1) &&
                        window(rs, rep, "indicator.sorti[g=b].den", k, k + 1) ==
                            window(rl, rep, "indicator.sorti[g=b].den", k, k + 1);
        CHECK(t, same, "the group rows of months 1-9 do not depend on the horizon (12 or 24)");
    }
    mc_result_free(rs);
    mc_result_free(rl);
    mdl_free(ms);
    mdl_free(ml);
}

/* A state that admits group a only: b's share of the split goes to the other state. */
static void test_admits(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run(t, "admits.ini",
                       "[model]\nname = ad\nstart = 2020-01\nhorizon = 12\n"
                       "[population p]\nentry = s\ninflow.rate = 100/m\nbreakdown = g\n"
                       "[attribute g]\nvalues = a, b\nentry = a:0.5, b:0.5\n"
                       "[state s]\non.go = hazard 0.5/m -> open:0.5, young_only:0.5\n"
                       "[state open]\n[state young_only]\nadmits = g:a\n",
                       2, 2, &m);
    if (r) {
        double b_in = window(r, 0, "in.young_only[g=b]", 0, 12),
               a_in = window(r, 0, "in.young_only[g=a]", 0, 12),
               b_open = window(r, 0, "in.open[g=b]", 0, 12),
               a_open = window(r, 0, "in.open[g=a]", 0, 12);
        CHECK(t, b_in == 0 && a_in > 100 && b_open > a_open * 1.5,
              "a state admitting group a only: no b enters it (%g), b's moves go to the other "
              "state (%g b against %g a)",
              b_in, b_open, a_open);
    }
    mc_result_free(r);
    mdl_free(m);
}

/* A change dated 2021-01 for group a only: group b's series are those of the model
 * without it, replication by replication (common random numbers). */
static void test_targeted_change(tc_ctx *t)
{
    char base[1200], alt[1400];
    snprintf(base, sizeof base, groups_text, "");
    snprintf(alt, sizeof alt, groups_text,
             "[set 2021-01 g=a]\nstate.s.on.x = hazard 0.5/m -> out\n");
    mdl_model *mb, *ma;
    mc_result *rb = run(t, "target-base.ini", base, 8, 5, &mb),
              *ra = run(t, "target-alt.ini", alt, 8, 5, &ma);
    if (rb && ra) {
        int same_b = 1, differ_a = 0;
        for (size_t rep = 0; rep < 8; rep++)
            for (size_t k = 0; k < 60; k++) {
                same_b &= window(rb, rep, "stock.s[g=b]", k, k + 1) ==
                          window(ra, rep, "stock.s[g=b]", k, k + 1);
                differ_a |= window(rb, rep, "stock.s[g=a]", k, k + 1) !=
                            window(ra, rep, "stock.s[g=a]", k, k + 1);
            }
        double before_a =
            window(ra, 0, "stock.s[g=a]", 0, 12) - window(rb, 0, "stock.s[g=a]", 0, 12);
        CHECK(t, same_b && differ_a && before_a == 0,
              "a change for group a leaves group b's series identical and a's unchanged before "
              "its date");
    }
    mc_result_free(rb);
    mc_result_free(ra);
    mdl_free(mb);
    mdl_free(ma);
}

/* A value that changes while the person is in a state: the moves that depend on it are
 * drawn again at the change.  g turns from a to b one month after arrival; s leads to t
 * at 0.1/m, and t admits g:a only.  A person is in s as an a for at most one month, so
 * P(enter t) = 1 - e^(-0.1) and no b ever enters t.  At steady state (arrivals from
 * 2020-01, a stay as an a of at most a month) the entries into t over 2021 are a thinned
 * Poisson process: Poisson with mean 1000 x (1 - e^(-0.1)) = 95.16, SE sqrt(95.16 / R)
 * over R replications.  Drawn once at entry, the move fired for the b too (about 820
 * entries a year, 730 of them b). */
static void test_admits_at_move(tc_ctx *t)
{
    const size_t reps = 200;
    mdl_model *m;
    mc_result *r = run(t, "admits-move.ini",
                       "[model]\nname = am\nstart = 2020-01\nhorizon = 24\n"
                       "[population p]\nentry = s\ninflow.rate = 1000/y\nbreakdown = g\n"
                       "[attribute g]\nvalues = a, b\nentry = a:1, b:0\n"
                       "change.a = after fixed(1m) -> b\n"
                       "[state s]\non.x = hazard 0.1/m -> t\n"
                       "[state t]\nadmits = g:a\n",
                       reps, 11, &m);
    if (!r)
        return;
    double b_in = 0, a_in = 0, all_in = 0;
    for (size_t rep = 0; rep < reps; rep++) {
        b_in += window(r, rep, "in.t[g=b]", 0, 24);
        a_in += window(r, rep, "in.t[g=a]", 12, 24) / (double)reps;
        all_in += window(r, rep, "in.t", 12, 24) / (double)reps;
    }
    double want = 1000 * (1 - exp(-0.1)), se = sqrt(want / (double)reps);
    CHECK(t, b_in == 0 && all_in == a_in,
          "a state admitting g:a only: no b enters it after turning b in the state before "
          "(%g b)",
          b_in);
    CHECK(t, fabs(a_in - want) < 4 * se,
          "and the a enter it at 1000 x (1 - e^-0.1) = %.2f a year: %.2f (4 SE = %.2f)", want, a_in,
          4 * se);
    mc_result_free(r);
    mdl_free(m);
}

/* A rate that depends on a value changing with the person's own time: the exit hazard is
 * 0.1/m while g is a (the first 6 months after arrival), 0.3/m once it is b.  Arrivals
 * 100/m; at steady state (months 48-59) stock.s[g=a] is Poisson with mean
 * 100 x (1 - e^(-0.6)) / 0.1 = 451.19 and stock.s[g=b] with mean 100 x e^(-0.6) / 0.3 =
 * 182.94.  A 12-month mean varies less than one month-end: SE at most sqrt(mean / R).
 * Drawn once at entry (rate 0.1 kept after the change), the b would be 548.8. */
static void test_two_phase_hazard(tc_ctx *t)
{
    const size_t reps = t->quick ? 40 : 100;
    mdl_model *m;
    mc_result *r = run(t, "two-phase.ini",
                       "[model]\nname = tp\nstart = 2020-01\nhorizon = 60\n"
                       "[population p]\nentry = s\ninflow.rate = 100/m\nbreakdown = g\n"
                       "[attribute g]\nvalues = a, b\nentry = a:1, b:0\n"
                       "change.a = after fixed(6m) -> b\n"
                       "[state s]\non.x = hazard 0.1/m * g(b: 3) -> out\n",
                       reps, 12, &m);
    if (!r)
        return;
    double mean_a = 0, mean_b = 0;
    for (size_t rep = 0; rep < reps; rep++) {
        mean_a += window(r, rep, "stock.s[g=a]", 48, 60) / 12 / (double)reps;
        mean_b += window(r, rep, "stock.s[g=b]", 48, 60) / 12 / (double)reps;
    }
    double want_a = 100 * (1 - exp(-0.6)) / 0.1, want_b = 100 * exp(-0.6) / 0.3;
    double se_a = sqrt(want_a / (double)reps), se_b = sqrt(want_b / (double)reps);
    CHECK(t, fabs(mean_a - want_a) < 4 * se_a,
          "two-phase hazard: occupancy while a %.1f against %.1f (4 SE = %.1f)", mean_a, want_a,
          4 * se_a);
    CHECK(t, fabs(mean_b - want_b) < 4 * se_b,
          "and once b (rate tripled at the change) %.1f against %.1f (4 SE = %.1f; 548.8 if "
          "the rate drawn at entry stood)",
          mean_b, want_b, 4 * se_b);
    mc_result_free(r);
    mdl_free(m);
}

/* A duration drawn again at a change keeps its law: x = after uniform(0, 12m) competes with
 * y, a hazard 0.1/m that doubles when g turns b 3 months after the start.  The share of
 * persons leaving by x is (1/12) [ (1 - e^(-0.3)) / 0.1 + e^(-0.3) (1 - e^(-1.8)) / 0.2 ] =
 * 0.47363 (months).  10 x 5,000 persons placed at the start: binomial SE 0.0022.  A
 * duration drawn afresh at the change (not conditional on the 3 months spent) would give
 * 0.427; the times drawn at the start kept (y not doubled) 0.582.  In state f, x is a fixed
 * 6 months: it still fires 6 months after the entry, so e^(-(0.3 + 0.2 x 3)) = 0.4066 leave
 * by it (0.223 if it started again at the change). */
static void test_duration_redrawn(tc_ctx *t)
{
    const size_t reps = 10;
    mdl_model *m;
    mc_result *r = run(t, "duration.ini",
                       "[model]\nname = du\nstart = 2020-01\nhorizon = 24\n"
                       "[population p]\nentry = s\ninitial.count = 10000\n"
                       "initial.state = s:0.5, f:0.5\n"
                       "[attribute g]\nvalues = a, b\nentry = a:1, b:0\n"
                       "change.a = after fixed(3m) -> b\n"
                       "[state s]\non.x = after uniform(min=0m, max=12m) -> out\n"
                       "on.y = hazard 0.1/m * g(b: 2) -> out\n"
                       "[state f]\non.x = after fixed(6m) -> out\n"
                       "on.y = hazard 0.1/m * g(b: 2) -> out\n",
                       reps, 13, &m);
    if (!r)
        return;
    double x = 0, all = 0, fx = 0, f_all = 0;
    for (size_t rep = 0; rep < reps; rep++) {
        x += window(r, rep, "flow.s.x", 0, 24);
        all += window(r, rep, "flow.s.x", 0, 24) + window(r, rep, "flow.s.y", 0, 24);
        fx += window(r, rep, "flow.f.x", 0, 24);
        f_all += window(r, rep, "flow.f.x", 0, 24) + window(r, rep, "flow.f.y", 0, 24);
    }
    double want = ((1 - exp(-0.3)) / 0.1 + exp(-0.3) * (1 - exp(-1.8)) / 0.2) / 12;
    double se = sqrt(want * (1 - want) / all);
    CHECK(t, all + f_all == 10000.0 * reps && fabs(x / all - want) < 4 * se,
          "a duration drawn again at a change, conditional on the time spent: %.4f leave by it "
          "against %.4f (4 SE = %.4f)",
          x / all, want, 4 * se);
    double want_f = exp(-0.9), se_f = sqrt(want_f * (1 - want_f) / f_all);
    CHECK(t, fabs(fx / f_all - want_f) < 4 * se_f,
          "a fixed duration drawn again still ends 6 months after the entry: %.4f leave by it "
          "against e^-0.9 = %.4f (4 SE = %.4f)",
          fx / f_all, want_f, 4 * se_f);
    mc_result_free(r);
    mdl_free(m);
}

/* A queued person is admitted only if the state it waits for still admits it: g turns b
 * two months after arrival, place (5 units) admits g:a only and is always full.  Before,
 * a person who turned b in the line took the next free unit. */
static void test_queue_admits(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run(t, "queue-admits.ini",
                       "[model]\nname = qa\nstart = 2020-01\nhorizon = 24\n"
                       "[population p]\nentry = s\ninflow.rate = 20/m\nbreakdown = g\n"
                       "[attribute g]\nvalues = a, b\nentry = a:1, b:0\n"
                       "change.a = after fixed(2m) -> b\n"
                       "[state s]\non.go = hazard 2/m -> place\n"
                       "[state place]\nresource = r\nqueue = line\nadmits = g:a\n"
                       "on.end = hazard 1/m -> out\n"
                       "[state line]\n[resource r]\ncapacity = 5\n",
                       2, 14, &m);
    if (r) {
        double b_in = window(r, 0, "in.place[g=b]", 0, 24) + window(r, 1, "in.place[g=b]", 0, 24);
        double a_in = window(r, 0, "in.place[g=a]", 0, 24);
        double waiting_b = window(r, 0, "stock.line[g=b]", 23, 24);
        CHECK(t, b_in == 0 && a_in > 50 && waiting_b > 100,
              "a person who turned b in the line is not admitted to a state admitting g:a (%g b "
              "admitted, %g a, %g b still in the line)",
              b_in, a_in, waiting_b);
    }
    mc_result_free(r);
    mdl_free(m);
}

/* With values that change (a turns b six months after arrival), a change for group b only
 * leaves group a's series identical: persons are drawn again when they turn b, never
 * while a (common random numbers); and before its date nothing differs (turning b is not
 * a reason to draw again before a version for b is in force). */
static void test_targeted_change_ageing(tc_ctx *t)
{
    static const char text[] = "[model]\nname = ta\nstart = 2020-01\nhorizon = 36\n"
                               "[population p]\nentry = s\ninflow.rate = 60/m\nbreakdown = g\n"
                               "initial.count = 300\n"
                               "[attribute g]\nvalues = a, b\nentry = a:1, b:0\n"
                               "initial = a:0.5, b:0.5\nchange.a = after fixed(6m) -> b\n"
                               "[state s]\non.x = hazard 0.1/m -> u\n"
                               "[state u]\non.y = hazard 0.2/m -> out\n%s";
    char base[900], alt[1100];
    snprintf(base, sizeof base, text, "");
    snprintf(alt, sizeof alt, text, "[set 2021-01 g=b]\nstate.s.on.x = hazard 0.3/m -> u\n");
    mdl_model *mb, *ma;
    mc_result *rb = run(t, "ageing-base.ini", base, 6, 15, &mb),
              *ra = run(t, "ageing-alt.ini", alt, 6, 15, &ma);
    if (rb && ra) {
        int same_a = 1, differ_b = 0, same_before = 1;
        const char *a_vars[] = {"stock.s[g=a]", "stock.u[g=a]", "in.u[g=a]"};
        for (size_t rep = 0; rep < 6; rep++)
            for (size_t k = 0; k < 36; k++) {
                for (size_t i = 0; i < 3; i++)
                    same_a &= window(rb, rep, a_vars[i], k, k + 1) ==
                              window(ra, rep, a_vars[i], k, k + 1);
                int differ = window(rb, rep, "stock.s[g=b]", k, k + 1) !=
                             window(ra, rep, "stock.s[g=b]", k, k + 1);
                differ_b |= differ;
                same_before &= k >= 12 || !differ;
            }
        CHECK(t, same_a && differ_b && same_before,
              "with ageing, a change for group b leaves group a's series identical, and b's "
              "before its date");
    }
    mc_result_free(rb);
    mc_result_free(ra);
    mdl_free(mb);
    mdl_free(ma);
}

/* Young persons (all of value jeune) move to the adults' population after a year; the
 * adults' entry shares have no jeune, so the moved keep the value they carry. */
static void test_move_between_populations(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run(t, "move.ini",
                       "[model]\nname = mv\nstart = 2020-01\nhorizon = 36\n"
                       "[population young]\nentry = school\ninflow.rate = 30/m\n"
                       "[population adults]\nentry = work\nbreakdown = age\n"
                       "[attribute age_young]\npopulation = young\nvalues = jeune, vieux\n"
                       "entry = jeune:1, vieux:0\n"
                       "[attribute age]\npopulation = adults\nvalues = jeune, vieux\n"
                       "entry = jeune:0, vieux:1\n"
                       "[state school]\npopulation = young\non.grow = after fixed(12m) -> work\n"
                       "[state work]\npopulation = adults\non.x = hazard 0.05/m -> out\n",
                       4, 6, &m);
    if (!r)
        return;
    int ok = 1;
    for (size_t rep = 0; rep < r->reps; rep++) {
        double moved = window(r, rep, "flow.school.grow", 0, 36);
        double arrived = window(r, rep, "arrivals.adults", 0, 36);
        double exits = window(r, rep, "exits.young", 0, 36);
        ok &= moved > 100 && moved == arrived && moved == exits;
    }
    CHECK(t, ok,
          "a move to another population counts once: an exit of the first, an arrival "
          "in the second");
    mc_result_free(r);
    mdl_free(m);
    /* an attribute of both populations is carried: the young of value jeune move three
     * times faster, so most movers are jeune (3/4 of them at first); values drawn again
     * on arrival would give half and half */
    r = run(t, "move2.ini",
            "[model]\nname = mv\nstart = 2020-01\nhorizon = 24\n"
            "[population young]\nentry = school\ninflow.rate = 200/m\n"
            "[population adults]\nentry = work\nbreakdown = age\n"
            "[attribute age]\npopulation = young, adults\nvalues = jeune, vieux\n"
            "entry = jeune:0.5, vieux:0.5\n"
            "[state school]\npopulation = young\non.grow = hazard 0.03/m * age(jeune: 3) -> "
            "work\n"
            "[state work]\npopulation = adults\n",
            1, 6, &m);
    if (r) {
        double jeune = window(r, 0, "in.work[age=jeune]", 0, 24),
               vieux = window(r, 0, "in.work[age=vieux]", 0, 24);
        double share = jeune / (jeune + vieux);
        /* about 1,600 movers: a binomial SE of 0.0125 around 0.5 */
        CHECK(t, share > 0.65,
              "values carried across populations: %.3f of the movers are jeune (0.5 if drawn "
              "again)",
              share);
    }
    mc_result_free(r);
    mdl_free(m);
}

/* Référents as capacity: arrivals 8/m need one of E x caseload = 2 x 5 = 10 slots held an
 * exponential month (mu = 1/m... 1.0): an M/M/10 queue with load 8. */
static void test_staff_capacity(tc_ctx *t)
{
    const size_t reps = t->quick ? 100 : 500;
    static const char text[] = "[model]\nname = ref\nstart = 2020-01\nhorizon = 60\n"
                               "[population p]\nentry = oriented\ninflow.rate = 8/m\nwarmup = 5y\n"
                               "[state oriented]\non.done = hazard 1/m -> out\n"
                               "[state waiting]\nlabel = En attente d'un référent\n"
                               "[staff referents]\nstates = oriented\nqueue = waiting\n"
                               "caseload = 5\netp = %s\n"
                               "[cost ref]\nfunder = dep\nper = staff-year\nstaff = referents\n"
                               "basis = funded\namount = 60000\n";
    char full[900], fewer[900];
    snprintf(full, sizeof full, text, "2");
    snprintf(fewer, sizeof fewer, text, "1.8");
    mdl_model *m, *mf;
    mc_result *r = run(t, "staff.ini", full, reps, 8, &m),
              *rf = run(t, "staff-fewer.ini", fewer, reps, 8, &mf);
    if (r && rf) {
        double *tot = malloc(4 * reps * sizeof *tot), *arr = tot + reps, *tf = tot + 2 * reps,
               *af = tot + 3 * reps;
        for (size_t rep = 0; rep < reps; rep++) {
            tot[rep] = window(r, rep, "wait.waiting.total", 0, 60) / MDL_DAYS_PER_MONTH;
            arr[rep] = window(r, rep, "arrivals.p", 0, 60);
            tf[rep] = window(rf, rep, "wait.waiting.total", 0, 60) / MDL_DAYS_PER_MONTH;
            af[rep] = window(rf, rep, "arrivals.p", 0, 60);
        }
        double est, se, est_f, se_f;
        ratio(tot, arr, reps, &est, &se);
        ratio(tf, af, reps, &est_f, &se_f);
        double want = tc_erlang_c(10, 8) / (10 - 8), want_f = tc_erlang_c(9, 8) / (9 - 8);
        CHECK(t, fabs(est - want) < 4 * se,
              "référents as capacity: mean wait for a slot %.4f months against Erlang C "
              "C(10, 8) / (10 - 8) = %.4f (4 SE = %.4f)",
              est, want, 4 * se);
        CHECK(t, fabs(est_f - want_f) < 4 * se_f && est_f > est + 4 * (se + se_f),
              "fewer référents (1.8 ETP: 9 slots) wait longer: %.4f months against %.4f", est_f,
              want_f);
        double cost = window(r, 0, "cost.ref", 0, 12);
        CHECK(t, fabs(cost - 2 * 60000) < 1e-6, "funded référent ETP cost 2 x 60,000 a year (%.2f)",
              cost);
        free(tot);
    }
    mc_result_free(r);
    mc_result_free(rf);
    mdl_free(m);
    mdl_free(mf);
}

static void expect_error(tc_ctx *t, const char *what, const char *extra, const char *rate,
                         const char *needle)
{
    char text[1200];
    snprintf(text, sizeof text,
             "[model]\nname = e\nstart = 2020-01\nhorizon = 12\n"
             "[population p]\nentry = s\ninflow.rate = 10/m\n"
             "[population q]\nentry = z\n"
             "[attribute g]\npopulation = p\nvalues = a, b\nentry = a:0.4, b:0.6\n"
             "[state s]\npopulation = p\non.x = %s -> out\n"
             "[state z]\npopulation = q\n%s",
             rate, extra);
    mdl_model *m = NULL;
    pc_err err;
    int rc = mdl_load(tc_write(t, "bad-attr.ini", text), &m, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, needle), "refused: %s (%s)", what,
          rc ? err.msg : "accepted");
    mdl_free(m);
}

static void test_bad_input(tc_ctx *t)
{
    expect_error(t, "an unknown attribute value",
                 "[set 2020-06 g=c]\nstate.s.on.x = hazard 0.2/m -> out\n", "hazard 0.1/m",
                 "attribute 'g' has no value 'c'");
    expect_error(t, "shares not summing to 1",
                 "[attribute h]\npopulation = p\nvalues = u, v\nentry = u:0.4, v:0.4\n",
                 "hazard 0.1/m", "shares sum to 0.8, expected 1");
    expect_error(t, "a factor for a value that does not exist", "", "hazard 0.1/m * g(c: 2)",
                 "attribute g has no value 'c'");
    expect_error(t, "a group of a population without the attribute",
                 "[set 2020-06 g=a]\nstate.z.on.y = hazard 0.2/m -> out\n", "hazard 0.1/m",
                 "attribute 'g' belongs to population p, not q");
    expect_error(t, "an unknown attribute in a factor", "", "hazard 0.1/m * age(a: 2)",
                 "unknown attribute or driver 'age'");
    expect_error(t, "a schedule changed for one group",
                 "[set 2020-06 g=a]\npopulation.p.inflow.rate = 20/m\n", "hazard 0.1/m",
                 "only transitions (state.S.on.T) can be changed for one group");
    /* a -> b -> a each after no time would run forever at the first change */
    expect_error(t, "changes of value after no time",
                 "[attribute h]\npopulation = p\nvalues = u, v\nentry = u:1\n"
                 "change.u = after fixed(0d) -> v\nchange.v = after fixed(0d) -> u\n",
                 "hazard 0.1/m", "a change after no time");
}

void suite_attributes(tc_ctx *t)
{
    test_draws_and_effects(t);
    test_changes_with_time(t);
    test_admits(t);
    test_cohort_group_at_start(t);
    test_targeted_change(t);
    test_admits_at_move(t);
    test_two_phase_hazard(t);
    test_duration_redrawn(t);
    test_queue_admits(t);
    test_targeted_change_ageing(t);
    test_move_between_populations(t);
    test_staff_capacity(t);
    test_bad_input(t);
}
