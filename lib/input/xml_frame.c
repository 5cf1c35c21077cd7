/* The XML source's framer: it finds each `<Event ...>...</Event>` in the
 * byte stream without parsing it, so that whatever surrounds the events (an
 * XML declaration of any version, an `<Events>` root, evtxexport's banner,
 * Event Viewer's `- ` prefixes) never reaches expat, and so that a
 * malformed event costs only itself: the next `<Event` starts afresh. Each
 * framed event goes to xml_event.c. */
#include <stdint.h>
#include <string.h>

#include "encoding.h"
#include "reader_internal.h"
#include "scan.h"

#define LOOKAHEAD 16            /* bytes that classify a '<' between events */
#define MAX_TOPLEVEL_TOKEN 4096 /* a declaration, comment, root tag or banner line */


static int end_delim(char c) { return hai_is_ws(c) || c == '>'; }

/* `<Event` followed by a delimiter at p. */
static int event_start_at(const char *p, size_t avail)
{
    return avail >= 7 && memcmp(p, "<Event", 6) == 0 && hai_xml_start_delim(p[6]);
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
    hai_reader_count_to(r, win, r->base + at);
    int rc = hai_reader_report(r, win, code, 0, msg, r->base + at, r->base + at);
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
        if (hai_is_ws(c)) {
            i++;
            continue;
        }
        if (c == '<') {
            if (avail < LOOKAHEAD && !final) {
                st = S_NEED_MORE;
                break;
            }
            if (event_start_at(p, avail)) {
                hai_reader_count_to(r, win, r->base + i);
                r->junk = 0;
                if (r->batch_skip) {
                    r->batch_skip = 0;
                } else if (r->batching && !r->batch_off && !r->filter && r->evtx_index < 0 &&
                           r->base + i >= r->batch_after) {
                    size_t at = i;
                    st = hai_xml_batch(r, win, len, &i);
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
            hai_reader_count_to(r, win, r->base + i);
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
    size_t k = hai_xml_nested_start(win, len, s + 1, lim);
    int rc;
    if (k != SIZE_MAX) {
        rc = hai_xml_report_truncated(r, win, k);
        r->mode = M_OUTSIDE;
        *ip = k;
    } else {
        rc = hai_reader_report(r, win, HA_ERR_EVENT_TOO_LARGE, 0, "an event exceeds the bytes-per-event limit", r->ev_off,
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
        size_t k = hai_xml_nested_start(win, len, s + 1, len);
        if (k != SIZE_MAX) {
            rc = hai_xml_report_truncated(r, win, k);
            *ip = k;
        } else if (r->cut) { /* the next piece begins with the `<Event` that cut it */
            rc = hai_xml_report_truncated(r, win, len);
            *ip = len;
        } else {
            rc = hai_reader_report(r, win, HA_ERR_TRUNCATED, 0, "the stream ended inside an event", r->base + len, r->ev_off);
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
    rc = hai_xml_dispatch(r, win, s, end - s, ip);
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
int hai_xml_process(ha_reader *r, const char *win, size_t len, int final, size_t *used)
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
    hai_reader_count_to(r, win, r->base + i);
    r->base += i;
    *used = i;
    return rc;
}

