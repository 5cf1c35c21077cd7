/* The streaming reader.
 *
 * A framer finds each `<Event ...>...</Event>` in the byte stream without
 * parsing it, so that whatever surrounds the events (an XML declaration of
 * any version, an `<Events>` root, evtxexport's banner, Event Viewer's `- `
 * prefixes) never reaches expat, and so that a malformed event costs only
 * itself: the next `<Event` starts afresh. Each framed event goes to one
 * long-lived expat parser under a synthetic root; a parse error resets it.
 * Without an EventID filter, runs of clean events go to expat many to a
 * call instead (see "many events at once"), with the same results.
 *
 * Events that lie whole inside a caller's chunk are parsed in place. Bytes
 * that cannot be decided yet (an event cut by the chunk's end) wait in
 * `carry`; the next chunk is appended to it block by block only until what
 * was waiting is decided, then parsing returns to the caller's memory.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "alloc.h"
#include "encoding.h"
#include "diag.h"
#include "evtx_stream.h"
#include "os.h"
#include "parse.h"
#include "reader_internal.h"
#include "scan.h"

enum mode { M_OUTSIDE, M_INSIDE, M_DISCARD };
enum format { FORMAT_UNKNOWN, FORMAT_XML, FORMAT_EVTX };
enum step { S_CONTINUE, S_NEED_MORE, S_STOP };

#define LOOKAHEAD 16                /* bytes that classify a '<' between events */
#define MAX_TOPLEVEL_TOKEN 4096     /* a declaration, comment, root tag or banner line */
#define CARRY_BLOCK 4096
/* Files are read this much at a time: small enough that a chunk is still in
 * the core's cache while it is parsed (256 KB read 4% faster than 1 MB,
 * median of 21 paired runs of ha_bench correlate on 200 MB). */
#define READ_CHUNK ((size_t)256 << 10)
#define MAX_EVENT_CAP ((size_t)1 << 29) /* x3 after repairs still fits an int */
/* A batch (many events in one expat call) spans at most this much: expat
 * copies it into its own buffer. 32 KB ran as fast as 256 KB. */
#define BATCH_MAX ((size_t)32 << 10)
/* After a batch that stopped with fewer than BATCH_USEFUL events, events go
 * one at a time for a while: 64 KB, doubled each time up to 4 MB, and back
 * to 64 KB after a batch that did not stop. A stream the batch path cannot
 * take (evtx_dump's `Record N` lines, comments between events, Event
 * Viewer's `- ` prefixes) thus costs next to nothing more than before. */
#define BATCH_USEFUL 4
#define BATCH_BACKOFF_MIN ((uint64_t)64 << 10)
#define BATCH_BACKOFF_MAX ((uint64_t)4 << 20)

/* A replacement made by the sanitizer: `clean_len` bytes at `clean_at` in
 * the clean copy stand for `orig_len` bytes at `orig_at` in the event. */
struct fix {
    size_t clean_at, clean_len, orig_at, orig_len;
};

struct ha_reader {
    ha_allocator alloc;
    ha_record_cb on_record;
    ha_diag_cb on_diag;
    void *userdata;
    size_t max_event;

    XML_Parser xp;
    int xp_dirty;
    XML_Index xp_fed; /* bytes given to xp since its reset, "<r>" included */
    hai_builder b;

    /* stream position */
    uint64_t base;       /* stream offset of the window's first byte */
    uint64_t counted;    /* newlines are counted up to this offset */
    uint64_t line;       /* line number at `counted` */
    uint64_t line_start; /* offset where that line begins */

    /* framing */
    int mode;
    int junk; /* the current run of unexplained bytes was reported */
    uint64_t ev_off;
    size_t ev_scan; /* resume the scan at ev_off + ev_scan */
    int ev_in_tag;  /* still inside the `<Event ...>` start tag */
    hai_buf carry;

    hai_buf clean;
    struct fix *fixes;
    size_t nfixes, fixes_cap;

    long long evtx_index; /* >= 0: diagnostics name this EVTX record */
    int format;           /* FORMAT_*: decided from a stream's first 8 bytes */
    uint8_t sniff[8];
    size_t nsniff;
    hai_evtx_stream evtx; /* the .evtx source */
    int stop_rc;
    int stopped; /* a callback stopped a call: carry may hold decided bytes */
    int busy;    /* inside feed/finish: a callback may not feed this reader */
    int cut;     /* a worker's piece ends where another `<Event` begins */
    int have_diag;
    uint64_t counters[5];
    ha_diag diag;

    uint32_t *filter; /* sorted EventIDs to deliver; NULL: all */
    size_t nfilter;
    int strict;

    int batching;         /* events may be parsed many to an expat call */
    uint64_t batch_after; /* not before this stream offset */
    uint64_t batch_backoff;
    uint64_t batched;     /* events delivered by batches (for tests) */
    int batch_skip;       /* the next event goes on its own */
    int batch_off;        /* memory for a batch could not be had: none in this stream */
    uint64_t drop_at;     /* a batch ran out of memory in the event here: drop it */
};

/* expat's memory functions take no context, so the reader's allocator is
 * handed to them through this variable, set before every expat call. */
static _Thread_local const ha_allocator *expat_alloc;
static void *xm_malloc(size_t n) { return expat_alloc->malloc_fn(n ? n : 1, expat_alloc->ctx); }
static void *xm_realloc(void *p, size_t n) { return expat_alloc->realloc_fn(p, n ? n : 1, expat_alloc->ctx); }
static void xm_free(void *p)
{
    if (p)
        expat_alloc->free_fn(p, expat_alloc->ctx);
}

/* ---- searching ----------------------------------------------------------- */

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int start_delim(char c) { return is_ws(c) || c == '>' || c == '/'; }
static int end_delim(char c) { return is_ws(c) || c == '>'; }

/* `<Event` followed by a delimiter at p. */
static int event_start_at(const char *p, size_t avail)
{
    return avail >= 7 && memcmp(p, "<Event", 6) == 0 && start_delim(p[6]);
}

/* The first `<Event` start in win[from, to) (its delimiter may lie at
 * `to`, within `len`), or SIZE_MAX. */
static size_t nested_start(const char *win, size_t len, size_t from, size_t to)
{
    while (from < to) {
        const char *p = hai_find(win + from, to - from, "<Event", 6);
        if (!p)
            break;
        size_t k = (size_t)(p - win);
        if (k + 6 < len && start_delim(p[6]))
            return k;
        from = k + 1;
    }
    return SIZE_MAX;
}

/* ---- positions ---------------------------------------------------------- */

/* Line and column of stream offset `off`, which lies in `win` at or after
 * `counted`. */
static void locate(const ha_reader *r, const char *win, uint64_t off, uint64_t *line, uint64_t *col)
{
    uint64_t ls = r->line_start;
    size_t from = (size_t)(r->counted - r->base);
    ptrdiff_t last;
    *line = r->line + hai_count_newlines(win + from, (size_t)(off - r->counted), &last);
    if (last >= 0)
        ls = r->counted + (uint64_t)last + 1;
    *col = off - ls + 1;
}

static void count_to(ha_reader *r, const char *win, uint64_t off)
{
    if (off <= r->counted)
        return;
    ptrdiff_t last;
    size_t from = (size_t)(r->counted - r->base);
    r->line += hai_count_newlines(win + from, (size_t)(off - r->counted), &last);
    if (last >= 0)
        r->line_start = r->counted + (uint64_t)last + 1;
    r->counted = off;
}

static int report(ha_reader *r, const char *win, int code, int warning, const char *message, uint64_t off,
                  uint64_t ev_off)
{
    ha_diag *d = &r->diag;
    hai_diag_set(d, code, warning, message);
    if (r->evtx_index >= 0) {
        snprintf(d->text, sizeof d->text, "%s (EVTX record index %lld)", d->message, r->evtx_index);
        d->message = d->text;
    }
    d->offset = off;
    d->event_offset = ev_off;
    locate(r, win, off, &d->line, &d->column);
    r->have_diag = 1;
    r->counters[warning ? HA_COUNT_WARNINGS : HA_COUNT_ERRORS]++;
    return r->on_diag ? r->on_diag(d, r->userdata) : 0;
}

/* A diagnostic about the stream as a whole, placed where the reader stands
 * (the stream's start for a file that cannot be opened). Returns `code`. */
static int stream_diag(ha_reader *r, int code, const char *message)
{
    ha_diag *d = &r->diag;
    hai_diag_set(d, code, 0, message);
    d->offset = d->event_offset = r->counted;
    d->line = r->line;
    d->column = r->counted - r->line_start + 1;
    r->have_diag = 1;
    return code;
}

/* ---- expat ------------------------------------------------------------- */

static int prepare_parser(ha_reader *r)
{
    if (r->xp && !r->xp_dirty)
        return HA_OK;
    expat_alloc = &r->alloc;
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

/* ---- control characters ------------------------------------------------- */

static int forbidden_cp(uint32_t v)
{
    return (v < 0x20 && v != 0x9 && v != 0xA && v != 0xD) || (v >= 0xD800 && v <= 0xDFFF) || v == 0xFFFE ||
           v == 0xFFFF || v > 0x10FFFF;
}

/* Length of a character reference at p (`&#...;`) to a code point XML 1.0
 * forbids, or 0. */
static size_t bad_char_ref(const char *p, size_t n)
{
    if (n < 4 || p[0] != '&' || p[1] != '#')
        return 0;
    size_t i = 2;
    uint32_t v = 0;
    int hex = p[i] == 'x';
    if (hex)
        i++;
    size_t start = i;
    for (; i < n && i < 16 && p[i] != ';'; i++) {
        char c = p[i];
        uint32_t d;
        if (c >= '0' && c <= '9')
            d = (uint32_t)(c - '0');
        else if (hex && c >= 'a' && c <= 'f')
            d = (uint32_t)(c - 'a' + 10);
        else if (hex && c >= 'A' && c <= 'F')
            d = (uint32_t)(c - 'A' + 10);
        else
            return 0;
        v = v * (hex ? 16 : 10) + d;
        if (v > 0x10FFFF)
            v = 0x110000;
    }
    if (i == start || i >= n || p[i] != ';' || !forbidden_cp(v))
        return 0;
    return i + 1;
}

/* Length of what must be replaced at p, or 0. */
static size_t bad_at(const char *p, size_t n)
{
    unsigned char c = (unsigned char)p[0];
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
        return 1;
    if (c == 0xEF && n >= 3 && (unsigned char)p[1] == 0xBF && ((unsigned char)p[2] & 0xFE) == 0xBE)
        return 3; /* U+FFFE, U+FFFF */
    if (c == '&')
        return bad_char_ref(p, n);
    return 0;
}

static int needs_clean(const char *ev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bad_at(ev + i, n - i))
            return 1;
    return 0;
}

/* Copy the event into r->clean with every forbidden character replaced by
 * U+FFFD, each reported as a warning. Returns HA_OK, HA_ERR_NOMEM or a
 * callback's stop value. */
static int clean_event(ha_reader *r, const char *win, size_t s, size_t n)
{
    static const char fffd[3] = {(char)0xEF, (char)0xBF, (char)0xBD};
    const char *ev = win + s;
    r->clean.len = 0;
    r->nfixes = 0;
    size_t from = 0;
    for (size_t i = 0; i < n;) {
        size_t bad = bad_at(ev + i, n - i);
        if (!bad) {
            i++;
            continue;
        }
        if (hai_buf_append(&r->clean, &r->alloc, ev + from, i - from) ||
            hai_grow(&r->alloc, (void **)&r->fixes, &r->fixes_cap, r->nfixes + 1, sizeof *r->fixes))
            return HA_ERR_NOMEM;
        struct fix *f = &r->fixes[r->nfixes++];
        f->clean_at = r->clean.len;
        f->clean_len = 3;
        f->orig_at = i;
        f->orig_len = bad;
        if (hai_buf_append(&r->clean, &r->alloc, fffd, 3))
            return HA_ERR_NOMEM;
        int rc = report(r, win, HA_ERR_CONTROL_CHAR, 1,
                        "a character XML 1.0 forbids was replaced by U+FFFD", r->ev_off + i, r->ev_off);
        if (rc)
            return rc;
        i += bad;
        from = i;
    }
    return hai_buf_append(&r->clean, &r->alloc, ev + from, n - from) ? HA_ERR_NOMEM : HA_OK;
}

/* Offset in the original event of offset `x` of the clean copy. */
static size_t unclean(const ha_reader *r, size_t x)
{
    size_t orig = x;
    for (size_t k = 0; k < r->nfixes; k++) {
        const struct fix *f = &r->fixes[k];
        if (x < f->clean_at)
            break;
        if (x < f->clean_at + f->clean_len)
            return f->orig_at;
        orig = x - (f->clean_at + f->clean_len) + (f->orig_at + f->orig_len);
    }
    return orig;
}

/* ---- one event ---------------------------------------------------------- */

static int is_retryable(enum XML_Error e)
{
    return e == XML_ERROR_INVALID_TOKEN || e == XML_ERROR_BAD_CHAR_REF || e == XML_ERROR_PARTIAL_CHAR;
}

/* Report the event at win[s, ...) as cut short by the `<Event` at k. */
static int report_truncated(ha_reader *r, const char *win, size_t k)
{
    return report(r, win, HA_ERR_TRUNCATED, 0, "the event was cut short: a new <Event begins before its </Event>",
                  r->base + k, r->ev_off);
}

/* Parse the event at win[s, s + n) and deliver it. Returns HA_OK, a fatal
 * status, or a callback's stop value. `*resume` gets where framing goes on:
 * after the event, or at an `<Event` inside it that shows it was cut short
 * (the framer looks for those only when expat rejects an event). */
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

static int wanted(const ha_reader *r, int64_t id)
{
    size_t lo = 0, hi = r->nfilter;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (r->filter[mid] == id)
            return 1;
        if (r->filter[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int dispatch(ha_reader *r, const char *win, size_t s, size_t n, size_t *resume)
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
        if (id >= 0 && !wanted(r, id)) {
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
        expat_alloc = &r->alloc;
        b->complete = 0; /* not the last event's: this one may never open (`<Event a='/>`) */
        enum XML_Status st = XML_Parse(r->xp, ev, (int)n, XML_FALSE);
        r->xp_fed += (XML_Index)n;
        if (st == XML_STATUS_OK && b->complete) {
            for (unsigned k = 0; k < b->nwarnings; k++) {
                size_t at = (size_t)(b->warnings[k].index - idx0);
                if (cleaned)
                    at = unclean(r, at);
                rc = report(r, win, b->warnings[k].code, 1, b->warnings[k].message, r->ev_off + at, r->ev_off);
                if (rc)
                    break;
            }
            b->nwarnings = 0;
            if (rc)
                return rc;
            if (!(b->rec.has & HAI_HAS_EVENT_ID))
                return report(r, win, HA_ERR_NOT_EVENT, 0, "the event has no valid System/EventID", r->ev_off,
                              r->ev_off);
            if (!deliver)
                return HA_OK;
            hai_builder_finish(b);
            b->rec.offset = r->ev_off;
            locate(r, win, r->ev_off, &b->rec.line, &(uint64_t){0});
            r->counters[HA_COUNT_EVENTS]++;
            return r->on_record ? r->on_record(&b->rec, r->userdata) : 0;
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
        size_t k = nested_start(win, s + n0, s + 1, s + n0);
        if (k != SIZE_MAX) {
            *resume = k;
            return report_truncated(r, win, k);
        }
        if (!cleaned && st != XML_STATUS_OK && !own && is_retryable(xe) && needs_clean(ev, n)) {
            rc = clean_event(r, win, s, n);
            if (rc)
                return rc;
            ev = r->clean.data;
            n = r->clean.len;
            cleaned = 1;
            continue;
        }
        size_t rel = at >= idx0 ? (size_t)(at - idx0) : 0;
        if (cleaned)
            rel = unclean(r, rel);
        if (msg == NULL)
            msg = ha_strerror(code);
        return report(r, win, code, 0, msg, r->ev_off + rel, r->ev_off);
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
    int clean = !b->nwarnings && (b->rec.has & HAI_HAS_EVENT_ID) && to - from <= r->max_event;
    /* The framer reports any byte between events but white space (expat
     * would have passed `&#32;` as a space), and takes the first `/>` after
     * `<Event` for the end of an empty event (`<Event a='/>'>`). */
    for (size_t k = bt->done; clean && k < from; k++)
        clean = is_ws(win[k]);
    const char *gt = memchr(win + from, '>', to - from);
    if (!clean || gt[-1] == '/') {
        hai_builder_batch_stop(b);
        return;
    }
    hai_builder_finish(b);
    count_to(r, win, r->base + from);
    b->rec.offset = r->base + from;
    b->rec.line = r->line;
    r->counters[HA_COUNT_EVENTS]++;
    r->batched++;
    bt->done = to;
    bt->delivered++;
    int rc = r->on_record ? r->on_record(&b->rec, r->userdata) : 0;
    expat_alloc = &r->alloc; /* the callback may have used another reader */
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
 * the one-event path drops it: the framer frames it, and dispatch() drops
 * it. */
static enum step batch(ha_reader *r, const char *win, size_t len, size_t *ip)
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
    expat_alloc = &r->alloc;
    enum XML_Status st = XML_Parse(r->xp, win + s, (int)(e - s), XML_FALSE);
    b->batch = 0;
    r->xp_fed += (XML_Index)(e - s);
    if (st != XML_STATUS_OK || b->batch_stopped || b->error || b->depth != 0 || bt.done != e) {
        if (b->error == HA_ERR_NOMEM || (st != XML_STATUS_OK && XML_GetErrorCode(r->xp) == XML_ERROR_NO_MEMORY)) {
            size_t from = b->ev_start < 0 ? s : s + (size_t)(b->ev_start - bt.idx0);
            if (b->ev_start >= 0 && from >= bt.done) {
                r->drop_at = r->base + from; /* as the one-event path would, drop the event in progress */
            } else { /* no event in progress: expat's buffer for the run */
                r->batch_off = 1;
                int rc = report(r, win, HA_ERR_NOMEM, 1, "out of memory for a run of events: reading them one at a time",
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

/* ---- framing ------------------------------------------------------------ */

static int has_prefix(const char *p, size_t avail, const char *lit, size_t n)
{
    return avail >= n && memcmp(p, lit, n) == 0;
}

/* A line between events that a known tool writes: evtxexport's banner and
 * the `Record N` lines of the Rust evtx_dump. */
static int known_line(const char *p, size_t n)
{
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' '))
        n--;
    if (has_prefix(p, n, "evtxexport ", 11))
        return 1;
    if (has_prefix(p, n, "Record ", 7) && n > 7) {
        for (size_t i = 7; i < n; i++)
            if (p[i] < '0' || p[i] > '9')
                return 0;
        return 1;
    }
    return 0;
}

static enum step stop(ha_reader *r, int rc)
{
    r->stop_rc = rc;
    return S_STOP;
}

/* Report a run of bytes nothing explains (once per run) and skip to the
 * next '<' or line end, whichever comes first: every line start is looked
 * at (for a tool's known lines) wherever the chunks were cut, so a stream
 * gives the same diagnostics whole or in pieces. */
static enum step junk(ha_reader *r, const char *win, size_t len, size_t *i, int code, const char *msg)
{
    size_t at = *i;
    const char *from = win + at + 1, *end = win + len;
    const char *nl = memchr(from, '\n', (size_t)(end - from)); /* this line only: linear over many lines */
    const char *lt = memchr(from, '<', (size_t)((nl ? nl : end) - from));
    *i = lt ? (size_t)(lt - win) : nl ? (size_t)(nl - win) : len;
    if (r->junk)
        return S_CONTINUE;
    r->junk = 1;
    count_to(r, win, r->base + at);
    int rc = report(r, win, code, 0, msg, r->base + at, r->base + at);
    return rc ? stop(r, rc) : S_CONTINUE;
}

/* Skip a token at win[*i] that ends with `term`; S_NEED_MORE when it may
 * end beyond the window. */
static enum step skip_token(ha_reader *r, const char *win, size_t len, size_t *i, int final, const char *term,
                            size_t tn)
{
    size_t at = *i, lim = len - at < MAX_TOPLEVEL_TOKEN ? len : at + MAX_TOPLEVEL_TOKEN;
    for (size_t k = at + 1; k + tn <= lim; k++) {
        if (win[k] == term[0] && memcmp(win + k, term, tn) == 0) {
            *i = k + tn;
            r->junk = 0;
            return S_CONTINUE;
        }
        if (win[k] == '<' && event_start_at(win + k, lim - k))
            return junk(r, win, len, i, HA_ERR_JUNK, "unexpected data outside an event"); /* never swallow an event */
    }
    if (lim == len && len - at < MAX_TOPLEVEL_TOKEN && !final)
        return S_NEED_MORE;
    return junk(r, win, len, i, HA_ERR_JUNK, "unexpected data outside an event");
}

static enum step outside(ha_reader *r, const char *win, size_t len, int final, size_t *ip)
{
    size_t i = *ip;
    enum step st = S_CONTINUE;
    while (i < len) {
        const char *p = win + i;
        size_t avail = len - i;
        char c = *p;
        if (is_ws(c)) {
            i++;
            continue;
        }
        if (c == '<') {
            if (avail < LOOKAHEAD && !final) {
                st = S_NEED_MORE;
                break;
            }
            if (event_start_at(p, avail)) {
                count_to(r, win, r->base + i);
                r->junk = 0;
                if (r->batch_skip) {
                    r->batch_skip = 0;
                } else if (r->batching && !r->batch_off && !r->filter && r->evtx_index < 0 &&
                           r->base + i >= r->batch_after) {
                    size_t at = i;
                    st = batch(r, win, len, &i);
                    if (st != S_CONTINUE)
                        break;
                    if (i != at)
                        continue;
                }
                r->mode = M_INSIDE;
                r->ev_off = r->base + i;
                r->ev_scan = 6;
                r->ev_in_tag = 1;
                break;
            }
            if (has_prefix(p, avail, "<?", 2))
                st = skip_token(r, win, len, &i, final, "?>", 2);
            else if (has_prefix(p, avail, "<!--", 4))
                st = skip_token(r, win, len, &i, final, "-->", 3);
            else if ((has_prefix(p, avail, "<Events", 7) && avail > 7 && end_delim(p[7])) ||
                     (has_prefix(p, avail, "</Events", 8) && avail > 8 && end_delim(p[8])))
                st = skip_token(r, win, len, &i, final, ">", 1);
            else if (has_prefix(p, avail, "<!DOCTYPE", 9) || has_prefix(p, avail, "<!ENTITY", 8))
                st = junk(r, win, len, &i, HA_ERR_DTD, "a DOCTYPE or entity declaration is refused");
            else
                st = junk(r, win, len, &i, HA_ERR_JUNK, hai_outside_message(r->base + i == 0, p, avail));
            if (st != S_CONTINUE)
                break;
            continue;
        }
        if (c == '-') { /* Event Viewer's copy: "- " before expanded elements */
            if (avail < 2 && !final) {
                st = S_NEED_MORE;
                break;
            }
            if (avail >= 2 && (p[1] == ' ' || p[1] == '\t')) {
                i += 2;
                continue;
            }
        } else if ((unsigned char)c == 0xEF && r->base + i == 0) { /* UTF-8 byte order mark */
            if (avail < 3 && !final) {
                st = S_NEED_MORE;
                break;
            }
            if (avail >= 3 && (unsigned char)p[1] == 0xBB && (unsigned char)p[2] == 0xBF) {
                i += 3;
                continue;
            }
        } else {
            count_to(r, win, r->base + i);
            if (r->line_start == r->base + i) {
                size_t lim = avail < MAX_TOPLEVEL_TOKEN ? avail : MAX_TOPLEVEL_TOKEN;
                const char *nl = memchr(p, '\n', lim);
                if (!nl && !final && avail < MAX_TOPLEVEL_TOKEN) {
                    st = S_NEED_MORE;
                    break;
                }
                size_t n = nl ? (size_t)(nl - p) : lim;
                if (known_line(p, n)) {
                    i += nl ? n + 1 : n;
                    r->junk = 0;
                    continue;
                }
            }
        }
        st = junk(r, win, len, &i, HA_ERR_JUNK, hai_outside_message(r->base + i == 0, p, avail));
        if (st != S_CONTINUE)
            break;
    }
    if (i >= len && st == S_CONTINUE && r->mode == M_OUTSIDE)
        st = S_NEED_MORE;
    *ip = i;
    return st;
}

/* An event longer than the limit: cut short by an `<Event` within the
 * limit, or too large (then skip to the next `<Event`). */
static enum step oversized(ha_reader *r, const char *win, size_t len, size_t s, size_t *ip)
{
    size_t lim = s + r->max_event < len ? s + r->max_event : len;
    size_t k = nested_start(win, len, s + 1, lim);
    int rc;
    if (k != SIZE_MAX) {
        rc = report_truncated(r, win, k);
        r->mode = M_OUTSIDE;
        *ip = k;
    } else {
        rc = report(r, win, HA_ERR_EVENT_TOO_LARGE, 0, "an event exceeds the bytes-per-event limit", r->ev_off,
                    r->ev_off);
        r->mode = M_DISCARD;
        *ip = lim;
    }
    return rc ? stop(r, rc) : S_CONTINUE;
}

static enum step inside(ha_reader *r, const char *win, size_t len, int final, size_t *ip)
{
    size_t s = (size_t)(r->ev_off - r->base), j = s + r->ev_scan, end;
    int rc;
    if (r->ev_in_tag) {
        const char *gt = memchr(win + j, '>', len - j);
        if (!gt) {
            j = len;
            goto need_more;
        }
        size_t k = (size_t)(gt - win);
        if (win[k - 1] == '/') {
            end = k + 1;
            goto complete;
        }
        r->ev_in_tag = 0;
        j = k + 1;
    }
    for (;;) {
        const char *lt = hai_find(win + j, len - j, "</Event", 7);
        if (!lt) { /* keep the tail: the needle may be cut by the window's end */
            if (len - j > 6)
                j = len - 6;
            goto need_more;
        }
        size_t k = (size_t)(lt - win);
        if (k + 8 > len) {
            j = k;
            goto need_more;
        }
        if (!end_delim(lt[7])) {
            j = k + 1;
            continue;
        }
        const char *gt = memchr(lt + 7, '>', len - k - 7);
        if (!gt) {
            j = k;
            goto need_more;
        }
        end = (size_t)(gt - win) + 1;
        goto complete;
    }
need_more:
    if (j - s > r->max_event)
        return oversized(r, win, len, s, ip);
    if (final) { /* an `<Event` inside was cut short, or this one is */
        size_t k = nested_start(win, len, s + 1, len);
        if (k != SIZE_MAX) {
            rc = report_truncated(r, win, k);
            *ip = k;
        } else if (r->cut) { /* the next piece begins with the `<Event` that cut it */
            rc = report_truncated(r, win, len);
            *ip = len;
        } else {
            rc = report(r, win, HA_ERR_TRUNCATED, 0, "the stream ended inside an event", r->base + len, r->ev_off);
            *ip = len;
        }
        r->mode = M_OUTSIDE;
        return rc ? stop(r, rc) : S_CONTINUE;
    }
    r->ev_scan = j - s;
    *ip = s;
    return S_NEED_MORE;
complete:
    if (end - s > r->max_event)
        return oversized(r, win, len, s, ip);
    r->mode = M_OUTSIDE;
    rc = dispatch(r, win, s, end - s, ip);
    return rc ? stop(r, rc) : S_CONTINUE;
}

/* After an oversized event: skip to the next `<Event`. */
static enum step discard(ha_reader *r, const char *win, size_t len, int final, size_t *ip)
{
    size_t i = *ip;
    for (;;) {
        const char *lt = memchr(win + i, '<', len - i);
        if (!lt) {
            *ip = len;
            return S_NEED_MORE;
        }
        size_t k = (size_t)(lt - win);
        if (len - k < 7 && !final) {
            *ip = k;
            return S_NEED_MORE;
        }
        if (event_start_at(lt, len - k)) {
            r->mode = M_OUTSIDE;
            *ip = k;
            return S_CONTINUE;
        }
        i = k + 1;
    }
}

/* Work through `win`, whose first byte is at stream offset r->base.
 * `*used` gets how many leading bytes are done with. */
static int process(ha_reader *r, const char *win, size_t len, int final, size_t *used)
{
    size_t i = 0;
    int rc = 0;
    for (;;) {
        enum step st;
        if (r->mode == M_OUTSIDE)
            st = outside(r, win, len, final, &i);
        else if (r->mode == M_INSIDE)
            st = inside(r, win, len, final, &i);
        else
            st = discard(r, win, len, final, &i);
        if (st == S_NEED_MORE)
            break;
        if (st == S_STOP) {
            rc = r->stop_rc;
            break;
        }
    }
    count_to(r, win, r->base + i);
    r->base += i;
    *used = i;
    return rc;
}

/* ---- public API --------------------------------------------------------- */

/* The size of each version of the options: a caller built for an older
 * version has a shorter struct, never read or written past its end. */
static size_t reader_options_size(unsigned int version)
{
    return version >= 2 ? sizeof(ha_reader_options) : offsetof(ha_reader_options, flags);
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

static void reset_stream(ha_reader *r)
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
    r->max_event = opts->max_event_bytes ? opts->max_event_bytes : HA_DEFAULT_MAX_EVENT_BYTES;
    if (r->max_event > MAX_EVENT_CAP)
        r->max_event = MAX_EVENT_CAP;
    size_t max_field = opts->max_field_bytes ? opts->max_field_bytes : HA_DEFAULT_MAX_FIELD_BYTES;
    unsigned max_depth = opts->max_depth ? opts->max_depth : HA_DEFAULT_MAX_DEPTH;
    hai_builder_init(&r->b, &r->alloc, max_field, max_depth);
    r->evtx_index = -1;
    r->batching = 1;
    hai_evtx_stream_init(&r->evtx, &r->alloc);
    reset_stream(r);
    *out = r;
    return HA_OK;
}

void ha_reader_free(ha_reader *r)
{
    if (!r)
        return;
    if (r->xp) {
        expat_alloc = &r->alloc;
        XML_ParserFree(r->xp);
    }
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
        stream_diag(r, rc, NULL);
    return rc;
}

/* Out of memory for bytes that had to wait: the event they began is lost.
 * Account for every byte not yet consumed, in `carry` and in p[0, len),
 * and skip to the next `<Event`, so that no state points at bytes that
 * were not kept. */
static int lose_pending(ha_reader *r, const char *p, size_t len)
{
    if (r->carry.len) {
        count_to(r, r->carry.data, r->base + r->carry.len);
        r->base += r->carry.len;
        r->carry.len = 0;
    }
    if (len) {
        count_to(r, p, r->base + len);
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
        rc = process(r, r->carry.data, r->carry.len, 0, &used);
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
        rc = process(r, r->carry.data, r->carry.len, 0, &used);
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
        rc = process(r, p, len, 0, &used);
        p += used;
        len -= used;
    }
    if (len > 0 && hai_buf_append(&r->carry, &r->alloc, p, len) != 0)
        return lose_pending(r, p, len);
    r->stopped = rc != 0;
    return rc;
}

static int finish_evtx(ha_reader *r);
static int decide(ha_reader *r);

int ha_reader_finish(ha_reader *r)
{
    if (!r || r->busy)
        return HA_ERR_INVALID;
    size_t used = 0;
    r->busy = 1;
    int rc = r->format == FORMAT_UNKNOWN ? decide(r) : 0;
    if (rc == 0 && r->format == FORMAT_EVTX) {
        rc = finish_evtx(r);
        r->busy = 0;
        if (rc == HA_ERR_NOMEM)
            stream_diag(r, rc, NULL);
        if (rc == 0)
            reset_stream(r);
        return rc;
    }
    if (rc == HA_ERR_NOMEM) {
        r->busy = 0;
        stream_diag(r, rc, NULL);
        return rc;
    }
    rc = rc ? rc : process(r, r->carry.len ? r->carry.data : "", r->carry.len, 1, &used);
    r->busy = 0;
    if (rc == HA_ERR_NOMEM)
        stream_diag(r, rc, NULL);
    hai_buf_drop_front(&r->carry, used);
    r->stopped = 0;
    if (rc)
        return rc; /* stopped by a callback: finish again to go on */
    reset_stream(r);
    return HA_OK;
}

int hai_reader_fail(ha_reader *r, int code, const char *what, const char *path, const char *detail)
{
    stream_diag(r, code, NULL);
    snprintf(r->diag.text, sizeof r->diag.text, "%s %s: %s", what, path ? path : "input", detail);
    r->diag.message = r->diag.text;
    return code;
}

static int io_error(ha_reader *r, const char *what, const char *name)
{
    return hai_reader_fail(r, HA_ERR_IO, what, name, strerror(errno));
}

void hai_reader_drop_stream(ha_reader *r) { reset_stream(r); }
const ha_allocator *hai_reader_allocator(ha_reader *r) { return &r->alloc; }
int ha_evtx_supported(void) { return 1; }

int ha_reader_read_evtx(ha_reader *r, const char *path) { return ha_reader_read_file(r, path); }

/* Feed from `fd` (or `fp` when not NULL) to the end, then finish. */
static int read_all(ha_reader *r, int fd, FILE *fp, const char *name)
{
    char *buf = hai_malloc(&r->alloc, READ_CHUNK);
    if (!buf)
        return HA_ERR_NOMEM;
    int rc = HA_OK;
    for (;;) {
        size_t n;
        if (fp) {
            n = fread(buf, 1, READ_CHUNK, fp);
            if (n == 0 && ferror(fp)) {
                rc = io_error(r, "cannot read", name);
                break;
            }
        } else {
            long long k = hai_os_read(fd, buf, READ_CHUNK);
            if (k < 0) {
                rc = io_error(r, "cannot read", name);
                break;
            }
            n = (size_t)k;
        }
        if (n == 0)
            break;
        rc = ha_reader_feed(r, buf, n);
        if (rc)
            break;
    }
    hai_free(&r->alloc, buf);
    if (rc == HA_OK)
        return ha_reader_finish(r);
    reset_stream(r); /* stopped or failed: the rest of this stream is dropped */
    return rc;
}

int ha_reader_read_fd(ha_reader *r, int fd)
{
    if (!r || fd < 0)
        return HA_ERR_INVALID;
    return read_all(r, fd, NULL, NULL);
}

int ha_reader_read_fp(ha_reader *r, FILE *fp)
{
    if (!r || !fp)
        return HA_ERR_INVALID;
    return read_all(r, -1, fp, NULL);
}

int ha_reader_read_file(ha_reader *r, const char *path)
{
    if (!r || !path)
        return HA_ERR_INVALID;
    int fd = hai_os_open(path);
    if (fd < 0)
        return io_error(r, "cannot open", path);
    int rc = read_all(r, fd, NULL, path);
    hai_os_close(fd);
    return rc;
}

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
    o.max_field_bytes = m->b.max_field;
    o.max_depth = m->b.max_depth;
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

/* ---- .evtx ------------------------------------------------------------------ */

static int evtx_record(void *ctx, const ha_record *rec)
{
    ha_reader *r = ctx;
    r->counters[HA_COUNT_EVENTS]++;
    return r->on_record ? r->on_record(rec, r->userdata) : 0;
}

static int evtx_diag(void *ctx, int code, int warning, uint64_t offset, uint64_t chunk, uint64_t record,
                     const char *message)
{
    ha_reader *r = ctx;
    ha_diag *d = &r->diag;
    hai_diag_set(d, code, warning, message);
    if (chunk == UINT64_MAX)
        snprintf(d->text, sizeof d->text, "%s (file header)", d->message);
    else if (record == HAI_EVTX_NO_RECORD)
        snprintf(d->text, sizeof d->text, "%s (chunk %llu)", d->message, (unsigned long long)chunk);
    else
        snprintf(d->text, sizeof d->text, "%s (chunk %llu, record %llu)", d->message, (unsigned long long)chunk,
                 (unsigned long long)record);
    d->message = d->text;
    d->offset = d->event_offset = offset;
    r->have_diag = 1;
    r->counters[warning ? HA_COUNT_WARNINGS : HA_COUNT_ERRORS]++;
    return r->on_diag ? r->on_diag(d, r->userdata) : 0;
}

static int evtx_wanted(void *ctx, uint32_t event_id) { return wanted(ctx, event_id); }

static void evtx_filtered(void *ctx)
{
    ha_reader *r = ctx;
    r->counters[HA_COUNT_FILTERED]++;
}

static hai_evtx_sink evtx_sink(ha_reader *r)
{
    hai_evtx_sink s = {evtx_record, evtx_diag, r->filter ? evtx_wanted : NULL, evtx_filtered, r};
    return s;
}

static int evtx_ready(ha_reader *r)
{
    if (r->evtx.dec)
        return 0;
    hai_evtx_limits lim = {r->max_event, r->b.max_field, r->b.max_depth, r->strict};
    return hai_evtx_new(&r->alloc, &lim, &r->evtx.dec);
}

static int feed_evtx(ha_reader *r, const void *data, size_t len)
{
    r->counters[HA_COUNT_BYTES] += len;
    if (evtx_ready(r) != 0)
        return HA_ERR_NOMEM;
    hai_evtx_sink s = evtx_sink(r);
    return hai_evtx_stream_feed(&r->evtx, data, len, &s);
}

static int finish_evtx(ha_reader *r)
{
    if (evtx_ready(r) != 0)
        return HA_ERR_NOMEM;
    hai_evtx_sink s = evtx_sink(r);
    return hai_evtx_stream_finish(&r->evtx, &s);
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
    return r->format == FORMAT_EVTX ? feed_evtx(r, r->sniff, n) : feed(r, r->sniff, n);
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
    return r->format == FORMAT_EVTX ? feed_evtx(r, data, len) : feed(r, data, len);
}

int hai_reader_set_evtx_piece(ha_reader *w, uint64_t first_chunk, uint64_t file_chunks)
{
    if (evtx_ready(w) != 0)
        return HA_ERR_NOMEM;
    w->format = FORMAT_EVTX;
    w->evtx.in_header = 0;
    w->evtx.off = 0;
    w->evtx.index = first_chunk;
    hai_evtx_set_file_chunks(w->evtx.dec, file_chunks);
    return HA_OK;
}
