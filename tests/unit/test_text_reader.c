/* Plain-text reader and the front end: folders, format sniffing, gzip. */
#include <criterion/criterion.h>
#include <unistd.h>
#include <zlib.h>

#include "test_helpers.h"

static char dir[] = "/tmp/patsift-test-XXXXXX";

static void write_file(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(text_reader, .init = setup, .fini = teardown);

Test(text_reader, sections_and_id_from_file_name)
{
    write_file("US1234567B1.txt",
               "\n  Self-cleaning water filter\n"
               "Background text.\n"
               "Abstract\nA filter that cleans itself.\n"
               "Claims:\n1. A filter comprising a mesh.\n2. The filter of claim 1, wherein the mesh is steel.\n"
               "Description\nThe filter has a mesh.\n");
    char path[256];
    snprintf(path, sizeof path, "%s/US1234567B1.txt", dir);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    cr_assert_eq(ps_reader_add_path(r, path), PS_OK);
    const ps_record *rec;
    cr_assert_eq(ps_reader_next(r, &rec), PS_OK, "%s", ps_reader_errmsg(r));
    cr_assert_str_eq(rec->id, "US1234567B1");
    cr_assert_str_eq(rec->title, "Self-cleaning water filter");
    cr_assert_str_eq(rec->abstract, "A filter that cleans itself.");
    cr_assert_str_eq(rec->description, "Background text. The filter has a mesh.");
    cr_assert_eq(rec->n_claims, 2);
    cr_assert_eq(rec->claims[0].independent, true);
    cr_assert_eq(rec->claims[1].independent, false);
    cr_assert_eq(rec->claims[1].num, 2);
    cr_assert_eq(ps_reader_next(r, &rec), PS_END);
    ps_reader_free(r);
}

Test(text_reader, folder_mixes_formats_in_name_order_and_skips_others)
{
    write_file("b.jsonl", "{\"id\":\"J1\"}\n{\"id\":\"J2\"}\n");
    write_file("a.txt", "Title A\n");
    write_file("c.md", "# not a patent file\n");
    write_file(".hidden.txt", "Hidden\n");
    write_file("d.xml", "<?xml version=\"1.0\"?>\n<us-patent-grant><publication-reference><document-id>"
                        "<country>US</country><doc-number>5</doc-number><kind>B1</kind></document-id>"
                        "</publication-reference></us-patent-grant>\n");
    write_file("e.txt", "");
    ps_reader *r;
    readall dummy = { 0 };
    ps_reader_opts o = { .on_error = on_err, .ctx = &dummy };
    ps_reader_create(&o, &r);
    cr_assert_eq(ps_reader_add_path(r, dir), PS_OK);
    const char *want[] = { "a", "J1", "J2", "US5B1" };
    const ps_record *rec;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(ps_reader_next(r, &rec), PS_OK, "%s", ps_reader_errmsg(r));
        cr_assert_str_eq(rec->id, want[i]);
    }
    cr_assert_eq(ps_reader_next(r, &rec), PS_END);
    cr_assert_eq(dummy.n_err, 1);
    cr_assert(strstr(dummy.errs[0], "e.txt: ") && strstr(dummy.errs[0], "empty text file"), "%s", dummy.errs[0]);
    ps_reader_stats st;
    ps_reader_stats_get(r, &st);
    cr_assert_eq(st.files, 4);
    ps_reader_free(r);
}

Test(text_reader, gzip_is_read_transparently_and_content_sniffed)
{
    char path[256];
    snprintf(path, sizeof path, "%s/grants.data", dir);
    gzFile gz = gzopen(path, "wb");
    cr_assert_not_null(gz);
    gzputs(gz, "\xEF\xBB\xBF\n{\"id\":\"G1\",\"title\":\"Zipped\"}\n");
    gzclose(gz);
    ps_reader *r;
    ps_reader_create(NULL, &r);
    cr_assert_eq(ps_reader_add_path(r, path), PS_OK);
    const ps_record *rec;
    cr_assert_eq(ps_reader_next(r, &rec), PS_OK, "%s", ps_reader_errmsg(r));
    cr_assert_str_eq(rec->title, "Zipped");
    ps_reader_free(r);
}

Test(text_reader, truncated_gzip_is_an_error_not_a_crash)
{
    char path[256];
    snprintf(path, sizeof path, "%s/cut.jsonl.gz", dir);
    gzFile gz = gzopen(path, "wb");
    for (int i = 0; i < 2000; i++)
        gzprintf(gz, "{\"id\":\"N%d\",\"abstract\":\"%d some text to compress %d\"}\n", i, i * 7, i * 13);
    gzclose(gz);
    cr_assert_eq(truncate(path, 3000), 0);
    ps_reader *r;
    ps_reader_opts o = { .strict = true };
    ps_reader_create(&o, &r);
    cr_assert_eq(ps_reader_add_path(r, path), PS_OK);
    const ps_record *rec;
    ps_rc rc;
    int n = 0;
    while ((rc = ps_reader_next(r, &rec)) == PS_OK)
        n++;
    cr_assert_eq(rc, PS_EIO);
    cr_assert_lt(n, 2000);
    cr_assert(strstr(ps_reader_errmsg(r), "cut.jsonl.gz:"), "%s", ps_reader_errmsg(r));
    ps_reader_free(r);
}

Test(text_reader, missing_path_is_reported_at_once)
{
    ps_reader *r;
    ps_reader_create(NULL, &r);
    cr_assert_eq(ps_reader_add_path(r, "/nonexistent/patents.xml"), PS_EIO);
    cr_assert(strstr(ps_reader_errmsg(r), "/nonexistent/patents.xml: No such file"), "%s", ps_reader_errmsg(r));
    ps_reader_free(r);
}

Test(text_reader, invalid_utf8_in_text_becomes_replacement_characters)
{
    readall out;
    read_buffer(&out, "Bad \xff title\nAbstract\nok\n", PS_FORMAT_TEXT, true);
    cr_assert_eq(out.n, 1);
    cr_assert(strstr(out.json[0], "\"title\":\"Bad \xEF\xBF\xBD title\""), "%s", out.json[0]);
    readall_free(&out);
}
