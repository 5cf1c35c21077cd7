/* The reader on any bytes, in any chunking. Oracle: every chunking gives the
 * same records and diagnostics as the whole buffer at once, parsing runs of
 * events in one expat call gives the same as one event per call, and every
 * record's JSON is well-formed (reader_digest.h). */
#include "reader_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_readings(data, size);
    return 0;
}
