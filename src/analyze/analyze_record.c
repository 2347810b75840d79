/* Analyses every text field of a record as one token stream. */
#include <string.h>

#include "patsift/analyze.h"

enum { FIELD_GAP = 100, CLAIM_GAP = 10 };

ps_rc ps_analyze_record(ps_analyzer *a, const ps_record *r, ps_token_fn fn, void *ctx)
{
    uint32_t pos = 0;
    ps_rc rc = ps_analyze(a, PS_FIELD_TITLE, r->title, strlen(r->title), &pos, fn, ctx);
    if (rc != PS_OK)
        return rc;
    pos += FIELD_GAP;
    rc = ps_analyze(a, PS_FIELD_ABSTRACT, r->abstract, strlen(r->abstract), &pos, fn, ctx);
    if (rc != PS_OK)
        return rc;
    pos += FIELD_GAP;
    for (size_t i = 0; i < r->n_claims; i++) {
        /* the leading claim number ("12. A pump") is layout, not content */
        const char *t = r->claims[i].text;
        const char *p = t;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p > t && *p == '.' && (p[1] == ' ' || p[1] == '\0'))
            t = p + 1;
        rc = ps_analyze(a, PS_FIELD_CLAIMS, t, strlen(t), &pos, fn, ctx);
        if (rc != PS_OK)
            return rc;
        pos += CLAIM_GAP;
    }
    pos += FIELD_GAP;
    return ps_analyze(a, PS_FIELD_DESCRIPTION, r->description, strlen(r->description), &pos, fn,
                      ctx);
}
