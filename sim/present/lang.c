/* lang — French and English words, numbers and months (see lang.h). */
#include "lang.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "sbuf.h"

void lang_number(double v, int decimals, lang_code lang, char *buf, size_t size)
{
    if (size == 0)
        return;
    if (isnan(v) || isinf(v)) {
        snprintf(buf, size, "\xE2\x80\x94");
        return;
    }
    if (decimals < 0)
        decimals = 0;
    if (decimals > 9)
        decimals = 9;
    char digits[64];
    if (fabs(v) >= 1e15) {
        snprintf(buf, size, "%.3g", v);
        return;
    }
    snprintf(digits, sizeof digits, "%.*f", decimals, fabs(v));
    size_t int_len = strcspn(digits, ".,");
    int nonzero = strpbrk(digits, "123456789") != NULL;
    const char *group = lang == LANG_FR ? LANG_NNBSP : ",";
    const char *point = lang == LANG_FR ? "," : ".";
    sbuf b = {0};
    if (v < 0 && nonzero)
        sbuf_puts(&b, LANG_MINUS);
    for (size_t i = 0; i < int_len; i++) {
        if (i > 0 && (int_len - i) % 3 == 0)
            sbuf_puts(&b, group);
        sbuf_add(&b, digits + i, 1);
    }
    if (digits[int_len]) {
        sbuf_puts(&b, point);
        sbuf_puts(&b, digits + int_len + 1);
    }
    snprintf(buf, size, "%s", b.oom ? "?" : b.s);
    sbuf_clear(&b);
}

void lang_month(int year, int month, lang_code lang, char *buf, size_t size)
{
    /* arrays of chars, not of pointers: they stay read-only in a position-independent build */
    static const char fr[12][8] = {"janv.",
                                   "f\xC3\xA9vr.",
                                   "mars",
                                   "avr.",
                                   "mai",
                                   "juin",
                                   "juil.",
                                   "ao\xC3\xBBt",
                                   "sept.",
                                   "oct.",
                                   "nov.",
                                   "d\xC3\xA9"
                                   "c."};
    static const char en[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (month < 1 || month > 12) {
        snprintf(buf, size, "%d-%02d", year, month);
        return;
    }
    snprintf(buf, size, "%s %d", lang == LANG_FR ? fr[month - 1] : en[month - 1], year);
}

const char *lang_pick(lang_code lang, const char *fr, const char *en)
{
    return lang == LANG_EN ? en : fr;
}

char *lang_funder(const char *name, lang_code lang)
{
    static const struct {
        char name[16], fr[24], en[24];
    } known[] = {
        {"departement", "D\xC3\xA9partement", "D\xC3\xA9partement"},
        {"etat", "\xC3\x89tat", "State"},
        {"region", "R\xC3\xA9gion", "Region"},
        {"fse", "FSE", "ESF"},
        {"caf", "CAF", "CAF"},
        {"commune", "Communes", "Municipalities"},
        {"communes", "Communes", "Municipalities"},
        {"france_travail", "France Travail", "France Travail"},
        {"pole_emploi", "P\xC3\xB4le emploi", "P\xC3\xB4le emploi"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(name, known[i].name) == 0)
            return pc_strdup(lang == LANG_EN ? known[i].en : known[i].fr);
    char *s = pc_strdup(name);
    if (s && s[0] >= 'a' && s[0] <= 'z')
        s[0] = (char)(s[0] - 'a' + 'A');
    return s;
}
