/* mdl — validating and resolving a merged document into an immutable model.
 *
 * Two passes: the first collects the names of populations, states, resources,
 * staff and funders (so that any key may refer to any of them), the second
 * parses every value.  Every allocation of the model comes from one arena,
 * freed whole by mdl_free, so a half-built model unwinds in one call.  Every
 * error names the file, the line and the key, and says what was expected. */
#include "mdl.h"

#include <assert.h>
#include <ctype.h>
#include <gsl/gsl_cdf.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

/* ---- arena --------------------------------------------------------------- */

struct mdl_arena {
    struct mdl_arena *next;
    size_t used, size;
    max_align_t data[];
};

static void *arena_alloc(mdl_model *m, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size / 2)
        return NULL;
    size_t bytes = n * size;
    bytes = (bytes + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (bytes == 0)
        bytes = sizeof(max_align_t);
    struct mdl_arena *a = m->arena;
    if (!a || a->size - a->used < bytes) {
        size_t want = bytes > 65536 ? bytes : 65536;
        a = malloc(sizeof *a + want);
        if (!a)
            return NULL;
        a->size = want;
        a->used = 0;
        a->next = m->arena;
        m->arena = a;
    }
    void *p = (char *)a->data + a->used;
    a->used += bytes;
    memset(p, 0, bytes);
    return p;
}

static char *arena_strdup(mdl_model *m, const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = arena_alloc(m, len, 1);
    if (p)
        memcpy(p, s, len);
    return p;
}

void mdl_free(mdl_model *m)
{
    if (!m)
        return;
    struct mdl_arena *a = m->arena;
    while (a) {
        struct mdl_arena *next = a->next;
        free(a);
        a = next;
    }
    if (!m->base)
        cfg_doc_free(m->doc);
    free(m);
}

/* ---- parsing context ----------------------------------------------------- */

typedef struct {
    mdl_model *m;
    pc_err *err;
    const cfg_entry *e; /* entry being parsed, for messages */
    int pop;            /* population of the state being parsed, or -1 */
    int ref;            /* 1 + the parameter the last number read refers to, 0 if none */
    double mul, div;    /* that number's conversion to its slot: value * mul / div */
    char ref_msg[700];  /* why a $ reference could not be read, if it could not */
    int no_refs;        /* numbers only: no $ reference here */
} pctx;

static int fail_here(pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An input error at the entry being parsed; a bad $ reference explains itself. */
static int fail_here(pctx *c, const char *fmt, ...)
{
    if (c->ref_msg[0])
        return pc_fail_at(c->err, c->e->file, c->e->line, c->e->key, "%s", c->ref_msg);
    char what[PC_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return pc_fail_at(c->err, c->e->file, c->e->line, c->e->key, "%s", what);
}

#define FAIL(c, ...) fail_here((c), __VA_ARGS__)
#define OOM(c)       pc_fail((c)->err, PC_EINTERNAL, "out of memory")

uint32_t mdl_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static const char *skip_ws(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int at_end(const char *p)
{
    return *skip_ws(p) == '\0';
}

/* Reads a finite number written in decimal at *pp. */
static int read_plain(const char **pp, double *out)
{
    const char *p = skip_ws(*pp);
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
 * reference is then left in c->ref for the caller to bind to the slot the number
 * goes to (bind) or to refuse if the slot cannot vary (fixed_only). */
static int read_number(pctx *c, const char **pp, double *out)
{
    const char *p = skip_ws(*pp);
    if (!c || c->no_refs || *p != '$')
        return read_plain(pp, out);
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
    const char *p = skip_ws(*pp);
    double d = unit_days(*p);
    if (d > 0 && !isalpha((unsigned char)p[1])) {
        *pp = p + 1;
        return d;
    }
    return 0.0;
}

/* A duration in days: NUMBER followed by a unit d, w, m or y (c may be NULL). */
static int read_duration(pctx *c, const char **pp, double *days)
{
    const char *p = *pp;
    double v, u;
    if (!read_number(c, &p, &v) || (u = read_unit(&p)) == 0.0)
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
    if (!read_number(c, &p, &v))
        return 0;
    p = skip_ws(p);
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

static int read_date(const char **pp, int *year, int *month)
{
    const char *p = skip_ws(*pp);
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

double mdl_day_of(const mdl_model *m, int year, int month)
{
    return ((year - m->start_year) * 12 + (month - m->start_month)) * MDL_DAYS_PER_MONTH;
}

void mdl_month_of(const mdl_model *m, int k, int *year, int *month)
{
    int idx = m->start_year * 12 + (m->start_month - 1) + k;
    *year = idx / 12;
    *month = idx % 12 + 1;
}

/* Splits s at top-level commas (not inside parentheses) into at most max parts,
 * trimmed, written into buf (modified copy).  Returns the count, or -1. */
static int split_list(char *s, char **parts, int max)
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
            char *a = start + (skip_ws(start) - start);
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

#define MAX_PARTS 256

static int is_yes(const char *v, int *out)
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

/* ---- bindings: where parameters go --------------------------------------------- */

/* What a slot accepts, on the value it holds (after unit conversion). */
typedef enum {
    DOM_NONNEG,      /* >= 0 */
    DOM_POSITIVE,    /* > 0 */
    DOM_PROBABILITY, /* in [0, 1] */
    DOM_COUNT,       /* a whole number >= 0 */
    DOM_OVERDISPERSION /* in [0, 10] */,
    DOM_YEARLY_RATE, /* in (-1, 1] (a yearly indexation rate, as a fraction) */
    DOM_WARMUP,      /* in [0, 100 years] */
} dom_kind;

/* What depends on a slot and is recomputed when it changes. */
typedef enum {
    OWNER_NONE,
    OWNER_LOGNORMAL, /* mdl_law: mu and sigma from mean p[2] and sd p[3] */
    OWNER_GAMMA,     /* mdl_law: scale p[1] from shape p[0] and mean p[2] */
    OWNER_UNIFORM,   /* mdl_law: min p[0] < max p[1] */
    OWNER_PIECEWISE, /* mdl_table: increasing starts from 0, cumulative hazard */
    OWNER_DEST,      /* mdl_dest: cumulative shares, renormalised */
} owner_kind;

struct mdl_binding {
    int param;
    double *slot;    /* the number the parameter feeds ... */
    long *slot_long; /* ... or a whole number; both NULL once the slot was dropped */
    double mul, div; /* slot = value * mul / div, in the order the parser computes it */
    dom_kind domain;
    owner_kind owner_kind;
    void *owner;
    const char *file, *key; /* where the reference is written */
    int line;
};

static const char *domain_text(dom_kind d)
{
    switch (d) {
    case DOM_NONNEG:
        return "a value >= 0";
    case DOM_POSITIVE:
        return "a value > 0";
    case DOM_PROBABILITY:
        return "a share or probability between 0 and 1";
    case DOM_COUNT:
        return "a whole number >= 0";
    case DOM_OVERDISPERSION:
        return "a coefficient of variation between 0 and 10";
    case DOM_YEARLY_RATE:
        return "a yearly rate above -100 % and at most 100 %";
    case DOM_WARMUP:
        return "a duration from 0 to 100 years";
    }
    return "?";
}

static int in_domain(dom_kind d, double v)
{
    switch (d) {
    case DOM_NONNEG:
        return v >= 0 && isfinite(v);
    case DOM_POSITIVE:
        return v > 0 && isfinite(v);
    case DOM_PROBABILITY:
        return v >= 0 && v <= 1;
    case DOM_COUNT:
        return v >= 0 && v <= 1e8 && v == floor(v);
    case DOM_OVERDISPERSION:
        return v >= 0 && v <= 10;
    case DOM_YEARLY_RATE:
        return v > -1 && v <= 1;
    case DOM_WARMUP:
        return v >= 0 && v <= 100 * MDL_DAYS_PER_YEAR;
    }
    return 0;
}

static double slot_value(const mdl_binding *b, double value)
{
    return value * b->mul / b->div;
}

static mdl_binding *new_binding(pctx *c)
{
    mdl_model *m = c->m;
    if (m->n_bindings == m->cap_bindings) {
        size_t cap = m->cap_bindings ? 2 * m->cap_bindings : 16;
        mdl_binding *bigger = arena_alloc(m, cap, sizeof *bigger);
        if (!bigger)
            return NULL;
        if (m->n_bindings)
            memcpy(bigger, m->bindings, m->n_bindings * sizeof *bigger);
        m->bindings = bigger;
        m->cap_bindings = cap;
    }
    mdl_binding *b = &m->bindings[m->n_bindings++];
    b->file = arena_strdup(m, c->e->file);
    b->key = arena_strdup(m, c->e->key);
    b->line = c->e->line;
    return b->file && b->key ? b : NULL;
}

/* Records that the number just read (if it was a $ reference) feeds slot. */
static int bind_slot(pctx *c, double *slot, long *slot_long, dom_kind domain, owner_kind ok,
                     void *owner)
{
    if (!c->ref)
        return PC_OK;
    mdl_binding *b = new_binding(c);
    if (!b)
        return OOM(c);
    b->param = c->ref - 1;
    b->slot = slot;
    b->slot_long = slot_long;
    b->mul = c->mul;
    b->div = c->div;
    b->domain = domain;
    b->owner_kind = ok;
    b->owner = owner;
    c->ref = 0;
    return PC_OK;
}

static int bind(pctx *c, double *slot, dom_kind domain, owner_kind ok, void *owner)
{
    return bind_slot(c, slot, NULL, domain, ok, owner);
}

/* The number just read goes to a slot that cannot change between replications. */
static int fixed_only(pctx *c, const char *what)
{
    if (!c->ref)
        return PC_OK;
    const mdl_param *p = &c->m->params[c->ref - 1];
    c->ref = 0;
    if (p->law != MDL_PARAM_FIXED)
        return FAIL(c,
                    "parameter %s is uncertain, but %s cannot change from one replication to "
                    "the next",
                    p->name, what);
    return PC_OK;
}

/* dst is a copy of src: whatever feeds src feeds dst too. */
static int bind_copy(pctx *c, double *dst, const double *src)
{
    mdl_model *m = c->m;
    for (size_t i = 0, n = m->n_bindings; i < n; i++) {
        if (m->bindings[i].slot != src)
            continue;
        mdl_binding copy = m->bindings[i];
        mdl_binding *b = new_binding(c);
        if (!b)
            return OOM(c);
        *b = copy;
        b->slot = dst;
    }
    return PC_OK;
}

/* Values moved from old[0..n) to new[0..keep); those from old[keep..n) were dropped. */
static void rebind_moved(mdl_model *m, const double *old, size_t n, double *moved, size_t keep)
{
    for (size_t i = 0; i < m->n_bindings; i++) {
        mdl_binding *b = &m->bindings[i];
        if (!b->slot || b->slot < old || b->slot >= old + n)
            continue;
        size_t k = (size_t)(b->slot - old);
        b->slot = k < keep ? moved + k : NULL;
    }
}

/* ---- tables ----------------------------------------------------------------- */

/* If *pp starts with "table(", reads "[CLOCK;] PATH)" and returns 1 (path into buf). */
static int read_table_ref(const char **pp, char *clock, size_t clock_size, char *buf, size_t size)
{
    const char *p = skip_ws(*pp);
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
    p = skip_ws(p);
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
static int load_table(pctx *c, const char *path, const char *col1, const char *col2,
                      cfg_table **out)
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
static int load_bins(pctx *c, const char *path, mdl_table *t)
{
    cfg_table *csv;
    int rc = load_table(c, path, "upper", "weight", &csv);
    if (rc)
        return rc;
    size_t n = csv->n_rows - 1;
    t->n = n;
    t->x = arena_alloc(c->m, n, sizeof(double));
    t->y = arena_alloc(c->m, n, sizeof(double));
    if (!t->x || !t->y) {
        cfg_table_free(csv);
        return OOM(c);
    }
    double total = 0, prev = 0;
    for (size_t i = 0; i < n; i++) {
        const cfg_row *r = &csv->rows[i + 1];
        const char *p = r->fields[0];
        double up, w;
        if (!read_duration(NULL, &p, &up) || !at_end(p) || up <= prev) {
            rc = FAIL(c,
                      "table %s:%d: upper: expected a duration greater than the previous "
                      "one (e.g. 6m)",
                      path, r->line);
            break;
        }
        p = r->fields[1];
        if (!read_plain(&p, &w) || !at_end(p) || w < 0) {
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
    t->cum = arena_alloc(c->m, t->n, sizeof(double));
    if (!t->cum)
        return OOM(c);
    t->cum[0] = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0 && t->x[i] <= t->x[i - 1])
            return FAIL(c, "piecewise hazard: piece starts must increase");
        if (!(t->y[i] >= 0))
            return FAIL(c, "piecewise hazard: rates must be >= 0");
        if (i > 0)
            t->cum[i] = t->cum[i - 1] + t->y[i - 1] * (t->x[i] - t->x[i - 1]);
    }
    return PC_OK;
}

static int load_hazard_table(pctx *c, const char *path, mdl_table *t)
{
    cfg_table *csv;
    int rc = load_table(c, path, "from", "rate", &csv);
    if (rc)
        return rc;
    size_t n = csv->n_rows - 1;
    t->n = n;
    t->x = arena_alloc(c->m, n, sizeof(double));
    t->y = arena_alloc(c->m, n, sizeof(double));
    if (!t->x || !t->y) {
        cfg_table_free(csv);
        return OOM(c);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const cfg_row *r = &csv->rows[i + 1];
        const char *p = r->fields[0];
        if (!read_duration(NULL, &p, &t->x[i]) || !at_end(p))
            rc = FAIL(c, "table %s:%d: from: expected a duration (e.g. 6m)", path, r->line);
        p = r->fields[1];
        if (!rc && (!read_rate(NULL, &p, &t->y[i]) || !at_end(p)))
            rc = FAIL(c, "table %s:%d: rate: expected a rate (e.g. 0.04/m)", path, r->line);
    }
    cfg_table_free(csv);
    return rc ? rc : finish_piecewise(c, t);
}

/* ---- schedules ------------------------------------------------------------ */

typedef enum { VAL_NUMBER, VAL_RATE, VAL_COUNT } val_kind;

/* A value of kind k (c NULL: a number as written, from a table). */
static int read_value(pctx *c, const char **pp, val_kind k, double *v)
{
    if (k == VAL_RATE)
        return read_rate(c, pp, v);
    return read_number(c, pp, v);
}

static const char *val_expected(val_kind k)
{
    return k == VAL_RATE ? "a rate with a unit (e.g. 7500/y)" : "a number";
}

static int check_value(pctx *c, val_kind k, double v, const char *where)
{
    if (v < 0 || (k == VAL_COUNT && v != floor(v)))
        return FAIL(c, "%s: expected %s >= 0", where,
                    k == VAL_COUNT ? "a whole number" : "a value");
    return PC_OK;
}

/* "V", "YYYY-MM:V, YYYY-MM:V" or table(FILE) with columns date,col.
 * before_first: value before the first date (NAN: the first value).  A value
 * given by a parameter is bound with the domain dom. */
static int parse_schedule(pctx *c, const char *value, val_kind k, dom_kind dom, const char *col,
                          double before_first, mdl_schedule *s)
{
    const char *p = value;
    char path[1024];
    int tr = read_table_ref(&p, NULL, 0, path, sizeof path);
    if (tr < 0)
        return FAIL(c, "malformed table(FILE)");
    if (tr > 0) {
        if (!at_end(p))
            return FAIL(c, "unexpected text after table(...)");
        cfg_table *csv;
        int rc = load_table(c, path, "date", col, &csv);
        if (rc)
            return rc;
        s->n = csv->n_rows - 1;
        s->from = arena_alloc(c->m, s->n, sizeof(double));
        s->value = arena_alloc(c->m, s->n, sizeof(double));
        for (size_t i = 0; !rc && i < s->n; i++) {
            const cfg_row *r = &csv->rows[i + 1];
            int y, mo;
            const char *q = r->fields[0];
            if (!s->from || !s->value)
                rc = OOM(c);
            else if (!read_date(&q, &y, &mo) || !at_end(q))
                rc = FAIL(c, "table %s:%d: date: expected YYYY-MM", path, r->line);
            else if ((s->from[i] = mdl_day_of(c->m, y, mo)), i > 0 && s->from[i] <= s->from[i - 1])
                rc = FAIL(c, "table %s:%d: dates must increase", path, r->line);
            q = r->fields[1];
            if (!rc && (!read_value(NULL, &q, k, &s->value[i]) || !at_end(q)))
                rc = FAIL(c, "table %s:%d: %s: expected %s", path, r->line, col, val_expected(k));
            if (!rc)
                rc = check_value(c, k, s->value[i], col);
        }
        cfg_table_free(csv);
        if (rc)
            return rc;
        s->before = isnan(before_first) ? s->value[0] : before_first;
        return PC_OK;
    }
    char *copy = arena_strdup(c->m, value);
    char *parts[MAX_PARTS];
    if (!copy)
        return OOM(c);
    int n = split_list(copy, parts, MAX_PARTS);
    if (n <= 0)
        return FAIL(c, "expected %s or a dated schedule YYYY-MM:value, ...", val_expected(k));
    if (n == 1 && !strchr(parts[0], ':')) {
        const char *q = parts[0];
        double v;
        if (!read_value(c, &q, k, &v) || !at_end(q))
            return FAIL(c, "expected %s or a dated schedule YYYY-MM:value, ...", val_expected(k));
        s->n = 0;
        s->before = v;
        int rc = bind(c, &s->before, dom, OWNER_NONE, NULL);
        return rc ? rc : check_value(c, k, v, "value");
    }
    s->n = (size_t)n;
    s->from = arena_alloc(c->m, s->n, sizeof(double));
    s->value = arena_alloc(c->m, s->n, sizeof(double));
    if (!s->from || !s->value)
        return OOM(c);
    for (int i = 0; i < n; i++) {
        const char *q = parts[i];
        int y, mo;
        if (!read_date(&q, &y, &mo) || *skip_ws(q) != ':')
            return FAIL(c, "schedule item '%s': expected YYYY-MM:value", parts[i]);
        q = skip_ws(q) + 1;
        if (!read_value(c, &q, k, &s->value[i]) || !at_end(q))
            return FAIL(c, "schedule item '%s': expected %s after the date", parts[i],
                        val_expected(k));
        int rc = bind(c, &s->value[i], dom, OWNER_NONE, NULL);
        if (!rc)
            rc = check_value(c, k, s->value[i], parts[i]);
        if (rc)
            return rc;
        s->from[i] = mdl_day_of(c->m, y, mo);
        if (i > 0 && s->from[i] <= s->from[i - 1])
            return FAIL(c, "schedule dates must increase ('%s' is not after the previous date)",
                        parts[i]);
    }
    s->before = isnan(before_first) ? s->value[0] : before_first;
    return isnan(before_first) ? bind_copy(c, &s->before, &s->value[0]) : PC_OK;
}

double mdl_schedule_at(const mdl_schedule *s, double t)
{
    double v = s->before;
    for (size_t i = 0; i < s->n && s->from[i] <= t; i++)
        v = s->value[i];
    return v;
}

/* Sets the value v from day `from` on: later steps of the schedule are dropped. */
static int schedule_set_from(mdl_model *m, mdl_schedule *s, double from, double v)
{
    size_t keep = 0;
    while (keep < s->n && s->from[keep] < from)
        keep++;
    if (s->n == 0)
        keep = 0;
    double *f = arena_alloc(m, keep + 1, sizeof(double));
    double *val = arena_alloc(m, keep + 1, sizeof(double));
    if (!f || !val)
        return PC_EINTERNAL;
    for (size_t i = 0; i < keep; i++) {
        f[i] = s->from[i];
        val[i] = s->value[i];
    }
    f[keep] = from;
    val[keep] = v;
    rebind_moved(m, s->value, s->n, val, keep);
    s->from = f;
    s->value = val;
    s->n = keep + 1;
    return PC_OK;
}

/* ---- destinations and transitions ----------------------------------------- */

static int parse_dest(pctx *c, const char *text, int allow_out, mdl_dest *d)
{
    char *copy = arena_strdup(c->m, text);
    char *parts[MAX_PARTS];
    if (!copy)
        return OOM(c);
    int n = split_list(copy, parts, MAX_PARTS);
    if (n <= 0 || !parts[0][0])
        return FAIL(c, "expected a destination: STATE, out, or STATE:share, ...");
    d->n = (size_t)n;
    d->state = arena_alloc(c->m, d->n, sizeof(int));
    d->share = arena_alloc(c->m, d->n, sizeof(double));
    d->cum = arena_alloc(c->m, d->n, sizeof(double));
    if (!d->state || !d->share || !d->cum)
        return OOM(c);
    double sum = 0;
    for (int i = 0; i < n; i++) {
        char *colon = strchr(parts[i], ':');
        double share = 1.0;
        if (colon) {
            *colon = '\0';
            const char *q = colon + 1;
            if (!read_number(c, &q, &share) || !at_end(q) || share < 0 || share > 1)
                return FAIL(c, "destination '%s': share must be a number between 0 and 1",
                            parts[i]);
            d->share[i] = share;
            int rc = bind(c, &d->share[i], DOM_PROBABILITY, OWNER_DEST, d);
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
            if (c->pop >= 0 && c->m->states[s].population != c->pop)
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

/* Arguments "k=v, k=v" of a distribution: returns the text of key, or NULL. */
typedef struct {
    int n;
    char *key[8];
    char *val[8];
    int used[8];
} args;

static int parse_args(char *inner, args *a)
{
    char *parts[8];
    int n = split_list(inner, parts, 8);
    if (n < 0)
        return -1;
    a->n = 0;
    for (int i = 0; i < n; i++) {
        if (!parts[i][0])
            continue;
        char *eq = strchr(parts[i], '=');
        a->key[a->n] = eq ? parts[i] : NULL;
        a->val[a->n] = eq ? eq + 1 + (skip_ws(eq + 1) - (eq + 1)) : parts[i];
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
            if (!read_duration(c, &q, out) || !at_end(q))
                return FAIL(c, "%s: %s must be a duration with a unit (e.g. 30d)", dist, name);
            return PC_OK;
        }
    return FAIL(c, "%s: missing %s=", dist, name);
}

static int arg_number(pctx *c, args *a, const char *name, double *out, const char *dist)
{
    for (int i = 0; i < a->n; i++)
        if (a->key[i] && !strcmp(a->key[i], name)) {
            const char *q = a->val[i];
            a->used[i] = 1;
            if (!read_number(c, &q, out) || !at_end(q))
                return FAIL(c, "%s: %s must be a number", dist, name);
            return PC_OK;
        }
    return FAIL(c, "%s: missing %s=", dist, name);
}

static int args_all_used(pctx *c, const args *a, const char *dist)
{
    for (int i = 0; i < a->n; i++)
        if (!a->used[i])
            return FAIL(c, "%s: unexpected argument '%s'", dist, a->key[i] ? a->key[i] : a->val[i]);
    return PC_OK;
}

/* mu and sigma of log(days) from the mean p[2] and sd p[3]. */
static void finish_lognormal(mdl_law *law)
{
    double mean = law->p[2], sd = law->p[3];
    double s2 = log1p((sd / mean) * (sd / mean));
    law->p[0] = log(mean) - s2 / 2;
    law->p[1] = sqrt(s2);
}

static int parse_after(pctx *c, const char *text, mdl_law *law)
{
    const char *p = skip_ws(text);
    const char *open = strchr(p, '(');
    const char *close = strrchr(p, ')');
    if (!open || !close || close < open || !at_end(close + 1))
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
    char *inner = arena_alloc(c->m, il + 1, 1);
    if (!inner)
        return OOM(c);
    memcpy(inner, open + 1, il);
    inner[il] = '\0';
    if (!strcmp(name, "empirical")) {
        const char *q = inner;
        char path[1024];
        if (read_table_ref(&q, NULL, 0, path, sizeof path) != 1 || !at_end(q))
            return FAIL(c, "empirical: expected empirical(table(FILE))");
        law->kind = MDL_AFTER_EMPIRICAL;
        return load_bins(c, path, &law->table);
    }
    args a;
    if (parse_args(inner, &a) < 0)
        return FAIL(c, "%s: too many arguments", name);
    int rc;
    if (!strcmp(name, "fixed")) {
        law->kind = MDL_AFTER_FIXED;
        const char *q = a.n == 1 && !a.key[0] ? a.val[0] : "";
        if (!read_duration(c, &q, &law->p[0]) || !at_end(q) || law->p[0] < 0)
            return FAIL(c, "fixed: expected fixed(DURATION) such as fixed(180d)");
        return bind(c, &law->p[0], DOM_NONNEG, OWNER_NONE, NULL);
    }
    if (!strcmp(name, "exponential")) {
        law->kind = MDL_AFTER_EXPONENTIAL;
        if ((rc = arg_duration(c, &a, "mean", &law->p[0], name)) ||
            (rc = bind(c, &law->p[0], DOM_POSITIVE, OWNER_NONE, NULL)))
            return rc;
        if (!(law->p[0] > 0))
            return FAIL(c, "exponential: mean must be > 0");
    } else if (!strcmp(name, "lognormal")) {
        law->kind = MDL_AFTER_LOGNORMAL;
        if ((rc = arg_duration(c, &a, "mean", &law->p[2], name)) ||
            (rc = bind(c, &law->p[2], DOM_POSITIVE, OWNER_LOGNORMAL, law)) ||
            (rc = arg_duration(c, &a, "sd", &law->p[3], name)) ||
            (rc = bind(c, &law->p[3], DOM_POSITIVE, OWNER_LOGNORMAL, law)))
            return rc;
        if (!(law->p[2] > 0) || !(law->p[3] > 0))
            return FAIL(c, "lognormal: mean and sd must be > 0");
        finish_lognormal(law);
    } else if (!strcmp(name, "gamma")) {
        law->kind = MDL_AFTER_GAMMA;
        if ((rc = arg_number(c, &a, "shape", &law->p[0], name)) ||
            (rc = bind(c, &law->p[0], DOM_POSITIVE, OWNER_GAMMA, law)) ||
            (rc = arg_duration(c, &a, "mean", &law->p[2], name)) ||
            (rc = bind(c, &law->p[2], DOM_POSITIVE, OWNER_GAMMA, law)))
            return rc;
        if (!(law->p[0] > 0) || !(law->p[2] > 0))
            return FAIL(c, "gamma: shape and mean must be > 0");
        law->p[1] = law->p[2] / law->p[0];
    } else if (!strcmp(name, "weibull")) {
        law->kind = MDL_AFTER_WEIBULL;
        if ((rc = arg_number(c, &a, "shape", &law->p[0], name)) ||
            (rc = bind(c, &law->p[0], DOM_POSITIVE, OWNER_NONE, NULL)) ||
            (rc = arg_duration(c, &a, "scale", &law->p[1], name)) ||
            (rc = bind(c, &law->p[1], DOM_POSITIVE, OWNER_NONE, NULL)))
            return rc;
        if (!(law->p[0] > 0) || !(law->p[1] > 0))
            return FAIL(c, "weibull: shape and scale must be > 0");
    } else if (!strcmp(name, "uniform")) {
        law->kind = MDL_AFTER_UNIFORM;
        if ((rc = arg_duration(c, &a, "min", &law->p[0], name)) ||
            (rc = bind(c, &law->p[0], DOM_NONNEG, OWNER_UNIFORM, law)) ||
            (rc = arg_duration(c, &a, "max", &law->p[1], name)) ||
            (rc = bind(c, &law->p[1], DOM_NONNEG, OWNER_UNIFORM, law)))
            return rc;
        if (!(law->p[0] >= 0) || !(law->p[1] > law->p[0]))
            return FAIL(c, "uniform: expected 0 <= min < max");
    } else {
        return FAIL(c,
                    "unknown distribution '%s' (fixed, exponential, lognormal, gamma, weibull, "
                    "uniform, empirical)",
                    name);
    }
    return args_all_used(c, &a, name);
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

static int parse_hazard(pctx *c, const char *text, mdl_law *law)
{
    const char *p = skip_ws(text);
    char clock[32], path[1024];
    int tr = read_table_ref(&p, clock, sizeof clock, path, sizeof path);
    if (tr < 0)
        return FAIL(c, "malformed table(CLOCK; FILE)");
    if (tr > 0) {
        if (!at_end(p))
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
        const char *w = skip_ws(p);
        l -= (size_t)(w - p);
        if (l >= sizeof clock)
            return FAIL(c, "piecewise: unknown clock");
        memcpy(clock, w, l);
        clock[l] = '\0';
        int rc = parse_clock(c, clock, &law->clock);
        if (rc)
            return rc;
        size_t il = (size_t)(close - semi - 1);
        char *inner = arena_alloc(c->m, il + 1, 1);
        if (!inner)
            return OOM(c);
        memcpy(inner, semi + 1, il);
        inner[il] = '\0';
        const char *q = close + 1;
        q = skip_ws(q);
        double u;
        if (*q != '/' || (q++, (u = read_unit(&q)) == 0.0) || !at_end(q))
            return FAIL(c, "piecewise(...) must be followed by a rate unit such as /m");
        char *parts[MAX_PARTS];
        int n = split_list(inner, parts, MAX_PARTS);
        if (n <= 0)
            return FAIL(c, "piecewise: expected at least one piece T:RATE");
        law->kind = MDL_HAZARD_PIECEWISE;
        mdl_table *t = &law->table;
        t->n = (size_t)n;
        t->x = arena_alloc(c->m, t->n, sizeof(double));
        t->y = arena_alloc(c->m, t->n, sizeof(double));
        if (!t->x || !t->y)
            return OOM(c);
        for (int i = 0; i < n; i++) {
            const char *r = parts[i];
            if (!read_duration(c, &r, &t->x[i]) || *skip_ws(r) != ':')
                return FAIL(c, "piecewise piece '%s': expected DURATION:RATE such as 6m:0.04",
                            parts[i]);
            if ((rc = bind(c, &t->x[i], DOM_NONNEG, OWNER_PIECEWISE, t)))
                return rc;
            r = skip_ws(r) + 1;
            if (!read_number(c, &r, &t->y[i]) || !at_end(r))
                return FAIL(c, "piecewise piece '%s': expected DURATION:RATE such as 6m:0.04",
                            parts[i]);
            t->y[i] /= u;
            c->div = u;
            if ((rc = bind(c, &t->y[i], DOM_NONNEG, OWNER_PIECEWISE, t)))
                return rc;
        }
        return finish_piecewise(c, t);
    }
    law->kind = MDL_HAZARD_CONST;
    law->clock = MDL_CLOCK_STATE;
    if (!read_rate(c, &p, &law->p[0]) || !at_end(p))
        return FAIL(c, "expected a hazard rate with a unit (e.g. 0.012/m), piecewise(...)/UNIT "
                       "or table(CLOCK; FILE)");
    int rc = bind(c, &law->p[0], DOM_NONNEG, OWNER_NONE, NULL);
    if (rc)
        return rc;
    if (!(law->p[0] >= 0))
        return FAIL(c, "hazard rate must be >= 0");
    return PC_OK;
}

/* "[with P] hazard RATE -> DEST" or "[with P] after DIST -> DEST". */
static int parse_transition(pctx *c, const char *value, mdl_version *v)
{
    v->present = 1;
    v->text = arena_strdup(c->m, value);
    v->file = arena_strdup(c->m, c->e->file);
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
    char *law_text = arena_alloc(c->m, ll + 1, 1);
    if (!law_text)
        return OOM(c);
    memcpy(law_text, value, ll);
    law_text[ll] = '\0';
    const char *p = skip_ws(law_text);
    v->law.probability = 1.0;
    if (!strncmp(p, "with", 4) && isspace((unsigned char)p[4])) {
        p += 4;
        if (!read_number(c, &p, &v->law.probability) || v->law.probability < 0 ||
            v->law.probability > 1)
            return FAIL(c, "'with P': P must be a probability between 0 and 1");
        int rc = bind(c, &v->law.probability, DOM_PROBABILITY, OWNER_NONE, NULL);
        if (rc)
            return rc;
        p = skip_ws(p);
    }
    int rc;
    if (!strncmp(p, "hazard", 6) && isspace((unsigned char)p[6]))
        rc = parse_hazard(c, p + 6, &v->law);
    else if (!strncmp(p, "after", 5) && isspace((unsigned char)p[5]))
        rc = parse_after(c, p + 5, &v->law);
    else
        return FAIL(c, "expected 'hazard' or 'after' (optionally preceded by 'with P')");
    if (rc)
        return rc;
    return parse_dest(c, arrow + 2, 1, &v->dest);
}

const mdl_version *mdl_version_at(const mdl_transition *tr, double t)
{
    const mdl_version *v = &tr->versions[0];
    for (size_t i = 1; i < tr->n_versions && tr->versions[i].from <= t; i++)
        v = &tr->versions[i];
    return v;
}

/* ---- sections -------------------------------------------------------------- */

typedef enum {
    SEC_MODEL,
    SEC_SCENARIO,
    SEC_RUN,
    SEC_POP,
    SEC_STATE,
    SEC_RES,
    SEC_COST,
    SEC_STAFF,
    SEC_SET,
    SEC_PARAM,
    SEC_UNKNOWN
} sec_kind;

static sec_kind section_kind(const char *name, const char **arg)
{
    static const struct {
        const char *prefix;
        sec_kind kind;
    } kinds[] = {{"population ", SEC_POP}, {"state ", SEC_STATE}, {"resource ", SEC_RES},
                 {"cost ", SEC_COST},      {"staff ", SEC_STAFF}, {"set ", SEC_SET},
                 {"parameter ", SEC_PARAM}};
    *arg = NULL;
    if (!strcmp(name, "model"))
        return SEC_MODEL;
    if (!strcmp(name, "scenario"))
        return SEC_SCENARIO;
    if (!strcmp(name, "run"))
        return SEC_RUN;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t l = strlen(kinds[i].prefix);
        if (!strncmp(name, kinds[i].prefix, l) && name[l]) {
            *arg = name + l;
            return kinds[i].kind;
        }
    }
    return SEC_UNKNOWN;
}

static int valid_name(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* Fails on any key of sec not in the allowed list (on.* allowed when on_ok). */
static int check_keys(mdl_model *m, pc_err *err, const cfg_section *sec, const char *const *allowed,
                      int on_ok)
{
    (void)m;
    for (size_t i = 0; i < sec->n; i++) {
        const cfg_entry *e = &sec->entries[i];
        int ok = on_ok && !strncmp(e->key, "on.", 3) && valid_name(e->key + 3);
        for (const char *const *a = allowed; !ok && *a; a++)
            ok = !strcmp(e->key, *a);
        if (!ok) {
            char list[512] = "";
            for (const char *const *a = allowed; *a; a++) {
                strncat(list, *a, sizeof list - strlen(list) - 3);
                if (a[1])
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            if (on_ok)
                strncat(list, ", on.NAME", sizeof list - strlen(list) - 1);
            return pc_fail_at(err, e->file, e->line, e->key,
                              "unknown key in [%s]; expected one "
                              "of: %s",
                              sec->name, list);
        }
    }
    return PC_OK;
}

static const cfg_entry *need(pc_err *err, const cfg_section *sec, const char *key, int *rc)
{
    const cfg_entry *e = cfg_get(sec, key);
    if (!e && !*rc)
        *rc = pc_fail_at(err, sec->file, sec->line, key, "missing in [%s]", sec->name);
    return e;
}

static int parse_state_list(pctx *c, const char *value, size_t *n, int **states)
{
    char *copy = arena_strdup(c->m, value);
    char *parts[MAX_PARTS];
    if (!copy)
        return OOM(c);
    int k = split_list(copy, parts, MAX_PARTS);
    if (k <= 0 || !parts[0][0])
        return FAIL(c, "expected a comma-separated list of states");
    *states = arena_alloc(c->m, (size_t)k, sizeof(int));
    if (!*states)
        return OOM(c);
    for (int i = 0; i < k; i++) {
        int s = mdl_state_index(c->m, parts[i]);
        if (s < 0)
            return FAIL(c, "unknown state '%s'", parts[i]);
        for (int j = 0; j < i; j++)
            if ((*states)[j] == s)
                return FAIL(c, "state '%s' listed twice", parts[i]);
        (*states)[i] = s;
    }
    *n = (size_t)k;
    return PC_OK;
}

int mdl_state_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_states; i++)
        if (!strcmp(m->states[i].name, name))
            return (int)i;
    return -1;
}

int mdl_resource_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_resources; i++)
        if (!strcmp(m->resources[i].name, name))
            return (int)i;
    return -1;
}

int mdl_population_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_populations; i++)
        if (!strcmp(m->populations[i].name, name))
            return (int)i;
    return -1;
}

static int staff_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_staff; i++)
        if (!strcmp(m->staff[i].name, name))
            return (int)i;
    return -1;
}

static int funder_index(mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_funders; i++)
        if (!strcmp(m->funders[i], name))
            return (int)i;
    return -1;
}

/* A dated [set] entry. */
typedef struct {
    double day;
    const char *date;
    const cfg_entry *e;
} set_entry;

static int set_cmp(const void *a, const void *b)
{
    const set_entry *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->e < y->e ? -1 : (x->e > y->e);
}

/* ---- parameters ------------------------------------------------------------------ */

/* "state pro" -> "state.pro", "set 2019-07" -> "set.2019-07". */
static void normalise_place(const char *section, char *out, size_t size)
{
    snprintf(out, size, "%s", section);
    for (char *p = out; *p; p++)
        if (*p == ' ')
            *p = '.';
}

static int param_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || strchr("_.#-", *s)))
            return 0;
    return 1;
}

int mdl_param_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_params; i++)
        if (!strcmp(m->params[i].name, name))
            return (int)i;
    return -1;
}

double mdl_param_quantile(const mdl_param *p, double u)
{
    switch (p->law) {
    case MDL_PARAM_FIXED:
        return p->p[0];
    case MDL_PARAM_NORMAL:
        return p->p[0] + p->p[1] * gsl_cdf_ugaussian_Pinv(u);
    case MDL_PARAM_UNIFORM:
        return p->p[0] + u * (p->p[1] - p->p[0]);
    case MDL_PARAM_TRIANGULAR: {
        double a = p->p[0], c = p->p[1], b = p->p[2];
        double fc = (c - a) / (b - a);
        return u < fc ? a + sqrt(u * (b - a) * (c - a)) : b - sqrt((1 - u) * (b - a) * (b - c));
    }
    case MDL_PARAM_BETA:
        return gsl_cdf_beta_Pinv(u, p->p[0], p->p[1]);
    case MDL_PARAM_LOGNORMAL:
        return gsl_cdf_lognormal_Pinv(u, p->p[0], p->p[1]);
    }
    return NAN;
}

/* Parses "NUMBER" or "uncertain LAW(k=v, ...)" into p. */
static int parse_param_law(pctx *c, const char *text, mdl_param *p)
{
    const char *q = text;
    double v;
    if (read_plain(&q, &v) && at_end(q)) {
        p->law = MDL_PARAM_FIXED;
        p->p[0] = p->mean = v;
        return PC_OK;
    }
    q = skip_ws(text);
    if (strncmp(q, "uncertain", 9) || !isspace((unsigned char)q[9]))
        return FAIL(c, "expected a number or 'uncertain LAW(...)' (normal, uniform, triangular, "
                       "beta, lognormal)");
    q = skip_ws(q + 9);
    const char *open = strchr(q, '('), *close = strrchr(q, ')');
    if (!open || !close || close < open || !at_end(close + 1))
        return FAIL(c, "expected 'uncertain LAW(...)', e.g. uncertain normal(mean=1.4, sd=0.2)");
    char name[32];
    size_t nl = (size_t)(open - q);
    while (nl && isspace((unsigned char)q[nl - 1]))
        nl--;
    if (nl == 0 || nl >= sizeof name)
        return FAIL(c, "expected a law name before '('");
    memcpy(name, q, nl);
    name[nl] = '\0';
    size_t il = (size_t)(close - open - 1);
    char *inner = arena_alloc(c->m, il + 1, 1);
    if (!inner)
        return OOM(c);
    memcpy(inner, open + 1, il);
    inner[il] = '\0';
    args a;
    if (parse_args(inner, &a) < 0)
        return FAIL(c, "uncertain %s: too many arguments", name);
    int rc;
    double *x = p->p;
    if (!strcmp(name, "normal")) {
        p->law = MDL_PARAM_NORMAL;
        if ((rc = arg_number(c, &a, "mean", &x[0], name)) ||
            (rc = arg_number(c, &a, "sd", &x[1], name)))
            return rc;
        if (!(x[1] > 0))
            return FAIL(c, "uncertain normal: sd must be > 0");
        p->mean = x[0];
    } else if (!strcmp(name, "uniform")) {
        p->law = MDL_PARAM_UNIFORM;
        if ((rc = arg_number(c, &a, "min", &x[0], name)) ||
            (rc = arg_number(c, &a, "max", &x[1], name)))
            return rc;
        if (!(x[0] < x[1]))
            return FAIL(c, "uncertain uniform: expected min < max");
        p->mean = (x[0] + x[1]) / 2;
    } else if (!strcmp(name, "triangular")) {
        p->law = MDL_PARAM_TRIANGULAR;
        if ((rc = arg_number(c, &a, "min", &x[0], name)) ||
            (rc = arg_number(c, &a, "mode", &x[1], name)) ||
            (rc = arg_number(c, &a, "max", &x[2], name)))
            return rc;
        if (!(x[0] < x[2]) || x[1] < x[0] || x[1] > x[2])
            return FAIL(c, "uncertain triangular: expected min <= mode <= max and min < max");
        p->mean = (x[0] + x[1] + x[2]) / 3;
    } else if (!strcmp(name, "beta") || !strcmp(name, "lognormal")) {
        double mean, sd;
        if ((rc = arg_number(c, &a, "mean", &mean, name)) ||
            (rc = arg_number(c, &a, "sd", &sd, name)))
            return rc;
        if (!(sd > 0))
            return FAIL(c, "uncertain %s: sd must be > 0", name);
        p->mean = mean;
        if (name[0] == 'b') {
            p->law = MDL_PARAM_BETA;
            if (!(mean > 0 && mean < 1) || !(sd * sd < mean * (1 - mean)))
                return FAIL(c, "uncertain beta: expected 0 < mean < 1 and sd^2 < mean (1 - mean)");
            double k = mean * (1 - mean) / (sd * sd) - 1;
            x[0] = mean * k;
            x[1] = (1 - mean) * k;
        } else {
            p->law = MDL_PARAM_LOGNORMAL;
            if (!(mean > 0))
                return FAIL(c, "uncertain lognormal: mean must be > 0");
            double s2 = log1p((sd / mean) * (sd / mean));
            x[0] = log(mean) - s2 / 2;
            x[1] = sqrt(s2);
        }
    } else {
        return FAIL(c, "unknown law 'uncertain %s' (normal, uniform, triangular, beta, lognormal)",
                    name);
    }
    return args_all_used(c, &a, name);
}

/* An inline uncertain law found in a value, to become a [parameter] section. */
typedef struct {
    char name[300];
    char *law;
    const char *file;
    int line;
} inline_law;

/* Moves every inline "uncertain LAW(...)" into a [parameter PLACE] section and writes
 * $PLACE in its stead, so that the document names every parameter. */
static int extract_inline(cfg_doc *doc, pc_err *err)
{
    size_t n = 0, cap = 0;
    inline_law *found = NULL;
    int rc = PC_OK;
    for (size_t i = 0; !rc && i < doc->n; i++) {
        cfg_section *sec = &doc->sections[i];
        const char *arg;
        sec_kind kind = section_kind(sec->name, &arg);
        if (kind == SEC_PARAM || kind == SEC_RUN || kind == SEC_SCENARIO)
            continue;
        for (size_t k = 0; k < sec->n && !rc; k++) {
            cfg_entry *e = &sec->entries[k];
            int count = 0;
            char *at;
            while (!rc && (at = strstr(e->value, "uncertain")) != NULL) {
                const char *open = strchr(at, '(');
                int depth = 0;
                const char *close = NULL;
                for (const char *q = open; q && *q; q++) {
                    depth += *q == '(';
                    depth -= *q == ')';
                    if (*q == ')' && depth == 0) {
                        close = q;
                        break;
                    }
                }
                if (!open || !close) {
                    rc = pc_fail_at(err, e->file, e->line, e->key,
                                    "expected 'uncertain LAW(...)' with its closing parenthesis");
                    break;
                }
                if (n == cap) {
                    cap = cap ? cap * 2 : 8;
                    inline_law *bigger = realloc(found, cap * sizeof *bigger);
                    if (!bigger) {
                        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
                        break;
                    }
                    found = bigger;
                }
                inline_law *f = &found[n];
                char place[256];
                normalise_place(sec->name, place, sizeof place);
                ++count;
                if (count == 1)
                    snprintf(f->name, sizeof f->name, "%.200s.%.90s", place, e->key);
                else
                    snprintf(f->name, sizeof f->name, "%.200s.%.80s#%d", place, e->key, count);
                size_t ll = (size_t)(close - at) + 1;
                f->law = malloc(ll + 1);
                char *v = malloc(strlen(e->value) + strlen(f->name) + 4);
                if (!f->law || !v) {
                    free(f->law);
                    free(v);
                    rc = pc_fail(err, PC_EINTERNAL, "out of memory");
                    break;
                }
                memcpy(f->law, at, ll);
                f->law[ll] = '\0';
                f->file = e->file;
                f->line = e->line;
                n++;
                size_t before = (size_t)(at - e->value);
                memcpy(v, e->value, before);
                memcpy(v + before, "${", 2);
                strcpy(v + before + 2, f->name);
                strcat(v, "}");
                strcat(v, close + 1);
                free(e->value);
                e->value = v;
            }
        }
    }
    for (size_t i = 0; i < n && !rc; i++) {
        char sname[320];
        snprintf(sname, sizeof sname, "parameter %s", found[i].name);
        char *file = pc_strdup(found[i].file);
        cfg_section *sec = file ? cfg_add_section(doc, sname, file, found[i].line) : NULL;
        if (!sec || cfg_set(sec, "value", found[i].law, file, found[i].line))
            rc = pc_fail(err, PC_EINTERNAL, "out of memory");
        free(file);
    }
    for (size_t i = 0; i < n; i++)
        free(found[i].law);
    free(found);
    return rc;
}

/* Reads every [parameter NAME] section into m->params, each valued at its mean. */
static int collect_params(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    static const char *const keys[] = {"label", "value", NULL};
    size_t n = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const char *arg;
        n += section_kind(doc->sections[i].name, &arg) == SEC_PARAM;
    }
    m->params = arena_alloc(m, n ? n : 1, sizeof *m->params);
    if (!m->params)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    for (size_t i = 0; i < doc->n; i++) {
        const cfg_section *sec = &doc->sections[i];
        const char *arg;
        if (section_kind(sec->name, &arg) != SEC_PARAM)
            continue;
        if (!param_name_ok(arg))
            return pc_fail_at(err, sec->file, sec->line, sec->name,
                              "malformed parameter name (letters, digits, '_', '.', '#', '-')");
        int rc = check_keys(m, err, sec, keys, 0);
        const cfg_entry *e = need(err, sec, "value", &rc);
        if (rc)
            return rc;
        mdl_param *p = &m->params[m->n_params];
        /* A law moved here from another key (extract_inline) is reported under that key. */
        cfg_entry named = *e;
        const char *place = strchr(arg, '.');
        place = place ? strchr(place + 1, '.') : NULL;
        char key[300];
        if (place && sec->line == e->line && !cfg_get(sec, "label")) {
            snprintf(key, sizeof key, "%s", place + 1);
            char *hash = strchr(key, '#');
            if (hash)
                *hash = '\0';
            named.key = key;
        }
        pctx c = {.m = m, .err = err, .e = &named, .pop = -1};
        c.no_refs = 1; /* a parameter's law is written with numbers */
        p->name = arena_strdup(m, arg);
        p->text = arena_strdup(m, e->value);
        p->file = arena_strdup(m, e->file);
        const cfg_entry *label = cfg_get(sec, "label");
        p->label = arena_strdup(m, label ? label->value : arg);
        if (!p->name || !p->text || !p->file || !p->label)
            return OOM(&c);
        p->line = e->line;
        if ((rc = parse_param_law(&c, e->value, p)))
            return rc;
        char purpose[400];
        snprintf(purpose, sizeof purpose, "parameter.%s", p->name);
        p->purpose = mdl_hash(purpose);
        p->value = p->mean;
        if (!isfinite(p->value))
            return FAIL(&c, "value %g is not a finite number", p->value);
        m->n_uncertain += p->law != MDL_PARAM_FIXED;
        m->n_params++;
    }
    return PC_OK;
}

/* ---- supports, instances and binding --------------------------------------------- */

/* The values an uncertain law can take: [lo, hi], each end open or closed. */
static void param_support(const mdl_param *p, double *lo, double *hi, int *lo_open, int *hi_open)
{
    *lo_open = *hi_open = 0;
    *lo = *hi = p->value;
    switch (p->law) {
    case MDL_PARAM_FIXED:
        *lo = *hi = p->value;
        return;
    case MDL_PARAM_NORMAL:
        *lo = -INFINITY, *hi = INFINITY;
        *lo_open = *hi_open = 1;
        return;
    case MDL_PARAM_UNIFORM:
        *lo = p->p[0], *hi = p->p[1];
        return;
    case MDL_PARAM_TRIANGULAR:
        *lo = p->p[0], *hi = p->p[2];
        return;
    case MDL_PARAM_BETA:
        *lo = 0, *hi = 1;
        *lo_open = *hi_open = 1;
        return;
    case MDL_PARAM_LOGNORMAL:
        *lo = 0, *hi = INFINITY;
        *lo_open = *hi_open = 1;
        return;
    }
}

/* Does every value of [lo, hi] (ends as said) lie in the domain? */
static int support_in_domain(dom_kind d, double lo, double hi, int lo_open, int hi_open)
{
    if (d == DOM_COUNT)
        return lo == hi && in_domain(d, lo); /* a continuous law gives non-whole numbers */
    if (isinf(lo) || isinf(hi))
        return (d == DOM_NONNEG || d == DOM_POSITIVE) && !isinf(lo) && in_domain(d, lo) &&
               (d != DOM_POSITIVE || lo > 0 || lo_open);
    int lo_ok = in_domain(d, lo) || (lo_open && in_domain(d, nextafter(lo, hi)));
    int hi_ok = in_domain(d, hi) || (hi_open && in_domain(d, nextafter(hi, lo)));
    return lo_ok && hi_ok;
}

/* Every slot an uncertain parameter feeds can hold whatever the law draws. */
static int check_supports(const mdl_model *m, pc_err *err)
{
    for (size_t i = 0; i < m->n_bindings; i++) {
        const mdl_binding *b = &m->bindings[i];
        const mdl_param *p = &m->params[b->param];
        if (p->law == MDL_PARAM_FIXED || (!b->slot && !b->slot_long))
            continue;
        double lo, hi;
        int lo_open, hi_open;
        param_support(p, &lo, &hi, &lo_open, &hi_open);
        if (!support_in_domain(b->domain, slot_value(b, lo), slot_value(b, hi), lo_open, hi_open))
            return pc_fail_at(err, b->file, b->line, b->key,
                              "parameter %s (%s, %s:%d) can take values outside what this key "
                              "accepts: %s%s",
                              p->name, p->text, p->file, p->line, domain_text(b->domain),
                              p->law == MDL_PARAM_NORMAL
                                  ? " (a normal law takes any value: use lognormal, beta, "
                                    "triangular or uniform)"
                                  : "");
    }
    return PC_OK;
}

/* An instance's copy of an array, remembered so that pointers into it can be moved. */
typedef struct {
    const char *from;
    char *to;
    size_t bytes;
} moved_range;

typedef struct {
    mdl_model *inst;
    moved_range *ranges;
    size_t n, cap;
    int failed;
} cloner;

static void *clone_array(cloner *k, const void *src, size_t n, size_t size)
{
    if (!src || n == 0 || k->failed)
        return (void *)(uintptr_t)src;
    char *dst = arena_alloc(k->inst, n, size);
    if (!dst || (k->n == k->cap && !(k->ranges = realloc(k->ranges, (k->cap = 2 * k->cap + 64) *
                                                                        sizeof *k->ranges)))) {
        k->failed = 1;
        return NULL;
    }
    memcpy(dst, src, n * size);
    k->ranges[k->n++] = (moved_range){src, dst, n * size};
    return dst;
}

static void *moved(const cloner *k, const void *p)
{
    if (!p)
        return NULL;
    for (size_t i = k->n; i-- > 0;) {
        const moved_range *r = &k->ranges[i];
        if ((const char *)p >= r->from && (const char *)p < r->from + r->bytes)
            return r->to + ((const char *)p - r->from);
    }
    return NULL;
}

static void clone_schedule(cloner *k, mdl_schedule *s)
{
    s->from = clone_array(k, s->from, s->n, sizeof *s->from);
    s->value = clone_array(k, s->value, s->n, sizeof *s->value);
}

static void clone_table(cloner *k, mdl_table *t)
{
    t->x = clone_array(k, t->x, t->n, sizeof *t->x);
    t->y = clone_array(k, t->y, t->n, sizeof *t->y);
    t->cum = clone_array(k, t->cum, t->n, sizeof *t->cum);
}

static void clone_dest(cloner *k, mdl_dest *d)
{
    d->share = clone_array(k, d->share, d->n, sizeof *d->share);
    d->cum = clone_array(k, d->cum, d->n, sizeof *d->cum);
}

mdl_model *mdl_instance_alloc(const mdl_model *m)
{
    mdl_model *inst = pc_calloc(1, sizeof *inst);
    if (!inst)
        return NULL;
    *inst = *m;
    inst->arena = NULL;
    inst->base = m->base ? m->base : m;
    cloner k = {.inst = inst};
    inst->params = clone_array(&k, m->params, m->n_params, sizeof *m->params);
    inst->populations = clone_array(&k, m->populations, m->n_populations, sizeof *m->populations);
    for (size_t i = 0; !k.failed && i < m->n_populations; i++) {
        mdl_population *p = &inst->populations[i];
        clone_schedule(&k, &p->inflow);
        clone_dest(&k, &p->initial_state);
        clone_table(&k, &p->initial_seniority);
    }
    inst->states = clone_array(&k, m->states, m->n_states, sizeof *m->states);
    for (size_t s = 0; !k.failed && s < m->n_states; s++) {
        mdl_state *st = &inst->states[s];
        st->transitions =
            clone_array(&k, st->transitions, st->n_transitions, sizeof *st->transitions);
        for (size_t t = 0; !k.failed && t < st->n_transitions; t++) {
            mdl_transition *tr = &st->transitions[t];
            tr->versions = clone_array(&k, tr->versions, tr->n_versions, sizeof *tr->versions);
            for (size_t v = 0; !k.failed && v < tr->n_versions; v++) {
                clone_table(&k, &tr->versions[v].law.table);
                clone_dest(&k, &tr->versions[v].dest);
            }
        }
    }
    inst->resources = clone_array(&k, m->resources, m->n_resources, sizeof *m->resources);
    for (size_t r = 0; !k.failed && r < m->n_resources; r++)
        clone_schedule(&k, &inst->resources[r].capacity);
    inst->costs = clone_array(&k, m->costs, m->n_costs, sizeof *m->costs);
    for (size_t c = 0; !k.failed && c < m->n_costs; c++) {
        clone_schedule(&k, &inst->costs[c].amount);
        clone_schedule(&k, &inst->costs[c].index_table);
    }
    inst->staff = clone_array(&k, m->staff, m->n_staff, sizeof *m->staff);
    for (size_t s = 0; !k.failed && s < m->n_staff; s++)
        clone_schedule(&k, &inst->staff[s].caseload);
    inst->bindings = clone_array(&k, m->bindings, m->n_bindings, sizeof *m->bindings);
    for (size_t i = 0; !k.failed && i < m->n_bindings; i++) {
        mdl_binding *b = &inst->bindings[i];
        b->slot = moved(&k, b->slot);
        b->slot_long = moved(&k, b->slot_long);
        b->owner = moved(&k, b->owner);
        /* a live slot always lies in a copied array */
        assert((b->slot || b->slot_long) == (m->bindings[i].slot || m->bindings[i].slot_long));
    }
    free(k.ranges);
    if (k.failed) {
        mdl_free(inst);
        return NULL;
    }
    return inst;
}

/* Recomputes what depends on a bound slot; 0, or -1 with what is wrong in why. */
static int refinish(const mdl_binding *b, char *why, size_t size)
{
    switch (b->owner_kind) {
    case OWNER_NONE:
        return 0;
    case OWNER_LOGNORMAL:
        finish_lognormal(b->owner);
        return 0;
    case OWNER_GAMMA: {
        mdl_law *law = b->owner;
        law->p[1] = law->p[2] / law->p[0];
        return 0;
    }
    case OWNER_UNIFORM: {
        const mdl_law *law = b->owner;
        if (law->p[1] > law->p[0])
            return 0;
        snprintf(why, size, "uniform: min %g days is not below max %g days", law->p[0], law->p[1]);
        return -1;
    }
    case OWNER_PIECEWISE: {
        mdl_table *t = b->owner;
        if (t->x[0] != 0.0) {
            snprintf(why, size, "piecewise hazard: the first piece must start at 0");
            return -1;
        }
        for (size_t i = 1; i < t->n; i++) {
            if (!(t->x[i] > t->x[i - 1])) {
                snprintf(why, size, "piecewise hazard: piece starts must increase");
                return -1;
            }
            t->cum[i] = t->cum[i - 1] + t->y[i - 1] * (t->x[i] - t->x[i - 1]);
        }
        return 0;
    }
    case OWNER_DEST: {
        mdl_dest *d = b->owner;
        double sum = 0;
        for (size_t i = 0; i < d->n; i++)
            d->cum[i] = (sum += d->share[i]);
        if (!(sum > 0)) {
            snprintf(why, size, "the destination shares sum to 0");
            return -1;
        }
        /* shares that no longer sum to 1 are rescaled so that they do */
        if (fabs(sum - 1.0) > 1e-6)
            for (size_t i = 0; i < d->n; i++)
                d->cum[i] /= sum;
        d->cum[d->n - 1] = 1.0;
        return 0;
    }
    }
    return 0;
}

int mdl_bind(mdl_model *inst, const double *values, pc_err *err)
{
    assert(inst->base); /* the base model is read-only */
    for (size_t i = 0; i < inst->n_params; i++)
        inst->params[i].value = values[i];
    for (size_t i = 0; i < inst->n_bindings; i++) {
        const mdl_binding *b = &inst->bindings[i];
        if (!b->slot && !b->slot_long)
            continue;
        const mdl_param *p = &inst->params[b->param];
        double v = slot_value(b, p->value);
        if (!in_domain(b->domain, v))
            return pc_fail_at(err, b->file, b->line, b->key,
                              "parameter %s = %.10g: this key accepts %s", p->name, p->value,
                              domain_text(b->domain));
        if (b->slot)
            *b->slot = v;
        else
            *b->slot_long = (long)v;
    }
    for (size_t i = 0; i < inst->n_bindings; i++) {
        const mdl_binding *b = &inst->bindings[i];
        char why[200];
        if ((b->slot || b->slot_long) && refinish(b, why, sizeof why))
            return pc_fail_at(err, b->file, b->line, b->key, "parameter %s = %.10g: %s",
                              inst->params[b->param].name, inst->params[b->param].value, why);
    }
    return PC_OK;
}

/* ---- model ----------------------------------------------------------------- */

static int parse_model_section(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    static const char *const model_keys[] = {"name", "start", "horizon", NULL};
    const cfg_section *sec = cfg_find(doc, "model");
    if (!sec)
        return pc_fail(err, PC_EINPUT,
                       "%s: no [model] section (a scenario names its model with "
                       "'model =' in [scenario])",
                       doc->path);
    int rc = check_keys(m, err, sec, model_keys, 0);
    const cfg_entry *name = need(err, sec, "name", &rc);
    const cfg_entry *start = need(err, sec, "start", &rc);
    const cfg_entry *horizon = need(err, sec, "horizon", &rc);
    if (rc)
        return rc;
    m->name = arena_strdup(m, name->value);
    const char *p = start->value;
    if (!read_date(&p, &m->start_year, &m->start_month) || !at_end(p))
        return pc_fail_at(err, start->file, start->line, "start", "expected a month YYYY-MM");
    p = horizon->value;
    double h;
    pctx c = {.m = m, .err = err, .e = horizon, .pop = -1};
    if (!read_number(&c, &p, &h))
        return FAIL(&c, "expected a number of months (1 to %d) or a duration such as 10y",
                    MDL_MAX_MONTHS);
    if ((rc = fixed_only(&c, "the horizon")))
        return rc;
    p = skip_ws(p);
    if (*p == 'y' || *p == 'm') {
        h *= *p == 'y' ? 12 : 1;
        p++;
    }
    if (!at_end(p) || h != floor(h) || h < 1 || h > MDL_MAX_MONTHS)
        return pc_fail_at(err, horizon->file, horizon->line, "horizon",
                          "expected a whole number of months from 1 to %d (or years: 10y)",
                          MDL_MAX_MONTHS);
    m->horizon = (int)h;
    const cfg_section *sc = cfg_find(doc, "scenario");
    const cfg_entry *label = sc ? cfg_get(sc, "label") : NULL;
    m->label = arena_strdup(m, label ? label->value : m->name);
    m->source = arena_strdup(m, doc->path);
    const cfg_section *run = cfg_find(doc, "run");
    const cfg_entry *id = run ? cfg_get(run, "scenario") : NULL;
    if (id) {
        m->id = arena_strdup(m, id->value);
    } else {
        const char *base = strrchr(doc->path, '/');
        base = base ? base + 1 : doc->path;
        m->id = arena_strdup(m, base);
        char *dot = m->id ? strrchr(m->id, '.') : NULL;
        if (dot && dot != m->id)
            *dot = '\0';
    }
    if (!m->name || !m->label || !m->source || !m->id)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    return PC_OK;
}

/* Pass 1: names of populations, states, resources, staff; funders. */
static int collect_names(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    size_t np = 0, ns = 0, nr = 0, nc = 0, nst = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const char *arg;
        const cfg_section *sec = &doc->sections[i];
        sec_kind k = section_kind(sec->name, &arg);
        if (k == SEC_UNKNOWN)
            return pc_fail_at(err, sec->file, sec->line, sec->name,
                              "unknown section; expected [model], [scenario], [population NAME], "
                              "[state NAME], [resource NAME], [cost NAME], [staff NAME], "
                              "[parameter NAME] or [set YYYY-MM]");
        if (arg && k != SEC_SET && k != SEC_PARAM && !valid_name(arg))
            return pc_fail_at(err, sec->file, sec->line, sec->name,
                              "malformed name '%s' (letters, digits, '_', '-')", arg);
        if (arg && !strcmp(arg, "out"))
            return pc_fail_at(err, sec->file, sec->line, sec->name, "'out' is reserved");
        np += k == SEC_POP;
        ns += k == SEC_STATE;
        nr += k == SEC_RES;
        nc += k == SEC_COST;
        nst += k == SEC_STAFF;
    }
    if (np == 0)
        return pc_fail(err, PC_EINPUT, "%s: no [population NAME] section", doc->path);
    m->populations = arena_alloc(m, np, sizeof *m->populations);
    m->states = arena_alloc(m, ns, sizeof *m->states);
    m->resources = arena_alloc(m, nr, sizeof *m->resources);
    m->costs = arena_alloc(m, nc, sizeof *m->costs);
    m->staff = arena_alloc(m, nst, sizeof *m->staff);
    m->funders = arena_alloc(m, nc, sizeof *m->funders);
    if (!m->populations || !m->states || !m->resources || !m->costs || !m->staff || !m->funders)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    for (size_t i = 0; i < doc->n; i++) {
        const char *arg;
        const cfg_section *sec = &doc->sections[i];
        sec_kind k = section_kind(sec->name, &arg);
        char **slot = NULL;
        switch (k) {
        case SEC_POP:
            slot = &m->populations[m->n_populations++].name;
            break;
        case SEC_STATE:
            slot = &m->states[m->n_states++].name;
            break;
        case SEC_RES:
            slot = &m->resources[m->n_resources++].name;
            break;
        case SEC_COST:
            slot = &m->costs[m->n_costs++].name;
            break;
        case SEC_STAFF:
            slot = &m->staff[m->n_staff++].name;
            break;
        default:
            break;
        }
        if (slot && !(*slot = arena_strdup(m, arg)))
            return pc_fail(err, PC_EINTERNAL, "out of memory");
    }
    return PC_OK;
}

static char *label_of(mdl_model *m, const cfg_section *sec, const char *fallback)
{
    const cfg_entry *e = cfg_get(sec, "label");
    return arena_strdup(m, e ? e->value : fallback);
}

static int parse_population(mdl_model *m, const cfg_section *sec, mdl_population *pop, pc_err *err)
{
    static const char *const keys[] = {"label",
                                       "entry",
                                       "inflow.rate",
                                       "inflow.profile",
                                       "inflow.overdispersion",
                                       "initial.count",
                                       "initial.state",
                                       "initial.seniority",
                                       "warmup",
                                       NULL};
    int rc = check_keys(m, err, sec, keys, 0);
    const cfg_entry *entry = need(err, sec, "entry", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = entry, .pop = (int)(pop - m->populations)};
    pop->label = label_of(m, sec, pop->name);
    pop->hash = mdl_hash(pop->name);
    pop->entry = mdl_state_index(m, entry->value);
    if (pop->entry < 0)
        return FAIL(&c, "unknown state '%s'", entry->value);
    for (int k = 0; k < 12; k++)
        pop->profile[k] = 1.0;
    const cfg_entry *e;
    if ((e = cfg_get(sec, "inflow.rate"))) {
        c.e = e;
        if ((rc = parse_schedule(&c, e->value, VAL_RATE, DOM_NONNEG, "rate", NAN, &pop->inflow)))
            return rc;
    }
    if ((e = cfg_get(sec, "inflow.profile"))) {
        c.e = e;
        const char *p = e->value;
        char path[1024];
        if (read_table_ref(&p, NULL, 0, path, sizeof path) != 1 || !at_end(p))
            return FAIL(&c, "expected table(FILE) with columns month,factor");
        cfg_table *csv;
        if ((rc = load_table(&c, path, "month", "factor", &csv)))
            return rc;
        int seen[12] = {0};
        for (size_t i = 1; i < csv->n_rows && !rc; i++) {
            const cfg_row *r = &csv->rows[i];
            const char *q = r->fields[0];
            double mo, f;
            if (!read_plain(&q, &mo) || !at_end(q) || mo != floor(mo) || mo < 1 || mo > 12 ||
                seen[(int)mo - 1])
                rc = FAIL(&c, "table %s:%d: month: expected each month 1..12 once", path, r->line);
            q = r->fields[1];
            if (!rc && (!read_plain(&q, &f) || !at_end(q) || f < 0))
                rc = FAIL(&c, "table %s:%d: factor: expected a number >= 0", path, r->line);
            if (!rc) {
                seen[(int)mo - 1] = 1;
                pop->profile[(int)mo - 1] = f;
            }
        }
        if (!rc && csv->n_rows != 13)
            rc = FAIL(&c, "table %s: expected 12 months, found %zu", path, csv->n_rows - 1);
        cfg_table_free(csv);
        if (rc)
            return rc;
    }
    if ((e = cfg_get(sec, "inflow.overdispersion"))) {
        c.e = e;
        const char *p = e->value;
        if (!read_number(&c, &p, &pop->overdispersion) || !at_end(p) || pop->overdispersion < 0 ||
            pop->overdispersion > 10)
            return FAIL(&c, "expected a coefficient of variation between 0 and 10");
        if ((rc = bind(&c, &pop->overdispersion, DOM_OVERDISPERSION, OWNER_NONE, NULL)))
            return rc;
    }
    if ((e = cfg_get(sec, "initial.count"))) {
        c.e = e;
        const char *p = e->value;
        double n;
        if (!read_number(&c, &p, &n) || !at_end(p) || n < 0 || n != floor(n) || n > 1e8)
            return FAIL(&c, "expected a whole number of persons (0 to 100000000)");
        pop->initial_count = (long)n;
        if ((rc = bind_slot(&c, NULL, &pop->initial_count, DOM_COUNT, OWNER_NONE, NULL)))
            return rc;
    }
    if ((e = cfg_get(sec, "initial.state"))) {
        c.e = e;
        if ((rc = parse_dest(&c, e->value, 0, &pop->initial_state)))
            return rc;
    } else {
        pop->initial_state.n = 1;
        pop->initial_state.state = arena_alloc(m, 1, sizeof(int));
        pop->initial_state.cum = arena_alloc(m, 1, sizeof(double));
        if (!pop->initial_state.state || !pop->initial_state.cum)
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        pop->initial_state.state[0] = pop->entry;
        pop->initial_state.cum[0] = 1.0;
    }
    if ((e = cfg_get(sec, "initial.seniority"))) {
        c.e = e;
        const char *p = e->value;
        char path[1024];
        if (read_table_ref(&p, NULL, 0, path, sizeof path) != 1 || !at_end(p))
            return FAIL(&c, "expected table(FILE) with columns upper,weight");
        if ((rc = load_bins(&c, path, &pop->initial_seniority)))
            return rc;
    }
    if ((e = cfg_get(sec, "warmup"))) {
        c.e = e;
        const char *p = e->value;
        if (!read_duration(&c, &p, &pop->warmup) || !at_end(p) || pop->warmup < 0 ||
            pop->warmup > 100 * MDL_DAYS_PER_YEAR)
            return FAIL(&c, "expected a duration up to 100y (e.g. 10y)");
        if ((rc = bind(&c, &pop->warmup, DOM_WARMUP, OWNER_NONE, NULL)))
            return rc;
        if (pop->initial_count > 0)
            return FAIL(&c, "give either warmup or initial.count, not both");
    }
    return PC_OK;
}

static int parse_resource(mdl_model *m, const cfg_section *sec, mdl_resource *r, pc_err *err)
{
    static const char *const keys[] = {"label", "capacity", "etp.weight", NULL};
    int rc = check_keys(m, err, sec, keys, 0);
    const cfg_entry *cap = need(err, sec, "capacity", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = cap, .pop = -1};
    r->label = label_of(m, sec, r->name);
    if ((rc = parse_schedule(&c, cap->value, VAL_COUNT, DOM_COUNT, "capacity", 0.0, &r->capacity)))
        return rc;
    r->etp_weight = 1.0;
    const cfg_entry *w = cfg_get(sec, "etp.weight");
    if (w) {
        c.e = w;
        const char *p = w->value;
        if (!read_number(&c, &p, &r->etp_weight) || !at_end(p) || !(r->etp_weight > 0))
            return FAIL(&c, "expected a number of ETP per place > 0");
        if ((rc = bind(&c, &r->etp_weight, DOM_POSITIVE, OWNER_NONE, NULL)))
            return rc;
    }
    return PC_OK;
}

static int parse_staff(mdl_model *m, const cfg_section *sec, mdl_staff *st, pc_err *err)
{
    static const char *const keys[] = {"label", "states", "caseload", NULL};
    int rc = check_keys(m, err, sec, keys, 0);
    const cfg_entry *states = need(err, sec, "states", &rc);
    const cfg_entry *caseload = need(err, sec, "caseload", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = states, .pop = -1};
    st->label = label_of(m, sec, st->name);
    if ((rc = parse_state_list(&c, states->value, &st->n_states, &st->states)))
        return rc;
    c.e = caseload;
    if ((rc = parse_schedule(&c, caseload->value, VAL_NUMBER, DOM_POSITIVE, "caseload", NAN,
                             &st->caseload)))
        return rc;
    if (mdl_schedule_at(&st->caseload, -1e300) <= 0)
        return FAIL(&c, "caseload must be > 0");
    for (size_t i = 0; i < st->caseload.n; i++)
        if (!(st->caseload.value[i] > 0))
            return FAIL(&c, "caseload must be > 0");
    return PC_OK;
}

static int parse_cost(mdl_model *m, const cfg_section *sec, mdl_cost *co, pc_err *err)
{
    static const char *const keys[] = {"label", "funder", "per",    "states",     "resource",
                                       "basis", "staff",  "amount", "indexation", NULL};
    int rc = check_keys(m, err, sec, keys, 0);
    const cfg_entry *funder = need(err, sec, "funder", &rc);
    const cfg_entry *per = need(err, sec, "per", &rc);
    const cfg_entry *amount = need(err, sec, "amount", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = funder, .pop = -1};
    co->label = label_of(m, sec, co->name);
    if (!valid_name(funder->value))
        return FAIL(&c, "expected a funder name (letters, digits, '_', '-'), e.g. departement");
    co->funder = funder_index(m, funder->value);
    if (co->funder < 0) {
        co->funder = (int)m->n_funders;
        if (!(m->funders[m->n_funders++] = arena_strdup(m, funder->value)))
            return OOM(&c);
    }
    c.e = per;
    const char *needs;
    if (!strcmp(per->value, "person-month")) {
        co->per = MDL_COST_PERSON_MONTH;
        needs = "states";
    } else if (!strcmp(per->value, "entry")) {
        co->per = MDL_COST_ENTRY;
        needs = "states";
    } else if (!strcmp(per->value, "unit-year")) {
        co->per = MDL_COST_UNIT_YEAR;
        needs = "resource";
    } else if (!strcmp(per->value, "staff-year")) {
        co->per = MDL_COST_STAFF_YEAR;
        needs = "staff";
    } else {
        return FAIL(&c, "expected person-month, entry, unit-year or staff-year");
    }
    static const char *const specific[] = {"states", "resource", "staff", "basis"};
    for (size_t i = 0; i < 4; i++) {
        const cfg_entry *e = cfg_get(sec, specific[i]);
        int wanted = !strcmp(specific[i], needs) ||
                     (!strcmp(specific[i], "basis") && co->per == MDL_COST_UNIT_YEAR);
        if (e && !wanted)
            return pc_fail_at(err, e->file, e->line, e->key, "not used with per = %s", per->value);
    }
    const cfg_entry *e = need(err, sec, needs, &rc);
    if (rc)
        return rc;
    c.e = e;
    co->resource = co->staff = -1;
    if (co->per == MDL_COST_PERSON_MONTH || co->per == MDL_COST_ENTRY) {
        if ((rc = parse_state_list(&c, e->value, &co->n_states, &co->states)))
            return rc;
    } else if (co->per == MDL_COST_UNIT_YEAR) {
        if ((co->resource = mdl_resource_index(m, e->value)) < 0)
            return FAIL(&c, "unknown resource '%s'", e->value);
        const cfg_entry *b = cfg_get(sec, "basis");
        if (b) {
            c.e = b;
            if (!strcmp(b->value, "occupied"))
                co->occupied = 1;
            else if (strcmp(b->value, "funded"))
                return FAIL(&c, "expected funded or occupied");
        }
    } else if ((co->staff = staff_index(m, e->value)) < 0) {
        return FAIL(&c, "unknown staff '%s'", e->value);
    }
    c.e = amount;
    if ((rc =
             parse_schedule(&c, amount->value, VAL_NUMBER, DOM_NONNEG, "amount", NAN, &co->amount)))
        return rc;
    const cfg_entry *ix = cfg_get(sec, "indexation");
    if (ix && strcmp(ix->value, "none")) {
        c.e = ix;
        const char *p = ix->value;
        char path[1024];
        int tr = read_table_ref(&p, NULL, 0, path, sizeof path);
        if (tr > 0) {
            if (!at_end(p))
                return FAIL(&c, "unexpected text after table(...)");
            if ((rc = parse_schedule(&c, ix->value, VAL_NUMBER, DOM_NONNEG, "factor", 1.0,
                                     &co->index_table)))
                return rc;
        } else {
            p = ix->value;
            if (!read_number(&c, &p, &co->indexation) || *(p = skip_ws(p)) != '%' ||
                strcmp(skip_ws(p + 1), "/y") != 0 || co->indexation <= -100 || co->indexation > 100)
                return FAIL(&c, "expected a yearly rate such as 1.5%%/y, none, or table(FILE) "
                                "with columns date,factor");
            co->indexation /= 100.0;
            c.div = 100.0;
            if ((rc = bind(&c, &co->indexation, DOM_YEARLY_RATE, OWNER_NONE, NULL)))
                return rc;
        }
    }
    return PC_OK;
}

double mdl_cost_index(const mdl_cost *c, double t)
{
    if (c->index_table.n > 0)
        return mdl_schedule_at(&c->index_table, t);
    if (c->indexation == 0.0)
        return 1.0;
    double months = floor(t / MDL_DAYS_PER_MONTH);
    if (months < 0)
        months = 0;
    return pow(1.0 + c->indexation, months / 12.0);
}

/* Does the [set] key name transition T of state S? Writes S and T. */
static int set_transition_key(const char *key, char *state, size_t ssize, const char **tname)
{
    if (strncmp(key, "state.", 6) != 0)
        return 0;
    const char *s = key + 6;
    const char *on = strstr(s, ".on.");
    if (!on || (size_t)(on - s) >= ssize)
        return 0;
    memcpy(state, s, (size_t)(on - s));
    state[on - s] = '\0';
    *tname = on + 4;
    return 1;
}

static int parse_state(mdl_model *m, const cfg_doc *doc, const cfg_section *sec, mdl_state *st,
                       const set_entry *sets, size_t n_sets, pc_err *err)
{
    static const char *const keys[] = {"label", "population", "outside", "resource", "queue", NULL};
    int rc = check_keys(m, err, sec, keys, 1);
    if (rc)
        return rc;
    (void)doc;
    pctx c = {.m = m, .err = err, .e = NULL, .pop = -1};
    st->label = label_of(m, sec, st->name);
    const cfg_entry *e = cfg_get(sec, "population");
    if (e) {
        c.e = e;
        if ((st->population = mdl_population_index(m, e->value)) < 0)
            return FAIL(&c, "unknown population '%s'", e->value);
    } else if (m->n_populations == 1) {
        st->population = 0;
    } else {
        return pc_fail_at(err, sec->file, sec->line, "population",
                          "missing in [%s] (the model has several populations)", sec->name);
    }
    c.pop = st->population;
    if ((e = cfg_get(sec, "outside"))) {
        c.e = e;
        if (!is_yes(e->value, &st->outside))
            return FAIL(&c, "expected yes or no");
    }
    st->resource = st->queue = -1;
    const cfg_entry *res = cfg_get(sec, "resource"), *q = cfg_get(sec, "queue");
    if (res) {
        c.e = res;
        if ((st->resource = mdl_resource_index(m, res->value)) < 0)
            return FAIL(&c, "unknown resource '%s'", res->value);
        if (!q)
            return FAIL(&c, "a state with a resource needs 'queue = STATE' (where persons wait "
                            "when the resource is full)");
    }
    if (q) {
        c.e = q;
        if (!res)
            return FAIL(&c, "'queue' needs 'resource'");
        if ((st->queue = mdl_state_index(m, q->value)) < 0)
            return FAIL(&c, "unknown state '%s'", q->value);
        if (st->queue == (int)(st - m->states))
            return FAIL(&c, "a state cannot be its own queue");
    }
    /* Transitions: base keys, then keys added by [set] sections. */
    size_t cap = sec->n + n_sets;
    st->transitions = arena_alloc(m, cap ? cap : 1, sizeof *st->transitions);
    if (!st->transitions)
        return OOM(&c);
    for (size_t i = 0; i < sec->n; i++) {
        const cfg_entry *te = &sec->entries[i];
        if (strncmp(te->key, "on.", 3))
            continue;
        mdl_transition *tr = &st->transitions[st->n_transitions++];
        tr->name = arena_strdup(m, te->key + 3);
        tr->versions = arena_alloc(m, 1 + n_sets, sizeof *tr->versions);
        if (!tr->name || !tr->versions)
            return OOM(&c);
        tr->n_versions = 1;
        tr->versions[0].from = -INFINITY;
        c.e = te;
        if ((rc = parse_transition(&c, te->value, &tr->versions[0])))
            return rc;
    }
    for (size_t i = 0; i < n_sets; i++) {
        char sname[256];
        const char *tname;
        if (!set_transition_key(sets[i].e->key, sname, sizeof sname, &tname) ||
            strcmp(sname, st->name))
            continue;
        c.e = sets[i].e;
        if (!valid_name(tname))
            return FAIL(&c, "malformed transition name '%s'", tname);
        mdl_transition *tr = NULL;
        for (size_t k = 0; k < st->n_transitions; k++)
            if (!strcmp(st->transitions[k].name, tname))
                tr = &st->transitions[k];
        if (!tr) {
            tr = &st->transitions[st->n_transitions++];
            tr->name = arena_strdup(m, tname);
            tr->versions = arena_alloc(m, 1 + n_sets, sizeof *tr->versions);
            if (!tr->name || !tr->versions)
                return OOM(&c);
            tr->n_versions = 1;
            tr->versions[0].from = -INFINITY;
            tr->versions[0].present = 0;
        }
        mdl_version *v = &tr->versions[tr->n_versions];
        v->from = sets[i].day;
        if (!strcmp(sets[i].e->value, "none")) {
            v->present = 0;
            v->text = arena_strdup(m, "none");
            v->file = arena_strdup(m, sets[i].e->file);
            v->line = sets[i].e->line;
        } else if ((rc = parse_transition(&c, sets[i].e->value, v))) {
            return rc;
        }
        tr->n_versions++;
    }
    for (size_t k = 0; k < st->n_transitions; k++) {
        char purpose[600];
        snprintf(purpose, sizeof purpose, "state.%s.on.%s", st->name, st->transitions[k].name);
        st->transitions[k].purpose = mdl_hash(purpose);
        st->transitions[k].flow = m->n_flows++;
    }
    return PC_OK;
}

/* Applies [set] keys that change schedules (transitions are handled per state). */
static int apply_set_schedules(mdl_model *m, const set_entry *sets, size_t n_sets, pc_err *err)
{
    for (size_t i = 0; i < n_sets; i++) {
        const cfg_entry *e = sets[i].e;
        pctx c = {.m = m, .err = err, .e = e, .pop = -1};
        char name[256];
        const char *tname;
        if (set_transition_key(e->key, name, sizeof name, &tname)) {
            if (mdl_state_index(m, name) < 0)
                return FAIL(&c, "unknown state '%s'", name);
            continue;
        }
        mdl_schedule *target = NULL;
        val_kind k = VAL_NUMBER;
        dom_kind dom = DOM_NONNEG;
        const char *dot = strchr(e->key, '.');
        const char *last = strrchr(e->key, '.');
        size_t nl = dot && last > dot ? (size_t)(last - dot - 1) : 0;
        if (nl && nl < sizeof name) {
            memcpy(name, dot + 1, nl);
            name[nl] = '\0';
        } else {
            name[0] = '\0';
        }
        if (!strncmp(e->key, "population.", 11) && strstr(e->key, ".inflow.rate")) {
            size_t l = strlen(e->key) - 11 - strlen(".inflow.rate");
            if (l >= sizeof name)
                return FAIL(&c, "unknown population");
            memcpy(name, e->key + 11, l);
            name[l] = '\0';
            int p = mdl_population_index(m, name);
            if (p < 0 || strcmp(e->key + 11 + l, ".inflow.rate"))
                return FAIL(&c, "unknown population '%s'", name);
            target = &m->populations[p].inflow;
            k = VAL_RATE;
        } else if (!strncmp(e->key, "resource.", 9) && !strcmp(last, ".capacity")) {
            int r = mdl_resource_index(m, name);
            if (r < 0)
                return FAIL(&c, "unknown resource '%s'", name);
            target = &m->resources[r].capacity;
            k = VAL_COUNT;
            dom = DOM_COUNT;
        } else if (!strncmp(e->key, "cost.", 5) && !strcmp(last, ".amount")) {
            size_t ci = 0;
            while (ci < m->n_costs && strcmp(m->costs[ci].name, name))
                ci++;
            if (ci == m->n_costs)
                return FAIL(&c, "unknown cost '%s'", name);
            target = &m->costs[ci].amount;
        } else if (!strncmp(e->key, "staff.", 6) && !strcmp(last, ".caseload")) {
            int s = staff_index(m, name);
            if (s < 0)
                return FAIL(&c, "unknown staff '%s'", name);
            target = &m->staff[s].caseload;
            dom = DOM_POSITIVE;
        } else {
            return FAIL(&c, "cannot be changed by date; expected state.S.on.T, "
                            "population.P.inflow.rate, resource.R.capacity, cost.C.amount or "
                            "staff.S.caseload");
        }
        const char *p = e->value;
        double v;
        if (!read_value(&c, &p, k, &v) || !at_end(p))
            return FAIL(&c, "expected %s", val_expected(k));
        int rc = check_value(&c, k, v, "value");
        if (rc)
            return rc;
        if (strstr(e->key, ".caseload") && !(v > 0))
            return FAIL(&c, "caseload must be > 0");
        if (schedule_set_from(m, target, sets[i].day, v))
            return OOM(&c);
        if ((rc = bind(&c, &target->value[target->n - 1], dom, OWNER_NONE, NULL)))
            return rc;
    }
    return PC_OK;
}

static int record_changes(mdl_model *m, const set_entry *sets, size_t n_sets)
{
    m->changes = arena_alloc(m, n_sets, sizeof *m->changes);
    if (!m->changes)
        return PC_EINTERNAL;
    for (size_t i = 0; i < n_sets; i++) {
        mdl_change *ch = &m->changes[m->n_changes++];
        ch->date = arena_strdup(m, sets[i].date);
        ch->key = arena_strdup(m, sets[i].e->key);
        ch->value = arena_strdup(m, sets[i].e->value);
        ch->file = arena_strdup(m, sets[i].e->file);
        ch->line = sets[i].e->line;
        if (!ch->date || !ch->key || !ch->value || !ch->file)
            return PC_EINTERNAL;
    }
    return PC_OK;
}

/* An input error at the entry `key` of section "[kind name]" of doc (or the section). */
static int fail_entry(pc_err *err, const cfg_doc *doc, const char *kind, const char *name,
                      const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static int fail_entry(pc_err *err, const cfg_doc *doc, const char *kind, const char *name,
                      const char *key, const char *fmt, ...)
{
    char sname[300], what[600];
    snprintf(sname, sizeof sname, "%s %s", kind, name);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const cfg_section *sec = cfg_find(doc, sname);
    const cfg_entry *e = sec ? cfg_get(sec, key) : NULL;
    if (e)
        return pc_fail_at(err, e->file, e->line, key, "%s", what);
    if (sec)
        return pc_fail_at(err, sec->file, sec->line, key, "%s", what);
    return pc_fail(err, PC_EINPUT, "[%s] %s: %s", sname, key, what);
}

/* Two transitions of one population must not share a random stream. */
static int check_streams(const mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    for (size_t a = 0; a < m->n_states; a++)
        for (size_t i = 0; i < m->states[a].n_transitions; i++)
            for (size_t b = a; b < m->n_states; b++)
                for (size_t k = (a == b ? i + 1 : 0); k < m->states[b].n_transitions; k++)
                    if (m->states[a].population == m->states[b].population &&
                        m->states[a].transitions[i].purpose ==
                            m->states[b].transitions[k].purpose) {
                        char key[300];
                        snprintf(key, sizeof key, "on.%s", m->states[a].transitions[i].name);
                        return fail_entry(err, doc, "state", m->states[a].name, key,
                                          "shares a random stream with %s.on.%s (hash "
                                          "collision): rename one of them",
                                          m->states[b].name, m->states[b].transitions[k].name);
                    }
    return PC_OK;
}

/* Table paths are made relative to the current directory, from the file that names them. */
static int rewrite_table_paths(cfg_doc *doc, pc_err *err)
{
    for (size_t i = 0; i < doc->n; i++)
        for (size_t k = 0; k < doc->sections[i].n; k++) {
            cfg_entry *e = &doc->sections[i].entries[k];
            const char *t = strstr(e->value, "table(");
            if (!t)
                continue;
            const char *start = t + 6;
            const char *close = strchr(start, ')');
            if (!close)
                continue;
            const char *semi = memchr(start, ';', (size_t)(close - start));
            const char *path = skip_ws(semi ? semi + 1 : start);
            size_t pl = (size_t)(close - path);
            while (pl && isspace((unsigned char)path[pl - 1]))
                pl--;
            if (pl == 0 || path[0] == '/')
                continue;
            char *name = malloc(pl + 1);
            if (!name)
                return pc_fail(err, PC_EINTERNAL, "out of memory");
            memcpy(name, path, pl);
            name[pl] = '\0';
            char *joined = cfg_path_beside(e->file, name);
            free(name);
            if (!joined)
                return pc_fail(err, PC_EINTERNAL, "out of memory");
            /* Absolute when the file exists, so that resolving a copy again changes nothing. */
            char *full = realpath(joined, NULL);
            if (full)
                free(joined);
            else
                full = joined;
            size_t before = (size_t)(path - e->value);
            size_t after_len = strlen(path + pl);
            char *v = malloc(before + strlen(full) + after_len + 1);
            if (!v) {
                free(full);
                return pc_fail(err, PC_EINTERNAL, "out of memory");
            }
            memcpy(v, e->value, before);
            strcpy(v + before, full);
            strcat(v, path + pl);
            free(full);
            free(e->value);
            e->value = v;
        }
    return PC_OK;
}

static int resolve_with(cfg_doc *original, mdl_model **out, pc_err *err)
{
    *out = NULL;
    mdl_model *m = pc_calloc(1, sizeof *m);
    if (!m) {
        cfg_doc_free(original);
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    }
    m->doc = original;
    /* The model keeps the document as written (tables made reachable, inline laws named);
     * each $parameter is read where a number goes and bound to the slot it feeds. */
    cfg_doc *doc = original;
    int rc = rewrite_table_paths(original, err);
    if (!rc)
        rc = extract_inline(original, err);
    if (!rc)
        rc = collect_params(m, original, err);
    if (!rc)
        rc = parse_model_section(m, doc, err);
    if (!rc)
        rc = collect_names(m, doc, err);
    /* Gather [set] entries in date order. */
    size_t n_sets = 0;
    for (size_t i = 0; !rc && i < doc->n; i++)
        if (!strncmp(doc->sections[i].name, "set ", 4))
            n_sets += doc->sections[i].n;
    set_entry *sets = rc ? NULL : arena_alloc(m, n_sets ? n_sets : 1, sizeof *sets);
    if (!rc && !sets)
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
    n_sets = 0;
    for (size_t i = 0; !rc && i < doc->n; i++) {
        const cfg_section *sec = &doc->sections[i];
        const char *arg;
        if (section_kind(sec->name, &arg) != SEC_SET)
            continue;
        int y, mo;
        const char *p = arg;
        if (!read_date(&p, &y, &mo) || !at_end(p)) {
            rc = pc_fail_at(err, sec->file, sec->line, sec->name,
                            "expected [set YYYY-MM] (the month the changes take effect)");
            break;
        }
        for (size_t k = 0; k < sec->n; k++) {
            sets[n_sets].day = mdl_day_of(m, y, mo);
            sets[n_sets].date = arg;
            sets[n_sets].e = &sec->entries[k];
            n_sets++;
        }
    }
    if (!rc && n_sets)
        qsort(sets, n_sets, sizeof *sets, set_cmp);
    for (size_t i = 0; !rc && i < doc->n; i++) {
        const cfg_section *sec = &doc->sections[i];
        const char *arg;
        sec_kind k = section_kind(sec->name, &arg);
        if (k == SEC_SCENARIO) {
            static const char *const keys[] = {"label", "description", NULL};
            rc = check_keys(m, err, sec, keys, 0);
        } else if (k == SEC_RUN) {
            static const char *const keys[] = {"seed",    "replications", "scenario",
                                               "version", "command",      NULL};
            rc = check_keys(m, err, sec, keys, 0);
        }
    }
    /* Every state's population is known before any destination is checked. */
    for (size_t i = 0; !rc && i < doc->n; i++) {
        const char *arg;
        if (section_kind(doc->sections[i].name, &arg) != SEC_STATE)
            continue;
        const cfg_entry *e = cfg_get(&doc->sections[i], "population");
        int p = e ? mdl_population_index(m, e->value) : 0;
        m->states[mdl_state_index(m, arg)].population = p >= 0 ? p : 0;
    }
    /* Resources and staff first (states and costs refer to them), populations, states, costs. */
    for (size_t i = 0; !rc && i < doc->n; i++) {
        const char *arg;
        sec_kind k = section_kind(doc->sections[i].name, &arg);
        if (k == SEC_RES)
            rc = parse_resource(m, &doc->sections[i], &m->resources[mdl_resource_index(m, arg)],
                                err);
    }
    for (size_t i = 0; !rc && i < doc->n; i++) {
        const char *arg;
        if (section_kind(doc->sections[i].name, &arg) == SEC_STAFF)
            rc = parse_staff(m, &doc->sections[i], &m->staff[staff_index(m, arg)], err);
    }
    for (size_t i = 0; !rc && i < doc->n; i++) {
        const char *arg;
        if (section_kind(doc->sections[i].name, &arg) == SEC_POP)
            rc = parse_population(m, &doc->sections[i],
                                  &m->populations[mdl_population_index(m, arg)], err);
    }
    for (size_t i = 0; !rc && i < doc->n; i++) {
        const char *arg;
        if (section_kind(doc->sections[i].name, &arg) == SEC_STATE)
            rc = parse_state(m, doc, &doc->sections[i], &m->states[mdl_state_index(m, arg)], sets,
                             n_sets, err);
    }
    for (size_t i = 0; !rc && i < doc->n; i++) {
        const char *arg;
        if (section_kind(doc->sections[i].name, &arg) == SEC_COST) {
            size_t ci = 0;
            while (strcmp(m->costs[ci].name, arg))
                ci++;
            rc = parse_cost(m, &doc->sections[i], &m->costs[ci], err);
        }
    }
    if (!rc)
        rc = apply_set_schedules(m, sets, n_sets, err);
    /* Cross checks. */
    for (size_t s = 0; s < m->n_states && !rc; s++) {
        mdl_state *st = &m->states[s];
        if (st->queue >= 0) {
            mdl_state *q = &m->states[st->queue];
            q->is_queue = 1;
            if (q->population != st->population || q->resource >= 0)
                rc = fail_entry(err, doc, "state", st->name, "queue",
                                "the queue %s must be of the same population and hold no "
                                "resource",
                                q->name);
        }
    }
    for (size_t p = 0; p < m->n_populations && !rc; p++) {
        const mdl_population *pop = &m->populations[p];
        if (m->states[pop->entry].population != (int)p || m->states[pop->entry].outside)
            rc = fail_entry(err, doc, "population", pop->name, "entry",
                            "the entry state %s must belong to this population and not be "
                            "outside",
                            m->states[pop->entry].name);
        for (size_t k = 0; k < pop->initial_state.n && !rc; k++) {
            const mdl_state *st = &m->states[pop->initial_state.state[k]];
            if (st->population != (int)p)
                rc = fail_entry(err, doc, "population", pop->name, "initial.state",
                                "state %s belongs to another population", st->name);
            else if (st->is_queue)
                rc = fail_entry(err, doc, "population", pop->name, "initial.state",
                                "state %s is a queue; place initial persons in the state "
                                "they wait for",
                                st->name);
        }
    }
    if (!rc)
        rc = check_streams(m, doc, err);
    if (!rc)
        rc = check_supports(m, err);
    if (!rc && record_changes(m, sets, n_sets))
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
    if (rc) {
        mdl_free(m);
        return rc;
    }
    *out = m;
    return PC_OK;
}

int mdl_resolve(cfg_doc *doc, mdl_model **out, pc_err *err)
{
    return resolve_with(doc, out, err);
}

int mdl_instance(const mdl_model *base, const double *values, mdl_model **out, pc_err *err)
{
    *out = mdl_instance_alloc(base);
    if (!*out)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    int rc = mdl_bind(*out, values, err);
    if (rc) {
        mdl_free(*out);
        *out = NULL;
    }
    return rc;
}

int mdl_override(const mdl_model *base, size_t n, const char *const *keys,
                 const char *const *values, mdl_model **out, pc_err *err)
{
    static const char *const kinds[] = {"population", "state", "resource",
                                        "cost",       "staff", "parameter"};
    *out = NULL;
    cfg_doc *copy = cfg_doc_copy(base->doc);
    if (!copy)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char sname[400];
        const char *key = NULL;
        const char *k = keys[i];
        const char *dot = strchr(k, '.');
        int create = 0;
        if (mdl_param_index(base, k) >= 0) {
            snprintf(sname, sizeof sname, "parameter %s", k);
            key = "value";
        } else if (!strncmp(k, "model.", 6) && k[6]) {
            snprintf(sname, sizeof sname, "model");
            key = k + 6;
        } else if (!strncmp(k, "set.", 4) && strlen(k) > 12 && k[11] == '.') {
            snprintf(sname, sizeof sname, "set %.7s", k + 4);
            key = k + 12;
            create = 1;
        } else if (dot) {
            for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
                size_t l = strlen(kinds[j]);
                if (!strncmp(k, kinds[j], l) && k[l] == '.') {
                    const char *name = k + l + 1;
                    const char *kd = j == 5 ? NULL : strchr(name, '.');
                    if (j == 5) {
                        /* parameter names may hold dots: the key is the last part */
                        kd = strrchr(name, '.');
                    }
                    if (kd && kd > name && kd[1]) {
                        snprintf(sname, sizeof sname, "%s %.*s", kinds[j], (int)(kd - name), name);
                        key = kd + 1;
                    }
                }
            }
        }
        cfg_section *sec = key ? cfg_find(copy, sname) : NULL;
        if (key && !sec && create)
            sec = cfg_add_section(copy, sname, "(command line)", 0);
        if (!sec) {
            cfg_doc_free(copy);
            return pc_fail(err, PC_EINPUT,
                           "%s: unknown key (expected KIND.NAME.KEY of an existing section, "
                           "model.KEY, set.YYYY-MM.KEY or a parameter name)",
                           k);
        }
        if (cfg_set(sec, key, values[i], "(command line)", 0)) {
            cfg_doc_free(copy);
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        }
    }
    return resolve_with(copy, out, err);
}

int mdl_load(const char *path, mdl_model **out, pc_err *err)
{
    cfg_doc *doc;
    *out = NULL;
    int rc = cfg_load(path, &doc, err);
    if (rc)
        return rc;
    return mdl_resolve(doc, out, err);
}

/* ---- printing --------------------------------------------------------------- */

static void print_dest(FILE *f, const mdl_model *m, const mdl_dest *d)
{
    for (size_t i = 0; i < d->n; i++) {
        double share = d->cum[i] - (i ? d->cum[i - 1] : 0);
        const char *name = d->state[i] == MDL_OUT ? "out" : m->states[d->state[i]].name;
        if (d->n == 1)
            fprintf(f, "%s", name);
        else
            fprintf(f, "%s%s %.4g%%", i ? ", " : "", name, 100 * share);
    }
}

static void print_schedule(FILE *f, const mdl_model *m, const mdl_schedule *s, double scale,
                           const char *unit)
{
    if (s->n == 0 || s->from[0] > 0)
        fprintf(f, "%.6g%s", s->before * scale, unit);
    for (size_t i = 0; i < s->n; i++) {
        int k = (int)floor(s->from[i] / MDL_DAYS_PER_MONTH + 0.5), y, mo;
        mdl_month_of(m, k, &y, &mo);
        fprintf(f, "%s%04d-%02d: %.6g%s", i || s->from[0] > 0 ? ", from " : "from ", y, mo,
                s->value[i] * scale, unit);
    }
}

static const char *law_name(mdl_law_kind k)
{
    switch (k) {
    case MDL_HAZARD_CONST:
        return "constant hazard";
    case MDL_HAZARD_PIECEWISE:
        return "piecewise hazard";
    case MDL_AFTER_FIXED:
        return "fixed";
    case MDL_AFTER_EXPONENTIAL:
        return "exponential";
    case MDL_AFTER_LOGNORMAL:
        return "lognormal";
    case MDL_AFTER_GAMMA:
        return "gamma";
    case MDL_AFTER_WEIBULL:
        return "weibull";
    case MDL_AFTER_UNIFORM:
        return "uniform";
    case MDL_AFTER_EMPIRICAL:
        return "empirical";
    }
    return "?";
}

static void print_law(FILE *f, const mdl_law *l)
{
    const double dpm = MDL_DAYS_PER_MONTH;
    if (l->probability < 1)
        fprintf(f, "with probability %.4g, ", l->probability);
    fprintf(f, "%s", law_name(l->kind));
    switch (l->kind) {
    case MDL_HAZARD_CONST:
        fprintf(f, " %.6g/month (mean %.1f months)", l->p[0] * dpm,
                l->p[0] > 0 ? 1 / (l->p[0] * dpm) : INFINITY);
        break;
    case MDL_HAZARD_PIECEWISE:
        fprintf(f, " on the %s clock:", l->clock == MDL_CLOCK_ENTRY ? "entry" : "state");
        for (size_t i = 0; i < l->table.n; i++)
            fprintf(f, " %.4gm:%.4g/m", l->table.x[i] / dpm, l->table.y[i] * dpm);
        break;
    case MDL_AFTER_FIXED:
        fprintf(f, " %.1f days", l->p[0]);
        break;
    case MDL_AFTER_EXPONENTIAL:
        fprintf(f, " mean %.1f days", l->p[0]);
        break;
    case MDL_AFTER_LOGNORMAL:
        fprintf(f, " mean %.1f days, sd %.1f days", l->p[2], l->p[3]);
        break;
    case MDL_AFTER_GAMMA:
        fprintf(f, " shape %.4g, mean %.1f days", l->p[0], l->p[0] * l->p[1]);
        break;
    case MDL_AFTER_WEIBULL:
        fprintf(f, " shape %.4g, scale %.1f days", l->p[0], l->p[1]);
        break;
    case MDL_AFTER_UNIFORM:
        fprintf(f, " %.1f to %.1f days", l->p[0], l->p[1]);
        break;
    case MDL_AFTER_EMPIRICAL:
        fprintf(f, " (%zu bins up to %.1f days)", l->table.n, l->table.x[l->table.n - 1]);
        break;
    }
}

void mdl_print(FILE *f, const mdl_model *m)
{
    fprintf(f, "model %s: %s\n", m->name, m->label);
    fprintf(f, "  start %04d-%02d, horizon %d months\n", m->start_year, m->start_month, m->horizon);
    for (size_t p = 0; p < m->n_populations; p++) {
        const mdl_population *pop = &m->populations[p];
        fprintf(f, "population %s (%s): enters at %s\n", pop->name, pop->label,
                m->states[pop->entry].name);
        fprintf(f, "  inflow ");
        print_schedule(f, m, &pop->inflow, MDL_DAYS_PER_YEAR, "/y");
        fprintf(f, "; overdispersion %.3g\n", pop->overdispersion);
        if (pop->warmup > 0)
            fprintf(f, "  warm-up %.1f years from an empty population\n",
                    pop->warmup / MDL_DAYS_PER_YEAR);
        else {
            fprintf(f, "  initial %ld persons in ", pop->initial_count);
            print_dest(f, m, &pop->initial_state);
            fprintf(f, pop->initial_seniority.n ? ", seniority from a table\n" : "\n");
        }
    }
    for (size_t s = 0; s < m->n_states; s++) {
        const mdl_state *st = &m->states[s];
        fprintf(f, "state %s (%s)%s", st->name, st->label, st->outside ? " [outside]" : "");
        if (st->resource >= 0)
            fprintf(f, " [holds %s; waits in %s]", m->resources[st->resource].name,
                    m->states[st->queue].name);
        if (st->is_queue)
            fprintf(f, " [queue]");
        fputc('\n', f);
        for (size_t k = 0; k < st->n_transitions; k++) {
            const mdl_transition *tr = &st->transitions[k];
            for (size_t v = 0; v < tr->n_versions; v++) {
                const mdl_version *ver = &tr->versions[v];
                if (v == 0 && !ver->present)
                    continue;
                if (v == 0) {
                    fprintf(f, "  on.%s: ", tr->name);
                } else {
                    int k2 = (int)floor(ver->from / MDL_DAYS_PER_MONTH + 0.5), y, mo;
                    mdl_month_of(m, k2, &y, &mo);
                    fprintf(f, "  on.%s from %04d-%02d: ", tr->name, y, mo);
                }
                if (!ver->present) {
                    fprintf(f, "removed\n");
                    continue;
                }
                print_law(f, &ver->law);
                fprintf(f, " -> ");
                print_dest(f, m, &ver->dest);
                fputc('\n', f);
            }
        }
    }
    for (size_t r = 0; r < m->n_resources; r++) {
        const mdl_resource *res = &m->resources[r];
        fprintf(f, "resource %s (%s): capacity ", res->name, res->label);
        print_schedule(f, m, &res->capacity, 1, "");
        fprintf(f, " places; %.4g ETP per place\n", res->etp_weight);
    }
    for (size_t s = 0; s < m->n_staff; s++) {
        const mdl_staff *st = &m->staff[s];
        fprintf(f, "staff %s (%s): caseload ", st->name, st->label);
        print_schedule(f, m, &st->caseload, 1, "");
        fprintf(f, " persons per ETP in");
        for (size_t k = 0; k < st->n_states; k++)
            fprintf(f, " %s", m->states[st->states[k]].name);
        fputc('\n', f);
    }
    static const char *const per[] = {"person-month", "entry", "unit-year", "staff-year"};
    for (size_t c = 0; c < m->n_costs; c++) {
        const mdl_cost *co = &m->costs[c];
        fprintf(f, "cost %s (%s): paid by %s, ", co->name, co->label, m->funders[co->funder]);
        print_schedule(f, m, &co->amount, 1, " EUR");
        fprintf(f, " per %s", per[co->per]);
        if (co->per == MDL_COST_UNIT_YEAR)
            fprintf(f, " of %s (%s)", m->resources[co->resource].name,
                    co->occupied ? "occupied" : "funded");
        else if (co->per == MDL_COST_STAFF_YEAR)
            fprintf(f, " of %s", m->staff[co->staff].name);
        else
            for (size_t k = 0; k < co->n_states; k++)
                fprintf(f, "%s%s", k ? ", " : " in ", m->states[co->states[k]].name);
        if (co->index_table.n)
            fprintf(f, "; indexed by a table");
        else if (co->indexation != 0)
            fprintf(f, "; indexed %.3g%%/y", 100 * co->indexation);
        fputc('\n', f);
    }
    for (size_t i = 0; i < m->n_params; i++) {
        const mdl_param *p = &m->params[i];
        fprintf(f, "parameter %s = %s (mean %.6g)%s\n", p->name, p->text, p->mean,
                p->law != MDL_PARAM_FIXED ? " [drawn once per replication]" : "");
    }
    if (m->n_changes) {
        fprintf(f, "dated changes:\n");
        for (size_t i = 0; i < m->n_changes; i++)
            fprintf(f, "  %s  %s = %s  (%s:%d)\n", m->changes[i].date, m->changes[i].key,
                    m->changes[i].value, m->changes[i].file, m->changes[i].line);
    }
}
