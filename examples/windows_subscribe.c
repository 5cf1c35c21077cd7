/* A Windows agent's loop: subscribe to the Security channel, render each
 * event as XML, feed it to libhandleaudit, print each ended handle sequence
 * as a JSON line; and survive restarts without losing or repeating events.
 *
 *   windows_subscribe [--oldest] [CHECKPOINT]     (default handleaudit.checkpoint)
 *
 * Run it elevated (reading the Security log needs SeSecurityPrivilege, which
 * Administrators have). Ctrl-C stops it cleanly.
 *
 * Restarts: after each batch of events, one checkpoint file is written
 * atomically (a temporary file moved over it): the event log's bookmark
 * (where the batch ended) and the correlator's snapshot (the handles still
 * open), side by side. Both describe the same moment, so a restart resumes
 * after the last event the snapshot holds: none is lost (the log keeps what
 * came while the agent was down), none is fed twice (a crash before the
 * move leaves the previous checkpoint, bookmark and snapshot of the same
 * earlier moment). Without a checkpoint it starts with new events, or with
 * the oldest the log holds (--oldest).
 *
 * Build: cc windows_subscribe.c -lhandleaudit -lwevtapi (MSVC: cl
 * windows_subscribe.c handleaudit.lib wevtapi.lib). docs/windows.md. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <winevt.h>

#include <handleaudit/handleaudit.h>
#include <io.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#define BATCH 64
#define MAGIC "HACKPT1\n" /* checkpoint: MAGIC, bookmark length (4 bytes LE), bookmark XML, snapshot */

static HANDLE stop_event;

static BOOL WINAPI on_ctrl(DWORD type)
{
    (void)type;
    SetEvent(stop_event);
    return TRUE;
}

static int on_end(const ha_sequence *seq, const ha_record *rec, void *userdata)
{
    (void)rec;
    (void)userdata;
    size_t n = ha_sequence_json(seq, NULL, 0);
    char *line = malloc(n + 1);
    if (!line)
        return 1;
    ha_sequence_json(seq, line, n + 1);
    puts(line);
    free(line);
    return 0;
}

static int on_diag(const ha_diag *d, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "windows_subscribe: %s\n", ha_diag_message(d));
    return 0; /* a malformed event is skipped; the next ones are read */
}

/* UTF-16 to UTF-8, allocated; *len without the terminating NUL. */
static char *to_utf8(const wchar_t *w, size_t *len)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (s) {
        WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
        *len = (size_t)n - 1;
    }
    return s;
}

static wchar_t *to_utf16(const char *s, size_t len)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, (int)len, NULL, 0);
    wchar_t *w = malloc(((size_t)n + 1) * sizeof *w);
    if (w) {
        MultiByteToWideChar(CP_UTF8, 0, s, (int)len, w, n);
        w[n] = 0;
    }
    return w;
}

/* EvtRender into a growing buffer: the event's XML, or a bookmark's. */
static wchar_t *render(EVT_HANDLE h, DWORD flags, wchar_t **buf, DWORD *cap)
{
    DWORD used = 0, props = 0;
    if (EvtRender(NULL, h, flags, *cap, *buf, &used, &props))
        return *buf;
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER)
        return NULL;
    wchar_t *bigger = realloc(*buf, used);
    if (!bigger)
        return NULL;
    *buf = bigger;
    *cap = used;
    return EvtRender(NULL, h, flags, *cap, *buf, &used, &props) ? *buf : NULL;
}

/* The snapshot goes straight to the file, 64 KiB at a time. */
static int to_file(const void *data, size_t len, void *userdata)
{
    return fwrite(data, 1, len, userdata) == len ? 0 : 1;
}

static int from_file(void *buf, size_t cap, size_t *got, void *userdata)
{
    *got = fread(buf, 1, cap, userdata);
    return *got < cap && ferror((FILE *)userdata) ? 1 : 0;
}

/* The bookmark and the snapshot, into `path` at once. */
static int save_checkpoint(const wchar_t *path, EVT_HANDLE bookmark, ha_correlator *corr, wchar_t **buf,
                           DWORD *cap)
{
    size_t blen = 0;
    char *bxml = render(bookmark, EvtRenderBookmark, buf, cap) ? to_utf8(*buf, &blen) : NULL;
    int ok = bxml != NULL;
    wchar_t tmp[MAX_PATH + 8];
    ok = ok && swprintf(tmp, sizeof tmp / sizeof *tmp, L"%ls.tmp", path) > 0;
    FILE *f = ok ? _wfopen(tmp, L"wb") : NULL;
    if (f) {
        unsigned char len4[4] = {(unsigned char)blen, (unsigned char)(blen >> 8), (unsigned char)(blen >> 16),
                                 (unsigned char)(blen >> 24)};
        ok = fwrite(MAGIC, 1, 8, f) == 8 && fwrite(len4, 1, 4, f) == 4 && fwrite(bxml, 1, blen, f) == blen &&
             ha_correlator_save_to(corr, to_file, f) == HA_OK && fflush(f) == 0 &&
             FlushFileBuffers((HANDLE)_get_osfhandle(_fileno(f)));
        ok = fclose(f) == 0 && ok && MoveFileExW(tmp, path, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
        if (!ok)
            _wremove(tmp);
    } else {
        ok = 0;
    }
    free(bxml);
    if (!ok)
        fprintf(stderr, "windows_subscribe: cannot write the checkpoint (error %lu)\n", GetLastError());
    return ok ? 0 : -1;
}

/* A checkpoint read back: the bookmark (NULL when there is no checkpoint)
 * and the correlator's state. -1 when it exists but cannot be used. */
static int load_checkpoint(const wchar_t *path, ha_correlator *corr, EVT_HANDLE *bookmark)
{
    *bookmark = NULL;
    FILE *f = _wfopen(path, L"rb");
    if (!f)
        return 0;
    unsigned char head[12];
    int rc = -1;
    size_t blen = 0;
    char *bxml = NULL;
    if (fread(head, 1, 12, f) == 12 && memcmp(head, MAGIC, 8) == 0) {
        blen = (size_t)head[8] | (size_t)head[9] << 8 | (size_t)head[10] << 16 | (size_t)head[11] << 24;
        bxml = blen < ((size_t)1 << 20) ? malloc(blen ? blen : 1) : NULL;
    }
    if (bxml && fread(bxml, 1, blen, f) == blen) {
        if (ha_correlator_load_from(corr, from_file, f) == HA_OK) {
            wchar_t *xml = to_utf16(bxml, blen);
            *bookmark = xml ? EvtCreateBookmark(xml) : NULL;
            free(xml);
            rc = *bookmark ? 0 : -1;
        } else {
            fprintf(stderr, "windows_subscribe: %s\n", ha_diag_message(ha_correlator_last_diag(corr)));
        }
    }
    free(bxml);
    fclose(f);
    if (rc)
        fprintf(stderr, "windows_subscribe: the checkpoint is damaged; move it away to start afresh\n");
    return rc;
}

/* The XPath query for the EventIDs the correlator uses. */
static void build_query(wchar_t *q, size_t cap)
{
    const uint32_t *ids;
    size_t n = ha_correlator_event_ids(&ids), at = 0;
    at += (size_t)swprintf(q + at, cap - at, L"*[System[(");
    for (size_t i = 0; i < n; i++)
        at += (size_t)swprintf(q + at, cap - at, L"%lsEventID=%u", i ? L" or " : L"", (unsigned)ids[i]);
    swprintf(q + at, cap - at, L")]]");
}

int wmain(int argc, wchar_t **argv)
{
    int oldest = argc > 1 && wcscmp(argv[1], L"--oldest") == 0;
    const wchar_t *path = argc > 1 + oldest ? argv[1 + oldest] : L"handleaudit.checkpoint";

    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_end = on_end;
    co.max_open = 100000; /* memory stays bounded however long it runs */
    co.max_processes = 10000;
    ha_correlator *corr;
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = ha_correlator_on_record;
    ro.on_diag = on_diag;
    ha_reader *reader;
    if (ha_correlator_new(&co, &corr) != HA_OK)
        return 1;
    ro.userdata = corr;
    if (ha_reader_new(&ro, &reader) != HA_OK)
        return 1;

    EVT_HANDLE bookmark;
    if (load_checkpoint(path, corr, &bookmark) != 0)
        return 1;
    DWORD flags = bookmark ? EvtSubscribeStartAfterBookmark
                           : oldest ? EvtSubscribeStartAtOldestRecord : EvtSubscribeToFutureEvents;
    if (!bookmark)
        bookmark = EvtCreateBookmark(NULL);

    wchar_t query[512];
    build_query(query, sizeof query / sizeof *query);
    stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    HANDLE signal = CreateEventW(NULL, TRUE, TRUE, NULL);
    SetConsoleCtrlHandler(on_ctrl, TRUE);
    EVT_HANDLE after = flags == EvtSubscribeStartAfterBookmark ? bookmark : NULL;
    EVT_HANDLE sub = EvtSubscribe(NULL, signal, L"Security", query, after, NULL, NULL, flags);
    if (!sub) {
        fprintf(stderr, "windows_subscribe: EvtSubscribe failed (error %lu%s)\n", GetLastError(),
                GetLastError() == ERROR_ACCESS_DENIED ? ": run it as an administrator" : "");
        return 1;
    }

    wchar_t *buf = NULL;
    DWORD cap = 0;
    int status = 0;
    HANDLE waits[2] = {stop_event, signal};
    while (!status && WaitForMultipleObjects(2, waits, FALSE, INFINITE) == WAIT_OBJECT_0 + 1) {
        EVT_HANDLE events[BATCH];
        DWORD got = 0;
        while (!status && EvtNext(sub, BATCH, events, 1000, 0, &got)) {
            for (DWORD i = 0; i < got; i++) {
                size_t len = 0;
                char *xml = render(events[i], EvtRenderEventXml, &buf, &cap) ? to_utf8(buf, &len) : NULL;
                if (!xml || ha_reader_feed(reader, xml, len) < 0)
                    status = 1; /* out of memory, or a callback stopped the feed */
                free(xml);
                EvtUpdateBookmark(bookmark, events[i]);
                EvtClose(events[i]);
            }
            /* the batch's events all reach the correlator (nothing waits in
             * the reader), its sequences are printed, then the checkpoint */
            if (!status && ha_reader_finish(reader) < 0)
                status = 1;
            fflush(stdout);
            if (!status && save_checkpoint(path, bookmark, corr, &buf, &cap) != 0)
                status = 1;
        }
        if (!status && GetLastError() == ERROR_NO_MORE_ITEMS)
            ResetEvent(signal);
        else if (!status && GetLastError() != ERROR_TIMEOUT) {
            fprintf(stderr, "windows_subscribe: EvtNext failed (error %lu)\n", GetLastError());
            status = 1;
        }
    }
    /* Stopped: the open handles stay in the checkpoint for the next start
     * (no flush, which would end them as end_of_input). */
    EvtClose(sub);
    EvtClose(bookmark);
    free(buf);
    ha_reader_free(reader);
    ha_correlator_free(corr);
    return status;
}
