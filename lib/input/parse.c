/* expat callbacks that turn one <Event> into an ha_record.
 *
 * Element names are matched by depth and length before one comparison, and
 * all text of an event goes into one arena (b->text) that is reused from
 * event to event, so a record costs no allocation once the arena and the
 * pair array have grown to the size of the largest event seen. */
#include "parse.h"

#include <string.h>

#include "convert.h"
#include "fields.h"
#include "names.h"

enum section { SEC_NONE, SEC_SYSTEM, SEC_EVENTDATA, SEC_USERDATA, SEC_OTHER };

enum capture {
    CAP_NONE,
    CAP_PAIR,       /* value of the last pair */
    CAP_EVENT_ID,
    CAP_VERSION,
    CAP_LEVEL,
    CAP_TASK,
    CAP_OPCODE,
    CAP_KEYWORDS,
    CAP_RECORD_ID,
    CAP_CHANNEL,
    CAP_COMPUTER,
};

void hai_record_clear(ha_record *r)
{
    r->event_id = r->version = r->level = r->task = r->opcode = 0;
    r->exec_pid = r->exec_tid = 0;
    r->has = 0;
    r->keywords = r->record_id = 0;
    r->time = HA_TIME_NONE;
    r->computer = r->channel = r->provider_name = r->provider_guid = r->user_id = HAI_NONE;
    r->offset = 0;
    r->line = 0;
    r->pairs = NULL;
    r->npairs = 0;
    memset(r->slot, 0xff, sizeof r->slot);
    r->text = NULL;
    r->text_len = 0;
    r->tokens = HAI_NONE;
    r->ntokens = 0;
    r->owned = 0; /* r->alloc is kept: copies are made with it */
}

static void fail(hai_builder *b, int code, const char *message)
{
    if (b->error)
        return;
    b->error = code;
    b->error_message = message;
    b->error_index = XML_GetCurrentByteIndex(b->xp);
    XML_StopParser(b->xp, XML_FALSE);
}

static void warn(hai_builder *b, int code, const char *message)
{
    if (b->nwarnings < HAI_MAX_PENDING_WARNINGS) {
        hai_warning *w = &b->warnings[b->nwarnings++];
        w->code = code;
        w->index = XML_GetCurrentByteIndex(b->xp);
        w->message = message;
    }
}

/* Store `n` bytes and a NUL in the arena; the offset, or HAI_NONE when out
 * of memory (the parser is stopped). */
static uint32_t store(hai_builder *b, const char *s, size_t n)
{
    if (hai_buf_reserve(&b->text, b->alloc, n + 1) != 0) {
        fail(b, HA_ERR_NOMEM, "out of memory");
        return HAI_NONE;
    }
    uint32_t off = (uint32_t)b->text.len;
    memcpy(b->text.data + b->text.len, s, n);
    b->text.data[b->text.len + n] = '\0';
    b->text.len += n + 1;
    return off;
}

/* Names are matched by length, then a load or two of a known size
 * (names.h): no strcmp, no loop over the bytes. */
#define IS(s, n, lit) HAI_IS(s, n, lit)

/* The value of attribute `lit`: its name compared byte by byte, the NUL
 * included, so that a shorter name ends the comparison (no strlen). */
#define attr(atts, lit) attr_((atts), (lit), sizeof(lit))
static inline const char *attr_(const XML_Char **atts, const char *name, size_t n)
{
    for (; atts[0]; atts += 2) {
        size_t i = 0;
        while (i < n && atts[0][i] == name[i])
            i++;
        if (i == n)
            return atts[1];
    }
    return NULL;
}

static void begin_capture(hai_builder *b, int what)
{
    b->cap = what;
    b->cap_depth = b->depth;
    b->cap_start = b->text.len;
}

static void begin_pair(hai_builder *b, const char *name, size_t n)
{
    if (b->npairs == b->pairs_cap &&
        hai_grow(b->alloc, (void **)&b->pairs, &b->pairs_cap, b->npairs + 1, sizeof *b->pairs) != 0) {
        fail(b, HA_ERR_NOMEM, "out of memory");
        return;
    }
    uint32_t off = store(b, name, n);
    if (off == HAI_NONE)
        return;
    hai_pair *p = &b->pairs[b->npairs++];
    p->name = off;
    p->field = hai_field_lookup(name, n);
    begin_capture(b, CAP_PAIR);
    p->value = (uint32_t)b->text.len;
    p->value_len = 0;
}

/* 1 when `name` is a System element the record keeps. */
static int system_element(hai_builder *b, const char *name, size_t n, const XML_Char **atts)
{
    ha_record *r = &b->rec;
    const char *v;
    uint64_t x;
    int cap = CAP_NONE;
    switch (name[0]) {
    case 'E':
        if (IS(name, n, "EventID")) {
            cap = CAP_EVENT_ID;
        } else if (IS(name, n, "EventRecordID")) {
            cap = CAP_RECORD_ID;
        } else if (IS(name, n, "Execution")) {
            if ((v = attr(atts, "ProcessID")) != NULL) {
                if (hai_parse_uint(v, strlen(v), &x) == HA_OK && x <= UINT32_MAX)
                    r->exec_pid = (uint32_t)x;
                else
                    warn(b, HA_ERR_BAD_VALUE, "Execution/@ProcessID is not a number");
            }
            if ((v = attr(atts, "ThreadID")) != NULL) {
                if (hai_parse_uint(v, strlen(v), &x) == HA_OK && x <= UINT32_MAX)
                    r->exec_tid = (uint32_t)x;
                else
                    warn(b, HA_ERR_BAD_VALUE, "Execution/@ThreadID is not a number");
            }
            return 1;
        }
        break;
    case 'V':
        if (IS(name, n, "Version"))
            cap = CAP_VERSION;
        break;
    case 'L':
        if (IS(name, n, "Level"))
            cap = CAP_LEVEL;
        break;
    case 'T':
        if (IS(name, n, "Task")) {
            cap = CAP_TASK;
        } else if (IS(name, n, "TimeCreated")) {
            int rc = HA_ERR_NOT_FOUND;
            const char *what = "TimeCreated/@SystemTime is not a valid time";
            if ((v = attr(atts, "SystemTime")) != NULL) {
                rc = hai_parse_time(v, strlen(v), &r->time);
            } else if ((v = attr(atts, "RawTime")) != NULL) {
                rc = hai_parse_filetime(v, strlen(v), &r->time);
                what = "TimeCreated/@RawTime is not a valid time";
            }
            if (rc == HA_OK)
                r->has |= HAI_HAS_TIME;
            else if (v)
                warn(b, HA_ERR_BAD_VALUE, what);
            return 1;
        }
        break;
    case 'O':
        if (IS(name, n, "Opcode"))
            cap = CAP_OPCODE;
        break;
    case 'K':
        if (IS(name, n, "Keywords"))
            cap = CAP_KEYWORDS;
        break;
    case 'C':
        if (IS(name, n, "Computer"))
            cap = CAP_COMPUTER;
        else if (IS(name, n, "Channel"))
            cap = CAP_CHANNEL;
        break;
    case 'P':
        if (IS(name, n, "Provider")) {
            if ((v = attr(atts, "Name")) != NULL)
                r->provider_name = store(b, v, strlen(v));
            if ((v = attr(atts, "Guid")) != NULL)
                r->provider_guid = store(b, v, strlen(v));
            return 1;
        }
        break;
    case 'S':
        if (IS(name, n, "Security")) {
            if ((v = attr(atts, "UserID")) != NULL && *v)
                r->user_id = store(b, v, strlen(v));
            return 1;
        }
        break;
    default:
        break;
    }
    if (cap == CAP_NONE)
        return 0;
    begin_capture(b, cap);
    return 1;
}

/* The name without a namespace prefix (expat runs without namespace
 * processing, so `e:Event` arrives as written; it almost never does). Names
 * are first matched as they are, and looked at again only when they are
 * not known, so that a known name costs no search for a colon. */
static const char *local_name(const char *name, size_t *n)
{
    const char *colon = memchr(name, ':', *n);
    if (!colon)
        return name;
    *n -= (size_t)(colon + 1 - name);
    return colon + 1;
}

static int section_of(const char *name, size_t n)
{
    if (IS(name, n, "System"))
        return SEC_SYSTEM;
    if (IS(name, n, "EventData"))
        return SEC_EVENTDATA;
    if (IS(name, n, "UserData"))
        return SEC_USERDATA;
    return SEC_OTHER;
}

/* The NUL-terminated name is `Event` or `Data`: byte by byte, so that a
 * shorter name ends the comparison (no strlen, no read past it). */
static inline int is_event(const char *s)
{
    return s[0] == 'E' && s[1] == 'v' && s[2] == 'e' && s[3] == 'n' && s[4] == 't' && !s[5];
}

static inline int is_data(const char *s) { return s[0] == 'D' && s[1] == 'a' && s[2] == 't' && s[3] == 'a' && !s[4]; }

/* A `<Data Name='...'>` under EventData: a pair named by the attribute. */
static void data_pair(hai_builder *b, const XML_Char **atts)
{
    const char *dn = attr(atts, "Name");
    if (dn)
        begin_pair(b, dn, strlen(dn));
    else
        begin_pair(b, "", 0);
}

static void XMLCALL on_start(void *ud, const XML_Char *qname, const XML_Char **atts)
{
    hai_builder *b = ud;
    if (!b->in_root) {
        b->in_root = 1; /* the reader's synthetic root */
        return;
    }
    if (++b->depth > b->max_depth) {
        fail(b, HA_ERR_TOO_DEEP, "elements nest deeper than the depth limit");
        return;
    }
    if (b->batch) {
        int event = is_event(qname);
        if (event != (b->depth == 1)) {
            hai_builder_batch_stop(b);
            return;
        }
        if (event)
            b->ev_start = XML_GetCurrentByteIndex(b->xp);
    }
    if (b->cap != CAP_NONE) {
        /* An element inside a captured one: under UserData the outer one was
         * not a leaf, so drop it and capture the inner one instead; elsewhere
         * keep collecting the outer one's text. */
        if (b->section != SEC_USERDATA || b->cap != CAP_PAIR)
            return;
        b->npairs--;
        b->text.len = b->pairs[b->npairs].name;
        b->cap = CAP_NONE;
    }
    if (b->depth == 1) {
        hai_record_clear(&b->rec);
        b->text.len = 0;
        b->npairs = 0;
        b->section = SEC_NONE;
        b->complete = 0;
        return;
    }
    if (b->depth == 3 && b->section == SEC_EVENTDATA && is_data(qname)) { /* most elements */
        data_pair(b, atts);
        return;
    }
    size_t n = strlen(qname), ln = n;
    const char *name = qname;
    switch (b->depth) {
    case 2:
        b->section = section_of(name, n);
        if (b->section == SEC_OTHER && (name = local_name(qname, &ln)) != qname)
            b->section = section_of(name, ln);
        return;
    case 3:
        if (b->section == SEC_SYSTEM) {
            if (!system_element(b, name, n, atts) && (name = local_name(qname, &ln)) != qname)
                system_element(b, name, ln, atts);
        } else if (b->section == SEC_EVENTDATA) {
            if ((name = local_name(qname, &ln)) != qname && IS(name, ln, "Data")) {
                data_pair(b, atts);
            } else {
                begin_pair(b, name, ln);
            }
        } else if (b->section == SEC_USERDATA) {
            name = local_name(qname, &ln);
            begin_pair(b, name, ln);
        }
        return;
    default:
        if (b->section == SEC_USERDATA) {
            name = local_name(qname, &ln);
            begin_pair(b, name, ln);
        }
        return;
    }
}

static void end_capture(hai_builder *b)
{
    ha_record *r = &b->rec;
    const char *s = b->text.data ? b->text.data + b->cap_start : ""; /* nothing stored yet */
    size_t n = b->text.len - b->cap_start;
    uint64_t v = 0;
    int cap = b->cap;
    b->cap = CAP_NONE;
    if (cap == CAP_PAIR || cap == CAP_CHANNEL || cap == CAP_COMPUTER) {
        uint32_t off = (uint32_t)b->cap_start;
        if (hai_buf_reserve(&b->text, b->alloc, 1) != 0) {
            fail(b, HA_ERR_NOMEM, "out of memory");
            return;
        }
        b->text.data[b->text.len++] = '\0';
        if (cap == CAP_CHANNEL) {
            r->channel = off;
        } else if (cap == CAP_COMPUTER) {
            r->computer = off;
        } else {
            hai_pair *p = &b->pairs[b->npairs - 1];
            p->value_len = (uint32_t)n;
            if (p->field != HA_FIELD_NONE && r->slot[p->field] == HAI_NONE)
                r->slot[p->field] = (uint32_t)(b->npairs - 1);
        }
        return;
    }
    int rc = hai_parse_uint(s, n, &v);
    b->text.len = b->cap_start; /* numbers need no text */
    if (cap == CAP_EVENT_ID) {
        if (rc == HA_OK && v <= UINT32_MAX) {
            r->event_id = (uint32_t)v;
            r->has |= HAI_HAS_EVENT_ID;
        }
        return; /* a missing or bad EventID is reported when the event ends */
    }
    if (rc != HA_OK) {
        if (rc == HA_ERR_BAD_VALUE)
            warn(b, HA_ERR_BAD_VALUE, "a System value is not a number");
        return;
    }
    switch (cap) {
    case CAP_VERSION:
        r->version = (uint32_t)v;
        break;
    case CAP_LEVEL:
        r->level = (uint32_t)v;
        break;
    case CAP_TASK:
        r->task = (uint32_t)v;
        break;
    case CAP_OPCODE:
        r->opcode = (uint32_t)v;
        break;
    case CAP_KEYWORDS:
        r->keywords = v;
        r->has |= HAI_HAS_KEYWORDS;
        break;
    case CAP_RECORD_ID:
        r->record_id = v;
        r->has |= HAI_HAS_RECORD_ID;
        break;
    default:
        break;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    hai_builder *b = ud;
    (void)name;
    if (b->depth == 0)
        return; /* the synthetic root never closes; nothing else is here */
    if (b->cap != CAP_NONE && b->cap_depth == b->depth)
        end_capture(b);
    if (b->depth == 2)
        b->section = SEC_NONE;
    if (--b->depth == 0) {
        b->complete = 1;
        if (!(b->rec.has & HAI_HAS_EVENT_ID))
            b->error_message = "the event has no valid System/EventID";
        if (b->batch && !b->batch_stopped && !b->error)
            b->on_event(b, b->event_ctx);
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    hai_builder *b = ud;
    if (b->cap == CAP_NONE)
        return; /* (a batch checks the raw bytes between events itself) */
    size_t n = (size_t)len;
    if (b->text.len - b->cap_start + n > b->max_field) {
        fail(b, HA_ERR_FIELD_TOO_LARGE, "a value exceeds the bytes-per-field limit");
        return;
    }
    if (hai_buf_append(&b->text, b->alloc, s, n) != 0)
        fail(b, HA_ERR_NOMEM, "out of memory");
}

/* Refuse any DTD: entity declarations are never expanded. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid, const XML_Char *pubid,
                               int has_internal_subset)
{
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    fail(ud, HA_ERR_DTD, "a DOCTYPE is not allowed");
}

static void XMLCALL on_entity_decl(void *ud, const XML_Char *name, int is_param, const XML_Char *value,
                                   int value_len, const XML_Char *base, const XML_Char *sysid,
                                   const XML_Char *pubid, const XML_Char *notation)
{
    (void)name;
    (void)is_param;
    (void)value;
    (void)value_len;
    (void)base;
    (void)sysid;
    (void)pubid;
    (void)notation;
    fail(ud, HA_ERR_DTD, "an entity declaration is not allowed");
}

/* In a batch, a comment, processing instruction or CDATA section may hide
 * an `</Event>` that the one-event path's framer would have ended an event
 * at: the batch stops, and that path takes over. */
static void XMLCALL on_comment(void *ud, const XML_Char *data)
{
    (void)data;
    hai_builder *b = ud;
    if (b->batch)
        hai_builder_batch_stop(b);
}

static void XMLCALL on_pi(void *ud, const XML_Char *target, const XML_Char *data)
{
    (void)target;
    on_comment(ud, data);
}

static void XMLCALL on_cdata(void *ud) { on_comment(ud, NULL); }

void hai_builder_batch_stop(hai_builder *b)
{
    if (!b->batch_stopped) {
        b->batch_stopped = 1;
        XML_StopParser(b->xp, XML_FALSE);
    }
}

void hai_builder_init(hai_builder *b, const ha_allocator *a, size_t max_field, unsigned max_depth)
{
    memset(b, 0, sizeof *b);
    b->alloc = a;
    b->max_field = max_field;
    b->max_depth = max_depth;
    hai_record_clear(&b->rec);
    hai_allocator_init(&b->rec.alloc, a);
}

void hai_builder_free(hai_builder *b)
{
    hai_buf_free(&b->text, b->alloc);
    hai_free(b->alloc, b->pairs);
    b->pairs = NULL;
    b->pairs_cap = b->npairs = 0;
}

void hai_builder_attach(hai_builder *b, XML_Parser xp)
{
    b->xp = xp;
    b->in_root = 0;
    b->depth = 0;
    b->cap = CAP_NONE;
    b->batch = b->batch_stopped = 0;
    XML_SetUserData(xp, b);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_text);
    XML_SetStartDoctypeDeclHandler(xp, on_doctype);
    XML_SetEntityDeclHandler(xp, on_entity_decl);
    XML_SetCommentHandler(xp, on_comment);
    XML_SetProcessingInstructionHandler(xp, on_pi);
    XML_SetStartCdataSectionHandler(xp, on_cdata);
    XML_SetParamEntityParsing(xp, XML_PARAM_ENTITY_PARSING_NEVER);
}

void hai_builder_abandon(hai_builder *b)
{
    b->depth = 0;
    b->cap = CAP_NONE;
    b->complete = 0;
    b->error = 0;
    b->error_message = NULL;
    b->nwarnings = 0;
}

void hai_builder_finish(hai_builder *b)
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
