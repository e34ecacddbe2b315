/* mdl_attribute — [attribute NAME] sections, factors by attribute value, groups.
 *
 * An attribute names its values, their shares at entry (optionally dated, and
 * optionally depending on an attribute declared before it) and in the initial
 * stock, and how a value may change with the person's own time:
 *   values = moins_26, 26_49, plus_50
 *   entry = moins_26:0.06, 26_49:0.70, plus_50:0.24      (or entry.VALUE_OF_PARENT = ...)
 *   change.moins_26 = after uniform(min=0y, max=9y) -> 26_49
 * Factors follow a rate, a share or a probability after '*':
 *   hazard 0.05/m * age(moins_26: 1.3, plus_50: 0.6), pro:0.55 * age(plus_50: 0.7). */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

int mdl_attribute_of(const mdl_model *m, int a, int pop)
{
    return (m->attributes[a].has[(size_t)pop / 64] >> ((size_t)pop % 64)) & 1;
}

int mdl_attribute_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_attributes; i++)
        if (!strcmp(m->attributes[i].name, name))
            return (int)i;
    return -1;
}

static int value_index(const mdl_attribute *a, const char *name)
{
    for (size_t i = 0; i < a->n_values; i++)
        if (!strcmp(a->values[i], name))
            return (int)i;
    return -1;
}

static int value_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || (unsigned char)*s >= 0x80))
            return 0;
    return 1;
}

int mdl_parse_group(pctx *c, const char *text, int *attr, int *value)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", mdl_skip_ws(text));
    size_t l = strlen(buf);
    while (l && isspace((unsigned char)buf[l - 1]))
        buf[--l] = '\0';
    char *sep = strpbrk(buf, ":=");
    if (!sep)
        return FAIL(c, "'%s': expected ATTRIBUTE:VALUE (e.g. age:moins_26)", text);
    *sep = '\0';
    if ((*attr = mdl_attribute_index(c->m, buf)) < 0)
        return FAIL(c, "unknown attribute '%s'", buf);
    const mdl_attribute *a = &c->m->attributes[*attr];
    if (c->pop >= 0 && !mdl_attribute_of(c->m, *attr, c->pop))
        return FAIL(c, "attribute '%s' belongs to population %s, not %s", buf,
                    c->m->populations[a->population].name, c->m->populations[c->pop].name);
    if ((*value = value_index(a, sep + 1)) < 0)
        return FAIL(c, "attribute '%s' has no value '%s'", buf, sep + 1);
    return PC_OK;
}

/* "v:share, v:share": cumulative shares over the attribute's values into cum. */
static int parse_shares(pctx *c, const mdl_attribute *a, const char *text, double *cum)
{
    char *copy = mdl_arena_strdup(c->m, text);
    char *parts[MAX_PARTS];
    if (!copy)
        return OOM(c);
    int n = mdl_split_list(copy, parts, MAX_PARTS);
    double *share = mdl_arena_alloc(c->m, a->n_values, sizeof *share);
    if (!share)
        return OOM(c);
    for (size_t v = 0; v < a->n_values; v++)
        share[v] = -1;
    for (int i = 0; i < n; i++) {
        char *colon = strchr(parts[i], ':');
        if (!colon)
            return FAIL(c, "'%s': expected VALUE:SHARE", parts[i]);
        *colon = '\0';
        size_t l = strlen(parts[i]);
        while (l && isspace((unsigned char)parts[i][l - 1]))
            parts[i][--l] = '\0';
        int v = value_index(a, parts[i]);
        if (v < 0)
            return FAIL(c, "attribute %s has no value '%s'", a->name, parts[i]);
        if (share[v] >= 0)
            return FAIL(c, "value '%s' given twice", parts[i]);
        const char *q = colon + 1;
        if (!mdl_read_plain(&q, &share[v]) || !mdl_at_end(q) || share[v] < 0 || share[v] > 1)
            return FAIL(c, "'%s': the share must be a number between 0 and 1", parts[i]);
    }
    double sum = 0;
    for (size_t v = 0; v < a->n_values; v++) {
        sum += share[v] > 0 ? share[v] : 0;
        cum[v] = sum;
    }
    if (fabs(sum - 1) > 1e-6)
        return FAIL(c, "shares sum to %.6g, expected 1", sum);
    cum[a->n_values - 1] = 1;
    return PC_OK;
}

/* The shares of key `base` (entry or initial): one row, or one row per parent value
 * from keys base.VALUE.  fallback: rows to copy when the key is absent (or NULL). */
static int parse_share_rows(pctx *c, const cfg_section *sec, const mdl_attribute *a,
                            const char *base, double *rows, const double *fallback)
{
    mdl_model *m = c->m;
    size_t n_rows = a->parent >= 0 ? m->attributes[a->parent].n_values : 1;
    const cfg_entry *plain = cfg_get(sec, base);
    for (size_t r = 0; r < n_rows; r++) {
        const cfg_entry *e = plain;
        if (a->parent >= 0 && !plain) {
            char key[300];
            snprintf(key, sizeof key, "%s.%s", base, m->attributes[a->parent].values[r]);
            e = cfg_get(sec, key);
        }
        if (!e) {
            if (!fallback)
                return pc_fail_at(c->err, sec->file, sec->line, base,
                                  a->parent >= 0 ? "missing in [%s] (give %s, or %s.VALUE for "
                                                   "each value of %s)"
                                                 : "missing in [%s]",
                                  sec->name, base, base,
                                  a->parent >= 0 ? m->attributes[a->parent].name : "");
            memcpy(rows + r * a->n_values, fallback + r * a->n_values, a->n_values * sizeof *rows);
            continue;
        }
        c->e = e;
        int rc = parse_shares(c, a, e->value, rows + r * a->n_values);
        if (rc)
            return rc;
    }
    return PC_OK;
}

/* change.VALUE = after LAW -> VALUE2 */
static int parse_change(pctx *c, mdl_attribute *a, const cfg_entry *e, size_t v)
{
    const char *arrow = strstr(e->value, "->");
    if (!arrow)
        return FAIL(c, "expected 'after DISTRIBUTION -> VALUE'");
    char to[128];
    snprintf(to, sizeof to, "%s", mdl_skip_ws(arrow + 2));
    size_t l = strlen(to);
    while (l && isspace((unsigned char)to[l - 1]))
        to[--l] = '\0';
    int target = value_index(a, to);
    if (target < 0 || (size_t)target == v)
        return FAIL(c, "'-> %s': expected another value of attribute %s", to, a->name);
    mdl_version scratch = {0};
    char text[1200];
    snprintf(text, sizeof text, "%.*s -> out", (int)(arrow - e->value), e->value);
    int rc = mdl_parse_transition(c, text, &scratch);
    if (rc)
        return rc;
    if (scratch.law.kind == MDL_HAZARD_CONST || scratch.law.kind == MDL_HAZARD_PIECEWISE ||
        scratch.law.probability < 1)
        return FAIL(c, "a change of value takes 'after DISTRIBUTION' (a duration on the "
                       "person's own time), without 'with'");
    if (scratch.law.kind == MDL_AFTER_FIXED && !(scratch.law.p[0] > 0))
        return FAIL(c, "a change after no time (two such changes back and forth would never "
                       "end): give the value at entry instead");
    a->change[v] = scratch.law;
    a->change_to[v] = target;
    return PC_OK;
}

/* population = P1, P2, ...: the populations whose persons carry the attribute (one
 * attribute may belong to several: a person moving between them keeps its value). */
static int parse_attribute_populations(pctx *c, const cfg_section *sec, mdl_attribute *a)
{
    mdl_model *m = c->m;
    a->has = mdl_arena_alloc(m, (m->n_populations + 63) / 64, sizeof *a->has);
    if (!a->has)
        return OOM(c);
    const cfg_entry *e = cfg_get(sec, "population");
    if (!e) {
        /* the first population written, as for states: a scenario may add populations to a
         * model whose attributes never named theirs */
        a->population = 0;
        a->has[0] = 1;
        return PC_OK;
    }
    c->e = e;
    char *pc = mdl_arena_strdup(m, e->value);
    char *pp[MAX_PARTS];
    if (!pc)
        return OOM(c);
    int np = mdl_split_list(pc, pp, MAX_PARTS);
    for (int i = 0; i < np; i++) {
        int p = mdl_population_index(m, pp[i]);
        if (p < 0)
            return FAIL(c, "unknown population '%s'", pp[i]);
        if (i == 0)
            a->population = p;
        a->has[(size_t)p / 64] |= 1ull << ((size_t)p % 64);
    }
    return PC_OK;
}

/* values = V1, V2, ... and labels = L1, L2, ... */
static int parse_attribute_values(pctx *c, const cfg_section *sec, const cfg_entry *values,
                                  mdl_attribute *a)
{
    mdl_model *m = c->m;
    c->e = values;
    char *copy = mdl_arena_strdup(m, values->value);
    char *parts[MAX_PARTS];
    if (!copy)
        return OOM(c);
    int n = mdl_split_list(copy, parts, MAX_PARTS);
    if (n < 2 || n > 64)
        return FAIL(c, "expected 2 to 64 values separated by commas");
    a->n_values = (size_t)n;
    a->values = mdl_arena_alloc(m, a->n_values, sizeof *a->values);
    a->value_labels = mdl_arena_alloc(m, a->n_values, sizeof *a->value_labels);
    a->change = mdl_arena_alloc(m, a->n_values, sizeof *a->change);
    a->change_to = mdl_arena_alloc(m, a->n_values, sizeof *a->change_to);
    if (!a->values || !a->value_labels || !a->change || !a->change_to)
        return OOM(c);
    for (int i = 0; i < n; i++) {
        if (!value_name_ok(parts[i]))
            return FAIL(c, "malformed value '%s' (letters, digits, '_', '-')", parts[i]);
        for (int j = 0; j < i; j++)
            if (!strcmp(parts[j], parts[i]))
                return FAIL(c, "value '%s' listed twice", parts[i]);
        a->values[i] = parts[i];
        a->value_labels[i] = parts[i];
        a->change_to[i] = -1;
    }
    const cfg_entry *e = cfg_get(sec, "labels");
    if (e) {
        c->e = e;
        char *lc = mdl_arena_strdup(m, e->value);
        char *lp[MAX_PARTS];
        if (!lc)
            return OOM(c);
        if (mdl_split_list(lc, lp, MAX_PARTS) != n)
            return FAIL(c, "expected one label per value (%d)", n);
        for (int i = 0; i < n; i++)
            a->value_labels[i] = lp[i];
    }
    return PC_OK;
}

/* Every key of the section is known, and the entry./initial./change. keys name values;
 * change.VALUE is parsed here. */
static int parse_attribute_keys(pctx *c, const cfg_section *sec, mdl_attribute *a)
{
    mdl_model *m = c->m;
    int rc;
    for (size_t i = 0; i < sec->n; i++) {
        const char *k = sec->entries[i].key;
        c->e = &sec->entries[i];
        if (!strcmp(k, "label") || !strcmp(k, "population") || !strcmp(k, "values") ||
            !strcmp(k, "labels") || !strcmp(k, "depends") || !strcmp(k, "entry") ||
            !strcmp(k, "initial"))
            continue;
        const char *dot = strchr(k, '.');
        size_t pl = dot ? (size_t)(dot - k) : 0;
        if (dot && pl == 6 && !strncmp(k, "change", 6)) {
            int v = value_index(a, dot + 1);
            if (v < 0)
                return FAIL(c, "attribute %s has no value '%s'", a->name, dot + 1);
            if ((rc = parse_change(c, a, &sec->entries[i], (size_t)v)))
                return rc;
            continue;
        }
        if (dot && a->parent >= 0 &&
            ((pl == 5 && !strncmp(k, "entry", 5)) || (pl == 7 && !strncmp(k, "initial", 7)))) {
            if (value_index(&m->attributes[a->parent], dot + 1) < 0)
                return FAIL(c, "attribute %s has no value '%s'", m->attributes[a->parent].name,
                            dot + 1);
            continue;
        }
        return FAIL(c,
                    "unknown key in [%s]; expected label, population, values, labels, "
                    "depends, entry, initial, entry.VALUE, initial.VALUE or change.VALUE",
                    sec->name);
    }
    return PC_OK;
}

/* The shares at entry (and their dated changes) and in the initial stock. */
static int parse_attribute_shares(pctx *c, const cfg_section *sec, mdl_attribute *a,
                                  const set_entry *sets, size_t n_sets)
{
    mdl_model *m = c->m;
    int rc;
    size_t rows = (a->parent >= 0 ? m->attributes[a->parent].n_values : 1) * a->n_values;
    size_t n_dated = 0;
    char key[300];
    snprintf(key, sizeof key, "attribute.%s.entry", a->name);
    for (size_t i = 0; i < n_sets; i++)
        n_dated += !strcmp(sets[i].e->key, key);
    a->entry = mdl_arena_alloc(m, 1 + n_dated, sizeof *a->entry);
    a->entry[0].cum = a->entry ? mdl_arena_alloc(m, rows, sizeof(double)) : NULL;
    a->initial_cum = mdl_arena_alloc(m, rows, sizeof(double));
    if (!a->entry || !a->entry[0].cum || !a->initial_cum)
        return OOM(c);
    a->entry[0].from = -INFINITY;
    a->n_entry = 1;
    if ((rc = parse_share_rows(c, sec, a, "entry", a->entry[0].cum, NULL)) ||
        (rc = parse_share_rows(c, sec, a, "initial", a->initial_cum, a->entry[0].cum)))
        return rc;
    for (size_t i = 0; i < n_sets; i++) {
        if (strcmp(sets[i].e->key, key))
            continue;
        c->e = sets[i].e;
        if (a->parent >= 0)
            return FAIL(c, "shares that depend on %s cannot be changed by date",
                        m->attributes[a->parent].name);
        mdl_attr_shares *v = &a->entry[a->n_entry++];
        v->from = sets[i].day;
        if (!(v->cum = mdl_arena_alloc(m, a->n_values, sizeof(double))))
            return OOM(c);
        if ((rc = parse_shares(c, a, sets[i].e->value, v->cum)))
            return rc;
    }
    return PC_OK;
}

int mdl_parse_attribute(mdl_model *m, const cfg_section *sec, mdl_attribute *a,
                        const set_entry *sets, size_t n_sets, pc_err *err)
{
    int rc = PC_OK;
    const cfg_entry *values = mdl_need_key(err, sec, "values", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = values, .pop = -1};
    if (!(a->label = mdl_label_of(m, sec, a->name)))
        return OOM(&c);
    char purpose[300];
    snprintf(purpose, sizeof purpose, "attribute.%s", a->name);
    a->purpose = mdl_hash(purpose);
    a->parent = -1;
    if ((rc = parse_attribute_populations(&c, sec, a)) ||
        (rc = parse_attribute_values(&c, sec, values, a)))
        return rc;
    const cfg_entry *e = cfg_get(sec, "depends");
    if (e) {
        c.e = e;
        a->parent = mdl_attribute_index(m, e->value);
        if (a->parent < 0 || a->parent >= (int)(a - m->attributes))
            return FAIL(&c, "expected an attribute declared before this one");
        for (size_t p = 0; p < m->n_populations; p++)
            if (mdl_attribute_of(m, (int)(a - m->attributes), (int)p) &&
                !mdl_attribute_of(m, a->parent, (int)p))
                return FAIL(&c, "attribute %s is not an attribute of population %s", e->value,
                            m->populations[p].name);
    }
    if ((rc = parse_attribute_keys(&c, sec, a)) ||
        (rc = parse_attribute_shares(&c, sec, a, sets, n_sets)))
        return rc;
    a->group = m->n_groups;
    m->n_groups += a->n_values;
    return PC_OK;
}

static int parse_factor_item(pctx *c, const char *text, mdl_effect *ef, size_t i)
{
    const char *open = strchr(text, '('), *close = strrchr(text, ')');
    char name[128];
    size_t nl = (size_t)(open - text);
    while (nl && isspace((unsigned char)text[nl - 1]))
        nl--;
    const char *start = mdl_skip_ws(text);
    nl -= (size_t)(start - text);
    if (!close || !mdl_at_end(close + 1) || nl == 0 || nl >= sizeof name)
        return FAIL(c, "'%s': expected ATTRIBUTE(VALUE: FACTOR, ...)", text);
    memcpy(name, start, nl);
    name[nl] = '\0';
    int a = mdl_attribute_index(c->m, name);
    if (a < 0)
        return FAIL(c, "unknown attribute or driver '%s'", name);
    const mdl_attribute *attr = &c->m->attributes[a];
    if (c->pop >= 0 && !mdl_attribute_of(c->m, a, c->pop))
        return FAIL(c, "attribute '%s' belongs to another population", name);
    for (size_t j = 0; j < i; j++)
        if (ef->attribute[j] == a)
            return FAIL(c, "attribute '%s' named twice", name);
    double *f = mdl_arena_alloc(c->m, attr->n_values, sizeof *f);
    size_t il = (size_t)(close - open - 1);
    char *inner = mdl_arena_alloc(c->m, il + 1, 1);
    char *parts[MAX_PARTS];
    if (!f || !inner)
        return OOM(c);
    memcpy(inner, open + 1, il);
    for (size_t v = 0; v < attr->n_values; v++)
        f[v] = 1;
    int n = mdl_split_list(inner, parts, MAX_PARTS);
    for (int k = 0; k < n; k++) {
        char *colon = strchr(parts[k], ':');
        if (!colon)
            return FAIL(c, "'%s': expected VALUE: FACTOR", parts[k]);
        *colon = '\0';
        size_t l = strlen(parts[k]);
        while (l && isspace((unsigned char)parts[k][l - 1]))
            parts[k][--l] = '\0';
        int v = value_index(attr, parts[k]);
        if (v < 0)
            return FAIL(c, "attribute %s has no value '%s'", name, parts[k]);
        const char *q = colon + 1;
        if (!mdl_read_plain(&q, &f[v]) || !mdl_at_end(q) || !(f[v] >= 0) || f[v] > 1e6)
            return FAIL(c, "'%s': the factor must be a number >= 0", parts[k]);
    }
    ef->attribute[i] = a;
    ef->factor[i] = f;
    return PC_OK;
}

int mdl_parse_factors(pctx *c, const char *text, int *modulation, int *effect)
{
    mdl_model *m = c->m;
    char *copy = mdl_arena_strdup(m, text);
    if (!copy)
        return OOM(c);
    char *items[32];
    size_t n = 0;
    int depth = 0;
    char *start = copy;
    for (char *q = copy;; q++) {
        depth += (*q == '(') - (*q == ')');
        if ((*q == '*' && depth == 0) || *q == '\0') {
            int last = *q == '\0';
            *q = '\0';
            if (n == sizeof items / sizeof items[0])
                return FAIL(c, "at most 32 factors");
            items[n++] = start;
            if (last)
                break;
            start = q + 1;
        }
    }
    char drivers[1024] = "";
    mdl_effect ef = {0};
    ef.attribute = mdl_arena_alloc(m, n, sizeof *ef.attribute);
    ef.factor = mdl_arena_alloc(m, n, sizeof *ef.factor);
    if (!ef.attribute || !ef.factor)
        return OOM(c);
    for (size_t i = 0; i < n; i++) {
        if (strchr(items[i], '(')) {
            int rc = parse_factor_item(c, items[i], &ef, ef.n);
            if (rc)
                return rc;
            ef.n++;
        } else {
            if (!modulation)
                return FAIL(c,
                            "'%s': only attribute factors (ATTRIBUTE(VALUE: FACTOR, ...)) "
                            "apply here",
                            mdl_skip_ws(items[i]));
            size_t used = strlen(drivers);
            snprintf(drivers + used, sizeof drivers - used, "%s%s", used ? "*" : "", items[i]);
        }
    }
    if (drivers[0]) {
        int rc = mdl_parse_modulation(c, drivers, modulation);
        if (rc)
            return rc;
    }
    if (ef.n) {
        mdl_effect *bigger = mdl_arena_alloc(m, m->n_effects + 1, sizeof *bigger);
        if (!bigger)
            return OOM(c);
        if (m->n_effects)
            memcpy(bigger, m->effects, m->n_effects * sizeof *bigger);
        bigger[m->n_effects] = ef;
        m->effects = bigger;
        *effect = (int)m->n_effects++;
    }
    return PC_OK;
}

/* Which groups the engine counts: every value of the attributes a population breaks
 * its outputs down by (key `breakdown`), and the groups costs are paid for. */
int mdl_link_groups(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    m->tracked = mdl_arena_alloc(m, m->n_groups ? m->n_groups : 1, sizeof *m->tracked);
    if (!m->tracked)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t g = 0; g < m->n_groups; g++)
        m->tracked[g] = -1;
    for (size_t p = 0; p < m->n_populations; p++) {
        mdl_population *pop = &m->populations[p];
        char sname[300];
        snprintf(sname, sizeof sname, "population %s", pop->name);
        const cfg_entry *e = cfg_get(cfg_find(doc, sname), "breakdown");
        if (!e)
            continue;
        pctx c = {.m = m, .err = err, .e = e, .pop = (int)p};
        char *copy = mdl_arena_strdup(m, e->value);
        char *parts[MAX_PARTS];
        if (!copy)
            return OOM(&c);
        int n = mdl_split_list(copy, parts, MAX_PARTS);
        pop->breakdown = mdl_arena_alloc(m, n > 0 ? (size_t)n : 1, sizeof *pop->breakdown);
        if (!pop->breakdown)
            return OOM(&c);
        for (int i = 0; i < n; i++) {
            int a = mdl_attribute_index(m, parts[i]);
            if (a < 0 || !mdl_attribute_of(m, a, (int)p))
                return FAIL(&c, "'%s' is not an attribute of population %s", parts[i], pop->name);
            pop->breakdown[pop->n_breakdown++] = a;
            for (size_t v = 0; v < m->attributes[a].n_values; v++)
                m->tracked[m->attributes[a].group + v] = 0;
        }
    }
    for (size_t c = 0; c < m->n_costs; c++)
        if (m->costs[c].group >= 0)
            m->tracked[m->costs[c].group] = 0;
    m->n_tracked = 0;
    for (size_t g = 0; g < m->n_groups; g++)
        if (m->tracked[g] >= 0)
            m->tracked[g] = (int)m->n_tracked++;
    return PC_OK;
}
