/* Requests that opened nothing (CONTRACT.md, "Requests that open nothing"):
 * getters, copies and their JSON form. correlator.c makes them. */
#include <string.h>

#include "alloc.h"
#include "correlate.h"
#include "json.h"

const char *ha_outcome_name(ha_outcome outcome)
{
    switch (outcome) {
    case HA_OUTCOME_FAILURE: return "failure";
    case HA_OUTCOME_NO_HANDLE: return "no_handle";
    default: return "unknown";
    }
}

ha_outcome ha_request_outcome(const ha_request *q) { return q ? (ha_outcome)q->outcome : (ha_outcome)0; }
const char *ha_request_computer(const ha_request *q) { return q ? q->computer : NULL; }
uint64_t ha_request_process_id(const ha_request *q) { return q ? q->pid : 0; }
uint64_t ha_request_handle_id(const ha_request *q) { return q ? q->hid : 0; }
uint64_t ha_request_logon_id(const ha_request *q) { return q ? q->logon : 0; }
int64_t ha_request_time(const ha_request *q) { return q ? q->time : HA_TIME_NONE; }
uint64_t ha_request_record_id(const ha_request *q) { return q ? q->record_id : 0; }
uint32_t ha_request_requested_access(const ha_request *q) { return q ? q->requested : 0; }
const char *ha_request_object_type(const ha_request *q) { return q ? q->object_type : NULL; }
const char *ha_request_object_name(const ha_request *q) { return q ? q->object_name : NULL; }
const char *ha_request_process_name(const ha_request *q) { return q ? q->process_name : NULL; }
const char *ha_request_process_command_line(const ha_request *q) { return q ? q->command_line : NULL; }
const char *ha_request_subject_user_sid(const ha_request *q) { return q ? q->sid : NULL; }
const char *ha_request_subject_user_name(const ha_request *q) { return q ? q->user : NULL; }
const char *ha_request_subject_domain_name(const ha_request *q) { return q ? q->domain : NULL; }
const ha_record *ha_request_record(const ha_request *q) { return q ? q->rec : NULL; }

/* ---- copies: the request and its strings in one block -------------------- */

static const char **string_slot(ha_request *q, int i)
{
    const char **slots[] = {&q->computer,     &q->object_type, &q->object_name, &q->process_name,
                            &q->command_line, &q->sid,         &q->user,        &q->domain};
    return slots[i];
}

#define NSTRINGS 8

int ha_request_copy(const ha_request *q, ha_request **out)
{
    if (!q || !out)
        return HA_ERR_INVALID;
    ha_request tmp = *q;
    size_t size = sizeof *q;
    for (int i = 0; i < NSTRINGS; i++) {
        const char *v = *string_slot(&tmp, i);
        size += v ? strlen(v) + 1 : 0;
    }
    ha_allocator a = q->alloc; /* the correlator's, or the copy's */
    ha_request *d = hai_malloc(&a, size);
    if (!d)
        return HA_ERR_NOMEM;
    *d = *q;
    d->rec = NULL;
    d->copy = 1;
    char *at = (char *)(d + 1);
    for (int i = 0; i < NSTRINGS; i++) {
        const char **slot = string_slot(d, i);
        if (!*slot)
            continue;
        size_t n = strlen(*slot) + 1;
        memcpy(at, *slot, n);
        *slot = at;
        at += n;
    }
    *out = d;
    return HA_OK;
}

void ha_request_free(ha_request *q)
{
    if (!q || !q->copy)
        return;
    ha_allocator a = q->alloc;
    hai_free(&a, q);
}

/* ---- JSON ----------------------------------------------------------------- */

#define key(o, k) hai_out_lit((o), ",\"" k "\":")

size_t ha_request_json(const ha_request *q, char *buf, size_t cap)
{
    hai_out o = {buf, buf ? cap : 0, 0};
    if (!q) {
        hai_out_lit(&o, "null");
        return hai_out_end(&o);
    }
    hai_out_lit(&o, "{\"type\":\"request\"");
    key(&o, "computer");
    hai_out_cstr(&o, q->computer);
    key(&o, "process_id");
    hai_out_u64(&o, q->pid);
    key(&o, "handle_id");
    hai_out_u64(&o, q->hid);
    key(&o, "logon_id");
    hai_out_u64(&o, q->logon);
    key(&o, "time");
    hai_out_time(&o, q->time);
    key(&o, "outcome");
    hai_out_cstr(&o, ha_outcome_name((ha_outcome)q->outcome));
    key(&o, "requested_access");
    hai_out_u64(&o, q->requested);
    key(&o, "object_type");
    hai_out_cstr(&o, q->object_type);
    key(&o, "object_name");
    hai_out_cstr(&o, q->object_name);
    key(&o, "process_name");
    hai_out_cstr(&o, q->process_name);
    key(&o, "process_command_line");
    hai_out_cstr(&o, q->command_line);
    key(&o, "subject_user_sid");
    hai_out_cstr(&o, q->sid);
    key(&o, "subject_user_name");
    hai_out_cstr(&o, q->user);
    key(&o, "subject_domain_name");
    hai_out_cstr(&o, q->domain);
    key(&o, "record_id");
    hai_out_u64(&o, q->record_id);
    key(&o, "event_id");
    hai_out_u64(&o, q->event_id);
    key(&o, "access_names");
    hai_out_access_names(&o, q->object_type, q->requested);
    hai_out_lit(&o, "}");
    return hai_out_end(&o);
}
