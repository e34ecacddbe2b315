/* report — the committee report: scenarios side by side, their charts and key figures.
 *
 * report_build takes run folders DIR/<scenario>/ already written (`parcours
 * report` runs the scenarios with one seed, so that they share their random
 * numbers, and draws their paired differences first), draws every chart of
 * each run (DIR/<scenario>/charts/) and the overlays of all of them
 * (DIR/compare/), and writes DIR/key-figures.csv and DIR/index.html: one
 * self-contained page (inline CSS, no script, no external
 * address, relative links only) with each scenario's label and dated changes, a
 * table of key figures with their 90 % intervals, every chart with links to its
 * SVG and to the CSV it was drawn from, and the run files.  The first scenario
 * is the reference the others are compared with.
 *
 * The page reads as a committee does: the summary (key figures with their 90 %
 * intervals and paired differences), the scenarios, then one section per topic
 * (caseload, waiting, budget, staff, indicators, groups), then the analyses
 * (distribution of the key output, scatter against the uncertain parameters,
 * sensitivity, backtest), then each scenario's own charts and the files.  The
 * reference alone also gets: its band with and without drivers (refplot.h, from
 * options.without_drivers), the shares of its groups against the observed ones,
 * and the scatter of the key output (scatterplot.h).
 *
 * When charts cannot be drawn (gnuplot missing or failing) the run files, the
 * key figures and the page are still written, and the error is returned. */
#ifndef PARCOURS_REPORT_H
#define PARCOURS_REPORT_H

#include <stddef.h>

#include "core/err.h"
#include "plot.h"

/* A dated change a scenario makes ([set YYYY-MM] key = value). */
typedef struct {
    const char *date, *key, *value;
} report_change;

typedef struct {
    const char *name;             /* its folder under the report folder */
    const char *label;            /* its title; NULL: from its manifest */
    const char *source;           /* the scenario file, shown in the page; may be NULL */
    const report_change *changes; /* NULL: read the [set ...] sections of its manifest */
    size_t n_changes;
} report_scenario;

typedef struct {
    lang_code lang;
    unsigned formats;             /* chart formats; 0 means PNG and SVG (the page shows PNG) */
    const char *templates;        /* as plot_options.templates */
    const plot_list *differences; /* paired-difference charts in dir/differences/, or NULL */
    const char *const *focus;     /* départements charted in a national run ("26", "05"); the */
    size_t n_focus;               /* others are only in its département table */
    const char *threshold_var;    /* the output whose distribution is drawn; NULL: cost.total */
    double threshold;             /* its threshold (NaN: the reference's mean) */
    /* What the reference's bands include, for the page's paragraph: its uncertain
     * parameters' and its drivers' names (may be 0 and NULL). */
    const char *const *uncertain;
    size_t n_uncertain;
    const char *const *drivers;
    size_t n_drivers;
    const char *without_drivers;   /* the reference run with every driver's sd at 0: a run
                                      folder under dir, or NULL (none, or no driver) */
    const plot_list *sensitivity;  /* the tornado and Sobol charts in dir/sensitivity/, or NULL */
    const char *sensitivity_about; /* what the study was (output, runs), plain text, or NULL */
    const char *backtest;          /* a folder under dir holding backtest-summary.csv and the
                                      chart backtest.png/.svg (parcours backtest), or NULL */
} report_options;

/* Writes the report of the run folders dir/<scenarios[i].name>.  *notes (when notes
 * is not NULL) receives what the user should still hear when the report is written:
 * manifests that could not be read, what gnuplot said (a new string, or NULL).
 * PC_OK, PC_EINPUT (a run folder unreadable, charts not drawn: err says why) or
 * PC_EINTERNAL. */
int report_build(const char *dir, const report_scenario *scenarios, size_t n,
                 const report_options *opt, char **notes, pc_err *err);

#endif
