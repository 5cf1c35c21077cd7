/* What several formats share (format.h): access names, paths, a sequence's
 * EventID and time, the message line. It calls no format. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "format.h"

size_t hai_access_names_joined(const char *type, uint32_t mask, char *buf)
{
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < 32; i++) {
        uint32_t bit = UINT32_C(1) << i;
        if (!(mask & bit))
            continue;
        const char *name = ha_access_right_name(type, bit);
        char v[16];
        if (!name) {
            snprintf(v, sizeof v, "0x%08" PRIx32, bit);
            name = v;
        }
        int w = snprintf(buf + n, HAI_NAMES_CAP - n, "%s%s", n ? "|" : "", name);
        if (w < 0 || (size_t)w >= HAI_NAMES_CAP - n)
            break; /* 32 names of at most 30 bytes fit */
        n += (size_t)w;
    }
    buf[n] = 0;
    return n;
}

const char *hai_path_base(const char *path)
{
    if (!path || !*path)
        return NULL;
    const char *b = strrchr(path, '\\');
    return b && b[1] ? b + 1 : path;
}

void hai_out_hex_str(hai_out *o, uint64_t v)
{
    static const char hex[] = "0123456789abcdef";
    char t[19];
    size_t k = sizeof t;
    t[--k] = '"';
    do {
        t[--k] = hex[v & 15];
        v >>= 4;
    } while (v);
    hai_out_raw(o, "\"0x", 3);
    hai_out_raw(o, t + k, sizeof t - k);
}

uint32_t hai_sequence_open_event(const ha_sequence *s)
{
    if (ha_sequence_duplicated(s))
        return 4690;
    if (!ha_sequence_opened(s))
        return 0;
    const char *type = ha_sequence_object_type(s);
    /* 4661 is 4656's twin for SAM and directory-service objects: ObjectTypes
     * SAM_DOMAIN, SAM_USER, ... and a directory class's GUID %{...} */
    if (type && (strncmp(type, "SAM_", 4) == 0 || strncmp(type, "%{", 2) == 0))
        return 4661;
    return 4656;
}

int64_t hai_sequence_time(const ha_sequence *s)
{
    int64_t t = ha_sequence_open_time(s);
    if (t == HA_TIME_NONE)
        t = ha_sequence_first_time(s);
    if (t == HA_TIME_NONE)
        t = ha_sequence_last_time(s);
    return t;
}

void hai_out_message(hai_out *o, const char *what, const char *image, const char *type, const char *name)
{
    char buf[2048];
    size_t n = 0;
    const char *parts[] = {image ? image : "an unknown process", what, type ? type : "object", " ",
                           name ? name : "(unnamed)"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t len = strlen(parts[i]);
        if (len > sizeof buf - n)
            len = sizeof buf - n; /* a long path is cut: the message is for people */
        memcpy(buf + n, parts[i], len);
        n += len;
    }
    hai_out_str(o, buf, n);
}
