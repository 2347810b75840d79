/* Helpers shared by the bench/bench_*.c programs (each is built alone from
 * one .c file, so everything here is static inline). */
#ifndef PATSIFT_BENCH_UTIL_H
#define PATSIFT_BENCH_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Wall-clock seconds on a monotonic clock. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds used by the whole process (all threads). */
static inline double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of v[0..n) (sorts v); the mean of the middle two when n is even. */
static inline double bench_median(double *v, size_t n)
{
    if (n == 0)
        return 0;
    qsort(v, n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static inline double bench_min(const double *v, size_t n)
{
    double m = n ? v[0] : 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

/* Writes s as a JSON string literal (with the quotes). */
static inline void bench_json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* A number for JSON: finite values with 6 significant digits, else null. */
static inline void bench_json_num(FILE *f, double v)
{
    if (v != v || v > 1e300 || v < -1e300)
        fputs("null", f);
    else
        fprintf(f, "%.6g", v);
}

/* Parses a positive decimal integer <= max; returns 0 on success. */
static inline int bench_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

/* A comma-separated list of thread counts ("1,2"), each 1..max_threads,
 * at most max of them, into out; their number, or -1 if malformed. */
static inline int bench_parse_threads(const char *s, int *out, int max, unsigned long max_threads)
{
    int n = 0;
    const char *p = s;
    while (*p) {
        char buf[16];
        size_t k = strcspn(p, ",");
        if (k == 0 || k >= sizeof buf || n == max)
            return -1;
        memcpy(buf, p, k);
        buf[k] = '\0';
        unsigned long v;
        if (bench_parse_uint(buf, max_threads, &v) != 0)
            return -1;
        out[n++] = (int)v;
        p += k;
        if (*p == ',')
            p++;
    }
    return n;
}

/* The last path component of p (no copy). */
static inline const char *bench_basename(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    const char *b = p;
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == '/')
            b = p + i + 1;
    return b;
}

#endif
