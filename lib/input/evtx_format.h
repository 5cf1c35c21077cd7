/* The EVTX file format: sizes, offsets and little-endian reads.
 *
 * A file is a 4096-byte header, then chunks of 65536 bytes. A chunk is a
 * 512-byte header (with a table of common strings and of templates, both
 * caches only), then event records back to back up to its free-space
 * offset. A record is a 24-byte header, BinXML, and a copy of its size.
 * See docs/inputs.md, "Windows .evtx files". */
#ifndef HAI_EVTX_FORMAT_H
#define HAI_EVTX_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc32.h"

#define HAI_EVTX_FILE_HEADER 4096u
#define HAI_EVTX_CHUNK 65536u
#define HAI_EVTX_CHUNK_HEADER 512u
#define HAI_EVTX_RECORD_HEADER 24u
#define HAI_EVTX_RECORD_MIN 28u /* header and the size's copy */

static inline uint16_t hai_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static inline uint32_t hai_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t hai_le64(const uint8_t *p) { return hai_le32(p) | (uint64_t)hai_le32(p + 4) << 32; }


#endif
