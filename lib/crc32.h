/* CRC-32 (IEEE 802.3, as zlib's crc32()): state snapshots and .evtx
 * headers and chunks are checked with it. */
#ifndef HAI_CRC32_H
#define HAI_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* hai_crc32(hai_crc32(0, a), b) is the checksum of a then b. */
uint32_t hai_crc32(uint32_t crc, const void *data, size_t len);

#endif
