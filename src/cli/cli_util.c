/* Usage errors, number parsing, progress line, diagnostics printing. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "patsift/index.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "patsift %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see 'patsift %s --help')\n", cmd);
    return EXIT_USAGE;
}

bool cli_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v == 0 || v > max)
        return false;
    *out = v;
    return true;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *cli_count(uint64_t n, char *buf)
{
    char tmp[32];
    int len = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)n);
    int o = 0;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    buf[o] = '\0';
    return buf;
}

void cli_progress_start(cli_progress *p, const char *what)
{
    p->on = isatty(STDERR_FILENO);
    p->start = p->last = cli_now();
    p->what = what;
}

void cli_progress_update(cli_progress *p, uint64_t records, const ps_reader *r)
{
    if (!p->on)
        return;
    double now = cli_now();
    if (now - p->last < 0.25)
        return;
    p->last = now;
    ps_reader_stats st;
    ps_reader_stats_get(r, &st);
    double secs = now - p->start;
    uint64_t total = ps_reader_input_size(r), pos = ps_reader_input_pos(r);
    char n[32];
    fprintf(stderr, "\r\033[K%s: %s records, %.1f MB, %.0f records/s, %.1f MB/s", p->what,
            cli_count(records, n), (double)st.bytes / 1e6, (double)records / secs,
            (double)st.bytes / 1e6 / secs);
    if (total && pos && pos <= total)
        fprintf(stderr, ", %.0f%%, ETA %.0f s", 100.0 * (double)pos / (double)total,
                secs * (double)(total - pos) / (double)pos);
    fflush(stderr);
}

void cli_progress_done(cli_progress *p)
{
    if (p->on)
        fprintf(stderr, "\r\033[K");
}

/* Thread-safe: the index writer reports from its builder thread. */
void cli_print_diag(const char *msg, void *ctx)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&mu);
    cli_diag *d = ctx;
    if (d->shown < d->limit)
        fprintf(stderr, "%s\n", msg);
    else if (d->shown == d->limit)
        fprintf(stderr, "(further errors not shown)\n");
    d->shown++;
    pthread_mutex_unlock(&mu);
}

bool cli_analysis_option(int c, const char *arg, ps_analyzer_opts *ao)
{
    switch (c - CLI_OPT_ANALYSIS) {
    case 0: ao->language = arg; return true;
    case 1: ao->no_stem = true; return true;
    case 2: ao->no_english_stop = true; return true;
    case 3: ao->no_patent_stop = true; return true;
    case 4: ao->keep_accents = true; return true;
    case 5: ao->no_cjk_bigrams = true; return true;
    default: return false;
    }
}

bool cli_parse_size(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (errno || *end || v == 0 || v > (SIZE_MAX >> shift))
        return false;
    *out = (size_t)(v << shift);
    return true;
}

int cli_open_index(const char *cmd, const char *dir, ps_index **ix)
{
    char err[1024];
    ps_rc rc = ps_index_open(dir, ix, err, sizeof err);
    if (rc == PS_OK)
        return -1;
    fprintf(stderr, "patsift %s: %s\n", cmd, err);
    return rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
}

out_format cli_default_format(void) { return isatty(STDOUT_FILENO) ? FMT_TABLE : FMT_TSV; }

int cli_parse_format(const char *cmd, const char *s, out_format *f)
{
    if (strcmp(s, "table") == 0)
        *f = FMT_TABLE;
    else if (strcmp(s, "json") == 0)
        *f = FMT_JSON;
    else if (strcmp(s, "tsv") == 0)
        *f = FMT_TSV;
    else
        return cli_usage_error(cmd, "--format takes table, json or tsv, not '%s'", s);
    return -1;
}
