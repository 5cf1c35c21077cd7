/* The .evtx decoder: a file header, then chunks, each decoded on its own
 * into records through a sink. The reader (evtx_stream.c) feeds it from
 * any source; the parallel reader gives each thread its own decoder. */
#ifndef HAI_EVTX_H
#define HAI_EVTX_H

#include <stddef.h>
#include <stdint.h>

#include "handleaudit/handleaudit.h"

#define HAI_EVTX_NO_RECORD UINT64_MAX

typedef struct hai_evtx hai_evtx;

/* Where records and diagnostics go. */
typedef struct hai_evtx_sink {
    /* A record, borrowed until the call returns. Non-zero stops. */
    int (*record)(void *ctx, const ha_record *rec);
    /* A problem at stream offset `offset`, in chunk `chunk` (UINT64_MAX: the
     * file header), about record `record` (HAI_EVTX_NO_RECORD: none).
     * `message` is static. Non-zero stops. */
    int (*diag)(void *ctx, int code, int warning, uint64_t offset, uint64_t chunk, uint64_t record,
                const char *message);
    /* 1 when records of this EventID are wanted. NULL: all are. */
    int (*wanted)(void *ctx, uint32_t event_id);
    /* A record left out by `wanted`. May be NULL. */
    void (*filtered)(void *ctx);
    void *ctx;
} hai_evtx_sink;

typedef struct hai_evtx_limits {
    size_t max_event; /* text bytes of one record */
    size_t max_field; /* bytes of one value */
    unsigned max_depth;
    int strict; /* records the filter leaves out are still decoded whole */
} hai_evtx_limits;

int hai_evtx_new(const ha_allocator *a, const hai_evtx_limits *limits, hai_evtx **out);
void hai_evtx_free(hai_evtx *e);

/* The file header, p[0, n) with n <= 4096 (shorter when the stream ended).
 * Only diagnostics: the chunks are read whatever it says. */
int hai_evtx_file_header(hai_evtx *e, const uint8_t *p, size_t n, const hai_evtx_sink *s);

/* The chunk count a sound file header p[0, n) gives, UINT64_MAX when it is
 * not sound. Chunks past it that hold no record are not reported. */
uint64_t hai_evtx_header_chunks(const uint8_t *p, size_t n);
/* For a decoder that starts past the file header (a parallel worker). */
void hai_evtx_set_file_chunks(hai_evtx *e, uint64_t chunks);

/* `*next` is where decoding of this chunk goes on: 0 for a new chunk (its
 * header is checked first), and after a stop the offset to resume at.
 * HAI_EVTX_CHUNK_DONE when the chunk is done. */
#define HAI_EVTX_CHUNK_DONE SIZE_MAX
/* Decode chunk `index`, p[0, n) at stream offset `off` (n < 65536 when the
 * stream ends inside it). Returns 0, HA_ERR_NOMEM, or a sink's non-zero
 * value (then *next says where to go on). */
int hai_evtx_chunk(hai_evtx *e, const uint8_t *p, size_t n, uint64_t off, uint64_t index, size_t *next,
                   const hai_evtx_sink *s);

/* 1 when a stream beginning with p[0, n) is a .evtx log: at least 5 of its
 * first 8 bytes are the file signature "ElfFile\0" (so that a damaged
 * signature still counts). The one place the format is decided. */
int hai_evtx_sniff(const uint8_t *p, size_t n);

#endif
