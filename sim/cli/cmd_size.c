/* cmd_size — `parcours size FILE`: the smallest capacity of a resource that meets a target,
 * or the cheapest capacities of several resources that meet several targets.
 *
 * One resource and one target: prints the capacity, the target's estimate there,
 * one place below and at the model's capacity, the Monte Carlo uncertainty of the
 * answer, and the yearly cost of each funder at that capacity with its change from
 * the model's (capacity_size).  Several resources (or a pattern), several targets,
 * or --cost: the cheapest capacities (joint_size), with the cost per funder and the
 * targets at the answer and at its cheaper neighbours.  --out writes the answer as a
 * scenario overlay. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "core/mdl.h"
#include "opt.h"
#include "study/calib.h"
#include "study/capacity.h"
#include "study/joint.h"
#include "study/target.h"

static const char size_usage[] =
    "usage: parcours size FILE --resource NAME... --target EXPR... [--cost euros|etp|places]\n"
    "                     [--funder F] [--from YYYY-MM] [--max N] [--out OVERLAY.ini]\n"
    "                     [--reps N] [--seed S] [--threads T] [--quiet]\n"
    "\n"
    "Finds the smallest capacity of resource NAME, constant from --from (default: the\n"
    "model's start), such that the target holds over the months from --from to the\n"
    "horizon, with the same seed and replications at every capacity (common random\n"
    "numbers).  Prints the capacity, the target's estimate there and one place below,\n"
    "and the yearly cost of each funder.  With several --resource (names or patterns\n"
    "such as 'iae_*'), several --target or --cost: the cheapest capacities that meet\n"
    "every target, in euros a year (what the model's costs charge for the places), ETP\n"
    "or places.  See docs/fit.md.\n"
    "\n"
    "  --resource NAME a resource, or a pattern ('iae_*', 'iae_*_drome'); repeatable\n"
    "  --target EXPR   STAT(SUBJECT) OP VALUE [in P%], repeatable, e.g.\n"
    "                    'p90(wait.iae_queue) <= 90d'      90th percentile of waits\n"
    "                    'mean(queue.iae_queue) <= 50'     monthly mean of any variable\n"
    "                    'share(wait.iae_queue > 3m) <= 10%'\n"
    "                    'p90(wait.iae_queue.all) <= 3m in 80%'  met in 80 % of the\n"
    "                                                      replications\n"
    "                  wait.Q: persons who queued; wait.Q.all: every request, those\n"
    "                  admitted at once counting as zero ('share(wait.Q.all > 0)')\n"
    "  --cost UNIT     what the cheapest capacities minimise: euros (default), etp, places\n"
    "  --funder F      with --cost euros: that funder's costs only (default: all)\n"
    "  --from YYYY-MM  the capacity holds from that month (default: the start)\n"
    "  --max N         largest capacity tried, of each resource (default 100000)\n"
    "  --out FILE.ini  write the capacities found as a scenario overlay (extends FILE)\n"
    "  --reps N        replications, 1 to 1000000 (default 20)\n"
    "  --seed S        seed, 0 to 4294967295 (default 1)\n"
    "  --threads T     threads, 0 to 1024 (default 0: all cores)\n"
    "  --quiet         no progress lines\n";

typedef struct {
    const char *file, **resources, **targets, *funder, *out;
    size_t n_resources, n_targets;
    int from[2], cost, cost_given;
    unsigned long max, reps, seed, threads;
    int quiet;
} size_args;

static int read_args(size_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_texts("resource", a->resources, &a->n_resources)),
                        opt_required(opt_texts("target", a->targets, &a->n_targets)),
                        opt_seen(opt_choice("cost", &a->cost, "euros|etp|places"), &a->cost_given),
                        opt_text("funder", &a->funder),
                        opt_out(&a->out),
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

static void print_estimate(const target_expr *g, const char *what, long capacity, double weight,
                           const target_estimate *e)
{
    double scale = g->stat == TARGET_SHARE ? 100.0 : 1.0;
    const char *unit = g->stat == TARGET_SHARE ? " %" : g->queue[0] ? " days" : "";
    printf("  %-20s %8ld places (%9.2f ETP): %s = %.4g%s (standard error %.2g), %s\n", what,
           capacity, (double)capacity * weight, g->statistic, e->value * scale, unit, e->se * scale,
           target_holds(g, e) ? "met" : "not met");
    if (g->confidence > 0)
        printf("  %-20s met in %.1f %% of the replications (standard error %.1f %%; wanted %.4g "
               "%%)\n",
               "", 100 * e->prob, 100 * e->prob_se, 100 * g->confidence);
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
    mdl_month_text(m, (int)(r->first), first, sizeof first);
    mdl_month_text(m, (int)(r->last), last, sizeof last);
    printf("%s: %ld places of %s (%.2f ETP) from %s meet %s\n", m->id, r->capacity, a->resources[0],
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

static void print_value(const target_expr *g, const joint_target_value *v)
{
    double scale = g->stat == TARGET_SHARE ? 100.0 : 1.0;
    const char *unit = g->stat == TARGET_SHARE ? " %" : g->queue[0] ? " days" : "";
    printf("%.4g%s (standard error %.2g)", v->est.value * scale, unit, v->est.se * scale);
    if (g->confidence > 0)
        printf(", met in %.1f %% of the replications (standard error %.1f %%)", 100 * v->est.prob,
               100 * v->est.prob_se);
    printf(", %s\n", v->met ? "met" : "not met");
}

static const char *const cost_units[] = {"euros a year", "ETP", "places"};

static void print_joint(const mdl_model *m, const size_args *a, const target_expr *g,
                        const joint_result *r)
{
    char first[16], last[16];
    mdl_month_text(m, (int)(r->first), first, sizeof first);
    mdl_month_text(m, (int)(r->last), last, sizeof last);
    printf("%s: the cheapest capacities from %s that meet %zu target%s (cost: %s%s%s)\n", m->id,
           first, r->n_targets, r->n_targets > 1 ? "s" : "", cost_units[a->cost],
           a->cost == JOINT_EUROS && a->funder ? ", funder " : "",
           a->cost == JOINT_EUROS && a->funder ? a->funder : "");
    printf("measured over %s to %s; %lu replications, seed %lu, the same at every point; %zu "
           "runs\n\n",
           first, last, a->reps, a->seed, r->runs);
    printf("%-12s %-52s %8s %8s %9s %9s %12s\n", "resource", "label", "places", "found", "ETP",
           "found", "EUR/place/y");
    double etp_now = 0, etp_found = 0;
    for (size_t i = 0; i < r->n; i++) {
        double w = r->etp_weight[i];
        printf("%-12s %-52.52s %8ld %8ld %9.2f %9.2f %12.0f\n", r->resources[i], r->labels[i],
               r->current.capacity[i], r->answer.capacity[i], w * (double)r->current.capacity[i],
               w * (double)r->answer.capacity[i], r->unit_cost[i]);
        etp_now += w * (double)r->current.capacity[i];
        etp_found += w * (double)r->answer.capacity[i];
    }
    printf("%-12s %-52s %8s %8s %9.2f %9.2f\n", "", "total", "", "", etp_now, etp_found);
    printf("\ncost of the places, euros a year from %s (mean [90 %% interval] over the "
           "replications), and the change from the model's capacities:\n",
           first);
    for (size_t f = 0; f <= r->n_funders; f++) {
        if (f < r->n_funders && r->answer.fund_mean[f] == 0 && r->current.fund_mean[f] == 0)
            continue;
        printf("  %-14s %14.0f [%.0f, %.0f]  %+14.0f\n", f < r->n_funders ? r->funders[f] : "total",
               r->answer.fund_mean[f], r->answer.fund_p05[f], r->answer.fund_p95[f],
               r->answer.fund_mean[f] - r->current.fund_mean[f]);
    }
    printf("each funder's whole spending, euros a year (allocations and co-financing included):\n");
    for (size_t f = 0; f < r->n_funders; f++)
        printf("  %-14s %14.0f [%.0f, %.0f]  %+14.0f\n", r->funders[f], r->answer.total_mean[f],
               r->answer.total_p05[f], r->answer.total_p95[f],
               r->answer.total_mean[f] - r->current.total_mean[f]);
    for (size_t t = 0; t < r->n_targets; t++) {
        printf("\ntarget %s\n  %-34s ", g[t].text, "at the capacities found:");
        print_value(&g[t], &r->answer.target[t]);
        for (size_t i = 0; i < r->n; i++) {
            if (!r->below[i].capacity)
                continue;
            char what[200];
            snprintf(what, sizeof what, "one place less of %s (%ld):", r->resources[i],
                     r->below[i].capacity[i]);
            printf("  %-34s ", what);
            print_value(&g[t], &r->below[i].target[t]);
        }
        printf("  %-34s ", "at the model's capacities:");
        print_value(&g[t], &r->current.target[t]);
    }
    if (g[0].stat == TARGET_QUANTILE || g[0].stat == TARGET_SHARE)
        printf("(percentiles and shares from the distribution of the waits that ended in those "
               "months, by day)\n");
}

static void show_joint(void *ctx, const joint_step *step)
{
    (void)ctx;
    char buf[400];
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < step->n && used + 20 < sizeof buf; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%ld", i ? " " : "",
                                 step->capacity[i]);
    cli_log("size: run %zu: places %s: cost %.6g, %s", step->runs, buf, step->cost,
            step->met ? "met" : "not met");
}

/* The label of an overlay and the comment at its top. */
static void overlay_text(const mdl_model *m, const size_args *a, char *label, size_t lsize,
                         char *comment, size_t csize)
{
    snprintf(label, lsize, "%s (dimensionné)", m->label ? m->label : m->id);
    size_t used = (size_t)snprintf(comment, csize,
                                   "Sized with `parcours size` (docs/fit.md), %lu replications, "
                                   "seed %lu; targets:",
                                   a->reps, a->seed);
    for (size_t t = 0; t < a->n_targets && used < csize; t++)
        used += (size_t)snprintf(comment + used, csize - used, "\n  %s", a->targets[t]);
}

static int run_joint(cli_ctx *cli, const mdl_model *m, const size_args *a, const target_expr *g)
{
    joint_options opt = {
        .n_resources = a->n_resources,
        .resources = a->resources,
        .n_targets = a->n_targets,
        .targets = g,
        .unit = (joint_unit)a->cost,
        .funder = a->funder,
        .from_year = a->from[0],
        .from_month = a->from[1],
        .max = (long)a->max,
        .sim = {.reps = a->reps, .seed = (uint32_t)a->seed, .threads = (int)a->threads},
        .progress = cli_progress_wanted(a->quiet) ? show_joint : NULL};
    joint_result *r = NULL;
    pc_err err;
    int rc = a->out ? calib_check_overlay(m, a->out, &err) : PC_OK;
    if (!rc)
        rc = joint_size(m, &opt, &r, &err);
    if (!rc && a->out) {
        char label[400], comment[2000];
        overlay_text(m, a, label, sizeof label, comment, sizeof comment);
        cli_hold(cli);
        rc = joint_write_overlay(m, a->file, a->out, label, comment, r->from_year, r->from_month,
                                 r->n, r->resources, r->answer.capacity, &err);
        cli_release(cli);
    }
    if (rc) {
        cli_fail(&err, rc);
    } else {
        print_joint(m, a, g, r);
        if (a->out)
            printf("\nscenario written: %s\n", a->out);
        rc = cli_flush(PC_OK);
    }
    joint_result_free(r);
    return rc;
}

int cmd_size(cli_ctx *cli, int argc, char **argv)
{
    size_args a = {.max = 100000, .reps = 20, .seed = 1};
    a.resources = pc_calloc((size_t)argc, sizeof *a.resources);
    a.targets = pc_calloc((size_t)argc, sizeof *a.targets);
    target_expr *g = pc_calloc((size_t)argc, sizeof *g);
    if (!a.resources || !a.targets || !g) {
        free(a.resources);
        free(a.targets);
        free(g);
        cli_log("parcours size: out of memory");
        return PC_EENV;
    }
    int rc = read_args(&a, argc, argv);
    if (rc) {
        free(a.resources);
        free(a.targets);
        free(g);
        return rc == OPT_HELP ? PC_OK : rc;
    }
    mdl_model *m = NULL;
    capacity_size_result *r = NULL;
    pc_err err;
    rc = mdl_load(a.file, &m, &err);
    for (size_t t = 0; t < a.n_targets && !rc; t++)
        rc = target_parse(m, a.targets[t], &g[t], &err);
    if (!rc && a.funder && a.cost != JOINT_EUROS)
        rc = pc_fail(&err, PC_EINPUT, "--funder: only with --cost euros");
    /* one resource (a name, not a pattern), one target: the smallest capacity */
    int single = !rc && a.n_resources == 1 && a.n_targets == 1 && !a.cost_given &&
                 mdl_resource_index(m, a.resources[0]) >= 0;
    if (rc) {
        cli_fail(&err, rc);
    } else if (!single) {
        rc = run_joint(cli, m, &a, g);
    } else {
        capacity_size_options opt = {
            .resource = a.resources[0],
            .from_year = a.from[0],
            .from_month = a.from[1],
            .max = (long)a.max,
            .sim = {.reps = a.reps, .seed = (uint32_t)a.seed, .threads = (int)a.threads},
            .progress = cli_progress_wanted(a.quiet) ? show_step : NULL,
            .progress_ctx = g};
        rc = a.out ? calib_check_overlay(m, a.out, &err) : PC_OK;
        if (!rc)
            rc = capacity_size(m, g, &opt, &r, &err);
        if (!rc && a.out) {
            char label[400], comment[2000];
            overlay_text(m, &a, label, sizeof label, comment, sizeof comment);
            int y, mo;
            mdl_month_of(m, (int)r->first, &y, &mo);
            char *names[1] = {(char *)(uintptr_t)a.resources[0]};
            cli_hold(cli);
            rc = joint_write_overlay(m, a.file, a.out, label, comment, y, mo, 1, names,
                                     &r->capacity, &err);
            cli_release(cli);
        }
        if (rc) {
            cli_fail(&err, rc);
        } else {
            print_sizing(m, &a, g, r);
            if (a.out)
                printf("\nscenario written: %s\n", a.out);
            rc = cli_flush(PC_OK);
        }
    }
    capacity_size_result_free(r);
    mdl_free(m);
    free(a.resources);
    free(a.targets);
    free(g);
    return rc;
}
