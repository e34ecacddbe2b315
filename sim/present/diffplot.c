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
        return lang == LANG_EN ? "Total cost (euros per month)" : "Coût total (euros par mois)";
    return var;
}

/* Writes the data of one difference chart: x (decimal year), p05, p25, p50, p75, p95,
 * mean, ci_low, ci_high by month; *biggest is the largest magnitude written. */
static int write_chart_data(const char *path, const mc_result *base, const mc_result *alt,
                            const char *var, double *scratch, double *biggest, pc_err *err)
{
    long bv = rec_find(base->catalog, var), av = rec_find(alt->catalog, var);
    if (bv < 0 || av < 0)
        return pc_fail(err, PC_EINTERNAL, "%s: no variable %s to chart", path, var);
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    *biggest = 0;
    fputs("x,p05,p25,p50,p75,p95,mean,ci_low,ci_high\n", f);
    for (size_t k = 0; k < base->n_months; k++) {
        for (size_t rep = 0; rep < base->reps; rep++)
            scratch[rep] = mc_series(alt, rep, (size_t)av)[k] - mc_series(base, rep, (size_t)bv)[k];
        cmp_stat s;
        cmp_summarise(scratch, base->reps, CMP_LEVEL, &s);
        int y, mo;
        mdl_month_of(base->model, (int)k, &y, &mo);
        fsio_csv_number(f, y + (mo - 1) / 12.0, 1);
        const double v[8] = {s.p05, s.p25, s.p50, s.p75, s.p95, s.mean, s.ci_low, s.ci_high};
        for (int i = 0; i < 8; i++) {
            fsio_csv_number(f, v[i], 0);
            if (isfinite(v[i]) && fabs(v[i]) > *biggest)
                *biggest = fabs(v[i]);
        }
        fputc('\n', f);
    }
    return fsio_commit(&out, PC_OK, err);
}

/* Appends to script the commands drawing one difference chart in PNG and SVG. */
static void chart_script(FILE *script, const char *stem, const char *data, const char *title,
                         const char *subtitle, int euros, double biggest, int first_year,
                         int last_year, lang_code lang)
{
    char *qdata = gnuplot_quote(data);
    char *qtitle = gnuplot_quote(title);
    char *qsub = gnuplot_quote(subtitle);
    if (!qdata || !qtitle || !qsub)
        goto done;
    double scale = biggest >= 1e6 ? 1e-6 : 1;
    int en = lang == LANG_EN;
    const char *unit =
        euros ? (scale < 1 ? (en ? " (million euros)" : " (millions d'euros)") : " (euros)")
              : (scale < 1 ? (en ? " (million persons)" : " (millions de personnes)")
                           : (en ? " (persons)" : " (personnes)"));
    int span = last_year - first_year + 1;
    int step = span <= 12 ? 1 : span <= 30 ? 2 : span <= 60 ? 5 : 10;
    for (unsigned t = GNUPLOT_PNG; t <= GNUPLOT_SVG; t <<= 1) {
        char out[4200];
        snprintf(out, sizeof out, "%s.%s", stem, gnuplot_extension(t));
        char *qout = gnuplot_quote(out);
        if (!qout)
            break;
        fprintf(script,
                "reset\nset encoding utf8\nset terminal %s\nset output %s\n"
                "set datafile separator comma\nset datafile missing 'NA'\n",
                gnuplot_terminal(t), qout);
        free(qout);
        if (lang == LANG_FR)
            fputs("set decimalsign ','\n", script);
        fprintf(script,
                "set border 3 lc rgb '#444444'\nset tics nomirror out scale 0.8,0.4\n"
                "set grid ytics lc rgb '#dddddd' lw 1 dt 1\n"
                "set title %s.\"\\n\".%s font ',14'\n"
                "set xtics %d format '%%.0f'\nset xrange [%d:%d]\n"
                "set ylabel \"%s%s\"\nset format y '%s'\n"
                "set key below center horizontal box lc rgb '#bbbbbb' samplen 3\n",
                qtitle, qsub, step, first_year, last_year + 1,
                lang == LANG_EN ? "difference"
                                : "\xC3\xA9"
                                  "cart",
                unit, biggest * scale >= 10 || biggest == 0 ? "%.0f" : "%.2g");
        fprintf(script,
                "plot %s skip 1 using 1:($2*%g):($6*%g) with filledcurves fc rgb '#0072B2' "
                "fs transparent solid 0.14 noborder title '%s', \\\n"
                "  %s skip 1 using 1:($3*%g):($5*%g) with filledcurves fc rgb '#0072B2' "
                "fs transparent solid 0.28 noborder title '%s', \\\n"
                "  %s skip 1 using 1:($4*%g) with lines lc rgb '#0072B2' lw 2 title '%s', \\\n"
                "  %s skip 1 using 1:($7*%g) with lines lc rgb '#D55E00' dt 2 lw 2 title '%s', \\\n"
                "  0 with lines lc rgb '#444444' lw 1 notitle\nunset output\n",
                qdata, scale, scale,
                lang == LANG_EN ? "90 % of the paired differences"
                                : "90 % des \xC3\xA9"
                                  "carts",
                qdata, scale, scale,
                lang == LANG_EN ? "50 % of the paired differences"
                                : "50 % des \xC3\xA9"
                                  "carts",
                qdata, scale,
                lang == LANG_EN ? "median difference"
                                : "\xC3\xA9"
                                  "cart m\xC3\xA9"
                                  "dian",
                qdata, scale,
                lang == LANG_EN ? "mean difference"
                                : "\xC3\xA9"
                                  "cart moyen");
    }
done:
    free(qdata);
    free(qtitle);
    free(qsub);
}

/* Whether var gets a difference chart: each population's stock, each queue, the total
 * cost, when the alternative has it too. */
static int charted(const mdl_model *base, const mc_result *alt, const char *var)
{
    int wanted = !strcmp(var, "cost.total") || !strncmp(var, "queue.", 6) ||
                 (!strncmp(var, "stock.", 6) && mdl_population_index(base, var + 6) >= 0);
    return wanted && rec_find(alt->catalog, var) >= 0;
}

/* The chart of var for alternative alt named name: its data file, its commands in
 * script, its place in list. */
static int draw_one(FILE *script, const char *charts, const mc_result *base, const mc_result *alt,
                    const char *name, const char *var, lang_code lang, double *scratch,
                    plot_list *list, pc_err *err)
{
    const mdl_model *bm = base->model;
    char safe_alt[200], safe_var[300], stem[4096], data[4200];
    fsio_safe_name(name, safe_alt, sizeof safe_alt);
    fsio_safe_name(var, safe_var, sizeof safe_var);
    if ((size_t)snprintf(stem, sizeof stem, "%s/diff-%s-%s", charts, safe_alt, safe_var) >=
            sizeof stem ||
        (size_t)snprintf(data, sizeof data, "%s.csv", stem) >= sizeof data)
        return pc_fail(err, PC_EINPUT, "%s: folder name too long", charts);
    double biggest = 0;
    int rc = write_chart_data(data, base, alt, var, scratch, &biggest, err);
    if (rc)
        return rc;
    int first_year = bm->start_year, last_year, last_month;
    mdl_month_of(bm, bm->horizon - 1, &last_year, &last_month);
    char title[600], subtitle[600], caption[1300];
    snprintf(title, sizeof title, "%s", variable_label(bm, var, lang));
    snprintf(subtitle, sizeof subtitle, "%s%s %s %s",
             lang_pick(lang,
                       "\xC3\x89"
                       "cart appari\xC3\xA9 : ",
                       "Paired difference: "),
             alt->model->label ? alt->model->label : alt->model->id, "\xE2\x88\x92",
             bm->label ? bm->label : bm->id);
    chart_script(script, stem, data, title, subtitle, !strncmp(var, "cost.", 5), biggest,
                 first_year, last_year, lang);
    snprintf(caption, sizeof caption, "%s \xE2\x80\x94 %s", title, subtitle);
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
                rc = draw_one(script, charts, base, alts[i], names[i + 1], var, lang, scratch, list,
                              err);
        }
    free(scratch);
    if (script && fclose(script) != 0 && !rc)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc && list->n > drawn)
        rc = gnuplot_run(text, strlen(text), charts, list->notes ? NULL : &list->notes, err);
    free(text);
    return rc;
}
