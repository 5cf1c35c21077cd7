/* The XML source's sanitizer: an event that expat refused for a character
 * XML 1.0 forbids (a control character, U+FFFE/U+FFFF, or a character
 * reference to one) is copied with each such character replaced by U+FFFD,
 * each replacement reported as a warning, and parsed again; positions in
 * the copy are mapped back to the event's own bytes. */
#include <stdint.h>

#include "reader_internal.h"

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

int hai_xml_needs_clean(const char *ev, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (bad_at(ev + i, n - i))
            return 1;
    return 0;
}

/* Copy the event into r->clean with every forbidden character replaced by
 * U+FFFD, each reported as a warning. Returns HA_OK, HA_ERR_NOMEM or a
 * callback's stop value. */
int hai_xml_clean_event(ha_reader *r, const char *win, size_t s, size_t n)
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
        int rc = hai_reader_report(r, win, HA_ERR_CONTROL_CHAR, 1,
                        "a character XML 1.0 forbids was replaced by U+FFFD", r->ev_off + i, r->ev_off);
        if (rc)
            return rc;
        i += bad;
        from = i;
    }
    return hai_buf_append(&r->clean, &r->alloc, ev + from, n - from) ? HA_ERR_NOMEM : HA_OK;
}

/* Offset in the original event of offset `x` of the clean copy. */
size_t hai_xml_unclean(const ha_reader *r, size_t x)
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

