/* mdl_resolve — from a merged document to a model, and a model with keys changed.
 *
 * Two passes: the first collects the names of populations, states, resources,
 * staff and funders (so that any key may refer to any of them), the second
 * parses every value, sections in dependency order.  Overrides copy the
 * document, change keys and resolve the copy (once per study, not per run). */
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

/* The [set YYYY-MM] entries of doc, in date order (then in the order written). */
static int gather_sets(mdl_model *m, const cfg_doc *doc, set_entry **out, size_t *n_out,
                       pc_err *err)
{
    size_t n_sets = 0;
    for (size_t i = 0; i < doc->n; i++)
        if (!strncmp(doc->sections[i].name, "set ", 4))
            n_sets += doc->sections[i].n;
    set_entry *sets = mdl_arena_alloc(m, n_sets ? n_sets : 1, sizeof *sets);
    if (!sets)
        return pc_fail(err, PC_EENV, "out of memory");
    n_sets = 0;
    for (size_t i = 0; i < doc->n; i++) {
        const cfg_section *sec = &doc->sections[i];
        const char *arg;
        if (mdl_section_kind(sec->name, &arg) != SEC_SET)
            continue;
        int y, mo;
        const char *p = arg;
        if (!mdl_read_date(&p, &y, &mo) ||
            (!mdl_at_end(p) && (!isspace((unsigned char)*p) || !strchr(p, '='))))
            return pc_fail_at(err, sec->file, sec->line, sec->name,
                              "expected [set YYYY-MM] (the month the changes take effect), or "
                              "[set YYYY-MM ATTRIBUTE=VALUE] for one group");
        const char *group = mdl_at_end(p) ? NULL : mdl_skip_ws(p);
        char *date = mdl_arena_alloc(m, 8, 1);
        if (!date)
            return pc_fail(err, PC_EENV, "out of memory");
        memcpy(date, arg, 7);
        for (size_t k = 0; k < sec->n; k++) {
            sets[n_sets].day = mdl_day_of(m, y, mo);
            sets[n_sets].date = date;
            sets[n_sets].group = group;
            sets[n_sets].e = &sec->entries[k];
            n_sets++;
        }
    }
    if (n_sets)
        qsort(sets, n_sets, sizeof *sets, mdl_set_cmp);
    *out = sets;
    *n_out = n_sets;
    return PC_OK;
}

/* A whole number from min to max, written with digits only. */
static int whole_in(const char *text, unsigned long long min, unsigned long long max)
{
    if (!*text || strspn(text, "0123456789") != strlen(text) || strlen(text) > 19)
        return 0;
    unsigned long long v = strtoull(text, NULL, 10);
    return v >= min && v <= max;
}

/* The values of a manifest's [run]: what `parcours run MANIFEST` would run with. */
static int check_run(const cfg_section *sec, pc_err *err)
{
    for (size_t i = 0; i < sec->n; i++) {
        const cfg_entry *e = &sec->entries[i];
        if (!strcmp(e->key, "replications") && !whole_in(e->value, 1, MDL_MAX_REPLICATIONS))
            return pc_fail_at(err, e->file, e->line, e->key,
                              "expected a whole number of replications from 1 to %d, got '%s'",
                              MDL_MAX_REPLICATIONS, e->value);
        if (!strcmp(e->key, "seed") && !whole_in(e->value, 0, UINT32_MAX))
            return pc_fail_at(err, e->file, e->line, e->key,
                              "expected a whole number from 0 to %u, got '%s'", UINT32_MAX,
                              e->value);
        if (!strcmp(e->key, "scenario") && !*e->value)
            return pc_fail_at(err, e->file, e->line, e->key, "expected the scenario's name");
    }
    return PC_OK;
}

/* [scenario] and [run] hold only the keys they may hold. */
static int check_meta_sections(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    static const char *const scenario_keys[] = {"label", "description", NULL};
    static const char *const run_keys[] = {"seed",    "replications", "scenario", "version",
                                           "command", "files",        NULL};
    for (size_t i = 0; i < doc->n; i++) {
        const cfg_section *sec = &doc->sections[i];
        const char *arg;
        sec_kind k = mdl_section_kind(sec->name, &arg);
        int rc = PC_OK;
        if (k == SEC_SCENARIO)
            rc = mdl_check_keys(m, err, sec, scenario_keys, 0);
        else if (k == SEC_RUN && !(rc = mdl_check_keys(m, err, sec, run_keys, 0)))
            rc = check_run(sec, err);
        else if (k == SEC_OBSERVATIONS)
            rc = mdl_parse_observations(m, sec, err);
        if (rc)
            return rc;
    }
    return PC_OK;
}

/* Pass 2: every section, those referred to first: resources and staff (states and
 * costs name them), populations, states (with their dated transitions), costs,
 * then the dated changes of schedules. */
static int parse_sections(mdl_model *m, const cfg_doc *doc, const set_entry *sets, size_t n_sets,
                          pc_err *err)
{
    /* Every state's population is known before any destination is checked. */
    for (size_t i = 0; i < doc->n; i++) {
        const char *arg;
        if (mdl_section_kind(doc->sections[i].name, &arg) != SEC_STATE)
            continue;
        const cfg_entry *e = cfg_get(&doc->sections[i], "population");
        int p = e ? mdl_population_index(m, e->value) : 0;
        m->states[mdl_state_index(m, arg)].population = p >= 0 ? p : 0;
    }
    static const sec_kind order[] = {SEC_DRIVER, SEC_RES,  SEC_STAFF,  SEC_POP,      SEC_ATTRIBUTE,
                                     SEC_STATE,  SEC_COST, SEC_FUNDER, SEC_INDICATOR};
    for (size_t o = 0; o < sizeof order / sizeof order[0]; o++)
        for (size_t i = 0; i < doc->n; i++) {
            const cfg_section *sec = &doc->sections[i];
            const char *arg;
            if (mdl_section_kind(sec->name, &arg) != order[o])
                continue;
            int rc = PC_OK;
            switch (order[o]) {
            case SEC_RES:
                rc = mdl_parse_resource(m, sec, &m->resources[mdl_resource_index(m, arg)], err);
                break;
            case SEC_STAFF:
                rc = mdl_parse_staff(m, sec, &m->staff[mdl_staff_index(m, arg)], err);
                break;
            case SEC_POP:
                rc = mdl_parse_population(m, sec, &m->populations[mdl_population_index(m, arg)],
                                          err);
                break;
            case SEC_STATE:
                rc = mdl_parse_state(m, doc, sec, &m->states[mdl_state_index(m, arg)], sets, n_sets,
                                     err);
                break;
            case SEC_FUNDER:
                rc = mdl_parse_funder(m, sec, arg, err);
                break;
            case SEC_ATTRIBUTE:
                rc = mdl_parse_attribute(m, sec, &m->attributes[mdl_attribute_index(m, arg)], sets,
                                         n_sets, err);
                break;
            case SEC_DRIVER: {
                size_t di = 0;
                while (strcmp(m->drivers[di].name, arg))
                    di++;
                rc = mdl_parse_driver(m, sec, &m->drivers[di], err);
                break;
            }
            case SEC_INDICATOR: {
                size_t ii = 0;
                while (strcmp(m->indicators[ii].name, arg))
                    ii++;
                rc = mdl_parse_indicator(m, sec, &m->indicators[ii], err);
                break;
            }
            default: {
                size_t ci = 0;
                while (strcmp(m->costs[ci].name, arg))
                    ci++;
                rc = mdl_parse_cost(m, sec, &m->costs[ci], err);
            }
            }
            if (rc)
                return rc;
        }
    return mdl_apply_set_schedules(m, sets, n_sets, err);
}

/* Does state s have a transition that always fires at once (after fixed(0d), no 'with')?
 * Then whoever enters s leaves it at the same instant, to one of its destinations. */
static const mdl_version *instant_exit(const mdl_state *st, const char **name)
{
    for (size_t k = 0; k < st->n_transitions; k++)
        for (size_t v = 0; v < st->transitions[k].n_versions; v++) {
            const mdl_version *ver = &st->transitions[k].versions[v];
            if (ver->present && ver->law.kind == MDL_AFTER_FIXED && ver->law.p[0] == 0 &&
                ver->law.probability >= 1) {
                *name = st->transitions[k].name;
                return ver;
            }
        }
    return NULL;
}

/* States from which a person moves forever without time passing: a cycle of instant
 * exits.  Depth-first search; colour 1 = on the current path, 2 = done. */
static int find_instant_cycle(const mdl_model *m, int s, unsigned char *colour, int *path,
                              int depth)
{
    colour[s] = 1;
    path[depth] = s;
    const char *name;
    const mdl_version *v = instant_exit(&m->states[s], &name);
    for (size_t i = 0; v && i < v->dest.n; i++) {
        int d = v->dest.state[i];
        if (d == MDL_OUT || v->dest.share[i] <= 0)
            continue;
        if (colour[d] == 1)
            return depth + 1;
        if (colour[d] == 0) {
            int found = find_instant_cycle(m, d, colour, path, depth + 1);
            if (found)
                return found;
        }
    }
    colour[s] = 2;
    return 0;
}

static int check_instant_cycles(const mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    unsigned char *colour = pc_calloc(m->n_states ? m->n_states : 1, 1);
    int *path = pc_calloc(m->n_states + 1, sizeof *path);
    int rc = colour && path ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    (void)doc;
    for (size_t s = 0; !rc && s < m->n_states; s++) {
        int n = colour[s] ? 0 : find_instant_cycle(m, (int)s, colour, path, 0);
        if (!n)
            continue;
        char states[600] = "";
        for (int i = 0; i < n && strlen(states) < 500; i++)
            snprintf(states + strlen(states), sizeof states - strlen(states), "%s -> ",
                     m->states[path[i]].name);
        const char *name;
        const mdl_version *v = instant_exit(&m->states[path[n - 1]], &name);
        char key[300];
        snprintf(key, sizeof key, "on.%s", name);
        rc = pc_fail_at(err, v->file, v->line, key,
                        "a person would move forever without time passing: %s... (every "
                        "state of this cycle has a transition after fixed(0d))",
                        states);
    }
    free(colour);
    free(path);
    return rc;
}

/* What no single section can check: queues, entry and initial states, random streams. */
static int cross_checks(mdl_model *m, const cfg_doc *doc, pc_err *err)
{
    int linked = mdl_link_staff(m, doc, err);
    if (!linked)
        linked = mdl_link_groups(m, doc, err);
    if (linked)
        return linked;
    for (size_t s = 0; s < m->n_states; s++) {
        mdl_state *st = &m->states[s];
        if (st->queue < 0)
            continue;
        mdl_state *q = &m->states[st->queue];
        q->is_queue = 1;
        if (q->population != st->population || q->resource >= 0)
            return mdl_fail_entry(err, doc, "state", st->name, "queue",
                                  "the queue %s must be of the same population and hold no "
                                  "resource",
                                  q->name);
    }
    for (size_t p = 0; p < m->n_populations; p++) {
        const mdl_population *pop = &m->populations[p];
        if (m->states[pop->entry].population != (int)p || m->states[pop->entry].outside)
            return mdl_fail_entry(err, doc, "population", pop->name, "entry",
                                  "the entry state %s must belong to this population and not be "
                                  "outside",
                                  m->states[pop->entry].name);
        for (size_t k = 0; k < pop->initial_state.n; k++) {
            const mdl_state *st = &m->states[pop->initial_state.state[k]];
            if (st->population != (int)p)
                return mdl_fail_entry(err, doc, "population", pop->name, "initial.state",
                                      "state %s belongs to another population", st->name);
            if (st->is_queue)
                return mdl_fail_entry(err, doc, "population", pop->name, "initial.state",
                                      "state %s is a queue; place initial persons in the state "
                                      "they wait for",
                                      st->name);
        }
        for (size_t k = 0; k < pop->n_state_seniority; k++) {
            int s = pop->seniority_state[k];
            const mdl_state *st = &m->states[s];
            char key[160];
            snprintf(key, sizeof key, "initial.seniority.%s", st->name);
            int placed = 0;
            for (size_t j = 0; j < pop->initial_state.n; j++)
                placed |= pop->initial_state.state[j] == s &&
                          pop->initial_state.cum[j] > (j ? pop->initial_state.cum[j - 1] : 0);
            if (st->population != (int)p || st->outside)
                return mdl_fail_entry(err, doc, "population", pop->name, key,
                                      "state %s is not a state of population %s", st->name,
                                      pop->name);
            if (st->resource >= 0)
                return mdl_fail_entry(err, doc, "population", pop->name, key,
                                      "state %s holds a resource: its initial persons take their "
                                      "places at the start",
                                      st->name);
            if (!placed || pop->warmup > 0)
                return mdl_fail_entry(err, doc, "population", pop->name, key,
                                      "no initial person is placed in state %s (initial.state)",
                                      st->name);
        }
    }
    int rc = check_instant_cycles(m, doc, err);
    if (!rc)
        rc = mdl_check_streams(m, doc, err);
    return rc ? rc : mdl_cost_warnings(m, err);
}

/* Resolves doc (owned by the model from here on, freed with it on failure). */
static int resolve_with(cfg_doc *doc, mdl_model **out, pc_err *err)
{
    *out = NULL;
    mdl_model *m = pc_calloc(1, sizeof *m);
    if (!m) {
        cfg_doc_free(doc);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    /* The model keeps the document as written (tables made reachable, inline laws named);
     * each $parameter is read where a number goes and bound to the slot it feeds. */
    m->doc = doc;
    set_entry *sets = NULL;
    size_t n_sets = 0;
    int rc = mdl_rewrite_table_paths(doc, err);
    if (!rc)
        rc = mdl_extract_inline(doc, err);
    if (!rc)
        rc = mdl_collect_params(m, doc, err);
    if (!rc)
        rc = mdl_parse_model_section(m, doc, err);
    if (!rc)
        rc = mdl_collect_names(m, doc, err);
    if (!rc)
        rc = gather_sets(m, doc, &sets, &n_sets, err);
    if (!rc)
        rc = check_meta_sections(m, doc, err);
    if (!rc)
        rc = parse_sections(m, doc, sets, n_sets, err);
    if (!rc)
        rc = cross_checks(m, doc, err);
    if (!rc)
        rc = mdl_check_supports(m, err);
    if (!rc && mdl_record_changes(m, sets, n_sets))
        rc = pc_fail(err, PC_EENV, "out of memory");
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

/* Sets keys[i] = values[i] in doc (see mdl_override for how keys are named). */
static int override_keys(const mdl_model *base, cfg_doc *doc, size_t n, const char *const *keys,
                         const char *const *values, pc_err *err)
{
    static const char *const kinds[] = {"population", "state",     "resource", "cost",
                                        "staff",      "parameter", "driver"};
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
        cfg_section *sec = key ? cfg_find(doc, sname) : NULL;
        if (key && !sec && create)
            sec = cfg_add_section(doc, sname, "(command line)", 0);
        if (!sec)
            return pc_fail(err, PC_EINPUT,
                           "%s: unknown key (expected KIND.NAME.KEY of an existing section, "
                           "model.KEY, set.YYYY-MM.KEY or a parameter name)",
                           k);
        if (cfg_set(sec, key, values[i], "(command line)", 0))
            return pc_fail(err, PC_EENV, "out of memory");
    }
    return PC_OK;
}

int mdl_override(const mdl_model *base, size_t n, const char *const *keys,
                 const char *const *values, mdl_model **out, pc_err *err)
{
    *out = NULL;
    cfg_doc *copy = cfg_doc_copy(base->doc);
    if (!copy)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = override_keys(base, copy, n, keys, values, err);
    if (rc) {
        cfg_doc_free(copy);
        return rc;
    }
    return resolve_with(copy, out, err);
}

int mdl_expose(const mdl_model *base, size_t n, const char *const *keys, const char *const *units,
               const double *values, mdl_model **out, size_t *index, pc_err *err)
{
    *out = NULL;
    cfg_doc *copy = cfg_doc_copy(base->doc);
    char **texts = pc_calloc(n ? n : 1, sizeof *texts);
    int rc = copy && texts ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        if (mdl_param_index(base, keys[i]) >= 0) {
            /* a parameter already: it is fixed at the value */
            texts[i] = pc_strf("%.17g", values[i]);
        } else {
            char sname[400], value[64];
            snprintf(sname, sizeof sname, "parameter %s", keys[i]);
            snprintf(value, sizeof value, "%.17g", values[i]);
            cfg_section *sec = cfg_find(copy, sname);
            if (!sec && !mdl_param_name_ok(keys[i]))
                rc = pc_fail(err, PC_EINPUT, "%s: not a key that can be varied", keys[i]);
            else if (!sec && !(sec = cfg_add_section(copy, sname, "(command line)", 0)))
                rc = pc_fail(err, PC_EENV, "out of memory");
            else if (cfg_set(sec, "value", value, "(command line)", 0))
                rc = pc_fail(err, PC_EENV, "out of memory");
            texts[i] = pc_strf("${%s}%s", keys[i], units && units[i] ? units[i] : "");
        }
        if (!rc && !texts[i])
            rc = pc_fail(err, PC_EENV, "out of memory");
    }
    if (!rc)
        rc = override_keys(base, copy, n, keys, (const char *const *)texts, err);
    for (size_t i = 0; texts && i < n; i++)
        free(texts[i]);
    free(texts);
    if (rc) {
        cfg_doc_free(copy);
        return rc;
    }
    if ((rc = resolve_with(copy, out, err)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        int pi = mdl_param_index(*out, keys[i]);
        assert(pi >= 0);
        index[i] = (size_t)pi;
    }
    return PC_OK;
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
