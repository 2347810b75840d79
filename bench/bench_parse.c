/* bench_parse: reader throughput, single thread.
 *
 * The inputs (files, or folders walked for the names the reader takes) are
 * grouped by format (uspto-xml, jsonl, text); each group is read once
 * untimed (to warm the page cache and count the text), then R times timed
 * with one ps_reader over all its files. One JSON line per format on
 * standard output; notes go to standard error.
 *
 * usage: bench_parse [--repeat 5] [--format FMT] [--label NAME] [--inputs] INPUT...
 *
 * Exit status: 0 ok, 1 input unreadable or empty, 2 usage, 3 inconsistent
 * results (a pass returned a different number of records). */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "bench_util.h"
#include "patsift/reader.h"

enum { MAX_REPEAT = 1000, N_FORMATS = PS_FORMAT_TEXT + 1 };

typedef struct group {
    char **paths;
    size_t n, cap;
} group;

typedef struct pass {
    uint64_t records, skipped, errors, files, bytes, claims, text_bytes;
    double wall;
    int hard_error;
} pass;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_parse [OPTIONS] [--inputs] INPUT...\n"
            "\n"
            "Times the patent readers (single thread): INPUT files and folders are\n"
            "grouped by format and each group is parsed R times. One JSON line per\n"
            "format on standard output.\n"
            "\n"
            "  --repeat R      timed passes per format (default 5); median and min\n"
            "  --format FMT    force one format for all inputs (uspto-xml, jsonl, text)\n"
            "  --label NAME    name of the input set in the output (default: the format)\n"
            "  --inputs        what follows are inputs (also accepted without it)\n");
}

static int add(group *g, const char *path)
{
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 16;
        char **p = realloc(g->paths, cap * sizeof *p);
        if (!p)
            return -1;
        g->paths = p;
        g->cap = cap;
    }
    if (!(g->paths[g->n] = strdup(path)))
        return -1;
    g->n++;
    return 0;
}

/* The format a file name implies (the reader's rules), or AUTO. */
/* Format of a file with an uninformative name: its first non-blank byte. */
static ps_format sniff(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return PS_FORMAT_JSONL; /* the reader reports the error */
    int c;
    while ((c = fgetc(f)) != EOF && (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF ||
                                     c == 0xBB || c == 0xBF))
        ;
    fclose(f);
    return c == '<' ? PS_FORMAT_USPTO_XML : c == '{' ? PS_FORMAT_JSONL : PS_FORMAT_TEXT;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds path (a file, or a folder walked recursively in name order, taking
 * only the names the reader takes) to the group of its format. */
static int classify(group *groups, const char *path, ps_format forced, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "bench_parse: %s: cannot stat\n", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        ps_format f = forced ? forced : ps_format_from_name(path);
        if (f == PS_FORMAT_AUTO)
            f = sniff(path);
        return add(&groups[f], path);
    }
    if (depth > 32)
        return -1;
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "bench_parse: %s: cannot open folder\n", path);
        return -1;
    }
    group names = { 0 };
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t len = strlen(path) + strlen(e->d_name) + 2;
        char *full = malloc(len);
        if (!full) {
            rc = -1;
            break;
        }
        snprintf(full, len, "%s/%s", path, e->d_name);
        rc = add(&names, full);
        free(full);
    }
    closedir(d);
    if (names.n > 1)
        qsort(names.paths, names.n, sizeof *names.paths, cmp_str);
    for (size_t i = 0; rc == 0 && i < names.n; i++) {
        struct stat s2;
        if (stat(names.paths[i], &s2) != 0)
            continue;
        if (S_ISDIR(s2.st_mode))
            rc = classify(groups, names.paths[i], forced, depth + 1);
        else if (S_ISREG(s2.st_mode) && ps_format_from_name(names.paths[i]) != PS_FORMAT_AUTO)
            rc = classify(groups, names.paths[i], forced, depth + 1);
    }
    for (size_t i = 0; i < names.n; i++)
        free(names.paths[i]);
    free(names.paths);
    return rc;
}

/* One pass over all files of g. With full, also sums the text lengths
 * (the untimed warm-up pass only). */
static pass parse_all(const group *g, ps_format fmt, bool full)
{
    pass p = { 0 };
    ps_reader_opts ro = { .format = fmt };
    ps_reader *r;
    if (ps_reader_create(&ro, &r) != PS_OK) {
        p.hard_error = 1;
        return p;
    }
    for (size_t i = 0; i < g->n; i++) {
        if (ps_reader_add_path(r, g->paths[i]) != PS_OK) {
            fprintf(stderr, "bench_parse: %s\n", ps_reader_errmsg(r));
            p.hard_error = 1;
            ps_reader_free(r);
            return p;
        }
    }
    const ps_record *rec;
    ps_rc rc;
    double t0 = bench_now();
    while ((rc = ps_reader_next(r, &rec)) == PS_OK) {
        p.claims += rec->n_claims; /* touch the record */
        if (full) {
            p.text_bytes += strlen(rec->title) + strlen(rec->abstract) + strlen(rec->description);
            for (size_t k = 0; k < rec->n_claims; k++)
                p.text_bytes += strlen(rec->claims[k].text);
        }
    }
    p.wall = bench_now() - t0;
    if (rc != PS_END) {
        const char *msg = ps_reader_errmsg(r);
        fprintf(stderr, "bench_parse: %s\n", *msg ? msg : ps_strerror(rc));
        p.hard_error = 1;
    }
    ps_reader_stats st;
    ps_reader_stats_get(r, &st);
    p.records = st.records;
    p.skipped = st.skipped;
    p.errors = st.errors;
    p.files = st.files;
    p.bytes = st.bytes;
    ps_reader_free(r);
    return p;
}

int main(int argc, char **argv)
{
    unsigned long repeat = 5;
    ps_format forced = PS_FORMAT_AUTO;
    const char *label = NULL;
    group groups[N_FORMATS] = { { 0 } };
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int n_inputs = 0;
    bool only_inputs = false;
    if (!inputs)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_inputs || a[0] != '-') {
            inputs[n_inputs++] = argv[i];
        } else if (strcmp(a, "--inputs") == 0) {
            only_inputs = true;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(inputs);
            return 0;
        } else if (i + 1 < argc && strcmp(a, "--repeat") == 0) {
            if (bench_parse_uint(argv[++i], MAX_REPEAT, &repeat) != 0) {
                fprintf(stderr, "bench_parse: --repeat needs a number from 1 to %d\n", MAX_REPEAT);
                free(inputs);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(a, "--format") == 0) {
            if (ps_format_parse(argv[++i], &forced) != PS_OK) {
                fprintf(stderr, "bench_parse: unknown format '%s'\n", argv[i]);
                free(inputs);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(a, "--label") == 0) {
            label = argv[++i];
        } else {
            fprintf(stderr, "bench_parse: unknown option or missing value: %s\n", a);
            usage(stderr);
            free(inputs);
            return 2;
        }
    }
    if (n_inputs == 0) {
        usage(stderr);
        free(inputs);
        return 2;
    }
    int status = 0;
    for (int i = 0; status == 0 && i < n_inputs; i++)
        if (classify(groups, inputs[i], forced, 0) != 0)
            status = 1;

    double *wall = calloc(repeat, sizeof *wall), *sorted = calloc(repeat, sizeof *sorted);
    if (!wall || !sorted)
        status = 1;
    int reported = 0;
    for (int f = 1; status == 0 && f < N_FORMATS; f++) {
        const group *g = &groups[f];
        if (g->n == 0)
            continue;
        pass warm = parse_all(g, (ps_format)f, true);
        if (warm.hard_error) {
            status = 1;
            break;
        }
        if (warm.records == 0) {
            fprintf(stderr, "bench_parse: no %s records in %zu file(s)\n", ps_format_name((ps_format)f), g->n);
            status = 1;
            break;
        }
        if (warm.errors)
            fprintf(stderr, "bench_parse: note: %s: %llu bad records or inputs skipped\n",
                    ps_format_name((ps_format)f), (unsigned long long)warm.errors);
        for (unsigned long k = 0; k < repeat; k++) {
            pass p = parse_all(g, (ps_format)f, false);
            if (p.hard_error) {
                status = 1;
                break;
            }
            if (p.records != warm.records || p.bytes != warm.bytes || p.claims != warm.claims) {
                fprintf(stderr, "bench_parse: %s pass %lu: %llu records, %llu bytes; warm-up pass %llu, %llu\n",
                        ps_format_name((ps_format)f), k + 1, (unsigned long long)p.records,
                        (unsigned long long)p.bytes, (unsigned long long)warm.records,
                        (unsigned long long)warm.bytes);
                status = 3;
                break;
            }
            wall[k] = p.wall;
        }
        if (status != 0)
            break;
        memcpy(sorted, wall, repeat * sizeof *wall);
        double med = bench_median(sorted, repeat), mn = bench_min(wall, repeat);
        double mb = (double)warm.bytes / 1e6;
        printf("{\"bench\":\"parse\",\"label\":");
        bench_json_str(stdout, label ? label : ps_format_name((ps_format)f));
        printf(",\"format\":\"%s\",\"files\":%llu,\"records\":%llu,\"skipped\":%llu,\"errors\":%llu,"
               "\"bytes\":%llu,\"text_bytes\":%llu,\"mb\":",
               ps_format_name((ps_format)f), (unsigned long long)warm.files,
               (unsigned long long)warm.records, (unsigned long long)warm.skipped,
               (unsigned long long)warm.errors, (unsigned long long)warm.bytes,
               (unsigned long long)warm.text_bytes);
        bench_json_num(stdout, mb);
        printf(",\"repeat\":%lu,\"seconds_median\":", repeat);
        bench_json_num(stdout, med);
        printf(",\"seconds_min\":");
        bench_json_num(stdout, mn);
        printf(",\"mb_s\":");
        bench_json_num(stdout, med > 0 ? mb / med : -1e301);
        printf(",\"mb_s_best\":");
        bench_json_num(stdout, mn > 0 ? mb / mn : -1e301);
        printf(",\"records_s\":");
        bench_json_num(stdout, med > 0 ? (double)warm.records / med : -1e301);
        printf("}\n");
        fflush(stdout);
        reported++;
    }
    if (status == 0 && reported == 0) {
        fprintf(stderr, "bench_parse: no input files found\n");
        status = 1;
    }
    free(wall);
    free(sorted);
    for (int f = 0; f < N_FORMATS; f++) {
        for (size_t i = 0; i < groups[f].n; i++)
            free(groups[f].paths[i]);
        free(groups[f].paths);
    }
    free(inputs);
    return status;
}
