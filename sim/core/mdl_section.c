/* mdl_section — one parser per kind of section, and the checks across sections.
 *
 * Each parse_* function validates its section's keys (unknown keys are named
 * with the list of those expected), resolves names against the first pass and
 * fills its part of the model. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

sec_kind mdl_section_kind(const char *name, const char **arg)
{
    static const struct {
        const char *prefix;
        sec_kind kind;
    } kinds[] = {{"population ", SEC_POP},  {"state ", SEC_STATE},         {"resource ", SEC_RES},
                 {"cost ", SEC_COST},       {"staff ", SEC_STAFF},         {"set ", SEC_SET},
                 {"parameter ", SEC_PARAM}, {"indicator ", SEC_INDICATOR}, {"funder ", SEC_FUNDER},
                 {"driver ", SEC_DRIVER},   {"attribute ", SEC_ATTRIBUTE}};
    *arg = NULL;
    if (!strcmp(name, "model"))
        return SEC_MODEL;
    if (!strcmp(name, "scenario"))
        return SEC_SCENARIO;
    if (!strcmp(name, "run"))
        return SEC_RUN;
    if (!strcmp(name, "observations"))
        return SEC_OBSERVATIONS;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t l = strlen(kinds[i].prefix);
        if (!strncmp(name, kinds[i].prefix, l) && name[l]) {
            *arg = name + l;
            return kinds[i].kind;
        }
    }
    return SEC_UNKNOWN;
}

int mdl_valid_name(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    if (!*u || !(isalpha(*u) || *u == '_' || *u >= 0x80))
        return 0;
    for (; *u; u++)
        if (!(isalnum(*u) || *u == '_' || *u == '-' || *u >= 0x80))
            return 0;
    return 1;
}

/* Fails on any key of sec not in the allowed list (on.* allowed when on_ok). */
int mdl_check_keys(mdl_model *m, pc_err *err, const cfg_section *sec, const char *const *allowed,
                   int on_ok)
{
    (void)m;
    for (size_t i = 0; i < sec->n; i++) {
        const cfg_entry *e = &sec->entries[i];
        int ok = on_ok && !strncmp(e->key, "on.", 3) && mdl_valid_name(e->key + 3);
        for (const char *const *a = allowed; !ok && *a; a++) {
            /* a key written `prefix.STATE` stands for the prefix and any name */
            size_t n = strlen(*a);
            if (n > 6 && !strcmp(*a + n - 6, ".STATE"))
                ok = !strncmp(e->key, *a, n - 5) && mdl_valid_name(e->key + n - 5);
            else
                ok = !strcmp(e->key, *a);
        }
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

const cfg_entry *mdl_need_key(pc_err *err, const cfg_section *sec, const char *key, int *rc)
{
    const cfg_entry *e = cfg_get(sec, key);
    if (!e && !*rc)
        *rc = pc_fail_at(err, sec->file, sec->line, key, "missing in [%s]", sec->name);
    return e;
}

static int parse_state_list(pctx *c, const char *value, size_t *n, int **states)
{
    char *copy = mdl_arena_strdup(c->m, value);
    char *parts[MAX_PARTS];
    if (!copy)
        return OOM(c);
    int k = mdl_split_list(copy, parts, MAX_PARTS);
    if (k <= 0 || !parts[0][0])
        return FAIL(c, "expected a comma-separated list of states");
    *states = mdl_arena_alloc(c->m, (size_t)k, sizeof(int));
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

int mdl_set_cmp(const void *a, const void *b)
{
    const set_entry *x = a, *y = b;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return x->e < y->e ? -1 : (x->e > y->e);
}

/* ---- model ----------------------------------------------------------------- */

int mdl_parse_model_section(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    static const char *const model_keys[] = {"name", "start", "horizon", NULL};
    const cfg_section *sec = cfg_find(doc, "model");
    if (!sec)
        return pc_fail(err, PC_EINPUT,
                       "%s: no [model] section (a scenario names its model with "
                       "'model =' in [scenario])",
                       doc->path);
    int rc = mdl_check_keys(m, err, sec, model_keys, 0);
    const cfg_entry *name = mdl_need_key(err, sec, "name", &rc);
    const cfg_entry *start = mdl_need_key(err, sec, "start", &rc);
    const cfg_entry *horizon = mdl_need_key(err, sec, "horizon", &rc);
    if (rc)
        return rc;
    m->name = mdl_arena_strdup(m, name->value);
    const char *p = start->value;
    if (!mdl_read_date(&p, &m->start_year, &m->start_month) || !mdl_at_end(p))
        return pc_fail_at(err, start->file, start->line, "start", "expected a month YYYY-MM");
    p = horizon->value;
    double h;
    pctx c = {.m = m, .err = err, .e = horizon, .pop = -1};
    if (!mdl_read_number(&c, &p, &h))
        return FAIL(&c, "expected a number of months (1 to %d) or a duration such as 10y",
                    MDL_MAX_MONTHS);
    if ((rc = mdl_ref_fixed_only(&c, "the horizon")))
        return rc;
    p = mdl_skip_ws(p);
    if (*p == 'y' || *p == 'm') {
        h *= *p == 'y' ? 12 : 1;
        p++;
    }
    if (!mdl_at_end(p) || h != floor(h) || h < 1 || h > MDL_MAX_MONTHS)
        return pc_fail_at(err, horizon->file, horizon->line, "horizon",
                          "expected a whole number of months from 1 to %d (or years: 10y)",
                          MDL_MAX_MONTHS);
    m->horizon = (int)h;
    const cfg_section *sc = cfg_find(doc, "scenario");
    const cfg_entry *label = sc ? cfg_get(sc, "label") : NULL;
    m->label = mdl_arena_strdup(m, label ? label->value : m->name);
    m->source = mdl_arena_strdup(m, doc->path);
    const cfg_section *run = cfg_find(doc, "run");
    const cfg_entry *id = run ? cfg_get(run, "scenario") : NULL;
    if (id) {
        m->id = mdl_arena_strdup(m, id->value);
    } else {
        const char *base = strrchr(doc->path, '/');
        base = base ? base + 1 : doc->path;
        m->id = mdl_arena_strdup(m, base);
        char *dot = m->id ? strrchr(m->id, '.') : NULL;
        if (dot && dot != m->id)
            *dot = '\0';
    }
    if (!m->name || !m->label || !m->source || !m->id)
        return pc_fail(err, PC_EENV, "out of memory");
    return PC_OK;
}

/* Pass 1: names of populations, states, resources, staff; funders. */
int mdl_collect_names(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    size_t np = 0, ns = 0, nr = 0, nc = 0, nst = 0, ni = 0, nfu = 0, nd = 0, na = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const char *arg;
        const cfg_section *sec = &doc->sections[i];
        sec_kind k = mdl_section_kind(sec->name, &arg);
        if (k == SEC_UNKNOWN)
            return pc_fail_at(err, sec->file, sec->line, sec->name,
                              "unknown section; expected [model], [scenario], [population NAME], "
                              "[state NAME], [resource NAME], [cost NAME], [staff NAME], "
                              "[funder NAME], [indicator NAME], [driver NAME], [attribute NAME], "
                              "[parameter NAME], [observations] or [set YYYY-MM]");
        if (arg && k != SEC_SET && k != SEC_PARAM && !mdl_valid_name(arg))
            return pc_fail_at(err, sec->file, sec->line, sec->name,
                              "malformed name '%s' (letters, digits, '_', '-')", arg);
        if (arg && !strcmp(arg, "out"))
            return pc_fail_at(err, sec->file, sec->line, sec->name, "'out' is reserved");
        np += k == SEC_POP;
        ns += k == SEC_STATE;
        nr += k == SEC_RES;
        nc += k == SEC_COST;
        nst += k == SEC_STAFF;
        ni += k == SEC_INDICATOR;
        nfu += k == SEC_FUNDER;
        nd += k == SEC_DRIVER;
        na += k == SEC_ATTRIBUTE;
        /* a staff with ETP limits its states: its slots are a resource */
        nr += k == SEC_STAFF && cfg_get(sec, "etp") != NULL;
    }
    if (np == 0)
        return pc_fail(err, PC_EINPUT, "%s: no [population NAME] section", doc->path);
    m->populations = mdl_arena_alloc(m, np, sizeof *m->populations);
    m->states = mdl_arena_alloc(m, ns, sizeof *m->states);
    m->resources = mdl_arena_alloc(m, nr, sizeof *m->resources);
    m->costs = mdl_arena_alloc(m, nc, sizeof *m->costs);
    m->staff = mdl_arena_alloc(m, nst, sizeof *m->staff);
    m->funders = mdl_arena_alloc(m, nc + nfu, sizeof *m->funders);
    m->funder_labels = mdl_arena_alloc(m, nc + nfu, sizeof *m->funder_labels);
    m->indicators = mdl_arena_alloc(m, ni, sizeof *m->indicators);
    m->drivers = mdl_arena_alloc(m, nd, sizeof *m->drivers);
    m->attributes = mdl_arena_alloc(m, na, sizeof *m->attributes);
    if (!m->populations || !m->states || !m->resources || !m->costs || !m->staff || !m->funders ||
        !m->funder_labels || !m->indicators || !m->drivers || !m->attributes)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < doc->n; i++) {
        const char *arg;
        const cfg_section *sec = &doc->sections[i];
        sec_kind k = mdl_section_kind(sec->name, &arg);
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
        case SEC_INDICATOR:
            slot = &m->indicators[m->n_indicators++].name;
            break;
        case SEC_DRIVER:
            slot = &m->drivers[m->n_drivers++].name;
            break;
        case SEC_ATTRIBUTE:
            slot = &m->attributes[m->n_attributes++].name;
            break;
        default:
            break;
        }
        if (slot && !(*slot = mdl_arena_strdup(m, arg)))
            return pc_fail(err, PC_EENV, "out of memory");
    }
    return PC_OK;
}

char *mdl_label_of(mdl_model *m, const cfg_section *sec, const char *fallback)
{
    const cfg_entry *e = cfg_get(sec, "label");
    return mdl_arena_strdup(m, e ? e->value : fallback);
}

/* initial.seniority.STATE = table(FILE) | DISTRIBUTION: the time the initial persons placed in
 * STATE have already spent there (checked against the population in mdl_resolve.c). */
static int parse_state_seniorities(pctx *c, const cfg_section *sec, mdl_population *pop)
{
    static const char prefix[] = "initial.seniority.";
    const size_t pl = sizeof prefix - 1;
    size_t n = 0;
    for (size_t i = 0; i < sec->n; i++)
        n += !strncmp(sec->entries[i].key, prefix, pl);
    if (!n)
        return PC_OK;
    pop->seniority_state = mdl_arena_alloc(c->m, n, sizeof(int));
    pop->seniority_law = mdl_arena_alloc(c->m, n, sizeof(mdl_law));
    if (!pop->seniority_state || !pop->seniority_law)
        return OOM(c);
    for (size_t i = 0; i < sec->n; i++) {
        const cfg_entry *e = &sec->entries[i];
        if (strncmp(e->key, prefix, pl))
            continue;
        c->e = e;
        int s = mdl_state_index(c->m, e->key + pl);
        if (s < 0)
            return FAIL(c, "unknown state '%s'", e->key + pl);
        for (size_t j = 0; j < pop->n_state_seniority; j++)
            if (pop->seniority_state[j] == s)
                return FAIL(c, "state %s already has a seniority", e->key + pl);
        mdl_law *law = &pop->seniority_law[pop->n_state_seniority];
        memset(law, 0, sizeof *law);
        law->effect = law->prob_effect = law->modulation = -1;
        law->probability = 1;
        const char *p = mdl_skip_ws(e->value);
        int rc;
        if (!strncmp(p, "table(", 6)) {
            char path[1024];
            if (mdl_read_table_ref(&p, NULL, 0, path, sizeof path) != 1 || !mdl_at_end(p))
                return FAIL(c, "expected table(FILE) with columns upper,weight, or a "
                               "distribution such as exponential(mean=3m)");
            law->kind = MDL_AFTER_EMPIRICAL;
            rc = mdl_load_bins(c, path, &law->table);
        } else {
            rc = mdl_parse_after(c, p, law);
        }
        if (rc)
            return rc;
        pop->seniority_state[pop->n_state_seniority++] = s;
    }
    return PC_OK;
}

int mdl_territory_code(const char *text, char out[4])
{
    size_t n = strlen(text);
    int ok = 0;
    if (n == 2 && text[0] == '2' && strchr("aAbB", text[1]) && text[1])
        ok = 1;
    else if (n == 2 && isdigit((unsigned char)text[0]) && isdigit((unsigned char)text[1]))
        ok = strcmp(text, "00") != 0 && strcmp(text, "20") != 0 && strcmp(text, "96") < 0;
    else if (n == 3 && !strncmp(text, "97", 2))
        ok = text[2] >= '1' && text[2] <= '6';
    if (!ok)
        return 0;
    for (size_t i = 0; i <= n; i++)
        out[i] = (char)toupper((unsigned char)text[i]);
    return 1;
}

int mdl_parse_population(mdl_model *m, const cfg_section *sec, mdl_population *pop, pc_err *err)
{
    static const char *const keys[] = {"label",
                                       "entry",
                                       "inflow.rate",
                                       "inflow.profile",
                                       "inflow.overdispersion",
                                       "inflow.drivers",
                                       "breakdown",
                                       "initial.count",
                                       "initial.state",
                                       "initial.seniority",
                                       "initial.seniority.STATE",
                                       "warmup",
                                       "territory",
                                       NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 0);
    const cfg_entry *entry = mdl_need_key(err, sec, "entry", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = entry, .pop = (int)(pop - m->populations)};
    pop->label = mdl_label_of(m, sec, pop->name);
    pop->hash = mdl_hash(pop->name);
    pop->entry = mdl_state_index(m, entry->value);
    if (pop->entry < 0)
        return FAIL(&c, "unknown state '%s'", entry->value);
    pop->inflow_modulation = -1;
    const cfg_entry *drivers = cfg_get(sec, "inflow.drivers");
    if (drivers) {
        c.e = drivers;
        if ((rc = mdl_parse_modulation(&c, drivers->value, &pop->inflow_modulation)))
            return rc;
    }
    for (int k = 0; k < 12; k++)
        pop->profile[k] = 1.0;
    const cfg_entry *e;
    if ((e = cfg_get(sec, "inflow.rate"))) {
        c.e = e;
        if ((rc =
                 mdl_parse_schedule(&c, e->value, VAL_RATE, DOM_INFLOW, "rate", NAN, &pop->inflow)))
            return rc;
    }
    if ((e = cfg_get(sec, "inflow.profile"))) {
        c.e = e;
        const char *p = e->value;
        char path[1024];
        if (mdl_read_table_ref(&p, NULL, 0, path, sizeof path) != 1 || !mdl_at_end(p))
            return FAIL(&c, "expected table(FILE) with columns month,factor");
        cfg_table *csv;
        if ((rc = mdl_load_table(&c, path, "month", "factor", &csv)))
            return rc;
        int seen[12] = {0};
        for (size_t i = 1; i < csv->n_rows && !rc; i++) {
            const cfg_row *r = &csv->rows[i];
            const char *q = r->fields[0];
            double mo, f;
            if (!mdl_read_plain(&q, &mo) || !mdl_at_end(q) || mo != floor(mo) || mo < 1 ||
                mo > 12 || seen[(int)mo - 1])
                rc = FAIL(&c, "table %s:%d: month: expected each month 1..12 once", path, r->line);
            q = r->fields[1];
            if (!rc && (!mdl_read_plain(&q, &f) || !mdl_at_end(q) || f < 0))
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
    if ((e = cfg_get(sec, "territory"))) {
        c.e = e;
        if (!mdl_territory_code(e->value, pop->territory))
            return FAIL(&c, "expected a d\xC3\xA9partement code (01 to 95, 2A, 2B, 971 to 976)");
    }
    if ((e = cfg_get(sec, "inflow.overdispersion"))) {
        c.e = e;
        const char *p = e->value;
        if (!mdl_read_number(&c, &p, &pop->overdispersion) || !mdl_at_end(p) ||
            pop->overdispersion < 0 || pop->overdispersion > 10)
            return FAIL(&c, "expected a coefficient of variation between 0 and 10");
        if ((rc = mdl_ref_bind(&c, &pop->overdispersion, DOM_OVERDISPERSION, OWNER_NONE, NULL)))
            return rc;
    }
    if ((e = cfg_get(sec, "initial.count"))) {
        c.e = e;
        const char *p = e->value;
        double n;
        if (!mdl_read_number(&c, &p, &n) || !mdl_at_end(p) || n < 0 || n != floor(n) || n > 1e8)
            return FAIL(&c, "expected a whole number of persons (0 to 100000000)");
        pop->initial_count = (long)n;
        if ((rc = mdl_ref_bind_slot(&c, NULL, &pop->initial_count, DOM_COUNT, OWNER_NONE, NULL)))
            return rc;
    }
    if ((e = cfg_get(sec, "initial.state"))) {
        c.e = e;
        if ((rc = mdl_parse_dest(&c, e->value, 0, &pop->initial_state)))
            return rc;
    } else {
        pop->initial_state.n = 1;
        pop->initial_state.state = mdl_arena_alloc(m, 1, sizeof(int));
        pop->initial_state.cum = mdl_arena_alloc(m, 1, sizeof(double));
        if (!pop->initial_state.state || !pop->initial_state.cum)
            return pc_fail(err, PC_EENV, "out of memory");
        pop->initial_state.state[0] = pop->entry;
        pop->initial_state.cum[0] = 1.0;
    }
    if ((e = cfg_get(sec, "initial.seniority"))) {
        c.e = e;
        const char *p = e->value;
        char path[1024];
        if (mdl_read_table_ref(&p, NULL, 0, path, sizeof path) != 1 || !mdl_at_end(p))
            return FAIL(&c, "expected table(FILE) with columns upper,weight");
        if ((rc = mdl_load_bins(&c, path, &pop->initial_seniority)))
            return rc;
    }
    if ((rc = parse_state_seniorities(&c, sec, pop)))
        return rc;
    if ((e = cfg_get(sec, "warmup"))) {
        c.e = e;
        const char *p = e->value;
        if (!mdl_read_duration(&c, &p, &pop->warmup) || !mdl_at_end(p) || pop->warmup < 0 ||
            pop->warmup > 100 * MDL_DAYS_PER_YEAR)
            return FAIL(&c, "expected a duration up to 100y (e.g. 10y)");
        if ((rc = mdl_ref_bind(&c, &pop->warmup, DOM_WARMUP, OWNER_NONE, NULL)))
            return rc;
        if (pop->initial_count > 0)
            return FAIL(&c, "give either warmup or initial.count, not both");
    }
    return PC_OK;
}

int mdl_parse_resource(mdl_model *m, const cfg_section *sec, mdl_resource *r, pc_err *err)
{
    static const char *const keys[] = {"label", "capacity", "etp.weight", "unit", NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 0);
    const cfg_entry *cap = mdl_need_key(err, sec, "capacity", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = cap, .pop = -1};
    r->label = mdl_label_of(m, sec, r->name);
    if ((rc = mdl_parse_schedule(&c, cap->value, VAL_COUNT, DOM_COUNT, "capacity", 0.0,
                                 &r->capacity)))
        return rc;
    r->etp_weight = 1.0;
    r->staff = -1;
    const cfg_entry *unit = cfg_get(sec, "unit");
    r->unit = mdl_arena_strdup(m, unit ? unit->value : "places");
    if (!r->unit)
        return OOM(&c);
    const cfg_entry *w = cfg_get(sec, "etp.weight");
    r->counts_etp = w != NULL;
    if (w) {
        c.e = w;
        const char *p = w->value;
        if (!mdl_read_number(&c, &p, &r->etp_weight) || !mdl_at_end(p) || !(r->etp_weight > 0))
            return FAIL(&c, "expected a number of ETP per place > 0");
        if ((rc = mdl_ref_bind(&c, &r->etp_weight, DOM_POSITIVE, OWNER_NONE, NULL)))
            return rc;
    }
    return PC_OK;
}

int mdl_parse_staff(mdl_model *m, const cfg_section *sec, mdl_staff *st, pc_err *err)
{
    static const char *const keys[] = {"label", "states", "caseload", "etp", "queue", NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 0);
    const cfg_entry *states = mdl_need_key(err, sec, "states", &rc);
    const cfg_entry *caseload = mdl_need_key(err, sec, "caseload", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = states, .pop = -1};
    st->label = mdl_label_of(m, sec, st->name);
    st->resource = st->queue = -1;
    if ((rc = parse_state_list(&c, states->value, &st->n_states, &st->states)))
        return rc;
    c.e = caseload;
    if ((rc = mdl_parse_schedule(&c, caseload->value, VAL_NUMBER, DOM_POSITIVE, "caseload", NAN,
                                 &st->caseload)))
        return rc;
    if (mdl_schedule_at(&st->caseload, -1e300) <= 0)
        return FAIL(&c, "caseload must be > 0");
    for (size_t i = 0; i < st->caseload.n; i++)
        if (!(st->caseload.value[i] > 0))
            return FAIL(&c, "caseload must be > 0");
    const cfg_entry *etp = cfg_get(sec, "etp"), *queue = cfg_get(sec, "queue");
    if (!etp) {
        if (queue)
            return pc_fail_at(err, queue->file, queue->line, queue->key,
                              "a queue needs 'etp' (a staff that limits its states)");
        return PC_OK;
    }
    /* A staff with ETP limits its states: each person there holds one of its
     * ETP x caseload slots, and waits in its queue when none is free. */
    c.e = etp;
    st->binding = 1;
    if ((rc = mdl_parse_schedule(&c, etp->value, VAL_NUMBER, DOM_NONNEG, "etp", NAN, &st->etp)))
        return rc;
    if (!queue)
        return pc_fail_at(err, sec->file, sec->line, "queue",
                          "missing in [%s]: where persons wait for a référent slot", sec->name);
    c.e = queue;
    if ((st->queue = mdl_state_index(m, queue->value)) < 0)
        return FAIL(&c, "unknown state '%s'", queue->value);
    if (mdl_resource_index(m, st->name) >= 0)
        return pc_fail_at(err, sec->file, sec->line, sec->name,
                          "a [resource %s] exists: a staff with ETP makes a resource of its own "
                          "name",
                          st->name);
    mdl_resource *r = &m->resources[m->n_resources];
    r->name = st->name;
    r->label = st->label;
    r->unit = mdl_arena_strdup(m, "personnes suivies");
    r->etp_weight = 1;
    r->staff = (int)(st - m->staff);
    if (!r->unit)
        return OOM(&c);
    st->resource = (int)m->n_resources++;
    return PC_OK;
}

/* The states a binding staff serves hold its slots (after the states are read). */
int mdl_link_staff(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    for (size_t i = 0; i < m->n_staff; i++) {
        const mdl_staff *st = &m->staff[i];
        if (!st->binding)
            continue;
        for (size_t k = 0; k < st->n_states; k++) {
            mdl_state *s = &m->states[st->states[k]];
            if (s->resource >= 0)
                return mdl_fail_entry(err, doc, "staff", st->name, "states",
                                      "state %s already holds resource %s", s->name,
                                      m->resources[s->resource].name);
            if (st->queue == st->states[k])
                return mdl_fail_entry(err, doc, "staff", st->name, "queue",
                                      "the queue %s is one of the staff's states", s->name);
            s->resource = st->resource;
            s->queue = st->queue;
            s->staff = (int)i;
        }
    }
    return PC_OK;
}

int mdl_parse_cost(mdl_model *m, const cfg_section *sec, mdl_cost *co, pc_err *err)
{
    static const char *const keys[] = {"label",      "funder", "per",   "states",
                                       "resource",   "basis",  "staff", "amount",
                                       "indexation", "group",  NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 0);
    const cfg_entry *funder = mdl_need_key(err, sec, "funder", &rc);
    const cfg_entry *per = mdl_need_key(err, sec, "per", &rc);
    const cfg_entry *amount = mdl_need_key(err, sec, "amount", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = funder, .pop = -1};
    co->label = mdl_label_of(m, sec, co->name);
    if (!mdl_valid_name(funder->value))
        return FAIL(&c, "expected a funder name (letters, digits, '_', '-'), e.g. departement");
    co->funder = mdl_funder_index(m, funder->value);
    if (co->funder < 0) {
        co->funder = (int)m->n_funders;
        m->funder_labels[m->n_funders] = mdl_arena_strdup(m, funder->value);
        if (!(m->funders[m->n_funders++] = mdl_arena_strdup(m, funder->value)) ||
            !m->funder_labels[co->funder])
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
                     (!strcmp(specific[i], "basis") &&
                      (co->per == MDL_COST_UNIT_YEAR || co->per == MDL_COST_STAFF_YEAR));
        if (e && !wanted)
            return pc_fail_at(err, e->file, e->line, e->key, "not used with per = %s", per->value);
    }
    const cfg_entry *e = mdl_need_key(err, sec, needs, &rc);
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
    } else if ((co->staff = mdl_staff_index(m, e->value)) < 0) {
        return FAIL(&c, "unknown staff '%s'", e->value);
    } else {
        /* staff-year: the ETP the caseload needs, or a binding staff's funded ETP */
        co->occupied = 1;
        const cfg_entry *b = cfg_get(sec, "basis");
        if (b) {
            c.e = b;
            if (!strcmp(b->value, "funded") && m->staff[co->staff].binding)
                co->occupied = 0;
            else if (strcmp(b->value, "occupied"))
                return FAIL(&c, "expected occupied, or funded for a staff with 'etp'");
        }
    }
    co->group = -1;
    const cfg_entry *g = cfg_get(sec, "group");
    if (g) {
        c.e = g;
        if (co->per != MDL_COST_PERSON_MONTH && co->per != MDL_COST_ENTRY)
            return FAIL(&c, "only a cost per person-month or per entry applies to a group");
        int a, v;
        if ((rc = mdl_parse_group(&c, g->value, &a, &v)))
            return rc;
        co->group = (int)(m->attributes[a].group + (size_t)v);
    }
    c.e = amount;
    if ((rc = mdl_parse_schedule(&c, amount->value, VAL_NUMBER, DOM_NONNEG, "amount", NAN,
                                 &co->amount)))
        return rc;
    const cfg_entry *ix = cfg_get(sec, "indexation");
    if (ix && strcmp(ix->value, "none")) {
        c.e = ix;
        const char *p = ix->value;
        char path[1024];
        int tr = mdl_read_table_ref(&p, NULL, 0, path, sizeof path);
        if (tr > 0) {
            if (!mdl_at_end(p))
                return FAIL(&c, "unexpected text after table(...)");
            if ((rc = mdl_parse_schedule(&c, ix->value, VAL_NUMBER, DOM_NONNEG, "factor", 1.0,
                                         &co->index_table)))
                return rc;
        } else {
            p = ix->value;
            if (!mdl_read_number(&c, &p, &co->indexation) || *(p = mdl_skip_ws(p)) != '%' ||
                strcmp(mdl_skip_ws(p + 1), "/y") != 0 || co->indexation <= -100 ||
                co->indexation > 100)
                return FAIL(&c, "expected a yearly rate such as 1.5%%/y, none, or table(FILE) "
                                "with columns date,factor");
            co->indexation /= 100.0;
            c.div = 100.0;
            if ((rc = mdl_ref_bind(&c, &co->indexation, DOM_YEARLY_RATE, OWNER_NONE, NULL)))
                return rc;
        }
    }
    return PC_OK;
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

int mdl_parse_state(mdl_model *m, const cfg_doc *doc, const cfg_section *sec, mdl_state *st,
                    const set_entry *sets, size_t n_sets, pc_err *err)
{
    static const char *const keys[] = {"label", "population", "outside", "resource",
                                       "queue", "admits",     NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 1);
    if (rc)
        return rc;
    (void)doc;
    pctx c = {.m = m, .err = err, .e = NULL, .pop = -1};
    st->label = mdl_label_of(m, sec, st->name);
    const cfg_entry *e = cfg_get(sec, "population");
    if (e) {
        c.e = e;
        if ((st->population = mdl_population_index(m, e->value)) < 0)
            return FAIL(&c, "unknown population '%s'", e->value);
    } else {
        /* the first population written: a scenario may add populations to a model
         * whose states never needed to name theirs */
        st->population = 0;
    }
    c.pop = st->population;
    st->admit_attr = st->staff = -1;
    if ((e = cfg_get(sec, "admits"))) {
        c.e = e;
        char *copy = mdl_arena_strdup(m, e->value);
        char *parts[MAX_PARTS];
        if (!copy)
            return OOM(&c);
        int n = mdl_split_list(copy, parts, MAX_PARTS);
        for (int i = 0; i < n; i++) {
            int a, v;
            if ((rc = mdl_parse_group(&c, parts[i], &a, &v)))
                return rc;
            if (st->admit_attr >= 0 && a != st->admit_attr)
                return FAIL(&c, "the admitted groups must be values of one attribute");
            st->admit_attr = a;
            st->admit_values |= 1ull << v;
        }
    }
    if ((e = cfg_get(sec, "outside"))) {
        c.e = e;
        if (!mdl_is_yes(e->value, &st->outside))
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
    st->transitions = mdl_arena_alloc(m, cap ? cap : 1, sizeof *st->transitions);
    if (!st->transitions)
        return OOM(&c);
    for (size_t i = 0; i < sec->n; i++) {
        const cfg_entry *te = &sec->entries[i];
        if (strncmp(te->key, "on.", 3))
            continue;
        mdl_transition *tr = &st->transitions[st->n_transitions++];
        tr->name = mdl_arena_strdup(m, te->key + 3);
        tr->versions = mdl_arena_alloc(m, 1 + n_sets, sizeof *tr->versions);
        if (!tr->name || !tr->versions)
            return OOM(&c);
        tr->n_versions = 1;
        tr->versions[0].from = -INFINITY;
        tr->versions[0].group_attr = -1;
        c.e = te;
        if ((rc = mdl_parse_transition(&c, te->value, &tr->versions[0])))
            return rc;
    }
    for (size_t i = 0; i < n_sets; i++) {
        char sname[256];
        const char *tname;
        if (!set_transition_key(sets[i].e->key, sname, sizeof sname, &tname) ||
            strcmp(sname, st->name))
            continue;
        c.e = sets[i].e;
        if (!mdl_valid_name(tname))
            return FAIL(&c, "malformed transition name '%s'", tname);
        mdl_transition *tr = NULL;
        for (size_t k = 0; k < st->n_transitions; k++)
            if (!strcmp(st->transitions[k].name, tname))
                tr = &st->transitions[k];
        if (!tr) {
            tr = &st->transitions[st->n_transitions++];
            tr->name = mdl_arena_strdup(m, tname);
            tr->versions = mdl_arena_alloc(m, 1 + n_sets, sizeof *tr->versions);
            if (!tr->name || !tr->versions)
                return OOM(&c);
            tr->n_versions = 1;
            tr->versions[0].from = -INFINITY;
            tr->versions[0].present = 0;
            tr->versions[0].group_attr = -1;
        }
        mdl_version *v = &tr->versions[tr->n_versions];
        v->from = sets[i].day;
        v->group_attr = -1;
        if (sets[i].group &&
            (rc = mdl_parse_group(&c, sets[i].group, &v->group_attr, &v->group_value)))
            return rc;
        if (!strcmp(sets[i].e->value, "none")) {
            v->present = 0;
            v->text = mdl_arena_strdup(m, "none");
            v->file = mdl_arena_strdup(m, sets[i].e->file);
            v->line = sets[i].e->line;
        } else if ((rc = mdl_parse_transition(&c, sets[i].e->value, v))) {
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
int mdl_apply_set_schedules(mdl_model *m, const set_entry *sets, size_t n_sets, pc_err *err)
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
        if (sets[i].group)
            return FAIL(&c, "only transitions (state.S.on.T) can be changed for one group");
        if (!strncmp(e->key, "attribute.", 10)) {
            /* attribute.A.entry: read by the attribute's own section */
            size_t l = strlen(e->key);
            if (l < 16 || strcmp(e->key + l - 6, ".entry"))
                return FAIL(&c, "expected attribute.NAME.entry");
            snprintf(name, sizeof name, "%.*s", (int)(l - 16), e->key + 10);
            if (mdl_attribute_index(m, name) < 0)
                return FAIL(&c, "unknown attribute '%s'", name);
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
            dom = DOM_INFLOW;
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
            int s = mdl_staff_index(m, name);
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
        if (!mdl_read_value(&c, &p, k, &v) || !mdl_at_end(p))
            return FAIL(&c, "expected %s", mdl_val_expected(k));
        if (!mdl_in_domain(dom, v))
            return FAIL(&c, "expected %s", mdl_domain_text(dom));
        int rc;
        if (mdl_schedule_set_from(m, target, sets[i].day, v))
            return OOM(&c);
        if ((rc = mdl_ref_bind(&c, &target->value[target->n - 1], dom, OWNER_NONE, NULL)))
            return rc;
    }
    return PC_OK;
}

int mdl_record_changes(mdl_model *m, const set_entry *sets, size_t n_sets)
{
    m->changes = mdl_arena_alloc(m, n_sets, sizeof *m->changes);
    if (!m->changes)
        return PC_EENV;
    for (size_t i = 0; i < n_sets; i++) {
        mdl_change *ch = &m->changes[m->n_changes++];
        ch->date = mdl_arena_strdup(m, sets[i].date);
        ch->key = mdl_arena_strdup(m, sets[i].e->key);
        ch->value = mdl_arena_strdup(m, sets[i].e->value);
        ch->file = mdl_arena_strdup(m, sets[i].e->file);
        ch->line = sets[i].e->line;
        if (!ch->date || !ch->key || !ch->value || !ch->file)
            return PC_EENV;
    }
    return PC_OK;
}

int mdl_fail_entry(pc_err *err, const cfg_doc *doc, const char *kind, const char *name,
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
int mdl_check_streams(const mdl_model *m, const cfg_doc *doc, pc_err *err)
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
                        return mdl_fail_entry(err, doc, "state", m->states[a].name, key,
                                              "shares a random stream with %s.on.%s (hash "
                                              "collision): rename one of them",
                                              m->states[b].name, m->states[b].transitions[k].name);
                    }
    return PC_OK;
}

/* Table paths are made relative to the current directory, from the file that names them. */
int mdl_rewrite_table_paths(cfg_doc *doc, pc_err *err)
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
            const char *path = mdl_skip_ws(semi ? semi + 1 : start);
            size_t pl = (size_t)(close - path);
            while (pl && isspace((unsigned char)path[pl - 1]))
                pl--;
            if (pl == 0 || path[0] == '/')
                continue;
            char *name = malloc(pl + 1);
            if (!name)
                return pc_fail(err, PC_EENV, "out of memory");
            memcpy(name, path, pl);
            name[pl] = '\0';
            char *joined = cfg_path_beside(e->file, name);
            free(name);
            if (!joined)
                return pc_fail(err, PC_EENV, "out of memory");
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
                return pc_fail(err, PC_EENV, "out of memory");
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
