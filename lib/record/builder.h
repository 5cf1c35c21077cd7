/* One record builder for every source. The XML source's expat handlers
 * (lib/input/parse.c) and the .evtx source's ops (lib/input/evtx_binxml.c)
 * drive it element by element with the same rules: System fields by name,
 * EventData's `Data` elements by their `Name`, UserData's leaf elements by
 * theirs. Records made by the caller (ha_record_new, build.c) are this
 * builder too, and their System setters are the ones the sources use.
 *
 * All text of a record goes into one arena (`text`) that is reused from
 * event to event, so a record costs no allocation once the arena and the
 * pair array have grown to the size of the largest event seen. What runs
 * for every event (elements, text, pairs, System values) is inline here:
 * both sources call it a few dozen times per record; builder.c has the
 * rest. */
#ifndef HAI_BUILDER_H
#define HAI_BUILDER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "convert.h"
#include "names.h"
#include "fields.h"
#include "record.h"

/* Which child of Event the builder is in. */
enum { HAI_SEC_NONE, HAI_SEC_SYSTEM, HAI_SEC_EVENTDATA, HAI_SEC_USERDATA, HAI_SEC_OTHER };

/* Classes of element names (their local part), hai_rb_element_class(). */
enum {
    HAI_EL_OTHER,
    HAI_EL_SYSTEM,
    HAI_EL_EVENTDATA,
    HAI_EL_USERDATA,
    HAI_EL_DATA,
    HAI_EL_EVENTID,
    HAI_EL_VERSION,
    HAI_EL_LEVEL,
    HAI_EL_TASK,
    HAI_EL_OPCODE,
    HAI_EL_KEYWORDS,
    HAI_EL_TIMECREATED,
    HAI_EL_RECORDID,
    HAI_EL_EXECUTION,
    HAI_EL_CHANNEL,
    HAI_EL_COMPUTER,
    HAI_EL_PROVIDER,
    HAI_EL_SECURITY,
};

/* What character data goes to: the value of the last pair, or a System
 * field (the ha_system_field it sets). */
#define HAI_CAP_NONE 0
#define HAI_CAP_PAIR (-1)

typedef struct hai_rb hai_rb;

struct hai_rb {
    ha_record rec; /* first: a built record's pointer is the builder's */
    hai_buf text;
    hai_pair *pairs;
    size_t npairs, pairs_cap;
    const ha_allocator *alloc;
    size_t max_field;
    size_t max_text; /* names and values together; SIZE_MAX: no bound */
    unsigned max_depth;

    unsigned depth; /* 1 = Event */
    unsigned cap_depth;
    int section;    /* HAI_SEC_* */
    int cap;        /* HAI_CAP_NONE, HAI_CAP_PAIR or an ha_system_field */
    size_t cap_start; /* text offset where the captured value begins */
    int complete;   /* the Event element ended */

    /* How the source records a problem: `fail` drops the record (the
     * first one counts), `warn` keeps it. Messages are static. */
    void (*fail)(void *ctx, int code, const char *message);
    void (*warn)(void *ctx, int code, const char *message);
    void *ctx;
};

void hai_rb_init(hai_rb *b, const ha_allocator *a, size_t max_field, size_t max_text, unsigned max_depth);
void hai_rb_free(hai_rb *b);
/* The class of an element's local name. */
/* A System element of class `cls` starts (under System, at depth 3): its
 * text is captured when it is a value. Its attributes, for the classes that
 * have some, go to the four functions after it; NULL: absent. */
/* Set a System field: the record's value and what it has. HA_ERR_INVALID
 * when `f` is not a field of that type or the number does not fit it;
 * HA_ERR_NOMEM. A string NULL removes it. */
int hai_rb_set_string(hai_rb *b, ha_system_field f, const char *s, size_t n);
/* A System value's text ends (the capture of a System field). */
/* Append a pair, as the sources and ha_record_add_data() do. */
int hai_rb_add_pair(hai_rb *b, const char *name, size_t name_n, uint32_t field, const char *value, size_t value_n);
/* The event is complete: index its AccessList, point the record at the
 * arena and the pairs. */
void hai_rb_finish(hai_rb *b);

/* Store s[0, n) and a NUL in the arena: its offset, or HAI_NONE (failed). */
static inline uint32_t hai_rb_store(hai_rb *b, const char *s, size_t n)
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

static inline void hai_rb_begin_capture(hai_rb *b, int what)
{
    b->cap = what;
    b->cap_depth = b->depth;
    b->cap_start = b->text.len;
}

/* ---- the System fields (inline: every event sets a dozen) ---- */

/* The class of an element's local name s[0, n): matched by length, then a
 * load or two of a known size (names.h). */
static inline int hai_rb_element_class(const char *s, size_t n)
{
    switch (s[0]) {
    case 'D':
        return HAI_IS(s, n, "Data") ? HAI_EL_DATA : HAI_EL_OTHER;
    case 'E':
        return HAI_IS(s, n, "EventID")         ? HAI_EL_EVENTID
               : HAI_IS(s, n, "EventData")     ? HAI_EL_EVENTDATA
               : HAI_IS(s, n, "EventRecordID") ? HAI_EL_RECORDID
               : HAI_IS(s, n, "Execution")     ? HAI_EL_EXECUTION
                                           : HAI_EL_OTHER;
    case 'V':
        return HAI_IS(s, n, "Version") ? HAI_EL_VERSION : HAI_EL_OTHER;
    case 'L':
        return HAI_IS(s, n, "Level") ? HAI_EL_LEVEL : HAI_EL_OTHER;
    case 'T':
        return HAI_IS(s, n, "Task") ? HAI_EL_TASK : HAI_IS(s, n, "TimeCreated") ? HAI_EL_TIMECREATED : HAI_EL_OTHER;
    case 'O':
        return HAI_IS(s, n, "Opcode") ? HAI_EL_OPCODE : HAI_EL_OTHER;
    case 'K':
        return HAI_IS(s, n, "Keywords") ? HAI_EL_KEYWORDS : HAI_EL_OTHER;
    case 'C':
        return HAI_IS(s, n, "Computer") ? HAI_EL_COMPUTER : HAI_IS(s, n, "Channel") ? HAI_EL_CHANNEL : HAI_EL_OTHER;
    case 'P':
        return HAI_IS(s, n, "Provider") ? HAI_EL_PROVIDER : HAI_EL_OTHER;
    case 'S':
        return HAI_IS(s, n, "System") ? HAI_EL_SYSTEM : HAI_IS(s, n, "Security") ? HAI_EL_SECURITY : HAI_EL_OTHER;
    case 'U':
        return HAI_IS(s, n, "UserData") ? HAI_EL_USERDATA : HAI_EL_OTHER;
    default:
        return HAI_EL_OTHER;
    }
}

static uint32_t *hai_rb_string_slot(ha_record *r, ha_system_field f)
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

static inline int hai_rb_set_uint(hai_rb *b, ha_system_field f, uint64_t v)
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

static inline int hai_rb_set_time(hai_rb *b, int64_t t)
{
    b->rec.time = t;
    if (t != HA_TIME_NONE)
        b->rec.has |= HAI_HAS_TIME;
    else
        b->rec.has &= ~(uint32_t)HAI_HAS_TIME;
    return HA_OK;
}

static inline void hai_rb_system(hai_rb *b, int cls)
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

static inline void hai_rb_uint32_attr(hai_rb *b, ha_system_field f, const char *v, size_t n, const char *bad)
{
    uint64_t x;
    if (!v)
        return;
    if (hai_parse_uint(v, n, &x) == HA_OK && x <= UINT32_MAX)
        hai_rb_set_uint(b, f, x);
    else
        b->warn(b->ctx, HA_ERR_BAD_VALUE, bad);
}

static inline void hai_rb_execution(hai_rb *b, const char *pid, size_t pid_n, const char *tid, size_t tid_n)
{
    hai_rb_uint32_attr(b, HA_SYSTEM_PROCESS_ID, pid, pid_n, "Execution/@ProcessID is not a number");
    hai_rb_uint32_attr(b, HA_SYSTEM_THREAD_ID, tid, tid_n, "Execution/@ThreadID is not a number");
}

static inline void hai_rb_time_created(hai_rb *b, const char *system_time, size_t st_n, const char *raw_time, size_t rt_n)
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

static inline void hai_rb_provider(hai_rb *b, const char *name, size_t name_n, const char *guid, size_t guid_n)
{
    if (name)
        b->rec.provider_name = hai_rb_store(b, name, name_n);
    if (guid)
        b->rec.provider_guid = hai_rb_store(b, guid, guid_n);
}

static inline void hai_rb_security(hai_rb *b, const char *user_id, size_t n)
{
    if (user_id && n)
        b->rec.user_id = hai_rb_store(b, user_id, n);
}

static inline void hai_rb_end_system(hai_rb *b)
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
        *hai_rb_string_slot(&b->rec, f) = off;
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

/* A pair named name[0, n) begins; its value is the element's text. */
static inline void hai_rb_begin_pair(hai_rb *b, const char *name, size_t n, uint32_t field)
{
    if (b->npairs == b->pairs_cap &&
        hai_grow(b->alloc, (void **)&b->pairs, &b->pairs_cap, b->npairs + 1, sizeof *b->pairs) != 0) {
        b->fail(b->ctx, HA_ERR_NOMEM, "out of memory");
        return;
    }
    uint32_t off = hai_rb_store(b, name, n);
    if (off == HAI_NONE)
        return;
    hai_pair *p = &b->pairs[b->npairs++];
    p->name = off;
    p->field = field;
    hai_rb_begin_capture(b, HAI_CAP_PAIR);
    p->value = (uint32_t)b->text.len;
    p->value_len = 0;
}

/* A `Data` element under EventData, named by its Name attribute (NULL:
 * none). */
static inline void hai_rb_data(hai_rb *b, const char *name, size_t n)
{
    if (name)
        hai_rb_begin_pair(b, name, n, hai_field_lookup(name, n));
    else
        hai_rb_begin_pair(b, "", 0, HA_FIELD_NONE);
}

/* An element starts: one level deeper. 0 (and the source's fail) past the
 * depth limit. */
static inline int hai_rb_push(hai_rb *b)
{
    if (++b->depth > b->max_depth) {
        b->fail(b->ctx, HA_ERR_TOO_DEEP, "elements nest deeper than the depth limit");
        return 0;
    }
    return 1;
}

/* Then, once the source has done what it does first (hai_rb_push() did not
 * fail): its depth when the source has to look at its name (2: a section,
 * 3 and more: a field), 0 when not: inside a captured value, or the Event
 * element itself (a new record begins). */
static inline unsigned hai_rb_open(hai_rb *b)
{
    if (b->cap != HAI_CAP_NONE) {
        /* An element inside a captured one: under UserData the outer one was
         * not a leaf, so drop it and capture the inner one instead; elsewhere
         * keep collecting the outer one's text. */
        if (b->section != HAI_SEC_USERDATA || b->cap != HAI_CAP_PAIR)
            return 0;
        b->npairs--;
        b->text.len = b->pairs[b->npairs].name;
        b->cap = HAI_CAP_NONE;
    }
    if (b->depth == 1) {
        hai_record_clear(&b->rec);
        b->text.len = 0;
        b->npairs = 0;
        b->section = HAI_SEC_NONE;
        b->complete = 0;
        return 0;
    }
    return b->depth;
}

/* The section an element of class `cls` at depth 2 opens. */
static inline void hai_rb_section(hai_rb *b, int cls)
{
    b->section = cls == HAI_EL_SYSTEM      ? HAI_SEC_SYSTEM
                 : cls == HAI_EL_EVENTDATA ? HAI_SEC_EVENTDATA
                 : cls == HAI_EL_USERDATA  ? HAI_SEC_USERDATA
                                           : HAI_SEC_OTHER;
}

static inline void hai_rb_end_capture(hai_rb *b)
{
    if (b->cap != HAI_CAP_PAIR) {
        hai_rb_end_system(b);
        return;
    }
    b->cap = HAI_CAP_NONE;
    size_t n = b->text.len - b->cap_start;
    if (hai_buf_reserve(&b->text, b->alloc, 1) != 0) {
        b->fail(b->ctx, HA_ERR_NOMEM, "out of memory");
        return;
    }
    b->text.data[b->text.len++] = '\0';
    hai_pair *p = &b->pairs[b->npairs - 1];
    p->value_len = (uint32_t)n;
    if (p->field != HA_FIELD_NONE && b->rec.slot[p->field] == HAI_NONE)
        b->rec.slot[p->field] = (uint32_t)(b->npairs - 1);
}

/* An element ends (the source has checked that one is open). Returns 1
 * when it was the Event element: the record is complete. */
static inline int hai_rb_close(hai_rb *b)
{
    if (b->cap != HAI_CAP_NONE && b->cap_depth == b->depth)
        hai_rb_end_capture(b);
    if (b->depth == 2)
        b->section = HAI_SEC_NONE;
    if (--b->depth == 0) {
        b->complete = 1;
        return 1;
    }
    return 0;
}

/* What was appended to the captured value since it began: within the
 * limits? (For a source that renders straight into the arena.) */
static inline void hai_rb_check_sizes(hai_rb *b)
{
    if (b->text.len - b->cap_start > b->max_field)
        b->fail(b->ctx, HA_ERR_FIELD_TOO_LARGE, "a value exceeds the bytes-per-field limit");
    else if (b->text.len > b->max_text)
        b->fail(b->ctx, HA_ERR_EVENT_TOO_LARGE, "a record's text exceeds the bytes-per-event limit");
}

/* Character data of the current element. */
static inline void hai_rb_text(hai_rb *b, const char *s, size_t n)
{
    if (b->cap == HAI_CAP_NONE)
        return;
    if (b->text.len - b->cap_start + n > b->max_field) {
        b->fail(b->ctx, HA_ERR_FIELD_TOO_LARGE, "a value exceeds the bytes-per-field limit");
        return;
    }
    if (b->text.len + n > b->max_text) {
        b->fail(b->ctx, HA_ERR_EVENT_TOO_LARGE, "a record's text exceeds the bytes-per-event limit");
        return;
    }
    if (hai_buf_append(&b->text, b->alloc, s, n) != 0)
        b->fail(b->ctx, HA_ERR_NOMEM, "out of memory");
}

#endif
