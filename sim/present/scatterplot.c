/* scatterplot — an output against the uncertain parameters, from replications.csv (see
 * scatterplot.h). */
#include "scatterplot.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "axis.h"
#include "chart.h"
#include "core/cfg.h"
#include "core/fsio.h"
#include "gnuplot.h"
#include "sbuf.h"

double scatter_spearman(const double *x, const double *y, size_t n, double *work)
{
    if (n < 2)
        return NAN;
    double x0 = x[0], y0 = y[0];
    int x_varies = 0, y_varies = 0;
    for (size_t i = 1; i < n; i++) {
        x_varies |= x[i] != x0;
        y_varies |= y[i] != y0;
    }
    if (!x_varies || !y_varies)
        return NAN;
    return gsl_stats_spearman(x, 1, y, 1, n, work);
}

/* One parameter column of replications.csv. */
typedef struct {
    const char *name; /* the column, "param.NAME" (borrowed from the table) */
    double *x;        /* its value in each kept replication */
    double rho;
} scatter_param;

static int by_rho(const void *a, const void *b)
{
    double x = fabs(((const scatter_param *)a)->rho), y = fabs(((const scatter_param *)b)->rho);
    if (x != y)
        return x < y ? 1 : -1;
    return strcmp(((const scatter_param *)a)->name, ((const scatter_param *)b)->name);
}

/* The number in a field, or NaN. */
static double field_number(const cfg_row *row, long col)
{
    if (col < 0 || (size_t)col >= row->n)
        return NAN;
    char *end;
    double v = strtod(row->fields[col], &end);
    return end != row->fields[col] && !*end ? v : NAN;
}

/* What scatterplot_draw holds. */
typedef struct {
    cfg_table *t;
    double *y, *work;
    long *rep;
    scatter_param *params;
    size_t n_params, n;
    sbuf script, head;
} scatter_ctx;

static void scatter_ctx_free(scatter_ctx *c)
{
    for (size_t i = 0; c->params && i < c->n_params; i++)
        free(c->params[i].x);
    free(c->params);
    free(c->y);
    free(c->work);
    free(c->rep);
    cfg_table_free(c->t);
    sbuf_clear(&c->script);
    sbuf_clear(&c->head);
}

/* The output's values and each parameter's draws in the replications where the output
 * is finite; the parameters that vary, ranked by |rho|. */
static int read_columns(scatter_ctx *c, const char *var, pc_err *err)
{
    const cfg_row *head = &c->t->rows[0];
    long col = -1;
    size_t n_cols = 0;
    for (size_t i = 0; i < head->n; i++) {
        if (!strcmp(head->fields[i], var))
            col = (long)i;
        n_cols += !strncmp(head->fields[i], "param.", 6);
    }
    if (col < 0 || n_cols == 0 || c->t->n_rows < 3)
        return PC_OK;
    size_t rows = c->t->n_rows - 1;
    c->y = pc_calloc(rows, sizeof *c->y);
    c->rep = pc_calloc(rows, sizeof *c->rep);
    c->work = pc_calloc(2 * rows, sizeof *c->work);
    c->params = pc_calloc(n_cols, sizeof *c->params);
    if (!c->y || !c->rep || !c->work || !c->params)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t r = 1; r < c->t->n_rows; r++) {
        double v = field_number(&c->t->rows[r], col);
        if (isfinite(v)) {
            c->rep[c->n] = (long)field_number(&c->t->rows[r], 0);
            c->y[c->n++] = v;
        }
    }
    for (size_t i = 0; i < head->n; i++) {
        if (strncmp(head->fields[i], "param.", 6))
            continue;
        scatter_param *p = &c->params[c->n_params++];
        p->name = head->fields[i];
        if (!(p->x = pc_calloc(rows, sizeof *p->x)))
            return pc_fail(err, PC_EENV, "out of memory");
        size_t k = 0;
        for (size_t r = 1; r < c->t->n_rows; r++)
            if (isfinite(field_number(&c->t->rows[r], col)))
                p->x[k++] = field_number(&c->t->rows[r], (long)i);
        p->rho = scatter_spearman(p->x, c->y, c->n, c->work);
        if (!isfinite(p->rho)) {
            /* a fixed parameter, or one the output does not follow at all */
            int varies = 0;
            for (size_t j = 1; j < c->n; j++)
                varies |= p->x[j] != p->x[0];
            if (!varies) {
                free(p->x);
                c->n_params--;
                continue;
            }
            p->rho = 0;
        }
    }
    qsort(c->params, c->n_params, sizeof *c->params, by_rho);
    return PC_OK;
}

/* scatter-VAR.csv (the points) and scatter-VAR-rank.csv (every correlation). */
static int write_data(const scatter_ctx *c, const char *stem, const char *var, size_t shown,
                      pc_err *err)
{
    fsio_file out;
    char *path = pc_strf("%s.csv", stem);
    int rc = path ? fsio_open(&out, path, err) : pc_fail(err, PC_EENV, "out of memory");
    free(path);
    if (rc)
        return rc;
    fputs("replication", out.f);
    fsio_csv_text(out.f, var, 0);
    for (size_t i = 0; i < shown; i++)
        fsio_csv_text(out.f, c->params[i].name, 0);
    fputc('\n', out.f);
    for (size_t j = 0; j < c->n; j++) {
        fprintf(out.f, "%ld", c->rep[j]);
        fsio_csv_exact(out.f, c->y[j], 0);
        for (size_t i = 0; i < shown; i++)
            fsio_csv_exact(out.f, c->params[i].x[j], 0);
        fputc('\n', out.f);
    }
    if ((rc = fsio_commit(&out, PC_OK, err)))
        return rc;
    path = pc_strf("%s-rank.csv", stem);
    rc = path ? fsio_open(&out, path, err) : pc_fail(err, PC_EENV, "out of memory");
    free(path);
    if (rc)
        return rc;
    fputs("parameter,spearman\n", out.f);
    for (size_t i = 0; i < c->n_params; i++) {
        fsio_csv_text(out.f, c->params[i].name + 6, 1);
        fsio_csv_exact(out.f, c->params[i].rho, 0);
        fputc('\n', out.f);
    }
    return fsio_commit(&out, PC_OK, err);
}

int scatterplot_draw(const char *dir, const rundir *run, const char *var, lang_code lang,
                     plot_list *list, scatter_summary *sum, pc_err *err)
{
    *sum = (scatter_summary){0};
    scatter_ctx c = {0};
    char *path = pc_strf("%s/replications.csv", rundir_path(run));
    if (!path)
        return pc_fail(err, PC_EENV, "out of memory");
    FILE *probe = fopen(path, "r");
    int rc = PC_OK;
    if (probe) {
        fclose(probe);
        rc = cfg_read_csv(path, &c.t, err);
    }
    free(path);
    if (!rc && c.t && c.t->n_rows > 0)
        rc = read_columns(&c, var, err);
    size_t shown = c.n_params < SCATTER_MAX_PANELS ? c.n_params : SCATTER_MAX_PANELS;
    if (rc || shown == 0) {
        scatter_ctx_free(&c);
        return rc;
    }
    char safe[300];
    fsio_safe_name(var, safe, sizeof safe);
    char *stem = pc_strf("%s/scatter-%s", dir, safe);
    char *data = pc_strf("%s.csv", stem ? stem : "");
    char *qdata = data ? gnuplot_quote(data) : NULL;
    char *label = rundir_var_label(run, var, lang);
    if (!stem || !qdata || !label)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc)
        rc = write_data(&c, stem, var, shown, err);
    if (!rc) {
        int euros = !strncmp(var, "cost.", 5) || !strncmp(var, "funder.", 7);
        double big = 0;
        for (size_t j = 0; j < c.n; j++)
            big = fmax(big, fabs(c.y[j]));
        double scale = !euros ? 1 : big >= 1e5 ? 1e-6 : 1e-3;
        const char *unit = !euros ? ""
                           : big >= 1e5
                               ? lang_pick(lang, " (M\xE2\x82\xAC)", " (\xE2\x82\xAC million)")
                               : lang_pick(lang, " (k\xE2\x82\xAC)", " (\xE2\x82\xAC thousand)");
        size_t cols = shown <= 3 ? shown : shown <= 4 ? 2 : shown <= 9 ? 3 : 4;
        size_t rows = (shown + cols - 1) / cols;
        char *title = pc_strf("%s%s %s", label, unit,
                              lang_pick(lang, "selon chaque param\xC3\xA8tre incertain",
                                        "against each uncertain parameter"));
        sbuf_printf(&c.head, "set multiplot layout %zu,%zu title ", rows, cols);
        gnuplot_quote_into(&c.head, title ? title : var);
        free(title);
        double ylo = INFINITY, yhi = -INFINITY;
        for (size_t j = 0; j < c.n; j++) {
            ylo = fmin(ylo, c.y[j] * scale);
            yhi = fmax(yhi, c.y[j] * scale);
        }
        axis_scale ya;
        axis_nice(ylo, yhi, 0, &ya);
        char *yt = axis_value_ticks(&ya, "", lang), *yr = axis_range(ya.min, ya.max);
        sbuf_printf(&c.head,
                    " font ',13'\nunset key\nset xtics font ',9'\nset ytics font ',9'\n"
                    "set yrange %s\nset ytics %s\n",
                    yr ? yr : "[*:*]", yt ? yt : "autofreq");
        free(yt);
        free(yr);
        for (size_t i = 0; i < shown; i++) {
            char rho[64];
            lang_number(c.params[i].rho, 2, lang, rho, sizeof rho);
            char *t = pc_strf("%s (\xCF\x81 = %s)", c.params[i].name + 6, rho);
            sbuf_puts(&c.head, "set title ");
            gnuplot_quote_into(&c.head, t ? t : c.params[i].name);
            free(t);
            double lo = INFINITY, hi = -INFINITY;
            for (size_t j = 0; j < c.n; j++) {
                lo = fmin(lo, c.params[i].x[j]);
                hi = fmax(hi, c.params[i].x[j]);
            }
            axis_scale xa;
            axis_nice(lo, hi, 0, &xa);
            char *xt = axis_value_ticks(&xa, "", lang), *xr = axis_range(xa.min, xa.max);
            sbuf_printf(&c.head, " font ',10'\nset xrange %s\nset xtics %s\n", xr ? xr : "[*:*]",
                        xt ? xt : "autofreq");
            free(xt);
            free(xr);
            sbuf_printf(&c.head, "plot %s skip 1 using %zu:($2*", qdata, i + 3);
            gnuplot_number_into(&c.head, scale);
            sbuf_puts(&c.head, ") with points pt 7 ps 0.5 lc rgb '#0072B2'\n");
        }
        chart_emit(&c.script, stem, c.head.s ? c.head.s : "", "");
        char *caption =
            pc_strf("%s%s", label,
                    lang_pick(lang, " : nuage de points selon les param\xC3\xA8tres incertains",
                              ": scatter against the uncertain parameters"));
        if (!caption || plot_list_add(list, stem + strlen(dir) + 1, caption, "scatter"))
            rc = pc_fail(err, PC_EENV, "out of memory");
        free(caption);
    }
    if (!rc)
        rc = chart_run_script(dir, "scatter-charts.gp", &c.script, list, err);
    if (!rc)
        *sum = (scatter_summary){.n_uncertain = c.n_params, .n_shown = shown, .n_points = c.n};
    free(stem);
    free(data);
    free(qdata);
    free(label);
    scatter_ctx_free(&c);
    return rc;
}
