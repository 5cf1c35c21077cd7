/* Sequence getters, copies and the sequences' JSON form (CONTRACT.md, "The
 * command-line tool's JSON Lines"). */
#include <string.h>

#include "correlate.h"
#include "json.h"

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

/* ---- JSON ----------------------------------------------------------------- */

/* `,"k":` as one literal */
#define key(o, k) hai_out_lit((o), ",\"" k "\":")

static void istr(hai_out *o, const hai_istr *x)
{
    if (x)
        hai_out_str(o, x->s, x->len);
    else
        hai_out_lit(o, "null");
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

void hai_sequence_json_body(hai_out *o_, const ha_sequence *s)
{
    hai_out o = *o_;
    key(&o, "computer");
    istr(&o, s->key.host);
    key(&o, "process_id");
    hai_out_u64(&o, s->key.pid);
    key(&o, "handle_id");
    hai_out_u64(&o, s->key.hid);
    key(&o, "logon_id");
    hai_out_u64(&o, s->key.logon);
    key(&o, "opened");
    hai_out_bool(&o, s->flags & HAI_SEQ_OPENED);
    key(&o, "end");
    hai_out_cstr(&o, ha_end_name((ha_end)s->end));
    key(&o, "open_time");
    hai_out_time(&o, ha_sequence_open_time(s));
    key(&o, "end_time");
    hai_out_time(&o, ha_sequence_end_time(s));
    key(&o, "duration_ns");
    int64_t d = ha_sequence_duration(s);
    if (d == HA_TIME_NONE)
        hai_out_lit(&o, "null");
    else
        hai_out_i64(&o, d);
    key(&o, "accesses");
    hai_out_u64(&o, s->accesses);
    key(&o, "access_mask");
    hai_out_u64(&o, s->access_mask);
    key(&o, "object_type");
    istr(&o, s->object_type);
    key(&o, "object_name");
    istr(&o, s->object_name);
    key(&o, "process_name");
    istr(&o, s->process_name);
    key(&o, "process_command_line");
    istr(&o, s->command_line);
    key(&o, "deleted");
    hai_out_bool(&o, s->flags & HAI_SEQ_DELETED);
    key(&o, "first_time");
    hai_out_time(&o, s->first_time);
    key(&o, "last_time");
    hai_out_time(&o, s->last_time);
    key(&o, "requested_access");
    hai_out_u64(&o, s->requested);
    key(&o, "subject_user_sid");
    istr(&o, s->sid);
    key(&o, "subject_user_name");
    istr(&o, s->user);
    key(&o, "subject_domain_name");
    istr(&o, s->domain);
    key(&o, "first_record_id");
    hai_out_u64(&o, s->first_record);
    key(&o, "last_record_id");
    hai_out_u64(&o, s->last_record);
    key(&o, "duplicated_from");
    if (s->flags & HAI_SEQ_DUPLICATE) {
        hai_out_lit(&o, "{\"process_id\":");
        hai_out_u64(&o, ha_sequence_source_process_id(s));
        hai_out_lit(&o, ",\"handle_id\":");
        hai_out_u64(&o, ha_sequence_source_handle_id(s));
        hai_out_lit(&o, "}");
    } else {
        hai_out_lit(&o, "null");
    }
    key(&o, "access_names");
    hai_out_access_names(&o, hai_istr_text(s->object_type), s->access_mask);
    *o_ = o;
}
