/* bench — a Drôme-sized run: time per replication, events per second, peak memory, floor ratio.
 *
 * The program writes a model the size of the Drôme's RSA caseload (16,000
 * persons at the start, 7,500 entries a year, 120 months, exit hazards
 * piecewise on the entry clock, outside states with returns, an IAE-like
 * resource with its queue) into a scratch folder, runs it for 1,000
 * replications (--reps N) on the available threads (--threads N), and prints
 * each figure next to the target of the issue it answers (issue 17): under 15 ms
 * per replication per core, peak RSS under 10 MB, and a floor ratio under 5 —
 * the run's time over the time the same generator takes to draw the same
 * number of uniforms and nothing else.  With --model FILE it runs that model
 * instead (`make bench` runs the national model, models/france/rsa.ini: under
 * 5 s per replication per core, peak RSS under 400 MB).  Figures are printed,
 * never asserted: timings depend on the machine. */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "core/mc.h"
#include "core/mdl.h"
#include "core/rec.h"
#include "core/rng.h"

#define TARGET_MS_PER_REP_CORE 15.0 /* issue 17: the Drôme-sized model */
#define TARGET_RSS_MB          10.0
#define TARGET_FLOOR_RATIO     5.0
#define TARGET_MS_NATIONAL     5000.0 /* issue 17: the national model (--model) */
#define TARGET_RSS_NATIONAL    400.0
/* The Drôme-sized run keeps its series in memory up to 4 MB (a hundred replications),
 * beyond in a temporary file: the figures as exact, the memory bounded whatever the
 * number of replications (mc.h). */
#define SERIES_MB 4

/* The exit hazards of the Drôme model (models/drome/rsa.ini), by seniority. */
#define JOB_PRO   "piecewise(entry; 0m:0.0589, 12m:0.0344, 24m:0.0215, 48m:0.0102)/m"
#define JOB_OTHER "piecewise(entry; 0m:0.0252, 12m:0.0148, 24m:0.0092, 48m:0.0044)/m"
#define LEAVE     "piecewise(entry; 0m:0.0379, 12m:0.0221, 24m:0.0138, 48m:0.0065)/m"

static const char model_text[] =
    "[model]\n"
    "name = Drôme benchmark\n"
    "start = 2018-01\n"
    "horizon = 120\n"
    "\n"
    "[population rsa]\n"
    "entry = orientation\n"
    "inflow.rate = 7500/y\n"
    "inflow.overdispersion = 0.05\n"
    "initial.count = 16000\n"
    "initial.state = orientation:0.08, pro:0.42, soc:0.28, iae:0.02, returning:0.20\n"
    "initial.seniority = table(seniority.csv)\n"
    "\n"
    "[state orientation]\n"
    "on.oriented = after lognormal(mean=94d, sd=90d) -> pro:0.62, soc:0.38\n"
    "on.job = hazard " JOB_OTHER " -> exit_job\n"
    "on.other = hazard " LEAVE " -> exit_other\n"
    "\n"
    "[state pro]\n"
    "on.job = hazard " JOB_PRO " -> exit_job\n"
    "on.other = hazard " LEAVE " -> exit_other\n"
    "on.iae = hazard 0.012/m -> iae\n"
    "\n"
    "[state soc]\n"
    "on.job = hazard " JOB_OTHER " -> exit_job\n"
    "on.other = hazard " LEAVE " -> exit_other\n"
    "on.reorient = hazard 0.01/m -> pro\n"
    "\n"
    "[state iae_queue]\n"
    "on.job = hazard " JOB_PRO " -> exit_job\n"
    "on.other = hazard " LEAVE " -> exit_other\n"
    "on.give_up = after fixed(6m) -> pro\n"
    "\n"
    "[state iae]\n"
    "resource = iae_places\n"
    "queue = iae_queue\n"
    "on.end = after gamma(shape=4, mean=12m) -> exit_job:0.30, pro:0.65, exit_other:0.05\n"
    "on.other = hazard " LEAVE " -> exit_other\n"
    "\n"
    "[state exit_job]\n"
    "outside = yes\n"
    "on.return = with 0.40 after exponential(mean=17.3m) -> orientation\n"
    "\n"
    "[state exit_other]\n"
    "outside = yes\n"
    "on.return = with 0.40 after exponential(mean=17.3m) -> orientation\n"
    "\n"
    "[state returning]\n"
    "outside = yes\n"
    "on.return = after exponential(mean=17.3m) -> orientation\n"
    "\n"
    "[resource iae_places]\n"
    "capacity = 2018-01:350, 2021-01:400\n"
    "etp.weight = 0.5556\n";

static const char seniority_text[] = "upper,weight\n12m,0.310\n24m,0.156\n60m,0.222\n144m,0.312\n";

static double cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

static double peak_rss_mb(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0;
    return (double)ru.ru_maxrss / 1024.0; /* Linux reports kilobytes */
}

static int write_file(const char *dir, const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) < 0;
    if (fclose(f) != 0 || bad)
        return -1;
    return 0;
}

/* Sum of variable `name` over every month of every replication (0 if absent). */
static double total_of(const mc_result *r, const char *name)
{
    long v = rec_find(r->catalog, name);
    if (v < 0)
        return 0;
    double s = 0;
    for (size_t rep = 0; rep < r->reps; rep++) {
        const double *x = mc_series(r, rep, (size_t)v);
        for (size_t k = 0; k < r->n_months; k++)
            s += x[k];
    }
    return s;
}

/* The uniforms the run drew, counted from what it recorded: every entry into
 * a state (in.S) draws 3 uniforms per competing transition (fire, time,
 * destination); each initial person 2 (state, seniority); each month's
 * arrivals one per arrival plus one (the exponential spacings).  The few
 * uniforms used inside gsl_ran_poisson and gsl_ran_gamma (monthly counts and
 * multipliers, gamma durations) are not counted: they are under 1% here. */
static double count_uniforms(const mdl_model *m, const mc_result *r)
{
    char name[256];
    double n = 0;
    for (size_t s = 0; s < m->n_states; s++) {
        snprintf(name, sizeof name, "in.%s", m->states[s].name);
        n += 3.0 * (double)m->states[s].n_transitions * total_of(r, name);
    }
    for (size_t p = 0; p < m->n_populations; p++) {
        snprintf(name, sizeof name, "arrivals.%s", m->populations[p].name);
        n += total_of(r, name) + (double)r->reps * (double)r->n_months;
        n += 2.0 * (double)r->reps * (double)m->populations[p].initial_count;
    }
    return n;
}

/* CPU seconds (all threads) to draw n uniforms with gsl_rng_uniform from
 * rng_philox() on `threads` threads, one generator each: sequentially along
 * one stream, or (rekey) re-keying the stream every 3 draws as the engine does
 * at each competing transition.  Returns a negative value if a generator
 * cannot be allocated. */
static double time_uniforms(double n, int threads, int rekey, double *sink)
{
    double seconds = -1, total = 0;
    int failed = 0;
    long long count = (long long)n;
    double t0 = cpu_seconds();
    /* each thread allocates its own generator: generators allocated one after the other
     * share cache lines, and two threads drawing from them then wait on each other */
#pragma omp parallel num_threads(threads) reduction(+ : total, failed)
    {
        gsl_rng *g = gsl_rng_alloc(rng_philox());
        uint32_t id = (uint32_t)omp_get_thread_num();
        if (g)
            rng_stream(g, 1, 2, 3, id, 0, 0);
        else
            failed = 1;
#pragma omp for schedule(static)
        for (long long i = 0; i < count; i++) {
            if (!g)
                continue;
            if (rekey && i % 3 == 0)
                rng_stream(g, 1, 2, 3, id, (uint32_t)(i / 3), 0);
            total += gsl_rng_uniform(g);
        }
        gsl_rng_free(g);
    }
    if (!failed)
        seconds = cpu_seconds() - t0;
    *sink += total;
    return seconds;
}

static const char *verdict(int met)
{
    return met ? "met" : "MISSED";
}

static void usage(FILE *f)
{
    fprintf(f, "usage: bench_parcours [--reps N] [--threads N] [--model FILE] [--series-mb N]\n"
               "  runs a Drôme-sized model (1000 replications by default, on every\n"
               "  available thread), or the model FILE (the national model:\n"
               "  models/france/rsa.ini), and prints time per replication, events per\n"
               "  second, peak RSS and the floor ratio next to their targets.  The\n"
               "  replications' series stay in memory up to N MB (4 for the Drôme-sized\n"
               "  model, 256 for a model FILE, as parcours run), beyond in a temporary file.\n");
}

static int parse_count(const char *text, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    long reps = 1000, threads = omp_get_max_threads(), series_mb = 0;
    const char *model_file = NULL;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(argv[a], "--model") && a + 1 < argc) {
            model_file = argv[++a];
            continue;
        }
        long *target = !strcmp(argv[a], "--reps")        ? &reps
                       : !strcmp(argv[a], "--threads")   ? &threads
                       : !strcmp(argv[a], "--series-mb") ? &series_mb
                                                         : NULL;
        if (!target || a + 1 >= argc || parse_count(argv[++a], 1000000, target)) {
            usage(stderr);
            return 2;
        }
    }

    char dir[256], model_path[320], table_path[320];
    snprintf(dir, sizeof dir, "%s/parcours-bench-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("bench_parcours: mkdtemp");
        return 3;
    }
    int status = 0;
    if (write_file(dir, "seniority.csv", seniority_text, table_path, sizeof table_path) ||
        write_file(dir, "drome-bench.ini", model_text, model_path, sizeof model_path)) {
        fprintf(stderr, "bench_parcours: cannot write the model into %s\n", dir);
        status = 3;
    }
    mdl_model *m = NULL;
    mc_result *r = NULL;
    pc_err err = {{0}};
    double cpu0 = cpu_seconds();
    if (!status && (status = mdl_load(model_file ? model_file : model_path, &m, &err)) == PC_OK) {
        if (!series_mb)
            series_mb = model_file ? MC_SPILL_ABOVE / 1048576 : SERIES_MB;
        mc_options opt = {.reps = (size_t)reps,
                          .seed = 1,
                          .threads = (int)threads,
                          .spill_above = (size_t)series_mb * 1048576};
        status = mc_run(m, &opt, &r, &err);
    }
    double cpu = cpu_seconds() - cpu0;
    remove(table_path);
    remove(model_path);
    rmdir(dir);
    if (status) {
        if (err.msg[0])
            fprintf(stderr, "bench_parcours: %s\n", err.msg);
        mdl_free(m);
        return status;
    }

    double rss = peak_rss_mb();
    double stored_mb = (double)(r->reps * r->n_vars * r->n_months) * sizeof(double) / 1048576.0;
    double per_rep_core = cpu / (double)r->reps;
    double uniforms = count_uniforms(m, r), sink = 0;
    double floor_seq = time_uniforms(uniforms, (int)threads, 0, &sink);
    double floor_rekey = time_uniforms(uniforms, (int)threads, 1, &sink);

    double target_ms = model_file ? TARGET_MS_NATIONAL : TARGET_MS_PER_REP_CORE;
    double target_rss = model_file ? TARGET_RSS_NATIONAL : TARGET_RSS_MB;
    if (model_file)
        printf("parcours benchmark: %s (%zu populations, %zu states, %zu indicators, %d months; "
               "model loading included in the CPU time)\n",
               model_file, m->n_populations, m->n_states, m->n_indicators, m->horizon);
    else
        printf("parcours benchmark: Drôme-sized model (16000 initial persons, 7500 entries a "
               "year, %d months)\n",
               m->horizon);
    printf("  replications              %zu on %ld thread(s), seed 1\n", r->reps, threads);
    printf("  time                      %.2f s wall, %.2f s CPU (all threads)\n", r->seconds, cpu);
    printf("  per replication, wall     %.2f ms\n", 1e3 * r->seconds / (double)r->reps);
    printf("  per replication per core  %.2f ms CPU      target < %.0f ms: %s\n",
           1e3 * per_rep_core, target_ms, verdict(1e3 * per_rep_core < target_ms));
    printf("  events                    %.0f (%.0f per replication)\n", r->events,
           r->events / (double)r->reps);
    printf("  events per second         %.3g wall, %.3g per core (%.0f ns CPU per event)\n",
           r->events / r->seconds, r->events / cpu, 1e9 * cpu / r->events);
    printf("  peak RSS                  %.1f MB      target < %.0f MB: %s\n", rss, target_rss,
           verdict(rss < target_rss));
    printf("  series kept               %.1f MB, %s (in memory up to %ld MB)\n", stored_mb,
           r->spill ? "in a temporary file" : "in memory", series_mb);
    printf("  uniforms drawn            %.4g (%.1f per event), counted from the recorded state "
           "entries (3 per competing transition), initial placements and arrivals\n",
           uniforms, uniforms / r->events);
    if (floor_seq > 0 && floor_rekey > 0) {
        printf("  floor: as many gsl_rng_uniform calls on rng_philox(), %ld thread(s), CPU time\n",
               threads);
        printf("    one stream              %.2f s (%.2f ns per uniform)\n", floor_seq,
               1e9 * floor_seq / uniforms);
        printf("    re-keyed every 3 draws  %.2f s (%.2f ns per uniform)\n", floor_rekey,
               1e9 * floor_rekey / uniforms);
        printf("  floor ratio               %.1f (run CPU / one-stream floor CPU)      "
               "target < %.0f: %s\n",
               cpu / floor_seq, TARGET_FLOOR_RATIO, verdict(cpu / floor_seq < TARGET_FLOOR_RATIO));
        printf("  floor ratio, re-keyed     %.1f (run CPU / re-keyed floor CPU)\n",
               cpu / floor_rekey);
    } else {
        fprintf(stderr, "bench_parcours: cannot allocate the generators for the floor\n");
        status = 3;
    }
    if (sink == 0)
        fprintf(stderr, "bench_parcours: no uniform drawn\n");
    mc_result_free(r);
    mdl_free(m);
    return status;
}
