/* .evtx bytes from any source, gathered into the file header and chunks. */
#include "evtx_stream.h"

#include "evtx_format.h"

void hai_evtx_stream_init(hai_evtx_stream *st, const ha_allocator *a)
{
    memset(st, 0, sizeof *st);
    st->alloc = a;
    st->in_header = 1;
}

void hai_evtx_stream_reset(hai_evtx_stream *st)
{
    st->have = 0;
    st->in_header = 1;
    st->off = st->index = 0;
    st->next = 0;
    st->pending = 0;
    st->rest.len = 0;
}

void hai_evtx_stream_free(hai_evtx_stream *st)
{
    hai_free(st->alloc, st->buf);
    hai_buf_free(&st->rest, st->alloc);
    st->buf = NULL;
}

static size_t unit_size(const hai_evtx_stream *st) { return st->in_header ? HAI_EVTX_FILE_HEADER : HAI_EVTX_CHUNK; }

/* Decode the unit p[0, n). When it is not done (a stop), st->pending is
 * set: the caller makes sure buf holds it. */
static int decode(hai_evtx_stream *st, const uint8_t *p, size_t n, const hai_evtx_sink *s)
{
    int rc;
    if (st->in_header) {
        rc = hai_evtx_file_header(st->dec, p, n, s);
        st->in_header = 0;
        st->off += HAI_EVTX_FILE_HEADER;
        st->have = 0;
        st->pending = 0;
        return rc;
    }
    rc = hai_evtx_chunk(st->dec, p, n, st->off, st->index, &st->next, s);
    if (st->next == HAI_EVTX_CHUNK_DONE) {
        st->next = 0;
        st->off += n;
        st->index++;
        st->have = 0;
        st->pending = 0;
    } else {
        st->pending = 1;
        st->have = n;
    }
    return rc;
}

static int ensure_buf(hai_evtx_stream *st)
{
    if (!st->buf)
        st->buf = hai_malloc(st->alloc, HAI_EVTX_CHUNK);
    return st->buf ? 0 : HA_ERR_NOMEM;
}

/* Feed p[0, n); *used says how much was taken when a callback stopped. */
static int feed_bytes(hai_evtx_stream *st, const uint8_t *p, size_t n, const hai_evtx_sink *s, size_t *used)
{
    size_t i = 0;
    int rc = 0;
    while (i < n && !rc) {
        size_t need = unit_size(st);
        if (st->have == 0 && n - i >= need) { /* whole in the caller's memory: decoded in place */
            rc = decode(st, p + i, need, s);
            if (st->pending) {
                if (ensure_buf(st) != 0) {
                    st->pending = 0;
                    st->have = 0;
                    *used = n;
                    return HA_ERR_NOMEM;
                }
                memcpy(st->buf, p + i, need);
            }
            i += need;
            continue;
        }
        if (ensure_buf(st) != 0) {
            *used = n;
            return HA_ERR_NOMEM;
        }
        size_t take = need - st->have < n - i ? need - st->have : n - i;
        memcpy(st->buf + st->have, p + i, take);
        st->have += take;
        i += take;
        if (st->have == need)
            rc = decode(st, st->buf, need, s);
    }
    *used = i;
    return rc;
}

/* Go on with a stopped unit, then with the bytes a stopped call left. */
static int resume(hai_evtx_stream *st, const hai_evtx_sink *s)
{
    if (st->pending) {
        int rc = decode(st, st->buf, st->have, s);
        if (rc)
            return rc;
    }
    while (st->rest.len) {
        hai_buf rest = st->rest;
        st->rest = (hai_buf){NULL, 0, 0};
        size_t used;
        int rc = feed_bytes(st, (const uint8_t *)rest.data, rest.len, s, &used);
        if (rc) {
            hai_buf_drop_front(&rest, used);
            if (st->rest.len == 0) {
                hai_buf_free(&st->rest, st->alloc);
                st->rest = rest;
            } else { /* cannot happen: feed_bytes does not add to rest */
                hai_buf_free(&rest, st->alloc);
            }
            return rc;
        }
        hai_buf_free(&rest, st->alloc);
    }
    return 0;
}

static int keep_rest(hai_evtx_stream *st, const uint8_t *p, size_t n, int rc)
{
    if (n && hai_buf_append(&st->rest, st->alloc, p, n) != 0)
        return HA_ERR_NOMEM;
    return rc;
}

int hai_evtx_stream_feed(hai_evtx_stream *st, const uint8_t *p, size_t n, const hai_evtx_sink *s)
{
    int rc = resume(st, s);
    if (rc)
        return keep_rest(st, p, n, rc);
    size_t used;
    rc = feed_bytes(st, p, n, s, &used);
    if (rc && rc != HA_ERR_NOMEM)
        return keep_rest(st, p + used, n - used, rc);
    return rc;
}

int hai_evtx_stream_finish(hai_evtx_stream *st, const hai_evtx_sink *s)
{
    int rc = resume(st, s);
    if (rc)
        return rc;
    if (st->have) { /* the stream ends inside the header or a chunk */
        rc = decode(st, st->buf, st->have, s);
        if (rc)
            return rc;
    }
    hai_evtx_stream_reset(st);
    return 0;
}
