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
