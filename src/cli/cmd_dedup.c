/* patsift dedup / similar: near-duplicates from the MinHash signatures. */
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "patsift/dedup.h"
#include "patsift/index.h"

static void dedup_help(void)
{
    printf("usage: patsift dedup INDEX_DIR [options]\n"
           "\n"
           "Lists every pair of indexed documents whose texts (title, abstract and\n"
           "claims, as 5-word shingles of analysed terms, unless the index was built\n"
           "otherwise) are at least THRESHOLD similar (Jaccard), most similar first.\n"
           "Candidates come from the LSH band tables of the index and are always\n"
           "verified: by the exact similarity of their shingle sets, recomputed from\n"
           "the stored text (candidates down to S - 0.1 by estimate are checked), or\n"
           "with --estimate by the estimated similarity of their full MinHash\n"
           "signatures alone (faster; standard error about 0.035 near 0.8, so pairs\n"
           "near S can land on either side).\n"
           "\n"
           "options:\n"
           "      --threshold S   similarity from 0.05 to 1 (default 0.8)\n"
           "      --estimate      verify by the signatures only (the default is exact)\n"
           "      --clusters      print groups (connected components of the pairs)\n"
           "                      instead of pairs. A group is not a clique: two of its\n"
           "                      documents may be linked only through others\n"
           "      --explain-lsh   print the LSH settings and the probability that a pair\n"
           "                      of each similarity becomes a candidate (on stderr)\n"
           "  -t, --threads N     threads (default: all cores)\n"
           "  -f, --format FMT    table (default on a terminal), tsv (ID_A ID_B ESTIMATE\n"
           "                      EXACT; default otherwise) or json (one object per line)\n"
           "  -h, --help          this help\n"
           "\n"
           "Exit status: 0 done, 1 no index or a damaged one, 2 usage error, 3 internal\n"
           "failure.\n"
           "\n"
           "examples:\n"
           "  patsift dedup idx\n"
           "  patsift dedup idx --threshold 0.9 --format json\n"
           "  patsift dedup idx --clusters --explain-lsh\n");
}

static void similar_help(void)
{
    printf("usage: patsift similar INDEX_DIR (--doc FILE|- | --id ID) [options]\n"
           "\n"
           "The indexed documents whose texts are near-duplicates of a document: the\n"
           "same measure as 'patsift dedup' (shingles, MinHash, LSH, verified), for\n"
           "one document or each record of FILE (any format 'patsift parse' reads).\n"
           "\n"
           "options:\n"
           "      --doc FILE      the query documents (- for standard input)\n"
           "      --id ID         an indexed document (left out of its own results)\n"
           "      --threshold S   similarity from 0.05 to 1 (default 0.8)\n"
           "      --estimate      verify by the signatures only (the default is exact\n"
           "                      Jaccard from the stored text)\n"
           "  -f, --format FMT    table (default on a terminal), tsv (QUERY_ID ID\n"
           "                      ESTIMATE EXACT) or json\n"
           "  -h, --help          this help\n"
           "\n"
           "Exit status: 0 done, 1 bad input or index, 2 usage error, 3 internal failure.\n"
           "\n"
           "examples:\n"
           "  patsift similar idx --id US9100001B2\n"
           "  patsift similar idx --doc draft.txt --threshold 0.5\n");
}

static bool parse_threshold(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0.05 && v <= 1.0))
        return false;
    *out = v;
    return true;
}

static const char *id_of(const ps_index *ix, uint32_t seg, uint32_t doc) { return ps_dup_id(ix, seg, doc); }

static void print_pair(out_format fmt, const char *a, const char *b, const ps_dup_pair *p)
{
    if (fmt == FMT_TSV) {
        printf("%s\t%s\t%.4f\t", a, b, p->estimate);
        if (p->exact >= 0)
            printf("%.4f\n", p->exact);
        else
            printf("-\n");
    } else if (fmt == FMT_TABLE) {
        printf("%-20s %-20s %9.3f", a, b, p->estimate);
        if (p->exact >= 0)
            printf(" %9.3f", p->exact);
        printf("\n");
    } else {
        json_t *o = json_pack("{s:s, s:s, s:f}", "a", a, "b", b, "estimate", p->estimate);
        if (p->exact >= 0)
            json_object_set_new(o, "exact", json_real(p->exact));
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s ? s : "{}");
        free(s);
        json_decref(o);
    }
}

static void explain_lsh(const ps_index *ix, double threshold)
{
    uint32_t k, b, r;
    ps_lsh_settings(ix, &k, &b, &r);
    fprintf(stderr, "LSH: %u MinHash values, %u bands of %u rows; a pair of similarity s becomes a\n"
                    "candidate with probability P(s) = 1 - (1 - s^%u)^%u:\n", k, b, r, r, b);
    for (int i = 1; i <= 10; i++) {
        double s = i / 10.0;
        fprintf(stderr, "  s %.1f  P %.4f%s\n", s, ps_lsh_curve(s, b, r),
                s >= threshold - 1e-9 && s < threshold + 0.1 - 1e-9 ? "   <- threshold" : "");
    }
}

/* Union-find over the documents the pairs name. */
static size_t find(size_t *up, size_t x)
{
    while (up[x] != x) {
        up[x] = up[up[x]];
        x = up[x];
    }
    return x;
}

typedef struct member {
    uint64_t ord;
    uint32_t seg, doc;
} member;

static int by_ord(const void *x, const void *y)
{
    const member *a = x, *b = y;
    return a->ord < b->ord ? -1 : a->ord > b->ord;
}

static size_t index_of(const member *m, size_t n, uint64_t ord)
{
    size_t lo = 0, hi = n;
    while (lo + 1 < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid].ord <= ord)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static int print_clusters(const ps_index *ix, out_format fmt, const ps_dup_pair *p, size_t n)
{
    member *m = malloc((2 * n + 1) * sizeof *m);
    size_t *up = malloc((2 * n + 1) * sizeof *up);
    size_t *next = malloc((2 * n + 1) * sizeof *next);
    if (!m || !up || !next) {
        free(m);
        free(up);
        free(next);
        return EXIT_INTERNAL;
    }
    size_t nm = 0;
    for (size_t i = 0; i < n; i++) {
        m[nm++] = (member){ p[i].ord_a, p[i].seg_a, p[i].doc_a };
        m[nm++] = (member){ p[i].ord_b, p[i].seg_b, p[i].doc_b };
    }
    qsort(m, nm, sizeof *m, by_ord);
    size_t u = 0;
    for (size_t i = 0; i < nm; i++)
        if (u == 0 || m[i].ord != m[u - 1].ord)
            m[u++] = m[i];
    nm = u;
    for (size_t i = 0; i < nm; i++)
        up[i] = i;
    for (size_t i = 0; i < n; i++) {
        size_t a = find(up, index_of(m, nm, p[i].ord_a)), b = find(up, index_of(m, nm, p[i].ord_b));
        if (a != b)
            up[a < b ? b : a] = a < b ? a : b; /* the earliest document names the group */
    }
    /* members of each group in index order: a linked list through next[] */
    for (size_t i = 0; i < nm; i++)
        next[i] = SIZE_MAX;
    for (size_t i = nm; i-- > 0;) {
        size_t r = find(up, i);
        if (r != i) {
            next[i] = next[r];
            next[r] = i;
        }
    }
    size_t groups = 0;
    for (size_t r = 0; r < nm; r++) {
        if (find(up, r) != r)
            continue;
        groups++;
        json_t *arr = fmt == FMT_JSON ? json_array() : NULL;
        if (fmt == FMT_TABLE)
            printf("group %zu:", groups);
        else if (fmt == FMT_TSV)
            printf("%zu", groups);
        for (size_t x = r; x != SIZE_MAX; x = next[x]) {
            const char *id = id_of(ix, m[x].seg, m[x].doc);
            if (arr)
                json_array_append_new(arr, json_string(id));
            else
                printf(fmt == FMT_TABLE ? " %s" : "\t%s", id);
        }
        if (arr) {
            json_t *o = json_pack("{s:i, s:o}", "group", (json_int_t)groups, "ids", arr);
            char *js = json_dumps(o, JSON_COMPACT);
            printf("%s\n", js ? js : "{}");
            free(js);
            json_decref(o);
        } else {
            printf("\n");
        }
    }
    free(m);
    free(up);
    free(next);
    return EXIT_OK;
}

enum { O_THRESHOLD = 600, O_EXACT, O_ESTIMATE, O_CLUSTERS, O_EXPLAIN_LSH, O_DOC, O_ID };

/* Exact verification needs every shingled field in the stored text; and
 * below the index's design threshold the LSH tables miss more pairs: say
 * both. */
static void settle(const char *cmd, const ps_index *ix, ps_dedup_opts *o, bool estimate)
{
    ps_index_info in;
    ps_index_info_get(ix, &in);
    o->exact = !estimate;
    if (o->exact && (in.shingle_fields & (1u << PS_FIELD_DESCRIPTION)) && !in.store_description) {
        fprintf(stderr, "patsift %s: the index shingles descriptions it did not store: verifying by "
                        "signature estimates only\n", cmd);
        o->exact = false;
    }
    uint32_t k, b, r;
    ps_lsh_settings(ix, &k, &b, &r);
    double p = ps_lsh_curve(o->threshold, b, r);
    if (p < 0.95)
        fprintf(stderr, "patsift %s: note: the index's LSH tables (%u bands of %u rows) find a pair of "
                        "similarity %.2f with probability %.2f only; build with --lsh-threshold %.2f for more\n",
                cmd, b, r, o->threshold, p, o->threshold);
}

int cmd_dedup(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "threshold", required_argument, NULL, O_THRESHOLD },
        { "exact", no_argument, NULL, O_EXACT },
        { "estimate", no_argument, NULL, O_ESTIMATE },
        { "clusters", no_argument, NULL, O_CLUSTERS },
        { "explain-lsh", no_argument, NULL, O_EXPLAIN_LSH },
        { "threads", required_argument, NULL, 't' },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    ps_dedup_opts o = { .threshold = 0.8 };
    out_format fmt = cli_default_format();
    bool clusters = false, explain = false, estimate = false;
    unsigned long v;
    int c, r;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:f:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_THRESHOLD:
            if (!parse_threshold(optarg, &o.threshold))
                return cli_usage_error("dedup", "--threshold needs a similarity from 0.05 to 1, not '%s'", optarg);
            break;
        case O_EXACT: estimate = false; break; /* the default; kept for scripts */
        case O_ESTIMATE: estimate = true; break;
        case O_CLUSTERS: clusters = true; break;
        case O_EXPLAIN_LSH: explain = true; break;
        case 't':
            if (!cli_parse_uint(optarg, 1024, &v))
                return cli_usage_error("dedup", "--threads needs a number from 1 to 1024, not '%s'", optarg);
            o.threads = (int)v;
            break;
        case 'f':
            if ((r = cli_parse_format("dedup", optarg, &fmt)) >= 0)
                return r;
            break;
        case 'h': dedup_help(); return EXIT_OK;
        default: return cli_usage_error("dedup", "unknown option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("dedup", "give one INDEX_DIR");
    ps_index *ix;
    if ((r = cli_open_index("dedup", argv[optind], &ix)) >= 0)
        return r;
    settle("dedup", ix, &o, estimate);
    if (explain)
        explain_lsh(ix, o.threshold);
    double t0 = cli_now();
    ps_dup_pair *pairs;
    size_t n;
    ps_dedup_stats st;
    char err[1024] = "";
    ps_rc rc = ps_dedup(ix, &o, &pairs, &n, &st, err, sizeof err);
    int status = EXIT_OK;
    if (rc != PS_OK) {
        fprintf(stderr, "patsift dedup: %s\n", *err ? err : ps_strerror(rc));
        status = rc == PS_EUSAGE ? EXIT_USAGE : rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    } else {
        if (clusters) {
            status = print_clusters(ix, fmt, pairs, n);
        } else {
            if (fmt == FMT_TABLE && n)
                printf("%-20s %-20s %9s%s\n", "id", "near-duplicate", "estimate", o.exact ? "     exact" : "");
            for (size_t i = 0; i < n; i++)
                print_pair(fmt, id_of(ix, pairs[i].seg_a, pairs[i].doc_a), id_of(ix, pairs[i].seg_b, pairs[i].doc_b),
                           &pairs[i]);
        }
        fprintf(stderr, "patsift dedup: %zu pair%s at similarity >= %.2f%s (%llu candidates from the LSH tables, "
                        "%.2f s)\n", n, n == 1 ? "" : "s", o.threshold, o.exact ? ", exact" : ", estimated",
                (unsigned long long)st.candidates, cli_now() - t0);
        free(pairs);
    }
    ps_index_close(ix);
    return status;
}

int cmd_similar(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "doc", required_argument, NULL, O_DOC },
        { "id", required_argument, NULL, O_ID },
        { "threshold", required_argument, NULL, O_THRESHOLD },
        { "exact", no_argument, NULL, O_EXACT },
        { "estimate", no_argument, NULL, O_ESTIMATE },
        { "format", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    ps_dedup_opts o = { .threshold = 0.8 };
    out_format fmt = cli_default_format();
    const char *doc = NULL, *id = NULL;
    bool estimate = false;
    int c, r;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_DOC: doc = optarg; break;
        case O_ID: id = optarg; break;
        case O_THRESHOLD:
            if (!parse_threshold(optarg, &o.threshold))
                return cli_usage_error("similar", "--threshold needs a similarity from 0.05 to 1, not '%s'", optarg);
            break;
        case O_EXACT: estimate = false; break; /* the default; kept for scripts */
        case O_ESTIMATE: estimate = true; break;
        case 'f':
            if ((r = cli_parse_format("similar", optarg, &fmt)) >= 0)
                return r;
            break;
        case 'h': similar_help(); return EXIT_OK;
        default: return cli_usage_error("similar", "unknown option");
        }
    }
    if (argc - optind != 1)
        return cli_usage_error("similar", "give one INDEX_DIR");
    if (!doc == !id)
        return cli_usage_error("similar", "give the query as --doc FILE or --id ID (one of them)");
    ps_index *ix;
    if ((r = cli_open_index("similar", argv[optind], &ix)) >= 0)
        return r;
    settle("similar", ix, &o, estimate);
    int status = EXIT_OK;
    ps_reader *rd = NULL;
    ps_record *stored = NULL;
    cli_diag diag = { .limit = 20 };
    if (id) {
        ps_rc rc = ps_index_get(ix, id, &stored);
        if (rc != PS_OK) {
            fprintf(stderr, "patsift similar: %s: %s\n", id,
                    rc == PS_END ? "no document with this id in the index" : "its stored text is damaged");
            status = EXIT_INPUT;
        }
    } else {
        ps_reader_opts ro = { .on_error = cli_print_diag, .ctx = &diag };
        if (ps_reader_create(&ro, &rd) != PS_OK) {
            status = EXIT_INTERNAL;
        } else if (ps_reader_add_path(rd, doc) != PS_OK) {
            fprintf(stderr, "patsift similar: %s\n", ps_reader_errmsg(rd));
            status = EXIT_INPUT;
        }
    }
    size_t queries = 0;
    if (fmt == FMT_TABLE && status == EXIT_OK)
        printf("%-20s %-20s %9s%s\n", "query", "near-duplicate", "estimate", o.exact ? "     exact" : "");
    while (status == EXIT_OK) {
        const ps_record *q = stored;
        if (rd) {
            ps_rc rc = ps_reader_next(rd, &q);
            if (rc == PS_END)
                break;
            if (rc != PS_OK) {
                fprintf(stderr, "patsift similar: %s\n", ps_reader_errmsg(rd));
                status = EXIT_INPUT;
                break;
            }
        } else if (queries) {
            break;
        }
        queries++;
        char name[32];
        snprintf(name, sizeof name, "doc%zu", queries);
        const char *qid = *q->id ? q->id : name;
        ps_dup_pair *pairs;
        size_t n;
        char err[1024] = "";
        ps_rc rc = ps_similar(ix, q, &o, id, &pairs, &n, err, sizeof err);
        if (rc != PS_OK) {
            fprintf(stderr, "patsift similar: %s\n", *err ? err : ps_strerror(rc));
            status = rc == PS_EUSAGE ? EXIT_USAGE : rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
            break;
        }
        for (size_t i = 0; i < n; i++)
            print_pair(fmt, qid, id_of(ix, pairs[i].seg_b, pairs[i].doc_b), &pairs[i]);
        free(pairs);
    }
    if (rd) {
        ps_reader_stats rs;
        ps_reader_stats_get(rd, &rs);
        if (status == EXIT_OK && rs.errors)
            status = EXIT_INPUT;
        if (status == EXIT_OK && queries == 0) {
            fprintf(stderr, "patsift similar: %s: no documents in it\n", doc);
            status = EXIT_INPUT;
        }
        ps_reader_free(rd);
    }
    free(stored);
    ps_index_close(ix);
    return status;
}
