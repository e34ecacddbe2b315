/* cfg — reading model and scenario files (INI through inih, tables through libcsv).
 *
 * A document is an ordered list of sections, each an ordered list of
 * key = value entries that remember the file and line they were written on.
 * cfg_load follows a scenario's `model =` or `extends =` to its base, then
 * overlays the scenario: a section with the same header replaces the base's
 * whole, a new one is added, `[set YYYY-MM]` sections accumulate, and the
 * `[scenario]` keys override.  Nothing here knows what the keys mean: the model
 * module validates them.  Long values may continue on indented lines. */
#ifndef PARCOURS_CFG_H
#define PARCOURS_CFG_H

#include <stdio.h>

#include "err.h"

typedef struct {
    char *key;
    char *value;
    char *file; /* path as opened */
    int line;
} cfg_entry;

typedef struct {
    char *name; /* header with single spaces: "state pro", "set 2019-07" */
    char *file;
    int line;
    size_t n, cap;
    cfg_entry *entries;
} cfg_section;

/* A table file as it was read, kept so that it is read once per document. */
typedef struct {
    char *path;
    char *text;
    size_t len;
} cfg_file;

typedef struct cfg_doc {
    char *path; /* the file first named */
    size_t n, cap;
    cfg_section *sections;
    size_t n_files;
    cfg_file *files; /* the tables read for this document (cfg_doc_csv) */
} cfg_doc;

/* One row of a CSV table: its fields and the line it starts on. */
typedef struct {
    size_t n;
    char **fields;
    int line;
} cfg_row;

typedef struct {
    char *path;
    size_t n_rows; /* the header is row 0 */
    cfg_row *rows;
} cfg_table;

/* Reads one INI file (no overlay).  PC_EINPUT with "file:line: ..." on error. */
int cfg_read(const char *path, cfg_doc **out, pc_err *err);

/* Reads INI text held in memory; name is used in messages. */
int cfg_read_string(const char *text, const char *name, cfg_doc **out, pc_err *err);

/* Reads a model, scenario or manifest file and resolves `model =` / `extends =`. */
int cfg_load(const char *path, cfg_doc **out, pc_err *err);

void cfg_doc_free(cfg_doc *doc);

/* A deep copy of doc (with its table files), or NULL on out of memory. */
cfg_doc *cfg_doc_copy(const cfg_doc *doc);

/* The first section called name, or NULL. */
cfg_section *cfg_find(const cfg_doc *doc, const char *name);

/* The entry key of a section, or NULL. */
cfg_entry *cfg_get(const cfg_section *sec, const char *key);

/* Adds (or replaces) key = value in a section; 0 or PC_EINTERNAL. */
int cfg_set(cfg_section *sec, const char *key, const char *value, const char *file, int line);

/* Adds an empty section at the end; NULL on out of memory. */
cfg_section *cfg_add_section(cfg_doc *doc, const char *name, const char *file, int line);

/* Removes every section called name; returns how many were removed. */
size_t cfg_remove_section(cfg_doc *doc, const char *name);

/* Writes "key = value", continuing a long value on indented lines split at single
 * blanks, so that reading joins it back exactly. */
void cfg_write_entry(FILE *f, const char *key, const char *value);

/* Writes the document as INI (long values wrapped as cfg_write_entry does). */
int cfg_write(FILE *f, const cfg_doc *doc);

/* Path of `name` relative to the directory of file `base` (absolute names kept).
 * Returns a new string or NULL. */
char *cfg_path_beside(const char *base, const char *name);

/* Reads a CSV table (libcsv, strict).  Blank lines are skipped. */
int cfg_read_csv(const char *path, cfg_table **out, pc_err *err);

void cfg_table_free(cfg_table *t);

/* cfg_read_csv through the document's copy of the file: the first call reads
 * the file, later ones (another key naming it, a study resolving the document
 * again) parse the same bytes.  Only regular files are read. */
int cfg_doc_csv(cfg_doc *doc, const char *path, cfg_table **out, pc_err *err);

/* The document's copy of a table file read through cfg_doc_csv, or NULL. */
const cfg_file *cfg_doc_file(const cfg_doc *doc, const char *path);

#endif
