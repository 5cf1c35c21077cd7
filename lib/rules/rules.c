/* Rules and alerts: Microsoft's monitoring recommendations for these events
 * (docs/rules.md maps each kind to the guidance it comes from). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define HA_EXPERIMENTAL_API
#include "handleaudit/experimental.h"

#include "correlate.h"
#include "output/json.h"
#include "match.h"
#include "record.h"

#define MAX_MEMO 4096 /* strings whose answers are remembered */

typedef struct {
    hai_path_pattern *v;
    size_t n, cap;
} path_list;

typedef struct {
    hai_pattern *v;
    char **text; /* as given, for reasons */
    size_t n, cap;
} plain_list;

struct rule {
    char *id;
    ha_rule_kind kind;
    ha_severity severity;
    path_list objects, processes, folders;
    plain_list substrings, accounts, types;
    char **object_text, **process_text, **folder_text;
    int defaults; /* the folders (or substrings) are the defaults, replaced by the first one added */
    uint64_t mask, duration, window;
};

/* The lists a string is checked against; a rule uses some of them. */
enum list { L_OBJECTS, L_PROCESSES, L_FOLDERS, L_SUBSTRINGS, L_ACCOUNTS, NLISTS };

/* A string (an image, an object, an account) and its answer for each rule's
 * lists: a log names the same few again and again, so each is matched once.
 * Up to MAX_MEMO of them are kept: a check that might go past that forgets
 * them all first (never during a check, whose strings point at theirs).
 * Adding to the rules forgets them too; that is refused during a check. */
struct memo {
    UT_hash_handle hh;
    uint32_t *ans; /* [rule * NLISTS + list]: 0 not known yet, 1 none, 2 + the pattern's index */
    char s[];      /* the key; ans follows it in the same block */
};

/* A failed open, keyed by a digest of (rule, computer, process, object). */
struct failure {
    UT_hash_handle hh;
    uint64_t key;
    int64_t time;
    hai_link by_age; /* in ha_rules' `ages`, oldest first */
};

/* Complete before the callback gets it; read through the getters only (its
 * JSON is made from them by the output layer, output/jsonl.c). */
struct ha_alert {
    const struct rule *rule;
    const char *reason;
    const ha_record *rec;
    const ha_sequence *seq;
};

struct ha_rules {
    ha_allocator alloc;
    hai_sipkey key; /* of the tables and the failures' digests (keyed.h) */
    struct rule *v;
    size_t n, cap;
    struct failure *failures;
    hai_list ages; /* the failures, oldest first */
    size_t nfailures, max_failures;
    struct memo *memo;
    size_t nmemo;
    int checking; /* in a check: its callback may not change the rules */
    hai_buf reason, scratch;
    ha_alert alert;
    int oom;
    ha_diag diag; /* the last failure's (ha_rules_last_diag) */
    int have_diag;
};

static const char *const kind_names[] = {
    NULL,
    "process-name-not-expected",
    "process-not-in-standard-folder",
    "process-in-restricted-folder",
    "process-name-restricted-substring",
    "account-watched",
    "object-watched",
    "handle-held-longer-than",
    "access-after-failure",
};
static const char *const severity_names[] = {NULL, "info", "low", "medium", "high", "critical"};

static const char *const standard_folders[] = {"\\Windows\\", "\\Windows\\System32\\*", "\\Windows\\SysWOW64\\*",
                                               "\\Program Files\\*", "\\Program Files (x86)\\*", NULL};
static const char *const restricted_folders[] = {"*\\AppData\\Local\\Temp\\*", "*\\Local Settings\\Temp\\*",
                                                 "*\\Temporary Internet Files\\*", "*\\INetCache\\*",
                                                 "\\Windows\\Temp\\*", NULL};
static const char *const restricted_substrings[] = {"mimikatz", "cain.exe", NULL};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *ha_rule_kind_name(ha_rule_kind kind)
{
    return (unsigned)kind < COUNT(kind_names) ? kind_names[kind] : NULL;
}

ha_rule_kind ha_rule_kind_from_name(const char *name)
{
    for (size_t i = 1; name && i < COUNT(kind_names); i++)
        if (strcmp(kind_names[i], name) == 0)
            return (ha_rule_kind)i;
    return (ha_rule_kind)0;
}

const char *ha_severity_name(ha_severity s)
{
    return (unsigned)s < COUNT(severity_names) ? severity_names[s] : NULL;
}

/* ---- building --------------------------------------------------------------- */

int ha_rules_options_init(ha_rules_options *opts, unsigned int version)
{
    if (!opts || version == 0 || version > HA_RULES_OPTIONS_VERSION)
        return HA_ERR_INVALID;
    ha_rules_options init = HA_RULES_OPTIONS_INIT;
    init.version = version;
    *opts = init; /* version 1 is the whole struct */
    return HA_OK;
}

int ha_rules_new(const ha_rules_options *opts, ha_rules **out)
{
    ha_rules_options defaults = HA_RULES_OPTIONS_INIT;
    if (!out)
        return HA_ERR_INVALID;
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version == 0 || opts->version > HA_RULES_OPTIONS_VERSION)
        return HA_ERR_INVALID;
    ha_allocator a;
    hai_allocator_init(&a, opts->allocator);
    ha_rules *rs = hai_calloc(&a, 1, sizeof *rs);
    if (!rs)
        return HA_ERR_NOMEM;
    rs->alloc = a;
    rs->max_failures = opts->max_failures ? opts->max_failures : HA_DEFAULT_MAX_FAILURES;
    if (hai_sipkey_random(&rs->key) != 0) {
        hai_free(&a, rs);
        return HA_ERR_IO;
    }
    *out = rs;
    return HA_OK;
}

int hai_rules_set_key(ha_rules *rs, uint64_t k0, uint64_t k1)
{
    if (!rs || rs->memo || rs->failures)
        return HA_ERR_INVALID;
    rs->key.k0 = k0;
    rs->key.k1 = k1;
    return HA_OK;
}

static void free_texts(const ha_allocator *a, char **t, size_t n)
{
    for (size_t i = 0; t && i < n; i++)
        hai_free(a, t[i]);
    hai_free(a, t);
}

static void free_paths(const ha_allocator *a, path_list *l, char **text)
{
    for (size_t i = 0; i < l->n; i++)
        hai_path_pattern_free(a, &l->v[i]);
    free_texts(a, text, l->n);
    hai_free(a, l->v);
    memset(l, 0, sizeof *l);
}

static void free_plain(const ha_allocator *a, plain_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        hai_pattern_free(a, &l->v[i]);
    free_texts(a, l->text, l->n);
    hai_free(a, l->v);
    memset(l, 0, sizeof *l);
}

static void forget_memo(ha_rules *rs)
{
    struct memo *m, *tmp;
    HASH_ITER(hh, rs->memo, m, tmp) {
        HAI_HASH_DEL(&rs->alloc, rs->memo, m);
        hai_free(&rs->alloc, m);
    }
    rs->nmemo = 0;
}

void ha_rules_free(ha_rules *rs)
{
    if (!rs)
        return;
    const ha_allocator *a = &rs->alloc;
    for (size_t i = 0; i < rs->n; i++) {
        struct rule *r = &rs->v[i];
        hai_free(a, r->id);
        free_paths(a, &r->objects, r->object_text);
        free_paths(a, &r->processes, r->process_text);
        free_paths(a, &r->folders, r->folder_text);
        free_plain(a, &r->substrings);
        free_plain(a, &r->accounts);
        free_plain(a, &r->types);
    }
    hai_free(a, rs->v);
    struct failure *f, *tmp;
    HASH_ITER(hh, rs->failures, f, tmp) {
        HAI_HASH_DEL(&rs->alloc, rs->failures, f);
        hai_free(a, f);
    }
    forget_memo(rs);
    hai_buf_free(&rs->reason, a);
    hai_buf_free(&rs->scratch, a);
    ha_allocator copy = rs->alloc;
    hai_free(&copy, rs);
}

static char *dup_str(const ha_allocator *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = hai_malloc(a, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static struct rule *find_rule(ha_rules *rs, const char *id)
{
    for (size_t i = 0; id && i < rs->n; i++)
        if (strcmp(rs->v[i].id, id) == 0)
            return &rs->v[i];
    return NULL;
}

static int add_path(ha_rules *rs, path_list *l, char ***text, const char *s)
{
    const ha_allocator *a = &rs->alloc;
    forget_memo(rs);
    void *v = l->v, *t = *text;
    size_t cap = l->cap, tcap = l->cap;
    if (hai_grow(a, &v, &cap, l->n + 1, sizeof *l->v) != 0)
        return HA_ERR_NOMEM;
    l->v = v;
    if (hai_grow(a, &t, &tcap, l->n + 1, sizeof **text) != 0)
        return HA_ERR_NOMEM;
    *text = t;
    l->cap = cap < tcap ? cap : tcap;
    char *copy = dup_str(a, s);
    if (!copy || hai_path_pattern_compile(a, s, &l->v[l->n]) != 0) {
        hai_free(a, copy);
        return HA_ERR_NOMEM;
    }
    (*text)[l->n++] = copy;
    return HA_OK;
}

static int add_plain(ha_rules *rs, plain_list *l, const char *s)
{
    const ha_allocator *a = &rs->alloc;
    forget_memo(rs);
    void *v = l->v, *t = l->text;
    size_t cap = l->cap, tcap = l->cap;
    if (hai_grow(a, &v, &cap, l->n + 1, sizeof *l->v) != 0)
        return HA_ERR_NOMEM;
    l->v = v;
    if (hai_grow(a, &t, &tcap, l->n + 1, sizeof *l->text) != 0)
        return HA_ERR_NOMEM;
    l->text = t;
    l->cap = cap < tcap ? cap : tcap;
    char *copy = dup_str(a, s);
    if (!copy || hai_pattern_compile(a, s, &l->v[l->n]) != 0) {
        hai_free(a, copy);
        return HA_ERR_NOMEM;
    }
    l->text[l->n++] = copy;
    return HA_OK;
}

static int add_rule(ha_rules *rs, ha_rule_kind kind, const char *id, ha_severity severity)
{
    if (!rs || rs->checking || !id || !*id || !ha_rule_kind_name(kind) || !ha_severity_name(severity) || find_rule(rs, id))
        return HA_ERR_INVALID;
    forget_memo(rs); /* its answers have room for the rules so far */
    void *v = rs->v;
    if (hai_grow(&rs->alloc, &v, &rs->cap, rs->n + 1, sizeof *rs->v) != 0)
        return HA_ERR_NOMEM;
    rs->v = v;
    struct rule *r = &rs->v[rs->n];
    memset(r, 0, sizeof *r);
    r->id = dup_str(&rs->alloc, id);
    if (!r->id)
        return HA_ERR_NOMEM;
    r->kind = kind;
    r->severity = severity;
    r->window = UINT64_C(60) * 1000000000; /* access-after-failure */
    rs->n++;
    int rc = HA_OK;
    const char *const *defaults = kind == HA_RULE_PROCESS_NOT_IN_STANDARD_FOLDER ? standard_folders
                                  : kind == HA_RULE_PROCESS_IN_RESTRICTED_FOLDER ? restricted_folders
                                                                                 : NULL;
    for (size_t i = 0; defaults && defaults[i] && rc == HA_OK; i++)
        rc = add_path(rs, &r->folders, &r->folder_text, defaults[i]);
    r->defaults = defaults != NULL;
    for (size_t i = 0; kind == HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING && restricted_substrings[i] && rc == HA_OK;
         i++)
        rc = add_plain(rs, &r->substrings, restricted_substrings[i]);
    r->defaults |= kind == HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING;
    return rc;
}

static int add_string(ha_rules *rs, const char *id, ha_rule_param param, const char *value)
{
    struct rule *r = rs && !rs->checking ? find_rule(rs, id) : NULL;
    if (!r || !value)
        return HA_ERR_INVALID;
    ha_rule_kind k = r->kind;
    switch (param) {
    case HA_PARAM_OBJECT:
        if (k != HA_RULE_PROCESS_NAME_NOT_EXPECTED && k != HA_RULE_OBJECT_WATCHED)
            return HA_ERR_INVALID;
        return add_path(rs, &r->objects, &r->object_text, value);
    case HA_PARAM_PROCESS:
        if (k != HA_RULE_PROCESS_NAME_NOT_EXPECTED)
            return HA_ERR_INVALID;
        return add_path(rs, &r->processes, &r->process_text, value);
    case HA_PARAM_FOLDER:
        if (k != HA_RULE_PROCESS_NOT_IN_STANDARD_FOLDER && k != HA_RULE_PROCESS_IN_RESTRICTED_FOLDER)
            return HA_ERR_INVALID;
        if (r->defaults) { /* the first folder given replaces the defaults */
            free_paths(&rs->alloc, &r->folders, r->folder_text);
            r->folder_text = NULL;
            r->defaults = 0;
        }
        return add_path(rs, &r->folders, &r->folder_text, value);
    case HA_PARAM_SUBSTRING:
        if (k != HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING)
            return HA_ERR_INVALID;
        if (r->defaults) {
            free_plain(&rs->alloc, &r->substrings);
            r->defaults = 0;
        }
        return add_plain(rs, &r->substrings, value);
    case HA_PARAM_ACCOUNT:
        if (k != HA_RULE_ACCOUNT_WATCHED)
            return HA_ERR_INVALID;
        return add_plain(rs, &r->accounts, value);
    case HA_PARAM_OBJECT_TYPE:
        if (k != HA_RULE_OBJECT_WATCHED)
            return HA_ERR_INVALID;
        return add_plain(rs, &r->types, value);
    default:
        return HA_ERR_INVALID;
    }
}

static int set_number(ha_rules *rs, const char *id, ha_rule_param param, uint64_t value)
{
    struct rule *r = rs && !rs->checking ? find_rule(rs, id) : NULL;
    if (!r)
        return HA_ERR_INVALID;
    if (param == HA_PARAM_ACCESS_MASK && r->kind == HA_RULE_OBJECT_WATCHED)
        r->mask = value;
    else if (param == HA_PARAM_DURATION_NS && r->kind == HA_RULE_HANDLE_HELD_LONGER_THAN)
        r->duration = value;
    else if (param == HA_PARAM_WINDOW_NS && r->kind == HA_RULE_ACCESS_AFTER_FAILURE)
        r->window = value;
    else
        return HA_ERR_INVALID;
    return HA_OK;
}

/* ---- errors: what went wrong, in the rule set's diagnostic ---------------- */

HAI_PRINTF(3, 4)
static int rules_fail(ha_rules *rs, int code, const char *fmt, ...)
{
    hai_diag_set(&rs->diag, code, 0, NULL);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rs->diag.text, sizeof rs->diag.text, fmt, ap);
    va_end(ap);
    rs->diag.message = rs->diag.text;
    rs->have_diag = 1;
    return code;
}

static const char *param_name(ha_rule_param p)
{
    static const char *const names[] = {NULL,         "object",      "process",  "folder", "substring",
                                        "account",    "access mask", "duration", "window", "object type"};
    return (unsigned)p < COUNT(names) && names[p] ? names[p] : "unknown";
}

/* Why a call on rule `id` with parameter `param` failed with `rc`. */
static int param_fail(ha_rules *rs, int rc, const char *id, ha_rule_param param)
{
    const struct rule *r = rs->checking ? NULL : find_rule(rs, id);
    if (rs->checking)
        return rules_fail(rs, rc, "called from an alert callback");
    if (!r)
        return rules_fail(rs, rc, "no rule \"%s\"", id ? id : "(null)");
    if (rc == HA_ERR_NOMEM)
        return rules_fail(rs, rc, "out of memory adding to rule \"%s\"", id);
    return rules_fail(rs, rc, "rule \"%s\" (%s) has no %s parameter%s", id, ha_rule_kind_name(r->kind),
                      param_name(param), param == HA_PARAM_ACCESS_MASK || param == HA_PARAM_DURATION_NS ||
                      param == HA_PARAM_WINDOW_NS ? "" : ", or no value was given");
}

int ha_rules_add(ha_rules *rs, ha_rule_kind kind, const char *id, ha_severity severity)
{
    int rc = add_rule(rs, kind, id, severity);
    if (rc == HA_OK || !rs)
        return rc;
    if (rs->checking)
        return rules_fail(rs, rc, "called from an alert callback");
    if (!id || !*id)
        return rules_fail(rs, rc, "a rule needs an id");
    if (!ha_rule_kind_name(kind))
        return rules_fail(rs, rc, "rule \"%s\": unknown kind %d", id, (int)kind);
    if (!ha_severity_name(severity))
        return rules_fail(rs, rc, "rule \"%s\": unknown severity %d", id, (int)severity);
    if (rc == HA_ERR_NOMEM)
        return rules_fail(rs, rc, "out of memory adding rule \"%s\"", id);
    return rules_fail(rs, rc, "rule id \"%s\" is taken", id);
}

int ha_rules_add_string(ha_rules *rs, const char *id, ha_rule_param param, const char *value)
{
    int rc = add_string(rs, id, param, value);
    return rc == HA_OK || !rs ? rc : param_fail(rs, rc, id, param);
}

int ha_rules_set_number(ha_rules *rs, const char *id, ha_rule_param param, uint64_t value)
{
    int rc = set_number(rs, id, param, value);
    return rc == HA_OK || !rs ? rc : param_fail(rs, rc, id, param);
}

const ha_diag *ha_rules_last_diag(const ha_rules *rs)
{
    return rs && rs->have_diag ? &rs->diag : NULL;
}

int ha_rules_add_defaults(ha_rules *rs)
{
    if (!rs || rs->checking)
        return HA_ERR_INVALID;
    static const struct {
        ha_rule_kind kind;
        const char *id;
        ha_severity severity;
    } simple[] = {
        {HA_RULE_PROCESS_NOT_IN_STANDARD_FOLDER, "process-not-in-standard-folder", HA_SEVERITY_MEDIUM},
        {HA_RULE_PROCESS_IN_RESTRICTED_FOLDER, "process-in-restricted-folder", HA_SEVERITY_HIGH},
        {HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING, "process-name-restricted-substring", HA_SEVERITY_CRITICAL},
        {HA_RULE_ACCESS_AFTER_FAILURE, "access-after-failure", HA_SEVERITY_MEDIUM},
    };
    int rc = HA_OK;
    for (size_t i = 0; i < COUNT(simple) && rc == HA_OK; i++)
        if (!find_rule(rs, simple[i].id))
            rc = ha_rules_add(rs, simple[i].kind, simple[i].id, simple[i].severity);
    if (rc == HA_OK && !find_rule(rs, "sam-hive-write")) {
        /* writing or deleting the SAM, SECURITY or SYSTEM hive file */
        rc = ha_rules_add(rs, HA_RULE_OBJECT_WATCHED, "sam-hive-write", HA_SEVERITY_CRITICAL);
        static const char *const hives[] = {"\\Windows\\System32\\config\\SAM", "\\Windows\\System32\\config\\SECURITY",
                                            "\\Windows\\System32\\config\\SYSTEM"};
        for (size_t i = 0; i < COUNT(hives) && rc == HA_OK; i++)
            rc = ha_rules_add_string(rs, "sam-hive-write", HA_PARAM_OBJECT, hives[i]);
        if (rc == HA_OK) /* WriteData, AppendData, DELETE, WRITE_DAC, WRITE_OWNER */
            rc = ha_rules_set_number(rs, "sam-hive-write", HA_PARAM_ACCESS_MASK, 0xD0006);
        if (rc == HA_OK)
            rc = ha_rules_add_string(rs, "sam-hive-write", HA_PARAM_OBJECT_TYPE, "File");
    }
    if (rc == HA_OK && !find_rule(rs, "lsass-memory-read")) {
        /* reading LSASS's memory: credential dumping (PROCESS_VM_READ) */
        rc = ha_rules_add(rs, HA_RULE_OBJECT_WATCHED, "lsass-memory-read", HA_SEVERITY_HIGH);
        if (rc == HA_OK)
            rc = ha_rules_add_string(rs, "lsass-memory-read", HA_PARAM_OBJECT, "*\\lsass.exe");
        if (rc == HA_OK)
            rc = ha_rules_add_string(rs, "lsass-memory-read", HA_PARAM_OBJECT_TYPE, "Process");
        if (rc == HA_OK)
            rc = ha_rules_set_number(rs, "lsass-memory-read", HA_PARAM_ACCESS_MASK, 0x10);
    }
    return rc;
}

/* ---- evaluating ------------------------------------------------------------ */

static int say(ha_rules *rs, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(rs->reason.data, rs->reason.cap, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n >= rs->reason.cap) {
        rs->reason.len = 0;
        if (hai_buf_reserve(&rs->reason, &rs->alloc, (size_t)n + 1) != 0) {
            rs->oom = 1;
            return -1;
        }
        va_start(ap, fmt);
        vsnprintf(rs->reason.data, rs->reason.cap, fmt, ap);
        va_end(ap);
    }
    return 0;
}

static int alert(ha_rules *rs, const struct rule *r, const ha_record *rec, const ha_sequence *seq,
                 ha_alert_cb cb, void *ud)
{
    if (!cb)
        return 0;
    rs->alert.rule = r;
    rs->alert.reason = rs->reason.data ? rs->reason.data : "";
    rs->alert.rec = rec;
    rs->alert.seq = seq;
    return cb(&rs->alert, ud);
}

static int any_path(const path_list *l, const char *s, size_t *which)
{
    for (size_t i = 0; i < l->n; i++)
        if (hai_path_pattern_match(&l->v[i], s)) {
            if (which)
                *which = i;
            return 1;
        }
    return 0;
}

static int any_plain(const plain_list *l, const char *s, size_t *which)
{
    for (size_t i = 0; i < l->n; i++)
        if (hai_pattern_match(&l->v[i], s)) {
            if (which)
                *which = i;
            return 1;
        }
    return 0;
}

/* The memo entry of `s`, made if new; NULL when out of memory (the answers
 * are then worked out each time). */
static struct memo *memo_of(ha_rules *rs, const char *s)
{
    size_t len = strlen(s);
    struct memo *m;
    HAI_HASH_FIND(&rs->key, rs->memo, s, len, m);
    if (m)
        return m;
    if (rs->nmemo >= MAX_MEMO) /* never: each check makes room first */
        return NULL;
    size_t at = (sizeof *m + len + 1 + 3) & ~(size_t)3, nans = rs->n * NLISTS;
    m = hai_malloc(&rs->alloc, at + nans * sizeof *m->ans);
    if (!m)
        return NULL;
    memcpy(m->s, s, len + 1);
    m->ans = (uint32_t *)(void *)((char *)m + at);
    memset(m->ans, 0, nans * sizeof *m->ans);
    int failed;
    HAI_HASH_ADD_KEYPTR(&rs->alloc, &rs->key, rs->memo, m->s, len, m, failed);
    if (failed) {
        hai_free(&rs->alloc, m);
        return NULL;
    }
    rs->nmemo++;
    return m;
}

/* A string whose memo entry is looked up when first needed. */
struct lazy {
    const char *s;
    struct memo *m;
    int looked;
};

static struct memo *lazy_memo(ha_rules *rs, struct lazy *l)
{
    if (!l->looked) {
        l->looked = 1;
        l->m = memo_of(rs, l->s);
    }
    return l->m;
}

static int any_contains(const plain_list *l, const char *s, size_t *which)
{
    for (size_t i = 0; i < l->n; i++)
        if (hai_pattern_contains(&l->v[i], s)) {
            *which = i;
            return 1;
        }
    return 0;
}

/* Whether `s` is in list `k` of rule `ri`, and at which pattern: remembered
 * in `s`'s memo entry. The folders are matched on the folder of `s` (its
 * backslash included), the substrings on its last part. */
static int listed(ha_rules *rs, size_t ri, enum list k, struct lazy *l, size_t *which)
{
    struct memo *m = lazy_memo(rs, l);
    uint32_t *a = m ? &m->ans[ri * NLISTS + k] : NULL;
    if (a && *a) {
        if (*a == 1)
            return 0;
        *which = *a - 2;
        return 1;
    }
    const struct rule *r = &rs->v[ri];
    const char *s = l->s, *slash;
    size_t w = 0;
    int hit = 0;
    switch (k) {
    case L_OBJECTS:
        hit = any_path(&r->objects, s, &w);
        break;
    case L_PROCESSES:
        hit = any_path(&r->processes, s, &w);
        break;
    case L_FOLDERS:
        if ((slash = strrchr(s, '\\')) != NULL) {
            size_t n = (size_t)(slash - s) + 1;
            rs->scratch.len = 0;
            if (hai_buf_reserve(&rs->scratch, &rs->alloc, n + 1) != 0) {
                rs->oom = 1;
                return 0;
            }
            memcpy(rs->scratch.data, s, n);
            rs->scratch.data[n] = '\0';
            hit = any_path(&r->folders, rs->scratch.data, &w);
        }
        break;
    case L_SUBSTRINGS:
        slash = strrchr(s, '\\');
        hit = any_contains(&r->substrings, slash ? slash + 1 : s, &w);
        break;
    default:
        hit = any_plain(&r->accounts, s, &w);
        break;
    }
    if (a && w < UINT32_MAX - 2)
        *a = hit ? (uint32_t)w + 2 : 1;
    *which = w;
    return hit;
}

/* The folder and process rules on an image path. 1 when rule `ri` matches,
 * with the reason said. */
static int check_image(ha_rules *rs, size_t ri, struct lazy *image)
{
    const struct rule *r = &rs->v[ri];
    const char *slash = strrchr(image->s, '\\');
    if (!slash) /* "System", "Registry", "": not a path */
        return 0;
    size_t which = 0;
    if (r->kind == HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING)
        return listed(rs, ri, L_SUBSTRINGS, image, &which) &&
               say(rs, "the image name %s contains \"%s\"", slash + 1, r->substrings.text[which]) == 0;
    int in = listed(rs, ri, L_FOLDERS, image, &which);
    if (rs->oom) /* not known: no alert either way */
        return 0;
    if (r->kind == HA_RULE_PROCESS_IN_RESTRICTED_FOLDER && in)
        return say(rs, "%s runs from a restricted folder (%s)", image->s, r->folder_text[which]) == 0;
    if (r->kind == HA_RULE_PROCESS_NOT_IN_STANDARD_FOLDER && !in)
        return say(rs, "%s runs from outside the standard folders", image->s) == 0;
    return 0;
}

/* A digest of (rule, computer, process, object) for access-after-failure:
 * keyed (SipHash-2-4 with the rules' secret key), so that nobody can make
 * two different requests share one and fake or hide an alert (FNV-1a, as
 * before, can be made to collide). */
static uint64_t digest(const ha_rules *rs, size_t rule, const char *host, uint64_t pid, const char *object)
{
    if (!host)
        host = "";
    uint64_t parts[4] = {rule, pid, hai_siphash24(&rs->key, host, strlen(host)),
                         hai_siphash24(&rs->key, object, strlen(object))};
    unsigned char b[32];
    for (int i = 0; i < 32; i++)
        b[i] = (unsigned char)(parts[i / 8] >> (8 * (i % 8)));
    return hai_siphash24(&rs->key, b, sizeof b);
}

static void forget(ha_rules *rs, struct failure *f)
{
    HAI_HASH_DEL(&rs->alloc, rs->failures, f);
    hai_list_remove(&rs->ages, &f->by_age);
    rs->nfailures--;
    hai_free(&rs->alloc, f);
}

static int access_after_failure(ha_rules *rs, size_t ri, const ha_record *rec, ha_alert_cb cb, void *ud)
{
    const struct rule *r = &rs->v[ri];
    uint64_t pid, hid;
    const char *object = ha_record_string(rec, HA_FIELD_OBJECT_NAME);
    if (!object || ha_record_uint(rec, HA_FIELD_PROCESS_ID, &pid) != HA_OK || rec->time == HA_TIME_NONE)
        return 0;
    int failed = ha_record_audit(rec) == HA_AUDIT_FAILURE ||
                 (ha_record_uint(rec, HA_FIELD_HANDLE_ID, &hid) == HA_OK && hid == 0);
    uint64_t key = digest(rs, ri, hai_rec_str(rec, rec->computer), pid, object);
    struct failure *f;
    HAI_HASH_FIND(&rs->key, rs->failures, &key, sizeof key, f);
    if (failed) {
        if (f)
            forget(rs, f); /* the newest failure counts */
        while (rs->nfailures >= rs->max_failures)
            forget(rs, HAI_ITEM(rs->ages.head, struct failure, by_age));
        f = hai_calloc(&rs->alloc, 1, sizeof *f);
        if (!f) {
            rs->oom = 1;
            return 0;
        }
        f->key = key;
        f->time = rec->time;
        int failed;
        HAI_HASH_ADD(&rs->alloc, &rs->key, rs->failures, key, sizeof f->key, f, failed);
        if (failed) {
            hai_free(&rs->alloc, f);
            rs->oom = 1;
            return 0;
        }
        hai_list_append(&rs->ages, &f->by_age);
        rs->nfailures++;
        return 0;
    }
    if (!f)
        return 0;
    int64_t gap = rec->time - f->time;
    forget(rs, f);
    if (gap < 0 || (uint64_t)gap > r->window)
        return 0;
    const char *proc = ha_record_string(rec, HA_FIELD_PROCESS_NAME);
    if (say(rs, "%s was granted to %s %.3f s after the same request failed", object, proc && *proc ? proc : "PID",
            (double)gap / 1e9) != 0)
        return 0;
    return alert(rs, r, rec, NULL, cb, ud);
}

static int check_record(ha_rules *rs, const ha_record *rec, ha_alert_cb cb, void *ud)
{
    int rc = 0;
    rs->oom = 0;
    static const ha_field who[] = {HA_FIELD_SUBJECT_USER_SID, HA_FIELD_SUBJECT_USER_NAME, HA_FIELD_TARGET_USER_SID,
                                   HA_FIELD_TARGET_USER_NAME};
    struct lazy image = {rec->event_id == 4688 ? ha_record_string(rec, HA_FIELD_NEW_PROCESS_NAME) : NULL, NULL, 0};
    struct lazy account[COUNT(who)];
    for (size_t k = 0; k < COUNT(who); k++)
        account[k] = (struct lazy){NULL, NULL, 0};
    int accounts_read = 0;
    for (size_t i = 0; i < rs->n && !rc; i++) {
        struct rule *r = &rs->v[i];
        switch (r->kind) {
        case HA_RULE_PROCESS_NOT_IN_STANDARD_FOLDER:
        case HA_RULE_PROCESS_IN_RESTRICTED_FOLDER:
        case HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING:
            if (image.s && check_image(rs, i, &image))
                rc = alert(rs, r, rec, NULL, cb, ud);
            break;
        case HA_RULE_ACCOUNT_WATCHED: {
            if (!accounts_read) {
                for (size_t k = 0; k < COUNT(who); k++)
                    account[k].s = ha_record_string(rec, who[k]);
                accounts_read = 1;
            }
            for (size_t k = 0; k < COUNT(who); k++) {
                const char *v = account[k].s;
                size_t which;
                if (v && *v && listed(rs, i, L_ACCOUNTS, &account[k], &which)) {
                    if (say(rs, "the account %s (%s) is watched (%s)", v, ha_field_name(who[k]),
                            r->accounts.text[which]) == 0)
                        rc = alert(rs, r, rec, NULL, cb, ud);
                    break;
                }
            }
            break;
        }
        case HA_RULE_ACCESS_AFTER_FAILURE:
            if (rec->event_id == 4656 || rec->event_id == 4661)
                rc = access_after_failure(rs, i, rec, cb, ud);
            break;
        default:
            break;
        }
    }
    return rs->oom ? HA_ERR_NOMEM : rc;
}

/* The names of the bits of `mask` for `type`, into the scratch buffer. */
static const char *bit_names(ha_rules *rs, const char *type, uint32_t mask)
{
    rs->scratch.len = 0;
    for (int b = 0; b < 32; b++) {
        uint32_t bit = UINT32_C(1) << b;
        if (!(mask & bit))
            continue;
        char tmp[16];
        const char *name = ha_access_right_name(type, bit);
        if (!name) {
            snprintf(tmp, sizeof tmp, "0x%x", (unsigned)bit);
            name = tmp;
        }
        if ((rs->scratch.len && hai_buf_append(&rs->scratch, &rs->alloc, ", ", 2) != 0) ||
            hai_buf_append(&rs->scratch, &rs->alloc, name, strlen(name)) != 0) {
            rs->oom = 1;
            return "";
        }
    }
    if (hai_buf_append(&rs->scratch, &rs->alloc, "", 1) != 0) {
        rs->oom = 1;
        return "";
    }
    return rs->scratch.data;
}

static void format_duration(char *buf, size_t cap, uint64_t ns)
{
    uint64_t s = ns / 1000000000;
    if (s >= 3600)
        snprintf(buf, cap, "%lluh%02llum%02llus", (unsigned long long)(s / 3600), (unsigned long long)(s / 60 % 60),
                 (unsigned long long)(s % 60));
    else
        snprintf(buf, cap, "%.3f s", (double)ns / 1e9);
}

static int check_sequence(ha_rules *rs, const ha_sequence *seq, ha_alert_cb cb, void *ud)
{
    int rc = 0;
    rs->oom = 0;
    const char *image = ha_sequence_process_name(seq), *object = ha_sequence_object_name(seq);
    const char *type = ha_sequence_object_type(seq);
    struct lazy im = {image, NULL, 0}, ob = {object, NULL, 0};
    for (size_t i = 0; i < rs->n && !rc; i++) {
        struct rule *r = &rs->v[i];
        size_t which, w;
        switch (r->kind) {
        case HA_RULE_PROCESS_NOT_IN_STANDARD_FOLDER:
        case HA_RULE_PROCESS_IN_RESTRICTED_FOLDER:
        case HA_RULE_PROCESS_NAME_RESTRICTED_SUBSTRING:
            if (image && check_image(rs, i, &im))
                rc = alert(rs, r, NULL, seq, cb, ud);
            break;
        case HA_RULE_PROCESS_NAME_NOT_EXPECTED:
            if (object && listed(rs, i, L_OBJECTS, &ob, &which) && !(image && listed(rs, i, L_PROCESSES, &im, &w)) &&
                say(rs, "%s (%s) was opened by %s, not an expected process", object, r->object_text[which],
                    image && *image ? image : "an unnamed process") == 0)
                rc = alert(rs, r, NULL, seq, cb, ud);
            break;
        case HA_RULE_OBJECT_WATCHED: {
            uint32_t used = ha_sequence_requested_access(seq) | ha_sequence_access_mask(seq);
            uint32_t hit = r->mask ? used & (uint32_t)r->mask : used;
            if (!object || (r->mask && !hit) || !listed(rs, i, L_OBJECTS, &ob, &which))
                break;
            if (r->types.n && !(type && any_plain(&r->types, type, NULL)))
                break;
            const char *names = bit_names(rs, type, hit);
            if (say(rs, "%s (%s) was opened by %s for %s", object, r->object_text[which],
                    image && *image ? image : "an unnamed process", *names ? names : "no access") == 0)
                rc = alert(rs, r, NULL, seq, cb, ud);
            break;
        }
        case HA_RULE_HANDLE_HELD_LONGER_THAN: {
            int64_t d = ha_sequence_duration(seq);
            if (d == HA_TIME_NONE || d < 0 || (uint64_t)d <= r->duration)
                break;
            char held[48], limit[48];
            format_duration(held, sizeof held, (uint64_t)d);
            format_duration(limit, sizeof limit, r->duration);
            if (say(rs, "%s held %s open for %s (limit %s)", image && *image ? image : "a process",
                    object ? object : "a handle", held, limit) == 0)
                rc = alert(rs, r, NULL, seq, cb, ud);
            break;
        }
        default:
            break;
        }
    }
    return rs->oom ? HA_ERR_NOMEM : rc;
}

/* A check makes the memo strings it may need (an image and four accounts at
 * most) and may not be entered again from its own callback. */
#define MEMO_PER_CHECK 5

static void begin_check(ha_rules *rs)
{
    if (rs->nmemo > MAX_MEMO - MEMO_PER_CHECK)
        forget_memo(rs);
    rs->checking = 1;
}

int ha_rules_check_record(ha_rules *rs, const ha_record *rec, ha_alert_cb cb, void *ud)
{
    if (!rs || !rec || rs->checking)
        return rs ? rules_fail(rs, HA_ERR_INVALID, rs->checking ? "called from an alert callback" : "no record")
                  : HA_ERR_INVALID;
    begin_check(rs);
    int rc = check_record(rs, rec, cb, ud);
    rs->checking = 0;
    return rc == HA_ERR_NOMEM ? rules_fail(rs, rc, "out of memory checking a record") : rc;
}

int ha_rules_check_sequence(ha_rules *rs, const ha_sequence *seq, ha_alert_cb cb, void *ud)
{
    if (!rs || !seq || rs->checking)
        return rs ? rules_fail(rs, HA_ERR_INVALID, rs->checking ? "called from an alert callback" : "no sequence")
                  : HA_ERR_INVALID;
    begin_check(rs);
    int rc = check_sequence(rs, seq, cb, ud);
    rs->checking = 0;
    return rc == HA_ERR_NOMEM ? rules_fail(rs, rc, "out of memory checking a sequence") : rc;
}

/* ---- alerts -------------------------------------------------------------- */

const char *ha_alert_rule_id(const ha_alert *a) { return a ? a->rule->id : NULL; }
ha_rule_kind ha_alert_kind(const ha_alert *a) { return a ? a->rule->kind : (ha_rule_kind)0; }
ha_severity ha_alert_severity(const ha_alert *a) { return a ? a->rule->severity : (ha_severity)0; }
const char *ha_alert_reason(const ha_alert *a) { return a ? a->reason : NULL; }
const ha_record *ha_alert_record(const ha_alert *a) { return a ? a->rec : NULL; }
const ha_sequence *ha_alert_sequence(const ha_alert *a) { return a ? a->seq : NULL; }
