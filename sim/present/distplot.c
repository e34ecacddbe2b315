/* distplot — S-curves, histograms and convergence of a key output (see distplot.h). */
#include "distplot.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axis.h"
#include "chart.h"
#include "core/cfg.h"
#include "core/fsio.h"
#include "gnuplot.h"
#include "sbuf.h"

double dist_exceed(const double *x, size_t n, double threshold)
{
    size_t finite = 0, above = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) {
            finite++;
            above += x[i] > threshold;
        }
    return finite ? (double)above / (double)finite : NAN;
}

/* The finite values of column var of run's replications.csv, in replication order;
 * *n = 0 when the file or the column is missing. */
static int read_values(const rundir *run, const char *var, double **out, size_t *n, pc_err *err)
{
    *out = NULL;
    *n = 0;
    char *path = pc_strf("%s/replications.csv", rundir_path(run));
    if (!path)
        return pc_fail(err, PC_EENV, "out of memory");
    FILE *probe = fopen(path, "r");
    if (!probe) {
        free(path);
        return PC_OK;
    }
    fclose(probe);
    cfg_table *t = NULL;
    int rc = cfg_read_csv(path, &t, err);
    free(path);
    if (rc)
        return rc;
    long col = -1;
    for (size_t i = 0; t->n_rows > 0 && i < t->rows[0].n && col < 0; i++)
        if (!strcmp(t->rows[0].fields[i], var))
            col = (long)i;
    if (col >= 0 && t->n_rows > 1 && !(*out = pc_calloc(t->n_rows, sizeof **out)))
        rc = pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 1; !rc && col >= 0 && i < t->n_rows; i++) {
        if ((size_t)col >= t->rows[i].n)
            continue;
        char *end;
        double v = strtod(t->rows[i].fields[col], &end);
        if (end != t->rows[i].fields[col] && !*end && isfinite(v))
            (*out)[(*n)++] = v;
    }
    cfg_table_free(t);
    return rc;
}

/* The scale and unit of the values: euros in M€ (k€ below 0,1 M€), others as they are. */
static double unit_of(const char *var, double big, lang_code lang, const char **unit)
{
    int euros = !strncmp(var, "cost.", 5) || !strncmp(var, "funder.", 7);
    if (!euros) {
        *unit = "";
        return 1;
    }
    if (big >= 1e5) {
        *unit = lang_pick(lang, "M\xE2\x82\xAC", "\xE2\x82\xAC million");
        return 1e-6;
    }
    *unit = lang_pick(lang, "k\xE2\x82\xAC", "\xE2\x82\xAC thousand");
    return 1e-3;
}

/* What distplot_draw's steps share: its arguments, the runs' values, the files' names
 * and the script being built.  dist_ctx_free releases what it owns. */
typedef struct {
    const char *dir, *var;
    const rundir *const *runs;
    size_t n_runs;
    lang_code lang;
    dist_summary *sums;
    plot_list *list;
    double **values; /* each run's values, sorted once summarised */
    size_t *counts, longest;
    double used, scale; /* the threshold, and the scale of the values in unit */
    const char *unit;
    char *data, *conv, *stem_s, *stem_h, *stem_c; /* the files' paths */
    char *label, *xl, *qdata; /* the variable's label, the axis title, data quoted */
    const char *name;         /* label, or var without one */
    axis_scale xa;            /* the values' axis, shared by the S-curve and the histogram */
    sbuf script, plot, head;
} dist_ctx;

static void dist_ctx_free(dist_ctx *c)
{
    for (size_t r = 0; c->values && r < c->n_runs; r++)
        free(c->values[r]);
    free(c->values);
    free(c->counts);
    free(c->data);
    free(c->conv);
    free(c->stem_s);
    free(c->stem_h);
    free(c->stem_c);
    free(c->qdata);
    free(c->xl);
    free(c->label);
    sbuf_clear(&c->script);
    sbuf_clear(&c->plot);
    sbuf_clear(&c->head);
}

/* Each run's values (c->values, c->counts, c->longest); sums start unknown. */
static int read_runs(dist_ctx *c, pc_err *err)
{
    c->values = pc_calloc(c->n_runs, sizeof *c->values);
    c->counts = pc_calloc(c->n_runs, sizeof *c->counts);
    int rc = c->values && c->counts ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t r = 0; r < c->n_runs && !rc; r++) {
        c->sums[r] = (dist_summary){NAN, NAN, NAN, NAN, 0};
        rc = read_values(c->runs[r], c->var, &c->values[r], &c->counts[r], err);
        c->longest = c->counts[r] > c->longest ? c->counts[r] : c->longest;
    }
    return rc;
}

/* The threshold (*used: threshold, or the reference's mean without one), each run's
 * summary, the unit and the files' names. */
static int summarise(dist_ctx *c, double threshold, double *used, pc_err *err)
{
    double ref_mean = gsl_stats_mean(c->values[0], 1, c->counts[0]), big = 0;
    c->used = *used = isfinite(threshold) ? threshold : ref_mean;
    for (size_t r = 0; r < c->n_runs; r++) {
        size_t n = c->counts[r];
        if (!n)
            continue;
        c->sums[r].n = n;
        c->sums[r].mean = gsl_stats_mean(c->values[r], 1, n);
        c->sums[r].exceed = dist_exceed(c->values[r], n, c->used);
        double *sorted = pc_calloc(n, sizeof *sorted);
        if (!sorted)
            return pc_fail(err, PC_EENV, "out of memory");
        memcpy(sorted, c->values[r], n * sizeof *sorted);
        gsl_sort(sorted, 1, n);
        c->sums[r].p05 = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.05);
        c->sums[r].p95 = gsl_stats_quantile_from_sorted_data(sorted, 1, n, 0.95);
        big = fmax(big, fmax(fabs(sorted[0]), fabs(sorted[n - 1])));
        free(sorted);
    }
    c->scale = unit_of(c->var, big, c->lang, &c->unit);
    char safe[300];
    fsio_safe_name(c->var, safe, sizeof safe);
    c->data = pc_strf("%s/scurve-%s.csv", c->dir, safe);
    c->conv = pc_strf("%s/conv-%s.csv", c->dir, safe);
    c->stem_s = pc_strf("%s/scurve-%s", c->dir, safe);
    c->stem_h = pc_strf("%s/hist-%s", c->dir, safe);
    c->stem_c = pc_strf("%s/conv-%s", c->dir, safe);
    if (!c->data || !c->conv || !c->stem_s || !c->stem_h || !c->stem_c)
        return pc_fail(err, PC_EENV, "out of memory");
    return PC_OK;
}

/* scurve-VAR.csv and hist-VAR.csv (the data of each chart, the same numbers): rank, then
 * each run's sorted value and its cumulative share.  Sorts c->values. */
static int write_sorted(dist_ctx *c, pc_err *err)
{
    int rc = PC_OK;
    fsio_file out;
    for (size_t r = 0; r < c->n_runs; r++)
        gsl_sort(c->values[r], 1, c->counts[r]);
    for (int copy = 0; copy < 2 && !rc; copy++) {
        char *path = pc_strf("%s.csv", copy ? c->stem_h : c->stem_s);
        if (!path || (rc = fsio_open(&out, path, err))) {
            free(path);
            return rc ? rc : pc_fail(err, PC_EENV, "out of memory");
        }
        free(path);
        fputs("rank", out.f);
        for (size_t r = 0; r < c->n_runs; r++)
            fprintf(out.f, ",%zu:%s:value,%zu:%s:share", r + 1, c->var, r + 1, c->var);
        fputc('\n', out.f);
        for (size_t i = 0; i < c->longest; i++) {
            fprintf(out.f, "%zu", i + 1);
            for (size_t r = 0; r < c->n_runs; r++) {
                size_t n = c->counts[r];
                fputc(',', out.f);
                fsio_csv_number(out.f, i < n ? c->values[r][i] : NAN, 1);
                fputc(',', out.f);
                fsio_csv_number(out.f, i < n ? (double)(i + 1) / (double)n : NAN, 1);
            }
            fputc('\n', out.f);
        }
        rc = fsio_commit(&out, PC_OK, err);
    }
    return rc;
}

/* Emits the chart of stem from c->head and c->plot (emptied) into the script, and lists
 * it with caption (name then suffix). */
static int emit_and_list(dist_ctx *c, const char *stem, const char *suffix, pc_err *err)
{
    char *h = sbuf_take(&c->head), *pl = sbuf_take(&c->plot);
    chart_emit(&c->script, stem, h ? h : "", pl ? pl : "");
    free(h);
    free(pl);
    char *caption = pc_strf("%s%s", c->name, suffix);
    int rc = PC_OK;
    if (!caption || plot_list_add(c->list, stem + strlen(c->dir) + 1, caption, "distribution"))
        rc = pc_fail(err, PC_EENV, "out of memory");
    free(caption);
    return rc;
}

/* The title line and the key, shared by the three charts. */
static void put_title(dist_ctx *c, const char *suffix)
{
    sbuf_puts(&c->head, "set title ");
    char *title = pc_strf("%s%s", c->name, suffix);
    gnuplot_quote_into(&c->head, title ? title : c->name);
    free(title);
    sbuf_puts(&c->head, " font ',14'\nset key below center horizontal box lc rgb '#bbbbbb'\n");
}

/* The S-curve: each run's cumulative share of runs against its sorted values, with the
 * threshold dashed and each run's chance of exceeding it in the key.  Sets c->xa. */
static int draw_scurve(dist_ctx *c, pc_err *err)
{
    const char *suffix = lang_pick(c->lang, " : courbe en S", ": S-curve");
    double scale = c->scale;
    char thr[64];
    lang_number(c->used * scale, scale < 1 ? 1 : 0, c->lang, thr, sizeof thr);
    put_title(c, suffix);
    sbuf_puts(&c->head, "set ylabel ");
    gnuplot_quote_into(
        &c->head, lang_pick(c->lang, "part des simulations inf\xC3\xA9rieures ou \xC3\xA9gales",
                            "share of runs at or below"));
    sbuf_puts(&c->head, "\nset xlabel ");
    gnuplot_quote_into(&c->head, c->xl ? c->xl : c->name);
    sbuf_puts(&c->head,
              "\nset yrange [0:1]\nset ytics ('0' 0, '25" LANG_NNBSP "%%' 0.25, '50" LANG_NNBSP
              "%%' 0.5, '75" LANG_NNBSP "%%' 0.75, '100" LANG_NNBSP "%%' 1)\n");
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < c->n_runs; r++)
        if (c->counts[r]) {
            lo = fmin(lo, c->values[r][0] * scale);
            hi = fmax(hi, c->values[r][c->counts[r] - 1] * scale);
        }
    lo = fmin(lo, c->used * scale);
    hi = fmax(hi, c->used * scale);
    axis_nice(lo, hi, 0, &c->xa);
    char *xt = axis_value_ticks(&c->xa, "", c->lang), *xr = axis_range(c->xa.min, c->xa.max);
    sbuf_printf(&c->head, "set xrange %s\nset xtics %s\n", xr ? xr : "[*:*]", xt ? xt : "autofreq");
    free(xt);
    free(xr);
    sbuf_puts(&c->head, "set arrow from ");
    gnuplot_number_into(&c->head, c->used * scale);
    sbuf_puts(&c->head, ", graph 0 to ");
    gnuplot_number_into(&c->head, c->used * scale);
    sbuf_puts(&c->head, ", graph 1 nohead lc rgb '#444444' dt 2\n");
    for (size_t r = 0; r < c->n_runs; r++) {
        if (!c->counts[r])
            continue;
        char p[64];
        lang_number(c->sums[r].exceed * 100, 0, c->lang, p, sizeof p);
        char *t = pc_strf("%s \xE2\x80\x94 P(> %s%s%s) = %s" LANG_NNBSP "%%",
                          rundir_label(c->runs[r]), thr, *c->unit ? LANG_NNBSP : "", c->unit, p);
        sbuf_printf(&c->plot, "%s%s skip 1 using ($%zu*", c->plot.len ? ", " : "",
                    c->qdata ? c->qdata : "''", 2 + 2 * r);
        gnuplot_number_into(&c->plot, scale);
        sbuf_printf(&c->plot, "):%zu with steps lt %zu lw 2 title ", 3 + 2 * r, r % 8 + 1);
        gnuplot_quote_into(&c->plot, t ? t : "?");
        free(t);
    }
    return emit_and_list(c, c->stem_s, suffix, err);
}

/* The histogram of the reference and at most two alternatives, on one grid of bins
 * over the S-curve's axis. */
static int draw_histogram(dist_ctx *c, pc_err *err)
{
    const char *suffix = lang_pick(c->lang, " : histogramme", ": histogram");
    const axis_scale *xa = &c->xa;
    size_t shown = c->n_runs < 3 ? c->n_runs : 3;
    int bins = c->longest >= 200 ? 30 : c->longest >= 50 ? 20 : 10;
    double width = (xa->max - xa->min) / bins;
    put_title(c, suffix);
    sbuf_puts(&c->head, "set ylabel ");
    gnuplot_quote_into(&c->head, lang_pick(c->lang, "part des simulations", "share of runs"));
    sbuf_puts(&c->head, "\nset xlabel ");
    gnuplot_quote_into(&c->head, c->xl ? c->xl : c->name);
    char *xt = axis_value_ticks(xa, "", c->lang), *xr = axis_range(xa->min, xa->max);
    sbuf_printf(&c->head,
                "\nset xrange %s\nset xtics %s\nset style fill transparent solid 0.35 "
                "border\nset boxwidth ",
                xr ? xr : "[*:*]", xt ? xt : "autofreq");
    free(xt);
    free(xr);
    gnuplot_number_into(&c->head, width);
    sbuf_puts(&c->head, " absolute\nbin(x) = ");
    gnuplot_number_into(&c->head, width);
    sbuf_puts(&c->head, " * floor((x - ");
    gnuplot_number_into(&c->head, xa->min);
    sbuf_puts(&c->head, ") / ");
    gnuplot_number_into(&c->head, width);
    sbuf_puts(&c->head, ") + ");
    gnuplot_number_into(&c->head, xa->min + width / 2);
    sbuf_puts(&c->head, "\nset yrange [0:*]\nset format y '%.0f" LANG_NNBSP "%%'\n");
    for (size_t r = 0; r < shown; r++) {
        if (!c->counts[r])
            continue;
        sbuf_printf(&c->plot, "%s%s skip 1 using (bin($%zu*", c->plot.len ? ", " : "",
                    c->qdata ? c->qdata : "''", 2 + 2 * r);
        gnuplot_number_into(&c->plot, c->scale);
        sbuf_printf(&c->plot, ")):(100.0/%zu) smooth frequency with boxes lt %zu fc lt %zu title ",
                    c->counts[r], r % 8 + 1, r % 8 + 1);
        gnuplot_quote_into(&c->plot, rundir_label(c->runs[r]));
    }
    return emit_and_list(c, c->stem_h, suffix, err);
}

/* conv-VAR.csv: the reference's running mean and its 90 % confidence interval, over its
 * replications in their order. */
static int write_convergence(dist_ctx *c, pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, c->conv, err);
    if (rc)
        return rc;
    double *raw = NULL;
    size_t n_raw = 0;
    rc = read_values(c->runs[0], c->var, &raw, &n_raw, err); /* replication order */
    fputs("replications,mean,ci_low,ci_high\n", out.f);
    double sum = 0, sq = 0;
    for (size_t i = 0; !rc && i < n_raw; i++) {
        sum += raw[i];
        sq += raw[i] * raw[i];
        double k = (double)(i + 1), m = sum / k;
        double sd = i > 0 ? sqrt(fmax(0, (sq - k * m * m) / (k - 1))) : NAN;
        double half = 1.6449 * sd / sqrt(k);
        fprintf(out.f, "%zu", i + 1);
        fputc(',', out.f);
        fsio_csv_number(out.f, m, 1);
        fputc(',', out.f);
        fsio_csv_number(out.f, m - half, 1);
        fputc(',', out.f);
        fsio_csv_number(out.f, m + half, 1);
        fputc('\n', out.f);
    }
    free(raw);
    return fsio_commit(&out, rc, err);
}

/* The convergence chart of conv-VAR.csv, its y axis over the reference's 5th to 95th
 * percentiles. */
static int draw_convergence(dist_ctx *c, pc_err *err)
{
    double scale = c->scale;
    char *qconv = gnuplot_quote(c->conv);
    put_title(c, lang_pick(c->lang,
                           " : convergence de la moyenne (r\xC3\xA9"
                           "f\xC3\xA9rence)",
                           ": convergence of the mean (reference)"));
    sbuf_puts(&c->head, "set xlabel ");
    gnuplot_quote_into(&c->head, lang_pick(c->lang, "nombre de simulations", "replications"));
    sbuf_puts(&c->head, "\nset ylabel ");
    gnuplot_quote_into(&c->head, c->xl ? c->xl : c->name);
    axis_scale ya;
    axis_nice(c->sums[0].p05 * scale, c->sums[0].p95 * scale, 0, &ya);
    char *yt = axis_value_ticks(&ya, "", c->lang), *yr = axis_range(ya.min, ya.max);
    sbuf_printf(&c->head, "\nset yrange %s\nset ytics %s\nset xrange [1:*]\n", yr ? yr : "[*:*]",
                yt ? yt : "autofreq");
    free(yt);
    free(yr);
    sbuf_printf(&c->plot, "%s skip 1 using 1:($3*", qconv ? qconv : "''");
    gnuplot_number_into(&c->plot, scale);
    sbuf_puts(&c->plot, "):($4*");
    gnuplot_number_into(&c->plot, scale);
    sbuf_puts(&c->plot, ") with filledcurves fc lt 1 fs transparent solid 0.2 noborder title ");
    gnuplot_quote_into(&c->plot,
                       lang_pick(c->lang, "intervalle de confiance \xC3\xA0 90 % de la moyenne",
                                 "90 % confidence interval of the mean"));
    sbuf_printf(&c->plot, ", %s skip 1 using 1:($2*", qconv ? qconv : "''");
    gnuplot_number_into(&c->plot, scale);
    sbuf_puts(&c->plot, ") with lines lt 1 title ");
    gnuplot_quote_into(&c->plot, lang_pick(c->lang, "moyenne des simulations", "mean of the runs"));
    free(qconv);
    return emit_and_list(
        c, c->stem_c,
        lang_pick(c->lang, " : convergence de la moyenne", ": convergence of the mean"), err);
}

/* dist-charts.gp, then gnuplot run on it (its notes kept in the list when it has none). */
static int run_script(dist_ctx *c, pc_err *err)
{
    if (c->script.oom)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = PC_OK;
    char *gp = pc_strf("%s/dist-charts.gp", c->dir);
    fsio_file out;
    if (gp && !(rc = fsio_open(&out, gp, err))) {
        fwrite(c->script.s, 1, c->script.len, out.f);
        rc = fsio_commit(&out, rc, err);
    }
    free(gp);
    if (rc)
        return rc;
    return gnuplot_run(c->script.s, c->script.len, c->dir, c->list->notes ? NULL : &c->list->notes,
                       err);
}

int distplot_draw(const char *dir, const rundir *const *runs, size_t n_runs, const char *var,
                  double threshold, lang_code lang, double *used, dist_summary *sums,
                  plot_list *list, pc_err *err)
{
    dist_ctx c = {.dir = dir,
                  .var = var,
                  .runs = runs,
                  .n_runs = n_runs,
                  .lang = lang,
                  .sums = sums,
                  .list = list};
    int rc = read_runs(&c, err);
    if (!rc && c.longest > 0 && c.counts[0] > 0) {
        rc = summarise(&c, threshold, used, err);
        if (!rc)
            rc = write_sorted(&c, err);
        if (!rc) {
            c.label = rundir_var_label(runs[0], var, lang);
            c.name = c.label ? c.label : var;
            c.xl = pc_strf("%s%s%s%s", c.name, *c.unit ? " (" : "", c.unit, *c.unit ? ")" : "");
            c.qdata = gnuplot_quote(c.data);
            rc = draw_scurve(&c, err);
            if (!rc)
                rc = draw_histogram(&c, err);
            if (!rc)
                rc = write_convergence(&c, err);
            if (!rc)
                rc = draw_convergence(&c, err);
            if (!rc)
                rc = run_script(&c, err);
        }
    }
    dist_ctx_free(&c);
    return rc;
}
