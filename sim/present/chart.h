/* chart — one chart of run folders: its data file, its gnuplot commands, its place in a list.
 *
 * A chart_ctx holds what the charts of one call of plot_draw share: the runs,
 * the language and formats, the output folder, the gnuplot templates of plots/
 * and the script being assembled, and the list of charts drawn.  Two shapes
 * draw into it: a fan chart (chart_fan: each item's median line and its 50 %
 * and 90 % bands, or yearly medians with 5-95 % error bars) and stacked yearly
 * bars (chart_bars: amounts per part, the runs side by side, the interval of
 * their total as an error bar).  Each writes NAME.csv in the output folder
 * first (the numbers it plots, copied from the runs' tables), then appends its
 * commands for every format to the script; plot.h decides which charts there
 * are and pipes the script to gnuplot once.
 *
 * Errors: PC_EINPUT for a data file that cannot be written or a template that
 * cannot be read or has an unknown placeholder; PC_EINTERNAL for out of memory
 * (the message in the context's err). */
#ifndef PARCOURS_CHART_H
#define PARCOURS_CHART_H

#include <stddef.h>

#include "core/err.h"
#include "lang.h"
#include "plot.h"
#include "rundir.h"
#include "sbuf.h"

typedef struct {
    const rundir *const *runs;
    size_t n_runs;
    lang_code lang;
    unsigned formats;   /* GNUPLOT_PNG | GNUPLOT_SVG | GNUPLOT_PDF */
    size_t first_style; /* the style of runs[0] (plot_options.first_style) */
    const char *outdir;
    char *tpl_dir;
    char *tpl_common, *tpl_fan, *tpl_bars, *tpl_lines; /* the templates' texts */
    sbuf script;
    plot_list *list; /* the charts drawn */
    pc_err *err;
} chart_ctx;

/* Reads the templates from the folder templates, or when NULL from $PARCOURS_PLOTS,
 * else ../plots beside the program, else ./plots.  PC_OK or a status in c->err. */
int chart_load_templates(chart_ctx *c, const char *templates);

/* Frees the templates and the script. */
void chart_ctx_clear(chart_ctx *c);

/* Whether gnuplot wrote every file of every chart listed: PC_OK or PC_EINPUT. */
int chart_check_outputs(const chart_ctx *c);

/* The most runs whose bands one plot overlays. */
#define CHART_MAX_OVERLAY 3

/* The gnuplot line type (1-8, plots/common.gp) of run `run` of the context: scenario i
 * of a report has style i in every chart. */
int chart_style(const chart_ctx *c, size_t run);

/* The colour of line type lt (1-8) as '#RRGGBB', for charts drawn without common.gp. */
const char *chart_style_colour(int lt);

/* The fill (colour and pattern) of a funder or cost line, the same in every chart:
 * "fc rgb '#0072B2' fs solid 0.85".  name is the variable (funder.etat, cost.iae_aci);
 * taken[] (8 flags) avoids giving two parts of one chart the same fill. */
const char *chart_part_fill(const char *name, int taken[8]);

/* ---- fan charts ---------------------------------------------------------------- */

/* One plotted series: a variable of one run. */
typedef struct {
    size_t run;
    const rundir_series *s;
    char *title; /* legend text, plain */
    int band;    /* draw its 25-75 % and 5-95 % bands */
    int inner;   /* it has p25 and p75 (survival curves do not); set by chart_fan */
    int part;    /* 0: the run's main line; 1: a second line of the same run, drawn thin */
} chart_item;

typedef struct {
    size_t n, cap;
    chart_item *items;
} chart_items;

/* Appends an item, taking title (freed on failure; NULL is out of memory).  PC_OK or
 * PC_EINTERNAL. */
int chart_items_add(chart_items *l, size_t run, const rundir_series *s, char *title, int band);
void chart_items_free(chart_items *l);

typedef struct {
    const char *name, *group, *title, *xlabel, *ylabel, *suffix;
    const char *key; /* key placement; NULL: below the chart */
    rundir_table table;
    double scale; /* values are drawn times scale (100 for a share in %) */
    int lines;    /* yearly medians with error bars instead of bands */
} chart_fan_spec;

/* Draws the items as a fan chart (or yearly error lines); items without data are
 * left out (and freed), and a chart with none, or with nothing but zeros, is not
 * drawn (its title goes to the list's empty charts).  Each run keeps its style
 * (chart_style).  Items of at most CHART_MAX_OVERLAY runs share one plot; beyond,
 * the chart is small multiples: one panel per run on the same axes, each with the
 * reference's median as a thin grey line. */
int chart_fan(chart_ctx *c, const chart_fan_spec *spec, chart_items *items);

/* ---- stacked bars -------------------------------------------------------------- */

/* Yearly amounts of the variables parts[0..n_parts-1] stacked per run (side by side
 * when several runs), in millions, with the 5-95 % interval of total_var as an error
 * bar (none when total_var is NULL). */
int chart_bars(chart_ctx *c, const char *name, const char *title, const char *const *parts,
               size_t n_parts, const char *total_var);

/* ---- charts with a script of their own ------------------------------------------
 *
 * The analyses (distributions, scatter plots, groups, bands with and without
 * drivers) write their own gnuplot commands without templates: chart_emit appends
 * one chart for PNG and SVG (the output stem.png / stem.svg, the common settings,
 * line types 1-8 in chart_style_colour's colours, then head, then "plot" and plot,
 * or plot alone when it starts with "multiplot" handled by head), and
 * chart_run_script keeps the script as dir/gp_name and pipes it to gnuplot. */
void chart_emit(sbuf *script, const char *stem, const char *head, const char *plot);

/* Writes dir/gp_name and runs gnuplot on script; what gnuplot says on success goes to
 * list->notes when it has none.  PC_OK, PC_EINPUT (gnuplot missing or failing, a file
 * not written) or PC_EINTERNAL. */
int chart_run_script(const char *dir, const char *gp_name, const sbuf *script, plot_list *list,
                     pc_err *err);

#endif
