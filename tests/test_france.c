/* test_france — the national model (models/france/, written by scripts/make_france.py) on its
 * reduced version models/france/test/: the Hautes-Alpes, the Drôme and the Rhône, written by the
 * same code as the 101 départements.
 *
 * Calibration.  Every observation that carries a tolerance (foyers at 31/12 2016-2018: 3 %,
 * allocation 2017-2018: 5 %) must hold for the mean over the replications.  The 31 December
 * counts are published exactly and the spending in k€ with decimals, so the data add no rounding
 * error (the monthly series, rounded to 10, carry no tolerance and are not checked).  The Monte
 * Carlo error of a mean: the initial stock is fixed, so a département's 31/12 stock spreads less
 * than its Poisson sd 1 / sqrt(S): 0.9, 1.3 and 1.5 % a replication in 2016, 2017 and 2018 for
 * the Hautes-Alpes' 2,800 foyers, 0.2-0.3 % for the Rhône's 46,000 (200 replications); the mean
 * of 16 has a se of 0.4 % at most, so 3 % is over 7 se from a model that meets its expectation.
 * The stocks are also held to that expectation: |error| <= 4 se + 0.5 %, where 0.5 % bounds the
 * closed-form (fluid) calibration's own error (at most 0.15 % with 200 replications).
 *
 * Independence.  Populations are drawn from their own random streams and share no resource, so
 * the three-département model and each département's own file, run with one seed, must give the
 * département bitwise identical series, and the shared cycle driver too.
 *
 * Aggregates.  The national count and ratio indicators are the sums of their départements' terms.
 * Paths are relative to the repository root. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mc.h"
#include "core/mdl.h"

#define DIR  "models/france/test/"
#define SEED 20161201u

static const char *const codes[] = {"d05", "d26", "d69"};

static mc_result *run(tc_ctx *t, const char *path, size_t reps, mdl_model **m)
{
    pc_err err;
    *m = NULL;
    if (mdl_load(path, m, &err)) {
        CHECK(t, 0, "%s loads (%s)", path, err.msg);
        return NULL;
    }
    mc_options opt = {.reps = reps, .seed = SEED, .threads = 2};
    mc_result *r = NULL;
    if (mc_run(*m, &opt, &r, &err)) {
        CHECK(t, 0, "%s runs (%s)", path, err.msg);
        mdl_free(*m);
        *m = NULL;
        return NULL;
    }
    return r;
}

/* sd across replications of an observation's value (its month, or its year as yearly.csv). */
static double obs_sd(const mc_result *r, const mdl_observation *o)
{
    long var = rec_find(r->catalog, o->variable);
    double years[16], s = 0, s2 = 0;
    int year_of[16];
    for (size_t rep = 0; rep < r->reps; rep++) {
        double v = NAN;
        if (o->month) {
            size_t k =
                (size_t)((o->year - r->model->start_year) * 12 + o->month - r->model->start_month);
            v = mc_series(r, rep, (size_t)var)[k];
        } else {
            size_t ny = mc_yearly(r, rep, (size_t)var, years, year_of);
            for (size_t y = 0; y < ny; y++)
                if (year_of[y] == o->year)
                    v = years[y];
        }
        s += v;
        s2 += v * v;
    }
    double n = (double)r->reps, mean = s / n;
    return sqrt(fmax(s2 / n - mean * mean, 0) * n / (n - 1));
}

static void test_calibration(tc_ctx *t)
{
    size_t reps = t->quick ? 4 : 16;
    mdl_model *m;
    mc_result *r = run(t, DIR "rsa3.ini", reps, &m);
    if (!r)
        return;
    mc_check *rows = NULL;
    pc_err err;
    if (mc_checks(r, &rows, &err)) {
        CHECK(t, 0, "observations checked (%s)", err.msg);
        mc_result_free(r);
        mdl_free(m);
        return;
    }
    int n_tol = 0, n_stock = 0, bad = 0, bad_se = 0;
    double worst = 0, worst_z = -INFINITY;
    const char *worst_at = "", *worst_z_at = "";
    for (size_t i = 0; i < m->n_observations; i++) {
        const mdl_observation *o = &m->observations[i];
        if (isnan(o->tolerance))
            continue;
        n_tol++;
        double e = fabs(rows[i].relative_error);
        if (rows[i].within != 1) {
            bad++;
            printf("     %s %d-%02d: observed %.0f, model %.0f (%+.2f %%, tolerance %.0f %%)\n",
                   o->variable, o->year, o->month, o->value, rows[i].mean,
                   100 * rows[i].relative_error, 100 * o->tolerance);
        }
        if (e > worst) {
            worst = e;
            worst_at = o->variable;
        }
        if (!strncmp(o->variable, "stock.", 6)) {
            n_stock++;
            double se = obs_sd(r, o) / sqrt((double)r->reps) / o->value;
            double z = (e - 0.005) / se;
            if (z > 4)
                bad_se++;
            if (z > worst_z) {
                worst_z = z;
                worst_z_at = o->variable;
            }
        }
    }
    CHECK(t, n_tol == 3 * 5 && bad == 0,
          "reduced model, %zu replications: the %d observations with a tolerance (31/12 foyers "
          "2016-2018 within 3 %%, allocation 2017-2018 within 5 %%) hold; worst %.2f %% (%s)",
          reps, n_tol, 100 * worst, worst_at);
    CHECK(t, n_stock == 9 && bad_se == 0,
          "the 9 stocks at 31/12 are within 4 se + 0.5 %% of the observed counts (worst (|error| "
          "- 0.5 %%) / se = %.2f, %s)",
          worst_z, worst_z_at);
    free(rows);

    /* national aggregates: sums of their départements' terms, month by month */
    long alloc = rec_find(r->catalog, "indicator.allocation_france");
    long num = rec_find(r->catalog, "indicator.sorties_emploi.num");
    long den = rec_find(r->catalog, "indicator.sorties_emploi.den");
    long foyers = rec_find(r->catalog, "indicator.foyers_france");
    int agg_ok = alloc >= 0 && num >= 0 && den >= 0 && foyers >= 0;
    for (size_t rep = 0; agg_ok && rep < r->reps; rep++)
        for (size_t k = 0; agg_ok && k < r->n_months; k++) {
            double a = 0, x = 0, y = 0, f = 0;
            char name[64];
            for (size_t c = 0; c < 3; c++) {
                snprintf(name, sizeof name, "cost.allocation_%s", codes[c]);
                a += mc_series(r, rep, (size_t)rec_find(r->catalog, name))[k];
                snprintf(name, sizeof name, "in.%s_exit_job", codes[c]);
                x += mc_series(r, rep, (size_t)rec_find(r->catalog, name))[k];
                snprintf(name, sizeof name, "exits.%s", codes[c]);
                y += mc_series(r, rep, (size_t)rec_find(r->catalog, name))[k];
                snprintf(name, sizeof name, "stock.%s", codes[c]);
                f += mc_series(r, rep, (size_t)rec_find(r->catalog, name))[k];
            }
            agg_ok = fabs(mc_series(r, rep, (size_t)alloc)[k] - a) <= 1e-9 * a &&
                     mc_series(r, rep, (size_t)num)[k] == x &&
                     mc_series(r, rep, (size_t)den)[k] == y &&
                     mc_series(r, rep, (size_t)foyers)[k] == f;
        }
    CHECK(t, agg_ok,
          "national indicators: allocation = sum of the départements' allocations, foyers, exits "
          "to a job and exits summed over départements, every month of every replication");
    mc_result_free(r);
    mdl_free(m);
}

/* Every variable of the single-département run that names the département (and the shared
 * cycle driver) has bitwise the same series in the three-département run. */
static void test_independence(tc_ctx *t)
{
    size_t reps = 2;
    mdl_model *m3;
    mc_result *r3 = run(t, DIR "rsa3.ini", reps, &m3);
    if (!r3)
        return;
    for (size_t c = 0; c < 3; c++) {
        char path[128];
        snprintf(path, sizeof path, DIR "%s.ini", codes[c]);
        mdl_model *m1;
        mc_result *r1 = run(t, path, reps, &m1);
        if (!r1)
            continue;
        size_t compared = 0, differ = 0;
        const char *first = NULL;
        for (size_t v = 0; v < r1->catalog->n; v++) {
            const char *name = r1->catalog->vars[v].name;
            if (!strstr(name, codes[c]) && strcmp(name, "driver.cycle") != 0)
                continue;
            long v3 = rec_find(r3->catalog, name);
            int same = v3 >= 0;
            for (size_t rep = 0; same && rep < reps; rep++)
                same = !memcmp(mc_series(r1, rep, v), mc_series(r3, rep, (size_t)v3),
                               r1->n_months * sizeof(double));
            compared++;
            if (!same && !differ++)
                first = name;
        }
        CHECK(t, compared >= 35 && differ == 0,
              "%s alone and within the three-département model, same seed: %zu series "
              "compared, %zu differ%s%s",
              codes[c], compared, differ, first ? ", first " : "", first ? first : "");
        mc_result_free(r1);
        mdl_free(m1);
    }
    mc_result_free(r3);
    mdl_free(m3);
}

void suite_france(tc_ctx *t)
{
    test_calibration(t);
    test_independence(t);
}
