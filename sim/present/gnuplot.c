/* gnuplot — quoting for gnuplot, its terminals, and a script piped to it (see gnuplot.h). */
#include "gnuplot.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fsio.h"

/* Length of the well-formed UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* A gnuplot single-quoted string: gnuplot expands nothing inside one (no
 * backslash escapes, no backquote commands, no macros), and a quote is written
 * twice.  A control character would end the command line, so it becomes a space;
 * malformed UTF-8 would make the SVG unreadable, so it becomes '?'. */
void gnuplot_quote_into(sbuf *b, const char *text)
{
    sbuf_add(b, "'", 1);
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        if (*p < 0x20 || *p == 0x7F) {
            sbuf_add(b, " ", 1);
            p++;
        } else if (*p == '\'') {
            sbuf_add(b, "''", 2);
            p++;
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                sbuf_add(b, "?", 1);
                p++;
            } else {
                sbuf_add(b, (const char *)p, n);
                p += n;
            }
        }
    }
    sbuf_add(b, "'", 1);
}

void gnuplot_quote_taken(sbuf *b, char *text)
{
    if (text)
        gnuplot_quote_into(b, text);
    else
        b->oom = 1;
    free(text);
}

char *gnuplot_quote(const char *text)
{
    sbuf b = {0};
    gnuplot_quote_into(&b, text);
    return sbuf_take(&b);
}

/* A number for gnuplot source or a data file: the shortest form that reads back
 * exactly, "NA" for NaN, always with a decimal point whatever the locale. */
void gnuplot_number(double v, char *buf, size_t size)
{
    if (isnan(v) || isinf(v)) {
        snprintf(buf, size, "NA");
        return;
    }
    for (int digits = 15; digits <= 17; digits++) {
        snprintf(buf, size, "%.*g", digits, v);
        for (char *p = buf; *p; p++)
            if (*p == ',')
                *p = '.';
        if (strtod(buf, NULL) == v)
            return;
    }
}

void gnuplot_number_into(sbuf *b, double v)
{
    char num[40];
    gnuplot_number(v, num, sizeof num);
    sbuf_puts(b, num);
}

static int on_path(const char *program)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    while (1) {
        size_t len = strcspn(path, ":");
        char *candidate =
            len ? pc_strf("%.*s/%s", (int)len, path, program) : pc_strf("./%s", program);
        struct stat st;
        int found = candidate && stat(candidate, &st) == 0 && S_ISREG(st.st_mode) &&
                    access(candidate, X_OK) == 0;
        free(candidate);
        if (found)
            return 1;
        if (!path[len])
            return 0;
        path += len + 1;
    }
}

/* 'text' for /bin/sh, a quote written '\'' */
static char *shell_quote(const char *text)
{
    sbuf b = {0};
    sbuf_puts(&b, "'");
    for (const char *p = text; *p; p++) {
        if (*p == '\'')
            sbuf_puts(&b, "'\\''");
        else
            sbuf_add(&b, p, 1);
    }
    sbuf_puts(&b, "'");
    return sbuf_take(&b);
}

/* gnuplot's messages without the echoed command lines and their carets. */
static void keep_messages(const char *text, char *out, size_t size)
{
    sbuf b = {0};
    const char *p = text;
    while (*p) {
        size_t len = strcspn(p, "\n");
        int echo = strncmp(p, "gnuplot>", 8) == 0;
        int caret = len > 0 && strspn(p, " ^") == len;
        const char *last = b.s ? strrchr(b.s, '\n') : NULL;
        last = last ? last + 1 : b.s;
        int repeated = last && strlen(last) == len && strncmp(last, p, len) == 0;
        if (!echo && !caret && !repeated && len > 0) {
            if (b.len)
                sbuf_puts(&b, "\n");
            sbuf_add(&b, p, len);
        }
        p += len + (p[len] == '\n');
    }
    const char *msg = b.s ? b.s : "";
    size_t n = strlen(msg);
    /* the last messages matter most when they do not all fit */
    snprintf(out, size, "%s", n >= size ? msg + n - (size - 1) : msg);
    sbuf_clear(&b);
}

const char *gnuplot_terminal(unsigned format)
{
    return format == GNUPLOT_SVG ? "svg size 1000,600 fixed font 'DejaVu Sans,11' noenhanced "
                                   "background rgb 'white' linewidth 1.2"
                                 : "pngcairo size 1200,720 font 'DejaVu Sans,12' noenhanced "
                                   "background rgb 'white' linewidth 1.4";
}

const char *gnuplot_extension(unsigned format)
{
    return format == GNUPLOT_SVG ? "svg" : format == GNUPLOT_PDF ? "pdf" : "png";
}

/* What gnuplot's exit status and its messages (in the file log) say: its failure, or
 * the notes it left when it succeeded. */
static int outcome(int status, int all_written, const char *log, const char *outdir, char **notes,
                   pc_err *err)
{
    char *messages = NULL;
    pc_err ignored;
    if (fsio_read_text(log, &messages, &ignored) != PC_OK)
        messages = NULL;
    int rc = PC_OK;
    if (status == -1) {
        rc = pc_fail(err, PC_EENV, "gnuplot: %s", strerror(errno));
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !all_written) {
        char excerpt[PC_ERR_MAX - 128];
        keep_messages(messages ? messages : "", excerpt, sizeof excerpt);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            rc = pc_fail(err, PC_EINPUT, "gnuplot could not be started: %s", excerpt);
        else
            rc = pc_fail(err, PC_EINPUT, "gnuplot failed drawing the charts in %s:\n%s", outdir,
                         excerpt);
    } else if (messages && *messages && notes) {
        char excerpt[PC_ERR_MAX];
        keep_messages(messages, excerpt, sizeof excerpt);
        if (*excerpt)
            *notes = pc_strdup(excerpt);
    }
    free(messages);
    return rc;
}

int gnuplot_run(const char *script, size_t len, const char *outdir, char **notes, pc_err *err)
{
    if (notes)
        *notes = NULL;
    if (!on_path("gnuplot"))
        return pc_fail(err, PC_EINPUT,
                       "gnuplot is not installed (Debian package gnuplot-nox): no chart drawn; "
                       "the data files are in %s",
                       outdir);
    char *log = pc_strf("%s/.gnuplot-XXXXXX", outdir);
    if (!log)
        return pc_fail(err, PC_EENV, "out of memory");
    int fd = mkstemp(log);
    if (fd < 0) {
        int rc = pc_fail_errno(err, errno, outdir, "cannot create a file");
        free(log);
        return rc;
    }
    close(fd);
    char *quoted = shell_quote(log);
    char *command = quoted ? pc_strf("gnuplot 2>%s", quoted) : NULL;
    free(quoted);
    int rc = PC_OK;
    if (!command) {
        rc = pc_fail(err, PC_EENV, "out of memory");
        goto done;
    }
    /* gnuplot dying early must give a message, not kill us with SIGPIPE */
    struct sigaction ignore, previous;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &previous);
    fflush(NULL);
    FILE *pipe = popen(command, "w");
    if (!pipe) {
        sigaction(SIGPIPE, &previous, NULL);
        rc = pc_fail(err, PC_EENV, "cannot start gnuplot: %s", strerror(errno));
        goto done;
    }
    size_t written = fwrite(script, 1, len, pipe);
    int status = pclose(pipe);
    sigaction(SIGPIPE, &previous, NULL);
    rc = outcome(status, written == len, log, outdir, notes, err);
done:
    unlink(log);
    free(log);
    free(command);
    return rc;
}

/* Removes every occurrence of pattern's first strlen(pattern) - 1 characters where they are
 * followed by its last ('/'), in the script at path. */
static int retarget_file(const char *path, const char *pattern, pc_err *err)
{
    char *text = NULL;
    int rc = fsio_read_text(path, &text, err);
    if (rc)
        return rc;
    size_t cut = strlen(pattern) - 1;
    if (!strstr(text, pattern)) {
        free(text);
        return PC_OK;
    }
    fsio_file out;
    if (!(rc = fsio_open(&out, path, err))) {
        const char *p = text, *hit;
        while ((hit = strstr(p, pattern)) != NULL) {
            fwrite(p, 1, (size_t)(hit - p), out.f);
            p = hit + cut; /* keeps the '/' */
        }
        fputs(p, out.f);
        rc = fsio_commit(&out, PC_OK, err);
    }
    free(text);
    return rc;
}

static int retarget_tree(const char *folder, const char *pattern, int depth, pc_err *err)
{
    DIR *d = opendir(folder);
    if (!d)
        return pc_fail_errno(err, errno, folder, "cannot read");
    int rc = PC_OK;
    struct dirent *e;
    while (!rc && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *path = pc_strf("%s/%s", folder, e->d_name);
        struct stat st;
        size_t len = strlen(e->d_name);
        if (!path)
            rc = pc_fail(err, PC_EENV, "out of memory");
        else if (lstat(path, &st) != 0)
            rc = pc_fail_errno(err, errno, path, "cannot read");
        else if (S_ISDIR(st.st_mode) && depth < 8)
            rc = retarget_tree(path, pattern, depth + 1, err);
        else if (S_ISREG(st.st_mode) && len > 3 && !strcmp(e->d_name + len - 3, ".gp"))
            rc = retarget_file(path, pattern, err);
        free(path);
    }
    closedir(d);
    return rc;
}

int gnuplot_retarget(const char *tmp, const char *dir, pc_err *err)
{
    size_t n = strlen(dir);
    if (strncmp(tmp, dir, n) || !tmp[n])
        return PC_OK;
    char *pattern = pc_strf("%s/", tmp + n); /* ".tmp-XXXXXX/" */
    if (!pattern)
        return pc_fail(err, PC_EENV, "out of memory");
    int rc = retarget_tree(tmp, pattern, 0, err);
    free(pattern);
    return rc;
}
