/* The .evtx decoder on files built here token by token: every value type's
 * text, templates used again by later records, optional and array
 * substitutions, nested BinXML, and damage (checksums, a record's size, a
 * cut file, a chunk without its signature), read whole, a byte at a time
 * and with stops, with and without an EventID filter. */
#include <handleaudit/handleaudit.h>

#include "check.h"
#include "collect.h"
#include "crc32_table.h"
#include "evtx_format.h"

/* ---- a BinXML writer -------------------------------------------------------- */

typedef struct {
    uint8_t *c; /* the chunk */
    size_t pos;
    struct {
        const char *s;
        uint32_t off;
    } names[64];
    int nnames;
} bx;

static void u8(bx *b, unsigned v) { b->c[b->pos++] = (uint8_t)v; }
static void u16(bx *b, unsigned v)
{
    u8(b, v & 0xff);
    u8(b, v >> 8);
}
static void u32(bx *b, uint32_t v)
{
    u16(b, v & 0xffff);
    u16(b, v >> 16);
}
static void u64(bx *b, uint64_t v)
{
    u32(b, (uint32_t)v);
    u32(b, (uint32_t)(v >> 32));
}
static void utf16(bx *b, const char *s) /* ASCII only */
{
    for (; *s; s++)
        u16(b, (unsigned char)*s);
}

/* A name reference: inline the first time, by offset after that. */
static void name(bx *b, const char *s)
{
    for (int i = 0; i < b->nnames; i++)
        if (strcmp(b->names[i].s, s) == 0) {
            u32(b, b->names[i].off);
            return;
        }
    uint32_t at = (uint32_t)b->pos + 4;
    b->names[b->nnames].s = s;
    b->names[b->nnames++].off = at;
    u32(b, at);
    u32(b, 0); /* next name */
    u16(b, 0); /* hash (not checked) */
    u16(b, (unsigned)strlen(s));
    utf16(b, s);
    u16(b, 0);
}

static void open_el(bx *b, const char *s, int attrs, int dep)
{
    u8(b, attrs ? 0x41 : 0x01);
    if (dep)
        u16(b, 0xffff);
    u32(b, 0); /* data size: not used */
    name(b, s);
    if (attrs)
        u32(b, 0);
}
static void attr(bx *b, const char *s)
{
    u8(b, 0x06);
    name(b, s);
}
static void text(bx *b, const char *s)
{
    u8(b, 0x05);
    u8(b, 0x01);
    u16(b, (unsigned)strlen(s));
    utf16(b, s);
}
static void sub(bx *b, unsigned idx, unsigned type, int optional)
{
    u8(b, optional ? 0x0e : 0x0d);
    u16(b, idx);
    u8(b, type);
}
static void close_start(bx *b) { u8(b, 0x02); }
static void close_empty(bx *b) { u8(b, 0x03); }
static void end_el(bx *b) { u8(b, 0x04); }

/* <NAME>%idx</NAME> */
static void leaf(bx *b, const char *s, unsigned idx, unsigned type, int optional)
{
    open_el(b, s, 0, 1);
    close_start(b);
    sub(b, idx, type, optional);
    end_el(b);
}

static void data(bx *b, const char *n, unsigned idx, unsigned type, int optional)
{
    open_el(b, "Data", 1, 1);
    attr(b, "Name");
    text(b, n);
    close_start(b);
    sub(b, idx, type, optional);
    end_el(b);
}

/* The first template: a handle-request-like event with one value of
 * every kind. Its substitutions: */
enum {
    S_GUID, S_QUAL, S_EID, S_LEVEL, S_KEYWORDS, S_TIME, S_RECID, S_PID, S_TID, S_COMPUTER, S_SID, S_HANDLE,
    S_OBJECT, S_FLAG, S_BLOB, S_OPT, S_MANY, S_NEG, S_SIZE, S_WHEN, S_CTL, S_COUNT
};

static void template1(bx *b)
{
    u8(b, 0x0f), u8(b, 1), u8(b, 1), u8(b, 0);
    open_el(b, "Event", 1, 1);
    attr(b, "xmlns");
    text(b, "http://schemas.microsoft.com/win/2004/08/events/event");
    close_start(b);
    open_el(b, "System", 0, 1);
    close_start(b);
    open_el(b, "Provider", 1, 1);
    attr(b, "Name");
    text(b, "Test-Provider");
    attr(b, "Guid");
    sub(b, S_GUID, 0x0f, 0);
    close_empty(b);
    open_el(b, "EventID", 1, 1);
    attr(b, "Qualifiers");
    sub(b, S_QUAL, 0x06, 1);
    close_start(b);
    sub(b, S_EID, 0x06, 0);
    end_el(b);
    leaf(b, "Level", S_LEVEL, 0x04, 0);
    leaf(b, "Keywords", S_KEYWORDS, 0x15, 0);
    open_el(b, "TimeCreated", 1, 1);
    attr(b, "SystemTime");
    sub(b, S_TIME, 0x11, 0);
    close_empty(b);
    leaf(b, "EventRecordID", S_RECID, 0x0a, 0);
    open_el(b, "Execution", 1, 1);
    attr(b, "ProcessID");
    sub(b, S_PID, 0x08, 0);
    attr(b, "ThreadID");
    sub(b, S_TID, 0x08, 0);
    close_empty(b);
    open_el(b, "Channel", 0, 1);
    close_start(b);
    text(b, "Security");
    end_el(b);
    leaf(b, "Computer", S_COMPUTER, 0x01, 0);
    open_el(b, "Security", 1, 1);
    attr(b, "UserID");
    sub(b, S_SID, 0x13, 1);
    close_empty(b);
    end_el(b); /* System */
    open_el(b, "EventData", 0, 1);
    close_start(b);
    data(b, "SubjectUserSid", S_SID, 0x13, 0);
    data(b, "HandleId", S_HANDLE, 0x15, 0);
    data(b, "ObjectName", S_OBJECT, 0x01, 0);
    data(b, "Flag", S_FLAG, 0x0d, 0);
    data(b, "Blob", S_BLOB, 0x0e, 0);
    data(b, "Opt", S_OPT, 0x01, 1);
    data(b, "Many", S_MANY, 0x81, 0);
    data(b, "Neg", S_NEG, 0x07, 0);
    data(b, "Size", S_SIZE, 0x10, 0);
    data(b, "When", S_WHEN, 0x11, 0);
    data(b, "Ctl", S_CTL, 0x01, 0);
    data(b, "Guid", S_GUID, 0x0f, 0);
    end_el(b); /* EventData */
    end_el(b); /* Event */
    u8(b, 0x00);
}

typedef struct {
    uint8_t type;
    uint8_t bytes[96];
    uint16_t n;
} value;

static value v_u16(unsigned x) { value v = {0x06, {(uint8_t)x, (uint8_t)(x >> 8)}, 2}; return v; }
static value v_u8(unsigned x) { value v = {0x04, {(uint8_t)x}, 1}; return v; }
static value v_le(uint8_t type, uint64_t x, unsigned n)
{
    value v = {type, {0}, (uint16_t)n};
    for (unsigned i = 0; i < n; i++)
        v.bytes[i] = (uint8_t)(x >> (8 * i));
    return v;
}
static value v_str(const char *s, int nul_separated_array)
{
    value v = {(uint8_t)(nul_separated_array ? 0x81 : 0x01), {0}, 0};
    for (; *s; s++) {
        v.bytes[v.n++] = (uint8_t)(*s == '|' && nul_separated_array ? 0 : *s);
        v.bytes[v.n++] = 0;
    }
    if (nul_separated_array) {
        v.bytes[v.n++] = 0;
        v.bytes[v.n++] = 0;
    }
    return v;
}
static value v_bytes(uint8_t type, const void *p, unsigned n)
{
    value v = {type, {0}, (uint16_t)n};
    memcpy(v.bytes, p, n);
    return v;
}
static value v_null(void) { value v = {0x00, {0}, 0}; return v; }

/* A record at b->pos: a template instance of the template defined at
 * `def` (0: defined here, by `define`), with `nv` values. */
static size_t record(bx *b, uint64_t id, uint32_t *def, void (*define)(bx *), const value *vals, unsigned nv)
{
    size_t start = b->pos;
    u32(b, 0x2a2a), u32(b, 0), u64(b, id), u64(b, 0);
    u8(b, 0x0f), u8(b, 1), u8(b, 1), u8(b, 0);
    u8(b, 0x0c), u8(b, 1), u32(b, 7);
    if (!*def) {
        *def = (uint32_t)b->pos + 4;
        u32(b, *def);
        u32(b, 0);                         /* next template */
        for (int i = 0; i < 16; i++) u8(b, (unsigned)i); /* GUID */
        size_t size_at = b->pos;
        u32(b, 0);
        define(b);
        uint32_t size = (uint32_t)(b->pos - size_at - 4);
        memcpy(b->c + size_at, &size, 4);
    } else {
        u32(b, *def);
    }
    u32(b, nv);
    for (unsigned i = 0; i < nv; i++)
        u16(b, vals[i].n), u8(b, vals[i].type), u8(b, 0);
    for (unsigned i = 0; i < nv; i++)
        for (unsigned k = 0; k < vals[i].n; k++)
            u8(b, vals[i].bytes[k]);
    u8(b, 0x00);
    while ((b->pos + 4) % 8)
        u8(b, 0);
    uint32_t size = (uint32_t)(b->pos + 4 - start);
    u32(b, size);
    memcpy(b->c + start + 4, &size, 4);
    return start;
}

/* The second template: <Event><System><EventID>%0</EventID></System>
 * <UserData>%1</UserData></Event>, %1 a BinXML value. */
static void template2(bx *b)
{
    u8(b, 0x0f), u8(b, 1), u8(b, 1), u8(b, 0);
    open_el(b, "Event", 0, 1);
    close_start(b);
    open_el(b, "System", 0, 1);
    close_start(b);
    leaf(b, "EventID", 0, 0x06, 0);
    end_el(b);
    leaf(b, "UserData", 1, 0x21, 0);
    end_el(b);
    u8(b, 0x00);
}

static const uint8_t sid_bytes[] = {1, 5, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 0x39, 0x30, 0, 0, 0xe8, 3, 0, 0, 1, 0, 0, 0, 0xf4, 1, 0, 0};
static const uint8_t guid_bytes[] = {0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d};
#define FT_2024 133550000000000000ull /* 2024-03-15T10:33:20Z */

typedef struct {
    uint8_t *file;
    size_t len;
    size_t rec[8]; /* chunk offsets of the records */
} built;

/* A file: header, one chunk of five records (three of template 1, one of
 * template 2 with a nested fragment, one of template 1 again). */
static built build_file(void)
{
    built f;
    f.len = HAI_EVTX_FILE_HEADER + HAI_EVTX_CHUNK;
    f.file = calloc(1, f.len);
    uint8_t *h = f.file, *c = f.file + HAI_EVTX_FILE_HEADER;
    memcpy(h, "ElfFile", 8);
    h[32] = 128, h[36] = 1, h[38] = 3, h[40] = 0x00, h[41] = 0x10, h[42] = 1;
    bx b = {c, HAI_EVTX_CHUNK_HEADER, {{0, 0}}, 0};
    uint32_t t1 = 0, t2 = 0;
    value v[S_COUNT];
    for (uint64_t id = 1; id <= 3; id++) {
        v[S_GUID] = v_bytes(0x0f, guid_bytes, 16);
        v[S_QUAL] = id == 2 ? v_u16(32768) : v_null();
        v[S_EID] = v_u16(id == 3 ? 4658 : 4656);
        v[S_LEVEL] = v_u8(0);
        v[S_KEYWORDS] = v_le(0x15, id == 2 ? 0x8010000000000000ull : 0x8020000000000000ull, 8);
        v[S_TIME] = v_le(0x11, FT_2024 + id * 1234567, 8);
        v[S_RECID] = v_le(0x0a, id, 8);
        v[S_PID] = v_le(0x08, 4, 4);
        v[S_TID] = v_le(0x08, 456, 4);
        v[S_COMPUTER] = v_str("WKS-07.corp.example.com", 0);
        v[S_SID] = v_bytes(0x13, sid_bytes, sizeof sid_bytes);
        v[S_HANDLE] = v_le(0x15, 0x274, 8);
        v[S_OBJECT] = v_str(id == 1 ? "C:\\a\r\nb\rc" : "\\Device\\x", 0);
        v[S_FLAG] = v_le(0x0d, id == 1 ? 1 : id == 2 ? 0 : 7, 4);
        v[S_BLOB] = v_bytes(0x0e, "\x01\xab\xff", 3);
        v[S_OPT] = id == 1 ? v_str("here", 0) : v_null();
        v[S_MANY] = v_str("one|two|three", 1);
        v[S_NEG] = v_le(0x07, (uint32_t)-42, 4);
        v[S_SIZE] = v_le(0x10, 0xbeef, 8);
        v[S_WHEN] = v_le(0x11, 116444736000000000ull + 10000000ull + 5, 8); /* 1970-01-01T00:00:01.0000005Z */
        v[S_CTL] = v_str("a\x03z", 0);
        f.rec[id - 1] = record(&b, id, &t1, template1, v, S_COUNT);
    }
    /* nested BinXML: a fragment with a direct element (no dependency ids) */
    bx n = {c, 0, {{0, 0}}, 0};
    uint8_t nested[512];
    n.c = nested;
    u8(&n, 0x0f), u8(&n, 1), u8(&n, 1), u8(&n, 0);
    /* names inside nested BinXML are chunk offsets too: write them out of
     * line in the chunk first (at the end of the used area) */
    value v2[2];
    v2[0] = v_u16(1102);
    size_t names_at = 0x8000;
    bx nm = {c, names_at, {{0, 0}}, 0};
    uint32_t off_cleared = (uint32_t)nm.pos;
    u32(&nm, 0), u16(&nm, 0), u16(&nm, 14), utf16(&nm, "LogFileCleared"), u16(&nm, 0);
    uint32_t off_user = (uint32_t)nm.pos;
    u32(&nm, 0), u16(&nm, 0), u16(&nm, 15), utf16(&nm, "SubjectUserName"), u16(&nm, 0);
    u8(&n, 0x01), u32(&n, 0), u32(&n, off_cleared), u8(&n, 0x02);
    u8(&n, 0x01), u32(&n, 0), u32(&n, off_user), u8(&n, 0x02);
    u8(&n, 0x05), u8(&n, 0x01), u16(&n, 5), utf16(&n, "alice");
    u8(&n, 0x04), u8(&n, 0x04), u8(&n, 0x00);
    v2[1] = v_bytes(0x21, nested, (unsigned)n.pos);
    f.rec[3] = record(&b, 4, &t2, template2, v2, 2);
    v[S_OBJECT] = v_str("last", 0);
    v[S_RECID] = v_le(0x0a, 5, 8);
    f.rec[4] = record(&b, 5, &t1, template1, v, S_COUNT);
    size_t free_at = b.pos;
    /* the chunk header */
    memcpy(c, "ElfChnk", 8);
    uint64_t one = 1, five = 5;
    memcpy(c + 8, &one, 8), memcpy(c + 16, &five, 8), memcpy(c + 24, &one, 8), memcpy(c + 32, &five, 8);
    c[40] = 128;
    uint32_t last = (uint32_t)f.rec[4], fs = (uint32_t)free_at;
    memcpy(c + 44, &last, 4), memcpy(c + 48, &fs, 4);
    uint32_t rcrc = hai_crc32(0, c + 512, free_at - 512);
    memcpy(c + 52, &rcrc, 4);
    uint32_t hcrc = hai_crc32(hai_crc32(0, c, 120), c + 128, 384);
    memcpy(c + 124, &hcrc, 4);
    uint32_t fcrc = hai_crc32(0, h, 120);
    memcpy(h + 124, &fcrc, 4);
    return f;
}

static void rechecksum(built *f)
{
    uint8_t *c = f->file + HAI_EVTX_FILE_HEADER;
    uint32_t fs;
    memcpy(&fs, c + 48, 4);
    uint32_t rcrc = hai_crc32(0, c + 512, fs - 512);
    memcpy(c + 52, &rcrc, 4);
    uint32_t hcrc = hai_crc32(hai_crc32(0, c, 120), c + 128, 384);
    memcpy(c + 124, &hcrc, 4);
}

/* ---- reading it back ---------------------------------------------------------- */

typedef struct {
    ha_record *recs[16];
    int n;
    int codes[32], warnings[32];
    uint64_t offsets[32];
    int nd;
    int stop_at;
} got;

static int keep(const ha_record *r, void *ud)
{
    got *g = ud;
    if (g->n < 16)
        ha_record_copy(r, &g->recs[g->n++]);
    return g->stop_at && g->n == g->stop_at ? 9 : 0;
}

static int keep_diag(const ha_diag *d, void *ud)
{
    got *g = ud;
    if (g->nd < 32) {
        g->codes[g->nd] = ha_diag_code(d);
        g->warnings[g->nd] = ha_diag_is_warning(d);
        g->offsets[g->nd++] = ha_diag_offset(d);
    }
    return 0;
}

static void got_free(got *g)
{
    for (int i = 0; i < g->n; i++)
        ha_record_free(g->recs[i]);
}

static void read_into(const built *f, size_t len, got *g, const uint32_t *filter, size_t nfilter)
{
    memset(g, 0, sizeof *g);
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = keep;
    o.on_diag = keep_diag;
    o.userdata = g;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    if (nfilter)
        CHECK_INT(ha_reader_set_event_filter(r, filter, nfilter), HA_OK);
    CHECK_INT(ha_reader_feed(r, f->file, len), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    ha_reader_free(r);
}

static void test_values(void)
{
    built f = build_file();
    got g;
    read_into(&f, f.len, &g, NULL, 0);
    CHECK_INT(g.n, 5);
    CHECK_INT(g.nd, 4); /* the control character: a warning for each record of template 1 */
    if (g.n < 5) {
        got_free(&g);
        free(f.file);
        return;
    }
    const ha_record *r = g.recs[0];
    CHECK_INT(ha_record_event_id(r), 4656);
    CHECK_INT(ha_record_level(r), 0);
    CHECK_U64(ha_record_keywords(r), 0x8020000000000000ull);
    CHECK_INT(ha_record_audit(r), HA_AUDIT_SUCCESS);
    CHECK_U64(ha_record_record_id(r), 1);
    CHECK_INT(ha_record_execution_process_id(r), 4);
    CHECK_INT(ha_record_execution_thread_id(r), 456);
    CHECK_STR(ha_record_channel(r), "Security");
    CHECK_STR(ha_record_computer(r), "WKS-07.corp.example.com");
    CHECK_STR(ha_record_provider_name(r), "Test-Provider");
    CHECK_STR(ha_record_provider_guid(r), "{54849625-5478-4994-A5BA-3E3B0328C30D}");
    CHECK_STR(ha_record_user_id(r), "S-1-5-21-12345-1000-1-500");
    int64_t t = ((int64_t)(FT_2024 + 1234567) - 116444736000000000ll) * 100;
    CHECK_U64((uint64_t)ha_record_time(r), (uint64_t)t);
    CHECK_U64(ha_record_offset(r), HAI_EVTX_FILE_HEADER + f.rec[0]);
    CHECK_U64(ha_record_line(r), 0);
    uint64_t handle = 0;
    CHECK_INT(ha_record_uint(r, HA_FIELD_HANDLE_ID, &handle), HA_OK);
    CHECK_U64(handle, 0x274);
    CHECK_STR(ha_record_data(r, "HandleId"), "0x0000000000000274");
    CHECK_STR(ha_record_string(r, HA_FIELD_SUBJECT_USER_SID), "S-1-5-21-12345-1000-1-500");
    CHECK_STR(ha_record_data(r, "ObjectName"), "C:\\a\nb\nc"); /* CR LF and CR: LF, as an XML parser gives */
    CHECK_STR(ha_record_data(r, "Flag"), "true");
    CHECK_STR(ha_record_data(r, "Blob"), "01ABFF");
    CHECK_STR(ha_record_data(r, "Opt"), "here");
    CHECK_STR(ha_record_data(r, "Neg"), "-42");
    CHECK_STR(ha_record_data(r, "Size"), "0x000000000000beef");
    CHECK_STR(ha_record_data(r, "When"), "1970-01-01T00:00:01.000000500Z");
    CHECK_STR(ha_record_data(r, "Ctl"), "a\xef\xbf\xbdz");
    CHECK_STR(ha_record_data(r, "Guid"), "{54849625-5478-4994-A5BA-3E3B0328C30D}");
    /* the array: one Data element per item */
    int many = 0;
    for (size_t i = 0; i < ha_record_data_count(r); i++)
        if (strcmp(ha_record_data_name(r, i), "Many") == 0) {
            size_t len;
            const char *v = ha_record_data_value(r, i, &len);
            CHECK_STR(v, many == 0 ? "one" : many == 1 ? "two" : "three");
            many++;
        }
    CHECK_INT(many, 3);
    /* record 2: the optional value absent leaves its element out; a false boolean */
    r = g.recs[1];
    CHECK(ha_record_data(r, "Opt") == NULL);
    CHECK_STR(ha_record_data(r, "Flag"), "false");
    CHECK_INT(ha_record_audit(r), HA_AUDIT_FAILURE);
    CHECK_STR(ha_record_data(g.recs[2], "Flag"), "true"); /* 7 */
    CHECK_INT(ha_record_event_id(g.recs[2]), 4658);
    /* record 4: the nested fragment's leaf element under UserData */
    r = g.recs[3];
    CHECK_INT(ha_record_event_id(r), 1102);
    CHECK_STR(ha_record_data(r, "SubjectUserName"), "alice");
    CHECK_INT((int)ha_record_data_count(r), 1);
    /* record 5: the template of record 1 used again, from its offset */
    CHECK_STR(ha_record_data(g.recs[4], "ObjectName"), "last");
    CHECK_U64(ha_record_record_id(g.recs[4]), 5);
    for (int i = 0; i < g.nd; i++)
        CHECK(g.warnings[i] && g.codes[i] == HA_ERR_CONTROL_CHAR);
    got_free(&g);
    free(f.file);
}

static void test_chunked_and_stopped(void)
{
    built f = build_file();
    result whole = {0}, bytes = {0}, rnd_ = {0};
    run((const char *)f.file, f.len, 0, &whole);
    run((const char *)f.file, f.len, 1, &bytes);
    run((const char *)f.file, f.len, SIZE_MAX, &rnd_);
    CHECK_INT(whole.nrecords, 5);
    CHECK_STR(bytes.records.s, whole.records.s);
    CHECK_STR(rnd_.records.s, whole.records.s);
    CHECK_INT(bytes.ndiags, whole.ndiags);
    /* a callback that stops after each record: the next call goes on */
    got g;
    memset(&g, 0, sizeof g);
    g.stop_at = 1;
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = keep;
    o.userdata = &g;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    int rc = ha_reader_feed(r, f.file, f.len), stops = 0;
    while (rc == 9 && stops < 10) {
        stops++;
        g.stop_at = g.n + 1;
        rc = ha_reader_finish(r);
    }
    CHECK_INT(rc, HA_OK);
    CHECK_INT(g.n, 5);
    CHECK_INT(stops, 5);
    for (int i = 0; i < g.n; i++) /* record 4's template has no EventRecordID */
        CHECK_U64(ha_record_record_id(g.recs[i]), i == 3 ? 0 : (uint64_t)i + 1);
    ha_reader_free(r);
    got_free(&g);
    result_free(&whole);
    result_free(&bytes);
    result_free(&rnd_);
    free(f.file);
}

static void test_filter(void)
{
    built f = build_file();
    got g;
    uint32_t ids[] = {4658, 1102};
    read_into(&f, f.len, &g, ids, 2);
    CHECK_INT(g.n, 3); /* records 3, 4 and 5 */
    if (g.n == 3) {
        CHECK_INT(ha_record_event_id(g.recs[0]), 4658);
        CHECK_INT(ha_record_event_id(g.recs[1]), 1102);
        CHECK_U64(ha_record_record_id(g.recs[2]), 5);
    }
    got_free(&g);
    free(f.file);
}

static int count_code(const got *g, int code, int warning)
{
    int k = 0;
    for (int i = 0; i < g->nd; i++)
        k += g->codes[i] == code && g->warnings[i] == warning;
    return k;
}

static void test_damage(void)
{
    got g;
    /* a byte of a record changed: the records checksum fails, a warning;
     * the record is read as it is */
    built f = build_file();
    f.file[HAI_EVTX_FILE_HEADER + f.rec[4] + 16] ^= 1;
    read_into(&f, f.len, &g, NULL, 0);
    CHECK_INT(g.n, 5);
    CHECK_INT(count_code(&g, HA_ERR_EVTX, 1), 1);
    got_free(&g);
    free(f.file);

    /* a record's size damaged: it is reported, the next one is read */
    f = build_file();
    f.file[HAI_EVTX_FILE_HEADER + f.rec[1] + 4] ^= 0x40;
    rechecksum(&f);
    read_into(&f, f.len, &g, NULL, 0);
    CHECK_INT(g.n, 4);
    CHECK_INT(count_code(&g, HA_ERR_EVTX, 0), 1);
    for (int i = 0; i < g.nd; i++)
        if (g.codes[i] == HA_ERR_EVTX)
            CHECK_U64(g.offsets[i], HAI_EVTX_FILE_HEADER + f.rec[1]);
    got_free(&g);
    free(f.file);

    /* the file cut inside the chunk: the records before the cut are read,
     * and the cut is an error */
    f = build_file();
    read_into(&f, HAI_EVTX_FILE_HEADER + f.rec[3] + 10, &g, NULL, 0);
    CHECK_INT(g.n, 3);
    CHECK(count_code(&g, HA_ERR_EVTX, 0) >= 1);
    got_free(&g);
    free(f.file);

    /* the chunk's signature zeroed: its records are found one by one, and
     * the chunk is reported */
    f = build_file();
    memset(f.file + HAI_EVTX_FILE_HEADER, 0, 8);
    read_into(&f, f.len, &g, NULL, 0);
    CHECK_INT(g.n, 5);
    CHECK_INT(count_code(&g, HA_ERR_EVTX, 0), 1);
    got_free(&g);
    free(f.file);

    /* a template token damaged: the records using it are errors, each
     * naming itself; nothing else is lost */
    f = build_file();
    uint8_t *c = f.file + HAI_EVTX_FILE_HEADER;
    c[f.rec[0] + 24 + 4 + 10 + 24 + 4] = 0x77; /* the template's first element token */
    rechecksum(&f);
    read_into(&f, f.len, &g, NULL, 0);
    CHECK_INT(g.n, 1); /* the nested-fragment record, of another template */
    CHECK_INT(count_code(&g, HA_ERR_EVTX, 0), 4);
    got_free(&g);
    free(f.file);

    /* the file signature damaged in two bytes: still read as .evtx */
    f = build_file();
    f.file[1] = 'X', f.file[2] = 'Y';
    read_into(&f, f.len, &g, NULL, 0);
    CHECK_INT(g.n, 5);
    got_free(&g);
    free(f.file);
}

/* A chunk that says it holds one record more than it does: the error comes
 * after its last record, also when a callback stopped at that record (the
 * resumed call still makes the chunk's last check; found by fuzz_evtx). */
static void test_missing_after_stop(void)
{
    built f = build_file();
    uint8_t *c = f.file + HAI_EVTX_FILE_HEADER;
    uint64_t six = 6;
    memcpy(c + 32, &six, 8);
    rechecksum(&f);
    for (int stop = 0; stop <= 1; stop++) {
        got g;
        memset(&g, 0, sizeof g);
        g.stop_at = stop ? 5 : 0;
        ha_reader_options o = HA_READER_OPTIONS_INIT;
        o.on_record = keep;
        o.on_diag = keep_diag;
        o.userdata = &g;
        ha_reader *r;
        CHECK_INT(ha_reader_new(&o, &r), HA_OK);
        int rc = ha_reader_feed(r, f.file, f.len);
        CHECK_INT(rc, stop ? 9 : HA_OK);
        CHECK_INT(ha_reader_finish(r), HA_OK);
        CHECK_INT(g.n, 5);
        CHECK_INT(count_code(&g, HA_ERR_EVTX, 0), 1);
        ha_reader_free(r);
        got_free(&g);
    }
    free(f.file);
}

/* A counting allocator: the peak of what is allocated at once. */
typedef struct {
    size_t now, peak;
} counter;

static void *c_malloc(size_t n, void *ctx)
{
    counter *c = ctx;
    size_t *p = malloc(n + 16);
    if (!p)
        return NULL;
    *p = n;
    c->now += n;
    if (c->now > c->peak)
        c->peak = c->now;
    return (char *)p + 16;
}

static void c_free(void *q, void *ctx)
{
    counter *c = ctx;
    if (!q)
        return;
    size_t *p = (size_t *)(void *)((char *)q - 16);
    c->now -= *p;
    free(p);
}

static void *c_realloc(void *q, size_t n, void *ctx)
{
    if (!q)
        return c_malloc(n, ctx);
    size_t *p = (size_t *)(void *)((char *)q - 16);
    void *r = c_malloc(n, ctx);
    if (r) {
        memcpy(r, q, *p < n ? *p : n);
        c_free(q, ctx);
    }
    return r;
}

/* One long name (3,000 characters) used by 3,000 elements of a template:
 * decoded once, not 3,000 times (9 MB before the chunk's name cache).
 * Under `section` (EventData: each element a pair named so, 9 MB of record
 * text) the record is refused past max_event_bytes (1 MiB here). */
static void long_name_many_times(const char *section, int refused)
{
    built f;
    f.len = HAI_EVTX_FILE_HEADER + HAI_EVTX_CHUNK;
    f.file = calloc(1, f.len);
    memcpy(f.file, "ElfFile", 8);
    uint8_t *c = f.file + HAI_EVTX_FILE_HEADER;
    memcpy(c, "ElfChnk", 8);
    /* the name, out of line near the chunk's end */
    size_t name_at = HAI_EVTX_CHUNK - 6100;
    bx nb = {c, name_at, {{0, 0}}, 0};
    u32(&nb, 0), u16(&nb, 0), u16(&nb, 3000);
    for (int i = 0; i < 3000; i++)
        u16(&nb, 'N');
    u16(&nb, 0);
    bx b = {c, HAI_EVTX_CHUNK_HEADER, {{0, 0}}, 0};
    size_t start = b.pos;
    u32(&b, 0x2a2a), u32(&b, 0), u64(&b, 1), u64(&b, 0);
    u8(&b, 0x0f), u8(&b, 1), u8(&b, 1), u8(&b, 0);
    u8(&b, 0x0c), u8(&b, 1), u32(&b, 7);
    uint32_t def = (uint32_t)b.pos + 4;
    u32(&b, def), u32(&b, 0);
    for (int i = 0; i < 16; i++)
        u8(&b, 0);
    size_t size_at = b.pos;
    u32(&b, 0);
    u8(&b, 0x0f), u8(&b, 1), u8(&b, 1), u8(&b, 0);
    open_el(&b, "Event", 0, 1);
    close_start(&b);
    open_el(&b, "System", 0, 1);
    close_start(&b);
    leaf(&b, "EventID", 0, 0x06, 0);
    end_el(&b);
    open_el(&b, section, 0, 1);
    close_start(&b);
    for (int i = 0; i < 3000; i++) {
        u8(&b, 0x01), u16(&b, 0xffff), u32(&b, 0), u32(&b, (uint32_t)name_at);
        close_empty(&b);
    }
    end_el(&b);
    end_el(&b);
    u8(&b, 0x00);
    uint32_t tsize = (uint32_t)(b.pos - size_at - 4);
    memcpy(c + size_at, &tsize, 4);
    value v = v_u16(4656);
    u32(&b, 1), u16(&b, v.n), u8(&b, v.type), u8(&b, 0);
    for (unsigned k = 0; k < v.n; k++)
        u8(&b, v.bytes[k]);
    u8(&b, 0);
    while ((b.pos + 4) % 8)
        u8(&b, 0);
    uint32_t rsize = (uint32_t)(b.pos + 4 - start);
    u32(&b, rsize);
    memcpy(c + start + 4, &rsize, 4);
    uint32_t fs = (uint32_t)b.pos;
    memcpy(c + 48, &fs, 4);
    CHECK(b.pos < name_at);
    rechecksum(&f);

    counter cnt = {0, 0};
    ha_allocator a = {c_malloc, c_realloc, c_free, &cnt};
    got g;
    memset(&g, 0, sizeof g);
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = keep;
    o.on_diag = keep_diag;
    o.userdata = &g;
    o.allocator = &a;
    o.max_event_bytes = (size_t)1 << 20;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, f.file, f.len), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    CHECK_INT(g.n, refused ? 0 : 1);
    CHECK_INT(count_code(&g, HA_ERR_EVENT_TOO_LARGE, 0), refused);
    CHECK(cnt.peak < ((size_t)4 << 20));
    if (cnt.peak >= ((size_t)4 << 20))
        fprintf(stderr, "peak %zu bytes\n", cnt.peak);
    ha_reader_free(r);
    got_free(&g);
    free(f.file);
}

/* The CRC-32 tables against the polynomial, bit by bit. */
static void test_crc(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        CHECK_U64(hai_crc32_table[0][i], c);
        for (int t = 1; t < 8; t++) {
            c = (c >> 8) ^ hai_crc32_table[0][c & 0xff];
            CHECK_U64(hai_crc32_table[t][i], c);
        }
    }
    CHECK_U64(hai_crc32(0, "123456789", 9), 0xCBF43926u);
    CHECK_U64(hai_crc32(hai_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    test_crc();
    test_values();
    test_chunked_and_stopped();
    test_filter();
    test_damage();
    test_missing_after_stop();
    long_name_many_times("RenderingInfo", 0);
    long_name_many_times("EventData", 1);
    return check_done();
}
