/* test_opt — the option parser every command uses (sim/cli/opt.c), and the commands' tables.
 *
 * A table of every kind of option is read from command lines written both ways
 * (`--name VALUE`, `--name=VALUE`); each usage error (unknown option, missing
 * value, value out of range or malformed, required option or argument missing,
 * one argument too many, a value given to a flag) must return PC_EUSAGE and
 * print the command's usage text on stderr, which is captured here.  Then every
 * command is asked the same wrong questions and must answer exit 2 the same
 * way, before it reads any file. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/opt.h"

static const char test_usage[] = "usage: parcours demo FILE [options]\n";

typedef struct {
    unsigned long reps, seed, threads;
    double share;
    const char *out;
    const char *vars[8];
    size_t n_vars;
    int quiet, lang, month[2], reps_given;
    const char *args[4];
    size_t n_args;
    char stdout_text[4096], stderr_text[4096];
} parsed;

/* Calls f(argc, argv, ctx) with stdout and stderr captured into out and err (size bytes each). */
static int captured(tc_ctx *t, int (*f)(int, char **, void *), int argc, char **argv, void *ctx,
                    char *out, char *err, size_t size)
{
    char path[2][600];
    tc_path(t, "captured-stdout.txt", path[0], sizeof path[0]);
    tc_path(t, "captured-stderr.txt", path[1], sizeof path[1]);
    char *text[2] = {out, err};
    int fd[2] = {STDOUT_FILENO, STDERR_FILENO}, saved[2];
    FILE *capture[2];
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < 2; k++) {
        saved[k] = dup(fd[k]);
        capture[k] = fopen(path[k], "w+");
        if (saved[k] < 0 || !capture[k])
            return -100;
        dup2(fileno(capture[k]), fd[k]);
    }
    int rc = f(argc, argv, ctx);
    fflush(stdout);
    fflush(stderr);
    for (int k = 0; k < 2; k++) {
        dup2(saved[k], fd[k]);
        close(saved[k]);
        rewind(capture[k]);
        size_t n = fread(text[k], 1, size - 1, capture[k]);
        text[k][n] = '\0';
        fclose(capture[k]);
    }
    return rc;
}

/* Splits "words of a line" into argv (pointing into copy). */
static int split(const char *line, char *copy, size_t size, char **argv, int max)
{
    int argc = 0;
    snprintf(copy, size, "%s", line);
    for (char *w = strtok(copy, " "); w && argc < max; w = strtok(NULL, " "))
        argv[argc++] = w;
    return argc;
}

static int parse_share(const char *text, void *dest, pc_err *err)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || strcmp(end, "%") || !(v > 0 && v < 100))
        return pc_fail(err, PC_EINPUT, "--share: expected a percentage, got '%s'", text);
    *(double *)dest = v / 100;
    return PC_OK;
}

static int parse_demo(int argc, char **argv, void *ctx)
{
    parsed *p = ctx;
    opt_spec specs[] = {opt_seen(opt_reps(&p->reps), &p->reps_given),
                        opt_required(opt_seed(&p->seed)),
                        opt_threads(&p->threads),
                        opt_out(&p->out),
                        opt_quiet(&p->quiet),
                        opt_lang(&p->lang),
                        opt_texts("var", p->vars, &p->n_vars),
                        opt_month("from", p->month),
                        opt_custom("share", &p->share, parse_share)};
    opt_command cmd = {.name = "demo",
                       .usage = test_usage,
                       .specs = specs,
                       .n_specs = sizeof specs / sizeof specs[0],
                       .args = p->args,
                       .n_args = &p->n_args,
                       .min_args = 1,
                       .max_args = 2,
                       .args_missing = "FILE is required"};
    return opt_parse(&cmd, argc, argv);
}

/* Parses "demo LINE" with the demo table, stdout and stderr captured. */
static int parse(tc_ctx *t, const char *line, parsed *p)
{
    memset(p, 0, sizeof *p);
    p->reps = 100;
    char words[512], copy[512], *argv[32];
    snprintf(words, sizeof words, "demo %s", line);
    int argc = split(words, copy, sizeof copy, argv, 32);
    return captured(t, parse_demo, argc, argv, p, p->stdout_text, p->stderr_text,
                    sizeof p->stdout_text);
}

/* A usage error: status 2, the message, then the usage text. */
static int usage_error(const parsed *p, int rc, const char *message)
{
    return rc == PC_EUSAGE && strstr(p->stderr_text, message) &&
           strstr(p->stderr_text, "parcours demo: ") == p->stderr_text &&
           strstr(p->stderr_text, test_usage);
}

static void test_forms(tc_ctx *t)
{
    parsed p;
    int rc = parse(t, "model.ini --reps 5 --seed 7 --threads 0 --out dir --quiet --lang en", &p);
    CHECK(t,
          rc == PC_OK && p.reps == 5 && p.seed == 7 && p.threads == 0 && !strcmp(p.out, "dir") &&
              p.quiet && p.lang == 1 && p.n_args == 1 && !strcmp(p.args[0], "model.ini") &&
              p.reps_given && !p.stderr_text[0],
          "--name VALUE: every kind read, nothing printed");
    rc = parse(t, "--reps=5 --seed=7 --threads=3 --out=dir --lang=fr model.ini", &p);
    CHECK(t,
          rc == PC_OK && p.reps == 5 && p.seed == 7 && p.threads == 3 && !strcmp(p.out, "dir") &&
              p.lang == 0 && p.n_args == 1,
          "--name=VALUE reads the same values, options before the argument");
    rc = parse(t, "a.ini b.ini --var x --var=y --from 2020-03 --share 5% --seed 0", &p);
    CHECK(t,
          rc == PC_OK && p.n_args == 2 && p.n_vars == 2 && !strcmp(p.vars[1], "y") &&
              p.month[0] == 2020 && p.month[1] == 3 && p.share == 0.05 && !p.reps_given &&
              p.reps == 100,
          "repeated options, a month, a custom value; an absent option keeps its default");
    rc = parse(t, "a.ini --seed 4294967295 --reps 1000000 --threads 1024", &p);
    CHECK(t, rc == PC_OK && p.seed == 4294967295UL && p.reps == 1000000 && p.threads == 1024,
          "the upper bounds are inside the range");
    rc = parse(t, "a.ini --help --bogus", &p);
    CHECK(t,
          rc == OPT_HELP && !p.stderr_text[0] &&
              !strncmp(p.stdout_text, test_usage, strlen(test_usage)) &&
              !strcmp(p.stdout_text + strlen(test_usage), OPT_EXIT_STATUS),
          "--help wins over an error: usage then the exit statuses on stdout");
    rc = parse(t, "-h", &p);
    CHECK(t, rc == OPT_HELP, "-h is --help");
}

static void test_errors(tc_ctx *t)
{
    static const struct {
        const char *line, *message;
    } cases[] = {
        {"a.ini --seed 1 --bogus", "unknown option --bogus"},
        {"a.ini --seed 1 -x", "unknown option -x"},
        {"a.ini --seed", "--seed needs a value"},
        {"a.ini --seed --quiet", "--seed needs a value"},
        {"a.ini --seed 1 --reps 0", "--reps: expected 1 to 1000000, got '0'"},
        {"a.ini --seed 1 --reps=1000001", "--reps: expected 1 to 1000000, got '1000001'"},
        {"a.ini --seed 1 --reps abc", "--reps: expected 1 to 1000000, got 'abc'"},
        {"a.ini --seed 1 --reps 5x", "got '5x'"},
        {"a.ini --seed -1", "--seed: expected 0 to 4294967295, got '-1'"},
        {"a.ini --seed 4294967296", "--seed: expected 0 to 4294967295"},
        {"a.ini --seed 1 --threads 1025", "--threads: expected 0 to 1024"},
        {"a.ini --seed 1 --lang de", "--lang: expected one of fr|en, got 'de'"},
        {"a.ini --seed 1 --from 2020-13", "--from: expected a month YYYY-MM, got '2020-13'"},
        {"a.ini --seed 1 --share 0%", "--share: expected a percentage, got '0%'"},
        {"a.ini --seed 1 --quiet=yes", "--quiet takes no value"},
        {"a.ini", "--seed is required"},
        {"--seed 1", "FILE is required"},
        {"a.ini b.ini c.ini --seed 1", "one argument too many: c.ini"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed p;
        int rc = parse(t, cases[i].line, &p);
        CHECK(t, usage_error(&p, rc, cases[i].message), "'%s': exit 2, \"%s\" and the usage text",
              cases[i].line, cases[i].message);
    }
}

static void test_joiner(tc_ctx *t)
{
    char a[] = "run", b[] = "x.ini", c[] = "--reps=5";
    char *argv[] = {a, b, c};
    char *line = opt_command_line(3, argv);
    CHECK(t, line && !strcmp(line, "parcours run x.ini --reps=5"), "the command line joined: %s",
          line ? line : "(null)");
    free(line);
    unsigned long v = 0;
    CHECK(t,
          opt_whole("42", 1, 100, &v) && v == 42 && !opt_whole("0", 1, 100, &v) &&
              !opt_whole("+4", 0, 100, &v) && !opt_whole("", 0, 100, &v),
          "opt_whole: digits only, within the bounds");
}

typedef struct {
    int (*command)(cli_ctx *, int, char **);
} command_ref;

static int call_command(int argc, char **argv, void *ctx)
{
    const command_ref *ref = ctx;
    return ref->command(NULL, argc, argv);
}

/* Calls a command with the words of line; its stderr into err (size bytes). */
static int run_command(tc_ctx *t, int (*command)(cli_ctx *, int, char **), const char *line,
                       char *err, size_t size)
{
    char copy[512], *argv[32], *out = malloc(size);
    int argc = split(line, copy, sizeof copy, argv, 32);
    command_ref ref = {command};
    int rc = out ? captured(t, call_command, argc, argv, &ref, out, err, size) : -100;
    free(out);
    return rc;
}

/* Every command refuses the same options the same way, before reading any file: the
 * same status, the same message, its own usage text. */
static void test_commands(tc_ctx *t)
{
    static const struct {
        const char *name;
        int (*command)(cli_ctx *, int, char **);
        const char *args; /* what it requires */
        int replications; /* it takes --reps, --seed, --threads and --quiet */
    } commands[] = {
        {"check", cmd_check, "x.ini", 0},
        {"plot", cmd_plot, "dir", 0},
        {"run", cmd_run, "x.ini", 1},
        {"calibrate", cmd_calibrate, "x.ini --targets t.csv --free a=1:2 --out o.ini", 1},
        {"size", cmd_size, "x.ini --resource r --target mean(q)<=1", 1},
        {"allocate", cmd_allocate, "x.ini --resource-prefix r --envelope 10", 1},
        {"compare", cmd_compare, "x.ini y.ini --reps 2 --out d", 1},
        {"sensitivity", cmd_sensitivity, "x.ini --output stock.p --sobol 4", 1},
        {"report", cmd_report, "x.ini --reps 2 --out d", 1},
    };
    static const struct {
        const char *option, *message;
        int replications;
    } wrong[] = {
        {"--bogus", "unknown option --bogus", 0},
        {"--reps 0", "--reps: expected 1 to 1000000, got '0'", 1},
        {"--reps=abc", "--reps: expected 1 to 1000000, got 'abc'", 1},
        {"--seed -1", "--seed: expected 0 to 4294967295, got '-1'", 1},
        {"--threads 2000", "--threads: expected 0 to 1024, got '2000'", 1},
        {"--quiet=1", "--quiet takes no value", 1},
    };
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        for (size_t k = 0; k < sizeof wrong / sizeof wrong[0]; k++) {
            if (wrong[k].replications && !commands[i].replications)
                continue;
            char line[300], err[8192], usage[40];
            snprintf(usage, sizeof usage, "usage: parcours %s", commands[i].name);
            snprintf(line, sizeof line, "%s %s %s", commands[i].name, commands[i].args,
                     wrong[k].option);
            int rc = run_command(t, commands[i].command, line, err, sizeof err);
            CHECK(t, rc == PC_EUSAGE && strstr(err, wrong[k].message) && strstr(err, usage),
                  "%s %s: exit 2, \"%s\" and the usage text", commands[i].name, wrong[k].option,
                  wrong[k].message);
        }
    static const char *const bad_runs[] = {"--max-reps 9", "--precision 0%", "--out"};
    for (size_t i = 0; i < sizeof bad_runs / sizeof bad_runs[0]; i++) {
        char line[200], err[8192];
        snprintf(line, sizeof line, "run x.ini %s", bad_runs[i]);
        int rc = run_command(t, cmd_run, line, err, sizeof err);
        CHECK(t, rc == PC_EUSAGE && strstr(err, "usage: parcours run"), "run %s: exit 2",
              bad_runs[i]);
    }
}

void suite_opt(tc_ctx *t)
{
    test_forms(t);
    test_errors(t);
    test_joiner(t);
    test_commands(t);
}
