/* cmd_report — `parcours report SCENARIO...`: scenarios run side by side into a committee page.
 *
 * Loads every scenario, then runs each with the same seed (common random
 * numbers), then writes the report folder whole (folder.h): each run into
 * DIR/<scenario>/, the paired-difference charts of the alternatives into
 * DIR/differences/, and report_build draws every chart and writes
 * DIR/index.html, whose path it prints.  A bad scenario, a failed run or an
 * interruption leaves no folder; an earlier report folder at DIR is replaced.
 * Without gnuplot the runs, key figures and page are still written and the
 * command exits 1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "core/folder.h"
#include "core/fsio.h"
#include "core/mdl.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/out.h"
#include "opt.h"
#include "present/diffplot.h"
#include "present/gnuplot.h"
#include "present/pdf.h"
#include "present/report.h"
#include "present/sbuf.h"
#include "present/sensplot.h"
#include "present/xlsx.h"
#include "study/runs.h"
#include "study/sens.h"

static const char report_usage[] =
    "usage: parcours report SCENARIO... --reps N --out DIR [--seed S] [--threads T]\n"
    "                       [--lang fr|en] [--templates DIR] [--focus CODES]\n"
    "                       [--threshold VARIABLE=VALUE] [--sensitivity VARIABLE[@YEAR]]\n"
    "                       [--sobol N] [--backtest DIR] [--pdf] [--quiet]\n"
    "\n"
    "Runs each scenario (the first is the reference) with the same seed, so that\n"
    "they share their random numbers, writes each run into DIR/<scenario>/, draws\n"
    "its charts and the comparison charts, and writes DIR/index.html: scenarios and\n"
    "their changes, key figures with 90 % intervals, every chart and its data;\n"
    "DIR/parcours.xlsx: the key figures and each scenario's yearly series.\n"
    "The page opens offline in any browser and prints one chart per page.\n"
    "DIR appears only when complete; an earlier report folder there is replaced,\n"
    "any other folder that is not empty is refused.\n"
    "\n"
    "  --reps N         replications per scenario, 1 to 1000000 (required)\n"
    "  --out DIR        the report folder (required)\n"
    "  --seed S         the seed shared by every scenario, 0 to 4294967295 (default 1)\n"
    "  --threads T      threads, 0 to 1024 (default 0: all cores)\n"
    "  --lang L         fr (default) or en\n"
    "  --templates DIR  the gnuplot templates (as for parcours plot)\n"
    "  --focus CODES    a model of several départements (populations with territory =):\n"
    "                   the départements charted and in the key figures, as codes\n"
    "                   joined with commas (26,05,2A); every département is in the table\n"
    "  --threshold V=X  the output of replications.csv whose distribution is drawn\n"
    "                   (default cost.total, the whole run's cost in euros) and the\n"
    "                   value whose probability of being exceeded is shown (default:\n"
    "                   the reference's mean)\n"
    "  --sensitivity V  a sensitivity study of the reference for the output V (VARIABLE or\n"
    "                   VARIABLE@YEAR, as for parcours sensitivity): the tornado (each\n"
    "                   uncertain parameter at its 5th and 95th percentile, --reps\n"
    "                   replications a run) and the Sobol indices, as charts in the page\n"
    "  --sobol N        the Sobol design's base sample: N x (k + 2) runs of one\n"
    "                   replication for k uncertain parameters (default 32)\n"
    "  --backtest DIR   a folder written by parcours backtest: its chart and coverage\n"
    "                   table go into the page (copied into DIR/backtest/)\n"
    "  --pdf            also print the page to DIR/rapport.pdf (A4 landscape) with\n"
    "                   headless Chromium (Debian package chromium)\n"
    "  --quiet          no progress bar or log lines on stderr\n";

typedef struct {
    const char **paths;
    size_t n;
    const char *out, *templates, *focus, *threshold, *sensitivity, *backtest;
    unsigned long reps, seed, threads, sobol;
    int lang, quiet, pdf;
} report_args;

/* What the command holds for each scenario. */
typedef struct {
    char *name; /* its folder under the report folder */
    mdl_model *model;
    mc_result *result;
    report_change *changes; /* borrow the model's strings */
} scenario_run;

/* What the command runs for the reference alone, besides the scenarios. */
typedef struct {
    runs_variant no_drivers;  /* the reference with every driver's sd at 0 */
    cmp_key output;           /* the sensitivity study's output */
    sens_oat_result *tornado; /* NULL without --sensitivity */
    sens_sobol_result *sobol; /* NULL without --sensitivity or uncertain parameter */
    const char **uncertain;   /* the reference's uncertain parameters (borrowed names) */
    size_t n_uncertain;
    const char **drivers; /* its drivers (borrowed names) */
    size_t n_drivers;
} reference_extra;

static void reference_extra_clear(reference_extra *x)
{
    runs_clear(&x->no_drivers);
    sens_oat_free(x->tornado);
    sens_sobol_result_free(x->sobol);
    free(x->uncertain);
    free(x->drivers);
}

/* The names of the reference's uncertain parameters and drivers, for the page. */
static int name_uncertainty(const mdl_model *m, reference_extra *x, pc_err *err)
{
    x->uncertain = pc_calloc(m->n_params + 1, sizeof *x->uncertain);
    x->drivers = pc_calloc(m->n_drivers + 1, sizeof *x->drivers);
    if (!x->uncertain || !x->drivers)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < m->n_params; i++)
        if (m->params[i].law != MDL_PARAM_FIXED)
            x->uncertain[x->n_uncertain++] = m->params[i].name;
    for (size_t i = 0; i < m->n_drivers; i++)
        x->drivers[x->n_drivers++] = m->drivers[i].name;
    return PC_OK;
}

/* The reference again with every driver's sd at 0 (same seed: the same draws of
 * everything else), for the band with and without drivers; nothing without a driver. */
static int run_without_drivers(const report_args *a, const mdl_model *m, reference_extra *x,
                               pc_err *err)
{
    if (m->n_drivers == 0)
        return PC_OK;
    char **keys = pc_calloc(m->n_drivers, sizeof *keys);
    const char **values = pc_calloc(m->n_drivers, sizeof *values);
    int rc = keys && values ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < m->n_drivers && !rc; i++) {
        values[i] = "0";
        if (!(keys[i] = pc_strf("driver.%s.sd", m->drivers[i].name)))
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    mc_options opt = {.reps = a->reps,
                      .seed = (uint32_t)a->seed,
                      .threads = (int)a->threads,
                      .progress = cli_bar_if(a->quiet)};
    if (!rc && !a->quiet)
        cli_log("report: the reference without drivers (their sd at 0): %lu replications", a->reps);
    if (!rc)
        rc = runs_with(m, m->n_drivers, (const char *const *)keys, values, &opt, &x->no_drivers,
                       err);
    for (size_t i = 0; keys && i < m->n_drivers; i++)
        free(keys[i]);
    free(keys);
    free(values);
    return rc;
}

static void show_oat_run(void *ctx, const sens_oat_step *step)
{
    (void)ctx;
    cli_log("report: sensitivity: run %zu of %zu%s%s%s%s", step->run, step->runs,
            step->key ? ": " : "", step->key ? step->key : "", step->key ? " = " : "",
            step->key ? step->value : "");
}

/* The sensitivity study of the reference: the tornado of its uncertain parameters at
 * their 5th and 95th percentiles, and their Sobol indices. */
static int run_sensitivity(const report_args *a, const mdl_model *m, reference_extra *x,
                           pc_err *err)
{
    int rc = sens_parse_output(m, a->sensitivity, &x->output, err);
    if (rc)
        return rc; /* checked before anything ran */
    if (x->n_uncertain == 0)
        return pc_fail(err, PC_EINPUT,
                       "--sensitivity: %s has no uncertain parameter (docs/format.md, "
                       "[parameter NAME])",
                       a->paths[0]);
    sens_vary *vary = pc_calloc(x->n_uncertain, sizeof *vary);
    if (!vary)
        return pc_fail(err, PC_EENV, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < m->n_params && !rc; i++) {
        const mdl_param *p = &m->params[i];
        if (p->law == MDL_PARAM_FIXED)
            continue;
        double lo = mdl_param_quantile(p, 0.05), hi = mdl_param_quantile(p, 0.95);
        if (!(lo < hi))
            continue;
        char *text = pc_strf("%s=%.6g:%.6g", p->name, lo, hi);
        rc = text ? sens_parse_vary(text, &vary[n++], err) : pc_fail(err, PC_EENV, "out of memory");
        free(text);
    }
    sens_oat_options oat = {.mc = {.reps = a->reps < 2 ? 2 : a->reps,
                                   .seed = (uint32_t)a->seed,
                                   .threads = (int)a->threads,
                                   .progress = cli_bar_if(a->quiet)},
                            .progress = a->quiet ? NULL : show_oat_run};
    if (!rc)
        rc = sens_oat(m, vary, n, &x->output, &oat, &x->tornado, err);
    free(vary);
    sens_sobol_options so = {.n = a->sobol ? a->sobol : 32,
                             .seed = (uint32_t)a->seed,
                             .threads = (int)a->threads,
                             .boot = 200};
    if (!rc && !a->quiet)
        cli_log("report: sensitivity: Sobol design of %zu x %zu runs of one replication", so.n,
                x->n_uncertain + 2);
    if (!rc)
        rc = sens_sobol_model(m, &x->output, &so, &x->sobol, err);
    return rc;
}

/* DIR/sensitivity/: tornado.csv, sobol.csv and their charts. */
static int write_sensitivity(const char *dir, const mdl_model *m, const reference_extra *x,
                             lang_code lang, plot_list **list, pc_err *err)
{
    char *folder = pc_strf("%s/sensitivity", dir);
    char *tornado = pc_strf("%s/sensitivity/tornado.csv", dir);
    char *sobol = pc_strf("%s/sensitivity/sobol.csv", dir);
    const char **names = pc_calloc(x->sobol->k + 1, sizeof *names);
    *list = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
    int rc = folder && tornado && sobol && names && *list ? PC_OK
                                                          : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; !rc && i < x->sobol->k; i++)
        names[i] = m->params[x->sobol->params[i]].name;
    if (!rc)
        rc = fsio_mkdirs(folder, err);
    if (!rc)
        rc = sens_write_tornado(tornado, x->tornado, &x->output, err);
    if (!rc)
        rc = sens_write_sobol(sobol, m, x->sobol, &x->output, err);
    if (!rc)
        rc = sensplot_tornado(folder, x->tornado, &x->output, lang, *list, err);
    if (!rc)
        rc = sensplot_sobol(folder, x->sobol, names, &x->output, lang, *list, err);
    free(folder);
    free(tornado);
    free(sobol);
    free(names);
    return rc;
}

/* Copies the file from/name to to/name (absent: nothing); PC_OK or PC_EINPUT. */
static int copy_file(const char *from, const char *to, const char *name, pc_err *err)
{
    char *src = pc_strf("%s/%s", from, name), *dst = pc_strf("%s/%s", to, name);
    FILE *in = src ? fopen(src, "rb") : NULL;
    int rc = src && dst ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    fsio_file out;
    if (!rc && in && !(rc = fsio_open(&out, dst, err))) {
        char buf[65536];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, in)) > 0)
            if (fwrite(buf, 1, got, out.f) != got)
                break;
        rc = fsio_commit(&out, ferror(in) ? pc_fail(err, PC_EINPUT, "%s: cannot read", src) : PC_OK,
                         err);
    }
    if (in)
        fclose(in);
    free(src);
    free(dst);
    return rc;
}

/* The backtest's files into DIR/backtest/. */
static int copy_backtest(const char *from, const char *dir, pc_err *err)
{
    static const char files[6][24] = {"backtest.csv", "backtest-summary.csv", "backtest-fit.csv",
                                      "backtest.png", "backtest.svg",         "manifest.ini"};
    char *to = pc_strf("%s/backtest", dir);
    int rc = to ? fsio_mkdirs(to, err) : pc_fail(err, PC_EENV, "out of memory");
    for (int k = 0; k < 6 && !rc; k++)
        rc = copy_file(from, to, files[k], err);
    free(to);
    return rc;
}

/* Whether DIR is a backtest folder: PC_OK, or PC_EINPUT naming what is missing. */
static int check_backtest(const char *from, pc_err *err)
{
    static const char need[2][24] = {"backtest-summary.csv", "backtest.png"};
    for (int k = 0; k < 2; k++) {
        char *path = pc_strf("%s/%s", from, need[k]);
        int there = path && access(path, R_OK) == 0;
        free(path);
        if (!there)
            return pc_fail(err, PC_EINPUT,
                           "--backtest %s: no %s (a folder written by parcours backtest)", from,
                           need[k]);
    }
    return PC_OK;
}

static int read_args(report_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_reps(&a->reps)),
                        opt_required(opt_out(&a->out)),
                        opt_seed(&a->seed),
                        opt_threads(&a->threads),
                        opt_lang(&a->lang),
                        opt_text("templates", &a->templates),
                        opt_text("focus", &a->focus),
                        opt_text("threshold", &a->threshold),
                        opt_text("sensitivity", &a->sensitivity),
                        opt_uint("sobol", &a->sobol, 2, 100000),
                        opt_text("backtest", &a->backtest),
                        opt_flag("pdf", &a->pdf),
                        opt_quiet(&a->quiet)};
    opt_command cmd = {.name = "report",
                       .usage = report_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = a->paths,
                       .n_args = &a->n,
                       .min_args = 1,
                       .args_missing = "no scenario file given"};
    int rc = opt_parse(&cmd, argc, argv);
    const char *eq = a->threshold ? strchr(a->threshold, '=') : NULL;
    if (!rc && a->threshold) {
        char *end = NULL;
        double v = eq ? strtod(eq + 1, &end) : NAN;
        if (!eq || eq == a->threshold || !end || end == eq + 1 || *end || !isfinite(v)) {
            fprintf(stderr,
                    "parcours: report: --threshold: '%s' is not VARIABLE=VALUE "
                    "(cost.total=150e6)\n",
                    a->threshold);
            rc = PC_EUSAGE;
        }
    }
    if (!rc && a->sobol && !a->sensitivity) {
        fprintf(stderr, "parcours: report: --sobol needs --sensitivity VARIABLE[@YEAR]\n");
        rc = PC_EUSAGE;
    }
    for (const char *p = a->focus; !rc && p && *p;) {
        size_t len = strcspn(p, ",");
        char code[8], norm[4];
        snprintf(code, sizeof code, "%.*s", (int)(len < 7 ? len : 7), p);
        if (len > 3 || !mdl_territory_code(code, norm)) {
            fprintf(stderr,
                    "parcours: report: --focus: '%.*s' is not a d\xC3\xA9partement code "
                    "(26, 05, 2A, 974)\n",
                    (int)len, p);
            rc = PC_EUSAGE;
        }
        p += len + (p[len] == ',');
    }
    return rc;
}

/* The folder name of a scenario: its file name without ".ini", made unique. */
static char *scenario_folder(const char *path, const scenario_run *taken, size_t n_taken)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
        len -= 4;
    if (len == 0 || (len <= 2 && base[0] == '.'))
        base = "scenario", len = 8;
    for (int k = 1; k < 1000; k++) {
        char *name =
            k == 1 ? pc_strf("%.*s", (int)len, base) : pc_strf("%.*s-%d", (int)len, base, k);
        if (!name)
            return NULL;
        int clash = !strcmp(name, "compare");
        for (size_t i = 0; i < n_taken && !clash; i++)
            clash = !strcmp(taken[i].name, name);
        if (!clash)
            return name;
        free(name);
    }
    return NULL;
}

/* Loads scenario s, names its folder and describes it for the page. */
static int load_scenario(const report_args *a, size_t s, scenario_run *runs, report_scenario *page,
                         pc_err *err)
{
    scenario_run *run = &runs[s];
    if (!(run->name = scenario_folder(a->paths[s], runs, s)))
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = mdl_load(a->paths[s], &run->model, err);
    if (rc)
        return rc;
    const mdl_model *m = run->model;
    /* the page shows the changes as the model resolved them */
    if (!(run->changes = pc_calloc(m->n_changes, sizeof *run->changes)))
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t k = 0; k < m->n_changes; k++)
        run->changes[k] = (report_change){
            .date = m->changes[k].date, .key = m->changes[k].key, .value = m->changes[k].value};
    page[s] = (report_scenario){.name = run->name,
                                .label = m->label,
                                .source = a->paths[s],
                                .changes = run->changes,
                                .n_changes = m->n_changes};
    return PC_OK;
}

/* Runs scenario s (its replications stay in memory until the folder is written). */
static int run_scenario(const report_args *a, scenario_run *run, const char *path, pc_err *err)
{
    const mdl_model *m = run->model;
    mc_options opt = {.reps = a->reps,
                      .seed = (uint32_t)a->seed,
                      .threads = (int)a->threads,
                      .progress = cli_bar_if(a->quiet)};
    if (!a->quiet)
        cli_log("report: %s: %lu replications", m->label ? m->label : path, a->reps);
    return mc_run(m, &opt, &run->result, err);
}

/* The paired differences of the alternatives with the reference, into dir/differences/.
 * Without gnuplot the list stays empty: report_build says so for every chart. */
static int draw_differences(const report_args *a, const char *dir, const scenario_run *runs,
                            plot_list **out, pc_err *err)
{
    const mc_result **alts = pc_calloc(a->n, sizeof *alts);
    char **names = pc_calloc(a->n, sizeof *names);
    char *charts = pc_strf("%s/differences", dir);
    plot_list *list = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG); /* what diffplot writes */
    int rc = alts && names && charts && list ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t s = 0; s < a->n && !rc; s++) {
        alts[s] = runs[s].result;
        names[s] = runs[s].name;
    }
    if (!rc) {
        rc = diffplot_draw(charts, runs[0].result, alts + 1, a->n - 1, names,
                           a->lang ? LANG_EN : LANG_FR, list, err);
        if (rc == PC_EINPUT) /* gnuplot missing or failing: the page says so */
            rc = PC_OK;
    }
    if (!rc)
        *out = list;
    else
        plot_list_free(list);
    free(alts);
    free(names);
    free(charts);
    return rc;
}

/* The report folder's content, into dir (the folder stage's temporary): the runs, their
 * differences, the page.  PC_EINPUT with index.html written: charts are missing. */
static int write_report(const report_args *a, const char *dir, scenario_run *runs,
                        report_scenario *page, const reference_extra *x, const char *command,
                        pc_err *err)
{
    plot_list *differences = NULL, *sensitivity = NULL;
    out_info info = {.command = command, .version = PARCOURS_VERSION};
    int rc = PC_OK;
    for (size_t s = 0; s < a->n && !rc; s++) {
        char *run_dir = pc_strf("%s/%s", dir, runs[s].name);
        rc = run_dir ? out_write_run(run_dir, runs[s].result, &info, err)
                     : pc_fail(err, PC_EENV, "out of memory");
        free(run_dir);
    }
    if (!rc && x->no_drivers.result) {
        char *run_dir = pc_strf("%s/bands/sans-aleas", dir);
        rc = run_dir ? out_write_run(run_dir, x->no_drivers.result, &info, err)
                     : pc_fail(err, PC_EENV, "out of memory");
        free(run_dir);
    }
    if (!rc && a->n > 1)
        rc = draw_differences(a, dir, runs, &differences, err);
    if (!rc && x->tornado && x->sobol) {
        rc = write_sensitivity(dir, runs[0].model, x, a->lang ? LANG_EN : LANG_FR, &sensitivity,
                               err);
        if (rc == PC_EINPUT) { /* gnuplot missing or failing: the page goes without */
            plot_list_free(sensitivity);
            sensitivity = NULL;
            rc = PC_OK;
        }
    }
    if (!rc && a->backtest)
        rc = copy_backtest(a->backtest, dir, err);
    if (!rc && differences && differences->notes)
        cli_log("gnuplot: %s", differences->notes);
    char *codes[128];
    size_t n_codes = 0;
    char *focus = a->focus ? pc_strdup(a->focus) : NULL;
    for (char *save = NULL, *tok = focus ? strtok_r(focus, ",", &save) : NULL; tok && n_codes < 128;
         tok = strtok_r(NULL, ",", &save))
        codes[n_codes++] = tok;
    report_options ropt = {.lang = a->lang ? LANG_EN : LANG_FR,
                           .templates = a->templates,
                           .differences = differences,
                           .focus = (const char *const *)codes,
                           .n_focus = n_codes,
                           .uncertain = x->uncertain,
                           .n_uncertain = x->n_uncertain,
                           .drivers = x->drivers,
                           .n_drivers = x->n_drivers,
                           .without_drivers = x->no_drivers.result ? "bands/sans-aleas" : NULL,
                           .sensitivity = sensitivity,
                           .backtest = a->backtest ? "backtest" : NULL};
    char *about = NULL;
    if (x->tornado && x->sobol)
        about = pc_strf(
            a->lang ? "Output: %s. Tornado: each of the %zu uncertain parameters at its 5th "
                      "and then 95th percentile, the others at their law, %zu runs each with "
                      "the report's seed. Sobol indices: %zu x %zu runs of one replication, "
                      "95 %% bootstrap intervals."
                    : "R\xC3\xA9sultat : %s. Tornade : chacun des %zu param\xC3\xA8tres incertains "
                      "\xC3\xA0 son 5e puis son 95e centile, les autres selon leur loi, %zu "
                      "simulations par point avec la graine du rapport. Indices de Sobol : "
                      "%zu \xC3\x97 %zu simulations d'une r\xC3\xA9plication, intervalles "
                      "bootstrap \xC3\xA0 95 %%.",
            x->output.label, x->tornado->n, x->tornado->reps, x->sobol->n, x->sobol->k + 2);
    ropt.sensitivity_about = about;
    char *threshold_var = NULL;
    if (a->threshold) {
        const char *eq = strchr(a->threshold, '=');
        threshold_var = pc_strf("%.*s", (int)(eq - a->threshold), a->threshold);
        ropt.threshold_var = threshold_var;
        ropt.threshold = strtod(eq + 1, NULL);
    }
    char *notes = NULL;
    if (!rc)
        rc = report_build(dir, page, a->n, &ropt, &notes, err);
    if (notes)
        cli_log("%s", notes);
    free(notes);
    /* the workbook and the PDF are read from the page's files */
    if (!rc)
        rc = xlsx_write_report(dir, err);
    if (!rc && a->pdf)
        rc = pdf_write_report(dir, err);
    plot_list_free(differences);
    plot_list_free(sensitivity);
    free(about);
    free(focus);
    free(threshold_var);
    return rc;
}

/* "report of baseline, alt (100 replications)", for the folder's listing. */
static char *describe(const report_args *a, const scenario_run *runs)
{
    sbuf b = {0};
    sbuf_puts(&b, "report of ");
    for (size_t s = 0; s < a->n; s++)
        sbuf_printf(&b, "%s%s", s ? ", " : "", runs[s].name);
    sbuf_printf(&b, " (%lu replications)", a->reps);
    return sbuf_take(&b);
}

/* Loads and runs every scenario, then writes the report folder whole. */
static int report(cli_ctx *cli, const report_args *a, scenario_run *runs, report_scenario *page,
                  const char *command)
{
    pc_err err;
    int rc = PC_OK;
    reference_extra extra = {0};
    for (size_t s = 0; s < a->n && !rc; s++)
        rc = load_scenario(a, s, runs, page, &err);
    if (!rc && a->backtest)
        rc = check_backtest(a->backtest, &err);
    cmp_key probe;
    pc_err why;
    if (!rc && a->sensitivity &&
        (rc = sens_parse_output(runs[0].model, a->sensitivity, &probe, &why)))
        rc = pc_fail(&err, rc, "--sensitivity: %s", why.msg);
    if (!rc)
        rc = folder_check(a->out, FOLDER_STUDY, a->paths, a->n, NULL, &err);
    if (!rc)
        rc = name_uncertainty(runs[0].model, &extra, &err);
    for (size_t s = 0; s < a->n && !rc; s++)
        rc = run_scenario(a, &runs[s], a->paths[s], &err);
    if (!rc)
        rc = run_without_drivers(a, runs[0].model, &extra, &err);
    if (!rc && a->sensitivity)
        rc = run_sensitivity(a, runs[0].model, &extra, &err);
    char *about = rc ? NULL : describe(a, runs);
    if (!rc && !about)
        rc = pc_fail(&err, PC_EENV, "out of memory");
    int written = 0;
    folder_notes notes;
    cli_hold(cli);
    folder_stage stage;
    if (!rc && !(rc = folder_open(&stage, a->out, FOLDER_STUDY, a->paths, a->n, &notes, &err))) {
        rc = write_report(a, stage.tmp, runs, page, &extra, command, &err);
        if (rc)
            folder_message(&stage, &err);
        char *index = pc_strf("%s/index.html", stage.tmp);
        /* without charts the page is still written, and says so */
        int keep = rc == PC_OK || (rc == PC_EINPUT && index && access(index, F_OK) == 0);
        free(index);
        rc = cli_commit_study(&stage, keep, rc, about, &notes, &err, &written);
    }
    cli_release(cli);
    reference_extra_clear(&extra);
    free(about);
    if (written)
        cli_replaced(a->out, &notes);
    if (rc)
        cli_fail(&err, rc);
    if (written) {
        char *index = pc_strf("%s/index.html", a->out);
        if (index)
            printf("%s\n", index);
        free(index);
    }
    return rc;
}

int cmd_report(cli_ctx *cli, int argc, char **argv)
{
    report_args a = {.seed = 1};
    a.paths = pc_calloc((size_t)argc, sizeof *a.paths);
    scenario_run *runs = pc_calloc((size_t)argc, sizeof *runs);
    report_scenario *page = pc_calloc((size_t)argc, sizeof *page);
    char *command = opt_command_line(argc, argv);
    int rc =
        !a.paths || !runs || !page || !command ? cli_out_of_memory() : read_args(&a, argc, argv);
    if (rc == OPT_HELP)
        rc = PC_OK;
    else if (!rc)
        rc = report(cli, &a, runs, page, command);
    for (size_t s = 0; runs && s < a.n; s++) {
        mc_result_free(runs[s].result);
        mdl_free(runs[s].model);
        free(runs[s].changes);
        free(runs[s].name);
    }
    free(a.paths);
    free(runs);
    free(page);
    free(command);
    return cli_flush(rc);
}
