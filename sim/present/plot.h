/* plot — charts of run folders: fan charts, scenario overlays, budgets, ETP, waits, survival.
 *
 * plot_draw takes one or more run folders (rundir.h) and draws every chart they
 * call for into an output folder: for each chart the data it plots as a CSV
 * file (<name>.csv, values copied from the run's files) and the filled gnuplot
 * templates of plots/ (chart.h), the whole script piped to one gnuplot process,
 * which writes <name>.png, <name>.svg and/or <name>.pdf.  Several runs give
 * overlays: every run's median and bands on one chart.  A plot_list names the
 * charts drawn, for a page to show them (report.h); diffplot.h and sensplot.h
 * append theirs to one too.
 *
 * Text from scenario files reaches gnuplot only as the quoted literals of
 * gnuplot.h, numbers and dates are written by lang.h and axis.h, never by the
 * machine's locale, and nothing time-dependent is written, so the same inputs
 * give the same SVG bytes.
 *
 * Errors: PC_EINPUT for a missing template, a missing gnuplot or a gnuplot error
 * (its message in err); PC_EINTERNAL for out of memory or a failed system call. */
#ifndef PARCOURS_PLOT_H
#define PARCOURS_PLOT_H

#include <stddef.h>

#include "core/err.h"
#include "gnuplot.h"
#include "lang.h"
#include "rundir.h"

typedef struct {
    unsigned formats;        /* GNUPLOT_PNG | GNUPLOT_SVG | GNUPLOT_PDF; 0 means PNG and SVG */
    lang_code lang;          /* labels, numbers and dates */
    const char *templates;   /* folder of the .gp templates; NULL: PARCOURS_PLOTS, else
                                ../plots beside the program, else ./plots */
    const char *const *vars; /* monthly variables drawn as fan charts; */
    size_t n_vars;           /* 0: every population stock and every queue */
    size_t first_style;      /* the style of runs[0]: scenario i of a report has style i */
    int write_script;        /* keep the gnuplot script as charts.gp in the output folder */
} plot_options;

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
    char *empty;      /* titles of the charts not drawn for having nothing to show, one per
                         line, or NULL */
} plot_list;

/* Draws every chart of runs[0..n_runs-1] into outdir (created if needed).  The
 * data files are written before gnuplot is looked for, so they remain when it is
 * missing.  On success *out (if not NULL) lists the charts, in reading order. */
int plot_draw(const rundir *const *runs, size_t n_runs, const char *outdir, const plot_options *opt,
              plot_list **out, pc_err *err);
void plot_list_free(plot_list *l);

/* An empty list of charts written in formats; NULL on out of memory. */
plot_list *plot_list_alloc(unsigned formats);

/* Notes a chart not drawn because it has nothing to show.  PC_OK or PC_EINTERNAL. */
int plot_list_add_empty(plot_list *l, const char *title);
/* Appends a chart (copies of the strings).  PC_OK or PC_EINTERNAL. */
int plot_list_add(plot_list *l, const char *name, const char *title, const char *group);

#endif
