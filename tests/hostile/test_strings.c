/* Hostile input: N opens whose every string is new (object, process image,
 * account SID, name and domain), never closed, with the default bounds
 * (max_open 2^20, max_string_bytes 256 MiB). The string bound counts what
 * the strings really cost (their blocks and the table), so the peak
 * resident size stays under the figure docs/correlation.md gives; when it
 * counted only their text, two million such opens peaked at 1,375 MB.
 *
 *   test_hostile_strings N MAX_RSS_MB */
#include <handleaudit/handleaudit.h>
#include <sys/resource.h>

#include "check.h"

static uint64_t evicted;

static int on_end(const ha_sequence *s, const ha_record *r, void *u)
{
    (void)r;
    (void)u;
    evicted += ha_sequence_end(s) == HA_END_EVICTED;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    uint64_t n = strtoull(argv[1], NULL, 10);
    long max_mb = strtol(argv[2], NULL, 10);
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_end = on_end;
    ha_correlator *c;
    CHECK_INT(ha_correlator_new(&o, &c), HA_OK);
    uint64_t peak_strings = 0, peak_open = 0;
    for (uint64_t i = 0; i < n; i++) {
        ha_record *r;
        if (ha_record_new(NULL, &r) != HA_OK)
            return 1;
        char name[128], image[96], sid[64], user[32], domain[32], hex[32], pid[32];
        int nl = snprintf(name, sizeof name, "C:\\Users\\victim\\Documents\\exfil\\%012llu-report.docx",
                          (unsigned long long)i);
        int il = snprintf(image, sizeof image, "C:\\Users\\victim\\AppData\\Local\\Temp\\%010llu.exe",
                          (unsigned long long)i);
        int sl = snprintf(sid, sizeof sid, "S-1-5-21-1004336348-1177238915-%llu", (unsigned long long)i);
        int ul = snprintf(user, sizeof user, "u%llu", (unsigned long long)i);
        int dl = snprintf(domain, sizeof domain, "D%llu", (unsigned long long)i);
        int hl = snprintf(hex, sizeof hex, "0x%llx", (unsigned long long)(4 * i + 4));
        int pl = snprintf(pid, sizeof pid, "0x%llx", (unsigned long long)(0x400 + 4 * (i % 64)));
        ha_record_set_system(r, 4656, 1, UINT64_C(0x8020000000000000), INT64_C(1767225600000000000) + (int64_t)i,
                             i + 1, "WS01.contoso.local");
        ha_record_add_data(r, "SubjectUserSid", sid, (size_t)sl);
        ha_record_add_data(r, "SubjectUserName", user, (size_t)ul);
        ha_record_add_data(r, "SubjectDomainName", domain, (size_t)dl);
        ha_record_add_data(r, "SubjectLogonId", "0x3e7", 5);
        ha_record_add_data(r, "ObjectType", "File", 4);
        ha_record_add_data(r, "ObjectName", name, (size_t)nl);
        ha_record_add_data(r, "HandleId", hex, (size_t)hl);
        ha_record_add_data(r, "AccessMask", "0x1", 3);
        ha_record_add_data(r, "ProcessId", pid, (size_t)pl);
        ha_record_add_data(r, "ProcessName", image, (size_t)il);
        if (ha_correlator_add(c, r) != HA_OK)
            check_failures++;
        ha_record_free(r);
        uint64_t sb = ha_correlator_count(c, HA_CORR_STRING_BYTES), op = ha_correlator_count(c, HA_CORR_OPEN);
        if (sb > peak_strings)
            peak_strings = sb;
        if (op > peak_open)
            peak_open = op;
    }
    uint64_t open = ha_correlator_count(c, HA_CORR_OPEN);
    CHECK_U64(open + evicted, n);
    /* the bound holds before each record; one record adds its strings, and
     * may double the table's buckets (a few MB at this size) */
    CHECK(peak_strings <= HA_DEFAULT_MAX_STRING_BYTES + HA_DEFAULT_MAX_STRING_BYTES / 16);
    CHECK_INT(ha_correlator_flush(c), HA_OK);
    ha_correlator_free(c);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long peak_mb = ru.ru_maxrss / 1024;
    printf("%llu opens, every string new: at most %llu open at once, %llu evicted, strings at most %.1f MB; "
           "peak resident %ld MB (limit %ld MB)\n",
           (unsigned long long)n, (unsigned long long)peak_open, (unsigned long long)evicted,
           (double)peak_strings / 1e6, peak_mb, max_mb);
    CHECK(peak_mb < max_mb);
    return check_done();
}
