/* err — status codes, the error message buffer, allocation helpers.
 *
 * Every fallible function of parcours returns an int status from enum pc_status
 * and, on failure, fills a pc_err with one line "file:line: key: what was
 * expected".  The status doubles as the process exit code (0 ok, 1 bad input,
 * 2 usage, 3 internal).  The library never prints: the message travels back
 * with the status, and the command line shows it (sim/cli/cli.h). */
#ifndef PARCOURS_ERR_H
#define PARCOURS_ERR_H

#include <stddef.h>

enum pc_status {
    PC_OK = 0,
    PC_EINPUT = 1,    /* bad file, bad value: the user can fix it */
    PC_EUSAGE = 2,    /* bad command line */
    PC_EINTERNAL = 3, /* a bug, out of memory, or a failed system call */
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

/* Allocation helpers that never return NULL silently: NULL means out of memory. */
void *pc_calloc(size_t n, size_t size);
char *pc_strdup(const char *s);

/* A newly allocated formatted string, or NULL on out of memory. */
char *pc_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
