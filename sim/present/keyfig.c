/* keyfig — the key figures of a report, read from run folders (see keyfig.h). */
#include "keyfig.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg.h"
#include "core/fsio.h"

#define NDASH "\xE2\x80\x93"

/* The horizons of the rows: the month-ends 3 and 5 years after the start. */
static const int offsets[2] = {35, 59}, horizons[2] = {3, 5};

static void row_clear(keyfig_row *row)
{
    free(row->label);
    free(row->variable);
    free(row->period);
    free(row->mean);
    free(row->p05);
    free(row->p95);
    free(row->d05);
    free(row->d95);
}

void keyfig_clear(keyfig_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        row_clear(&t->rows[i]);
    free(t->rows);
    memset(t, 0, sizeof *t);
}

/* Adds a row (taking label); NULL on out of memory. */
static keyfig_row *add_row(keyfig_table *t, char *label, const char *variable, keyfig_kind kind,
                           int period_value, double scale, int decimals)
{
    if (!label)
        return NULL;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        keyfig_row *bigger = realloc(t->rows, cap * sizeof *bigger);
        if (!bigger) {
            free(label);
            return NULL;
        }
        t->rows = bigger;
        t->cap = cap;
    }
    keyfig_row *row = &t->rows[t->n++];
    memset(row, 0, sizeof *row);
    row->label = label;
    row->kind = kind;
    row->period_value = period_value;
    row->scale = scale;
    row->decimals = decimals;
    row->variable = pc_strdup(variable);
    row->mean = pc_calloc(t->n_runs, sizeof *row->mean);
    row->p05 = pc_calloc(t->n_runs, sizeof *row->p05);
    row->p95 = pc_calloc(t->n_runs, sizeof *row->p95);
    row->d05 = pc_calloc(t->n_runs, sizeof *row->d05);
    row->d95 = pc_calloc(t->n_runs, sizeof *row->d95);
    if (!row->variable || !row->mean || !row->p05 || !row->p95 || !row->d05 || !row->d95)
        return NULL;
    for (size_t r = 0; r < t->n_runs; r++)
        row->mean[r] = row->p05[r] = row->p95[r] = row->d05[r] = row->d95[r] = NAN;
    return row;
}

/* Totals of one column of replications.csv: mean and type-7 5 % and 95 % quantiles. */
static int replication_interval(const cfg_table *reps, const char *variable, double *p05,
                                double *p95)
{
    if (!reps || reps->n_rows < 2)
        return 0;
    long col = -1;
    for (size_t i = 0; i < reps->rows[0].n && col < 0; i++)
        if (strcmp(reps->rows[0].fields[i], variable) == 0)
            col = (long)i;
    if (col < 0)
        return 0;
    double *values = pc_calloc(reps->n_rows, sizeof *values);
    if (!values)
        return -1;
    size_t n = 0;
    for (size_t i = 1; i < reps->n_rows; i++) {
        if ((size_t)col >= reps->rows[i].n)
            continue;
        char *end;
        double v = strtod(reps->rows[i].fields[col], &end);
        if (end != reps->rows[i].fields[col] && !*end && isfinite(v))
            values[n++] = v;
    }
    if (n > 0) {
        gsl_sort(values, 1, n);
        *p05 = gsl_stats_quantile_from_sorted_data(values, 1, n, 0.05);
        *p95 = gsl_stats_quantile_from_sorted_data(values, 1, n, 0.95);
    }
    free(values);
    return n > 0;
}

/* The values of a column of replications.csv by replication number (NaN where
 * missing): a new array of *n, or NULL (none, or out of memory: *oom set). */
static double *replication_values(const cfg_table *reps, const char *variable, size_t *n, int *oom)
{
    *n = 0;
    if (!reps || reps->n_rows < 2)
        return NULL;
    long col = -1, rep_col = -1;
    for (size_t i = 0; i < reps->rows[0].n; i++) {
        col = !strcmp(reps->rows[0].fields[i], variable) ? (long)i : col;
        rep_col = !strcmp(reps->rows[0].fields[i], "replication") ? (long)i : rep_col;
    }
    if (col < 0 || rep_col < 0)
        return NULL;
    double *v = pc_calloc(reps->n_rows, sizeof *v);
    if (!v) {
        *oom = 1;
        return NULL;
    }
    for (size_t i = 0; i < reps->n_rows; i++)
        v[i] = NAN;
    for (size_t i = 1; i < reps->n_rows; i++) {
        const cfg_row *row = &reps->rows[i];
        if ((size_t)col >= row->n || (size_t)rep_col >= row->n)
            continue;
        char *end;
        long rep = strtol(row->fields[rep_col], &end, 10);
        double x = strtod(row->fields[col], NULL);
        if (*end || rep < 0 || (size_t)rep >= reps->n_rows)
            continue;
        v[rep] = x;
        if ((size_t)rep + 1 > *n)
            *n = (size_t)rep + 1;
    }
    return v;
}

/* The 5 % and 95 % quantiles of alt - ref, replication by replication (paired: the
 * runs share their random numbers), over the replications both have. */
static int paired_interval(const cfg_table *ref, const cfg_table *alt, const char *variable,
                           double *d05, double *d95)
{
    size_t na, nb;
    int oom = 0;
    double *a = replication_values(ref, variable, &na, &oom);
    double *b = replication_values(alt, variable, &nb, &oom);
    size_t n = 0;
    for (size_t i = 0; a && b && i < na && i < nb; i++)
        if (isfinite(a[i]) && isfinite(b[i]))
            a[n++] = b[i] - a[i];
    if (n > 1) {
        gsl_sort(a, 1, n);
        *d05 = gsl_stats_quantile_from_sorted_data(a, 1, n, 0.05);
        *d95 = gsl_stats_quantile_from_sorted_data(a, 1, n, 0.95);
    }
    free(a);
    free(b);
    return oom ? -1 : 0;
}

/* What building the rows shares. */
typedef struct {
    const rundir *const *runs;
    size_t n_runs;
    lang_code lang;
    int first_month, last_month, first_year, last_year;
    keyfig_table *t;
} builder;

/* The label of var in the first run whose model labels it (a state a scenario adds has
 * its label in that scenario only; the reference would give its bare name). */
static char *label_any(const builder *b, const char *var)
{
    char *first = rundir_var_label(b->runs[0], var, b->lang);
    for (size_t r = 1; first && r < b->n_runs; r++) {
        char *other = rundir_var_label(b->runs[r], var, b->lang);
        if (other && strcmp(other, first)) {
            free(first);
            return other;
        }
        free(other);
    }
    return first;
}

/* Each population's stock 3 and 5 years after the start, at month end. */
static int add_stocks(const builder *b)
{
    char **names = NULL;
    size_t n = 0;
    if (rundir_names(b->runs, b->n_runs, RUNDIR_MONTHLY, "entries.", "", &names, &n))
        return PC_EENV;
    int rc = PC_OK;
    for (size_t i = 0; i < n && !rc; i++)
        for (int h = 0; h < 2 && !rc; h++) {
            int month = b->first_month + offsets[h];
            if (month > b->last_month)
                continue;
            char *var = pc_strf("stock.%s", names[i]);
            char *label = var ? label_any(b, var) : NULL;
            char when[40];
            lang_month(month / 12, month % 12 + 1, b->lang, when, sizeof when);
            keyfig_row *row =
                label ? add_row(b->t,
                                pc_strf(b->lang == LANG_EN
                                            ? "%s: persons present, end of %s (+%d years)"
                                            : "%s : personnes pr\xC3\xA9sentes fin %s (+%d ans)",
                                        label, when, horizons[h]),
                                var, KEYFIG_MONTHLY, month, 1, 0)
                      : NULL;
            free(label);
            free(var);
            if (!row || !(row->period = pc_strf("%04d-%02d", month / 12, month % 12 + 1)))
                rc = PC_EENV;
        }
    rundir_names_free(names, n);
    return rc;
}

/* Each funder's budget over the whole run, then the total cost. */
static int add_budgets(const builder *b)
{
    char **names = NULL;
    size_t n = 0;
    if (rundir_names(b->runs, b->n_runs, RUNDIR_YEARLY, "funder.", "", &names, &n))
        return PC_EENV;
    int rc = PC_OK;
    for (size_t i = 0; i <= n && !rc; i++) {
        char *var = i < n ? pc_strf("funder.%s", names[i]) : pc_strdup("cost.total");
        char *label = var ? label_any(b, var) : NULL;
        keyfig_row *row =
            label
                ? add_row(b->t,
                          pc_strf(b->lang == LANG_EN
                                      ? "%s: cumulative budget %d" NDASH "%d (\xE2\x82\xAC million)"
                                      : "%s : budget cumul\xC3\xA9 %d" NDASH "%d (M\xE2\x82\xAC)",
                                  label, b->first_year, b->last_year),
                          var, KEYFIG_CUMULATIVE, 0, 1e-6, 1)
                : NULL;
        free(label);
        free(var);
        if (!row || !(row->period = pc_strf("%d-%d", b->first_year, b->last_year)))
            rc = PC_EENV;
    }
    rundir_names_free(names, n);
    return rc;
}

/* A key of indicator name's section in the reference's manifest, or NULL. */
static const char *indicator_setting(const builder *b, const char *name, const char *key)
{
    char section[300];
    snprintf(section, sizeof section, "indicator %s", name);
    return rundir_setting(b->runs[0], section, key);
}

/* Whether every term of a comma-separated list starts with prefix. */
static int all_terms(const char *terms, const char *prefix)
{
    size_t n = strlen(prefix), len;
    const char *item;
    while ((len = rundir_list_next(&terms, &item)))
        if (len < n || strncmp(item, prefix, n))
            return 0;
    return 1;
}

/* The count indicators (totals over populations, with their own intervals): a count of
 * stocks (or of ETP) 3 and 5 years after the start, as the stocks; a count of flows over the whole
 * run, as the budgets (in M€ when in euros). */
static int add_counts(const builder *b)
{
    char **names = NULL;
    size_t n = 0;
    if (rundir_names(b->runs, b->n_runs, RUNDIR_MONTHLY, "indicator.", "", &names, &n))
        return PC_EENV;
    int rc = PC_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *kind = indicator_setting(b, names[i], "kind");
        const char *of = indicator_setting(b, names[i], "of");
        const char *unit = indicator_setting(b, names[i], "unit");
        if (strchr(names[i], '.') || !kind || strcmp(kind, "count") || !of)
            continue;
        char *var = pc_strf("indicator.%s", names[i]);
        const char *own = indicator_setting(b, names[i], "label");
        char *label = !var ? NULL : own && *own ? pc_strdup(own) : label_any(b, var);
        if (!label) {
            free(var);
            rc = PC_EENV;
            break;
        }
        int y0, y1;
        int etp = all_terms(of, "etp.");
        if (etp || all_terms(of, "stock.")) {
            for (int h = 0; h < 2 && !rc; h++) {
                int month = b->first_month + offsets[h];
                if (month > b->last_month)
                    continue;
                char when[40];
                lang_month(month / 12, month % 12 + 1, b->lang, when, sizeof when);
                keyfig_row *row = add_row(b->t,
                                          pc_strf(b->lang == LANG_EN ? "%s: end of %s (+%d years)"
                                                                     : "%s : fin %s (+%d ans)",
                                                  label, when, horizons[h]),
                                          var, KEYFIG_MONTHLY, month, 1, 0);
                if (row)
                    row->unit = etp ? "ETP" : "personnes";
                if (!row || !(row->period = pc_strf("%04d-%02d", month / 12, month % 12 + 1)))
                    rc = PC_EENV;
            }
        } else if (rundir_periods(b->runs[0], RUNDIR_YEARLY, &y0, &y1)) {
            int euros = unit && !strcmp(unit, "euros");
            keyfig_row *row =
                add_row(b->t,
                        pc_strf(b->lang == LANG_EN ? "%s: cumulative %d" NDASH "%d%s"
                                                   : "%s : cumul %d" NDASH "%d%s",
                                label, b->first_year, b->last_year,
                                euros ? (b->lang == LANG_EN ? " (\xE2\x82\xAC million)"
                                                            : " (M\xE2\x82\xAC)")
                                      : ""),
                        var, KEYFIG_CUMULATIVE, 0, euros ? 1e-6 : 1, euros ? 1 : 0);
            if (row) {
                row->unit = euros ? "euros" : "personnes";
                row->shown_unit = euros ? "M\xE2\x82\xAC" : NULL;
            }
            if (!row || !(row->period = pc_strf("%d-%d", b->first_year, b->last_year)))
                rc = PC_EENV;
        }
        free(label);
        free(var);
    }
    rundir_names_free(names, n);
    return rc;
}

/* The row heading of a yearly figure: ETP occupied (etp) or mean wait. */
static char *yearly_label(const builder *b, int etp, const char *label, int year, int horizon)
{
    if (etp)
        return pc_strf(b->lang == LANG_EN ? "%s: ETP occupied, %d average (year %d)"
                                          : "%s : ETP occup\xC3\xA9s, moyenne %d (ann\xC3\xA9"
                                            "e %d)",
                       label, year, horizon);
    return pc_strf(b->lang == LANG_EN ? "%s: mean wait in %d (days, year %d)"
                                      : "%s : attente moyenne en %d (jours, ann\xC3\xA9"
                                        "e %d)",
                   label, year, horizon);
}

/* Each resource's ETP occupied (etp) or each queue's mean wait, years 3 and 5. */
static int add_yearly(const builder *b, int etp)
{
    const char *prefix = etp ? "etp." : "wait.", *suffix = etp ? "" : ".mean";
    char **names = NULL;
    size_t n = 0;
    if (rundir_names(b->runs, b->n_runs, RUNDIR_YEARLY, prefix, suffix, &names, &n))
        return PC_EENV;
    int rc = PC_OK;
    for (size_t i = 0; i < n && !rc; i++)
        for (int h = 0; h < 2 && !rc; h++) {
            int year = (b->first_month + offsets[h]) / 12;
            if (b->first_month + offsets[h] > b->last_month || year > b->last_year)
                continue;
            char *var = pc_strf("%s%s%s", prefix, names[i], suffix);
            char *label = var ? label_any(b, var) : NULL;
            char *text = label ? yearly_label(b, etp, label, year, horizons[h]) : NULL;
            keyfig_row *row =
                text ? add_row(b->t, text, var, KEYFIG_YEARLY, year, 1, etp ? 1 : 0) : NULL;
            free(label);
            free(var);
            if (!row || !(row->period = pc_strf("%d", year)))
                rc = PC_EENV;
        }
    rundir_names_free(names, n);
    return rc;
}

/* "<= 90d", ">= 50%", "> 0.3": the operator (+1 for >= and >, -1 for <= and <) and the
 * value (a percentage as a fraction); 0 when the text is not a target. */
static int parse_target(const char *text, double *value)
{
    while (*text == ' ')
        text++;
    int op = text[0] == '>' ? 1 : text[0] == '<' ? -1 : 0;
    if (!op)
        return 0;
    text += 1 + (text[1] == '=');
    char *end;
    double v = strtod(text, &end);
    if (end == text || !isfinite(v))
        return 0;
    while (*end == ' ')
        end++;
    if (*end == '%')
        v /= 100, end++;
    while (*end == ' ')
        end++;
    if (*end)
        return 0;
    *value = v;
    return op;
}

/* Each ratio, delay and status indicator over the whole run (a delay's share within its
 * duration and its mean delay), then the probability of meeting its target if it has one. */
static int add_indicators(const builder *b)
{
    char **names = NULL;
    size_t n = 0;
    if (rundir_names(b->runs, b->n_runs, RUNDIR_YEARLY, "indicator.", "", &names, &n))
        return PC_EENV;
    int rc = PC_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (strchr(names[i], '.'))
            continue; /* the parts: .num, .den, .days, ... */
        const char *kind = indicator_setting(b, names[i], "kind");
        const char *unit = indicator_setting(b, names[i], "unit");
        if (!kind || (strcmp(kind, "ratio") && strcmp(kind, "delay") && strcmp(kind, "status")))
            continue;
        int euros = unit && !strcmp(unit, "euros"), days = unit && !strcmp(unit, "days");
        int share = !euros && !days && (!unit || !*unit || !strcmp(unit, "share"));
        for (int part = 0; part < 2 && !rc; part++) {
            if (part == 1 && strcmp(kind, "delay"))
                break;
            char *var = pc_strf("indicator.%s%s", names[i], part ? ".days" : "");
            const char *own = indicator_setting(b, names[i], "label");
            char *label = !var                   ? NULL
                          : own && *own && !part ? pc_strdup(own)
                          : own && *own          ? pc_strf(b->lang == LANG_EN ? "%s: mean delay"
                                                                              : "%s : d\xC3\xA9lai moyen",
                                                  own)
                                        : label_any(b, var);
            int pct = share && !part;
            const char *shown = pct ? "%" : part || days ? "jours" : euros ? "\xE2\x82\xAC" : "";
            keyfig_row *row =
                label ? add_row(b->t,
                                pc_strf(b->lang == LANG_EN ? "%s: whole run %d" NDASH "%d%s%s%s"
                                                           : "%s : ensemble %d" NDASH "%d%s%s%s",
                                        label, b->first_year, b->last_year, *shown ? " (" : "",
                                        shown, *shown ? ")" : ""),
                                var, KEYFIG_HORIZON, 0, pct ? 100 : 1, pct ? 1 : 0)
                      : NULL;
            if (row) {
                row->unit = pct ? "part" : part || days ? "jours" : euros ? "euros" : NULL;
                row->shown_unit = shown;
            }
            const char *target = part ? NULL : indicator_setting(b, names[i], "target");
            double value = NAN;
            int op = target ? parse_target(target, &value) : 0;
            keyfig_row *goal =
                row && op ? add_row(b->t,
                                    pc_strf(b->lang == LANG_EN
                                                ? "%s: probability of meeting the target %s over "
                                                  "%d" NDASH "%d (%%)"
                                                : "%s : probabilit\xC3\xA9 d'atteindre l'objectif "
                                                  "%s sur %d" NDASH "%d (%%)",
                                            label, target, b->first_year, b->last_year),
                                    var, KEYFIG_TARGET, 0, 100, 0)
                          : NULL;
            if (goal) {
                goal->unit = "part";
                goal->shown_unit = "%";
                goal->target_op = op;
                goal->target = value;
            }
            free(label);
            free(var);
            /* add_row may move the rows: the period is set on the last ones */
            keyfig_row *last = &b->t->rows[b->t->n - 1];
            if (!row || (op && !goal) ||
                !(last->period = pc_strf("%d-%d", b->first_year, b->last_year)) ||
                (op &&
                 !(b->t->rows[b->t->n - 2].period = pc_strf("%d-%d", b->first_year, b->last_year))))
                rc = PC_EENV;
        }
    }
    rundir_names_free(names, n);
    return rc;
}

/* An indicator over the run in replication order: mean, quantiles, or the share of
 * replications meeting the row's target. */
static int fill_horizon(keyfig_row *row, const cfg_table *reps, size_t r)
{
    size_t n = 0;
    int oom = 0;
    double *v = replication_values(reps, row->variable, &n, &oom);
    size_t k = 0;
    for (size_t i = 0; v && i < n; i++)
        if (isfinite(v[i]))
            v[k++] = v[i];
    if (k > 0) {
        if (row->kind == KEYFIG_TARGET) {
            size_t met = 0;
            for (size_t i = 0; i < k; i++)
                met += row->target_op > 0 ? v[i] >= row->target : v[i] <= row->target;
            row->mean[r] = (double)met / (double)k;
        } else {
            row->mean[r] = gsl_stats_mean(v, 1, k);
            gsl_sort(v, 1, k);
            row->p05[r] = gsl_stats_quantile_from_sorted_data(v, 1, k, 0.05);
            row->p95[r] = gsl_stats_quantile_from_sorted_data(v, 1, k, 0.95);
        }
    }
    free(v);
    return oom ? PC_EENV : PC_OK;
}

/* The values of run r in every row: copied from its tables, cumulative budgets summed
 * over the years with their interval from replications.csv. */
static int fill_run(const builder *b, size_t r, pc_err *err)
{
    cfg_table *reps = NULL;
    char *path = pc_strf("%s/replications.csv", rundir_path(b->runs[r]));
    if (!path)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = access(path, F_OK) == 0 ? cfg_read_csv(path, &reps, err) : PC_OK;
    free(path);
    for (size_t i = 0; i < b->t->n && !rc; i++) {
        keyfig_row *row = &b->t->rows[i];
        rundir_stat st;
        if (row->kind == KEYFIG_HORIZON || row->kind == KEYFIG_TARGET) {
            if (fill_horizon(row, reps, r))
                rc = pc_fail(err, PC_EENV, "out of memory");
            continue;
        }
        if (row->kind != KEYFIG_CUMULATIVE) {
            if (rundir_value(b->runs[r],
                             row->kind == KEYFIG_MONTHLY ? RUNDIR_MONTHLY : RUNDIR_YEARLY,
                             row->variable, row->period_value, &st)) {
                row->mean[r] = st.mean;
                row->p05[r] = st.p05;
                row->p95[r] = st.p95;
            }
            continue;
        }
        double sum = 0;
        int any = 0;
        for (int y = b->first_year; y <= b->last_year; y++)
            if (rundir_value(b->runs[r], RUNDIR_YEARLY, row->variable, y, &st) &&
                isfinite(st.mean)) {
                sum += st.mean;
                any = 1;
            }
        if (any)
            row->mean[r] = sum;
        if (replication_interval(reps, row->variable, &row->p05[r], &row->p95[r]) < 0)
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    cfg_table_free(reps);
    return rc;
}

int keyfig_build(const rundir *const *runs, size_t n_runs, lang_code lang,
                 const rundir_filter *only, keyfig_table *t, pc_err *err)
{
    memset(t, 0, sizeof *t);
    t->n_runs = n_runs;
    builder b = {.runs = runs, .n_runs = n_runs, .lang = lang, .t = t};
    if (!rundir_periods(runs[0], RUNDIR_MONTHLY, &b.first_month, &b.last_month))
        return PC_OK;
    int have_years = rundir_periods(runs[0], RUNDIR_YEARLY, &b.first_year, &b.last_year);
    int rc = add_stocks(&b);
    if (!rc)
        rc = add_counts(&b);
    if (!rc && have_years && !(rc = add_budgets(&b)) && !(rc = add_yearly(&b, 1)) &&
        !(rc = add_yearly(&b, 0)))
        rc = add_indicators(&b);
    if (rc)
        return pc_fail(err, PC_EENV, "out of memory");
    size_t kept = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (!only || only->keep(t->rows[i].variable, only->ctx))
            t->rows[kept++] = t->rows[i];
        else
            row_clear(&t->rows[i]);
    }
    t->n = kept;
    for (size_t r = 0; r < n_runs && !rc; r++)
        rc = fill_run(&b, r, err);
    /* the paired differences of the cumulative budgets */
    cfg_table *ref = NULL, *alt = NULL;
    for (size_t r = 0; r < n_runs && !rc; r++) {
        char *path = pc_strf("%s/replications.csv", rundir_path(runs[r]));
        cfg_table **slot = r == 0 ? &ref : &alt;
        cfg_table_free(r > 0 ? alt : NULL);
        alt = r > 0 ? NULL : alt;
        if (!path)
            rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        else if (access(path, F_OK) == 0)
            rc = cfg_read_csv(path, slot, err);
        free(path);
        for (size_t i = 0; r > 0 && !rc && ref && alt && i < t->n; i++)
            if ((t->rows[i].kind == KEYFIG_CUMULATIVE || t->rows[i].kind == KEYFIG_HORIZON) &&
                paired_interval(ref, alt, t->rows[i].variable, &t->rows[i].d05[r],
                                &t->rows[i].d95[r]) < 0)
                rc = pc_fail(err, PC_EINTERNAL, "out of memory");
    }
    cfg_table_free(ref);
    cfg_table_free(alt);
    return rc;
}

int keyfig_write(const char *path, const keyfig_table *t, const rundir *const *runs,
                 const char *const *names, pc_err *err)
{
    fsio_file out;
    int rc = fsio_open(&out, path, err);
    if (rc)
        return rc;
    FILE *f = out.f;
    fputs("indicator,variable,period,scenario,label,mean,p05,p95,unit,shown_mean,shown_p05,"
          "shown_p95,shown_unit\n",
          f);
    for (size_t i = 0; i < t->n; i++)
        for (size_t r = 0; r < t->n_runs; r++) {
            const keyfig_row *row = &t->rows[i];
            /* mean, p05, p95 in the variable's own unit; shown_* in the unit the
             * indicator's label names (M€ for budgets), as the page shows them */
            int meur = row->scale == 1e-6;
            const char *unit = row->unit                              ? row->unit
                               : meur                                 ? "euros"
                               : !strncmp(row->variable, "stock.", 6) ? "personnes"
                               : !strncmp(row->variable, "etp.", 4)   ? "ETP"
                               : !strncmp(row->variable, "wait.", 5)  ? "jours"
                                                                      : "";
            fsio_csv_text(f, row->label, 1);
            fsio_csv_text(f, row->variable, 0);
            fsio_csv_text(f, row->period, 0);
            fsio_csv_text(f, names[r], 0);
            fsio_csv_text(f, rundir_label(runs[r]), 0);
            fsio_csv_number(f, row->mean[r], 0);
            fsio_csv_number(f, row->p05[r], 0);
            fsio_csv_number(f, row->p95[r], 0);
            fsio_csv_text(f, unit, 0);
            fsio_csv_number(f, row->mean[r] * row->scale, 0);
            fsio_csv_number(f, row->p05[r] * row->scale, 0);
            fsio_csv_number(f, row->p95[r] * row->scale, 0);
            fsio_csv_text(f, row->shown_unit ? row->shown_unit : meur ? "M\xE2\x82\xAC" : unit, 0);
            fputc('\n', f);
        }
    return fsio_commit(&out, PC_OK, err);
}
