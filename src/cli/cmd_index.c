/* patsift index: read patent files and build an on-disk index. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "patsift/dedup.h"
#include "patsift/index.h"

static void help(void)
{
    printf(
        "usage: patsift index -o INDEX_DIR [OPTIONS] INPUT...\n"
        "\n"
        "Reads patent documents (any input 'patsift parse' accepts: USPTO XML,\n"
        "JSON Lines, text; files, folders, - for standard input; .gz too), analyses\n"
        "them on all cores and writes an index: an inverted index with positions,\n"
        "per-document metadata and compressed stored text. The index appears all at\n"
        "once when the build succeeds; if it fails or is interrupted, INDEX_DIR is\n"
        "left as it was.\n"
        "\n"
        "options:\n"
        "  -o, --output DIR         the index folder (created if needed; it must not\n"
        "                           already hold an index unless --append)\n"
        "      --append             add to the index in DIR as a new segment; a record\n"
        "                           whose id is already indexed replaces the older one;\n"
        "                           past %d segments the index is merged into one\n"
        "  -t, --threads N          threads (default: all cores): they parse JSON,\n"
        "                           analyse and write while one more thread reads;\n"
        "                           with 1, reading and the rest take turns\n"
        "  -f, --format FMT         input format: auto (default), uspto-xml, jsonl, text\n"
        "      --mem-budget SIZE    peak memory of the build, e.g. 512M, 2G (default\n"
        "                           1G, at least 64M): when the in-memory segment would\n"
        "                           pass it, the segment is written out ('patsift merge'\n"
        "                           joins them later); ids take about 100 bytes each\n"
        "      --store-description  keep the description text too (default: title,\n"
        "                           abstract and claims are stored; all are indexed)\n"
        "      --weight FIELD=N     field weight, an integer 0-100: how many times a\n"
        "                           word of FIELD counts (defaults title=%d abstract=%d\n"
        "                           claims=%d description=%d; 0 leaves the field out)\n"
        "      --strict             stop at the first bad record (default: report it\n"
        "                           as file:line and skip it)\n"
        "  -q, --quiet              no summary line\n"
        "near-duplicate signatures (stored in the index; see 'patsift dedup --help'):\n"
        "      --minhash-k K        MinHash values per document (default 128; the\n"
        "                           estimate's error shrinks as 1/sqrt(K))\n"
        "      --shingle N          words per shingle (default 5)\n"
        "      --shingle-fields F,F fields shingled (default title,abstract,claims)\n"
        "      --lsh-threshold S    similarity the LSH bands are built for (default\n"
        "                           0.8): pairs from S - 0.1 up are found with\n"
        "                           probability 0.95 or more\n"
        "analysis (stored in the index; every search repeats it):\n"
        CLI_ANALYSIS_HELP
        "  -h, --help               this help\n"
        "\n"
        "Exit status: 0 built, 1 bad input or the index could not be written,\n"
        "2 usage error, 3 internal failure.\n"
        "\n"
        "examples:\n"
        "  patsift index -o idx corpus/sample\n"
        "  patsift index -o grants --threads 2 --mem-budget 2G ipg*.xml.gz\n"
        "  patsift index -o grants --append ipg130423.xml.gz   # next week's grants\n"
        "  patsift stats idx\n",
        CLI_AUTO_MERGE_SEGMENTS, PS_WEIGHT_TITLE, PS_WEIGHT_ABSTRACT, PS_WEIGHT_CLAIMS, PS_WEIGHT_DESCRIPTION);
}

static bool parse_weight(const char *arg, uint32_t weight[PS_FIELD_COUNT], bool *set)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || (size_t)(eq - arg) >= 32)
        return false;
    char name[32];
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    ps_field f;
    char *end;
    errno = 0;
    unsigned long v = strtoul(eq + 1, &end, 10);
    if (ps_field_parse(name, &f) != PS_OK || !eq[1] || *end || errno || v > 100)
        return false;
    if (!*set) {
        weight[PS_FIELD_TITLE] = PS_WEIGHT_TITLE;
        weight[PS_FIELD_ABSTRACT] = PS_WEIGHT_ABSTRACT;
        weight[PS_FIELD_CLAIMS] = PS_WEIGHT_CLAIMS;
        weight[PS_FIELD_DESCRIPTION] = PS_WEIGHT_DESCRIPTION;
        *set = true;
    }
    weight[f] = (uint32_t)v;
    return true;
}

/* "title,claims" -> field bits. */
static bool parse_fields(const char *s, uint32_t *out)
{
    *out = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save, *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        ps_field fld;
        if (ps_field_parse(f, &fld) != PS_OK)
            return false;
        *out |= 1u << fld;
    }
    return *out != 0;
}

/* The reader's messages: JSON lines read earlier are parsed later on the
 * builder's threads, so their messages are let out first (a drain is
 * rare: only at a bad input), which keeps every message in input order. */
typedef struct reader_diag {
    cli_diag *diag;
    ps_index_writer *w;
} reader_diag;

static void print_reader_diag(const char *msg, void *ctx)
{
    reader_diag *d = ctx;
    if (d->w)
        ps_index_writer_drain(d->w);
    cli_print_diag(msg, d->diag);
}

int cmd_index(int argc, char **argv)
{
    enum { O_BUDGET = 256, O_STORE_DESC, O_WEIGHT, O_STRICT, O_APPEND, O_MH_K, O_SHINGLE, O_SHINGLE_FIELDS,
           O_LSH_THRESHOLD };
    static const struct option longopts[] = {
        { "output", required_argument, NULL, 'o' },
        { "threads", required_argument, NULL, 't' },
        { "format", required_argument, NULL, 'f' },
        { "mem-budget", required_argument, NULL, O_BUDGET },
        { "store-description", no_argument, NULL, O_STORE_DESC },
        { "minhash-k", required_argument, NULL, O_MH_K },
        { "shingle", required_argument, NULL, O_SHINGLE },
        { "shingle-fields", required_argument, NULL, O_SHINGLE_FIELDS },
        { "lsh-threshold", required_argument, NULL, O_LSH_THRESHOLD },
        { "weight", required_argument, NULL, O_WEIGHT },
        { "strict", no_argument, NULL, O_STRICT },
        { "append", no_argument, NULL, O_APPEND },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        CLI_ANALYSIS_LONGOPTS,
        { NULL, 0, NULL, 0 },
    };
    ps_index_opts io = { 0 };
    ps_reader_opts ro = { 0 };
    cli_diag diag = { .limit = 20 };
    const char *dir = NULL;
    bool quiet = false, weight_set = false, append = false;
    unsigned long v;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:t:f:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': dir = optarg; break;
        case 't':
            if (!cli_parse_uint(optarg, 1024, &v))
                return cli_usage_error("index", "--threads needs a number from 1 to 1024, not '%s'", optarg);
            io.threads = (int)v;
            break;
        case 'f':
            if (ps_format_parse(optarg, &ro.format) != PS_OK)
                return cli_usage_error("index", "unknown format '%s' (auto, uspto-xml, jsonl, text)", optarg);
            break;
        case O_BUDGET:
            if (!cli_parse_size(optarg, &io.mem_budget) || io.mem_budget < (64u << 20))
                return cli_usage_error("index", "--mem-budget needs a size of at least 64M, like 512M or 2G, not '%s'", optarg);
            break;
        case O_STORE_DESC: io.store_description = true; break;
        case O_MH_K:
            if (!cli_parse_uint(optarg, PS_MINHASH_MAX_K, &v) || v < 8)
                return cli_usage_error("index", "--minhash-k needs a number from 8 to %d, not '%s'", PS_MINHASH_MAX_K, optarg);
            io.minhash_k = (uint32_t)v;
            break;
        case O_SHINGLE:
            if (!cli_parse_uint(optarg, PS_SHINGLE_MAX, &v))
                return cli_usage_error("index", "--shingle needs a number from 1 to %d, not '%s'", PS_SHINGLE_MAX, optarg);
            io.shingle = (uint32_t)v;
            break;
        case O_SHINGLE_FIELDS:
            if (!parse_fields(optarg, &io.shingle_fields))
                return cli_usage_error("index", "--shingle-fields takes a comma-separated list of title, abstract, "
                                                "claims, description, not '%s'", optarg);
            break;
        case O_LSH_THRESHOLD: {
            char *end;
            io.lsh_threshold = strtod(optarg, &end);
            if (end == optarg || *end || !(io.lsh_threshold >= 0.2 && io.lsh_threshold <= 1.0))
                return cli_usage_error("index", "--lsh-threshold needs a similarity from 0.2 to 1, not '%s'", optarg);
            break;
        }
        case O_WEIGHT:
            if (!parse_weight(optarg, io.weight, &weight_set))
                return cli_usage_error("index", "--weight needs FIELD=N (title, abstract, claims, description; N 0-100), not '%s'", optarg);
            break;
        case O_STRICT: ro.strict = true; break;
        case O_APPEND: append = true; break;
        case 'q': quiet = true; break;
        case 'h': help(); return EXIT_OK;
        default:
            if (cli_analysis_option(c, optarg, &io.analyzer))
                break;
            return cli_usage_error("index", "unknown option");
        }
    }
    if (!dir)
        return cli_usage_error("index", "say where the index goes with -o INDEX_DIR");
    if (optind == argc)
        return cli_usage_error("index", "no input given (files, folders, or - for standard input)");
    if (weight_set && !io.weight[0] && !io.weight[1] && !io.weight[2] && !io.weight[3])
        return cli_usage_error("index", "every field weight is 0: nothing would be indexed");

    reader_diag rdiag = { .diag = &diag };
    ro.on_error = print_reader_diag;
    ro.ctx = &rdiag;
    /* JSON lines are parsed on the builder's threads: the writer reports them */
    io.strict = ro.strict;
    io.on_error = cli_print_diag;
    io.diag_ctx = &diag;
    ps_reader *r;
    if (ps_reader_create(&ro, &r) != PS_OK)
        return EXIT_INTERNAL;
    for (int i = optind; i < argc; i++) {
        if (ps_reader_add_path(r, argv[i]) != PS_OK) {
            fprintf(stderr, "patsift index: %s\n", ps_reader_errmsg(r));
            ps_reader_free(r);
            return EXIT_INPUT;
        }
    }
    char err[1024];
    ps_index_writer *w;
    ps_rc rc = ps_index_writer_open(dir, &io, append, &w, err, sizeof err);
    rdiag.w = rc == PS_OK ? w : NULL;
    if (rc != PS_OK) {
        fprintf(stderr, "patsift index: %s\n", err);
        ps_reader_free(r);
        return rc == PS_EUSAGE || rc == PS_EUNSUPPORTED ? EXIT_USAGE : rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    }
    cli_progress prog;
    cli_progress_start(&prog, "index");
    ps_raw_record raw;
    uint64_t n = 0;
    bool writer_failed = false;
    while ((rc = ps_reader_next_raw(r, &raw)) == PS_OK) {
        if ((rc = ps_index_writer_add_raw(w, &raw)) != PS_OK) {
            writer_failed = true;
            break;
        }
        cli_progress_update(&prog, ++n, r);
    }
    const char *failure = NULL;
    if (rc == PS_END) {
        if (prog.on) {
            char a[32];
            fprintf(stderr, "\r\033[Kindex: %s records read; analysing the last batch and writing the index...",
                    cli_count(n, a));
            fflush(stderr);
        }
        if ((rc = ps_index_writer_commit(w)) != PS_OK)
            failure = ps_index_writer_errmsg(w);
    } else {
        /* a bad JSON line read before the reader's error is parsed later, on
         * the builder's threads: in strict mode it is the first error */
        if (!writer_failed && ro.strict && ps_index_writer_drain(w) != PS_OK)
            writer_failed = true;
        failure = writer_failed ? ps_index_writer_errmsg(w) : ps_reader_errmsg(r);
    }
    int status = EXIT_OK;
    if (failure) {
        fprintf(stderr, "patsift index: %s\npatsift index: nothing written, %s is as it was\n", failure, dir);
        status = rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    }
    cli_progress_done(&prog);
    ps_reader_stats rs;
    ps_reader_stats_get(r, &rs);
    ps_index_write_stats ws;
    ps_index_writer_stats(w, &ws);
    if (status == EXIT_OK && !quiet) {
        double secs = cli_now() - prog.start;
        char a[32];
        fprintf(stderr,
                "patsift index: %s documents (%.1f MB of text) in %.2f s: %.0f docs/s, %.1f MB/s; "
                "%llu segment%s, %.1f MB on disk (%.0f%% of the text); %llu skipped, %llu errors\n",
                cli_count(ws.docs, a), (double)ws.text_bytes / 1e6, secs, (double)ws.docs / secs,
                (double)ws.text_bytes / 1e6 / secs, (unsigned long long)ws.segments,
                ws.segments == 1 ? "" : "s", (double)ws.bytes_written / 1e6,
                ws.text_bytes ? 100.0 * (double)ws.bytes_written / (double)ws.text_bytes : 0.0,
                (unsigned long long)rs.skipped, (unsigned long long)(rs.errors + ws.errors));
    }
    if (status == EXIT_OK && rs.errors + ws.errors)
        status = EXIT_INPUT;
    ps_index_writer_free(w);
    ps_reader_free(r);
    if (status != EXIT_INPUT && status != EXIT_OK)
        return status;
    /* many small appended segments slow every search: merge past a limit.
     * Not after a fresh build: one far past its budget was given that
     * budget, and a merge maps every segment it reads (measured: 2.4 GB of
     * resident pages merging 1M documents built at --mem-budget 256M) */
    char err2[1024];
    ps_index *ix;
    if (append && ps_index_open(dir, &ix, err2, sizeof err2) == PS_OK) {
        ps_index_info in;
        ps_index_info_get(ix, &in);
        ps_index_close(ix);
        if (in.segments > CLI_AUTO_MERGE_SEGMENTS) {
            int ms = cli_merge_index(dir, quiet);
            if (ms != EXIT_OK)
                return ms;
        }
    }
    return status;
}
