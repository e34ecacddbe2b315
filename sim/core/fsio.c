/* fsio — atomic file writes, folders with parents, CSV fields (see fsio.h). */
#include "fsio.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsio_open(fsio_file *file, const char *path, pc_err *err)
{
    memset(file, 0, sizeof *file);
    file->path = pc_strdup(path);
    file->tmp = pc_strf("%s.tmp-XXXXXX", path);
    if (!file->path || !file->tmp) {
        free(file->path);
        free(file->tmp);
        memset(file, 0, sizeof *file);
        return pc_fail(err, PC_EENV, "out of memory");
    }
    int fd = mkstemp(file->tmp);
    if (fd >= 0 && !(file->f = fdopen(fd, "w"))) {
        close(fd);
        unlink(file->tmp);
    }
    if (!file->f) {
        int rc = pc_fail_errno(err, errno, path, "cannot create");
        free(file->path);
        free(file->tmp);
        memset(file, 0, sizeof *file);
        return rc;
    }
    return PC_OK;
}

int fsio_close(FILE *f, const char *path, pc_err *err)
{
    /* A full disk shows at the flush that empties the buffer: its errno is the cause. */
    int cause = fflush(f) != 0 ? errno : ferror(f) ? EIO : 0;
    if (fclose(f) != 0 && !cause)
        cause = errno;
    return cause ? pc_fail_errno(err, cause, path, "cannot write") : PC_OK;
}

int fsio_commit(fsio_file *file, int status, pc_err *err)
{
    if (!file->f)
        return status;
    pc_err closing;
    int closed = fsio_close(file->f, file->path, &closing);
    if (!status && closed)
        status = pc_fail(err, closed, "%s", closing.msg);
    /* mkstemp's 0600 would hide the file from the readers a report is made for */
    if (!status && (chmod(file->tmp, 0644) != 0 || rename(file->tmp, file->path) != 0))
        status = pc_fail_errno(err, errno, file->path, "cannot create");
    if (status)
        unlink(file->tmp);
    free(file->path);
    free(file->tmp);
    memset(file, 0, sizeof *file);
    return status;
}

int fsio_mkdirs(const char *dir, pc_err *err)
{
    char *path = pc_strdup(dir);
    if (!path)
        return pc_fail(err, PC_EENV, "out of memory");
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char keep = *p;
        *p = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            int rc = pc_fail_errno(err, errno, path, "cannot create the folder");
            free(path);
            return rc;
        }
        *p = keep;
        if (!keep)
            break;
    }
    struct stat st;
    int ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
    free(path);
    return ok ? PC_OK : pc_fail(err, PC_EINPUT, "%s is not a folder", dir);
}

int fsio_read_text(const char *path, char **out, pc_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return pc_fail_errno(err, errno, path, "cannot open");
    size_t len = 0, cap = 4096;
    char *text = malloc(cap);
    size_t n = 0;
    while (text && (n = fread(text + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 > 0)
            continue;
        char *bigger = realloc(text, 2 * cap);
        if (!bigger)
            free(text);
        text = bigger;
        cap *= 2;
    }
    int bad = ferror(f) ? errno : 0;
    fclose(f);
    if (!text)
        return pc_fail(err, PC_EENV, "out of memory");
    if (bad) {
        free(text);
        return pc_fail_errno(err, bad, path, "cannot read");
    }
    text[len] = '\0';
    *out = text;
    return PC_OK;
}

void fsio_safe_name(const char *text, char *out, size_t size)
{
    if (size == 0)
        return;
    size_t o = 0;
    for (const char *p = text; *p && o + 1 < size; p++)
        out[o++] = (strchr("._-", *p) || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= '0' && *p <= '9'))
                       ? *p
                       : '_';
    out[o] = '\0';
}

void fsio_csv_text(FILE *f, const char *text, int first)
{
    if (!first)
        fputc(',', f);
    if (strpbrk(text, ",\"\r\n") == NULL)
        fputs(text, f);
    else
        csv_fwrite(f, text, strlen(text)); /* quoted, its quotes doubled */
}

void fsio_csv_number(FILE *f, double v, int first)
{
    if (isnan(v)) {
        fputs(first ? "NA" : ",NA", f);
        return;
    }
    /* ten significant digits, and never less than the hundredth: euros keep their cents */
    int digits = 10;
    double a = fabs(v);
    if (a >= 1e8 && isfinite(a)) {
        digits = (int)floor(log10(a)) + 3;
        if (digits > 17)
            digits = 17;
    }
    fprintf(f, first ? "%.*g" : ",%.*g", digits, v);
}

void fsio_csv_exact(FILE *f, double v, int first)
{
    if (isnan(v))
        fputs(first ? "NA" : ",NA", f);
    else
        fprintf(f, first ? "%.17g" : ",%.17g", v);
}

char *fsio_directory_of(const char *path)
{
    char *copy = pc_strdup(path);
    if (!copy)
        return NULL;
    char *slash = strrchr(copy, '/');
    if (slash == copy)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(copy, ".");
    char *abs = realpath(copy, NULL);
    free(copy);
    return abs;
}

char *fsio_relative_path(const char *from, const char *target)
{
    size_t common = 0, i = 0;
    /* the longest common prefix that ends on a component boundary */
    for (; from[i] && target[i] && from[i] == target[i]; i++)
        if (from[i] == '/')
            common = i;
    if (!from[i] && target[i] == '/')
        common = i;
    size_t ups = 0;
    for (const char *q = from + common; *q; q++)
        ups += *q == '/' && q[1];
    if (!from[common] || !strcmp(from, "/"))
        ups = 0;
    const char *rest = target + common + (target[common] == '/');
    char *out = malloc(ups * 3 + strlen(rest) + 2);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t k = 0; k < ups; k++)
        strcat(out, "../");
    strcat(out, rest);
    return out;
}
