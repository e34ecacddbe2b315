/* out — a run's folder, written whole or not at all (see out.h).
 *
 * The files are written into the temporary of a folder stage (folder.h), then the
 * stage replaces DIR: an earlier run folder there is replaced, anything else is
 * refused.  The manifest lists the files written, so that the next run into DIR
 * recognises what parcours wrote. */
#include "out.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "folder.h"
#include "fsio.h"

/* ---- small file helpers ------------------------------------------------------ */

/* snprintf that reports truncation: 0 if the whole text fit. */
static int fmt(char *buf, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static int fmt(char *buf, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(buf, size, format, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t size)
{
    if (fmt(path, size, "%s/%s", dir, name))
        return NULL;
    return fopen(path, "w");
}

static int close_checked(FILE *f, const char *path, pc_err *err)
{
    return fsio_close(f, path, err);
}

/* ---- CSV files ------------------------------------------------------------------ */

/* The summary of one variable in one period across replications.  For a ratio, the
 * mean is the ratio of the sums over replications (pooled), not the mean of each
 * replication's ratio, which would weigh a replication with one observation like
 * one with a hundred and drop those with none; sd and quantiles stay those of the
 * replications' own ratios, n says how many had one. */
static void put_summary(FILE *f, double *sample, size_t n, const double *pooled)
{
    mc_summary s;
    mc_summarise(sample, n, &s);
    fsio_csv_number(f, pooled ? *pooled : s.mean, 0);
    fsio_csv_number(f, s.sd, 0);
    fsio_csv_number(f, s.p05, 0);
    fsio_csv_number(f, s.p25, 0);
    fsio_csv_number(f, s.p50, 0);
    fsio_csv_number(f, s.p75, 0);
    fsio_csv_number(f, s.p95, 0);
    fprintf(f, ",%zu\n", s.n);
}

/* monthly.csv's rows of one variable. */
static void monthly_rows(FILE *f, const mc_result *r, const rec_var *var, const mc_view *x,
                         double *sample)
{
    for (size_t k = 0; k < r->n_months; k++) {
        int y, mo;
        mdl_month_of(r->model, (int)k, &y, &mo);
        double num = 0, den = 0;
        for (size_t rep = 0; rep < r->reps; rep++) {
            sample[rep] = x->x[rep * x->sx + k];
            if (var->kind == REC_RATIO) {
                num += x->num[rep * x->snum + k];
                den += x->den[rep * x->sden + k];
            }
        }
        fsio_csv_text(f, r->model->id, 1);
        fsio_csv_text(f, var->name, 0);
        fprintf(f, ",%04d-%02d", y, mo);
        double pooled = den > 0 ? num / den : NAN;
        put_summary(f, sample, r->reps, var->kind == REC_RATIO ? &pooled : NULL);
    }
}

/* yearly.csv's rows of one variable; by holds 3 x reps x max_years values, years
 * max_years. */
static void yearly_rows(FILE *f, const mc_result *r, const rec_var *var, const mc_view *x,
                        double *sample, double *by, size_t max_years, int *years)
{
    size_t cells = r->reps * max_years, ny = 0;
    double *num_sums = by + cells, *den_sums = by + 2 * cells;
    for (size_t rep = 0; rep < r->reps; rep++)
        ny = mc_view_yearly(r, x, rep, by + rep * max_years, years, num_sums + rep * max_years,
                            den_sums + rep * max_years);
    for (size_t y = 0; y < ny; y++) {
        for (size_t rep = 0; rep < r->reps; rep++)
            sample[rep] = by[rep * max_years + y];
        double pooled = NAN;
        if (var->kind == REC_RATIO) {
            double num = 0, den = 0;
            for (size_t rep = 0; rep < r->reps; rep++) {
                num += num_sums[rep * max_years + y];
                den += den_sums[rep * max_years + y];
            }
            pooled = den > 0 ? num / den : NAN;
        }
        fsio_csv_text(f, r->model->id, 1);
        fsio_csv_text(f, var->name, 0);
        fprintf(f, ",%d", years[y]);
        put_summary(f, sample, r->reps, var->kind == REC_RATIO ? &pooled : NULL);
    }
}

/* monthly.csv and yearly.csv together: variable by variable across replications, in
 * one pass through windows of consecutive variables, so that spilled series are read
 * once and in the file's order (mc_window_view). */
static int write_summaries(const char *dir, const mc_result *r, double *sample, pc_err *err)
{
    char mpath[4096], ypath[4096];
    size_t max_years = r->n_months / 12 + 2;
    double *by = malloc(3 * r->reps * max_years * sizeof(double));
    int *years = malloc(max_years * sizeof(int));
    FILE *mf = NULL, *yf = NULL;
    int rc = PC_OK;
    if (!by || !years)
        rc = pc_fail(err, PC_EENV, "out of memory");
    else if (!(mf = open_in(dir, "monthly.csv", mpath, sizeof mpath)))
        rc = pc_fail_errno(err, errno, mpath, "cannot create");
    else if (!(yf = open_in(dir, "yearly.csv", ypath, sizeof ypath)))
        rc = pc_fail_errno(err, errno, ypath, "cannot create");
    if (!rc) {
        fputs("scenario,variable,month,mean,sd,p05,p25,p50,p75,p95,n\n", mf);
        fputs("scenario,variable,year,mean,sd,p05,p25,p50,p75,p95,n\n", yf);
    }
    mc_window w = {0};
    for (size_t v = 0; !rc && v < r->n_vars; v++) {
        const rec_var *var = &r->catalog->vars[v];
        mc_view x;
        if (mc_window_view(r, &w, v, &x)) {
            rc = pc_fail(err, PC_EENV, "out of memory");
            break;
        }
        monthly_rows(mf, r, var, &x, sample);
        yearly_rows(yf, r, var, &x, sample, by, max_years, years);
    }
    mc_window_free(&w);
    free(by);
    free(years);
    if (rc) {
        if (mf)
            fclose(mf);
        if (yf)
            fclose(yf);
        return rc;
    }
    rc = close_checked(mf, mpath, err);
    if (rc) {
        fclose(yf);
        return rc;
    }
    return close_checked(yf, ypath, err);
}

static int write_replications(const char *dir, const mc_result *r, pc_err *err)
{
    char path[4096];
    double *totals = malloc((r->n_vars ? r->n_vars : 1) * sizeof(double));
    if (!totals)
        return pc_fail(err, PC_EENV, "out of memory");
    FILE *f = open_in(dir, "replications.csv", path, sizeof path);
    if (!f) {
        free(totals);
        return pc_fail_errno(err, errno, path, "cannot create");
    }
    fputs("replication,seed", f);
    for (size_t i = 0; i < r->n_params; i++) {
        fputs(",param.", f);
        fsio_csv_text(f, r->model->params[i].name, 1);
    }
    for (size_t v = 0; v < r->n_vars; v++) {
        fsio_csv_text(f, r->catalog->vars[v].name, 0);
    }
    fputc('\n', f);
    for (size_t rep = 0; rep < r->reps; rep++) {
        fprintf(f, "%zu,%u", rep, (unsigned)r->seed);
        for (size_t i = 0; i < r->n_params; i++)
            fsio_csv_exact(f, r->param_values[rep * r->n_params + i], 0);
        mc_totals(r, rep, totals);
        for (size_t v = 0; v < r->n_vars; v++)
            fsio_csv_number(f, totals[v], 0);
        fputc('\n', f);
    }
    free(totals);
    return close_checked(f, path, err);
}

static int write_survival(const char *dir, const mc_result *r, double *sample, pc_err *err)
{
    char path[4096];
    size_t h = r->n_months, width = h + 1;
    FILE *f = open_in(dir, "survival.csv", path, sizeof path);
    if (!f)
        return pc_fail_errno(err, errno, path, "cannot create");
    fputs("scenario,population,month,mean,p05,p50,p95\n", f);
    for (size_t p = 0; p < r->n_populations; p++) {
        for (size_t n = 0; n <= h; n++) {
            for (size_t rep = 0; rep < r->reps; rep++)
                sample[rep] = r->survival[(rep * r->n_populations + p) * width + n];
            mc_summary s;
            mc_summarise(sample, r->reps, &s);
            fsio_csv_text(f, r->model->id, 1);
            fsio_csv_text(f, r->model->populations[p].name, 0);
            fprintf(f, ",%zu", n);
            fsio_csv_number(f, s.mean, 0);
            fsio_csv_number(f, s.p05, 0);
            fsio_csv_number(f, s.p50, 0);
            fsio_csv_number(f, s.p95, 0);
            fputc('\n', f);
        }
    }
    return close_checked(f, path, err);
}

/* The model against its observations, one row per observation of [observations]:
 * written only when the model has some. */
static int write_validation(const char *dir, const mc_result *r, pc_err *err)
{
    if (!r->model->n_observations)
        return PC_OK;
    mc_check *rows = NULL;
    int rc = mc_checks(r, &rows, err);
    if (rc)
        return rc;
    char path[4096];
    FILE *f = open_in(dir, "validation.csv", path, sizeof path);
    if (!f) {
        free(rows);
        return pc_fail_errno(err, errno, path, "cannot create");
    }
    fputs("scenario,variable,period,observed,tolerance,mean,p05,p50,p95,relative_error,"
          "inside,within,n,source\n",
          f);
    for (size_t i = 0; i < r->model->n_observations; i++) {
        const mc_check *c = &rows[i];
        const mdl_observation *o = c->obs;
        fsio_csv_text(f, r->model->id, 1);
        fsio_csv_text(f, o->variable, 0);
        if (o->month)
            fprintf(f, ",%04d-%02d", o->year, o->month);
        else
            fprintf(f, ",%04d", o->year);
        fsio_csv_number(f, o->value, 0);
        fsio_csv_number(f, o->tolerance, 0);
        fsio_csv_number(f, c->mean, 0);
        fsio_csv_number(f, c->p05, 0);
        fsio_csv_number(f, c->p50, 0);
        fsio_csv_number(f, c->p95, 0);
        fsio_csv_number(f, c->relative_error, 0);
        fprintf(f, ",%s,%s,%zu", c->n ? (c->inside ? "yes" : "no") : "NA",
                c->within < 0 ? "NA"
                : c->within   ? "yes"
                              : "no",
                c->n);
        fsio_csv_text(f, o->source ? o->source : "", 0);
        fputc('\n', f);
    }
    free(rows);
    return close_checked(f, path, err);
}

int out_write_csv(const char *dir, const mc_result *r, pc_err *err)
{
    double *sample = malloc(r->reps * sizeof(double));
    if (!sample)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = write_summaries(dir, r, sample, err);
    if (!rc)
        rc = write_replications(dir, r, err);
    if (!rc)
        rc = write_survival(dir, r, sample, err);
    if (!rc)
        rc = write_validation(dir, r, err);
    free(sample);
    return rc;
}

/* ---- manifest ------------------------------------------------------------------- */

/* The tables copied into the run folder: the path each was read from, its copy's. */
typedef struct {
    char (*paths)[2][1024];
    size_t n, max;
} copies;

/* Writes the table as the model read it (not as the file may be now): PC_OK, or the
 * status of the failed write, naming the copy. */
static int copy_table(const cfg_doc *doc, const char *from, const char *to, pc_err *err)
{
    const cfg_file *table = cfg_doc_file(doc, from);
    if (!table)
        return pc_fail(err, PC_EINTERNAL, "%s: a table the model did not read", from);
    FILE *out = fopen(to, "wb");
    if (!out)
        return pc_fail_errno(err, errno, to, "cannot create");
    fwrite(table->text, 1, table->len, out);
    return fsio_close(out, to, err);
}

/* Copies every table a value names into dir/tables/ and writes the value with the copy's path. */
static int put_value(FILE *f, const cfg_doc *doc, const char *dir, const char *value, copies *c,
                     pc_err *err)
{
    const char *p = value;
    const char *t;
    while ((t = strstr(p, "table(")) != NULL) {
        const char *start = t + 6, *close = strchr(start, ')');
        if (!close)
            break;
        const char *semi = memchr(start, ';', (size_t)(close - start));
        const char *path = semi ? semi + 1 : start;
        while (*path == ' ')
            path++;
        size_t pl = (size_t)(close - path);
        while (pl && path[pl - 1] == ' ')
            pl--;
        char src[1024];
        if (pl == 0 || pl >= sizeof src)
            break;
        memcpy(src, path, pl);
        src[pl] = '\0';
        const char *dst = NULL;
        for (size_t i = 0; i < c->n; i++)
            if (!strcmp(c->paths[i][0], src))
                dst = c->paths[i][1];
        if (!dst) {
            if (c->n == c->max)
                return pc_fail(err, PC_EINTERNAL, "more tables than values");
            const char *base = strrchr(src, '/');
            char safe[900], full[4096];
            fsio_safe_name(base ? base + 1 : src, safe, sizeof safe);
            char *slot = c->paths[c->n][1];
            if (fmt(slot, 1024, "tables/%zu-%s", c->n + 1, safe) ||
                fmt(full, sizeof full, "%s/%s", dir, slot))
                return pc_fail(err, PC_EINPUT, "%s: path too long", src);
            int rc = copy_table(doc, src, full, err);
            if (rc)
                return rc;
            memcpy(c->paths[c->n][0], src, pl + 1);
            dst = slot;
            c->n++;
        }
        fwrite(p, 1, (size_t)(path - p), f);
        fputs(dst, f);
        p = path + pl;
    }
    fputs(p, f);
    return PC_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "files = ...": the files written into dir besides the manifest, run files first (in
 * name order), then the tables in the order they were copied. */
static int put_files(FILE *f, const char *dir, const copies *c, pc_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return pc_fail_errno(err, errno, dir, "cannot read");
    char *names[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < sizeof names / sizeof names[0]) {
        char path[4096];
        struct stat st;
        if (e->d_name[0] == '.' || !strcmp(e->d_name, "manifest.ini") ||
            fmt(path, sizeof path, "%s/%s", dir, e->d_name) || stat(path, &st) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        if (!(names[n] = pc_strdup(e->d_name)))
            break;
        n++;
    }
    int complete = e == NULL;
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    char *value = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&value, &len);
    for (size_t i = 0; mem && i < n; i++)
        fprintf(mem, "%s%s", i ? ", " : "", names[i]);
    for (size_t i = 0; mem && i < c->n; i++)
        fprintf(mem, "%s%s", n || i ? ", " : "", c->paths[i][1]);
    int bad = !mem || fclose(mem) != 0 || !complete;
    if (!bad)
        cfg_write_entry(f, "files", value);
    free(value);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return bad ? pc_fail(err, PC_EENV, "out of memory") : PC_OK;
}

static int write_manifest(const char *dir, const mc_result *r, const out_info *info, pc_err *err)
{
    char path[4096];
    const cfg_doc *doc = r->model->doc;
    if (fmt(path, sizeof path, "%s/tables", dir))
        return pc_fail(err, PC_EINPUT, "%s: path too long", dir);
    if (mkdir(path, 0777) != 0)
        return pc_fail_errno(err, errno, path, "cannot create the folder");
    copies c = {0};
    for (size_t i = 0; i < doc->n; i++)
        c.max += doc->sections[i].n * 4;
    if (!(c.paths = calloc(c.max ? c.max : 1, sizeof *c.paths)))
        return pc_fail(err, PC_EENV, "out of memory");
    FILE *f = open_in(dir, "manifest.ini", path, sizeof path);
    if (!f) {
        free(c.paths);
        return pc_fail_errno(err, errno, path, "cannot create");
    }
    fprintf(f, "%s: `parcours run manifest.ini` reproduces this run.\n", FOLDER_RUN_MARKER);
    int rc = PC_OK;
    for (size_t i = 0; i < doc->n && !rc; i++) {
        const cfg_section *s = &doc->sections[i];
        if (!strcmp(s->name, "run"))
            continue;
        fprintf(f, "\n[%s]\n", s->name);
        for (size_t k = 0; k < s->n && !rc; k++) {
            char *value = NULL;
            size_t len = 0;
            FILE *mem = open_memstream(&value, &len);
            if (!mem) {
                rc = pc_fail(err, PC_EENV, "out of memory");
                break;
            }
            rc = put_value(mem, doc, dir, s->entries[k].value, &c, err);
            if (fclose(mem) != 0 && !rc)
                rc = pc_fail(err, PC_EENV, "out of memory");
            if (!rc)
                cfg_write_entry(f, s->entries[k].key, value);
            free(value);
        }
    }
    fprintf(f, "\n[run]\nscenario = %s\nseed = %u\nreplications = %zu\nversion = %s\n",
            r->model->id, (unsigned)r->seed, r->reps, info && info->version ? info->version : "");
    if (info && info->command) {
        /* no line break, no inline-comment marker (the command is informative only),
         * continued on indented lines when long, as every value */
        char *command = pc_strdup(info->command);
        if (!command) {
            fclose(f);
            free(c.paths);
            return pc_fail(err, PC_EENV, "out of memory");
        }
        for (char *p = command; *p; p++)
            if (*p == '\n' || *p == '\r' || *p == ';')
                *p = ' ';
        cfg_write_entry(f, "command", command);
        free(command);
    }
    if (!rc)
        rc = put_files(f, dir, &c, err);
    free(c.paths);
    int crc = close_checked(f, path, err);
    return rc ? rc : crc;
}

/* ---- the folder ------------------------------------------------------------------ */

int out_check_run(const char *dir, const mdl_model *m, folder_notes *notes, pc_err *err)
{
    const char *input = m ? m->source : NULL;
    return folder_check(dir, FOLDER_RUN, &input, input ? 1 : 0, notes, err);
}

int out_write_run(const char *dir, const mc_result *r, const out_info *info, pc_err *err)
{
    folder_stage stage;
    const char *input = r->model->source;
    folder_notes *notes = info ? info->notes : NULL;
    int rc = folder_open(&stage, dir, FOLDER_RUN, &input, 1, notes, err);
    if (rc)
        return rc;
    rc = out_write_csv(stage.tmp, r, err);
    /* the writers fail only for memory, descriptors or space: in a folder this process
     * has just made, nothing else can refuse them */
    if (rc == PC_EINTERNAL)
        rc = PC_EENV;
    if (!rc)
        rc = write_manifest(stage.tmp, r, info, err);
    if (rc)
        folder_message(&stage, err);
    return folder_commit(&stage, rc, NULL, notes, err);
}
