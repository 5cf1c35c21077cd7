/* The XML source's expat handlers: they drive the record builder
 * (lib/record/builder.h) with one event's elements, attributes and text.
 * Element names are matched by depth and length before one comparison. */
#include "parse.h"

#include <stdint.h>
#include <string.h>

#include "convert.h"
#include "fields.h"
#include "names.h"

#define IS(s, n, lit) HAI_IS(s, n, lit)

static void fail(void *ctx, int code, const char *message)
{
    hai_builder *b = ctx;
    if (b->error)
        return;
    b->error = code;
    b->error_message = message;
    b->error_index = XML_GetCurrentByteIndex(b->xp);
    XML_StopParser(b->xp, XML_FALSE);
}

static void warn(void *ctx, int code, const char *message)
{
    hai_builder *b = ctx;
    if (b->nwarnings < HAI_MAX_PENDING_WARNINGS) {
        hai_warning *w = &b->warnings[b->nwarnings++];
        w->code = code;
        w->index = XML_GetCurrentByteIndex(b->xp);
        w->message = message;
    }
}

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

static size_t len_of(const char *s) { return s ? strlen(s) : 0; }

/* 1 when `name` is a System element the record keeps. */
static int system_element(hai_rb *b, const char *name, size_t n, const XML_Char **atts)
{
    const char *v, *w;
    int cls = hai_rb_element_class(name, n);
    switch (cls) {
    case HAI_EL_EXECUTION:
        v = attr(atts, "ProcessID");
        w = attr(atts, "ThreadID");
        hai_rb_execution(b, v, len_of(v), w, len_of(w));
        return 1;
    case HAI_EL_TIMECREATED:
        if ((v = attr(atts, "SystemTime")) != NULL)
            hai_rb_time_created(b, v, strlen(v), NULL, 0);
        else if ((v = attr(atts, "RawTime")) != NULL)
            hai_rb_time_created(b, NULL, 0, v, strlen(v));
        return 1;
    case HAI_EL_PROVIDER:
        v = attr(atts, "Name");
        w = attr(atts, "Guid");
        hai_rb_provider(b, v, len_of(v), w, len_of(w));
        return 1;
    case HAI_EL_SECURITY:
        v = attr(atts, "UserID");
        hai_rb_security(b, v, len_of(v));
        return 1;
    case HAI_EL_OTHER:
    case HAI_EL_SYSTEM:
    case HAI_EL_EVENTDATA:
    case HAI_EL_USERDATA:
    case HAI_EL_DATA:
        return 0;
    default:
        hai_rb_system(b, cls);
        return 1;
    }
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

/* The NUL-terminated name is `Event` or `Data`: byte by byte, so that a
 * shorter name ends the comparison (no strlen, no read past it). */
static inline int is_event(const char *s)
{
    return s[0] == 'E' && s[1] == 'v' && s[2] == 'e' && s[3] == 'n' && s[4] == 't' && !s[5];
}

static inline int is_data(const char *s) { return s[0] == 'D' && s[1] == 'a' && s[2] == 't' && s[3] == 'a' && !s[4]; }

/* A `<Data Name='...'>` under EventData: a pair named by the attribute. */
static void data_pair(hai_rb *b, const XML_Char **atts)
{
    const char *dn = attr(atts, "Name");
    hai_rb_data(b, dn, len_of(dn));
}

static void begin_pair(hai_rb *b, const char *name, size_t n) { hai_rb_begin_pair(b, name, n, hai_field_lookup(name, n)); }

static void XMLCALL on_start(void *ud, const XML_Char *qname, const XML_Char **atts)
{
    hai_builder *b = ud;
    hai_rb *rb = &b->rb;
    if (!b->in_root) {
        b->in_root = 1; /* the reader's synthetic root */
        return;
    }
    if (!hai_rb_push(rb))
        return;
    if (b->batch) {
        int event = is_event(qname);
        if (event != (rb->depth == 1)) {
            hai_builder_batch_stop(b);
            return;
        }
        if (event)
            b->ev_start = XML_GetCurrentByteIndex(b->xp);
    }
    unsigned depth = hai_rb_open(rb);
    if (depth == 0)
        return;
    if (depth == 3 && rb->section == HAI_SEC_EVENTDATA && is_data(qname)) { /* most elements */
        data_pair(rb, atts);
        return;
    }
    size_t n = strlen(qname), ln = n;
    const char *name = qname;
    switch (depth) {
    case 2:
        hai_rb_section(rb, hai_rb_element_class(name, n));
        if (rb->section == HAI_SEC_OTHER && (name = local_name(qname, &ln)) != qname)
            hai_rb_section(rb, hai_rb_element_class(name, ln));
        return;
    case 3:
        if (rb->section == HAI_SEC_SYSTEM) {
            if (!system_element(rb, name, n, atts) && (name = local_name(qname, &ln)) != qname)
                system_element(rb, name, ln, atts);
        } else if (rb->section == HAI_SEC_EVENTDATA) {
            if ((name = local_name(qname, &ln)) != qname && IS(name, ln, "Data")) {
                data_pair(rb, atts);
            } else {
                begin_pair(rb, name, ln);
            }
        } else if (rb->section == HAI_SEC_USERDATA) {
            name = local_name(qname, &ln);
            begin_pair(rb, name, ln);
        }
        return;
    default:
        if (rb->section == HAI_SEC_USERDATA) {
            name = local_name(qname, &ln);
            begin_pair(rb, name, ln);
        }
        return;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    hai_builder *b = ud;
    (void)name;
    if (b->rb.depth == 0)
        return; /* the synthetic root never closes; nothing else is here */
    if (hai_rb_close(&b->rb)) {
        if (!(b->rb.rec.has & HAI_HAS_EVENT_ID))
            b->error_message = "the event has no valid System/EventID";
        if (b->batch && !b->batch_stopped && !b->error)
            b->on_event(b, b->event_ctx);
    }
}

/* (a batch checks the raw bytes between events itself) */
static void XMLCALL on_text(void *ud, const XML_Char *s, int len) { hai_rb_text(&((hai_builder *)ud)->rb, s, (size_t)len); }

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
    hai_rb_init(&b->rb, a, max_field, SIZE_MAX, max_depth); /* (the framer bounds an event's bytes) */
    b->rb.fail = fail;
    b->rb.warn = warn;
    b->rb.ctx = b;
}

void hai_builder_free(hai_builder *b) { hai_rb_free(&b->rb); }

void hai_builder_attach(hai_builder *b, XML_Parser xp)
{
    b->xp = xp;
    b->in_root = 0;
    b->rb.depth = 0;
    b->rb.cap = HAI_CAP_NONE;
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
    b->rb.depth = 0;
    b->rb.cap = HAI_CAP_NONE;
    b->rb.complete = 0;
    b->error = 0;
    b->error_message = NULL;
    b->nwarnings = 0;
}
