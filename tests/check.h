/* check — the tiny test harness: one line per check, a closing "N passed, N failed". */
#ifndef PARCOURS_CHECK_H
#define PARCOURS_CHECK_H

#include <stddef.h>

typedef struct {
    int passed, failed;
    int quick;        /* PARCOURS_QUICK set: fewer replications (sanitizer builds) */
    char tmpdir[256]; /* a scratch folder removed at the end */
    const char *suite;
} tc_ctx;

void tc_check(tc_ctx *t, int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#define CHECK(t, cond, ...) tc_check((t), (cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

/* Writes text to tmpdir/name and returns the path (static per ctx: copy it). */
const char *tc_write(tc_ctx *t, const char *name, const char *text);

/* A path inside tmpdir (into buf). */
const char *tc_path(tc_ctx *t, const char *name, char *buf, size_t size);

/* Suites: one per test file. */
void suite_model(tc_ctx *t);
void suite_engine(tc_ctx *t);
void suite_stats(tc_ctx *t);
void suite_output(tc_ctx *t);
void suite_fuzz(tc_ctx *t);
void suite_models(tc_ctx *t);
void suite_plot(tc_ctx *t);
void suite_compare(tc_ctx *t);
void suite_sens(tc_ctx *t);
void suite_fit(tc_ctx *t);
void suite_sizing(tc_ctx *t);
void suite_bind(tc_ctx *t);
void suite_guards(tc_ctx *t);
void suite_indicators(tc_ctx *t);
void suite_drivers(tc_ctx *t);
void suite_observed(tc_ctx *t);
void suite_attributes(tc_ctx *t);
void suite_opt(tc_ctx *t);
void suite_exact(tc_ctx *t);
void suite_calibration(tc_ctx *t);
void suite_france(tc_ctx *t);
void suite_xlsx(tc_ctx *t);
void suite_backtest(tc_ctx *t);
void suite_simplex(tc_ctx *t);

#endif
