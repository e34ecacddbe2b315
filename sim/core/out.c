/* out — a run's folder, written whole or not at all (see out.h).
 *
 * The files are written into DIR.tmp-XXXXXX beside DIR with the usual
 * interrupting signals blocked, then renamed into place; an earlier run folder
 * at DIR is moved aside first and removed after.  A signal arriving meanwhile
 * is delivered once the folder is complete, or once the temporary is removed. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "out.h"

#include <errno.h>
#include <stdarg.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
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

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static FILE *open_in(const char *dir, const char *name, char *path, size_t size)
{
    if (fmt(path, size, "%s/%s", dir, name))
        return NULL;
    return fopen(path, "w");
}

static int close_checked(FILE *f, const char *path, pc_err *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return pc_fail(err, PC_EINTERNAL, "%s: write failed: %s", path, strerror(errno));
    return PC_OK;
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

/* The sum of a flow series over the months of one calendar year. */
static double year_sum(const mc_result *r, size_t rep, size_t var, int year)
{
    const double *x = mc_series(r, rep, var);
    double s = 0;
    for (size_t k = 0; k < r->n_months; k++) {
        int y, mo;
        mdl_month_of(r->model, (int)k, &y, &mo);
        if (y == year)
            s += x[k];
    }
    return s;
}

static int write_monthly(const char *dir, const mc_result *r, double *sample, pc_err *err)
{
    char path[4096];
    FILE *f = open_in(dir, "monthly.csv", path, sizeof path);
    if (!f)
        return pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", path, strerror(errno));
    fputs("scenario,variable,month,mean,sd,p05,p25,p50,p75,p95,n\n", f);
    for (size_t v = 0; v < r->n_vars; v++) {
        const rec_var *var = &r->catalog->vars[v];
        for (size_t k = 0; k < r->n_months; k++) {
            int y, mo;
            mdl_month_of(r->model, (int)k, &y, &mo);
            double num = 0, den = 0;
            for (size_t rep = 0; rep < r->reps; rep++) {
                sample[rep] = mc_series(r, rep, v)[k];
                if (var->kind == REC_RATIO) {
                    num += mc_series(r, rep, var->num)[k];
                    den += mc_series(r, rep, var->den)[k];
                }
            }
            fsio_csv_text(f, r->model->id, 1);
            fsio_csv_text(f, var->name, 0);
            fprintf(f, ",%04d-%02d", y, mo);
            double pooled = den > 0 ? num / den : NAN;
            put_summary(f, sample, r->reps, var->kind == REC_RATIO ? &pooled : NULL);
        }
    }
    return close_checked(f, path, err);
}

static int write_yearly(const char *dir, const mc_result *r, double *sample, pc_err *err)
{
    char path[4096];
    size_t max_years = r->n_months / 12 + 2;
    double *by_rep = malloc(r->reps * max_years * sizeof(double));
    int *years = malloc(max_years * sizeof(int));
    if (!by_rep || !years) {
        free(by_rep);
        free(years);
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    }
    FILE *f = open_in(dir, "yearly.csv", path, sizeof path);
    if (!f) {
        free(by_rep);
        free(years);
        return pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", path, strerror(errno));
    }
    fputs("scenario,variable,year,mean,sd,p05,p25,p50,p75,p95,n\n", f);
    for (size_t v = 0; v < r->n_vars; v++) {
        const rec_var *var = &r->catalog->vars[v];
        size_t ny = 0;
        for (size_t rep = 0; rep < r->reps; rep++)
            ny = mc_yearly(r, rep, v, by_rep + rep * max_years, years);
        for (size_t y = 0; y < ny; y++) {
            for (size_t rep = 0; rep < r->reps; rep++)
                sample[rep] = by_rep[rep * max_years + y];
            double pooled = NAN;
            if (var->kind == REC_RATIO) {
                double num = 0, den = 0;
                for (size_t rep = 0; rep < r->reps; rep++) {
                    num += year_sum(r, rep, var->num, years[y]);
                    den += year_sum(r, rep, var->den, years[y]);
                }
                pooled = den > 0 ? num / den : NAN;
            }
            fsio_csv_text(f, r->model->id, 1);
            fsio_csv_text(f, var->name, 0);
            fprintf(f, ",%d", years[y]);
            put_summary(f, sample, r->reps, var->kind == REC_RATIO ? &pooled : NULL);
        }
    }
    free(by_rep);
    free(years);
    return close_checked(f, path, err);
}

static int write_replications(const char *dir, const mc_result *r, pc_err *err)
{
    char path[4096];
    FILE *f = open_in(dir, "replications.csv", path, sizeof path);
    if (!f)
        return pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", path, strerror(errno));
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
        for (size_t v = 0; v < r->n_vars; v++)
            fsio_csv_number(f, mc_total(r, rep, v), 0);
        fputc('\n', f);
    }
    return close_checked(f, path, err);
}

static int write_survival(const char *dir, const mc_result *r, double *sample, pc_err *err)
{
    char path[4096];
    size_t h = r->n_months, width = h + 1;
    FILE *f = open_in(dir, "survival.csv", path, sizeof path);
    if (!f)
        return pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", path, strerror(errno));
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
        return pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", path, strerror(errno));
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
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    int rc = write_monthly(dir, r, sample, err);
    if (!rc)
        rc = write_yearly(dir, r, sample, err);
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

/* Writes the table as the model read it (not as the file may be now). */
static int copy_table(const cfg_doc *doc, const char *from, const char *to)
{
    const cfg_file *table = cfg_doc_file(doc, from);
    if (!table)
        return -1;
    FILE *out = fopen(to, "wb");
    if (!out)
        return -1;
    int bad = fwrite(table->text, 1, table->len, out) != table->len;
    if (fclose(out) != 0)
        bad = 1;
    return bad ? -1 : 0;
}

/* Copies every table a value names into dir/tables/ and writes the value with the copy's path. */
static int put_value(FILE *f, const cfg_doc *doc, const char *dir, const char *value,
                     char (*copied)[2][1024], size_t *n_copied, size_t max_copied, pc_err *err)
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
        for (size_t i = 0; i < *n_copied; i++)
            if (!strcmp(copied[i][0], src))
                dst = copied[i][1];
        if (!dst) {
            if (*n_copied == max_copied)
                return pc_fail(err, PC_EINTERNAL, "too many tables");
            const char *base = strrchr(src, '/');
            base = base ? base + 1 : src;
            char *slot = copied[*n_copied][1];
            char full[4096];
            if (fmt(slot, 1024, "tables/%zu-%s", *n_copied + 1, base) ||
                fmt(full, sizeof full, "%s/%s", dir, slot) || copy_table(doc, src, full) != 0)
                return pc_fail(err, PC_EINPUT, "%s: cannot copy table into the run folder", src);
            memcpy(copied[*n_copied][0], src, pl + 1);
            dst = slot;
            (*n_copied)++;
        }
        fwrite(p, 1, (size_t)(path - p), f);
        fputs(dst, f);
        p = path + pl;
    }
    fputs(p, f);
    return PC_OK;
}

static int write_manifest(const char *dir, const mc_result *r, const out_info *info, pc_err *err)
{
    char path[4096];
    const cfg_doc *doc = r->model->doc;
    if (fmt(path, sizeof path, "%s/tables", dir) || mkdir(path, 0777) != 0)
        return pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", path, strerror(errno));
    size_t max_copied = 0;
    for (size_t i = 0; i < doc->n; i++)
        max_copied += doc->sections[i].n * 4;
    char(*copied)[2][1024] = calloc(max_copied ? max_copied : 1, sizeof *copied);
    if (!copied)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    size_t n_copied = 0;
    FILE *f = open_in(dir, "manifest.ini", path, sizeof path);
    if (!f) {
        free(copied);
        return pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", path, strerror(errno));
    }
    fprintf(f, "; parcours run manifest: `parcours run manifest.ini` reproduces this run.\n");
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
                rc = pc_fail(err, PC_EINTERNAL, "out of memory");
                break;
            }
            rc = put_value(mem, doc, dir, s->entries[k].value, copied, &n_copied, max_copied, err);
            if (fclose(mem) != 0 && !rc)
                rc = pc_fail(err, PC_EINTERNAL, "out of memory");
            if (!rc)
                cfg_write_entry(f, s->entries[k].key, value);
            free(value);
        }
    }
    free(copied);
    fprintf(f, "\n[run]\nscenario = %s\nseed = %u\nreplications = %zu\nversion = %s\n",
            r->model->id, (unsigned)r->seed, r->reps, info && info->version ? info->version : "");
    if (info && info->command) {
        /* no line break, no inline-comment marker (the command is informative only),
         * continued on indented lines when long, as every value */
        char *command = pc_strdup(info->command);
        if (!command) {
            fclose(f);
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        }
        for (char *c = command; *c; c++)
            if (*c == '\n' || *c == '\r' || *c == ';')
                *c = ' ';
        cfg_write_entry(f, "command", command);
        free(command);
    }
    int crc = close_checked(f, path, err);
    return rc ? rc : crc;
}

/* ---- the folder ------------------------------------------------------------------ */

static int is_run_folder(const char *dir)
{
    char path[4096];
    return fmt(path, sizeof path, "%s/manifest.ini", dir) == 0 && access(path, F_OK) == 0;
}

int out_write_run(const char *dir, const mc_result *r, const out_info *info, pc_err *err)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (dl == 0 || dl > 3000)
        return pc_fail(err, PC_EUSAGE, "output folder: bad name '%s'", dir);
    char target[4096], tmp[4096], old[4096];
    memcpy(target, dir, dl);
    target[dl] = '\0';
    struct stat st;
    int exists = stat(target, &st) == 0;
    if (exists && !S_ISDIR(st.st_mode))
        return pc_fail(err, PC_EINPUT, "%s: exists and is not a folder", target);
    if (exists && !is_run_folder(target)) {
        if (rmdir(target) != 0)
            return pc_fail(err, PC_EINPUT,
                           "%s: exists and is not a parcours run folder; "
                           "choose another --out",
                           target);
        exists = 0;
    }
    char *slash = strrchr(target, '/');
    if (slash && slash != target) {
        *slash = '\0';
        int rc = fsio_mkdirs(target, err);
        *slash = '/';
        if (rc)
            return rc;
    }
    sigset_t block, saved;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, &saved);
    int rc = PC_OK;
    if (fmt(tmp, sizeof tmp, "%s.tmp-XXXXXX", target) || !mkdtemp(tmp)) {
        rc = pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", tmp, strerror(errno));
        sigprocmask(SIG_SETMASK, &saved, NULL);
        return rc;
    }
    chmod(tmp, 0755);
    rc = out_write_csv(tmp, r, err);
    if (!rc)
        rc = write_manifest(tmp, r, info, err);
    if (!rc && exists) {
        if (fmt(old, sizeof old, "%s.old-XXXXXX", target) || !mkdtemp(old) ||
            rename(target, old) != 0)
            rc = pc_fail(err, PC_EINTERNAL, "%s: cannot replace: %s", target, strerror(errno));
    }
    if (!rc && rename(tmp, target) != 0) {
        rc = pc_fail(err, PC_EINTERNAL, "%s: cannot create: %s", target, strerror(errno));
        if (exists)
            rename(old, target);
    }
    if (rc)
        remove_tree(tmp);
    else if (exists)
        remove_tree(old);
    sigprocmask(SIG_SETMASK, &saved, NULL);
    return rc;
}
