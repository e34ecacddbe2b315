/* main — the `parcours` command: dispatches to its sub-commands.
 *
 * Exit codes: 0 ok, 1 bad input (a clear message on stderr), 2 usage,
 * 3 internal.  stdout carries results only. */
#include <errno.h>
#include <gsl/gsl_errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "study/cmp.h"
#include "study/fit.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "opt.h"
#include "core/out.h"
#include "present/plot.h"
#include "present/report.h"
#include "study/sens.h"

#ifdef PARCOURS_MPI
#include <mpi.h>
#endif

static const char usage_text[] =
    "usage: parcours COMMAND [options]\n"
    "\n"
    "Monte Carlo projections of insertion pathways (RSA, IAE, parrainage, E2C).\n"
    "\n"
    "commands:\n"
    "  check FILE            validate a model or scenario and print the resolved model\n"
    "  run FILE              run replications and write monthly.csv, yearly.csv, ...\n"
    "  plot DIR...           draw the charts of one or several run folders\n"
    "  report SCENARIO...    run scenarios and write a committee report (index.html)\n"
    "  compare BASE ALT...   run scenarios with common random numbers, write paired differences\n"
    "  sensitivity FILE      one-at-a-time (tornado) and Sobol sensitivity of an output\n"
    "  calibrate FILE        fit free keys to observed targets; write a scenario overlay\n"
    "  size FILE             smallest capacity of a resource that meets a target\n"
    "  allocate FILE         share an ETP envelope across resources to cut waiting\n"
    "\n"
    "`parcours COMMAND --help` describes a command.  Files: docs/format.md.\n";

static const char check_help[] =
    "usage: parcours check FILE\n"
    "\n"
    "Reads a model, scenario or run manifest, validates every key, and prints the\n"
    "resolved model: populations, states with their transitions and destinations,\n"
    "resources, staff, costs and dated changes.  Exit 1 with file:line: key: message\n"
    "on the first error.\n";

static const char run_help[] =
    "usage: parcours run FILE [--reps N] [--seed S] [--threads T] [--out DIR] [--quiet]\n"
    "                         [--precision P% [--max-reps N]]\n"
    "\n"
    "Runs N replications (default 100; from the manifest when FILE is one) of the\n"
    "model or scenario FILE and writes DIR (default out/NAME, NAME the file name\n"
    "without .ini): monthly.csv, yearly.csv, replications.csv, survival.csv and\n"
    "manifest.ini.  `parcours run DIR/manifest.ini` reproduces a run bitwise.\n"
    "Results do not depend on --threads.  The folder appears only when complete.\n"
    "\n"
    "  --reps N      replications, 1 to 1000000\n"
    "  --seed S      seed, 0 to 4294967295 (default 1)\n"
    "  --threads T   threads (default: all cores)\n"
    "  --out DIR     output folder\n"
    "  --quiet       no progress bar\n"
    "  --precision P%  add replications in batches (the first is --reps) until the 95 %\n"
    "                interval of each key output (each population's stock at the end,\n"
    "                cost.total over the horizon) is within P% of its mean\n"
    "  --max-reps N  stop there even if the precision is not reached (default 10000)\n";

static int fail_input(const pc_err *err, int rc)
{
    fprintf(stderr, "parcours: %s\n", err->msg);
    return rc;
}

static int cmd_check(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(check_help, stdout);
        return PC_OK;
    }
    if (argc != 2) {
        fputs(check_help, stderr);
        return PC_EUSAGE;
    }
    mdl_model *m;
    pc_err err;
    int rc = mdl_load(argv[1], &m, &err);
    if (rc)
        return fail_input(&err, rc);
    mdl_print(stdout, m);
    mdl_free(m);
    return fflush(stdout) == 0 ? PC_OK : PC_EINTERNAL;
}

/* Reads seed and replications from a manifest's [run] section, if any. */
static int manifest_defaults(const mdl_model *m, unsigned long *reps, unsigned long *seed,
                             pc_err *err)
{
    const cfg_section *run = cfg_find(m->doc, "run");
    if (!run)
        return PC_OK;
    const cfg_entry *e;
    if ((e = cfg_get(run, "replications")) && !opt_count(e->value, 1000000, reps))
        return pc_fail_at(err, e->file, e->line, e->key, "expected 1 to 1000000");
    if ((e = cfg_get(run, "seed")) && !opt_count(e->value, UINT32_MAX, seed))
        return pc_fail_at(err, e->file, e->line, e->key, "expected 0 to 4294967295");
    return PC_OK;
}

static char *join_args(int argc, char **argv)
{
    size_t len = 16;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    strcpy(s, "parcours");
    for (int i = 0; i < argc; i++) {
        strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int cmd_run(int argc, char **argv)
{
    const char *file = NULL, *out = NULL;
    unsigned long reps = 100, seed = 1, threads = 0, max_reps = 0;
    double precision = 0;
    int reps_given = 0, seed_given = 0, quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(run_help, stdout);
            return PC_OK;
        } else if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--reps") || !strcmp(a, "--seed") || !strcmp(a, "--threads") ||
                   !strcmp(a, "--out") || !strcmp(a, "--precision") || !strcmp(a, "--max-reps")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "parcours run: %s needs a value\n", a);
                return PC_EUSAGE;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--out")) {
                out = v;
            } else if (!strcmp(a, "--precision")) {
                pc_err perr;
                if (cmp_parse_share(v, &precision, &perr))
                    return fail_input(&perr, PC_EINPUT);
            } else if (!strcmp(a, "--max-reps")) {
                if (!opt_count(v, 1000000, &max_reps) || max_reps < 2) {
                    fprintf(stderr, "parcours run: --max-reps: expected 2 to 1000000, got '%s'\n",
                            v);
                    return PC_EINPUT;
                }
            } else if (!strcmp(a, "--reps")) {
                if (!opt_count(v, 1000000, &reps) || reps < 1) {
                    fprintf(stderr, "parcours run: --reps: expected 1 to 1000000, got '%s'\n", v);
                    return PC_EINPUT;
                }
                reps_given = 1;
            } else if (!strcmp(a, "--seed")) {
                if (!opt_count(v, UINT32_MAX, &seed)) {
                    fprintf(stderr, "parcours run: --seed: expected 0 to 4294967295, got '%s'\n",
                            v);
                    return PC_EINPUT;
                }
                seed_given = 1;
            } else if (!opt_count(v, 1024, &threads) || threads < 1) {
                fprintf(stderr, "parcours run: --threads: expected 1 to 1024, got '%s'\n", v);
                return PC_EINPUT;
            }
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "parcours run: unknown option %s\n\n%s", a, run_help);
            return PC_EUSAGE;
        } else if (file) {
            fprintf(stderr, "parcours run: one FILE only\n\n%s", run_help);
            return PC_EUSAGE;
        } else {
            file = a;
        }
    }
    if (!file || (max_reps && precision == 0)) {
        fputs(run_help, stderr);
        return PC_EUSAGE;
    }
    mdl_model *m;
    pc_err err;
    int rc = mdl_load(file, &m, &err);
    if (rc)
        return fail_input(&err, rc);
    unsigned long mreps = reps, mseed = seed;
    if ((rc = manifest_defaults(m, &mreps, &mseed, &err))) {
        mdl_free(m);
        return fail_input(&err, rc);
    }
    if (!reps_given)
        reps = mreps;
    if (!seed_given)
        seed = mseed;
    char default_out[4096];
    if (!out) {
        if (cfg_find(m->doc, "run")) {
            /* a manifest reruns into its own folder */
            snprintf(default_out, sizeof default_out, "%s", file);
            char *slash = strrchr(default_out, '/');
            if (slash)
                *slash = '\0';
            else
                strcpy(default_out, ".");
        } else {
            snprintf(default_out, sizeof default_out, "out/%s", m->id);
        }
        out = default_out;
    }
    mc_options opt = {
        .reps = reps, .seed = (uint32_t)seed, .threads = (int)threads, .progress = !quiet};
    mc_result *r;
    cmp_precision target = {.share = precision, .max_reps = max_reps, .quiet = quiet};
    if (precision > 0)
        rc = cmp_run_precision(m, &opt, &target, &r, NULL, &err);
    else
        rc = mc_run(m, &opt, &r, &err);
    if (rc) {
        mdl_free(m);
        return fail_input(&err, rc);
    }
    char *command = join_args(argc, argv);
    out_info info = {.command = command, .version = PARCOURS_VERSION};
    int writer = 1;
#ifdef PARCOURS_MPI
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    writer = rank == 0; /* every rank holds every replication; one writes */
    quiet = quiet || !writer;
#endif
    rc = writer ? out_write_run(out, r, &info, &err) : PC_OK;
    free(command);
    if (rc) {
        mc_result_free(r);
        mdl_free(m);
        return fail_input(&err, rc);
    }
    if (!quiet)
        fprintf(stderr, "parcours: %zu replications in %.2f s (%.3g events/s); wrote %s\n", r->reps,
                r->seconds, r->seconds > 0 ? r->events / r->seconds : 0.0, out);
    mc_result_free(r);
    mdl_free(m);
    return PC_OK;
}

static const struct {
    const char *name;
    int (*run)(int, char **);
} commands[] = {
    {"check", cmd_check},
    {"run", cmd_run},
    {"plot", plot_main},
    {"report", report_main},
    {"compare", cmp_main},
    {"sensitivity", sens_main},
    {"calibrate", fit_calibrate_main},
    {"size", fit_size_main},
    {"allocate", fit_allocate_main},
};

static int dispatch(int argc, char **argv);

#ifdef PARCOURS_MPI
/* With MPI, `run` shares its replications among the ranks; the other commands run their
 * own Monte Carlo loops many times and are not distributed. */
int main(int argc, char **argv)
{
    int provided, ranks, rank;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int rc;
    if (ranks > 1 && (argc < 2 || strcmp(argv[1], "run") != 0)) {
        if (rank == 0)
            fprintf(stderr, "parcours: only `parcours run` shares its replications among MPI "
                            "ranks; run other commands on one rank\n");
        rc = PC_EUSAGE;
    } else {
        rc = dispatch(argc, argv);
    }
    MPI_Finalize();
    return rc;
}
#else
int main(int argc, char **argv)
{
    return dispatch(argc, argv);
}
#endif

static int dispatch(int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2) {
        fputs(usage_text, stderr);
        return PC_EUSAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return PC_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("parcours %s\n", PARCOURS_VERSION);
        return PC_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "parcours: unknown command '%s'\n\n%s", argv[1], usage_text);
    return PC_EUSAGE;
}
