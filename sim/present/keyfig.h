/* keyfig — the key figures of a report: a few indicators per scenario, with their intervals.
 *
 * The rows, in this order: each population's stock at the month-ends 3 and 5
 * years after the start; each funder's budget summed over the run's calendar
 * years, then the total cost (in millions of euros); each resource's ETP
 * occupied and each queue's mean wait in the calendar years of those two
 * month-ends; each ratio, delay and status indicator over the whole run (the
 * value of each replication in replications.csv: its mean and 5 % and 95 %
 * quantiles, the paired difference from the reference), and for an indicator
 * with a target (`target = >= 50%`) the probability of meeting it: the share
 * of replications whose value over the run meets it.  A value is a run's mean
 * copied from monthly.csv or yearly.csv
 * with its 5 % and 95 % quantiles; a cumulative budget sums the yearly means,
 * and its interval comes from the per-replication totals of replications.csv
 * (type-7 quantiles).  Rows are labelled in French or English; a scenario
 * without a figure has NaN there. */
#ifndef PARCOURS_KEYFIG_H
#define PARCOURS_KEYFIG_H

#include <stddef.h>

#include "core/err.h"
#include "lang.h"
#include "rundir.h"

/* MONTHLY, YEARLY: a value of monthly.csv or yearly.csv; CUMULATIVE: a budget summed over
 * the years; HORIZON: an indicator over the whole run, from replications.csv; TARGET: the
 * share of replications whose HORIZON value meets the indicator's target. */
typedef enum {
    KEYFIG_MONTHLY,
    KEYFIG_YEARLY,
    KEYFIG_CUMULATIVE,
    KEYFIG_HORIZON,
    KEYFIG_TARGET
} keyfig_kind;

typedef struct {
    char *label;    /* row heading, plain text */
    char *variable; /* as in the run files */
    char *period;   /* YYYY-MM, YYYY, or YYYY-YYYY for a cumulative total */
    keyfig_kind kind;
    int period_value;         /* month index or year */
    double scale;             /* shown = value x scale */
    int decimals;             /* shown with that many decimals */
    double *mean, *p05, *p95; /* one per scenario, NaN where missing */
    double *d05, *d95;        /* the paired difference from the reference, replication by
                                 replication: its 5 % and 95 % quantiles (cumulative budgets and
                                 indicators over the run; NaN elsewhere and for the reference) */
    const char *unit;         /* of mean, p05, p95 ("part", "euros", "jours"), or NULL: from
                                 the variable's name */
    const char *shown_unit;   /* of the values x scale, or NULL: as unit */
    int target_op;            /* TARGET: +1 value >= target, -1 value <= target */
    double target;            /* TARGET: in the unit of mean */
} keyfig_row;

typedef struct {
    size_t n, cap, n_runs;
    keyfig_row *rows;
} keyfig_table;

/* Builds the table of runs[0..n_runs-1] (runs[0] gives the rows and periods) into *t,
 * which keyfig_clear empties whatever the status; with only, the figures of the
 * variables only->keep accepts (the départements of a report's focus).  PC_OK,
 * PC_EINPUT (a malformed replications.csv) or PC_EINTERNAL. */
int keyfig_build(const rundir *const *runs, size_t n_runs, lang_code lang,
                 const rundir_filter *only, keyfig_table *t, pc_err *err);
void keyfig_clear(keyfig_table *t);

/* Writes path, one row per figure and scenario (names[r] names run r):
 *   indicator,variable,period,scenario,label,mean,p05,p95,unit,
 *   shown_mean,shown_p05,shown_p95,shown_unit
 * mean, p05 and p95 in the variable's own unit, named in unit (euros, personnes,
 * ETP, jours); shown_* in the unit the indicator's label names (M€ for budgets). */
int keyfig_write(const char *path, const keyfig_table *t, const rundir *const *runs,
                 const char *const *names, pc_err *err);

#endif
