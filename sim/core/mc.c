/* mc — replications over OpenMP threads, summaries across replications (see mc.h). */
#include "mc.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <omp.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "eng.h"
#include "rng.h"

#ifdef PARCOURS_MPI
#include <mpi.h>
#endif

#define MC_MAX_VALUES     (2000u * 1000u * 1000u / 8u) /* 2 GB of series in memory */
#define MC_MAX_SPILL      (256.0 * 1024 * 1024 * 1024) /* 256 GB of series in a file */
#define MC_SPILL_KEEP     (64u * 1024u * 1024u)        /* bytes read or written between two drops */
#define MC_SPILL_KEEP_MIN (1024u * 1024u)              /* ... at least, whatever the threshold */

/* Series in a temporary file: a shared mapping of an unlinked file.  Pages written or
 * read are dropped from the mapping (madvise MADV_DONTNEED: for a shared mapping the
 * data stays in the file) every `keep` bytes touched -- MC_SPILL_KEEP, or half the
 * threshold above which the series spill when that is smaller, but at least
 * MC_SPILL_KEEP_MIN -- so the memory the process holds stays bounded whatever the
 * number of replications, and within the threshold's order. */
struct mc_spill {
    size_t bytes, keep;
    size_t around; /* mc_map_around() */
    atomic_size_t touched;
};

/* *values for cells doubles: in memory when they fit under `above` bytes, else in a
 * temporary file (*spill set).  PC_OK or a status with err. */
static int values_alloc(double cells, size_t above, double **values, mc_spill **spill, pc_err *err)
{
    *spill = NULL;
    *values = NULL;
    double bytes = cells * (double)sizeof(double);
    if (bytes <= (double)(above ? above : MC_SPILL_ABOVE)) {
        *values = malloc(cells > 0 ? (size_t)bytes : 1);
        return *values ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    }
    if (bytes > MC_MAX_SPILL)
        return pc_fail(err, PC_EINPUT,
                       "replications: the series need %.0f GB; use fewer replications",
                       bytes / 1e9);
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    char path[4096];
    snprintf(path, sizeof path, "%s/parcours-series-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0)
        return pc_fail(err, PC_EINTERNAL, "cannot create a temporary file for the series in %s: %s",
                       dir, strerror(errno));
    unlink(path); /* gone from the folder now; the space is freed when the process ends */
    void *map = MAP_FAILED;
    if (ftruncate(fd, (off_t)bytes) == 0)
        map = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int saved = errno;
    close(fd); /* the mapping keeps the file */
    *spill = map == MAP_FAILED ? NULL : calloc(1, sizeof **spill);
    if (!*spill) {
        if (map != MAP_FAILED)
            munmap(map, (size_t)bytes);
        return pc_fail(err, PC_EINTERNAL,
                       "cannot hold %.1f GB of series in a temporary file in %s: %s", bytes / 1e9,
                       dir, strerror(saved));
    }
    (*spill)->bytes = (size_t)bytes;
    (*spill)->around = mc_map_around();
    size_t keep = (above ? above : MC_SPILL_ABOVE) / 2;
    (*spill)->keep = keep < MC_SPILL_KEEP_MIN ? MC_SPILL_KEEP_MIN
                     : keep > MC_SPILL_KEEP   ? MC_SPILL_KEEP
                                              : keep;
    *values = map;
    return PC_OK;
}

static void values_free(double *values, mc_spill *spill)
{
    if (spill) {
        munmap(values, spill->bytes);
        free(spill);
    } else {
        free(values);
    }
}

size_t mc_map_around(void)
{
    size_t around = 2u << 20;
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
    if (f) {
        unsigned long long pmd;
        if (fscanf(f, "%llu", &pmd) == 1 && pmd >= 65536 && pmd <= (1ull << 30))
            around = (size_t)pmd;
        fclose(f);
    }
    return around;
}

/* Counts bytes touched in spilled values -- with what a fault may map around them at
 * both ends (mc_map_around), so that what is counted bounds what is mapped -- and past
 * the spill's `keep`, drops the mapped pages. */
static void spill_touch(const mc_result *r, size_t bytes)
{
    mc_spill *s = r->spill;
    if (!s || atomic_fetch_add_explicit(&s->touched, bytes + 2 * s->around, memory_order_relaxed) <
                  s->keep)
        return;
    atomic_store_explicit(&s->touched, 0, memory_order_relaxed);
    madvise(r->values, s->bytes, MADV_DONTNEED);
}

/* Doubles to read or write at a time in r's series: the spill's `keep` when they are
 * in a file, so that a block never holds more pages than a drop allows. */
static size_t touch_block(const mc_result *r)
{
    return (r->spill ? r->spill->keep : MC_SPILL_KEEP) / sizeof(double);
}

void mc_result_free(mc_result *r)
{
    if (!r)
        return;
    rec_catalog_free(r->catalog);
    values_free(r->values, r->spill);
    free(r->survival);
    free(r->param_values);
    free(r->wait_hist);
    free(r);
}

const double *mc_series(const mc_result *r, size_t rep, size_t var)
{
    if (r->spill)
        spill_touch(r, r->n_months * sizeof(double));
    return r->values + (rep * r->n_vars + var) * r->n_months;
}

void mc_rows(const mc_result *r, size_t var, double *rows)
{
    for (size_t rep = 0; rep < r->reps; rep++)
        memcpy(rows + rep * r->n_months, mc_series(r, rep, var), r->n_months * sizeof(double));
}

#define PARAM_POPULATION 0x5a4d0001u /* stream key part of parameter draws */

void mc_draw_params(const mdl_model *m, uint32_t seed, size_t rep, double *values)
{
    for (size_t i = 0; i < m->n_params; i++) {
        const mdl_param *p = &m->params[i];
        if (p->law == MDL_PARAM_FIXED) {
            values[i] = p->value;
            continue;
        }
        double u[4];
        rng_block(seed, PARAM_POPULATION, p->purpose, (uint32_t)rep, 0, 0, u);
        values[i] = mdl_param_quantile(p, u[0]);
    }
}

/* ---- one replication ------------------------------------------------------------ */

struct mc_worker {
    const mdl_model *m;
    mdl_model *instance; /* NULL when the model has no parameter to bind */
    eng_workspace *engine;
    rec_raw *raw;
    const rec_catalog *catalog;
};

void mc_worker_free(mc_worker *w)
{
    if (!w)
        return;
    eng_free(w->engine);
    mdl_free(w->instance);
    rec_raw_free(w->raw);
    free(w);
}

mc_worker *mc_worker_alloc(const mdl_model *m, const rec_catalog *catalog, int bind)
{
    mc_worker *w = pc_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->m = m;
    w->catalog = catalog;
    if (bind && m->n_params && !(w->instance = mdl_instance_alloc(m)))
        goto fail;
    if (!(w->engine = eng_alloc(w->instance ? w->instance : m)) || !(w->raw = rec_raw_alloc(m)))
        goto fail;
    return w;
fail:
    mc_worker_free(w);
    return NULL;
}

rec_raw *mc_worker_raw(mc_worker *w)
{
    return w->raw;
}

int mc_worker_run(mc_worker *w, uint32_t seed, size_t number, const double *params, double *series,
                  pc_err *err)
{
    int rc = PC_OK;
    if (w->instance && params && (rc = mdl_bind(w->instance, params, err))) {
        char why[PC_ERR_MAX];
        snprintf(why, sizeof why, "%s", err->msg);
        return pc_fail(err, rc, "replication %zu: %s", number, why);
    }
    if ((rc = eng_run(w->engine, seed, (uint32_t)number, w->raw, err)))
        return rc;
    if (series)
        rec_derive(w->instance ? w->instance : w->m, w->catalog, w->raw, series);
    return PC_OK;
}

/* ---- replications ---------------------------------------------------------------- */

static double now_seconds(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + 1e-6 * (double)tv.tv_usec;
}

/* Replications split .. reps - 1 of r, each shared by territories among the ranks and
 * the threads (eng_share): every thread of every rank draws its part, the parts' raw
 * counts are summed (exactly: each count comes from one territory), and rank 0 derives
 * the series.  *status and err take the first failure; returns -1 on a failure. */
static int share_territories(const mdl_model *m, const mc_options *opt, mc_result *r, size_t split,
                             int rank, int ranks, int threads, int bind, int *status,
                             double *events, pc_err *err)
{
    size_t nt = (size_t)threads, np = m->n_params ? m->n_params : 1;
    size_t surv_width = m->n_populations * (r->n_months + 1);
    mc_worker **ws = pc_calloc(nt, sizeof *ws);
    int *rcs = pc_calloc(nt, sizeof *rcs);
    pc_err *errs = pc_calloc(nt, sizeof *errs);
    double *drawn = pc_calloc(nt * np, sizeof *drawn);
    int ok = ws && rcs && errs && drawn;
    for (size_t i = 0; ok && i < nt; i++) {
        if (!(ws[i] = mc_worker_alloc(m, r->catalog, bind))) {
            ok = 0;
            break;
        }
        eng_share(ws[i]->engine, (size_t)rank * nt + i, (size_t)ranks * nt);
        if (opt->wait_histogram) {
            ws[i]->raw->wait_from = opt->wait_from;
            ws[i]->raw->wait_to = opt->wait_to;
        }
    }
    int worst = *status;
#ifdef PARCOURS_MPI
    if (ranks > 1)
        MPI_Allreduce(status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#endif
    for (size_t rep = split; !worst && rep < r->reps; rep++) {
        size_t number = opt->first + rep;
        if (ok) {
#pragma omp parallel for num_threads(threads) schedule(static, 1)
            for (size_t i = 0; i < nt; i++) {
                double *d = drawn + i * np;
                mc_draw_params(m, opt->seed, number, d);
                for (size_t j = 0; j < opt->n_set; j++)
                    d[opt->set_index[j]] = opt->set_value[j];
                rcs[i] = mc_worker_run(ws[i], opt->seed, number, bind ? d : NULL, NULL, &errs[i]);
            }
        }
        pc_err local;
        int rc = ok ? PC_OK : pc_fail(&local, PC_EENV, "out of memory");
        for (size_t i = 0; ok && !rc && i < nt; i++)
            if ((rc = rcs[i]))
                local = errs[i];
        worst = rc;
#ifdef PARCOURS_MPI
        if (ranks > 1)
            MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
#endif
        if (worst) {
            *status = worst;
            if (rc && err)
                *err = local;
            else
                pc_fail(err, worst, "replications failed on another MPI rank");
            break;
        }
        double *a[REC_RAW_PARTS], *b[REC_RAW_PARTS];
        size_t la[REC_RAW_PARTS], lb[REC_RAW_PARTS], n = rec_raw_parts(ws[0]->raw, a, la);
        for (size_t i = 1; i < nt; i++) {
            rec_raw_parts(ws[i]->raw, b, lb);
            for (size_t k = 0; k < n; k++)
                for (size_t j = 0; j < la[k]; j++)
                    a[k][j] += b[k][j];
        }
#ifdef PARCOURS_MPI
        for (size_t k = 0; ranks > 1 && k < n; k++)
            for (size_t at = 0; at < la[k]; at += 1u << 26) {
                size_t len = la[k] - at < (1u << 26) ? la[k] - at : 1u << 26;
                MPI_Allreduce(MPI_IN_PLACE, a[k] + at, (int)len, MPI_DOUBLE, MPI_SUM,
                              MPI_COMM_WORLD);
            }
#endif
        if (rank == 0) { /* other ranks keep zeros, which the sums across ranks leave alone */
            const rec_raw *raw = ws[0]->raw;
            if (m->n_params)
                memcpy(r->param_values + rep * m->n_params, drawn, m->n_params * sizeof *drawn);
            rec_derive(ws[0]->instance ? ws[0]->instance : m, r->catalog, raw,
                       r->values + rep * r->n_vars * r->n_months);
            spill_touch(r, r->n_vars * r->n_months * sizeof(double));
            rec_survival(raw, r->survival + rep * surv_width);
            if (r->wait_hist)
                memcpy(r->wait_hist + rep * m->n_states * REC_WAIT_BINS, raw->wait_hist,
                       m->n_states * REC_WAIT_BINS * sizeof(double));
            *events += raw->events;
            if (opt->progress)
                opt->progress(opt->progress_ctx, split / (size_t)ranks + rep - split + 1,
                              split / (size_t)ranks + r->reps - split);
        }
    }
    for (size_t i = 0; ws && i < nt; i++)
        mc_worker_free(ws[i]);
    free(ws);
    free(rcs);
    free(errs);
    free(drawn);
    return worst ? -1 : 0;
}

/* The cells of r's series: replications × series × months. */
static double result_cells(const mc_result *r)
{
    return (double)r->reps * (double)r->n_vars * (double)r->n_months;
}

/* *out: the result of opt's replications of m, its series, survival, parameters and
 * waiting-time histograms allocated and zero, to fill.  Refuses models whose observations
 * name no series and series over 2 GB that may not spill to a file.  PC_OK, or *out NULL
 * and a status with err. */
static int result_alloc(const mdl_model *m, const mc_options *opt, mc_result **out, pc_err *err)
{
    *out = NULL;
    mc_result *r = pc_calloc(1, sizeof *r);
    if (!r)
        return pc_fail(err, PC_EENV, "out of memory");
    r->model = m;
    r->reps = opt->reps;
    r->seed = opt->seed;
    r->n_months = (size_t)m->horizon;
    r->n_populations = m->n_populations;
    r->catalog = rec_catalog_alloc(m);
    if (!r->catalog) {
        mc_result_free(r);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    r->n_vars = r->catalog->n;
    int checked = rec_check_observations(m, r->catalog, err);
    if (checked) {
        mc_result_free(r);
        return checked;
    }
    double cells = result_cells(r);
    r->spill_above = opt->spill_above ? opt->spill_above : MC_SPILL_ABOVE;
    if (cells > MC_MAX_VALUES && r->spill_above >= (size_t)MC_MAX_VALUES * sizeof(double)) {
        size_t n_vars = r->n_vars;
        mc_result_free(r);
        return pc_fail(err, PC_EINPUT,
                       "replications: %zu replications of %zu series over %d "
                       "months need more than 2 GB; use fewer replications",
                       opt->reps, n_vars, m->horizon);
    }
    size_t surv_width = m->n_populations * (r->n_months + 1);
    int spilled = values_alloc(cells, r->spill_above, &r->values, &r->spill, err);
    if (spilled) {
        mc_result_free(r);
        return spilled;
    }
    r->survival = pc_calloc(r->reps * surv_width, sizeof(double));
    r->n_params = m->n_params;
    r->param_values = pc_calloc(r->reps * (m->n_params ? m->n_params : 1), sizeof(double));
    if (opt->wait_histogram)
        r->wait_hist = pc_calloc(r->reps * m->n_states * REC_WAIT_BINS, sizeof(double));
    if (!r->values || !r->survival || !r->param_values || (opt->wait_histogram && !r->wait_hist)) {
        mc_result_free(r);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    *out = r;
    return PC_OK;
}

#ifdef PARCOURS_MPI
/* Gathers on every rank the replications each ran (the others left zero) by sums across
 * the ranks, exactly since every replication was run by exactly one rank; *events too.
 * Returns status, or the worst status of the other ranks (err set) when this one has
 * none. */
static int gather_ranks(const mdl_model *m, mc_result *r, int status, double *events, pc_err *err)
{
    int worst = status;
    MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (worst && !status) {
        status = worst;
        pc_fail(err, worst, "replications failed on another MPI rank");
    }
    if (status)
        return status;
    /* by blocks: an int count, and spilled series touched a block at a time */
    size_t block = touch_block(r), cells = (size_t)result_cells(r);
    size_t surv_width = m->n_populations * (r->n_months + 1);
    for (size_t at = 0; at < cells; at += block) {
        size_t n = cells - at < block ? cells - at : block;
        MPI_Allreduce(MPI_IN_PLACE, r->values + at, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        spill_touch(r, n * sizeof(double));
    }
    MPI_Allreduce(MPI_IN_PLACE, r->survival, (int)(r->reps * surv_width), MPI_DOUBLE, MPI_SUM,
                  MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, r->param_values, (int)(r->reps * (m->n_params ? m->n_params : 1)),
                  MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (r->wait_hist)
        MPI_Allreduce(MPI_IN_PLACE, r->wait_hist, (int)(r->reps * m->n_states * REC_WAIT_BINS),
                      MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    MPI_Allreduce(MPI_IN_PLACE, events, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return status;
}
#endif

int mc_run(const mdl_model *m, const mc_options *opt, mc_result **out, pc_err *err)
{
    *out = NULL;
    if (opt->reps < 1)
        return pc_fail(err, PC_EINPUT, "replications: expected at least 1");
    mc_result *r;
    int allocated = result_alloc(m, opt, &r, err);
    if (allocated)
        return allocated;
    size_t surv_width = m->n_populations * (r->n_months + 1);
    int status = PC_OK;
    size_t done = 0;
    /* With MPI, rank k runs the replications r with r % ranks == k; the others stay 0
     * and the sums across ranks below fill them in. */
    int rank = 0, ranks = 1;
#ifdef PARCOURS_MPI
    int mpi_on = 0;
    MPI_Initialized(&mpi_on);
    if (mpi_on) {
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    }
    if (!r->spill) /* a new file reads as zeros already */
        memset(r->values, 0, (size_t)result_cells(r) * sizeof(double));
#endif
    int bind = m->n_uncertain > 0 || opt->n_set > 0;
    int threads = opt->threads > 0 ? opt->threads : omp_get_max_threads();
    /* Replications from split on (those left when they do not divide among the ranks, or
     * without MPI among the threads) are shared by territories: each rank and thread
     * draws its part of the territories of each, and their raw counts are summed, bit
     * for bit those of a whole run (see eng_share). */
    size_t split = r->reps, unit = ranks > 1 ? (size_t)ranks : (size_t)threads;
    if (unit > 1 && r->reps % unit) {
        eng_workspace *probe = eng_alloc(m);
        if (!probe) {
            mc_result_free(r);
            return pc_fail(err, PC_EENV, "out of memory");
        }
        if (eng_territories(probe) > 1)
            split = r->reps - r->reps % unit;
        eng_free(probe);
    }
    size_t owned = (split + (size_t)ranks - 1 - (size_t)rank) / (size_t)ranks + (r->reps - split);
    double events = 0;
    int show = opt->progress && rank == 0;
    for (size_t i = 0; i < opt->n_set; i++)
        if (opt->set_index[i] >= m->n_params) {
            mc_result_free(r);
            return pc_fail(err, PC_EINTERNAL, "mc_run: no parameter %zu", opt->set_index[i]);
        }
    double t0 = now_seconds();
#pragma omp parallel num_threads(threads) reduction(+ : events)
    {
        /* With parameters to draw or to set, each thread binds its replications' values
         * into an instance of its own; otherwise every thread reads the model itself. */
        mc_worker *w = mc_worker_alloc(m, r->catalog, bind);
        rec_raw *raw = w ? w->raw : NULL;
        if (raw && opt->wait_histogram) {
            raw->wait_from = opt->wait_from;
            raw->wait_to = opt->wait_to;
        }
        pc_err local;
        int rc = w ? PC_OK : PC_EENV;
        if (rc)
            snprintf(local.msg, sizeof local.msg, "out of memory");
#pragma omp for schedule(dynamic, 1)
        for (size_t rep = 0; rep < r->reps; rep++) {
            int failed;
#pragma omp atomic read
            failed = status;
            if (rc || failed || rep >= split || (int)(rep % (size_t)ranks) != rank)
                continue;
            double *drawn = r->param_values + rep * m->n_params;
            size_t number = opt->first + rep; /* the replication's identity: its streams */
            mc_draw_params(m, opt->seed, number, drawn);
            for (size_t i = 0; i < opt->n_set; i++)
                drawn[opt->set_index[i]] = opt->set_value[i];
            rc = mc_worker_run(w, opt->seed, number, bind ? drawn : NULL,
                               r->values + rep * r->n_vars * r->n_months, &local);
            if (rc)
                continue;
            spill_touch(r, r->n_vars * r->n_months * sizeof(double));
            rec_survival(raw, r->survival + rep * surv_width);
            if (r->wait_hist)
                memcpy(r->wait_hist + rep * m->n_states * REC_WAIT_BINS, raw->wait_hist,
                       m->n_states * REC_WAIT_BINS * sizeof(double));
            events += raw->events;
            size_t now;
#pragma omp atomic capture
            now = ++done;
            if (show) {
#pragma omp critical(mc_progress)
                opt->progress(opt->progress_ctx, now, owned);
            }
        }
        if (rc) {
#pragma omp critical(mc_status)
            if (!status) {
                status = rc;
                if (err)
                    *err = local;
            }
        }
        mc_worker_free(w);
    }
    if (split < r->reps &&
        share_territories(m, opt, r, split, rank, ranks, threads, bind, &status, &events, err))
        status = status ? status : PC_EINTERNAL;
#ifdef PARCOURS_MPI
    if (ranks > 1)
        status = gather_ranks(m, r, status, &events, err);
#endif
    r->seconds = now_seconds() - t0;
    r->events = events;
    if (status) {
        mc_result_free(r);
        return status;
    }
    *out = r;
    return PC_OK;
}

static int grow(double **a, size_t old_n, size_t add_n, const double *add)
{
    double *bigger = realloc(*a, (old_n + add_n) * sizeof(double));
    if (!bigger)
        return -1;
    memcpy(bigger + old_n, add, add_n * sizeof(double));
    *a = bigger;
    return 0;
}

int mc_append(mc_result *into, mc_result *more, pc_err *err)
{
    size_t series = into->n_vars * into->n_months;
    size_t spells = into->n_populations * (into->n_months + 1);
    size_t np = into->n_params ? into->n_params : 1;
    if (more->n_vars != into->n_vars || more->n_months != into->n_months) {
        mc_result_free(more);
        return pc_fail(err, PC_EINTERNAL, "mc_append: results of different models");
    }
    int bad = 0;
    double cells = (double)(into->reps + more->reps) * (double)series;
    if (into->spill || more->spill ||
        cells * sizeof(double) > (double)(into->spill_above ? into->spill_above : MC_SPILL_ABOVE)) {
        /* a new store for both, filled block by block (spilled pages dropped as they go) */
        double *values;
        mc_spill *spill;
        int rc = values_alloc(cells, into->spill_above, &values, &spill, err);
        if (rc) {
            mc_result_free(more);
            return rc;
        }
        mc_result joined = {.values = values, .spill = spill};
        const mc_result *part[2] = {into, more};
        size_t at = 0, block = touch_block(&joined);
        for (int k = 0; k < 2; k++)
            block = touch_block(part[k]) < block ? touch_block(part[k]) : block;
        for (int k = 0; k < 2; k++)
            for (size_t i = 0, n = part[k]->reps * series; i < n; i += block) {
                size_t len = n - i < block ? n - i : block;
                memcpy(values + at, part[k]->values + i, len * sizeof(double));
                at += len;
                spill_touch(&joined, len * sizeof(double));
                spill_touch(part[k], len * sizeof(double));
            }
        values_free(into->values, into->spill);
        into->values = values;
        into->spill = spill;
    } else {
        bad = grow(&into->values, into->reps * series, more->reps * series, more->values);
    }
    bad = bad || grow(&into->survival, into->reps * spells, more->reps * spells, more->survival) ||
          grow(&into->param_values, into->reps * np, more->reps * np, more->param_values);
    if (!bad && (into->wait_hist != NULL) != (more->wait_hist != NULL))
        bad = 1;
    if (!bad && into->wait_hist) {
        size_t hw = into->model->n_states * REC_WAIT_BINS;
        bad = grow(&into->wait_hist, into->reps * hw, more->reps * hw, more->wait_hist);
    }
    if (!bad) {
        into->reps += more->reps;
        into->events += more->events;
        into->seconds += more->seconds;
    }
    mc_result_free(more);
    return bad ? pc_fail(err, PC_EENV, "out of memory") : PC_OK;
}

/* Moves w on to variable var and as many after it as fit. */
static int window_at(const mc_result *r, mc_window *w, size_t var)
{
    size_t series = r->n_months, left = r->n_vars - var;
    if (!r->spill) {
        w->first = var;
        w->n = left;
        w->base = r->values + var * series;
        w->stride = r->n_vars * series;
        return PC_OK;
    }
    size_t per_var = r->reps * series, n = r->spill->keep / 2 / sizeof(double) / per_var;
    n = n < 1 ? 1 : n > left ? left : n;
    if (n * per_var > w->room) {
        double *copy = realloc(w->copy, n * per_var * sizeof(double));
        if (!copy)
            return PC_EENV;
        w->copy = copy;
        w->room = n * per_var;
    }
    for (size_t rep = 0; rep < r->reps; rep++) {
        memcpy(w->copy + rep * n * series, r->values + (rep * r->n_vars + var) * series,
               n * series * sizeof(double));
        spill_touch(r, n * series * sizeof(double));
    }
    w->first = var;
    w->n = n;
    w->base = w->copy;
    w->stride = n * series;
    return PC_OK;
}

static inline int window_holds(const mc_window *w, size_t var)
{
    return var >= w->first && var - w->first < w->n;
}

/* Variable var's rows: in the window, else copied into spare. */
static const double *window_rows(const mc_result *r, const mc_window *w, size_t var, double *spare,
                                 size_t *stride)
{
    if (window_holds(w, var)) {
        *stride = w->stride;
        return w->base + (var - w->first) * r->n_months;
    }
    mc_rows(r, var, spare);
    *stride = r->n_months;
    return spare;
}

int mc_window_view(const mc_result *r, mc_window *w, size_t var, mc_view *v)
{
    if (!window_holds(w, var) && window_at(r, w, var))
        return PC_EENV;
    const rec_var *rv = &r->catalog->vars[var];
    *v = (mc_view){.var = var};
    v->x = window_rows(r, w, var, NULL, &v->sx);
    if (rv->kind != REC_RATIO)
        return PC_OK;
    size_t cells = r->reps * r->n_months;
    if (!w->spare && (!window_holds(w, rv->num) || !window_holds(w, rv->den))) {
        w->spare = malloc(2 * cells * sizeof(double));
        if (!w->spare)
            return PC_EENV;
    }
    v->num = window_rows(r, w, rv->num, w->spare, &v->snum);
    v->den = window_rows(r, w, rv->den, w->spare + cells, &v->sden);
    return PC_OK;
}

void mc_window_free(mc_window *w)
{
    free(w->copy);
    free(w->spare);
    *w = (mc_window){0};
}

double mc_view_total(const mc_result *r, const mc_view *v, size_t rep)
{
    const rec_var *var = &r->catalog->vars[v->var];
    const double *x = v->x + rep * v->sx;
    if (var->kind == REC_STOCK)
        return x[r->n_months - 1];
    if (var->kind == REC_RATIO) {
        double num = 0, den = 0;
        const double *a = v->num + rep * v->snum, *b = v->den + rep * v->sden;
        for (size_t k = 0; k < r->n_months; k++) {
            num += a[k];
            den += b[k];
        }
        return den > 0 ? num / den : NAN;
    }
    double s = 0;
    for (size_t k = 0; k < r->n_months; k++)
        s += x[k];
    return var->kind == REC_MEAN ? s / (double)r->n_months : s;
}

/* A view of variable var in block, one replication's series ([var][month]). */
static mc_view view_in(const mc_result *r, const double *block, size_t var)
{
    const rec_var *v = &r->catalog->vars[var];
    mc_view view = {.var = var, .x = block + var * r->n_months};
    if (v->kind == REC_RATIO) {
        view.num = block + v->num * r->n_months;
        view.den = block + v->den * r->n_months;
    }
    return view;
}

/* A view of one replication's series of var, its series read as mc_series reads them. */
static mc_view one_view(const mc_result *r, size_t rep, size_t var)
{
    mc_view view = view_in(r, r->values + rep * r->n_vars * r->n_months, var);
    size_t read = view.num ? 3 : 1;
    for (size_t i = 0; i < read; i++)
        spill_touch(r, r->n_months * sizeof(double));
    return view;
}

double mc_total(const mc_result *r, size_t rep, size_t var)
{
    mc_view v = one_view(r, rep, var);
    return mc_view_total(r, &v, 0);
}

void mc_totals(const mc_result *r, size_t rep, double *out)
{
    const double *block = r->values + rep * r->n_vars * r->n_months;
    spill_touch(r, r->n_vars * r->n_months * sizeof(double));
    for (size_t var = 0; var < r->n_vars; var++) {
        mc_view view = view_in(r, block, var);
        out[var] = mc_view_total(r, &view, 0);
    }
}

void mc_summarise(double *sample, size_t n, mc_summary *s)
{
    size_t used = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(sample[i]))
            sample[used++] = sample[i];
    s->n = used;
    if (used == 0) {
        s->mean = s->sd = s->p05 = s->p25 = s->p50 = s->p75 = s->p95 = NAN;
        return;
    }
    gsl_sort(sample, 1, used);
    s->mean = gsl_stats_mean(sample, 1, used);
    s->sd = used > 1 ? gsl_stats_sd_m(sample, 1, used, s->mean) : 0.0;
    s->p05 = gsl_stats_quantile_from_sorted_data(sample, 1, used, 0.05);
    s->p25 = gsl_stats_quantile_from_sorted_data(sample, 1, used, 0.25);
    s->p50 = gsl_stats_quantile_from_sorted_data(sample, 1, used, 0.50);
    s->p75 = gsl_stats_quantile_from_sorted_data(sample, 1, used, 0.75);
    s->p95 = gsl_stats_quantile_from_sorted_data(sample, 1, used, 0.95);
}

size_t mc_view_yearly(const mc_result *r, const mc_view *view, size_t rep, double *out, int *years,
                      double *num_sums, double *den_sums)
{
    const mdl_model *m = r->model;
    const rec_var *v = &r->catalog->vars[view->var];
    const double *x = view->x + rep * view->sx;
    const double *num = view->num ? view->num + rep * view->snum : NULL;
    const double *den = view->den ? view->den + rep * view->sden : NULL;
    size_t n = 0;
    double sum = 0, sum_den = 0;
    int months = 0, year = -1;
    for (size_t k = 0; k <= r->n_months; k++) {
        int y = 0, mo;
        if (k < r->n_months)
            mdl_month_of(m, (int)k, &y, &mo);
        if (k == r->n_months || (year >= 0 && y != year)) {
            double value;
            if (v->kind == REC_FLOW)
                value = sum;
            else if (v->kind == REC_RATIO)
                value = sum_den > 0 ? sum / sum_den : NAN;
            else
                value = sum / months;
            if (v->kind == REC_RATIO && num_sums) {
                num_sums[n] = sum;
                den_sums[n] = sum_den;
            }
            years[n] = year;
            out[n++] = value;
            sum = sum_den = 0;
            months = 0;
        }
        if (k == r->n_months)
            break;
        year = y;
        months++;
        if (v->kind == REC_RATIO) {
            sum += num[k];
            sum_den += den[k];
        } else {
            sum += x[k];
        }
    }
    return n;
}

size_t mc_yearly(const mc_result *r, size_t rep, size_t var, double *out, int *years)
{
    mc_view v = one_view(r, rep, var);
    return mc_view_yearly(r, &v, 0, out, years, NULL, NULL);
}

/* Σ numerator / Σ denominator over the replications, in the observation's month or
 * calendar year; NaN when the denominators sum to 0. */
static double pooled_ratio(const mc_result *r, const rec_var *v, const mdl_observation *o)
{
    const mdl_model *m = r->model;
    double num = 0, den = 0;
    for (size_t rep = 0; rep < r->reps; rep++) {
        const double *x = mc_series(r, rep, v->num), *y = mc_series(r, rep, v->den);
        for (size_t k = 0; k < r->n_months; k++) {
            int year, month;
            mdl_month_of(m, (int)k, &year, &month);
            if (year == o->year && (!o->month || month == o->month)) {
                num += x[k];
                den += y[k];
            }
        }
    }
    return den > 0 ? num / den : NAN;
}

int mc_checks(const mc_result *r, mc_check **rows, pc_err *err)
{
    const mdl_model *m = r->model;
    *rows = pc_calloc(m->n_observations ? m->n_observations : 1, sizeof **rows);
    double *sample = malloc(r->reps * sizeof *sample);
    double *years = malloc((r->n_months / 12 + 2) * sizeof *years);
    int *year_of = malloc((r->n_months / 12 + 2) * sizeof *year_of);
    if (!*rows || !sample || !years || !year_of) {
        free(*rows);
        *rows = NULL;
        free(sample);
        free(years);
        free(year_of);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    for (size_t i = 0; i < m->n_observations; i++) {
        const mdl_observation *o = &m->observations[i];
        mc_check *c = &(*rows)[i];
        c->obs = o;
        long var = rec_find(r->catalog, o->variable);
        for (size_t rep = 0; rep < r->reps; rep++) {
            sample[rep] = NAN;
            if (var < 0)
                continue;
            if (o->month) {
                long k = (long)((o->year - m->start_year) * 12 + o->month - m->start_month);
                if (k >= 0 && (size_t)k < r->n_months)
                    sample[rep] = mc_series(r, rep, (size_t)var)[k];
            } else {
                size_t ny = mc_yearly(r, rep, (size_t)var, years, year_of);
                for (size_t y = 0; y < ny; y++)
                    if (year_of[y] == o->year)
                        sample[rep] = years[y];
            }
        }
        mc_summary s;
        mc_summarise(sample, r->reps, &s);
        c->mean = s.mean;
        /* a ratio's mean is pooled (sums of numerators over sums of denominators), as
         * monthly.csv and yearly.csv give it */
        if (var >= 0 && r->catalog->vars[var].kind == REC_RATIO)
            c->mean = pooled_ratio(r, &r->catalog->vars[var], o);
        c->p05 = s.p05;
        c->p50 = s.p50;
        c->p95 = s.p95;
        c->n = s.n;
        c->relative_error = o->value != 0 ? (s.mean - o->value) / o->value : NAN;
        c->inside = s.n > 0 && s.p05 <= o->value && o->value <= s.p95;
        c->within = isnan(o->tolerance) ? -1 : fabs(c->relative_error) <= o->tolerance;
    }
    free(sample);
    free(years);
    free(year_of);
    return PC_OK;
}
