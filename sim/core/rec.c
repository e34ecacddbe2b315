/* rec — the output variables of a model and their derivation from raw counts.
 *
 * One walk over the model both names the variables (rec_catalog_alloc) and
 * computes them (rec_derive), so the two can never disagree on the order. */
#include "rec.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- raw counts -------------------------------------------------------------- */

rec_raw *rec_raw_alloc(const mdl_model *m)
{
    rec_raw *r = pc_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    size_t h = (size_t)m->horizon, ns = m->n_states, np = m->n_populations;
    r->n_months = h;
    r->n_states = ns;
    r->n_flows = m->n_flows;
    r->n_populations = np;
    r->n_watched = m->n_watched;
    r->n_drivers = m->n_drivers;
    r->n_tracked = m->n_tracked;
    r->driver = pc_calloc(h * (m->n_drivers ? m->n_drivers : 1), sizeof(double));
    size_t nw = m->n_watched ? m->n_watched : 1;
    size_t nt = m->n_tracked ? m->n_tracked : 1;
    r->gstock = pc_calloc(h * ns * nt, sizeof(double));
    r->gdays = pc_calloc(h * ns * nt, sizeof(double));
    r->gin = pc_calloc(h * ns * nt, sizeof(double));
    r->gcohort = pc_calloc(h * nw * nt, sizeof(double));
    r->ghit = pc_calloc(h * nw * nt, sizeof(double));
    r->ind_cohort = pc_calloc(h * nw, sizeof(double));
    r->ind_hit = pc_calloc(h * nw, sizeof(double));
    r->ind_days = pc_calloc(h * nw, sizeof(double));
    r->ind_count = pc_calloc(h * nw, sizeof(double));
    r->stock = pc_calloc(h * ns, sizeof(double));
    r->days = pc_calloc(h * ns, sizeof(double));
    r->in = pc_calloc(h * ns, sizeof(double));
    r->flow = pc_calloc(h * (m->n_flows ? m->n_flows : 1), sizeof(double));
    r->arrivals = pc_calloc(h * np, sizeof(double));
    r->returns = pc_calloc(h * np, sizeof(double));
    r->exits = pc_calloc(h * np, sizeof(double));
    r->admitted = pc_calloc(h * ns, sizeof(double));
    r->wait_count = pc_calloc(h * ns, sizeof(double));
    r->wait_total = pc_calloc(h * ns, sizeof(double));
    r->wait_over = pc_calloc(h * ns, sizeof(double));
    r->spell_end = pc_calloc(np * (h * REC_SPELL_BINS + 1), sizeof(double));
    r->spell_cens = pc_calloc(np * (h * REC_SPELL_BINS + 1), sizeof(double));
    r->wait_hist = pc_calloc(ns * REC_WAIT_BINS, sizeof(double));
    r->wait_from = -INFINITY;
    r->wait_to = INFINITY;
    if (!r->wait_hist || !r->stock || !r->days || !r->in || !r->flow || !r->arrivals ||
        !r->returns || !r->exits || !r->admitted || !r->wait_count || !r->wait_total ||
        !r->wait_over || !r->spell_end || !r->spell_cens || !r->ind_cohort || !r->ind_hit ||
        !r->ind_days || !r->ind_count || !r->driver || !r->gstock || !r->gdays || !r->gin ||
        !r->gcohort || !r->ghit) {
        rec_raw_free(r);
        return NULL;
    }
    return r;
}

void rec_raw_free(rec_raw *r)
{
    if (!r)
        return;
    free(r->stock);
    free(r->days);
    free(r->in);
    free(r->flow);
    free(r->arrivals);
    free(r->returns);
    free(r->exits);
    free(r->admitted);
    free(r->wait_count);
    free(r->wait_total);
    free(r->wait_over);
    free(r->spell_end);
    free(r->spell_cens);
    free(r->wait_hist);
    free(r->ind_cohort);
    free(r->ind_hit);
    free(r->ind_days);
    free(r->ind_count);
    free(r->driver);
    free(r->gstock);
    free(r->gdays);
    free(r->gin);
    free(r->gcohort);
    free(r->ghit);
    free(r);
}

size_t rec_spell_width(const rec_raw *r)
{
    return r->n_months * REC_SPELL_BINS + 1;
}

void rec_survival(const rec_raw *r, double *out)
{
    size_t width = rec_spell_width(r), h = r->n_months;
    for (size_t p = 0; p < r->n_populations; p++) {
        const double *end = r->spell_end + p * width, *cens = r->spell_cens + p * width;
        double *s_out = out + p * (h + 1);
        double at_risk = 0, s = 1;
        for (size_t j = 0; j < width; j++)
            at_risk += end[j] + cens[j];
        s_out[0] = at_risk > 0 ? 1.0 : NAN;
        for (size_t n = 0; n < h; n++) {
            for (size_t j = n * REC_SPELL_BINS; j < (n + 1) * REC_SPELL_BINS; j++) {
                double exposed = at_risk - 0.5 * cens[j];
                if (at_risk <= 0)
                    s = s == 0 ? 0 : NAN; /* after the last spell: 0 if it ended, else unknown */
                else if (end[j] > 0)
                    s *= 1.0 - end[j] / exposed;
                at_risk -= end[j] + cens[j];
            }
            s_out[n + 1] = s;
        }
    }
}

size_t rec_raw_parts(rec_raw *r, double **part, size_t *len)
{
    size_t h = r->n_months, ns = r->n_states, np = r->n_populations;
    size_t nf = r->n_flows ? r->n_flows : 1, nw = r->n_watched ? r->n_watched : 1;
    size_t nt = r->n_tracked ? r->n_tracked : 1, nd = r->n_drivers ? r->n_drivers : 1;
    size_t spells = np * rec_spell_width(r), n = 0;
#define PART(a, l) (part[n] = (a), len[n++] = (l))
    PART(r->stock, h * ns);
    PART(r->days, h * ns);
    PART(r->in, h * ns);
    PART(r->flow, h * nf);
    PART(r->arrivals, h * np);
    PART(r->returns, h * np);
    PART(r->exits, h * np);
    PART(r->admitted, h * ns);
    PART(r->wait_count, h * ns);
    PART(r->wait_total, h * ns);
    PART(r->wait_over, h * ns);
    PART(r->wait_hist, ns * REC_WAIT_BINS);
    PART(r->gstock, h * ns * nt);
    PART(r->gdays, h * ns * nt);
    PART(r->gin, h * ns * nt);
    PART(r->gcohort, h * nw * nt);
    PART(r->ghit, h * nw * nt);
    PART(r->driver, h * nd);
    PART(r->ind_cohort, h * nw);
    PART(r->ind_hit, h * nw);
    PART(r->ind_days, h * nw);
    PART(r->ind_count, h * nw);
    PART(r->spell_end, spells);
    PART(r->spell_cens, spells);
    PART(&r->events, 1);
#undef PART
    return n;
}

void rec_raw_clear(rec_raw *r)
{
    size_t h = r->n_months, ns = r->n_states, np = r->n_populations;
    size_t nf = r->n_flows ? r->n_flows : 1;
    memset(r->stock, 0, h * ns * sizeof(double));
    memset(r->days, 0, h * ns * sizeof(double));
    memset(r->in, 0, h * ns * sizeof(double));
    memset(r->flow, 0, h * nf * sizeof(double));
    memset(r->arrivals, 0, h * np * sizeof(double));
    memset(r->returns, 0, h * np * sizeof(double));
    memset(r->exits, 0, h * np * sizeof(double));
    memset(r->admitted, 0, h * ns * sizeof(double));
    memset(r->wait_count, 0, h * ns * sizeof(double));
    memset(r->wait_total, 0, h * ns * sizeof(double));
    memset(r->wait_over, 0, h * ns * sizeof(double));
    memset(r->spell_end, 0, np * rec_spell_width(r) * sizeof(double));
    memset(r->spell_cens, 0, np * rec_spell_width(r) * sizeof(double));
    memset(r->wait_hist, 0, ns * REC_WAIT_BINS * sizeof(double));
    size_t nw = r->n_watched ? r->n_watched : 1;
    memset(r->ind_cohort, 0, h * nw * sizeof(double));
    memset(r->ind_hit, 0, h * nw * sizeof(double));
    memset(r->ind_days, 0, h * nw * sizeof(double));
    memset(r->ind_count, 0, h * nw * sizeof(double));
    memset(r->driver, 0, h * (r->n_drivers ? r->n_drivers : 1) * sizeof(double));
    size_t nt = r->n_tracked ? r->n_tracked : 1;
    memset(r->gstock, 0, h * ns * nt * sizeof(double));
    memset(r->gdays, 0, h * ns * nt * sizeof(double));
    memset(r->gin, 0, h * ns * nt * sizeof(double));
    memset(r->gcohort, 0, h * nw * nt * sizeof(double));
    memset(r->ghit, 0, h * nw * nt * sizeof(double));
    r->events = 0;
}

/* ---- the walk ------------------------------------------------------------------ */

typedef struct {
    rec_catalog *cat; /* naming pass, or NULL */
    double *values;   /* computing pass, or NULL */
    size_t h;
    size_t next;
    size_t staff_first, cost_first, funder_first, total; /* where later variables find them */
    size_t pop_stock; /* index of stock.P of the first population (5 variables per population) */
    int oom;
} walk;

/* Declares the next variable; returns its month row when computing, else NULL. */
static double *var(walk *w, rec_kind kind, size_t num, size_t den, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static double *var(walk *w, rec_kind kind, size_t num, size_t den, const char *fmt, ...)
{
    size_t idx = w->next++;
    if (w->cat) {
        char name[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(name, sizeof name, fmt, ap);
        va_end(ap);
        rec_var *v = &w->cat->vars[idx];
        v->name = pc_strdup(name);
        v->kind = kind;
        v->num = num;
        v->den = den;
        w->cat->n = idx + 1;
        if (!v->name)
            w->oom = 1;
        return NULL;
    }
    return w->values ? w->values + idx * w->h : NULL;
}

/* The sum over the states of resource r (those whose persons hold one of its units) of
 * base's month k: persons holding r from raw->stock, admissions from raw->admitted. */
static double held(const mdl_model *m, const double *base, size_t k, int r)
{
    double s = 0;
    for (size_t j = 0; j < m->n_states; j++)
        if (m->states[j].resource == r)
            s += base[k * m->n_states + j];
    return s;
}

/* stock, entries, arrivals, returns and exits of each population. */
static void walk_populations(const mdl_model *m, const rec_raw *raw, walk *w)
{
    size_t h = w->h, ns = m->n_states, np = m->n_populations;
    double *o;
    w->pop_stock = w->next;
    for (size_t p = 0; p < np; p++) {
        const char *pn = m->populations[p].name;
        if ((o = var(w, REC_STOCK, 0, 0, "stock.%s", pn)))
            for (size_t k = 0; k < h; k++) {
                double s = 0;
                for (size_t st = 0; st < ns; st++)
                    if (m->states[st].population == (int)p && !m->states[st].outside)
                        s += raw->stock[k * ns + st];
                o[k] = s;
            }
        if ((o = var(w, REC_FLOW, 0, 0, "entries.%s", pn)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->arrivals[k * np + p] + raw->returns[k * np + p];
        if ((o = var(w, REC_FLOW, 0, 0, "arrivals.%s", pn)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->arrivals[k * np + p];
        if ((o = var(w, REC_FLOW, 0, 0, "returns.%s", pn)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->returns[k * np + p];
        if ((o = var(w, REC_FLOW, 0, 0, "exits.%s", pn)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->exits[k * np + p];
    }
}

/* stock and entries of each state, firings of each transition. */
static void walk_states(const mdl_model *m, const rec_raw *raw, walk *w)
{
    size_t h = w->h, ns = m->n_states, nf = m->n_flows ? m->n_flows : 1;
    double *o;
    for (size_t s = 0; s < ns; s++) {
        const mdl_state *st = &m->states[s];
        if ((o = var(w, REC_STOCK, 0, 0, "stock.%s", st->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->stock[k * ns + s];
        if ((o = var(w, REC_FLOW, 0, 0, "in.%s", st->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->in[k * ns + s];
        for (size_t t = 0; t < st->n_transitions; t++)
            if ((o = var(w, REC_FLOW, 0, 0, "flow.%s.%s", st->name, st->transitions[t].name)))
                for (size_t k = 0; k < h; k++)
                    o[k] = raw->flow[k * nf + st->transitions[t].flow];
    }
}

/* A ratio variable: num / den month by month (NaN without observation). */
static void ratio_of(double *o, const double *num, const double *den, size_t h)
{
    for (size_t k = 0; k < h; k++)
        o[k] = den[k] > 0 ? num[k] / den[k] : NAN;
}

/* Persons waiting in each queue, and the waits that ended each month. */
static void walk_queues(const mdl_model *m, const rec_raw *raw, walk *w)
{
    size_t h = w->h, ns = m->n_states;
    double *o, *count_row = NULL, *total_row = NULL, *over_row = NULL;
    for (size_t s = 0; s < ns; s++) {
        const mdl_state *st = &m->states[s];
        if (!st->is_queue)
            continue;
        if ((o = var(w, REC_STOCK, 0, 0, "queue.%s", st->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->stock[k * ns + s];
        size_t count = w->next;
        if ((o = count_row = var(w, REC_FLOW, 0, 0, "wait.%s.count", st->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->wait_count[k * ns + s];
        size_t total = w->next;
        if ((o = total_row = var(w, REC_FLOW, 0, 0, "wait.%s.total", st->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->wait_total[k * ns + s];
        size_t over = w->next;
        if ((o = over_row = var(w, REC_FLOW, 0, 0, "wait.%s.over3m", st->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = raw->wait_over[k * ns + s];
        if ((o = var(w, REC_RATIO, total, count, "wait.%s.mean", st->name)))
            ratio_of(o, total_row, count_row, h);
        if ((o = var(w, REC_RATIO, over, count, "wait.%s.share3m", st->name)))
            ratio_of(o, over_row, count_row, h);
    }
}

/* Occupancy, ETP, capacity and admissions of each resource. */
static void walk_resources(const mdl_model *m, const rec_raw *raw, walk *w)
{
    size_t h = w->h;
    const double dpm = MDL_DAYS_PER_MONTH;
    double *o;
    for (size_t r = 0; r < m->n_resources; r++) {
        const mdl_resource *res = &m->resources[r];
        if ((o = var(w, REC_STOCK, 0, 0, "occupied.%s", res->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = held(m, raw->stock, k, (int)r);
        /* a resource without etp.weight is not counted in ETP: no etp. or funded. series */
        if (res->counts_etp && (o = var(w, REC_STOCK, 0, 0, "etp.%s", res->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = held(m, raw->stock, k, (int)r) * res->etp_weight;
        if ((o = var(w, REC_STOCK, 0, 0, "capacity.%s", res->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = mdl_capacity_at(m, (int)r, k * dpm);
        if (res->counts_etp && (o = var(w, REC_STOCK, 0, 0, "funded.%s", res->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = mdl_capacity_at(m, (int)r, k * dpm) * res->etp_weight;
        if ((o = var(w, REC_FLOW, 0, 0, "admitted.%s", res->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = held(m, raw->admitted, k, (int)r);
    }
}

/* Staff ETP: person-days in the staff's states over the caseload. */
static void walk_staff(const mdl_model *m, const rec_raw *raw, walk *w)
{
    size_t h = w->h, ns = m->n_states;
    const double dpm = MDL_DAYS_PER_MONTH;
    double *o;
    w->staff_first = w->next;
    for (size_t i = 0; i < m->n_staff; i++) {
        const mdl_staff *sf = &m->staff[i];
        if ((o = var(w, REC_MEAN, 0, 0, "staff.%s", sf->name)))
            for (size_t k = 0; k < h; k++) {
                double days = 0;
                for (size_t j = 0; j < sf->n_states; j++)
                    days += raw->days[k * ns + (size_t)sf->states[j]];
                o[k] = days / dpm / mdl_schedule_at(&sf->caseload, k * dpm);
            }
    }
    for (size_t i = 0; i < m->n_staff; i++) {
        const mdl_staff *sf = &m->staff[i];
        if (sf->binding && (o = var(w, REC_MEAN, 0, 0, "staff.%s.funded", sf->name)))
            for (size_t k = 0; k < h; k++)
                o[k] = mdl_schedule_at(&sf->etp, k * dpm);
    }
}

/* Units a cost line pays for in month k (person-months, entries, ETP-years, staff-years). */
static double cost_units(const mdl_model *m, const mdl_cost *co, const rec_raw *raw, const walk *w,
                         size_t k)
{
    size_t ns = m->n_states;
    const double dpm = MDL_DAYS_PER_MONTH;
    double units = 0;
    size_t nt = m->n_tracked, ti = co->group >= 0 ? (size_t)m->tracked[co->group] : 0;
    switch (co->per) {
    case MDL_COST_PERSON_MONTH:
        for (size_t j = 0; j < co->n_states; j++)
            units += (co->group >= 0 ? raw->gdays[(k * ns + (size_t)co->states[j]) * nt + ti]
                                     : raw->days[k * ns + (size_t)co->states[j]]) /
                     dpm;
        break;
    case MDL_COST_ENTRY:
        for (size_t j = 0; j < co->n_states; j++)
            units += co->group >= 0 ? raw->gin[(k * ns + (size_t)co->states[j]) * nt + ti]
                                    : raw->in[k * ns + (size_t)co->states[j]];
        break;
    case MDL_COST_UNIT_YEAR: {
        const mdl_resource *res = &m->resources[co->resource];
        double places = 0;
        if (co->occupied) {
            for (size_t s = 0; s < ns; s++)
                if (m->states[s].resource == co->resource)
                    places += raw->days[k * ns + s] / dpm;
        } else {
            places = mdl_schedule_at(&res->capacity, k * dpm);
        }
        units = places * res->etp_weight / 12.0;
        break;
    }
    case MDL_COST_STAFF_YEAR:
        units = co->occupied ? w->values[(w->staff_first + (size_t)co->staff) * w->h + k] / 12.0
                             : mdl_schedule_at(&m->staff[co->staff].etp, k * dpm) / 12.0;
        break;
    }
    return units;
}

/* Each cost line, each funder's total and the total, in euros per month. */
static void walk_costs(const mdl_model *m, const rec_raw *raw, walk *w)
{
    size_t h = w->h;
    const double dpm = MDL_DAYS_PER_MONTH;
    double *o;
    w->cost_first = w->next;
    for (size_t c = 0; c < m->n_costs; c++) {
        const mdl_cost *co = &m->costs[c];
        if ((o = var(w, REC_FLOW, 0, 0, "cost.%s", co->name)))
            for (size_t k = 0; k < h; k++) {
                double t = k * dpm;
                double price = mdl_schedule_at(&co->amount, t) * mdl_cost_index(co, t);
                o[k] = price * cost_units(m, co, raw, w, k);
            }
    }
    w->funder_first = w->next;
    for (size_t f = 0; f < m->n_funders; f++)
        if ((o = var(w, REC_FLOW, 0, 0, "funder.%s", m->funders[f])))
            for (size_t k = 0; k < h; k++) {
                double s = 0;
                for (size_t c = 0; c < m->n_costs; c++)
                    if (m->costs[c].funder == (int)f)
                        s += w->values[(w->cost_first + c) * h + k];
                o[k] = s;
            }
    w->total = w->next;
    if ((o = var(w, REC_FLOW, 0, 0, "cost.total")))
        for (size_t k = 0; k < h; k++) {
            double s = 0;
            for (size_t c = 0; c < m->n_costs; c++)
                s += w->values[(w->cost_first + c) * h + k];
            o[k] = s;
        }
}

/* The value of a ratio indicator's term in month k. */
static double term_at(const mdl_model *m, const rec_raw *raw, const walk *w, const mdl_term *t,
                      size_t k)
{
    size_t ns = m->n_states, np = m->n_populations, nf = m->n_flows ? m->n_flows : 1;
    size_t i = (size_t)t->index;
    switch (t->kind) {
    case MDL_TERM_IN:
        return raw->in[k * ns + i];
    case MDL_TERM_STOCK:
        return raw->stock[k * ns + i];
    case MDL_TERM_FLOW:
        return raw->flow[k * nf + i];
    case MDL_TERM_ENTRIES:
        return raw->arrivals[k * np + i] + raw->returns[k * np + i];
    case MDL_TERM_ARRIVALS:
        return raw->arrivals[k * np + i];
    case MDL_TERM_RETURNS:
        return raw->returns[k * np + i];
    case MDL_TERM_EXITS:
        return raw->exits[k * np + i];
    case MDL_TERM_COST:
        return w->values[(w->cost_first + i) * w->h + k];
    case MDL_TERM_FUNDER:
        return w->values[(w->funder_first + i) * w->h + k];
    case MDL_TERM_TOTAL:
        return w->values[w->total * w->h + k];
    case MDL_TERM_POP_STOCK: {
        double s = 0;
        for (size_t j = 0; j < ns; j++)
            if (m->states[j].population == t->index && !m->states[j].outside)
                s += raw->stock[k * ns + j];
        return s;
    }
    case MDL_TERM_ETP: /* etp.R (walk_resources) */
        return held(m, raw->stock, k, t->index) * m->resources[t->index].etp_weight;
    }
    return NAN;
}

/* indicator.NAME and its parts (see rec.h). */
static void walk_indicators(const mdl_model *m, const rec_raw *raw, walk *w)
{
    size_t h = w->h, nw = m->n_watched;
    double *o, *num_row, *den_row;
    for (size_t i = 0; i < m->n_indicators; i++) {
        const mdl_indicator *ind = &m->indicators[i];
        const char *name = ind->name;
        if (ind->kind == MDL_IND_COUNT) {
            if ((o = var(w, mdl_terms_are_stocks(ind) ? REC_STOCK : REC_FLOW, 0, 0, "indicator.%s",
                         name)))
                for (size_t k = 0; k < h; k++) {
                    double s = 0;
                    for (size_t j = 0; j < ind->n_num; j++)
                        s += term_at(m, raw, w, &ind->num[j], k);
                    o[k] = s;
                }
            continue;
        }
        size_t num = w->next;
        if ((num_row = var(w, REC_FLOW, 0, 0, "indicator.%s.num", name)))
            for (size_t k = 0; k < h; k++) {
                double s = 0;
                if (ind->kind == MDL_IND_RATIO)
                    for (size_t j = 0; j < ind->n_num; j++)
                        s += term_at(m, raw, w, &ind->num[j], k);
                else
                    s = raw->ind_hit[k * nw + (size_t)ind->watch];
                num_row[k] = s;
            }
        size_t den = w->next;
        if ((den_row = var(w, REC_FLOW, 0, 0, "indicator.%s.den", name)))
            for (size_t k = 0; k < h; k++) {
                double s = 0;
                if (ind->kind == MDL_IND_RATIO)
                    for (size_t j = 0; j < ind->n_den; j++)
                        s += term_at(m, raw, w, &ind->den[j], k);
                else
                    s = raw->ind_cohort[k * nw + (size_t)ind->watch];
                den_row[k] = s;
            }
        if ((o = var(w, REC_RATIO, num, den, "indicator.%s", name)))
            ratio_of(o, num_row, den_row, h);
        if (ind->kind != MDL_IND_DELAY)
            continue;
        size_t total = w->next;
        if ((num_row = var(w, REC_FLOW, 0, 0, "indicator.%s.days_total", name)))
            for (size_t k = 0; k < h; k++)
                num_row[k] = raw->ind_days[k * nw + (size_t)ind->watch];
        size_t count = w->next;
        if ((den_row = var(w, REC_FLOW, 0, 0, "indicator.%s.days_count", name)))
            for (size_t k = 0; k < h; k++)
                den_row[k] = raw->ind_count[k * nw + (size_t)ind->watch];
        if ((o = var(w, REC_RATIO, total, count, "indicator.%s.days", name)))
            ratio_of(o, num_row, den_row, h);
    }
}

/* Each driver's multiplier, month by month. */
static void walk_drivers(const mdl_model *m, const rec_raw *raw, walk *w)
{
    double *o;
    for (size_t d = 0; d < m->n_drivers; d++)
        if ((o = var(w, REC_MEAN, 0, 0, "driver.%s", m->drivers[d].name)))
            for (size_t k = 0; k < w->h; k++)
                o[k] = raw->driver[k * m->n_drivers + d];
}

/* Outputs by group, for the attributes each population breaks its outputs down by:
 * stock.P[a=v] and its share of stock.P, stock.S[a=v] and in.S[a=v] for the population's
 * states, indicator.I[a=v] for its delay and status indicators. */
static void walk_groups(const mdl_model *m, const rec_raw *raw, walk *w)
{
    size_t h = w->h, ns = m->n_states, nt = m->n_tracked, nw = m->n_watched;
    double *o, *num_row, *den_row;
    for (size_t p = 0; p < m->n_populations; p++) {
        const mdl_population *pop = &m->populations[p];
        for (size_t b = 0; b < pop->n_breakdown; b++) {
            const mdl_attribute *a = &m->attributes[pop->breakdown[b]];
            for (size_t v = 0; v < a->n_values; v++) {
                size_t ti = (size_t)m->tracked[a->group + v];
                const char *an = a->name, *vn = a->values[v];
                size_t stock = w->next;
                if ((num_row = var(w, REC_STOCK, 0, 0, "stock.%s[%s=%s]", pop->name, an, vn)))
                    for (size_t k = 0; k < h; k++) {
                        double s = 0;
                        for (size_t st = 0; st < ns; st++)
                            if (m->states[st].population == (int)p && !m->states[st].outside)
                                s += raw->gstock[(k * ns + st) * nt + ti];
                        num_row[k] = s;
                    }
                size_t total = w->pop_stock + 5 * p;
                if ((o = var(w, REC_RATIO, stock, total, "share.%s[%s=%s]", pop->name, an, vn)))
                    ratio_of(o, num_row, w->values + total * h, h);
                for (size_t st = 0; st < ns; st++) {
                    if (m->states[st].population != (int)p)
                        continue;
                    const char *sn = m->states[st].name;
                    if ((o = var(w, REC_STOCK, 0, 0, "stock.%s[%s=%s]", sn, an, vn)))
                        for (size_t k = 0; k < h; k++)
                            o[k] = raw->gstock[(k * ns + st) * nt + ti];
                    if ((o = var(w, REC_FLOW, 0, 0, "in.%s[%s=%s]", sn, an, vn)))
                        for (size_t k = 0; k < h; k++)
                            o[k] = raw->gin[(k * ns + st) * nt + ti];
                }
                for (size_t i = 0; i < m->n_indicators; i++) {
                    const mdl_indicator *ind = &m->indicators[i];
                    if ((ind->kind != MDL_IND_DELAY && ind->kind != MDL_IND_STATUS) ||
                        ind->from.population != (int)p)
                        continue;
                    size_t at = (size_t)ind->watch, num = w->next;
                    if ((num_row =
                             var(w, REC_FLOW, 0, 0, "indicator.%s[%s=%s].num", ind->name, an, vn)))
                        for (size_t k = 0; k < h; k++)
                            num_row[k] = raw->ghit[(k * nw + at) * nt + ti];
                    size_t den = w->next;
                    if ((den_row =
                             var(w, REC_FLOW, 0, 0, "indicator.%s[%s=%s].den", ind->name, an, vn)))
                        for (size_t k = 0; k < h; k++)
                            den_row[k] = raw->gcohort[(k * nw + at) * nt + ti];
                    if ((o = var(w, REC_RATIO, num, den, "indicator.%s[%s=%s]", ind->name, an, vn)))
                        ratio_of(o, num_row, den_row, h);
                }
            }
        }
    }
}

static void run_walk(const mdl_model *m, const rec_raw *raw, walk *w)
{
    walk_populations(m, raw, w);
    walk_states(m, raw, w);
    walk_queues(m, raw, w);
    walk_resources(m, raw, w);
    walk_staff(m, raw, w);
    walk_costs(m, raw, w);
    walk_indicators(m, raw, w);
    walk_drivers(m, raw, w);
    walk_groups(m, raw, w);
}

static size_t count_vars(const mdl_model *m)
{
    size_t n = 5 * m->n_populations + 2 * m->n_states + m->n_flows + 5 * m->n_resources +
               m->n_staff + m->n_costs + m->n_funders + 1;
    for (size_t i = 0; i < m->n_indicators; i++)
        n += m->indicators[i].kind == MDL_IND_DELAY ? 6 : 3;
    n += m->n_drivers + m->n_staff;
    for (size_t p = 0; p < m->n_populations; p++) {
        size_t per_value = 2 + 3 * m->n_indicators;
        for (size_t s = 0; s < m->n_states; s++)
            per_value += 2 * (m->states[s].population == (int)p);
        for (size_t b = 0; b < m->populations[p].n_breakdown; b++)
            n += m->attributes[m->populations[p].breakdown[b]].n_values * per_value;
    }
    for (size_t s = 0; s < m->n_states; s++)
        n += m->states[s].is_queue ? 6 : 0;
    return n;
}

rec_catalog *rec_catalog_alloc(const mdl_model *m)
{
    rec_catalog *c = pc_calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->vars = pc_calloc(count_vars(m), sizeof *c->vars);
    if (!c->vars) {
        free(c);
        return NULL;
    }
    walk w = {.cat = c, .h = (size_t)m->horizon};
    run_walk(m, NULL, &w);
    if (w.oom) {
        rec_catalog_free(c);
        return NULL;
    }
    return c;
}

void rec_catalog_free(rec_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->vars[i].name);
    free(c->vars);
    free(c);
}

long rec_find(const rec_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->vars[i].name, name))
            return (long)i;
    return -1;
}

void rec_derive(const mdl_model *m, const rec_catalog *c, const rec_raw *raw, double *values)
{
    (void)c;
    walk w = {.values = values, .h = (size_t)m->horizon};
    run_walk(m, raw, &w);
}

int rec_check_observations(const mdl_model *m, const rec_catalog *c, pc_err *err)
{
    for (size_t i = 0; i < m->n_observations; i++) {
        const mdl_observation *o = &m->observations[i];
        if (rec_find(c, o->variable) < 0)
            return pc_fail_at(err, m->observations_file, o->line, "variable",
                              "no output variable %s in this model (docs/format.md lists them)",
                              o->variable);
    }
    return PC_OK;
}
