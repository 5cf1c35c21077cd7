/* A .evtx byte stream cut anywhere: the file header and each chunk are
 * gathered (or decoded in place when a caller's buffer holds them whole)
 * and handed to the decoder; a stop by a callback keeps the rest for the
 * next call. Memory: one 64 KiB chunk, plus what a stopped call left. */
#ifndef HAI_EVTX_STREAM_H
#define HAI_EVTX_STREAM_H

#include "alloc.h"
#include "evtx.h"

typedef struct hai_evtx_stream {
    hai_evtx *dec;
    uint8_t *buf;     /* HAI_EVTX_CHUNK bytes, once needed */
    size_t have;      /* bytes gathered in buf */
    int in_header;    /* the file header is being gathered */
    uint64_t off;     /* stream offset of the unit being gathered */
    uint64_t index;   /* its chunk index */
    size_t next;      /* decoding of a stopped unit goes on here */
    int pending;      /* buf holds a unit (have bytes) whose decoding stopped */
    hai_buf rest;     /* bytes a stopped call did not reach */
    const ha_allocator *alloc;
} hai_evtx_stream;

void hai_evtx_stream_init(hai_evtx_stream *st, const ha_allocator *a);
void hai_evtx_stream_reset(hai_evtx_stream *st);
void hai_evtx_stream_free(hai_evtx_stream *st);
/* Decode what `p[0, n)` completes. 0, HA_ERR_NOMEM or a callback's value. */
int hai_evtx_stream_feed(hai_evtx_stream *st, const uint8_t *p, size_t n, const hai_evtx_sink *s);
/* The stream ended: decode what is left (a chunk cut short included). */
int hai_evtx_stream_finish(hai_evtx_stream *st, const hai_evtx_sink *s);

#endif
