/* Hostile input: N distinct handles opened and never closed, each with an
 * object name of its own, against a bound of B open sequences. Every
 * sequence beyond the bound is reported as evicted (N - B of them, through
 * on_end), the flush ends the B left, and the peak resident size stays
 * under the figure docs/errors-and-limits.md states.
 *
 *   test_hostile_handles N B MAX_RSS_MB
 * (the default suite runs 1,000,000 against 10,000; the slow suite runs
 * 10,000,000 against 100,000) */
#include <handleaudit/handleaudit.h>
#include <sys/resource.h>

#include "check.h"

static uint64_t evicted, at_end, other;

static int on_end(const ha_sequence *s, const ha_record *r, void *u)
{
    (void)r;
    (void)u;
    switch (ha_sequence_end(s)) {
    case HA_END_EVICTED:
        evicted++;
        break;
    case HA_END_END_OF_INPUT:
        at_end++;
        break;
    default:
        other++;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    uint64_t n = strtoull(argv[1], NULL, 10), bound = strtoull(argv[2], NULL, 10);
    long max_mb = strtol(argv[3], NULL, 10);
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_end = on_end;
    o.max_open = bound;
    ha_correlator *c;
    CHECK_INT(ha_correlator_new(&o, &c), HA_OK);
    char name[256], hex[32], pid[32];
    for (uint64_t i = 0; i < n; i++) {
        ha_record *r;
        if (ha_record_new(NULL, &r) != HA_OK)
            return 1;
        ha_record_set_system(r, 4656, 1, UINT64_C(0x8020000000000000), INT64_C(1767225600000000000) + (int64_t)i,
                             i + 1, i % 2 ? "WS01.contoso.local" : "WS02.contoso.local");
        int nl = snprintf(name, sizeof name,
                          "C:\\Users\\attacker\\AppData\\Local\\Temp\\%020llu-padding-so-that-every-name-is-long-and-"
                          "distinct-%llu.tmp",
                          (unsigned long long)i, (unsigned long long)(i * 2654435761u));
        int hl = snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)(4 * i + 4));
        int pl = snprintf(pid, sizeof pid, "0x%llx", (unsigned long long)(0x400 + 4 * (i % 64)));
        ha_record_add_data(r, "SubjectUserSid", "S-1-5-21-1-2-3-1001", 19);
        ha_record_add_data(r, "SubjectLogonId", "0x3e7", 5);
        ha_record_add_data(r, "ObjectType", "File", 4);
        ha_record_add_data(r, "ObjectName", name, (size_t)nl);
        ha_record_add_data(r, "HandleId", hex, (size_t)hl);
        ha_record_add_data(r, "AccessMask", "0x1", 3);
        ha_record_add_data(r, "ProcessId", pid, (size_t)pl);
        ha_record_add_data(r, "ProcessName", "C:\\Tools\\opener.exe", 19);
        if (ha_correlator_add(c, r) != HA_OK)
            check_failures++;
        ha_record_free(r);
    }
    CHECK_U64(ha_correlator_count(c, HA_CORR_OPEN), bound);
    CHECK_U64(evicted, n - bound);
    CHECK_U64(ha_correlator_ended(c, HA_END_EVICTED), n - bound);
    CHECK_INT(ha_correlator_flush(c), HA_OK);
    CHECK_U64(at_end, bound);
    CHECK_U64(other, 0);
    CHECK_U64(evicted + at_end, n);
    ha_correlator_free(c);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long peak_mb = ru.ru_maxrss / 1024;
    printf("%llu handles, bound %llu: %llu evicted, %llu ended at the end; peak resident %ld MB (limit %ld MB)\n",
           (unsigned long long)n, (unsigned long long)bound, (unsigned long long)evicted,
           (unsigned long long)at_end, peak_mb, max_mb);
    CHECK(peak_mb < max_mb);
    return check_done();
}
