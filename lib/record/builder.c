/* The record builder's System part and its storage (see builder.h). */
#include "builder.h"

#include <string.h>

#include "convert.h"
#include "names.h"

void hai_rb_init(hai_rb *b, const ha_allocator *a, size_t max_field, size_t max_text, unsigned max_depth)
{
    memset(b, 0, sizeof *b);
    b->alloc = a;
    b->max_field = max_field;
    b->max_text = max_text;
    b->max_depth = max_depth;
    hai_record_clear(&b->rec);
    hai_allocator_init(&b->rec.alloc, a);
}

void hai_rb_free(hai_rb *b)
{
    hai_buf_free(&b->text, b->alloc);
    hai_free(b->alloc, b->pairs);
    b->pairs = NULL;
    b->pairs_cap = b->npairs = 0;
}

/* Names are matched by length, then a load or two of a known size
 * (names.h): no strcmp, no loop over the bytes. */
#define IS(s, n, lit) HAI_IS(s, n, lit)

int hai_rb_element_class(const char *s, size_t n)
{
    switch (s[0]) {
    case 'D':
        return IS(s, n, "Data") ? HAI_EL_DATA : HAI_EL_OTHER;
    case 'E':
        return IS(s, n, "EventID")         ? HAI_EL_EVENTID
               : IS(s, n, "EventData")     ? HAI_EL_EVENTDATA
               : IS(s, n, "EventRecordID") ? HAI_EL_RECORDID
               : IS(s, n, "Execution")     ? HAI_EL_EXECUTION
                                           : HAI_EL_OTHER;
    case 'V':
        return IS(s, n, "Version") ? HAI_EL_VERSION : HAI_EL_OTHER;
    case 'L':
        return IS(s, n, "Level") ? HAI_EL_LEVEL : HAI_EL_OTHER;
    case 'T':
        return IS(s, n, "Task") ? HAI_EL_TASK : IS(s, n, "TimeCreated") ? HAI_EL_TIMECREATED : HAI_EL_OTHER;
    case 'O':
        return IS(s, n, "Opcode") ? HAI_EL_OPCODE : HAI_EL_OTHER;
    case 'K':
        return IS(s, n, "Keywords") ? HAI_EL_KEYWORDS : HAI_EL_OTHER;
    case 'C':
        return IS(s, n, "Computer") ? HAI_EL_COMPUTER : IS(s, n, "Channel") ? HAI_EL_CHANNEL : HAI_EL_OTHER;
    case 'P':
        return IS(s, n, "Provider") ? HAI_EL_PROVIDER : HAI_EL_OTHER;
    case 'S':
        return IS(s, n, "System") ? HAI_EL_SYSTEM : IS(s, n, "Security") ? HAI_EL_SECURITY : HAI_EL_OTHER;
    case 'U':
        return IS(s, n, "UserData") ? HAI_EL_USERDATA : HAI_EL_OTHER;
    default:
        return HAI_EL_OTHER;
    }
}

uint32_t hai_rb_store(hai_rb *b, const char *s, size_t n)
{
    if (b->text.len + n + 1 > b->max_text) { /* names and System text count too */
        b->fail(b->ctx, HA_ERR_EVENT_TOO_LARGE, "a record's text exceeds the bytes-per-event limit");
        return HAI_NONE;
    }
    if (hai_buf_reserve(&b->text, b->alloc, n + 1) != 0) {
        b->fail(b->ctx, HA_ERR_NOMEM, "out of memory");
        return HAI_NONE;
    }
    uint32_t off = (uint32_t)b->text.len;
    memcpy(b->text.data + off, s, n);
    b->text.data[off + n] = '\0';
    b->text.len += n + 1;
    return off;
}

/* ---- the System fields ---------------------------------------------------- */

static uint32_t *string_slot(ha_record *r, ha_system_field f)
{
    switch (f) {
    case HA_SYSTEM_CHANNEL:
        return &r->channel;
    case HA_SYSTEM_COMPUTER:
        return &r->computer;
    case HA_SYSTEM_PROVIDER_NAME:
        return &r->provider_name;
    case HA_SYSTEM_PROVIDER_GUID:
        return &r->provider_guid;
    case HA_SYSTEM_USER_ID:
        return &r->user_id;
    default:
        return NULL;
    }
}

int hai_rb_set_uint(hai_rb *b, ha_system_field f, uint64_t v)
{
    ha_record *r = &b->rec;
    uint32_t *u32 = NULL;
    switch (f) {
    case HA_SYSTEM_KEYWORDS:
        r->keywords = v;
        r->has |= HAI_HAS_KEYWORDS;
        return HA_OK;
    case HA_SYSTEM_RECORD_ID:
        r->record_id = v;
        r->has |= HAI_HAS_RECORD_ID;
        return HA_OK;
    case HA_SYSTEM_EVENT_ID:
        u32 = &r->event_id;
        break;
    case HA_SYSTEM_VERSION:
        u32 = &r->version;
        break;
    case HA_SYSTEM_LEVEL:
        u32 = &r->level;
        break;
    case HA_SYSTEM_TASK:
        u32 = &r->task;
        break;
    case HA_SYSTEM_OPCODE:
        u32 = &r->opcode;
        break;
    case HA_SYSTEM_PROCESS_ID:
        u32 = &r->exec_pid;
        break;
    case HA_SYSTEM_THREAD_ID:
        u32 = &r->exec_tid;
        break;
    default:
        return HA_ERR_INVALID;
    }
    if (v > UINT32_MAX)
        return HA_ERR_INVALID;
    *u32 = (uint32_t)v;
    if (f == HA_SYSTEM_EVENT_ID)
        r->has |= HAI_HAS_EVENT_ID;
    return HA_OK;
}

int hai_rb_set_string(hai_rb *b, ha_system_field f, const char *s, size_t n)
{
    uint32_t *slot = string_slot(&b->rec, f);
    if (!slot)
        return HA_ERR_INVALID;
    if (!s || (f == HA_SYSTEM_USER_ID && n == 0)) { /* an empty UserID is none, as the sources read it */
        *slot = HAI_NONE;
        return HA_OK;
    }
    uint32_t off = hai_rb_store(b, s, n);
    if (off == HAI_NONE)
        return HA_ERR_NOMEM;
    *slot = off;
    return HA_OK;
}

int hai_rb_set_time(hai_rb *b, int64_t t)
{
    b->rec.time = t;
    if (t != HA_TIME_NONE)
        b->rec.has |= HAI_HAS_TIME;
    else
        b->rec.has &= ~(uint32_t)HAI_HAS_TIME;
    return HA_OK;
}

void hai_rb_system(hai_rb *b, int cls)
{
    int f;
    switch (cls) {
    case HAI_EL_EVENTID:
        f = HA_SYSTEM_EVENT_ID;
        break;
    case HAI_EL_RECORDID:
        f = HA_SYSTEM_RECORD_ID;
        break;
    case HAI_EL_VERSION:
        f = HA_SYSTEM_VERSION;
        break;
    case HAI_EL_LEVEL:
        f = HA_SYSTEM_LEVEL;
        break;
    case HAI_EL_TASK:
        f = HA_SYSTEM_TASK;
        break;
    case HAI_EL_OPCODE:
        f = HA_SYSTEM_OPCODE;
        break;
    case HAI_EL_KEYWORDS:
        f = HA_SYSTEM_KEYWORDS;
        break;
    case HAI_EL_COMPUTER:
        f = HA_SYSTEM_COMPUTER;
        break;
    case HAI_EL_CHANNEL:
        f = HA_SYSTEM_CHANNEL;
        break;
    default:
        return; /* attributes only, or not kept */
    }
    hai_rb_begin_capture(b, f);
}

static void uint32_attr(hai_rb *b, ha_system_field f, const char *v, size_t n, const char *bad)
{
    uint64_t x;
    if (!v)
        return;
    if (hai_parse_uint(v, n, &x) == HA_OK && x <= UINT32_MAX)
        hai_rb_set_uint(b, f, x);
    else
        b->warn(b->ctx, HA_ERR_BAD_VALUE, bad);
}

void hai_rb_execution(hai_rb *b, const char *pid, size_t pid_n, const char *tid, size_t tid_n)
{
    uint32_attr(b, HA_SYSTEM_PROCESS_ID, pid, pid_n, "Execution/@ProcessID is not a number");
    uint32_attr(b, HA_SYSTEM_THREAD_ID, tid, tid_n, "Execution/@ThreadID is not a number");
}

void hai_rb_time_created(hai_rb *b, const char *system_time, size_t st_n, const char *raw_time, size_t rt_n)
{
    int64_t t;
    if (system_time) {
        if (hai_parse_time(system_time, st_n, &t) == HA_OK)
            hai_rb_set_time(b, t);
        else
            b->warn(b->ctx, HA_ERR_BAD_VALUE, "TimeCreated/@SystemTime is not a valid time");
    } else if (raw_time) {
        if (hai_parse_filetime(raw_time, rt_n, &t) == HA_OK)
            hai_rb_set_time(b, t);
        else
            b->warn(b->ctx, HA_ERR_BAD_VALUE, "TimeCreated/@RawTime is not a valid time");
    }
}

void hai_rb_provider(hai_rb *b, const char *name, size_t name_n, const char *guid, size_t guid_n)
{
    if (name)
        b->rec.provider_name = hai_rb_store(b, name, name_n);
    if (guid)
        b->rec.provider_guid = hai_rb_store(b, guid, guid_n);
}

void hai_rb_security(hai_rb *b, const char *user_id, size_t n)
{
    if (user_id && n)
        b->rec.user_id = hai_rb_store(b, user_id, n);
}

void hai_rb_end_system(hai_rb *b)
{
    ha_system_field f = (ha_system_field)b->cap;
    b->cap = HAI_CAP_NONE;
    if (f == HA_SYSTEM_CHANNEL || f == HA_SYSTEM_COMPUTER) { /* the captured text is the value */
        uint32_t off = (uint32_t)b->cap_start;
        if (hai_buf_reserve(&b->text, b->alloc, 1) != 0) {
            b->fail(b->ctx, HA_ERR_NOMEM, "out of memory");
            return;
        }
        b->text.data[b->text.len++] = '\0';
        *string_slot(&b->rec, f) = off;
        return;
    }
    const char *s = b->text.data ? b->text.data + b->cap_start : ""; /* nothing stored yet */
    uint64_t v = 0;
    int rc = hai_parse_uint(s, b->text.len - b->cap_start, &v);
    b->text.len = b->cap_start; /* numbers need no text */
    if (f == HA_SYSTEM_EVENT_ID) {
        if (rc == HA_OK && v <= UINT32_MAX)
            hai_rb_set_uint(b, f, v);
        return; /* a missing or bad EventID is reported when the event ends */
    }
    if (rc != HA_OK) {
        if (rc == HA_ERR_BAD_VALUE)
            b->warn(b->ctx, HA_ERR_BAD_VALUE, "a System value is not a number");
        return;
    }
    if (f != HA_SYSTEM_KEYWORDS && f != HA_SYSTEM_RECORD_ID)
        v = (uint32_t)v; /* (as written: the low 32 bits) */
    hai_rb_set_uint(b, f, v);
}

int hai_rb_add_pair(hai_rb *b, const char *name, size_t name_n, uint32_t field, const char *value, size_t value_n)
{
    size_t before = b->npairs;
    hai_rb_begin_pair(b, name, name_n, field);
    if (b->npairs == before)
        return HA_ERR_NOMEM;
    if (b->text.len + value_n + 1 > b->max_text || hai_buf_append(&b->text, b->alloc, value, value_n) != 0) {
        b->npairs--;
        b->cap = HAI_CAP_NONE;
        return HA_ERR_NOMEM;
    }
    hai_rb_end_capture(b);
    return HA_OK;
}

void hai_rb_finish(hai_rb *b)
{
    uint32_t slot = b->rec.slot[HA_FIELD_ACCESS_LIST];
    if (slot != HAI_NONE && b->rec.tokens == HAI_NONE)
        hai_access_index(&b->text, b->alloc, b->pairs[slot].value, b->pairs[slot].value_len, &b->rec.tokens,
                         &b->rec.ntokens);
    b->rec.text = b->text.data;
    b->rec.text_len = b->text.len;
    b->rec.pairs = b->pairs;
    b->rec.npairs = b->npairs;
}
