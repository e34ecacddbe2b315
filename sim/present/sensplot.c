/* sensplot — the tornado chart of a one-at-a-time study (see sensplot.h). */
#include "sensplot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gnuplot.h"

/* The tornado chart's script: one bar from the base mean to the mean at LOW and one to
 * the mean at HIGH per key, the largest swing on top. */
static int tornado_script(FILE *s, const char *dir, const sens_oat_result *r, const cmp_key *output,
                          lang_code lang)
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
    char title[600], xlabel[400];
    snprintf(title, sizeof title, "%s %s", en ? "Sensitivity of" : "Sensibilit\xC3\xA9 de",
             output->label);
    snprintf(xlabel, sizeof xlabel, "%s%s (%s, %zu %s)", output->name,
             scale < 1 ? " (millions)" : "", en ? "mean of the runs" : "moyenne des simulations",
             r->reps, en ? "runs" : "simulations");
    char *qtitle = gnuplot_quote(title), *qx = gnuplot_quote(xlabel);
    if (!qtitle || !qx) {
        free(qtitle);
        free(qx);
        return PC_EENV;
    }
    fputs("$bars << EOD\n", s);
    for (size_t i = 0; i < r->n; i++) {
        const sens_oat_row *row = &r->rows[i];
        fprintf(s, "%zu %.17g %.17g %.17g\n", r->n - i, r->base_mean * scale, row->mean_low * scale,
                row->mean_high * scale);
    }
    fputs("EOD\n", s);
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
    for (unsigned t = GNUPLOT_PNG; t <= GNUPLOT_SVG; t <<= 1) {
        char path[4200];
        snprintf(path, sizeof path, "%s/tornado.%s", dir, gnuplot_extension(t));
        char *qout = gnuplot_quote(path);
        if (!qout)
            break;
        fprintf(s, "reset\nset encoding utf8\nset terminal %s\nset output %s\n",
                gnuplot_terminal(t), qout);
        free(qout);
        if (!en)
            fputs("set decimalsign ','\n", s);
        fprintf(s,
                "set title %s font ',14'\nset xlabel %s\nset border 3 lc rgb '#444444'\n"
                "set tics nomirror out scale 0.8,0.4\nset grid xtics lc rgb '#dddddd'\n"
                "set xrange [%.17g:%.17g]\nset yrange [0.4:%zu.6]\nset format x '%s'\n"
                "set style fill solid 0.85 border lc rgb '#333333'\n"
                "set bmargin 6\nset key at screen 0.5, screen 0.02 center bottom horizontal "
                "box lc rgb '#bbbbbb'\nset lmargin %d\nset ytics (",
                qtitle, qx, (lo - pad) * scale, (hi + pad) * scale, r->n,
                (hi - lo) * scale >= 10 ? "%.0f" : "%.3g", margin);
        for (size_t i = 0; i < r->n; i++) {
            const sens_oat_row *row = &r->rows[i];
            char label[400];
            snprintf(label, sizeof label, "%s (%s %s %s)", row->vary.key, row->vary.low,
                     "\xE2\x80\x93", row->vary.high);
            char *q = gnuplot_quote(label);
            if (q)
                fprintf(s, "%s%s %zu", i ? ", " : "", q, r->n - i);
            free(q);
        }
        fprintf(s, ")\nset arrow from %.17g, graph 0 to %.17g, graph 1 nohead lc rgb '#444444'\n",
                r->base_mean * scale, r->base_mean * scale);
        fprintf(s,
                "plot $bars using (($2+$3)/2):1:(($2<$3)?$2:$3):(($2<$3)?$3:$2):($1-0.35):($1) "
                "with boxxyerror fc rgb '#0072B2' title '%s', \\\n"
                "  $bars using (($2+$4)/2):1:(($2<$4)?$2:$4):(($2<$4)?$4:$2):($1):($1+0.35) "
                "with boxxyerror fc rgb '#D55E00' title '%s'\nunset output\n",
                en ? "low value" : "valeur basse", en ? "high value" : "valeur haute");
    }
    free(qtitle);
    free(qx);
    return PC_OK;
}

int sensplot_tornado(const char *dir, const sens_oat_result *r, const cmp_key *output,
                     lang_code lang, plot_list *list, pc_err *err)
{
    if (r->n == 0)
        return PC_OK;
    char *text = NULL;
    size_t len = 0;
    FILE *script = open_memstream(&text, &len);
    if (!script)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = tornado_script(script, dir, r, output, lang);
    if (fclose(script) != 0 && !rc)
        rc = PC_EENV;
    if (rc)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc) {
        char title[600];
        snprintf(title, sizeof title, "%s %s",
                 lang_pick(lang, "Sensibilit\xC3\xA9 de", "Sensitivity of"), output->label);
        if (plot_list_add(list, "tornado", title, "sensitivity"))
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    if (!rc)
        rc = gnuplot_run(text, strlen(text), dir, list->notes ? NULL : &list->notes, err);
    free(text);
    return rc;
}
