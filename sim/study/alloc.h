/* alloc — capacity planning: the smallest capacity that meets a target, and the
 * distribution of an ETP envelope across resources that least makes people wait.
 *
 * Every evaluation runs the model again with some keys set (runs_with) and the
 * same seed and replications (common random numbers), so a statistic
 * measured at two capacities differs by the effect of the capacity, not by
 * sampling: searches over capacities are monotone in practice and their result
 * does not jump from one run to the next.  Capacities are held constant from a
 * date: `resource.R.capacity` when the date is the model's start (the warm-up,
 * if any, runs with it too), `set.YYYY-MM.resource.R.capacity` otherwise.
 * Targets are measured over the months from that date to the horizon.
 *
 * Waits.  The engine records, per queue state Q and month, the waits that ended
 * (admission or departure): their number, total in days, and how many lasted
 * over 3 months.  `wait.Q` is that population (persons who queued); `wait.Q.all`
 * adds a zero wait for every person admitted at once (every request for the
 * resource), so `share(wait.Q.all > 0)` is the probability of waiting.  Means and
 * the share over 3 months are exact; other shares and percentiles come from a
 * survival curve fitted to the mean and the share over 3 months (see
 * alloc_wait_survival), exact at 3 months. */
#ifndef PARCOURS_ALLOC_H
#define PARCOURS_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/mc.h"
#include "core/mdl.h"

/* How every evaluation runs: the same for all of them. */
typedef struct {
    size_t reps;
    uint32_t seed;
    int threads;               /* 0: OpenMP's default */
    int progress;              /* one line per evaluation on stderr when it is a terminal */
    int wait_histogram;        /* record the exact distribution of waits ... */
    double wait_from, wait_to; /* ... ending in [from, to), days (mc_options) */
} alloc_sim;

/* ---- targets ------------------------------------------------------------------------ */

typedef enum {
    ALLOC_MEAN,     /* mean(V): monthly mean over the period and replications */
    ALLOC_QUANTILE, /* pNN(wait.Q): NNth percentile of individual waits */
    ALLOC_SHARE,    /* share(wait.Q > D): share of waits longer than D */
} alloc_stat;

typedef enum { ALLOC_LE, ALLOC_LT, ALLOC_GE, ALLOC_GT } alloc_op;

/* A target "STAT(SUBJECT) OP BOUND", e.g. "p90(wait.iae_queue) <= 90d",
 * "mean(queue.iae_queue) <= 50", "share(wait.iae_queue > 3m) <= 10%". */
typedef struct {
    alloc_stat stat;
    double level;      /* ALLOC_QUANTILE: the probability (0.9); ALLOC_SHARE: D in days */
    char subject[200]; /* a variable of the run, or wait.Q, or wait.Q.all */
    char queue[200];   /* the queue state Q when the subject is a wait, else "" */
    int all_requests;  /* wait.Q.all */
    alloc_op op;
    double bound;        /* days for a wait, a fraction for a share, else the variable's unit */
    char statistic[300]; /* the text up to ')': "p90(wait.iae_queue)" */
    char text[300];
} alloc_goal;

/* Parses text against model m: an unknown variable or queue, a percentile or share of
 * something other than a wait, or a malformed expression is PC_EINPUT naming it. */
int alloc_goal_parse(const mdl_model *m, const char *text, alloc_goal *out, pc_err *err);

/* An estimate and its Monte Carlo standard error (spread of the per-replication
 * statistics over the square root of the number of replications). */
typedef struct {
    double value, se;
} alloc_estimate;

/* The goal's statistic over months first..last (indices, inclusive) of a run,
 * pooled over the replications.  A period with no wait at all gives 0. */
int alloc_goal_measure(const alloc_goal *g, const mc_result *r, size_t first, size_t last,
                       alloc_estimate *out, pc_err *err);

/* Whether value satisfies the goal. */
int alloc_goal_met(const alloc_goal *g, double value);

/* The fitted survival of waits of persons who queued: P(W > t), t in days, given
 * their mean (days) and the share over 3 months.  Piecewise exponential: a
 * constant hazard up to 3 months that gives the observed share there exactly,
 * then a constant hazard that gives the observed mean.  When nobody waited over 3
 * months, an exponential of that mean cut at 3 months; when the mean is too short
 * for the share, the first hazard goes on past 3 months. */
double alloc_wait_survival(double mean, double share3m, double t);

/* The p-quantile (0 < p < 1) of the same curve, in days. */
double alloc_wait_quantile(double mean, double share3m, double p);

/* ---- sizing ------------------------------------------------------------------------ */

typedef struct {
    const char *resource;
    int from_year, from_month; /* 0, 0: the model's start */
    long max;                  /* largest capacity tried */
    alloc_sim sim;
} alloc_size_options;

typedef struct {
    long capacity;         /* smallest capacity meeting the goal */
    long current;          /* the model's capacity at the date */
    alloc_estimate at;     /* the statistic at capacity */
    alloc_estimate below;  /* at capacity - 1 (when capacity > 0) */
    alloc_estimate actual; /* at the current capacity */
    double capacity_se;    /* the estimate's standard error over its change per place at the
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
} alloc_size_result;

/* The smallest capacity from opt->from of resource opt->resource such that g holds
 * over the period, by galloping from the current capacity then bisection.
 * PC_EINPUT if the goal does not hold at opt->max (err says so, with the value
 * reached) or the resource is unknown. */
int alloc_size(const mdl_model *m, const alloc_goal *g, const alloc_size_options *opt,
               alloc_size_result **out, pc_err *err);

void alloc_size_result_free(alloc_size_result *r);

/* ---- allocation ---------------------------------------------------------------------- */

typedef enum {
    ALLOC_WAITING,  /* person-days waited in the queues */
    ALLOC_UNSERVED, /* requests that left the queue without a place (gave up, left) */
} alloc_objective;

typedef struct {
    const char *prefix; /* every resource whose name starts with it */
    alloc_objective objective;
    double envelope;    /* ETP to distribute (places x etp.weight) */
    double min_share;   /* each resource keeps at least this share of its current places */
    double step;        /* ETP per greedy step at first; 0: automatic (see alloc_allocate) */
    const char *funder; /* whose unit-year costs on the resources are reported */
    int from_year, from_month;
    alloc_sim sim;
} alloc_options;

typedef struct {
    char *resource;
    double etp_weight;
    long current, floor, allocated; /* places */
    double wait_before, wait_after; /* mean wait per request (zero when admitted at once), days */
    double days_before, days_after; /* person-days waited a year */
    double unserved_before, unserved_after; /* requests leaving the queue unserved, a year */
    double cost_before, cost_after; /* the funder's unit-year costs on the resource, euros a year */
} alloc_line;

typedef struct {
    size_t n;
    alloc_line *lines;
    int separable;       /* resources in independent populations (see alloc_allocate) */
    double first_step;   /* ETP of the first greedy steps */
    double idle;         /* ETP that reduced no wait, spread in proportion to current ETP */
    double unused;       /* ETP of the envelope left over (less than one place) */
    size_t runs;         /* model runs made */
    size_t first, last;  /* the months measured */
    double total_before; /* person-days waited a year, all resources */
    double total_after;
    double unserved_before; /* requests leaving the queues unserved a year, all resources */
    double unserved_after;
} alloc_result;

/* Distributes opt->envelope ETP across the resources named opt->prefix* to
 * minimise the person-days waited in their queues over the period (or, with
 * ALLOC_UNSERVED, the requests that leave a queue without a place).
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
int alloc_allocate(const mdl_model *m, const alloc_options *opt, alloc_result **out, pc_err *err);

void alloc_result_free(alloc_result *r);

#endif
