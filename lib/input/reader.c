/* The reader: the ha_reader object, its options and counters, the stream's
 * format decided once from its first bytes (hai_evtx_sniff), and the bytes
 * of a stream that had to wait.
 *
 * Events that lie whole inside a caller's chunk are parsed in place. Bytes
 * that cannot be decided yet (an event cut by the chunk's end) wait in
 * `carry`; the next chunk is appended to it block by block only until what
 * was waiting is decided, then parsing returns to the caller's memory.
 * The XML source is xml_frame.c, xml_sanitize.c and xml_event.c; the .evtx
 * source is evtx_source.c; whole files are read by files.c and
 * parallel.c. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "evtx_stream.h"
#include "reader_internal.h"

#define CARRY_BLOCK 4096
#define MAX_EVENT_CAP ((size_t)1 << 29) /* x3 after repairs still fits an int */


/* The size of each version of the options: a caller built for an older
 * version has a shorter struct, never read or written past its end. */
static size_t reader_options_size(unsigned int version)
{
    return version >= 3   ? sizeof(ha_reader_options)
           : version == 2 ? offsetof(ha_reader_options, on_progress)
                          : offsetof(ha_reader_options, flags);
}

int ha_reader_options_init(ha_reader_options *opts, unsigned int version)
{
    if (!opts || version == 0 || version > HA_READER_OPTIONS_VERSION)
        return HA_ERR_INVALID;
    ha_reader_options init = HA_READER_OPTIONS_INIT;
    init.version = version;
    memcpy(opts, &init, reader_options_size(version));
    return HA_OK;
}

void hai_reader_drop_stream(ha_reader *r)
{
    r->base = r->counted = 0;
    r->line = 1;
    r->line_start = 0;
    r->mode = M_OUTSIDE;
    r->junk = 0;
    r->carry.len = 0;
    r->batch_after = 0;
    r->batch_backoff = BATCH_BACKOFF_MIN;
    r->batch_skip = r->batch_off = 0;
    r->drop_at = UINT64_MAX;
    r->format = FORMAT_UNKNOWN;
    r->nsniff = 0;
    hai_evtx_stream_reset(&r->evtx);
}

int ha_reader_new(const ha_reader_options *opts, ha_reader **out)
{
    ha_reader_options defaults = HA_READER_OPTIONS_INIT;
    if (!out)
        return HA_ERR_INVALID;
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version == 0 || opts->version > HA_READER_OPTIONS_VERSION)
        return HA_ERR_INVALID;
    ha_allocator a;
    hai_allocator_init(&a, opts->allocator);
    ha_reader *r = hai_calloc(&a, 1, sizeof *r);
    if (!r)
        return HA_ERR_NOMEM;
    r->alloc = a;
    r->on_record = opts->on_record;
    r->on_diag = opts->on_diag;
    r->userdata = opts->userdata;
    r->strict = opts->version >= 2 && (opts->flags & HA_READER_STRICT) != 0;
    r->on_progress = opts->version >= 3 ? opts->on_progress : NULL;
    r->max_event = opts->max_event_bytes ? opts->max_event_bytes : HA_DEFAULT_MAX_EVENT_BYTES;
    if (r->max_event > MAX_EVENT_CAP)
        r->max_event = MAX_EVENT_CAP;
    size_t max_field = opts->max_field_bytes ? opts->max_field_bytes : HA_DEFAULT_MAX_FIELD_BYTES;
    unsigned max_depth = opts->max_depth ? opts->max_depth : HA_DEFAULT_MAX_DEPTH;
    hai_builder_init(&r->b, &r->alloc, max_field, max_depth);
    r->evtx_index = -1;
    r->batching = 1;
    hai_evtx_stream_init(&r->evtx, &r->alloc);
    hai_reader_drop_stream(r);
    *out = r;
    return HA_OK;
}

void ha_reader_free(ha_reader *r)
{
    if (!r)
        return;
    hai_xml_parser_free(r);
    hai_builder_free(&r->b);
    hai_evtx_free(r->evtx.dec);
    hai_evtx_stream_free(&r->evtx);
    hai_buf_free(&r->carry, &r->alloc);
    hai_buf_free(&r->clean, &r->alloc);
    hai_free(&r->alloc, r->fixes);
    hai_free(&r->alloc, r->filter);
    ha_allocator a = r->alloc;
    hai_free(&a, r);
}

static int feed(ha_reader *r, const void *data, size_t len);

static int route(ha_reader *r, const void *data, size_t len);

int ha_reader_feed(ha_reader *r, const void *data, size_t len)
{
    if (!r || (!data && len) || r->busy)
        return HA_ERR_INVALID;
    r->busy = 1;
    int rc = route(r, data, len);
    r->busy = 0;
    if (rc == HA_ERR_NOMEM)
        hai_reader_stream_diag(r, rc, NULL);
    return rc;
}

/* Out of memory for bytes that had to wait: the event they began is lost.
 * Account for every byte not yet consumed, in `carry` and in p[0, len),
 * and skip to the next `<Event`, so that no state points at bytes that
 * were not kept. */
static int lose_pending(ha_reader *r, const char *p, size_t len)
{
    if (r->carry.len) {
        hai_reader_count_to(r, r->carry.data, r->base + r->carry.len);
        r->base += r->carry.len;
        r->carry.len = 0;
    }
    if (len) {
        hai_reader_count_to(r, p, r->base + len);
        r->base += len;
    }
    r->mode = M_DISCARD;
    r->stopped = 0;
    return HA_ERR_NOMEM;
}

static int feed(ha_reader *r, const void *data, size_t len)
{
    const char *p = data;
    int rc = 0;
    r->counters[HA_COUNT_BYTES] += len;
    if (r->stopped && r->carry.len > 0) { /* go on where a callback stopped */
        size_t used;
        rc = hai_xml_process(r, r->carry.data, r->carry.len, 0, &used);
        hai_buf_drop_front(&r->carry, used);
    }
    r->stopped = 0;
    while (!rc && r->carry.len > 0 && len > 0) {
        /* Append just enough to decide what waits in carry. */
        size_t old = r->carry.len;
        size_t blk = old > CARRY_BLOCK ? old : CARRY_BLOCK; /* doubling: linear copying */
        size_t cap = r->max_event + CARRY_BLOCK;            /* enough to see an event is too large */
        if (old + blk > cap)
            blk = old + CARRY_BLOCK > cap ? CARRY_BLOCK : cap - old;
        if (blk > len)
            blk = len;
        if (hai_buf_append(&r->carry, &r->alloc, p, blk) != 0)
            return lose_pending(r, p, len);
        p += blk;
        len -= blk;
        size_t used;
        rc = hai_xml_process(r, r->carry.data, r->carry.len, 0, &used);
        if (used >= old) {
            /* What waited is decided; the rest is still in the caller's chunk. */
            size_t back = r->carry.len - used;
            p -= back;
            len += back;
            r->carry.len = 0;
        } else {
            hai_buf_drop_front(&r->carry, used);
        }
        if (rc)
            break;
    }
    if (!rc && len > 0) {
        size_t used;
        rc = hai_xml_process(r, p, len, 0, &used);
        p += used;
        len -= used;
    }
    if (len > 0 && hai_buf_append(&r->carry, &r->alloc, p, len) != 0)
        return lose_pending(r, p, len);
    r->stopped = rc != 0;
    return rc;
}

static int decide(ha_reader *r);

int ha_reader_finish(ha_reader *r)
{
    if (!r || r->busy)
        return HA_ERR_INVALID;
    size_t used = 0;
    r->busy = 1;
    int rc = r->format == FORMAT_UNKNOWN ? decide(r) : 0;
    if (rc == 0 && r->format == FORMAT_EVTX) {
        rc = hai_evtx_source_finish(r);
        r->busy = 0;
        if (rc == HA_ERR_NOMEM)
            hai_reader_stream_diag(r, rc, NULL);
        if (rc == 0)
            hai_reader_drop_stream(r);
        return rc;
    }
    if (rc == HA_ERR_NOMEM) {
        r->busy = 0;
        hai_reader_stream_diag(r, rc, NULL);
        return rc;
    }
    rc = rc ? rc : hai_xml_process(r, r->carry.len ? r->carry.data : "", r->carry.len, 1, &used);
    r->busy = 0;
    if (rc == HA_ERR_NOMEM)
        hai_reader_stream_diag(r, rc, NULL);
    hai_buf_drop_front(&r->carry, used);
    r->stopped = 0;
    if (rc)
        return rc; /* stopped by a callback: finish again to go on */
    hai_reader_drop_stream(r);
    return HA_OK;
}

const ha_allocator *hai_reader_allocator(ha_reader *r) { return &r->alloc; }
static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

int ha_reader_set_event_filter(ha_reader *r, const uint32_t *ids, size_t count)
{
    if (!r || (count && !ids) || r->busy)
        return HA_ERR_INVALID;
    uint32_t *copy = NULL;
    if (count) {
        copy = hai_malloc(&r->alloc, count * sizeof *copy);
        if (!copy || count > SIZE_MAX / sizeof *copy) {
            hai_free(&r->alloc, copy);
            return HA_ERR_NOMEM;
        }
        memcpy(copy, ids, count * sizeof *copy);
        qsort(copy, count, sizeof *copy, by_value);
    }
    hai_free(&r->alloc, r->filter);
    r->filter = copy;
    r->nfilter = count;
    return HA_OK;
}

int hai_reader_worker_new(const ha_reader *m, ha_record_cb on_record, ha_diag_cb on_diag, void *userdata,
                          ha_reader **out)
{
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = userdata;
    o.max_event_bytes = m->max_event;
    o.max_field_bytes = m->b.rb.max_field;
    o.max_depth = m->b.rb.max_depth;
    o.allocator = &m->alloc;
    o.flags = m->strict ? HA_READER_STRICT : 0;
    int rc = ha_reader_new(&o, out);
    if (rc == HA_OK)
        (*out)->batching = m->batching;
    if (rc == HA_OK && m->filter && (rc = ha_reader_set_event_filter(*out, m->filter, m->nfilter)) != HA_OK) {
        ha_reader_free(*out);
        *out = NULL;
    }
    return rc;
}

void hai_reader_set_cut(ha_reader *w, int cut) { w->cut = cut; }

void hai_reader_set_batching(ha_reader *r, int on) { r->batching = on; }

uint64_t hai_reader_batched(const ha_reader *r) { return r->batched; }

int hai_reader_deliver_record(ha_reader *m, const ha_record *rec)
{
    m->counters[HA_COUNT_EVENTS]++;
    return m->on_record ? m->on_record(rec, m->userdata) : 0;
}

int hai_reader_deliver_diag(ha_reader *m, const ha_diag *d)
{
    m->diag = *d;
    if (d->message == d->text)
        m->diag.message = m->diag.text;
    m->have_diag = 1;
    m->counters[d->warning ? HA_COUNT_WARNINGS : HA_COUNT_ERRORS]++;
    return m->on_diag ? m->on_diag(&m->diag, m->userdata) : 0;
}

void hai_reader_add_counts(ha_reader *m, uint64_t bytes, uint64_t filtered)
{
    m->counters[HA_COUNT_BYTES] += bytes;
    m->counters[HA_COUNT_FILTERED] += filtered;
}

int hai_reader_busy(ha_reader *r, int busy)
{
    if (busy && r->busy)
        return 0;
    r->busy = busy;
    return 1;
}

int hai_reader_progress(ha_reader *r, uint64_t done, uint64_t total)
{
    return r->on_progress ? r->on_progress(done, total, r->userdata) : 0;
}

uint64_t ha_reader_count(const ha_reader *r, ha_reader_counter which)
{
    if (!r || (unsigned)which >= sizeof r->counters / sizeof r->counters[0])
        return 0;
    return r->counters[which];
}

const ha_diag *ha_reader_last_diag(const ha_reader *r)
{
    return r && r->have_diag ? &r->diag : NULL;
}


/* A stream's format, from its first 8 bytes: .evtx when at least 5 of them
 * are the file signature's (so that a damaged signature is still read as
 * one), XML otherwise. The bytes held so far go to that source. */
static int decide(ha_reader *r)
{
    r->format = hai_evtx_sniff(r->sniff, r->nsniff) ? FORMAT_EVTX : FORMAT_XML;
    size_t n = r->nsniff;
    r->nsniff = 0;
    if (n == 0)
        return 0;
    return r->format == FORMAT_EVTX ? hai_evtx_source_feed(r, r->sniff, n) : feed(r, r->sniff, n);
}

static int route(ha_reader *r, const void *data, size_t len)
{
    if (r->format == FORMAT_UNKNOWN) {
        if (r->nsniff == 0 && len >= 8) { /* the usual case: decided in place */
            memcpy(r->sniff, data, 8);
            r->format = hai_evtx_sniff(r->sniff, 8) ? FORMAT_EVTX : FORMAT_XML;
        } else {
            size_t take = 8 - r->nsniff < len ? 8 - r->nsniff : len;
            memcpy(r->sniff + r->nsniff, data, take);
            r->nsniff += take;
            data = (const char *)data + take;
            len -= take;
            if (r->nsniff < 8)
                return 0;
            int rc = decide(r);
            if (rc) { /* stopped: what is left waits for the next call */
                if (len == 0)
                    return rc;
                if (r->format == FORMAT_EVTX)
                    return hai_buf_append(&r->evtx.rest, &r->alloc, data, len) != 0 ? HA_ERR_NOMEM : rc;
                r->counters[HA_COUNT_BYTES] += len;
                return hai_buf_append(&r->carry, &r->alloc, data, len) != 0 ? lose_pending(r, data, len) : rc;
            }
        }
    }
    return r->format == FORMAT_EVTX ? hai_evtx_source_feed(r, data, len) : feed(r, data, len);
}
