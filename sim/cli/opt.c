/* opt — the declarative option parser and the command-line joiner (see opt.h). */
#include "opt.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int opt_whole(const char *text, unsigned long min, unsigned long max, unsigned long *out)
{
    if (!text || *text < '0' || *text > '9')
        return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (*end || errno || v < min || v > max)
        return 0;
    *out = v;
    return 1;
}

/* ---- the entries ---------------------------------------------------------------- */

opt_spec opt_flag(const char *name, int *dest)
{
    return (opt_spec){.name = name, .kind = OPT_FLAG, .dest = dest};
}

opt_spec opt_uint(const char *name, unsigned long *dest, unsigned long min, unsigned long max)
{
    return (opt_spec){
        .name = name, .kind = OPT_UINT, .dest = dest, .min = (double)min, .max = (double)max};
}

opt_spec opt_real(const char *name, double *dest, double min, double max, int above_min)
{
    return (opt_spec){.name = name,
                      .kind = OPT_REAL,
                      .dest = dest,
                      .min = min,
                      .max = max,
                      .above_min = above_min};
}

opt_spec opt_text(const char *name, const char **dest)
{
    return (opt_spec){.name = name, .kind = OPT_TEXT, .dest = dest};
}

opt_spec opt_texts(const char *name, const char **dest, size_t *count)
{
    return (opt_spec){.name = name, .kind = OPT_TEXTS, .dest = dest, .count = count};
}

opt_spec opt_choice(const char *name, int *dest, const char *choices)
{
    return (opt_spec){.name = name, .kind = OPT_CHOICE, .dest = dest, .choices = choices};
}

opt_spec opt_month(const char *name, int *year_month)
{
    return (opt_spec){.name = name, .kind = OPT_MONTH, .dest = year_month};
}

opt_spec opt_custom(const char *name, void *dest,
                    int (*parse)(const char *text, void *dest, pc_err *err))
{
    return (opt_spec){.name = name, .kind = OPT_CUSTOM, .dest = dest, .parse = parse};
}

opt_spec opt_required(opt_spec s)
{
    s.required = 1;
    return s;
}

opt_spec opt_seen(opt_spec s, int *given)
{
    s.given = given;
    return s;
}

opt_spec opt_reps(unsigned long *dest)
{
    return opt_uint("reps", dest, 1, 1000000);
}

opt_spec opt_seed(unsigned long *dest)
{
    return opt_uint("seed", dest, 0, 4294967295UL);
}

opt_spec opt_threads(unsigned long *dest)
{
    return opt_uint("threads", dest, 0, 1024);
}

opt_spec opt_out(const char **dest)
{
    return opt_text("out", dest);
}

opt_spec opt_quiet(int *dest)
{
    return opt_flag("quiet", dest);
}

opt_spec opt_lang(int *dest)
{
    return opt_choice("lang", dest, "fr|en");
}

/* ---- reading values ---------------------------------------------------------------- */

static void usage_to(FILE *f, const opt_command *cmd, const char *fmt, va_list ap)
{
    fprintf(f, "parcours %s: ", cmd->name);
    vfprintf(f, fmt, ap);
    fprintf(f, "\n\n%s", cmd->usage);
}

int opt_usage_error(const opt_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    usage_to(stderr, cmd, fmt, ap);
    va_end(ap);
    return PC_EUSAGE;
}

/* The index of word among choices "a|b|c", or -1. */
static int choice_index(const char *choices, const char *word)
{
    size_t len = strlen(word);
    int index = 0;
    for (const char *p = choices;; index++) {
        size_t n = strcspn(p, "|");
        if (n == len && !strncmp(p, word, len))
            return index;
        if (!p[n])
            return -1;
        p += n + 1;
    }
}

static int read_real(const char *text, const opt_spec *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno || !isfinite(v) || v < s->min || v > s->max ||
        (s->above_min && v == s->min))
        return 0;
    *out = v;
    return 1;
}

static int read_month(const char *text, int *year_month)
{
    unsigned long year, month;
    char y[5], m[3];
    if (strlen(text) != 7 || text[4] != '-')
        return 0;
    memcpy(y, text, 4);
    y[4] = '\0';
    memcpy(m, text + 5, 2);
    m[2] = '\0';
    if (!opt_whole(y, 1900, 9999, &year) || !opt_whole(m, 1, 12, &month))
        return 0;
    year_month[0] = (int)year;
    year_month[1] = (int)month;
    return 1;
}

/* Stores the value of option s; a usage error names what was expected. */
static int store(const opt_command *cmd, const opt_spec *s, const char *value)
{
    unsigned long whole;
    double real;
    pc_err why;
    switch (s->kind) {
    case OPT_FLAG:
        *(int *)s->dest = 1;
        return PC_OK;
    case OPT_UINT:
        if (!opt_whole(value, (unsigned long)s->min, (unsigned long)s->max, &whole))
            return opt_usage_error(cmd, "--%s: expected %.0f to %.0f, got '%s'", s->name, s->min,
                                   s->max, value);
        *(unsigned long *)s->dest = whole;
        return PC_OK;
    case OPT_REAL:
        if (!read_real(value, s, &real) && isinf(s->max))
            return opt_usage_error(cmd, "--%s: expected a number %s %g, got '%s'", s->name,
                                   s->above_min ? "above" : "from", s->min, value);
        if (!read_real(value, s, &real))
            return opt_usage_error(cmd, "--%s: expected a number %s %g up to %g, got '%s'", s->name,
                                   s->above_min ? "above" : "from", s->min, s->max, value);
        *(double *)s->dest = real;
        return PC_OK;
    case OPT_TEXT:
        *(const char **)s->dest = value;
        return PC_OK;
    case OPT_TEXTS:
        ((const char **)s->dest)[(*s->count)++] = value;
        return PC_OK;
    case OPT_CHOICE:
        if ((*(int *)s->dest = choice_index(s->choices, value)) < 0)
            return opt_usage_error(cmd, "--%s: expected one of %s, got '%s'", s->name, s->choices,
                                   value);
        return PC_OK;
    case OPT_MONTH:
        if (!read_month(value, s->dest))
            return opt_usage_error(cmd, "--%s: expected a month YYYY-MM, got '%s'", s->name, value);
        return PC_OK;
    case OPT_CUSTOM:
        if (s->parse(value, s->dest, &why))
            return opt_usage_error(cmd, "%s", why.msg);
        return PC_OK;
    }
    return opt_usage_error(cmd, "--%s: unknown kind of option", s->name);
}

/* The entry of argument arg ("--name" or "--name=value"), with *inline_value the text
 * after '=' (or NULL); NULL if no entry has that name. */
static const opt_spec *find(const opt_command *cmd, const char *arg, const char **inline_value)
{
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    *inline_value = eq ? eq + 1 : NULL;
    for (size_t i = 0; i < cmd->n_specs; i++)
        if (strlen(cmd->specs[i].name) == len && !strncmp(cmd->specs[i].name, name, len))
            return &cmd->specs[i];
    return NULL;
}

static int is_help(const char *arg)
{
    return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

/* Reads the option at argv[*i] (moving *i past its value). */
static int read_option(const opt_command *cmd, int argc, char **argv, int *i, int *present)
{
    const char *value;
    const opt_spec *s = argv[*i][1] == '-' ? find(cmd, argv[*i], &value) : NULL;
    if (!s)
        return opt_usage_error(cmd, "unknown option %s", argv[*i]);
    if (s->kind == OPT_FLAG && value)
        return opt_usage_error(cmd, "--%s takes no value", s->name);
    if (s->kind != OPT_FLAG && !value) {
        if (*i + 1 >= argc || !strncmp(argv[*i + 1], "--", 2))
            return opt_usage_error(cmd, "--%s needs a value", s->name);
        value = argv[++*i];
    }
    present[s - cmd->specs] = 1;
    if (s->given)
        *s->given = 1;
    return store(cmd, s, value);
}

int opt_parse(const opt_command *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (is_help(argv[i])) {
            fputs(cmd->usage, stdout);
            fputs(OPT_EXIT_STATUS, stdout);
            return OPT_HELP;
        }
    int *present = calloc(cmd->n_specs ? cmd->n_specs : 1, sizeof *present);
    if (!present) {
        fprintf(stderr, "parcours %s: out of memory\n", cmd->name);
        return PC_EENV;
    }
    int rc = PC_OK;
    *cmd->n_args = 0;
    for (int i = 1; i < argc && !rc; i++) {
        if (argv[i][0] == '-' && argv[i][1])
            rc = read_option(cmd, argc, argv, &i, present);
        else if (cmd->max_args && *cmd->n_args == cmd->max_args)
            rc = opt_usage_error(cmd, "one argument too many: %s", argv[i]);
        else
            cmd->args[(*cmd->n_args)++] = argv[i];
    }
    if (!rc && *cmd->n_args < cmd->min_args)
        rc = opt_usage_error(cmd, "%s", cmd->args_missing);
    for (size_t k = 0; k < cmd->n_specs && !rc; k++)
        if (cmd->specs[k].required && !present[k])
            rc = opt_usage_error(cmd, "--%s is required", cmd->specs[k].name);
    free(present);
    return rc;
}

char *opt_command_line(int argc, char **argv)
{
    size_t len = strlen("parcours") + 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *line = malloc(len), *p = line;
    if (!line)
        return NULL;
    p += sprintf(p, "parcours");
    for (int i = 0; i < argc; i++)
        p += sprintf(p, " %s", argv[i]);
    return line;
}
