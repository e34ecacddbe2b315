/* cmd_backtest — `parcours backtest FILE`: forecasts from past origins scored against the
 * observations that followed.
 *
 * Writes DIR/backtest.csv (one row per scored forecast), DIR/backtest-summary.csv
 * (coverage, PIT histogram, CRPS and errors per horizon), DIR/backtest-fit.csv (the
 * values fitted at each origin, with --fit) and the chart DIR/backtest.png and .svg,
 * then prints the summary.  DIR is written whole (folder.h): into a temporary renamed
 * into place once complete, replacing only an earlier folder parcours wrote.  See
 * docs/backtest.md. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "core/folder.h"
#include "core/fsio.h"
#include "core/mdl.h"
#include "opt.h"
#include "present/backtestplot.h"
#include "study/backtest.h"

static const char backtest_usage[] =
    "usage: parcours backtest FILE --observed CSV --origins YYYY-MM,... [--horizons H,...]\n"
    "                         [--breaks YYYY-MM,...] [--fit KEY=LOW:HIGH[:START]]...\n"
    "                         [--fit-window N] [--out DIR] [--reps N] [--fit-reps N]\n"
    "                         [--seed S] [--max-iter N] [--tol X] [--threads T] [--lang fr|en]\n"
    "                         [--quiet]\n"
    "\n"
    "For each origin, starts the model FILE the month after it from the observed stocks\n"
    "(stock.P sets population P's initial.count), with the --fit keys first fitted to the\n"
    "observations of the --fit-window months before the origin, and scores the forecast\n"
    "against the observations at each horizon: coverage of the 50 % and 90 % bands, the\n"
    "probability integral transform, the CRPS, and the error of the median against the\n"
    "naive forecast (the origin's value carried forward).  See docs/backtest.md.\n"
    "\n"
    "  --observed CSV    variable,period,value[,tolerance,source] (the [observations]\n"
    "                    table), periods YYYY-MM: stock.rsa,2013-12,12040\n"
    "  --origins LIST    forecast origins, each a month whose stocks are observed\n"
    "  --horizons LIST   months after the origin that are scored (default 12,24)\n"
    "  --breaks LIST     first months of new series: no window spans one (2016-12)\n"
    "  --fit K=L:H       a key fitted at each origin, with its range (as calibrate --free):\n"
    "                    population.rsa.inflow.rate=1000/y:20000/y\n"
    "  --fit-window N    months before the origin the fit runs over (default 12)\n"
    "  --out DIR         the folder to write (default backtest; created if needed)\n"
    "  --reps N          replications of each forecast, 1 to 1000000 (default 200)\n"
    "  --fit-reps N      replications of each simulator call of a fit (default 20)\n"
    "  --seed S          seed, 0 to 4294967295 (default 1)\n"
    "  --max-iter N      simplex iterations of a fit at most (default 100)\n"
    "  --tol X           a fit stops when the simplex is smaller than X (default 1e-3)\n"
    "  --threads T       threads, 0 to 1024 (default 0: all cores)\n"
    "  --lang fr|en      the chart's language (default fr)\n"
    "  --quiet           no progress bar\n";

typedef struct {
    const char *file, *observed, *origins, *horizons, *breaks, *out;
    const char **fits;
    size_t n_fit;
    unsigned long reps, fit_reps, seed, threads, max_iter, fit_window;
    double tol;
    int quiet, lang;
} backtest_args;

static int read_args(backtest_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_text("observed", &a->observed)),
                        opt_required(opt_text("origins", &a->origins)),
                        opt_text("horizons", &a->horizons),
                        opt_text("breaks", &a->breaks),
                        opt_texts("fit", a->fits, &a->n_fit),
                        opt_uint("fit-window", &a->fit_window, 0, 1000000),
                        opt_out(&a->out),
                        opt_reps(&a->reps),
                        opt_uint("fit-reps", &a->fit_reps, 1, 1000000),
                        opt_seed(&a->seed),
                        opt_threads(&a->threads),
                        opt_quiet(&a->quiet),
                        opt_lang(&a->lang),
                        opt_uint("max-iter", &a->max_iter, 1, 1000000),
                        opt_real("tol", &a->tol, 0, INFINITY, 1)};
    size_t n_files = 0;
    opt_command cmd = {.name = "backtest",
                       .usage = backtest_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = &a->file,
                       .n_args = &n_files,
                       .min_args = 1,
                       .max_args = 1,
                       .args_missing = "FILE is required"};
    return opt_parse(&cmd, argc, argv);
}

static int read_problem(const backtest_args *a, mdl_model **m, backtest_problem **p, pc_err *err)
{
    int rc = mdl_load(a->file, m, err);
    if (rc || (rc = backtest_problem_alloc(*m, p, err)))
        return rc;
    if ((rc = backtest_read_observed(*p, a->observed, err)) ||
        (rc = backtest_set_origins(*p, a->origins, err)) ||
        (rc = backtest_set_horizons(*p, a->horizons, err)) ||
        (rc = backtest_set_breaks(*p, a->breaks, err)) ||
        (rc = backtest_set_fit_window(*p, (int)(a->fit_window > 100000 ? 100000 : a->fit_window),
                                      err)))
        return rc;
    for (size_t i = 0; i < a->n_fit; i++)
        if ((rc = backtest_add_fit(*p, a->fits[i], err)))
            return rc;
    return backtest_validate(*p, err);
}

static void print_summary(const backtest_problem *p, const backtest_result *r,
                          const backtest_options *opt)
{
    printf("backtest of %zu origin%s, %zu replications each (seed %u)%s\n\n", p->n_origins,
           p->n_origins > 1 ? "s" : "", opt->reps, (unsigned)opt->seed,
           p->n_fit ? ", keys fitted at each origin" : "");
    printf("%-8s %6s %10s %10s %10s %14s %14s   %s\n", "horizon", "n", "50 % band", "90 % band",
           "CRPS", "median error", "naive error", "PIT histogram (tenths)");
    for (size_t i = 0; i < r->n_scores; i++) {
        const backtest_score *s = &r->scores[i];
        char h[16];
        if (s->horizon)
            snprintf(h, sizeof h, "%d m", s->horizon);
        else
            snprintf(h, sizeof h, "all");
        if (s->n == 0) { /* no observation at that horizon after any origin */
            printf("%-8s %6zu %10s %10s %10s %14s %14s   (nothing to score)\n", h, s->n, "-", "-",
                   "-", "-", "-");
            continue;
        }
        printf("%-8s %6zu %9.1f%% %9.1f%% %9.2f%% %13.2f%% %13.2f%%  ", h, s->n, 100 * s->cover50,
               100 * s->cover90, 100 * s->crps_rel, 100 * s->mae_median, 100 * s->mae_naive);
        for (int k = 0; k < BACKTEST_PIT_BINS; k++)
            printf(" %zu", s->pit[k]);
        putchar('\n');
    }
    printf("\n(CRPS: mean over the forecasts, relative to the observation; errors: mean absolute\n"
           "relative error of the median and of the origin's value carried forward)\n");
}

static void show_origin(void *ctx, size_t done, size_t total)
{
    (void)ctx;
    cli_log("backtest: origin %zu of %zu done", done, total);
}

/* Writes the folder a.out whole: the three tables, then the chart (without gnuplot the
 * tables are kept, *drawn stays 0 and err says why).  PC_OK or a status with err. */
static int write_folder(cli_ctx *cli, const backtest_args *a, const backtest_problem *p,
                        const backtest_result *r, const char *const *inputs, int *drawn,
                        char **notes, pc_err *err)
{
    folder_notes said;
    folder_stage stage;
    cli_hold(cli); /* a signal waits for the folder to be whole or gone */
    int rc = folder_open(&stage, a->out, FOLDER_STUDY, inputs, 2, &said, err);
    if (rc) {
        cli_release(cli);
        return rc;
    }
    char *rows = pc_strf("%s/backtest.csv", stage.tmp);
    char *summary = pc_strf("%s/backtest-summary.csv", stage.tmp);
    char *fit = pc_strf("%s/backtest-fit.csv", stage.tmp);
    if (!rows || !summary || !fit)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc && !(rc = backtest_write_rows(r, rows, err)) &&
        !(rc = backtest_write_summary(r, summary, err)) && p->n_fit)
        rc = backtest_write_fit(p, r, fit, err);
    pc_err chart_err = {{0}};
    if (!rc && r->n_rows) {
        int prc = backtestplot_draw(stage.tmp, r, (lang_code)a->lang, notes, &chart_err);
        if (prc == PC_OK)
            *drawn = 1;
        else if (prc != PC_EINPUT)
            rc = prc, *err = chart_err;
    }
    if (rc)
        folder_message(&stage, err);
    char *about = pc_strf("backtest of %s (%zu origins)", a->file, p->n_origins);
    int written = 0;
    rc = cli_commit_study(&stage, !rc, rc, about ? about : "backtest", &said, err, &written);
    cli_release(cli);
    if (written)
        cli_replaced(a->out, &said);
    if (!rc && !*drawn && r->n_rows)
        *err = chart_err;
    free(about);
    free(rows);
    free(summary);
    free(fit);
    return rc;
}

int cmd_backtest(cli_ctx *cli, int argc, char **argv)
{
    backtest_args a = {.horizons = "12,24",
                       .breaks = "",
                       .out = "backtest",
                       .reps = 200,
                       .fit_reps = 20,
                       .seed = 1,
                       .max_iter = 100,
                       .tol = 1e-3,
                       .fit_window = 12};
    if (!(a.fits = pc_calloc((size_t)argc, sizeof *a.fits)))
        return cli_out_of_memory();
    int rc = read_args(&a, argc, argv);
    mdl_model *m = NULL;
    backtest_problem *p = NULL;
    backtest_result *r = NULL;
    char *notes = NULL;
    int drawn = 0;
    pc_err err;
    if (rc) {
        rc = rc == OPT_HELP ? PC_OK : rc;
        goto done;
    }
    backtest_options opt = {.reps = a.reps,
                            .fit_reps = a.fit_reps,
                            .seed = (uint32_t)a.seed,
                            .threads = (int)a.threads,
                            .max_iter = a.max_iter,
                            .tol = a.tol,
                            .progress = cli_progress_wanted(a.quiet) ? show_origin : NULL};
    const char *inputs[2] = {a.file, a.observed};
    if (!(rc = read_problem(&a, &m, &p, &err)) &&
        /* a folder that cannot be written is said before the runs, not after */
        !(rc = folder_check(a.out, FOLDER_STUDY, inputs, 2, NULL, &err)) &&
        !(rc = backtest_run(p, &opt, &r, &err)))
        rc = write_folder(cli, &a, p, r, inputs, &drawn, &notes, &err);
    if (rc) {
        cli_fail(&err, rc);
        goto done;
    }
    if (notes && !a.quiet)
        cli_log("gnuplot: %s", notes);
    if (r->n_rows && !drawn && !a.quiet)
        cli_log("backtest: no chart: %s", err.msg);
    print_summary(p, r, &opt);
    printf("\nwrote %s: backtest.csv, backtest-summary.csv%s%s\n", a.out,
           p->n_fit ? ", backtest-fit.csv" : "", drawn ? " and the chart backtest.png/.svg" : "");
    rc = cli_flush(rc);
done:
    backtest_result_free(r);
    backtest_problem_free(p);
    mdl_free(m);
    free(notes);
    free(a.fits);
    return rc;
}
