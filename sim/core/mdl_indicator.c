/* mdl_indicator — [indicator NAME] and [funder NAME] sections, and check's warnings.
 *
 * An indicator names events and flows of the model: it is validated here (every
 * state, population, cost and funder it names exists, the combination makes
 * sense) so that the engine and the recorder only follow indices.  Event specs:
 *   entry POP | arrival POP | return POP | exit POP | state S1, S2 | S1, S2
 *   (status only) outside POP | inside POP
 * Ratio and count terms: in.S, stock.S, stock.P, etp.R, flow.S.T, entries.P, arrivals.P,
 * returns.P, exits.P, cost.C, funder.F, cost.total, separated by commas (summed). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

/* Splits a copy of text at commas into parts (trimmed), as many as there are;
 * NULL on out of memory. */
static char **split_copy(mdl_model *m, const char *text, int *n)
{
    size_t commas = 0;
    for (const char *p = text; *p; p++)
        commas += *p == ',';
    if (commas >= INT32_MAX)
        return NULL;
    char *copy = mdl_arena_strdup(m, text);
    char **parts = copy ? mdl_arena_alloc(m, commas + 1, sizeof *parts) : NULL;
    if (!parts)
        return NULL;
    *n = mdl_split_list(copy, parts, (int)commas + 1);
    return parts;
}

/* "state a, b" or "a, b": the states, all of one population (pop, or any when -1). */
static int parse_states(pctx *c, const char *text, mdl_event *ev)
{
    int n;
    char **parts = split_copy(c->m, text, &n);
    if (!parts)
        return OOM(c);
    if (n <= 0 || !parts[0][0])
        return FAIL(c, "expected one or more states");
    ev->kind = MDL_EV_STATE;
    ev->n_states = (size_t)n;
    ev->states = mdl_arena_alloc(c->m, (size_t)n, sizeof *ev->states);
    if (!ev->states)
        return OOM(c);
    ev->population = -1;
    for (int i = 0; i < n; i++) {
        int s = mdl_state_index(c->m, parts[i]);
        if (s < 0)
            return FAIL(c, "unknown state '%s'", parts[i]);
        if (ev->population >= 0 && c->m->states[s].population != ev->population)
            return FAIL(c, "states %s and %s belong to different populations", parts[0], parts[i]);
        ev->population = c->m->states[s].population;
        ev->states[i] = s;
    }
    return PC_OK;
}

/* An event spec (see the file's opening comment); status: also outside/inside. */
static int parse_event(pctx *c, const char *text, int status, mdl_event *ev)
{
    static const struct {
        const char *word;
        mdl_event_kind kind;
        int status_only, event_only;
    } words[] = {{"entry", MDL_EV_ENTRY, 0, 1},     {"arrival", MDL_EV_ARRIVAL, 0, 1},
                 {"return", MDL_EV_RETURN, 0, 1},   {"exit", MDL_EV_EXIT, 0, 1},
                 {"outside", MDL_EV_OUTSIDE, 1, 0}, {"inside", MDL_EV_INSIDE, 1, 0}};
    const char *p = mdl_skip_ws(text);
    if (!strncmp(p, "state", 5) && isspace((unsigned char)p[5]))
        return parse_states(c, p + 6, ev);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t l = strlen(words[i].word);
        if (strncmp(p, words[i].word, l) || !isspace((unsigned char)p[l]))
            continue;
        if (status ? words[i].event_only : words[i].status_only)
            return FAIL(c, "'%s POPULATION' %s", words[i].word,
                        status ? "is an event, not a status (expected states, outside POP or "
                                 "inside POP)"
                               : "is a status, not an event");
        const char *name = mdl_skip_ws(p + l);
        char pop[256];
        size_t nl = strlen(name);
        while (nl && isspace((unsigned char)name[nl - 1]))
            nl--;
        if (nl == 0 || nl >= sizeof pop)
            return FAIL(c, "expected '%s POPULATION'", words[i].word);
        memcpy(pop, name, nl);
        pop[nl] = '\0';
        ev->kind = words[i].kind;
        if ((ev->population = mdl_population_index(c->m, pop)) < 0)
            return FAIL(c, "unknown population '%s'", pop);
        return PC_OK;
    }
    return parse_states(c, p, ev); /* a plain list of states */
}

/* One ratio term, KIND.NAME (flow.S.T, cost.total). */
static int parse_term(pctx *c, const char *text, mdl_term *t)
{
    static const struct {
        const char *prefix;
        mdl_term_kind kind;
    } kinds[] = {{"in.", MDL_TERM_IN},
                 {"stock.", MDL_TERM_STOCK},
                 {"flow.", MDL_TERM_FLOW},
                 {"entries.", MDL_TERM_ENTRIES},
                 {"arrivals.", MDL_TERM_ARRIVALS},
                 {"returns.", MDL_TERM_RETURNS},
                 {"exits.", MDL_TERM_EXITS},
                 {"cost.", MDL_TERM_COST},
                 {"funder.", MDL_TERM_FUNDER},
                 {"etp.", MDL_TERM_ETP}};
    const mdl_model *m = c->m;
    if (!strcmp(text, "cost.total")) {
        t->kind = MDL_TERM_TOTAL;
        t->index = 0;
        return PC_OK;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t l = strlen(kinds[i].prefix);
        if (strncmp(text, kinds[i].prefix, l))
            continue;
        const char *name = text + l;
        t->kind = kinds[i].kind;
        t->index = -1;
        switch (t->kind) {
        case MDL_TERM_IN:
            t->index = mdl_state_index(m, name);
            break;
        case MDL_TERM_STOCK:
            t->index = mdl_state_index(m, name);
            if (t->index < 0 && (t->index = mdl_population_index(m, name)) >= 0)
                t->kind = MDL_TERM_POP_STOCK;
            break;
        case MDL_TERM_FLOW: {
            const char *dot = strchr(name, '.');
            char state[256];
            if (!dot || (size_t)(dot - name) >= sizeof state)
                break;
            memcpy(state, name, (size_t)(dot - name));
            state[dot - name] = '\0';
            int s = mdl_state_index(m, state);
            for (size_t k = 0; s >= 0 && k < m->states[s].n_transitions; k++)
                if (!strcmp(m->states[s].transitions[k].name, dot + 1))
                    t->index = (int)m->states[s].transitions[k].flow;
            break;
        }
        case MDL_TERM_COST:
            for (size_t k = 0; k < m->n_costs; k++)
                if (!strcmp(m->costs[k].name, name))
                    t->index = (int)k;
            break;
        case MDL_TERM_FUNDER:
            t->index = mdl_funder_index(c->m, name);
            break;
        case MDL_TERM_ETP:
            t->index = mdl_resource_index(m, name);
            if (t->index >= 0 && !m->resources[t->index].counts_etp)
                return FAIL(c, "'%s': resource %s has no etp.weight (it is not counted in ETP)",
                            text, name);
            break;
        default:
            t->index = mdl_population_index(m, name);
            break;
        }
        if (t->index < 0)
            return FAIL(c, "'%s': no such %s in the model", text,
                        t->kind == MDL_TERM_STOCK    ? "state or population"
                        : t->kind == MDL_TERM_IN     ? "state"
                        : t->kind == MDL_TERM_FLOW   ? "transition"
                        : t->kind == MDL_TERM_COST   ? "cost"
                        : t->kind == MDL_TERM_FUNDER ? "funder"
                        : t->kind == MDL_TERM_ETP    ? "resource"
                                                     : "population");
        return PC_OK;
    }
    return FAIL(
        c,
        "'%s': expected in.STATE, stock.STATE, stock.POP, flow.STATE.TRANSITION, entries.POP, "
        "arrivals.POP, returns.POP, exits.POP, cost.COST, funder.FUNDER, cost.total or "
        "etp.RESOURCE",
        text);
}

static int is_stock(const mdl_term *t)
{
    return t->kind == MDL_TERM_STOCK || t->kind == MDL_TERM_POP_STOCK || t->kind == MDL_TERM_ETP;
}

int mdl_terms_are_stocks(const mdl_indicator *ind)
{
    return ind->kind == MDL_IND_COUNT && ind->n_num > 0 && is_stock(&ind->num[0]);
}

static int parse_terms(pctx *c, const char *text, size_t *n_out, mdl_term **out)
{
    int n;
    char **parts = split_copy(c->m, text, &n);
    if (!parts)
        return OOM(c);
    if (n <= 0 || !parts[0][0])
        return FAIL(c, "expected one or more variables separated by commas");
    *out = mdl_arena_alloc(c->m, (size_t)n, sizeof **out);
    if (!*out)
        return OOM(c);
    for (int i = 0; i < n; i++) {
        int rc = parse_term(c, parts[i], &(*out)[i]);
        if (rc)
            return rc;
    }
    *n_out = (size_t)n;
    return PC_OK;
}

/* ">= 50%", "<= 90d", ">= 0.5", "<= 1200" in the indicator's unit. */
static int parse_target(pctx *c, const char *text, mdl_indicator *ind)
{
    const char *p = mdl_skip_ws(text);
    if (!strncmp(p, ">=", 2))
        ind->target_op = +1;
    else if (!strncmp(p, "<=", 2))
        ind->target_op = -1;
    else
        return FAIL(c, "expected '>= VALUE' or '<= VALUE' (e.g. >= 50%%, <= 90d)");
    p += 2;
    double v;
    const char *q = p;
    if (mdl_read_duration(NULL, &q, &v) && mdl_at_end(q)) {
        if (ind->unit != MDL_UNIT_DAYS)
            return FAIL(c, "a duration target needs an indicator in days");
    } else if (q = p, mdl_read_plain(&q, &v)) {
        q = mdl_skip_ws(q);
        if (*q == '%') {
            if (ind->unit != MDL_UNIT_SHARE)
                return FAIL(c, "a percentage target needs an indicator that is a share");
            v /= 100;
            q++;
        }
        if (!mdl_at_end(q))
            return FAIL(c, "expected '>= VALUE' or '<= VALUE' (e.g. >= 50%%, <= 90d)");
    } else {
        return FAIL(c, "expected '>= VALUE' or '<= VALUE' (e.g. >= 50%%, <= 90d)");
    }
    ind->target = v;
    ind->target_text = mdl_arena_strdup(c->m, text);
    return ind->target_text ? PC_OK : OOM(c);
}

static int parse_unit(pctx *c, const char *text, mdl_unit *unit)
{
    static const char *const names[] = {"share", "days", "euros", "number"};
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(text, names[i])) {
            *unit = (mdl_unit)i;
            return PC_OK;
        }
    return FAIL(c, "expected share, days, euros or number");
}

int mdl_parse_indicator(mdl_model *m, const cfg_section *sec, mdl_indicator *ind, pc_err *err)
{
    static const char *const keys[] = {"label",  "kind",   "from",      "to",          "in",
                                       "within", "at",     "numerator", "denominator", "of",
                                       "unit",   "target", "initial",   NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 0);
    const cfg_entry *kind = mdl_need_key(err, sec, "kind", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = kind, .pop = -1};
    ind->label = mdl_label_of(m, sec, ind->name);
    if (!ind->label)
        return OOM(&c);
    static const char *const wanted[4][4] = {{"from", "to", "within", NULL},
                                             {"from", "in", "at", NULL},
                                             {"numerator", "denominator", NULL, NULL},
                                             {"of", NULL, NULL, NULL}};
    static const char *const kinds[] = {"delay", "status", "ratio", "count"};
    size_t k = 0;
    while (k < 4 && strcmp(kind->value, kinds[k]))
        k++;
    if (k == 4)
        return FAIL(&c, "expected delay, status, ratio or count");
    ind->kind = (mdl_indicator_kind)k;
    for (size_t i = 0; i < sec->n; i++) {
        const char *key = sec->entries[i].key;
        int ok = !strcmp(key, "label") || !strcmp(key, "kind") || !strcmp(key, "unit") ||
                 !strcmp(key, "target") || (k == MDL_IND_DELAY && !strcmp(key, "initial"));
        for (size_t j = 0; !ok && wanted[k][j]; j++)
            ok = !strcmp(key, wanted[k][j]);
        if (!ok)
            return pc_fail_at(err, sec->entries[i].file, sec->entries[i].line, key,
                              "not used by an indicator of kind %s", kinds[k]);
    }
    const cfg_entry *e[3] = {NULL, NULL, NULL};
    for (size_t j = 0; wanted[k][j]; j++)
        e[j] = mdl_need_key(err, sec, wanted[k][j], &rc);
    if (rc)
        return rc;
    ind->unit = ind->kind == MDL_IND_COUNT ? MDL_UNIT_NUMBER : MDL_UNIT_SHARE;
    if (ind->kind == MDL_IND_COUNT) {
        c.e = e[0];
        if ((rc = parse_terms(&c, e[0]->value, &ind->n_num, &ind->num)))
            return rc;
        for (size_t j = 1; j < ind->n_num; j++) {
            if (is_stock(&ind->num[j]) != is_stock(&ind->num[0]))
                return FAIL(&c, "a count sums stocks (stock.S, stock.P, etp.R) or flows, not both");
            if ((ind->num[j].kind == MDL_TERM_ETP) != (ind->num[0].kind == MDL_TERM_ETP))
                return FAIL(&c, "a count sums ETP (etp.R) or persons (stock.S, stock.P), not both");
        }
    } else if (ind->kind == MDL_IND_RATIO) {
        c.e = e[0];
        if ((rc = parse_terms(&c, e[0]->value, &ind->n_num, &ind->num)))
            return rc;
        c.e = e[1];
        if ((rc = parse_terms(&c, e[1]->value, &ind->n_den, &ind->den)))
            return rc;
    } else {
        c.e = e[0];
        if ((rc = parse_event(&c, e[0]->value, 0, &ind->from)))
            return rc;
        c.e = e[1];
        if ((rc = parse_event(&c, e[1]->value, ind->kind == MDL_IND_STATUS, &ind->to)))
            return rc;
        if (ind->from.population != ind->to.population)
            return FAIL(&c, "the events of an indicator must concern one population (%s and %s)",
                        m->populations[ind->from.population].name,
                        m->populations[ind->to.population].name);
        c.e = e[2];
        const char *p = e[2]->value;
        if (!mdl_read_duration(NULL, &p, &ind->window) || !mdl_at_end(p) || !(ind->window > 0) ||
            ind->window > m->horizon * MDL_DAYS_PER_MONTH)
            return FAIL(&c, "expected a duration > 0 within the horizon (e.g. 2m, 12m)");
        ind->watch = (int)m->n_watched++;
    }
    const cfg_entry *initial = cfg_get(sec, "initial");
    if (initial) {
        int yes;
        c.e = initial;
        if (!mdl_is_yes(initial->value, &yes))
            return FAIL(&c, "expected yes or no");
        ind->no_initial = !yes;
    }
    const cfg_entry *unit = cfg_get(sec, "unit");
    if (unit) {
        c.e = unit;
        if ((rc = parse_unit(&c, unit->value, &ind->unit)))
            return rc;
        if ((ind->kind == MDL_IND_DELAY || ind->kind == MDL_IND_STATUS) &&
            ind->unit != MDL_UNIT_SHARE)
            return FAIL(&c, "a %s indicator is a share", kinds[k]);
    }
    const cfg_entry *target = cfg_get(sec, "target");
    if (target) {
        c.e = target;
        if ((rc = parse_target(&c, target->value, ind)))
            return rc;
    }
    return PC_OK;
}

int mdl_parse_funder(mdl_model *m, const cfg_section *sec, const char *name, pc_err *err)
{
    static const char *const keys[] = {"label", NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 0);
    if (rc)
        return rc;
    int f = mdl_funder_index(m, name);
    if (f < 0) {
        f = (int)m->n_funders++;
        if (!(m->funders[f] = mdl_arena_strdup(m, name)))
            return pc_fail(err, PC_EENV, "out of memory");
    }
    if (!(m->funder_labels[f] = mdl_label_of(m, sec, name)))
        return pc_fail(err, PC_EENV, "out of memory");
    return PC_OK;
}

static int add_warning(mdl_model *m, char *text)
{
    char **bigger = mdl_arena_alloc(m, m->n_warnings + 1, sizeof *bigger);
    if (!bigger || !text) {
        free(text);
        return PC_EENV;
    }
    if (m->n_warnings)
        memcpy(bigger, m->warnings, m->n_warnings * sizeof *bigger);
    bigger[m->n_warnings] = mdl_arena_strdup(m, text);
    free(text);
    if (!bigger[m->n_warnings])
        return PC_EENV;
    m->warnings = bigger;
    m->n_warnings++;
    return PC_OK;
}

/* A scenario that adds states without restating the cost lines drops money silently:
 * warn about a state of a population that no person-month cost counts while some
 * person-month cost counts other states of that population. */
int mdl_cost_warnings(mdl_model *m, pc_err *err)
{
    for (size_t s = 0; s < m->n_states; s++) {
        const mdl_state *st = &m->states[s];
        if (st->outside)
            continue;
        int covered = 0, elsewhere = 0;
        char list[600] = "";
        for (size_t c = 0; c < m->n_costs; c++) {
            const mdl_cost *co = &m->costs[c];
            if (co->per != MDL_COST_PERSON_MONTH)
                continue;
            int here = 0, same_pop = 0;
            for (size_t k = 0; k < co->n_states; k++) {
                here |= co->states[k] == (int)s;
                same_pop |= m->states[co->states[k]].population == st->population;
            }
            covered |= here;
            if (same_pop && !here) {
                elsewhere = 1;
                size_t used = strlen(list);
                snprintf(list + used, sizeof list - used, "%s[cost %s] covers", used ? "; " : "",
                         co->name);
                for (size_t k = 0; k < co->n_states && strlen(list) < 500; k++)
                    snprintf(list + strlen(list), sizeof list - strlen(list), "%s %s", k ? "," : "",
                             m->states[co->states[k]].name);
            }
        }
        if (!covered && elsewhere &&
            add_warning(m, pc_strf("state %s (population %s) is counted by no person-month cost, "
                                   "although others of its population are (%s): persons there "
                                   "cost nothing",
                                   st->name, m->populations[st->population].name, list)))
            return pc_fail(err, PC_EENV, "out of memory");
    }
    return PC_OK;
}
