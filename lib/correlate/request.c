/* Requests that opened nothing (CONTRACT.md, "Requests that open nothing"):
 * getters and copies (their output forms: output/). correlator.c makes them. */
#include <string.h>

#include "alloc.h"
#include "correlate.h"

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
uint32_t ha_request_event_id(const ha_request *q) { return q ? q->event_id : 0; }
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
