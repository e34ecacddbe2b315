/* folder — folders written whole: created or replaced at once, never half, never over
 * files parcours did not write.
 *
 * A folder is written into a temporary sibling DIR.tmp-XXXXXX (folder_open) and
 * renamed into place when complete (folder_commit); a failure removes the
 * temporary.  The temporary is locked (flock) while it is written, so a later
 * write into DIR can tell an interrupted write's leftovers (unlocked: removed,
 * and said so) from another process at work (locked: left alone).
 *
 * An existing DIR is replaced only when it is empty or a folder of the same kind
 * that parcours wrote and that holds nothing else:
 *  - a run folder is recognised by its manifest (manifest.ini whose first line
 *    is FOLDER_RUN_MARKER) and the files its [run] `files` key lists (for
 *    manifests written before that key: the four CSV files and the tables the
 *    manifest names); its charts/ may also hold what `parcours plot` draws
 *    (.csv, .png, .svg, .pdf files);
 *  - a study folder (a report, a comparison) by the listing FOLDER_LISTING that
 *    folder_commit writes into it, whose first line is FOLDER_STUDY_MARKER and
 *    whose other lines are the files written, one path per line.
 * Any other file makes the folder refused, naming the file: nothing is deleted
 * that parcours did not write.  The folder is also refused when it is the
 * current folder or one of its parents, or when it holds a file the command
 * reads (a model or a scenario), unless that file is one parcours wrote there
 * (a run's own manifest, run again in place).
 *
 * What a replacement removed is described in words (folder_notes) for the
 * command to say: the earlier run's scenario, replications and date, and the
 * leftovers of interrupted writes removed beside DIR.
 *
 * Signals are none of this module's business: the command holds them while a
 * folder is open (sim/cli/cli.h). */
#ifndef PARCOURS_FOLDER_H
#define PARCOURS_FOLDER_H

#include <stddef.h>

#include "err.h"

#define FOLDER_RUN_MARKER   "; parcours run manifest"
#define FOLDER_LISTING      "parcours-files.txt"
#define FOLDER_STUDY_MARKER "# parcours folder:"

typedef enum {
    FOLDER_RUN,   /* a run folder: manifest.ini and its files */
    FOLDER_STUDY, /* a report or a comparison: the files its listing names */
} folder_kind;

/* What writing a folder replaced or removed, in words; empty strings when nothing. */
typedef struct {
    char earlier[512]; /* "the run of baseline (200 replications, 2024-05-02 14:03)" */
    char removed[768]; /* "out/base.tmp-Ab12Cd" and others, comma-separated */
} folder_notes;

/* A folder being written: the caller writes into tmp. */
typedef struct {
    char *dir; /* the folder to create or replace */
    char *tmp; /* its temporary sibling */
    folder_kind kind;
    int lock; /* file descriptor holding the temporary's lock, or -1 */
} folder_stage;

/* Whether dir may be written as a folder of kind: PC_OK (and notes->earlier says
 * what would be replaced), or PC_EINPUT naming what stands in the way.  inputs
 * (n_inputs paths, may be NULL) are the files the command reads.  Nothing is
 * changed on disk.  A command calls it before a long computation, so that a bad
 * --out fails at once; folder_open checks again. */
int folder_check(const char *dir, folder_kind kind, const char *const *inputs, size_t n_inputs,
                 folder_notes *notes, pc_err *err);

/* Checks dir as folder_check does, removes the unlocked leftovers of earlier
 * interrupted writes into dir (notes->removed), makes dir's missing parents and
 * the locked temporary.  PC_OK and a stage to commit, or a status with err and
 * nothing on disk. */
int folder_open(folder_stage *stage, const char *dir, folder_kind kind, const char *const *inputs,
                size_t n_inputs, folder_notes *notes, pc_err *err);

/* When status is PC_OK: for a study folder writes its listing (its first line
 * FOLDER_STUDY_MARKER followed by about, a short description such as "report of
 * baseline, alt (100 replications)"), then replaces dir with the temporary
 * (notes->earlier says what was replaced, if anything).  Otherwise, or when
 * that fails, removes the temporary.  Returns status, or the status of the
 * failed step.  The stage is emptied. */
int folder_commit(folder_stage *stage, int status, const char *about, folder_notes *notes,
                  pc_err *err);

/* Rewrites err's message so that it names dir where it named a path inside the
 * temporary (which folder_commit removes on failure): "out/base/monthly.csv: cannot
 * write: No space left on device".  Call it before folder_commit with a failed status. */
void folder_message(const folder_stage *stage, pc_err *err);

#endif
