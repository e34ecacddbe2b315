/* axis — the axes of a chart: round scales and their tick labels, in French or English.
 *
 * A value axis runs between round bounds in steps of 1, 2, 2.5 or 5 times a
 * power of ten, about five of them, starting from zero for bars and for lines
 * that come near it.  Tick lists are gnuplot `set xtics (...)` lists with every
 * label written here (lang.h: "12 345", "janv. 2020"), never by gnuplot's
 * locale, so the same data give the same chart bytes.  Months are placed at
 * x = year + (month - 1) / 12.  Each function returns a new string, or NULL on
 * out of memory. */
#ifndef PARCOURS_AXIS_H
#define PARCOURS_AXIS_H

#include "lang.h"

/* A value axis: its bounds, its step and the decimals its labels need. */
typedef struct {
    double min, max, step;
    int decimals;
} axis_scale;

/* The round scale over [lo, hi]; from_zero: start at 0 whenever lo > 0 (bars). */
void axis_nice(double lo, double hi, int from_zero, axis_scale *a);

/* The ticks of a value axis, each label followed by suffix (" %"). */
char *axis_value_ticks(const axis_scale *a, const char *suffix, lang_code lang);

/* Months first..last (year * 12 + month - 1): the year at Januaries (or the month
 * every 3 or 6 months on short runs; every 2, 5 or 10 years on long ones), minor
 * ticks between. */
char *axis_month_ticks(int first, int last, lang_code lang);

/* The same for a panel of small multiples, about half as wide: twice the spacing. */
char *axis_month_ticks_narrow(int first, int last, lang_code lang);
/* Calendar years, every 1, 2, 5 or 10 of them. */
char *axis_year_ticks(int first, int last);

/* Durations 0..last months, labelled in months or years. */
char *axis_duration_ticks(int last, lang_code lang);

/* "[lo:hi]" for a gnuplot range. */
char *axis_range(double lo, double hi);

#endif
