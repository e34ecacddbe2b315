/* cmd_run — `parcours run FILE`: replications of a model into a run folder.
 *
 * A manifest (a run folder's manifest.ini) gives its seed, replications and
 * folder as defaults, so `parcours run DIR/manifest.ini` reproduces the run.
 * With --precision, replications are added in batches (cmp_run_precision).
 * Under MPI every rank holds every replication at the end and rank 0 writes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "core/cfg.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/out.h"
#include "opt.h"
#include "study/cmp.h"

#ifdef PARCOURS_MPI
#include <mpi.h>
#endif

static const char run_usage[] =
    "usage: parcours run FILE [--reps N] [--seed S] [--threads T] [--out DIR] [--quiet]\n"
    "                         [--precision P% [--max-reps N]]\n"
    "\n"
    "Runs N replications (default 100; from the manifest when FILE is one) of the\n"
    "model or scenario FILE and writes DIR (default out/NAME, NAME the file name\n"
    "without .ini): monthly.csv, yearly.csv, replications.csv, survival.csv and\n"
    "manifest.ini.  `parcours run DIR/manifest.ini` reproduces a run bitwise.\n"
    "Results do not depend on --threads.  The folder appears only when complete;\n"
    "an earlier run folder at DIR is replaced (and the message says which run it\n"
    "held), any other folder that is not empty is refused.\n"
    "\n"
    "  --reps N      replications, 1 to 1000000\n"
    "  --seed S      seed, 0 to 4294967295 (default 1)\n"
    "  --threads T   threads, 0 to 1024 (default 0: all cores)\n"
    "  --out DIR     output folder\n"
    "  --quiet       no progress bar\n"
    "  --precision P%  add replications in batches (the first is --reps) until the 95 %\n"
    "                interval of each key output (each population's stock at the end,\n"
    "                cost.total over the horizon) is within P% of its mean\n"
    "  --max-reps N  stop there even if the precision is not reached (default 10000)\n";

typedef struct {
    const char *file, *out;
    unsigned long reps, seed, threads, max_reps;
    int reps_given, seed_given, quiet;
    double precision;
} run_args;

static int parse_precision(const char *text, void *share, pc_err *err)
{
    return cmp_parse_share(text, share, err);
}

static int read_args(run_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_seen(opt_reps(&a->reps), &a->reps_given),
                        opt_seen(opt_seed(&a->seed), &a->seed_given),
                        opt_threads(&a->threads),
                        opt_out(&a->out),
                        opt_quiet(&a->quiet),
                        opt_custom("precision", &a->precision, parse_precision),
                        opt_uint("max-reps", &a->max_reps, 2, 1000000)};
    size_t n_files = 0;
    opt_command cmd = {.name = "run",
                       .usage = run_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = &a->file,
                       .n_args = &n_files,
                       .min_args = 1,
                       .max_args = 1,
                       .args_missing = "FILE is required"};
    int rc = opt_parse(&cmd, argc, argv);
    if (!rc && a->max_reps && !(a->precision > 0))
        rc = opt_usage_error(&cmd, "--max-reps goes with --precision");
    return rc;
}

/* The seed and replications of a manifest's [run] section (checked by mdl_load),
 * unless given, and the folder: a manifest reruns into its own, anything else into
 * out/NAME. */
static void take_defaults(const mdl_model *m, run_args *a, char *out, size_t size)
{
    const cfg_section *run = cfg_find(m->doc, "run");
    const cfg_entry *e;
    if (run && (e = cfg_get(run, "replications")) && !a->reps_given)
        a->reps = strtoul(e->value, NULL, 10);
    if (run && (e = cfg_get(run, "seed")) && !a->seed_given)
        a->seed = strtoul(e->value, NULL, 10);
    if (a->out)
        return;
    if (run) {
        snprintf(out, size, "%s", a->file);
        char *slash = strrchr(out, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(out, size, ".");
    } else {
        snprintf(out, size, "out/%s", m->id);
    }
    a->out = out;
}

/* Writes the run folder (one MPI rank writes; every one holds the whole run). */
static int write_run(cli_ctx *cli, const run_args *a, const mc_result *r, int argc, char **argv,
                     pc_err *err)
{
    int writer = 1;
#ifdef PARCOURS_MPI
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    writer = rank == 0;
#endif
    if (!writer)
        return PC_OK;
    char *command = opt_command_line(argc, argv);
    if (!command)
        return pc_fail(err, PC_EENV, "out of memory");
    folder_notes notes;
    out_info info = {.command = command, .version = PARCOURS_VERSION, .notes = &notes};
    cli_hold(cli);
    int rc = out_write_run(a->out, r, &info, err);
    cli_release(cli);
    free(command);
    if (!rc)
        cli_replaced(a->out, &notes);
    if (!rc && !a->quiet)
        cli_log("%zu replications in %.2f s (%.3g events/s); wrote %s", r->reps, r->seconds,
                r->seconds > 0 ? r->events / r->seconds : 0.0, a->out);
    return rc;
}

int cmd_run(cli_ctx *cli, int argc, char **argv)
{
    run_args a = {.reps = 100, .seed = 1};
    int rc = read_args(&a, argc, argv);
    if (rc)
        return rc == OPT_HELP ? PC_OK : rc;
    mdl_model *m = NULL;
    mc_result *r = NULL;
    char default_out[4096];
    pc_err err;
    if ((rc = mdl_load(a.file, &m, &err)))
        goto done;
    take_defaults(m, &a, default_out, sizeof default_out);
    /* a folder that cannot be written is said before the replications, not after */
    if ((rc = out_check_run(a.out, m, NULL, &err)))
        goto done;
    mc_options opt = {.reps = a.reps,
                      .seed = (uint32_t)a.seed,
                      .threads = (int)a.threads,
                      .progress = cli_bar_if(a.quiet)};
    cmp_precision target = {.share = a.precision, .max_reps = a.max_reps};
    cmp_precision_report report;
    if (a.precision > 0) {
        rc = cmp_run_precision(m, &opt, &target, &r, &report, &err);
        if (!rc && !a.quiet)
            cli_precision(&report, a.precision);
    } else {
        rc = mc_run(m, &opt, &r, &err);
    }
    if (!rc)
        rc = write_run(cli, &a, r, argc, argv, &err);
done:
    if (rc)
        cli_fail(&err, rc);
    mc_result_free(r);
    mdl_free(m);
    return rc;
}
