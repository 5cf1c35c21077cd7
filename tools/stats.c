#include "stats.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#define TOP 10

struct event_count {
    UT_hash_handle hh;
    uint32_t id;
    uint64_t n;
};

struct proc_count {
    UT_hash_handle hh;
    char *key; /* computer \t pid \t image */
    uint64_t n;
};

struct alert_count {
    UT_hash_handle hh;
    char *rule;
    uint64_t n;
};

struct longest {
    int64_t duration;
    char *text;
    int still_open; /* 1: open at the end; 2: and opened before the log */
};

struct stats {
    struct event_count *events;
    struct proc_count *procs;
    struct longest top[TOP];
    int ntop;
    struct alert_count *alerts;
    int64_t last_time; /* of the latest record: the end of the log */
    uint64_t requests[3]; /* by ha_outcome */
};

stats *stats_new(void)
{
    stats *st = calloc(1, sizeof(stats));
    if (st)
        st->last_time = HA_TIME_NONE;
    return st;
}

void stats_free(stats *st)
{
    if (!st)
        return;
    struct event_count *e, *et;
    HASH_ITER(hh, st->events, e, et) {
        HASH_DEL(st->events, e);
        free(e);
    }
    struct proc_count *p, *pt;
    HASH_ITER(hh, st->procs, p, pt) {
        HASH_DEL(st->procs, p);
        free(p->key);
        free(p);
    }
    for (int i = 0; i < st->ntop; i++)
        free(st->top[i].text);
    struct alert_count *a, *at;
    HASH_ITER(hh, st->alerts, a, at) {
        HASH_DEL(st->alerts, a);
        free(a->rule);
        free(a);
    }
    free(st);
}

void stats_record(stats *st, const ha_record *rec)
{
    uint32_t id = ha_record_event_id(rec);
    int64_t t = ha_record_time(rec);
    if (t != HA_TIME_NONE && (st->last_time == HA_TIME_NONE || t > st->last_time))
        st->last_time = t;
    struct event_count *e;
    HASH_FIND(hh, st->events, &id, sizeof id, e);
    if (!e) {
        e = calloc(1, sizeof *e);
        if (!e)
            return;
        e->id = id;
        HASH_ADD(hh, st->events, id, sizeof id, e);
    }
    e->n++;
}

static char *describe(const ha_sequence *s, int with_handle)
{
    const char *name = ha_sequence_process_name(s);
    const char *obj = ha_sequence_object_name(s);
    size_t n = strlen(ha_sequence_computer(s)) + (name ? strlen(name) : 1) + (obj ? strlen(obj) : 1) + 96;
    char *t = malloc(n);
    if (!t)
        return NULL;
    if (with_handle)
        snprintf(t, n, "%s pid %" PRIu64 " handle 0x%" PRIx64 " %s %s", ha_sequence_computer(s),
                 ha_sequence_process_id(s), ha_sequence_handle_id(s), name ? name : "-", obj ? obj : "-");
    else
        snprintf(t, n, "%s pid %" PRIu64 " %s", ha_sequence_computer(s), ha_sequence_process_id(s),
                 name ? name : "-");
    return t;
}

void stats_sequence(stats *st, const ha_sequence *s)
{
    char *key = describe(s, 0);
    if (!key)
        return;
    struct proc_count *p;
    HASH_FIND_STR(st->procs, key, p);
    if (p) {
        free(key);
    } else {
        p = calloc(1, sizeof *p);
        if (!p) {
            free(key);
            return;
        }
        p->key = key;
        HASH_ADD_KEYPTR(hh, st->procs, p->key, strlen(p->key), p);
    }
    p->n++;

    /* one still open at the end had been open until the end of the log (at
     * least, when its open came before the log) */
    int64_t d = ha_sequence_duration(s);
    int still_open = 0;
    int64_t since = ha_sequence_opened(s) ? ha_sequence_open_time(s) : ha_sequence_first_time(s);
    if (ha_sequence_end(s) == HA_END_END_OF_INPUT && since != HA_TIME_NONE && st->last_time != HA_TIME_NONE) {
        d = st->last_time - since;
        still_open = ha_sequence_opened(s) ? 1 : 2;
    }
    if (d == HA_TIME_NONE || (st->ntop == TOP && d <= st->top[TOP - 1].duration))
        return;
    char *text = describe(s, 1);
    if (!text)
        return;
    int i;
    if (st->ntop == TOP) { /* the shortest of the ten makes room */
        i = TOP - 1;
        free(st->top[i].text);
    } else {
        i = st->ntop++;
    }
    for (; i > 0 && st->top[i - 1].duration < d; i--)
        st->top[i] = st->top[i - 1];
    st->top[i].duration = d;
    st->top[i].text = text;
    st->top[i].still_open = still_open;
}

void stats_request(stats *st, const ha_request *req)
{
    unsigned o = (unsigned)ha_request_outcome(req);
    st->requests[o < 3 ? o : 0]++;
}

void stats_alert(stats *st, const ha_alert *alert)
{
    const char *id = ha_alert_rule_id(alert);
    struct alert_count *a;
    HASH_FIND_STR(st->alerts, id, a);
    if (!a) {
        a = calloc(1, sizeof *a);
        if (!a || !(a->rule = strdup(id))) {
            free(a);
            return;
        }
        HASH_ADD_KEYPTR(hh, st->alerts, a->rule, strlen(a->rule), a);
    }
    a->n++;
}

static int by_rule(const struct alert_count *a, const struct alert_count *b) { return strcmp(a->rule, b->rule); }

static int by_id(const struct event_count *a, const struct event_count *b)
{
    return a->id < b->id ? -1 : a->id > b->id;
}

static int by_count(const struct proc_count *a, const struct proc_count *b)
{
    if (a->n != b->n)
        return a->n > b->n ? -1 : 1;
    return strcmp(a->key, b->key);
}

void stats_print(stats *st, const ha_correlator *corr, FILE *out)
{
    if (st->alerts) {
        fprintf(out, "alerts by rule:\n");
        HASH_SORT(st->alerts, by_rule);
        for (struct alert_count *a = st->alerts; a; a = a->hh.next)
            fprintf(out, "  %-36s %" PRIu64 "\n", a->rule, a->n);
    }
    fprintf(out, "events by EventID:\n");
    HASH_SORT(st->events, by_id);
    for (struct event_count *e = st->events; e; e = e->hh.next)
        fprintf(out, "  %6" PRIu32 "  %" PRIu64 "\n", e->id, e->n);
    if (!corr)
        return;
    fprintf(out, "records repeated and dropped: %" PRIu64 "\n", ha_correlator_count(corr, HA_CORR_DUPLICATES));
    fprintf(out, "requests that opened nothing:\n");
    for (int o = HA_OUTCOME_FAILURE; o <= HA_OUTCOME_NO_HANDLE; o++)
        fprintf(out, "  %-14s %" PRIu64 "\n", ha_outcome_name((ha_outcome)o), st->requests[o]);
    fprintf(out, "sequences by end:\n");
    for (int e = HA_END_CLOSE; e <= HA_END_END_OF_INPUT; e++)
        fprintf(out, "  %-14s %" PRIu64 "\n", ha_end_name((ha_end)e), ha_correlator_ended(corr, (ha_end)e));
    fprintf(out, "processes with the most sequences:\n");
    HASH_SORT(st->procs, by_count);
    int k = 0;
    for (struct proc_count *p = st->procs; p && k < TOP; p = p->hh.next, k++)
        fprintf(out, "  %8" PRIu64 "  %s\n", p->n, p->key);
    fprintf(out, "longest-open handles (those still open at the end: until the last event):\n");
    static const char *const marks[] = {"", "  (still open)", "  (still open; opened before the log began)"};
    for (int i = 0; i < st->ntop; i++) {
        int64_t d = st->top[i].duration;
        fprintf(out, "  %10" PRId64 ".%09" PRId64 " s  %s%s\n", d / 1000000000, (d < 0 ? -d : d) % 1000000000,
                st->top[i].text, marks[st->top[i].still_open]);
    }
}
