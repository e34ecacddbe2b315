/* test_xlsx — the report's workbook (parcours.xlsx) and its PDF (rapport.pdf).
 *
 * A small report folder is written by hand (key-figures.csv with its columns in
 * another order and one more, two run folders, compare/differences.csv), so
 * that every value the workbook must show is known.  The workbook is a zip of
 * XML files, read back with `unzip -p`: its sheet names, a key figure converted
 * to M€, the number formats, the frozen panes, the labels with accents, the
 * "Écarts" sheet present only with compare/, and the errors leaving no file.
 * The PDF is printed by stand-ins for Chromium placed first on PATH (missing,
 * failing, too slow, writing no PDF: each must fail with no rapport.pdf left)
 * and, when Chromium is installed, by Chromium itself from a page of three
 * print pages, whose count is known. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "cli/cmd.h"
#include "present/pdf.h"
#include "present/sbuf.h"
#include "present/xlsx.h"

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(3);
    }
}

static void write_in(const char *dir, const char *name, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_file(path, text);
}

static int exists(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

/* Files of dir whose name starts with prefix (temporary files left behind). */
static int count_prefixed(const char *dir, const char *prefix)
{
    char command[1200];
    snprintf(command, sizeof command, "ls -a '%s'", dir);
    FILE *p = popen(command, "r");
    int n = 0;
    char line[512];
    while (p && fgets(line, sizeof line, p))
        n += strncmp(line, prefix, strlen(prefix)) == 0;
    if (p)
        pclose(p);
    return n;
}

/* The member of the zip file, as a new string (empty when it is missing). */
static char *unzip_member(const char *zip, const char *member)
{
    char command[1200];
    snprintf(command, sizeof command, "unzip -p '%s' '%s' 2>/dev/null", zip, member);
    sbuf b = {0};
    sbuf_puts(&b, "");
    FILE *p = popen(command, "r");
    char chunk[4096];
    size_t got;
    while (p && (got = fread(chunk, 1, sizeof chunk, p)) > 0)
        sbuf_add(&b, chunk, got);
    if (p)
        pclose(p);
    return sbuf_take(&b);
}

/* Whether a number cell <v>X</v> of the sheet XML is within tol of want. */
static int has_number(const char *xml, double want, double tol)
{
    for (const char *p = xml ? strstr(xml, "<v>") : NULL; p; p = strstr(p + 3, "<v>")) {
        const char *cell = p;
        while (cell > xml && strncmp(cell, "<c ", 3) != 0)
            cell--;
        if (strstr(cell, "t=\"s\"") && strstr(cell, "t=\"s\"") < p)
            continue; /* a shared string's index */
        if (fabs(strtod(p + 3, NULL) - want) <= tol)
            return 1;
    }
    return 0;
}

static const char manifest_fmt[] =
    "[model]\nname = Territoire d'essai\nstart = 2020-01\nhorizon = 24\n\n"
    "[population rsa]\nlabel = Allocataires du RSA\n\n"
    "[state suivi]\nlabel = Accompagn\xC3\xA9\n\n"
    "[resource iae]\nlabel = Postes IAE\nunit = postes\netp.weight = 0.7\n\n"
    "[cost allocation]\nlabel = Allocation RSA\nfunder = d\xC3\xA9partement\n\n"
    "[indicator oriente]\nlabel = Orient\xC3\xA9s en moins de deux mois\nkind = delay\n\n"
    "[scenario]\nlabel = %s\n\n[run]\nscenario = %s\nseed = 3\nreplications = 20\n";

/* A run folder: monthly.csv (two months), yearly.csv (2020, 2021), manifest.ini. */
static void write_run(const char *report, const char *name, const char *label, double shift)
{
    char dir[700], text[8192];
    snprintf(dir, sizeof dir, "%s/%s", report, name);
    mkdir(dir, 0755);
    snprintf(text, sizeof text,
             "scenario,variable,month,mean,sd,p05,p25,p50,p75,p95,n\n"
             "%s,stock.rsa,2020-01,1000,10,980,990,1000,1010,1020,20\n"
             "%s,stock.rsa,2020-02,1010,10,990,1000,1010,1020,1030,20\n",
             name, name);
    write_in(dir, "monthly.csv", text);
    snprintf(text, sizeof text,
             "scenario,variable,year,mean,sd,p05,p25,p50,p75,p95,n\n"
             "%s,stock.rsa,2020,%g,10,980,990,1000,1010,1020,20\n"
             "%s,stock.rsa,2021,%g,10,1080,1090,1100,1110,1120,20\n"
             "%s,stock.suivi,2020,700.5,10,680,690,700,710,720,20\n"
             "%s,stock.suivi,2021,NA,NA,NA,NA,NA,NA,NA,0\n"
             "%s,occupied.iae,2020,40,0,40,40,40,40,40,20\n"
             "%s,cost.allocation,2020,12345678.9,1000,12300000,12320000,12340000,12360000,"
             "12400000,20\n"
             "%s,indicator.oriente,2020,0.425,0.01,0.41,0.42,0.425,0.43,0.44,20\n",
             name, 1000 + shift, name, 1100 + shift, name, name, name, name, name);
    write_in(dir, "yearly.csv", text);
    snprintf(text, sizeof text, manifest_fmt, label, name);
    write_in(dir, "manifest.ini", text);
}

/* A report folder of two scenarios, compared when with_compare. */
#define REF_LABEL                                                                                  \
    "R\xC3\xA9"                                                                                    \
    "f\xC3\xA9rence \xC2\xAB telle quelle \xC2\xBB"
#define ALT_LABEL "Plus de postes [IAE] : +50 % /\xC3\xA9\xC3\xA8\xC3\xA0 essai"

static void write_report(const char *report, int with_compare)
{
    mkdir(report, 0755);
    write_run(report, "baseline", REF_LABEL, 0);
    write_run(report, "plus", ALT_LABEL, -20);
    /* columns in another order than keyfig writes them, and one more */
    write_in(
        report, "key-figures.csv",
        "scenario,variable,period,indicator,extra,label,p05,mean,p95\n"
        "baseline,stock.rsa,2021-12,Pr\xC3\xA9sents fin 2021,x," REF_LABEL ",1050,1100,1150\n"
        "plus,stock.rsa,2021-12,Pr\xC3\xA9sents fin 2021,x," ALT_LABEL ",1030,1080,1130\n"
        "baseline,cost.total,2020-2021,Co\xC3\xBBt total cumul\xC3\xA9 (M\xE2\x82\xAC),x," REF_LABEL
        ",24000000,24691357.8,25000000\n"
        "plus,cost.total,2020-2021,Co\xC3\xBBt total cumul\xC3\xA9 (M\xE2\x82\xAC),x," ALT_LABEL
        ",NA,24000000,NA\n");
    if (with_compare) {
        char dir[700];
        snprintf(dir, sizeof dir, "%s/compare", report);
        mkdir(dir, 0755);
        write_in(dir, "differences.csv",
                 "scenario,base,variable,period_kind,period,n,base_mean,alt_mean,mean,sd,ci_low,"
                 "ci_high,p05,p25,p50,p75,p95\n"
                 "plus,baseline,stock.rsa,month,2020-01,20,1000,990,-10,1,-11,-9,-12,-11,-10,-9,"
                 "-8\n"
                 "plus,baseline,stock.rsa,year,2020,20,1000,980,-20,2,-21,-19,-23,-21,-20,-19,"
                 "-17\n"
                 "plus,baseline,cost.total,total,,20,24691357.8,24000000,-691357.8,1000,-700000,"
                 "-680000,-710000,-700000,-690000,-680000,-670000\n");
    }
}

static void test_workbook(tc_ctx *t)
{
    char report[512], xlsx[600];
    tc_path(t, "xlsx-report", report, sizeof report);
    write_report(report, 1);
    snprintf(xlsx, sizeof xlsx, "%s/parcours.xlsx", report);
    pc_err err = {{0}};
    int rc = xlsx_write_report(report, &err);
    CHECK(t, rc == PC_OK && exists(report, "parcours.xlsx"),
          "a report folder gives parcours.xlsx (rc %d: %s)", rc, err.msg);
    CHECK(t, count_prefixed(report, ".parcours.xlsx") == 0, "no temporary file left");

    char *book = unzip_member(xlsx, "xl/workbook.xml");
    CHECK(t,
          strstr(book, "name=\"Chiffres cl\xC3\xA9s\"") &&
              strstr(book, "name=\"R\xC3\xA9"
                           "f\xC3\xA9rence \xC2\xAB telle quelle \xC2\xBB\"") &&
              strstr(book, "name=\"\xC3\x89"
                           "carts\""),
          "sheets: key figures, the reference by its label, differences");
    /* the second label holds [ ] : / (refused by Excel) and is longer than 31 characters */
    CHECK(t, strstr(book, "name=\"Plus de postes -IAE- - +50 % -\xC3\xA9\"") != NULL,
          "a label Excel refuses is cleaned and cut to 31 characters (whole UTF-8 characters)");
    CHECK(t,
          strstr(book, "Chiffres") < strstr(book, "\xC3\x89"
                                                  "carts"),
          "key figures first, differences last");
    free(book);

    char *keys = unzip_member(xlsx, "xl/worksheets/sheet1.xml");
    /* cost.total 24 691 357,80 euros is shown as 24,6913578 M€ */
    CHECK(t, has_number(keys, 24.6913578, 1e-9), "a key figure in euros is shown in M\xE2\x82\xAC");
    CHECK(t, has_number(keys, 1100, 0) && has_number(keys, 1050, 0),
          "a key figure and its band, read by column name whatever the column order");
    CHECK(t, has_number(keys, -20, 1e-9), "the alternative's difference with the reference");
    CHECK(t,
          strstr(keys, "xSplit=\"1\"") && strstr(keys, "ySplit=\"4\"") &&
              strstr(keys, "state=\"frozen\""),
          "key figures: header rows and first column frozen");
    free(keys);

    char *styles = unzip_member(xlsx, "xl/styles.xml");
    CHECK(t,
          strstr(styles, "formatCode=\"#,##0.00\"") && strstr(styles, "formatCode=\"#,##0\"") &&
              strstr(styles, "formatCode=\"0.0%\""),
          "number formats #,##0 / #,##0.00 / 0.0%% (Excel shows French separators)");
    free(styles);

    char *strings = unzip_member(xlsx, "xl/sharedStrings.xml");
    CHECK(t, strstr(strings, "Accompagn\xC3\xA9 : pr\xC3\xA9sents, moyenne annuelle") != NULL,
          "a state's label from the manifest, in UTF-8 with its accents");
    CHECK(t,
          strstr(strings, "Orient\xC3\xA9s en moins de deux mois") &&
              strstr(strings, "Postes IAE : places occup") && strstr(strings, ">postes<") &&
              strstr(strings, ">M\xE2\x82\xAC<") && strstr(strings, ">personnes<"),
          "indicator and resource labels, the resource's own unit, units M\xE2\x82\xAC and "
          "personnes");
    free(strings);

    char *scenario = unzip_member(xlsx, "xl/worksheets/sheet2.xml");
    CHECK(t,
          has_number(scenario, 2020, 0) && has_number(scenario, 2021, 0) &&
              has_number(scenario, 12.3456789, 1e-9) && has_number(scenario, 0.425, 1e-12),
          "scenario sheet: years as columns, euros in M\xE2\x82\xAC, a share as a fraction");
    CHECK(t, strstr(scenario, "ySplit=\"3\"") && strstr(scenario, "<autoFilter"),
          "scenario sheet: frozen header and a filter on the statistic");
    free(scenario);

    char *diffs = unzip_member(xlsx, "xl/worksheets/sheet4.xml");
    CHECK(t,
          has_number(diffs, -0.6913578, 1e-9) && has_number(diffs, -20, 0) &&
              !has_number(diffs, -10, 0),
          "differences: years and horizon shown (in M\xE2\x82\xAC for euros), months left out");
    free(diffs);

    /* without compare/: no differences sheet */
    char plain[512];
    tc_path(t, "xlsx-plain", plain, sizeof plain);
    write_report(plain, 0);
    rc = xlsx_write_report(plain, &err);
    snprintf(xlsx, sizeof xlsx, "%s/parcours.xlsx", plain);
    book = unzip_member(xlsx, "xl/workbook.xml");
    CHECK(t, rc == PC_OK && strstr(book, "Chiffres") && !strstr(book, "carts\""),
          "a report without compare/ has no \xC3\x89"
          "carts sheet");
    free(book);
}

static void test_workbook_errors(tc_ctx *t)
{
    char report[512];
    tc_path(t, "xlsx-bad", report, sizeof report);
    write_report(report, 1);
    write_in(
        report, "key-figures.csv",
        "indicator,variable,period,scenario,label,p05,p95\nA,stock.rsa,2021-12,baseline,R,1,2\n");
    pc_err err = {{0}};
    int rc = xlsx_write_report(report, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "key-figures.csv:1") && strstr(err.msg, "mean"),
          "a key-figures.csv without mean: exit 1 naming file, line and column (%s)", err.msg);
    CHECK(t, !exists(report, "parcours.xlsx") && count_prefixed(report, ".parcours.xlsx") == 0,
          "no workbook and no temporary file after a failure");

    write_in(report, "key-figures.csv",
             "indicator,variable,period,scenario,label,mean,p05,p95\n"
             "A,stock.rsa,2021-12,baseline,R,1,2,3\nA,stock.rsa,2021-12,plus,P,douze,2,3\n");
    rc = xlsx_write_report(report, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "key-figures.csv:3") && strstr(err.msg, "douze"),
          "a value that is not a number: file and line (%s)", err.msg);

    write_in(report, "key-figures.csv",
             "indicator,variable,period,scenario,label,mean,p05,p95\n"
             "A,stock.rsa,2021-12,nowhere,R,1,2,3\n");
    rc = xlsx_write_report(report, &err);
    CHECK(t, rc == PC_EINPUT && strstr(err.msg, "nowhere"),
          "a scenario without its run folder is named (%s)", err.msg);
    CHECK(t, !exists(report, "parcours.xlsx") && count_prefixed(report, ".parcours.xlsx") == 0,
          "still no workbook and no temporary file");
}

/* A stand-in for chromium, first on PATH: a shell script with body. */
static void fake_chromium(const char *bin, const char *body)
{
    char path[1024], text[2048];
    mkdir(bin, 0755);
    snprintf(path, sizeof path, "%s/chromium", bin);
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
    write_file(path, text);
    chmod(path, 0755);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_pdf(tc_ctx *t)
{
    char report[512], bin[512], empty[512], path_value[2048];
    tc_path(t, "pdf-report", report, sizeof report);
    tc_path(t, "pdf-bin", bin, sizeof bin);
    tc_path(t, "pdf-empty", empty, sizeof empty);
    mkdir(report, 0755);
    mkdir(empty, 0755);
    /* three print pages: the page's own print style breaks before each section */
    write_in(report, "index.html",
             "<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\"><style>"
             "@page{size:A4 landscape;margin:12mm}"
             "@media print{section{break-before:page}}</style></head><body>"
             "<h1>Rapport d'essai</h1><section><h2>Premi\xC3\xA8re</h2></section>"
             "<section><h2>Deuxi\xC3\xA8me</h2></section></body></html>\n");
    const char *saved = getenv("PATH");
    char *original = saved ? strdup(saved) : NULL;
    pc_err err = {{0}};
    int pages = 0;

    setenv("PATH", empty, 1);
    int rc = pdf_print(report, 10, &pages, &err);
    CHECK(t,
          rc == PC_EINPUT && strstr(err.msg, "chromium is not installed") &&
              !exists(report, "rapport.pdf"),
          "no chromium on PATH: exit 1, a clear message, no rapport.pdf (%s)", err.msg);

    snprintf(path_value, sizeof path_value, "%s:/usr/bin:/bin", bin);
    setenv("PATH", path_value, 1);
    fake_chromium(bin, "echo 'la page ne se charge pas' >&2\nexit 4");
    rc = pdf_print(report, 10, &pages, &err);
    CHECK(t,
          rc == PC_EINPUT && strstr(err.msg, "exit 4") &&
              strstr(err.msg, "la page ne se charge pas") && !exists(report, "rapport.pdf") &&
              count_prefixed(report, ".rapport.pdf") == 0,
          "chromium failing: its messages in the error, no file left (%s)", err.msg);

    fake_chromium(bin, "for a; do case $a in --print-to-pdf=*) echo '<html>' >\"${a#*=}\";; "
                       "esac; done");
    rc = pdf_print(report, 10, &pages, &err);
    CHECK(t,
          rc == PC_EINPUT && strstr(err.msg, "%PDF") && !exists(report, "rapport.pdf") &&
              count_prefixed(report, ".rapport.pdf") == 0,
          "chromium writing something else than a PDF: refused, no file left (%s)", err.msg);

    /* one second allowed to a stand-in sleeping 30: killed with its process group */
    fake_chromium(bin, "sleep 30 &\nsleep 30");
    double start = seconds_now();
    rc = pdf_print(report, 1, &pages, &err);
    double spent = seconds_now() - start;
    CHECK(t,
          rc == PC_EINPUT && strstr(err.msg, "within 1 s") && spent < 10 &&
              !exists(report, "rapport.pdf"),
          "chromium past its time limit: stopped after %.1f s, no file (%s)", spent, err.msg);

    if (original)
        setenv("PATH", original, 1);
    else
        unsetenv("PATH");
    free(original);

    if (system("command -v chromium >/dev/null 2>&1") != 0) {
        printf("SKIP %s: chromium not on PATH (Debian package chromium): no PDF printed\n",
               t->suite);
        return;
    }
    rc = pdf_print(report, 300, &pages, &err);
    char pdf[600];
    snprintf(pdf, sizeof pdf, "%s/rapport.pdf", report);
    FILE *f = fopen(pdf, "rb");
    char magic[5] = {0};
    if (f) {
        if (fread(magic, 1, 4, f) != 4)
            magic[0] = '\0';
        fclose(f);
    }
    CHECK(t,
          rc == PC_OK && strcmp(magic, "%PDF") == 0 && count_prefixed(report, ".rapport.pdf") == 0,
          "chromium prints rapport.pdf, which starts with %%PDF (%s)", rc ? err.msg : "ok");
    /* the title page, then one page per section */
    CHECK(t, pages == 3, "the PDF has the 3 pages the print style asks for (%d)", pages);
    int counted = 0;
    rc = pdf_count_pages(pdf, &counted, &err);
    CHECK(t, rc == PC_OK && counted == pages, "pdf_count_pages reads the same count back (%d)",
          counted);
}

/* A model with a population, a queue for a resource in ETP, two funders and a staff line. */
static const char real_model[] =
    "[model]\nname = Territoire d'essai\nstart = 2020-01\nhorizon = 48\n\n"
    "[population rsa]\nlabel = Allocataires du RSA\nentry = orientation\ninflow.rate = 600/y\n"
    "initial.count = 800\ninitial.state = orientation:0.1, suivi:0.9\n\n"
    "[state orientation]\nlabel = En attente d'orientation\n"
    "on.oriented = after lognormal(mean=90d, sd=40d) -> suivi\non.left = hazard 0.01/m -> out\n\n"
    "[state suivi]\nlabel = Accompagn\xC3\xA9\non.job = hazard 0.02/m -> out\n"
    "on.iae = hazard 0.01/m -> iae\n\n"
    "[state iae_queue]\nlabel = En attente d'un poste IAE\non.left = hazard 0.02/m -> out\n"
    "on.give_up = after fixed(6m) -> suivi\n\n"
    "[state iae]\nlabel = Salari\xC3\xA9 en IAE\nresource = iae_places\nqueue = iae_queue\n"
    "on.end = after gamma(shape=4, mean=10m) -> out:0.4, suivi:0.6\n\n"
    "[resource iae_places]\nlabel = Postes IAE\ncapacity = 40\netp.weight = 0.7\n\n"
    "[cost allocation]\nlabel = Allocation RSA\nfunder = departement\nper = person-month\n"
    "states = orientation, suivi, iae_queue\namount = 500\n\n"
    "[cost aide_poste]\nlabel = Aide au poste\nfunder = etat\nper = unit-year\n"
    "resource = iae_places\namount = 20000\n\n"
    "[staff referents]\nlabel = R\xC3\xA9"
    "f\xC3\xA9rents\nstates = suivi\ncaseload = 100\n";

/* Runs cmd_report with stdout and stderr sent to /dev/null (it prints where the page is). */
static int quiet_report(int argc, char **argv)
{
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(STDOUT_FILENO), saved_err = dup(STDERR_FILENO);
    FILE *null = fopen("/dev/null", "w");
    if (saved_out < 0 || saved_err < 0 || !null)
        return -1;
    dup2(fileno(null), STDOUT_FILENO);
    dup2(fileno(null), STDERR_FILENO);
    int rc = cmd_report(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, STDOUT_FILENO);
    dup2(saved_err, STDERR_FILENO);
    close(saved_out);
    close(saved_err);
    fclose(null);
    return rc;
}

/* A report written by `parcours report`, then its workbook and its PDF. */
static void test_real_report(tc_ctx *t)
{
    char model[600], base[600], alt[600], out[600], xlsx[700];
    tc_path(t, "real-model.ini", model, sizeof model);
    write_file(model, real_model);
    tc_path(t, "real-base.ini", base, sizeof base);
    write_file(base, "[scenario]\nlabel = Essai \xE2\x80\x94 r\xC3\xA9"
                     "f\xC3\xA9rence\n"
                     "model = real-model.ini\n");
    tc_path(t, "real-more.ini", alt, sizeof alt);
    write_file(alt,
               "[scenario]\nlabel = Essai \xE2\x80\x94 plus de postes IAE\n"
               "extends = real-base.ini\n\n[set 2021-01]\nresource.iae_places.capacity = 60\n");
    tc_path(t, "real-report", out, sizeof out);
    char *argv[] = {(char *)(uintptr_t) "report",
                    base,
                    alt,
                    (char *)(uintptr_t) "--reps",
                    (char *)(uintptr_t) "6",
                    (char *)(uintptr_t) "--threads",
                    (char *)(uintptr_t) "1",
                    (char *)(uintptr_t) "--out",
                    out,
                    (char *)(uintptr_t) "--quiet",
                    NULL};
    int rc = quiet_report(10, argv);
    /* without gnuplot the report exits 1 but writes its run files, key figures and page */
    CHECK(t, (rc == 0 || rc == 1) && exists(out, "key-figures.csv") && exists(out, "index.html"),
          "parcours report writes a report folder (exit %d)", rc);
    pc_err err = {{0}};
    rc = xlsx_write_report(out, &err);
    snprintf(xlsx, sizeof xlsx, "%s/parcours.xlsx", out);
    char *book = unzip_member(xlsx, "xl/workbook.xml");
    /* the words both labels begin with are left out of the sheet names */
    CHECK(t,
          rc == PC_OK &&
              strstr(book, "name=\"r\xC3\xA9"
                           "f\xC3\xA9rence\"") &&
              strstr(book, "name=\"plus de postes IAE\""),
          "its workbook: one sheet per scenario, named without their shared words (%s)",
          rc ? err.msg : "ok");
    free(book);
    if (system("command -v python3 >/dev/null 2>&1") == 0) {
        char command[1200];
        snprintf(command, sizeof command,
                 "python3 -c 'import sys, zipfile, xml.etree.ElementTree as E\n"
                 "z = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n"
                 "[E.fromstring(z.read(n)) for n in z.namelist() if n.endswith((\".xml\", "
                 "\".rels\"))]\nassert len([n for n in z.namelist() if "
                 "n.startswith(\"xl/worksheets/\")]) == 3' '%s'",
                 xlsx);
        CHECK(t, system(command) == 0,
              "Python's zipfile opens it and every XML part parses (3 sheets)");
    } else {
        printf("SKIP %s: python3 not on PATH: the workbook's XML not parsed\n", t->suite);
    }
    if (system("command -v chromium >/dev/null 2>&1") != 0) {
        printf("SKIP %s: chromium not on PATH: the report not printed\n", t->suite);
        return;
    }
    int pages = 0;
    rc = pdf_print(out, 300, &pages, &err);
    /* the page and key figures, then one print page per chart: 30-odd for this model */
    CHECK(t, rc == PC_OK && pages >= 15 && pages <= 80, "its PDF: %d pages, between 15 and 80 (%s)",
          pages, rc ? err.msg : "ok");
}

void suite_xlsx(tc_ctx *t)
{
    test_workbook(t);
    test_workbook_errors(t);
    test_pdf(t);
    test_real_report(t);
}
