/* test_simplex — the ask-and-tell Nelder-Mead simplex, and calibration by territory.
 *
 * The simplex is checked on functions whose minimum is known; the calibration of
 * independent territories (one simplex each, in lock step) on a model whose stock has a
 * closed form, and for the independence that makes it exact: one territory's fit does
 * not move when another's keys change. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mdl.h"
#include "study/calib.h"
#include "study/simplex.h"

/* Runs s on f to its end; returns the evaluations made. */
static size_t drive(simplex *s, double (*f)(const double *), size_t limit)
{
    size_t calls = 0;
    while (!simplex_done(s) && calls < limit) {
        simplex_tell(s, f(simplex_ask(s)));
        calls++;
    }
    return calls;
}

static double bowl(const double *x)
{
    return 1.0 * (x[0] - 1) * (x[0] - 1) + 4.0 * (x[1] + 2) * (x[1] + 2) +
           0.25 * (x[2] - 0.5) * (x[2] - 0.5);
}

static double rosenbrock(const double *x)
{
    return 100 * (x[1] - x[0] * x[0]) * (x[1] - x[0] * x[0]) + (1 - x[0]) * (1 - x[0]);
}

/* Undefined (NaN) right of x = 3, minimum at 2.5: NaN must count as worse than anything. */
static double cliff(const double *x)
{
    return x[0] > 3 ? NAN : (x[0] - 2.5) * (x[0] - 2.5);
}

static void simplex_minima(tc_ctx *t)
{
    /* A separable quadratic bowl: the simplex stops when its size is below 1e-6, so the
     * best vertex is within a few 1e-6 of the minimum (1, -2, 0.5). */
    double x0[3] = {0, 0, 0};
    simplex *s = simplex_alloc(3, x0, 1.0, 1e-6, 1000);
    size_t calls = s ? drive(s, bowl, 100000) : 0;
    const double *b = s ? simplex_best(s) : x0;
    CHECK(t,
          s && simplex_converged(s) && fabs(b[0] - 1) < 1e-4 && fabs(b[1] + 2) < 1e-4 &&
              fabs(b[2] - 0.5) < 1e-4,
          "simplex: bowl minimum (1, -2, 0.5) found: (%.6f, %.6f, %.6f) in %zu evaluations", b[0],
          b[1], b[2], calls);
    simplex_free(s);

    /* Rosenbrock's valley from (-1.2, 1), the classic start: minimum (1, 1). */
    double r0[2] = {-1.2, 1};
    s = simplex_alloc(2, r0, 0.5, 1e-8, 5000);
    calls = s ? drive(s, rosenbrock, 100000) : 0;
    b = s ? simplex_best(s) : r0;
    CHECK(t, s && simplex_converged(s) && fabs(b[0] - 1) < 1e-3 && fabs(b[1] - 1) < 1e-3,
          "simplex: Rosenbrock minimum (1, 1) found: (%.6f, %.6f) after %zu iterations", b[0], b[1],
          s ? simplex_iterations(s) : 0);
    simplex_free(s);

    /* max_iter stops it, unconverged, after exactly that many iterations. */
    s = simplex_alloc(2, r0, 0.5, 1e-12, 7);
    if (s)
        drive(s, rosenbrock, 100000);
    CHECK(t, s && simplex_done(s) && !simplex_converged(s) && simplex_iterations(s) == 7,
          "simplex: stops after max_iter = 7 iterations, not converged (%zu)",
          s ? simplex_iterations(s) : 0);
    simplex_free(s);

    /* A start whose first moves land where the function is undefined. */
    double c0[1] = {2.9};
    s = simplex_alloc(1, c0, 1.0, 1e-7, 1000);
    if (s)
        drive(s, cliff, 100000);
    b = s ? simplex_best(s) : c0;
    CHECK(t, s && simplex_converged(s) && fabs(b[0] - 2.5) < 1e-4 && simplex_best_value(s) < 1e-8,
          "simplex: NaN values are worse than any number: minimum 2.5 found (%.6f)", b[0]);
    simplex_free(s);
}

/* Two independent populations, each a constant inflow into one state left at 0.1 a
 * month, empty at the start: E stock(t) = (lambda / mu)(1 - e^(-mu t)). */
static const char two_territories[] = "[model]\n"
                                      "name = Deux territoires\n"
                                      "start = 2020-01\n"
                                      "horizon = 24\n"
                                      "\n"
                                      "[population a]\n"
                                      "entry = sa\n"
                                      "inflow.rate = 50/m\n"
                                      "\n"
                                      "[population b]\n"
                                      "entry = sb\n"
                                      "inflow.rate = 50/m\n"
                                      "\n"
                                      "[state sa]\n"
                                      "population = a\n"
                                      "on.leave = hazard 0.1/m -> out\n"
                                      "\n"
                                      "[state sb]\n"
                                      "population = b\n"
                                      "on.leave = hazard 0.1/m -> out\n";

/* Fits both inflows to the stocks at the end of 2020 of lambda_a = 100/m and
 * lambda_b = 300/m; b_range is population b's range.  Returns the fitted values (a, b)
 * into fit; 0 on success. */
static int fit_two(tc_ctx *t, const mdl_model *m, const char *b_range, size_t reps, double *fit,
                   calib_result **out)
{
    /* the month index of 2020-12 is 11: t = 12 months */
    double mu = 0.1, shape = 1 - exp(-mu * 12);
    calib_problem *p = calib_problem_alloc(m);
    pc_err err = {{0}};
    int rc = p ? PC_OK : PC_EENV;
    rc = rc ? rc : calib_add_target(p, "stock.a", "2020-12", 100 / mu * shape, 1, NULL, &err);
    rc = rc ? rc : calib_add_target(p, "stock.b", "2020-12", 300 / mu * shape, 1, NULL, &err);
    rc = rc ? rc : calib_add_key(p, "population.a.inflow.rate=20/m:500/m:60/m", &err);
    rc = rc ? rc : calib_add_key(p, b_range, &err);
    calib_options opt = {.reps = reps, .seed = 5, .max_iter = 200, .tol = 1e-4};
    calib_result *r = NULL;
    rc = rc ? rc : calib_fit(p, &opt, &r, &err);
    if (rc)
        CHECK(t, 0, "calibrate by territory: %s", err.msg);
    if (!rc) {
        fit[0] = r->values[0];
        fit[1] = r->values[1];
        *out = r;
    }
    calib_problem_free(p);
    return rc;
}

static void calibrate_by_territory(tc_ctx *t)
{
    const char *path = tc_write(t, "two.ini", two_territories);
    mdl_model *m = NULL;
    pc_err err = {{0}};
    if (mdl_load(path, &m, &err)) {
        CHECK(t, 0, "two territories load: %s", err.msg);
        return;
    }
    size_t reps = t->quick ? 20 : 60;
    double f1[2] = {0}, f2[2] = {0};
    calib_result *r1 = NULL, *r2 = NULL;
    int rc = fit_two(t, m, "population.b.inflow.rate=20/m:500/m:60/m", reps, f1, &r1);
    rc = rc ? rc : fit_two(t, m, "population.b.inflow.rate=100/m:900/m:150/m", reps, f2, &r2);
    if (!rc) {
        /* The fitted inflow makes the simulated mean stock equal the target (objective
         * ~0), so it is off the true rate by the Monte Carlo error of that mean: the
         * stock at 12 months is Poisson (an M/M/inf queue from empty), sd sqrt(mean),
         * relative standard error 1 / sqrt(mean x reps): 0.49 % for a (mean 718, 60
         * replications), 0.28 % for b.  Four standard errors. */
        double mean_a = 100 / 0.1 * (1 - exp(-1.2)), mean_b = 3 * mean_a;
        double se_a = 1 / sqrt(mean_a * (double)reps), se_b = 1 / sqrt(mean_b * (double)reps);
        CHECK(t,
              fabs(f1[0] / 100 - 1) < 4 * se_a && fabs(f1[1] / 300 - 1) < 4 * se_b &&
                  r1->objective < 1e-6,
              "calibrate by territory: inflows %.2f/m and %.2f/m against 100/m and 300/m "
              "(within 4 se: %.2f %%, %.2f %%), objective %.2g",
              f1[0], f1[1], 400 * se_a, 400 * se_b, r1->objective);
        /* Territory a's simplex saw only a's stock, which depends only on a's keys and
         * a's own random numbers: b's different range and start cannot move it, bit for
         * bit. */
        CHECK(t, f1[0] == f2[0] && fabs(f2[1] / 300 - 1) < 4 * se_b,
              "calibrate by territory: a's fit is the same whatever b's range (%.10g and "
              "%.10g), b found again (%.2f/m)",
              f1[0], f2[0], f2[1]);
    }
    calib_result_free(r1);
    calib_result_free(r2);
    mdl_free(m);
}

/* More keys than one simplex takes, when they are not separable: refused with the limit. */
static void too_many_keys(tc_ctx *t)
{
    size_t cap = 65 * 60 + 400;
    char *text = malloc(cap);
    if (!text)
        return;
    size_t len = (size_t)snprintf(text, cap,
                                  "[model]\nname = K\nstart = 2020-01\nhorizon = 12\n\n"
                                  "[population p]\nentry = s\ninflow.rate = 10/m\n\n"
                                  "[state s]\non.leave = hazard 0.1/m -> out\n");
    for (int i = 0; i < 65; i++)
        len += (size_t)snprintf(text + len, cap - len, "\n[parameter k%d]\nvalue = 1\n", i);
    const char *path = tc_write(t, "many.ini", text);
    free(text);
    mdl_model *m = NULL;
    pc_err err = {{0}};
    int rc = mdl_load(path, &m, &err);
    calib_problem *p = rc ? NULL : calib_problem_alloc(m);
    rc = p ? calib_add_target(p, "stock.p", "2020-12", 100, 1, NULL, &err) : PC_EINTERNAL;
    for (int i = 0; !rc && i < 65; i++) {
        char key[64];
        snprintf(key, sizeof key, "k%d=0.5:2", i);
        rc = calib_add_key(p, key, &err);
    }
    calib_options opt = {.reps = 1, .seed = 1, .max_iter = 10, .tol = 1e-3};
    calib_result *r = NULL;
    rc = rc ? rc : calib_fit(p, &opt, &r, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "at most 64"),
          "calibrate: 65 keys in one simplex refused: %s", err.msg);
    calib_result_free(r);
    calib_problem_free(p);
    mdl_free(m);
}

void suite_simplex(tc_ctx *t)
{
    simplex_minima(t);
    calibrate_by_territory(t);
    too_many_keys(t);
}
