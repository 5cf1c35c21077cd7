/* CRC-32 (the reflected 0xEDB88320 polynomial, as zlib's crc32()), eight
 * bytes a step (slicing-by-8). EVTX checks file and chunk headers and a
 * chunk's records with it. */
#include "evtx_format.h"

#include "crc32_table.h"

uint32_t hai_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint32_t(*t)[256] = hai_crc32_table;
    const uint8_t *p = data;
    crc = ~crc;
    while (len >= 8) {
        uint32_t a = hai_le32(p) ^ crc, b = hai_le32(p + 4);
        crc = t[7][a & 0xff] ^ t[6][(a >> 8) & 0xff] ^ t[5][(a >> 16) & 0xff] ^ t[4][a >> 24] ^ t[3][b & 0xff] ^
              t[2][(b >> 8) & 0xff] ^ t[1][(b >> 16) & 0xff] ^ t[0][b >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
    return ~crc;
}
