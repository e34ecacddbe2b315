/* simplex — Nelder-Mead by asking and telling (see simplex.h). */
#include "simplex.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

typedef enum { PH_INIT, PH_REFLECT, PH_EXPAND, PH_CONTRACT, PH_SHRINK, PH_DONE } phase;

struct simplex {
    size_t n, max_iter, iterations;
    double tol, size;
    double *x;        /* (n + 1) vertices of n coordinates */
    double *f;        /* their values */
    double *centroid; /* of every vertex but the worst */
    double *trial;    /* the point asked */
    double *kept;     /* the reflected point, while an expansion or contraction is tried */
    double f_kept;
    size_t k;     /* PH_INIT, PH_SHRINK: the vertex being evaluated */
    size_t worst; /* the vertex being replaced */
    int inside;   /* PH_CONTRACT: an inside contraction (towards the worst) */
    int converged;
    phase ph;
};

static double *vertex(const simplex *s, size_t i)
{
    return s->x + i * s->n;
}

simplex *simplex_alloc(size_t n, const double *start, double step, double tol, size_t max_iter)
{
    simplex *s = pc_calloc(1, sizeof *s);
    if (!s || n == 0)
        goto fail;
    s->n = n;
    s->tol = tol;
    s->max_iter = max_iter;
    s->x = pc_calloc((n + 1) * n, sizeof *s->x);
    s->f = pc_calloc(n + 1, sizeof *s->f);
    s->centroid = pc_calloc(n, sizeof *s->centroid);
    s->trial = pc_calloc(n, sizeof *s->trial);
    s->kept = pc_calloc(n, sizeof *s->kept);
    if (!s->x || !s->f || !s->centroid || !s->trial || !s->kept)
        goto fail;
    for (size_t i = 0; i <= n; i++) {
        memcpy(vertex(s, i), start, n * sizeof *start);
        if (i > 0)
            vertex(s, i)[i - 1] += step;
        s->f[i] = INFINITY;
    }
    s->ph = PH_INIT;
    s->k = 0;
    memcpy(s->trial, vertex(s, 0), n * sizeof *s->trial);
    s->size = INFINITY;
    return s;
fail:
    simplex_free(s);
    return NULL;
}

void simplex_free(simplex *s)
{
    if (!s)
        return;
    free(s->x);
    free(s->f);
    free(s->centroid);
    free(s->trial);
    free(s->kept);
    free(s);
}

const double *simplex_ask(const simplex *s)
{
    return s->trial;
}

int simplex_done(const simplex *s)
{
    return s->ph == PH_DONE;
}

int simplex_converged(const simplex *s)
{
    return s->converged;
}

size_t simplex_iterations(const simplex *s)
{
    return s->iterations;
}

double simplex_size(const simplex *s)
{
    return s->size;
}

static size_t best_index(const simplex *s)
{
    size_t b = 0;
    for (size_t i = 1; i <= s->n; i++)
        if (s->f[i] < s->f[b])
            b = i;
    return b;
}

const double *simplex_best(const simplex *s)
{
    return vertex(s, best_index(s));
}

double simplex_best_value(const simplex *s)
{
    return s->f[best_index(s)];
}

/* The mean distance of the vertices from their centroid. */
static double measure(const simplex *s)
{
    size_t n = s->n;
    double total = 0;
    for (size_t i = 0; i <= n; i++) {
        double d2 = 0;
        for (size_t j = 0; j < n; j++) {
            double c = 0;
            for (size_t v = 0; v <= n; v++)
                c += vertex(s, v)[j];
            c /= (double)(n + 1);
            double d = vertex(s, i)[j] - c;
            d2 += d * d;
        }
        total += sqrt(d2);
    }
    return total / (double)(n + 1);
}

/* trial = centroid + a (from - centroid). */
static void along(simplex *s, const double *from, double a)
{
    for (size_t j = 0; j < s->n; j++)
        s->trial[j] = s->centroid[j] + a * (from[j] - s->centroid[j]);
}

/* Starts an iteration: the worst vertex is reflected through the centroid of the others. */
static void reflect(simplex *s)
{
    size_t n = s->n, w = 0;
    for (size_t i = 1; i <= n; i++)
        if (s->f[i] > s->f[w])
            w = i;
    s->worst = w;
    for (size_t j = 0; j < n; j++) {
        double c = 0;
        for (size_t i = 0; i <= n; i++)
            if (i != w)
                c += vertex(s, i)[j];
        s->centroid[j] = c / (double)n;
    }
    along(s, vertex(s, w), -1.0);
    s->ph = PH_REFLECT;
}

/* An accepted move: counts the iteration, and stops or starts the next. */
static void iterated(simplex *s)
{
    s->iterations++;
    s->size = measure(s);
    if (s->size < s->tol) {
        s->converged = 1;
        s->ph = PH_DONE;
    } else if (s->iterations >= s->max_iter) {
        s->ph = PH_DONE;
    } else {
        reflect(s);
    }
}

static void replace_worst(simplex *s, const double *x, double f)
{
    memcpy(vertex(s, s->worst), x, s->n * sizeof *x);
    s->f[s->worst] = f;
}

/* Shrinks every vertex towards the best and asks for the first moved one. */
static void shrink(simplex *s)
{
    size_t b = best_index(s);
    for (size_t i = 0; i <= s->n; i++) {
        if (i == b)
            continue;
        for (size_t j = 0; j < s->n; j++)
            vertex(s, i)[j] = vertex(s, b)[j] + 0.5 * (vertex(s, i)[j] - vertex(s, b)[j]);
        s->f[i] = INFINITY;
    }
    s->k = b == 0 ? 1 : 0;
    s->worst = b; /* the vertex left alone */
    memcpy(s->trial, vertex(s, s->k), s->n * sizeof *s->trial);
    s->ph = PH_SHRINK;
}

void simplex_tell(simplex *s, double value)
{
    size_t n = s->n;
    double f = isnan(value) ? INFINITY : value;
    switch (s->ph) {
    case PH_INIT:
    case PH_SHRINK:
        s->f[s->k] = f;
        s->k++;
        if (s->ph == PH_SHRINK && s->k == s->worst)
            s->k++;
        if (s->k <= n) {
            memcpy(s->trial, vertex(s, s->k), n * sizeof *s->trial);
        } else if (s->ph == PH_INIT) {
            s->size = measure(s);
            reflect(s);
        } else {
            iterated(s);
        }
        return;
    case PH_REFLECT: {
        double fb = INFINITY, fs = -INFINITY; /* best, and worst but one */
        for (size_t i = 0; i <= n; i++) {
            if (s->f[i] < fb)
                fb = s->f[i];
            if (i != s->worst && s->f[i] > fs)
                fs = s->f[i];
        }
        memcpy(s->kept, s->trial, n * sizeof *s->kept);
        s->f_kept = f;
        if (f < fb) {
            along(s, s->kept, 2.0);
            s->ph = PH_EXPAND;
        } else if (f < fs) {
            replace_worst(s, s->kept, f);
            iterated(s);
        } else {
            s->inside = !(f < s->f[s->worst]);
            along(s, s->inside ? vertex(s, s->worst) : s->kept, 0.5);
            s->ph = PH_CONTRACT;
        }
        return;
    }
    case PH_EXPAND:
        if (f < s->f_kept)
            replace_worst(s, s->trial, f);
        else
            replace_worst(s, s->kept, s->f_kept);
        iterated(s);
        return;
    case PH_CONTRACT:
        if (s->inside ? f < s->f[s->worst] : f <= s->f_kept) {
            replace_worst(s, s->trial, f);
            iterated(s);
        } else {
            shrink(s);
        }
        return;
    case PH_DONE:
        return;
    }
}
