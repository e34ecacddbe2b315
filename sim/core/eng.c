/* eng — one replication as a discrete-event simulation (see eng.h).
 *
 * Each person present has at most one pending event, the earliest of the
 * latent times drawn for the competing transitions of its state when it
 * entered it; the destination is drawn at the same moment.  The heap is
 * indexed (each person knows its slot), so a person admitted from a queue has
 * its pending event removed in O(log n).  Ties are broken by person slot, which
 * is deterministic.  Arrivals of a month are drawn at the month's start as a
 * Poisson count (optionally gamma-mixed) placed by exponential spacings.
 *
 * Random streams (rng.h): a transition's draws for a person are keyed by
 * (population, transition purpose, person serial, visit number): the first
 * three words of the stream decide whether a defective transition fires, its
 * latent time by inversion, and the destination; samplers without a cheap
 * inverse (gamma) continue on the same stream. */
#include "eng.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rng.h"

#define NONE          (-1)
#define NO_DEST       (-2)  /* no destination admits the person */
#define ENG_TIME_EPS  1e-9  /* days: far below any duration, far above rounding of day counts */
#define ENG_MAX_BURST 10000 /* moves of one person at one instant before it is a cycle */

typedef struct {
    double entry_time; /* entry into the population (seniority origin) */
    double state_time; /* entry into the current state */
    double event_time; /* pending event, INFINITY if none */
    int32_t state;
    int32_t dest; /* destination of the pending event (MDL_OUT allowed) */
    int32_t flow; /* flow index of the pending transition */
    uint32_t gen; /* bumped when the pending event is cancelled or the record reused */
    int32_t q_prev, q_next, target; /* FIFO links and the state waited for, when queued */
    uint32_t serial, visits;
    uint32_t burst;    /* moves in a row without time passing (a zero-time cycle if unbounded) */
    uint32_t attr_gen; /* bumped when the pending change of attribute value goes stale */
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
    int32_t p;
    uint32_t gen;
} slot;

struct eng_workspace {
    const mdl_model *m;
    gsl_rng *rng;
    person *persons;
    size_t cap;
    int32_t free_head; /* free slots are chained through q_next */
    size_t used;
    slot *heap;
    size_t heap_n, heap_cap;
    int out_of_memory; /* set when the heap could not grow; eng_run fails */
    long *count;       /* persons in each state (absorbed ones included) */
    double *last;      /* time of the last count change of each state */
    long *occupied;    /* per resource */
    int32_t *q_head, *q_tail;
    double **arrivals; /* per population: this month's arrival times */
    size_t *arr_n, *arr_cap, *arr_next;
    uint32_t *next_serial;
    int *warm_months;
    cap_change *changes;
    size_t n_changes, next_change;
    double *scratch;   /* the row counters write to during the warm-up */
    uint32_t *pop_key; /* per population: the order of its persons' simultaneous events */
    /* Indicators watched per person (delay, status): watch[person * n_watched + i] is the
     * time of the open `from` event, NAN when none.  The hooks list, per state and per
     * (population, event kind), the indicators an event starts or ends. */
    double *watch;
    size_t n_watched;
    size_t *state_hook_at, *pop_hook_at; /* CSR offsets: ns + 1, np * EV_KINDS + 1 */
    int32_t *state_hooks, *pop_hooks;    /* indicator index * 2 + role (0 from, 1 to) */
    size_t *status_at;                   /* CSR offsets per population: status indicators */
    int32_t *status_list;
    /* Drivers: this replication's monthly log values, months k0 .. horizon - 1, and for
     * each modulation its multipliers and their integral in days from k0 (see mdl.h). */
    size_t path_len;  /* room per path: the longest warm-up and the horizon */
    int path_k0;      /* the month index of element 0 (-warm-up months) */
    size_t path_n;    /* months this replication: horizon - path_k0 */
    double *driver_x; /* [driver][path_len] */
    double *mod_m;    /* [modulation][path_len] */
    double *mod_c;    /* [modulation][path_len + 1] */
    /* Attributes: each person's value of every attribute, and the day each changes next
     * (INFINITY: never); per population the attributes it has (CSR); counts by tracked
     * group [state][tracked] like count and last by state. */
    size_t n_attr;
    uint8_t *attr;
    double *attr_next;
    size_t *pop_attr_at;
    int32_t *pop_attr;
    size_t n_tracked;
    long *gcount;
    double *glast;
    int any_admits;   /* some state admits some groups only */
    double *pick_buf; /* a destination's shares for one person */
    int *pop_order;   /* populations by pop_key: the order they are placed at the start */
    /* run context */
    int status; /* set when an event cannot be processed; eng_run stops and returns it */
    pc_err *err;
    uint32_t seed, rep;
    rec_raw *raw;
    int month;
    double horizon_time;
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
    free(w->count);
    free(w->last);
    free(w->occupied);
    free(w->q_head);
    free(w->q_tail);
    if (w->arrivals)
        for (size_t p = 0; p < w->m->n_populations; p++)
            free(w->arrivals[p]);
    free(w->arrivals);
    free(w->arr_n);
    free(w->arr_cap);
    free(w->arr_next);
    free(w->next_serial);
    free(w->warm_months);
    free(w->changes);
    free(w->scratch);
    free(w->pop_key);
    free(w->pop_order);
    free(w->watch);
    free(w->state_hook_at);
    free(w->pop_hook_at);
    free(w->state_hooks);
    free(w->pop_hooks);
    free(w->status_at);
    free(w->status_list);
    free(w->driver_x);
    free(w->mod_m);
    free(w->mod_c);
    free(w->attr);
    free(w->attr_next);
    free(w->pop_attr_at);
    free(w->pop_attr);
    free(w->gcount);
    free(w->glast);
    free(w->pick_buf);
    free(w);
}

static int cap_cmp(const void *a, const void *b)
{
    const cap_change *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->resource - y->resource;
}

/* ---- indicator hooks -------------------------------------------------------------- */

#define EV_KINDS 4 /* population events: entry, arrival, return, exit */

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
    size_t n_status = 0;
    for (size_t i = 0; i < m->n_indicators; i++)
        n_status += m->indicators[i].kind == MDL_IND_STATUS;
    w->status_list = pc_calloc(n_status + 1, sizeof *w->status_list);
    if (!w->status_list)
        goto done;
    for (size_t p = 0; p < np; p++) {
        w->status_at[p + 1] = w->status_at[p];
        for (size_t i = 0; i < m->n_indicators; i++)
            if (m->indicators[i].kind == MDL_IND_STATUS &&
                m->indicators[i].from.population == (int)p)
                w->status_list[w->status_at[p + 1]++] = (int32_t)i;
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

/* Attribute storage, each population's attributes, and the counts by tracked group. */
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
    for (size_t s = 0; s < m->n_states; s++) {
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
    size_t cells = m->n_states * (w->n_tracked ? w->n_tracked : 1);
    if (!(w->gcount = pc_calloc(cells, sizeof *w->gcount)) ||
        !(w->glast = pc_calloc(cells, sizeof *w->glast)))
        return -1;
    return 0;
}

static int pop_before(const mdl_model *m, int a, int b)
{
    const mdl_population *x = &m->populations[a], *y = &m->populations[b];
    if (x->hash != y->hash)
        return x->hash < y->hash;
    return strcmp(x->name, y->name) < 0;
}

eng_workspace *eng_alloc(const mdl_model *m)
{
    eng_workspace *w = pc_calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->m = m;
    size_t np = m->n_populations, ns = m->n_states, nr = m->n_resources;
    w->rng = gsl_rng_alloc(rng_philox());
    w->count = pc_calloc(ns, sizeof *w->count);
    w->last = pc_calloc(ns, sizeof *w->last);
    w->occupied = pc_calloc(nr, sizeof *w->occupied);
    w->q_head = pc_calloc(nr, sizeof *w->q_head);
    w->q_tail = pc_calloc(nr, sizeof *w->q_tail);
    w->arrivals = pc_calloc(np, sizeof *w->arrivals);
    w->arr_n = pc_calloc(np, sizeof *w->arr_n);
    w->arr_cap = pc_calloc(np, sizeof *w->arr_cap);
    w->arr_next = pc_calloc(np, sizeof *w->arr_next);
    w->next_serial = pc_calloc(np, sizeof *w->next_serial);
    w->warm_months = pc_calloc(np, sizeof *w->warm_months);
    w->pop_key = pc_calloc(np, sizeof *w->pop_key);
    w->pop_order = pc_calloc(np, sizeof *w->pop_order);
    size_t width = ns > m->n_flows ? ns : m->n_flows;
    w->scratch = pc_calloc(width > np ? width : np, sizeof *w->scratch);
    size_t n_changes = 0;
    for (size_t r = 0; r < nr; r++)
        n_changes += capacity_steps(m, (int)r, NULL);
    w->changes = pc_calloc(n_changes, sizeof *w->changes);
    if (!w->rng || !w->count || !w->last || !w->occupied || !w->q_head || !w->q_tail ||
        !w->arrivals || !w->arr_n || !w->arr_cap || !w->arr_next || !w->next_serial ||
        !w->warm_months || !w->scratch || !w->changes || !w->pop_key || !w->pop_order)
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
    size_t initial = 0;
    for (size_t p = 0; p < np; p++) {
        initial += (size_t)m->populations[p].initial_count;
        w->arr_cap[p] = 256;
        if (!(w->arrivals[p] = malloc(w->arr_cap[p] * sizeof(double))))
            goto fail;
    }
    w->cap = initial + initial / 4 + 1024;
    w->persons = malloc(w->cap * sizeof *w->persons);
    if (build_hooks(w))
        goto fail;
    if (w->n_watched && !(w->watch = malloc(w->cap * w->n_watched * sizeof *w->watch)))
        goto fail;
    w->path_len = (size_t)(100 * 12 + m->horizon + 1); /* a warm-up is at most 100 years */
    if (alloc_attributes(w))
        goto fail;
    if (m->n_drivers &&
        (!(w->driver_x = malloc(m->n_drivers * w->path_len * sizeof *w->driver_x)) ||
         !(w->mod_m = malloc((m->n_modulations + 1) * w->path_len * sizeof *w->mod_m)) ||
         !(w->mod_c = malloc((m->n_modulations + 1) * (w->path_len + 1) * sizeof *w->mod_c))))
        goto fail;
    w->heap_cap = w->cap;
    w->heap = malloc(w->heap_cap * sizeof *w->heap);
    if (!w->persons || !w->heap)
        goto fail;
    return w;
fail:
    eng_free(w);
    return NULL;
}

/* ---- heap ----------------------------------------------------------------- */

static inline int before(slot a, slot b)
{
    return a.t < b.t || (a.t == b.t && a.order < b.order);
}

static void heap_push(eng_workspace *w, int32_t p)
{
    if (w->heap_n == w->heap_cap) {
        /* cancelled slots wait in the heap, so it may outgrow the person pool */
        slot *bigger = realloc(w->heap, 2 * w->heap_cap * sizeof *bigger);
        if (!bigger) {
            w->out_of_memory = 1;
            return;
        }
        w->heap = bigger;
        w->heap_cap *= 2;
    }
    const person *q = &w->persons[p];
    /* releases of a place first, then population and serial: see eng.h */
    uint64_t releases = w->m->states[q->state].resource >= 0;
    uint64_t order = (releases ? 0 : 1ull << 63) | (uint64_t)w->pop_key[q->pop] << 32 | q->serial;
    slot e = {q->event_time, order, p, q->gen};
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

/* Cancels a person's pending event (its heap slot becomes stale). */
static void cancel(eng_workspace *w, int32_t p)
{
    w->persons[p].gen++;
    w->persons[p].event_time = INFINITY;
}

/* ---- persons ---------------------------------------------------------------- */

static int32_t person_new(eng_workspace *w)
{
    if (w->free_head != NONE) {
        int32_t p = w->free_head;
        w->free_head = w->persons[p].q_next;
        return p;
    }
    if (w->used == w->cap) {
        size_t cap = w->cap * 2;
        if (cap > INT32_MAX)
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
        }
        w->cap = cap;
    }
    w->persons[w->used].gen = 0;
    return (int32_t)w->used++;
}

static void person_release(eng_workspace *w, int32_t p)
{
    w->persons[p].state = NONE;
    w->persons[p].attr_gen++; /* its pending change of attribute, if any, goes stale */
    w->persons[p].q_next = w->free_head;
    w->free_head = p;
}

/* ---- recording ------------------------------------------------------------------ */

static inline double *row(eng_workspace *w, double *base, size_t width)
{
    return w->month >= 0 ? base + (size_t)w->month * width : w->scratch;
}

/* Changes the count of state s by delta at time t, accruing person-days first. */
static void count_change(eng_workspace *w, int s, long delta, double t)
{
    if (w->month >= 0)
        row(w, w->raw->days, w->m->n_states)[s] += (double)w->count[s] * (t - w->last[s]);
    w->last[s] = t;
    w->count[s] += delta;
}

static void spell_record(eng_workspace *w, double *hist, int pop, double length)
{
    size_t width = w->raw->n_months + 1;
    long k = (long)floor(length / MDL_DAYS_PER_MONTH);
    if (k < 0)
        k = 0;
    if ((size_t)k > w->raw->n_months)
        k = (long)w->raw->n_months;
    hist[(size_t)pop * width + (size_t)k] += 1;
}

/* ---- indicators: per-person watches ------------------------------------------------ */

/* The recorded month of day t, or -1 before the start (warm-up). */
static inline int month_at(const eng_workspace *w, double t)
{
    if (t < 0)
        return -1;
    long k = (long)floor(t / MDL_DAYS_PER_MONTH);
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

/* A cohort outcome of person pi for its tracked groups (their values at that moment). */
static void group_outcome(eng_workspace *w, int32_t pi, size_t at, int hit)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    const uint8_t *v = w->attr + (size_t)pi * w->n_attr;
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
            group_outcome(w, pi, at, hit);
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
    if (t >= 0)
        *since = t;
}

static void watch_reach(eng_workspace *w, int32_t pi, const mdl_indicator *ind, double t)
{
    double since = *watch_of(w, pi, ind);
    if (isnan(since))
        return;
    double delay = t - since;
    int k = month_at(w, t);
    size_t at = (size_t)k * w->n_watched + (size_t)ind->watch;
    w->raw->ind_days[at] += delay;
    w->raw->ind_count[at] += 1;
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

/* Person pi stays in state s for good (NONE: leaves the model): every open watch ends. */
static void watch_final(eng_workspace *w, int32_t pi, int s)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    for (size_t i = 0; w->n_watched && i < m->n_indicators; i++) {
        const mdl_indicator *ind = &m->indicators[i];
        if (ind->kind == MDL_IND_RATIO || ind->kind == MDL_IND_COUNT ||
            ind->from.population != p->pop || isnan(*watch_of(w, pi, ind)))
            continue;
        watch_close(w, pi, ind, ind->kind == MDL_IND_STATUS && has_status(m, &ind->to, s));
    }
}

static void watch_clear(eng_workspace *w, int32_t pi)
{
    for (size_t i = 0; i < w->n_watched; i++)
        w->watch[(size_t)pi * w->n_watched + i] = NAN;
}

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
        double value = 0;
        for (size_t i = 0; i < w->path_n; i++) {
            int k = k0 + (int)i;
            if (k < from) {
                value = 0;
            } else if (k == from) {
                value = dr->stationary ? dr->sd / sqrt(1 - dr->persistence * dr->persistence) *
                                             gsl_cdf_ugaussian_Pinv(gsl_rng_uniform_pos(w->rng))
                                       : dr->start;
            } else {
                value = a * value + step + s * gsl_cdf_ugaussian_Pinv(gsl_rng_uniform_pos(w->rng));
            }
            x[i] = value;
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

static double cum_hazard(const mdl_table *t, double s, size_t *piece)
{
    size_t i = 0;
    while (i + 1 < t->n && t->x[i + 1] <= s)
        i++;
    *piece = i;
    return t->cum[i] + t->y[i] * (s - t->x[i]);
}

/* Time until the transition fires, for a person of seniority `seniority`. */
/* Time until the transition fires, for a person of seniority `seniority`; a hazard is
 * multiplied by factor (attribute effects; 1 otherwise). */
static double latent_time(const mdl_law *l, double u, gsl_rng *r, double seniority, double factor)
{
    switch (l->kind) {
    case MDL_HAZARD_CONST:
        return l->p[0] * factor > 0 ? -log(1.0 - u) / (l->p[0] * factor) : INFINITY;
    case MDL_HAZARD_PIECEWISE: {
        const mdl_table *t = &l->table;
        double start = l->clock == MDL_CLOCK_ENTRY ? (seniority > 0 ? seniority : 0) : 0;
        size_t i;
        if (!(factor > 0))
            return INFINITY;
        double target = cum_hazard(t, start, &i) + (-log(1.0 - u)) / factor;
        while (i + 1 < t->n && t->cum[i + 1] <= target)
            i++;
        if (t->y[i] <= 0)
            return INFINITY;
        double at = t->x[i] + (target - t->cum[i]) / t->y[i];
        double dt = at - start;
        return dt > 0 ? dt : 0;
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

static int pick(const mdl_dest *d, double u)
{
    size_t i = 0;
    while (i + 1 < d->n && d->cum[i] <= u)
        i++;
    return d->state[i];
}

/* ---- attributes: values per person, changes with time, counts by group ------------ */

#define ATTR_EVENT        0x40000000 /* a heap slot holding a person's next change of value */
#define PURPOSE_ATTR_SALT 0x2b7e1516u

static inline uint8_t *attrs_of(const eng_workspace *w, int32_t pi)
{
    return w->attr + (size_t)pi * w->n_attr;
}

/* The counts of person pi's tracked groups in state s change by delta at t. */
static void group_change(eng_workspace *w, int32_t pi, int s, long delta, double t)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    const uint8_t *v = attrs_of(w, pi);
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
        int a = w->pop_attr[i];
        int ti = m->tracked[m->attributes[a].group + v[a]];
        if (ti < 0)
            continue;
        size_t at = (size_t)s * w->n_tracked + (size_t)ti;
        if (w->month >= 0)
            row(w, w->raw->gdays, m->n_states * w->n_tracked)[at] +=
                (double)w->gcount[at] * (t - w->glast[at]);
        w->glast[at] = t;
        w->gcount[at] += delta;
    }
}

/* A person's count in state s changes: the state's, and its groups'. */
static inline void person_count(eng_workspace *w, int32_t pi, int s, long delta, double t)
{
    count_change(w, s, delta, t);
    if (w->n_tracked)
        group_change(w, pi, s, delta, t);
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
    rng_block(w->seed, w->m->populations[p->pop].hash, at->purpose ^ PURPOSE_ATTR_SALT, w->rep,
              p->serial, 1 + (uint32_t)v, u);
    if (at->change[v].kind == MDL_AFTER_GAMMA) {
        rng_stream(w->rng, w->seed, w->m->populations[p->pop].hash, at->purpose ^ PURPOSE_ATTR_SALT,
                   w->rep, p->serial, 1 + (uint32_t)v);
        gsl_rng_get(w->rng);
    }
    return t + latent_time(&at->change[v], u[0], w->rng, 0, 1);
}

/* Puts person pi's earliest change of attribute value (if within the horizon) in the heap. */
static void schedule_change(eng_workspace *w, int32_t pi)
{
    const person *p = &w->persons[pi];
    double next = INFINITY;
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++)
        next = fmin(next, w->attr_next[(size_t)pi * w->n_attr + (size_t)w->pop_attr[i]]);
    if (!(next < w->horizon_time))
        return;
    if (w->heap_n == w->heap_cap) {
        slot *bigger = realloc(w->heap, 2 * w->heap_cap * sizeof *bigger);
        if (!bigger) {
            w->out_of_memory = 1;
            return;
        }
        w->heap = bigger;
        w->heap_cap *= 2;
    }
    uint64_t order = 1ull << 63 | (uint64_t)w->pop_key[p->pop] << 32 | p->serial;
    slot e = {next, order, pi | ATTR_EVENT, p->attr_gen};
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

/* Draws person pi's values at day t (initial: the initial stock's shares); a value an
 * earlier population gave (carry, by attribute and value name) is kept. */
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
        /* an attribute of both populations keeps its value */
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
            rng_block(w->seed, m->populations[p->pop].hash, at->purpose, w->rep, p->serial, 0, u);
            value = 0;
            while ((size_t)value + 1 < at->n_values && cum[value] <= u[0])
                value++;
        }
        v[a] = (uint8_t)value;
        w->attr_next[(size_t)pi * w->n_attr + (size_t)a] = next_change(w, pi, a, value, t);
    }
    schedule_change(w, pi);
}

/* The changes of value due at t for person pi (its pending heap slot fired). */
static void apply_changes(eng_workspace *w, int32_t pi, double t)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    uint8_t *v = attrs_of(w, pi);
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
        int a = w->pop_attr[i];
        double *next = &w->attr_next[(size_t)pi * w->n_attr + (size_t)a];
        if (!(*next <= t))
            continue;
        if (w->n_tracked)
            group_change(w, pi, p->state, -1, t);
        v[a] = (uint8_t)m->attributes[a].change_to[v[a]];
        if (w->n_tracked)
            group_change(w, pi, p->state, +1, t);
        *next = next_change(w, pi, a, v[a], t);
    }
    w->persons[pi].attr_gen++;
    schedule_change(w, pi);
}

/* Entries of person pi's tracked groups into state s. */
static void group_entry(eng_workspace *w, int32_t pi, int s)
{
    const mdl_model *m = w->m;
    const person *p = &w->persons[pi];
    const uint8_t *v = attrs_of(w, pi);
    double *gin = row(w, w->raw->gin, m->n_states * w->n_tracked);
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++) {
        int a = w->pop_attr[i];
        int ti = m->tracked[m->attributes[a].group + v[a]];
        if (ti >= 0)
            gin[(size_t)s * w->n_tracked + (size_t)ti] += 1;
    }
}

static int pending_change(const eng_workspace *w, int32_t pi)
{
    const person *p = &w->persons[pi];
    for (size_t i = w->pop_attr_at[p->pop]; i < w->pop_attr_at[p->pop + 1]; i++)
        if (w->attr_next[(size_t)pi * w->n_attr + (size_t)w->pop_attr[i]] < w->horizon_time)
            return 1;
    return 0;
}

/* Person pi moves to population to at t (a transition to one of its states): it becomes
 * a new arrival there, with a serial of that population (its random streams), keeping
 * the values of attributes both populations have, its entry clock restarting. */
static int move_population(eng_workspace *w, int32_t pi, int to, double t)
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
    p->serial = w->next_serial[to]++;
    p->entry_time = t;
    p->tracked = t >= 0;
    p->attr_gen++;
    row(w, w->raw->arrivals, w->m->n_populations)[to] += 1;
    if (w->n_attr)
        draw_attributes(w, pi, t, 0, carry, from);
    if (w->n_watched) {
        watch_clear(w, pi);
        raise_pop(w, pi, to, MDL_EV_ARRIVAL, t);
    }
    return PC_OK;
}

/* Draws the competing transitions of the person's new state and schedules the earliest. */
static void schedule(eng_workspace *w, int32_t pi, double t)
{
    person *p = &w->persons[pi];
    const mdl_state *st = &w->m->states[p->state];
    const mdl_population *pop = &w->m->populations[p->pop];
    uint32_t visit = p->visits++;
    double best = INFINITY;
    for (size_t k = 0; k < st->n_transitions; k++) {
        const mdl_transition *tr = &st->transitions[k];
        /* the warm-up runs the model as in force at the start */
        const mdl_version *v =
            w->n_attr ? version_for(w, pi, tr, t > 0 ? t : 0) : mdl_version_at(tr, t > 0 ? t : 0);
        if (!v->present)
            continue;
        double u[4];
        rng_block(w->seed, pop->hash, tr->purpose, w->rep, p->serial, visit, u);
        double u_fire = u[0], u_time = u[1], u_dest = u[2];
        if (v->law.prob_effect >= 0) {
            double pr = v->law.probability * effect_factor(w, pi, v->law.prob_effect);
            if (!(u_fire < (pr < 1 ? pr : 1)))
                continue;
        } else if (v->law.probability < 1 && !(u_fire < v->law.probability)) {
            continue;
        }
        if (v->law.kind == MDL_AFTER_GAMMA) {
            /* no cheap inverse: the sampler continues the same stream after the three words */
            rng_stream(w->rng, w->seed, pop->hash, tr->purpose, w->rep, p->serial, visit);
            for (int skip = 0; skip < 3; skip++)
                gsl_rng_get(w->rng);
        }
        const mdl_law *law = &v->law;
        int hazard = law->kind == MDL_HAZARD_CONST || law->kind == MDL_HAZARD_PIECEWISE;
        double factor = hazard ? effect_factor(w, pi, law->effect) : 1;
        double dt;
        if (law->modulation >= 0 && hazard)
            dt = modulated_time(w, law, u_time, t,
                                law->clock == MDL_CLOCK_ENTRY && law->kind == MDL_HAZARD_PIECEWISE
                                    ? p->entry_time
                                    : t,
                                factor);
        else
            dt = latent_time(law, u_time, w->rng, t - p->entry_time, factor);
        if (t + dt < best) {
            int dest = pick_for(w, pi, &v->dest, u_dest);
            if (dest == NO_DEST)
                continue; /* no destination admits this person: the transition is not open */
            best = t + dt;
            p->dest = dest;
            p->flow = (int32_t)tr->flow;
        }
    }
    /* An event past the horizon will never be processed: the person stays put. */
    p->event_time = best < w->horizon_time ? best : INFINITY;
    if (p->event_time < INFINITY)
        heap_push(w, pi);
}

/* ---- moving persons ---------------------------------------------------------- */

static void enter_state(eng_workspace *w, int32_t pi, int s, double t, int holds_unit, int counts);

static void absorb_or_keep(eng_workspace *w, int32_t pi)
{
    person *p = &w->persons[pi];
    if (p->event_time < INFINITY || p->queued)
        return;
    if (w->n_tracked && pending_change(w, pi))
        return; /* its groups still change: keep the record */
    /* Nothing can happen to this person any more: keep the count, free the record. */
    const mdl_state *st = &w->m->states[p->state];
    if (w->n_watched)
        watch_final(w, pi, p->state);
    if (!st->outside && p->tracked)
        spell_record(w, w->raw->spell_cens, p->pop, w->horizon_time - p->entry_time);
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
    size_t ns = w->m->n_states;
    row(w, w->raw->wait_count, ns)[p->state] += 1;
    row(w, w->raw->wait_total, ns)[p->state] += wait;
    /* t and state_time are large day counts: their difference carries rounding, so a wait
     * the model sets to exactly 3 months (or a whole number of days) must not land above. */
    if (wait > 3 * MDL_DAYS_PER_MONTH + ENG_TIME_EPS)
        row(w, w->raw->wait_over, ns)[p->state] += 1;
    if (t >= w->raw->wait_from && t < w->raw->wait_to) {
        double day = floor(wait + ENG_TIME_EPS);
        size_t bin = day < REC_WAIT_BINS - 1 ? (size_t)day : REC_WAIT_BINS - 1;
        w->raw->wait_hist[(size_t)p->state * REC_WAIT_BINS + bin] += 1;
    }
}

/* Admits waiting persons while resource r has room. */
static void admit(eng_workspace *w, int r, double t)
{
    double capacity = capacity_at(w, r, t);
    while (w->q_head[r] != NONE && (double)w->occupied[r] < capacity) {
        int32_t pi = w->q_head[r];
        person *p = &w->persons[pi];
        int target = p->target;
        if (w->n_watched)
            status_due(w, pi, t);
        queue_unlink(w, pi, t);
        if (p->event_time < INFINITY)
            cancel(w, pi);
        person_count(w, pi, p->state, -1, t);
        row(w, w->raw->admitted, w->m->n_states)[target] += 1;
        w->occupied[r]++;
        enter_state(w, pi, target, t, 1, 1);
    }
}

/* Moves person pi into state s at t (into its queue if s is full).  counts: the move is
 * an entry (initial persons are placed, not entered: no in.S, no cost per entry). */
static void enter_state(eng_workspace *w, int32_t pi, int s, double t, int holds_unit, int counts)
{
    const mdl_state *st = &w->m->states[s];
    person *p = &w->persons[pi];
    if (st->resource >= 0 && !holds_unit) {
        int r = st->resource;
        double capacity = capacity_at(w, r, t);
        if ((double)w->occupied[r] < capacity && w->q_head[r] == NONE) {
            w->occupied[r]++;
        } else {
            p->target = s;
            p->queued = 1;
            p->q_next = NONE;
            p->q_prev = w->q_tail[r];
            if (w->q_tail[r] != NONE)
                w->persons[w->q_tail[r]].q_next = pi;
            else
                w->q_head[r] = pi;
            w->q_tail[r] = pi;
            s = st->queue;
        }
    }
    p->state = s;
    p->state_time = t;
    person_count(w, pi, s, +1, t);
    if (counts) {
        row(w, w->raw->in, w->m->n_states)[s] += 1;
        if (w->n_tracked)
            group_entry(w, pi, s);
        if (w->n_watched)
            raise_state(w, pi, s, t);
    }
    schedule(w, pi, t);
    absorb_or_keep(w, pi);
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

static void fire(eng_workspace *w, int32_t pi, double t)
{
    const mdl_model *m = w->m;
    person *p = &w->persons[pi];
    p->burst = t == p->state_time ? p->burst + 1 : 0;
    if (p->burst >= ENG_MAX_BURST) {
        fail_cycle(w, p, t);
        return;
    }
    p->event_time = INFINITY;
    int from = p->state, dest = p->dest, pop = p->pop;
    if (w->n_watched)
        status_due(w, pi, t);
    row(w, w->raw->flow, m->n_flows)[p->flow] += 1;
    if (p->queued)
        queue_unlink(w, pi, t);
    person_count(w, pi, from, -1, t);
    int freed = m->states[from].resource;
    if (freed >= 0)
        w->occupied[freed]--;
    int was_in = !m->states[from].outside;
    int now_in = dest != MDL_OUT && !m->states[dest].outside &&
                 m->states[dest].population == pop; /* a move to another population exits */
    if (was_in && !now_in) {
        row(w, w->raw->exits, m->n_populations)[pop] += 1;
        if (p->tracked)
            spell_record(w, w->raw->spell_end, pop, t - p->entry_time);
        if (w->n_watched)
            raise_pop(w, pi, pop, MDL_EV_EXIT, t);
    } else if (!was_in && now_in) {
        row(w, w->raw->returns, m->n_populations)[pop] += 1;
        p->entry_time = t;
        p->tracked = t >= 0;
        if (w->n_watched)
            raise_pop(w, pi, pop, MDL_EV_RETURN, t);
    }
    if (dest != MDL_OUT && m->states[dest].population != pop) {
        int rc = move_population(w, pi, m->states[dest].population, t);
        if (rc) {
            w->status = rc;
            return;
        }
    }
    if (freed >= 0)
        admit(w, freed, t);
    if (dest == MDL_OUT) {
        if (w->n_watched)
            watch_final(w, pi, NONE);
        person_release(w, pi);
    } else {
        enter_state(w, pi, dest, t, 0, 1);
    }
}

static int add_person(eng_workspace *w, int pop, int state, double t, double entry_time,
                      int tracked, int counts, pc_err *err)
{
    int32_t pi = person_new(w);
    if (pi == NONE)
        return pc_fail(err, PC_EINTERNAL, "out of memory (persons)");
    person *p = &w->persons[pi];
    uint32_t gen = p->gen + 1; /* slots of the record's former holder become stale */
    uint32_t attr_gen = p->attr_gen + 1;
    memset(p, 0, sizeof *p);
    p->gen = gen;
    p->attr_gen = attr_gen;
    p->pop = (int16_t)pop;
    p->serial = w->next_serial[pop]++;
    p->entry_time = entry_time;
    p->tracked = (uint8_t)tracked;
    p->q_prev = p->q_next = p->target = NONE;
    p->event_time = INFINITY;
    if (w->n_attr)
        draw_attributes(w, pi, t, !counts, NULL, -1);
    if (w->n_watched) {
        watch_clear(w, pi);
        if (counts)
            raise_pop(w, pi, pop, MDL_EV_ARRIVAL, t);
    }
    enter_state(w, pi, state, t, 0, counts);
    return PC_OK;
}

/* ---- inflow ------------------------------------------------------------------- */

static int draw_arrivals(eng_workspace *w, int pop, int k, pc_err *err)
{
    const mdl_population *P = &w->m->populations[pop];
    double start = k * MDL_DAYS_PER_MONTH;
    int y, mo;
    mdl_month_of(w->m, k, &y, &mo);
    double rate = sched_at(&P->inflow, start) * P->profile[mo - 1];
    if (P->inflow_modulation >= 0)
        rate *= mod_at(w, P->inflow_modulation, k);
    w->arr_n[pop] = w->arr_next[pop] = 0;
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
    if (n > w->arr_cap[pop]) {
        size_t cap = (size_t)n * 2;
        double *a = realloc(w->arrivals[pop], cap * sizeof *a);
        if (!a)
            return pc_fail(err, PC_EINTERNAL, "out of memory (arrivals)");
        w->arrivals[pop] = a;
        w->arr_cap[pop] = cap;
    }
    /* Order statistics of n uniforms on the month, by normalised exponential spacings. */
    double *a = w->arrivals[pop], sum = 0;
    for (unsigned i = 0; i < n; i++) {
        sum += -log(gsl_rng_uniform(w->rng));
        a[i] = sum;
    }
    sum += -log(gsl_rng_uniform(w->rng));
    for (unsigned i = 0; i < n; i++)
        a[i] = start + MDL_DAYS_PER_MONTH * a[i] / sum;
    w->arr_n[pop] = n;
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
        if (P->initial_seniority.n) {
            mdl_law bins = {.kind = MDL_AFTER_EMPIRICAL, .table = P->initial_seniority};
            seniority = latent_time(&bins, u_sen, w->rng, 0, 1);
        }
        int rc = add_person(w, pop, pick(&P->initial_state, u_state), 0.0, -seniority, 0, 0, err);
        if (rc)
            return rc;
    }
    return PC_OK;
}

/* ---- months --------------------------------------------------------------------- */

static void close_month(eng_workspace *w, double t_end)
{
    const mdl_model *m = w->m;
    for (size_t s = 0; s < m->n_states; s++)
        count_change(w, (int)s, 0, t_end);
    size_t cells = m->n_states * w->n_tracked;
    if (w->month >= 0)
        for (size_t i = 0; i < cells; i++)
            row(w, w->raw->gdays, cells)[i] += (double)w->gcount[i] * (t_end - w->glast[i]);
    for (size_t i = 0; i < cells; i++)
        w->glast[i] = t_end;
    if (w->month < 0)
        return;
    double *stock = row(w, w->raw->stock, m->n_states);
    for (size_t s = 0; s < m->n_states; s++)
        stock[s] = (double)w->count[s];
    double *gstock = row(w, w->raw->gstock, cells);
    for (size_t i = 0; i < cells; i++)
        gstock[i] = (double)w->gcount[i];
}

static int begin_month(eng_workspace *w, int k, pc_err *err)
{
    w->month = k;
    for (size_t i = 0; i < w->m->n_populations; i++) {
        int p = w->pop_order[i];
        if (k == 0 && w->warm_months[p] == 0) {
            int rc = place_initial(w, p, err);
            if (rc)
                return rc;
        }
        if (k >= -w->warm_months[p]) {
            int rc = draw_arrivals(w, p, k, err);
            if (rc)
                return rc;
        }
    }
    return PC_OK;
}

int eng_run(eng_workspace *w, uint32_t seed, uint32_t replication, rec_raw *raw, pc_err *err)
{
    const mdl_model *m = w->m;
    rec_raw_clear(raw);
    w->seed = seed;
    w->rep = replication;
    w->raw = raw;
    w->err = err;
    w->status = PC_OK;
    w->used = 0;
    w->free_head = NONE;
    w->heap_n = 0;
    memset(w->count, 0, m->n_states * sizeof *w->count);
    memset(w->gcount, 0, m->n_states * (w->n_tracked ? w->n_tracked : 1) * sizeof *w->gcount);
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
    for (size_t s = 0; s < m->n_states; s++)
        w->last[s] = k0 * MDL_DAYS_PER_MONTH;
    for (size_t i = 0; i < m->n_states * w->n_tracked; i++)
        w->glast[i] = k0 * MDL_DAYS_PER_MONTH;
    if (m->n_drivers) {
        draw_drivers(w, k0);
        for (size_t d = 0; d < m->n_drivers; d++)
            for (int k = 0; k < m->horizon; k++)
                raw->driver[(size_t)k * m->n_drivers + d] =
                    exp(w->driver_x[d * w->path_len + (size_t)(k - k0)]);
    }
    w->horizon_time = m->horizon * MDL_DAYS_PER_MONTH;
    w->next_change = 0;
    while (w->next_change < w->n_changes && w->changes[w->next_change].t <= k0 * MDL_DAYS_PER_MONTH)
        w->next_change++;
    double events = 0;
    int k = k0;
    int rc = begin_month(w, k, err);
    double month_end = (k + 1) * MDL_DAYS_PER_MONTH;
    w->out_of_memory = 0;
    while (!rc) {
        if (w->status) {
            rc = w->status;
            break;
        }
        if (w->out_of_memory) {
            rc = pc_fail(err, PC_EINTERNAL, "out of memory (event heap)");
            break;
        }
        double te = w->heap_n ? w->heap[0].t : INFINITY;
        double ta = INFINITY;
        int pa = NONE;
        for (size_t p = 0; p < m->n_populations; p++)
            if (w->arr_next[p] < w->arr_n[p] && w->arrivals[p][w->arr_next[p]] < ta) {
                ta = w->arrivals[p][w->arr_next[p]];
                pa = (int)p;
            }
        double tc = w->next_change < w->n_changes ? w->changes[w->next_change].t : INFINITY;
        double t = fmin(te, fmin(ta, tc));
        if (t >= month_end) {
            close_month(w, month_end);
            if (++k >= m->horizon)
                break;
            rc = begin_month(w, k, err);
            month_end = (k + 1) * MDL_DAYS_PER_MONTH;
            continue;
        }
        events += 1;
        if (tc <= t) {
            admit(w, w->changes[w->next_change++].resource, tc);
        } else if (ta <= te) {
            w->arr_next[pa]++;
            row(w, raw->arrivals, m->n_populations)[pa] += 1;
            rc = add_person(w, pa, m->populations[pa].entry, ta, ta, ta >= 0, 1, err);
        } else {
            slot top = w->heap[0];
            heap_pop(w);
            if (top.p & ATTR_EVENT) {
                int32_t pi = top.p & ~ATTR_EVENT;
                if (top.gen == w->persons[pi].attr_gen && w->persons[pi].state != NONE)
                    apply_changes(w, pi, te);
                else
                    events -= 1;
            } else if (top.gen == w->persons[top.p].gen) {
                fire(w, top.p, te);
            } else {
                events -= 1; /* a cancelled event: nothing happened */
            }
        }
    }
    if (rc)
        return rc;
    /* Spells still running at the horizon are censored there; watches end with the state
     * each person holds. */
    for (size_t i = 0; i < w->used; i++) {
        const person *p = &w->persons[i];
        if (p->state != NONE && p->tracked && !m->states[p->state].outside)
            spell_record(w, raw->spell_cens, p->pop, w->horizon_time - p->entry_time);
        if (p->state != NONE && w->n_watched)
            watch_final(w, (int32_t)i, p->state);
    }
    raw->events = events;
    return PC_OK;
}
