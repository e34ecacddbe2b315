/* chart — one chart of run folders: its data file and its gnuplot commands (see chart.h).
 *
 * A chart is written as its data file (what it plots, copied from the runs'
 * tables) and, for each format, the filled templates common.gp and fan.gp,
 * lines.gp or bars.gp appended to the script of the context.  Every piece of
 * text from a file reaches the script through gnuplot_quote_into. */
#include "chart.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "axis.h"
#include "core/fsio.h"
#include "gnuplot.h"

#define N_STYLES     8 /* line types defined by plots/common.gp */
#define SERIES_STATS 6 /* mean p05 p25 p50 p75 p95: data columns per series */

/* ---- the context and its items ------------------------------------------------- */

int chart_items_add(chart_items *l, size_t run, const rundir_series *s, char *title, int band)
{
    if (!title)
        return PC_EENV;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        chart_item *bigger = realloc(l->items, cap * sizeof *bigger);
        if (!bigger) {
            free(title);
            return PC_EENV;
        }
        l->items = bigger;
        l->cap = cap;
    }
    l->items[l->n++] = (chart_item){.run = run, .s = s, .title = title, .band = band};
    return PC_OK;
}

void chart_items_free(chart_items *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].title);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ---- script assembly ---------------------------------------------------------- */

typedef struct {
    const char *tpl;      /* the chart's own template text */
    const char *tpl_name; /* its file name, for messages */
    const char *name;     /* output base name */
    char *title, *xlabel, *ylabel, *xrange, *yrange, *xtics, *ytics, *plot;
    const char *key;
} chart_src;

static void chart_src_free(chart_src *s)
{
    free(s->title);
    free(s->xlabel);
    free(s->ylabel);
    free(s->xrange);
    free(s->yrange);
    free(s->xtics);
    free(s->ytics);
    free(s->plot);
}

/* Copies tpl into out with each placeholder (@NAME@) replaced by its value. */
static int fill(sbuf *out, const char *tpl, const char *tpl_name, const char *const *keys,
                const char *const *values, size_t n, pc_err *err)
{
    const char *p = tpl;
    while (*p) {
        const char *at = strchr(p, '@');
        if (!at) {
            sbuf_puts(out, p);
            break;
        }
        sbuf_add(out, p, (size_t)(at - p));
        const char *q = at + 1;
        while ((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_')
            q++;
        if (*q != '@' || q == at + 1) {
            sbuf_add(out, "@", 1);
            p = at + 1;
            continue;
        }
        size_t len = (size_t)(q - at - 1);
        size_t k = 0;
        while (k < n && !(strlen(keys[k]) == len && strncmp(keys[k], at + 1, len) == 0))
            k++;
        if (k == n)
            return pc_fail(err, PC_EINPUT, "%s: unknown placeholder %.*s", tpl_name, (int)len + 2,
                           at);
        sbuf_puts(out, values[k]);
        p = q + 1;
    }
    return PC_OK;
}

/* Appends the chart to the script once per format and lists it. */
static int emit(chart_ctx *c, chart_src *s, const char *caption, const char *group)
{
    int rc = PC_OK;
    if (!s->title || !s->xlabel || !s->ylabel || !s->xrange || !s->yrange || !s->xtics ||
        !s->ytics || !s->plot)
        return pc_fail(c->err, PC_EENV, "out of memory");
    for (unsigned f = GNUPLOT_PNG; f <= GNUPLOT_PDF; f <<= 1) {
        if (!(c->formats & f))
            continue;
        char *path = pc_strf("%s/%s.%s", c->outdir, s->name, gnuplot_extension(f));
        char *output = path ? gnuplot_quote(path) : NULL;
        char *format = gnuplot_quote(gnuplot_extension(f));
        free(path);
        if (!output || !format) {
            free(output);
            free(format);
            return pc_fail(c->err, PC_EENV, "out of memory");
        }
        const char *keys[] = {"FORMAT", "OUTPUT", "TITLE", "XLABEL", "YLABEL", "XRANGE",
                              "YRANGE", "XTICS",  "YTICS", "KEY",    "PLOT"};
        const char *values[] = {format,    output,   s->title, s->xlabel, s->ylabel, s->xrange,
                                s->yrange, s->xtics, s->ytics, s->key,    s->plot};
        size_t n = sizeof keys / sizeof keys[0];
        rc = fill(&c->script, c->tpl_common, "common.gp", keys, values, n, c->err);
        if (!rc)
            rc = fill(&c->script, s->tpl, s->tpl_name, keys, values, n, c->err);
        free(output);
        free(format);
        if (rc)
            return rc;
    }
    if (c->script.oom || plot_list_add(c->list, s->name, caption, group))
        return pc_fail(c->err, PC_EENV, "out of memory");
    return PC_OK;
}

/* The title as a gnuplot string expression: one line per non-empty part. */
static char *title_expr(const char *title, const char *subtitle, const char *note)
{
    sbuf b = {0};
    gnuplot_quote_into(&b, title);
    const char *more[2] = {subtitle, note};
    for (int i = 0; i < 2; i++)
        if (more[i] && *more[i]) {
            sbuf_puts(&b, " . \"\\n\" . ");
            gnuplot_quote_into(&b, more[i]);
        }
    return sbuf_take(&b);
}

static char *subtitle_of(const chart_ctx *c)
{
    if (c->n_runs == 1)
        return pc_strdup(rundir_label(c->runs[0]));
    return pc_strf(c->lang == LANG_EN ? "Comparison of %zu scenarios"
                                      : "Comparaison de %zu sc\xC3\xA9narios",
                   c->n_runs);
}

/* ---- data files ------------------------------------------------------------- */

static void period_label(rundir_table table, int period, char *buf, size_t size)
{
    if (table == RUNDIR_MONTHLY)
        snprintf(buf, size, "%04d-%02d", period / 12, period % 12 + 1);
    else
        snprintf(buf, size, "%d", period);
}

static double period_x(rundir_table table, int period)
{
    return table == RUNDIR_MONTHLY ? period / 12.0 : period;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The sorted union of the periods of a list of series; NULL on out of memory. */
static int *union_periods(const rundir_series *const *s, size_t n, size_t *count)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += s[i] ? s[i]->n : 0;
    int *all = pc_calloc(total, sizeof *all);
    if (!all)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; s[i] && j < s[i]->n; j++)
            all[k++] = s[i]->period[j];
    qsort(all, k, sizeof *all, cmp_int);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || all[u - 1] != all[i])
            all[u++] = all[i];
    *count = u;
    return all;
}

/* Writes name.csv: period, x, then mean p05 p25 p50 p75 p95 of each chart_item. */
static int write_series_data(chart_ctx *c, const char *name, rundir_table table,
                             const chart_items *l, int *first, int *last)
{
    const rundir_series **list = pc_calloc(l->n, sizeof *list);
    char *path = pc_strf("%s/%s.csv", c->outdir, name);
    size_t n_periods = 0;
    int *periods = NULL;
    fsio_file out;
    int rc = PC_OK;
    if (!list || !path) {
        rc = pc_fail(c->err, PC_EENV, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < l->n; i++)
        list[i] = l->items[i].s;
    if (!(periods = union_periods(list, l->n, &n_periods))) {
        rc = pc_fail(c->err, PC_EENV, "out of memory");
        goto done;
    }
    *first = n_periods ? periods[0] : 0;
    *last = n_periods ? periods[n_periods - 1] : 0;
    if ((rc = fsio_open(&out, path, c->err)))
        goto done;
    FILE *f = out.f;
    static const char stat_names[SERIES_STATS][5] = {"mean", "p05", "p25", "p50", "p75", "p95"};
    fsio_csv_text(f,
                  table == RUNDIR_MONTHLY  ? "month"
                  : table == RUNDIR_YEARLY ? "year"
                                           : "duration",
                  1);
    fsio_csv_text(f, "x", 0);
    for (size_t i = 0; i < l->n && !rc; i++)
        for (int k = 0; k < SERIES_STATS && !rc; k++) {
            char *head =
                pc_strf("%zu:%s:%s", l->items[i].run + 1, l->items[i].s->name, stat_names[k]);
            if (head)
                fsio_csv_text(f, head, 0);
            else
                rc = pc_fail(c->err, PC_EENV, "out of memory");
            free(head);
        }
    fputc('\n', f);
    for (size_t p = 0; p < n_periods; p++) {
        char label[32];
        period_label(table, periods[p], label, sizeof label);
        fsio_csv_text(f, label, 1);
        fsio_csv_number(f, period_x(table, periods[p]), 0);
        for (size_t i = 0; i < l->n; i++) {
            const rundir_stat *st = rundir_series_at(l->items[i].s, periods[p]);
            double v[SERIES_STATS] = {NAN, NAN, NAN, NAN, NAN, NAN};
            if (st) {
                v[0] = st->mean;
                v[1] = st->p05;
                v[2] = st->p25;
                v[3] = st->p50;
                v[4] = st->p75;
                v[5] = st->p95;
            }
            for (int k = 0; k < SERIES_STATS; k++)
                fsio_csv_number(f, v[k], 0);
        }
        fputc('\n', f);
    }
    rc = fsio_commit(&out, rc, c->err);
done:
    free(list);
    free(path);
    free(periods);
    return rc;
}

/* "($7*0.01)" or "7": a data column for a using specification. */
static void add_column(sbuf *b, int col, double scale)
{
    if (scale == 1) {
        sbuf_printf(b, "%d", col);
        return;
    }
    sbuf_printf(b, "($%d*", col);
    gnuplot_number_into(b, scale);
    sbuf_puts(b, ")");
}

static int series_has(const rundir_series *s, int which)
{
    for (size_t i = 0; i < s->n; i++) {
        const rundir_stat *st = &s->stat[i];
        double v = which == 2 ? st->p25 : which == 3 ? st->p50 : which == 1 ? st->p05 : st->p95;
        if (isfinite(v))
            return 1;
    }
    return 0;
}

/* ---- fan charts and yearly lines ---------------------------------------------- */

static const char EN_DASH[] = "\xE2\x80\x93";

/* Draws the items as a fan chart (or yearly error lines); items without data are
 * left out, and a chart with none is not drawn. */
/* Leaves out (and frees) the items without a median or a 5 % line to draw; marks those
 * with inner bands.  Returns how many are left. */
static size_t keep_drawable(chart_items *l)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        chart_item *it = &l->items[i];
        if (!series_has(it->s, 3) && !series_has(it->s, 1)) {
            free(it->title);
            continue;
        }
        it->inner = series_has(it->s, 2);
        l->items[kept++] = *it;
    }
    return l->n = kept;
}

/* The smallest and largest values drawn (medians, and the 5-95 % bands when drawn). */
static void value_range(const chart_items *l, const chart_fan_spec *spec, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < l->n; i++) {
        const rundir_series *s = l->items[i].s;
        int outer = l->items[i].band || spec->lines;
        for (size_t k = 0; k < s->n; k++) {
            const rundir_stat *st = &s->stat[k];
            double vals[3] = {st->p50, outer ? st->p05 : NAN, outer ? st->p95 : NAN};
            for (int j = 0; j < 3; j++)
                if (isfinite(vals[j])) {
                    *lo = fmin(*lo, vals[j] * spec->scale);
                    *hi = fmax(*hi, vals[j] * spec->scale);
                }
        }
    }
}

/* The line under the title saying what the lines and bands are, when it is needed. */
static const char *fan_note(const chart_ctx *c, const chart_fan_spec *spec, const chart_items *l)
{
    int banded = 0;
    for (size_t i = 0; i < l->n; i++)
        banded += l->items[i].band;
    if (spec->lines)
        return lang_pick(c->lang,
                         "Points : m\xC3\xA9"
                         "dianes des simulations ; barres : 90 % des simulations",
                         "Points: medians of the runs; bars: 90 % of the runs");
    if (banded > 0 && l->n > 1)
        return lang_pick(c->lang,
                         "Traits : m\xC3\xA9"
                         "dianes des simulations ; bandes : 50 % et 90 % des simulations",
                         "Lines: medians of the runs; bands: 50 % and 90 % of the runs");
    return "";
}

/* The ranges and ticks of both axes: periods first..last on x, values lo..hi on y. */
static void set_axes(const chart_ctx *c, const chart_fan_spec *spec, int first, int last, double lo,
                     double hi, chart_src *s)
{
    if (spec->table == RUNDIR_MONTHLY) {
        s->xrange = first < last ? axis_range(first / 12.0, last / 12.0)
                                 : axis_range(first / 12.0 - 1 / 24.0, last / 12.0 + 1 / 24.0);
        s->xtics = axis_month_ticks(first, last, c->lang);
    } else if (spec->table == RUNDIR_YEARLY) {
        s->xrange = axis_range(first - 0.6, last + 0.6);
        s->xtics = axis_year_ticks(first, last);
    } else {
        s->xrange = axis_range(0, last > 0 ? last : 1);
        s->xtics = axis_duration_ticks(last, c->lang);
    }
    axis_scale y;
    axis_nice(lo, hi, 0, &y);
    s->yrange = axis_range(y.min, y.max);
    s->ytics = axis_value_ticks(&y, spec->suffix, c->lang);
}

const char *chart_style_colour(int lt)
{
    /* the colours of line types 1-8 in plots/common.gp */
    static const char colours[N_STYLES][8] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                              "#E69F00", "#56B4E9", "#000000", "#8C510A"};
    return colours[(lt - 1 + N_STYLES) % N_STYLES];
}

int chart_style(const chart_ctx *c, size_t run)
{
    return (int)((c->first_style + run) % N_STYLES) + 1;
}

/* Which items a plot command list takes: all of them, or those of one run. */
#define ALL_RUNS ((size_t)-1)

static int item_taken(const chart_item *it, size_t only_run)
{
    return only_run == ALL_RUNS || it->run == only_run;
}

/* The plot commands of the 90 % and 50 % bands of the banded items of only_run (data:
 * the quoted data file); *any counts the commands written. */
static void band_commands(sbuf *p, const char *data, const chart_ctx *c, const chart_items *l,
                          const chart_fan_spec *spec, size_t only_run, int *any)
{
    for (size_t i = 0; i < l->n; i++) {
        const chart_item *it = &l->items[i];
        int base = 3 + (int)i * SERIES_STATS, lt = chart_style(c, it->run);
        if (!it->band || !item_taken(it, only_run))
            continue;
        for (int inner = 0; inner <= it->inner; inner++) {
            sbuf_printf(p, "%s%s skip 1 using 2:", (*any)++ ? ", " : "", data);
            add_column(p, inner ? base + 2 : base + 1, spec->scale);
            sbuf_puts(p, ":");
            add_column(p, inner ? base + 4 : base + 5, spec->scale);
            sbuf_printf(p, " with filledcurves fc lt %d fs transparent solid %s noborder ", lt,
                        inner ? "band50" : "band90");
            if (l->n > 1 || only_run != ALL_RUNS) {
                sbuf_puts(p, "notitle");
                continue;
            }
            char title[64];
            snprintf(title, sizeof title, "%s %s%s%s %%", lang_pick(c->lang, "intervalle", "range"),
                     inner ? "25" : "5", EN_DASH, inner ? "75" : "95");
            sbuf_puts(p, "title ");
            gnuplot_quote_into(p, title);
        }
    }
}

/* The legend text of an item in a panel of its run: what follows its run's label. */
static const char *panel_title(const chart_item *it)
{
    const char *dash = NULL; /* the last dash: a run's label may hold one too */
    for (const char *q = it->title; (q = strstr(q, " \xE2\x80\x94 ")); q++)
        dash = q;
    return dash ? dash + 5 : it->title;
}

/* The plot commands of the median lines of only_run's items (or yearly error lines,
 * items spread a little apart so that their bars do not hide each other). */
static void line_commands(sbuf *p, const char *data, const chart_ctx *c, const chart_items *l,
                          const chart_fan_spec *spec, int first, int last, size_t only_run,
                          int *any)
{
    int points = (int)(last - first) / 8 > 1 ? (last - first) / 8 : 1;
    size_t n = 0, k = 0;
    for (size_t i = 0; i < l->n; i++)
        n += item_taken(&l->items[i], only_run);
    double spread = n > 1 ? fmin(0.06, 0.5 / (double)n) : 0;
    for (size_t i = 0; i < l->n; i++) {
        const chart_item *it = &l->items[i];
        if (!item_taken(it, only_run))
            continue;
        int base = 3 + (int)i * SERIES_STATS, lt = chart_style(c, it->run);
        /* a second line of a run: thin, dotted, open points */
        const char *second = it->part ? " dt 3 lw 1.2" : "";
        sbuf_printf(p, "%s%s skip 1 using ", (*any)++ ? ", " : "", data);
        if (spec->lines) {
            sbuf_puts(p, "($2+");
            gnuplot_number_into(p, ((double)k - (double)(n - 1) / 2) * spread);
            sbuf_puts(p, "):");
            add_column(p, base + 3, spec->scale);
            sbuf_puts(p, ":");
            add_column(p, base + 1, spec->scale);
            sbuf_puts(p, ":");
            add_column(p, base + 5, spec->scale);
            sbuf_printf(p, " with yerrorlines lt %d%s%s title ", lt, second,
                        it->part ? " pt 6" : "");
        } else {
            sbuf_puts(p, "2:");
            add_column(p, base + 3, spec->scale);
            if (n == 1 || only_run != ALL_RUNS)
                sbuf_printf(p, " with lines lt %d%s title ", lt, second);
            else
                sbuf_printf(p, " with linespoints lt %d%s%s pi %d title ", lt, second,
                            it->part ? " pt 6" : "", points);
        }
        k++;
        gnuplot_quote_into(p, only_run == ALL_RUNS ? it->title : panel_title(it));
    }
}

/* Whether every value the items would draw is zero or missing. */
static int all_zero(const chart_items *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const rundir_series *s = l->items[i].s;
        for (size_t k = 0; k < s->n; k++) {
            const rundir_stat *st = &s->stat[k];
            const double v[4] = {st->p05, st->p50, st->p95, st->mean};
            for (int j = 0; j < 4; j++)
                if (isfinite(v[j]) && v[j] != 0)
                    return 0;
        }
    }
    return 1;
}

/* How many runs the items come from. */
static size_t runs_of(const chart_items *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        size_t j = 0;
        while (j < i && l->items[j].run != l->items[i].run)
            j++;
        n += j == i;
    }
    return n;
}

/* The model's observed points of the chart's variable (its first item's), written to
 * NAME-observed.csv: the quoted path of that file, or NULL when there are none (or
 * memory ran out, which c->err then says).  *lo and *hi widen to hold them. */
static char *observed_points(chart_ctx *c, const chart_fan_spec *spec, const chart_items *l,
                             double *lo, double *hi)
{
    if (spec->table == RUNDIR_SURVIVAL || l->n == 0)
        return NULL;
    const rundir *run = c->runs[l->items[0].run];
    const char *var = l->items[0].s->name;
    size_t n = rundir_observed(run, spec->table, var, NULL, NULL, 0);
    if (n == 0)
        return NULL;
    int *periods = pc_calloc(n, sizeof *periods);
    double *values = pc_calloc(n, sizeof *values);
    char *path = pc_strf("%s/%s-observed.csv", c->outdir, spec->name);
    char *quoted = NULL;
    fsio_file out;
    if (!periods || !values || !path) {
        pc_fail(c->err, PC_EINTERNAL, "out of memory");
    } else if (fsio_open(&out, path, c->err) == PC_OK) {
        rundir_observed(run, spec->table, var, periods, values, n);
        fputs(spec->table == RUNDIR_MONTHLY ? "month,x,observed\n" : "year,x,observed\n", out.f);
        for (size_t i = 0; i < n; i++) {
            char label[32];
            period_label(spec->table, periods[i], label, sizeof label);
            fsio_csv_text(out.f, label, 1);
            fsio_csv_number(out.f, period_x(spec->table, periods[i]), 0);
            fsio_csv_number(out.f, values[i], 0);
            fputc('\n', out.f);
            *lo = fmin(*lo, values[i] * spec->scale);
            *hi = fmax(*hi, values[i] * spec->scale);
        }
        if (fsio_commit(&out, PC_OK, c->err) == PC_OK)
            quoted = gnuplot_quote(path);
    }
    free(periods);
    free(values);
    free(path);
    return quoted;
}

/* The plot command of the observed points. */
static void observed_command(sbuf *p, const char *obs, double scale, int titled, lang_code lang)
{
    sbuf_printf(p, ", %s skip 1 using 2:", obs);
    add_column(p, 3, scale);
    sbuf_puts(p, " with points pt 7 ps 0.7 lc rgb '#000000' ");
    if (!titled) {
        sbuf_puts(p, "notitle");
        return;
    }
    sbuf_puts(p, "title ");
    gnuplot_quote_into(p, lang_pick(lang, "observ\xC3\xA9", "observed"));
}

/* Small multiples: one panel per run on the axes of the whole chart (set by common.gp),
 * each with the first run's median as a thin grey line under its own lines. */
static char *panel_commands(const chart_ctx *c, const chart_fan_spec *spec, const chart_items *l,
                            const char *data, const char *title, int first, int last,
                            const char *obs)
{
    size_t n_panels = runs_of(l);
    size_t cols = n_panels <= 4 ? 2 : 3, rows = (n_panels + cols - 1) / cols;
    sbuf p = {0};
    sbuf_printf(&p, "set multiplot layout %zu,%zu title %s font ',13'\n", rows, cols, title);
    if (spec->table == RUNDIR_MONTHLY) {
        char *tics = axis_month_ticks_narrow(first, last, c->lang);
        sbuf_printf(&p, "set xtics %s\n", tics ? tics : "autofreq");
        free(tics);
    } else if (spec->table == RUNDIR_YEARLY && last - first > 5) {
        int step = last - first > 25 ? 10 : last - first > 12 ? 5 : 2;
        sbuf_printf(&p, "set xtics %d, %d format '%%.0f'\n", first + (step - first % step) % step,
                    step);
    }
    sbuf_puts(&p,
              "set key inside bottom right vertical font ',8' samplen 2 spacing 1 opaque nobox\n");
    size_t ref = l->items[0].run;
    for (size_t i = 0; i < l->n; i++) {
        size_t run = l->items[i].run;
        size_t j = 0;
        while (j < i && l->items[j].run != run)
            j++;
        if (j < i)
            continue; /* a run's panel is drawn at its first item */
        sbuf_puts(&p, "set title ");
        gnuplot_quote_into(&p, rundir_label(c->runs[run]));
        sbuf_puts(&p, " font ',10'\nplot ");
        int any = 0;
        if (!spec->lines)
            band_commands(&p, data, c, l, spec, run, &any);
        if (run != ref && !spec->lines) {
            size_t main = 0; /* the reference's main line */
            while (main < l->n && (l->items[main].run != ref || l->items[main].part))
                main++;
            int base = 3 + (int)(main < l->n ? main : 0) * SERIES_STATS + 3; /* its p50 */
            sbuf_printf(&p, "%s%s skip 1 using 2:", any++ ? ", " : "", data);
            add_column(&p, base, spec->scale);
            sbuf_puts(&p, " with lines lc rgb '#888888' dt 1 lw 1 notitle");
        }
        size_t mine = 0;
        for (size_t k = 0; k < l->n; k++)
            mine += l->items[k].run == run;
        sbuf sub = {0};
        line_commands(&sub, data, c, l, spec, first, last, run, &any);
        /* one line per panel needs no legend: the panel's title names the run */
        if (mine == 1 && sub.s) {
            char *t = strstr(sub.s, " title '");
            if (t) {
                sbuf_add(&p, sub.s, (size_t)(t - sub.s));
                sbuf_puts(&p, " notitle");
            } else {
                sbuf_puts(&p, sub.s);
            }
        } else if (sub.s) {
            sbuf_puts(&p, sub.s);
        }
        p.oom |= sub.oom;
        sbuf_clear(&sub);
        if (obs)
            observed_command(&p, obs, spec->scale, run == ref, c->lang);
        sbuf_puts(&p, "\n");
    }
    sbuf_puts(&p, "unset multiplot");
    return sbuf_take(&p);
}

/* What the template of small multiples holds: the commands of the panels. */
static const char TPL_PANELS[] = "@PLOT@\nunset output\n";

int chart_fan(chart_ctx *c, const chart_fan_spec *spec, chart_items *l)
{
    if (keep_drawable(l) == 0)
        return PC_OK;
    if (all_zero(l))
        return plot_list_add_empty(c->list, spec->title)
                   ? pc_fail(c->err, PC_EINTERNAL, "out of memory")
                   : PC_OK;
    int first = 0, last = 0;
    int rc = write_series_data(c, spec->name, spec->table, l, &first, &last);
    if (rc)
        return rc;
    double lo, hi;
    value_range(l, spec, &lo, &hi);
    char *obs = observed_points(c, spec, l, &lo, &hi);
    int panels = runs_of(l) > CHART_MAX_OVERLAY;
    chart_src s = {.name = spec->name,
                   .key = spec->key  ? spec->key
                          : l->n > 8 ? "outside right top vertical font ',9'"
                                     : "below center horizontal",
                   .tpl = panels        ? TPL_PANELS
                          : spec->lines ? c->tpl_lines
                                        : c->tpl_fan,
                   .tpl_name = panels        ? "panels"
                               : spec->lines ? "lines.gp"
                                             : "fan.gp"};
    char *subtitle = subtitle_of(c);
    s.title = title_expr(spec->title, subtitle, fan_note(c, spec, l));
    free(subtitle);
    s.xlabel = gnuplot_quote(spec->xlabel ? spec->xlabel : "");
    s.ylabel = gnuplot_quote(spec->ylabel);
    set_axes(c, spec, first, last, lo, hi, &s);
    char *path = pc_strf("%s/%s.csv", c->outdir, spec->name);
    char *data = path ? gnuplot_quote(path) : NULL;
    free(path);
    if (data && panels && s.title) {
        s.plot = panel_commands(c, spec, l, data, s.title, first, last, obs);
        free(s.title);
        s.title = pc_strdup("''");
    } else if (data) {
        sbuf p = {0};
        int any = 0;
        if (!spec->lines)
            band_commands(&p, data, c, l, spec, ALL_RUNS, &any);
        line_commands(&p, data, c, l, spec, first, last, ALL_RUNS, &any);
        if (obs)
            observed_command(&p, obs, spec->scale, 1, c->lang);
        s.plot = sbuf_take(&p);
    }
    free(data);
    free(obs);
    rc = emit(c, &s, spec->title, spec->group);
    chart_src_free(&s);
    return rc;
}

/* ---- stacked yearly bars ---------------------------------------------------------- */

const char *chart_part_fill(const char *name, int taken[8])
{
    /* colours apart from the scenarios' first ones, each with its own pattern */
    static const char fills[N_STYLES][48] = {
        "fc rgb '#4477AA' fs solid 0.85", "fc rgb '#EE6677' fs pattern 4",
        "fc rgb '#228833' fs solid 0.6",  "fc rgb '#CCBB44' fs pattern 5",
        "fc rgb '#66CCEE' fs solid 0.7",  "fc rgb '#AA3377' fs pattern 6",
        "fc rgb '#BBBBBB' fs solid 0.8",  "fc rgb '#332288' fs pattern 7"};
    static const char known[][16] = {"departement", "etat",    "region",   "fse",
                                     "caf",         "commune", "communes", "france_travail"};
    const char *dot = strchr(name, '.');
    const char *key = dot ? dot + 1 : name;
    unsigned h = 2166136261u; /* FNV-1a: a fill that depends on the name only */
    for (const char *q = key; *q; q++)
        h = (h ^ (unsigned char)*q) * 16777619u;
    size_t slot = h % N_STYLES;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(key, known[i]) == 0)
            slot = i < 6 ? i : i - 1; /* commune and communes alike */
    for (int tries = 0; tries < N_STYLES && taken && taken[slot]; tries++)
        slot = (slot + 1) % N_STYLES;
    if (taken)
        taken[slot] = 1;
    return fills[slot];
}

/* The numbers of a stacked-bar chart: for each year and run, each part's mean with the
 * bottom and top of its box, then the total's mean, 5 % and 95 %. */
typedef struct {
    const char *const *parts;
    size_t m, n_runs, per_run; /* parts, runs, cells per run: 3 m + 3 */
    const char *total_var;
    int *years;
    size_t n_years;
    double *cells; /* [year][run][per_run] */
    double lo, hi; /* the lowest and highest point drawn */
} bar_table;

/* The cells of one run in one year. */
static void bar_cells(const bar_table *t, const rundir_series *const *found, int year, double *cell,
                      double *lo, double *hi)
{
    double base = 0;
    for (size_t j = 0; j < t->m; j++) {
        const rundir_stat *st = found[j] ? rundir_series_at(found[j], year) : NULL;
        double mean = st ? st->mean : NAN;
        cell[3 * j] = mean;
        cell[3 * j + 1] = base;
        base += isfinite(mean) ? mean : 0;
        cell[3 * j + 2] = base;
        *lo = fmin(*lo, base);
    }
    const rundir_stat *st = found[t->m] ? rundir_series_at(found[t->m], year) : NULL;
    cell[3 * t->m] = st ? st->mean : base;
    cell[3 * t->m + 1] = st ? st->p05 : NAN;
    cell[3 * t->m + 2] = st ? st->p95 : NAN;
    *hi = fmax(*hi, base);
    if (isfinite(cell[3 * t->m + 2]))
        *hi = fmax(*hi, cell[3 * t->m + 2]);
}

/* Fills t from the runs' yearly tables; t->n_years is 0 when there is nothing to draw. */
static int bar_table_fill(const chart_ctx *c, bar_table *t)
{
    size_t m = t->m, n_runs = t->n_runs;
    const rundir_series **found = pc_calloc(n_runs * (m + 1), sizeof *found);
    if (!found)
        return pc_fail(c->err, PC_EENV, "out of memory");
    for (size_t r = 0; r < n_runs; r++) {
        for (size_t j = 0; j <= m; j++)
            found[r * (m + 1) + j] =
                j < m || t->total_var
                    ? rundir_find(c->runs[r], RUNDIR_YEARLY, j < m ? t->parts[j] : t->total_var)
                    : NULL;
    }
    int rc = PC_OK;
    if (!(t->years = union_periods(found, n_runs * (m + 1), &t->n_years)))
        rc = pc_fail(c->err, PC_EENV, "out of memory");
    else if (t->n_years > 0 && m > 0 &&
             !(t->cells = pc_calloc(t->n_years * n_runs * t->per_run, sizeof *t->cells)))
        rc = pc_fail(c->err, PC_EENV, "out of memory");
    for (size_t y = 0; !rc && m > 0 && y < t->n_years; y++)
        for (size_t r = 0; r < n_runs; r++)
            bar_cells(t, found + r * (m + 1), t->years[y], t->cells + (y * n_runs + r) * t->per_run,
                      &t->lo, &t->hi);
    if (m == 0)
        t->n_years = 0;
    free(found);
    return rc;
}

/* Writes the table as the chart's data file: year, x, then the cells of every run. */
static int bar_table_write(const chart_ctx *c, const bar_table *t, const char *path)
{
    fsio_file out;
    int rc = fsio_open(&out, path, c->err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fsio_csv_text(f, "year", 1);
    fsio_csv_text(f, "x", 0);
    static const char part_cols[3][5] = {"mean", "base", "top"};
    static const char total_cols[3][5] = {"mean", "p05", "p95"};
    for (size_t r = 0; r < t->n_runs && !rc; r++)
        for (size_t j = 0; j <= t->m && !rc; j++)
            for (int k = 0; k < 3 && !rc; k++) {
                char *head = pc_strf("%zu:%s:%s", r + 1,
                                     j < t->m       ? t->parts[j]
                                     : t->total_var ? t->total_var
                                                    : "total",
                                     j < t->m ? part_cols[k] : total_cols[k]);
                if (head)
                    fsio_csv_text(f, head, 0);
                else
                    rc = pc_fail(c->err, PC_EENV, "out of memory");
                free(head);
            }
    fputc('\n', f);
    for (size_t y = 0; y < t->n_years; y++) {
        char label[16];
        snprintf(label, sizeof label, "%d", t->years[y]);
        fsio_csv_text(f, label, 1);
        fsio_csv_number(f, t->years[y], 0);
        for (size_t k = 0; k < t->n_runs * t->per_run; k++)
            fsio_csv_number(f, t->cells[y * t->n_runs * t->per_run + k], 0);
        fputc('\n', f);
    }
    return fsio_commit(&out, rc, c->err);
}

/* The title, the subtitle and, with several runs, which bar is which run, wrapped into
 * lines of about 100 characters. */
static char *bars_title(const chart_ctx *c, const char *title)
{
    char *subtitle = subtitle_of(c);
    sbuf expr = {0}, line = {0};
    gnuplot_quote_into(&expr, title);
    sbuf_puts(&expr, " . \"\\n\" . ");
    gnuplot_quote_into(&expr, subtitle ? subtitle : "");
    for (size_t r = 0; c->n_runs > 1 && r <= c->n_runs; r++) {
        char *part = r < c->n_runs ? pc_strf("%s%zu = %s",
                                             r ? ", " : lang_pick(c->lang, "Barres : ", "Bars: "),
                                             r + 1, rundir_label(c->runs[r]))
                                   : NULL;
        if (line.len > 0 && (r == c->n_runs || line.len + (part ? strlen(part) : 0) > 100)) {
            sbuf_puts(&expr, " . \"\\n\" . ");
            gnuplot_quote_into(&expr, line.s);
            line.len = 0;
        }
        if (part)
            sbuf_puts(&line, line.len == 0 && r ? part + 2 : part);
        else if (r < c->n_runs)
            expr.oom = 1;
        free(part);
    }
    sbuf_clear(&line);
    free(subtitle);
    return sbuf_take(&expr);
}

/* The plot commands of the parts' boxes, run by run side by side (data: the quoted data
 * file); each part's legend once. */
static void box_commands(sbuf *p, const char *data, const chart_ctx *c, const bar_table *t)
{
    double width = 0.8 / (double)t->n_runs, half = width / 2 * 0.92;
    int taken[N_STYLES] = {0};
    for (size_t j = 0; j < t->m; j++) {
        const char *fill = chart_part_fill(t->parts[j], taken);
        char *label = rundir_var_label(c->runs[0], t->parts[j], c->lang);
        for (size_t r = 0; r < t->n_runs; r++) {
            int col = 3 + (int)(r * t->per_run + 3 * j);
            double off = ((double)r - (double)(t->n_runs - 1) / 2) * width;
            sbuf_printf(p, "%s%s skip 1 using ($2+", j || r ? ", " : "", data);
            gnuplot_number_into(p, off);
            sbuf_printf(p, "):(($%d+$%d)/2*1e-6):($2+", col + 1, col + 2);
            gnuplot_number_into(p, off - half);
            sbuf_puts(p, "):($2+");
            gnuplot_number_into(p, off + half);
            sbuf_printf(p,
                        "):($%d*1e-6):($%d*1e-6) with boxxyerror dt 1 lw 1 %s "
                        "border lc rgb '#333333' ",
                        col + 1, col + 2, fill);
            if (r == 0) {
                sbuf_puts(p, "title ");
                gnuplot_quote_into(p, label ? label : t->parts[j]);
            } else {
                sbuf_puts(p, "notitle");
            }
        }
        free(label);
    }
}

/* The plot commands of each run's total: its 90 % interval as an error bar and, with
 * several runs, the run's number above its bar. */
static void total_commands(sbuf *p, const char *data, const chart_ctx *c, const bar_table *t)
{
    double width = 0.8 / (double)t->n_runs;
    for (size_t r = 0; r < t->n_runs; r++) {
        int col = 3 + (int)(r * t->per_run + 3 * t->m);
        int top = 3 + (int)(r * t->per_run + 3 * (t->m - 1)) + 2;
        double off = ((double)r - (double)(t->n_runs - 1) / 2) * width;
        if (t->total_var) {
            sbuf_printf(p, ", %s skip 1 using ($2+", data);
            gnuplot_number_into(p, off);
            sbuf_printf(p,
                        "):($%d*1e-6):($%d*1e-6):($%d*1e-6) with yerrorbars lc rgb '#000000' dt 1 "
                        "lw 1.5 pt 0 ",
                        col, col + 1, col + 2);
            if (r == 0) {
                sbuf_puts(p, "title ");
                gnuplot_quote_into(p, lang_pick(c->lang, "intervalle \xC3\xA0 90 % du total",
                                                "90 % interval of the total"));
            } else {
                sbuf_puts(p, "notitle");
            }
        }
        if (t->n_runs > 1) {
            sbuf_printf(p, ", %s skip 1 using ($2+", data);
            gnuplot_number_into(p, off);
            sbuf_printf(p,
                        "):((valid(%d) && $%d > $%d ? $%d : $%d)*1e-6):('%zu') with labels "
                        "offset 0,0.8 font ',10' notitle",
                        col + 2, col + 2, top, col + 2, top, r + 1);
        }
    }
}

int chart_bars(chart_ctx *c, const char *name, const char *title, const char *const *parts,
               size_t n_parts, const char *total_var)
{
    bar_table t = {.parts = parts,
                   .m = n_parts,
                   .n_runs = c->n_runs,
                   .per_run = 3 * n_parts + 3,
                   .total_var = total_var};
    char *path = pc_strf("%s/%s.csv", c->outdir, name);
    /* many parts: the key goes beside the chart rather than eat its height */
    chart_src s = {.name = name,
                   .key = n_parts > 7 ? "below center horizontal maxcols 3 font ',9'"
                                      : "below center horizontal",
                   .tpl = c->tpl_bars,
                   .tpl_name = "bars.gp"};
    int rc = path ? bar_table_fill(c, &t) : pc_fail(c->err, PC_EENV, "out of memory");
    if (rc || t.n_years == 0 || (rc = bar_table_write(c, &t, path)))
        goto done;
    const double scale = 1e-6; /* euros are drawn in millions */
    axis_scale yaxis;
    axis_nice(t.lo * scale, t.hi * scale, 1, &yaxis);
    s.ylabel =
        gnuplot_quote(lang_pick(c->lang, "M\xE2\x82\xAC par an", "\xE2\x82\xAC million per year"));
    s.xrange = axis_range(t.years[0] - 0.6, t.years[t.n_years - 1] + 0.6);
    s.xtics = axis_year_ticks(t.years[0], t.years[t.n_years - 1]);
    s.yrange = axis_range(yaxis.min, yaxis.max);
    s.ytics = axis_value_ticks(&yaxis, "", c->lang);
    s.title = bars_title(c, title);
    s.xlabel = gnuplot_quote("");
    char *data = gnuplot_quote(path);
    if (data) {
        sbuf p = {0};
        box_commands(&p, data, c, &t);
        total_commands(&p, data, c, &t);
        s.plot = sbuf_take(&p);
    }
    free(data);
    rc = emit(c, &s, title, "budget");
done:
    chart_src_free(&s);
    free(path);
    free(t.years);
    free(t.cells);
    return rc;
}

/* ---- templates and outputs ---------------------------------------------------- */

static char *find_templates(const char *templates)
{
    if (templates)
        return pc_strdup(templates);
    const char *env = getenv("PARCOURS_PLOTS");
    if (env && *env)
        return pc_strdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char *dir = pc_strf("%s/../plots", exe);
            char *probe = dir ? pc_strf("%s/common.gp", dir) : NULL;
            int found = probe && access(probe, R_OK) == 0;
            free(probe);
            if (found)
                return dir;
            free(dir);
        }
    }
    return pc_strdup("plots");
}

int chart_load_templates(chart_ctx *c, const char *templates)
{
    if (!(c->tpl_dir = find_templates(templates)))
        return pc_fail(c->err, PC_EENV, "out of memory");
    char **slots[] = {&c->tpl_common, &c->tpl_fan, &c->tpl_bars, &c->tpl_lines};
    const char *names[] = {"common.gp", "fan.gp", "bars.gp", "lines.gp"};
    for (size_t i = 0; i < 4; i++) {
        char *path = pc_strf("%s/%s", c->tpl_dir, names[i]);
        if (!path)
            return pc_fail(c->err, PC_EENV, "out of memory");
        int rc = fsio_read_text(path, slots[i], c->err);
        if (rc == PC_EINPUT)
            pc_fail(c->err, PC_EINPUT,
                    "cannot read the chart template %s (set PARCOURS_PLOTS to the plots/ folder "
                    "of parcours)",
                    path);
        free(path);
        if (rc)
            return rc;
    }
    return PC_OK;
}

int chart_check_outputs(const chart_ctx *c)
{
    for (size_t i = 0; i < c->list->n; i++)
        for (unsigned f = GNUPLOT_PNG; f <= GNUPLOT_PDF; f <<= 1) {
            if (!(c->formats & f))
                continue;
            char *path =
                pc_strf("%s/%s.%s", c->outdir, c->list->charts[i].name, gnuplot_extension(f));
            struct stat st;
            int ok = path && stat(path, &st) == 0 && st.st_size > 0;
            int rc = ok ? PC_OK
                        : pc_fail(c->err, PC_EINPUT, "gnuplot wrote no %s",
                                  path ? path : c->list->charts[i].name);
            free(path);
            if (rc)
                return rc;
        }
    return PC_OK;
}

void chart_ctx_clear(chart_ctx *c)
{
    sbuf_clear(&c->script);
    free(c->tpl_dir);
    free(c->tpl_common);
    free(c->tpl_fan);
    free(c->tpl_bars);
    free(c->tpl_lines);
    c->tpl_dir = c->tpl_common = c->tpl_fan = c->tpl_bars = c->tpl_lines = NULL;
}

void chart_emit(sbuf *script, const char *stem, const char *head, const char *plot)
{
    for (unsigned t = GNUPLOT_PNG; t <= GNUPLOT_SVG; t <<= 1) {
        char *out = pc_strf("%s.%s", stem, gnuplot_extension(t));
        sbuf_printf(script, "reset\nset encoding utf8\nset terminal %s\nset output ",
                    gnuplot_terminal(t));
        gnuplot_quote_into(script, out ? out : "?");
        free(out);
        sbuf_puts(script, "\nset datafile separator comma\nset datafile missing 'NA'\n"
                          "set border 3 lc rgb '#444444'\nset tics nomirror out scale 0.8,0.4\n"
                          "set grid ytics lc rgb '#dddddd' lw 1 dt 1\n");
        for (int lt = 1; lt <= N_STYLES; lt++)
            sbuf_printf(script, "set linetype %d lc rgb '%s' lw 2\n", lt, chart_style_colour(lt));
        sbuf_puts(script, head);
        if (*plot)
            sbuf_printf(script, "plot %s\n", plot);
        sbuf_puts(script, "unset multiplot\nunset output\n");
    }
}

int chart_run_script(const char *dir, const char *gp_name, const sbuf *script, plot_list *list,
                     pc_err *err)
{
    if (script->oom)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = PC_OK;
    char *gp = pc_strf("%s/%s", dir, gp_name);
    fsio_file out;
    if (!gp)
        return pc_fail(err, PC_EENV, "out of memory");
    if (!(rc = fsio_open(&out, gp, err))) {
        fwrite(script->s, 1, script->len, out.f);
        rc = fsio_commit(&out, rc, err);
    }
    free(gp);
    if (rc)
        return rc;
    return gnuplot_run(script->s, script->len, dir, list->notes ? NULL : &list->notes, err);
}
