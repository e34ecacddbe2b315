/* test_bind — resolve once, bind per replication: instances against literal models.
 *
 * The reference for binding is the model written with the numbers themselves:
 * an instance bound to some values must run exactly as the model whose text
 * carries those values where the $references were.  Every kind of slot a
 * parameter can feed is used below, so a slot the resolver forgot to bind, or
 * a conversion done differently, shows as a difference in the raw counts of a
 * replication (compared bitwise, with the same seed). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/cfg.h"
#include "core/eng.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/out.h"
#include "core/rec.h"

/* {NAME} in the template is replaced by ${NAME} (params) or by the value (literal). */
static const char bind_template[] =
    "[model]\nname = bind\nstart = 2020-01\nhorizon = 30\n"
    "[population p]\nentry = a\ninflow.rate = 2020-01:{inflow}/m, 2021-01:{inflow2}/y\n"
    "inflow.overdispersion = {overdispersion}\ninitial.count = {initial}\n"
    "initial.state = a:{init_a}, b:{init_b}\n"
    "[state a]\non.go = with {with} after lognormal(mean={lmean}d, sd={lsd}d) -> b:{sb}, c:{sc}\n"
    "on.quit = hazard {rate}/m -> out\n"
    "[state b]\non.end = after gamma(shape={gshape}, mean={gmean}m) -> d\n"
    "on.leave = hazard piecewise(state; 0m:{pw1}, {pwx}m:{pw2})/m -> out\n"
    "[state c]\non.w = after weibull(shape={wshape}, scale={wscale}m) -> d\n"
    "on.u = after uniform(min={umin}d, max={umax}d) -> out\n"
    "[state d]\nresource = places\nqueue = wq\non.done = after exponential(mean={emean}m) -> out\n"
    "on.fix = after fixed({fixed}m) -> a\n"
    "[state wq]\non.give_up = after fixed({patience}d) -> out\n"
    "[resource places]\ncapacity = {cap}\netp.weight = {etp}\n"
    "[staff ref]\nstates = a, b\ncaseload = {caseload}\n"
    "[cost alloc]\nfunder = dep\nper = person-month\nstates = a, b, c\namount = {amount}\n"
    "indexation = {index}%/y\n"
    "[cost staff]\nfunder = dep\nper = staff-year\nstaff = ref\namount = 2020-01:{salary}\n"
    "[set 2021-06]\nresource.places.capacity = {cap2}\nstate.c.on.u = after uniform(min=1d, "
    "max={umax2}d) -> out\n";

typedef struct {
    const char *name;
    double mean;  /* the parameter's value in the file */
    double other; /* the value an instance is bound to */
} bind_param;

static const bind_param bind_params[] = {
    {"inflow", 40, 55.5},   {"inflow2", 500, 380}, {"overdispersion", 0.1, 0.25},
    {"initial", 300, 420},  {"init_a", 0.6, 0.35}, {"init_b", 0.4, 0.65},
    {"with", 0.9, 0.75},    {"lmean", 60, 45.5},   {"lsd", 30, 12.25},
    {"sb", 0.7, 0.55},      {"sc", 0.3, 0.45},     {"rate", 0.01, 0.031},
    {"gshape", 3, 2.5},     {"gmean", 4, 6.5},     {"pw1", 0.05, 0.08},
    {"pwx", 6, 3.5},        {"pw2", 0.02, 0.011},  {"wshape", 1.5, 0.8},
    {"wscale", 5, 9},       {"umin", 10, 20},      {"umax", 90, 150},
    {"emean", 5, 3.25},     {"fixed", 12, 7},      {"patience", 90, 45},
    {"cap", 40, 25},        {"etp", 0.8, 0.35},    {"caseload", 100, 65},
    {"amount", 500, 612.5}, {"index", 1.5, 3.25},  {"salary", 50000, 61000},
    {"cap2", 60, 15},       {"umax2", 30, 70},
};
#define N_BIND (sizeof bind_params / sizeof bind_params[0])

/* The template with each {NAME} as ${NAME} (values NULL) or as values[i]. */
static char *instantiate(const double *values)
{
    size_t cap = sizeof bind_template * 4 + 4096, o = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    for (const char *p = bind_template; *p;) {
        if (*p != '{') {
            out[o++] = *p++;
            continue;
        }
        const char *close = strchr(p, '}');
        size_t nl = (size_t)(close - p - 1);
        size_t i = 0;
        while (i < N_BIND &&
               (strlen(bind_params[i].name) != nl || strncmp(bind_params[i].name, p + 1, nl)))
            i++;
        if (values)
            o += (size_t)snprintf(out + o, cap - o, "%.17g", values[i]);
        else
            o += (size_t)snprintf(out + o, cap - o, "${%s}", bind_params[i].name);
        p = close + 1;
    }
    out[o] = '\0';
    if (!values) {
        for (size_t i = 0; i < N_BIND; i++)
            o += (size_t)snprintf(out + o, cap - o, "[parameter %s]\nvalue = %.17g\n",
                                  bind_params[i].name, bind_params[i].mean);
    }
    return out;
}

/* One replication's raw counts and derived series, flattened. */
static double *run_once(const mdl_model *m, size_t *n_out)
{
    eng_workspace *w = eng_alloc(m);
    rec_raw *raw = rec_raw_alloc(m);
    rec_catalog *cat = rec_catalog_alloc(m);
    double *values = NULL;
    pc_err err;
    if (w && raw && cat && eng_run(w, 5, 3, raw, &err) == PC_OK) {
        size_t months = (size_t)m->horizon, nv = cat->n * months;
        size_t blocks = months * (2 * m->n_states + m->n_flows + 3 * m->n_populations);
        values = malloc((nv + blocks) * sizeof *values);
        if (values) {
            rec_derive(m, cat, raw, values);
            double *at = values + nv;
            memcpy(at, raw->stock, months * m->n_states * sizeof *at);
            at += months * m->n_states;
            memcpy(at, raw->days, months * m->n_states * sizeof *at);
            at += months * m->n_states;
            memcpy(at, raw->flow, months * m->n_flows * sizeof *at);
            at += months * m->n_flows;
            memcpy(at, raw->arrivals, months * m->n_populations * sizeof *at);
            at += months * m->n_populations;
            memcpy(at, raw->returns, months * m->n_populations * sizeof *at);
            at += months * m->n_populations;
            memcpy(at, raw->exits, months * m->n_populations * sizeof *at);
            *n_out = nv + blocks;
        }
    }
    rec_catalog_free(cat);
    rec_raw_free(raw);
    eng_free(w);
    return values;
}

static void test_bind_equals_literal(tc_ctx *t)
{
    char *with_params = instantiate(NULL);
    double means[N_BIND], others[N_BIND];
    for (size_t i = 0; i < N_BIND; i++) {
        means[i] = bind_params[i].mean;
        others[i] = bind_params[i].other;
    }
    char *literal_means = instantiate(means), *literal_others = instantiate(others);
    mdl_model *m = NULL, *lm = NULL, *lo = NULL, *inst = NULL;
    pc_err err;
    char path[512];
    int rc = mdl_load(tc_write(t, "bind-params.ini", with_params), &m, &err);
    CHECK(t, rc == PC_OK, "a model with a parameter in every kind of slot loads (%s)",
          rc ? err.msg : "ok");
    snprintf(path, sizeof path, "%s", tc_write(t, "bind-means.ini", literal_means));
    if (!rc && (rc = mdl_load(path, &lm, &err)))
        CHECK(t, 0, "the literal model loads (%s)", err.msg);
    snprintf(path, sizeof path, "%s", tc_write(t, "bind-others.ini", literal_others));
    if (!rc && (rc = mdl_load(path, &lo, &err)))
        CHECK(t, 0, "the literal model with other values loads (%s)", err.msg);
    if (!rc) {
        CHECK(t, m->n_params == N_BIND && m->n_bindings >= N_BIND,
              "every reference is bound (%zu parameters, %zu bindings)", m->n_params,
              m->n_bindings);
        size_t n1 = 0, n2 = 0, n3 = 0, n4 = 0;
        double *a = run_once(m, &n1), *b = run_once(lm, &n2);
        CHECK(t, a && b && n1 == n2 && !memcmp(a, b, n1 * sizeof *a),
              "the model with $references runs as the literal model at the parameters' values");
        double values[N_BIND];
        for (size_t i = 0; i < N_BIND; i++)
            values[mdl_param_index(m, bind_params[i].name)] = bind_params[i].other;
        rc = mdl_instance(m, values, &inst, &err);
        CHECK(t, rc == PC_OK, "an instance binds other values (%s)", rc ? err.msg : "ok");
        double *c = rc ? NULL : run_once(inst, &n3), *d = run_once(lo, &n4);
        CHECK(t, c && d && n3 == n4 && !memcmp(c, d, n3 * sizeof *c),
              "the bound instance runs bitwise as the literal model written with those values");
        CHECK(t, c && a && memcmp(a, c, n1 * sizeof *a),
              "and differently from the model at its own values");
        double *e = run_once(m, &n1);
        CHECK(t, a && e && !memcmp(a, e, n1 * sizeof *a), "binding leaves the base model alone");
        free(a);
        free(b);
        free(c);
        free(d);
        free(e);
    }
    mdl_free(inst);
    mdl_free(m);
    mdl_free(lm);
    mdl_free(lo);
    free(with_params);
    free(literal_means);
    free(literal_others);
}

static const char small_model[] = "[model]\nname = s\nstart = 2020-01\nhorizon = 12\n"
                                  "[population p]\nentry = a\ninflow.rate = 20/m\n"
                                  "[state a]\non.go = %s\n"
                                  "[state b]\non.x = hazard 0.1/m -> out\n"
                                  "[state c]\non.x = hazard 0.1/m -> out\n"
                                  "%s";

/* Loads small_model with a transition and extra sections; returns the status, err filled. */
static int load_small(tc_ctx *t, const char *transition, const char *extra, mdl_model **m,
                      pc_err *err)
{
    char text[2048];
    snprintf(text, sizeof text, small_model, transition, extra);
    return mdl_load(tc_write(t, "small.ini", text), m, err);
}

static void expect_refused(tc_ctx *t, const char *what, const char *transition, const char *extra,
                           const char *needle1, const char *needle2)
{
    mdl_model *m = NULL;
    pc_err err;
    int rc = load_small(t, transition, extra, &m, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, needle1) && strstr(err.msg, needle2),
          "check refuses %s (%s)", what, rc ? err.msg : "accepted");
    mdl_free(m);
}

static void expect_accepted(tc_ctx *t, const char *what, const char *transition, const char *extra)
{
    mdl_model *m = NULL;
    pc_err err;
    int rc = load_small(t, transition, extra, &m, &err);
    CHECK(t, rc == PC_OK, "check accepts %s (%s)", what, rc ? err.msg : "ok");
    mdl_free(m);
}

static void test_supports(tc_ctx *t)
{
    expect_refused(t, "a normal law as a destination share", "hazard 0.1/m -> b:$part, c:0.5",
                   "[parameter part]\nvalue = uncertain normal(mean=0.5, sd=0.4)\n",
                   "small.ini:9: on.go: parameter part", "between 0 and 1");
    expect_refused(t, "an inline normal share, named after its place",
                   "hazard 0.1/m -> b:uncertain normal(mean=0.5, sd=0.4), c:0.5", "",
                   "on.go: parameter state.a.on.go", "between 0 and 1");
    expect_refused(t, "a uniform probability reaching above 1",
                   "with uncertain uniform(min=0.5, max=1.2) hazard 0.1/m -> b", "",
                   "parameter state.a.on.go", "probability");
    expect_refused(t, "a normal rate (it can be negative)",
                   "hazard uncertain normal(mean=0.1, sd=0.01)/m -> b", "", "a hazard rate from 0",
                   "use lognormal");
    expect_refused(t, "a triangular duration below 0",
                   "after fixed(uncertain triangular(min=-1, mode=2, max=3)m) -> b", "",
                   "parameter state.a.on.go", ">= 0");
    expect_refused(t, "a continuous law for a whole number", "hazard 0.1/m -> b",
                   "[resource r]\ncapacity = uncertain uniform(min=10, max=20)\n",
                   "parameter resource.r.capacity", "whole number");
    expect_accepted(t, "a beta share", "hazard 0.1/m -> b:$part, c:0.7",
                    "[parameter part]\nvalue = uncertain beta(mean=0.3, sd=0.1)\n");
    expect_accepted(t, "a lognormal rate", "hazard uncertain lognormal(mean=0.1, sd=0.05)/m -> b",
                    "");
    expect_accepted(t, "a fixed parameter for a whole number", "hazard 0.1/m -> b",
                    "[parameter n]\nvalue = 12\n[resource r]\ncapacity = $n\n");
    mdl_model *m = NULL;
    pc_err err;
    char text[600];
    snprintf(text, sizeof text,
             "[model]\nname = s\nstart = 2020-01\nhorizon = $h\n"
             "[parameter h]\nvalue = uncertain uniform(min=10, max=20)\n"
             "[population p]\nentry = a\n[state a]\non.x = hazard 0.1/m -> out\n");
    int rc = mdl_load(tc_write(t, "horizon.ini", text), &m, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "horizon.ini:4: horizon: parameter h is uncertain"),
          "an uncertain horizon is refused where it is written (%s)", rc ? err.msg : "accepted");
    mdl_free(m);
}

static void test_renormalised_shares(tc_ctx *t)
{
    mdl_model *m = NULL, *inst = NULL;
    pc_err err;
    int rc =
        load_small(t, "hazard 0.1/m -> b:$part, c:0.5",
                   "[parameter part]\nvalue = uncertain uniform(min=0.3, max=0.7)\n", &m, &err);
    CHECK(t, rc == PC_OK, "an uncertain share loads (%s)", rc ? err.msg : "ok");
    if (rc)
        return;
    double v = 0.7;
    rc = mdl_instance(m, &v, &inst, &err);
    const mdl_dest *d = rc ? NULL : &inst->states[0].transitions[0].versions[0].dest;
    CHECK(t, d && fabs(d->cum[0] - 0.7 / 1.2) < 1e-15 && d->cum[1] == 1.0,
          "shares that no longer sum to 1 are rescaled (0.7 and 0.5 give %.6f, expected %.6f)",
          d ? d->cum[0] : NAN, 0.7 / 1.2);
    mdl_free(inst);
    mdl_free(m);
}

static void test_bind_failure_names_replication(tc_ctx *t)
{
    mdl_model *m = NULL;
    pc_err err;
    int rc = load_small(t, "after uniform(min=${lo}d, max=${hi}d) -> b",
                        "[parameter lo]\nvalue = uncertain uniform(min=1, max=40)\n"
                        "[parameter hi]\nvalue = uncertain uniform(min=30, max=60)\n",
                        &m, &err);
    CHECK(t, rc == PC_OK, "overlapping bounds load: at their means min < max (%s)",
          rc ? err.msg : "ok");
    if (rc)
        return;
    /* P(lo >= hi) = 50 / (39 * 30) per replication: 60 replications miss it with 7 %. */
    mc_options opt = {.reps = 60, .seed = 3, .threads = 2};
    mc_result *r = NULL;
    rc = mc_run(m, &opt, &r, &err);
    CHECK(t,
          rc == PC_EINPUT && strstr(err.msg, "replication ") && strstr(err.msg, "parameter ") &&
              strstr(err.msg, "uniform: min") && strstr(err.msg, "small.ini:9: on.go"),
          "a draw that cannot be bound names the replication, the parameter, the value and the "
          "key (%s)",
          rc ? err.msg : "no failure");
    mc_result_free(r);
    mdl_free(m);
}

static void test_tables_read_once(tc_ctx *t)
{
    char table[512], text[1200];
    snprintf(table, sizeof table, "%s", tc_write(t, "index.csv", "date,factor\n2020-01,1\n"));
    snprintf(text, sizeof text,
             "[model]\nname = s\nstart = 2020-01\nhorizon = 6\n"
             "[population p]\nentry = a\ninflow.rate = 20/m\n"
             "[state a]\non.x = hazard 0.1/m -> out\n"
             "[cost one]\nfunder = dep\nper = person-month\nstates = a\namount = 10\n"
             "indexation = table(index.csv)\n"
             "[cost two]\nfunder = dep\nper = entry\nstates = a\namount = 5\n"
             "indexation = table(index.csv)\n");
    mdl_model *m = NULL;
    pc_err err;
    int rc = mdl_load(tc_write(t, "two-costs.ini", text), &m, &err);
    CHECK(t, rc == PC_OK && m->doc->n_files == 1, "a table named twice is read once (%zu reads)",
          rc ? 0 : m->doc->n_files);
    if (rc)
        return;
    /* the table changes on disk during the run: the manifest keeps what the model read */
    tc_write(t, "index.csv", "date,factor\n2020-01,2\n");
    mc_options opt = {.reps = 2, .seed = 1, .threads = 1};
    mc_result *r = NULL;
    char dir[512], copy[700];
    tc_path(t, "two-costs-run", dir, sizeof dir);
    out_info info = {.command = "test", .version = "test"};
    rc = mc_run(m, &opt, &r, &err);
    if (!rc)
        rc = out_write_run(dir, r, &info, &err);
    snprintf(copy, sizeof copy, "%s/tables/1-index.csv", dir);
    FILE *f = rc ? NULL : fopen(copy, "r");
    char line[64] = "";
    int ok = f && fgets(line, sizeof line, f) && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    CHECK(t, ok && !strcmp(line, "2020-01,1\n"),
          "the run folder keeps the table as it was read, not as it is now (%s)",
          rc ? err.msg : line);
    (void)table;
    mc_result_free(r);
    mdl_free(m);
}

/* A study's point set through mdl_expose and mc_options.set runs as the model
 * resolved again with the values written in (mdl_override). */
static void test_expose(tc_ctx *t)
{
    mdl_model *m = NULL, *exposed = NULL, *literal = NULL;
    pc_err err;
    int rc = load_small(t, "hazard 0.1/m -> b:0.6, c:0.4",
                        "[resource r]\ncapacity = 2020-01:5, 2020-06:8\n"
                        "[parameter spare]\nvalue = uncertain uniform(min=1, max=2)\n"
                        "[cost c]\nfunder = dep\nper = person-month\nstates = a\n"
                        "amount = $spare\n",
                        &m, &err);
    CHECK(t, rc == PC_OK, "a model to expose loads (%s)", rc ? err.msg : "ok");
    if (rc)
        return;
    const char *keys[] = {"population.p.inflow.rate", "set.2020-03.resource.r.capacity", "spare"};
    const char *units[] = {"/y", "", ""};
    const double first[] = {100, 3, 1.5}, point[] = {150, 11, 1.25};
    size_t index[3];
    rc = mdl_expose(m, 3, keys, units, first, &exposed, index, &err);
    CHECK(t, rc == PC_OK && exposed->n_uncertain == 0,
          "keys and a parameter are exposed as fixed parameters (%s)", rc ? err.msg : "ok");
    const char *texts[] = {"150/y", "11", "1.25"};
    if (!rc)
        rc = mdl_override(m, 3, keys, texts, &literal, &err);
    if (!rc) {
        mc_options opt = {.reps = 3, .seed = 4, .threads = 2};
        opt.n_set = 3;
        opt.set_index = index;
        opt.set_value = point;
        mc_result *a = NULL, *b = NULL;
        rc = mc_run(exposed, &opt, &a, &err);
        opt.n_set = 0;
        if (!rc)
            rc = mc_run(literal, &opt, &b, &err);
        size_t cells = rc ? 0 : a->reps * a->n_vars * a->n_months;
        CHECK(t, !rc && a->n_vars == b->n_vars && !memcmp(a->values, b->values, cells * 8),
              "values set per run give the model resolved with them, bitwise (%s)",
              rc ? err.msg : "ok");
        mc_result_free(a);
        mc_result_free(b);
    }
    mdl_free(literal);
    mdl_free(exposed);
    mdl_free(m);
}

void suite_bind(tc_ctx *t)
{
    test_expose(t);
    test_bind_equals_literal(t);
    test_supports(t);
    test_renormalised_shares(t);
    test_bind_failure_names_replication(t);
    test_tables_read_once(t);
}
