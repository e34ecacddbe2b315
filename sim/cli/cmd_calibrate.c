/* cmd_calibrate — `parcours calibrate FILE`: free keys fitted to targets, written as an overlay.
 *
 * Writes the overlay scenario (--out) and, beside it, the fit report
 * (NAME-report.csv), then prints the report: why the fit stopped, the fitted
 * keys, and each target against its simulated value. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef PARCOURS_MPI
#include <mpi.h>
#endif

#include "cli.h"
#include "cmd.h"
#include "core/mdl.h"
#include "opt.h"
#include "study/calib.h"

static const char calibrate_usage[] =
    "usage: parcours calibrate FILE --targets CSV --free KEY=LOW:HIGH[:START]... --out OVERLAY\n"
    "                          [--reps N] [--seed S] [--max-iter N] [--tol X] [--threads T]\n"
    "                          [--quiet]\n"
    "\n"
    "Fits the free keys of the model or scenario FILE so that the simulated means match\n"
    "the targets, by Nelder-Mead on the weighted squared relative errors, every run with\n"
    "the same seed and replications.  Writes OVERLAY (a scenario extending FILE with the\n"
    "fitted values) and, beside it, its name ending in -report.csv instead of .ini (the\n"
    "fit report), and prints the report.  See docs/fit.md.\n"
    "\n"
    "  --targets CSV   variable,date_or_year,value,weight: stock.rsa,2017-12,16018,1 (a\n"
    "                  month's value) or entries.rsa,2018,7500,1 (a year's, as yearly.csv)\n"
    "  --free K=L:H    a key (KIND.NAME.KEY such as population.rsa.inflow.rate, a\n"
    "                  [parameter]'s name, set.2020-01.resource.R.capacity) and its range,\n"
    "                  with the unit of its value: population.rsa.inflow.rate=3000/y:9000/y;\n"
    "                  a third number is the start (default: the model's value, or the middle)\n"
    "  --out OVERLAY   the scenario file to write (its folder must exist)\n"
    "  --reps N        replications per simulator call, 1 to 1000000 (default 20)\n"
    "  --seed S        seed, 0 to 4294967295 (default 1)\n"
    "  --max-iter N    simplex iterations at most (default 200)\n"
    "  --tol X         stop when the simplex is smaller than X in logit units (default 1e-3)\n"
    "  --threads T     threads, 0 to 1024 (default 0: all cores)\n"
    "  --quiet         no progress lines\n";

typedef struct {
    const char *file, *targets, *out;
    const char **frees;
    size_t n_free;
    unsigned long reps, seed, threads, max_iter;
    double tol;
    int quiet;
} calibrate_args;

static int read_args(calibrate_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_text("targets", &a->targets)),
                        opt_required(opt_texts("free", a->frees, &a->n_free)),
                        opt_required(opt_out(&a->out)),
                        opt_reps(&a->reps),
                        opt_seed(&a->seed),
                        opt_threads(&a->threads),
                        opt_quiet(&a->quiet),
                        opt_uint("max-iter", &a->max_iter, 1, 1000000),
                        opt_real("tol", &a->tol, 0, INFINITY, 1)};
    size_t n_files = 0;
    opt_command cmd = {.name = "calibrate",
                       .usage = calibrate_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = &a->file,
                       .n_args = &n_files,
                       .min_args = 1,
                       .max_args = 1,
                       .args_missing = "FILE is required"};
    return opt_parse(&cmd, argc, argv);
}

/* OVERLAY.ini -> OVERLAY-report.csv */
static char *report_path_of(const char *overlay)
{
    size_t len = strlen(overlay);
    if (len > 4 && !strcmp(overlay + len - 4, ".ini"))
        len -= 4;
    return pc_strf("%.*s-report.csv", (int)len, overlay);
}

static void print_keys(const calib_problem *p, const calib_result *r)
{
    printf("%-40s %14s %14s %14s %14s\n", "free key", "low", "high", "start", "fitted");
    for (size_t i = 0; i < p->n_free; i++) {
        const calib_key *k = &p->free_keys[i];
        char lo[64], hi[64], st[64], v[64];
        snprintf(lo, sizeof lo, "%.6g%s", k->low, k->suffix);
        snprintf(hi, sizeof hi, "%.6g%s", k->high, k->suffix);
        snprintf(st, sizeof st, "%.6g%s", k->start, k->suffix);
        calib_format_value(k, r->values[i], v, sizeof v);
        printf("%-40s %14s %14s %14s %14s\n", k->key, lo, hi, st, v);
    }
}

static void print_targets(const calib_problem *p, const calib_result *r)
{
    printf("\n%-28s %-8s %12s %12s %26s %10s\n", "target", "when", "observed", "fitted",
           "90 % interval", "error");
    for (size_t i = 0; i < p->n_targets; i++) {
        const calib_target *t = &p->targets[i];
        char band[64];
        snprintf(band, sizeof band, "[%.6g, %.6g]", r->p05[i], r->p95[i]);
        printf("%-28s %-8s %12.6g %12.6g %26s %+9.2f%%\n", t->variable, t->when, t->value,
               r->mean[i], band, 100 * (r->mean[i] - t->value) / t->value);
    }
}

static void print_report(const calib_problem *p, const calib_result *r, const calib_options *opt)
{
    printf("calibrated %zu free key%s on %zu target%s: %zu simulator calls of %zu replications "
           "(seed %u, common random numbers), %d months simulated each\n",
           p->n_free, p->n_free > 1 ? "s" : "", p->n_targets, p->n_targets > 1 ? "s" : "", r->calls,
           opt->reps, (unsigned)opt->seed, r->horizon);
    if (r->converged)
        printf("stopped: simplex size %.3g below --tol %.3g after %zu iterations\n", r->size,
               opt->tol, r->iterations);
    else
        printf("stopped: --max-iter %zu iterations reached, simplex size %.3g above --tol %.3g\n",
               opt->max_iter, r->size, opt->tol);
    printf("objective (weighted mean squared relative error): %.4g\n\n", r->objective);
    print_keys(p, r);
    print_targets(p, r);
}

static void show_iteration(void *ctx, const calib_state *state)
{
    (void)ctx;
    cli_log("calibrate: iteration %zu, %zu calls, objective %.4g, simplex size %.3g",
            state->iterations, state->calls, state->objective, state->size);
}

/* Reads the problem: the model, its targets and free keys, and checks --out. */
static int read_problem(const calibrate_args *a, mdl_model **m, calib_problem **p, pc_err *err)
{
    int rc = mdl_load(a->file, m, err);
    if (rc)
        return rc;
    if (!(*p = calib_problem_alloc(*m)))
        return pc_fail(err, PC_EENV, "out of memory");
    if ((rc = calib_read_targets(*p, a->targets, err)))
        return rc;
    for (size_t i = 0; i < a->n_free; i++)
        if ((rc = calib_add_key(*p, a->frees[i], err)))
            return rc;
    return calib_check_overlay(*m, a->out, err);
}

/* 1 in the process that writes and prints (MPI rank 0, or the only process). */
static int is_writer(void)
{
#ifdef PARCOURS_MPI
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank == 0;
#else
    return 1;
#endif
}

int cmd_calibrate(cli_ctx *cli, int argc, char **argv)
{
    calibrate_args a = {.reps = 20, .seed = 1, .max_iter = 200, .tol = 1e-3};
    if (!(a.frees = pc_calloc((size_t)argc, sizeof *a.frees)))
        return cli_out_of_memory();
    int rc = read_args(&a, argc, argv);
    mdl_model *m = NULL;
    calib_problem *p = NULL;
    calib_result *r = NULL;
    char *report = NULL;
    pc_err err;
    if (rc) {
        rc = rc == OPT_HELP ? PC_OK : rc;
        goto done;
    }
    calib_options opt = {.reps = a.reps,
                         .seed = (uint32_t)a.seed,
                         .threads = (int)a.threads,
                         .max_iter = a.max_iter,
                         .tol = a.tol,
                         .progress =
                             cli_progress_wanted(a.quiet) && is_writer() ? show_iteration : NULL};
    if ((rc = read_problem(&a, &m, &p, &err)) || (rc = calib_fit(p, &opt, &r, &err))) {
        cli_fail(&err, rc);
        goto done;
    }
    if (!(report = report_path_of(a.out))) {
        rc = cli_out_of_memory();
        goto done;
    }
    if (!is_writer())
        goto done;
    cli_hold(cli);
    if (!(rc = calib_write_overlay(p, r, a.file, a.out, &err)))
        rc = calib_write_report(p, r, report, &err);
    cli_release(cli);
    if (rc) {
        cli_fail(&err, rc);
        goto done;
    }
    print_report(p, r, &opt);
    printf("\nwrote %s and %s\n", a.out, report);
    rc = cli_flush(rc);
done:
    calib_result_free(r);
    calib_problem_free(p);
    mdl_free(m);
    free(report);
    free(a.frees);
    return rc;
}
