/* cmd_compare — `parcours compare BASE ALT...`: scenarios paired by common random numbers.
 *
 * Runs the scenarios (cmp_compare), then writes the comparison folder whole
 * (folder.h): each run into DIR/<scenario>/, DIR/differences.csv,
 * DIR/variance-reduction.csv and the difference charts in DIR/charts/; prints
 * the key outputs with their paired differences.  An earlier comparison folder
 * at DIR is replaced; a failure or an interruption leaves no folder. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "core/folder.h"
#include "core/fsio.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/out.h"
#include "opt.h"
#include "present/diffplot.h"
#include "present/gnuplot.h"
#include "study/cmp.h"

static const char compare_usage[] =
    "usage: parcours compare BASE ALT... --reps N --out DIR [--seed S] [--threads T]\n"
    "                        [--independent] [--precision P% [--max-reps N]]\n"
    "                        [--no-reduction] [--lang fr|en] [--quiet]\n"
    "\n"
    "Runs the reference scenario BASE and each alternative ALT with the same seed,\n"
    "so that replication r of every scenario meets the same persons with the same\n"
    "random numbers (common random numbers), and compares them pair by pair.\n"
    "Writes each run into DIR/<scenario>/ (as parcours run), DIR/differences.csv\n"
    "(the paired difference ALT - BASE for every variable, month and year: mean,\n"
    "sd, 95 % interval of the mean, quantiles across replications),\n"
    "DIR/variance-reduction.csv and the difference charts in DIR/charts/, and\n"
    "prints the key outputs: each population's stock after three years and at the\n"
    "end, and the total cost, with the variance-reduction factor (the variance of\n"
    "the difference of independent runs over that of the paired difference; each\n"
    "alternative is run a second time, on other random numbers, to measure it).\n"
    "\n"
    "  --reps N         replications per scenario, 1 to 1000000 (the first batch with\n"
    "                   --precision)\n"
    "  --out DIR        the comparison folder (required)\n"
    "  --seed S         the seed shared by every scenario, 0 to 4294967295 (default 1)\n"
    "  --threads T      threads, 0 to 1024 (default 0: all cores)\n"
    "  --independent    run the alternatives with seed S+1: no common random numbers\n"
    "  --precision P%   add replications until the 95 % interval of every paired\n"
    "                   difference of a key output is within P% of the base mean\n"
    "  --max-reps N     stop there even if the precision is not reached (default 10000)\n"
    "  --no-reduction   do not run the alternatives twice; no variance-reduction factor\n"
    "  --lang L         fr (default) or en: chart labels\n"
    "  --quiet          no progress bar or log lines on stderr\n";

typedef struct {
    const char **paths;
    size_t n;
    const char *out;
    unsigned long reps, seed, threads, max_reps;
    int independent, no_reduction, lang, quiet;
    double precision;
} compare_args;

static int parse_precision(const char *text, void *share, pc_err *err)
{
    return cmp_parse_share(text, share, err);
}

static int read_args(compare_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_reps(&a->reps)),
                        opt_required(opt_out(&a->out)),
                        opt_seed(&a->seed),
                        opt_threads(&a->threads),
                        opt_flag("independent", &a->independent),
                        opt_custom("precision", &a->precision, parse_precision),
                        opt_uint("max-reps", &a->max_reps, 2, 1000000),
                        opt_flag("no-reduction", &a->no_reduction),
                        opt_lang(&a->lang),
                        opt_quiet(&a->quiet)};
    opt_command cmd = {.name = "compare",
                       .usage = compare_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = a->paths,
                       .n_args = &a->n,
                       .min_args = 2,
                       .args_missing = "a base scenario and at least one alternative are needed"};
    int rc = opt_parse(&cmd, argc, argv);
    if (!rc && a->max_reps && !(a->precision > 0))
        rc = opt_usage_error(&cmd, "--max-reps goes with --precision");
    return rc;
}

/* The scenario's folder: its identifier, made unique among the earlier ones. */
static char *folder_name(const mdl_model *m, char *const *taken, size_t n_taken)
{
    char base[256], name[300];
    fsio_safe_name(m->id && *m->id ? m->id : "scenario", base, sizeof base);
    for (int k = 1; k < 1000; k++) {
        if (k == 1)
            snprintf(name, sizeof name, "%s", base);
        else
            snprintf(name, sizeof name, "%s-%d", base, k);
        int clash = !strcmp(name, "charts") || name[0] == '.';
        for (size_t i = 0; i < n_taken && !clash; i++)
            clash = !strcmp(taken[i], name);
        if (!clash)
            return pc_strdup(name);
    }
    return NULL;
}

/* Loads every scenario and names its folder. */
static int load_scenarios(const compare_args *a, mdl_model **models, char **names, pc_err *err)
{
    for (size_t s = 0; s < a->n; s++) {
        int rc = mdl_load(a->paths[s], &models[s], err);
        if (rc)
            return rc;
        if (!(names[s] = folder_name(models[s], names, s)))
            return pc_fail(err, PC_EENV, "out of memory");
    }
    return PC_OK;
}

/* Writes dir/<scenario>/ for every run, differences.csv and variance-reduction.csv. */
static int write_files(const compare_args *a, const char *dir, const cmp_comparison *c,
                       char *const *names, const char *command, pc_err *err)
{
    out_info info = {.command = command, .version = PARCOURS_VERSION};
    char path[4096];
    int rc = PC_OK;
    for (size_t s = 0; s < a->n && !rc; s++) {
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[s]) >= sizeof path)
            return pc_fail(err, PC_EINPUT, "%s: folder name too long", a->out);
        rc = out_write_run(path, s == 0 ? c->base : c->alts[s - 1], &info, err);
    }
    snprintf(path, sizeof path, "%s/differences.csv", dir);
    if (!rc)
        rc = cmp_write_differences(path, c->base, (const mc_result *const *)c->alts, c->n_alts,
                                   CMP_LEVEL, err);
    snprintf(path, sizeof path, "%s/variance-reduction.csv", dir);
    if (!rc && c->reductions)
        rc = cmp_write_reductions(path, c, err);
    return rc;
}

/* The key outputs, one line each, on stdout. */
static int print_table(const cmp_comparison *c, char *const *names, int independent, pc_err *err)
{
    double *scratch = malloc(c->base->reps * sizeof *scratch);
    if (!scratch)
        return pc_fail(err, PC_EENV, "out of memory");
    printf("%zu replications per scenario, %s\n", c->base->reps,
           independent ? "independent runs (seed + 1 for the alternatives)"
                       : "common random numbers (one seed)");
    printf("%-24s %-30s %14s %14s %29s %10s\n", "scenario", "output", "base mean", "difference",
           "95 % interval", "reduction");
    for (size_t i = 0; i < c->n_alts; i++)
        for (size_t k = 0; k < c->n_keys; k++) {
            cmp_stat s;
            const cmp_key *key = &c->keys[k];
            double base_mean = cmp_key_mean(c->base, c->base->reps, key);
            cmp_paired(c->base, c->alts[i], c->base->reps, key, CMP_LEVEL, scratch, &s);
            char interval[64], factor[32] = "";
            snprintf(interval, sizeof interval, "[%.6g, %.6g]", s.ci_low, s.ci_high);
            if (c->reductions)
                snprintf(factor, sizeof factor, "%.3g", c->reductions[i * c->n_keys + k].factor);
            printf("%-24s %-30s %14.6g %14.6g %29s %10s\n", names[i + 1], key->label, base_mean,
                   s.mean, interval, factor);
        }
    free(scratch);
    return PC_OK;
}

static int draw_charts(const compare_args *a, const char *dir, const cmp_comparison *c,
                       char *const *names, pc_err *err)
{
    char *charts = pc_strf("%s/charts", dir);
    plot_list *list = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
    int rc = charts && list ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    if (!rc)
        rc = diffplot_draw(charts, c->base, (const mc_result *const *)c->alts, c->n_alts, names,
                           a->lang ? LANG_EN : LANG_FR, list, err);
    if (!rc && list->notes)
        cli_log("gnuplot: %s", list->notes);
    plot_list_free(list);
    free(charts);
    return rc;
}

static void show_step(void *ctx, const cmp_step *step)
{
    (void)ctx;
    if (step->measuring)
        cli_log("compare: %s: %zu more replications to measure the variance reduction",
                step->scenario, step->last - step->first + 1);
    else
        cli_log("compare: %zu scenarios, replications %zu to %zu", step->scenarios, step->first,
                step->last);
}

/* The comparison folder's content, into dir (the folder stage's temporary).  PC_EINPUT
 * with every file written: the charts are missing (no gnuplot). */
static int write_folder(const compare_args *a, const char *dir, const cmp_comparison *c,
                        char *const *names, const char *command, pc_err *err, int *complete)
{
    int rc = write_files(a, dir, c, names, command, err);
    *complete = !rc;
    if (!rc)
        rc = draw_charts(a, dir, c, names, err);
    return rc;
}

/* "comparison of base, alt (100 replications)", for the folder's listing. */
static char *describe(const cmp_comparison *c, char *const *names, size_t n)
{
    size_t len = 64;
    for (size_t s = 0; s < n; s++)
        len += strlen(names[s]) + 2;
    char *about = malloc(len);
    if (!about)
        return NULL;
    size_t used = (size_t)snprintf(about, len, "comparison of ");
    for (size_t s = 0; s < n; s++)
        used += (size_t)snprintf(about + used, len - used, "%s%s", s ? ", " : "", names[s]);
    snprintf(about + used, len - used, " (%zu replications)", c->base->reps);
    return about;
}

/* Runs, writes, prints and draws the comparison of the loaded scenarios. */
static int compare(cli_ctx *cli, const compare_args *a, mdl_model **models, char **names,
                   const char *command)
{
    cmp_options opt = {.mc = {.reps = a->reps,
                              .seed = (uint32_t)a->seed,
                              .threads = (int)a->threads,
                              .progress = cli_bar_if(a->quiet)},
                       .independent = a->independent,
                       .precision = a->precision,
                       .max_reps = a->max_reps,
                       .measure = !a->no_reduction,
                       .progress = cli_progress_wanted(a->quiet) ? show_step : NULL};
    cmp_comparison *c = NULL;
    pc_err err;
    const char **inputs = pc_calloc(a->n, sizeof *inputs);
    int rc = inputs ? PC_OK : pc_fail(&err, PC_EENV, "out of memory");
    for (size_t s = 0; s < a->n && !rc; s++)
        inputs[s] = models[s]->source;
    /* a folder that cannot be written is said before the runs, not after */
    if (!rc)
        rc = folder_check(a->out, FOLDER_STUDY, inputs, a->n, NULL, &err);
    if (!rc)
        rc = cmp_compare(models[0], (const mdl_model *const *)models + 1, a->n - 1, &opt, &c, &err);
    if (!rc && a->precision > 0 && !a->quiet)
        cli_precision(&c->precision, a->precision);
    char *about = rc ? NULL : describe(c, names, a->n);
    if (!rc && !about)
        rc = pc_fail(&err, PC_EENV, "out of memory");
    folder_notes notes;
    folder_stage stage;
    int written = 0;
    cli_hold(cli);
    if (!rc && !(rc = folder_open(&stage, a->out, FOLDER_STUDY, inputs, a->n, &notes, &err))) {
        int complete = 0;
        rc = write_folder(a, stage.tmp, c, names, command, &err, &complete);
        if (rc)
            folder_message(&stage, &err);
        /* without gnuplot every file but the charts is written, and kept */
        int keep = !rc || (rc == PC_EINPUT && complete);
        rc = cli_commit_study(&stage, keep, rc, about, &notes, &err, &written);
    }
    cli_release(cli);
    free(about);
    free(inputs);
    if (written)
        cli_replaced(a->out, &notes);
    if (written && print_table(c, names, a->independent, &err) && !rc)
        rc = PC_EENV;
    if (rc)
        cli_fail(&err, rc);
    else if (!a->quiet)
        cli_log("compare: wrote %s", a->out);
    cmp_comparison_free(c);
    return rc;
}

int cmd_compare(cli_ctx *cli, int argc, char **argv)
{
    compare_args a = {.seed = 1};
    a.paths = pc_calloc((size_t)argc, sizeof *a.paths);
    mdl_model **models = pc_calloc((size_t)argc, sizeof *models);
    char **names = pc_calloc((size_t)argc, sizeof *names);
    char *command = opt_command_line(argc, argv);
    pc_err err;
    int rc =
        !a.paths || !models || !names || !command ? cli_out_of_memory() : read_args(&a, argc, argv);
    if (rc == OPT_HELP)
        rc = PC_OK;
    else if (!rc && (rc = load_scenarios(&a, models, names, &err)))
        cli_fail(&err, rc);
    else if (!rc)
        rc = compare(cli, &a, models, names, command);
    for (size_t s = 0; s < a.n; s++) {
        mdl_free(models[s]);
        free(names[s]);
    }
    free(a.paths);
    free(models);
    free(names);
    free(command);
    return cli_flush(rc);
}
