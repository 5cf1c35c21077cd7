/* A strict JSON validator (RFC 8259, UTF-8 checked inside strings) for the
 * fuzz targets' oracles. */
#ifndef HA_JSON_CHECK_H
#define HA_JSON_CHECK_H

#include <stddef.h>

typedef struct {
    const unsigned char *p, *e;
    int depth;
} json_in;

static int json_value(json_in *in);

static void json_ws(json_in *in)
{
    while (in->p < in->e && (*in->p == ' ' || *in->p == '\t' || *in->p == '\n' || *in->p == '\r'))
        in->p++;
}

static int json_lit(json_in *in, const char *lit)
{
    for (; *lit; lit++, in->p++)
        if (in->p >= in->e || *in->p != (unsigned char)*lit)
            return 0;
    return 1;
}

static int json_hex4(json_in *in)
{
    for (int i = 0; i < 4; i++, in->p++) {
        if (in->p >= in->e)
            return 0;
        unsigned char c = *in->p;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return 0;
    }
    return 1;
}

static int json_string(json_in *in)
{
    if (in->p >= in->e || *in->p != '"')
        return 0;
    in->p++;
    while (in->p < in->e) {
        unsigned char c = *in->p;
        if (c == '"') {
            in->p++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            in->p++;
            if (in->p >= in->e)
                return 0;
            c = *in->p++;
            if (c == 'u') {
                if (!json_hex4(in))
                    return 0;
            } else if (!(c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' ||
                         c == 't')) {
                return 0;
            }
            continue;
        }
        if (c < 0x80) {
            in->p++;
            continue;
        }
        size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
        if (n == 0 || c > 0xF4 || (size_t)(in->e - in->p) < n)
            return 0;
        for (size_t k = 1; k < n; k++)
            if ((in->p[k] & 0xC0) != 0x80)
                return 0;
        if ((c == 0xE0 && in->p[1] < 0xA0) || (c == 0xED && in->p[1] >= 0xA0) || (c == 0xF0 && in->p[1] < 0x90) ||
            (c == 0xF4 && in->p[1] >= 0x90))
            return 0;
        in->p += n;
    }
    return 0;
}

static int json_number(json_in *in)
{
    const unsigned char *s = in->p;
    if (in->p < in->e && *in->p == '-')
        in->p++;
    if (in->p >= in->e)
        return 0;
    if (*in->p == '0') {
        in->p++;
    } else if (*in->p >= '1' && *in->p <= '9') {
        while (in->p < in->e && *in->p >= '0' && *in->p <= '9')
            in->p++;
    } else {
        return 0;
    }
    return in->p > s;
}

static int json_value(json_in *in)
{
    json_ws(in);
    if (in->p >= in->e || ++in->depth > 64)
        return 0;
    int ok;
    unsigned char c = *in->p;
    if (c == '{' || c == '[') {
        unsigned char close = c == '{' ? '}' : ']';
        in->p++;
        json_ws(in);
        if (in->p < in->e && *in->p == close) {
            in->p++;
            in->depth--;
            return 1;
        }
        for (;;) {
            if (c == '{') {
                json_ws(in);
                if (!json_string(in))
                    return 0;
                json_ws(in);
                if (in->p >= in->e || *in->p++ != ':')
                    return 0;
            }
            if (!json_value(in))
                return 0;
            json_ws(in);
            if (in->p >= in->e)
                return 0;
            if (*in->p == ',') {
                in->p++;
                continue;
            }
            if (*in->p++ != close)
                return 0;
            break;
        }
        ok = 1;
    } else if (c == '"') {
        ok = json_string(in);
    } else if (c == 't') {
        ok = json_lit(in, "true");
    } else if (c == 'f') {
        ok = json_lit(in, "false");
    } else if (c == 'n') {
        ok = json_lit(in, "null");
    } else {
        ok = json_number(in);
    }
    in->depth--;
    return ok;
}

/* 1 when s[0, n) is exactly one JSON value. */
static inline int json_valid(const char *s, size_t n)
{
    json_in in = {(const unsigned char *)s, (const unsigned char *)s + n, 0};
    if (!json_value(&in))
        return 0;
    json_ws(&in);
    return in.p == in.e;
}

#endif
