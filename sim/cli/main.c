/* main — the `parcours` command: dispatches to its sub-commands.
 *
 * Exit codes: 0 ok, 1 bad input (a clear message on stderr), 2 usage,
 * 3 internal, 4 environment (cannot read, cannot write, no space, out of
 * memory).  stdout carries results only.  Signals: cli.h. */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/out.h"
#include "opt.h"

#ifdef PARCOURS_MPI
#include <mpi.h>
#endif

static const char usage_text[] =
    "usage: parcours COMMAND [options]\n"
    "\n"
    "Monte Carlo projections of insertion pathways (RSA, IAE, parrainage, E2C).\n"
    "\n"
    "commands:\n"
    "  check FILE            validate a model or scenario and print the resolved model\n"
    "  run FILE              run replications and write monthly.csv, yearly.csv, ...\n"
    "  plot DIR...           draw the charts of one or several run folders\n"
    "  report SCENARIO...    run scenarios and write a committee report (index.html)\n"
    "  compare BASE ALT...   run scenarios with common random numbers, write paired differences\n"
    "  sensitivity FILE      one-at-a-time (tornado) and Sobol sensitivity of an output\n"
    "  calibrate FILE        fit free keys to observed targets; write a scenario overlay\n"
    "  size FILE             smallest capacity of a resource that meets a target\n"
    "  allocate FILE         share an ETP envelope across resources to cut waiting\n"
    "  backtest FILE         forecasts from past origins scored against later observations\n"
    "\n"
    "`parcours COMMAND --help` describes a command.  Files: docs/format.md.\n" OPT_EXIT_STATUS
    "SIGINT, SIGTERM and SIGHUP stop parcours at once, or once the files being written are\n"
    "complete: a folder appears whole or not at all.\n";

static const struct {
    const char *name;
    int (*run)(cli_ctx *, int, char **);
} commands[] = {
    {"check", cmd_check},         {"run", cmd_run},         {"plot", cmd_plot},
    {"report", cmd_report},       {"compare", cmd_compare}, {"sensitivity", cmd_sensitivity},
    {"calibrate", cmd_calibrate}, {"size", cmd_size},       {"allocate", cmd_allocate},
    {"backtest", cmd_backtest},
};

static int dispatch(cli_ctx *cli, int argc, char **argv);

#ifdef PARCOURS_MPI
/* With MPI, `run` shares its replications among the ranks, and `calibrate` those of each
 * simulator call; the other commands are not distributed. */
int main(int argc, char **argv)
{
    cli_ctx *cli = cli_start(); /* before any thread: every thread inherits its signal mask */
    int provided, ranks, rank;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    int rc;
    if (ranks > 1 && (argc < 2 || (strcmp(argv[1], "run") && strcmp(argv[1], "calibrate")))) {
        if (rank == 0)
            fprintf(stderr, "parcours: only `parcours run` and `parcours calibrate` share their "
                            "replications among MPI ranks; run other commands on one rank\n");
        rc = PC_EUSAGE;
    } else {
        rc = dispatch(cli, argc, argv);
    }
    MPI_Finalize();
    cli_stop(cli);
    return rc;
}
#else
int main(int argc, char **argv)
{
    cli_ctx *cli = cli_start(); /* before any thread: every thread inherits its signal mask */
    int rc = dispatch(cli, argc, argv);
    cli_stop(cli);
    return rc;
}
#endif

static int dispatch(cli_ctx *cli, int argc, char **argv)
{
    gsl_set_error_handler_off();
    if (argc < 2) {
        fputs(usage_text, stderr);
        return PC_EUSAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage_text, stdout);
        return PC_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("parcours %s\n", PARCOURS_VERSION);
        return PC_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(cli, argc - 1, argv + 1);
    fprintf(stderr, "parcours: unknown command '%s'\n\n%s", argv[1], usage_text);
    return PC_EUSAGE;
}
