/* rundir — a run folder read back: the tables the charts and the page are drawn from.
 *
 * A run folder (monthly.csv, yearly.csv, survival.csv, manifest.ini, written by
 * `parcours run`, core/out.h) is read whole into a rundir: for each table, one
 * series per variable (or, in survival.csv, per population) of its summary
 * rows sorted by period, and the manifest for labels.  What the charts show is
 * therefore what the files say.  monthly.csv is required; the other tables and
 * the manifest are read when present, and a manifest that cannot be read leaves
 * the plain variable names (rundir_warning says why).
 *
 * Periods are whole numbers: a month as year * 12 + month - 1, a calendar year,
 * or a spell duration in months.  Errors: PC_EINPUT naming the file, line and
 * column of a malformed table; PC_EINTERNAL for out of memory. */
#ifndef PARCOURS_RUNDIR_H
#define PARCOURS_RUNDIR_H

#include <stddef.h>

#include "core/err.h"
#include "lang.h"

typedef enum { RUNDIR_MONTHLY = 0, RUNDIR_YEARLY = 1, RUNDIR_SURVIVAL = 2 } rundir_table;

/* One row of monthly.csv, yearly.csv or survival.csv; NaN where the file says NA
 * (and for the columns survival.csv does not have: sd, p25, p75). */
typedef struct {
    double mean, sd, p05, p25, p50, p75, p95;
} rundir_stat;

/* The rows of one variable of a table, by period (read-only for its users). */
typedef struct {
    char *name;
    size_t n, cap;
    int *period;       /* ascending */
    rundir_stat *stat; /* stat[i] is the row of period[i] */
} rundir_series;

typedef struct rundir rundir;

/* Reads the run folder dir.  PC_OK, PC_EINPUT or PC_EINTERNAL. */
int rundir_load(const char *dir, rundir **out, pc_err *err);

/* Which variables (or, in survival.csv, populations) to keep of a large run. */
typedef struct rundir_filter {
    /* called once the manifest is read, before the tables (may be NULL): PC_OK, or an
     * error that fails the load */
    int (*setup)(const rundir *r, void *ctx, pc_err *err);
    int (*keep)(const char *name, void *ctx); /* non-zero: keep it */
    void *ctx;
} rundir_filter;

/* rundir_load keeping only what filter->keep accepts (all when filter is NULL): a
 * national run's charts and tables need a few départements of its thousands of
 * variables. */
int rundir_load_filtered(const char *dir, const rundir_filter *filter, rundir **out, pc_err *err);
void rundir_free(rundir *r);

/* Replaces the run's title (normally [scenario] label, else [model] name, else
 * the folder name).  PC_OK or PC_EINTERNAL. */
int rundir_set_label(rundir *r, const char *label);

const char *rundir_label(const rundir *r);
const char *rundir_path(const rundir *r);

/* Why the manifest could not be read (the labels are then the plain names), or NULL. */
const char *rundir_warning(const rundir *r);

/* A value of the run's manifest.ini ("[section] key"), or NULL. */
/* The run's manifest (the model and scenario as run), or NULL when it was not read. */
const struct cfg_doc *rundir_manifest(const rundir *r);

const char *rundir_setting(const rundir *r, const char *section, const char *key);

/* The next item of a comma-separated manifest value at *p (`of = stock.d01, stock.d02`,
 * over lines): sets *item to its start and returns its length, 0 at the end; advances *p. */
size_t rundir_list_next(const char **p, const char **item);

/* Variables (or, for RUNDIR_SURVIVAL, populations) of one table, in file order. */
size_t rundir_n_vars(const rundir *r, rundir_table table);
const char *rundir_var(const rundir *r, rundir_table table, size_t i);

/* The series of var in a table, or NULL. */
const rundir_series *rundir_find(const rundir *r, rundir_table table, const char *var);

/* The row of a series at period, or NULL. */
const rundir_stat *rundir_series_at(const rundir_series *s, int period);

/* First and last period of the table.  Returns 0 when the table is empty. */
int rundir_periods(const rundir *r, rundir_table table, int *first, int *last);

/* The row of var at period; returns 1, or 0 when there is none. */
int rundir_value(const rundir *r, rundir_table table, const char *var, int period,
                 rundir_stat *out);

/* The model's observed points of var at the periods of a table (the [observations]
 * table the run folder keeps in tables/, named by its manifest): up to cap of them into
 * periods[] and values[]; returns how many there are. */
size_t rundir_observed(const rundir *r, rundir_table table, const char *var, int *periods,
                       double *values, size_t cap);

/* The names X of the variables PREFIX X SUFFIX of a table in any of runs, each once,
 * in order of appearance: *names, a new array of *count new strings, freed with
 * rundir_names_free.  PC_OK or PC_EINTERNAL. */
int rundir_names(const rundir *const *runs, size_t n_runs, rundir_table table, const char *prefix,
                 const char *suffix, char ***names, size_t *count);
void rundir_names_free(char **names, size_t count);

/* A display name for a variable ("Allocataires du RSA", "État"), from the run's
 * manifest labels.  A new string, or NULL on out of memory. */
char *rundir_var_label(const rundir *r, const char *var, lang_code lang);

#endif
