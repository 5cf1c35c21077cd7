/* Correlator state snapshots.
 *
 * Layout (integers little-endian):
 *   0   8  magic "HASTATE" and 0x1a
 *   8   4  format version (HAI_SNAP_VERSION)
 *   12  4  0
 *   16  8  payload length P
 *   24  P  payload
 *   24+P 4 CRC-32 (IEEE) of every byte before it
 * The payload: the interned strings (each written once; index 0 is "none"),
 * the counters, the processes (idle ones first, oldest idle first), the
 * sequences in activity order (oldest first), each process's open list in
 * its order, the duplicate aliases, and the reorder window (held records,
 * then the released keys it remembers, oldest first).
 *
 * Loading reads everything into a new correlator and swaps it in only when
 * all of it is consistent: a bad snapshot changes nothing. Every count is
 * checked against the bytes left before anything is allocated for it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "crc32.h"
#include "os.h"

/* 2: each sequence's first and last event times (version 1 had its open
 * time alone; its snapshots still load, their unopened sequences without a
 * first time and all without a last one) */
#define HAI_SNAP_VERSION 2u
#define HEADER 24
static const unsigned char magic[8] = {'H', 'A', 'S', 'T', 'A', 'T', 'E', 0x1a};

/* ---- writing ------------------------------------------------------------- */

typedef struct {
    unsigned char *buf; /* NULL: only count */
    size_t cap, len;
    uint32_t crc;
} sink;

static void put(sink *o, const void *p, size_t n)
{
    if (o->buf && o->len + n <= o->cap)
        memcpy(o->buf + o->len, p, n);
    if (o->buf)
        o->crc = hai_crc32(o->crc, p, n);
    o->len += n;
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

static void put_str_ref(sink *o, const hai_istr *x) { put_u32(o, x ? x->index : 0); }

static void put_bytes(sink *o, const char *s, size_t n)
{
    put_u32(o, (uint32_t)n);
    put(o, s, n);
}

/* Number the strings, processes and sequences in the order they are
 * written (the numbers live in scratch fields); processes go idle ones
 * first, oldest idle first, then the rest. Returns the processes in order,
 * or NULL when out of memory. */
static hai_proc **number(const ha_correlator *c, size_t *nprocs)
{
    uint32_t n = 0;
    for (hai_istr *x = c->strings.table; x; x = x->hh.next)
        x->index = ++n;
    size_t np = HASH_COUNT(c->procs), k = 0;
    hai_proc **procs = hai_calloc(&c->alloc, np ? np : 1, sizeof *procs);
    if (!procs)
        return NULL;
    HAI_LIST_FOR(l, &c->idle)
        procs[k++] = HAI_PROC_OF_IDLE(l);
    for (hai_proc *p = c->procs; p; p = p->hh.next)
        if (!p->idle)
            procs[k++] = p;
    for (size_t i = 0; i < np; i++)
        procs[i]->index = (uint32_t)i;
    uint32_t i = 0;
    HAI_LIST_FOR(l, &c->lru)
        HAI_SEQ_OF_LRU(l)->index = i++;
    *nprocs = np;
    return procs;
}

static void write_payload(const ha_correlator *c, sink *o, hai_proc **procs, size_t nprocs)
{
    put_u32(o, (uint32_t)c->strings.count);
    for (hai_istr *x = c->strings.table; x; x = x->hh.next)
        put_bytes(o, x->s, x->len);
    for (int i = 0; i < HAI_COUNTERS; i++)
        put_u64(o, c->counts[i]);
    for (int i = 0; i < HAI_END_COUNT; i++)
        put_u64(o, c->ended[i]);
    put_u64(o, c->window.arrivals);

    put_u32(o, (uint32_t)nprocs);
    for (size_t i = 0; i < nprocs; i++) {
        hai_proc *p = procs[i];
        put_str_ref(o, p->key.host);
        put_u64(o, p->key.pid);
        put_str_ref(o, p->image);
        put_str_ref(o, p->command_line);
        put_u64(o, (uint64_t)p->created);
        put_u64(o, p->parent_pid);
        put_u8(o, (uint8_t)p->known);
        put_u8(o, (uint8_t)p->idle);
    }

    put_u32(o, (uint32_t)c->counts[HA_CORR_OPEN]);
    HAI_LIST_FOR(l, &c->lru) {
        const ha_sequence *s = HAI_SEQ_OF_LRU(l);
        put_u32(o, s->proc->index);
        put_u64(o, s->key.hid);
        put_u64(o, s->key.logon);
        const hai_istr *strs[] = {s->object_type, s->object_name, s->process_name, s->command_line,
                                  s->sid,         s->user,        s->domain};
        for (int i = 0; i < 7; i++)
            put_str_ref(o, strs[i]);
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
    for (size_t i = 0; i < nprocs; i++) {
        put_u32(o, (uint32_t)procs[i]->nopen);
        HAI_LIST_FOR(l, &procs[i]->open)
            put_u32(o, HAI_SEQ_OF_PROC(l)->index);
    }

    put_u32(o, HASH_COUNT(c->aliases));
    for (hai_alias *a = c->aliases; a; a = a->hh.next) {
        put_str_ref(o, a->key.host);
        put_u64(o, a->key.pid);
        put_u64(o, a->key.hid);
        put_u32(o, a->seq->index);
    }

    put_u32(o, (uint32_t)c->window.nheap);
    for (size_t i = 0; i < c->window.nheap; i++) {
        const ha_record *r = c->window.heap[i].rec;
        put_u64(o, c->window.heap[i].arrival);
        put_u32(o, r->event_id);
        put_u32(o, r->version);
        put_u32(o, r->has);
        put_u64(o, r->keywords);
        put_u64(o, (uint64_t)r->time);
        put_u64(o, r->record_id);
        const char *host = hai_rec_str(r, r->computer);
        put_u8(o, host != NULL);
        put_bytes(o, host ? host : "", host ? strlen(host) : 0);
        put_u32(o, (uint32_t)r->npairs);
        for (size_t j = 0; j < r->npairs; j++) {
            const char *name = r->text + r->pairs[j].name;
            put_bytes(o, name, strlen(name));
            put_bytes(o, r->text + r->pairs[j].value, r->pairs[j].value_len);
        }
    }
    put_u32(o, (uint32_t)c->window.nreleased);
    for (size_t i = 0; i < c->window.nreleased; i++) {
        const hai_seen *x = c->window.released[(c->window.released_head + i) % c->window.size];
        put_str_ref(o, x->key.host);
        put_u64(o, x->key.record_id);
    }
}

size_t ha_correlator_save(const ha_correlator *c, void *buf, size_t cap)
{
    if (!c || c->busy)
        return 0;
    size_t nprocs;
    hai_proc **procs = number(c, &nprocs);
    if (!procs)
        return 0;
    sink count = {NULL, 0, 0, 0};
    write_payload(c, &count, procs, nprocs);
    size_t total = HEADER + count.len + 4;
    if (buf && cap >= total) {
        sink o = {buf, cap, 0, 0};
        put(&o, magic, 8);
        put_u32(&o, HAI_SNAP_VERSION);
        put_u32(&o, 0);
        put_u64(&o, count.len);
        write_payload(c, &o, procs, nprocs);
        put_u32(&o, o.crc);
    }
    hai_free(&c->alloc, procs);
    return total;
}

/* ---- reading ------------------------------------------------------------- */

typedef struct {
    const unsigned char *p, *e;
    int bad;
} src;

static int need(src *in, size_t n)
{
    if ((size_t)(in->e - in->p) < n) {
        in->bad = 1;
        return 0;
    }
    return 1;
}

static uint8_t get_u8(src *in) { return need(in, 1) ? *in->p++ : 0; }

static uint32_t get_u32(src *in)
{
    if (!need(in, 4))
        return 0;
    uint32_t v = (uint32_t)in->p[0] | (uint32_t)in->p[1] << 8 | (uint32_t)in->p[2] << 16 | (uint32_t)in->p[3] << 24;
    in->p += 4;
    return v;
}

static uint64_t get_u64(src *in)
{
    if (!need(in, 8))
        return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | in->p[i];
    in->p += 8;
    return v;
}

static const char *get_bytes(src *in, size_t *n)
{
    *n = get_u32(in);
    if (!need(in, *n))
        return NULL;
    const char *s = (const char *)in->p;
    in->p += *n;
    return s;
}

/* `count` items of at least `each` bytes fit in what is left. */
static int fits(src *in, uint64_t count, size_t each)
{
    if (count > (uint64_t)(in->e - in->p) / each) {
        in->bad = 1;
        return 0;
    }
    return 1;
}

typedef struct {
    ha_correlator *t;
    src in;
    hai_istr **strs; /* [0] is NULL */
    uint32_t nstrs;
    hai_proc **procs;
    uint32_t nprocs;
    ha_sequence **seqs;
    uint32_t nseqs;
    uint32_t version; /* the snapshot's format */
    hai_buf z; /* NUL-terminated copies of names (a held record's Computer, Data Names) */
} loader;

/* `n` bytes as a NUL-terminated string in the loader's scratch buffer (each
 * call overwrites the last); NULL when they hold a NUL or memory runs out. */
static const char *cstr(loader *l, const char *s, size_t n)
{
    if (memchr(s, '\0', n)) {
        l->in.bad = 1;
        return NULL;
    }
    l->z.len = 0;
    if (hai_buf_reserve(&l->z, &l->t->alloc, n + 1) != 0) {
        l->t->oom = 1;
        return NULL;
    }
    memcpy(l->z.data, s, n);
    l->z.data[n] = '\0';
    return l->z.data;
}

static hai_istr *str_at(loader *l, uint32_t i, int may_be_null)
{
    if (i > l->nstrs || (i == 0 && !may_be_null)) {
        l->in.bad = 1;
        return NULL;
    }
    return l->strs[i];
}

#define BAD(l) ((l)->in.bad || (l)->t->oom)

static void load_strings(loader *l)
{
    l->nstrs = get_u32(&l->in);
    if (!fits(&l->in, l->nstrs, 4))
        return;
    l->strs = hai_calloc(&l->t->alloc, (size_t)l->nstrs + 1, sizeof *l->strs);
    if (!l->strs) {
        l->t->oom = 1;
        return;
    }
    for (uint32_t i = 1; i <= l->nstrs && !BAD(l); i++) {
        size_t n;
        const char *s = get_bytes(&l->in, &n);
        if (s && !(l->strs[i] = hai_intern(&l->t->strings, s, n)))
            l->t->oom = 1;
    }
}

static void load_processes(loader *l)
{
    ha_correlator *t = l->t;
    l->nprocs = get_u32(&l->in);
    if (!fits(&l->in, l->nprocs, 38))
        return;
    l->procs = hai_calloc(&t->alloc, l->nprocs ? l->nprocs : 1, sizeof *l->procs);
    if (!l->procs) {
        t->oom = 1;
        return;
    }
    for (uint32_t i = 0; i < l->nprocs && !BAD(l); i++) {
        hai_istr *host = str_at(l, get_u32(&l->in), 0);
        uint64_t pid = get_u64(&l->in);
        hai_istr *image = str_at(l, get_u32(&l->in), 1), *cmd = str_at(l, get_u32(&l->in), 1);
        int64_t created = (int64_t)get_u64(&l->in);
        uint64_t parent = get_u64(&l->in);
        uint8_t known = get_u8(&l->in), idle = get_u8(&l->in);
        if (BAD(l) || known > 1 || idle > 1 || hai_proc_find(t, host, pid)) {
            l->in.bad = 1;
            return;
        }
        hai_proc *p = hai_proc_get(t, host, pid);
        if (!p)
            return;
        p->image = hai_istr_ref(image);
        p->command_line = hai_istr_ref(cmd);
        p->created = created;
        p->parent_pid = parent;
        p->known = known;
        p->index = idle; /* remembered until the lists are linked */
        l->procs[i] = p;
    }
}

static void load_sequences(loader *l)
{
    ha_correlator *t = l->t;
    l->nseqs = get_u32(&l->in);
    if (!fits(&l->in, l->nseqs, l->version >= 2 ? 117 : 109))
        return;
    l->seqs = hai_calloc(&t->alloc, l->nseqs ? l->nseqs : 1, sizeof *l->seqs);
    if (!l->seqs) {
        t->oom = 1;
        return;
    }
    for (uint32_t i = 0; i < l->nseqs && !BAD(l); i++) {
        uint32_t pi = get_u32(&l->in);
        hai_key k;
        memset(&k, 0, sizeof k);
        k.hid = get_u64(&l->in);
        k.logon = get_u64(&l->in);
        hai_istr *strs[7];
        for (int j = 0; j < 7; j++)
            strs[j] = str_at(l, get_u32(&l->in), 1);
        if (BAD(l) || pi >= l->nprocs) {
            l->in.bad = 1;
            return;
        }
        hai_proc *p = l->procs[pi];
        k.host = p->key.host;
        k.pid = p->key.pid;
        ha_sequence *s;
        HAI_HASH_FIND(&t->key, t->seqs, &k, sizeof k, s);
        if (s) {
            l->in.bad = 1;
            return;
        }
        s = hai_calloc(&t->alloc, 1, sizeof *s);
        if (!s) {
            t->oom = 1;
            return;
        }
        s->key = k;
        hai_istr_ref((hai_istr *)k.host);
        s->object_type = hai_istr_ref(strs[0]);
        s->object_name = hai_istr_ref(strs[1]);
        s->process_name = hai_istr_ref(strs[2]);
        s->command_line = hai_istr_ref(strs[3]);
        s->sid = hai_istr_ref(strs[4]);
        s->user = hai_istr_ref(strs[5]);
        s->domain = hai_istr_ref(strs[6]);
        /* version 1: the open time, HA_TIME_NONE for an unopened one */
        s->first_time = (int64_t)get_u64(&l->in);
        s->last_time = l->version >= 2 ? (int64_t)get_u64(&l->in) : HA_TIME_NONE;
        s->accesses = get_u64(&l->in);
        s->access_mask = get_u32(&l->in);
        s->requested = get_u32(&l->in);
        s->first_record = get_u64(&l->in);
        s->last_record = get_u64(&l->in);
        uint64_t src_pid = get_u64(&l->in), src_hid = get_u64(&l->in);
        s->flags = get_u8(&l->in);
        if (s->flags & HAI_SEQ_DUPLICATE) {
            s->dup = hai_calloc(&t->alloc, 1, sizeof *s->dup);
            if (!s->dup) {
                hai_seq_release(t, s);
                t->oom = 1;
                return;
            }
            s->dup->src_pid = src_pid;
            s->dup->src_hid = src_hid;
        }
        s->proc = p;
        s->index = UINT32_MAX; /* not in its process's list yet */
        l->seqs[i] = s;
        int failed;
        HAI_HASH_ADD(&t->alloc, &t->key, t->seqs, key, sizeof s->key, s, failed);
        if (failed) {
            l->seqs[i] = NULL;
            hai_seq_release(t, s);
            t->oom = 1;
            return;
        }
        hai_list_append(&t->lru, &s->lru);
        if (s->flags & ~(HAI_SEQ_OPENED | HAI_SEQ_DELETED | HAI_SEQ_DUPLICATE))
            l->in.bad = 1;
    }
}

static void load_lists(loader *l)
{
    uint32_t linked = 0;
    for (uint32_t i = 0; i < l->nprocs && !BAD(l); i++) {
        hai_proc *p = l->procs[i];
        uint32_t n = get_u32(&l->in);
        if (!fits(&l->in, n, 4))
            return;
        for (uint32_t j = 0; j < n; j++) {
            uint32_t si = get_u32(&l->in);
            if (si >= l->nseqs || l->seqs[si]->proc != p || l->seqs[si]->index != UINT32_MAX) {
                l->in.bad = 1;
                return;
            }
            l->seqs[si]->index = si;
            hai_proc_append(p, l->seqs[si]);
            linked++;
        }
    }
    if (linked != l->nseqs)
        l->in.bad = 1;
}

static void load_aliases(loader *l)
{
    ha_correlator *t = l->t;
    uint32_t n = get_u32(&l->in);
    if (!fits(&l->in, n, 24))
        return;
    for (uint32_t i = 0; i < n && !BAD(l); i++) {
        hai_alias *a = hai_calloc(&t->alloc, 1, sizeof *a);
        if (!a) {
            t->oom = 1;
            return;
        }
        a->key.host = str_at(l, get_u32(&l->in), 0);
        a->key.pid = get_u64(&l->in);
        a->key.hid = get_u64(&l->in);
        uint32_t si = get_u32(&l->in);
        hai_alias *dup;
        HAI_HASH_FIND(&t->key, t->aliases, &a->key, sizeof a->key, dup);
        if (BAD(l) || dup || si >= l->nseqs || !l->seqs[si]->dup || l->seqs[si]->dup->alias) {
            hai_free(&t->alloc, a);
            l->in.bad = 1;
            return;
        }
        a->seq = l->seqs[si];
        int failed;
        HAI_HASH_ADD(&t->alloc, &t->key, t->aliases, key, sizeof a->key, a, failed);
        if (failed) {
            hai_free(&t->alloc, a);
            t->oom = 1;
            return;
        }
        a->seq->dup->alias = a;
    }
}

static void load_window(loader *l)
{
    ha_correlator *t = l->t;
    uint32_t n = get_u32(&l->in);
    if (!fits(&l->in, n, 54))
        return;
    for (uint32_t i = 0; i < n && !BAD(l); i++) {
        uint64_t arrival = get_u64(&l->in);
        uint32_t id = get_u32(&l->in), version = get_u32(&l->in), has = get_u32(&l->in);
        uint64_t keywords = get_u64(&l->in);
        int64_t time = (int64_t)get_u64(&l->in);
        uint64_t rid = get_u64(&l->in);
        uint8_t has_host = get_u8(&l->in);
        size_t hn;
        const char *host = get_bytes(&l->in, &hn);
        uint32_t npairs = get_u32(&l->in);
        if (BAD(l) || has_host > 1 || !fits(&l->in, npairs, 8)) {
            l->in.bad = 1;
            return;
        }
        const char *hostz = cstr(l, host, hn);
        if (!hostz)
            return;
        ha_record *r;
        if (ha_record_new(&t->alloc, &r) != HA_OK) {
            t->oom = 1;
            return;
        }
        int rc = ha_record_set_system(r, id, version, keywords, time, rid, has_host ? hostz : NULL);
        for (uint32_t j = 0; j < npairs && rc == HA_OK && !BAD(l); j++) {
            size_t nn, vn;
            const char *name = get_bytes(&l->in, &nn), *value = get_bytes(&l->in, &vn);
            const char *namez = BAD(l) ? NULL : cstr(l, name, nn);
            if (!namez || memchr(value, '\0', vn)) {
                if (!t->oom)
                    l->in.bad = 1;
                break;
            }
            rc = ha_record_add_data(r, namez, value, vn);
        }
        r->has = has;
        if (rc != HA_OK || BAD(l) ||
            hai_window_hold(&t->window, &t->strings, r,
                            (r->has & HAI_HAS_RECORD_ID) ? hai_correlator_host(t, r) : NULL, arrival) != HA_OK) {
            if (rc == HA_ERR_NOMEM)
                t->oom = 1;
            else if (!t->oom)
                l->in.bad = 1;
            ha_record_free(r);
            return;
        }
    }
    n = get_u32(&l->in);
    if (!fits(&l->in, n, 12))
        return;
    for (uint32_t i = 0; i < n && !BAD(l); i++) {
        hai_istr *host = str_at(l, get_u32(&l->in), 0);
        uint64_t rid = get_u64(&l->in);
        if (!BAD(l) && hai_window_remember(&t->window, &t->strings, host, rid) != HA_OK)
            l->in.bad = 1;
    }
}

/* Exchange everything but the options and callbacks. */
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

int ha_correlator_load(ha_correlator *c, const void *data, size_t len)
{
    if (!c || (!data && len) || c->busy)
        return HA_ERR_INVALID;
    const unsigned char *d = data;
    if (len < HEADER + 4 || memcmp(d, magic, 8) != 0)
        return HA_ERR_SNAPSHOT;
    src head = {d + 8, d + HEADER, 0};
    uint32_t version = get_u32(&head);
    if (version > HAI_SNAP_VERSION)
        return HA_ERR_SNAPSHOT_VERSION;
    uint32_t reserved = get_u32(&head);
    uint64_t payload = get_u64(&head);
    if (version == 0 || reserved != 0 || payload != len - HEADER - 4)
        return HA_ERR_SNAPSHOT;
    src tail = {d + len - 4, d + len, 0};
    if (hai_crc32(0, d, len - 4) != get_u32(&tail))
        return HA_ERR_SNAPSHOT;

    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.max_open = c->max_open;
    o.max_processes = c->max_processes;
    o.allocator = &c->alloc;
    o.max_string_bytes = c->max_string_bytes;
    o.reorder_window = c->window.size;
    loader l;
    memset(&l, 0, sizeof l);
    int rc = ha_correlator_new(&o, &l.t);
    if (rc)
        return rc;
    l.version = version;
    l.in.p = d + HEADER;
    l.in.e = d + len - 4;
    load_strings(&l);
    uint64_t counts[HAI_COUNTERS], ended[HAI_END_COUNT];
    for (int i = 0; i < HAI_COUNTERS; i++)
        counts[i] = get_u64(&l.in);
    for (int i = 0; i < HAI_END_COUNT; i++)
        ended[i] = get_u64(&l.in);
    uint64_t arrivals = get_u64(&l.in);
    if (!BAD(&l))
        load_processes(&l);
    if (!BAD(&l))
        load_sequences(&l);
    if (!BAD(&l))
        load_lists(&l);
    if (!BAD(&l))
        load_aliases(&l);
    if (!BAD(&l))
        load_window(&l);
    if (l.in.p != l.in.e)
        l.in.bad = 1;
    rc = l.t->oom ? HA_ERR_NOMEM : l.in.bad ? HA_ERR_SNAPSHOT : HA_OK;
    if (rc == HA_OK) {
        /* processes with nothing open: idle in the order written, or gone */
        for (uint32_t i = 0; i < l.nprocs; i++) {
            hai_proc *p = l.procs[i];
            uint32_t idle = p->index;
            p->index = 0;
            if (idle && (p->nopen || !p->known))
                rc = HA_ERR_SNAPSHOT;
            if (!p->nopen && rc == HA_OK)
                hai_proc_settle(l.t, p);
        }
    }
    if (rc == HA_OK) {
        memcpy(l.t->counts, counts, sizeof counts);
        memcpy(l.t->ended, ended, sizeof ended);
        l.t->counts[HA_CORR_OPEN] = l.nseqs;
        l.t->counts[HA_CORR_PROCESSES] = HASH_COUNT(l.t->procs);
        l.t->window.arrivals = arrivals;
    }
    for (uint32_t i = 1; l.strs && i <= l.nstrs; i++)
        hai_istr_unref(&l.t->strings, l.strs[i]);
    hai_free(&l.t->alloc, l.strs);
    hai_free(&l.t->alloc, l.procs);
    hai_free(&l.t->alloc, l.seqs);
    hai_buf_free(&l.z, &l.t->alloc);
    if (rc == HA_OK)
        swap_state(c, l.t);
    ha_correlator_free(l.t);
    return rc;
}

/* ---- files ---------------------------------------------------------------- */

int ha_correlator_save_file(const ha_correlator *c, const char *path)
{
    if (!c || !path || c->busy)
        return HA_ERR_INVALID;
    size_t n = ha_correlator_save(c, NULL, 0);
    if (n == 0)
        return HA_ERR_NOMEM;
    unsigned char *buf = hai_malloc(&c->alloc, n);
    if (!buf)
        return HA_ERR_NOMEM;
    char *tmp = hai_malloc(&c->alloc, strlen(path) + 8);
    if (!tmp || ha_correlator_save(c, buf, n) != n) {
        hai_free(&c->alloc, tmp);
        hai_free(&c->alloc, buf);
        return HA_ERR_NOMEM;
    }
    int rc = HA_ERR_IO;
    FILE *f = hai_os_create_temp(path, tmp);
    if (f) {
        int ok = fwrite(buf, 1, n, f) == n && fflush(f) == 0 && hai_os_sync(f) == 0;
        if (fclose(f) == 0 && ok && hai_os_replace(tmp, path) == 0)
            rc = HA_OK;
        else
            hai_os_remove(tmp);
    }
    hai_free(&c->alloc, tmp);
    hai_free(&c->alloc, buf);
    return rc;
}

/* Read up to `n` bytes; how many were read (fewer at the end of the file),
 * or -1 on an error. */
static long long read_up_to(FILE *f, unsigned char *p, size_t n)
{
    size_t k = fread(p, 1, n, f);
    return k < n && ferror(f) ? -1 : (long long)k;
}

int ha_correlator_load_file(ha_correlator *c, const char *path)
{
    if (!c || !path || c->busy)
        return HA_ERR_INVALID;
    FILE *f = hai_os_fopen(path, "rb");
    if (!f)
        return HA_ERR_IO;
    /* The header first: a file that is not a snapshot, or says it holds
     * more or less than it does, is refused before its body is read. */
    unsigned char head[HEADER];
    long long k = read_up_to(f, head, HEADER);
    int rc = k < 0 ? HA_ERR_IO : HA_OK;
    size_t total = 0;
    int sized = 0;
    if (rc == HA_OK && (k < HEADER || memcmp(head, magic, 8) != 0))
        rc = HA_ERR_SNAPSHOT;
    if (rc == HA_OK) {
        src h = {head + 8, head + HEADER, 0};
        uint32_t version = get_u32(&h), reserved = get_u32(&h);
        uint64_t payload = get_u64(&h);
        long long size = hai_os_regular_size(fileno(f));
        if (version > HAI_SNAP_VERSION)
            rc = HA_ERR_SNAPSHOT_VERSION;
        else if (version == 0 || reserved != 0 || payload > SIZE_MAX - HEADER - 4)
            rc = HA_ERR_SNAPSHOT;
        else if ((total = HEADER + (size_t)payload + 4), size >= 0)
            rc = (uint64_t)size == total ? HA_OK : HA_ERR_SNAPSHOT, sized = 1;
    }
    /* Then the body: at once when the file's size matched, else in steps,
     * so that a header that lies about a stream costs no more than the
     * bytes that do come. */
    hai_buf b = {NULL, 0, 0};
    if (rc == HA_OK && sized && (b.data = hai_malloc(&c->alloc, total)) != NULL)
        b.cap = total; /* exactly */
    if (rc == HA_OK && hai_buf_append(&b, &c->alloc, head, HEADER) != 0)
        rc = HA_ERR_NOMEM;
    while (rc == HA_OK && b.len < total) {
        size_t want = total - b.len < ((size_t)1 << 20) ? total - b.len : (size_t)1 << 20;
        if (hai_buf_reserve(&b, &c->alloc, want) != 0) {
            rc = HA_ERR_NOMEM;
            break;
        }
        k = read_up_to(f, (unsigned char *)b.data + b.len, want);
        if (k < 0)
            rc = HA_ERR_IO;
        else if (k == 0)
            rc = HA_ERR_SNAPSHOT; /* truncated */
        else
            b.len += (size_t)k;
    }
    if (rc == HA_OK && fgetc(f) != EOF)
        rc = HA_ERR_SNAPSHOT; /* longer than it says */
    fclose(f);
    if (rc == HA_OK)
        rc = ha_correlator_load(c, b.data, b.len);
    hai_buf_free(&b, &c->alloc);
    return rc;
}
