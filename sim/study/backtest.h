/* backtest — forecasts made from past origins, scored against what was observed later.
 *
 * For each forecast origin o (a month whose end value is observed), the model
 * is started at o + 1 from the observed state (population P starts with the
 * observed `stock.P` of month o as its initial.count; populations without an
 * observation at o keep the model's initial state), with only the observations
 * up to o: the fitted keys (KEY=LOW:HIGH, as `parcours calibrate --free` takes
 * them) are first calibrated (calib.h) on a run started at o - W + 1 from the
 * stock observed at o - W, to every observation of the months o - W + 1 .. o
 * (W the fit window).  The forecast run then scores each observed variable at
 * each horizon h (month o + h) that is observed:
 *
 *   - whether the observation lies in the 50 % (p25-p75) and 90 % (p05-p95) bands;
 *   - its probability integral transform, PIT = (#{x < y} + #{x = y} / 2) / n over
 *     the n replications x (uniform on (0, 1) when the forecast distribution is right);
 *   - the continuous ranked probability score of the replications' empirical law,
 *     CRPS = mean |x - y| - mean |x - x'| / 2, in the variable's unit and
 *     relative to the observation;
 *   - the relative error of the median, (p50 - y) / y, and that of the naive
 *     forecast (the value at the origin carried forward), (y(o) - y) / y.
 *
 * Series breaks: a break at month b says that values from b on belong to a new
 * series; no fit window and no scored window may span it (from a month before b
 * to b or later): a scored window that would is left out, an origin whose fit
 * window would is refused.
 *
 * The [observations] section of the model is left out of the runs (the origins
 * move the model's start; the observed series is --observed).
 *
 * Errors: PC_EINPUT naming the file and line, or the option (--origins,
 * --horizons, --breaks, --fit, --fit-window), PC_EINTERNAL for out of memory;
 * the status of a run otherwise. */
#ifndef PARCOURS_BACKTEST_H
#define PARCOURS_BACKTEST_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/mdl.h"

#define BACKTEST_PIT_BINS 10

typedef struct {
    char *variable;
    int month; /* year * 12 + month - 1 */
    double value;
    int line;
} backtest_obs;

typedef struct {
    const mdl_model *model; /* borrowed: the model as given */
    mdl_model *base;        /* the model without [observations] */
    char *observed_path;
    size_t n_obs;
    backtest_obs *obs;
    size_t n_origins, n_horizons, n_breaks, n_fit;
    int *origins;  /* months */
    int *horizons; /* months, > 0, increasing */
    int *breaks;   /* months */
    char **fit;    /* KEY=LOW:HIGH[:START] */
    int fit_window;
} backtest_problem;

typedef struct {
    size_t reps;     /* replications of each forecast */
    size_t fit_reps; /* replications of each simulator call of a fit */
    uint32_t seed;
    int threads;     /* 0: OpenMP's default */
    size_t max_iter; /* simplex iterations of a fit */
    double tol;      /* simplex size of a fit (logit units) */
    /* Called after each origin when not NULL (done, total). */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} backtest_options;

/* One scored forecast: a variable, an origin and a horizon. */
typedef struct {
    char variable[256];
    int origin, horizon, month;
    double observed, origin_value;
    double mean, p05, p25, p50, p75, p95;
    double pit, crps, crps_rel, error_median, error_naive;
    int in50, in90;
} backtest_row;

/* The scores of a set of rows (one horizon, or all). */
typedef struct {
    int horizon; /* 0: all horizons */
    size_t n;
    double cover50, cover90;       /* shares of rows inside the bands */
    double crps_rel;               /* mean CRPS relative to the observation */
    double mae_median;             /* mean |relative error| of the median */
    double mae_naive;              /* ... of the naive forecast */
    double bias_median;            /* mean relative error of the median */
    size_t pit[BACKTEST_PIT_BINS]; /* PIT histogram: counts in [k/10, (k+1)/10) */
} backtest_score;

typedef struct {
    size_t n_rows;
    backtest_row *rows;
    size_t n_scores; /* one per horizon, then all */
    backtest_score *scores;
    size_t n_fitted;   /* origins x fitted keys */
    char **fitted;     /* [origin][key]: the fitted value as written ("4500/y") */
    double *objective; /* [origin]: the fit's objective (NaN without --fit) */
    size_t reps;
} backtest_result;

/* A problem for m (borrowed; it must outlive the problem).  PC_OK and *out. */
int backtest_problem_alloc(const mdl_model *m, backtest_problem **out, pc_err *err);
void backtest_problem_free(backtest_problem *p);

/* Reads the observed series: `variable,period,value[,tolerance[,source]]` as the
 * [observations] table, period YYYY-MM (a month-end stock, a month's flow). */
int backtest_read_observed(backtest_problem *p, const char *path, pc_err *err);

/* "2012-12,2013-12" (origins, each observed), "12,24" (horizons in months, > 0),
 * "2016-12" (breaks, may be empty).  Read the observed series first. */
int backtest_set_origins(backtest_problem *p, const char *text, pc_err *err);
int backtest_set_horizons(backtest_problem *p, const char *text, pc_err *err);
int backtest_set_breaks(backtest_problem *p, const char *text, pc_err *err);

/* Fitted keys (KEY=LOW:HIGH[:START]) and the fit window in months (default 12);
 * checked by backtest_validate. */
int backtest_add_fit(backtest_problem *p, const char *spec, pc_err *err);
int backtest_set_fit_window(backtest_problem *p, int months, pc_err *err);

/* Checks that every origin can be started and fitted (its state and fit window
 * observed, no break inside).  backtest_run calls it. */
int backtest_validate(const backtest_problem *p, pc_err *err);

int backtest_run(const backtest_problem *p, const backtest_options *opt, backtest_result **out,
                 pc_err *err);
void backtest_result_free(backtest_result *r);

/* backtest.csv, one row per scored forecast:
 *   variable,origin,horizon,month,observed,origin_value,mean,p05,p25,p50,p75,p95,
 *   in50,in90,pit,crps,crps_rel,error_median,error_naive
 * and the summary (backtest-summary.csv), one row per horizon then `all`:
 *   horizon,n,cover50,cover90,crps_rel,mae_median,mae_naive,bias_median,pit_0,...,pit_9
 * and the fitted values (backtest-fit.csv): origin,key,value,objective. */
int backtest_write_rows(const backtest_result *r, const char *path, pc_err *err);
int backtest_write_summary(const backtest_result *r, const char *path, pc_err *err);
int backtest_write_fit(const backtest_problem *p, const backtest_result *r, const char *path,
                       pc_err *err);

/* "2012-12" from a month number. */
void backtest_month_text(int month, char *buf, size_t size);

#endif
