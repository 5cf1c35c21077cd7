/* For tests that write snapshot bytes by hand (a valid header and checksum
 * around a body of their choosing): little-endian integers and the CRC-32
 * the format ends with, written here apart from the library's own. */
#ifndef HA_TEST_SNAPSHOT_BYTES_H
#define HA_TEST_SNAPSHOT_BYTES_H

#include <stddef.h>
#include <stdint.h>

static inline uint32_t snapshot_crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    while (n--) {
        c ^= *p++;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

/* v as n little-endian bytes at p. */
static inline void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

#endif
