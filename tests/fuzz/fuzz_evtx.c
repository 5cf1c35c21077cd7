/* The reader on .evtx bytes: any input, given the EVTX file signature
 * ("ElfFile\0") in front when it lacks it, so that every input reaches the
 * decoder. Oracle (reader_digest.h): read whole, in small chunks and stopped
 * by the record callback now and then, it gives the same records and
 * diagnostics, every record's JSON is well-formed, and diagnostics have no
 * line or column (0: a .evtx has byte offsets only). An input whose last
 * chunk is cut short is read twice: as it is (a truncated file) and padded
 * with zeros to the chunk's 65,536 bytes, so that inputs under libFuzzer's
 * length limit still give the decoder whole chunks to decode. */
#include "reader_digest.h"

#define EVTX_HEADER 4096u
#define EVTX_CHUNK 65536u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t sig[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', 0};
    digest_lines = 0;
    size_t pre = size >= 8 && memcmp(data, sig, 8) == 0 ? 0 : 8;
    size_t n = pre + size, padded = n;
    if (n > EVTX_HEADER && (n - EVTX_HEADER) % EVTX_CHUNK != 0)
        padded = n + EVTX_CHUNK - (n - EVTX_HEADER) % EVTX_CHUNK;
    uint8_t *buf = calloc(1, padded);
    FUZZ_ASSERT(buf != NULL);
    memcpy(buf, sig, pre);
    if (size)
        memcpy(buf + pre, data, size);
    check_readings(buf, n);
    if (padded != n)
        check_readings(buf, padded);
    free(buf);
    return 0;
}
