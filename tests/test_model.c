/* test_model — model and scenario files: valid files resolve as written, and every
 * class of invalid file is refused with exit status 1 and a message naming the
 * file, the line and the key. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cfg.h"
#include "check.h"
#include "core/mdl.h"

static const char base_model[] =
    "[model]\n"                                                             /* 1 */
    "name = Test\n"                                                         /* 2 */
    "start = 2018-01\n"                                                     /* 3 */
    "horizon = 24\n"                                                        /* 4 */
    "\n"                                                                    /* 5 */
    "[population rsa]\n"                                                    /* 6 */
    "entry = orientation\n"                                                 /* 7 */
    "inflow.rate = 1200/y\n"                                                /* 8 */
    "initial.count = 100\n"                                                 /* 9 */
    "initial.state = orientation:0.2, pro:0.8\n"                            /* 10 */
    "\n"                                                                    /* 11 */
    "[state orientation]\n"                                                 /* 12 */
    "on.oriented = after lognormal(mean=94d, sd=60d) -> pro:0.6, soc:0.4\n" /* 13 */
    "\n"                                                                    /* 14 */
    "[state pro]\n"                                                         /* 15 */
    "on.exit = hazard 0.05/m -> exit_job\n"                                 /* 16 */
    "on.iae = hazard 0.01/m -> iae\n"                                       /* 17 */
    "\n"                                                                    /* 18 */
    "[state soc]\n"                                                         /* 19 */
    "on.exit = hazard 0.02/m -> out\n"                                      /* 20 */
    "\n"                                                                    /* 21 */
    "[state iae]\n"                                                         /* 22 */
    "resource = places\n"                                                   /* 23 */
    "queue = waiting\n"                                                     /* 24 */
    "on.end = after gamma(shape=4, mean=300d) -> exit_job:0.5, pro:0.5\n"   /* 25 */
    "\n"                                                                    /* 26 */
    "[state waiting]\n"                                                     /* 27 */
    "on.renege = after fixed(6m) -> pro\n"                                  /* 28 */
    "\n"                                                                    /* 29 */
    "[state exit_job]\n"                                                    /* 30 */
    "outside = yes\n"                                                       /* 31 */
    "on.back = with 0.25 after exponential(mean=8m) -> orientation\n"       /* 32 */
    "\n"                                                                    /* 33 */
    "[resource places]\n"                                                   /* 34 */
    "capacity = 2018-01:10, 2019-01:12\n"                                   /* 35 */
    "\n"                                                                    /* 36 */
    "[cost allocation]\n"                                                   /* 37 */
    "funder = departement\n"                                                /* 38 */
    "per = person-month\n"                                                  /* 39 */
    "states = orientation, pro, soc, waiting\n"                             /* 40 */
    "amount = 500\n"                                                        /* 41 */
    "indexation = 1.5%/y\n";                                                /* 42 */

/* base_model with the first occurrence of `from` replaced by `to` (caller frees). */
static char *replaced(const char *from, const char *to)
{
    const char *at = strstr(base_model, from);
    if (!at) {
        fprintf(stderr, "test_model: '%s' not in the base model\n", from);
        exit(3);
    }
    size_t a = (size_t)(at - base_model), fl = strlen(from), tl = strlen(to);
    char *s = malloc(sizeof base_model + tl);
    memcpy(s, base_model, a);
    memcpy(s + a, to, tl);
    strcpy(s + a + tl, at + fl);
    return s;
}

/* Loading text must fail with status 1, the message naming NAME:line and containing what. */
static void expect_error(tc_ctx *t, const char *label, const char *text, int line, const char *what)
{
    const char *path = tc_write(t, "bad.ini", text);
    char expect[600];
    if (line > 0)
        snprintf(expect, sizeof expect, "%s:%d: ", path, line);
    else
        snprintf(expect, sizeof expect, "%s: ", path);
    mdl_model *m = NULL;
    pc_err err = {{0}};
    int rc = mdl_load(path, &m, &err);
    int ok = rc == PC_EINPUT && m == NULL && strstr(err.msg, what) && strstr(err.msg, expect);
    CHECK(t, ok, "%s: refused at line %d with '%s' (got status %d: %s)", label, line, what, rc,
          err.msg);
    mdl_free(m);
}

static void expect_replaced_error(tc_ctx *t, const char *label, const char *from, const char *to,
                                  int line, const char *what)
{
    char *text = replaced(from, to);
    expect_error(t, label, text, line, what);
    free(text);
}

/* Lines longer than inih's buffer are read whole: a long label, its indented
 * continuation, a long value with an inline comment, the next entry as usual. */
static void long_lines(tc_ctx *t)
{
    char word[301], text[2000];
    memset(word, 'x', 300);
    word[300] = '\0';
    snprintf(text, sizeof text,
             "[model]\nname = L\nstart = 2018-01\nhorizon = 2\n"
             "[population p]\nentry = a\ninflow.rate = 2/m\n"
             "[state a]\nlabel = %s\n    and more ; a comment\n"
             "on.exit = hazard 0.1/m -> b   ; %s\n"
             "[state b]\nlabel: %s ; its comment\non.exit = hazard 0.1/m -> out\n",
             word, word, word);
    const char *path = tc_write(t, "long.ini", text);
    mdl_model *m = NULL;
    pc_err err = {{0}};
    int rc = mdl_load(path, &m, &err);
    CHECK(t, rc == PC_OK, "lines of 300 characters and more are read (%s)", rc ? err.msg : "ok");
    if (m) {
        char want[400];
        snprintf(want, sizeof want, "%s and more", word);
        CHECK(t, strcmp(m->states[0].label, want) == 0 && strcmp(m->states[1].label, word) == 0,
              "a long label is read whole, its continuation joined, comments dropped");
        CHECK(t, m->n_states == 2 && m->states[0].n_transitions == 1,
              "the entry after a long line is read as usual");
    }
    mdl_free(m);
}

static void test_valid(tc_ctx *t)
{
    const char *path = tc_write(t, "good.ini", base_model);
    mdl_model *m;
    pc_err err;
    int rc = mdl_load(path, &m, &err);
    CHECK(t, rc == PC_OK, "the base model loads (%s)", rc ? err.msg : "ok");
    if (rc)
        return;
    CHECK(t, m->n_states == 6 && m->n_populations == 1 && m->n_resources == 1,
          "six states, one population, one resource");
    CHECK(t, m->horizon == 24 && m->start_year == 2018 && m->start_month == 1, "start and horizon");
    CHECK(t, m->populations[0].territory[0] == '\0', "no territory unless given");
    int pro = mdl_state_index(m, "pro");
    const mdl_law *law = &m->states[pro].transitions[0].versions[0].law;
    CHECK(t, law->kind == MDL_HAZARD_CONST && fabs(law->p[0] * MDL_DAYS_PER_MONTH - 0.05) < 1e-12,
          "hazard 0.05/m is 0.05 per month in days");
    const mdl_law *ln =
        &m->states[mdl_state_index(m, "orientation")].transitions[0].versions[0].law;
    double mean = exp(ln->p[0] + ln->p[1] * ln->p[1] / 2);
    double sd = mean * sqrt(expm1(ln->p[1] * ln->p[1]));
    CHECK(t, fabs(mean - 94) < 1e-9 && fabs(sd - 60) < 1e-9,
          "lognormal(mean=94d, sd=60d) keeps its mean and sd (%.6f, %.6f)", mean, sd);
    const mdl_version *back = &m->states[mdl_state_index(m, "exit_job")].transitions[0].versions[0];
    CHECK(t,
          back->law.probability == 0.25 && back->dest.state[0] == mdl_state_index(m, "orientation"),
          "defective transition keeps its probability and destination");
    CHECK(t,
          fabs(mdl_schedule_at(&m->resources[0].capacity, -1)) < 1e-12 &&
              mdl_schedule_at(&m->resources[0].capacity, 0) == 10 &&
              mdl_schedule_at(&m->resources[0].capacity, 12 * MDL_DAYS_PER_MONTH) == 12,
          "capacity schedule: 0 before, 10 from 2018-01, 12 from 2019-01");
    CHECK(t, m->states[mdl_state_index(m, "waiting")].is_queue, "the queue state is marked");
    CHECK(t, fabs(mdl_cost_index(&m->costs[0], 24 * MDL_DAYS_PER_MONTH) - 1.015 * 1.015) < 1e-12,
          "indexation 1.5%%/y compounds to 1.030225 after two years");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mdl_print(f, m);
    fclose(f);
    CHECK(t,
          buf && strstr(buf,
                        "on.oriented: lognormal mean 94.0 days, sd 60.0 days -> pro 60%, soc 40%"),
          "check prints each transition with its law and destinations");
    free(buf);
    mdl_free(m);
}

static void test_continuation_and_comments(tc_ctx *t)
{
    char *text = replaced("on.exit = hazard 0.05/m -> exit_job\n",
                          "; a comment line\n"
                          "on.exit = hazard piecewise(entry; 0m:0.0561, 12m:0.0328,\n"
                          "    24m:0.0205, 48m:0.0097)/m -> exit_job ; inline comment\n");
    const char *path = tc_write(t, "cont.ini", text);
    free(text);
    mdl_model *m;
    pc_err err;
    int rc = mdl_load(path, &m, &err);
    CHECK(t, rc == PC_OK, "an indented line continues a value (%s)", rc ? err.msg : "ok");
    if (rc)
        return;
    const mdl_law *law = &m->states[mdl_state_index(m, "pro")].transitions[0].versions[0].law;
    CHECK(t,
          law->kind == MDL_HAZARD_PIECEWISE && law->table.n == 4 && law->clock == MDL_CLOCK_ENTRY &&
              fabs(law->table.y[3] * MDL_DAYS_PER_MONTH - 0.0097) < 1e-12,
          "the continued piecewise hazard has its 4 pieces on the entry clock");
    /* cumulative hazard at 24 months: 12*0.0561 + 12*0.0328 */
    CHECK(t, fabs(law->table.cum[2] - (12 * 0.0561 + 12 * 0.0328)) < 1e-9,
          "cumulative hazard at the third piece");
    mdl_free(m);
}

static void test_scenario(tc_ctx *t)
{
    tc_write(t, "base.ini", base_model);
    tc_write(
        t, "sc1.ini",
        "[scenario]\n"
        "label = Orientation rapide\n"
        "model = base.ini\n"
        "\n"
        "[set 2019-04]\n"
        "state.orientation.on.oriented = after lognormal(mean=30d, sd=15d) -> pro:0.6, soc:0.4\n"
        "resource.places.capacity = 20\n"
        "\n"
        "[state soc]\n"
        "on.exit = hazard 0.03/m -> out\n"
        "on.new = hazard 0.01/m -> pro\n");
    char path[512];
    tc_write(t, "sc2.ini",
             "[scenario]\n"
             "extends = sc1.ini\n"
             "\n"
             "[set 2020-01]\n"
             "state.pro.on.iae = none\n");
    mdl_model *m;
    pc_err err;
    int rc = mdl_load(tc_path(t, "sc2.ini", path, sizeof path), &m, &err);
    CHECK(t, rc == PC_OK, "a scenario extending a scenario loads (%s)", rc ? err.msg : "ok");
    if (rc)
        return;
    CHECK(t, !strcmp(m->label, "Orientation rapide") && !strcmp(m->id, "sc2"),
          "label from the extended scenario, id from the file name");
    const mdl_transition *tr = &m->states[mdl_state_index(m, "orientation")].transitions[0];
    double d2019_04 = mdl_day_of(m, 2019, 4);
    CHECK(t,
          tr->n_versions == 2 && tr->versions[1].from == d2019_04 &&
              mdl_version_at(tr, d2019_04 - 1) == &tr->versions[0] &&
              mdl_version_at(tr, d2019_04) == &tr->versions[1],
          "a dated change applies from its date on, not before");
    const mdl_state *soc = &m->states[mdl_state_index(m, "soc")];
    CHECK(t,
          soc->n_transitions == 2 &&
              fabs(soc->transitions[0].versions[0].law.p[0] * MDL_DAYS_PER_MONTH - 0.03) < 1e-12,
          "a section of the scenario replaces the model's whole");
    const mdl_transition *iae = &m->states[mdl_state_index(m, "pro")].transitions[1];
    CHECK(t, iae->n_versions == 2 && !iae->versions[1].present,
          "'none' removes a transition from a date");
    CHECK(t,
          mdl_schedule_at(&m->resources[0].capacity, d2019_04) == 20 &&
              mdl_schedule_at(&m->resources[0].capacity, 400) == 12,
          "a capacity set from a date replaces the later steps");
    CHECK(t, m->n_changes == 3, "three dated changes recorded (%zu)", m->n_changes);
    mdl_free(m);
}

static void test_tables(tc_ctx *t)
{
    tc_write(t, "sen.csv", "upper,weight\n12m,1\n24m,3\n");
    tc_write(t, "emp.csv", "upper,weight\n10d,1\n\n30d,1\n");
    tc_write(t, "prof.csv",
             "month,factor\n1,1.1\n2,1\n3,0.95\n4,0.95\n5,0.9\n6,0.85\n7,0.9\n"
             "8,0.95\n9,1.05\n10,1.1\n11,1.15\n12,1.1\n");
    tc_write(t, "haz.csv", "from,rate\n0m,0.05/m\n6m,0.02/m\n");
    char *text = replaced("initial.state = orientation:0.2, pro:0.8\n",
                          "initial.state = orientation:0.2, pro:0.8\n"
                          "initial.seniority = table(sen.csv)\n"
                          "inflow.profile = table(prof.csv)\n");
    char *text2 = NULL;
    {
        const char *from = "on.renege = after fixed(6m) -> pro\n";
        const char *at = strstr(text, from);
        size_t a = (size_t)(at - text);
        const char *to = "on.renege = after empirical(table(emp.csv)) -> pro\n"
                         "on.tired = hazard table(state; haz.csv) -> out\n";
        text2 = malloc(strlen(text) + strlen(to) + 1);
        memcpy(text2, text, a);
        strcpy(text2 + a, to);
        strcat(text2, at + strlen(from));
    }
    const char *path = tc_write(t, "tables.ini", text2);
    free(text);
    free(text2);
    mdl_model *m;
    pc_err err;
    int rc = mdl_load(path, &m, &err);
    CHECK(t, rc == PC_OK, "tables load (%s)", rc ? err.msg : "ok");
    if (rc)
        return;
    const mdl_population *p = &m->populations[0];
    CHECK(t, p->initial_seniority.n == 2 && fabs(p->initial_seniority.y[0] - 0.25) < 1e-12,
          "seniority bins are normalised to cumulative probabilities");
    CHECK(t, p->profile[10] == 1.15, "inflow profile by calendar month");
    const mdl_state *w = &m->states[mdl_state_index(m, "waiting")];
    CHECK(t,
          w->transitions[0].versions[0].law.kind == MDL_AFTER_EMPIRICAL &&
              w->transitions[1].versions[0].law.table.n == 2,
          "empirical distribution and hazard table (blank CSV lines skipped)");
    mdl_free(m);
}

static void test_errors(tc_ctx *t)
{
    expect_replaced_error(t, "malformed line", "horizon = 24\n", "horizon 24\n", 4,
                          "malformed line");
    expect_replaced_error(t, "unknown section", "[resource places]", "[resources places]", 34,
                          "unknown section");
    expect_replaced_error(t, "unknown key", "outside = yes", "outsde = yes", 31, "unknown key");
    expect_replaced_error(t, "bad rate unit", "hazard 0.05/m", "hazard 0.05/q", 16,
                          "expected a hazard rate");
    expect_replaced_error(t, "rate without unit", "hazard 0.05/m", "hazard 0.05", 16,
                          "expected a hazard rate");
    expect_replaced_error(t, "negative rate", "hazard 0.05/m", "hazard -0.05/m", 16,
                          "from 0 to 1000/d");
    expect_replaced_error(t, "NaN rate", "hazard 0.05/m", "hazard nan/m", 16,
                          "expected a hazard rate");
    expect_replaced_error(t, "shares not summing to 1", "pro:0.6, soc:0.4", "pro:0.55, soc:0.4", 13,
                          "shares sum to 0.95, expected 1");
    expect_replaced_error(t, "unknown destination", "-> exit_job\n", "-> exit_jbo\n", 16,
                          "unknown destination state 'exit_jbo'");
    expect_replaced_error(t, "destination without share", "pro:0.6, soc:0.4", "pro, soc", 13,
                          "each needs a share");
    expect_replaced_error(t, "bad duration unit", "mean=94d", "mean=94x", 13, "must be a duration");
    expect_replaced_error(t, "lognormal sd 0", "sd=60d", "sd=0d", 13, "must be > 0");
    expect_replaced_error(t, "unknown distribution", "lognormal(", "lognormale(", 13,
                          "unknown distribution");
    expect_replaced_error(t, "probability above 1", "with 0.25", "with 1.5", 32, "probability");
    expect_replaced_error(t, "non-increasing schedule", "2018-01:10, 2019-01:12",
                          "2019-01:10, 2018-06:12", 35, "dates must increase");
    expect_replaced_error(t, "bad schedule date", "2018-01:10", "2018-13:10", 35, "YYYY-MM");
    expect_replaced_error(t, "negative capacity", "2019-01:12", "2019-01:-12", 35, ">= 0");
    expect_replaced_error(t, "fractional capacity", "2019-01:12", "2019-01:12.5", 35,
                          "whole number");
    expect_replaced_error(t, "horizon zero", "horizon = 24", "horizon = 0", 4, "horizon");
    expect_replaced_error(t, "horizon too long", "horizon = 24", "horizon = 5000", 4, "1200");
    expect_replaced_error(t, "bad start", "start = 2018-01", "start = 2018/01", 3, "YYYY-MM");
    expect_replaced_error(t, "key twice", "outside = yes\n", "outside = yes\noutside = no\n", 32,
                          "key given twice");
    expect_replaced_error(t, "section twice", "[state soc]\n", "[state pro]\n", 19,
                          "section given twice");
    expect_replaced_error(t, "queue holding a resource", "[state waiting]\n",
                          "[state waiting]\nresource = places\nqueue = pro\n", 24,
                          "must be of the same population and hold no resource");
    expect_replaced_error(t, "entry state outside", "entry = orientation", "entry = exit_job", 7,
                          "must belong to this population and not be outside");
    expect_replaced_error(t, "resource without queue", "queue = waiting\n", "\n", 23,
                          "needs 'queue");
    /* a département code: 01 to 95 (not 20), 2A, 2B, 971 to 976 */
    expect_replaced_error(t, "territory not a code", "entry = orientation",
                          "territory = 20\nentry = orientation", 7,
                          "territory: expected a d\xC3\xA9partement code");
    expect_replaced_error(t, "territory one digit", "entry = orientation",
                          "territory = 5\nentry = orientation", 7, "territory: expected");
    {
        char *text = replaced("entry = orientation", "territory = 2a\nentry = orientation");
        mdl_model *m = NULL;
        pc_err err;
        int rc = mdl_load(tc_write(t, "corse.ini", text), &m, &err);
        CHECK(t, rc == PC_OK && !strcmp(m->populations[0].territory, "2A"),
              "territory = 2a is Corse-du-Sud, 2A (%s)", rc ? err.msg : "ok");
        mdl_free(m);
        free(text);
    }
    expect_replaced_error(t, "missing table", "amount = 500", "amount = table(nope.csv)", 41,
                          "cannot open");
    expect_replaced_error(t, "unknown funder key", "per = person-month", "per = person-year", 39,
                          "expected person-month");
    expect_replaced_error(t, "indented line after a header", "[state soc]\n", "[state soc]\n  x\n",
                          20, "malformed line");
    expect_replaced_error(t, "continuation of nothing", "[state soc]\n", "[state soc]\n\n  x = 1\n",
                          21, "continues no value");
    expect_replaced_error(t, "initial share", "orientation:0.2, pro:0.8",
                          "orientation:0.2, pro:0.7", 10, "shares sum to 0.9");
    expect_replaced_error(t, "warmup and initial count", "initial.count = 100\n",
                          "initial.count = 100\nwarmup = 10y\n", 10, "not both");
    {
        char longline[400];
        memset(longline, 'a', sizeof longline);
        memcpy(longline, "label = ", 8);
        longline[sizeof longline - 2] = '\n';
        longline[sizeof longline - 1] = '\0';
        /* a long line without '=' is malformed, not cut in two */
        longline[6] = '_';
        char *text = replaced("outside = yes\n", longline);
        expect_error(t, "long line without =", text, 31, "line too long");
        free(text);
        /* a long section header is refused too */
        char header[300];
        memset(header, 'h', sizeof header);
        header[0] = '[';
        memcpy(header + sizeof header - 3, "]\n", 3);
        text = replaced("[resource places]\n", header);
        expect_error(t, "long section header", text, 34, "line too long");
        free(text);
    }
    long_lines(t);
    tc_write(t, "badhdr.csv", "when,weight\n1m,1\n");
    expect_replaced_error(t, "CSV header", "initial.count = 100\n",
                          "initial.count = 100\ninitial.seniority = table(badhdr.csv)\n", 10,
                          "header must be 'upper,weight'");
    tc_write(t, "badq.csv", "upper,weight\n1m,\"1\n");
    expect_replaced_error(t, "malformed CSV", "initial.count = 100\n",
                          "initial.count = 100\ninitial.seniority = table(badq.csv)\n", 10,
                          "malformed CSV");
    tc_write(t, "badrow.csv", "upper,weight\n1m,1\n2m,abc\n");
    expect_replaced_error(t, "CSV cell", "initial.count = 100\n",
                          "initial.count = 100\ninitial.seniority = table(badrow.csv)\n", 10,
                          "badrow.csv:3: weight");
    expect_replaced_error(t, "piecewise not from 0", "hazard 0.05/m",
                          "hazard piecewise(entry; 1m:0.05)/m", 16, "first piece must start at 0");
    expect_replaced_error(t, "piecewise bad clock", "hazard 0.05/m",
                          "hazard piecewise(age; 0m:0.05)/m", 16, "clock 'age'");

    /* scenario errors */
    tc_write(t, "base.ini", base_model);
    expect_error(t, "scenario: missing model file", "[scenario]\nlabel = x\nmodel = nowhere.ini\n",
                 3, "cannot open");
    expect_error(t, "scenario: bad set date",
                 "[scenario]\nmodel = base.ini\n[set 2019-13]\n"
                 "resource.places.capacity = 3\n",
                 3, "[set YYYY-MM]");
    expect_error(t, "scenario: key not settable",
                 "[scenario]\nmodel = base.ini\n[set 2019-03]\n"
                 "population.rsa.entry = pro\n",
                 4, "cannot be changed by date");
    expect_error(t, "scenario: unknown state",
                 "[scenario]\nmodel = base.ini\n[set 2019-03]\n"
                 "state.nope.on.x = hazard 1/y -> out\n",
                 4, "unknown state 'nope'");
    tc_write(t, "loop.ini", "[scenario]\nextends = loop.ini\n");
    {
        mdl_model *m = NULL;
        pc_err err;
        char p[512];
        int rc = mdl_load(tc_path(t, "loop.ini", p, sizeof p), &m, &err);
        CHECK(t, rc == PC_EINPUT && strstr(err.msg, "a cycle"),
              "a scenario extending itself is refused (%s)", err.msg);
    }
    {
        mdl_model *m = NULL;
        pc_err err;
        int rc = mdl_load("/nonexistent/file.ini", &m, &err);
        CHECK(t, rc == PC_EINPUT && strstr(err.msg, "cannot open"), "a missing file is named");
    }
    expect_error(t, "no model section", "[population rsa]\nentry = a\n[state a]\n", 0,
                 "no [model] section");
}

static void test_cfg_reader(tc_ctx *t)
{
    cfg_doc *doc;
    pc_err err;
    int rc = cfg_read_string("[a]\nx = 1\n[b]\ny = two words ; comment\n", "mem", &doc, &err);
    CHECK(t,
          rc == PC_OK && doc->n == 2 &&
              !strcmp(cfg_get(cfg_find(doc, "b"), "y")->value, "two words") &&
              cfg_get(cfg_find(doc, "b"), "y")->line == 4,
          "cfg: values, inline comments and line numbers");
    if (!rc)
        cfg_doc_free(doc);
    rc = cfg_read_string("x = 1\n", "mem", &doc, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "mem:1: x: key outside any section"),
          "cfg: a key before any section is refused (%s)", err.msg);
    rc = cfg_read_string("[a\nx = 1\n", "mem", &doc, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "mem:1:"),
          "cfg: an unclosed section header is refused");
    rc = cfg_read_string("[a]\nx y = 1\n", "mem", &doc, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "malformed key"),
          "cfg: a malformed key is refused");
}

static void test_parameters(tc_ctx *t)
{
    char *text = replaced("inflow.rate = 1200/y\n", "inflow.rate = ${flux}/y\n");
    char *text2 = malloc(strlen(text) + 400);
    strcpy(text2, text);
    strcat(text2, "[parameter flux]\nlabel = Entrees\nvalue = 1500\n"
                  "[parameter effet]\nvalue = uncertain triangular(min=1, mode=1.5, max=3)\n");
    free(text);
    text = text2;
    /* an inline law in a transition, followed directly by its unit */
    char *t3 = malloc(strlen(text) + 200);
    const char *at = strstr(text, "hazard 0.05/m -> exit_job");
    size_t a = (size_t)(at - text);
    memcpy(t3, text, a);
    strcpy(t3 + a, "hazard uncertain lognormal(mean=0.05, sd=0.01)/m -> exit_job");
    strcat(t3, at + strlen("hazard 0.05/m -> exit_job"));
    free(text);
    const char *path = tc_write(t, "params.ini", t3);
    free(t3);
    mdl_model *m;
    pc_err err;
    int rc = mdl_load(path, &m, &err);
    CHECK(t, rc == PC_OK, "parameters load (%s)", rc ? err.msg : "ok");
    if (rc)
        return;
    int flux = mdl_param_index(m, "flux"), effet = mdl_param_index(m, "effet");
    int inl = mdl_param_index(m, "state.pro.on.exit");
    CHECK(t, flux >= 0 && effet >= 0 && inl >= 0 && m->n_params == 3 && m->n_uncertain == 2,
          "named and inline parameters are listed (%zu, %zu uncertain)", m->n_params,
          m->n_uncertain);
    if (flux < 0 || effet < 0 || inl < 0) {
        mdl_free(m);
        return;
    }
    CHECK(t, fabs(mdl_schedule_at(&m->populations[0].inflow, 0) * MDL_DAYS_PER_YEAR - 1500) < 1e-9,
          "${flux}/y takes the parameter's value");
    CHECK(t, fabs(m->params[effet].mean - 11.0 / 6.0) < 1e-12,
          "a triangular parameter's mean is (min + mode + max) / 3");
    const mdl_param *pe = &m->params[effet];
    CHECK(t,
          fabs(mdl_param_quantile(pe, 0.25) - 1.5) < 1e-12 &&
              fabs(mdl_param_quantile(pe, 0.5) - (3 - sqrt(0.5 * 2 * 1.5))) < 1e-12,
          "triangular quantiles: the mode at F = (mode - min) / (max - min)");
    const mdl_law *law = &m->states[mdl_state_index(m, "pro")].transitions[0].versions[0].law;
    CHECK(t, fabs(law->p[0] * MDL_DAYS_PER_MONTH - 0.05) < 1e-12,
          "an inline uncertain rate resolves to its mean");
    double values[3];
    for (size_t i = 0; i < m->n_params; i++)
        values[i] = m->params[i].value;
    values[inl] = 0.08;
    values[flux] = 2400;
    mdl_model *inst;
    rc = mdl_instance(m, values, &inst, &err);
    CHECK(t, rc == PC_OK, "an instance resolves (%s)", rc ? err.msg : "ok");
    if (!rc) {
        const mdl_law *l2 =
            &inst->states[mdl_state_index(inst, "pro")].transitions[0].versions[0].law;
        CHECK(t,
              fabs(l2->p[0] * MDL_DAYS_PER_MONTH - 0.08) < 1e-12 &&
                  fabs(mdl_schedule_at(&inst->populations[0].inflow, 0) * MDL_DAYS_PER_YEAR -
                       2400) < 1e-9,
              "an instance takes the given values; the base model is unchanged (%g)",
              law->p[0] * MDL_DAYS_PER_MONTH);
        mdl_free(inst);
    }
    const char *keys[] = {"effet", "resource.places.capacity",
                          "set.2019-06.resource.places.capacity", "model.horizon"};
    const char *vals[] = {"2", "30", "40", "36"};
    mdl_model *ov;
    rc = mdl_override(m, 4, keys, vals, &ov, &err);
    CHECK(t, rc == PC_OK, "overrides resolve (%s)", rc ? err.msg : "ok");
    if (!rc) {
        int e2 = mdl_param_index(ov, "effet");
        CHECK(t,
              e2 >= 0 && ov->params[e2].law == MDL_PARAM_FIXED && ov->params[e2].value == 2 &&
                  ov->n_uncertain == 1,
              "overriding a parameter fixes it");
        CHECK(t,
              mdl_schedule_at(&ov->resources[0].capacity, 0) == 30 &&
                  mdl_schedule_at(&ov->resources[0].capacity, mdl_day_of(ov, 2019, 6)) == 40 &&
                  ov->horizon == 36,
              "overrides of a section key, a dated [set] and the horizon");
        mdl_free(ov);
    }
    const char *bad[] = {"resource.nowhere.capacity"};
    rc = mdl_override(m, 1, bad, vals, &ov, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "resource.nowhere.capacity: unknown key"),
          "an override of an unknown section is refused (%s)", err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mdl_print(f, m);
    fclose(f);
    CHECK(t,
          buf && strstr(buf, "parameter effet = uncertain triangular(min=1, mode=1.5, max=3) "
                             "(mean 1.83333) [drawn once per replication]"),
          "check lists the uncertain parameters");
    free(buf);
    mdl_free(m);

    expect_replaced_error(t, "unknown parameter", "inflow.rate = 1200/y", "inflow.rate = $nope/y",
                          8, "unknown parameter $nope");
    expect_replaced_error(t, "uncertain sd <= 0", "hazard 0.05/m",
                          "hazard uncertain normal(mean=0.05, sd=0)/m", 16, "sd must be > 0");
    expect_replaced_error(t, "triangular mode outside", "hazard 0.05/m",
                          "hazard uncertain triangular(min=0.01, mode=0.2, max=0.1)/m", 16,
                          "min <= mode <= max");
    expect_replaced_error(t, "impossible beta", "with 0.25",
                          "with uncertain beta(mean=0.25, sd=0.5)", 32, "sd^2 < mean (1 - mean)");
    expect_replaced_error(t, "unknown uncertain law", "hazard 0.05/m",
                          "hazard uncertain gumbel(mean=1, sd=1)/m", 16, "unknown law");
}

void suite_model(tc_ctx *t)
{
    test_parameters(t);
    test_cfg_reader(t);
    test_valid(t);
    test_continuation_and_comments(t);
    test_scenario(t);
    test_tables(t);
    test_errors(t);
}
