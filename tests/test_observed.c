/* test_observed — [observations]: a model held to observed values, and bad tables.
 *
 * A model observed by its own simulated means (same seed and replications) must
 * find every observation in its band with a relative error of zero: this checks
 * that a month's value and a year's aggregate are read where the outputs put
 * them.  Bad tables are refused naming the file and line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mc.h"
#include "core/mdl.h"

static const char model_text[] = "[model]\nname = o\nstart = 2020-01\nhorizon = 36\n"
                                 "[population p]\nentry = a\ninflow.rate = 50/m\n"
                                 "[state a]\non.x = hazard 0.05/m -> out\n"
                                 "[cost c]\nfunder = dep\nper = person-month\nstates = a\n"
                                 "amount = 400\n"
                                 "%s";

static mc_result *run_with(tc_ctx *t, const char *observations, mdl_model **m, pc_err *err)
{
    char text[1200];
    snprintf(text, sizeof text, model_text, observations);
    *m = NULL;
    int rc = mdl_load(tc_write(t, "observed.ini", text), m, err);
    if (rc)
        return NULL;
    mc_options opt = {.reps = 10, .seed = 4, .threads = 2};
    mc_result *r = NULL;
    if (mc_run(*m, &opt, &r, err)) {
        mdl_free(*m);
        *m = NULL;
        return NULL;
    }
    return r;
}

static void test_own_means(tc_ctx *t)
{
    mdl_model *m;
    pc_err err;
    mc_result *r = run_with(t, "", &m, &err);
    if (!r) {
        CHECK(t, 0, "the model runs (%s)", err.msg);
        return;
    }
    /* means of stock.p at 2021-06 and of cost.c over 2022, across the replications */
    double stock = 0, cost = 0, years[4];
    int year_of[4];
    long vs = rec_find(r->catalog, "stock.p"), vc = rec_find(r->catalog, "cost.c");
    for (size_t rep = 0; rep < r->reps; rep++) {
        stock += mc_series(r, rep, (size_t)vs)[17] / (double)r->reps;
        size_t ny = mc_yearly(r, rep, (size_t)vc, years, year_of);
        for (size_t y = 0; y < ny; y++)
            if (year_of[y] == 2022)
                cost += years[y] / (double)r->reps;
    }
    mc_result_free(r);
    mdl_free(m);
    char table[300];
    snprintf(table, sizeof table,
             "variable,period,value,tolerance,source\nstock.p,2021-06,%.17g,2%%,test\n"
             "cost.c,2022,%.17g,,test\n",
             stock, cost);
    tc_write(t, "own.csv", table);
    r = run_with(t, "[observations]\nfile = table(own.csv)\n", &m, &err);
    CHECK(t, r != NULL, "a model with observations runs (%s)", r ? "ok" : err.msg);
    if (!r)
        return;
    mc_check *rows = NULL;
    int rc = mc_checks(r, &rows, &err);
    int ok = !rc && m->n_observations == 2;
    for (size_t i = 0; ok && i < 2; i++)
        ok = rows[i].inside && fabs(rows[i].relative_error) < 1e-12 && rows[i].n == r->reps;
    CHECK(t, ok && rows[0].within == 1 && rows[1].within == -1,
          "observed by its own means: every observation inside its band, relative errors 0 "
          "(%.2g, %.2g), tolerance met where stated",
          rows ? rows[0].relative_error : NAN, rows ? rows[1].relative_error : NAN);
    free(rows);
    mc_result_free(r);
    mdl_free(m);
}

static void expect_error(tc_ctx *t, const char *what, const char *table, const char *needle)
{
    tc_write(t, "bad-obs.csv", table);
    mdl_model *m;
    pc_err err;
    mc_result *r = run_with(t, "[observations]\nfile = table(bad-obs.csv)\n", &m, &err);
    CHECK(t, !r && strstr(err.msg, needle), "refused: %s (%s)", what, r ? "accepted" : err.msg);
    mc_result_free(r);
    mdl_free(m);
}

static void test_bad_tables(tc_ctx *t)
{
    expect_error(t, "a bad date", "variable,period,value\nstock.p,2021-13,100\n",
                 "bad-obs.csv:2: period: expected YYYY-MM or YYYY");
    expect_error(t, "an unknown variable", "variable,period,value\nstock.q,2021-06,100\n",
                 "bad-obs.csv:2: variable: no output variable stock.q");
    expect_error(t, "a negative count", "variable,period,value\nstock.p,2021-06,-5\n",
                 "bad-obs.csv:2: value: expected a number >= 0");
    expect_error(t, "a period outside the horizon", "variable,period,value\nstock.p,2019,100\n",
                 "bad-obs.csv:2: period 2019 is not within the horizon");
    expect_error(t, "a bad header", "name,month,value\nstock.p,2021-06,100\n",
                 "header must be variable,period,value");
    expect_error(t, "a tolerance without %", "variable,period,value,tolerance\nstock.p,2021,1,2\n",
                 "tolerance: expected a percentage");
}

void suite_observed(tc_ctx *t)
{
    test_own_means(t);
    test_bad_tables(t);
}
