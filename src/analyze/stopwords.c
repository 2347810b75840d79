/* The stop word lists: the one documented place for them.
 *
 * English: function words that carry no topic (articles, pronouns,
 * prepositions, auxiliaries), our own list in the spirit of the usual
 * search-engine sets. Patent: boilerplate that appears in nearly every
 * patent whatever its subject (claim language, "embodiment", "wherein").
 * Words that name real things ("method", "device", "system") are NOT stop
 * words: they distinguish a method claim from an apparatus claim.
 * Both lists are matched against the folded, unstemmed word. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "analyze/stopwords.h"

static const char *const english[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "are", "as", "at", "be", "because", "been", "before", "being", "below",
    "between", "both", "but", "by", "can", "could", "did", "do", "does", "doing", "down",
    "during", "each", "either", "few", "for", "from", "further", "had", "has", "have",
    "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i",
    "if", "in", "into", "is", "it", "its", "itself", "just", "may", "me", "might", "more",
    "most", "must", "my", "myself", "neither", "no", "nor", "not", "of", "off", "on",
    "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
    "same", "shall", "she", "should", "so", "some", "such", "than", "that", "the",
    "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this",
    "those", "through", "thus", "to", "too", "under", "until", "up", "upon", "very",
    "via", "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom",
    "whose", "why", "will", "with", "within", "without", "would", "yet", "you", "your",
    "yours", "yourself", "yourselves", NULL,
};

static const char *const patent[] = {
    "accordance", "according", "aforementioned", "aforesaid", "claim", "claimed",
    "claims", "comprise", "comprised", "comprises", "comprising", "consisting",
    "disclosed", "disclosure", "embodiment", "embodiments", "exemplary", "hereby",
    "herein", "hereinabove", "hereinafter", "hereof", "hereto", "heretofore",
    "invention", "inventive", "least", "plurality", "preferably", "present",
    "respective", "respectively", "said", "substantially", "thereafter", "thereby",
    "therefor", "therefrom", "therein", "thereof", "thereon", "thereto", "therewith",
    "whereas", "whereby", "wherein", "whereupon", NULL,
};

const char *const *ps_stopwords_english(void) { return english; }
const char *const *ps_stopwords_patent(void) { return patent; }

/* Open addressing, power-of-two table of pointers to the static words. */
struct ps_stopset {
    const char **slot;
    size_t mask;
};

static void insert(ps_stopset *s, const char *w)
{
    size_t n = strlen(w);
    for (size_t i = XXH3_64bits(w, n) & s->mask;; i = (i + 1) & s->mask) {
        if (!s->slot[i]) {
            s->slot[i] = w;
            return;
        }
        if (strcmp(s->slot[i], w) == 0)
            return;
    }
}

ps_stopset *ps_stopset_create(bool english_words, bool patent_words)
{
    ps_stopset *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->mask = 1023; /* both lists together are < 200 words: load < 0.2 */
    s->slot = calloc(s->mask + 1, sizeof *s->slot);
    if (!s->slot) {
        free(s);
        return NULL;
    }
    for (const char *const *w = english; english_words && *w; w++)
        insert(s, *w);
    for (const char *const *w = patent; patent_words && *w; w++)
        insert(s, *w);
    return s;
}

bool ps_stopset_has(const ps_stopset *s, const char *w, size_t n)
{
    for (size_t i = XXH3_64bits(w, n) & s->mask; s->slot[i]; i = (i + 1) & s->mask) {
        if (strncmp(s->slot[i], w, n) == 0 && s->slot[i][n] == '\0')
            return true;
    }
    return false;
}

void ps_stopset_free(ps_stopset *s)
{
    if (!s)
        return;
    free(s->slot);
    free(s);
}
