/* test_sizing — joint sizing in euros and targets with a confidence (study/joint.c, target.c).
 *
 * Known-answer tests: two server types of different costs serve one queue, each
 * an M/M/c queue of its own requests; the cheapest pair of capacities meeting a
 * bound on the probability of waiting is found by enumeration with Erlang C in the
 * test, the bound chosen so that every pair costing no more than the optimum is
 * several standard errors from it (the Monte Carlo error cannot change the answer);
 * a target with a confidence is measured on yearly arrivals, Poisson, whose
 * distribution across replications is known exactly.  Sharing an envelope: two
 * départements, the second twice as loaded, with a ceiling that binds, an envelope in
 * euros that buys what the same envelope in ETP buys, a constraint on every queue met
 * at the floors it sets, the same result for 1 and 2 threads.  Every input error
 * path is provoked.  Seeds are fixed. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fixtures.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "study/capacity.h"
#include "study/joint.h"
#include "study/runs.h"
#include "study/target.h"

/* 20 requests a month split evenly between two types (Poisson thinning: two Poisson
 * streams of 10 a month), exponential service of one month, no reneging: each type
 * is an M/M/c queue of 10 Erlangs, and both wait in q.  A place of x costs the État
 * 1,000 EUR a year, a place of y costs the Département 2,500 EUR. */
static const char two_types[] = "[model]\nname = Two types\nstart = 2020-01\nhorizon = 60\n"
                                "\n[population p]\nentry = ask\ninflow.rate = 20/m\n"
                                "warmup = 1y\n"
                                "\n[state ask]\non.go = after fixed(1d) -> x:0.5, y:0.5\n"
                                "\n[state q]\n"
                                "\n[state x]\nresource = r_x\nqueue = q\n"
                                "on.end = after exponential(mean=1m) -> out\n"
                                "\n[state y]\nresource = r_y\nqueue = q\n"
                                "on.end = after exponential(mean=1m) -> out\n"
                                "\n[resource r_x]\ncapacity = 20\n"
                                "\n[resource r_y]\ncapacity = 20\n"
                                "\n[cost place_x]\nfunder = etat\nper = unit-year\n"
                                "resource = r_x\namount = 1000\n"
                                "\n[cost place_y]\nfunder = departement\nper = unit-year\n"
                                "resource = r_y\namount = 2500\n";

static void test_joint(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "two_types.ini", two_types);
    if (!m)
        return;
    /* The pooled probability of waiting is (C(cx) + C(cy)) / 2.  Enumerate. */
    const double a = 10, bound = 0.339, ux = 1000, uy = 2500;
    double best = INFINITY, margin = INFINITY;
    int bx = -1, by = -1;
    for (int cx = 11; cx < 60; cx++)
        for (int cy = 11; cy < 60; cy++) {
            double p = (tc_erlang_c(cx, a) + tc_erlang_c(cy, a)) / 2, cost = ux * cx + uy * cy;
            if (p <= bound && cost < best) {
                best = cost;
                bx = cx;
                by = cy;
            }
        }
    for (int cx = 11; cx < 60; cx++)
        for (int cy = 11; cy < 60; cy++)
            if (ux * cx + uy * cy <= best)
                margin = fmin(margin, fabs((tc_erlang_c(cx, a) + tc_erlang_c(cy, a)) / 2 - bound));
    char text[200];
    snprintf(text, sizeof text, "share(wait.q.all > 0) <= %.3f", bound);
    target_expr g;
    pc_err err;
    joint_result *r = NULL;
    const char *names[] = {"r_*"};
    joint_options opt = {.n_resources = 1,
                         .resources = names,
                         .n_targets = 1,
                         .targets = &g,
                         .unit = JOINT_EUROS,
                         .max = 200,
                         .sim = {.reps = t->quick ? 200 : 400, .seed = 5}};
    int rc = target_parse(m, text, &g, &err);
    rc = rc ? rc : joint_size(m, &opt, &r, &err);
    CHECK(t, rc == 0, "joint sizing runs: %s", rc ? err.msg : "ok");
    if (rc == 0) {
        CHECK(t, r->answer.capacity[0] == bx && r->answer.capacity[1] == by,
              "the cheapest pair is Erlang C's: %ld and %ld places, enumeration says %d and %d "
              "(%.0f EUR a year; every pair costing no more is %.3f from the bound; %zu runs)",
              r->answer.capacity[0], r->answer.capacity[1], bx, by, best, margin, r->runs);
        CHECK(t,
              fabs(r->answer.cost - best) < 1e-6 && fabs(r->unit_cost[0] - ux) < 1e-6 &&
                  fabs(r->unit_cost[1] - uy) < 1e-6,
              "costs a year: %.0f EUR; a place %.0f and %.0f EUR (the model's amounts)",
              r->answer.cost, r->unit_cost[0], r->unit_cost[1]);
        /* Each funder pays its own resource's places: the État x, the Département y. */
        size_t fe = 0;
        while (fe < r->n_funders && strcmp(r->funders[fe], "etat"))
            fe++;
        CHECK(t, fe < r->n_funders && fabs(r->answer.fund_mean[fe] - ux * bx) < 1e-6,
              "the État pays %.0f EUR a year for the places of x (%d x 1,000)",
              fe < r->n_funders ? r->answer.fund_mean[fe] : NAN, bx);
        /* The Monte Carlo error cannot flip the answer: the estimates at the answer
         * and at its cheaper neighbours are 3 standard errors from the bound. */
        double exact = (tc_erlang_c(bx, a) + tc_erlang_c(by, a)) / 2;
        const target_estimate *at = &r->answer.target[0].est;
        int far = (bound - at->value) >= 3 * at->se;
        for (size_t i = 0; i < 2; i++)
            far &= r->below[i].capacity &&
                   (r->below[i].target[0].est.value - bound) >= 3 * r->below[i].target[0].est.se;
        CHECK(t, far,
              "estimates at the answer (%.4f, se %.4f) and one place below each (%.4f, %.4f) "
              "are 3 standard errors from %.3f",
              at->value, at->se, r->below[0].capacity ? r->below[0].target[0].est.value : NAN,
              r->below[1].capacity ? r->below[1].target[0].est.value : NAN, bound);
        CHECK(t, fabs(at->value - exact) <= 4 * at->se,
              "the estimate at the answer agrees with Erlang C: %.4f vs %.4f (4 se = %.4f)",
              at->value, exact, 4 * at->se);
    }
    joint_result_free(r);
    r = NULL;

    /* The same with 1 and 2 threads: the answer does not depend on them. */
    opt.sim.reps = 40;
    opt.sim.threads = 1;
    joint_result *r1 = NULL, *r2 = NULL;
    rc = joint_size(m, &opt, &r1, &err);
    opt.sim.threads = 2;
    rc = rc ? rc : joint_size(m, &opt, &r2, &err);
    CHECK(t,
          rc == 0 && r1->answer.capacity[0] == r2->answer.capacity[0] &&
              r1->answer.capacity[1] == r2->answer.capacity[1] &&
              r1->answer.target[0].est.value == r2->answer.target[0].est.value,
          "1 and 2 threads give the same answer (%ld, %ld)", rc ? -1 : r1->answer.capacity[0],
          rc ? -1 : r1->answer.capacity[1]);
    joint_result_free(r1);
    joint_result_free(r2);

    /* Bad input: an unknown resource, a target that no place meets, conflicting
     * targets, no target. */
    const char *unknown[] = {"r_x", "r_z"};
    opt.resources = unknown;
    opt.n_resources = 2;
    rc = joint_size(m, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && !r && strstr(err.msg, "r_z") && strstr(err.msg, "no resource"),
          "an unknown resource: %s", err.msg);
    opt.resources = names;
    opt.n_resources = 1;
    target_expr two[2];
    rc = target_parse(m, "share(wait.q.all > 0) <= 0.1", &two[0], &err) ||
         target_parse(m, "share(wait.q.all > 0) >= 0.5", &two[1], &err);
    opt.targets = two;
    opt.n_targets = 2;
    opt.max = 60;
    opt.sim.reps = 10;
    rc = rc ? rc : joint_size(m, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && !r && strstr(err.msg, "cannot be met") && strstr(err.msg, ">= 0.5"),
          "conflicting targets: %s", err.msg);
    opt.n_targets = 0;
    rc = joint_size(m, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "at least one target"), "no target: %s", err.msg);
    mdl_free(m);

    /* A queue shared with a resource that is not sized: the reason it cannot be met. */
    m = tc_load_model(t, "two_types_b.ini", two_types);
    if (!m)
        return;
    const char *only_x[] = {"r_x"};
    opt = (joint_options){.n_resources = 1,
                          .resources = only_x,
                          .n_targets = 1,
                          .targets = &g,
                          .unit = JOINT_EUROS,
                          .max = 100,
                          .sim = {.reps = 10, .seed = 5}};
    /* r_y stays at 20 places: C(20) = 0.0038; a bound below half of it is out of reach */
    rc = target_parse(m, "share(wait.q.all > 0) <= 0.001", &g, &err);
    rc = rc ? rc : joint_size(m, &opt, &r, &err);
    CHECK(t,
          rc == PC_EINPUT && strstr(err.msg, "also the queue of r_y") &&
              strstr(err.msg, "not sized"),
          "a target bound by a resource not sized names it: %s", err.msg);
    mdl_free(m);
}

/* Arrivals: 20 a month, Poisson, never leaving: the arrivals of 12 months are
 * Poisson(240) in each replication, so the share of replications whose monthly mean
 * is at most 20.5 (246 arrivals) is P(N <= 246), known exactly. */
static void test_confidence(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "arrivals.ini",
                                 "[model]\nname = Arrivals\nstart = 2020-01\nhorizon = 12\n"
                                 "[population p]\nentry = s\ninflow.rate = 20/m\n[state s]\n");
    if (!m)
        return;
    target_expr g;
    pc_err err;
    int rc = target_parse(m, "mean(in.s) <= 20.5 in 60%", &g, &err);
    CHECK(t, rc == 0 && fabs(g.confidence - 0.6) < 1e-12 && g.bound == 20.5,
          "'... in 60%%' parses as a confidence of 0.6 (%s)", rc ? err.msg : "ok");
    runs_variant run;
    const size_t reps = t->quick ? 1000 : 4000;
    mc_options sim = {.reps = reps, .seed = 11};
    if (rc || runs_with(m, 0, NULL, NULL, &sim, &run, &err)) {
        CHECK(t, 0, "arrivals model runs: %s", err.msg);
        mdl_free(m);
        return;
    }
    target_estimate e;
    rc = target_measure(&g, run.result, 0, 11, &e, &err);
    double exact = gsl_cdf_poisson_P(246, 240.0);
    CHECK(t, rc == 0 && fabs(e.prob - exact) <= 4 * e.prob_se,
          "share of replications meeting it: %.4f vs P(Poisson(240) <= 246) = %.4f "
          "(4 standard errors: %.4f)",
          e.prob, exact, 4 * e.prob_se);
    CHECK(t, rc == 0 && fabs(e.prob_se - sqrt(e.prob * (1 - e.prob) / (double)reps)) < 1e-12,
          "its standard error is sqrt(p (1 - p) / n) = %.4f", e.prob_se);
    /* exact = 0.67: 60 % is met, 75 % is not, each many standard errors away */
    int holds60 = target_holds(&g, &e);
    g.confidence = 0.75;
    rc = target_measure(&g, run.result, 0, 11, &e, &err);
    int holds75 = target_holds(&g, &e);
    CHECK(t, holds60 && !holds75 && !target_met(&g, e.at_confidence),
          "met in 60 %% of the futures, not in 75 %% (the 75th percentile of the replications' "
          "means is %.3f > 20.5)",
          e.at_confidence);
    /* The statistic pooled over replications is unchanged by the confidence. */
    CHECK(t, fabs(e.value - 20.0) < 4 * e.se, "pooled mean %.3f vs 20 arrivals a month", e.value);
    runs_clear(&run);

    static const struct {
        const char *text, *says;
    } bad[] = {
        {"mean(in.s) <= 20 in 0%", "strictly between 0 and 100"},
        {"mean(in.s) <= 20 in 100%", "strictly between 0 and 100"},
        {"mean(in.s) <= 20 in 120%", "strictly between 0 and 100"},
        {"mean(in.s) <= 20 in 80d", "strictly between 0 and 100"},
        {"mean(in.s) <= 20 in", "strictly between 0 and 100"},
        {"mean(in.s) <= 20 at 80%", "then optionally 'in 80%'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rc = target_parse(m, bad[i].text, &g, &err);
        CHECK(t, rc == PC_EINPUT && strstr(err.msg, bad[i].says), "target '%s' refused: %s",
              bad[i].text, rc ? err.msg : "accepted");
    }
    mdl_free(m);
}

/* ---- sharing an envelope ------------------------------------------------------------- */

static void test_share(tc_ctx *t)
{
    char text[4096];
    tc_two_departements(text, sizeof text, 10, 20);
    mdl_model *m = tc_load_model(t, "loaded.ini", text);
    tc_two_departements(text, sizeof text, 10, 10);
    mdl_model *even = tc_load_model(t, "even.ini", text);
    if (!m || !even) {
        mdl_free(m);
        mdl_free(even);
        return;
    }
    pc_err err;
    capacity_share_result *r = NULL, *r2 = NULL;
    const size_t reps = t->quick ? 60 : 120;
    /* 60 and 120 Erlangs; 95 ETP = 190 places: without a ceiling b gets more than 120
     * places (137 of 210 in tests/test_fit.c); at most 2 x 50 places, b gets 100 and a
     * the other 90. */
    capacity_share_options opt = {.prefix = "iae_",
                                  .envelope = 95,
                                  .max_share = 2,
                                  .funder = "etat",
                                  .sim = {.reps = reps, .seed = 1, .threads = 1}};
    int rc = capacity_share(m, &opt, &r, &err);
    CHECK(t,
          rc == 0 && r->lines[1].allocated == 100 && r->lines[0].allocated == 90 &&
              r->lines[1].ceiling == 100,
          "a ceiling binds: b keeps 100 places (2 x 50), a gets the other 90 (%ld and %ld)",
          rc ? -1 : r->lines[0].allocated, rc ? -1 : r->lines[1].allocated);
    CHECK(t, rc == 0 && !strcmp(r->lines[0].label, "Département a"),
          "lines carry the resources' labels (%s)", rc ? err.msg : r->lines[0].label);
    opt.sim.threads = 2;
    rc = capacity_share(m, &opt, &r2, &err);
    CHECK(t,
          rc == 0 && r && r2->lines[0].allocated == r->lines[0].allocated &&
              r2->lines[1].allocated == r->lines[1].allocated &&
              r2->total_after == r->total_after &&
              r2->lines[1].after.wait_p95 == r->lines[1].after.wait_p95,
          "1 and 2 threads give the same allocation and the same waits");
    capacity_share_result_free(r);
    capacity_share_result_free(r2);
    r = r2 = NULL;

    /* Euros: a place costs 0.5 ETP x 10,000 EUR; 700,000 EUR buy the 140 places that
     * 70 ETP buy, shared exactly as the ETP are (same runs, same steps in places); that
     * identical départements share evenly is tests/test_fit.c's. */
    opt = (capacity_share_options){
        .prefix = "iae_", .envelope = 70, .funder = "etat", .sim = {.reps = reps, .seed = 1}};
    rc = capacity_share(even, &opt, &r, &err);
    opt.envelope = 700000;
    opt.in_euros = 1;
    rc = rc ? rc : capacity_share(even, &opt, &r2, &err);
    CHECK(t,
          rc == 0 && fabs(r2->lines[0].price - 5000) < 1e-6 &&
              r2->lines[0].allocated == r->lines[0].allocated &&
              r2->lines[1].allocated == r->lines[1].allocated &&
              r2->lines[0].allocated + r2->lines[1].allocated == 140,
          "700,000 EUR at 5,000 EUR a place share as 70 ETP do: %ld and %ld places (%ld and %ld)",
          rc ? -1 : r2->lines[0].allocated, rc ? -1 : r2->lines[1].allocated,
          rc ? -1 : r->lines[0].allocated, rc ? -1 : r->lines[1].allocated);
    CHECK(t,
          rc == 0 && r2->lines[0].after.wait_p05 <= r2->lines[0].after.wait &&
              r2->lines[0].after.wait <= r2->lines[0].after.wait_p95,
          "each wait comes with its 90 %% interval over the replications (%.1f [%.1f, %.1f])",
          rc ? NAN : r2->lines[0].after.wait, rc ? NAN : r2->lines[0].after.wait_p05,
          rc ? NAN : r2->lines[0].after.wait_p95);
    capacity_share_result_free(r);
    capacity_share_result_free(r2);
    r = r2 = NULL;

    /* A constraint on every queue: no département whose requests wait over 15 days at
     * the 90th percentile.  Each gets at least the fewest places that meet it; both
     * meet it after the allocation.  Too small an envelope for it is refused. */
    opt = (capacity_share_options){.prefix = "iae_",
                                   .envelope = 110,
                                   .funder = "etat",
                                   .constraint = "p90(wait.all) <= 15d",
                                   .sim = {.reps = reps, .seed = 1}};
    rc = capacity_share(m, &opt, &r, &err);
    CHECK(t,
          rc == 0 && r->lines[0].constraint_floor > 50 && r->lines[1].constraint_floor > 100 &&
              r->lines[0].allocated >= r->lines[0].constraint_floor &&
              r->lines[1].allocated >= r->lines[1].constraint_floor &&
              r->groups[0].constraint_after.value <= 15 &&
              r->groups[1].constraint_after.value <= 15,
          "the constraint sets floors (%ld and %ld places) and holds after (%.1f and %.1f "
          "days): %s",
          rc ? -1 : r->lines[0].constraint_floor, rc ? -1 : r->lines[1].constraint_floor,
          rc ? NAN : r->groups[0].constraint_after.value,
          rc ? NAN : r->groups[1].constraint_after.value, rc ? err.msg : "ok");
    long need = rc ? 0 : r->lines[0].constraint_floor + r->lines[1].constraint_floor;
    capacity_share_result_free(r);
    r = NULL;
    opt.envelope = 0.5 * (double)need - 1;
    rc = capacity_share(m, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && !r && strstr(err.msg, "to meet --constraint"),
          "an envelope below what the constraint needs is refused: %s", err.msg);

    /* Conflicting or bad input. */
    static const struct {
        double min_share, max_share;
        const char *constraint, *says;
    } bad[] = {
        {0.9, 0.5, NULL, "conflict"},
        {0, 1.0, "p90(wait.all) <= 15d", "its ceiling"},
        {0, 0, "p90(queue.x) <= 15d", "each queue's waits"},
        {0, 0, "p90(wait.all) <= 15d in 80%", "confidence is not taken"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        opt.envelope = 500;
        opt.min_share = bad[i].min_share;
        opt.max_share = bad[i].max_share;
        opt.constraint = bad[i].constraint;
        rc = capacity_share(m, &opt, &r, &err);
        CHECK(t, rc == PC_EINPUT && !r && strstr(err.msg, bad[i].says), "refused: %s",
              rc ? err.msg : "accepted");
        capacity_share_result_free(r);
        r = NULL;
    }
    opt = (capacity_share_options){
        .prefix = "iae_", .envelope = 100, .in_euros = 1, .sim = {.reps = 4, .seed = 1}};
    rc = capacity_share(m, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "needs the funder"),
          "an envelope in euros without a funder: %s", err.msg);
    mdl_free(m);
    mdl_free(even);
}

/* Two départements, each with two types of places (x paid by the État, 1,000 EUR per
 * funded ETP-year; y by the Département, 2,500 EUR) serving one queue per département:
 * requests split evenly between the types (Poisson thinning), exponential service of one
 * month, no reneging, so each type is an M/M/c queue of its own requests: 10 Erlangs a
 * type in a, 5 in b.  0.5 ETP a place. */
static const char two_by_two[] =
    "[model]\nname = Two by two\nstart = 2020-01\nhorizon = 48\n"
    "\n[population a]\nlabel = Département a\nentry = ask_a\ninflow.rate = 20/m\nwarmup = 1y\n"
    "\n[state ask_a]\npopulation = a\non.go = after fixed(1d) -> x_a:0.5, y_a:0.5\n"
    "\n[state q_a]\npopulation = a\n"
    "\n[state x_a]\npopulation = a\nresource = iae_x_a\nqueue = q_a\n"
    "on.end = after exponential(mean=1m) -> out\n"
    "\n[state y_a]\npopulation = a\nresource = iae_y_a\nqueue = q_a\n"
    "on.end = after exponential(mean=1m) -> out\n"
    "\n[population b]\nlabel = Département b\nentry = ask_b\ninflow.rate = 10/m\nwarmup = 1y\n"
    "\n[state ask_b]\npopulation = b\non.go = after fixed(1d) -> x_b:0.5, y_b:0.5\n"
    "\n[state q_b]\npopulation = b\n"
    "\n[state x_b]\npopulation = b\nresource = iae_x_b\nqueue = q_b\n"
    "on.end = after exponential(mean=1m) -> out\n"
    "\n[state y_b]\npopulation = b\nresource = iae_y_b\nqueue = q_b\n"
    "on.end = after exponential(mean=1m) -> out\n"
    "\n[resource iae_x_a]\ncapacity = 12\netp.weight = 0.5\n"
    "\n[resource iae_y_a]\ncapacity = 12\netp.weight = 0.5\n"
    "\n[resource iae_x_b]\ncapacity = 12\netp.weight = 0.5\n"
    "\n[resource iae_y_b]\ncapacity = 12\netp.weight = 0.5\n"
    "\n[cost place_x_a]\nfunder = etat\nper = unit-year\nresource = iae_x_a\namount = 1000\n"
    "\n[cost place_x_b]\nfunder = etat\nper = unit-year\nresource = iae_x_b\namount = 1000\n"
    "\n[cost place_y_a]\nfunder = departement\nper = unit-year\nresource = iae_y_a\n"
    "amount = 2500\n"
    "\n[cost place_y_b]\nfunder = departement\nper = unit-year\nresource = iae_y_b\n"
    "amount = 2500\n";

/* Groups of resources sharing a queue.  The constraint "share(wait.all > 0) <= 0.135" on
 * a département is its probability of waiting, pooled over its queue: with the mix kept
 * (x and y equal) it is C(c, a) of each type, so the group's floor is the smallest c
 * with C(c, a) <= 0.135, found here by enumeration with Erlang C.  The bound lies
 * between C(14, 10) = 0.174 and C(15, 10) = 0.102, and between C(8, 5) = 0.167 and
 * C(9, 5) = 0.081: at least 0.032 from every value the bisection meets near the answer,
 * against a standard error of the pooled estimate of about 0.006 with 200 replications
 * of 48 months (0.004 with 400): 5 standard errors or more, so a wrong floor fails. */
static void test_groups(tc_ctx *t)
{
    mdl_model *m = tc_load_model(t, "two_by_two.ini", two_by_two);
    if (!m)
        return;
    const double bound = 0.135, load_of[2] = {10, 5};
    long floor_of[2];
    for (int d = 0; d < 2; d++) {
        long c = (long)load_of[d] + 1;
        while (tc_erlang_c((int)c, load_of[d]) > bound)
            c++;
        floor_of[d] = c;
    }
    pc_err err;
    capacity_share_result *r = NULL, *r2 = NULL;
    const size_t reps = t->quick ? 200 : 400;
    capacity_share_options opt = {.prefix = "iae_",
                                  .envelope = 26,
                                  .funder = "etat",
                                  .constraint = "share(wait.all > 0) <= 0.135",
                                  .sim = {.reps = reps, .seed = 7, .threads = 1}};
    int rc = capacity_share(m, &opt, &r, &err);
    CHECK(t, rc == 0 && r->n_groups == 2 && r->groups[0].n == 2 && r->groups[1].n == 2,
          "two départements of two types sharing a queue make two groups: %s", rc ? err.msg : "ok");
    if (rc == 0) {
        CHECK(t,
              r->lines[0].constraint_floor == floor_of[0] &&
                  r->lines[1].constraint_floor == floor_of[0] &&
                  r->lines[2].constraint_floor == floor_of[1] &&
                  r->lines[3].constraint_floor == floor_of[1],
              "each group's floor is Erlang C's: %ld, %ld places in a (exact %ld), %ld, %ld in b "
              "(exact %ld)",
              r->lines[0].constraint_floor, r->lines[1].constraint_floor, floor_of[0],
              r->lines[2].constraint_floor, r->lines[3].constraint_floor, floor_of[1]);
        CHECK(t,
              r->groups[0].constraint_after.value <= bound &&
                  r->groups[1].constraint_after.value <= bound &&
                  r->lines[0].allocated >= floor_of[0] && r->lines[2].allocated >= floor_of[1] &&
                  fabs(r->floors - 0.5 * 2 * (double)(floor_of[0] + floor_of[1])) < 1e-9,
              "the constraint holds in both groups after sharing 26 ETP (floors %.2f ETP): "
              "%.3f and %.3f",
              r->floors, r->groups[0].constraint_after.value, r->groups[1].constraint_after.value);
        double x = 0, y = 0;
        for (size_t i = 0; i < r->n; i++)
            *(strstr(r->lines[i].resource, "_x_") ? &x : &y) += (double)r->lines[i].allocated;
        CHECK(t,
              r->n_funders == 2 && fabs(r->funder_after[0] - 500 * x) < 1e-6 * 500 * x &&
                  fabs(r->funder_after[1] - 1250 * y) < 1e-6 * 1250 * y &&
                  r->funder_after_p05[0] <= r->funder_after[0] * (1 + 1e-9) &&
                  r->funder_after[0] <= r->funder_after_p95[0] * (1 + 1e-9),
              "each funder's cost after: %.0f (État, %g places of x) and %.0f EUR a year",
              r->funder_after[0], x, r->funder_after[1]);
    }
    opt.sim.threads = 2;
    rc = capacity_share(m, &opt, &r2, &err);
    int same = rc == 0 && r;
    for (size_t i = 0; same && i < r->n; i++)
        same = r2->lines[i].allocated == r->lines[i].allocated &&
               r2->lines[i].constraint_floor == r->lines[i].constraint_floor;
    CHECK(t,
          same && r2->groups[0].constraint_after.value == r->groups[0].constraint_after.value &&
              r2->funder_after_p95[1] == r->funder_after_p95[1],
          "groups: 1 and 2 threads give the same floors, allocation and statistics");
    double floors = r ? r->floors : 0;
    capacity_share_result_free(r);
    capacity_share_result_free(r2);
    r = NULL;
    /* Below the groups' floors: refused with what they cost. */
    char says[64];
    snprintf(says, sizeof says, "smaller than the floors: %.6g ETP", floors);
    opt.envelope = floors - 1;
    rc = capacity_share(m, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && !r && strstr(err.msg, says),
          "an envelope below the groups' floors is refused with their cost: %s", err.msg);
    /* The x places alone: their queues are also the y places', which the allocation would
     * not move, so a constraint on them has no group to hold it. */
    opt.prefix = "iae_x_";
    opt.envelope = 100;
    rc = capacity_share(m, &opt, &r, &err);
    CHECK(t,
          rc == PC_EINPUT && !r && strstr(err.msg, "cannot be formed") &&
              strstr(err.msg, "iae_y_a"),
          "a constraint whose groups cannot be formed is refused: %s", err.msg);
    mdl_free(m);
}

void suite_sizing(tc_ctx *t)
{
    test_confidence(t);
    test_share(t);
    test_groups(t);
    test_joint(t);
}
