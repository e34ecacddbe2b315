/* test_plot — charts and the committee page, drawn from run folders written here by hand.
 *
 * The run folders are synthetic (known values, five years from 2020-01), so
 * these tests need neither the engine nor time: they draw every chart type
 * through gnuplot, read the PNG files back (signature, IHDR size, pixels inflated
 * here and counted), check the SVG files are well-formed XML holding the
 * expected series, compare the charts' data files with monthly.csv and
 * yearly.csv, try to smuggle commands through a label, check the same inputs
 * give the same SVG bytes, and check the page's links, images and key figures. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "core/cfg.h"
#include "core/mdl.h"
#include "present/backtestplot.h"
#include "present/distplot.h"
#include "present/plot.h"
#include "present/report.h"
#include "present/scatterplot.h"
#include "present/sensplot.h"
#include "present/territory.h"

#define MONTHS 60
#define NDASH  "\xE2\x80\x93"
#define MINUS  "\xE2\x88\x92"
#define NBSP   "\xE2\x80\xAF"

/* ---- synthetic run folders -------------------------------------------------- */

/* The mean of a variable in month k (0-based) of a run shifted by `shift`. */
static double monthly_mean(const char *var, int k, double shift)
{
    if (!strcmp(var, "stock.rsa"))
        return 16000.25 - 20.5 * k * (1 + shift);
    if (!strcmp(var, "entries.rsa"))
        return 620.5 + (k % 12);
    if (!strcmp(var, "exits.rsa"))
        return 640.75 + shift * 10;
    if (!strcmp(var, "queue.iae_queue"))
        return 80 + 20 * sin(k / 6.0) - 10 * shift;
    if (!strcmp(var, "wait.iae_queue.share3m"))
        return k % 5 == 4 ? NAN : 0.3 + 0.1 * sin(k / 5.0);
    if (!strcmp(var, "etp.iae_places"))
        return 140.125 + shift * 5;
    if (!strcmp(var, "funded.iae_places"))
        return 150;
    if (!strcmp(var, "staff.referents"))
        return 110 - 0.25 * k;
    if (!strcmp(var, "cost.allocation") || !strcmp(var, "funder.departement"))
        return 7.6e6 - 1e4 * k;
    if (!strcmp(var, "cost.aide_poste") || !strcmp(var, "funder.etat"))
        return 1.5e6 + 1e3 * shift;
    if (!strcmp(var, "cost.total"))
        return 9.1e6 - 1e4 * k + 1e3 * shift;
    return 0;
}

static const char *const run_vars[] = {"stock.rsa",
                                       "entries.rsa",
                                       "exits.rsa",
                                       "queue.iae_queue",
                                       "wait.iae_queue.share3m",
                                       "etp.iae_places",
                                       "funded.iae_places",
                                       "staff.referents",
                                       "cost.allocation",
                                       "cost.aide_poste",
                                       "cost.total",
                                       "funder.departement",
                                       "funder.etat"};
#define N_RUN_VARS (sizeof run_vars / sizeof run_vars[0])

static void write_stat(FILE *f, double mean, double sd)
{
    if (isnan(mean)) {
        fputs(",NA,NA,NA,NA,NA,NA,NA\n", f);
        return;
    }
    fprintf(f, ",%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n", mean, sd, mean - 1.645 * sd,
            mean - 0.674 * sd, mean, mean + 0.674 * sd, mean + 1.645 * sd);
}

/* Makes the run folder tmpdir/name (its path in buf) and opens its manifest.ini. */
static FILE *new_run(tc_ctx *t, const char *name, char *buf, size_t size)
{
    tc_path(t, name, buf, size);
    mkdir(buf, 0777);
    char path[600];
    snprintf(path, sizeof path, "%s/manifest.ini", buf);
    return fopen(path, "w");
}

/* Writes tmpdir/name as `parcours run` would; returns its path in buf. */
static const char *make_run(tc_ctx *t, const char *name, const char *label, double shift, char *buf,
                            size_t size)
{
    FILE *f = new_run(t, name, buf, size);
    char path[600];
    fprintf(f,
            "[model]\nname = Dr\xC3\xB4me \xE2\x80\x94 RSA\nstart = 2020-01\nhorizon = %d\n\n"
            "[scenario]\nlabel = %s\ndescription = Un sc\xC3\xA9nario <b>de test</b> & plus\n\n"
            "[population rsa]\nlabel = Allocataires du RSA\nentry = orientation\n\n"
            "[state iae_queue]\nlabel = File d'attente IAE\n\n"
            "[resource iae_places]\nlabel = Postes IAE\n\n"
            "[cost allocation]\nlabel = Allocation RSA\nfunder = departement\n\n"
            "[cost aide_poste]\nlabel = Aide au poste\nfunder = etat\n\n"
            "[staff referents]\nlabel = R\xC3\xA9"
            "f\xC3\xA9rents uniques\n\n"
            "[set 2021-01]\nresource.iae_places.capacity = 180\n\n"
            "[observations]\nfile = table(tables/1-observations.csv)\n\n"
            "[run]\nseed = 7\nreplications = 10\n",
            MONTHS, label);
    fclose(f);
    snprintf(path, sizeof path, "%s/tables", buf);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/tables/1-observations.csv", buf);
    f = fopen(path, "w");
    fputs("variable,period,value,tolerance,source\n"
          "stock.rsa,2020-03,15950,,DREES\nstock.rsa,2020-06,15890,,DREES\n"
          "stock.rsa,2021-01,15800,,\"DREES, tableau 2\"\nexits.rsa,2020,7700,,DREES\n",
          f);
    fclose(f);
    snprintf(path, sizeof path, "%s/monthly.csv", buf);
    f = fopen(path, "w");
    fputs("scenario,variable,month,mean,sd,p05,p25,p50,p75,p95\n", f);
    for (size_t v = 0; v < N_RUN_VARS; v++)
        for (int k = 0; k < MONTHS; k++) {
            fprintf(f, "%s,%s,%04d-%02d", name, run_vars[v], 2020 + k / 12, k % 12 + 1);
            double mean = monthly_mean(run_vars[v], k, shift);
            write_stat(f, mean, fabs(mean) * 0.01 + 1);
        }
    fclose(f);
    snprintf(path, sizeof path, "%s/yearly.csv", buf);
    f = fopen(path, "w");
    fputs("scenario,variable,year,mean,sd,p05,p25,p50,p75,p95\n", f);
    for (size_t v = 0; v <= N_RUN_VARS; v++)
        for (int y = 0; y < MONTHS / 12; y++) {
            const char *var = v < N_RUN_VARS ? run_vars[v] : "wait.iae_queue.mean";
            double mean = 0;
            for (int m = 0; m < 12; m++)
                mean += monthly_mean(var, 12 * y + m, shift);
            if (!strncmp(var, "stock.", 6) || !strncmp(var, "etp.", 4) ||
                !strncmp(var, "funded.", 7) || !strncmp(var, "staff.", 6))
                mean /= 12;
            if (v == N_RUN_VARS)
                mean = 45.5 + y;
            if (!strcmp(var, "wait.iae_queue.share3m"))
                mean = 0.3;
            fprintf(f, "%s,%s,%d", name, var, 2020 + y);
            write_stat(f, mean, fabs(mean) * 0.02 + 1);
        }
    fclose(f);
    snprintf(path, sizeof path, "%s/survival.csv", buf);
    f = fopen(path, "w");
    fputs("scenario,population,month,mean,p05,p50,p95\n", f);
    for (int k = 0; k <= MONTHS; k++) {
        double s = exp(-k / (30.0 * (1 + shift)));
        fprintf(f, "%s,rsa,%d,%.6f,%.6f,%.6f,%.6f\n", name, k, s, s * 0.9, s, fmin(1, s * 1.1));
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/replications.csv", buf);
    f = fopen(path, "w");
    fputs("replication,seed,funder.departement,funder.etat,cost.total\n", f);
    for (int r = 0; r < 10; r++)
        fprintf(f, "%d,7,%.2f,%.2f,%.2f\n", r, 4.4e8 + 1e6 * r, 9e7 + 1e5 * r * (1 + shift),
                5.3e8 + 1.1e6 * r);
    fclose(f);
    return buf;
}

/* ---- reading files back ------------------------------------------------------- */

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    unsigned char *data = NULL;
    size_t n = 0, cap = 0, got;
    unsigned char chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (n + got + 1 > cap) {
            cap = (n + got + 1) * 2;
            unsigned char *bigger = realloc(data, cap);
            if (!bigger) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = bigger;
        }
        memcpy(data + n, chunk, got);
        n += got;
    }
    fclose(f);
    if (!data)
        data = calloc(1, 1);
    else
        data[n] = '\0';
    *len = n;
    return data;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* ---- a small inflate (RFC 1951), enough to read PNG pixels back ------------------ */

typedef struct {
    const unsigned char *in;
    size_t in_len, pos;
    unsigned long bitbuf;
    int bitcnt;
    unsigned char *out;
    size_t out_len, out_cap;
    int bad;
} inflater;

typedef struct {
    short count[16];
    short symbol[320];
} huffman;

static int get_bits(inflater *s, int need)
{
    unsigned long val = s->bitbuf;
    while (s->bitcnt < need) {
        if (s->pos >= s->in_len) {
            s->bad = 1;
            return 0;
        }
        val |= (unsigned long)s->in[s->pos++] << s->bitcnt;
        s->bitcnt += 8;
    }
    s->bitbuf = val >> need;
    s->bitcnt -= need;
    return (int)(val & ((1UL << need) - 1));
}

static void put_byte(inflater *s, unsigned char b)
{
    if (s->out_len == s->out_cap) {
        s->bad = 1;
        return;
    }
    s->out[s->out_len++] = b;
}

static void build(huffman *h, const short *length, int n)
{
    short offs[16];
    memset(h->count, 0, sizeof h->count);
    for (int i = 0; i < n; i++)
        h->count[length[i]]++;
    offs[1] = 0;
    for (int len = 1; len < 15; len++)
        offs[len + 1] = (short)(offs[len] + h->count[len]);
    for (int i = 0; i < n; i++)
        if (length[i])
            h->symbol[offs[length[i]]++] = (short)i;
}

static int decode_symbol(inflater *s, const huffman *h)
{
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= 15 && !s->bad; len++) {
        code |= get_bits(s, 1);
        int count = h->count[len];
        if (code - count < first)
            return h->symbol[index + (code - first)];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    s->bad = 1;
    return 0;
}

static void inflate_codes(inflater *s, const huffman *lencode, const huffman *distcode)
{
    static const short lbase[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
    static const short lext[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                   2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
    static const short dbase[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                    33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
    static const short dext[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                   6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
    while (!s->bad) {
        int sym = decode_symbol(s, lencode);
        if (sym < 256) {
            put_byte(s, (unsigned char)sym);
        } else if (sym == 256) {
            return;
        } else {
            sym -= 257;
            if (sym >= 29) {
                s->bad = 1;
                return;
            }
            int len = lbase[sym] + get_bits(s, lext[sym]);
            int dsym = decode_symbol(s, distcode);
            if (dsym >= 30) {
                s->bad = 1;
                return;
            }
            size_t dist = (size_t)(dbase[dsym] + get_bits(s, dext[dsym]));
            if (dist > s->out_len) {
                s->bad = 1;
                return;
            }
            while (len-- > 0 && !s->bad)
                put_byte(s, s->out[s->out_len - dist]);
        }
    }
}

static int zlib_inflate(const unsigned char *in, size_t in_len, unsigned char *out, size_t cap,
                        size_t *out_len)
{
    inflater s = {.in = in, .in_len = in_len, .pos = 2, .out = out, .out_cap = cap};
    static const short order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                    11, 4,  12, 3, 13, 2, 14, 1, 15};
    int last;
    do {
        last = get_bits(&s, 1);
        int type = get_bits(&s, 2);
        if (type == 0) {
            s.bitbuf = 0;
            s.bitcnt = 0;
            if (s.pos + 4 > s.in_len)
                return -1;
            size_t len = s.in[s.pos] | (size_t)s.in[s.pos + 1] << 8;
            s.pos += 4;
            if (s.pos + len > s.in_len)
                return -1;
            while (len--)
                put_byte(&s, s.in[s.pos++]);
        } else if (type == 1 || type == 2) {
            huffman lencode, distcode;
            short lengths[320];
            if (type == 1) {
                int i = 0;
                for (; i < 144; i++)
                    lengths[i] = 8;
                for (; i < 256; i++)
                    lengths[i] = 9;
                for (; i < 280; i++)
                    lengths[i] = 7;
                for (; i < 288; i++)
                    lengths[i] = 8;
                build(&lencode, lengths, 288);
                for (i = 0; i < 30; i++)
                    lengths[i] = 5;
                build(&distcode, lengths, 30);
            } else {
                int nlen = get_bits(&s, 5) + 257, ndist = get_bits(&s, 5) + 1;
                int ncode = get_bits(&s, 4) + 4;
                memset(lengths, 0, sizeof lengths);
                for (int i = 0; i < ncode; i++)
                    lengths[order[i]] = (short)get_bits(&s, 3);
                build(&lencode, lengths, 19);
                int i = 0;
                while (i < nlen + ndist && !s.bad) {
                    int sym = decode_symbol(&s, &lencode);
                    int repeat = 0;
                    short value = 0;
                    if (sym < 16) {
                        lengths[i++] = (short)sym;
                        continue;
                    } else if (sym == 16) {
                        if (i == 0)
                            return -1;
                        value = lengths[i - 1];
                        repeat = 3 + get_bits(&s, 2);
                    } else if (sym == 17) {
                        repeat = 3 + get_bits(&s, 3);
                    } else {
                        repeat = 11 + get_bits(&s, 7);
                    }
                    if (i + repeat > nlen + ndist)
                        return -1;
                    while (repeat--)
                        lengths[i++] = value;
                }
                build(&lencode, lengths, nlen);
                build(&distcode, lengths + nlen, ndist);
            }
            inflate_codes(&s, &lencode, &distcode);
        } else {
            return -1;
        }
    } while (!last && !s.bad);
    *out_len = s.out_len;
    return s.bad ? -1 : 0;
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

typedef struct {
    unsigned width, height;
    size_t colours; /* distinct colours, counted up to 4096 */
    double inked;   /* share of pixels that are not white */
    int decoded;
} png_info;

/* Reads a PNG: signature, IHDR, then (8-bit RGB or RGBA) its pixels. */
static int read_png(const char *path, png_info *info)
{
    memset(info, 0, sizeof *info);
    size_t len;
    unsigned char *data = slurp(path, &len);
    if (!data || len < 33 || memcmp(data, "\x89PNG\r\n\x1a\n", 8) || memcmp(data + 12, "IHDR", 4)) {
        free(data);
        return 0;
    }
    const unsigned char *h = data + 16;
    info->width = (unsigned)h[0] << 24 | (unsigned)h[1] << 16 | (unsigned)h[2] << 8 | h[3];
    info->height = (unsigned)h[4] << 24 | (unsigned)h[5] << 16 | (unsigned)h[6] << 8 | h[7];
    int depth = h[8], type = h[9], interlace = h[12];
    int bpp = type == 6 ? 4 : type == 2 ? 3 : 0;
    unsigned char *z = malloc(len), *raw = NULL;
    size_t zlen = 0;
    for (size_t p = 8; z && p + 12 <= len;) {
        size_t n = (size_t)data[p] << 24 | (size_t)data[p + 1] << 16 | (size_t)data[p + 2] << 8 |
                   data[p + 3];
        if (p + 12 + n > len)
            break;
        if (!memcmp(data + p + 4, "IDAT", 4)) {
            memcpy(z + zlen, data + p + 8, n);
            zlen += n;
        }
        p += 12 + n;
    }
    size_t stride = (size_t)info->width * (size_t)bpp, need = (stride + 1) * info->height, got = 0;
    if (z && depth == 8 && bpp && !interlace && (raw = malloc(need + 1)) &&
        zlib_inflate(z, zlen, raw, need, &got) == 0 && got == need) {
        unsigned *seen = calloc(8192, sizeof *seen);
        size_t inked = 0;
        for (size_t y = 0; seen && y < info->height; y++) {
            unsigned char *row = raw + y * (stride + 1), *cur = row + 1;
            unsigned char *prev = y ? raw + (y - 1) * (stride + 1) + 1 : NULL;
            for (size_t x = 0; x < stride; x++) {
                int a = x >= (size_t)bpp ? cur[x - (size_t)bpp] : 0, b = prev ? prev[x] : 0;
                int c = prev && x >= (size_t)bpp ? prev[x - (size_t)bpp] : 0;
                int add = row[0] == 1   ? a
                          : row[0] == 2 ? b
                          : row[0] == 3 ? (a + b) / 2
                          : row[0] == 4 ? paeth(a, b, c)
                                        : 0;
                cur[x] = (unsigned char)(cur[x] + add);
            }
            for (size_t x = 0; x < info->width; x++) {
                const unsigned char *px = cur + x * (size_t)bpp;
                unsigned colour = 1u + ((unsigned)px[0] << 16 | (unsigned)px[1] << 8 | px[2]);
                inked += !(px[0] == 255 && px[1] == 255 && px[2] == 255);
                for (unsigned slot = (colour * 2654435761u) % 8192;; slot = (slot + 1) % 8192) {
                    if (seen[slot] == colour)
                        break;
                    if (!seen[slot]) {
                        if (info->colours < 4096) {
                            seen[slot] = colour;
                            info->colours++;
                        }
                        break;
                    }
                }
            }
        }
        info->inked = (double)inked / ((double)info->width * info->height);
        info->decoded = seen != NULL;
        free(seen);
    }
    free(raw);
    free(z);
    free(data);
    return 1;
}

/* ---- a small XML well-formedness check ------------------------------------------ */

static int name_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.' || c == ':' || c >= 0x80;
}

static int check_refs(const char *p, const char *end)
{
    for (; p < end; p++) {
        if (*p == '<')
            return 0;
        if (*p != '&')
            continue;
        const char *semi = memchr(p, ';', (size_t)(end - p));
        if (!semi || semi - p < 2 || semi - p > 10)
            return 0;
        for (const char *q = p + 1; q < semi; q++)
            if (!name_char((unsigned char)*q) && *q != '#')
                return 0;
        p = semi;
    }
    return 1;
}

/* Tags balanced, attributes quoted, references well formed, one root element. */
static int xml_well_formed(const char *text)
{
    const char *stack[256];
    size_t stack_len[256];
    int depth = 0, roots = 0;
    const char *p = text;
    while (*p) {
        if (*p != '<') {
            const char *next = strchr(p, '<');
            const char *end = next ? next : p + strlen(p);
            if (!check_refs(p, end))
                return 0;
            if (depth == 0)
                for (const char *q = p; q < end; q++)
                    if (*q != ' ' && *q != '\n' && *q != '\t' && *q != '\r')
                        return 0;
            p = end;
            continue;
        }
        if (!strncmp(p, "<?", 2) || !strncmp(p, "<!--", 4) || !strncmp(p, "<![CDATA[", 9) ||
            !strncmp(p, "<!DOCTYPE", 9)) {
            const char *end_mark = !strncmp(p, "<?", 2)     ? "?>"
                                   : !strncmp(p, "<!--", 4) ? "-->"
                                   : p[2] == '['            ? "]]>"
                                                            : ">";
            const char *close = strstr(p, end_mark);
            if (!close)
                return 0;
            p = close + strlen(end_mark);
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t n = 0;
        while (name_char((unsigned char)name[n]))
            n++;
        if (n == 0)
            return 0;
        p = name + n;
        while (*p && *p != '>' && !(p[0] == '/' && p[1] == '>')) {
            while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
                p++;
            if (*p == '>' || (p[0] == '/' && p[1] == '>'))
                break;
            if (closing || !name_char((unsigned char)*p))
                return 0;
            while (name_char((unsigned char)*p))
                p++;
            while (*p == ' ')
                p++;
            if (*p++ != '=')
                return 0;
            while (*p == ' ')
                p++;
            char quote = *p++;
            if (quote != '"' && quote != '\'')
                return 0;
            const char *end = strchr(p, quote);
            if (!end || !check_refs(p, end))
                return 0;
            p = end + 1;
        }
        if (!*p)
            return 0;
        int empty = *p == '/';
        p += empty ? 2 : 1;
        if (closing) {
            if (depth == 0 || stack_len[depth - 1] != n || strncmp(stack[depth - 1], name, n))
                return 0;
            depth--;
        } else if (!empty) {
            if (depth == 0)
                roots++;
            if (depth == 256)
                return 0;
            stack[depth] = name;
            stack_len[depth++] = n;
        } else if (depth == 0) {
            roots++;
        }
    }
    return depth == 0 && roots == 1;
}

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* ---- the checks ------------------------------------------------------------------ */

static void check_formats(tc_ctx *t)
{
    char buf[64];
    lang_number(1234567.891, 2, LANG_FR, buf, sizeof buf);
    CHECK(t, !strcmp(buf, "1" NBSP "234" NBSP "567,89"), "French number: %s", buf);
    lang_number(1234567.891, 2, LANG_EN, buf, sizeof buf);
    CHECK(t, !strcmp(buf, "1,234,567.89"), "English number: %s", buf);
    lang_number(-999.6, 0, LANG_FR, buf, sizeof buf);
    CHECK(t, !strcmp(buf, MINUS "1" NBSP "000"), "rounding carries into a new group: %s", buf);
    /* every case a label can meet: each must give exactly these bytes */
    static const struct {
        double v;
        int decimals;
        lang_code lang;
        const char *want;
    } cases[] = {
        {0, 0, LANG_FR, "0"},
        {0, 2, LANG_FR, "0,00"},
        {-0.0, 1, LANG_FR, "0,0"},
        {-250000, 0, LANG_FR, MINUS "250" NBSP "000"},
        {-1.5, 1, LANG_FR, MINUS "1,5"},
        {-1.5, 1, LANG_EN, MINUS "1.5"},
        {999, 0, LANG_FR, "999"},
        {1000, 0, LANG_FR, "1" NBSP "000"},
        {15000, 0, LANG_FR, "15" NBSP "000"},
        {0.3, 1, LANG_FR, "0,3"},
        {12345.678, 1, LANG_FR, "12" NBSP "345,7"},
        {-1234567.25, 2, LANG_FR, MINUS "1" NBSP "234" NBSP "567,25"},
        {0.05, 2, LANG_FR, "0,05"},
        {INFINITY, 0, LANG_FR, "\xE2\x80\x94"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lang_number(cases[i].v, cases[i].decimals, cases[i].lang, buf, sizeof buf);
        CHECK(t, !strcmp(buf, cases[i].want), "number %g with %d decimals: %s, not %s", cases[i].v,
              cases[i].decimals, buf, cases[i].want);
    }
    lang_number(-0.004, 1, LANG_FR, buf, sizeof buf);
    CHECK(t, !strcmp(buf, "0,0"), "no minus sign on a zero: %s", buf);
    lang_number(NAN, 1, LANG_FR, buf, sizeof buf);
    CHECK(t, !strcmp(buf, "\xE2\x80\x94"), "NaN shown as a dash");
    lang_month(2020, 1, LANG_FR, buf, sizeof buf);
    CHECK(t, !strcmp(buf, "janv. 2020"), "French month: %s", buf);
    lang_month(2021, 12, LANG_FR, buf, sizeof buf);
    CHECK(t,
          !strcmp(buf, "d\xC3\xA9"
                       "c. 2021"),
          "French December: %s", buf);
    lang_month(2021, 8, LANG_EN, buf, sizeof buf);
    CHECK(t, !strcmp(buf, "Aug 2021"), "English month: %s", buf);
    char *q = gnuplot_quote("it's `x`\n@a \\");
    CHECK(t, q && !strcmp(q, "'it''s `x` @a \\'"), "gnuplot quoting: %s", q ? q : "(null)");
    free(q);
    q = gnuplot_quote("bad \xC3 utf8 \xE2\x82\xAC");
    CHECK(t, q && !strcmp(q, "'bad ? utf8 \xE2\x82\xAC'"), "malformed UTF-8 replaced: %s",
          q ? q : "(null)");
    free(q);
    /* a string handed over is quoted and freed (the sanitizers see a leak otherwise); a
     * failed allocation marks the script out of memory, so that it is not run truncated */
    sbuf b = {0};
    gnuplot_quote_taken(&b, pc_strf("%s's", "it"));
    CHECK(t, !b.oom && b.s && !strcmp(b.s, "'it''s'"), "a string handed over quoted: %s",
          b.s ? b.s : "(null)");
    gnuplot_quote_taken(&b, NULL);
    CHECK(t, b.oom, "a failed allocation handed over marks the script out of memory");
    sbuf_clear(&b);
}

static void check_png(tc_ctx *t, const char *dir, const char *name)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    png_info info;
    int ok = read_png(path, &info);
    CHECK(t, ok && info.width == 1200 && info.height == 720, "%s.png: PNG of 1200 x 720 (%u x %u)",
          name, info.width, info.height);
    CHECK(t, info.decoded && info.colours >= 12 && info.inked > 0.02 && info.inked < 0.9,
          "%s.png: drawn (%zu colours, %.1f %% inked)", name, info.colours, 100 * info.inked);
}

/* The SVG parses and holds `series` plotted elements and the given texts. */
static void check_svg(tc_ctx *t, const char *dir, const char *name, int series,
                      const char *const *texts, size_t n_texts)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    size_t len;
    char *svg = (char *)slurp(path, &len);
    CHECK(t, svg && xml_well_formed(svg), "%s.svg: well-formed XML", name);
    /* gnuplot numbers the plotted elements; an opaque key draws them twice */
    int groups = 0;
    for (const char *p = svg; p && (p = strstr(p, "<g id=\"gnuplot_plot_")); p++) {
        int k = atoi(p + strlen("<g id=\"gnuplot_plot_"));
        groups = k > groups ? k : groups;
    }
    CHECK(t, groups == series, "%s.svg: %d plotted elements (expected %d)", name, groups, series);
    for (size_t i = 0; i < n_texts; i++)
        CHECK(t, svg && strstr(svg, texts[i]), "%s.svg: shows \"%s\"", name, texts[i]);
    free(svg);
}

/* Value of the data file cell (row = period label, column header). */
static int data_cell(const cfg_table *tab, const char *period, const char *column, double *out)
{
    long col = -1;
    for (size_t i = 0; i < tab->rows[0].n; i++)
        if (!strcmp(tab->rows[0].fields[i], column))
            col = (long)i;
    for (size_t r = 1; col >= 0 && r < tab->n_rows; r++)
        if (!strcmp(tab->rows[r].fields[0], period)) {
            const char *v = tab->rows[r].fields[col];
            *out = !strcmp(v, "NA") ? NAN : strtod(v, NULL);
            return 1;
        }
    return 0;
}

static int same(double a, double b)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1, fabs(b));
}

static void check_data_files(tc_ctx *t, const char *dir, const rundir *run)
{
    char path[700];
    pc_err err;
    cfg_table *tab = NULL;
    snprintf(path, sizeof path, "%s/fan-stock.rsa.csv", dir);
    int ok = cfg_read_csv(path, &tab, &err) == PC_OK && tab->n_rows == MONTHS + 1;
    int matches = 0;
    for (int k = 0; ok && k < MONTHS; k++) {
        rundir_stat st;
        char month[16];
        double p05, p50, p95;
        snprintf(month, sizeof month, "%04d-%02d", 2020 + k / 12, k % 12 + 1);
        matches += rundir_value(run, RUNDIR_MONTHLY, "stock.rsa", 2020 * 12 + k, &st) &&
                   data_cell(tab, month, "1:stock.rsa:p05", &p05) && same(p05, st.p05) &&
                   data_cell(tab, month, "1:stock.rsa:p50", &p50) && same(p50, st.p50) &&
                   data_cell(tab, month, "1:stock.rsa:p95", &p95) && same(p95, st.p95);
    }
    CHECK(t, ok && matches == MONTHS,
          "fan data file: p05, p50, p95 of %d months as monthly.csv "
          "(%d match)",
          MONTHS, matches);
    cfg_table_free(tab);
    tab = NULL;

    snprintf(path, sizeof path, "%s/wait3m-iae_queue.csv", dir);
    double na = 0;
    ok = cfg_read_csv(path, &tab, &err) == PC_OK &&
         data_cell(tab, "2020-05", "1:wait.iae_queue.share3m:p50", &na);
    CHECK(t, ok && isnan(na), "a ratio with no observation stays NA in the data file");
    cfg_table_free(tab);
    tab = NULL;

    snprintf(path, sizeof path, "%s/budget-funder.csv", dir);
    ok = cfg_read_csv(path, &tab, &err) == PC_OK && tab->n_rows == 6;
    int good = 0;
    for (int y = 2020; ok && y < 2025; y++) {
        char year[16];
        snprintf(year, sizeof year, "%d", y);
        rundir_stat dep, etat, total;
        double m1, m2, top1, top2, p05, p95;
        good += rundir_value(run, RUNDIR_YEARLY, "funder.departement", y, &dep) &&
                rundir_value(run, RUNDIR_YEARLY, "funder.etat", y, &etat) &&
                rundir_value(run, RUNDIR_YEARLY, "cost.total", y, &total) &&
                data_cell(tab, year, "1:funder.departement:mean", &m1) && same(m1, dep.mean) &&
                data_cell(tab, year, "1:funder.etat:mean", &m2) && same(m2, etat.mean) &&
                data_cell(tab, year, "1:funder.departement:top", &top1) && same(top1, dep.mean) &&
                data_cell(tab, year, "1:funder.etat:top", &top2) &&
                same(top2, dep.mean + etat.mean) &&
                data_cell(tab, year, "1:cost.total:p05", &p05) && same(p05, total.p05) &&
                data_cell(tab, year, "1:cost.total:p95", &p95) && same(p95, total.p95);
    }
    CHECK(t, good == 5,
          "budget data file: funders stacked from yearly.csv, total's interval "
          "(%d of 5 years match)",
          good);
    cfg_table_free(tab);
}

static const plot_options svg_only = {.formats = GNUPLOT_SVG};

static void check_every_chart(tc_ctx *t, rundir *run)
{
    char dir[512];
    tc_path(t, "ref/charts", dir, sizeof dir);
    plot_list *list = NULL;
    pc_err err = {{0}};
    int rc = plot_draw((const rundir *const *)&run, 1, dir, NULL, &list, &err);
    CHECK(t, rc == PC_OK, "one run folder: every chart drawn (%s)", rc ? err.msg : "ok");
    if (rc)
        return;
    static const char *const expected[] = {
        "fan-stock.rsa",   "fan-queue.iae_queue", "wait3m-iae_queue", "etp-iae_places",
        "staff-referents", "budget-funder",       "budget-cost",      "budget-cost-insertion",
        "flows-rsa",       "survival-rsa"};
    int all = list->n == sizeof expected / sizeof expected[0];
    for (size_t i = 0; all && i < list->n; i++)
        all = !strcmp(list->charts[i].name, expected[i]);
    CHECK(t, all, "the ten chart types, in reading order (%zu charts)", list->n);
    CHECK(t, list->notes == NULL, "gnuplot drew them without a warning (%s)",
          list->notes ? list->notes : "none");
    /* the model's observed points: the three of stock.rsa on its chart, none elsewhere */
    char obs[700];
    snprintf(obs, sizeof obs, "%s/fan-stock.rsa-observed.csv", dir);
    size_t obs_len;
    char *obs_text = (char *)slurp(obs, &obs_len);
    CHECK(t, obs_text && count_of(obs_text, "\n") == 4 && strstr(obs_text, "2020-06,2020.41"),
          "the observed points of stock.rsa are written beside its chart");
    free(obs_text);
    snprintf(obs, sizeof obs, "%s/fan-queue.iae_queue-observed.csv", dir);
    CHECK(t, !exists(obs), "no observed points where the model has none");
    for (size_t i = 0; i < list->n; i++)
        check_png(t, dir, list->charts[i].name);
    const char *stock_texts[] = {"Allocataires du RSA : personnes pr\xC3\xA9sentes", "janv. 2021",
                                 "16" NBSP "000",
                                 "m\xC3\xA9"
                                 "diane"};
    check_svg(t, dir, "fan-stock.rsa", 4, stock_texts, 4);
    const char *wait_texts[] = {"0" NBSP "%</text>"};
    check_svg(t, dir, "wait3m-iae_queue", 3, wait_texts, 1);
    const char *etp_texts[] = {"ETP conventionn\xC3\xA9s", "ETP occup\xC3\xA9s"};
    check_svg(t, dir, "etp-iae_places", 4, etp_texts, 2);
    const char *budget_texts[] = {"D\xC3\xA9partement", "\xC3\x89tat", "M\xE2\x82\xAC par an",
                                  "2024"};
    check_svg(t, dir, "budget-funder", 3, budget_texts, 4);
    const char *cost_texts[] = {"Allocation RSA", "Aide au poste"};
    check_svg(t, dir, "budget-cost", 3, cost_texts, 2);
    const char *flow_texts[] = {"entr\xC3\xA9"
                                "es",
                                "sorties"};
    check_svg(t, dir, "flows-rsa", 2, flow_texts, 2);
    const char *survival_texts[] = {"2 ans", "part des parcours encore en cours"};
    check_svg(t, dir, "survival-rsa", 2, survival_texts, 2);
    check_data_files(t, dir, run);
    plot_list_free(list);

    /* the same inputs give the same bytes */
    char again[512], a[700], b[700];
    tc_path(t, "ref/again", again, sizeof again);
    rc = plot_draw((const rundir *const *)&run, 1, again, &svg_only, NULL, &err);
    snprintf(a, sizeof a, "%s/fan-stock.rsa.svg", dir);
    snprintf(b, sizeof b, "%s/fan-stock.rsa.svg", again);
    size_t la = 0, lb = 0;
    unsigned char *da = slurp(a, &la), *db = slurp(b, &lb);
    CHECK(t, rc == PC_OK && da && db && la == lb && !memcmp(da, db, la),
          "drawn twice, the SVG bytes are the same");
    free(da);
    free(db);
}

static void check_overlay_and_english(tc_ctx *t, rundir *ref, rundir *alt)
{
    char dir[512];
    tc_path(t, "overlay", dir, sizeof dir);
    const rundir *both[2] = {ref, alt};
    plot_options opt = {.formats = GNUPLOT_SVG, .lang = LANG_EN};
    pc_err err = {{0}};
    int rc = plot_draw(both, 2, dir, &opt, NULL, &err);
    CHECK(t, rc == PC_OK, "two runs overlaid, in English (%s)", rc ? err.msg : "ok");
    const char *texts[] = {"Comparison of 2 scenarios", "Jan 2021", "Variante B", "16,000"};
    check_svg(t, dir, "fan-stock.rsa", 7, texts, 4);
    const char *budget[] = {"2 = Variante B", "\xE2\x82\xAC million per year"};
    check_svg(t, dir, "budget-funder", 8, budget, 2);
}

/* A label that would run commands if pasted into gnuplot or a shell unquoted. */
static void check_hostile_label(tc_ctx *t, rundir *run)
{
    char marker[512], dir[512];
    tc_path(t, "pwned", marker, sizeof marker);
    tc_path(t, "hostile", dir, sizeof dir);
    char label[4096];
    snprintf(label, sizeof label,
             "O'Neil \"x\" `touch %s` system(\"touch %s\")\n!touch %s\nset output '%s'; @m", marker,
             marker, marker, marker);
    int rc = rundir_set_label(run, label);
    pc_err err = {{0}};
    plot_options opt = {
        .formats = GNUPLOT_SVG, .vars = (const char *const[]){"stock.rsa"}, .n_vars = 1};
    rc = rc ? rc : plot_draw((const rundir *const *)&run, 1, dir, &opt, NULL, &err);
    CHECK(t, rc == PC_OK, "a hostile label draws (%s)", rc ? err.msg : "ok");
    CHECK(t, access(marker, F_OK) != 0, "no command of the label ran");
    char expected[2048];
    snprintf(expected, sizeof expected, "`touch %s` system(\"touch %s\") !touch", marker, marker);
    const char *texts[] = {"O'Neil \"x\" ", expected};
    check_svg(t, dir, "fan-stock.rsa", 4, texts, 2);
}

static void check_failures(tc_ctx *t, rundir *run)
{
    char dir[512], empty[512];
    pc_err err = {{0}};
    /* no gnuplot on PATH: a clear message, the data files still written */
    tc_path(t, "nognuplot", dir, sizeof dir);
    tc_path(t, "empty-bin", empty, sizeof empty);
    mkdir(empty, 0777);
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", empty, 1);
    int rc = plot_draw((const rundir *const *)&run, 1, dir, &svg_only, NULL, &err);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    char data[700];
    snprintf(data, sizeof data, "%s/fan-stock.rsa.csv", dir);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "gnuplot is not installed"),
          "no gnuplot: input error saying so (%s)", err.msg);
    CHECK(t, exists(data), "no gnuplot: the data files are written");

    /* a gnuplot error: its message is passed on */
    char tpl[512], path[700];
    tc_path(t, "broken-plots", tpl, sizeof tpl);
    mkdir(tpl, 0777);
    static const char *const names[] = {"common.gp", "fan.gp", "bars.gp", "lines.gp"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "plots/%s", names[i]);
        size_t len;
        char *text = (char *)slurp(path, &len);
        snprintf(path, sizeof path, "%s/%s", tpl, names[i]);
        FILE *f = fopen(path, "w");
        if (f && text) {
            fputs(text, f);
            if (i == 1)
                fputs("frobnicate the axes\n", f);
        }
        if (f)
            fclose(f);
        free(text);
    }
    tc_path(t, "gnuplot-error", dir, sizeof dir);
    plot_options opt = {.formats = GNUPLOT_SVG, .templates = tpl};
    rc = plot_draw((const rundir *const *)&run, 1, dir, &opt, NULL, &err);
    CHECK(t,
          rc == PC_EINPUT && strstr(err.msg, "gnuplot failed") &&
              strstr(err.msg, "invalid command"),
          "a gnuplot error: its message shown (%s)", err.msg);

    /* a folder that is not a run */
    rundir *none = NULL;
    tc_path(t, "no-such-run", dir, sizeof dir);
    rc = rundir_load(dir, &none, &err);
    CHECK(t, rc == PC_EINPUT && none == NULL && strstr(err.msg, "no-such-run"),
          "a missing run folder: input error naming it");
    char command[] = "plot";
    char *argv_none[] = {command};
    char *argv_bad[] = {command, dir};
    CHECK(t, cmd_plot(NULL, 1, argv_none) == PC_EUSAGE, "plot without a folder exits 2");
    CHECK(t, cmd_plot(NULL, 2, argv_bad) == PC_EINPUT, "plot of a missing folder exits 1");
}

/* Every src and href of the page names a file of the report folder. */
static void check_page_links(tc_ctx *t, const char *dir, const char *page)
{
    int links = 0, broken = 0, images = 0;
    const char *attrs[] = {"src=\"", "href=\""};
    for (int a = 0; a < 2; a++)
        for (const char *p = page; (p = strstr(p, attrs[a]));) {
            p += strlen(attrs[a]);
            const char *end = strchr(p, '"');
            if (!end)
                break;
            if (*p != '#') {
                char target[600], path[1200];
                size_t n = 0;
                for (const char *q = p; q < end && n + 1 < sizeof target; q++) {
                    unsigned hex;
                    if (*q == '%' && sscanf(q + 1, "%2x", &hex) == 1) {
                        target[n++] = (char)hex;
                        q += 2;
                    } else {
                        target[n++] = *q;
                    }
                }
                target[n] = '\0';
                snprintf(path, sizeof path, "%s/%s", dir, target);
                links++;
                images += a == 0;
                if (!exists(path)) {
                    broken++;
                    printf("     missing: %s\n", target);
                }
            }
            p = end;
        }
    CHECK(t, images >= 20 && broken == 0, "index.html: %d links and %d images, all resolve", links,
          images);
    CHECK(t, !strstr(page, "http://") && !strstr(page, "https://") && !strstr(page, "<script"),
          "index.html: no external address, no script");
}

/* The data-mean of the key-figure cell of variable and period in column `run`. */
static double page_figure(const char *page, const char *variable, const char *period, int run)
{
    char needle[200];
    snprintf(needle, sizeof needle, "data-variable=\"%s\" data-period=\"%s\" data-mean=\"",
             variable, period);
    const char *p = page;
    for (int i = 0; i <= run; i++) {
        p = strstr(p, needle);
        if (!p)
            return NAN;
        p += strlen(needle);
    }
    return strtod(p, NULL);
}

static void check_report(tc_ctx *t)
{
    char dir[512], buf[512];
    tc_path(t, "report", dir, sizeof dir);
    mkdir(dir, 0777);
    make_run(t, "report/reference",
             "R\xC3\xA9"
             "f\xC3\xA9rence",
             0, buf, sizeof buf);
    make_run(t, "report/variant", "Parrainage <renforc\xC3\xA9> & co", 1, buf, sizeof buf);
    report_change change = {"2021-01", "resource.iae_places.capacity", "180"};
    report_scenario scenarios[2] = {{.name = "reference", .source = "scenarios/x/ref.ini"},
                                    {.name = "variant", .changes = &change, .n_changes = 1}};
    pc_err err = {{0}};
    int rc = report_build(dir, scenarios, 2, NULL, NULL, &err);
    CHECK(t, rc == PC_OK, "report of two runs built (%s)", rc ? err.msg : "ok");
    char path[700];
    snprintf(path, sizeof path, "%s/index.html", dir);
    size_t len;
    char *page = (char *)slurp(path, &len);
    CHECK(t, page != NULL, "index.html written");
    if (!page)
        return;
    check_page_links(t, dir, page);
    CHECK(t,
          strstr(page, "Parrainage &lt;renforc\xC3\xA9&gt; &amp; co") &&
              strstr(page, "resource.iae_places.capacity") &&
              strstr(page, "<b>de test</b>") == NULL,
          "labels, descriptions and changes are shown as text");
    /* the paired interval of the État's cumulative budget: replication r differs by
     * 1e5 r euros (make_run), r = 0..9, whose type-7 5 % and 95 % quantiles are 0,045 and
     * 0,855 M€ */
    CHECK(t, strstr(page, "[0,0 " NDASH " 0,9]</span>") != NULL,
          "the difference from the reference has its paired 90 %% interval");
    CHECK(t, count_of(page, "<section class=\"chart\">") == 33 && strstr(page, "@media print"),
          "every chart in its own printable section (%d)",
          count_of(page, "<section class=\"chart\">"));

    rundir *runs[2] = {NULL, NULL};
    snprintf(path, sizeof path, "%s/reference", dir);
    rundir_load(path, &runs[0], &err);
    snprintf(path, sizeof path, "%s/variant", dir);
    rundir_load(path, &runs[1], &err);
    int good = 0, cells = 0;
    for (int r = 0; r < 2 && runs[0] && runs[1]; r++) {
        rundir_stat st;
        const struct {
            const char *var, *period;
            rundir_table table;
            int when;
        } figures[] = {{"stock.rsa", "2022-12", RUNDIR_MONTHLY, 2022 * 12 + 11},
                       {"stock.rsa", "2024-12", RUNDIR_MONTHLY, 2024 * 12 + 11},
                       {"etp.iae_places", "2022", RUNDIR_YEARLY, 2022},
                       {"etp.iae_places", "2024", RUNDIR_YEARLY, 2024},
                       {"wait.iae_queue.mean", "2022", RUNDIR_YEARLY, 2022}};
        for (size_t i = 0; i < sizeof figures / sizeof figures[0]; i++, cells++)
            good += rundir_value(runs[r], figures[i].table, figures[i].var, figures[i].when, &st) &&
                    same(page_figure(page, figures[i].var, figures[i].period, r), st.mean);
        const char *funders[] = {"funder.departement", "funder.etat", "cost.total"};
        for (int i = 0; i < 3; i++, cells++) {
            double sum = 0;
            for (int y = 2020; y < 2025; y++)
                if (rundir_value(runs[r], RUNDIR_YEARLY, funders[i], y, &st))
                    sum += st.mean;
            good += same(page_figure(page, funders[i], "2020-2024", r), sum);
        }
    }
    CHECK(t, good == cells && cells == 16,
          "key figures: %d of %d cells match monthly.csv and yearly.csv", good, cells);
    /* replications 0..9 of funder.etat in the reference: 9e7 + 1e5 r; type-7 quantiles */
    const char *interval = "[90,0 \xE2\x80\x93 90,9]";
    CHECK(t, strstr(page, interval) != NULL,
          "cumulative budget interval from replications.csv (%s)", interval);
    snprintf(path, sizeof path, "%s/key-figures.csv", dir);
    cfg_table *tab = NULL;
    rc = cfg_read_csv(path, &tab, &err);
    CHECK(t, rc == PC_OK && tab->n_rows == 1 + 2 * 9,
          "key-figures.csv: one row per indicator and scenario");
    cfg_table_free(tab);
    rundir_free(runs[0]);
    rundir_free(runs[1]);
    free(page);
}

/* The line type of the gnuplot element ending just before `at` (its last " lt N"), or 0. */
static int lt_before(const char *line, const char *at)
{
    int lt = 0;
    for (const char *q = line; (q = strstr(q, " lt ")) && q < at; q += 4)
        lt = atoi(q + 4);
    return lt;
}

/* The probability of exceeding a threshold is the share of replications strictly above
 * it: dist_exceed on hand-made values, then the page of a report, whose every scenario's
 * probability must equal the share counted here from the values make_run wrote into
 * replications.csv (funder.etat of replication r of run k: 9e7 + 1e5 r (1 + 0.2 k)).
 * Exact: the counts are whole numbers of replications. */
static void check_exceed(tc_ctx *t, const char *dir, int n_runs)
{
    const double x[] = {1, 2, 3, NAN, 4, 5};
    CHECK(t, dist_exceed(x, 6, 3) == 0.4, "2 of 5 finite values above 3: %g", dist_exceed(x, 6, 3));
    CHECK(t, dist_exceed(x, 6, 0) == 1 && dist_exceed(x, 6, 5) == 0,
          "all above the minimum's floor, none above the maximum");
    CHECK(t, isnan(dist_exceed(x + 3, 1, 0)), "no finite value: no probability");
    char path[700];
    snprintf(path, sizeof path, "%s/index.html", dir);
    size_t len;
    char *page = (char *)slurp(path, &len);
    const char *p = page;
    int matched = 0;
    for (int k = 0; k < n_runs && p; k++) {
        p = strstr(p, "data-exceed=\"");
        if (!p)
            break;
        p += 13;
        double shown = strtod(p, NULL);
        int above = 0;
        for (int r = 0; r < 10; r++) {
            char v[32]; /* the value as make_run printed it */
            snprintf(v, sizeof v, "%.2f", 9e7 + 1e5 * r * (1 + 0.2 * k));
            above += strtod(v, NULL) > 9.035e7;
        }
        matched += fabs(shown - above / 10.0) < 1e-12;
    }
    CHECK(t, matched == n_runs,
          "the page's probability of exceeding the threshold is the share of replications "
          "above it, for %d of %d scenarios",
          matched, n_runs);
    free(page);
}

/* A report of six scenarios, the most a committee compares at once.  Two rules of
 * readability are checked on the gnuplot scripts the report keeps (charts.gp):
 * no plot overlays more than 3 scenarios' bands (beyond, small multiples), and each
 * scenario keeps one line type in every chart of the report, its own charts and the
 * overlays alike.  Exact counts: nothing here is random. */
static void check_six_scenarios(tc_ctx *t)
{
    enum { N = 6 };
    char dir[512], buf[512], labels[N][32], names[N][16];
    tc_path(t, "six", dir, sizeof dir);
    mkdir(dir, 0777);
    report_scenario sc[N];
    for (int r = 0; r < N; r++) {
        snprintf(names[r], sizeof names[r], "s%d", r + 1);
        snprintf(labels[r], sizeof labels[r], "Sc\xC3\xA9nario num\xC3\xA9ro %d", r + 1);
        char rel[160];
        snprintf(rel, sizeof rel, "six/%s", names[r]);
        make_run(t, rel, labels[r], 0.2 * r, buf, sizeof buf);
        sc[r] = (report_scenario){.name = names[r]};
    }
    pc_err err = {{0}};
    report_options opt = {.threshold_var = "funder.etat", .threshold = 9.035e7};
    int rc = report_build(dir, sc, N, &opt, NULL, &err);
    CHECK(t, rc == PC_OK, "report of six runs built (%s)", rc ? err.msg : "ok");
    check_exceed(t, dir, N);
    char path[700];
    snprintf(path, sizeof path, "%s/compare/charts.gp", dir);
    size_t len;
    char *script = (char *)slurp(path, &len);
    CHECK(t, script != NULL, "the overlays' script is kept as compare/charts.gp");
    if (!script)
        return;
    int worst = 0, panels = 0, banded = 0, titled = 0, wrong = 0, panel_run = -1;
    for (char *line = strtok(script, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "set multiplot", 13))
            panels++;
        if (!strncmp(line, "set title '", 11)) {
            panel_run = -1;
            for (int r = 0; r < N; r++)
                if (!strncmp(line + 11, labels[r], strlen(labels[r])) &&
                    line[11 + strlen(labels[r])] == '\'')
                    panel_run = r;
        }
        if (strncmp(line, "plot ", 5))
            continue;
        int bands = count_of(line, "band90");
        worst = bands > worst ? bands : worst;
        banded += bands > 0;
        for (int r = 0; r < N; r++) {
            char needle[256];
            snprintf(needle, sizeof needle, "title '%s", labels[r]);
            for (const char *q = line; (q = strstr(q, needle)); q++) {
                titled++;
                wrong += lt_before(line, q) != r + 1;
            }
        }
        if (panel_run >= 0) /* a panel: every line type is its run's */
            for (const char *q = line; (q = strstr(q, " lt ")); q += 4) {
                titled++;
                wrong += atoi(q + 4) != panel_run + 1;
            }
        panel_run = -1;
    }
    CHECK(t, banded > 0 && worst <= 3, "no plot overlays more than 3 bands (%d at most, %d plots)",
          worst, banded);
    CHECK(t, panels > 0, "six scenarios are drawn as small multiples (%d charts)", panels);
    CHECK(t, titled > 0 && wrong == 0,
          "each scenario keeps its line type in the overlays (%d of %d elements differ)", wrong,
          titled);
    free(script);
    for (int r = 0; r < N; r++) {
        snprintf(path, sizeof path, "%s/%s/charts/charts.gp", dir, names[r]);
        script = (char *)slurp(path, &len);
        int seen = 0, off = 0;
        for (const char *q = script; q && (q = strstr(q, " lt ")); q += 4) {
            seen++;
            off += atoi(q + 4) != r + 1;
        }
        CHECK(t, seen > 0 && off == 0,
              "scenario %d draws its own charts in its line type %d (%d of %d differ)", r + 1,
              r + 1, off, seen);
        free(script);
    }
}

/* The scatter of an output against the uncertain parameters: Spearman's rho on known
 * answers, one point per replication in the data file, fixed parameters left out, the
 * parameters ranked by |rho|.  Exact answers: ranks of monotone data. */
static void check_scatter(tc_ctx *t, const rundir *ref)
{
    double x[6] = {1, 2, 3, 4, 5, 6}, up[6] = {1, 8, 27, 64, 125, 216}, down[6], flat[6], work[12];
    for (int i = 0; i < 6; i++) {
        down[i] = -up[i];
        flat[i] = 3;
    }
    CHECK(t, fabs(scatter_spearman(x, up, 6, work) - 1) < 1e-12, "Spearman of a monotone rise: 1");
    CHECK(t, fabs(scatter_spearman(x, down, 6, work) + 1) < 1e-12,
          "Spearman of a monotone fall: -1");
    CHECK(t, isnan(scatter_spearman(x, flat, 6, work)), "Spearman against a constant: NaN");

    char dir[512], path[700];
    snprintf(dir, sizeof dir, "%s/replications.csv", rundir_path(ref));
    FILE *f = fopen(dir, "w");
    /* cost.total rises with a, falls with c, ignores b (fixed) and d (no pattern but a few
     * ties: |rho| small) */
    fputs("replication,seed,param.a,param.b,param.c,param.d,cost.total\n", f);
    for (int i = 0; i < 30; i++)
        fprintf(f, "%d,7,%d,5,%d,%d,%.1f\n", i, i, 100 - 2 * i, (i * 7) % 5, 1e6 * (10 + i));
    fclose(f);
    tc_path(t, "scatter", dir, sizeof dir);
    mkdir(dir, 0777);
    plot_list *list = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
    scatter_summary sum;
    pc_err err = {{0}};
    int rc = scatterplot_draw(dir, ref, "cost.total", LANG_FR, list, &sum, &err);
    CHECK(t, rc == PC_OK && list->n == 1 && !strcmp(list->charts[0].group, "scatter"),
          "scatter drawn (%s)", rc ? err.msg : "ok");
    CHECK(t, sum.n_uncertain == 3 && sum.n_shown == 3 && sum.n_points == 30,
          "3 varying parameters of 4, 30 points (%zu, %zu, %zu)", sum.n_uncertain, sum.n_shown,
          sum.n_points);
    snprintf(path, sizeof path, "%s/scatter-cost.total.csv", dir);
    size_t len = 0;
    char *data = (char *)slurp(path, &len);
    CHECK(t,
          data && count_of(data, "\n") == 31 && !strncmp(data, "replication,cost.total,", 23) &&
              !strstr(data, "param.b"),
          "scatter-cost.total.csv: a header and one row per replication, the fixed b left out");
    free(data);
    snprintf(path, sizeof path, "%s/scatter-cost.total-rank.csv", dir);
    data = (char *)slurp(path, &len);
    /* a and c tie at |rho| = 1 (to rounding): by name */
    const char *c = data ? strstr(data, "\nc,") : NULL, *d = c ? strstr(c, "\nd,") : NULL;
    CHECK(t,
          data && !strncmp(data, "parameter,spearman\na,", 21) &&
              fabs(strtod(data + 21, NULL) - 1) < 1e-12 && c &&
              fabs(strtod(c + 3, NULL) + 1) < 1e-12 && d,
          "the ranks: a (rho 1), c (rho -1), then d: %.60s", data ? data : "(none)");
    free(data);
    snprintf(path, sizeof path, "%s/scatter-cost.total.png", dir);
    CHECK(t, exists(path), "scatter-cost.total.png written");
    plot_list_free(list);
}

/* The Sobol chart draws the study's indices, the largest total first. */
static void check_sobol_chart(tc_ctx *t)
{
    sens_index idx[3] = {{0.10, 0.02, 0.2, 0.15, 0.05, 0.3},
                         {0.60, 0.45, 0.75, 0.70, 0.55, 0.85},
                         {-0.01, -0.05, 0.03, 0.02, 0.0, 0.06}};
    int params[3] = {0, 1, 2};
    sens_sobol_result r = {.k = 3, .n = 64, .params = params, .indices = idx};
    const char *names[3] = {"emploi", "entrees", "abandon"};
    cmp_key output = {0};
    snprintf(output.name, sizeof output.name, "stock.rsa");
    snprintf(output.label, sizeof output.label, "stock.rsa 2024");
    char dir[512], path[700];
    tc_path(t, "sobol", dir, sizeof dir);
    mkdir(dir, 0777);
    plot_list *list = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
    pc_err err = {{0}};
    int rc = sensplot_sobol(dir, &r, names, &output, LANG_FR, list, &err);
    CHECK(t, rc == PC_OK && list->n == 1, "Sobol chart drawn (%s)", rc ? err.msg : "ok");
    snprintf(path, sizeof path, "%s/sobol-chart.csv", dir);
    size_t len = 0;
    char *data = (char *)slurp(path, &len);
    CHECK(
        t,
        data &&
            strstr(
                data,
                "\n1,entrees,0.59999999999999998,0.45000000000000001,0.75,0.69999999999999996,") &&
            strstr(data, "\n2,emploi,0.10000000000000001,") && strstr(data, "\n3,abandon,-0.01,"),
        "sobol-chart.csv: the study's numbers, largest total first");
    free(data);
    snprintf(path, sizeof path, "%s/sobol.png", dir);
    CHECK(t, exists(path), "sobol.png written");
    plot_list_free(list);
}

/* Whether the file dir/name holds text. */
static int file_has(const char *dir, const char *name, const char *text)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len = 0;
    char *data = (char *)slurp(path, &len);
    int found = data && strstr(data, text) != NULL;
    free(data);
    return found;
}

/* The tornado chart: drawn, with its script kept as tornado.gp, the French decimal comma, a
 * key of 255 characters with an apostrophe whole and quoted in its tick, the title quoted;
 * in English, no decimal comma and the English legend. */
static void check_tornado_chart(tc_ctx *t)
{
    sens_oat_row rows[2] = {{.mean_low = 900, .mean_high = 1100},
                            {.mean_low = 990.5, .mean_high = 1003.25}};
    char ks[247];
    memset(ks, 'k', 246);
    ks[246] = '\0';
    snprintf(rows[0].vary.key, sizeof rows[0].vary.key, "%sl'entree", ks);
    snprintf(rows[0].vary.low, sizeof rows[0].vary.low, "80");
    snprintf(rows[0].vary.high, sizeof rows[0].vary.high, "120");
    snprintf(rows[1].vary.key, sizeof rows[1].vary.key, "mu");
    snprintf(rows[1].vary.low, sizeof rows[1].vary.low, "0.08");
    snprintf(rows[1].vary.high, sizeof rows[1].vary.high, "0.12");
    sens_oat_result r = {.n = 2, .reps = 10, .base_mean = 1000, .rows = rows};
    cmp_key output = {0};
    snprintf(output.name, sizeof output.name, "stock.rsa");
    snprintf(output.label, sizeof output.label,
             "stock d'entr\xC3\xA9"
             "e 2024");
    char dir[512], tick[400];
    for (int en = 0; en <= 1; en++) {
        tc_path(t, en ? "tornado-en" : "tornado", dir, sizeof dir);
        mkdir(dir, 0777);
        plot_list *list = plot_list_alloc(GNUPLOT_PNG | GNUPLOT_SVG);
        pc_err err = {{0}};
        int rc = sensplot_tornado(dir, &r, &output, en ? LANG_EN : LANG_FR, list, &err);
        CHECK(t, rc == PC_OK && list->n == 1 && !strcmp(list->charts[0].name, "tornado"),
              "tornado chart drawn and listed (%s)", rc ? err.msg : "ok");
        CHECK(t, list->notes == NULL, "gnuplot drew the tornado without a warning (%s)",
              list->notes ? list->notes : "");
        check_png(t, dir, "tornado");
        const char *texts[] = {en ? "low value" : "valeur basse", "mu (0.08 \xE2\x80\x93 0.12)"};
        check_svg(t, dir, "tornado", 2, texts, 2);
        CHECK(t, file_has(dir, "tornado.gp", "set decimalsign ','") == !en,
              "tornado.gp: the decimal comma in French only");
        snprintf(tick, sizeof tick, "'%sl''entree (80 \xE2\x80\x93 120)' 2", ks);
        CHECK(t, file_has(dir, "tornado.gp", tick), "tornado.gp: the long key whole, quoted");
        CHECK(t,
              file_has(dir, "tornado.gp",
                       en ? "'Sensitivity of stock d''entr\xC3\xA9"
                            "e 2024'"
                          : "'Sensibilit\xC3\xA9 de stock d''entr\xC3\xA9"
                            "e 2024'"),
              "tornado.gp: the title quoted");
        plot_list_free(list);
    }
}

/* The backtest chart: both panels drawn from backtest.gp, the horizons' labels read from
 * the data block (a comma separator would leave the coverage panel empty and gnuplot
 * would say so), the decimal comma in French; without gnuplot, the same message as every
 * chart and nothing but the script written. */
static void check_backtest_chart(tc_ctx *t)
{
    backtest_score scores[2] = {{.horizon = 12, .n = 4, .cover50 = 0.5, .cover90 = 0.75},
                                {.horizon = 0, .n = 4, .cover50 = 0.5, .cover90 = 0.75}};
    scores[0].pit[2] = scores[1].pit[2] = 1;
    scores[0].pit[5] = scores[1].pit[5] = 3;
    backtest_result r = {.n_rows = 4, .n_scores = 2, .scores = scores};
    char dir[512];
    tc_path(t, "backtest-chart", dir, sizeof dir);
    mkdir(dir, 0777);
    char *notes = NULL;
    pc_err err = {{0}};
    int rc = backtestplot_draw(dir, &r, LANG_FR, &notes, &err);
    CHECK(t, rc == PC_OK && notes == NULL, "backtest chart drawn without a warning (%s)",
          rc      ? err.msg
          : notes ? notes
                  : "ok");
    free(notes);
    check_png(t, dir, "backtest");
    const char *texts[] = {"12 mois", "ensemble", "bande 90 %",
                           "Pr\xC3\xA9visions face aux observations (4 pr\xC3\xA9visions)"};
    check_svg(t, dir, "backtest", 4, texts, 4);
    CHECK(t, file_has(dir, "backtest.gp", "set decimalsign ','"), "backtest.gp: the decimal comma");

    char empty[512], bare[512];
    tc_path(t, "backtest-nognuplot", bare, sizeof bare);
    tc_path(t, "empty-bin", empty, sizeof empty);
    mkdir(bare, 0777);
    mkdir(empty, 0777);
    char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", empty, 1);
    rc = backtestplot_draw(bare, &r, LANG_EN, &notes, &err);
    if (saved)
        setenv("PATH", saved, 1);
    free(saved);
    char png[700];
    snprintf(png, sizeof png, "%s/backtest.png", bare);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "gnuplot is not installed") && notes == NULL,
          "no gnuplot: input error saying so (%s)", err.msg);
    CHECK(t, !exists(png) && file_has(bare, "backtest.gp", "'90 % band'"),
          "no gnuplot: no chart, the script kept");
}

/* A run folder of populations populations (NAME:CODE, CODE empty for none) and the
 * variables vars, one month each. */
static const char *territory_run(tc_ctx *t, const char *name, const char *const *populations,
                                 size_t n_pop, const char *const *vars, size_t n_vars, char *buf,
                                 size_t size)
{
    FILE *f = new_run(t, name, buf, size);
    char path[600];
    fputs("[model]\nname = Territoires\nstart = 2020-01\nhorizon = 1\n", f);
    for (size_t i = 0; i < n_pop; i++) {
        const char *colon = strchr(populations[i], ':');
        fprintf(f, "\n[population %.*s]\nlabel = Lieu %zu \xE2\x80\x94 foyers\nentry = e\n",
                (int)(colon - populations[i]), populations[i], i);
        if (colon[1])
            fprintf(f, "territory = %s\n", colon + 1);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/monthly.csv", buf);
    f = fopen(path, "w");
    fputs("scenario,variable,month,mean,sd,p05,p25,p50,p75,p95\n", f);
    for (size_t v = 0; v < n_vars; v++)
        fprintf(f, "%s,%s,2020-01,1,0,1,1,1,1,1\n", name, vars[v]);
    fclose(f);
    return buf;
}

/* The départements of a run: which a variable belongs to (its population's name without
 * the prefix all share; the longest such token wins), and what a report focused on some
 * keeps (everything of those, only the table's stock and indicators of the others,
 * everything that belongs to none) or shows in its summary. */
static void check_territory(tc_ctx *t)
{
    char code[4];
    static const struct {
        const char *text, *code;
    } codes[] = {{"26", "26"}, {"2a", "2A"}, {"2B", "2B"},  {"976", "976"}, {"05", "05"},
                 {"95", "95"}, {"5", NULL},  {"20", NULL},  {"96", NULL},   {"977", NULL},
                 {"2C", NULL}, {"00", NULL}, {"026", NULL}, {"", NULL},     {"d26", NULL}};
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        int ok = mdl_territory_code(codes[i].text, code);
        CHECK(t, codes[i].code ? ok && !strcmp(code, codes[i].code) : !ok,
              "'%s' is %s a d\xC3\xA9partement code", codes[i].text, codes[i].code ? "" : "not");
    }
    /* the national model: populations d26, d2a, d05, d976 and one without a territory */
    const char *const national[] = {"d26:26", "d2a:2a", "d05:05", "d976:976", "rsa:"};
    const char *const vars[] = {"stock.d26_pro",
                                "flow.d2a_soc.exit",
                                "stock.d05",
                                "stock.d05_pro",
                                "indicator.sorties_emploi_d05",
                                "indicator.sorties_emploi_d05.num",
                                "cost.allocation_d05",
                                "cost.total",
                                "indicator.sorties_emploi",
                                "stock.rsa",
                                "stock.d976_pro"};
    const int kept[] = {1, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0};
    const int shown[] = {1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0};
    const int owner[] = {0, 1, 2, 2, 2, 2, 2, -1, -1, -1, 3};
    size_t n_vars = sizeof vars / sizeof vars[0];
    char buf[512];
    const char *const focus_codes[] = {"26", "2A"};
    territory_focus focus = {.codes = focus_codes, .n = 2};
    rundir_filter filter = {.setup = territory_setup, .keep = territory_keep, .ctx = &focus};
    rundir *r = NULL;
    pc_err err = {{0}};
    int rc = rundir_load_filtered(
        territory_run(t, "terr-national", national, 5, vars, n_vars, buf, sizeof buf), &filter, &r,
        &err);
    CHECK(t, rc == PC_OK && focus.map.n == 4, "national run: 4 d\xC3\xA9partements (%s, %zu)",
          rc ? err.msg : "ok", focus.map.n);
    if (rc == PC_OK && focus.map.n == 4) {
        CHECK(t,
              !strcmp(focus.map.t[1].code, "2A") && !strcmp(focus.map.t[1].token, "d2a") &&
                  !strcmp(focus.map.t[1].label, "Lieu 1"),
              "2A: token %s, label %s", focus.map.t[1].token, focus.map.t[1].label);
        for (size_t i = 0; i < n_vars; i++) {
            CHECK(t, territory_of(&focus.map, vars[i]) == owner[i], "%s belongs to %d, not %d",
                  vars[i], owner[i], territory_of(&focus.map, vars[i]));
            CHECK(t, territory_keep(vars[i], &focus) == kept[i], "focus 26,2A: %s %s", vars[i],
                  kept[i] ? "kept" : "left out");
            CHECK(t, territory_summary(vars[i], &focus) == shown[i], "focus 26,2A: %s %s", vars[i],
                  shown[i] ? "in the summary" : "not in the summary");
            CHECK(t, !rundir_find(r, RUNDIR_MONTHLY, vars[i]) == !kept[i], "%s %s when read",
                  vars[i], kept[i] ? "kept" : "left out");
        }
        CHECK(t,
              territory_indicator_family(&focus.map, 2, "indicator.sorties_emploi_d05") == 14 &&
                  !territory_indicator_family(&focus.map, 2, "indicator.sorties_emploi_d05.num") &&
                  !territory_indicator_family(&focus.map, 0, "indicator.sorties_emploi_d05"),
              "the family of indicator.sorties_emploi_d05 is sorties_emploi, for 05 only");
    }
    rundir_free(r);
    /* Auvergne-Rhône-Alpes: rsa_ain, rsa_loire, rsa_haute_loire share "rsa_" */
    const char *const ara[] = {"rsa_ain:01", "rsa_loire:42", "rsa_haute_loire:43"};
    const char *const ara_vars[] = {"stock.rsa_haute_loire",
                                    "indicator.orientes_loire",
                                    "flow.orientation_haute_loire.exit",
                                    "cost.total",
                                    "stock.pe_ain",
                                    "indicator.orientes_haute_loire"};
    const int ara_owner[] = {2, 1, 2, -1, 0, 2};
    territory_map map;
    rc = rundir_load(territory_run(t, "terr-ara", ara, 3, ara_vars, 6, buf, sizeof buf), &r, &err);
    rc = rc ? rc : territory_map_read(&map, r, &err);
    CHECK(t,
          rc == PC_OK && map.n == 3 && !strcmp(map.t[2].token, "haute_loire") &&
              !strcmp(map.t[0].token, "ain"),
          "ARA: tokens ain, loire, haute_loire (%s)", rc ? err.msg : "ok");
    for (size_t i = 0; rc == PC_OK && map.n == 3 && i < 6; i++)
        CHECK(t, territory_of(&map, ara_vars[i]) == ara_owner[i], "%s belongs to %d, not %d",
              ara_vars[i], ara_owner[i], territory_of(&map, ara_vars[i]));
    if (rc == PC_OK) {
        CHECK(t,
              territory_indicator_family(&map, 2, "indicator.orientes_haute_loire") == 8 &&
                  !territory_indicator_family(&map, 1, "indicator.orientes_haute_loire"),
              "indicator.orientes_haute_loire is Haute-Loire's, not Loire's");
        CHECK(t, territory_find(&map, "43") == 2 && territory_find(&map, "26") == -1,
              "found by code");
        territory_map_free(&map);
    }
    rundir_free(r);
    territory_map_free(&focus.map);
}

void suite_plot(tc_ctx *t)
{
    char buf[512];
    check_formats(t);
    check_territory(t);
    rundir *ref = NULL, *alt = NULL;
    pc_err err = {{0}};
    int rc = rundir_load(make_run(t, "ref",
                                  "R\xC3\xA9"
                                  "f\xC3\xA9rence",
                                  0, buf, sizeof buf),
                         &ref, &err);
    CHECK(t, rc == PC_OK, "synthetic run folder read (%s)", rc ? err.msg : "ok");
    rc = rc ? rc : rundir_load(make_run(t, "alt", "Variante B", 1, buf, sizeof buf), &alt, &err);
    if (rc) {
        rundir_free(ref);
        return;
    }
    CHECK(t,
          !strcmp(rundir_label(ref), "R\xC3\xA9"
                                     "f\xC3\xA9rence"),
          "the title comes from [scenario] label");
    check_every_chart(t, ref);
    check_overlay_and_english(t, ref, alt);
    check_failures(t, ref);
    check_hostile_label(t, ref);
    check_report(t);
    check_six_scenarios(t);
    check_scatter(t, ref);
    check_sobol_chart(t);
    check_tornado_chart(t);
    check_backtest_chart(t);
    rundir_free(ref);
    rundir_free(alt);
}
