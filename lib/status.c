/* Status texts and versions. */
#include <string.h>

#include "handleaudit/handleaudit.h"

#define STR2(x) #x
#define STR(x) STR2(x)

const char *ha_version_string(void)
{
    return STR(HA_VERSION_MAJOR) "." STR(HA_VERSION_MINOR) "." STR(HA_VERSION_PATCH);
}

uint32_t ha_version_number(void)
{
    return HA_VERSION_NUMBER;
}

const char *ha_strerror(int code)
{
    switch (code) {
    case HA_OK: return "success";
    case HA_ERR_NOMEM: return "out of memory";
    case HA_ERR_INVALID: return "invalid argument or call out of order";
    case HA_ERR_IO: return "input/output error";
    case HA_ERR_XML: return "malformed XML";
    case HA_ERR_TRUNCATED: return "truncated event";
    case HA_ERR_EVENT_TOO_LARGE: return "event exceeds the bytes-per-event limit";
    case HA_ERR_FIELD_TOO_LARGE: return "value exceeds the bytes-per-field limit";
    case HA_ERR_TOO_DEEP: return "elements nest too deeply";
    case HA_ERR_DTD: return "DOCTYPE or entity declaration refused";
    case HA_ERR_NOT_EVENT: return "not an event (no System/EventID)";
    case HA_ERR_JUNK: return "unexpected data outside an event";
    case HA_ERR_BAD_VALUE: return "value could not be parsed";
    case HA_ERR_CONTROL_CHAR: return "forbidden control character replaced";
    case HA_ERR_NOT_FOUND: return "not found";
    case HA_ERR_UNSUPPORTED: return "not supported by this build";
    case HA_ERR_SNAPSHOT: return "state snapshot corrupt or truncated";
    case HA_ERR_SNAPSHOT_VERSION: return "state snapshot from a newer version";
    case HA_ERR_LIMIT: return "a configured bound was reached";
    case HA_ERR_EVTX: return "damaged .evtx structure";
    default: return "unknown status";
    }
}
