/* test_models — the shipped reference models and scenarios: each loads and runs, the Drôme
 * baseline meets its calibration targets, and every policy scenario moves its outputs the
 * expected way and by the expected order of magnitude against its baseline.
 *
 * Scenarios are compared with their baseline replication by replication: both run with the
 * same seed, so they share their random numbers person by person and the paired difference
 * has a small spread.  Tolerances say where they come from: the seed figure's own precision
 * and the Monte Carlo error of a mean over the replications run here (per-replication spreads
 * measured with 200 replications, docs/models.md).  Paths are relative to the repository root. */
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
    mc_options opt = {.reps = c->reps, .seed = SEED, .threads = 2};
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

/* ---- Drôme: calibration ------------------------------------------------------------------------
 */

static void test_drome_calibration(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    if (!b)
        return;
    size_t reps = b->result->reps;
    double stock0[64], entries18[64], entries19[64], drift[64], job_share[64];
    size_t y18 = month(b, 2018, 1), y19 = month(b, 2019, 1), y20 = month(b, 2020, 1);
    for (size_t r = 0; r < reps; r++) {
        const double *stock = series(t, b, r, "stock.rsa");
        if (!stock)
            return;
        stock0[r] = stock[0];
        entries18[r] = sum_of(t, b, r, "entries.rsa", y18, y19);
        entries19[r] = sum_of(t, b, r, "entries.rsa", y19, y20);
        drift[r] = stock[month(b, 2019, 12)] - stock[0];
        job_share[r] =
            sum_of(t, b, r, "in.exit_job", y18, y20) / sum_of(t, b, r, "exits.rsa", y18, y20);
    }
    double m, se;
    /* 001_5f25dcd47cc81775.txt: 16 018 allocataires in 2017, a count at an unstated date of
     * 2017; the model's first value is the stock at the end of January 2018, after a month of
     * flows.  A year's drift is about 0.5 %, so 1 % (160) covers the date; the Monte Carlo error
     * of the mean (per-replication sd ≈ 65: the random split of the initial persons between the
     * stock and the pending returns, and the month's flows) is under 35 for 4 replications. */
    mean_se(stock0, reps, &m, &se);
    CHECK(t, fabs(m - 16018) < 160,
          "Drôme stock at 2018-01 %.0f (se %.0f) within 1 %% of the seed's 16 018", m, se);
    /* PARAMETERS.md (001): 7,000-8,000 entries a year; per-replication sd ≈ 100, se < 60. */
    mean_se(entries18, reps, &m, &se);
    int ok18 = m > 7000 && m < 8000;
    double m18 = m;
    mean_se(entries19, reps, &m, &se);
    CHECK(t, ok18 && m > 7000 && m < 8000,
          "Drôme entries 2018 %.0f and 2019 %.0f within the seed's 7,000-8,000", m18, m);
    /* 001: exits about equal entries "ce qui a abouti à une légère augmentation": the stock at
     * the end of 2019 above that of January 2018, by less than 2 % a year (640 over the 23
     * months).  Expected +170, per-replication sd ≈ 125: 2.7 standard errors above 0 with 4
     * replications, 4.7 with 12. */
    mean_se(drift, reps, &m, &se);
    CHECK(t, m > 0 && m < 640,
          "Drôme stock drifts slightly upward 2018-01 -> 2019-12: %+.0f (se %.0f)", m, se);
    /* PARAMETERS.md §2: share of exits to employment 50 % (range 44-58); per-replication
     * spread below 0.5 point. */
    mean_se(job_share, reps, &m, &se);
    CHECK(t, m > 0.44 && m < 0.58, "Drôme exits to employment 2018-2019: %.1f %% of exits (44-58)",
          100 * m);
}

/* ---- Drôme: scenarios ------------------------------------------------------------------------ */

/* Paired difference scenario - baseline of f over replications. */
typedef double (*rep_stat)(tc_ctx *, const run_entry *, size_t);

static int paired(tc_ctx *t, const run_entry *base, const run_entry *scen, rep_stat f, double *mean,
                  double *se)
{
    size_t reps = base->result->reps;
    double d[64];
    if (reps > 64 || scen->result->reps != reps)
        return 0;
    for (size_t r = 0; r < reps; r++) {
        d[r] = f(t, scen, r) - f(t, base, r);
        if (!isfinite(d[r]))
            return 0;
    }
    mean_se(d, reps, mean, se);
    return 1;
}

static double stock_2022_03(tc_ctx *t, const run_entry *e, size_t r)
{
    const double *x = series(t, e, r, "stock.rsa");
    return x ? x[month(e, 2022, 3)] : NAN;
}

static double allocation_3y(tc_ctx *t, const run_entry *e, size_t r)
{
    return sum_of(t, e, r, "cost.allocation", month(e, 2019, 4), month(e, 2022, 4));
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
    /* Three years after the start of the action (end of March 2022): fewer allocataires.
     * Order of magnitude: 7,500 entrants a year gain about 2 months of accompaniment at a job
     * hazard 0.02-0.03/m higher, so a few hundred more exits a year, partly offset by returns:
     * 50 to 800 fewer foyers.  Measured: -205, paired sd ≈ 60, so se < 35. */
    double d, se;
    if (paired(t, b, s, stock_2022_03, &d, &se))
        CHECK(t, d < -50 && d > -800 && d < -3 * se,
              "orientation within 2 months: stock at 2022-03 %+.0f (se %.0f) vs baseline", d, se);
    if (paired(t, b, s, allocation_3y, &d, &se))
        CHECK(t, d < 0 && d < -3 * se,
              "orientation within 2 months: allocation 2019-04..2022-03 %+.2f M EUR (se %.2f)",
              d / 1e6, se / 1e6);
}

static void test_parrainage(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    run_entry *s = run_file(c, "scenarios/drome/parrainage.ini");
    if (!b || !s)
        return;
    /* 50 parrains at most, ≈ 130 filleuls a year from 2022, each 25 points likelier to find a
     * job than on the professional track: about 30 more exits to a job a year, 100 to 600 over
     * 2020-2027.  Measured +183, paired sd ≈ 30. */
    double d, se;
    if (paired(t, b, s, jobs_total, &d, &se))
        CHECK(t, d > 50 && d < 600 && d > 3 * se,
              "parrainage: %+.0f exits to employment over 2018-2027 (se %.0f) vs baseline", d, se);
    /* PARAMETERS.md §7: 40-50 % of RSA filleuls in employment (ASSUMPTION); the scenario's
     * 0.09/m over 6 months gives ≈ 40 %; binomial error on ≈ 900 filleuls per replication. */
    double filleuls = 0, jobs = 0;
    for (size_t r = 0; r < s->result->reps; r++) {
        filleuls += sum_of(t, s, r, "in.parrainage", 0, s->result->n_months);
        jobs += sum_of(t, s, r, "flow.parrainage.job", 0, s->result->n_months);
    }
    double share = filleuls > 0 ? jobs / filleuls : 0;
    CHECK(t, share > 0.30 && share < 0.50,
          "parrainage: %.0f %% of filleuls leave for a job during the mentoring", 100 * share);
}

static void test_iae_plus_20(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/drome/baseline.ini");
    run_entry *s = run_file(c, "scenarios/drome/iae-plus-20.ini");
    if (!b || !s)
        return;
    /* The queue of about 110 at demand 1.2 x the throughput nearly empties with 20 % more
     * places: at least halved (measured 108 -> 9; paired sd of the 2-year mean ≈ 20). */
    double d, se, base_q = 0;
    for (size_t r = 0; r < b->result->reps; r++)
        base_q += iae_queue_2021_2022(t, b, r) / (double)b->result->reps;
    if (paired(t, b, s, iae_queue_2021_2022, &d, &se))
        CHECK(t, d < -0.5 * base_q && d < -3 * se,
              "IAE +20 %%: IAE queue 2021-2022 %+.0f from %.0f (se %.0f)", d, base_q, se);
    /* The FIE pays exactly the added funded ETP times the aide au poste: funder.etat differs by
     * sum over the etat unit-year lines of (added places x etp.weight x amount x index) / 12 each
     * month, in every replication (funded capacity is not random). */
    const mdl_model *ms = s->model, *mb = b->model;
    int exact = 1;
    double added_total = 0;
    for (size_t r = 0; r < s->result->reps && exact; r++) {
        const double *fs = series(t, s, r, "funder.etat"), *fb = series(t, b, r, "funder.etat");
        if (!fs || !fb)
            return;
        for (size_t k = 0; k < s->result->n_months; k++) {
            double day = (double)k * MDL_DAYS_PER_MONTH, expected = 0;
            for (size_t i = 0; i < ms->n_costs; i++) {
                const mdl_cost *co = &ms->costs[i];
                if (co->per != MDL_COST_UNIT_YEAR || strcmp(ms->funders[co->funder], "etat"))
                    continue;
                const mdl_resource *rs = &ms->resources[co->resource];
                int rb = mdl_resource_index(mb, rs->name);
                if (rb < 0)
                    continue;
                double added = mdl_schedule_at(&rs->capacity, day) -
                               mdl_schedule_at(&mb->resources[rb].capacity, day);
                expected += added * rs->etp_weight / 12.0 * mdl_schedule_at(&co->amount, day) *
                            mdl_cost_index(co, day);
            }
            double diff = fs[k] - fb[k];
            exact &= fabs(diff - expected) <= 1e-6 * (fabs(fb[k]) + 1);
            exact &= k >= month(s, 2020, 1) || diff == 0;
            if (r == 0)
                added_total += diff;
        }
    }
    CHECK(t, exact && added_total > 0,
          "IAE +20 %%: the FIE pays exactly the added ETP x aide au poste (%.2f M EUR to 2027)",
          added_total / 1e6);
}

/* ---- Hautes-Alpes: E2C ----------------------------------------------------------------------- */

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
        none_in += sum_of(t, none, r, "in.e2c", 0, h) + sum_of(t, none, r, "cost.total", 0, h);
    CHECK(t, none_in == 0, "without an E2C nobody enters one and nothing is spent");

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
    /* PARAMETERS.md §6: positive exits 59-64 % of leavers, drop-outs ≈ 22 % of entrants; binomial
     * error on ≈ 380 leavers per replication: se < 2.5 points with 4 replications. */
    CHECK(t, positive / leavers > 0.54 && positive / leavers < 0.66,
          "E2C: %.1f %% positive exits among leavers (PARAMETERS.md: ~60 %%)",
          100 * positive / leavers);
    CHECK(t, dropouts / leavers > 0.16 && dropouts / leavers < 0.28,
          "E2C: %.1f %% drop-outs among leavers (PARAMETERS.md: ~22 %%)", 100 * dropouts / leavers);
    /* The six funders' lines add up to the cost per parcours: 5,205 EUR in 2018, 5,309 in 2019. */
    double per_parcours = 0;
    for (size_t i = 0; i < opened->model->n_costs; i++)
        if (opened->model->costs[i].per == MDL_COST_ENTRY)
            per_parcours += opened->model->costs[i].amount.before;
    CHECK(t, cost_exact && fabs(per_parcours * 1.02 - 5309) < 5,
          "E2C: each entrant costs the funders' lines (%.0f EUR in 2018 EUR, %.0f in 2019)",
          per_parcours, per_parcours * 1.02);
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

static void test_ara(run_cache *c)
{
    tc_ctx *t = c->t;
    run_entry *b = run_file(c, "scenarios/ara/baseline.ini");
    run_entry *z = run_file(c, "scenarios/ara/zones-blanches.ini");
    if (!b || !z)
        return;
    /* 002_d1e1ab45c9fe1d67.txt: "près de 100 millions d'euros activés en 2019" for 8 740 ETP;
     * the model pays the socle only (the part modulée adds 0-10 %, PARAMETERS.md §5a): 90-102 M. */
    double fie = sum_of(t, b, 0, "funder.etat", month(b, 2019, 1), month(b, 2020, 1));
    CHECK(t, fie > 90e6 && fie < 102e6, "ARA: FIE aide au poste 2019 %.1f M EUR (seed: ~100)",
          fie / 1e6);
    /* PARAMETERS.md §1b: the Drôme's 50.09 co-financed ACI ETP cost it ≈ 0.295 M EUR in 2019. */
    double cd = sum_of(t, b, 0, "cost.cd_drome", month(b, 2019, 1), month(b, 2020, 1));
    CHECK(t, fabs(cd - 0.295e6) < 0.003e6, "ARA: Drôme co-financing 2019 %.3f M EUR (0.295)",
          cd / 1e6);
    /* Same regional places every month; more of them used once moved to where the queues are
     * (measured +430 occupied places in 2022, paired sd ≈ 15). */
    int same_total = 1;
    for (size_t k = 0; k < b->result->n_months; k++)
        same_total &= ara_sum(t, b, 0, "capacity.iae_", k, k + 1) ==
                      ara_sum(t, z, 0, "capacity.iae_", k, k + 1);
    CHECK(t, same_total, "ARA zones blanches: the regional number of places is unchanged");
    double d, se;
    if (paired(t, b, z, ara_occupied_2022, &d, &se))
        CHECK(t, d > 100 && d > 3 * se,
              "ARA zones blanches: %+.0f occupied places in 2022 (se %.0f)", d, se);
}

void suite_models(tc_ctx *t)
{
    run_cache *c = calloc(1, sizeof *c);
    if (!c) {
        CHECK(t, 0, "memory for the model runs");
        return;
    }
    c->t = t;
    /* 12 replications (4 under sanitizers): enough for every paired difference above to sit
     * more than 3 standard errors from its bound; the Drôme runs take ≈ 0.15 s each. */
    c->reps = t->quick ? 4 : 12;
    test_all_files(c);
    test_drome_calibration(c);
    test_orientation(c);
    test_parrainage(c);
    test_iae_plus_20(c);
    test_e2c(c);
    test_ara(c);
    cache_free(c);
    free(c);
}
