/* The reader's inside, shared by the files of the input layer (lib/input/):
 * reader.c (the object, feed, finish, carry-over), xml_frame.c,
 * xml_sanitize.c and xml_event.c (the XML source), evtx_source.c (the .evtx
 * source), files.c (whole inputs) and parallel.c (threads). */
#ifndef HAI_READER_INTERNAL_H
#define HAI_READER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <expat.h>

#include "alloc.h"
#include "diag.h"
#include "evtx_stream.h"
#include "handleaudit/handleaudit.h"
#include "parse.h"
#include "scan.h"

#define BATCH_BACKOFF_MIN ((uint64_t)64 << 10)

enum mode { M_OUTSIDE, M_INSIDE, M_DISCARD };
enum format { FORMAT_UNKNOWN, FORMAT_XML, FORMAT_EVTX };
enum step { S_CONTINUE, S_NEED_MORE, S_STOP };

/* A replacement made by the sanitizer: `clean_len` bytes at `clean_at` in
 * the clean copy stand for `orig_len` bytes at `orig_at` in the event. */
struct fix {
    size_t clean_at, clean_len, orig_at, orig_len;
};

struct ha_reader {
    ha_allocator alloc;
    ha_record_cb on_record;
    ha_diag_cb on_diag;
    ha_progress_cb on_progress;
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

static inline int hai_is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* ---- positions (reader.c) ---- */

/* Line and column of stream offset `off`, which lies in `win` at or after
 * `counted`. */
static inline void hai_reader_locate(const ha_reader *r, const char *win, uint64_t off, uint64_t *line, uint64_t *col)
{
    uint64_t ls = r->line_start;
    size_t from = (size_t)(r->counted - r->base);
    ptrdiff_t last;
    *line = r->line + hai_count_newlines(win + from, (size_t)(off - r->counted), &last);
    if (last >= 0)
        ls = r->counted + (uint64_t)last + 1;
    *col = off - ls + 1;
}

static inline void hai_reader_count_to(ha_reader *r, const char *win, uint64_t off)
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

/* Report a diagnostic at stream offset `off` (in `win`) about the event at
 * `ev_off`; the on_diag callback's value. */
int hai_reader_report(ha_reader *r, const char *win, int code, int warning, const char *message, uint64_t off,
                      uint64_t ev_off);
/* A diagnostic about the stream as a whole, placed where the reader stands
 * (the stream's start for a file that cannot be opened). Returns `code`. */
int hai_reader_stream_diag(ha_reader *r, int code, const char *message);
/* Whether the EventID filter lets `id` through (inline: the filtered
 * path's cost is a scan and this, per event). */
static inline int hai_reader_wanted(const ha_reader *r, int64_t id)
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

/* ---- the XML source ---- */

/* xml_frame.c: work through `win`, whose first byte is at stream offset
 * r->base; `*used` gets how many leading bytes are done with. */
int hai_xml_process(ha_reader *r, const char *win, size_t len, int final, size_t *used);
/* What may follow `<Event` in a start tag. */
static inline int hai_xml_start_delim(char c) { return hai_is_ws(c) || c == '>' || c == '/'; }
/* The first `<Event` start in win[from, to) (its delimiter may lie at `to`,
 * within `len`), or SIZE_MAX (inline: the framer and expat's handlers both
 * look for one). */
static inline size_t hai_xml_nested_start(const char *win, size_t len, size_t from, size_t to)
{
    while (from < to) {
        const char *p = hai_find(win + from, to - from, "<Event", 6);
        if (!p)
            break;
        size_t k = (size_t)(p - win);
        if (k + 6 < len && hai_xml_start_delim(p[6]))
            return k;
        from = k + 1;
    }
    return SIZE_MAX;
}
/* report.c: the event being framed as cut short by the `<Event` at win[k]. */
int hai_xml_report_truncated(ha_reader *r, const char *win, size_t k);
/* xml_event.c: parse and deliver the framed event at win[s, s + n). */
int hai_xml_dispatch(ha_reader *r, const char *win, size_t s, size_t n, size_t *resume);
/* xml_event.c: a run of events in one expat call, from the `<Event` at
 * win[*ip]. */
enum step hai_xml_batch(ha_reader *r, const char *win, size_t len, size_t *ip);
void hai_xml_parser_free(ha_reader *r);
/* xml_sanitize.c */
int hai_xml_needs_clean(const char *ev, size_t n);
int hai_xml_clean_event(ha_reader *r, const char *win, size_t s, size_t n);
size_t hai_xml_unclean(const ha_reader *r, size_t x);

/* ---- the .evtx source (evtx_source.c) ---- */

int hai_evtx_source_feed(ha_reader *r, const void *data, size_t len);
int hai_evtx_source_finish(ha_reader *r);

/* ---- what parallel.c and the tests use ---- */

/* Record an error about a whole input (no position): "WHAT PATH: DETAIL".
 * Returns `code`. */
int hai_reader_fail(ha_reader *r, int code, const char *what, const char *path, const char *detail);
/* Report progress through on_progress: its value, 0 without one. */
int hai_reader_progress(ha_reader *r, uint64_t done, uint64_t total);
/* Forget the rest of the current stream. */
void hai_reader_drop_stream(ha_reader *r);
const ha_allocator *hai_reader_allocator(ha_reader *r);

/* For parallel.c: a reader with `main`'s settings (limits, strict, filter,
 * allocator) and its own callbacks, that parses one piece of a file. When
 * `cut` is set, an event left open at the end of its stream was cut short
 * by the next piece's `<Event` (as one reader would say), not by the end. */
int hai_reader_worker_new(const ha_reader *main, ha_record_cb on_record, ha_diag_cb on_diag, void *userdata,
                          ha_reader **out);
void hai_reader_set_cut(ha_reader *worker, int cut);
/* A worker's next stream is the .evtx chunks from `first_chunk` on (whole
 * chunks; offsets count from the piece's start), of a file whose header
 * counts `file_chunks` (see hai_evtx_header_chunks). */
int hai_reader_set_evtx_piece(ha_reader *worker, uint64_t first_chunk, uint64_t file_chunks);
/* Deliver, through `main`'s callbacks and counters, what a worker found. */
int hai_reader_deliver_record(ha_reader *main, const ha_record *rec);
int hai_reader_deliver_diag(ha_reader *main, const ha_diag *diag);
void hai_reader_add_counts(ha_reader *main, uint64_t bytes, uint64_t filtered);
int hai_reader_busy(ha_reader *r, int busy);

/* Whether runs of events may go to expat in one call (on by default). The
 * records and diagnostics are the same either way; tests compare them. */
void hai_reader_set_batching(ha_reader *r, int on);
/* How many events batches delivered. */
uint64_t hai_reader_batched(const ha_reader *r);

#endif
