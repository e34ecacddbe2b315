/* fsio — files written whole, folders with their parents, and the CSV rules of every file.
 *
 * Every file parcours writes goes through fsio_open and fsio_commit: the text goes
 * into a temporary sibling (PATH.tmp-XXXXXX) that is renamed over PATH only when
 * every write succeeded, so a failure or an interruption leaves the earlier file
 * or none, never half of one.  (A run folder is written whole the same way one
 * level up: out.h.)  Folders are made with their missing parents by fsio_mkdirs.
 *
 * CSV fields follow one quoting rule and one number policy, the same in every
 * file.  Text is quoted only when it holds a comma, a quote or a line break, a
 * quote inside being doubled (RFC 4180, what libcsv reads back).  A measured
 * value is written with 10 significant digits (%.10g: more than any Monte Carlo
 * estimate carries, and the bytes the run files have always held), NaN as NA; a
 * value that must read back exactly (a parameter value a replication drew) with
 * 17 (%.17g); counts, years and seeds are whole numbers the caller writes as such.
 *
 * Errors name the path and the cause, with the status of err.h: PC_EINPUT when
 * the path names nothing usable (a missing folder, a file where a folder is
 * expected), PC_EENV when the machine refuses (permission, read-only file
 * system, no space left, memory). */
#ifndef PARCOURS_FSIO_H
#define PARCOURS_FSIO_H

#include <stdio.h>

#include "err.h"

/* A file being written: write to f between fsio_open and fsio_commit. */
typedef struct {
    FILE *f;
    char *path; /* the file to create or replace */
    char *tmp;  /* its temporary sibling */
} fsio_file;

/* Opens a temporary sibling of path for writing.  PC_OK, or a status with err and
 * nothing to commit. */
int fsio_open(fsio_file *file, const char *path, pc_err *err);

/* Closes f, written as path: PC_OK when every write reached the file, else the
 * status and "path: cannot write: cause" (the cause of the first failed write when
 * the buffer still held it, as a full disk leaves it). */
int fsio_close(FILE *f, const char *path, pc_err *err);

/* Closes the file; when status is PC_OK and every write succeeded, renames it over
 * its path (mode 0644), else removes it.  Returns status, or the status of the
 * failed write or rename (err then says which).  The fsio_file is emptied. */
int fsio_commit(fsio_file *file, int status, pc_err *err);

/* Makes dir and its missing parents.  PC_OK, PC_EINPUT (a part is not a folder) or
 * PC_EENV (a part cannot be created: permission, read-only, no space). */
int fsio_mkdirs(const char *dir, pc_err *err);

/* The whole content of a file as a new string.  PC_OK, PC_EINPUT (no such file) or
 * PC_EENV (unreadable, out of memory). */
int fsio_read_text(const char *path, char **out, pc_err *err);

/* A copy of text fit for a file name (into out, size bytes, cut if longer): letters,
 * digits, '.', '_' and '-' kept, anything else written '_'. */
void fsio_safe_name(const char *text, char *out, size_t size);

/* Writes a text field, preceded by a comma unless first, quoted only when it must be. */
void fsio_csv_text(FILE *f, const char *text, int first);

/* Writes a measured value (ten significant digits, and at least to the hundredth so that
 * euros keep their cents; NA for NaN), preceded by a comma unless first. */
void fsio_csv_number(FILE *f, double v, int first);

/* The absolute directory holding path (which need not exist; its directory must): a new
 * string, or NULL. */
char *fsio_directory_of(const char *path);

/* target (absolute) relative to the absolute directory from ("../x/y.csv"): a new string,
 * or NULL on out of memory. */
char *fsio_relative_path(const char *from, const char *target);

/* Writes a value that must read back exactly (%.17g, NA for NaN), preceded by a comma
 * unless first. */
void fsio_csv_exact(FILE *f, double v, int first);

#endif
