/* patsift analyze: the terms a text becomes, or term statistics of a
 * corpus analysed on all cores (one analyzer and one vocab per thread). */
#include <getopt.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <utf8proc.h>

#include "cli/cli.h"
#include "patsift/analyze.h"
#include "patsift/vocab.h"

static void help(void)
{
    printf(
        "usage: patsift analyze [OPTIONS] [TEXT...]\n"
        "       patsift analyze --corpus [OPTIONS] INPUT...\n"
        "\n"
        "Shows what patsift indexes. With TEXT (or - / nothing: standard input) it\n"
        "prints each term with its position and the source text it came from.\n"
        "With --corpus it reads patent files (as 'patsift parse' does), analyses\n"
        "every record on all cores, and prints term statistics and speed.\n"
        "\n"
        "The analysis: letters and digits (Unicode) make words; NFKC and case\n"
        "folding; accents folded in Latin script; Chinese, Japanese and Korean\n"
        "text becomes overlapping character bigrams; English stop words and\n"
        "patent boilerplate (said, wherein, comprising, ...) are dropped; words\n"
        "are stemmed with the Snowball stemmer of the chosen language.\n"
        "\n"
        "options:\n"
        "      --field F            title, abstract (default), claims or description\n"
        "      --format FMT         table (default), tsv or json\n"
        CLI_ANALYSIS_HELP
        "      --stopwords          print both stop word lists and exit\n"
        "      --languages          print the stemmer languages and exit\n"
        "corpus mode:\n"
        "      --corpus             the arguments are inputs (files, folders, -)\n"
        "  -f, --input-format FMT   auto, uspto-xml, jsonl or text\n"
        "  -t, --threads N          threads (default: all cores)\n"
        "      --top K              show the K terms in most documents (default 20)\n"
        "  -h, --help               this help\n"
        "\n"
        "examples:\n"
        "  patsift analyze 'The said lithium-ion cells, wherein each cell...'\n"
        "  patsift analyze --no-stem --field title < title.txt\n"
        "  patsift analyze --corpus --threads 2 corpus/sample/patents.jsonl\n");
}

typedef struct show_ctx {
    const char *text;
    int format; /* 0 table, 1 tsv, 2 json */
} show_ctx;

static const char *kind_name(ps_token_kind k)
{
    return k == PS_TOKEN_NUMBER ? "number" : k == PS_TOKEN_CJK ? "cjk" : "word";
}

/* Display columns of a UTF-8 string (CJK characters take two). */
static int display_width(const char *s, size_t n)
{
    int w = 0;
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            break;
        w += utf8proc_charwidth(cp);
        i += (size_t)k;
    }
    return w;
}

static int show(const ps_token *t, void *ctx)
{
    show_ctx *s = ctx;
    int n = (int)(t->end - t->start);
    const char *src = s->text + t->start;
    if (s->format == 0) {
        int pad = 24 - display_width(t->term, t->len);
        printf("%6u  %s%*s %-7s %.*s\n", t->position, t->term, pad > 0 ? pad : 0, "", kind_name(t->kind), n, src);
    } else if (s->format == 1) {
        printf("%u\t%s\t%s\t%s\t%.*s\n", t->position, ps_field_name(t->field), t->term,
               kind_name(t->kind), n, src);
    } else {
        json_t *o = json_pack("{s:i, s:s, s:s, s:s, s:i, s:i, s:s%}", "position", (json_int_t)t->position,
                              "field", ps_field_name(t->field), "term", t->term, "kind",
                              kind_name(t->kind), "start", (json_int_t)t->start, "end",
                              (json_int_t)t->end, "source", src, (size_t)n);
        char *js = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        if (js)
            puts(js);
        free(js);
        json_decref(o);
    }
    return 0;
}

static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            char *p = realloc(buf, cap *= 2);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
        }
    }
    *len = n;
    return buf;
}

static int analyze_text(const ps_analyzer_opts *ao, ps_field field, int format, int argc, char **argv)
{
    char *text = NULL;
    size_t len = 0;
    if (argc == 0 || (argc == 1 && strcmp(argv[0], "-") == 0)) {
        if (argc == 0 && isatty(STDIN_FILENO))
            return cli_usage_error("analyze", "give a TEXT, or pipe text to standard input");
        text = read_all(stdin, &len);
    } else {
        for (int i = 0; i < argc; i++)
            len += strlen(argv[i]) + 1;
        text = malloc(len + 1);
        if (text) {
            size_t o = 0;
            for (int i = 0; i < argc; i++) {
                size_t k = strlen(argv[i]);
                memcpy(text + o, argv[i], k);
                o += k;
                text[o++] = ' ';
            }
            len = o;
        }
    }
    ps_analyzer *a = NULL;
    ps_rc rc = text ? ps_analyzer_create(ao, &a) : PS_ENOMEM;
    if (rc != PS_OK) {
        free(text);
        if (rc == PS_EUNSUPPORTED)
            return cli_usage_error("analyze", "no Snowball stemmer for language '%s' (see --languages)", ao->language);
        fprintf(stderr, "patsift analyze: %s\n", ps_strerror(rc));
        return EXIT_INTERNAL;
    }
    if (format == 0)
        printf("%6s  %-24s %-7s %s\n", "pos", "term", "kind", "from");
    show_ctx sc = { .text = text, .format = format };
    uint32_t pos = 0;
    ps_analyze(a, field, text, len, &pos, show, &sc);
    ps_analyzer_stats st;
    ps_analyzer_stats_get(a, &st);
    if (st.invalid_utf8 || st.too_long)
        fprintf(stderr, "patsift analyze: %llu invalid UTF-8 sequences skipped, %llu over-long tokens dropped\n",
                (unsigned long long)st.invalid_utf8, (unsigned long long)st.too_long);
    ps_analyzer_free(a);
    free(text);
    return EXIT_OK;
}

enum { BATCH = 2048 };

static int analyze_corpus(const ps_analyzer_opts *ao, ps_format fmt, int threads, size_t top,
                          int argc, char **argv)
{
    if (argc == 0)
        return cli_usage_error("analyze", "--corpus needs inputs (files, folders, or -)");
    cli_diag diag = { .limit = 20 };
    ps_reader_opts ro = { .format = fmt, .on_error = cli_print_diag, .ctx = &diag };
    ps_reader *r;
    if (ps_reader_create(&ro, &r) != PS_OK)
        return EXIT_INTERNAL;
    for (int i = 0; i < argc; i++) {
        if (ps_reader_add_path(r, argv[i]) != PS_OK) {
            fprintf(stderr, "patsift analyze: %s\n", ps_reader_errmsg(r));
            ps_reader_free(r);
            return EXIT_INPUT;
        }
    }
    ps_analyzer **an = calloc((size_t)threads, sizeof *an);
    ps_vocab **voc = calloc((size_t)threads, sizeof *voc);
    ps_record **batch = calloc(BATCH, sizeof *batch);
    int status = an && voc && batch ? EXIT_OK : EXIT_INTERNAL;
    /* one probe on this thread for a clear error; the workers make their own
     * analyzers and vocabs (memory made by another thread shares cache
     * lines, and libstemmer writes its state per character) */
    ps_analyzer *probe = NULL;
    ps_rc prc = status == EXIT_OK ? ps_analyzer_create(ao, &probe) : PS_OK;
    ps_analyzer_free(probe);
    if (prc == PS_EUNSUPPORTED)
        status = cli_usage_error("analyze", "no Snowball stemmer for language '%s' (see --languages)", ao->language);
    else if (prc != PS_OK)
        status = EXIT_INTERNAL;
    cli_progress prog;
    cli_progress_start(&prog, "analyze");
    double analyse_secs = 0;
    uint64_t records = 0;
    ps_rc rc = PS_OK;
    while (status == EXIT_OK && rc == PS_OK) {
        int n = 0;
        const ps_record *rec;
        while (n < BATCH && (rc = ps_reader_next(r, &rec)) == PS_OK) {
            if (!(batch[n] = ps_record_clone(rec))) {
                rc = PS_ENOMEM;
                break;
            }
            n++;
        }
        double t0 = cli_now();
        int failed = 0;
#pragma omp parallel num_threads(threads) reduction(| : failed)
        {
            int t = omp_get_thread_num();
            if (!an[t] && ps_analyzer_create(ao, &an[t]) != PS_OK)
                failed = 1;
            if (!voc[t] && !(voc[t] = ps_vocab_create()))
                failed = 1;
#pragma omp for schedule(dynamic, 1)
            for (int i = 0; i < n; i++)
                if (!failed)
                    failed |= ps_vocab_add_record(voc[t], an[t], batch[i]) != PS_OK;
        }
        analyse_secs += cli_now() - t0;
        for (int i = 0; i < n; i++)
            free(batch[i]);
        records += (uint64_t)n;
        cli_progress_update(&prog, records, r);
        if (failed)
            rc = PS_ENOMEM;
    }
    cli_progress_done(&prog);
    if (status == EXIT_OK && rc != PS_END) {
        fprintf(stderr, "patsift analyze: %s\n", *ps_reader_errmsg(r) ? ps_reader_errmsg(r) : ps_strerror(rc));
        status = rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    }
    if (status == EXIT_OK || status == EXIT_INPUT) {
        ps_analyzer_stats sum = { 0 };
        for (int t = 0; t < threads; t++) {
            if (!an[t])
                continue; /* a thread that never ran */
            ps_analyzer_stats st;
            ps_analyzer_stats_get(an[t], &st);
            sum.bytes += st.bytes, sum.tokens += st.tokens, sum.stopped += st.stopped;
            sum.invalid_utf8 += st.invalid_utf8, sum.too_long += st.too_long;
            if (t && ps_vocab_merge(voc[0], voc[t]) != PS_OK)
                status = EXIT_INTERNAL;
        }
        ps_reader_stats rs;
        ps_reader_stats_get(r, &rs);
        char a[32], b[32], c[32], d[32];
        printf("documents      %s (%llu skipped, %llu errors)\n", cli_count(records, a),
               (unsigned long long)rs.skipped, (unsigned long long)rs.errors);
        printf("text analysed  %.1f MB\n", (double)sum.bytes / 1e6);
        printf("terms          %s (%s distinct), %s stop words removed\n", cli_count(sum.tokens, a),
               cli_count(ps_vocab_distinct(voc[0]), b), cli_count(sum.stopped, c));
        printf("dropped        %s invalid UTF-8 sequences, %s over-long tokens\n",
               cli_count(sum.invalid_utf8, d), cli_count(sum.too_long, a));
        if (analyse_secs > 0)
            printf("analysis speed %.1f MB/s, %.0f terms/s with %d thread%s\n",
                   (double)sum.bytes / 1e6 / analyse_secs, (double)sum.tokens / analyse_secs, threads,
                   threads == 1 ? "" : "s");
        ps_vocab_term *tops = top ? calloc(top, sizeof *tops) : NULL;
        size_t k = tops ? ps_vocab_top(voc[0], tops, top) : 0;
        if (k)
            printf("\n%-24s %10s %12s\n", "term", "documents", "occurrences");
        for (size_t i = 0; i < k; i++)
            printf("%-24s %10llu %12llu\n", tops[i].term, (unsigned long long)tops[i].df,
                   (unsigned long long)tops[i].tf);
        free(tops);
        if (rs.errors && status == EXIT_OK)
            status = EXIT_INPUT;
    }
    for (int t = 0; an && voc && t < threads; t++) {
        ps_analyzer_free(an[t]);
        ps_vocab_free(voc[t]);
    }
    free(an);
    free(voc);
    free(batch);
    ps_reader_free(r);
    return status;
}

int cmd_analyze(int argc, char **argv)
{
    enum { O_FIELD = 256, O_FORMAT, O_STOPWORDS, O_LANGS, O_CORPUS, O_TOP };
    static const struct option longopts[] = {
        { "field", required_argument, NULL, O_FIELD },
        { "format", required_argument, NULL, O_FORMAT },
        CLI_ANALYSIS_LONGOPTS,
        { "stopwords", no_argument, NULL, O_STOPWORDS },
        { "languages", no_argument, NULL, O_LANGS },
        { "corpus", no_argument, NULL, O_CORPUS },
        { "input-format", required_argument, NULL, 'f' },
        { "threads", required_argument, NULL, 't' },
        { "top", required_argument, NULL, O_TOP },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    ps_analyzer_opts ao = { 0 };
    ps_field field = PS_FIELD_ABSTRACT;
    ps_format fmt = PS_FORMAT_AUTO;
    int format = 0, threads = omp_get_num_procs();
    unsigned long v, top = 20;
    bool corpus = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case O_FIELD:
            if (ps_field_parse(optarg, &field) != PS_OK)
                return cli_usage_error("analyze", "unknown field '%s' (title, abstract, claims, description)", optarg);
            break;
        case O_FORMAT:
            format = strcmp(optarg, "table") == 0 ? 0 : strcmp(optarg, "tsv") == 0 ? 1 : strcmp(optarg, "json") == 0 ? 2 : -1;
            if (format < 0)
                return cli_usage_error("analyze", "unknown output format '%s' (table, tsv, json)", optarg);
            break;
        case O_STOPWORDS:
            for (const char *const *w = ps_stopwords_english(); *w; w++)
                printf("english\t%s\n", *w);
            for (const char *const *w = ps_stopwords_patent(); *w; w++)
                printf("patent\t%s\n", *w);
            return EXIT_OK;
        case O_LANGS:
            for (const char **l = ps_stem_languages(); *l; l++)
                puts(*l);
            return EXIT_OK;
        case O_CORPUS: corpus = true; break;
        case 'f':
            if (ps_format_parse(optarg, &fmt) != PS_OK)
                return cli_usage_error("analyze", "unknown input format '%s' (auto, uspto-xml, jsonl, text)", optarg);
            break;
        case 't':
            if (!cli_parse_uint(optarg, 1024, &v))
                return cli_usage_error("analyze", "--threads needs a number from 1 to 1024, not '%s'", optarg);
            threads = (int)v;
            break;
        case O_TOP:
            if (strcmp(optarg, "0") == 0)
                v = 0;
            else if (!cli_parse_uint(optarg, 100000, &v))
                return cli_usage_error("analyze", "--top needs a number, not '%s'", optarg);
            top = v;
            break;
        case 'h': help(); return EXIT_OK;
        default:
            if (cli_analysis_option(c, optarg, &ao))
                break;
            return cli_usage_error("analyze", "unknown option");
        }
    }
    if (corpus)
        return analyze_corpus(&ao, fmt, threads, top, argc - optind, argv + optind);
    return analyze_text(&ao, field, format, argc - optind, argv + optind);
}
