/* test_fuzz — the parsers never crash: thousands of mutated model, scenario and
 * table files, each either accepted or refused with an input error.
 *
 * A deterministic mutation fuzzer (fixed seed, a local xorshift generator) runs
 * in every `make check`; under `make check-sanitize` it also proves the absence
 * of memory errors on those inputs.  `make fuzz` runs the coverage-guided
 * libFuzzer harness in tests/fuzz/ for longer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/mdl.h"

static const char seed_model[] =
    "[model]\nname = F\nstart = 2018-01\nhorizon = 12\n"
    "[population rsa]\nentry = a\ninflow.rate = 2018-01:300/y, 2019-01:${rate}/y\n"
    "initial.count = 20\ninitial.state = a:0.5, b:0.5\ninitial.seniority = table(sen.csv)\n"
    "inflow.profile = table(prof.csv)\n"
    "[parameter rate]\nvalue = uncertain triangular(min=100, mode=200, max=400)\n"
    "[state a]\non.x = after lognormal(mean=10d, sd=5d) -> b:0.5, c:0.5\n"
    "on.y = with 0.3 hazard piecewise(entry; 0m:0.1, 6m:0.05)/m -> out\n"
    "[state b]\nresource = r\nqueue = q\n"
    "on.z = after gamma(shape=2, mean=uncertain uniform(min=20, max=40)d) -> c\n"
    "on.w = after empirical(table(emp.csv)) -> a\n"
    "[state q]\non.r = after fixed(3m) -> out\n"
    "[state c]\noutside = yes\non.back = hazard table(state; haz.csv) -> a\n"
    "[resource r]\ncapacity = 2018-01:3, 2018-06:5\netp.weight = 0.5\n"
    "[staff s]\nstates = a, b\ncaseload = 50\n"
    "[cost k]\nfunder = dep\nper = person-month\nstates = a\namount = table(amt.csv)\n"
    "indexation = 1.5%/y\n"
    "[cost u]\nfunder = etat\nper = unit-year\nresource = r\namount = 1000\n"
    "[set 2018-06]\nstate.a.on.x = after uniform(min=1d, max=5d) -> b\n"
    "resource.r.capacity = 8\n";

static const char *const seed_tables[][2] = {
    {"sen.csv", "upper,weight\n6m,1\n24m,2\n"},
    {"prof.csv", "month,factor\n1,1\n2,1\n3,1\n4,1\n5,1\n6,1\n7,1\n8,1\n9,1\n10,1\n11,1\n12,1\n"},
    {"emp.csv", "upper,weight\n10d,1\n\"30d\",3\n"},
    {"haz.csv", "from,rate\n0m,0.1/m\n3m,0.01/m\n"},
    {"amt.csv", "date,amount\n2018-01,500\n2018-04,510\n"},
};

/* Tokens that steer mutations towards the grammar's corners. */
static const char *const tokens[] = {
    "->",
    "(",
    ")",
    ":",
    ",",
    ";",
    " ;",
    "=",
    "[",
    "]",
    "\n",
    "\n  ",
    "%",
    "/m",
    "/y",
    "d",
    "table(",
    "piecewise(",
    "uncertain ",
    "with ",
    "hazard ",
    "after ",
    "$",
    "$rate",
    "out",
    "1e308",
    "-1",
    "nan",
    "inf",
    "0",
    "999999999999",
    "\"",
    "\r\n",
    "\t",
    "#",
    "set ",
    "[set 2018-13]",
    "[state a]",
    "[parameter p]\nvalue = 1\n",
    "entry;",
    "state;",
    "#2",
    "normal(mean=1, sd=0)",
    "triangular(min=1, mode=5, max=2)",
    "\xc3\xa9",
    "\xff",
};

static uint64_t next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

/* Applies a few random edits to text (len bytes) into out (size cap); returns the length. */
static size_t mutate(uint64_t *rng, const char *text, size_t len, char *out, size_t cap)
{
    size_t n = len < cap ? len : cap - 1;
    memcpy(out, text, n);
    int edits = 1 + (int)(next(rng) % 4);
    for (int e = 0; e < edits; e++) {
        size_t at = n ? next(rng) % n : 0;
        switch (next(rng) % 6) {
        case 0: /* flip a byte */
            if (n)
                out[at] = (char)(next(rng) & 0xff);
            break;
        case 1: /* delete a run */
        {
            size_t k = 1 + next(rng) % 16;
            if (at + k > n)
                k = n - at;
            memmove(out + at, out + at + k, n - at - k);
            n -= k;
            break;
        }
        case 2: /* insert a token */
        case 3: {
            const char *tok = tokens[next(rng) % (sizeof tokens / sizeof tokens[0])];
            size_t k = strlen(tok);
            if (n + k < cap) {
                memmove(out + at + k, out + at, n - at);
                memcpy(out + at, tok, k);
                n += k;
            }
            break;
        }
        case 4: /* duplicate a run */
        {
            size_t k = 1 + next(rng) % 64;
            if (at + k > n)
                k = n - at;
            if (n + k < cap) {
                memmove(out + at + k, out + at, n - at);
                n += k;
            }
            break;
        }
        default: /* cut the end */
            n = at;
            break;
        }
    }
    out[n] = '\0';
    /* the harness writes text files: a NUL would end the string early, which is fine */
    return n;
}

void suite_fuzz(tc_ctx *t)
{
    for (size_t k = 0; k < sizeof seed_tables / sizeof seed_tables[0]; k++)
        tc_write(t, seed_tables[k][0], seed_tables[k][1]);
    {
        mdl_model *m = NULL;
        pc_err err;
        int rc = mdl_load(tc_write(t, "fuzz.ini", seed_model), &m, &err);
        CHECK(t, rc == PC_OK, "the unmutated seed model loads (%s)", rc ? err.msg : "ok");
        mdl_free(m);
    }
    int runs = t->quick ? 600 : 4000;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    char buf[8192];
    int accepted = 0, refused = 0, bad = 0;
    char first_bad[PC_ERR_MAX + 64] = "";
    for (int i = 0; i < runs; i++) {
        for (size_t k = 0; k < sizeof seed_tables / sizeof seed_tables[0]; k++)
            tc_write(t, seed_tables[k][0], seed_tables[k][1]);
        /* one run in four mutates a table instead of the model */
        const char *path;
        if (next(&rng) % 4 == 0) {
            size_t k = next(&rng) % (sizeof seed_tables / sizeof seed_tables[0]);
            mutate(&rng, seed_tables[k][1], strlen(seed_tables[k][1]), buf, sizeof buf);
            tc_write(t, seed_tables[k][0], buf);
            path = tc_write(t, "fuzz.ini", seed_model);
        } else {
            mutate(&rng, seed_model, sizeof seed_model - 1, buf, sizeof buf);
            path = tc_write(t, "fuzz.ini", buf);
        }
        mdl_model *m = NULL;
        pc_err err = {{0}};
        int rc = mdl_load(path, &m, &err);
        if (rc == PC_OK)
            accepted++;
        else if (rc == PC_EINPUT && err.msg[0])
            refused++;
        else {
            if (!bad)
                snprintf(first_bad, sizeof first_bad, "run %d: status %d: %s", i, rc, err.msg);
            bad++;
        }
        mdl_free(m);
    }
    CHECK(t, bad == 0,
          "%d mutated files: %d accepted, %d refused with a message, none crashed or failed "
          "otherwise %s",
          runs, accepted, refused, first_bad);
    /* Most edits break a file; what matters is that some survive (the fuzzer reaches the
     * resolver's later stages) and that every refusal is a clean input error. */
    CHECK(t, accepted * 400 >= runs && refused > runs / 2,
          "the mutations reach both accepted and refused inputs (%d, %d)", accepted, refused);
}
