/* pdf — the report printed to PDF by headless Chromium: REPORT_DIR/rapport.pdf.
 *
 * pdf_write_report prints REPORT_DIR/index.html (written by `parcours report`)
 * with the page's own print style (A4 landscape, one chart per page) by
 * running Debian's `chromium` (or `chromium-browser`, found on PATH):
 *
 *   chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage
 *            --no-first-run --user-data-dir=TMP --no-pdf-header-footer
 *            --print-to-pdf=REPORT_DIR/.rapport.pdf.tmp-XXXXXX file:///ABS/index.html
 *
 * in its own process group with a throwaway profile, killed (the whole group)
 * after the time limit.  Chromium's messages are kept in a file and shown only
 * when it fails.  The result must start with "%PDF" and hold at least one page;
 * only then is it renamed to rapport.pdf, so a failure leaves no partial
 * rapport.pdf (an earlier one stays).
 *
 * Errors: PC_EINPUT when index.html is missing, when Chromium is not installed
 * (the message names the Debian package), fails, runs out of time or writes no
 * PDF (its last messages in err); PC_EINTERNAL for out of memory or a failed
 * system call. */
#ifndef PARCOURS_PDF_H
#define PARCOURS_PDF_H

#include "core/err.h"

#define PDF_TIME_LIMIT 600.0 /* seconds: the regional reports hold a few hundred charts */

/* Writes REPORT_DIR/rapport.pdf within PDF_TIME_LIMIT seconds.  PC_OK, PC_EINPUT or
 * PC_EINTERNAL. */
int pdf_write_report(const char *report_dir, pc_err *err);

/* The same with a time limit in seconds (> 0); *pages (when pages is not NULL)
 * receives the page count of the PDF written. */
int pdf_print(const char *report_dir, double seconds, int *pages, pc_err *err);

/* The pages of a PDF file written by Chromium (its /Type /Page objects, which
 * Chromium never compresses).  PC_OK, or PC_EINPUT when the file cannot be read or
 * does not start with "%PDF". */
int pdf_count_pages(const char *path, int *pages, pc_err *err);

#endif
