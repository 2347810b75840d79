/* Term cursors over bit-packed blocks with skip tables. */
#include <stdlib.h>
#include <string.h>

#include "search/cursor.h"

static int64_t block_bound(const ps_cursor_t *c, uint32_t k, const ps_scorer *sc)
{
    uint32_t mw, ml;
    if (c->n_blocks == 1) {
        mw = c->one_max_wtf;
        ml = c->one_min_len;
    } else {
        ps_seg_postings_block_figures(&c->it, k, &mw, &ml);
    }
    return ps_score_fixed(sc, c->wq, mw, ml);
}

static uint32_t block_last(const ps_cursor_t *c, uint32_t k)
{
    return c->n_blocks == 1 ? c->docs[c->n - 1] : ps_seg_postings_block_last(&c->it, k);
}

/* Decodes block k and puts the cursor on its first document; a damaged
 * block ends the list (the caller reports it). */
static void load(ps_cursor_t *c, uint32_t k, uint64_t *decoded)
{
    int n = ps_seg_postings_decode(&c->it, k, c->docs, c->tfs, c->counts);
    if (n <= 0) {
        c->corrupt = 1;
        c->doc = PS_DOC_END;
        c->block = c->n_blocks;
        return;
    }
    *decoded += (uint64_t)n;
    c->block = k;
    c->n = (uint32_t)n;
    c->i = 0;
    c->doc = c->docs[0];
}

ps_rc ps_cursor_open(ps_cursor_t *c, const ps_segment *seg, uint64_t term, double wq, const ps_scorer *sc)
{
    c->seg = seg;
    c->wq = wq;
    c->wq1 = wq * (sc->k1 + 1.0) * PS_SCORE_ONE;
    c->corrupt = 0;
    if (ps_seg_postings_init(seg, term, &c->it) != PS_OK || c->it.n_blocks == 0)
        return PS_ECORRUPT;
    c->n_blocks = c->it.n_blocks;
    c->shallow = 0;
    c->ub = 0;
    if (c->n_blocks > c->cap_bound) {
        free(c->bound);
        c->cap_bound = c->n_blocks;
        if (!(c->bound = malloc(c->cap_bound * sizeof *c->bound))) {
            c->cap_bound = 0;
            return PS_ENOMEM;
        }
    }
    if (c->n_blocks == 1) {
        uint32_t pos_off;
        int n = ps_seg_postings_next(&c->it, c->docs, c->tfs, c->counts, &c->one_max_wtf, &c->one_min_len, &pos_off);
        if (n <= 0)
            return PS_ECORRUPT;
        c->block = 0;
        c->n = (uint32_t)n;
        c->i = 0;
        c->doc = c->docs[0];
        c->ub = c->bound[0] = block_bound(c, 0, sc);
        return PS_OK;
    }
    /* every block's bound, once: the term's bound is their maximum, and
     * block-max checks then only look them up */
    for (uint32_t k = 0; k < c->n_blocks; k++) {
        int64_t b = c->bound[k] = block_bound(c, k, sc);
        c->ub = b > c->ub ? b : c->ub;
    }
    uint64_t ignored = 0;
    c->block = c->n_blocks; /* nothing decoded yet */
    load(c, 0, &ignored);
    return c->corrupt ? PS_ECORRUPT : PS_OK;
}

bool ps_cursor_next_block(ps_cursor_t *c, uint64_t *decoded)
{
    if (c->block + 1 >= c->n_blocks || c->doc == PS_DOC_END) {
        c->doc = PS_DOC_END;
        return false;
    }
    load(c, c->block + 1, decoded);
    return !c->corrupt;
}

void ps_cursor_free(ps_cursor_t *c)
{
    free(c->bound);
    c->bound = NULL;
    c->cap_bound = 0;
}

/* The first block at or after from whose last doc is >= target, or
 * n_blocks: galloping, then binary search, over the skip table. */
static uint32_t find_block(const ps_cursor_t *c, uint32_t from, uint32_t target)
{
    if (from >= c->n_blocks || block_last(c, from) >= target)
        return from;
    uint32_t lo = from, step = 1, hi = from + 1; /* block_last(lo) < target */
    while (hi < c->n_blocks && block_last(c, hi) < target) {
        lo = hi;
        step *= 2;
        hi = lo + step;
    }
    if (hi > c->n_blocks)
        hi = c->n_blocks;
    while (hi - lo > 1) { /* block_last(lo) < target <= block_last(hi) or hi == n */
        uint32_t mid = lo + (hi - lo) / 2;
        if (block_last(c, mid) < target)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

void ps_cursor_next_geq(ps_cursor_t *c, uint32_t target, uint64_t *decoded)
{
    if (c->doc >= target)
        return;
    if (c->docs[c->n - 1] < target) {
        uint32_t k = find_block(c, c->block + 1, target);
        if (k >= c->n_blocks) {
            c->doc = PS_DOC_END;
            return;
        }
        load(c, k, decoded);
        if (c->doc >= target || c->corrupt)
            return;
    }
    /* target is in this block: a short linear scan (blocks hold 128) */
    uint32_t i = c->i;
    while (c->docs[i] < target)
        i++;
    c->i = i;
    c->doc = c->docs[i];
}

int64_t ps_cursor_block_bound(ps_cursor_t *c, uint32_t target)
{
    if (c->doc == PS_DOC_END)
        return 0;
    uint32_t from = c->shallow > c->block ? c->shallow : c->block;
    uint32_t k = find_block(c, from, target);
    if (k >= c->n_blocks)
        return 0;
    c->shallow = k;
    return c->bound[k];
}

uint32_t ps_cursor_block_end(const ps_cursor_t *c)
{
    return c->shallow < c->n_blocks ? block_last(c, c->shallow) : PS_DOC_END;
}
