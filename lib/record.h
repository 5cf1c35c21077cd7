/* The record's layout, shared by the builder (parse.c), the getters
 * (record.c) and the JSON writer (json.c). */
#ifndef HAI_RECORD_H
#define HAI_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "handleaudit/handleaudit.h"

#define HAI_NONE UINT32_MAX

/* One Name/value pair; offsets into the record's text, NUL-terminated. */
typedef struct hai_pair {
    uint32_t name;
    uint32_t value;
    uint32_t value_len;
    uint32_t field; /* ha_field, HA_FIELD_NONE when not a known name */
} hai_pair;

enum {
    HAI_HAS_EVENT_ID = 1u << 0,
    HAI_HAS_TIME = 1u << 1,
    HAI_HAS_RECORD_ID = 1u << 2,
    HAI_HAS_KEYWORDS = 1u << 3,
};

struct ha_record {
    uint32_t event_id, version, level, task, opcode;
    uint32_t exec_pid, exec_tid;
    uint32_t has;
    uint64_t keywords, record_id;
    int64_t time;
    /* offsets into text, HAI_NONE when absent */
    uint32_t computer, channel, provider_name, provider_guid, user_id;
    uint64_t offset, line;
    const hai_pair *pairs;
    size_t npairs;
    uint32_t slot[HA_FIELD_COUNT_]; /* first pair of each field, HAI_NONE */
    const char *text;
    size_t text_len;
    /* AccessList token starts: `ntokens` uint32 offsets stored in text at
     * `tokens` (unaligned), HAI_NONE when not indexed (then the getters
     * scan); made by the builder (hai_access_index) */
    uint32_t tokens, ntokens;
    /* 0: borrowed from a reader; 1: a copy (one block); 2: built (build.c) */
    int owned;
    ha_allocator alloc;
};

/* The text of a string offset, NULL for HAI_NONE. */
static inline const char *hai_rec_str(const ha_record *r, uint32_t off)
{
    return off == HAI_NONE ? NULL : r->text + off;
}

/* A field's text as written ("-" included), or NULL when absent. */
static inline const char *hai_rec_raw(const ha_record *r, ha_field f, size_t *len)
{
    uint32_t i = r->slot[f];
    if (i == HAI_NONE)
        return NULL;
    *len = r->pairs[i].value_len;
    return r->text + r->pairs[i].value;
}

/* Index the AccessList tokens of the value text->data[value, value + len):
 * their starts are appended to `text`; *at gets where (HAI_NONE when out of
 * memory or past the 32-bit offsets: the getters then scan), *count their
 * number. */
void hai_access_index(hai_buf *text, const ha_allocator *a, uint32_t value, uint32_t len, uint32_t *at,
                      uint32_t *count);

/* ha_record_copy() with a given allocator. */
int hai_record_copy(const ha_record *r, const ha_allocator *a, ha_record **out);

/* Reset the System part and the field slots. */
void hai_record_clear(ha_record *r);

#endif
