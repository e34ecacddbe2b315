/* cmd_sensitivity — `parcours sensitivity FILE`: one-at-a-time (tornado) and Sobol sensitivity.
 *
 * With --vary, runs sens_oat, writes DIR/tornado.csv and the tornado chart and
 * prints the table; with --sobol N, runs sens_sobol_model, writes DIR/sobol.csv
 * and prints the indices. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cmd.h"
#include "core/fsio.h"
#include "core/mdl.h"
#include "opt.h"
#include "present/sensplot.h"
#include "study/sens.h"

static const char sensitivity_usage[] =
    "usage: parcours sensitivity FILE --output VARIABLE[@YEAR] [--vary KEY=LOW:HIGH]...\n"
    "                            [--reps N] [--seed S] [--threads T] [--sobol N]\n"
    "                            [--bootstrap B] [--out DIR] [--lang fr|en] [--quiet]\n"
    "\n"
    "How much an output moves with the model's inputs.  The output is a variable of\n"
    "docs/format.md, either in one calendar year (VARIABLE@YEAR, as yearly.csv) or\n"
    "over the horizon (VARIABLE: flows summed, stocks at the last month).\n"
    "\n"
    "With --vary, one at a time: the model with KEY at LOW and at HIGH, every run\n"
    "with the same seed (common random numbers); KEY is a parameter's name or a key\n"
    "such as resource.iae_aci.capacity or staff.referents.caseload.  Writes\n"
    "DIR/tornado.csv (sorted by swing) and the tornado chart DIR/tornado.png/.svg.\n"
    "\n"
    "With --sobol N, the first-order and total Sobol indices of the output over the\n"
    "model's uncertain parameters: Saltelli's design, N x (k + 2) runs of one\n"
    "replication each (replication 0 of the seed for every point), Jansen's\n"
    "estimators, 95 % bootstrap intervals.  Writes DIR/sobol.csv.\n"
    "\n"
    "  --output V[@Y]   the output (required)\n"
    "  --vary K=LO:HI   a key and its low and high values, repeatable\n"
    "  --reps N         replications of each one-at-a-time run, 1 to 1000000 (default 50;\n"
    "                   the intervals of the effects need at least 2)\n"
    "  --seed S         the seed, 0 to 4294967295 (default 1)\n"
    "  --threads T      threads, 0 to 1024 (default 0: all cores)\n"
    "  --sobol N        Sobol indices from a base sample of N (at least 2)\n"
    "  --bootstrap B    bootstrap resamples of the Sobol intervals (default 500)\n"
    "  --out DIR        where the files go (default out/NAME-sensitivity)\n"
    "  --lang L         fr (default) or en: chart labels\n"
    "  --quiet          no progress bar or log lines on stderr\n";

typedef struct {
    const char *file, *out, *output;
    const char **varies;
    size_t n_vary;
    unsigned long reps, seed, threads, sobol, boot;
    int lang, quiet;
    cli_ctx *cli; /* held while files are written */
} sensitivity_args;

static int read_args(sensitivity_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_text("output", &a->output)),
                        opt_texts("vary", a->varies, &a->n_vary),
                        opt_reps(&a->reps),
                        opt_seed(&a->seed),
                        opt_threads(&a->threads),
                        opt_uint("sobol", &a->sobol, 2, 10000000),
                        opt_uint("bootstrap", &a->boot, 10, 100000),
                        opt_out(&a->out),
                        opt_lang(&a->lang),
                        opt_quiet(&a->quiet)};
    size_t n_files = 0;
    opt_command cmd = {.name = "sensitivity",
                       .usage = sensitivity_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = &a->file,
                       .n_args = &n_files,
                       .min_args = 1,
                       .max_args = 1,
                       .args_missing = "FILE is required"};
    int rc = opt_parse(&cmd, argc, argv);
    if (!rc && a->n_vary == 0 && a->sobol == 0)
        rc = opt_usage_error(&cmd, "nothing to do: give --vary or --sobol");
    return rc;
}

static void print_tornado(const sens_oat_result *r, const cmp_key *output)
{
    printf("one at a time: %s, %zu replications per run, seed %u; base mean %.6g\n", output->label,
           r->reps, (unsigned)r->seed, r->base_mean);
    printf("%-4s %-40s %12s %12s %14s %14s %14s %29s\n", "rank", "key", "low", "high",
           "mean at low", "mean at high", "swing", "high - low, 95 % interval");
    for (size_t i = 0; i < r->n; i++) {
        const sens_oat_row *row = &r->rows[i];
        char interval[64];
        snprintf(interval, sizeof interval, "[%.6g, %.6g]", row->effect_low, row->effect_high);
        printf("%-4zu %-40s %12s %12s %14.6g %14.6g %14.6g %29s\n", i + 1, row->vary.key,
               row->vary.low, row->vary.high, row->mean_low, row->mean_high, row->swing, interval);
    }
}

static void print_sobol(const mdl_model *m, const sens_sobol_result *r, const cmp_key *output)
{
    printf("Sobol indices: %s over %zu uncertain parameters, N = %zu (%zu runs); mean %.6g, "
           "variance %.6g\n",
           output->label, r->k, r->n, r->n * (r->k + 2), r->mean, r->variance);
    printf("%-40s %8s %21s %8s %21s\n", "parameter", "first", "95 % interval", "total",
           "95 % interval");
    for (size_t i = 0; i < r->k; i++) {
        const sens_index *x = &r->indices[i];
        char fi[48], ti[48];
        snprintf(fi, sizeof fi, "[%.3f, %.3f]", x->first_low, x->first_high);
        snprintf(ti, sizeof ti, "[%.3f, %.3f]", x->total_low, x->total_high);
        printf("%-40s %8.3f %21s %8.3f %21s\n", m->params[r->params[i]].name, x->first, fi,
               x->total, ti);
    }
}

static void show_run(void *ctx, const sens_oat_step *step)
{
    (void)ctx;
    if (step->key)
        cli_log("sensitivity: run %zu of %zu: %s = %s", step->run, step->runs, step->key,
                step->value);
    else
        cli_log("sensitivity: run %zu of %zu: the model as given", step->run, step->runs);
}

/* DIR/tornado.csv and the tornado chart. */
static int write_tornado(const sensitivity_args *a, const sens_oat_result *r, const cmp_key *output,
                         pc_err *err)
{
    char *path = pc_strf("%s/tornado.csv", a->out);
    plot_list *list = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
    int rc = path && list ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    cli_hold(a->cli);
    if (!rc)
        rc = fsio_mkdirs(a->out, err);
    if (!rc)
        rc = sens_write_tornado(path, r, output, err);
    if (!rc)
        rc = sensplot_tornado(a->out, r, output, a->lang ? LANG_EN : LANG_FR, list, err);
    cli_release(a->cli);
    if (!rc && list->notes)
        cli_log("gnuplot: %s", list->notes);
    plot_list_free(list);
    free(path);
    return rc;
}

/* One at a time: the runs, the table, tornado.csv and the chart. */
static int one_at_a_time(const sensitivity_args *a, const mdl_model *m, const cmp_key *output,
                         pc_err *err)
{
    sens_vary *vary = pc_calloc(a->n_vary, sizeof *vary);
    sens_oat_result *r = NULL;
    int rc = vary ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < a->n_vary && !rc; i++)
        rc = sens_parse_vary(a->varies[i], &vary[i], err);
    sens_oat_options opt = {.mc = {.reps = a->reps,
                                   .seed = (uint32_t)a->seed,
                                   .threads = (int)a->threads,
                                   .progress = cli_bar_if(a->quiet)},
                            .progress = cli_progress_wanted(a->quiet) ? show_run : NULL};
    if (!rc && !a->quiet)
        cli_log("sensitivity: %zu runs of %lu replications", 2 * a->n_vary + 1, a->reps);
    if (!rc && !(rc = sens_oat(m, vary, a->n_vary, output, &opt, &r, err))) {
        print_tornado(r, output);
        rc = write_tornado(a, r, output, err);
    }
    sens_oat_free(r);
    free(vary);
    return rc;
}

/* Sobol indices: the design's runs, the table and sobol.csv. */
static int sobol(const sensitivity_args *a, const mdl_model *m, const cmp_key *output, pc_err *err)
{
    char counted[] = "design points"; /* what the bar counts */
    sens_sobol_options so = {.n = a->sobol,
                             .seed = (uint32_t)a->seed,
                             .threads = (int)a->threads,
                             .boot = a->boot,
                             .level = CMP_LEVEL,
                             .progress = cli_bar_if(a->quiet),
                             .progress_ctx = counted};
    sens_sobol_result *r = NULL;
    if (!a->quiet && m->n_uncertain)
        cli_log("sensitivity: Sobol design of %lu x %zu runs of one replication", a->sobol,
                m->n_uncertain + 2);
    int rc = sens_sobol_model(m, output, &so, &r, err);
    char *path = rc ? NULL : pc_strf("%s/sobol.csv", a->out);
    if (!rc && !path)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc) {
        print_sobol(m, r, output);
        cli_hold(a->cli);
        if (!(rc = fsio_mkdirs(a->out, err)))
            rc = sens_write_sobol(path, m, r, output, err);
        cli_release(a->cli);
    }
    free(path);
    sens_sobol_result_free(r);
    return rc;
}

int cmd_sensitivity(cli_ctx *cli, int argc, char **argv)
{
    sensitivity_args a = {.reps = 50, .seed = 1, .boot = 500, .cli = cli};
    if (!(a.varies = pc_calloc((size_t)argc, sizeof *a.varies)))
        return cli_out_of_memory();
    int rc = read_args(&a, argc, argv);
    mdl_model *m = NULL;
    char *default_out = NULL;
    pc_err err;
    cmp_key output;
    if (rc) {
        rc = rc == OPT_HELP ? PC_OK : rc;
        goto done;
    }
    if ((rc = mdl_load(a.file, &m, &err)) || (rc = sens_parse_output(m, a.output, &output, &err)))
        goto fail;
    if (!a.out && !(a.out = default_out = pc_strf("out/%s-sensitivity", m->id))) {
        rc = pc_fail(&err, PC_EENV, "out of memory");
        goto fail;
    }
    if ((a.n_vary && (rc = one_at_a_time(&a, m, &output, &err))) ||
        (a.sobol && (rc = sobol(&a, m, &output, &err))))
        goto fail;
    if (!a.quiet)
        cli_log("sensitivity: wrote %s", a.out);
    goto done;
fail:
    cli_fail(&err, rc);
done:
    mdl_free(m);
    free(default_out);
    free(a.varies);
    return cli_flush(rc);
}
