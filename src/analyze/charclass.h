/* What role a code point plays in a token. */
#ifndef PS_ANALYZE_CHARCLASS_H
#define PS_ANALYZE_CHARCLASS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum ps_charclass {
    PS_CC_SEP = 0,  /* separates tokens: space, punctuation, symbols */
    PS_CC_LETTER,   /* L* categories and combining marks */
    PS_CC_DIGIT,    /* N* categories */
    PS_CC_CJK,      /* Han, kana, hangul: bigrammed */
    PS_CC_IGNORE,   /* format characters (soft hyphen, zero-width joiners): dropped inside a token */
    PS_CC_APOS,     /* apostrophe: kept only between letters */
    PS_CC_NUMSEP    /* '.' or ',': kept only between digits */
} ps_charclass;

ps_charclass ps_charclass_of(int32_t cp);

/* The same for ASCII from a table, inline: the scanner asks once per byte,
 * and a call per byte was a tenth of the analysis time. */
extern const uint8_t ps_ascii_class[128];

static inline ps_charclass ps_charclass_fast(int32_t cp)
{
    return cp >= 0 && cp < 0x80 ? (ps_charclass)ps_ascii_class[cp] : ps_charclass_of(cp);
}

/* True for code points whose NFKC form may differ (compatibility and
 * half-width/full-width blocks), so the fast paths can skip normalising. */
bool ps_cp_needs_nfkc(int32_t cp);

/* True for Latin-script letters and combining diacritics, where accents are
 * folded (é -> e) without harming other scripts' vowel signs. */
bool ps_cp_is_latin(int32_t cp);

#endif
