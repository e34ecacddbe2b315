/* pdf — rapport.pdf from the report's page, printed by headless Chromium (see pdf.h).
 *
 * Chromium is started with posix_spawnp in a process group of its own, so that
 * its helper processes die with it when the time limit passes; its stdout and
 * stderr go to a file of its throwaway profile folder, which is removed
 * afterwards whatever happened. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "pdf.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/fsio.h"
#include "sbuf.h"

extern char **environ;

/* The full path of program on PATH (a new string), or NULL. */
static char *find_program(const char *program)
{
    const char *path = getenv("PATH");
    while (path && *path) {
        size_t len = strcspn(path, ":");
        char *candidate =
            len ? pc_strf("%.*s/%s", (int)len, path, program) : pc_strf("./%s", program);
        struct stat st;
        if (candidate && stat(candidate, &st) == 0 && S_ISREG(st.st_mode) &&
            access(candidate, X_OK) == 0)
            return candidate;
        free(candidate);
        if (!path[len])
            break;
        path += len + 1;
    }
    return NULL;
}

/* file:// address of an absolute path, each byte outside [A-Za-z0-9/._~-] percent-encoded. */
static char *file_url(const char *abs)
{
    sbuf b = {0};
    sbuf_puts(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)abs; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/._~-", *p))
            sbuf_add(&b, (const char *)p, 1);
        else
            sbuf_printf(&b, "%%%02X", *p);
    }
    return sbuf_take(&b);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* The last lines of Chromium's messages that fit an error message, into out. */
static void last_messages(const char *log, char *out, size_t size)
{
    char *text = NULL;
    pc_err ignored;
    out[0] = '\0';
    if (fsio_read_text(log, &text, &ignored) != PC_OK || !text)
        return;
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    const char *start = text;
    if (n >= size) {
        start = text + n - (size - 1);
        const char *nl = strchr(start, '\n');
        if (nl)
            start = nl + 1;
    }
    snprintf(out, size, "%s", start);
    free(text);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs argv with stdout and stderr into log, in its own process group, for at most
 * seconds.  *status receives its wait status; *timed_out whether it was killed.
 * PC_OK or PC_EINTERNAL (it could not be started). */
static int run_limited(char *const argv[], const char *log, double seconds, int *status,
                       int *timed_out, pc_err *err)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid;
    int e = posix_spawnp(&pid, argv[0], &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    if (e)
        return pc_fail(err, PC_EINTERNAL, "cannot start %s: %s", argv[0], strerror(e));
    double deadline = now_seconds() + seconds;
    *timed_out = 0;
    while (1) {
        pid_t done = waitpid(pid, status, WNOHANG);
        if (done == pid)
            break;
        if (done < 0 && errno != EINTR) {
            int rc = pc_fail(err, PC_EINTERNAL, "waiting for %s: %s", argv[0], strerror(errno));
            kill(-pid, SIGKILL);
            return rc;
        }
        if (now_seconds() > deadline) {
            *timed_out = 1;
            kill(-pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    kill(-pid, SIGKILL); /* helpers Chromium may have left behind */
    return PC_OK;
}

int pdf_count_pages(const char *path, int *pages, pc_err *err)
{
    *pages = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pc_fail(err, PC_EINPUT, "%s: cannot read: %s", path, strerror(errno));
    sbuf b = {0};
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sbuf_add(&b, chunk, got);
    int failed = ferror(f);
    fclose(f);
    int rc = PC_OK;
    if (failed)
        rc = pc_fail(err, PC_EINPUT, "%s: cannot read", path);
    else if (b.len < 5 || memcmp(b.s, "%PDF", 4) != 0)
        rc = pc_fail(err, PC_EINPUT, "%s: not a PDF file (it does not start with %%PDF)", path);
    for (size_t i = 0; !rc && i + 5 <= b.len; i++) {
        if (memcmp(b.s + i, "/Type", 5) != 0)
            continue;
        size_t j = i + 5;
        while (j < b.len && (b.s[j] == ' ' || b.s[j] == '\n' || b.s[j] == '\r'))
            j++;
        if (j + 5 <= b.len && memcmp(b.s + j, "/Page", 5) == 0 &&
            (j + 5 == b.len || !((b.s[j + 5] >= 'a' && b.s[j + 5] <= 'z') ||
                                 (b.s[j + 5] >= 'A' && b.s[j + 5] <= 'Z'))))
            (*pages)++;
    }
    sbuf_clear(&b);
    return rc;
}

int pdf_print(const char *report_dir, double seconds, int *pages, pc_err *err)
{
    if (pages)
        *pages = 0;
    char *page = pc_strf("%s/index.html", report_dir);
    char *final = pc_strf("%s/rapport.pdf", report_dir);
    char *tmp = pc_strf("%s/.rapport.pdf.tmp-XXXXXX", report_dir);
    char profile[PATH_MAX];
    snprintf(profile, sizeof profile, "%s/parcours-chromium-XXXXXX",
             getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    char *browser = NULL, *url = NULL, *log = NULL, *print_flag = NULL, *profile_flag = NULL;
    int have_tmp = 0, have_profile = 0;
    char abs[PATH_MAX];
    int rc = page && final && tmp ? PC_OK : pc_fail(err, PC_EINTERNAL, "out of memory");
    if (!rc && (access(page, R_OK) != 0 || !realpath(page, abs)))
        rc = pc_fail(err, PC_EINPUT, "%s: cannot read: %s (write the report first)", page,
                     strerror(errno));
    if (!rc && !(browser = find_program("chromium")) &&
        !(browser = find_program("chromium-browser")))
        rc = pc_fail(err, PC_EINPUT,
                     "chromium is not installed (Debian package chromium): no PDF written; "
                     "the report is %s",
                     page);
    if (!rc) {
        int fd = mkstemp(tmp);
        if (fd < 0)
            rc = pc_fail(err, PC_EINPUT, "cannot create a file in %s: %s", report_dir,
                         strerror(errno));
        else
            close(fd), have_tmp = 1;
    }
    if (!rc && !mkdtemp(profile))
        rc = pc_fail(err, PC_EINTERNAL, "cannot create a folder %s: %s", profile, strerror(errno));
    else if (!rc)
        have_profile = 1;
    if (!rc && (!(url = file_url(abs)) || !(log = pc_strf("%s/messages.log", profile)) ||
                !(print_flag = pc_strf("--print-to-pdf=%s", tmp)) ||
                !(profile_flag = pc_strf("--user-data-dir=%s", profile))))
        rc = pc_fail(err, PC_EINTERNAL, "out of memory");
    int status = 0, timed_out = 0;
    if (!rc) {
        /* posix_spawnp takes char *const[]: the flags live in arrays */
        char headless[] = "--headless", no_sandbox[] = "--no-sandbox", no_gpu[] = "--disable-gpu",
             no_shm[] = "--disable-dev-shm-usage", no_first_run[] = "--no-first-run",
             no_check[] = "--no-default-browser-check", no_header[] = "--no-pdf-header-footer";
        char *argv[] = {browser,  headless,     no_sandbox, no_gpu,     no_shm, no_first_run,
                        no_check, profile_flag, no_header,  print_flag, url,    NULL};
        rc = run_limited(argv, log, seconds, &status, &timed_out, err);
    }
    if (!rc) {
        char said[PC_ERR_MAX - 200];
        last_messages(log, said, sizeof said);
        const char *colon = *said ? ":\n" : "";
        struct stat st;
        int n_pages = 0;
        pc_err why = {{0}};
        if (timed_out)
            rc = pc_fail(err, PC_EINPUT, "%s did not print %s within %.0f s%s%s", browser, page,
                         seconds, colon, said);
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = pc_fail(err, PC_EINPUT, "%s failed printing %s (%s %d)%s%s", browser, page,
                         WIFEXITED(status) ? "exit" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), colon, said);
        else if (stat(tmp, &st) != 0 || st.st_size == 0)
            rc = pc_fail(err, PC_EINPUT, "%s wrote no PDF for %s%s%s", browser, page, colon, said);
        else if (pdf_count_pages(tmp, &n_pages, &why) != PC_OK || n_pages < 1)
            rc = pc_fail(err, PC_EINPUT, "%s did not write a PDF with pages for %s: %s%s%s",
                         browser, page, why.msg[0] ? why.msg : "no page", colon, said);
        else if (chmod(tmp, 0644) != 0 || rename(tmp, final) != 0)
            rc = pc_fail(err, PC_EINTERNAL, "cannot rename %s to %s: %s", tmp, final,
                         strerror(errno));
        else if (pages)
            *pages = n_pages;
    }
    if (rc && have_tmp)
        unlink(tmp);
    if (have_profile)
        nftw(profile, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(page);
    free(final);
    free(tmp);
    free(browser);
    free(url);
    free(log);
    free(print_flag);
    free(profile_flag);
    return rc;
}

int pdf_write_report(const char *report_dir, pc_err *err)
{
    return pdf_print(report_dir, PDF_TIME_LIMIT, NULL, err);
}
