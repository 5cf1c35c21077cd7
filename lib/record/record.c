/* Record getters, copies and the AccessList decoder. */
#include <string.h>

#include "alloc.h"
#include "convert.h"
#include "record.h"

uint32_t ha_record_event_id(const ha_record *r) { return r ? r->event_id : 0; }
uint32_t ha_record_version(const ha_record *r) { return r ? r->version : 0; }
uint32_t ha_record_level(const ha_record *r) { return r ? r->level : 0; }
uint32_t ha_record_task(const ha_record *r) { return r ? r->task : 0; }
uint32_t ha_record_opcode(const ha_record *r) { return r ? r->opcode : 0; }
uint64_t ha_record_keywords(const ha_record *r) { return r ? r->keywords : 0; }
int64_t ha_record_time(const ha_record *r) { return r ? r->time : HA_TIME_NONE; }
uint64_t ha_record_record_id(const ha_record *r) { return r ? r->record_id : 0; }
uint32_t ha_record_execution_process_id(const ha_record *r) { return r ? r->exec_pid : 0; }
uint32_t ha_record_execution_thread_id(const ha_record *r) { return r ? r->exec_tid : 0; }
const char *ha_record_channel(const ha_record *r) { return r ? hai_rec_str(r, r->channel) : NULL; }
const char *ha_record_computer(const ha_record *r) { return r ? hai_rec_str(r, r->computer) : NULL; }
const char *ha_record_provider_name(const ha_record *r) { return r ? hai_rec_str(r, r->provider_name) : NULL; }
const char *ha_record_provider_guid(const ha_record *r) { return r ? hai_rec_str(r, r->provider_guid) : NULL; }
const char *ha_record_user_id(const ha_record *r) { return r ? hai_rec_str(r, r->user_id) : NULL; }
uint64_t ha_record_offset(const ha_record *r) { return r ? r->offset : 0; }
uint64_t ha_record_line(const ha_record *r) { return r ? r->line : 0; }

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

ha_audit ha_record_audit(const ha_record *r)
{
    if (!r)
        return HA_AUDIT_NONE;
    if (r->keywords & (UINT64_C(1) << 52))
        return HA_AUDIT_FAILURE;
    if (r->keywords & (UINT64_C(1) << 53))
        return HA_AUDIT_SUCCESS;
    return HA_AUDIT_NONE;
}

static const hai_pair *field_pair(const ha_record *r, ha_field f)
{
    if (!r || (int)f <= 0 || f >= HA_FIELD_COUNT_ || r->slot[f] == HAI_NONE)
        return NULL;
    return &r->pairs[r->slot[f]];
}

const char *ha_record_string(const ha_record *r, ha_field field)
{
    const hai_pair *p = field_pair(r, field);
    if (!p)
        return NULL;
    const char *v = r->text + p->value;
    if (p->value_len == 1 && v[0] == '-')
        return NULL;
    return v;
}

int ha_record_uint(const ha_record *r, ha_field field, uint64_t *out)
{
    const hai_pair *p = field_pair(r, field);
    if (!p)
        return HA_ERR_NOT_FOUND;
    uint64_t v;
    int rc = hai_parse_uint(r->text + p->value, p->value_len, &v);
    if (rc == HA_OK && out)
        *out = v;
    return rc;
}

size_t ha_record_data_count(const ha_record *r) { return r ? r->npairs : 0; }

const char *ha_record_data_name(const ha_record *r, size_t i)
{
    return r && i < r->npairs ? r->text + r->pairs[i].name : NULL;
}

const char *ha_record_data_value(const ha_record *r, size_t i, size_t *len)
{
    if (!r || i >= r->npairs)
        return NULL;
    if (len)
        *len = r->pairs[i].value_len;
    return r->text + r->pairs[i].value;
}

const char *ha_record_data(const ha_record *r, const char *name)
{
    if (!r || !name)
        return NULL;
    for (size_t i = 0; i < r->npairs; i++)
        if (strcmp(r->text + r->pairs[i].name, name) == 0)
            return r->text + r->pairs[i].value;
    return NULL;
}

/* ---- AccessList ---------------------------------------------------------- */

static int is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* The next token of [*s, e): its start and length, or NULL at the end. */
static const char *next_token(const char **s, const char *e, size_t *len)
{
    const char *p = *s;
    while (p < e && is_ws(*p))
        p++;
    if (p == e) {
        *s = p;
        return NULL;
    }
    const char *t = p;
    while (p < e && !is_ws(*p))
        p++;
    *len = (size_t)(p - t);
    *s = p;
    return t;
}

void hai_access_index(hai_buf *text, const ha_allocator *a, uint32_t value, uint32_t len, uint32_t *at,
                      uint32_t *count)
{
    const char *s = text->data + value, *e = s + len, *t;
    size_t n, k = 0;
    *at = HAI_NONE;
    *count = 0;
    while (next_token(&s, e, &n))
        k++;
    if (k > (UINT32_MAX - 1 - text->len) / 4 || hai_buf_reserve(text, a, 4 * k) != 0)
        return;
    *at = (uint32_t)text->len;
    *count = (uint32_t)k;
    s = text->data + value;
    e = s + len;
    while ((t = next_token(&s, e, &n)) != NULL) {
        uint32_t off = (uint32_t)(t - text->data);
        memcpy(text->data + text->len, &off, 4);
        text->len += 4;
    }
}

/* Token `index` of the AccessList and its length, or NULL: found through
 * the index when the record has one (constant time), else by a scan. */
static const char *access_token(const ha_record *r, size_t index, size_t *len)
{
    const hai_pair *p = field_pair(r, HA_FIELD_ACCESS_LIST);
    if (!p)
        return NULL;
    const char *s = r->text + p->value, *e = s + p->value_len, *t;
    if (r->tokens != HAI_NONE) {
        if (index >= r->ntokens)
            return NULL;
        uint32_t off;
        memcpy(&off, r->text + r->tokens + 4 * index, 4);
        s = r->text + off;
        return next_token(&s, e, len);
    }
    for (size_t k = 0; (t = next_token(&s, e, len)) != NULL; k++)
        if (k == index)
            return t;
    return NULL;
}

static uint32_t token_code(const char *t, size_t n)
{
    if (n < 3 || t[0] != '%' || t[1] != '%' || n > 12)
        return 0;
    uint64_t v;
    if (hai_parse_uint(t + 2, n - 2, &v) != 0 || v > UINT32_MAX || t[2] == '0')
        return 0;
    return (uint32_t)v;
}

size_t ha_record_access_count(const ha_record *r)
{
    const hai_pair *p = field_pair(r, HA_FIELD_ACCESS_LIST);
    if (!p)
        return 0;
    if (r->tokens != HAI_NONE)
        return r->ntokens;
    const char *s = r->text + p->value, *e = s + p->value_len;
    size_t n, count = 0;
    while (next_token(&s, e, &n))
        count++;
    return count;
}

const char *ha_record_access_token(const ha_record *r, size_t index, size_t *len)
{
    size_t n;
    const char *t = access_token(r, index, &n);
    if (t && len)
        *len = n;
    return t;
}

uint32_t ha_record_access_code(const ha_record *r, size_t index)
{
    size_t n;
    const char *t = access_token(r, index, &n);
    return t ? token_code(t, n) : 0;
}

uint32_t ha_record_access_list_mask(const ha_record *r)
{
    const hai_pair *p = field_pair(r, HA_FIELD_ACCESS_LIST);
    if (!p)
        return 0;
    const char *s = r->text + p->value, *e = s + p->value_len, *t;
    uint32_t mask = 0;
    size_t n;
    while ((t = next_token(&s, e, &n)) != NULL)
        mask |= ha_access_code_mask(token_code(t, n));
    return mask;
}

/* ---- copies ------------------------------------------------------------- */

int ha_record_copy(const ha_record *r, ha_record **out)
{
    if (!r || !out)
        return HA_ERR_INVALID;
    return hai_record_copy(r, &r->alloc, out); /* the reader's, or the copied record's */
}

int hai_record_copy(const ha_record *r, const ha_allocator *alloc, ha_record **out)
{
    ha_allocator a;
    hai_allocator_init(&a, alloc);
    size_t pairs = r->npairs * sizeof(hai_pair);
    size_t size = sizeof(ha_record) + pairs + r->text_len;
    char *mem = hai_malloc(&a, size);
    if (!mem)
        return HA_ERR_NOMEM;
    ha_record *c = (ha_record *)(void *)mem;
    *c = *r;
    hai_pair *cp = (hai_pair *)(void *)(mem + sizeof(ha_record));
    char *text = mem + sizeof(ha_record) + pairs;
    if (pairs)
        memcpy(cp, r->pairs, pairs);
    if (r->text_len)
        memcpy(text, r->text, r->text_len);
    c->pairs = cp;
    c->text = text;
    c->owned = 1;
    c->alloc = a;
    *out = c;
    return HA_OK;
}
