/* The correlator on arbitrary sequences of typed records, possible or not
 * (closes before opens, exits of unknown processes, duplicates of nothing,
 * time going backwards, fields missing or malformed), with small bounds.
 * Oracle: the counters always balance, every ended sequence is coherent and
 * its JSON valid, and a flush leaves nothing open. */
#include <string.h>

#include <handleaudit/handleaudit.h>

#include "fuzz.h"
#include "json_check.h"

typedef struct {
    uint64_t opens, accesses, ends;
    int stop_every;
} tally;

static int check_seq(const ha_sequence *s)
{
    char buf[4096];
    size_t n = ha_sequence_json(s, buf, sizeof buf);
    FUZZ_ASSERT(n < sizeof buf && json_valid(buf, n));
    int64_t d = ha_sequence_duration(s);
    if (d != HA_TIME_NONE)
        FUZZ_ASSERT(ha_sequence_opened(s) && ha_sequence_end_time(s) != HA_TIME_NONE &&
                    d == ha_sequence_end_time(s) - ha_sequence_open_time(s));
    if (!ha_sequence_opened(s))
        FUZZ_ASSERT(ha_sequence_open_time(s) == HA_TIME_NONE);
    FUZZ_ASSERT(ha_sequence_computer(s) != NULL);
    /* every output format's line: whole, newline-ended, JSON (CSV: one CRLF row) */
    for (int f = HA_FORMAT_JSONL; f <= HA_FORMAT_TIMESKETCH; f++) {
        static char line[16384];
        size_t m = ha_sequence_format(s, (ha_format)f, line, sizeof line);
        FUZZ_ASSERT(m > 2 && m < sizeof line);
        if (f == HA_FORMAT_CSV)
            FUZZ_ASSERT(line[m - 2] == '\r' && line[m - 1] == '\n' && strncmp(line, "sequence,", 9) == 0);
        else
            FUZZ_ASSERT(line[m - 1] == '\n' && json_valid(line, m - 1));
    }
    return 0;
}

static int on_open(const ha_sequence *s, const ha_record *r, void *ud)
{
    tally *t = ud;
    FUZZ_ASSERT(r != NULL && ha_sequence_end(s) == HA_END_NONE);
    check_seq(s);
    t->opens++;
    return t->stop_every && t->opens % (unsigned)t->stop_every == 0 ? 3 : 0;
}

static int on_access(const ha_sequence *s, const ha_record *r, void *ud)
{
    tally *t = ud;
    FUZZ_ASSERT(r != NULL && (ha_record_event_id(r) == 4663 || ha_record_event_id(r) == 4660));
    check_seq(s);
    t->accesses++;
    return 0;
}

static int on_end(const ha_sequence *s, const ha_record *r, void *ud)
{
    tally *t = ud;
    ha_end e = ha_sequence_end(s);
    FUZZ_ASSERT(e >= HA_END_CLOSE && e <= HA_END_END_OF_INPUT);
    FUZZ_ASSERT((r == NULL) == (e == HA_END_END_OF_INPUT));
    check_seq(s);
    ha_sequence *copy;
    if (ha_sequence_copy(s, &copy) == HA_OK) {
        FUZZ_ASSERT(ha_sequence_json(copy, NULL, 0) == ha_sequence_json(s, NULL, 0));
        ha_sequence_free(copy);
    }
    t->ends++;
    return 0;
}

static const uint32_t ids[] = {4656, 4661, 4663, 4660, 4658, 4688, 4689, 4690, 4624};
static const char *const names[] = {"C:\\a.txt", "\\REGISTRY\\MACHINE\\k", "-", "", "C:\\データ"};

static void hex(char *buf, uint64_t v) { snprintf(buf, 24, "0x%llx", (unsigned long long)v); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    tally t = {0, 0, 0, data[1] & 0x80 ? 1 + data[1] % 7 : 0};
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_open = on_open;
    o.on_access = on_access;
    o.on_end = on_end;
    o.userdata = &t;
    o.max_open = 1 + data[0] % 8;
    o.max_processes = 1 + data[1] % 4;
    ha_correlator *c;
    FUZZ_ASSERT(ha_correlator_new(&o, &c) == HA_OK);
    int64_t time = INT64_C(1767225600) * 1000000000;
    for (size_t i = 2; i + 4 <= size; i += 4) {
        const uint8_t *b = data + i;
        ha_record *r;
        FUZZ_ASSERT(ha_record_new(NULL, &r) == HA_OK);
        uint32_t id = ids[b[0] % 9];
        time += (int8_t)b[3] * 1000;
        int failure = b[1] & 0x40, missing = b[1] & 0x80;
        FUZZ_ASSERT(ha_record_set_system(r, id, 1, failure ? UINT64_C(0x8010000000000000) : UINT64_C(0x8020000000000000),
                                         (b[3] & 0x7f) == 0x7f ? INT64_MIN : time, i, (b[1] & 0x20) ? "H2" : "H1") == HA_OK);
        char v[24];
        hex(v, (b[1] >> 4) & 1);
        ha_record_add_data(r, "SubjectLogonId", v, strlen(v));
        ha_record_add_data(r, "SubjectUserName", "u", 1);
        const char *name = names[b[2] % 5];
        hex(v, 4 + (b[1] & 3));
        if (id == 4688) {
            ha_record_add_data(r, "NewProcessId", v, strlen(v));
            ha_record_add_data(r, "NewProcessName", name, strlen(name));
            if (!missing)
                ha_record_add_data(r, "CommandLine", name, strlen(name));
        } else if (id == 4690) {
            ha_record_add_data(r, "SourceProcessId", v, strlen(v));
            hex(v, 4 * ((b[1] >> 2) & 3));
            ha_record_add_data(r, "SourceHandleId", v, strlen(v));
            hex(v, 4 + (b[2] & 3));
            ha_record_add_data(r, "TargetProcessId", v, strlen(v));
            hex(v, 4 * ((b[2] >> 2) & 3));
            if (!missing)
                ha_record_add_data(r, "TargetHandleId", v, strlen(v));
        } else {
            ha_record_add_data(r, "ProcessId", v, strlen(v));
            hex(v, 4 * ((b[1] >> 2) & 3));
            if (!missing)
                ha_record_add_data(r, "HandleId", b[2] & 0x80 ? "zz" : v, b[2] & 0x80 ? 2 : strlen(v));
            ha_record_add_data(r, "ObjectType", "File", 4);
            ha_record_add_data(r, "ObjectName", name, strlen(name));
            hex(v, b[2] & 0x1f);
            ha_record_add_data(r, "AccessMask", v, strlen(v));
            ha_record_add_data(r, "ProcessName", name, strlen(name));
        }
        int rc = ha_correlator_add(c, r);
        FUZZ_ASSERT(rc == HA_OK || rc == 3);
        ha_record_free(r);
        uint64_t ended = 0;
        for (int e = HA_END_CLOSE; e <= HA_END_END_OF_INPUT; e++)
            ended += ha_correlator_ended(c, (ha_end)e);
        FUZZ_ASSERT(ended == t.ends);
        FUZZ_ASSERT(ha_correlator_count(c, HA_CORR_SEQUENCES) == t.opens);
        FUZZ_ASSERT(ha_correlator_count(c, HA_CORR_OPEN) == t.opens - t.ends);
        FUZZ_ASSERT(ha_correlator_count(c, HA_CORR_OPEN) <= o.max_open);
    }
    while (ha_correlator_flush(c) != HA_OK)
        ;
    FUZZ_ASSERT(ha_correlator_count(c, HA_CORR_OPEN) == 0);
    FUZZ_ASSERT(t.opens == t.ends);
    ha_correlator_free(c);
    return 0;
}
