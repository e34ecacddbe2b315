/* cli — signals, log lines, errors and progress on stderr (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "present/gnuplot.h"

struct cli_ctx {
    pthread_t thread;
    pthread_mutex_t writing; /* held while files are written */
    sigset_t signals;
};

/* The signals taken: those not ignored already (nohup, a shell's background job). */
static void signal_set(sigset_t *set)
{
    static const int taken[] = {SIGINT, SIGTERM, SIGHUP};
    sigemptyset(set);
    for (size_t i = 0; i < sizeof taken / sizeof taken[0]; i++) {
        struct sigaction now;
        if (sigaction(taken[i], NULL, &now) == 0 && now.sa_handler != SIG_IGN)
            sigaddset(set, taken[i]);
    }
}

/* Waits for a signal; when files are being written, waits for them; then dies by it. */
static void *take_signals(void *arg)
{
    cli_ctx *c = arg;
    int sig = 0;
    while (sigwait(&c->signals, &sig) != 0)
        continue;
    if (pthread_mutex_trylock(&c->writing) != 0) {
        /* write(2): stdio's lock may be held by the thread being interrupted */
        static const char note[] =
            "parcours: interrupted: finishing the files being written, then stopping\n";
        ssize_t ignored = write(STDERR_FILENO, note, sizeof note - 1);
        (void)ignored;
        pthread_mutex_lock(&c->writing);
    }
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    signal(sig, SIG_DFL);
    pthread_sigmask(SIG_UNBLOCK, &one, NULL);
    raise(sig);
    _exit(128 + sig); /* not reached: the default action ends the process */
}

cli_ctx *cli_start(void)
{
    cli_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    signal_set(&c->signals);
    sigset_t saved;
    if (pthread_mutex_init(&c->writing, NULL) != 0) {
        free(c);
        return NULL;
    }
    pthread_sigmask(SIG_BLOCK, &c->signals, &saved);
    if (pthread_create(&c->thread, NULL, take_signals, c) != 0) {
        pthread_sigmask(SIG_SETMASK, &saved, NULL);
        pthread_mutex_destroy(&c->writing);
        free(c);
        return NULL;
    }
    return c;
}

void cli_stop(cli_ctx *c)
{
    if (!c)
        return;
    pthread_cancel(c->thread); /* sigwait is a cancellation point */
    pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->writing);
    free(c);
}

void cli_hold(cli_ctx *c)
{
    if (c)
        pthread_mutex_lock(&c->writing);
}

void cli_release(cli_ctx *c)
{
    if (c)
        pthread_mutex_unlock(&c->writing);
}

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
    return PC_EENV;
}

int cli_flush(int rc)
{
    if (fflush(stdout) == 0)
        return rc;
    cli_log("standard output: cannot write: %s", strerror(errno));
    return rc ? rc : PC_EENV;
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

void cli_replaced(const char *dir, const folder_notes *notes)
{
    if (notes->removed[0])
        cli_log("removed what interrupted writes left: %s", notes->removed);
    if (notes->earlier[0])
        cli_log("replaced %s: %s", dir, notes->earlier);
}

int cli_commit_study(folder_stage *stage, int keep, int rc, const char *about, folder_notes *notes,
                     pc_err *err, int *written)
{
    pc_err retarget; /* the kept gnuplot scripts name the folder, not its temporary */
    int moved = keep ? gnuplot_retarget(stage->tmp, stage->dir, &retarget) : PC_OK;
    if (moved)
        keep = 0, rc = moved, *err = retarget;
    pc_err committing;
    int committed = folder_commit(stage, keep ? PC_OK : rc, about, notes, &committing);
    *written = keep && committed == PC_OK;
    if (keep && committed)
        rc = committed, *err = committing;
    return rc;
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
