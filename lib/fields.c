#include "fields.h"

#include <string.h>

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

/* Candidates are grouped by name length; comparing the first and last bytes
 * rejects nearly every mismatch before the one memcmp that confirms. */
ha_field hai_field_lookup(const char *name, size_t len)
{
    if (len < 6 || len > 18)
        return HA_FIELD_NONE;
    /* Candidates by length, in table order. */
    static const unsigned char by_len[19][8] = {
        [6] = {HA_FIELD_STATUS},
        [8] = {HA_FIELD_HANDLE_ID, HA_FIELD_OLD_VALUE, HA_FIELD_NEW_VALUE},
        [9] = {HA_FIELD_PROCESS_ID},
        [10] = {HA_FIELD_OBJECT_TYPE, HA_FIELD_OBJECT_NAME, HA_FIELD_ACCESS_LIST, HA_FIELD_ACCESS_MASK,
                HA_FIELD_PROPERTIES},
        [11] = {HA_FIELD_PROCESS_NAME, HA_FIELD_COMMAND_LINE},
        [12] = {HA_FIELD_OBJECT_SERVER, HA_FIELD_ACCESS_REASON, HA_FIELD_NEW_PROCESS_ID, HA_FIELD_OLD_VALUE_TYPE,
                HA_FIELD_NEW_VALUE_TYPE},
        [13] = {HA_FIELD_TRANSACTION_ID, HA_FIELD_PRIVILEGE_LIST, HA_FIELD_TARGET_USER_SID,
                HA_FIELD_TARGET_LOGON_ID, HA_FIELD_OPERATION_TYPE},
        [14] = {HA_FIELD_SUBJECT_USER_SID, HA_FIELD_SUBJECT_LOGON_ID, HA_FIELD_NEW_PROCESS_NAME,
                HA_FIELD_TARGET_USER_NAME, HA_FIELD_MANDATORY_LABEL, HA_FIELD_SOURCE_HANDLE_ID,
                HA_FIELD_TARGET_HANDLE_ID},
        [15] = {HA_FIELD_SUBJECT_USER_NAME, HA_FIELD_SOURCE_PROCESS_ID, HA_FIELD_TARGET_PROCESS_ID,
                HA_FIELD_OBJECT_VALUE_NAME},
        [16] = {HA_FIELD_TARGET_DOMAIN_NAME},
        [17] = {HA_FIELD_SUBJECT_DOMAIN_NAME, HA_FIELD_PARENT_PROCESS_NAME},
        [18] = {HA_FIELD_RESTRICTED_SID_COUNT, HA_FIELD_RESOURCE_ATTRIBUTES, HA_FIELD_TOKEN_ELEVATION_TYPE},
    };
    const unsigned char *c = by_len[len];
    for (int k = 0; k < 8 && c[k]; k++) {
        const struct field_def *f = &fields[c[k]];
        if (f->name[0] == name[0] && f->name[len - 1] == name[len - 1] && memcmp(f->name, name, len) == 0)
            return (ha_field)c[k];
    }
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
