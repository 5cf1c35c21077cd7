/* BinXML values as text: every value type rendered as libevtx renders it
 * (and Windows, but for the zero-padding of hex integers), straight from
 * the chunk's bytes into a buffer. */
#ifndef HAI_EVTX_VALUES_H
#define HAI_EVTX_VALUES_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

/* Value types (the array types are these | HAI_VT_ARRAY). */
enum {
    HAI_VT_NULL = 0x00,
    HAI_VT_STRING = 0x01,
    HAI_VT_ANSI = 0x02,
    HAI_VT_INT8 = 0x03,
    HAI_VT_UINT8 = 0x04,
    HAI_VT_INT16 = 0x05,
    HAI_VT_UINT16 = 0x06,
    HAI_VT_INT32 = 0x07,
    HAI_VT_UINT32 = 0x08,
    HAI_VT_INT64 = 0x09,
    HAI_VT_UINT64 = 0x0a,
    HAI_VT_REAL32 = 0x0b,
    HAI_VT_REAL64 = 0x0c,
    HAI_VT_BOOL = 0x0d,
    HAI_VT_BINARY = 0x0e,
    HAI_VT_GUID = 0x0f,
    HAI_VT_SIZET = 0x10,
    HAI_VT_FILETIME = 0x11,
    HAI_VT_SYSTEMTIME = 0x12,
    HAI_VT_SID = 0x13,
    HAI_VT_HEX32 = 0x14,
    HAI_VT_HEX64 = 0x15,
    HAI_VT_EVTHANDLE = 0x20,
    HAI_VT_BINXML = 0x21,
    HAI_VT_EVTXML = 0x23,
    HAI_VT_ARRAY = 0x80,
};

/* What rendering found (bits of *flags). */
enum {
    HAI_RENDER_CONTROL = 1u << 0, /* a character XML 1.0 forbids became U+FFFD */
    HAI_RENDER_BAD = 1u << 1,     /* the value's size does not fit its type */
};

/* Text as an XML parser reports it: in element text a CR LF or a lone CR
 * becomes LF; in an attribute value a tab, CR or LF becomes a space (a CR
 * LF one space). So a record read from .evtx equals the one read from its
 * XML rendering. */
enum { HAI_TEXT_CONTENT = 0, HAI_TEXT_ATTRIBUTE = 1 };

/* Append value `p[0, n)` of `type` to `out`, as text. A string ends at its
 * first NUL. 0, or -1 when memory runs out. */
int hai_evtx_render(hai_buf *out, const ha_allocator *a, unsigned type, const uint8_t *p, size_t n, int where,
                    unsigned *flags);

/* The size of one item of a fixed-size type, 0 for the others. */
size_t hai_evtx_item_size(unsigned type);

/* UTF-16LE `units` code units (stopping at a NUL) to UTF-8, appended. */
int hai_utf16_append(hai_buf *out, const ha_allocator *a, const uint8_t *p, size_t units, int where,
                     unsigned *flags);

/* A FILETIME (100 ns ticks since 1601) as nanoseconds since 1970; 0 when it
 * is out of the int64 range. */
int hai_filetime_ns(uint64_t ft, int64_t *ns);

#endif
