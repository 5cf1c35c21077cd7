#include "csv.h"

#include <inttypes.h>
#include <string.h>

static const char *const columns[] = {
    "type", "computer", "process_id", "handle_id", "logon_id", "opened", "end", "open_time", "end_time",
    "duration_ns", "accesses", "access_mask", "object_type", "object_name", "process_name",
    "process_command_line", "deleted", "first_time", "last_time", "requested_access", "subject_user_sid",
    "subject_user_name", "subject_domain_name", "first_record_id", "last_record_id",
    "duplicated_from_process_id", "duplicated_from_handle_id", "access_names", "time", "outcome",
};

void csv_header(FILE *out)
{
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
        fprintf(out, "%s%s", i ? "," : "", columns[i]);
    fputs("\r\n", out);
}

/* RFC 4180: quoted when it holds a comma, a quote or a line break; NULL is
 * an empty field. */
static void field(FILE *out, const char *s)
{
    fputc(',', out);
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void u64(FILE *out, uint64_t v) { fprintf(out, ",%" PRIu64, v); }

/* IDs and masks in hex, as Event Viewer shows them. */
static void hex(FILE *out, uint64_t v) { fprintf(out, ",0x%" PRIx64, v); }

/* The names of the mask's bits for the type, joined by '|'; a bit without
 * a name as its hex value. */
static void names(FILE *out, const char *type, uint32_t mask)
{
    char buf[1024];
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < 32; i++) {
        uint32_t bit = UINT32_C(1) << i;
        if (!(mask & bit))
            continue;
        const char *name = ha_access_right_name(type, bit);
        char v[16];
        if (!name) {
            snprintf(v, sizeof v, "0x%08" PRIx32, bit);
            name = v;
        }
        int w = snprintf(buf + n, sizeof buf - n, "%s%s", n ? "|" : "", name);
        if (w < 0 || (size_t)w >= sizeof buf - n)
            break; /* 32 names of at most 30 bytes fit */
        n += (size_t)w;
    }
    field(out, buf);
}

static void time_field(FILE *out, int64_t t)
{
    char buf[32];
    fputc(',', out);
    if (ha_time_format(t, buf, sizeof buf))
        fputs(buf, out);
}

int csv_sequence(FILE *out, const ha_sequence *s)
{
    fputs("sequence", out);
    field(out, ha_sequence_computer(s));
    hex(out, ha_sequence_process_id(s));
    hex(out, ha_sequence_handle_id(s));
    hex(out, ha_sequence_logon_id(s));
    field(out, ha_sequence_opened(s) ? "true" : "false");
    field(out, ha_end_name(ha_sequence_end(s)));
    time_field(out, ha_sequence_open_time(s));
    time_field(out, ha_sequence_end_time(s));
    int64_t d = ha_sequence_duration(s);
    if (d == HA_TIME_NONE)
        fputc(',', out);
    else
        fprintf(out, ",%" PRId64, d);
    u64(out, ha_sequence_accesses(s));
    hex(out, ha_sequence_access_mask(s));
    field(out, ha_sequence_object_type(s));
    field(out, ha_sequence_object_name(s));
    field(out, ha_sequence_process_name(s));
    field(out, ha_sequence_process_command_line(s));
    field(out, ha_sequence_deleted(s) ? "true" : "false");
    time_field(out, ha_sequence_first_time(s));
    time_field(out, ha_sequence_last_time(s));
    hex(out, ha_sequence_requested_access(s));
    field(out, ha_sequence_subject_user_sid(s));
    field(out, ha_sequence_subject_user_name(s));
    field(out, ha_sequence_subject_domain_name(s));
    u64(out, ha_sequence_first_record_id(s));
    u64(out, ha_sequence_last_record_id(s));
    if (ha_sequence_duplicated(s)) {
        hex(out, ha_sequence_source_process_id(s));
        hex(out, ha_sequence_source_handle_id(s));
    } else {
        fputs(",,", out);
    }
    names(out, ha_sequence_object_type(s), ha_sequence_access_mask(s));
    fputs(",,\r\n", out); /* time and outcome: a request's */
    return ferror(out) ? -1 : 0;
}

int csv_request(FILE *out, const ha_request *q)
{
    fputs("request", out);
    field(out, ha_request_computer(q));
    hex(out, ha_request_process_id(q));
    hex(out, ha_request_handle_id(q));
    hex(out, ha_request_logon_id(q));
    fputs(",,,,,,,", out); /* opened to access_mask: a sequence's */
    field(out, ha_request_object_type(q));
    field(out, ha_request_object_name(q));
    field(out, ha_request_process_name(q));
    field(out, ha_request_process_command_line(q));
    fputs(",,,", out); /* deleted, first_time, last_time */
    hex(out, ha_request_requested_access(q));
    field(out, ha_request_subject_user_sid(q));
    field(out, ha_request_subject_user_name(q));
    field(out, ha_request_subject_domain_name(q));
    u64(out, ha_request_record_id(q));
    u64(out, ha_request_record_id(q));
    fputs(",,", out); /* duplicated_from */
    names(out, ha_request_object_type(q), ha_request_requested_access(q));
    time_field(out, ha_request_time(q));
    field(out, ha_outcome_name(ha_request_outcome(q)));
    fputs("\r\n", out);
    return ferror(out) ? -1 : 0;
}
