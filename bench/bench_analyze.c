/* bench_analyze: text analysis throughput.
 *
 * Reads every record of the inputs into memory first (ps_reader +
 * ps_record_clone, not timed), then analyses them all with
 * ps_analyze_record, timed, on T threads (OpenMP, one ps_analyzer per
 * thread, dynamic schedule), R times per thread count, the thread counts
 * interleaved (1, 2, 1, 2, ...). Prints one JSON line per thread count on
 * standard output; notes go to standard error.
 *
 * usage: bench_analyze [--threads 1,2] [--repeat 5] [--chunk 16] [--no-stem]
 *                      [--create-on-main] [--label NAME] [--inputs] INPUT...
 *
 * Exit status: 0 ok, 1 input unreadable or empty, 2 usage, 3 inconsistent
 * results (token counts differ between runs: a thread-safety bug). */
#include <omp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "patsift/analyze.h"
#include "patsift/reader.h"

enum { MAX_THREADS = 256, MAX_REPEAT = 1000 };

typedef struct corpus {
    ps_record **rec;
    size_t n, cap;
    uint64_t bytes;       /* title + abstract + claims + description */
    uint64_t errors;      /* records the reader reported bad and skipped */
} corpus;

typedef struct run {
    uint64_t tokens;      /* pushed to the callback */
    uint64_t stat_tokens; /* the analyzers' own count */
    uint64_t stat_bytes;
    double wall, cpu;
    double machine_busy;  /* CPU seconds all processes used meanwhile; < 0 unknown */
    int failed;
} run;

/* The runs of one thread count. */
typedef struct tcount {
    int threads;
    ps_analyzer **an;     /* threads analyzers */
    double *wall, *sorted;
    double wall_sum, cpu_sum, busy_sum, median, min;
    bool busy_known;
} tcount;

/* CPU seconds all CPUs spent busy (not idle, not iowait) since boot, from
 * /proc/stat; -1 when unavailable. Resolution: one clock tick (10 ms). */
static double machine_busy_now(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    unsigned long long v[8] = { 0 };
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 5)
        return -1;
    unsigned long long busy = 0;
    for (int i = 0; i < 8; i++)
        if (i != 3 && i != 4) /* idle, iowait */
            busy += v[i];
    long hz = sysconf(_SC_CLK_TCK);
    return (double)busy / (double)(hz > 0 ? hz : 100);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench_analyze [OPTIONS] [--inputs] INPUT...\n"
            "\n"
            "Loads all records of INPUT (files or folders, any reader format) into\n"
            "memory, then times ps_analyze_record over all of them on each thread\n"
            "count. One JSON line per thread count on standard output.\n"
            "\n"
            "  --threads LIST  comma-separated thread counts (default 1,2); their runs\n"
            "                  are interleaved: 1, 2, 1, 2, ...\n"
            "  --repeat R      timed runs per thread count (default 5); median and min\n"
            "  --chunk C       OpenMP dynamic schedule chunk, in records (default 16)\n"
            "  --no-stem       analyse without the Snowball stemmer\n"
            "  --create-on-main  the main thread creates all analyzers before the\n"
            "                  parallel loop (default: each thread creates its own, as\n"
            "                  'patsift analyze --corpus' does); shows false sharing\n"
            "  --label NAME    name of the input set in the output (default: first input)\n"
            "  --inputs        what follows are inputs (also accepted without it)\n");
}

static int load(corpus *c, char **paths, int n_paths)
{
    ps_reader *r;
    if (ps_reader_create(NULL, &r) != PS_OK)
        return -1;
    for (int i = 0; i < n_paths; i++) {
        if (ps_reader_add_path(r, paths[i]) != PS_OK) {
            fprintf(stderr, "bench_analyze: %s\n", ps_reader_errmsg(r));
            ps_reader_free(r);
            return -1;
        }
    }
    const ps_record *rec;
    ps_rc rc;
    while ((rc = ps_reader_next(r, &rec)) == PS_OK) {
        if (c->n == c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 1024;
            ps_record **p = realloc(c->rec, cap * sizeof *p);
            if (!p) {
                rc = PS_ENOMEM;
                break;
            }
            c->rec = p;
            c->cap = cap;
        }
        ps_record *copy = ps_record_clone(rec);
        if (!copy) {
            rc = PS_ENOMEM;
            break;
        }
        c->rec[c->n++] = copy;
        c->bytes += strlen(copy->title) + strlen(copy->abstract) + strlen(copy->description);
        for (size_t k = 0; k < copy->n_claims; k++)
            c->bytes += strlen(copy->claims[k].text);
    }
    ps_reader_stats st;
    ps_reader_stats_get(r, &st);
    c->errors = st.errors;
    if (rc != PS_END) {
        const char *msg = ps_reader_errmsg(r);
        fprintf(stderr, "bench_analyze: %s\n", *msg ? msg : ps_strerror(rc));
    }
    if (st.errors)
        fprintf(stderr, "bench_analyze: note: %llu bad records or inputs skipped\n",
                (unsigned long long)st.errors);
    ps_reader_free(r);
    return rc == PS_END ? 0 : -1;
}

static int count_token(const ps_token *tok, void *ctx)
{
    (void)tok;
    (*(uint64_t *)ctx)++;
    return 0;
}

/* One timed pass over the corpus with the given analyzers (one per thread). */
static run analyse_all(const corpus *c, ps_analyzer **an, int threads, int chunk)
{
    run res = { 0 };
    long n = (long)c->n;
    for (int t = 0; t < threads; t++)
        ps_analyzer_stats_reset(an[t]);
    uint64_t tokens = 0;
    int failed = 0;
    double busy0 = machine_busy_now(), cpu0 = bench_cpu_now(), t0 = bench_now();
#pragma omp parallel num_threads(threads) reduction(+ : tokens) reduction(| : failed)
    {
        ps_analyzer *a = an[omp_get_thread_num()];
        uint64_t local = 0; /* on this thread's stack: no false sharing */
#pragma omp for schedule(dynamic, chunk) nowait
        for (long i = 0; i < n; i++)
            failed |= ps_analyze_record(a, c->rec[i], count_token, &local) != PS_OK;
        tokens += local;
    }
    res.wall = bench_now() - t0;
    res.cpu = bench_cpu_now() - cpu0;
    double busy1 = machine_busy_now();
    res.machine_busy = busy0 >= 0 && busy1 >= 0 ? busy1 - busy0 : -1;
    res.tokens = tokens;
    res.failed = failed;
    for (int t = 0; t < threads; t++) {
        ps_analyzer_stats st;
        ps_analyzer_stats_get(an[t], &st);
        res.stat_tokens += st.tokens;
        res.stat_bytes += st.bytes;
    }
    return res;
}

int main(int argc, char **argv)
{
    int thread_list[32], n_threads = 2;
    thread_list[0] = 1;
    thread_list[1] = 2;
    unsigned long repeat = 5, chunk = 16;
    bool no_stem = false, in_threads = true;
    const char *label = NULL;
    char **inputs = calloc((size_t)argc + 1, sizeof *inputs);
    int n_inputs = 0;
    bool only_inputs = false;
    if (!inputs)
        return 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_inputs || a[0] != '-' || strcmp(a, "-") == 0) {
            inputs[n_inputs++] = argv[i];
        } else if (strcmp(a, "--inputs") == 0) {
            only_inputs = true;
        } else if (strcmp(a, "--no-stem") == 0) {
            no_stem = true;
        } else if (strcmp(a, "--create-on-main") == 0) {
            in_threads = false;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            free(inputs);
            return 0;
        } else if (i + 1 < argc && strcmp(a, "--threads") == 0) {
            n_threads = bench_parse_threads(argv[++i], thread_list, 32, MAX_THREADS);
            if (n_threads <= 0) {
                fprintf(stderr, "bench_analyze: --threads needs a list like 1,2 (each 1..%d)\n", MAX_THREADS);
                free(inputs);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(a, "--repeat") == 0) {
            if (bench_parse_uint(argv[++i], MAX_REPEAT, &repeat) != 0) {
                fprintf(stderr, "bench_analyze: --repeat needs a number from 1 to %d\n", MAX_REPEAT);
                free(inputs);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(a, "--chunk") == 0) {
            if (bench_parse_uint(argv[++i], 1000000, &chunk) != 0) {
                fprintf(stderr, "bench_analyze: --chunk needs a positive number\n");
                free(inputs);
                return 2;
            }
        } else if (i + 1 < argc && strcmp(a, "--label") == 0) {
            label = argv[++i];
        } else {
            fprintf(stderr, "bench_analyze: unknown option or missing value: %s\n", a);
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
    if (!label)
        label = bench_basename(inputs[0]);

    corpus c = { 0 };
    double load_t0 = bench_now();
    int status = load(&c, inputs, n_inputs) == 0 ? 0 : 1;
    if (status == 0 && c.n == 0) {
        fprintf(stderr, "bench_analyze: no records in the inputs\n");
        status = 1;
    }
    if (status == 0)
        fprintf(stderr, "bench_analyze: %s: %zu records, %.1f MB of text loaded in %.2f s\n", label,
                c.n, (double)c.bytes / 1e6, bench_now() - load_t0);

    /* One analyzer set per thread count, all made up front, so the runs can
     * be interleaved: round k runs every thread count once. A neighbour that
     * loads the machine for a while then slows all thread counts alike and
     * the speedups stay meaningful. */
    tcount *tc = calloc((size_t)n_threads, sizeof *tc);
    if (!tc)
        status = 1;
    ps_analyzer_opts ao = { .no_stem = no_stem };
    for (int ti = 0; status == 0 && ti < n_threads; ti++) {
        int threads = thread_list[ti];
        tc[ti].threads = threads;
        tc[ti].an = calloc((size_t)threads, sizeof *tc[ti].an);
        tc[ti].wall = calloc(repeat, sizeof *tc[ti].wall);
        tc[ti].sorted = calloc(repeat, sizeof *tc[ti].sorted);
        tc[ti].busy_known = true;
        if (!tc[ti].an || !tc[ti].wall || !tc[ti].sorted) {
            status = 1;
            break;
        }
        ps_analyzer **an = tc[ti].an;
        /* Also starts the OpenMP thread team outside the timed region. With
         * in_threads, each analyzer (and its stemmer's small allocations) is
         * made by the thread that uses it, so the allocator takes its memory
         * from that thread's own cache/arena. */
        int bad = 0;
#pragma omp parallel num_threads(threads) reduction(| : bad)
        {
            int t = omp_get_thread_num();
            if (in_threads)
                bad |= ps_analyzer_create(&ao, &an[t]) != PS_OK;
        }
        for (int t = 0; !in_threads && t < threads; t++)
            bad |= ps_analyzer_create(&ao, &an[t]) != PS_OK;
        if (bad) {
            fprintf(stderr, "bench_analyze: cannot create an analyzer\n");
            status = 1;
        }
    }

    uint64_t ref_tokens = 0, ref_bytes = 0;
    bool have_ref = false;
    for (unsigned long k = 0; status == 0 && k < repeat; k++) {
        for (int ti = 0; status == 0 && ti < n_threads; ti++) {
            tcount *tt = &tc[ti];
            run res = analyse_all(&c, tt->an, tt->threads, (int)chunk);
            if (res.failed) {
                fprintf(stderr, "bench_analyze: ps_analyze_record failed\n");
                status = 3;
                break;
            }
            /* the analyzers may skip layout (e.g. claim numbers), so their byte
             * count can be below c.bytes, never above it */
            if (res.tokens != res.stat_tokens || res.stat_bytes > c.bytes) {
                fprintf(stderr,
                        "bench_analyze: inconsistent counts: %llu tokens seen, analyzers say %llu; "
                        "analyzers saw %llu bytes of %llu\n",
                        (unsigned long long)res.tokens, (unsigned long long)res.stat_tokens,
                        (unsigned long long)res.stat_bytes, (unsigned long long)c.bytes);
                status = 3;
                break;
            }
            if (!have_ref) {
                ref_tokens = res.tokens;
                ref_bytes = res.stat_bytes;
                have_ref = true;
            } else if (res.tokens != ref_tokens || res.stat_bytes != ref_bytes) {
                fprintf(stderr,
                        "bench_analyze: %d threads, run %lu: %llu tokens from %llu bytes, earlier "
                        "runs %llu from %llu\n",
                        tt->threads, k + 1, (unsigned long long)res.tokens,
                        (unsigned long long)res.stat_bytes, (unsigned long long)ref_tokens,
                        (unsigned long long)ref_bytes);
                status = 3;
                break;
            }
            tt->wall[k] = res.wall;
            tt->wall_sum += res.wall;
            tt->cpu_sum += res.cpu;
            tt->busy_sum += res.machine_busy;
            tt->busy_known &= res.machine_busy >= 0;
        }
    }

    double base_median = 0, base_min = 0;
    for (int ti = 0; status == 0 && ti < n_threads; ti++) {
        tcount *tt = &tc[ti];
        memcpy(tt->sorted, tt->wall, repeat * sizeof *tt->wall);
        tt->median = bench_median(tt->sorted, repeat);
        tt->min = bench_min(tt->wall, repeat);
        if (tt->threads == 1 && base_median == 0) {
            base_median = tt->median;
            base_min = tt->min;
        }
    }
    for (int ti = 0; status == 0 && ti < n_threads; ti++) {
        const tcount *tt = &tc[ti];
        double med = tt->median, mn = tt->min;
        double mb = (double)c.bytes / 1e6;
        printf("{\"bench\":\"analyze\",\"label\":");
        bench_json_str(stdout, label);
        printf(",\"stem\":%s,\"create\":\"%s\",\"threads\":%d,\"docs\":%zu,\"bytes\":%llu,"
               "\"tokens\":%llu,\"repeat\":%lu,\"analysed_bytes\":%llu,\"chunk\":%lu,"
               "\"seconds_median\":",
               no_stem ? "false" : "true", in_threads ? "in-threads" : "main", tt->threads, c.n,
               (unsigned long long)c.bytes, (unsigned long long)ref_tokens, repeat,
               (unsigned long long)ref_bytes, chunk);
        bench_json_num(stdout, med);
        printf(",\"seconds_min\":");
        bench_json_num(stdout, mn);
        printf(",\"mb_s\":");
        bench_json_num(stdout, med > 0 ? mb / med : -1e301);
        printf(",\"mb_s_best\":");
        bench_json_num(stdout, mn > 0 ? mb / mn : -1e301);
        printf(",\"tokens_s\":");
        bench_json_num(stdout, med > 0 ? (double)ref_tokens / med : -1e301);
        /* vs the 1-thread runs of this same invocation; null without them */
        printf(",\"speedup\":");
        bench_json_num(stdout, base_median > 0 && med > 0 ? base_median / med : -1e301);
        printf(",\"speedup_best\":");
        bench_json_num(stdout, base_min > 0 && mn > 0 ? base_min / mn : -1e301);
        /* CPU seconds per wall second: ideally equal to threads; less means the
         * threads waited (for each other, a lock, or a busy machine) */
        printf(",\"cpu_util\":");
        bench_json_num(stdout, tt->wall_sum > 0 ? tt->cpu_sum / tt->wall_sum : -1e301);
        /* CPUs other processes kept busy meanwhile (machine busy minus ours,
         * /proc/stat, 10 ms ticks: rough for short runs); null if unknown */
        printf(",\"other_cpus\":");
        double other = tt->busy_known && tt->wall_sum > 0
                           ? (tt->busy_sum - tt->cpu_sum) / tt->wall_sum : -1e301;
        bench_json_num(stdout, other > -1e300 && other < 0 ? 0 : other);
        printf("}\n");
        fflush(stdout);
    }
    for (int ti = 0; tc && ti < n_threads; ti++) {
        for (int t = 0; tc[ti].an && t < tc[ti].threads; t++)
            ps_analyzer_free(tc[ti].an[t]);
        free(tc[ti].an);
        free(tc[ti].wall);
        free(tc[ti].sorted);
    }
    free(tc);
    for (size_t i = 0; i < c.n; i++)
        free(c.rec[i]);
    free(c.rec);
    free(inputs);
    return status;
}
