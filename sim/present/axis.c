/* axis — round scales and gnuplot tick lists in French or English (see axis.h). */
#include "axis.h"

#include <math.h>
#include <stdio.h>

#include "gnuplot.h"
#include "sbuf.h"

void axis_nice(double lo, double hi, int from_zero, axis_scale *a)
{
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    /* bars start at zero; lines too unless their data keep far from it, where a
     * zero would flatten the bands into one line */
    if (lo > 0 && (from_zero || lo < 0.4 * hi))
        lo = 0;
    else if (lo > 0)
        lo -= 0.05 * (hi - lo);
    if (hi <= lo)
        hi = lo + (fabs(lo) > 0 ? fabs(lo) * 0.1 : 1);
    double raw = (hi - lo) / 5;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
    a->step = step;
    a->min = floor(lo / step + 1e-9) * step;
    a->max = ceil(hi / step - 1e-9) * step;
    a->decimals = 0;
    while (a->decimals < 6) {
        double scaled = step * pow(10, a->decimals);
        if (fabs(scaled - round(scaled)) < 1e-6 * scaled)
            break;
        a->decimals++;
    }
}

/* A tick of an explicit list; gnuplot reads its label as a format for the tick's
 * value, so a '%' is written twice. */
static void add_tick(sbuf *b, int *first, const char *label, double x, int minor)
{
    if (!*first)
        sbuf_puts(b, ", ");
    *first = 0;
    sbuf escaped = {0};
    for (const char *p = label; *p; p++) {
        if (*p == '%')
            sbuf_add(&escaped, "%", 1);
        sbuf_add(&escaped, p, 1);
    }
    gnuplot_quote_into(b, escaped.oom ? "?" : escaped.s ? escaped.s : "");
    sbuf_clear(&escaped);
    sbuf_puts(b, " ");
    gnuplot_number_into(b, x);
    if (minor)
        sbuf_puts(b, " 1");
}

char *axis_value_ticks(const axis_scale *a, const char *suffix, lang_code lang)
{
    sbuf b = {0};
    int first = 1;
    sbuf_puts(&b, "(");
    long n = lround((a->max - a->min) / a->step);
    for (long i = 0; i <= n; i++) {
        double v = a->min + (double)i * a->step;
        if (fabs(v) < a->step * 1e-9)
            v = 0;
        char num[64], label[80];
        lang_number(v, a->decimals, lang, num, sizeof num);
        snprintf(label, sizeof label, "%s%s", num, suffix);
        add_tick(&b, &first, label, v, 0);
    }
    sbuf_puts(&b, ")");
    return sbuf_take(&b);
}

/* The month ticks of first..last spaced as for a run of `span` months. */
static char *month_ticks(int first, int last, int span, lang_code lang)
{
    int step = span <= 30    ? 3
               : span <= 60  ? 6
               : span <= 180 ? 12
               : span <= 360 ? 24
               : span <= 900 ? 60
                             : 120;
    int minor = step <= 6 ? 1 : step == 12 ? 3 : 12;
    sbuf b = {0};
    int first_tick = 1;
    sbuf_puts(&b, "(");
    for (int ym = first; ym <= last; ym++) {
        if (ym % minor != 0 && ym % step != 0)
            continue;
        char label[40] = "";
        if (ym % step == 0 && step >= 12)
            snprintf(label, sizeof label, "%d", ym / 12);
        else if (ym % step == 0)
            lang_month(ym / 12, ym % 12 + 1, lang, label, sizeof label);
        add_tick(&b, &first_tick, label, ym / 12.0, ym % step != 0);
    }
    sbuf_puts(&b, ")");
    return sbuf_take(&b);
}

char *axis_month_ticks(int first, int last, lang_code lang)
{
    return month_ticks(first, last, last - first, lang);
}

char *axis_month_ticks_narrow(int first, int last, lang_code lang)
{
    return month_ticks(first, last, 2 * (last - first) + 1, lang);
}

char *axis_year_ticks(int first, int last)
{
    int span = last - first;
    int step = span <= 15 ? 1 : span <= 30 ? 2 : span <= 75 ? 5 : 10;
    sbuf b = {0};
    int first_tick = 1;
    sbuf_puts(&b, "(");
    for (int y = first; y <= last; y++) {
        if (y % step != 0 && step > 1)
            continue;
        char label[16];
        snprintf(label, sizeof label, "%d", y);
        add_tick(&b, &first_tick, label, y, 0);
    }
    sbuf_puts(&b, ")");
    return sbuf_take(&b);
}

char *axis_duration_ticks(int last, lang_code lang)
{
    int step = last <= 36 ? 6 : last <= 180 ? 12 : last <= 600 ? 60 : 120;
    int minor = step == 6 ? 1 : step == 12 ? 3 : 12;
    sbuf b = {0};
    int first_tick = 1;
    sbuf_puts(&b, "(");
    for (int d = 0; d <= last; d++) {
        if (d % minor != 0 && d % step != 0)
            continue;
        char label[40] = "";
        if (d % step == 0) {
            int years = d / 12;
            if (d == 0)
                snprintf(label, sizeof label, "0");
            else if (d % 12 == 0)
                snprintf(label, sizeof label, "%d %s", years,
                         lang == LANG_EN ? (years > 1 ? "years" : "year")
                                         : (years > 1 ? "ans" : "an"));
            else
                snprintf(label, sizeof label, "%d %s", d, lang_pick(lang, "mois", "months"));
        }
        add_tick(&b, &first_tick, label, d, d % step != 0);
    }
    sbuf_puts(&b, ")");
    return sbuf_take(&b);
}

char *axis_range(double lo, double hi)
{
    sbuf b = {0};
    sbuf_puts(&b, "[");
    gnuplot_number_into(&b, lo);
    sbuf_puts(&b, ":");
    gnuplot_number_into(&b, hi);
    sbuf_puts(&b, "]");
    return sbuf_take(&b);
}
