/* JSON text written snprintf-style: what does not fit is counted, not
 * written. */
#ifndef HAI_JSON_H
#define HAI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct hai_out {
    char *buf;
    size_t cap;
    size_t len; /* bytes the whole text needs so far */
} hai_out;

/* What does not fit: the part that fits is written, the rest counted. */
void hai_out_raw_slow(hai_out *o, const char *s, size_t n);
/* Inline, so that a literal's copy is a move or two of a known size. */
static inline void hai_out_raw(hai_out *o, const char *s, size_t n)
{
    if (o->len < o->cap && n < o->cap - o->len) { /* strict: never NULL + 0 */
        memcpy(o->buf + o->len, s, n);
        o->len += n;
    } else {
        hai_out_raw_slow(o, s, n);
    }
}
#define hai_out_lit(o, lit) hai_out_raw((o), (lit), sizeof(lit) - 1)
/* A JSON string: quotes added, control characters escaped, invalid UTF-8
 * replaced by U+FFFD. `s` may be NULL: null. */
void hai_out_str(hai_out *o, const char *s, size_t n);
void hai_out_cstr(hai_out *o, const char *s);
void hai_out_u64(hai_out *o, uint64_t v);
void hai_out_i64(hai_out *o, int64_t v);
void hai_out_bool(hai_out *o, int v);
/* A time as a JSON string in the contract's 7-digit form, or null. */
void hai_out_time(hai_out *o, int64_t ns);
/* The names of the mask's bits for the object type as a JSON array, a bit
 * without a name as its hex value ("0x00000100"). */
void hai_out_access_names(hai_out *o, const char *object_type, uint32_t mask);
/* The keys of a record's or sequence's JSON object after its "type", each
 * with its leading comma (json.c, jsonl.c). */
struct ha_record;
struct ha_sequence;
void hai_record_json_body(hai_out *o, const struct ha_record *r);
void hai_sequence_json_body(hai_out *o, const struct ha_sequence *s);

/* NUL-terminate within cap and return the length needed. */
size_t hai_out_end(hai_out *o);

#endif
