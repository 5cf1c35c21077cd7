/* The .evtx source beside the XML one: a stream the reader decided is a
 * .evtx log goes to the decoder (evtx_stream.c, evtx_chunk.c,
 * evtx_binxml.c), whose records and diagnostics reach the reader's
 * callbacks and counters here. */
#include <stdio.h>

#include "evtx_stream.h"
#include "reader_internal.h"

int ha_evtx_supported(void) { return 1; }


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

static int evtx_wanted(void *ctx, uint32_t event_id) { return hai_reader_wanted(ctx, event_id); }

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
    hai_evtx_limits lim = {r->max_event, r->b.rb.max_field, r->b.rb.max_depth, r->strict};
    return hai_evtx_new(&r->alloc, &lim, &r->evtx.dec);
}

int hai_evtx_source_feed(ha_reader *r, const void *data, size_t len)
{
    r->counters[HA_COUNT_BYTES] += len;
    if (evtx_ready(r) != 0)
        return HA_ERR_NOMEM;
    hai_evtx_sink s = evtx_sink(r);
    return hai_evtx_stream_feed(&r->evtx, data, len, &s);
}

int hai_evtx_source_finish(ha_reader *r)
{
    if (evtx_ready(r) != 0)
        return HA_ERR_NOMEM;
    hai_evtx_sink s = evtx_sink(r);
    return hai_evtx_stream_finish(&r->evtx, &s);
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

