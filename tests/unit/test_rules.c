/* Rules: the patterns (case, volume forms, non-ASCII), then every rule kind
 * with cases that must and must not alert. */
#define HA_EXPERIMENTAL_API
#include <handleaudit/experimental.h>

#include <stdarg.h>

#include "check.h"
#include "json_check.h"
#include "match.h"

/* ---- patterns ---------------------------------------------------------------- */

static int pm(const char *pattern, const char *text)
{
    ha_allocator a;
    hai_allocator_init(&a, NULL);
    hai_path_pattern p;
    CHECK_INT(hai_path_pattern_compile(&a, pattern, &p), 0);
    int m = hai_path_pattern_match(&p, text);
    hai_path_pattern_free(&a, &p);
    return m;
}

static void test_patterns(void)
{
    /* case and wildcards */
    CHECK(pm("*\\lsass.exe", "\\Device\\HarddiskVolume3\\Windows\\System32\\LSASS.EXE"));
    CHECK(pm("C:\\Windows\\*.exe", "c:\\windows\\system32\\Notepad.EXE"));
    CHECK(!pm("C:\\Windows\\*.exe", "C:\\Windows\\notepad.exe.txt"));
    CHECK(pm("C:\\Users\\?????\\*", "C:\\Users\\alice\\x"));
    CHECK(!pm("C:\\Users\\?????\\*", "C:\\Users\\bob\\x"));
    CHECK(pm("*", ""));
    CHECK(!pm("a", ""));
    CHECK(pm("a**b", "axxb"));
    /* volume forms */
    CHECK(pm("C:\\Windows\\System32\\*", "\\Device\\HarddiskVolume2\\Windows\\system32\\x.exe"));
    CHECK(pm("C:\\Windows\\System32\\*", "\\??\\C:\\Windows\\System32\\x.exe"));
    CHECK(!pm("C:\\Windows\\System32\\*", "D:\\Windows\\System32\\x.exe"));
    CHECK(pm("\\Windows\\Temp\\*", "D:\\Windows\\Temp\\a"));
    CHECK(pm("\\Windows\\Temp\\*", "\\Device\\HarddiskVolume11\\Windows\\TEMP\\a"));
    CHECK(!pm("\\Windows\\Temp\\*", "C:\\Windows\\Tempest\\a"));
    CHECK(pm("\\Device\\HarddiskVolume3\\Data\\*", "E:\\data\\f"));
    /* non-ASCII: Cyrillic, Latin-1, Greek, Latin Extended-A, fullwidth, and scripts without case */
    CHECK(pm("*\\ДАННЫЕ\\*", "C:\\данные\\x"));
    CHECK(pm("*ÉTÉ*", "c:\\été.txt"));
    CHECK(pm("*ΑΒΓ*", "c:\\αβγ"));
    CHECK(pm("*ŁÓDŹ*", "c:\\łódź"));
    CHECK(pm("*ＡＢＣ*", "c:\\ａｂｃ"));
    CHECK(pm("*\\ツール\\*", "C:\\Tools\\ツール\\取得.exe"));
    CHECK(!pm("*\\ツール\\*", "C:\\Tools\\ツー\\取得.exe"));
    CHECK(pm("?:\\x", "Ж:\\x")); /* ? is one character, not one byte */
    CHECK(!pm("*bad*", "C:\\\xff\xfe\xc3(")); /* invalid UTF-8 is read, never matched wrongly */
    CHECK(pm("*\xff*", "a\xff" "b"));
}

/* ---- records and sequences to check ------------------------------------------- */

static ha_record *rec(uint32_t id, uint64_t kw, int64_t t, ...)
{
    ha_record *r;
    CHECK_INT(ha_record_new(NULL, &r), HA_OK);
    ha_record_set_system(r, id, 1, kw, t, 1, "HOST");
    va_list ap;
    va_start(ap, t);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        CHECK_INT(ha_record_add_data(r, name, value, strlen(value)), HA_OK);
    }
    va_end(ap);
    return r;
}

#define OK_KW UINT64_C(0x8020000000000000)
#define FAIL_KW UINT64_C(0x8010000000000000)
#define T0 INT64_C(1767225600000000000)
#define S INT64_C(1000000000)

typedef struct {
    int n;
    char ids[16][64];
    char reason[1024];
} alerts;

static int on_alert(const ha_alert *a, void *ud)
{
    alerts *al = ud;
    if (al->n < 16)
        snprintf(al->ids[al->n], sizeof al->ids[0], "%s", ha_alert_rule_id(a));
    snprintf(al->reason, sizeof al->reason, "%s", ha_alert_reason(a));
    al->n++;
    char buf[8192], again[8192];
    size_t need = ha_alert_json(a, NULL, 0); /* sizing first, as snprintf() */
    size_t n = ha_alert_json(a, buf, sizeof buf);
    CHECK(n < sizeof buf && json_valid(buf, n));
    CHECK_INT(need, n);
    /* an alert is read, never changed, by its getters: the same text each time */
    CHECK_INT(ha_alert_json(a, again, sizeof again), n);
    CHECK_STR(again, buf);
    CHECK_INT(ha_alert_json(a, again, 10), n); /* cut short, still the whole length */
    CHECK_INT(strlen(again), 9);
    CHECK(strncmp(buf, "{\"type\":\"alert\",\"rule\":\"", 24) == 0);
    CHECK(strstr(buf, "\"severity\":\"") && strstr(buf, "\"reason\":\""));
    CHECK(strstr(buf, ha_alert_sequence(a) ? "\"matched\":\"sequence\",\"computer\":\"HOST\""
                                           : "\"matched\":\"record\",\"event_id\":"));
    CHECK((ha_alert_record(a) == NULL) != (ha_alert_sequence(a) == NULL));
    const ha_sequence *s = ha_alert_sequence(a);
    if (s) { /* the sequence's keys, as its own JSON has them (the rules reuse them from alert to alert) */
        char sj[8192];
        size_t sn = ha_sequence_json(s, sj, sizeof sj);
        const char *body = strstr(buf, "\"matched\":\"sequence\"");
        CHECK(sn < sizeof sj && strncmp(sj, "{\"type\":\"sequence\"", 18) == 0 && body);
        if (body)
            CHECK_STR(body + strlen("\"matched\":\"sequence\""), sj + 18);
    }
    return 0;
}

/* Alerts the rules give for one record. */
static alerts on_record(ha_rules *rs, ha_record *r)
{
    alerts al = {0};
    CHECK_INT(ha_rules_check_record(rs, r, on_alert, &al), HA_OK);
    ha_record_free(r);
    return al;
}

/* A sequence: process `pid` with `image` opens `object` of `type` with
 * `mask`, holds it `held` seconds, closes it; the rules check it at its end. */
static ha_rules *seq_rules;
static alerts seq_alerts;
static int check_end(const ha_sequence *s, const ha_record *r, void *ud)
{
    (void)r;
    (void)ud;
    CHECK_INT(ha_rules_check_sequence(seq_rules, s, on_alert, &seq_alerts), HA_OK);
    return 0;
}

static alerts on_sequence(ha_rules *rs, const char *image, const char *type, const char *object, const char *mask,
                          int64_t held)
{
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_end = check_end;
    ha_correlator *c;
    CHECK_INT(ha_correlator_new(&o, &c), HA_OK);
    seq_rules = rs;
    memset(&seq_alerts, 0, sizeof seq_alerts);
    ha_record *r = rec(4656, OK_KW, T0, "SubjectLogonId", "0x1", "ObjectType", type, "ObjectName", object, "HandleId",
                       "0x44", "AccessMask", mask, "ProcessId", "0x10", "ProcessName", image, (const char *)NULL);
    CHECK_INT(ha_correlator_add(c, r), HA_OK);
    ha_record_free(r);
    if (held >= 0) {
        r = rec(4658, OK_KW, T0 + held * S, "SubjectLogonId", "0x1", "HandleId", "0x44", "ProcessId", "0x10",
                "ProcessName", image, (const char *)NULL);
        CHECK_INT(ha_correlator_add(c, r), HA_OK);
        ha_record_free(r);
    }
    CHECK_INT(ha_correlator_flush(c), HA_OK);
    ha_correlator_free(c);
    return seq_alerts;
}

static ha_record *created(const char *image)
{
    return rec(4688, OK_KW, T0, "SubjectLogonId", "0x1", "NewProcessId", "0x20", "NewProcessName", image,
               "ProcessId", "0x10", (const char *)NULL);
}

/* ---- each kind ------------------------------------------------------------------ */

static void test_folders_and_names(void)
{
    ha_rules *rs;
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add_defaults(rs), HA_OK);
    CHECK_INT(ha_rules_add_defaults(rs), HA_OK); /* ids taken: nothing twice */

    alerts a = on_record(rs, created("C:\\Users\\alice\\AppData\\Local\\Temp\\mimikatz.exe"));
    CHECK_INT(a.n, 3); /* outside the standard folders, in a restricted one, a bad name */
    CHECK_STR(a.ids[0], "process-not-in-standard-folder");
    CHECK_STR(a.ids[1], "process-in-restricted-folder");
    CHECK_STR(a.ids[2], "process-name-restricted-substring");
    CHECK_STR(a.reason, "the image name mimikatz.exe contains \"mimikatz\"");
    a = on_record(rs, created("\\Device\\HarddiskVolume2\\Users\\Bob\\APPDATA\\local\\TEMP\\Tool.exe"));
    CHECK_INT(a.n, 2);
    CHECK_STR(a.ids[1], "process-in-restricted-folder");
    a = on_record(rs, created("C:\\Windows\\System32\\notepad.exe"));
    CHECK_INT(a.n, 0);
    a = on_record(rs, created("c:\\WINDOWS\\explorer.exe"));
    CHECK_INT(a.n, 0);
    a = on_record(rs, created("\\Device\\HarddiskVolume3\\Program Files\\Office\\root\\WINWORD.EXE"));
    CHECK_INT(a.n, 0);
    a = on_record(rs, created("C:\\Program Files (x86)\\App\\app.exe"));
    CHECK_INT(a.n, 0);
    a = on_record(rs, created("C:\\Windows\\Temp\\dropper.exe")); /* under Windows, but not standard */
    CHECK_INT(a.n, 2);
    a = on_record(rs, created("C:\\Tools\\ツール\\取得.exe")); /* non-ASCII, outside */
    CHECK_INT(a.n, 1);
    CHECK_STR(a.reason, "C:\\Tools\\ツール\\取得.exe runs from outside the standard folders");
    a = on_record(rs, created("C:\\Tools\\CAIN.EXE"));
    CHECK_INT(a.n, 2);
    CHECK_STR(a.ids[1], "process-name-restricted-substring");
    a = on_record(rs, created("C:\\mimikatz\\notepad.exe")); /* the name, not the folder */
    CHECK_INT(a.n, 1);
    a = on_record(rs, created("System"));
    CHECK_INT(a.n, 0);
    /* the same on sequences, by their process name */
    a = on_sequence(rs, "C:\\Users\\alice\\AppData\\Local\\Temp\\mimikatz.exe", "File", "C:\\x", "0x1", 1);
    CHECK_INT(a.n, 3);
    /* and again on another sequence: each alert carries its own sequence's keys (on_alert) */
    a = on_sequence(rs, "C:\\Users\\bob\\AppData\\Local\\Temp\\cain.exe", "File", "C:\\y", "0x1", 1);
    CHECK_INT(a.n, 3);
    a = on_sequence(rs, "C:\\Windows\\System32\\svchost.exe", "File", "C:\\x", "0x1", 1);
    CHECK_INT(a.n, 0);
    /* a 4656 record is not a process creation: no process alerts from it */
    a = on_record(rs, rec(4656, OK_KW, T0, "ProcessName", "C:\\Temp\\mimikatz.exe", "ObjectName", "x",
                          (const char *)NULL));
    CHECK_INT(a.n, 0);
    ha_rules_free(rs);

    /* folders given replace the defaults */
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_PROCESS_IN_RESTRICTED_FOLDER, "staging", HA_SEVERITY_LOW), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "staging", HA_PARAM_FOLDER, "\\Staging\\*"), HA_OK);
    a = on_record(rs, created("E:\\staging\\sub\\x.exe"));
    CHECK_INT(a.n, 1);
    CHECK_STR(a.reason, "E:\\staging\\sub\\x.exe runs from a restricted folder (\\Staging\\*)");
    a = on_record(rs, created("C:\\Users\\a\\AppData\\Local\\Temp\\x.exe"));
    CHECK_INT(a.n, 0);
    /* a folder added after checks: the same folder, checked again, gets the new answer */
    a = on_record(rs, created("C:\\Drop\\one.exe"));
    CHECK_INT(a.n, 0);
    CHECK_INT(ha_rules_add_string(rs, "staging", HA_PARAM_FOLDER, "C:\\Drop\\"), HA_OK);
    a = on_record(rs, created("C:\\Drop\\two.exe"));
    CHECK_INT(a.n, 1);
    CHECK_STR(a.reason, "C:\\Drop\\two.exe runs from a restricted folder (C:\\Drop\\)");
    a = on_record(rs, created("C:\\Drop\\Sub\\three.exe")); /* a longer folder with the same start */
    CHECK_INT(a.n, 0);
    a = on_record(rs, created("C:\\Drop\\four.exe"));
    CHECK_INT(a.n, 1);
    CHECK_INT(ha_rules_add(rs, HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING, "names", HA_SEVERITY_HIGH), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "names", HA_PARAM_SUBSTRING, "psexe"), HA_OK);
    a = on_record(rs, created("C:\\x\\PsExec64.exe"));
    CHECK_INT(a.n, 1);
    a = on_record(rs, created("C:\\x\\mimikatz.exe")); /* no longer a default */
    CHECK_INT(a.n, 0);
    /* parameters that do not fit the kind, ids taken, unknown kinds */
    /* each failure's detail in the rule set's diagnostic */
    CHECK_INT(ha_rules_add_string(rs, "staging", HA_PARAM_ACCOUNT, "x"), HA_ERR_INVALID);
    CHECK_INT(ha_diag_code(ha_rules_last_diag(rs)), HA_ERR_INVALID);
    CHECK_STR(ha_diag_message(ha_rules_last_diag(rs)),
              "rule \"staging\" (process-in-restricted-folder) has no account parameter, or no value was given");
    CHECK_INT(ha_rules_add_string(rs, "nope", HA_PARAM_FOLDER, "x"), HA_ERR_INVALID);
    CHECK_STR(ha_diag_message(ha_rules_last_diag(rs)), "no rule \"nope\"");
    CHECK_INT(ha_rules_add(rs, HA_RULE_PROCESS_IN_RESTRICTED_FOLDER, "staging", HA_SEVERITY_LOW), HA_ERR_INVALID);
    CHECK_STR(ha_diag_message(ha_rules_last_diag(rs)), "rule id \"staging\" is taken");
    CHECK_INT(ha_rules_add(rs, (ha_rule_kind)99, "x", HA_SEVERITY_LOW), HA_ERR_INVALID);
    CHECK_STR(ha_diag_message(ha_rules_last_diag(rs)), "rule \"x\": unknown kind 99");
    CHECK_INT(ha_rules_set_number(rs, "staging", HA_PARAM_DURATION_NS, 5), HA_ERR_INVALID);
    CHECK_STR(ha_diag_message(ha_rules_last_diag(rs)),
              "rule \"staging\" (process-in-restricted-folder) has no duration parameter");
    CHECK(ha_diag_path(ha_rules_last_diag(rs)) == NULL);
    ha_rules_free(rs);
}

static void test_accounts(void)
{
    ha_rules *rs;
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCOUNT_WATCHED, "admins", HA_SEVERITY_MEDIUM), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "admins", HA_PARAM_ACCOUNT, "S-1-5-21-*-500"), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "admins", HA_PARAM_ACCOUNT, "Administrator"), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "admins", HA_PARAM_ACCOUNT, "Владимир"), HA_OK);
    alerts a = on_record(rs, rec(4624, OK_KW, T0, "SubjectUserSid", "S-1-5-21-11-22-33-500", (const char *)NULL));
    CHECK_INT(a.n, 1);
    CHECK_STR(a.reason, "the account S-1-5-21-11-22-33-500 (SubjectUserSid) is watched (S-1-5-21-*-500)");
    a = on_record(rs, rec(4672, OK_KW, T0, "SubjectUserSid", "S-1-5-18", "TargetUserName", "ADMINISTRATOR",
                          (const char *)NULL));
    CHECK_INT(a.n, 1);
    a = on_record(rs, rec(4663, OK_KW, T0, "SubjectUserName", "владимир", (const char *)NULL));
    CHECK_INT(a.n, 1);
    a = on_record(rs, rec(4624, OK_KW, T0, "SubjectUserSid", "S-1-5-21-11-22-33-5000", "TargetUserName", "admin",
                          (const char *)NULL));
    CHECK_INT(a.n, 0);
    a = on_record(rs, rec(4624, OK_KW, T0, "TargetUserName", "-", (const char *)NULL));
    CHECK_INT(a.n, 0);
    /* Answers are remembered per string, a few thousand strings at most:
     * past that they are forgotten, and the answers stay right. */
    int flagged = 0;
    for (int i = 0; i < 10000; i++) {
        char sid[64];
        snprintf(sid, sizeof sid, "S-1-5-21-%d-1-1-%s", i % 6000, i % 3 ? "500" : "501");
        flagged += on_record(rs, rec(4624, OK_KW, T0, "SubjectUserSid", sid, (const char *)NULL)).n;
    }
    CHECK_INT(flagged, 10000 - 3334);
    ha_rules_free(rs);

    /* Many new strings in each check: the memo's bound is reached within
     * a check, and the strings that check already looked up stay valid
     * (ASan and valgrind would see a use after free). */
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCOUNT_WATCHED, "sids", HA_SEVERITY_LOW), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "sids", HA_PARAM_ACCOUNT, "S-2*"), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCOUNT_WATCHED, "names", HA_SEVERITY_LOW), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "names", HA_PARAM_ACCOUNT, "U-1*"), HA_OK);
    flagged = 0;
    for (int k = 0; k < 5000; k++) {
        char sid[32], name[32];
        snprintf(sid, sizeof sid, "S-%d", k);
        snprintf(name, sizeof name, "U-%d", k);
        if (k % 3) /* two new strings, or three: the bound falls between them at times */
            flagged += on_record(rs, rec(4624, OK_KW, T0, "SubjectUserSid", sid, "SubjectUserName", name,
                                         (const char *)NULL)).n;
        else
            flagged += on_record(rs, rec(4624, OK_KW, T0, "SubjectUserSid", sid, "SubjectUserName", name,
                                         "TargetUserSid", name + 1, (const char *)NULL)).n;
    }
    CHECK_INT(flagged, 2 * 1111); /* k beginning with 2, and with 1: 1 + 10 + 100 + 1000 each */
    ha_rules_free(rs);

    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCOUNT_WATCHED, "admins", HA_SEVERITY_MEDIUM), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "admins", HA_PARAM_ACCOUNT, "S-1-5-21-*-500"), HA_OK);
    /* a rule added later is checked on strings already seen */
    for (int i = 0; i < 3; i++) /* seen, and remembered as not matching "guests" */
        on_record(rs, rec(4624, OK_KW, T0, "SubjectUserSid", "S-1-5-21-0-1-1-501", (const char *)NULL));
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCOUNT_WATCHED, "guests", HA_SEVERITY_LOW), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "guests", HA_PARAM_ACCOUNT, "*-501"), HA_OK);
    a = on_record(rs, rec(4624, OK_KW, T0, "SubjectUserSid", "S-1-5-21-0-1-1-501", (const char *)NULL));
    CHECK_INT(a.n, 1);
    CHECK_STR(a.ids[0], "guests");
    /* and a pattern added to a rule counts for them too */
    CHECK_INT(ha_rules_add_string(rs, "admins", HA_PARAM_ACCOUNT, "S-1-5-21-0-*"), HA_OK);
    a = on_record(rs, rec(4624, OK_KW, T0, "SubjectUserSid", "S-1-5-21-0-1-1-501", (const char *)NULL));
    CHECK_INT(a.n, 2);
    ha_rules_free(rs);
}

static void test_objects(void)
{
    ha_rules *rs;
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add_defaults(rs), HA_OK);
    const char *cmd = "C:\\Windows\\System32\\cmd.exe";
    alerts a = on_sequence(rs, cmd, "File", "C:\\Windows\\System32\\config\\SAM", "0x2", 1);
    CHECK_INT(a.n, 1);
    CHECK_STR(a.ids[0], "sam-hive-write");
    CHECK_STR(a.reason, "C:\\Windows\\System32\\config\\SAM (\\Windows\\System32\\config\\SAM) was opened by "
                        "C:\\Windows\\System32\\cmd.exe for WriteData (or AddFile)");
    a = on_sequence(rs, cmd, "File", "\\Device\\HarddiskVolume2\\WINDOWS\\system32\\CONFIG\\sam", "0x10000", 1);
    CHECK_INT(a.n, 1);
    a = on_sequence(rs, cmd, "File", "C:\\Windows\\System32\\config\\SAM", "0x1", 1); /* read only */
    CHECK_INT(a.n, 0);
    a = on_sequence(rs, cmd, "File", "C:\\Windows\\System32\\config\\SAM.LOG1", "0x2", 1);
    CHECK_INT(a.n, 0);
    a = on_sequence(rs, cmd, "Key", "C:\\Windows\\System32\\config\\SAM", "0x2", 1); /* not a File */
    CHECK_INT(a.n, 0);
    /* reading LSASS's memory */
    const char *lsass = "\\Device\\HarddiskVolume3\\Windows\\System32\\lsass.exe";
    a = on_sequence(rs, "C:\\Windows\\System32\\procdump.exe", "Process", lsass, "0x1010", 1);
    CHECK_INT(a.n, 1);
    CHECK_STR(a.ids[0], "lsass-memory-read");
    CHECK(strstr(a.reason, "for Read from process memory") != NULL);
    a = on_sequence(rs, "C:\\Windows\\System32\\taskmgr.exe", "Process", lsass, "0x1000", 1);
    CHECK_INT(a.n, 0);
    /* a mask of 0: any access */
    CHECK_INT(ha_rules_add(rs, HA_RULE_OBJECT_WATCHED, "secrets", HA_SEVERITY_HIGH), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "secrets", HA_PARAM_OBJECT, "*\\Secrets\\*"), HA_OK);
    a = on_sequence(rs, cmd, "File", "D:\\secrets\\plan.docx", "0x80", 1);
    CHECK_INT(a.n, 1);
    CHECK(strstr(a.reason, "for ReadAttributes") != NULL);
    ha_rules_free(rs);
}

static void test_not_expected(void)
{
    ha_rules *rs;
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_PROCESS_NAME_NOT_EXPECTED, "lsass-openers", HA_SEVERITY_HIGH), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "lsass-openers", HA_PARAM_OBJECT, "*\\lsass.exe"), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "lsass-openers", HA_PARAM_PROCESS, "*\\MsMpEng.exe"), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "lsass-openers", HA_PARAM_PROCESS, "C:\\Windows\\System32\\svchost.exe"),
              HA_OK);
    const char *lsass = "C:\\Windows\\System32\\lsass.exe";
    alerts a = on_sequence(rs, "C:\\ProgramData\\x.exe", "Process", lsass, "0x10", 1);
    CHECK_INT(a.n, 1);
    CHECK_STR(a.reason, "C:\\Windows\\System32\\lsass.exe (*\\lsass.exe) was opened by C:\\ProgramData\\x.exe, "
                        "not an expected process");
    a = on_sequence(rs, "\\Device\\HarddiskVolume3\\Windows\\System32\\SVCHOST.exe", "Process", lsass, "0x10", 1);
    CHECK_INT(a.n, 0); /* the other volume form of an expected process */
    a = on_sequence(rs, "C:\\Program Files\\Windows Defender\\MsMpEng.exe", "Process", lsass, "0x10", 1);
    CHECK_INT(a.n, 0);
    a = on_sequence(rs, "C:\\ProgramData\\x.exe", "Process", "C:\\Windows\\System32\\winlogon.exe", "0x10", 1);
    CHECK_INT(a.n, 0);
    ha_rules_free(rs);
}

static void test_held_longer(void)
{
    ha_rules *rs;
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_HANDLE_HELD_LONGER_THAN, "long", HA_SEVERITY_LOW), HA_OK);
    CHECK_INT(ha_rules_set_number(rs, "long", HA_PARAM_DURATION_NS, UINT64_C(3600) * S), HA_OK);
    alerts a = on_sequence(rs, "C:\\x.exe", "File", "C:\\f", "0x1", 7300);
    CHECK_INT(a.n, 1);
    CHECK_STR(a.reason, "C:\\x.exe held C:\\f open for 2h01m40s (limit 1h00m00s)");
    a = on_sequence(rs, "C:\\x.exe", "File", "C:\\f", "0x1", 1800);
    CHECK_INT(a.n, 0);
    a = on_sequence(rs, "C:\\x.exe", "File", "C:\\f", "0x1", -1); /* still open at the end: no duration */
    CHECK_INT(a.n, 0);
    ha_rules_free(rs);
}

static ha_record *open_attempt(uint64_t kw, int64_t t, const char *pid, const char *handle, const char *object)
{
    return rec(4656, kw, t, "SubjectLogonId", "0x1", "ObjectType", "File", "ObjectName", object, "HandleId", handle,
               "AccessMask", "0x2", "ProcessId", pid, "ProcessName", "C:\\x.exe", (const char *)NULL);
}

static void test_access_after_failure(void)
{
    ha_rules *rs;
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add_defaults(rs), HA_OK); /* a 60 s window */
    const char *f = "C:\\Finance\\payroll.xlsx";
    CHECK_INT(on_record(rs, open_attempt(FAIL_KW, T0, "0x10", "0x0", f)).n, 0);
    alerts a = on_record(rs, open_attempt(OK_KW, T0 + 10 * S, "0x10", "0x44", f));
    CHECK_INT(a.n, 1);
    CHECK_STR(a.reason, "C:\\Finance\\payroll.xlsx was granted to C:\\x.exe 10.000 s after the same request failed");
    CHECK_INT(on_record(rs, open_attempt(OK_KW, T0 + 11 * S, "0x10", "0x48", f)).n, 0); /* once per failure */
    /* too late */
    CHECK_INT(on_record(rs, open_attempt(FAIL_KW, T0 + 100 * S, "0x10", "0x0", f)).n, 0);
    CHECK_INT(on_record(rs, open_attempt(OK_KW, T0 + 200 * S, "0x10", "0x44", f)).n, 0);
    /* another process, another object */
    CHECK_INT(on_record(rs, open_attempt(FAIL_KW, T0 + 300 * S, "0x10", "0x0", f)).n, 0);
    CHECK_INT(on_record(rs, open_attempt(OK_KW, T0 + 301 * S, "0x20", "0x44", f)).n, 0);
    CHECK_INT(on_record(rs, open_attempt(OK_KW, T0 + 302 * S, "0x10", "0x44", "C:\\Finance\\other.xlsx")).n, 0);
    /* a success keyword with HandleId 0 is a failure too */
    CHECK_INT(on_record(rs, open_attempt(OK_KW, T0 + 400 * S, "0x30", "0x0", f)).n, 0);
    CHECK_INT(on_record(rs, open_attempt(OK_KW, T0 + 401 * S, "0x30", "0x8", f)).n, 1);
    ha_rules_free(rs);
}

/* ha_rules_options: versions this library does not know are refused, and
 * max_failures bounds what access-after-failure remembers (oldest first). */
static void test_options(void)
{
    ha_rules_options o;
    CHECK_INT(ha_rules_options_init(&o, 0), HA_ERR_INVALID);
    CHECK_INT(ha_rules_options_init(&o, HA_RULES_OPTIONS_VERSION + 1), HA_ERR_INVALID);
    CHECK_INT(ha_rules_options_init(NULL, HA_RULES_OPTIONS_VERSION), HA_ERR_INVALID);
    memset(&o, 0x55, sizeof o);
    CHECK_INT(ha_rules_options_init(&o, HA_RULES_OPTIONS_VERSION), HA_OK);
    CHECK_INT(o.version, HA_RULES_OPTIONS_VERSION);
    CHECK(o.allocator == NULL);
    CHECK_INT(o.max_failures, 0);
    ha_rules *rs = (ha_rules *)&o;
    o.version = HA_RULES_OPTIONS_VERSION + 1;
    CHECK_INT(ha_rules_new(&o, &rs), HA_ERR_INVALID);
    CHECK(rs == NULL);
    o.version = 0;
    CHECK_INT(ha_rules_new(&o, &rs), HA_ERR_INVALID);
    CHECK_INT(ha_rules_new(&o, NULL), HA_ERR_INVALID);

    const char *f1 = "C:\\Finance\\a.xlsx", *f2 = "C:\\Finance\\b.xlsx";
    for (size_t max = 0; max <= 2; max++) {
        ha_rules_options opts = HA_RULES_OPTIONS_INIT;
        opts.max_failures = max; /* 0: the default, 65536 */
        CHECK_INT(ha_rules_new(&opts, &rs), HA_OK);
        CHECK_INT(ha_rules_add_defaults(rs), HA_OK);
        CHECK_INT(on_record(rs, open_attempt(FAIL_KW, T0, "0x10", "0x0", f1)).n, 0);
        CHECK_INT(on_record(rs, open_attempt(FAIL_KW, T0 + S, "0x10", "0x0", f2)).n, 0);
        /* with room for one failure, f2's pushed f1's out */
        CHECK_INT(on_record(rs, open_attempt(OK_KW, T0 + 2 * S, "0x10", "0x44", f1)).n, max == 1 ? 0 : 1);
        CHECK_INT(on_record(rs, open_attempt(OK_KW, T0 + 3 * S, "0x10", "0x48", f2)).n, 1);
        ha_rules_free(rs);
    }
}

static void test_names(void)
{
    CHECK_STR(ha_rule_kind_name(HA_RULE_OBJECT_WATCHED), "object-watched");
    CHECK_INT(ha_rule_kind_from_name("access-after-failure"), HA_RULE_ACCESS_AFTER_FAILURE);
    CHECK_INT(ha_rule_kind_from_name("nope"), 0);
    CHECK_STR(ha_severity_name(HA_SEVERITY_CRITICAL), "critical");
    CHECK(ha_severity_name((ha_severity)0) == NULL);
    ha_rules_free(NULL);
}

/* ---- the matcher against a plain reference, on random patterns and texts */

/* Code points of a UTF-8 string (valid here by construction). */
static size_t decode(const char *s, uint32_t *out)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        uint32_t c = *p;
        int k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
        if (k > 1)
            c &= 0x7Fu >> k;
        for (int i = 1; i < k; i++)
            c = c << 6 | (p[i] & 0x3F);
        out[n++] = c;
        p += k;
    }
    return n;
}

/* Backtracking by the definition: `*` any run, `?` one code point, other
 * code points equal once folded. */
static int ref_match(const uint32_t *p, size_t np, const uint32_t *t, size_t nt)
{
    if (np == 0)
        return nt == 0;
    if (p[0] == '*') {
        for (size_t k = 0; k <= nt; k++)
            if (ref_match(p + 1, np - 1, t + k, nt - k))
                return 1;
        return 0;
    }
    if (nt == 0)
        return 0;
    if (p[0] != '?' && hai_fold(p[0]) != hai_fold(t[0]))
        return 0;
    return ref_match(p + 1, np - 1, t + 1, nt - 1);
}

static void random_string(uint64_t *seed, char *out, int wild)
{
    /* ASCII in both cases, backslashes, Latin-1, Cyrillic, a 3-byte and a
     * 4-byte character: the byte pre-checks must never turn a match away */
    static const char *const pieces[] = {"a", "A", "b", "B", "\\", ".", ":", "\xc3\xa9", "\xc3\x89",
                                         "\xd0\xb6", "\xd0\x96", "\xe3\x83\x84", "\xf0\x9f\x98\x80",
                                         "*", "?"};
    size_t npieces = sizeof pieces / sizeof pieces[0] - (wild ? 0 : 2);
    *seed = *seed * 6364136223846793005u + 1442695040888963407u;
    int len = (int)(*seed >> 60) % 9; /* 0 to 8 pieces */
    out[0] = '\0';
    for (int i = 0; i < len; i++) {
        *seed = *seed * 6364136223846793005u + 1442695040888963407u;
        strcat(out, pieces[(*seed >> 33) % npieces]);
    }
}

static void test_match_against_reference(void)
{
    ha_allocator a;
    hai_allocator_init(&a, NULL);
    uint64_t seed = 42;
    long matches = 0, differ = 0;
    for (int i = 0; i < 200000; i++) {
        char pat[64], text[64];
        uint32_t pc[64], tc[64];
        random_string(&seed, pat, 1);
        random_string(&seed, text, 0);
        if (i % 4 == 0) /* a text made from the pattern: more matches to check */
            for (char *c = strcpy(text, pat); *c; c++)
                if (*c == '*' || *c == '?')
                    *c = 'A';
        hai_pattern p;
        CHECK_INT(hai_pattern_compile(&a, pat, &p), 0);
        int want = ref_match(pc, decode(pat, pc), tc, decode(text, tc));
        int got = hai_pattern_match(&p, text);
        matches += want;
        if (got != want && differ++ < 5)
            fprintf(stderr, "pattern '%s' text '%s': %d, the reference says %d\n", pat, text, got, want);
        hai_pattern_free(&a, &p);
    }
    CHECK(matches > 10000); /* the texts made from patterns do match */
    CHECK_INT(differ, 0);
}

/* From an alert callback, the rule set may not be changed or checked with
 * again (its loop and remembered answers are in use); getters are fine. */
static int meddle(const ha_alert *a, void *ud)
{
    ha_rules *rs = ud;
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCOUNT_WATCHED, "late", HA_SEVERITY_LOW), HA_ERR_INVALID);
    CHECK_INT(ha_rules_add_string(rs, "admins", HA_PARAM_ACCOUNT, "x"), HA_ERR_INVALID);
    CHECK_INT(ha_rules_set_number(rs, "retry", HA_PARAM_WINDOW_NS, 1), HA_ERR_INVALID);
    CHECK_INT(ha_rules_add_defaults(rs), HA_ERR_INVALID);
    CHECK_INT(ha_rules_check_record(rs, ha_alert_record(a), NULL, NULL), HA_ERR_INVALID);
    CHECK_STR(ha_diag_message(ha_rules_last_diag(rs)), "called from an alert callback");
    CHECK_STR(ha_alert_rule_id(a), "admins");
    return 7;
}

static void test_callback_refusals(void)
{
    ha_rules *rs;
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK(ha_rules_last_diag(rs) == NULL); /* nothing failed yet */
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCOUNT_WATCHED, "admins", HA_SEVERITY_MEDIUM), HA_OK);
    CHECK_INT(ha_rules_add_string(rs, "admins", HA_PARAM_ACCOUNT, "Administrator"), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCESS_AFTER_FAILURE, "retry", HA_SEVERITY_LOW), HA_OK);
    ha_record *r = rec(4624, OK_KW, T0, "SubjectUserName", "administrator", (const char *)NULL);
    CHECK_INT(ha_rules_check_record(rs, r, meddle, rs), 7); /* the callback's value */
    /* after the check, all is allowed again */
    CHECK_INT(ha_rules_add_string(rs, "admins", HA_PARAM_ACCOUNT, "root"), HA_OK);
    alerts a = on_record(rs, r);
    CHECK_INT(a.n, 1);
    ha_rules_free(rs);
}

/* Out of memory at each allocation in turn: a check says HA_ERR_NOMEM or
 * gives the right alerts, never a wrong one (a folder not known for want of
 * memory is not "outside the standard folders"). */
typedef struct {
    long n, fail_at;
} budget;
static void *b_malloc(size_t size, void *ctx)
{
    budget *b = ctx;
    return ++b->n == b->fail_at ? NULL : malloc(size);
}
static void *b_realloc(void *p, size_t size, void *ctx)
{
    budget *b = ctx;
    return ++b->n == b->fail_at ? NULL : realloc(p, size);
}
static void b_free(void *p, void *ctx)
{
    (void)ctx;
    free(p);
}

static void test_out_of_memory(void)
{
    int nomem = 0;
    for (long fail_at = 1; fail_at < 400; fail_at++) {
        budget b = {0, fail_at};
        ha_allocator a = {b_malloc, b_realloc, b_free, &b};
        ha_rules_options opts = HA_RULES_OPTIONS_INIT;
        opts.allocator = &a;
        ha_rules *rs;
        if (ha_rules_new(&opts, &rs) != HA_OK)
            continue;
        if (ha_rules_add_defaults(rs) == HA_OK) {
            alerts al = {0};
            ha_record *r = created("C:\\Windows\\System32\\x.exe");
            int rc = ha_rules_check_record(rs, r, on_alert, &al);
            ha_record_free(r);
            CHECK(rc == HA_OK || rc == HA_ERR_NOMEM);
            CHECK_INT(al.n, 0); /* a standard folder: never an alert */
            nomem += rc == HA_ERR_NOMEM;
            r = created("C:\\Users\\bob\\AppData\\Local\\Temp\\x.exe");
            al = (alerts){0};
            rc = ha_rules_check_record(rs, r, on_alert, &al);
            ha_record_free(r);
            CHECK(rc == HA_OK || rc == HA_ERR_NOMEM);
            CHECK(al.n <= 2); /* outside the standard folders, in a temp folder */
        }
        ha_rules_free(rs);
    }
    CHECK(nomem > 0); /* some failure did fall within the check */
}

int main(void)
{
    test_patterns();
    test_callback_refusals();
    test_out_of_memory();
    test_folders_and_names();
    test_accounts();
    test_objects();
    test_not_expected();
    test_held_longer();
    test_access_after_failure();
    test_options();
    test_names();
    test_match_against_reference();
    return check_done();
}
