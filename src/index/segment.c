/* Segment reader. Every offset read from a file is checked before use: the
 * layout at open (O(docs + terms)), block contents when decoded. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>
#include <zstd.h>

#include "common/record_builder.h"
#include "index/deletes.h"
#include "index/postings_codec.h"
#include "index/segment.h"

static ps_rc corrupt(char *err, size_t errlen, const char *path, const char *why)
{
    snprintf(err, errlen, "%s: corrupt: %s", path, why);
    return PS_ECORRUPT;
}

static ps_rc layout_lex(ps_segment *s)
{
    const ps_binfile *f = &s->f[PS_SEG_LEX];
    ps_rc rc = ps_lex_open(&s->lexicon, f->payload, f->payload_size, s->n_docs,
                           s->f[PS_SEG_PST].payload_size - PS_BLOCK_PAD, s->f[PS_SEG_POS].payload_size);
    s->n_terms = s->lexicon.n_terms;
    return rc;
}

/* Takes n bytes of the .doc payload; NULL when they are not there. */
static const uint8_t *take(const uint8_t **p, const uint8_t *end, uint64_t n)
{
    if ((uint64_t)(end - *p) < n)
        return NULL;
    const uint8_t *r = *p;
    *p += n;
    return r;
}

static bool monotonic(const uint8_t *off, uint32_t n, uint64_t last)
{
    for (uint32_t i = 0; i < n; i++)
        if (ps_le64(off + 8 * (size_t)i) > ps_le64(off + 8 * (size_t)i + 8))
            return false;
    return ps_le64(off) == 0 && ps_le64(off + 8 * (size_t)n) == last;
}

/* The dictionaries at the head of .sto, and where the frames start. */
static ps_rc layout_store(ps_segment *s)
{
    ps_cursor c = { s->f[PS_SEG_STO].payload, s->f[PS_SEG_STO].payload + s->f[PS_SEG_STO].payload_size, false };
    uint32_t n = ps_cur_u32(&c);
    if (c.bad || n > 4096)
        return PS_ECORRUPT;
    s->n_dicts = n;
    s->dict = calloc(n ? n : 1, sizeof *s->dict);
    s->dict_len = calloc(n ? n : 1, sizeof *s->dict_len);
    s->ddict = calloc(n ? n : 1, sizeof *s->ddict);
    s->dict_id = calloc(n ? n : 1, sizeof *s->dict_id);
    if (!s->dict || !s->dict_len || !s->ddict || !s->dict_id)
        return PS_ENOMEM;
    for (uint32_t k = 0; k < n; k++) {
        s->dict[k] = (const uint8_t *)ps_cur_str(&c, &s->dict_len[k]);
        if (c.bad)
            return PS_ECORRUPT;
        s->ddict[k] = ZSTD_createDDict(s->dict[k], s->dict_len[k]);
        if (!s->ddict[k])
            return PS_ECORRUPT;
        s->dict_id[k] = ZSTD_getDictID_fromDDict(s->ddict[k]);
    }
    s->frames = c.p;
    s->frames_size = (uint64_t)(c.end - c.p);
    return PS_OK;
}

static ps_rc layout_doc(ps_segment *s)
{
    const ps_binfile *f = &s->f[PS_SEG_DOC];
    const uint8_t *p = f->payload, *end = f->payload + f->payload_size;
    const uint8_t *h = take(&p, end, 32);
    if (!h)
        return PS_ECORRUPT;
    uint64_t n = ps_le32(h);
    s->n_docs = (uint32_t)n;
    s->id_pool_size = ps_le64(h + 8);
    s->cpc_pool_size = ps_le64(h + 16);
    s->total_len = ps_le64(h + 24);
    if (n > f->payload_size)
        return PS_ECORRUPT;
    if (!(s->id_off = take(&p, end, (n + 1) * 8)) || !(s->pub = take(&p, end, n * 4)) ||
        !(s->filing = take(&p, end, n * 4)) || !(s->priority = take(&p, end, n * 4)) ||
        !(s->len = take(&p, end, n * 16)) || !(s->wlen = take(&p, end, n * 4)) ||
        !(s->n_claims = take(&p, end, n * 2)) || !(s->n_indep = take(&p, end, n * 2)) ||
        !(s->entity = take(&p, end, n)) || !(s->fast_track = take(&p, end, n)) ||
        !(s->kind = take(&p, end, n * 4)))
        return PS_ECORRUPT;
    uint64_t fill = (8 - (uint64_t)(p - f->base) % 8) % 8;
    if (!take(&p, end, fill) || !(s->cpc_off = take(&p, end, (n + 1) * 8)) ||
        !(s->store_off = take(&p, end, (n + 1) * 8)) || !(s->id_pool = take(&p, end, s->id_pool_size)))
        return PS_ECORRUPT;
    fill = (8 - (uint64_t)(p - f->base) % 8) % 8;
    if (!take(&p, end, fill) || !(s->cpc_pool = take(&p, end, s->cpc_pool_size)) || p != end)
        return PS_ECORRUPT;
    if (!monotonic(s->id_off, s->n_docs, s->id_pool_size) ||
        !monotonic(s->cpc_off, s->n_docs, s->cpc_pool_size) ||
        !monotonic(s->store_off, s->n_docs, s->frames_size))
        return PS_ECORRUPT;
    for (uint32_t i = 0; i < s->n_docs; i++) {
        uint64_t a = ps_le64(s->id_off + 8 * (size_t)i), b = ps_le64(s->id_off + 8 * (size_t)i + 8);
        if (b == a || s->id_pool[b - 1] != '\0')
            return PS_ECORRUPT; /* every id is NUL-terminated in place */
    }
    if (s->cpc_pool_size && s->cpc_pool[s->cpc_pool_size - 1] != '\0')
        return PS_ECORRUPT;
    return PS_OK;
}

/* The .mh header, columns and band tables; the settings must be valid and
 * the document counts agree with .doc. */
static ps_rc layout_minhash(ps_segment *s)
{
    const ps_binfile *f = &s->f[PS_SEG_MH];
    const uint8_t *p = f->payload, *end = f->payload + f->payload_size;
    const uint8_t *h = take(&p, end, PS_MH_HEADER_BYTES);
    if (!h)
        return PS_ECORRUPT;
    s->mh = (ps_mh_params){ ps_le32(h), ps_le32(h + 4), ps_le32(h + 8), ps_le32(h + 12), ps_le32(h + 16) };
    uint64_t n = ps_le32(h + 20);
    s->mh_band_docs = ps_le32(h + 24);
    if (!ps_mh_params_valid(&s->mh) || n != s->n_docs || s->mh_band_docs > n)
        return PS_ECORRUPT;
    if (!(s->mh_shingles = take(&p, end, n * 4)) || !(s->mh_sig = take(&p, end, n * s->mh.k * 4)) ||
        !(s->mh_bands = take(&p, end, (uint64_t)s->mh_band_docs * s->mh.bands * 8)) || p != end)
        return PS_ECORRUPT;
    uint64_t with_text = 0;
    for (uint32_t i = 0; i < n; i++)
        with_text += ps_segment_shingles(s, i) > 0;
    if (with_text != s->mh_band_docs)
        return PS_ECORRUPT;
    return PS_OK;
}

ps_rc ps_segment_open(ps_segment *s, const char *dir, const ps_manifest_seg *ms, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (pthread_mutex_init(&s->id_mu, NULL) != 0)
        return PS_ENOMEM;
    s->id_mu_ready = true;
    snprintf(s->name, sizeof s->name, "%s", ms->name);
    char path[PS_SEG_FILES][4096];
    for (int k = 0; k < PS_SEG_FILES; k++) {
        snprintf(path[k], sizeof path[k], "%s/%s%s", dir, ms->name, ps_seg_ext[k]);
        bool small = k == PS_SEG_LEX || k == PS_SEG_DOC;
        ps_rc rc = ps_binfile_open(&s->f[k], path[k], ps_seg_magic[k], small, err, errlen);
        if (rc != PS_OK) {
            ps_segment_close(s);
            return rc;
        }
        if (ps_le64(s->f[k].base + s->f[k].size - PS_FOOTER_BYTES) != ms->checksum[k]) {
            ps_segment_close(s);
            return corrupt(err, errlen, path[k], "not the file the MANIFEST lists (checksum differs)");
        }
    }
    if (layout_store(s) != PS_OK) {
        ps_segment_close(s);
        return corrupt(err, errlen, path[PS_SEG_STO], "bad dictionary table");
    }
    if (layout_doc(s) != PS_OK) {
        ps_segment_close(s);
        return corrupt(err, errlen, path[PS_SEG_DOC], "bad document table layout");
    }
    if (layout_minhash(s) != PS_OK) {
        ps_segment_close(s);
        return corrupt(err, errlen, path[PS_SEG_MH], "bad signature table layout");
    }
    if (s->n_docs != ms->n_docs) {
        ps_segment_close(s);
        return corrupt(err, errlen, path[PS_SEG_DOC], "document count differs from the MANIFEST");
    }
    if (s->f[PS_SEG_PST].payload_size < PS_BLOCK_PAD || layout_lex(s) != PS_OK) {
        ps_segment_close(s);
        return corrupt(err, errlen, path[PS_SEG_LEX], "bad lexicon layout");
    }
    ps_rc rc = ps_deletes_open(&s->del, dir, ms, &s->del_bits, err, errlen);
    if (rc != PS_OK) {
        ps_segment_close(s);
        return rc;
    }
    s->n_deleted = ms->n_deleted;
    return PS_OK;
}

void ps_segment_close(ps_segment *s)
{
    free(atomic_load(&s->id_tab));
    atomic_store(&s->id_tab, NULL);
    if (s->id_mu_ready)
        pthread_mutex_destroy(&s->id_mu);
    s->id_mu_ready = false;
    for (int k = 0; k < PS_SEG_FILES; k++)
        ps_binfile_close(&s->f[k]);
    ps_binfile_close(&s->del);
    for (uint32_t k = 0; s->ddict && k < s->n_dicts; k++)
        ZSTD_freeDDict(s->ddict[k]);
    free(s->ddict);
    free(s->dict);
    free(s->dict_len);
    free(s->dict_id);
    s->ddict = NULL;
    s->dict = NULL;
    s->dict_len = NULL;
    s->dict_id = NULL;
}

void ps_segment_term(const ps_segment *s, uint64_t i, const char **term, uint32_t *len, uint32_t *df)
{
    ps_lex_entry e;
    ps_lex_get(&s->lexicon, i, &e);
    *term = e.term;
    *len = e.len;
    *df = e.df;
}

int64_t ps_segment_find_term(const ps_segment *s, const char *term, size_t len)
{
    uint64_t lo = 0, hi = s->n_terms;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        const char *t;
        uint32_t tl, df;
        ps_segment_term(s, mid, &t, &tl, &df);
        int c = ps_term_cmp(t, tl, term, len);
        if (c == 0)
            return (int64_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

ps_rc ps_seg_postings_init(const ps_segment *s, uint64_t term, ps_seg_postings *it)
{
    memset(it, 0, sizeof *it);
    ps_lex_entry e, next;
    ps_lex_get(&s->lexicon, term, &e);
    uint64_t post = e.post_off, pos = e.pos_off;
    uint64_t post_end = s->f[PS_SEG_PST].payload_size - PS_BLOCK_PAD;
    uint64_t pos_end = s->f[PS_SEG_POS].payload_size;
    if (term + 1 < s->n_terms) {
        ps_lex_get(&s->lexicon, term + 1, &next);
        post_end = next.post_off;
        pos_end = next.pos_off;
    }
    it->df = e.df;
    it->n_blocks = (it->df + PS_BLOCK_SIZE - 1) / PS_BLOCK_SIZE;
    uint32_t n_skips = it->n_blocks > 1 ? it->n_blocks : 0; /* a lone block has no skip entry */
    if (post > post_end || (uint64_t)n_skips * PS_SKIP_BYTES > post_end - post || pos > pos_end)
        return PS_ECORRUPT;
    const uint8_t *base = s->f[PS_SEG_PST].payload;
    it->seg = s;
    it->skip = base + post;
    it->data = it->skip + (size_t)n_skips * PS_SKIP_BYTES;
    it->end = base + post_end;
    it->pos = s->f[PS_SEG_POS].payload + pos;
    it->pos_end = s->f[PS_SEG_POS].payload + pos_end;
    return PS_OK;
}

int ps_seg_postings_decode(const ps_seg_postings *it, uint32_t k, uint32_t *docs, uint32_t *tfs,
                           uint32_t *counts)
{
    const uint8_t *sk = it->skip + (size_t)k * PS_SKIP_BYTES;
    uint32_t last = ps_le32(sk), data_off = ps_le32(sk + 12);
    uint32_t prev = k ? ps_seg_postings_block_last(it, k - 1) : 0;
    uint32_t n = k + 1 < it->n_blocks ? PS_BLOCK_SIZE : it->df - k * PS_BLOCK_SIZE;
    if (data_off > (size_t)(it->end - it->data))
        return -1;
    size_t used = ps_block_decode(it->data + data_off, (size_t)(it->end - it->data) - data_off, n, prev, k == 0,
                                  docs, tfs, counts);
    if (!used || docs[n - 1] != last || last >= it->seg->n_docs)
        return -1;
    return (int)n;
}

int ps_seg_postings_next(ps_seg_postings *it, uint32_t *docs, uint32_t *tfs, uint32_t *counts,
                         uint32_t *skip_max_wtf,
                         uint32_t *skip_min_len, uint32_t *pos_off)
{
    if (it->block == it->n_blocks)
        return 0;
    if (it->n_blocks == 1) {
        /* no skip entry: the block's figures come from the block itself */
        uint32_t n = it->df;
        if (!ps_block_decode(it->data, (size_t)(it->end - it->data), n, 0, 1, docs, tfs, counts) ||
            docs[n - 1] >= it->seg->n_docs)
            return -1;
        uint32_t mw = 0, ml = UINT32_MAX;
        for (uint32_t i = 0; i < n; i++) {
            mw = tfs[i] > mw ? tfs[i] : mw;
            uint32_t wl = ps_segment_doc_wlen(it->seg, docs[i]);
            ml = wl < ml ? wl : ml;
        }
        *skip_max_wtf = mw;
        *skip_min_len = ml;
        *pos_off = 0;
        it->block = 1;
        return (int)n;
    }
    const uint8_t *sk = it->skip + (size_t)it->block * PS_SKIP_BYTES;
    uint32_t last = ps_le32(sk), data_off = ps_le32(sk + 12);
    uint32_t n = it->block + 1 < it->n_blocks ? PS_BLOCK_SIZE : it->df - it->block * PS_BLOCK_SIZE;
    if (data_off > (size_t)(it->end - it->data))
        return -1;
    size_t used = ps_block_decode(it->data + data_off, (size_t)(it->end - it->data) - data_off, n,
                                  it->prev, it->block == 0, docs, tfs, counts);
    if (!used || docs[n - 1] != last)
        return -1;
    *skip_max_wtf = ps_le32(sk + 4);
    *skip_min_len = ps_le32(sk + 8);
    *pos_off = ps_le32(sk + 16);
    it->prev = last;
    it->block++;
    return (int)n;
}

const char *ps_segment_doc_id(const ps_segment *s, uint32_t i)
{
    return (const char *)s->id_pool + ps_le64(s->id_off + 8 * (size_t)i);
}

int32_t ps_segment_doc_pub(const ps_segment *s, uint32_t i)
{
    int32_t d = (int32_t)ps_le32(s->pub + 4 * (size_t)i);
    return d == PS_DATE_UNKNOWN ? 0 : ps_date_from_days(d);
}

uint32_t ps_segment_doc_wlen(const ps_segment *s, uint32_t i) { return ps_le32(s->wlen + 4 * (size_t)i); }

uint32_t ps_segment_doc_len(const ps_segment *s, uint32_t i, int field)
{
    return ps_le32(s->len + 16 * (size_t)i + 4 * (size_t)field);
}

uint8_t ps_segment_doc_entity(const ps_segment *s, uint32_t i) { return s->entity[i]; }

const char *ps_segment_doc_cpc(const ps_segment *s, uint32_t i)
{
    uint64_t a = ps_le64(s->cpc_off + 8 * (size_t)i), b = ps_le64(s->cpc_off + 8 * (size_t)i + 8);
    return a == b ? "" : (const char *)s->cpc_pool + a;
}

static uint32_t *build_id_table(const ps_segment *s, uint32_t *mask)
{
    size_t cap = 16;
    while (cap < 2 * (size_t)s->n_docs)
        cap *= 2;
    uint32_t *tab = calloc(cap, sizeof *tab);
    if (!tab)
        return NULL;
    *mask = (uint32_t)(cap - 1);
    for (uint32_t d = 0; d < s->n_docs; d++) {
        const char *id = ps_segment_doc_id(s, d);
        size_t i = (size_t)XXH3_64bits(id, strlen(id)) & *mask;
        while (tab[i])
            i = (i + 1) & *mask;
        tab[i] = d + 1;
    }
    return tab;
}

int64_t ps_segment_find_id(const ps_segment *s, const char *id)
{
    ps_segment *w = (ps_segment *)(uintptr_t)s; /* the lazily built table is the only thing written */
    uint32_t *tab = atomic_load_explicit(&w->id_tab, memory_order_acquire);
    if (!tab) {
        pthread_mutex_lock(&w->id_mu);
        tab = atomic_load_explicit(&w->id_tab, memory_order_relaxed);
        if (!tab && (tab = build_id_table(s, &w->id_mask)))
            atomic_store_explicit(&w->id_tab, tab, memory_order_release);
        pthread_mutex_unlock(&w->id_mu);
        if (!tab)
            return -2;
    }
    /* a replaced record's id may be here twice: the live one counts */
    for (size_t i = (size_t)XXH3_64bits(id, strlen(id)) & s->id_mask; tab[i]; i = (i + 1) & s->id_mask) {
        uint32_t d = tab[i] - 1;
        if (ps_segment_live(s, d) && strcmp(ps_segment_doc_id(s, d), id) == 0)
            return d;
    }
    return -1;
}

static void rd_list(ps_cursor *r, ps_record_builder *b, ps_list_id list)
{
    uint32_t n = ps_cur_u32(r);
    for (uint32_t i = 0; i < n && !r->bad; i++) {
        size_t len;
        const char *s = ps_cur_str(r, &len);
        ps_record_builder_add(b, list, s, len);
    }
}

static int32_t date_col(const uint8_t *col, uint32_t i)
{
    int32_t d = (int32_t)ps_le32(col + 4 * (size_t)i);
    return d == PS_DATE_UNKNOWN ? 0 : ps_date_from_days(d);
}

ps_rc ps_segment_record(const ps_segment *s, uint32_t i, ps_record **out)
{
    *out = NULL;
    uint64_t a = ps_le64(s->store_off + 8 * (size_t)i), b = ps_le64(s->store_off + 8 * (size_t)i + 8);
    const uint8_t *z = s->frames + a;
    unsigned long long size = ZSTD_getFrameContentSize(z, b - a);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 30))
        return PS_ECORRUPT;
    unsigned want = ZSTD_getDictID_fromFrame(z, b - a);
    const ZSTD_DDict *dd = NULL;
    for (uint32_t k = 0; want && k < s->n_dicts && !dd; k++)
        if (s->dict_id[k] == want)
            dd = s->ddict[k];
    if (want && !dd)
        return PS_ECORRUPT; /* a frame needing a dictionary the file lacks */
    uint8_t *raw = malloc(size ? size : 1);
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    if (!raw || !dc) {
        free(raw);
        ZSTD_freeDCtx(dc);
        return PS_ENOMEM;
    }
    size_t got = dd ? ZSTD_decompress_usingDDict(dc, raw, size, z, b - a, dd) : ZSTD_decompressDCtx(dc, raw, size, z, b - a);
    ZSTD_freeDCtx(dc);
    if (ZSTD_isError(got) || got != size) {
        free(raw);
        return PS_ECORRUPT;
    }
    ps_record_builder rb = { 0 };
    ps_record_builder_reset(&rb);
    ps_cursor r = { raw, raw + size, false };
    size_t n;
    const char *t;
    t = ps_cur_str(&r, &n);
    rb.rec.kind = ps_record_builder_str(&rb, t, n);
    t = ps_cur_str(&r, &n);
    rb.rec.title = ps_record_builder_str(&rb, t, n);
    t = ps_cur_str(&r, &n);
    rb.rec.abstract = ps_record_builder_str(&rb, t, n);
    t = ps_cur_str(&r, &n);
    rb.rec.description = ps_record_builder_str(&rb, t, n);
    t = ps_cur_str(&r, &n);
    rb.rec.source = ps_record_builder_str(&rb, t, n);
    uint32_t nc = ps_cur_u32(&r);
    for (uint32_t k = 0; k < nc && !r.bad; k++) {
        uint32_t num = ps_cur_u32(&r);
        bool indep = r.p < r.end && *r.p++;
        t = ps_cur_str(&r, &n);
        ps_record_builder_add_claim(&rb, t, n, num, indep);
    }
    rd_list(&r, &rb, PS_LIST_IPC);
    rd_list(&r, &rb, PS_LIST_APPLICANTS);
    rd_list(&r, &rb, PS_LIST_CITATIONS);
    if (!r.bad && r.p != r.end)
        r.bad = true;
    const char *id = ps_segment_doc_id(s, i);
    rb.rec.id = ps_record_builder_str(&rb, id, strlen(id));
    uint64_t ca = ps_le64(s->cpc_off + 8 * (size_t)i), cb = ps_le64(s->cpc_off + 8 * (size_t)i + 8);
    for (uint64_t p = ca; p < cb;) {
        const char *code = (const char *)s->cpc_pool + p;
        size_t len = strnlen(code, cb - p);
        ps_record_builder_add(&rb, PS_LIST_CPC, code, len);
        p += len + 1;
    }
    rb.rec.publication_date = date_col(s->pub, i);
    rb.rec.filing_date = date_col(s->filing, i);
    rb.rec.priority_date = date_col(s->priority, i);
    rb.rec.entity = s->entity[i] <= PS_ENTITY_LARGE ? (ps_entity)s->entity[i] : PS_ENTITY_UNKNOWN;
    rb.rec.fast_track = (int8_t)s->fast_track[i] < 0 ? -1 : s->fast_track[i] != 0;
    const ps_record *rec = r.bad ? NULL : ps_record_builder_finish(&rb);
    ps_rc rc = r.bad ? PS_ECORRUPT : rec ? PS_OK : PS_ENOMEM;
    if (rec && !(*out = ps_record_clone(rec)))
        rc = PS_ENOMEM;
    ps_record_builder_free(&rb);
    free(raw);
    return rc;
}
