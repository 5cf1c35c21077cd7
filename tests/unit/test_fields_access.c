/* Field names and access-right decoding. */
#include <handleaudit/handleaudit.h>

#include "check.h"
#include "fields.h"

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
    test_fields();
    test_codes();
    test_right_names();
    return check_done();
}
