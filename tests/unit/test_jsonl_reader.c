/* JSON Lines reader: valid records, every kind of malformed line with its
 * line number, strict mode, round trip through the canonical form. */
#include <criterion/criterion.h>

#include "test_helpers.h"

Test(jsonl_reader, full_record)
{
    readall out;
    read_buffer(&out,
                "{\"id\":\"US1B2\",\"kind\":\"B2\",\"title\":\"  Pump \\n rotor \",\"abstract\":\"A pump.\","
                "\"claims\":[\"1. A pump.\",\"2. The pump of claim 1.\"],\"cpc\":[\"F04D 1/00\",\"F04D 1/00\"],"
                "\"applicant\":\"Acme\",\"entity\":\"small\",\"fast_track\":true,"
                "\"filing_date\":\"2015-03-02\",\"priority_date\":\"20140915\",\"date\":\"2017-06-20\","
                "\"unknown\":{\"x\":[1,2]}}\n",
                PS_FORMAT_JSONL, true);
    cr_assert_eq(out.n, 1, "%s", out.errs[0]);
    cr_assert_str_eq(out.json[0],
                     "{\"id\":\"US1B2\",\"kind\":\"B2\",\"title\":\"Pump rotor\",\"abstract\":\"A pump.\","
                     "\"claims\":[{\"num\":1,\"independent\":true,\"text\":\"1. A pump.\"},"
                     "{\"num\":2,\"independent\":false,\"text\":\"2. The pump of claim 1.\"}],"
                     "\"description\":\"\",\"cpc\":[\"F04D 1/00\"],\"ipc\":[],\"applicant\":\"Acme\","
                     "\"applicants\":[\"Acme\"],\"entity\":\"small\",\"fast_track\":true,"
                     "\"filing_date\":\"2015-03-02\",\"priority_date\":\"2014-09-15\","
                     "\"publication_date\":\"2017-06-20\",\"citations\":[]}");
    readall_free(&out);
}

Test(jsonl_reader, canonical_form_reads_back_identically)
{
    readall a, b;
    read_buffer(&a,
                "{\"id\":\"X\",\"claims\":\"1. A gear. 2. The gear of claim 1, toothed. 3. A gearbox "
                "with the gear of claims 1 or 2.\",\"ipc\":\"F16H 1/00\",\"entity\":\"MICRO\"}",
                PS_FORMAT_JSONL, true);
    cr_assert_eq(a.n, 1);
    cr_assert(strstr(a.json[0], "{\"num\":2,\"independent\":false,\"text\":\"2. The gear of claim 1, toothed.\"}"),
              "%s", a.json[0]);
    cr_assert(strstr(a.json[0], "{\"num\":3,\"independent\":false"), "%s", a.json[0]);
    read_buffer(&b, a.json[0], PS_FORMAT_JSONL, true);
    cr_assert_eq(b.n, 1);
    cr_assert_str_eq(a.json[0], b.json[0]);
    readall_free(&a);
    readall_free(&b);
}

/* Each malformed line, the line number it sits on, and the words the error
 * must contain. */
static const struct {
    const char *line;
    const char *expect;
} bad[] = {
    { "{\"id\":\"A\",", "invalid JSON" },
    { "[1,2]", "expected a JSON object, found a list" },
    { "\"text\"", "expected a JSON object" },
    { "{\"title\":\"no id\"}", "missing \"id\"" },
    { "{\"id\":\"  \"}", "\"id\" is empty" },
    { "{\"id\":7}", "field \"id\": expected a string" },
    { "{\"id\":\"A\",\"claims\":5}", "field \"claims\": expected a list of claims or a string" },
    { "{\"id\":\"A\",\"claims\":[{\"num\":1}]}", "claim 1 has no \"text\" string" },
    { "{\"id\":\"A\",\"claims\":[\"x\",[1]]}", "claim 2 is neither a string nor an object" },
    { "{\"id\":\"A\",\"cpc\":{\"a\":1}}", "field \"cpc\": expected a list of strings" },
    { "{\"id\":\"A\",\"cpc\":[\"ok\",3]}", "field \"cpc\": item 2 is not a string" },
    { "{\"id\":\"A\",\"filing_date\":\"2015-02-30\"}", "\"2015-02-30\" is not a date" },
    { "{\"id\":\"A\",\"date\":\"20151301\"}", "field \"date\"" },
    { "{\"id\":\"A\",\"entity\":\"medium\"}", "not one of micro, small, large, unknown" },
    { "{\"id\":\"A\",\"fast_track\":\"yes\"}", "field \"fast_track\": expected true or false" },
    { "{\"id\":\"A\\u0000B\"}", "invalid JSON: field \"id\" holds a NUL" },
    { "{\"id\":\"A\",\"cpc\":[\"x\\u0000\"]}", "field \"cpc\" holds a NUL" },
    { "{\"id\":\"A\xff\"}", "invalid JSON at column 9: invalid UTF-8" },
    { "{\"id\":\"A\"} {}", "invalid JSON at column 12" },
    { "{\"id\":\"A\",}", "invalid JSON" },
    { "{\"id\":\"A\"", "invalid JSON at column 10: unexpected end of line" },
    { "{\"id\":\"A\",\"title\":\"a\x01" "b\"}", "invalid JSON at column 21: control character 0x01" },
    { "null", "expected a JSON object, found null" },
    { "42", "expected a JSON object, found a scalar" },
    { "{\"id\":\"A\",\"claims\":[{\"text\":\"x\",\"num\":1.5}]}", "\"num\" must be a claim number" },
};

Test(jsonl_reader, every_malformed_line_is_reported_with_its_line_number)
{
    size_t n = sizeof bad / sizeof bad[0];
    char in[8192] = "";
    /* good, bad, good, bad, ...: line 2k+2 holds bad[k] */
    for (size_t i = 0; i < n; i++) {
        strcat(in, "{\"id\":\"good\"}\n");
        strcat(in, bad[i].line);
        strcat(in, "\n");
    }
    strcat(in, "\n   \n{\"id\":\"last\"}\n");
    readall out;
    read_buffer(&out, in, PS_FORMAT_JSONL, false);
    cr_assert_eq(out.n, (int)n + 1, "every good line survives");
    cr_assert_eq(out.n_err, (int)n);
    cr_assert_eq(out.st.errors, n);
    for (size_t i = 0; i < n; i++) {
        char where[32];
        snprintf(where, sizeof where, "buf:%zu: ", 2 * i + 2);
        cr_assert(strncmp(out.errs[i], where, strlen(where)) == 0, "want %s got %s", where, out.errs[i]);
        cr_assert(strstr(out.errs[i], bad[i].expect), "line %zu: want '%s' in '%s'", 2 * i + 2,
                  bad[i].expect, out.errs[i]);
    }
    readall_free(&out);
}

/* The checks skip clean ASCII eight bytes at a time: a bad byte is found
 * at its exact column wherever it falls in those words, and a byte of
 * 0x7f or a space is not mistaken for one. */
Test(jsonl_reader, bad_bytes_are_found_at_every_offset)
{
    const char *bytes[] = { "\x01", "\x1f", "\xff", "\xc0\xaf" };
    const char *what[] = { "control character 0x01", "control character 0x1f", "invalid UTF-8", "invalid UTF-8" };
    for (size_t b = 0; b < 4; b++)
        for (size_t at = 0; at < 24; at++) {
            char line[128], text[64];
            memset(text, 'a', at);
            text[at] = '\0';
            for (size_t k = 0; k < at; k += 5)
                text[k] = k % 2 ? '\x7f' : ' '; /* allowed, and at the limits */
            snprintf(line, sizeof line, "{\"id\":\"A\",\"title\":\"%s%sbbbbbbbbbbbbbbbb\"}\n", text, bytes[b]);
            readall out;
            read_buffer(&out, line, PS_FORMAT_JSONL, false);
            char want[96];
            snprintf(want, sizeof want, "invalid JSON at column %zu: %s", 20 + at, what[b]);
            cr_assert_eq(out.n_err, 1, "byte %zu at %zu", b, at);
            cr_assert(strstr(out.errs[0], want), "want '%s' in '%s'", want, out.errs[0]);
            readall_free(&out);
        }
}

Test(jsonl_reader, a_repeated_key_takes_its_last_value)
{
    readall out;
    read_buffer(&out, "{\"id\":\"A\",\"title\":\"old\",\"id\":\"B\",\"title\":null}\n", PS_FORMAT_JSONL, false);
    cr_assert_eq(out.n, 1);
    cr_assert(strstr(out.json[0], "\"id\":\"B\""), "%s", out.json[0]);
    cr_assert(strstr(out.json[0], "\"title\":\"\""), "null is absent: %s", out.json[0]);
    readall_free(&out);
}

Test(jsonl_reader, deep_nesting_in_an_ignored_field_is_read)
{
    char line[512] = "{\"id\":\"A\",\"x\":";
    for (int i = 0; i < 100; i++)
        strcat(line, "[");
    for (int i = 0; i < 100; i++)
        strcat(line, "]");
    strcat(line, "}\n");
    readall out;
    read_buffer(&out, line, PS_FORMAT_JSONL, false);
    cr_assert_eq(out.n, 1, "%s", out.n_err ? out.errs[0] : "");
    readall_free(&out);
}

Test(jsonl_reader, strict_mode_stops_at_the_first_bad_line)
{
    readall out;
    read_buffer(&out, "{\"id\":\"a\"}\n{\"id\":\"b\"}\n{oops\n{\"id\":\"c\"}\n", PS_FORMAT_JSONL, true);
    cr_assert_eq(out.n, 2);
    cr_assert_eq(out.last, PS_EPARSE);
    cr_assert(strncmp(out.errs[0], "buf:3: invalid JSON", 19) == 0, "%s", out.errs[0]);
    readall_free(&out);
}

Test(jsonl_reader, crlf_and_missing_final_newline)
{
    readall out;
    read_buffer(&out, "{\"id\":\"a\"}\r\n{\"id\":\"b\"}", PS_FORMAT_JSONL, true);
    cr_assert_eq(out.n, 2);
    readall_free(&out);
}

Test(jsonl_reader, shared_abstracts_file)
{
    const char *data = shared_data();
    if (!data)
        cr_skip_test("../shared/data is absent");
    char path[512];
    snprintf(path, sizeof path, "%s/patentsview-abstracts.jsonl", data);
    ps_reader *r;
    ps_reader_opts o = { .strict = true };
    ps_reader_create(&o, &r);
    cr_assert_eq(ps_reader_add_path(r, path), PS_OK);
    const ps_record *rec;
    ps_rc rc;
    int n = 0, empty = 0;
    while ((rc = ps_reader_next(r, &rec)) == PS_OK) {
        n++;
        empty += !*rec->abstract;
        cr_assert_neq(rec->publication_date, 0, "%s", rec->id);
        cr_assert_eq(rec->source_line, (uint64_t)n);
    }
    cr_assert_eq(rc, PS_END, "%s", ps_reader_errmsg(r));
    cr_assert_eq(n, 6186);
    cr_assert_eq(empty, 608, "the data README says 608 records have no abstract");
    ps_reader_free(r);
}
