/* mdl_impl — what the files of the mdl module share; not part of its interface.
 *
 * The model module is one prefix over several files: mdl.c (the model object,
 * its arena and queries), mdl_read.c (numbers, units, tables, schedules,
 * destinations and transition laws), mdl_param.c (parameters, where they are
 * bound, instances), mdl_section.c (one function per kind of section),
 * mdl_resolve.c (the passes that turn a document into a model, overrides) and
 * mdl_print.c.  Only those files include this header; everything else sees
 * mdl.h.  While a document is resolved, every parse function works in a pctx
 * that names the entry being read (for messages) and carries the parameter
 * reference of the last number read until it is bound to its slot. */
#ifndef PARCOURS_MDL_IMPL_H
#define PARCOURS_MDL_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"
#include "err.h"
#include "mdl.h"

/* ---- arena --------------------------------------------------------------- */

struct mdl_arena {
    struct mdl_arena *next;
    size_t used, size;
    max_align_t data[];
};

/* ---- parsing context ----------------------------------------------------- */

typedef struct {
    mdl_model *m;
    pc_err *err;
    const cfg_entry *e; /* entry being parsed, for messages */
    int pop;            /* population of the state being parsed, or -1 */
    int ref;            /* 1 + the parameter the last number read refers to, 0 if none */
    double mul, div;    /* that number's conversion to its slot: value * mul / div */
    char ref_msg[700];  /* why a $ reference could not be read, if it could not */
    int no_refs;        /* numbers only: no $ reference here */
} pctx;

#define FAIL(c, ...) mdl_fail_here((c), __VA_ARGS__)
#define OOM(c)       pc_fail((c)->err, PC_EENV, "out of memory")

#define MAX_PARTS 256

/* ---- bindings: where parameters go --------------------------------------------- */

/* What a slot accepts, on the value it holds (after unit conversion). */
typedef enum {
    DOM_NONNEG,      /* >= 0 */
    DOM_POSITIVE,    /* > 0 */
    DOM_PROBABILITY, /* in [0, 1] */
    DOM_COUNT,       /* a whole number >= 0 */
    DOM_OVERDISPERSION /* in [0, 10] */,
    DOM_YEARLY_RATE, /* in (-1, 1] (a yearly indexation rate, as a fraction) */
    DOM_WARMUP,      /* in [0, 100 years] */
    DOM_HAZARD,      /* in [0, MDL_MAX_HAZARD] per day */
    DOM_PERSISTENCE, /* in [0, 1) */
    DOM_INFLOW,      /* in [0, MDL_MAX_INFLOW] per month */
} dom_kind;

/* What depends on a slot and is recomputed when it changes. */
typedef enum {
    OWNER_NONE,
    OWNER_LOGNORMAL, /* mdl_law: mu and sigma from mean p[2] and sd p[3] */
    OWNER_GAMMA,     /* mdl_law: scale p[1] from shape p[0] and mean p[2] */
    OWNER_UNIFORM,   /* mdl_law: min p[0] < max p[1] */
    OWNER_PIECEWISE, /* mdl_table: increasing starts from 0, cumulative hazard */
    OWNER_DEST,      /* mdl_dest: cumulative shares, renormalised */
} owner_kind;

struct mdl_binding {
    int param;
    double *slot;    /* the number the parameter feeds ... */
    long *slot_long; /* ... or a whole number; both NULL once the slot was dropped */
    double mul, div; /* slot = value * mul / div, in the order the parser computes it */
    dom_kind domain;
    owner_kind owner_kind;
    void *owner;
    const char *file, *key; /* where the reference is written */
    int line;
};

/* ---- schedules ------------------------------------------------------------ */

typedef enum { VAL_NUMBER, VAL_RATE, VAL_COUNT } val_kind;

/* Arguments "k=v, k=v" of a distribution: returns the text of key, or NULL. */
typedef struct {
    int n;
    char *key[8];
    char *val[8];
    int used[8];
} args;

/* ---- sections -------------------------------------------------------------- */

typedef enum {
    SEC_MODEL,
    SEC_SCENARIO,
    SEC_RUN,
    SEC_POP,
    SEC_STATE,
    SEC_RES,
    SEC_COST,
    SEC_STAFF,
    SEC_SET,
    SEC_PARAM,
    SEC_INDICATOR,
    SEC_FUNDER,
    SEC_DRIVER,
    SEC_OBSERVATIONS,
    SEC_ATTRIBUTE,
    SEC_UNKNOWN
} sec_kind;

/* A dated [set] entry. */
typedef struct {
    double day;
    const char *date;
    const char *group; /* "ATTRIBUTE=VALUE" of a [set YYYY-MM ATTRIBUTE=VALUE], or NULL */
    const cfg_entry *e;
} set_entry;

/* ---- functions shared by the module's files ------------------------------------ */

/* ---- mdl.c ---- */

/* Zeroed memory from the model's arena (freed with the model), or NULL. */
void *mdl_arena_alloc(mdl_model *m, size_t n, size_t size);
char *mdl_arena_strdup(mdl_model *m, const char *s);
/* An input error at the entry being parsed (FAIL); a bad $ reference explains itself. */
int mdl_fail_here(pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mdl_staff_index(const mdl_model *m, const char *name);
int mdl_funder_index(mdl_model *m, const char *name);

/* ---- mdl_read.c ---- */

const char *mdl_skip_ws(const char *p);
int mdl_at_end(const char *p);
int mdl_read_plain(const char **pp, double *out);
/* A number, or with a context a parameter's value ($NAME, ${NAME}) left in c->ref
 * until mdl_ref_bind or mdl_ref_fixed_only consumes it.  c may be NULL (tables). */
int mdl_read_number(pctx *c, const char **pp, double *out);
int mdl_read_duration(pctx *c, const char **pp, double *days);
int mdl_read_date(const char **pp, int *year, int *month);
int mdl_split_list(char *s, char **parts, int max);
int mdl_is_yes(const char *v, int *out);
int mdl_read_table_ref(const char **pp, char *clock, size_t clock_size, char *buf, size_t size);
int mdl_load_table(pctx *c, const char *path, const char *col1, const char *col2, cfg_table **out);
int mdl_load_bins(pctx *c, const char *path, mdl_table *t);
int mdl_read_value(pctx *c, const char **pp, val_kind k, double *v);
const char *mdl_val_expected(val_kind k);
int mdl_parse_schedule(pctx *c, const char *value, val_kind k, dom_kind dom, const char *col,
                       double before_first, mdl_schedule *s);
int mdl_schedule_set_from(mdl_model *m, mdl_schedule *s, double from, double v);
int mdl_parse_dest(pctx *c, const char *text, int allow_out, mdl_dest *d);
int mdl_parse_args(char *inner, args *a);
int mdl_arg_number(pctx *c, args *a, const char *name, double *out, const char *dist);
int mdl_args_all_used(pctx *c, const args *a, const char *dist);
void mdl_finish_lognormal(mdl_law *law);
int mdl_parse_transition(pctx *c, const char *value, mdl_version *v);
/* A duration law as after-transitions write it (`exponential(mean=3m)`), into law. */
int mdl_parse_after(pctx *c, const char *text, mdl_law *law);

/* ---- mdl_param.c ---- */

/* Whether a slot of domain d accepts the value v (after conversion), and what it accepts. */
int mdl_in_domain(dom_kind d, double v);
const char *mdl_domain_text(dom_kind d);

/* Records that the number just read, if it was a $reference, feeds slot (or a whole
 * number slot_long), converted by c->mul / c->div, accepting domain; owner is
 * what to recompute when the slot changes. */
int mdl_ref_bind_slot(pctx *c, double *slot, long *slot_long, dom_kind domain, owner_kind ok,
                      void *owner);
int mdl_ref_bind(pctx *c, double *slot, dom_kind domain, owner_kind ok, void *owner);
/* The number just read goes where nothing may vary by replication (what names it). */
int mdl_ref_fixed_only(pctx *c, const char *what);
/* dst is a copy of src: what feeds src feeds dst. */
int mdl_ref_copy(pctx *c, double *dst, const double *src);
/* Values moved from old[0..n) to moved[0..keep); the others were dropped. */
void mdl_ref_moved(mdl_model *m, const double *old, size_t n, double *moved, size_t keep);
int mdl_param_name_ok(const char *s);
/* Moves every inline "uncertain LAW(...)" into a [parameter PLACE] section. */
int mdl_extract_inline(cfg_doc *doc, pc_err *err);
int mdl_collect_params(mdl_model *m, const cfg_doc *doc, pc_err *err);
/* Every slot an uncertain parameter feeds can hold whatever its law draws. */
int mdl_check_supports(const mdl_model *m, pc_err *err);

/* ---- mdl_section.c ---- */

sec_kind mdl_section_kind(const char *name, const char **arg);
int mdl_check_keys(mdl_model *m, pc_err *err, const cfg_section *sec, const char *const *allowed,
                   int on_ok);
const cfg_entry *mdl_need_key(pc_err *err, const cfg_section *sec, const char *key, int *rc);
int mdl_set_cmp(const void *a, const void *b);
int mdl_parse_model_section(mdl_model *m, const cfg_doc *doc, pc_err *err);
int mdl_collect_names(mdl_model *m, const cfg_doc *doc, pc_err *err);
int mdl_parse_population(mdl_model *m, const cfg_section *sec, mdl_population *pop, pc_err *err);
int mdl_parse_resource(mdl_model *m, const cfg_section *sec, mdl_resource *r, pc_err *err);
int mdl_parse_staff(mdl_model *m, const cfg_section *sec, mdl_staff *st, pc_err *err);
int mdl_link_staff(mdl_model *m, const cfg_doc *doc, pc_err *err);
int mdl_parse_cost(mdl_model *m, const cfg_section *sec, mdl_cost *co, pc_err *err);

/* mdl_indicator.c: [indicator NAME] (after costs: ratios may name them), [funder NAME]
 * (after costs: it labels their funders), and the warnings of check. */
int mdl_parse_indicator(mdl_model *m, const cfg_section *sec, mdl_indicator *ind, pc_err *err);
int mdl_parse_funder(mdl_model *m, const cfg_section *sec, const char *name, pc_err *err);
int mdl_cost_warnings(mdl_model *m, pc_err *err);

/* mdl_driver.c: [driver NAME] (before states and populations: their rates name drivers),
 * and "NAME[^POWER] * NAME..." lists, registered once per distinct list. */
int mdl_parse_driver(mdl_model *m, const cfg_section *sec, mdl_driver *d, pc_err *err);
int mdl_parse_modulation(pctx *c, const char *text, int *index);

/* mdl_attribute.c: [attribute NAME] (after populations, before states), factors after
 * '*' (drivers into *modulation when it is not NULL, attribute factors into *effect),
 * and groups written ATTRIBUTE:VALUE or ATTRIBUTE=VALUE. */
int mdl_attribute_index(const mdl_model *m, const char *name);
int mdl_attribute_of(const mdl_model *m, int a, int pop); /* does population pop have it? */
int mdl_parse_attribute(mdl_model *m, const cfg_section *sec, mdl_attribute *a,
                        const set_entry *sets, size_t n_sets, pc_err *err);
int mdl_parse_factors(pctx *c, const char *text, int *modulation, int *effect);
int mdl_parse_group(pctx *c, const char *text, int *attr, int *value);
int mdl_link_groups(mdl_model *m, const cfg_doc *doc, pc_err *err);

/* mdl_observed.c: [observations] (its variables are checked against the outputs by
 * rec_check_observations, once the catalog exists). */
int mdl_parse_observations(mdl_model *m, const cfg_section *sec, pc_err *err);

/* A name of a section: letters (UTF-8 ones too), digits, '_', '-'; not starting with a
 * digit or '-'. */
int mdl_valid_name(const char *s);
char *mdl_label_of(mdl_model *m, const cfg_section *sec, const char *fallback);
int mdl_parse_state(mdl_model *m, const cfg_doc *doc, const cfg_section *sec, mdl_state *st,
                    const set_entry *sets, size_t n_sets, pc_err *err);
int mdl_apply_set_schedules(mdl_model *m, const set_entry *sets, size_t n_sets, pc_err *err);
int mdl_record_changes(mdl_model *m, const set_entry *sets, size_t n_sets);
/* An input error at the entry `key` of section "[kind name]" of doc (or the section). */
int mdl_fail_entry(pc_err *err, const cfg_doc *doc, const char *kind, const char *name,
                   const char *key, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int mdl_check_streams(const mdl_model *m, const cfg_doc *doc, pc_err *err);
int mdl_rewrite_table_paths(cfg_doc *doc, pc_err *err);

#endif
