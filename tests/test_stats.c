/* test_stats — statistical validation of the engine against analytic results.
 *
 * Each test writes a small model whose behaviour is known in closed form (an
 * M/G/inf queue, an M/M/c queue, a time-homogeneous Markov chain, a
 * left-truncated piecewise hazard, Little's law, a defective transition), runs
 * it through mdl_load and mc_run with a fixed seed, and compares what the
 * engine records with the analytic value.  Every tolerance is a multiple of a
 * Monte Carlo standard error estimated from the replications themselves
 * (replications are independent, so the spread across them is an honest
 * error even when months within a replication are correlated), and the number
 * of replications is chosen so that a model off by a few per cent would be
 * many standard errors away; each message says by how many.  Under
 * PARCOURS_QUICK (sanitizer builds) the replications are fewer and the
 * tolerances, still derived from the standard errors, wider.  The last test
 * checks reproducibility: bitwise identical results whatever the thread
 * count, and a changed seed changing them. */
#include "check.h"
#include "fixtures.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mc.h"
#include "core/mdl.h"
#include "core/rec.h"

/* A tolerance of 4 standard errors: a correct engine fails one such check with
 * probability 6e-5, so the ~60 checks of this suite hold together with
 * probability above 0.99 for any seed; the seeds are fixed all the same. */
#define TOL_SE 4.0

#define DPM MDL_DAYS_PER_MONTH

/* ---- running a model written as text ---------------------------------------- */

typedef struct {
    mdl_model *model;
    mc_result *run;
} stats_run;

static void stats_run_free(stats_run *sr)
{
    mc_result_free(sr->run);
    mdl_free(sr->model);
    sr->run = NULL;
    sr->model = NULL;
}

/* Writes the model into the scratch folder, loads it and runs `reps`
 * replications; returns 0, or -1 after a failed check naming the error. */
static int run_model(tc_ctx *t, stats_run *sr, const char *file, const char *ini, size_t reps,
                     uint32_t seed, int threads)
{
    pc_err err = {{0}};
    sr->model = NULL;
    sr->run = NULL;
    int rc = mdl_load(tc_write(t, file, ini), &sr->model, &err);
    if (rc == PC_OK) {
        mc_options opt = {.reps = reps, .seed = seed, .threads = threads};
        rc = mc_run(sr->model, &opt, &sr->run, &err);
    }
    if (rc != PC_OK) {
        CHECK(t, 0, "%s: the model loads and runs (%s)", file, err.msg);
        stats_run_free(sr);
        return -1;
    }
    return 0;
}

/* Index of an output variable; a failed check if the catalog lacks it. */
static long var_of(tc_ctx *t, const stats_run *sr, const char *name)
{
    long v = rec_find(sr->run->catalog, name);
    if (v < 0)
        CHECK(t, 0, "variable %s is among the outputs of %s", name, sr->model->name);
    return v;
}

/* Sum of a variable over months [from, to) of one replication. */
static double window_sum(const stats_run *sr, size_t rep, long var, size_t from, size_t to)
{
    const double *x = mc_series(sr->run, rep, (size_t)var);
    double s = 0;
    for (size_t k = from; k < to; k++)
        s += x[k];
    return s;
}

/* ---- estimators and their standard errors ------------------------------------- */

typedef struct {
    double mean, se_mean; /* sample mean and its standard error */
    double var, se_var;   /* unbiased sample variance and its standard error */
} sample_moments;

/* Moments of n >= 4 independent values.  The standard error of the sample
 * variance is the usual large-sample one, sqrt((m4 - s^4 (n-3)/(n-1)) / n),
 * with the fourth central moment m4 estimated from the sample, so it holds for
 * Poisson and over-dispersed counts alike. */
static void moments(const double *x, size_t n, sample_moments *mo)
{
    double mean = 0, m2 = 0, m4 = 0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double d = (x[i] - mean) * (x[i] - mean);
        m2 += d;
        m4 += d * d;
    }
    double nd = (double)n, var = m2 / (nd - 1);
    m4 /= nd;
    mo->mean = mean;
    mo->se_mean = sqrt(var / nd);
    mo->var = var;
    mo->se_var = sqrt(fmax(m4 - var * var * (nd - 3) / (nd - 1), 0) / nd);
}

/* Ratio of sums sum(num) / sum(den) over n independent replications, with
 * its delta-method standard error (replications as clusters: months and
 * persons within a replication may be correlated, replications are not). */
static void ratio_of_sums(const double *num, const double *den, size_t n, double *ratio, double *se)
{
    double sn = 0, sd = 0;
    for (size_t i = 0; i < n; i++) {
        sn += num[i];
        sd += den[i];
    }
    double r = sn / sd, ss = 0, mean_den = sd / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (num[i] - r * den[i]) * (num[i] - r * den[i]);
    *ratio = r;
    *se = sqrt(ss / ((double)n * ((double)n - 1))) / mean_den;
}

/* Checks |measured - expected| <= TOL_SE standard errors.  `power` says how
 * far, in standard errors, a plausible wrong model would land. */
static void check_near(tc_ctx *t, const char *what, double measured, double expected, double se,
                       size_t reps, const char *power)
{
    double diff = fabs(measured - expected), tol = TOL_SE * se;
    CHECK(t, isfinite(measured) && diff <= tol,
          "%s: %.6g vs analytic %.6g, |diff| %.3g <= %.0f SE = %.3g (SE from %zu replications; "
          "%s)",
          what, measured, expected, diff, TOL_SE, tol, reps, power);
}

/* "a model 5% off would be 12.3 SE away": the power of a check, as text. */
static const char *power_text(char *buf, size_t size, const char *wrong, double shift, double se)
{
    snprintf(buf, size, "%s would be %.1f SE away", wrong, fabs(shift) / se);
    return buf;
}

/* ---- analytic helpers ------------------------------------------------------------- */

/* Lognormal with log-mean zeta and log-sd sigma: L(x) = E[min(X, x)] = int_0^x S(u) du. */
static double lognormal_limited_mean(double x, double zeta, double sigma)
{
    if (x <= 0)
        return 0;
    double z = (log(x) - zeta) / sigma;
    return exp(zeta + sigma * sigma / 2) * gsl_cdf_ugaussian_P(z - sigma) +
           x * gsl_cdf_ugaussian_Q(z);
}

/* Occupancy probabilities p = p0 exp(Q t) of a Markov chain with n states and
 * generator Q (row-major, per month), at t months. */
static int markov_occupancy(const double *generator, size_t n, const double *p0, double months,
                            double *p)
{
    gsl_matrix *a = gsl_matrix_alloc(n, n), *e = gsl_matrix_alloc(n, n);
    int status = a && e ? GSL_SUCCESS : GSL_ENOMEM;
    if (!status) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                gsl_matrix_set(a, i, j, generator[i * n + j] * months);
        status = gsl_linalg_exponential_ss(a, e, GSL_PREC_DOUBLE);
    }
    for (size_t j = 0; !status && j < n; j++) {
        p[j] = 0;
        for (size_t i = 0; i < n; i++)
            p[j] += p0[i] * gsl_matrix_get(e, i, j);
    }
    gsl_matrix_free(a);
    gsl_matrix_free(e);
    return status;
}

/* A piecewise-constant hazard: rate[i] per month from from[i] months on. */
typedef struct {
    size_t n;
    const double *from;
    const double *rate;
} step_hazard;

static double step_cum(const step_hazard *h, double u)
{
    double cum = 0;
    for (size_t i = 0; i < h->n && h->from[i] < u; i++) {
        double end = i + 1 < h->n && h->from[i + 1] < u ? h->from[i + 1] : u;
        cum += h->rate[i] * (end - h->from[i]);
    }
    return cum;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MAX_BREAKS 64

/* E[exp(-(H(s + t1) - H(s + t0)))] for a seniority s drawn uniformly inside
 * bins [upper[i-1], upper[i]) with weights weight[i] (months): the share still
 * present at t1 of persons under an entry-clock hazard H from t0 on (t0 = 0
 * for persons placed in the state at the start).  Exact: between the kinks
 * (bin edges, and s where s + t0 or s + t1 meets a step) the exponent is
 * linear in s, and the exponential of a linear function integrates in
 * closed form. */
static double truncated_survival(const step_hazard *h, const double *upper, const double *weight,
                                 size_t n_bins, double t0, double t1)
{
    double total_weight = 0, sum = 0;
    for (size_t b = 0; b < n_bins; b++)
        total_weight += weight[b];
    for (size_t b = 0; b < n_bins; b++) {
        double lo = b ? upper[b - 1] : 0, hi = upper[b];
        double cut[MAX_BREAKS];
        size_t n_cut = 0;
        cut[n_cut++] = lo;
        cut[n_cut++] = hi;
        for (size_t i = 0; i < h->n && n_cut + 2 <= MAX_BREAKS; i++) {
            double at[2] = {h->from[i] - t0, h->from[i] - t1};
            for (int j = 0; j < 2; j++)
                if (at[j] > lo && at[j] < hi)
                    cut[n_cut++] = at[j];
        }
        qsort(cut, n_cut, sizeof cut[0], cmp_double);
        double integral = 0;
        for (size_t i = 0; i + 1 < n_cut; i++) {
            double a = cut[i], z = cut[i + 1];
            if (z <= a)
                continue;
            double ga = step_cum(h, a + t1) - step_cum(h, a + t0);
            double gz = step_cum(h, z + t1) - step_cum(h, z + t0);
            double d = gz - ga;
            integral += (z - a) * exp(-ga) * (fabs(d) > 1e-14 ? -expm1(-d) / d : 1.0);
        }
        sum += weight[b] / total_weight * integral / (hi - lo);
    }
    return sum;
}

/* ---- M/G/inf ---------------------------------------------------------------------- */

typedef struct {
    double rate, zeta, sigma; /* arrivals per day; stay lognormal(zeta, sigma) in days */
} mginf;

/* Expected arrivals of month j (0-based) still present at the end of month k:
 * lambda int over the month of S(end - u) du. */
static double mginf_month_share(const mginf *q, size_t j, size_t k)
{
    double end = (double)(k + 1) * DPM;
    return q->rate * (lognormal_limited_mean(end - (double)j * DPM, q->zeta, q->sigma) -
                      lognormal_limited_mean(end - (double)(j + 1) * DPM, q->zeta, q->sigma));
}

/* Poisson arrivals at 3/d into a state left after a lognormal stay (mean 100
 * d, sd 60 d), no capacity, empty at the start: the count present at day x is
 * Poisson with mean m = lambda int_0^x S(u) du (an M/G/inf queue), so its
 * variance across replications equals its mean.  With a gamma multiplier of
 * each month's rate (cv c, mean 1), the count given the multipliers G_j is
 * Poisson with mean lambda sum_j G_j a_j (a_j the month-j share above), so the
 * variance becomes m + lambda^2 c^2 sum_j a_j^2: a gamma mixture of Poissons. */
static void test_mginf(tc_ctx *t)
{
    /* 4000 replications: the SE of the mean is sqrt(m / 4000), 0.16% of m =
     * 90 at month 1, so an inflow 5% off is ~30 SE away; the SE of the variance
     * is about sqrt(2 / 4000) = 2.2% of it, so a variance 10% off is ~4.5 SE
     * away, and a month-level over-dispersion of only 0.05 (which adds
     * lambda^2 c^2 sum a_j^2, 17-23% of the Poisson variance) is 8-10 SE
     * away. */
    const size_t reps = t->quick ? 500 : 4000;
    const double overdispersion = 0.3;
    const size_t months[] = {0, 2, 5};
    char ini[1024], what[160], power[120];
    double s2 = log1p((60.0 / 100.0) * (60.0 / 100.0));
    mginf q = {3.0, log(100.0) - s2 / 2, sqrt(s2)};
    double *sample = malloc(reps * sizeof *sample);
    if (!sample) {
        CHECK(t, 0, "M/G/inf: allocate %zu values", reps);
        return;
    }
    for (int od = 0; od < 2; od++) {
        snprintf(ini, sizeof ini,
                 "[model]\nname = M/G/inf\nstart = 2020-01\nhorizon = 6\n\n"
                 "[population p]\nentry = stay\ninflow.rate = 3/d\n"
                 "inflow.overdispersion = %g\n\n"
                 "[state stay]\non.leave = after lognormal(mean=100d, sd=60d) -> out\n",
                 od ? overdispersion : 0.0);
        stats_run sr;
        if (run_model(t, &sr, od ? "mginf_od.ini" : "mginf.ini", ini, reps, od ? 11 : 10, 0))
            continue;
        long v = var_of(t, &sr, "stock.stay");
        for (size_t i = 0; v >= 0 && i < sizeof months / sizeof months[0]; i++) {
            size_t k = months[i];
            double mean = 0, extra = 0;
            for (size_t j = 0; j <= k; j++) {
                double a = mginf_month_share(&q, j, k);
                mean += a;
                extra += a * a;
            }
            extra *= overdispersion * overdispersion;
            for (size_t r = 0; r < reps; r++)
                sample[r] = mc_series(sr.run, r, (size_t)v)[k];
            sample_moments mo;
            moments(sample, reps, &mo);
            if (!od) {
                /* Mean: 4 SE of the mean across replications. */
                snprintf(what, sizeof what,
                         "M/G/inf, Poisson inflow, end of month %zu: mean persons present", k + 1);
                check_near(
                    t, what, mo.mean, mean, mo.se_mean, reps,
                    power_text(power, sizeof power, "an inflow 5% off", 0.05 * mean, mo.se_mean));
                /* Variance = mean (Poisson): 4 SE of the sample variance. */
                snprintf(what, sizeof what,
                         "M/G/inf, Poisson inflow, end of month %zu: variance of persons present "
                         "= its mean (no over-dispersion)",
                         k + 1);
                check_near(t, what, mo.var, mean, mo.se_var, reps,
                           power_text(power, sizeof power, "over-dispersion 0.05",
                                      extra / (overdispersion * overdispersion) * 0.0025,
                                      mo.se_var));
            } else {
                /* Gamma-mixed inflow: the mean is unchanged, the variance is the
                 * Poisson one plus the mixture's; 4 SE of each estimate. */
                snprintf(what, sizeof what,
                         "M/G/inf, inflow over-dispersion %.1f, end of month %zu: mean persons "
                         "present (unchanged by a mean-1 multiplier)",
                         overdispersion, k + 1);
                check_near(
                    t, what, mo.mean, mean, mo.se_mean, reps,
                    power_text(power, sizeof power, "an inflow 5% off", 0.05 * mean, mo.se_mean));
                snprintf(what, sizeof what,
                         "M/G/inf, inflow over-dispersion %.1f, end of month %zu: variance = m + "
                         "lambda^2 c^2 sum a_j^2 (gamma mixture)",
                         overdispersion, k + 1);
                check_near(
                    t, what, mo.var, mean + extra, mo.se_var, reps,
                    power_text(power, sizeof power, "the Poisson variance", extra, mo.se_var));
                /* The excess must be visible, not merely allowed: the variance
                 * exceeds the Poisson one by more than 4 of its SE. */
                CHECK(t, mo.var - mean > TOL_SE * mo.se_var,
                      "M/G/inf, inflow over-dispersion %.1f, end of month %zu: variance %.5g "
                      "exceeds the Poisson variance %.5g by %.1f SE (> %.0f SE)",
                      overdispersion, k + 1, mo.var, mean, (mo.var - mean) / mo.se_var, TOL_SE);
            }
        }
        stats_run_free(&sr);
    }
    free(sample);
}

/* ---- M/M/c ---------------------------------------------------------------------------- */

/* Poisson arrivals at lambda = 4/m into a state holding one of c = 5 places,
 * exponential service of mean 1 m (mu = 1/m, load a = 4, utilisation 0.8),
 * a FIFO queue without reneging.  Erlang C gives P(wait > 0) = C(c, a); the
 * wait of those who wait is exponential with rate c mu - lambda = 1/m, so
 * E[W] = C / (c mu - lambda), E[W | W > 0] = 1 m, P(W > 3 m | W > 0) = e^-3;
 * L = a places are busy on average and Lq = C a / (c - a) persons queue.  A
 * 10-year warm-up from an empty system (the relaxation time is about
 * 1 / (c mu (1 - sqrt(rho))^2) = 18 months) makes the 10 recorded years
 * stationary, so every ratio below is estimated over all 120 months. */
static void test_mmc(tc_ctx *t)
{
    /* 1500 replications of ~480 arrivals: the replication-clustered SE of
     * P(wait) is ~0.3 point, so a service rate 5% lower (C = 0.554 -> 0.638)
     * is ~30 SE away, and so is the mean wait of those who wait (1 m ->
     * 1.33 m). */
    const size_t reps = t->quick ? 200 : 1500;
    const int servers = 5;
    const double lambda = 4.0, mu = 1.0; /* per month */
    const char *ini = "[model]\nname = M/M/c\nstart = 2020-01\nhorizon = 120\n\n"
                      "[population p]\nentry = serve\ninflow.rate = 4/m\nwarmup = 10y\n\n"
                      "[state serve]\nresource = places\nqueue = waiting\n"
                      "on.done = hazard 1/m -> out\n\n"
                      "[state waiting]\nlabel = Waiting for a place\n\n"
                      "[resource places]\ncapacity = 5\n";
    stats_run sr;
    if (run_model(t, &sr, "mmc.ini", ini, reps, 20, 0))
        return;
    long v_in = var_of(t, &sr, "in.serve"), v_adm = var_of(t, &sr, "admitted.places");
    long v_tot = var_of(t, &sr, "wait.waiting.total"), v_cnt = var_of(t, &sr, "wait.waiting.count");
    long v_over = var_of(t, &sr, "wait.waiting.over3m"), v_arr = var_of(t, &sr, "arrivals.p");
    long v_occ = var_of(t, &sr, "occupied.places"), v_q = var_of(t, &sr, "queue.waiting");
    double *x = malloc(8 * reps * sizeof *x);
    if (v_in < 0 || v_adm < 0 || v_tot < 0 || v_cnt < 0 || v_over < 0 || v_arr < 0 || v_occ < 0 ||
        v_q < 0 || !x) {
        CHECK(t, x != NULL, "M/M/c: allocate the per-replication totals");
        free(x);
        stats_run_free(&sr);
        return;
    }
    double *in = x, *adm = x + reps, *tot = x + 2 * reps, *cnt = x + 3 * reps;
    double *over = x + 4 * reps, *arr = x + 5 * reps, *occ = x + 6 * reps, *que = x + 7 * reps;
    size_t h = sr.run->n_months;
    for (size_t r = 0; r < reps; r++) {
        in[r] = window_sum(&sr, r, v_in, 0, h);
        adm[r] = window_sum(&sr, r, v_adm, 0, h);
        tot[r] = window_sum(&sr, r, v_tot, 0, h) / DPM; /* months */
        cnt[r] = window_sum(&sr, r, v_cnt, 0, h);
        over[r] = window_sum(&sr, r, v_over, 0, h);
        arr[r] = window_sum(&sr, r, v_arr, 0, h);
        occ[r] = window_sum(&sr, r, v_occ, 0, h) / (double)h;
        que[r] = window_sum(&sr, r, v_q, 0, h) / (double)h;
    }
    double c_ok = tc_erlang_c(servers, lambda / mu), gap = servers * mu - lambda;
    double c_slow = tc_erlang_c(servers, lambda / (0.95 * mu)),
           gap_slow = servers * 0.95 * mu - lambda;
    double est, se;
    char power[120];
    sample_moments mo;

    /* Entries into service that came from the queue over all entries into
     * service: the share of arrivals that wait (PASTA). */
    ratio_of_sums(adm, in, reps, &est, &se);
    check_near(t, "M/M/c (c=5, a=4): P(wait > 0) = admitted.places / in.serve vs Erlang C", est,
               c_ok, se, reps,
               power_text(power, sizeof power, "a service rate 5% lower", c_slow - c_ok, se));
    /* Mean wait over all arrivals: total wait (months) over arrivals. */
    ratio_of_sums(tot, arr, reps, &est, &se);
    check_near(t, "M/M/c: mean wait of all arrivals (months) vs C / (c mu - lambda)", est,
               c_ok / gap, se, reps,
               power_text(power, sizeof power, "a service rate 5% lower",
                          c_slow / gap_slow - c_ok / gap, se));
    /* Mean wait of those who waited: exponential with rate c mu - lambda. */
    ratio_of_sums(tot, cnt, reps, &est, &se);
    check_near(
        t, "M/M/c: mean wait of those who waited (months) vs 1 / (c mu - lambda)", est, 1 / gap, se,
        reps,
        power_text(power, sizeof power, "a service rate 5% lower", 1 / gap_slow - 1 / gap, se));
    /* The tail of that wait: P(W > 3 m | W > 0) = exp(-3 (c mu - lambda)). */
    ratio_of_sums(over, cnt, reps, &est, &se);
    check_near(t, "M/M/c: share of waits over 3 months vs exp(-3 (c mu - lambda))", est,
               exp(-3 * gap), se, reps,
               power_text(power, sizeof power, "a service rate 5% lower",
                          exp(-3 * gap_slow) - exp(-3 * gap), se));
    /* Busy places at month ends: the offered load lambda / mu. */
    moments(occ, reps, &mo);
    check_near(t, "M/M/c: mean occupied places at month ends vs lambda / mu", mo.mean, lambda / mu,
               mo.se_mean, reps,
               power_text(power, sizeof power, "a service rate 5% lower",
                          lambda / (0.95 * mu) - lambda / mu, mo.se_mean));
    /* Persons queueing at month ends: Lq = C a / (c - a). */
    moments(que, reps, &mo);
    double lq = c_ok * (lambda / mu) / (servers - lambda / mu);
    double lq_slow = c_slow * (lambda / (0.95 * mu)) / (servers - lambda / (0.95 * mu));
    check_near(
        t, "M/M/c: mean queue length at month ends vs C a / (c - a)", mo.mean, lq, mo.se_mean, reps,
        power_text(power, sizeof power, "a service rate 5% lower", lq_slow - lq, mo.se_mean));
    free(x);
    stats_run_free(&sr);
}

/* ---- time-homogeneous Markov chain ----------------------------------------------------- */

/* Four states and `out`, constant hazards (one written as an exponential
 * duration, which is the same law), categorical destinations, an absorbing
 * state d with no transition; 4000 persons placed at the start in a, b, c with
 * shares 0.5, 0.3, 0.2, no inflow.  The expected count in each state at t is
 * N (p0 exp(Q t)), Q the generator:
 *   a: 0.10/m -> b 0.6, c 0.4; 0.05/m -> out
 *   b: 0.08/m -> a; exponential(mean=10m) -> c
 *   c: 0.06/m -> d; 0.04/m -> out 0.5, a 0.5 */
static void test_markov(tc_ctx *t)
{
    /* 1000 replications of 4000 persons: the SE of a mean count is
     * sqrt(N p (1-p) / 1000), ~0.15% of it at p ~ 0.3, so a clock 5% slow (Q
     * scaled by 0.95, which moves the counts by 1-10%) is 8 to 60 SE away. */
    const size_t reps = t->quick ? 60 : 1000;
    const double n_persons = 4000;
    const char *ini = "[model]\nname = Markov\nstart = 2020-01\nhorizon = 36\n\n"
                      "[population p]\nentry = a\ninitial.count = 4000\n"
                      "initial.state = a:0.5, b:0.3, c:0.2\n\n"
                      "[state a]\non.x = hazard 0.10/m -> b:0.6, c:0.4\n"
                      "on.y = hazard 0.05/m -> out\n\n"
                      "[state b]\non.back = hazard 0.08/m -> a\n"
                      "on.on = after exponential(mean=10m) -> c\n\n"
                      "[state c]\non.abs = hazard 0.06/m -> d\n"
                      "on.leave = hazard 0.04/m -> out:0.5, a:0.5\n\n"
                      "[state d]\nlabel = Absorbing\n";
    enum { A, B, C, D, OUT, N_ST };
    double q[N_ST * N_ST] = {0};
    q[A * N_ST + B] = 0.10 * 0.6;
    q[A * N_ST + C] = 0.10 * 0.4;
    q[A * N_ST + OUT] = 0.05;
    q[B * N_ST + A] = 0.08;
    q[B * N_ST + C] = 0.10;
    q[C * N_ST + D] = 0.06;
    q[C * N_ST + OUT] = 0.02;
    q[C * N_ST + A] = 0.02;
    for (size_t i = 0; i < N_ST; i++) {
        double out_rate = 0;
        for (size_t j = 0; j < N_ST; j++)
            out_rate += q[i * N_ST + j];
        q[i * N_ST + i] = -out_rate;
    }
    const double p0[N_ST] = {0.5, 0.3, 0.2, 0, 0};
    const char *names[] = {"stock.a", "stock.b", "stock.c", "stock.d"};
    const size_t months[] = {2, 11, 35};
    stats_run sr;
    if (run_model(t, &sr, "markov.ini", ini, reps, 30, 0))
        return;
    double *sample = malloc(reps * sizeof *sample);
    for (size_t s = 0; sample && s < 4; s++) {
        long v = var_of(t, &sr, names[s]);
        for (size_t i = 0; v >= 0 && i < sizeof months / sizeof months[0]; i++) {
            size_t k = months[i];
            double p[N_ST], p_slow[N_ST], slow[N_ST * N_ST];
            for (size_t j = 0; j < N_ST * N_ST; j++)
                slow[j] = 0.95 * q[j];
            int st = markov_occupancy(q, N_ST, p0, (double)(k + 1), p);
            if (!st)
                st = markov_occupancy(slow, N_ST, p0, (double)(k + 1), p_slow);
            if (st) {
                CHECK(t, 0, "Markov: matrix exponential (%s)", gsl_strerror(st));
                continue;
            }
            for (size_t r = 0; r < reps; r++)
                sample[r] = mc_series(sr.run, r, (size_t)v)[k];
            sample_moments mo;
            moments(sample, reps, &mo);
            /* Mean count: 4 SE of the mean across replications. */
            char what[160], power[120];
            snprintf(what, sizeof what,
                     "Markov chain, end of month %zu: mean %s vs N (p0 exp(Qt))_%c", k + 1,
                     names[s], 'a' + (int)s);
            check_near(t, what, mo.mean, n_persons * p[s], mo.se_mean, reps,
                       power_text(power, sizeof power, "a clock 5% slow",
                                  n_persons * (p_slow[s] - p[s]), mo.se_mean));
        }
    }
    if (!sample)
        CHECK(t, 0, "Markov: allocate %zu values", reps);
    free(sample);
    stats_run_free(&sr);
}

/* ---- piecewise entry-clock hazard with left truncation -------------------------------- */

/* 20000 persons placed at the start with seniorities drawn from a table
 * (uniform inside [0,3), [3,9), [9,24) months with weights 0.3, 0.3, 0.4), half
 * in state s, half in state pre, which they leave after exactly 4 months for
 * state post.  In s and post the exit hazard is piecewise on the entry clock
 * (0.12/m before 6 months of seniority, 0.06 to 12, 0.03 to 24, 0.015 after),
 * so a person of seniority s0 is left-truncated: still in s at t with
 * probability exp(-(H(s0+t) - H(s0))), still in post at t > 4 with
 * exp(-(H(s0+t) - H(s0+4))) (the clock runs on through pre).  The same model
 * on the state clock gives exp(-H(t)) and exp(-H(t-4)) instead. */
static void test_piecewise(tc_ctx *t)
{
    /* 200 replications of 20000 persons: the SE of a share is
     * sqrt(S (1-S) / (10000 x 200)), below 0.05 point, so swapping the clocks
     * (10 to 30 points) is detected at more than 80 SE, and the entry clock
     * read with seniorities 5% too short (the hazard steps met 5% earlier) is
     * 3 to 18 SE away. */
    const size_t reps = t->quick ? 25 : 200;
    const double n_persons = 20000;
    const double from[] = {0, 6, 12, 24}, rate[] = {0.12, 0.06, 0.03, 0.015};
    const double upper[] = {3, 9, 24}, weight[] = {0.3, 0.3, 0.4};
    step_hazard hz = {4, from, rate};
    const size_t months[] = {0, 2, 5, 11, 23};
    char ini[1200];
    tc_write(t, "seniority.csv", "upper,weight\n3m,0.3\n9m,0.3\n24m,0.4\n");
    double *sample = malloc(2 * reps * sizeof *sample);
    if (!sample) {
        CHECK(t, 0, "piecewise: allocate %zu values", 2 * reps);
        return;
    }
    for (int clock = 0; clock < 2; clock++) {
        const char *cn = clock ? "state" : "entry";
        snprintf(ini, sizeof ini,
                 "[model]\nname = Piecewise %s\nstart = 2020-01\nhorizon = 24\n\n"
                 "[population p]\nentry = s\ninitial.count = 20000\n"
                 "initial.state = s:0.5, pre:0.5\ninitial.seniority = table(seniority.csv)\n\n"
                 "[state s]\non.exit = hazard piecewise(%s; 0m:0.12, 6m:0.06, 12m:0.03, "
                 "24m:0.015)/m -> out\n\n"
                 "[state pre]\non.go = after fixed(4m) -> post\n\n"
                 "[state post]\non.exit = hazard piecewise(%s; 0m:0.12, 6m:0.06, 12m:0.03, "
                 "24m:0.015)/m -> out\n",
                 cn, cn, cn);
        stats_run sr;
        if (run_model(t, &sr, clock ? "pw_state.ini" : "pw_entry.ini", ini, reps, 40, 0))
            continue;
        long v_s = var_of(t, &sr, "stock.s"), v_post = var_of(t, &sr, "stock.post");
        for (size_t i = 0; v_s >= 0 && v_post >= 0 && i < sizeof months / sizeof months[0]; i++) {
            size_t k = months[i];
            double at = (double)(k + 1);
            for (int which = 0; which < 2; which++) {
                /* post is empty before month 4 ends: nothing to compare there. */
                if (which && at <= 4)
                    continue;
                double t0 = which ? 4 : 0;
                double entry = truncated_survival(&hz, upper, weight, 3, t0, at);
                double state = exp(-step_cum(&hz, at - t0));
                double early[3];
                for (size_t b = 0; b < 3; b++)
                    early[b] = 0.95 * upper[b];
                double shorter = truncated_survival(&hz, early, weight, 3, t0, at);
                for (size_t r = 0; r < reps; r++)
                    sample[r] =
                        mc_series(sr.run, r, (size_t)(which ? v_post : v_s))[k] / (0.5 * n_persons);
                sample_moments mo;
                moments(sample, reps, &mo);
                char what[200], power[120];
                const char *st = which ? "post" : "s";
                /* Shares still present: 4 SE of the mean share across
                 * replications, against the clock the run was given. */
                if (!clock) {
                    snprintf(what, sizeof what,
                             "entry clock, left-truncated by seniority: share still in %s at the "
                             "end of month %zu vs E[exp(-(H(s0+t)-H(s0+%g)))]",
                             st, k + 1, t0);
                    check_near(t, what, mo.mean, entry, mo.se_mean, reps,
                               power_text(power, sizeof power, "seniorities 5% shorter",
                                          shorter - entry, mo.se_mean));
                } else {
                    snprintf(what, sizeof what,
                             "state clock: share still in %s at the end of month %zu vs "
                             "exp(-H(t-%g))",
                             st, k + 1, t0);
                    check_near(t, what, mo.mean, state, mo.se_mean, reps,
                               power_text(power, sizeof power, "the entry clock", entry - state,
                                          mo.se_mean));
                    /* The clocks must be told apart: the state-clock run is
                     * far (> 10 SE) from the entry-clock prediction, except
                     * where both are close to 1. */
                    if (i >= 2)
                        CHECK(t, fabs(mo.mean - entry) > 10 * mo.se_mean,
                              "state clock vs entry clock, %s, end of month %zu: the run (%.4f) "
                              "is %.0f SE from the entry-clock prediction %.4f (> 10 SE: a wrong "
                              "clock is detected)",
                              st, k + 1, mo.mean, fabs(mo.mean - entry) / mo.se_mean, entry);
                }
            }
        }
        stats_run_free(&sr);
    }
    free(sample);
}

/* ---- Little's law ---------------------------------------------------------------------------- */

typedef struct {
    double zeta, sigma, hazard; /* lognormal stay (months) competing with a constant hazard */
} little_stay;

static double little_integrand(double u, void *params)
{
    const little_stay *ls = params;
    return gsl_cdf_lognormal_Q(u, ls->zeta, ls->sigma) * exp(-ls->hazard * u);
}

/* Persons arrive at 150/m into a, leave it after a lognormal stay (mean 3 m,
 * sd 2 m) for b (70%) or out (30%), competing with a 0.05/m hazard of
 * leaving; b lasts uniform(1m, 5m).  The mean time in the system is
 * W = m_a + (1 - h m_a) 0.7 x 3 m with m_a = int S(u) e^(-h u) du (the mean
 * stay in a; 1 - h m_a is the chance the lognormal ends first).  After a
 * 4-year warm-up the system is stationary and Little's law L = lambda W holds
 * for the time-average number present (a staff line with caseload 1 records
 * it: person-days / days) and for the month-end stock. */
static void test_little(tc_ctx *t)
{
    /* 100 replications of 60 months: the SE of W = L / lambda is ~0.07% of
     * it and that of the mean month-end stock ~0.12%, so a time in the
     * system 5% off is 40 to 70 SE away. */
    const size_t reps = t->quick ? 20 : 100;
    const double lambda = 150; /* per month */
    const char *ini = "[model]\nname = Little\nstart = 2020-01\nhorizon = 60\n\n"
                      "[population p]\nentry = a\ninflow.rate = 150/m\nwarmup = 4y\n\n"
                      "[state a]\non.next = after lognormal(mean=3m, sd=2m) -> b:0.7, out:0.3\n"
                      "on.quit = hazard 0.05/m -> out\n\n"
                      "[state b]\non.end = after uniform(min=1m, max=5m) -> out\n\n"
                      "[staff present]\nstates = a, b\ncaseload = 1\n";
    double s2 = log1p((2.0 / 3.0) * (2.0 / 3.0));
    little_stay ls = {log(3.0) - s2 / 2, sqrt(s2), 0.05};
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
    double m_a = NAN, abserr;
    gsl_function f = {little_integrand, &ls};
    int st = ws ? gsl_integration_qagiu(&f, 0, 1e-12, 1e-10, 1000, ws, &m_a, &abserr) : GSL_ENOMEM;
    gsl_integration_workspace_free(ws);
    if (st) {
        CHECK(t, 0, "Little: mean stay in a by quadrature (%s)", gsl_strerror(st));
        return;
    }
    double w = m_a + (1 - ls.hazard * m_a) * 0.7 * 3.0;
    stats_run sr;
    if (run_model(t, &sr, "little.ini", ini, reps, 50, 0))
        return;
    long v_pres = var_of(t, &sr, "staff.present"), v_arr = var_of(t, &sr, "arrivals.p");
    long v_stock = var_of(t, &sr, "stock.p");
    double *x = malloc(3 * reps * sizeof *x);
    if (v_pres >= 0 && v_arr >= 0 && v_stock >= 0 && x) {
        double *present = x, *arrivals = x + reps, *stock = x + 2 * reps;
        size_t h = sr.run->n_months;
        for (size_t r = 0; r < reps; r++) {
            present[r] = window_sum(&sr, r, v_pres, 0, h);
            arrivals[r] = window_sum(&sr, r, v_arr, 0, h);
            stock[r] = window_sum(&sr, r, v_stock, 0, h) / (double)h;
        }
        double est, se;
        char power[120];
        /* W = L / lambda with both measured on the run: person-months over
         * arrivals (the arrivals of the window, not the nominal rate). */
        ratio_of_sums(present, arrivals, reps, &est, &se);
        check_near(t,
                   "Little's law: time-average persons present / measured arrival rate "
                   "(months) vs the mean time in the system W",
                   est, w, se, reps,
                   power_text(power, sizeof power, "a time in the system 5% off", 0.05 * w, se));
        sample_moments mo;
        moments(stock, reps, &mo);
        check_near(t, "Little's law: mean month-end stock vs lambda W", mo.mean, lambda * w,
                   mo.se_mean, reps,
                   power_text(power, sizeof power, "a time in the system 5% off", 0.05 * lambda * w,
                              mo.se_mean));
    } else {
        CHECK(t, x != NULL, "Little: allocate the per-replication totals");
    }
    free(x);
    stats_run_free(&sr);
}

/* ---- defective transition ------------------------------------------------------------------ */

/* 20000 persons placed at the start in an outside state gone, whose return
 * `with 0.3 after exponential(mean=6m) -> back` competes with a hazard
 * 0.02/m of leaving for good; back keeps those who return.  The return fires
 * with probability p = 0.3 and then wins the race with probability
 * q = (1/M) / (1/M + h): by T months a share p q (1 - e^(-rT)) has returned,
 * r = 1/M + h, after a delay exponential with rate r given return (mean
 * 1/r - T e^(-rT) / (1 - e^(-rT)) when truncated at T); the share lost is
 * (1 - p)(1 - e^(-hT)) + p (h/r)(1 - e^(-rT)).  The delays are read from the
 * person-months spent in back after returning (a staff line with caseload 1):
 * sum (T - d_i) = T x returns - sum d_i. */
static void test_defective(tc_ctx *t)
{
    /* 20 replications of 20000 persons: the SE of the returned share is
     * ~0.06 point of 26.8%, so a probability 5% off (1.3 points) is ~23 SE
     * away; the SE of the mean delay is ~0.35% of 5.4 months. */
    const size_t reps = t->quick ? 12 : 20;
    const double n_persons = 20000, p = 0.3, mean_return = 6, h = 0.02, horizon = 60;
    const char *ini = "[model]\nname = Defective\nstart = 2020-01\nhorizon = 60\n\n"
                      "[population p]\nentry = back\ninitial.count = 20000\n"
                      "initial.state = gone\n\n"
                      "[state back]\nlabel = Returned\n\n"
                      "[state gone]\noutside = yes\n"
                      "on.return = with 0.3 after exponential(mean=6m) -> back\n"
                      "on.lost = hazard 0.02/m -> out\n\n"
                      "[staff back]\nstates = back\ncaseload = 1\n";
    stats_run sr;
    if (run_model(t, &sr, "defective.ini", ini, reps, 60, 0))
        return;
    long v_ret = var_of(t, &sr, "returns.p"), v_pm = var_of(t, &sr, "staff.back");
    long v_lost = var_of(t, &sr, "flow.gone.lost"), v_fire = var_of(t, &sr, "flow.gone.return");
    double *x = malloc(5 * reps * sizeof *x);
    if (v_ret >= 0 && v_pm >= 0 && v_lost >= 0 && v_fire >= 0 && x) {
        double *ret = x, *delay = x + reps, *lost = x + 2 * reps, *fired = x + 3 * reps;
        double *persons = x + 4 * reps;
        size_t hm = sr.run->n_months;
        for (size_t r = 0; r < reps; r++) {
            ret[r] = window_sum(&sr, r, v_ret, 0, hm);
            delay[r] = horizon * ret[r] - window_sum(&sr, r, v_pm, 0, hm);
            lost[r] = window_sum(&sr, r, v_lost, 0, hm);
            fired[r] = window_sum(&sr, r, v_fire, 0, hm);
            persons[r] = n_persons;
        }
        double r_all = 1 / mean_return + h, q = (1 / mean_return) / r_all;
        double done = -expm1(-r_all * horizon);
        double share = p * q * done,
               share_lost = (1 - p) * -expm1(-h * horizon) + p * h / r_all * done;
        double mean_delay = 1 / r_all - horizon * exp(-r_all * horizon) / done;
        double est, se;
        char power[120];
        ratio_of_sums(ret, persons, reps, &est, &se);
        check_near(t,
                   "defective return (p=0.3, mean 6m) against a 0.02/m loss: share returned "
                   "by 60 months vs p q (1 - e^(-rT))",
                   est, share, se, reps,
                   power_text(power, sizeof power, "p 5% off", 0.05 * share, se));
        ratio_of_sums(fired, ret, reps, &est, &se);
        CHECK(t, est == 1.0,
              "defective return: every firing of flow.gone.return is counted in returns.p "
              "(ratio %.6g, exactly 1)",
              est);
        ratio_of_sums(delay, ret, reps, &est, &se);
        check_near(t, "defective return: mean delay of returns (months) vs 1/r truncated at T", est,
                   mean_delay, se, reps,
                   power_text(power, sizeof power, "the delay of the unopposed exponential",
                              mean_return - mean_delay, se));
        ratio_of_sums(lost, persons, reps, &est, &se);
        check_near(t,
                   "defective return: share lost by 60 months vs (1-p)(1-e^(-hT)) + p h/r "
                   "(1-e^(-rT))",
                   est, share_lost, se, reps,
                   power_text(power, sizeof power, "a loss hazard 5% off",
                              0.05 * h * horizon * exp(-h * horizon) * (1 - p), se));
    } else {
        CHECK(t, x != NULL, "defective: allocate the per-replication totals");
    }
    free(x);
    stats_run_free(&sr);
}

/* ---- reproducibility ------------------------------------------------------------------------ */

static int same_values(const mc_result *a, const mc_result *b)
{
    size_t n = a->reps * a->n_vars * a->n_months;
    size_t ns = a->reps * a->n_populations * (a->n_months + 1);
    return a->reps == b->reps && a->n_vars == b->n_vars && a->n_months == b->n_months &&
           memcmp(a->values, b->values, n * sizeof(double)) == 0 &&
           memcmp(a->survival, b->survival, ns * sizeof(double)) == 0;
}

/* A model using every source of randomness (inflow with over-dispersion,
 * initial placement and seniority, gamma durations drawn by rejection,
 * categorical destinations, defective returns, a full resource with its
 * queue): the values arrays (and spell histograms) of 1 and 2 threads must be
 * bitwise equal, as must two runs with one seed; another seed must differ. */
static void test_reproducible(tc_ctx *t)
{
    const size_t reps = t->quick ? 4 : 12;
    const char *ini = "[model]\nname = Reproducible\nstart = 2020-01\nhorizon = 24\n\n"
                      "[population p]\nentry = wait\ninflow.rate = 600/y\n"
                      "inflow.overdispersion = 0.2\ninitial.count = 500\n"
                      "initial.state = wait:0.4, job:0.4, gone:0.2\n"
                      "initial.seniority = table(seniority.csv)\n\n"
                      "[state wait]\non.job = hazard piecewise(entry; 0m:0.08, 12m:0.04)/m -> "
                      "job:0.7, gone:0.3\non.leave = after lognormal(mean=8m, sd=5m) -> out\n\n"
                      "[state job]\nresource = places\nqueue = queue\n"
                      "on.end = after gamma(shape=3, mean=6m) -> wait:0.5, gone:0.5\n\n"
                      "[state queue]\non.renege = after uniform(min=1m, max=4m) -> wait\n\n"
                      "[state gone]\noutside = yes\n"
                      "on.return = with 0.4 after exponential(mean=6m) -> wait\n\n"
                      "[resource places]\ncapacity = 2020-01:150, 2021-01:180\n";
    tc_write(t, "seniority.csv", "upper,weight\n3m,0.3\n9m,0.3\n24m,0.4\n");
    stats_run one, two, again, other;
    if (run_model(t, &one, "repro.ini", ini, reps, 70, 1))
        return;
    if (run_model(t, &two, "repro.ini", ini, reps, 70, 2)) {
        stats_run_free(&one);
        return;
    }
    CHECK(t, same_values(one.run, two.run),
          "reproducibility: 1 thread and 2 threads give bitwise identical values (%zu "
          "replications x %zu variables x %zu months)",
          reps, one.run->n_vars, one.run->n_months);
    if (!run_model(t, &again, "repro.ini", ini, reps, 70, 2)) {
        CHECK(t, same_values(two.run, again.run),
              "reproducibility: two runs with seed 70 are bitwise identical");
        stats_run_free(&again);
    }
    if (!run_model(t, &other, "repro.ini", ini, reps, 71, 2)) {
        CHECK(t, !same_values(two.run, other.run),
              "reproducibility: seed 71 gives values different from seed 70");
        stats_run_free(&other);
    }
    stats_run_free(&one);
    stats_run_free(&two);
}

/* ---- a centred log-AR(1) driver ---------------------------------------------------
 *
 * A log-ar1 driver x with yearly innovation sd 0.1753 and persistence 0.78 (the
 * national cycle) has the stationary variance v = sd^2 / (1 - phi^2) = 0.0785, so its
 * multiplier D = e^x has mean e^(v/2) = 1.040; `centred = yes` makes it e^(x - v/2),
 * of mean 1.  A driver starting at 0 has var x(n) = v (1 - a^(2n)) n months after its
 * start (a = phi^(1/12)); centred, its mean is 1 in every month too.  Each
 * replication's mean of D over the 60 months is one independent value; the standard
 * error comes from their spread.  With 3000 replications it is about 0.005, so the
 * 0.04 between a centred and an uncentred driver is 8 standard errors: a driver not
 * centred, or centred by the wrong variance (the yearly sd^2 instead of v), fails. */
static void test_centred_driver(tc_ctx *t)
{
    const size_t reps = t->quick ? 300 : 3000;
    const double sd = 0.1753, phi = 0.78, v = sd * sd / (1 - phi * phi);
    const double a = pow(phi, 1.0 / 12);
    char ini[1024];
    snprintf(ini, sizeof ini,
             "[model]\nname = centred\nstart = 2020-01\nhorizon = 60\n"
             "[driver plain]\nprocess = log-ar1\nsd = %g\npersistence = %g\nstart = stationary\n"
             "[driver stat]\nprocess = log-ar1\nsd = %g\npersistence = %g\nstart = stationary\n"
             "centred = yes\n"
             "[driver zero]\nprocess = log-ar1\nsd = %g\npersistence = %g\ncentred = yes\n"
             "[population p]\nentry = a\ninflow.rate = 1/m\ninflow.drivers = plain * stat * zero\n"
             "[state a]\non.leave = after fixed(1m) -> out\n",
             sd, phi, sd, phi, sd, phi);
    stats_run sr;
    if (run_model(t, &sr, "centred.ini", ini, reps, 11, 2))
        return;
    const char *names[] = {"driver.plain", "driver.stat", "driver.zero"};
    double *x = malloc(reps * sizeof *x);
    for (int d = 0; x && d < 3; d++) {
        long var = var_of(t, &sr, names[d]);
        if (var < 0)
            break;
        double expect = 0; /* the mean over the 60 months of E[D] */
        for (size_t k = 0; k < 60; k++)
            expect += (d == 0 ? exp(v / 2) : 1) / 60;
        for (size_t rep = 0; rep < reps; rep++)
            x[rep] = window_sum(&sr, rep, var, 0, 60) / 60;
        sample_moments mo;
        moments(x, reps, &mo);
        CHECK(t, fabs(mo.mean - expect) < TOL_SE * mo.se_mean,
              "%s: mean multiplier %.4f, closed form %.4f (%.1f se of %.4f)", names[d], mo.mean,
              expect, fabs(mo.mean - expect) / mo.se_mean, mo.se_mean);
        if (d == 2 && !t->quick) {
            /* the uncentred mean a driver starting at 0 would have: its variance grows (a check
             * of power: 300 replications of quick mode put the two 1.8 se apart, 3000 put them
             * 6 se apart, so it runs only with the full count) */
            double grow = 0;
            for (size_t k = 0; k < 60; k++)
                grow += exp(v * (1 - pow(a, 2.0 * (double)k)) / 2) / 60;
            CHECK(t, fabs(mo.mean - grow) > TOL_SE * mo.se_mean,
                  "%s: the centring is seen (%.4f vs %.4f uncentred)", names[d], mo.mean, grow);
        }
    }
    free(x);
    stats_run_free(&sr);
}

void suite_stats(tc_ctx *t)
{
    test_mginf(t);
    test_mmc(t);
    test_markov(t);
    test_piecewise(t);
    test_little(t);
    test_defective(t);
    test_centred_driver(t);
    test_reproducible(t);
}
