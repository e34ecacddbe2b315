/* fixtures — shared test models and closed forms (see fixtures.h). */
#include "fixtures.h"

#include <stdio.h>

mdl_model *tc_load_model(tc_ctx *t, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s", tc_write(t, name, text));
    mdl_model *m = NULL;
    pc_err err = {{0}};
    if (mdl_load(path, &m, &err) != PC_OK) {
        CHECK(t, 0, "%s loads: %s", name, err.msg);
        return NULL;
    }
    return m;
}

double tc_erlang_c(int servers, double load)
{
    double term = 1, below = 0; /* term = load^k / k! */
    for (int k = 0; k < servers; k++) {
        below += term;
        term *= load / (k + 1);
    }
    double top = term * servers / (servers - load);
    return top / (below + top);
}

void tc_two_departements(char *buf, size_t size, int demand_a, int demand_b)
{
    int used = snprintf(buf, size, "[model]\nname = Two\nstart = 2020-01\nhorizon = 36\n");
    const char *name[2] = {"a", "b"};
    int demand[2] = {demand_a, demand_b};
    for (int i = 0; i < 2 && used > 0 && (size_t)used < size; i++)
        used += snprintf(buf + used, size - (size_t)used,
                         "\n[population %s]\nentry = work_%s\ninflow.rate = %d/m\nwarmup = 1y\n"
                         "\n[state wait_%s]\npopulation = %s\n"
                         "on.give_up = after fixed(6m) -> out\n"
                         "\n[state work_%s]\npopulation = %s\nresource = iae_%s\n"
                         "queue = wait_%s\non.end = after exponential(mean=6m) -> out\n"
                         "\n[resource iae_%s]\nlabel = Département %s\ncapacity = 50\n"
                         "etp.weight = 0.5\n"
                         "\n[cost fie_%s]\nfunder = etat\nper = unit-year\nresource = iae_%s\n"
                         "amount = 10000\n",
                         name[i], name[i], demand[i], name[i], name[i], name[i], name[i], name[i],
                         name[i], name[i], name[i], name[i], name[i]);
}
