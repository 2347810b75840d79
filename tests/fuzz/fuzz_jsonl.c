/* Fuzz target: the JSON Lines reader (src/corpus/jsonl_reader.c via the
 * public reader API). Every record must satisfy record.h's invariants, and
 * its ps_record_to_json output read back by a second jsonl reader must give
 * byte-identical JSON (reader.h: "The jsonl reader reads this form back
 * into an identical record"). */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_read_all(data, size, "fuzz.jsonl", PS_FORMAT_JSONL, false, true);
    return 0;
}
