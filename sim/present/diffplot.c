/* diffplot — the paired-difference charts of a comparison (see diffplot.h).
 *
 * Each chart's data are summaries across replications of alt - base, month by
 * month (cmp_summarise), written before gnuplot is looked for; the charts of
 * every alternative go to gnuplot in one script. */
#include "diffplot.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axis.h"
#include "chart.h"
#include "core/fsio.h"
#include "core/rec.h"
#include "gnuplot.h"
#include "study/cmp.h"

/* The display name of a charted variable. */
static const char *variable_label(const mdl_model *m, const char *var, lang_code lang)
{
    if (!strncmp(var, "stock.", 6)) {
        int p = mdl_population_index(m, var + 6);
        if (p >= 0)
            return m->populations[p].label ? m->populations[p].label : m->populations[p].name;
    }
    if (!strncmp(var, "queue.", 6)) {
        int s = mdl_state_index(m, var + 6);
        if (s >= 0)
            return m->states[s].label ? m->states[s].label : m->states[s].name;
    }
    if (!strcmp(var, "cost.total"))
        return lang == LANG_EN ? "Total cost" : "Co\xC3\xBBt total";
    return var;
}

/* Writes the data of one difference chart: x (decimal year, or the calendar year when
 * yearly), p05, p25, p50, p75, p95, mean, ci_low, ci_high by month or, when yearly, of
 * the sums over each calendar year; *lo and *hi are the smallest and largest values. */
static int write_chart_data(const char *path, const mc_result *base, const mc_result *alt,
                            const char *var, int yearly, double *scratch, double *lo, double *hi,
                            pc_err *err)
{
    long bv = rec_find(base->catalog, var), av = rec_find(alt->catalog, var);
    if (bv < 0 || av < 0)
        return pc_fail(err, PC_EINTERNAL, "%s: no variable %s to chart", path, var);
    /* each replication's series read once, not once a month (mc_rows) */
    size_t h = base->n_months, cells = base->reps * h;
    double *brows = malloc(2 * (cells ? cells : 1) * sizeof *brows), *arows = brows + cells;
    if (!brows)
        return pc_fail(err, PC_EENV, "out of memory");
    mc_rows(base, (size_t)bv, brows);
    mc_rows(alt, (size_t)av, arows);
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc) {
        free(brows);
        return rc;
    }
    FILE *f = out.f;
    *lo = 0;
    *hi = 0;
    fputs(yearly ? "year,p05,p25,p50,p75,p95,mean,ci_low,ci_high\n"
                 : "x,p05,p25,p50,p75,p95,mean,ci_low,ci_high\n",
          f);
    for (size_t k = 0; k < base->n_months;) {
        int y, mo;
        mdl_month_of(base->model, (int)k, &y, &mo);
        size_t end = k + 1;
        if (yearly)
            for (int y2 = y, m2; end < base->n_months; end++) {
                mdl_month_of(base->model, (int)end, &y2, &m2);
                if (y2 != y)
                    break;
            }
        for (size_t rep = 0; rep < base->reps; rep++) {
            double sum = 0;
            for (size_t j = k; j < end; j++)
                sum += arows[rep * h + j] - brows[rep * h + j];
            scratch[rep] = sum;
        }
        cmp_stat st;
        cmp_summarise(scratch, base->reps, CMP_LEVEL, &st);
        fsio_csv_number(f, yearly ? y : y + (mo - 1) / 12.0, 1);
        const double v[8] = {st.p05, st.p25,  st.p50,    st.p75,
                             st.p95, st.mean, st.ci_low, st.ci_high};
        for (int i = 0; i < 8; i++) {
            fsio_csv_number(f, v[i], 0);
            if (isfinite(v[i]) && i < 6) {
                *lo = fmin(*lo, v[i]);
                *hi = fmax(*hi, v[i]);
            }
        }
        fputc('\n', f);
        k = end;
    }
    free(brows);
    return fsio_commit(&out, PC_OK, err);
}

/* How one difference chart is drawn. */
typedef struct {
    const char *stem, *data, *title, *subtitle;
    int euros;     /* yearly sums of euros, else monthly persons */
    double lo, hi; /* the data's smallest and largest values */
    int first_year, last_year;
    const char *colour; /* the alternative's colour */
    lang_code lang;
} diff_chart;

/* Appends to script the commands drawing one difference chart in PNG and SVG. */
static void chart_script(FILE *script, const diff_chart *d)
{
    char *qdata = gnuplot_quote(d->data);
    char *qtitle = gnuplot_quote(d->title);
    char *qsub = gnuplot_quote(d->subtitle);
    char *ytics = NULL, *yrange = NULL;
    if (!qdata || !qtitle || !qsub)
        goto done;
    int en = d->lang == LANG_EN;
    double big = fmax(fabs(d->lo), fabs(d->hi));
    /* euros: M€ per year, or k€ where millions would show 0,0 */
    double scale = d->euros ? (big >= 1e5 ? 1e-6 : 1e-3) : 1;
    const char *unit =
        d->euros ? (scale < 1e-3 ? (en ? "\xE2\x82\xAC million per year" : "M\xE2\x82\xAC par an")
                                 : (en ? "\xE2\x82\xAC thousand per year" : "k\xE2\x82\xAC par an"))
                 : (en ? "persons" : "personnes");
    axis_scale y;
    axis_nice(d->lo * scale, d->hi * scale, 0, &y);
    ytics = axis_value_ticks(&y, "", d->lang);
    yrange = axis_range(y.min, y.max);
    if (!ytics || !yrange)
        goto done;
    int span = d->last_year - d->first_year + 1;
    int step = span <= 12 ? 1 : span <= 30 ? 2 : span <= 60 ? 5 : 10;
    for (unsigned t = GNUPLOT_PNG; t <= GNUPLOT_SVG; t <<= 1) {
        char out[4200];
        snprintf(out, sizeof out, "%s.%s", d->stem, gnuplot_extension(t));
        char *qout = gnuplot_quote(out);
        if (!qout)
            break;
        fprintf(script,
                "reset\nset encoding utf8\nset terminal %s\nset output %s\n"
                "set datafile separator comma\nset datafile missing 'NA'\n",
                gnuplot_terminal(t), qout);
        free(qout);
        fprintf(script,
                "set border 3 lc rgb '#444444'\nset tics nomirror out scale 0.8,0.4\n"
                "set grid ytics lc rgb '#dddddd' lw 1 dt 1\n"
                "set title %s.\"\\n\".%s font ',14'\n"
                "set xtics %d format '%%.0f'\nset xrange [%g:%g]\n"
                "set ylabel \"%s (%s)\"\nset yrange %s\nset ytics %s\n"
                "set key below center horizontal box lc rgb '#bbbbbb' samplen 3\n",
                qtitle, qsub, step, d->euros ? d->first_year - 0.6 : d->first_year,
                d->euros ? d->last_year + 0.6 : d->last_year + 1.0,
                en ? "difference"
                   : "\xC3\xA9"
                     "cart",
                unit, yrange, ytics);
        const char *band90 = en ? "90 % of the paired differences"
                                : "90 % des \xC3\xA9"
                                  "carts",
                   *band50 = en ? "50 % of the paired differences"
                                : "50 % des \xC3\xA9"
                                  "carts",
                   *median = en ? "median difference"
                                : "\xC3\xA9"
                                  "cart m\xC3\xA9"
                                  "dian",
                   *mean = en ? "mean difference"
                              : "\xC3\xA9"
                                "cart moyen";
        if (d->euros)
            fprintf(script,
                    "set boxwidth 0.6\nset style fill solid 0.45 noborder\n"
                    "plot %s skip 1 using 1:($7*%g) with boxes fc rgb '%s' title '%s', \\\n"
                    "  %s skip 1 using 1:($4*%g):($2*%g):($6*%g) with yerrorbars "
                    "lc rgb '#222222' pt 7 ps 0.6 lw 1.5 title '%s', \\\n"
                    "  0 with lines lc rgb '#444444' lw 1 notitle\nunset output\n",
                    qdata, scale, d->colour, mean, qdata, scale, scale, scale,
                    en ? "median and 90 % of the paired differences"
                       : "\xC3\xA9"
                         "cart m\xC3\xA9"
                         "dian et 90 % des \xC3\xA9"
                         "carts");
        else
            fprintf(script,
                    "plot %s skip 1 using 1:2:6 with filledcurves fc rgb '%s' "
                    "fs transparent solid 0.14 noborder title '%s', \\\n"
                    "  %s skip 1 using 1:3:5 with filledcurves fc rgb '%s' "
                    "fs transparent solid 0.28 noborder title '%s', \\\n"
                    "  %s skip 1 using 1:4 with lines lc rgb '%s' lw 2 title '%s', \\\n"
                    "  %s skip 1 using 1:7 with lines lc rgb '#444444' dt 2 lw 1.5 title '%s', "
                    "\\\n  0 with lines lc rgb '#444444' lw 1 notitle\nunset output\n",
                    qdata, d->colour, band90, qdata, d->colour, band50, qdata, d->colour, median,
                    qdata, mean);
    }
done:
    free(qdata);
    free(qtitle);
    free(qsub);
    free(ytics);
    free(yrange);
}

/* Whether var gets a difference chart: each population's stock, each queue, the total
 * cost, when the alternative has it too. */
static int charted(const mdl_model *base, const mc_result *alt, const char *var)
{
    int wanted = !strcmp(var, "cost.total") || !strncmp(var, "queue.", 6) ||
                 !strncmp(var, "funder.", 7) ||
                 (!strncmp(var, "stock.", 6) && mdl_population_index(base, var + 6) >= 0);
    return wanted && rec_find(alt->catalog, var) >= 0;
}

/* The chart of var for alternative alt named name: its data file, its commands in
 * script, its place in list. */
static int draw_one(FILE *script, const char *charts, const mc_result *base, const mc_result *alt,
                    size_t alt_index, const char *name, const char *var, lang_code lang,
                    double *scratch, plot_list *list, pc_err *err)
{
    const mdl_model *bm = base->model;
    char safe_alt[200], safe_var[300], stem[4096], data[4200];
    fsio_safe_name(name, safe_alt, sizeof safe_alt);
    fsio_safe_name(var, safe_var, sizeof safe_var);
    if ((size_t)snprintf(stem, sizeof stem, "%s/diff-%s-%s", charts, safe_alt, safe_var) >=
            sizeof stem ||
        (size_t)snprintf(data, sizeof data, "%s.csv", stem) >= sizeof data)
        return pc_fail(err, PC_EINPUT, "%s: folder name too long", charts);
    int euros = !strncmp(var, "cost.", 5) || !strncmp(var, "funder.", 7);
    double lo = 0, hi = 0;
    int rc = write_chart_data(data, base, alt, var, euros, scratch, &lo, &hi, err);
    if (rc)
        return rc;
    int first_year = bm->start_year, last_year, last_month;
    mdl_month_of(bm, bm->horizon - 1, &last_year, &last_month);
    char title[600], subtitle[600], caption[1300];
    if (!strncmp(var, "funder.", 7)) {
        char *who = lang_funder(var + 7, lang);
        snprintf(title, sizeof title, "%s%s", lang_pick(lang, "D\xC3\xA9penses : ", "Spending: "),
                 who ? who : var + 7);
        free(who);
    } else {
        snprintf(title, sizeof title, "%s", variable_label(bm, var, lang));
    }
    snprintf(subtitle, sizeof subtitle, "%s%s %s %s",
             lang_pick(lang,
                       "\xC3\x89"
                       "cart appari\xC3\xA9 : ",
                       "Paired difference: "),
             alt->model->label ? alt->model->label : alt->model->id, "\xE2\x88\x92",
             bm->label ? bm->label : bm->id);
    snprintf(caption, sizeof caption, "%s \xE2\x80\x94 %s", title, subtitle);
    if (lo == 0 && hi == 0) /* the policy changes nothing here: no chart, one line */
        return plot_list_add_empty(list, caption) ? pc_fail(err, PC_EENV, "out of memory") : PC_OK;
    diff_chart d = {.stem = stem,
                    .data = data,
                    .title = title,
                    .subtitle = subtitle,
                    .euros = euros,
                    .lo = lo,
                    .hi = hi,
                    .first_year = first_year,
                    .last_year = last_year,
                    .colour = chart_style_colour((int)(alt_index % 8) + 1),
                    .lang = lang};
    chart_script(script, &d);
    if (plot_list_add(list, stem + strlen(charts) + 1, caption, "difference"))
        return pc_fail(err, PC_EENV, "out of memory");
    return PC_OK;
}

int diffplot_draw(const char *charts, const mc_result *base, const mc_result *const *alts,
                  size_t n_alts, char *const *names, lang_code lang, plot_list *list, pc_err *err)
{
    int rc = fsio_mkdirs(charts, err);
    if (rc)
        return rc;
    char *text = NULL;
    size_t len = 0, drawn = list->n;
    FILE *script = open_memstream(&text, &len);
    double *scratch = malloc((base->reps ? base->reps : 1) * sizeof *scratch);
    if (!script || !scratch)
        rc = pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < n_alts && !rc; i++)
        for (size_t v = 0; v < base->n_vars && !rc; v++) {
            const char *var = base->catalog->vars[v].name;
            if (charted(base->model, alts[i], var))
                rc = draw_one(script, charts, base, alts[i], i + 1, names[i + 1], var, lang,
                              scratch, list, err);
        }
    free(scratch);
    if (script && fclose(script) != 0 && !rc)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc && list->n > drawn) {
        char *path = pc_strf("%s/charts.gp", charts);
        fsio_file out;
        if (!path)
            rc = pc_fail(err, PC_EENV, "out of memory");
        else if (!(rc = fsio_open(&out, path, err))) {
            fputs(text, out.f);
            rc = fsio_commit(&out, rc, err);
        }
        free(path);
    }
    if (!rc && list->n > drawn)
        rc = gnuplot_run(text, strlen(text), charts, list->notes ? NULL : &list->notes, err);
    free(text);
    return rc;
}
