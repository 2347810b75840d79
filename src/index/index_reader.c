/* Opening an index, its statistics, stored records, and the full check. */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "index/index_access.h"
#include "index/positions_codec.h"
#include "index/postings_codec.h"
#include "index/segment.h"
#include "patsift/index.h"

struct ps_index {
    char dir[3800];
    ps_manifest mf;
    ps_segment *seg;
};

ps_rc ps_index_open(const char *dir, ps_index **out, char *err, size_t errlen)
{
    *out = NULL;
    ps_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return PS_ENOMEM;
    snprintf(ix->dir, sizeof ix->dir, "%s", dir);
    ps_rc rc = ps_manifest_read(dir, &ix->mf, err, errlen);
    if (rc == PS_END) {
        snprintf(err, errlen, "%s: no index here (no MANIFEST); build one with 'patsift index -o %s ...'", dir, dir);
        rc = PS_EIO;
    }
    if (rc == PS_OK && !(ix->seg = calloc(ix->mf.n_segs ? ix->mf.n_segs : 1, sizeof *ix->seg)))
        rc = PS_ENOMEM;
    for (uint32_t i = 0; rc == PS_OK && i < ix->mf.n_segs; i++) {
        rc = ps_segment_open(&ix->seg[i], dir, &ix->mf.segs[i], err, errlen);
        if (rc == PS_OK && memcmp(&ix->seg[i].mh, &ix->mf.mh, sizeof ix->mf.mh) != 0) {
            snprintf(err, errlen, "%s/%s.mh: corrupt: MinHash settings differ from the MANIFEST's", dir,
                     ix->seg[i].name);
            ps_segment_close(&ix->seg[i]);
            rc = PS_ECORRUPT;
        }
    }
    if (rc != PS_OK) {
        ps_index_close(ix);
        return rc;
    }
    *out = ix;
    return PS_OK;
}

void ps_index_close(ps_index *ix)
{
    if (!ix)
        return;
    for (uint32_t i = 0; ix->seg && i < ix->mf.n_segs; i++)
        ps_segment_close(&ix->seg[i]);
    free(ix->seg);
    ps_manifest_free(&ix->mf);
    free(ix);
}

ps_rc ps_index_info_get(const ps_index *ix, ps_index_info *out)
{
    memset(out, 0, sizeof *out);
    out->segments = ix->mf.n_segs;
    out->generation = ix->mf.generation;
    memcpy(out->weight, ix->mf.weight, sizeof out->weight);
    out->minhash_k = ix->mf.mh.k;
    out->shingle = ix->mf.mh.shingle;
    out->shingle_fields = ix->mf.mh.fields;
    out->lsh_bands = ix->mf.mh.bands;
    out->lsh_rows = ix->mf.mh.rows;
    ps_manifest_analyzer(&ix->mf, &out->analyzer);
    out->store_description = ix->mf.flags & PS_MF_STORE_DESCRIPTION;
    uint64_t len[PS_FIELD_COUNT] = { 0 }, wlen = 0;
    for (uint32_t s = 0; s < ix->mf.n_segs; s++) {
        const ps_segment *seg = &ix->seg[s];
        out->docs += seg->n_docs - seg->n_deleted;
        out->deleted += seg->n_deleted;
        out->terms += seg->n_terms;
        out->bytes_deletions += seg->del.size;
        uint64_t *bytes[PS_SEG_FILES] = { &out->bytes_lexicon, &out->bytes_postings, &out->bytes_positions,
                                           &out->bytes_docs, &out->bytes_store, &out->bytes_minhash };
        for (int k = 0; k < PS_SEG_FILES; k++)
            *bytes[k] += seg->f[k].size;
        for (uint32_t i = 0; i < seg->n_docs; i++) {
            if (!ps_segment_live(seg, i))
                continue;
            wlen += ps_segment_doc_wlen(seg, i);
            for (int f = 0; f < PS_FIELD_COUNT; f++)
                len[f] += ps_segment_doc_len(seg, i, f);
            int32_t d = ps_segment_doc_pub(seg, i);
            if (d && (!out->min_date || d < out->min_date))
                out->min_date = d;
            if (d > out->max_date)
                out->max_date = d;
            uint8_t e = ps_segment_doc_entity(seg, i);
            out->by_entity[e <= PS_ENTITY_LARGE ? e : 0]++;
            const char *cpc = ps_segment_doc_cpc(seg, i);
            out->by_section[*cpc >= 'A' && *cpc <= 'Z' ? *cpc - 'A' : 26]++;
        }
    }
    for (int f = 0; f < PS_FIELD_COUNT; f++)
        out->avg_field_len[f] = out->docs ? (double)len[f] / (double)out->docs : 0;
    out->avg_doc_len = out->docs ? (double)wlen / (double)out->docs : 0;
    return PS_OK;
}

ps_rc ps_index_get(const ps_index *ix, const char *id, ps_record **out)
{
    *out = NULL;
    /* newest segment first: later segments hold the newer records */
    for (uint32_t s = ix->mf.n_segs; s-- > 0;) {
        int64_t d = ps_segment_find_id(&ix->seg[s], id);
        if (d == -2)
            return PS_ENOMEM;
        if (d >= 0)
            return ps_segment_record(&ix->seg[s], (uint32_t)d, out);
    }
    return PS_END;
}

/* Every block of every term decodes, doc ids are in range, the skip maxima
 * are right, and positions parse and stay within the term's range. */
static ps_rc check_postings(const ps_segment *s, char *err, size_t errlen)
{
    uint32_t docs[PS_BLOCK_SIZE], tfs[PS_BLOCK_SIZE], counts[PS_BLOCK_SIZE];
    const char *prev = NULL;
    uint32_t prev_len = 0;
    for (uint64_t t = 0; t < s->n_terms; t++) {
        const char *term;
        uint32_t len, df;
        ps_segment_term(s, t, &term, &len, &df);
        if (prev && ps_term_cmp(prev, prev_len, term, len) >= 0) {
            snprintf(err, errlen, "%s.lex: corrupt: terms out of order at entry %llu", s->name, (unsigned long long)t);
            return PS_ECORRUPT;
        }
        prev = term;
        prev_len = len;
        ps_seg_postings it;
        if (ps_seg_postings_init(s, t, &it) != PS_OK) {
            snprintf(err, errlen, "%s.pst: corrupt: term %llu points outside the file", s->name, (unsigned long long)t);
            return PS_ECORRUPT;
        }
        const uint8_t *pos = it.pos;   /* where the next block's positions must start */
        uint32_t seen = 0, cnt;
        int n;
        uint32_t max_wtf, min_len, pos_off;
        ps_pos_cursor pc;
        while ((n = ps_seg_postings_next(&it, docs, tfs, counts, &max_wtf, &min_len, &pos_off)) > 0) {
            uint32_t mw = 0, ml = UINT32_MAX;
            if (pos_off != (uint32_t)(pos - it.pos) ||
                ps_pos_block_start(&pc, pos, it.pos_end, (uint32_t)n, counts) != 0) {
                snprintf(err, errlen, "%s.pos: corrupt: positions of term %llu", s->name, (unsigned long long)t);
                return PS_ECORRUPT;
            }
            for (int i = 0; i < n; i++) {
                if (docs[i] >= s->n_docs) {
                    snprintf(err, errlen, "%s.pst: corrupt: doc id %u out of range in term %llu", s->name,
                             docs[i], (unsigned long long)t);
                    return PS_ECORRUPT;
                }
                mw = tfs[i] > mw ? tfs[i] : mw;
                uint32_t wl = ps_segment_doc_wlen(s, docs[i]);
                ml = wl < ml ? wl : ml;
                if (ps_pos_next_doc(&pc, NULL, 0, &cnt) != 0) {
                    snprintf(err, errlen, "%s.pos: corrupt: positions of term %llu", s->name, (unsigned long long)t);
                    return PS_ECORRUPT;
                }
            }
            pos = ps_pos_block_end(&pc);
            if (mw != max_wtf || ml != min_len) {
                snprintf(err, errlen, "%s.pst: corrupt: wrong block maxima in term %llu", s->name, (unsigned long long)t);
                return PS_ECORRUPT;
            }
            seen += (uint32_t)n;
        }
        if (n < 0 || seen != df || pos != it.pos_end) {
            snprintf(err, errlen, "%s.pst: corrupt: postings of term %llu do not decode", s->name, (unsigned long long)t);
            return PS_ECORRUPT;
        }
    }
    return PS_OK;
}

/* Every band table: sorted, each document with text once, keys matching
 * the signatures. */
static ps_rc check_minhash(const ps_index *ix, const ps_segment *s, char *err, size_t errlen)
{
    const ps_mh_params *p = &s->mh;
    uint8_t *seen = malloc(s->n_docs ? s->n_docs : 1);
    if (!seen)
        return PS_ENOMEM;
    ps_rc rc = PS_OK;
    for (uint32_t b = 0; b < p->bands && rc == PS_OK; b++) {
        memset(seen, 0, s->n_docs);
        const uint8_t *t = ps_segment_band(s, b);
        uint64_t prev = 0;
        for (uint32_t i = 0; i < s->mh_band_docs && rc == PS_OK; i++) {
            uint32_t key = ps_le32(t + 8 * (size_t)i), doc = ps_le32(t + 8 * (size_t)i + 4);
            uint64_t cur = (uint64_t)key << 32 | doc;
            if (doc >= s->n_docs || seen[doc] || (i && cur <= prev) || !ps_segment_shingles(s, doc)) {
                rc = PS_ECORRUPT;
                break;
            }
            seen[doc] = 1;
            prev = cur;
            if (ps_lsh_key_le(ps_segment_sig(s, doc), b, p->rows) != key)
                rc = PS_ECORRUPT;
        }
    }
    free(seen);
    if (rc == PS_ECORRUPT)
        snprintf(err, errlen, "%s/%s.mh: corrupt: an LSH band table does not match the signatures", ix->dir, s->name);
    return rc;
}

ps_rc ps_index_check(const ps_index *ix, char *err, size_t errlen)
{
    for (uint32_t s = 0; s < ix->mf.n_segs; s++) {
        const ps_segment *seg = &ix->seg[s];
        for (int k = 0; k < PS_SEG_FILES; k++) {
            if (ps_binfile_verify(&seg->f[k]) != PS_OK) {
                snprintf(err, errlen, "%s/%s%s: corrupt: checksum mismatch", ix->dir, seg->name, ps_seg_ext[k]);
                return PS_ECORRUPT;
            }
        }
        ps_rc rc = check_postings(seg, err, errlen);
        if (rc == PS_OK)
            rc = check_minhash(ix, seg, err, errlen);
        if (rc != PS_OK)
            return rc;
        for (uint32_t i = 0; i < seg->n_docs; i++) {
            ps_record *r;
            rc = ps_segment_record(seg, i, &r);
            if (rc != PS_OK) {
                snprintf(err, errlen, "%s/%s.sto: corrupt: stored text of document %u (%s) is damaged",
                         ix->dir, seg->name, i, ps_segment_doc_id(seg, i));
                return rc;
            }
            free(r);
        }
    }
    return PS_OK;
}

uint32_t ps_index_segment_count(const ps_index *ix) { return ix->mf.n_segs; }
const ps_segment *ps_index_segment(const ps_index *ix, uint32_t i) { return &ix->seg[i]; }
const ps_manifest *ps_index_manifest(const ps_index *ix) { return &ix->mf; }
