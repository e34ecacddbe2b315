/* opt — helpers shared by the sub-commands' option parsers.
 *
 * Every sub-command reads `--name VALUE` or `--name=VALUE` options and whole
 * numbers within bounds the same way; these two functions are that way. */
#ifndef PARCOURS_OPT_H
#define PARCOURS_OPT_H

/* A decimal whole number from 0 to max, without sign or trailing text: 1 and *out,
 * or 0. */
int opt_count(const char *text, unsigned long max, unsigned long *out);

/* opt_count with a lower bound: PC_OK and *out, or PC_EINPUT after logging
 * "COMMAND: OPTION: expected MIN to MAX, got 'TEXT'". */
int opt_bounded(const char *text, unsigned long min, unsigned long max, unsigned long *out,
                const char *command, const char *option);

/* If argv[*i] is option name ("--reps"), its value: "--reps=5" or the next
 * argument (then *i moves past it).  NULL if argv[*i] is another option, or with
 * *missing set when the value is missing. */
const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing);

#endif
