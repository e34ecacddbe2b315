/* cmd_check — `parcours check FILE`: validates a model and prints it resolved. */
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "core/mdl.h"
#include "core/rec.h"
#include "opt.h"

static const char check_usage[] =
    "usage: parcours check FILE\n"
    "\n"
    "Reads a model, scenario or run manifest, validates every key, and prints the\n"
    "resolved model: populations, states with their transitions and destinations,\n"
    "resources, staff, costs, indicators, drivers and dated changes.  Warnings (a\n"
    "state no cost counts while others of its population are) go to stderr.  Exit 1\n"
    "with file:line: key: message on the first error.\n";

int cmd_check(cli_ctx *cli, int argc, char **argv)
{
    const char *file;
    size_t n_files = 0;
    opt_command cmd = {.name = "check",
                       .usage = check_usage,
                       .args = &file,
                       .n_args = &n_files,
                       .min_args = 1,
                       .max_args = 1,
                       .args_missing = "FILE is required"};
    (void)cli; /* check writes no file */
    int rc = opt_parse(&cmd, argc, argv);
    if (rc)
        return rc == OPT_HELP ? PC_OK : rc;
    mdl_model *m;
    pc_err err;
    if ((rc = mdl_load(file, &m, &err)))
        return cli_fail(&err, rc);
    /* the output variables the observations name exist */
    rec_catalog *cat = rec_catalog_alloc(m);
    if (!cat)
        rc = pc_fail(&err, PC_EENV, "out of memory");
    else
        rc = rec_check_observations(m, cat, &err);
    rec_catalog_free(cat);
    if (rc) {
        mdl_free(m);
        return cli_fail(&err, rc);
    }
    for (size_t i = 0; i < m->n_warnings; i++)
        cli_log("warning: %s", m->warnings[i]);
    mdl_print(stdout, m);
    mdl_free(m);
    return cli_flush(PC_OK);
}
