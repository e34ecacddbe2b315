/* test_observed — [observations]: a model held to observed values, and bad tables.
 *
 * A model observed by its own simulated means (same seed and replications) must
 * find every observation in its band with a relative error of zero: this checks
 * that a month's value and a year's aggregate are read where the outputs put
 * them.  Bad tables are refused naming the file and line.  validation.csv, written
 * beside monthly.csv, reads back with the values mc_checks computed, and a ratio's
 * mean is the pooled ratio monthly.csv prints. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/cfg.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/out.h"

static const char model_text[] = "[model]\nname = o\nstart = 2020-01\nhorizon = 36\n"
                                 "[population p]\nentry = a\ninflow.rate = 50/m\n"
                                 "[state a]\non.x = hazard 0.05/m -> out\n"
                                 "[cost c]\nfunder = dep\nper = person-month\nstates = a\n"
                                 "amount = 400\n"
                                 "[indicator part]\nkind = ratio\nnumerator = exits.p\n"
                                 "denominator = stock.p\n"
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

/* validation.csv: one row per observation, read back with cfg_read_csv; its mean and
 * band are mc_checks' to the printed precision (ten significant digits), and a ratio's
 * mean is Σ numerator / Σ denominator over the replications (computed here from the
 * series), not the mean of the replications' ratios. */
static void test_validation_file(tc_ctx *t)
{
    tc_write(
        t, "obs2.csv",
        "variable,period,value,tolerance,source\nstock.p,2021-06,1000,5%,\"DREES, \"\"test\"\"\"\n"
        "indicator.part,2021,0.05,,\ncost.c,2022-03,400000,,\n");
    mdl_model *m;
    pc_err err;
    mc_result *r = run_with(t, "[observations]\nfile = table(obs2.csv)\n", &m, &err);
    CHECK(t, r != NULL, "a model with three observations runs (%s)", r ? "ok" : err.msg);
    if (!r)
        return;
    char dir[512], path[600];
    tc_path(t, "valid-run", dir, sizeof dir);
    out_info info = {.command = "parcours run observed.ini", .version = PARCOURS_VERSION};
    int rc = out_write_run(dir, r, &info, &err);
    CHECK(t, rc == 0, "the run folder is written (%s)", rc ? err.msg : "ok");
    mc_check *rows = NULL;
    cfg_table *tab = NULL;
    snprintf(path, sizeof path, "%s/validation.csv", dir);
    int ok = !rc && !mc_checks(r, &rows, &err) && !cfg_read_csv(path, &tab, &err) &&
             tab->n_rows == 4 && tab->rows[0].n == 14;
    for (size_t i = 0; ok && i < 3; i++) {
        char **f = tab->rows[i + 1].fields;
        double mean = strtod(f[5], NULL), p05 = strtod(f[6], NULL), p95 = strtod(f[8], NULL);
        ok = tab->rows[i + 1].n == 14 && !strcmp(f[1], m->observations[i].variable) &&
             fabs(mean - rows[i].mean) <= 1e-9 * fabs(rows[i].mean) &&
             fabs(p05 - rows[i].p05) <= 1e-9 * fabs(rows[i].p05) &&
             fabs(p95 - rows[i].p95) <= 1e-9 * fabs(rows[i].p95) &&
             !strcmp(f[10], rows[i].inside ? "yes" : "no") && strtoul(f[12], NULL, 10) == rows[i].n;
    }
    CHECK(t,
          ok && !strcmp(tab->rows[1].fields[2], "2021-06") &&
              !strcmp(tab->rows[2].fields[2], "2021") && !strcmp(tab->rows[1].fields[4], "0.05") &&
              !strcmp(tab->rows[2].fields[11], "NA") &&
              !strcmp(tab->rows[1].fields[13], "DREES, \"test\""),
          "validation.csv reads back: 3 observations with mc_checks' mean, band, n; period, "
          "tolerance (0.05 for 5%%), NA where no tolerance, the source with its comma and quotes");
    /* the ratio's pooled mean over 2021 */
    long vn = rec_find(r->catalog, "indicator.part.num"),
         vd = rec_find(r->catalog, "indicator.part.den");
    double num = 0, den = 0, mean_of_ratios = 0;
    for (size_t rep = 0; rep < r->reps; rep++) {
        double a = 0, b = 0;
        for (size_t k = 12; k < 24; k++) {
            a += mc_series(r, rep, (size_t)vn)[k];
            b += mc_series(r, rep, (size_t)vd)[k];
        }
        num += a;
        den += b;
        mean_of_ratios += a / b / (double)r->reps;
    }
    CHECK(t,
          rows && fabs(rows[1].mean - num / den) <= 1e-12 * num / den &&
              fabs(mean_of_ratios - num / den) > 1e-12 * num / den,
          "a ratio's mean in validation is the pooled %.8f (the mean of ratios would be %.8f)",
          num / den, mean_of_ratios);
    free(rows);
    cfg_table_free(tab);
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
    test_validation_file(t);
    test_bad_tables(t);
}
