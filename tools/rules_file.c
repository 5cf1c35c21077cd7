/* handleaudit --rules FILE: rules written in YAML, read with libyaml.
 *
 *   defaults: true                 # the default rules too (as --alerts)
 *   max-failures: 100000           # failed opens access-after-failure remembers
 *   rules:
 *     - id: lsass-openers
 *       kind: process-name-not-expected
 *       severity: high
 *       objects: ['*\lsass.exe']
 *       processes: ['*\MsMpEng.exe']
 *     - id: long-handles
 *       kind: handle-held-longer-than
 *       duration: 2h
 *
 * docs/rules.md describes every key. */
#include "rules_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifdef HAVE_YAML
#include <yaml.h>

#include "os.h"

/* Aliases make one node stand for many: a 148 KB file of one 64 KB
 * anchored string and 20,000 aliases to it asked for about 590 GB. Every
 * string the rules take is counted, each time it is taken; beyond the
 * file's own size plus ALIAS_BUDGET the file is refused. */
#define ALIAS_BUDGET ((size_t)1 << 20)

struct ctx {
    const char *path;
    yaml_document_t *doc;
    ha_rules *rules;
    int all_events;
    size_t taken, budget; /* bytes of strings taken, and how many may be */
};

static int fail(struct ctx *c, const yaml_node_t *n, const char *msg, const char *detail)
{
    fprintf(stderr, "%s:%lu:%lu: %s%s%s\n", c->path, n ? (unsigned long)n->start_mark.line + 1 : 0UL,
            n ? (unsigned long)n->start_mark.column + 1 : 0UL, msg, detail ? ": " : "", detail ? detail : "");
    return -1;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A scalar the rules take (NULL when `n` is none), counted against the
 * budget; over it, the file is refused here with where it happened. */
static int take(struct ctx *c, const yaml_node_t *n, const char **out)
{
    *out = scalar(n);
    if (!*out)
        return 0;
    c->taken += n->data.scalar.length;
    if (c->taken > c->budget) {
        char detail[96];
        snprintf(detail, sizeof detail, "the rules would take over %zu bytes from a %zu-byte file", c->budget,
                 c->budget - ALIAS_BUDGET);
        return fail(c, n, "alias expansion over budget", detail);
    }
    return 0;
}

/* Win32 names of access bits (and the generic ones). */
static const struct {
    const char *name;
    uint32_t bit;
} rights[] = {
    {"FILE_READ_DATA", 0x1},          {"FILE_LIST_DIRECTORY", 0x1},     {"FILE_WRITE_DATA", 0x2},
    {"FILE_ADD_FILE", 0x2},           {"FILE_APPEND_DATA", 0x4},        {"FILE_ADD_SUBDIRECTORY", 0x4},
    {"FILE_READ_EA", 0x8},            {"FILE_WRITE_EA", 0x10},          {"FILE_EXECUTE", 0x20},
    {"FILE_TRAVERSE", 0x20},          {"FILE_DELETE_CHILD", 0x40},      {"FILE_READ_ATTRIBUTES", 0x80},
    {"FILE_WRITE_ATTRIBUTES", 0x100}, {"KEY_QUERY_VALUE", 0x1},         {"KEY_SET_VALUE", 0x2},
    {"KEY_CREATE_SUB_KEY", 0x4},      {"KEY_ENUMERATE_SUB_KEYS", 0x8},  {"KEY_NOTIFY", 0x10},
    {"KEY_CREATE_LINK", 0x20},        {"PROCESS_TERMINATE", 0x1},       {"PROCESS_CREATE_THREAD", 0x2},
    {"PROCESS_VM_OPERATION", 0x8},    {"PROCESS_VM_READ", 0x10},        {"PROCESS_VM_WRITE", 0x20},
    {"PROCESS_DUP_HANDLE", 0x40},     {"PROCESS_CREATE_PROCESS", 0x80}, {"PROCESS_SET_QUOTA", 0x100},
    {"PROCESS_SET_INFORMATION", 0x200}, {"PROCESS_QUERY_INFORMATION", 0x400},
    {"PROCESS_SUSPEND_RESUME", 0x800}, {"PROCESS_QUERY_LIMITED_INFORMATION", 0x1000},
    {"DELETE", 0x10000},              {"READ_CONTROL", 0x20000},        {"WRITE_DAC", 0x40000},
    {"WRITE_OWNER", 0x80000},         {"SYNCHRONIZE", 0x100000},        {"ACCESS_SYSTEM_SECURITY", 0x1000000},
    {"MAXIMUM_ALLOWED", 0x2000000},   {"GENERIC_ALL", 0x10000000},      {"GENERIC_EXECUTE", 0x20000000},
    {"GENERIC_WRITE", 0x40000000},    {"GENERIC_READ", 0x80000000u},
};

/* A right: a Win32 name, a %%n code, or a number. 0 when unknown. */
static uint32_t right(const char *s)
{
    for (size_t i = 0; i < sizeof rights / sizeof rights[0]; i++)
        if (strcasecmp(rights[i].name, s) == 0)
            return rights[i].bit;
    if (s[0] == '%' && s[1] == '%')
        return ha_access_code_mask((uint32_t)strtoul(s + 2, NULL, 10));
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    return *s && !*end && v <= 0xffffffffu ? (uint32_t)v : 0;
}

/* "90s", "15m", "2h", "1d", "500ms", or seconds, to nanoseconds; 0 when bad. */
static uint64_t duration(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    double unit = 1e9;
    if (strcmp(end, "ms") == 0)
        unit = 1e6;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        unit = 60e9;
    else if (strcmp(end, "h") == 0)
        unit = 3600e9;
    else if (strcmp(end, "d") == 0)
        unit = 86400e9;
    else if (*end && strcmp(end, "s") != 0)
        return 0;
    return end != s && v > 0 && v * unit < 1.8e19 ? (uint64_t)(v * unit) : 0;
}

/* The items of a sequence node, or the one scalar. */
static int each_item(struct ctx *c, yaml_node_t *v, const char *key, int (*fn)(struct ctx *, yaml_node_t *, void *),
                     void *arg)
{
    const char *s;
    if (v->type == YAML_SCALAR_NODE)
        return take(c, v, &s) != 0 ? -1 : fn(c, v, arg);
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(c, v, "expected a list", key);
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *item = yaml_document_get_node(c->doc, *it);
        if (!scalar(item))
            return fail(c, item, "expected a string", key);
        if (take(c, item, &s) != 0 || fn(c, item, arg) != 0)
            return -1;
    }
    return 0;
}

struct add {
    const char *id;
    ha_rule_param param;
    const char *key;
};

static int add_string(struct ctx *c, yaml_node_t *n, void *arg)
{
    struct add *a = arg;
    int rc = ha_rules_add_string(c->rules, a->id, a->param, scalar(n));
    if (rc == HA_ERR_NOMEM)
        return fail(c, n, "out of memory", a->key);
    if (rc != HA_OK)
        return fail(c, n, "this kind of rule has no", a->key);
    return 0;
}

static int add_right(struct ctx *c, yaml_node_t *n, void *arg)
{
    uint32_t bit = right(scalar(n));
    if (!bit)
        return fail(c, n, "unknown access right", scalar(n));
    *(uint32_t *)arg |= bit;
    return 0;
}

static int one_rule(struct ctx *c, yaml_node_t *map)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail(c, map, "a rule is a mapping (id, kind, severity, ...)", NULL);
    const char *id = NULL, *kind = NULL, *severity = "medium";
    yaml_node_t *where = map;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        const char *k = scalar(yaml_document_get_node(c->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        int rc = 0;
        if (k && strcmp(k, "id") == 0)
            rc = take(c, v, &id);
        else if (k && strcmp(k, "kind") == 0)
            rc = take(c, v, &kind), where = v;
        else if (k && strcmp(k, "severity") == 0)
            rc = take(c, v, &severity);
        if (rc != 0)
            return -1;
    }
    if (!id || !*id)
        return fail(c, map, "a rule needs an id", NULL);
    ha_rule_kind kd = ha_rule_kind_from_name(kind);
    if (!kd)
        return fail(c, where, "unknown kind", kind ? kind : "(none)");
    ha_severity sv = (ha_severity)0;
    for (int s = HA_SEVERITY_INFO; s <= HA_SEVERITY_CRITICAL; s++)
        if (severity && strcmp(severity, ha_severity_name((ha_severity)s)) == 0)
            sv = (ha_severity)s;
    if (!sv)
        return fail(c, map, "severity is one of info, low, medium, high, critical", severity);
    int added = ha_rules_add(c->rules, kd, id, sv);
    if (added == HA_ERR_NOMEM)
        return fail(c, map, "out of memory", id);
    if (added != HA_OK)
        return fail(c, map, "the rule id is used twice", id);
    if (kd == HA_RULE_ACCOUNT_WATCHED)
        c->all_events = 1;
    static const struct {
        const char *key;
        ha_rule_param param;
    } strings[] = {{"objects", HA_PARAM_OBJECT},        {"processes", HA_PARAM_PROCESS},
                   {"folders", HA_PARAM_FOLDER},        {"substrings", HA_PARAM_SUBSTRING},
                   {"accounts", HA_PARAM_ACCOUNT},      {"object_types", HA_PARAM_OBJECT_TYPE}};
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        const char *k = scalar(kn);
        if (!k)
            return fail(c, kn, "a key is a string", NULL);
        if (strcmp(k, "id") == 0 || strcmp(k, "kind") == 0 || strcmp(k, "severity") == 0 ||
            strcmp(k, "description") == 0)
            continue;
        size_t i = 0;
        while (i < sizeof strings / sizeof strings[0] && strcmp(strings[i].key, k) != 0)
            i++;
        if (i < sizeof strings / sizeof strings[0]) {
            struct add a = {id, strings[i].param, k};
            if (each_item(c, v, k, add_string, &a) != 0)
                return -1;
        } else if (strcmp(k, "access") == 0) {
            uint32_t mask = 0;
            if (each_item(c, v, k, add_right, &mask) != 0)
                return -1;
            if (ha_rules_set_number(c->rules, id, HA_PARAM_ACCESS_MASK, mask) != HA_OK)
                return fail(c, kn, "this kind of rule has no", k);
        } else if (strcmp(k, "duration") == 0 || strcmp(k, "window") == 0) {
            const char *dv;
            if (take(c, v, &dv) != 0)
                return -1;
            uint64_t ns = dv ? duration(dv) : 0;
            if (!ns)
                return fail(c, v, "a duration is a number of seconds, or with a unit (500ms, 90s, 15m, 2h, 1d)",
                            scalar(v));
            ha_rule_param param = k[0] == 'd' ? HA_PARAM_DURATION_NS : HA_PARAM_WINDOW_NS;
            if (ha_rules_set_number(c->rules, id, param, ns) != HA_OK)
                return fail(c, kn, "this kind of rule has no", k);
        } else {
            return fail(c, kn, "unknown key", k);
        }
    }
    return 0;
}

/* The rule set's options from the top-level keys that set them. */
static int options(struct ctx *c, const yaml_node_t *root, ha_rules_options *opts)
{
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(c->doc, p->key), *v = yaml_document_get_node(c->doc, p->value);
        const char *k = scalar(kn), *n = scalar(v);
        if (!k || strcmp(k, "max-failures") != 0)
            continue;
        char *end = NULL;
        unsigned long long x = n && *n >= '1' && *n <= '9' ? strtoull(n, &end, 10) : 0;
        if (!x || *end || x > SIZE_MAX)
            return fail(c, v, "max-failures is a whole number from 1", n);
        opts->max_failures = (size_t)x;
    }
    return 0;
}

int rules_file_load(const char *path, ha_rules **rules, int *with_defaults, int *all_events)
{
    *rules = NULL;
    FILE *f = hai_os_fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    int rc = -1;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    rewind(f);
    struct ctx c = {path, &doc, NULL, 0, 0, ALIAS_BUDGET + (size > 0 ? (size_t)size : 0)};
    if (!yaml_parser_load(&parser, &doc)) {
        fprintf(stderr, "%s:%lu:%lu: %s\n", path, (unsigned long)parser.problem_mark.line + 1,
                (unsigned long)parser.problem_mark.column + 1, parser.problem ? parser.problem : "not YAML");
        yaml_parser_delete(&parser);
        fclose(f);
        return -1;
    }
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || root->type != YAML_MAPPING_NODE) {
        fail(&c, root, "the file is a mapping with a `rules:` list", NULL);
        goto done;
    }
    ha_rules_options opts = HA_RULES_OPTIONS_INIT;
    if (options(&c, root, &opts) != 0)
        goto done;
    if (ha_rules_new(&opts, &c.rules) != HA_OK) {
        fputs("handleaudit: out of memory\n", stderr);
        goto done;
    }
    *with_defaults = 0;
    rc = 0;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top && !rc; p++) {
        yaml_node_t *kn = yaml_document_get_node(&doc, p->key), *v = yaml_document_get_node(&doc, p->value);
        const char *k = scalar(kn);
        if (k && strcmp(k, "defaults") == 0) {
            const char *b = scalar(v);
            *with_defaults = b && (strcmp(b, "true") == 0 || strcmp(b, "yes") == 0);
        } else if (k && strcmp(k, "max-failures") == 0) {
            continue; /* read above */
        } else if (k && strcmp(k, "rules") == 0 && v->type == YAML_SEQUENCE_NODE) {
            for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top && !rc; it++)
                rc = one_rule(&c, yaml_document_get_node(&doc, *it));
        } else {
            rc = fail(&c, kn, "expected `defaults:`, `max-failures:` or a `rules:` list", k);
        }
    }
done:
    if (rc == 0)
        *rules = c.rules;
    else
        ha_rules_free(c.rules);
    *all_events = c.all_events;
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    return rc;
}

#else

int rules_file_load(const char *path, ha_rules **rules, int *with_defaults, int *all_events)
{
    *rules = NULL;
    (void)with_defaults;
    (void)all_events;
    fprintf(stderr, "handleaudit: %s: this build reads no rules files (libyaml was not found when it was built)\n",
            path);
    return -1;
}

#endif
