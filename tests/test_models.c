/* test_models — the shipped reference models and scenarios: each loads and runs, the Drôme
 * baseline agrees with what the seeds and published rates say of its flows, and every policy
 * scenario moves its outputs the expected way and by the expected order of magnitude against
 * its baseline, with effects that follow their uncertain parameters.  (The observed series the
 * models are held to are checked in test_calibration.c.)
 *
 * Scenarios are compared with their baseline replication by replication: both run with the
 * same seed, so they share their random numbers person by person and the same draws of the
 * uncertain parameters, and the paired difference has a small spread.  Tolerances say where
 * they come from: the seed figure's own precision and the Monte Carlo error of a mean over the
 * replications run here (per-replication spreads measured with 100 replications,
 * docs/models.md).  Paths are relative to the repository root. */
#include <dirent.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mc.h"
#include "core/mdl.h"

#define MAX_FILES 64
#define SEED      2018u

typedef struct {
    char path[256];
    mdl_model *model;
    mc_result *result;
} run_entry;

typedef struct {
    tc_ctx *t;
    size_t reps;
    size_t n;
    run_entry runs[MAX_FILES];
} run_cache;

/* The run of path (loaded and run once, then kept); NULL after a failed check. */
static run_entry *run_file(run_cache *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->runs[i].path, path))
            return c->runs[i].result ? &c->runs[i] : NULL;
    if (c->n == MAX_FILES) {
        CHECK(c->t, 0, "at most %d shipped files", MAX_FILES);
        return NULL;
    }
    run_entry *e = &c->runs[c->n++];
    snprintf(e->path, sizeof e->path, "%s", path);
    pc_err err;
    if (mdl_load(path, &e->model, &err)) {
        CHECK(c->t, 0, "%s loads: %s", path, err.msg);
        e->model = NULL;
        return NULL;
    }
    /* The ARA RSA model (160,000 foyers, its observations checked in test_calibration.c) and
     * the national model (1.9 million foyers, checked in test_france.c) are only loaded and
     * run here: 1 replication. */
    size_t reps = strstr(path, "ara/rsa") || strstr(path, "france/") ? 1 : c->reps;
    mc_options opt = {.reps = reps, .seed = SEED, .threads = 2};
    if (mc_run(e->model, &opt, &e->result, &err)) {
        CHECK(c->t, 0, "%s runs: %s", path, err.msg);
        e->result = NULL;
        return NULL;
    }
    return e;
}

static void cache_free(run_cache *c)
{
    for (size_t i = 0; i < c->n; i++) {
        mc_result_free(c->runs[i].result);
        mdl_free(c->runs[i].model);
    }
}

/* Month index of calendar month year-month in a run. */
static size_t month(const run_entry *e, int year, int mo)
{
    return (size_t)((year - e->model->start_year) * 12 + (mo - e->model->start_month));
}

/* Series of a variable, or NULL (with a failed check). */
static const double *series(tc_ctx *t, const run_entry *e, size_t rep, const char *var)
{
    long v = rec_find(e->result->catalog, var);
    if (v < 0) {
        CHECK(t, 0, "%s has a variable %s", e->path, var);
        return NULL;
    }
    return mc_series(e->result, rep, (size_t)v);
}

/* Sum of a variable over months [from, to) of one replication (NAN if missing). */
static double sum_of(tc_ctx *t, const run_entry *e, size_t rep, const char *var, size_t from,
                     size_t to)
{
    const double *x = series(t, e, rep, var);
    if (!x)
        return NAN;
    double s = 0;
    for (size_t k = from; k < to; k++)
        s += x[k];
    return s;
}

/* Mean and standard error over replications of values[rep]. */
static void mean_se(const double *values, size_t n, double *mean, double *se)
{
    double m = 0, v = 0;
    for (size_t i = 0; i < n; i++)
        m += values[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        v += (values[i] - m) * (values[i] - m);
    *mean = m;
    *se = n > 1 ? sqrt(v / (double)(n - 1) / (double)n) : INFINITY;
}

/* ---- every shipped file -------------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

/* Appends root/TERRITORY/NAME.ini for every territory folder of root; returns the count. */
static size_t list_ini(const char *root, char (*out)[256], size_t cap)
{
    size_t n = 0;
    DIR *top = opendir(root);
    if (!top)
        return 0;
    struct dirent *d;
    while ((d = readdir(top))) {
        if (d->d_name[0] == '.')
            continue;
        char dir[128];
        int w = snprintf(dir, sizeof dir, "%s/%s", root, d->d_name);
        if (w < 0 || (size_t)w >= sizeof dir)
            continue;
        DIR *sub = opendir(dir);
        if (!sub)
            continue;
        struct dirent *f;
        while ((f = readdir(sub))) {
            size_t l = strlen(f->d_name);
            if (l < 5 || strcmp(f->d_name + l - 4, ".ini") || n == cap)
                continue;
            int wf = snprintf(out[n], 256, "%s/%s", dir, f->d_name);
            if (wf > 0 && wf < 256)
                n++;
        }
        closedir(sub);
    }
    closedir(top);
    qsort(out, n, sizeof *out, by_name);
    return n;
}

static void test_all_files(run_cache *c)
{
    char files[MAX_FILES][256];
    size_t n = list_ini("models", files, MAX_FILES);
    size_t n_models = n;
    n += list_ini("scenarios", files + n, MAX_FILES - n);
    CHECK(c->t, n_models >= 3 && n - n_models >= 9,
          "found the shipped files: %zu models, %zu scenarios", n_models, n - n_models);
    size_t ran = 0;
    for (size_t i = 0; i < n; i++) {
        run_entry *e = run_file(c, files[i]);
        if (!e)
            continue;
        const double *total = series(c->t, e, 0, "cost.total");
        int finite = total != NULL;
        for (size_t k = 0; finite && k < e->result->n_months; k++)
            finite = isfinite(total[k]);
        ran += finite;
    }
    CHECK(c->t, ran == n, "every shipped model and scenario loads and runs (%zu of %zu)", ran, n);
}

/* ---- Drôme: the seed's flows ---------------------------------------------------------------
 */

/* The value of a parameter in replication rep (NAN if the model has no such parameter). */
static double param_of(const run_entry *e, size_t rep, const char *name)
{
    int i = mdl_param_index(e->model, name);
    if (i < 0)
        return NAN;
    return e->result->param_values[rep * e->result->n_params + (size_t)i];
}

static void test_drome_flows(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    if (!b)
        return;
    size_t reps = b->result->reps;
    double ever[64], job_share[64];
    size_t y17 = month(b, 2017, 1), y18 = month(b, 2018, 1), y20 = month(b, 2020, 1);
    for (size_t r = 0; r < reps; r++) {
        /* 12,082 foyers at 31/12/2016 (DREES) and the entries of 2017 */
        ever[r] = 12082 + sum_of(t, b, r, "entries.rsa", y17, y18);
        job_share[r] =
            sum_of(t, b, r, "in.exit_job", y17, y20) / sum_of(t, b, r, "exits.rsa", y17, y20);
    }
    double m, se;
    /* 001_5f25dcd47cc81775.txt l.248: "En 2017, on comptait 16 018 personnes allocataires du
     * RSA", read as the foyers who received the RSA in some month of 2017: those present at
     * 31/12/2016 and those who entered during the year (docs/models.md).  The reading is not a
     * fit: it holds within 5 % (the model gives about 3 % less; per-replication sd ≈ 60). */
    mean_se(ever, reps, &m, &se);
    CHECK(t, fabs(m / 16018 - 1) < 0.05,
          "Drôme: foyers with the RSA in some month of 2017 %.0f (se %.0f), within 5 %% of the "
          "seed's 16 018",
          m, se);
    /* The share of exits to employment is not fitted (the plan's 50 % is an objective,
     * 001 l.356-357): it follows from the job hazards, and must lie in the published range 44-58 %
     * (DREES ER 1073: 44 %, 48 % with the prime d'activité; Cour des comptes 2022: 34 / 58).
     * Per-replication spread about 1.5 points. */
    mean_se(job_share, reps, &m, &se);
    CHECK(t, m > 0.44 && m < 0.58,
          "Drôme: exits to employment 2017-2019 %.1f %% of exits (published range 44-58 %%)",
          100 * m);
}

/* ---- Drôme: scenarios ------------------------------------------------------------------------ */

/* Paired difference scenario - baseline of f over replications, each kept in d (64 values). */
typedef double (*rep_stat)(tc_ctx *, const run_entry *, size_t);

static int paired(tc_ctx *t, const run_entry *base, const run_entry *scen, rep_stat f, double *mean,
                  double *se, double d[64])
{
    size_t reps = base->result->reps;
    if (reps > 64 || reps < 2 || scen->result->reps != reps)
        return 0;
    for (size_t r = 0; r < reps; r++) {
        d[r] = f(t, scen, r) - f(t, base, r);
        if (!isfinite(d[r]))
            return 0;
    }
    mean_se(d, reps, mean, se);
    return 1;
}

/* Pearson correlation of x and y over n values. */
static double correlation(const double *x, const double *y, size_t n)
{
    double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        mx += x[i] / (double)n;
        my += y[i] / (double)n;
    }
    for (size_t i = 0; i < n; i++) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxy / sqrt(sxx * syy);
}

static double stock_end(tc_ctx *t, const run_entry *e, size_t r)
{
    const double *x = series(t, e, r, "stock.rsa");
    return x ? x[e->result->n_months - 1] : NAN;
}

static double allocation_total(tc_ctx *t, const run_entry *e, size_t r)
{
    return sum_of(t, e, r, "indicator.depenses_allocation", 0, e->result->n_months);
}

static double jobs_total(tc_ctx *t, const run_entry *e, size_t r)
{
    double jobs = sum_of(t, e, r, "in.exit_job", 0, e->result->n_months);
    if (rec_find(e->result->catalog, "in.exit_job_parrainage") >= 0)
        jobs += sum_of(t, e, r, "in.exit_job_parrainage", 0, e->result->n_months);
    return jobs;
}

static double iae_queue_2021_2022(tc_ctx *t, const run_entry *e, size_t r)
{
    return sum_of(t, e, r, "queue.iae_queue", month(e, 2021, 1), month(e, 2023, 1)) / 24.0;
}

static void test_orientation(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    run_entry *s = run_file(c, "scenarios/drome/orientation-2-mois.ini");
    if (!b || !s)
        return;
    /* The delay law in force from April 2019: its 95th percentile is at most 60 days. */
    const mdl_model *m = s->model;
    int st = mdl_state_index(m, "orientation");
    double p95 = NAN;
    for (size_t i = 0; st >= 0 && i < m->states[st].n_transitions; i++) {
        const mdl_transition *tr = &m->states[st].transitions[i];
        const mdl_version *v = mdl_version_at(tr, mdl_day_of(m, 2019, 4));
        if (!strcmp(tr->name, "oriented") && v->law.kind == MDL_AFTER_LOGNORMAL)
            p95 = gsl_cdf_lognormal_Pinv(0.95, v->law.p[0], v->law.p[1]);
    }
    CHECK(t, p95 > 55 && p95 <= 60,
          "orientation within 2 months: 95th percentile of the delay %.1f days (<= 60)", p95);
    /* The effect rests on the job hazard while awaiting orientation (uncertain, 0.2-0.5 of the
     * first-year hazard) against the tracks' (0.6-0.9 professional, 0.15-0.35 social): fewer
     * foyers at the end of 2026 on average (measured -132, paired sd ≈ 90: se ≈ 26 with 12
     * replications), and a smaller effect, or none, in the replications where waiting costs
     * little: the paired difference rises with emploi_attente (correlation measured ≈ 0.8 over
     * 100 replications; above 0.3 is far outside what 12 independent pairs give by chance,
     * p ≈ 0.17 for 0.3 but the draws here are fixed). */
    double d[64], x[64], mean, se;
    size_t reps = b->result->reps;
    if (reps < 12) {
        /* 4 replications (PARCOURS_QUICK) give se ≈ 45 against an effect of ≈ -132 and a
         * correlation of 4 points: neither claim can be told from chance there */
        printf("skip models: orientation within 2 months: the effect on the stock needs 12 "
               "replications (%zu in quick mode)\n",
               reps);
    } else if (paired(t, b, s, stock_end, &mean, &se, d)) {
        for (size_t r = 0; r < reps; r++)
            x[r] = param_of(b, r, "emploi_attente");
        double rho = correlation(x, d, reps);
        CHECK(t, mean < -2 * se && mean > -600,
              "orientation within 2 months: stock at the end of 2026 %+.0f (se %.0f) vs baseline",
              mean, se);
        CHECK(t, rho > 0.3,
              "orientation within 2 months: the effect shrinks as the job hazard while awaiting "
              "orientation rises (correlation %.2f over %zu replications)",
              rho, reps);
    }
    if (paired(t, b, s, allocation_total, &mean, &se, d))
        CHECK(t, mean < 0,
              "orientation within 2 months: allocation 2017-2026 %+.2f M EUR (se %.2f)", mean / 1e6,
              se / 1e6);
}

static void test_parrainage(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    run_entry *s = run_file(c, "scenarios/drome/parrainage.ini");
    if (!b || !s)
        return;
    /* 50 parrains at most, ≈ 130 filleuls a year from 2022, each 25 points likelier to find a
     * job than on the professional track: about 30 more exits to a job a year, 50 to 400 over
     * 2020-2026.  Measured ≈ +110, paired sd ≈ 40. */
    double d, se, diffs[64];
    if (paired(t, b, s, jobs_total, &d, &se, diffs))
        CHECK(t, d > 30 && d < 400 && d > 3 * se,
              "parrainage: %+.0f exits to employment over 2017-2026 (se %.0f) vs baseline", d, se);
    /* Employment 40-50 % of RSA filleuls (assumption); the uncertain 0.05-0.13/m over 6 months
     * gives 25-53 %; binomial error on ≈ 800 filleuls per replication. */
    double filleuls = 0, jobs = 0;
    for (size_t r = 0; r < s->result->reps; r++) {
        filleuls += sum_of(t, s, r, "in.parrainage", 0, s->result->n_months);
        jobs += sum_of(t, s, r, "flow.parrainage.job", 0, s->result->n_months);
    }
    double share = filleuls > 0 ? jobs / filleuls : 0;
    CHECK(t, share > 0.25 && share < 0.53,
          "parrainage: %.0f %% of filleuls leave for a job during the mentoring", 100 * share);
}

/* Σ over months [from, to) of a delay indicator's num and den: the share of the cohorts. */
static double cohort_share(tc_ctx *t, const run_entry *e, size_t r, const char *name, size_t from,
                           size_t to)
{
    char num[96], den[96];
    snprintf(num, sizeof num, "indicator.%s.num", name);
    snprintf(den, sizeof den, "indicator.%s.den", name);
    return sum_of(t, e, r, num, from, to) / sum_of(t, e, r, den, from, to);
}

static double oriented_2m_2020_2025(tc_ctx *t, const run_entry *e, size_t r)
{
    return cohort_share(t, e, r, "oriente_2_mois", month(e, 2020, 1), month(e, 2026, 1));
}

/* Mean wait for a référent (days) of the waits ended in 2020-2025. */
static double referent_wait_2020_2025(tc_ctx *t, const run_entry *e, size_t r)
{
    size_t from = month(e, 2020, 1), to = month(e, 2026, 1);
    return sum_of(t, e, r, "wait.attente_referent.total", from, to) /
           sum_of(t, e, r, "wait.attente_referent.count", from, to);
}

static int staff_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_staff; i++)
        if (!strcmp(m->staff[i].name, name))
            return (int)i;
    return -1;
}

static void test_referents(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    run_entry *cut = run_file(c, "scenarios/drome/moins-referents.ini");
    run_entry *fast = run_file(c, "scenarios/drome/orientation-2-mois.ini");
    if (!b || !cut || !fast)
        return;
    /* 15 % fewer of the Département's référents from 2020: beyond their margin over the usual
     * caseload (4-25 %) in every replication, so the oriented wait for a slot.  Paired with
     * common random numbers (same foyers, same draws of the margin): entrants received within
     * two months fall (measured -0.12 over 2020-2025, paired sd ≈ 0.045) and the mean wait for
     * a référent rises (the mean over replications of their 2020-2025 means, measured 3 -> 60
     * days); the first is asked to be more than 3 paired standard errors below 0 and 3 points,
     * the second 20 days longer. */
    double d, se, diffs[64];
    if (paired(t, b, cut, oriented_2m_2020_2025, &d, &se, diffs))
        CHECK(t, d < -3 * se && d < -0.03,
              "fewer référents: entrants received by a référent within 2 months %+.3f (se %.3f) "
              "in 2020-2025",
              d, se);
    double wait_b = 0, wait_c = 0;
    size_t reps = b->result->reps;
    for (size_t r = 0; r < reps; r++) {
        double wb = referent_wait_2020_2025(t, b, r), wc = referent_wait_2020_2025(t, cut, r);
        wait_b += (isfinite(wb) ? wb : 0) / (double)reps;
        wait_c += wc / (double)reps;
    }
    CHECK(t, wait_c > wait_b + 20,
          "fewer référents: mean wait for a référent %.0f days in 2020-2025 against %.0f", wait_c,
          wait_b);
    /* Orientation within two months, with the 7 référent ETP it needs: the entrants received
     * within two months rise from about a third to more than 80 % (measured 0.85; the 95th
     * percentile of the new delay is 59.3 days, and the référents keep their margin). */
    if (paired(t, b, fast, oriented_2m_2020_2025, &d, &se, diffs))
        CHECK(t, d > 0.4 && d > 3 * se,
              "orientation within 2 months: entrants received within 2 months %+.3f (se %.3f)", d,
              se);
    /* Its référents cost exactly the added ETP: each référent line is paid on the funded ETP
     * (basis = funded), so month by month the scenario's cost over the baseline's is the ratio
     * of their ETP (36.5 / 35, 49.5 / 47.5, 32.5 / 30, 9.5 / 8.5 from April 2019, 1 before), in
     * every replication, whatever the uncertain cost of an ETP. */
    static const char *const staff[] = {"referents_pe", "referents_spe", "referents_cd",
                                        "referents_hors_spe"};
    int exact = 1;
    double added = 0;
    for (size_t i = 0; i < 4; i++) {
        int sb = staff_index(b->model, staff[i]), sf = staff_index(fast->model, staff[i]);
        if (sb < 0 || sf < 0) {
            CHECK(t, 0, "the Drôme models have a staff %s", staff[i]);
            return;
        }
        char name[64];
        snprintf(name, sizeof name, "cost.%s", staff[i]);
        for (size_t r = 0; r < reps && exact; r++) {
            const double *cb = series(t, b, r, name), *cf = series(t, fast, r, name);
            if (!cb || !cf)
                return;
            for (size_t k = 0; k < b->result->n_months; k++) {
                double day = ((double)k + 0.5) * MDL_DAYS_PER_MONTH;
                double ratio = mdl_schedule_at(&fast->model->staff[sf].etp, day) /
                               mdl_schedule_at(&b->model->staff[sb].etp, day);
                exact &= cb[k] > 0 && fabs(cf[k] / cb[k] - ratio) < 1e-9;
                if (r == 0 && k >= month(b, 2020, 1) && k < month(b, 2021, 1))
                    added += cf[k] - cb[k];
            }
        }
    }
    CHECK(t, exact && added > 0,
          "orientation within 2 months: the référent lines pay the 7 added ETP exactly (%.0f k EUR "
          "in 2020, replication 1)",
          added / 1e3);
}

static void test_parrainage_young(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    run_entry *s = run_file(c, "scenarios/drome/parrainage.ini");
    if (!b || !s)
        return;
    /* The young's parrainage (fiche n°10, "jeunes en insertion") is offered to foyers under 26
     * only (a targeted change, and a state admitting moins_26): its filleuls are all under 26
     * when they enter it, those who turn 26 between the offer and a free parrain included (the
     * offer is drawn again when the value changes, and the line admits only those the state
     * still admits: docs/format.md).  Checking admission only when the offer was drawn let 7 %
     * of them in at 26 or more; a leak of the offer to the other groups would add the 26-49
     * year-olds in proportion to their 67 % of the stock. */
    size_t n = s->result->n_months;
    double young = 0, all = 0, young_all = 0, filleuls = 0;
    for (size_t r = 0; r < s->result->reps; r++) {
        young += sum_of(t, s, r, "in.parrainage_jeune[age=moins_26]", 0, n);
        all += sum_of(t, s, r, "in.parrainage_jeune", 0, n);
        young_all += sum_of(t, s, r, "in.parrainage[age=moins_26]", 0, n);
        filleuls += sum_of(t, s, r, "in.parrainage", 0, n);
    }
    CHECK(t, all > 0 && young == all,
          "parrainage: %.1f %% of the %.0f young filleuls are under 26 on entering (all of them)",
          all > 0 ? 100 * young / all : 0, all);
    /* With it the under-26 are about 30 % of the filleuls (measured), where they are 9 % of the
     * foyers; the end-of-track offer alone reaches them less than in proportion (5 % of its
     * filleuls, measured): 12 % is far above what no targeting gives. */
    double share = (young + young_all) / (all + filleuls);
    CHECK(t, share > 0.12,
          "parrainage: the under-26 are %.1f %% of all filleuls (9 %% of the foyers)", 100 * share);
    /* And more of the under-26 leave for a job than in the baseline (paired, same foyers). */
    double d[64], m, se;
    size_t reps = b->result->reps;
    for (size_t r = 0; r < reps && r < 64; r++) {
        double jobs_s = sum_of(t, s, r, "in.exit_job[age=moins_26]", 0, n) +
                        sum_of(t, s, r, "in.exit_job_parrainage[age=moins_26]", 0, n);
        d[r] = jobs_s - sum_of(t, b, r, "in.exit_job[age=moins_26]", 0, n);
    }
    mean_se(d, reps < 64 ? reps : 64, &m, &se);
    CHECK(t, m > 3 * se,
          "parrainage: %+.0f exits to a job of the under-26 over 2017-2026 (se %.0f) vs baseline",
          m, se);
}

/* Filleuls of 2021-2026: the young outside the RSA, and the RSA beneficiaries. */
static double young_filleuls_2021_2026(tc_ctx *t, const run_entry *e, size_t r)
{
    return sum_of(t, e, r, "in.parrainage_ml", month(e, 2021, 1), e->result->n_months);
}

static double rsa_filleuls_2021_2026(tc_ctx *t, const run_entry *e, size_t r)
{
    size_t from = month(e, 2021, 1), to = e->result->n_months;
    return sum_of(t, e, r, "in.parrainage", from, to) +
           sum_of(t, e, r, "in.parrainage_jeune", from, to);
}

/* The young people the Mission locale proposes (population jeunes, outside the RSA) and the
 * RSA beneficiaries share the parrains: with 20 parrains from December 2020 instead of 30 then
 * 50, both have fewer filleuls, paired replication by replication with the scenario (same
 * persons, same offers).  Parrains counted per population would leave one of them unchanged;
 * the young's share of the filleuls (about 30 %, measured) says they do compete. */
static void test_parrainage_shared(run_cache *c)
{
    tc_ctx *t = c->t;
    char real[4096], text[4400];
    if (!realpath("scenarios/drome/parrainage.ini", real)) {
        CHECK(t, 0, "scenarios/drome/parrainage.ini found");
        return;
    }
    snprintf(text, sizeof text,
             "[scenario]\nlabel = Moins de parrains\nextends = %s\n"
             "[set 2020-12]\nresource.parrains.capacity = 20\n",
             real);
    run_entry *s = run_file(c, "scenarios/drome/parrainage.ini");
    run_entry *f = run_file(c, tc_write(t, "moins-parrains.ini", text));
    if (!s || !f)
        return;
    double dy, sey, dr, ser, diffs[64], young = 0, all = 0;
    for (size_t r = 0; r < s->result->reps; r++) {
        young += young_filleuls_2021_2026(t, s, r);
        all += young_filleuls_2021_2026(t, s, r) + rsa_filleuls_2021_2026(t, s, r);
    }
    CHECK(
        t,
        young > 0.1 * all &&
                young<0.6 * all,
                      "parrainage: the young outside the RSA are %.0f %% of the filleuls 2021-2026",
                      all> 0
            ? 100 * young / all
            : 0);
    if (paired(t, s, f, young_filleuls_2021_2026, &dy, &sey, diffs) &&
        paired(t, s, f, rsa_filleuls_2021_2026, &dr, &ser, diffs))
        CHECK(t, dy < -3 * sey && dr < -3 * ser,
              "parrainage: 20 parrains instead of 50 give %+.0f young filleuls (se %.0f) and %+.0f "
              "RSA filleuls (se %.0f) over 2021-2026: one line for both populations",
              dy, sey, dr, ser);
}

static void test_iae_plus_20(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    run_entry *s = run_file(c, "scenarios/drome/iae-plus-20.ini");
    if (!b || !s)
        return;
    /* The queue of about 110 nearly empties with 20 % more posts when demand is near the
     * throughput, less so when the uncertain demand is high: at least a third shorter on average
     * (measured 113 -> 42 in 2022; paired sd of the 2-year mean ≈ 55). */
    double d, se, base_q = 0, diffs[64];
    for (size_t r = 0; r < b->result->reps; r++)
        base_q += iae_queue_2021_2022(t, b, r) / (double)b->result->reps;
    if (paired(t, b, s, iae_queue_2021_2022, &d, &se, diffs))
        CHECK(t, d < -base_q / 3 && d < -3 * se,
              "IAE +20 %%: IAE queue 2021-2022 %+.0f from %.0f (se %.0f)", d, base_q, se);
    /* The FIE's socle lines pay exactly the added funded ETP times the socle (their amount is 1
     * and their table gives the euros), in every replication; the part modulée lines pay between
     * 0 and 10 % of that. */
    const mdl_model *ms = s->model, *mb = b->model;
    int exact = 1, modulated = 1;
    double added_total = 0;
    for (size_t r = 0; r < s->result->reps && exact; r++) {
        for (size_t i = 0; i < ms->n_costs; i++) {
            const mdl_cost *co = &ms->costs[i];
            if (co->per != MDL_COST_UNIT_YEAR || strcmp(ms->funders[co->funder], "etat"))
                continue;
            const mdl_resource *rs = &ms->resources[co->resource];
            int rb = mdl_resource_index(mb, rs->name);
            char name[160];
            snprintf(name, sizeof name, "cost.%s", co->name);
            const double *cs = series(t, s, r, name), *cb = series(t, b, r, name);
            if (rb < 0 || !cs || !cb)
                return;
            int socle = !strncmp(co->name, "aide_poste_", 11);
            for (size_t k = 0; k < s->result->n_months; k++) {
                double day = (double)k * MDL_DAYS_PER_MONTH;
                double added = mdl_schedule_at(&rs->capacity, day) -
                               mdl_schedule_at(&mb->resources[rb].capacity, day);
                double socle_added = added * rs->etp_weight / 12.0 * mdl_cost_index(co, day);
                double diff = cs[k] - cb[k];
                if (socle) {
                    exact &= fabs(diff - socle_added * mdl_schedule_at(&co->amount, day)) <=
                             1e-6 * (fabs(cb[k]) + 1);
                    if (r == 0)
                        added_total += diff;
                } else {
                    modulated &= diff >= -1e-9 && diff <= 0.10 * socle_added + 1e-6;
                }
            }
        }
    }
    CHECK(t, exact && modulated && added_total > 0,
          "IAE +20 %%: the FIE pays exactly the added ETP x aide au poste socle (%.2f M EUR to "
          "2026), plus 0-10 %% of it as part modulée",
          added_total / 1e6);
}

static double stock_2022_06(tc_ctx *t, const run_entry *e, size_t r)
{
    const double *x = series(t, e, r, "stock.rsa");
    return x ? x[month(e, 2022, 6)] : NAN;
}

static void test_flash(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    run_entry *s = run_file(c, "scenarios/drome/flash-emploi.ini");
    if (!b || !s)
        return;
    /* 003_7cbea70ff70dd1df.txt l.1682: 69 % of the Alpes-Maritimes' participants out of the RSA
     * 12 months after.  The scenario's uncertain effect spans from no effect beyond immediate
     * accompaniment to the whole gap with that département's entrants (53 %), added to the
     * Drôme's entrants: participants' share out at 12 months 44-60 % (measured at the ends of
     * the range over 10 replications each); the cohorts of 2020-2024, ≈ 5,000 participants a
     * replication, have a binomial se under a point. */
    long v = rec_find(s->result->catalog, "indicator.sortie_12_mois_flash.num");
    long w = rec_find(s->result->catalog, "indicator.sortie_12_mois_flash.den");
    if (v < 0 || w < 0) {
        CHECK(t, 0, "flash emploi: the cohort indicator sortie_12_mois_flash");
        return;
    }
    double out = 0, cohort = 0;
    for (size_t r = 0; r < s->result->reps; r++)
        for (size_t k = month(s, 2020, 1); k < month(s, 2025, 1); k++) {
            out += mc_series(s->result, r, (size_t)v)[k];
            cohort += mc_series(s->result, r, (size_t)w)[k];
        }
    CHECK(t, cohort > 0 && out / cohort > 0.42 && out / cohort < 0.62,
          "flash emploi: %.1f %% of participants out of the RSA 12 months after entering "
          "(range of the uncertain effect 44-60 %%)",
          100 * out / cohort);
    /* Fewer foyers two and a half years on: ≈ 1,000 participants a year, 0-16 points more of
     * them out at 12 months (measured -233, paired sd ≈ 110). */
    double d, se, diffs[64];
    if (paired(t, b, s, stock_2022_06, &d, &se, diffs))
        CHECK(t, d < -3 * se && d > -1000,
              "flash emploi: stock at 2022-06 %+.0f (se %.0f) vs baseline", d, se);
}

/* ---- Hautes-Alpes: E2C ----------------------------------------------------------------------- */

static double e2c_budget(tc_ctx *t, const run_entry *e, size_t r, size_t from, size_t to)
{
    double s = 0;
    static const char *const lines[] = {"cost.e2c_region",
                                        "cost.e2c_etat",
                                        "cost.e2c_fse",
                                        "cost.e2c_collectivites",
                                        "cost.e2c_taxe_apprentissage",
                                        "cost.e2c_autres",
                                        "cost.remuneration_stagiaires"};
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        s += sum_of(t, e, r, lines[i], from, to);
    return s;
}

static void test_e2c(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *none = run_file(c, "scenarios/hautes-alpes/sans-e2c.ini");
    run_entry *opened = run_file(c, "scenarios/hautes-alpes/ouverture-e2c.ini");
    if (!none || !opened)
        return;
    size_t reps = opened->result->reps, h = opened->result->n_months;
    double none_in = 0;
    for (size_t r = 0; r < none->result->reps; r++)
        none_in += sum_of(t, none, r, "in.e2c", 0, h) + e2c_budget(t, none, r, 0, h);
    CHECK(t, none_in == 0, "without an E2C nobody enters one and nothing is spent on it");

    /* Once ramped up (2022-2025), the school is full: demand ≈ 2.5 x the places. */
    size_t k0 = month(opened, 2022, 1);
    double occupied = 0, capacity = 0, entrants = 0, positive = 0, leavers = 0, dropouts = 0;
    int within = 1, cost_exact = 1;
    for (size_t r = 0; r < reps; r++) {
        const double *occ = series(t, opened, r, "occupied.e2c_places");
        const double *cap = series(t, opened, r, "capacity.e2c_places");
        const double *in = series(t, opened, r, "in.e2c");
        if (!occ || !cap || !in)
            return;
        for (size_t k = 0; k < h; k++) {
            within &= occ[k] <= cap[k];
            if (k >= k0) {
                occupied += occ[k];
                capacity += cap[k];
            }
        }
        entrants += sum_of(t, opened, r, "in.e2c", k0, h);
        double p = sum_of(t, opened, r, "in.e2c_positive", k0, h);
        double q = sum_of(t, opened, r, "in.e2c_no_solution", k0, h);
        double dr = sum_of(t, opened, r, "in.e2c_dropout", k0, h);
        positive += p;
        dropouts += dr;
        leavers += p + q + dr;
        /* The per-entry lines cost their amounts, indexed, for each young person entering. */
        const mdl_model *m = opened->model;
        for (size_t k = 0; k < h; k++) {
            double day = (double)k * MDL_DAYS_PER_MONTH, expected = 0, got = 0;
            for (size_t i = 0; i < m->n_costs; i++) {
                const mdl_cost *co = &m->costs[i];
                if (co->per != MDL_COST_ENTRY)
                    continue;
                char name[128];
                snprintf(name, sizeof name, "cost.%s", co->name);
                const double *cs = series(t, opened, r, name);
                if (!cs)
                    return;
                got += cs[k];
                expected += in[k] * mdl_schedule_at(&co->amount, day) * mdl_cost_index(co, day);
            }
            cost_exact &= fabs(got - expected) <= 1e-6 * (expected + 1);
        }
    }
    CHECK(t, within && occupied >= 0.95 * capacity,
          "E2C: places never exceeded; %.1f %% of them used in 2022-2025",
          100 * occupied / capacity);
    /* 40 places and stays of ≈ 5 months (6 for completers, shorter for drop-outs): ≈ 95 a year. */
    double per_year = entrants / (double)reps / 4.0;
    CHECK(t, per_year > 75 && per_year < 115,
          "E2C: %.0f young people a year with 40 places (≈ 40 x 12 / 5 months)", per_year);
    /* Réseau E2C: positive exits 59-64 % of leavers, drop-outs ≈ 22 % of entrants; binomial
     * error on ≈ 380 leavers per replication: se < 2.5 points with 4 replications. */
    CHECK(t, positive / leavers > 0.54 && positive / leavers < 0.66,
          "E2C: %.1f %% positive exits among leavers (Réseau E2C: 59-64 %%)",
          100 * positive / leavers);
    CHECK(t, dropouts / leavers > 0.16 && dropouts / leavers < 0.28,
          "E2C: %.1f %% drop-outs among leavers (completion 78 %%)", 100 * dropouts / leavers);
    /* The six funders' lines add up to the cost per new entrant: 7,311 EUR in 2016 (Réseau E2C,
     * charges over entrants), 7,457 in January 2017 at +2 %/yr. */
    double per_entrant = 0;
    for (size_t i = 0; i < opened->model->n_costs; i++)
        if (opened->model->costs[i].per == MDL_COST_ENTRY)
            per_entrant += opened->model->costs[i].amount.before;
    CHECK(t, cost_exact && fabs(per_entrant / 1.02 - 7311) < 5,
          "E2C: each entrant costs the funders' lines (%.0f EUR in 2017 EUR, %.0f in 2016)",
          per_entrant, per_entrant / 1.02);
}

/* ---- ARA: IAE -----------------------------------------------------------------------------------
 */

static double ara_sum(tc_ctx *t, const run_entry *e, size_t r, const char *prefix, size_t from,
                      size_t to)
{
    double s = 0;
    const rec_catalog *cat = e->result->catalog;
    size_t l = strlen(prefix);
    for (size_t v = 0; v < cat->n; v++)
        if (!strncmp(cat->vars[v].name, prefix, l))
            s += sum_of(t, e, r, cat->vars[v].name, from, to);
    return s;
}

static double ara_occupied_2022(tc_ctx *t, const run_entry *e, size_t r)
{
    return ara_sum(t, e, r, "occupied.iae_", month(e, 2022, 1), month(e, 2023, 1)) / 12.0;
}

/* 002_d1e1ab45c9fe1d67.txt l.32-43: the 2019 programme's ETP per département, in the order of
 * the table (EI, ETTI, AI, ACI total, ACI dont ETP CD, ACI dont ETP ETAT). */
static const struct {
    const char *slug, *label;
    double ei, etti, ai, aci, aci_cd, aci_etat;
} ARA_ETP[12] = {
    {"ain", "Ain", 71.07, 18.92, 134.25, 383.64, 50.03, 333.60},
    {"allier", "Allier", 106.12, 123.19, 273.06, 204.03, 30.64, 173.39},
    {"ardeche", "Ardèche", 12.80, 63.15, 50.44, 175.57, 24.25, 151.32},
    {"cantal", "Cantal", 13.00, 21.34, 60.05, 171.82, 19.30, 152.51},
    {"drome", "Drôme", 123.48, 38.80, 159.84, 365.74, 50.09, 315.65},
    {"isere", "Isère", 230.86, 96.03, 421.95, 440.02, 74.29, 365.73},
    {"loire", "Loire", 137.74, 140.17, 226.41, 266.10, 21.93, 244.17},
    {"haute_loire", "Haute-Loire", 31.39, 42.20, 76.79, 198.09, 26.20, 171.89},
    {"puy_de_dome", "Puy-de-Dôme", 102.08, 157.14, 175.98, 279.71, 0.00, 279.71},
    {"rhone", "Rhône", 579.58, 276.84, 430.70, 639.10, 111.77, 527.33},
    {"savoie", "Savoie", 358.51, 33.47, 21.83, 168.78, 0.00, 168.78},
    {"haute_savoie", "Haute-Savoie", 172.56, 27.16, 80.51, 357.74, 52.82, 304.91},
};
static const char *const ARA_TYPES[4] = {"aci", "ei", "ai", "etti"};
static const char *const ARA_TYPE_LABELS[4] = {"ACI", "EI", "AI", "ETTI"};
/* Aide au poste socle per ETP-year in force in 2019 (arrêté of 27/02/2019): ACI, EI, AI, ETTI. */
static const double ARA_SOCLE_2019[4] = {20199, 10520, 1367, 4472};
/* Mean montant forfaitaire of 2019: 3 months at 550.93 and 9 at 559.74 EUR. */
#define ARA_MF_2019 ((3 * 550.93 + 9 * 559.74) / 12)

static double ara_etp(size_t d, size_t k)
{
    const double v[4] = {ARA_ETP[d].aci, ARA_ETP[d].ei, ARA_ETP[d].ai, ARA_ETP[d].etti};
    return v[k];
}

/* The 48 resources iae_<type>_<d>, labelled "ACI — Ain", fund 002's ETP of each type and
 * département in the first month (capacity x etp.weight: the weight is written to 6 decimals,
 * so at most 0.002 ETP off for a thousand places), and the first year's aide au poste socle
 * and co-financing are those ETP times the 2019 amounts (the ACI socle on its État ETP only,
 * the co-financing on its CD ETP only): within what the funded ETP's 0.005 leave (0.005 x the
 * socle) and a euro for the tables' cents. */
static void test_ara_structure(tc_ctx *t, const run_entry *b)
{
    int names_ok = b->model->n_resources == 48, etp_ok = 1, socle_ok = 1, cd_ok = 1;
    double worst_etp = 0, worst_socle = 0, worst_cd = 0;
    for (size_t d = 0; d < 12; d++)
        for (size_t k = 0; k < 4; k++) {
            char name[64], var[96], label[96];
            snprintf(name, sizeof name, "iae_%s_%s", ARA_TYPES[k], ARA_ETP[d].slug);
            snprintf(label, sizeof label, "%s — %s", ARA_TYPE_LABELS[k], ARA_ETP[d].label);
            int found = 0;
            for (size_t i = 0; i < b->model->n_resources; i++)
                if (!strcmp(b->model->resources[i].name, name))
                    found = !strcmp(b->model->resources[i].label, label) &&
                            b->model->resources[i].counts_etp;
            names_ok &= found;
            snprintf(var, sizeof var, "funded.%s", name);
            double etp = sum_of(t, b, 0, var, 0, 1), want = ara_etp(d, k);
            worst_etp = fmax(worst_etp, fabs(etp - want));
            etp_ok &= fabs(etp - want) < 0.005;
            snprintf(var, sizeof var, "cost.aide_poste_%s_%s", ARA_TYPES[k], ARA_ETP[d].slug);
            double socle = sum_of(t, b, 0, var, month(b, 2019, 1), month(b, 2020, 1));
            double want_socle = (k == 0 ? ARA_ETP[d].aci_etat : want) * ARA_SOCLE_2019[k];
            worst_socle = fmax(worst_socle, fabs(socle - want_socle));
            socle_ok &= fabs(socle - want_socle) < 1 + 0.005 * ARA_SOCLE_2019[k];
        }
    for (size_t d = 0; d < 12; d++) {
        if (ARA_ETP[d].aci_cd == 0)
            continue;
        char var[96];
        snprintf(var, sizeof var, "cost.cofinancement_aci_%s", ARA_ETP[d].slug);
        double cd = sum_of(t, b, 0, var, month(b, 2019, 1), month(b, 2020, 1));
        double want = ARA_ETP[d].aci_cd * 12 * 0.88 * ARA_MF_2019;
        worst_cd = fmax(worst_cd, fabs(cd - want));
        cd_ok &= fabs(cd - want) < 1;
    }
    CHECK(t, names_ok, "ARA: 48 resources iae_<type>_<département> labelled \"ACI — Ain\", in ETP");
    CHECK(t, etp_ok,
          "ARA: funded ETP of each type and département in January 2019 are 002's "
          "(largest gap %.4f ETP)",
          worst_etp);
    CHECK(t, socle_ok,
          "ARA: aide au poste socle 2019 = ETP (ACI: État ETP) x the 2019 socle of the type "
          "(largest gap %.2f EUR)",
          worst_socle);
    CHECK(t, cd_ok,
          "ARA: co-financing 2019 = ACI CD ETP x 12 x 88 %% of the montant forfaitaire "
          "(largest gap %.2f EUR)",
          worst_cd);
}

static void test_ara(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/ara/baseline.ini");
    run_entry *z = run_file(c, "scenarios/ara/zones-blanches.ini");
    run_entry *d = run_file(c, "scenarios/drome/baseline.ini");
    if (!b || !z || !d)
        return;
    test_ara_structure(t, b);
    /* The FIE's socle is the sum of 002's ETP x the 2019 socles (92.35 M EUR); the part modulée
     * adds 0-10 % of it, one uniform draw per replication: every replication lies in
     * [socle, 1.1 x socle].  (002's "près de 100 M" is checked as an observation in
     * test_calibration.c.) */
    double socle = 0;
    for (size_t i = 0; i < 12; i++)
        socle += ARA_ETP[i].aci_etat * ARA_SOCLE_2019[0] + ARA_ETP[i].ei * ARA_SOCLE_2019[1] +
                 ARA_ETP[i].ai * ARA_SOCLE_2019[2] + ARA_ETP[i].etti * ARA_SOCLE_2019[3];
    int fie_ok = 1;
    double fie_min = INFINITY, fie_max = 0;
    for (size_t r = 0; r < b->result->reps; r++) {
        double fie = sum_of(t, b, r, "funder.etat", month(b, 2019, 1), month(b, 2020, 1));
        fie_ok &= fie > socle - 100 && fie < 1.1 * socle + 100;
        fie_min = fmin(fie_min, fie);
        fie_max = fmax(fie_max, fie);
    }
    CHECK(
        t, fie_ok,
        "ARA: FIE aide au poste 2019 from %.2f to %.2f M EUR (socle %.2f M, part modulée 0-10 %%)",
        fie_min / 1e6, fie_max / 1e6, socle / 1e6);
    /* The Drôme RSA model co-finances the same 50.09 ETP (its RSA-held ACI posts, 47.79 % of
     * them co-financed): the same 0.295 M EUR, within the rounding of the posts (170 places for
     * 170.2). */
    double cd =
        sum_of(t, b, 0, "cost.cofinancement_aci_drome", month(b, 2019, 1), month(b, 2020, 1));
    double cd_rsa = sum_of(t, d, 0, "cost.cofinancement_aci", month(d, 2019, 1), month(d, 2020, 1));
    CHECK(t, fabs(cd_rsa - cd) < 0.003e6,
          "the two models co-finance the Drôme's ACI posts alike: %.3f and %.3f M EUR in 2019",
          cd_rsa / 1e6, cd / 1e6);
    /* The two models' Drôme IAE queues: the RSA model's demand is 28.66 % of the ARA model's
     * (the RSA share of the salariés, 002 l.56) with the same uncertain level, so its queue is
     * about that share of the ARA queues (four types), shorter because RSA beneficiaries also
     * leave the queue for a job.  Between half and once and a half of it. */
    double q_rsa = 0, q_ara = 0;
    for (size_t r = 0; r < b->result->reps; r++) {
        q_rsa += sum_of(t, d, r, "queue.iae_queue", month(d, 2022, 1), month(d, 2023, 1));
        for (size_t k = 0; k < 4; k++) {
            char var[64];
            snprintf(var, sizeof var, "queue.attente_%s_drome", ARA_TYPES[k]);
            q_ara += sum_of(t, b, r, var, month(b, 2022, 1), month(b, 2023, 1));
        }
    }
    double ratio = q_rsa / (0.2866 * q_ara);
    CHECK(t, ratio > 0.5 && ratio < 1.5,
          "the Drôme's IAE queue of RSA beneficiaries (%.0f) is %.2f times 28.66 %% of its queues "
          "of all publics (%.0f) in 2022",
          q_rsa / 12 / (double)b->result->reps, ratio, q_ara / 12 / (double)b->result->reps);
    /* Each type keeps its regional places every month; more of them used once moved to where
     * the demand is. */
    int same_total = 1;
    for (size_t k = 0; k < 4; k++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "capacity.iae_%s_", ARA_TYPES[k]);
        for (size_t m = 0; m < b->result->n_months; m++)
            same_total &= ara_sum(t, b, 0, prefix, m, m + 1) == ara_sum(t, z, 0, prefix, m, m + 1);
    }
    CHECK(t, same_total, "ARA zones blanches: each type's regional number of places is unchanged");
    double dd, se, diffs[64];
    if (paired(t, b, z, ara_occupied_2022, &dd, &se, diffs))
        CHECK(t, dd > 50 && dd > 3 * se,
              "ARA zones blanches: %+.0f occupied places in 2022 (se %.0f)", dd, se);
}

void suite_models(tc_ctx *t)
{
    run_cache *c = calloc(1, sizeof *c);
    if (!c) {
        CHECK(t, 0, "memory for the model runs");
        return;
    }
    c->t = t;
    /* 12 replications: enough for every paired difference above to sit at least 2 standard
     * errors from its bound; the Drôme runs take ≈ 0.15 s each.  Under sanitizers
     * (PARCOURS_QUICK) 4, where the orientation effect is skipped: too small for 4. */
    c->reps = t->quick ? 4 : 12;
    test_all_files(c);
    test_drome_flows(c);
    test_orientation(c);
    test_parrainage(c);
    test_iae_plus_20(c);
    test_referents(c);
    test_parrainage_young(c);
    test_parrainage_shared(c);
    test_flash(c);
    test_e2c(c);
    test_ara(c);
    cache_free(c);
    free(c);
}
