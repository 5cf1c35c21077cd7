/* Records made with ha_record_new() and the System setters read back
 * through every getter as the reader's record of the same event does, and
 * give the same JSON. */
#include <handleaudit/handleaudit.h>

#include "check.h"

/* Every System field set, none to its default. */
static const char event_xml[] =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
    "<Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/>"
    "<EventID>4663</EventID><Version>1</Version><Level>4</Level><Task>12800</Task><Opcode>2</Opcode>"
    "<Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='2024-03-14T09:41:09.0871344Z'/>"
    "<EventRecordID>123456789012</EventRecordID><Correlation/>"
    "<Execution ProcessID='4' ThreadID='9040'/><Channel>Security</Channel>"
    "<Computer>WKS-07.corp.example.com</Computer><Security UserID='S-1-5-18'/></System>"
    "<EventData><Data Name='SubjectUserName'>alice</Data><Data Name='HandleId'>0x1a4</Data>"
    "<Data Name='AccessList'>%%4416\n\t\t\t\t%%4417\n\t\t\t\t</Data><Data Name='Other'>x</Data>"
    "<Data>unnamed</Data></EventData></Event>";

static ha_record *parsed;

static int keep(const ha_record *rec, void *userdata)
{
    (void)userdata;
    CHECK_INT(ha_record_copy(rec, &parsed), HA_OK);
    return 0;
}

static ha_record *parse(void)
{
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = keep;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    CHECK_INT(ha_reader_feed(r, event_xml, sizeof event_xml - 1), HA_OK);
    CHECK_INT(ha_reader_finish(r), HA_OK);
    CHECK_INT(ha_reader_count(r, HA_COUNT_WARNINGS) + ha_reader_count(r, HA_COUNT_ERRORS), 0);
    ha_reader_free(r);
    return parsed;
}

static void put_string(ha_record *b, ha_system_field f, const char *s)
{
    CHECK_INT(ha_record_set_system_string(b, f, s, strlen(s)), HA_OK);
}

static ha_record *build(void)
{
    ha_record *b;
    CHECK_INT(ha_record_new(NULL, &b), HA_OK);
    put_string(b, HA_SYSTEM_PROVIDER_NAME, "Microsoft-Windows-Security-Auditing");
    put_string(b, HA_SYSTEM_PROVIDER_GUID, "{54849625-5478-4994-A5BA-3E3B0328C30D}");
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_EVENT_ID, 4663), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_VERSION, 1), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_LEVEL, 4), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_TASK, 12800), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_OPCODE, 2), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_KEYWORDS, UINT64_C(0x8020000000000000)), HA_OK);
    CHECK_INT(ha_record_set_time(b, INT64_C(1710409269) * 1000000000 + 87134400), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_RECORD_ID, UINT64_C(123456789012)), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_PROCESS_ID, 4), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_THREAD_ID, 9040), HA_OK);
    put_string(b, HA_SYSTEM_CHANNEL, "Security");
    put_string(b, HA_SYSTEM_COMPUTER, "WKS-07.corp.example.com");
    put_string(b, HA_SYSTEM_USER_ID, "S-1-5-18");
    static const char access[] = "%%4416\n\t\t\t\t%%4417\n\t\t\t\t";
    CHECK_INT(ha_record_add_data(b, "SubjectUserName", "alice", 5), HA_OK);
    CHECK_INT(ha_record_add_data(b, "HandleId", "0x1a4", 5), HA_OK);
    CHECK_INT(ha_record_add_data(b, "AccessList", access, sizeof access - 1), HA_OK);
    CHECK_INT(ha_record_add_data(b, "Other", "x", 1), HA_OK);
    CHECK_INT(ha_record_add_data(b, "", "unnamed", 7), HA_OK);
    return b;
}

/* Every getter of `a` and `b` agrees (but the stream position). */
static void same(const ha_record *a, const ha_record *b)
{
    CHECK_INT(ha_record_event_id(a), ha_record_event_id(b));
    CHECK_INT(ha_record_version(a), ha_record_version(b));
    CHECK_INT(ha_record_level(a), ha_record_level(b));
    CHECK_INT(ha_record_task(a), ha_record_task(b));
    CHECK_INT(ha_record_opcode(a), ha_record_opcode(b));
    CHECK_U64(ha_record_keywords(a), ha_record_keywords(b));
    CHECK_INT(ha_record_audit(a), ha_record_audit(b));
    CHECK_INT(ha_record_time(a), ha_record_time(b));
    CHECK_U64(ha_record_record_id(a), ha_record_record_id(b));
    CHECK_INT(ha_record_execution_process_id(a), ha_record_execution_process_id(b));
    CHECK_INT(ha_record_execution_thread_id(a), ha_record_execution_thread_id(b));
    CHECK_STR(ha_record_channel(a), ha_record_channel(b));
    CHECK_STR(ha_record_computer(a), ha_record_computer(b));
    CHECK_STR(ha_record_provider_name(a), ha_record_provider_name(b));
    CHECK_STR(ha_record_provider_guid(a), ha_record_provider_guid(b));
    CHECK_STR(ha_record_user_id(a), ha_record_user_id(b));
    CHECK_INT(ha_record_data_count(a), ha_record_data_count(b));
    for (size_t i = 0; i < ha_record_data_count(a); i++) {
        size_t na = 0, nb = 0;
        CHECK_STR(ha_record_data_name(a, i), ha_record_data_name(b, i));
        CHECK_STR(ha_record_data_value(a, i, &na), ha_record_data_value(b, i, &nb));
        CHECK_INT(na, nb);
    }
    for (int f = 1; f < HA_FIELD_COUNT_; f++) {
        uint64_t va = 1, vb = 2;
        CHECK_STR(ha_record_string(a, (ha_field)f), ha_record_string(b, (ha_field)f));
        CHECK_INT(ha_record_uint(a, (ha_field)f, &va), ha_record_uint(b, (ha_field)f, &vb));
    }
    CHECK_INT(ha_record_access_count(a), ha_record_access_count(b));
    for (size_t i = 0; i < ha_record_access_count(a); i++)
        CHECK_INT(ha_record_access_code(a, i), ha_record_access_code(b, i));
    CHECK_INT(ha_record_access_list_mask(a), ha_record_access_list_mask(b));
    char ja[4096], jb[4096];
    CHECK(ha_record_json(a, ja, sizeof ja) < sizeof ja);
    CHECK(ha_record_json(b, jb, sizeof jb) < sizeof jb);
    CHECK_STR(ja, jb);
}

static void test_setters_read_back(void)
{
    ha_record *p = parse(), *b = build();
    CHECK(p != NULL);
    if (!p)
        return;
    /* what the parsed record says, so that `same` cannot pass on zeros */
    CHECK_INT(ha_record_level(p), 4);
    CHECK_INT(ha_record_task(p), 12800);
    CHECK_INT(ha_record_opcode(p), 2);
    CHECK_STR(ha_record_channel(p), "Security");
    CHECK_STR(ha_record_user_id(p), "S-1-5-18");
    CHECK_INT(ha_record_execution_thread_id(p), 9040);
    CHECK_INT(ha_record_access_count(p), 2);
    same(p, b);
    ha_record *c;
    CHECK_INT(ha_record_copy(b, &c), HA_OK); /* a copy of a built record too */
    same(p, c);
    ha_record_free(c);
    ha_record_free(b);
    ha_record_free(p);
    parsed = NULL;
}

static void test_setters_refuse(void)
{
    ha_record *b;
    CHECK_INT(ha_record_new(NULL, &b), HA_OK);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_CHANNEL, 1), HA_ERR_INVALID);  /* a string field */
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_TIME, 1), HA_ERR_INVALID);     /* ha_record_set_time */
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_NONE, 1), HA_ERR_INVALID);
    CHECK_INT(ha_record_set_system_uint(b, (ha_system_field)99, 1), HA_ERR_INVALID);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_LEVEL, UINT64_C(1) << 32), HA_ERR_INVALID); /* 32 bits */
    CHECK_INT(ha_record_level(b), 0);
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_KEYWORDS, UINT64_MAX), HA_OK); /* 64 */
    CHECK_INT(ha_record_set_system_string(b, HA_SYSTEM_LEVEL, "4", 1), HA_ERR_INVALID);
    CHECK_INT(ha_record_set_system_string(b, HA_SYSTEM_CHANNEL, "a\0b", 3), HA_ERR_INVALID);
    CHECK(ha_record_channel(b) == NULL);
    /* a value may be replaced, and NULL removes it; an empty UserID is none */
    put_string(b, HA_SYSTEM_CHANNEL, "Security");
    put_string(b, HA_SYSTEM_CHANNEL, "System");
    CHECK_STR(ha_record_channel(b), "System");
    CHECK_INT(ha_record_set_system_string(b, HA_SYSTEM_CHANNEL, NULL, 0), HA_OK);
    CHECK(ha_record_channel(b) == NULL);
    CHECK_INT(ha_record_set_system_string(b, HA_SYSTEM_USER_ID, "", 0), HA_OK);
    CHECK(ha_record_user_id(b) == NULL);
    put_string(b, HA_SYSTEM_COMPUTER, "");
    CHECK_STR(ha_record_computer(b), "");
    CHECK_INT(ha_record_set_time(b, 5), HA_OK);
    CHECK_INT(ha_record_time(b), 5);
    CHECK_INT(ha_record_set_time(b, HA_TIME_NONE), HA_OK);
    CHECK_INT(ha_record_time(b), HA_TIME_NONE);
    /* ha_record_set_system sets its six, the others stay */
    CHECK_INT(ha_record_set_system_uint(b, HA_SYSTEM_TASK, 12800), HA_OK);
    CHECK_INT(ha_record_set_system(b, 4656, 1, 0, 7, 42, "HOST"), HA_OK);
    CHECK_INT(ha_record_event_id(b), 4656);
    CHECK_INT(ha_record_task(b), 12800);
    CHECK_STR(ha_record_computer(b), "HOST");
    CHECK_INT(ha_record_time(b), 7);
    CHECK_U64(ha_record_record_id(b), 42);
    ha_record_free(b);

    /* only records made by ha_record_new() */
    ha_record *p = parse();
    if (p) {
        CHECK_INT(ha_record_set_system_uint(p, HA_SYSTEM_LEVEL, 1), HA_ERR_INVALID);
        CHECK_INT(ha_record_set_system_string(p, HA_SYSTEM_CHANNEL, "x", 1), HA_ERR_INVALID);
        CHECK_INT(ha_record_set_time(p, 1), HA_ERR_INVALID);
        CHECK_INT(ha_record_level(p), 4);
        ha_record_free(p);
        parsed = NULL;
    }
    CHECK_INT(ha_record_set_system_uint(NULL, HA_SYSTEM_LEVEL, 1), HA_ERR_INVALID);
    CHECK_INT(ha_record_set_system_string(NULL, HA_SYSTEM_CHANNEL, "x", 1), HA_ERR_INVALID);
    CHECK_INT(ha_record_set_time(NULL, 1), HA_ERR_INVALID);
}

int main(void)
{
    test_setters_read_back();
    test_setters_refuse();
    return check_done();
}
