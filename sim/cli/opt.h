/* opt — the one option parser of every command: a table of options read declaratively.
 *
 * A command describes its options as a table of opt_spec (name, kind, bounds,
 * destination) and its arguments (how many, where they go) in an opt_command;
 * opt_parse reads argv against it.  So every command reads its command line the
 * same way:
 *   - `--name VALUE` and `--name=VALUE` alike; a flag takes no value; a value
 *     that starts with "--" is taken for a missing value;
 *   - a whole number or a number within its entry's bounds, a choice among its
 *     words, a month YYYY-MM, or what the entry's own parser accepts;
 *   - `--help` or `-h` prints the usage text on stdout and opt_parse returns
 *     OPT_HELP (the command then exits 0);
 *   - a usage error (an unknown option, a missing or malformed value, a value out
 *     of range, a required option or argument missing, one argument too many)
 *     prints "parcours COMMAND: what was wrong", a blank line and the usage text
 *     on stderr, and opt_parse returns PC_EUSAGE (exit 2).
 * The options several commands share are built by opt_reps, opt_seed,
 * opt_threads, opt_out, opt_quiet and opt_lang, so that they have the same
 * ranges and meaning everywhere: --threads 0 (or no --threads) means all cores.
 *
 * opt_command_line joins argv into the command line a manifest records. */
#ifndef PARCOURS_OPT_H
#define PARCOURS_OPT_H

#include <stddef.h>

#include "core/err.h"

#define OPT_HELP (-1) /* opt_parse: --help was asked and printed */

/* What every command's --help ends with: the exit statuses (err.h). */
#define OPT_EXIT_STATUS                                                                            \
    "\nExit status: 0 ok; 1 bad input (the message names file:line: key); 2 usage; 3 internal\n"   \
    "error; 4 the machine refused (cannot read or write a file: permission, read-only file\n"      \
    "system, no space left; out of memory), the message naming the path and the cause.\n"

typedef enum {
    OPT_FLAG,   /* int: set to 1 */
    OPT_UINT,   /* unsigned long: a decimal whole number within [min, max] */
    OPT_REAL,   /* double: a number within [min, max] (min excluded with above_min) */
    OPT_TEXT,   /* const char *: the value as written */
    OPT_TEXTS,  /* const char *[argc]: every value of a repeated option, *count of them */
    OPT_CHOICE, /* int: the index of the value among choices ("fr|en": fr 0, en 1) */
    OPT_MONTH,  /* int[2]: year and month of YYYY-MM */
    OPT_CUSTOM, /* whatever parse writes; its error message is shown */
} opt_kind;

typedef struct {
    const char *name; /* without the dashes: "reps" */
    opt_kind kind;
    void *dest;
    double min, max;     /* OPT_UINT, OPT_REAL */
    int above_min;       /* OPT_REAL: min itself is out of range */
    const char *choices; /* OPT_CHOICE: words separated by '|' */
    size_t *count;       /* OPT_TEXTS */
    int (*parse)(const char *text, void *dest, pc_err *err); /* OPT_CUSTOM: PC_OK or an error */
    int required;                                            /* a usage error when absent */
    int *given;                                              /* set to 1 when present */
} opt_spec;

typedef struct {
    const char *name;  /* the command: messages read "parcours NAME: ..." */
    const char *usage; /* its usage text, shown by --help and after a usage error */
    const opt_spec *specs;
    size_t n_specs;
    const char **args; /* receives the arguments (room for argc) */
    size_t *n_args;
    size_t min_args, max_args; /* max_args 0: no limit */
    const char *args_missing;  /* the message when fewer than min_args: "FILE is required" */
} opt_command;

/* Reads argv[1..argc-1] (argv[0] is the command's name) against cmd.  PC_OK,
 * OPT_HELP (the usage text printed on stdout) or PC_EUSAGE (the message and the
 * usage text printed on stderr). */
int opt_parse(const opt_command *cmd, int argc, char **argv);

/* Prints "parcours COMMAND: message", a blank line and the usage text on stderr
 * and returns PC_EUSAGE: for the rules a table cannot say (options that go
 * together). */
int opt_usage_error(const opt_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The entries of each kind.  Bounds are inclusive. */
opt_spec opt_flag(const char *name, int *dest);
opt_spec opt_uint(const char *name, unsigned long *dest, unsigned long min, unsigned long max);
opt_spec opt_real(const char *name, double *dest, double min, double max, int above_min);
opt_spec opt_text(const char *name, const char **dest);
opt_spec opt_texts(const char *name, const char **dest, size_t *count);
opt_spec opt_choice(const char *name, int *dest, const char *choices);
opt_spec opt_month(const char *name, int *year_month);
opt_spec opt_custom(const char *name, void *dest,
                    int (*parse)(const char *text, void *dest, pc_err *err));

/* s, required: its absence is a usage error. */
opt_spec opt_required(opt_spec s);

/* s, noting in *given whether it was present. */
opt_spec opt_seen(opt_spec s, int *given);

/* The options every command that runs replications shares. */
opt_spec opt_reps(unsigned long *dest);    /* --reps N, 1 to 1000000 */
opt_spec opt_seed(unsigned long *dest);    /* --seed S, 0 to 4294967295 */
opt_spec opt_threads(unsigned long *dest); /* --threads T, 0 (all cores) to 1024 */
opt_spec opt_out(const char **dest);       /* --out PATH */
opt_spec opt_quiet(int *dest);             /* --quiet: no progress, no log lines */
opt_spec opt_lang(int *dest);              /* --lang fr|en: 0 French, 1 English */

/* text as a decimal whole number from min to max, without sign or trailing text:
 * 1 and *out, or 0. */
int opt_whole(const char *text, unsigned long min, unsigned long max, unsigned long *out);

/* "parcours ARG..." from argv[0..argc-1], a new string (NULL: out of memory). */
char *opt_command_line(int argc, char **argv);

#endif
