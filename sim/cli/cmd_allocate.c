/* cmd_allocate — `parcours allocate FILE`: an ETP envelope shared across resources.
 *
 * Prints, per resource, the current and allocated ETP, the mean wait before and
 * after and the funder's costs, then the totals; --out also writes the table as
 * CSV (capacity_share_write). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "core/mdl.h"
#include "opt.h"
#include "study/capacity.h"

static const char allocate_usage[] =
    "usage: parcours allocate FILE --resource-prefix P --envelope ETP [--min-share X]\n"
    "                         [--objective waiting|unserved] [--step ETP] [--funder F]\n"
    "                         [--from YYYY-MM] [--out CSV]\n"
    "                         [--reps N] [--seed S] [--threads T] [--quiet]\n"
    "\n"
    "Distributes an envelope of ETP across the resources named P* (one per département:\n"
    "iae_ain, iae_drome, ...) to minimise the person-days waited in their queues (or the\n"
    "requests left unserved) from --from to the horizon: greedy marginal steps then\n"
    "exchanges between resources, with the same seed and replications at every run.\n"
    "Prints, per resource, the current and allocated ETP, the mean wait before and after,\n"
    "and funder F's costs.  See docs/fit.md.\n"
    "\n"
    "  --resource-prefix P  the resources to allocate (their etp.weight converts places)\n"
    "  --envelope ETP       ETP to distribute (places x etp.weight, summed)\n"
    "  --min-share X        each resource keeps at least X of its current places (0 to 1,\n"
    "                       default 0)\n"
    "  --step ETP           first step (default: 1/32 of the envelope above the floors);\n"
    "                       it halves down to one place\n"
    "  --objective O        waiting (person-days waited, the default) or unserved\n"
    "                       (requests leaving a queue without a place: gave up, left)\n"
    "  --funder F           whose unit-year costs on the resources are shown (default etat)\n"
    "  --from YYYY-MM       the allocation holds from that month (default: the start)\n"
    "  --out CSV            also write the table as CSV\n"
    "  --reps N             replications, 1 to 1000000 (default 20)\n"
    "  --seed S             seed, 0 to 4294967295 (default 1)\n"
    "  --threads T          threads, 0 to 1024 (default 0: all cores)\n"
    "  --quiet              no progress lines\n";

typedef struct {
    const char *file, *prefix, *funder, *out;
    double envelope, min_share, step;
    int objective, from[2], quiet;
    unsigned long reps, seed, threads;
} allocate_args;

static int read_args(allocate_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_text("resource-prefix", &a->prefix)),
                        opt_required(opt_real("envelope", &a->envelope, 0, INFINITY, 0)),
                        opt_real("min-share", &a->min_share, 0, 1, 0),
                        opt_real("step", &a->step, 0, INFINITY, 1),
                        opt_choice("objective", &a->objective, "waiting|unserved"),
                        opt_text("funder", &a->funder),
                        opt_month("from", a->from),
                        opt_out(&a->out),
                        opt_reps(&a->reps),
                        opt_seed(&a->seed),
                        opt_threads(&a->threads),
                        opt_quiet(&a->quiet)};
    size_t n_files = 0;
    opt_command cmd = {.name = "allocate",
                       .usage = allocate_usage,
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

static void print_header(const mdl_model *m, const allocate_args *a, const capacity_share_result *r)
{
    char first[16], last[16];
    month_text(m, r->first, first, sizeof first);
    month_text(m, r->last, last, sizeof last);
    printf("%s: %.2f ETP across %zu resources %s* from %s to minimise the %s (floors: %.0f %% "
           "of the current places)\n",
           m->id, a->envelope, r->n, a->prefix, first,
           a->objective == CAPACITY_UNSERVED ? "requests left unserved" : "person-days waited",
           100 * a->min_share);
    printf("waiting measured over %s to %s; %lu replications, seed %lu, the same at every run; "
           "%zu runs; first step %.3g ETP, halved down to one place; %s\n\n",
           first, last, a->reps, a->seed, r->runs, r->first_step,
           r->separable ? "independent populations: one run gives every marginal gain"
                        : "resources share populations: one run per candidate step");
}

static void print_lines(const allocate_args *a, const capacity_share_result *r)
{
    size_t pl = strlen(a->prefix);
    printf("%-18s %10s %10s %9s %12s %12s %14s %14s\n", "name", "ETP now", "ETP alloc", "change",
           "wait before", "wait after", "cost before", "cost after");
    printf("%-18s %10s %10s %9s %12s %12s %14s %14s\n", "", "", "", "", "(days)", "(days)",
           a->funder, a->funder);
    double now = 0, alloc = 0, cost_before = 0, cost_after = 0;
    for (size_t i = 0; i < r->n; i++) {
        const capacity_share_line *l = &r->lines[i];
        double e0 = (double)l->current * l->etp_weight, e1 = (double)l->allocated * l->etp_weight;
        printf("%-18s %10.2f %10.2f %+9.2f %12.1f %12.1f %14.0f %14.0f\n", l->resource + pl, e0, e1,
               e1 - e0, l->wait_before, l->wait_after, l->cost_before, l->cost_after);
        now += e0;
        alloc += e1;
        cost_before += l->cost_before;
        cost_after += l->cost_after;
    }
    printf("%-18s %10.2f %10.2f %+9.2f %12s %12s %14.0f %14.0f\n", "total", now, alloc, alloc - now,
           "", "", cost_before, cost_after);
}

static void print_totals(const allocate_args *a, const capacity_share_result *r)
{
    printf("\nperson-days waited a year: %.0f before, %.0f after", r->total_before, r->total_after);
    if (r->total_before > 0)
        printf(" (%+.1f %%)", 100 * (r->total_after - r->total_before) / r->total_before);
    printf("\nrequests leaving a queue without a place, a year: %.0f before, %.0f after",
           r->unserved_before, r->unserved_after);
    printf("\nwait: mean per request (those admitted at once count 0 days); costs: euros a "
           "year, unit-year costs of %s on each resource\n",
           a->funder);
    if (r->idle > 0)
        printf("%.2f ETP lowered no wait and were spread in proportion to the current ETP\n",
               r->idle);
    if (r->unused > 1e-6)
        printf("%.2f ETP of the envelope left (less than one place)\n", r->unused);
}

static void show_step(void *ctx, const capacity_share_step *step)
{
    (void)ctx;
    cli_log("allocate: run %zu: %.6g person-days waited a year", step->runs, step->waiting);
}

int cmd_allocate(cli_ctx *cli, int argc, char **argv)
{
    allocate_args a = {.funder = "etat", .reps = 20, .seed = 1};
    int rc = read_args(&a, argc, argv);
    if (rc)
        return rc == OPT_HELP ? PC_OK : rc;
    capacity_share_options opt = {
        .prefix = a.prefix,
        .objective = a.objective == 1 ? CAPACITY_UNSERVED : CAPACITY_WAITING,
        .envelope = a.envelope,
        .min_share = a.min_share,
        .step = a.step,
        .funder = a.funder,
        .from_year = a.from[0],
        .from_month = a.from[1],
        .sim = {.reps = a.reps, .seed = (uint32_t)a.seed, .threads = (int)a.threads},
        .progress = cli_progress_wanted(a.quiet) ? show_step : NULL};
    mdl_model *m = NULL;
    capacity_share_result *r = NULL;
    pc_err err;
    if ((rc = mdl_load(a.file, &m, &err)) || (rc = capacity_share(m, &opt, &r, &err))) {
        cli_fail(&err, rc);
        goto done;
    }
    print_header(m, &a, r);
    print_lines(&a, r);
    print_totals(&a, r);
    if (a.out) {
        cli_hold(cli);
        rc = capacity_share_write(a.out, r, strlen(a.prefix), &err);
        cli_release(cli);
        if (rc)
            cli_fail(&err, rc);
        else
            printf("wrote %s\n", a.out);
    }
    rc = cli_flush(rc);
done:
    capacity_share_result_free(r);
    mdl_free(m);
    return rc;
}
