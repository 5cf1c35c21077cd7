/* The XML source's parsing: one long-lived expat parser under a synthetic
 * root, fed one framed event at a time (dispatch) or, without an EventID
 * filter, a run of clean events in one call (batch), with the same
 * results. The record builder's expat handlers are in parse.c. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <expat.h>

#include "reader_internal.h"
#include "scan.h"

/* A batch (many events in one expat call) spans at most this much: expat
 * copies it into its own buffer. 32 KB ran as fast as 256 KB. */
#define BATCH_MAX ((size_t)32 << 10)
/* After a batch that stopped with fewer than BATCH_USEFUL events, events go
 * one at a time for a while: 64 KB, doubled each time up to 4 MB, and back
 * to 64 KB after a batch that did not stop. A stream the batch path cannot
 * take (evtx_dump's `Record N` lines, comments between events, Event
 * Viewer's `- ` prefixes) thus costs next to nothing more than before. */
#define BATCH_USEFUL 4
#define BATCH_BACKOFF_MAX ((uint64_t)4 << 20)

/* expat's allocator. XML_Memory_Handling_Suite's functions take no context
 * pointer, so a caller's allocator reaches them in two ways:
 *
 * - every block carries a header naming the allocator that made it, so
 *   realloc and free find it from the pointer alone, whenever and on
 *   whatever thread expat calls them;
 * - malloc has no pointer to look at: the allocator of the reader whose
 *   expat call is running is in `xm_current`, set by xm_enter() around each
 *   call that can allocate and restored by xm_leave() to what it was (a
 *   record callback that runs inside expat and uses another reader leaves
 *   it as it found it). Outside those calls it is NULL, and an expat malloc
 *   then fails rather than use a stale allocator.
 *
 * This is the only thread-local (or global) state of the library; no
 * design without one exists while expat's hooks have no context (see
 * docs/threading-and-memory.md). With the default allocator expat is given
 * no hooks at all. */
typedef union xm_head {
    const ha_allocator *a;
    max_align_t align; /* the block after the header stays aligned */
} xm_head;

static _Thread_local const ha_allocator *xm_current;

static const ha_allocator *xm_enter(ha_reader *r)
{
    const ha_allocator *prev = xm_current;
    xm_current = &r->alloc;
    return prev;
}

static void xm_leave(const ha_allocator *prev) { xm_current = prev; }

static void *xm_malloc(size_t n)
{
    const ha_allocator *a = xm_current;
    if (!a || n > SIZE_MAX - sizeof(xm_head))
        return NULL;
    xm_head *h = a->malloc_fn(sizeof *h + n, a->ctx);
    if (!h)
        return NULL;
    h->a = a;
    return h + 1;
}

static void *xm_realloc(void *p, size_t n)
{
    if (!p)
        return xm_malloc(n);
    xm_head *h = (xm_head *)p - 1;
    const ha_allocator *a = h->a;
    if (n > SIZE_MAX - sizeof *h)
        return NULL;
    xm_head *moved = a->realloc_fn(h, sizeof *h + n, a->ctx); /* the header moves with it */
    return moved ? moved + 1 : NULL;
}

static void xm_free(void *p)
{
    if (p) {
        xm_head *h = (xm_head *)p - 1;
        h->a->free_fn(h, h->a->ctx);
    }
}

/* ---- expat ------------------------------------------------------------- */

/* A fresh parser under the synthetic root. */
static int new_parser(ha_reader *r)
{
    if (!r->xp) {
        static const XML_Memory_Handling_Suite suite = {xm_malloc, xm_realloc, xm_free};
        r->xp = XML_ParserCreate_MM("UTF-8", hai_allocator_is_default(&r->alloc) ? NULL : &suite, NULL);
        if (!r->xp)
            return HA_ERR_NOMEM;
    } else if (!XML_ParserReset(r->xp, NULL) || XML_SetEncoding(r->xp, "UTF-8") != XML_STATUS_OK) {
        return HA_ERR_NOMEM; /* (reset with an encoding ignores a failed copy of it) */
    }
#ifdef HAVE_XML_SETREPARSEDEFERRALENABLED
    XML_SetReparseDeferralEnabled(r->xp, XML_FALSE); /* each event must end when its bytes do */
#endif
    hai_builder_attach(&r->b, r->xp);
    r->xp_dirty = 1;
    if (XML_Parse(r->xp, "<r>", 3, XML_FALSE) != XML_STATUS_OK)
        return HA_ERR_NOMEM;
    r->xp_fed = 3;
    r->xp_dirty = 0;
    return HA_OK;
}

static int prepare_parser(ha_reader *r)
{
    if (r->xp && !r->xp_dirty)
        return HA_OK;
    const ha_allocator *prev = xm_enter(r);
    int rc = new_parser(r);
    xm_leave(prev);
    return rc;
}

/* ---- one event ---------------------------------------------------------- */

static int is_retryable(enum XML_Error e)
{
    return e == XML_ERROR_INVALID_TOKEN || e == XML_ERROR_BAD_CHAR_REF || e == XML_ERROR_PARTIAL_CHAR;
}

/* The EventID of the event at ev[0, n), read without parsing: the digits
 * after the first `<EventID` tag's `>`. -1 when it cannot be seen so. */
static int64_t peek_event_id(const char *ev, size_t n)
{
    size_t lim = n < 2048 ? n : 2048; /* it comes early, in System */
    const char *t = hai_find(ev, lim, "<EventID", 8);
    if (!t)
        return -1;
    const char *e = ev + lim, *p = memchr(t + 8, '>', (size_t)(e - (t + 8)));
    if (!p || p[-1] == '/')
        return -1;
    int64_t v = 0;
    const char *d = ++p;
    while (p < e && *p >= '0' && *p <= '9' && v < UINT32_MAX)
        v = v * 10 + (*p++ - '0');
    if (p == d || p >= e || *p != '<' || v > UINT32_MAX)
        return -1;
    return v;
}

/* Parse the event at win[s, s + n) and deliver it. Returns HA_OK, a fatal
 * status, or a callback's stop value. `*resume` gets where framing goes on:
 * after the event, or at an `<Event` inside it that shows it was cut short
 * (the framer looks for those only when expat rejects an event). */
int hai_xml_dispatch(ha_reader *r, const char *win, size_t s, size_t n, size_t *resume)
{
    const size_t n0 = n; /* n becomes the repaired copy's length */
    int deliver = 1;
    *resume = s + n;
    if (r->ev_off >= r->drop_at) { /* a batch ran out of memory in this event */
        int drop = r->ev_off == r->drop_at;
        r->drop_at = UINT64_MAX;
        if (drop)
            return HA_ERR_NOMEM;
    }
    if (r->filter) {
        int64_t id = peek_event_id(win + s, n);
        if (id >= 0 && !hai_reader_wanted(r, id)) {
            r->counters[HA_COUNT_FILTERED]++;
            if (!r->strict)
                return HA_OK;
            deliver = 0; /* parsed only to report it if malformed */
        }
    }
    const char *ev = win + s;
    int cleaned = 0;
    hai_builder *b = &r->b;
    for (;;) {
        int rc = prepare_parser(r);
        if (rc)
            return rc;
        XML_Index idx0 = r->xp_fed;
        b->rb.complete = 0; /* not the last event's: this one may never open (`<Event a='/>`) */
        const ha_allocator *prev = xm_enter(r);
        enum XML_Status st = XML_Parse(r->xp, ev, (int)n, XML_FALSE);
        xm_leave(prev);
        r->xp_fed += (XML_Index)n;
        if (st == XML_STATUS_OK && b->rb.complete) {
            for (unsigned k = 0; k < b->nwarnings; k++) {
                size_t at = (size_t)(b->warnings[k].index - idx0);
                if (cleaned)
                    at = hai_xml_unclean(r, at);
                rc = hai_reader_report(r, win, b->warnings[k].code, 1, b->warnings[k].message, r->ev_off + at, r->ev_off);
                if (rc)
                    break;
            }
            b->nwarnings = 0;
            if (rc)
                return rc;
            if (!(b->rb.rec.has & HAI_HAS_EVENT_ID))
                return hai_reader_report(r, win, HA_ERR_NOT_EVENT, 0, "the event has no valid System/EventID", r->ev_off,
                              r->ev_off);
            if (!deliver)
                return HA_OK;
            hai_builder_finish(b);
            b->rb.rec.offset = r->ev_off;
            hai_reader_locate(r, win, r->ev_off, &b->rb.rec.line, &(uint64_t){0});
            r->counters[HA_COUNT_EVENTS]++;
            return r->on_record ? r->on_record(&b->rb.rec, r->userdata) : 0;
        }
        /* Failed: find out why and where, then start the parser afresh. */
        int code;
        const char *msg;
        XML_Index at;
        enum XML_Error xe = XML_GetErrorCode(r->xp);
        if (b->error) {
            code = b->error;
            msg = b->error_message;
            at = b->error_index;
        } else if (st == XML_STATUS_OK) {
            code = HA_ERR_XML;
            msg = "the event's end was not reached";
            at = r->xp_fed;
        } else {
            code = xe == XML_ERROR_NO_MEMORY ? HA_ERR_NOMEM : HA_ERR_XML;
            msg = XML_ErrorString(xe);
            at = XML_GetCurrentByteIndex(r->xp);
        }
        int own = b->error != 0;
        r->xp_dirty = 1;
        hai_builder_abandon(b);
        if (code == HA_ERR_NOMEM)
            return HA_ERR_NOMEM;
        size_t k = hai_xml_nested_start(win, s + n0, s + 1, s + n0);
        if (k != SIZE_MAX) {
            *resume = k;
            return hai_xml_report_truncated(r, win, k);
        }
        if (!cleaned && st != XML_STATUS_OK && !own && is_retryable(xe) && hai_xml_needs_clean(ev, n)) {
            rc = hai_xml_clean_event(r, win, s, n);
            if (rc)
                return rc;
            ev = r->clean.data;
            n = r->clean.len;
            cleaned = 1;
            continue;
        }
        size_t rel = at >= idx0 ? (size_t)(at - idx0) : 0;
        if (cleaned)
            rel = hai_xml_unclean(r, rel);
        if (msg == NULL)
            msg = ha_strerror(code);
        return hai_reader_report(r, win, code, 0, msg, r->ev_off + rel, r->ev_off);
    }
}

/* ---- many events at once ------------------------------------------------ */

/* Most streams are runs of well-formed events with white space between
 * them. Such a run is handed to expat in one call, without the framer's
 * scan for each `</Event>`: each event is delivered as it ends, from inside
 * expat. Anything the one-event path would see differently stops the batch
 * (the builder's batch mode says what), as does any event that would give a
 * diagnostic; framing then resumes after the last event delivered, and that
 * event is parsed again on its own. A batch therefore delivers exactly what
 * the one-event path would, and reports nothing itself. */
struct batch {
    ha_reader *r;
    const char *win;
    size_t start;   /* window offset of the batch's first byte */
    XML_Index idx0; /* expat's byte index of that byte */
    size_t done;    /* window offset after the last event delivered */
    size_t delivered;
    int rc; /* a record callback's stop value */
};

static void batch_event(hai_builder *b, void *ctx)
{
    struct batch *bt = ctx;
    ha_reader *r = bt->r;
    const char *win = bt->win;
    size_t from = bt->start + (size_t)(b->ev_start - bt->idx0);
    size_t to = bt->start + (size_t)(XML_GetCurrentByteIndex(r->xp) - bt->idx0) +
                (size_t)XML_GetCurrentByteCount(r->xp);
    int clean = !b->nwarnings && (b->rb.rec.has & HAI_HAS_EVENT_ID) && to - from <= r->max_event;
    /* The framer reports any byte between events but white space (expat
     * would have passed `&#32;` as a space), and takes the first `/>` after
     * `<Event` for the end of an empty event (`<Event a='/>'>`). */
    for (size_t k = bt->done; clean && k < from; k++)
        clean = hai_is_ws(win[k]);
    const char *gt = memchr(win + from, '>', to - from);
    if (!clean || gt[-1] == '/') {
        hai_builder_batch_stop(b);
        return;
    }
    hai_builder_finish(b);
    hai_reader_count_to(r, win, r->base + from);
    b->rb.rec.offset = r->base + from;
    b->rb.rec.line = r->line;
    r->counters[HA_COUNT_EVENTS]++;
    r->batched++;
    bt->done = to;
    bt->delivered++;
    int rc = r->on_record ? r->on_record(&b->rb.rec, r->userdata) : 0; /* (may use other readers: see xm_enter) */
    if (rc) {
        bt->rc = rc;
        hai_builder_batch_stop(b);
    }
}

/* Window offset just past the last `</Event>` in win[from, lim), or 0. */
static size_t last_event_end(const char *win, size_t from, size_t lim)
{
    for (size_t k = lim; k >= from + 8; k--)
        if (win[k - 1] == '>' && memcmp(win + k - 8, "</Event>", 8) == 0)
            return k;
    return 0;
}

/* Parse the events from the `<Event` at win[*ip] to the last one that ends
 * within BATCH_MAX bytes. *ip moves past the last event delivered (it stays
 * put when none was). S_STOP when a record callback stopped the call. When
 * memory runs out, the event in progress is dropped with HA_ERR_NOMEM, as
 * the one-event path drops it: the framer frames it, and hai_xml_dispatch() drops
 * it. */
enum step hai_xml_batch(ha_reader *r, const char *win, size_t len, size_t *ip)
{
    size_t s = *ip, lim = len - s > BATCH_MAX ? s + BATCH_MAX : len;
    size_t e = last_event_end(win, s + 7, lim);
    if (!e) {
        r->batch_skip = 1; /* not again for this event */
        return S_CONTINUE;
    }
    if (prepare_parser(r) != HA_OK) { /* as the one-event path would, drop this event */
        r->drop_at = r->base + s;
        r->batch_skip = 1;
        return S_CONTINUE;
    }
    struct batch bt = {r, win, s, r->xp_fed, s, 0, 0};
    hai_builder *b = &r->b;
    b->batch = 1;
    b->batch_stopped = 0;
    b->on_event = batch_event;
    b->event_ctx = &bt;
    b->ev_start = -1;
    const ha_allocator *prev = xm_enter(r);
    enum XML_Status st = XML_Parse(r->xp, win + s, (int)(e - s), XML_FALSE);
    xm_leave(prev);
    b->batch = 0;
    r->xp_fed += (XML_Index)(e - s);
    if (st != XML_STATUS_OK || b->batch_stopped || b->error || b->rb.depth != 0 || bt.done != e) {
        if (b->error == HA_ERR_NOMEM || (st != XML_STATUS_OK && XML_GetErrorCode(r->xp) == XML_ERROR_NO_MEMORY)) {
            size_t from = b->ev_start < 0 ? s : s + (size_t)(b->ev_start - bt.idx0);
            if (b->ev_start >= 0 && from >= bt.done) {
                r->drop_at = r->base + from; /* as the one-event path would, drop the event in progress */
            } else { /* no event in progress: expat's buffer for the run */
                r->batch_off = 1;
                int rc = hai_reader_report(r, win, HA_ERR_NOMEM, 1, "out of memory for a run of events: reading them one at a time",
                                r->base + bt.done, r->base + bt.done);
                if (rc && !bt.rc)
                    bt.rc = rc;
            }
        }
        r->xp_dirty = 1;
        hai_builder_abandon(b);
        r->batch_skip = 1; /* the event that stopped the batch goes on its own */
        if (bt.delivered < BATCH_USEFUL && !bt.rc) {
            r->batch_after = r->base + s + r->batch_backoff;
            if (r->batch_backoff < BATCH_BACKOFF_MAX)
                r->batch_backoff *= 2;
        }
    } else {
        r->batch_backoff = BATCH_BACKOFF_MIN;
    }
    *ip = bt.done;
    if (bt.rc) {
        r->stop_rc = bt.rc;
        return S_STOP;
    }
    return S_CONTINUE;
}

void hai_xml_parser_free(ha_reader *r)
{
    if (r->xp) {
        XML_ParserFree(r->xp); /* frees only: each block names its allocator */
        r->xp = NULL;
    }
}
