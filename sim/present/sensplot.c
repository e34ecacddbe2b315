/* sensplot — the tornado of a one-at-a-time study and the Sobol indices (see sensplot.h). */
#include "sensplot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "core/fsio.h"
#include "gnuplot.h"
#include "sbuf.h"

/* The tornado chart after chart_emit's common settings: the title, the axes, one tick per
 * key (its name, LOW and HIGH) and the line at the base mean, then the data block. */
static void tornado_head(sbuf *h, const sens_oat_result *r, const cmp_key *output,
                         const char *title, lang_code lang)
{
    int en = lang == LANG_EN;
    double lo = r->base_mean, hi = r->base_mean;
    for (size_t i = 0; i < r->n; i++) {
        const sens_oat_row *row = &r->rows[i];
        lo = fmin(lo, fmin(row->mean_low, row->mean_high));
        hi = fmax(hi, fmax(row->mean_low, row->mean_high));
    }
    double pad = (hi - lo) > 0 ? 0.08 * (hi - lo) : fabs(hi) * 0.01 + 1;
    double scale = fmax(fabs(lo), fabs(hi)) >= 1e6 ? 1e-6 : 1;
    /* room for the longest tick label, in characters */
    int margin = 10;
    for (size_t i = 0; i < r->n; i++) {
        int len = (int)(strlen(r->rows[i].vary.key) + strlen(r->rows[i].vary.low) +
                        strlen(r->rows[i].vary.high)) +
                  8;
        margin = len > margin ? len : margin;
    }
    if (margin > 70)
        margin = 70;
    if (!en)
        sbuf_puts(h, "set decimalsign ','\n");
    sbuf_puts(h, "set title ");
    gnuplot_quote_into(h, title);
    sbuf_puts(h, " font ',14'\nset xlabel ");
    gnuplot_quote_taken(h,
                        pc_strf("%s%s (%s, %zu %s)", output->name, scale < 1 ? " (millions)" : "",
                                en ? "mean of the runs" : "moyenne des simulations", r->reps,
                                en ? "runs" : "simulations"));
    sbuf_puts(h, "\nunset grid\nset grid xtics lc rgb '#dddddd' lw 1 dt 1\nset xrange [");
    gnuplot_number_into(h, (lo - pad) * scale);
    sbuf_puts(h, ":");
    gnuplot_number_into(h, (hi + pad) * scale);
    sbuf_printf(h,
                "]\nset yrange [0.4:%zu.6]\nset format x '%s'\n"
                "set style fill solid 0.85 border lc rgb '#333333'\n"
                "set bmargin 6\nset key at screen 0.5, screen 0.02 center bottom horizontal "
                "box lc rgb '#bbbbbb'\nset lmargin %d\nset ytics (",
                r->n, (hi - lo) * scale >= 10 ? "%.0f" : "%.3g", margin);
    for (size_t i = 0; i < r->n; i++) {
        const sens_oat_row *row = &r->rows[i];
        sbuf_puts(h, i ? ", " : "");
        gnuplot_quote_taken(
            h, pc_strf("%s (%s \xE2\x80\x93 %s)", row->vary.key, row->vary.low, row->vary.high));
        sbuf_printf(h, " %zu", r->n - i);
    }
    sbuf_puts(h, ")\nset arrow from ");
    gnuplot_number_into(h, r->base_mean * scale);
    sbuf_puts(h, ", graph 0 to ");
    gnuplot_number_into(h, r->base_mean * scale);
    sbuf_puts(h, ", graph 1 nohead lc rgb '#444444' lw 1\n$bars << EOD\n");
    for (size_t i = 0; i < r->n; i++) {
        const sens_oat_row *row = &r->rows[i];
        const double v[3] = {r->base_mean, row->mean_low, row->mean_high};
        sbuf_printf(h, "%zu", r->n - i);
        for (int j = 0; j < 3; j++) {
            sbuf_puts(h, " ");
            gnuplot_number_into(h, v[j] * scale);
        }
        sbuf_puts(h, "\n");
    }
    sbuf_puts(h, "EOD\nset datafile separator whitespace\n");
}

/* The tornado's bars: from the base mean to the mean at LOW and to the mean at HIGH, with
 * the width 1 of their borders (chart_emit's line types are 2 wide). */
static void tornado_plot(sbuf *p, lang_code lang)
{
    sbuf_puts(p, "$bars using (($2+$3)/2):1:(($2<$3)?$2:$3):(($2<$3)?$3:$2):($1-0.35):($1) "
                 "with boxxyerror fc rgb '#0072B2' lw 1 title ");
    gnuplot_quote_into(p, lang_pick(lang, "valeur basse", "low value"));
    sbuf_puts(p, ", \\\n  $bars using (($2+$4)/2):1:(($2<$4)?$2:$4):(($2<$4)?$4:$2):($1):($1+0.35) "
                 "with boxxyerror fc rgb '#D55E00' lw 1 title ");
    gnuplot_quote_into(p, lang_pick(lang, "valeur haute", "high value"));
}

int sensplot_tornado(const char *dir, const sens_oat_result *r, const cmp_key *output,
                     lang_code lang, plot_list *list, pc_err *err)
{
    if (r->n == 0)
        return PC_OK;
    char *stem = pc_strf("%s/tornado", dir);
    char *title =
        pc_strf("%s %s", lang_pick(lang, "Sensibilit\xC3\xA9 de", "Sensitivity of"), output->label);
    int rc = stem && title ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    sbuf script = {0}, head = {0}, plot = {0};
    if (!rc) {
        tornado_head(&head, r, output, title, lang);
        tornado_plot(&plot, lang);
        chart_emit(&script, stem, head.s ? head.s : "", plot.s ? plot.s : "");
        script.oom |= head.oom | plot.oom;
        if (plot_list_add(list, "tornado", title, "sensitivity"))
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    if (!rc)
        rc = chart_run_script(dir, "tornado.gp", &script, list, err);
    sbuf_clear(&script);
    sbuf_clear(&head);
    sbuf_clear(&plot);
    free(stem);
    free(title);
    return rc;
}

/* One row of the Sobol chart. */
typedef struct {
    const char *name;
    const sens_index *x;
} sobol_row;

static int by_total(const void *a, const void *b)
{
    double x = ((const sobol_row *)a)->x->total, y = ((const sobol_row *)b)->x->total;
    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(((const sobol_row *)a)->name, ((const sobol_row *)b)->name);
}

/* sobol-chart.csv: the study's numbers in the chart's order. */
static int write_sobol_data(const char *path, const sobol_row *rows, size_t k, pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    fputs("rank,parameter,first,first_low,first_high,total,total_low,total_high\n", out.f);
    for (size_t i = 0; i < k; i++) {
        const sens_index *x = rows[i].x;
        fprintf(out.f, "%zu", i + 1);
        fsio_csv_text(out.f, rows[i].name, 0);
        const double v[6] = {x->first, x->first_low, x->first_high,
                             x->total, x->total_low, x->total_high};
        for (int j = 0; j < 6; j++)
            fsio_csv_exact(out.f, v[j], 0);
        fputc('\n', out.f);
    }
    return fsio_commit(&out, PC_OK, err);
}

int sensplot_sobol(const char *dir, const sens_sobol_result *r, const char *const *names,
                   const cmp_key *output, lang_code lang, plot_list *list, pc_err *err)
{
    if (r->k == 0)
        return PC_OK;
    sobol_row *rows = pc_calloc(r->k, sizeof *rows);
    char *data = pc_strf("%s/sobol-chart.csv", dir);
    char *stem = pc_strf("%s/sobol", dir);
    char *title =
        pc_strf("%s %s", lang_pick(lang, "Indices de Sobol de", "Sobol indices of"), output->label);
    int rc = rows && data && stem && title ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; !rc && i < r->k; i++)
        rows[i] = (sobol_row){names[i], &r->indices[i]};
    if (!rc) {
        qsort(rows, r->k, sizeof *rows, by_total);
        rc = write_sobol_data(data, rows, r->k, err);
    }
    sbuf script = {0}, head = {0}, plot = {0};
    if (!rc) {
        double hi = 1;
        for (size_t i = 0; i < r->k; i++)
            hi = fmax(hi, fmax(rows[i].x->first_high, rows[i].x->total_high));
        double lo = 0;
        for (size_t i = 0; i < r->k; i++)
            lo = fmin(lo, fmin(rows[i].x->first_low, rows[i].x->total_low));
        int margin = 12;
        for (size_t i = 0; i < r->k; i++)
            margin =
                (int)strlen(rows[i].name) + 3 > margin ? (int)strlen(rows[i].name) + 3 : margin;
        margin = margin > 50 ? 50 : margin;
        if (lang != LANG_EN)
            sbuf_puts(&head, "set decimalsign ','\n");
        sbuf_puts(&head, "set title ");
        gnuplot_quote_into(&head, title);
        sbuf_printf(&head,
                    " font ',14'\nset key below center horizontal box lc rgb '#bbbbbb'\n"
                    "unset grid\nset grid xtics lc rgb '#dddddd'\n"
                    "set xrange [%.3f:%.3f]\nset yrange [0.4:%zu.6]\nset format x '%%.1f'\n"
                    "set lmargin %d\nset style fill solid 0.85 border lc rgb '#333333'\n"
                    "set xlabel ",
                    fmax(fmin(lo, 0), -0.5) - 0.02, fmin(hi, 1.5) + 0.02, r->k, margin);
        char xlabel[600];
        snprintf(
            xlabel, sizeof xlabel, "%s (%zu x %zu %s, %s)",
            lang_pick(lang, "indice (part de la variance)", "index (share of the variance)"), r->n,
            r->k + 2, lang_pick(lang, "simulations", "runs"),
            lang_pick(lang, "intervalles bootstrap \xC3\xA0 95 %", "95 % bootstrap intervals"));
        gnuplot_quote_into(&head, xlabel);
        sbuf_puts(&head, "\nset ytics (");
        for (size_t i = 0; i < r->k; i++) {
            sbuf_puts(&head, i ? ", " : "");
            gnuplot_quote_into(&head, rows[i].name);
            sbuf_printf(&head, " %zu", r->k - i);
        }
        sbuf_puts(&head, ")\n$sobol << EOD\n");
        for (size_t i = 0; i < r->k; i++) {
            const sens_index *x = rows[i].x;
            sbuf_printf(&head, "%zu", r->k - i);
            const double v[6] = {x->first, x->first_low, x->first_high,
                                 x->total, x->total_low, x->total_high};
            for (int j = 0; j < 6; j++) {
                sbuf_puts(&head, " ");
                gnuplot_number_into(&head, v[j]);
            }
            sbuf_puts(&head, "\n");
        }
        sbuf_puts(&head, "EOD\nset datafile separator whitespace\n");
        sbuf_puts(&plot,
                  "$sobol using ($2/2):($1+0.18):(($2<0)?$2:0):(($2<0)?0:$2):($1+0.02):($1+0.34) "
                  "with boxxyerror fc rgb '#0072B2' title ");
        gnuplot_quote_into(&plot, lang_pick(lang, "premier ordre", "first order"));
        sbuf_puts(&plot, ", $sobol using 2:($1+0.18):3:4 with xerrorbars lc rgb '#333333' pt -1 "
                         "notitle, $sobol using ($5/2):($1-0.18):(($5<0)?$5:0):(($5<0)?0:$5):"
                         "($1-0.34):($1-0.02) with boxxyerror fc rgb '#D55E00' title ");
        gnuplot_quote_into(&plot, lang_pick(lang, "total", "total"));
        sbuf_puts(&plot,
                  ", $sobol using 5:($1-0.18):6:7 with xerrorbars lc rgb '#333333' pt -1 notitle");
        chart_emit(&script, stem, head.s ? head.s : "", plot.s ? plot.s : "");
        script.oom |= head.oom | plot.oom;
        if (plot_list_add(list, "sobol", title, "sensitivity"))
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    if (!rc)
        rc = chart_run_script(dir, "sobol-chart.gp", &script, list, err);
    sbuf_clear(&script);
    sbuf_clear(&head);
    sbuf_clear(&plot);
    free(rows);
    free(data);
    free(stem);
    free(title);
    return rc;
}
