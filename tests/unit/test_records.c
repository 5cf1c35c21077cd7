/* Every typed event and version of the handle family, read from
 * tests/data/typed-events.xml (record IDs 1 to 16), field by field. */
#include <handleaudit/handleaudit.h>

#include "check.h"

#define MAX_RECORDS 32
static ha_record *recs[MAX_RECORDS];

static int keep(const ha_record *rec, void *userdata)
{
    (void)userdata;
    uint64_t id = ha_record_record_id(rec);
    if (id < MAX_RECORDS && !recs[id])
        CHECK_INT(ha_record_copy(rec, &recs[id]), HA_OK);
    return 0;
}

static int no_diag(const ha_diag *d, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "unexpected diagnostic at %" PRIu64 ": %s\n", ha_diag_offset(d), ha_diag_message(d));
    check_failures++;
    return 0;
}

static uint64_t num(const ha_record *r, ha_field f)
{
    uint64_t v = UINT64_MAX;
    CHECK_INT(ha_record_uint(r, f, &v), HA_OK);
    return v;
}

static void subject(const ha_record *r)
{
    CHECK_STR(ha_record_string(r, HA_FIELD_SUBJECT_USER_SID), "S-1-5-21-1004336348-1177238915-682003330-1107");
    CHECK_STR(ha_record_string(r, HA_FIELD_SUBJECT_USER_NAME), "alice");
    CHECK_STR(ha_record_string(r, HA_FIELD_SUBJECT_DOMAIN_NAME), "CORP");
    CHECK_U64(num(r, HA_FIELD_SUBJECT_LOGON_ID), 0x5c3a1e);
}

static void system_fields(const ha_record *r, uint32_t id, uint32_t version, uint32_t task)
{
    CHECK_INT(ha_record_event_id(r), id);
    CHECK_INT(ha_record_version(r), version);
    CHECK_INT(ha_record_task(r), task);
    CHECK_INT(ha_record_level(r), 0);
    CHECK_INT(ha_record_opcode(r), 0);
    CHECK_INT(ha_record_execution_process_id(r), 4);
    CHECK_INT(ha_record_execution_thread_id(r), 9040);
    CHECK_STR(ha_record_channel(r), "Security");
    CHECK_STR(ha_record_computer(r), "WKS-07.corp.example.com");
    CHECK_STR(ha_record_provider_name(r), "Microsoft-Windows-Security-Auditing");
    CHECK_STR(ha_record_provider_guid(r), "{54849625-5478-4994-A5BA-3E3B0328C30D}");
    CHECK(ha_record_user_id(r) == NULL);
}

static const int64_t T_OPEN = INT64_C(1710409269) * 1000000000 + 87134400; /* 2024-03-14T09:41:09.087134400Z */

static void test_4656(void)
{
    const ha_record *r = recs[1];
    CHECK(r != NULL);
    if (!r)
        return;
    system_fields(r, 4656, 0, 12800);
    CHECK_INT(ha_record_audit(r), HA_AUDIT_SUCCESS);
    CHECK_U64(ha_record_keywords(r), UINT64_C(0x8020000000000000));
    CHECK_INT(ha_record_time(r), T_OPEN);
    subject(r);
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_SERVER), "Security");
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_TYPE), "File");
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_NAME), "C:\\Users\\alice\\Documents\\plan.txt");
    CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0x3b4);
    CHECK_STR(ha_record_string(r, HA_FIELD_TRANSACTION_ID), "{00000000-0000-0000-0000-000000000000}");
    CHECK_U64(num(r, HA_FIELD_ACCESS_MASK), 0x120003);
    CHECK(ha_record_string(r, HA_FIELD_PRIVILEGE_LIST) == NULL); /* "-" */
    CHECK_STR(ha_record_data(r, "PrivilegeList"), "-");         /* raw text still there */
    CHECK_U64(num(r, HA_FIELD_RESTRICTED_SID_COUNT), 0);
    CHECK_U64(num(r, HA_FIELD_PROCESS_ID), 0x2f8c);
    CHECK_STR(ha_record_string(r, HA_FIELD_PROCESS_NAME), "C:\\Windows\\System32\\notepad.exe");
    /* v0 has neither AccessReason nor ResourceAttributes */
    CHECK(ha_record_string(r, HA_FIELD_ACCESS_REASON) == NULL);
    CHECK(ha_record_string(r, HA_FIELD_RESOURCE_ATTRIBUTES) == NULL);
    CHECK_INT(ha_record_uint(r, HA_FIELD_NEW_PROCESS_ID, NULL), HA_ERR_NOT_FOUND);
    CHECK_INT(ha_record_data_count(r), 15);
    /* AccessList: tokens, codes, names, mask */
    CHECK_INT(ha_record_access_count(r), 4);
    CHECK_INT(ha_record_access_code(r, 0), 1538);
    CHECK_INT(ha_record_access_code(r, 3), 4417);
    CHECK_INT(ha_record_access_code(r, 4), 0);
    size_t n = 0;
    const char *tok = ha_record_access_token(r, 2, &n);
    CHECK(tok && n == 6 && memcmp(tok, "%%4416", 6) == 0);
    CHECK_INT(ha_record_access_list_mask(r), 0x120003);

    r = recs[2];
    CHECK(r != NULL);
    if (!r)
        return;
    system_fields(r, 4656, 1, 12800);
    subject(r);
    CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0x3b4); /* written 0x3B4 */
    CHECK_U64(num(r, HA_FIELD_ACCESS_MASK), 0x120003); /* written 0x00120003 */
    CHECK_STR(ha_record_string(r, HA_FIELD_ACCESS_REASON), "%%1538:\t%%1801\tD:(A;;FA;;;BA)\n\t\t\t\t");
    CHECK_STR(ha_record_string(r, HA_FIELD_PRIVILEGE_LIST), "SeBackupPrivilege");
    CHECK_U64(num(r, HA_FIELD_RESTRICTED_SID_COUNT), 2);
    CHECK_STR(ha_record_string(r, HA_FIELD_RESOURCE_ATTRIBUTES), "S:AI");
    CHECK_INT(ha_record_data_count(r), 17);
    /* Data looked up by Name, not position: AccessReason moved AccessMask */
    CHECK_STR(ha_record_data_name(r, 10), "AccessReason");
    CHECK_STR(ha_record_data_name(r, 11), "AccessMask");

    r = recs[16]; /* failure, one line, double quotes, RenderingInfo */
    CHECK(r != NULL);
    if (!r)
        return;
    CHECK_INT(ha_record_event_id(r), 4656);
    CHECK_INT(ha_record_audit(r), HA_AUDIT_FAILURE);
    CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0);
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_TYPE), "Key");
    CHECK(ha_record_string(r, HA_FIELD_RESOURCE_ATTRIBUTES) == NULL);
    CHECK_INT(ha_record_access_count(r), 4);
    CHECK_INT(ha_record_access_code(r, 2), 9999); /* unknown codes are kept */
    CHECK(ha_access_code_name(ha_record_access_code(r, 2)) == NULL);
    CHECK_INT(ha_record_access_list_mask(r), 0x10003);
    CHECK_INT(ha_record_data_count(r), 17); /* RenderingInfo adds nothing */
}

static void test_4663(void)
{
    const ha_record *r = recs[3];
    CHECK(r != NULL);
    if (!r)
        return;
    system_fields(r, 4663, 0, 12800);
    subject(r);
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_SERVER), "Security");
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_TYPE), "File");
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_NAME), "C:\\Users\\alice\\Documents\\plan.txt");
    CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0x3b4);
    CHECK_INT(ha_record_access_count(r), 1);
    CHECK_INT(ha_record_access_code(r, 0), 4417);
    CHECK_U64(num(r, HA_FIELD_ACCESS_MASK), 0x2);
    CHECK_U64(num(r, HA_FIELD_PROCESS_ID), 0x2f8c);
    CHECK_STR(ha_record_string(r, HA_FIELD_PROCESS_NAME), "C:\\Windows\\System32\\notepad.exe");
    CHECK(ha_record_string(r, HA_FIELD_RESOURCE_ATTRIBUTES) == NULL);
    CHECK_INT(ha_record_time(r), INT64_C(1710409269) * 1000000000 + 87291800);

    r = recs[4];
    CHECK(r != NULL);
    if (!r)
        return;
    system_fields(r, 4663, 1, 12802);
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_TYPE), "Process");
    CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_NAME), "\\Device\\HarddiskVolume3\\Windows\\System32\\lsass.exe");
    CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0x1b0);
    CHECK_INT(ha_record_access_code(r, 0), 4484);
    CHECK_STR(ha_access_code_name(ha_record_access_code(r, 0)), "Read from process memory");
    CHECK_INT(ha_record_access_list_mask(r), 0x10);
    CHECK_STR(ha_record_string(r, HA_FIELD_RESOURCE_ATTRIBUTES), ""); /* present, empty (self-closing) */
}

static void test_4658_4660_4689_4690(void)
{
    const ha_record *r = recs[5];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4658, 0, 12800);
        subject(r);
        CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_SERVER), "Security");
        CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0x3b4);
        CHECK_U64(num(r, HA_FIELD_PROCESS_ID), 0x2f8c);
        CHECK_STR(ha_record_string(r, HA_FIELD_PROCESS_NAME), "C:\\Windows\\System32\\notepad.exe");
        CHECK(ha_record_string(r, HA_FIELD_OBJECT_NAME) == NULL);
        CHECK_INT(ha_record_data_count(r), 8);
    }
    r = recs[9];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4660, 0, 12800);
        subject(r);
        CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0x4c0);
        CHECK_U64(num(r, HA_FIELD_PROCESS_ID), 0x2f8c);
        CHECK_STR(ha_record_string(r, HA_FIELD_PROCESS_NAME), "C:\\Windows\\System32\\notepad.exe");
        CHECK_STR(ha_record_string(r, HA_FIELD_TRANSACTION_ID), "{00000000-0000-0000-0000-000000000000}");
    }
    r = recs[12];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4689, 0, 13313);
        subject(r);
        CHECK_U64(num(r, HA_FIELD_STATUS), 0);
        CHECK_U64(num(r, HA_FIELD_PROCESS_ID), 0x2f8c);
        CHECK_STR(ha_record_string(r, HA_FIELD_PROCESS_NAME), "C:\\Windows\\System32\\notepad.exe");
        CHECK_STR(ha_record_data_name(r, 4), "Status"); /* Status comes before ProcessId */
    }
    r = recs[13];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4690, 0, 12807);
        subject(r);
        CHECK_U64(num(r, HA_FIELD_SOURCE_HANDLE_ID), 0x3b4);
        CHECK_U64(num(r, HA_FIELD_SOURCE_PROCESS_ID), 0x2f8c);
        CHECK_U64(num(r, HA_FIELD_TARGET_HANDLE_ID), 0x41c);
        CHECK_U64(num(r, HA_FIELD_TARGET_PROCESS_ID), 0x4);
        CHECK_INT(ha_record_uint(r, HA_FIELD_HANDLE_ID, NULL), HA_ERR_NOT_FOUND);
    }
}

static void test_4688(void)
{
    const ha_record *r = recs[6];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4688, 0, 13312);
        subject(r);
        CHECK_U64(num(r, HA_FIELD_NEW_PROCESS_ID), 0x2f8c);
        CHECK_STR(ha_record_string(r, HA_FIELD_NEW_PROCESS_NAME), "C:\\Windows\\System32\\notepad.exe");
        CHECK_STR(ha_record_string(r, HA_FIELD_TOKEN_ELEVATION_TYPE), "%%1936");
        CHECK_U64(num(r, HA_FIELD_PROCESS_ID), 0x1a3c); /* the parent */
        CHECK(ha_record_string(r, HA_FIELD_COMMAND_LINE) == NULL);
        CHECK_INT(ha_record_data_count(r), 8);
    }
    r = recs[7];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4688, 1, 13312);
        CHECK_STR(ha_record_string(r, HA_FIELD_TOKEN_ELEVATION_TYPE), "%%1937");
        CHECK_STR(ha_record_string(r, HA_FIELD_COMMAND_LINE), ""); /* policy off: empty, present */
        CHECK(ha_record_string(r, HA_FIELD_TARGET_USER_SID) == NULL);
        CHECK_INT(ha_record_data_count(r), 9);
    }
    r = recs[8];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4688, 2, 13312);
        subject(r);
        CHECK_INT(ha_record_time(r), INT64_C(1710409267) * 1000000000 + 553210900);
        CHECK_STR(ha_record_string(r, HA_FIELD_TOKEN_ELEVATION_TYPE), "%%1938");
        CHECK_STR(ha_record_string(r, HA_FIELD_COMMAND_LINE),
                  "\"C:\\Windows\\System32\\notepad.exe\" \"C:\\Users\\alice\\Documents\\plan.txt\"");
        CHECK_STR(ha_record_string(r, HA_FIELD_TARGET_USER_SID), "S-1-0-0");
        CHECK(ha_record_string(r, HA_FIELD_TARGET_USER_NAME) == NULL);   /* "-" */
        CHECK(ha_record_string(r, HA_FIELD_TARGET_DOMAIN_NAME) == NULL); /* "-" */
        CHECK_U64(num(r, HA_FIELD_TARGET_LOGON_ID), 0);
        CHECK_STR(ha_record_string(r, HA_FIELD_PARENT_PROCESS_NAME), "C:\\Windows\\explorer.exe");
        CHECK_STR(ha_record_string(r, HA_FIELD_MANDATORY_LABEL), "S-1-16-8192");
        CHECK_INT(ha_record_data_count(r), 15);
    }
}

static void test_4661(void)
{
    const ha_record *r = recs[10];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4661, 0, 12803);
        CHECK_INT(ha_record_audit(r), HA_AUDIT_SUCCESS);
        CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_SERVER), "Security Account Manager");
        CHECK_STR(ha_record_string(r, HA_FIELD_OBJECT_TYPE), "SAM_USER");
        CHECK_U64(num(r, HA_FIELD_HANDLE_ID), UINT64_C(0xdd64d36870));
        CHECK_INT(ha_record_access_count(r), 2);
        CHECK_STR(ha_access_code_name(ha_record_access_code(r, 1)), "ReadAccount");
        CHECK_INT(ha_record_access_list_mask(r), 0x11);
        CHECK(ha_record_string(r, HA_FIELD_PROPERTIES) == NULL); /* "-" */
        CHECK_U64(num(r, HA_FIELD_PROCESS_ID), 0x2a0);
        CHECK(ha_record_string(r, HA_FIELD_ACCESS_REASON) == NULL);
    }
    r = recs[11];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4661, 1, 12803);
        CHECK_INT(ha_record_audit(r), HA_AUDIT_FAILURE);
        CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0);
        CHECK_STR(ha_record_data_name(r, 10), "AccessReason"); /* v1 inserts it after AccessList */
        CHECK_STR(ha_record_string(r, HA_FIELD_PROPERTIES), "");
        CHECK_INT(ha_record_access_list_mask(r), 0x100);
    }
}

static void test_generic(void)
{
    const ha_record *r = recs[14];
    CHECK(r != NULL);
    if (r) {
        system_fields(r, 4624, 2, 12544);
        CHECK_STR(ha_record_data(r, "LogonType"), "2");
        CHECK_STR(ha_record_data(r, "LogonGuid"), "{430ADA27-E2AB-E393-2B26-48818C7968D4}");
        CHECK_U64(num(r, HA_FIELD_TARGET_LOGON_ID), 0x5c3a1e); /* typed getters work on any event */
        CHECK(ha_record_data(r, "NoSuchName") == NULL);
        CHECK_INT(ha_record_data_count(r), 12);
    }
    r = recs[15];
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(ha_record_event_id(r), 1102);
        CHECK_INT(ha_record_audit(r), HA_AUDIT_SUCCESS);
        CHECK_INT(ha_record_data_count(r), 4); /* UserData leaves */
        CHECK_STR(ha_record_data_name(r, 0), "SubjectUserSid");
        CHECK_STR(ha_record_data_value(r, 0, NULL), "S-1-5-21-1-2-3-1111");
        CHECK_U64(num(r, HA_FIELD_SUBJECT_LOGON_ID), UINT64_C(0x65b0f5db));
        CHECK(ha_record_data_name(r, 4) == NULL);
    }
}

static void test_json(void)
{
    const ha_record *r = recs[8];
    if (!r)
        return;
    size_t need = ha_record_json(r, NULL, 0);
    char *buf = malloc(need + 1);
    CHECK_INT(ha_record_json(r, buf, need + 1), need);
    static const char head[] = "{\"type\":\"record\",\"event_id\":4688,\"version\":2,\"record_id\":8,"
                               "\"computer\":\"WKS-07.corp.example.com\",\"time\":\"2024-03-14T09:41:07.5532109Z\","
                               "\"success\":true,\"fields\":{\"SubjectUserSid\":";
    CHECK(strncmp(buf, head, sizeof head - 1) == 0);
    CHECK(strstr(buf, "\"SubjectLogonId\":6044190,") != NULL);
    CHECK(strstr(buf, "\"TargetUserName\":null,") != NULL);
    CHECK(strstr(buf, "\"CommandLine\":\"\\\"C:\\\\Windows\\\\System32\\\\notepad.exe\\\" ") != NULL);
    CHECK(strstr(buf, "\"TokenElevationType\":\"%%1938\"") != NULL);
    CHECK(buf[need - 1] == '}' && buf[need] == '\0');
    /* truncated like snprintf */
    char small[10];
    CHECK_INT(ha_record_json(r, small, sizeof small), need);
    CHECK(strncmp(small, "{\"type\":\"", 9) == 0 && small[9] == '\0');
    free(buf);
    /* a failure audit says success false; a non-audit event gives null */
    char line[4096];
    ha_record_json(recs[16], line, sizeof line);
    CHECK(strstr(line, "\"success\":false") != NULL);
    CHECK(strstr(line, "\"AccessMask\":65539") != NULL);
}

/* Element names with a namespace prefix are matched by their local name,
 * in System, EventData and UserData alike. */
static ha_record *prefixed;
static int keep_prefixed(const ha_record *rec, void *userdata)
{
    (void)userdata;
    CHECK(prefixed == NULL);
    CHECK_INT(ha_record_copy(rec, &prefixed), HA_OK);
    return 0;
}

static void test_prefixed_names(void)
{
    static const char xml[] =
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>"
        "<s:System xmlns:s='urn:s'><s:Provider Name='P'/><s:EventID>4656</s:EventID><s:Version>1</s:Version>"
        "<s:TimeCreated SystemTime='2024-03-14T09:41:09.0871344Z'/><s:EventRecordID>7</s:EventRecordID>"
        "<s:Execution ProcessID='4' ThreadID='8'/><s:Computer>H</s:Computer><s:Security UserID='S-1-5-18'/></s:System>"
        "<d:EventData xmlns:d='urn:d'><d:Data Name='HandleId'>0x44</d:Data><d:Note>n</d:Note></d:EventData>"
        "<u:UserData xmlns:u='urn:u'/></Event>\n"
        "<Event><System><EventID>1102</EventID></System><UserData><x:LogFileCleared xmlns:x='urn:x'>"
        "<x:SubjectUserName>bob</x:SubjectUserName></x:LogFileCleared></UserData></Event>\n";
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = keep_prefixed;
    o.on_diag = no_diag;
    ha_reader *rd;
    CHECK_INT(ha_reader_new(&o, &rd), HA_OK);
    CHECK_INT(ha_reader_feed(rd, xml, 1 + strstr(xml, "\n") - xml), HA_OK);
    ha_record *r = prefixed;
    prefixed = NULL;
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(ha_record_event_id(r), 4656);
        CHECK_INT(ha_record_version(r), 1);
        CHECK_U64(ha_record_record_id(r), 7);
        CHECK_INT(ha_record_execution_thread_id(r), 8);
        CHECK_STR(ha_record_computer(r), "H");
        CHECK_STR(ha_record_provider_name(r), "P");
        CHECK_STR(ha_record_user_id(r), "S-1-5-18");
        CHECK_U64(num(r, HA_FIELD_HANDLE_ID), 0x44);
        CHECK_STR(ha_record_data(r, "Note"), "n");
        ha_record_free(r);
    }
    CHECK_INT(ha_reader_feed(rd, strstr(xml, "\n") + 1, strlen(strstr(xml, "\n") + 1)), HA_OK);
    CHECK_INT(ha_reader_finish(rd), HA_OK);
    r = prefixed;
    prefixed = NULL;
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(ha_record_event_id(r), 1102);
        CHECK_STR(ha_record_data(r, "SubjectUserName"), "bob");
        ha_record_free(r);
    }
    ha_reader_free(rd);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_records typed-events.xml\n");
        return 2;
    }
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = keep;
    o.on_diag = no_diag;
    ha_reader *rd;
    CHECK_INT(ha_reader_new(&o, &rd), HA_OK);
    CHECK_INT(ha_reader_read_file(rd, argv[1]), HA_OK);
    CHECK_U64(ha_reader_count(rd, HA_COUNT_EVENTS), 16);
    ha_reader_free(rd);
    test_4656();
    test_4663();
    test_4658_4660_4689_4690();
    test_4688();
    test_4661();
    test_generic();
    test_json();
    test_prefixed_names();
    for (int i = 0; i < MAX_RECORDS; i++)
        ha_record_free(recs[i]);
    return check_done();
}
