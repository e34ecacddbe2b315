/* backtestplot — the PIT histogram and band coverage of a backtest (see backtestplot.h). */
#include "backtestplot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnuplot.h"

/* Writes text as a gnuplot literal (nothing on out of memory: gnuplot then says so). */
static void put_quoted(FILE *s, const char *text)
{
    char *q = gnuplot_quote(text);
    if (q)
        fputs(q, s);
    free(q);
}

static void write_script(FILE *s, const char *dir, const backtest_result *r, lang_code lang)
{
    int en = lang == LANG_EN;
    const backtest_score *all = &r->scores[r->n_scores - 1];
    fputs("$pit << EOD\n", s);
    size_t top = 0;
    for (int k = 0; k < BACKTEST_PIT_BINS; k++) {
        fprintf(s, "%.2f %zu\n", (k + 0.5) / BACKTEST_PIT_BINS, all->pit[k]);
        top = all->pit[k] > top ? all->pit[k] : top;
    }
    fputs("EOD\n$cover << EOD\n", s);
    for (size_t i = 0; i < r->n_scores; i++) {
        const backtest_score *c = &r->scores[i];
        char label[32];
        if (c->horizon)
            snprintf(label, sizeof label, "%d %s", c->horizon, en ? "months" : "mois");
        else
            snprintf(label, sizeof label, "%s", en ? "all" : "ensemble");
        /* a data block's strings are double-quoted; the label holds no quote */
        fprintf(s, "%zu \"%s\" %.6f %.6f\n", i, label, 100 * c->cover50, 100 * c->cover90);
    }
    fputs("EOD\n", s);
    double flat = (double)all->n / BACKTEST_PIT_BINS;
    double ymax = (double)top > flat ? (double)top : flat;
    for (unsigned t = GNUPLOT_PNG; t <= GNUPLOT_SVG; t <<= 1) {
        char path[4200];
        snprintf(path, sizeof path, "%s/backtest.%s", dir, gnuplot_extension(t));
        char *qout = gnuplot_quote(path);
        if (!qout)
            return;
        fprintf(s, "reset\nset encoding utf8\nset terminal %s\nset output %s\n",
                gnuplot_terminal(t), qout);
        free(qout);
        if (!en)
            fputs("set decimalsign ','\n", s);
        char title[200];
        snprintf(title, sizeof title, "%s (%zu %s)",
                 en ? "Forecasts against observations" : "Pr\xC3\xA9visions face aux observations",
                 all->n, en ? "forecasts" : "pr\xC3\xA9visions");
        fputs("set multiplot layout 1,2 title ", s);
        put_quoted(s, title);
        fputs(" font ',14'\nset border 3 lc rgb '#444444'\nset tics nomirror out scale 0.8,0.4\n"
              "set grid ytics lc rgb '#dddddd'\n"
              "set style fill solid 0.85 border lc rgb '#333333'\nset key top right\n",
              s);
        fputs("set title ", s);
        put_quoted(s, en ? "Where each observation falls in its forecast"
                         : "O\xC3\xB9 tombe chaque observation dans sa pr\xC3\xA9vision");
        fputs("\nset xlabel ", s);
        put_quoted(s, en ? "probability integral transform (PIT)"
                         : "rang de l'observation dans la pr\xC3\xA9vision (PIT)");
        fputs("\nset ylabel ", s);
        put_quoted(s, en ? "forecasts" : "pr\xC3\xA9visions");
        fprintf(s,
                "\nset xrange [0:1]\nset yrange [0:%.6f]\nset xtics 0.1\nset boxwidth 0.09\n"
                "plot $pit using 1:2 with boxes fc rgb '#0072B2' title ",
                ymax * 1.25);
        put_quoted(s, en ? "observed" : "observ\xC3\xA9");
        fprintf(s, ", \\\n  %.6f with lines dt 2 lw 2 lc rgb '#D55E00' title ", flat);
        put_quoted(s, en ? "calibrated"
                         : "id\xC3\xA9"
                           "al");
        fputs("\nset title ", s);
        put_quoted(s, en ? "Observations inside the bands" : "Observations dans les bandes");
        fputs("\nset xlabel 'horizon'\nset ylabel ", s);
        put_quoted(s, en ? "% of observations" : "% des observations");
        fprintf(s,
                "\nset xrange [-0.6:%zu.6]\nset yrange [0:125]\nset key top center horizontal\nset "
                "xtics 1\nset boxwidth 0.35\n"
                "plot $cover using ($1-0.18):3:xtic(2) with boxes fc rgb '#56B4E9' title ",
                r->n_scores - 1);
        put_quoted(s, en ? "50 % band" : "bande 50 %");
        fputs(", \\\n  $cover using ($1+0.18):4 with boxes fc rgb '#0072B2' title ", s);
        put_quoted(s, en ? "90 % band" : "bande 90 %");
        fputs(", \\\n  50 with lines dt 2 lc rgb '#56B4E9' notitle, \\\n"
              "  90 with lines dt 2 lc rgb '#0072B2' notitle\nunset multiplot\nunset output\n",
              s);
    }
}

int backtestplot_draw(const char *dir, const backtest_result *r, lang_code lang, char **notes,
                      pc_err *err)
{
    *notes = NULL;
    if (!r->n_scores || !r->n_rows)
        return PC_OK;
    char *text = NULL;
    size_t len = 0;
    FILE *script = open_memstream(&text, &len);
    if (!script)
        return pc_fail(err, PC_EENV, "out of memory");
    write_script(script, dir, r, lang);
    if (fclose(script) != 0) {
        free(text);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    int rc = gnuplot_run(text, strlen(text), dir, notes, err);
    free(text);
    return rc;
}
