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
#include "territory.h"
#include "sbuf.h"

#define NDASH "\xE2\x80\x93"

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

static void write_key_table(FILE *f, const keyfig_table *t, rundir *const *runs, lang_code lang)
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
        fputs("<tr><th scope=\"row\">", f);
        html(f, t->rows[i].label);
        fputs("</th>", f);
        for (size_t r = 0; r < t->n_runs; r++)
            write_cell(f, &t->rows[i], r, lang);
        fputs("</tr>\n", f);
    }
    fputs("</tbody>\n</table>\n", f);
}

static void write_charts(FILE *f, const plot_list *list, const char *folder, const char *context,
                         lang_code lang)
{
    if (list && list->n)
        fputs("<div class=\"charts\">\n", f);
    for (size_t i = 0; list && i < list->n; i++) {
        const plot_chart *ch = &list->charts[i];
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
    if (list && list->n)
        fputs("</div>\n", f);
    if (list && list->empty) {
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
} page;

/* ---- the départements of a national run ---------------------------------------- */

/* One column of the département table. */
typedef struct {
    char *var_suffix; /* stock: NULL; an indicator: its family (oriente_2_mois) */
    char *head;       /* column heading */
    rundir_table table;
    int period;
    int percent; /* a share, shown in % */
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

/* A cell of the table: the value shown and, in data-v, the number it sorts by. */
static void terr_cell(FILE *f, const rundir_stat *st, int percent, int with_interval,
                      lang_code lang)
{
    if (!st || !isfinite(st->mean)) {
        fputs("<td class=\"num\" data-v=\"\">\xE2\x80\x94</td>", f);
        return;
    }
    double k = percent ? 100 : 1;
    int dec = percent ? 1 : 0;
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

/* The département x indicator table of the reference run, when it has départements
 * (populations d01 ... d976): each one's stock at two month-ends with its 90 %
 * interval and each indicator NAME_dXX of its last year; a first row of national
 * figures: the model's own national indicators with their intervals, the stocks as a
 * sum of the départements' means, without interval. */
static void page_territories(const page *pg)
{
    FILE *f = pg->f;
    const rundir *r = pg->runs[0];
    size_t n_codes = 0, n_vars = rundir_n_vars(r, RUNDIR_MONTHLY);
    const char *first_code = NULL;
    size_t first_len = 0;
    for (size_t i = 0; i < n_vars; i++) {
        const char *v = rundir_var(r, RUNDIR_MONTHLY, i);
        size_t len;
        const char *code = strncmp(v, "stock.", 6) ? NULL : territory_population(v + 6, &len);
        if (code && !n_codes++) {
            first_code = code;
            first_len = len;
        }
    }
    int m0, m1, y0, y1;
    if (n_codes < 2 || !rundir_periods(r, RUNDIR_MONTHLY, &m0, &m1))
        return;
    int have_years = rundir_periods(r, RUNDIR_YEARLY, &y0, &y1);
    terr_col cols[16];
    size_t n_cols = 0;
    int months[2] = {m0 + 36 < m1 ? m0 + 36 : m1, m0 + 60 < m1 ? m0 + 60 : m1};
    for (int k = 0; k < 2 && !(k == 1 && months[1] == months[0]); k++) {
        char when[40];
        lang_month(months[k] / 12, months[k] % 12 + 1, pg->lang, when, sizeof when);
        cols[n_cols++] = (terr_col){
            .head = pc_strf("%s %s", lang_pick(pg->lang, "Foyers fin", "Households end of"), when),
            .table = RUNDIR_MONTHLY,
            .period = months[k]};
    }
    /* the indicator families of the first département, in file order */
    size_t n_year_vars = have_years ? rundir_n_vars(r, RUNDIR_YEARLY) : 0;
    for (size_t i = 0; i < n_year_vars && n_cols < 16; i++) {
        const char *v = rundir_var(r, RUNDIR_YEARLY, i);
        size_t len;
        const char *code = territory_code(v, &len);
        if (strncmp(v, "indicator.", 10) || !code || code[len] || len != first_len ||
            strncmp(code, first_code, len) || code[-2] != '_')
            continue;
        const char *kind = NULL, *given = NULL;
        char *section = pc_strf("indicator %s", v + 10);
        if (section) {
            kind = rundir_setting(r, section, "kind");
            given = rundir_setting(r, section, "label");
        }
        free(section);
        char *label = given ? pc_strdup(given) : rundir_var_label(r, v, pg->lang);
        char y[16];
        snprintf(y, sizeof y, "%d", y1);
        cols[n_cols++] =
            (terr_col){.var_suffix = pc_strf("%.*s", (int)(code - 2 - (v + 10)), v + 10),
                       .head = label ? pc_strf("%s (%s)", after_dash(label), y) : NULL,
                       .table = RUNDIR_YEARLY,
                       .period = y1,
                       .percent = kind && (!strcmp(kind, "ratio") || !strcmp(kind, "delay"))};
        free(label);
    }
    fprintf(f, "<section id=\"territories\">\n<h2>%s</h2>\n<p>%s</p>\n",
            lang_pick(pg->lang, "D\xC3\xA9partements", "D\xC3\xA9partements"),
            lang_pick(pg->lang,
                      "Sc\xC3\xA9nario de r\xC3\xA9"
                      "f\xC3\xA9rence, un d\xC3\xA9partement par ligne : moyenne des "
                      "simulations et intervalle \xC3\xA0 90 %. Cliquer un titre de colonne "
                      "trie le tableau. Ligne \xC2\xAB France \xC2\xBB : les indicateurs "
                      "nationaux du mod\xC3\xA8le avec leur intervalle ; les foyers y sont "
                      "la somme des moyennes d\xC3\xA9partementales, sans intervalle (le "
                      "mod\xC3\xA8le ne fournit pas encore leur total national).",
                      "Reference scenario, one département per row: mean of the runs and 90 % "
                      "interval. Click a column heading to sort. Row \"France\": the model's "
                      "national indicators with their interval; households there are the sum "
                      "of the départements' means, without interval (the model does not yet "
                      "give their national total)."));
    fputs("<div class=\"table-wrap\"><table class=\"key sortable\">\n<thead><tr><th>", f);
    fputs(lang_pick(pg->lang, "D\xC3\xA9partement", "D\xC3\xA9partement"), f);
    fputs("</th>", f);
    for (size_t c = 0; c < n_cols; c++) {
        fputs("<th>", f);
        html(f, cols[c].head ? cols[c].head : "?");
        fputs("</th>", f);
    }
    fputs("</tr></thead>\n<tbody>\n<tr class=\"total\"><th scope=\"row\" data-v=\"\">France</th>",
          f);
    for (size_t c = 0; c < n_cols; c++) {
        if (!cols[c].var_suffix) {
            double sum = 0;
            for (size_t i = 0; i < n_vars; i++) {
                const char *v = rundir_var(r, RUNDIR_MONTHLY, i);
                size_t len;
                rundir_stat st;
                if (!strncmp(v, "stock.", 6) && territory_population(v + 6, &len) &&
                    rundir_value(r, RUNDIR_MONTHLY, v, cols[c].period, &st) && isfinite(st.mean))
                    sum += st.mean;
            }
            rundir_stat total = {.mean = sum, .p05 = NAN, .p95 = NAN};
            terr_cell(f, &total, 0, 0, pg->lang);
            continue;
        }
        char *v = pc_strf("indicator.%s", cols[c].var_suffix);
        rundir_stat st;
        int ok = v && rundir_value(r, cols[c].table, v, cols[c].period, &st);
        terr_cell(f, ok ? &st : NULL, cols[c].percent, 1, pg->lang);
        free(v);
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i < n_vars; i++) {
        const char *v = rundir_var(r, RUNDIR_MONTHLY, i);
        size_t len;
        const char *code = strncmp(v, "stock.", 6) ? NULL : territory_population(v + 6, &len);
        if (!code)
            continue;
        char *label = rundir_var_label(r, v, pg->lang);
        fputs("<tr><th scope=\"row\">", f);
        for (size_t k = 0; k < len; k++)
            fputc(code[k] >= 'a' && code[k] <= 'z' ? code[k] - 'a' + 'A' : code[k], f);
        fputs(" ", f);
        html(f, label ? label : v);
        fputs("</th>", f);
        free(label);
        for (size_t c = 0; c < n_cols; c++) {
            char *var = cols[c].var_suffix
                            ? pc_strf("indicator.%s_d%.*s", cols[c].var_suffix, (int)len, code)
                            : pc_strdup(v);
            rundir_stat st;
            int ok = var && rundir_value(r, cols[c].table, var, cols[c].period, &st);
            terr_cell(f, ok ? &st : NULL, cols[c].percent, 1, pg->lang);
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

/* The table of contents. */
static void page_nav(const page *pg)
{
    FILE *f = pg->f;
    fprintf(f,
            "<nav>\n<h2>%s</h2>\n<ol>\n<li><a href=\"#scenarios\">%s</a></li>\n"
            "<li><a href=\"#key-figures\">%s</a></li>\n",
            lang_pick(pg->lang, "Sommaire", "Contents"),
            lang_pick(pg->lang, "Sc\xC3\xA9narios", "Scenarios"),
            lang_pick(pg->lang, "Chiffres cl\xC3\xA9s", "Key figures"));
    size_t n_codes = 0;
    for (size_t i = 0; i < rundir_n_vars(pg->runs[0], RUNDIR_MONTHLY); i++) {
        const char *v = rundir_var(pg->runs[0], RUNDIR_MONTHLY, i);
        size_t len;
        n_codes += !strncmp(v, "stock.", 6) && territory_population(v + 6, &len);
    }
    if (n_codes >= 2)
        fprintf(f, "<li><a href=\"#territories\">%s</a></li>\n",
                lang_pick(pg->lang, "D\xC3\xA9partements", "D\xC3\xA9partements"));
    if (pg->dist && pg->dist->n)
        fprintf(f, "<li><a href=\"#distribution\">%s</a></li>\n",
                lang_pick(pg->lang, "Distribution des r\xC3\xA9sultats",
                          "Distribution of the results"));
    if (pg->compare && pg->compare->n)
        fprintf(f, "<li><a href=\"#compare\">%s</a></li>\n",
                lang_pick(pg->lang, "Comparaison des sc\xC3\xA9narios", "Scenarios compared"));
    if (pg->differences && pg->differences->n)
        fprintf(f, "<li><a href=\"#differences\">%s</a></li>\n",
                lang_pick(pg->lang,
                          "\xC3\x89"
                          "carts avec la r\xC3\xA9"
                          "f\xC3\xA9rence",
                          "Differences from the reference"));
    for (size_t r = 0; r < pg->n; r++) {
        fprintf(f, "<li><a href=\"#scenario-%zu\">", r + 1);
        html(f, rundir_label(pg->runs[r]));
        fputs("</a></li>\n", f);
    }
    fprintf(f, "<li><a href=\"#files\">%s</a></li>\n</ol>\n</nav>\n",
            lang_pick(pg->lang, "Fichiers", "Files"));
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
        lang_pick(pg->lang, "Chiffres cl\xC3\xA9s", "Key figures"),
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
    write_key_table(f, pg->keys, pg->runs, pg->lang);
    fputs("</div>", f);
    fprintf(f, "<p><a href=\"key-figures.csv\">key-figures.csv</a></p>\n</section>\n");
}

/* The overlays of all scenarios and the paired differences with the reference. */
static void page_comparisons(const page *pg)
{
    FILE *f = pg->f;
    if (pg->compare && pg->compare->n) {
        fprintf(f, "<section id=\"compare\">\n<h2>%s</h2>\n",
                lang_pick(pg->lang, "Comparaison des sc\xC3\xA9narios", "Scenarios compared"));
        write_charts(f, pg->compare, "compare",
                     lang_pick(pg->lang, "tous les sc\xC3\xA9narios", "all scenarios"), pg->lang);
        fputs("</section>\n", f);
    }
    if (pg->differences && pg->differences->n) {
        fprintf(
            f, "<section id=\"differences\">\n<h2>%s</h2>\n<p>%s</p>\n",
            lang_pick(pg->lang,
                      "\xC3\x89"
                      "carts avec la r\xC3\xA9"
                      "f\xC3\xA9rence",
                      "Differences from the reference"),
            lang_pick(
                pg->lang,
                "Chaque sc\xC3\xA9nario a \xC3\xA9t\xC3\xA9 simul\xC3\xA9 avec les m\xC3\xAAmes "
                "nombres al\xC3\xA9"
                "atoires que la r\xC3\xA9"
                "f\xC3\xA9rence (m\xC3\xAAmes "
                "personnes, m\xC3\xAAmes tirages) : l'\xC3\xA9"
                "cart simulation par simulation "
                "mesure l'effet de la politique, et ses bandes sont bien plus \xC3\xA9troites que "
                "celles de chaque sc\xC3\xA9nario.",
                "Every scenario was simulated with the same random numbers as the reference "
                "(same persons, same draws): the difference run by run measures the policy's "
                "effect, and its bands are much narrower than each scenario's."));
        write_charts(f, pg->differences, "differences",
                     lang_pick(pg->lang,
                               "\xC3\xA9"
                               "cart appari\xC3\xA9",
                               "paired difference"),
                     pg->lang);
        fputs("</section>\n", f);
    }
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
        f, "<section id=\"distribution\">\n<h2>%s</h2>\n<p>",
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
    fputs("</section>\n", f);
}

/* Each scenario's own charts. */
static void page_runs(const page *pg)
{
    FILE *f = pg->f;
    for (size_t r = 0; r < pg->n; r++) {
        fprintf(f, "<section id=\"scenario-%zu\">\n<h2>", r + 1);
        html(f, rundir_label(pg->runs[r]));
        fputs("</h2>\n", f);
        char *folder = pc_strf("%s/charts", pg->scenarios[r].name);
        if (folder)
            write_charts(f, pg->lists[r], folder, rundir_label(pg->runs[r]), pg->lang);
        free(folder);
        fputs("</section>\n", f);
    }
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
    page_scenarios(pg);
    page_key_figures(pg);
    page_territories(pg);
    page_distribution(pg);
    page_comparisons(pg);
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
                     const report_options *opt, sbuf *notes, pc_err *err)
{
    territory_focus focus = {opt->focus, opt->n_focus};
    rundir_filter filter = {territory_keep, &focus};
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
    int rc = runs && lists ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    if (!rc)
        rc = load_runs(dir, scenarios, n, runs, opt, &said, err);
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
    if (!rc)
        rc = keyfig_build((const rundir *const *)runs, n, opt->lang, &keys, err);
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
               .threshold = used};
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
    free(sums);
    keyfig_clear(&keys);
    free(chart_error);
    return rc;
}
