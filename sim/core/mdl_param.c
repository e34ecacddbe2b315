/* mdl_param — parameters: their laws, where each reference is bound, instances.
 *
 * A parameter is a [parameter NAME] section or an inline `uncertain LAW(...)`
 * moved into one.  Every $NAME the resolver reads becomes a binding: the slot
 * it feeds, its conversion and the domain of the key.  check refuses a law
 * whose support leaves that domain; an instance (a copy of the model's numbers,
 * made once per thread) takes a replication's values through mdl_bind, which
 * writes the slots and recomputes what depends on them. */
#include <assert.h>
#include <ctype.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sf_gamma.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

const char *mdl_domain_text(dom_kind d)
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
    case DOM_HAZARD:
        return "a hazard rate from 0 to 1000/d";
    case DOM_PERSISTENCE:
        return "a yearly persistence from 0 to below 1";
    case DOM_INFLOW:
        return "an inflow from 0 to 10000000/m";
    }
    return "?";
}

int mdl_in_domain(dom_kind d, double v)
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
    case DOM_HAZARD:
        return v >= 0 && v <= MDL_MAX_HAZARD;
    case DOM_PERSISTENCE:
        return v >= 0 && v < 1;
    case DOM_INFLOW:
        return v >= 0 && v * MDL_DAYS_PER_MONTH <= MDL_MAX_INFLOW;
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
        mdl_binding *bigger = mdl_arena_alloc(m, cap, sizeof *bigger);
        if (!bigger)
            return NULL;
        if (m->n_bindings)
            memcpy(bigger, m->bindings, m->n_bindings * sizeof *bigger);
        m->bindings = bigger;
        m->cap_bindings = cap;
    }
    mdl_binding *b = &m->bindings[m->n_bindings++];
    b->file = mdl_arena_strdup(m, c->e->file);
    b->key = mdl_arena_strdup(m, c->e->key);
    b->line = c->e->line;
    return b->file && b->key ? b : NULL;
}

/* Records that the number just read (if it was a $ reference) feeds slot. */
int mdl_ref_bind_slot(pctx *c, double *slot, long *slot_long, dom_kind domain, owner_kind ok,
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

int mdl_ref_bind(pctx *c, double *slot, dom_kind domain, owner_kind ok, void *owner)
{
    return mdl_ref_bind_slot(c, slot, NULL, domain, ok, owner);
}

/* The number just read goes to a slot that cannot change between replications. */
int mdl_ref_fixed_only(pctx *c, const char *what)
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
int mdl_ref_copy(pctx *c, double *dst, const double *src)
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
void mdl_ref_moved(mdl_model *m, const double *old, size_t n, double *moved, size_t keep)
{
    for (size_t i = 0; i < m->n_bindings; i++) {
        mdl_binding *b = &m->bindings[i];
        if (!b->slot || b->slot < old || b->slot >= old + n)
            continue;
        size_t k = (size_t)(b->slot - old);
        b->slot = k < keep ? moved + k : NULL;
    }
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

int mdl_param_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || strchr("_.#-", *s)))
            return 0;
    return 1;
}

double mdl_param_quantile(const mdl_param *p, double u)
{
    switch (p->law) {
    case MDL_PARAM_FIXED:
        return p->p[0];
    case MDL_PARAM_NORMAL: {
        if (isinf(p->p[2]) && isinf(p->p[3]))
            return p->p[0] + p->p[1] * gsl_cdf_ugaussian_Pinv(u);
        /* truncated to (min, max): invert within the mass the interval holds */
        double lo = gsl_cdf_ugaussian_P((p->p[2] - p->p[0]) / p->p[1]);
        double hi = gsl_cdf_ugaussian_P((p->p[3] - p->p[0]) / p->p[1]);
        double x = p->p[0] + p->p[1] * gsl_cdf_ugaussian_Pinv(lo + u * (hi - lo));
        if (!(x > p->p[2]))
            x = nextafter(p->p[2], p->p[3]);
        if (!(x < p->p[3]))
            x = nextafter(p->p[3], p->p[2]);
        return x;
    }
    case MDL_PARAM_SD_INV_CHI2: {
        /* sigma = sd sqrt(df / X), X ~ chi-square(df): increasing in u through X's upper
         * quantile; with max, u is scaled to the mass below it, P(sigma <= max) =
         * P(X >= df sd^2 / max^2). */
        double sd = p->p[0], df = p->p[1];
        double below = isinf(p->p[2]) ? 1 : gsl_cdf_chisq_Q(df * sd * sd / (p->p[2] * p->p[2]), df);
        double x = gsl_cdf_chisq_Qinv(u * below, df);
        return x > 0 ? sd * sqrt(df / x) : p->p[2];
    }
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

static int has_arg(const args *a, const char *name)
{
    for (int i = 0; i < a->n; i++)
        if (a->key[i] && !strcmp(a->key[i], name))
            return 1;
    return 0;
}

/* The value of an sd-inv-chi2 law when nothing is drawn: its mean, sd sqrt(df / 2)
 * Gamma((df - 1) / 2) / Gamma(df / 2), when it is finite (df > 1, no max); otherwise
 * (df = 1, or a max) its median, which a max truncates. */
static double sd_inv_chi2_centre(double sd, double df, double max)
{
    if (df > 1 && isinf(max))
        return sd * sqrt(df / 2) * exp(gsl_sf_lngamma((df - 1) / 2) - gsl_sf_lngamma(df / 2));
    double below = isinf(max) ? 1 : gsl_cdf_chisq_Q(df * sd * sd / (max * max), df);
    return sd * sqrt(df / gsl_cdf_chisq_Qinv(0.5 * below, df));
}

/* Parses "NUMBER" or "uncertain LAW(k=v, ...)" into p. */
static int parse_param_law(pctx *c, const char *text, mdl_param *p)
{
    const char *q = text;
    double v;
    if (mdl_read_plain(&q, &v) && mdl_at_end(q)) {
        p->law = MDL_PARAM_FIXED;
        p->p[0] = p->mean = v;
        return PC_OK;
    }
    q = mdl_skip_ws(text);
    if (strncmp(q, "uncertain", 9) || !isspace((unsigned char)q[9]))
        return FAIL(c, "expected a number or 'uncertain LAW(...)' (normal, uniform, triangular, "
                       "beta, lognormal, sd-inv-chi2)");
    q = mdl_skip_ws(q + 9);
    const char *open = strchr(q, '('), *close = strrchr(q, ')');
    if (!open || !close || close < open || !mdl_at_end(close + 1))
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
    char *inner = mdl_arena_alloc(c->m, il + 1, 1);
    if (!inner)
        return OOM(c);
    memcpy(inner, open + 1, il);
    inner[il] = '\0';
    args a;
    if (mdl_parse_args(inner, &a) < 0)
        return FAIL(c, "uncertain %s: too many arguments", name);
    int rc;
    double *x = p->p;
    if (!strcmp(name, "normal")) {
        p->law = MDL_PARAM_NORMAL;
        x[2] = -INFINITY;
        x[3] = INFINITY;
        if ((rc = mdl_arg_number(c, &a, "mean", &x[0], name)) ||
            (rc = mdl_arg_number(c, &a, "sd", &x[1], name)) ||
            (has_arg(&a, "min") && (rc = mdl_arg_number(c, &a, "min", &x[2], name))) ||
            (has_arg(&a, "max") && (rc = mdl_arg_number(c, &a, "max", &x[3], name))))
            return rc;
        if (!(x[1] > 0))
            return FAIL(c, "uncertain normal: sd must be > 0");
        if (!(x[2] < x[3]))
            return FAIL(c, "uncertain normal: expected min < max");
        p->mean = x[0];
        if (!isinf(x[2]) || !isinf(x[3])) {
            double alpha = (x[2] - x[0]) / x[1], beta = (x[3] - x[0]) / x[1];
            double mass = gsl_cdf_ugaussian_P(beta) - gsl_cdf_ugaussian_P(alpha);
            if (!(mass > 1e-9))
                return FAIL(c,
                            "uncertain normal: (min, max) holds almost none of the law "
                            "(%.3g of it)",
                            mass);
            p->mean =
                x[0] + x[1] * (gsl_ran_ugaussian_pdf(alpha) - gsl_ran_ugaussian_pdf(beta)) / mass;
        }
    } else if (!strcmp(name, "sd-inv-chi2")) {
        p->law = MDL_PARAM_SD_INV_CHI2;
        x[2] = INFINITY;
        if ((rc = mdl_arg_number(c, &a, "sd", &x[0], name)) ||
            (rc = mdl_arg_number(c, &a, "df", &x[1], name)) ||
            (has_arg(&a, "max") && (rc = mdl_arg_number(c, &a, "max", &x[2], name))))
            return rc;
        if (!(x[0] > 0))
            return FAIL(c, "uncertain sd-inv-chi2: sd must be > 0");
        if (!(x[1] >= 1 && x[1] <= 1e6))
            return FAIL(c, "uncertain sd-inv-chi2: df (degrees of freedom) must be from 1 to "
                           "1000000");
        if (!(x[2] > 0))
            return FAIL(c, "uncertain sd-inv-chi2: max must be > 0");
        p->mean = sd_inv_chi2_centre(x[0], x[1], x[2]);
    } else if (!strcmp(name, "uniform")) {
        p->law = MDL_PARAM_UNIFORM;
        if ((rc = mdl_arg_number(c, &a, "min", &x[0], name)) ||
            (rc = mdl_arg_number(c, &a, "max", &x[1], name)))
            return rc;
        if (!(x[0] < x[1]))
            return FAIL(c, "uncertain uniform: expected min < max");
        p->mean = (x[0] + x[1]) / 2;
    } else if (!strcmp(name, "triangular")) {
        p->law = MDL_PARAM_TRIANGULAR;
        if ((rc = mdl_arg_number(c, &a, "min", &x[0], name)) ||
            (rc = mdl_arg_number(c, &a, "mode", &x[1], name)) ||
            (rc = mdl_arg_number(c, &a, "max", &x[2], name)))
            return rc;
        if (!(x[0] < x[2]) || x[1] < x[0] || x[1] > x[2])
            return FAIL(c, "uncertain triangular: expected min <= mode <= max and min < max");
        p->mean = (x[0] + x[1] + x[2]) / 3;
    } else if (!strcmp(name, "beta") || !strcmp(name, "lognormal")) {
        double mean, sd;
        if ((rc = mdl_arg_number(c, &a, "mean", &mean, name)) ||
            (rc = mdl_arg_number(c, &a, "sd", &sd, name)))
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
        return FAIL(c,
                    "unknown law 'uncertain %s' (normal, uniform, triangular, beta, lognormal, "
                    "sd-inv-chi2)",
                    name);
    }
    return mdl_args_all_used(c, &a, name);
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
/* Keys whose values are text, never numbers: "uncertain" there is a word. */
static int holds_numbers(const char *key)
{
    static const char *const text_keys[] = {
        "label", "description", "funder", "per",        "states",  "staff", "resource",
        "queue", "basis",       "entry",  "population", "outside", "unit",  NULL};
    for (const char *const *k = text_keys; *k; k++)
        if (!strcmp(key, *k))
            return 0;
    return 1;
}

/* The next "uncertain LAW(" in s, as a word where a number may stand, or NULL. */
static char *find_law(char *s)
{
    for (char *at = strstr(s, "uncertain"); at; at = strstr(at + 1, "uncertain")) {
        char before = at == s ? ' ' : at[-1];
        if (!(isspace((unsigned char)before) || strchr("(,:=", before)))
            continue;
        const char *q = at + 9;
        if (!isspace((unsigned char)*q))
            continue;
        while (isspace((unsigned char)*q))
            q++;
        if (!isalpha((unsigned char)*q))
            continue;
        while (isalnum((unsigned char)*q) || *q == '_' || *q == '-')
            q++;
        if (*q == '(')
            return at;
    }
    return NULL;
}

int mdl_extract_inline(cfg_doc *doc, pc_err *err)
{
    size_t n = 0, cap = 0;
    inline_law *found = NULL;
    int rc = PC_OK;
    for (size_t i = 0; !rc && i < doc->n; i++) {
        cfg_section *sec = &doc->sections[i];
        const char *arg;
        sec_kind kind = mdl_section_kind(sec->name, &arg);
        if (kind == SEC_PARAM || kind == SEC_RUN || kind == SEC_SCENARIO || kind == SEC_UNKNOWN)
            continue;
        for (size_t k = 0; k < sec->n && !rc; k++) {
            cfg_entry *e = &sec->entries[k];
            if (!holds_numbers(e->key))
                continue;
            int count = 0;
            char *at;
            size_t from = 0; /* never look again at what was written in place of a law */
            while (!rc && (at = find_law(e->value + from)) != NULL) {
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
                        rc = pc_fail(err, PC_EENV, "out of memory");
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
                    rc = pc_fail(err, PC_EENV, "out of memory");
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
                from = strlen(v);
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
            rc = pc_fail(err, PC_EENV, "out of memory");
        free(file);
    }
    for (size_t i = 0; i < n; i++)
        free(found[i].law);
    free(found);
    return rc;
}

/* Reads every [parameter NAME] section into m->params, each valued at its mean. */
int mdl_collect_params(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    static const char *const keys[] = {"label", "value", NULL};
    size_t n = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const char *arg;
        n += mdl_section_kind(doc->sections[i].name, &arg) == SEC_PARAM;
    }
    m->params = mdl_arena_alloc(m, n ? n : 1, sizeof *m->params);
    if (!m->params)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < doc->n; i++) {
        const cfg_section *sec = &doc->sections[i];
        const char *arg;
        if (mdl_section_kind(sec->name, &arg) != SEC_PARAM)
            continue;
        if (!mdl_param_name_ok(arg))
            return pc_fail_at(err, sec->file, sec->line, sec->name,
                              "malformed parameter name (letters, digits, '_', '.', '#', '-')");
        int rc = mdl_check_keys(m, err, sec, keys, 0);
        const cfg_entry *e = mdl_need_key(err, sec, "value", &rc);
        if (rc)
            return rc;
        mdl_param *p = &m->params[m->n_params];
        /* A law moved here from another key (mdl_extract_inline) is reported under that key. */
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
        p->name = mdl_arena_strdup(m, arg);
        p->text = mdl_arena_strdup(m, e->value);
        p->file = mdl_arena_strdup(m, e->file);
        const cfg_entry *label = cfg_get(sec, "label");
        p->label = mdl_arena_strdup(m, label ? label->value : arg);
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
        *lo = p->p[2], *hi = p->p[3];
        *lo_open = *hi_open = 1;
        return;
    case MDL_PARAM_SD_INV_CHI2:
        *lo = 0, *hi = p->p[2];
        *lo_open = 1;
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
    /* The engine's limits on rates are checked on each draw (mdl_bind), not against the
     * law's support: a lognormal rate is fine although its tail is unbounded. */
    if (d == DOM_HAZARD || d == DOM_INFLOW)
        d = DOM_NONNEG;
    if (d == DOM_COUNT)
        return lo == hi && mdl_in_domain(d, lo); /* a continuous law gives non-whole numbers */
    if (isinf(lo) || isinf(hi))
        return (d == DOM_NONNEG || d == DOM_POSITIVE) && !isinf(lo) && mdl_in_domain(d, lo) &&
               (d != DOM_POSITIVE || lo > 0 || lo_open);
    int lo_ok = mdl_in_domain(d, lo) || (lo_open && mdl_in_domain(d, nextafter(lo, hi)));
    int hi_ok = mdl_in_domain(d, hi) || (hi_open && mdl_in_domain(d, nextafter(hi, lo)));
    return lo_ok && hi_ok;
}

/* Every slot an uncertain parameter feeds can hold whatever the law draws. */
int mdl_check_supports(const mdl_model *m, pc_err *err)
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
                              p->name, p->text, p->file, p->line, mdl_domain_text(b->domain),
                              p->law == MDL_PARAM_NORMAL && isinf(p->p[2]) && isinf(p->p[3])
                                  ? " (a normal law takes any value: give it min= and max=, or "
                                    "use lognormal, beta, triangular or uniform)"
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
    char *dst = mdl_arena_alloc(k->inst, n, size);
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
        p->seniority_law =
            clone_array(&k, p->seniority_law, p->n_state_seniority, sizeof *p->seniority_law);
        for (size_t j = 0; !k.failed && j < p->n_state_seniority; j++)
            clone_table(&k, &p->seniority_law[j].table);
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
    for (size_t s = 0; !k.failed && s < m->n_staff; s++) {
        clone_schedule(&k, &inst->staff[s].caseload);
        clone_schedule(&k, &inst->staff[s].etp);
    }
    inst->drivers = clone_array(&k, m->drivers, m->n_drivers, sizeof *m->drivers);
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
        mdl_finish_lognormal(b->owner);
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
        if (!mdl_in_domain(b->domain, v))
            return pc_fail_at(err, b->file, b->line, b->key,
                              "parameter %s = %.10g: this key accepts %s", p->name, p->value,
                              mdl_domain_text(b->domain));
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

int mdl_instance(const mdl_model *base, const double *values, mdl_model **out, pc_err *err)
{
    *out = mdl_instance_alloc(base);
    if (!*out)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = mdl_bind(*out, values, err);
    if (rc) {
        mdl_free(*out);
        *out = NULL;
    }
    return rc;
}
