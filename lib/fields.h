/* The known EventData field names, matched without a string compare per
 * known name. */
#ifndef HAI_FIELDS_H
#define HAI_FIELDS_H

#include <stddef.h>

#include "handleaudit/handleaudit.h"

/* The field named by `name` (`len` bytes, not NUL-terminated), or
 * HA_FIELD_NONE. */
ha_field hai_field_lookup(const char *name, size_t len);

#endif
