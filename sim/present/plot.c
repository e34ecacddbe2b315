/* plot — charts of run folders through gnuplot (see plot.h).
 *
 * Three layers: reading a run folder into series (libcsv through cfg), building
 * each chart (its data file, its tick labels, its plot command) into one gnuplot
 * script, and piping that script to gnuplot with its stderr kept in a file.
 * Every piece of text that comes from a file goes through gnuplot_quote_into. */
#include "plot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/fsio.h"
#include "gnuplot.h"
#include "lang.h"
#include "rundir.h"
#include "sbuf.h"

#define N_STYLES     8 /* line types defined by plots/common.gp */
#define SERIES_STATS 6 /* mean p05 p25 p50 p75 p95: data columns per series */

/* ---- drawing context ------------------------------------------------------ */

typedef struct {
    size_t n, cap;
    char **items;
} strlist;

static int strlist_add(strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->items[i], s) == 0)
            return PC_OK;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **bigger = realloc(l->items, cap * sizeof *bigger);
        if (!bigger)
            return PC_EINTERNAL;
        l->items = bigger;
        l->cap = cap;
    }
    if (!(l->items[l->n] = pc_strdup(s)))
        return PC_EINTERNAL;
    l->n++;
    return PC_OK;
}

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

typedef struct {
    const rundir *const *runs;
    size_t n_runs;
    lang_code lang;
    unsigned formats;
    const char *outdir;
    char *tpl_dir;
    char *tpl_common, *tpl_fan, *tpl_bars, *tpl_lines;
    sbuf script;
    plot_list *list;
    pc_err *err;
} draw_ctx;

/* One plotted series: a variable of one run. */
typedef struct {
    size_t run;
    const rundir_series *s;
    char *title; /* legend text, plain */
    int band;    /* draw its 25-75 % and 5-95 % bands */
    int inner;   /* it has p25 and p75 (survival curves do not) */
} item;

typedef struct {
    size_t n, cap;
    item *items;
} itemlist;

static int items_add(itemlist *l, size_t run, const rundir_series *s, char *title, int band)
{
    if (!title)
        return PC_EINTERNAL;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        item *bigger = realloc(l->items, cap * sizeof *bigger);
        if (!bigger) {
            free(title);
            return PC_EINTERNAL;
        }
        l->items = bigger;
        l->cap = cap;
    }
    l->items[l->n++] = (item){.run = run, .s = s, .title = title, .band = band};
    return PC_OK;
}

static void items_free(itemlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].title);
    free(l->items);
    memset(l, 0, sizeof *l);
}

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

/* ---- axes ------------------------------------------------------------------- */

typedef struct {
    double min, max, step;
    int decimals;
} axis;

/* Round bounds and a step of 1, 2, 2.5 or 5 times a power of ten giving about
 * five intervals. */
static void nice_axis(double lo, double hi, int from_zero, axis *a)
{
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    /* bars start at zero; lines too unless their data keep far from it, where a
     * zero would flatten the bands into one line */
    if (lo > 0 && (from_zero || lo < 0.4 * hi))
        lo = 0;
    else if (lo > 0)
        lo -= 0.05 * (hi - lo);
    if (hi <= lo)
        hi = lo + (fabs(lo) > 0 ? fabs(lo) * 0.1 : 1);
    double raw = (hi - lo) / 5;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
    a->step = step;
    a->min = floor(lo / step + 1e-9) * step;
    a->max = ceil(hi / step - 1e-9) * step;
    a->decimals = 0;
    while (a->decimals < 6) {
        double scaled = step * pow(10, a->decimals);
        if (fabs(scaled - round(scaled)) < 1e-6 * scaled)
            break;
        a->decimals++;
    }
}

/* A tick of an explicit list; gnuplot reads its label as a format for the tick's
 * value, so a '%' is written twice. */
static void sb_tick(sbuf *b, int *first, const char *label, double x, int minor)
{
    if (!*first)
        sbuf_puts(b, ", ");
    *first = 0;
    sbuf escaped = {0};
    for (const char *p = label; *p; p++) {
        if (*p == '%')
            sbuf_add(&escaped, "%", 1);
        sbuf_add(&escaped, p, 1);
    }
    gnuplot_quote_into(b, escaped.oom ? "?" : escaped.s ? escaped.s : "");
    sbuf_clear(&escaped);
    sbuf_puts(b, " ");
    gnuplot_number_into(b, x);
    if (minor)
        sbuf_puts(b, " 1");
}

static char *y_ticks(const axis *a, const char *suffix, lang_code lang)
{
    sbuf b = {0};
    int first = 1;
    sbuf_puts(&b, "(");
    long n = lround((a->max - a->min) / a->step);
    for (long i = 0; i <= n; i++) {
        double v = a->min + (double)i * a->step;
        if (fabs(v) < a->step * 1e-9)
            v = 0;
        char num[64], label[80];
        lang_number(v, a->decimals, lang, num, sizeof num);
        snprintf(label, sizeof label, "%s%s", num, suffix);
        sb_tick(&b, &first, label, v, 0);
    }
    sbuf_puts(&b, ")");
    return sbuf_take(&b);
}

/* Months as x = year + (month - 1) / 12: labels at Januaries (or every 3 or 6
 * months on short runs, every 2, 5 or 10 years on long ones), minor ticks between. */
static char *month_ticks(int first, int last, lang_code lang)
{
    int span = last - first;
    int step = span <= 30    ? 3
               : span <= 60  ? 6
               : span <= 180 ? 12
               : span <= 360 ? 24
               : span <= 900 ? 60
                             : 120;
    int minor = step <= 6 ? 1 : step == 12 ? 3 : 12;
    sbuf b = {0};
    int first_tick = 1;
    sbuf_puts(&b, "(");
    for (int ym = first; ym <= last; ym++) {
        if (ym % minor != 0 && ym % step != 0)
            continue;
        char label[40] = "";
        if (ym % step == 0)
            lang_month(ym / 12, ym % 12 + 1, lang, label, sizeof label);
        sb_tick(&b, &first_tick, label, ym / 12.0, ym % step != 0);
    }
    sbuf_puts(&b, ")");
    return sbuf_take(&b);
}

static char *year_ticks(int first, int last)
{
    int span = last - first;
    int step = span <= 15 ? 1 : span <= 30 ? 2 : span <= 75 ? 5 : 10;
    sbuf b = {0};
    int first_tick = 1;
    sbuf_puts(&b, "(");
    for (int y = first; y <= last; y++) {
        if (y % step != 0 && step > 1)
            continue;
        char label[16];
        snprintf(label, sizeof label, "%d", y);
        sb_tick(&b, &first_tick, label, y, 0);
    }
    sbuf_puts(&b, ")");
    return sbuf_take(&b);
}

static char *duration_ticks(int last, lang_code lang)
{
    int step = last <= 36 ? 6 : last <= 180 ? 12 : last <= 600 ? 60 : 120;
    int minor = step == 6 ? 1 : step == 12 ? 3 : 12;
    sbuf b = {0};
    int first_tick = 1;
    sbuf_puts(&b, "(");
    for (int d = 0; d <= last; d++) {
        if (d % minor != 0 && d % step != 0)
            continue;
        char label[40] = "";
        if (d % step == 0) {
            int years = d / 12;
            if (d == 0)
                snprintf(label, sizeof label, "0");
            else if (d % 12 == 0)
                snprintf(label, sizeof label, "%d %s", years,
                         lang == LANG_EN ? (years > 1 ? "years" : "year")
                                         : (years > 1 ? "ans" : "an"));
            else
                snprintf(label, sizeof label, "%d %s", d, lang_pick(lang, "mois", "months"));
        }
        sb_tick(&b, &first_tick, label, d, d % step != 0);
    }
    sbuf_puts(&b, ")");
    return sbuf_take(&b);
}

static char *range_text(double lo, double hi)
{
    sbuf b = {0};
    sbuf_puts(&b, "[");
    gnuplot_number_into(&b, lo);
    sbuf_puts(&b, ":");
    gnuplot_number_into(&b, hi);
    sbuf_puts(&b, "]");
    return sbuf_take(&b);
}

/* ---- script assembly ------------------------------------------------------ */

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
static int emit(draw_ctx *c, chart_src *s, const char *caption, const char *group)
{
    int rc = PC_OK;
    if (!s->title || !s->xlabel || !s->ylabel || !s->xrange || !s->yrange || !s->xtics ||
        !s->ytics || !s->plot)
        return pc_fail(c->err, PC_EINTERNAL, "out of memory");
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
            return pc_fail(c->err, PC_EINTERNAL, "out of memory");
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
        return pc_fail(c->err, PC_EINTERNAL, "out of memory");
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

static char *subtitle_of(const draw_ctx *c)
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

/* Writes name.csv: period, x, then mean p05 p25 p50 p75 p95 of each item. */
static int write_series_data(draw_ctx *c, const char *name, rundir_table table, const itemlist *l,
                             int *first, int *last)
{
    const rundir_series **list = pc_calloc(l->n, sizeof *list);
    char *path = pc_strf("%s/%s.csv", c->outdir, name);
    size_t n_periods = 0;
    int *periods = NULL;
    fsio_file out;
    int rc = PC_OK;
    if (!list || !path) {
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < l->n; i++)
        list[i] = l->items[i].s;
    if (!(periods = union_periods(list, l->n, &n_periods))) {
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
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
                rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
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
static void sb_col(sbuf *b, int col, double scale)
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

typedef struct {
    const char *name, *group, *title, *xlabel, *ylabel, *suffix;
    const char *key; /* key placement; NULL: below the chart */
    rundir_table table;
    double scale;
    int lines; /* yearly medians with error bars instead of bands */
} fan_spec;

static const char EN_DASH[] = "\xE2\x80\x93";

/* Draws the items as a fan chart (or yearly error lines); items without data are
 * left out, and a chart with none is not drawn. */
static int draw_series(draw_ctx *c, const fan_spec *spec, itemlist *l)
{
    size_t kept = 0;
    for (size_t i = 0; i < l->n; i++) {
        item *it = &l->items[i];
        if (!series_has(it->s, 3) && !series_has(it->s, 1)) {
            free(it->title);
            continue;
        }
        it->inner = series_has(it->s, 2);
        l->items[kept++] = *it;
    }
    l->n = kept;
    if (kept == 0)
        return PC_OK;
    int first = 0, last = 0;
    int rc = write_series_data(c, spec->name, spec->table, l, &first, &last);
    if (rc)
        return rc;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < l->n; i++) {
        const rundir_series *s = l->items[i].s;
        for (size_t k = 0; k < s->n; k++) {
            const rundir_stat *st = &s->stat[k];
            double vals[3] = {st->p50, l->items[i].band || spec->lines ? st->p05 : NAN,
                              l->items[i].band || spec->lines ? st->p95 : NAN};
            for (int j = 0; j < 3; j++)
                if (isfinite(vals[j])) {
                    lo = fmin(lo, vals[j] * spec->scale);
                    hi = fmax(hi, vals[j] * spec->scale);
                }
        }
    }
    axis y;
    nice_axis(lo, hi, 0, &y);
    chart_src s = {.name = spec->name,
                   .key = spec->key  ? spec->key
                          : l->n > 8 ? "outside right top vertical font ',9'"
                                     : "below center horizontal"};
    s.tpl = spec->lines ? c->tpl_lines : c->tpl_fan;
    s.tpl_name = spec->lines ? "lines.gp" : "fan.gp";
    int banded = 0;
    for (size_t i = 0; i < l->n; i++)
        banded += l->items[i].band;
    const char *note = "";
    if (spec->lines)
        note = lang_pick(c->lang,
                         "Points : m\xC3\xA9"
                         "dianes des simulations ; barres : 90 % des simulations",
                         "Points: medians of the runs; bars: 90 % of the runs");
    else if (banded > 0 && l->n > 1)
        note = lang_pick(c->lang,
                         "Traits : m\xC3\xA9"
                         "dianes des simulations ; bandes : 50 % et 90 % des simulations",
                         "Lines: medians of the runs; bands: 50 % and 90 % of the runs");
    char *subtitle = subtitle_of(c);
    s.title = title_expr(spec->title, subtitle, note);
    free(subtitle);
    s.xlabel = gnuplot_quote(spec->xlabel ? spec->xlabel : "");
    s.ylabel = gnuplot_quote(spec->ylabel);
    if (spec->table == RUNDIR_MONTHLY) {
        s.xrange = first < last ? range_text(first / 12.0, last / 12.0)
                                : range_text(first / 12.0 - 1 / 24.0, last / 12.0 + 1 / 24.0);
        s.xtics = month_ticks(first, last, c->lang);
    } else if (spec->table == RUNDIR_YEARLY) {
        s.xrange = range_text(first - 0.6, last + 0.6);
        s.xtics = year_ticks(first, last);
    } else {
        s.xrange = range_text(0, last > 0 ? last : 1);
        s.xtics = duration_ticks(last, c->lang);
    }
    s.yrange = range_text(y.min, y.max);
    s.ytics = y_ticks(&y, spec->suffix, c->lang);

    char *data = pc_strf("%s/%s.csv", c->outdir, spec->name);
    char *quoted = data ? gnuplot_quote(data) : NULL;
    free(data);
    sbuf p = {0};
    int any = 0;
    int single = l->n == 1;
    int points = (int)(last - first) / 8 > 1 ? (last - first) / 8 : 1;
    for (size_t i = 0; i < l->n && quoted && !spec->lines; i++) {
        const item *it = &l->items[i];
        int base = 3 + (int)i * SERIES_STATS, lt = (int)i % N_STYLES + 1;
        if (!it->band)
            continue;
        for (int inner = 0; inner <= it->inner; inner++) {
            sbuf_printf(&p, "%s%s skip 1 using 2:", any++ ? ", " : "", quoted);
            sb_col(&p, inner ? base + 2 : base + 1, spec->scale);
            sbuf_puts(&p, ":");
            sb_col(&p, inner ? base + 4 : base + 5, spec->scale);
            sbuf_printf(&p, " with filledcurves fc lt %d fs transparent solid %s noborder ", lt,
                        inner ? "band50" : "band90");
            if (single) {
                char title[64];
                snprintf(title, sizeof title, "%s %s%s%s %%",
                         lang_pick(c->lang, "intervalle", "range"), inner ? "25" : "5", EN_DASH,
                         inner ? "75" : "95");
                sbuf_puts(&p, "title ");
                gnuplot_quote_into(&p, title);
            } else {
                sbuf_puts(&p, "notitle");
            }
        }
    }
    double spread = l->n > 1 ? fmin(0.06, 0.5 / (double)l->n) : 0;
    for (size_t i = 0; i < l->n && quoted; i++) {
        const item *it = &l->items[i];
        int base = 3 + (int)i * SERIES_STATS, lt = (int)i % N_STYLES + 1;
        sbuf_printf(&p, "%s%s skip 1 using ", any++ ? ", " : "", quoted);
        if (spec->lines) {
            sbuf_puts(&p, "($2+");
            gnuplot_number_into(&p, ((double)i - (double)(l->n - 1) / 2) * spread);
            sbuf_puts(&p, "):");
            sb_col(&p, base + 3, spec->scale);
            sbuf_puts(&p, ":");
            sb_col(&p, base + 1, spec->scale);
            sbuf_puts(&p, ":");
            sb_col(&p, base + 5, spec->scale);
            sbuf_printf(&p, " with yerrorlines lt %d title ", lt);
        } else {
            sbuf_puts(&p, "2:");
            sb_col(&p, base + 3, spec->scale);
            if (single)
                sbuf_printf(&p, " with lines lt %d title ", lt);
            else
                sbuf_printf(&p, " with linespoints lt %d pi %d title ", lt, points);
        }
        gnuplot_quote_into(&p, it->title);
    }
    s.plot = quoted ? sbuf_take(&p) : NULL;
    sbuf_clear(&p);
    free(quoted);
    rc = emit(c, &s, spec->title, spec->group);
    chart_src_free(&s);
    return rc;
}

/* ---- stacked yearly bars ---------------------------------------------------------- */

static const char *fill_style(size_t j)
{
    static const char fills[N_STYLES][12] = {"solid 0.85", "pattern 4", "solid 0.45", "pattern 5",
                                             "pattern 1",  "solid 0.2", "pattern 6",  "pattern 7"};
    return fills[(j + j / N_STYLES) % N_STYLES]; /* past 8 parts, a new colour-fill pairing */
}

/* Yearly amounts of the variables `components` stacked per run (side by side when
 * several runs), with the 5-95 % interval of total_var as an error bar. */
static int draw_bars(draw_ctx *c, const char *name, const char *title, const strlist *parts,
                     const char *total_var)
{
    size_t n_runs = c->n_runs, m = parts->n, per_run = 3 * m + 3;
    const rundir_series **found = pc_calloc(n_runs * (m + 1), sizeof *found);
    char *path = pc_strf("%s/%s.csv", c->outdir, name);
    int *years = NULL;
    size_t n_years = 0;
    double *cells = NULL;
    int rc = PC_OK;
    /* many parts: the key goes beside the chart rather than eat its height */
    chart_src s = {.name = name,
                   .key = parts->n > 7 ? "outside right top vertical font ',9'"
                                       : "below center horizontal"};
    if (!found || !path) {
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
        goto done;
    }
    for (size_t r = 0; r < n_runs; r++) {
        for (size_t j = 0; j < m; j++)
            found[r * (m + 1) + j] = rundir_find(c->runs[r], RUNDIR_YEARLY, parts->items[j]);
        found[r * (m + 1) + m] = rundir_find(c->runs[r], RUNDIR_YEARLY, total_var);
    }
    if (!(years = union_periods(found, n_runs * (m + 1), &n_years))) {
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
        goto done;
    }
    if (n_years == 0 || m == 0)
        goto done;
    if (!(cells = pc_calloc(n_years * n_runs * per_run, sizeof *cells))) {
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
        goto done;
    }
    double lo = 0, hi = 0;
    for (size_t y = 0; y < n_years; y++)
        for (size_t r = 0; r < n_runs; r++) {
            double *cell = cells + (y * n_runs + r) * per_run, base = 0;
            for (size_t j = 0; j < m; j++) {
                const rundir_series *sr = found[r * (m + 1) + j];
                const rundir_stat *st = sr ? rundir_series_at(sr, years[y]) : NULL;
                double mean = st ? st->mean : NAN;
                cell[3 * j] = mean;
                cell[3 * j + 1] = base;
                base += isfinite(mean) ? mean : 0;
                cell[3 * j + 2] = base;
                lo = fmin(lo, base);
            }
            const rundir_series *tot = found[r * (m + 1) + m];
            const rundir_stat *st = tot ? rundir_series_at(tot, years[y]) : NULL;
            cell[3 * m] = st ? st->mean : base;
            cell[3 * m + 1] = st ? st->p05 : NAN;
            cell[3 * m + 2] = st ? st->p95 : NAN;
            hi = fmax(hi, base);
            if (isfinite(cell[3 * m + 2]))
                hi = fmax(hi, cell[3 * m + 2]);
        }
    fsio_file out;
    if ((rc = fsio_open(&out, path, c->err)))
        goto done;
    FILE *f = out.f;
    fsio_csv_text(f, "year", 1);
    fsio_csv_text(f, "x", 0);
    static const char part_cols[3][5] = {"mean", "base", "top"};
    static const char total_cols[3][5] = {"mean", "p05", "p95"};
    for (size_t r = 0; r < n_runs && !rc; r++)
        for (size_t j = 0; j <= m && !rc; j++)
            for (int k = 0; k < 3 && !rc; k++) {
                char *head = pc_strf("%zu:%s:%s", r + 1, j < m ? parts->items[j] : total_var,
                                     j < m ? part_cols[k] : total_cols[k]);
                if (head)
                    fsio_csv_text(f, head, 0);
                else
                    rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
                free(head);
            }
    fputc('\n', f);
    for (size_t y = 0; y < n_years; y++) {
        char label[16];
        snprintf(label, sizeof label, "%d", years[y]);
        fsio_csv_text(f, label, 1);
        fsio_csv_number(f, years[y], 0);
        for (size_t k = 0; k < n_runs * per_run; k++)
            fsio_csv_number(f, cells[y * n_runs * per_run + k], 0);
        fputc('\n', f);
    }
    if ((rc = fsio_commit(&out, rc, c->err)))
        goto done;

    const double scale = 1e-6;
    axis yaxis;
    nice_axis(lo * scale, hi * scale, 1, &yaxis);
    s.tpl = c->tpl_bars;
    s.tpl_name = "bars.gp";
    s.ylabel =
        gnuplot_quote(lang_pick(c->lang, "M\xE2\x82\xAC par an", "\xE2\x82\xAC million per year"));
    s.xrange = range_text(years[0] - 0.6, years[n_years - 1] + 0.6);
    s.xtics = year_ticks(years[0], years[n_years - 1]);
    s.yrange = range_text(yaxis.min, yaxis.max);
    s.ytics = y_ticks(&yaxis, "", c->lang);
    /* which bar is which run, wrapped into lines of about 100 characters */
    char *subtitle = subtitle_of(c);
    sbuf expr = {0}, line = {0};
    gnuplot_quote_into(&expr, title);
    sbuf_puts(&expr, " . \"\\n\" . ");
    gnuplot_quote_into(&expr, subtitle ? subtitle : "");
    for (size_t r = 0; n_runs > 1 && r <= n_runs; r++) {
        char *part =
            r < n_runs ? pc_strf("%s%zu = %s", r ? ", " : lang_pick(c->lang, "Barres : ", "Bars: "),
                                 r + 1, rundir_label(c->runs[r]))
                       : NULL;
        if (line.len > 0 && (r == n_runs || line.len + (part ? strlen(part) : 0) > 100)) {
            sbuf_puts(&expr, " . \"\\n\" . ");
            gnuplot_quote_into(&expr, line.s);
            line.len = 0;
        }
        if (part)
            sbuf_puts(&line, line.len == 0 && r ? part + 2 : part);
        else if (r < n_runs)
            expr.oom = 1;
        free(part);
    }
    sbuf_clear(&line);
    free(subtitle);
    s.title = sbuf_take(&expr);
    s.xlabel = gnuplot_quote("");

    char *quoted = gnuplot_quote(path);
    sbuf p = {0};
    double width = 0.8 / (double)n_runs, half = width / 2 * 0.92;
    for (size_t j = 0; j < m && quoted; j++) {
        char *label = rundir_var_label(c->runs[0], parts->items[j], c->lang);
        for (size_t r = 0; r < n_runs; r++) {
            int col = 3 + (int)(r * per_run + 3 * j);
            double off = ((double)r - (double)(n_runs - 1) / 2) * width;
            sbuf_printf(&p, "%s%s skip 1 using ($2+", j || r ? ", " : "", quoted);
            gnuplot_number_into(&p, off);
            sbuf_printf(&p, "):(($%d+$%d)/2*1e-6):($2+", col + 1, col + 2);
            gnuplot_number_into(&p, off - half);
            sbuf_puts(&p, "):($2+");
            gnuplot_number_into(&p, off + half);
            sbuf_printf(&p,
                        "):($%d*1e-6):($%d*1e-6) with boxxyerror fc lt %d dt 1 lw 1 fs %s "
                        "border lc rgb '#333333' ",
                        col + 1, col + 2, (int)(j % N_STYLES) + 1, fill_style(j));
            if (r == 0) {
                sbuf_puts(&p, "title ");
                gnuplot_quote_into(&p, label ? label : parts->items[j]);
            } else {
                sbuf_puts(&p, "notitle");
            }
        }
        free(label);
    }
    for (size_t r = 0; r < n_runs && quoted; r++) {
        int col = 3 + (int)(r * per_run + 3 * m), top = 3 + (int)(r * per_run + 3 * (m - 1)) + 2;
        double off = ((double)r - (double)(n_runs - 1) / 2) * width;
        sbuf_printf(&p, ", %s skip 1 using ($2+", quoted);
        gnuplot_number_into(&p, off);
        sbuf_printf(&p,
                    "):($%d*1e-6):($%d*1e-6):($%d*1e-6) with yerrorbars lc rgb '#000000' dt 1 "
                    "lw 1.5 pt 0 ",
                    col, col + 1, col + 2);
        if (r == 0) {
            char text[128];
            snprintf(text, sizeof text, "%s",
                     lang_pick(c->lang, "intervalle \xC3\xA0 90 % du total",
                               "90 % interval of the total"));
            sbuf_puts(&p, "title ");
            gnuplot_quote_into(&p, text);
        } else {
            sbuf_puts(&p, "notitle");
        }
        if (n_runs > 1) {
            sbuf_printf(&p, ", %s skip 1 using ($2+", quoted);
            gnuplot_number_into(&p, off);
            sbuf_printf(&p,
                        "):((valid(%d) && $%d > $%d ? $%d : $%d)*1e-6):('%zu') with labels "
                        "offset 0,0.8 font ',10' notitle",
                        col + 2, col + 2, top, col + 2, top, r + 1);
        }
    }
    s.plot = quoted ? sbuf_take(&p) : NULL;
    sbuf_clear(&p);
    free(quoted);
    rc = emit(c, &s, title, "budget");
done:
    chart_src_free(&s);
    free(found);
    free(path);
    free(years);
    free(cells);
    return rc;
}

/* ---- the chart catalogue -------------------------------------------------------- */

/* Names X of variables PREFIX X SUFFIX in any run's table, in order of appearance. */
static int collect(const draw_ctx *c, rundir_table table, const char *prefix, const char *suffix,
                   strlist *out)
{
    size_t lp = strlen(prefix), ls = strlen(suffix);
    for (size_t r = 0; r < c->n_runs; r++) {
        for (size_t i = 0; i < rundir_n_vars(c->runs[r], table); i++) {
            const char *name = rundir_var(c->runs[r], table, i);
            size_t len = strlen(name);
            if (len <= lp + ls || strncmp(name, prefix, lp) != 0 ||
                strcmp(name + len - ls, suffix) != 0)
                continue;
            char *middle = pc_strf("%.*s", (int)(len - lp - ls), name + lp);
            int rc = middle ? strlist_add(out, middle) : PC_EINTERNAL;
            free(middle);
            if (rc)
                return rc;
        }
    }
    return PC_OK;
}

/* Adds var of every run that has it: legend `what` for one run, the run's label
 * for several. */
static int add_runs(const draw_ctx *c, itemlist *l, rundir_table table, const char *var,
                    const char *what, int band)
{
    for (size_t r = 0; r < c->n_runs; r++) {
        const rundir_series *s = rundir_find(c->runs[r], table, var);
        if (s &&
            items_add(l, r, s, pc_strdup(c->n_runs == 1 ? what : rundir_label(c->runs[r])), band))
            return PC_EINTERNAL;
    }
    return PC_OK;
}

static int chart_fan(draw_ctx *c, const char *var)
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
    itemlist l = {0};
    int rc = !name || !title ? PC_EINTERNAL : add_runs(c, &l, RUNDIR_MONTHLY, var, median, 1);
    if (rc) {
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
    } else {
        fan_spec spec = {.name = name,
                         .group = is_queue   ? "queue"
                                  : is_stock ? "stock"
                                             : "rundir_series",
                         .title = title,
                         .ylabel =
                             is_queue || is_stock ? lang_pick(c->lang, "personnes", "persons") : "",
                         .suffix = "",
                         .table = RUNDIR_MONTHLY,
                         .scale = 1};
        rc = draw_series(c, &spec, &l);
    }
    items_free(&l);
    free(label);
    free(name);
    free(title);
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

static int chart_family(draw_ctx *c, const family *fam, const char *x)
{
    char *name = safe_name(fam->name_prefix, x);
    char *label_var = pc_strf("%s%s", fam->label_prefix, x);
    char *label = label_var ? rundir_var_label(c->runs[0], label_var, c->lang) : NULL;
    char *title =
        label ? pc_strf("%s%s", label, lang_pick(c->lang, fam->title_fr, fam->title_en)) : NULL;
    itemlist l = {0};
    int rc = name && title ? PC_OK : PC_EINTERNAL;
    for (size_t r = 0; r < c->n_runs && !rc; r++)
        for (size_t k = 0; k < fam->n_parts && !rc; k++) {
            char *var = pc_strf("%s%s%s", fam->part_prefix[k], x, fam->part_suffix[k]);
            const rundir_series *s = var ? rundir_find(c->runs[r], fam->table, var) : NULL;
            free(var);
            if (!s)
                continue;
            const char *what = fam->part_what[k];
            char *t = c->n_runs == 1
                          ? pc_strdup(what)
                          : pc_strf("%s %s %s", rundir_label(c->runs[r]), "\xE2\x80\x94", what);
            rc = items_add(&l, r, s, t, fam->n_parts == 1 || k > 0);
        }
    if (rc) {
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
    } else {
        fan_spec spec = {.name = name,
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
        rc = draw_series(c, &spec, &l);
    }
    items_free(&l);
    free(name);
    free(label_var);
    free(label);
    free(title);
    return rc;
}

static int chart_staff(draw_ctx *c)
{
    strlist staff = {0};
    itemlist l = {0};
    int rc = collect(c, RUNDIR_MONTHLY, "staff.", "", &staff);
    for (size_t r = 0; r < c->n_runs && !rc; r++)
        for (size_t k = 0; k < staff.n && !rc; k++) {
            char *var = pc_strf("staff.%s", staff.items[k]);
            const rundir_series *s = var ? rundir_find(c->runs[r], RUNDIR_MONTHLY, var) : NULL;
            char *label = s ? rundir_var_label(c->runs[r], var, c->lang) : NULL;
            free(var);
            if (!s)
                continue;
            char *t = !label ? NULL
                      : c->n_runs == 1
                          ? pc_strdup(label)
                          : pc_strf("%s %s %s", rundir_label(c->runs[r]), "\xE2\x80\x94", label);
            free(label);
            rc = items_add(&l, r, s, t, 1);
        }
    if (rc) {
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
    } else if (l.n > 0) {
        const char *median = lang_pick(c->lang,
                                       "m\xC3\xA9"
                                       "diane",
                                       "median");
        if (l.n == 1) {
            free(l.items[0].title);
            l.items[0].title = pc_strdup(median);
        }
        fan_spec spec = {.name = "staff",
                         .group = "staff",
                         .title = lang_pick(c->lang,
                                            "ETP de r\xC3\xA9"
                                            "f\xC3\xA9rents n\xC3\xA9"
                                            "cessaires",
                                            "Staff ETP needed"),
                         .ylabel = "ETP",
                         .suffix = "",
                         .table = RUNDIR_MONTHLY,
                         .scale = 1};
        rc = l.items[0].title ? draw_series(c, &spec, &l)
                              : pc_fail(c->err, PC_EINTERNAL, "out of memory");
    }
    items_free(&l);
    strlist_free(&staff);
    return rc;
}

static int chart_budget(draw_ctx *c, const char *prefix, const char *name, const char *title)
{
    strlist parts = {0}, names = {0};
    int rc = collect(c, RUNDIR_YEARLY, prefix, "", &names);
    for (size_t i = 0; i < names.n && !rc; i++) {
        if (strcmp(prefix, "cost.") == 0 && strcmp(names.items[i], "total") == 0)
            continue;
        char *var = pc_strf("%s%s", prefix, names.items[i]);
        rc = var ? strlist_add(&parts, var) : PC_EINTERNAL;
        free(var);
    }
    if (rc)
        rc = pc_fail(c->err, PC_EINTERNAL, "out of memory");
    else if (parts.n > 0)
        rc = draw_bars(c, name, title, &parts, "cost.total");
    strlist_free(&parts);
    strlist_free(&names);
    return rc;
}

static int draw_all(draw_ctx *c, const plot_options *opt)
{
    strlist names = {0};
    int rc = PC_OK;
    if (opt->n_vars > 0) {
        for (size_t i = 0; i < opt->n_vars && !rc; i++) {
            int found = 0;
            for (size_t r = 0; r < c->n_runs; r++)
                found |= rundir_find(c->runs[r], RUNDIR_MONTHLY, opt->vars[i]) != NULL;
            if (!found)
                rc = pc_fail(c->err, PC_EINPUT, "%s/monthly.csv: no variable %s",
                             rundir_path(c->runs[0]), opt->vars[i]);
            else
                rc = chart_fan(c, opt->vars[i]);
        }
    } else {
        rc = collect(c, RUNDIR_MONTHLY, "entries.", "", &names);
        for (size_t i = 0; i < names.n && !rc; i++) {
            char *var = pc_strf("stock.%s", names.items[i]);
            rc = var ? chart_fan(c, var) : pc_fail(c->err, PC_EINTERNAL, "out of memory");
            free(var);
        }
        strlist_free(&names);
        if (!rc)
            rc = collect(c, RUNDIR_MONTHLY, "queue.", "", &names);
        for (size_t i = 0; i < names.n && !rc; i++) {
            char *var = pc_strf("queue.%s", names.items[i]);
            rc = var ? chart_fan(c, var) : pc_fail(c->err, PC_EINTERNAL, "out of memory");
            free(var);
        }
    }
    strlist_free(&names);

    const char *median = lang_pick(c->lang,
                                   "m\xC3\xA9"
                                   "diane",
                                   "median");
    /* automatic, not static: tables of pointers would be writable data in a PIE */
    const family wait = {.name_prefix = "wait3m-",
                         .group = "wait",
                         .label_prefix = "queue.",
                         .title_fr = " : part des attentes de plus de 3 mois",
                         .title_en = ": share of waits longer than 3 months",
                         .ylabel_fr = "part des attentes termin\xC3\xA9"
                                      "es dans le mois",
                         .ylabel_en = "share of the waits ended in the month",
                         .suffix = c->lang == LANG_EN ? "%" : LANG_NNBSP "%",
                         .table = RUNDIR_MONTHLY,
                         .scale = 100,
                         .n_parts = 1,
                         .part_prefix = {"wait."},
                         .part_suffix = {".share3m"},
                         .part_what = {median}};
    const family etp = {.name_prefix = "etp-",
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
                        .part_what = {lang_pick(c->lang, "ETP conventionn\xC3\xA9s", "ETP funded"),
                                      lang_pick(c->lang, "ETP occup\xC3\xA9s", "ETP occupied")}};
    const family flows = {.name_prefix = "flows-",
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
                          .part_what = {lang_pick(c->lang,
                                                  "entr\xC3\xA9"
                                                  "es",
                                                  "entries"),
                                        lang_pick(c->lang, "sorties", "exits")}};
    const family survival = {.name_prefix = "survival-",
                             .group = "survival",
                             .label_prefix = "stock.",
                             .title_fr = " : part des parcours encore en cours",
                             .title_en = ": share of spells still running",
                             .ylabel_fr = "part des parcours",
                             .ylabel_en = "share of spells",
                             .suffix = c->lang == LANG_EN ? "%" : LANG_NNBSP "%",
                             .table = RUNDIR_SURVIVAL,
                             .scale = 100,
                             .n_parts = 1,
                             .part_prefix = {""},
                             .part_suffix = {""},
                             .part_what = {median}};
    if (!rc)
        rc = collect(c, RUNDIR_MONTHLY, "wait.", ".share3m", &names);
    for (size_t i = 0; i < names.n && !rc; i++)
        rc = chart_family(c, &wait, names.items[i]);
    strlist_free(&names);
    if (!rc)
        rc = collect(c, RUNDIR_MONTHLY, "etp.", "", &names);
    for (size_t i = 0; i < names.n && !rc; i++)
        rc = chart_family(c, &etp, names.items[i]);
    strlist_free(&names);
    if (!rc)
        rc = chart_staff(c);
    if (!rc)
        rc = chart_budget(
            c, "funder.", "budget-funder",
            lang_pick(c->lang, "Budget annuel par financeur", "Yearly budget by funder"));
    if (!rc)
        rc = chart_budget(c, "cost.", "budget-cost",
                          lang_pick(c->lang, "Budget annuel par ligne de co\xC3\xBBt",
                                    "Yearly budget by cost line"));
    if (!rc)
        rc = collect(c, RUNDIR_YEARLY, "entries.", "", &names);
    for (size_t i = 0; i < names.n && !rc; i++)
        rc = chart_family(c, &flows, names.items[i]);
    strlist_free(&names);
    for (size_t r = 0; r < c->n_runs && !rc; r++)
        for (size_t i = 0; i < rundir_n_vars(c->runs[r], RUNDIR_SURVIVAL) && !rc; i++)
            rc = strlist_add(&names, rundir_var(c->runs[r], RUNDIR_SURVIVAL, i))
                     ? pc_fail(c->err, PC_EINTERNAL, "out of memory")
                     : PC_OK;
    for (size_t i = 0; i < names.n && !rc; i++)
        rc = chart_family(c, &survival, names.items[i]);
    strlist_free(&names);
    return rc;
}

static char *find_templates(const plot_options *opt)
{
    if (opt->templates)
        return pc_strdup(opt->templates);
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

static int load_templates(draw_ctx *c, const plot_options *opt)
{
    if (!(c->tpl_dir = find_templates(opt)))
        return pc_fail(c->err, PC_EINTERNAL, "out of memory");
    char **slots[] = {&c->tpl_common, &c->tpl_fan, &c->tpl_bars, &c->tpl_lines};
    const char *names[] = {"common.gp", "fan.gp", "bars.gp", "lines.gp"};
    for (size_t i = 0; i < 4; i++) {
        char *path = pc_strf("%s/%s", c->tpl_dir, names[i]);
        if (!path)
            return pc_fail(c->err, PC_EINTERNAL, "out of memory");
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

static int check_outputs(const draw_ctx *c)
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
    draw_ctx c = {.runs = runs,
                  .n_runs = n_runs,
                  .lang = opt->lang,
                  .formats = opt->formats ? opt->formats : GNUPLOT_PNG | GNUPLOT_SVG,
                  .outdir = outdir,
                  .err = err};
    int rc = PC_OK;
    if (!(c.list = plot_list_alloc(c.formats))) {
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        goto fail;
    }
    if (strpbrk(outdir, "\n\r")) {
        rc = pc_fail(err, PC_EINPUT, "%s: a folder name with a line break cannot be used", outdir);
        goto fail;
    }
    if ((rc = load_templates(&c, opt)) || (rc = fsio_mkdirs(outdir, err)) ||
        (rc = draw_all(&c, opt)))
        goto fail;
    if (c.script.oom) {
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        goto fail;
    }
    if (c.list->n > 0 &&
        ((rc = gnuplot_run(c.script.s, c.script.len, outdir, &c.list->notes, err)) ||
         (rc = check_outputs(&c))))
        goto fail;
    if (out)
        *out = c.list;
    else
        plot_list_free(c.list);
    c.list = NULL;
fail:
    plot_list_free(c.list);
    sbuf_clear(&c.script);
    free(c.tpl_dir);
    free(c.tpl_common);
    free(c.tpl_fan);
    free(c.tpl_bars);
    free(c.tpl_lines);
    return rc;
}
