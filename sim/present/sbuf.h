/* sbuf — a growing string for the text parcours assembles: gnuplot scripts, labels.
 *
 * An sbuf starts zeroed ({0}) and grows by doubling.  Running out of memory
 * sets a sticky flag (oom) instead of failing each call, so that a long run of
 * appends is checked once, at sbuf_take; after it every append does nothing. */
#ifndef PARCOURS_SBUF_H
#define PARCOURS_SBUF_H

#include <stddef.h>

typedef struct {
    char *s;         /* the text, always terminated (NULL while empty) */
    size_t len, cap; /* bytes used (without the terminator) and allocated */
    int oom;         /* an append ran out of memory */
} sbuf;

/* Appends n bytes of text. */
void sbuf_add(sbuf *b, const char *text, size_t n);

/* Appends a string. */
void sbuf_puts(sbuf *b, const char *text);

/* Appends formatted text. */
void sbuf_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Hands the text over (an empty string rather than NULL) and empties b; NULL when
 * memory ran out. */
char *sbuf_take(sbuf *b);

/* Frees the text and empties b. */
void sbuf_clear(sbuf *b);

#endif
