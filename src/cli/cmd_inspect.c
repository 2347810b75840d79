/* patsift stats / show / check: look into an index. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "patsift/index.h"

/* Parses [--json] [-h] and the positional arguments for the three commands;
 * returns -1 to continue, or an exit code. */
static int parse_common(const char *cmd, int argc, char **argv, bool *json, void (*help)(void), int want_args)
{
    static const struct option longopts[] = {
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (c == 'j' && json)
            *json = true;
        else if (c == 'h') {
            help();
            return EXIT_OK;
        } else
            return cli_usage_error(cmd, "unknown option");
    }
    if (argc - optind != want_args)
        return cli_usage_error(cmd, want_args == 1 ? "give one INDEX_DIR" : "give INDEX_DIR and a document ID");
    return -1;
}

static void stats_help(void)
{
    printf("usage: patsift stats [--json] INDEX_DIR\n"
           "\n"
           "Prints what an index holds: documents, distinct terms, segments, bytes per\n"
           "file kind, average field lengths, the publication date range, documents by\n"
           "entity size and by CPC section (of the first CPC code), and the settings it\n"
           "was built with. --json prints the same as one JSON object.\n"
           "\n"
           "examples:\n"
           "  patsift stats idx\n"
           "  patsift stats --json idx | jq .documents\n");
}

int cmd_stats(int argc, char **argv)
{
    bool json = false;
    int st = parse_common("stats", argc, argv, &json, stats_help, 1);
    if (st >= 0)
        return st;
    ps_index *ix;
    if ((st = cli_open_index("stats", argv[optind], &ix)) >= 0)
        return st;
    ps_index_info in;
    ps_index_info_get(ix, &in);
    static const char *const field[] = { "title", "abstract", "claims", "description" };
    static const char *const entity[] = { "unknown", "micro", "small", "large" };
    char d1[11] = "-", d2[11] = "-";
    if (in.min_date)
        ps_date_format(in.min_date, d1);
    if (in.max_date)
        ps_date_format(in.max_date, d2);
    uint64_t total = in.bytes_lexicon + in.bytes_postings + in.bytes_positions + in.bytes_docs + in.bytes_store +
                     in.bytes_minhash + in.bytes_deletions;
    if (json) {
        json_t *o = json_object(), *fl = json_object(), *w = json_object(), *en = json_object(), *sec = json_object(),
               *by = json_object();
        json_object_set_new(o, "documents", json_integer((json_int_t)in.docs));
        json_object_set_new(o, "deleted", json_integer((json_int_t)in.deleted));
        json_object_set_new(o, "terms", json_integer((json_int_t)in.terms));
        json_object_set_new(o, "segments", json_integer(in.segments));
        json_object_set_new(o, "generation", json_integer((json_int_t)in.generation));
        json_object_set_new(by, "lexicon", json_integer((json_int_t)in.bytes_lexicon));
        json_object_set_new(by, "postings", json_integer((json_int_t)in.bytes_postings));
        json_object_set_new(by, "positions", json_integer((json_int_t)in.bytes_positions));
        json_object_set_new(by, "documents", json_integer((json_int_t)in.bytes_docs));
        json_object_set_new(by, "stored", json_integer((json_int_t)in.bytes_store));
        json_object_set_new(by, "minhash", json_integer((json_int_t)in.bytes_minhash));
        json_object_set_new(by, "deletions", json_integer((json_int_t)in.bytes_deletions));
        json_object_set_new(o, "minhash", json_pack("{s:i, s:i, s:i, s:i, s:i}", "k", (json_int_t)in.minhash_k,
                                                    "shingle", (json_int_t)in.shingle, "fields",
                                                    (json_int_t)in.shingle_fields, "bands", (json_int_t)in.lsh_bands,
                                                    "rows", (json_int_t)in.lsh_rows));
        json_object_set_new(by, "total", json_integer((json_int_t)total));
        json_object_set_new(o, "bytes", by);
        for (int f = 0; f < PS_FIELD_COUNT; f++) {
            json_object_set_new(fl, field[f], json_real(in.avg_field_len[f]));
            json_object_set_new(w, field[f], json_integer(in.weight[f]));
        }
        json_object_set_new(o, "avg_field_length", fl);
        json_object_set_new(o, "avg_weighted_length", json_real(in.avg_doc_len));
        json_object_set_new(o, "weights", w);
        json_object_set_new(o, "first_date", in.min_date ? json_string(d1) : json_null());
        json_object_set_new(o, "last_date", in.max_date ? json_string(d2) : json_null());
        for (int e = 0; e < 4; e++)
            json_object_set_new(en, entity[e], json_integer((json_int_t)in.by_entity[e]));
        json_object_set_new(o, "entity", en);
        for (int s = 0; s < 27; s++) {
            if (!in.by_section[s])
                continue;
            char k[2] = { (char)('A' + s), 0 };
            json_object_set_new(sec, s == 26 ? "none" : k, json_integer((json_int_t)in.by_section[s]));
        }
        json_object_set_new(o, "cpc_section", sec);
        json_object_set_new(o, "language", json_string(in.analyzer.language));
        json_object_set_new(o, "stemming", json_boolean(!in.analyzer.no_stem));
        json_object_set_new(o, "stored_description", json_boolean(in.store_description));
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    } else {
        char a[32], b[32];
        printf("documents        %s live, %s deleted\n", cli_count(in.docs, a), cli_count(in.deleted, b));
        printf("distinct terms   %s (summed over segments)\n", cli_count(in.terms, a));
        printf("segments         %u (generation %llu)\n", in.segments, (unsigned long long)in.generation);
        printf("bytes            %.2f MB: lexicon %.2f, postings %.2f, positions %.2f, documents %.2f, stored text %.2f, "
               "signatures %.2f, deletions %.2f\n",
               (double)total / 1e6, (double)in.bytes_lexicon / 1e6, (double)in.bytes_postings / 1e6,
               (double)in.bytes_positions / 1e6, (double)in.bytes_docs / 1e6, (double)in.bytes_store / 1e6,
               (double)in.bytes_minhash / 1e6, (double)in.bytes_deletions / 1e6);
        printf("minhash          %u values, %u-word shingles, LSH %u bands x %u rows\n", in.minhash_k, in.shingle,
               in.lsh_bands, in.lsh_rows);
        printf("avg length       title %.1f, abstract %.1f, claims %.1f, description %.1f terms; weighted %.1f\n",
               in.avg_field_len[0], in.avg_field_len[1], in.avg_field_len[2], in.avg_field_len[3], in.avg_doc_len);
        printf("field weights    title %u, abstract %u, claims %u, description %u\n", in.weight[0], in.weight[1],
               in.weight[2], in.weight[3]);
        printf("publication      %s to %s\n", d1, d2);
        printf("entity size      micro %llu, small %llu, large %llu, unknown %llu\n",
               (unsigned long long)in.by_entity[1], (unsigned long long)in.by_entity[2],
               (unsigned long long)in.by_entity[3], (unsigned long long)in.by_entity[0]);
        printf("CPC section     ");
        for (int s = 0; s < 27; s++)
            if (in.by_section[s])
                printf(" %s %llu", s == 26 ? "none" : (char[2]){ (char)('A' + s), 0 },
                       (unsigned long long)in.by_section[s]);
        printf("\nanalysis         %s%s, stored description: %s\n", in.analyzer.language,
               in.analyzer.no_stem ? " (no stemming)" : " stemmer", in.store_description ? "yes" : "no");
    }
    ps_index_close(ix);
    return EXIT_OK;
}

static void show_help(void)
{
    printf("usage: patsift show [--json] INDEX_DIR ID\n"
           "\n"
           "Prints a stored document: its metadata (dates, entity, fast track, CPC,\n"
           "applicants) and stored text (title, abstract, claims; the description\n"
           "when the index was built with --store-description). --json prints the\n"
           "canonical record, the same form 'patsift parse' writes.\n"
           "\n"
           "examples:\n"
           "  patsift show idx US9100001B2\n"
           "  patsift show --json idx US9100001B2 | jq .claims\n");
}

static void print_list(const char *label, ps_strlist l)
{
    printf("%-12s", label);
    for (size_t i = 0; i < l.count; i++)
        printf("%s%s", i ? "; " : " ", l.items[i]);
    printf("%s\n", l.count ? "" : " -");
}

int cmd_show(int argc, char **argv)
{
    bool json = false;
    int st = parse_common("show", argc, argv, &json, show_help, 2);
    if (st >= 0)
        return st;
    ps_index *ix;
    if ((st = cli_open_index("show", argv[optind], &ix)) >= 0)
        return st;
    ps_record *r;
    ps_rc rc = ps_index_get(ix, argv[optind + 1], &r);
    if (rc != PS_OK) {
        if (rc == PS_END)
            fprintf(stderr, "patsift show: no document '%s' in %s\n", argv[optind + 1], argv[optind]);
        else
            fprintf(stderr, "patsift show: %s: stored text of '%s' is %s\n", argv[optind], argv[optind + 1], ps_strerror(rc));
        ps_index_close(ix);
        return rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    }
    if (json) {
        char *s = ps_record_to_json(r);
        if (s)
            puts(s);
        free(s);
    } else {
        char f[11] = "-", p[11] = "-", u[11] = "-";
        if (r->filing_date)
            ps_date_format(r->filing_date, f);
        if (r->priority_date)
            ps_date_format(r->priority_date, p);
        if (r->publication_date)
            ps_date_format(r->publication_date, u);
        printf("%s  %s\n", r->id, r->title);
        printf("%-12s %s\n", "kind", *r->kind ? r->kind : "-");
        printf("%-12s filed %s, priority %s, published %s\n", "dates", f, p, u);
        printf("%-12s %s, fast track %s\n", "entity", ps_entity_name(r->entity),
               r->fast_track < 0 ? "unknown" : r->fast_track ? "requested" : "not requested");
        print_list("cpc", r->cpc);
        print_list("ipc", r->ipc);
        print_list("applicants", r->applicants);
        print_list("citations", r->citations);
        printf("\nAbstract\n  %s\n\nClaims (%zu, %zu independent)\n", r->abstract, r->n_claims,
               ps_record_independent_claims(r));
        for (size_t i = 0; i < r->n_claims; i++)
            printf("  %s%s\n", r->claims[i].independent ? "" : "  ", r->claims[i].text);
        if (*r->description)
            printf("\nDescription\n  %s\n", r->description);
    }
    free(r);
    ps_index_close(ix);
    return EXIT_OK;
}

static void check_help(void)
{
    printf("usage: patsift check INDEX_DIR\n"
           "\n"
           "Verifies the whole index: the MANIFEST and every file's header and\n"
           "checksum, that every postings block decodes with doc ids in range and\n"
           "correct block maxima, that positions parse, and that every stored document\n"
           "decompresses. Prints 'ok' and exits 0, or names the first damaged file and\n"
           "exits 1.\n"
           "\n"
           "example:\n"
           "  patsift check idx\n");
}

int cmd_check(int argc, char **argv)
{
    int st = parse_common("check", argc, argv, NULL, check_help, 1);
    if (st >= 0)
        return st;
    ps_index *ix;
    if ((st = cli_open_index("check", argv[optind], &ix)) >= 0)
        return st;
    char err[1024];
    ps_rc rc = ps_index_check(ix, err, sizeof err);
    ps_index_info in;
    ps_index_info_get(ix, &in);
    ps_index_close(ix);
    if (rc != PS_OK) {
        fprintf(stderr, "patsift check: %s\n", err);
        return rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    }
    char a[32], b[32];
    printf("ok: %s documents, %s terms, %u segment%s verified\n", cli_count(in.docs, a), cli_count(in.terms, b),
           in.segments, in.segments == 1 ? "" : "s");
    return EXIT_OK;
}
