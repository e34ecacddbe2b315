/* gnuplot — driving gnuplot: the text it is given and the pipe it reads.
 *
 * Text from scenario files (labels, names) reaches gnuplot only as single-quoted
 * string literals built here, in which gnuplot substitutes nothing (no
 * backquotes, no macros); control characters become spaces and malformed UTF-8
 * becomes '?'.  Numbers in gnuplot's source are written in the shortest form
 * that reads back exactly, with a decimal point whatever the locale.  Every
 * chart of parcours uses the terminals of gnuplot_terminal, the same as
 * plots/common.gp gives the template charts.
 *
 * gnuplot_run pipes a whole script to one gnuplot process, its stderr kept in a
 * temporary file of the output folder: gnuplot's messages are the error message
 * when it fails, and are handed back when it succeeds but said something.
 * Errors: PC_EINPUT when gnuplot is missing or fails (its messages in err, the
 * most recent kept when they do not all fit), PC_EINTERNAL for out of memory or
 * a failed system call. */
#ifndef PARCOURS_GNUPLOT_H
#define PARCOURS_GNUPLOT_H

#include <stddef.h>

#include "core/err.h"
#include "sbuf.h"

/* The chart formats, combined as bits. */
enum { GNUPLOT_PNG = 1, GNUPLOT_SVG = 2, GNUPLOT_PDF = 4 };

/* The gnuplot terminal of a format (GNUPLOT_PNG or GNUPLOT_SVG) and the file
 * extension of any format. */
const char *gnuplot_terminal(unsigned format);
const char *gnuplot_extension(unsigned format);

/* The gnuplot single-quoted literal of text ('it''s'); a new string or NULL. */
char *gnuplot_quote(const char *text);

/* Appends the literal of text to b. */
void gnuplot_quote_into(sbuf *b, const char *text);

/* Appends the literal of text, a string the caller allocated, to b and frees it; NULL
 * (its allocation failed) marks b out of memory. */
void gnuplot_quote_taken(sbuf *b, char *text);

/* A number as gnuplot source: the shortest form that reads back exactly, NA for
 * NaN or infinity. */
void gnuplot_number(double v, char *buf, size_t size);

/* Appends gnuplot_number(v) to b. */
void gnuplot_number_into(sbuf *b, double v);

/* Pipes script (len bytes) to gnuplot, run in no particular folder (the script
 * names its files), with its messages kept in a file of outdir.  When gnuplot
 * succeeds but printed messages, *notes (when notes is not NULL) receives them
 * (a new string; NULL when there were none or memory ran out). */
int gnuplot_run(const char *script, size_t len, const char *outdir, char **notes, pc_err *err);

/* A folder written into its temporary sibling tmp (DIR.tmp-XXXXXX) and then renamed to dir:
 * rewrites the gnuplot scripts (*.gp) under tmp so that the paths they name are those of
 * dir, and the scripts kept beside the charts rerun once the folder is in place.  PC_OK, or
 * the error of reading or writing a script. */
int gnuplot_retarget(const char *tmp, const char *dir, pc_err *err);

#endif
