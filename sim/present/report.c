/* report — the committee page from run folders: charts, key figures, index.html (see report.h).
 *
 * The page is built from the run folders only (their CSV files and manifests),
 * so what it shows is what the files say (the key figures: keyfig.h).  It is
 * written section by section into one file renamed into place when complete. */
#include "report.h"

#include <errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/fsio.h"
#include "distplot.h"
#include "keyfig.h"
#include "refplot.h"
#include "scatterplot.h"
#include "territory.h"
#include "sbuf.h"

#define NDASH "\xE2\x80\x93"

/* fprintf of the French or the English format, both checked by the compiler. */
#define PICKF(f, lang, fr, en, ...)                                                                \
    ((lang) == LANG_EN ? fprintf(f, en, __VA_ARGS__) : fprintf(f, fr, __VA_ARGS__))

/* ---- the page --------------------------------------------------------------------- */

static void html(FILE *f, const char *text)
{
    for (const char *p = text ? text : ""; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            fputc(*p, f);
        }
    }
}

/* A relative address: each path segment percent-encoded where it must be. */
static void href(FILE *f, const char *path)
{
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/._-~", *p))
            fputc(*p, f);
        else
            fprintf(f, "%%%02X", *p);
    }
}

static const char page_css[] =
    "body{font-family:'DejaVu Sans',Arial,Helvetica,sans-serif;color:#1a1a1a;margin:0 auto;"
    "max-width:1320px;padding:1.5em 2em;line-height:1.45}\n"
    ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));"
    "gap:0 1.5em}\n"
    ".charts section.chart{min-width:0}\n"
    "p.empty{color:#555;font-size:.9em}\n"
    ".table-wrap{max-width:100%;overflow-x:auto}\n"
    "h1{font-size:1.7em;margin-bottom:.2em}\n"
    "h2{font-size:1.35em;border-bottom:2px solid #0072B2;padding-bottom:.15em;margin-top:2.2em}\n"
    "h3{font-size:1.1em;margin:1.4em 0 .4em}\n"
    ".meta{color:#555}\n"
    "table{border-collapse:collapse;margin:.8em 0;font-size:.9em}\n"
    "th,td{border:1px solid #c8c8c8;padding:.35em .6em;vertical-align:top;text-align:left}\n"
    "thead th{background:#eef3f8}\n"
    "td.num{text-align:right;white-space:nowrap}\n"
    ".interval,.delta{display:block;font-size:.82em;color:#555}\n"
    ".delta{color:#0b4f82}\n"
    "figure{margin:.4em 0 1.2em}\n"
    "img{max-width:100%;height:auto;border:1px solid #e2e2e2}\n"
    "figcaption{font-size:.85em;color:#444;margin-top:.3em}\n"
    "code{background:#f3f3f3;padding:0 .25em}\n"
    "nav ol{columns:2;padding-left:1.4em}\n"
    ".missing{background:#fff4e5;border-left:4px solid #e69f00;padding:.6em 1em}\n"
    "@page{size:A4 landscape;margin:12mm}\n"
    "@media print{body{max-width:none;padding:0;font-size:10pt}nav{display:none}"
    "section.chart{break-before:page;page-break-before:always;break-inside:avoid;"
    "page-break-inside:avoid}h2,h3{break-after:avoid;page-break-after:avoid}"
    "tr{break-inside:avoid;page-break-inside:avoid}a{color:inherit;text-decoration:none}"
    "img{border:0;max-height:160mm}.charts{display:block}.table-wrap{overflow:visible}"
    "table{font-size:8pt}}\n";

static void write_cell(FILE *f, const keyfig_row *row, size_t r, lang_code lang)
{
    char mean[64], lo[64], hi[64];
    double v = row->mean[r] * row->scale;
    lang_number(v, row->decimals, lang, mean, sizeof mean);
    fputs("<td class=\"num\" data-variable=\"", f);
    html(f, row->variable);
    fputs("\" data-period=\"", f);
    html(f, row->period);
    char raw[40] = "NA";
    if (isfinite(row->mean[r]))
        snprintf(raw, sizeof raw, "%.17g", row->mean[r]);
    fprintf(f, "\" data-mean=\"%s\">%s", raw, mean);
    if (isfinite(row->p05[r]) && isfinite(row->p95[r])) {
        lang_number(row->p05[r] * row->scale, row->decimals, lang, lo, sizeof lo);
        lang_number(row->p95[r] * row->scale, row->decimals, lang, hi, sizeof hi);
        fprintf(f, "<span class=\"interval\">[%s " NDASH " %s]</span>", lo, hi);
    }
    if (r > 0 && isfinite(row->mean[r]) && isfinite(row->mean[0])) {
        char delta[64];
        double d = (row->mean[r] - row->mean[0]) * row->scale;
        lang_number(d, row->decimals, lang, delta, sizeof delta);
        fprintf(f, "<span class=\"delta\">%s %s%s",
                lang_pick(lang,
                          "\xC3\xA9"
                          "cart :",
                          "difference:"),
                d > 0 && strpbrk(delta, "123456789") ? "+" : "", delta);
        if (isfinite(row->d05[r]) && isfinite(row->d95[r])) {
            char dlo[64], dhi[64];
            lang_number(row->d05[r] * row->scale, row->decimals, lang, dlo, sizeof dlo);
            lang_number(row->d95[r] * row->scale, row->decimals, lang, dhi, sizeof dhi);
            fprintf(f, " [%s " NDASH " %s]", dlo, dhi);
        }
        fputs("</span>", f);
    }
    fputs("</td>", f);
}

/* Whether the variable starts with one of the prefixes (NULL: every variable). */
static int has_prefix(const char *variable, const char *const *prefixes)
{
    if (!prefixes)
        return 1;
    for (size_t k = 0; prefixes[k]; k++)
        if (!strncmp(variable, prefixes[k], strlen(prefixes[k])))
            return 1;
    return 0;
}

/* The key figures whose variable starts with one of prefixes (all when NULL). */
static void write_key_table(FILE *f, const keyfig_table *t, rundir *const *runs, lang_code lang,
                            const char *const *prefixes)
{
    fputs("<table class=\"key\">\n<thead><tr><th>", f);
    fputs(lang_pick(lang, "Indicateur", "Indicator"), f);
    fputs("</th>", f);
    for (size_t r = 0; r < t->n_runs; r++) {
        fputs("<th>", f);
        html(f, rundir_label(runs[r]));
        if (r == 0)
            fprintf(f, " <small>(%s)</small>",
                    lang_pick(lang,
                              "r\xC3\xA9"
                              "f\xC3\xA9rence",
                              "reference"));
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n", f);
    for (size_t i = 0; i < t->n; i++) {
        if (!has_prefix(t->rows[i].variable, prefixes))
            continue;
        fputs("<tr><th scope=\"row\">", f);
        html(f, t->rows[i].label);
        fputs("</th>", f);
        for (size_t r = 0; r < t->n_runs; r++)
            write_cell(f, &t->rows[i], r, lang);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

/* Which charts of a list a section shows: NULL shows them all. */
typedef int (*chart_filter)(const plot_chart *ch, const void *ctx);

/* The charts of list that keep accepts (all when keep is NULL), and, when with_empty,
 * the line naming those not drawn. */
static void write_charts_of(FILE *f, const plot_list *list, const char *folder, const char *context,
                            lang_code lang, chart_filter keep, const void *ctx, int with_empty)
{
    size_t shown = 0;
    for (size_t i = 0; list && i < list->n; i++)
        shown += !keep || keep(&list->charts[i], ctx);
    if (shown)
        fputs("<div class=\"charts\">\n", f);
    for (size_t i = 0; list && i < list->n; i++) {
        const plot_chart *ch = &list->charts[i];
        if (keep && !keep(ch, ctx))
            continue;
        const char *ext = list->formats & GNUPLOT_PNG   ? "png"
                          : list->formats & GNUPLOT_SVG ? "svg"
                                                        : "pdf";
        fputs("<section class=\"chart\">\n<h3>", f);
        html(f, ch->title);
        fputs("</h3>\n<figure><img src=\"", f);
        href(f, folder);
        fputc('/', f);
        href(f, ch->name);
        fprintf(f, ".%s\" alt=\"", ext);
        html(f, ch->title);
        fputs(" \xE2\x80\x94 ", f);
        html(f, context);
        fputs("\" loading=\"eager\">\n<figcaption>", f);
        html(f, context);
        fputs(" \xC2\xB7 ", f);
        int first = 1;
        for (unsigned fmt = GNUPLOT_PNG; fmt <= GNUPLOT_PDF; fmt <<= 1) {
            if (!(list->formats & fmt))
                continue;
            const char *e = fmt == GNUPLOT_PNG ? "png" : fmt == GNUPLOT_SVG ? "svg" : "pdf";
            fprintf(f, "%s<a href=\"", first ? "" : " \xC2\xB7 ");
            href(f, folder);
            fputc('/', f);
            href(f, ch->name);
            fprintf(f, ".%s\">%s</a>", e,
                    fmt == GNUPLOT_PNG   ? "PNG"
                    : fmt == GNUPLOT_SVG ? "SVG"
                                         : "PDF");
            first = 0;
        }
        fputs(" \xC2\xB7 <a href=\"", f);
        href(f, folder);
        fputc('/', f);
        href(f, ch->name);
        fprintf(f, ".csv\">%s</a></figcaption></figure>\n</section>\n",
                lang_pick(lang,
                          "donn\xC3\xA9"
                          "es du graphique (CSV)",
                          "chart data (CSV)"));
    }
    if (shown)
        fputs("</div>\n", f);
    if (with_empty && list && list->empty) {
        fprintf(f, "<p class=\"empty\">%s ",
                lang_pick(lang,
                          "Non trac\xC3\xA9s : rien \xC3\xA0 montrer "
                          "(toutes les valeurs sont nulles), ou au-del\xC3\xA0 des plus grands "
                          "(les donn\xC3\xA9"
                          "es sont dans les CSV) :",
                          "Not drawn: nothing to show (every value is zero), or beyond the "
                          "largest (the data are in the CSV files):"));
        for (const char *p = list->empty; *p;) {
            size_t len = strcspn(p, "\n");
            char *one = pc_strf("%.*s", (int)len, p);
            if (one)
                html(f, one);
            free(one);
            p += len;
            if (*p) {
                fputs(" ; ", f);
                p++;
            }
        }
        fputs(".</p>\n", f);
    }
}

static void write_charts(FILE *f, const plot_list *list, const char *folder, const char *context,
                         lang_code lang)
{
    write_charts_of(f, list, folder, context, lang, NULL, NULL, 1);
}

/* The dated changes of a scenario: given, or read from its manifest. */
static void write_changes(FILE *f, const report_scenario *s, const rundir *run, lang_code lang)
{
    cfg_doc *doc = NULL;
    pc_err ignored;
    size_t shown = 0;
    fprintf(f,
            "<table class=\"changes\"><thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
            "<tbody>\n",
            lang_pick(lang, "\xC3\x80 partir de", "From"),
            lang_pick(lang, "Param\xC3\xA8tre", "Parameter"),
            lang_pick(lang, "Nouvelle valeur", "New value"));
    if (s->changes) {
        for (size_t i = 0; i < s->n_changes; i++, shown++) {
            fputs("<tr><td>", f);
            html(f, s->changes[i].date);
            fputs("</td><td><code>", f);
            html(f, s->changes[i].key);
            fputs("</code></td><td><code>", f);
            html(f, s->changes[i].value);
            fputs("</code></td></tr>\n", f);
        }
    } else {
        char *path = pc_strf("%s/manifest.ini", rundir_path(run));
        if (path && access(path, F_OK) == 0 && cfg_read(path, &doc, &ignored) != PC_OK)
            doc = NULL;
        free(path);
        for (size_t i = 0; doc && i < doc->n; i++) {
            const cfg_section *sec = &doc->sections[i];
            if (strncmp(sec->name, "set ", 4) != 0)
                continue;
            for (size_t k = 0; k < sec->n; k++, shown++) {
                fputs("<tr><td>", f);
                html(f, sec->name + 4);
                fputs("</td><td><code>", f);
                html(f, sec->entries[k].key);
                fputs("</code></td><td><code>", f);
                html(f, sec->entries[k].value);
                fputs("</code></td></tr>\n", f);
            }
        }
    }
    if (shown == 0)
        fprintf(f, "<tr><td colspan=\"3\">%s</td></tr>\n",
                lang_pick(lang, "Aucun changement dat\xC3\xA9 : le mod\xC3\xA8le tel quel.",
                          "No dated change: the model as it is."));
    fputs("</tbody></table>\n", f);
    cfg_doc_free(doc);
}

/* What the page is made of. */
typedef struct {
    FILE *f;
    const char *dir;
    const report_scenario *scenarios;
    size_t n;
    rundir *const *runs;
    plot_list *const *lists;
    const plot_list *compare, *differences;
    const keyfig_table *keys;
    const char *chart_error;
    lang_code lang;
    const plot_list *dist;    /* distribution charts in dir/distribution/, or NULL */
    const dist_summary *sums; /* one per scenario */
    const char *dist_var;
    double threshold;
    const report_options *opt;
    const plot_list *scatter, *bands, *groups; /* the reference's: distribution/, bands/, groups/ */
    scatter_summary scatter_sum;
    refplot_band_summary band_sum;
    const territory_map *territories; /* of the reference run */
} page;

/* ---- the départements of a national run ---------------------------------------- */

/* One column of the département table. */
typedef struct {
    char *var_suffix; /* stock: NULL; an indicator: its family (oriente_2_mois) */
    char *head;       /* column heading */
    rundir_table table;
    int period;
    int percent;  /* a share, shown in % */
    int millions; /* euros, shown in M€ */
    int count;    /* a count indicator: without the model's own total, the sum of the rows */
} terr_col;

/* The label after the last " — " of a label ("Drôme — part des sorties" gives "part des
 * sorties"), or the whole label. */
static const char *after_dash(const char *label)
{
    const char *last = NULL;
    for (const char *q = label; (q = strstr(q, " \xE2\x80\x94 ")); q++)
        last = q;
    return last ? last + 5 : label;
}

/* text with its first letter in capitals (an ASCII one; text may be NULL). */
static char *capitalized(char *text)
{
    if (text && text[0] >= 'a' && text[0] <= 'z')
        text[0] = (char)(text[0] - 'a' + 'A');
    return text;
}

/* A cell of the table: the value shown and, in data-v, the number it sorts by. */
static void terr_cell(FILE *f, const rundir_stat *st, int percent, int millions, int with_interval,
                      lang_code lang)
{
    if (!st || !isfinite(st->mean)) {
        fputs("<td class=\"num\" data-v=\"\">\xE2\x80\x94</td>", f);
        return;
    }
    double k = percent ? 100 : millions ? 1e-6 : 1;
    int dec = percent || millions ? 1 : 0;
    char mean[64], lo[64], hi[64];
    lang_number(st->mean * k, dec, lang, mean, sizeof mean);
    fprintf(f, "<td class=\"num\" data-v=\"%.17g\">%s%s", st->mean * k, mean,
            percent ? LANG_NNBSP "%" : "");
    if (with_interval && isfinite(st->p05) && isfinite(st->p95)) {
        lang_number(st->p05 * k, dec, lang, lo, sizeof lo);
        lang_number(st->p95 * k, dec, lang, hi, sizeof hi);
        fprintf(f, "<span class=\"interval\">[%s " NDASH " %s]</span>", lo, hi);
    }
    fputs("</td>", f);
}

static const char sort_script[] =
    "<script>\n"
    "document.querySelectorAll('table.sortable').forEach(function(t){\n"
    " t.querySelectorAll('thead th').forEach(function(th,i){\n"
    "  th.style.cursor='pointer';th.title='trier';\n"
    "  th.addEventListener('click',function(){\n"
    "   var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows),up=th.dataset.up!=='1';\n"
    "   th.dataset.up=up?'1':'0';\n"
    "   rows.sort(function(x,y){var a=x.cells[i].dataset.v,c=y.cells[i].dataset.v;\n"
    "    if(a===undefined){a=x.cells[i].textContent;c=y.cells[i].textContent;"
    "return up?a.localeCompare(c):c.localeCompare(a);}\n"
    "    a=a===''?-Infinity:+a;c=c===''?-Infinity:+c;return up?a-c:c-a;});\n"
    "   rows.forEach(function(r){b.appendChild(r);});});});});\n"
    "</script>\n";

/* The count indicator of run r whose terms are exactly the stocks of the départements'
 * populations (foyers_france: stock.d01, ..., stock.d976), as "indicator.NAME", or NULL:
 * the whole of the table's stock columns with its own interval. */
static char *stock_total(const rundir *r, const territory_map *map)
{
    const cfg_doc *doc = rundir_manifest(r);
    for (size_t i = 0; doc && i < doc->n; i++) {
        const cfg_section *sec = &doc->sections[i];
        const cfg_entry *kind = strncmp(sec->name, "indicator ", 10) ? NULL : cfg_get(sec, "kind");
        const cfg_entry *of = kind && !strcmp(kind->value, "count") ? cfg_get(sec, "of") : NULL;
        if (!of)
            continue;
        size_t n = 0, matched = 0, len;
        const char *p = of->value, *item;
        while ((len = rundir_list_next(&p, &item))) {
            n++;
            for (size_t t = 0; t < map->n; t++)
                if (len == 6 + strlen(map->t[t].population) && !strncmp(item, "stock.", 6) &&
                    !strncmp(item + 6, map->t[t].population, len - 6))
                    matched++;
        }
        if (n == map->n && matched == n)
            return pc_strf("indicator.%s", sec->name + 10);
    }
    return NULL;
}

/* The département x indicator table of the reference run, when it has two départements
 * or more (populations with `territory = CODE`): each one's population stock at two
 * month-ends with its 90 % interval and each indicator NAME_TOKEN of its last year; a
 * first row for all of them: the model's own indicator NAME where it has one, with its
 * interval, the stocks as a sum of the départements' means, without interval. */
static void page_territories(const page *pg)
{
    FILE *f = pg->f;
    const rundir *r = pg->runs[0];
    const territory_map *map = pg->territories;
    int m0, m1, y0, y1;
    if (!map || map->n < 2 || !rundir_periods(r, RUNDIR_MONTHLY, &m0, &m1))
        return;
    int have_years = rundir_periods(r, RUNDIR_YEARLY, &y0, &y1);
    terr_col cols[16];
    size_t n_cols = 0;
    /* the month-ends 3 and 5 years after the start, as the key figures */
    int months[2] = {m0 + 35 < m1 ? m0 + 35 : m1, m0 + 59 < m1 ? m0 + 59 : m1};
    /* what the population is, from its label after the dash ("foyers allocataires du RSA") */
    char *first_stock = pc_strf("stock.%s", map->t[0].population);
    char *what = first_stock ? rundir_var_label(r, first_stock, pg->lang) : NULL;
    const char *kind_of = what && strstr(what, " \xE2\x80\x94 ") ? after_dash(what) : NULL;
    for (int k = 0; k < 2 && !(k == 1 && months[1] == months[0]); k++) {
        char when[40];
        lang_month(months[k] / 12, months[k] % 12 + 1, pg->lang, when, sizeof when);
        cols[n_cols++] = (terr_col){
            .head = kind_of ? capitalized(pc_strf("%s, %s %s", kind_of,
                                                  lang_pick(pg->lang, "fin", "end of"), when))
                            : pc_strf("%s %s", lang_pick(pg->lang, "Effectif fin", "Count end of"),
                                      when),
            .table = RUNDIR_MONTHLY,
            .period = months[k]};
    }
    free(first_stock);
    free(what);
    /* the indicator families of the first département, in file order */
    size_t n_year_vars = have_years ? rundir_n_vars(r, RUNDIR_YEARLY) : 0;
    for (size_t i = 0; i < n_year_vars && n_cols < 16; i++) {
        const char *v = rundir_var(r, RUNDIR_YEARLY, i);
        size_t family = territory_indicator_family(map, 0, v);
        if (!family)
            continue;
        const char *kind = NULL, *given = NULL, *unit = NULL;
        char *section = pc_strf("indicator %s", v + 10);
        if (section) {
            kind = rundir_setting(r, section, "kind");
            given = rundir_setting(r, section, "label");
            unit = rundir_setting(r, section, "unit");
        }
        free(section);
        int euros = unit && !strcmp(unit, "euros");
        char *label = given ? pc_strdup(given) : rundir_var_label(r, v, pg->lang);
        char y[16];
        snprintf(y, sizeof y, "%d", y1);
        cols[n_cols++] =
            (terr_col){.var_suffix = pc_strf("%.*s", (int)family, v + 10),
                       .head = label ? capitalized(pc_strf("%s (%s%s)", after_dash(label),
                                                           euros ? "M\xE2\x82\xAC, " : "", y))
                                     : NULL,
                       .table = RUNDIR_YEARLY,
                       .period = y1,
                       .percent = kind && (!strcmp(kind, "ratio") || !strcmp(kind, "delay")),
                       .millions = euros,
                       .count = kind && !strcmp(kind, "count")};
        free(label);
    }
    fprintf(f, "<section id=\"territories\">\n<h2>%s</h2>\n<p>%s</p>\n",
            lang_pick(pg->lang, "D\xC3\xA9partements", "D\xC3\xA9partements"),
            lang_pick(pg->lang,
                      "Sc\xC3\xA9nario de r\xC3\xA9"
                      "f\xC3\xA9rence, un d\xC3\xA9partement par ligne : moyenne des "
                      "simulations et intervalle \xC3\xA0 90 %. Cliquer un titre de colonne "
                      "trie le tableau. Ligne \xC2\xAB Ensemble \xC2\xBB : les indicateurs "
                      "d'ensemble du mod\xC3\xA8le avec leur intervalle ; les totaux que le "
                      "mod\xC3\xA8le ne calcule pas y sont la somme des moyennes "
                      "d\xC3\xA9partementales, sans intervalle.",
                      "Reference scenario, one département per row: mean of the runs and 90 % "
                      "interval. Click a column heading to sort. Row \"All\": the model's "
                      "indicators over all départements with their interval; the totals the model "
                      "does not compute are there the sum of the départements' means, without "
                      "interval."));
    fputs("<div class=\"table-wrap\"><table class=\"key sortable\">\n<thead><tr><th>", f);
    fputs(lang_pick(pg->lang, "D\xC3\xA9partement", "D\xC3\xA9partement"), f);
    fputs("</th>", f);
    for (size_t c = 0; c < n_cols; c++) {
        fputs("<th>", f);
        html(f, cols[c].head ? cols[c].head : "?");
        fputs("</th>", f);
    }
    fprintf(f, "</tr></thead>\n<tbody>\n<tr class=\"total\"><th scope=\"row\" data-v=\"\">%s</th>",
            lang_pick(pg->lang, "Ensemble", "All"));
    char *whole = stock_total(r, map);
    for (size_t c = 0; c < n_cols; c++) {
        char *v = cols[c].var_suffix ? pc_strf("indicator.%s", cols[c].var_suffix)
                  : whole            ? pc_strdup(whole)
                                     : NULL;
        rundir_stat st;
        int ok = v && rundir_value(r, cols[c].table, v, cols[c].period, &st);
        free(v);
        if (ok || (cols[c].var_suffix && !cols[c].count)) {
            terr_cell(f, ok ? &st : NULL, cols[c].percent, cols[c].millions, 1, pg->lang);
            continue;
        }
        /* a stock, or a count the model does not total: the sum of the means */
        double sum = 0;
        for (size_t t = 0; t < map->n; t++) {
            char *var = cols[c].var_suffix
                            ? pc_strf("indicator.%s_%s", cols[c].var_suffix, map->t[t].token)
                            : pc_strf("stock.%s", map->t[t].population);
            if (var && rundir_value(r, cols[c].table, var, cols[c].period, &st) &&
                isfinite(st.mean))
                sum += st.mean;
            free(var);
        }
        rundir_stat total = {.mean = sum, .p05 = NAN, .p95 = NAN};
        terr_cell(f, &total, 0, cols[c].millions, 0, pg->lang);
    }
    free(whole);
    fputs("</tr>\n", f);
    for (size_t t = 0; t < map->n; t++) {
        const territory *d = &map->t[t];
        fputs("<tr><th scope=\"row\">", f);
        html(f, d->code);
        fputs(" ", f);
        html(f, d->label ? d->label : d->population);
        fputs("</th>", f);
        for (size_t c = 0; c < n_cols; c++) {
            char *var = cols[c].var_suffix
                            ? pc_strf("indicator.%s_%s", cols[c].var_suffix, d->token)
                            : pc_strf("stock.%s", d->population);
            rundir_stat st;
            int ok = var && rundir_value(r, cols[c].table, var, cols[c].period, &st);
            terr_cell(f, ok ? &st : NULL, cols[c].percent, cols[c].millions, 1, pg->lang);
            free(var);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
    fputs(sort_script, f);
    fputs("</section>\n", f);
    for (size_t c = 0; c < n_cols; c++) {
        free(cols[c].var_suffix);
        free(cols[c].head);
    }
}

/* The head, the title, what was run and, when charts are missing, why. */
static void page_header(const page *pg)
{
    FILE *f = pg->f;
    size_t n = pg->n;
    const char *model = rundir_setting(pg->runs[0], "model", "name");
    if (!model)
        model = rundir_label(pg->runs[0]);
    const char *reps = rundir_setting(pg->runs[0], "run", "replications");
    const char *seed = rundir_setting(pg->runs[0], "run", "seed");
    fprintf(f,
            "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
            pg->lang == LANG_EN ? "en" : "fr");
    html(f, model);
    fprintf(f, " \xE2\x80\x94 %s</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>",
            lang_pick(pg->lang, "rapport au comit\xC3\xA9", "committee report"), page_css);
    html(f, model);
    fprintf(f, "</h1>\n<p class=\"meta\">%zu %s", n,
            n > 1 ? lang_pick(pg->lang, "sc\xC3\xA9narios", "scenarios")
                  : lang_pick(pg->lang, "sc\xC3\xA9nario", "scenario"));
    if (reps) {
        fputs(" \xC2\xB7 ", f);
        html(f, reps);
        fputs(lang_pick(pg->lang, " simulations par sc\xC3\xA9nario", " runs per scenario"), f);
    }
    if (seed) {
        fputs(lang_pick(pg->lang, " \xC2\xB7 graine ", " \xC2\xB7 seed "), f);
        html(f, seed);
        if (n > 1)
            fputs(lang_pick(pg->lang,
                            " (la m\xC3\xAAme pour tous : mêmes tirages, écarts appariés)",
                            " (the same for all: common random numbers, paired differences)"),
                  f);
    }
    fputs("</p>\n</header>\n", f);
    if (pg->chart_error) {
        fprintf(f, "<p class=\"missing\">%s ",
                lang_pick(pg->lang, "Graphiques non dessin\xC3\xA9s :", "Charts not drawn:"));
        html(f, pg->chart_error);
        fputs("</p>\n", f);
    }
}

/* Each scenario: its label, file, description and dated changes. */
static void page_scenarios(const page *pg)
{
    FILE *f = pg->f;
    fprintf(f, "<section id=\"scenarios\">\n<h2>%s</h2>\n",
            lang_pick(pg->lang, "Sc\xC3\xA9narios", "Scenarios"));
    for (size_t r = 0; r < pg->n; r++) {
        fputs("<article>\n<h3>", f);
        html(f, rundir_label(pg->runs[r]));
        if (r == 0)
            fprintf(f, " <small>(%s)</small>",
                    lang_pick(pg->lang,
                              "r\xC3\xA9"
                              "f\xC3\xA9rence",
                              "reference"));
        fputs("</h3>\n", f);
        if (pg->scenarios[r].source) {
            fprintf(f, "<p>%s <code>", lang_pick(pg->lang, "Fichier :", "File:"));
            html(f, pg->scenarios[r].source);
            fputs("</code></p>\n", f);
        }
        const char *description = rundir_setting(pg->runs[r], "scenario", "description");
        if (description) {
            fputs("<p>", f);
            html(f, description);
            fputs("</p>\n", f);
        }
        write_changes(f, &pg->scenarios[r], pg->runs[r], pg->lang);
        fputs("</article>\n", f);
    }
    fputs("</section>\n", f);
}

/* The key figures and their CSV file. */
static void page_key_figures(const page *pg)
{
    FILE *f = pg->f;
    fprintf(
        f, "<section id=\"key-figures\">\n<h2>%s</h2>\n<p>%s</p>\n",
        lang_pick(pg->lang, "Synth\xC3\xA8se : chiffres cl\xC3\xA9s", "Summary: key figures"),
        lang_pick(
            pg->lang,
            "Moyenne des simulations ; entre crochets, l'intervalle \xC3\xA0 90 % (5<sup>e</sup> "
            "et 95<sup>e</sup> centiles des simulations) ; \xC2\xAB \xC3\xA9"
            "cart \xC2\xBB : "
            "diff\xC3\xA9rence avec la r\xC3\xA9"
            "f\xC3\xA9rence.",
            "Mean of the runs; in brackets, the 90 % interval (5th and 95th percentiles of the "
            "runs); difference: against the reference."));
    fputs("<div class=\"table-wrap\">", f);
    write_key_table(f, pg->keys, pg->runs, pg->lang, NULL);
    fputs("</div>", f);
    fprintf(f, "<p><a href=\"key-figures.csv\">key-figures.csv</a></p>\n</section>\n");
}

/* The distribution of the key output: the table of its mean, interval and probability
 * of exceeding the threshold, then the S-curve, the histogram and the convergence. */
static void page_distribution(const page *pg)
{
    FILE *f = pg->f;
    if (!pg->dist || !pg->dist->n)
        return;
    int euros = !strncmp(pg->dist_var, "cost.", 5) || !strncmp(pg->dist_var, "funder.", 7);
    double scale = euros ? 1e-6 : 1;
    int dec = euros ? 1 : 0;
    char *label = rundir_var_label(pg->runs[0], pg->dist_var, pg->lang);
    char thr[64];
    lang_number(pg->threshold * scale, dec, pg->lang, thr, sizeof thr);
    fprintf(
        f, "<h3 id=\"distribution\">%s</h3>\n<p>",
        lang_pick(pg->lang, "Distribution des r\xC3\xA9sultats", "Distribution of the results"));
    html(f, label ? label : pg->dist_var);
    fprintf(
        f, "%s%s%s%s%s</p>\n",
        euros ? lang_pick(pg->lang, " (cumul\xC3\xA9 sur toute la p\xC3\xA9riode, M\xE2\x82\xAC)",
                          " (whole period, \xE2\x82\xAC million)")
              : "",
        lang_pick(pg->lang,
                  " : valeur de chaque simulation. Seuil : ", ": each run's value. Threshold: "),
        thr, euros ? LANG_NNBSP "M\xE2\x82\xAC" : "",
        lang_pick(pg->lang,
                  " (choisi par --threshold, sinon la moyenne de la r\xC3\xA9"
                  "f\xC3\xA9rence) ; la probabilit\xC3\xA9 de le d\xC3\xA9passer est la part "
                  "des simulations au-dessus.",
                  " (set by --threshold, else the reference's mean); the probability of "
                  "exceeding it is the share of runs above it."));
    free(label);
    fprintf(f,
            "<div class=\"table-wrap\"><table class=\"key\"><thead><tr><th>%s</th><th>%s</th>"
            "<th>%s</th></tr></thead>\n<tbody>\n",
            lang_pick(pg->lang, "Sc\xC3\xA9nario", "Scenario"),
            lang_pick(pg->lang, "Moyenne [intervalle \xC3\xA0 90 %]", "Mean [90 % interval]"),
            lang_pick(pg->lang, "Probabilit\xC3\xA9 de d\xC3\xA9passer le seuil",
                      "Probability of exceeding the threshold"));
    for (size_t r = 0; r < pg->n; r++) {
        const dist_summary *d = &pg->sums[r];
        char m[64], lo[64], hi[64], p[64];
        lang_number(d->mean * scale, dec, pg->lang, m, sizeof m);
        lang_number(d->p05 * scale, dec, pg->lang, lo, sizeof lo);
        lang_number(d->p95 * scale, dec, pg->lang, hi, sizeof hi);
        lang_number(d->exceed * 100, 0, pg->lang, p, sizeof p);
        fputs("<tr><th scope=\"row\">", f);
        html(f, rundir_label(pg->runs[r]));
        fprintf(f,
                "</th><td class=\"num\">%s<span class=\"interval\">[%s " NDASH
                " %s]</span></td><td class=\"num\" data-exceed=\"%.17g\">%s" LANG_NNBSP
                "%%</td></tr>\n",
                m, lo, hi, d->exceed, d->n ? p : "\xE2\x80\x94");
    }
    fputs("</tbody></table></div>\n", f);
    write_charts(f, pg->dist, "distribution",
                 lang_pick(pg->lang, "toutes les simulations", "every run"), pg->lang);
}

/* Links to every run file that exists, and to the key figures. */
static void page_files(const page *pg)
{
    FILE *f = pg->f;
    static const char run_files[5][20] = {"monthly.csv", "yearly.csv", "replications.csv",
                                          "survival.csv", "manifest.ini"};
    fprintf(f, "<section id=\"files\">\n<h2>%s</h2>\n<ul>\n",
            lang_pick(pg->lang, "Fichiers", "Files"));
    for (size_t r = 0; r < pg->n; r++) {
        fputs("<li>", f);
        html(f, rundir_label(pg->runs[r]));
        fputs(" :", f);
        for (int k = 0; k < 5; k++) {
            char *file = pc_strf("%s/%s/%s", pg->dir, pg->scenarios[r].name, run_files[k]);
            int exists = file && access(file, F_OK) == 0;
            free(file);
            if (!exists)
                continue;
            fputs(" <a href=\"", f);
            href(f, pg->scenarios[r].name);
            fprintf(f, "/%s\">%s</a>", run_files[k], run_files[k]);
        }
        fputs("</li>\n", f);
    }
    fputs("<li><a href=\"key-figures.csv\">key-figures.csv</a></li>\n</ul>\n</section>\n"
          "</body>\n</html>\n",
          f);
}

/* Whether the reference has groups (share.P[ATTR=VALUE] variables). */
static int has_groups(const page *pg)
{
    char **names = NULL;
    size_t n = 0;
    const rundir *r = pg->runs[0];
    if (rundir_names(&r, 1, RUNDIR_YEARLY, "share.", "", &names, &n))
        return 0;
    rundir_names_free(names, n);
    return n > 0;
}

static int has_analyses(const page *pg)
{
    return (pg->dist && pg->dist->n) || (pg->scatter && pg->scatter->n) ||
           (pg->opt && pg->opt->sensitivity && pg->opt->sensitivity->n) ||
           (pg->opt && pg->opt->backtest);
}

/* The scatter of the key output against the uncertain parameters. */
static void page_scatter(const page *pg)
{
    FILE *f = pg->f;
    if (!pg->scatter || !pg->scatter->n)
        return;
    fprintf(f, "<h3 id=\"scatter\">%s</h3>\n<p>",
            lang_pick(pg->lang,
                      "Nuages de points : r\xC3\xA9sultat et param\xC3\xA8tres incertains",
                      "Scatter plots: the output and the uncertain parameters"));
    PICKF(f, pg->lang,
          "Sc\xC3\xA9nario de r\xC3\xA9"
          "f\xC3\xA9rence, un point par simulation (%zu) : le r\xC3\xA9sultat "
          "selon le tirage de chaque param\xC3\xA8tre incertain. Les %zu "
          "param\xC3\xA8tres de plus forte corr\xC3\xA9lation de rang "
          "(Spearman, \xCF\x81) en premier, sur %zu (au plus %d panneaux ; toutes "
          "les corr\xC3\xA9lations sont dans le fichier <a href=\"distribution/",
          "Reference scenario, one point per run (%zu): the output against the "
          "draw of each uncertain parameter. The %zu parameters with the largest "
          "rank correlation (Spearman, \xCF\x81) first, of %zu (at most %d panels; "
          "every correlation is in <a href=\"distribution/",
          pg->scatter_sum.n_points, pg->scatter_sum.n_shown, pg->scatter_sum.n_uncertain,
          SCATTER_MAX_PANELS);
    char safe[300];
    fsio_safe_name(pg->dist_var, safe, sizeof safe);
    href(f, "scatter-");
    href(f, safe);
    fputs("-rank.csv\">scatter-", f);
    html(f, safe);
    fputs("-rank.csv</a>).</p>\n", f);
    write_charts(f, pg->scatter, "distribution", rundir_label(pg->runs[0]), pg->lang);
}

/* The sensitivity study's charts, when the report ran one. */
static void page_sensitivity(const page *pg)
{
    FILE *f = pg->f;
    const report_options *o = pg->opt;
    if (!o || !o->sensitivity || !o->sensitivity->n)
        return;
    fprintf(f, "<h3 id=\"sensitivity\">%s</h3>\n<p>",
            lang_pick(pg->lang, "Sensibilit\xC3\xA9", "Sensitivity"));
    if (o->sensitivity_about)
        html(f, o->sensitivity_about);
    fprintf(f, " <a href=\"sensitivity/tornado.csv\">tornado.csv</a> \xC2\xB7 "
               "<a href=\"sensitivity/sobol.csv\">sobol.csv</a></p>\n");
    write_charts(f, o->sensitivity, "sensitivity",
                 lang_pick(pg->lang,
                           "r\xC3\xA9"
                           "f\xC3\xA9rence",
                           "reference"),
                 pg->lang);
}

/* The backtest copied into the report: its coverage table and its chart. */
static void page_backtest(const page *pg)
{
    FILE *f = pg->f;
    const report_options *o = pg->opt;
    if (!o || !o->backtest)
        return;
    char *path = pc_strf("%s/%s/backtest-summary.csv", pg->dir, o->backtest);
    cfg_table *t = NULL;
    pc_err ignored;
    if (!path || cfg_read_csv(path, &t, &ignored) != PC_OK || t->n_rows < 2) {
        free(path);
        cfg_table_free(t);
        return;
    }
    free(path);
    fprintf(f, "<h3 id=\"backtest\">%s</h3>\n<p>%s</p>\n",
            lang_pick(pg->lang, "Test sur l'historique (backtest)", "Backtest on the history"),
            lang_pick(pg->lang,
                      "Pr\xC3\xA9visions faites \xC3\xA0 des dates pass\xC3\xA9"
                      "es avec les seules observations ant\xC3\xA9rieures, compar\xC3\xA9"
                      "es aux observations suivantes : part des observations dans les bandes "
                      "\xC3\xA0 50 % et 90 % (bien calibr\xC3\xA9"
                      "es : 50 % et 90 %), erreur absolue moyenne de la m\xC3\xA9"
                      "diane et de la pr\xC3\xA9vision na\xC3\xAF"
                      "ve (derni\xC3\xA8re valeur prolong\xC3\xA9"
                      "e).",
                      "Forecasts made at past dates from the observations before them, scored "
                      "against the later observations: share of observations inside the 50 % and "
                      "90 % bands (well calibrated: 50 % and 90 %), mean absolute error of the "
                      "median and of the naive forecast (last value carried forward)."));
    const cfg_row *h = &t->rows[0];
    long col[6] = {-1, -1, -1, -1, -1, -1};
    static const char want[6][12] = {"horizon", "n",          "cover50",
                                     "cover90", "mae_median", "mae_naive"};
    for (size_t i = 0; i < h->n; i++)
        for (int k = 0; k < 6; k++)
            if (!strcmp(h->fields[i], want[k]))
                col[k] = (long)i;
    fprintf(f,
            "<div class=\"table-wrap\"><table class=\"key backtest\"><thead><tr><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
            lang_pick(pg->lang, "Horizon (mois)", "Horizon (months)"),
            lang_pick(pg->lang, "Pr\xC3\xA9visions", "Forecasts"),
            lang_pick(pg->lang, "Dans la bande \xC3\xA0 50 %", "Inside the 50 % band"),
            lang_pick(pg->lang, "Dans la bande \xC3\xA0 90 %", "Inside the 90 % band"),
            lang_pick(pg->lang,
                      "Erreur de la m\xC3\xA9"
                      "diane",
                      "Error of the median"),
            lang_pick(pg->lang,
                      "Erreur na\xC3\xAF"
                      "ve",
                      "Naive error"));
    for (size_t r = 1; r < t->n_rows; r++) {
        const cfg_row *row = &t->rows[r];
        fputs("<tr>", f);
        for (int k = 0; k < 6; k++) {
            const char *text = col[k] >= 0 && (size_t)col[k] < row->n ? row->fields[col[k]] : "";
            char *end;
            double v = strtod(text, &end);
            int number = *text && !*end && isfinite(v);
            char shown[64];
            if (k == 0)
                snprintf(shown, sizeof shown, "%s",
                         !strcmp(text, "all") ? lang_pick(pg->lang, "tous", "all") : text);
            else if (!number)
                snprintf(shown, sizeof shown, "\xE2\x80\x94");
            else if (k == 2 || k == 3) {
                lang_number(v * 100, 0, pg->lang, shown, sizeof shown);
                strcat(shown, LANG_NNBSP "%");
            } else
                lang_number(v, 0, pg->lang, shown, sizeof shown);
            fprintf(f, k == 0 ? "<th scope=\"row\">" : "<td class=\"num\" data-v=\"%s\">",
                    k == 0 ? "" : text);
            html(f, shown);
            fputs(k == 0 ? "</th>" : "</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n", f);
    cfg_table_free(t);
    fputs("<div class=\"charts\"><section class=\"chart\"><h3>", f);
    fputs(lang_pick(pg->lang, "Couverture des bandes et histogramme des rangs (PIT)",
                    "Coverage of the bands and PIT histogram"),
          f);
    fputs("</h3><figure><img src=\"", f);
    href(f, o->backtest);
    fputs("/backtest.png\" alt=\"backtest\" loading=\"eager\"><figcaption><a href=\"", f);
    href(f, o->backtest);
    fputs("/backtest.svg\">SVG</a> \xC2\xB7 <a href=\"", f);
    href(f, o->backtest);
    fputs("/backtest.csv\">backtest.csv</a> \xC2\xB7 <a href=\"", f);
    href(f, o->backtest);
    fputs("/backtest-summary.csv\">backtest-summary.csv</a></figcaption></figure></section>"
          "</div>\n",
          f);
}

/* The analyses: the distribution of the key output, the scatter, the sensitivity, the
 * backtest. */
static void page_analyses(const page *pg)
{
    if (!has_analyses(pg))
        return;
    FILE *f = pg->f;
    fprintf(f, "<section id=\"analyses\">\n<h2>%s</h2>\n",
            lang_pick(pg->lang, "Analyses", "Analyses"));
    page_distribution(pg);
    page_scatter(pg);
    page_sensitivity(pg);
    page_backtest(pg);
    fputs("</section>\n", f);
}

/* ---- sections by topic ---------------------------------------------------------- */

/* A topic of the page: the chart groups (plot.h) and the variables of its paired
 * differences and key figures. */
typedef struct {
    const char *id, *fr, *en;
    const char *groups[5];   /* chart groups, NULL-terminated */
    const char *prefixes[4]; /* variables, NULL-terminated */
    int bands;               /* opens with what the bands include (the caseload) */
    int key_rows;            /* shows its key figures (the indicators, which have no chart) */
} topic;

static const topic topics[] = {
    {"caseload",
     "Effectifs",
     "Caseload",
     {"stock", "flows", "survival", "series", NULL},
     {"stock.", "entries.", "exits.", NULL},
     1,
     0},
    {"waiting", "Attentes", "Waiting", {"queue", "wait", NULL}, {"queue.", "wait.", NULL}, 0, 0},
    {"budget", "Budget", "Budget", {"budget", NULL}, {"cost.", "funder.", NULL}, 0, 0},
    {"staff",
     "Personnel (ETP)",
     "Staff (FTE)",
     {"etp", "staff", NULL},
     {"etp.", "staff.", NULL},
     0,
     0},
    {"indicators", "Indicateurs", "Indicators", {"indicator", NULL}, {"indicator.", NULL}, 0, 1},
};
#define N_TOPICS (sizeof topics / sizeof topics[0])

/* The topic of a chart drawn by plot.h: by its group; a group no topic names goes to
 * the caseload. */
static const topic *topic_of_group(const char *group)
{
    for (size_t t = 0; t < N_TOPICS; t++)
        for (size_t g = 0; topics[t].groups[g]; g++)
            if (!strcmp(group, topics[t].groups[g]))
                return &topics[t];
    return &topics[0];
}

static int chart_in_topic(const plot_chart *ch, const void *ctx)
{
    return topic_of_group(ch->group) == ctx;
}

/* A paired-difference chart (diff-<alternative>-<variable>) is in the topic of its
 * variable. */
static int difference_in_topic(const plot_chart *ch, const void *ctx)
{
    const topic *t = ctx;
    for (size_t k = 0; t->prefixes[k]; k++) {
        char *dashed = pc_strf("-%s", t->prefixes[k]);
        int in = dashed && strstr(ch->name, dashed) != NULL;
        free(dashed);
        if (in)
            return 1;
    }
    return 0;
}

/* How many charts of list keep accepts. */
static size_t count_charts(const plot_list *list, chart_filter keep, const void *ctx)
{
    size_t n = 0;
    for (size_t i = 0; list && i < list->n; i++)
        n += keep(&list->charts[i], ctx);
    return n;
}

/* The charts a topic shows: the overlays of all scenarios (the reference's own
 * charts in a report of one), and the paired differences. */
static const plot_list *topic_charts(const page *pg, const char **folder)
{
    if (pg->compare && pg->compare->n) {
        *folder = "compare";
        return pg->compare;
    }
    *folder = NULL;
    return pg->lists ? pg->lists[0] : NULL;
}

static int topic_has_content(const page *pg, const topic *t)
{
    const char *folder;
    const plot_list *charts = topic_charts(pg, &folder);
    if (count_charts(charts, chart_in_topic, t) ||
        count_charts(pg->differences, difference_in_topic, t))
        return 1;
    for (size_t i = 0; t->key_rows && i < pg->keys->n; i++)
        if (has_prefix(pg->keys->rows[i].variable, t->prefixes))
            return 1;
    return t->bands;
}

/* The joined names of a list, "a, b et c", HTML-escaped. */
static void write_names(FILE *f, const char *const *names, size_t n, lang_code lang)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            fputs(i + 1 == n ? lang_pick(lang, " et ", " and ") : ", ", f);
        fputs("<code>", f);
        html(f, names[i]);
        fputs("</code>", f);
    }
}

/* What the bands include, and the reference's band with and without drivers. */
static void page_bands(const page *pg)
{
    FILE *f = pg->f;
    const report_options *o = pg->opt;
    fprintf(f, "<div class=\"bands-note\" id=\"bands\"><p>%s",
            lang_pick(pg->lang,
                      "<strong>Ce que contiennent les bandes.</strong> Les bandes (50 % et 90 % "
                      "des simulations) comprennent le bruit de Monte-Carlo (chaque personne, "
                      "chaque d\xC3\xA9lai tir\xC3\xA9s au hasard)",
                      "<strong>What the bands include.</strong> The bands (50 % and 90 % of the "
                      "runs) include the Monte Carlo noise (each person, each delay drawn at "
                      "random)"));
    if (o && o->n_uncertain) {
        PICKF(f, pg->lang,
              " ; les %zu param\xC3\xA8tres incertains du mod\xC3\xA8le, tir\xC3\xA9s "
              "une fois par simulation (",
              "; the model's %zu uncertain parameters, drawn once per run (", o->n_uncertain);
        write_names(f, o->uncertain, o->n_uncertain, pg->lang);
        fputs(")", f);
    } else {
        fputs(lang_pick(pg->lang, " ; le mod\xC3\xA8le n'a pas de param\xC3\xA8tre incertain",
                        "; the model has no uncertain parameter"),
              f);
    }
    if (o && o->n_drivers) {
        PICKF(f, pg->lang,
              " ; et ses %zu al\xC3\xA9"
              "as persistants (drivers), des processus qui d\xC3\xA9placent "
              "les taux d'ann\xC3\xA9"
              "e en ann\xC3\xA9"
              "e (",
              "; and its %zu drivers, processes that move the rates from year to "
              "year (",
              o->n_drivers);
        write_names(f, o->drivers, o->n_drivers, pg->lang);
        fputs(").", f);
    } else {
        fputs(lang_pick(pg->lang,
                        ". Il n'a pas d'al\xC3\xA9"
                        "a persistant (driver).",
                        ". It has no driver."),
              f);
    }
    fputs(lang_pick(pg->lang,
                    " Elles ne comprennent pas ce que le mod\xC3\xA8le ne d\xC3\xA9"
                    "crit pas (une r\xC3\xA9"
                    "forme, une rupture de s\xC3\xA9rie).</p>\n",
                    " They do not include what the model does not describe (a reform, a series "
                    "break).</p>\n"),
          f);
    if (pg->bands && pg->bands->n) {
        char with[64], without[64];
        lang_number(pg->band_sum.width_with, 0, pg->lang, with, sizeof with);
        lang_number(pg->band_sum.width_without, 0, pg->lang, without, sizeof without);
        PICKF(f, pg->lang,
              "<p>Le sc\xC3\xA9nario de r\xC3\xA9"
              "f\xC3\xA9rence a \xC3\xA9t\xC3\xA9 simul\xC3\xA9 une seconde fois "
              "avec les m\xC3\xAAmes tirages mais sans al\xC3\xA9"
              "as persistants (\xC3\xA9"
              "cart-type de chaque driver mis \xC3\xA0 0) : en fin de p\xC3\xA9riode, "
              "la bande \xC3\xA0 90 %% couvre <span data-band-with=\"%.17g\">%s</span> "
              "personnes avec, <span data-band-without=\"%.17g\">%s</span> sans.</p>\n",
              "<p>The reference was run a second time with the same draws but "
              "without drivers (each driver's sd set to 0): at the end of the run, the "
              "90 %% band spans <span data-band-with=\"%.17g\">%s</span> persons with "
              "them, <span data-band-without=\"%.17g\">%s</span> without.</p>\n",
              pg->band_sum.width_with, with, pg->band_sum.width_without, without);
        write_charts(f, pg->bands, "bands",
                     lang_pick(pg->lang,
                               "r\xC3\xA9"
                               "f\xC3\xA9rence",
                               "reference"),
                     pg->lang);
    } else if (o && o->n_drivers == 0) {
        fputs(lang_pick(pg->lang,
                        "<p class=\"empty\">Pas de bande sans al\xC3\xA9"
                        "as persistants : le mod\xC3\xA8le n'en a pas.</p>\n",
                        "<p class=\"empty\">No band without drivers: the model has none.</p>\n"),
              f);
    }
    fputs("</div>\n", f);
}

/* One section per topic: its charts of all scenarios, its paired differences; the
 * caseload opens with what the bands include, the indicators with their key figures. */
static void page_topics(const page *pg)
{
    FILE *f = pg->f;
    const char *folder = NULL;
    const plot_list *charts = topic_charts(pg, &folder);
    char *own = folder ? NULL : pc_strf("%s/charts", pg->scenarios[0].name);
    const char *where = folder ? folder : own;
    const char *context = pg->compare && pg->compare->n
                              ? lang_pick(pg->lang, "tous les sc\xC3\xA9narios", "all scenarios")
                              : rundir_label(pg->runs[0]);
    for (size_t t = 0; t < N_TOPICS && where; t++) {
        const topic *tp = &topics[t];
        if (!topic_has_content(pg, tp))
            continue;
        fprintf(f, "<section id=\"%s\" class=\"topic\">\n<h2>%s</h2>\n", tp->id,
                lang_pick(pg->lang, tp->fr, tp->en));
        if (tp->bands)
            page_bands(pg);
        if (tp->key_rows) {
            fputs("<div class=\"table-wrap\">", f);
            write_key_table(f, pg->keys, pg->runs, pg->lang, tp->prefixes);
            fputs("</div>\n", f);
        }
        write_charts_of(f, charts, where, context, pg->lang, chart_in_topic, tp, 0);
        if (count_charts(pg->differences, difference_in_topic, tp)) {
            fprintf(f, "<h3>%s</h3>\n",
                    lang_pick(pg->lang,
                              "\xC3\x89"
                              "carts appari\xC3\xA9s avec la r\xC3\xA9"
                              "f\xC3\xA9rence",
                              "Paired differences from the reference"));
            write_charts_of(f, pg->differences, "differences",
                            lang_pick(pg->lang,
                                      "\xC3\xA9"
                                      "cart appari\xC3\xA9",
                                      "paired difference"),
                            pg->lang, difference_in_topic, tp, 0);
        }
        fputs("</section>\n", f);
    }
    /* what was not drawn, once */
    if ((charts && charts->empty) || (pg->differences && pg->differences->empty)) {
        plot_list none = {0};
        none.empty = charts ? charts->empty : NULL;
        write_charts_of(f, &none, where ? where : "", "", pg->lang, NULL, NULL, 1);
        none.empty = pg->differences ? pg->differences->empty : NULL;
        write_charts_of(f, &none, "differences", "", pg->lang, NULL, NULL, 1);
    }
    if (pg->differences && pg->differences->n)
        fprintf(
            f, "<p class=\"note\">%s</p>\n",
            lang_pick(
                pg->lang,
                "\xC3\x89"
                "carts appari\xC3\xA9s : chaque sc\xC3\xA9nario a \xC3\xA9t\xC3\xA9 simul\xC3\xA9 "
                "avec les m\xC3\xAAmes nombres al\xC3\xA9"
                "atoires que la r\xC3\xA9"
                "f\xC3\xA9rence (m\xC3\xAAmes personnes, m\xC3\xAAmes tirages) : l'\xC3\xA9"
                "cart simulation par simulation mesure l'effet de la politique, et ses bandes "
                "sont bien plus \xC3\xA9troites que celles de chaque sc\xC3\xA9nario.",
                "Paired differences: every scenario was simulated with the same random numbers "
                "as the reference (same persons, same draws): the difference run by run "
                "measures the policy's effect, and its bands are much narrower than each "
                "scenario's."));
    free(own);
}

/* The groups: the reference's shares of the stock by attribute value, and the table of
 * the shares at the last observed year against the observed ones. */
static void page_groups(const page *pg)
{
    FILE *f = pg->f;
    const rundir *r = pg->runs[0];
    char **names = NULL;
    size_t n = 0;
    if (rundir_names(&r, 1, RUNDIR_YEARLY, "share.", "", &names, &n) || n == 0) {
        rundir_names_free(names, n);
        return;
    }
    /* the last year with an observed share, else the run's last year */
    int y0 = 0, year = 0;
    rundir_periods(r, RUNDIR_YEARLY, &y0, &year);
    int observed_year = 0;
    for (size_t i = 0; i < n; i++) {
        char *v = pc_strf("share.%s", names[i]);
        int periods[16];
        double values[16];
        size_t k = v ? rundir_observed(r, RUNDIR_YEARLY, v, periods, values, 16) : 0;
        for (size_t j = 0; j < k && j < 16; j++)
            observed_year = periods[j] > observed_year ? periods[j] : observed_year;
        free(v);
    }
    if (observed_year)
        year = observed_year;
    fprintf(f, "<section id=\"groups\" class=\"topic\">\n<h2>%s</h2>\n<p>",
            lang_pick(pg->lang, "Groupes", "Groups"));
    PICKF(f, pg->lang,
          "Sc\xC3\xA9nario de r\xC3\xA9"
          "f\xC3\xA9rence : part de chaque groupe dans le stock, moyenne de "
          "l'ann\xC3\xA9"
          "e %d (intervalle \xC3\xA0 90 %% des simulations)%s.</p>\n",
          "Reference scenario: each group's share of the stock, mean of year %d (90 "
          "%% interval of the runs)%s.</p>\n",
          year,
          observed_year ? lang_pick(pg->lang,
                                    ", face aux parts observ\xC3\xA9"
                                    "es que le mod\xC3\xA8le cite",
                                    ", against the observed shares the model cites")
                        : "");
    fprintf(f,
            "<div class=\"table-wrap\"><table class=\"key groups\"><thead><tr><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th></tr></thead>\n<tbody>\n",
            lang_pick(pg->lang, "Groupe", "Group"),
            lang_pick(pg->lang, "Simul\xC3\xA9 [intervalle \xC3\xA0 90 %]",
                      "Simulated [90 % interval]"),
            lang_pick(pg->lang, "Observ\xC3\xA9", "Observed"),
            lang_pick(pg->lang, "Dans l'intervalle", "Inside the interval"));
    for (size_t i = 0; i < n; i++) {
        char *v = pc_strf("share.%s", names[i]);
        rundir_stat st;
        if (!v || !rundir_value(r, RUNDIR_YEARLY, v, year, &st)) {
            free(v);
            continue;
        }
        char *label = refplot_group_label(r, v);
        char m[64], lo[64], hi[64], ob[64];
        lang_number(st.mean * 100, 1, pg->lang, m, sizeof m);
        lang_number(st.p05 * 100, 1, pg->lang, lo, sizeof lo);
        lang_number(st.p95 * 100, 1, pg->lang, hi, sizeof hi);
        int periods[16];
        double values[16];
        size_t k = rundir_observed(r, RUNDIR_YEARLY, v, periods, values, 16);
        double obs = NAN;
        for (size_t j = 0; j < k && j < 16; j++)
            if (periods[j] == year)
                obs = values[j];
        fprintf(f, "<tr data-variable=\"");
        html(f, v);
        fputs("\"><th scope=\"row\">", f);
        html(f, label ? label : v);
        fprintf(f,
                "</th><td class=\"num\" data-mean=\"%.17g\">%s" LANG_NNBSP
                "%%<span class=\"interval\">[%s " NDASH " %s]</span></td>",
                st.mean, m, lo, hi);
        if (isfinite(obs)) {
            lang_number(obs * 100, 1, pg->lang, ob, sizeof ob);
            fprintf(f,
                    "<td class=\"num\" data-observed=\"%.17g\">%s" LANG_NNBSP "%%</td><td>%s</td>",
                    obs, ob,
                    obs >= st.p05 && obs <= st.p95 ? lang_pick(pg->lang, "oui", "yes")
                                                   : lang_pick(pg->lang, "non", "no"));
        } else {
            fputs("<td class=\"num\">\xE2\x80\x94</td><td></td>", f);
        }
        fputs("</tr>\n", f);
        free(label);
        free(v);
    }
    fputs("</tbody></table></div>\n", f);
    write_charts(f, pg->groups, "groups",
                 lang_pick(pg->lang,
                           "r\xC3\xA9"
                           "f\xC3\xA9rence",
                           "reference"),
                 pg->lang);
    fputs("</section>\n", f);
    rundir_names_free(names, n);
}

/* Each scenario's own charts. */
static void page_runs(const page *pg)
{
    FILE *f = pg->f;
    const char *topic_folder;
    if (pg->n == 1 && topic_charts(pg, &topic_folder))
        return; /* a report of one scenario shows its charts by topic */
    fprintf(f, "<section id=\"annex\">\n<h2>%s</h2>\n",
            lang_pick(pg->lang, "Annexe : chaque sc\xC3\xA9nario", "Annex: each scenario"));
    for (size_t r = 0; r < pg->n; r++) {
        fprintf(f, "<section id=\"scenario-%zu\">\n<h3>", r + 1);
        html(f, rundir_label(pg->runs[r]));
        fputs("</h3>\n", f);
        char *folder = pc_strf("%s/charts", pg->scenarios[r].name);
        if (folder)
            write_charts(f, pg->lists[r], folder, rundir_label(pg->runs[r]), pg->lang);
        free(folder);
        fputs("</section>\n", f);
    }
    fputs("</section>\n", f);
}

/* The table of contents: the sections in the page's order. */
static void page_nav(const page *pg)
{
    FILE *f = pg->f;
    fprintf(f, "<nav>\n<h2>%s</h2>\n<ol>\n", lang_pick(pg->lang, "Sommaire", "Contents"));
    fprintf(f, "<li><a href=\"#key-figures\">%s</a></li>\n",
            lang_pick(pg->lang, "Synth\xC3\xA8se : chiffres cl\xC3\xA9s", "Summary: key figures"));
    if (pg->territories && pg->territories->n >= 2)
        fprintf(f, "<li><a href=\"#territories\">%s</a></li>\n",
                lang_pick(pg->lang, "D\xC3\xA9partements", "D\xC3\xA9partements"));
    fprintf(f, "<li><a href=\"#scenarios\">%s</a></li>\n",
            lang_pick(pg->lang, "Sc\xC3\xA9narios", "Scenarios"));
    const char *folder;
    for (size_t t = 0; t < N_TOPICS && topic_charts(pg, &folder); t++)
        if (topic_has_content(pg, &topics[t]))
            fprintf(f, "<li><a href=\"#%s\">%s</a></li>\n", topics[t].id,
                    lang_pick(pg->lang, topics[t].fr, topics[t].en));
    if (has_groups(pg))
        fprintf(f, "<li><a href=\"#groups\">%s</a></li>\n",
                lang_pick(pg->lang, "Groupes", "Groups"));
    if (has_analyses(pg))
        fprintf(f, "<li><a href=\"#analyses\">%s</a></li>\n",
                lang_pick(pg->lang, "Analyses", "Analyses"));
    if (pg->n > 1 || !topic_charts(pg, &folder))
        fprintf(f, "<li><a href=\"#annex\">%s</a></li>\n",
                lang_pick(pg->lang, "Annexe : chaque sc\xC3\xA9nario", "Annex: each scenario"));
    fprintf(f, "<li><a href=\"#files\">%s</a></li>\n</ol>\n</nav>\n",
            lang_pick(pg->lang, "Fichiers", "Files"));
}

/* Writes dir/index.html, whole or not at all. */
static int write_page(page *pg, pc_err *err)
{
    char *path = pc_strf("%s/index.html", pg->dir);
    if (!path)
        return pc_fail(err, PC_EENV, "out of memory");
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    free(path);
    if (rc)
        return rc;
    pg->f = out.f;
    page_header(pg);
    page_nav(pg);
    page_key_figures(pg);
    page_territories(pg);
    page_scenarios(pg);
    page_topics(pg);
    page_groups(pg);
    page_analyses(pg);
    page_runs(pg);
    page_files(pg);
    return fsio_commit(&out, PC_OK, err);
}

/* DIR/key-figures.csv. */
static int write_key_figures(const char *dir, const keyfig_table *keys, rundir *const *runs,
                             const report_scenario *scenarios, size_t n, pc_err *err)
{
    char *path = pc_strf("%s/key-figures.csv", dir);
    const char **names = pc_calloc(n, sizeof *names);
    int rc = path && names ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t r = 0; r < n && !rc; r++)
        names[r] = scenarios[r].name;
    if (!rc)
        rc = keyfig_write(path, keys, (const rundir *const *)runs, names, err);
    free(path);
    free(names);
    return rc;
}

/* Reads the run folder of every scenario, with the scenario's label when it has one. */
static int load_runs(const char *dir, const report_scenario *scenarios, size_t n, rundir **runs,
                     territory_focus *focus, sbuf *notes, pc_err *err)
{
    rundir_filter filter = {.setup = territory_setup, .keep = territory_keep, .ctx = focus};
    for (size_t r = 0; r < n; r++) {
        char *run_dir = pc_strf("%s/%s", dir, scenarios[r].name);
        int rc = run_dir ? rundir_load_filtered(run_dir, &filter, &runs[r], err)
                         : pc_fail(err, PC_EENV, "out of memory");
        free(run_dir);
        if (rc)
            return rc;
        if (scenarios[r].label && rundir_set_label(runs[r], scenarios[r].label))
            return pc_fail(err, PC_EENV, "out of memory");
        if (rundir_warning(runs[r]))
            sbuf_printf(notes, "%s%s", notes->len ? "\n" : "", rundir_warning(runs[r]));
    }
    return PC_OK;
}

/* Draws each run's charts into DIR/<scenario>/charts and, with several runs, their
 * overlays into DIR/compare.  When a chart cannot be drawn (no gnuplot) the lists are
 * emptied and *chart_error says why: the page is still written. */
static int draw_charts(const char *dir, const report_scenario *scenarios, size_t n,
                       rundir *const *runs, const report_options *opt, plot_list **lists,
                       plot_list **compare, char **chart_error, sbuf *notes, pc_err *err)
{
    plot_options popt = {.formats = opt->formats ? opt->formats : GNUPLOT_PNG | GNUPLOT_SVG,
                         .lang = opt->lang,
                         .templates = opt->templates,
                         .write_script = 1};
    pc_err chart_err = {{0}};
    int chart_rc = PC_OK;
    for (size_t r = 0; r <= n && !chart_rc && !(r == n && n < 2); r++) {
        plot_list **list = r < n ? &lists[r] : compare;
        char *out =
            r < n ? pc_strf("%s/%s/charts", dir, scenarios[r].name) : pc_strf("%s/compare", dir);
        if (!out)
            return pc_fail(err, PC_EENV, "out of memory");
        popt.first_style = r < n ? r : 0; /* scenario r keeps style r */
        chart_rc = plot_draw(r < n ? (const rundir *const *)&runs[r] : (const rundir *const *)runs,
                             r < n ? 1 : n, out, &popt, list, &chart_err);
        free(out);
        if (!chart_rc && (*list)->notes)
            sbuf_printf(notes, "%sgnuplot: %s", notes->len ? "\n" : "", (*list)->notes);
    }
    if (chart_rc != PC_OK && chart_rc != PC_EINPUT)
        return pc_fail(err, chart_rc, "%s", chart_err.msg);
    if (!chart_rc)
        return PC_OK;
    if (!(*chart_error = pc_strdup(chart_err.msg)))
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t r = 0; r < n; r++) {
        plot_list_free(lists[r]);
        lists[r] = NULL;
    }
    plot_list_free(*compare);
    *compare = NULL;
    return PC_OK;
}

/* A chart step of the reference that failed for a reason other than memory: the page
 * goes without it, and the user hears why. */
static int soft_failure(int rc, const char *what, const pc_err *e, sbuf *said, pc_err *err)
{
    if (rc == PC_EINTERNAL || rc == PC_EENV)
        return pc_fail(err, PC_EENV, "%s", e->msg);
    if (rc)
        sbuf_printf(said, "%s%s: %s", said->len ? "\n" : "", what, e->msg);
    return PC_OK;
}

/* The reference's own analyses: the scatter of the key output (dir/distribution/), its
 * band with and without drivers (dir/bands/), its groups (dir/groups/). */
static int draw_reference(const char *dir, const rundir *ref, const char *dist_var,
                          const report_options *opt, plot_list **scatter, scatter_summary *ss,
                          plot_list **bands, refplot_band_summary *bs, plot_list **groups,
                          sbuf *said, pc_err *err)
{
    *scatter = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
    *bands = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
    *groups = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
    char *dist = pc_strf("%s/distribution", dir), *band_dir = pc_strf("%s/bands", dir);
    char *group_dir = pc_strf("%s/groups", dir);
    int rc = *scatter && *bands && *groups && dist && band_dir && group_dir
                 ? PC_OK
                 : pc_fail(err, PC_EENV, "out of memory");
    pc_err e = {{0}};
    if (!rc) {
        int drc = fsio_mkdirs(dist, &e);
        if (!drc)
            drc = scatterplot_draw(dist, ref, dist_var, opt->lang, *scatter, ss, &e);
        rc = soft_failure(drc, "scatter", &e, said, err);
    }
    if (!rc && opt->without_drivers) {
        char *run_dir = pc_strf("%s/%s", dir, opt->without_drivers);
        rundir *without = NULL;
        int drc = run_dir ? rundir_load(run_dir, &without, &e) : PC_EINTERNAL;
        if (!drc)
            drc = fsio_mkdirs(band_dir, &e);
        if (!drc)
            drc = refplot_bands(band_dir, ref, without, opt->lang, *bands, bs, &e);
        rundir_free(without);
        free(run_dir);
        rc = soft_failure(drc, "bands", &e, said, err);
    }
    if (!rc) {
        char **names = NULL;
        size_t n = 0;
        int drc = rundir_names(&ref, 1, RUNDIR_MONTHLY, "share.", "", &names, &n);
        rundir_names_free(names, n);
        if (!drc && n)
            drc = fsio_mkdirs(group_dir, &e);
        if (!drc && n)
            drc = refplot_groups(group_dir, ref, opt->lang, *groups, &e);
        rc = soft_failure(drc, "groups", &e, said, err);
    }
    free(dist);
    free(band_dir);
    free(group_dir);
    return rc;
}

int report_build(const char *dir, const report_scenario *scenarios, size_t n,
                 const report_options *opt, char **notes, pc_err *err)
{
    report_options defaults = {0};
    if (!opt)
        opt = &defaults;
    if (notes)
        *notes = NULL;
    if (n == 0)
        return pc_fail(err, PC_EUSAGE, "no scenario");
    rundir **runs = pc_calloc(n, sizeof *runs);
    plot_list **lists = pc_calloc(n, sizeof *lists);
    plot_list *compare = NULL;
    keyfig_table keys = {0};
    char *chart_error = NULL;
    sbuf said = {0};
    territory_focus focus = {.codes = opt->focus, .n = opt->n_focus};
    int rc = runs && lists ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    if (!rc)
        rc = load_runs(dir, scenarios, n, runs, &focus, &said, err);
    /* the départements of the reference: its table and what its summary shows */
    if (!rc) {
        territory_map_free(&focus.map);
        rc = territory_map_read(&focus.map, runs[0], err);
    }
    for (size_t k = 0; !rc && focus.map.n >= 2 && k < focus.n; k++)
        if (territory_find(&focus.map, focus.codes[k]) < 0)
            sbuf_printf(&said, "%s--focus %s: no d\xC3\xA9partement of the model has that code",
                        said.len ? "\n" : "", focus.codes[k]);
    rundir_filter summary = {.keep = territory_summary, .ctx = &focus};
    if (!rc)
        rc = draw_charts(dir, scenarios, n, runs, opt, lists, &compare, &chart_error, &said, err);
    plot_list *dist = NULL;
    dist_summary *sums = pc_calloc(n, sizeof *sums);
    const char *dist_var = opt->threshold_var ? opt->threshold_var : "cost.total";
    double used = NAN;
    if (!rc && !sums)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc && !chart_error) {
        char *folder = pc_strf("%s/distribution", dir);
        dist = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
        pc_err derr = {{0}};
        int drc = !folder || !dist ? PC_EINTERNAL : fsio_mkdirs(folder, &derr);
        if (!drc)
            drc = distplot_draw(folder, (const rundir *const *)runs, n, dist_var,
                                opt->threshold_var ? opt->threshold : NAN, opt->lang, &used, sums,
                                dist, &derr);
        if (drc == PC_EINTERNAL)
            rc = pc_fail(err, PC_EENV, "out of memory");
        else if (drc)
            sbuf_printf(&said, "%sdistribution: %s", said.len ? "\n" : "", derr.msg);
        if (!rc && dist->notes)
            sbuf_printf(&said, "%sgnuplot: %s", said.len ? "\n" : "", dist->notes);
        free(folder);
    }
    plot_list *scatter = NULL, *bands = NULL, *groups = NULL;
    scatter_summary scatter_sum = {0};
    refplot_band_summary band_sum = {0};
    if (!rc && !chart_error)
        rc = draw_reference(dir, runs[0], dist_var, opt, &scatter, &scatter_sum, &bands, &band_sum,
                            &groups, &said, err);
    if (!rc)
        rc = keyfig_build((const rundir *const *)runs, n, opt->lang, &summary, &keys, err);
    if (!rc)
        rc = write_key_figures(dir, &keys, runs, scenarios, n, err);
    page pg = {.dir = dir,
               .scenarios = scenarios,
               .n = n,
               .runs = runs,
               .lists = lists,
               .compare = compare,
               .differences = opt->differences,
               .keys = &keys,
               .chart_error = chart_error,
               .lang = opt->lang,
               .dist = dist,
               .sums = sums,
               .dist_var = dist_var,
               .threshold = used,
               .opt = opt,
               .scatter = scatter,
               .bands = bands,
               .groups = groups,
               .scatter_sum = scatter_sum,
               .band_sum = band_sum,
               .territories = &focus.map};
    if (!rc)
        rc = write_page(&pg, err);
    if (!rc && chart_error)
        rc = pc_fail(err, PC_EINPUT, "%s", chart_error);
    if (notes && said.len)
        *notes = sbuf_take(&said);
    sbuf_clear(&said);
    for (size_t r = 0; runs && r < n; r++)
        rundir_free(runs[r]);
    for (size_t r = 0; lists && r < n; r++)
        plot_list_free(lists[r]);
    free(runs);
    free(lists);
    plot_list_free(compare);
    plot_list_free(dist);
    plot_list_free(scatter);
    plot_list_free(bands);
    plot_list_free(groups);
    free(sums);
    keyfig_clear(&keys);
    territory_map_free(&focus.map);
    free(chart_error);
    return rc;
}
