/* cmd — the commands of `parcours`, one file each (cmd_check.c, cmd_run.c, ...).
 *
 * A command takes the arguments that follow `parcours` (argv[0] is its own
 * name), reads them with opt_parse (opt.h), calls the library, prints its
 * results on stdout and its messages on stderr (cli.h), and returns the exit
 * status: 0 ok, 1 bad input, 2 usage, 3 internal.  main.c only dispatches. */
#ifndef PARCOURS_CMD_H
#define PARCOURS_CMD_H

int cmd_check(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_sensitivity(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_size(int argc, char **argv);
int cmd_allocate(int argc, char **argv);
int cmd_backtest(int argc, char **argv);

#endif
