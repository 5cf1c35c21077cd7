/* The table of formats: from an ha_format to its writers, and their names.
 * What the formats share is in common.c (which calls none of them). */
#include <string.h>

#include "format.h"

const hai_format *hai_format_of(ha_format format)
{
    switch (format) {
    case HA_FORMAT_JSONL: return &hai_format_jsonl;
    case HA_FORMAT_CSV: return &hai_format_csv;
    case HA_FORMAT_ECS: return &hai_format_ecs;
    case HA_FORMAT_OCSF: return &hai_format_ocsf;
    case HA_FORMAT_TIMESKETCH: return &hai_format_timesketch;
    default: return NULL;
    }
}

const char *ha_format_name(ha_format format)
{
    const hai_format *f = hai_format_of(format);
    return f ? f->name : NULL;
}

ha_format ha_format_from_name(const char *name)
{
    if (!name)
        return (ha_format)0;
    if (strcmp(name, "json") == 0) /* the tool's name for it before there were others */
        return HA_FORMAT_JSONL;
    for (int f = HA_FORMAT_JSONL; f <= HA_FORMAT_TIMESKETCH; f++)
        if (strcmp(name, hai_format_of((ha_format)f)->name) == 0)
            return (ha_format)f;
    return (ha_format)0;
}
