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

/* A switch on the length, then on the first byte, then a comparison of a
 * length known at compile time (names.h: a load or two). */
#define IS(lit) hai_same(name, lit, sizeof(lit) - 1)
ha_field hai_field_lookup(const char *name, size_t len)
{
    switch (len) {
    case 6:
        switch (name[0]) {
        case 'S':
            if (IS("Status"))
                return HA_FIELD_STATUS;
            break;
        default:
            break;
        }
        break;
    case 8:
        switch (name[0]) {
        case 'H':
            if (IS("HandleId"))
                return HA_FIELD_HANDLE_ID;
            break;
        case 'N':
            if (IS("NewValue"))
                return HA_FIELD_NEW_VALUE;
            break;
        case 'O':
            if (IS("OldValue"))
                return HA_FIELD_OLD_VALUE;
            break;
        default:
            break;
        }
        break;
    case 9:
        switch (name[0]) {
        case 'P':
            if (IS("ProcessId"))
                return HA_FIELD_PROCESS_ID;
            break;
        default:
            break;
        }
        break;
    case 10:
        switch (name[0]) {
        case 'A':
            if (IS("AccessList"))
                return HA_FIELD_ACCESS_LIST;
            if (IS("AccessMask"))
                return HA_FIELD_ACCESS_MASK;
            break;
        case 'O':
            if (IS("ObjectType"))
                return HA_FIELD_OBJECT_TYPE;
            if (IS("ObjectName"))
                return HA_FIELD_OBJECT_NAME;
            break;
        case 'P':
            if (IS("Properties"))
                return HA_FIELD_PROPERTIES;
            break;
        default:
            break;
        }
        break;
    case 11:
        switch (name[0]) {
        case 'C':
            if (IS("CommandLine"))
                return HA_FIELD_COMMAND_LINE;
            break;
        case 'P':
            if (IS("ProcessName"))
                return HA_FIELD_PROCESS_NAME;
            break;
        default:
            break;
        }
        break;
    case 12:
        switch (name[0]) {
        case 'A':
            if (IS("AccessReason"))
                return HA_FIELD_ACCESS_REASON;
            break;
        case 'N':
            if (IS("NewProcessId"))
                return HA_FIELD_NEW_PROCESS_ID;
            if (IS("NewValueType"))
                return HA_FIELD_NEW_VALUE_TYPE;
            break;
        case 'O':
            if (IS("ObjectServer"))
                return HA_FIELD_OBJECT_SERVER;
            if (IS("OldValueType"))
                return HA_FIELD_OLD_VALUE_TYPE;
            break;
        default:
            break;
        }
        break;
    case 13:
        switch (name[0]) {
        case 'O':
            if (IS("OperationType"))
                return HA_FIELD_OPERATION_TYPE;
            break;
        case 'P':
            if (IS("PrivilegeList"))
                return HA_FIELD_PRIVILEGE_LIST;
            break;
        case 'T':
            if (IS("TransactionId"))
                return HA_FIELD_TRANSACTION_ID;
            if (IS("TargetUserSid"))
                return HA_FIELD_TARGET_USER_SID;
            if (IS("TargetLogonId"))
                return HA_FIELD_TARGET_LOGON_ID;
            break;
        default:
            break;
        }
        break;
    case 14:
        switch (name[0]) {
        case 'M':
            if (IS("MandatoryLabel"))
                return HA_FIELD_MANDATORY_LABEL;
            break;
        case 'N':
            if (IS("NewProcessName"))
                return HA_FIELD_NEW_PROCESS_NAME;
            break;
        case 'S':
            if (IS("SubjectUserSid"))
                return HA_FIELD_SUBJECT_USER_SID;
            if (IS("SubjectLogonId"))
                return HA_FIELD_SUBJECT_LOGON_ID;
            if (IS("SourceHandleId"))
                return HA_FIELD_SOURCE_HANDLE_ID;
            break;
        case 'T':
            if (IS("TargetUserName"))
                return HA_FIELD_TARGET_USER_NAME;
            if (IS("TargetHandleId"))
                return HA_FIELD_TARGET_HANDLE_ID;
            break;
        default:
            break;
        }
        break;
    case 15:
        switch (name[0]) {
        case 'O':
            if (IS("ObjectValueName"))
                return HA_FIELD_OBJECT_VALUE_NAME;
            break;
        case 'S':
            if (IS("SubjectUserName"))
                return HA_FIELD_SUBJECT_USER_NAME;
            if (IS("SourceProcessId"))
                return HA_FIELD_SOURCE_PROCESS_ID;
            break;
        case 'T':
            if (IS("TargetProcessId"))
                return HA_FIELD_TARGET_PROCESS_ID;
            break;
        default:
            break;
        }
        break;
    case 16:
        switch (name[0]) {
        case 'T':
            if (IS("TargetDomainName"))
                return HA_FIELD_TARGET_DOMAIN_NAME;
            break;
        default:
            break;
        }
        break;
    case 17:
        switch (name[0]) {
        case 'P':
            if (IS("ParentProcessName"))
                return HA_FIELD_PARENT_PROCESS_NAME;
            break;
        case 'S':
            if (IS("SubjectDomainName"))
                return HA_FIELD_SUBJECT_DOMAIN_NAME;
            break;
        default:
            break;
        }
        break;
    case 18:
        switch (name[0]) {
        case 'R':
            if (IS("RestrictedSidCount"))
                return HA_FIELD_RESTRICTED_SID_COUNT;
            if (IS("ResourceAttributes"))
                return HA_FIELD_RESOURCE_ATTRIBUTES;
            break;
        case 'T':
            if (IS("TokenElevationType"))
                return HA_FIELD_TOKEN_ELEVATION_TYPE;
            break;
        default:
            break;
        }
        break;
    default:
        break;
    }
    return HA_FIELD_NONE;
}
#undef IS

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
