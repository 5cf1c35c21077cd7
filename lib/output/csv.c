/* CSV (RFC 4180, CRLF): the JSON Lines' columns (columns.def), one row a
 * sequence or a request, after a header row. IDs and masks in hex, as
 * Event Viewer shows them; duplicated_from as two columns; access_names
 * joined by '|'; a request's time and outcome in two last columns. */
#include <string.h>

#include "format.h"

/* Quoted when it holds a comma, a quote or a line break; NULL is an empty
 * field. Every field but the first has its comma. */
static void field(hai_out *o, const char *s)
{
    hai_out_lit(o, ",");
    if (!s)
        return;
    size_t n = strlen(s);
    if (!strpbrk(s, ",\"\r\n")) {
        hai_out_raw(o, s, n);
        return;
    }
    hai_out_lit(o, "\"");
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        hai_out_raw(o, s, (size_t)(q - s) + 1);
        hai_out_lit(o, "\"");
    }
    hai_out_raw(o, s, strlen(s));
    hai_out_lit(o, "\"");
}

static void hex(hai_out *o, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char t[16];
    size_t k = sizeof t;
    do {
        t[--k] = digits[v & 15];
        v >>= 4;
    } while (v);
    hai_out_lit(o, ",0x");
    hai_out_raw(o, t + k, sizeof t - k);
}

static void dec(hai_out *o, uint64_t v)
{
    hai_out_lit(o, ",");
    hai_out_u64(o, v);
}

static void time_field(hai_out *o, int64_t t)
{
    char buf[32];
    hai_out_lit(o, ",");
    hai_out_raw(o, buf, ha_time_format(t, buf, sizeof buf));
}

static void names(hai_out *o, const char *type, uint32_t mask)
{
    char buf[HAI_NAMES_CAP];
    hai_access_names_joined(type, mask, buf);
    field(o, buf);
}

/* ---- the columns' kinds --------------------------------------------------- */

static void csv_STR(hai_out *o, const char *v) { field(o, v); }
static void csv_ID(hai_out *o, uint64_t v) { hex(o, v); }
static void csv_MASK(hai_out *o, uint32_t v) { hex(o, v); }
static void csv_COUNT(hai_out *o, uint64_t v) { dec(o, v); }
static void csv_BOOL(hai_out *o, int v) { field(o, v ? "true" : "false"); }
static void csv_END(hai_out *o, ha_end v) { field(o, ha_end_name(v)); }
static void csv_TIME(hai_out *o, int64_t v) { time_field(o, v); }
static void csv_DURATION(hai_out *o, int64_t v)
{
    if (v == HA_TIME_NONE) {
        hai_out_lit(o, ",");
    } else {
        hai_out_lit(o, ",");
        hai_out_i64(o, v);
    }
}
static void csv_DUP(hai_out *o, const ha_sequence *s)
{
    if (ha_sequence_duplicated(s)) {
        hex(o, ha_sequence_source_process_id(s));
        hex(o, ha_sequence_source_handle_id(s));
    } else {
        hai_out_lit(o, ",,");
    }
}
static void csv_NAMES(hai_out *o, const ha_sequence *s)
{
    names(o, ha_sequence_object_type(s), ha_sequence_access_mask(s));
}

#define head_STR(o, name) hai_out_lit(o, "," name)
#define head_ID head_STR
#define head_MASK head_STR
#define head_COUNT head_STR
#define head_BOOL head_STR
#define head_END head_STR
#define head_TIME head_STR
#define head_DURATION head_STR
#define head_NAMES head_STR
#define head_DUP(o, name) hai_out_lit(o, "," name "_process_id," name "_handle_id")

static void header(hai_out *o)
{
    hai_out_lit(o, "type");
#define HAI_COLUMN(name, kind, value, event_data) head_##kind(o, #name);
#include "columns.def"
#undef HAI_COLUMN
    hai_out_lit(o, ",time,outcome\r\n");
}

static void sequence(hai_out *o, const ha_sequence *s)
{
    hai_out_lit(o, "sequence");
#define HAI_COLUMN(name, kind, value, event_data) csv_##kind(o, value);
#include "columns.def"
#undef HAI_COLUMN
    hai_out_lit(o, ",,\r\n"); /* time and outcome: a request's */
}

/* A request in the same columns: those only a sequence has are empty, its
 * record ID is the first and last record ID. */
static void request(hai_out *o, const ha_request *q)
{
    hai_out_lit(o, "request");
    field(o, ha_request_computer(q));
    hex(o, ha_request_process_id(q));
    hex(o, ha_request_handle_id(q));
    hex(o, ha_request_logon_id(q));
    hai_out_lit(o, ",,,,,,,"); /* opened to access_mask */
    field(o, ha_request_object_type(q));
    field(o, ha_request_object_name(q));
    field(o, ha_request_process_name(q));
    field(o, ha_request_process_command_line(q));
    hai_out_lit(o, ",,,"); /* deleted, first_time, last_time */
    hex(o, ha_request_requested_access(q));
    field(o, ha_request_subject_user_sid(q));
    field(o, ha_request_subject_user_name(q));
    field(o, ha_request_subject_domain_name(q));
    dec(o, ha_request_record_id(q));
    dec(o, ha_request_record_id(q));
    hai_out_lit(o, ",,"); /* duplicated_from */
    names(o, ha_request_object_type(q), ha_request_requested_access(q));
    time_field(o, ha_request_time(q));
    field(o, ha_outcome_name(ha_request_outcome(q)));
    hai_out_lit(o, "\r\n");
}

const hai_format hai_format_csv = {
    "csv", header, NULL, sequence, request, NULL, NULL,
};
