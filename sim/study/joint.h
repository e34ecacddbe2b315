/* joint — the cheapest capacities of several resources that meet several targets.
 *
 * `parcours size` with several resources (a list, a pattern such as `iae_*` or
 * `iae_*_drome`) or several targets looks for the capacities, constant from a
 * date, that meet every target at the least cost: euros a year (what the model's
 * costs charge for the capacities: `per = unit-year` costs on the resources that
 * pay for funded places, all funders or one), ETP, or places.
 *
 * Every evaluation is a run with the same seed and replications (common random
 * numbers) of a model resolved once with the capacities as parameters (runs.h).
 * The search is greedy with verification, on steps that halve down to one place:
 * while a target fails, the step of the resource that lowers the targets' shortfall
 * most per euro is taken; then, while one step less of a resource still meets every
 * target, the one that saves most is removed, and (with up to JOINT_EXCHANGE_MAX
 * resources) a step of one resource is exchanged for the same cost or less of
 * another when that meets the targets.  At one place, every resource one place
 * below the answer fails a target (the nearest cheaper neighbours, reported).
 * A target that no step lowers any more is reported with the resources that share
 * its queue and are not sized: the reason it cannot be met. */
#ifndef PARCOURS_JOINT_H
#define PARCOURS_JOINT_H

#include <stddef.h>

#include "core/err.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "target.h"

#define JOINT_EXCHANGE_MAX 8

typedef enum { JOINT_EUROS, JOINT_ETP, JOINT_PLACES } joint_unit;

/* A point tried (joint_options.progress). */
typedef struct {
    size_t runs;          /* model runs made so far */
    size_t n;             /* resources */
    const long *capacity; /* the capacities just tried */
    double cost;          /* their cost, in the options' unit, a year */
    int met;              /* every target holds there */
} joint_step;

typedef struct {
    size_t n_resources;
    const char *const *resources; /* names or shell patterns (fnmatch): iae_*, iae_*_drome */
    size_t n_targets;
    const target_expr *targets;
    joint_unit unit;
    const char *funder;        /* JOINT_EUROS: that funder's costs only (NULL: all funders) */
    int from_year, from_month; /* 0, 0: the model's start */
    long max;                  /* largest capacity of each resource */
    mc_options sim;
    void (*progress)(void *ctx, const joint_step *step);
    void *progress_ctx;
} joint_options;

/* One target at a point. */
typedef struct {
    target_estimate est;
    int met;
} joint_target_value;

/* A point: capacities and what they give. */
typedef struct {
    long *capacity;             /* [resource] */
    joint_target_value *target; /* [target] */
    int met;                    /* every target */
    double cost;                /* in the options' unit, a year */
    /* per funder, a year over the period: the capacities' cost (mean and 90 % interval
     * over the replications) and the funder's whole spending (funder.F, mean and interval) */
    double *fund_mean, *fund_p05, *fund_p95;
    double *total_mean, *total_p05, *total_p95;
} joint_point;

typedef struct {
    size_t n;            /* resources */
    char **resources;    /* their names */
    char **labels;       /* their labels (the name when none) */
    double *etp_weight;  /* ETP per place */
    double *unit_cost;   /* euros a year per place, all funders (capacity costs) */
    size_t n_funders;    /* the model's funders */
    char **funders;      /* their names */
    double *unit_funder; /* [resource][funder]: euros a year per place */
    size_t n_targets;
    joint_point current; /* at the model's capacities */
    joint_point answer;  /* the cheapest found that meets every target */
    joint_point *below;  /* [resource]: the answer with one place less of it (capacity 0: NULL
                          * capacity) */
    size_t first, last;  /* the months measured */
    int from_year, from_month;
    size_t runs;
} joint_result;

/* The cheapest capacities.  PC_EINPUT (err says why: the targets that cannot be
 * met, their values at the last point tried, the queue's resources that are not
 * sized) when no point within opt->max meets every target, or when a resource or
 * pattern matches nothing, or JOINT_EUROS finds no cost on a resource. */
int joint_size(const mdl_model *m, const joint_options *opt, joint_result **out, pc_err *err);

void joint_result_free(joint_result *r);

/* The resources of m matching a name or pattern, in the model's order, appended to
 * idx (at most m->n_resources, no duplicates); PC_EINPUT when none matches. */
int joint_match(const mdl_model *m, const char *pattern, int *idx, size_t *n, pc_err *err);

/* Resources whose states wait in queue state `queue` but are not among idx[0..n):
 * their names, comma separated, in buf ("" when none). */
void joint_unsized(const mdl_model *m, const char *queue, const int *idx, size_t n, char *buf,
                   size_t size);

/* Writes a scenario overlay (atomically): `[scenario]` with `extends` (or `model`
 * when base_path is a model file) relative to the overlay, the label, comment lines,
 * and a `[set YYYY-MM]` section setting resource.R.capacity for each resource.
 * PC_EINPUT when the overlay's folder does not exist or it is the base itself. */
int joint_write_overlay(const mdl_model *m, const char *base_path, const char *overlay_path,
                        const char *label, const char *comment, int year, int month, size_t n,
                        char *const *resources, const long *capacity, pc_err *err);

#endif
