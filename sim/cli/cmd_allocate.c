/* cmd_allocate — `parcours allocate FILE`: an envelope (ETP or euros) shared across resources.
 *
 * Prints, per resource (by its label), the current and allocated ETP, the mean wait
 * before and after with 90 % intervals, the constraint's statistic and the funder's
 * costs, then the totals; --seeds reruns the allocation with independent seeds and
 * prints its spread per resource; --out also writes the table as CSV
 * (capacity_share_write), --scenario the allocation as a scenario overlay. */
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

static const char allocate_usage[] =
    "usage: parcours allocate FILE --resource-prefix P --envelope N [--in etp|euros]\n"
    "                         [--min-share X] [--max-share X] [--constraint EXPR]\n"
    "                         [--objective waiting|unserved] [--step N] [--funder F]\n"
    "                         [--from YYYY-MM] [--out CSV] [--scenario FILE.ini]\n"
    "                         [--seeds K] [--reps N] [--seed S] [--threads T] [--quiet]\n"
    "\n"
    "Distributes an envelope of ETP across the resources named P* (one per département:\n"
    "iae_ain, iae_drome, ...) to minimise the person-days waited in their queues (or the\n"
    "requests left unserved) from --from to the horizon: greedy marginal steps then\n"
    "exchanges between resources, with the same seed and replications at every run.\n"
    "Prints, per resource, the current and allocated ETP, the mean wait before and after,\n"
    "and funder F's costs.  See docs/fit.md.\n"
    "\n"
    "  --resource-prefix P  the resources to allocate (their etp.weight converts places)\n"
    "  --envelope N         what to distribute: ETP (places x etp.weight, summed), or\n"
    "                       with --in euros, euros a year of funder F's costs on the places\n"
    "  --in etp|euros       the envelope's unit (default etp)\n"
    "  --min-share X        each resource keeps at least X of its current places (0 to 1,\n"
    "                       default 0)\n"
    "  --max-share X        ... and at most X times them (default: no ceiling)\n"
    "  --constraint EXPR    every resource's queue meets it, e.g. 'p90(wait.all) <= 90d'\n"
    "                       (no département above 90 days): its places are raised first\n"
    "  --step N             first step in the envelope's unit (default: 1/32 of the\n"
    "                       envelope above the floors); it halves down to one place\n"
    "  --objective O        waiting (person-days waited, the default) or unserved\n"
    "                       (requests leaving a queue without a place: gave up, left)\n"
    "  --funder F           whose unit-year costs on the resources are shown, and whose\n"
    "                       euros the envelope is with --in euros (default etat)\n"
    "  --from YYYY-MM       the allocation holds from that month (default: the start)\n"
    "  --out CSV            also write the table as CSV\n"
    "  --scenario FILE.ini  also write the allocation as a scenario overlay of FILE\n"
    "  --seeds K            rerun with K - 1 more independent seeds (S+1, ...) and show\n"
    "                       how far each resource's allocation moves (default 1)\n"
    "  --reps N             replications, 1 to 1000000 (default 20)\n"
    "  --seed S             seed, 0 to 4294967295 (default 1)\n"
    "  --threads T          threads, 0 to 1024 (default 0: all cores)\n"
    "  --quiet              no progress lines\n";

typedef struct {
    const char *file, *prefix, *funder, *out, *scenario, *constraint;
    double envelope, min_share, max_share, step;
    int objective, in, from[2], quiet;
    unsigned long reps, seed, threads, seeds;
} allocate_args;

static int read_args(allocate_args *a, int argc, char **argv)
{
    opt_spec specs[] = {opt_required(opt_text("resource-prefix", &a->prefix)),
                        opt_required(opt_real("envelope", &a->envelope, 0, INFINITY, 0)),
                        opt_choice("in", &a->in, "etp|euros"),
                        opt_real("min-share", &a->min_share, 0, 1, 0),
                        opt_real("max-share", &a->max_share, 0, INFINITY, 1),
                        opt_text("constraint", &a->constraint),
                        opt_text("scenario", &a->scenario),
                        opt_uint("seeds", &a->seeds, 1, 100),
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

static void print_header(const mdl_model *m, const allocate_args *a, const capacity_share_result *r)
{
    char first[16], last[16];
    mdl_month_text(m, (int)(r->first), first, sizeof first);
    mdl_month_text(m, (int)(r->last), last, sizeof last);
    printf("%s: %.2f %s across %zu resources %s* from %s to minimise the %s (floors: %.0f %% "
           "of the current places",
           m->id, a->envelope, a->in ? "euros a year" : "ETP", r->n, a->prefix, first,
           a->objective == CAPACITY_UNSERVED ? "requests left unserved" : "person-days waited",
           100 * a->min_share);
    if (a->max_share > 0)
        printf("; ceilings: %.0f %%", 100 * a->max_share);
    if (a->constraint)
        printf("; every queue: %s", a->constraint);
    printf(")\n");
    printf("waiting measured over %s to %s; %lu replications, seed %lu, the same at every run; "
           "%zu runs; first step %.4g %s, halved down to one place; %s\n\n",
           first, last, a->reps, a->seed, r->runs, r->first_step, a->in ? "euros" : "ETP",
           r->separable ? "independent populations: one run gives every marginal gain"
                        : "resources share populations: one run per candidate step");
}

/* Prints text padded to width characters (UTF-8 aware), cut if longer. */
static void print_padded(const char *text, int width)
{
    int n = 0;
    const char *p = text;
    for (; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80) {
            if (n == width)
                break;
            n++;
        }
        putchar(*p);
    }
    for (; n < width; n++)
        putchar(' ');
}

static void print_lines(const allocate_args *a, const capacity_share_result *r)
{
    print_padded("", 32);
    printf(" %9s %9s %8s  %-22s %-22s", "ETP now", "ETP alloc", "change", "wait before (days)",
           "wait after (days)");
    if (a->constraint)
        printf(" %-19s", "constraint");
    printf(" %13s %13s\n", "cost before", "cost after");
    print_padded("", 32);
    printf(" %9s %9s %8s  %-22s %-22s", "", "", "", "mean [90 % interval]", "mean [90 % interval]");
    if (a->constraint)
        printf(" %-19s", "before -> after");
    printf(" %13s %13s\n", a->funder, a->funder);
    double now = 0, alloc = 0, cost_before = 0, cost_after = 0;
    for (size_t i = 0; i < r->n; i++) {
        const capacity_share_line *l = &r->lines[i];
        double e0 = (double)l->current * l->etp_weight, e1 = (double)l->allocated * l->etp_weight;
        char before[64], after[64];
        snprintf(before, sizeof before, "%.1f [%.1f, %.1f]", l->wait_before, l->wait_before_p05,
                 l->wait_before_p95);
        snprintf(after, sizeof after, "%.1f [%.1f, %.1f]", l->wait_after, l->wait_after_p05,
                 l->wait_after_p95);
        print_padded(l->label, 32);
        printf(" %9.2f %9.2f %+8.2f  %-22s %-22s", e0, e1, e1 - e0, before, after);
        if (a->constraint) {
            char c[64];
            snprintf(c, sizeof c, "%.1f -> %.1f", l->constraint_before.value,
                     l->constraint_after.value);
            printf(" %-19s", c);
        }
        printf(" %13.0f %13.0f\n", l->cost_before, l->cost_after);
        now += e0;
        alloc += e1;
        cost_before += l->cost_before;
        cost_after += l->cost_after;
    }
    print_padded("total", 32);
    printf(" %9.2f %9.2f %+8.2f  %-22s %-22s", now, alloc, alloc - now, "", "");
    if (a->constraint)
        printf(" %-19s", "");
    printf(" %13.0f %13.0f\n", cost_before, cost_after);
}

static void print_totals(const allocate_args *a, const capacity_share_result *r)
{
    printf("\nperson-days waited a year: %.0f before, %.0f after", r->total_before, r->total_after);
    if (r->total_before > 0)
        printf(" (%+.1f %%)", 100 * (r->total_after - r->total_before) / r->total_before);
    printf("\nrequests leaving a queue without a place, a year: %.0f before, %.0f after",
           r->unserved_before, r->unserved_after);
    printf("\nwait: mean per request (those admitted at once count 0 days), its 90 %% interval "
           "over the replications; costs: euros a year, unit-year costs of %s on each resource\n",
           a->funder);
    if (a->constraint)
        printf("constraint %s, each queue: its statistic before and after; each resource's "
               "floor is at least the fewest places that meet it\n",
               a->constraint);
    if (r->idle > 0)
        printf("%.2f %s lowered no wait and were spread in proportion to the current ETP\n",
               r->idle, a->in ? "euros" : "ETP");
    if (r->unused > 1e-6)
        printf("%.2f %s of the envelope left (less than one place, or above the ceilings)\n",
               r->unused, a->in ? "euros" : "ETP");
}

static void show_step(void *ctx, const capacity_share_step *step)
{
    (void)ctx;
    cli_log("allocate: run %zu: %.6g person-days waited a year", step->runs, step->waiting);
}

/* Reruns with seeds seed+1 .. seed+K-1 and prints each resource's allocated ETP: the
 * first seed's, the mean, the standard deviation, the smallest and the largest, over
 * the seeds that could share the envelope; a seed whose floors exceed it (a constraint
 * needing more places with other random numbers) is reported, not fatal. */
static int stability(const mdl_model *m, const allocate_args *a, capacity_share_options opt,
                     const capacity_share_result *r, pc_err *err)
{
    size_t k = a->seeds, n = r->n;
    double *etp = pc_calloc(k * n, sizeof *etp);
    if (!etp)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t i = 0; i < n; i++)
        etp[i] = (double)r->lines[i].allocated * r->lines[i].etp_weight;
    int rc = PC_OK;
    size_t used = 1;
    for (size_t s = 1; s < k && !rc; s++) {
        capacity_share_result *o = NULL;
        opt.sim.seed = (uint32_t)(a->seed + s);
        rc = capacity_share(m, &opt, &o, err);
        if (rc == PC_EINPUT) { /* the same input held at the first seed: the sample moved */
            printf("\nseed %lu: %s\n", a->seed + s, err->msg);
            rc = PC_OK;
        } else if (!rc) {
            for (size_t i = 0; i < n; i++)
                etp[used * n + i] = (double)o->lines[i].allocated * o->lines[i].etp_weight;
            used++;
        }
        capacity_share_result_free(o);
    }
    k = used;
    if (!rc) {
        printf("\nstability: the allocation rerun with %zu independent seeds (%lu to %lu), ETP, "
               "over the %zu that could share the envelope:\n",
               (size_t)a->seeds, a->seed, a->seed + a->seeds - 1, k);
        print_padded("", 32);
        printf(" %9s %9s %8s %9s %9s\n", "first", "mean", "sd", "min", "max");
        for (size_t i = 0; i < n; i++) {
            double mean = 0, sd = 0, lo = INFINITY, hi = -INFINITY;
            for (size_t s = 0; s < k; s++) {
                double v = etp[s * n + i];
                mean += v / (double)k;
                lo = fmin(lo, v);
                hi = fmax(hi, v);
            }
            for (size_t s = 0; s < k && k > 1; s++)
                sd += (etp[s * n + i] - mean) * (etp[s * n + i] - mean) / (double)(k - 1);
            print_padded(r->lines[i].label, 32);
            printf(" %9.2f %9.2f %8.2f %9.2f %9.2f\n", etp[i], mean, sqrt(sd), lo, hi);
        }
    }
    free(etp);
    return rc;
}

int cmd_allocate(cli_ctx *cli, int argc, char **argv)
{
    allocate_args a = {.funder = "etat", .reps = 20, .seed = 1, .seeds = 1};
    int rc = read_args(&a, argc, argv);
    if (rc)
        return rc == OPT_HELP ? PC_OK : rc;
    capacity_share_options opt = {
        .prefix = a.prefix,
        .objective = a.objective == 1 ? CAPACITY_UNSERVED : CAPACITY_WAITING,
        .envelope = a.envelope,
        .in_euros = a.in == 1,
        .min_share = a.min_share,
        .max_share = a.max_share,
        .constraint = a.constraint,
        .step = a.step,
        .funder = a.funder,
        .from_year = a.from[0],
        .from_month = a.from[1],
        .sim = {.reps = a.reps, .seed = (uint32_t)a.seed, .threads = (int)a.threads},
        .progress = cli_progress_wanted(a.quiet) ? show_step : NULL};
    mdl_model *m = NULL;
    capacity_share_result *r = NULL;
    char **names = NULL;
    long *places = NULL;
    pc_err err;
    if ((rc = mdl_load(a.file, &m, &err)) ||
        (a.scenario && (rc = calib_check_overlay(m, a.scenario, &err))) ||
        (rc = capacity_share(m, &opt, &r, &err))) {
        cli_fail(&err, rc);
        goto done;
    }
    if (a.scenario) {
        names = pc_calloc(r->n, sizeof *names);
        places = pc_calloc(r->n, sizeof *places);
        if (!names || !places) {
            rc = pc_fail(&err, PC_EENV, "out of memory");
        } else {
            for (size_t i = 0; i < r->n; i++) {
                names[i] = r->lines[i].resource;
                places[i] = r->lines[i].allocated;
            }
            int y, mo;
            mdl_month_of(m, (int)r->first, &y, &mo);
            char label[400], comment[600];
            snprintf(label, sizeof label, "%s (enveloppe répartie)", m->label ? m->label : m->id);
            snprintf(comment, sizeof comment,
                     "Shared with `parcours allocate` (docs/fit.md): %.2f %s across %s*, %lu "
                     "replications, seed %lu%s%s",
                     a.envelope, a.in ? "euros a year" : "ETP", a.prefix, a.reps, a.seed,
                     a.constraint ? "; every queue: " : "", a.constraint ? a.constraint : "");
            cli_hold(cli);
            rc = joint_write_overlay(m, a.file, a.scenario, label, comment, y, mo, r->n, names,
                                     places, &err);
            cli_release(cli);
        }
        if (rc) {
            cli_fail(&err, rc);
            goto done;
        }
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
    if (a.scenario && !rc)
        printf("scenario written: %s\n", a.scenario);
    if (!rc && a.seeds > 1 && (rc = stability(m, &a, opt, r, &err)))
        cli_fail(&err, rc);
    rc = cli_flush(rc);
done:
    free(names);
    free(places);
    capacity_share_result_free(r);
    mdl_free(m);
    return rc;
}
