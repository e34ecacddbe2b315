/* capacity — the smallest capacity that meets a target, and an ETP envelope shared
 * across resources so that people wait least.
 *
 * Every evaluation runs the model again with some capacities set (runs_with) and
 * the same seed and replications (common random numbers), so a statistic
 * measured at two capacities differs by the effect of the capacity, not by
 * sampling: searches over capacities are monotone in practice and their result
 * does not jump from one run to the next.  Capacities are held constant from a
 * date: `resource.R.capacity` when the date is the model's start (the warm-up,
 * if any, runs with it too), `set.YYYY-MM.resource.R.capacity` otherwise.
 * Targets (target.h) are measured over the months from that date to the horizon;
 * sizing keeps the exact distribution of the waits ending in those months. */
#ifndef PARCOURS_CAPACITY_H
#define PARCOURS_CAPACITY_H

#include <stddef.h>

#include "core/err.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "target.h"

/* ---- sizing ------------------------------------------------------------------------ */

/* A capacity tried (capacity_size_options.progress). */
typedef struct {
    size_t runs;              /* model runs made so far */
    long capacity;            /* the capacity just tried */
    target_estimate estimate; /* the target's statistic there */
    int met;                  /* the target holds there */
} capacity_size_step;

typedef struct {
    const char *resource;
    int from_year, from_month; /* 0, 0: the model's start */
    long max;                  /* largest capacity tried */
    mc_options sim;            /* how every evaluation runs (reps, seed, threads) */
    /* Called after each capacity tried when not NULL (the search prints nothing). */
    void (*progress)(void *ctx, const capacity_size_step *step);
    void *progress_ctx;
} capacity_size_options;

typedef struct {
    long capacity;          /* smallest capacity meeting the target */
    long current;           /* the model's capacity at the date */
    target_estimate at;     /* the statistic at capacity */
    target_estimate below;  /* at capacity - 1 (when capacity > 0) */
    target_estimate actual; /* at the current capacity */
    double capacity_se;     /* the estimate's standard error over its change per place at the
                             * answer: the Monte Carlo uncertainty of the capacity (NaN if flat) */
    double etp_weight;
    size_t first, last; /* the months measured */
    size_t runs;        /* model runs made */
    int non_monotone;   /* a larger capacity was seen failing where a smaller one met it */
    /* Yearly cost by funder (mean over replications, euros) at capacity and at the
     * current capacity, for the years from the date on. */
    size_t n_years, n_funders;
    int *years;
    char **funders;
    double *cost_at, *cost_actual; /* [year][funder] */
} capacity_size_result;

/* The smallest capacity from opt->from of resource opt->resource such that g holds
 * over the period, by galloping from the current capacity then bisection.
 * PC_EINPUT if the target does not hold at opt->max (err says so, with the value
 * reached) or the resource is unknown. */
int capacity_size(const mdl_model *m, const target_expr *g, const capacity_size_options *opt,
                  capacity_size_result **out, pc_err *err);

void capacity_size_result_free(capacity_size_result *r);

/* ---- sharing an envelope ----------------------------------------------------------------------
 */

/* A run of the search (capacity_share_options.progress). */
typedef struct {
    size_t runs;     /* model runs made so far */
    double waiting;  /* person-days waited a year in the queues, this run */
    double unserved; /* requests leaving the queues unserved a year, this run */
} capacity_share_step;

typedef enum {
    CAPACITY_WAITING,  /* person-days waited in the queues */
    CAPACITY_UNSERVED, /* requests that left the queue without a place (gave up, left) */
} capacity_objective;

typedef struct {
    const char *prefix; /* every resource whose name starts with it */
    capacity_objective objective;
    double envelope;  /* ETP to distribute (places x etp.weight), or euros with in_euros */
    int in_euros;     /* the envelope is in euros a year of funder's costs on the places */
    double min_share; /* each resource keeps at least this share of its current places */
    double max_share; /* ... and at most this share (0: no ceiling) */
    /* Every resource's queue must meet it: a target whose subject is `wait` or `wait.all`
     * (`p90(wait.all) <= 90d`), read for each resource as its queue's (NULL: none). */
    const char *constraint;
    double step;        /* ETP per greedy step at first; 0: automatic (see capacity_share) */
    const char *funder; /* whose unit-year costs on the resources are reported */
    int from_year, from_month;
    mc_options sim; /* how every evaluation runs (reps, seed, threads) */
    /* Called after each run when not NULL (the search prints nothing). */
    void (*progress)(void *ctx, const capacity_share_step *step);
    void *progress_ctx;
} capacity_share_options;

typedef struct {
    char *resource;
    char *label; /* the resource's label (its name when it has none) */
    double etp_weight;
    double price;                   /* the envelope's unit per place: ETP, or euros a year */
    long current, floor, allocated; /* places */
    long ceiling;                   /* places (LONG_MAX: none) */
    long constraint_floor;          /* the fewest places meeting the constraint (0: none) */
    double wait_before_p05, wait_before_p95; /* 90 % interval of the mean wait over the */
    double wait_after_p05, wait_after_p95;   /* replications, days */
    target_estimate constraint_before, constraint_after; /* the constraint's statistic */
    double wait_before, wait_after; /* mean wait per request (zero when admitted at once), days */
    double days_before, days_after; /* person-days waited a year */
    double unserved_before, unserved_after; /* requests leaving the queue unserved, a year */
    double cost_before, cost_after; /* the funder's unit-year costs on the resource, euros a year */
} capacity_share_line;

typedef struct {
    size_t n;
    capacity_share_line *lines;
    int separable;       /* resources in independent populations (see capacity_share) */
    double first_step;   /* ETP of the first greedy steps */
    double idle;         /* ETP that reduced no wait, spread in proportion to current ETP */
    double unused;       /* ETP of the envelope left over (less than one place) */
    size_t runs;         /* model runs made */
    size_t first, last;  /* the months measured */
    double total_before; /* person-days waited a year, all resources */
    double total_after;
    double unserved_before; /* requests leaving the queues unserved a year, all resources */
    double unserved_after;
} capacity_share_result;

/* Distributes opt->envelope ETP across the resources named opt->prefix* to
 * minimise the person-days waited in their queues over the period (or, with
 * CAPACITY_UNSERVED, the requests that leave a queue without a place).
 *
 * When waits are cut short (a prescription lapsing after 6 months), the waiting
 * of a resource whose demand far exceeds its places hardly moves with a few places
 * more or less: minimising waiting then sends places where a queue can be cleared,
 * and the unserved requests are the objective that rewards serving more people.
 *
 * Each resource starts at its floor (ceil(min_share x current places)); the rest
 * goes in steps to the resource whose waiting falls most per ETP (greedy marginal
 * allocation), then pairs of resources exchange steps while that lowers the total;
 * the step halves until it is one place.  The first step is opt->step ETP, or by
 * default 1/32 of what is left after the floors (at least one place).  When the
 * resources belong to distinct populations that share nothing (separable), one run
 * with every resource one step up gives every marginal gain at once; otherwise
 * each candidate is a run of its own and pairs are not exchanged.  ETP that would
 * lower no wait are spread in proportion to the current ETP.  PC_EINPUT when no
 * resource has the prefix, or the floors exceed the envelope. */
int capacity_share(const mdl_model *m, const capacity_share_options *opt,
                   capacity_share_result **out, pc_err *err);

/* With opt->constraint: how each resource's constraint floor was found.  When the
 * resources are separable, one run moves all of them at once: capacities double from
 * the current ones (or one place) until each meets its constraint, then each is
 * bisected to the fewest places that meet it.  PC_EINPUT when a constraint floor is
 * above a ceiling, or the floors cost more than the envelope (err gives what they
 * cost), or the resources are not separable. */

void capacity_share_result_free(capacity_share_result *r);

/* Writes the sharing as CSV, one row per resource (name: its name without the first
 * prefix_len characters):
 *   resource,name,etp_weight,places_current,places_floor,places_allocated,etp_current,
 *   etp_allocated,wait_before_days,wait_after_days,waited_days_year_before,
 *   waited_days_year_after,unserved_year_before,unserved_year_after,cost_year_before,
 *   cost_year_after,label,price,places_ceiling,places_constraint,wait_before_p05,
 *   wait_before_p95,wait_after_p05,wait_after_p95,constraint_before,constraint_after
 * (price: the envelope's unit per place; places_ceiling empty when none;
 * places_constraint and constraint_*, its statistic, 0 without --constraint) */
int capacity_share_write(const char *path, const capacity_share_result *r, size_t prefix_len,
                         pc_err *err);

#endif
