/* The rules on arbitrary patterns and strings. The input's lines are the
 * words: the first ones become rules' patterns (objects, processes, folders,
 * substrings, accounts), the rest the images, objects and accounts of
 * records and of the sequences a correlator makes of them.
 * Oracle: every alert's JSON is valid and carries its own record's or
 * sequence's keys; the answers a rule set remembers from earlier checks
 * never change an alert: each check gives the same alerts as a fresh rule
 * set with the same rules. */
#include <string.h>

#define HA_EXPERIMENTAL_API
#include <handleaudit/experimental.h>

#include "fuzz.h"
#include "json_check.h"

#define MAX_WORDS 64
#define MAX_ALERTS 64

typedef struct {
    int n;
    char seen[MAX_ALERTS][96]; /* rule id and reason, cut */
} alerts;

static int on_alert(const ha_alert *a, void *ud)
{
    alerts *al = ud;
    static char buf[1 << 16];
    size_t n = ha_alert_json(a, buf, sizeof buf);
    FUZZ_ASSERT(n < sizeof buf && json_valid(buf, n));
    const ha_sequence *s = ha_alert_sequence(a);
    FUZZ_ASSERT((s == NULL) != (ha_alert_record(a) == NULL));
    if (s) { /* its own sequence's keys */
        static char sj[1 << 16];
        size_t sn = ha_sequence_json(s, sj, sizeof sj);
        const char *body = strstr(buf, "\"matched\":\"sequence\"");
        FUZZ_ASSERT(sn < sizeof sj && body && strcmp(body + 20, sj + 18) == 0);
    }
    if (al->n < MAX_ALERTS)
        snprintf(al->seen[al->n], sizeof al->seen[0], "%s|%s", ha_alert_rule_id(a), ha_alert_reason(a));
    al->n++;
    return 0;
}

static void same(const alerts *x, const alerts *y)
{
    FUZZ_ASSERT(x->n == y->n);
    for (int i = 0; i < x->n && i < MAX_ALERTS; i++)
        FUZZ_ASSERT(strcmp(x->seen[i], y->seen[i]) == 0);
}

/* The rule set the input's first words describe. */
static ha_rules *make_rules(char *const *w, int nw)
{
    ha_rules *rs;
    FUZZ_ASSERT(ha_rules_new(NULL, &rs) == HA_OK);
    FUZZ_ASSERT(ha_rules_add_defaults(rs) == HA_OK);
    static const struct {
        ha_rule_kind kind;
        const char *id;
        ha_rule_param param;
    } site[] = {
        {HA_RULE_PROCESS_NAME_NOT_EXPECTED, "ne", HA_PARAM_OBJECT},
        {HA_RULE_PROCESS_NAME_NOT_EXPECTED, "ne", HA_PARAM_PROCESS},
        {HA_RULE_OBJECT_WATCHED, "ow", HA_PARAM_OBJECT},
        {HA_RULE_PROCESS_IN_RESTRICTED_FOLDER, "rf", HA_PARAM_FOLDER},
        {HA_RULE_PROCESS_NOT_IN_STANDARD_FOLDER, "sf", HA_PARAM_FOLDER},
        {HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING, "ss", HA_PARAM_SUBSTRING},
        {HA_RULE_ACCOUNT_WATCHED, "aw", HA_PARAM_ACCOUNT},
    };
    for (size_t k = 0; k < sizeof site / sizeof site[0]; k++)
        ha_rules_add(rs, site[k].kind, site[k].id, HA_SEVERITY_LOW); /* "ne" twice: refused once */
    ha_rules_add(rs, HA_RULE_HANDLE_HELD_LONGER_THAN, "hl", HA_SEVERITY_LOW);
    ha_rules_set_number(rs, "hl", HA_PARAM_DURATION_NS, 1000);
    for (int i = 0; i < nw && i < 14; i++) /* two patterns for each */
        FUZZ_ASSERT(ha_rules_add_string(rs, site[i / 2].id, site[i / 2].param, w[i]) == HA_OK);
    return rs;
}

static ha_record *record(uint32_t id, int64_t t, const char *image, const char *object, const char *account,
                         uint32_t handle)
{
    ha_record *r;
    FUZZ_ASSERT(ha_record_new(NULL, &r) == HA_OK);
    FUZZ_ASSERT(ha_record_set_system(r, id, 1, handle & 1 ? UINT64_C(0x8010000000000000) : UINT64_C(0x8020000000000000),
                                     t, 1, "H") == HA_OK);
    char v[24];
    snprintf(v, sizeof v, "0x%x", handle);
    ha_record_add_data(r, "SubjectLogonId", "0x1", 3);
    ha_record_add_data(r, "SubjectUserSid", account, strlen(account));
    ha_record_add_data(r, "TargetUserName", account, strlen(account));
    ha_record_add_data(r, "ProcessId", "0x4", 3);
    if (id == 4688) {
        ha_record_add_data(r, "NewProcessId", v, strlen(v));
        ha_record_add_data(r, "NewProcessName", image, strlen(image));
    } else {
        ha_record_add_data(r, "HandleId", v, strlen(v));
        ha_record_add_data(r, "ProcessName", image, strlen(image));
        ha_record_add_data(r, "ObjectType", handle & 2 ? "File" : "Key", handle & 2 ? 4 : 3);
        ha_record_add_data(r, "ObjectName", object, strlen(object));
        ha_record_add_data(r, "AccessMask", "0x10006", 7);
    }
    return r;
}

typedef struct {
    ha_rules *warm;
    char *const *w;
    int nw;
} seq_ctx;

static int on_end(const ha_sequence *s, const ha_record *r, void *ud)
{
    (void)r;
    seq_ctx *c = ud;
    alerts a = {0}, b = {0};
    FUZZ_ASSERT(ha_rules_check_sequence(c->warm, s, on_alert, &a) == HA_OK);
    ha_rules *cold = make_rules(c->w, c->nw);
    FUZZ_ASSERT(ha_rules_check_sequence(cold, s, on_alert, &b) == HA_OK);
    ha_rules_free(cold);
    same(&a, &b);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    FUZZ_ASSERT(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0'; /* a NUL inside ends that word early */
    char *w[MAX_WORDS];
    int nw = 0;
    for (char *p = text; nw < MAX_WORDS;) {
        w[nw++] = p;
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    int npat = nw < 14 ? nw / 2 : 14; /* the first words are patterns, the rest strings */
    ha_rules *warm = make_rules(w, npat);
    seq_ctx ctx = {warm, w, npat};
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_end = on_end;
    o.userdata = &ctx;
    ha_correlator *c;
    FUZZ_ASSERT(ha_correlator_new(&o, &c) == HA_OK);
    int64_t t = INT64_C(1767225600) * 1000000000;
    int ns = nw - npat;
    for (int i = 0; ns > 0 && i < 3 * ns && i < 32; i++) { /* each also checked by a fresh rule set: slow */
        const char *image = w[npat + i % ns], *object = w[npat + (i + 1) % ns], *account = w[npat + (i + 2) % ns];
        static const uint32_t ids[] = {4688, 4656, 4656, 4658};
        uint32_t id = ids[(unsigned char)image[0] % 4];
        ha_record *r = record(id, t + i * 1000000, image, object, account, (uint32_t)(i % 6));
        alerts a = {0}, b = {0};
        FUZZ_ASSERT(ha_rules_check_record(warm, r, on_alert, &a) == HA_OK);
        ha_rules *cold = make_rules(w, npat);
        FUZZ_ASSERT(ha_rules_check_record(cold, r, on_alert, &b) == HA_OK);
        ha_rules_free(cold);
        if (id != 4656) /* access-after-failure remembers earlier records: a fresh set cannot agree */
            same(&a, &b);
        int rc = ha_correlator_add(c, r);
        FUZZ_ASSERT(rc == HA_OK);
        ha_record_free(r);
    }
    FUZZ_ASSERT(ha_correlator_flush(c) == HA_OK);
    ha_correlator_free(c);
    ha_rules_free(warm);
    free(text);
    return 0;
}
