/* fuzz_model — libFuzzer harness for the model parsers and one short replication.
 *
 * The input is a model file, optionally followed by tables separated by lines
 * "====": the first table is written as t1.csv, the second as t2.csv, and so
 * on, beside the model, so `table(t1.csv)` reaches the CSV reader.  Every input
 * must be accepted or refused with an input error; anything else aborts.
 *
 * A model that loads is then run for one replication, with its uncertain
 * parameters drawn, under small limits so that a slow model is not taken for a
 * hang: the horizon, the warm-up, the initial persons and the inflow are capped
 * here, and the engine stops the replication after FUZZ_MAX_EVENTS events
 * (eng_set_max_events).  A replication must end, with PC_OK or an input error
 * (a guard of the engine, a draw outside a key's domain); a hang, a crash or any
 * other status is a finding.  Built and run by `make fuzz` (clang's
 * -fsanitize=fuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/eng.h"
#include "core/mdl.h"
#include "core/rec.h"

#define FUZZ_MAX_MONTHS  24
#define FUZZ_MAX_WARMUP  (12 * MDL_DAYS_PER_MONTH)
#define FUZZ_MAX_INITIAL 200
#define FUZZ_MAX_INFLOW  (200 / MDL_DAYS_PER_MONTH) /* persons a day */
#define FUZZ_MAX_EVENTS  100000.0

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(text, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
}

static void cap(double *value, double limit)
{
    if (!(*value <= limit))
        *value = limit;
}

/* The persons a population brings in, capped (after any binding, which rewrites them). */
static void cap_persons(mdl_model *m)
{
    for (size_t p = 0; p < m->n_populations; p++) {
        mdl_population *P = &m->populations[p];
        if (P->initial_count > FUZZ_MAX_INITIAL)
            P->initial_count = FUZZ_MAX_INITIAL;
        cap(&P->inflow.before, FUZZ_MAX_INFLOW);
        for (size_t i = 0; i < P->inflow.n; i++)
            cap(&P->inflow.value[i], FUZZ_MAX_INFLOW);
    }
}

/* One replication of m with its parameters drawn at spread-out quantiles. */
static void run_once(mdl_model *m)
{
    if (m->horizon > FUZZ_MAX_MONTHS)
        m->horizon = FUZZ_MAX_MONTHS;
    for (size_t p = 0; p < m->n_populations; p++)
        cap(&m->populations[p].warmup, FUZZ_MAX_WARMUP);
    cap_persons(m);
    mdl_model *instance = NULL;
    pc_err err;
    if (m->n_params) {
        double *values = calloc(m->n_params, sizeof *values);
        if (!values || !(instance = mdl_instance_alloc(m)))
            abort();
        for (size_t i = 0; i < m->n_params; i++) {
            double u = 0.05 + 0.9 * ((double)((i * 7 + 3) % 10) / 9.0);
            values[i] = mdl_param_quantile(&m->params[i], u);
        }
        int rc = mdl_bind(instance, values, &err);
        free(values);
        if (rc != PC_OK && rc != PC_EINPUT)
            abort();
        if (rc) {
            mdl_free(instance);
            return;
        }
        for (size_t p = 0; p < instance->n_populations; p++)
            cap(&instance->populations[p].warmup, FUZZ_MAX_WARMUP);
        cap_persons(instance);
    }
    const mdl_model *run = instance ? instance : m;
    eng_workspace *engine = eng_alloc(run);
    rec_raw *raw = rec_raw_alloc(run);
    rec_catalog *catalog = rec_catalog_alloc(run);
    double *series = catalog ? calloc(catalog->n * (size_t)run->horizon + 1, sizeof *series) : NULL;
    if (!engine || !raw || !catalog || !series)
        abort();
    eng_set_max_events(engine, FUZZ_MAX_EVENTS);
    int rc = eng_run(engine, 1, 0, raw, &err);
    if (rc != PC_OK && rc != PC_EINPUT)
        abort();
    if (rc == PC_OK)
        rec_derive(run, catalog, raw, series);
    free(series);
    rec_catalog_free(catalog);
    rec_raw_free(raw);
    eng_free(engine);
    mdl_free(instance);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char dir[] = "/tmp/parcours-fuzz-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char *text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    char path[128];
    int part = 0;
    char *start = text;
    for (;;) {
        char *sep = strstr(start, "\n====\n");
        size_t len = sep ? (size_t)(sep - start) : strlen(start);
        if (part == 0)
            snprintf(path, sizeof path, "%s/model.ini", dir);
        else
            snprintf(path, sizeof path, "%s/t%d.csv", dir, part);
        if (write_file(path, start, len) != 0)
            abort();
        part++;
        if (!sep || part > 8)
            break;
        start = sep + 6;
    }
    snprintf(path, sizeof path, "%s/model.ini", dir);
    mdl_model *m = NULL;
    pc_err err;
    int rc = mdl_load(path, &m, &err);
    if (rc != PC_OK && rc != PC_EINPUT)
        abort();
    if (rc == PC_OK) {
        FILE *devnull = fopen("/dev/null", "w");
        if (devnull) {
            mdl_print(devnull, m);
            fclose(devnull);
        }
        run_once(m);
    }
    mdl_free(m);
    for (int k = 0; k < part; k++) {
        if (k == 0)
            snprintf(path, sizeof path, "%s/model.ini", dir);
        else
            snprintf(path, sizeof path, "%s/t%d.csv", dir, k);
        unlink(path);
    }
    rmdir(dir);
    free(text);
    return 0;
}
