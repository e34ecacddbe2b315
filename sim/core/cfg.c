/* cfg — INI documents through inih, CSV tables through libcsv, scenario overlays.
 *
 * inih as packaged by Debian does not pass line numbers to the handler, so the
 * text is fed through ini_parse_stream with a reader that counts lines; the
 * handler is called for a line right after the reader served it.  The reader
 * also notes whether a line is an indented continuation, so that a long value
 * split over several lines is joined back.  A line longer than inih can hold is
 * not cut in two: the reader reads a `key = value` line or a continuation itself
 * (as inih would) and serves inih a blank line in its place; a long section
 * header or malformed long line is refused. */
#include "cfg.h"

#include <csv.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CFG_MAX_FILE     (16L * 1024 * 1024)
#define INI_SECTION_KEPT 49 /* Debian's inih: INI_MAX_SECTION 50 with the terminating NUL */
#define CFG_MAX_DEPTH    16

/* Reads a whole regular file (a FIFO or a device would block or never end). */
static char *read_file(const char *path, size_t *len_out, pc_err *err)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        pc_fail_errno(err, errno, path, "cannot open");
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        pc_fail(err, PC_EINPUT, "%s: not a regular file", path);
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        pc_fail_errno(err, errno, path, "cannot open");
        close(fd);
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            if (cap >= (size_t)CFG_MAX_FILE) {
                pc_fail(err, PC_EINPUT, "%s: file larger than %ld bytes", path, CFG_MAX_FILE);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    if (!buf) {
        fclose(f);
        pc_fail(err, PC_EENV, "%s: out of memory", path);
        return NULL;
    }
    if (ferror(f)) {
        pc_fail_errno(err, errno, path, "cannot read");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[len] = '\0';
    /* A UTF-8 byte-order mark (some editors write one) is not part of the text. */
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
        memmove(buf, buf + 3, len - 2);
        len -= 3;
    }
    if (memchr(buf, '\0', len)) {
        pc_fail(err, PC_EINPUT, "%s: not a text file (contains a NUL byte)", path);
        free(buf);
        return NULL;
    }
    *len_out = len;
    return buf;
}

/* ---- documents ---------------------------------------------------------- */

static void section_clear(cfg_section *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->entries[i].key);
        free(s->entries[i].value);
        free(s->entries[i].file);
    }
    free(s->entries);
    free(s->name);
    free(s->file);
    memset(s, 0, sizeof *s);
}

void cfg_doc_free(cfg_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->n; i++)
        section_clear(&doc->sections[i]);
    free(doc->sections);
    for (size_t i = 0; i < doc->n_files; i++) {
        free(doc->files[i].path);
        free(doc->files[i].text);
    }
    free(doc->files);
    free(doc->path);
    free(doc);
}

/* Adds a copy of path's text to doc's files; the new entry, or NULL on out of memory. */
static const cfg_file *add_file(cfg_doc *doc, const char *path, const char *text, size_t len)
{
    cfg_file *bigger = realloc(doc->files, (doc->n_files + 1) * sizeof *bigger);
    if (!bigger)
        return NULL;
    doc->files = bigger;
    cfg_file *f = &doc->files[doc->n_files];
    f->path = pc_strdup(path);
    f->text = malloc(len + 1);
    if (!f->path || !f->text) {
        free(f->path);
        free(f->text);
        return NULL;
    }
    memcpy(f->text, text, len);
    f->text[len] = '\0';
    f->len = len;
    doc->n_files++;
    return f;
}

cfg_doc *cfg_doc_copy(const cfg_doc *doc)
{
    cfg_doc *c = pc_calloc(1, sizeof *c);
    if (!c || !(c->path = pc_strdup(doc->path)))
        goto fail;
    for (size_t i = 0; i < doc->n; i++) {
        const cfg_section *s = &doc->sections[i];
        cfg_section *d = cfg_add_section(c, s->name, s->file, s->line);
        if (!d)
            goto fail;
        for (size_t k = 0; k < s->n; k++)
            if (cfg_set(d, s->entries[k].key, s->entries[k].value, s->entries[k].file,
                        s->entries[k].line))
                goto fail;
    }
    for (size_t i = 0; i < doc->n_files; i++)
        if (!add_file(c, doc->files[i].path, doc->files[i].text, doc->files[i].len))
            goto fail;
    return c;
fail:
    cfg_doc_free(c);
    return NULL;
}

size_t cfg_remove_section(cfg_doc *doc, const char *name)
{
    size_t kept = 0, removed = 0;
    for (size_t i = 0; i < doc->n; i++) {
        if (strcmp(doc->sections[i].name, name) == 0) {
            section_clear(&doc->sections[i]);
            removed++;
        } else {
            doc->sections[kept++] = doc->sections[i];
        }
    }
    doc->n = kept;
    return removed;
}

cfg_section *cfg_find(const cfg_doc *doc, const char *name)
{
    for (size_t i = 0; i < doc->n; i++)
        if (strcmp(doc->sections[i].name, name) == 0)
            return &doc->sections[i];
    return NULL;
}

cfg_entry *cfg_get(const cfg_section *sec, const char *key)
{
    if (!sec)
        return NULL;
    for (size_t i = 0; i < sec->n; i++)
        if (strcmp(sec->entries[i].key, key) == 0)
            return &sec->entries[i];
    return NULL;
}

int cfg_set(cfg_section *sec, const char *key, const char *value, const char *file, int line)
{
    cfg_entry *e = cfg_get(sec, key);
    if (!e) {
        if (sec->n == sec->cap) {
            size_t cap = sec->cap ? sec->cap * 2 : 8;
            cfg_entry *bigger = realloc(sec->entries, cap * sizeof *bigger);
            if (!bigger)
                return PC_EENV;
            sec->entries = bigger;
            sec->cap = cap;
        }
        e = &sec->entries[sec->n];
        memset(e, 0, sizeof *e);
        e->key = pc_strdup(key);
        if (!e->key)
            return PC_EENV;
        sec->n++;
    }
    char *v = pc_strdup(value);
    char *f = pc_strdup(file ? file : "");
    if (!v || !f) {
        free(v);
        free(f);
        return PC_EENV;
    }
    free(e->value);
    free(e->file);
    e->value = v;
    e->file = f;
    e->line = line;
    return PC_OK;
}

cfg_section *cfg_add_section(cfg_doc *doc, const char *name, const char *file, int line)
{
    if (doc->n == doc->cap) {
        size_t cap = doc->cap ? doc->cap * 2 : 16;
        cfg_section *bigger = realloc(doc->sections, cap * sizeof *bigger);
        if (!bigger)
            return NULL;
        doc->sections = bigger;
        doc->cap = cap;
    }
    cfg_section *s = &doc->sections[doc->n];
    memset(s, 0, sizeof *s);
    s->name = pc_strdup(name);
    s->file = pc_strdup(file ? file : "");
    if (!s->name || !s->file) {
        section_clear(s);
        return NULL;
    }
    s->line = line;
    doc->n++;
    return s;
}

/* ---- INI through inih --------------------------------------------------- */

typedef struct {
    const char *text;
    size_t pos, len;
    int line;         /* line last served */
    int continuation; /* that line is an indented continuation */
    int header_line;  /* line of the last [section] header served */
    int long_line;    /* first long line the reader could not read itself, or 0 */
    int own_last;     /* the reader itself read the last entry (a long line) */
    int err_line;     /* line of our first error */
    const char *name; /* file name for messages */
    cfg_doc *doc;
    cfg_section *current; /* section being filled */
    cfg_entry *last;      /* last entry written, for continuations */
    int status;
    pc_err *err;
} ini_ctx;

static void normalise_name(const char *in, char *out, size_t size);

/* A "[name]" line: opens its section here, so that empty sections exist too.
 * A header without its ']' is left for inih to report. */
static void header(ini_ctx *c, const char *text, size_t len)
{
    const char *close = memchr(text, ']', len);
    if (!close || c->status)
        return;
    char raw[256], sname[256];
    size_t n = (size_t)(close - text);
    if (n >= sizeof raw)
        n = sizeof raw - 1;
    memcpy(raw, text, n);
    raw[n] = '\0';
    normalise_name(raw, sname, sizeof sname);
    cfg_section *prev = cfg_find(c->doc, sname);
    if (prev) {
        c->status = pc_fail_at(c->err, c->name, c->line, sname,
                               "section given twice in one file (first at line %d)", prev->line);
        c->err_line = c->line;
        return;
    }
    c->current = cfg_add_section(c->doc, sname, c->name, c->line);
    if (!c->current) {
        c->status = pc_fail(c->err, PC_EENV, "out of memory");
        c->err_line = c->line;
        return;
    }
    c->last = NULL;
}

static int handle_entry(ini_ctx *c, const char *section, const char *name, const char *value);
static size_t value_length(const char *value);

/* A line too long for inih, read as inih would: a comment, an entry `key = value`
 * (or `key: value`) or the indented continuation of the entry before.  0 if it is
 * none of them (a long section header, a line without '='). */
static int long_entry(ini_ctx *c, const char *start, size_t linelen)
{
    size_t end = linelen, i = 0;
    while (end > 0 && (start[end - 1] == '\n' || start[end - 1] == '\r'))
        end--;
    while (i < end && (start[i] == ' ' || start[i] == '\t'))
        i++;
    if (i == end || start[i] == ';' || start[i] == '#')
        return 1;
    if (start[i] == '[')
        return 0;
    const char *name = NULL;
    size_t name_len = 0, from = i;
    if (i > 0 && c->last) {
        name = c->last->key;
        name_len = strlen(name);
    } else {
        size_t d = i;
        while (d < end && start[d] != '=' && start[d] != ':')
            d++;
        if (d == end)
            return 0;
        name_len = d;
        while (name_len > i && (start[name_len - 1] == ' ' || start[name_len - 1] == '\t'))
            name_len--;
        name = start + i;
        name_len -= i;
        from = d + 1;
        while (from < end && (start[from] == ' ' || start[from] == '\t'))
            from++;
    }
    char *key = malloc(name_len + 1), *raw = malloc(end - from + 1);
    if (!key || !raw) {
        free(key);
        free(raw);
        c->status = pc_fail(c->err, PC_EENV, "out of memory");
        return 1;
    }
    memcpy(key, name, name_len);
    key[name_len] = '\0';
    memcpy(raw, start + from, end - from);
    raw[end - from] = '\0';
    raw[value_length(raw)] = '\0';
    c->continuation = i > 0;
    if (!c->status && !handle_entry(c, c->current ? c->current->name : "", key, raw) &&
        !c->err_line)
        c->err_line = c->line;
    c->own_last = 1;
    free(key);
    free(raw);
    return 1;
}

static char *line_reader(char *str, int num, void *stream)
{
    ini_ctx *c = stream;
    if (c->pos >= c->len)
        return NULL;
    const char *start = c->text + c->pos;
    const char *nl = memchr(start, '\n', c->len - c->pos);
    size_t linelen = nl ? (size_t)(nl - start) + 1 : c->len - c->pos;
    c->pos += linelen;
    c->line++;
    /* inih needs room for "\r\n\0" beyond the text; the continuation of a value
     * the reader read itself is read by the reader too. */
    int indented = linelen > 0 && (start[0] == ' ' || start[0] == '\t');
    if ((long)linelen > (long)num - 3 || (c->own_last && indented)) {
        if (!long_entry(c, start, linelen) && !c->long_line)
            c->long_line = c->line;
        str[0] = '\n';
        str[1] = '\0';
        c->continuation = 0;
        return str;
    }
    c->own_last = 0;
    memcpy(str, start, linelen);
    str[linelen] = '\0';
    c->continuation = 0;
    const char *first = start;
    while (first < start + linelen && (*first == ' ' || *first == '\t'))
        first++;
    if (first < start + linelen && *first == '[') {
        c->header_line = c->line;
        header(c, first + 1, (size_t)(start + linelen - first - 1));
    }
    if (linelen > 0 && (start[0] == ' ' || start[0] == '\t')) {
        size_t i = 0;
        while (i < linelen && (start[i] == ' ' || start[i] == '\t'))
            i++;
        if (i < linelen && start[i] != '\n' && start[i] != '\r' && start[i] != ';' &&
            start[i] != '#')
            c->continuation = 1;
    }
    return str;
}

/* Collapses runs of blanks to one space and trims. */
static void normalise_name(const char *in, char *out, size_t size)
{
    size_t o = 0;
    int space = 0;
    for (const char *p = in; *p && o + 1 < size; p++) {
        if (isspace((unsigned char)*p)) {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < size)
            out[o++] = ' ';
        space = 0;
        out[o++] = *p;
    }
    out[o] = '\0';
}

static int valid_key(const char *k)
{
    if (!*k)
        return 0;
    for (const char *p = k; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return 1;
}

/* Length of value without an inline comment (a ';' after a blank) and trailing blanks. */
static size_t value_length(const char *value)
{
    size_t n = 0;
    for (; value[n]; n++)
        if (value[n] == ';' && n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
            break;
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
        n--;
    return n;
}

static int entry_handler(void *user, const char *section, const char *name, const char *raw)
{
    ini_ctx *c = user;
    if (c->status)
        return 1; /* already failed: ignore the rest */
    char stack[512];
    size_t vlen = value_length(raw);
    char *value = vlen < sizeof stack ? stack : malloc(vlen + 1);
    if (!value) {
        c->status = pc_fail(c->err, PC_EENV, "out of memory");
        return 0;
    }
    memcpy(value, raw, vlen);
    value[vlen] = '\0';
    int ok = handle_entry(c, section, name, value);
    if (value != stack)
        free(value);
    if (!ok && !c->err_line)
        c->err_line = c->line;
    return ok;
}

static int handle_entry(ini_ctx *c, const char *section, const char *name, const char *value)
{
    if (c->continuation) {
        if (!c->last || strcmp(c->last->key, name) != 0) {
            c->status = pc_fail_at(c->err, c->name, c->line, name,
                                   "indented line continues no value (remove the indentation)");
            return 0;
        }
        size_t a = strlen(c->last->value), b = strlen(value);
        char *joined = malloc(a + b + 2);
        if (!joined) {
            c->status = pc_fail(c->err, PC_EENV, "out of memory");
            return 0;
        }
        memcpy(joined, c->last->value, a);
        joined[a] = ' ';
        memcpy(joined + a + 1, value, b + 1);
        free(c->last->value);
        c->last->value = joined;
        return 1;
    }
    char sname[256];
    normalise_name(section, sname, sizeof sname);
    if (!sname[0]) {
        c->status = pc_fail_at(c->err, c->name, c->line, name,
                               "key outside any section (expected a [section] header first)");
        return 0;
    }
    /* inih keeps the first INI_SECTION_KEPT characters of a section name: beyond, the
     * name our reader took from the header line itself is the one to trust. */
    size_t kept = strlen(sname);
    int truncated = strlen(section) >= INI_SECTION_KEPT;
    if (!c->current || (truncated ? strncmp(sname, c->current->name, kept) != 0
                                  : strcmp(sname, c->current->name) != 0)) {
        c->status = pc_fail_at(c->err, c->name, c->line, name, "malformed section header above");
        return 0;
    }
    if (!valid_key(name)) {
        c->status = pc_fail_at(c->err, c->name, c->line, name,
                               "malformed key (letters, digits, '.', '_', '-' expected)");
        return 0;
    }
    cfg_entry *prev = cfg_get(c->current, name);
    if (prev) {
        c->status = pc_fail_at(c->err, c->name, c->line, name,
                               "key given twice in [%s] (first at line %d)", sname, prev->line);
        return 0;
    }
    if (cfg_set(c->current, name, value, c->name, c->line)) {
        c->status = pc_fail(c->err, PC_EENV, "out of memory");
        return 0;
    }
    c->last = cfg_get(c->current, name);
    return 1;
}

int cfg_read_string(const char *text, const char *name, cfg_doc **out, pc_err *err)
{
    *out = NULL;
    cfg_doc *doc = pc_calloc(1, sizeof *doc);
    if (!doc || !(doc->path = pc_strdup(name))) {
        cfg_doc_free(doc);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    ini_ctx c = {.text = text, .len = strlen(text), .name = name, .doc = doc, .err = err};
    int rc = ini_parse_stream(line_reader, &c, entry_handler, &c);
    if (c.long_line && (!c.status || c.long_line < c.line)) {
        cfg_doc_free(doc);
        return pc_fail_at(err, name, c.long_line, "line",
                          "line too long for a section header, or not 'key = value'");
    }
    if (c.status && !(rc > 0 && rc < c.err_line)) {
        cfg_doc_free(doc);
        return c.status;
    }
    if (rc > 0) {
        cfg_doc_free(doc);
        return pc_fail_at(err, name, rc, "syntax",
                          "malformed line: expected '[section]' or 'key = value'");
    }
    if (rc < 0) {
        cfg_doc_free(doc);
        return pc_fail(err, PC_EENV, "%s: INI parser failed (%d)", name, rc);
    }
    *out = doc;
    return PC_OK;
}

int cfg_read(const char *path, cfg_doc **out, pc_err *err)
{
    size_t len;
    *out = NULL;
    char *text = read_file(path, &len, err);
    if (!text)
        return PC_EINPUT;
    int rc = cfg_read_string(text, path, out, err);
    free(text);
    return rc;
}

char *cfg_path_beside(const char *base, const char *name)
{
    if (name[0] == '/' || !base)
        return pc_strdup(name);
    const char *slash = strrchr(base, '/');
    if (!slash)
        return pc_strdup(name);
    size_t dirlen = (size_t)(slash - base) + 1;
    char *p = malloc(dirlen + strlen(name) + 1);
    if (!p)
        return NULL;
    memcpy(p, base, dirlen);
    strcpy(p + dirlen, name);
    return p;
}

static int copy_section(cfg_doc *dst, const cfg_section *src, cfg_section *into)
{
    cfg_section *s = into ? into : cfg_add_section(dst, src->name, src->file, src->line);
    if (!s)
        return PC_EENV;
    for (size_t i = 0; i < src->n; i++)
        if (cfg_set(s, src->entries[i].key, src->entries[i].value, src->entries[i].file,
                    src->entries[i].line))
            return PC_EENV;
    return PC_OK;
}

/* The files a scenario chain has gone through (real paths), to refuse a cycle. */
typedef struct {
    char *paths[CFG_MAX_DEPTH + 1];
    int n;
} chain;

/* Checks the file an `extends =` or `model =` entry names before reading it: a
 * regular file, not already in the chain, not too deep.  Errors name the entry. */
static int check_base(const char *path, const cfg_entry *e, const char *base_path,
                      const chain *seen, pc_err *err)
{
    struct stat st;
    if (stat(base_path, &st) != 0)
        return pc_fail_at(err, path, e->line, e->key, "%s: cannot open: %s", base_path,
                          strerror(errno));
    if (!S_ISREG(st.st_mode))
        return pc_fail_at(err, path, e->line, e->key, "%s: not a regular file", base_path);
    if (seen->n > CFG_MAX_DEPTH)
        return pc_fail_at(err, path, e->line, e->key,
                          "scenarios extend each other more than %d deep", CFG_MAX_DEPTH);
    char *real = realpath(base_path, NULL);
    for (int i = 0; real && i < seen->n; i++)
        if (!strcmp(seen->paths[i], real)) {
            free(real);
            return pc_fail_at(err, path, e->line, e->key,
                              "%s is already in this chain of scenarios (a cycle)", base_path);
        }
    free(real);
    return PC_OK;
}

static int load_depth(const char *path, cfg_doc **out, pc_err *err, chain *seen)
{
    *out = NULL;
    char *real = realpath(path, NULL);
    if (!real)
        return pc_fail_errno(err, errno, path, "cannot open");
    seen->paths[seen->n++] = real;
    cfg_doc *top;
    int rc = cfg_read(path, &top, err);
    if (rc)
        return rc;
    cfg_section *sc = cfg_find(top, "scenario");
    cfg_entry *base_e = sc ? cfg_get(sc, "extends") : NULL;
    cfg_entry *model_e = sc ? cfg_get(sc, "model") : NULL;
    if (base_e && model_e) {
        rc = pc_fail_at(err, path, model_e->line, "model",
                        "give either 'model =' or 'extends =', not both");
        cfg_doc_free(top);
        return rc;
    }
    if (!base_e)
        base_e = model_e;
    if (!base_e) {
        *out = top;
        return PC_OK;
    }
    char *base_path = cfg_path_beside(path, base_e->value);
    if (!base_path) {
        cfg_doc_free(top);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    cfg_doc *base;
    rc = check_base(path, base_e, base_path, seen, err);
    if (!rc)
        rc = load_depth(base_path, &base, err, seen);
    free(base_path);
    if (rc) {
        cfg_doc_free(top);
        return rc;
    }
    /* Overlay the scenario on its base. */
    for (size_t i = 0; i < top->n && !rc; i++) {
        const cfg_section *s = &top->sections[i];
        cfg_section *existing = cfg_find(base, s->name);
        if (strcmp(s->name, "scenario") == 0) {
            cfg_section *into =
                existing ? existing : cfg_add_section(base, s->name, s->file, s->line);
            if (!into) {
                rc = PC_EENV;
                break;
            }
            for (size_t k = 0; k < s->n && !rc; k++) {
                const cfg_entry *e = &s->entries[k];
                if (strcmp(e->key, "model") && strcmp(e->key, "extends"))
                    rc = cfg_set(into, e->key, e->value, e->file, e->line);
            }
        } else if (strncmp(s->name, "set ", 4) == 0 && existing) {
            rc = copy_section(base, s, existing);
        } else if (existing) {
            /* A section with the same header replaces the base's whole. */
            for (size_t k = 0; k < existing->n; k++) {
                free(existing->entries[k].key);
                free(existing->entries[k].value);
                free(existing->entries[k].file);
            }
            existing->n = 0;
            free(existing->file);
            existing->file = pc_strdup(s->file);
            existing->line = s->line;
            rc = existing->file ? copy_section(base, s, existing) : PC_EENV;
        } else {
            rc = copy_section(base, s, NULL);
        }
    }
    cfg_doc_free(top);
    if (rc) {
        cfg_doc_free(base);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    char *p = pc_strdup(path);
    if (!p) {
        cfg_doc_free(base);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    free(base->path);
    base->path = p;
    *out = base;
    return PC_OK;
}

int cfg_load(const char *path, cfg_doc **out, pc_err *err)
{
    chain seen = {.n = 0};
    int rc = load_depth(path, out, err, &seen);
    for (int i = 0; i < seen.n; i++)
        free(seen.paths[i]);
    return rc;
}

void cfg_write_entry(FILE *f, const char *key, const char *value)
{
    const size_t width = 150;
    fprintf(f, "%s = ", key);
    size_t used = strlen(key) + 3, len = strlen(value), start = 0;
    while (len - start + used > width) {
        size_t cut = 0;
        for (size_t i = start + 1; i + 1 < len && i - start + used <= width; i++)
            if (value[i] == ' ' && value[i - 1] != ' ' && value[i + 1] != ' ' &&
                !strchr(";#[", value[i + 1]))
                cut = i;
        if (!cut)
            break;
        fwrite(value + start, 1, cut - start, f);
        fputs("\n    ", f);
        start = cut + 1;
        used = 4;
    }
    fputs(value + start, f);
    fputc('\n', f);
}

int cfg_write(FILE *f, const cfg_doc *doc)
{
    for (size_t i = 0; i < doc->n; i++) {
        const cfg_section *s = &doc->sections[i];
        fprintf(f, "%s[%s]\n", i ? "\n" : "", s->name);
        for (size_t k = 0; k < s->n; k++)
            cfg_write_entry(f, s->entries[k].key, s->entries[k].value);
    }
    return ferror(f) ? PC_EENV : PC_OK;
}

/* ---- CSV through libcsv -------------------------------------------------- */

typedef struct {
    cfg_table *t;
    cfg_row row; /* row being built */
    size_t row_cap;
    int line;     /* line being parsed */
    int row_line; /* line the current row started on */
    int oom;
} csv_ctx;

static void csv_field(void *data, size_t len, void *user)
{
    csv_ctx *c = user;
    if (c->oom)
        return;
    if (c->row.n == 0)
        c->row_line = c->line;
    if (c->row.n == c->row_cap) {
        size_t cap = c->row_cap ? c->row_cap * 2 : 8;
        char **bigger = realloc(c->row.fields, cap * sizeof *bigger);
        if (!bigger) {
            c->oom = 1;
            return;
        }
        c->row.fields = bigger;
        c->row_cap = cap;
    }
    char *s = malloc(len + 1);
    if (!s) {
        c->oom = 1;
        return;
    }
    if (len)
        memcpy(s, data, len);
    s[len] = '\0';
    /* trim blanks around unquoted content */
    char *a = s;
    while (*a == ' ' || *a == '\t')
        a++;
    size_t l = strlen(a);
    while (l > 0 && (a[l - 1] == ' ' || a[l - 1] == '\t' || a[l - 1] == '\r'))
        a[--l] = '\0';
    memmove(s, a, l + 1);
    c->row.fields[c->row.n++] = s;
}

static void csv_row_end(int term, void *user)
{
    (void)term;
    csv_ctx *c = user;
    if (c->oom)
        return;
    cfg_table *t = c->t;
    cfg_row *bigger = realloc(t->rows, (t->n_rows + 1) * sizeof *bigger);
    if (!bigger) {
        c->oom = 1;
        return;
    }
    t->rows = bigger;
    c->row.line = c->row_line;
    t->rows[t->n_rows++] = c->row;
    memset(&c->row, 0, sizeof c->row);
    c->row_cap = 0;
}

void cfg_table_free(cfg_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n_rows; i++) {
        for (size_t k = 0; k < t->rows[i].n; k++)
            free(t->rows[i].fields[k]);
        free(t->rows[i].fields);
    }
    free(t->rows);
    free(t->path);
    free(t);
}

/* Parses CSV text read from path (named in messages); text is not changed. */
static int parse_csv(const char *path, const char *text, size_t len, cfg_table **out, pc_err *err)
{
    *out = NULL;
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_APPEND_NULL | CSV_STRICT_FINI) != 0)
        return pc_fail(err, PC_EINTERNAL, "csv_init failed");
    csv_ctx c = {0};
    c.t = pc_calloc(1, sizeof *c.t);
    if (!c.t || !(c.t->path = pc_strdup(path))) {
        csv_free(&p);
        cfg_table_free(c.t);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    int rc = PC_OK;
    size_t pos = 0;
    while (pos < len && !c.oom) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t linelen = nl ? (size_t)(nl - (text + pos)) + 1 : len - pos;
        c.line++;
        if (csv_parse(&p, text + pos, linelen, csv_field, csv_row_end, &c) != linelen) {
            rc = pc_fail_at(err, path, c.line, "csv", "malformed CSV (%s)",
                            csv_strerror(csv_error(&p)));
            break;
        }
        pos += linelen;
    }
    if (!rc && !c.oom && csv_fini(&p, csv_field, csv_row_end, &c) != 0)
        rc = pc_fail_at(err, path, c.line, "csv", "malformed CSV at end of file (%s)",
                        csv_strerror(csv_error(&p)));
    csv_free(&p);
    for (size_t k = 0; k < c.row.n; k++)
        free(c.row.fields[k]);
    free(c.row.fields);
    if (!rc && c.oom)
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc && c.t->n_rows == 0)
        rc = pc_fail_at(err, path, 1, "csv", "empty table (a header line is expected)");
    if (rc) {
        cfg_table_free(c.t);
        return rc;
    }
    *out = c.t;
    return PC_OK;
}

int cfg_read_csv(const char *path, cfg_table **out, pc_err *err)
{
    size_t len;
    *out = NULL;
    char *text = read_file(path, &len, err);
    if (!text)
        return PC_EINPUT;
    int rc = parse_csv(path, text, len, out, err);
    free(text);
    return rc;
}

const cfg_file *cfg_doc_file(const cfg_doc *doc, const char *path)
{
    for (size_t i = 0; i < doc->n_files; i++)
        if (!strcmp(doc->files[i].path, path))
            return &doc->files[i];
    return NULL;
}

int cfg_doc_csv(cfg_doc *doc, const char *path, cfg_table **out, pc_err *err)
{
    *out = NULL;
    const cfg_file *f = cfg_doc_file(doc, path);
    if (!f) {
        size_t len;
        char *text = read_file(path, &len, err);
        if (!text)
            return PC_EINPUT;
        f = add_file(doc, path, text, len);
        free(text);
        if (!f)
            return pc_fail(err, PC_EENV, "out of memory");
    }
    return parse_csv(path, f->text, f->len, out, err);
}
