/* territory — the départements of a national run (see territory.h). */
#include "territory.h"

#include <string.h>
#include <strings.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The length of the code at p (after the 'd'), or 0. */
static size_t code_at(const char *p)
{
    size_t n = 0;
    if ((p[0] == '2') && (p[1] == 'a' || p[1] == 'b' || p[1] == 'A' || p[1] == 'B'))
        n = 2;
    else if (is_digit(p[0]) && is_digit(p[1]))
        n = is_digit(p[2]) ? 3 : 2;
    if (n == 0 || (p[n] && p[n] != '.' && p[n] != '_'))
        return 0;
    return n;
}

const char *territory_code(const char *name, size_t *len)
{
    for (const char *p = name; *p; p++) {
        if (*p != 'd' || (p != name && p[-1] != '.' && p[-1] != '_'))
            continue;
        size_t n = code_at(p + 1);
        if (n) {
            *len = n;
            return p + 1;
        }
    }
    return NULL;
}

const char *territory_population(const char *name, size_t *len)
{
    if (name[0] != 'd')
        return NULL;
    size_t n = code_at(name + 1);
    if (!n || name[1 + n])
        return NULL;
    *len = n;
    return name + 1;
}

int territory_keep(const char *name, void *ctx)
{
    const territory_focus *focus = ctx;
    size_t len;
    const char *code = territory_code(name, &len);
    if (!code)
        return 1;
    for (size_t i = 0; focus && i < focus->n; i++)
        if (strlen(focus->codes[i]) == len && strncasecmp(focus->codes[i], code, len) == 0)
            return 1;
    /* the table's columns: the stock and each indicator of every département */
    if (!strncmp(name, "stock.d", 7) && name + 7 == code && !code[len])
        return 1;
    if (!strncmp(name, "indicator.", 10) && !code[len] && code[-2] == '_')
        return 1;
    return 0;
}
