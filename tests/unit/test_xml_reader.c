/* USPTO XML reader, on the real files of ../shared/data/uspto-xml and on
 * small hand-written documents. */
#include <criterion/criterion.h>
#include <dirent.h>

#include "test_helpers.h"

/* Counts "<!DOCTYPE name" in a file: an oracle independent of expat. */
static int count_doctype(const char *path, const char *name)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    char pat[128];
    snprintf(pat, sizeof pat, "<!DOCTYPE %s ", name);
    static char line[1 << 20];
    int n = 0;
    while (fgets(line, sizeof line, f))
        for (char *p = line; (p = strstr(p, pat)); p++)
            n++;
    fclose(f);
    return n;
}

typedef struct counts {
    int records, utility, design, other, skipped, errors;
} counts;

static counts parse_file(const char *path)
{
    counts c = { 0 };
    ps_reader *r;
    ps_reader_create(NULL, &r);
    cr_assert_eq(ps_reader_add_path(r, path), PS_OK);
    const ps_record *rec;
    ps_rc rc;
    while ((rc = ps_reader_next(r, &rec)) == PS_OK) {
        c.records++;
        cr_assert(strncmp(rec->id, "US", 2) == 0, "%s: id %s", path, rec->id);
        cr_assert_neq(rec->publication_date, 0, "%s: %s has no publication date", path, rec->id);
        cr_assert_neq(rec->filing_date, 0, "%s: %s has no filing date", path, rec->id);
        cr_assert_gt(strlen(rec->title), 0, "%s: %s has no title", path, rec->id);
        if (rec->kind[0] == 'S') {
            c.design++;
            cr_assert_eq(rec->n_claims, 1, "a design patent has one claim");
        } else if (rec->kind[0] == 'B' || rec->kind[0] == 'A') {
            c.utility++;
            cr_assert_gt(strlen(rec->abstract), 50, "%s: %s abstract", path, rec->id);
            cr_assert_gt(rec->n_claims, 0, "%s: %s has no claims", path, rec->id);
            cr_assert_gt(ps_record_independent_claims(rec), 0, "%s: %s", path, rec->id);
            cr_assert_eq(rec->claims[0].independent, true, "%s: %s claim 1", path, rec->id);
            cr_assert_gt(strlen(rec->description), 200, "%s: %s description", path, rec->id);
            cr_assert_gt(rec->ipc.count + rec->cpc.count, 0, "%s: %s classification", path, rec->id);
        } else {
            c.other++;
        }
    }
    cr_assert_eq(rc, PS_END, "%s: %s", path, ps_reader_errmsg(r));
    ps_reader_stats st;
    ps_reader_stats_get(r, &st);
    c.skipped = (int)st.skipped;
    c.errors = (int)st.errors;
    ps_reader_free(r);
    return c;
}

Test(xml_reader, every_shared_file_parses_with_the_right_counts)
{
    const char *data = shared_data();
    if (!data)
        cr_skip_test("../shared/data is absent: real USPTO XML tests skipped");
    const char *sub[] = { "uspto-xml/weekly-grants", "uspto-xml/single" };
    int docs = 0, files = 0;
    for (int s = 0; s < 2; s++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", data, sub[s]);
        DIR *d = opendir(dir);
        cr_assert_not_null(d, "%s", dir);
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strstr(e->d_name, ".xml"))
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            int grants = count_doctype(path, "us-patent-grant");
            int apps = count_doctype(path, "us-patent-application");
            int seqs = count_doctype(path, "sequence-cwu");
            counts c = parse_file(path);
            cr_assert_eq(c.errors, 0, "%s", path);
            cr_assert_eq(c.records, grants + apps, "%s: %d records, %d patent documents", path,
                         c.records, grants + apps);
            cr_assert_eq(c.skipped, seqs, "%s: sequence listings skipped", path);
            cr_assert_eq(c.utility + c.design + c.other, c.records);
            docs += c.records + c.skipped;
            files++;
        }
        closedir(d);
    }
    cr_assert_eq(files, 17);
    cr_assert_eq(docs, 238, "230 weekly documents + 8 single ones");
}

static const ps_record *first_record(ps_reader **r, const char *path)
{
    ps_reader_create(NULL, r);
    cr_assert_eq(ps_reader_add_path(*r, path), PS_OK);
    const ps_record *rec;
    cr_assert_eq(ps_reader_next(*r, &rec), PS_OK, "%s", ps_reader_errmsg(*r));
    return rec;
}

Test(xml_reader, known_grant_fields)
{
    const char *data = shared_data();
    if (!data)
        cr_skip_test("../shared/data is absent");
    char path[512];
    snprintf(path, sizeof path, "%s/uspto-xml/single/US08926509.xml", data);
    ps_reader *r;
    const ps_record *rec = first_record(&r, path);
    cr_assert_str_eq(rec->id, "US8926509B2");
    cr_assert_str_eq(rec->kind, "B2");
    cr_assert_eq(rec->publication_date, 20150106);
    cr_assert_eq(rec->filing_date, 20080605);
    cr_assert_eq(rec->priority_date, 20070824, "the provisional application's date");
    cr_assert_eq(rec->n_claims, 31);
    size_t ind[] = { 1, 6, 11, 17, 22, 27 };
    for (size_t i = 0, j = 0; i < rec->n_claims; i++) {
        bool want = j < 6 && rec->claims[i].num == ind[j];
        cr_assert_eq(rec->claims[i].independent, want, "claim %u", rec->claims[i].num);
        j += want;
    }
    cr_assert_str_eq(rec->cpc.items[0], "A61B 5/0205");
    cr_assert_str_eq(rec->applicants.items[0], "Hmicro, Inc.", "the assignee comes first");
    cr_assert_gt(rec->citations.count, 10);
    ps_reader_free(r);
}

Test(xml_reader, old_dtd_ipc_and_claim_ref_text)
{
    const char *data = shared_data();
    if (!data)
        cr_skip_test("../shared/data is absent");
    char path[512];
    snprintf(path, sizeof path, "%s/uspto-xml/single/US06859910.xml", data);
    ps_reader *r;
    const ps_record *rec = first_record(&r, path);
    cr_assert_str_eq(rec->id, "US6859910B2");
    cr_assert_str_eq(rec->ipc.items[0], "G06F 15/00", "G06F015/00 normalised");
    cr_assert_eq(rec->priority_date, 20000410);
    cr_assert_str_eq(rec->claims[1].text, "2. A method of claim 1, further comprising: caching static "
                                          "content from the set of pages.");
    cr_assert_eq(rec->claims[1].independent, false);
    ps_reader_free(r);
}

Test(xml_reader, published_application)
{
    const char *data = shared_data();
    if (!data)
        cr_skip_test("../shared/data is absent");
    char path[512];
    snprintf(path, sizeof path, "%s/uspto-xml/single/US20050004974A1.xml", data);
    ps_reader *r;
    const ps_record *rec = first_record(&r, path);
    cr_assert_str_eq(rec->id, "US20050004974A1");
    cr_assert_str_eq(rec->kind, "A1");
    cr_assert_eq(rec->filing_date, 20031016);
    cr_assert_eq(rec->priority_date, 20021016);
    ps_reader_free(r);
}

#define DOC(num, body)                                                                          \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"                                              \
    "<!DOCTYPE us-patent-grant SYSTEM \"us-patent-grant-v45-2014-04-03.dtd\" [ ]>\n"            \
    "<us-patent-grant><us-bibliographic-data-grant><publication-reference><document-id>"        \
    "<country>US</country><doc-number>" num "</doc-number><kind>B1</kind><date>20140107</date>" \
    "</document-id></publication-reference><invention-title>Widget &amp; H<sub>2</sub>O "      \
    "pump</invention-title></us-bibliographic-data-grant>" body "</us-patent-grant>\n"

Test(xml_reader, inline_markup_and_entities_keep_words_whole)
{
    readall out;
    read_buffer(&out, DOC("0000123", "<abstract><p>First para.</p><p>Second<?PI x?> para"
                                     "&#x2014;end.</p></abstract>"),
                PS_FORMAT_USPTO_XML, false);
    cr_assert_eq(out.n, 1);
    cr_assert(strstr(out.json[0], "\"id\":\"US123B1\""), "%s", out.json[0]);
    cr_assert(strstr(out.json[0], "\"title\":\"Widget & H2O pump\""), "%s", out.json[0]);
    cr_assert(strstr(out.json[0], "\"abstract\":\"First para. Second para\u2014end.\""), "%s", out.json[0]);
    readall_free(&out);
}

Test(xml_reader, broken_document_is_reported_and_the_next_one_still_parses)
{
    readall out;
    const char *in = DOC("1", "") "<?xml version=\"1.0\"?>\n<us-patent-grant><oops></us-patent-grant>\n" DOC("3", "");
    read_buffer(&out, in, PS_FORMAT_USPTO_XML, false);
    cr_assert_eq(out.n, 2);
    cr_assert_eq(out.n_err, 1);
    cr_assert(strstr(out.errs[0], "buf:5: XML error: mismatched tag"), "%s", out.errs[0]);
    cr_assert(strstr(out.json[1], "US3B1"));
    readall_free(&out);
    read_buffer(&out, in, PS_FORMAT_USPTO_XML, true);
    cr_assert_eq(out.n, 1, "strict mode stops at the broken document");
    cr_assert_eq(out.last, PS_EPARSE);
    readall_free(&out);
}

Test(xml_reader, truncated_last_document)
{
    readall out;
    read_buffer(&out, DOC("1", "") "<?xml version=\"1.0\"?>\n<us-patent-grant><abstract>cut",
                PS_FORMAT_USPTO_XML, false);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.n_err, 1);
    cr_assert(strstr(out.errs[0], "buf:5:"), "%s", out.errs[0]);
    readall_free(&out);
}

Test(xml_reader, non_patent_documents_are_skipped_unknown_ones_reported)
{
    readall out;
    read_buffer(&out,
                "<?xml version=\"1.0\"?>\n<sequence-cwu><s>ACGT</s></sequence-cwu>\n"
                "<?xml version=\"1.0\"?>\n<ep-patent-document/>\n" DOC("9", ""),
                PS_FORMAT_USPTO_XML, false);
    cr_assert_eq(out.n, 1);
    cr_assert_eq(out.st.skipped, 1);
    cr_assert_eq(out.n_err, 1);
    cr_assert(strstr(out.errs[0], "buf:3: unsupported document type <ep-patent-document>"), "%s", out.errs[0]);
    readall_free(&out);
}

Test(xml_reader, patent_without_number_is_an_error)
{
    readall out;
    read_buffer(&out, "<us-patent-grant><abstract>x</abstract></us-patent-grant>", PS_FORMAT_USPTO_XML, false);
    cr_assert_eq(out.n, 0);
    cr_assert_eq(out.n_err, 1);
    cr_assert(strstr(out.errs[0], "without a publication number"), "%s", out.errs[0]);
    readall_free(&out);
}

Test(xml_reader, documents_on_one_line_are_all_read)
{
    readall out;
    char in[4096];
    snprintf(in, sizeof in, "%s", DOC("1", "") DOC("2", "") DOC("3", ""));
    for (char *p = in; *p; p++)
        if (*p == '\n')
            *p = ' ';
    read_buffer(&out, in, PS_FORMAT_USPTO_XML, true);
    cr_assert_eq(out.n, 3, "%s", out.n_err ? out.errs[0] : "");
    cr_assert(strstr(out.json[0], "US1B1") && strstr(out.json[2], "US3B1"));
    readall_free(&out);
}

Test(xml_reader, odd_claim_numbers_become_unknown)
{
    readall out;
    read_buffer(&out, DOC("4", "<claims><claim num=\"-3\"><claim-text>1. A.</claim-text></claim>"
                               "<claim num=\"200000\"><claim-text>2. B.</claim-text></claim>"
                               "<claim num=\"007\"><claim-text>7. C.</claim-text></claim></claims>"),
                PS_FORMAT_USPTO_XML, true);
    cr_assert_eq(out.n, 1);
    cr_assert(strstr(out.json[0], "[{\"num\":0,") && strstr(out.json[0], "{\"num\":0,\"independent\":true,\"text\":\"2. B.\"}") &&
              strstr(out.json[0], "{\"num\":7,"), "%s", out.json[0]);
    readall_free(&out);
}
