/* cmd_size — `parcours size FILE`: the smallest capacity of a resource that meets a target.
 *
 * Prints the capacity, the target's estimate there, one place below and at the
 * model's capacity, the Monte Carlo uncertainty of the answer, and the yearly
 * cost of each funder at that capacity with its change from the model's. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "core/mdl.h"
#include "opt.h"
#include "study/capacity.h"
#include "study/target.h"

static const char size_usage[] =
    "usage: parcours size FILE --resource NAME --target EXPR [--from YYYY-MM] [--max N]\n"
    "                     [--reps N] [--seed S] [--threads T] [--quiet]\n"
    "\n"
    "Finds the smallest capacity of resource NAME, constant from --from (default: the\n"
    "model's start), such that the target holds over the months from --from to the\n"
    "horizon, with the same seed and replications at every capacity (common random\n"
    "numbers).  Prints the capacity, the target's estimate there and one place below,\n"
    "and the yearly cost of each funder.  See docs/fit.md.\n"
    "\n"
    "  --target EXPR   STAT(SUBJECT) OP VALUE, e.g.\n"
    "                    'p90(wait.iae_queue) <= 90d'      90th percentile of waits\n"
    "                    'mean(queue.iae_queue) <= 50'     monthly mean of any variable\n"
    "                    'share(wait.iae_queue > 3m) <= 10%'\n"
    "                  wait.Q: persons who queued; wait.Q.all: every request, those\n"
    "                  admitted at once counting as zero ('share(wait.Q.all > 0)')\n"
    "  --from YYYY-MM  the capacity holds from that month (default: the start)\n"
    "  --max N         largest capacity tried (default 100000)\n"
    "  --reps N        replications, 1 to 1000000 (default 20)\n"
    "  --seed S        seed, 0 to 4294967295 (default 1)\n"
    "  --threads T     threads, 0 to 1024 (default 0: all cores)\n"
    "  --quiet         no progress lines\n";

typedef struct {
    const char *file, *resource, *target;
    int from[2];
    unsigned long max, reps, seed, threads;
    int quiet;
} size_args;

static int read_args(size_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_text("resource", &a->resource)),
                        opt_required(opt_text("target", &a->target)),
                        opt_month("from", a->from),
                        opt_uint("max", &a->max, 0, LONG_MAX / 4),
                        opt_reps(&a->reps),
                        opt_seed(&a->seed),
                        opt_threads(&a->threads),
                        opt_quiet(&a->quiet)};
    size_t n_files = 0;
    opt_command cmd = {.name = "size",
                       .usage = size_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = &a->file,
                       .n_args = &n_files,
                       .min_args = 1,
                       .max_args = 1,
                       .args_missing = "FILE is required"};
    return opt_parse(&cmd, argc, argv);
}

static void month_text(const mdl_model *m, size_t k, char *buf, size_t size)
{
    int y, mo;
    mdl_month_of(m, (int)k, &y, &mo);
    snprintf(buf, size, "%04d-%02d", y, mo);
}

static void print_estimate(const target_expr *g, const char *what, long capacity, double weight,
                           const target_estimate *e)
{
    double scale = g->stat == TARGET_SHARE ? 100.0 : 1.0;
    const char *unit = g->stat == TARGET_SHARE ? " %" : g->queue[0] ? " days" : "";
    printf("  %-20s %8ld places (%9.2f ETP): %s = %.4g%s (standard error %.2g), %s\n", what,
           capacity, (double)capacity * weight, g->statistic, e->value * scale, unit, e->se * scale,
           target_met(g, e->value) ? "met" : "not met");
}

static void print_costs(const capacity_size_result *r)
{
    if (r->n_funders == 0) {
        printf("\nthe model has no costs\n");
        return;
    }
    printf("\nyearly cost by funder (euros, mean over replications) at %ld places, and the "
           "change from %ld places:\n",
           r->capacity, r->current);
    printf("%-6s", "year");
    for (size_t f = 0; f < r->n_funders; f++)
        printf(" %16s %14s", r->funders[f], "change");
    putchar('\n');
    for (size_t y = 0; y < r->n_years; y++) {
        printf("%-6d", r->years[y]);
        for (size_t f = 0; f < r->n_funders; f++) {
            double at = r->cost_at[y * r->n_funders + f];
            double now = r->cost_actual[y * r->n_funders + f];
            printf(" %16.0f %+14.0f", at, at - now);
        }
        putchar('\n');
    }
}

static void print_sizing(const mdl_model *m, const size_args *a, const target_expr *g,
                         const capacity_size_result *r)
{
    char first[16], last[16];
    month_text(m, r->first, first, sizeof first);
    month_text(m, r->last, last, sizeof last);
    printf("%s: %ld places of %s (%.2f ETP) from %s meet %s\n", m->id, r->capacity, a->resource,
           (double)r->capacity * r->etp_weight, first, g->text);
    printf("measured over %s to %s; %lu replications, seed %lu, the same at every capacity; "
           "%zu runs\n",
           first, last, a->reps, a->seed, r->runs);
    print_estimate(g, "at the capacity", r->capacity, r->etp_weight, &r->at);
    if (r->capacity > 0)
        print_estimate(g, "one place below", r->capacity - 1, r->etp_weight, &r->below);
    print_estimate(g, "the model's capacity", r->current, r->etp_weight, &r->actual);
    if (g->stat == TARGET_QUANTILE || g->stat == TARGET_SHARE)
        printf("  (from the distribution of the waits that ended in those months, by day)\n");
    if (isfinite(r->capacity_se))
        printf("  Monte Carlo uncertainty of the capacity: about %.2g places (the standard error "
               "over the change per place)\n",
               r->capacity_se);
    if (r->non_monotone)
        printf("  warning: the target was not monotone in the capacity over the capacities "
               "tried; the result is the edge the bisection found\n");
    print_costs(r);
}

static void show_step(void *ctx, const capacity_size_step *step)
{
    const target_expr *g = ctx;
    cli_log("size: capacity %ld: %s = %.4g (%s)", step->capacity, g->subject, step->estimate.value,
            step->met ? "met" : "not met");
}

int cmd_size(cli_ctx *cli, int argc, char **argv)
{
    size_args a = {.max = 100000, .reps = 20, .seed = 1};
    (void)cli; /* size writes no file */
    int rc = read_args(&a, argc, argv);
    if (rc)
        return rc == OPT_HELP ? PC_OK : rc;
    target_expr g;
    capacity_size_options opt = {
        .resource = a.resource,
        .from_year = a.from[0],
        .from_month = a.from[1],
        .max = (long)a.max,
        .sim = {.reps = a.reps, .seed = (uint32_t)a.seed, .threads = (int)a.threads},
        .progress = cli_progress_wanted(a.quiet) ? show_step : NULL,
        .progress_ctx = &g};
    mdl_model *m = NULL;
    capacity_size_result *r = NULL;
    pc_err err;
    if ((rc = mdl_load(a.file, &m, &err)) || (rc = target_parse(m, a.target, &g, &err)) ||
        (rc = capacity_size(m, &g, &opt, &r, &err))) {
        cli_fail(&err, rc);
    } else {
        print_sizing(m, &a, &g, r);
        rc = cli_flush(PC_OK);
    }
    capacity_size_result_free(r);
    mdl_free(m);
    return rc;
}
