/* mdl_print — the resolved model in words, for `parcours check`. */
#include <math.h>
#include <stdio.h>

#include "mdl_impl.h"

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

static void print_event(FILE *f, const mdl_model *m, const mdl_event *ev)
{
    static const char *const words[] = {"state",     "entry into", "arrival into", "return into",
                                        "exit from", "outside",    "inside"};
    if (ev->kind != MDL_EV_STATE) {
        fprintf(f, "%s %s", words[ev->kind], m->populations[ev->population].name);
        return;
    }
    for (size_t i = 0; i < ev->n_states; i++)
        fprintf(f, "%s%s", i ? ", " : "", m->states[ev->states[i]].name);
}

static void print_indicator(FILE *f, const mdl_model *m, const mdl_indicator *ind)
{
    static const char *const units[] = {"shares", "days", "euros", "numbers"};
    fprintf(f, "indicator %s (%s): ", ind->name, ind->label);
    if (ind->kind == MDL_IND_RATIO) {
        fprintf(f, "ratio of %zu term(s) over %zu", ind->n_num, ind->n_den);
    } else if (ind->kind == MDL_IND_COUNT) {
        fprintf(f, "sum of %zu term(s)", ind->n_num);
    } else {
        fprintf(f, "%s from ", ind->kind == MDL_IND_DELAY ? "delay" : "status");
        print_event(f, m, &ind->from);
        fprintf(f, ind->kind == MDL_IND_DELAY ? " to " : ", in ");
        print_event(f, m, &ind->to);
        fprintf(f, ind->kind == MDL_IND_DELAY ? " within %.4g months" : " %.4g months later",
                ind->window / MDL_DAYS_PER_MONTH);
    }
    fprintf(f, "; in %s", units[ind->unit]);
    if (ind->target_op)
        fprintf(f, "; target %s", ind->target_text);
    fputc('\n', f);
}

void mdl_print(FILE *f, const mdl_model *m)
{
    fprintf(f, "model %s: %s\n", m->name, m->label);
    fprintf(f, "  start %04d-%02d, horizon %d months\n", m->start_year, m->start_month, m->horizon);
    for (size_t p = 0; p < m->n_populations; p++) {
        const mdl_population *pop = &m->populations[p];
        fprintf(f, "population %s (%s): enters at %s", pop->name, pop->label,
                m->states[pop->entry].name);
        if (pop->territory[0])
            fprintf(f, "; d\xC3\xA9partement %s", pop->territory);
        fputc('\n', f);
        fprintf(f, "  inflow ");
        print_schedule(f, m, &pop->inflow, MDL_DAYS_PER_YEAR, "/y");
        fprintf(f, "; overdispersion %.3g\n", pop->overdispersion);
        if (pop->warmup > 0)
            fprintf(f, "  warm-up %.1f years from an empty population\n",
                    pop->warmup / MDL_DAYS_PER_YEAR);
        else {
            fprintf(f, "  initial %ld persons in ", pop->initial_count);
            print_dest(f, m, &pop->initial_state);
            fprintf(f, pop->initial_seniority.n ? ", seniority from a table" : "");
            for (size_t k = 0; k < pop->n_state_seniority; k++)
                fprintf(f, "%stime already spent in %s drawn", k ? ", " : "; ",
                        m->states[pop->seniority_state[k]].name);
            fprintf(f, "\n");
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
        if (res->counts_etp)
            fprintf(f, " %s; %.4g ETP per unit\n", res->unit, res->etp_weight);
        else
            fprintf(f, " %s\n", res->unit);
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
        fprintf(f, "cost %s (%s): paid by %s (%s), ", co->name, co->label, m->funders[co->funder],
                m->funder_labels[co->funder]);
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
    for (size_t i = 0; i < m->n_indicators; i++)
        print_indicator(f, m, &m->indicators[i]);
    for (size_t i = 0; i < m->n_drivers; i++) {
        const mdl_driver *d = &m->drivers[i];
        if (d->process == MDL_DRIVER_AR1)
            fprintf(f,
                    "driver %s (%s): log-AR(1), yearly innovation sd %.4g, persistence %.4g "
                    "(stationary sd %.4g)",
                    d->name, d->label, d->sd, d->persistence,
                    d->sd / sqrt(1 - d->persistence * d->persistence));
        else
            fprintf(f, "driver %s (%s): random walk of the log, yearly sd %.4g, drift %.4g",
                    d->name, d->label, d->sd, d->drift);
        int k = (int)floor(d->from / MDL_DAYS_PER_MONTH + 0.5), y, mo;
        mdl_month_of(m, k, &y, &mo);
        fprintf(f, "; from %04d-%02d, starting %s", y, mo, d->stationary ? "stationary" : "at");
        if (!d->stationary)
            fprintf(f, " %.4g", d->start);
        if (d->centred)
            fprintf(f, "; centred: D = e^(x - var(x)/2)");
        fputc('\n', f);
    }
    if (m->n_changes) {
        fprintf(f, "dated changes:\n");
        for (size_t i = 0; i < m->n_changes; i++)
            fprintf(f, "  %s  %s = %s  (%s:%d)\n", m->changes[i].date, m->changes[i].key,
                    m->changes[i].value, m->changes[i].file, m->changes[i].line);
    }
}
