/* plot — which charts a set of run folders gets, drawn in one gnuplot call (see plot.h).
 *
 * The catalogue: every population's stock and every queue as fan charts, the
 * waits over 3 months, the ETP funded and occupied, the staff, the budgets by
 * funder and by cost line, the entries and exits, the time in the population.
 * Each chart is built by chart.h into one script, piped to gnuplot once. */
#include "plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "core/fsio.h"
#include "gnuplot.h"
#include "lang.h"
#include "rundir.h"

/* ---- lists ---------------------------------------------------------------------- */

plot_list *plot_list_alloc(unsigned formats)
{
    plot_list *l = pc_calloc(1, sizeof *l);
    if (l)
        l->formats = formats;
    return l;
}

int plot_list_add(plot_list *l, const char *name, const char *title, const char *group)
{
    plot_chart *bigger = realloc(l->charts, (l->n + 1) * sizeof *bigger);
    if (!bigger)
        return PC_EINTERNAL;
    l->charts = bigger;
    plot_chart *ch = &l->charts[l->n];
    ch->name = pc_strdup(name);
    ch->title = pc_strdup(title);
    ch->group = pc_strdup(group);
    l->n++;
    if (!ch->name || !ch->title || !ch->group)
        return PC_EINTERNAL;
    return PC_OK;
}

int plot_list_add_empty(plot_list *l, const char *title)
{
    char *more = l->empty ? pc_strf("%s\n%s", l->empty, title) : pc_strdup(title);
    if (!more)
        return PC_EINTERNAL;
    free(l->empty);
    l->empty = more;
    return PC_OK;
}

void plot_list_free(plot_list *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->charts[i].name);
        free(l->charts[i].title);
        free(l->charts[i].group);
    }
    free(l->charts);
    free(l->notes);
    free(l->empty);
    free(l);
}

/* A file name from a variable name: letters, digits, '.', '_' and '-' kept. */
static char *safe_name(const char *prefix, const char *var)
{
    char *s = pc_strf("%s%s", prefix, var);
    if (s)
        fsio_safe_name(var, s + strlen(prefix), strlen(var) + 1);
    return s;
}

/* ---- the chart catalogue -------------------------------------------------------- */

/* Draws chart `draw` once per name X of the variables PREFIX X SUFFIX of a table of any
 * run, in order of appearance. */
#define PLOT_MAX_EACH 12

static int draw_each(chart_ctx *c, rundir_table table, const char *prefix, const char *suffix,
                     int (*draw)(chart_ctx *c, const void *what, const char *x), const void *what)
{
    char **names = NULL;
    size_t n = 0;
    if (rundir_names(c->runs, c->n_runs, table, prefix, suffix, &names, &n))
        return pc_fail(c->err, PC_EENV, "out of memory");
    /* past PLOT_MAX_EACH items (the 48 IAE resources of a region) a chart each is more than a
     * page can hold: the largest by the reference's mean of the listed variable, and a note */
    char *keep = pc_calloc(n ? n : 1, 1);
    int rc = keep ? PC_OK : pc_fail(c->err, PC_EENV, "out of memory");
    for (size_t i = 0; i < n && !rc; i++)
        keep[i] = n <= PLOT_MAX_EACH;
    if (!rc && n > PLOT_MAX_EACH) {
        double *size = pc_calloc(n, sizeof *size);
        if (!size)
            rc = pc_fail(c->err, PC_EENV, "out of memory");
        for (size_t i = 0; size && i < n; i++) {
            char *var = pc_strf("%s%s%s", prefix, names[i], suffix);
            const rundir_series *sr = var ? rundir_find(c->runs[0], table, var) : NULL;
            for (size_t k = 0; sr && k < sr->n; k++)
                size[i] += isfinite(sr->stat[k].mean) ? fabs(sr->stat[k].mean) : 0;
            free(var);
        }
        for (size_t picked = 0; size && picked < PLOT_MAX_EACH; picked++) {
            size_t best = n;
            for (size_t i = 0; i < n; i++)
                if (!keep[i] && (best == n || size[i] > size[best]))
                    best = i;
            keep[best] = 1;
        }
        free(size);
        char *note =
            rc ? NULL
               : pc_strf(c->lang == LANG_EN ? "%s*%s: the %d largest of %zu drawn"
                                            : "%s*%s : les %d plus grands des %zu trac\xC3\xA9s",
                         prefix, suffix, PLOT_MAX_EACH, n);
        if (!rc && (!note || plot_list_add_empty(c->list, note)))
            rc = pc_fail(c->err, PC_EENV, "out of memory");
        free(note);
    }
    for (size_t i = 0; i < n && !rc; i++)
        if (keep[i])
            rc = draw(c, what, names[i]);
    free(keep);
    rundir_names_free(names, n);
    return rc;
}

/* Adds var of every run that has it: legend `what` for one run, the run's label
 * for several. */
static int add_runs(const chart_ctx *c, chart_items *l, rundir_table table, const char *var,
                    const char *what, int band)
{
    for (size_t r = 0; r < c->n_runs; r++) {
        const rundir_series *s = rundir_find(c->runs[r], table, var);
        if (s && chart_items_add(l, r, s,
                                 pc_strdup(c->n_runs == 1 ? what : rundir_label(c->runs[r])), band))
            return PC_EINTERNAL;
    }
    return PC_OK;
}

static int draw_fan(chart_ctx *c, const char *var)
{
    const char *median = lang_pick(c->lang,
                                   "m\xC3\xA9"
                                   "diane",
                                   "median");
    int is_queue = strncmp(var, "queue.", 6) == 0, is_stock = strncmp(var, "stock.", 6) == 0;
    char *label = rundir_var_label(c->runs[0], var, c->lang);
    char *name = safe_name("fan-", var);
    char *title = !label     ? NULL
                  : is_queue ? pc_strf("%s%s", label,
                                       lang_pick(c->lang, " : personnes en attente en fin de mois",
                                                 ": persons waiting at month end"))
                  : is_stock
                      ? pc_strf("%s%s", label,
                                lang_pick(c->lang, " : personnes pr\xC3\xA9sentes en fin de mois",
                                          ": persons present at month end"))
                      : pc_strdup(label);
    chart_items l = {0};
    int rc = !name || !title ? PC_EINTERNAL : add_runs(c, &l, RUNDIR_MONTHLY, var, median, 1);
    if (rc) {
        rc = pc_fail(c->err, PC_EENV, "out of memory");
    } else {
        chart_fan_spec spec = {
            .name = name,
            .group = is_queue   ? "queue"
                     : is_stock ? "stock"
                                : "series",
            .title = title,
            .ylabel = is_queue || is_stock ? lang_pick(c->lang, "personnes", "persons") : "",
            .suffix = "",
            .table = RUNDIR_MONTHLY,
            .scale = 1};
        rc = chart_fan(c, &spec, &l);
    }
    chart_items_free(&l);
    free(label);
    free(name);
    free(title);
    return rc;
}

/* The fan chart of PREFIX X (what: the prefix, "stock." or "queue."). */
static int draw_fan_of(chart_ctx *c, const void *what, const char *x)
{
    char *var = pc_strf("%s%s", (const char *)what, x);
    int rc = var ? draw_fan(c, var) : pc_fail(c->err, PC_EENV, "out of memory");
    free(var);
    return rc;
}

/* One chart per name X: the variables part_prefix[k] X part_suffix[k], one series
 * per run and part; the title is the label of label_prefix X and title_fr/en. */
typedef struct {
    const char *name_prefix, *group, *label_prefix, *title_fr, *title_en, *ylabel_fr, *ylabel_en,
        *suffix;
    rundir_table table;
    double scale;
    int lines;
    size_t n_parts;
    const char *part_prefix[2], *part_suffix[2], *part_what[2];
} family;

static int draw_family(chart_ctx *c, const void *what, const char *x)
{
    const family *fam = what;
    char *name = safe_name(fam->name_prefix, x);
    char *label_var = pc_strf("%s%s", fam->label_prefix, x);
    char *label = label_var ? rundir_var_label(c->runs[0], label_var, c->lang) : NULL;
    char *title =
        label ? pc_strf("%s%s", label, lang_pick(c->lang, fam->title_fr, fam->title_en)) : NULL;
    chart_items l = {0};
    int rc = name && title ? PC_OK : PC_EINTERNAL;
    for (size_t r = 0; r < c->n_runs && !rc; r++)
        for (size_t k = 0; k < fam->n_parts && !rc; k++) {
            char *var = pc_strf("%s%s%s", fam->part_prefix[k], x, fam->part_suffix[k]);
            const rundir_series *s = var ? rundir_find(c->runs[r], fam->table, var) : NULL;
            free(var);
            if (!s)
                continue;
            const char *part = fam->part_what[k];
            char *t = c->n_runs == 1
                          ? pc_strdup(part)
                          : pc_strf("%s %s %s", rundir_label(c->runs[r]), "\xE2\x80\x94", part);
            rc = chart_items_add(&l, r, s, t, fam->n_parts == 1 || k > 0);
            if (!rc && fam->n_parts == 2 && k == 0)
                l.items[l.n - 1].part = 1; /* funded, entries: the thin line */
        }
    if (rc) {
        rc = pc_fail(c->err, PC_EENV, "out of memory");
    } else {
        chart_fan_spec spec = {.name = name,
                               .group = fam->group,
                               .title = title,
                               .ylabel = lang_pick(c->lang, fam->ylabel_fr, fam->ylabel_en),
                               .suffix = fam->suffix,
                               .table = fam->table,
                               .scale = fam->scale,
                               .lines = fam->lines};
        if (fam->table == RUNDIR_SURVIVAL) {
            spec.xlabel = lang_pick(c->lang,
                                    "Dur\xC3\xA9"
                                    "e depuis le d\xC3\xA9"
                                    "but du parcours",
                                    "Time since the spell began");
            spec.key = "top right vertical";
        }
        rc = chart_fan(c, &spec, &l);
    }
    chart_items_free(&l);
    free(name);
    free(label_var);
    free(label);
    free(title);
    return rc;
}

/* The yearly budget by PREFIX X (funders or cost lines, cost.total left out), stacked. */
#define BUDGET_MAX_PARTS 12

typedef struct {
    char *name;
    double total;
} budget_part;

static int by_total(const void *a, const void *b)
{
    double x = ((const budget_part *)a)->total, y = ((const budget_part *)b)->total;
    return x < y ? 1 : x > y ? -1 : 0;
}

static int draw_budget(chart_ctx *c, const char *prefix, const char *name, const char *title,
                       int no_allocation)
{
    char **names = NULL;
    size_t n = 0, n_parts = 0;
    int rc = rundir_names(c->runs, c->n_runs, RUNDIR_YEARLY, prefix, "", &names, &n);
    char **parts = rc ? NULL : pc_calloc(n, sizeof *parts);
    if (!rc && !parts)
        rc = PC_EINTERNAL;
    for (size_t i = 0; i < n && !rc; i++) {
        if (strcmp(prefix, "cost.") == 0 && strcmp(names[i], "total") == 0)
            continue;
        if (no_allocation && strncmp(names[i], "allocation", 10) == 0)
            continue; /* the allocation dwarfs the lines a policy changes */
        if (!(parts[n_parts++] = pc_strf("%s%s", prefix, names[i])))
            rc = PC_EINTERNAL;
    }
    /* past BUDGET_MAX_PARTS lines a stacked bar is unreadable: the largest lines over the run
     * (in the first run), and the title says how many of how many */
    size_t shown = n_parts;
    char *titled = NULL;
    if (!rc && n_parts > BUDGET_MAX_PARTS) {
        budget_part *order = pc_calloc(n_parts, sizeof *order);
        int first, last;
        if (!order)
            rc = PC_EENV;
        for (size_t i = 0; order && i < n_parts; i++) {
            order[i].name = parts[i];
            if (rundir_periods(c->runs[0], RUNDIR_YEARLY, &first, &last))
                for (int y = first; y <= last; y++) {
                    rundir_stat st;
                    if (rundir_value(c->runs[0], RUNDIR_YEARLY, parts[i], y, &st) &&
                        isfinite(st.mean))
                        order[i].total += st.mean;
                }
        }
        if (order) {
            qsort(order, n_parts, sizeof *order, by_total);
            for (size_t i = 0; i < n_parts; i++)
                parts[i] = order[i].name; /* the same strings, largest first */
            shown = BUDGET_MAX_PARTS;
            titled = pc_strf(c->lang == LANG_EN ? "%s: the %zu largest lines of %zu"
                                                : "%s : les %zu principales lignes sur %zu",
                             title, shown, n_parts);
            if (!titled)
                rc = PC_EENV;
        }
        free(order);
    }
    if (rc)
        rc = pc_fail(c->err, PC_EENV, "out of memory");
    else if (n_parts > 0 && (!no_allocation || n_parts < n - 1))
        rc = chart_bars(c, name, titled ? titled : title, (const char *const *)parts, shown,
                        no_allocation || shown < n_parts ? NULL : "cost.total");
    free(titled);
    rundir_names_free(parts, n_parts);
    rundir_names_free(names, n);
    return rc;
}

/* The fan charts asked for, or each population's stock and each queue. */
static int draw_fans(chart_ctx *c, const plot_options *opt)
{
    int rc = PC_OK;
    for (size_t i = 0; i < opt->n_vars && !rc; i++) {
        int found = 0;
        for (size_t r = 0; r < c->n_runs; r++)
            found |= rundir_find(c->runs[r], RUNDIR_MONTHLY, opt->vars[i]) != NULL;
        if (!found)
            rc = pc_fail(c->err, PC_EINPUT, "%s/monthly.csv: no variable %s",
                         rundir_path(c->runs[0]), opt->vars[i]);
        else
            rc = draw_fan(c, opt->vars[i]);
    }
    if (opt->n_vars > 0)
        return rc;
    /* the populations are the names X of entries.X */
    rc = draw_each(c, RUNDIR_MONTHLY, "entries.", "", draw_fan_of, "stock.");
    if (!rc)
        rc = draw_each(c, RUNDIR_MONTHLY, "queue.", "", draw_fan_of, "queue.");
    return rc;
}

/* The waits over 3 months of queue X. */
static family wait_family(lang_code lang)
{
    return (family){.name_prefix = "wait3m-",
                    .group = "wait",
                    .label_prefix = "queue.",
                    .title_fr = " : part des attentes de plus de 3 mois",
                    .title_en = ": share of waits longer than 3 months",
                    .ylabel_fr = "part des attentes termin\xC3\xA9"
                                 "es dans le mois",
                    .ylabel_en = "share of the waits ended in the month",
                    .suffix = lang == LANG_EN ? "%" : LANG_NNBSP "%",
                    .table = RUNDIR_MONTHLY,
                    .scale = 100,
                    .n_parts = 1,
                    .part_prefix = {"wait."},
                    .part_suffix = {".share3m"},
                    .part_what = {lang_pick(lang,
                                            "m\xC3\xA9"
                                            "diane",
                                            "median")}};
}

/* The ETP funded and occupied of resource X. */
static family etp_family(lang_code lang)
{
    return (family){.name_prefix = "etp-",
                    .group = "etp",
                    .label_prefix = "etp.",
                    .title_fr = " : ETP conventionn\xC3\xA9s et occup\xC3\xA9s",
                    .title_en = ": ETP funded and occupied",
                    .ylabel_fr = "ETP",
                    .ylabel_en = "ETP",
                    .suffix = "",
                    .table = RUNDIR_MONTHLY,
                    .scale = 1,
                    .n_parts = 2,
                    .part_prefix = {"funded.", "etp."},
                    .part_suffix = {"", ""},
                    .part_what = {lang_pick(lang, "ETP conventionn\xC3\xA9s", "ETP funded"),
                                  lang_pick(lang, "ETP occup\xC3\xA9s", "ETP occupied")}};
}

/* The staff ETP needed of kind X (staff.X), one chart per kind. */
static family staff_family(lang_code lang)
{
    return (family){.name_prefix = "staff-",
                    .group = "staff",
                    .label_prefix = "staff.",
                    .title_fr = " : ETP n\xC3\xA9"
                                "cessaires",
                    .title_en = ": staff ETP needed",
                    .ylabel_fr = "ETP",
                    .ylabel_en = "ETP",
                    .suffix = "",
                    .table = RUNDIR_MONTHLY,
                    .scale = 1,
                    .n_parts = 1,
                    .part_prefix = {"staff."},
                    .part_suffix = {""},
                    .part_what = {lang_pick(lang,
                                            "m\xC3\xA9"
                                            "diane",
                                            "median")}};
}

/* The yearly entries and exits of population X. */
static family flows_family(lang_code lang)
{
    return (family){.name_prefix = "flows-",
                    .group = "flows",
                    .label_prefix = "entries.",
                    .title_fr = " : entr\xC3\xA9"
                                "es et sorties par an",
                    .title_en = ": entries and exits per year",
                    .ylabel_fr = "personnes par an",
                    .ylabel_en = "persons per year",
                    .suffix = "",
                    .table = RUNDIR_YEARLY,
                    .scale = 1,
                    .lines = 1,
                    .n_parts = 2,
                    .part_prefix = {"entries.", "exits."},
                    .part_suffix = {"", ""},
                    .part_what = {lang_pick(lang,
                                            "entr\xC3\xA9"
                                            "es",
                                            "entries"),
                                  lang_pick(lang, "sorties", "exits")}};
}

/* The share of the spells of population X still running, by duration. */
static family survival_family(lang_code lang)
{
    return (family){.name_prefix = "survival-",
                    .group = "survival",
                    .label_prefix = "stock.",
                    .title_fr = " : part des parcours encore en cours",
                    .title_en = ": share of spells still running",
                    .ylabel_fr = "part des parcours",
                    .ylabel_en = "share of spells",
                    .suffix = lang == LANG_EN ? "%" : LANG_NNBSP "%",
                    .table = RUNDIR_SURVIVAL,
                    .scale = 100,
                    .n_parts = 1,
                    .part_prefix = {""},
                    .part_suffix = {""},
                    .part_what = {lang_pick(lang,
                                            "m\xC3\xA9"
                                            "diane",
                                            "median")}};
}

/* Every chart, in reading order. */
static int draw_all(chart_ctx *c, const plot_options *opt)
{
    /* automatic, not static: tables of pointers would be writable data in a PIE */
    const family wait = wait_family(c->lang), etp = etp_family(c->lang);
    const family flows = flows_family(c->lang), survival = survival_family(c->lang);
    const family staff = staff_family(c->lang);
    int rc = draw_fans(c, opt);
    if (!rc)
        rc = draw_each(c, RUNDIR_MONTHLY, "wait.", ".share3m", draw_family, &wait);
    if (!rc)
        rc = draw_each(c, RUNDIR_MONTHLY, "etp.", "", draw_family, &etp);
    if (!rc)
        rc = draw_each(c, RUNDIR_MONTHLY, "staff.", "", draw_family, &staff);
    if (!rc)
        rc = draw_budget(
            c, "funder.", "budget-funder",
            lang_pick(c->lang, "Budget annuel par financeur", "Yearly budget by funder"), 0);
    if (!rc)
        rc = draw_budget(c, "cost.", "budget-cost",
                         lang_pick(c->lang, "Budget annuel par ligne de co\xC3\xBBt",
                                   "Yearly budget by cost line"),
                         0);
    if (!rc)
        rc = draw_budget(c, "cost.", "budget-cost-insertion",
                         lang_pick(c->lang,
                                   "Budget annuel hors allocation, par ligne de co\xC3\xBBt",
                                   "Yearly budget without the allocation, by cost line"),
                         1);
    if (!rc)
        rc = draw_each(c, RUNDIR_YEARLY, "entries.", "", draw_family, &flows);
    if (!rc)
        rc = draw_each(c, RUNDIR_SURVIVAL, "", "", draw_family, &survival);
    return rc;
}

/* Keeps the script that draws the charts as charts.gp beside them. */
static int write_script(const char *outdir, const sbuf *script, pc_err *err)
{
    char *path = pc_strf("%s/charts.gp", outdir);
    if (!path)
        return pc_fail(err, PC_EENV, "out of memory");
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (!rc) {
        fwrite(script->s, 1, script->len, out.f);
        rc = fsio_commit(&out, rc, err);
    }
    free(path);
    return rc;
}

int plot_draw(const rundir *const *runs, size_t n_runs, const char *outdir, const plot_options *opt,
              plot_list **out, pc_err *err)
{
    if (out)
        *out = NULL;
    if (n_runs == 0)
        return pc_fail(err, PC_EUSAGE, "no run folder to draw");
    plot_options defaults = {0};
    if (!opt)
        opt = &defaults;
    chart_ctx c = {.runs = runs,
                   .n_runs = n_runs,
                   .first_style = opt->first_style,
                   .lang = opt->lang,
                   .formats = opt->formats ? opt->formats : GNUPLOT_PNG | GNUPLOT_SVG,
                   .outdir = outdir,
                   .err = err};
    int rc = PC_OK;
    if (!(c.list = plot_list_alloc(c.formats))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    if (strpbrk(outdir, "\n\r")) {
        rc = pc_fail(err, PC_EINPUT, "%s: a folder name with a line break cannot be used", outdir);
        goto fail;
    }
    if ((rc = chart_load_templates(&c, opt->templates)) || (rc = fsio_mkdirs(outdir, err)) ||
        (rc = draw_all(&c, opt)))
        goto fail;
    if (c.script.oom) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    if (opt->write_script && c.list->n > 0 && (rc = write_script(outdir, &c.script, err)))
        goto fail;
    if (c.list->n > 0 &&
        ((rc = gnuplot_run(c.script.s, c.script.len, outdir, &c.list->notes, err)) ||
         (rc = chart_check_outputs(&c))))
        goto fail;
    if (out)
        *out = c.list;
    else
        plot_list_free(c.list);
    c.list = NULL;
fail:
    plot_list_free(c.list);
    chart_ctx_clear(&c);
    return rc;
}
