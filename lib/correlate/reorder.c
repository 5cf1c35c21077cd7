/* The reorder window (reorder.h): a min-heap of held record copies and the
 * set of keys seen. Knows nothing of the correlator, which pushes records
 * and applies what it pops. */
#include "reorder.h"

#include <string.h>

static int before(const hai_held *a, const hai_held *b)
{
    if (a->rec->time != b->rec->time)
        return a->rec->time < b->rec->time;
    if (a->rec->record_id != b->rec->record_id)
        return a->rec->record_id < b->rec->record_id;
    return a->arrival < b->arrival;
}

static void sift_up(hai_held *h, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(&h[i], &h[parent]))
            break;
        hai_held t = h[i];
        h[i] = h[parent];
        h[parent] = t;
        i = parent;
    }
}

static void sift_down(hai_held *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && before(&h[l], &h[m]))
            m = l;
        if (r < n && before(&h[r], &h[m]))
            m = r;
        if (m == i)
            return;
        hai_held t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static hai_seen *seen_find(hai_window *w, hai_interner *in, const hai_istr *host, uint64_t record_id)
{
    hai_seen probe, *x;
    memset(&probe.key, 0, sizeof probe.key);
    probe.key.host = host;
    probe.key.record_id = record_id;
    HAI_HASH_FIND(&in->key, w->seen, &probe.key, sizeof probe.key, x);
    return x;
}

static void seen_drop(hai_window *w, hai_interner *in, hai_seen *x)
{
    HAI_HASH_DEL(in->alloc, w->seen, x);
    hai_istr_unref(in, (hai_istr *)x->key.host);
    hai_free(in->alloc, x);
}

/* `x` joins the ring of released keys; past `size` of them, the oldest
 * leaves the set. */
static void ring_add(hai_window *w, hai_interner *in, hai_seen *x)
{
    if (w->nreleased == w->size) {
        seen_drop(w, in, w->released[w->released_head]);
        w->released[w->released_head] = x;
        w->released_head = (w->released_head + 1) % w->size;
    } else {
        w->released[(w->released_head + w->nreleased++) % w->size] = x;
    }
}

static int ensure_ring(hai_window *w, const ha_allocator *a)
{
    if (!w->released && w->size) {
        w->released = hai_calloc(a, w->size, sizeof *w->released);
        if (!w->released)
            return HA_ERR_NOMEM;
    }
    return HA_OK;
}

static int add_key(hai_window *w, hai_interner *in, const hai_istr *host, uint64_t record_id, hai_seen **out)
{
    if (seen_find(w, in, host, record_id))
        return HA_ERR_SNAPSHOT;
    hai_seen *x = hai_calloc(in->alloc, 1, sizeof *x);
    if (!x)
        return HA_ERR_NOMEM;
    x->key.host = hai_istr_ref((hai_istr *)host);
    x->key.record_id = record_id;
    int failed;
    HAI_HASH_ADD(in->alloc, &in->key, w->seen, key, sizeof x->key, x, failed);
    if (failed) {
        hai_istr_unref(in, (hai_istr *)host);
        hai_free(in->alloc, x);
        return HA_ERR_NOMEM;
    }
    *out = x;
    return HA_OK;
}

int hai_window_hold(hai_window *w, hai_interner *in, ha_record *r, const hai_istr *host, uint64_t arrival)
{
    void *heap = w->heap;
    if (hai_grow(in->alloc, &heap, &w->heap_cap, w->nheap + 1, sizeof *w->heap) != 0)
        return HA_ERR_NOMEM;
    w->heap = heap;
    hai_seen *x = NULL;
    if (r->has & HAI_HAS_RECORD_ID) {
        if (!host)
            return HA_ERR_NOMEM;
        int rc = add_key(w, in, host, r->record_id, &x);
        if (rc)
            return rc;
    }
    w->heap[w->nheap].rec = r;
    w->heap[w->nheap].seen = x;
    w->heap[w->nheap].arrival = arrival;
    sift_up(w->heap, w->nheap++);
    return HA_OK;
}

int hai_window_remember(hai_window *w, hai_interner *in, const hai_istr *host, uint64_t record_id)
{
    if (!w->size)
        return HA_OK; /* no window here: nothing to remember */
    hai_seen *x;
    int rc = ensure_ring(w, in->alloc);
    if (rc == HA_OK)
        rc = add_key(w, in, host, record_id, &x);
    if (rc)
        return rc;
    ring_add(w, in, x); /* a smaller window keeps the newest */
    return HA_OK;
}

int hai_window_push(hai_window *w, hai_interner *in, const ha_record *r, const hai_istr *host)
{
    if ((r->has & HAI_HAS_RECORD_ID) && seen_find(w, in, host, r->record_id))
        return HAI_WINDOW_REPEAT;
    ha_record *copy;
    if (ensure_ring(w, in->alloc) != HA_OK || hai_record_copy(r, in->alloc, &copy) != HA_OK)
        return HA_ERR_NOMEM;
    if (hai_window_hold(w, in, copy, host, w->arrivals++) != HA_OK) {
        ha_record_free(copy);
        return HA_ERR_NOMEM;
    }
    return HA_OK;
}

int hai_window_pop(hai_window *w, int all, hai_held *out)
{
    if (w->nheap == 0 || (!all && w->nheap <= w->size))
        return 0;
    *out = w->heap[0];
    w->heap[0] = w->heap[--w->nheap];
    sift_down(w->heap, w->nheap, 0);
    return 1;
}

void hai_window_done(hai_window *w, hai_interner *in, hai_held *h)
{
    if (h->seen) {
        if (!w->size || !w->released) /* held in a snapshot, loaded without a window */
            seen_drop(w, in, h->seen);
        else
            ring_add(w, in, h->seen);
    }
    ha_record_free(h->rec);
    h->rec = NULL;
    h->seen = NULL;
}

void hai_window_free(hai_window *w, const ha_allocator *a)
{
    for (size_t i = 0; i < w->nheap; i++)
        ha_record_free(w->heap[i].rec);
    hai_free(a, w->heap);
    w->heap = NULL;
    w->nheap = w->heap_cap = 0;
    hai_seen *x, *tmp;
    HASH_ITER(hh, w->seen, x, tmp) {
        HAI_HASH_DEL(a, w->seen, x);
        hai_free(a, x); /* the strings go with the interner */
    }
    hai_free(a, w->released);
    w->released = NULL;
    w->nreleased = w->released_head = 0;
}
