/* fuzz_model — libFuzzer harness for the model parsers (INI, CSV tables, resolution).
 *
 * The input is a model file, optionally followed by tables separated by lines
 * "====": the first table is written as t1.csv, the second as t2.csv, and so
 * on, beside the model, so `table(t1.csv)` reaches the CSV reader.  Every input
 * must be accepted or refused with an input error; anything else aborts.
 * Built and run by `make fuzz` (clang's -fsanitize=fuzzer). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mdl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int write_file(const char *path, const char *text, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(text, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
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
