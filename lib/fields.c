#include "fields.h"

#include <string.h>

#include "names.h"

struct field_def {
    const char *name;
    unsigned char len;
    unsigned char type;
};

#define F(n, t) {n, sizeof(n) - 1, t}
#define S HA_TYPE_STRING
#define U HA_TYPE_UINT

/* Indexed by ha_field. */
static const struct field_def fields[HA_FIELD_COUNT_] = {
    [HA_FIELD_NONE] = {NULL, 0, HA_TYPE_NONE},
    [HA_FIELD_SUBJECT_USER_SID] = F("SubjectUserSid", S),
    [HA_FIELD_SUBJECT_USER_NAME] = F("SubjectUserName", S),
    [HA_FIELD_SUBJECT_DOMAIN_NAME] = F("SubjectDomainName", S),
    [HA_FIELD_SUBJECT_LOGON_ID] = F("SubjectLogonId", U),
    [HA_FIELD_OBJECT_SERVER] = F("ObjectServer", S),
    [HA_FIELD_OBJECT_TYPE] = F("ObjectType", S),
    [HA_FIELD_OBJECT_NAME] = F("ObjectName", S),
    [HA_FIELD_HANDLE_ID] = F("HandleId", U),
    [HA_FIELD_TRANSACTION_ID] = F("TransactionId", S),
    [HA_FIELD_ACCESS_LIST] = F("AccessList", S),
    [HA_FIELD_ACCESS_REASON] = F("AccessReason", S),
    [HA_FIELD_ACCESS_MASK] = F("AccessMask", U),
    [HA_FIELD_PRIVILEGE_LIST] = F("PrivilegeList", S),
    [HA_FIELD_RESTRICTED_SID_COUNT] = F("RestrictedSidCount", U),
    [HA_FIELD_PROCESS_ID] = F("ProcessId", U),
    [HA_FIELD_PROCESS_NAME] = F("ProcessName", S),
    [HA_FIELD_RESOURCE_ATTRIBUTES] = F("ResourceAttributes", S),
    [HA_FIELD_NEW_PROCESS_ID] = F("NewProcessId", U),
    [HA_FIELD_NEW_PROCESS_NAME] = F("NewProcessName", S),
    [HA_FIELD_TOKEN_ELEVATION_TYPE] = F("TokenElevationType", S),
    [HA_FIELD_COMMAND_LINE] = F("CommandLine", S),
    [HA_FIELD_TARGET_USER_SID] = F("TargetUserSid", S),
    [HA_FIELD_TARGET_USER_NAME] = F("TargetUserName", S),
    [HA_FIELD_TARGET_DOMAIN_NAME] = F("TargetDomainName", S),
    [HA_FIELD_TARGET_LOGON_ID] = F("TargetLogonId", U),
    [HA_FIELD_PARENT_PROCESS_NAME] = F("ParentProcessName", S),
    [HA_FIELD_MANDATORY_LABEL] = F("MandatoryLabel", S),
    [HA_FIELD_STATUS] = F("Status", U),
    [HA_FIELD_SOURCE_HANDLE_ID] = F("SourceHandleId", U),
    [HA_FIELD_SOURCE_PROCESS_ID] = F("SourceProcessId", U),
    [HA_FIELD_TARGET_HANDLE_ID] = F("TargetHandleId", U),
    [HA_FIELD_TARGET_PROCESS_ID] = F("TargetProcessId", U),
    [HA_FIELD_PROPERTIES] = F("Properties", S),
    [HA_FIELD_OBJECT_VALUE_NAME] = F("ObjectValueName", S),
    [HA_FIELD_OPERATION_TYPE] = F("OperationType", S),
    [HA_FIELD_OLD_VALUE_TYPE] = F("OldValueType", S),
    [HA_FIELD_OLD_VALUE] = F("OldValue", S),
    [HA_FIELD_NEW_VALUE_TYPE] = F("NewValueType", S),
    [HA_FIELD_NEW_VALUE] = F("NewValue", S),
};

/* Names are found by a hash of their length and three of their bytes into
 * a table, then one comparison: no jump table, whose indirect branch
 * mispredicted often enough to cost 2% of parsing (perf record). The hash
 * is computed at compile time from the bytes written out below; two names
 * with the same hash would initialise one slot twice, which -Woverride-init
 * (in -Wextra, an error with -Werror) refuses, and test_fields_access checks
 * that every name finds its field. */
#define FIELD_NAME_MIN 6
#define FIELD_NAME_MAX 18
#define HASH(c1, clast, c3, len) \
    ((((unsigned)(unsigned char)(c1)) * 3u + ((unsigned)(unsigned char)(clast)) * 5u + \
      ((unsigned)(unsigned char)(c3)) * 31u + (unsigned)(len)) & 127u)
#define SLOT(c1, clast, c3, len, field) [HASH(c1, clast, c3, len)] = (field)

/* Each name's second, last and third-to-last bytes, and its length. */
static const unsigned char slots[128] = {
    SLOT('u', 'd', 'S', 14, HA_FIELD_SUBJECT_USER_SID), /* SubjectUserSid */
    SLOT('u', 'e', 'a', 15, HA_FIELD_SUBJECT_USER_NAME), /* SubjectUserName */
    SLOT('u', 'e', 'a', 17, HA_FIELD_SUBJECT_DOMAIN_NAME), /* SubjectDomainName */
    SLOT('u', 'd', 'n', 14, HA_FIELD_SUBJECT_LOGON_ID), /* SubjectLogonId */
    SLOT('b', 'r', 'v', 12, HA_FIELD_OBJECT_SERVER), /* ObjectServer */
    SLOT('b', 'e', 'y', 10, HA_FIELD_OBJECT_TYPE), /* ObjectType */
    SLOT('b', 'e', 'a', 10, HA_FIELD_OBJECT_NAME), /* ObjectName */
    SLOT('a', 'd', 'e', 8, HA_FIELD_HANDLE_ID), /* HandleId */
    SLOT('r', 'd', 'n', 13, HA_FIELD_TRANSACTION_ID), /* TransactionId */
    SLOT('c', 't', 'i', 10, HA_FIELD_ACCESS_LIST), /* AccessList */
    SLOT('c', 'n', 's', 12, HA_FIELD_ACCESS_REASON), /* AccessReason */
    SLOT('c', 'k', 'a', 10, HA_FIELD_ACCESS_MASK), /* AccessMask */
    SLOT('r', 't', 'i', 13, HA_FIELD_PRIVILEGE_LIST), /* PrivilegeList */
    SLOT('e', 't', 'u', 18, HA_FIELD_RESTRICTED_SID_COUNT), /* RestrictedSidCount */
    SLOT('r', 'd', 's', 9, HA_FIELD_PROCESS_ID), /* ProcessId */
    SLOT('r', 'e', 'a', 11, HA_FIELD_PROCESS_NAME), /* ProcessName */
    SLOT('e', 's', 't', 18, HA_FIELD_RESOURCE_ATTRIBUTES), /* ResourceAttributes */
    SLOT('e', 'd', 's', 12, HA_FIELD_NEW_PROCESS_ID), /* NewProcessId */
    SLOT('e', 'e', 'a', 14, HA_FIELD_NEW_PROCESS_NAME), /* NewProcessName */
    SLOT('o', 'e', 'y', 18, HA_FIELD_TOKEN_ELEVATION_TYPE), /* TokenElevationType */
    SLOT('o', 'e', 'i', 11, HA_FIELD_COMMAND_LINE), /* CommandLine */
    SLOT('a', 'd', 'S', 13, HA_FIELD_TARGET_USER_SID), /* TargetUserSid */
    SLOT('a', 'e', 'a', 14, HA_FIELD_TARGET_USER_NAME), /* TargetUserName */
    SLOT('a', 'e', 'a', 16, HA_FIELD_TARGET_DOMAIN_NAME), /* TargetDomainName */
    SLOT('a', 'd', 'n', 13, HA_FIELD_TARGET_LOGON_ID), /* TargetLogonId */
    SLOT('a', 'e', 'a', 17, HA_FIELD_PARENT_PROCESS_NAME), /* ParentProcessName */
    SLOT('a', 'l', 'b', 14, HA_FIELD_MANDATORY_LABEL), /* MandatoryLabel */
    SLOT('t', 's', 't', 6, HA_FIELD_STATUS), /* Status */
    SLOT('o', 'd', 'e', 14, HA_FIELD_SOURCE_HANDLE_ID), /* SourceHandleId */
    SLOT('o', 'd', 's', 15, HA_FIELD_SOURCE_PROCESS_ID), /* SourceProcessId */
    SLOT('a', 'd', 'e', 14, HA_FIELD_TARGET_HANDLE_ID), /* TargetHandleId */
    SLOT('a', 'd', 's', 15, HA_FIELD_TARGET_PROCESS_ID), /* TargetProcessId */
    SLOT('r', 's', 'i', 10, HA_FIELD_PROPERTIES), /* Properties */
    SLOT('b', 'e', 'a', 15, HA_FIELD_OBJECT_VALUE_NAME), /* ObjectValueName */
    SLOT('p', 'e', 'y', 13, HA_FIELD_OPERATION_TYPE), /* OperationType */
    SLOT('l', 'e', 'y', 12, HA_FIELD_OLD_VALUE_TYPE), /* OldValueType */
    SLOT('l', 'e', 'l', 8, HA_FIELD_OLD_VALUE), /* OldValue */
    SLOT('e', 'e', 'y', 12, HA_FIELD_NEW_VALUE_TYPE), /* NewValueType */
    SLOT('e', 'e', 'l', 8, HA_FIELD_NEW_VALUE), /* NewValue */
};

ha_field hai_field_lookup(const char *name, size_t len)
{
    if (len < FIELD_NAME_MIN || len > FIELD_NAME_MAX)
        return HA_FIELD_NONE;
    unsigned f = slots[HASH(name[1], name[len - 1], name[len - 3], len)];
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
