/* fixtures — what several test suites build on: a model loaded from text, Erlang's C
 * formula, two départements sharing an IAE envelope. */
#ifndef PARCOURS_FIXTURES_H
#define PARCOURS_FIXTURES_H

#include <stddef.h>

#include "check.h"
#include "core/mdl.h"

/* The model of text, written to tmpdir/name and loaded; NULL (and a failed check naming
 * the file and the message) when it does not load. */
mdl_model *tc_load_model(tc_ctx *t, const char *name, const char *text);

/* Erlang's C formula: the probability that an arrival waits in an M/M/c queue with c
 * servers and offered load a = lambda / mu < c. */
double tc_erlang_c(int servers, double load);

/* Two départements a and b: demand_a and demand_b requests a month, 6-month contracts,
 * prescriptions lapsing after 6 months, resources iae_a and iae_b ("Département a", "b")
 * of 50 places at 0.5 ETP each, 10,000 EUR a year per funded ETP from the État. */
void tc_two_departements(char *buf, size_t size, int demand_a, int demand_b);

#endif
