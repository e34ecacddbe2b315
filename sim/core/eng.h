/* eng — one replication: a discrete-event simulation of persons through the states.
 *
 * Continuous time in days; an indexed binary heap holds each person's next
 * transition; person records are pooled and reused so memory follows the
 * persons present.  Every random draw comes from a Philox stream keyed by
 * (seed, replication, population, person serial, purpose), so that two
 * scenarios run with one seed share their random numbers person by person.
 * A workspace is allocated once per thread and reused for every replication;
 * eng_run allocates only when the persons present outgrow the pool. */
#ifndef PARCOURS_ENG_H
#define PARCOURS_ENG_H

#include <stdint.h>

#include "err.h"
#include "mdl.h"
#include "rec.h"

typedef struct eng_workspace eng_workspace;

eng_workspace *eng_alloc(const mdl_model *m);
void eng_free(eng_workspace *w);

/* Runs replication `replication` of the model with `seed`, filling raw (cleared
 * first).  PC_OK, or PC_EINTERNAL on out of memory. */
int eng_run(eng_workspace *w, uint32_t seed, uint32_t replication, rec_raw *raw, pc_err *err);

#endif
