/* Record helpers: dates, entity names, clone, white-space squeezing. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "patsift/record.h"

Test(record, dates_parse_in_both_forms_and_check_the_calendar)
{
    int32_t d = 0;
    cr_assert_eq(ps_date_parse("2015-03-02", 10, &d), PS_OK);
    cr_assert_eq(d, 20150302);
    cr_assert_eq(ps_date_parse("20000229", 8, &d), PS_OK, "2000 is a leap year");
    cr_assert_eq(ps_date_parse("19000229", 8, &d), PS_EPARSE, "1900 is not");
    cr_assert_eq(ps_date_parse("20150230", 8, &d), PS_EPARSE);
    cr_assert_eq(ps_date_parse("20000600", 8, &d), PS_EPARSE, "USPTO's day 00 means unknown");
    cr_assert_eq(ps_date_parse("2015-3-02", 9, &d), PS_EPARSE);
    cr_assert_eq(ps_date_parse(" 20150302", 9, &d), PS_EPARSE);
    cr_assert_eq(ps_date_parse("99991231", 8, &d), PS_EPARSE);
    char buf[11];
    cr_assert_str_eq(ps_date_format(20150302, buf), "2015-03-02");
}

Test(record, day_numbers)
{
    cr_assert_eq(ps_date_to_days(19700101), 0);
    cr_assert_eq(ps_date_to_days(19700102), 1);
    cr_assert_eq(ps_date_to_days(19691231), -1);
    cr_assert_eq(ps_date_to_days(20000301) - ps_date_to_days(20000228), 2);
    /* back again, over the whole range; outside it (a damaged index can
     * hold any day number) the unknown date, never an overflow */
    cr_assert_eq(ps_date_from_days(ps_date_to_days(10101)), 10101);
    cr_assert_eq(ps_date_from_days(ps_date_to_days(99991231)), 99991231);
    cr_assert_eq(ps_date_from_days(ps_date_to_days(20240229)), 20240229);
    cr_assert_eq(ps_date_from_days(ps_date_to_days(99991231) + 1), 0);
    cr_assert_eq(ps_date_from_days(ps_date_to_days(10101) - 1), 0);
    cr_assert_eq(ps_date_from_days(INT32_MAX), 0);
    cr_assert_eq(ps_date_from_days(INT32_MIN), 0);
}

Test(record, entity_names)
{
    ps_entity e = PS_ENTITY_LARGE;
    cr_assert_eq(ps_entity_parse("Micro", &e), PS_OK);
    cr_assert_eq(e, PS_ENTITY_MICRO);
    cr_assert_eq(ps_entity_parse("medium", &e), PS_EPARSE);
    cr_assert_eq(e, PS_ENTITY_MICRO);
    cr_assert_str_eq(ps_entity_name(PS_ENTITY_SMALL), "small");
}

Test(record, clone_is_deep)
{
    char title[] = "Pump";
    const char *cpc[] = { "F04D 1/00", "F04D 3/00" };
    ps_claim claims[] = { { "1. A pump.", 1, true }, { "2. The pump of claim 1.", 2, false } };
    ps_record r = { .id = "X", .kind = "B1", .title = title, .abstract = "", .description = "",
                    .claims = claims, .n_claims = 2, .cpc = { cpc, 2 }, .source = "f",
                    .filing_date = 20150302, .fast_track = 1 };
    ps_record *c = ps_record_clone(&r);
    cr_assert_not_null(c);
    title[0] = 'X';
    cr_assert_str_eq(c->title, "Pump");
    cr_assert_neq(c->cpc.items, r.cpc.items);
    cr_assert_str_eq(c->cpc.items[1], "F04D 3/00");
    cr_assert_str_eq(c->claims[1].text, "2. The pump of claim 1.");
    cr_assert_eq(c->claims[1].independent, false);
    cr_assert_eq(c->filing_date, 20150302);
    cr_assert_eq(ps_record_independent_claims(c), 1);
    free(c);
}

Test(record, squeeze_space_keeps_words_and_one_space_between)
{
    static const struct {
        const char *in;
        size_t n;
        const char *want;
    } cases[] = {
        { "", 0, "" },
        { " \t\n", 3, "" },
        { "a", 1, "a" },
        { "  a  b\t\r\nc  ", 12, "a b c" },
        { "x\0y", 3, "x y" },               /* NUL is a space: strings stay C strings */
        { "\xc3\xa9t\xc3\xa9  d\xc3\xa9j\xc3\xa0", 13, "\xc3\xa9t\xc3\xa9 d\xc3\xa9j\xc3\xa0" },
        { "\vend\f", 5, "end" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32];
        memset(out, 'Z', sizeof out);
        size_t n = ps_squeeze_space(cases[i].in, cases[i].n, out);
        cr_assert_eq(n, strlen(cases[i].want), "case %zu", i);
        cr_assert_str_eq(out, cases[i].want, "case %zu", i);
    }
}

/* The straightforward definition: runs of space (and NUL) become one ' ',
 * none at either end. */
static size_t squeeze_reference(const unsigned char *s, size_t n, char *out)
{
    size_t o = 0;
    bool pending = false;
    for (size_t i = 0; i < n; i++) {
        bool sp = s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v' ||
                  s[i] == 0;
        if (sp) {
            pending = o > 0;
            continue;
        }
        if (pending)
            out[o++] = ' ';
        pending = false;
        out[o++] = (char)s[i];
    }
    out[o] = '\0';
    return o;
}

/* Eight bytes at a time where nothing changes, byte by byte elsewhere:
 * the same result for every mix of single and double spaces, other
 * whitespace, NUL, control and high bytes, at every length and alignment. */
Test(record, squeeze_space_matches_its_definition_on_random_text)
{
    static const unsigned char alphabet[] = { 'a', 'b', ' ', ' ', ' ', '\t', '\n', 0, 0x01, 0x1f, 0x20, 0x21,
                                              0x7f, 0x80, 0xa0, 0xc3, 0xff, 'Z' };
    uint64_t seed = 42;
    unsigned char in[80];
    char got[96], want[96];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(round % 80);
        int mostly_words = round % 3; /* also long runs of letters with single spaces */
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            unsigned r = (unsigned)(seed >> 33);
            in[i] = mostly_words ? (r % 7 == 0 ? ' ' : (unsigned char)('a' + r % 26))
                                 : alphabet[r % sizeof alphabet];
        }
        size_t off = (size_t)round % 8; /* unaligned input */
        unsigned char buf[96];
        memcpy(buf + off, in, n);
        size_t wn = squeeze_reference(buf + off, n, want);
        size_t gn = ps_squeeze_space((const char *)buf + off, n, got);
        cr_assert_eq(gn, wn, "round %d", round);
        cr_assert_eq(memcmp(got, want, wn + 1), 0, "round %d: '%s' against '%s'", round, got, want);
    }
}
