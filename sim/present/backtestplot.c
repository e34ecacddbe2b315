/* backtestplot — the PIT histogram and band coverage of a backtest (see backtestplot.h). */
#include "backtestplot.h"

#include <stdlib.h>

#include "chart.h"
#include "gnuplot.h"
#include "sbuf.h"

/* The two panels after chart_emit's common settings: the data blocks (whitespace-separated,
 * a horizon's label double-quoted: it holds no quote), then the multiplot and its plots. */
static void backtest_head(sbuf *h, const backtest_result *r, lang_code lang)
{
    int en = lang == LANG_EN;
    const backtest_score *all = &r->scores[r->n_scores - 1];
    if (!en)
        sbuf_puts(h, "set decimalsign ','\n");
    sbuf_puts(h, "$pit << EOD\n");
    size_t top = 0;
    for (int k = 0; k < BACKTEST_PIT_BINS; k++) {
        gnuplot_number_into(h, (k + 0.5) / BACKTEST_PIT_BINS);
        sbuf_printf(h, " %zu\n", all->pit[k]);
        top = all->pit[k] > top ? all->pit[k] : top;
    }
    sbuf_puts(h, "EOD\n$cover << EOD\n");
    for (size_t i = 0; i < r->n_scores; i++) {
        const backtest_score *c = &r->scores[i];
        if (c->horizon)
            sbuf_printf(h, "%zu \"%d %s\" ", i, c->horizon, en ? "months" : "mois");
        else
            sbuf_printf(h, "%zu \"%s\" ", i, en ? "all" : "ensemble");
        gnuplot_number_into(h, 100 * c->cover50);
        sbuf_puts(h, " ");
        gnuplot_number_into(h, 100 * c->cover90);
        sbuf_puts(h, "\n");
    }
    sbuf_puts(h, "EOD\nset datafile separator whitespace\n");
    double flat = (double)all->n / BACKTEST_PIT_BINS;
    double ymax = (double)top > flat ? (double)top : flat;
    sbuf_puts(h, "set multiplot layout 1,2 title ");
    gnuplot_quote_taken(h, pc_strf("%s (%zu %s)",
                                   en ? "Forecasts against observations"
                                      : "Pr\xC3\xA9visions face aux observations",
                                   all->n, en ? "forecasts" : "pr\xC3\xA9visions"));
    /* boxes and lines keep the width 1 of their borders: chart_emit's line types are 2 wide */
    sbuf_puts(h, " font ',14'\nset style fill solid 0.85 border lc rgb '#333333'\n"
                 "set key top right\nset title ");
    gnuplot_quote_into(h, en ? "Where each observation falls in its forecast"
                             : "O\xC3\xB9 tombe chaque observation dans sa pr\xC3\xA9vision");
    sbuf_puts(h, "\nset xlabel ");
    gnuplot_quote_into(h, en ? "probability integral transform (PIT)"
                             : "rang de l'observation dans la pr\xC3\xA9vision (PIT)");
    sbuf_puts(h, "\nset ylabel ");
    gnuplot_quote_into(h, en ? "forecasts" : "pr\xC3\xA9visions");
    sbuf_puts(h, "\nset xrange [0:1]\nset yrange [0:");
    gnuplot_number_into(h, ymax * 1.25);
    sbuf_puts(h, "]\nset xtics 0.1\nset boxwidth 0.09\n"
                 "plot $pit using 1:2 with boxes fc rgb '#0072B2' lw 1 title ");
    gnuplot_quote_into(h, en ? "observed" : "observ\xC3\xA9");
    sbuf_puts(h, ", \\\n  ");
    gnuplot_number_into(h, flat);
    sbuf_puts(h, " with lines dt 2 lw 2 lc rgb '#D55E00' title ");
    gnuplot_quote_into(h, en ? "calibrated"
                             : "id\xC3\xA9"
                               "al");
    sbuf_puts(h, "\nset title ");
    gnuplot_quote_into(h, en ? "Observations inside the bands" : "Observations dans les bandes");
    sbuf_puts(h, "\nset xlabel ");
    gnuplot_quote_into(h, "horizon");
    sbuf_puts(h, "\nset ylabel ");
    gnuplot_quote_into(h, en ? "% of observations" : "% des observations");
    sbuf_printf(h,
                "\nset xrange [-0.6:%zu.6]\nset yrange [0:125]\nset key top center horizontal\n"
                "set xtics 1\nset boxwidth 0.35\n"
                "plot $cover using ($1-0.18):3:xtic(2) with boxes fc rgb '#56B4E9' lw 1 title ",
                r->n_scores - 1);
    gnuplot_quote_into(h, en ? "50 % band" : "bande 50 %");
    sbuf_puts(h, ", \\\n  $cover using ($1+0.18):4 with boxes fc rgb '#0072B2' lw 1 title ");
    gnuplot_quote_into(h, en ? "90 % band" : "bande 90 %");
    sbuf_puts(h, ", \\\n  50 with lines dt 2 lw 1 lc rgb '#56B4E9' notitle, \\\n"
                 "  90 with lines dt 2 lw 1 lc rgb '#0072B2' notitle\n");
}

int backtestplot_draw(const char *dir, const backtest_result *r, lang_code lang, char **notes,
                      pc_err *err)
{
    *notes = NULL;
    if (!r->n_scores || !r->n_rows)
        return PC_OK;
    char *stem = pc_strf("%s/backtest", dir);
    if (!stem)
        return pc_fail(err, PC_EENV, "out of memory");
    sbuf script = {0}, head = {0};
    backtest_head(&head, r, lang);
    /* the panels are head's own plots: chart_emit's plot is empty */
    chart_emit(&script, stem, head.s ? head.s : "", "");
    script.oom |= head.oom;
    plot_list said = {0}; /* only for what gnuplot says */
    int rc = chart_run_script(dir, "backtest.gp", &script, &said, err);
    *notes = said.notes;
    sbuf_clear(&script);
    sbuf_clear(&head);
    free(stem);
    return rc;
}
