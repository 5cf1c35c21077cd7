/* The state loader on any bytes. The length and checksum of the input are
 * made right first (a fuzzer could not guess a CRC), so that mutations reach
 * the structure checks behind them. Oracle: a snapshot is either refused
 * cleanly or loads into a consistent state: saved again it gives the same
 * bytes, loaded again the same state, and the correlator goes on working. */
#include <string.h>

#include <handleaudit/handleaudit.h>

#include "fuzz.h"
#include "snapshot_bytes.h"

static int count_ends(const ha_sequence *s, const ha_record *r, void *ud)
{
    (void)s;
    (void)r;
    ++*(size_t *)ud;
    return 0;
}

/* The snapshot of `c`, malloc'ed, its size in `*n`. */
static unsigned char *save_all(const ha_correlator *c, size_t *n)
{
    FUZZ_ASSERT(ha_correlator_save_buffer(c, NULL, 0, n) == HA_ERR_LIMIT);
    unsigned char *p = malloc(*n);
    size_t m = 0;
    FUZZ_ASSERT(p && ha_correlator_save_buffer(c, p, *n, &m) == HA_OK && m == *n);
    return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char magic[8] = {'H', 'A', 'S', 'T', 'A', 'T', 'E', 0x1a};
    /* a whole snapshot (its own format: 1 and 2 keep the length in the
     * header, 3 after the payload), or a body wrapped as format 3 */
    int whole = size >= 28 && memcmp(data, magic, 8) == 0;
    int old = whole && data[8] < 3;
    size_t n = whole ? size : size + 28;
    unsigned char *buf = malloc(n ? n : 1);
    FUZZ_ASSERT(buf);
    if (whole) {
        memcpy(buf, data, size);
    } else {
        memcpy(buf, magic, 8);
        put_le(buf + 8, 3, 4);
        put_le(buf + 12, 0, 4);
        memcpy(buf + 16, data, size);
    }
    if (!(whole && size > 9 && data[9] == 0xee)) { /* sometimes keep a wrong length or checksum */
        if (old)
            put_le(buf + 16, n - 28, 8);
        else
            put_le(buf + n - 12, n - 28, 8);
        put_le(buf + n - 4, snapshot_crc32(buf, n - 4), 4);
    }
    size_t ends = 0;
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_end = count_ends;
    o.userdata = &ends;
    o.reorder_window = size ? data[size - 1] % 5 : 0;
    o.max_open = 64;
    ha_correlator *c;
    FUZZ_ASSERT(ha_correlator_new(&o, &c) == HA_OK);
    int rc = ha_correlator_load(c, buf, n);
    FUZZ_ASSERT(rc == HA_OK || rc == HA_ERR_SNAPSHOT || rc == HA_ERR_SNAPSHOT_VERSION || rc == HA_ERR_LIMIT);
    FUZZ_ASSERT(rc == HA_OK || ha_diag_code(ha_correlator_last_diag(c)) == rc);
    if (rc == HA_OK) {
        size_t m, m2;
        unsigned char *a = save_all(c, &m);
        ha_correlator *d;
        FUZZ_ASSERT(ha_correlator_new(&o, &d) == HA_OK);
        FUZZ_ASSERT(ha_correlator_load(d, a, m) == HA_OK);
        unsigned char *b = save_all(d, &m2);
        FUZZ_ASSERT(m2 == m && memcmp(a, b, m) == 0);
        /* it goes on: a close of one of the loaded handles, then the end */
        ha_record *r;
        FUZZ_ASSERT(ha_record_new(NULL, &r) == HA_OK);
        FUZZ_ASSERT(ha_record_set_system(r, 4658, 0, 0, 0, 1, "H") == HA_OK);
        ha_record_add_data(r, "ProcessId", "0x4", 3);
        ha_record_add_data(r, "HandleId", "0x4", 3);
        ha_record_add_data(r, "SubjectLogonId", "0x1", 3);
        FUZZ_ASSERT(ha_correlator_add(d, r) == HA_OK);
        ha_record_free(r);
        uint64_t open = ha_correlator_count(d, HA_CORR_OPEN);
        FUZZ_ASSERT(ha_correlator_flush(d) == HA_OK);
        FUZZ_ASSERT(ha_correlator_count(d, HA_CORR_OPEN) == 0 && ha_correlator_count(d, HA_CORR_HELD) == 0);
        FUZZ_ASSERT(ends >= open);
        ha_correlator_free(d);
        free(a);
        free(b);
    }
    ha_correlator_free(c);
    free(buf);
    return 0;
}
