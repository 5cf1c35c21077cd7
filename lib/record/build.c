/* Records built by the caller (ha_record_new), for events parsed elsewhere:
 * the record builder (builder.h) the sources use, driven by its setters. */
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "builder.h"
#include "fields.h"
#include "record.h"

static void no_report(void *ctx, int code, const char *message)
{
    (void)ctx;
    (void)code;
    (void)message; /* the setters return their status */
}

static hai_rb *built_of(ha_record *r)
{
    return r && r->owned == 2 ? (hai_rb *)(void *)r : NULL;
}

/* After a change: the record sees the arena and the pairs where they are. */
static int sync(hai_rb *b, int rc)
{
    b->rec.text = b->text.data;
    b->rec.text_len = b->text.len;
    b->rec.pairs = b->pairs;
    b->rec.npairs = b->npairs;
    return rc;
}

int ha_record_new(const ha_allocator *allocator, ha_record **out)
{
    if (!out)
        return HA_ERR_INVALID;
    *out = NULL;
    ha_allocator a;
    hai_allocator_init(&a, allocator);
    hai_rb *b = hai_calloc(&a, 1, sizeof *b);
    if (!b)
        return HA_ERR_NOMEM;
    /* offsets are 32-bit: the arena stays below 4 GiB */
    hai_rb_init(b, &a, SIZE_MAX, UINT32_MAX - 2, 0);
    b->alloc = &b->rec.alloc; /* (the copy hai_rb_init made) */
    b->rec.owned = 2;
    b->fail = b->warn = no_report;
    *out = &b->rec;
    return HA_OK;
}

/* A string for a setter: no NUL inside. */
static int valid(const char *s, size_t n) { return !s || !memchr(s, '\0', n); }

int ha_record_set_system_uint(ha_record *rec, ha_system_field field, uint64_t value)
{
    hai_rb *b = built_of(rec);
    return b ? hai_rb_set_uint(b, field, value) : HA_ERR_INVALID;
}

int ha_record_set_system_string(ha_record *rec, ha_system_field field, const char *value, size_t len)
{
    hai_rb *b = built_of(rec);
    if (!b || !valid(value, len))
        return HA_ERR_INVALID;
    return sync(b, hai_rb_set_string(b, field, value, len));
}

int ha_record_set_time(ha_record *rec, int64_t time)
{
    hai_rb *b = built_of(rec);
    return b ? hai_rb_set_time(b, time) : HA_ERR_INVALID;
}

int ha_record_set_system(ha_record *rec, uint32_t event_id, uint32_t version, uint64_t keywords, int64_t time,
                         uint64_t record_id, const char *computer)
{
    hai_rb *b = built_of(rec);
    if (!b)
        return HA_ERR_INVALID;
    if (computer) {
        int rc = sync(b, hai_rb_set_string(b, HA_SYSTEM_COMPUTER, computer, strlen(computer)));
        if (rc)
            return rc;
    } else {
        rec->computer = HAI_NONE;
    }
    hai_rb_set_uint(b, HA_SYSTEM_EVENT_ID, event_id);
    hai_rb_set_uint(b, HA_SYSTEM_VERSION, version);
    hai_rb_set_uint(b, HA_SYSTEM_KEYWORDS, keywords);
    hai_rb_set_uint(b, HA_SYSTEM_RECORD_ID, record_id);
    return hai_rb_set_time(b, time);
}

int ha_record_add_data(ha_record *rec, const char *name, const char *value, size_t value_len)
{
    hai_rb *b = built_of(rec);
    if (!b || !name || (!value && value_len) || !valid(value, value_len))
        return HA_ERR_INVALID;
    size_t name_len = strlen(name);
    return sync(b, hai_rb_add_pair(b, name, name_len, hai_field_lookup(name, name_len), value ? value : "",
                                   value_len));
}

static void built_free(ha_record *rec)
{
    hai_rb *b = built_of(rec);
    if (!b)
        return;
    ha_allocator a = rec->alloc;
    hai_buf_free(&b->text, &a);
    hai_free(&a, b->pairs);
    hai_free(&a, b);
}

/* Every record a caller owns, made here (ha_record_new) or by ha_record_copy
 * (record.c, one block), is freed here. */
void ha_record_free(ha_record *r)
{
    if (!r || !r->owned)
        return;
    if (r->owned == 2) {
        built_free(r);
        return;
    }
    ha_allocator a = r->alloc;
    hai_free(&a, r);
}
