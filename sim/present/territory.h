/* territory — the départements of a national run: which variables the report keeps.
 *
 * The national model (models/france/rsa.ini) has one population per
 * département, named d01 ... d976 (d2a, d2b for Corsica), and its variables
 * carry that name: stock.d26, stock.d26_orientation, cost.allocation_d26,
 * indicator.oriente_2_mois_d26.  A report charts only the départements asked
 * for (--focus 26,05) and tabulates every département's stock and indicators;
 * territory_keep is the rundir filter that keeps exactly that. */
#ifndef PARCOURS_TERRITORY_H
#define PARCOURS_TERRITORY_H
#include <stddef.h>

/* The département code a variable names ("26" of "stock.d26_orientation", "2a" of
 * "cost.allocation_d2a"): a 'd' at the start of the name or after '.' or '_', then
 * two or three digits or 2a/2b, then the end, '.' or '_'.  Returns the code and its
 * length in *len, or NULL when the variable names no département. */
const char *territory_code(const char *name, size_t *len);

/* The départements a report charts. */
typedef struct {
    const char *const *codes; /* "26", "05", "2A": case does not matter */
    size_t n;
} territory_focus;

/* A rundir filter (ctx: a territory_focus): keeps what names no département, what
 * names a département of the focus, and of the others only stock.dXX and the
 * indicators indicator.NAME_dXX the table shows. */
int territory_keep(const char *name, void *ctx);

/* Whether population name is a département's (d26): its code, else NULL. */
const char *territory_population(const char *name, size_t *len);
#endif
