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
    (void)ctx;
    int width = 40, filled = (int)(width * done / (total ? total : 1));
    fprintf(stderr, "\r[%.*s%*s] %zu/%zu replications", filled,
            "########################################", width - filled, "", done, total);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

cli_progress_fn *cli_bar_if(int quiet)
{
    return cli_progress_wanted(quiet) ? cli_bar : NULL;
}
