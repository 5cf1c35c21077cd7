/* A SIEM agent's loop: events arrive on standard input in chunks cut
 * anywhere (here 4 KiB reads), and memory stays bounded however long it
 * runs: at most max_event_bytes are buffered for an incomplete event, at
 * most max_open sequences are kept (the idlest is evicted beyond that),
 * and idle processes beyond max_processes are forgotten.
 *
 *   some-collector | stream_stdin            # one line per ended handle or failed request */
#include <handleaudit/handleaudit.h>
#include <inttypes.h>
#include <stdio.h>
#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#endif

static int on_end(const ha_sequence *seq, const ha_record *rec, void *userdata)
{
    (void)rec;
    (void)userdata;
    int64_t d = ha_sequence_duration(seq);
    const char *obj = ha_sequence_object_name(seq);
    const char *proc = ha_sequence_process_name(seq);
    char duration[32] = "unknown"; /* not opened in the log, or not ended at a known time */
    if (d != HA_TIME_NONE)
        snprintf(duration, sizeof duration, "%.3f s", (double)d / 1e9);
    printf("%-13s %11s  %s  %s\n", ha_end_name(ha_sequence_end(seq)), duration, proc ? proc : "?",
           obj ? obj : "?");
    return 0;
}

/* A 4656 or 4661 that opened nothing: often the attack itself. */
static int on_request(const ha_request *req, void *userdata)
{
    (void)userdata;
    const char *obj = ha_request_object_name(req);
    const char *proc = ha_request_process_name(req);
    printf("%-13s %11s  %s  %s\n", "request", ha_outcome_name(ha_request_outcome(req)), proc ? proc : "?",
           obj ? obj : "?");
    return 0;
}

static int on_diag(const ha_diag *d, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "stdin:%" PRIu64 ":%" PRIu64 ": %s\n", ha_diag_line(d), ha_diag_column(d), ha_diag_message(d));
    return 0; /* skip the bad event, keep going */
}

int main(void)
{
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_end = on_end;
    co.on_request = on_request;
    co.max_open = 100000;
    co.max_processes = 10000;
    ha_correlator *corr;
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = ha_correlator_on_record;
    ro.on_diag = on_diag;
    ro.max_event_bytes = 1 << 20;
    ha_reader *reader;
    if (ha_correlator_new(&co, &corr) != HA_OK)
        return 1;
    ro.userdata = corr;
    if (ha_reader_new(&ro, &reader) != HA_OK)
        return 1;

#ifdef _WIN32
    _setmode(_fileno(stdin), _O_BINARY); /* the bytes as they are: no CRLF translation, no end at ^Z */
#endif
    char chunk[4096];
    size_t n;
    int rc = HA_OK;
    while (rc == HA_OK && (n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        rc = ha_reader_feed(reader, chunk, n);
    if (rc == HA_OK)
        rc = ha_reader_finish(reader);
    if (rc == HA_OK)
        rc = ha_correlator_flush(corr);
    fprintf(stderr, "%" PRIu64 " events, %" PRIu64 " sequences, %" PRIu64 " skipped\n",
            ha_reader_count(reader, HA_COUNT_EVENTS), ha_correlator_count(corr, HA_CORR_SEQUENCES),
            ha_reader_count(reader, HA_COUNT_ERRORS));
    ha_reader_free(reader);
    ha_correlator_free(corr);
    return rc == HA_OK ? 0 : 1;
}
