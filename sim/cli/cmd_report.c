/* cmd_report — `parcours report SCENARIO...`: scenarios run side by side into a committee page.
 *
 * Runs each scenario with the same seed (common random numbers) into
 * DIR/<scenario>/, draws the paired-difference charts of the alternatives into
 * DIR/differences/, then has report_build draw every chart and write
 * DIR/index.html, whose path it prints.  Without gnuplot the runs, key figures
 * and page are still written and the command exits 1. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "core/fsio.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/out.h"
#include "opt.h"
#include "present/diffplot.h"
#include "present/report.h"

static const char report_usage[] =
    "usage: parcours report SCENARIO... --reps N --out DIR [--seed S] [--threads T]\n"
    "                       [--lang fr|en] [--templates DIR] [--focus CODES]\n"
    "                       [--threshold VARIABLE=VALUE] [--quiet]\n"
    "\n"
    "Runs each scenario (the first is the reference) with the same seed, so that\n"
    "they share their random numbers, writes each run into DIR/<scenario>/, draws\n"
    "its charts and the comparison charts, and writes DIR/index.html: scenarios and\n"
    "their changes, key figures with 90 % intervals, every chart and its data.\n"
    "The page opens offline in any browser and prints one chart per page.\n"
    "\n"
    "  --reps N         replications per scenario, 1 to 1000000 (required)\n"
    "  --out DIR        the report folder (required)\n"
    "  --seed S         the seed shared by every scenario, 0 to 4294967295 (default 1)\n"
    "  --threads T      threads, 0 to 1024 (default 0: all cores)\n"
    "  --lang L         fr (default) or en\n"
    "  --templates DIR  the gnuplot templates (as for parcours plot)\n"
    "  --focus CODES    a national model: the départements charted, as codes joined\n"
    "                   with commas (26,05,2A); every département is in the table\n"
    "  --threshold V=X  the output of replications.csv whose distribution is drawn\n"
    "                   (default cost.total, the whole run's cost in euros) and the\n"
    "                   value whose probability of being exceeded is shown (default:\n"
    "                   the reference's mean)\n"
    "  --quiet          no progress bar or log lines on stderr\n";

typedef struct {
    const char **paths;
    size_t n;
    const char *out, *templates, *focus, *threshold;
    unsigned long reps, seed, threads;
    int lang, quiet;
} report_args;

/* What the command holds for each scenario. */
typedef struct {
    char *name; /* its folder under the report folder */
    mdl_model *model;
    mc_result *result;
    report_change *changes; /* borrow the model's strings */
} scenario_run;

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
    for (const char *p = a->focus; !rc && p && *p;) {
        size_t len = strcspn(p, ",");
        int ok = (len == 2 || len == 3) && p[0] >= '0' && p[0] <= '9';
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[k] >= '0' && p[k] <= '9') ||
                 (len == 2 && p[0] == '2' && strchr("abAB", p[k]) != NULL);
        if (!ok) {
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

/* Runs scenario s into its folder and describes it for the page. */
static int run_scenario(const report_args *a, size_t s, scenario_run *runs, report_scenario *page,
                        const char *command, pc_err *err)
{
    scenario_run *run = &runs[s];
    char *dir = NULL;
    if (!(run->name = scenario_folder(a->paths[s], runs, s)) ||
        !(dir = pc_strf("%s/%s", a->out, run->name)))
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    int rc = mdl_load(a->paths[s], &run->model, err);
    const mdl_model *m = run->model;
    mc_options opt = {.reps = a->reps,
                      .seed = (uint32_t)a->seed,
                      .threads = (int)a->threads,
                      .progress = cli_bar_if(a->quiet)};
    out_info info = {.command = command, .version = PARCOURS_VERSION};
    if (!rc && !a->quiet)
        cli_log("report: %s: %lu replications", m->label ? m->label : a->paths[s], a->reps);
    if (!rc && !(rc = mc_run(m, &opt, &run->result, err)))
        rc = out_write_run(dir, run->result, &info, err);
    free(dir);
    if (rc)
        return rc;
    /* the page shows the changes as the model resolved them */
    if (!(run->changes = pc_calloc(m->n_changes, sizeof *run->changes)))
        return pc_fail(err, PC_EINTERNAL, "out of memory");
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

/* The paired differences of the alternatives with the reference, into DIR/differences/.
 * Without gnuplot the list stays empty: report_build says so for every chart. */
static int draw_differences(const report_args *a, const scenario_run *runs, plot_list **out,
                            pc_err *err)
{
    const mc_result **alts = pc_calloc(a->n, sizeof *alts);
    char **names = pc_calloc(a->n, sizeof *names);
    char *dir = pc_strf("%s/differences", a->out);
    plot_list *list = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG); /* what diffplot writes */
    int rc = alts && names && dir && list ? PC_OK : pc_fail(err, PC_EINTERNAL, "out of memory");
    for (size_t s = 0; s < a->n && !rc; s++) {
        alts[s] = runs[s].result;
        names[s] = runs[s].name;
    }
    if (!rc) {
        rc = diffplot_draw(dir, runs[0].result, alts + 1, a->n - 1, names,
                           a->lang ? LANG_EN : LANG_FR, list, err);
        if (rc != PC_EINTERNAL)
            rc = PC_OK;
    }
    if (!rc)
        *out = list;
    else
        plot_list_free(list);
    free(alts);
    free(names);
    free(dir);
    return rc;
}

/* Runs every scenario, draws the differences and builds the page. */
static int report(const report_args *a, scenario_run *runs, report_scenario *page,
                  const char *command)
{
    plot_list *differences = NULL;
    pc_err err;
    int rc = fsio_mkdirs(a->out, &err);
    for (size_t s = 0; s < a->n && !rc; s++)
        rc = run_scenario(a, s, runs, page, command, &err);
    if (!rc && a->n > 1)
        rc = draw_differences(a, runs, &differences, &err);
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
                           .n_focus = n_codes};
    char *threshold_var = NULL;
    if (a->threshold) {
        const char *eq = strchr(a->threshold, '=');
        threshold_var = pc_strf("%.*s", (int)(eq - a->threshold), a->threshold);
        ropt.threshold_var = threshold_var;
        ropt.threshold = strtod(eq + 1, NULL);
    }
    int built = !rc;
    char *notes = NULL;
    if (!rc)
        rc = report_build(a->out, page, a->n, &ropt, &notes, &err);
    if (notes)
        cli_log("%s", notes);
    free(notes);
    if (rc)
        cli_fail(&err, rc);
    if (built && (rc == PC_OK || rc == PC_EINPUT)) {
        char *index = pc_strf("%s/index.html", a->out);
        if (index && access(index, F_OK) == 0)
            printf("%s\n", index);
        free(index);
    }
    plot_list_free(differences);
    free(focus);
    free(threshold_var);
    return rc;
}

int cmd_report(int argc, char **argv)
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
        rc = report(&a, runs, page, command);
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
    if (fflush(stdout) != 0 && rc == PC_OK)
        rc = PC_EINTERNAL;
    return rc;
}
