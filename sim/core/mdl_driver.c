/* mdl_driver — [driver NAME] sections and the lists of drivers that multiply a rate.
 *
 * A driver's keys may take parameters (an uncertain sd); a rate names drivers
 * after a `*`: `hazard 0.05/m * cycle^-1 * local`, `inflow.drivers = cycle`.
 * Each distinct list becomes one modulation, so that the engine computes each
 * multiplier path once per replication however many rates share it. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdl_impl.h"

static int driver_index(const mdl_model *m, const char *name)
{
    for (size_t i = 0; i < m->n_drivers; i++)
        if (!strcmp(m->drivers[i].name, name))
            return (int)i;
    return -1;
}

/* A number of the section, bound to its slot if it is a parameter. */
static int driver_number(pctx *c, const cfg_entry *e, double *slot, dom_kind dom)
{
    c->e = e;
    const char *p = e->value;
    if (!mdl_read_number(c, &p, slot) || !mdl_at_end(p))
        return FAIL(c, "expected a number");
    int rc = mdl_ref_bind(c, slot, dom, OWNER_NONE, NULL);
    if (!rc && !mdl_in_domain(dom, *slot))
        rc = FAIL(c, "expected %s", mdl_domain_text(dom));
    return rc;
}

int mdl_parse_driver(mdl_model *m, const cfg_section *sec, mdl_driver *d, pc_err *err)
{
    static const char *const keys[] = {"label", "process", "sd",      "persistence", "drift",
                                       "start", "from",    "centred", NULL};
    int rc = mdl_check_keys(m, err, sec, keys, 0);
    const cfg_entry *process = mdl_need_key(err, sec, "process", &rc);
    const cfg_entry *sd = mdl_need_key(err, sec, "sd", &rc);
    if (rc)
        return rc;
    pctx c = {.m = m, .err = err, .e = process, .pop = -1};
    if (!(d->label = mdl_label_of(m, sec, d->name)))
        return OOM(&c);
    char purpose[300];
    snprintf(purpose, sizeof purpose, "driver.%s", d->name);
    d->purpose = mdl_hash(purpose);
    if (!strcmp(process->value, "log-ar1"))
        d->process = MDL_DRIVER_AR1;
    else if (!strcmp(process->value, "random-walk"))
        d->process = MDL_DRIVER_WALK;
    else
        return FAIL(&c, "expected log-ar1 or random-walk");
    if ((rc = driver_number(&c, sd, &d->sd, DOM_NONNEG)))
        return rc;
    const cfg_entry *e = cfg_get(sec, "persistence");
    if (d->process == MDL_DRIVER_AR1) {
        if (!e)
            return pc_fail_at(err, sec->file, sec->line, "persistence",
                              "missing in [%s] (a log-ar1 needs its yearly persistence)",
                              sec->name);
        if ((rc = driver_number(&c, e, &d->persistence, DOM_PERSISTENCE)))
            return rc;
    } else if (e) {
        return pc_fail_at(err, e->file, e->line, e->key, "not used by a random walk");
    }
    if ((e = cfg_get(sec, "drift"))) {
        if (d->process != MDL_DRIVER_WALK)
            return pc_fail_at(err, e->file, e->line, e->key,
                              "only a random walk has a drift (a log-ar1 returns to 0)");
        /* may be a parameter: a drift estimated with its standard error */
        if ((rc = driver_number(&c, e, &d->drift, DOM_YEARLY_RATE)))
            return rc;
    }
    if ((e = cfg_get(sec, "start"))) {
        c.e = e;
        const char *p = e->value;
        if (!strcmp(e->value, "stationary")) {
            if (d->process != MDL_DRIVER_AR1)
                return FAIL(&c, "a random walk has no stationary law: give a number");
            d->stationary = 1;
        } else if (!mdl_read_number(&c, &p, &d->start) || !mdl_at_end(p) || fabs(d->start) > 5) {
            return FAIL(&c, "expected 'stationary' or the log of the multiplier at 'from' "
                            "(between -5 and 5)");
        } else if ((rc = mdl_ref_fixed_only(&c, "a driver's start"))) {
            return rc;
        }
    }
    if ((e = cfg_get(sec, "centred"))) {
        c.e = e;
        if (!mdl_is_yes(e->value, &d->centred))
            return FAIL(&c, "expected yes or no");
    }
    if ((e = cfg_get(sec, "from"))) {
        c.e = e;
        const char *p = e->value;
        int y, mo;
        if (!mdl_read_date(&p, &y, &mo) || !mdl_at_end(p))
            return FAIL(&c, "expected a month YYYY-MM");
        /* After the horizon the driver stays at 1 in this run (a backtest's fit window ends
         * where the drivers start); before the start it moves from the start (a model
         * started later, as a backtest does). */
        d->from = fmax(mdl_day_of(m, y, mo), 0);
    }
    return PC_OK;
}

/* Does list b hold the same drivers and powers as a? */
static int same_modulation(const mdl_modulation *a, size_t n, const int *driver,
                           const double *power)
{
    if (a->n != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (a->driver[i] != driver[i] || a->power[i] != power[i])
            return 0;
    return 1;
}

int mdl_parse_modulation(pctx *c, const char *text, int *index)
{
    mdl_model *m = c->m;
    char *copy = mdl_arena_strdup(m, text);
    int driver[16];
    double power[16];
    size_t n = 0;
    if (!copy)
        return OOM(c);
    for (char *save = NULL, *part = strtok_r(copy, "*", &save); part;
         part = strtok_r(NULL, "*", &save)) {
        char *caret = strchr(part, '^');
        double pw = 1;
        if (caret) {
            *caret = '\0';
            const char *q = caret + 1;
            if (!mdl_read_plain(&q, &pw) || !mdl_at_end(q) || fabs(pw) > 10)
                return FAIL(c, "driver power: expected NAME^POWER with a power from -10 to 10");
        }
        char *name = (char *)(uintptr_t)mdl_skip_ws(part);
        size_t l = strlen(name);
        while (l && isspace((unsigned char)name[l - 1]))
            name[--l] = '\0';
        int d = driver_index(m, name);
        if (d < 0)
            return FAIL(c, "unknown driver '%s' (define it in [driver %s])", name, name);
        if (n == sizeof driver / sizeof driver[0])
            return FAIL(c, "at most 16 drivers multiply one rate");
        for (size_t i = 0; i < n; i++)
            if (driver[i] == d)
                return FAIL(c, "driver '%s' named twice", name);
        driver[n] = d;
        power[n++] = pw;
    }
    if (n == 0)
        return FAIL(c, "expected one or more drivers: NAME or NAME^POWER, separated by '*'");
    for (size_t i = 0; i < m->n_modulations; i++)
        if (same_modulation(&m->modulations[i], n, driver, power)) {
            *index = (int)i;
            return PC_OK;
        }
    mdl_modulation *bigger = mdl_arena_alloc(m, m->n_modulations + 1, sizeof *bigger);
    int *drv = mdl_arena_alloc(m, n, sizeof *drv);
    double *pwr = mdl_arena_alloc(m, n, sizeof *pwr);
    if (!bigger || !drv || !pwr)
        return OOM(c);
    if (m->n_modulations)
        memcpy(bigger, m->modulations, m->n_modulations * sizeof *bigger);
    memcpy(drv, driver, n * sizeof *drv);
    memcpy(pwr, power, n * sizeof *pwr);
    bigger[m->n_modulations] = (mdl_modulation){n, drv, pwr};
    m->modulations = bigger;
    *index = (int)m->n_modulations++;
    return PC_OK;
}
