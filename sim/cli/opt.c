/* opt — helpers shared by the sub-commands' option parsers (see opt.h). */
#include "opt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int opt_count(const char *text, unsigned long max, unsigned long *out)
{
    if (!text || !*text || *text == '-' || *text == '+')
        return 0;
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (end == text || *end || errno || v > max)
        return 0;
    *out = v;
    return 1;
}

const char *opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t len = strlen(name);
    if (strncmp(argv[*i], name, len) != 0)
        return NULL;
    if (argv[*i][len] == '=')
        return argv[*i] + len + 1;
    if (argv[*i][len] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int opt_bounded(const char *text, unsigned long min, unsigned long max, unsigned long *out,
                const char *command, const char *option)
{
    if (opt_count(text, max, out) && *out >= min)
        return 0;
    fprintf(stderr, "parcours: %s: %s: expected %lu to %lu, got '%s'\n", command, option, min, max,
            text);
    return 1; /* PC_EINPUT */
}
