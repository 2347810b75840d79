/* patsift parse: any reader input -> canonical JSON Lines. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "patsift/atomic.h"

static void help(void)
{
    printf(
        "usage: patsift parse [OPTIONS] INPUT...\n"
        "\n"
        "Reads patent documents and prints one JSON object per line: the canonical\n"
        "record form (id, kind, title, abstract, claims with number and independence,\n"
        "description, cpc, ipc, applicant(s), entity, fast_track, dates, citations).\n"
        "Use it to convert USPTO bulk XML to JSON Lines, or to check input files.\n"
        "\n"
        "INPUT is a file, a folder (read recursively: *.xml, *.jsonl, *.ndjson,\n"
        "*.json, *.txt, each optionally .gz) or - for standard input. Gzip input\n"
        "is recognised by content, whatever its name.\n"
        "\n"
        "options:\n"
        "  -f, --format FMT   auto (default: by file name, else by content),\n"
        "                     uspto-xml, jsonl or text\n"
        "      --tsv          one tab-separated summary line per record instead of JSON:\n"
        "                     id, kind, filing, priority and publication dates, entity,\n"
        "                     fast_track, claims, independent claims, first CPC, title\n"
        "  -o, --output FILE  write to FILE (all or nothing: on a fatal error the\n"
        "                     old FILE is left untouched) instead of standard output\n"
        "      --strict       stop at the first bad record (default: report it as\n"
        "                     file:line: problem, skip it, and go on)\n"
        "      --max-errors N show at most N error messages (default 20; all are counted)\n"
        "  -q, --quiet        no summary line on standard error\n"
        "  -h, --help         this help\n"
        "\n"
        "A summary goes to standard error: records, files, non-patent documents\n"
        "skipped (e.g. sequence listings in weekly grant files), errors, speed.\n"
        "Exit status: 0 all input read, 1 some input was bad or unreadable,\n"
        "2 usage error, 3 internal failure.\n"
        "\n"
        "examples:\n"
        "  patsift parse ipg130416.xml > grants.jsonl\n"
        "  patsift parse --strict corpus/sample/patents.jsonl > /dev/null   # validate\n"
        "  zcat ipg*.xml.gz | patsift parse -f uspto-xml - | jq .title\n");
}

static const char *date_or_dash(int32_t d, char buf[11])
{
    return d ? ps_date_format(d, buf) : "-";
}

/* Tabs and newlines cannot occur in squeezed record text except as spaces,
 * so fields need no quoting. */
static void print_tsv(FILE *out, const ps_record *r)
{
    char f[11], p[11], u[11];
    fprintf(out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%zu\t%zu\t%s\t%s\n", r->id, *r->kind ? r->kind : "-",
            date_or_dash(r->filing_date, f), date_or_dash(r->priority_date, p),
            date_or_dash(r->publication_date, u), ps_entity_name(r->entity),
            r->fast_track < 0 ? "-" : r->fast_track ? "yes" : "no", r->n_claims,
            ps_record_independent_claims(r), r->cpc.count ? r->cpc.items[0] : "-", r->title);
}

int cmd_parse(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "format", required_argument, NULL, 'f' }, { "output", required_argument, NULL, 'o' },
        { "strict", no_argument, NULL, 's' },        { "max-errors", required_argument, NULL, 'm' },
        { "quiet", no_argument, NULL, 'q' },         { "help", no_argument, NULL, 'h' },
        { "tsv", no_argument, NULL, 't' },
        { NULL, 0, NULL, 0 },
    };
    ps_reader_opts ro = { 0 };
    cli_diag diag = { .limit = 20 };
    const char *output = NULL;
    bool quiet = false, tsv = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:qh", longopts, NULL)) != -1) {
        unsigned long v;
        switch (c) {
        case 'f':
            if (ps_format_parse(optarg, &ro.format) != PS_OK)
                return cli_usage_error("parse", "unknown format '%s' (auto, uspto-xml, jsonl, text)", optarg);
            break;
        case 'o': output = optarg; break;
        case 's': ro.strict = true; break;
        case 'm':
            if (strcmp(optarg, "0") == 0)
                v = 0;
            else if (!cli_parse_uint(optarg, 1000000000UL, &v))
                return cli_usage_error("parse", "--max-errors needs a number, not '%s'", optarg);
            diag.limit = v;
            break;
        case 'q': quiet = true; break;
        case 't': tsv = true; break;
        case 'h': help(); return EXIT_OK;
        default: return cli_usage_error("parse", "unknown option");
        }
    }
    if (optind == argc)
        return cli_usage_error("parse", "no input given (a file, a folder, or - for standard input)");
    ro.on_error = cli_print_diag;
    ro.ctx = &diag;

    ps_reader *r;
    if (ps_reader_create(&ro, &r) != PS_OK) {
        fprintf(stderr, "patsift parse: out of memory\n");
        return EXIT_INTERNAL;
    }
    for (int i = optind; i < argc; i++) {
        if (ps_reader_add_path(r, argv[i]) != PS_OK) {
            fprintf(stderr, "patsift parse: %s\n", ps_reader_errmsg(r));
            ps_reader_free(r);
            return EXIT_INPUT;
        }
    }
    ps_atomic_file *af = NULL;
    FILE *out = stdout;
    if (output) {
        if (ps_atomic_open(output, &af) != PS_OK) {
            fprintf(stderr, "patsift parse: cannot write %s: %s\n", output, strerror(errno));
            ps_reader_free(r);
            return EXIT_INPUT;
        }
        out = ps_atomic_stream(af);
    }

    cli_progress prog;
    cli_progress_start(&prog, "parse");
    const ps_record *rec;
    ps_rc rc;
    uint64_t n = 0;
    int status = EXIT_OK;
    if (tsv)
        fputs("id\tkind\tfiling\tpriority\tpublication\tentity\tfast_track\tclaims\tindependent\tcpc\ttitle\n", out);
    while ((rc = ps_reader_next(r, &rec)) == PS_OK) {
        if (tsv) {
            print_tsv(out, rec);
        } else {
            char *json = ps_record_to_json(rec);
            if (!json) {
                rc = PS_ENOMEM;
                break;
            }
            fputs(json, out);
            fputc('\n', out);
            free(json);
        }
        n++;
        cli_progress_update(&prog, n, r);
    }
    cli_progress_done(&prog);
    if (rc != PS_END) {
        fprintf(stderr, "patsift parse: %s\n", *ps_reader_errmsg(r) ? ps_reader_errmsg(r) : ps_strerror(rc));
        status = rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    }
    if (af) {
        if (status != EXIT_OK && ro.strict) {
            ps_atomic_abort(af);
            fprintf(stderr, "patsift parse: %s not written\n", output);
        } else if (ps_atomic_commit(af) != PS_OK) {
            fprintf(stderr, "patsift parse: cannot write %s: %s\n", output, strerror(errno));
            status = EXIT_INPUT;
        }
    } else if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "patsift parse: writing standard output failed: %s\n", strerror(errno));
        status = EXIT_INPUT;
    }

    ps_reader_stats st;
    ps_reader_stats_get(r, &st);
    if (st.errors && status == EXIT_OK)
        status = EXIT_INPUT;
    if (!quiet) {
        double secs = cli_now() - prog.start;
        char a[32], b[32], e[32];
        fprintf(stderr,
                "patsift parse: %s records from %llu file%s, %s non-patent documents skipped, %s "
                "error%s; %.1f MB in %.2f s (%.1f MB/s)\n",
                cli_count(st.records, a), (unsigned long long)st.files, st.files == 1 ? "" : "s",
                cli_count(st.skipped, b), cli_count(st.errors, e), st.errors == 1 ? "" : "s",
                (double)st.bytes / 1e6, secs, secs > 0 ? (double)st.bytes / 1e6 / secs : 0.0);
    }
    ps_reader_free(r);
    return status;
}
