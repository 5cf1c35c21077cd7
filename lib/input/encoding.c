/* Text that is not UTF-8. The reader reads UTF-8 (with or without its byte
 * order mark) only, as every tool that exports these logs writes it; but
 * PowerShell's `>` and Out-File write UTF-16, and a Windows user may save
 * Event Viewer's XML in "Unicode". Such input would otherwise get a
 * message about data outside an event that says nothing of the cause. */
#include "encoding.h"

#include <string.h>

#define GENERIC "unexpected data outside an event"

struct pattern {
    const char *bytes; /* what the stream begins with */
    size_t n;
    const char *message;
};

#define CONVERT(enc) " (convert it first: iconv -f " enc " -t UTF-8)"

/* Longest first: UTF-32LE's mark begins with UTF-16LE's. */
static const struct pattern patterns[] = {
    {"\x00\x00\xFE\xFF", 4, "the input is UTF-32BE (byte order mark 00 00 FE FF), not UTF-8" CONVERT("UTF-32BE")},
    {"\xFF\xFE\x00\x00", 4, "the input is UTF-32LE (byte order mark FF FE 00 00), not UTF-8" CONVERT("UTF-32LE")},
    {"<\x00\x00\x00", 4, "the input looks like UTF-32LE ('<' then three zero bytes), not UTF-8" CONVERT("UTF-32LE")},
    {"\x00\x00\x00<", 4, "the input looks like UTF-32BE (three zero bytes then '<'), not UTF-8" CONVERT("UTF-32BE")},
    {"\xFF\xFE", 2, "the input is UTF-16LE (byte order mark FF FE), not UTF-8" CONVERT("UTF-16LE")},
    {"\xFE\xFF", 2, "the input is UTF-16BE (byte order mark FE FF), not UTF-8" CONVERT("UTF-16BE")},
    {"<\x00", 2, "the input looks like UTF-16LE ('<' then a zero byte), not UTF-8" CONVERT("UTF-16LE")},
    {"\x00<", 2, "the input looks like UTF-16BE (a zero byte then '<'), not UTF-8" CONVERT("UTF-16BE")},
    {"\x2B\x2F\x76", 3, "the input is UTF-7 (byte order mark 2B 2F 76), not UTF-8" CONVERT("UTF-7")},
    {"\x4C\x6F\xA7\x94", 4, "the input looks like EBCDIC ('<?xm' in EBCDIC), not UTF-8"},
};

const char *hai_outside_message(int at_start, const char *p, size_t n)
{
    if (!at_start)
        return GENERIC;
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++)
        if (n >= patterns[k].n && memcmp(p, patterns[k].bytes, patterns[k].n) == 0)
            return patterns[k].message;
    return GENERIC;
}
