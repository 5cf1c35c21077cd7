/* Builds a record from one event's XML through expat's callbacks. The
 * reader owns the expat parser and feeds it one framed event at a time. */
#ifndef HAI_PARSE_H
#define HAI_PARSE_H

#include <expat.h>

#include "alloc.h"
#include "builder.h"
#include "record.h"

#define HAI_MAX_PENDING_WARNINGS 8

typedef struct hai_warning {
    int code;
    XML_Index index; /* expat byte index where it was found */
    const char *message; /* static */
} hai_warning;

typedef struct hai_builder {
    hai_rb rb; /* the record and its arena (lib/record/builder.h) */
    XML_Parser xp;

    int in_root;      /* the synthetic root element was opened */
    int error;        /* an ha_status set by a handler, 0 if none */
    XML_Index error_index;
    const char *error_message; /* static */
    hai_warning warnings[HAI_MAX_PENDING_WARNINGS];
    unsigned nwarnings;

    /* Batch mode: the reader hands expat a run of events in one call. Each
     * event that ends calls on_event (from inside expat); anything the
     * one-event path would treat differently (a name other than Event at
     * depth 1, an element named Event inside one, a comment, processing
     * instruction or CDATA section anywhere) stops the parser with
     * batch_stopped set; the reader checks the bytes between events. */
    int batch;
    int batch_stopped;
    XML_Index ev_start; /* expat's byte index of the current `<Event` */
    void (*on_event)(struct hai_builder *b, void *ctx);
    void *event_ctx;
} hai_builder;

void hai_builder_init(hai_builder *b, const ha_allocator *a, size_t max_field, unsigned max_depth);
void hai_builder_free(hai_builder *b);
/* Install the handlers on `xp` (again after every XML_ParserReset). */
void hai_builder_attach(hai_builder *b, XML_Parser xp);
/* Stop a batch: the parser stops, and batch_stopped is set. */
void hai_builder_batch_stop(hai_builder *b);
/* Forget a partial event (after a parse error). */
void hai_builder_abandon(hai_builder *b);
/* Point the record at the finished text and pairs. */
static inline void hai_builder_finish(hai_builder *b) { hai_rb_finish(&b->rb); }

#endif
