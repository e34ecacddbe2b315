/* test_guards — the order of simultaneous events, exact duration thresholds, what
 * counts as an entry, and the guards that keep a run from hanging on any input.
 *
 * Every check here is deterministic: fixed durations make events coincide on
 * purpose, and the expected counts follow from the rules in eng.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mc.h"
#include "core/mdl.h"

static mdl_model *load(tc_ctx *t, const char *name, const char *text, pc_err *err, int *rc)
{
    mdl_model *m = NULL;
    *rc = mdl_load(tc_write(t, name, text), &m, err);
    return m;
}

static mc_result *run(tc_ctx *t, const char *name, const char *text, size_t reps, int threads,
                      mdl_model **m)
{
    pc_err err;
    int rc;
    *m = load(t, name, text, &err, &rc);
    if (rc) {
        CHECK(t, 0, "%s loads (%s)", name, err.msg);
        return NULL;
    }
    mc_options opt = {.reps = reps, .seed = 11, .threads = threads};
    mc_result *r = NULL;
    if ((rc = mc_run(*m, &opt, &r, &err))) {
        CHECK(t, 0, "%s runs (%s)", name, err.msg);
        mdl_free(*m);
        *m = NULL;
    }
    return r;
}

static double total(const mc_result *r, size_t rep, const char *var)
{
    long v = rec_find(r->catalog, var);
    return v < 0 ? NAN : mc_total(r, rep, (size_t)v);
}

/* Ten holders of a place leave at exactly 3 months while ten others ask for a place at
 * that instant: releases come first, so nobody queues, whichever population is written
 * first. */
static const char tie_text[] =
    "[model]\nname = tie\nstart = 2020-01\nhorizon = 6\n"
    "%s%s"
    "[state hold]\npopulation = holders\nresource = places\nqueue = holders_wait\n"
    "on.leave = after fixed(3m) -> out\n"
    "[state holders_wait]\npopulation = holders\n"
    "[state ask]\npopulation = askers\non.go = after fixed(3m) -> use\n"
    "[state use]\npopulation = askers\nresource = places\nqueue = askers_wait\n"
    "[state askers_wait]\npopulation = askers\n"
    "[resource places]\ncapacity = 10\n";

static void test_ties(tc_ctx *t)
{
    const char *holders = "[population holders]\nentry = hold\ninitial.count = 10\n";
    const char *askers = "[population askers]\nentry = ask\ninitial.count = 10\n";
    char a[2048], b[2048];
    snprintf(a, sizeof a, tie_text, holders, askers);
    snprintf(b, sizeof b, tie_text, askers, holders);
    mdl_model *ma, *mb;
    mc_result *ra = run(t, "tie-a.ini", a, 2, 1, &ma), *rb = run(t, "tie-b.ini", b, 2, 1, &mb);
    if (ra && rb) {
        double qa = total(ra, 0, "in.askers_wait"), qb = total(rb, 0, "in.askers_wait");
        double ua = total(ra, 0, "stock.use"), ub = total(rb, 0, "stock.use");
        CHECK(t, qa == 0 && qb == 0 && ua == 10 && ub == 10,
              "places freed at the instant others ask serve them at once, whatever the order "
              "of the sections (queued %g and %g, placed %g and %g; expected 0 and 10)",
              qa, qb, ua, ub);
    }
    mc_result_free(ra);
    mc_result_free(rb);
    mdl_free(ma);
    mdl_free(mb);
}

/* A queue whose patience is exactly 3 months, far from the start (large day counts):
 * nobody waited over 3 months. */
static void test_exact_threshold(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run(t, "three-months.ini",
                       "[model]\nname = q\nstart = 2020-01\nhorizon = 120\n"
                       "[population p]\nentry = ask\ninflow.rate = 40/m\n"
                       "[state ask]\nresource = none_free\nqueue = wait\n"
                       "on.done = after fixed(1m) -> out\n"
                       "[state wait]\non.give_up = after fixed(3m) -> out\n"
                       "[resource none_free]\ncapacity = 0\n",
                       2, 2, &m);
    if (r) {
        double waited = total(r, 0, "wait.wait.count"), over = total(r, 0, "wait.wait.over3m");
        CHECK(t, waited > 1000 && over == 0,
              "waits set to exactly 3 months are not over 3 months (%g of %g)", over, waited);
    }
    mc_result_free(r);
    mdl_free(m);
}

/* Initial persons are placed, not entered: no in.S at the start, no cost per entry. */
static void test_initial_not_entries(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run(t, "initial.ini",
                       "[model]\nname = i\nstart = 2020-01\nhorizon = 3\n"
                       "[population p]\nentry = a\ninitial.count = 500\n"
                       "[state a]\non.x = after fixed(10y) -> out\n"
                       "[cost diag]\nfunder = dep\nper = entry\nstates = a\namount = 100\n",
                       1, 1, &m);
    if (r) {
        double in = total(r, 0, "in.a"), cost = total(r, 0, "cost.diag");
        double stock = total(r, 0, "stock.a");
        CHECK(t, in == 0 && cost == 0 && stock == 500,
              "the initial stock counts in stock.a (%g) but not in in.a (%g) nor in a cost per "
              "entry (%g)",
              stock, in, cost);
    }
    mc_result_free(r);
    mdl_free(m);
}

/* A state of a population that no person-month cost counts, while a person-month cost counts
 * the population's other states, is a warning of `check` (money a scenario dropped without
 * saying so); a model whose costs cover every state has none. */
static void test_cost_warning(tc_ctx *t)
{
    static const char text[] = "[model]\nname = w\nstart = 2020-01\nhorizon = 3\n"
                               "[population p]\nentry = a\ninflow.rate = 5/m\n"
                               "[state a]\non.x = hazard 0.1/m -> b\n"
                               "[state b]\non.y = hazard 0.1/m -> out\n"
                               "[cost allocation]\nfunder = dep\nper = person-month\n"
                               "states = %s\namount = 500\n";
    char model[600];
    pc_err err;
    mdl_model *m = NULL;
    snprintf(model, sizeof model, text, "a");
    int rc = mdl_load(tc_write(t, "warn.ini", model), &m, &err);
    CHECK(t,
          rc == PC_OK && m->n_warnings == 1 && strstr(m->warnings[0], "state b") &&
              strstr(m->warnings[0], "[cost allocation] covers a"),
          "a state left out of the person-month cost is a warning naming it and what the cost "
          "covers (%s)",
          rc              ? err.msg
          : m->n_warnings ? m->warnings[0]
                          : "no warning");
    mdl_free(m);
    m = NULL;
    snprintf(model, sizeof model, text, "a, b");
    rc = mdl_load(tc_write(t, "warn2.ini", model), &m, &err);
    CHECK(t, rc == PC_OK && m->n_warnings == 0, "a cost covering every state: no warning (%zu)",
          m ? m->n_warnings : 0);
    mdl_free(m);
}

/* A warm-up runs the model as in force at the start: a transition changed at the start
 * date changes the stock the warm-up builds. */
static void test_warmup_uses_start_versions(tc_ctx *t)
{
    static const char base[] = "[model]\nname = w\nstart = 2020-01\nhorizon = 1\n"
                               "[population p]\nentry = a\ninflow.rate = 100/m\nwarmup = 2y\n"
                               "[state a]\non.x = after fixed(1m) -> out\n"
                               "%s";
    char plain[600], changed[600];
    snprintf(plain, sizeof plain, base, "");
    snprintf(changed, sizeof changed, base,
             "[set 2020-01]\nstate.a.on.x = after fixed(6m) -> out\n");
    mdl_model *m1, *m2;
    mc_result *r1 = run(t, "warm-1.ini", plain, 1, 1, &m1),
              *r2 = run(t, "warm-2.ini", changed, 1, 1, &m2);
    if (r1 && r2) {
        double s1 = mc_series(r1, 0, (size_t)rec_find(r1->catalog, "stock.a"))[0];
        double s2 = mc_series(r2, 0, (size_t)rec_find(r2->catalog, "stock.a"))[0];
        /* at the end of the first month: about 100 persons with a 1-month stay, about 600
         * with a 6-month stay built up during the warm-up (Poisson: sd 25) */
        CHECK(t, s1 < 200 && s2 > 450,
              "the warm-up uses the start's transitions (stock %g with 1 month, %g with 6)", s1,
              s2);
    }
    mc_result_free(r1);
    mc_result_free(r2);
    mdl_free(m1);
    mdl_free(m2);
}

static void expect_load_error(tc_ctx *t, const char *what, const char *text, const char *needle)
{
    pc_err err;
    int rc;
    mdl_model *m = load(t, "guard.ini", text, &err, &rc);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, needle), "check refuses %s (%s)", what,
          rc ? err.msg : "accepted");
    mdl_free(m);
}

static void test_hang_guards(tc_ctx *t)
{
    static const char head[] = "[model]\nname = g\nstart = 2020-01\nhorizon = 12\n"
                               "[population p]\nentry = a\n";
    char text[1024];
    snprintf(text, sizeof text,
             "%sinitial.count = 1\n[state a]\non.x = after fixed(0d) -> b\n"
             "[state b]\non.back = after fixed(0d) -> a\n",
             head);
    expect_load_error(t, "a cycle of transitions that take no time", text,
                      "guard.ini:11: on.back: a person would move forever without time passing: "
                      "a -> b -> ");
    snprintf(text, sizeof text,
             "%sinitial.count = 1\n[state a]\non.x = hazard 1e300/d -> b\n"
             "[state b]\non.back = hazard 1e300/d -> a\n",
             head);
    expect_load_error(t, "a hazard rate no engine can honour", text, "from 0 to 1000/d");
    snprintf(text, sizeof text, "%sinflow.rate = 1e308/y\n[state a]\non.x = hazard 0.1/m -> out\n",
             head);
    expect_load_error(t, "an absurd inflow", text, "an inflow from 0 to 10000000/m");
    snprintf(text, sizeof text,
             "%sinitial.count = 1\n[state a]\non.x = after fixed(1e308y) -> out\n", head);
    expect_load_error(t, "a duration that is infinite in days", text, "fixed: expected");
    snprintf(text, sizeof text,
             "%sinitial.count = 1\n[state a]\non.x = after lognormal(mean=1d, sd=1e308y) -> out\n",
             head);
    expect_load_error(t, "an infinite sd", text, "sd must be a duration");

    /* A cycle that only probably repeats (with P < 1) is found while running. */
    snprintf(text, sizeof text,
             "%sinitial.count = 200\n[state a]\non.x = with 0.9999 after fixed(0d) -> b\n"
             "[state b]\non.back = with 0.9999 after fixed(0d) -> a\n",
             head);
    pc_err err;
    int rc;
    mdl_model *m = load(t, "cycle.ini", text, &err, &rc);
    CHECK(t, rc == PC_OK, "a cycle that may stop is accepted by check (%s)", rc ? err.msg : "ok");
    if (!rc) {
        mc_options opt = {.reps = 1, .seed = 1, .threads = 1};
        mc_result *r = NULL;
        rc = mc_run(m, &opt, &r, &err);
        /* each person's run of moves is geometric with mean 5,000: among 200 persons, one
         * exceeds 10,000 with probability 1 - (1 - e^-2)^200, i.e. always */
        CHECK(t,
              rc == PC_EINPUT && strstr(err.msg, "without time passing") &&
                  strstr(err.msg, "population p"),
              "and stopped while running, naming the population and the states (%s)",
              rc ? err.msg : "no failure");
        mc_result_free(r);
    }
    mdl_free(m);
}

void suite_guards(tc_ctx *t)
{
    test_ties(t);
    test_exact_threshold(t);
    test_initial_not_entries(t);
    test_cost_warning(t);
    test_warmup_uses_start_versions(t);
    test_hang_guards(t);
}
