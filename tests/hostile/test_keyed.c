/* The keyed hashes (lib/keyed.h):
 *  - SipHash-2-4 gives the reference vectors of its paper;
 *  - access-after-failure no longer confuses two requests: two ProcessIds
 *    whose FNV-1a digests (the unkeyed digest the rules used) are equal,
 *    found by Pollard's rho (gen_fnv_collision.c), made a failure of one
 *    and a success of the other a "retry" alert;
 *  - the output does not depend on the key: a stream read with two fixed
 *    keys and a random one gives byte-identical sequences, alerts and
 *    snapshots.
 *
 *   test_hostile_keyed STREAM.xml */
#define HA_EXPERIMENTAL_API
#include <handleaudit/experimental.h>

#include "check.h"
#include "keyed.h"

/* ---- SipHash-2-4, "SipHash: a fast short-input PRF", appendix A -------- */

static void vectors(void)
{
    hai_sipkey k = {UINT64_C(0x0706050403020100), UINT64_C(0x0f0e0d0c0b0a0908)};
    unsigned char m[64];
    for (int i = 0; i < 64; i++)
        m[i] = (unsigned char)i;
    CHECK_U64(hai_siphash24(&k, m, 15), UINT64_C(0xa129ca6149be45e5));
    CHECK_U64(hai_siphash24(&k, m, 0), UINT64_C(0x726fdb47dd0e0e31));
    CHECK_U64(hai_siphash24(&k, m, 8), UINT64_C(0x93f5f5799a932462));
    hai_sipkey other = {k.k0 ^ 1, k.k1};
    CHECK(hai_siphash13(&k, m, 15) != hai_siphash13(&other, m, 15));
    CHECK(hai_siphash13(&k, m, 15) != hai_siphash24(&k, m, 15));
    hai_sipkey r1, r2;
    CHECK_INT(hai_sipkey_random(&r1), 0);
    CHECK_INT(hai_sipkey_random(&r2), 0);
    CHECK(r1.k0 != r2.k0 || r1.k1 != r2.k1);
}

/* ---- a crafted FNV-1a collision --------------------------------------- */

static int count_alert(const ha_alert *a, void *ud)
{
    (void)a;
    ++*(int *)ud;
    return 0;
}

static ha_record *request(const char *pid, int failed, int64_t t)
{
    ha_record *r;
    CHECK_INT(ha_record_new(NULL, &r), HA_OK);
    ha_record_set_system(r, 4656, 1, failed ? UINT64_C(0x8010000000000000) : UINT64_C(0x8020000000000000), t, 1,
                         "WKS-07");
    ha_record_add_data(r, "SubjectLogonId", "0x3e7", 5);
    ha_record_add_data(r, "ObjectType", "File", 4);
    const char *object = "\\Device\\HarddiskVolume3\\secret.txt";
    ha_record_add_data(r, "ObjectName", object, strlen(object));
    ha_record_add_data(r, "HandleId", failed ? "0x0" : "0x44", failed ? 3 : 4);
    ha_record_add_data(r, "ProcessId", pid, strlen(pid));
    ha_record_add_data(r, "ProcessName", "C:\\x.exe", 8);
    return r;
}

/* alerts for a failure by `first` then a success by `second` */
static int retry_alerts(const char *first, const char *second)
{
    ha_rules *rs;
    CHECK_INT(ha_rules_new(NULL, &rs), HA_OK);
    CHECK_INT(ha_rules_add(rs, HA_RULE_ACCESS_AFTER_FAILURE, "retry", HA_SEVERITY_MEDIUM), HA_OK);
    CHECK_INT(ha_rules_set_number(rs, "retry", HA_PARAM_WINDOW_NS, UINT64_C(60000000000)), HA_OK);
    int n = 0;
    ha_record *a = request(first, 1, INT64_C(1767225600000000000)), *b = request(second, 0, INT64_C(1767225601000000000));
    CHECK_INT(ha_rules_check_record(rs, a, count_alert, &n), HA_OK);
    CHECK_INT(ha_rules_check_record(rs, b, count_alert, &n), HA_OK);
    ha_record_free(a);
    ha_record_free(b);
    ha_rules_free(rs);
    return n;
}

static void fnv_collision(void)
{
    /* FNV-1a-64 of (rule 0, "WKS-07", pid, the object) is d46c461ab8a2e2c8 for both */
    const char *pid1 = "0x845cfd9f08129b7a", *pid2 = "0x88def2e8dc0dd20e";
    CHECK_INT(retry_alerts(pid1, pid1), 1); /* the same process retrying: the alert */
    CHECK_INT(retry_alerts(pid1, pid2), 0); /* another process: none */
    CHECK_INT(retry_alerts(pid2, pid1), 0);
}

/* ---- output whatever the key ------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    ha_rules *rules;
} text;

static void add_text(text *t, const char *p, size_t n)
{
    if (t->n + n + 2 > t->cap) { /* geometric: a sanitizer's realloc always copies */
        t->cap = 2 * (t->n + n + 2);
        t->s = realloc(t->s, t->cap);
    }
    memcpy(t->s + t->n, p, n);
    t->n += n;
    t->s[t->n++] = '\n';
}

static int on_alert(const ha_alert *a, void *ud)
{
    char buf[1 << 14];
    size_t n = ha_alert_json(a, buf, sizeof buf);
    add_text(ud, buf, n < sizeof buf ? n : sizeof buf - 1);
    return 0;
}

static int on_seq(const ha_sequence *s, const ha_record *r, void *ud)
{
    (void)r;
    char buf[1 << 14];
    size_t n = ha_sequence_json(s, buf, sizeof buf);
    add_text(ud, buf, n < sizeof buf ? n : sizeof buf - 1);
    return 0;
}

static int on_end(const ha_sequence *s, const ha_record *r, void *ud)
{
    on_seq(s, r, ud);
    return ha_rules_check_sequence(((text *)ud)->rules, s, on_alert, ud);
}

typedef struct {
    ha_correlator *c;
    text *t;
} both;

static int on_record(const ha_record *r, void *ud)
{
    both *b = ud;
    int rc = ha_rules_check_record(b->t->rules, r, on_alert, b->t);
    return rc ? rc : ha_correlator_add(b->c, r);
}

/* key 0: random; else the fixed key (key, ~key) */
static text run(const char *data, size_t len, uint64_t key)
{
    text t = {NULL, 0, 0, NULL};
    CHECK_INT(ha_rules_new(NULL, &t.rules), HA_OK);
    CHECK_INT(ha_rules_add_defaults(t.rules), HA_OK);
    CHECK_INT(ha_rules_add(t.rules, HA_RULE_ACCESS_AFTER_FAILURE, "retry", HA_SEVERITY_LOW), HA_OK);
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_open = on_seq;
    co.on_access = on_seq;
    co.on_end = on_end;
    co.userdata = &t;
    co.reorder_window = 16;
    co.max_open = 500; /* evictions too */
    both b = {NULL, &t};
    CHECK_INT(ha_correlator_new(&co, &b.c), HA_OK);
    if (key) {
        CHECK_INT(hai_correlator_set_key(b.c, key, ~key), HA_OK);
        CHECK_INT(hai_rules_set_key(t.rules, ~key, key), HA_OK);
    }
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = on_record;
    ro.userdata = &b;
    ha_reader *rd;
    CHECK_INT(ha_reader_new(&ro, &rd), HA_OK);
    CHECK_INT(ha_reader_feed(rd, data, len / 2), HA_OK);
    size_t n = 0, m = 0;
    CHECK_INT(ha_correlator_save_buffer(b.c, NULL, 0, &n), HA_ERR_LIMIT); /* the snapshot midway, as bytes */
    char *snap = malloc(n);
    CHECK_INT(ha_correlator_save_buffer(b.c, snap, n, &m), HA_OK);
    add_text(&t, snap, n);
    free(snap);
    CHECK_INT(ha_reader_feed(rd, data + len / 2, len - len / 2), HA_OK);
    CHECK_INT(ha_reader_finish(rd), HA_OK);
    CHECK_INT(ha_correlator_flush(b.c), HA_OK);
    ha_reader_free(rd);
    ha_correlator_free(b.c);
    ha_rules_free(t.rules);
    return t;
}

static void same_output(const char *path)
{
    size_t len;
    char *data = read_whole(path, &len);
    CHECK(data != NULL);
    if (!data)
        return;
    text a = run(data, len, UINT64_C(0x0123456789abcdef)), b = run(data, len, UINT64_C(0xfedcba9876543210)),
         r = run(data, len, 0);
    CHECK(a.n > 10000);
    CHECK(a.n == b.n && memcmp(a.s, b.s, a.n) == 0);
    CHECK(a.n == r.n && memcmp(a.s, r.s, a.n) == 0);
    free(a.s);
    free(b.s);
    free(r.s);
    free(data);
}

int main(int argc, char **argv)
{
    vectors();
    fnv_collision();
    if (argc > 1)
        same_output(argv[1]);
    return check_done();
}
