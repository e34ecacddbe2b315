/* cli — what the commands say on the terminal besides their results.
 *
 * stdout carries results only (tables, the paths written); everything else goes
 * to stderr through cli_log, the one logging function: errors (cli_fail), the
 * summaries a command ends with, and progress.  Progress (a bar, a line per
 * step of a long study) is drawn only when stderr is a terminal and the command
 * was not asked to be quiet (cli_progress_wanted); the library reports it
 * through callbacks and never prints. */
#ifndef PARCOURS_CLI_H
#define PARCOURS_CLI_H

#include <stddef.h>

#include "core/err.h"
#include "study/cmp.h"

/* Prints "parcours: message" and a line break on stderr. */
void cli_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs err's message and returns status. */
int cli_fail(const pc_err *err, int status);

/* Logs "out of memory" and returns PC_EINTERNAL. */
int cli_out_of_memory(void);

/* Whether progress is drawn: not quiet, and stderr is a terminal. */
int cli_progress_wanted(int quiet);

/* A progress callback of mc_options. */
typedef void cli_progress_fn(void *ctx, size_t done, size_t total);

/* A progress bar ("[####    ] 40/100 replications"): the progress callback of
 * mc_options and of the Sobol design; ctx names what is counted (NULL: replications). */
void cli_bar(void *ctx, size_t done, size_t total);

/* cli_bar when progress is wanted (cli_progress_wanted), else NULL. */
cli_progress_fn *cli_bar_if(int quiet);

/* Logs how a precision target ended (share: the target, 0.01 for 1 %). */
void cli_precision(const cmp_precision_report *report, double share);

#endif
