/* The analyser: tokenisation, normalisation, CJK bigrams, stop words,
 * stemming, positions and offsets, robustness. */
#include <criterion/criterion.h>
#include <xxhash.h>

#include "test_helpers.h"

static ps_analyzer *a;
static char buf[4096];

static void setup(void) { cr_assert_eq(ps_analyzer_create(NULL, &a), PS_OK); }
static void teardown(void) { ps_analyzer_free(a); }

TestSuite(analyze, .init = setup, .fini = teardown);

Test(analyze, ascii_words_are_folded_stopped_and_stemmed)
{
    cr_assert_str_eq(terms_of(a, "The Batteries are CHARGING quickly", buf, sizeof buf),
                     "batteri charg quick");
}

Test(analyze, patent_boilerplate_is_removed)
{
    cr_assert_str_eq(terms_of(a, "said valve, wherein the plurality of valves comprising", buf, sizeof buf),
                     "valv valv");
}

Test(analyze, stop_lists_can_be_switched_off)
{
    ps_analyzer *b;
    ps_analyzer_opts o = { .no_patent_stop = true, .no_stem = true };
    cr_assert_eq(ps_analyzer_create(&o, &b), PS_OK);
    cr_assert_str_eq(terms_of(b, "the said valve", buf, sizeof buf), "said valve");
    ps_analyzer_free(b);
    o = (ps_analyzer_opts){ .no_english_stop = true, .no_stem = true };
    cr_assert_eq(ps_analyzer_create(&o, &b), PS_OK);
    cr_assert_str_eq(terms_of(b, "the said valve", buf, sizeof buf), "the valve");
    ps_analyzer_free(b);
}

Test(analyze, accents_are_folded_for_latin_only_when_asked)
{
    cr_assert_str_eq(terms_of(a, "Café naïve Müller Straße", buf, sizeof buf), "cafe naiv muller strass");
    ps_analyzer *b;
    ps_analyzer_opts o = { .keep_accents = true, .no_stem = true };
    cr_assert_eq(ps_analyzer_create(&o, &b), PS_OK);
    cr_assert_str_eq(terms_of(b, "Café", buf, sizeof buf), "café");
    ps_analyzer_free(b);
}

Test(analyze, nfkc_folds_fullwidth_and_ligatures)
{
    cr_assert_str_eq(terms_of(a, "ＬＥＤ ﬁlter x²", buf, sizeof buf), "led filter x2");
}

Test(analyze, hyphens_split_words)
{
    cr_assert_str_eq(terms_of(a, "lithium-ion self-cleaning", buf, sizeof buf), "lithium ion self clean");
}

Test(analyze, numbers_keep_decimal_points_and_drop_thousands_commas)
{
    toklist l = { .n = 0 };
    uint32_t pos = 0;
    const char *t = "3.5 mm, 1,000 rpm, 10mm. End.";
    ps_analyze(a, PS_FIELD_CLAIMS, t, strlen(t), &pos, collect, &l);
    cr_assert_eq(l.n, 6);
    cr_assert_str_eq(l.terms[0], "3.5");
    cr_assert_eq(l.kind[0], PS_TOKEN_NUMBER);
    cr_assert_str_eq(l.terms[2], "1000");
    cr_assert_eq(l.kind[2], PS_TOKEN_NUMBER);
    cr_assert_str_eq(l.terms[4], "10mm");
    cr_assert_eq(l.kind[4], PS_TOKEN_WORD);
    cr_assert_str_eq(l.terms[5], "end");
}

Test(analyze, possessive_and_apostrophes)
{
    cr_assert_str_eq(terms_of(a, "the device's rotor’s 'quoted'", buf, sizeof buf), "devic rotor quot");
}

Test(analyze, cjk_becomes_overlapping_bigrams)
{
    toklist l = { .n = 0 };
    uint32_t pos = 0;
    const char *t = "锂离子电池";
    ps_analyze(a, PS_FIELD_TITLE, t, strlen(t), &pos, collect, &l);
    cr_assert_eq(l.n, 4);
    cr_assert_str_eq(l.terms[0], "锂离");
    cr_assert_str_eq(l.terms[1], "离子");
    cr_assert_str_eq(l.terms[2], "子电");
    cr_assert_str_eq(l.terms[3], "电池");
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(l.kind[i], PS_TOKEN_CJK);
        cr_assert_eq(l.pos[i], (uint32_t)i);
        cr_assert_eq(l.start[i], (uint32_t)(3 * i));
        cr_assert_eq(l.end[i], (uint32_t)(3 * i + 6));
    }
}

Test(analyze, lone_cjk_character_is_a_unigram_and_scripts_split)
{
    cr_assert_str_eq(terms_of(a, "LED灯 and 電池パック", buf, sizeof buf), "led 灯 電池 池パ パッ ック");
}

Test(analyze, halfwidth_katakana_is_normalised)
{
    cr_assert_str_eq(terms_of(a, "ﾊﾟｯｸ", buf, sizeof buf) , terms_of(a, "パック", buf + 2048, 2048));
}

Test(analyze, hangul_is_bigrammed)
{
    cr_assert_str_eq(terms_of(a, "배터리", buf, sizeof buf), "배터 터리");
}

Test(analyze, cjk_bigrams_can_be_unigrams)
{
    ps_analyzer *b;
    ps_analyzer_opts o = { .no_cjk_bigrams = true };
    cr_assert_eq(ps_analyzer_create(&o, &b), PS_OK);
    cr_assert_str_eq(terms_of(b, "电池", buf, sizeof buf), "电 池");
    ps_analyzer_free(b);
}

Test(analyze, invalid_utf8_is_skipped_and_counted)
{
    const char t[] = "good\xff\xfe bad\xc3 ok\xe2\x82 end \xed\xa0\x80x";
    ps_analyzer_stats_reset(a);
    cr_assert_str_eq(terms_of(a, t, buf, sizeof buf), "good bad ok end x");
    ps_analyzer_stats st;
    ps_analyzer_stats_get(a, &st);
    cr_assert_geq(st.invalid_utf8, 4);
}

Test(analyze, empty_and_separator_only_input)
{
    cr_assert_str_eq(terms_of(a, "", buf, sizeof buf), "");
    cr_assert_str_eq(terms_of(a, " ,.;!? -- \t\n", buf, sizeof buf), "");
}

Test(analyze, very_long_tokens_are_dropped_but_use_a_position)
{
    static char t[20000];
    memset(t, 'a', sizeof t - 1);
    memcpy(t, "start ", 6);
    memcpy(t + sizeof t - 5, " end", 5);
    toklist l = { .n = 0 };
    uint32_t pos = 0;
    ps_analyzer_stats_reset(a);
    ps_analyze(a, PS_FIELD_DESCRIPTION, t, strlen(t), &pos, collect, &l);
    cr_assert_eq(l.n, 2);
    cr_assert_str_eq(l.terms[0], "start");
    cr_assert_str_eq(l.terms[1], "end");
    cr_assert_eq(l.pos[1], 2);
    ps_analyzer_stats st;
    ps_analyzer_stats_get(a, &st);
    cr_assert_eq(st.too_long, 1);
}

Test(analyze, positions_count_stop_words_and_offsets_point_into_the_source)
{
    const char *t = "A valve of the pump";
    toklist l = { .n = 0 };
    uint32_t pos = 10;
    ps_analyze(a, PS_FIELD_CLAIMS, t, strlen(t), &pos, collect, &l);
    cr_assert_eq(l.n, 2);
    cr_assert_eq(l.pos[0], 11);
    cr_assert_eq(l.pos[1], 14);
    cr_assert_eq(pos, 15);
    cr_assert_eq(strncmp(t + l.start[1], "pump", l.end[1] - l.start[1]), 0);
}

static int stop_after_two(const ps_token *t, void *ctx)
{
    (void)t;
    return ++*(int *)ctx == 2;
}

/* The stop comes in the middle of a run of queued words: the rest of the
 * run is dropped, not emitted by the next call. */
Test(analyze, callback_can_stop_early)
{
    int n = 0;
    uint32_t pos = 0;
    const char *t = "one two three four five six seven eight nine ten eleven";
    cr_assert_eq(ps_analyze(a, PS_FIELD_TITLE, t, strlen(t), &pos, stop_after_two, &n), PS_END);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(terms_of(a, "pump", buf, sizeof buf), "pump");
}

Test(analyze, other_snowball_languages_and_unknown_ones)
{
    ps_analyzer *b;
    ps_analyzer_opts o = { .language = "german", .no_english_stop = true, .no_patent_stop = true };
    cr_assert_eq(ps_analyzer_create(&o, &b), PS_OK);
    cr_assert_str_eq(terms_of(b, "Vorrichtungen", buf, sizeof buf), "vorricht");
    ps_analyzer_free(b);
    o.language = "klingon";
    cr_assert_eq(ps_analyzer_create(&o, &b), PS_EUNSUPPORTED);
    cr_assert_null(b);
}

Test(analyze, record_fields_are_tagged_and_separated)
{
    ps_claim claims[2] = { { "1. A pump.", 1, true }, { "2. The pump of claim 1.", 2, false } };
    ps_record r = { .id = "X1", .kind = "", .title = "Pump", .abstract = "Rotary pump",
                    .description = "Details", .claims = claims, .n_claims = 2, .source = "" };
    toklist l = { .n = 0 };
    cr_assert_eq(ps_analyze_record(a, &r, (ps_token_fn)collect, &l), PS_OK);
    cr_assert_str_eq(l.terms[0], "pump");
    cr_assert_str_eq(l.terms[1], "rotari");
    cr_assert_gt(l.pos[1], l.pos[0] + 50, "a gap between fields keeps phrases apart");
    cr_assert_str_eq(l.terms[l.n - 1], "detail");
}

static int check_hash(const ps_token *t, void *ctx)
{
    cr_assert_eq(t->hash, XXH3_64bits(t->term, t->len), "token '%s'", t->term);
    ++*(int *)ctx;
    return 0;
}

/* Consumers key terms by the token's hash: it must be the term's, whether
 * the stem came from the cache or not, for every kind of token. */
Test(analyze, token_hash_is_the_terms_hash)
{
    char longword[64];
    memset(longword, 'x', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    const char *texts[] = { "Rotating pumps' valves, 1,000 pumps and 3.5 volts",
                            "Café ＬＥＤ ﬁlter device’s O'Neil 東京都 x²", longword };
    for (int pass = 0; pass < 2; pass++) /* the second pass hits the stem cache */
        for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
            int n = 0;
            uint32_t pos = 0;
            cr_assert_eq(ps_analyze(a, PS_FIELD_ABSTRACT, texts[i], strlen(texts[i]), &pos, check_hash, &n), PS_OK);
            cr_assert_gt(n, 0);
        }
}

/* Plain ASCII words are queued and stemmed in runs (their stem-cache
 * slots prefetched); the tokens must be those of analysing one word at a
 * time, where every word goes alone: same terms, kinds, positions,
 * offsets and hashes, across runs longer than the queue and other kinds
 * of words (numbers, non-ASCII, CJK, stop words, joined words) between. */
Test(analyze, queued_words_give_what_single_words_give)
{
    char text[2048] = "";
    const char *words[] = { "Rotating", "pumps", "the", "of", "valve's", "3.5", "Café", "東京都", "filter",
                            "wherein", "X2", "self", "cleaning", "O'Neil", "ＬＥＤ", "batteries" };
    for (int i = 0; i < 90; i++) {
        strcat(text, words[(i * 7) % 16]);
        strcat(text, i % 5 ? " " : ", ");
    }
    toklist whole = { .n = 0 }, single = { .n = 0 };
    uint32_t pos = 0;
    cr_assert_eq(ps_analyze(a, PS_FIELD_ABSTRACT, text, strlen(text), &pos, collect, &whole), PS_OK);
    uint32_t pos1 = 0;
    for (const char *w = text; *w;) {
        size_t n = strcspn(w, " ");
        toklist one = { .n = 0 };
        cr_assert_eq(ps_analyze(a, PS_FIELD_ABSTRACT, w, n, &pos1, collect, &one), PS_OK);
        for (int k = 0; k < one.n; k++) {
            single.pos[single.n] = one.pos[k];
            single.kind[single.n] = one.kind[k];
            single.start[single.n] = one.start[k] + (uint32_t)(w - text);
            single.end[single.n] = one.end[k] + (uint32_t)(w - text);
            strcpy(single.terms[single.n++], one.terms[k]);
        }
        w += n + (w[n] == ' ');
    }
    cr_assert_eq(pos, pos1);
    cr_assert_eq(whole.n, single.n);
    cr_assert_gt(whole.n, 60);
    for (int k = 0; k < whole.n; k++) {
        cr_assert_str_eq(whole.terms[k], single.terms[k], "token %d", k);
        cr_assert_eq(whole.pos[k], single.pos[k], "token %d", k);
        cr_assert_eq(whole.kind[k], single.kind[k], "token %d", k);
        cr_assert_eq(whole.start[k], single.start[k], "token %d", k);
        cr_assert_eq(whole.end[k], single.end[k], "token %d", k);
    }
}
