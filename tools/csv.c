#include "csv.h"

#include <inttypes.h>
#include <string.h>

static const char *const columns[] = {
    "type", "computer", "process_id", "handle_id", "logon_id", "opened", "end", "open_time", "end_time",
    "duration_ns", "accesses", "access_mask", "object_type", "object_name", "process_name",
    "process_command_line", "deleted", "requested_access", "subject_user_sid", "subject_user_name",
    "subject_domain_name", "first_record_id", "last_record_id", "duplicated_from_process_id",
    "duplicated_from_handle_id",
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
    u64(out, ha_sequence_process_id(s));
    u64(out, ha_sequence_handle_id(s));
    u64(out, ha_sequence_logon_id(s));
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
    u64(out, ha_sequence_access_mask(s));
    field(out, ha_sequence_object_type(s));
    field(out, ha_sequence_object_name(s));
    field(out, ha_sequence_process_name(s));
    field(out, ha_sequence_process_command_line(s));
    field(out, ha_sequence_deleted(s) ? "true" : "false");
    u64(out, ha_sequence_requested_access(s));
    field(out, ha_sequence_subject_user_sid(s));
    field(out, ha_sequence_subject_user_name(s));
    field(out, ha_sequence_subject_domain_name(s));
    u64(out, ha_sequence_first_record_id(s));
    u64(out, ha_sequence_last_record_id(s));
    if (ha_sequence_duplicated(s)) {
        u64(out, ha_sequence_source_process_id(s));
        u64(out, ha_sequence_source_handle_id(s));
    } else {
        fputs(",,", out);
    }
    fputs("\r\n", out);
    return ferror(out) ? -1 : 0;
}
