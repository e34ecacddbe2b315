/* cmd_plot — `parcours plot DIR...`: the charts of run folders; prints the files drawn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "opt.h"
#include "present/plot.h"

static const char plot_usage[] =
    "usage: parcours plot DIR... [--out OUTDIR] [--format png|svg|pdf]... [--lang fr|en]\n"
    "                     [--var NAME]... [--templates DIR]\n"
    "\n"
    "Draws the charts of run folders written by `parcours run` (monthly.csv,\n"
    "yearly.csv, survival.csv, manifest.ini) with gnuplot: fan charts of each\n"
    "population and queue, waits over 3 months, IAE ETP, staff ETP, yearly budget\n"
    "by funder and by cost line, entries and exits, time in the population.\n"
    "Each chart comes with the CSV file it was drawn from.\n"
    "\n"
    "  --out OUTDIR     where the charts go (default DIR/charts; required with\n"
    "                   several folders, whose runs are overlaid on each chart)\n"
    "  --format F       png, svg or pdf; repeat or join with commas (default png,svg)\n"
    "  --lang L         fr (default) or en: labels, numbers and dates\n"
    "  --var NAME       a monthly variable to draw as a fan chart, repeatable\n"
    "                   (default: every population stock and every queue)\n"
    "  --templates DIR  the gnuplot templates (default: $PARCOURS_PLOTS, else the\n"
    "                   plots/ folder beside the program's bin/)\n";

typedef struct {
    const char **dirs, **vars;
    size_t n_dirs, n_vars;
    const char *out, *templates;
    unsigned formats;
    int lang;
} plot_args;

/* "png,svg": adds each format to *formats. */
static int parse_formats(const char *text, void *dest, pc_err *err)
{
    unsigned *formats = dest;
    for (const char *p = text;;) {
        size_t n = strcspn(p, ",");
        if (n == 3 && !strncmp(p, "png", 3))
            *formats |= GNUPLOT_PNG;
        else if (n == 3 && !strncmp(p, "svg", 3))
            *formats |= GNUPLOT_SVG;
        else if (n == 3 && !strncmp(p, "pdf", 3))
            *formats |= GNUPLOT_PDF;
        else
            return pc_fail(err, PC_EUSAGE, "--format %s: expected png, svg or pdf", text);
        if (!p[n])
            return PC_OK;
        p += n + 1;
    }
}

static int read_args(plot_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_out(&a->out), opt_custom("format", &a->formats, parse_formats),
                        opt_lang(&a->lang), opt_texts("var", a->vars, &a->n_vars),
                        opt_text("templates", &a->templates)};
    opt_command cmd = {.name = "plot",
                       .usage = plot_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = a->dirs,
                       .n_args = &a->n_dirs,
                       .min_args = 1,
                       .args_missing = "no run folder given"};
    int rc = opt_parse(&cmd, argc, argv);
    if (!rc && a->n_dirs > 1 && !a->out)
        rc = opt_usage_error(&cmd, "several run folders need --out OUTDIR for their overlays");
    return rc;
}

/* Loads the run folders, draws them into out and prints the files drawn. */
static int draw(cli_ctx *cli, const plot_args *a, rundir **runs, const char *out, pc_err *err)
{
    int rc = PC_OK;
    for (size_t i = 0; i < a->n_dirs && !rc; i++)
        if (!(rc = rundir_load(a->dirs[i], &runs[i], err)) && rundir_warning(runs[i]))
            cli_log("%s", rundir_warning(runs[i]));
    plot_options opt = {.formats = a->formats,
                        .lang = a->lang ? LANG_EN : LANG_FR,
                        .templates = a->templates,
                        .vars = a->vars,
                        .n_vars = a->n_vars};
    plot_list *list = NULL;
    if (!rc) {
        cli_hold(cli);
        rc = plot_draw((const rundir *const *)runs, a->n_dirs, out, &opt, &list, err);
        cli_release(cli);
    }
    for (size_t i = 0; list && i < list->n; i++)
        for (unsigned f = GNUPLOT_PNG; f <= GNUPLOT_PDF; f <<= 1)
            if (list->formats & f)
                printf("%s/%s.%s\n", out, list->charts[i].name, gnuplot_extension(f));
    if (list && list->notes)
        cli_log("gnuplot: %s", list->notes);
    if (list && list->n == 0)
        cli_log("plot: nothing to draw in %s", a->dirs[0]);
    plot_list_free(list);
    return rc;
}

int cmd_plot(cli_ctx *cli, int argc, char **argv)
{
    plot_args a = {0};
    a.dirs = pc_calloc((size_t)argc, sizeof *a.dirs);
    a.vars = pc_calloc((size_t)argc, sizeof *a.vars);
    rundir **runs = pc_calloc((size_t)argc, sizeof *runs);
    char *charts = NULL;
    pc_err err;
    int rc = !a.dirs || !a.vars || !runs ? cli_out_of_memory() : read_args(&a, argc, argv);
    if (rc == OPT_HELP)
        rc = PC_OK;
    else if (!rc && !a.out && !(charts = pc_strf("%s/charts", a.dirs[0])))
        rc = cli_out_of_memory();
    else if (!rc && (rc = draw(cli, &a, runs, a.out ? a.out : charts, &err)))
        cli_fail(&err, rc);
    for (size_t i = 0; runs && i < a.n_dirs; i++)
        rundir_free(runs[i]);
    free(runs);
    free(a.dirs);
    free(a.vars);
    free(charts);
    return cli_flush(rc);
}
