/* BinXML to records. A template's tokens are compiled once per chunk into
 * ops (names decoded, classified and stored as UTF-8, constant text
 * rendered); each record then runs its template's ops with its own
 * substitution values, decoded straight from the chunk's bytes and only
 * where the record keeps them. The ops drive the record builder the XML
 * source's handlers (parse.c) drive too (lib/record/builder.h). */
#include <string.h>

#include "convert.h"
#include "evtx_decoder.h"
#include "evtx_format.h"
#include "evtx_values.h"
#include "fields.h"

enum { OP_START, OP_ATTR, OP_CONTENT, OP_EMPTY, OP_TEXT, OP_SUB, OP_END };

/* Classes of attribute names, and how many there are. */
enum { A_OTHER, A_NAME, A_GUID, A_SYSTEMTIME, A_RAWTIME, A_PROCESSID, A_THREADID, A_USERID, A_COUNT };

static int name_is(const char *s, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n == k && memcmp(s, lit, k) == 0;
}

static int attribute_class(const char *s, size_t n)
{
    static const char *const known[A_COUNT] = {"", "Name", "Guid", "SystemTime", "RawTime", "ProcessID", "ThreadID",
                                               "UserID"};
    for (int i = 1; i < A_COUNT; i++)
        if (name_is(s, n, known[i]))
            return i;
    return A_OTHER;
}

/* ---- the record builder ---------------------------------------------------- */

static void fail(hai_evtx *e, int code, const char *message)
{
    if (!e->error) {
        e->error = code;
        e->error_message = message;
    }
}

static void warn(hai_evtx *e, int code, const char *message)
{
    for (unsigned i = 0; i < e->nwarn; i++)
        if (e->warn_code[i] == code && e->warn_message[i] == message)
            return;
    if (e->nwarn < sizeof e->warn_code / sizeof e->warn_code[0]) {
        e->warn_code[e->nwarn] = code;
        e->warn_message[e->nwarn++] = message;
    }
}

static void rb_fail(void *ctx, int code, const char *message) { fail(ctx, code, message); }
static void rb_warn(void *ctx, int code, const char *message) { warn(ctx, code, message); }

void hai_evtx_builder_init(hai_evtx *e)
{
    hai_rb_init(&e->rb, &e->alloc, e->lim.max_field, e->lim.max_event, e->lim.max_depth);
    e->rb.fail = rb_fail;
    e->rb.warn = rb_warn;
    e->rb.ctx = e;
}

/* The attributes of the element being started: offsets into e->attr. */
typedef struct attrs {
    uint32_t off[A_COUNT], len[A_COUNT];
    uint8_t has[A_COUNT];
} attrs;

static const char *attr_value(hai_evtx *e, const attrs *a, int cls, size_t *n)
{
    if (!a->has[cls])
        return NULL;
    *n = a->len[cls];
    return e->attr.data + a->off[cls];
}

static void system_element(hai_evtx *e, int cls, const attrs *a)
{
    hai_rb *b = &e->rb;
    const char *v, *w;
    size_t n = 0, m = 0;
    switch (cls) {
    case HAI_EL_EXECUTION:
        v = attr_value(e, a, A_PROCESSID, &n);
        w = attr_value(e, a, A_THREADID, &m);
        hai_rb_execution(b, v, n, w, m);
        return;
    case HAI_EL_TIMECREATED:
        if ((v = attr_value(e, a, A_SYSTEMTIME, &n)) != NULL)
            hai_rb_time_created(b, v, n, NULL, 0);
        else if ((v = attr_value(e, a, A_RAWTIME, &n)) != NULL)
            hai_rb_time_created(b, NULL, 0, v, n);
        return;
    case HAI_EL_PROVIDER:
        v = attr_value(e, a, A_NAME, &n);
        w = attr_value(e, a, A_GUID, &m);
        hai_rb_provider(b, v, n, w, m);
        return;
    case HAI_EL_SECURITY:
        v = attr_value(e, a, A_USERID, &n);
        hai_rb_security(b, v, n);
        return;
    default:
        hai_rb_system(b, cls);
        return;
    }
}

static void data_pair(hai_evtx *e, const attrs *a)
{
    size_t n = 0;
    const char *dn = attr_value(e, a, A_NAME, &n);
    hai_rb_data(&e->rb, dn, n);
}

static void evb_start(hai_evtx *e, const hai_op *op, const attrs *a)
{
    hai_rb *b = &e->rb;
    if (!hai_rb_push(b))
        return;
    unsigned depth = hai_rb_open(b);
    if (depth == 0)
        return;
    if (depth == 2) {
        hai_rb_section(b, op->cls);
        return;
    }
    const char *name = e->strings.data + op->str;
    if (depth == 3 && b->section == HAI_SEC_SYSTEM)
        system_element(e, op->cls, a);
    else if (depth == 3 && b->section == HAI_SEC_EVENTDATA && op->cls == HAI_EL_DATA)
        data_pair(e, a);
    else if ((depth == 3 && b->section == HAI_SEC_EVENTDATA) || b->section == HAI_SEC_USERDATA)
        hai_rb_begin_pair(b, name, op->len, op->field);
}

static void evb_end(hai_evtx *e)
{
    if (e->rb.depth == 0) {
        fail(e, HA_ERR_EVTX, "an element ends that was never started");
        return;
    }
    hai_rb_close(&e->rb);
}

static void evb_text(hai_evtx *e, const char *s, size_t n)
{
    if (e->rb.depth != 0)
        hai_rb_text(&e->rb, s, n);
}

static void render_flags(hai_evtx *e, unsigned flags)
{
    if (flags & HAI_RENDER_CONTROL)
        warn(e, HA_ERR_CONTROL_CHAR, "a character XML 1.0 forbids became U+FFFD");
    if (flags & HAI_RENDER_BAD)
        warn(e, HA_ERR_BAD_VALUE, "a value's size does not fit its type");
}

/* ---- compiling tokens into ops -------------------------------------------- */

typedef struct opvec {
    hai_op **ops;
    size_t *n, *cap;
} opvec;

static hai_op *emit(hai_evtx *e, opvec v, int kind)
{
    if (*v.n == *v.cap && hai_grow(&e->alloc, (void **)v.ops, v.cap, *v.n + 1, sizeof(hai_op)) != 0) {
        fail(e, HA_ERR_NOMEM, "out of memory");
        return NULL;
    }
    hai_op *op = &(*v.ops)[(*v.n)++];
    memset(op, 0, sizeof *op);
    op->kind = (uint8_t)kind;
    return op;
}

/* Bounds: `need` bytes at chunk offset `pos`, before `end`. */
#define NEED(pos, need, end) ((pos) <= (end) && (end) - (pos) >= (need))

/* A name at chunk offset `*pos` (a 4-byte reference; the name itself
 * follows inline when the reference points right behind it). Stores its
 * UTF-8 in e->strings. */
static int read_name(hai_evtx *e, size_t *pos, size_t end, uint32_t *str, uint32_t *len)
{
    if (!NEED(*pos, 4, end))
        return -1;
    size_t at = hai_le32(e->c + *pos);
    *pos += 4;
    if (at < HAI_EVTX_CHUNK_HEADER || !NEED(at, 8, e->clen)) /* names follow the chunk's header */
        return -1;
    size_t count = hai_le16(e->c + at + 6);
    if (!NEED(at + 8, 2 * count, e->clen))
        return -1;
    if (at == *pos) { /* inline: next-name offset, hash, count, the characters, a NUL */
        if (!NEED(at, 10 + 2 * count, end))
            return -1;
        *pos = at + 10 + 2 * count;
    }
    /* decoded once per chunk: a template may refer to one long name many
     * times, and that must not multiply memory */
    unsigned h = (unsigned)((at * 2654435761u) >> 20) & (HAI_NAME_SLOTS - 1);
    for (unsigned k = 0; k < HAI_NAME_SLOTS; k++, h = (h + 1) & (HAI_NAME_SLOTS - 1)) {
        struct hai_name_slot *slot = &e->names[h];
        if (slot->at == at) {
            *str = slot->str;
            *len = slot->len;
            return 0;
        }
        if (slot->at == 0)
            break;
    }
    if (e->nnames >= HAI_NAME_SLOTS / 2)
        return -1; /* more names than a chunk can hold */
    unsigned flags = 0;
    size_t before = e->strings.len;
    if (hai_utf16_append(&e->strings, &e->alloc, e->c + at + 8, count, HAI_TEXT_CONTENT, &flags) != 0 ||
        e->strings.len - before > UINT32_MAX || before > UINT32_MAX) {
        fail(e, HA_ERR_NOMEM, "out of memory");
        return -1;
    }
    *str = (uint32_t)before;
    *len = (uint32_t)(e->strings.len - before);
    e->names[h].at = (uint32_t)at;
    e->names[h].str = *str;
    e->names[h].len = *len;
    e->nnames++;
    return 0;
}

/* Constant text into e->strings, as an OP_TEXT. */
static int text_op(hai_evtx *e, opvec v, const uint8_t *p, size_t units, int where)
{
    unsigned flags = 0;
    size_t before = e->strings.len;
    if (before > HAI_EVTX_MAX_STRINGS) {
        fail(e, HA_ERR_EVTX, "the chunk's BinXML text expands past what any real chunk holds");
        return -1;
    }
    if (hai_utf16_append(&e->strings, &e->alloc, p, units, where, &flags) != 0) {
        fail(e, HA_ERR_NOMEM, "out of memory");
        return -1;
    }
    hai_op *op = emit(e, v, OP_TEXT);
    if (!op)
        return -1;
    op->str = (uint32_t)before;
    op->len = (uint32_t)(e->strings.len - before);
    op->optional = (uint8_t)flags; /* OP_TEXT: render flags to repeat per record */
    return 0;
}

static int ascii_op(hai_evtx *e, opvec v, const char *s, size_t n)
{
    size_t before = e->strings.len;
    if (hai_buf_append(&e->strings, &e->alloc, s, n) != 0) {
        fail(e, HA_ERR_NOMEM, "out of memory");
        return -1;
    }
    hai_op *op = emit(e, v, OP_TEXT);
    if (!op)
        return -1;
    op->str = (uint32_t)before;
    op->len = (uint32_t)n;
    return 0;
}

static const char *bad_token = "a BinXML token is damaged or of an unknown kind";

/* A token's length-prefixed UTF-16 string: its count is the 16 bits at
 * `*p + skip`, its characters follow them. Sets *chars to their offset and
 * *units to their count, and moves *p past them. -1 (e->error set) when it
 * runs past `end`. */
static int counted_utf16(hai_evtx *e, size_t *p, size_t skip, size_t end, size_t *chars, size_t *units)
{
    if (!NEED(*p, skip + 2, end)) {
        fail(e, HA_ERR_EVTX, bad_token);
        return -1;
    }
    *units = hai_le16(e->c + *p + skip);
    *chars = *p + skip + 2;
    if (!NEED(*chars, 2 * *units, end)) {
        fail(e, HA_ERR_EVTX, bad_token);
        return -1;
    }
    *p = *chars + 2 * *units;
    return 0;
}

/* Compile tokens from `*pos` up to `end` into `v`: elements with their
 * attributes and content. Stops after the end-of-stream token, at a
 * template instance outside any element (not in a template: `in_tpl` 0),
 * or when the elements opened here are all closed again and `stop_at_top`.
 * `eid_sub` (may be NULL) receives the substitution that is the whole
 * System/EventID. Returns 0 or -1 (e->error set). */
static int compile(hai_evtx *e, size_t *pos, size_t end, int in_tpl, opvec v, int32_t *eid_sub)
{
    size_t p = *pos;
    unsigned depth = 0;
    int in_attrs = 0, in_attr = 0;
    uint8_t path[4] = {0}; /* classes of the open elements at depths 1 to 3 */
    size_t eid_op = SIZE_MAX; /* the EventID element's START op */
    size_t starts[64];        /* START ops of the open elements, by depth */
    if (eid_sub)
        *eid_sub = -1;
    while (!e->error) {
        if (++e->steps > HAI_EVTX_MAX_STEPS) {
            fail(e, HA_ERR_EVTX, "the chunk's BinXML expands past what any real chunk needs: its remaining records are skipped");
            return -1;
        }
        if (!NEED(p, 1, end)) {
            fail(e, HA_ERR_EVTX, "the BinXML ends before its end-of-stream token");
            return -1;
        }
        uint8_t t = e->c[p];
        switch (t & 0x1f) {
        case 0x00: /* end of stream */
            *pos = p + 1;
            if (depth) {
                fail(e, HA_ERR_EVTX, "the BinXML ends inside an element");
                return -1;
            }
            return 0;
        case 0x01: { /* open start element */
            if (t & ~0x41 || in_attrs) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            p++;
            size_t fixed = (in_tpl ? 2u : 0u) + 4u;
            if (!NEED(p, fixed, end)) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            p += fixed; /* dependency identifier (templates only), data size */
            uint32_t str, len;
            if (read_name(e, &p, end, &str, &len) != 0) {
                fail(e, HA_ERR_EVTX, "an element's name is out of the chunk");
                return -1;
            }
            if (t & 0x40) {
                if (!NEED(p, 4, end)) {
                    fail(e, HA_ERR_EVTX, bad_token);
                    return -1;
                }
                p += 4; /* attribute list size */
            }
            const char *name = e->strings.data + str;
            const char *colon = memchr(name, ':', len);
            if (colon) { /* the local name */
                len -= (uint32_t)(colon + 1 - name);
                str += (uint32_t)(colon + 1 - name);
                name = colon + 1;
            }
            hai_op *op = emit(e, v, OP_START);
            if (!op)
                return -1;
            op->str = str;
            op->len = len;
            op->cls = (uint8_t)hai_rb_element_class(name, len);
            op->field = (uint16_t)hai_field_lookup(name, len);
            depth++;
            if (depth <= 3)
                path[depth] = op->cls;
            if (depth < 64)
                starts[depth] = *v.n - 1;
            if (depth == 3 && path[2] == HAI_EL_SYSTEM && op->cls == HAI_EL_EVENTID)
                eid_op = *v.n - 1;
            in_attrs = 1;
            in_attr = 0;
            break;
        }
        case 0x02: /* close start element */
        case 0x03: /* close empty element */
            if (!in_attrs || t & ~0x03) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            p++;
            in_attrs = in_attr = 0;
            if (!emit(e, v, t == 0x02 ? OP_CONTENT : OP_EMPTY))
                return -1;
            if (t == 0x03 && --depth == 0 && !in_tpl) {
                *pos = p;
                return 0;
            }
            break;
        case 0x04: /* end element */
            if (in_attrs || depth == 0 || t != 0x04) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            p++;
            if (!emit(e, v, OP_END))
                return -1;
            if (depth < 64) { /* <X ...>%n</X>: the value decides whether X is there, and how often */
                size_t k = starts[depth] + 1;
                while ((*v.ops)[k].kind != OP_CONTENT && (*v.ops)[k].kind != OP_EMPTY)
                    k++;
                if ((*v.ops)[k].kind == OP_CONTENT && k + 3 == *v.n && (*v.ops)[k + 1].kind == OP_SUB)
                    (*v.ops)[starts[depth]].optional = 1;
            }
            if (depth == 3 && eid_op != SIZE_MAX && eid_sub) { /* <EventID ...>%n</EventID> */
                size_t k = eid_op + 1;
                while ((*v.ops)[k].kind != OP_CONTENT && (*v.ops)[k].kind != OP_EMPTY)
                    k++;
                if ((*v.ops)[k].kind == OP_CONTENT && k + 3 == *v.n && (*v.ops)[k + 1].kind == OP_SUB)
                    *eid_sub = (*v.ops)[k + 1].sub;
            }
            eid_op = depth == 3 ? SIZE_MAX : eid_op;
            if (--depth == 0 && !in_tpl) {
                *pos = p;
                return 0;
            }
            break;
        case 0x05: { /* value: only strings are written so */
            size_t chars, units;
            if ((in_attrs && !in_attr) || (!in_attrs && depth == 0) || !NEED(p, 2, end) || e->c[p + 1] != HAI_VT_STRING) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            if (counted_utf16(e, &p, 2, end, &chars, &units) != 0 ||
                text_op(e, v, e->c + chars, units, in_attr ? HAI_TEXT_ATTRIBUTE : HAI_TEXT_CONTENT) != 0)
                return -1;
            break;
        }
        case 0x06: { /* attribute */
            if (!in_attrs) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            p++;
            uint32_t str, len;
            if (read_name(e, &p, end, &str, &len) != 0) {
                fail(e, HA_ERR_EVTX, "an attribute's name is out of the chunk");
                return -1;
            }
            hai_op *op = emit(e, v, OP_ATTR);
            if (!op)
                return -1;
            op->str = str;
            op->len = len;
            op->cls = (uint8_t)attribute_class(e->strings.data + str, len);
            in_attr = 1;
            break;
        }
        case 0x07: { /* CDATA section */
            size_t chars, units;
            if (in_attrs || depth == 0) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            if (counted_utf16(e, &p, 1, end, &chars, &units) != 0 ||
                text_op(e, v, e->c + chars, units, HAI_TEXT_CONTENT) != 0)
                return -1;
            break;
        }
        case 0x08: { /* character reference */
            if ((in_attrs && !in_attr) || (!in_attrs && depth == 0) || !NEED(p, 3, end)) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            if (text_op(e, v, e->c + p + 1, 1, in_attr ? HAI_TEXT_ATTRIBUTE : HAI_TEXT_CONTENT) != 0)
                return -1;
            p += 3;
            break;
        }
        case 0x09: { /* entity reference: the five XML predefines */
            if ((in_attrs && !in_attr) || (!in_attrs && depth == 0)) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            p++;
            uint32_t str, len;
            if (read_name(e, &p, end, &str, &len) != 0) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            static const char *const ent[][2] = {{"amp", "&"}, {"lt", "<"}, {"gt", ">"}, {"quot", "\""}, {"apos", "'"}};
            const char *name = e->strings.data + str;
            for (size_t i = 0; i < sizeof ent / sizeof ent[0]; i++)
                if (name_is(name, len, ent[i][0]) && ascii_op(e, v, ent[i][1], 1) != 0)
                    return -1;
            break;
        }
        case 0x0a: { /* processing instruction target, then its data */
            if (in_attrs) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            p++;
            uint32_t str, len;
            if (read_name(e, &p, end, &str, &len) != 0) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            break;
        }
        case 0x0b: { /* processing instruction data: skipped */
            size_t chars, units;
            if (in_attrs) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            if (counted_utf16(e, &p, 1, end, &chars, &units) != 0)
                return -1;
            break;
        }
        case 0x0c: /* template instance */
            if (in_tpl || depth) {
                fail(e, HA_ERR_EVTX, "a template instance inside an element or a template");
                return -1;
            }
            *pos = p;
            return 0;
        case 0x0d: /* substitution */
        case 0x0e: { /* optional substitution */
            if ((in_attrs && !in_attr) || (!in_attrs && depth == 0) || !NEED(p, 4, end) || !in_tpl) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            hai_op *op = emit(e, v, OP_SUB);
            if (!op)
                return -1;
            op->sub = hai_le16(e->c + p + 1);
            op->vtype = e->c[p + 3];
            op->optional = t == 0x0e;
            p += 4;
            break;
        }
        case 0x0f: /* fragment header */
            if (depth || in_attrs || !NEED(p, 4, end)) {
                fail(e, HA_ERR_EVTX, bad_token);
                return -1;
            }
            p += 4;
            break;
        default:
            fail(e, HA_ERR_EVTX, bad_token);
            return -1;
        }
    }
    return -1;
}

/* ---- templates -------------------------------------------------------------- */

void hai_evtx_reset_chunk(hai_evtx *e)
{
    if (e->ntpl)
        memset(e->tpl, 0, sizeof e->tpl);
    if (e->nnames)
        memset(e->names, 0, sizeof e->names);
    e->nnames = 0;
    e->ntpl = 0;
    e->steps = 0;
    e->tpl_nops = 0;
    e->strings.len = 0;
}

static unsigned tpl_slot(uint32_t def_off) { return (unsigned)((def_off * 2654435761u) >> 24) & (HAI_TPL_SLOTS - 1); }

/* The compiled template defined at chunk offset `def`, compiled now if
 * need be. NULL when it cannot be (e->error set). */
static const hai_tpl *template_at(hai_evtx *e, size_t def)
{
    unsigned i = tpl_slot((uint32_t)def);
    for (unsigned k = 0; k < HAI_TPL_SLOTS; k++, i = (i + 1) & (HAI_TPL_SLOTS - 1)) {
        if (e->tpl[i].def_off == def)
            return &e->tpl[i];
        if (e->tpl[i].def_off == 0)
            break;
    }
    if (def < HAI_EVTX_CHUNK_HEADER || !NEED(def, 24, e->clen)) {
        fail(e, HA_ERR_EVTX, "a template's definition is out of the chunk");
        return NULL;
    }
    if (e->ntpl >= HAI_TPL_SLOTS * 3 / 4) {
        fail(e, HA_ERR_EVTX, "more templates in one chunk than a chunk can hold");
        return NULL;
    }
    size_t size = hai_le32(e->c + def + 20), start = def + 24;
    if (!NEED(start, size, e->clen)) {
        fail(e, HA_ERR_EVTX, "a template's definition is out of the chunk");
        return NULL;
    }
    size_t first = e->tpl_nops, pos = start;
    int32_t eid;
    opvec v = {&e->tpl_ops, &e->tpl_nops, &e->tpl_cap};
    if (compile(e, &pos, start + size, 1, v, &eid) != 0) {
        e->tpl_nops = first;
        return NULL;
    }
    hai_tpl *t = &e->tpl[i];
    t->def_off = (uint32_t)def;
    t->first = (uint32_t)first;
    t->nops = (uint32_t)(e->tpl_nops - first);
    t->event_id_sub = eid;
    e->ntpl++;
    return t;
}

/* ---- running ops ------------------------------------------------------------- */

static int run_fragment(hai_evtx *e, size_t pos, size_t end, size_t *stop);

static hai_val value_of(const hai_evtx *e, size_t vbase, size_t nv, unsigned k)
{
    hai_val none = {NULL, 0, HAI_VT_NULL};
    return k < nv ? e->vals[vbase + k] : none;
}

/* A substitution in element content. */
static void run_sub(hai_evtx *e, hai_val v)
{
    if (v.type == HAI_VT_NULL || (v.n == 0 && v.type != HAI_VT_BINXML))
        return;
    if (v.type == HAI_VT_BINXML) {
        if (e->nesting >= HAI_EVTX_MAX_NESTING) {
            fail(e, HA_ERR_EVTX, "BinXML values nest too deep");
            return;
        }
        size_t at = (size_t)(v.p - e->c), stop;
        e->nesting++;
        run_fragment(e, at, at + v.n, &stop);
        e->nesting--;
        return;
    }
    if (e->rb.cap == HAI_CAP_NONE || e->rb.depth == 0)
        return; /* not kept: not rendered */
    unsigned flags = 0;
    if (hai_evtx_render(&e->rb.text, &e->alloc, v.type, v.p, v.n, HAI_TEXT_CONTENT, &flags) != 0) {
        fail(e, HA_ERR_NOMEM, "out of memory");
        return;
    }
    render_flags(e, flags);
    hai_rb_check_sizes(&e->rb);
}

/* An element whose content is an array: the element once per item, as
 * Windows renders it (strings end at their NULs; other items by size). */
static void repeat_element(hai_evtx *e, const hai_op *op, const attrs *a, hai_val v)
{
    unsigned base = v.type & ~(unsigned)HAI_VT_ARRAY;
    size_t i = 0;
    while (i < v.n && !e->error) {
        size_t n;
        if (base == HAI_VT_STRING) {
            size_t j = i;
            while (j + 2 <= v.n && hai_le16(v.p + j))
                j += 2;
            n = j - i;
        } else {
            n = hai_evtx_item_size(base);
            if (!n || n > v.n - i) {
                warn(e, HA_ERR_BAD_VALUE, "a value's size does not fit its type");
                return;
            }
        }
        hai_val item = {v.p + i, (uint32_t)n, (uint8_t)base};
        evb_start(e, op, a);
        if (n)
            run_sub(e, item);
        evb_end(e);
        i += n + (base == HAI_VT_STRING ? 2 : 0);
    }
}

/* Run ops [first, first + n) of `*ops` (re-read each step: running may
 * compile more and move the array) with values vals[vbase, vbase + nv). */
static void run_ops(hai_evtx *e, hai_op *const *ops, size_t first, size_t n, size_t vbase, size_t nv)
{
    size_t end = first + n;
    for (size_t i = first; i < end && !e->error; i++) {
        if (++e->steps > HAI_EVTX_MAX_STEPS) {
            fail(e, HA_ERR_EVTX, "the chunk's BinXML expands past what any real chunk needs: its remaining records are skipped");
            return;
        }
        hai_op op = (*ops)[i];
        switch (op.kind) {
        case OP_START: {
            attrs a;
            memset(a.has, 0, sizeof a.has);
            e->attr.len = 0;
            size_t j = i + 1;
            while (j < end && (*ops)[j].kind == OP_ATTR) {
                int cls = (*ops)[j].cls;
                size_t start = e->attr.len;
                int present = 0;
                for (j++; j < end && ((*ops)[j].kind == OP_TEXT || (*ops)[j].kind == OP_SUB); j++) {
                    hai_op vo = (*ops)[j];
                    unsigned flags = vo.kind == OP_TEXT ? vo.optional : 0;
                    if (vo.kind == OP_TEXT) {
                        present = 1;
                        if (hai_buf_append(&e->attr, &e->alloc, e->strings.data + vo.str, vo.len) != 0)
                            fail(e, HA_ERR_NOMEM, "out of memory");
                    } else {
                        hai_val v = value_of(e, vbase, nv, vo.sub);
                        if (v.type == HAI_VT_NULL || (vo.optional && v.n == 0))
                            continue;
                        present = 1;
                        if (v.type == HAI_VT_BINXML) {
                            fail(e, HA_ERR_EVTX, "a BinXML value in an attribute");
                        } else if (hai_evtx_render(&e->attr, &e->alloc, v.type, v.p, v.n, HAI_TEXT_ATTRIBUTE,
                                                   &flags) != 0) {
                            fail(e, HA_ERR_NOMEM, "out of memory");
                        }
                    }
                    render_flags(e, flags);
                }
                if (e->attr.len - start > e->lim.max_field)
                    fail(e, HA_ERR_FIELD_TOO_LARGE, "a value exceeds the bytes-per-field limit");
                if (present && cls != A_OTHER && !a.has[cls]) {
                    a.has[cls] = 1;
                    a.off[cls] = (uint32_t)start;
                    a.len[cls] = (uint32_t)(e->attr.len - start);
                }
            }
            if (e->error)
                return;
            if (op.optional && j + 2 < end) { /* <X>%n</X> */
                hai_op so = (*ops)[j + 1];
                hai_val v = value_of(e, vbase, nv, so.sub);
                i = j + 2; /* the END */
                if (v.type == HAI_VT_NULL || (v.n == 0 && so.optional))
                    break; /* an optional value that is not there: no element */
                if (v.type & HAI_VT_ARRAY) {
                    repeat_element(e, &op, &a, v);
                    break;
                }
                evb_start(e, &op, &a);
                run_sub(e, v);
                evb_end(e);
                break;
            }
            evb_start(e, &op, &a);
            if (j < end && (*ops)[j].kind == OP_EMPTY)
                evb_end(e);
            i = j;
            break;
        }
        case OP_TEXT:
            if (op.optional)
                render_flags(e, op.optional);
            evb_text(e, e->strings.data + op.str, op.len);
            break;
        case OP_SUB:
            run_sub(e, value_of(e, vbase, nv, op.sub));
            break;
        case OP_END:
            evb_end(e);
            break;
        default:
            break;
        }
    }
}

/* The EventID a template instance's values give, or -1. */
static int64_t peek_event_id(hai_evtx *e, hai_val v)
{
    switch (v.type) {
    case HAI_VT_UINT16:
        return v.n >= 2 ? hai_le16(v.p) : -1;
    case HAI_VT_UINT32:
        return v.n >= 4 ? (int64_t)hai_le32(v.p) : -1;
    default: {
        unsigned flags = 0;
        uint64_t x;
        e->attr.len = 0;
        if (hai_evtx_render(&e->attr, &e->alloc, v.type, v.p, v.n, HAI_TEXT_CONTENT, &flags) != 0 ||
            hai_parse_uint(e->attr.data, e->attr.len, &x) != HA_OK || x > UINT32_MAX)
            return -1;
        return (int64_t)x;
    }
    }
}

/* A template instance at `pos`: its values, then its template's ops. */
static size_t run_instance(hai_evtx *e, size_t pos, size_t end, const hai_evtx_sink *s, int *skip)
{
    if (!NEED(pos, 10, end)) {
        fail(e, HA_ERR_EVTX, "a template instance is cut short");
        return end;
    }
    size_t def = hai_le32(e->c + pos + 6), p = pos + 10;
    if (def == p) { /* the definition follows: skip it */
        if (!NEED(p, 24, end) || !NEED(p + 24, hai_le32(e->c + p + 20), end)) {
            fail(e, HA_ERR_EVTX, "a template's definition is cut short");
            return end;
        }
        p += 24 + hai_le32(e->c + p + 20);
    }
    const hai_tpl *t = template_at(e, def);
    if (!t)
        return end;
    hai_tpl tpl = *t;
    if (!NEED(p, 4, end)) {
        fail(e, HA_ERR_EVTX, "a template instance's values are cut short");
        return end;
    }
    size_t nv = hai_le32(e->c + p);
    p += 4;
    if (nv > (end - p) / 4) {
        fail(e, HA_ERR_EVTX, "a template instance's values are cut short");
        return end;
    }
    size_t vbase = e->nvals;
    if (hai_grow(&e->alloc, (void **)&e->vals, &e->vals_cap, vbase + nv, sizeof *e->vals) != 0) {
        fail(e, HA_ERR_NOMEM, "out of memory");
        return end;
    }
    size_t data = p + 4 * nv;
    for (size_t k = 0; k < nv; k++) {
        size_t size = hai_le16(e->c + p + 4 * k);
        if (!NEED(data, size, end)) {
            fail(e, HA_ERR_EVTX, "a substitution value runs past its record");
            return end;
        }
        hai_val *v = &e->vals[vbase + k];
        v->p = e->c + data;
        v->n = (uint32_t)size;
        v->type = e->c[p + 4 * k + 2];
        data += size;
    }
    e->nvals = vbase + nv;
    if (skip && s->wanted && !e->lim.strict && tpl.event_id_sub >= 0) {
        int64_t id = peek_event_id(e, value_of(e, vbase, nv, (unsigned)tpl.event_id_sub));
        if (id >= 0 && !s->wanted(s->ctx, (uint32_t)id)) {
            *skip = 1;
            e->nvals = vbase;
            return data;
        }
    }
    run_ops(e, &e->tpl_ops, tpl.first, tpl.nops, vbase, nv);
    e->nvals = vbase;
    return data;
}

/* A BinXML fragment: a header, template instances or elements, an end. */
static int run_fragment(hai_evtx *e, size_t pos, size_t end, size_t *stop)
{
    while (!e->error && NEED(pos, 1, end)) {
        uint8_t t = e->c[pos];
        if (t == 0x00) {
            pos++;
            break;
        }
        if (t == 0x0f) {
            if (!NEED(pos, 4, end)) {
                fail(e, HA_ERR_EVTX, bad_token);
                break;
            }
            pos += 4;
        } else if (t == 0x0c) {
            pos = run_instance(e, pos, end, NULL, NULL);
        } else {
            size_t first = e->tmp_nops, mark = e->strings.len;
            unsigned ntpl = e->ntpl, nnames = e->nnames;
            opvec v = {&e->tmp_ops, &e->tmp_nops, &e->tmp_cap};
            if (compile(e, &pos, end, 0, v, NULL) == 0)
                run_ops(e, &e->tmp_ops, first, e->tmp_nops - first, 0, 0);
            e->tmp_nops = first;
            if (e->ntpl == ntpl && e->nnames == nnames)
                e->strings.len = mark; /* what only these ops used (no template or name since) */
        }
    }
    *stop = pos;
    return e->error ? -1 : 0;
}

int hai_evtx_decode_record(hai_evtx *e, size_t at, size_t size, const hai_evtx_sink *s)
{
    e->rec_off = e->chunk_off + at;
    e->rec_id = hai_le64(e->c + at + 8);
    e->error = 0;
    e->error_message = NULL;
    e->nwarn = 0;
    e->rb.depth = 0;
    e->rb.cap = HAI_CAP_NONE;
    e->rb.section = HAI_SEC_NONE;
    e->rb.complete = 0;
    e->nvals = 0;
    e->nesting = 0;
    e->rb.text.len = 0;
    e->rb.npairs = 0;
    hai_record_clear(&e->rb.rec);

    size_t pos = at + HAI_EVTX_RECORD_HEADER, end = at + size - 4;
    int skip = 0;
    /* the usual shape: a fragment header and one template instance, where
     * the EventID can be looked at before anything is built */
    if (NEED(pos, 5, end) && e->c[pos] == 0x0f && e->c[pos + 4] == 0x0c) {
        pos = run_instance(e, pos + 4, end, s, &skip);
        if (skip) {
            if (s->filtered)
                s->filtered(s->ctx);
            return 0;
        }
    }
    size_t stop;
    if (!e->error)
        run_fragment(e, pos, end, &stop);
    int rc = 0;
    for (unsigned i = 0; i < e->nwarn && !rc; i++)
        rc = s->diag(s->ctx, e->warn_code[i], 1, e->rec_off, e->chunk_index, e->rec_id, e->warn_message[i]);
    if (rc)
        return rc;
    if (!e->error && !e->rb.complete)
        fail(e, HA_ERR_EVTX, "the record holds no complete event");
    if (!e->error && !(e->rb.rec.has & HAI_HAS_EVENT_ID))
        fail(e, HA_ERR_NOT_EVENT, "the event has no valid System/EventID");
    if (e->error)
        return s->diag(s->ctx, e->error, 0, e->rec_off, e->chunk_index, e->rec_id, e->error_message);
    if (s->wanted && !s->wanted(s->ctx, e->rb.rec.event_id)) {
        if (s->filtered)
            s->filtered(s->ctx);
        return 0;
    }
    hai_rb_finish(&e->rb);
    e->rb.rec.offset = e->rec_off;
    e->rb.rec.line = 0;
    return s->record(s->ctx, &e->rb.rec);
}
