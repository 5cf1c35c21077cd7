/* The reorder window: a plain container that knows nothing of the
 * correlator. Records are pushed (a copy is held) and come out in order of
 * (TimeCreated, EventRecordID, arrival) once more than `size` are held, so
 * that a record displaced by up to `size` positions comes out in its place.
 * (Computer, EventRecordID) keys held or among the last `size` released
 * make a set that refuses repeats. The hosts are interned strings of the
 * interner every call is given (its allocator and key serve the window's
 * own allocations and table); the window holds one reference to each host
 * it remembers. The struct may be moved by value (it points at nothing
 * outside itself). */
#ifndef HAI_REORDER_H
#define HAI_REORDER_H

#include "intern.h"
#include "record.h"

/* A (Computer, EventRecordID) the window has seen. */
typedef struct hai_seen {
    UT_hash_handle hh;
    struct {
        const hai_istr *host;
        uint64_t record_id;
    } key;
} hai_seen;

/* A record held back. */
typedef struct hai_held {
    ha_record *rec;  /* a copy, owned */
    hai_seen *seen;  /* its key in the set; NULL without an EventRecordID */
    uint64_t arrival;
} hai_held;

typedef struct hai_window {
    size_t size;    /* 0: no window */
    hai_held *heap; /* a binary min-heap by (time, record ID, arrival) */
    size_t nheap, heap_cap;
    uint64_t arrivals;
    hai_seen *seen;      /* keys held or among the last `size` released */
    hai_seen **released; /* ring of the released ones, oldest at released_head */
    size_t nreleased, released_head;
} hai_window;

/* What hai_window_push() says besides HA_OK and HA_ERR_NOMEM. */
#define HAI_WINDOW_REPEAT 1

/* Hold a copy of `r`, whose Computer is `host`: HA_OK; HAI_WINDOW_REPEAT
 * (nothing held) when its key is held or was among the last released;
 * HA_ERR_NOMEM. */
int hai_window_push(hai_window *w, hai_interner *in, const ha_record *r, const hai_istr *host);
/* Take out the earliest held record when more than `size` are held (`all`:
 * when any is): 1 and `*out`, else 0. Give `*out` to hai_window_done()
 * once it is applied. */
int hai_window_pop(hai_window *w, int all, hai_held *out);
/* A popped record is done: its key joins the released ones, the oldest of
 * those leaving the set, and the record is freed. */
void hai_window_done(hai_window *w, hai_interner *in, hai_held *h);
/* Free everything held and remembered (the hosts' references go with the
 * interner, which must be freed too). */
void hai_window_free(hai_window *w, const ha_allocator *a);

/* For snapshots: hold `r` (taking it over) as having arrived `arrival`-th,
 * and remember a released key. HA_OK, HA_ERR_NOMEM, or HA_ERR_SNAPSHOT for
 * a key already held or remembered. */
int hai_window_hold(hai_window *w, hai_interner *in, ha_record *r, const hai_istr *host, uint64_t arrival);
int hai_window_remember(hai_window *w, hai_interner *in, const hai_istr *host, uint64_t record_id);

#endif
