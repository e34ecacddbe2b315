/* lang — French or English: the words, numbers and months of the charts and the page.
 *
 * The committee reads French, so French is the default and English the
 * option (--lang en).  Numbers and dates are formatted here, never by the
 * machine's locale, so that the same inputs give the same bytes anywhere:
 * "12 345,6" (a narrow no-break space between thousands, a decimal comma) or
 * "12,345.6", "janv. 2020" or "Jan 2020". */
#ifndef PARCOURS_LANG_H
#define PARCOURS_LANG_H

#include <stddef.h>

typedef enum { LANG_FR = 0, LANG_EN = 1 } lang_code;

#define LANG_NNBSP "\xE2\x80\xAF" /* U+202F narrow no-break space, the French thousands mark */
#define LANG_MINUS "\xE2\x88\x92" /* U+2212 minus sign, the sign of a negative number shown */

/* fr or en, as lang says. */
const char *lang_pick(lang_code lang, const char *fr, const char *en);

/* v with `decimals` decimals (0 to 9): "12 345,6" in French, "12,345.6" in English,
 * a negative number with a true minus sign (U+2212), never on a number shown as zero;
 * NaN or infinity gives an em dash, 1e15 and beyond "%.3g". */
void lang_number(double v, int decimals, lang_code lang, char *buf, size_t size);

/* "janv. 2020" / "Jan 2020" (month 1-12; another month gives "2020-13"). */
void lang_month(int year, int month, lang_code lang, char *buf, size_t size);

/* The display name of a funder ("etat": "État" or "State"); an unknown name with a
 * capital first letter.  A new string, or NULL on out of memory. */
char *lang_funder(const char *name, lang_code lang);

#endif
