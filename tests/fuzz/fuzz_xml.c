/* Fuzz target: the USPTO bulk XML reader (src/corpus/xml_reader.c via the
 * public reader API). Every record must satisfy record.h's invariants and
 * survive ps_record_to_json -> jsonl reader -> ps_record_to_json unchanged.
 *
 * Nothing may vanish silently either: the reader cuts the stream at every
 * XML declaration ("<?xml" and white space) and each piece must end up as a record, a skipped non-patent
 * document or a reported error, so records + skipped + errors is at least
 * the number of "<?xml" in the input. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_result res = fz_read_all(data, size, "fuzz.xml", PS_FORMAT_USPTO_XML, false, true);
    if (res.rc != PS_END)
        return 0;
    const ps_reader_stats st = res.st;
    uint64_t decls = 0;
    /* declarations as the reader defines them: "<?xml" then white space or
     * the end of the input (so <?xml-stylesheet is not one) */
    for (size_t i = 0; i + 5 <= size; i++)
        if (data[i] == '<' && memcmp(data + i, "<?xml", 5) == 0 &&
            (i + 5 == size || data[i + 5] == ' ' || data[i + 5] == '\t' || data[i + 5] == '\r' || data[i + 5] == '\n'))
            decls++;
    if (st.records + st.skipped + st.errors < decls)
        fz_fail("%llu \"<?xml\" documents but only %llu records + %llu skipped + %llu errors: "
                "a document vanished without a report",
                (unsigned long long)decls, (unsigned long long)st.records,
                (unsigned long long)st.skipped, (unsigned long long)st.errors);
    return 0;
}
