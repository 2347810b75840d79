/* patsift: command dispatch and the top-level help. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

#define PATSIFT_VERSION "0.1.0"

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} commands[] = {
    { "parse", cmd_parse, "read patent files (USPTO XML, JSON Lines, text) and print JSON Lines" },
    { "analyze", cmd_analyze, "show the terms a text becomes, or term statistics of a corpus" },
    { "index", cmd_index, "build an on-disk index from patent files" },
    { "stats", cmd_stats, "what an index holds: documents, terms, sizes, dates, entities" },
    { "show", cmd_show, "print a stored document of an index" },
    { "check", cmd_check, "verify every file of an index" },
    { "search", cmd_search, "find the indexed documents most similar to keywords or a document" },
    { "similar", cmd_similar, "near-duplicates of one document (MinHash, verified)" },
    { "dedup", cmd_dedup, "every near-duplicate pair (or group) of an index" },
    { "merge", cmd_merge, "merge an index's segments into one, dropping replaced documents" },
};

static void usage(FILE *out)
{
    fprintf(out,
            "patsift %s - patent triage and prior-art similarity search\n"
            "\n"
            "usage: patsift COMMAND [OPTIONS] [ARGS]\n"
            "\n"
            "commands:\n",
            PATSIFT_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "'patsift COMMAND --help' explains a command and its options.\n"
            "\n"
            "examples:\n"
            "  patsift parse ipg130416.xml.gz > grants.jsonl    convert USPTO bulk XML to JSON Lines\n"
            "  patsift analyze 'Lithium-ion battery cells'     see what gets indexed\n"
            "  patsift analyze --corpus corpus/sample          term statistics of a corpus\n"
            "  patsift index -o idx corpus/sample              build an index\n"
            "  patsift show idx US9100001B2                    a stored document\n"
            "\n"
            "exit codes: 0 ok, 1 input errors, 2 usage errors, 3 internal failure\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("patsift %s\n", PATSIFT_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "patsift: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return EXIT_USAGE;
}
