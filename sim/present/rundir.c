/* rundir — a run folder read back for charts and the page (see rundir.h). */
#include "rundir.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cfg.h"

typedef struct {
    size_t n, cap;
    rundir_series *items;
} series_set;

struct rundir {
    char *dir;
    char *label;
    char *warning; /* why the manifest was not read, or NULL */
    cfg_doc *manifest;
    series_set tables[3];
    /* the model's observed points ([observations] of the manifest), in file order */
    size_t n_obs;
    char **obs_var;
    char **obs_period; /* YYYY-MM or YYYY as written */
    double *obs_value;
};

static void set_clear(series_set *set)
{
    for (size_t i = 0; i < set->n; i++) {
        free(set->items[i].name);
        free(set->items[i].period);
        free(set->items[i].stat);
    }
    free(set->items);
    memset(set, 0, sizeof *set);
}

void rundir_free(rundir *r)
{
    if (!r)
        return;
    for (int t = 0; t < 3; t++)
        set_clear(&r->tables[t]);
    cfg_doc_free(r->manifest);
    for (size_t i = 0; i < r->n_obs; i++) {
        free(r->obs_var[i]);
        free(r->obs_period[i]);
    }
    free(r->obs_var);
    free(r->obs_period);
    free(r->obs_value);
    free(r->dir);
    free(r->label);
    free(r->warning);
    free(r);
}

static long set_index(const series_set *set, const char *name)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->items[i].name, name) == 0)
            return (long)i;
    return -1;
}

static const rundir_series *set_find(const series_set *set, const char *name)
{
    long i = set_index(set, name);
    return i < 0 ? NULL : &set->items[i];
}

static rundir_series *set_add(series_set *set, const char *name)
{
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 32;
        rundir_series *bigger = realloc(set->items, cap * sizeof *bigger);
        if (!bigger)
            return NULL;
        set->items = bigger;
        set->cap = cap;
    }
    rundir_series *s = &set->items[set->n];
    memset(s, 0, sizeof *s);
    if (!(s->name = pc_strdup(name)))
        return NULL;
    set->n++;
    return s;
}

static int series_push(rundir_series *s, int period, const rundir_stat *st)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        int *p = realloc(s->period, cap * sizeof *p);
        if (!p)
            return PC_EINTERNAL;
        s->period = p;
        rundir_stat *v = realloc(s->stat, cap * sizeof *v);
        if (!v)
            return PC_EINTERNAL;
        s->stat = v;
        s->cap = cap;
    }
    s->period[s->n] = period;
    s->stat[s->n] = *st;
    s->n++;
    return PC_OK;
}

/* Sorts a series by period (files are written sorted; this only guards). */
static void series_sort(rundir_series *s)
{
    for (size_t i = 1; i < s->n; i++) {
        int p = s->period[i];
        rundir_stat v = s->stat[i];
        size_t k = i;
        while (k > 0 && s->period[k - 1] > p) {
            s->period[k] = s->period[k - 1];
            s->stat[k] = s->stat[k - 1];
            k--;
        }
        s->period[k] = p;
        s->stat[k] = v;
    }
}

const rundir_stat *rundir_series_at(const rundir_series *s, int period)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->period[mid] < period)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->n && s->period[lo] == period ? &s->stat[lo] : NULL;
}

static int parse_value(const char *text, double *out)
{
    if (!*text || strcmp(text, "NA") == 0 || strcmp(text, "NaN") == 0 || strcmp(text, "nan") == 0) {
        *out = NAN;
        return 1;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

static int parse_period(const char *text, rundir_table table, int *out)
{
    if (table == RUNDIR_MONTHLY) {
        int year, month;
        char extra;
        if (strlen(text) != 7 || text[4] != '-' ||
            sscanf(text, "%4d-%2d%c", &year, &month, &extra) != 2 || month < 1 || month > 12)
            return 0;
        *out = year * 12 + month - 1;
        return 1;
    }
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end || errno || v < 0 || v > 100000)
        return 0;
    *out = (int)v;
    return 1;
}

/* One line of a CSV file split into fields, in place: quoted fields ("a,""b""") lose
 * their quotes.  Returns the number of fields (at most max), or -1 for an unclosed
 * quote. */
static long split_csv(char *line, char **fields, size_t max)
{
    size_t n = 0;
    char *p = line;
    for (;;) {
        char *start = p, *w = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p)
                    return -1;
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            while (*p && *p != ',')
                p++;
        } else {
            while (*p && *p != ',')
                p++;
            w = p;
        }
        int more = *p == ',';
        *w = '\0';
        if (n < max)
            fields[n] = start;
        n++;
        if (!more)
            break;
        p++;
    }
    return (long)n;
}

#define MAX_FIELDS 64

/* Reads one table of the run, line by line (a national run's monthly.csv holds
 * millions of rows), keeping the variables keep() accepts (all when keep is NULL). */
static int load_table(rundir *r, rundir_table table, const char *file, int required,
                      const rundir_filter *filter, pc_err *err)
{
    static const char stat_names[7][5] = {"mean", "sd", "p05", "p25", "p50", "p75", "p95"};
    char *path = pc_strf("%s/%s", r->dir, file);
    char *line = NULL;
    size_t cap = 0;
    FILE *f = NULL;
    int rc = PC_OK;
    if (!path)
        return pc_fail(err, PC_EENV, "out of memory");
    if (!required && access(path, F_OK) != 0) {
        free(path);
        return PC_OK;
    }
    if (!(f = fopen(path, "r"))) {
        rc = pc_fail(err, PC_EINPUT, "%s: %s", path, strerror(errno));
        goto done;
    }
    char *header[MAX_FIELDS], *fields[MAX_FIELDS];
    char *head_line = NULL;
    ssize_t got = getline(&line, &cap, f);
    if (got <= 0) {
        rc = pc_fail_at(err, path, 1, "header", "empty file (a header line is expected)");
        goto done;
    }
    line[strcspn(line, "\r\n")] = '\0';
    if (!(head_line = pc_strdup(line))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    long n_head = split_csv(head_line, header, MAX_FIELDS);
    if (n_head < 0 || n_head > MAX_FIELDS) {
        rc = pc_fail_at(err, path, 1, "header", "malformed header");
        free(head_line);
        goto done;
    }
    const char *key = table == RUNDIR_SURVIVAL ? "population" : "variable";
    const char *when = table == RUNDIR_YEARLY ? "year" : "month";
    long key_col = -1, when_col = -1, cols[7];
    for (int k = 0; k < 7; k++)
        cols[k] = -1;
    for (long i = 0; i < n_head; i++) {
        if (!strcmp(header[i], key))
            key_col = i;
        if (!strcmp(header[i], when))
            when_col = i;
        for (int k = 0; k < 7; k++)
            if (!strcmp(header[i], stat_names[k]))
                cols[k] = i;
    }
    free(head_line);
    if (key_col < 0 || when_col < 0) {
        rc = pc_fail_at(err, path, 1, "header", "expected columns %s and %s", key, when);
        goto done;
    }
    for (int k = 0; k < 7; k++) {
        int optional = table == RUNDIR_SURVIVAL && (k == 1 || k == 3 || k == 5);
        if (cols[k] < 0 && !optional) {
            rc = pc_fail_at(err, path, 1, "header", "expected a column %s", stat_names[k]);
            goto done;
        }
    }
    series_set *set = &r->tables[table];
    rundir_series *current = NULL;
    char *skipped = NULL; /* the variable last left out */
    for (int line_no = 2; (got = getline(&line, &cap, f)) > 0 && !rc; line_no++) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line)
            continue;
        long n = split_csv(line, fields, MAX_FIELDS);
        if (n < n_head) {
            rc = n < 0
                     ? pc_fail_at(err, path, line_no, "row", "unclosed quote")
                     : pc_fail_at(err, path, line_no, "row", "%ld fields, expected %ld", n, n_head);
            break;
        }
        const char *name = fields[key_col];
        if (skipped && !strcmp(skipped, name))
            continue;
        if (filter && filter->keep && (!current || strcmp(current->name, name) != 0) &&
            !filter->keep(name, filter->ctx)) {
            free(skipped);
            if (!(skipped = pc_strdup(name)))
                rc = pc_fail(err, PC_EENV, "out of memory");
            current = NULL;
            continue;
        }
        int period;
        if (!parse_period(fields[when_col], table, &period)) {
            rc = pc_fail_at(err, path, line_no, when, "'%s' is not a %s", fields[when_col],
                            table == RUNDIR_MONTHLY ? "month (YYYY-MM)" : "whole number");
            break;
        }
        double v[7];
        for (int k = 0; k < 7 && !rc; k++) {
            v[k] = NAN;
            if (cols[k] >= 0 && !parse_value(fields[cols[k]], &v[k]))
                rc = pc_fail_at(err, path, line_no, stat_names[k], "'%s' is not a number",
                                fields[cols[k]]);
        }
        if (rc)
            break;
        rundir_stat st = {v[0], v[1], v[2], v[3], v[4], v[5], v[6]};
        if (!current || strcmp(current->name, name) != 0) {
            long index = set_index(set, name);
            current = index >= 0 ? &set->items[index] : set_add(set, name);
            if (!current) {
                rc = pc_fail(err, PC_EENV, "out of memory");
                break;
            }
        }
        if (series_push(current, period, &st))
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    free(skipped);
    if (!rc && ferror(f))
        rc = pc_fail(err, PC_EINPUT, "%s: %s", path, strerror(errno));
    for (size_t i = 0; !rc && i < set->n; i++)
        series_sort(&set->items[i]);
done:
    if (f)
        fclose(f);
    free(line);
    free(path);
    return rc;
}

int rundir_load(const char *dir, rundir **out, pc_err *err)
{
    return rundir_load_filtered(dir, NULL, out, err);
}

static int load_observations(rundir *r, const rundir_filter *filter, pc_err *err);

int rundir_load_filtered(const char *dir, const rundir_filter *filter, rundir **out, pc_err *err)
{
    *out = NULL;
    rundir *r = pc_calloc(1, sizeof *r);
    int rc = PC_OK;
    if (!r || !(r->dir = pc_strdup(dir))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    struct stat st;
    if (stat(dir, &st) != 0) {
        rc = pc_fail(err, PC_EINPUT, "%s: %s", dir, strerror(errno));
        goto fail;
    }
    if (!S_ISDIR(st.st_mode)) {
        rc = pc_fail(err, PC_EINPUT, "%s: not a folder (a run folder is expected)", dir);
        goto fail;
    }
    char *manifest = pc_strf("%s/manifest.ini", dir);
    if (!manifest) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    if (access(manifest, F_OK) == 0) {
        /* labels are a comfort: an unreadable manifest leaves the plain names */
        pc_err why;
        if (cfg_read(manifest, &r->manifest, &why) != PC_OK &&
            !(r->warning = pc_strf("%s (charts use plain names)", why.msg))) {
            free(manifest);
            rc = pc_fail(err, PC_EENV, "out of memory");
            goto fail;
        }
    }
    free(manifest);
    /* the filter may depend on the model (the territories of its populations) */
    if (filter && filter->setup && (rc = filter->setup(r, filter->ctx, err)))
        goto fail;
    if ((rc = load_table(r, RUNDIR_MONTHLY, "monthly.csv", 1, filter, err)) ||
        (rc = load_table(r, RUNDIR_YEARLY, "yearly.csv", 0, filter, err)) ||
        (rc = load_table(r, RUNDIR_SURVIVAL, "survival.csv", 0, filter, err)))
        goto fail;
    if ((rc = load_observations(r, filter, err)))
        goto fail;
    const char *label = rundir_setting(r, "scenario", "label");
    if (!label || !*label)
        label = rundir_setting(r, "model", "name");
    if (!label || !*label) {
        const char *slash = strrchr(dir, '/');
        label = slash && slash[1] ? slash + 1 : dir;
    }
    if (!(r->label = pc_strdup(label))) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto fail;
    }
    *out = r;
    return PC_OK;
fail:
    rundir_free(r);
    return rc;
}

/* Reads the observed points the manifest names ([observations] file = table(PATH)),
 * keeping the variables the filter keeps.  A missing or unreadable table leaves none:
 * observations are drawn when present, never required. */
static int load_observations(rundir *r, const rundir_filter *filter, pc_err *err)
{
    const char *file = rundir_setting(r, "observations", "file");
    if (!file || strncmp(file, "table(", 6) != 0)
        return PC_OK;
    size_t len = strcspn(file + 6, ")");
    char *path = pc_strf("%s/%.*s", r->dir, (int)len, file + 6);
    if (!path)
        return pc_fail(err, PC_EENV, "out of memory");
    cfg_table *t = NULL;
    pc_err ignored;
    int rc = access(path, R_OK) == 0 ? cfg_read_csv(path, &t, &ignored) : PC_EINPUT;
    free(path);
    if (rc)
        return PC_OK;
    long cv = -1, cp = -1, cval = -1;
    for (size_t i = 0; t->n_rows > 0 && i < t->rows[0].n; i++) {
        const char *h = t->rows[0].fields[i];
        cv = !strcmp(h, "variable") ? (long)i : cv;
        cp = !strcmp(h, "period") ? (long)i : cp;
        cval = !strcmp(h, "value") ? (long)i : cval;
    }
    if (cv >= 0 && cp >= 0 && cval >= 0 && t->n_rows > 1) {
        r->obs_var = pc_calloc(t->n_rows, sizeof *r->obs_var);
        r->obs_period = pc_calloc(t->n_rows, sizeof *r->obs_period);
        r->obs_value = pc_calloc(t->n_rows, sizeof *r->obs_value);
        if (!r->obs_var || !r->obs_period || !r->obs_value)
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    for (size_t i = 1; !rc && r->obs_var && i < t->n_rows; i++) {
        const cfg_row *row = &t->rows[i];
        double v;
        if (row->n <= (size_t)cv || row->n <= (size_t)cp || row->n <= (size_t)cval ||
            !parse_value(row->fields[cval], &v) || !isfinite(v))
            continue;
        if (filter && filter->keep && !filter->keep(row->fields[cv], filter->ctx))
            continue;
        r->obs_var[r->n_obs] = pc_strdup(row->fields[cv]);
        r->obs_period[r->n_obs] = pc_strdup(row->fields[cp]);
        r->obs_value[r->n_obs] = v;
        if (!r->obs_var[r->n_obs] || !r->obs_period[r->n_obs])
            rc = pc_fail(err, PC_EENV, "out of memory");
        r->n_obs++;
    }
    cfg_table_free(t);
    return rc;
}

size_t rundir_observed(const rundir *r, rundir_table table, const char *var, int *periods,
                       double *values, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_obs; i++) {
        int period;
        if (strcmp(r->obs_var[i], var) != 0 || !parse_period(r->obs_period[i], table, &period))
            continue;
        if (n < cap) {
            periods[n] = period;
            values[n] = r->obs_value[i];
        }
        n++;
    }
    return n;
}

int rundir_set_label(rundir *r, const char *label)
{
    char *copy = pc_strdup(label);
    if (!copy)
        return PC_EINTERNAL;
    free(r->label);
    r->label = copy;
    return PC_OK;
}

const char *rundir_label(const rundir *r)
{
    return r->label;
}

const char *rundir_warning(const rundir *r)
{
    return r->warning;
}

const char *rundir_path(const rundir *r)
{
    return r->dir;
}

const cfg_doc *rundir_manifest(const rundir *r)
{
    return r->manifest;
}

const char *rundir_setting(const rundir *r, const char *section, const char *key)
{
    if (!r->manifest)
        return NULL;
    const cfg_section *sec = cfg_find(r->manifest, section);
    const cfg_entry *e = sec ? cfg_get(sec, key) : NULL;
    return e ? e->value : NULL;
}

size_t rundir_list_next(const char **p, const char **item)
{
    const char *q = *p;
    while (*q == ' ' || *q == ',' || *q == '\n' || *q == '\t')
        q++;
    size_t len = strcspn(q, ", \n\t");
    *item = q;
    *p = q + len;
    return len;
}

size_t rundir_n_vars(const rundir *r, rundir_table table)
{
    return r->tables[table].n;
}

const char *rundir_var(const rundir *r, rundir_table table, size_t i)
{
    return i < r->tables[table].n ? r->tables[table].items[i].name : NULL;
}

int rundir_periods(const rundir *r, rundir_table table, int *first, int *last)
{
    const series_set *set = &r->tables[table];
    int any = 0;
    for (size_t i = 0; i < set->n; i++) {
        const rundir_series *s = &set->items[i];
        if (s->n == 0)
            continue;
        if (!any || s->period[0] < *first)
            *first = s->period[0];
        if (!any || s->period[s->n - 1] > *last)
            *last = s->period[s->n - 1];
        any = 1;
    }
    return any;
}

const rundir_series *rundir_find(const rundir *r, rundir_table table, const char *var)
{
    return set_find(&r->tables[table], var);
}

int rundir_names(const rundir *const *runs, size_t n_runs, rundir_table table, const char *prefix,
                 const char *suffix, char ***names, size_t *count)
{
    size_t lp = strlen(prefix), ls = strlen(suffix), n = 0, cap = 0;
    char **list = NULL;
    for (size_t r = 0; r < n_runs; r++)
        for (size_t i = 0; i < runs[r]->tables[table].n; i++) {
            const char *var = runs[r]->tables[table].items[i].name;
            size_t len = strlen(var);
            if (len <= lp + ls || strncmp(var, prefix, lp) || strcmp(var + len - ls, suffix))
                continue;
            int seen = 0;
            for (size_t k = 0; k < n && !seen; k++)
                seen =
                    strlen(list[k]) == len - lp - ls && !strncmp(list[k], var + lp, len - lp - ls);
            if (seen)
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                char **bigger = realloc(list, cap * sizeof *bigger);
                if (!bigger)
                    goto oom;
                list = bigger;
            }
            if (!(list[n] = pc_strf("%.*s", (int)(len - lp - ls), var + lp)))
                goto oom;
            n++;
        }
    *names = list;
    *count = n;
    return PC_OK;
oom:
    rundir_names_free(list, n);
    return PC_EINTERNAL;
}

void rundir_names_free(char **names, size_t count)
{
    for (size_t k = 0; k < count; k++)
        free(names[k]);
    free(names);
}

int rundir_value(const rundir *r, rundir_table table, const char *var, int period, rundir_stat *out)
{
    const rundir_series *s = set_find(&r->tables[table], var);
    const rundir_stat *st = s ? rundir_series_at(s, period) : NULL;
    if (!st)
        return 0;
    *out = *st;
    return 1;
}

/* ---- display names ------------------------------------------------------- */

static const char *section_label(const rundir *r, const char *kind, const char *name)
{
    char section[300];
    if ((size_t)snprintf(section, sizeof section, "%s %s", kind, name) >= sizeof section)
        return NULL;
    const char *label = rundir_setting(r, section, "label");
    return label && *label ? label : NULL;
}

char *rundir_var_label(const rundir *r, const char *var, lang_code lang)
{
    const char *dot = strchr(var, '.');
    if (!dot)
        return pc_strdup(var);
    size_t prefix_len = (size_t)(dot - var);
    const char *rest = dot + 1;
    char prefix[32];
    if (prefix_len >= sizeof prefix)
        return pc_strdup(var);
    memcpy(prefix, var, prefix_len);
    prefix[prefix_len] = '\0';
    const char *label = NULL;
    if (strcmp(prefix, "stock") == 0) {
        label = section_label(r, "population", rest);
        if (!label)
            label = section_label(r, "state", rest);
    } else if (strcmp(prefix, "entries") == 0 || strcmp(prefix, "exits") == 0 ||
               strcmp(prefix, "arrivals") == 0 || strcmp(prefix, "returns") == 0) {
        label = section_label(r, "population", rest);
    } else if (strcmp(prefix, "queue") == 0 || strcmp(prefix, "in") == 0) {
        label = section_label(r, "state", rest);
    } else if (strcmp(prefix, "etp") == 0 || strcmp(prefix, "funded") == 0 ||
               strcmp(prefix, "occupied") == 0 || strcmp(prefix, "capacity") == 0 ||
               strcmp(prefix, "admitted") == 0) {
        label = section_label(r, "resource", rest);
    } else if (strcmp(prefix, "staff") == 0) {
        label = section_label(r, "staff", rest);
    } else if (strcmp(prefix, "cost") == 0) {
        if (strcmp(rest, "total") == 0)
            return pc_strdup(lang_pick(lang, "Co\xC3\xBBt total", "Total cost"));
        label = section_label(r, "cost", rest);
    } else if (strcmp(prefix, "funder") == 0) {
        return lang_funder(rest, lang);
    } else if (strcmp(prefix, "wait") == 0) {
        const char *last = strrchr(rest, '.');
        if (last) {
            char state[256];
            size_t n = (size_t)(last - rest);
            if (n < sizeof state) {
                memcpy(state, rest, n);
                state[n] = '\0';
                const char *l = section_label(r, "state", state);
                return pc_strdup(l ? l : state);
            }
        }
    }
    return pc_strdup(label ? label : rest);
}
