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
    HASH_FIND(hh, c->seen, &probe.key, sizeof probe.key, x);
    return x;
}

static void seen_drop(ha_correlator *c, hai_seen *x)
{
    const ha_allocator *hai_hash_alloc = &c->alloc;
    int hai_hash_oom = 0;
    HASH_DEL(c->seen, x);
    (void)hai_hash_oom;
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

void hai_reorder_push(ha_correlator *c, const ha_record *r)
{
    const ha_allocator *hai_hash_alloc = &c->alloc;
    int hai_hash_oom = 0;
    const hai_istr *host = hai_correlator_host(c, r);
    if (!host)
        return;
    int keyed = (r->has & HAI_HAS_RECORD_ID) != 0;
    if (keyed && seen_find(c, host, r->record_id)) {
        c->counts[HA_CORR_DUPLICATES]++;
        return;
    }
    if (!c->released) {
        c->released = hai_calloc(&c->alloc, c->window, sizeof *c->released);
        if (!c->released) {
            c->oom = 1;
            return;
        }
    }
    void *heap = c->heap;
    ha_record *copy = NULL;
    hai_seen *x = NULL;
    if (hai_grow(&c->alloc, &heap, &c->heap_cap, c->nheap + 1, sizeof *c->heap) != 0 ||
        hai_record_copy(r, &c->alloc, &copy) != HA_OK ||
        (keyed && (x = hai_calloc(&c->alloc, 1, sizeof *x)) == NULL)) {
        c->heap = heap;
        ha_record_free(copy);
        c->oom = 1;
        return;
    }
    c->heap = heap;
    if (x) {
        x->key.host = hai_istr_ref((hai_istr *)host);
        x->key.record_id = r->record_id;
        HASH_ADD(hh, c->seen, key, sizeof x->key, x);
        if (hai_hash_oom) {
            hai_istr_unref(&c->strings, (hai_istr *)host);
            hai_free(&c->alloc, x);
            ha_record_free(copy);
            c->oom = 1;
            return;
        }
    }
    c->heap[c->nheap].rec = copy;
    c->heap[c->nheap].arrival = c->arrivals++;
    sift_up(c->heap, c->nheap++);
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
    const ha_allocator *hai_hash_alloc = &c->alloc;
    int hai_hash_oom = 0;
    HASH_ITER(hh, c->seen, x, tmp) {
        HASH_DEL(c->seen, x);
        hai_free(&c->alloc, x); /* the strings go with the interner */
    }
    (void)hai_hash_oom;
    hai_free(&c->alloc, c->released);
    c->released = NULL;
    c->nreleased = c->released_head = 0;
}
