/* cmd — the commands of `parcours`, one file each (cmd_check.c, cmd_run.c, ...).
 *
 * A command takes the arguments that follow `parcours` (argv[0] is its own
 * name), reads them with opt_parse (opt.h), calls the library, prints its
 * results on stdout and its messages on stderr (cli.h), holds the signals
 * while it writes files (cli_hold with cli, which may be NULL), and returns the
 * exit status: 0 ok, 1 bad input, 2 usage, 3 internal, 4 environment.  main.c
 * only dispatches. */
#ifndef PARCOURS_CMD_H
#define PARCOURS_CMD_H

#include "cli.h"

int cmd_check(cli_ctx *cli, int argc, char **argv);
int cmd_run(cli_ctx *cli, int argc, char **argv);
int cmd_plot(cli_ctx *cli, int argc, char **argv);
int cmd_report(cli_ctx *cli, int argc, char **argv);
int cmd_compare(cli_ctx *cli, int argc, char **argv);
int cmd_sensitivity(cli_ctx *cli, int argc, char **argv);
int cmd_calibrate(cli_ctx *cli, int argc, char **argv);
int cmd_size(cli_ctx *cli, int argc, char **argv);
int cmd_allocate(cli_ctx *cli, int argc, char **argv);
int cmd_backtest(cli_ctx *cli, int argc, char **argv);

#endif
