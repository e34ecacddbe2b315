/* cli — log lines, errors and progress on stderr (see cli.h). */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

void cli_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("parcours: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_fail(const pc_err *err, int status)
{
    cli_log("%s", err->msg);
    return status;
}

int cli_out_of_memory(void)
{
    cli_log("out of memory");
    return PC_EINTERNAL;
}

int cli_progress_wanted(int quiet)
{
    return !quiet && isatty(STDERR_FILENO);
}

void cli_bar(void *ctx, size_t done, size_t total)
{
    const char *what = ctx ? ctx : "replications";
    int width = 40, filled = (int)(width * done / (total ? total : 1));
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu %s", filled, "########################################",
            width - filled, "", done, total, what);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

cli_progress_fn *cli_bar_if(int quiet)
{
    return cli_progress_wanted(quiet) ? cli_bar : NULL;
}

void cli_precision(const cmp_precision_report *rep, double share)
{
    if (rep->memory_cap)
        cli_log("precision: at most %zu replications of this model fit in 2 GB", rep->memory_cap);
    if (rep->met)
        cli_log("precision: the 95 %% intervals are within %.3g %% of the mean (widest %.3g %%, "
                "%s) after %zu replications in %zu batch%s",
                100 * share, 100 * rep->worst, rep->worst_key, rep->reps, rep->batches,
                rep->batches > 1 ? "es" : "");
    else
        cli_log("precision: %.3g %% not reached: widest 95 %% interval %.3g %% of the mean (%s) "
                "after %zu replications, the limit",
                100 * share, 100 * rep->worst, rep->worst_key, rep->reps);
}
