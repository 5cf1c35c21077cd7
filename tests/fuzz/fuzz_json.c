/* The JSON output path on records built from arbitrary bytes (names and
 * values may hold invalid UTF-8, control characters, quotes): the output is
 * always one valid JSON object, the same text whatever the buffer size; and
 * so is each output format's line for the record (ECS, Timesketch). */
#include <string.h>

#include <handleaudit/handleaudit.h>

#include "fuzz.h"
#include "json_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ha_record *r;
    FUZZ_ASSERT(ha_record_new(NULL, &r) == HA_OK);
    int64_t t = 0;
    if (size >= 8)
        memcpy(&t, data, 8);
    char host[33] = {0};
    memcpy(host, data, size < 32 ? size : 32);
    for (size_t i = 0; i < 32; i++)
        if (host[i] == '\0')
            host[i] = 'x';
    FUZZ_ASSERT(ha_record_set_system(r, size ? data[0] * 37u : 4656, 1, size > 1 ? (uint64_t)data[1] << 52 : 0, t,
                                     size, host) == HA_OK);
    /* pairs: [len name][len value]... with NULs mapped away */
    size_t i = 8 < size ? 8 : size;
    while (i + 2 <= size) {
        size_t nl = data[i] % 24, vl = data[i + 1];
        i += 2;
        if (nl + vl > size - i)
            break;
        char name[32], value[256];
        for (size_t k = 0; k < nl; k++)
            name[k] = data[i + k] ? (char)data[i + k] : '?';
        name[nl] = '\0';
        for (size_t k = 0; k < vl; k++)
            value[k] = data[i + nl + k] ? (char)data[i + nl + k] : '?';
        i += nl + vl;
        /* some names are known fields so the typed paths are taken */
        static const char *const known[] = {"HandleId", "ProcessId", "AccessMask", "ObjectName", "AccessList"};
        const char *use = nl == 1 ? known[(unsigned char)name[0] % 5] : name;
        FUZZ_ASSERT(ha_record_add_data(r, use, value, vl) == HA_OK);
    }
    size_t n = ha_record_json(r, NULL, 0);
    char *buf = malloc(n + 1);
    FUZZ_ASSERT(buf && ha_record_json(r, buf, n + 1) == n && buf[n] == '\0');
    FUZZ_ASSERT(json_valid(buf, n));
    /* a short buffer gets a NUL-terminated prefix of the same text */
    size_t cap = size ? data[size - 1] % (n + 1) : 0;
    if (cap) {
        char *small = malloc(cap);
        FUZZ_ASSERT(small && ha_record_json(r, small, cap) == n);
        FUZZ_ASSERT(memcmp(small, buf, cap - 1) == 0 && small[cap - 1] == '\0');
        free(small);
    }
    /* every format with a record form: valid JSON lines, the same text whatever the buffer */
    static const ha_format formats[] = {HA_FORMAT_JSONL, HA_FORMAT_ECS, HA_FORMAT_TIMESKETCH};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        size_t m = ha_record_format(r, formats[f], NULL, 0);
        char *line = malloc(m + 1);
        FUZZ_ASSERT(line && m > 1 && ha_record_format(r, formats[f], line, m + 1) == m);
        FUZZ_ASSERT(line[m - 1] == '\n' && json_valid(line, m - 1));
        if (cap && cap <= m) {
            char *small = malloc(cap);
            FUZZ_ASSERT(small && ha_record_format(r, formats[f], small, cap) == m);
            FUZZ_ASSERT(memcmp(small, line, cap - 1) == 0 && small[cap - 1] == '\0');
            free(small);
        }
        free(line);
    }
    char tbuf[40];
    size_t tl = ha_time_format(t, tbuf, sizeof tbuf);
    FUZZ_ASSERT(tl == (t == INT64_MIN ? 0u : 28u) && strlen(tbuf) == tl);
    free(buf);
    ha_record_free(r);
    return 0;
}
