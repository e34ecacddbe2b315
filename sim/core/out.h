/* out — writing a run's folder: monthly.csv, yearly.csv, replications.csv,
 * survival.csv, manifest.ini and the tables the manifest uses.
 *
 * The folder is written whole (folder.h): into a temporary sibling renamed into
 * place only when every file is complete, so a failed run leaves nothing.  An
 * earlier run folder at DIR is replaced (what it was comes back in
 * out_info.notes, for the command to say); a folder holding anything parcours
 * did not write is refused.  The manifest's [run] section records the scenario,
 * seed, replications, version, command and the files written (`files`), by which
 * the next run recognises the folder.  Its CSV files follow the CSV rules of
 * fsio.h.  Errors name the path and the cause (err.h: PC_EINPUT, PC_EENV). */
#ifndef PARCOURS_OUT_H
#define PARCOURS_OUT_H

#include "err.h"
#include "folder.h"
#include "mc.h"

#define PARCOURS_VERSION "0.1.0"

typedef struct {
    const char *command; /* the command line, recorded in the manifest */
    const char *version;
    folder_notes *notes; /* if not NULL, receives what the write replaced or removed */
} out_info;

/* Whether the run folder dir may be written for model m (which may be NULL): see
 * folder_check.  A command calls it before running, so that a bad --out fails at once. */
int out_check_run(const char *dir, const mdl_model *m, folder_notes *notes, pc_err *err);

/* Writes the run folder dir (replacing an earlier run folder there). */
int out_write_run(const char *dir, const mc_result *r, const out_info *info, pc_err *err);

/* Writes the CSV files of r into an existing folder (no manifest): monthly.csv,
 * yearly.csv, replications.csv, survival.csv and, when the model has observations,
 * validation.csv. */
int out_write_csv(const char *dir, const mc_result *r, pc_err *err);

#endif
