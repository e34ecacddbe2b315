/* mdl — the resolved, immutable model a replication runs.
 *
 * A model is built once from files (mdl_load: INI and CSV through cfg, then
 * validated and resolved here) and is read-only afterwards, so any number of
 * threads may run replications on it at once.  Every duration is in days from
 * the first day of the start month; a month is 365.25/12 days, a year 365.25.
 * Rates are per day.  Dated changes ("[set YYYY-MM]" in a scenario) are kept as
 * versions: the version in force at the time of a draw is the one used, and
 * times drawn earlier stand (DESIGN.md). */
#ifndef PARCOURS_MDL_H
#define PARCOURS_MDL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define MDL_DAYS_PER_MONTH   (365.25 / 12.0)
#define MDL_DAYS_PER_YEAR    365.25
#define MDL_OUT              (-1)    /* destination: the person leaves the model */
#define MDL_MAX_MONTHS       1200    /* horizon limit: 100 years */
#define MDL_MAX_HAZARD       1000.0  /* per day: a mean time under 1.5 minutes is an instant */
#define MDL_MAX_INFLOW       1e7     /* persons per month in one population */
#define MDL_MAX_PERSONS      1e8     /* persons placed at the start, and arriving in one month */
#define MDL_MAX_REPLICATIONS 1000000 /* a manifest's [run] replications, as --reps */

typedef enum { MDL_CLOCK_STATE = 0, MDL_CLOCK_ENTRY = 1 } mdl_clock;

typedef enum {
    MDL_HAZARD_CONST,      /* p[0] = rate per day */
    MDL_HAZARD_PIECEWISE,  /* table: x = start of each piece (days, x[0] = 0), y = rate per day */
    MDL_AFTER_FIXED,       /* p[0] = duration */
    MDL_AFTER_EXPONENTIAL, /* p[0] = mean */
    MDL_AFTER_LOGNORMAL,   /* p[0] = mu, p[1] = sigma of log(days); p[2], p[3] = mean, sd as written
                            */
    MDL_AFTER_GAMMA,       /* p[0] = shape, p[1] = scale; p[2] = mean as written */
    MDL_AFTER_WEIBULL,     /* p[0] = shape, p[1] = scale */
    MDL_AFTER_UNIFORM,     /* p[0] = min, p[1] = max */
    MDL_AFTER_EMPIRICAL, /* table: x = upper bound of each bin (days), y = cumulative probability */
} mdl_law_kind;

/* A step or bin table; cum is the cumulative hazard at x[i] for piecewise hazards. */
typedef struct {
    size_t n;
    double *x;
    double *y;
    double *cum;
} mdl_table;

typedef struct {
    mdl_law_kind kind;
    mdl_clock clock; /* hazards only: which clock the rate is a function of */
    int modulation;  /* hazards only: the drivers multiplying the rate (index), or -1 */
    int effect;      /* hazards: attribute factors of the rate (index), or -1 */
    int prob_effect; /* attribute factors of the probability of "with P", or -1 */
    double p[4];
    mdl_table table;
    double probability; /* "with P": the transition fires with this probability, else never */
} mdl_law;

/* A categorical destination: state indices (or MDL_OUT) with the shares as
 * written and their cumulative sums (renormalised to end at exactly 1). */
typedef struct {
    size_t n;
    int *state;
    double *share;
    double *cum;
    int *effect; /* per destination: attribute factors of its share (index), or -1 */
    int has_effects;
} mdl_dest;

/* One version of a transition, in force from `from` (days; -inf for the base version). */
typedef struct {
    double from;
    int group_attr;  /* a version for one sub-group only: the attribute, or -1 ... */
    int group_value; /* ... and its value */
    int present;     /* 0: the transition does not exist in this period */
    mdl_law law;
    mdl_dest dest;
    char *text; /* the value as written, for `parcours check` */
    char *file;
    int line;
} mdl_version;

typedef struct {
    char *name;       /* the key after "on." */
    uint32_t purpose; /* RNG purpose: hash of "state.on.name" */
    size_t flow;      /* index of this transition's flow series */
    size_t n_versions;
    mdl_version *versions; /* sorted by from */
} mdl_transition;

/* A dated step function: value[i] from from[i] on; `before` earlier than from[0]. */
typedef struct {
    size_t n;
    double *from;
    double *value;
    double before;
} mdl_schedule;

typedef struct {
    char *name;
    char *label;
    int population;
    int outside;    /* tracked but not counted in the population (after an exit, for returns) */
    int resource;   /* resource this state requires, or -1 */
    int queue;      /* state where persons wait for the resource, or -1 */
    int is_queue;   /* some state names this one as its queue */
    int admit_attr; /* a state admitting some groups only: the attribute, or -1 ... */
    uint64_t admit_values; /* ... and the values admitted (bit v) */
    int staff;             /* the staff whose slot a person here holds, or -1 */
    size_t n_transitions;
    mdl_transition *transitions;
} mdl_state;

typedef struct {
    char *name;
    char *label;
    uint32_t hash;         /* RNG key part */
    int entry;             /* entry state */
    mdl_schedule inflow;   /* persons per day */
    double profile[12];    /* multipliers by calendar month (1 = flat) */
    double overdispersion; /* coefficient of variation of a monthly gamma rate multiplier */
    int inflow_modulation; /* the drivers multiplying the inflow rate (index), or -1 */
    size_t n_breakdown;    /* attributes whose values break the outputs down ... */
    int *breakdown;        /* ... (population key `breakdown`) */
    long initial_count;
    mdl_dest initial_state;
    mdl_table initial_seniority; /* empirical: upper bounds in days, cumulative probability */
    size_t n_state_seniority;    /* initial.seniority.STATE keys: ... */
    int *seniority_state;        /* ... the states, and ... */
    mdl_law *seniority_law;      /* ... the law (an after-law) of the time already spent there */
    double warmup;               /* days simulated before the start, 0 for none */
    char territory[4];           /* the département's INSEE code ("26", "2A"), "" for none */
} mdl_population;

typedef struct {
    char *name;
    char *label;
    char *unit;            /* what one unit of capacity is called: places, parrains, ... */
    int counts_etp;        /* etp.weight was given: the resource is also counted in ETP */
    mdl_schedule capacity; /* units */
    double etp_weight;     /* ETP per occupied unit (1 when not counted in ETP) */
    int staff;             /* the slots of a binding staff (capacity = ETP x caseload), or -1 */
} mdl_resource;

typedef enum {
    MDL_COST_PERSON_MONTH, /* amount x person-months in the states */
    MDL_COST_ENTRY,        /* amount x entries into the states */
    MDL_COST_UNIT_YEAR,    /* amount x resource ETP-years (funded capacity, or occupied) */
    MDL_COST_STAFF_YEAR,   /* amount x staff ETP-years */
} mdl_cost_kind;

typedef struct {
    char *name;
    char *label;
    int funder;
    mdl_cost_kind per;
    size_t n_states;
    int *states;
    int resource;
    int occupied; /* unit-year: 1 = pay for occupied places, 0 = funded capacity;
                     staff-year: 1 = pay for the ETP the caseload needs, 0 = funded ETP */
    int staff;
    int group; /* person-month and entry: only persons of this group (see mdl_attribute), or -1 */
    mdl_schedule amount;      /* euros per unit, by date */
    double indexation;        /* yearly rate, compounded monthly from the start */
    mdl_schedule index_table; /* if n > 0: multiplicative factor by date instead of the rate */
} mdl_cost;

typedef struct {
    char *name;
    char *label;
    size_t n_states;
    int *states;
    mdl_schedule caseload; /* persons per ETP */
    int binding;           /* the staff limits its states: persons wait for a slot */
    mdl_schedule etp;      /* binding: the ETP employed; slots = etp x caseload */
    int resource;          /* binding: the resource holding the slots, or -1 */
    int queue;             /* binding: where persons wait for a slot */
} mdl_staff;

/* A named parameter: `[parameter NAME]` with `value = 1.4` or
 * `value = uncertain normal(mean=1.4, sd=0.2)`, used in any value as `$NAME`.
 * An `uncertain LAW(...)` written in place of a number elsewhere becomes a
 * parameter named after its place (`state.pro.on.job`, `#2` for a second one
 * in the same value).  An uncertain parameter is drawn once per replication,
 * by inversion of a uniform from its own stream keyed by its name. */
typedef enum {
    MDL_PARAM_FIXED,       /* p[0] = value */
    MDL_PARAM_NORMAL,      /* p[0] = mean, p[1] = sd, p[2] = min, p[3] = max (+-INFINITY: none) */
    MDL_PARAM_UNIFORM,     /* p[0] = min, p[1] = max */
    MDL_PARAM_TRIANGULAR,  /* p[0] = min, p[1] = mode, p[2] = max */
    MDL_PARAM_BETA,        /* p[0] = alpha, p[1] = beta (from mean and sd) */
    MDL_PARAM_LOGNORMAL,   /* p[0] = mu, p[1] = sigma (from mean and sd) */
    MDL_PARAM_SD_INV_CHI2, /* p[0] = sd, p[1] = df, p[2] = max (INFINITY: none): a standard
                            * deviation whose square is scaled inverse chi-square */
} mdl_param_law;

typedef struct {
    char *name;
    char *label;
    char *text; /* the law as written */
    char *file;
    int line;
    mdl_param_law law;
    double p[4];
    double mean;  /* the law's mean: the value when nothing is drawn */
    double value; /* the value this model was resolved with */
    uint32_t purpose;
} mdl_param;

/* ---- indicators ([indicator NAME], mdl_indicator.c) ---------------------------------
 *
 * An indicator is computed per replication from the engine's own events:
 *  - delay: of the persons concerned by a `from` event, the share who reach a
 *    `to` event within a duration (by month of the `from` event, only for
 *    windows that end before the horizon), and the mean delay of those who
 *    reach it (by month of reaching);
 *  - status: of the persons concerned by a `from` event, the share who are in
 *    given states (or outside the population) a duration later;
 *  - ratio: sums of flows, stocks or costs over sums of flows (a share of
 *    exits, a cost per positive exit), as ratios of sums;
 *  - count: a sum of flows (entrants of a programme per year). */

typedef enum {
    MDL_EV_STATE,   /* entry into one of the states (not the initial placement) */
    MDL_EV_ENTRY,   /* entry into the population: arrival or return */
    MDL_EV_ARRIVAL, /* arrival of a new person */
    MDL_EV_RETURN,  /* return of a person who had left (from an outside state) */
    MDL_EV_EXIT,    /* leaving the population (to an outside state or out of the model) */
    MDL_EV_OUTSIDE, /* status: not in the population (outside state, or gone) */
    MDL_EV_INSIDE,  /* status: in the population */
} mdl_event_kind;

typedef struct {
    mdl_event_kind kind;
    int population; /* for the population events */
    size_t n_states;
    int *states; /* for MDL_EV_STATE */
} mdl_event;

typedef enum {
    MDL_TERM_IN,        /* in.STATE */
    MDL_TERM_STOCK,     /* stock.STATE (month end) */
    MDL_TERM_FLOW,      /* flow.STATE.TRANSITION: index = flow index */
    MDL_TERM_ENTRIES,   /* entries.POP */
    MDL_TERM_ARRIVALS,  /* arrivals.POP */
    MDL_TERM_RETURNS,   /* returns.POP */
    MDL_TERM_EXITS,     /* exits.POP */
    MDL_TERM_COST,      /* cost.COST */
    MDL_TERM_FUNDER,    /* funder.FUNDER */
    MDL_TERM_TOTAL,     /* cost.total */
    MDL_TERM_POP_STOCK, /* stock.POP (month end, states not outside) */
    MDL_TERM_ETP,       /* etp.RESOURCE (month end: persons holding it x etp.weight) */
} mdl_term_kind;

typedef struct {
    mdl_term_kind kind;
    int index;
} mdl_term;

typedef enum { MDL_IND_DELAY, MDL_IND_STATUS, MDL_IND_RATIO, MDL_IND_COUNT } mdl_indicator_kind;
typedef enum { MDL_UNIT_SHARE, MDL_UNIT_DAYS, MDL_UNIT_EUROS, MDL_UNIT_NUMBER } mdl_unit;

typedef struct {
    char *name;
    char *label;
    mdl_indicator_kind kind;
    mdl_event from, to; /* delay: from -> first to; status: from, then in `to` at `window` */
    double window;      /* days: delay `within`, status `at` */
    size_t n_num, n_den;
    mdl_term *num, *den; /* ratio; count: num only */
    mdl_unit unit;       /* of the indicator's value */
    int target_op;       /* 0: no target; +1: value >= target; -1: value <= target */
    double target;       /* in the value's unit (a share as a fraction, days) */
    char *target_text;   /* as written */
    int watch;           /* delay and status: its index among those the engine watches */
    int no_initial;      /* delay: `initial = no`, the initial stock's delays are not counted */
} mdl_indicator;

/* ---- attributes ([attribute NAME], mdl_attribute.c) --------------------------------
 *
 * A person of a population carries one value of each of its attributes (an age
 * band, a territory), drawn at arrival or placement from the attribute's own
 * stream keyed by the person, and optionally changed later on the person's own
 * time (an age band after some years).  Rates and shares may depend on values
 * (factors), a dated change may concern one group, a state may admit some
 * groups only, and outputs can be broken down by value.  A group is an
 * (attribute, value) pair, numbered across the model: g = attribute.group + v. */

typedef struct {
    double from; /* days: in force from (-inf for the base) */
    double *cum; /* [parent value][value] cumulative shares (one row without a parent) */
} mdl_attr_shares;

typedef struct {
    char *name;
    char *label;
    int population; /* the first population that has it ... */
    uint64_t *has;  /* ... and all of them: bit p of word p / 64 */
    size_t n_values;
    char **values;
    char **value_labels;
    int parent; /* the attribute its shares depend on (declared earlier), or -1 */
    size_t n_entry;
    mdl_attr_shares *entry; /* versions, by date */
    double *initial_cum;    /* [parent value][value] for the initial stock */
    mdl_law *change;        /* [value] time until the value changes (kind fixed 0 and
                               probability 0: never) */
    int *change_to;         /* [value] the next value, or -1 */
    size_t group;           /* the group number of value 0 */
    uint32_t purpose;
} mdl_attribute;

/* Factors by attribute value: a rate (or share, or probability) is multiplied by
 * prod_i factor[i][value of attribute[i]]. */
typedef struct {
    size_t n;
    int *attribute;
    double **factor;
} mdl_effect;

/* ---- drivers ([driver NAME], mdl_driver.c) ------------------------------------------
 *
 * A driver is a random process on the monthly grid, drawn once per replication
 * from its own stream keyed by its name: x(k) the log of a multiplier D = e^x of
 * the rates that name it (`hazard 0.05/m * cycle^-1`, `inflow.drivers = cycle`).
 *  - log-ar1: x(k+1) = a x(k) + s e(k), a = persistence^(1/12), s chosen so that
 *    x(k+12) = persistence x(k) + an innovation of sd `sd` (yearly);
 *  - random-walk: x(k+1) = x(k) + drift / 12 + sd / sqrt(12) e(k).
 * x = 0 before the driver's `from` month; at it x is `start` (a number, or
 * `stationary`: drawn from the log-ar1's stationary law).  With `centred = yes`
 * the multiplier is D = e^(x - var(x)/2), var(x) its variance in that month, so
 * that E[D] = e^E[x]: 1 for a log-ar1 from 0 or stationary (else e^(sd^2/2) or more). */

typedef enum { MDL_DRIVER_AR1, MDL_DRIVER_WALK } mdl_driver_process;

typedef struct {
    char *name;
    char *label;
    mdl_driver_process process;
    double sd;          /* yearly innovation sd of the log */
    double persistence; /* yearly, in [0, 1) (log-ar1) */
    double drift;       /* yearly drift of the log (random walk) */
    int stationary;     /* start drawn from the stationary law (log-ar1) */
    double start;       /* else: the log value at `from` */
    double from;        /* days: the month the driver starts moving */
    int centred;        /* D = e^(x - var(x)/2): a mean of e^E[x] (1 for a log-ar1 from 0) */
    uint32_t purpose;   /* its random stream */
} mdl_driver;

/* A product of drivers' powers: the multiplier of a rate is prod D_i^power_i. */
typedef struct {
    size_t n;
    int *driver;
    double *power;
} mdl_modulation;

/* ---- observations ([observations], mdl_observed.c) -----------------------------------
 *
 * Observed values the model is held to: `[observations] file = table(FILE)` with
 * columns variable,period,value[,tolerance[,source]].  period is YYYY-MM (the
 * variable's value in that month: a month-end stock, a month's flow) or YYYY
 * (the calendar year as yearly.csv aggregates it).  tolerance: the relative
 * error accepted (`2%`, or empty). */
typedef struct {
    char *variable;
    int year, month; /* month 0: the calendar year */
    double value;
    double tolerance; /* relative; NAN when none is stated */
    char *source;
    int line; /* in the file */
} mdl_observation;

/* Where a parameter's value goes: one per $NAME reference (mdl_param.c). */
typedef struct mdl_binding mdl_binding;

/* A dated change, as written, for display and the manifest. */
typedef struct {
    char *date; /* YYYY-MM */
    char *key;
    char *value;
    char *file;
    int line;
} mdl_change;

typedef struct mdl_model {
    char *name;   /* [model] name */
    char *id;     /* scenario identifier: the file name without .ini, or [run] scenario */
    char *label;  /* [scenario] label, or the model name */
    char *source; /* path of the file loaded */
    int start_year, start_month;
    int horizon; /* months */
    size_t n_populations, n_states, n_resources, n_costs, n_staff, n_funders, n_flows, n_changes;
    size_t n_indicators, n_watched; /* n_watched: delay and status indicators */
    size_t n_observations;
    mdl_observation *observations;
    char *observations_file;
    size_t n_attributes, n_groups, n_effects;
    mdl_attribute *attributes;
    size_t n_tracked; /* groups counted by the engine: broken down, or paid for by a cost */
    int *tracked;     /* [group] its index among the tracked groups, or -1 */
    mdl_effect *effects;
    size_t n_drivers, n_modulations;
    mdl_driver *drivers;
    mdl_modulation *modulations;
    mdl_indicator *indicators;
    size_t n_warnings;
    char **warnings; /* what check should say without refusing the model */
    size_t n_params, n_uncertain;
    mdl_param *params;
    size_t n_bindings;
    mdl_binding *bindings; /* every numeric slot a parameter feeds */
    size_t cap_bindings;   /* (while resolving) room in bindings */
    mdl_population *populations;
    mdl_state *states;
    mdl_resource *resources;
    mdl_cost *costs;
    mdl_staff *staff;
    char **funders;       /* names, as costs write them */
    char **funder_labels; /* from [funder NAME] label, else the name */
    mdl_change *changes;
    struct cfg_doc *doc;     /* the merged document, for the manifest (borrowed by instances) */
    struct mdl_arena *arena; /* owns every allocation above (but an instance's strings) */
    const struct mdl_model *base; /* for an instance: the model it was made from, else NULL */
} mdl_model;

/* Loads a model or scenario file (or a run manifest) and resolves it.
 * Returns PC_OK and *out, or PC_EINPUT with err naming file:line: key. */
int mdl_load(const char *path, mdl_model **out, pc_err *err);

/* Resolves an already merged document (takes ownership of doc, even on failure).
 * Parameters take their mean.  Where an uncertain parameter feeds a key, the
 * law's support must lie in the key's domain (a share in [0, 1], a duration
 * >= 0, a whole number for a count): otherwise PC_EINPUT naming the key and
 * the parameter. */
int mdl_resolve(struct cfg_doc *doc, mdl_model **out, pc_err *err);

/* ---- instances: resolve once, bind per replication --------------------------------
 *
 * The resolver records, for every $NAME reference, the numeric slot it feeds
 * and how it is converted (units; lognormal mean and sd to mu and sigma, gamma
 * mean to scale; destination shares renormalised; piecewise cumulative
 * hazards).  An instance is a copy of the model's numbers, made once per
 * thread, into which a replication binds its parameter values: no text, no
 * file, no allocation per replication.  Strings and the document are borrowed
 * from the base, which must outlive its instances. */

/* A copy of m's numbers that mdl_bind can change, or NULL on out of memory.
 * Free it with mdl_free. */
mdl_model *mdl_instance_alloc(const mdl_model *m);

/* Sets every parameter of the instance to values[i] (n_params of them) and
 * recomputes what depends on them.  PC_OK, or PC_EINPUT naming the parameter,
 * the value and the key it feeds when a value is outside the key's domain (the
 * instance is then unusable until the next successful bind). */
int mdl_bind(mdl_model *instance, const double *values, pc_err *err);

/* One-off: a new instance of base bound to values.  For tests and studies that
 * evaluate a handful of points; Monte Carlo loops keep one instance per thread. */
int mdl_instance(const mdl_model *base, const double *values, mdl_model **out, pc_err *err);

/* The model with keys of its document replaced, then resolved again.  A key is
 * KIND.NAME.KEY for a section "[KIND NAME]" (population, state, resource, cost,
 * staff, parameter, driver), model.KEY, set.YYYY-MM.KEY (the [set] section is created
 * if needed), or a parameter's name alone (its value is fixed).  An unknown
 * section is an input error naming the key. */
int mdl_override(const mdl_model *base, size_t n, const char *const *keys,
                 const char *const *values, mdl_model **out, pc_err *err);

/* The model where each key (named as for mdl_override) is fed by a fixed
 * parameter written `${KEY}UNIT` (units[i], e.g. "/y", "m" or ""; units may
 * be NULL) with values[i], and index[i] that parameter's index (a key that
 * is a parameter's name is that parameter, fixed at values[i]).  Studies then
 * move those parameters through mc_options.set (or mdl_bind) without resolving
 * the model again: the document is resolved once, here. */
int mdl_expose(const mdl_model *base, size_t n, const char *const *keys, const char *const *units,
               const double *values, mdl_model **out, size_t *index, pc_err *err);

/* Index of a parameter by name, or -1. */
int mdl_param_index(const mdl_model *m, const char *name);

/* The parameter's quantile at u in (0, 1) (its value when fixed). */
double mdl_param_quantile(const mdl_param *p, double u);

void mdl_free(mdl_model *m);

/* Prints the resolved model for an analyst (`parcours check`). */
void mdl_print(FILE *f, const mdl_model *m);

/* Index of a named state / resource / population / staff / cost, or -1. */
int mdl_state_index(const mdl_model *m, const char *name);
int mdl_resource_index(const mdl_model *m, const char *name);
int mdl_population_index(const mdl_model *m, const char *name);

/* Whether text is a département's INSEE code: 01 to 95 (not 20), 2A, 2B (either
 * case), 971 to 976; if so, writes it to out ("2A" in capitals) and returns 1. */
int mdl_territory_code(const char *text, char out[4]);

/* A count indicator whose terms are all stocks (stock.S, stock.P) is itself a stock:
 * its year is the mean of its months, not their sum. */
int mdl_terms_are_stocks(const mdl_indicator *ind);

/* Value of a schedule at day t. */
double mdl_schedule_at(const mdl_schedule *s, double t);

/* Units of resource r at day t: its capacity, or for a binding staff's slots the
 * whole number of persons its ETP can follow (ETP x caseload). */
double mdl_capacity_at(const mdl_model *m, int r, double t);

/* Version of a transition in force at day t (never NULL). */
const mdl_version *mdl_version_at(const mdl_transition *tr, double t);

/* Day (from the start) of the first day of calendar month year-month. */
double mdl_day_of(const mdl_model *m, int year, int month);

/* Calendar year and month (1-12) of model month index k (0 = start month). */
void mdl_month_of(const mdl_model *m, int k, int *year, int *month);

/* Model month index k as "YYYY-MM" into buf. */
void mdl_month_text(const mdl_model *m, int k, char *buf, size_t size);

/* Cost index factor (indexation) at day t. */
double mdl_cost_index(const mdl_cost *c, double t);

/* 32-bit FNV-1a hash used for RNG keys. */
uint32_t mdl_hash(const char *s);

#endif
