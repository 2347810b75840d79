/* Code point classes for the tokenizer, from utf8proc's Unicode categories
 * plus the CJK blocks that Lucene's CJK analyzer also bigrams. */
#include <utf8proc.h>

#include "analyze/charclass.h"

static bool is_cjk(int32_t cp)
{
    return (cp >= 0x1100 && cp <= 0x11FF) ||   /* Hangul Jamo */
           (cp >= 0x2E80 && cp <= 0x2FDF) ||   /* CJK radicals */
           (cp >= 0x3040 && cp <= 0x30FF) ||   /* Hiragana, Katakana */
           (cp >= 0x3100 && cp <= 0x31FF) ||   /* Bopomofo, Hangul compat Jamo, Katakana ext */
           (cp >= 0x3400 && cp <= 0x4DBF) ||   /* CJK ext A */
           (cp >= 0x4E00 && cp <= 0x9FFF) ||   /* CJK unified */
           (cp >= 0xA960 && cp <= 0xA97F) ||   /* Hangul Jamo ext A */
           (cp >= 0xAC00 && cp <= 0xD7FF) ||   /* Hangul syllables, Jamo ext B */
           (cp >= 0xF900 && cp <= 0xFAFF) ||   /* CJK compatibility ideographs */
           (cp >= 0xFF66 && cp <= 0xFFDC) ||   /* half-width Katakana and Hangul */
           (cp >= 0x20000 && cp <= 0x3134F);   /* CJK ext B..G and compat supplement */
}

#define L PS_CC_LETTER
#define D PS_CC_DIGIT
#define A PS_CC_APOS
#define N PS_CC_NUMSEP
/* ASCII letters and digits; the apostrophe; '.' and ','; the rest separate */
const uint8_t ps_ascii_class[128] = {
    ['A'] = L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
    ['a'] = L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,
    ['0'] = D, D, D, D, D, D, D, D, D, D,
    ['\''] = A, ['.'] = N, [','] = N,
};
#undef L
#undef D
#undef A
#undef N

ps_charclass ps_charclass_of(int32_t cp)
{
    if (cp < 0x80)
        return cp < 0 ? PS_CC_SEP : (ps_charclass)ps_ascii_class[cp];
    if (cp == 0x2019)
        return PS_CC_APOS;
    if (is_cjk(cp)) {
        /* the Katakana middle dot and CJK punctuation in these blocks separate */
        utf8proc_category_t c = utf8proc_category(cp);
        return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO ? PS_CC_SEP : PS_CC_CJK;
    }
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
        return PS_CC_LETTER;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return PS_CC_DIGIT;
    case UTF8PROC_CATEGORY_CF:
        return PS_CC_IGNORE;
    default:
        return PS_CC_SEP;
    }
}

bool ps_cp_needs_nfkc(int32_t cp)
{
    return (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
           (cp >= 0x2F800 && cp <= 0x2FA1F) || (cp >= 0x2E80 && cp <= 0x2FDF) ||
           (cp >= 0x3130 && cp <= 0x318F);
}

bool ps_cp_is_latin(int32_t cp)
{
    return cp < 0x0250 || (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1E00 && cp <= 0x1EFF);
}
