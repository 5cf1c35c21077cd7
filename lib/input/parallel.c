/* Parallel reading of a file: it is mapped, cut into pieces at `<Event`
 * starts, and each piece is parsed by a worker thread with a reader of its
 * own. What a worker finds (records, diagnostics) is packed into its
 * piece's arena; the calling thread delivers the pieces in file order
 * through the reader's callbacks, with positions made absolute, so the
 * callbacks see exactly what one reader would have given them.
 *
 * A piece begins at an `<Event`, so no event straddles two pieces, and the
 * framer's state at a piece's start is the state one reader has at any
 * `<Event`: everything before is settled. An event left open at a piece's
 * end was cut short by the next piece's `<Event`, and is reported so. */
#include <string.h>

#include "alloc.h"
#include "diag.h"
#include "evtx.h"
#include "evtx_format.h"
#include "os.h"
#include "reader_internal.h"
#include "record.h"
#include "scan.h"

/* Pieces are small so that a piece's records are still in the cache when
 * the calling thread delivers them, and the last pieces leave little work
 * for one thread alone: 1 MB pieces gave 1.66 times one thread's speed on
 * a 200 MB handle-heavy file where 8 MB pieces gave 1.53 (bench/run). */
#define PIECE_MIN ((size_t)128 << 10)
#define PIECE_MAX ((size_t)1 << 20)
#define MAX_THREADS 64

enum { ITEM_RECORD, ITEM_DIAG };

struct item {
    int kind;
    size_t at; /* offset in the piece's arena */
};

struct piece {
    size_t start, end; /* bytes of the file */
    hai_buf arena;
    struct item *items;
    size_t nitems, items_cap;
    uint64_t newlines;
    size_t last_nl; /* relative offset of the last newline, when newlines > 0 */
    uint64_t filtered;
    int done;
    int rc; /* a worker's fatal status (HA_ERR_NOMEM) */
};

/* A piece's buffers, kept for the next piece once it is delivered: the
 * arenas stay warm instead of being mapped, faulted in and grown again. */
struct spare {
    hai_buf arena;
    struct item *items;
    size_t items_cap;
};

struct job {
    const char *data;
    size_t size;
    struct piece *pieces;
    size_t npieces;
    size_t next;      /* the next piece a worker takes */
    size_t delivered; /* pieces delivered so far */
    size_t window;    /* pieces a worker may run ahead of delivery */
    int abort;
    int evtx;               /* a .evtx file: pieces are whole chunks */
    uint64_t file_chunks;   /* what its header counts */
    ha_reader *main;
    const ha_allocator *alloc;
    hai_map *map;
    size_t dropped; /* pages before `dropped` given back */
    struct spare *spares; /* window + 1 of them at most */
    size_t nspares;
    hai_mutex mu;
    hai_cond done_cv, room_cv;
};

struct worker_ctx {
    struct job *job;
    struct piece *piece;
    int oom;
};

/* ---- packing what a worker finds ------------------------------------------ */

static size_t align8(size_t n) { return (n + 7) & ~(size_t)7; }

static int push_item(struct worker_ctx *w, int kind, size_t at)
{
    struct piece *p = w->piece;
    void *items = p->items;
    if (hai_grow(w->job->alloc, &items, &p->items_cap, p->nitems + 1, sizeof *p->items) != 0)
        return -1;
    p->items = items;
    p->items[p->nitems].kind = kind;
    p->items[p->nitems].at = at;
    p->nitems++;
    return 0;
}

/* [ha_record][pairs][text], so that delivery finds pairs and text again. */
static int pack_record(const ha_record *rec, void *userdata)
{
    struct worker_ctx *w = userdata;
    hai_buf *a = &w->piece->arena;
    size_t at = align8(a->len), pairs = rec->npairs * sizeof(hai_pair);
    size_t need = at - a->len + sizeof(ha_record) + pairs + rec->text_len;
    if (hai_buf_reserve(a, w->job->alloc, need) != 0 || push_item(w, ITEM_RECORD, at) != 0) {
        w->oom = 1;
        return HA_ERR_NOMEM;
    }
    char *dst = a->data + at;
    memcpy(dst, rec, sizeof(ha_record));
    if (pairs)
        memcpy(dst + sizeof(ha_record), rec->pairs, pairs);
    if (rec->text_len)
        memcpy(dst + sizeof(ha_record) + pairs, rec->text, rec->text_len);
    a->len = at + sizeof(ha_record) + pairs + rec->text_len;
    return 0;
}

static int pack_diag(const ha_diag *d, void *userdata)
{
    struct worker_ctx *w = userdata;
    hai_buf *a = &w->piece->arena;
    size_t at = align8(a->len);
    if (hai_buf_reserve(a, w->job->alloc, at - a->len + sizeof(ha_diag)) != 0 ||
        push_item(w, ITEM_DIAG, at) != 0) {
        w->oom = 1;
        return HA_ERR_NOMEM;
    }
    ha_diag *c = (ha_diag *)(void *)(a->data + at);
    *c = *d;
    if (d->message == d->text)
        c->message = NULL; /* its own text: pointed at again on delivery */
    a->len = at + sizeof(ha_diag);
    return 0;
}

/* ---- workers ---------------------------------------------------------------- */

static void count_newlines(struct piece *p, const char *s)
{
    ptrdiff_t last;
    p->newlines = hai_count_newlines(s, p->end - p->start, &last);
    if (last >= 0)
        p->last_nl = (size_t)last;
}

static void *work(void *arg)
{
    struct job *j = arg;
    struct worker_ctx ctx = {j, NULL, 0};
    ha_reader *r = NULL;
    int rc = hai_reader_worker_new(j->main, pack_record, pack_diag, &ctx, &r);
    for (;;) {
        hai_os_mutex_lock(&j->mu);
        while (!j->abort && j->next < j->npieces && j->next >= j->delivered + j->window)
            hai_os_cond_wait(&j->room_cv, &j->mu);
        if (j->abort || j->next >= j->npieces) {
            hai_os_mutex_unlock(&j->mu);
            break;
        }
        struct piece *p = &j->pieces[j->next++];
        if (j->nspares > 0) {
            struct spare *sp = &j->spares[--j->nspares];
            p->arena = sp->arena;
            p->arena.len = 0;
            p->items = sp->items;
            p->items_cap = sp->items_cap;
        }
        hai_os_mutex_unlock(&j->mu);

        ctx.piece = p;
        ctx.oom = 0;
        int prc = rc;
        if (prc == HA_OK) {
            uint64_t filtered = ha_reader_count(r, HA_COUNT_FILTERED);
            hai_reader_set_cut(r, p->end < j->size);
            if (j->evtx && p->start > 0)
                prc = hai_reader_set_evtx_piece(r, (p->start - HAI_EVTX_FILE_HEADER) / HAI_EVTX_CHUNK, j->file_chunks);
            if (prc == HA_OK)
                prc = ha_reader_feed(r, j->data + p->start, p->end - p->start);
            if (prc == HA_OK)
                prc = ha_reader_finish(r);
            else
                hai_reader_drop_stream(r);
            p->filtered = ha_reader_count(r, HA_COUNT_FILTERED) - filtered;
            if (ctx.oom)
                prc = HA_ERR_NOMEM;
        }
        if (!j->evtx)
            count_newlines(p, j->data + p->start);

        hai_os_mutex_lock(&j->mu);
        p->rc = prc;
        p->done = 1;
        hai_os_cond_broadcast(&j->done_cv);
        hai_os_mutex_unlock(&j->mu);
    }
    ha_reader_free(r);
    return NULL;
}

/* ---- delivery, in file order ----------------------------------------------- */

struct place {
    uint64_t line;       /* line number at the piece's start */
    uint64_t line_start; /* file offset where that line begins */
};

static void absolute(const struct place *pl, size_t start, uint64_t *off, uint64_t *line, uint64_t *col)
{
    if (*line == 1)
        *col = start + *off - pl->line_start + 1;
    *line = pl->line + *line - 1;
    *off += start;
}

/* A .evtx piece's positions: offsets from the piece's start, no lines. */
static void absolute_evtx(size_t start, uint64_t *off, uint64_t *line, uint64_t *col)
{
    (void)line;
    (void)col;
    *off += start;
}

static int deliver(struct job *j, struct piece *p, struct place *pl)
{
    int rc = 0;
    if (j->evtx) {
        for (size_t i = 0; i < p->nitems && !rc; i++) {
            char *at = p->arena.data + p->items[i].at;
            if (p->items[i].kind == ITEM_RECORD) {
                ha_record *rec = (ha_record *)(void *)at;
                rec->pairs = (const hai_pair *)(void *)(at + sizeof(ha_record));
                rec->text = at + sizeof(ha_record) + rec->npairs * sizeof(hai_pair);
                absolute_evtx(p->start, &rec->offset, &rec->line, NULL);
                rc = hai_reader_deliver_record(j->main, rec);
            } else {
                ha_diag *d = (ha_diag *)(void *)at;
                if (!d->message)
                    d->message = d->text;
                absolute_evtx(p->start, &d->offset, &d->line, &d->column);
                absolute_evtx(p->start, &d->event_offset, NULL, NULL);
                rc = hai_reader_deliver_diag(j->main, d);
            }
        }
        hai_reader_add_counts(j->main, p->end - p->start, p->filtered);
        return rc;
    }
    for (size_t i = 0; i < p->nitems && !rc; i++) {
        char *at = p->arena.data + p->items[i].at;
        if (p->items[i].kind == ITEM_RECORD) {
            ha_record *rec = (ha_record *)(void *)at;
            rec->pairs = (const hai_pair *)(void *)(at + sizeof(ha_record));
            rec->text = at + sizeof(ha_record) + rec->npairs * sizeof(hai_pair);
            uint64_t col = 0;
            absolute(pl, p->start, &rec->offset, &rec->line, &col);
            rc = hai_reader_deliver_record(j->main, rec);
        } else {
            ha_diag *d = (ha_diag *)(void *)at;
            if (!d->message)
                d->message = d->text;
            uint64_t ev_line = 1, ev_col = 0;
            absolute(pl, p->start, &d->offset, &d->line, &d->column);
            absolute(pl, p->start, &d->event_offset, &ev_line, &ev_col);
            rc = hai_reader_deliver_diag(j->main, d);
        }
    }
    if (p->newlines) {
        pl->line += p->newlines;
        pl->line_start = p->start + p->last_nl + 1;
    }
    hai_reader_add_counts(j->main, p->end - p->start, p->filtered);
    return rc;
}

/* The mapped file's pages before `end` are read for good: give them back, so
 * that resident memory stays near the pieces in flight instead of growing
 * to the file's size. */
static void drop_pages(struct job *j, size_t end)
{
    hai_os_map_release(j->map, j->dropped, end);
    j->dropped = end;
}

/* Cut the file into pieces that begin at `<Event` starts, or for a .evtx
 * file at chunk starts (the first piece holds the file header too). */
static int cut(struct job *j, unsigned threads)
{
    size_t piece = j->size / ((size_t)threads * 8);
    piece = piece < PIECE_MIN ? PIECE_MIN : piece > PIECE_MAX ? PIECE_MAX : piece;
    size_t cap = j->size / piece + 2, n = 0, start = 0;
    j->pieces = hai_calloc(j->alloc, cap, sizeof *j->pieces);
    if (!j->pieces)
        return HA_ERR_NOMEM;
    if (j->evtx) {
        size_t chunks = piece / HAI_EVTX_CHUNK;
        piece = (chunks ? chunks : 1) * HAI_EVTX_CHUNK;
        while (start < j->size && n + 1 < cap) {
            size_t end = start == 0 ? HAI_EVTX_FILE_HEADER + piece : start + piece;
            j->pieces[n].start = start;
            j->pieces[n].end = end < j->size ? end : j->size;
            start = j->pieces[n++].end;
        }
        if (start < j->size)
            j->pieces[n - 1].end = j->size;
        j->npieces = n;
        return HA_OK;
    }
    while (start < j->size && n + 1 < cap) {
        size_t end = j->size, from = start + piece;
        while (from < j->size) { /* the first `<Event` + delimiter at or after `from` */
            const char *lt = memchr(j->data + from, '<', j->size - from);
            if (!lt)
                break;
            size_t k = (size_t)(lt - j->data);
            if (k + 7 <= j->size && memcmp(lt, "<Event", 6) == 0 &&
                (lt[6] == ' ' || lt[6] == '\t' || lt[6] == '\n' || lt[6] == '\r' || lt[6] == '>' || lt[6] == '/')) {
                end = k;
                break;
            }
            from = k + 1;
        }
        j->pieces[n].start = start;
        j->pieces[n].end = end;
        n++;
        start = end;
    }
    if (start < j->size) /* never: cap leaves room; kept for safety */
        j->pieces[n - 1].end = j->size;
    j->npieces = n;
    return HA_OK;
}

static int run(ha_reader *r, hai_map *map, unsigned threads, const ha_allocator *alloc)
{
    struct job j;
    memset(&j, 0, sizeof j);
    j.map = map;
    j.data = map->data;
    j.size = map->size;
    j.evtx = hai_evtx_sniff((const uint8_t *)j.data, j.size);
    if (j.evtx)
        j.file_chunks = hai_evtx_header_chunks((const uint8_t *)j.data, j.size < HAI_EVTX_FILE_HEADER ? j.size : HAI_EVTX_FILE_HEADER);
    j.main = r;
    j.alloc = alloc;
    j.window = (size_t)threads * 2;
    int rc = cut(&j, threads);
    if (rc)
        return rc;
    j.spares = hai_calloc(alloc, j.window + 1, sizeof *j.spares);
    if (!j.spares) {
        hai_free(alloc, j.pieces);
        return HA_ERR_NOMEM;
    }
    hai_os_mutex_init(&j.mu);
    hai_os_cond_init(&j.done_cv);
    hai_os_cond_init(&j.room_cv);
    hai_thread tids[MAX_THREADS];
    unsigned started = 0;
    for (; started < threads; started++)
        if (hai_os_thread_start(&tids[started], work, &j) != 0)
            break;
    if (started == 0)
        rc = HA_ERR_NOMEM;

    struct place pl = {1, 0};
    for (size_t k = 0; k < j.npieces && !rc; k++) {
        struct piece *p = &j.pieces[k];
        hai_os_mutex_lock(&j.mu);
        while (!p->done)
            hai_os_cond_wait(&j.done_cv, &j.mu);
        hai_os_mutex_unlock(&j.mu);
        rc = p->rc ? p->rc : deliver(&j, p, &pl);
        if (!rc)
            rc = hai_reader_progress(r, p->end, j.size);
        drop_pages(&j, p->end);
        hai_os_mutex_lock(&j.mu);
        if (j.nspares < j.window + 1) {
            j.spares[j.nspares].arena = p->arena;
            j.spares[j.nspares].items = p->items;
            j.spares[j.nspares].items_cap = p->items_cap;
            j.nspares++;
        } else {
            hai_buf_free(&p->arena, alloc);
            hai_free(alloc, p->items);
        }
        memset(&p->arena, 0, sizeof p->arena);
        p->items = NULL;
        p->nitems = p->items_cap = 0;
        j.delivered = k + 1;
        if (rc)
            j.abort = 1;
        hai_os_cond_broadcast(&j.room_cv);
        hai_os_mutex_unlock(&j.mu);
    }
    if (!rc && (j.npieces == 0 || j.pieces[j.npieces - 1].end != j.size))
        rc = hai_reader_progress(r, j.size, j.size); /* the end, whatever the pieces covered */
    hai_os_mutex_lock(&j.mu);
    j.abort = 1;
    hai_os_cond_broadcast(&j.room_cv);
    hai_os_mutex_unlock(&j.mu);
    for (unsigned i = 0; i < started; i++)
        hai_os_thread_join(&tids[i]);
    for (size_t k = 0; k < j.npieces; k++) { /* pieces parsed but never delivered */
        hai_buf_free(&j.pieces[k].arena, alloc);
        hai_free(alloc, j.pieces[k].items);
    }
    for (size_t k = 0; k < j.nspares; k++) {
        hai_buf_free(&j.spares[k].arena, alloc);
        hai_free(alloc, j.spares[k].items);
    }
    hai_free(alloc, j.spares);
    hai_free(alloc, j.pieces);
    hai_os_cond_destroy(&j.room_cv);
    hai_os_cond_destroy(&j.done_cv);
    hai_os_mutex_destroy(&j.mu);
    return rc;
}

int ha_reader_read_file_parallel(ha_reader *r, const char *path, unsigned threads)
{
    if (!r || !path)
        return HA_ERR_INVALID;
    if (threads == 0)
        threads = hai_os_cpu_count();
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    if (threads == 1)
        return ha_reader_read_file(r, path);
    int fd = hai_os_open(path);
    if (fd < 0)
        return ha_reader_read_file(r, path); /* the same message */
    long long fsize = hai_os_regular_size(fd);
    hai_map map;
    int mapped = -1;
    if (fsize >= (long long)(2 * PIECE_MIN) && (uint64_t)fsize <= SIZE_MAX)
        mapped = hai_os_map(fd, (size_t)fsize, &map);
    hai_os_close(fd);
    if (mapped != 0) /* a small file, a pipe: one thread does it */
        return ha_reader_read_file(r, path);

    int rc = ha_reader_finish(r); /* a stream in progress ends first; refused from a callback */
    if (rc == HA_OK) {
        hai_reader_busy(r, 1);
        rc = run(r, &map, threads, hai_reader_allocator(r));
        hai_reader_busy(r, 0);
        hai_reader_drop_stream(r);
    }
    hai_os_unmap(&map);
    return rc;
}
