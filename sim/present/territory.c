/* territory — the départements of a multi-territory run (see territory.h). */
#include "territory.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cfg.h"
#include "core/mdl.h"
#include "sbuf.h"

void territory_map_free(territory_map *map)
{
    for (size_t i = 0; i < map->n; i++) {
        free(map->t[i].population);
        free(map->t[i].token);
        free(map->t[i].label);
    }
    free(map->t);
    map->t = NULL;
    map->n = 0;
}

int territory_find(const territory_map *map, const char *code)
{
    for (size_t i = 0; i < map->n; i++)
        if (!strcasecmp(map->t[i].code, code))
            return (int)i;
    return -1;
}

/* The label of population section sec up to " — " (the département's name), or NULL. */
static char *place_name(const cfg_section *sec)
{
    const cfg_entry *e = cfg_get(sec, "label");
    if (!e)
        return NULL;
    const char *dash = strstr(e->value, " \xE2\x80\x94 ");
    return dash ? pc_strf("%.*s", (int)(dash - e->value), e->value) : pc_strdup(e->value);
}

int territory_map_read(territory_map *map, const rundir *r, pc_err *err)
{
    *map = (territory_map){0};
    const cfg_doc *doc = rundir_manifest(r);
    for (size_t s = 0; doc && s < doc->n; s++) {
        const cfg_section *sec = &doc->sections[s];
        const cfg_entry *e =
            strncmp(sec->name, "population ", 11) ? NULL : cfg_get(sec, "territory");
        char code[4];
        if (!e || !mdl_territory_code(e->value, code) || territory_find(map, code) >= 0)
            continue; /* a département's first population names it */
        territory *grown = realloc(map->t, (map->n + 1) * sizeof *grown);
        if (!grown)
            goto oom;
        map->t = grown;
        territory *t = &map->t[map->n++];
        *t = (territory){.population = pc_strdup(sec->name + 11), .label = place_name(sec)};
        memcpy(t->code, code, sizeof code);
        if (!t->population)
            goto oom;
    }
    /* the prefix all their populations share, cut after its last '_' */
    size_t common = map->n ? strlen(map->t[0].population) : 0;
    for (size_t i = 1; i < map->n; i++) {
        size_t k = 0;
        while (k < common && map->t[i].population[k] == map->t[0].population[k])
            k++;
        common = k;
    }
    while (common > 0 && map->t[0].population[common - 1] != '_')
        common--;
    for (size_t i = 0; i < map->n; i++) {
        const char *p = map->t[i].population;
        if (!(map->t[i].token = pc_strdup(p[common] ? p + common : p)))
            goto oom;
    }
    return PC_OK;
oom:
    territory_map_free(map);
    return pc_fail(err, PC_EENV, "out of memory");
}

static int boundary(char c)
{
    return c == '\0' || c == '.' || c == '_';
}

/* Whether token is a whole part of name. */
static int holds(const char *name, const char *token, size_t len)
{
    for (const char *p = strstr(name, token); p; p = strstr(p + 1, token))
        if ((p == name || p[-1] == '.' || p[-1] == '_') && boundary(p[len]))
            return 1;
    return 0;
}

int territory_of(const territory_map *map, const char *name)
{
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < map->n; i++) {
        size_t len = strlen(map->t[i].token);
        if (len > best_len && holds(name, map->t[i].token, len)) {
            best = (int)i;
            best_len = len;
        }
    }
    return best;
}

size_t territory_indicator_family(const territory_map *map, size_t i, const char *name)
{
    if (i >= map->n || strncmp(name, "indicator.", 10))
        return 0;
    const char *v = name + 10, *token = map->t[i].token;
    size_t n = strlen(v), len = strlen(token);
    if (strchr(v, '.') || n < len + 2 || v[n - len - 1] != '_' || strcmp(v + n - len, token) ||
        territory_of(map, name) != (int)i)
        return 0;
    return n - len - 1;
}

int territory_setup(const rundir *r, void *ctx, pc_err *err)
{
    territory_focus *focus = ctx;
    territory_map_free(&focus->map);
    return territory_map_read(&focus->map, r, err);
}

int territory_keep(const char *name, void *ctx)
{
    const territory_focus *focus = ctx;
    int i = focus->map.n >= 2 ? territory_of(&focus->map, name) : -1;
    if (i < 0 || territory_summary(name, ctx))
        return 1;
    const territory *t = &focus->map.t[i];
    /* the table's columns */
    if (!strncmp(name, "stock.", 6) && !strcmp(name + 6, t->population))
        return 1;
    return territory_indicator_family(&focus->map, (size_t)i, name) > 0;
}

int territory_summary(const char *name, void *ctx)
{
    const territory_focus *focus = ctx;
    int i = focus->map.n >= 2 ? territory_of(&focus->map, name) : -1; /* one: all is its */
    if (i < 0)
        return 1;
    for (size_t k = 0; k < focus->n; k++)
        if (!strcasecmp(focus->codes[k], focus->map.t[i].code))
            return 1;
    return 0;
}
