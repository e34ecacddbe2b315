/* plot — charts of run folders: fan charts, scenario overlays, budgets, ETP, waits, survival.
 *
 * A run folder (monthly.csv, yearly.csv, survival.csv, manifest.ini, written by
 * `parcours run`) is read into a plot_run.  plot_draw takes one or more runs and
 * draws every chart into an output folder: for each chart it writes the data it
 * plots as a CSV file (<name>.csv, raw values copied from the run's files), fills
 * a gnuplot template of plots/ and pipes the script to one gnuplot process per
 * call, which writes <name>.png, <name>.svg and/or <name>.pdf.  Several runs give
 * overlays: every run's median and bands on one chart.
 *
 * Text from scenario files (labels, names) reaches gnuplot only as the quoted
 * literals of gnuplot.h.  Tick labels (French number and date formats) are computed here,
 * never by the machine's locale, and nothing time-dependent is written, so the
 * same inputs give the same SVG bytes.
 *
 * Errors: PC_EINPUT for an unreadable or malformed run folder, a missing gnuplot
 * or a gnuplot error (its message in err); PC_EINTERNAL for out of memory or a
 * failed system call. */
#ifndef PARCOURS_PLOT_H
#define PARCOURS_PLOT_H

#include <stddef.h>

#include "core/err.h"
#include "gnuplot.h"
#include "lang.h"

typedef enum { PLOT_MONTHLY = 0, PLOT_YEARLY = 1, PLOT_SURVIVAL = 2 } plot_table;

/* One row of monthly.csv, yearly.csv or survival.csv; NaN where the file says NA
 * (and for the columns survival.csv does not have: sd, p25, p75). */
typedef struct {
    double mean, sd, p05, p25, p50, p75, p95;
} plot_stat;

typedef struct {
    unsigned formats;        /* GNUPLOT_PNG | GNUPLOT_SVG | GNUPLOT_PDF; 0 means PNG and SVG */
    lang_code lang;          /* labels, numbers and dates */
    const char *templates;   /* folder of the .gp templates; NULL: PARCOURS_PLOTS, else
                                ../plots beside the program, else ./plots */
    const char *const *vars; /* monthly variables drawn as fan charts; */
    size_t n_vars;           /* 0: every population stock and every queue */
} plot_options;

typedef struct plot_run plot_run;

/* One chart drawn: files <name>.csv and <name>.<format> in the output folder. */
typedef struct {
    char *name;  /* file base name, safe characters only */
    char *title; /* plain text (not escaped), for captions */
    char *group; /* "stock", "queue", "wait", "etp", "staff", "budget", "flows", "survival" */
} plot_chart;

typedef struct {
    size_t n;
    plot_chart *charts;
    unsigned formats; /* formats written */
    char *notes;      /* what gnuplot said while drawing them successfully, or NULL */
} plot_list;

/* Reads the run folder dir.  monthly.csv is required; yearly.csv, survival.csv
 * and manifest.ini are read when present.  PC_EINPUT names the file and line. */
int plot_run_load(const char *dir, plot_run **out, pc_err *err);
void plot_run_free(plot_run *r);

/* Replaces the run's title (normally [scenario] label, else [model] name, else
 * the folder name).  PC_OK or PC_EINTERNAL. */
int plot_run_set_label(plot_run *r, const char *label);

const char *plot_run_label(const plot_run *r);
const char *plot_run_dir(const plot_run *r);

/* A value of the run's manifest.ini ("[section] key"), or NULL. */
const char *plot_run_setting(const plot_run *r, const char *section, const char *key);

/* Variables (or, for PLOT_SURVIVAL, populations) of one table, in file order. */
size_t plot_run_n_vars(const plot_run *r, plot_table table);
const char *plot_run_var(const plot_run *r, plot_table table, size_t i);

/* First and last period of the table: a month as year * 12 + month - 1, a year,
 * or a spell duration in months.  Returns 0 when the table is empty. */
int plot_run_periods(const plot_run *r, plot_table table, int *first, int *last);

/* The row of var at period; returns 1, or 0 when there is none. */
int plot_run_stat(const plot_run *r, plot_table table, const char *var, int period, plot_stat *out);

/* A display name for a variable ("Allocataires du RSA", "État"), from the run's
 * manifest labels.  A new string, or NULL on out of memory. */
char *plot_var_label(const plot_run *r, const char *var, lang_code lang);

/* Draws every chart of runs[0..n_runs-1] into outdir (created if needed).  The
 * data files are written before gnuplot is looked for, so they remain when it is
 * missing.  On success *out (if not NULL) lists the charts, in reading order. */
int plot_draw(const plot_run *const *runs, size_t n_runs, const char *outdir,
              const plot_options *opt, plot_list **out, pc_err *err);
void plot_list_free(plot_list *l);

/* An empty list of charts written in formats; NULL on out of memory. */
plot_list *plot_list_alloc(unsigned formats);

/* Appends a chart (copies of the strings).  PC_OK or PC_EINTERNAL. */
int plot_list_add(plot_list *l, const char *name, const char *title, const char *group);

#endif
