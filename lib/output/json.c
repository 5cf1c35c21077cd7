/* JSON output: the escaping every string goes through, and the records'
 * JSON form (the one `handleaudit --records` prints). */
#include "json.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "convert.h"
#include "record.h"

void hai_out_raw_slow(hai_out *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void out_char(hai_out *o, char c)
{
    if (o->len < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

/* Passes over plain printable ASCII (not below 0x20, not 0x80 and up, not
 * `"` or `\\`) 16 bytes at a time from `i`: the index of the first other
 * byte, or of the first of the last 15 bytes or fewer (checked one by one). */
static size_t skip_plain(const unsigned char *s, size_t n, size_t i)
{
#if defined(__SSE2__) && defined(__GNUC__)
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    while (n - i >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        /* signed: 0x80 and up are negative, so below 0x20 too */
        __m128i bad = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                   _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)));
        unsigned m = (unsigned)_mm_movemask_epi8(bad);
        if (m)
            return i + (unsigned)__builtin_ctz(m);
        i += 16;
    }
#else
    (void)s;
    (void)n;
#endif
    return i;
}

/* Length of the valid UTF-8 sequence at s (2 to 4), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))
            return 0; /* overlong, surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
            return 0; /* overlong, beyond U+10FFFF */
        return 4;
    }
    return 0;
}

void hai_out_str(hai_out *o, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (!str) {
        hai_out_lit(o, "null");
        return;
    }
    const unsigned char *s = (const unsigned char *)str;
    out_char(o, '"');
    size_t run = 0; /* start of bytes that need no escaping */
    for (size_t i = 0; i < n;) {
        i = skip_plain(s, n, i);
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            i++;
            continue;
        }
        size_t u = c >= 0x80 ? utf8_len(s + i, n - i) : 0;
        if (u) {
            i += u;
            continue;
        }
        hai_out_raw(o, str + run, i - run);
        switch (c) {
        case '"': hai_out_lit(o, "\\\""); break;
        case '\\': hai_out_lit(o, "\\\\"); break;
        case '\n': hai_out_lit(o, "\\n"); break;
        case '\r': hai_out_lit(o, "\\r"); break;
        case '\t': hai_out_lit(o, "\\t"); break;
        default:
            if (c < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                hai_out_raw(o, e, 6);
            } else {
                hai_out_lit(o, "\xEF\xBF\xBD"); /* invalid UTF-8 */
            }
        }
        i++;
        run = i;
    }
    hai_out_raw(o, str + run, n - run);
    out_char(o, '"');
}

void hai_out_cstr(hai_out *o, const char *s)
{
    hai_out_str(o, s, s ? strlen(s) : 0);
}

void hai_out_u64(hai_out *o, uint64_t v)
{
    char t[20];
    size_t k = sizeof t;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    hai_out_raw(o, t + k, sizeof t - k);
}

void hai_out_i64(hai_out *o, int64_t v)
{
    if (v < 0) {
        out_char(o, '-');
        hai_out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        hai_out_u64(o, (uint64_t)v);
    }
}

void hai_out_bool(hai_out *o, int v)
{
    if (v)
        hai_out_lit(o, "true");
    else
        hai_out_lit(o, "false");
}

void hai_out_access_names(hai_out *o, const char *object_type, uint32_t mask)
{
    static const char hex[] = "0123456789abcdef";
    out_char(o, '[');
    for (unsigned i = 0, n = 0; i < 32; i++) {
        uint32_t bit = UINT32_C(1) << i;
        if (!(mask & bit))
            continue;
        if (n++)
            out_char(o, ',');
        const char *name = ha_access_right_name(object_type, bit);
        if (name) {
            hai_out_cstr(o, name);
        } else {
            char v[13] = "\"0x00000000\"";
            for (int d = 0; d < 8; d++)
                v[10 - d] = hex[(bit >> (4 * d)) & 15];
            hai_out_raw(o, v, 12);
        }
    }
    out_char(o, ']');
}

void hai_out_time(hai_out *o, int64_t ns)
{
    if (ns == HA_TIME_NONE) {
        hai_out_lit(o, "null");
        return;
    }
    char t[HAI_TIME_TEXT_LEN + 1];
    out_char(o, '"');
    hai_out_raw(o, t, hai_format_time(ns, t));
    out_char(o, '"');
}

size_t hai_out_end(hai_out *o)
{
    if (o->cap)
        o->buf[o->len < o->cap ? o->len : o->cap - 1] = '\0';
    return o->len;
}

size_t ha_time_format(int64_t ns, char *buf, size_t cap)
{
    char t[HAI_TIME_TEXT_LEN + 1];
    hai_out o = {buf, buf ? cap : 0, 0};
    if (ns != HA_TIME_NONE)
        hai_out_raw(&o, t, hai_format_time(ns, t));
    return hai_out_end(&o);
}

/* `0x` and 1 to 16 hex digits: how Windows renders HexInt32/64 and Pointer. */
static int hexint_form(const char *s, size_t n)
{
    if (n < 3 || n > 18 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return 0;
    for (size_t i = 2; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

static void out_value(hai_out *o, const hai_pair *p, const char *v)
{
    size_t n = p->value_len;
    uint64_t x;
    if (n == 1 && v[0] == '-') {
        hai_out_lit(o, "null");
        return;
    }
    if (ha_field_type_of((ha_field)p->field) == HA_TYPE_UINT) {
        int rc = hai_parse_uint(v, n, &x);
        if (rc == HA_OK) {
            hai_out_u64(o, x);
            return;
        }
        if (rc == HA_ERR_NOT_FOUND) {
            hai_out_lit(o, "null");
            return;
        }
    } else if (hexint_form(v, n) && hai_parse_uint(v, n, &x) == HA_OK) {
        hai_out_u64(o, x);
        return;
    }
    hai_out_str(o, v, n);
}

size_t ha_record_json(const ha_record *r, char *buf, size_t cap)
{
    hai_out o = {buf, buf ? cap : 0, 0};
    if (!r) {
        hai_out_lit(&o, "null");
        return hai_out_end(&o);
    }
    hai_out_lit(&o, "{\"type\":\"record\"");
    hai_record_json_body(&o, r);
    hai_out_lit(&o, "}");
    return hai_out_end(&o);
}

void hai_record_json_body(hai_out *o_, const ha_record *r)
{
    hai_out o = *o_;
    hai_out_lit(&o, ",\"event_id\":");
    hai_out_u64(&o, r->event_id);
    hai_out_lit(&o, ",\"version\":");
    hai_out_u64(&o, r->version);
    hai_out_lit(&o, ",\"record_id\":");
    if (r->has & HAI_HAS_RECORD_ID)
        hai_out_u64(&o, r->record_id);
    else
        hai_out_lit(&o, "null");
    hai_out_lit(&o, ",\"computer\":");
    hai_out_cstr(&o, hai_rec_str(r, r->computer));
    hai_out_lit(&o, ",\"time\":");
    hai_out_time(&o, r->time);
    hai_out_lit(&o, ",\"success\":");
    ha_audit audit = ha_record_audit(r);
    if (audit == HA_AUDIT_NONE)
        hai_out_lit(&o, "null");
    else
        hai_out_bool(&o, audit == HA_AUDIT_SUCCESS);
    hai_out_lit(&o, ",\"fields\":{");
    size_t unnamed = 0;
    for (size_t i = 0; i < r->npairs; i++) {
        const hai_pair *p = &r->pairs[i];
        const char *name = r->text + p->name;
        if (i)
            hai_out_lit(&o, ",");
        if (*name) {
            hai_out_cstr(&o, name);
        } else { /* a Data without a Name: Data1, Data2, ... */
            hai_out_lit(&o, "\"Data");
            hai_out_u64(&o, ++unnamed);
            hai_out_lit(&o, "\"");
        }
        hai_out_lit(&o, ":");
        out_value(&o, p, r->text + p->value);
    }
    hai_out_lit(&o, "}");
    *o_ = o;
}
