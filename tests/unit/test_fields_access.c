/* Field names and access-right decoding. */
#include <handleaudit/handleaudit.h>

#include "check.h"
#include "fields.h"

/* The fields of release 0.2.0 as a program built against it knows them:
 * each enum constant's value, Data name and type are ABI, whatever the
 * table they are made from (HA_FIELD_TABLE) becomes. Written out by hand,
 * never generated from the table; new fields are appended below. */
static const struct {
    ha_field field;
    int value;
    const char *name;
    ha_field_type type;
} released[] = {
    {HA_FIELD_SUBJECT_USER_SID, 1, "SubjectUserSid", HA_TYPE_STRING},
    {HA_FIELD_SUBJECT_USER_NAME, 2, "SubjectUserName", HA_TYPE_STRING},
    {HA_FIELD_SUBJECT_DOMAIN_NAME, 3, "SubjectDomainName", HA_TYPE_STRING},
    {HA_FIELD_SUBJECT_LOGON_ID, 4, "SubjectLogonId", HA_TYPE_UINT},
    {HA_FIELD_OBJECT_SERVER, 5, "ObjectServer", HA_TYPE_STRING},
    {HA_FIELD_OBJECT_TYPE, 6, "ObjectType", HA_TYPE_STRING},
    {HA_FIELD_OBJECT_NAME, 7, "ObjectName", HA_TYPE_STRING},
    {HA_FIELD_HANDLE_ID, 8, "HandleId", HA_TYPE_UINT},
    {HA_FIELD_TRANSACTION_ID, 9, "TransactionId", HA_TYPE_STRING},
    {HA_FIELD_ACCESS_LIST, 10, "AccessList", HA_TYPE_STRING},
    {HA_FIELD_ACCESS_REASON, 11, "AccessReason", HA_TYPE_STRING},
    {HA_FIELD_ACCESS_MASK, 12, "AccessMask", HA_TYPE_UINT},
    {HA_FIELD_PRIVILEGE_LIST, 13, "PrivilegeList", HA_TYPE_STRING},
    {HA_FIELD_RESTRICTED_SID_COUNT, 14, "RestrictedSidCount", HA_TYPE_UINT},
    {HA_FIELD_PROCESS_ID, 15, "ProcessId", HA_TYPE_UINT},
    {HA_FIELD_PROCESS_NAME, 16, "ProcessName", HA_TYPE_STRING},
    {HA_FIELD_RESOURCE_ATTRIBUTES, 17, "ResourceAttributes", HA_TYPE_STRING},
    {HA_FIELD_NEW_PROCESS_ID, 18, "NewProcessId", HA_TYPE_UINT},
    {HA_FIELD_NEW_PROCESS_NAME, 19, "NewProcessName", HA_TYPE_STRING},
    {HA_FIELD_TOKEN_ELEVATION_TYPE, 20, "TokenElevationType", HA_TYPE_STRING},
    {HA_FIELD_COMMAND_LINE, 21, "CommandLine", HA_TYPE_STRING},
    {HA_FIELD_TARGET_USER_SID, 22, "TargetUserSid", HA_TYPE_STRING},
    {HA_FIELD_TARGET_USER_NAME, 23, "TargetUserName", HA_TYPE_STRING},
    {HA_FIELD_TARGET_DOMAIN_NAME, 24, "TargetDomainName", HA_TYPE_STRING},
    {HA_FIELD_TARGET_LOGON_ID, 25, "TargetLogonId", HA_TYPE_UINT},
    {HA_FIELD_PARENT_PROCESS_NAME, 26, "ParentProcessName", HA_TYPE_STRING},
    {HA_FIELD_MANDATORY_LABEL, 27, "MandatoryLabel", HA_TYPE_STRING},
    {HA_FIELD_STATUS, 28, "Status", HA_TYPE_UINT},
    {HA_FIELD_SOURCE_HANDLE_ID, 29, "SourceHandleId", HA_TYPE_UINT},
    {HA_FIELD_SOURCE_PROCESS_ID, 30, "SourceProcessId", HA_TYPE_UINT},
    {HA_FIELD_TARGET_HANDLE_ID, 31, "TargetHandleId", HA_TYPE_UINT},
    {HA_FIELD_TARGET_PROCESS_ID, 32, "TargetProcessId", HA_TYPE_UINT},
    {HA_FIELD_PROPERTIES, 33, "Properties", HA_TYPE_STRING},
    {HA_FIELD_OBJECT_VALUE_NAME, 34, "ObjectValueName", HA_TYPE_STRING},
    {HA_FIELD_OPERATION_TYPE, 35, "OperationType", HA_TYPE_STRING},
    {HA_FIELD_OLD_VALUE_TYPE, 36, "OldValueType", HA_TYPE_STRING},
    {HA_FIELD_OLD_VALUE, 37, "OldValue", HA_TYPE_STRING},
    {HA_FIELD_NEW_VALUE_TYPE, 38, "NewValueType", HA_TYPE_STRING},
    {HA_FIELD_NEW_VALUE, 39, "NewValue", HA_TYPE_STRING},
};

static void test_released_fields(void)
{
    CHECK(HA_FIELD_COUNT_ >= 40);
    CHECK_INT(HA_FIELD_NONE, 0);
    CHECK_INT(HA_TYPE_NONE, 0);
    CHECK_INT(HA_TYPE_STRING, 1);
    CHECK_INT(HA_TYPE_UINT, 2);
    for (size_t i = 0; i < sizeof released / sizeof released[0]; i++) {
        CHECK_INT((int)released[i].field, released[i].value);
        CHECK_STR(ha_field_name((ha_field)released[i].value), released[i].name);
        CHECK_INT(ha_field_type_of((ha_field)released[i].value), released[i].type);
        CHECK_INT(ha_field_from_name(released[i].name), released[i].value);
    }
}

/* A name one byte off, one byte short or long, finds no field (or the
 * field that name is): the hash's one compare is what decides. */
static void test_near_names(void)
{
    for (int f = 1; f < HA_FIELD_COUNT_; f++) {
        char buf[64];
        size_t n = strlen(ha_field_name((ha_field)f));
        for (size_t i = 0; i < n; i++) {
            memcpy(buf, ha_field_name((ha_field)f), n + 1);
            buf[i] ^= 0x20;
            ha_field got = ha_field_from_name(buf);
            CHECK(got == HA_FIELD_NONE || strcmp(ha_field_name(got), buf) == 0);
        }
        memcpy(buf, ha_field_name((ha_field)f), n + 1);
        buf[n - 1] = 0;
        CHECK(ha_field_from_name(buf) == HA_FIELD_NONE || strcmp(ha_field_name(ha_field_from_name(buf)), buf) == 0);
        memcpy(buf, ha_field_name((ha_field)f), n);
        buf[n] = 'x';
        buf[n + 1] = 0;
        CHECK_INT(hai_field_lookup(buf, n + 1), HA_FIELD_NONE);
        CHECK_INT(hai_field_lookup(buf, n), f); /* not NUL-terminated */
    }
}

static void test_fields(void)
{
    for (int f = 1; f < HA_FIELD_COUNT_; f++) {
        const char *name = ha_field_name((ha_field)f);
        CHECK(name != NULL);
        if (!name)
            continue;
        CHECK_INT(ha_field_from_name(name), f);
        CHECK_INT(hai_field_lookup(name, strlen(name)), f);
        CHECK(ha_field_type_of((ha_field)f) != HA_TYPE_NONE);
    }
    CHECK_INT(ha_field_from_name("handleid"), HA_FIELD_NONE); /* case-sensitive, like Windows */
    CHECK_INT(ha_field_from_name("HandleIdX"), HA_FIELD_NONE);
    CHECK_INT(ha_field_from_name("LogonType"), HA_FIELD_NONE);
    CHECK_INT(ha_field_from_name(""), HA_FIELD_NONE);
    CHECK_INT(ha_field_from_name(NULL), HA_FIELD_NONE);
    CHECK(ha_field_name(HA_FIELD_NONE) == NULL);
    CHECK(ha_field_name(HA_FIELD_COUNT_) == NULL);
    CHECK_INT(ha_field_type_of(HA_FIELD_HANDLE_ID), HA_TYPE_UINT);
    CHECK_INT(ha_field_type_of(HA_FIELD_ACCESS_MASK), HA_TYPE_UINT);
    CHECK_INT(ha_field_type_of(HA_FIELD_RESTRICTED_SID_COUNT), HA_TYPE_UINT);
    CHECK_INT(ha_field_type_of(HA_FIELD_OBJECT_NAME), HA_TYPE_STRING);
}

static void test_codes(void)
{
    /* file */
    CHECK_STR(ha_access_code_name(4416), "ReadData (or ListDirectory)");
    CHECK_INT(ha_access_code_mask(4416), 0x1);
    CHECK_STR(ha_access_code_name(4424), "WriteAttributes");
    CHECK_INT(ha_access_code_mask(4424), 0x100);
    CHECK(ha_access_code_name(4425) == NULL); /* undefined slot */
    CHECK_INT(ha_access_code_mask(4425), 0);
    /* standard (generic) rights */
    CHECK_STR(ha_access_code_name(1537), "DELETE");
    CHECK_INT(ha_access_code_mask(1537), 0x10000);
    CHECK_INT(ha_access_code_mask(1541), 0x100000);
    CHECK_INT(ha_access_code_mask(1542), 0x1000000);
    CHECK_INT(ha_access_code_mask(1543), 0x2000000);
    CHECK(ha_access_code_name(1536) == NULL);
    /* registry */
    CHECK_STR(ha_access_code_name(4432), "Query key value");
    CHECK_INT(ha_access_code_mask(4435), 0x8);
    CHECK_INT(ha_access_code_mask(4440), 0x100);
    /* process */
    CHECK_STR(ha_access_code_name(4484), "Read from process memory");
    CHECK_INT(ha_access_code_mask(4484), 0x10);
    CHECK_INT(ha_access_code_mask(4490), 0x400);
    /* SAM, unknown */
    CHECK_STR(ha_access_code_name(5400), "ListAccounts");
    CHECK_INT(ha_access_code_mask(5400), 0x100);
    CHECK(ha_access_code_name(9999) == NULL);
    CHECK_INT(ha_access_code_mask(9999), 0);
    CHECK(ha_access_code_name(0) == NULL);
}

static void test_right_names(void)
{
    CHECK_STR(ha_access_right_name("File", 0x2), "WriteData (or AddFile)");
    CHECK_STR(ha_access_right_name("file", 0x2), "WriteData (or AddFile)");
    CHECK_STR(ha_access_right_name("Key", 0x2), "Set key value");
    CHECK_STR(ha_access_right_name("Process", 0x10), "Read from process memory");
    CHECK_STR(ha_access_right_name("SAM_USER", 0x40), "ChangePassword");
    CHECK_STR(ha_access_right_name("ALPC Port", 0x1), "Communicate using port");
    CHECK_STR(ha_access_right_name("Whatever", 0x10000), "DELETE");
    CHECK_STR(ha_access_right_name(NULL, 0x80000000u), "GENERIC_READ");
    CHECK(ha_access_right_name("Whatever", 0x1) == NULL);
    CHECK(ha_access_right_name("File", 0x3) == NULL); /* two bits */
    CHECK(ha_access_right_name("File", 0) == NULL);
}

int main(void)
{
    test_released_fields();
    test_fields();
    test_near_names();
    test_codes();
    test_right_names();
    return check_done();
}
