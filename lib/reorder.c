/* The reorder window: handle-family records are held back in a min-heap by
 * (TimeCreated, EventRecordID, arrival) and applied once more than
 * `window` are held, so that a record displaced by up to `window`
 * positions is applied in its place. (Computer, EventRecordID) keys held
 * or among the last `window` released make a set that drops repeats. */
#include <string.h>

#include "correlate.h"

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

static hai_seen *seen_find(ha_correlator *c, const hai_istr *host, uint64_t record_id)
{
    hai_seen probe, *x;
    memset(&probe.key, 0, sizeof probe.key);
    probe.key.host = host;
    probe.key.record_id = record_id;
    HAI_HASH_FIND(&c->key, c->seen, &probe.key, sizeof probe.key, x);
    return x;
}

static void seen_drop(ha_correlator *c, hai_seen *x)
{
    HAI_HASH_DEL(&c->alloc, c->seen, x);
    hai_istr_unref(&c->strings, (hai_istr *)x->key.host);
    hai_free(&c->alloc, x);
}

/* A released record's key joins the ring; the oldest leaves the set. */
static void remember_released(ha_correlator *c, const ha_record *r)
{
    if (!(r->has & HAI_HAS_RECORD_ID))
        return;
    hai_seen *x = seen_find(c, hai_correlator_host(c, r), r->record_id);
    if (!x)
        return;
    if (!c->window || !c->released) { /* held in a snapshot, loaded without a window */
        seen_drop(c, x);
        return;
    }
    if (c->nreleased == c->window) {
        seen_drop(c, c->released[c->released_head]);
        c->released[c->released_head] = x;
        c->released_head = (c->released_head + 1) % c->window;
    } else {
        c->released[(c->released_head + c->nreleased++) % c->window] = x;
    }
}

static void release_top(ha_correlator *c)
{
    hai_held top = c->heap[0];
    c->heap[0] = c->heap[--c->nheap];
    sift_down(c->heap, c->nheap, 0);
    hai_correlator_apply(c, top.rec);
    remember_released(c, top.rec);
    ha_record_free(top.rec);
}

static int ensure_ring(ha_correlator *c)
{
    if (!c->released && c->window) {
        c->released = hai_calloc(&c->alloc, c->window, sizeof *c->released);
        if (!c->released)
            return HA_ERR_NOMEM;
    }
    return HA_OK;
}

static int add_key(ha_correlator *c, const hai_istr *host, uint64_t record_id, hai_seen **out)
{
    if (seen_find(c, host, record_id))
        return HA_ERR_SNAPSHOT;
    hai_seen *x = hai_calloc(&c->alloc, 1, sizeof *x);
    if (!x)
        return HA_ERR_NOMEM;
    x->key.host = hai_istr_ref((hai_istr *)host);
    x->key.record_id = record_id;
    int failed;
    HAI_HASH_ADD(&c->alloc, &c->key, c->seen, key, sizeof x->key, x, failed);
    if (failed) {
        hai_istr_unref(&c->strings, (hai_istr *)host);
        hai_free(&c->alloc, x);
        return HA_ERR_NOMEM;
    }
    *out = x;
    return HA_OK;
}

int hai_reorder_hold(ha_correlator *c, ha_record *r, uint64_t arrival)
{
    void *heap = c->heap;
    if (hai_grow(&c->alloc, &heap, &c->heap_cap, c->nheap + 1, sizeof *c->heap) != 0)
        return HA_ERR_NOMEM;
    c->heap = heap;
    if (r->has & HAI_HAS_RECORD_ID) {
        const hai_istr *host = hai_correlator_host(c, r);
        hai_seen *x;
        if (!host)
            return HA_ERR_NOMEM;
        int rc = add_key(c, host, r->record_id, &x);
        if (rc)
            return rc;
    }
    c->heap[c->nheap].rec = r;
    c->heap[c->nheap].arrival = arrival;
    sift_up(c->heap, c->nheap++);
    return HA_OK;
}

int hai_reorder_remember(ha_correlator *c, const hai_istr *host, uint64_t record_id)
{
    if (!c->window)
        return HA_OK; /* no window here: nothing to remember */
    hai_seen *x;
    int rc = ensure_ring(c);
    if (rc == HA_OK)
        rc = add_key(c, host, record_id, &x);
    if (rc)
        return rc;
    if (c->nreleased == c->window) { /* a smaller window keeps the newest */
        seen_drop(c, c->released[c->released_head]);
        c->released[c->released_head] = x;
        c->released_head = (c->released_head + 1) % c->window;
    } else {
        c->released[(c->released_head + c->nreleased++) % c->window] = x;
    }
    return HA_OK;
}

void hai_reorder_push(ha_correlator *c, const ha_record *r)
{
    const hai_istr *host = hai_correlator_host(c, r);
    if (!host)
        return;
    if ((r->has & HAI_HAS_RECORD_ID) && seen_find(c, host, r->record_id)) {
        c->counts[HA_CORR_DUPLICATES]++;
        return;
    }
    ha_record *copy;
    if (ensure_ring(c) != HA_OK || hai_record_copy(r, &c->alloc, &copy) != HA_OK) {
        c->oom = 1;
        return;
    }
    if (hai_reorder_hold(c, copy, c->arrivals++) != HA_OK) {
        ha_record_free(copy);
        c->oom = 1;
        return;
    }
    while (c->nheap > c->window)
        release_top(c);
}

void hai_reorder_drain(ha_correlator *c)
{
    while (c->nheap && !c->cb_rc)
        release_top(c);
}

void hai_reorder_free(ha_correlator *c)
{
    for (size_t i = 0; i < c->nheap; i++)
        ha_record_free(c->heap[i].rec);
    hai_free(&c->alloc, c->heap);
    c->heap = NULL;
    c->nheap = c->heap_cap = 0;
    hai_seen *x, *tmp;
    HASH_ITER(hh, c->seen, x, tmp) {
        HAI_HASH_DEL(&c->alloc, c->seen, x);
        hai_free(&c->alloc, x); /* the strings go with the interner */
    }
    hai_free(&c->alloc, c->released);
    c->released = NULL;
    c->nreleased = c->released_head = 0;
}
