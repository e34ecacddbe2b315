/* folder — folders written whole, recognised before they are replaced (see folder.h). */
#include "folder.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cfg.h"
#include "fsio.h"

#define PARTIAL   ".parcours-partial" /* in a temporary while it is written */
#define MAX_DEPTH 8                   /* folders within a folder parcours writes */
#define SHOWN     4                   /* foreign files named in a message */

/* ---- lists of relative paths -------------------------------------------------------- */

typedef struct {
    char **items;
    size_t n, cap;
    int failed; /* out of memory */
} names;

static void names_add(names *l, const char *text, size_t len)
{
    if (l->failed)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        char **bigger = realloc(l->items, cap * sizeof *bigger);
        if (!bigger) {
            l->failed = 1;
            return;
        }
        l->items = bigger;
        l->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        l->failed = 1;
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    l->items[l->n++] = copy;
}

static int names_has(const names *l, const char *text)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->items[i], text))
            return 1;
    return 0;
}

static void names_clear(names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* ---- what parcours writes ----------------------------------------------------------- */

/* NAME.tmp-XXXXXX, the temporary of a file or folder mkstemp or mkdtemp made. */
static int is_temporary(const char *name)
{
    const char *t = strstr(name, ".tmp-");
    while (t && strstr(t + 1, ".tmp-"))
        t = strstr(t + 1, ".tmp-");
    if (!t || t == name || strlen(t + 5) != 6)
        return 0;
    for (const char *c = t + 5; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
            return 0;
    return 1;
}

/* What `parcours plot` leaves in a charts folder: data and images, gnuplot's log. */
static int is_chart_file(const char *name)
{
    static const char *const ext[] = {".csv", ".png", ".svg", ".pdf"};
    size_t len = strlen(name);
    if (!strncmp(name, ".gnuplot-", 9) && len == 15)
        return 1;
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (len > 4 && !strcmp(name + len - 4, ext[i]))
            return 1;
    return 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Whether the folder holding rel (a relative path) is called charts. */
static int in_charts(const char *rel)
{
    const char *slash = strrchr(rel, '/');
    if (!slash)
        return 0;
    size_t len = (size_t)(slash - rel);
    return len >= 6 && !strncmp(slash - 6, "charts", 6) && (len == 6 || slash[-7] == '/');
}

/* ---- recognising a folder ----------------------------------------------------------- */

typedef struct {
    int recognised;  /* a folder of the kind asked, written by parcours */
    names listed;    /* the files it says parcours wrote */
    names own;       /* files found that parcours wrote */
    names foreign;   /* files and folders found that it did not */
    names dirs;      /* folders walked, parents before their children */
    char about[400]; /* what it is, for messages */
} survey;

static void survey_clear(survey *s)
{
    names_clear(&s->listed);
    names_clear(&s->own);
    names_clear(&s->foreign);
    names_clear(&s->dirs);
}

/* "2024-05-02 14:03", the time path was last written. */
static void written_at(const char *path, char *out, size_t size)
{
    struct stat st;
    struct tm tm;
    if (stat(path, &st) != 0 || !localtime_r(&st.st_mtime, &tm) ||
        !strftime(out, size, "%Y-%m-%d %H:%M", &tm))
        snprintf(out, size, "an unknown date");
}

/* Whether the first line of path starts with marker; the rest of that line into rest. */
static int starts_with(const char *path, const char *marker, char *rest, size_t size)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int ok = f && fgets(line, sizeof line, f) && !strncmp(line, marker, strlen(marker));
    if (f)
        fclose(f);
    if (ok && rest) {
        const char *p = line + strlen(marker);
        while (*p == ' ')
            p++;
        snprintf(rest, size, "%.*s", (int)strcspn(p, "\r\n"), p);
    }
    return ok;
}

/* A run folder's manifest: what it lists, what it is. */
static void read_manifest(const char *dir, survey *s)
{
    char *path = pc_strf("%s/manifest.ini", dir);
    cfg_doc *doc = NULL;
    pc_err ignored;
    if (!path || !starts_with(path, FOLDER_RUN_MARKER, NULL, 0) ||
        cfg_read(path, &doc, &ignored) != PC_OK) {
        free(path);
        return;
    }
    const cfg_section *run = cfg_find(doc, "run");
    const cfg_entry *files = run ? cfg_get(run, "files") : NULL;
    const cfg_entry *scenario = run ? cfg_get(run, "scenario") : NULL;
    const cfg_entry *reps = run ? cfg_get(run, "replications") : NULL;
    if (files) {
        for (const char *p = files->value; *p;) {
            size_t len = strcspn(p, ",");
            size_t start = strspn(p, " ");
            size_t end = len;
            while (end > start && p[end - 1] == ' ')
                end--;
            if (end > start)
                names_add(&s->listed, p + start, end - start);
            p += len + (p[len] == ',');
        }
    } else {
        /* written before manifests listed their files: the run files and the tables named */
        static const char *const run_files[] = {"monthly.csv", "yearly.csv", "replications.csv",
                                                "survival.csv", "validation.csv"};
        for (size_t i = 0; i < sizeof run_files / sizeof run_files[0]; i++)
            names_add(&s->listed, run_files[i], strlen(run_files[i]));
        for (size_t i = 0; i < doc->n; i++)
            for (size_t k = 0; k < doc->sections[i].n; k++)
                for (const char *t = doc->sections[i].entries[k].value;
                     (t = strstr(t, "tables/")) != NULL; t += 7)
                    names_add(&s->listed, t, strcspn(t, ") ,;"));
    }
    char date[40];
    written_at(path, date, sizeof date);
    snprintf(s->about, sizeof s->about, "the run of %.120s (%.30s replications, %s)",
             scenario ? scenario->value : "an unnamed scenario", reps ? reps->value : "?", date);
    s->recognised = 1;
    cfg_doc_free(doc);
    free(path);
}

/* A study folder's listing: the files it lists, what it is. */
static void read_listing(const char *dir, survey *s)
{
    char *path = pc_strf("%s/" FOLDER_LISTING, dir);
    char about[256];
    char *text = NULL;
    pc_err ignored;
    if (!path || !starts_with(path, FOLDER_STUDY_MARKER, about, sizeof about) ||
        fsio_read_text(path, &text, &ignored) != PC_OK) {
        free(path);
        return;
    }
    for (const char *p = text; *p;) {
        size_t len = strcspn(p, "\n");
        if (len && *p != '#')
            names_add(&s->listed, p, len);
        p += len + (p[len] == '\n');
    }
    char date[40];
    written_at(path, date, sizeof date);
    snprintf(s->about, sizeof s->about, "the %.300s (%s)", about, date);
    s->recognised = 1;
    free(text);
    free(path);
}

/* Whether parcours wrote the file rel of a folder of kind. */
static int is_own(const survey *s, folder_kind kind, const char *rel)
{
    const char *name = base_name(rel);
    if (names_has(&s->listed, rel) || is_temporary(name) || (in_charts(rel) && is_chart_file(name)))
        return 1;
    return kind == FOLDER_RUN ? !strcmp(rel, "manifest.ini") : !strcmp(rel, FOLDER_LISTING);
}

/* Sorts every entry under dir/rel into own and foreign (folders parcours does not
 * write into are foreign whole, as "name/"). */
static void walk(const char *dir, const char *rel, int depth, folder_kind kind, survey *s)
{
    char *path = *rel ? pc_strf("%s/%s", dir, rel) : pc_strdup(dir);
    DIR *d = path ? opendir(path) : NULL;
    if (!d) {
        s->foreign.failed |= !path;
        names_add(&s->foreign, *rel ? rel : ".", strlen(*rel ? rel : "."));
        free(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *sub = *rel ? pc_strf("%s/%s", rel, e->d_name) : pc_strdup(e->d_name);
        char *full = sub ? pc_strf("%s/%s", dir, sub) : NULL;
        struct stat st;
        if (!sub || !full) {
            s->foreign.failed = 1;
        } else if (lstat(full, &st) != 0) {
            continue; /* gone meanwhile */
        } else if (S_ISREG(st.st_mode)) {
            names_add(is_own(s, kind, sub) ? &s->own : &s->foreign, sub, strlen(sub));
        } else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH &&
                   (kind == FOLDER_STUDY ||
                    (!*rel && (!strcmp(sub, "tables") || !strcmp(sub, "charts"))))) {
            names_add(&s->dirs, sub, strlen(sub));
            walk(dir, sub, depth + 1, kind, s);
        } else {
            char *shown = S_ISDIR(st.st_mode) ? pc_strf("%s/", sub) : pc_strdup(sub);
            if (shown)
                names_add(&s->foreign, shown, strlen(shown));
            free(shown);
        }
        free(sub);
        free(full);
    }
    closedir(d);
    free(path);
}

/* What dir holds: a folder of kind that parcours wrote, and every file sorted. */
static void survey_folder(const char *dir, folder_kind kind, survey *s)
{
    memset(s, 0, sizeof *s);
    if (kind == FOLDER_RUN)
        read_manifest(dir, s);
    else
        read_listing(dir, s);
    walk(dir, "", 0, kind, s);
}

/* "a, b, c and 4 more" */
static void list_some(const names *l, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l->n && i < SHOWN && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", i ? ", " : "", l->items[i]);
    if (l->n > SHOWN && used < size)
        snprintf(out + used, size - used, " and %zu more", l->n - SHOWN);
}

/* Removes the files parcours wrote in a surveyed folder, then the folders left empty. */
static void remove_own(const char *dir, const survey *s)
{
    for (size_t i = 0; i < s->own.n; i++) {
        char *path = pc_strf("%s/%s", dir, s->own.items[i]);
        if (path)
            unlink(path);
        free(path);
    }
    for (size_t i = s->dirs.n; i-- > 0;) {
        char *path = pc_strf("%s/%s", dir, s->dirs.items[i]);
        if (path)
            rmdir(path);
        free(path);
    }
    rmdir(dir);
}

/* Every file under dir, into s->own: a folder this process made, or marked as its own. */
static void survey_all(const char *dir, survey *s)
{
    memset(s, 0, sizeof *s);
    walk(dir, "", 0, FOLDER_STUDY, s);
    for (size_t i = 0; i < s->foreign.n; i++)
        names_add(&s->own, s->foreign.items[i], strlen(s->foreign.items[i]));
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- paths ---------------------------------------------------------------------------- */

/* dir without trailing slashes, as a new string; NULL when empty or too long. */
static char *clean_dir(const char *dir)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len == 0 || len > 3000)
        return NULL;
    return pc_strf("%.*s", (int)len, dir);
}

/* Whether inner is outer or lies inside it (both absolute, resolved). */
static int inside(const char *inner, const char *outer)
{
    size_t n = strlen(outer);
    if (n == 1) /* "/" */
        return 1;
    return !strncmp(inner, outer, n) && (inner[n] == '\0' || inner[n] == '/');
}

/* The checks of folder_check on a cleaned dir; s receives the survey of an existing dir. */
static int check(const char *dir, folder_kind kind, const char *const *inputs, size_t n_inputs,
                 survey *s, int *exists, pc_err *err)
{
    memset(s, 0, sizeof *s);
    struct stat st;
    *exists = lstat(dir, &st) == 0;
    if (!*exists)
        return errno == ENOENT || errno == ENOTDIR ? PC_OK
                                                   : pc_fail_errno(err, errno, dir, "cannot open");
    if (!S_ISDIR(st.st_mode))
        return pc_fail(err, PC_EINPUT, "%s: exists and is not a folder; choose another --out", dir);
    char *real = realpath(dir, NULL), *here = realpath(".", NULL);
    int around = real && here && inside(here, real);
    free(here);
    if (around) {
        free(real);
        return pc_fail(err, PC_EINPUT,
                       "%s: is the current folder or contains it; writing there would replace "
                       "the folder you are in: choose another --out",
                       dir);
    }
    survey_folder(dir, kind, s);
    if (s->foreign.failed || s->own.failed || s->listed.failed) {
        free(real);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    for (size_t i = 0; i < n_inputs; i++) {
        char *input = inputs[i] ? realpath(inputs[i], NULL) : NULL;
        int held = real && input && inside(input, real) &&
                   !(s->recognised && names_has(&s->own, input + strlen(real) + 1));
        free(input);
        if (held) {
            free(real);
            return pc_fail(err, PC_EINPUT,
                           "%s: holds %s, which this command reads: choose another --out", dir,
                           inputs[i]);
        }
    }
    free(real);
    if (s->foreign.n == 0 && (s->recognised || s->own.n == 0))
        return PC_OK;
    char some[600];
    list_some(&s->foreign, some, sizeof some);
    if (s->recognised)
        return pc_fail(err, PC_EINPUT,
                       "%s: holds %s, but also files parcours did not write (%s): move them or "
                       "choose another --out",
                       dir, s->about, some);
    return pc_fail(err, PC_EINPUT,
                   "%s: exists and is not a %s folder parcours wrote (it holds %s); choose "
                   "another --out",
                   dir, kind == FOLDER_RUN ? "run" : "report or comparison",
                   s->foreign.n ? some : "other files");
}

int folder_check(const char *dir, folder_kind kind, const char *const *inputs, size_t n_inputs,
                 folder_notes *notes, pc_err *err)
{
    if (notes)
        memset(notes, 0, sizeof *notes);
    char *clean = clean_dir(dir);
    if (!clean)
        return pc_fail(err, PC_EINPUT, "output folder: bad name '%s'", dir);
    survey s;
    int exists;
    int rc = check(clean, kind, inputs, n_inputs, &s, &exists, err);
    if (!rc && notes && s.recognised)
        snprintf(notes->earlier, sizeof notes->earlier, "%s", s.about);
    survey_clear(&s);
    free(clean);
    return rc;
}

/* ---- leftovers ------------------------------------------------------------------------ */

/* Locks the folder at path (its descriptor, kept open) if no other process does: -1 when
 * it is in use or cannot be opened. */
static int lock_folder(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* What an interrupted write of a run folder leaves in its temporary: the run files and
 * tables, and nothing else. */
static int partial_run(const char *path)
{
    static const char *const run_files[] = {"monthly.csv",  "yearly.csv",     "replications.csv",
                                            "survival.csv", "validation.csv", "manifest.ini"};
    survey s;
    survey_all(path, &s);
    int partial = !s.own.failed && !s.foreign.failed;
    for (size_t i = 0; i < s.own.n && partial; i++) {
        const char *rel = s.own.items[i];
        partial = !strncmp(rel, "tables/", 7) && !strchr(rel + 7, '/');
        for (size_t k = 0; k < sizeof run_files / sizeof run_files[0] && !partial; k++)
            partial = !strcmp(rel, run_files[k]);
    }
    survey_clear(&s);
    return partial;
}

/* Removes what an interrupted write of path/.. left: path.tmp-XXXXXX (marked as partial,
 * or holding only run files) and path.old-XXXXXX (a folder moved aside to be replaced,
 * surveyed as one), when no process holds them.  Their names go into removed. */
static int remove_leftovers(const char *dir, folder_kind kind, char *removed, size_t size,
                            pc_err *err)
{
    char *parent_alloc = pc_strdup(dir);
    if (!parent_alloc)
        return pc_fail(err, PC_EENV, "out of memory");
    char *slash = strrchr(parent_alloc, '/');
    const char *parent = ".", *base = dir;
    if (slash) {
        *slash = '\0';
        parent = slash == parent_alloc ? "/" : parent_alloc;
        base = slash + 1;
    }
    DIR *d = opendir(parent);
    size_t used = strlen(removed), blen = strlen(base);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strncmp(name, base, blen) || strlen(name) != blen + 11 ||
            (strncmp(name + blen, ".tmp-", 5) && strncmp(name + blen, ".old-", 5)))
            continue;
        char *path = slash ? pc_strf("%s/%s", parent, name) : pc_strdup(name);
        int fd = path ? lock_folder(path) : -1;
        if (fd < 0) {
            free(path);
            continue;
        }
        int done = 0;
        if (!strncmp(name + blen, ".tmp-", 5)) {
            char *mark = pc_strf("%s/" PARTIAL, path);
            struct stat st;
            if (mark && (lstat(mark, &st) == 0 || partial_run(path))) {
                /* a temporary parcours made and marked: everything in it is its own */
                survey s;
                survey_all(path, &s);
                remove_own(path, &s);
                survey_clear(&s);
                done = access(path, F_OK) != 0;
            }
            free(mark);
        } else {
            survey s;
            survey_folder(path, kind, &s);
            if (s.foreign.n == 0 && (s.recognised || s.own.n == 0)) {
                remove_own(path, &s);
                done = access(path, F_OK) != 0;
            }
            survey_clear(&s);
        }
        close(fd);
        if (done && used < size)
            used += (size_t)snprintf(removed + used, size - used, "%s%s", used ? ", " : "", path);
        free(path);
    }
    if (d)
        closedir(d);
    free(parent_alloc);
    return PC_OK;
}

/* ---- writing -------------------------------------------------------------------------- */

static void stage_clear(folder_stage *stage)
{
    if (stage->lock >= 0)
        close(stage->lock);
    free(stage->dir);
    free(stage->tmp);
    memset(stage, 0, sizeof *stage);
    stage->lock = -1;
}

/* Removes the temporary whole: everything in it was written by this process. */
static void remove_temporary(const char *tmp)
{
    survey s;
    survey_all(tmp, &s);
    remove_own(tmp, &s);
    survey_clear(&s);
}

int folder_open(folder_stage *stage, const char *dir, folder_kind kind, const char *const *inputs,
                size_t n_inputs, folder_notes *notes, pc_err *err)
{
    memset(stage, 0, sizeof *stage);
    stage->lock = -1;
    stage->kind = kind;
    if (notes)
        memset(notes, 0, sizeof *notes);
    if (!(stage->dir = clean_dir(dir)))
        return pc_fail(err, PC_EINPUT, "output folder: bad name '%s'", dir);
    survey s;
    int exists;
    int rc = check(stage->dir, kind, inputs, n_inputs, &s, &exists, err);
    survey_clear(&s);
    char removed[768] = "";
    if (!rc)
        rc = remove_leftovers(stage->dir, kind, removed, sizeof removed, err);
    char *slash = strrchr(stage->dir, '/');
    if (!rc && slash && slash != stage->dir) {
        *slash = '\0';
        rc = fsio_mkdirs(stage->dir, err);
        *slash = '/';
    }
    if (!rc && !(stage->tmp = pc_strf("%s.tmp-XXXXXX", stage->dir)))
        rc = pc_fail(err, PC_EENV, "out of memory");
    if (!rc && !mkdtemp(stage->tmp)) {
        rc = pc_fail_errno(err, errno, stage->dir, "cannot create the folder");
        free(stage->tmp);
        stage->tmp = NULL;
    }
    if (!rc) {
        /* mkdtemp's 0700 would hide the folder from the readers a report is made for */
        char *mark = pc_strf("%s/" PARTIAL, stage->tmp);
        int fd = mark ? open(mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
        if (fd < 0 || close(fd) != 0 || chmod(stage->tmp, 0755) != 0)
            rc = mark ? pc_fail_errno(err, errno, stage->tmp, "cannot write")
                      : pc_fail(err, PC_EENV, "out of memory");
        else if ((stage->lock = lock_folder(stage->tmp)) < 0)
            rc = pc_fail_errno(err, errno, stage->tmp, "cannot lock");
        free(mark);
        if (rc)
            remove_temporary(stage->tmp);
    }
    if (rc) {
        stage_clear(stage);
        return rc;
    }
    if (notes)
        snprintf(notes->removed, sizeof notes->removed, "%s", removed);
    return PC_OK;
}

/* The study folder's listing: the marker line with about, then every file written. */
static int write_listing(const folder_stage *stage, const char *about, pc_err *err)
{
    survey s;
    survey_all(stage->tmp, &s);
    char *path = pc_strf("%s/" FOLDER_LISTING, stage->tmp);
    int rc =
        path && !s.own.failed && !s.foreign.failed ? PC_OK : pc_fail(err, PC_EENV, "out of memory");
    if (!rc)
        qsort(s.own.items, s.own.n, sizeof *s.own.items, by_name);
    FILE *f = rc ? NULL : fopen(path, "w");
    if (!rc && !f)
        rc = pc_fail_errno(err, errno, path, "cannot create");
    if (!rc) {
        fprintf(f, "%s %s\n", FOLDER_STUDY_MARKER, about ? about : "study");
        fputs("# the files parcours wrote here; it replaces this folder only when it holds "
              "nothing else\n",
              f);
        for (size_t i = 0; i < s.own.n; i++)
            if (strcmp(s.own.items[i], PARTIAL) && !strchr(s.own.items[i], '\n'))
                fprintf(f, "%s\n", s.own.items[i]);
        rc = fsio_close(f, path, err);
    }
    free(path);
    survey_clear(&s);
    return rc;
}

/* Moves the earlier dir aside into a new DIR.old-XXXXXX (its name into old). */
static int move_aside(const folder_stage *stage, char **old, pc_err *err)
{
    *old = pc_strf("%s.old-XXXXXX", stage->dir);
    if (!*old)
        return pc_fail(err, PC_EENV, "out of memory");
    if (!mkdtemp(*old) || rename(stage->dir, *old) != 0) {
        int rc = pc_fail_errno(err, errno, stage->dir, "cannot replace");
        rmdir(*old);
        free(*old);
        *old = NULL;
        return rc;
    }
    return PC_OK;
}

int folder_commit(folder_stage *stage, int status, const char *about, folder_notes *notes,
                  pc_err *err)
{
    if (!stage->tmp) {
        stage_clear(stage);
        return status;
    }
    if (notes)
        notes->earlier[0] = '\0';
    survey s;
    int exists = 0;
    char *old = NULL;
    memset(&s, 0, sizeof s);
    if (!status && stage->kind == FOLDER_STUDY)
        status = write_listing(stage, about, err);
    if (!status) {
        /* the folder may have changed during the computation: the same rules again */
        status = check(stage->dir, stage->kind, NULL, 0, &s, &exists, err);
    }
    char *mark = pc_strf("%s/" PARTIAL, stage->tmp);
    if (!status && (!mark || unlink(mark) != 0))
        status = mark ? pc_fail_errno(err, errno, mark, "cannot remove")
                      : pc_fail(err, PC_EENV, "out of memory");
    free(mark);
    if (!status && exists && !(status = move_aside(stage, &old, err)) &&
        rename(stage->tmp, stage->dir) != 0) {
        status = pc_fail_errno(err, errno, stage->dir, "cannot create");
        rename(old, stage->dir);
    } else if (!status && !exists && rename(stage->tmp, stage->dir) != 0) {
        status = pc_fail_errno(err, errno, stage->dir, "cannot create");
    }
    if (status) {
        remove_temporary(stage->tmp);
    } else if (old) {
        remove_own(old, &s);
        if (notes && s.recognised)
            snprintf(notes->earlier, sizeof notes->earlier, "%s", s.about);
        if (notes && access(old, F_OK) == 0)
            snprintf(notes->earlier + strlen(notes->earlier),
                     sizeof notes->earlier - strlen(notes->earlier),
                     "; %s was kept: it holds files written meanwhile", old);
    }
    free(old);
    survey_clear(&s);
    stage_clear(stage);
    return status;
}

void folder_message(const folder_stage *stage, pc_err *err)
{
    if (!stage->tmp || !err)
        return;
    size_t tl = strlen(stage->tmp), dl = strlen(stage->dir);
    char out[PC_ERR_MAX];
    size_t used = 0;
    for (const char *p = err->msg; *p && used + 1 < sizeof out;) {
        if (!strncmp(p, stage->tmp, tl) && used + dl + 1 < sizeof out) {
            memcpy(out + used, stage->dir, dl);
            used += dl;
            p += tl;
        } else {
            out[used++] = *p++;
        }
    }
    out[used] = '\0';
    memcpy(err->msg, out, used + 1);
}
