/* Correlator state snapshots, written to and read from the caller's
 * callbacks a small buffer at a time.
 *
 * Layout of format 3 (integers little-endian; "var" is an unsigned LEB128
 * number, 1 to 10 bytes):
 *   0   8  magic "HASTATE" and 0x1a
 *   8   4  format version (HAI_SNAP_VERSION)
 *   12  4  0
 *   16  P  payload
 *   16+P 8 P
 *   24+P 4 CRC-32 (IEEE) of every byte before it
 * The length and checksum come last so that the state is written as it is
 * walked, with nothing of it gathered in memory. The payload: the interned
 * strings (each once, with the interner's number for it, which grows in
 * the table's order; 0 means none), the counters, the processes (idle ones
 * first, oldest idle first), the sequences in activity order (oldest
 * first), each process's open list in its order, the duplicate aliases, and
 * the reorder window (held records, then the released keys it remembers,
 * oldest first). Processes and sequences are named by their keys, so that
 * saving writes nothing into the correlator.
 *
 * Formats 1 and 2 (still read) had a 24-byte header whose last 8 bytes were
 * P, fixed-width counts, and strings, processes and sequences named by
 * their position in the snapshot.
 *
 * Loading reads everything into a new correlator and swaps it in only when
 * all of it is consistent: a bad snapshot changes nothing. Memory grows
 * only with the bytes that do arrive (a count or length that lies costs
 * nothing), and every length is checked against what the library keeps. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "crc32.h"
#include "diag.h"
#include "os.h"

/* 2: each sequence's first and last event times (version 1 had its open
 * time alone; its snapshots still load, their unopened sequences without a
 * first time and all without a last one).
 * 3: written through callbacks: the length after the payload, strings
 * named by their interner number, processes and sequences by their keys,
 * counts and lengths as var. */
#define HAI_SNAP_VERSION 3u
#define HEAD 16
#define HEAD_OLD 24
#define CHUNK ((size_t)64 << 10)
#define MAX_TEXT ((uint64_t)UINT32_MAX - 1) /* the longest string the library keeps */
static const unsigned char magic[8] = {'H', 'A', 'S', 'T', 'A', 'T', 'E', 0x1a};

/* ---- writing ------------------------------------------------------------- */

typedef struct {
    ha_write_cb write;
    void *userdata;
    unsigned char *buf; /* CHUNK bytes */
    size_t len;
    uint32_t crc;   /* of every byte handed to `write` */
    uint64_t total; /* bytes put */
    int rc;         /* the first non-zero value `write` returned */
} sink;

static void flush_out(sink *o)
{
    if (o->len && !o->rc) {
        o->crc = hai_crc32(o->crc, o->buf, o->len);
        o->rc = o->write(o->buf, o->len, o->userdata);
    }
    o->len = 0;
}

static void put(sink *o, const void *p, size_t n)
{
    const unsigned char *s = p;
    o->total += n;
    while (n && !o->rc) {
        size_t k = CHUNK - o->len < n ? CHUNK - o->len : n;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
        if (o->len == CHUNK)
            flush_out(o);
    }
}

static void put_u8(sink *o, uint8_t v) { put(o, &v, 1); }

static void put_u32(sink *o, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(o, b, 4);
}

static void put_u64(sink *o, uint64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put(o, b, 8);
}

static void put_var(sink *o, uint64_t v)
{
    unsigned char b[10];
    int n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    put(o, b, (size_t)n);
}

static void put_ref(sink *o, const hai_istr *x) { put_var(o, x ? x->id : 0); }

static void put_bytes(sink *o, const char *s, size_t n)
{
    put_var(o, n);
    put(o, s, n);
}

static void write_process(sink *o, const hai_proc *p)
{
    put_ref(o, p->key.host);
    put_u64(o, p->key.pid);
    put_ref(o, p->image);
    put_ref(o, p->command_line);
    put_u64(o, (uint64_t)p->created);
    put_u64(o, p->parent_pid);
    put_u8(o, (uint8_t)p->known);
    put_u8(o, (uint8_t)p->idle);
}

static void write_sequence(sink *o, const ha_sequence *s)
{
    put_ref(o, s->key.host);
    put_u64(o, s->key.pid);
    put_u64(o, s->key.hid);
    put_u64(o, s->key.logon);
    for (size_t j = 0; j < HAI_SEQ_NSTRINGS; j++) /* seq_strings.def */
        put_ref(o, s->strs[j]);
    put_u64(o, (uint64_t)s->first_time);
    put_u64(o, (uint64_t)s->last_time);
    put_u64(o, s->accesses);
    put_u32(o, s->access_mask);
    put_u32(o, s->requested);
    put_u64(o, s->first_record);
    put_u64(o, s->last_record);
    put_u64(o, ha_sequence_source_process_id(s));
    put_u64(o, ha_sequence_source_handle_id(s));
    put_u8(o, s->flags);
}

static void write_held(sink *o, const hai_held *h)
{
    const ha_record *r = h->rec;
    put_u64(o, h->arrival);
    put_u32(o, r->event_id);
    put_u32(o, r->version);
    put_u32(o, r->has);
    put_u64(o, r->keywords);
    put_u64(o, (uint64_t)r->time);
    put_u64(o, r->record_id);
    const char *host = hai_rec_str(r, r->computer);
    put_u8(o, host != NULL);
    put_bytes(o, host ? host : "", host ? strlen(host) : 0);
    put_var(o, r->npairs);
    for (size_t j = 0; j < r->npairs; j++) {
        const char *name = r->text + r->pairs[j].name;
        put_bytes(o, name, strlen(name));
        put_bytes(o, r->text + r->pairs[j].value, r->pairs[j].value_len);
    }
}

/* The whole snapshot into `o`, walking the tables as they are. */
static void write_snapshot(const ha_correlator *c, sink *o)
{
    put(o, magic, 8);
    put_u32(o, HAI_SNAP_VERSION);
    put_u32(o, 0);
    uint64_t start = o->total;

    put_var(o, c->strings.count);
    for (const hai_istr *x = c->strings.table; x && !o->rc; x = x->hh.next) {
        put_var(o, x->id);
        put_bytes(o, x->s, x->len);
    }
    for (int i = 0; i < HAI_COUNTERS; i++)
        put_u64(o, c->counts[i]);
    for (int i = 0; i < HAI_END_COUNT; i++)
        put_u64(o, c->ended[i]);
    put_u64(o, c->window.arrivals);
    put_u64(o, c->ignored);

    put_var(o, HASH_COUNT(c->procs));
    HAI_LIST_FOR(l, &c->idle) {
        if (o->rc)
            break;
        write_process(o, HAI_PROC_OF_IDLE(l));
    }
    size_t lists = 0;
    for (const hai_proc *p = c->procs; p && !o->rc; p = p->hh.next) {
        if (!p->idle)
            write_process(o, p);
        lists += p->nopen != 0;
    }

    put_var(o, c->counts[HA_CORR_OPEN]);
    HAI_LIST_FOR(l, &c->lru) {
        if (o->rc)
            break;
        write_sequence(o, HAI_SEQ_OF_LRU(l));
    }
    put_var(o, lists);
    for (const hai_proc *p = c->procs; p && !o->rc; p = p->hh.next) {
        if (!p->nopen)
            continue;
        put_ref(o, p->key.host);
        put_u64(o, p->key.pid);
        put_var(o, p->nopen);
        HAI_LIST_FOR(l, &p->open) {
            const ha_sequence *s = HAI_SEQ_OF_PROC(l);
            put_u64(o, s->key.hid);
            put_u64(o, s->key.logon);
        }
    }

    put_var(o, HASH_COUNT(c->aliases));
    for (const hai_alias *a = c->aliases; a && !o->rc; a = a->hh.next) {
        put_ref(o, a->key.host);
        put_u64(o, a->key.pid);
        put_u64(o, a->key.hid);
        put_u64(o, a->seq->key.pid);
        put_u64(o, a->seq->key.hid);
        put_u64(o, a->seq->key.logon);
    }

    put_var(o, c->window.nheap);
    for (size_t i = 0; i < c->window.nheap && !o->rc; i++)
        write_held(o, &c->window.heap[i]);
    put_var(o, c->window.nreleased);
    for (size_t i = 0; i < c->window.nreleased && !o->rc; i++) {
        const hai_seen *x = c->window.released[(c->window.released_head + i) % c->window.size];
        put_ref(o, x->key.host);
        put_u64(o, x->key.record_id);
    }

    put_u64(o, o->total - start);
    flush_out(o);
    unsigned char crc[4] = {(unsigned char)o->crc, (unsigned char)(o->crc >> 8), (unsigned char)(o->crc >> 16),
                            (unsigned char)(o->crc >> 24)};
    if (!o->rc)
        o->rc = o->write(crc, 4, o->userdata);
    o->total += 4;
}

/* Save into `write`; `*total` (when not NULL) gets the snapshot's size
 * (what it would have been when the callback stopped it). */
static int save_stream(const ha_correlator *c, ha_write_cb write, void *userdata, uint64_t *total)
{
    if (!c || !write || c->busy)
        return HA_ERR_INVALID;
    sink o;
    memset(&o, 0, sizeof o);
    o.write = write;
    o.userdata = userdata;
    o.buf = hai_malloc(&c->alloc, CHUNK);
    if (!o.buf)
        return HA_ERR_NOMEM;
    write_snapshot(c, &o);
    hai_free(&c->alloc, o.buf);
    if (total)
        *total = o.total;
    return o.rc;
}

int ha_correlator_save_to(const ha_correlator *c, ha_write_cb write, void *userdata)
{
    return save_stream(c, write, userdata, NULL);
}

typedef struct {
    unsigned char *buf;
    size_t cap, len;
} membuf;

static int to_memory(const void *data, size_t len, void *userdata)
{
    membuf *m = userdata;
    if (m->len <= m->cap && len <= m->cap - m->len)
        memcpy(m->buf + m->len, data, len);
    m->len = len > SIZE_MAX - m->len ? SIZE_MAX : m->len + len; /* counted on when it no longer fits */
    return 0;
}

int ha_correlator_save_buffer(const ha_correlator *c, void *buf, size_t cap, size_t *len)
{
    if (len)
        *len = 0;
    if (!buf && cap)
        return HA_ERR_INVALID;
    membuf m = {buf, cap, 0};
    int rc = save_stream(c, to_memory, &m, NULL);
    if (len && rc == HA_OK)
        *len = m.len;
    return rc == HA_OK && m.len > cap ? HA_ERR_LIMIT : rc;
}

/* ---- reading ------------------------------------------------------------- */

typedef struct {
    ha_read_cb read;
    void *userdata;
    unsigned char *buf; /* CHUNK bytes: [p, e) not yet taken */
    size_t p, e;
    size_t crc_at;  /* bytes of buf before it are in crc */
    uint32_t crc;
    uint64_t base;  /* the stream's offset of buf[0] */
    int eof;
} src;

typedef struct {
    ha_correlator *t;
    src in;
    int rc;      /* the first failure */
    ha_diag *d;  /* what it was */
    uint32_t version;
    /* the strings by the number the snapshot gives them (their position in
     * formats 1 and 2): numbers grow, so a lookup is a binary search */
    uint64_t *ids;
    hai_istr **strs;
    size_t nstrs, strs_cap;
    hai_proc **procs; /* in the order written */
    uint8_t *idle;    /* their idle flags, until the lists are linked */
    size_t nprocs, procs_cap, idle_cap, nidle;
    ha_sequence **seqs; /* in the order written */
    size_t nseqs, seqs_cap;
    hai_buf z, z2; /* a string read whole (NUL-terminated), and a second one */
} loader;

static uint64_t where(const loader *l) { return l->in.base + l->in.p; }

HAI_PRINTF(3, 4)
static void fail(loader *l, int code, const char *fmt, ...);

static void fail(loader *l, int code, const char *fmt, ...)
{
    if (l->rc)
        return;
    l->rc = code;
    hai_diag_set(l->d, code, 0, NULL);
    if (fmt) {
        char what[160];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
        snprintf(l->d->text, sizeof l->d->text, "%s: %s", code == HA_ERR_LIMIT ? "snapshot refused" :
                 code == HA_ERR_SNAPSHOT_VERSION ? "snapshot too new" : "corrupt snapshot", what);
        l->d->message = l->d->text;
    }
    l->d->offset = l->d->event_offset = where(l);
}

static void nomem(loader *l) { fail(l, HA_ERR_NOMEM, NULL); }

/* Make `n` (at most CHUNK) bytes available at in.p. */
static int fill(loader *l, size_t n)
{
    src *in = &l->in;
    if (in->e - in->p >= n)
        return 1;
    if (l->rc)
        return 0;
    in->crc = hai_crc32(in->crc, in->buf + in->crc_at, in->p - in->crc_at);
    size_t keep = in->e - in->p;
    memmove(in->buf, in->buf + in->p, keep);
    in->base += in->p;
    in->p = in->crc_at = 0;
    in->e = keep;
    while (in->e < n && !in->eof) {
        size_t got = 0;
        int rc = in->read(in->buf + in->e, CHUNK - in->e, &got, in->userdata);
        if (rc) {
            l->in.p = l->in.e;
            if (!l->rc) {
                l->rc = rc;
                hai_diag_setf(l->d, rc, "the read callback returned %d", rc);
                l->d->offset = l->d->event_offset = in->base + in->e;
            }
            return 0;
        }
        if (got > CHUNK - in->e) {
            l->rc = HA_ERR_INVALID;
            hai_diag_setf(l->d, HA_ERR_INVALID, "the read callback gave %zu bytes for a buffer of %zu", got,
                          CHUNK - in->e);
            return 0;
        }
        in->eof = got == 0;
        in->e += got;
    }
    if (in->e - in->p < n) {
        in->p = in->e;
        fail(l, HA_ERR_SNAPSHOT, "it ends early (truncated)");
        return 0;
    }
    return 1;
}

static uint8_t get_u8(loader *l) { return fill(l, 1) ? l->in.buf[l->in.p++] : 0; }

static uint32_t get_u32(loader *l)
{
    if (!fill(l, 4))
        return 0;
    const unsigned char *b = l->in.buf + l->in.p;
    l->in.p += 4;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static uint64_t get_u64(loader *l)
{
    if (!fill(l, 8))
        return 0;
    const unsigned char *b = l->in.buf + l->in.p;
    l->in.p += 8;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | b[i];
    return v;
}

static uint64_t get_var(loader *l)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t b = get_u8(l);
        if (l->rc)
            return 0;
        if (shift == 63 && b > 1)
            break;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    fail(l, HA_ERR_SNAPSHOT, "a number runs past 64 bits");
    return 0;
}

/* A count or a length: var from format 3, 4 bytes before. */
static uint64_t get_n(loader *l) { return l->version >= 3 ? get_var(l) : get_u32(l); }

/* `n` bytes into `z` (NUL-terminated), growing it as they arrive. */
static const char *get_text(loader *l, hai_buf *z, uint64_t n, const char *what)
{
    if (n > MAX_TEXT) {
        fail(l, HA_ERR_SNAPSHOT, "%s of %llu bytes (the library keeps up to %llu)", what, (unsigned long long)n,
             (unsigned long long)MAX_TEXT);
        return NULL;
    }
    z->len = 0;
    while (z->len < n && !l->rc) {
        if (!fill(l, 1))
            return NULL;
        size_t k = l->in.e - l->in.p;
        if (k > n - z->len)
            k = (size_t)(n - z->len);
        if (hai_buf_append(z, &l->t->alloc, l->in.buf + l->in.p, k) != 0) {
            nomem(l);
            return NULL;
        }
        l->in.p += k;
    }
    if (l->rc || hai_buf_reserve(z, &l->t->alloc, 1) != 0) {
        if (!l->rc)
            nomem(l);
        return NULL;
    }
    z->data[z->len] = '\0';
    return z->data;
}

/* The string numbered `id`; NULL for 0 when `may_be_null`, else a failure. */
static hai_istr *str_at(loader *l, uint64_t id, int may_be_null)
{
    if (id == 0 && may_be_null)
        return NULL;
    size_t lo = 0, hi = l->nstrs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->nstrs && l->ids[lo] == id)
        return l->strs[lo];
    if (!l->rc)
        fail(l, HA_ERR_SNAPSHOT, "string %llu is not in it", (unsigned long long)id);
    return NULL;
}

static uint64_t get_ref_id(loader *l) { return l->version >= 3 ? get_var(l) : get_u32(l); }
static hai_istr *get_str(loader *l, int may_be_null) { return str_at(l, get_ref_id(l), may_be_null); }

static int grow(loader *l, void *arr, size_t *cap, size_t need, size_t size)
{
    if (hai_grow(&l->t->alloc, arr, cap, need, size) != 0) {
        nomem(l);
        return 0;
    }
    return 1;
}

static void load_strings(loader *l)
{
    uint64_t n = get_n(l), last = 0;
    for (uint64_t i = 1; i <= n && !l->rc; i++) {
        uint64_t id = l->version >= 3 ? get_var(l) : i;
        uint64_t len = get_n(l);
        const char *s = get_text(l, &l->z, len, "a string");
        if (!s)
            return;
        if (id <= last) {
            fail(l, HA_ERR_SNAPSHOT, "string number %llu out of order", (unsigned long long)id);
            return;
        }
        last = id;
        size_t cap = l->strs_cap;
        if (!grow(l, (void **)&l->ids, &cap, l->nstrs + 1, sizeof *l->ids) ||
            !grow(l, (void **)&l->strs, &l->strs_cap, l->nstrs + 1, sizeof *l->strs))
            return;
        hai_istr *x = hai_intern(&l->t->strings, s, (size_t)len);
        if (!x) {
            nomem(l);
            return;
        }
        if (x->refs > 1) { /* the same text twice */
            hai_istr_unref(&l->t->strings, x);
            fail(l, HA_ERR_SNAPSHOT, "string %llu repeats another", (unsigned long long)id);
            return;
        }
        x->id = id; /* kept: saved again, the snapshot is the same bytes */
        l->t->strings.last_id = id;
        l->ids[l->nstrs] = id;
        l->strs[l->nstrs++] = x;
    }
}

static void load_processes(loader *l)
{
    ha_correlator *t = l->t;
    uint64_t n = get_n(l);
    for (uint64_t i = 0; i < n && !l->rc; i++) {
        hai_istr *host = get_str(l, 0);
        uint64_t pid = get_u64(l);
        hai_istr *image = get_str(l, 1), *cmd = get_str(l, 1);
        int64_t created = (int64_t)get_u64(l);
        uint64_t parent = get_u64(l);
        uint8_t known = get_u8(l), idle = get_u8(l);
        if (l->rc)
            return;
        if (known > 1 || idle > 1 || hai_proc_find(t, host, pid)) {
            fail(l, HA_ERR_SNAPSHOT, "process %llu: %s", (unsigned long long)i,
                 known > 1 || idle > 1 ? "a flag out of range" : "its key repeats");
            return;
        }
        if (idle && ++l->nidle > t->max_processes) {
            fail(l, HA_ERR_LIMIT, "more idle processes than max_processes (%zu)", t->max_processes);
            return;
        }
        size_t cap = l->procs_cap;
        if (!grow(l, (void **)&l->idle, &cap, l->nprocs + 1, 1) ||
            !grow(l, (void **)&l->procs, &l->procs_cap, l->nprocs + 1, sizeof *l->procs))
            return;
        hai_proc *p = hai_proc_get(t, host, pid);
        if (!p) {
            nomem(l);
            return;
        }
        p->image = hai_istr_ref(image);
        p->command_line = hai_istr_ref(cmd);
        p->created = created;
        p->parent_pid = parent;
        p->known = known;
        l->idle[l->nprocs] = idle;
        l->procs[l->nprocs++] = p;
    }
}

static ha_sequence *find_seq(loader *l, const hai_istr *host, uint64_t pid, uint64_t hid, uint64_t logon)
{
    hai_key k;
    memset(&k, 0, sizeof k);
    k.host = host;
    k.pid = pid;
    k.hid = hid;
    k.logon = logon;
    ha_sequence *s;
    HAI_HASH_FIND(&l->t->key, l->t->seqs, &k, sizeof k, s);
    return s;
}

static void load_sequences(loader *l)
{
    ha_correlator *t = l->t;
    uint64_t n = get_n(l);
    if (!l->rc && n > t->max_open) {
        fail(l, HA_ERR_LIMIT, "%llu open sequences, more than max_open (%zu)", (unsigned long long)n, t->max_open);
        return;
    }
    for (uint64_t i = 0; i < n && !l->rc; i++) {
        hai_proc *p = NULL;
        hai_key k;
        memset(&k, 0, sizeof k);
        if (l->version >= 3) {
            const hai_istr *host = get_str(l, 0);
            uint64_t pid = get_u64(l);
            p = l->rc ? NULL : hai_proc_find(t, host, pid);
        } else {
            uint32_t pi = get_u32(l);
            p = pi < l->nprocs ? l->procs[pi] : NULL;
        }
        k.hid = get_u64(l);
        k.logon = get_u64(l);
        hai_istr *strs[HAI_SEQ_NSTRINGS] = {NULL};
        for (size_t j = 0; j < HAI_SEQ_NSTRINGS; j++)
            if (l->version >= hai_seq_string_since(j))
                strs[j] = get_str(l, 1);
        if (l->rc)
            return;
        if (!p) {
            fail(l, HA_ERR_SNAPSHOT, "sequence %llu: its process is not in it", (unsigned long long)i);
            return;
        }
        k.host = p->key.host;
        k.pid = p->key.pid;
        if (find_seq(l, k.host, k.pid, k.hid, k.logon)) {
            fail(l, HA_ERR_SNAPSHOT, "sequence %llu: its key repeats", (unsigned long long)i);
            return;
        }
        if (!grow(l, (void **)&l->seqs, &l->seqs_cap, l->nseqs + 1, sizeof *l->seqs))
            return;
        ha_sequence *s = hai_calloc(&t->alloc, 1, sizeof *s);
        if (!s) {
            nomem(l);
            return;
        }
        s->key = k;
        hai_istr_ref((hai_istr *)k.host);
        for (size_t j = 0; j < HAI_SEQ_NSTRINGS; j++)
            s->strs[j] = hai_istr_ref(strs[j]);
        /* version 1: the open time, HA_TIME_NONE for an unopened one */
        s->first_time = (int64_t)get_u64(l);
        s->last_time = l->version >= 2 ? (int64_t)get_u64(l) : HA_TIME_NONE;
        s->accesses = get_u64(l);
        s->access_mask = get_u32(l);
        s->requested = get_u32(l);
        s->first_record = get_u64(l);
        s->last_record = get_u64(l);
        uint64_t src_pid = get_u64(l), src_hid = get_u64(l);
        s->flags = get_u8(l);
        s->proc = p;
        if (s->flags & HAI_SEQ_DUPLICATE) {
            s->dup = hai_calloc(&t->alloc, 1, sizeof *s->dup);
            if (!s->dup) {
                hai_seq_release(t, s);
                nomem(l);
                return;
            }
            s->dup->src_pid = src_pid;
            s->dup->src_hid = src_hid;
        }
        int failed;
        HAI_HASH_ADD(&t->alloc, &t->key, t->seqs, key, sizeof s->key, s, failed);
        if (failed) {
            hai_seq_release(t, s);
            nomem(l);
            return;
        }
        l->seqs[l->nseqs++] = s;
        hai_list_append(&t->lru, &s->lru);
        if (s->flags & ~(HAI_SEQ_OPENED | HAI_SEQ_DELETED | HAI_SEQ_DUPLICATE))
            fail(l, HA_ERR_SNAPSHOT, "sequence %llu: unknown flags", (unsigned long long)i);
    }
}

static int linked(const ha_sequence *s) { return s->in_proc.prev || s->proc->open.head == &s->in_proc; }

static void link_seq(loader *l, hai_proc *p, ha_sequence *s, size_t *count)
{
    if (!s || s->proc != p || linked(s)) {
        fail(l, HA_ERR_SNAPSHOT, "an open list names a sequence %s",
             !s ? "not in it" : s->proc != p ? "of another process" : "twice");
        return;
    }
    hai_proc_append(p, s);
    ++*count;
}

static void load_lists(loader *l)
{
    size_t count = 0;
    if (l->version >= 3) {
        uint64_t lists = get_var(l);
        for (uint64_t i = 0; i < lists && !l->rc; i++) {
            const hai_istr *host = get_str(l, 0);
            uint64_t pid = get_u64(l), n = get_var(l);
            hai_proc *p = l->rc ? NULL : hai_proc_find(l->t, host, pid);
            if (!p && !l->rc)
                fail(l, HA_ERR_SNAPSHOT, "an open list's process is not in it");
            if (p && !hai_list_empty(&p->open))
                fail(l, HA_ERR_SNAPSHOT, "a process has two open lists");
            for (uint64_t j = 0; j < n && !l->rc; j++) {
                uint64_t hid = get_u64(l), logon = get_u64(l);
                if (!l->rc)
                    link_seq(l, p, find_seq(l, p->key.host, p->key.pid, hid, logon), &count);
            }
        }
    } else {
        for (size_t i = 0; i < l->nprocs && !l->rc; i++) {
            uint32_t n = get_u32(l);
            for (uint32_t j = 0; j < n && !l->rc; j++) {
                uint32_t si = get_u32(l);
                if (!l->rc)
                    link_seq(l, l->procs[i], si < l->nseqs ? l->seqs[si] : NULL, &count);
            }
        }
    }
    if (!l->rc && count != l->nseqs)
        fail(l, HA_ERR_SNAPSHOT, "%zu sequences in no open list", l->nseqs - count);
}

static void load_aliases(loader *l)
{
    ha_correlator *t = l->t;
    uint64_t n = get_n(l);
    for (uint64_t i = 0; i < n && !l->rc; i++) {
        hai_akey key;
        memset(&key, 0, sizeof key);
        key.host = get_str(l, 0);
        key.pid = get_u64(l);
        key.hid = get_u64(l);
        ha_sequence *s = NULL;
        if (l->version >= 3) {
            uint64_t pid = get_u64(l), hid = get_u64(l), logon = get_u64(l);
            s = l->rc ? NULL : find_seq(l, key.host, pid, hid, logon);
        } else {
            uint32_t si = get_u32(l);
            s = si < l->nseqs ? l->seqs[si] : NULL;
        }
        if (l->rc)
            return;
        hai_alias *dup;
        HAI_HASH_FIND(&t->key, t->aliases, &key, sizeof key, dup);
        /* a handle is duplicated within one computer: an alias on another
         * computer than its sequence (only a format-2 index can say that)
         * could not be saved again */
        if (dup || !s || !s->dup || s->dup->alias || s->key.host != key.host) {
            fail(l, HA_ERR_SNAPSHOT, "alias %llu: %s", (unsigned long long)i,
                 dup ? "its key repeats"
                     : s && s->key.host != key.host ? "its sequence is on another computer"
                                                     : "no duplicate of that key is waiting for it");
            return;
        }
        hai_alias *a = hai_calloc(&t->alloc, 1, sizeof *a);
        if (!a) {
            nomem(l);
            return;
        }
        a->key = key;
        a->seq = s;
        int failed;
        HAI_HASH_ADD(&t->alloc, &t->key, t->aliases, key, sizeof a->key, a, failed);
        if (failed) {
            hai_free(&t->alloc, a);
            nomem(l);
            return;
        }
        s->dup->alias = a;
    }
}

static void load_held(loader *l, uint64_t i)
{
    ha_correlator *t = l->t;
    uint64_t arrival = get_u64(l);
    uint32_t id = get_u32(l), version = get_u32(l), has = get_u32(l);
    uint64_t keywords = get_u64(l);
    int64_t time = (int64_t)get_u64(l);
    uint64_t rid = get_u64(l);
    uint8_t has_host = get_u8(l);
    const char *host = get_text(l, &l->z, get_n(l), "a held record's Computer");
    if (!host)
        return;
    if (has_host > 1 || strlen(host) != l->z.len) {
        fail(l, HA_ERR_SNAPSHOT, "held record %llu: a bad Computer", (unsigned long long)i);
        return;
    }
    ha_record *r;
    if (ha_record_new(&t->alloc, &r) != HA_OK) {
        nomem(l);
        return;
    }
    int rc = ha_record_set_system(r, id, version, keywords, time, rid, has_host ? host : NULL);
    uint64_t npairs = get_n(l);
    for (uint64_t j = 0; j < npairs && rc == HA_OK && !l->rc; j++) {
        const char *name = get_text(l, &l->z, get_n(l), "a held record's Data Name");
        size_t nn = l->z.len;
        const char *value = name ? get_text(l, &l->z2, get_n(l), "a held record's value") : NULL;
        if (!value)
            break;
        if (strlen(name) != nn || memchr(value, '\0', l->z2.len)) {
            fail(l, HA_ERR_SNAPSHOT, "held record %llu: a NUL in a name or value", (unsigned long long)i);
            break;
        }
        rc = ha_record_add_data(r, name, value, l->z2.len);
    }
    r->has = has;
    if (rc == HA_OK && !l->rc)
        rc = hai_window_hold(&t->window, &t->strings, r,
                             (r->has & HAI_HAS_RECORD_ID) ? hai_correlator_host(t, r) : NULL, arrival);
    if (rc != HA_OK || l->rc) {
        if (rc == HA_ERR_NOMEM)
            nomem(l);
        else if (rc != HA_OK)
            fail(l, HA_ERR_SNAPSHOT, "held record %llu: %s", (unsigned long long)i,
                 rc == HA_ERR_SNAPSHOT ? "its key repeats" : "refused");
        ha_record_free(r);
    }
}

static void load_window(loader *l)
{
    uint64_t n = get_n(l);
    for (uint64_t i = 0; i < n && !l->rc; i++)
        load_held(l, i);
    n = get_n(l);
    for (uint64_t i = 0; i < n && !l->rc; i++) {
        hai_istr *host = get_str(l, 0);
        uint64_t rid = get_u64(l);
        int rc = l->rc ? HA_OK : hai_window_remember(&l->t->window, &l->t->strings, host, rid);
        if (rc == HA_ERR_NOMEM)
            nomem(l);
        else if (rc)
            fail(l, HA_ERR_SNAPSHOT, "released key %llu repeats", (unsigned long long)i);
    }
}

/* The checksum field: every byte before it counted, then its 4 bytes. */
static uint32_t get_crc(loader *l, uint32_t *want)
{
    if (!fill(l, 4))
        return 0;
    src *in = &l->in;
    in->crc = hai_crc32(in->crc, in->buf + in->crc_at, in->p - in->crc_at);
    *want = in->crc;
    uint32_t v = get_u32(l);
    in->crc_at = in->p;
    return v;
}

/* Exchange everything but the options, callbacks and diagnostic. */
static void swap_state(ha_correlator *a, ha_correlator *b)
{
    ha_correlator t = *a;
#define SWAP(f)          \
    do {                 \
        t.f = a->f;      \
        a->f = b->f;     \
        b->f = t.f;      \
    } while (0)
    SWAP(key); /* the tables go with the key they were built with */
    SWAP(strings);
    SWAP(last_host);
    SWAP(seqs);
    SWAP(procs);
    SWAP(aliases);
    SWAP(lru);
    SWAP(idle);
    SWAP(nidle);
    SWAP(window); /* its size (an option) is the same in both: the loader is made with c's */
#undef SWAP
    memcpy(t.recent, a->recent, sizeof t.recent);
    memcpy(a->recent, b->recent, sizeof a->recent);
    memcpy(b->recent, t.recent, sizeof b->recent);
    memcpy(t.counts, a->counts, sizeof t.counts);
    memcpy(a->counts, b->counts, sizeof a->counts);
    memcpy(b->counts, t.counts, sizeof b->counts);
    memcpy(t.ended, a->ended, sizeof t.ended);
    memcpy(a->ended, b->ended, sizeof a->ended);
    memcpy(b->ended, t.ended, sizeof b->ended);
    a->strings.alloc = &a->alloc;
    b->strings.alloc = &b->alloc;
    for (hai_proc *p = a->procs; p; p = p->hh.next)
        p->owner = a;
    for (hai_proc *p = b->procs; p; p = p->hh.next)
        p->owner = b;
}

static void read_header(loader *l)
{
    int whole = fill(l, 12);
    if (l->rc && l->rc != HA_ERR_SNAPSHOT)
        return; /* the callback's failure */
    if (!whole || memcmp(l->in.buf + l->in.p, magic, 8) != 0) {
        l->rc = 0;
        fail(l, HA_ERR_SNAPSHOT, "not a snapshot (no HASTATE magic)");
        return;
    }
    l->in.p += 8;
    l->version = get_u32(l);
    if (l->version > HAI_SNAP_VERSION) {
        fail(l, HA_ERR_SNAPSHOT_VERSION, "format %u, this library reads up to %u", l->version, HAI_SNAP_VERSION);
        return;
    }
    if (l->version == 0 || get_u32(l) != 0)
        fail(l, HA_ERR_SNAPSHOT, "a bad header");
}

/* 1 when the stream has no byte left (a failure of the callback is kept). */
static int at_end(loader *l)
{
    src *in = &l->in;
    while (in->p == in->e && !in->eof && !l->rc) {
        in->base += in->p;
        in->p = in->e = in->crc_at = 0;
        size_t got = 0;
        int rc = in->read(in->buf, CHUNK, &got, in->userdata);
        if (rc) {
            l->rc = rc;
            hai_diag_setf(l->d, rc, "the read callback returned %d", rc);
            l->d->offset = l->d->event_offset = in->base;
            return 1;
        }
        in->eof = got == 0;
        in->e = got < CHUNK ? got : CHUNK;
    }
    return in->p == in->e;
}

/* After a bound refused the snapshot partway: is the rest of it intact
 * (its length and checksum right, read to the end without being parsed)?
 * Corruption is then told apart from a snapshot that is only too large. */
static int intact(loader *l, uint64_t header_payload)
{
    src *in = &l->in;
    while (!in->eof) {
        size_t avail = in->e - in->crc_at;
        if (avail > 12) { /* all but the last 12 bytes seen so far */
            in->crc = hai_crc32(in->crc, in->buf + in->crc_at, avail - 12);
            in->crc_at = in->e - 12;
        }
        memmove(in->buf, in->buf + in->crc_at, in->e - in->crc_at);
        in->base += in->crc_at;
        in->e -= in->crc_at;
        in->p = in->crc_at = 0;
        size_t got = 0;
        int rc = in->read(in->buf + in->e, CHUNK - in->e, &got, in->userdata);
        if (rc || got > CHUNK - in->e) {
            l->rc = rc ? rc : HA_ERR_INVALID;
            hai_diag_setf(l->d, l->rc, "the read callback %s", rc ? "failed" : "gave more bytes than asked");
            l->d->offset = l->d->event_offset = in->base + in->e;
            return 1; /* that failure is the one to report */
        }
        in->eof = got == 0;
        in->e += got;
    }
    size_t avail = in->e - in->crc_at;
    uint64_t total = in->base + in->e;
    if (avail < 12 || total < 28)
        return 0;
    uint32_t crc = hai_crc32(in->crc, in->buf + in->crc_at, avail - 4);
    const unsigned char *t = in->buf + in->e - 12;
    uint64_t length = 0;
    for (int i = 7; i >= 0; i--)
        length = length << 8 | t[i];
    uint32_t stored = (uint32_t)t[8] | (uint32_t)t[9] << 8 | (uint32_t)t[10] << 16 | (uint32_t)t[11] << 24;
    return stored == crc && (l->version >= 3 ? length : header_payload) == total - 28;
}

/* Everything after the header, then the checks of the end. */
static void read_body(loader *l, uint64_t *counts, uint64_t *ended, uint64_t *arrivals, uint64_t *ignored)
{
    uint64_t payload = l->version >= 3 ? 0 : get_u64(l), start = where(l);
    load_strings(l);
    for (int i = 0; i < HAI_COUNTERS; i++)
        counts[i] = get_u64(l);
    for (int i = 0; i < HAI_END_COUNT; i++)
        ended[i] = get_u64(l);
    *arrivals = get_u64(l);
    if (l->version >= 3)
        *ignored = get_u64(l);
    if (!l->rc)
        load_processes(l);
    if (!l->rc)
        load_sequences(l);
    if (!l->rc)
        load_lists(l);
    if (!l->rc)
        load_aliases(l);
    if (!l->rc)
        load_window(l);
    if (l->rc == HA_ERR_LIMIT && !intact(l, payload)) {
        l->rc = 0;
        fail(l, HA_ERR_SNAPSHOT, "the checksum does not match");
        l->d->offset = l->d->event_offset = l->in.base + l->in.e;
    }
    uint64_t length = where(l) - start;
    if (l->version >= 3)
        payload = get_u64(l);
    if (!l->rc && payload != length)
        fail(l, HA_ERR_SNAPSHOT, "its payload is %llu bytes, it says %llu", (unsigned long long)length,
             (unsigned long long)payload);
    uint32_t want = 0, crc = get_crc(l, &want);
    if (!l->rc && crc != want)
        fail(l, HA_ERR_SNAPSHOT, "the checksum does not match");
    if (!l->rc && !at_end(l))
        fail(l, HA_ERR_SNAPSHOT, "bytes after its end");
}

/* Load from `read`, the failure described in `*d`. */
static int load_stream(ha_correlator *c, ha_read_cb read, void *userdata, ha_diag *d)
{
    hai_diag_set(d, HA_OK, 0, NULL);
    if (!c || !read || c->busy) {
        hai_diag_set(d, HA_ERR_INVALID, 0,
                     c && c->busy ? "called from one of the correlator's own callbacks" : NULL);
        return HA_ERR_INVALID;
    }
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.max_open = c->max_open;
    o.max_processes = c->max_processes;
    o.allocator = &c->alloc;
    o.max_string_bytes = c->max_string_bytes;
    o.reorder_window = c->window.size;
    loader l;
    memset(&l, 0, sizeof l);
    l.d = d;
    int rc = ha_correlator_new(&o, &l.t);
    if (rc) {
        hai_diag_set(d, rc, 0, NULL);
        return rc;
    }
    l.in.read = read;
    l.in.userdata = userdata;
    l.in.buf = hai_malloc(&c->alloc, CHUNK);
    uint64_t counts[HAI_COUNTERS], ended[HAI_END_COUNT], arrivals = 0, ignored = c->ignored;
    if (!l.in.buf)
        nomem(&l);
    if (!l.rc)
        read_header(&l);
    if (!l.rc)
        read_body(&l, counts, ended, &arrivals, &ignored);
    if (!l.rc) {
        /* processes with nothing open: idle in the order written, or gone */
        for (size_t i = 0; i < l.nprocs && !l.rc; i++)
            if (l.idle[i] && (l.procs[i]->nopen || !l.procs[i]->known))
                fail(&l, HA_ERR_SNAPSHOT, "process %zu: idle with %s", i,
                     l.procs[i]->nopen ? "open sequences" : "nothing known of it");
        for (size_t i = 0; i < l.nprocs && !l.rc; i++)
            if (!l.procs[i]->nopen)
                hai_proc_settle(l.t, l.procs[i]);
    }
    if (!l.rc) {
        memcpy(l.t->counts, counts, sizeof counts);
        memcpy(l.t->ended, ended, sizeof ended);
        l.t->counts[HA_CORR_OPEN] = l.nseqs;
        l.t->counts[HA_CORR_PROCESSES] = HASH_COUNT(l.t->procs);
        l.t->window.arrivals = arrivals;
        l.t->ignored = ignored;
    }
    for (size_t i = 0; i < l.nstrs; i++)
        hai_istr_unref(&l.t->strings, l.strs[i]);
    hai_free(&c->alloc, l.ids);
    hai_free(&c->alloc, l.strs);
    hai_free(&c->alloc, l.procs);
    hai_free(&c->alloc, l.idle);
    hai_free(&c->alloc, l.seqs);
    hai_free(&c->alloc, l.in.buf);
    hai_buf_free(&l.z, &c->alloc);
    hai_buf_free(&l.z2, &c->alloc);
    if (!l.rc)
        swap_state(c, l.t);
    ha_correlator_free(l.t);
    return l.rc;
}

int ha_correlator_load_from(ha_correlator *c, ha_read_cb read, void *userdata)
{
    ha_diag d;
    int rc = load_stream(c, read, userdata, &d);
    return rc && c ? hai_correlator_fail(c, &d, NULL) : rc;
}

typedef struct {
    const unsigned char *p;
    size_t left;
} memsrc;

static int from_memory(void *buf, size_t cap, size_t *got, void *userdata)
{
    memsrc *m = userdata;
    size_t k = m->left < cap ? m->left : cap;
    memcpy(buf, m->p, k);
    m->p += k;
    m->left -= k;
    *got = k;
    return 0;
}

int ha_correlator_load(ha_correlator *c, const void *data, size_t len)
{
    if (!data && len) {
        ha_diag d;
        hai_diag_set(&d, HA_ERR_INVALID, 0, NULL);
        return c ? hai_correlator_fail(c, &d, NULL) : HA_ERR_INVALID;
    }
    memsrc m = {data ? data : (const void *)"", len};
    return ha_correlator_load_from(c, from_memory, &m);
}

/* ---- files ---------------------------------------------------------------- */

typedef struct {
    FILE *f;
    const char *path; /* for the message */
    ha_diag *d;
} file_io;

static int to_file(const void *data, size_t len, void *userdata)
{
    file_io *io = userdata;
    if (fwrite(data, 1, len, io->f) == len)
        return 0;
    hai_diag_setf(io->d, HA_ERR_IO, "cannot write %s: %s", io->path, hai_os_error());
    return HA_ERR_IO;
}

int ha_correlator_save_file(ha_correlator *c, const char *path)
{
    ha_diag d;
    if (!c || !path || c->busy) {
        hai_diag_set(&d, HA_ERR_INVALID, 0, c && c->busy ? "called from one of the correlator's own callbacks" : NULL);
        return c ? hai_correlator_fail(c, &d, path) : HA_ERR_INVALID;
    }
    char *tmp = hai_malloc(&c->alloc, strlen(path) + 8);
    if (!tmp) {
        hai_diag_set(&d, HA_ERR_NOMEM, 0, NULL);
        return hai_correlator_fail(c, &d, path);
    }
    FILE *f = hai_os_create_temp(path, tmp);
    if (!f) {
        hai_diag_setf(&d, HA_ERR_IO, "cannot create a temporary file beside %s: %s", path, hai_os_error());
        hai_free(&c->alloc, tmp);
        return hai_correlator_fail(c, &d, path);
    }
    file_io io = {f, tmp, &d};
    uint64_t total = 0;
    int rc = save_stream(c, to_file, &io, &total);
    if (rc == HA_ERR_NOMEM)
        hai_diag_set(&d, rc, 0, NULL);
    if (rc == HA_OK && (fflush(f) != 0 || hai_os_sync(f) != 0)) {
        hai_diag_setf(&d, HA_ERR_IO, "cannot write %s: %s", tmp, hai_os_error());
        rc = HA_ERR_IO;
    }
    if (fclose(f) != 0 && rc == HA_OK) {
        hai_diag_setf(&d, HA_ERR_IO, "cannot write %s: %s", tmp, hai_os_error());
        rc = HA_ERR_IO;
    }
    if (rc == HA_OK && hai_os_replace(tmp, path) != 0) {
        hai_diag_setf(&d, HA_ERR_IO, "cannot rename %s to %s: %s", tmp, path, hai_os_error());
        rc = HA_ERR_IO;
    }
    if (rc != HA_OK)
        hai_os_remove(tmp);
    hai_free(&c->alloc, tmp);
    return rc ? hai_correlator_fail(c, &d, path) : HA_OK;
}

static int from_file(void *buf, size_t cap, size_t *got, void *userdata)
{
    file_io *io = userdata;
    *got = fread(buf, 1, cap, io->f);
    if (*got < cap && ferror(io->f)) {
        hai_diag_setf(io->d, HA_ERR_IO, "cannot read %s: %s", io->path, hai_os_error());
        return HA_ERR_IO;
    }
    return 0;
}

int ha_correlator_load_file(ha_correlator *c, const char *path)
{
    ha_diag d;
    if (!c || !path) {
        hai_diag_set(&d, HA_ERR_INVALID, 0, NULL);
        return c ? hai_correlator_fail(c, &d, path) : HA_ERR_INVALID;
    }
    FILE *f = hai_os_fopen(path, "rb");
    if (!f) {
        hai_diag_setf(&d, HA_ERR_IO, "cannot open %s: %s", path, hai_os_error());
        return hai_correlator_fail(c, &d, path);
    }
    ha_diag io_d;
    hai_diag_set(&io_d, HA_OK, 0, NULL);
    file_io io = {f, path, &io_d};
    int rc = load_stream(c, from_file, &io, &d);
    fclose(f);
    if (rc == HA_ERR_IO && io_d.code == HA_ERR_IO) {
        uint64_t at = d.offset;
        hai_diag_copy(&d, &io_d);
        d.offset = d.event_offset = at;
    }
    return rc ? hai_correlator_fail(c, &d, path) : HA_OK;
}
