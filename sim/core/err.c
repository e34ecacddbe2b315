/* err — status codes, error messages, allocation helpers (see err.h). */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pc_fail(pc_err *err, int status, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return status;
}

int pc_fail_at(pc_err *err, const char *file, int line, const char *key, const char *fmt, ...)
{
    if (err) {
        char what[PC_ERR_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        if (line > 0)
            snprintf(err->msg, sizeof err->msg, "%.300s:%d: %.160s: %.540s", file ? file : "?",
                     line, key ? key : "?", what);
        else
            snprintf(err->msg, sizeof err->msg, "%.300s: %.160s: %.540s", file ? file : "?",
                     key ? key : "?", what);
    }
    return PC_EINPUT;
}

int pc_errno_status(int errnum)
{
    switch (errnum) {
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
    case ENAMETOOLONG:
    case ELOOP:
        return PC_EINPUT;
    default:
        return PC_EENV;
    }
}

int pc_fail_errno(pc_err *err, int errnum, const char *path, const char *what)
{
    return pc_fail(err, pc_errno_status(errnum), "%.600s: %s: %s", path, what, strerror(errnum));
}

int pc_fail_memory(pc_err *err, const char *what)
{
    if (what)
        return pc_fail(err, PC_EENV, "out of memory (%s)", what);
    return pc_fail(err, PC_EENV, "out of memory");
}

void *pc_calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        n = size = 1;
    return calloc(n, size);
}

char *pc_strdup(const char *s)
{
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy)
        memcpy(copy, s, len);
    return copy;
}

char *pc_strf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
