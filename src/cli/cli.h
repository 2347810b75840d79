/* Shared pieces of the command-line front end. Exit codes, for every
 * command: 0 success, 1 input errors (bad records, unreadable files), 2
 * usage errors (bad options), 3 internal failure (out of memory, ...). */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "patsift/analyze.h"
#include "patsift/reader.h"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

int cmd_parse(int argc, char **argv);
int cmd_analyze(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_dedup(int argc, char **argv);
int cmd_similar(int argc, char **argv);

/* index --append merges the index into one segment past this many. */
#define CLI_AUTO_MERGE_SEGMENTS 10
/* Merges the index in dir (the merge command's work); an exit code. */
int cli_merge_index(const char *dir, bool quiet);

/* The analysis options shared by analyze and index (--language, --no-stem,
 * --no-stopwords, --no-patent-stopwords, --keep-accents, --no-cjk-bigrams):
 * getopt_long codes from CLI_OPT_ANALYSIS up, and their help text. */
enum { CLI_OPT_ANALYSIS = 1000 };
#define CLI_ANALYSIS_LONGOPTS                                                    \
    { "language", required_argument, NULL, CLI_OPT_ANALYSIS + 0 },               \
    { "no-stem", no_argument, NULL, CLI_OPT_ANALYSIS + 1 },                      \
    { "no-stopwords", no_argument, NULL, CLI_OPT_ANALYSIS + 2 },                 \
    { "no-patent-stopwords", no_argument, NULL, CLI_OPT_ANALYSIS + 3 },          \
    { "keep-accents", no_argument, NULL, CLI_OPT_ANALYSIS + 4 },                 \
    { "no-cjk-bigrams", no_argument, NULL, CLI_OPT_ANALYSIS + 5 }
#define CLI_ANALYSIS_HELP                                                                 \
    "      --language L         Snowball stemmer language (default english;\n"          \
    "                           'patsift analyze --languages' lists them)\n"             \
    "      --no-stem            keep words unstemmed\n"                                  \
    "      --no-stopwords       keep English stop words\n"                               \
    "      --no-patent-stopwords keep patent boilerplate words\n"                        \
    "      --keep-accents       do not fold accents (cafe vs caf\xC3\xA9)\n"            \
    "      --no-cjk-bigrams     one term per CJK character instead of bigrams\n"
/* Applies option c if it is an analysis option; false otherwise. */
bool cli_analysis_option(int c, const char *arg, ps_analyzer_opts *ao);

/* Opens the index in dir; on failure prints "patsift CMD: why" and
 * returns the exit code, else -1. */
struct ps_index;
int cli_open_index(const char *cmd, const char *dir, struct ps_index **ix);

/* The result formats of search, dedup and similar (--format). */
typedef enum { FMT_TABLE, FMT_JSON, FMT_TSV } out_format;
/* table on a terminal, tsv otherwise. */
out_format cli_default_format(void);
/* Parses FMT of "--format FMT"; -1 when valid, else the usage error's exit
 * code (the message printed for cmd). */
int cli_parse_format(const char *cmd, const char *s, out_format *f);

/* Parses "512M", "2G", "100000K" or plain bytes. */
bool cli_parse_size(const char *s, size_t *out);

/* Prints "patsift CMD: message" to stderr and returns EXIT_USAGE, with a
 * hint to --help. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Parses a positive integer option value; false if it is not one. */
bool cli_parse_uint(const char *s, unsigned long max, unsigned long *out);

/* Progress on standard error, only when it is a terminal. Updates at most
 * four times a second; cli_progress_done clears the line. */
typedef struct cli_progress {
    bool on;
    double start, last;
    const char *what;
} cli_progress;

void cli_progress_start(cli_progress *p, const char *what);
void cli_progress_update(cli_progress *p, uint64_t records, const ps_reader *r);
void cli_progress_done(cli_progress *p);
double cli_now(void);

/* Formats n with thousands separators into buf (>= 32 bytes). */
const char *cli_count(uint64_t n, char *buf);

/* The reader diagnostics callback: prints the message to stderr, at most
 * `limit` times, then once "(further errors not shown)". */
typedef struct cli_diag {
    uint64_t shown, limit;
} cli_diag;
void cli_print_diag(const char *msg, void *ctx);

#endif
