/* err — status codes, the error message buffer, allocation helpers.
 *
 * Every fallible function of parcours returns an int status from enum pc_status
 * and, on failure, fills a pc_err with one line "file:line: key: what was
 * expected".  The status doubles as the process exit code (0 ok, 1 bad input,
 * 2 usage, 3 internal, 4 environment).  The library never prints: the message
 * travels back with the status, and the command line shows it (sim/cli/cli.h).
 *
 * Bad input is what the user can fix in a file or a path given (a value, a file
 * that does not exist); an environment failure is the machine refusing what was
 * asked of a path that is right (permission, read-only file system, no space
 * left, an I/O error) or memory running out: the message names the path and the
 * cause.  An internal error is a bug. */
#ifndef PARCOURS_ERR_H
#define PARCOURS_ERR_H

#include <stddef.h>

enum pc_status {
    PC_OK = 0,
    PC_EINPUT = 1,    /* bad file, bad value: the user can fix it */
    PC_EUSAGE = 2,    /* bad command line */
    PC_EINTERNAL = 3, /* a bug: a state the code should never reach */
    PC_EENV = 4,      /* cannot read, cannot write, no space, out of memory */
};

#define PC_ERR_MAX 1024

typedef struct {
    char msg[PC_ERR_MAX];
} pc_err;

/* Formats the message into err (if not NULL) and returns status. */
int pc_fail(pc_err *err, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* An input error at file:line for key: "file:line: key: message". */
int pc_fail_at(pc_err *err, const char *file, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The status of a system call that failed on a path with errno errnum: PC_EINPUT
 * when the path names nothing usable (no such file or folder, a file where a
 * folder is expected, a name too long or looping), PC_EENV otherwise. */
int pc_errno_status(int errnum);

/* "path: what: cause" (strerror(errnum)) with pc_errno_status(errnum). */
int pc_fail_errno(pc_err *err, int errnum, const char *path, const char *what);

/* "out of memory" (with what, when not NULL: "out of memory (what)"), PC_EENV. */
int pc_fail_memory(pc_err *err, const char *what);

/* Allocation helpers that never return NULL silently: NULL means out of memory. */
void *pc_calloc(size_t n, size_t size);
char *pc_strdup(const char *s);

/* A newly allocated formatted string, or NULL on out of memory. */
char *pc_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
