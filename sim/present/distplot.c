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

/* Writes one chart's commands for PNG and SVG: head (the settings) then plot. */
static void emit_chart(sbuf *script, const char *stem, const char *head, const char *plot)
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
        for (int lt = 1; lt <= 8; lt++)
            sbuf_printf(script, "set linetype %d lc rgb '%s' lw 2\n", lt, chart_style_colour(lt));
        sbuf_puts(script, head);
        sbuf_printf(script, "plot %s\nunset output\n", plot);
    }
}

int distplot_draw(const char *dir, const rundir *const *runs, size_t n_runs, const char *var,
                  double threshold, lang_code lang, double *used, dist_summary *sums,
                  plot_list *list, pc_err *err)
{
    double **values = pc_calloc(n_runs, sizeof *values);
    size_t *counts = pc_calloc(n_runs, sizeof *counts), longest = 0;
    char safe[300], *data = NULL, *conv = NULL, *stem_s = NULL, *stem_h = NULL, *stem_c = NULL;
    sbuf script = {0}, plot = {0}, head = {0};
    int rc = values && counts ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t r = 0; r < n_runs && !rc; r++) {
        sums[r] = (dist_summary){NAN, NAN, NAN, NAN, 0};
        rc = read_values(runs[r], var, &values[r], &counts[r], err);
        longest = counts[r] > longest ? counts[r] : longest;
    }
    if (rc || longest == 0 || counts[0] == 0)
        goto done;
    /* the threshold, the summaries, the unit */
    double ref_mean = gsl_stats_mean(values[0], 1, counts[0]), big = 0;
    *used = isfinite(threshold) ? threshold : ref_mean;
    for (size_t r = 0; r < n_runs; r++) {
        if (!counts[r])
            continue;
        sums[r].n = counts[r];
        sums[r].mean = gsl_stats_mean(values[r], 1, counts[r]);
        sums[r].exceed = dist_exceed(values[r], counts[r], *used);
        double *sorted = pc_calloc(counts[r], sizeof *sorted);
        if (!sorted) {
            rc = pc_fail(err, PC_EENV, "out of memory");
            goto done;
        }
        memcpy(sorted, values[r], counts[r] * sizeof *sorted);
        gsl_sort(sorted, 1, counts[r]);
        sums[r].p05 = gsl_stats_quantile_from_sorted_data(sorted, 1, counts[r], 0.05);
        sums[r].p95 = gsl_stats_quantile_from_sorted_data(sorted, 1, counts[r], 0.95);
        big = fmax(big, fmax(fabs(sorted[0]), fabs(sorted[counts[r] - 1])));
        free(sorted);
    }
    const char *unit;
    double scale = unit_of(var, big, lang, &unit);
    fsio_safe_name(var, safe, sizeof safe);
    data = pc_strf("%s/scurve-%s.csv", dir, safe);
    conv = pc_strf("%s/conv-%s.csv", dir, safe);
    stem_s = pc_strf("%s/scurve-%s", dir, safe);
    stem_h = pc_strf("%s/hist-%s", dir, safe);
    stem_c = pc_strf("%s/conv-%s", dir, safe);
    if (!data || !conv || !stem_s || !stem_h || !stem_c) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    /* scurve-VAR.csv and hist-VAR.csv (the data of each chart, the same numbers): rank,
     * then each run's sorted value and its cumulative share */
    fsio_file out;
    for (size_t r = 0; r < n_runs; r++)
        gsl_sort(values[r], 1, counts[r]);
    for (int copy = 0; copy < 2 && !rc; copy++) {
        char *path = pc_strf("%s.csv", copy ? stem_h : stem_s);
        if (!path || (rc = fsio_open(&out, path, err))) {
            free(path);
            rc = rc ? rc : pc_fail(err, PC_EENV, "out of memory");
            goto done;
        }
        free(path);
        fputs("rank", out.f);
        for (size_t r = 0; r < n_runs; r++)
            fprintf(out.f, ",%zu:%s:value,%zu:%s:share", r + 1, var, r + 1, var);
        fputc('\n', out.f);
        for (size_t i = 0; i < longest; i++) {
            fprintf(out.f, "%zu", i + 1);
            for (size_t r = 0; r < n_runs; r++) {
                fputc(',', out.f);
                fsio_csv_number(out.f, i < counts[r] ? values[r][i] : NAN, 1);
                fputc(',', out.f);
                fsio_csv_number(out.f, i < counts[r] ? (double)(i + 1) / (double)counts[r] : NAN,
                                1);
            }
            fputc('\n', out.f);
        }
        rc = fsio_commit(&out, PC_OK, err);
    }
    if (rc)
        goto done;
    char *label = rundir_var_label(runs[0], var, lang);
    const char *name = label ? label : var;
    char thr[64];
    lang_number(*used * scale, scale < 1 ? 1 : 0, lang, thr, sizeof thr);
    /* the S-curve */
    char *qdata = gnuplot_quote(data);
    sbuf_printf(&head, "set title ");
    char *title =
        pc_strf("%s%s%s", name, lang_pick(lang, " : courbe en S", ": S-curve"), *unit ? "" : "");
    gnuplot_quote_into(&head, title ? title : name);
    free(title);
    sbuf_printf(&head, " font ',14'\nset key below center horizontal box lc rgb '#bbbbbb'\n"
                       "set ylabel ");
    gnuplot_quote_into(&head,
                       lang_pick(lang, "part des simulations inf\xC3\xA9rieures ou \xC3\xA9gales",
                                 "share of runs at or below"));
    sbuf_puts(&head, "\nset xlabel ");
    char *xl = pc_strf("%s%s%s%s", name, *unit ? " (" : "", unit, *unit ? ")" : "");
    gnuplot_quote_into(&head, xl ? xl : name);
    sbuf_puts(&head,
              "\nset yrange [0:1]\nset ytics ('0' 0, '25" LANG_NNBSP "%%' 0.25, '50" LANG_NNBSP
              "%%' 0.5, '75" LANG_NNBSP "%%' 0.75, '100" LANG_NNBSP "%%' 1)\n");
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < n_runs; r++)
        if (counts[r]) {
            lo = fmin(lo, values[r][0] * scale);
            hi = fmax(hi, values[r][counts[r] - 1] * scale);
        }
    lo = fmin(lo, *used * scale);
    hi = fmax(hi, *used * scale);
    axis_scale xa;
    axis_nice(lo, hi, 0, &xa);
    char *xt = axis_value_ticks(&xa, "", lang), *xr = axis_range(xa.min, xa.max);
    sbuf_printf(&head, "set xrange %s\nset xtics %s\n", xr ? xr : "[*:*]", xt ? xt : "autofreq");
    free(xt);
    free(xr);
    sbuf_puts(&head, "set arrow from ");
    gnuplot_number_into(&head, *used * scale);
    sbuf_puts(&head, ", graph 0 to ");
    gnuplot_number_into(&head, *used * scale);
    sbuf_puts(&head, ", graph 1 nohead lc rgb '#444444' dt 2\n");
    for (size_t r = 0; r < n_runs; r++) {
        if (!counts[r])
            continue;
        char p[64], *t;
        lang_number(sums[r].exceed * 100, 0, lang, p, sizeof p);
        t = pc_strf("%s \xE2\x80\x94 P(> %s%s%s) = %s" LANG_NNBSP "%%", rundir_label(runs[r]), thr,
                    *unit ? LANG_NNBSP : "", unit, p);
        sbuf_printf(&plot, "%s%s skip 1 using ($%zu*", plot.len ? ", " : "", qdata ? qdata : "''",
                    2 + 2 * r);
        gnuplot_number_into(&plot, scale);
        sbuf_printf(&plot, "):%zu with steps lt %zu lw 2 title ", 3 + 2 * r, r % 8 + 1);
        gnuplot_quote_into(&plot, t ? t : "?");
        free(t);
    }
    char *h = sbuf_take(&head), *pl = sbuf_take(&plot);
    emit_chart(&script, stem_s, h ? h : "", pl ? pl : "");
    free(h);
    free(pl);
    char *caption = pc_strf("%s%s", name, lang_pick(lang, " : courbe en S", ": S-curve"));
    if (!caption || plot_list_add(list, stem_s + strlen(dir) + 1, caption, "distribution")) {
        free(caption);
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto drawn;
    }
    free(caption);
    /* the histogram of the reference and at most two alternatives, on one grid of bins */
    {
        size_t shown = n_runs < 3 ? n_runs : 3;
        int bins = longest >= 200 ? 30 : longest >= 50 ? 20 : 10;
        double width = (xa.max - xa.min) / bins;
        sbuf_puts(&head, "set title ");
        char *ht = pc_strf("%s%s", name, lang_pick(lang, " : histogramme", ": histogram"));
        gnuplot_quote_into(&head, ht ? ht : name);
        free(ht);
        sbuf_puts(&head, " font ',14'\nset key below center horizontal box lc rgb '#bbbbbb'\n"
                         "set ylabel ");
        gnuplot_quote_into(&head, lang_pick(lang, "part des simulations", "share of runs"));
        sbuf_puts(&head, "\nset xlabel ");
        gnuplot_quote_into(&head, xl ? xl : name);
        xt = axis_value_ticks(&xa, "", lang);
        xr = axis_range(xa.min, xa.max);
        sbuf_printf(&head,
                    "\nset xrange %s\nset xtics %s\nset style fill transparent solid 0.35 "
                    "border\nset boxwidth ",
                    xr ? xr : "[*:*]", xt ? xt : "autofreq");
        free(xt);
        free(xr);
        gnuplot_number_into(&head, width);
        sbuf_puts(&head, " absolute\nbin(x) = ");
        gnuplot_number_into(&head, width);
        sbuf_puts(&head, " * floor((x - ");
        gnuplot_number_into(&head, xa.min);
        sbuf_puts(&head, ") / ");
        gnuplot_number_into(&head, width);
        sbuf_puts(&head, ") + ");
        gnuplot_number_into(&head, xa.min + width / 2);
        sbuf_puts(&head, "\nset yrange [0:*]\nset format y '%.0f" LANG_NNBSP "%%'\n");
        for (size_t r = 0; r < shown; r++) {
            if (!counts[r])
                continue;
            sbuf_printf(&plot, "%s%s skip 1 using (bin($%zu*", plot.len ? ", " : "",
                        qdata ? qdata : "''", 2 + 2 * r);
            gnuplot_number_into(&plot, scale);
            sbuf_printf(&plot,
                        ")):(100.0/%zu) smooth frequency with boxes lt %zu fc lt %zu "
                        "title ",
                        counts[r], r % 8 + 1, r % 8 + 1);
            gnuplot_quote_into(&plot, rundir_label(runs[r]));
        }
        h = sbuf_take(&head);
        pl = sbuf_take(&plot);
        emit_chart(&script, stem_h, h ? h : "", pl ? pl : "");
        free(h);
        free(pl);
        caption = pc_strf("%s%s", name, lang_pick(lang, " : histogramme", ": histogram"));
        if (!caption || plot_list_add(list, stem_h + strlen(dir) + 1, caption, "distribution"))
            rc = pc_fail(err, PC_EENV, "out of memory");
        free(caption);
    }
    /* convergence of the reference: running mean and its 90 % confidence interval */
    if (!rc && (rc = fsio_open(&out, conv, err)) == PC_OK) {
        double *raw = NULL;
        size_t n_raw = 0;
        rc = read_values(runs[0], var, &raw, &n_raw, err); /* replication order */
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
        rc = fsio_commit(&out, rc, err);
        char *qconv = gnuplot_quote(conv);
        sbuf_puts(&head, "set title ");
        char *ct = pc_strf("%s%s", name,
                           lang_pick(lang,
                                     " : convergence de la moyenne (r\xC3\xA9"
                                     "f\xC3\xA9rence)",
                                     ": convergence of the mean (reference)"));
        gnuplot_quote_into(&head, ct ? ct : name);
        free(ct);
        sbuf_puts(&head, " font ',14'\nset key below center horizontal box lc rgb '#bbbbbb'\n"
                         "set xlabel ");
        gnuplot_quote_into(&head, lang_pick(lang, "nombre de simulations", "replications"));
        sbuf_puts(&head, "\nset ylabel ");
        gnuplot_quote_into(&head, xl ? xl : name);
        double clo = sums[0].p05 * scale, chi = sums[0].p95 * scale;
        axis_scale ya;
        axis_nice(clo, chi, 0, &ya);
        char *yt = axis_value_ticks(&ya, "", lang), *yr = axis_range(ya.min, ya.max);
        sbuf_printf(&head, "\nset yrange %s\nset ytics %s\nset xrange [1:*]\n", yr ? yr : "[*:*]",
                    yt ? yt : "autofreq");
        free(yt);
        free(yr);
        sbuf_printf(&plot, "%s skip 1 using 1:($3*", qconv ? qconv : "''");
        gnuplot_number_into(&plot, scale);
        sbuf_puts(&plot, "):($4*");
        gnuplot_number_into(&plot, scale);
        sbuf_puts(&plot, ") with filledcurves fc lt 1 fs transparent solid 0.2 noborder title ");
        gnuplot_quote_into(&plot,
                           lang_pick(lang, "intervalle de confiance \xC3\xA0 90 % de la moyenne",
                                     "90 % confidence interval of the mean"));
        sbuf_printf(&plot, ", %s skip 1 using 1:($2*", qconv ? qconv : "''");
        gnuplot_number_into(&plot, scale);
        sbuf_puts(&plot, ") with lines lt 1 title ");
        gnuplot_quote_into(&plot, lang_pick(lang, "moyenne des simulations", "mean of the runs"));
        free(qconv);
        h = sbuf_take(&head);
        pl = sbuf_take(&plot);
        emit_chart(&script, stem_c, h ? h : "", pl ? pl : "");
        free(h);
        free(pl);
        caption =
            pc_strf("%s%s", name,
                    lang_pick(lang, " : convergence de la moyenne", ": convergence of the mean"));
        if (!rc &&
            (!caption || plot_list_add(list, stem_c + strlen(dir) + 1, caption, "distribution")))
            rc = pc_fail(err, PC_EENV, "out of memory");
        free(caption);
    }
drawn:
    free(qdata);
    free(xl);
    free(label);
    if (!rc && script.oom)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc) {
        char *gp = pc_strf("%s/dist-charts.gp", dir);
        if (gp && !(rc = fsio_open(&out, gp, err))) {
            fwrite(script.s, 1, script.len, out.f);
            rc = fsio_commit(&out, rc, err);
        }
        free(gp);
    }
    if (!rc)
        rc = gnuplot_run(script.s, script.len, dir, list->notes ? NULL : &list->notes, err);
done:
    for (size_t r = 0; values && r < n_runs; r++)
        free(values[r]);
    free(values);
    free(counts);
    free(data);
    free(conv);
    free(stem_s);
    free(stem_h);
    free(stem_c);
    sbuf_clear(&script);
    sbuf_clear(&plot);
    sbuf_clear(&head);
    return rc;
}
