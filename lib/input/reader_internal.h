/* What reader.c offers the parallel reader. */
#ifndef HAI_READER_INTERNAL_H
#define HAI_READER_INTERNAL_H

#include "handleaudit/handleaudit.h"

/* Record an error about a whole input (no position): "WHAT PATH: DETAIL".
 * Returns `code`. */
int hai_reader_fail(ha_reader *r, int code, const char *what, const char *path, const char *detail);
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
