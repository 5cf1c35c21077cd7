/* Sequence getters and copies. Their output forms are in output/ (the
 * columns: output/columns.def). */
#include <string.h>

#include "correlate.h"

const char *ha_end_name(ha_end end)
{
    switch (end) {
    case HA_END_NONE: return "open";
    case HA_END_CLOSE: return "close";
    case HA_END_PROCESS_EXIT: return "process_exit";
    case HA_END_HANDLE_REUSED: return "handle_reused";
    case HA_END_EVICTED: return "evicted";
    case HA_END_END_OF_INPUT: return "end_of_input";
    default: return "unknown";
    }
}

const char *ha_sequence_computer(const ha_sequence *s) { return s ? s->key.host->s : NULL; }
uint64_t ha_sequence_process_id(const ha_sequence *s) { return s ? s->key.pid : 0; }
uint64_t ha_sequence_handle_id(const ha_sequence *s) { return s ? s->key.hid : 0; }
uint64_t ha_sequence_logon_id(const ha_sequence *s) { return s ? s->key.logon : 0; }
int ha_sequence_opened(const ha_sequence *s) { return s && (s->flags & HAI_SEQ_OPENED) ? 1 : 0; }
ha_end ha_sequence_end(const ha_sequence *s) { return s ? (ha_end)s->end : HA_END_NONE; }
int64_t ha_sequence_open_time(const ha_sequence *s)
{
    return s && (s->flags & HAI_SEQ_OPENED) ? s->first_time : HA_TIME_NONE;
}
/* While open, end_time is the activity links' place (correlate.h). */
int64_t ha_sequence_end_time(const ha_sequence *s) { return s && s->end ? s->end_time : HA_TIME_NONE; }
int64_t ha_sequence_first_time(const ha_sequence *s) { return s ? s->first_time : HA_TIME_NONE; }
int64_t ha_sequence_last_time(const ha_sequence *s) { return s ? s->last_time : HA_TIME_NONE; }
uint64_t ha_sequence_accesses(const ha_sequence *s) { return s ? s->accesses : 0; }
uint32_t ha_sequence_access_mask(const ha_sequence *s) { return s ? s->access_mask : 0; }
uint32_t ha_sequence_requested_access(const ha_sequence *s) { return s ? s->requested : 0; }
const char *ha_sequence_object_type(const ha_sequence *s) { return s ? hai_istr_text(s->object_type) : NULL; }
const char *ha_sequence_object_name(const ha_sequence *s) { return s ? hai_istr_text(s->object_name) : NULL; }
const char *ha_sequence_process_name(const ha_sequence *s) { return s ? hai_istr_text(s->process_name) : NULL; }
const char *ha_sequence_process_command_line(const ha_sequence *s)
{
    return s ? hai_istr_text(s->command_line) : NULL;
}
int ha_sequence_deleted(const ha_sequence *s) { return s && (s->flags & HAI_SEQ_DELETED) ? 1 : 0; }
const char *ha_sequence_subject_user_sid(const ha_sequence *s) { return s ? hai_istr_text(s->sid) : NULL; }
const char *ha_sequence_subject_user_name(const ha_sequence *s) { return s ? hai_istr_text(s->user) : NULL; }
const char *ha_sequence_subject_domain_name(const ha_sequence *s) { return s ? hai_istr_text(s->domain) : NULL; }
uint64_t ha_sequence_first_record_id(const ha_sequence *s) { return s ? s->first_record : 0; }
uint64_t ha_sequence_last_record_id(const ha_sequence *s) { return s ? s->last_record : 0; }
int ha_sequence_duplicated(const ha_sequence *s) { return s && (s->flags & HAI_SEQ_DUPLICATE) ? 1 : 0; }
uint64_t ha_sequence_source_process_id(const ha_sequence *s) { return s && s->dup ? s->dup->src_pid : 0; }
uint64_t ha_sequence_source_handle_id(const ha_sequence *s) { return s && s->dup ? s->dup->src_hid : 0; }

int64_t ha_sequence_duration(const ha_sequence *s)
{
    int64_t open = ha_sequence_open_time(s), end = ha_sequence_end_time(s);
    if (open == HA_TIME_NONE || end == HA_TIME_NONE || s->end == HA_END_HANDLE_REUSED)
        return HA_TIME_NONE;
    return end - open;
}

/* ---- copies: the sequence and its strings in one block ------------------ */

struct seq_copy {
    ha_allocator alloc;
    ha_sequence seq;
};

static size_t istr_size(const hai_istr *x)
{
    size_t n = x ? sizeof(hai_istr) + x->len + 1 : 0;
    return (n + 7) & ~(size_t)7;
}

static hai_istr *istr_place(char **at, const hai_istr *x)
{
    if (!x)
        return NULL;
    hai_istr *c = (hai_istr *)(void *)*at;
    memset(c, 0, sizeof *c);
    c->refs = 1;
    c->len = x->len;
    memcpy(c->s, x->s, x->len + 1);
    *at += istr_size(x);
    return c;
}

int ha_sequence_copy(const ha_sequence *s, ha_sequence **out)
{
    if (!s || !out)
        return HA_ERR_INVALID;
    size_t size = sizeof(struct seq_copy) + (s->dup ? sizeof(hai_dup) : 0) + istr_size(s->key.host);
    for (size_t i = 0; i < HAI_SEQ_NSTRINGS; i++)
        size += istr_size(s->strs[i]);
    ha_allocator a;
    if (s->flags & HAI_SEQ_COPY)
        a = ((const struct seq_copy *)(const void *)((const char *)s - offsetof(struct seq_copy, seq)))->alloc;
    else
        a = s->proc->owner->alloc;
    struct seq_copy *c = hai_malloc(&a, size);
    if (!c)
        return HA_ERR_NOMEM;
    c->alloc = a;
    ha_sequence *d = &c->seq;
    *d = *s;
    memset(&d->hh, 0, sizeof d->hh);
    d->proc = NULL;
    d->in_proc.prev = d->in_proc.next = NULL;
    if (!s->end)
        d->lru.prev = d->lru.next = NULL; /* an ended one's end_time stays */
    d->flags |= HAI_SEQ_COPY;
    char *at = (char *)(c + 1);
    if (s->dup) {
        d->dup = (hai_dup *)(void *)at;
        *d->dup = *s->dup;
        d->dup->alias = NULL;
        at += sizeof(hai_dup);
    }
    d->key.host = istr_place(&at, s->key.host);
    for (size_t i = 0; i < HAI_SEQ_NSTRINGS; i++)
        d->strs[i] = istr_place(&at, s->strs[i]);
    *out = d;
    return HA_OK;
}

void ha_sequence_free(ha_sequence *s)
{
    if (!s || !(s->flags & HAI_SEQ_COPY))
        return;
    struct seq_copy *c = (struct seq_copy *)(void *)((char *)s - offsetof(struct seq_copy, seq));
    ha_allocator a = c->alloc;
    hai_free(&a, c);
}
