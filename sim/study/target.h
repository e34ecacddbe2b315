/* target — targets on a run ("p90(wait.iae_queue) <= 90d") and the statistics of waits.
 *
 * A target is "STAT(SUBJECT) OP BOUND [in P%]": the monthly mean of any variable
 * (`mean(queue.iae_queue) <= 50`), a percentile of individual waits
 * (`p90(wait.iae_queue) <= 90d`) or the share of waits over a duration
 * (`share(wait.iae_queue > 3m) <= 10%`).  target_measure gives its statistic
 * over a period of a run, pooled over the replications, with a Monte Carlo
 * standard error (the spread of the per-replication statistics over the square
 * root of their number).  With `in 80%` the target asks for confidence: the
 * statistic of each replication (one possible future) must meet the bound in at
 * least 80 % of them.
 *
 * Waits.  The engine records, per queue state Q and month, the waits that ended
 * (admission or departure): their number, total in days, and how many lasted
 * over 3 months.  `wait.Q` is that population (persons who queued); `wait.Q.all`
 * adds a zero wait for every person admitted at once (every request for the
 * resource), so `share(wait.Q.all > 0)` is the probability of waiting.  Means and
 * the share over 3 months are exact.  Other shares and percentiles are exact to
 * the day when the run kept each replication's histogram of waits
 * (mc_options.wait_histogram, over the period measured: sizing asks for it);
 * without it they come from a survival curve fitted to the mean and the share
 * over 3 months (target_wait_survival), exact at 3 months.
 *
 * Sums of waits over a period (target_waits) are public for the studies that
 * weigh queues against each other (capacity.h). */
#ifndef PARCOURS_TARGET_H
#define PARCOURS_TARGET_H

#include <stddef.h>

#include "core/err.h"
#include "core/mc.h"
#include "core/mdl.h"

typedef enum {
    TARGET_MEAN,     /* mean(V): monthly mean over the period and replications */
    TARGET_QUANTILE, /* pNN(wait.Q): NNth percentile of individual waits */
    TARGET_SHARE,    /* share(wait.Q > D): share of waits longer than D */
} target_stat;

typedef enum { TARGET_LE, TARGET_LT, TARGET_GE, TARGET_GT } target_op;

/* A parsed target. */
typedef struct {
    target_stat stat;
    double level;      /* TARGET_QUANTILE: the probability (0.9); TARGET_SHARE: D in days */
    char subject[200]; /* a variable of the run, or wait.Q, or wait.Q.all */
    char queue[200];   /* the queue state Q when the subject is a wait, else "" */
    int all_requests;  /* wait.Q.all */
    target_op op;
    double bound;        /* days for a wait, a fraction for a share, else the variable's unit */
    double confidence;   /* `... in 80%`: met in at least this share of the replications
                          * (0 < confidence < 1); 0: the pooled statistic must meet the bound */
    char statistic[300]; /* the text up to ')': "p90(wait.iae_queue)" */
    char text[300];
} target_expr;

/* Parses text against model m: an unknown variable or queue, a percentile or share of
 * something other than a wait, or a malformed expression is PC_EINPUT naming it. */
int target_parse(const mdl_model *m, const char *text, target_expr *out, pc_err *err);

/* An estimate and its Monte Carlo standard error; for a target with a confidence,
 * also the share of replications whose own statistic meets the bound and its
 * standard error sqrt(p (1 - p) / n) (NaN otherwise). */
typedef struct {
    double value, se;
    double prob, prob_se;
    double at_confidence; /* the replications' statistic that a share `confidence` of them
                           * meet (an order statistic): the target holds when it meets the
                           * bound.  A smooth measure of how far the target is (NaN without
                           * a confidence). */
} target_estimate;

/* The target's statistic over months first..last (indices, inclusive) of a run,
 * pooled over the replications.  A period with no wait at all gives 0. */
int target_measure(const target_expr *t, const mc_result *r, size_t first, size_t last,
                   target_estimate *out, pc_err *err);

/* The same for a target on waits, pooled over several queue states: every wait ended in
 * any of them (and, for wait.Q.all, every request admitted at once by their states) is one
 * observation; the queue named in the target only served to parse it.  With one queue it
 * is target_measure.  A target on another variable ignores the queues. */
int target_measure_queues(const target_expr *g, const mc_result *r, const char *const *queues,
                          size_t n_queues, size_t first, size_t last, target_estimate *out,
                          pc_err *err);

/* Whether value satisfies the target's bound. */
int target_met(const target_expr *t, double value);

/* Whether an estimate meets the target: its value meets the bound, or, for a target
 * with a confidence, the share of replications meeting it is at least the confidence. */
int target_holds(const target_expr *t, const target_estimate *e);

/* The fitted survival of waits of persons who queued: P(W > t), t in days, given
 * their mean (days) and the share over 3 months.  Piecewise exponential: a
 * constant hazard up to 3 months that gives the observed share there exactly,
 * then a constant hazard that gives the observed mean.  When nobody waited over 3
 * months, an exponential of that mean cut at 3 months; when the mean is too short
 * for the share, the first hazard goes on past 3 months. */
double target_wait_survival(double mean, double share3m, double t);

/* The p-quantile (0 < p < 1) of the same curve, in days. */
double target_wait_quantile(double mean, double share3m, double p);

/* ---- sums over a period ------------------------------------------------------------ */

/* Waits of a queue ended in a period: how many, their total and how many lasted over
 * 3 months (days), and the requests admitted at once (direct). */
typedef struct {
    double count, total, over, direct;
} target_waits;

/* Where a run keeps the waits of one queue state: its variables' indices. */
typedef struct {
    long count, total, over;
    size_t n_in, n_admitted;
    long in[64], admitted[64]; /* entries into the states waiting there; their resources' */
} target_queue;

/* The variables of queue state `queue` in run r.  PC_OK, or PC_EINPUT when it is
 * not a queue state of the model (or more than 64 states wait in it). */
int target_queue_of(const mc_result *r, const char *queue, target_queue *q, pc_err *err);

/* Adds the waits of q ended in months first..last of replication rep to w. */
void target_waits_add(const mc_result *r, size_t rep, const target_queue *q, size_t first,
                      size_t last, target_waits *w);

/* Sum of variable var over months first..last of replication rep. */
double target_period_sum(const mc_result *r, size_t rep, size_t var, size_t first, size_t last);

#endif
