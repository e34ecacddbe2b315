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
    double min_share; /* each group keeps at least this share of its current places */
    double max_share; /* ... and at most this share (0: no ceiling) */
    /* Every group's queues must meet it: a target whose subject is `wait` or `wait.all`
     * (`p90(wait.all) <= 90d`), read for each group as the waits pooled over the queues of
     * its resources (NULL: none). */
    const char *constraint;
    double step;        /* ETP per greedy step at first; 0: automatic (see capacity_share) */
    const char *funder; /* whose costs price the places with in_euros, and are reported apart */
    int from_year, from_month;
    mc_options sim; /* how every evaluation runs (reps, seed, threads) */
    /* Called after each run when not NULL (the search prints nothing). */
    void (*progress)(void *ctx, const capacity_share_step *step);
    void *progress_ctx;
} capacity_share_options;

/* The waits of a set of queues before and after: the mean wait per request (zero when
 * admitted at once, days) with its 90 % interval over the replications, the person-days
 * waited and the requests leaving unserved a year. */
typedef struct {
    double wait, wait_p05, wait_p95;
    double days, unserved;
} capacity_share_waits;

/* One resource of the allocation. */
typedef struct {
    char *resource;
    char *label; /* the resource's label (its name when it has none) */
    size_t group;
    double etp_weight;
    double mix;                         /* its share of its group's places */
    double price;                       /* the envelope's unit per place: ETP, or euros a year */
    long current, floor, allocated;     /* places */
    long ceiling;                       /* places (LONG_MAX: none) */
    long constraint_floor;              /* at its group's constraint floor (0: no constraint) */
    capacity_share_waits before, after; /* its own queues */
    double cost_before, cost_after;     /* opt->funder's unit-year costs on it, euros a year */
} capacity_share_line;

/* A group: the resources whose populations or queues are linked (a département's four
 * types of IAE posts), whose waits depend on the group's places only. */
typedef struct {
    char *label; /* its resource's label when alone, else its population's label */
    size_t n;    /* its resources */
    double etp_current, etp_floor, etp_allocated, etp_constraint; /* ETP */
    capacity_share_waits before, after;                           /* pooled over its queues */
    target_estimate constraint_before, constraint_after;          /* the constraint on its queues */
} capacity_share_group;

typedef struct {
    size_t n;
    capacity_share_line *lines; /* by group, in the model's order within a group */
    size_t n_groups;
    capacity_share_group *groups;
    /* Every funder's unit-year costs on the resources, euros a year: the mean over the
     * replications and its 90 % interval, before and after. */
    size_t n_funders;
    char **funders;
    double *funder_before, *funder_before_p05, *funder_before_p95; /* [funder] */
    double *funder_after, *funder_after_p05, *funder_after_p95;
    double *line_funder_before, *line_funder_after; /* [line][funder] */
    double first_step;      /* the envelope's unit, the first greedy steps */
    double idle;            /* the envelope that reduced no wait, spread as the current places */
    double unused;          /* left over (less than one place, or above the ceilings) */
    double floors;          /* the floors' cost, the envelope's unit */
    double constraint_cost; /* of which above --min-share to meet the constraint */
    size_t runs;            /* model runs made */
    size_t first, last;     /* the months measured */
    double total_before;    /* person-days waited a year, all queues */
    double total_after;
    double unserved_before; /* requests leaving the queues unserved a year, all queues */
    double unserved_after;
} capacity_share_result;

/* Distributes opt->envelope ETP (or euros) across the resources named opt->prefix* to
 * minimise the person-days waited in their queues over the period (or, with
 * CAPACITY_UNSERVED, the requests that leave a queue without a place).
 *
 * Groups.  Resources whose states share a population, a queue, or a resource outside
 * the prefix, or whose populations a transition links, form a group; the groups are
 * independent (a group's waits depend on its own places only), so one run with every
 * group moved gives each group's change at once.  Within a group the places keep the
 * group's current mix: a group at level L (places in all) gives each resource
 * round(L x its share of the group's current places), so that the types of a
 * département grow and shrink together ("more of the same").  A resource alone is a
 * group of one, its level its places.
 *
 * Each group starts at its floor (ceil(min_share x current places), raised with a
 * constraint to the fewest places meeting it); the rest goes in steps to the group whose
 * waiting falls most per unit of the envelope (greedy marginal allocation), then pairs
 * of groups exchange steps while that lowers the total; the step halves until it is
 * one place.  The first step is opt->step, or by default 1/32 of what is left after the
 * floors.  What would lower no wait is spread in proportion to the current places.
 *
 * The constraint's floors: one run moves every group at once; each group's level
 * doubles from its current places until the constraint holds on its queues, then is
 * bisected to one place.  PC_EINPUT when no resource has the prefix, a group's queue is
 * also the queue of a resource outside the prefix (the groups cannot be formed: its
 * waits depend on places the allocation does not move), a constraint floor is above a
 * ceiling, or the floors exceed the envelope (err gives what they cost). */
int capacity_share(const mdl_model *m, const capacity_share_options *opt,
                   capacity_share_result **out, pc_err *err);

void capacity_share_result_free(capacity_share_result *r);

/* Writes the sharing as CSV, one row per resource (name: its name without the first
 * prefix_len characters):
 *   resource,name,etp_weight,places_current,places_floor,places_allocated,etp_current,
 *   etp_allocated,wait_before_days,wait_after_days,waited_days_year_before,
 *   waited_days_year_after,unserved_year_before,unserved_year_after,cost_year_before,
 *   cost_year_after,label,price,places_ceiling,places_constraint,wait_before_p05,
 *   wait_before_p95,wait_after_p05,wait_after_p95,group,group_constraint_before,
 *   group_constraint_after
 * (price: the envelope's unit per place; places_ceiling empty when none;
 * places_constraint 0 without --constraint; group: the group's label; its constraint
 * statistic before and after, 0 without --constraint) */
int capacity_share_write(const char *path, const capacity_share_result *r, size_t prefix_len,
                         pc_err *err);

#endif
