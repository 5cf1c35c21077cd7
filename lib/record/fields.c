/* The field table's functions, all made from HA_FIELD_TABLE (the public
 * header): names and types by index, and names to fields through the
 * perfect hash gen_field_hash.py makes from the same rows (field_hash.h). */
#include "fields.h"

#include <string.h>

#include "field_hash.h"
#include "names.h"

struct field_def {
    const char *name;
    unsigned char len;
    unsigned char type;
};

#define FIELD_DEF(e, value, data_name, type) \
    [HA_FIELD_##e] = {data_name, sizeof(data_name) - 1, HA_TYPE_##type},

/* Indexed by ha_field. */
static const struct field_def fields[HA_FIELD_COUNT_] = {
    [HA_FIELD_NONE] = {NULL, 0, HA_TYPE_NONE},
    HA_FIELD_TABLE(FIELD_DEF)
};

/* A table row's value is its enum constant's (the enum is made from the
 * same rows), and its name fits the length byte. */
#define FIELD_CHECK(e, value, data_name, type)                                             \
    _Static_assert(HA_FIELD_##e == (value) && sizeof(data_name) - 1 <= 255 &&             \
                       sizeof(data_name) - 1 >= HAI_FIELD_NAME_MIN,                        \
                   "HA_FIELD_TABLE row " #e);
HA_FIELD_TABLE(FIELD_CHECK)
_Static_assert(HA_FIELD_COUNT_ <= 256, "hai_field_slots holds a field in a byte");

/* Names are found by a hash of their length and three of their bytes into
 * a table, then one comparison: no jump table, whose indirect branch
 * mispredicted often enough to cost 2% of parsing (perf record). */
ha_field hai_field_lookup(const char *name, size_t len)
{
    if (len < HAI_FIELD_NAME_MIN || len > HAI_FIELD_NAME_MAX)
        return HA_FIELD_NONE;
    unsigned f = hai_field_slots[HAI_FIELD_HASH(name, len)];
    if (f && fields[f].len == len && hai_same(name, fields[f].name, len))
        return (ha_field)f;
    return HA_FIELD_NONE;
}

const char *ha_field_name(ha_field field)
{
    if ((int)field <= 0 || field >= HA_FIELD_COUNT_)
        return NULL;
    return fields[field].name;
}

ha_field ha_field_from_name(const char *name)
{
    return name ? hai_field_lookup(name, strlen(name)) : HA_FIELD_NONE;
}

ha_field_type ha_field_type_of(ha_field field)
{
    if ((int)field <= 0 || field >= HA_FIELD_COUNT_)
        return HA_TYPE_NONE;
    return (ha_field_type)fields[field].type;
}
