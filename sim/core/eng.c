/* eng — one replication: persons drawn one by one, resources served in time order.
 *
 * A person's trajectory depends on others only through resources (places,
 * référent slots) and their queues.  So each person is drawn on its own, in
 * a tight loop, from its arrival until it asks for a resource or leaves the
 * model (or the horizon comes); stocks and person-days are recorded as the
 * intervals each person spends in each state (difference arrays over months),
 * so the order persons are drawn in does not matter.  Only requests for a
 * resource, and the transitions of persons who hold a unit or wait in a queue,
 * go to a heap and are processed in time order (eng.h gives the order at one
 * instant); after one of them, the person is drawn on its own again.
 *
 * Each person's draws come from streams keyed by (population, transition
 * purpose, person serial, visit number) (rng.h): the first three words of a
 * stream decide whether a defective transition fires, its latent time by
 * inversion, and the destination; samplers without a cheap inverse (gamma)
 * continue on the same stream.  Arrivals of a month are a Poisson count
 * (optionally gamma-mixed) placed by exponential spacings, from a stream keyed
 * by the population and the month. */
#include "eng.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define NONE          (-1)
#define NO_DEST       (-2)  /* no destination admits the person */
#define REDRAW        (-3)  /* dest of a pending redraw: a value its state depends on changes */
#define REDRAW_NOW    (-4)  /* dest while that redraw is made (schedule's redraw mode) */
#define ENG_TIME_EPS  1e-9  /* days: far below any duration, far above rounding of day counts */
#define ENG_MAX_BURST 10000 /* moves of one person at one instant before it is a cycle */
#define REQUEST       0x40000000 /* a heap slot asking for a unit of person.target */

typedef struct {
    double entry_time;   /* entry into the population (seniority origin) */
    double state_time;   /* entry into the current state */
    double group_since;  /* start of the current interval of its groups in the state */
    double event_time;   /* the pending event, INFINITY if none */
    int32_t state;       /* NONE while a request is pending */
    int32_t state_month; /* month_index(state_time) */
    int32_t dest;        /* destination of the pending event (MDL_OUT allowed) */
    int32_t flow;        /* flow index of the pending transition */
    uint32_t gen;        /* bumped when the pending event is cancelled or the record reused */
    int32_t q_prev, q_next, target; /* FIFO links; the state waited for or requested */
    uint32_t key;                   /* its streams' population key: the population it arrived in */
    uint32_t serial;                /* its number in that population */
    uint32_t visits;
    uint16_t burst;   /* moves in a row without time passing (a zero-time cycle if unbounded) */
    uint16_t redraws; /* draws made again after a change of value (their streams' counter) */
    int16_t pop;
    uint8_t queued;
    uint8_t tracked; /* spell began during the recorded period */
} person;

typedef struct {
    double t;
    int resource;
} cap_change;

/* A heap slot keeps its event time, so sifting never touches person records;
 * a cancelled event stays in the heap and is recognised as stale by its
 * generation when it reaches the top. */
typedef struct {
    double t;
    uint64_t order; /* among events at the same instant (see eng.h) */
    int32_t p;      /* the person, | REQUEST for a request */
    uint32_t gen;
} slot;

struct eng_workspace {
    const mdl_model *m;
    gsl_rng *rng;
    person *persons; /* records of persons being drawn, holding a unit or waiting */
    size_t cap;
    int32_t free_head; /* free records are chained through q_next */
    size_t used;
    slot *heap;
    size_t heap_n, heap_cap;
    int out_of_memory; /* set when the heap could not grow; eng_run fails */
    long *occupied;    /* per resource */
    int32_t *q_head, *q_tail;
    double *arrivals; /* one month's arrival times */
    size_t arr_cap;
    uint32_t *next_serial;
    int *warm_months;
    cap_change *changes;
    size_t n_changes, next_change;
    uint32_t *pop_key; /* per population: the order of its persons' simultaneous events */
    int *pop_order;    /* populations by pop_key: the order they are placed at the start */
    /* Territories: the populations linked by a transition from one to the other or by a
     * resource their states share, transitively.  Each is run on its own, one after the
     * other, with its own heap and person records (see eng_run). */
    size_t n_territories;
    size_t part, parts; /* the territories drawn: t % parts == part (eng_share) */
    size_t *terr_at;    /* CSR offsets: n_territories + 1 */
    int *terr_pops;     /* each territory's populations, in pop_order */
    int *res_terr;      /* per resource: its territory (0 for a resource no state uses) */
    /* Stocks and person-days from intervals: for each column (a state, or a state and a
     * tracked group) a difference array of month-end counts and one of full months. */
    double *stock_diff, *full_diff;   /* [month + 1][state] */
    double *gstock_diff, *gfull_diff; /* [month + 1][state][tracked] */
    /* Indicators watched per person (delay, status): watch[person * n_watched + i] is the
     * time of the open `from` event, NAN when none.  The hooks list, per state and per
     * (population, event kind), the indicators an event starts or ends. */
    double *watch;
    size_t n_watched;
    /* With attributes, the person's values when each watch opened (watch_attr[(person *
     * n_watched + i) * n_attr + a]): a cohort's groups are those of its `from` event. */
    uint8_t *watch_attr;
    size_t *state_hook_at, *pop_hook_at; /* CSR offsets: ns + 1, np * EV_KINDS + 1 */
    int32_t *state_hooks, *pop_hooks;    /* indicator index * 2 + role (0 from, 1 to) */
    size_t *status_at;                   /* CSR offsets per population: status indicators */
    int32_t *status_list;
    /* Per population, its delay and status indicators (CSR): the only watches a person of
     * the population can have open.  A record's other watches are NAN (cleared when the
     * record is first used, closed when the person leaves the population). */
    size_t *pop_watch_at;
    int32_t *pop_watch;
    /* Drivers: this replication's monthly log values, months k0 .. horizon - 1, and for
     * each modulation its multipliers and their integral in days from k0 (see mdl.h). */
    size_t path_len;  /* room per path: the longest warm-up and the horizon */
    int path_k0;      /* the month index of element 0 (-warm-up months) */
    size_t path_n;    /* months this replication: horizon - path_k0 */
    double *driver_x; /* [driver][path_len] */
    double *mod_m;    /* [modulation][path_len] */
    double *mod_c;    /* [modulation][path_len + 1] */
    /* Attributes: each person's value of every attribute, and the day each changes next
     * (INFINITY: never); per population the attributes it has (CSR). */
    size_t n_attr;
    uint8_t *attr;
    double *attr_next;
    size_t *pop_attr_at;
    int32_t *pop_attr;
    size_t n_tracked;
    int any_admits;     /* some state admits some groups only */
    uint8_t *state_dep; /* per state: its moves depend on some attribute ... */
    double *dep_from;   /* ... [state][attribute]: from that day on (INFINITY: never) */
    double *pick_buf;   /* a destination's shares for one person */
    uint8_t *plain;     /* per state: its moves are plain (see plain_state) */
    /* run context */
    int status; /* set when an event cannot be processed; eng_run stops and returns it */
    pc_err *err;
    uint32_t seed, rep;
    rec_raw *raw;
    double horizon_time;
    double events;
    double max_events; /* 0: no limit (eng_set_max_events) */
};

/* ---- purposes for the population-level streams ---------------------------- */

#define PURPOSE_INFLOW  0x1f10a001u
#define PURPOSE_INITIAL 0x1f10a002u
#define SERIAL_POP      0xffffffffu

/* ---- workspace ------------------------------------------------------------ */

void eng_free(eng_workspace *w)
{
    if (!w)
        return;
    gsl_rng_free(w->rng);
    free(w->persons);
    free(w->heap);
    free(w->occupied);
    free(w->q_head);
    free(w->q_tail);
    free(w->arrivals);
    free(w->next_serial);
    free(w->warm_months);
    free(w->changes);
    free(w->pop_key);
    free(w->pop_order);
    free(w->terr_at);
    free(w->terr_pops);
    free(w->res_terr);
    free(w->stock_diff);
    free(w->full_diff);
    free(w->gstock_diff);
    free(w->gfull_diff);
    free(w->watch);
    free(w->watch_attr);
    free(w->state_hook_at);
    free(w->pop_hook_at);
    free(w->state_hooks);
    free(w->pop_hooks);
    free(w->status_at);
    free(w->status_list);
    free(w->pop_watch_at);
    free(w->pop_watch);
    free(w->driver_x);
    free(w->mod_m);
    free(w->mod_c);
    free(w->attr);
    free(w->attr_next);
    free(w->pop_attr_at);
    free(w->pop_attr);
    free(w->pick_buf);
    free(w->state_dep);
    free(w->plain);
    free(w->dep_from);
    free(w);
}

/* ---- indicator hooks -------------------------------------------------------------- */

#define EV_KINDS 4 /* population events: entry, arrival, return, exit */

static int cap_cmp(const void *a, const void *b)
{
    const cap_change *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->resource - y->resource;
}

static int pop_event_slot(mdl_event_kind k)
{
    switch (k) {
    case MDL_EV_ENTRY:
        return 0;
    case MDL_EV_ARRIVAL:
        return 1;
    case MDL_EV_RETURN:
        return 2;
    case MDL_EV_EXIT:
        return 3;
    default:
        return -1;
    }
}

/* Adds the hook code to the lists an event of ev raises (count only when lists is NULL). */
static void hook_event(const mdl_event *ev, int32_t code, size_t *state_n, size_t *pop_n,
                       int32_t *state_list, int32_t *pop_list, const size_t *state_at,
                       const size_t *pop_at)
{
    if (ev->kind == MDL_EV_STATE) {
        for (size_t i = 0; i < ev->n_states; i++) {
            size_t s = (size_t)ev->states[i];
            if (state_list)
                state_list[state_at[s] + state_n[s]] = code;
            state_n[s]++;
        }
        return;
    }
    int k = pop_event_slot(ev->kind);
    if (k < 0)
        return; /* a status (outside, inside) is looked at, not raised */
    size_t at = (size_t)ev->population * EV_KINDS + (size_t)k;
    if (pop_list)
        pop_list[pop_at[at] + pop_n[at]] = code;
    pop_n[at]++;
}

/* Per state and per population event, the indicators it starts (role 0) or ends (1). */
static int build_hooks(eng_workspace *w)
{
    const mdl_model *m = w->m;
    size_t ns = m->n_states, np = m->n_populations, nk = np * EV_KINDS;
    w->n_watched = m->n_watched;
    w->state_hook_at = pc_calloc(ns + 1, sizeof *w->state_hook_at);
    w->pop_hook_at = pc_calloc(nk + 1, sizeof *w->pop_hook_at);
    w->status_at = pc_calloc(np + 1, sizeof *w->status_at);
    size_t *state_n = pc_calloc(ns + 1, sizeof *state_n), *pop_n = pc_calloc(nk + 1, sizeof *pop_n);
    int rc = -1;
    if (!w->state_hook_at || !w->pop_hook_at || !w->status_at || !state_n || !pop_n)
        goto done;
    for (int pass = 0; pass < 2; pass++) {
        memset(state_n, 0, (ns + 1) * sizeof *state_n);
        memset(pop_n, 0, (nk + 1) * sizeof *pop_n);
        for (size_t i = 0; i < m->n_indicators; i++) {
            const mdl_indicator *ind = &m->indicators[i];
            if (ind->kind == MDL_IND_RATIO || ind->kind == MDL_IND_COUNT)
                continue;
            hook_event(&ind->from, (int32_t)i * 2, state_n, pop_n, pass ? w->state_hooks : NULL,
                       pass ? w->pop_hooks : NULL, w->state_hook_at, w->pop_hook_at);
            if (ind->kind == MDL_IND_DELAY)
                hook_event(&ind->to, (int32_t)i * 2 + 1, state_n, pop_n,
                           pass ? w->state_hooks : NULL, pass ? w->pop_hooks : NULL,
                           w->state_hook_at, w->pop_hook_at);
        }
        if (pass)
            break;
        for (size_t s = 0; s < ns; s++)
            w->state_hook_at[s + 1] = w->state_hook_at[s] + state_n[s];
        for (size_t k = 0; k < nk; k++)
            w->pop_hook_at[k + 1] = w->pop_hook_at[k] + pop_n[k];
        w->state_hooks = pc_calloc(w->state_hook_at[ns] + 1, sizeof *w->state_hooks);
        w->pop_hooks = pc_calloc(w->pop_hook_at[nk] + 1, sizeof *w->pop_hooks);
        if (!w->state_hooks || !w->pop_hooks)
            goto done;
    }
    size_t n_status = 0, n_watch = 0;
    for (size_t i = 0; i < m->n_indicators; i++) {
        n_status += m->indicators[i].kind == MDL_IND_STATUS;
        n_watch +=
            m->indicators[i].kind == MDL_IND_STATUS || m->indicators[i].kind == MDL_IND_DELAY;
    }
    w->status_list = pc_calloc(n_status + 1, sizeof *w->status_list);
    w->pop_watch_at = pc_calloc(np + 1, sizeof *w->pop_watch_at);
    w->pop_watch = pc_calloc(n_watch + 1, sizeof *w->pop_watch);
    if (!w->status_list || !w->pop_watch_at || !w->pop_watch)
        goto done;
    for (size_t p = 0; p < np; p++) {
        w->status_at[p + 1] = w->status_at[p];
        w->pop_watch_at[p + 1] = w->pop_watch_at[p];
        for (size_t i = 0; i < m->n_indicators; i++) {
            const mdl_indicator *ind = &m->indicators[i];
            if (ind->from.population != (int)p)
                continue;
            if (ind->kind == MDL_IND_STATUS)
                w->status_list[w->status_at[p + 1]++] = (int32_t)i;
            if (ind->kind == MDL_IND_STATUS || ind->kind == MDL_IND_DELAY)
                w->pop_watch[w->pop_watch_at[p + 1]++] = (int32_t)i;
        }
    }
    rc = 0;
done:
    free(state_n);
    free(pop_n);
    return rc;
}

/* The days resource r's capacity steps (its schedule, or a binding staff's ETP and
 * caseload schedules), written into out when it is not NULL; returns their number. */
static size_t capacity_steps(const mdl_model *m, int r, cap_change *out)
{
    const mdl_resource *res = &m->resources[r];
    const mdl_schedule *s[2] = {&res->capacity, NULL};
    if (res->staff >= 0) {
        s[0] = &m->staff[res->staff].etp;
        s[1] = &m->staff[res->staff].caseload;
    }
    size_t n = 0;
    for (int k = 0; k < 2 && s[k]; k++)
        for (size_t i = 0; i < s[k]->n; i++) {
            if (out)
                out[n] = (cap_change){s[k]->from[i], r};
            n++;
        }
    return n;
}

static int pop_before(const mdl_model *m, int a, int b)
{
    const mdl_population *x = &m->populations[a], *y = &m->populations[b];
    if (x->hash != y->hash)
        return x->hash < y->hash;
    return strcmp(x->name, y->name) < 0;
}

/* Attribute a is named from day `from` on: the earliest day kept in row[a]. */
static inline void depends_from(double *row, int a, double from)
{
    if (from < row[a])
        row[a] = from;
}

static void effect_from(const mdl_model *m, double *row, int effect, double from)
{
    for (size_t i = 0; effect >= 0 && i < m->effects[effect].n; i++)
        depends_from(row, m->effects[effect].attribute[i], from);
}

/* The attributes the moves out of state s depend on, each from the first day a version of
 * its transitions names it (the base version: always): a version for one group, factors of
 * a rate, a probability or a share, a destination admitting some groups only.  A change of
 * one of them while a person is in s draws its moves again (schedule).  Returns whether
 * there is any. */
static int state_dependencies(const mdl_model *m, size_t s, double *row)
{
    const mdl_state *st = &m->states[s];
    for (size_t a = 0; a < m->n_attributes; a++)
        row[a] = INFINITY;
    for (size_t t = 0; t < st->n_transitions; t++)
        for (size_t k = 0; k < st->transitions[t].n_versions; k++) {
            const mdl_version *v = &st->transitions[t].versions[k];
            if (v->group_attr >= 0)
                depends_from(row, v->group_attr, v->from);
            if (!v->present)
                continue;
            effect_from(m, row, v->law.effect, v->from);
            effect_from(m, row, v->law.prob_effect, v->from);
            for (size_t i = 0; i < v->dest.n; i++) {
                if (v->dest.effect)
                    effect_from(m, row, v->dest.effect[i], v->from);
                if (v->dest.state[i] >= 0 && m->states[v->dest.state[i]].admit_attr >= 0)
                    depends_from(row, m->states[v->dest.state[i]].admit_attr, v->from);
            }
        }
    int any = 0;
    for (size_t a = 0; a < m->n_attributes; a++)
        any |= row[a] < INFINITY;
    return any;
}

/* Attribute storage, each population's attributes, the attributes each state's moves
 * depend on, and the difference arrays of the tracked groups. */
static int alloc_attributes(eng_workspace *w)
{
    const mdl_model *m = w->m;
    size_t np = m->n_populations, na = m->n_attributes;
    w->n_attr = na;
    w->n_tracked = m->n_tracked;
    w->pop_attr_at = pc_calloc(np + 1, sizeof *w->pop_attr_at);
    w->pop_attr = pc_calloc(na + 1, sizeof *w->pop_attr);
    if (!w->pop_attr_at || !w->pop_attr)
        return -1;
    for (size_t p = 0; p < np; p++) {
        w->pop_attr_at[p + 1] = w->pop_attr_at[p];
        for (size_t a = 0; a < na; a++)
            if ((m->attributes[a].has[p / 64] >> (p % 64)) & 1)
                w->pop_attr[w->pop_attr_at[p + 1]++] = (int32_t)a;
    }
    size_t max_dest = 1;
    w->state_dep = pc_calloc(m->n_states + 1, sizeof *w->state_dep);
    w->dep_from = pc_calloc(m->n_states * na + 1, sizeof *w->dep_from);
    if (!w->state_dep || !w->dep_from)
        return -1;
    for (size_t s = 0; s < m->n_states; s++) {
        w->state_dep[s] = (uint8_t)state_dependencies(m, s, w->dep_from + s * na);
        w->any_admits |= m->states[s].admit_attr >= 0;
        for (size_t t = 0; t < m->states[s].n_transitions; t++)
            for (size_t v = 0; v < m->states[s].transitions[t].n_versions; v++)
                if (m->states[s].transitions[t].versions[v].dest.n > max_dest)
                    max_dest = m->states[s].transitions[t].versions[v].dest.n;
    }
    if (!(w->pick_buf = malloc(max_dest * sizeof *w->pick_buf)))
        return -1;
    if (na && (!(w->attr = malloc(w->cap * na)) ||
               !(w->attr_next = malloc(w->cap * na * sizeof *w->attr_next))))
        return -1;
    size_t cells = ((size_t)m->horizon + 1) * m->n_states * (w->n_tracked ? w->n_tracked : 1);
    if (w->n_tracked && (!(w->gstock_diff = malloc(cells * sizeof *w->gstock_diff)) ||
                         !(w->gfull_diff = malloc(cells * sizeof *w->gfull_diff))))
        return -1;
    return 0;
}

static int find_root(int *parent, int i)
{
    while (parent[i] != i)
        i = parent[i] = parent[parent[i]];
    return i;
}

static void join(int *parent, int a, int b)
{
    a = find_root(parent, a);
    b = find_root(parent, b);
    if (a != b)
        parent[a > b ? a : b] = a < b ? a : b;
}

/* The territories (see the workspace), numbered in the order of their first population
 * in pop_order. */
static int build_territories(eng_workspace *w)
{
    const mdl_model *m = w->m;
    size_t np = m->n_populations, nr = m->n_resources;
    int *parent = malloc((np + 1) * sizeof *parent);
    int *res_pop = malloc((nr + 1) * sizeof *res_pop);
    int *terr_of = malloc((np + 1) * sizeof *terr_of);
    w->terr_at = pc_calloc(np + 1, sizeof *w->terr_at);
    w->terr_pops = pc_calloc(np + 1, sizeof *w->terr_pops);
    w->res_terr = pc_calloc(nr + 1, sizeof *w->res_terr);
    int rc = -1;
    if (!parent || !res_pop || !terr_of || !w->terr_at || !w->terr_pops || !w->res_terr)
        goto done;
    for (size_t p = 0; p < np; p++)
        parent[p] = (int)p;
    for (size_t r = 0; r < nr; r++)
        res_pop[r] = -1;
    for (size_t s = 0; s < m->n_states; s++) {
        const mdl_state *st = &m->states[s];
        int pop = st->population;
        int links[2] = {st->resource, st->queue >= 0 ? m->states[st->queue].resource : -1};
        for (int k = 0; k < 2; k++) {
            int r = links[k];
            if (r < 0)
                continue;
            if (res_pop[r] < 0)
                res_pop[r] = pop;
            join(parent, res_pop[r], pop);
        }
        if (st->queue >= 0)
            join(parent, pop, m->states[st->queue].population);
        for (size_t t = 0; t < st->n_transitions; t++)
            for (size_t v = 0; v < st->transitions[t].n_versions; v++) {
                const mdl_dest *d = &st->transitions[t].versions[v].dest;
                for (size_t i = 0; i < d->n; i++)
                    if (d->state[i] >= 0)
                        join(parent, pop, m->states[d->state[i]].population);
            }
    }
    for (size_t p = 0; p < np; p++)
        terr_of[p] = -1;
    size_t n = 0;
    for (size_t i = 0; i < np; i++) { /* number the roots in pop_order */
        int root = find_root(parent, w->pop_order[i]);
        if (terr_of[root] < 0)
            terr_of[root] = (int)n++;
    }
    w->n_territories = n;
    size_t *fill = pc_calloc(n + 1, sizeof *fill);
    if (!fill)
        goto done;
    for (size_t p = 0; p < np; p++)
        w->terr_at[terr_of[find_root(parent, (int)p)] + 1]++;
    for (size_t k = 0; k < n; k++)
        w->terr_at[k + 1] += w->terr_at[k];
    for (size_t i = 0; i < np; i++) {
        int p = w->pop_order[i], k = terr_of[find_root(parent, p)];
        w->terr_pops[w->terr_at[k] + fill[k]++] = p;
    }
    free(fill);
    for (size_t r = 0; r < nr; r++)
        w->res_terr[r] = res_pop[r] < 0 ? 0 : terr_of[find_root(parent, res_pop[r])];
    rc = 0;
done:
    free(parent);
    free(res_pop);
    free(terr_of);
    return rc;
}

/* Whether every move out of state s is plain: one version, present, without attribute
 * effects, drivers or a gamma law, to destinations admitting everyone.  Drawn at the
 * state's entry, such moves need neither versions nor factors (schedule_plain).  Binding
 * parameters changes values, never these. */
static int plain_state(const eng_workspace *w, size_t s)
{
    const mdl_state *st = &w->m->states[s];
    if (w->any_admits)
        return 0;
    for (size_t k = 0; k < st->n_transitions; k++) {
        const mdl_transition *tr = &st->transitions[k];
        const mdl_version *v = tr->versions;
        if (tr->n_versions != 1 || !v->present || v->group_attr >= 0 || v->law.effect >= 0 ||
            v->law.prob_effect >= 0 || v->law.modulation >= 0 || v->law.kind == MDL_AFTER_GAMMA ||
            v->dest.has_effects)
            return 0;
    }
    return 1;
}

eng_workspace *eng_alloc(const mdl_model *m)
{
    eng_workspace *w = pc_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->m = m;
    size_t np = m->n_populations, ns = m->n_states, nr = m->n_resources;
    size_t h = (size_t)m->horizon;
    w->rng = gsl_rng_alloc(rng_philox());
    w->occupied = pc_calloc(nr, sizeof *w->occupied);
    w->q_head = pc_calloc(nr, sizeof *w->q_head);
    w->q_tail = pc_calloc(nr, sizeof *w->q_tail);
    w->arr_cap = 256;
    w->arrivals = malloc(w->arr_cap * sizeof *w->arrivals);
    w->next_serial = pc_calloc(np, sizeof *w->next_serial);
    w->warm_months = pc_calloc(np, sizeof *w->warm_months);
    w->pop_key = pc_calloc(np, sizeof *w->pop_key);
    w->pop_order = pc_calloc(np, sizeof *w->pop_order);
    w->stock_diff = malloc((h + 1) * ns * sizeof *w->stock_diff);
    w->full_diff = malloc((h + 1) * ns * sizeof *w->full_diff);
    size_t n_changes = 0;
    for (size_t r = 0; r < nr; r++)
        n_changes += capacity_steps(m, (int)r, NULL);
    w->changes = pc_calloc(n_changes, sizeof *w->changes);
    if (!w->rng || !w->occupied || !w->q_head || !w->q_tail || !w->arrivals || !w->next_serial ||
        !w->warm_months || !w->changes || !w->pop_key || !w->pop_order || !w->stock_diff ||
        !w->full_diff)
        goto fail;
    /* Simultaneous events are ordered by population name (its hash, then the name) and
     * serial, never by the order sections are written. */
    for (size_t p = 0; p < np; p++)
        w->pop_order[p] = (int)p;
    for (size_t i = 1; i < np; i++)
        for (size_t j = i; j > 0 && pop_before(m, w->pop_order[j], w->pop_order[j - 1]); j--) {
            int tmp = w->pop_order[j];
            w->pop_order[j] = w->pop_order[j - 1];
            w->pop_order[j - 1] = tmp;
        }
    for (size_t i = 0; i < np; i++)
        w->pop_key[w->pop_order[i]] = (uint32_t)i;
    for (size_t r = 0; r < nr; r++)
        w->n_changes += capacity_steps(m, (int)r, w->changes + w->n_changes);
    qsort(w->changes, w->n_changes, sizeof *w->changes, cap_cmp);
    /* Records are needed only by the persons being drawn and those holding or waiting for
     * a unit: start with room for the units, and grow. */
    double units = 0;
    for (size_t r = 0; r < nr; r++)
        units += mdl_capacity_at(m, (int)r, 0);
    w->cap = 1024 + (size_t)(units < 1e6 ? units : 1e6) * 2;
    w->persons = malloc(w->cap * sizeof *w->persons);
    w->heap_cap = w->cap;
    w->heap = malloc(w->heap_cap * sizeof *w->heap);
    if (!w->persons || !w->heap || build_hooks(w) || build_territories(w))
        goto fail;
    w->parts = 1;
    if (w->n_watched && !(w->watch = malloc(w->cap * w->n_watched * sizeof *w->watch)))
        goto fail;
    w->path_len = (size_t)(100 * 12 + m->horizon + 1); /* a warm-up is at most 100 years */
    if (alloc_attributes(w) || !(w->plain = pc_calloc(ns + 1, sizeof *w->plain)))
        goto fail;
    if (w->n_watched && w->n_attr && !(w->watch_attr = malloc(w->cap * w->n_watched * w->n_attr)))
        goto fail;
    for (size_t s = 0; s < ns; s++)
        w->plain[s] = (uint8_t)plain_state(w, s);
    if (m->n_drivers &&
        (!(w->driver_x = malloc(m->n_drivers * w->path_len * sizeof *w->driver_x)) ||
         !(w->mod_m = malloc((m->n_modulations + 1) * w->path_len * sizeof *w->mod_m)) ||
         !(w->mod_c = malloc((m->n_modulations + 1) * (w->path_len + 1) * sizeof *w->mod_c))))
        goto fail;
    return w;
fail:
    eng_free(w);
    return NULL;
}

/* ---- heap primitives ------------------------------------------------------ */

static inline int before(slot a, slot b)
{
    return a.t < b.t || (a.t == b.t && a.order < b.order);
}

static void heap_pop(eng_workspace *w)
{
    slot e = w->heap[--w->heap_n];
    size_t n = w->heap_n, i = 0;
    if (n == 0)
        return;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && before(w->heap[child + 1], w->heap[child]))
            child++;
        if (!before(w->heap[child], e))
            break;
        w->heap[i] = w->heap[child];
        i = child;
    }
    w->heap[i] = e;
}

/* ---- heap ----------------------------------------------------------------- */

static void heap_insert(eng_workspace *w, slot e)
{
    if (w->heap_n == w->heap_cap) {
        slot *bigger = realloc(w->heap, 2 * w->heap_cap * sizeof *bigger);
        if (!bigger) {
            w->out_of_memory = 1;
            return;
        }
        w->heap = bigger;
        w->heap_cap *= 2;
    }
    size_t i = w->heap_n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(e, w->heap[parent]))
            break;
        w->heap[i] = w->heap[parent];
        i = parent;
    }
    w->heap[i] = e;
}

/* Releases of a place first, then population and serial (eng.h). */
static inline uint64_t order_of(const eng_workspace *w, const person *q, int releases)
{
    return (releases ? 0 : 1ull << 63) | (uint64_t)w->pop_key[q->pop] << 32 | q->serial;
}

/* Person pi's pending transition (it holds a unit or waits in a queue). */
static void push_event(eng_workspace *w, int32_t pi)
{
    const person *q = &w->persons[pi];
    int releases = w->m->states[q->state].resource >= 0;
    heap_insert(w, (slot){q->event_time, order_of(w, q, releases), pi, q->gen});
}

/* Person pi asks at t for a unit of the resource of state target. */
static void push_request(eng_workspace *w, int32_t pi, int target, double t)
{
    person *q = &w->persons[pi];
    q->state = NONE;
    q->target = target;
    heap_insert(w, (slot){t, order_of(w, q, 0), pi | REQUEST, q->gen});
}

/* ---- person records ---------------------------------------------------------- */

static int32_t person_new(eng_workspace *w)
{
    if (w->free_head != NONE) {
        int32_t p = w->free_head;
        w->free_head = w->persons[p].q_next;
        return p;
    }
    if (w->used == w->cap) {
        size_t cap = w->cap * 2;
        if (cap > REQUEST)
            return NONE;
        person *pp = realloc(w->persons, cap * sizeof *pp);
        if (!pp)
            return NONE;
        w->persons = pp;
        if (w->n_watched) {
            double *wt = realloc(w->watch, cap * w->n_watched * sizeof *wt);
            if (!wt)
                return NONE;
            w->watch = wt;
        }
        if (w->n_attr) {
            uint8_t *at = realloc(w->attr, cap * w->n_attr);
            if (!at)
                return NONE;
            w->attr = at;
            double *an = realloc(w->attr_next, cap * w->n_attr * sizeof *an);
            if (!an)
                return NONE;
            w->attr_next = an;
            if (w->n_watched) {
                uint8_t *wa = realloc(w->watch_attr, cap * w->n_watched * w->n_attr);
                if (!wa)
                    return NONE;
                w->watch_attr = wa;
            }
        }
        w->cap = cap;
    }
    w->persons[w->used].gen = 0;
    for (size_t i = 0; i < w->n_watched; i++) /* a fresh record: no watch open */
        w->watch[w->used * w->n_watched + i] = NAN;
    return (int32_t)w->used++;
}

static void person_release(eng_workspace *w, int32_t p)
{
    w->persons[p].state = NONE;
    w->persons[p].gen++;
    w->persons[p].q_next = w->free_head;
    w->free_head = p;
}

/* ---- recording ------------------------------------------------------------------ */

/* floor(t / month) for t >= 0: a conversion, where floor would be a call into libm on
 * a baseline x86-64 build (the same value: truncation is floor for t >= 0). */
static inline long months_in(double t)
{
    return (long)(t / MDL_DAYS_PER_MONTH);
}

/* The counter of column c in the month of day t (NULL before the start). */
static inline double *cell(eng_workspace *w, double *base, size_t width, size_t c, double t)
{
    if (t < 0)
        return NULL;
    size_t k = (size_t)months_in(t);
    if (k >= w->raw->n_months)
        k = w->raw->n_months - 1;
    return base + k * width + c;
}

static inline void count_at(eng_workspace *w, double *base, size_t width, size_t c, double t)
{
    double *x = cell(w, base, width, c, t);
    if (x)
        *x += 1;
}

/* months_in(t), 0 before the start: the month a stay from t is recorded from.  Computed
 * once per move and passed along (a division saved for each counter of that moment). */
static inline long month_index(double t)
{
    return t > 0 ? months_in(t) : 0;
}

/* count_at with k = month_index(t) given. */
static inline void count_in(eng_workspace *w, double *base, size_t width, size_t c, double t,
                            long k)
{
    if (t < 0)
        return;
    if ((size_t)k >= w->raw->n_months)
        k = (long)w->raw->n_months - 1;
    base[(size_t)k * width + c] += 1;
}

/* A stay in column c from t0 to t1: counted at the ends of the months (k + 1) * month
 * with t0 < end <= t1, and its person-days month by month (full months through the
 * difference array). */
static void record_stay(eng_workspace *w, double *stock_diff, double *full_diff, double *days,
                        size_t width, size_t c, double t0, double t1);

/* record_stay once t0 and t1 are clamped to the run (0 <= t0 < t1 <= horizon), with
 * ka = months_in(t0) and kb1 = months_in(t1). */
static inline void record_span(eng_workspace *w, double *stock_diff, double *full_diff,
                               double *days, size_t width, size_t c, double t0, double t1, long ka,
                               long kb1)
{
    const double dpm = MDL_DAYS_PER_MONTH;
    long months = (long)w->raw->n_months;
    long kb = kb1 - 1;
    if (kb >= ka) {
        stock_diff[(size_t)ka * width + c] += 1;
        stock_diff[(size_t)(kb + 1) * width + c] -= 1;
    }
    long da = ka, db = kb + 1;
    if (da == db) {
        if (da < months)
            days[(size_t)da * width + c] += t1 - t0;
        return;
    }
    days[(size_t)da * width + c] += (double)(da + 1) * dpm - t0;
    full_diff[(size_t)(da + 1) * width + c] += 1;
    full_diff[(size_t)db * width + c] -= 1;
    if (db < months)
        days[(size_t)db * width + c] += t1 - (double)db * dpm;
}

static void record_stay(eng_workspace *w, double *stock_diff, double *full_diff, double *days,
                        size_t width, size_t c, double t0, double t1)
{
    if (t1 > w->horizon_time)
        t1 = w->horizon_time;
    if (t0 < 0)
        t0 = 0;
    if (!(t1 > t0))
        return;
    record_span(w, stock_diff, full_diff, days, width, c, t0, t1, months_in(t0), months_in(t1));
}

/* Person pi's stays in its state and in its tracked groups end at t (k: month_index(t)). */
static void leave(eng_workspace *w, int32_t pi, double t, long k);

static void spell_record(eng_workspace *w, double *hist, int pop, double length)
{
    size_t width = rec_spell_width(w->raw);
    double bin = length * (REC_SPELL_BINS / MDL_DAYS_PER_MONTH); /* its floor, below */
    size_t k = bin >= 1 ? (bin < (double)(width - 1) ? (size_t)bin : width - 1) : 0;
    hist[(size_t)pop * width + k] += 1;
}

/* ---- indicators: per-person watches ------------------------------------------------ */

/* The recorded month of day t, or -1 before the start (warm-up). */
static inline int month_at(const eng_workspace *w, double t)
{
    if (t < 0)
        return -1;
    long k = months_in(t);
    return k < (long)w->raw->n_months ? (int)k : (int)w->raw->n_months - 1;
}

/* Whether a person in state s (NONE: gone from the model) has the status ev names. */
static int has_status(const mdl_model *m, const mdl_event *ev, int s)
{
    if (ev->kind == MDL_EV_OUTSIDE)
        return s == NONE || m->states[s].outside;
    if (ev->kind == MDL_EV_INSIDE)
        return s != NONE && !m->states[s].outside;
    for (size_t i = 0; s != NONE && i < ev->n_states; i++)
        if (ev->states[i] == s)
            return 1;
    return 0;
}

static inline double *watch_of(eng_workspace *w, int32_t pi, const mdl_indicator *ind)
{
    return &w->watch[(size_t)pi * w->n_watched + (size_t)ind->watch];
}

/* Person pi's values when its watch of ind opened. */
static inline uint8_t *watch_attr_of(eng_workspace *w, int32_t pi, const mdl_indicator *ind)
{
    return &w->watch_attr[((size_t)pi * w->n_watched + (size_t)ind->watch) * w->n_attr];
}

/* A cohort outcome of person pi for the groups it was in when its watch of ind opened
 * (a cohort by group at the `from` event: what happens later does not move it). */
static void group_outcome(eng_workspace *w, int32_t pi, const mdl_indicator *ind, size_t at,
                          int hit)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    const uint8_t *v = watch_attr_of(w, pi, ind);
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
        int a = w->pop_attr[i];
        int ti = m->tracked[m->attributes[a].group + v[a]];
        if (ti < 0)
            continue;
        w->raw->gcohort[at * w->n_tracked + (size_t)ti] += 1;
        w->raw->ghit[at * w->n_tracked + (size_t)ti] += hit;
    }
}

/* Ends person pi's open watch of ind.  Its `from` event joins the cohort of its month
 * when the whole window lies within the horizon (else the outcome is not observed). */
static void watch_close(eng_workspace *w, int32_t pi, const mdl_indicator *ind, int hit)
{
    double *since = watch_of(w, pi, ind);
    int k = month_at(w, *since);
    if (k >= 0 && *since + ind->window <= w->horizon_time + ENG_TIME_EPS) {
        size_t at = (size_t)k * w->n_watched + (size_t)ind->watch;
        w->raw->ind_cohort[at] += 1;
        w->raw->ind_hit[at] += hit;
        if (w->n_tracked)
            group_outcome(w, pi, ind, at, hit);
    }
    *since = NAN;
}

static void watch_start(eng_workspace *w, int32_t pi, const mdl_indicator *ind, double t)
{
    double *since = watch_of(w, pi, ind);
    if (!isnan(*since)) {
        if (ind->kind == MDL_IND_DELAY)
            watch_close(w, pi, ind, 0); /* a new start before reaching: not reached */
        else
            *since = NAN; /* a status watch restarted: the earlier one is not counted */
    }
    /* A delay started during a warm-up counts, with its true length, when its `to` event
     * happens in a recorded month (its cohort, before the start, is not recorded); a
     * status read before the start is never recorded: it is not started. */
    if (t >= 0 || ind->kind == MDL_IND_DELAY) {
        *since = t;
        if (w->n_tracked)
            memcpy(watch_attr_of(w, pi, ind), w->attr + (size_t)pi * w->n_attr, w->n_attr);
    }
}

static void watch_reach(eng_workspace *w, int32_t pi, const mdl_indicator *ind, double t)
{
    double since = *watch_of(w, pi, ind);
    if (isnan(since))
        return;
    double delay = t - since;
    int k = month_at(w, t);
    if (k >= 0) { /* reached in a recorded month (not during a warm-up) */
        size_t at = (size_t)k * w->n_watched + (size_t)ind->watch;
        w->raw->ind_days[at] += delay;
        w->raw->ind_count[at] += 1;
    }
    watch_close(w, pi, ind, delay <= ind->window + ENG_TIME_EPS);
}

static void run_hooks(eng_workspace *w, int32_t pi, const int32_t *codes, size_t n, double t)
{
    for (size_t i = 0; i < n; i++) {
        const mdl_indicator *ind = &w->m->indicators[codes[i] >> 1];
        if (codes[i] & 1)
            watch_reach(w, pi, ind, t);
        else
            watch_start(w, pi, ind, t);
    }
}

static inline void raise_state(eng_workspace *w, int32_t pi, int s, double t)
{
    size_t a = w->state_hook_at[s], b = w->state_hook_at[s + 1];
    if (b > a)
        run_hooks(w, pi, w->state_hooks + a, b - a, t);
}

/* A population event (see pop_event_slot); an arrival or a return is also an entry. */
static void raise_pop(eng_workspace *w, int32_t pi, int pop, mdl_event_kind kind, double t)
{
    size_t at = (size_t)pop * EV_KINDS + (size_t)pop_event_slot(kind);
    size_t a = w->pop_hook_at[at], b = w->pop_hook_at[at + 1];
    if (b > a)
        run_hooks(w, pi, w->pop_hooks + a, b - a, t);
    if (kind == MDL_EV_ARRIVAL || kind == MDL_EV_RETURN)
        raise_pop(w, pi, pop, MDL_EV_ENTRY, t);
}

/* Person pi is about to change state at t: status watches due before t read the state
 * the person holds. */
static void status_due(eng_workspace *w, int32_t pi, double t)
{
    const person *p = &w->persons[pi];
    for (size_t i = w->status_at[p->pop]; i < w->status_at[p->pop + 1]; i++) {
        const mdl_indicator *ind = &w->m->indicators[w->status_list[i]];
        double since = *watch_of(w, pi, ind);
        if (!isnan(since) && since + ind->window < t)
            watch_close(w, pi, ind, has_status(w->m, &ind->to, p->state));
    }
}

/* Person pi stays in state s for good (NONE: leaves the model or its population): every
 * open watch of its population ends. */
static void watch_final(eng_workspace *w, int32_t pi, int s)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    for (size_t i = w->pop_watch_at[p->pop]; i < w->pop_watch_at[p->pop + 1]; i++) {
        const mdl_indicator *ind = &m->indicators[w->pop_watch[i]];
        if (!isnan(*watch_of(w, pi, ind)))
            watch_close(w, pi, ind, ind->kind == MDL_IND_STATUS && has_status(m, &ind->to, s));
    }
}

/* Person pi (new in its population) has no open watch. */
static void watch_clear(eng_workspace *w, int32_t pi)
{
    const person *p = &w->persons[pi];
    for (size_t i = w->pop_watch_at[p->pop]; i < w->pop_watch_at[p->pop + 1]; i++)
        *watch_of(w, pi, &w->m->indicators[w->pop_watch[i]]) = NAN;
}

/* Person pi of the initial stock of population pop entered it at day entry_time (minus
 * its seniority): the delay indicators from `entry POP` start then, so that those who
 * reach their `to` event in a recorded month count with their true delay.  The watch
 * starts before day 0 even when the seniority is 0, so that the initial stock joins no
 * cohort (a cohort is the `from` events of a recorded month; the stock entered before). */
static void watch_initial(eng_workspace *w, int32_t pi, int pop, double entry_time)
{
    size_t at = (size_t)pop * EV_KINDS + (size_t)pop_event_slot(MDL_EV_ENTRY);
    double t = entry_time < 0 ? entry_time : -DBL_MIN;
    for (size_t i = w->pop_hook_at[at]; i < w->pop_hook_at[at + 1]; i++) {
        int32_t code = w->pop_hooks[i];
        const mdl_indicator *ind = &w->m->indicators[code >> 1];
        if (!(code & 1) && ind->kind == MDL_IND_DELAY && !ind->no_initial)
            *watch_of(w, pi, ind) = t;
    }
}

/* ---- schedules ------------------------------------------------------------------- */

/* Schedules (capacities, inflow rates) at day t: during the warm-up, their value at the start. */
static inline double sched_at(const mdl_schedule *s, double t)
{
    return mdl_schedule_at(s, t > 0 ? t : 0);
}

/* Units of resource r at day t (during the warm-up, at the start). */
static inline double capacity_at(const eng_workspace *w, int r, double t)
{
    return mdl_capacity_at(w->m, r, t > 0 ? t : 0);
}

/* ---- drivers: rates that move with time ------------------------------------------ */

#define PURPOSE_DRIVERS 0x1f10a003u /* the population key part of drivers' streams */

/* Draws every driver's monthly path for this replication, then each modulation's
 * multipliers and their running integral. */
static void draw_drivers(eng_workspace *w, int k0)
{
    const mdl_model *m = w->m;
    w->path_k0 = k0;
    w->path_n = (size_t)(m->horizon - k0);
    for (size_t d = 0; d < m->n_drivers; d++) {
        const mdl_driver *dr = &m->drivers[d];
        double *x = w->driver_x + d * w->path_len;
        rng_stream(w->rng, w->seed, PURPOSE_DRIVERS, dr->purpose, w->rep, 0, 0);
        int from = (int)floor(dr->from / MDL_DAYS_PER_MONTH + 0.5);
        double a = 0, s = 0, step = 0;
        if (dr->process == MDL_DRIVER_AR1) {
            a = pow(dr->persistence, 1.0 / 12);
            s = dr->sd * sqrt((1 - a * a) / (1 - dr->persistence * dr->persistence));
        } else {
            a = 1;
            s = dr->sd / sqrt(12.0);
            step = dr->drift / 12;
        }
        /* var: the variance of x in the month (centred drivers subtract half of it) */
        double value = 0, var = 0;
        double stat_var = dr->process == MDL_DRIVER_AR1
                              ? dr->sd * dr->sd / (1 - dr->persistence * dr->persistence)
                              : 0;
        for (size_t i = 0; i < w->path_n; i++) {
            int k = k0 + (int)i;
            if (k < from) {
                value = 0;
            } else if (k == from) {
                value = dr->stationary
                            ? sqrt(stat_var) * gsl_cdf_ugaussian_Pinv(gsl_rng_uniform_pos(w->rng))
                            : dr->start;
                var = dr->stationary ? stat_var : 0;
            } else {
                value = a * value + step + s * gsl_cdf_ugaussian_Pinv(gsl_rng_uniform_pos(w->rng));
                var = a * a * var + s * s;
            }
            x[i] = dr->centred ? value - var / 2 : value;
        }
    }
    for (size_t j = 0; j < m->n_modulations; j++) {
        const mdl_modulation *mod = &m->modulations[j];
        double *mm = w->mod_m + j * w->path_len, *cc = w->mod_c + j * (w->path_len + 1);
        cc[0] = 0;
        for (size_t i = 0; i < w->path_n; i++) {
            double log_m = 0;
            for (size_t q = 0; q < mod->n; q++)
                log_m += mod->power[q] * w->driver_x[(size_t)mod->driver[q] * w->path_len + i];
            mm[i] = exp(log_m);
            cc[i + 1] = cc[i] + mm[i] * MDL_DAYS_PER_MONTH;
        }
    }
}

/* The multiplier of modulation j in month k (1 outside the drawn months). */
static inline double mod_at(const eng_workspace *w, int j, int k)
{
    long i = (long)k - w->path_k0;
    if (i < 0 || (size_t)i >= w->path_n)
        return 1;
    return w->mod_m[(size_t)j * w->path_len + (size_t)i];
}

/* Integral of modulation j's multiplier from the first drawn month to day t; past the
 * horizon the last month's multiplier holds. */
static double mod_integral(const eng_workspace *w, int j, double t)
{
    const double *mm = w->mod_m + (size_t)j * w->path_len;
    const double *cc = w->mod_c + (size_t)j * (w->path_len + 1);
    double start = w->path_k0 * MDL_DAYS_PER_MONTH;
    long i = (long)floor((t - start) / MDL_DAYS_PER_MONTH);
    if (i < 0)
        return t - start; /* before the first drawn month the multiplier is 1 */
    if ((size_t)i >= w->path_n)
        i = (long)w->path_n - 1;
    return cc[i] + mm[i] * (t - (start + (double)i * MDL_DAYS_PER_MONTH));
}

/* The day at which modulation j's integral reaches v (INFINITY past the horizon). */
static double mod_inverse(const eng_workspace *w, int j, double v)
{
    const double *mm = w->mod_m + (size_t)j * w->path_len;
    const double *cc = w->mod_c + (size_t)j * (w->path_len + 1);
    if (!(v < cc[w->path_n]))
        return INFINITY;
    size_t lo = 0, hi = w->path_n; /* cc[lo] <= v < cc[hi] */
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (cc[mid] <= v)
            lo = mid;
        else
            hi = mid;
    }
    double start = (w->path_k0 + (double)lo) * MDL_DAYS_PER_MONTH;
    return start + (v - cc[lo]) / mm[lo];
}

/* Time until a hazard multiplied by drivers fires, drawn at day t: the integrated
 * hazard from t reaches -log(1 - u).  origin: the day the hazard's clock reads 0. */
static double modulated_time(const eng_workspace *w, const mdl_law *l, double u, double t,
                             double origin, double factor)
{
    int j = l->modulation;
    double target = -log(1.0 - u) / factor;
    if (l->kind == MDL_HAZARD_CONST) {
        if (!(l->p[0] > 0) || !(factor > 0))
            return INFINITY;
        return mod_inverse(w, j, mod_integral(w, j, t) + target / l->p[0]) - t;
    }
    const mdl_table *tb = &l->table;
    size_t i = 0;
    while (i + 1 < tb->n && origin + tb->x[i + 1] <= t)
        i++;
    double a = t, acc = 0;
    for (;; i++) {
        double b = i + 1 < tb->n ? origin + tb->x[i + 1] : INFINITY;
        double y = tb->y[i];
        if (y > 0) {
            double ia = mod_integral(w, j, a);
            double piece = b < INFINITY ? y * (mod_integral(w, j, b) - ia) : INFINITY;
            if (acc + piece >= target)
                return mod_inverse(w, j, ia + (target - acc) / y) - t;
            acc += piece;
        } else if (b == INFINITY) {
            return INFINITY;
        }
        a = b;
    }
}

/* ---- latent times ------------------------------------------------------------- */

/* The pieces of a piecewise hazard are found by counting the thresholds at most the
 * value sought rather than by a scan that stops at the first above it: the same piece
 * without a branch that depends on a draw.  Piece starts increase and rates are never
 * negative (the model's reader and mdl_bind refuse anything else), so the starts, and
 * the cumulative hazards, at most a value are a prefix. */
static inline size_t piece_of(const double *thresholds, size_t n, double v)
{
    size_t i = 0;
    for (size_t j = 1; j < n; j++)
        i += thresholds[j] <= v;
    return i;
}

static inline double cum_hazard(const mdl_table *t, double s, size_t *piece)
{
    size_t i = piece_of(t->x, t->n, s);
    *piece = i;
    return t->cum[i] + t->y[i] * (s - t->x[i]);
}

/* Time from clock reading start until a piecewise hazard t has added h to its cumulative
 * hazard (INFINITY if it never does). */
static inline double piecewise_after(const mdl_table *t, double start, double h)
{
    size_t i;
    double target = cum_hazard(t, start, &i) + h;
    i = piece_of(t->cum, t->n, target); /* at least the piece of start: target is past it */
    if (t->y[i] <= 0)
        return INFINITY;
    double at = t->x[i] + (target - t->cum[i]) / t->y[i];
    double dt = at - start;
    return dt > 0 ? dt : 0;
}

/* Time until the transition fires, for a person of seniority `seniority` who has been
 * `elapsed` in its state (a piecewise hazard goes on from its clock's reading); a hazard
 * is multiplied by factor (attribute effects; 1 otherwise). */
static double latent_time(const mdl_law *l, double u, gsl_rng *r, double seniority, double elapsed,
                          double factor)
{
    switch (l->kind) {
    case MDL_HAZARD_CONST:
        return l->p[0] * factor > 0 ? -log(1.0 - u) / (l->p[0] * factor) : INFINITY;
    case MDL_HAZARD_PIECEWISE: {
        double start = l->clock == MDL_CLOCK_ENTRY ? (seniority > 0 ? seniority : 0) : elapsed;
        if (!(factor > 0))
            return INFINITY;
        return piecewise_after(&l->table, start, (-log(1.0 - u)) / factor);
    }
    case MDL_AFTER_FIXED:
        return l->p[0];
    case MDL_AFTER_EXPONENTIAL:
        return -l->p[0] * log(1.0 - u);
    case MDL_AFTER_LOGNORMAL:
        return gsl_cdf_lognormal_Pinv(u, l->p[0], l->p[1]);
    case MDL_AFTER_GAMMA:
        return gsl_ran_gamma(r, l->p[0], l->p[1]);
    case MDL_AFTER_WEIBULL:
        return gsl_cdf_weibull_Pinv(u, l->p[1], l->p[0]);
    case MDL_AFTER_UNIFORM:
        return l->p[0] + u * (l->p[1] - l->p[0]);
    case MDL_AFTER_EMPIRICAL: {
        const mdl_table *t = &l->table;
        size_t i = 0;
        while (i + 1 < t->n && t->y[i] <= u)
            i++;
        double lo_y = i ? t->y[i - 1] : 0, lo_x = i ? t->x[i - 1] : 0;
        double span = t->y[i] - lo_y;
        return lo_x + (span > 0 ? (u - lo_y) / span : 0) * (t->x[i] - lo_x);
    }
    }
    return INFINITY;
}

/* Probability that a law drawn when its state was entered has not fired `elapsed` later (its
 * entry clock then read seniority - elapsed); hazards multiplied by factor. */
static double law_survival(const mdl_law *l, double elapsed, double seniority, double factor)
{
    switch (l->kind) {
    case MDL_HAZARD_CONST:
        return exp(-l->p[0] * factor * elapsed);
    case MDL_HAZARD_PIECEWISE: {
        size_t i;
        double from = l->clock == MDL_CLOCK_ENTRY ? seniority - elapsed : 0;
        from = from > 0 ? from : 0;
        double h = cum_hazard(&l->table, from + elapsed, &i) - cum_hazard(&l->table, from, &i);
        return exp(-h * factor);
    }
    case MDL_AFTER_FIXED:
        return elapsed < l->p[0] ? 1 : 0;
    case MDL_AFTER_EXPONENTIAL:
        return exp(-elapsed / l->p[0]);
    case MDL_AFTER_LOGNORMAL:
        return gsl_cdf_lognormal_Q(elapsed, l->p[0], l->p[1]);
    case MDL_AFTER_GAMMA:
        return gsl_cdf_gamma_Q(elapsed, l->p[0], l->p[1]);
    case MDL_AFTER_WEIBULL:
        return gsl_cdf_weibull_Q(elapsed, l->p[1], l->p[0]);
    case MDL_AFTER_UNIFORM: {
        double f = (elapsed - l->p[0]) / (l->p[1] - l->p[0]);
        return f <= 0 ? 1 : f >= 1 ? 0 : 1 - f;
    }
    case MDL_AFTER_EMPIRICAL: {
        const mdl_table *t = &l->table;
        double lo_x = 0, lo_y = 0;
        for (size_t i = 0; i < t->n; i++) {
            if (elapsed < t->x[i])
                return 1 - (lo_y + (t->y[i] - lo_y) * (elapsed - lo_x) / (t->x[i] - lo_x));
            lo_x = t->x[i];
            lo_y = t->y[i];
        }
        return 0;
    }
    }
    return 1;
}

/* Time until the transition fires for a person already `elapsed` days in its state without
 * its firing (an initial person given the time spent in its state): the law left-truncated
 * there.  A hazard on the entry clock already is (seniority), a constant one has no memory;
 * a duration is drawn by inversion of its law conditional on exceeding elapsed (0 when the
 * law cannot exceed it: the transition is due at once). */
static double residual_time(const mdl_law *l, double u, gsl_rng *r, double seniority,
                            double elapsed, double factor)
{
    if (l->kind == MDL_HAZARD_CONST || l->kind == MDL_AFTER_EXPONENTIAL ||
        (l->kind == MDL_HAZARD_PIECEWISE && l->clock == MDL_CLOCK_ENTRY))
        return latent_time(l, u, r, seniority, 0, factor);
    if (l->kind == MDL_HAZARD_PIECEWISE) /* on the state's clock, from elapsed */
        return latent_time(l, u, r, seniority, elapsed, factor);
    double q = law_survival(l, elapsed, seniority, factor) * (1.0 - u); /* P(T > total) */
    if (!(q > 0))
        return 0;
    double total;
    switch (l->kind) {
    case MDL_AFTER_LOGNORMAL:
        total = gsl_cdf_lognormal_Qinv(q, l->p[0], l->p[1]);
        break;
    case MDL_AFTER_GAMMA:
        total = gsl_cdf_gamma_Qinv(q, l->p[0], l->p[1]);
        break;
    case MDL_AFTER_WEIBULL:
        total = gsl_cdf_weibull_Qinv(q, l->p[1], l->p[0]);
        break;
    default:
        total = latent_time(l, 1.0 - q, r, seniority, 0, factor);
        break;
    }
    return total > elapsed ? total - elapsed : 0;
}

/* Probability that a defective law ("with P") fires, for a person in its state for elapsed
 * days without its firing: P S / (1 - P + P S), S the law's survival to elapsed. */
static double residual_probability(double pr, const mdl_law *l, double elapsed, double seniority,
                                   double factor)
{
    if (!(elapsed > 0) || pr >= 1)
        return pr;
    double surv = law_survival(l, elapsed, seniority, factor) * pr;
    return surv > 0 ? surv / (1.0 - pr + surv) : 0;
}

/* The probability that a duration of law l (an `after` law) is at most x. */
static double after_cdf(const mdl_law *l, double x)
{
    switch (l->kind) {
    case MDL_AFTER_FIXED:
        return x >= l->p[0] ? 1 : 0;
    case MDL_AFTER_EXPONENTIAL:
        return l->p[0] > 0 ? -expm1(-x / l->p[0]) : 1;
    case MDL_AFTER_LOGNORMAL:
        return gsl_cdf_lognormal_P(x, l->p[0], l->p[1]);
    case MDL_AFTER_GAMMA:
        return gsl_cdf_gamma_P(x, l->p[0], l->p[1]);
    case MDL_AFTER_WEIBULL:
        return gsl_cdf_weibull_P(x, l->p[1], l->p[0]);
    case MDL_AFTER_UNIFORM:
        if (x >= l->p[1])
            return 1;
        return x <= l->p[0] ? 0 : (x - l->p[0]) / (l->p[1] - l->p[0]);
    case MDL_AFTER_EMPIRICAL: {
        const mdl_table *t = &l->table;
        size_t i = 0;
        while (i < t->n && t->x[i] <= x)
            i++;
        if (i == t->n)
            return 1;
        double lo_y = i ? t->y[i - 1] : 0, lo_x = i ? t->x[i - 1] : 0;
        return lo_y + (x - lo_x) / (t->x[i] - lo_x) * (t->y[i] - lo_y);
    }
    default:
        return 0;
    }
}

/* The hazard of law l integrated from day a to day b, its clock reading 0 at day origin
 * (times its drivers and factor). */
static double hazard_between(const eng_workspace *w, const mdl_law *l, double a, double b,
                             double origin, double factor)
{
    int j = l->modulation;
    if (l->kind == MDL_HAZARD_CONST)
        return factor * l->p[0] * (j >= 0 ? mod_integral(w, j, b) - mod_integral(w, j, a) : b - a);
    const mdl_table *tb = &l->table;
    double h = 0;
    for (size_t i = 0; i < tb->n; i++) {
        double lo = fmax(origin + tb->x[i], a);
        double hi = fmin(i + 1 < tb->n ? origin + tb->x[i + 1] : INFINITY, b);
        if (hi > lo && tb->y[i] > 0)
            h += tb->y[i] * (j >= 0 ? mod_integral(w, j, hi) - mod_integral(w, j, lo) : hi - lo);
    }
    return factor * h;
}

static int pick(const mdl_dest *d, double u)
{
    size_t i = 0;
    while (i + 1 < d->n && d->cum[i] <= u)
        i++;
    return d->state[i];
}

/* pick, counting instead of scanning (no branch on the draw): the cumulative shares the
 * scan reads, all but the last, never decrease (shares lie in [0, 1]), so those at most
 * u are a prefix. */
static inline int pick_counted(const mdl_dest *d, double u)
{
    size_t i = 0;
    for (size_t j = 0; j + 1 < d->n; j++)
        i += d->cum[j] <= u;
    return d->state[i];
}

/* ---- attributes: values per person, effects, groups -------------------------------- */

#define PURPOSE_ATTR_SALT 0x2b7e1516u

static inline uint8_t *attrs_of(const eng_workspace *w, int32_t pi)
{
    return w->attr + (size_t)pi * w->n_attr;
}

/* The product of an effect's factors for person pi (1 without an effect). */
static double effect_factor(const eng_workspace *w, int32_t pi, int effect)
{
    if (effect < 0)
        return 1;
    const mdl_effect *ef = &w->m->effects[effect];
    const uint8_t *v = attrs_of(w, pi);
    double f = 1;
    for (size_t i = 0; i < ef->n; i++)
        f *= ef->factor[i][v[ef->attribute[i]]];
    return f;
}

static inline int admits(const eng_workspace *w, int32_t pi, int s)
{
    const mdl_state *st = &w->m->states[s];
    return st->admit_attr < 0 || (st->admit_values >> attrs_of(w, pi)[st->admit_attr]) & 1;
}

/* The version of a transition for person pi at day t: the latest in force for everyone
 * or for the person's group. */
static const mdl_version *version_for(const eng_workspace *w, int32_t pi, const mdl_transition *tr,
                                      double t)
{
    const mdl_version *v = &tr->versions[0];
    for (size_t i = 1; i < tr->n_versions && tr->versions[i].from <= t; i++) {
        const mdl_version *c = &tr->versions[i];
        if (c->group_attr < 0 || attrs_of(w, pi)[c->group_attr] == c->group_value)
            v = c;
    }
    return v;
}

/* The destination for person pi: shares times their factors, over the states that admit
 * the person; NONE when none does (the transition then does not fire). */
static int pick_for(eng_workspace *w, int32_t pi, const mdl_dest *d, double u)
{
    if (!d->has_effects && !w->any_admits)
        return pick(d, u);
    double total = 0;
    for (size_t i = 0; i < d->n; i++) {
        double share = d->cum[i] - (i ? d->cum[i - 1] : 0);
        if (d->state[i] != MDL_OUT && !admits(w, pi, d->state[i]))
            share = 0;
        w->pick_buf[i] = share * effect_factor(w, pi, d->effect[i]);
        total += w->pick_buf[i];
    }
    if (!(total > 0))
        return NO_DEST;
    double target = u * total, acc = 0;
    for (size_t i = 0; i + 1 < d->n; i++) {
        acc += w->pick_buf[i];
        if (target < acc && w->pick_buf[i] > 0)
            return d->state[i];
    }
    for (size_t i = d->n; i-- > 0;)
        if (w->pick_buf[i] > 0)
            return d->state[i];
    return NO_DEST;
}

/* The day person pi's value of attribute a changes next, from value v taken at t. */
static double next_change(eng_workspace *w, int32_t pi, int a, int v, double t)
{
    const mdl_attribute *at = &w->m->attributes[a];
    if (at->change_to[v] < 0)
        return INFINITY;
    const person *p = &w->persons[pi];
    double u[4];
    rng_block(w->seed, p->key, at->purpose ^ PURPOSE_ATTR_SALT, w->rep, p->serial, 1 + (uint32_t)v,
              u);
    if (at->change[v].kind == MDL_AFTER_GAMMA) {
        rng_stream(w->rng, w->seed, p->key, at->purpose ^ PURPOSE_ATTR_SALT, w->rep, p->serial,
                   1 + (uint32_t)v);
        gsl_rng_get(w->rng);
    }
    return t + latent_time(&at->change[v], u[0], w->rng, 0, 0, 1);
}

/* Person pi's tracked groups: calls f(w, pi, column) for each (the state s and the group). */
static void group_stays(eng_workspace *w, int32_t pi, int s, double t0, double t1)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    const uint8_t *v = attrs_of(w, pi);
    size_t width = m->n_states * w->n_tracked;
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
        int a = w->pop_attr[i];
        int ti = m->tracked[m->attributes[a].group + v[a]];
        if (ti >= 0)
            record_stay(w, w->gstock_diff, w->gfull_diff, w->raw->gdays, width,
                        (size_t)s * w->n_tracked + (size_t)ti, t0, t1);
    }
}

/* Entries of person pi's tracked groups into state s at t. */
static void group_entry(eng_workspace *w, int32_t pi, int s, double t)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    const uint8_t *v = attrs_of(w, pi);
    size_t width = m->n_states * w->n_tracked;
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
        int a = w->pop_attr[i];
        int ti = m->tracked[m->attributes[a].group + v[a]];
        if (ti >= 0)
            count_at(w, w->raw->gin, width, (size_t)s * w->n_tracked + (size_t)ti, t);
    }
}

static void leave(eng_workspace *w, int32_t pi, double t, long k)
{
    person *p = &w->persons[pi];
    double t0 = p->state_time, t1 = t; /* record_stay's clamps, the months known */
    if (t1 > w->horizon_time) {
        t1 = w->horizon_time;
        k = months_in(t1);
    }
    if (t0 < 0)
        t0 = 0;
    if (t1 > t0)
        record_span(w, w->stock_diff, w->full_diff, w->raw->days, w->m->n_states, (size_t)p->state,
                    t0, t1, p->state_month, k);
    if (w->n_tracked)
        group_stays(w, pi, p->state, p->group_since, t);
}

/* Person pi's changes of attribute value due by t, each at its own time (its group stays
 * split there).  A person between states (a pending request) has no stay to split. */
static void changes_due(eng_workspace *w, int32_t pi, double t)
{
    const mdl_model *m = w->m;
    person *p = &w->persons[pi];
    uint8_t *v = attrs_of(w, pi);
    for (;;) {
        int which = -1;
        double at = INFINITY;
        for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
            int a = w->pop_attr[i];
            double next = w->attr_next[(size_t)pi * w->n_attr + (size_t)a];
            if (next < at) {
                at = next;
                which = a;
            }
        }
        if (which < 0 || !(at <= t))
            return;
        if (w->n_tracked && p->state != NONE) {
            group_stays(w, pi, p->state, p->group_since, at);
            p->group_since = at;
        }
        v[which] = (uint8_t)m->attributes[which].change_to[v[which]];
        w->attr_next[(size_t)pi * w->n_attr + (size_t)which] =
            next_change(w, pi, which, v[which], at);
    }
}

/* Draws person pi's values at day t (initial: the initial stock's shares); a value of an
 * attribute the person's former population shares (carry) is kept. */
static void draw_attributes(eng_workspace *w, int32_t pi, double t, int initial,
                            const uint8_t *carry, int carry_pop)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    uint8_t *v = attrs_of(w, pi);
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
        int a = w->pop_attr[i];
        const mdl_attribute *at = &m->attributes[a];
        int value = -1;
        if (carry && ((at->has[(size_t)carry_pop / 64] >> ((size_t)carry_pop % 64)) & 1))
            value = carry[a];
        if (value < 0) {
            const double *cum = at->initial_cum;
            if (!initial) {
                cum = at->entry[0].cum;
                for (size_t k = 1; k < at->n_entry && at->entry[k].from <= t; k++)
                    cum = at->entry[k].cum;
            }
            if (at->parent >= 0)
                cum += (size_t)v[at->parent] * at->n_values;
            double u[4];
            rng_block(w->seed, p->key, at->purpose, w->rep, p->serial, 0, u);
            value = 0;
            while ((size_t)value + 1 < at->n_values && cum[value] <= u[0])
                value++;
        }
        v[a] = (uint8_t)value;
        w->attr_next[(size_t)pi * w->n_attr + (size_t)a] = next_change(w, pi, a, value, t);
    }
}

/* ---- drawing a person's next transition ---------------------------------------- */

/* The day person pi's next change of a value its state's moves depend on at that day
 * happens (INFINITY: none).  Before a dated version names the attribute, a change is
 * not one (the warm-up runs the model as in force at the start). */
static double next_dependent_change(const eng_workspace *w, int32_t pi)
{
    const person *p = &w->persons[pi];
    const double *from = w->dep_from + (size_t)p->state * w->n_attr;
    double next = INFINITY;
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
        int a = w->pop_attr[i];
        double at = w->attr_next[(size_t)pi * w->n_attr + (size_t)a];
        if (at < next && (at > 0 ? at : 0) >= from[a])
            next = at;
    }
    return next;
}

#define PURPOSE_REDRAW_SALT 0x6a09e667u

/* Time until a piecewise hazard fires, drawn at a state's entry: latent_time with factor
 * 1 and no time spent in the state, without its division by the factor (the same value). */
static inline double piecewise_time(const mdl_law *l, double u, double seniority)
{
    double start = l->clock == MDL_CLOCK_ENTRY ? (seniority > 0 ? seniority : 0) : 0;
    return piecewise_after(&l->table, start, -log(1.0 - u));
}

#define PLAIN_BATCH 4 /* blocks drawn before the moves they decide are examined */

/* schedule for a state whose moves are all plain (plain_state), at its entry (no time
 * spent in it, not a redraw): the same draws and results, without the general case's
 * versions, factors and truncations. */
static double schedule_plain(eng_workspace *w, int32_t pi, double t, uint32_t visit)
{
    person *p = &w->persons[pi];
    const mdl_state *st = &w->m->states[p->state];
    double seniority = t - p->entry_time;
    double best = INFINITY;
    for (size_t first = 0; first < st->n_transitions; first += PLAIN_BATCH) {
        const mdl_transition *tr = st->transitions + first;
        size_t n =
            st->n_transitions - first < PLAIN_BATCH ? st->n_transitions - first : PLAIN_BATCH;
        /* the blocks first, one after the other (independent: the processor overlaps
         * them), then the words of the fire decision, the time and the destination, each
         * made a uniform only when it is used */
        philox4x32_ctr_t words[PLAIN_BATCH];
        for (size_t k = 0; k < n; k++)
            words[k] = rng_words(w->seed, p->key, tr[k].purpose, w->rep, p->serial, visit);
        for (size_t k = 0; k < n; k++) {
            const mdl_law *law = &tr[k].versions->law;
            const uint32_t *word = words[k].v;
            if (law->probability < 1 && !(rng_unit(word[0]) < law->probability))
                continue;
            double u_time = rng_unit(word[1]);
            /* a piecewise hazard without the division by a factor of 1 (the same value) */
            double dt = law->kind == MDL_HAZARD_PIECEWISE
                            ? piecewise_time(law, u_time, seniority)
                            : latent_time(law, u_time, w->rng, seniority, 0, 1);
            if (t + dt < best) {
                best = t + dt;
                p->dest = pick_counted(&tr[k].versions->dest, rng_unit(word[2]));
                p->flow = (int32_t)tr[k].flow;
            }
        }
    }
    p->event_time = best < w->horizon_time ? best : INFINITY;
    return p->event_time;
}

/* Draws the competing transitions of person pi's state at t: the earliest sets its event
 * time (INFINITY past the horizon: the person stays), destination and flow.
 *
 * At the state's entry (t is then its state_time) the draws come from the person's
 * streams of this visit.  When a value the state's moves depend on changes first, the
 * event is instead that change (dest REDRAW): at it, every move of the state is drawn
 * again (dest REDRAW_NOW) as for a person of the new group still in the state after
 * `elapsed`: a hazard goes on from its clock's reading (exact: it has no memory); a
 * duration is drawn conditional on exceeding `elapsed` (by inversion from its quantile),
 * and does not fire when it cannot (a fixed duration already past); `with P` becomes
 * the probability of firing given that it has not yet.  These draws come from streams
 * of their own (the purpose salted, the count of redraws as counter), so the person's
 * later visits keep their draws. */
static double schedule(eng_workspace *w, int32_t pi, double t)
{
    person *p = &w->persons[pi];
    const mdl_state *st = &w->m->states[p->state];
    int redraw = p->dest == REDRAW_NOW;
    uint32_t visit = redraw ? p->redraws++ : p->visits++;
    /* 0 but for a move drawn again, or for an initial person placed with the time it has
     * already spent in its state */
    double elapsed = t - p->state_time, seniority = t - p->entry_time;
    if (!redraw && !(elapsed > 0) && w->plain[p->state])
        return schedule_plain(w, pi, t, visit);
    double best = INFINITY;
    if (redraw)
        p->dest = REDRAW; /* inert until a move is drawn */
    for (size_t k = 0; k < st->n_transitions; k++) {
        const mdl_transition *tr = &st->transitions[k];
        /* the warm-up runs the model as in force at the start */
        const mdl_version *v = tr->n_versions == 1 ? tr->versions
                               : w->n_attr         ? version_for(w, pi, tr, t > 0 ? t : 0)
                                                   : mdl_version_at(tr, t > 0 ? t : 0);
        if (!v->present)
            continue;
        double u[4];
        rng_block(w->seed, p->key, redraw ? tr->purpose ^ PURPOSE_REDRAW_SALT : tr->purpose, w->rep,
                  p->serial, visit, u);
        double u_fire = u[0], u_time = u[1], u_dest = u[2];
        const mdl_law *law = &v->law;
        int hazard = law->kind == MDL_HAZARD_CONST || law->kind == MDL_HAZARD_PIECEWISE;
        double factor = hazard && law->effect >= 0 ? effect_factor(w, pi, law->effect) : 1;
        double dt;
        if (!redraw) { /* an initial person's elapsed time: the laws left-truncated there */
            if (v->law.prob_effect >= 0) {
                double pr = v->law.probability * effect_factor(w, pi, v->law.prob_effect);
                pr = residual_probability(pr < 1 ? pr : 1, law, elapsed, seniority, factor);
                if (!(u_fire < pr))
                    continue;
            } else if (v->law.probability < 1 &&
                       !(u_fire < residual_probability(v->law.probability, law, elapsed, seniority,
                                                       factor))) {
                continue;
            }
            if (v->law.kind == MDL_AFTER_GAMMA) {
                /* no cheap inverse: the sampler continues the same stream after the three words */
                rng_stream(w->rng, w->seed, p->key, tr->purpose, w->rep, p->serial, visit);
                for (int skip = 0; skip < 3; skip++)
                    gsl_rng_get(w->rng);
            }
            if (law->modulation >= 0 && hazard)
                dt = modulated_time(w, law, u_time, t,
                                    law->clock == MDL_CLOCK_ENTRY &&
                                            law->kind == MDL_HAZARD_PIECEWISE
                                        ? p->entry_time
                                        : p->state_time,
                                    factor);
            else if (elapsed > 0)
                dt = residual_time(law, u_time, w->rng, seniority, elapsed, factor);
            else
                dt = latent_time(law, u_time, w->rng, seniority, 0, factor);
        } else { /* a move drawn again after a change of the person's group */
            double origin = law->clock == MDL_CLOCK_ENTRY && law->kind == MDL_HAZARD_PIECEWISE
                                ? p->entry_time
                                : p->state_time;
            double pr = law->probability;
            if (law->prob_effect >= 0) {
                pr *= effect_factor(w, pi, law->prob_effect);
                pr = pr < 1 ? pr : 1;
            }
            /* a duration drawn again is conditional on the time spent (an exponential needs not) */
            int conditional = elapsed > 0 && !hazard && law->kind != MDL_AFTER_EXPONENTIAL;
            double gone = 0; /* a draw made again: the chance the move would have fired by now */
            if (conditional || (elapsed > 0 && hazard && pr < 1)) {
                gone = hazard ? -expm1(-hazard_between(w, law, p->state_time, t, origin, factor))
                              : after_cdf(law, elapsed);
                if (!(gone < 1))
                    continue; /* its time has passed */
                if (pr < 1)
                    pr = pr * (1 - gone) / (1 - pr * gone);
            }
            if (pr < 1 && !(u_fire < pr))
                continue;
            if (conditional) {
                double q = gone + u_time * (1 - gone);
                double at = law->kind == MDL_AFTER_GAMMA
                                ? gsl_cdf_gamma_Pinv(q, law->p[0], law->p[1])
                                : latent_time(law, q, w->rng, 0, 0, 1);
                dt = at > elapsed ? at - elapsed : 0;
            } else {
                if (law->kind == MDL_AFTER_GAMMA) {
                    /* no cheap inverse: the sampler continues the same stream after the three words
                     */
                    rng_stream(w->rng, w->seed, p->key, tr->purpose ^ PURPOSE_REDRAW_SALT, w->rep,
                               p->serial, visit);
                    for (int skip = 0; skip < 3; skip++)
                        gsl_rng_get(w->rng);
                }
                if (law->modulation >= 0 && hazard)
                    dt = modulated_time(w, law, u_time, t, origin, factor);
                else
                    dt = latent_time(law, u_time, w->rng, t - p->entry_time, elapsed, factor);
            }
        }
        if (t + dt < best) {
            int dest = pick_for(w, pi, &v->dest, u_dest);
            if (dest == NO_DEST)
                continue; /* no destination admits this person: the transition is not open */
            best = t + dt;
            p->dest = dest;
            p->flow = (int32_t)tr->flow;
        }
    }
    p->event_time = best < w->horizon_time ? best : INFINITY;
    if (w->n_attr && w->state_dep[p->state]) {
        double change = next_dependent_change(w, pi);
        if (change > t && change < best && change < w->horizon_time) {
            p->event_time = change;
            p->dest = REDRAW;
        }
    }
    return p->event_time;
}

/* ---- moving persons ---------------------------------------------------------- */

/* Person pi enters state s at t (k: month_index(t)); counts: an entry (initial persons are placed,
 * not entered: no in.S, no cost per entry, no indicator event). */
static void enter(eng_workspace *w, int32_t pi, int s, double t, int counts, long k)
{
    person *p = &w->persons[pi];
    p->state = s;
    p->state_time = p->group_since = t;
    p->state_month = (int32_t)k;
    if (!counts)
        return;
    count_in(w, w->raw->in, w->m->n_states, (size_t)s, t, k);
    if (w->n_tracked)
        group_entry(w, pi, s, t);
    if (w->n_watched)
        raise_state(w, pi, s, t);
}

/* Person pi stays in its state to the horizon: its stays end there, its spell is
 * censored, its watches end with the state it keeps; its record is freed. */
static void finish_alive(eng_workspace *w, int32_t pi)
{
    person *p = &w->persons[pi];
    if (w->n_attr)
        changes_due(w, pi, w->horizon_time);
    leave(w, pi, w->horizon_time, month_index(w->horizon_time));
    if (!w->m->states[p->state].outside && p->tracked)
        spell_record(w, w->raw->spell_cens, p->pop, w->horizon_time - p->entry_time);
    if (w->n_watched)
        watch_final(w, pi, p->state);
    person_release(w, pi);
}

static void queue_unlink(eng_workspace *w, int32_t pi, double t)
{
    person *p = &w->persons[pi];
    int r = w->m->states[p->target].resource;
    if (p->q_prev != NONE)
        w->persons[p->q_prev].q_next = p->q_next;
    else
        w->q_head[r] = p->q_next;
    if (p->q_next != NONE)
        w->persons[p->q_next].q_prev = p->q_prev;
    else
        w->q_tail[r] = p->q_prev;
    p->queued = 0;
    double wait = t - p->state_time;
    size_t ns = w->m->n_states, q = (size_t)p->state;
    double *count = cell(w, w->raw->wait_count, ns, q, t);
    if (count) {
        *count += 1;
        *cell(w, w->raw->wait_total, ns, q, t) += wait;
        /* t and state_time are large day counts: their difference carries rounding, so a
         * wait the model sets to exactly 3 months must not land above */
        if (wait > 3 * MDL_DAYS_PER_MONTH + ENG_TIME_EPS)
            *cell(w, w->raw->wait_over, ns, q, t) += 1;
    }
    if (t >= w->raw->wait_from && t < w->raw->wait_to) {
        double day = floor(wait + ENG_TIME_EPS);
        size_t bin = day < REC_WAIT_BINS - 1 ? (size_t)day : REC_WAIT_BINS - 1;
        w->raw->wait_hist[q * REC_WAIT_BINS + bin] += 1;
    }
}

/* Person pi has entered a state holding a unit, or its queue: its next transition goes
 * to the heap; a holder with none keeps its unit to the horizon (its record is freed),
 * a waiting person with none stays in the queue. */
static void hold(eng_workspace *w, int32_t pi, double t)
{
    person *p = &w->persons[pi];
    if (schedule(w, pi, t) < INFINITY)
        push_event(w, pi);
    else if (!p->queued)
        finish_alive(w, pi);
}

/* Admits waiting persons while resource r has room.  A person whose values changed while
 * it waited so that the state it waits for no longer admits it leaves the line (its wait
 * ends there) and stays in the queue state, where its own moves go on. */
static void admit(eng_workspace *w, int r, double t)
{
    double capacity = capacity_at(w, r, t);
    while (w->q_head[r] != NONE && (double)w->occupied[r] < capacity) {
        int32_t pi = w->q_head[r];
        person *p = &w->persons[pi];
        int target = p->target;
        if (w->n_attr)
            changes_due(w, pi, t);
        if (w->any_admits && !admits(w, pi, target)) {
            queue_unlink(w, pi, t);
            continue;
        }
        if (w->n_watched)
            status_due(w, pi, t);
        queue_unlink(w, pi, t);
        p->gen++; /* its pending departure from the queue, if any, is void */
        long k = month_index(t);
        leave(w, pi, t, k);
        count_in(w, w->raw->admitted, w->m->n_states, (size_t)target, t, k);
        w->occupied[r]++;
        enter(w, pi, target, t, 1, k);
        hold(w, pi, t);
    }
}

/* A request of person pi for a unit of its target's resource, at t. */
static void request(eng_workspace *w, int32_t pi, double t, int counts)
{
    person *p = &w->persons[pi];
    const mdl_state *st = &w->m->states[p->target];
    int r = st->resource;
    if ((double)w->occupied[r] < capacity_at(w, r, t) && w->q_head[r] == NONE) {
        w->occupied[r]++;
        enter(w, pi, p->target, t, counts, month_index(t));
    } else {
        p->queued = 1;
        p->q_next = NONE;
        p->q_prev = w->q_tail[r];
        if (w->q_tail[r] != NONE)
            w->persons[w->q_tail[r]].q_next = pi;
        else
            w->q_head[r] = pi;
        w->q_tail[r] = pi;
        enter(w, pi, st->queue, t, counts, month_index(t));
    }
    hold(w, pi, t);
}

/* A person moving without time passing, again and again: the states of the cycle. */
static void fail_cycle(eng_workspace *w, const person *p, double t)
{
    const mdl_model *m = w->m;
    const char *to = p->dest == MDL_OUT ? "out" : m->states[p->dest].name;
    w->status =
        pc_fail(w->err, PC_EINPUT,
                "a person of population %s moved %d times at day %.6g without time "
                "passing (the last move from %s to %s): a cycle of transitions that "
                "take no time",
                m->populations[p->pop].name, ENG_MAX_BURST, t, m->states[p->state].name, to);
}

/* The replication's events reached the limit eng_set_max_events set. */
static int over_budget(eng_workspace *w, double more, pc_err *err)
{
    if (!(w->max_events > 0) || w->events + more <= w->max_events)
        return 0;
    w->status = pc_fail(err, PC_EINPUT,
                        "replication %u stopped after %.0f events: the limit of %.0f events set "
                        "for this run",
                        (unsigned)w->rep, w->events, w->max_events);
    return 1;
}

/* Person pi moves to population to at t (a transition to one of its states): it leaves
 * the first (an exit) and arrives in the second (an arrival), keeping its random
 * streams and the values of attributes both populations have; its entry clock restarts. */
static void move_population(eng_workspace *w, int32_t pi, int to, double t)
{
    person *p = &w->persons[pi];
    int from = p->pop;
    if (w->n_watched)
        watch_final(w, pi, NONE); /* the first population's watches end: the person left */
    uint8_t carry[256];
    size_t na = w->n_attr < sizeof carry ? w->n_attr : sizeof carry;
    if (na)
        memcpy(carry, attrs_of(w, pi), na);
    p->pop = (int16_t)to;
    p->entry_time = t;
    p->tracked = t >= 0;
    count_at(w, w->raw->arrivals, w->m->n_populations, (size_t)to, t);
    if (w->n_attr)
        draw_attributes(w, pi, t, 0, carry, from);
    if (w->n_watched) {
        watch_clear(w, pi);
        raise_pop(w, pi, to, MDL_EV_ARRIVAL, t);
    }
}

/* Person pi's pending event is a change of a value its state's moves depend on (see
 * schedule): the value changes and the moves are drawn again, in the heap for a person
 * holding a unit or waiting in line.  Returns as fire does. */
static int redraw_at(eng_workspace *w, int32_t pi, double t)
{
    person *p = &w->persons[pi];
    if (over_budget(w, 1, w->err))
        return 0;
    w->events += 1;
    changes_due(w, pi, t);
    p->dest = REDRAW_NOW;
    if (w->m->states[p->state].resource >= 0 || p->queued) {
        hold(w, pi, t);
        return 0;
    }
    return 1;
}

/* Person pi's pending transition fires at t.  Returns 1 when the person entered a state
 * where it goes on by itself, or stays in its state after a redraw (the caller keeps
 * drawing it), 0 otherwise (it left the model, asks for a unit, or the run failed). */
static int fire(eng_workspace *w, int32_t pi, double t)
{
    const mdl_model *m = w->m;
    person *p = &w->persons[pi];
    if (p->dest == REDRAW)
        return redraw_at(w, pi, t);
    p->burst = (uint16_t)(t == p->state_time ? p->burst + 1 : 0);
    if (p->burst >= ENG_MAX_BURST) {
        fail_cycle(w, p, t);
        return 0;
    }
    if (over_budget(w, 1, w->err))
        return 0;
    w->events += 1;
    if (w->n_attr)
        changes_due(w, pi, t);
    if (w->n_watched)
        status_due(w, pi, t);
    p->event_time = INFINITY;
    int from = p->state, dest = p->dest, pop = p->pop;
    long k = month_index(t);
    count_in(w, w->raw->flow, m->n_flows ? m->n_flows : 1, (size_t)p->flow, t, k);
    if (p->queued)
        queue_unlink(w, pi, t);
    leave(w, pi, t, k);
    int freed = m->states[from].resource;
    if (freed >= 0)
        w->occupied[freed]--;
    int was_in = !m->states[from].outside;
    int now_in = dest != MDL_OUT && !m->states[dest].outside &&
                 m->states[dest].population == pop; /* a move to another population exits */
    if (was_in && !now_in) {
        count_in(w, w->raw->exits, m->n_populations, (size_t)pop, t, k);
        if (p->tracked)
            spell_record(w, w->raw->spell_end, pop, t - p->entry_time);
        if (w->n_watched)
            raise_pop(w, pi, pop, MDL_EV_EXIT, t);
    } else if (!was_in && now_in) {
        count_in(w, w->raw->returns, m->n_populations, (size_t)pop, t, k);
        p->entry_time = t;
        p->tracked = t >= 0;
        if (w->n_watched)
            raise_pop(w, pi, pop, MDL_EV_RETURN, t);
    }
    if (dest != MDL_OUT && m->states[dest].population != pop)
        move_population(w, pi, m->states[dest].population, t);
    if (freed >= 0)
        admit(w, freed, t);
    if (dest == MDL_OUT) {
        if (w->n_watched)
            watch_final(w, pi, NONE);
        person_release(w, pi);
        return 0;
    }
    if (m->states[dest].resource >= 0) {
        push_request(w, pi, dest, t);
        return 0;
    }
    enter(w, pi, dest, t, 1, k);
    return 1;
}

/* Draws person pi, in a state entered at t where it goes on by itself, until it leaves
 * the model, asks for a unit or reaches the horizon. */
static void run_person(eng_workspace *w, int32_t pi, double t)
{
    while (!w->status) {
        double te = schedule(w, pi, t);
        if (!(te < INFINITY)) {
            finish_alive(w, pi);
            return;
        }
        if (!fire(w, pi, te))
            return;
        t = te;
    }
}

/* How an initial person is placed: the time it has already spent in its state (> 0 only
 * with a seniority for that state), and whether its delays from `entry POP` are counted. */
typedef struct {
    double in_state;
    int watch_delays;
} placement;

/* A new person of population pop in state `state` at t: placed (counts 0, the initial
 * stock, as `placed` says) or arrived (counts 1, placed NULL); drawn until it needs the heap. */
static int add_person(eng_workspace *w, int pop, int state, double t, double entry_time,
                      int tracked, int counts, const placement *placed, pc_err *err)
{
    int32_t pi = person_new(w);
    if (pi == NONE)
        return pc_fail(err, PC_EENV, "out of memory (persons)");
    person *p = &w->persons[pi];
    uint32_t gen = p->gen + 1; /* slots of the record's former holder become stale */
    memset(p, 0, sizeof *p);
    p->gen = gen;
    p->pop = (int16_t)pop;
    p->key = w->m->populations[pop].hash;
    p->serial = w->next_serial[pop]++;
    p->entry_time = entry_time;
    p->tracked = (uint8_t)tracked;
    p->q_prev = p->q_next = p->target = NONE;
    p->state = NONE;
    p->event_time = INFINITY;
    if (counts)
        count_at(w, w->raw->arrivals, w->m->n_populations, (size_t)pop, t);
    if (w->n_attr)
        draw_attributes(w, pi, t, !counts, NULL, -1);
    if (w->n_watched) {
        watch_clear(w, pi);
        if (counts)
            raise_pop(w, pi, pop, MDL_EV_ARRIVAL, t);
        else if (placed->watch_delays)
            watch_initial(w, pi, pop, entry_time);
    }
    if (w->m->states[state].resource >= 0) {
        if (counts) {
            push_request(w, pi, state, t);
        } else {
            /* the initial stock takes its places at the start, in population and serial
             * order: there is no one else yet */
            p->target = state;
            request(w, pi, t, 0);
        }
        return PC_OK;
    }
    enter(w, pi, state, t, counts, month_index(t));
    if (!counts) {
        p->state_time = t - placed->in_state; /* its laws are left-truncated there */
        p->state_month = (int32_t)month_index(p->state_time);
    }
    run_person(w, pi, t);
    return w->status;
}

/* ---- arrivals and the start ------------------------------------------------------ */

/* Month k's arrivals of population pop (a Poisson count, gamma-mixed with
 * overdispersion, placed by exponential spacings), each drawn until it needs the heap. */
static int arrive(eng_workspace *w, int pop, int k, pc_err *err)
{
    const mdl_population *P = &w->m->populations[pop];
    double start = k * MDL_DAYS_PER_MONTH;
    int y, mo;
    mdl_month_of(w->m, k, &y, &mo);
    double rate = sched_at(&P->inflow, start) * P->profile[mo - 1];
    if (P->inflow_modulation >= 0)
        rate *= mod_at(w, P->inflow_modulation, k);
    if (!(rate > 0))
        return PC_OK;
    rng_stream(w->rng, w->seed, P->hash, PURPOSE_INFLOW, w->rep, SERIAL_POP, (uint32_t)(k + 65536));
    if (P->overdispersion > 0) {
        double cv2 = P->overdispersion * P->overdispersion;
        rate *= gsl_ran_gamma(w->rng, 1.0 / cv2, cv2);
    }
    double mean = rate * MDL_DAYS_PER_MONTH;
    if (!(mean <= MDL_MAX_PERSONS))
        return pc_fail(err, PC_EINPUT,
                       "population %s: %.4g arrivals expected in month %d (over the limit of "
                       "%.0g a month; inflow.overdispersion %.3g draws large multipliers)",
                       P->name, mean, k, MDL_MAX_PERSONS, P->overdispersion);
    unsigned n = gsl_ran_poisson(w->rng, mean);
    if (over_budget(w, n, err))
        return w->status;
    if (n > w->arr_cap) {
        size_t cap = (size_t)n * 2;
        double *a = realloc(w->arrivals, cap * sizeof *a);
        if (!a)
            return pc_fail(err, PC_EENV, "out of memory (arrivals)");
        w->arrivals = a;
        w->arr_cap = cap;
    }
    /* Order statistics of n uniforms on the month, by normalised exponential spacings. */
    double *a = w->arrivals, sum = 0;
    for (unsigned i = 0; i < n; i++) {
        sum += -log(gsl_rng_uniform(w->rng));
        a[i] = sum;
    }
    sum += -log(gsl_rng_uniform(w->rng));
    for (unsigned i = 0; i < n; i++)
        a[i] = start + MDL_DAYS_PER_MONTH * a[i] / sum;
    for (unsigned i = 0; i < n && !w->status; i++) {
        w->events += 1;
        int rc = add_person(w, pop, P->entry, a[i], a[i], a[i] >= 0, 1, NULL, err);
        if (rc)
            return rc;
    }
    return PC_OK;
}

static int place_initial(eng_workspace *w, int pop, pc_err *err)
{
    const mdl_population *P = &w->m->populations[pop];
    for (long i = 0; i < P->initial_count; i++) {
        rng_stream(w->rng, w->seed, P->hash, PURPOSE_INITIAL, w->rep, (uint32_t)i, 0);
        double u_state = gsl_rng_uniform(w->rng);
        double u_sen = gsl_rng_uniform(w->rng);
        double seniority = 0;
        int state = pick(&P->initial_state, u_state);
        /* With seniorities by state, a person placed in one of them has been there that long,
         * since its entry (a state awaiting a first event): its delays count from then.
         * Elsewhere its seniority tells nothing of when it last met a delay's end event, and
         * its delays are left out. */
        int own = -1;
        for (size_t k = 0; k < P->n_state_seniority; k++)
            if (P->seniority_state[k] == state)
                own = (int)k;
        placement placed = {.in_state = 0, .watch_delays = P->n_state_seniority == 0 || own >= 0};
        if (own >= 0) {
            seniority = placed.in_state =
                latent_time(&P->seniority_law[own], u_sen, w->rng, 0, 0, 1);
        } else if (P->initial_seniority.n) {
            mdl_law bins = {.kind = MDL_AFTER_EMPIRICAL, .table = P->initial_seniority};
            seniority = latent_time(&bins, u_sen, w->rng, 0, 0, 1);
        }
        int rc = add_person(w, pop, state, 0.0, -seniority, 0, 0, &placed, err);
        if (rc)
            return rc;
    }
    return PC_OK;
}

/* ---- the run --------------------------------------------------------------------- */

/* Heap events and capacity changes of territory k in time order, before day `until`
 * (at most the horizon). */
static int serve(eng_workspace *w, size_t k, double until, pc_err *err)
{
    if (until > w->horizon_time)
        until = w->horizon_time;
    while (!w->status) {
        if (w->out_of_memory)
            return pc_fail(err, PC_EENV, "out of memory (event heap)");
        while (w->next_change < w->n_changes &&
               w->res_terr[w->changes[w->next_change].resource] != (int)k)
            w->next_change++; /* another territory's resource */
        double te = w->heap_n ? w->heap[0].t : INFINITY;
        double tc = w->next_change < w->n_changes ? w->changes[w->next_change].t : INFINITY;
        if (!(fmin(te, tc) < until))
            break;
        if (tc <= te) {
            w->events += 1;
            admit(w, w->changes[w->next_change++].resource, tc);
            continue;
        }
        slot top = w->heap[0];
        heap_pop(w);
        int32_t pi = top.p & ~REQUEST;
        if (top.gen != w->persons[pi].gen)
            continue; /* a cancelled event: nothing happens */
        if (top.p & REQUEST)
            request(w, pi, te, 1);
        else if (fire(w, pi, te))
            run_person(w, pi, te);
    }
    return w->status;
}

size_t eng_territories(const eng_workspace *w)
{
    return w->n_territories;
}

size_t eng_population_territory(const eng_workspace *w, size_t pop)
{
    for (size_t t = 0; t < w->n_territories; t++)
        for (size_t i = w->terr_at[t]; i < w->terr_at[t + 1]; i++)
            if ((size_t)w->terr_pops[i] == pop)
                return t;
    return 0;
}

void eng_share(eng_workspace *w, size_t part, size_t parts)
{
    w->parts = parts ? parts : 1;
    w->part = part % w->parts;
}

/* The month-end counts and full months of the difference arrays, into the raw counts. */
static void sum_stays(double *stock, double *days, const double *stock_diff,
                      const double *full_diff, size_t months, size_t width)
{
    for (size_t c = 0; c < width; c++) {
        double count = 0, full = 0;
        for (size_t k = 0; k < months; k++) {
            count += stock_diff[k * width + c];
            full += full_diff[k * width + c];
            stock[k * width + c] = count;
            days[k * width + c] += full * MDL_DAYS_PER_MONTH;
        }
    }
}

void eng_set_max_events(eng_workspace *w, double max_events)
{
    w->max_events = max_events;
}

int eng_run(eng_workspace *w, uint32_t seed, uint32_t replication, rec_raw *raw, pc_err *err)
{
    const mdl_model *m = w->m;
    size_t h = (size_t)m->horizon, ns = m->n_states, nt = w->n_tracked;
    rec_raw_clear(raw);
    w->seed = seed;
    w->rep = replication;
    w->raw = raw;
    w->err = err;
    w->status = PC_OK;
    w->out_of_memory = 0;
    w->events = 0;
    w->horizon_time = m->horizon * MDL_DAYS_PER_MONTH;
    memset(w->stock_diff, 0, (h + 1) * ns * sizeof *w->stock_diff);
    memset(w->full_diff, 0, (h + 1) * ns * sizeof *w->full_diff);
    if (nt) {
        memset(w->gstock_diff, 0, (h + 1) * ns * nt * sizeof *w->gstock_diff);
        memset(w->gfull_diff, 0, (h + 1) * ns * nt * sizeof *w->gfull_diff);
    }
    for (size_t r = 0; r < m->n_resources; r++) {
        w->occupied[r] = 0;
        w->q_head[r] = w->q_tail[r] = NONE;
    }
    int k0 = 0;
    for (size_t p = 0; p < m->n_populations; p++) {
        w->next_serial[p] = 0;
        /* here, not in eng_alloc: a bound parameter may change the warm-up */
        w->warm_months[p] = (int)ceil(m->populations[p].warmup / MDL_DAYS_PER_MONTH - 1e-9);
        if (-w->warm_months[p] < k0)
            k0 = -w->warm_months[p];
    }
    size_t first_change = 0;
    while (first_change < w->n_changes && w->changes[first_change].t <= k0 * MDL_DAYS_PER_MONTH)
        first_change++;
    if (m->n_drivers) {
        draw_drivers(w, k0);
        for (size_t d = 0; w->part == 0 && d < m->n_drivers; d++)
            for (int k = 0; k < m->horizon; k++)
                raw->driver[(size_t)k * m->n_drivers + d] =
                    exp(w->driver_x[d * w->path_len + (size_t)(k - k0)]);
    }
    /* Territory by territory (they share no person and no resource, and each writes its
     * own columns of the records, in the order a single queue for all would): every
     * person is drawn on its own until it needs a unit (its request waits in the heap);
     * the heap serves units in time order; the person records are reused.  Month by
     * month: a month's arrivals are drawn, then the heap serves every event before the
     * next month's start.  Nothing drawn later can come before that (arrivals come after
     * their month's start, and an event served pushes events at or after its own time),
     * so events are served in the order of one pass over all arrivals, while the heap
     * and the records hold only the persons of about one month and those holding or
     * waiting for a unit. */
    for (size_t terr = w->part; terr < w->n_territories; terr += w->parts) {
        w->used = 0;
        w->free_head = NONE;
        w->heap_n = 0;
        w->next_change = first_change;
        int rc = PC_OK, first_month = 0;
        for (size_t i = w->terr_at[terr]; !rc && i < w->terr_at[terr + 1]; i++) {
            int p = w->terr_pops[i];
            if (w->warm_months[p] == 0)
                rc = place_initial(w, p, err);
            if (-w->warm_months[p] < first_month)
                first_month = -w->warm_months[p];
        }
        for (int k = first_month; !rc && k < m->horizon; k++) {
            for (size_t i = w->terr_at[terr]; !rc && i < w->terr_at[terr + 1]; i++)
                if (k >= -w->warm_months[w->terr_pops[i]])
                    rc = arrive(w, w->terr_pops[i], k, err);
            if (!rc)
                rc = w->status ? w->status : serve(w, terr, (k + 1) * MDL_DAYS_PER_MONTH, err);
        }
        if (rc)
            return rc;
        /* Those still waiting for a unit at the horizon. */
        for (size_t i = 0; i < w->used; i++)
            if (w->persons[i].state != NONE)
                finish_alive(w, (int32_t)i);
    }
    sum_stays(raw->stock, raw->days, w->stock_diff, w->full_diff, h, ns);
    if (nt)
        sum_stays(raw->gstock, raw->gdays, w->gstock_diff, w->gfull_diff, h, ns * nt);
    raw->events = w->events;
    return PC_OK;
}
