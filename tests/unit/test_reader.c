/* The reader: every input form, any chunking, repairs, limits, and a hostile
 * stream whose good events must all come through. */
#include <handleaudit/handleaudit.h>

#include "check.h"
#include "collect.h"
#include "reader_internal.h"

#include <stdatomic.h>

/* ---- the same two events in every framing --------------------------------- */

enum style { COMPACT, EVTXEXPORT, PYEVTX, VIEWER };

static void event(str *b, enum style st, int second)
{
    char q = st == COMPACT ? '\'' : '"';
    const char *nl = st == COMPACT ? "" : st == PYEVTX ? "\n" : st == VIEWER ? " \n  " : "\n    ";
    const char *dash = st == VIEWER ? "- " : "";
    char line[1024];
    const char *time = st == PYEVTX ? "2024-03-14 09:41:09.087134"
                       : st == EVTXEXPORT ? "2024-03-14T09:41:09.087134000Z"
                                          : "2024-03-14T09:41:09.087134Z";
    const char *hex = st == EVTXEXPORT ? "0x00000000000003b4" : "0x3b4";
    const char *pid = st == EVTXEXPORT ? "0x0000000000002f8c" : "0x2f8c";
    snprintf(line, sizeof line,
             "%s<Event xmlns=%chttp://schemas.microsoft.com/win/2004/08/events/event%c>%s%s<System>%s"
             "<Provider Name=%cMicrosoft-Windows-Security-Auditing%c Guid=%c{54849625-5478-4994-A5BA-3E3B0328C30D}%c%s"
             "%s<EventID%s>%d</EventID>%s<Version>%d</Version>%s<Task>12800</Task>%s"
             "<Keywords>0x8020000000000000</Keywords>%s<TimeCreated SystemTime=%c%s%c%s"
             "%s<EventRecordID>%d</EventRecordID>%s<Execution ProcessID=%c4%c ThreadID=%c9040%c%s"
             "%s<Channel>Security</Channel>%s<Computer>WKS-07.example.com</Computer>%s</System>%s%s<EventData>%s",
             dash, q, q, st == COMPACT ? "" : "\n", dash, nl, q, q, q, q, st == PYEVTX ? "></Provider>" : "/>",
             nl, st == PYEVTX ? " Qualifiers=\"\"" : "", second ? 4658 : 4656, nl, second ? 0 : 1, nl, nl, nl, q,
             time, q, st == PYEVTX ? "></TimeCreated>" : "/>", nl, 100 + second, nl, q, q, q, q,
             st == PYEVTX ? "></Execution>" : "/>", nl, nl, nl, st == COMPACT ? "" : "\n", dash,
             st == COMPACT ? "" : "\n");
    puts_(b, line);
    struct {
        const char *name, *value;
    } open_fields[] = {{"SubjectUserSid", "S-1-5-21-1-2-3-1107"},
                       {"SubjectUserName", "alice"},
                       {"SubjectLogonId", "0x5c3a1e"},
                       {"ObjectType", "File"},
                       {"ObjectName", "C:\\データ\\plan &amp; <notes>.txt"},
                       {"HandleId", hex},
                       {"AccessList", "%%4416\n\t\t\t\t%%4417\n\t\t\t\t"},
                       {"AccessMask", "0x3"},
                       {"ProcessId", pid},
                       {"ProcessName", "C:\\Windows\\System32\\notepad.exe"},
                       {"ResourceAttributes", ""}},
      close_fields[] = {{"SubjectLogonId", "0x5c3a1e"}, {"HandleId", hex}, {"ProcessId", pid}};
    size_t n = second ? 3 : 11;
    for (size_t i = 0; i < n; i++) {
        const char *name = second ? close_fields[i].name : open_fields[i].name;
        const char *value = second ? close_fields[i].value : open_fields[i].value;
        if (strcmp(name, "ObjectName") == 0)
            value = "C:\\データ\\plan &amp; &lt;notes&gt;.txt";
        if (*value == '\0' && st != PYEVTX)
            snprintf(line, sizeof line, "%s<Data Name=%c%s%c/>%s", st == COMPACT ? "" : "  ", q, name, q,
                     st == COMPACT ? "" : "\n");
        else
            snprintf(line, sizeof line, "%s<Data Name=%c%s%c>%s</Data>%s", st == COMPACT ? "" : "  ", q, name, q,
                     value, st == COMPACT ? "" : "\n");
        puts_(b, line);
    }
    puts_(b, st == COMPACT ? "</EventData></Event>" : "  </EventData>\n</Event>\n");
}

static void make_form(str *b, const char *form)
{
    if (strcmp(form, "single") == 0) {
        event(b, COMPACT, 0);
    } else if (strcmp(form, "stream") == 0) { /* wevtutil: back to back, no root */
        event(b, COMPACT, 0);
        event(b, COMPACT, 1);
    } else if (strcmp(form, "stream-lines") == 0) {
        event(b, COMPACT, 0);
        puts_(b, "\n");
        event(b, COMPACT, 1);
        puts_(b, "\n");
    } else if (strcmp(form, "export") == 0) { /* Event Viewer "Save as XML": BOM, CRLF */
        str t = {0};
        puts_(&t, "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Events>\n");
        event(&t, EVTXEXPORT, 0);
        event(&t, EVTXEXPORT, 1);
        puts_(&t, "</Events>\n");
        for (size_t i = 0; i < t.n; i++) {
            if (t.s[i] == '\n')
                put(b, "\r\n", 2);
            else
                put(b, t.s + i, 1);
        }
        free(t.s);
    } else if (strcmp(form, "evtxexport") == 0) {
        puts_(b, "evtxexport 20181227\n\n");
        event(b, EVTXEXPORT, 0);
        puts_(b, "\n");
        event(b, EVTXEXPORT, 1);
        puts_(b, "\n");
    } else if (strcmp(form, "pyevtx") == 0) {
        puts_(b, "<?xml version=\"1.1\" encoding=\"utf-8\" standalone=\"yes\" ?>\n\n<Events>\n");
        event(b, PYEVTX, 0);
        puts_(b, "\n");
        event(b, PYEVTX, 1);
        puts_(b, "\n</Events>");
    } else if (strcmp(form, "viewer") == 0) { /* copied from Event Viewer's XML view */
        event(b, VIEWER, 0);
        event(b, VIEWER, 1);
    } else if (strcmp(form, "rust-evtx-dump") == 0) {
        puts_(b, "Record 100\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        event(b, EVTXEXPORT, 0);
        puts_(b, "Record 101\r\n<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        event(b, EVTXEXPORT, 1);
    }
}

static void test_forms(void)
{
    static const char *forms[] = {"stream",     "stream-lines", "export",         "evtxexport",
                                  "pyevtx",     "viewer",       "rust-evtx-dump", NULL};
    str ref = {0};
    make_form(&ref, "stream");
    result want = {0};
    run(ref.s, ref.n, 0, &want);
    CHECK_INT(want.nrecords, 2);
    CHECK_INT(want.ndiags, 0);
    CHECK(strstr(want.records.s, "\"ObjectName\":\"C:\\\\データ\\\\plan & <notes>.txt\"") != NULL);
    CHECK(strstr(want.records.s, "\"time\":\"2024-03-14T09:41:09.0871340Z\"") != NULL);
    CHECK(strstr(want.records.s, "\"HandleId\":948") != NULL);
    CHECK(strstr(want.records.s, "\"ResourceAttributes\":\"\"") != NULL);

    for (int f = 0; forms[f]; f++) {
        str in = {0};
        make_form(&in, forms[f]);
        result whole = {0};
        run(in.s, in.n, 0, &whole);
        if (!same_result(&whole, &want)) {
            fprintf(stderr, "form %s: %zu records, %zu diagnostics\n%s\n", forms[f], whole.nrecords, whole.ndiags,
                    whole.records.s ? whole.records.s : "");
            for (size_t k = 0; k < whole.ndiags; k++)
                fprintf(stderr, "  diag %d at %llu\n", whole.diags[k].code,
                        (unsigned long long)whole.diags[k].offset);
            check_failures++;
        }
        /* any chunking gives the same */
        size_t chunks[] = {1, 2, 7, 64, 4096, SIZE_MAX, SIZE_MAX};
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            result part = {0};
            run(in.s, in.n, chunks[c], &part);
            if (!same_result(&part, &whole)) {
                fprintf(stderr, "form %s differs when fed in chunks of %zu\n", forms[f], chunks[c]);
                check_failures++;
            }
            result_free(&part);
        }
        result_free(&whole);
        free(in.s);
    }
    /* a single event on its own */
    str one = {0};
    make_form(&one, "single");
    result single = {0};
    run(one.s, one.n, 0, &single);
    CHECK_INT(single.nrecords, 1);
    CHECK(single.records.n > 0 && strncmp(single.records.s, want.records.s, single.records.n) == 0);
    result_free(&single);
    free(one.s);
    result_free(&want);
    free(ref.s);
}

/* ---- repairs -------------------------------------------------------------- */

static const char small_event_head[] =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4739</EventID>"
    "<EventRecordID>";

static void small_event(str *b, int id, const char *value)
{
    char t[64];
    puts_(b, small_event_head);
    snprintf(t, sizeof t, "%d", id);
    puts_(b, t);
    puts_(b, "</EventRecordID><Computer>DC1</Computer></System><EventData><Data Name='MinPasswordAge'>");
    puts_(b, value);
    puts_(b, "</Data></EventData></Event>\n");
}

static void test_control_chars(void)
{
    str b = {0};
    small_event(&b, 1, "ok");
    size_t at1 = b.n + strlen(small_event_head) + strlen("2</EventRecordID><Computer>DC1</Computer></System>"
                                                        "<EventData><Data Name='MinPasswordAge'>");
    small_event(&b, 2, "\x03");
    size_t at2 = b.n + strlen(small_event_head) + strlen("3</EventRecordID><Computer>DC1</Computer></System>"
                                                        "<EventData><Data Name='MinPasswordAge'>") + 1;
    small_event(&b, 3, "a&#x3;b&#1;");
    small_event(&b, 4, "ok");
    result res = {0};
    run(b.s, b.n, 0, &res);
    CHECK_INT(res.nrecords, 4);
    CHECK_INT(res.ndiags, 3);
    CHECK_INT(res.diags[0].code, HA_ERR_CONTROL_CHAR);
    CHECK_INT(res.diags[0].warning, 1);
    CHECK_U64(res.diags[0].offset, at1);
    CHECK_U64(res.diags[0].line, 2);
    CHECK_U64(res.diags[1].offset, at2);
    CHECK_U64(res.diags[1].line, 3);
    CHECK_U64(res.diags[2].offset, at2 + 6);
    CHECK(strstr(res.records.s, "\"MinPasswordAge\":\"\xEF\xBF\xBD\"") != NULL);
    CHECK(strstr(res.records.s, "\"MinPasswordAge\":\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"") != NULL);
    for (size_t c = 1; c < 40; c += 13) {
        result part = {0};
        run(b.s, b.n, c, &part);
        CHECK(same_result(&part, &res));
        result_free(&part);
    }
    result_free(&res);
    free(b.s);
}

/* ---- a hostile stream ------------------------------------------------------ */

/* Counting allocator: the reader's peak heap use. Thread-safe, as an
 * allocator given to a parallel reading must be. */
typedef struct {
    _Atomic size_t now, peak;
} meter;

typedef struct {
    size_t size;
    size_t pad;
} hdr;

static void meter_add(meter *m, size_t n)
{
    size_t now = atomic_fetch_add(&m->now, n) + n, peak = atomic_load(&m->peak);
    while (now > peak && !atomic_compare_exchange_weak(&m->peak, &peak, now))
        ;
}

static void *m_malloc(size_t n, void *ctx)
{
    hdr *h = malloc(sizeof(hdr) + n);
    if (!h)
        return NULL;
    h->size = n;
    meter_add(ctx, n);
    return h + 1;
}

static void m_free(void *p, void *ctx)
{
    if (!p)
        return;
    meter *m = ctx;
    hdr *h = (hdr *)p - 1;
    atomic_fetch_sub(&m->now, h->size);
    free(h);
}

static void *m_realloc(void *p, size_t n, void *ctx)
{
    if (!p)
        return m_malloc(n, ctx);
    meter *m = ctx;
    hdr *h = (hdr *)p - 1;
    size_t old = h->size;
    hdr *nh = realloc(h, sizeof(hdr) + n);
    if (!nh)
        return NULL;
    nh->size = n;
    atomic_fetch_sub(&m->now, old);
    meter_add(m, n);
    return nh + 1;
}

/* Writes a stream into a reader in 64 KiB pieces, knowing every position. */
typedef struct {
    ha_reader *r;
    str pending;
    uint64_t off, line, line_start;
} feeder;

static void flush(feeder *f)
{
    CHECK_INT(ha_reader_feed(f->r, f->pending.s, f->pending.n), HA_OK);
    f->pending.n = 0;
}

static void emit(feeder *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n') {
            f->line++;
            f->line_start = f->off + i + 1;
        }
    put(&f->pending, s, n);
    f->off += n;
    if (f->pending.n >= 65536)
        flush(f);
}

static void emit_s(feeder *f, const char *s) { emit(f, s, strlen(s)); }

typedef struct {
    int code;
    uint64_t offset, line, column, event_offset;
} expect;

/* Position of the byte `k` bytes into what is emitted next. */
static expect at(const feeder *f, const char *next, size_t k, int code, uint64_t event_offset)
{
    expect e = {code, f->off + k, f->line, 0, event_offset};
    uint64_t ls = f->line_start;
    for (size_t i = 0; i < k; i++)
        if (next[i] == '\n') {
            e.line++;
            ls = f->off + i + 1;
        }
    e.column = e.offset - ls + 1;
    return e;
}

static const char good_head[] =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>\n"
    "  <System><EventID>4656</EventID><TimeCreated SystemTime='2026-01-01T00:00:00.0000000Z'/>"
    "<EventRecordID>";

static void good(feeder *f, int id)
{
    char t[512];
    snprintf(t, sizeof t, "%s%d</EventRecordID><Computer>H</Computer></System>\n"
                          "  <EventData><Data Name='HandleId'>0x%x</Data><Data Name='ObjectName'>C:\\f%d</Data></EventData>\n"
                          "</Event>\n",
             good_head, id, id * 4, id);
    emit_s(f, t);
}

static void hostile(size_t max_event, size_t chunk_limit_peak)
{
    meter m = {0, 0};
    ha_allocator a = {m_malloc, m_realloc, m_free, &m};
    result res = {0};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = &res;
    o.allocator = &a;
    o.max_event_bytes = max_event;
    feeder f = {0};
    f.line = 1;
    CHECK_INT(ha_reader_new(&o, &f.r), HA_OK);
    expect want[16];
    int nwant = 0;

    good(&f, 1);
    /* a truncated event: the next <Event tells */
    uint64_t trunc_at = f.off;
    emit_s(&f, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID>4656</Event");
    emit_s(&f, "ID><EventRecordID>2</EventRecordID>\n  <EventData><Data Name='Hand");
    want[nwant++] = at(&f, "<", 0, HA_ERR_TRUNCATED, trunc_at);
    good(&f, 3);
    /* bad UTF-8 */
    const char bad_utf8[] = "<Event><System><EventID>4656</EventID></System><EventData><Data Name='X'>ab\xC3\x28</Data></EventData></Event>\n";
    want[nwant++] = at(&f, bad_utf8, strlen("<Event><System><EventID>4656</EventID></System><EventData><Data Name='X'>ab"),
                       HA_ERR_XML, f.off);
    emit_s(&f, bad_utf8);
    good(&f, 5);
    /* unclosed tag */
    const char unclosed[] = "<Event><System><EventID>4656</EventID></System>\n<EventData><Data Name='X'>v</EventData></Event>\n";
    /* expat places a mismatched end tag at its name */
    want[nwant++] = at(&f, unclosed, strlen("<Event><System><EventID>4656</EventID></System>\n<EventData><Data Name='X'>v</"),
                       HA_ERR_XML, f.off);
    emit_s(&f, unclosed);
    good(&f, 7);
    /* a 100 MB value */
    uint64_t big_at = f.off;
    want[nwant++] = at(&f, "<", 0, HA_ERR_EVENT_TOO_LARGE, big_at);
    emit_s(&f, "<Event><System><EventID>4656</EventID></System><EventData><Data Name='X'>");
    char *blob = malloc(1 << 20);
    memset(blob, 'A', 1 << 20);
    for (int i = 0; i < 100; i++)
        emit(&f, blob, 1 << 20);
    free(blob);
    emit_s(&f, "</Data></EventData></Event>\n");
    good(&f, 9);
    /* billion laughs: the DOCTYPE is refused, the entity is never expanded */
    const char laughs[] =
        "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>\n";
    want[nwant++] = at(&f, laughs, 0, HA_ERR_DTD, f.off);
    emit_s(&f, laughs);
    const char uses[] = "<Event><System><EventID>4656</EventID></System><EventData><Data Name='X'>&lol3;</Data></EventData></Event>\n";
    want[nwant++] = at(&f, uses, strlen("<Event><System><EventID>4656</EventID></System><EventData><Data Name='X'>"),
                       HA_ERR_XML, f.off);
    emit_s(&f, uses);
    good(&f, 11);
    /* 10,000-deep nesting: refused at depth 33 (Event is depth 1) */
    uint64_t deep_at = f.off;
    emit_s(&f, "<Event><System><EventID>4656</EventID></System>");
    char nest[3 * 31 + 1] = "";
    for (int i = 0; i < 31; i++)
        strcat(nest, "<a>");
    if (max_event > 10000 * 7 + 100)
        want[nwant++] = at(&f, nest, 3 * 31, HA_ERR_TOO_DEEP, deep_at);
    else /* the limit on bytes comes first */
        want[nwant++] = (expect){HA_ERR_EVENT_TOO_LARGE, deep_at, f.line, deep_at - f.line_start + 1, deep_at};
    for (int i = 0; i < 10000; i++)
        emit_s(&f, "<a>");
    for (int i = 0; i < 10000; i++)
        emit_s(&f, "</a>");
    emit_s(&f, "</Event>\n");
    good(&f, 13);
    /* random bytes */
    char noise[2000];
    for (size_t i = 0; i < sizeof noise; i++) {
        char c;
        do
            c = (char)(rnd() & 0xff);
        while (c == '<' || (i == 0 && (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '-')));
        noise[i] = c;
    }
    want[nwant++] = at(&f, noise, 0, HA_ERR_JUNK, f.off);
    emit(&f, noise, sizeof noise);
    emit_s(&f, "\n");
    good(&f, 14);
    flush(&f);
    CHECK_INT(ha_reader_finish(f.r), HA_OK);

    /* every good event, in order */
    CHECK_INT(res.nrecords, 8);
    const int ids[] = {1, 3, 5, 7, 9, 11, 13, 14};
    const char *p = res.records.s;
    for (int i = 0; i < 8 && p; i++) {
        char t[64];
        snprintf(t, sizeof t, "\"record_id\":%d,", ids[i]);
        const char *q = strstr(p, t);
        CHECK(q != NULL);
        p = q ? strchr(q, '\n') : NULL;
    }
    /* an error with the right position for each bad piece */
    CHECK_INT(res.ndiags, nwant);
    for (int i = 0; i < nwant && i < (int)res.ndiags; i++) {
        const diag_rec *d = &res.diags[i];
        if (d->code != want[i].code || d->offset != want[i].offset || d->line != want[i].line ||
            d->column != want[i].column || d->event_offset != want[i].event_offset || d->warning) {
            fprintf(stderr,
                    "diagnostic %d: code %d at %llu (%llu:%llu, event %llu); expected %d at %llu (%llu:%llu, event "
                    "%llu)\n",
                    i, d->code, (unsigned long long)d->offset, (unsigned long long)d->line,
                    (unsigned long long)d->column, (unsigned long long)d->event_offset, want[i].code,
                    (unsigned long long)want[i].offset, (unsigned long long)want[i].line,
                    (unsigned long long)want[i].column, (unsigned long long)want[i].event_offset);
            check_failures++;
        }
    }
    CHECK_U64(ha_reader_count(f.r, HA_COUNT_ERRORS), (uint64_t)nwant);
    CHECK_U64(ha_reader_count(f.r, HA_COUNT_EVENTS), 8);
    /* memory stayed within what the limits imply */
    if (m.peak > chunk_limit_peak) {
        fprintf(stderr, "peak heap %zu bytes with max_event_bytes %zu (bound %zu)\n", m.peak, max_event,
                chunk_limit_peak);
        check_failures++;
    }
    ha_reader_free(f.r);
    CHECK_INT(m.now, 0);
    free(f.pending.s);
    result_free(&res);
}

/* ---- limits, stream ends, stopping --------------------------------------- */

static void test_field_limit(void)
{
    str b = {0};
    small_event(&b, 1, "0123456789");
    small_event(&b, 2, "0123456789012345678901234567890123456789");
    small_event(&b, 3, "x");
    result res = {0};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = &res;
    o.max_field_bytes = 16;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, b.s, b.n), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    CHECK_INT(res.nrecords, 2);
    CHECK_INT(res.ndiags, 1);
    CHECK_INT(res.diags[0].code, HA_ERR_FIELD_TOO_LARGE);
    CHECK_U64(res.diags[0].line, 2);
    ha_reader_free(r);
    result_free(&res);
    free(b.s);
}

static void test_finish_and_restart(void)
{
    str b = {0};
    small_event(&b, 1, "a");
    size_t cut = b.n + 30;
    small_event(&b, 2, "b");
    result res = {0};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = &res;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, b.s, cut), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK); /* ends inside event 2 */
    CHECK_INT(res.nrecords, 1);
    CHECK_INT(res.ndiags, 1);
    CHECK_INT(res.diags[0].code, HA_ERR_TRUNCATED);
    CHECK_U64(res.diags[0].offset, cut);
    /* a new stream: positions start again */
    CHECK_INT(ha_reader_feed(r, "junk\n", 5), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    CHECK_INT(res.ndiags, 2);
    CHECK_INT(res.diags[1].code, HA_ERR_JUNK);
    CHECK_U64(res.diags[1].offset, 0);
    CHECK_U64(res.diags[1].line, 1);
    CHECK_U64(res.diags[1].column, 1);
    CHECK_U64(ha_reader_count(r, HA_COUNT_BYTES), cut + 5);
    ha_reader_free(r);
    result_free(&res);
    free(b.s);
}

/* Many lines of junk in one feed: each line is looked at once (a search
 * that ran to the window's end from every line was quadratic: this input
 * would then take hours, and the test its timeout). */
static void test_junk_lines(void)
{
    str b = {0};
    for (int i = 0; i < 2000000; i++)
        puts_(&b, "junk\n");
    small_event(&b, 1, "a");
    result res = {0};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = &res;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, b.s, b.n), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    CHECK_INT(res.nrecords, 1); /* the event after them is kept */
    CHECK_INT(res.ndiags, 1);   /* one run of junk, one report */
    CHECK_INT(res.diags[0].code, HA_ERR_JUNK);
    CHECK_U64(res.diags[0].offset, 0);
    CHECK_U64(ha_reader_count(r, HA_COUNT_BYTES), b.n);
    ha_reader_free(r);
    result_free(&res);
    free(b.s);
}

/* ---- text in another encoding than UTF-8 ---------------------------------- */

typedef struct {
    size_t ndiags, nrecords;
    int code;
    uint64_t offset;
    char message[200];
} enc_result;

static int enc_record(const ha_record *rec, void *ud)
{
    (void)rec;
    ((enc_result *)ud)->nrecords++;
    return 0;
}

static int enc_diag(const ha_diag *d, void *ud)
{
    enc_result *e = ud;
    if (e->ndiags++ == 0) {
        e->code = ha_diag_code(d);
        e->offset = ha_diag_offset(d);
        snprintf(e->message, sizeof e->message, "%s", ha_diag_message(d));
    }
    return 0;
}

/* ASCII `b` in a wide encoding: `width` bytes a character, big- or
 * little-endian, after `bom` (`nbom` bytes). */
static void widen(str *out, const str *b, int width, int big, const char *bom, size_t nbom)
{
    put(out, bom, nbom);
    for (size_t i = 0; i < b->n; i++) {
        char c[4] = {0, 0, 0, 0};
        c[big ? width - 1 : 0] = b->s[i];
        put(out, c, (size_t)width);
    }
}

/* UTF-16 and UTF-32 input, with a byte order mark or without, fed whole or
 * a byte at a time: one error at byte 0 that names the encoding. */
static void test_encodings(void)
{
    static const struct {
        int width, big;
        const char *bom;
        size_t nbom;
        const char *name;
    } cases[] = {
        {2, 0, "\xFF\xFE", 2, "UTF-16LE (byte order mark FF FE)"},
        {2, 1, "\xFE\xFF", 2, "UTF-16BE (byte order mark FE FF)"},
        {2, 0, "", 0, "looks like UTF-16LE"},
        {2, 1, "", 0, "looks like UTF-16BE"},
        {4, 0, "\xFF\xFE\x00\x00", 4, "UTF-32LE (byte order mark FF FE 00 00)"},
        {4, 1, "\x00\x00\xFE\xFF", 4, "UTF-32BE (byte order mark 00 00 FE FF)"},
        {4, 0, "", 0, "looks like UTF-32LE"},
    };
    str b = {0};
    small_event(&b, 1, "a");
    small_event(&b, 2, "b");
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        str w = {0};
        widen(&w, &b, cases[k].width, cases[k].big, cases[k].bom, cases[k].nbom);
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            enc_result e = {0};
            ha_reader_options o = HA_READER_OPTIONS_INIT;
            o.on_record = enc_record;
            o.on_diag = enc_diag;
            o.userdata = &e;
            ha_reader *r;
            CHECK_INT(ha_reader_new(&o, &r), HA_OK);
            for (size_t i = 0; i < w.n; i += chunk ? chunk : w.n)
                CHECK_INT(ha_reader_feed(r, w.s + i, chunk && chunk < w.n - i ? chunk : w.n - i), HA_OK);
            CHECK_INT(ha_reader_finish(r), HA_OK);
            ha_reader_free(r);
            CHECK_U64(e.ndiags, 1);
            CHECK_U64(e.nrecords, 0);
            CHECK_INT(e.code, HA_ERR_JUNK);
            CHECK_U64(e.offset, 0);
            if (!strstr(e.message, cases[k].name) || !strstr(e.message, "not UTF-8")) {
                printf("encoding case %zu, chunk %zu: %s\n", k, chunk, e.message);
                CHECK(0);
            }
        }
        free(w.s);
    }
    /* UTF-8 junk first is still plain junk, and the events are read */
    str j = {0};
    puts_(&j, "<\x01junk\n");
    put(&j, b.s, b.n);
    enc_result e = {0};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = enc_record;
    o.on_diag = enc_diag;
    o.userdata = &e;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, j.s, j.n), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    ha_reader_free(r);
    CHECK_U64(e.nrecords, 2);
    CHECK(strcmp(e.message, "unexpected data outside an event") == 0);
    free(j.s);
    free(b.s);
}

static void test_stop(void)
{
    str b = {0};
    for (int i = 1; i <= 5; i++)
        small_event(&b, i, "v");
    result res = {0};
    res.stop_after = 2;
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.userdata = &res;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, b.s, b.n), 7); /* the callback's value comes back */
    CHECK_INT(res.nrecords, 2);
    CHECK_INT(ha_reader_feed(r, NULL, 0), HA_OK); /* going on delivers the rest, nothing lost */
    CHECK_INT(res.nrecords, 5);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    CHECK(strstr(res.records.s, "\"record_id\":5,") != NULL);
    ha_reader_free(r);
    result_free(&res);
    free(b.s);
}

/* The EventID filter: unwanted events are skipped unparsed, so a malformed
 * one goes unreported unless the reader is strict. */
static void event_with_id(str *b, const char *id, const char *data)
{
    puts_(b, "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><EventID");
    puts_(b, id);
    puts_(b, "</EventID><Computer>H</Computer></System><EventData>");
    puts_(b, data);
    puts_(b, "</EventData></Event>\n");
}

static void test_filter(void)
{
    str b = {0};
    event_with_id(&b, ">4656", "<Data Name='HandleId'>0x4</Data>");
    event_with_id(&b, ">4624", "<Data Name='LogonType'>3</Data>");
    event_with_id(&b, " Qualifiers=''>4663", "<Data Name='HandleId'>0x4</Data>");
    event_with_id(&b, ">4624", "<Data Name='X'>bad</Datum>");        /* malformed, unwanted */
    event_with_id(&b, ">4663", "<Data Name='HandleId'>0x8</Datum>"); /* malformed, wanted */
    event_with_id(&b, ">46x", "<Data Name='X'>y</Data>");            /* unreadable ID: parsed */
    static const uint32_t ids[] = {4663, 4656};
    for (int strict = 0; strict < 2; strict++) {
        result res = {0};
        ha_reader_options o = HA_READER_OPTIONS_INIT;
        o.on_record = on_record;
        o.on_diag = on_diag;
        o.userdata = &res;
        o.flags = strict ? HA_READER_STRICT : 0;
        ha_reader *r;
        CHECK_INT(ha_reader_new(&o, &r), HA_OK);
        CHECK_INT(ha_reader_set_event_filter(r, ids, 2), HA_OK);
        for (size_t c = 0; c < b.n; c += 7) /* chunking changes nothing */
            CHECK_INT(ha_reader_feed(r, b.s + c, b.n - c < 7 ? b.n - c : 7), HA_OK);
        CHECK_INT(ha_reader_finish(r), HA_OK);
        CHECK_INT(res.nrecords, 2);
        CHECK(strstr(res.records.s, "\"event_id\":4656,") && strstr(res.records.s, "\"event_id\":4663,"));
        CHECK_U64(ha_reader_count(r, HA_COUNT_FILTERED), 2);
        /* the wanted malformed one and the unreadable ID always; the unwanted
         * malformed one only when strict */
        CHECK_INT(res.ndiags, strict ? 3 : 2);
        CHECK_INT(ha_reader_set_event_filter(r, NULL, 0), HA_OK); /* all again */
        CHECK_INT(ha_reader_feed(r, b.s, b.n), HA_OK);
        CHECK_INT(ha_reader_finish(r), HA_OK);
        CHECK_INT(res.nrecords, 5);
        CHECK_INT(ha_reader_set_event_filter(r, NULL, 3), HA_ERR_INVALID);
        ha_reader_free(r);
        result_free(&res);
    }
    const uint32_t *used;
    size_t n = ha_correlator_event_ids(&used);
    CHECK_INT(n, 8);
    CHECK(used[0] == 4656 && used[7] == 4690);
    free(b.s);
}

/* A temporary file (`path`, a mkstemp template) of `count` small events,
 * every `bad_every`-th one (0: none) with a value a control character
 * spoils. Its size in bytes, or -1 when it cannot be made. */
static long write_events(char *path, int count, int bad_every)
{
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    str one = {0};
    for (int n = 0; n < count; n++) {
        one.n = 0;
        small_event(&one, n + 1, bad_every && n % bad_every == bad_every - 1 ? "bad\x01" : "value");
        fwrite(one.s, 1, one.n, f);
    }
    long size = ftell(f);
    fclose(f);
    free(one.s);
    return size;
}

/* Parallel reading: the same records in the same order as one thread, a
 * callback's stop ends it early, and all memory goes through the
 * reader's allocator and comes back. */
static void test_parallel(void)
{
    char path[] = "/tmp/ha-test-parallel-XXXXXX";
    int n = 30000; /* about 5 MB */
    if (write_events(path, n, 1000) < 0)
        return;

    result single = {0}, multi = {0};
    meter m = {0, 0};
    ha_allocator a = {m_malloc, m_realloc, m_free, &m};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = &single;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_read_file(r, path), HA_OK);
    ha_reader_free(r);
    o.userdata = &multi;
    o.allocator = &a;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_read_file_parallel(r, path, 3), HA_OK);
    CHECK(same_result(&single, &multi));
    CHECK_INT(multi.nrecords, n);
    CHECK_INT(multi.ndiags, n / 1000); /* the control characters, as warnings */
    CHECK_U64(ha_reader_count(r, HA_COUNT_EVENTS), (uint64_t)n);
    CHECK_U64(ha_reader_count(r, HA_COUNT_WARNINGS), (uint64_t)n / 1000);
    CHECK(m.peak > 0); /* the workers' memory came from our allocator */
    /* a callback that stops: the call returns its value, early */
    result stopped = {0};
    stopped.stop_after = 12345;
    ha_reader *r2;
    o.userdata = &stopped;
    CHECK_INT(ha_reader_new(&o, &r2), HA_OK);
    CHECK_INT(ha_reader_read_file_parallel(r2, path, 2), 7);
    CHECK_INT(stopped.nrecords, 12345);
    ha_reader_free(r2);
    ha_reader_free(r);
    CHECK_INT(m.now, 0);
    result_free(&single);
    result_free(&multi);
    result_free(&stopped);
    remove(path);
}

/* on_progress: called while whole inputs are read, with bytes that never
 * go back, the input's size as the total, and a last call at the end of
 * the file; a non-zero return stops the read with that value. */
typedef struct {
    int calls, bad, stop_at;
    uint64_t last, total, events_at_end;
    ha_reader *r;
} progress_log;

static int on_progress(uint64_t done, uint64_t total, void *ud)
{
    progress_log *p = ud;
    if (done < p->last || (total && done > total) || (p->calls && total != p->total))
        p->bad++;
    p->calls++;
    p->last = done;
    p->total = total;
    p->events_at_end = ha_reader_count(p->r, HA_COUNT_EVENTS);
    return p->calls == p->stop_at ? 9 : 0;
}

static void test_progress(void)
{
    char path[] = "/tmp/ha-test-progress-XXXXXX";
    int n = 12000; /* about 2 MB */
    long size = write_events(path, n, 0);
    if (size < 0)
        return;
    for (unsigned threads = 1; threads <= 2; threads++) {
        progress_log p = {0};
        ha_reader_options o = HA_READER_OPTIONS_INIT;
        o.on_progress = on_progress;
        o.userdata = &p;
        CHECK_INT(ha_reader_new(&o, &p.r), HA_OK);
        CHECK_INT(ha_reader_read_file_parallel(p.r, path, threads), HA_OK);
        CHECK(p.calls > 2);                        /* along the way, not only at the end */
        CHECK(p.calls < 2 * (int)(size >> 17) + 4); /* and not for every event */
        CHECK_INT(p.bad, 0);
        CHECK_U64(p.last, (uint64_t)size);
        CHECK_U64(p.total, (uint64_t)size);
        CHECK_U64(p.events_at_end, (uint64_t)n); /* the last call comes after the last record */
        ha_reader_free(p.r);

        progress_log q = {0};
        q.stop_at = 2;
        o.userdata = &q;
        CHECK_INT(ha_reader_new(&o, &q.r), HA_OK);
        CHECK_INT(ha_reader_read_file_parallel(q.r, path, threads), 9);
        CHECK_INT(q.calls, 2);
        CHECK(ha_reader_count(q.r, HA_COUNT_EVENTS) < (uint64_t)n);
        ha_reader_free(q.r);
    }
    /* a FILE: no size known */
    progress_log p = {0};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_progress = on_progress;
    o.userdata = &p;
    CHECK_INT(ha_reader_new(&o, &p.r), HA_OK);
    FILE *in = fopen(path, "rb");
    CHECK_INT(ha_reader_read_fp(p.r, in), HA_OK);
    fclose(in);
    CHECK_U64(p.last, (uint64_t)size);
    CHECK_U64(p.total, 0);
    CHECK_INT(p.bad, 0);
    ha_reader_free(p.r);
    /* feeding reports nothing: the caller knows what it fed */
    progress_log none = {0};
    o.userdata = &none;
    CHECK_INT(ha_reader_new(&o, &none.r), HA_OK);
    CHECK_INT(ha_reader_feed(none.r, "<Event/>", 8), HA_OK);
    CHECK_INT(ha_reader_finish(none.r), HA_OK);
    CHECK_INT(none.calls, 0);
    ha_reader_free(none.r);
    remove(path);
}

/* A callback may not feed or finish its own reader. */
static ha_reader *reentered;
static int reentry_feed = 1, reentry_finish = 1;
static int reenter(const ha_record *rec, void *u)
{
    (void)rec;
    (void)u;
    reentry_feed = ha_reader_feed(reentered, "<Event>", 7);
    reentry_finish = ha_reader_finish(reentered);
    return 0;
}

static void test_reentrancy(void)
{
    str b = {0};
    small_event(&b, 1, "a");
    small_event(&b, 2, "b");
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = reenter;
    CHECK_INT(ha_reader_new(&o, &reentered), HA_OK);
    CHECK_INT(ha_reader_feed(reentered, b.s, b.n), HA_OK);
    CHECK_INT(reentry_feed, HA_ERR_INVALID);
    CHECK_INT(reentry_finish, HA_ERR_INVALID);
    CHECK_INT(ha_reader_finish(reentered), HA_OK);
    CHECK_U64(ha_reader_count(reentered, HA_COUNT_EVENTS), 2);
    CHECK_U64(ha_reader_count(reentered, HA_COUNT_ERRORS), 0);
    ha_reader_free(reentered);
    free(b.s);
}

static void test_api_edges(void)
{
    ha_reader *r = NULL;
    ha_reader_options o;
    CHECK_INT(ha_reader_options_init(&o, HA_READER_OPTIONS_VERSION), HA_OK);
    CHECK_INT(ha_reader_options_init(&o, 99), HA_ERR_INVALID);
    o.version = 99;
    CHECK_INT(ha_reader_new(&o, &r), HA_ERR_INVALID);
    CHECK(r == NULL);
    CHECK_INT(ha_reader_new(NULL, NULL), HA_ERR_INVALID);
    CHECK_INT(ha_reader_new(NULL, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, NULL, 3), HA_ERR_INVALID);
    CHECK_INT(ha_reader_read_file(r, "/nonexistent/file.xml"), HA_ERR_IO);
    const ha_diag *d = ha_reader_last_diag(r);
    CHECK(d && strstr(ha_diag_message(d), "/nonexistent/file.xml") != NULL);
    CHECK(d && ha_diag_code(d) == HA_ERR_IO && ha_diag_offset(d) == 0 && ha_diag_line(d) == 1 &&
          ha_diag_column(d) == 1); /* the stream's start */
    ha_reader_free(r);
    ha_reader_free(NULL);
    ha_record_free(NULL);
    CHECK_STR(ha_strerror(HA_ERR_NOMEM), "out of memory");
    CHECK_STR(ha_strerror(-9999), "unknown status");
    char version[32];
    snprintf(version, sizeof version, "%d.%d.%d", HA_VERSION_MAJOR, HA_VERSION_MINOR, HA_VERSION_PATCH);
    CHECK_STR(ha_version_string(), version); /* the header's, and meson.build's project version */
    CHECK_INT(ha_version_number(), HA_VERSION_NUMBER);
}


/* ---- many events per expat call ------------------------------------------- */

/* Runs of events go to expat in one call; anything the one-event path would
 * treat differently must give exactly what that path gives. Each stream is
 * read whole with batches and without, and in random chunks with batches;
 * `min_batched` says how many events batches must at least have delivered
 * (so that the comparison is not between two one-event runs). */
static uint64_t run_batching(const char *data, size_t len, int batching, size_t chunk, size_t max_event,
                             int stop_after, result *res)
{
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = res;
    o.max_event_bytes = max_event;
    res->stop_after = stop_after;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    hai_reader_set_batching(r, batching);
    size_t i = 0;
    while (i < len) {
        size_t n = chunk == 0 ? len : 1 + rnd() % chunk;
        if (n > len - i)
            n = len - i;
        int rc = ha_reader_feed(r, data + i, n);
        while (rc == 7) /* stopped by the callback: go on */
            rc = ha_reader_feed(r, NULL, 0);
        CHECK_INT(rc, HA_OK);
        i += n;
    }
    int rc;
    while ((rc = ha_reader_finish(r)) == 7)
        ;
    CHECK_INT(rc, HA_OK);
    uint64_t batched = hai_reader_batched(r);
    ha_reader_free(r);
    return batched;
}

static void batch_case(const char *name, const str *b, size_t max_event, uint64_t min_batched)
{
    for (int stop_after = 0; stop_after <= 3; stop_after += 3) {
        result single = {0}, whole = {0}, parts = {0};
        run_batching(b->s, b->n, 0, 0, max_event, stop_after, &single);
        uint64_t batched = run_batching(b->s, b->n, 1, 0, max_event, stop_after, &whole);
        run_batching(b->s, b->n, 1, 700, max_event, stop_after, &parts);
        if (!same_result(&single, &whole) || !same_result(&single, &parts) || batched < min_batched) {
            fprintf(stderr, "batching, %s (stop after %d): %zu/%zu/%zu records, %zu/%zu/%zu diagnostics, %llu batched\n",
                    name, stop_after, single.nrecords, whole.nrecords, parts.nrecords, single.ndiags, whole.ndiags,
                    parts.ndiags, (unsigned long long)batched);
            CHECK(0);
        }
        result_free(&single);
        result_free(&whole);
        result_free(&parts);
    }
}

static void test_batching(void)
{
    static const struct {
        const char *name, *between, *inside;
        int expect_batched; /* the events around the odd one still go in batches */
    } cases[] = {
        {"clean", "\n", "", 1},
        {"CRLF", "\r\n", "", 1},
        {"a comment between", "<!-- x -->", "", 1},
        {"a comment hiding </Event>", "\n", "<!-- </Event> -->", 1},
        {"CDATA hiding </Event>", "\n", "<Data Name='C'><![CDATA[</Event>]]></Data>", 1},
        {"a processing instruction", "<?pi </Event>?>", "", 1},
        {"an element named Event inside", "\n", "<Event><EventID>1</EventID></Event>", 1},
        {"text between", "\nnot xml\n", "", 1},
        {"Event Viewer's prefix", "\n- ", "", 1},
        {"a character XML forbids", "\n", "<Data Name='X'>a\x01" "b</Data>", 1},
        {"a bad System value", "\n", "<Data Name='X'>y</Data></EventData><System><Version>z</Version></System><EventData>", 1},
        {"an XML declaration between", "<?xml version='1.0'?>", "", 1},
        {"a DOCTYPE between", "<!DOCTYPE x>", "", 1},
        {"an Events root", "</Events><Events>", "", 1},
        {"a broken tag", "\n", "<Data Name='X'>a</Dat></Data>", 1},
        {"an attribute hiding </Event>", "\n", "<Data Name='</Event>'>a</Data>", 1},
        {"an entity", "&amp;", "", 1},
        {"a character reference between", "&#32;", "", 1},
        {"evtx_dump's record lines", "\nRecord 7\n", "", 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        /* 60 events; every twentieth has the odd part inside it and before it */
        str b = {0};
        for (int i = 1; i <= 60; i++) {
            char t[256];
            int odd = i % 20 == 7;
            snprintf(t, sizeof t, "%s%d</EventRecordID><Computer>DC1</Computer></System><EventData>",
                     small_event_head, i);
            if (odd)
                puts_(&b, cases[c].between);
            puts_(&b, t);
            if (odd)
                puts_(&b, cases[c].inside);
            puts_(&b, "<Data Name='MinPasswordAge'>v</Data></EventData></Event>\n");
        }
        batch_case(cases[c].name, &b, HA_DEFAULT_MAX_EVENT_BYTES, cases[c].expect_batched);
        free(b.s);
    }
    /* an event over the size limit among small ones; a stream cut inside an event */
    str b = {0};
    for (int i = 1; i <= 30; i++)
        small_event(&b, i, i == 10 ? "0123456789012345678901234567890123456789" : "v");
    batch_case("an event over the limit", &b, 300, 1);
    b.n -= 30;
    batch_case("the stream ends inside an event", &b, HA_DEFAULT_MAX_EVENT_BYTES, 1);
    free(b.s);
    /* events without an EventID, or self-closing */
    str e = {0};
    for (int i = 1; i <= 30; i++) {
        if (i == 5)
            puts_(&e, "<Event/>\n");
        if (i == 9)
            puts_(&e, "<Event><System><Computer>H</Computer></System></Event>\n");
        small_event(&e, i, "v");
    }
    batch_case("events without an EventID", &e, HA_DEFAULT_MAX_EVENT_BYTES, 1);
    free(e.s);
    /* `/>` in an attribute of the start tag: the framer takes it for an
     * empty event */
    str t = {0};
    for (int i = 1; i <= 30; i++) {
        if (i == 9)
            puts_(&t, "<Event a='/>'><System><EventID>1</EventID></System></Event>\n");
        small_event(&t, i, "v");
    }
    batch_case("/> in the Event tag", &t, HA_DEFAULT_MAX_EVENT_BYTES, 1);
    free(t.s);
}

/* An event whose start tag never closes (the framer takes `<Event a='/>` for
 * a whole empty event): an error, not the previous event again. */
static void test_unclosed_start_tag(void)
{
    str b = {0};
    small_event(&b, 1, "v");
    size_t bad_at = b.n;
    puts_(&b, "<Event a='/>\n");
    small_event(&b, 2, "v");
    for (int batching = 0; batching <= 1; batching++) {
        result res = {0};
        run_batching(b.s, b.n, batching, 0, HA_DEFAULT_MAX_EVENT_BYTES, 0, &res);
        CHECK_INT(res.nrecords, 2);
        CHECK(strstr(res.records.s, "\"record_id\":1,") != NULL);
        CHECK(strstr(res.records.s, "\"record_id\":2,") != NULL);
        CHECK_INT(res.ndiags, 1);
        if (res.ndiags == 1) {
            CHECK_INT(res.diags[0].code, HA_ERR_XML);
            CHECK_INT(res.diags[0].event_offset, bad_at);
        }
        result_free(&res);
    }
    free(b.s);
}

/* A record callback may use other readers: one that creates, feeds and
 * frees its own reader, with an allocator of its own, must leave the outer
 * reader's allocator in place for the rest of the outer reader's run of
 * events (under ASan or valgrind, a use after free otherwise; and the
 * outer parser's blocks would be the inner allocator's). */
typedef struct {
    int n;
    meter inner;
} nested;

static int inner_reader(const ha_record *rec, void *ud)
{
    (void)rec;
    nested *t = ud;
    ha_allocator a = {m_malloc, m_realloc, m_free, &t->inner};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.allocator = &a;
    ha_reader *inner;
    CHECK_INT(ha_reader_new(&o, &inner), HA_OK);
    str e = {0};
    small_event(&e, 1, "inner");
    CHECK_INT(ha_reader_feed(inner, e.s, e.n), HA_OK);
    CHECK_INT(ha_reader_finish(inner), HA_OK);
    ha_reader_free(inner);
    free(e.s);
    CHECK_INT(atomic_load(&t->inner.now), 0);
    t->n++;
    return 0;
}

static void test_reader_inside_callback(void)
{
    meter m = {0};
    ha_allocator a = {m_malloc, m_realloc, m_free, &m};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.allocator = &a;
    o.on_record = inner_reader;
    nested t = {0};
    o.userdata = &t;
    str b = {0}, v = {0};
    for (int i = 1; i <= 20; i++) { /* ever longer names: expat allocates as it goes */
        for (int k = 0; k < 200; k++)
            puts_(&v, "x");
        char s[256];
        snprintf(s, sizeof s, "%s%d</EventRecordID></System><EventData><Data Name='", small_event_head, i);
        puts_(&b, s);
        puts_(&b, v.s);
        puts_(&b, "'>v</Data><");
        puts_(&b, v.s);
        puts_(&b, " a='1'/></EventData></Event>\n");
    }
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, b.s, b.n), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    CHECK_INT(t.n, 20);
    CHECK(hai_reader_batched(r) > 0);
    CHECK(atomic_load(&t.inner.peak) > 0);        /* the inner readers used theirs */
    CHECK_INT(atomic_load(&t.inner.now), 0);      /* and nothing of the outer parser is theirs */
    CHECK(atomic_load(&m.now) > 0);
    ha_reader_free(r);
    CHECK_INT(atomic_load(&m.now), 0);
    free(b.s);
    free(v.s);
}

/* An allocator that refuses any block over 8000 bytes (with a context:
 * only when a block grows). */
static void *cap_malloc(size_t n, void *ctx) { return n > 8000 && !ctx ? NULL : malloc(n); }
static void *cap_realloc(void *p, size_t n, void *ctx)
{
    (void)ctx;
    return n > 8000 ? NULL : realloc(p, n);
}
static void cap_free(void *p, void *ctx)
{
    (void)ctx;
    free(p);
}

static uint64_t run_capped(const str *b, int batching, size_t max_event, int grow_only, result *res)
{
    ha_allocator a = {cap_malloc, cap_realloc, cap_free, grow_only ? &a : NULL};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.allocator = &a;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = res;
    o.max_event_bytes = max_event;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    hai_reader_set_batching(r, batching);
    CHECK_INT(ha_reader_feed(r, b->s, b->n), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    uint64_t batched = hai_reader_batched(r);
    ha_reader_free(r);
    return batched;
}

/* Memory for a run of events that cannot be had: the reader says so in a
 * warning and reads the events one at a time, losing none; an event a batch
 * could not finish is dropped as the one-event path drops it, and only that
 * event (not the next one to be parsed, when the framer itself rejects it). */
static void test_batch_memory(void)
{
    str b = {0};
    for (int i = 1; i <= 40; i++)
        small_event(&b, i, "0123456789012345678901234567890123456789012345678901234567890123456789");
    result single = {0}, batched = {0};
    run_capped(&b, 0, HA_DEFAULT_MAX_EVENT_BYTES, 0, &single);
    CHECK_INT(run_capped(&b, 1, HA_DEFAULT_MAX_EVENT_BYTES, 0, &batched), 0);
    CHECK_INT(single.nrecords, 40);
    CHECK_INT(batched.nrecords, 40);
    CHECK(single.records.n == batched.records.n && memcmp(single.records.s, batched.records.s, single.records.n) == 0);
    CHECK_INT(single.ndiags, 0);
    CHECK_INT(batched.ndiags, 1);
    if (batched.ndiags == 1) {
        CHECK_INT(batched.diags[0].code, HA_ERR_NOMEM);
        CHECK_INT(batched.diags[0].warning, 1);
    }
    result_free(&single);
    result_free(&batched);
    free(b.s);

    /* a small event, one too large for the reader (and for the allocator),
     * then two small ones */
    str t = {0}, big = {0};
    for (int k = 0; k < 9000; k++)
        puts_(&big, "x");
    small_event(&t, 1, "v");
    small_event(&t, 2, big.s);
    small_event(&t, 3, "v");
    small_event(&t, 4, "v");
    result one = {0}, many = {0};
    run_capped(&t, 0, 5000, 1, &one);
    run_capped(&t, 1, 5000, 1, &many);
    CHECK_INT(one.nrecords, 3);
    CHECK(same_result(&one, &many));
    result_free(&one);
    result_free(&many);
    free(t.s);
    free(big.s);
}

int main(void)
{
    test_encodings();
    test_forms();
    test_control_chars();
    hostile(HA_DEFAULT_MAX_EVENT_BYTES, 3 * HA_DEFAULT_MAX_EVENT_BYTES + (1u << 20));
    hostile(64 * 1024, 1u << 20);
    test_field_limit();
    test_finish_and_restart();
    test_junk_lines();
    test_stop();
    test_api_edges();
    test_reentrancy();
    test_filter();
    test_parallel();
    test_progress();
    test_batching();
    test_unclosed_start_tag();
    test_reader_inside_callback();
    test_batch_memory();
    return check_done();
}
