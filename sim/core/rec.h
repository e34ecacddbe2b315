/* rec — monthly records: what a replication counts, and the variables derived from it.
 *
 * The engine fills an rec_raw (counts by month, state, transition, queue,
 * population) and knows nothing of costs or staff.  rec_catalog_alloc lists
 * the output variables of a model (DESIGN.md and docs/format.md) and
 * rec_derive turns one replication's raw counts into those variables, month by
 * month: stocks, flows, waits, resource occupancy and ETP, staff ETP, each cost
 * line with its indexation, each funder. */
#ifndef PARCOURS_REC_H
#define PARCOURS_REC_H

#include <stddef.h>

#include "mdl.h"

/* Waits are counted by whole days up to 10 years; the last bin holds the longer ones. */
#define REC_WAIT_BINS 3654

/* Spell lengths are counted in bins of 1/REC_SPELL_BINS month (under a day), so
 * that the survival curve is the Kaplan-Meier estimate up to a within-bin
 * correction far below the Monte Carlo error, and month boundaries fall on bin edges. */
#define REC_SPELL_BINS 32

typedef enum {
    REC_STOCK, /* value at month end; yearly: mean of the months */
    REC_FLOW,  /* total during the month; yearly: sum */
    REC_MEAN,  /* average over the month (staff ETP); yearly: mean of the months */
    REC_RATIO, /* num / den of two flow variables; yearly: ratio of sums */
} rec_kind;

typedef struct {
    char *name;
    rec_kind kind;
    size_t num, den; /* REC_RATIO: indices of the numerator and denominator variables */
} rec_var;

typedef struct {
    size_t n;
    rec_var *vars;
} rec_catalog;

/* One replication's raw counts; arrays are [month][item], months 0..horizon-1. */
typedef struct {
    size_t n_months, n_states, n_flows, n_populations;
    double *stock;      /* persons in each state at month end */
    double *days;       /* person-days in each state during the month */
    double *in;         /* entries into each state */
    double *flow;       /* firings of each transition */
    double *arrivals;   /* [month][population] new persons */
    double *returns;    /* [month][population] returns from an outside state */
    double *exits;      /* [month][population] exits to an outside state or out */
    double *admitted;   /* [month][state] admissions from the queue into the state */
    double *wait_count; /* [month][state] waits ended in queue state */
    double *wait_total; /* [month][state] their total, days */
    double *wait_over;  /* [month][state] those longer than 3 months */
    double *wait_hist;  /* [state][REC_WAIT_BINS] waits ended in [wait_from, wait_to), by day */
    double wait_from, wait_to; /* days; set by the caller before a run (default: everything) */
    size_t n_tracked;          /* groups counted (mdl.h: tracked) */
    double *gstock;            /* [month][state][tracked] persons of the group at month end */
    double *gdays;             /* [month][state][tracked] their person-days */
    double *gin;               /* [month][state][tracked] their entries */
    double *gcohort; /* [month][watched][tracked] indicator cohorts by group (from event) */
    double *ghit;    /* [month][watched][tracked] ... reaching `to` */
    size_t n_drivers;
    double *driver;     /* [month][driver] the driver's multiplier e^x in the month */
    size_t n_watched;   /* delay and status indicators (mdl.h) */
    double *ind_cohort; /* [month][watched] `from` events whose window ends by the horizon */
    double *ind_hit;    /* [month][watched] ... of which reached `to` within the window */
    double *ind_days;   /* [month][watched] delays (days) of those reaching `to` this month */
    double *ind_count;  /* [month][watched] their number */
    double *spell_end;  /* [population][spell bins] spells ended, by length (REC_SPELL_BINS) */
    double *spell_cens; /* [population][spell bins] spells still running at the horizon */
    double events;      /* events processed (benchmarks) */
} rec_raw;

rec_raw *rec_raw_alloc(const mdl_model *m);

/* The arrays of counts of r (every one a sum over persons and events), their lengths in
 * doubles into part and len (room for REC_RAW_PARTS); returns their number.  Adding two
 * raw records array by array adds their counts (the shares of one replication). */
#define REC_RAW_PARTS 32
size_t rec_raw_parts(rec_raw *r, double **part, size_t *len);
void rec_raw_free(rec_raw *r);
void rec_raw_clear(rec_raw *r);

rec_catalog *rec_catalog_alloc(const mdl_model *m);
void rec_catalog_free(rec_catalog *c);

/* Index of a variable by name, or -1. */
long rec_find(const rec_catalog *c, const char *name);

/* Every observation of the model ([observations]) names a variable of c: PC_OK, or
 * PC_EINPUT naming the observations file and line. */
int rec_check_observations(const mdl_model *m, const rec_catalog *c, pc_err *err);

/* Spell bins per population: n_months * REC_SPELL_BINS + 1 (the last holds longer spells). */
size_t rec_spell_width(const rec_raw *r);

/* The share of each population's spells (begun in the recorded period) still
 * running n months after they began, n = 0..n_months: the Kaplan-Meier estimate,
 * with the actuarial correction inside a bin (a spell censored in a bin is at risk
 * for half of it).  out[population * (n_months + 1) + n]; NaN where no spell is
 * at risk any more, and at 0 for a population without spells. */
void rec_survival(const rec_raw *r, double *out);

/* Fills values[var * n_months + month] for every variable of the catalog. */
void rec_derive(const mdl_model *m, const rec_catalog *c, const rec_raw *raw, double *values);

#endif
