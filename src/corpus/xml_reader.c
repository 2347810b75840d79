/* USPTO bulk XML reader (us-patent-grant and us-patent-application, DTD
 * v4.0-v4.7).
 *
 * A bulk file is many complete XML documents, each starting with its own
 * <?xml ...?> declaration. We read line by line, cut the stream at every
 * "<?xml" (a name no XML document may otherwise contain there), and feed each
 * document to a reset expat parser, so memory holds one document's fields
 * at a time. A broken document is reported and skipped; the next one parses.
 *
 * Fields come from the element path: publication-reference -> id, kind and
 * publication date; application-reference -> filing date; priority-claims
 * and us-provisional-application -> earliest priority date; claims/claim
 * (dependent when it holds a <claim-ref>); classifications-cpc, -ipcr and
 * the older classification-ipc; applicants and assignees (orgname or
 * first + last name); cited patents (patcit). Text of abstract, claims and
 * description keeps word boundaries at block elements (p, heading, ...)
 * but not at inline ones (b, i, sub, ...), so "H<sub>2</sub>O" stays "H2O". */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "corpus/formats.h"

typedef enum el {
    E_OTHER = 0, E_INLINE, E_ABSTRACT, E_ADDRESSBOOK, E_APPREF, E_APPLICANT, E_ASSIGNEE,
    E_CLAIM, E_CLAIM_REF, E_CLAIMS, E_CLASS, E_CPC, E_COUNTRY, E_DATE, E_DESCRIPTION, E_DOCID,
    E_DOCNUM, E_FIRSTNAME, E_FURTHERCLS, E_IPC_OLD, E_IPCR, E_KIND, E_LASTNAME, E_MAINCLS,
    E_MAINGROUP, E_ORGNAME, E_PATCIT, E_PRIORITY_CLAIM, E_PROVISIONAL, E_PUBREF, E_SECTION,
    E_SUBCLASS, E_SUBGROUP, E_TITLE,
} el;

typedef struct el_name {
    const char *name;
    el code;
} el_name;

static const el_name names[] = {
    /* sorted by name for bsearch */
    { "abstract", E_ABSTRACT },
    { "addressbook", E_ADDRESSBOOK },
    { "applicant", E_APPLICANT },
    { "application-reference", E_APPREF },
    { "assignee", E_ASSIGNEE },
    { "b", E_INLINE },
    { "claim", E_CLAIM },
    { "claim-ref", E_CLAIM_REF },
    { "claims", E_CLAIMS },
    { "class", E_CLASS },
    { "classification-cpc", E_CPC },
    { "classification-ipc", E_IPC_OLD },
    { "classification-ipcr", E_IPCR },
    { "country", E_COUNTRY },
    { "crossref", E_INLINE },
    { "date", E_DATE },
    { "description", E_DESCRIPTION },
    { "doc-number", E_DOCNUM },
    { "document-id", E_DOCID },
    { "figref", E_INLINE },
    { "first-name", E_FIRSTNAME },
    { "further-classification", E_FURTHERCLS },
    { "i", E_INLINE },
    { "invention-title", E_TITLE },
    { "kind", E_KIND },
    { "last-name", E_LASTNAME },
    { "main-classification", E_MAINCLS },
    { "main-group", E_MAINGROUP },
    { "o", E_INLINE },
    { "orgname", E_ORGNAME },
    { "patcit", E_PATCIT },
    { "priority-claim", E_PRIORITY_CLAIM },
    { "publication-reference", E_PUBREF },
    { "section", E_SECTION },
    { "smallcaps", E_INLINE },
    { "sub", E_INLINE },
    { "sub2", E_INLINE },
    { "subclass", E_SUBCLASS },
    { "subgroup", E_SUBGROUP },
    { "sup", E_INLINE },
    { "sup2", E_INLINE },
    { "u", E_INLINE },
    { "us-applicant", E_APPLICANT },
    { "us-provisional-application", E_PROVISIONAL },
};

static int cmp_name(const void *key, const void *entry)
{
    return strcmp(key, *(const char *const *)entry);
}

static el lookup(const char *name)
{
    const void *hit = bsearch(name, names, sizeof names / sizeof names[0], sizeof names[0], cmp_name);
    return hit ? ((const el_name *)hit)->code : E_OTHER;
}

enum { MAX_DEPTH = 128, SMALL = 64 };

typedef struct xml_state {
    XML_Parser p;
    ps_fmt_ctx *ctx;
    /* stream position */
    const char *line;
    size_t len, pos;
    bool eof;
    /* current document */
    bool in_doc, failed, root_closed, ready, is_patent;
    char root[SMALL];
    uint64_t doc_line;
    ps_buf err_pending;      /* an error found after the record was complete */
    int depth;
    el stack[MAX_DEPTH];
    ps_buf text;             /* title / abstract / claim / description being read */
    ps_buf leaf;             /* a short leaf value (country, date, orgname, ...) */
    bool text_on, leaf_on;
    /* pieces gathered until their element closes */
    char country[SMALL], docnum[SMALL], kind[SMALL];
    char section[SMALL], cls[SMALL], subclass[SMALL], group[SMALL], subgroup[SMALL];
    ps_buf org, first, last;
    ps_buf applicants;       /* NUL-separated, added after the assignees */
    bool claim_dependent;
    uint32_t claim_num;
    int32_t filing, priority, publication;
} xml_state;

static bool inside(const xml_state *s, el code)
{
    for (int i = 0; i < s->depth && i < MAX_DEPTH; i++)
        if (s->stack[i] == code)
            return true;
    return false;
}

static void copy_small(char dst[SMALL], const ps_buf *b)
{
    char tmp[SMALL];
    size_t n = b->len < SMALL - 1 ? b->len : SMALL - 1;
    /* never cut a UTF-8 sequence: back off to the start of a character */
    if (n < b->len)
        while (n > 0 && ((unsigned char)b->data[n] & 0xC0) == 0x80)
            n--;
    memcpy(tmp, b->data ? b->data : "", n);
    ps_squeeze_space(tmp, n, dst);
}

static void block_space(xml_state *s)
{
    if (s->text_on && s->text.len && s->text.data[s->text.len - 1] != ' ')
        ps_buf_putc(&s->text, ' ');
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static void start_root(xml_state *s, const char *name)
{
    ps_record_builder_reset(s->ctx->rb);
    snprintf(s->root, sizeof s->root, "%s", name);
    s->is_patent = strcmp(name, "us-patent-grant") == 0 || strcmp(name, "us-patent-application") == 0;
    s->filing = s->priority = s->publication = 0;
    ps_buf_reset(&s->applicants);
}

static bool is_leaf(el code)
{
    switch (code) {
    case E_COUNTRY: case E_DOCNUM: case E_KIND: case E_DATE: case E_SECTION: case E_CLASS:
    case E_SUBCLASS: case E_MAINGROUP: case E_SUBGROUP: case E_MAINCLS: case E_FURTHERCLS:
    case E_ORGNAME: case E_FIRSTNAME: case E_LASTNAME:
        return true;
    default:
        return false;
    }
}

/* "00012" -> 12; anything but a number up to PS_MAX_CLAIM_NUM -> 0. */
static uint32_t claim_number(const char *s)
{
    if (!s)
        return 0;
    while (*s == '0')
        s++;
    uint32_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (uint32_t)(*s - '0');
        if (v > PS_MAX_CLAIM_NUM)
            return 0;
    }
    return *s ? 0 : v;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xml_state *s = ud;
    if (s->depth == 0)
        start_root(s, name);
    el code = s->is_patent ? lookup(name) : E_OTHER;
    if (s->depth < MAX_DEPTH)
        s->stack[s->depth] = code;
    s->depth++;
    if (!s->is_patent)
        return;
    switch (code) {
    case E_TITLE:
        if (!*s->ctx->rb->rec.title) {
            ps_buf_reset(&s->text);
            s->text_on = true;
        }
        break;
    case E_ABSTRACT:
    case E_DESCRIPTION:
        ps_buf_reset(&s->text);
        s->text_on = true;
        break;
    case E_CLAIM: {
        ps_buf_reset(&s->text);
        s->text_on = true;
        s->claim_dependent = false;
        s->claim_num = claim_number(attr(atts, "num"));
        break;
    }
    case E_CLAIM_REF:
        s->claim_dependent = true;
        break;
    case E_DOCID:
        s->country[0] = s->docnum[0] = s->kind[0] = '\0';
        break;
    case E_CPC:
    case E_IPCR:
        s->section[0] = s->cls[0] = s->subclass[0] = s->group[0] = s->subgroup[0] = '\0';
        break;
    case E_APPLICANT:
    case E_ASSIGNEE:
        ps_buf_reset(&s->org);
        ps_buf_reset(&s->first);
        ps_buf_reset(&s->last);
        break;
    case E_INLINE:
        break;
    default:
        if (is_leaf(code) && !s->text_on) {
            ps_buf_reset(&s->leaf);
            s->leaf_on = true;
        } else {
            block_space(s);
        }
        break;
    }
}

static void take_date(xml_state *s, int32_t *dst, bool earliest)
{
    char tmp[SMALL];
    copy_small(tmp, &s->leaf);
    int32_t d;
    if (ps_date_parse(tmp, strlen(tmp), &d) != PS_OK)
        return; /* USPTO writes unknown days as 00: such a date is no date */
    if (!*dst || (earliest && d < *dst))
        *dst = d;
}

/* "G06F015/00" or "G06F 15/00" -> "G06F 15/00"; anything else as given. */
static void add_old_ipc(xml_state *s)
{
    char raw[SMALL], out[SMALL * 2];
    copy_small(raw, &s->leaf);
    size_t n = 0;
    for (char *p = raw; *p; p++)
        if (*p != ' ')
            raw[n++] = *p;
    raw[n] = '\0';
    char *slash = strchr(raw, '/');
    if (n >= 6 && slash && slash > raw + 4) {
        const char *grp = raw + 4;
        while (*grp == '0' && grp + 1 < slash)
            grp++;
        snprintf(out, sizeof out, "%.4s %.*s/%s", raw, (int)(slash - grp), grp, slash + 1);
    } else {
        snprintf(out, sizeof out, "%s", raw);
    }
    ps_record_builder_add(s->ctx->rb, PS_LIST_IPC, out, strlen(out));
}

static void end_leaf(xml_state *s, el code)
{
    s->leaf_on = false;
    switch (code) {
    case E_COUNTRY: copy_small(s->country, &s->leaf); break;
    case E_DOCNUM: copy_small(s->docnum, &s->leaf); break;
    case E_KIND: copy_small(s->kind, &s->leaf); break;
    case E_SECTION: copy_small(s->section, &s->leaf); break;
    case E_CLASS: copy_small(s->cls, &s->leaf); break;
    case E_SUBCLASS: copy_small(s->subclass, &s->leaf); break;
    case E_MAINGROUP: copy_small(s->group, &s->leaf); break;
    case E_SUBGROUP: copy_small(s->subgroup, &s->leaf); break;
    case E_ORGNAME: ps_buf_append(&s->org, s->leaf.data, s->leaf.len); break;
    case E_FIRSTNAME: ps_buf_append(&s->first, s->leaf.data, s->leaf.len); break;
    case E_LASTNAME: ps_buf_append(&s->last, s->leaf.data, s->leaf.len); break;
    case E_MAINCLS:
    case E_FURTHERCLS:
        if (inside(s, E_IPC_OLD))
            add_old_ipc(s);
        break;
    case E_DATE:
        if (inside(s, E_PRIORITY_CLAIM) || inside(s, E_PROVISIONAL))
            take_date(s, &s->priority, true);
        else if (inside(s, E_PUBREF) && inside(s, E_DOCID))
            take_date(s, &s->publication, false);
        else if (inside(s, E_APPREF) && inside(s, E_DOCID))
            take_date(s, &s->filing, false);
        break;
    default:
        break;
    }
}

/* "06859910" -> "6859910", "D0680087" -> "D680087": ids as people write them. */
static const char *strip_zeros(const char *num, char *buf)
{
    size_t i = 0;
    while (num[i] >= 'A' && num[i] <= 'Z')
        i++;
    size_t j = i;
    while (num[j] == '0' && num[j + 1] >= '0' && num[j + 1] <= '9')
        j++;
    snprintf(buf, SMALL, "%.*s%s", (int)i, num, num + j);
    return buf;
}

static void end_docid(xml_state *s)
{
    ps_record_builder *rb = s->ctx->rb;
    char id[SMALL * 3], num[SMALL];
    snprintf(id, sizeof id, "%s%s%s", s->country, strip_zeros(s->docnum, num), s->kind);
    if (inside(s, E_PUBREF) && !*rb->rec.id) {
        rb->rec.id = ps_record_builder_str(rb, id, strlen(id));
        rb->rec.kind = ps_record_builder_str(rb, s->kind, strlen(s->kind));
    } else if (inside(s, E_PATCIT) && s->docnum[0]) {
        ps_record_builder_add(rb, PS_LIST_CITATIONS, id, strlen(id));
    }
}

static void end_classification(xml_state *s, ps_list_id list)
{
    char c[SMALL * 5];
    if (!s->section[0] || !s->cls[0] || !s->subclass[0])
        return;
    const char *g = s->group;
    while (*g == '0' && g[1])
        g++;
    if (*g)
        snprintf(c, sizeof c, "%s%s%s %s/%s", s->section, s->cls, s->subclass, g,
                 s->subgroup[0] ? s->subgroup : "00");
    else
        snprintf(c, sizeof c, "%s%s%s", s->section, s->cls, s->subclass);
    ps_record_builder_add(s->ctx->rb, list, c, strlen(c));
}

static void end_party(xml_state *s, el code)
{
    ps_buf name = { 0 };
    if (s->org.len) {
        ps_buf_append(&name, s->org.data, s->org.len);
    } else {
        ps_buf_append(&name, s->first.data, s->first.len);
        if (s->first.len && s->last.len)
            ps_buf_putc(&name, ' ');
        ps_buf_append(&name, s->last.data, s->last.len);
    }
    if (name.len) {
        if (code == E_ASSIGNEE) {
            ps_record_builder_add(s->ctx->rb, PS_LIST_APPLICANTS, name.data, name.len);
        } else {
            ps_buf_append(&s->applicants, name.data, name.len);
            ps_buf_putc(&s->applicants, '\0');
        }
    }
    ps_buf_free(&name);
}

static void end_root(xml_state *s)
{
    s->root_closed = true;
    if (!s->is_patent) {
        if (strstr(s->root, "sequence"))
            (*s->ctx->skipped)++; /* sequence listings travel in the grant files */
        else
            s->ready = true;      /* deliver() reports the unknown type */
        return;
    }
    ps_record_builder *rb = s->ctx->rb;
    for (size_t i = 0; i < s->applicants.len;) {
        const char *a = s->applicants.data + i;
        size_t n = strlen(a);
        ps_record_builder_add(rb, PS_LIST_APPLICANTS, a, n);
        i += n + 1;
    }
    rb->rec.filing_date = s->filing;
    rb->rec.priority_date = s->priority;
    rb->rec.publication_date = s->publication;
    rb->rec.source = s->ctx->name;
    rb->rec.source_line = s->doc_line;
    s->ready = true;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    xml_state *s = ud;
    s->depth--;
    if (s->depth == 0) {
        end_root(s);
        return;
    }
    if (!s->is_patent)
        return;
    el code = s->depth < MAX_DEPTH ? s->stack[s->depth] : E_OTHER;
    ps_record_builder *rb = s->ctx->rb;
    switch (code) {
    case E_TITLE:
        if (s->text_on && !*rb->rec.title)
            rb->rec.title = ps_record_builder_str(rb, s->text.data, s->text.len);
        s->text_on = false;
        break;
    case E_ABSTRACT: {
        /* some applications carry more than one abstract element */
        ps_buf all = { 0 };
        ps_buf_append(&all, rb->rec.abstract, strlen(rb->rec.abstract));
        if (all.len)
            ps_buf_putc(&all, ' ');
        ps_buf_append(&all, s->text.data, s->text.len);
        rb->rec.abstract = ps_record_builder_str(rb, all.data, all.len);
        ps_buf_free(&all);
        s->text_on = false;
        break;
    }
    case E_DESCRIPTION:
        rb->rec.description = ps_record_builder_str(rb, s->text.data, s->text.len);
        s->text_on = false;
        break;
    case E_CLAIM:
        ps_record_builder_add_claim(rb, s->text.data, s->text.len, s->claim_num, !s->claim_dependent);
        s->text_on = false;
        break;
    case E_DOCID: end_docid(s); break;
    case E_CPC: end_classification(s, PS_LIST_CPC); break;
    case E_IPCR: end_classification(s, PS_LIST_IPC); break;
    case E_APPLICANT:
    case E_ASSIGNEE: end_party(s, code); break;
    case E_INLINE:
    case E_CLAIM_REF: break;
    default:
        if (s->leaf_on && is_leaf(code))
            end_leaf(s, code);
        else
            block_space(s);
        break;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *t, int n)
{
    xml_state *s = ud;
    if (s->leaf_on)
        ps_buf_append(&s->leaf, t, (size_t)n);
    else if (s->text_on)
        ps_buf_append(&s->text, t, (size_t)n);
}

static ps_rc xml_error(xml_state *s)
{
    enum XML_Error code = XML_GetErrorCode(s->p);
    uint64_t line = s->doc_line + XML_GetCurrentLineNumber(s->p) - 1;
    s->failed = true;
    return ps_fmt_error(s->ctx, PS_EPARSE, line, "XML error: %s (column %lu)", XML_ErrorString(code),
                        (unsigned long)XML_GetCurrentColumnNumber(s->p) + 1);
}

static ps_rc start_doc(xml_state *s)
{
    if (!s->p) {
        s->p = XML_ParserCreate(NULL);
        if (!s->p)
            return ps_fmt_error(s->ctx, PS_ENOMEM, s->ctx->src->line_no, "out of memory");
    } else {
        XML_ParserReset(s->p, NULL);
    }
    XML_SetUserData(s->p, s);
    XML_SetElementHandler(s->p, on_start, on_end);
    XML_SetCharacterDataHandler(s->p, on_text);
    s->in_doc = true;
    s->failed = s->root_closed = s->ready = s->is_patent = false;
    s->text_on = s->leaf_on = false;
    s->depth = 0;
    s->doc_line = s->ctx->src->line_no;
    return PS_OK;
}

/* Feeds bytes of the current document. */
static ps_rc feed(xml_state *s, const char *b, size_t n, bool final)
{
    if (s->failed)
        return PS_OK;
    if (XML_Parse(s->p, b, (int)n, final) == XML_STATUS_OK)
        return PS_OK;
    if (s->ready) {
        /* the record was whole before the error: deliver it, then report */
        ps_rc rc = xml_error(s);
        ps_buf_reset(&s->err_pending);
        ps_buf_append(&s->err_pending, s->ctx->err->data, s->ctx->err->len);
        return rc == PS_EPARSE ? PS_OK : rc;
    }
    return xml_error(s);
}

/* Ends the current document: reports a truncated one. */
static ps_rc finish_doc(xml_state *s)
{
    if (!s->in_doc)
        return PS_OK;
    s->in_doc = false;
    if (s->failed)
        return PS_OK;
    ps_rc rc = feed(s, "", 0, true);
    if (rc != PS_OK)
        return rc;
    if (!s->root_closed)
        return ps_fmt_error(s->ctx, PS_EPARSE, s->doc_line, "document ends before its root element closes");
    return PS_OK;
}

static bool blank(const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r' && b[i] != '\n')
            return false;
    return true;
}

static ps_rc deliver(xml_state *s, const ps_record **out)
{
    s->ready = false;
    ps_record_builder *rb = s->ctx->rb;
    if (!s->is_patent)
        return ps_fmt_error(s->ctx, PS_EPARSE, s->doc_line,
                            "unsupported document type <%s>: patsift reads USPTO us-patent-grant and "
                            "us-patent-application documents (DTD v4.x)", s->root);
    if (!*rb->rec.id)
        return ps_fmt_error(s->ctx, PS_EPARSE, s->doc_line,
                            "patent document without a publication number (publication-reference/document-id/doc-number)");
    *out = ps_record_builder_finish(rb);
    return *out ? PS_OK : ps_fmt_error(s->ctx, PS_ENOMEM, s->doc_line, "out of memory");
}

/* The next "<?xml" followed by white space (an XML declaration, not a
 * processing instruction such as <?xml-stylesheet ...?>), or NULL. */
static const char *find_decl(const char *p, size_t n)
{
    const char *end = p + n;
    while ((p = memmem(p, (size_t)(end - p), "<?xml", 5)) != NULL) {
        if (p + 5 < end && (p[5] == ' ' || p[5] == '\t' || p[5] == '\r' || p[5] == '\n'))
            return p;
        if (p + 5 >= end)
            return p; /* cannot tell at the end of a line: treat as a declaration */
        p += 5;
    }
    return NULL;
}

ps_rc ps_xml_next(ps_fmt_ctx *ctx, const ps_record **out)
{
    xml_state *s = ctx->state;
    if (!s) {
        s = ctx->state = calloc(1, sizeof *s);
        if (!s)
            return PS_ENOMEM;
        s->ctx = ctx;
    }
    for (;;) {
        if (s->ready)
            return deliver(s, out);
        if (s->err_pending.len) {
            ps_buf_reset(ctx->err);
            ps_buf_append(ctx->err, s->err_pending.data, s->err_pending.len);
            ps_buf_reset(&s->err_pending);
            return PS_EPARSE;
        }
        if (s->eof)
            return PS_END;
        if (s->pos == s->len) {
            int r = ps_source_getline(ctx->src, &s->line, &s->len);
            s->pos = 0;
            if (r < 0)
                return ps_fmt_error(ctx, PS_EIO, ctx->src->line_no + 1, "read error: %s", ctx->src->errmsg);
            if (r == 0) {
                s->len = 0;
                s->eof = true;
                ps_rc rc = finish_doc(s);
                if (rc != PS_OK)
                    return rc;
                continue;
            }
        }
        const char *from = s->line + s->pos;
        size_t avail = s->len - s->pos;
        const char *hit = find_decl(from, avail);
        size_t seg = hit ? (size_t)(hit - from) : avail;
        ps_rc rc = PS_OK;
        if (seg) {
            if (!s->in_doc && !blank(from, seg))
                rc = start_doc(s); /* a document without an XML declaration */
            if (rc == PS_OK && s->in_doc)
                rc = feed(s, from, seg, false);
        }
        s->pos += seg;
        if (rc != PS_OK)
            return rc;
        if (s->ready)
            continue; /* deliver before the next document resets the builder */
        if (hit) {
            rc = finish_doc(s);
            ps_rc rc2 = start_doc(s);
            if (rc2 == PS_OK)
                rc2 = feed(s, "<?xml", 5, false);
            s->pos += 5;
            if (rc != PS_OK)
                return rc;
            if (rc2 != PS_OK)
                return rc2;
        }
    }
}

void ps_xml_free(ps_fmt_ctx *ctx)
{
    xml_state *s = ctx->state;
    if (!s)
        return;
    if (s->p)
        XML_ParserFree(s->p);
    ps_buf *bufs[] = { &s->text, &s->leaf, &s->org, &s->first, &s->last, &s->applicants, &s->err_pending };
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++)
        ps_buf_free(bufs[i]);
    free(s);
    ctx->state = NULL;
}
