/* A reader's diagnostics: each problem the sources meet (framer, expat,
 * .evtx decoder, files) becomes the reader's last diagnostic, counted and
 * handed to on_diag, placed at its byte, line and column. The sources call
 * this; it calls none of them. */
#include <stdio.h>

#include "diag.h"
#include "reader_internal.h"

int hai_reader_report(ha_reader *r, const char *win, int code, int warning, const char *message, uint64_t off,
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
    hai_reader_locate(r, win, off, &d->line, &d->column);
    r->have_diag = 1;
    r->counters[warning ? HA_COUNT_WARNINGS : HA_COUNT_ERRORS]++;
    return r->on_diag ? r->on_diag(d, r->userdata) : 0;
}

/* A diagnostic about the stream as a whole, placed where the reader stands
 * (the stream's start for a file that cannot be opened). Returns `code`. */
int hai_reader_stream_diag(ha_reader *r, int code, const char *message)
{
    ha_diag *d = &r->diag;
    hai_diag_set(d, code, 0, message);
    d->offset = d->event_offset = r->counted;
    d->line = r->line;
    d->column = r->counted - r->line_start + 1;
    r->have_diag = 1;
    return code;
}

/* Report the event at win[s, ...) as cut short by the `<Event` at k. */
int hai_xml_report_truncated(ha_reader *r, const char *win, size_t k)
{
    return hai_reader_report(r, win, HA_ERR_TRUNCATED, 0, "the event was cut short: a new <Event begins before its </Event>",
                  r->base + k, r->ev_off);
}
