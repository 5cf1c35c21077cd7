/* JSON Lines, the tool's default output (CONTRACT.md, "The command-line
 * tool's JSON Lines"): the sequences' and requests' JSON forms, and the
 * format's table. The records' JSON is in json.c. */
#include <handleaudit/handleaudit.h>

#include "format.h"
#include "json.h"

/* ---- sequences: one key per column of columns.def ------------------------- */

static inline void json_STR(hai_out *o, const char *v) { hai_out_cstr(o, v); }
static inline void json_ID(hai_out *o, uint64_t v) { hai_out_u64(o, v); }
static inline void json_MASK(hai_out *o, uint32_t v) { hai_out_u64(o, v); }
static inline void json_COUNT(hai_out *o, uint64_t v) { hai_out_u64(o, v); }
static inline void json_BOOL(hai_out *o, int v) { hai_out_bool(o, v); }
static inline void json_END(hai_out *o, ha_end v) { hai_out_cstr(o, ha_end_name(v)); }
static inline void json_TIME(hai_out *o, int64_t v) { hai_out_time(o, v); }
static inline void json_DURATION(hai_out *o, int64_t v)
{
    if (v == HA_TIME_NONE)
        hai_out_lit(o, "null");
    else
        hai_out_i64(o, v);
}
static inline void json_DUP(hai_out *o, const ha_sequence *s)
{
    if (ha_sequence_duplicated(s)) {
        hai_out_lit(o, "{\"process_id\":");
        hai_out_u64(o, ha_sequence_source_process_id(s));
        hai_out_lit(o, ",\"handle_id\":");
        hai_out_u64(o, ha_sequence_source_handle_id(s));
        hai_out_lit(o, "}");
    } else {
        hai_out_lit(o, "null");
    }
}
static inline void json_NAMES(hai_out *o, const ha_sequence *s)
{
    hai_out_access_names(o, ha_sequence_object_type(s), ha_sequence_access_mask(s));
}

void hai_sequence_json_body(hai_out *o_, const ha_sequence *s)
{
    hai_out o = *o_;
#define HAI_COLUMN(name, kind, value, event_data) \
    hai_out_lit(&o, ",\"" #name "\":");           \
    json_##kind(&o, value);
#include "columns.def"
#undef HAI_COLUMN
    *o_ = o;
}

size_t ha_sequence_json(const ha_sequence *s, char *buf, size_t cap)
{
    hai_out o = {buf, buf ? cap : 0, 0};
    if (!s) {
        hai_out_lit(&o, "null");
        return hai_out_end(&o);
    }
    hai_out_lit(&o, "{\"type\":\"sequence\"");
    hai_sequence_json_body(&o, s);
    hai_out_lit(&o, "}");
    return hai_out_end(&o);
}

/* ---- requests ---------------------------------------------------------------- */

#define key(o, k) hai_out_lit((o), ",\"" k "\":")

void hai_request_json_body(hai_out *o, const ha_request *q)
{
    key(o, "computer");
    hai_out_cstr(o, ha_request_computer(q));
    key(o, "process_id");
    hai_out_u64(o, ha_request_process_id(q));
    key(o, "handle_id");
    hai_out_u64(o, ha_request_handle_id(q));
    key(o, "logon_id");
    hai_out_u64(o, ha_request_logon_id(q));
    key(o, "time");
    hai_out_time(o, ha_request_time(q));
    key(o, "outcome");
    hai_out_cstr(o, ha_outcome_name(ha_request_outcome(q)));
    key(o, "requested_access");
    hai_out_u64(o, ha_request_requested_access(q));
    key(o, "object_type");
    hai_out_cstr(o, ha_request_object_type(q));
    key(o, "object_name");
    hai_out_cstr(o, ha_request_object_name(q));
    key(o, "process_name");
    hai_out_cstr(o, ha_request_process_name(q));
    key(o, "process_command_line");
    hai_out_cstr(o, ha_request_process_command_line(q));
    key(o, "subject_user_sid");
    hai_out_cstr(o, ha_request_subject_user_sid(q));
    key(o, "subject_user_name");
    hai_out_cstr(o, ha_request_subject_user_name(q));
    key(o, "subject_domain_name");
    hai_out_cstr(o, ha_request_subject_domain_name(q));
    key(o, "record_id");
    hai_out_u64(o, ha_request_record_id(q));
    key(o, "event_id");
    hai_out_u64(o, ha_request_event_id(q));
    key(o, "access_names");
    hai_out_access_names(o, ha_request_object_type(q), ha_request_requested_access(q));
}

static void request_json(hai_out *o, const ha_request *q)
{
    hai_out_lit(o, "{\"type\":\"request\"");
    hai_request_json_body(o, q);
    hai_out_lit(o, "}");
}

size_t ha_request_json(const ha_request *q, char *buf, size_t cap)
{
    hai_out o = {buf, buf ? cap : 0, 0};
    if (!q)
        hai_out_lit(&o, "null");
    else
        request_json(&o, q);
    return hai_out_end(&o);
}

/* ---- the format ---------------------------------------------------------------- */

static void line_record(hai_out *o, const ha_record *r)
{
    hai_out_lit(o, "{\"type\":\"record\"");
    hai_record_json_body(o, r);
    hai_out_lit(o, "}\n");
}

static void line_sequence(hai_out *o, const ha_sequence *s)
{
    hai_out_lit(o, "{\"type\":\"sequence\"");
    hai_sequence_json_body(o, s);
    hai_out_lit(o, "}\n");
}

static void line_request(hai_out *o, const ha_request *q)
{
    request_json(o, q);
    hai_out_lit(o, "\n");
}

/* An alert's JSON, made from its getters (the rule set keeps no JSON). */
static void alert_json(hai_out *o, const ha_alert *a)
{
    if (!a) {
        hai_out_lit(o, "null");
        return;
    }
    hai_out_lit(o, "{\"type\":\"alert\",\"rule\":");
    hai_out_cstr(o, ha_alert_rule_id(a));
    hai_out_lit(o, ",\"severity\":");
    hai_out_cstr(o, ha_severity_name(ha_alert_severity(a)));
    hai_out_lit(o, ",\"kind\":");
    hai_out_cstr(o, ha_rule_kind_name(ha_alert_kind(a)));
    hai_out_lit(o, ",\"reason\":");
    hai_out_cstr(o, ha_alert_reason(a));
    if (ha_alert_sequence(a)) {
        hai_out_lit(o, ",\"matched\":\"sequence\"");
        hai_sequence_json_body(o, ha_alert_sequence(a));
    } else {
        hai_out_lit(o, ",\"matched\":\"record\"");
        hai_record_json_body(o, ha_alert_record(a));
    }
    hai_out_lit(o, "}");
}

size_t ha_alert_json(const ha_alert *a, char *buf, size_t cap)
{
    hai_out o = {buf, buf ? cap : 0, 0};
    alert_json(&o, a);
    return hai_out_end(&o);
}

static void line_alert(hai_out *o, const ha_alert *a)
{
    alert_json(o, a);
    hai_out_lit(o, "\n");
}

const hai_format hai_format_jsonl = {
    "jsonl", NULL, line_record, line_sequence, line_request, line_alert, NULL,
};
