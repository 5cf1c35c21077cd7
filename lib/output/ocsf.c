/* OCSF events, one a line (docs/output.md): a handle on a process or thread
 * is Process Activity (class 1007, activity Open), any other handle File
 * System Activity (class 1001, activity Open), in the System Activity
 * category (1). Times are OCSF's timestamp_t (milliseconds since 1970),
 * duration milliseconds; what OCSF has no attribute for goes under
 * `unmapped` with the JSON Lines' keys. Attribute names from ocsf-schema
 * (tests/data/schemas/ocsf). Absent values are left out. */
#include <string.h>

#include "format.h"

#define OCSF_VERSION "1.5.0"

#define CLASS_FILE 1001
#define CLASS_PROCESS 1007
#define ACTIVITY_FILE_OPEN 14
#define ACTIVITY_PROCESS_OPEN 3

static void key(hai_out *o, const char *lit)
{
    hai_out_cstr(o, lit);
    hai_out_lit(o, ":");
}

/* ns since 1970 to OCSF's ms, rounded down */
static int64_t ms(int64_t ns) { return hai_floor_div(ns, 1000000); }

static void ms_member(hai_out *o, const char *k, int64_t ns)
{
    if (ns == HA_TIME_NONE)
        return;
    hai_out_lit(o, ",");
    key(o, k);
    hai_out_i64(o, ms(ns));
}

static void str_member(hai_out *o, int comma, const char *k, const char *v)
{
    if (!v)
        return;
    if (comma)
        hai_out_lit(o, ",");
    key(o, k);
    hai_out_cstr(o, v);
}

static int is_process(const char *type)
{
    return type && (strcmp(type, "Process") == 0 || strcmp(type, "Thread") == 0);
}

/* What every event of ours begins with, up to and with "time". */
static void head(hai_out *o, int process, int failed, int64_t t)
{
    int cls = process ? CLASS_PROCESS : CLASS_FILE;
    int act = process ? ACTIVITY_PROCESS_OPEN : ACTIVITY_FILE_OPEN;
    hai_out_lit(o, "{\"activity_id\":");
    hai_out_u64(o, (uint64_t)act);
    hai_out_lit(o, ",\"activity_name\":\"Open\",\"category_uid\":1,\"category_name\":\"System Activity\",\"class_uid\":");
    hai_out_u64(o, (uint64_t)cls);
    if (process)
        hai_out_lit(o, ",\"class_name\":\"Process Activity\"");
    else
        hai_out_lit(o, ",\"class_name\":\"File System Activity\"");
    hai_out_lit(o, ",\"type_uid\":");
    hai_out_u64(o, (uint64_t)cls * 100 + (uint64_t)act);
    if (process)
        hai_out_lit(o, ",\"type_name\":\"Process Activity: Open\"");
    else
        hai_out_lit(o, ",\"type_name\":\"File System Activity: Open\"");
    hai_out_lit(o, ",\"severity_id\":1,\"severity\":\"Informational\"");
    if (failed)
        hai_out_lit(o, ",\"status_id\":2,\"status\":\"Failure\"");
    else
        hai_out_lit(o, ",\"status_id\":1,\"status\":\"Success\"");
    hai_out_lit(o, ",\"time\":");
    hai_out_i64(o, ms(t == HA_TIME_NONE ? 0 : t));
}

static void metadata(hai_out *o, uint64_t record_id)
{
    hai_out_lit(o, ",\"metadata\":{\"version\":\"" OCSF_VERSION "\",\"product\":{\"name\":\"handleaudit\","
                   "\"vendor_name\":\"libhandleaudit\",\"version\":");
    hai_out_cstr(o, ha_version_string());
    hai_out_lit(o, "},\"log_name\":\"Security\",\"log_provider\":\"Microsoft-Windows-Security-Auditing\"");
    if (record_id) {
        hai_out_lit(o, ",\"uid\":\"");
        hai_out_u64(o, record_id);
        hai_out_lit(o, "\"");
    }
    hai_out_lit(o, "}");
}

/* {"name":..., "path":..., "type_id":...}: a file object (name required) */
static void file_object(hai_out *o, const char *path, int type_id, const char *type)
{
    const char *base = hai_path_base(path);
    hai_out_lit(o, "{\"name\":");
    hai_out_cstr(o, base ? base : "");
    str_member(o, 1, "path", path && *path ? path : NULL);
    hai_out_lit(o, ",\"type_id\":");
    hai_out_u64(o, (uint64_t)type_id);
    str_member(o, 1, "type", type);
    hai_out_lit(o, "}");
}

static void actor(hai_out *o, uint64_t pid, const char *image, const char *cmd, const char *sid,
                  const char *user, const char *domain)
{
    hai_out_lit(o, ",\"actor\":{\"process\":{\"pid\":");
    hai_out_u64(o, pid);
    str_member(o, 1, "name", hai_path_base(image));
    str_member(o, 1, "cmd_line", cmd);
    if (image && *image) {
        hai_out_lit(o, ",\"file\":");
        file_object(o, image, 1, "Regular File");
    }
    hai_out_lit(o, "}");
    if (sid || user || domain) {
        hai_out_lit(o, ",\"user\":{");
        str_member(o, 0, "uid", sid);
        str_member(o, sid != NULL, "name", user);
        str_member(o, sid || user, "domain", domain);
        hai_out_lit(o, "}");
    }
    hai_out_lit(o, "}");
}

static void device(hai_out *o, const char *computer)
{
    hai_out_lit(o, ",\"device\":{\"type_id\":0,\"type\":\"Unknown\"");
    str_member(o, 1, "hostname", computer && *computer ? computer : NULL);
    hai_out_lit(o, "}");
}

/* The object the handle is on: `process` for Process Activity, `file`
 * otherwise (a Key, a SAM object... is a file of type Other, its
 * ObjectType the type's name). */
static void target(hai_out *o, int process, const char *type, const char *name)
{
    if (process) {
        hai_out_lit(o, ",\"process\":{");
        str_member(o, 0, "name", hai_path_base(name) ? hai_path_base(name) : "");
        if (name && *name) {
            hai_out_lit(o, ",\"file\":");
            file_object(o, name, 1, "Regular File");
        }
        hai_out_lit(o, "}");
        return;
    }
    hai_out_lit(o, ",\"file\":");
    if (!type)
        file_object(o, name, 0, NULL);
    else if (strcmp(type, "File") == 0)
        file_object(o, name, 1, "Regular File");
    else
        file_object(o, name, 99, type);
}

static void masks(hai_out *o, int process, uint32_t requested, uint32_t used)
{
    if (process) {
        hai_out_lit(o, ",\"requested_permissions\":");
        hai_out_u64(o, requested);
        hai_out_lit(o, ",\"actual_permissions\":");
        hai_out_u64(o, used);
    } else {
        hai_out_lit(o, ",\"access_mask\":");
        hai_out_u64(o, requested ? requested : used);
    }
}

static void sequence(hai_out *o, const ha_sequence *s)
{
    const char *type = ha_sequence_object_type(s), *name = ha_sequence_object_name(s);
    const char *image = ha_sequence_process_name(s);
    int process = is_process(type);
    int64_t at = hai_sequence_time(s);
    head(o, process, 0, at);
    ms_member(o, "start_time", at);
    ms_member(o, "end_time", ha_sequence_end_time(s));
    int64_t d = ha_sequence_duration(s);
    if (d != HA_TIME_NONE) {
        hai_out_lit(o, ",\"duration\":");
        hai_out_i64(o, hai_floor_div(d, 1000000));
    }
    hai_out_lit(o, ",\"message\":");
    hai_out_message(o, " had a handle open on ", image, type, name);
    metadata(o, ha_sequence_first_record_id(s));
    actor(o, ha_sequence_process_id(s), image, ha_sequence_process_command_line(s),
          ha_sequence_subject_user_sid(s), ha_sequence_subject_user_name(s), ha_sequence_subject_domain_name(s));
    device(o, ha_sequence_computer(s));
    target(o, process, type, name);
    masks(o, process, ha_sequence_requested_access(s), ha_sequence_access_mask(s));
    hai_out_lit(o, ",\"unmapped\":{\"type\":\"sequence\"");
    hai_sequence_json_body(o, s);
    hai_out_lit(o, "}}\n");
}

static void request(hai_out *o, const ha_request *q)
{
    const char *type = ha_request_object_type(q), *name = ha_request_object_name(q);
    const char *image = ha_request_process_name(q);
    int process = is_process(type), failed = ha_request_outcome(q) == HA_OUTCOME_FAILURE;
    head(o, process, failed, ha_request_time(q));
    hai_out_lit(o, ",\"message\":");
    hai_out_message(o, failed ? " was denied a handle on " : " was granted no handle on ", image, type, name);
    metadata(o, ha_request_record_id(q));
    actor(o, ha_request_process_id(q), image, ha_request_process_command_line(q), ha_request_subject_user_sid(q),
          ha_request_subject_user_name(q), ha_request_subject_domain_name(q));
    device(o, ha_request_computer(q));
    target(o, process, type, name);
    masks(o, process, ha_request_requested_access(q), 0);
    hai_out_lit(o, ",\"unmapped\":{\"type\":\"request\"");
    hai_request_json_body(o, q);
    hai_out_lit(o, "}}\n");
}

const hai_format hai_format_ocsf = {
    "ocsf", NULL, NULL, sequence, request, NULL, NULL,
};
