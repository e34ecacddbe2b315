/* cmd_allocate — `parcours allocate FILE`: an envelope (ETP or euros) shared across resources.
 *
 * Prints, per group of resources (a département) and per resource in it (a type), by
 * label, the current and allocated ETP, the mean wait before and after with 90 %
 * intervals and the constraint's statistic, then every funder's costs with 90 %
 * intervals and the totals; --seeds reruns the allocation with independent seeds and
 * prints its spread per group; --out also writes the table as CSV
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
    "Distributes an envelope of ETP across the resources named P* to minimise the\n"
    "person-days waited in their queues (or the requests left unserved) from --from to\n"
    "the horizon.  Resources sharing a population form a group (a département's types of\n"
    "IAE posts); groups are independent, and a group's places keep its current mix of\n"
    "resources.  Greedy marginal steps then exchanges between groups, with the same seed\n"
    "and replications at every run.  Prints, per group and resource, the current and\n"
    "allocated ETP, the mean wait before and after with 90 % intervals, and every\n"
    "funder's costs.  See docs/fit.md.\n"
    "\n"
    "  --resource-prefix P  the resources to allocate (their etp.weight converts places)\n"
    "  --envelope N         what to distribute: ETP (places x etp.weight, summed), or\n"
    "                       with --in euros, euros a year of funder F's costs on the places\n"
    "  --in etp|euros       the envelope's unit (default etp)\n"
    "  --min-share X        each group keeps at least X of its current places (0 to 1,\n"
    "                       default 0)\n"
    "  --max-share X        ... and at most X times them (default: no ceiling)\n"
    "  --constraint EXPR    every group's queues, pooled, meet it, e.g.\n"
    "                       'p90(wait.all) <= 90d' (no département above 90 days): its\n"
    "                       places are raised first\n"
    "  --step N             first step in the envelope's unit (default: 1/32 of the\n"
    "                       envelope above the floors); it halves down to one place\n"
    "  --objective O        waiting (person-days waited, the default) or unserved\n"
    "                       (requests leaving a queue without a place: gave up, left)\n"
    "  --funder F           whose euros the envelope is with --in euros, and whose costs\n"
    "                       the CSV gives (default etat)\n"
    "  --from YYYY-MM       the allocation holds from that month (default: the start)\n"
    "  --out CSV            also write the table as CSV\n"
    "  --scenario FILE.ini  also write the allocation as a scenario overlay of FILE\n"
    "  --seeds K            rerun with K - 1 more independent seeds (S+1, ...) and show\n"
    "                       how far each group's allocation moves (default 1)\n"
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
    printf("%s: %.2f %s across %zu resources %s* in %zu groups from %s to minimise the %s "
           "(floors: %.0f %% of the current places",
           m->id, a->envelope, a->in ? "euros a year" : "ETP", r->n, a->prefix, r->n_groups, first,
           a->objective == CAPACITY_UNSERVED ? "requests left unserved" : "person-days waited",
           100 * a->min_share);
    if (a->max_share > 0)
        printf("; ceilings: %.0f %%", 100 * a->max_share);
    if (a->constraint)
        printf("; every group: %s", a->constraint);
    printf(")\n");
    printf("waiting measured over %s to %s; %lu replications, seed %lu, the same at every run; "
           "%zu runs; first step %.4g %s, halved down to one place; groups are independent "
           "(one run gives every group's change); within a group the places keep its current "
           "mix of resources\n",
           first, last, a->reps, a->seed, r->runs, r->first_step, a->in ? "euros" : "ETP");
    if (a->constraint)
        printf("the floors cost %.2f %s, of which %.2f %s to meet the constraint\n", r->floors,
               a->in ? "euros" : "ETP", r->constraint_cost, a->in ? "euros" : "ETP");
    putchar('\n');
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

static void print_waits(const capacity_share_waits *w)
{
    char text[64];
    snprintf(text, sizeof text, "%.1f [%.1f, %.1f]", w->wait, w->wait_p05, w->wait_p95);
    printf(" %-22s", text);
}

/* Whether every group is one resource (its line alone says it all). */
static int singletons(const capacity_share_result *r)
{
    return r->n_groups == r->n;
}

static void print_lines(const allocate_args *a, const capacity_share_result *r)
{
    const int width = 42;
    print_padded("", width);
    printf(" %9s %9s %8s  %-22s %-22s", "ETP now", "ETP alloc", "change", "wait before (days)",
           "wait after (days)");
    if (a->constraint)
        printf(" %-19s", "constraint (group)");
    printf("\n");
    print_padded("", width);
    printf(" %9s %9s %8s  %-22s %-22s", "", "", "", "mean [90 % interval]", "mean [90 % interval]");
    if (a->constraint)
        printf(" %-19s", "before -> after");
    printf("\n");
    double now = 0, alloc = 0;
    size_t line = 0;
    for (size_t g = 0; g < r->n_groups; g++) {
        const capacity_share_group *gr = &r->groups[g];
        print_padded(gr->label, width);
        printf(" %9.2f %9.2f %+8.2f ", gr->etp_current, gr->etp_allocated,
               gr->etp_allocated - gr->etp_current);
        print_waits(&gr->before);
        print_waits(&gr->after);
        if (a->constraint) {
            char c[64];
            snprintf(c, sizeof c, "%.1f -> %.1f", gr->constraint_before.value,
                     gr->constraint_after.value);
            printf(" %-19s", c);
        }
        printf("\n");
        now += gr->etp_current;
        alloc += gr->etp_allocated;
        for (size_t k = 0; k < gr->n; k++, line++) {
            const capacity_share_line *l = &r->lines[line];
            if (singletons(r))
                continue;
            double e0 = (double)l->current * l->etp_weight,
                   e1 = (double)l->allocated * l->etp_weight;
            printf("  ");
            print_padded(l->label, width - 2);
            printf(" %9.2f %9.2f %+8.2f ", e0, e1, e1 - e0);
            print_waits(&l->before);
            print_waits(&l->after);
            printf("\n");
        }
    }
    print_padded("total", width);
    printf(" %9.2f %9.2f %+8.2f\n", now, alloc, alloc - now);
}

/* The funders' costs a year on the resources, by group, then in all with 90 % intervals. */
static void print_costs(const mdl_model *m, const capacity_share_result *r)
{
    size_t nf = r->n_funders;
    int *paid = pc_calloc(nf ? nf : 1, sizeof *paid);
    if (!paid)
        return;
    for (size_t f = 0; f < nf; f++)
        paid[f] = r->funder_before[f] != 0 || r->funder_after[f] != 0;
    printf("\nunit-year costs on the places, euros a year (mean over the replications), "
           "before -> after:\n");
    print_padded("", 42);
    for (size_t f = 0; f < nf; f++)
        if (paid[f]) {
            printf(" ");
            print_padded(m->funder_labels[f], 31);
        }
    printf("\n");
    size_t line = 0;
    for (size_t g = 0; g < r->n_groups; g++) {
        const capacity_share_group *gr = &r->groups[g];
        print_padded(gr->label, 42);
        for (size_t f = 0; f < nf; f++) {
            if (!paid[f])
                continue;
            double b = 0, af = 0;
            for (size_t k = 0; k < gr->n; k++) {
                b += r->line_funder_before[(line + k) * nf + f];
                af += r->line_funder_after[(line + k) * nf + f];
            }
            char c[64];
            snprintf(c, sizeof c, "%.0f -> %.0f", b, af);
            printf(" %-31s", c);
        }
        printf("\n");
        line += gr->n;
    }
    for (size_t f = 0; f < nf; f++)
        if (paid[f])
            printf("%s: %.2f M€ a year [%.2f, %.2f] before, %.2f M€ [%.2f, %.2f] after "
                   "(%+.2f M€; 90 %% intervals over the replications)\n",
                   m->funder_labels[f], r->funder_before[f] / 1e6, r->funder_before_p05[f] / 1e6,
                   r->funder_before_p95[f] / 1e6, r->funder_after[f] / 1e6,
                   r->funder_after_p05[f] / 1e6, r->funder_after_p95[f] / 1e6,
                   (r->funder_after[f] - r->funder_before[f]) / 1e6);
    free(paid);
}

static void print_totals(const allocate_args *a, const capacity_share_result *r)
{
    printf("\nperson-days waited a year: %.0f before, %.0f after", r->total_before, r->total_after);
    if (r->total_before > 0)
        printf(" (%+.1f %%)", 100 * (r->total_after - r->total_before) / r->total_before);
    printf("\nrequests leaving a queue without a place, a year: %.0f before, %.0f after",
           r->unserved_before, r->unserved_after);
    printf("\nwait: mean per request (those admitted at once count 0 days) over a group's "
           "queues or a resource's own, its 90 %% interval over the replications\n");
    if (a->constraint)
        printf("constraint %s, each group: its statistic over the group's queues pooled, before "
               "and after; each group's floor is at least the fewest places (in its mix) that "
               "meet it\n",
               a->constraint);
    if (r->idle > 0)
        printf("%.2f %s lowered no wait and were spread in proportion to the current places\n",
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

/* Reruns with seeds seed+1 .. seed+K-1 and prints each group's allocated ETP (and, with a
 * constraint, its constraint floor): the first seed's, the mean, the standard deviation,
 * the smallest and the largest, over the seeds that could share the envelope; a seed whose
 * floors exceed it (a constraint needing more places with other random numbers) is
 * reported, not fatal. */
static int stability(const mdl_model *m, const allocate_args *a, capacity_share_options opt,
                     const capacity_share_result *r, pc_err *err)
{
    size_t k = a->seeds, n = r->n_groups;
    double *etp = pc_calloc(2 * k * n, sizeof *etp), *need = etp ? etp + k * n : NULL;
    if (!etp)
        return pc_fail(err, PC_EENV, "out of memory");
    for (size_t g = 0; g < n; g++) {
        etp[g] = r->groups[g].etp_allocated;
        need[g] = r->groups[g].etp_constraint;
    }
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
            for (size_t g = 0; g < n; g++) {
                etp[used * n + g] = o->groups[g].etp_allocated;
                need[used * n + g] = o->groups[g].etp_constraint;
            }
            used++;
        }
        capacity_share_result_free(o);
    }
    k = used;
    for (int pass = 0; pass < (a->constraint ? 2 : 1) && !rc; pass++) {
        const double *v = pass ? need : etp;
        printf("\nstability: %s rerun with %zu independent seeds (%lu to %lu), ETP, over the "
               "%zu that could share the envelope:\n",
               pass ? "the fewest ETP meeting the constraint" : "the allocation", (size_t)a->seeds,
               a->seed, a->seed + a->seeds - 1, k);
        print_padded("", 42);
        printf(" %9s %9s %8s %9s %9s\n", "first", "mean", "sd", "min", "max");
        double tot[4] = {0, 0, INFINITY, -INFINITY};
        for (size_t s = 0; s < k; s++) {
            double t = 0;
            for (size_t g = 0; g < n; g++)
                t += v[s * n + g];
            tot[0] = s == 0 ? t : tot[0];
            tot[1] += t / (double)k;
            tot[2] = fmin(tot[2], t);
            tot[3] = fmax(tot[3], t);
        }
        for (size_t g = 0; g <= n; g++) {
            double mean = 0, sd = 0, lo = INFINITY, hi = -INFINITY;
            for (size_t s = 0; s < k && g < n; s++) {
                double x = v[s * n + g];
                mean += x / (double)k;
                lo = fmin(lo, x);
                hi = fmax(hi, x);
            }
            for (size_t s = 0; s < k && k > 1 && g < n; s++)
                sd += (v[s * n + g] - mean) * (v[s * n + g] - mean) / (double)(k - 1);
            if (g == n) {
                print_padded("total", 42);
                printf(" %9.2f %9.2f %8s %9.2f %9.2f\n", tot[0], tot[1], "", tot[2], tot[3]);
                break;
            }
            print_padded(r->groups[g].label, 42);
            printf(" %9.2f %9.2f %8.2f %9.2f %9.2f\n", v[g], mean, sqrt(sd), lo, hi);
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
                     a.constraint ? "; every group: " : "", a.constraint ? a.constraint : "");
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
    print_costs(m, r);
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
