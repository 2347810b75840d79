/* Fuzz target: format sniffing (PS_FORMAT_AUTO) in front of all three
 * parsers, strict and non-strict error policy, several inputs on one
 * reader, and the file/gzip byte source.
 *
 * Input layout:
 *   - strict mode is on when data[0] is odd;
 *   - data starting with 0x1f (the first gzip magic byte) is written to a
 *     temporary file and queued with ps_reader_add_path, so the zlib source
 *     (gzip or, without the 0x8b second byte, plain through gzread) is
 *     fuzzed; strictness then comes from the last byte, as data[0] is
 *     always odd there (the file is unlinked at once and read through
 *     /proc/self/fd, so crashes leave nothing in $TMPDIR);
 *   - otherwise the data is cut at lines "=====" into up to 4 buffers, each
 *     sniffed on its own by one reader. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_PARTS = 4 };

static void via_file(const uint8_t *data, size_t size)
{
    const char *dir = getenv("TMPDIR");
    char tmp[4096], path[64];
    snprintf(tmp, sizeof tmp, "%s/patsift-fuzz-XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(tmp);
    if (fd < 0)
        return;
    /* unlinked at once and read back through /proc (Linux), so a crash
     * leaves no file behind */
    unlink(tmp);
    size_t done = 0;
    while (done < size) {
        ssize_t k = write(fd, data + done, size - done);
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    if (done == size) {
        fz_input in = { .size = size, .path = path };
        fz_read_inputs(&in, 1, PS_FORMAT_AUTO, data[size - 1] & 1, true);
    }
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == 0x1f) {
        via_file(data, size);
        return 0;
    }
    static const char sep[] = "\n=====\n";
    const size_t seplen = sizeof sep - 1;
    fz_input in[MAX_PARTS];
    static const char *const names[MAX_PARTS] = { "part0", "part1", "part2", "part3" };
    size_t n = 0, from = 0;
    while (n < MAX_PARTS - 1) {
        const uint8_t *hit = NULL;
        for (size_t i = from; i + seplen <= size; i++) {
            if (memcmp(data + i, sep, seplen) == 0) {
                hit = data + i;
                break;
            }
        }
        if (!hit)
            break;
        size_t end = (size_t)(hit - data) + 1; /* keep the '\n' ending the part */
        in[n] = (fz_input){ .data = data + from, .size = end - from, .name = names[n] };
        n++;
        from = (size_t)(hit - data) + seplen;
    }
    in[n] = (fz_input){ .data = data + from, .size = size - from, .name = names[n] };
    n++;
    bool strict = size && (data[0] & 1);
    fz_result res = fz_read_inputs(in, n, PS_FORMAT_AUTO, strict, true);
    if (!strict)
        fz_check_raw(in, n, PS_FORMAT_AUTO, &res);
    fz_check_bom(in, n, PS_FORMAT_AUTO, strict, &res);
    return 0;
}
