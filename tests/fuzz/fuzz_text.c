/* Fuzz target: the plain-text reader (src/corpus/text_reader.c via the
 * public reader API): one patent per input, id from the buffer name. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_read_all(data, size, "US1234567B2.txt", PS_FORMAT_TEXT, false, true);
    return 0;
}
