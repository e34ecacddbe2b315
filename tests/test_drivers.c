/* test_drivers — persistent random drivers against their closed forms.
 *
 * Across R independent replications, a statistic of the driver at fixed months
 * is a sample of R draws: a mean has standard error sd / sqrt(R), a variance
 * about v sqrt(2 / R), a correlation about (1 - rho^2) / sqrt(R).  Each check
 * allows 4 of those (a correct driver fails with probability ~1e-4); the wrong
 * models the checks guard against (a monthly persistence taken as yearly, an
 * innovation sd not rescaled to the month, a missing driver on the inflow) move
 * the statistic by 10 to 100 standard errors at these sample sizes. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mc.h"
#include "core/mdl.h"

static mc_result *run(tc_ctx *t, const char *name, const char *text, size_t reps, int threads,
                      uint32_t seed, mdl_model **m)
{
    pc_err err;
    *m = NULL;
    if (mdl_load(tc_write(t, name, text), m, &err)) {
        CHECK(t, 0, "%s loads (%s)", name, err.msg);
        return NULL;
    }
    mc_options opt = {.reps = reps, .seed = seed, .threads = threads};
    mc_result *r = NULL;
    if (mc_run(*m, &opt, &r, &err)) {
        CHECK(t, 0, "%s runs (%s)", name, err.msg);
        mdl_free(*m);
        *m = NULL;
    }
    return r;
}

/* log of driver d at month k in every replication */
static void log_driver(const mc_result *r, const char *var, size_t k, double *out)
{
    long v = rec_find(r->catalog, var);
    for (size_t rep = 0; rep < r->reps; rep++)
        out[rep] = log(mc_series(r, rep, (size_t)v)[k]);
}

static double mean_of(const double *x, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    return s / (double)n;
}

static double cov_of(const double *x, const double *y, size_t n)
{
    double mx = mean_of(x, n), my = mean_of(y, n), s = 0;
    for (size_t i = 0; i < n; i++)
        s += (x[i] - mx) * (y[i] - my);
    return s / (double)(n - 1);
}

static void test_ar1_moments(tc_ctx *t)
{
    const double sigma = 0.1, phi = 0.6;
    const size_t reps = t->quick ? 800 : 3000;
    mdl_model *m;
    char text[800];
    snprintf(text, sizeof text,
             "[model]\nname = d\nstart = 2020-01\nhorizon = 26\n"
             "[driver cycle]\nprocess = log-ar1\nsd = %g\npersistence = %g\nstart = stationary\n"
             "[population p]\nentry = a\n[state a]\n",
             sigma, phi);
    mc_result *r = run(t, "ar1.ini", text, reps, 2, 5, &m);
    if (!r)
        return;
    double *x0 = malloc(reps * sizeof *x0), *x1 = malloc(reps * sizeof *x1),
           *x12 = malloc(reps * sizeof *x12), *x24 = malloc(reps * sizeof *x24);
    log_driver(r, "driver.cycle", 0, x0);
    log_driver(r, "driver.cycle", 1, x1);
    log_driver(r, "driver.cycle", 12, x12);
    log_driver(r, "driver.cycle", 24, x24);
    double v = sigma * sigma / (1 - phi * phi), a = pow(phi, 1.0 / 12), n = (double)reps;
    double mean = mean_of(x24, reps), var = cov_of(x24, x24, reps);
    CHECK(t, fabs(mean) < 4 * sqrt(v / n), "log-AR(1): stationary mean 0 (%.4f, 4 SE %.4f)", mean,
          4 * sqrt(v / n));
    CHECK(t, fabs(var - v) < 4 * v * sqrt(2 / n),
          "log-AR(1): stationary variance sigma^2 / (1 - phi^2) = %.5f (%.5f, 4 SE %.5f)", v, var,
          4 * v * sqrt(2 / n));
    double r1 = cov_of(x0, x1, reps) / sqrt(cov_of(x0, x0, reps) * cov_of(x1, x1, reps));
    double r12 = cov_of(x12, x24, reps) / sqrt(cov_of(x12, x12, reps) * var);
    CHECK(t, fabs(r1 - a) < 4 * (1 - a * a) / sqrt(n) + 0.002,
          "log-AR(1): month-to-month autocorrelation phi^(1/12) = %.4f (%.4f)", a, r1);
    CHECK(t, fabs(r12 - phi) < 4 * (1 - phi * phi) / sqrt(n),
          "log-AR(1): year-to-year autocorrelation phi = %.2f (%.4f, 4 SE %.4f)", phi, r12,
          4 * (1 - phi * phi) / sqrt(n));
    free(x0);
    free(x1);
    free(x12);
    free(x24);
    mc_result_free(r);
    mdl_free(m);
}

static void test_random_walk(tc_ctx *t)
{
    const double sigma = 0.08, drift = 0.03;
    const size_t reps = t->quick ? 800 : 3000;
    mdl_model *m;
    char text[800];
    snprintf(text, sizeof text,
             "[model]\nname = w\nstart = 2020-01\nhorizon = 25\n"
             "[driver trend]\nprocess = random-walk\nsd = %g\ndrift = %g\nfrom = 2020-07\n"
             "[population p]\nentry = a\n[state a]\n",
             sigma, drift);
    mc_result *r = run(t, "walk.ini", text, reps, 2, 6, &m);
    if (!r)
        return;
    double *a = malloc(reps * sizeof *a), *b = malloc(reps * sizeof *b),
           *d = malloc(reps * sizeof *d);
    log_driver(r, "driver.trend", 3, a);
    int flat = 1;
    for (size_t i = 0; i < reps; i++)
        flat &= a[i] == 0;
    CHECK(t, flat, "random walk: the multiplier is 1 before its 'from' month");
    log_driver(r, "driver.trend", 6, a);
    log_driver(r, "driver.trend", 18, b);
    for (size_t i = 0; i < reps; i++)
        d[i] = b[i] - a[i];
    double n = (double)reps, mean = mean_of(d, reps), var = cov_of(d, d, reps);
    CHECK(t, fabs(mean - drift) < 4 * sigma / sqrt(n),
          "random walk: a year's change has mean drift = %.3f (%.4f)", drift, mean);
    CHECK(t, fabs(var - sigma * sigma) < 4 * sigma * sigma * sqrt(2 / n),
          "random walk: a year's change has variance sd^2 = %.5f (%.5f)", sigma * sigma, var);
    free(a);
    free(b);
    free(d);
    mc_result_free(r);
    mdl_free(m);
}

/* Yearly entries of a Poisson inflow lambda D(k) a month: Var N = E L + Var L with
 * L = lambda sum_k D(k), D lognormal: E D = e^(v/2), Cov(D_i, D_j) = e^v (e^(v a^|i-j|) - 1). */
/* A random walk with sd 0 and an uncertain drift normal(mean=0.03, sd=0.02, min=-1, max=1):
 * the year's change of x is the drawn drift, mean 0.03 and variance 0.02^2 (the truncation
 * at +-1 removes nothing measurable); 4 SE each (mean: 0.02 / sqrt(R); variance: v sqrt(2/R)).
 * A drift left fixed would give no variance.  A second driver whose `from` lies after the
 * horizon stays at 1 in every month; a third, whose `from` lies before the start, starts at
 * the start (a known path: drift 0.12, sd 0). */
static void test_uncertain_drift(tc_ctx *t)
{
    const size_t reps = t->quick ? 800 : 3000;
    mdl_model *m;
    const char *text = "[model]\nname = w\nstart = 2020-01\nhorizon = 13\n"
                       "[driver trend]\nprocess = random-walk\nsd = 0\n"
                       "drift = uncertain normal(mean=0.03, sd=0.02, min=-1, max=1)\n"
                       "[driver later]\nprocess = log-ar1\nsd = 0.1\npersistence = 0.5\n"
                       "from = 2021-06\n"
                       "[driver early]\nprocess = random-walk\nsd = 0\ndrift = 0.12\n"
                       "from = 2019-06\n"
                       "[population p]\nentry = a\ninflow.rate = 1/m\ninflow.drivers = later\n"
                       "[state a]\n";
    mc_result *r = run(t, "drift.ini", text, reps, 2, 6, &m);
    if (!r)
        return;
    double *a = malloc(reps * sizeof *a), *b = malloc(reps * sizeof *b),
           *d = malloc(reps * sizeof *d);
    log_driver(r, "driver.trend", 0, a);
    log_driver(r, "driver.trend", 12, b);
    for (size_t i = 0; i < reps; i++)
        d[i] = b[i] - a[i];
    double n = (double)reps, mean = mean_of(d, reps), var = cov_of(d, d, reps);
    CHECK(t,
          fabs(mean - 0.03) < 4 * 0.02 / sqrt(n) && fabs(var - 0.0004) < 4 * 0.0004 * sqrt(2 / n),
          "random walk of uncertain drift: a year's change has mean 0.03 (%.4f) and variance "
          "0.0004 (%.5f)",
          mean, var);
    int flat = 1;
    for (size_t k = 0; k < 13; k++) {
        log_driver(r, "driver.later", k, a);
        for (size_t i = 0; i < reps; i++)
            flat &= a[i] == 0;
    }
    CHECK(t, flat, "a driver whose 'from' lies after the horizon stays at 1");
    /* from before the start: it starts at the model's start, at its start value (0) */
    log_driver(r, "driver.early", 0, a);
    log_driver(r, "driver.early", 12, b);
    CHECK(t, fabs(a[0]) < 1e-12 && fabs(b[0] - 0.12) < 1e-9,
          "a driver whose 'from' lies before the start moves from the start: log %.3g at the "
          "start, %.4f a year later (drift 0.12)",
          a[0], b[0]);
    free(a);
    free(b);
    free(d);
    mc_result_free(r);
    mdl_free(m);
}

static void test_modulated_inflow(tc_ctx *t)
{
    const double sigma = 0.15, phi = 0.5, lambda = 200;
    const size_t reps = t->quick ? 800 : 3000;
    mdl_model *m;
    char text[900];
    snprintf(text, sizeof text,
             "[model]\nname = i\nstart = 2020-01\nhorizon = 12\n"
             "[driver cycle]\nprocess = log-ar1\nsd = %g\npersistence = %g\nstart = stationary\n"
             "[population p]\nentry = a\ninflow.rate = %g/m\ninflow.drivers = cycle\n"
             "[state a]\n",
             sigma, phi, lambda);
    mc_result *r = run(t, "inflow.ini", text, reps, 2, 7, &m);
    if (!r)
        return;
    double v = sigma * sigma / (1 - phi * phi), a = pow(phi, 1.0 / 12);
    double mean_l = 12 * lambda * exp(v / 2), var_l = 0;
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 12; j++)
            var_l += lambda * lambda * exp(v) * (exp(v * pow(a, abs(i - j))) - 1);
    double want = mean_l + var_l;
    long e = rec_find(r->catalog, "arrivals.p");
    double *n_year = malloc(reps * sizeof *n_year);
    for (size_t rep = 0; rep < reps; rep++)
        n_year[rep] = mc_total(r, rep, (size_t)e);
    double got = cov_of(n_year, n_year, reps);
    /* the sample variance of a lognormal-like total: its SE is about want sqrt(2 / R) times
     * a kurtosis factor under 1.5 here; 4 such SE */
    double tol = 4 * 1.5 * want * sqrt(2.0 / (double)reps);
    CHECK(t, fabs(got - want) < tol && var_l > 10 * mean_l,
          "a Poisson inflow times a log-AR(1): variance of yearly entries %.0f against %.0f "
          "(Poisson alone: %.0f; tolerance %.0f)",
          got, want, mean_l, tol);
    free(n_year);
    mc_result_free(r);
    mdl_free(m);
}

/* Hazards multiplied by a driver that doubles from month 12 (sd 0: a known path):
 * survivors at month 24 of a cohort present at the start. */
static void test_modulated_hazards(tc_ctx *t)
{
    mdl_model *m;
    mc_result *r = run(t, "hazards.ini",
                       "[model]\nname = h\nstart = 2020-01\nhorizon = 25\n"
                       "[driver step]\nprocess = random-walk\nsd = 0\nstart = 0.69314718055994531\n"
                       "from = 2021-01\n"
                       "[population p]\nentry = a\ninitial.count = 20000\n"
                       "initial.state = a:0.5, b:0.5\n"
                       "[state a]\non.x = hazard 0.05/m * step -> out\n"
                       "[state b]\non.x = hazard piecewise(state; 0m:0.1, 6m:0.05)/m * step -> "
                       "out\n",
                       2, 2, 8, &m);
    if (!r)
        return;
    const double *a = mc_series(r, 0, (size_t)rec_find(r->catalog, "stock.a"));
    const double *b = mc_series(r, 0, (size_t)rec_find(r->catalog, "stock.b"));
    double pa = exp(-(0.05 * 12 + 0.1 * 12)), pb = exp(-(0.6 + 0.3 + 1.2));
    double n = 10000, sa = sqrt(n * pa * (1 - pa)), sb = sqrt(n * pb * (1 - pb));
    /* stock at the end of month index 23 = 24 months in; initial shares are drawn (binomial:
     * sd 50 around 10,000), so the tolerance adds that spread */
    double ta = 4 * sqrt(sa * sa + pa * pa * 2500), tb = 4 * sqrt(sb * sb + pb * pb * 2500);
    CHECK(t, fabs(a[23] - n * pa) < ta,
          "a constant hazard doubled from month 12: %g survivors at 24 months against %.0f", a[23],
          n * pa);
    CHECK(t, fabs(b[23] - n * pb) < tb,
          "a piecewise hazard doubled from month 12: %g survivors at 24 months against %.0f", b[23],
          n * pb);
    mc_result_free(r);
    mdl_free(m);
}

static const char crn_text[] =
    "[model]\nname = c\nstart = 2020-01\nhorizon = 60\n"
    "[driver cycle]\nprocess = log-ar1\nsd = 0.15\npersistence = 0.8\nstart = stationary\n"
    "[population p]\nentry = a\ninflow.rate = 300/m\ninflow.drivers = cycle\n"
    "[state a]\non.x = hazard %s/m * cycle^-1 -> out\n";

/* Two scenarios that share the driver: their paired difference varies far less than the
 * difference of independent runs; and threads change nothing. */
static void test_crn_and_threads(tc_ctx *t)
{
    char base[800], alt[800];
    snprintf(base, sizeof base, crn_text, "0.05");
    snprintf(alt, sizeof alt, crn_text, "0.06");
    size_t reps = t->quick ? 20 : 60;
    mdl_model *mb, *ma, *mi, *m1;
    mc_result *rb = run(t, "crn-base.ini", base, reps, 2, 9, &mb);
    mc_result *ra = run(t, "crn-alt.ini", alt, reps, 2, 9, &ma);
    mc_result *ri = run(t, "crn-alt.ini", alt, reps, 2, 10, &mi);
    mc_result *r1 = run(t, "crn-base.ini", base, reps, 1, 9, &m1);
    if (rb && ra && ri && r1) {
        long v = rec_find(rb->catalog, "stock.p");
        double *paired = malloc(reps * sizeof *paired), *indep = malloc(reps * sizeof *indep);
        for (size_t rep = 0; rep < reps; rep++) {
            paired[rep] = mc_total(ra, rep, (size_t)v) - mc_total(rb, rep, (size_t)v);
            indep[rep] = mc_total(ri, rep, (size_t)v) - mc_total(rb, rep, (size_t)v);
        }
        double vr = cov_of(indep, indep, reps) / cov_of(paired, paired, reps);
        CHECK(t, vr > 20,
              "common random numbers with a shared driver: variance of the paired difference "
              "%.0f times smaller than of independent runs",
              vr);
        size_t cells = rb->reps * rb->n_vars * rb->n_months;
        CHECK(t, !memcmp(rb->values, r1->values, cells * sizeof(double)),
              "1 and 2 threads give identical series with drivers");
        free(paired);
        free(indep);
    }
    mc_result_free(rb);
    mc_result_free(ra);
    mc_result_free(ri);
    mc_result_free(r1);
    mdl_free(mb);
    mdl_free(ma);
    mdl_free(mi);
    mdl_free(m1);
}

/* The variance cut of common random numbers "as today" (the same two scenarios without
 * the driver) against the cut with a shared driver: the paired difference keeps its small
 * variance (the driver is the same path in both scenarios), so the cut is at least of the
 * same order.  A driver drawn from its own stream per scenario (not shared) would add its
 * variance to the paired difference and cut the ratio by 10 or more at these settings;
 * the check allows a factor 3, well above the sampling noise of two variance ratios over
 * 60 replications (about 30 % each).  Also: 1 and 2 threads give the same series when the
 * driver's sd is an uncertain parameter drawn per replication. */
static void test_crn_same_order(tc_ctx *t)
{
    static const char plain_text[] = "[model]\nname = c\nstart = 2020-01\nhorizon = 60\n"
                                     "[population p]\nentry = a\ninflow.rate = 300/m\n"
                                     "[state a]\non.x = hazard %s/m -> out\n";
    char base[800], alt[800], base_d[800], alt_d[800];
    snprintf(base, sizeof base, plain_text, "0.05");
    snprintf(alt, sizeof alt, plain_text, "0.06");
    snprintf(base_d, sizeof base_d, crn_text, "0.05");
    snprintf(alt_d, sizeof alt_d, crn_text, "0.06");
    size_t reps = t->quick ? 30 : 60;
    const char *texts[2][2] = {{base, alt}, {base_d, alt_d}};
    double ratio[2] = {0, 0};
    for (int d = 0; d < 2; d++) {
        mdl_model *mb, *ma, *mi;
        mc_result *rb = run(t, "same-base.ini", texts[d][0], reps, 2, 9, &mb);
        mc_result *ra = run(t, "same-alt.ini", texts[d][1], reps, 2, 9, &ma);
        mc_result *ri = run(t, "same-alt.ini", texts[d][1], reps, 2, 10, &mi);
        if (rb && ra && ri) {
            long v = rec_find(rb->catalog, "stock.p");
            double *paired = malloc(reps * sizeof *paired), *indep = malloc(reps * sizeof *indep);
            for (size_t rep = 0; rep < reps; rep++) {
                paired[rep] = mc_total(ra, rep, (size_t)v) - mc_total(rb, rep, (size_t)v);
                indep[rep] = mc_total(ri, rep, (size_t)v) - mc_total(rb, rep, (size_t)v);
            }
            ratio[d] = cov_of(indep, indep, reps) / cov_of(paired, paired, reps);
            free(paired);
            free(indep);
        }
        mc_result_free(rb);
        mc_result_free(ra);
        mc_result_free(ri);
        mdl_free(mb);
        mdl_free(ma);
        mdl_free(mi);
    }
    CHECK(t, ratio[0] > 5 && ratio[1] > ratio[0] / 3,
          "common random numbers cut the variance of a paired difference %.0f times with a "
          "shared driver, %.0f times without a driver",
          ratio[1], ratio[0]);
    static const char uncertain[] =
        "[model]\nname = u\nstart = 2020-01\nhorizon = 36\n"
        "[driver cycle]\nprocess = log-ar1\nsd = uncertain triangular(min=0.05, mode=0.1, "
        "max=0.2)\npersistence = uncertain uniform(min=0.2, max=0.9)\nstart = stationary\n"
        "[population p]\nentry = a\ninflow.rate = 100/m\ninflow.drivers = cycle\n"
        "[state a]\non.x = hazard 0.05/m * cycle^-0.5 -> out\n";
    mdl_model *m1, *m2;
    mc_result *r1 = run(t, "uncertain.ini", uncertain, 20, 1, 4, &m1);
    mc_result *r2 = run(t, "uncertain.ini", uncertain, 20, 2, 4, &m2);
    if (r1 && r2)
        CHECK(
            t,
            !memcmp(r1->values, r2->values,
                    r1->reps * r1->n_vars * r1->n_months * sizeof(double)) &&
                !memcmp(r1->param_values, r2->param_values,
                        r1->reps * r1->n_params * sizeof(double)),
            "1 and 2 threads give identical series with a driver of uncertain sd and persistence");
    mc_result_free(r1);
    mc_result_free(r2);
    mdl_free(m1);
    mdl_free(m2);
}

/* A driver's sd drawn from sd-inv-chi2(sd=s, df=n): sigma^2 = n s^2 / X, X ~ chi-square(n),
 * so E sigma^2 = n s^2 / (n - 2) and Var sigma^2 = 2 n^2 s^4 / ((n - 2)^2 (n - 4)).  With
 * n = 12 the draws of sigma^2 (an inverse gamma of shape 6) have a kurtosis of 22: the sample
 * mean has SE sd / sqrt(R), the sample variance about Var sqrt(21 / R); 4 of each.  Taking
 * sigma^2 as s^2 X / n (the law the wrong way round) moves the mean by 17 %, 60 SE; a draw
 * that ignores df (sigma = s) has no variance at all.  Also the truncated normal of a
 * persistence, normal(mean=0.8, sd=0.3, min=0, max=1): the mean of its draws against
 * mu + sd (phi(a) - phi(b)) / (Phi(b) - Phi(a)), none outside [0, 1). */
static void test_sd_law(tc_ctx *t)
{
    const double s = 0.1, df = 12;
    const size_t reps = t->quick ? 20000 : 100000;
    mdl_model *m = NULL;
    pc_err err;
    const char *text = "[model]\nname = l\nstart = 2020-01\nhorizon = 1\n"
                       "[parameter s]\nvalue = uncertain sd-inv-chi2(sd=0.1, df=12)\n"
                       "[parameter phi]\nvalue = uncertain normal(mean=0.8, sd=0.3, min=0, max=1)\n"
                       "[driver d]\nprocess = log-ar1\nsd = $s\npersistence = $phi\n"
                       "[population p]\nentry = a\ninflow.rate = 1/m\ninflow.drivers = d\n"
                       "[state a]\n";
    if (mdl_load(tc_write(t, "sdlaw.ini", text), &m, &err)) {
        CHECK(t, 0, "sdlaw.ini loads (%s)", err.msg);
        return;
    }
    double *v = malloc(m->n_params * sizeof *v), *s2 = malloc(reps * sizeof *s2);
    double *ph = malloc(reps * sizeof *ph);
    size_t is = m->params[0].name[0] == 's' ? 0 : 1, ip = 1 - is;
    int inside = 1;
    for (size_t rep = 0; rep < reps; rep++) {
        mc_draw_params(m, 3, rep, v);
        s2[rep] = v[is] * v[is];
        ph[rep] = v[ip];
        inside &= ph[rep] >= 0 && ph[rep] < 1;
    }
    double want_mean = df * s * s / (df - 2);
    double want_var = 2 * df * df * pow(s, 4) / ((df - 2) * (df - 2) * (df - 4));
    double got_mean = mean_of(s2, reps), got_var = cov_of(s2, s2, reps);
    double se_mean = sqrt(want_var / (double)reps), se_var = want_var * sqrt(21.0 / (double)reps);
    CHECK(t, fabs(got_mean - want_mean) < 4 * se_mean,
          "sd-inv-chi2(sd=0.1, df=12): mean of the drawn sd^2 %.6f against %.6f (SE %.1e)",
          got_mean, want_mean, se_mean);
    CHECK(t, fabs(got_var - want_var) < 4 * se_var,
          "sd-inv-chi2(sd=0.1, df=12): variance of the drawn sd^2 %.3e against %.3e (SE %.1e)",
          got_var, want_var, se_var);
    double a = (0 - 0.8) / 0.3, b = (1 - 0.8) / 0.3;
    double mass = gsl_cdf_ugaussian_P(b) - gsl_cdf_ugaussian_P(a);
    double pdf_a = exp(-a * a / 2) / sqrt(2 * M_PI), pdf_b = exp(-b * b / 2) / sqrt(2 * M_PI);
    double want_phi = 0.8 + 0.3 * (pdf_a - pdf_b) / mass;
    /* the truncated law's sd is under 0.3: SE under 0.3 / sqrt(R) */
    double got_phi = mean_of(ph, reps), se_phi = 0.3 / sqrt((double)reps);
    CHECK(t, inside && fabs(got_phi - want_phi) < 4 * se_phi,
          "normal(mean=0.8, sd=0.3, min=0, max=1): every draw in [0, 1), mean %.4f against "
          "%.4f (SE %.1e)",
          got_phi, want_phi, se_phi);
    CHECK(t, fabs(m->params[ip].mean - want_phi) < 1e-9,
          "the truncated normal's mean (the value without a draw) is %.6f", m->params[ip].mean);
    free(v);
    free(s2);
    free(ph);
    mdl_free(m);
}

/* Yearly entries of a Poisson inflow times a log-AR(1) whose sd is drawn per replication
 * from sd-inv-chi2(sd=0.15, df=6, max=0.5): given sigma, Var N = E L + Var L as in
 * test_modulated_inflow; over sigma, Var N = E[m(sigma) + w(sigma)] + Var m(sigma), with m
 * and w the conditional mean and variance of L.  The expectations over sigma are taken by
 * the midpoint rule on 20,000 quantiles of the law (the quantile written here from GSL's
 * chi-square, not the model's code).  Tolerance as in test_modulated_inflow with a kurtosis
 * factor of 2.5 for the mixture.  The variance must also exceed, by more than that
 * tolerance, the variance with sigma fixed at 0.15: the law must widen the band. */
static double entries_mean(double sigma, double phi, double lambda, double *var_l)
{
    double v = sigma * sigma / (1 - phi * phi), a = pow(phi, 1.0 / 12);
    *var_l = 0;
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 12; j++)
            *var_l += lambda * lambda * exp(v) * (exp(v * pow(a, abs(i - j))) - 1);
    return 12 * lambda * exp(v / 2);
}

static void test_uncertain_sd_inflow(tc_ctx *t)
{
    const double sd = 0.15, df = 6, max = 0.5, phi = 0.5, lambda = 200;
    const size_t reps = t->quick ? 1000 : 4000;
    mdl_model *m;
    char text[900];
    snprintf(text, sizeof text,
             "[model]\nname = i\nstart = 2020-01\nhorizon = 12\n"
             "[driver cycle]\nprocess = log-ar1\n"
             "sd = uncertain sd-inv-chi2(sd=%g, df=%g, max=%g)\npersistence = %g\n"
             "start = stationary\n"
             "[population p]\nentry = a\ninflow.rate = %g/m\ninflow.drivers = cycle\n"
             "[state a]\n",
             sd, df, max, phi, lambda);
    mc_result *r = run(t, "inflow-sd.ini", text, reps, 2, 7, &m);
    if (!r)
        return;
    const int k = 20000;
    double below = gsl_cdf_chisq_Q(df * sd * sd / (max * max), df);
    double e_m = 0, e_m2 = 0, e_w = 0, w;
    for (int i = 0; i < k; i++) {
        double x = gsl_cdf_chisq_Qinv((i + 0.5) / k * below, df);
        double mean = entries_mean(sd * sqrt(df / x), phi, lambda, &w);
        e_m += mean / k;
        e_m2 += mean * mean / k;
        e_w += w / k;
    }
    double want = e_m + e_w + (e_m2 - e_m * e_m);
    double fixed = entries_mean(sd, phi, lambda, &w);
    fixed += w;
    long e = rec_find(r->catalog, "arrivals.p");
    double *n_year = malloc(reps * sizeof *n_year);
    for (size_t rep = 0; rep < reps; rep++)
        n_year[rep] = mc_total(r, rep, (size_t)e);
    double got = cov_of(n_year, n_year, reps);
    double tol = 4 * 2.5 * want * sqrt(2.0 / (double)reps);
    /* that the test tells the mixture from a fixed sd (want - fixed > tol) needs the 4,000
     * replications of the full mode: quick mode (sanitizer builds) checks the value only */
    CHECK(t, fabs(got - want) < tol && (t->quick || want - fixed > tol),
          "a Poisson inflow times a log-AR(1) of uncertain sd: variance of yearly entries %.0f "
          "against the mixture's %.0f (sd fixed at %g: %.0f; tolerance %.0f)",
          got, want, sd, fixed, tol);
    free(n_year);
    mc_result_free(r);
    mdl_free(m);
}

static void expect_error(tc_ctx *t, const char *what, const char *driver, const char *rate,
                         const char *needle)
{
    char text[900];
    snprintf(text, sizeof text,
             "[model]\nname = e\nstart = 2020-01\nhorizon = 12\n%s"
             "[population p]\nentry = a\ninflow.rate = 10/m\n[state a]\non.x = %s -> out\n",
             driver, rate);
    mdl_model *m = NULL;
    pc_err err;
    int rc = mdl_load(tc_write(t, "bad-driver.ini", text), &m, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, needle), "refused: %s (%s)", what,
          rc ? err.msg : "accepted");
    mdl_free(m);
}

static void test_bad_input(tc_ctx *t)
{
    expect_error(t, "a negative sd",
                 "[driver d]\nprocess = log-ar1\nsd = -0.1\npersistence = 0.5\n", "hazard 0.1/m",
                 "bad-driver.ini:7: sd: expected a value >= 0");
    expect_error(t, "a persistence of 1",
                 "[driver d]\nprocess = log-ar1\nsd = 0.1\npersistence = 1\n", "hazard 0.1/m",
                 ":8: persistence: expected a yearly persistence from 0");
    expect_error(t, "a negative persistence",
                 "[driver d]\nprocess = log-ar1\nsd = 0.1\npersistence = -0.5\n", "hazard 0.1/m",
                 "persistence: expected a yearly persistence from 0");
    expect_error(t, "a rate times an unknown driver", "", "hazard 0.1/m * boom",
                 "on.x: unknown driver 'boom'");
    expect_error(t, "a log-ar1 without persistence", "[driver d]\nprocess = log-ar1\nsd = 0.1\n",
                 "hazard 0.1/m", "persistence: missing in [driver d]");
    expect_error(t, "a drift on a log-ar1",
                 "[driver d]\nprocess = log-ar1\nsd = 0.1\npersistence = 0.5\ndrift = 0.1\n",
                 "hazard 0.1/m", "only a random walk has a drift");
    expect_error(t, "an sd law with negative degrees of freedom",
                 "[driver d]\nprocess = log-ar1\nsd = uncertain sd-inv-chi2(sd=0.1, df=-3)\n"
                 "persistence = 0.5\n",
                 "hazard 0.1/m",
                 "bad-driver.ini:7: sd: uncertain sd-inv-chi2: df (degrees of freedom)");
    expect_error(t, "an sd law with a negative sd",
                 "[driver d]\nprocess = log-ar1\nsd = uncertain sd-inv-chi2(sd=-0.1, df=7)\n"
                 "persistence = 0.5\n",
                 "hazard 0.1/m", "bad-driver.ini:7: sd: uncertain sd-inv-chi2: sd must be > 0");
    expect_error(t, "a persistence law that can leave [0, 1)",
                 "[driver d]\nprocess = log-ar1\nsd = 0.1\n"
                 "persistence = uncertain normal(mean=0.8, sd=0.2, min=0, max=1.2)\n",
                 "hazard 0.1/m", "bad-driver.ini:8: persistence: parameter");
    expect_error(t, "a truncated normal with min above max",
                 "[driver d]\nprocess = log-ar1\nsd = 0.1\n"
                 "persistence = uncertain normal(mean=0.8, sd=0.2, min=0.9, max=0.1)\n",
                 "hazard 0.1/m",
                 "bad-driver.ini:8: persistence: uncertain normal: expected min < max");
    expect_error(t, "a drift above 1", "[driver d]\nprocess = random-walk\nsd = 0.1\ndrift = 1.5\n",
                 "hazard 0.1/m", "bad-driver.ini:8: drift: expected a yearly rate");
    expect_error(t, "an unknown process", "[driver d]\nprocess = garch\nsd = 0.1\n", "hazard 0.1/m",
                 "expected log-ar1 or random-walk");
}

void suite_drivers(tc_ctx *t)
{
    test_ar1_moments(t);
    test_random_walk(t);
    test_uncertain_drift(t);
    test_modulated_inflow(t);
    test_sd_law(t);
    test_uncertain_sd_inflow(t);
    test_modulated_hazards(t);
    test_crn_and_threads(t);
    test_crn_same_order(t);
    test_bad_input(t);
}
