/* mdl_observed — the [observations] section: observed values a model is held to.
 *
 * The table is read once with the model (like every table) and checked row by
 * row here: a known period within the horizon, a finite value >= 0 (every
 * output of parcours is), a tolerance in percent.  Whether each variable exists
 * is checked against the model's outputs (rec_check_observations). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

/* "YYYY-MM" or "YYYY": year and month (0 for a year). */
static int read_period(const char *text, int *year, int *month)
{
    const char *p = text;
    if (mdl_read_date(&p, year, month) && mdl_at_end(p))
        return 1;
    p = mdl_skip_ws(text);
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)p[i]))
            return 0;
    *year = atoi(p);
    *month = 0;
    return mdl_at_end(p + 4) && *year >= 1900 && *year <= 2200;
}

/* One row: variable,period,value[,tolerance[,source]]. */
static int parse_row(pctx *c, const char *path, const cfg_row *r, mdl_observation *o)
{
    mdl_model *m = c->m;
    o->line = r->line;
    if (r->n < 3 || r->n > 5)
        return FAIL(c, "table %s:%d: expected variable,period,value[,tolerance[,source]]", path,
                    r->line);
    if (!r->fields[0][0] || strchr(r->fields[0], ' '))
        return FAIL(c, "table %s:%d: variable: expected a variable name such as stock.rsa", path,
                    r->line);
    if (!read_period(r->fields[1], &o->year, &o->month))
        return FAIL(c, "table %s:%d: period: expected YYYY-MM or YYYY, got '%s'", path, r->line,
                    r->fields[1]);
    int first = o->month ? o->month : 1, last = o->month ? o->month : 12;
    double from = mdl_day_of(m, o->year, first), to = mdl_day_of(m, o->year, last);
    if (from < 0 || to >= m->horizon * MDL_DAYS_PER_MONTH)
        return FAIL(c, "table %s:%d: period %s is not within the horizon (%04d-%02d, %d months)",
                    path, r->line, r->fields[1], m->start_year, m->start_month, m->horizon);
    const char *q = r->fields[2];
    if (!mdl_read_plain(&q, &o->value) || !mdl_at_end(q) || o->value < 0)
        return FAIL(c, "table %s:%d: value: expected a number >= 0, got '%s'", path, r->line,
                    r->fields[2]);
    o->tolerance = NAN;
    if (r->n >= 4 && r->fields[3][0]) {
        q = r->fields[3];
        if (!mdl_read_plain(&q, &o->tolerance) || *(q = mdl_skip_ws(q)) != '%' ||
            !mdl_at_end(q + 1) || !(o->tolerance > 0) || o->tolerance > 100)
            return FAIL(c, "table %s:%d: tolerance: expected a percentage such as 2%%, got '%s'",
                        path, r->line, r->fields[3]);
        o->tolerance /= 100;
    }
    o->variable = mdl_arena_strdup(m, r->fields[0]);
    o->source = mdl_arena_strdup(m, r->n == 5 ? r->fields[4] : "");
    return o->variable && o->source ? PC_OK : OOM(c);
}

int mdl_parse_observations(mdl_model *m, const cfg_section *sec, pc_err *err)
{
    static const char *const keys[] = {"file", NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 0);
    const cfg_entry *file = mdl_need_key(err, sec, "file", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = file, .pop = -1};
    const char *p = file->value;
    char path[1024];
    if (mdl_read_table_ref(&p, NULL, 0, path, sizeof path) != 1 || !mdl_at_end(p))
        return FAIL(&c, "expected table(FILE) with columns variable,period,value[,tolerance"
                        "[,source]]");
    pc_err inner;
    cfg_table *t;
    if (cfg_doc_csv(m->doc, path, &t, &inner))
        return FAIL(&c, "table %s", inner.msg);
    const cfg_row *h = &t->rows[0];
    static const char *const columns[] = {"variable", "period", "value", "tolerance", "source"};
    int header = h->n >= 3 && h->n <= 5;
    for (size_t i = 0; header && i < h->n; i++)
        header = !strcmp(h->fields[i], columns[i]);
    if (!header) {
        cfg_table_free(t);
        return FAIL(&c, "table %s: header must be variable,period,value[,tolerance[,source]]",
                    path);
    }
    m->n_observations = t->n_rows - 1;
    m->observations =
        mdl_arena_alloc(m, m->n_observations ? m->n_observations : 1, sizeof *m->observations);
    m->observations_file = mdl_arena_strdup(m, path);
    rc = m->observations && m->observations_file ? PC_OK : OOM(&c);
    for (size_t i = 0; !rc && i < m->n_observations; i++)
        rc = parse_row(&c, path, &t->rows[i + 1], &m->observations[i]);
    cfg_table_free(t);
    return rc;
}
