/* JSON Lines for Timesketch's importer (docs/output.md): the fields it
 * requires of every line, `message`, `datetime` (ISO 8601) and
 * `timestamp_desc`, with `timestamp` in microseconds (which spares it
 * parsing `datetime`) and `data_type`, then the keys of the JSON Lines
 * object (type "sequence", "request" or "record" and the rest). A line is
 * placed at a sequence's open (or its first event when the open came
 * before the log), a request's or a record's time; 1970-01-01 when the
 * event had none. */
#include "format.h"

static void head(hai_out *o, int64_t t, const char *desc, const char *data_type)
{
    if (t == HA_TIME_NONE)
        t = 0;
    hai_out_lit(o, ",\"datetime\":");
    hai_out_time(o, t);
    hai_out_lit(o, ",\"timestamp\":");
    /* microseconds, rounded down */
    hai_out_i64(o, hai_floor_div(t, 1000));
    hai_out_lit(o, ",\"timestamp_desc\":");
    hai_out_cstr(o, desc);
    hai_out_lit(o, ",\"data_type\":");
    hai_out_cstr(o, data_type);
}

static void sequence(hai_out *o, const ha_sequence *s)
{
    hai_out_lit(o, "{\"message\":");
    hai_out_message(o, " had a handle open on ", ha_sequence_process_name(s), ha_sequence_object_type(s),
                    ha_sequence_object_name(s));
    head(o, hai_sequence_time(s), ha_sequence_opened(s) ? "Handle Opened" : "First Handle Event",
         "windows:handleaudit:sequence");
    hai_out_lit(o, ",\"type\":\"sequence\"");
    hai_sequence_json_body(o, s);
    hai_out_lit(o, "}\n");
}

static void request(hai_out *o, const ha_request *q)
{
    int failed = ha_request_outcome(q) == HA_OUTCOME_FAILURE;
    hai_out_lit(o, "{\"message\":");
    hai_out_message(o, failed ? " was denied a handle on " : " was granted no handle on ",
                    ha_request_process_name(q), ha_request_object_type(q), ha_request_object_name(q));
    head(o, ha_request_time(q), "Handle Requested", "windows:handleaudit:request");
    hai_out_lit(o, ",\"type\":\"request\"");
    hai_request_json_body(o, q);
    hai_out_lit(o, "}\n");
}

static void record(hai_out *o, const ha_record *r)
{
    char what[32];
    hai_out w = {what, sizeof what, 0};
    hai_out_lit(&w, " logged event ");
    hai_out_u64(&w, ha_record_event_id(r));
    hai_out_lit(&w, " on ");
    hai_out_lit(o, "{\"message\":");
    hai_out_message(o, hai_out_end(&w) < sizeof what ? what : " logged an event on ",
                    ha_record_string(r, HA_FIELD_PROCESS_NAME), ha_record_string(r, HA_FIELD_OBJECT_TYPE),
                    ha_record_string(r, HA_FIELD_OBJECT_NAME));
    head(o, ha_record_time(r), "Event Recorded", "windows:evtx:record");
    hai_out_lit(o, ",\"type\":\"record\"");
    hai_record_json_body(o, r);
    hai_out_lit(o, "}\n");
}

const hai_format hai_format_timesketch = {
    "timesketch", NULL, record, sequence, request, NULL, NULL,
};
