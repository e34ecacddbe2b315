/* territory — the départements of a multi-territory run: which variables belong to
 * which, and which of them the report keeps.
 *
 * A population names its département with `territory = CODE` (docs/format.md):
 * the national model's d01 ... d976, the Auvergne-Rhône-Alpes models' rsa_ain,
 * iae_ain.  A département's variables are those whose name holds its token: the
 * name of its population without the prefix that all the territorial populations
 * of the model share, cut after an '_' (rsa_ain, rsa_haute_loire: "ain",
 * "haute_loire"; d01, d26: "d01", "d26"), as a whole part of the variable's name
 * (after its start, '.' or '_', before its end, '.' or '_'); where several
 * tokens fit, the longest wins (stock.rsa_haute_loire is Haute-Loire's, not
 * Loire's).  A report tabulates every département (its population's stock and
 * the indicators NAME_TOKEN) and charts only those asked for (--focus 26,05). */
#ifndef PARCOURS_TERRITORY_H
#define PARCOURS_TERRITORY_H
#include <stddef.h>

#include "core/err.h"
#include "rundir.h"

typedef struct {
    char code[4];     /* "26", "2A", "971" */
    char *population; /* its first population in the model's order */
    char *token;      /* what its variables' names hold */
    char *label;      /* the population's label up to " — " (the département's name) */
} territory;

typedef struct {
    size_t n;
    territory *t; /* in the model's order of their first population */
} territory_map;

/* The départements of a run, from its manifest ([population P] territory = CODE):
 * none when there is no manifest or no such key.  PC_OK or PC_EENV. */
int territory_map_read(territory_map *map, const rundir *r, pc_err *err);
void territory_map_free(territory_map *map);

/* The département variable name belongs to (an index into map->t), or -1. */
int territory_of(const territory_map *map, const char *name);

/* The département whose code is code (any case), or -1. */
int territory_find(const territory_map *map, const char *code);

/* Whether name is indicator.FAMILY_TOKEN of département i: returns the length of
 * FAMILY (after "indicator."), else 0. */
size_t territory_indicator_family(const territory_map *map, size_t i, const char *name);

/* The rundir filter of a report: the départements charted (codes, any case). */
typedef struct {
    const char *const *codes;
    size_t n;
    territory_map map; /* filled by territory_setup, freed by territory_map_free */
} territory_focus;

/* rundir_filter hooks (ctx: a territory_focus).  territory_setup reads the run's
 * départements; territory_keep keeps what belongs to no département, what belongs
 * to one of the focus, and of the others only their population's stock and their
 * indicators (the table's columns).  A run of one département keeps everything. */
int territory_setup(const rundir *r, void *ctx, pc_err *err);
int territory_keep(const char *name, void *ctx);

/* Whether name belongs to no département or to one of the focus: what a summary
 * shows (ctx: a territory_focus). */
int territory_summary(const char *name, void *ctx);
#endif
