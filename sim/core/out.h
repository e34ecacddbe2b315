/* out — writing a run's folder: monthly.csv, yearly.csv, replications.csv,
 * survival.csv, manifest.ini and the tables the manifest uses.
 *
 * The folder is written into a temporary sibling and renamed into place only
 * when every file is complete, so a failed or interrupted run leaves nothing.
 * Its CSV files follow the CSV rules of fsio.h. */
#ifndef PARCOURS_OUT_H
#define PARCOURS_OUT_H

#include "err.h"
#include "mc.h"

#define PARCOURS_VERSION "0.1.0"

typedef struct {
    const char *command; /* the command line, recorded in the manifest */
    const char *version;
} out_info;

/* Writes the run folder dir (replacing an earlier run folder there). */
int out_write_run(const char *dir, const mc_result *r, const out_info *info, pc_err *err);

/* Writes the CSV files of r into an existing folder (no manifest): monthly.csv,
 * yearly.csv, replications.csv, survival.csv and, when the model has observations,
 * validation.csv. */
int out_write_csv(const char *dir, const mc_result *r, pc_err *err);

#endif
