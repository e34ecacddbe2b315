/* refplot — charts of the reference scenario alone: its band with and without drivers, its groups.
 *
 * refplot_bands: what the drivers add to a band.  The main stock (the
 * population with the most persons at the last month) of the reference run and
 * of the same run with every driver's sd set to 0 (same seed, same draws of
 * everything else), their 50 % and 90 % bands month by month on one chart.
 * Files: DIR/bands-<var>.csv (month, then p05,p25,p50,p75,p95 with drivers, the
 * same without), its PNG and SVG, bands-charts.gp.
 *
 * refplot_groups: the shares of a population's stock by attribute value, the
 * share.P[ATTR=VALUE] variables of a run with a breakdown: one chart per
 * (population, attribute), one line per value with its 90 % band, the model's
 * observed shares as points.  Files: DIR/groups-<P>-<ATTR>.csv (month, then
 * p05,p50,p95 of each value), its PNG and SVG, groups-charts.gp. */
#ifndef PARCOURS_REFPLOT_H
#define PARCOURS_REFPLOT_H

#include <stddef.h>

#include "core/err.h"
#include "lang.h"
#include "plot.h"
#include "rundir.h"

/* The variable the band chart draws: stock.P of the population P (the names X of
 * entries.X) with the largest mean at the last month of run, into var (size bytes).
 * Returns 0 when the run has no population. */
int refplot_main_stock(const rundir *run, char *var, size_t size);

/* What the page says of the bands: the width of the 90 % band (p95 - p05) of the main
 * stock at the last month, with and without drivers. */
typedef struct {
    char var[256];
    double width_with, width_without;
} refplot_band_summary;

/* Draws the main stock of with (the reference) and without (its run without drivers)
 * into the existing folder dir, appends the chart to list (group "bands").  PC_OK,
 * PC_EINPUT (no population, gnuplot failing) or PC_EINTERNAL. */
int refplot_bands(const char *dir, const rundir *with, const rundir *without, lang_code lang,
                  plot_list *list, refplot_band_summary *sum, pc_err *err);

/* Draws the groups of run into the existing folder dir, appends the charts to list
 * (group "groups"); nothing for a run without share.P[ATTR=VALUE] variables.  PC_OK,
 * PC_EINPUT (gnuplot failing) or PC_EINTERNAL. */
int refplot_groups(const char *dir, const rundir *run, lang_code lang, plot_list *list,
                   pc_err *err);

/* "Âge de l'allocataire : Moins de 26 ans" for share.rsa[age=moins_26], from the run's
 * manifest ([attribute age] label, values and labels), or the bracket's text when the
 * manifest does not say: a new string, or NULL on out of memory. */
char *refplot_group_label(const rundir *run, const char *share_var);

#endif
