/* The record builder's cold part: set-up, string setters, whole pairs, the
 * end of a record (see builder.h). */
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


/* ---- the System fields ---------------------------------------------------- */

int hai_rb_set_string(hai_rb *b, ha_system_field f, const char *s, size_t n)
{
    uint32_t *slot = hai_rb_string_slot(&b->rec, f);
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
