/* xlsx — the report's workbook, parcours.xlsx, written with libxlsxwriter (see xlsx.h).
 *
 * The workbook is drawn from the report folder's files only (key-figures.csv,
 * the run folders through rundir, compare/differences.csv), so that it says
 * what the files say.  libxlsxwriter builds the whole workbook in memory and
 * writes it when closed; a failed call is remembered in the book and fails the
 * whole workbook, whose temporary file is then removed. */
#include "xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/cfg.h"
#include "rundir.h"
#include "sbuf.h"

#define SHEET_NAME_MAX 31 /* characters, Excel's limit */

/* ---- units -------------------------------------------------------------------------- */

typedef enum {
    UNIT_PERSONS,
    UNIT_PLACES,
    UNIT_ETP,
    UNIT_DAYS,
    UNIT_MEUR,
    UNIT_EUR,
    UNIT_SHARE,
    UNIT_NUMBER,
    N_UNITS
} unit_kind;

/* What a cell of each unit shows: the unit's name, the factor from the CSV value
 * (euros to millions) and the number format (English form: Excel shows the
 * reader's own thousands and decimal separators). */
static const struct {
    const char *name;
    double scale;
    const char *format, *difference; /* a difference of persons needs a decimal */
} units[N_UNITS] = {
    [UNIT_PERSONS] = {"personnes", 1, "#,##0", "#,##0.0"},
    [UNIT_PLACES] = {"places", 1, "#,##0", "#,##0.0"},
    [UNIT_ETP] = {"ETP", 1, "#,##0.0", "#,##0.0"},
    [UNIT_DAYS] = {"jours", 1, "#,##0.0", "#,##0.0"},
    [UNIT_MEUR] = {"M\xE2\x82\xAC", 1e-6, "#,##0.00", "#,##0.00"},
    [UNIT_EUR] = {"\xE2\x82\xAC", 1, "#,##0.00", "#,##0.00"},
    [UNIT_SHARE] = {"%", 1, "0.0%", "0.0%"},
    [UNIT_NUMBER] = {"nombre", 1, "#,##0.00", "#,##0.00"},
};

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int ends(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

/* The label of [KIND NAME] in the run's manifest, or NULL. */
static const char *section_label(const rundir *r, const char *kind, const char *name)
{
    char section[320];
    if ((size_t)snprintf(section, sizeof section, "%s %s", kind, name) >= sizeof section)
        return NULL;
    const char *label = rundir_setting(r, section, "label");
    return label && *label ? label : NULL;
}

/* The variable without its subgroup ("stock.rsa[age=plus_50]" gives "stock.rsa"), into buf. */
static const char *base_name(const char *var, char *buf, size_t size)
{
    size_t len = strcspn(var, "[");
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), var);
    return buf;
}

/* The name of indicator.NAME[.PART] into buf, and its part (after the name) or "". */
static const char *indicator_part(const char *base, char *buf, size_t size)
{
    const char *name = base + strlen("indicator.");
    const char *dot = strchr(name, '.');
    size_t len = dot ? (size_t)(dot - name) : strlen(name);
    snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), name);
    return dot ? dot + 1 : "";
}

/* The unit of a variable, and the name shown for it (a resource's own `unit`). */
static unit_kind unit_of(const rundir *r, const char *var, const char **name)
{
    char base[512], part[256];
    base_name(var, base, sizeof base);
    unit_kind u = UNIT_NUMBER;
    *name = NULL;
    if (starts(base, "cost.") || starts(base, "funder."))
        u = UNIT_MEUR;
    else if (starts(base, "etp.") || starts(base, "funded.") || starts(base, "staff."))
        u = UNIT_ETP;
    else if (starts(base, "wait."))
        u = ends(base, ".mean") || ends(base, ".total") ? UNIT_DAYS
            : ends(base, ".share3m")                    ? UNIT_SHARE
                                                        : UNIT_PERSONS;
    else if (starts(base, "occupied.") || starts(base, "capacity.")) {
        u = UNIT_PLACES;
        char section[600];
        snprintf(section, sizeof section, "resource %s", strchr(base, '.') + 1);
        const char *own = rundir_setting(r, section, "unit");
        if (own && *own)
            *name = own;
    } else if (starts(base, "share."))
        u = UNIT_SHARE;
    else if (starts(base, "indicator.")) {
        const char *rest = indicator_part(base, part, sizeof part);
        char section[300];
        snprintf(section, sizeof section, "indicator %s", part);
        const char *unit = rundir_setting(r, section, "unit");
        if (strcmp(rest, "days") == 0)
            u = UNIT_DAYS;
        else if (*rest)
            u = UNIT_NUMBER;
        else if (!unit || !*unit || strcmp(unit, "share") == 0)
            u = UNIT_SHARE;
        else
            u = strcmp(unit, "euros") == 0  ? UNIT_EUR
                : strcmp(unit, "days") == 0 ? UNIT_DAYS
                                            : UNIT_NUMBER;
    } else if (starts(base, "stock.") || starts(base, "in.") || starts(base, "entries.") ||
               starts(base, "arrivals.") || starts(base, "returns.") || starts(base, "exits.") ||
               starts(base, "flow.") || starts(base, "queue.") || starts(base, "admitted."))
        u = UNIT_PERSONS;
    if (!*name)
        *name = units[u].name;
    return u;
}

/* What a variable of yearly.csv is, in French: "Allocataires du RSA : présents, moyenne
 * annuelle".  A new string, or NULL on out of memory. */
static char *var_label(const rundir *r, const char *var)
{
    char base[512], part[256];
    base_name(var, base, sizeof base);
    const char *subgroup = var + strlen(base);
    const char *rest = strchr(base, '.') ? strchr(base, '.') + 1 : base;
    char *plain = NULL;
    const char *what = NULL;
    static const struct {
        const char *prefix, *what;
    } words[] = {
        {"stock.", " : pr\xC3\xA9sents, moyenne annuelle"},
        {"entries.", " : entr\xC3\xA9"
                     "es (arriv\xC3\xA9"
                     "es et retours)"},
        {"arrivals.", " : arriv\xC3\xA9"
                      "es"},
        {"returns.", " : retours"},
        {"exits.", " : sorties"},
        {"in.", " : entr\xC3\xA9"
                "es dans l'\xC3\xA9tat"},
        {"queue.", " : en attente, moyenne annuelle"},
        {"occupied.", " : places occup\xC3\xA9"
                      "es, moyenne annuelle"},
        {"capacity.", " : places, moyenne annuelle"},
        {"etp.", " : ETP occup\xC3\xA9s, moyenne annuelle"},
        {"funded.", " : ETP conventionn\xC3\xA9s, moyenne annuelle"},
        {"admitted.", " : admissions"},
        {"funder.", " : budget de l'ann\xC3\xA9"
                    "e"},
    };
    sbuf b = {0};
    if (starts(base, "flow.") && strrchr(rest, '.')) {
        const char *dot = strrchr(rest, '.');
        char state[256];
        snprintf(state, sizeof state, "%.*s", (int)(dot - rest), rest);
        const char *l = section_label(r, "state", state);
        sbuf_printf(&b, "%s : transition \xC2\xAB %s \xC2\xBB", l ? l : state, dot + 1);
    } else if (starts(base, "wait.") && strrchr(rest, '.')) {
        static const struct {
            const char *suffix, *what;
        } waits[] = {
            {"count", "attentes termin\xC3\xA9"
                      "es"},
            {"total", "jours d'attente cumul\xC3\xA9s"},
            {"over3m", "attentes de plus de 3 mois"},
            {"mean", "attente moyenne"},
            {"share3m", "part des attentes de plus de 3 mois"},
        };
        const char *dot = strrchr(rest, '.');
        plain = rundir_var_label(r, base, LANG_FR);
        const char *w = dot + 1;
        for (size_t k = 0; k < sizeof waits / sizeof waits[0]; k++)
            if (strcmp(dot + 1, waits[k].suffix) == 0)
                w = waits[k].what;
        sbuf_printf(&b, "%s : %s", plain ? plain : rest, w);
    } else if (starts(base, "staff.")) {
        int funded = ends(rest, ".funded");
        char staff[256];
        snprintf(staff, sizeof staff, "%.*s", (int)(strlen(rest) - (funded ? 7 : 0)), rest);
        const char *l = section_label(r, "staff", staff);
        sbuf_printf(&b, "%s : %s", l ? l : staff,
                    funded ? "ETP employ\xC3\xA9s"
                           : "ETP n\xC3\xA9"
                             "cessaires");
    } else if (starts(base, "indicator.")) {
        const char *tail = indicator_part(base, part, sizeof part);
        const char *l = section_label(r, "indicator", part);
        sbuf_printf(&b, "%s", l ? l : part);
        if (strcmp(tail, "num") == 0)
            sbuf_puts(&b, " : num\xC3\xA9rateur");
        else if (strcmp(tail, "den") == 0)
            sbuf_puts(&b, " : d\xC3\xA9nominateur");
        else if (strcmp(tail, "days") == 0)
            sbuf_puts(&b, " : d\xC3\xA9lai moyen");
        else if (*tail)
            sbuf_printf(&b, " (%s)", tail);
    } else if (starts(base, "share.")) {
        const char *l = section_label(r, "population", rest);
        sbuf_printf(&b, "%s : part", l ? l : rest);
    } else {
        for (size_t k = 0; k < sizeof words / sizeof words[0] && !what; k++)
            if (starts(base, words[k].prefix))
                what = words[k].what;
        plain = rundir_var_label(r, base, LANG_FR);
        sbuf_printf(&b, "%s%s", plain ? plain : base, what ? what : "");
    }
    if (*subgroup)
        sbuf_printf(&b, " %s", subgroup);
    free(plain);
    return sbuf_take(&b);
}

/* ---- the workbook ------------------------------------------------------------------- */

typedef struct {
    lxw_workbook *wb;
    lxw_error status; /* the first failed call, or LXW_NO_ERROR */
    lxw_format *title, *note, *head, *head_year, *head_group, *text, *stat, *bound_stat, *year;
    lxw_format *value[N_UNITS], *bound[N_UNITS], *diff[N_UNITS], *diff_bound[N_UNITS];
    char **sheet_names; /* taken so far */
    size_t n_sheets;
} book;

static void remember(book *bk, lxw_error e)
{
    if (e != LXW_NO_ERROR && bk->status == LXW_NO_ERROR)
        bk->status = e;
}

static void put_text(book *bk, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *text,
                     lxw_format *f)
{
    remember(bk, text && *text ? worksheet_write_string(ws, row, col, text, f)
                               : worksheet_write_blank(ws, row, col, f));
}

typedef enum { CELL_VALUE, CELL_BOUND, CELL_DIFFERENCE, CELL_DIFFERENCE_BOUND } cell_kind;

/* A value of the CSV in the unit's scale; NaN gives an empty cell. */
static void put_value(book *bk, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double v,
                      unit_kind u, cell_kind kind)
{
    lxw_format *f = kind == CELL_VALUE        ? bk->value[u]
                    : kind == CELL_BOUND      ? bk->bound[u]
                    : kind == CELL_DIFFERENCE ? bk->diff[u]
                                              : bk->diff_bound[u];
    remember(bk, isfinite(v) ? worksheet_write_number(ws, row, col, v * units[u].scale, f)
                             : worksheet_write_blank(ws, row, col, f));
}

static void make_formats(book *bk)
{
    lxw_workbook *wb = bk->wb;
    bk->title = workbook_add_format(wb);
    format_set_bold(bk->title);
    format_set_font_size(bk->title, 14);
    bk->note = workbook_add_format(wb);
    format_set_italic(bk->note);
    format_set_font_color(bk->note, 0x555555);
    bk->head = workbook_add_format(wb);
    format_set_bold(bk->head);
    format_set_bg_color(bk->head, 0xEEF3F8);
    format_set_bottom(bk->head, LXW_BORDER_THIN);
    format_set_text_wrap(bk->head);
    format_set_align(bk->head, LXW_ALIGN_VERTICAL_CENTER);
    bk->head_year = workbook_add_format(wb);
    format_set_bold(bk->head_year);
    format_set_bg_color(bk->head_year, 0xEEF3F8);
    format_set_bottom(bk->head_year, LXW_BORDER_THIN);
    format_set_num_format(bk->head_year, "0");
    format_set_align(bk->head_year, LXW_ALIGN_CENTER);
    bk->head_group = workbook_add_format(wb);
    format_set_bold(bk->head_group);
    format_set_bg_color(bk->head_group, 0xD6E4F0);
    format_set_align(bk->head_group, LXW_ALIGN_CENTER);
    format_set_text_wrap(bk->head_group);
    format_set_border(bk->head_group, LXW_BORDER_THIN);
    bk->text = workbook_add_format(wb);
    bk->year = workbook_add_format(wb);
    format_set_num_format(bk->year, "0");
    format_set_align(bk->year, LXW_ALIGN_LEFT);
    bk->stat = workbook_add_format(wb);
    bk->bound_stat = workbook_add_format(wb);
    format_set_italic(bk->bound_stat);
    format_set_font_color(bk->bound_stat, 0x666666);
    for (int u = 0; u < N_UNITS; u++) {
        bk->value[u] = workbook_add_format(wb);
        format_set_num_format(bk->value[u], units[u].format);
        bk->bound[u] = workbook_add_format(wb);
        format_set_num_format(bk->bound[u], units[u].format);
        format_set_italic(bk->bound[u]);
        format_set_font_color(bk->bound[u], 0x666666);
        bk->diff[u] = workbook_add_format(wb);
        format_set_num_format(bk->diff[u], units[u].difference);
        bk->diff_bound[u] = workbook_add_format(wb);
        format_set_num_format(bk->diff_bound[u], units[u].difference);
        format_set_italic(bk->diff_bound[u]);
        format_set_font_color(bk->diff_bound[u], 0x666666);
    }
}

/* Characters (code points) of a UTF-8 string. */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* The first `chars` characters of s (whole UTF-8 sequences) into out. */
static void cut_chars(const char *s, size_t chars, char *out, size_t size)
{
    size_t i = 0, n = 0;
    while (s[i] && i + 1 < size) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && n++ == chars)
            break;
        i++;
    }
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80) /* never half a character */
        i--;
    if (i > 0 && (unsigned char)s[i - 1] >= 0xC0)
        i--;
    memcpy(out, s, i);
    out[i] = '\0';
}

/* A sheet named after wanted (its characters Excel refuses replaced, at most 31
 * characters, made unique ignoring ASCII case), or NULL with bk->status set. */
static lxw_worksheet *add_sheet(book *bk, const char *wanted, const char *fallback)
{
    char clean[256], name[256];
    size_t len = 0;
    for (const char *p = wanted && *wanted ? wanted : fallback; *p && len + 1 < sizeof clean; p++)
        clean[len++] = strchr("[]:*?/\\", *p) ? '-' : (unsigned char)*p < 0x20 ? ' ' : *p;
    clean[len] = '\0';
    const char *start = clean;
    while (*start == '\'' || *start == ' ')
        start++;
    while (len > 0 && (clean[len - 1] == '\'' || clean[len - 1] == ' '))
        clean[--len] = '\0';
    if (!*start)
        start = "Sc\xC3\xA9nario";
    char **grown = realloc(bk->sheet_names, (bk->n_sheets + 1) * sizeof *grown);
    if (!grown) {
        remember(bk, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return NULL;
    }
    bk->sheet_names = grown;
    for (int k = 1; k < 1000; k++) {
        char suffix[16] = "";
        if (k > 1)
            snprintf(suffix, sizeof suffix, " (%d)", k);
        cut_chars(start, SHEET_NAME_MAX - strlen(suffix), name, sizeof name - sizeof suffix);
        size_t cut = strlen(name);
        while (cut > 0 && (name[cut - 1] == ' ' || name[cut - 1] == '\''))
            name[--cut] = '\0';
        strcat(name, suffix);
        int taken = 0;
        for (size_t i = 0; i < bk->n_sheets && !taken; i++)
            taken = strcasecmp(bk->sheet_names[i], name) == 0;
        if (taken || workbook_validate_sheet_name(bk->wb, name) != LXW_NO_ERROR)
            continue;
        lxw_worksheet *ws = workbook_add_worksheet(bk->wb, name);
        if (!ws || !(bk->sheet_names[bk->n_sheets] = pc_strdup(name))) {
            remember(bk, LXW_ERROR_MEMORY_MALLOC_FAILED);
            return NULL;
        }
        bk->n_sheets++;
        return ws;
    }
    remember(bk, LXW_ERROR_SHEETNAME_ALREADY_USED);
    return NULL;
}

/* A width for a column of texts of at most `chars` characters. */
static double column_width(size_t chars, double least, double most)
{
    double w = (double)chars * 1.05 + 2;
    return w < least ? least : w > most ? most : w;
}

/* ---- the report folder -------------------------------------------------------------- */

typedef struct {
    const char *dir;
    size_t n;     /* scenarios, the reference first */
    char **names; /* their folders */
    rundir **runs;
    cfg_table *keys; /* key-figures.csv */
    long key_col[8]; /* indicator variable period scenario label mean p05 p95 */
} report;

static long column_of(const cfg_row *header, const char *name)
{
    for (size_t i = 0; i < header->n; i++)
        if (strcmp(header->fields[i], name) == 0)
            return (long)i;
    return -1;
}

/* A number of a CSV field: NA or empty is NaN.  PC_OK or PC_EINPUT at file:line. */
static int parse_number(const char *text, const char *path, int line, const char *column,
                        double *out, pc_err *err)
{
    if (!*text || strcmp(text, "NA") == 0 || strcmp(text, "nan") == 0 || strcmp(text, "NaN") == 0) {
        *out = NAN;
        return PC_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end || errno == ERANGE)
        return pc_fail_at(err, path, line, column, "'%s' is not a number", text);
    *out = v;
    return PC_OK;
}

/* Each row's fields are as many as the header's.  PC_OK or PC_EINPUT. */
static int check_rows(const cfg_table *t, pc_err *err)
{
    for (size_t i = 1; i < t->n_rows; i++)
        if (t->rows[i].n < t->rows[0].n)
            return pc_fail_at(err, t->path, t->rows[i].line, "row", "%zu fields, expected %zu",
                              t->rows[i].n, t->rows[0].n);
    return PC_OK;
}

/* Reads key-figures.csv and every scenario's run folder, in the order the scenarios
 * first appear there. */
static int load_report(report *rp, pc_err *err)
{
    static const char columns[8][10] = {"indicator", "variable", "period", "scenario",
                                        "label",     "mean",     "p05",    "p95"};
    char *path = pc_strf("%s/key-figures.csv", rp->dir);
    if (!path)
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    int rc = cfg_read_csv(path, &rp->keys, err);
    free(path);
    if (rc)
        return rc;
    const cfg_row *header = &rp->keys->rows[0];
    for (int k = 0; k < 8; k++)
        if ((rp->key_col[k] = column_of(header, columns[k])) < 0 && k != 4)
            return pc_fail_at(err, rp->keys->path, header->line, "header", "expected a column %s",
                              columns[k]);
    if ((rc = check_rows(rp->keys, err)))
        return rc;
    for (size_t i = 1; i < rp->keys->n_rows; i++) {
        const char *name = rp->keys->rows[i].fields[rp->key_col[3]];
        int seen = 0;
        for (size_t s = 0; s < rp->n && !seen; s++)
            seen = strcmp(rp->names[s], name) == 0;
        if (seen)
            continue;
        if (!*name || strchr(name, '/') || strcmp(name, "..") == 0 || strcmp(name, ".") == 0)
            return pc_fail_at(err, rp->keys->path, rp->keys->rows[i].line, "scenario",
                              "'%s' is not a scenario folder", name);
        char **names = realloc(rp->names, (rp->n + 1) * sizeof *names);
        rundir **runs = names ? realloc(rp->runs, (rp->n + 1) * sizeof *runs) : NULL;
        if (names)
            rp->names = names;
        if (runs)
            rp->runs = runs;
        if (!names || !runs || !(rp->names[rp->n] = pc_strdup(name)))
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        rp->runs[rp->n] = NULL;
        rp->n++;
        char *run_dir = pc_strf("%s/%s", rp->dir, name);
        rc = run_dir ? rundir_load(run_dir, &rp->runs[rp->n - 1], err)
                     : pc_fail(err, PC_EINTERNAL, "out of memory");
        free(run_dir);
        if (rc)
            return rc;
        const char *label = rp->key_col[4] >= 0 ? rp->keys->rows[i].fields[rp->key_col[4]] : "";
        if (*label && rundir_set_label(rp->runs[rp->n - 1], label))
            return pc_fail(err, PC_EINTERNAL, "out of memory");
    }
    if (rp->n == 0)
        return pc_fail_at(err, rp->keys->path, header->line, "scenario",
                          "no key figure, so no scenario to show");
    return PC_OK;
}

static void free_report(report *rp)
{
    for (size_t s = 0; s < rp->n; s++) {
        free(rp->names[s]);
        rundir_free(rp->runs[s]);
    }
    free(rp->names);
    free(rp->runs);
    cfg_table_free(rp->keys);
}

/* The length of the words all scenario labels begin with ("Drôme — "), ending at a
 * separator (" — ", " - ", ": "), so that sheet names keep what tells them apart;
 * 0 with a single scenario or no such words. */
static size_t shared_prefix(const report *rp)
{
    if (rp->n < 2)
        return 0;
    const char *first = rundir_label(rp->runs[0]);
    size_t len = strlen(first);
    for (size_t s = 1; s < rp->n; s++) {
        const char *other = rundir_label(rp->runs[s]);
        size_t k = 0;
        while (k < len && first[k] == other[k])
            k++;
        len = k;
    }
    static const char *const separators[] = {" \xE2\x80\x94 ", " - ", ": "};
    size_t best = 0;
    for (size_t k = 0; k < sizeof separators / sizeof separators[0]; k++)
        for (size_t at = 0; at + strlen(separators[k]) <= len; at++)
            if (!strncmp(first + at, separators[k], strlen(separators[k])) &&
                at + strlen(separators[k]) > best)
                best = at + strlen(separators[k]);
    return best;
}

/* The scenario named id (its folder, or the manifest's [run] scenario), or -1. */
static long scenario_index(const report *rp, const char *id)
{
    for (size_t s = 0; s < rp->n; s++) {
        const char *own = rundir_setting(rp->runs[s], "run", "scenario");
        if (strcmp(rp->names[s], id) == 0 || (own && strcmp(own, id) == 0))
            return (long)s;
    }
    return -1;
}

/* ---- the sheets --------------------------------------------------------------------- */

/* "Chiffres clés": one row per figure, per scenario its mean, 90 % band and, for an
 * alternative, the difference of its mean with the reference's. */
static int sheet_key_figures(book *bk, const report *rp, pc_err *err)
{
    lxw_worksheet *ws = add_sheet(bk, "Chiffres cl\xC3\xA9s", "Chiffres");
    if (!ws)
        return PC_OK;
    const cfg_table *t = rp->keys;
    const long *c = rp->key_col;
    put_text(bk, ws, 0, 0, "Chiffres cl\xC3\xA9s", bk->title);
    put_text(bk, ws, 1, 0,
             "Moyenne des simulations ; intervalle \xC3\xA0 90 % : 5e et 95e centiles des "
             "simulations ; \xC3\xA9"
             "cart : diff\xC3\xA9rence des moyennes avec la r\xC3\xA9"
             "f\xC3\xA9rence. Montants en millions d'euros (M\xE2\x82\xAC).",
             bk->note);
    static const char *const fixed[3] = {"Indicateur", "Unit\xC3\xA9", "P\xC3\xA9riode"};
    static const char *const stats[4] = {"Moyenne", "Bas 90 % (p05)", "Haut 90 % (p95)",
                                         "\xC3\x89"
                                         "cart \xC3\xA0 la r\xC3\xA9"
                                         "f\xC3\xA9rence"};
    lxw_col_t col = 3;
    for (int k = 0; k < 3; k++) {
        put_text(bk, ws, 2, (lxw_col_t)k, "", bk->head);
        put_text(bk, ws, 3, (lxw_col_t)k, fixed[k], bk->head);
    }
    for (size_t s = 0; s < rp->n; s++) {
        lxw_col_t width = s == 0 ? 3 : 4;
        char *group = s == 0 ? pc_strf("%s (r\xC3\xA9"
                                       "f\xC3\xA9rence)",
                                       rundir_label(rp->runs[s]))
                             : pc_strdup(rundir_label(rp->runs[s]));
        if (!group)
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        remember(bk, worksheet_merge_range(ws, 2, col, 2, col + width - 1, group, bk->head_group));
        free(group);
        for (lxw_col_t k = 0; k < width; k++)
            put_text(bk, ws, 3, col + k, stats[k], bk->head);
        col += width;
    }
    remember(bk, worksheet_set_row(ws, 2, 32, NULL));
    remember(bk, worksheet_set_row(ws, 3, 30, NULL));
    /* one row per figure: the rows of each (indicator, variable, period) in file order */
    lxw_row_t row = 4;
    size_t widest = 20;
    for (size_t i = 1; i < t->n_rows; i++) {
        const cfg_row *first = &t->rows[i];
        int done = 0;
        for (size_t j = 1; j < i && !done; j++)
            done = !strcmp(t->rows[j].fields[c[0]], first->fields[c[0]]) &&
                   !strcmp(t->rows[j].fields[c[1]], first->fields[c[1]]) &&
                   !strcmp(t->rows[j].fields[c[2]], first->fields[c[2]]);
        if (done)
            continue;
        const char *unit_name;
        unit_kind u = unit_of(rp->runs[0], first->fields[c[1]], &unit_name);
        put_text(bk, ws, row, 0, first->fields[c[0]], bk->text);
        put_text(bk, ws, row, 1, unit_name, bk->text);
        put_text(bk, ws, row, 2, first->fields[c[2]], bk->text);
        if (text_width(first->fields[c[0]]) > widest)
            widest = text_width(first->fields[c[0]]);
        double ref_mean = NAN;
        col = 3;
        for (size_t s = 0; s < rp->n; s++) {
            double v[3] = {NAN, NAN, NAN};
            for (size_t j = i; j < t->n_rows; j++) {
                const cfg_row *r = &t->rows[j];
                if (strcmp(r->fields[c[0]], first->fields[c[0]]) ||
                    strcmp(r->fields[c[1]], first->fields[c[1]]) ||
                    strcmp(r->fields[c[2]], first->fields[c[2]]) ||
                    scenario_index(rp, r->fields[c[3]]) != (long)s)
                    continue;
                for (int k = 0; k < 3; k++) {
                    int rc = parse_number(r->fields[c[5 + k]], t->path, r->line,
                                          t->rows[0].fields[c[5 + k]], &v[k], err);
                    if (rc)
                        return rc;
                }
                break;
            }
            if (s == 0)
                ref_mean = v[0];
            put_value(bk, ws, row, col, v[0], u, CELL_VALUE);
            put_value(bk, ws, row, col + 1, v[1], u, CELL_BOUND);
            put_value(bk, ws, row, col + 2, v[2], u, CELL_BOUND);
            if (s > 0)
                put_value(bk, ws, row, col + 3, v[0] - ref_mean, u, CELL_DIFFERENCE);
            col += s == 0 ? 3 : 4;
        }
        row++;
    }
    remember(bk, worksheet_set_column(ws, 0, 0, column_width(widest, 30, 80), NULL));
    remember(bk, worksheet_set_column(ws, 1, 1, 11, NULL));
    remember(bk, worksheet_set_column(ws, 2, 2, 11, NULL));
    remember(bk, worksheet_set_column(ws, 3, col - 1, 14, NULL));
    worksheet_freeze_panes(ws, 4, 1);
    worksheet_set_landscape(ws);
    return PC_OK;
}

/* One sheet per scenario: per variable of yearly.csv, its mean and 90 % band by year. */
static int sheet_scenario(book *bk, const report *rp, size_t s, pc_err *err)
{
    const rundir *r = rp->runs[s];
    lxw_worksheet *ws = add_sheet(bk, rundir_label(r) + shared_prefix(rp), rp->names[s]);
    if (!ws)
        return PC_OK;
    int first = 0, last = -1;
    rundir_periods(r, RUNDIR_YEARLY, &first, &last);
    const char *reps = rundir_setting(r, "run", "replications");
    char *title = pc_strf("%s \xE2\x80\x94 s\xC3\xA9ries annuelles%s", rundir_label(r),
                          s == 0 ? " (r\xC3\xA9"
                                   "f\xC3\xA9rence)"
                                 : "");
    char *note = pc_strf(
        "Fichier %s/yearly.csv. Stocks : moyenne des mois de l'ann\xC3\xA9"
        "e ; flux et co\xC3\xBBts : somme sur l'ann\xC3\xA9"
        "e. Moyenne des %s simulations ; bas et haut : 5e et 95e centiles (intervalle \xC3\xA0 "
        "90 %%). Montants en millions d'euros (M\xE2\x82\xAC).",
        rp->names[s], reps ? reps : "");
    if (!title || !note) {
        free(title);
        free(note);
        return pc_fail(err, PC_EINTERNAL, "out of memory");
    }
    put_text(bk, ws, 0, 0, title, bk->title);
    put_text(bk, ws, 1, 0, note, bk->note);
    free(title);
    free(note);
    put_text(bk, ws, 2, 0, "Indicateur", bk->head);
    put_text(bk, ws, 2, 1, "Unit\xC3\xA9", bk->head);
    put_text(bk, ws, 2, 2, "Statistique", bk->head);
    lxw_col_t n_years = last >= first ? (lxw_col_t)(last - first + 1) : 0;
    for (lxw_col_t y = 0; y < n_years; y++)
        remember(bk, worksheet_write_number(ws, 2, 3 + y, first + (int)y, bk->head_year));
    lxw_col_t name_col = 3 + n_years;
    put_text(bk, ws, 2, name_col, "Variable (fichiers CSV)", bk->head);
    static const char *const stats[3] = {"moyenne", "bas (p05)", "haut (p95)"};
    lxw_row_t row = 3;
    size_t widest = 20;
    for (size_t i = 0; i < rundir_n_vars(r, RUNDIR_YEARLY); i++) {
        const char *var = rundir_var(r, RUNDIR_YEARLY, i);
        const rundir_series *series = rundir_find(r, RUNDIR_YEARLY, var);
        char *label = var_label(r, var);
        if (!label)
            return pc_fail(err, PC_EINTERNAL, "out of memory");
        if (text_width(label) > widest)
            widest = text_width(label);
        const char *unit_name;
        unit_kind u = unit_of(r, var, &unit_name);
        for (int k = 0; k < 3; k++, row++) {
            put_text(bk, ws, row, 0, label, k ? bk->bound_stat : bk->text);
            put_text(bk, ws, row, 1, unit_name, k ? bk->bound_stat : bk->text);
            put_text(bk, ws, row, 2, stats[k], k ? bk->bound_stat : bk->stat);
            for (lxw_col_t y = 0; y < n_years; y++) {
                const rundir_stat *st = series ? rundir_series_at(series, first + (int)y) : NULL;
                double v = !st ? NAN : k == 0 ? st->mean : k == 1 ? st->p05 : st->p95;
                put_value(bk, ws, row, 3 + y, v, u, k ? CELL_BOUND : CELL_VALUE);
            }
            put_text(bk, ws, row, name_col, var, k ? bk->bound_stat : bk->text);
        }
        free(label);
    }
    remember(bk, worksheet_set_column(ws, 0, 0, column_width(widest, 30, 70), NULL));
    remember(bk, worksheet_set_column(ws, 1, 1, 11, NULL));
    remember(bk, worksheet_set_column(ws, 2, 2, 11, NULL));
    if (n_years)
        remember(bk, worksheet_set_column(ws, 3, name_col - 1, 12, NULL));
    remember(bk, worksheet_set_column(ws, name_col, name_col, 30, NULL));
    remember(bk, worksheet_autofilter(ws, 2, 0, row > 3 ? row - 1 : 3, name_col));
    worksheet_freeze_panes(ws, 3, 1);
    worksheet_set_landscape(ws);
    return PC_OK;
}

/* The differences file of the report, or NULL when the scenarios were not compared. */
static char *differences_path(const char *dir)
{
    char *path = pc_strf("%s/compare/differences.csv", dir);
    if (path && access(path, F_OK) != 0) {
        free(path);
        return NULL;
    }
    return path;
}

/* "Écarts": the paired differences ALT - BASE by year and over the horizon. */
static int sheet_differences(book *bk, const report *rp, const char *path, pc_err *err)
{
    cfg_table *t = NULL;
    int rc = cfg_read_csv(path, &t, err);
    if (rc)
        return rc;
    static const char names[12][12] = {"scenario", "variable",  "period_kind", "period",
                                       "n",        "base_mean", "alt_mean",    "mean",
                                       "ci_low",   "ci_high",   "p05",         "p95"};
    long c[12];
    for (int k = 0; k < 12 && !rc; k++)
        if ((c[k] = column_of(&t->rows[0], names[k])) < 0)
            rc = pc_fail_at(err, path, t->rows[0].line, "header", "expected a column %s", names[k]);
    if (!rc)
        rc = check_rows(t, err);
    lxw_worksheet *ws = rc ? NULL
                           : add_sheet(bk,
                                       "\xC3\x89"
                                       "carts",
                                       "Ecarts");
    if (!ws) {
        cfg_table_free(t);
        return rc;
    }
    put_text(bk, ws, 0, 0,
             "\xC3\x89"
             "carts appari\xC3\xA9s avec la r\xC3\xA9"
             "f\xC3\xA9rence",
             bk->title);
    put_text(bk, ws, 1, 0,
             "Chaque sc\xC3\xA9nario a \xC3\xA9t\xC3\xA9 simul\xC3\xA9 avec les m\xC3\xAAmes "
             "nombres al\xC3\xA9"
             "atoires que la r\xC3\xA9"
             "f\xC3\xA9rence : \xC3\xA9"
             "cart = sc\xC3\xA9nario \xE2\x88\x92 r\xC3\xA9"
             "f\xC3\xA9rence, simulation par simulation. IC 95 % : intervalle de confiance de "
             "l'\xC3\xA9"
             "cart moyen ; 5e et 95e centiles : dispersion de l'\xC3\xA9"
             "cart d'une simulation \xC3\xA0 l'autre. P\xC3\xA9riode \xC2\xAB horizon \xC2\xBB : "
             "toute la dur\xC3\xA9"
             "e simul\xC3\xA9"
             "e (stocks au dernier mois, flux et co\xC3\xBBts cumul\xC3\xA9s). Montants en "
             "millions d'euros (M\xE2\x82\xAC).",
             bk->note);
    static const char *const heads[13] = {"Sc\xC3\xA9nario",
                                          "Indicateur",
                                          "Unit\xC3\xA9",
                                          "P\xC3\xA9riode",
                                          "R\xC3\xA9"
                                          "f\xC3\xA9rence (moyenne)",
                                          "Sc\xC3\xA9nario (moyenne)",
                                          "\xC3\x89"
                                          "cart moyen",
                                          "IC 95 % bas",
                                          "IC 95 % haut",
                                          "5e centile de l'\xC3\xA9"
                                          "cart",
                                          "95e centile de l'\xC3\xA9"
                                          "cart",
                                          "Simulations appari\xC3\xA9"
                                          "es",
                                          "Variable (fichiers CSV)"};
    for (lxw_col_t k = 0; k < 13; k++)
        put_text(bk, ws, 2, k, heads[k], bk->head);
    remember(bk, worksheet_set_row(ws, 2, 32, NULL));
    lxw_row_t row = 3;
    size_t widest = 20, widest_scenario = 12;
    for (size_t i = 1; i < t->n_rows && !rc; i++) {
        char **f = t->rows[i].fields;
        int line = t->rows[i].line;
        int total = strcmp(f[c[2]], "total") == 0;
        if (!total && strcmp(f[c[2]], "year") != 0)
            continue; /* months stay in the CSV file */
        long s = scenario_index(rp, f[c[0]]);
        const rundir *r = rp->runs[s >= 0 ? s : 0];
        const char *unit_name;
        unit_kind u = unit_of(r, f[c[1]], &unit_name);
        char *label = var_label(r, f[c[1]]);
        if (!label) {
            rc = pc_fail(err, PC_EINTERNAL, "out of memory");
            break;
        }
        const char *scenario = s >= 0 ? rundir_label(r) : f[c[0]];
        put_text(bk, ws, row, 0, scenario, bk->text);
        put_text(bk, ws, row, 1, label, bk->text);
        if (text_width(label) > widest)
            widest = text_width(label);
        if (text_width(scenario) > widest_scenario)
            widest_scenario = text_width(scenario);
        free(label);
        put_text(bk, ws, row, 2, unit_name, bk->text);
        double year;
        if (total)
            put_text(bk, ws, row, 3, "horizon", bk->text);
        else if (!(rc = parse_number(f[c[3]], path, line, "period", &year, err)))
            remember(bk, worksheet_write_number(ws, row, 3, year, bk->year));
        for (int k = 5; k < 12 && !rc; k++) {
            double v;
            if (!(rc = parse_number(f[c[k]], path, line, names[k], &v, err)))
                put_value(bk, ws, row, (lxw_col_t)(k - 1), v, u,
                          k < 7    ? CELL_VALUE
                          : k == 7 ? CELL_DIFFERENCE
                                   : CELL_DIFFERENCE_BOUND);
        }
        double n;
        if (!rc && !(rc = parse_number(f[c[4]], path, line, "n", &n, err)))
            put_value(bk, ws, row, 11, n, UNIT_PERSONS, CELL_VALUE);
        put_text(bk, ws, row, 12, f[c[1]], bk->text);
        row++;
    }
    cfg_table_free(t);
    if (rc)
        return rc;
    remember(bk, worksheet_set_column(ws, 0, 0, column_width(widest_scenario, 16, 40), NULL));
    remember(bk, worksheet_set_column(ws, 1, 1, column_width(widest, 30, 70), NULL));
    remember(bk, worksheet_set_column(ws, 2, 3, 10, NULL));
    remember(bk, worksheet_set_column(ws, 4, 11, 14, NULL));
    remember(bk, worksheet_set_column(ws, 12, 12, 30, NULL));
    remember(bk, worksheet_autofilter(ws, 2, 0, row > 3 ? row - 1 : 3, 12));
    worksheet_freeze_panes(ws, 3, 2);
    worksheet_set_landscape(ws);
    return PC_OK;
}

/* ---- the file ----------------------------------------------------------------------- */

int xlsx_write_report(const char *report_dir, pc_err *err)
{
    report rp = {.dir = report_dir};
    book bk = {0};
    char *final = pc_strf("%s/parcours.xlsx", report_dir);
    char *tmp = pc_strf("%s/.parcours.xlsx.tmp-XXXXXX", report_dir);
    char *differences = NULL;
    int created = 0;
    int rc = final && tmp ? PC_OK : pc_fail(err, PC_EINTERNAL, "out of memory");
    if (!rc)
        rc = load_report(&rp, err);
    if (!rc) {
        int fd = mkstemp(tmp);
        if (fd < 0)
            rc = pc_fail(err, PC_EINPUT, "cannot create a file in %s: %s", report_dir,
                         strerror(errno));
        else
            close(fd), created = 1;
    }
    if (!rc && !(bk.wb = workbook_new(tmp)))
        rc = pc_fail(err, PC_EINTERNAL, "%s: libxlsxwriter could not start a workbook", tmp);
    if (!rc) {
        /* libxlsxwriter takes the texts as char *, so they live in arrays */
        char title[] = "parcours \xE2\x80\x94 rapport";
        char subject[] = "Chiffres cl\xC3\xA9s, s\xC3\xA9ries annuelles et \xC3\xA9"
                         "carts des sc\xC3\xA9narios";
        lxw_doc_properties props = {.title = title, .subject = subject};
        remember(&bk, workbook_set_properties(bk.wb, &props));
        make_formats(&bk);
        rc = sheet_key_figures(&bk, &rp, err);
    }
    for (size_t s = 0; s < rp.n && !rc && bk.wb; s++)
        rc = sheet_scenario(&bk, &rp, s, err);
    if (!rc && bk.wb && (differences = differences_path(report_dir)))
        rc = sheet_differences(&bk, &rp, differences, err);
    if (bk.wb) {
        lxw_error closed = workbook_close(bk.wb);
        remember(&bk, closed);
        if (!rc && bk.status != LXW_NO_ERROR)
            rc =
                pc_fail(err, PC_EINTERNAL, "%s: libxlsxwriter: %s", final, lxw_strerror(bk.status));
    }
    if (!rc && chmod(tmp, 0644) != 0)
        rc = pc_fail(err, PC_EINTERNAL, "%s: %s", tmp, strerror(errno));
    if (!rc && rename(tmp, final) != 0)
        rc = pc_fail(err, PC_EINTERNAL, "cannot rename %s to %s: %s", tmp, final, strerror(errno));
    if (rc && created)
        unlink(tmp);
    for (size_t i = 0; i < bk.n_sheets; i++)
        free(bk.sheet_names[i]);
    free(bk.sheet_names);
    free_report(&rp);
    free(differences);
    free(final);
    free(tmp);
    return rc;
}
