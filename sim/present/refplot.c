/* refplot — the reference's band with and without drivers, and its groups (see refplot.h). */
#include "refplot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axis.h"
#include "chart.h"
#include "core/fsio.h"
#include "gnuplot.h"
#include "sbuf.h"

int refplot_main_stock(const rundir *run, char *var, size_t size)
{
    char **names = NULL;
    size_t n = 0;
    int found = 0;
    double best = -INFINITY;
    int first, last;
    if (!rundir_periods(run, RUNDIR_MONTHLY, &first, &last) ||
        rundir_names(&run, 1, RUNDIR_MONTHLY, "entries.", "", &names, &n))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char stock[300];
        snprintf(stock, sizeof stock, "stock.%s", names[i]);
        rundir_stat st;
        if (rundir_value(run, RUNDIR_MONTHLY, stock, last, &st) && isfinite(st.mean) &&
            st.mean > best) {
            best = st.mean;
            snprintf(var, size, "%s", stock);
            found = 1;
        }
    }
    rundir_names_free(names, n);
    return found;
}

/* The common head of a chart over months first..last: title, axes, key. */
static void month_head(sbuf *head, const char *title, const char *ylabel, int first, int last,
                       double lo, double hi, const char *suffix, double scale, lang_code lang)
{
    sbuf_puts(head, "set title ");
    gnuplot_quote_into(head, title);
    sbuf_puts(head, " font ',14'\nset key below center horizontal box lc rgb '#bbbbbb'\n"
                    "set ylabel ");
    gnuplot_quote_into(head, ylabel);
    axis_scale ya;
    axis_nice(lo * scale, hi * scale, 0, &ya);
    char *yt = axis_value_ticks(&ya, suffix, lang), *yr = axis_range(ya.min, ya.max);
    char *xt = axis_month_ticks(first, last, lang);
    char *xr = axis_range(first / 12.0, last / 12.0);
    sbuf_printf(head, "\nset yrange %s\nset ytics %s\nset xrange %s\nset xtics %s\n",
                yr ? yr : "[*:*]", yt ? yt : "autofreq", xr ? xr : "[*:*]", xt ? xt : "autofreq");
    free(yt);
    free(yr);
    free(xt);
    free(xr);
}

int refplot_bands(const char *dir, const rundir *with, const rundir *without, lang_code lang,
                  plot_list *list, refplot_band_summary *sum, pc_err *err)
{
    memset(sum, 0, sizeof *sum);
    sum->width_with = sum->width_without = NAN;
    if (!refplot_main_stock(with, sum->var, sizeof sum->var))
        return pc_fail(err, PC_EINPUT, "%s: no population stock to draw", rundir_path(with));
    const rundir_series *a = rundir_find(with, RUNDIR_MONTHLY, sum->var);
    const rundir_series *b = rundir_find(without, RUNDIR_MONTHLY, sum->var);
    if (!a || !b || a->n == 0)
        return pc_fail(err, PC_EINPUT, "%s/monthly.csv: no variable %s", rundir_path(without),
                       sum->var);
    char safe[300];
    fsio_safe_name(sum->var, safe, sizeof safe);
    char *stem = pc_strf("%s/bands-%s", dir, safe);
    char *data = pc_strf("%s.csv", stem ? stem : "");
    char *label = rundir_var_label(with, sum->var, lang);
    int rc = stem && data && label ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    fsio_file out;
    double lo = INFINITY, hi = -INFINITY;
    if (!rc && !(rc = fsio_open(&out, data, err))) {
        fputs("month,year_fraction,with_p05,with_p25,with_p50,with_p75,with_p95,without_p05,"
              "without_p25,"
              "without_p50,without_p75,without_p95\n",
              out.f);
        for (size_t i = 0; i < a->n; i++) {
            int p = a->period[i];
            const rundir_stat *x = &a->stat[i], *y = rundir_series_at(b, p);
            rundir_stat none = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
            if (!y)
                y = &none;
            fprintf(out.f, "%04d-%02d,%.17g", p / 12, p % 12 + 1, p / 12.0);
            const double v[10] = {x->p05, x->p25, x->p50, x->p75, x->p95,
                                  y->p05, y->p25, y->p50, y->p75, y->p95};
            for (int k = 0; k < 10; k++) {
                fsio_csv_exact(out.f, v[k], 0);
                if (isfinite(v[k])) {
                    lo = fmin(lo, v[k]);
                    hi = fmax(hi, v[k]);
                }
            }
            fputc('\n', out.f);
            if (i + 1 == a->n) {
                sum->width_with = x->p95 - x->p05;
                sum->width_without = y->p95 - y->p05;
            }
        }
        rc = fsio_commit(&out, PC_OK, err);
    }
    sbuf script = {0}, head = {0}, plot = {0};
    if (!rc) {
        char *title = pc_strf("%s%s", label,
                              lang_pick(lang,
                                        " : bandes avec et sans les al\xC3\xA9"
                                        "as persistants",
                                        ": bands with and without the drivers"));
        month_head(&head, title ? title : label, lang_pick(lang, "personnes", "persons"),
                   a->period[0], a->period[a->n - 1], lo, hi, "", 1, lang);
        free(title);
        sbuf_puts(&head, "set style fill transparent solid 0.25 noborder\n");
        char *q = gnuplot_quote(data);
        const char *x = "2"; /* the month as year + (month - 1) / 12 */
        sbuf_printf(&plot,
                    "%s skip 1 using %s:3:7 with filledcurves fc lt 1 fs transparent solid 0.18 "
                    "title ",
                    q ? q : "''", x);
        gnuplot_quote_into(&plot, lang_pick(lang,
                                            "avec al\xC3\xA9"
                                            "as : 90 %",
                                            "with drivers: 90 %"));
        sbuf_printf(&plot,
                    ", %s skip 1 using %s:4:6 with filledcurves fc lt 1 fs transparent solid 0.3 "
                    "notitle, %s skip 1 using %s:5 with lines lt 1 title ",
                    q ? q : "''", x, q ? q : "''", x);
        gnuplot_quote_into(&plot, lang_pick(lang,
                                            "avec al\xC3\xA9"
                                            "as : m\xC3\xA9"
                                            "diane",
                                            "with drivers: median"));
        sbuf_printf(&plot, ", %s skip 1 using %s:8 with lines lt 2 dt 2 title ", q ? q : "''", x);
        gnuplot_quote_into(&plot, lang_pick(lang,
                                            "sans al\xC3\xA9"
                                            "as : 5 % et 95 %",
                                            "without drivers: 5 % and 95 %"));
        sbuf_printf(&plot, ", %s skip 1 using %s:12 with lines lt 2 dt 2 notitle", q ? q : "''", x);
        sbuf_printf(&plot, ", %s skip 1 using %s:10 with lines lt 2 lw 1 title ", q ? q : "''", x);
        gnuplot_quote_into(&plot, lang_pick(lang,
                                            "sans al\xC3\xA9"
                                            "as : m\xC3\xA9"
                                            "diane",
                                            "without drivers: median"));
        free(q);
        chart_emit(&script, stem, head.s ? head.s : "", plot.s ? plot.s : "");
        char *caption = pc_strf("%s%s", label,
                                lang_pick(lang,
                                          " : avec et sans les al\xC3\xA9"
                                          "as persistants",
                                          ": with and without the drivers"));
        if (!caption || plot_list_add(list, stem + strlen(dir) + 1, caption, "bands"))
            rc = pc_fail(err, PC_EENV, "out of memory");
        free(caption);
    }
    if (!rc)
        rc = chart_run_script(dir, "bands-charts.gp", &script, list, err);
    sbuf_clear(&script);
    sbuf_clear(&head);
    sbuf_clear(&plot);
    free(stem);
    free(data);
    free(label);
    return rc;
}

/* ---- groups --------------------------------------------------------------------- */

/* One (population, attribute) of the share variables: "rsa[age=" and its values. */
typedef struct {
    char *prefix;  /* "rsa[age=" */
    char **values; /* the full names of its share variables (borrowed) */
    size_t n;
} group_set;

/* The label of an attribute's value (VALUE], up to the bracket) from the manifest's
 * [attribute ATTR] values and labels, or NULL: a new string. */
static char *value_label_of(const rundir *run, const char *attr, const char *value)
{
    char *section = pc_strf("attribute %s", attr);
    const char *values = section ? rundir_setting(run, section, "values") : NULL;
    const char *labels = section ? rundir_setting(run, section, "labels") : NULL;
    free(section);
    if (!values || !labels)
        return NULL;
    size_t len = strcspn(value, "]");
    for (const char *v = values, *l = labels; *v && *l;) {
        v += strspn(v, " ");
        l += strspn(l, " ");
        size_t vl = strcspn(v, ","), ll = strcspn(l, ",");
        while (vl && v[vl - 1] == ' ')
            vl--;
        if (vl == len && !strncmp(v, value, len)) {
            while (ll && l[ll - 1] == ' ')
                ll--;
            return pc_strf("%.*s", (int)ll, l);
        }
        v += strcspn(v, ",");
        l += strcspn(l, ",");
        v += *v == ',';
        l += *l == ',';
    }
    return NULL;
}

char *refplot_group_label(const rundir *run, const char *share_var)
{
    const char *open = strchr(share_var, '['), *eq = open ? strchr(open, '=') : NULL;
    if (!eq)
        return pc_strdup(share_var);
    char *attr = pc_strf("%.*s", (int)(eq - open - 1), open + 1);
    char *section = attr ? pc_strf("attribute %s", attr) : NULL;
    const char *attr_label = section ? rundir_setting(run, section, "label") : NULL;
    char *value = attr ? value_label_of(run, attr, eq + 1) : NULL;
    char *label =
        attr ? pc_strf("%s : %s", attr_label ? attr_label : attr, value ? value : eq + 1) : NULL;
    if (label && !value) /* the bracket's closing ] */
        label[strlen(label) - (label[strlen(label) - 1] == ']')] = '\0';
    free(attr);
    free(section);
    free(value);
    return label;
}

/* Draws the chart of one set. */
static int draw_group(const char *dir, const rundir *run, const group_set *g, lang_code lang,
                      sbuf *script, plot_list *list, pc_err *err)
{
    const rundir_series *s[16];
    size_t n = g->n < 16 ? g->n : 16;
    int first = 0, last = 0;
    for (size_t i = 0; i < n; i++) {
        s[i] = rundir_find(run, RUNDIR_MONTHLY, g->values[i]);
        if (!s[i] || s[i]->n == 0)
            return PC_OK;
    }
    first = s[0]->period[0];
    last = s[0]->period[s[0]->n - 1];
    char name[300];
    size_t plen = strcspn(g->prefix, "[");
    snprintf(name, sizeof name, "groups-%.*s-%.*s", (int)plen, g->prefix,
             (int)(strlen(g->prefix) - plen - 2), g->prefix + plen + 1);
    char safe[300];
    fsio_safe_name(name, safe, sizeof safe);
    char *stem = pc_strf("%s/%s", dir, safe);
    char *data = pc_strf("%s.csv", stem ? stem : "");
    if (!stem || !data) {
        free(stem);
        free(data);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    fsio_file out;
    int rc = fsio_open(&out, data, err);
    if (!rc) {
        fputs("month", out.f);
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < 3; k++) {
                char *h = pc_strf("%s:%s", g->values[i], k == 0 ? "p05" : k == 1 ? "p50" : "p95");
                fsio_csv_text(out.f, h ? h : "?", 0);
                free(h);
            }
        fputc('\n', out.f);
        for (size_t j = 0; j < s[0]->n; j++) {
            int p = s[0]->period[j];
            fprintf(out.f, "%.17g", p / 12.0);
            for (size_t i = 0; i < n; i++) {
                const rundir_stat *st = rundir_series_at(s[i], p);
                fsio_csv_exact(out.f, st ? st->p05 : NAN, 0);
                fsio_csv_exact(out.f, st ? st->p50 : NAN, 0);
                fsio_csv_exact(out.f, st ? st->p95 : NAN, 0);
            }
            fputc('\n', out.f);
        }
        rc = fsio_commit(&out, PC_OK, err);
    }
    char *pop_var = pc_strf("stock.%.*s", (int)plen, g->prefix);
    char *pop = pop_var ? rundir_var_label(run, pop_var, lang) : NULL;
    char *attr = pc_strf("%.*s", (int)(strlen(g->prefix) - plen - 2), g->prefix + plen + 1);
    char *section = attr ? pc_strf("attribute %s", attr) : NULL;
    const char *attr_label = section ? rundir_setting(run, section, "label") : NULL;
    free(section);
    char *title = pop && attr
                      ? pc_strf("%s%s%s", pop, lang_pick(lang, " : parts selon ", ": shares by "),
                                attr_label ? attr_label : attr)
                      : NULL;
    sbuf head = {0}, plot = {0};
    if (!rc && !title)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc) {
        month_head(&head, title, lang_pick(lang, "part du stock", "share of the stock"), first,
                   last, 0, 1, lang == LANG_EN ? "%" : LANG_NNBSP "%", 100, lang);
        sbuf_puts(&head, "set yrange [0:100]\nset key right outside vertical\n");
        char *q = gnuplot_quote(data);
        int observed_titled = 0;
        for (size_t i = 0; i < n; i++) {
            char *label = rundir_var_label(run, g->values[i], lang);
            const char *shown = label ? label : g->values[i];
            /* the value's own label, after the population's */
            const char *eq = strchr(g->values[i], '=');
            char *value_label = eq ? value_label_of(run, attr, eq + 1) : NULL;
            size_t lt = i % 8 + 1;
            sbuf_printf(&plot,
                        "%s%s skip 1 using 1:($%zu*100):($%zu*100) with filledcurves fc lt %zu "
                        "fs transparent solid 0.2 noborder notitle, %s skip 1 using 1:($%zu*100) "
                        "with lines lt %zu title ",
                        i ? ", " : "", q ? q : "''", 2 + 3 * i, 4 + 3 * i, lt, q ? q : "''",
                        3 + 3 * i, lt);
            char *value = eq ? pc_strf("%.*s", (int)strcspn(eq + 1, "]"), eq + 1) : NULL;
            gnuplot_quote_into(&plot, value_label                           ? value_label
                                      : label && strstr(label, "=") == NULL ? shown
                                      : value                               ? value
                                                                            : shown);
            free(value);
            free(value_label);
            free(label);
            int periods[8];
            double values[8];
            size_t n_obs = rundir_observed(run, RUNDIR_YEARLY, g->values[i], periods, values, 8);
            for (size_t k = 0; k < n_obs && k < 8; k++) {
                sbuf_printf(&plot, ", '+' using (");
                gnuplot_number_into(&plot, periods[k] + 0.5);
                sbuf_puts(&plot, "):(");
                gnuplot_number_into(&plot, values[k] * 100);
                sbuf_printf(&plot, ") every ::0::0 with points lt %zu pt 7 ps 1.6 %s", lt,
                            observed_titled ? "notitle" : "");
                if (!observed_titled)
                    sbuf_printf(&plot, "title '%s'", lang_pick(lang, "observ\xC3\xA9", "observed"));
                observed_titled = 1;
            }
        }
        free(q);
        chart_emit(script, stem, head.s ? head.s : "", plot.s ? plot.s : "");
        if (plot_list_add(list, stem + strlen(dir) + 1, title, "groups"))
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    sbuf_clear(&head);
    sbuf_clear(&plot);
    free(pop_var);
    free(pop);
    free(attr);
    free(title);
    free(stem);
    free(data);
    return rc;
}

int refplot_groups(const char *dir, const rundir *run, lang_code lang, plot_list *list, pc_err *err)
{
    char **names = NULL;
    size_t n = 0;
    if (rundir_names(&run, 1, RUNDIR_MONTHLY, "share.", "", &names, &n))
        return pc_fail(err, PC_EENV, "out of memory");
    char **full = pc_calloc(n + 1, sizeof *full);
    group_set *sets = pc_calloc(n + 1, sizeof *sets);
    size_t n_sets = 0;
    int rc = full && sets ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < n && !rc; i++) {
        const char *eq = strchr(names[i], '=');
        if (!strchr(names[i], '[') || !eq)
            continue;
        if (!(full[i] = pc_strf("share.%s", names[i])))
            rc = pc_fail(err, PC_EENV, "out of memory");
        size_t plen = (size_t)(eq - names[i]) + 1;
        size_t k = 0;
        while (k < n_sets && strncmp(sets[k].prefix, names[i], plen) != 0)
            k++;
        if (!rc && k == n_sets) {
            sets[k].prefix = pc_strf("%.*s", (int)plen, names[i]);
            sets[k].values = pc_calloc(n, sizeof *sets[k].values);
            if (!sets[k].prefix || !sets[k].values)
                rc = pc_fail(err, PC_EENV, "out of memory");
            n_sets++;
        }
        if (!rc)
            sets[k].values[sets[k].n++] = full[i];
    }
    sbuf script = {0};
    for (size_t k = 0; k < n_sets && !rc; k++)
        rc = draw_group(dir, run, &sets[k], lang, &script, list, err);
    if (!rc && script.len)
        rc = chart_run_script(dir, "groups-charts.gp", &script, list, err);
    sbuf_clear(&script);
    for (size_t k = 0; sets && k < n_sets; k++) {
        free(sets[k].prefix);
        free(sets[k].values);
    }
    free(sets);
    for (size_t i = 0; full && i < n; i++)
        free(full[i]);
    free(full);
    rundir_names_free(names, n);
    return rc;
}
