/* xlsx — the report's Excel workbook: key figures, yearly series and paired differences.
 *
 * xlsx_write_report reads a report folder written by `parcours report`
 * (key-figures.csv, each scenario's run folder, and compare/differences.csv
 * when the scenarios were compared) and writes REPORT_DIR/parcours.xlsx with
 * libxlsxwriter, for a planner opening it in French Excel or LibreOffice:
 *
 *   - "Chiffres clés": one row per key figure, one group of columns per
 *     scenario (mean, 5th and 95th percentiles, and for the alternatives the
 *     difference of means with the reference, the first scenario);
 *   - one sheet per scenario, named after its label: one block of three rows
 *     per variable of yearly.csv (mean, low and high of the 90 % band), one
 *     column per calendar year, with a filter on the statistic;
 *   - "Écarts" (only when compare/differences.csv exists): the paired
 *     differences per alternative, variable, year and over the horizon.
 *
 * Variables are shown with the labels of the run's manifest and their unit in
 * a column of their own ("personnes", "places", "ETP", "jours", "M€", "%");
 * euros are shown in millions (the CSV files keep euros).  Number formats are
 * stored in the English form ("#,##0.00") that Excel displays with the
 * reader's own separators.  Header rows and the first column are frozen.
 * Missing values (NA) are empty cells.  Every CSV is read by its column names.
 *
 * The workbook is written to a temporary name in REPORT_DIR and renamed into
 * place when complete: a failure leaves no partial parcours.xlsx.  Errors:
 * PC_EINPUT naming the file, line and column of a missing or malformed file;
 * PC_EINTERNAL for out of memory or a failure of libxlsxwriter. */
#ifndef PARCOURS_XLSX_H
#define PARCOURS_XLSX_H

#include "core/err.h"

/* Writes REPORT_DIR/parcours.xlsx.  PC_OK, PC_EINPUT or PC_EINTERNAL. */
int xlsx_write_report(const char *report_dir, pc_err *err);

#endif
