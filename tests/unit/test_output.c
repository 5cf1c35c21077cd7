/* The output layer as a caller uses it: ha_output_* through a write
 * callback and ha_*_format into a buffer give the same lines; JSON Lines
 * are the ha_*_json objects with a newline; what a format has no form for is
 * HA_ERR_UNSUPPORTED; a callback's non-zero value stops; lines longer than
 * the output's first buffer are whole; allocation failures are reported. */
#include <handleaudit/handleaudit.h>

#include "check.h"
#include "collect.h"

static const char events[] =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4656</EventID>"
    "<Version>1</Version><Keywords>0x8020000000000000</Keywords>"
    "<TimeCreated SystemTime='2024-03-14T09:41:09.0871344Z'/><EventRecordID>10</EventRecordID>"
    "<Computer>HOST</Computer></System><EventData>"
    "<Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='SubjectUserName'>SYSTEM</Data>"
    "<Data Name='SubjectDomainName'>NT AUTHORITY</Data><Data Name='SubjectLogonId'>0x3e7</Data>"
    "<Data Name='ObjectType'>Key</Data><Data Name='ObjectName'>\\REGISTRY\\MACHINE\\SAM</Data>"
    "<Data Name='HandleId'>0x40</Data><Data Name='AccessMask'>0x1</Data><Data Name='ProcessId'>0x4</Data>"
    "<Data Name='ProcessName'>C:\\Windows\\System32\\lsass.exe</Data></EventData></Event>\n"
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4656</EventID>"
    "<Version>1</Version><Keywords>0x8010000000000000</Keywords>"
    "<TimeCreated SystemTime='2024-03-14T09:41:10.0000000Z'/><EventRecordID>11</EventRecordID>"
    "<Computer>HOST</Computer></System><EventData>"
    "<Data Name='SubjectLogonId'>0x3e7</Data><Data Name='ObjectType'>File</Data>"
    "<Data Name='ObjectName'>C:\\x,\"y\".txt</Data><Data Name='HandleId'>0x0</Data>"
    "<Data Name='AccessMask'>0x2</Data><Data Name='ProcessId'>0x4</Data></EventData></Event>\n"
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4658</EventID>"
    "<Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='2024-03-14T09:41:11.5000000Z'/>"
    "<EventRecordID>12</EventRecordID><Computer>HOST</Computer></System><EventData>"
    "<Data Name='SubjectLogonId'>0x3e7</Data><Data Name='HandleId'>0x40</Data>"
    "<Data Name='ProcessId'>0x4</Data></EventData></Event>\n";

/* Each format's output of the stream, made both ways. */
typedef struct {
    ha_output *out[6];
    str lines[6];   /* through ha_output */
    str direct[6];  /* through ha_*_format */
    int stop_after; /* the write callback returns 7 after this many calls (0: never) */
    int writes;
} out_run;

static int out_on_write(const void *data, size_t len, void *userdata)
{
    str *b = userdata;
    put(b, data, len);
    return 0;
}

static void format_into(str *b, size_t (*fn)(const void *, ha_format, char *, size_t), const void *obj, ha_format f)
{
    char small[8];
    size_t n = fn(obj, f, small, sizeof small); /* snprintf-like: the length, cut and NUL-terminated */
    CHECK(n == 0 || small[sizeof small - 1] == '\0' || n < sizeof small);
    char *buf = malloc(n + 1);
    CHECK_U64(fn(obj, f, buf, n + 1), n);
    CHECK_U64(strlen(buf), n);
    put(b, buf, n);
    free(buf);
}

static size_t seq_fmt(const void *o, ha_format f, char *b, size_t c) { return ha_sequence_format(o, f, b, c); }
static size_t req_fmt(const void *o, ha_format f, char *b, size_t c) { return ha_request_format(o, f, b, c); }
static size_t rec_fmt(const void *o, ha_format f, char *b, size_t c) { return ha_record_format(o, f, b, c); }

static int out_on_end(const ha_sequence *seq, const ha_record *rec, void *ud)
{
    out_run *r = ud;
    (void)rec;
    for (int f = HA_FORMAT_JSONL; f <= HA_FORMAT_TIMESKETCH; f++) {
        CHECK_INT(ha_output_sequence(r->out[f], seq), HA_OK);
        format_into(&r->direct[f], seq_fmt, seq, (ha_format)f);
    }
    return 0;
}

static int out_on_request(const ha_request *req, void *ud)
{
    out_run *r = ud;
    for (int f = HA_FORMAT_JSONL; f <= HA_FORMAT_TIMESKETCH; f++) {
        CHECK_INT(ha_output_request(r->out[f], req), HA_OK);
        format_into(&r->direct[f], req_fmt, req, (ha_format)f);
    }
    /* JSON Lines is the request's JSON and a newline */
    char a[4096], b[4096];
    size_t n = ha_request_json(req, a, sizeof a);
    CHECK_U64(ha_request_format(req, HA_FORMAT_JSONL, b, sizeof b), n + 1);
    CHECK(memcmp(a, b, n) == 0 && b[n] == '\n');
    return 0;
}

static int out_on_record(const ha_record *rec, void *ud)
{
    out_run *r = ud;
    for (int f = HA_FORMAT_JSONL; f <= HA_FORMAT_TIMESKETCH; f++) {
        int rc = ha_output_record(r->out[f], rec);
        if (ha_format_supports((ha_format)f, HA_OUTPUT_RECORD)) {
            CHECK_INT(rc, HA_OK);
            format_into(&r->direct[f], rec_fmt, rec, (ha_format)f);
        } else {
            CHECK_INT(rc, HA_ERR_UNSUPPORTED);
            CHECK_U64(ha_record_format(rec, (ha_format)f, NULL, 0), 0);
        }
    }
    return 0;
}

static void test_formats(void)
{
    out_run r;
    memset(&r, 0, sizeof r);
    for (int f = HA_FORMAT_JSONL; f <= HA_FORMAT_TIMESKETCH; f++) {
        CHECK_INT(ha_output_new((ha_format)f, out_on_write, &r.lines[f], NULL, &r.out[f]), HA_OK);
        CHECK_INT(ha_output_begin(r.out[f]), HA_OK);
        char h[2048];
        size_t n = ha_format_header((ha_format)f, h, sizeof h);
        put(&r.direct[f], h, n);
    }
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_end = out_on_end;
    co.on_request = out_on_request;
    co.userdata = &r;
    ha_correlator *corr = NULL;
    CHECK_INT(ha_correlator_new(&co, &corr), HA_OK);
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = out_on_record;
    ro.userdata = &r;
    ha_reader *rd = NULL;
    CHECK_INT(ha_reader_new(&ro, &rd), HA_OK);
    CHECK_INT(ha_reader_feed(rd, events, sizeof events - 1), HA_OK);
    CHECK_INT(ha_reader_finish(rd), HA_OK);
    ha_reader_free(rd);
    ha_reader_options ro2 = HA_READER_OPTIONS_INIT;
    ro2.on_record = ha_correlator_on_record;
    ro2.userdata = corr;
    CHECK_INT(ha_reader_new(&ro2, &rd), HA_OK);
    CHECK_INT(ha_reader_feed(rd, events, sizeof events - 1), HA_OK);
    CHECK_INT(ha_reader_finish(rd), HA_OK);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    for (int f = HA_FORMAT_JSONL; f <= HA_FORMAT_TIMESKETCH; f++) {
        CHECK_INT(ha_output_end(r.out[f]), HA_OK);
        CHECK_INT(ha_output_end(r.out[f]), HA_OK); /* a second end writes nothing */
        CHECK(r.lines[f].s && r.direct[f].s);
        if (r.lines[f].s && r.direct[f].s)
            CHECK_STR(r.lines[f].s, r.direct[f].s); /* both ways give the same bytes */
        ha_output_free(r.out[f]);
    }
    /* what a user of each format relies on */
    CHECK(strncmp(r.lines[HA_FORMAT_CSV].s, "type,computer,process_id,handle_id,logon_id,opened,end,", 55) == 0);
    CHECK(strstr(r.lines[HA_FORMAT_CSV].s, "\r\nrequest,HOST,0x4,0x0,0x3e7,") != NULL);
    CHECK(strstr(r.lines[HA_FORMAT_CSV].s, ",\"C:\\x,\"\"y\"\".txt\",") != NULL); /* RFC 4180 quoting */
    CHECK(strstr(r.lines[HA_FORMAT_JSONL].s, "{\"type\":\"sequence\",\"computer\":\"HOST\"") != NULL);
    CHECK(strstr(r.lines[HA_FORMAT_ECS].s, "\"registry\":{\"path\":\"\\\\REGISTRY\\\\MACHINE\\\\SAM\"}") != NULL);
    CHECK(strstr(r.lines[HA_FORMAT_ECS].s, "\"duration\":2412865600") != NULL);
    CHECK(strstr(r.lines[HA_FORMAT_OCSF].s, "\"class_uid\":1001") != NULL);
    CHECK(strstr(r.lines[HA_FORMAT_OCSF].s, "\"type_uid\":100114") != NULL);
    CHECK(strstr(r.lines[HA_FORMAT_OCSF].s, "\"duration\":2412,") != NULL); /* ms */
    CHECK(strstr(r.lines[HA_FORMAT_TIMESKETCH].s, "\"datetime\":\"2024-03-14T09:41:09.0871344Z\","
                                                 "\"timestamp\":1710409269087134,\"timestamp_desc\":\"Handle Opened\"") != NULL);
    for (int f = 0; f < 6; f++) {
        free(r.lines[f].s);
        free(r.direct[f].s);
    }
    ha_reader_free(rd);
    ha_correlator_free(corr);
}

static int stop_cb(const void *data, size_t len, void *userdata)
{
    (void)data;
    (void)len;
    int *calls = userdata;
    return ++*calls >= 2 ? 7 : 0;
}

static int fail_seq(const ha_sequence *seq, const ha_record *rec, void *ud)
{
    (void)rec;
    return ha_output_sequence(ud, seq);
}

/* A write callback's non-zero value comes back from the call that wrote,
 * and from there out of the correlator that called us. */
static void test_stop(void)
{
    int calls = 0;
    ha_output *out = NULL;
    CHECK_INT(ha_output_new(HA_FORMAT_CSV, stop_cb, &calls, NULL, &out), HA_OK);
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_end = fail_seq;
    co.userdata = out;
    ha_correlator *corr = NULL;
    CHECK_INT(ha_correlator_new(&co, &corr), HA_OK);
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = ha_correlator_on_record;
    ro.userdata = corr;
    ha_reader *rd = NULL;
    CHECK_INT(ha_reader_new(&ro, &rd), HA_OK);
    CHECK_INT(ha_reader_feed(rd, events, sizeof events - 1), 7); /* header: call 1; the row: call 2 stops */
    CHECK_INT(calls, 2);
    ha_reader_free(rd);
    ha_correlator_free(corr);
    ha_output_free(out);
}

static void test_invalid(void)
{
    ha_output *out = (ha_output *)1;
    CHECK_INT(ha_output_new((ha_format)0, out_on_write, NULL, NULL, &out), HA_ERR_INVALID);
    CHECK(out == NULL);
    CHECK_INT(ha_output_new((ha_format)6, out_on_write, NULL, NULL, &out), HA_ERR_INVALID);
    CHECK_INT(ha_output_new(HA_FORMAT_JSONL, NULL, NULL, NULL, &out), HA_ERR_INVALID);
    CHECK_INT(ha_output_new(HA_FORMAT_JSONL, out_on_write, NULL, NULL, NULL), HA_ERR_INVALID);
    ha_output_options opts;
    CHECK_INT(ha_output_options_init(&opts, 0), HA_ERR_INVALID);
    CHECK_INT(ha_output_options_init(&opts, HA_OUTPUT_OPTIONS_VERSION + 1), HA_ERR_INVALID);
    CHECK_INT(ha_output_options_init(&opts, HA_OUTPUT_OPTIONS_VERSION), HA_OK);
    CHECK(opts.version == HA_OUTPUT_OPTIONS_VERSION && opts.allocator == NULL);
    opts.version = HA_OUTPUT_OPTIONS_VERSION + 1; /* from a newer header: refused, not misread */
    CHECK_INT(ha_output_new(HA_FORMAT_JSONL, out_on_write, NULL, &opts, &out), HA_ERR_INVALID);
    CHECK(out == NULL);
    opts.version = HA_OUTPUT_OPTIONS_VERSION;
    CHECK_INT(ha_output_new(HA_FORMAT_JSONL, out_on_write, NULL, &opts, &out), HA_OK);
    ha_output_free(out);
    out = NULL;
    CHECK_INT(ha_output_sequence(NULL, NULL), HA_ERR_INVALID);
    CHECK_INT(ha_output_begin(NULL), HA_ERR_INVALID);
    ha_output_free(NULL);
    CHECK_U64(ha_sequence_format(NULL, HA_FORMAT_JSONL, NULL, 0), 0);
    CHECK_U64(ha_format_header(HA_FORMAT_JSONL, NULL, 0), 0);
    CHECK(ha_format_header(HA_FORMAT_CSV, NULL, 0) > 100);
    /* names */
    static const char *const names[] = {NULL, "jsonl", "csv", "ecs", "ocsf", "timesketch"};
    for (int f = HA_FORMAT_JSONL; f <= HA_FORMAT_TIMESKETCH; f++) {
        CHECK_STR(ha_format_name((ha_format)f), names[f]);
        CHECK_INT(ha_format_from_name(names[f]), f);
        CHECK(ha_format_supports((ha_format)f, HA_OUTPUT_SEQUENCE));
        CHECK(ha_format_supports((ha_format)f, HA_OUTPUT_REQUEST));
        CHECK_INT(ha_format_supports((ha_format)f, HA_OUTPUT_ALERT), f == HA_FORMAT_JSONL);
    }
    CHECK_INT(ha_format_from_name("json"), HA_FORMAT_JSONL);
    CHECK_INT(ha_format_from_name("xml"), 0);
    CHECK_INT(ha_format_from_name(NULL), 0);
    CHECK(ha_format_name((ha_format)9) == NULL);
    CHECK(!ha_format_supports(HA_FORMAT_CSV, HA_OUTPUT_RECORD));
    CHECK(!ha_format_supports(HA_FORMAT_OCSF, HA_OUTPUT_RECORD));
}

/* A line much longer than the output's first buffer comes out whole. */
static void test_long_line(void)
{
    ha_record *rec = NULL;
    CHECK_INT(ha_record_new(NULL, &rec), HA_OK);
    CHECK_INT(ha_record_set_system(rec, 4663, 1, 0x8020000000000000ull, 0, 5, "H"), HA_OK);
    size_t big = 100000;
    char *v = malloc(big);
    memset(v, 'a', big);
    CHECK_INT(ha_record_add_data(rec, "ObjectName", v, big), HA_OK);
    str lines = {0};
    ha_output *out = NULL;
    CHECK_INT(ha_output_new(HA_FORMAT_JSONL, out_on_write, &lines, NULL, &out), HA_OK);
    CHECK_INT(ha_output_record(out, rec), HA_OK);
    size_t n = ha_record_json(rec, NULL, 0);
    CHECK_U64(lines.n, n + 1);
    CHECK(lines.n && lines.s[lines.n - 1] == '\n');
    ha_output_free(out);
    free(lines.s);
    free(v);
    ha_record_free(rec);
}

/* An allocator that fails after a number of allocations. */
static int budget;
static void *fail_malloc(size_t n, void *ctx)
{
    (void)ctx;
    return budget-- > 0 ? malloc(n) : NULL;
}
static void *fail_realloc(void *p, size_t n, void *ctx)
{
    (void)ctx;
    return budget-- > 0 ? realloc(p, n) : NULL;
}
static void fail_free(void *p, void *ctx)
{
    (void)ctx;
    free(p);
}

static void test_nomem(void)
{
    ha_allocator a = {fail_malloc, fail_realloc, fail_free, NULL};
    ha_output_options opts = HA_OUTPUT_OPTIONS_INIT;
    opts.allocator = &a;
    ha_output *out = NULL;
    budget = 0;
    CHECK_INT(ha_output_new(HA_FORMAT_JSONL, out_on_write, NULL, &opts, &out), HA_ERR_NOMEM);
    budget = 1;
    CHECK_INT(ha_output_new(HA_FORMAT_JSONL, out_on_write, NULL, &opts, &out), HA_ERR_NOMEM);
    budget = 2;
    str lines = {0};
    CHECK_INT(ha_output_new(HA_FORMAT_JSONL, out_on_write, &lines, &opts, &out), HA_OK);
    ha_record *rec = NULL;
    CHECK_INT(ha_record_new(NULL, &rec), HA_OK);
    char v[10000];
    memset(v, 'b', sizeof v);
    CHECK_INT(ha_record_add_data(rec, "ObjectName", v, sizeof v), HA_OK);
    CHECK_INT(ha_output_record(out, rec), HA_ERR_NOMEM); /* the buffer cannot grow */
    CHECK(lines.n == 0);
    budget = 1;
    CHECK_INT(ha_output_record(out, rec), HA_OK); /* and the output is still usable */
    CHECK(lines.n > sizeof v);
    free(lines.s);
    ha_output_free(out);
    ha_record_free(rec);
}

/* Times before 1970 round down (a nanosecond before is the microsecond
 * before), and the extremes do not overflow. */
static void test_times(void)
{
    static const struct {
        int64_t ns;
        const char *want;
    } cases[] = {
        {-1, "\"timestamp\":-1,"},
        {1999, "\"timestamp\":1,"},
        {-1000, "\"timestamp\":-1,"},
        {-1001, "\"timestamp\":-2,"},
        {INT64_MIN + 1, "\"timestamp\":-9223372036854776,"},
        {INT64_MAX, "\"timestamp\":9223372036854775,"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ha_record *rec = NULL;
        CHECK_INT(ha_record_new(NULL, &rec), HA_OK);
        CHECK_INT(ha_record_set_system(rec, 4663, 0, 0, cases[i].ns, 1, "H"), HA_OK);
        char line[4096];
        CHECK(ha_record_format(rec, HA_FORMAT_TIMESKETCH, line, sizeof line) < sizeof line);
        if (!strstr(line, cases[i].want))
            fprintf(stderr, "case %zu: %s\n", i, line);
        CHECK(strstr(line, cases[i].want) != NULL);
        ha_record_free(rec);
    }
}

int main(void)
{
    test_times();
    test_formats();
    test_stop();
    test_invalid();
    test_long_line();
    test_nomem();
    return check_failures ? 1 : 0;
}
