/* mdl_read — numbers, units, dates, tables, schedules, destinations and laws.
 *
 * Each reader returns 1 and advances the text, or 0 and leaves it; parse_*
 * functions return a status and report through FAIL (file:line: key: what was
 * expected).  A number may be a parameter reference ($NAME): the reader leaves
 * it in the context and the caller binds it to the slot it fills
 * (mdl_ref_bind), with the domain that slot accepts. */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

const char *mdl_skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int mdl_at_end(const char *p)
{
    return *mdl_skip_ws(p) == '\0';
}

/* Reads a finite number written in decimal at *pp. */
int mdl_read_plain(const char **pp, double *out)
{
    const char *p = mdl_skip_ws(*pp);
    if (!(isdigit((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.'))
        return 0;
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v))
        return 0;
    /* refuse hexadecimal and the like: only decimal notation */
    for (const char *q = p; q < end; q++)
        if (!(isdigit((unsigned char)*q) || *q == '-' || *q == '+' || *q == '.' || *q == 'e' ||
              *q == 'E'))
            return 0;
    *out = v;
    *pp = end;
    return 1;
}

/* Reads a number, or with a context a parameter's value ($NAME or ${NAME}): the
 * reference is then left in c->ref for the caller to mdl_ref_bind to the slot the number
 * goes to (mdl_ref_bind) or to refuse if the slot cannot vary (mdl_ref_fixed_only). */
int mdl_read_number(pctx *c, const char **pp, double *out)
{
    const char *p = mdl_skip_ws(*pp);
    if (!c || c->no_refs || *p != '$')
        return mdl_read_plain(pp, out);
    assert(c->ref == 0); /* the previous reference was bound or refused */
    const char *start = ++p;
    int braced = *p == '{';
    if (braced)
        start = ++p;
    while (*p && (isalnum((unsigned char)*p) || strchr("_.#-", *p)))
        p++;
    if (!braced)
        while (p > start && p[-1] == '.')
            p--;
    char name[300];
    size_t nl = (size_t)(p - start);
    if (nl == 0 || nl >= sizeof name || (braced && *p != '}')) {
        snprintf(c->ref_msg, sizeof c->ref_msg,
                 "'$' must be followed by a parameter name, or ${NAME}");
        return 0;
    }
    if (braced)
        p++;
    memcpy(name, start, nl);
    name[nl] = '\0';
    int i = mdl_param_index(c->m, name);
    if (i < 0) {
        snprintf(c->ref_msg, sizeof c->ref_msg,
                 "unknown parameter $%s (define it in [parameter %s])", name, name);
        return 0;
    }
    *out = c->m->params[i].value;
    c->ref = i + 1;
    c->mul = c->div = 1.0;
    *pp = p;
    return 1;
}

static double unit_days(char u)
{
    switch (u) {
    case 'd':
        return 1.0;
    case 'w':
        return 7.0;
    case 'm':
        return MDL_DAYS_PER_MONTH;
    case 'y':
        return MDL_DAYS_PER_YEAR;
    default:
        return 0.0;
    }
}

/* A unit letter not followed by another letter. */
static double read_unit(const char **pp)
{
    const char *p = mdl_skip_ws(*pp);
    double d = unit_days(*p);
    if (d > 0 && !isalpha((unsigned char)p[1])) {
        *pp = p + 1;
        return d;
    }
    return 0.0;
}

/* A duration in days: NUMBER followed by a unit d, w, m or y (c may be NULL). */
int mdl_read_duration(pctx *c, const char **pp, double *days)
{
    const char *p = *pp;
    double v, u;
    if (!mdl_read_number(c, &p, &v) || (u = read_unit(&p)) == 0.0 || !isfinite(v * u))
        return 0;
    *days = v * u;
    if (c)
        c->mul = u;
    *pp = p;
    return 1;
}

/* A rate per day: NUMBER/UNIT (c may be NULL). */
static int read_rate(pctx *c, const char **pp, double *per_day)
{
    const char *p = *pp;
    double v, u;
    if (!mdl_read_number(c, &p, &v))
        return 0;
    p = mdl_skip_ws(p);
    if (*p != '/')
        return 0;
    p++;
    if ((u = read_unit(&p)) == 0.0)
        return 0;
    *per_day = v / u;
    if (c)
        c->div = u;
    *pp = p;
    return 1;
}

int mdl_read_date(const char **pp, int *year, int *month)
{
    const char *p = mdl_skip_ws(*pp);
    for (int i = 0; i < 7; i++)
        if (i == 4 ? p[i] != '-' : !isdigit((unsigned char)p[i]))
            return 0;
    if (isdigit((unsigned char)p[7]))
        return 0;
    *year = atoi(p);
    *month = atoi(p + 5);
    if (*year < 1900 || *year > 2200 || *month < 1 || *month > 12)
        return 0;
    *pp = p + 7;
    return 1;
}

/* Splits s at top-level commas (not inside parentheses) into at most max parts,
 * trimmed, written into buf (modified copy).  Returns the count, or -1. */
int mdl_split_list(char *s, char **parts, int max)
{
    int n = 0, depth = 0;
    char *start = s;
    for (char *p = s;; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')')
            depth--;
        if ((*p == ',' && depth == 0) || *p == '\0') {
            int last = *p == '\0';
            *p = '\0';
            if (n == max)
                return -1;
            char *a = start + (mdl_skip_ws(start) - start);
            size_t l = strlen(a);
            while (l > 0 && isspace((unsigned char)a[l - 1]))
                a[--l] = '\0';
            parts[n++] = a;
            if (last)
                break;
            start = p + 1;
        }
    }
    return n;
}

int mdl_is_yes(const char *v, int *out)
{
    if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1")) {
        *out = 1;
        return 1;
    }
    if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0")) {
        *out = 0;
        return 1;
    }
    return 0;
}

/* ---- tables ----------------------------------------------------------------- */

/* If *pp starts with "table(", reads "[CLOCK;] PATH)" and returns 1 (path into buf). */
int mdl_read_table_ref(const char **pp, char *clock, size_t clock_size, char *buf, size_t size)
{
    const char *p = mdl_skip_ws(*pp);
    if (strncmp(p, "table(", 6) != 0)
        return 0;
    p += 6;
    const char *close = strchr(p, ')');
    if (!close)
        return -1;
    const char *semi = memchr(p, ';', (size_t)(close - p));
    if (clock)
        clock[0] = '\0';
    if (semi) {
        if (!clock)
            return -1;
        size_t l = (size_t)(semi - p);
        if (l >= clock_size)
            return -1;
        memcpy(clock, p, l);
        clock[l] = '\0';
        char *c = clock;
        while (*c == ' ')
            memmove(c, c + 1, strlen(c));
        l = strlen(clock);
        while (l && clock[l - 1] == ' ')
            clock[--l] = '\0';
        p = semi + 1;
    }
    p = mdl_skip_ws(p);
    size_t l = (size_t)(close - p);
    while (l && (p[l - 1] == ' ' || p[l - 1] == '\t'))
        l--;
    if (l == 0 || l >= size)
        return -1;
    memcpy(buf, p, l);
    buf[l] = '\0';
    *pp = close + 1;
    return 1;
}

/* Reads a CSV whose header must be exactly the given column names. */
int mdl_load_table(pctx *c, const char *path, const char *col1, const char *col2, cfg_table **out)
{
    pc_err inner;
    int rc = cfg_doc_csv(c->m->doc, path, out, &inner);
    if (rc)
        return FAIL(c, "table %s", inner.msg); /* the message starts with the path */
    cfg_row *h = &(*out)->rows[0];
    if (h->n != 2 || strcmp(h->fields[0], col1) || strcmp(h->fields[1], col2)) {
        cfg_table_free(*out);
        *out = NULL;
        return FAIL(c, "table %s: header must be '%s,%s'", path, col1, col2);
    }
    for (size_t i = 1; i < (*out)->n_rows; i++)
        if ((*out)->rows[i].n != 2) {
            int line = (*out)->rows[i].line;
            cfg_table_free(*out);
            *out = NULL;
            return FAIL(c, "table %s:%d: expected 2 fields", path, line);
        }
    if ((*out)->n_rows < 2) {
        cfg_table_free(*out);
        *out = NULL;
        return FAIL(c, "table %s: no data rows", path);
    }
    return PC_OK;
}

/* Bins "upper,weight" -> empirical table (x = upper days, y = cumulative probability). */
int mdl_load_bins(pctx *c, const char *path, mdl_table *t)
{
    cfg_table *csv;
    int rc = mdl_load_table(c, path, "upper", "weight", &csv);
    if (rc)
        return rc;
    size_t n = csv->n_rows - 1;
    t->n = n;
    t->x = mdl_arena_alloc(c->m, n, sizeof(double));
    t->y = mdl_arena_alloc(c->m, n, sizeof(double));
    if (!t->x || !t->y) {
        cfg_table_free(csv);
        return OOM(c);
    }
    double total = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        const cfg_row *r = &csv->rows[i + 1];
        const char *p = r->fields[0];
        double up, w;
        if (!mdl_read_duration(NULL, &p, &up) || !mdl_at_end(p) || up <= prev) {
            rc = FAIL(c,
                      "table %s:%d: upper: expected a duration greater than the previous "
                      "one (e.g. 6m)",
                      path, r->line);
            break;
        }
        p = r->fields[1];
        if (!mdl_read_plain(&p, &w) || !mdl_at_end(p) || w < 0) {
            rc = FAIL(c, "table %s:%d: weight: expected a number >= 0", path, r->line);
            break;
        }
        prev = up;
        total += w;
        t->x[i] = up;
        t->y[i] = total;
    }
    if (!rc && !(total > 0))
        rc = FAIL(c, "table %s: weights sum to 0", path);
    for (size_t i = 0; !rc && i < n; i++)
        t->y[i] /= total;
    if (!rc)
        t->y[n - 1] = 1.0;
    cfg_table_free(csv);
    return rc;
}

/* Piecewise hazard from "from,rate" rows. */
static int finish_piecewise(pctx *c, mdl_table *t)
{
    if (t->n == 0 || t->x[0] != 0.0)
        return FAIL(c, "piecewise hazard: the first piece must start at 0");
    t->cum = mdl_arena_alloc(c->m, t->n, sizeof(double));
    if (!t->cum)
        return OOM(c);
    t->cum[0] = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0 && t->x[i] <= t->x[i - 1])
            return FAIL(c, "piecewise hazard: piece starts must increase");
        if (!(t->y[i] >= 0) || t->y[i] > MDL_MAX_HAZARD)
            return FAIL(c, "piecewise hazard: rates must be from 0 to %g/d", MDL_MAX_HAZARD);
        if (i > 0)
            t->cum[i] = t->cum[i - 1] + t->y[i - 1] * (t->x[i] - t->x[i - 1]);
    }
    return PC_OK;
}

static int load_hazard_table(pctx *c, const char *path, mdl_table *t)
{
    cfg_table *csv;
    int rc = mdl_load_table(c, path, "from", "rate", &csv);
    if (rc)
        return rc;
    size_t n = csv->n_rows - 1;
    t->n = n;
    t->x = mdl_arena_alloc(c->m, n, sizeof(double));
    t->y = mdl_arena_alloc(c->m, n, sizeof(double));
    if (!t->x || !t->y) {
        cfg_table_free(csv);
        return OOM(c);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const cfg_row *r = &csv->rows[i + 1];
        const char *p = r->fields[0];
        if (!mdl_read_duration(NULL, &p, &t->x[i]) || !mdl_at_end(p))
            rc = FAIL(c, "table %s:%d: from: expected a duration (e.g. 6m)", path, r->line);
        p = r->fields[1];
        if (!rc && (!read_rate(NULL, &p, &t->y[i]) || !mdl_at_end(p)))
            rc = FAIL(c, "table %s:%d: rate: expected a rate (e.g. 0.04/m)", path, r->line);
    }
    cfg_table_free(csv);
    return rc ? rc : finish_piecewise(c, t);
}

/* A value of kind k (c NULL: a number as written, from a table). */
int mdl_read_value(pctx *c, const char **pp, val_kind k, double *v)
{
    if (k == VAL_RATE)
        return read_rate(c, pp, v);
    return mdl_read_number(c, pp, v);
}

const char *mdl_val_expected(val_kind k)
{
    return k == VAL_RATE ? "a rate with a unit (e.g. 7500/y)" : "a number";
}

/* "V", "YYYY-MM:V, YYYY-MM:V" or table(FILE) with columns date,col.
 * before_first: value before the first date (NAN: the first value).  A value
 * given by a parameter is bound with the domain dom. */
int mdl_parse_schedule(pctx *c, const char *value, val_kind k, dom_kind dom, const char *col,
                       double before_first, mdl_schedule *s)
{
    const char *p = value;
    char path[1024];
    int tr = mdl_read_table_ref(&p, NULL, 0, path, sizeof path);
    if (tr < 0)
        return FAIL(c, "malformed table(FILE)");
    if (tr > 0) {
        if (!mdl_at_end(p))
            return FAIL(c, "unexpected text after table(...)");
        cfg_table *csv;
        int rc = mdl_load_table(c, path, "date", col, &csv);
        if (rc)
            return rc;
        s->n = csv->n_rows - 1;
        s->from = mdl_arena_alloc(c->m, s->n, sizeof(double));
        s->value = mdl_arena_alloc(c->m, s->n, sizeof(double));
        for (size_t i = 0; !rc && i < s->n; i++) {
            const cfg_row *r = &csv->rows[i + 1];
            int y, mo;
            const char *q = r->fields[0];
            if (!s->from || !s->value)
                rc = OOM(c);
            else if (!mdl_read_date(&q, &y, &mo) || !mdl_at_end(q))
                rc = FAIL(c, "table %s:%d: date: expected YYYY-MM", path, r->line);
            else if ((s->from[i] = mdl_day_of(c->m, y, mo)), i > 0 && s->from[i] <= s->from[i - 1])
                rc = FAIL(c, "table %s:%d: dates must increase", path, r->line);
            q = r->fields[1];
            if (!rc && (!mdl_read_value(NULL, &q, k, &s->value[i]) || !mdl_at_end(q)))
                rc = FAIL(c, "table %s:%d: %s: expected %s", path, r->line, col,
                          mdl_val_expected(k));
            if (!rc && !mdl_in_domain(dom, s->value[i]))
                rc = FAIL(c, "table %s:%d: %s: expected %s", path, r->line, col,
                          mdl_domain_text(dom));
        }
        cfg_table_free(csv);
        if (rc)
            return rc;
        s->before = isnan(before_first) ? s->value[0] : before_first;
        return PC_OK;
    }
    char *copy = mdl_arena_strdup(c->m, value);
    char *parts[MAX_PARTS];
    if (!copy)
        return OOM(c);
    int n = mdl_split_list(copy, parts, MAX_PARTS);
    if (n <= 0)
        return FAIL(c, "expected %s or a dated schedule YYYY-MM:value, ...", mdl_val_expected(k));
    if (n == 1 && !strchr(parts[0], ':')) {
        const char *q = parts[0];
        double v;
        if (!mdl_read_value(c, &q, k, &v) || !mdl_at_end(q))
            return FAIL(c, "expected %s or a dated schedule YYYY-MM:value, ...",
                        mdl_val_expected(k));
        s->n = 0;
        s->before = v;
        int rc = mdl_ref_bind(c, &s->before, dom, OWNER_NONE, NULL);
        if (!rc && !mdl_in_domain(dom, v))
            rc = FAIL(c, "expected %s", mdl_domain_text(dom));
        return rc;
    }
    s->n = (size_t)n;
    s->from = mdl_arena_alloc(c->m, s->n, sizeof(double));
    s->value = mdl_arena_alloc(c->m, s->n, sizeof(double));
    if (!s->from || !s->value)
        return OOM(c);
    for (int i = 0; i < n; i++) {
        const char *q = parts[i];
        int y, mo;
        if (!mdl_read_date(&q, &y, &mo) || *mdl_skip_ws(q) != ':')
            return FAIL(c, "schedule item '%s': expected YYYY-MM:value", parts[i]);
        q = mdl_skip_ws(q) + 1;
        if (!mdl_read_value(c, &q, k, &s->value[i]) || !mdl_at_end(q))
            return FAIL(c, "schedule item '%s': expected %s after the date", parts[i],
                        mdl_val_expected(k));
        int rc = mdl_ref_bind(c, &s->value[i], dom, OWNER_NONE, NULL);
        if (!rc && !mdl_in_domain(dom, s->value[i]))
            rc = FAIL(c, "schedule item '%s': expected %s", parts[i], mdl_domain_text(dom));
        if (rc)
            return rc;
        s->from[i] = mdl_day_of(c->m, y, mo);
        if (i > 0 && s->from[i] <= s->from[i - 1])
            return FAIL(c, "schedule dates must increase ('%s' is not after the previous date)",
                        parts[i]);
    }
    s->before = isnan(before_first) ? s->value[0] : before_first;
    return isnan(before_first) ? mdl_ref_copy(c, &s->before, &s->value[0]) : PC_OK;
}

/* Sets the value v from day `from` on: later steps of the schedule are dropped. */
int mdl_schedule_set_from(mdl_model *m, mdl_schedule *s, double from, double v)
{
    size_t keep = 0;
    while (keep < s->n && s->from[keep] < from)
        keep++;
    if (s->n == 0)
        keep = 0;
    double *f = mdl_arena_alloc(m, keep + 1, sizeof(double));
    double *val = mdl_arena_alloc(m, keep + 1, sizeof(double));
    if (!f || !val)
        return PC_EENV;
    for (size_t i = 0; i < keep; i++) {
        f[i] = s->from[i];
        val[i] = s->value[i];
    }
    f[keep] = from;
    val[keep] = v;
    mdl_ref_moved(m, s->value, s->n, val, keep);
    s->from = f;
    s->value = val;
    s->n = keep + 1;
    return PC_OK;
}

/* ---- destinations and transitions ----------------------------------------- */

int mdl_parse_dest(pctx *c, const char *text, int allow_out, mdl_dest *d)
{
    char *copy = mdl_arena_strdup(c->m, text);
    char *parts[MAX_PARTS];
    if (!copy)
        return OOM(c);
    int n = mdl_split_list(copy, parts, MAX_PARTS);
    if (n <= 0 || !parts[0][0])
        return FAIL(c, "expected a destination: STATE, out, or STATE:share, ...");
    d->n = (size_t)n;
    d->state = mdl_arena_alloc(c->m, d->n, sizeof(int));
    d->share = mdl_arena_alloc(c->m, d->n, sizeof(double));
    d->cum = mdl_arena_alloc(c->m, d->n, sizeof(double));
    d->effect = mdl_arena_alloc(c->m, d->n, sizeof(int));
    if (!d->state || !d->share || !d->cum || !d->effect)
        return OOM(c);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        char *colon = strchr(parts[i], ':');
        double share = 1.0;
        d->effect[i] = -1;
        if (colon) {
            *colon = '\0';
            const char *q = colon + 1;
            if (!mdl_read_number(c, &q, &share) || share < 0 || share > 1)
                return FAIL(c, "destination '%s': share must be a number between 0 and 1",
                            parts[i]);
            q = mdl_skip_ws(q);
            if (*q == '*') {
                int rc = mdl_parse_factors(c, q + 1, NULL, &d->effect[i]);
                if (rc)
                    return rc;
                d->has_effects = 1;
            } else if (!mdl_at_end(q)) {
                return FAIL(c, "destination '%s': share must be a number between 0 and 1",
                            parts[i]);
            }
            d->share[i] = share;
            int rc = mdl_ref_bind(c, &d->share[i], DOM_PROBABILITY, OWNER_DEST, d);
            if (rc)
                return rc;
        } else if (n > 1) {
            return FAIL(c,
                        "destination '%s': with several destinations each needs a share "
                        "(STATE:share)",
                        parts[i]);
        }
        size_t l = strlen(parts[i]);
        while (l && isspace((unsigned char)parts[i][l - 1]))
            parts[i][--l] = '\0';
        if (!strcmp(parts[i], "out")) {
            if (!allow_out)
                return FAIL(c, "'out' is not a state here");
            d->state[i] = MDL_OUT;
        } else {
            int s = mdl_state_index(c->m, parts[i]);
            if (s < 0)
                return FAIL(c, "unknown destination state '%s'", parts[i]);
            /* a transition may move a person to another population; a placement may not */
            if (!allow_out && c->pop >= 0 && c->m->states[s].population != c->pop)
                return FAIL(c, "destination '%s' belongs to another population", parts[i]);
            d->state[i] = s;
        }
        d->share[i] = share;
        sum += share;
        d->cum[i] = sum;
    }
    if (fabs(sum - 1.0) > 1e-6)
        return FAIL(c, "shares sum to %.6g, expected 1", sum);
    d->cum[n - 1] = 1.0;
    return PC_OK;
}

int mdl_parse_args(char *inner, args *a)
{
    char *parts[8];
    int n = mdl_split_list(inner, parts, 8);
    if (n < 0)
        return -1;
    a->n = 0;
    for (int i = 0; i < n; i++) {
        if (!parts[i][0])
            continue;
        char *eq = strchr(parts[i], '=');
        a->key[a->n] = eq ? parts[i] : NULL;
        a->val[a->n] = eq ? eq + 1 + (mdl_skip_ws(eq + 1) - (eq + 1)) : parts[i];
        a->used[a->n] = 0;
        if (eq) {
            *eq = '\0';
            size_t l = strlen(parts[i]);
            while (l && isspace((unsigned char)parts[i][l - 1]))
                parts[i][--l] = '\0';
        }
        a->n++;
    }
    return a->n;
}

static int arg_duration(pctx *c, args *a, const char *name, double *out, const char *dist)
{
    for (int i = 0; i < a->n; i++)
        if (a->key[i] && !strcmp(a->key[i], name)) {
            const char *q = a->val[i];
            a->used[i] = 1;
            if (!mdl_read_duration(c, &q, out) || !mdl_at_end(q))
                return FAIL(c, "%s: %s must be a duration with a unit (e.g. 30d)", dist, name);
            return PC_OK;
        }
    return FAIL(c, "%s: missing %s=", dist, name);
}

int mdl_arg_number(pctx *c, args *a, const char *name, double *out, const char *dist)
{
    for (int i = 0; i < a->n; i++)
        if (a->key[i] && !strcmp(a->key[i], name)) {
            const char *q = a->val[i];
            a->used[i] = 1;
            if (!mdl_read_number(c, &q, out) || !mdl_at_end(q))
                return FAIL(c, "%s: %s must be a number", dist, name);
            return PC_OK;
        }
    return FAIL(c, "%s: missing %s=", dist, name);
}

int mdl_args_all_used(pctx *c, const args *a, const char *dist)
{
    for (int i = 0; i < a->n; i++)
        if (!a->used[i])
            return FAIL(c, "%s: unexpected argument '%s'", dist, a->key[i] ? a->key[i] : a->val[i]);
    return PC_OK;
}

/* mu and sigma of log(days) from the mean p[2] and sd p[3]. */
void mdl_finish_lognormal(mdl_law *law)
{
    double mean = law->p[2], sd = law->p[3];
    double s2 = log1p((sd / mean) * (sd / mean));
    law->p[0] = log(mean) - s2 / 2;
    law->p[1] = sqrt(s2);
}

int mdl_parse_after(pctx *c, const char *text, mdl_law *law)
{
    const char *p = mdl_skip_ws(text);
    const char *open = strchr(p, '(');
    const char *close = strrchr(p, ')');
    if (!open || !close || close < open || !mdl_at_end(close + 1))
        return FAIL(c, "expected after DISTRIBUTION(...) such as lognormal(mean=100d, sd=60d)");
    size_t nl = (size_t)(open - p);
    while (nl && isspace((unsigned char)p[nl - 1]))
        nl--;
    char name[32];
    if (nl == 0 || nl >= sizeof name)
        return FAIL(c, "expected a distribution name before '('");
    memcpy(name, p, nl);
    name[nl] = '\0';
    size_t il = (size_t)(close - open - 1);
    char *inner = mdl_arena_alloc(c->m, il + 1, 1);
    if (!inner)
        return OOM(c);
    memcpy(inner, open + 1, il);
    inner[il] = '\0';
    if (!strcmp(name, "empirical")) {
        const char *q = inner;
        char path[1024];
        if (mdl_read_table_ref(&q, NULL, 0, path, sizeof path) != 1 || !mdl_at_end(q))
            return FAIL(c, "empirical: expected empirical(table(FILE))");
        law->kind = MDL_AFTER_EMPIRICAL;
        return mdl_load_bins(c, path, &law->table);
    }
    args a;
    if (mdl_parse_args(inner, &a) < 0)
        return FAIL(c, "%s: too many arguments", name);
    int rc;
    if (!strcmp(name, "fixed")) {
        law->kind = MDL_AFTER_FIXED;
        const char *q = a.n == 1 && !a.key[0] ? a.val[0] : "";
        if (!mdl_read_duration(c, &q, &law->p[0]) || !mdl_at_end(q) || law->p[0] < 0)
            return FAIL(c, "fixed: expected fixed(DURATION) such as fixed(180d)");
        return mdl_ref_bind(c, &law->p[0], DOM_NONNEG, OWNER_NONE, NULL);
    }
    if (!strcmp(name, "exponential")) {
        law->kind = MDL_AFTER_EXPONENTIAL;
        if ((rc = arg_duration(c, &a, "mean", &law->p[0], name)) ||
            (rc = mdl_ref_bind(c, &law->p[0], DOM_POSITIVE, OWNER_NONE, NULL)))
            return rc;
        if (!(law->p[0] > 0))
            return FAIL(c, "exponential: mean must be > 0");
    } else if (!strcmp(name, "lognormal")) {
        law->kind = MDL_AFTER_LOGNORMAL;
        if ((rc = arg_duration(c, &a, "mean", &law->p[2], name)) ||
            (rc = mdl_ref_bind(c, &law->p[2], DOM_POSITIVE, OWNER_LOGNORMAL, law)) ||
            (rc = arg_duration(c, &a, "sd", &law->p[3], name)) ||
            (rc = mdl_ref_bind(c, &law->p[3], DOM_POSITIVE, OWNER_LOGNORMAL, law)))
            return rc;
        if (!(law->p[2] > 0) || !(law->p[3] > 0))
            return FAIL(c, "lognormal: mean and sd must be > 0");
        mdl_finish_lognormal(law);
    } else if (!strcmp(name, "gamma")) {
        law->kind = MDL_AFTER_GAMMA;
        if ((rc = mdl_arg_number(c, &a, "shape", &law->p[0], name)) ||
            (rc = mdl_ref_bind(c, &law->p[0], DOM_POSITIVE, OWNER_GAMMA, law)) ||
            (rc = arg_duration(c, &a, "mean", &law->p[2], name)) ||
            (rc = mdl_ref_bind(c, &law->p[2], DOM_POSITIVE, OWNER_GAMMA, law)))
            return rc;
        if (!(law->p[0] > 0) || !(law->p[2] > 0))
            return FAIL(c, "gamma: shape and mean must be > 0");
        law->p[1] = law->p[2] / law->p[0];
    } else if (!strcmp(name, "weibull")) {
        law->kind = MDL_AFTER_WEIBULL;
        if ((rc = mdl_arg_number(c, &a, "shape", &law->p[0], name)) ||
            (rc = mdl_ref_bind(c, &law->p[0], DOM_POSITIVE, OWNER_NONE, NULL)) ||
            (rc = arg_duration(c, &a, "scale", &law->p[1], name)) ||
            (rc = mdl_ref_bind(c, &law->p[1], DOM_POSITIVE, OWNER_NONE, NULL)))
            return rc;
        if (!(law->p[0] > 0) || !(law->p[1] > 0))
            return FAIL(c, "weibull: shape and scale must be > 0");
    } else if (!strcmp(name, "uniform")) {
        law->kind = MDL_AFTER_UNIFORM;
        if ((rc = arg_duration(c, &a, "min", &law->p[0], name)) ||
            (rc = mdl_ref_bind(c, &law->p[0], DOM_NONNEG, OWNER_UNIFORM, law)) ||
            (rc = arg_duration(c, &a, "max", &law->p[1], name)) ||
            (rc = mdl_ref_bind(c, &law->p[1], DOM_NONNEG, OWNER_UNIFORM, law)))
            return rc;
        if (!(law->p[0] >= 0) || !(law->p[1] > law->p[0]))
            return FAIL(c, "uniform: expected 0 <= min < max");
    } else {
        return FAIL(c,
                    "unknown distribution '%s' (fixed, exponential, lognormal, gamma, weibull, "
                    "uniform, empirical)",
                    name);
    }
    return mdl_args_all_used(c, &a, name);
}

static int parse_clock(pctx *c, const char *word, mdl_clock *clock)
{
    if (!strcmp(word, "state"))
        *clock = MDL_CLOCK_STATE;
    else if (!strcmp(word, "entry"))
        *clock = MDL_CLOCK_ENTRY;
    else
        return FAIL(c, "clock '%s': expected 'state' or 'entry'", word);
    return PC_OK;
}

static int parse_hazard_law(pctx *c, const char *text, mdl_law *law)
{
    const char *p = mdl_skip_ws(text);
    char clock[32], path[1024];
    int tr = mdl_read_table_ref(&p, clock, sizeof clock, path, sizeof path);
    if (tr < 0)
        return FAIL(c, "malformed table(CLOCK; FILE)");
    if (tr > 0) {
        if (!mdl_at_end(p))
            return FAIL(c, "unexpected text after table(...)");
        law->kind = MDL_HAZARD_PIECEWISE;
        int rc = parse_clock(c, clock[0] ? clock : "state", &law->clock);
        return rc ? rc : load_hazard_table(c, path, &law->table);
    }
    if (!strncmp(p, "piecewise(", 10)) {
        p += 10;
        const char *semi = strchr(p, ';');
        const char *close = strchr(p, ')');
        if (!semi || !close || semi > close)
            return FAIL(c, "expected piecewise(CLOCK; 0m:RATE, 6m:RATE, ...)/UNIT");
        size_t l = (size_t)(semi - p);
        while (l && isspace((unsigned char)p[l - 1]))
            l--;
        const char *w = mdl_skip_ws(p);
        l -= (size_t)(w - p);
        if (l >= sizeof clock)
            return FAIL(c, "piecewise: unknown clock");
        memcpy(clock, w, l);
        clock[l] = '\0';
        int rc = parse_clock(c, clock, &law->clock);
        if (rc)
            return rc;
        size_t il = (size_t)(close - semi - 1);
        char *inner = mdl_arena_alloc(c->m, il + 1, 1);
        if (!inner)
            return OOM(c);
        memcpy(inner, semi + 1, il);
        inner[il] = '\0';
        const char *q = close + 1;
        q = mdl_skip_ws(q);
        double u;
        if (*q != '/' || (q++, (u = read_unit(&q)) == 0.0) || !mdl_at_end(q))
            return FAIL(c, "piecewise(...) must be followed by a rate unit such as /m");
        char *parts[MAX_PARTS];
        int n = mdl_split_list(inner, parts, MAX_PARTS);
        if (n <= 0)
            return FAIL(c, "piecewise: expected at least one piece T:RATE");
        law->kind = MDL_HAZARD_PIECEWISE;
        mdl_table *t = &law->table;
        t->n = (size_t)n;
        t->x = mdl_arena_alloc(c->m, t->n, sizeof(double));
        t->y = mdl_arena_alloc(c->m, t->n, sizeof(double));
        if (!t->x || !t->y)
            return OOM(c);
        for (int i = 0; i < n; i++) {
            const char *r = parts[i];
            if (!mdl_read_duration(c, &r, &t->x[i]) || *mdl_skip_ws(r) != ':')
                return FAIL(c, "piecewise piece '%s': expected DURATION:RATE such as 6m:0.04",
                            parts[i]);
            if ((rc = mdl_ref_bind(c, &t->x[i], DOM_NONNEG, OWNER_PIECEWISE, t)))
                return rc;
            r = mdl_skip_ws(r) + 1;
            if (!mdl_read_number(c, &r, &t->y[i]) || !mdl_at_end(r))
                return FAIL(c, "piecewise piece '%s': expected DURATION:RATE such as 6m:0.04",
                            parts[i]);
            t->y[i] /= u;
            c->div = u;
            if ((rc = mdl_ref_bind(c, &t->y[i], DOM_HAZARD, OWNER_PIECEWISE, t)))
                return rc;
        }
        return finish_piecewise(c, t);
    }
    law->kind = MDL_HAZARD_CONST;
    law->clock = MDL_CLOCK_STATE;
    if (!read_rate(c, &p, &law->p[0]) || !mdl_at_end(p))
        return FAIL(c, "expected a hazard rate with a unit (e.g. 0.012/m), piecewise(...)/UNIT "
                       "or table(CLOCK; FILE)");
    int rc = mdl_ref_bind(c, &law->p[0], DOM_HAZARD, OWNER_NONE, NULL);
    if (rc)
        return rc;
    if (!(law->p[0] >= 0) || law->p[0] > MDL_MAX_HAZARD)
        return FAIL(c, "hazard rate must be from 0 to %g/d (%g/m)", MDL_MAX_HAZARD,
                    MDL_MAX_HAZARD * MDL_DAYS_PER_MONTH);
    return PC_OK;
}

/* A hazard, then "* DRIVER[^POWER] * ..." if the rate is multiplied by drivers. */
static int parse_hazard(pctx *c, const char *text, mdl_law *law)
{
    int depth = 0;
    for (const char *q = text; *q; q++) {
        depth += (*q == '(') - (*q == ')');
        if (*q == '*' && depth == 0) {
            size_t l = (size_t)(q - text);
            char *law_text = mdl_arena_alloc(c->m, l + 1, 1);
            if (!law_text)
                return OOM(c);
            memcpy(law_text, text, l);
            int rc = parse_hazard_law(c, law_text, law);
            return rc ? rc : mdl_parse_factors(c, q + 1, &law->modulation, &law->effect);
        }
    }
    return parse_hazard_law(c, text, law);
}

/* "[with P] hazard RATE -> DEST" or "[with P] after DIST -> DEST". */
int mdl_parse_transition(pctx *c, const char *value, mdl_version *v)
{
    v->present = 1;
    v->text = mdl_arena_strdup(c->m, value);
    v->file = mdl_arena_strdup(c->m, c->e->file);
    v->line = c->e->line;
    if (!v->text || !v->file)
        return OOM(c);
    const char *arrow = strstr(value, "->");
    if (!arrow)
        return FAIL(c, "expected 'hazard RATE -> DESTINATION' or 'after DISTRIBUTION -> "
                       "DESTINATION'");
    if (strstr(arrow + 2, "->"))
        return FAIL(c, "more than one '->'");
    size_t ll = (size_t)(arrow - value);
    char *law_text = mdl_arena_alloc(c->m, ll + 1, 1);
    if (!law_text)
        return OOM(c);
    memcpy(law_text, value, ll);
    law_text[ll] = '\0';
    const char *p = mdl_skip_ws(law_text);
    v->law.probability = 1.0;
    v->law.modulation = v->law.effect = v->law.prob_effect = -1;
    if (!strncmp(p, "with", 4) && isspace((unsigned char)p[4])) {
        p += 4;
        if (!mdl_read_number(c, &p, &v->law.probability) || v->law.probability < 0 ||
            v->law.probability > 1)
            return FAIL(c, "'with P': P must be a probability between 0 and 1");
        p = mdl_skip_ws(p);
        if (*p == '*') {
            /* "with 0.4 * age(plus_50: 0.5) after ...": factors up to the law's keyword */
            const char *law_at = NULL;
            for (const char *q = p; *q && !law_at; q++)
                if ((!strncmp(q, " after", 6) || !strncmp(q, " hazard", 7)) &&
                    isspace((unsigned char)q[q[1] == 'a' ? 6 : 7]))
                    law_at = q;
            if (!law_at)
                return FAIL(c, "'with P * FACTORS' must be followed by 'after' or 'hazard'");
            size_t fl = (size_t)(law_at - p - 1);
            char *factors = mdl_arena_alloc(c->m, fl + 1, 1);
            if (!factors)
                return OOM(c);
            memcpy(factors, p + 1, fl);
            int rc = mdl_parse_factors(c, factors, NULL, &v->law.prob_effect);
            if (rc)
                return rc;
            p = law_at;
        }
        int rc = mdl_ref_bind(c, &v->law.probability, DOM_PROBABILITY, OWNER_NONE, NULL);
        if (rc)
            return rc;
        p = mdl_skip_ws(p);
    }
    int rc;
    if (!strncmp(p, "hazard", 6) && isspace((unsigned char)p[6]))
        rc = parse_hazard(c, p + 6, &v->law);
    else if (!strncmp(p, "after", 5) && isspace((unsigned char)p[5]))
        rc = mdl_parse_after(c, p + 5, &v->law);
    else
        return FAIL(c, "expected 'hazard' or 'after' (optionally preceded by 'with P')");
    if (rc)
        return rc;
    return mdl_parse_dest(c, arrow + 2, 1, &v->dest);
}
