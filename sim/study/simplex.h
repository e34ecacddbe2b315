/* simplex — a Nelder-Mead simplex that asks for points and is told their values.
 *
 * GSL's minimisers call the objective themselves, one point after the other.  A
 * calibration of independent territories (départements that share no person and no
 * place) runs one simplex per territory in lock step: each asks for one point, one
 * simulation of the whole model evaluates every territory's point at once (a
 * territory's targets depend only on its own keys), and each is told its value.
 *
 * The moves are the standard ones (reflection 1, expansion 2, contraction 1/2,
 * shrink 1/2 towards the best vertex); the first simplex is the start and the start
 * moved by step along each axis.  The size is the mean distance of the vertices from
 * their centroid (as GSL's nmsimplex2 measures it); the simplex stops when it falls
 * below tol after an iteration, or after max_iter iterations.  An iteration is one
 * accepted move (a reflection, expansion, contraction or shrink). */
#ifndef PARCOURS_SIMPLEX_H
#define PARCOURS_SIMPLEX_H

#include <stddef.h>

typedef struct simplex simplex;

/* A simplex of dimension n (>= 1) from start, with step along each axis; NULL on out of
 * memory. */
simplex *simplex_alloc(size_t n, const double *start, double step, double tol, size_t max_iter);
void simplex_free(simplex *s);

/* The point whose value is wanted next (n numbers, valid until simplex_tell). */
const double *simplex_ask(const simplex *s);

/* The value at the point asked (NaN counts as +infinity). */
void simplex_tell(simplex *s, double value);

/* 1 once the simplex has stopped (converged or max_iter iterations). */
int simplex_done(const simplex *s);
int simplex_converged(const simplex *s);
size_t simplex_iterations(const simplex *s);
double simplex_size(const simplex *s);

/* The best vertex so far and its value. */
const double *simplex_best(const simplex *s);
double simplex_best_value(const simplex *s);

#endif
