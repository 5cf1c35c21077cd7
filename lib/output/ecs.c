/* Elastic Common Schema documents, one a line (docs/output.md): the ECS
 * fields the events carry (@timestamp, event.*, host.name, process.*,
 * file.path or registry.path by ObjectType, user.*) and, as Winlogbeat
 * writes them, winlog.* with every value under winlog.event_data as a
 * string. Field names from ECS's generated ecs_flat.yml and Winlogbeat's
 * fields (tests/data/schemas/ecs). Absent values are left out, not null. */
#include <string.h>

#include "format.h"

#define PROVIDER "Microsoft-Windows-Security-Auditing"
/* the ECS version whose field list the documents follow (required in each) */
#define ECS_VERSION "9.4.0"

/* ---- members of an object: each after a comma but the first ---------------- */

typedef struct obj {
    hai_out *o;
    int n;
} obj;

static void key(obj *b, const char *k, size_t len)
{
    if (b->n++)
        hai_out_lit(b->o, ",");
    hai_out_lit(b->o, "\"");
    hai_out_raw(b->o, k, len);
    hai_out_lit(b->o, "\":");
}
#define KEY(b, lit) key((b), (lit), sizeof(lit) - 1)

static void str_member(obj *b, const char *k, size_t klen, const char *v)
{
    if (!v)
        return;
    key(b, k, klen);
    hai_out_cstr(b->o, v);
}
#define STR(b, lit, v) str_member((b), (lit), sizeof(lit) - 1, (v))

static void time_member(obj *b, const char *k, size_t klen, int64_t t)
{
    if (t == HA_TIME_NONE)
        return;
    key(b, k, klen);
    hai_out_time(b->o, t);
}
#define TIME(b, lit, t) time_member((b), (lit), sizeof(lit) - 1, (t))

static void u64_str(obj *b, const char *k, size_t klen, uint64_t v)
{
    key(b, k, klen);
    hai_out_lit(b->o, "\"");
    hai_out_u64(b->o, v);
    hai_out_lit(b->o, "\"");
}

/* ECS's event.category for an ObjectType, or NULL. */
static const char *category(const char *type)
{
    if (!type)
        return NULL;
    if (strcmp(type, "File") == 0)
        return "file";
    if (strcmp(type, "Key") == 0)
        return "registry";
    if (strcmp(type, "Process") == 0 || strcmp(type, "Thread") == 0)
        return "process";
    if (strncmp(type, "SAM_", 4) == 0 || strcmp(type, "Token") == 0)
        return "iam";
    return NULL;
}

/* A document's start: `{`, @timestamp (the epoch for an event without a
 * time: the field is required) and ecs.version. */
static void doc_open(obj *top, int64_t t)
{
    hai_out_lit(top->o, "{");
    KEY(top, "@timestamp");
    hai_out_time(top->o, t == HA_TIME_NONE ? 0 : t);
    hai_out_lit(top->o, ",\"ecs\":{\"version\":\"" ECS_VERSION "\"}");
}

/* host.name. */
static void host(obj *top, const char *computer)
{
    KEY(top, "host");
    hai_out_lit(top->o, "{\"name\":");
    hai_out_cstr(top->o, computer);
    hai_out_lit(top->o, "}");
}

/* file.path or registry.path (with file.name) for the object. */
static void object(obj *top, const char *type, const char *name)
{
    if (!type || !name || !*name)
        return;
    if (strcmp(type, "File") == 0) {
        KEY(top, "file");
        obj f = {top->o, 0};
        hai_out_lit(top->o, "{");
        STR(&f, "path", name);
        STR(&f, "name", hai_path_base(name));
        hai_out_lit(top->o, "}");
    } else if (strcmp(type, "Key") == 0) {
        KEY(top, "registry");
        obj r = {top->o, 0};
        hai_out_lit(top->o, "{");
        STR(&r, "path", name);
        hai_out_lit(top->o, "}");
    }
}

static void process(obj *top, int has_pid, uint64_t pid, const char *image, const char *command_line)
{
    if (!has_pid && !image && !command_line)
        return;
    KEY(top, "process");
    obj p = {top->o, 0};
    hai_out_lit(top->o, "{");
    if (has_pid) {
        KEY(&p, "pid");
        hai_out_u64(top->o, pid);
    }
    STR(&p, "executable", image);
    STR(&p, "name", hai_path_base(image));
    STR(&p, "command_line", command_line);
    hai_out_lit(top->o, "}");
}

static void user(obj *top, const char *sid, const char *name, const char *domain)
{
    if (!sid && !name && !domain)
        return;
    KEY(top, "user");
    obj u = {top->o, 0};
    hai_out_lit(top->o, "{");
    STR(&u, "id", sid);
    STR(&u, "name", name);
    STR(&u, "domain", domain);
    hai_out_lit(top->o, "}");
}

/* "event":{ kind, category, type, action, code, provider, module, dataset,
 * outcome, then (left open for the caller's start, end, duration) */
static void event_open(obj *top, obj *e, const char *cat, const char *type1, const char *type2,
                       const char *action, uint32_t code, const char *dataset, const char *outcome)
{
    KEY(top, "event");
    hai_out_lit(top->o, "{");
    *e = (obj){top->o, 0};
    STR(e, "kind", "event");
    if (cat) {
        KEY(e, "category");
        hai_out_lit(e->o, "[");
        hai_out_cstr(e->o, cat);
        hai_out_lit(e->o, "]");
    }
    if (type1) {
        KEY(e, "type");
        hai_out_lit(e->o, "[");
        hai_out_cstr(e->o, type1);
        if (type2) {
            hai_out_lit(e->o, ",");
            hai_out_cstr(e->o, type2);
        }
        hai_out_lit(e->o, "]");
    }
    STR(e, "action", action);
    if (code)
        u64_str(e, "code", 4, code);
    STR(e, "provider", PROVIDER);
    STR(e, "module", "handleaudit");
    STR(e, "dataset", dataset);
    STR(e, "outcome", outcome);
}

/* "winlog":{ channel, provider_name, computer_name, event_id, record_id,
 * then "event_data":{ (left open) */
static void winlog_open(obj *top, obj *w, const char *computer, uint32_t event_id, uint64_t record_id)
{
    KEY(top, "winlog");
    hai_out_lit(top->o, "{");
    *w = (obj){top->o, 0};
    STR(w, "channel", "Security");
    STR(w, "provider_name", PROVIDER);
    STR(w, "computer_name", computer);
    if (event_id)
        u64_str(w, "event_id", 8, event_id);
    if (record_id)
        u64_str(w, "record_id", 9, record_id);
    KEY(w, "event_data");
    hai_out_lit(top->o, "{");
}

/* ---- sequences: event_data from columns.def, Windows's way (strings) ------- */

static void ed_STR(obj *d, const char *k, const char *v) { str_member(d, k, strlen(k), v); }
static void ed_ID(obj *d, const char *k, uint64_t v)
{
    key(d, k, strlen(k));
    hai_out_hex_str(d->o, v);
}
static void ed_MASK(obj *d, const char *k, uint32_t v) { ed_ID(d, k, v); }
static void ed_COUNT(obj *d, const char *k, uint64_t v) { u64_str(d, k, strlen(k), v); }
static void ed_BOOL(obj *d, const char *k, int v) { ed_STR(d, k, v ? "true" : "false"); }
static void ed_END(obj *d, const char *k, ha_end v) { ed_STR(d, k, ha_end_name(v)); }
static void ed_TIME(obj *d, const char *k, int64_t v) { time_member(d, k, strlen(k), v); }
static void ed_DURATION(obj *d, const char *k, int64_t v)
{
    if (v == HA_TIME_NONE)
        return;
    key(d, k, strlen(k));
    hai_out_lit(d->o, "\"");
    hai_out_i64(d->o, v);
    hai_out_lit(d->o, "\"");
}
static void ed_DUP(obj *d, const char *k, const ha_sequence *s)
{
    (void)k;
    if (!ha_sequence_duplicated(s))
        return;
    ed_ID(d, "SourceProcessId", ha_sequence_source_process_id(s));
    ed_ID(d, "SourceHandleId", ha_sequence_source_handle_id(s));
}
static void ed_NAMES(obj *d, const char *k, const ha_sequence *s)
{
    char buf[HAI_NAMES_CAP];
    if (hai_access_names_joined(ha_sequence_object_type(s), ha_sequence_access_mask(s), buf))
        ed_STR(d, k, buf);
}

static void sequence_event_data(obj *d, const ha_sequence *s)
{
#define HAI_COLUMN(name, kind, value, event_data) \
    if (event_data)                               \
        ed_##kind(d, event_data, value);
#include "columns.def"
#undef HAI_COLUMN
}

static void sequence(hai_out *o, const ha_sequence *s)
{
    obj top = {o, 0}, e, w;
    const char *type = ha_sequence_object_type(s), *name = ha_sequence_object_name(s);
    uint32_t code = hai_sequence_open_event(s);
    int64_t at = hai_sequence_time(s);
    doc_open(&top, at);
    event_open(&top, &e, category(type), "access", ha_sequence_deleted(s) ? "deletion" : NULL,
               ha_end_name(ha_sequence_end(s)), code, "handleaudit.sequence", "success");
    TIME(&e, "start", at);
    TIME(&e, "end", ha_sequence_end_time(s));
    int64_t d = ha_sequence_duration(s);
    if (d != HA_TIME_NONE) {
        KEY(&e, "duration");
        hai_out_i64(o, d);
    }
    hai_out_lit(o, "}");
    host(&top, ha_sequence_computer(s));
    process(&top, 1, ha_sequence_process_id(s), ha_sequence_process_name(s), ha_sequence_process_command_line(s));
    object(&top, type, name);
    user(&top, ha_sequence_subject_user_sid(s), ha_sequence_subject_user_name(s), ha_sequence_subject_domain_name(s));
    winlog_open(&top, &w, ha_sequence_computer(s), code, ha_sequence_first_record_id(s));
    obj data = {o, 0};
    sequence_event_data(&data, s);
    hai_out_lit(o, "}}}\n");
}

/* ---- requests -------------------------------------------------------------------- */

static void request(hai_out *o, const ha_request *q)
{
    obj top = {o, 0}, e, w;
    const char *type = ha_request_object_type(q), *name = ha_request_object_name(q);
    int failed = ha_request_outcome(q) == HA_OUTCOME_FAILURE;
    int64_t t = ha_request_time(q);
    doc_open(&top, t);
    event_open(&top, &e, category(type), "access", failed ? "denied" : "allowed",
               ha_outcome_name(ha_request_outcome(q)), ha_request_event_id(q), "handleaudit.request",
               failed ? "failure" : "success");
    TIME(&e, "start", t);
    hai_out_lit(o, "}");
    host(&top, ha_request_computer(q));
    process(&top, 1, ha_request_process_id(q), ha_request_process_name(q), ha_request_process_command_line(q));
    object(&top, type, name);
    user(&top, ha_request_subject_user_sid(q), ha_request_subject_user_name(q), ha_request_subject_domain_name(q));
    winlog_open(&top, &w, ha_request_computer(q), ha_request_event_id(q), ha_request_record_id(q));
    obj d = {o, 0};
    ed_ID(&d, "ProcessId", ha_request_process_id(q));
    ed_ID(&d, "HandleId", ha_request_handle_id(q));
    ed_ID(&d, "SubjectLogonId", ha_request_logon_id(q));
    ed_STR(&d, "Outcome", ha_outcome_name(ha_request_outcome(q)));
    ed_MASK(&d, "AccessMask", ha_request_requested_access(q));
    ed_STR(&d, "ObjectType", type);
    ed_STR(&d, "ObjectName", name);
    ed_STR(&d, "ProcessName", ha_request_process_name(q));
    ed_STR(&d, "CommandLine", ha_request_process_command_line(q));
    ed_STR(&d, "SubjectUserSid", ha_request_subject_user_sid(q));
    ed_STR(&d, "SubjectUserName", ha_request_subject_user_name(q));
    ed_STR(&d, "SubjectDomainName", ha_request_subject_domain_name(q));
    char buf[HAI_NAMES_CAP];
    if (hai_access_names_joined(type, ha_request_requested_access(q), buf))
        ed_STR(&d, "AccessNames", buf);
    hai_out_lit(o, "}}}\n");
}

/* ---- records: every Data pair under event_data, as written ----------------------- */

static void record(hai_out *o, const ha_record *r)
{
    obj top = {o, 0}, e, w;
    int64_t t = ha_record_time(r);
    ha_audit audit = ha_record_audit(r);
    const char *type = ha_record_string(r, HA_FIELD_OBJECT_TYPE);
    uint64_t pid = 0;
    int has_pid = ha_record_uint(r, HA_FIELD_PROCESS_ID, &pid) == HA_OK;
    doc_open(&top, t);
    event_open(&top, &e, category(type), NULL, NULL, NULL, ha_record_event_id(r), "handleaudit.record",
               audit == HA_AUDIT_NONE ? NULL : audit == HA_AUDIT_SUCCESS ? "success" : "failure");
    hai_out_lit(o, "}");
    const char *computer = ha_record_computer(r);
    if (computer)
        host(&top, computer);
    process(&top, has_pid, pid, ha_record_string(r, HA_FIELD_PROCESS_NAME), ha_record_string(r, HA_FIELD_COMMAND_LINE));
    object(&top, type, ha_record_string(r, HA_FIELD_OBJECT_NAME));
    user(&top, ha_record_string(r, HA_FIELD_SUBJECT_USER_SID), ha_record_string(r, HA_FIELD_SUBJECT_USER_NAME),
         ha_record_string(r, HA_FIELD_SUBJECT_DOMAIN_NAME));
    winlog_open(&top, &w, computer, ha_record_event_id(r), ha_record_record_id(r));
    size_t n = ha_record_data_count(r), unnamed = 0;
    for (size_t i = 0; i < n; i++) {
        const char *k = ha_record_data_name(r, i);
        size_t len;
        const char *v = ha_record_data_value(r, i, &len);
        if (i)
            hai_out_lit(o, ",");
        if (*k) {
            hai_out_cstr(o, k);
        } else { /* a Data without a Name: Data1, Data2, ... as in the JSON */
            hai_out_lit(o, "\"Data");
            hai_out_u64(o, ++unnamed);
            hai_out_lit(o, "\"");
        }
        hai_out_lit(o, ":");
        hai_out_str(o, v, len);
    }
    hai_out_lit(o, "}}}\n");
}

const hai_format hai_format_ecs = {
    "ecs", NULL, record, sequence, request, NULL, NULL,
};
