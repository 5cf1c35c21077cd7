/* The correlator, rule by rule of the contract (CONTRACT.md, "Correlation"):
 * one small hand-written event sequence per rule, built with the record
 * builder API, and the exact values of every sequence it ends. */
#include <handleaudit/handleaudit.h>

#include <stdarg.h>

#include "check.h"

/* ---- times and events ------------------------------------------------------ */

/* 2026-01-01T00:00:00Z; T(k) is k microseconds later. */
#define T0 (INT64_C(1767225600) * 1000000000)
#define T(k) (T0 + (int64_t)(k) * 1000)

#define KW_SUCCESS UINT64_C(0x8020000000000000)
#define KW_FAILURE UINT64_C(0x8010000000000000)

#define HOST "HOST"
#define OTHER "OTHER"
#define SID "S-1-5-21-1004336348-1177238915-682003330-1107"
#define NOTEPAD "C:\\Windows\\System32\\notepad.exe"
#define SECRET "C:\\Users\\alice\\secret.txt"

/* Build one record (the Subject block first, then the name/value pairs up to
 * a NULL name), add it to the correlator, free it; returns what
 * ha_correlator_add() returned. */
static int ev(ha_correlator *c, uint32_t id, uint64_t kw, int k, uint64_t rid, const char *host, ...)
{
    ha_record *r = NULL;
    CHECK_INT(ha_record_new(NULL, &r), HA_OK);
    if (!r)
        return -1000;
    CHECK_INT(ha_record_set_system(r, id, 0, kw, T(k), rid, host), HA_OK);
    CHECK_INT(ha_record_add_data(r, "SubjectUserSid", SID, strlen(SID)), HA_OK);
    CHECK_INT(ha_record_add_data(r, "SubjectUserName", "alice", 5), HA_OK);
    CHECK_INT(ha_record_add_data(r, "SubjectDomainName", "CORP", 4), HA_OK);
    va_list ap;
    va_start(ap, host);
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (!name)
            break;
        const char *value = va_arg(ap, const char *);
        CHECK_INT(ha_record_add_data(r, name, value, strlen(value)), HA_OK);
    }
    va_end(ap);
    int rc = ha_correlator_add(c, r);
    ha_record_free(r);
    return rc;
}

/* 4656 (or 4661) with an outcome. */
static int open_kw(ha_correlator *c, uint32_t id, uint64_t kw, int k, uint64_t rid, const char *host,
                   const char *pid, const char *handle, const char *logon, const char *type, const char *name,
                   const char *mask, const char *pname)
{
    return ev(c, id, kw, k, rid, host, "SubjectLogonId", logon, "ObjectServer", "Security", "ObjectType", type,
              "ObjectName", name, "HandleId", handle, "TransactionId", "{00000000-0000-0000-0000-000000000000}",
              "AccessList", "%%4416", "AccessMask", mask, "PrivilegeList", "-", "RestrictedSidCount", "0",
              "ProcessId", pid, "ProcessName", pname, (const char *)NULL);
}

/* A successful 4656. */
static int open_(ha_correlator *c, int k, uint64_t rid, const char *host, const char *pid, const char *handle,
                 const char *logon, const char *type, const char *name, const char *mask, const char *pname)
{
    return open_kw(c, 4656, KW_SUCCESS, k, rid, host, pid, handle, logon, type, name, mask, pname);
}

/* A 4663. */
static int access_(ha_correlator *c, int k, uint64_t rid, const char *host, const char *pid, const char *handle,
                   const char *logon, const char *type, const char *name, const char *mask, const char *pname)
{
    return ev(c, 4663, KW_SUCCESS, k, rid, host, "SubjectLogonId", logon, "ObjectServer", "Security", "ObjectType",
              type, "ObjectName", name, "HandleId", handle, "AccessList", "%%4416", "AccessMask", mask, "ProcessId",
              pid, "ProcessName", pname, (const char *)NULL);
}

/* A 4658. */
static int close_(ha_correlator *c, int k, uint64_t rid, const char *host, const char *pid, const char *handle,
                  const char *logon, const char *pname)
{
    return ev(c, 4658, KW_SUCCESS, k, rid, host, "SubjectLogonId", logon, "ObjectServer", "Security", "HandleId",
              handle, "ProcessId", pid, "ProcessName", pname, (const char *)NULL);
}

/* A 4660. */
static int delete_(ha_correlator *c, int k, uint64_t rid, const char *host, const char *pid, const char *handle,
                   const char *logon, const char *pname)
{
    return ev(c, 4660, KW_SUCCESS, k, rid, host, "SubjectLogonId", logon, "ObjectServer", "Security", "HandleId",
              handle, "ProcessId", pid, "ProcessName", pname, "TransactionId",
              "{00000000-0000-0000-0000-000000000000}", (const char *)NULL);
}

/* A 4688: NewProcessId `pid` created by `parent`. */
static int created(ha_correlator *c, int k, uint64_t rid, const char *host, const char *pid, const char *image,
                   const char *parent, const char *cmdline, const char *logon)
{
    return ev(c, 4688, KW_SUCCESS, k, rid, host, "SubjectLogonId", logon, "NewProcessId", pid, "NewProcessName",
              image, "TokenElevationType", "%%1936", "ProcessId", parent, "CommandLine", cmdline,
              (const char *)NULL);
}

/* A 4689. */
static int exited(ha_correlator *c, int k, uint64_t rid, const char *host, const char *pid, const char *logon,
                  const char *pname)
{
    return ev(c, 4689, KW_SUCCESS, k, rid, host, "SubjectLogonId", logon, "Status", "0x0", "ProcessId", pid,
              "ProcessName", pname, (const char *)NULL);
}

/* A 4690: (spid, shandle) duplicated into (tpid, thandle). */
static int duplicated(ha_correlator *c, int k, uint64_t rid, const char *host, const char *logon, const char *spid,
                      const char *shandle, const char *tpid, const char *thandle)
{
    return ev(c, 4690, KW_SUCCESS, k, rid, host, "SubjectLogonId", logon, "SourceHandleId", shandle,
              "SourceProcessId", spid, "TargetHandleId", thandle, "TargetProcessId", tpid, (const char *)NULL);
}

/* ---- what the callbacks see ------------------------------------------------ */

#define MAXN 32
#define NO_REC UINT64_MAX /* the callback got rec == NULL */

typedef struct {
    ha_sequence *ended[MAXN]; /* copies, in the order they ended */
    uint64_t end_rid[MAXN];   /* record ID of the responsible record */
    size_t nended;
    uint64_t open_rid[MAXN];
    uint64_t open_handle[MAXN];
    size_t nopen;
    uint64_t access_rid[MAXN];
    size_t naccess;
    ha_request *req[MAXN]; /* copies of the requests that opened nothing */
    size_t nreq;
    int ret_open, ret_access, ret_end, ret_req; /* what the callbacks return */
} coll;

static uint64_t rid_of(const ha_record *rec) { return rec ? ha_record_record_id(rec) : NO_REC; }

static int on_open(const ha_sequence *seq, const ha_record *rec, void *ud)
{
    coll *c = ud;
    CHECK(seq != NULL);
    if (c->nopen < MAXN) {
        c->open_rid[c->nopen] = rid_of(rec);
        c->open_handle[c->nopen] = ha_sequence_handle_id(seq);
    }
    c->nopen++;
    return c->ret_open;
}

static int on_access(const ha_sequence *seq, const ha_record *rec, void *ud)
{
    coll *c = ud;
    CHECK(seq != NULL);
    CHECK_INT(ha_sequence_end(seq), HA_END_NONE);
    if (c->naccess < MAXN)
        c->access_rid[c->naccess] = rid_of(rec);
    c->naccess++;
    return c->ret_access;
}

static int on_end(const ha_sequence *seq, const ha_record *rec, void *ud)
{
    coll *c = ud;
    CHECK(seq != NULL);
    CHECK(ha_sequence_end(seq) != HA_END_NONE);
    if (c->nended < MAXN) {
        c->end_rid[c->nended] = rid_of(rec);
        CHECK_INT(ha_sequence_copy(seq, &c->ended[c->nended]), HA_OK);
    }
    c->nended++;
    return c->ret_end;
}

static int on_request(const ha_request *q, void *ud)
{
    coll *c = ud;
    const ha_record *r = ha_request_record(q);
    CHECK(r != NULL);
    CHECK(ha_record_event_id(r) == 4656 || ha_record_event_id(r) == 4661);
    CHECK_U64(ha_request_record_id(q), ha_record_record_id(r));
    if (c->nreq < MAXN)
        CHECK_INT(ha_request_copy(q, &c->req[c->nreq]), HA_OK);
    c->nreq++;
    return c->ret_req;
}

static ha_correlator *mk(coll *c, size_t max_open)
{
    memset(c, 0, sizeof *c);
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_open = on_open;
    o.on_access = on_access;
    o.on_end = on_end;
    o.on_request = on_request;
    o.userdata = c;
    o.max_open = max_open;
    ha_correlator *corr = NULL;
    CHECK_INT(ha_correlator_new(&o, &corr), HA_OK);
    CHECK(corr != NULL);
    return corr;
}

static void done(coll *c, ha_correlator *corr)
{
    ha_correlator_free(corr);
    for (size_t i = 0; i < c->nended && i < MAXN; i++)
        ha_sequence_free(c->ended[i]);
    for (size_t i = 0; i < c->nreq && i < MAXN; i++)
        ha_request_free(c->req[i]);
    memset(c, 0, sizeof *c);
}

/* The ended sequence of (computer, pid, handle), or NULL (and a failure). */
static const ha_sequence *find(const coll *c, const char *computer, uint64_t pid, uint64_t handle)
{
    for (size_t i = 0; i < c->nended && i < MAXN; i++) {
        const ha_sequence *s = c->ended[i];
        if (s && strcmp(ha_sequence_computer(s), computer) == 0 && ha_sequence_process_id(s) == pid &&
            ha_sequence_handle_id(s) == handle)
            return s;
    }
    fprintf(stderr, "no ended sequence for (%s, 0x%" PRIx64 ", 0x%" PRIx64 ")\n", computer, pid, handle);
    check_failures++;
    return NULL;
}

/* Index in c->ended of a sequence, for its end_rid. */
static size_t index_of(const coll *c, const ha_sequence *s)
{
    for (size_t i = 0; i < c->nended && i < MAXN; i++)
        if (c->ended[i] == s)
            return i;
    return MAXN;
}

static uint64_t end_rid_of(const coll *c, const ha_sequence *s)
{
    size_t i = index_of(c, s);
    return i < MAXN ? c->end_rid[i] : 0;
}

/* The checks every sequence gets: key, opened, end, times. */
static void check_seq(const ha_sequence *s, const char *computer, uint64_t pid, uint64_t handle, uint64_t logon,
                      int opened, ha_end end, int64_t open_time, int64_t end_time, int64_t duration)
{
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_STR(ha_sequence_computer(s), computer);
    CHECK_U64(ha_sequence_process_id(s), pid);
    CHECK_U64(ha_sequence_handle_id(s), handle);
    CHECK_U64(ha_sequence_logon_id(s), logon);
    CHECK_INT(ha_sequence_opened(s), opened);
    CHECK_INT(ha_sequence_end(s), end);
    CHECK_INT(ha_sequence_open_time(s), open_time);
    CHECK_INT(ha_sequence_end_time(s), end_time);
    CHECK_INT(ha_sequence_duration(s), duration);
}

/* What it holds: accesses, mask, object, process, deleted. */
static void check_body(const ha_sequence *s, uint64_t accesses, uint32_t mask, uint32_t requested, const char *type,
                       const char *name, const char *pname, const char *cmdline, int deleted)
{
    if (!s)
        return;
    CHECK_U64(ha_sequence_accesses(s), accesses);
    CHECK_U64(ha_sequence_access_mask(s), mask);
    CHECK_U64(ha_sequence_requested_access(s), requested);
    CHECK_STR(ha_sequence_object_type(s), type);
    CHECK_STR(ha_sequence_object_name(s), name);
    CHECK_STR(ha_sequence_process_name(s), pname);
    CHECK_STR(ha_sequence_process_command_line(s), cmdline);
    CHECK_INT(ha_sequence_deleted(s), deleted);
}

static void check_ids(const ha_sequence *s, uint64_t first, uint64_t last)
{
    if (!s)
        return;
    CHECK_U64(ha_sequence_first_record_id(s), first);
    CHECK_U64(ha_sequence_last_record_id(s), last);
}

static void check_not_dup(const ha_sequence *s)
{
    if (!s)
        return;
    CHECK_INT(ha_sequence_duplicated(s), 0);
    CHECK_U64(ha_sequence_source_process_id(s), 0);
    CHECK_U64(ha_sequence_source_handle_id(s), 0);
}

/* The sequence's JSON, malloc'ed. */
static char *json(const ha_sequence *s)
{
    size_t n = ha_sequence_json(s, NULL, 0);
    char *buf = malloc(n + 1);
    CHECK_U64(ha_sequence_json(s, buf, n + 1), n);
    CHECK_U64(strlen(buf), n);
    return buf;
}

/* The JSON begins with `prefix` (the contract's keys) and goes on with more
 * keys or ends. */
static void check_json_prefix(const ha_sequence *s, const char *prefix)
{
    if (!s)
        return;
    char *j = json(s);
    size_t n = strlen(prefix);
    if (strncmp(j, prefix, n) != 0) {
        fprintf(stderr, "JSON\n  %s\ndoes not begin with\n  %s\n", j, prefix);
        check_failures++;
    } else {
        CHECK(j[n] == ',' || j[n] == '}');
    }
    CHECK(j[strlen(j) - 1] == '}');
    free(j);
}

/* ---- the rules --------------------------------------------------------------- */

/* 4656, two 4663 (masks ORed), 4658: duration = close - open. */
static void test_open_access_close(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 101, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", SECRET, "0x12019f", NOTEPAD), HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 1);
    CHECK_INT(access_(corr, 5, 102, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", SECRET, "0x1", NOTEPAD), HA_OK);
    CHECK_INT(access_(corr, 9, 103, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", SECRET, "0x4", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 0);
    CHECK_INT(close_(corr, 25, 104, HOST, "0x1234", "0x3b4", "0x5c3a1e", NOTEPAD), HA_OK);

    CHECK_INT(c.nopen, 1);
    CHECK_U64(c.open_rid[0], 101);
    CHECK_INT(c.naccess, 2);
    CHECK_U64(c.access_rid[0], 102);
    CHECK_U64(c.access_rid[1], 103);
    CHECK_INT(c.nended, 1);
    CHECK_U64(c.end_rid[0], 104);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x1234, 0x3b4, 0x5c3a1e, 1, HA_END_CLOSE, T(1), T(25), 24000);
    check_body(s, 2, 0x5, 0x12019f, "File", SECRET, NOTEPAD, NULL, 0);
    check_ids(s, 101, 104);
    check_not_dup(s);
    CHECK_STR(ha_sequence_subject_user_sid(s), SID);
    CHECK_STR(ha_sequence_subject_user_name(s), "alice");
    CHECK_STR(ha_sequence_subject_domain_name(s), "CORP");

    CHECK_U64(ha_correlator_count(corr, HA_CORR_RECORDS), 4);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 0);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_UNUSABLE), 0);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_FAILED_OPENS), 0);
    CHECK_U64(ha_correlator_ended(corr, HA_END_CLOSE), 1);
    CHECK_U64(ha_correlator_ended(corr, HA_END_END_OF_INPUT), 0);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 1);
    done(&c, corr);
}

/* 4660 on an open sequence: deleted, an access callback, not a 4663. */
static void test_open_delete_close(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 1, HOST, "0x1234", "0x3c0", "0x5c3a1e", "File", SECRET, "0x10080", NOTEPAD), HA_OK);
    CHECK_INT(access_(corr, 2, 2, HOST, "0x1234", "0x3c0", "0x5c3a1e", "File", SECRET, "0x10000", NOTEPAD), HA_OK);
    CHECK_INT(delete_(corr, 3, 3, HOST, "0x1234", "0x3c0", "0x5c3a1e", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 0);
    CHECK_INT(close_(corr, 4, 4, HOST, "0x1234", "0x3c0", "0x5c3a1e", NOTEPAD), HA_OK);
    CHECK_INT(c.nopen, 1);
    CHECK_INT(c.naccess, 2);
    CHECK_U64(c.access_rid[1], 3);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x1234, 0x3c0, 0x5c3a1e, 1, HA_END_CLOSE, T(1), T(4), 3000);
    check_body(s, 1, 0x10000, 0x10080, "File", SECRET, NOTEPAD, NULL, 1);
    check_ids(s, 1, 4);
    done(&c, corr);
}

/* 4661 opens like 4656. */
static void test_4661(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    const char *lsass = "C:\\Windows\\System32\\lsass.exe";
    CHECK_INT(open_kw(corr, 4661, KW_SUCCESS, 1, 51, HOST, "0x2a8", "0x1f4", "0x3e7", "SAM_USER",
                      "S-1-5-21-1-2-3-500", "0x20044", lsass),
              HA_OK);
    CHECK_INT(c.nopen, 1);
    CHECK_U64(c.open_rid[0], 51);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    CHECK_INT(close_(corr, 3, 52, HOST, "0x2a8", "0x1f4", "0x3e7", lsass), HA_OK);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x2a8, 0x1f4, 0x3e7, 1, HA_END_CLOSE, T(1), T(3), 2000);
    check_body(s, 0, 0, 0x20044, "SAM_USER", "S-1-5-21-1-2-3-500", lsass, NULL, 0);
    check_ids(s, 51, 52);
    check_not_dup(s);
    done(&c, corr);
}

/* Failure keyword, or HandleId 0x0: no sequence, counted; an open key is
 * not ended by a failed open of the same key. */
static void test_failed_opens(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_kw(corr, 4656, KW_FAILURE, 1, 61, HOST, "0x1234", "0x0", "0x5c3a1e", "File", SECRET, "0x1",
                      NOTEPAD),
              HA_OK);
    CHECK_INT(open_kw(corr, 4656, KW_FAILURE, 2, 62, HOST, "0x1234", "0x3c0", "0x5c3a1e", "File", SECRET, "0x1",
                      NOTEPAD),
              HA_OK);
    CHECK_INT(open_kw(corr, 4656, KW_SUCCESS, 3, 63, HOST, "0x1234", "0x0", "0x5c3a1e", "File", SECRET, "0x1",
                      NOTEPAD),
              HA_OK);
    CHECK_INT(open_kw(corr, 4661, KW_FAILURE, 4, 64, HOST, "0x2a8", "0x0", "0x3e7", "SAM_USER", "S-1-5-21-1-2-3-500",
                      "0x20044", "C:\\Windows\\System32\\lsass.exe"),
              HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_FAILED_OPENS), 4);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 0);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 0);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_UNUSABLE), 0);
    CHECK_INT(c.nopen, 0);
    CHECK_INT(c.nended, 0);

    CHECK_INT(open_(corr, 5, 65, HOST, "0x1234", "0x3c0", "0x5c3a1e", "File", SECRET, "0x1", NOTEPAD), HA_OK);
    CHECK_INT(open_kw(corr, 4656, KW_FAILURE, 6, 66, HOST, "0x1234", "0x3c0", "0x5c3a1e", "File", SECRET, "0x2",
                      NOTEPAD),
              HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_FAILED_OPENS), 5);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    CHECK_INT(c.nopen, 1);
    CHECK_INT(c.nended, 0);
    CHECK_INT(close_(corr, 8, 67, HOST, "0x1234", "0x3c0", "0x5c3a1e", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x1234, 0x3c0, 0x5c3a1e, 1, HA_END_CLOSE, T(5), T(8), 3000);
    check_body(s, 0, 0, 0x1, "File", SECRET, NOTEPAD, NULL, 0);
    check_ids(s, 65, 67);
    CHECK_U64(ha_correlator_ended(corr, HA_END_HANDLE_REUSED), 0);

    /* each one that opened nothing went to on_request, in order, with why */
    CHECK_U64(c.nreq, 5);
    static const ha_outcome why[] = {HA_OUTCOME_FAILURE, HA_OUTCOME_FAILURE, HA_OUTCOME_NO_HANDLE,
                                     HA_OUTCOME_FAILURE, HA_OUTCOME_FAILURE};
    static const uint64_t rids[] = {61, 62, 63, 64, 66};
    for (size_t i = 0; i < 5 && i < c.nreq; i++) {
        CHECK_INT(ha_request_outcome(c.req[i]), why[i]);
        CHECK_U64(ha_request_record_id(c.req[i]), rids[i]);
        CHECK(ha_request_record(c.req[i]) == NULL); /* a copy has no record */
    }
    const ha_request *q = c.req[1];
    CHECK_STR(ha_request_computer(q), HOST);
    CHECK_U64(ha_request_process_id(q), 0x1234);
    CHECK_U64(ha_request_handle_id(q), 0x3c0);
    CHECK_U64(ha_request_logon_id(q), 0x5c3a1e);
    CHECK(ha_request_time(q) == T(2));
    CHECK_U64(ha_request_requested_access(q), 0x1);
    CHECK_STR(ha_request_object_type(q), "File");
    CHECK_STR(ha_request_object_name(q), SECRET);
    CHECK_STR(ha_request_process_name(q), NOTEPAD);
    CHECK(ha_request_process_command_line(q) == NULL);
    CHECK_STR(ha_request_subject_user_sid(q), SID);
    CHECK_STR(ha_request_subject_user_name(q), "alice");
    CHECK_STR(ha_request_subject_domain_name(q), "CORP");
    CHECK_STR(ha_request_object_type(c.req[3]), "SAM_USER");
    CHECK_U64(ha_request_requested_access(c.req[3]), 0x20044);
    CHECK_STR(ha_outcome_name(ha_request_outcome(c.req[2])), "no_handle");
    CHECK_STR(ha_outcome_name(HA_OUTCOME_FAILURE), "failure");
    char json[1024];
    size_t n = ha_request_json(q, json, sizeof json);
    CHECK(n < sizeof json);
    CHECK(strncmp(json, "{\"type\":\"request\",\"computer\":\"HOST\",\"process_id\":4660,\"handle_id\":960,"
                        "\"logon_id\":6044190,\"time\":\"2026-01-01T00:00:00.0000020Z\",\"outcome\":\"failure\","
                        "\"requested_access\":1,\"object_type\":\"File\",",
                  120) == 0);
    CHECK(strstr(json, ",\"record_id\":62,\"event_id\":4656,\"access_names\":[\"ReadData (or ListDirectory)\"]}") != NULL);
    ha_request *again;
    CHECK_INT(ha_request_copy(q, &again), HA_OK); /* a copy of a copy */
    CHECK_STR(ha_request_object_name(again), SECRET);
    ha_request_free(again);
    ha_request_free(NULL);
    CHECK(ha_request_outcome(NULL) == 0 && ha_request_computer(NULL) == NULL && ha_request_json(NULL, NULL, 0) == 4);
    done(&c, corr);

    /* a request callback's non-zero value is returned by the add */
    corr = mk(&c, 0);
    c.ret_req = 9;
    CHECK_INT(open_kw(corr, 4656, KW_FAILURE, 1, 71, HOST, "0x1234", "0x0", "0x5c3a1e", "File", SECRET, "0x1",
                      NOTEPAD),
              9);
    done(&c, corr);
}

/* One object per handle: a 4663 or 4660 naming another known object than
 * the open sequence's ends it as handle_reused at its time and begins a new
 * one; an unknown name ("-", empty) or a 4658 does not. First and last
 * times follow each. */
static void test_one_object_per_handle(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    const char *other = "C:\\Users\\alice\\other.txt";
    CHECK_INT(access_(corr, 1, 81, HOST, "0x50", "0x50", "0x1", "File", SECRET, "0x1", NOTEPAD), HA_OK);
    CHECK_INT(access_(corr, 2, 82, HOST, "0x50", "0x50", "0x1", "File", "-", "0x2", NOTEPAD), HA_OK);
    CHECK_INT(access_(corr, 3, 83, HOST, "0x50", "0x50", "0x1", "File", SECRET, "0x4", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 0);
    CHECK_INT(access_(corr, 5, 84, HOST, "0x50", "0x50", "0x1", "File", other, "0x1", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x50, 0x50, 0x1, 0, HA_END_HANDLE_REUSED, HA_TIME_NONE, T(5), HA_TIME_NONE);
    CHECK_U64(ha_sequence_accesses(s), 3);
    CHECK_U64(ha_sequence_access_mask(s), 0x7);
    CHECK(ha_sequence_first_time(s) == T(1) && ha_sequence_last_time(s) == T(3));
    check_ids(s, 81, 83);
    CHECK_U64(c.end_rid[0], 84);
    /* a 4660 on yet another object: the same */
    CHECK_INT(ev(corr, 4660, KW_SUCCESS, 6, 85, HOST, "SubjectLogonId", "0x1", "ObjectServer", "Security",
                 "ObjectType", "File", "ObjectName", SECRET, "HandleId", "0x50", "ProcessId", "0x50",
                 "ProcessName", NOTEPAD, (const char *)NULL),
              HA_OK);
    CHECK_INT(c.nended, 2);
    CHECK_STR(ha_sequence_object_name(c.ended[1]), other);
    CHECK(ha_sequence_first_time(c.ended[1]) == T(5) && ha_sequence_last_time(c.ended[1]) == T(5));
    /* the close names no object: it closes what is open */
    CHECK_INT(close_(corr, 8, 86, HOST, "0x50", "0x50", "0x1", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 3);
    s = c.ended[2];
    CHECK_INT(ha_sequence_end(s), HA_END_CLOSE);
    CHECK(ha_sequence_deleted(s) == 1);
    CHECK_STR(ha_sequence_object_name(s), SECRET);
    CHECK(ha_sequence_first_time(s) == T(6) && ha_sequence_last_time(s) == T(8) && ha_sequence_end_time(s) == T(8));
    CHECK_U64(ha_correlator_ended(corr, HA_END_HANDLE_REUSED), 2);
    /* an opened one keeps its open time as first time */
    CHECK_INT(open_(corr, 10, 87, HOST, "0x50", "0x60", "0x1", "File", SECRET, "0x1", NOTEPAD), HA_OK);
    CHECK_INT(access_(corr, 11, 88, HOST, "0x50", "0x60", "0x1", "File", other, "0x1", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 4);
    s = c.ended[3];
    check_seq(s, HOST, 0x50, 0x60, 0x1, 1, HA_END_HANDLE_REUSED, T(10), T(11), HA_TIME_NONE);
    CHECK(ha_sequence_first_time(s) == T(10) && ha_sequence_last_time(s) == T(10));
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 5);
    s = c.ended[4];
    CHECK(ha_sequence_end_time(s) == HA_TIME_NONE && ha_sequence_first_time(s) == T(11) &&
          ha_sequence_last_time(s) == T(11));
    done(&c, corr);
}

/* A 4663 without an open: opened = false, object from the 4663. */
static void test_orphan_access(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(access_(corr, 1, 11, HOST, "0x700", "0x88", "0x3e7", "File", "C:\\log.txt", "0x2", "C:\\w.exe"),
              HA_OK);
    CHECK_INT(c.nopen, 1);
    CHECK_U64(c.open_rid[0], 11);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 1);
    CHECK_INT(access_(corr, 2, 12, HOST, "0x700", "0x88", "0x3e7", "File", "C:\\log.txt", "0x4", "C:\\w.exe"),
              HA_OK);
    CHECK_INT(close_(corr, 4, 13, HOST, "0x700", "0x88", "0x3e7", "C:\\w.exe"), HA_OK);
    CHECK_INT(c.nended, 1);
    CHECK_U64(c.end_rid[0], 13);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x700, 0x88, 0x3e7, 0, HA_END_CLOSE, HA_TIME_NONE, T(4), HA_TIME_NONE);
    check_body(s, 2, 0x6, 0, "File", "C:\\log.txt", "C:\\w.exe", NULL, 0);
    check_ids(s, 11, 13);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 1);
    done(&c, corr);
}

/* A 4660 without an open: deleted = true, opened = false; closed, or flushed. */
static void test_orphan_delete(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(delete_(corr, 1, 21, HOST, "0x700", "0x90", "0x3e7", "C:\\w.exe"), HA_OK);
    CHECK_INT(delete_(corr, 2, 22, HOST, "0x700", "0x94", "0x3e7", "C:\\w.exe"), HA_OK);
    CHECK_INT(c.nopen, 2);
    CHECK_U64(c.open_rid[0], 21);
    CHECK_U64(c.open_rid[1], 22);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 2);
    CHECK_INT(close_(corr, 3, 23, HOST, "0x700", "0x90", "0x3e7", "C:\\w.exe"), HA_OK);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 2);

    const ha_sequence *s = find(&c, HOST, 0x700, 0x90);
    check_seq(s, HOST, 0x700, 0x90, 0x3e7, 0, HA_END_CLOSE, HA_TIME_NONE, T(3), HA_TIME_NONE);
    check_body(s, 0, 0, 0, NULL, NULL, "C:\\w.exe", NULL, 1);
    check_ids(s, 21, 23);
    CHECK_U64(end_rid_of(&c, s), 23);

    s = find(&c, HOST, 0x700, 0x94);
    check_seq(s, HOST, 0x700, 0x94, 0x3e7, 0, HA_END_END_OF_INPUT, HA_TIME_NONE, HA_TIME_NONE, HA_TIME_NONE);
    check_body(s, 0, 0, 0, NULL, NULL, "C:\\w.exe", NULL, 1);
    check_ids(s, 22, 22);
    CHECK_U64(end_rid_of(&c, s), NO_REC);
    done(&c, corr);
}

/* A 4658 without an open: a sequence that starts and ends on it. */
static void test_orphan_close(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(close_(corr, 1, 31, HOST, "0x700", "0x98", "0x3e7", "C:\\w.exe"), HA_OK);
    CHECK_INT(c.nopen, 1);
    CHECK_U64(c.open_rid[0], 31);
    CHECK_INT(c.naccess, 0);
    CHECK_INT(c.nended, 1);
    CHECK_U64(c.end_rid[0], 31);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 0);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 1);
    CHECK_U64(ha_correlator_ended(corr, HA_END_CLOSE), 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x700, 0x98, 0x3e7, 0, HA_END_CLOSE, HA_TIME_NONE, T(1), HA_TIME_NONE);
    check_body(s, 0, 0, 0, NULL, NULL, "C:\\w.exe", NULL, 0);
    check_ids(s, 31, 31);
    check_not_dup(s);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 1);
    done(&c, corr);
}

/* The same key opened twice: the first ends "handle_reused" at the second
 * open's time, without a duration. */
static void test_handle_reused(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 41, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", "C:\\a.txt", "0x80", NOTEPAD), HA_OK);
    CHECK_INT(access_(corr, 2, 42, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", "C:\\a.txt", "0x1", NOTEPAD), HA_OK);
    CHECK_INT(open_(corr, 7, 43, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", "C:\\b.txt", "0x2", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 1);
    CHECK_INT(c.nopen, 2);
    CHECK_U64(c.open_rid[1], 43);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    CHECK_INT(close_(corr, 9, 44, HOST, "0x1234", "0x3b4", "0x5c3a1e", NOTEPAD), HA_OK);
    CHECK_INT(c.nended, 2);

    const ha_sequence *s = c.ended[0];
    CHECK_U64(c.end_rid[0], 43);
    check_seq(s, HOST, 0x1234, 0x3b4, 0x5c3a1e, 1, HA_END_HANDLE_REUSED, T(1), T(7), HA_TIME_NONE);
    check_body(s, 1, 0x1, 0x80, "File", "C:\\a.txt", NOTEPAD, NULL, 0);
    if (s)
        CHECK_U64(ha_sequence_first_record_id(s), 41);

    s = c.ended[1];
    CHECK_U64(c.end_rid[1], 44);
    check_seq(s, HOST, 0x1234, 0x3b4, 0x5c3a1e, 1, HA_END_CLOSE, T(7), T(9), 2000);
    check_body(s, 0, 0, 0x2, "File", "C:\\b.txt", NOTEPAD, NULL, 0);
    check_ids(s, 43, 44);
    CHECK_U64(ha_correlator_ended(corr, HA_END_HANDLE_REUSED), 1);
    CHECK_U64(ha_correlator_ended(corr, HA_END_CLOSE), 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 2);
    done(&c, corr);
}

/* 4689 ends every open sequence of (Computer, ProcessId), whatever the logon,
 * and none of another PID or another Computer. */
static void test_process_exit(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 81, HOST, "0x100", "0x10", "0x111", "File", "C:\\1", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(open_(corr, 2, 82, HOST, "0x100", "0x20", "0x222", "File", "C:\\2", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(open_(corr, 3, 83, HOST, "0x200", "0x10", "0x111", "File", "C:\\3", "0x1", "C:\\q.exe"), HA_OK);
    CHECK_INT(open_(corr, 4, 84, OTHER, "0x100", "0x10", "0x111", "File", "C:\\4", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(access_(corr, 5, 85, HOST, "0x100", "0x20", "0x222", "File", "C:\\2", "0x2", "C:\\p.exe"), HA_OK);
    CHECK_INT(access_(corr, 6, 86, HOST, "0x100", "0x30", "0x111", "File", "C:\\5", "0x4", "C:\\p.exe"), HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 5);
    CHECK_INT(exited(corr, 10, 87, HOST, "0x100", "0x333", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 3);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 2);
    CHECK_U64(ha_correlator_ended(corr, HA_END_PROCESS_EXIT), 3);

    const ha_sequence *s = find(&c, HOST, 0x100, 0x10);
    check_seq(s, HOST, 0x100, 0x10, 0x111, 1, HA_END_PROCESS_EXIT, T(1), T(10), 9000);
    check_body(s, 0, 0, 0x1, "File", "C:\\1", "C:\\p.exe", NULL, 0);
    CHECK_U64(end_rid_of(&c, s), 87);
    if (s)
        CHECK_U64(ha_sequence_first_record_id(s), 81);
    s = find(&c, HOST, 0x100, 0x20);
    check_seq(s, HOST, 0x100, 0x20, 0x222, 1, HA_END_PROCESS_EXIT, T(2), T(10), 8000);
    check_body(s, 1, 0x2, 0x1, "File", "C:\\2", "C:\\p.exe", NULL, 0);
    CHECK_U64(end_rid_of(&c, s), 87);
    s = find(&c, HOST, 0x100, 0x30);
    check_seq(s, HOST, 0x100, 0x30, 0x111, 0, HA_END_PROCESS_EXIT, HA_TIME_NONE, T(10), HA_TIME_NONE);
    check_body(s, 1, 0x4, 0, "File", "C:\\5", "C:\\p.exe", NULL, 0);
    CHECK_U64(end_rid_of(&c, s), 87);

    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 5);
    s = find(&c, HOST, 0x200, 0x10);
    check_seq(s, HOST, 0x200, 0x10, 0x111, 1, HA_END_END_OF_INPUT, T(3), HA_TIME_NONE, HA_TIME_NONE);
    s = find(&c, OTHER, 0x100, 0x10);
    check_seq(s, OTHER, 0x100, 0x10, 0x111, 1, HA_END_END_OF_INPUT, T(4), HA_TIME_NONE, HA_TIME_NONE);
    check_body(s, 0, 0, 0x1, "File", "C:\\4", "C:\\p.exe", NULL, 0);
    done(&c, corr);
}

/* 4688 under (Computer, NewProcessId); a later one with the same PID
 * replaces it for sequences that start afterwards. */
static void test_pid_reuse(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(created(corr, 1, 91, HOST, "0x300", "C:\\a.exe", "0x2a0", "a.exe -x", "0x5c3a1e"), HA_OK);
    CHECK_INT(created(corr, 2, 92, OTHER, "0x300", "C:\\o.exe", "0x2a0", "o.exe", "0x5c3a1e"), HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_PROCESSES), 2);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 0);
    CHECK_INT(open_(corr, 3, 93, HOST, "0x300", "0x44", "0x5c3a1e", "File", "C:\\x", "0x1", "C:\\a.exe"), HA_OK);
    CHECK_INT(created(corr, 4, 94, HOST, "0x300", "C:\\b.exe", "0x2a0", "b.exe -y", "0x5c3a1e"), HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_PROCESSES), 2);
    CHECK_INT(open_(corr, 5, 95, HOST, "0x300", "0x48", "0x5c3a1e", "File", "C:\\y", "0x1", "C:\\b.exe"), HA_OK);
    /* a process without a 4688 */
    CHECK_INT(open_(corr, 6, 96, HOST, "0x304", "0x4c", "0x5c3a1e", "File", "C:\\z", "0x1", "C:\\c.exe"), HA_OK);
    CHECK_INT(c.nended, 0);
    CHECK_INT(close_(corr, 7, 97, HOST, "0x300", "0x44", "0x5c3a1e", "C:\\b.exe"), HA_OK);
    CHECK_INT(close_(corr, 8, 98, HOST, "0x300", "0x48", "0x5c3a1e", "C:\\b.exe"), HA_OK);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 3);

    const ha_sequence *s = find(&c, HOST, 0x300, 0x44);
    check_seq(s, HOST, 0x300, 0x44, 0x5c3a1e, 1, HA_END_CLOSE, T(3), T(7), 4000);
    check_body(s, 0, 0, 0x1, "File", "C:\\x", "C:\\a.exe", "a.exe -x", 0);
    check_ids(s, 93, 97);
    s = find(&c, HOST, 0x300, 0x48);
    check_seq(s, HOST, 0x300, 0x48, 0x5c3a1e, 1, HA_END_CLOSE, T(5), T(8), 3000);
    check_body(s, 0, 0, 0x1, "File", "C:\\y", "C:\\b.exe", "b.exe -y", 0);
    check_ids(s, 95, 98);
    s = find(&c, HOST, 0x304, 0x4c);
    check_seq(s, HOST, 0x304, 0x4c, 0x5c3a1e, 1, HA_END_END_OF_INPUT, T(6), HA_TIME_NONE, HA_TIME_NONE);
    check_body(s, 0, 0, 0x1, "File", "C:\\z", "C:\\c.exe", NULL, 0);
    done(&c, corr);
}

/* The same PID, handle and logon on two computers are two sequences; no
 * Computer at all is "". */
static void test_computer_in_key(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 71, HOST, "0x100", "0x10", "0x111", "File", "C:\\h", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(open_(corr, 2, 72, OTHER, "0x100", "0x10", "0x111", "File", "C:\\o", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 0);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 2);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 2);
    CHECK_INT(close_(corr, 3, 73, OTHER, "0x100", "0x10", "0x111", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, OTHER, 0x100, 0x10, 0x111, 1, HA_END_CLOSE, T(2), T(3), 1000);
    check_body(s, 0, 0, 0x1, "File", "C:\\o", "C:\\p.exe", NULL, 0);
    check_ids(s, 72, 73);
    CHECK_INT(access_(corr, 4, 74, HOST, "0x100", "0x10", "0x111", "File", "C:\\h", "0x2", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.naccess, 1);
    CHECK_INT(open_(corr, 5, 75, NULL, "0x100", "0x10", "0x111", "File", "C:\\n", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 2);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 3);
    s = c.ended[1]; /* oldest activity first */
    check_seq(s, HOST, 0x100, 0x10, 0x111, 1, HA_END_END_OF_INPUT, T(1), HA_TIME_NONE, HA_TIME_NONE);
    check_body(s, 1, 0x2, 0x1, "File", "C:\\h", "C:\\p.exe", NULL, 0);
    check_ids(s, 71, 74);
    s = c.ended[2];
    check_seq(s, "", 0x100, 0x10, 0x111, 1, HA_END_END_OF_INPUT, T(5), HA_TIME_NONE, HA_TIME_NONE);
    check_body(s, 0, 0, 0x1, "File", "C:\\n", "C:\\p.exe", NULL, 0);
    done(&c, corr);
}

/* 4690 after the source's 4656, into PID 4 (no 4688): closed by a 4658 under
 * the source's PID with the target's handle value. */
static void test_duplicate_into_system(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 1, HOST, "0x600", "0x3b4", "0x3e7", "File", SECRET, "0x1", "C:\\src.exe"), HA_OK);
    CHECK_INT(duplicated(corr, 2, 2, HOST, "0x3e7", "0x600", "0x3b4", "0x4", "0x1a8"), HA_OK);
    CHECK_INT(c.nopen, 2);
    CHECK_U64(c.open_rid[1], 2);
    CHECK_U64(c.open_handle[1], 0x1a8);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 2);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 2);
    CHECK_INT(close_(corr, 3, 3, HOST, "0x600", "0x1a8", "0x3e7", "C:\\src.exe"), HA_OK);
    CHECK_INT(c.nended, 1);
    CHECK_U64(c.end_rid[0], 3);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x4, 0x1a8, 0x3e7, 1, HA_END_CLOSE, T(2), T(3), 1000);
    check_body(s, 0, 0, 0, "File", SECRET, NULL, NULL, 0);
    check_ids(s, 2, 3);
    if (s) {
        CHECK_INT(ha_sequence_duplicated(s), 1);
        CHECK_U64(ha_sequence_source_process_id(s), 0x600);
        CHECK_U64(ha_sequence_source_handle_id(s), 0x3b4);
    }

    CHECK_INT(close_(corr, 4, 4, HOST, "0x600", "0x3b4", "0x3e7", "C:\\src.exe"), HA_OK);
    CHECK_INT(c.nended, 2);
    s = c.ended[1];
    check_seq(s, HOST, 0x600, 0x3b4, 0x3e7, 1, HA_END_CLOSE, T(1), T(4), 3000);
    check_body(s, 0, 0, 0x1, "File", SECRET, "C:\\src.exe", NULL, 0);
    check_ids(s, 1, 4);
    check_not_dup(s);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 0);
    done(&c, corr);
}

/* 4690 into a process whose 4688 was seen: its image and command line. */
static void test_duplicate_into_known_process(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    const char *svchost = "C:\\Windows\\System32\\svchost.exe";
    CHECK_INT(created(corr, 1, 1, HOST, "0x500", svchost, "0x2a0", "svchost.exe -k x", "0x3e7"), HA_OK);
    CHECK_INT(open_(corr, 2, 2, HOST, "0x600", "0x3b4", "0x3e7", "File", SECRET, "0x3", "C:\\src.exe"), HA_OK);
    CHECK_INT(duplicated(corr, 3, 3, HOST, "0x3e7", "0x600", "0x3b4", "0x500", "0x2c8"), HA_OK);
    CHECK_INT(access_(corr, 4, 4, HOST, "0x500", "0x2c8", "0x3e7", "File", SECRET, "0x2", svchost), HA_OK);
    CHECK_INT(c.naccess, 1);
    CHECK_U64(c.access_rid[0], 4);
    CHECK_INT(close_(corr, 5, 5, HOST, "0x500", "0x2c8", "0x3e7", svchost), HA_OK);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x500, 0x2c8, 0x3e7, 1, HA_END_CLOSE, T(3), T(5), 2000);
    check_body(s, 1, 0x2, 0, "File", SECRET, svchost, "svchost.exe -k x", 0);
    check_ids(s, 3, 5);
    if (s) {
        CHECK_INT(ha_sequence_duplicated(s), 1);
        CHECK_U64(ha_sequence_source_process_id(s), 0x600);
        CHECK_U64(ha_sequence_source_handle_id(s), 0x3b4);
    }
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 2);
    s = c.ended[1];
    check_seq(s, HOST, 0x600, 0x3b4, 0x3e7, 1, HA_END_END_OF_INPUT, T(2), HA_TIME_NONE, HA_TIME_NONE);
    check_not_dup(s);
    done(&c, corr);
}

/* The real-log order: the 4690 before the source's 4656: no object. */
static void test_duplicate_before_source_open(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(duplicated(corr, 1, 1, HOST, "0x3e7", "0x600", "0x3b4", "0x4", "0x1a8"), HA_OK);
    CHECK_INT(open_(corr, 2, 2, HOST, "0x600", "0x3b4", "0x3e7", "File", SECRET, "0x1", "C:\\src.exe"), HA_OK);
    CHECK_INT(c.nopen, 2);
    CHECK_U64(c.open_rid[0], 1);
    CHECK_INT(close_(corr, 3, 3, HOST, "0x600", "0x1a8", "0x3e7", "C:\\src.exe"), HA_OK);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x4, 0x1a8, 0x3e7, 1, HA_END_CLOSE, T(1), T(3), 2000);
    check_body(s, 0, 0, 0, NULL, NULL, NULL, NULL, 0);
    check_ids(s, 1, 3);
    if (s) {
        CHECK_INT(ha_sequence_duplicated(s), 1);
        CHECK_U64(ha_sequence_source_process_id(s), 0x600);
        CHECK_U64(ha_sequence_source_handle_id(s), 0x3b4);
    }
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 2);
    s = c.ended[1];
    check_seq(s, HOST, 0x600, 0x3b4, 0x3e7, 1, HA_END_END_OF_INPUT, T(2), HA_TIME_NONE, HA_TIME_NONE);
    check_body(s, 0, 0, 0x1, "File", SECRET, "C:\\src.exe", NULL, 0);
    done(&c, corr);
}

/* A 4658 under the source PID closes the duplicate only when that key has no
 * open sequence of its own. */
static void test_duplicate_own_key_first(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 1, HOST, "0x600", "0x3b4", "0x3e7", "File", SECRET, "0x1", "C:\\src.exe"), HA_OK);
    CHECK_INT(open_(corr, 2, 2, HOST, "0x600", "0x1a8", "0x3e7", "File", "C:\\other.txt", "0x1", "C:\\src.exe"),
              HA_OK);
    CHECK_INT(duplicated(corr, 3, 3, HOST, "0x3e7", "0x600", "0x3b4", "0x4", "0x1a8"), HA_OK);
    CHECK_INT(close_(corr, 4, 4, HOST, "0x600", "0x1a8", "0x3e7", "C:\\src.exe"), HA_OK);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x600, 0x1a8, 0x3e7, 1, HA_END_CLOSE, T(2), T(4), 2000);
    check_body(s, 0, 0, 0x1, "File", "C:\\other.txt", "C:\\src.exe", NULL, 0);
    check_not_dup(s);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 2);
    /* now the key has none of its own: the next such 4658 closes the duplicate */
    CHECK_INT(close_(corr, 5, 5, HOST, "0x600", "0x1a8", "0x3e7", "C:\\src.exe"), HA_OK);
    CHECK_INT(c.nended, 2);
    s = c.ended[1];
    check_seq(s, HOST, 0x4, 0x1a8, 0x3e7, 1, HA_END_CLOSE, T(3), T(5), 2000);
    check_body(s, 0, 0, 0, "File", SECRET, NULL, NULL, 0);
    if (s)
        CHECK_INT(ha_sequence_duplicated(s), 1);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 3);
    done(&c, corr);
}

/* Flush: every open sequence ends "end_of_input", oldest activity first,
 * with no end time, no duration, and no record. */
static void test_end_of_input(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 1, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(open_(corr, 2, 2, HOST, "0x100", "0xb0", "0x111", "File", "C:\\b", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(access_(corr, 3, 3, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x20", "C:\\p.exe"), HA_OK);
    CHECK_INT(access_(corr, 4, 4, HOST, "0x100", "0xc0", "0x111", "File", "C:\\c", "0x40", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 0);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 3);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 0);
    CHECK_U64(ha_correlator_ended(corr, HA_END_END_OF_INPUT), 3);
    for (size_t i = 0; i < 3; i++)
        CHECK_U64(c.end_rid[i], NO_REC);
    check_seq(c.ended[0], HOST, 0x100, 0xb0, 0x111, 1, HA_END_END_OF_INPUT, T(2), HA_TIME_NONE, HA_TIME_NONE);
    check_body(c.ended[0], 0, 0, 0x1, "File", "C:\\b", "C:\\p.exe", NULL, 0);
    check_ids(c.ended[0], 2, 2);
    check_seq(c.ended[1], HOST, 0x100, 0xa0, 0x111, 1, HA_END_END_OF_INPUT, T(1), HA_TIME_NONE, HA_TIME_NONE);
    check_body(c.ended[1], 1, 0x20, 0x1, "File", "C:\\a", "C:\\p.exe", NULL, 0);
    check_ids(c.ended[1], 1, 3);
    check_seq(c.ended[2], HOST, 0x100, 0xc0, 0x111, 0, HA_END_END_OF_INPUT, HA_TIME_NONE, HA_TIME_NONE,
              HA_TIME_NONE);
    check_body(c.ended[2], 1, 0x40, 0, "File", "C:\\c", "C:\\p.exe", NULL, 0);
    check_ids(c.ended[2], 4, 4);
    /* nothing left: a second flush ends nothing */
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 3);
    done(&c, corr);
}

/* max_open = 3: a 4th open evicts the one with the oldest last activity. */
static void test_evicted(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 3);
    CHECK_INT(open_(corr, 1, 1, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(open_(corr, 2, 2, HOST, "0x100", "0xb0", "0x111", "File", "C:\\b", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(open_(corr, 3, 3, HOST, "0x100", "0xc0", "0x111", "File", "C:\\c", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(access_(corr, 4, 4, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x2", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 0);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 3);
    CHECK_INT(open_(corr, 5, 5, HOST, "0x100", "0xd0", "0x111", "File", "C:\\d", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 3);
    CHECK_U64(c.end_rid[0], 5);
    check_seq(c.ended[0], HOST, 0x100, 0xb0, 0x111, 1, HA_END_EVICTED, T(2), HA_TIME_NONE, HA_TIME_NONE);
    check_body(c.ended[0], 0, 0, 0x1, "File", "C:\\b", "C:\\p.exe", NULL, 0);
    check_ids(c.ended[0], 2, 2);
    CHECK_INT(open_(corr, 6, 6, HOST, "0x100", "0xe0", "0x111", "File", "C:\\e", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 2);
    CHECK_U64(c.end_rid[1], 6);
    check_seq(c.ended[1], HOST, 0x100, 0xc0, 0x111, 1, HA_END_EVICTED, T(3), HA_TIME_NONE, HA_TIME_NONE);
    CHECK_U64(ha_correlator_ended(corr, HA_END_EVICTED), 2);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 3);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 5);
    check_seq(c.ended[2], HOST, 0x100, 0xa0, 0x111, 1, HA_END_END_OF_INPUT, T(1), HA_TIME_NONE, HA_TIME_NONE);
    check_body(c.ended[2], 1, 0x2, 0x1, "File", "C:\\a", "C:\\p.exe", NULL, 0);
    check_seq(c.ended[3], HOST, 0x100, 0xd0, 0x111, 1, HA_END_END_OF_INPUT, T(5), HA_TIME_NONE, HA_TIME_NONE);
    check_seq(c.ended[4], HOST, 0x100, 0xe0, 0x111, 1, HA_END_END_OF_INPUT, T(6), HA_TIME_NONE, HA_TIME_NONE);
    done(&c, corr);
}

/* A callback's non-zero value is returned by ha_correlator_add() (or
 * ha_correlator_flush()), and the record is still applied whole. */
static void test_callback_stops(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    /* on_access */
    c.ret_access = 5;
    CHECK_INT(open_(corr, 1, 1, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(access_(corr, 2, 2, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x2", "C:\\p.exe"), 5);
    CHECK_INT(c.naccess, 1);
    c.ret_access = 0;
    CHECK_INT(access_(corr, 3, 3, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x4", "C:\\p.exe"), HA_OK);

    /* on_end, for a 4689 that ends two sequences: both end */
    CHECK_INT(open_(corr, 4, 4, HOST, "0x100", "0xb0", "0x222", "File", "C:\\b", "0x1", "C:\\p.exe"), HA_OK);
    c.ret_end = 5;
    CHECK_INT(exited(corr, 5, 5, HOST, "0x100", "0x111", "C:\\p.exe"), 5);
    CHECK_INT(c.nended, 2);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 0);
    const ha_sequence *s = find(&c, HOST, 0x100, 0xa0);
    check_seq(s, HOST, 0x100, 0xa0, 0x111, 1, HA_END_PROCESS_EXIT, T(1), T(5), 4000);
    check_body(s, 2, 0x6, 0x1, "File", "C:\\a", "C:\\p.exe", NULL, 0);
    s = find(&c, HOST, 0x100, 0xb0);
    check_seq(s, HOST, 0x100, 0xb0, 0x222, 1, HA_END_PROCESS_EXIT, T(4), T(5), 1000);

    /* on_end, for a reopened key: the old one ends and the new one opens */
    CHECK_INT(open_(corr, 6, 6, HOST, "0x200", "0xa0", "0x111", "File", "C:\\c", "0x1", "C:\\q.exe"), HA_OK);
    size_t opens = c.nopen;
    CHECK_INT(open_(corr, 7, 7, HOST, "0x200", "0xa0", "0x111", "File", "C:\\d", "0x1", "C:\\q.exe"), 5);
    CHECK_INT(c.nended, 3);
    CHECK_INT(c.nopen, opens + 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    if (c.nended == 3)
        CHECK_INT(ha_sequence_end(c.ended[2]), HA_END_HANDLE_REUSED);

    /* on_end, for a flush: it stops; flushing again ends the rest */
    CHECK_INT(open_(corr, 8, 8, HOST, "0x200", "0xb0", "0x111", "File", "C:\\e", "0x1", "C:\\q.exe"), HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 2);
    CHECK_INT(ha_correlator_flush(corr), 5);
    CHECK_INT(c.nended, 4);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    c.ret_end = 0;
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 5);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 0);
    if (c.nended == 5) {
        check_seq(c.ended[3], HOST, 0x200, 0xa0, 0x111, 1, HA_END_END_OF_INPUT, T(7), HA_TIME_NONE, HA_TIME_NONE);
        check_body(c.ended[3], 0, 0, 0x1, "File", "C:\\d", "C:\\q.exe", NULL, 0);
        check_seq(c.ended[4], HOST, 0x200, 0xb0, 0x111, 1, HA_END_END_OF_INPUT, T(8), HA_TIME_NONE, HA_TIME_NONE);
    }

    /* on_open, for a 4690 */
    c.ret_open = 7;
    CHECK_INT(duplicated(corr, 9, 9, HOST, "0x111", "0x200", "0xb0", "0x4", "0x1a8"), 7);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    c.ret_open = 0;
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 6);
    if (c.nended == 6) {
        CHECK_INT(ha_sequence_duplicated(c.ended[5]), 1);
        CHECK_U64(ha_sequence_handle_id(c.ended[5]), 0x1a8);
    }
    done(&c, corr);
}

/* ha_sequence_json(): the contract's keys first, exactly; snprintf sizing. */
static void test_json(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(created(corr, 0, 100, HOST, "0x1234", NOTEPAD, "0x2a0", "\"" NOTEPAD "\" C:\\x.txt", "0x5c3a1e"),
              HA_OK);
    CHECK_INT(open_(corr, 1, 101, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", SECRET, "0x12019f", NOTEPAD), HA_OK);
    CHECK_INT(access_(corr, 5, 102, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", SECRET, "0x1", NOTEPAD), HA_OK);
    CHECK_INT(access_(corr, 9, 103, HOST, "0x1234", "0x3b4", "0x5c3a1e", "File", SECRET, "0x4", NOTEPAD), HA_OK);
    CHECK_INT(delete_(corr, 10, 104, HOST, "0x1234", "0x3b4", "0x5c3a1e", NOTEPAD), HA_OK);
    CHECK_INT(close_(corr, 25, 105, HOST, "0x1234", "0x3b4", "0x5c3a1e", NOTEPAD), HA_OK);
    /* orphans: a 4663 with a name to escape, a 4658 with no object */
    CHECK_INT(access_(corr, 30, 106, HOST, "0x700", "0x88", "0x3e7", "File", "C:\\dir\\a\"b\x01.txt", "0x1",
                      "C:\\w.exe"),
              HA_OK);
    CHECK_INT(close_(corr, 31, 107, HOST, "0x700", "0x90", "0x3e7", "C:\\w.exe"), HA_OK);
    CHECK_INT(ha_correlator_flush(corr), HA_OK);
    CHECK_INT(c.nended, 3);
    if (c.nended != 3) {
        done(&c, corr);
        return;
    }

    check_json_prefix(c.ended[0],
                      "{\"type\":\"sequence\",\"computer\":\"HOST\",\"process_id\":4660,\"handle_id\":948,"
                      "\"logon_id\":6044190,\"opened\":true,\"end\":\"close\","
                      "\"open_time\":\"2026-01-01T00:00:00.0000010Z\",\"end_time\":\"2026-01-01T00:00:00.0000250Z\","
                      "\"duration_ns\":24000,\"accesses\":2,\"access_mask\":5,\"object_type\":\"File\","
                      "\"object_name\":\"C:\\\\Users\\\\alice\\\\secret.txt\","
                      "\"process_name\":\"C:\\\\Windows\\\\System32\\\\notepad.exe\","
                      "\"process_command_line\":\"\\\"C:\\\\Windows\\\\System32\\\\notepad.exe\\\" C:\\\\x.txt\","
                      "\"deleted\":true");
    check_json_prefix(c.ended[1],
                      "{\"type\":\"sequence\",\"computer\":\"HOST\",\"process_id\":1792,\"handle_id\":144,"
                      "\"logon_id\":999,\"opened\":false,\"end\":\"close\",\"open_time\":null,"
                      "\"end_time\":\"2026-01-01T00:00:00.0000310Z\",\"duration_ns\":null,\"accesses\":0,"
                      "\"access_mask\":0,\"object_type\":null,\"object_name\":null,"
                      "\"process_name\":\"C:\\\\w.exe\",\"process_command_line\":null,\"deleted\":false");
    check_json_prefix(c.ended[2],
                      "{\"type\":\"sequence\",\"computer\":\"HOST\",\"process_id\":1792,\"handle_id\":136,"
                      "\"logon_id\":999,\"opened\":false,\"end\":\"end_of_input\",\"open_time\":null,"
                      "\"end_time\":null,\"duration_ns\":null,\"accesses\":1,\"access_mask\":1,"
                      "\"object_type\":\"File\",\"object_name\":\"C:\\\\dir\\\\a\\\"b\\u0001.txt\","
                      "\"process_name\":\"C:\\\\w.exe\",\"process_command_line\":null,\"deleted\":false");

    /* snprintf-like: (NULL, 0) sizes, a short buffer is cut and terminated */
    const ha_sequence *s = c.ended[0];
    size_t n = ha_sequence_json(s, NULL, 0);
    CHECK(n > 100);
    char *full = json(s);
    char small[16];
    memset(small, 'X', sizeof small);
    CHECK_U64(ha_sequence_json(s, small, 10), n);
    CHECK(small[9] == '\0');
    CHECK(memcmp(small, full, 9) == 0);
    CHECK(small[10] == 'X');
    char one = 'X';
    CHECK_U64(ha_sequence_json(s, &one, 1), n);
    CHECK(one == '\0');
    char *exact = malloc(n);
    CHECK_U64(ha_sequence_json(s, exact, n), n); /* one byte short of the NUL */
    CHECK(exact[n - 1] == '\0');
    CHECK(memcmp(exact, full, n - 1) == 0);
    free(exact);
    free(full);

    /* end names */
    CHECK_STR(ha_end_name(HA_END_NONE), "open");
    CHECK_STR(ha_end_name(HA_END_CLOSE), "close");
    CHECK_STR(ha_end_name(HA_END_PROCESS_EXIT), "process_exit");
    CHECK_STR(ha_end_name(HA_END_HANDLE_REUSED), "handle_reused");
    CHECK_STR(ha_end_name(HA_END_EVICTED), "evicted");
    CHECK_STR(ha_end_name(HA_END_END_OF_INPUT), "end_of_input");
    done(&c, corr);
}

/* Other EventIDs are ignored; a handle-family record lacking a key field is
 * counted as unusable and opens nothing. */
static void test_ignored_and_unusable(void)
{
    coll c;
    ha_correlator *corr = mk(&c, 0);
    CHECK_INT(open_(corr, 1, 1, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_INT(ev(corr, 4624, KW_SUCCESS, 2, 2, HOST, "SubjectLogonId", "0x111", "TargetLogonId", "0x999",
                 "ProcessId", "0x100", "ProcessName", "C:\\p.exe", (const char *)NULL),
              HA_OK);
    CHECK_INT(ev(corr, 5145, KW_SUCCESS, 3, 3, HOST, "SubjectLogonId", "0x111", "ShareName", "\\\\*\\C$",
                 "RelativeTargetName", "a", "AccessMask", "0x1", (const char *)NULL),
              HA_OK);
    CHECK_INT(ev(corr, 4657, KW_SUCCESS, 4, 4, HOST, "SubjectLogonId", "0x111", "ObjectName", "\\REGISTRY\\X",
                 "ObjectValueName", "v", "HandleId", "0xa0", "OperationType", "%%1905", "ProcessId", "0x100",
                 "ProcessName", "C:\\p.exe", (const char *)NULL),
              HA_OK);
    CHECK_INT(ev(corr, 4659, KW_SUCCESS, 5, 5, HOST, "SubjectLogonId", "0x111", "ObjectType", "File",
                 "ObjectName", "C:\\z", "HandleId", "0xf0", "AccessMask", "0x10080", "ProcessId", "0x100",
                 (const char *)NULL),
              HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_UNUSABLE), 0);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_IGNORED), 4);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_RECORDS), 5);
    CHECK_INT(c.nopen, 1);
    CHECK_INT(c.naccess, 0);
    CHECK_INT(c.nended, 0);

    /* a 4656 without HandleId */
    CHECK_INT(ev(corr, 4656, KW_SUCCESS, 6, 6, HOST, "SubjectLogonId", "0x111", "ObjectType", "File", "ObjectName",
                 "C:\\b", "AccessMask", "0x1", "ProcessId", "0x100", "ProcessName", "C:\\p.exe", (const char *)NULL),
              HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_UNUSABLE), 1);
    /* a 4663 without ProcessId */
    CHECK_INT(ev(corr, 4663, KW_SUCCESS, 7, 7, HOST, "SubjectLogonId", "0x111", "ObjectType", "File", "ObjectName",
                 "C:\\a", "HandleId", "0xa0", "AccessMask", "0x2", (const char *)NULL),
              HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_UNUSABLE), 2);
    /* a 4658 without SubjectLogonId */
    CHECK_INT(ev(corr, 4658, KW_SUCCESS, 8, 8, HOST, "HandleId", "0xa0", "ProcessId", "0x100", "ProcessName",
                 "C:\\p.exe", (const char *)NULL),
              HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_UNUSABLE), 3);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 1);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    CHECK_INT(c.nopen, 1);
    CHECK_INT(c.naccess, 0);
    CHECK_INT(c.nended, 0);

    CHECK_INT(close_(corr, 9, 9, HOST, "0x100", "0xa0", "0x111", "C:\\p.exe"), HA_OK);
    CHECK_INT(c.nended, 1);
    const ha_sequence *s = c.ended[0];
    check_seq(s, HOST, 0x100, 0xa0, 0x111, 1, HA_END_CLOSE, T(1), T(9), 8000);
    check_body(s, 0, 0, 0x1, "File", "C:\\a", "C:\\p.exe", NULL, 0);
    check_ids(s, 1, 9);
    done(&c, corr);
}

/* The EventIDs of lib/correlate/events.def: ha_correlator_event_ids() lists
 * them in ascending order; each one reaches a rule (a record of it without
 * any field is counted unusable, by whichever rule it reaches) and, with a
 * reorder window, is held by it; an EventID outside the table is counted
 * ignored, is never held and reaches no rule. */
static void test_event_table(void)
{
    const uint32_t *ids = NULL;
    size_t n = ha_correlator_event_ids(&ids);
    CHECK_INT(ha_correlator_event_ids(NULL), n);
    static const uint32_t documented[] = {4656, 4658, 4660, 4661, 4663, 4688, 4689, 4690};
    CHECK_INT(n, sizeof documented / sizeof documented[0]);
    for (size_t i = 0; ids && i < n && i < sizeof documented / sizeof documented[0]; i++) {
        CHECK_U64(ids[i], documented[i]);
        if (i > 0)
            CHECK(ids[i - 1] < ids[i]);
    }
    for (size_t window = 0; window <= 16; window += 16) {
        ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
        o.reorder_window = window;
        ha_correlator *corr = NULL;
        CHECK_INT(ha_correlator_new(&o, &corr), HA_OK);
        if (!corr)
            return;
        for (size_t i = 0; i < n; i++) {
            ha_record *r = NULL;
            CHECK_INT(ha_record_new(NULL, &r), HA_OK);
            CHECK_INT(ha_record_set_system(r, ids[i], 0, KW_SUCCESS, T(i), 100 + i, HOST), HA_OK);
            CHECK_INT(ha_correlator_add(corr, r), HA_OK);
            ha_record_free(r);
            CHECK_U64(ha_correlator_count(corr, HA_CORR_HELD), window ? i + 1 : 0);
            CHECK_U64(ha_correlator_count(corr, HA_CORR_UNUSABLE), window ? 0 : i + 1);
        }
        CHECK_U64(ha_correlator_count(corr, HA_CORR_IGNORED), 0);
        const uint32_t others[] = {0, 4624, 4657, 4659, 4999, 5145, UINT32_MAX};
        for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
            ha_record *r = NULL;
            CHECK_INT(ha_record_new(NULL, &r), HA_OK);
            CHECK_INT(ha_record_set_system(r, others[i], 0, KW_SUCCESS, T(50 + i), 200 + i, HOST), HA_OK);
            CHECK_INT(ha_correlator_add(corr, r), HA_OK);
            ha_record_free(r);
            CHECK_U64(ha_correlator_count(corr, HA_CORR_IGNORED), i + 1);
        }
        CHECK_U64(ha_correlator_count(corr, HA_CORR_HELD), window ? n : 0);
        CHECK_INT(ha_correlator_flush(corr), HA_OK);
        CHECK_U64(ha_correlator_count(corr, HA_CORR_UNUSABLE), n); /* the held ones reached their rules */
        CHECK_U64(ha_correlator_count(corr, HA_CORR_RECORDS), n + sizeof others / sizeof others[0]);
        CHECK_U64(ha_correlator_count(corr, HA_CORR_SEQUENCES), 0);
        ha_correlator_free(corr);
    }
    CHECK_U64(ha_correlator_count(NULL, HA_CORR_IGNORED), 0);
}

/* Defaults, freeing with open sequences, NULL frees, options_init. */
static void test_api_edges(void)
{
    ha_correlator *corr = NULL;
    CHECK_INT(ha_correlator_new(NULL, &corr), HA_OK);
    CHECK(corr != NULL);
    CHECK_INT(open_(corr, 1, 1, HOST, "0x100", "0xa0", "0x111", "File", "C:\\a", "0x1", "C:\\p.exe"), HA_OK);
    CHECK_U64(ha_correlator_count(corr, HA_CORR_OPEN), 1);
    ha_correlator_free(corr); /* open sequences dropped */
    ha_correlator_free(NULL);
    ha_sequence_free(NULL);
    ha_correlator_options o;
    CHECK_INT(ha_correlator_options_init(&o, HA_CORRELATOR_OPTIONS_VERSION), HA_OK);
    CHECK(o.on_open == NULL && o.on_access == NULL && o.on_end == NULL && o.max_open == 0);
}

/* A callback may not add to or flush its own correlator: the nested call
 * fails cleanly and the outer one goes on. */
static ha_correlator *reentered;
static int reentry_rc = 1, reentry_flush_rc = 1;
static int reenter(const ha_sequence *s, const ha_record *r, void *u)
{
    (void)s;
    (void)u;
    reentry_rc = ha_correlator_add(reentered, r);
    reentry_flush_rc = ha_correlator_flush(reentered);
    return 0;
}

static void test_reentrancy(void)
{
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_open = reenter;
    CHECK_INT(ha_correlator_new(&o, &reentered), HA_OK);
    CHECK_INT(open_(reentered, 1, 1, HOST, "0x10", "0x4", "0x1", "File", SECRET, "0x1", NOTEPAD), HA_OK);
    CHECK_INT(reentry_rc, HA_ERR_INVALID);
    CHECK_INT(reentry_flush_rc, HA_ERR_INVALID);
    CHECK_U64(ha_correlator_count(reentered, HA_CORR_OPEN), 1);
    CHECK_INT(ha_correlator_flush(reentered), HA_OK); /* usable afterwards */
    CHECK_U64(ha_correlator_count(reentered, HA_CORR_OPEN), 0);
    ha_correlator_free(reentered);
}

int main(void)
{
    test_open_access_close();
    test_open_delete_close();
    test_4661();
    test_failed_opens();
    test_one_object_per_handle();
    test_orphan_access();
    test_orphan_delete();
    test_orphan_close();
    test_handle_reused();
    test_process_exit();
    test_pid_reuse();
    test_computer_in_key();
    test_duplicate_into_system();
    test_duplicate_into_known_process();
    test_duplicate_before_source_open();
    test_duplicate_own_key_first();
    test_end_of_input();
    test_evicted();
    test_callback_stops();
    test_json();
    test_ignored_and_unusable();
    test_event_table();
    test_api_edges();
    test_reentrancy();
    return check_done();
}
