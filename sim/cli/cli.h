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
#include "core/folder.h"
#include "study/cmp.h"

/* ---- signals ---------------------------------------------------------------------
 *
 * SIGINT, SIGTERM and SIGHUP end parcours at once, unless files are being written:
 * then they end it as soon as the files are complete (or removed), so that an
 * interruption never leaves half a folder.  The signals are blocked in every
 * thread (cli_start blocks them in main before any other thread exists, and
 * threads inherit the mask: OpenMP's workers, MPI's, gnuplot's pipe) and taken
 * in one place, a thread that waits for them; a command marks its writing
 * between cli_hold and cli_release.  The process then dies by the signal, as it
 * would have without parcours's help (exit status 128 + the signal's number in
 * a shell).  A signal ignored when parcours starts (nohup, a shell's background
 * job) stays ignored. */
typedef struct cli_ctx cli_ctx;

/* Blocks the signals in the calling thread and starts the thread that takes them.
 * Call it first in main.  NULL when that thread cannot start: the signals then keep
 * their default action (cli_hold and cli_release accept NULL). */
cli_ctx *cli_start(void);

/* Stops the signal thread and frees c (NULL is fine). */
void cli_stop(cli_ctx *c);

/* Files are being written: a signal waits until cli_release. */
void cli_hold(cli_ctx *c);
void cli_release(cli_ctx *c);

/* ---- messages ------------------------------------------------------------------- */

/* Prints "parcours: message" and a line break on stderr. */
void cli_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs err's message and returns status. */
int cli_fail(const pc_err *err, int status);

/* Logs "out of memory" and returns PC_EENV. */
int cli_out_of_memory(void);

/* Flushes stdout, where a command's results go: rc when it succeeds, else logs why
 * ("standard output: cannot write: No space left on device") and returns rc, or
 * PC_EENV when rc was PC_OK. */
int cli_flush(int rc);

/* Whether progress is drawn: not quiet, and stderr is a terminal. */
int cli_progress_wanted(int quiet);

/* A progress callback of mc_options. */
typedef void cli_progress_fn(void *ctx, size_t done, size_t total);

/* A progress bar ("[####    ] 40/100 replications"): the progress callback of
 * mc_options and of the Sobol design; ctx names what is counted (NULL: replications). */
void cli_bar(void *ctx, size_t done, size_t total);

/* cli_bar when progress is wanted (cli_progress_wanted), else NULL. */
cli_progress_fn *cli_bar_if(int quiet);

/* Logs what writing a folder replaced and removed (folder.h), when anything. */
void cli_replaced(const char *dir, const folder_notes *notes);

/* Ends a study folder whose charts may have failed: when keep, its gnuplot scripts are
 * retargeted from the temporary to the folder (gnuplot_retarget) and the folder is
 * committed, else the temporary is removed (folder_commit).  Returns rc, or the status
 * of a failed retarget or commit (err then says why); *written is 1 when the folder is
 * in place. */
int cli_commit_study(folder_stage *stage, int keep, int rc, const char *about, folder_notes *notes,
                     pc_err *err, int *written);

/* Logs how a precision target ended (share: the target, 0.01 for 1 %). */
void cli_precision(const cmp_precision_report *report, double share);

#endif
