/* test_output — a run's folder: complete or absent, consistent files, and a manifest
 * that reproduces the run bitwise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "core/fsio.h"
#include "core/mc.h"
#include "core/mdl.h"
#include "core/out.h"

static const char model_text[] =
    "[model]\nname = o\nstart = 2019-07\nhorizon = 30\n"
    "[population p]\nentry = a\ninflow.rate = 50/m\ninitial.count = 200\n"
    "initial.seniority = table(sen.csv)\n"
    "[state a]\nlabel = Attente, \"citée\"\n"
    "on.go = after lognormal(mean=40d, sd=20d) -> b:0.7, c:0.3\n"
    "[state b]\non.exit = hazard piecewise(entry; 0m:0.1, 12m:0.05)/m -> gone\n"
    "on.svc = hazard 0.02/m -> s\n"
    "[state c]\non.exit = hazard 0.03/m -> out\n"
    "[state s]\nresource = r\nqueue = w\non.end = after gamma(shape=3, mean=120d) -> gone\n"
    "[state w]\non.renege = after fixed(4m) -> b\n"
    "[state gone]\noutside = yes\non.back = with 0.2 after exponential(mean=6m) -> a\n"
    "[resource r]\ncapacity = 5\n"
    "[cost k]\nfunder = dep\nper = person-month\nstates = a, b, c\namount = 100\n";

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) {
        s[n] = '\0';
        *len = (size_t)n;
    }
    return s;
}

static int same_file(const char *a, const char *b)
{
    size_t la = 0, lb = 0;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

static int run_into(tc_ctx *t, const char *model_path, const char *dir, int threads,
                    mc_result **keep, mdl_model **keep_model)
{
    mdl_model *m;
    pc_err err;
    if (mdl_load(model_path, &m, &err)) {
        CHECK(t, 0, "loads: %s", err.msg);
        return -1;
    }
    unsigned long reps = 12, seed = 3;
    mc_options opt = {.reps = reps, .seed = (uint32_t)seed, .threads = threads};
    mc_result *r;
    if (mc_run(m, &opt, &r, &err)) {
        CHECK(t, 0, "runs: %s", err.msg);
        mdl_free(m);
        return -1;
    }
    out_info info = {.command = "parcours run test", .version = "test"};
    int rc = out_write_run(dir, r, &info, &err);
    if (rc)
        CHECK(t, 0, "writes %s: %s", dir, err.msg);
    if (keep) {
        *keep = r;
        *keep_model = m;
    } else {
        mc_result_free(r);
        mdl_free(m);
    }
    return rc;
}

/* Sum over a year's months of the monthly means of a flow equals the yearly mean. */
static void check_yearly(tc_ctx *t, const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/monthly.csv", dir);
    FILE *f = fopen(path, "r");
    double monthly_sum = 0, yearly = NAN;
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "out-model,entries.p,2020-", 25))
            monthly_sum += atof(strchr(line + 25, ',') + 1);
    if (f)
        fclose(f);
    snprintf(path, sizeof path, "%s/yearly.csv", dir);
    f = fopen(path, "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "out-model,entries.p,2020,", 25))
            yearly = atof(line + 25);
    if (f)
        fclose(f);
    CHECK(t, fabs(monthly_sum - yearly) < 1e-6 * yearly,
          "yearly entries 2020 = sum of the monthly means (%.6f vs %.6f)", yearly, monthly_sum);
}

/* fsio: a file appears whole or not at all; one CSV rule for text and numbers. */
static void check_fsio(tc_ctx *t)
{
    char path[700], nested[500], listing[900];
    tc_path(t, "fsio/a/b", nested, sizeof nested);
    pc_err err;
    CHECK(t, fsio_mkdirs(nested, &err) == PC_OK && fsio_mkdirs(nested, &err) == PC_OK,
          "fsio_mkdirs makes a folder and its parents, twice over");
    snprintf(path, sizeof path, "%s/x.csv", nested);
    fsio_file file;
    int rc = fsio_open(&file, path, &err);
    if (!rc) {
        fsio_csv_text(file.f, "plain", 1);
        fsio_csv_text(file.f, "a,b", 0);
        fsio_csv_text(file.f, "say \"hi\"", 0);
        fsio_csv_number(file.f, 1.0 / 3.0, 0);
        fsio_csv_number(file.f, NAN, 0);
        fsio_csv_exact(file.f, 0.1, 0);
        fsio_csv_number(file.f, 16018, 0);
        fputc('\n', file.f);
        rc = fsio_commit(&file, PC_OK, &err);
    }
    size_t len = 0;
    char *text = rc ? NULL : slurp(path, &len);
    const char *want = "plain,\"a,b\",\"say \"\"hi\"\"\",0.3333333333,NA,"
                       "0.10000000000000001,16018\n";
    int same = text && !strcmp(text, want);
    CHECK(t, same, "CSV: quoted only when needed, %%.10g, NA, exact values at 17 digits%s%s",
          same ? "" : ": got ",
          same   ? ""
          : text ? text
                 : err.msg);
    free(text);
    rc = fsio_open(&file, path, &err);
    if (!rc) {
        fputs("half a file", file.f);
        rc = fsio_commit(&file, PC_EINPUT, &err);
    }
    text = slurp(path, &len);
    snprintf(listing, sizeof listing, "ls -a '%s' | grep -c tmp- > /dev/null", nested);
    CHECK(t, rc == PC_EINPUT && text && !strcmp(text, want) && system(listing) != 0,
          "a write that fails leaves the earlier file and no temporary");
    free(text);
    snprintf(path, sizeof path, "%s/no/such/folder/x.csv", nested);
    CHECK(t, fsio_open(&file, path, &err) == PC_EINPUT && strstr(err.msg, "cannot create"),
          "a file where no folder is: input error naming it (%s)", err.msg);
}

void suite_output(tc_ctx *t)
{
    check_fsio(t);
    char model[512], d1[512], d2[512], d3[512], p1[900], p2[900];
    tc_write(t, "sen.csv", "upper,weight\n6m,1\n24m,1\n");
    snprintf(model, sizeof model, "%s", tc_write(t, "out-model.ini", model_text));
    tc_path(t, "run1", d1, sizeof d1);
    tc_path(t, "nested/deeper/run2", d2, sizeof d2);
    tc_path(t, "rerun", d3, sizeof d3);
    mc_result *r = NULL;
    mdl_model *m = NULL;
    if (run_into(t, model, d1, 1, &r, &m) || run_into(t, model, d2, 2, NULL, NULL))
        return;
    const char *files[] = {"monthly.csv", "yearly.csv", "replications.csv", "survival.csv",
                           "manifest.ini"};
    int all = 1, same = 1;
    for (size_t i = 0; i < 5; i++) {
        snprintf(p1, sizeof p1, "%s/%s", d1, files[i]);
        snprintf(p2, sizeof p2, "%s/%s", d2, files[i]);
        all &= access(p1, F_OK) == 0;
        if (i < 4)
            same &= same_file(p1, p2);
    }
    CHECK(t, all, "the run folder holds the five files");
    CHECK(t, same, "1 thread and 2 threads write identical CSV files");
    check_yearly(t, d1);

    /* replications.csv: a flow's total is the sum of its months */
    long v = rec_find(r->catalog, "exits.p");
    double total = 0;
    for (size_t k = 0; k < r->n_months; k++)
        total += mc_series(r, 4, (size_t)v)[k];
    snprintf(p1, sizeof p1, "%s/replications.csv", d1);
    size_t len;
    char *reps = slurp(p1, &len);
    char *row = reps ? strstr(reps, "\n4,3,") : NULL;
    int column = 0, found = 0;
    if (reps) {
        char *header_end = strchr(reps, '\n');
        *header_end = '\0';
        for (char *c = strtok(reps, ","); c; c = strtok(NULL, ","), column++)
            if (!strcmp(c, "exits.p"))
                break;
        *header_end = '\n';
    }
    if (row) {
        char *p = row + 1;
        for (int c = 0; c < column && p; c++)
            p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL;
        found = p && fabs(atof(p) - total) < 1e-6;
    }
    free(reps);
    CHECK(t, found, "replications.csv: replication 4's exits total %.0f", total);

    /* The manifest reproduces the run bitwise, tables included. */
    snprintf(p1, sizeof p1, "%s/manifest.ini", d1);
    mdl_model *mm;
    pc_err err;
    int rc = mdl_load(p1, &mm, &err);
    CHECK(t, rc == PC_OK, "the manifest loads (%s)", rc ? err.msg : "ok");
    if (!rc) {
        mc_options opt = {.reps = 12, .seed = 3, .threads = 2};
        mc_result *rr;
        if (!mc_run(mm, &opt, &rr, &err)) {
            out_info info = {.command = "x", .version = "test"};
            rc = out_write_run(d3, rr, &info, &err);
            snprintf(p1, sizeof p1, "%s/monthly.csv", d1);
            snprintf(p2, sizeof p2, "%s/monthly.csv", d3);
            CHECK(t, !rc && same_file(p1, p2), "rerunning the manifest gives the same monthly.csv");
            snprintf(p1, sizeof p1, "%s/survival.csv", d1);
            snprintf(p2, sizeof p2, "%s/survival.csv", d3);
            CHECK(t, same_file(p1, p2), "and the same survival.csv");
            mc_result_free(rr);
        }
        mdl_free(mm);
    }

    /* A run folder is replaced whole; a foreign non-empty folder is refused untouched. */
    out_info info = {.command = "x", .version = "test"};
    rc = out_write_run(d1, r, &info, &err);
    CHECK(t, rc == PC_OK, "an earlier run folder is replaced");
    char foreign[512], keep[700];
    tc_path(t, "foreign", foreign, sizeof foreign);
    mkdir(foreign, 0777);
    snprintf(keep, sizeof keep, "%s/notes.txt", foreign);
    FILE *f = fopen(keep, "w");
    if (f) {
        fputs("mine\n", f);
        fclose(f);
    }
    rc = out_write_run(foreign, r, &info, &err);
    snprintf(p1, sizeof p1, "%s/monthly.csv", foreign);
    CHECK(t, rc == PC_EINPUT && access(keep, F_OK) == 0 && access(p1, F_OK) != 0,
          "a folder that is not a run folder is left alone (%s)", err.msg);
    /* Unwritable place: nothing left behind. */
    snprintf(p1, sizeof p1, "%s/notes.txt/sub", foreign);
    rc = out_write_run(p1, r, &info, &err);
    char listing[800];
    snprintf(listing, sizeof listing, "ls -a '%s' | grep -c tmp- > /dev/null", foreign);
    CHECK(t, rc != PC_OK && system(listing) != 0, "a failed write leaves no temporary folder");
    mc_result_free(r);
    mdl_free(m);
}
