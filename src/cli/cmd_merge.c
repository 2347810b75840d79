/* patsift merge: rewrite an index as one segment without deleted documents. */
#include <getopt.h>

#include "cli/cli.h"
#include "patsift/index.h"

static void help(void)
{
    printf("usage: patsift merge INDEX_DIR\n"
           "\n"
           "Merges every segment of the index into one and drops the documents that\n"
           "newer records replaced. Searches read one segment instead of many, and the\n"
           "index shrinks by the deleted documents. Atomic: readers see the old index\n"
           "until the merged one is complete; an interrupted merge changes nothing.\n"
           "'patsift index --append' merges by itself past %d segments.\n"
           "\n"
           "example:\n"
           "  patsift merge idx\n",
           CLI_AUTO_MERGE_SEGMENTS);
}

int cli_merge_index(const char *dir, bool quiet)
{
    char err[1024];
    ps_index_writer *w;
    ps_rc rc = ps_index_writer_open(dir, NULL, true, &w, err, sizeof err);
    if (rc != PS_OK) {
        fprintf(stderr, "patsift merge: %s\n", err);
        return rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    }
    double t0 = cli_now();
    rc = ps_index_writer_merge(w);
    if (rc != PS_OK) {
        fprintf(stderr, "patsift merge: %s\npatsift merge: the index is as it was\n", ps_index_writer_errmsg(w));
        ps_index_writer_free(w);
        return rc == PS_ENOMEM ? EXIT_INTERNAL : EXIT_INPUT;
    }
    ps_index_write_stats st;
    ps_index_writer_stats(w, &st);
    if (!quiet)
        fprintf(stderr, "patsift merge: %u segment%s merged into %u in %.2f s; %llu deleted documents dropped; %.1f MB\n",
                st.segments_before, st.segments_before == 1 ? "" : "s", st.segments_after, cli_now() - t0,
                (unsigned long long)st.dropped, (double)st.bytes_written / 1e6);
    ps_index_writer_free(w);
    return EXIT_OK;
}

int cmd_merge(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "help", no_argument, NULL, 'h' },
        { "quiet", no_argument, NULL, 'q' },
        { NULL, 0, NULL, 0 },
    };
    bool quiet = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "hq", longopts, NULL)) != -1) {
        if (c == 'h') {
            help();
            return EXIT_OK;
        }
        if (c != 'q')
            return cli_usage_error("merge", "unknown option");
        quiet = true;
    }
    if (argc - optind != 1)
        return cli_usage_error("merge", "give one INDEX_DIR");
    return cli_merge_index(argv[optind], quiet);
}
