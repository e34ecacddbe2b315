/* main — runs every test suite, or those named on the command line. */
#include "check.h"

#include <gsl/gsl_errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path_buf[512];

void tc_check(tc_ctx *t, int ok, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %s: ", ok ? "ok  " : "FAIL", t->suite);
    vprintf(fmt, ap);
    if (!ok)
        printf("  (%s:%d)", file, line);
    putchar('\n');
    fflush(stdout);
    va_end(ap);
    if (ok)
        t->passed++;
    else
        t->failed++;
}

const char *tc_path(tc_ctx *t, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", t->tmpdir, name);
    return buf;
}

const char *tc_write(tc_ctx *t, const char *name, const char *text)
{
    tc_path(t, name, path_buf, sizeof path_buf);
    FILE *f = fopen(path_buf, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path_buf);
        exit(3);
    }
    return path_buf;
}

/* One suite a line (more than 20 entries would be laid out in columns). */
/* clang-format off */
static const struct {
    const char *name;
    void (*run)(tc_ctx *);
} suites[] = {
    {"model", suite_model},
    {"engine", suite_engine},
    {"stats", suite_stats},
    {"output", suite_output},
    {"models", suite_models},
    {"plot", suite_plot},
    {"fuzz", suite_fuzz},
    {"compare", suite_compare},
    {"sens", suite_sens},
    {"fit", suite_fit},
    {"sizing", suite_sizing},
    {"bind", suite_bind},
    {"guards", suite_guards},
    {"indicators", suite_indicators},
    {"drivers", suite_drivers},
    {"observed", suite_observed},
    {"attributes", suite_attributes},
    {"opt", suite_opt},
    {"exact", suite_exact},
    {"calibration", suite_calibration},
    {"france", suite_france},
    {"xlsx", suite_xlsx},
    {"backtest", suite_backtest},
    {"simplex", suite_simplex},
};
/* clang-format on */

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    tc_ctx t = {0};
    t.quick = getenv("PARCOURS_QUICK") != NULL;
    snprintf(t.tmpdir, sizeof t.tmpdir, "%s/parcours-test-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(t.tmpdir)) {
        perror("mkdtemp");
        return 3;
    }
    for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
        int wanted = argc < 2;
        for (int a = 1; a < argc; a++)
            wanted |= strcmp(argv[a], suites[i].name) == 0;
        if (!wanted)
            continue;
        t.suite = suites[i].name;
        suites[i].run(&t);
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t.tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", t.tmpdir);
    printf("%d passed, %d failed\n", t.passed, t.failed);
    return t.failed ? 1 : 0;
}
