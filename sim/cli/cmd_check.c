/* cmd_check — `parcours check FILE`: validates a model and prints it resolved. */
#include <stdio.h>

#include "cli.h"
#include "cmd.h"
#include "core/mdl.h"
#include "opt.h"

static const char check_usage[] =
    "usage: parcours check FILE\n"
    "\n"
    "Reads a model, scenario or run manifest, validates every key, and prints the\n"
    "resolved model: populations, states with their transitions and destinations,\n"
    "resources, staff, costs and dated changes.  Exit 1 with file:line: key: message\n"
    "on the first error.\n";

int cmd_check(int argc, char **argv)
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
    int rc = opt_parse(&cmd, argc, argv);
    if (rc)
        return rc == OPT_HELP ? PC_OK : rc;
    mdl_model *m;
    pc_err err;
    if ((rc = mdl_load(file, &m, &err)))
        return cli_fail(&err, rc);
    mdl_print(stdout, m);
    mdl_free(m);
    return fflush(stdout) == 0 ? PC_OK : PC_EINTERNAL;
}
