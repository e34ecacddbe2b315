/* mdl — the model object: its arena, lookups and the few computations on it.
 *
 * Every allocation of a model comes from one arena, freed whole by mdl_free,
 * so a half-built model unwinds in one call; an instance owns an arena of its
 * own and borrows the base's strings and document (see mdl.h). */
#include "mdl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

void *mdl_arena_alloc(mdl_model *m, size_t n, size_t size)
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

char *mdl_arena_strdup(mdl_model *m, const char *s)
{
    size_t len = strlen(s) + 1;
    char *p = mdl_arena_alloc(m, len, 1);
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

/* An input error at the entry being parsed; a bad $ reference explains itself. */
int mdl_fail_here(pctx *c, const char *fmt, ...)
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

uint32_t mdl_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
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

void mdl_month_text(const mdl_model *m, int k, char *buf, size_t size)
{
    int year, month;
    mdl_month_of(m, k, &year, &month);
    snprintf(buf, size, "%04d-%02d", year, month);
}

double mdl_schedule_at(const mdl_schedule *s, double t)
{
    double v = s->before;
    for (size_t i = 0; i < s->n && s->from[i] <= t; i++)
        v = s->value[i];
    return v;
}

const mdl_version *mdl_version_at(const mdl_transition *tr, double t)
{
    const mdl_version *v = &tr->versions[0];
    for (size_t i = 1; i < tr->n_versions && tr->versions[i].from <= t; i++)
        v = &tr->versions[i];
    return v;
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

int mdl_staff_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_staff; i++)
        if (!strcmp(m->staff[i].name, name))
            return (int)i;
    return -1;
}

int mdl_funder_index(mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_funders; i++)
        if (!strcmp(m->funders[i], name))
            return (int)i;
    return -1;
}

int mdl_param_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_params; i++)
        if (!strcmp(m->params[i].name, name))
            return (int)i;
    return -1;
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

double mdl_capacity_at(const mdl_model *m, int r, double t)
{
    const mdl_resource *res = &m->resources[r];
    if (res->staff < 0)
        return mdl_schedule_at(&res->capacity, t);
    const mdl_staff *st = &m->staff[res->staff];
    return floor(mdl_schedule_at(&st->etp, t) * mdl_schedule_at(&st->caseload, t) + 1e-9);
}
