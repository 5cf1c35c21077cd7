/* Records built by the caller (ha_record_new), for events parsed elsewhere. */
#include <string.h>

#include "alloc.h"
#include "fields.h"
#include "record.h"

struct built {
    ha_record rec; /* first: the caller's pointer */
    hai_buf text;
    hai_pair *pairs;
    size_t pairs_cap;
};

static struct built *built_of(ha_record *r)
{
    return r && r->owned == 2 ? (struct built *)(void *)r : NULL;
}

int ha_record_new(const ha_allocator *allocator, ha_record **out)
{
    if (!out)
        return HA_ERR_INVALID;
    *out = NULL;
    ha_allocator a;
    hai_allocator_init(&a, allocator);
    struct built *b = hai_calloc(&a, 1, sizeof *b);
    if (!b)
        return HA_ERR_NOMEM;
    hai_record_clear(&b->rec);
    b->rec.alloc = a;
    b->rec.owned = 2;
    *out = &b->rec;
    return HA_OK;
}

/* Store s[0, n) and a NUL; its offset, or HAI_NONE. */
static uint32_t store(struct built *b, const char *s, size_t n)
{
    if (b->text.len + n + 1 > UINT32_MAX - 1 || hai_buf_reserve(&b->text, &b->rec.alloc, n + 1) != 0)
        return HAI_NONE;
    uint32_t off = (uint32_t)b->text.len;
    memcpy(b->text.data + off, s, n);
    b->text.data[off + n] = '\0';
    b->text.len += n + 1;
    b->rec.text = b->text.data;
    b->rec.text_len = b->text.len;
    return off;
}

int ha_record_set_system(ha_record *rec, uint32_t event_id, uint32_t version, uint64_t keywords, int64_t time,
                         uint64_t record_id, const char *computer)
{
    struct built *b = built_of(rec);
    if (!b)
        return HA_ERR_INVALID;
    uint32_t host = HAI_NONE;
    if (computer && (host = store(b, computer, strlen(computer))) == HAI_NONE)
        return HA_ERR_NOMEM;
    rec->event_id = event_id;
    rec->version = version;
    rec->keywords = keywords;
    rec->time = time;
    rec->record_id = record_id;
    rec->computer = host;
    rec->has |= HAI_HAS_EVENT_ID | HAI_HAS_KEYWORDS | HAI_HAS_RECORD_ID;
    if (time != HA_TIME_NONE)
        rec->has |= HAI_HAS_TIME;
    else
        rec->has &= ~(uint32_t)HAI_HAS_TIME;
    return HA_OK;
}

int ha_record_add_data(ha_record *rec, const char *name, const char *value, size_t value_len)
{
    struct built *b = built_of(rec);
    if (!b || !name || (!value && value_len) || (value && memchr(value, '\0', value_len)))
        return HA_ERR_INVALID;
    void *pairs = b->pairs;
    if (hai_grow(&rec->alloc, &pairs, &b->pairs_cap, rec->npairs + 1, sizeof(hai_pair)) != 0)
        return HA_ERR_NOMEM;
    b->pairs = pairs;
    size_t name_len = strlen(name);
    uint32_t n = store(b, name, name_len);
    if (n == HAI_NONE)
        return HA_ERR_NOMEM;
    uint32_t v = store(b, value ? value : "", value_len);
    if (v == HAI_NONE)
        return HA_ERR_NOMEM;
    hai_pair *p = &b->pairs[rec->npairs];
    p->name = n;
    p->value = v;
    p->value_len = (uint32_t)value_len;
    p->field = hai_field_lookup(name, name_len);
    if (p->field != HA_FIELD_NONE && rec->slot[p->field] == HAI_NONE)
        rec->slot[p->field] = (uint32_t)rec->npairs;
    rec->npairs++;
    rec->pairs = b->pairs;
    return HA_OK;
}

void hai_record_built_free(ha_record *rec)
{
    struct built *b = built_of(rec);
    if (!b)
        return;
    ha_allocator a = rec->alloc;
    hai_buf_free(&b->text, &a);
    hai_free(&a, b->pairs);
    hai_free(&a, b);
}
