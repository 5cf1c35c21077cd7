/* BinXML values to text, in libevtx's rendering: decimal integers, `0x`
 * and zero-padded lowercase hex for HexInt32/64 and SizeT, uppercase GUIDs
 * in braces, `S-1-...` SIDs, FILETIME and SYSTEMTIME as ISO 8601 with nine
 * fractional digits and `Z`, binary as uppercase hex, booleans as `true` or
 * `false`, arrays as their items one after the other. */
#include "evtx_values.h"

#include <stdio.h>

#include "convert.h"
#include "evtx_format.h"

#define FFFD "\xef\xbf\xbd"

/* ---- UTF-16 -------------------------------------------------------------- */

/* Four code units of 0x20 to 0x7f: plain ASCII that needs no care. */
static inline int plain4(uint64_t v)
{
    return (v & 0xff80ff80ff80ff80u) == 0 && ((v + 0x0060006000600060u) & 0x0080008000800080u) == 0x0080008000800080u;
}

int hai_utf16_append(hai_buf *out, const ha_allocator *a, const uint8_t *p, size_t units, int where,
                     unsigned *flags)
{
    if (units > (SIZE_MAX - 1) / 3 || hai_buf_reserve(out, a, units * 3 + 1) != 0)
        return -1;
    unsigned char *o = (unsigned char *)out->data + out->len;
    size_t i = 0;
    while (i < units) {
        if (i + 4 <= units) {
            uint64_t v;
            memcpy(&v, p + 2 * i, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            v = hai_le64(p + 2 * i);
#endif
            if (plain4(v)) {
                o[0] = (unsigned char)v;
                o[1] = (unsigned char)(v >> 16);
                o[2] = (unsigned char)(v >> 32);
                o[3] = (unsigned char)(v >> 48);
                o += 4;
                i += 4;
                continue;
            }
        }
        uint32_t c = hai_le16(p + 2 * i++);
        if (c >= 0x20 && c < 0x80) {
            *o++ = (unsigned char)c;
            continue;
        }
        if (c == 0)
            break;
        if (c < 0x20) {
            if (c == '\r') { /* CR LF and a lone CR: one LF, or one space in an attribute */
                if (i < units && hai_le16(p + 2 * i) == '\n')
                    i++;
                *o++ = where == HAI_TEXT_ATTRIBUTE ? ' ' : '\n';
            } else if (c == '\n' || c == '\t') {
                *o++ = where == HAI_TEXT_ATTRIBUTE ? ' ' : (unsigned char)c;
            } else {
                memcpy(o, FFFD, 3);
                o += 3;
                *flags |= HAI_RENDER_CONTROL;
            }
            continue;
        }
        if (c < 0x800) {
            *o++ = (unsigned char)(0xc0 | c >> 6);
            *o++ = (unsigned char)(0x80 | (c & 0x3f));
            continue;
        }
        if (c >= 0xd800 && c < 0xdc00 && i < units) {
            uint32_t d = hai_le16(p + 2 * i);
            if (d >= 0xdc00 && d < 0xe000) {
                i++;
                c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
                *o++ = (unsigned char)(0xf0 | c >> 18);
                *o++ = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
                *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
                *o++ = (unsigned char)(0x80 | (c & 0x3f));
                continue;
            }
        }
        if ((c >= 0xd800 && c < 0xe000) || c >= 0xfffe) { /* a lone surrogate, U+FFFE, U+FFFF */
            memcpy(o, FFFD, 3);
            o += 3;
            *flags |= HAI_RENDER_CONTROL;
            continue;
        }
        *o++ = (unsigned char)(0xe0 | c >> 12);
        *o++ = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        *o++ = (unsigned char)(0x80 | (c & 0x3f));
    }
    out->len = (size_t)(o - (unsigned char *)out->data);
    return 0;
}

/* An ANSI string (code page 1252 read as Latin-1), up to its first NUL. */
static int ansi_append(hai_buf *out, const ha_allocator *a, const uint8_t *p, size_t n, int where, unsigned *flags)
{
    if (n > (SIZE_MAX - 1) / 2 || hai_buf_reserve(out, a, n * 2 + 1) != 0)
        return -1;
    char *o = out->data + out->len;
    for (size_t i = 0; i < n && p[i]; i++) {
        uint8_t c = p[i];
        if (c == '\r') {
            if (i + 1 < n && p[i + 1] == '\n')
                i++;
            *o++ = where == HAI_TEXT_ATTRIBUTE ? ' ' : '\n';
        } else if (c < 0x20 && c != '\n' && c != '\t') {
            *o++ = '?';
            *flags |= HAI_RENDER_CONTROL;
        } else if (c < 0x20) {
            *o++ = where == HAI_TEXT_ATTRIBUTE ? ' ' : (char)c;
        } else if (c < 0x80) {
            *o++ = (char)c;
        } else {
            *o++ = (char)(0xc0 | c >> 6);
            *o++ = (char)(0x80 | (c & 0x3f));
        }
    }
    out->len = (size_t)(o - out->data);
    return 0;
}

/* ---- numbers --------------------------------------------------------------- */

static char *put_u64(char *o, uint64_t v)
{
    char tmp[20];
    int k = 0;
    do {
        tmp[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (k)
        *o++ = tmp[--k];
    return o;
}

static char *put_i64(char *o, int64_t v)
{
    if (v < 0) {
        *o++ = '-';
        return put_u64(o, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(o, (uint64_t)v);
}

static char *put_hex(char *o, uint64_t v, int digits, const char *xd)
{
    for (int k = digits - 1; k >= 0; k--)
        *o++ = xd[(v >> (4 * k)) & 0xf];
    return o;
}

static const char lower[] = "0123456789abcdef";
static const char upper[] = "0123456789ABCDEF";

static char *put_2(char *o, unsigned v)
{
    *o++ = (char)('0' + v / 10 % 10);
    *o++ = (char)('0' + v % 10);
    return o;
}

/* `YYYY-MM-DDTHH:MM:SS.` then `frac` (nine digits) and `Z`. */
static char *put_datetime(char *o, int64_t y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
                          uint32_t frac)
{
    if (y < 0 || y > 9999)
        y = 0;
    o = put_2(o, (unsigned)(y / 100));
    o = put_2(o, (unsigned)(y % 100));
    *o++ = '-';
    o = put_2(o, mo);
    *o++ = '-';
    o = put_2(o, d);
    *o++ = 'T';
    o = put_2(o, h);
    *o++ = ':';
    o = put_2(o, mi);
    *o++ = ':';
    o = put_2(o, s);
    *o++ = '.';
    for (uint32_t div = 100000000u; div; div /= 10)
        *o++ = (char)('0' + frac / div % 10);
    *o++ = 'Z';
    return o;
}

/* 11644473600 seconds from 1601 to 1970. */
#define FT_EPOCH_TICKS 116444736000000000ull

int hai_filetime_ns(uint64_t ft, int64_t *ns)
{
    /* ticks relative to 1970, within int64 nanoseconds (|t| < 2^63 / 100) */
    int64_t t = ft >= FT_EPOCH_TICKS ? (int64_t)(ft - FT_EPOCH_TICKS) : -(int64_t)(FT_EPOCH_TICKS - ft);
    if (t > INT64_MAX / 100 || t < INT64_MIN / 100 + 1)
        return 0;
    *ns = t * 100;
    return 1;
}

static char *put_filetime(char *o, uint64_t ft)
{
    uint64_t secs = ft / 10000000u, ticks = ft % 10000000u;
    int64_t days = (int64_t)(secs / 86400) + hai_days_from_civil(1601, 1, 1);
    unsigned sod = (unsigned)(secs % 86400);
    int64_t y;
    unsigned m, d;
    hai_civil_from_days(days, &y, &m, &d);
    return put_datetime(o, y, m, d, sod / 3600, sod / 60 % 60, sod % 60, (uint32_t)ticks * 100);
}

static char *put_guid(char *o, const uint8_t *p)
{
    *o++ = '{';
    o = put_hex(o, hai_le32(p), 8, upper);
    *o++ = '-';
    o = put_hex(o, hai_le16(p + 4), 4, upper);
    *o++ = '-';
    o = put_hex(o, hai_le16(p + 6), 4, upper);
    *o++ = '-';
    for (int i = 8; i < 16; i++) {
        if (i == 10)
            *o++ = '-';
        o = put_hex(o, p[i], 2, upper);
    }
    *o++ = '}';
    return o;
}

/* A SID: revision, sub-authority count, 48-bit big-endian authority, then
 * the 32-bit little-endian sub-authorities. NULL when `n` is too short. */
static char *put_sid(char *o, const uint8_t *p, size_t n)
{
    if (n < 8 || n < 8 + 4 * (size_t)p[1])
        return NULL;
    uint64_t auth = 0;
    for (int i = 2; i < 8; i++)
        auth = auth << 8 | p[i];
    *o++ = 'S';
    *o++ = '-';
    o = put_u64(o, p[0]);
    *o++ = '-';
    if (auth >> 32) {
        *o++ = '0';
        *o++ = 'x';
        o = put_hex(o, auth, 12, upper);
    } else {
        o = put_u64(o, auth);
    }
    for (unsigned i = 0; i < p[1]; i++) {
        *o++ = '-';
        o = put_u64(o, hai_le32(p + 8 + 4 * i));
    }
    return o;
}

/* The size of one item of a fixed-size type, 0 for the others. */
size_t hai_evtx_item_size(unsigned type)
{
    switch (type) {
    case HAI_VT_INT8:
    case HAI_VT_UINT8:
        return 1;
    case HAI_VT_INT16:
    case HAI_VT_UINT16:
        return 2;
    case HAI_VT_INT32:
    case HAI_VT_UINT32:
    case HAI_VT_REAL32:
    case HAI_VT_BOOL:
    case HAI_VT_HEX32:
        return 4;
    case HAI_VT_INT64:
    case HAI_VT_UINT64:
    case HAI_VT_REAL64:
    case HAI_VT_FILETIME:
    case HAI_VT_HEX64:
        return 8;
    case HAI_VT_GUID:
    case HAI_VT_SYSTEMTIME:
        return 16;
    default:
        return 0;
    }
}

/* One fixed-size item (p holds hai_evtx_item_size(type) bytes) into o (room for 64). */
static char *put_item(char *o, unsigned type, const uint8_t *p, size_t n)
{
    char buf[64];
    switch (type) {
    case HAI_VT_INT8:
        return put_i64(o, (int8_t)p[0]);
    case HAI_VT_UINT8:
        return put_u64(o, p[0]);
    case HAI_VT_INT16:
        return put_i64(o, (int16_t)hai_le16(p));
    case HAI_VT_UINT16:
        return put_u64(o, hai_le16(p));
    case HAI_VT_INT32:
        return put_i64(o, (int32_t)hai_le32(p));
    case HAI_VT_UINT32:
        return put_u64(o, hai_le32(p));
    case HAI_VT_INT64:
        return put_i64(o, (int64_t)hai_le64(p));
    case HAI_VT_UINT64:
        return put_u64(o, hai_le64(p));
    case HAI_VT_HEX32:
        *o++ = '0';
        *o++ = 'x';
        return put_hex(o, hai_le32(p), 8, lower);
    case HAI_VT_HEX64:
        *o++ = '0';
        *o++ = 'x';
        return put_hex(o, hai_le64(p), 16, lower);
    case HAI_VT_SIZET:
        *o++ = '0';
        *o++ = 'x';
        return n == 8 ? put_hex(o, hai_le64(p), 16, lower) : put_hex(o, hai_le32(p), 8, lower);
    case HAI_VT_BOOL:
        if (hai_le32(p)) {
            memcpy(o, "true", 4);
            return o + 4;
        }
        memcpy(o, "false", 5);
        return o + 5;
    case HAI_VT_REAL32: {
        float f;
        uint32_t u = hai_le32(p);
        memcpy(&f, &u, 4);
        int k = snprintf(buf, sizeof buf, "%.9g", (double)f);
        memcpy(o, buf, (size_t)k);
        return o + k;
    }
    case HAI_VT_REAL64: {
        double f;
        uint64_t u = hai_le64(p);
        memcpy(&f, &u, 8);
        int k = snprintf(buf, sizeof buf, "%.17g", f);
        memcpy(o, buf, (size_t)k);
        return o + k;
    }
    case HAI_VT_GUID:
        return put_guid(o, p);
    case HAI_VT_FILETIME:
        return put_filetime(o, hai_le64(p));
    case HAI_VT_SYSTEMTIME: {
        unsigned y = hai_le16(p), mo = hai_le16(p + 2), d = hai_le16(p + 6), h = hai_le16(p + 8);
        unsigned mi = hai_le16(p + 10), s = hai_le16(p + 12), ms = hai_le16(p + 14);
        return put_datetime(o, y, mo % 100, d % 100, h % 100, mi % 100, s % 100, (ms % 1000) * 1000000u);
    }
    default:
        return o;
    }
}

int hai_evtx_render(hai_buf *out, const ha_allocator *a, unsigned type, const uint8_t *p, size_t n, int where,
                    unsigned *flags)
{
    unsigned base = type & ~(unsigned)HAI_VT_ARRAY;
    if (base == HAI_VT_STRING && !(type & HAI_VT_ARRAY))
        return hai_utf16_append(out, a, p, n / 2, where, flags);
    if (base == HAI_VT_ANSI && !(type & HAI_VT_ARRAY))
        return ansi_append(out, a, p, n, where, flags);
    if (type & HAI_VT_ARRAY) {
        if (base == HAI_VT_STRING) { /* NUL-terminated strings one after the other */
            size_t units = n / 2, i = 0;
            while (i < units) {
                size_t j = i;
                while (j < units && hai_le16(p + 2 * j))
                    j++;
                if (hai_utf16_append(out, a, p + 2 * i, j - i, where, flags) != 0)
                    return -1;
                i = j + 1;
            }
            return 0;
        }
        size_t sz = hai_evtx_item_size(base);
        if (!sz) {
            *flags |= HAI_RENDER_BAD;
            return 0;
        }
        if (n % sz)
            *flags |= HAI_RENDER_BAD;
        for (size_t i = 0; i + sz <= n; i += sz)
            if (hai_evtx_render(out, a, base, p + i, sz, where, flags) != 0)
                return -1;
        return 0;
    }
    switch (base) {
    case HAI_VT_NULL:
        return 0;
    case HAI_VT_BINARY:
    case HAI_VT_EVTHANDLE:
    case HAI_VT_BINXML:
    case HAI_VT_EVTXML: {
        if (n > SIZE_MAX / 2 - 1 || hai_buf_reserve(out, a, 2 * n + 1) != 0)
            return -1;
        char *o = out->data + out->len;
        for (size_t i = 0; i < n; i++)
            o = put_hex(o, p[i], 2, upper);
        out->len = (size_t)(o - out->data);
        return 0;
    }
    case HAI_VT_SID: {
        if (hai_buf_reserve(out, a, 16 + 11 * (size_t)(n / 4 + 1)) != 0)
            return -1;
        char *o = put_sid(out->data + out->len, p, n);
        if (!o) {
            *flags |= HAI_RENDER_BAD;
            return 0;
        }
        out->len = (size_t)(o - out->data);
        return 0;
    }
    case HAI_VT_SIZET:
        if (n != 4 && n != 8) {
            *flags |= HAI_RENDER_BAD;
            return 0;
        }
        break;
    default: {
        size_t sz = hai_evtx_item_size(base);
        if (!sz || n < sz) {
            *flags |= HAI_RENDER_BAD;
            return 0;
        }
        break;
    }
    }
    if (hai_buf_reserve(out, a, 64) != 0)
        return -1;
    out->len = (size_t)(put_item(out->data + out->len, base, p, n) - out->data);
    return 0;
}
