/* The correlation rules of CONTRACT.md ("Correlation"), applied record by
 * record. */
#include <stddef.h>
#include <string.h>

#include "convert.h"
#include "correlate.h"

enum { C_RECORDS, C_UNUSABLE, C_FAILED_OPENS, C_OPEN, C_PROCESSES, C_SEQUENCES, C_DUPLICATES, C_HELD, C_STRING_BYTES };

/* ---- small helpers ------------------------------------------------------ */

static int field_uint(const ha_record *r, ha_field f, uint64_t *out)
{
    size_t n;
    const char *v = hai_rec_raw(r, f, &n);
    return v && hai_parse_uint(v, n, out) == HA_OK;
}

/* An interned copy of a field's raw text, NULL when absent (or no memory).
 * The same field of consecutive events often repeats (a process's image,
 * its user): the last one is compared before the table is searched. */
static hai_istr *field_istr(ha_correlator *c, const ha_record *r, ha_field f)
{
    size_t n;
    const char *v = hai_rec_raw(r, f, &n);
    if (!v)
        return NULL;
    hai_istr *last = c->recent[f];
    if (last && last->len == n && memcmp(last->s, v, n) == 0)
        return hai_istr_ref(last);
    hai_istr *x = hai_intern(&c->strings, v, n);
    if (!x) {
        c->oom = 1;
        return NULL;
    }
    hai_istr_unref(&c->strings, last);
    c->recent[f] = hai_istr_ref(x);
    return x;
}

/* The record's computer, interned; borrowed (the cache holds a reference). */
const hai_istr *hai_correlator_host(ha_correlator *c, const ha_record *r)
{
    const char *h = hai_rec_str(r, r->computer);
    size_t n = h ? strlen(h) : 0;
    if (!h)
        h = "";
    if (c->last_host && c->last_host->len == n && memcmp(c->last_host->s, h, n) == 0)
        return c->last_host;
    hai_istr *x = hai_intern(&c->strings, h, n);
    if (!x) {
        c->oom = 1;
        return NULL;
    }
    hai_istr_unref(&c->strings, c->last_host);
    c->last_host = x;
    return x;
}

static void note(ha_correlator *c, int rc)
{
    if (rc && !c->cb_rc)
        c->cb_rc = rc;
}

/* ---- processes ---------------------------------------------------------- */

static void idle_unlink(ha_correlator *c, hai_proc *p)
{
    if (!p->idle)
        return;
    hai_list_remove(&c->idle, &p->in_idle);
    p->idle = 0;
    c->nidle--;
}

static void proc_free(ha_correlator *c, hai_proc *p)
{
    idle_unlink(c, p);
    HAI_HASH_DEL(&c->alloc, c->procs, p);
    hai_istr_unref(&c->strings, p->image);
    hai_istr_unref(&c->strings, p->command_line);
    hai_istr_unref(&c->strings, (hai_istr *)p->key.host);
    hai_free(&c->alloc, p);
    c->counts[C_PROCESSES]--;
}

/* A process with nothing open: kept while it describes something (a 4688),
 * as the newest idle one, and the oldest idle ones go past the bound. */
void hai_proc_settle(ha_correlator *c, hai_proc *p)
{
    if (p->nopen)
        return;
    if (!p->known) {
        proc_free(c, p);
        return;
    }
    idle_unlink(c, p);
    hai_list_append(&c->idle, &p->in_idle);
    p->idle = 1;
    c->nidle++;
    while (c->nidle > c->max_processes)
        proc_free(c, HAI_PROC_OF_IDLE(c->idle.head));
}

hai_proc *hai_proc_find(ha_correlator *c, const hai_istr *host, uint64_t pid)
{
    hai_pkey k;
    memset(&k, 0, sizeof k);
    k.host = host;
    k.pid = pid;
    hai_proc *p;
    HAI_HASH_FIND(&c->key, c->procs, &k, sizeof k, p);
    return p;
}

/* Find or make the process slot; NULL when out of memory. */
hai_proc *hai_proc_get(ha_correlator *c, const hai_istr *host, uint64_t pid)
{
    hai_proc *p = hai_proc_find(c, host, pid);
    if (p)
        return p;
    p = hai_calloc(&c->alloc, 1, sizeof *p);
    if (!p) {
        c->oom = 1;
        return NULL;
    }
    p->key.host = hai_istr_ref((hai_istr *)host);
    p->key.pid = pid;
    p->owner = c;
    p->created = HA_TIME_NONE;
    int failed;
    HAI_HASH_ADD(&c->alloc, &c->key, c->procs, key, sizeof p->key, p, failed);
    if (failed) {
        hai_istr_unref(&c->strings, (hai_istr *)host);
        hai_free(&c->alloc, p);
        c->oom = 1;
        return NULL;
    }
    c->counts[C_PROCESSES]++;
    return p;
}

/* ---- sequences ---------------------------------------------------------- */

static void touch(ha_correlator *c, ha_sequence *s, const ha_record *r)
{
    if (r && (r->has & HAI_HAS_RECORD_ID))
        s->last_record = r->record_id;
    if (r)
        s->last_time = r->time;
    hai_list_move_to_tail(&c->lru, &s->lru);
}

static void alias_drop(ha_correlator *c, ha_sequence *s)
{
    hai_alias *a = s->dup ? s->dup->alias : NULL;
    if (!a)
        return;
    HAI_HASH_DEL(&c->alloc, c->aliases, a);
    hai_free(&c->alloc, a);
    s->dup->alias = NULL;
}

void hai_seq_release(ha_correlator *c, ha_sequence *s)
{
    for (size_t i = 0; i < HAI_SEQ_NSTRINGS; i++)
        hai_istr_unref(&c->strings, s->strs[i]);
    hai_istr_unref(&c->strings, (hai_istr *)s->key.host);
    hai_free(&c->alloc, s->dup);
    hai_free(&c->alloc, s);
}

/* End `s`: tell the caller, then forget it. */
static void seq_end(ha_correlator *c, ha_sequence *s, ha_end end, int64_t t, const ha_record *r)
{
    hai_list_remove(&c->lru, &s->lru); /* first: the end time takes the link's place */
    s->end = (uint8_t)end;
    s->end_time = end == HA_END_EVICTED || end == HA_END_END_OF_INPUT ? HA_TIME_NONE : t;
    /* a 4658 or 4689 is the handle's own last event; a reopening or an
     * eviction is another handle's */
    if (r && (end == HA_END_CLOSE || end == HA_END_PROCESS_EXIT)) {
        if (r->has & HAI_HAS_RECORD_ID)
            s->last_record = r->record_id;
        s->last_time = r->time;
    }
    if (c->on_end)
        note(c, c->on_end(s, r, c->userdata));
    c->ended[end]++;
    HAI_HASH_DEL(&c->alloc, c->seqs, s);
    alias_drop(c, s);
    hai_proc *p = s->proc;
    hai_list_remove(&p->open, &s->in_proc);
    p->nopen--;
    c->counts[C_OPEN]--;
    hai_seq_release(c, s);
    hai_proc_settle(c, p);
}

int hai_proc_append(hai_proc *p, ha_sequence *s)
{
    hai_list_append(&p->open, &s->in_proc);
    return p->nopen++ == 0;
}

static ha_sequence *seq_find(ha_correlator *c, const hai_key *k)
{
    ha_sequence *s;
    HAI_HASH_FIND(&c->key, c->seqs, k, sizeof *k, s);
    return s;
}

/* The open sequence for a 4663/4660/4658: its own key, or the duplicate
 * whose close Windows logs under the source process's ID. */
static ha_sequence *seq_lookup(ha_correlator *c, const hai_key *k)
{
    ha_sequence *s = seq_find(c, k);
    if (s)
        return s;
    hai_akey ak;
    memset(&ak, 0, sizeof ak);
    ak.host = k->host;
    ak.pid = k->pid;
    ak.hid = k->hid;
    hai_alias *a;
    HAI_HASH_FIND(&c->key, c->aliases, &ak, sizeof ak, a);
    return a ? a->seq : NULL;
}

/* Begin a sequence for `k` with the record's subject; NULL when out of
 * memory. Makes room first when the bound on open sequences is reached. */
static ha_sequence *seq_begin(ha_correlator *c, const hai_key *k, int opened, const ha_record *r)
{
    while (c->counts[C_OPEN] >= c->max_open && c->lru.head)
        seq_end(c, HAI_SEQ_OF_LRU(c->lru.head), HA_END_EVICTED, HA_TIME_NONE, r);
    hai_proc *p = hai_proc_get(c, k->host, k->pid);
    if (!p)
        return NULL;
    ha_sequence *s = hai_calloc(&c->alloc, 1, sizeof *s);
    if (!s) {
        c->oom = 1;
        hai_proc_settle(c, p);
        return NULL;
    }
    s->key = *k;
    hai_istr_ref((hai_istr *)k->host);
    s->first_time = s->last_time = r->time;
    s->flags = opened ? HAI_SEQ_OPENED : 0;
    s->first_record = s->last_record = r->record_id;
    s->sid = field_istr(c, r, HA_FIELD_SUBJECT_USER_SID);
    s->user = field_istr(c, r, HA_FIELD_SUBJECT_USER_NAME);
    s->domain = field_istr(c, r, HA_FIELD_SUBJECT_DOMAIN_NAME);
    s->command_line = hai_istr_ref(p->command_line);
    int failed;
    HAI_HASH_ADD(&c->alloc, &c->key, c->seqs, key, sizeof s->key, s, failed);
    if (failed || c->oom) {
        if (!failed)
            HAI_HASH_DEL(&c->alloc, c->seqs, s);
        c->oom = 1;
        hai_seq_release(c, s);
        hai_proc_settle(c, p);
        return NULL;
    }
    s->proc = p;
    if (hai_proc_append(p, s))
        idle_unlink(c, p);
    hai_list_append(&c->lru, &s->lru);
    c->counts[C_OPEN]++;
    c->counts[C_SEQUENCES]++;
    return s;
}

static void set_object(ha_correlator *c, ha_sequence *s, const ha_record *r)
{
    s->object_type = field_istr(c, r, HA_FIELD_OBJECT_TYPE);
    s->object_name = field_istr(c, r, HA_FIELD_OBJECT_NAME);
}

/* ProcessName of the record, or else the image the 4688 table knows. */
static void set_process_name(ha_correlator *c, ha_sequence *s, const ha_record *r)
{
    s->process_name = field_istr(c, r, HA_FIELD_PROCESS_NAME);
    if (!s->process_name)
        s->process_name = hai_istr_ref(s->proc->image);
}

/* ---- the rules ---------------------------------------------------------- */

static int key_of(ha_correlator *c, const ha_record *r, ha_field pid_field, ha_field hid_field, hai_key *k)
{
    memset(k, 0, sizeof *k);
    if (!field_uint(r, pid_field, &k->pid) || !field_uint(r, hid_field, &k->hid) ||
        !field_uint(r, HA_FIELD_SUBJECT_LOGON_ID, &k->logon)) {
        c->counts[C_UNUSABLE]++;
        return 0;
    }
    k->host = hai_correlator_host(c, r);
    return k->host != NULL;
}

/* A field's text as written, NUL-terminated in the record, or NULL. */
static const char *field_text(const ha_record *r, ha_field f)
{
    size_t n;
    return hai_rec_raw(r, f, &n);
}

/* A 4656 or 4661 that opened nothing: hand it to the caller. */
static void request(ha_correlator *c, const ha_record *r, const hai_key *k)
{
    c->counts[C_FAILED_OPENS]++;
    if (!c->on_request)
        return;
    ha_request q;
    memset(&q, 0, sizeof q);
    q.rec = r;
    q.alloc = c->alloc; /* for copies */
    q.computer = k->host->s;
    q.pid = k->pid;
    q.hid = k->hid;
    q.logon = k->logon;
    q.time = r->time;
    q.record_id = r->record_id;
    q.event_id = r->event_id;
    q.outcome = ha_record_audit(r) == HA_AUDIT_FAILURE ? HA_OUTCOME_FAILURE : HA_OUTCOME_NO_HANDLE;
    uint64_t mask;
    if (field_uint(r, HA_FIELD_ACCESS_MASK, &mask))
        q.requested = (uint32_t)mask;
    q.object_type = field_text(r, HA_FIELD_OBJECT_TYPE);
    q.object_name = field_text(r, HA_FIELD_OBJECT_NAME);
    q.sid = field_text(r, HA_FIELD_SUBJECT_USER_SID);
    q.user = field_text(r, HA_FIELD_SUBJECT_USER_NAME);
    q.domain = field_text(r, HA_FIELD_SUBJECT_DOMAIN_NAME);
    hai_proc *p = hai_proc_find(c, k->host, k->pid);
    q.process_name = field_text(r, HA_FIELD_PROCESS_NAME);
    if (!q.process_name && p)
        q.process_name = hai_istr_text(p->image);
    q.command_line = p ? hai_istr_text(p->command_line) : NULL;
    note(c, c->on_request(&q, c->userdata));
}

/* 4656, 4661: a successful request with a handle opens a sequence; any
 * other is a request that opened nothing. */
static void rule_open(ha_correlator *c, const ha_record *r)
{
    hai_key k;
    if (!key_of(c, r, HA_FIELD_PROCESS_ID, HA_FIELD_HANDLE_ID, &k))
        return;
    if (k.hid == 0 || ha_record_audit(r) == HA_AUDIT_FAILURE) {
        request(c, r, &k);
        return;
    }
    ha_sequence *s = seq_find(c, &k);
    if (s)
        seq_end(c, s, HA_END_HANDLE_REUSED, r->time, r);
    s = seq_begin(c, &k, 1, r);
    if (!s)
        return;
    set_object(c, s, r);
    set_process_name(c, s, r);
    uint64_t mask;
    if (field_uint(r, HA_FIELD_ACCESS_MASK, &mask))
        s->requested = (uint32_t)mask;
    if (c->on_open)
        note(c, c->on_open(s, r, c->userdata));
}

/* An ObjectName that says something: not absent, empty or "-". */
static int known_name(const char *v, size_t n) { return v && n && !(n == 1 && v[0] == '-'); }

/* The record names a known object other than the sequence's known one:
 * one handle refers to one object, so the handle was closed unseen and its
 * value reused. */
static int other_object(const ha_sequence *s, const ha_record *r)
{
    size_t n;
    const char *v = hai_rec_raw(r, HA_FIELD_OBJECT_NAME, &n);
    const hai_istr *o = s->object_name;
    return known_name(v, n) && o && known_name(o->s, o->len) && !(o->len == n && memcmp(o->s, v, n) == 0);
}

enum use { USE_ACCESS, USE_DELETE, USE_CLOSE };

/* 4663, 4660, 4658: use, delete through, close; an event on another
 * object than the handle's ends its sequence (handle_reused) and begins
 * one (a close names no object to compare). */
static void rule_use(ha_correlator *c, const ha_record *r, enum use use)
{
    hai_key k;
    if (!key_of(c, r, HA_FIELD_PROCESS_ID, HA_FIELD_HANDLE_ID, &k))
        return;
    ha_sequence *s = seq_lookup(c, &k);
    if (s && use != USE_CLOSE && other_object(s, r)) {
        seq_end(c, s, HA_END_HANDLE_REUSED, r->time, r);
        s = NULL;
    }
    if (!s) { /* its open came before the log began */
        s = seq_begin(c, &k, 0, r);
        if (!s)
            return;
        set_object(c, s, r);
        set_process_name(c, s, r);
        if (c->on_open)
            note(c, c->on_open(s, r, c->userdata));
    } else {
        touch(c, s, r);
    }
    if (use == USE_CLOSE) {
        seq_end(c, s, HA_END_CLOSE, r->time, r);
        return;
    }
    if (use == USE_ACCESS) {
        uint64_t mask = 0;
        s->accesses++;
        if (field_uint(r, HA_FIELD_ACCESS_MASK, &mask))
            s->access_mask |= (uint32_t)mask;
        if (!s->object_name) {
            hai_istr_unref(&c->strings, s->object_type);
            set_object(c, s, r);
        }
    } else {
        s->flags |= HAI_SEQ_DELETED;
    }
    if (c->on_access)
        note(c, c->on_access(s, r, c->userdata));
}

static void rule_access(ha_correlator *c, const ha_record *r) { rule_use(c, r, USE_ACCESS); }
static void rule_delete(ha_correlator *c, const ha_record *r) { rule_use(c, r, USE_DELETE); }
static void rule_close(ha_correlator *c, const ha_record *r) { rule_use(c, r, USE_CLOSE); }

/* 4689: every open sequence of the process ends, whatever its logon. */
static void rule_exit(ha_correlator *c, const ha_record *r)
{
    uint64_t pid;
    if (!field_uint(r, HA_FIELD_PROCESS_ID, &pid)) {
        c->counts[C_UNUSABLE]++;
        return;
    }
    const hai_istr *host = hai_correlator_host(c, r);
    hai_proc *p = host ? hai_proc_find(c, host, pid) : NULL;
    if (!p)
        return;
    while (p->open.head) {
        int last = p->nopen == 1; /* ending the last one may free p */
        seq_end(c, HAI_SEQ_OF_PROC(p->open.head), HA_END_PROCESS_EXIT, r->time, r);
        if (last)
            break;
    }
}

/* 4688: remember the process; a later one with the same PID replaces it. */
static void rule_create(ha_correlator *c, const ha_record *r)
{
    uint64_t pid, parent = 0;
    if (!field_uint(r, HA_FIELD_NEW_PROCESS_ID, &pid)) {
        c->counts[C_UNUSABLE]++;
        return;
    }
    const hai_istr *host = hai_correlator_host(c, r);
    hai_proc *p = host ? hai_proc_get(c, host, pid) : NULL;
    if (!p)
        return;
    hai_istr *image = field_istr(c, r, HA_FIELD_NEW_PROCESS_NAME);
    hai_istr *cmd = field_istr(c, r, HA_FIELD_COMMAND_LINE);
    hai_istr_unref(&c->strings, p->image);
    hai_istr_unref(&c->strings, p->command_line);
    p->image = image;
    p->command_line = cmd;
    p->created = r->time;
    field_uint(r, HA_FIELD_PROCESS_ID, &parent);
    p->parent_pid = parent;
    p->known = 1;
    hai_proc_settle(c, p); /* newest idle one, when nothing is open */
}

/* Point the alias (source pid, target handle) `ak` at the duplicate `s`,
 * taking it from an older duplicate; out of memory, `s` goes without. */
static void alias_take(ha_correlator *c, ha_sequence *s, const hai_akey *ak)
{
    hai_alias *a;
    HAI_HASH_FIND(&c->key, c->aliases, ak, sizeof *ak, a);
    if (a) { /* a newer duplicate takes the alias over */
        a->seq->dup->alias = NULL;
    } else {
        a = hai_calloc(&c->alloc, 1, sizeof *a);
        if (a) {
            a->key = *ak;
            int failed;
            HAI_HASH_ADD(&c->alloc, &c->key, c->aliases, key, sizeof a->key, a, failed);
            if (failed) {
                hai_free(&c->alloc, a);
                a = NULL;
            }
        }
        if (!a) {
            c->oom = 1;
            return;
        }
    }
    a->seq = s;
    s->dup->alias = a;
}

/* 4690: the target handle begins a sequence of its own, and a 4658 of the
 * source process's ID with the target handle's value closes it. */
static void rule_duplicate(ha_correlator *c, const ha_record *r)
{
    hai_key src, k;
    uint64_t tpid, thid;
    if (!key_of(c, r, HA_FIELD_SOURCE_PROCESS_ID, HA_FIELD_SOURCE_HANDLE_ID, &src))
        return;
    if (!field_uint(r, HA_FIELD_TARGET_PROCESS_ID, &tpid) || !field_uint(r, HA_FIELD_TARGET_HANDLE_ID, &thid)) {
        c->counts[C_UNUSABLE]++;
        return;
    }
    k = src;
    k.pid = tpid;
    k.hid = thid;
    ha_sequence *from = seq_find(c, &src);
    if (!from) { /* the source may be open under another logon */
        hai_proc *sp = hai_proc_find(c, src.host, src.pid);
        for (hai_link *l = sp ? sp->open.head : NULL; l && !from; l = l->next)
            if (HAI_SEQ_OF_PROC(l)->key.hid == src.hid)
                from = HAI_SEQ_OF_PROC(l);
    }
    ha_sequence *s = seq_find(c, &k);
    if (s) {
        if (s == from)
            from = NULL;
        seq_end(c, s, HA_END_HANDLE_REUSED, r->time, r);
    }
    /* `from` may have been evicted by seq_begin: take what it says first */
    hai_istr *otype = from ? hai_istr_ref(from->object_type) : NULL;
    hai_istr *oname = from ? hai_istr_ref(from->object_name) : NULL;
    s = seq_begin(c, &k, 1, r);
    if (!s) {
        hai_istr_unref(&c->strings, otype);
        hai_istr_unref(&c->strings, oname);
        return;
    }
    s->object_type = otype;
    s->object_name = oname;
    s->process_name = hai_istr_ref(s->proc->image);
    s->flags |= HAI_SEQ_DUPLICATE;
    s->dup = hai_calloc(&c->alloc, 1, sizeof *s->dup);
    if (s->dup) {
        s->dup->src_pid = src.pid;
        s->dup->src_hid = src.hid;
        hai_akey ak;
        memset(&ak, 0, sizeof ak);
        ak.host = k.host;
        ak.pid = src.pid;
        ak.hid = thid;
        alias_take(c, s, &ak);
    } else { /* its source unknown, its close under the source not followed */
        c->oom = 1;
    }
    if (c->on_open)
        note(c, c->on_open(s, r, c->userdata));
}

/* ---- public API --------------------------------------------------------- */

/* The size of each version of the options (see reader.c). */
static size_t options_size(unsigned int version)
{
    if (version >= 3)
        return sizeof(ha_correlator_options);
    return version == 2 ? offsetof(ha_correlator_options, on_request)
                        : offsetof(ha_correlator_options, max_string_bytes);
}

int ha_correlator_options_init(ha_correlator_options *opts, unsigned int version)
{
    if (!opts || version == 0 || version > HA_CORRELATOR_OPTIONS_VERSION)
        return HA_ERR_INVALID;
    ha_correlator_options init = HA_CORRELATOR_OPTIONS_INIT;
    init.version = version;
    memcpy(opts, &init, options_size(version));
    return HA_OK;
}

int ha_correlator_new(const ha_correlator_options *opts, ha_correlator **out)
{
    ha_correlator_options defaults = HA_CORRELATOR_OPTIONS_INIT;
    if (!out)
        return HA_ERR_INVALID;
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (opts->version == 0 || opts->version > HA_CORRELATOR_OPTIONS_VERSION)
        return HA_ERR_INVALID;
    ha_allocator a;
    hai_allocator_init(&a, opts->allocator);
    ha_correlator *c = hai_calloc(&a, 1, sizeof *c);
    if (!c)
        return HA_ERR_NOMEM;
    c->alloc = a;
    c->on_open = opts->on_open;
    c->on_access = opts->on_access;
    c->on_end = opts->on_end;
    c->userdata = opts->userdata;
    if (opts->version >= 3)
        c->on_request = opts->on_request;
    c->max_open = opts->max_open ? opts->max_open : HA_DEFAULT_MAX_OPEN;
    c->max_processes = opts->max_processes ? opts->max_processes : HA_DEFAULT_MAX_PROCESSES;
    c->max_string_bytes = HA_DEFAULT_MAX_STRING_BYTES;
    if (opts->version >= 2) {
        if (opts->max_string_bytes)
            c->max_string_bytes = opts->max_string_bytes;
        c->window.size = opts->reorder_window;
    }
    if (hai_sipkey_random(&c->key) != 0) {
        hai_free(&c->alloc, c);
        return HA_ERR_IO;
    }
    hai_interner_init(&c->strings, &c->alloc, &c->key);
    *out = c;
    return HA_OK;
}

int hai_correlator_set_key(ha_correlator *c, uint64_t k0, uint64_t k1)
{
    if (!c || c->strings.table || c->seqs || c->procs || c->aliases || c->window.seen)
        return HA_ERR_INVALID;
    c->key.k0 = k0;
    c->key.k1 = k1;
    c->strings.key = c->key;
    return HA_OK;
}

void ha_correlator_free(ha_correlator *c)
{
    if (!c)
        return;
    hai_window_free(&c->window, &c->alloc);
    ha_sequence *s, *stmp;
    HASH_ITER(hh, c->seqs, s, stmp) {
        HAI_HASH_DEL(&c->alloc, c->seqs, s);
        hai_free(&c->alloc, s->dup);
        hai_free(&c->alloc, s);
    }
    hai_proc *p, *ptmp;
    HASH_ITER(hh, c->procs, p, ptmp) {
        HAI_HASH_DEL(&c->alloc, c->procs, p);
        hai_free(&c->alloc, p);
    }
    hai_alias *al, *atmp;
    HASH_ITER(hh, c->aliases, al, atmp) {
        HAI_HASH_DEL(&c->alloc, c->aliases, al);
        hai_free(&c->alloc, al);
    }
    hai_interner_free(&c->strings); /* every string, whatever its count */
    hai_free(&c->alloc, c->diag_path);
    ha_allocator a = c->alloc;
    hai_free(&a, c);
}

/* Keep the strings within their bound: the idlest sequences go first, then
 * the idlest processes. Done between records, so a record's own strings
 * are never pulled away while it is applied. */
static void bound_strings(ha_correlator *c, const ha_record *r)
{
    while (hai_interner_bytes(&c->strings) > c->max_string_bytes && c->lru.head)
        seq_end(c, HAI_SEQ_OF_LRU(c->lru.head), HA_END_EVICTED, HA_TIME_NONE, r);
    while (hai_interner_bytes(&c->strings) > c->max_string_bytes && c->idle.head)
        proc_free(c, HAI_PROC_OF_IDLE(c->idle.head));
}

static void apply(ha_correlator *c, const ha_record *r)
{
    if (hai_interner_bytes(&c->strings) > c->max_string_bytes)
        bound_strings(c, r);
    switch (r->event_id) {
#define HAI_EVENT(id, rule)                                                                             \
    case id:                                                                                            \
        rule_##rule(c, r);                                                                              \
        break;
#include "events.def"
#undef HAI_EVENT
    default:
        c->ignored++;
        break;
    }
}

/* One of events.def's EventIDs. */
static int handled(uint32_t id)
{
    switch (id) {
#define HAI_EVENT(id, rule) case id:
#include "events.def"
#undef HAI_EVENT
        return 1;
    default:
        return 0;
    }
}

/* Apply the records the reorder window lets go (`all`: every one it holds,
 * stopping after a callback asks to). */
static void release(ha_correlator *c, int all)
{
    hai_held h;
    while (!(all && c->cb_rc) && hai_window_pop(&c->window, all, &h)) {
        apply(c, h.rec);
        hai_window_done(&c->window, &c->strings, &h);
    }
}

/* Through the reorder window: held, and what it lets go applied. */
static void hold(ha_correlator *c, const ha_record *r)
{
    const hai_istr *host = hai_correlator_host(c, r);
    if (!host)
        return;
    int rc = hai_window_push(&c->window, &c->strings, r, host);
    if (rc == HAI_WINDOW_REPEAT)
        c->counts[HA_CORR_DUPLICATES]++;
    else if (rc != HA_OK)
        c->oom = 1;
    else
        release(c, 0);
}

/* ---- errors ------------------------------------------------------------- */

int hai_correlator_fail(ha_correlator *c, const ha_diag *d, const char *path)
{
    hai_diag_copy(&c->diag, d);
    hai_diag_set_path(&c->diag, &c->diag_path, &c->alloc, path);
    c->have_diag = 1;
    return d->code;
}

const ha_diag *ha_correlator_last_diag(const ha_correlator *c)
{
    return c && c->have_diag ? &c->diag : NULL;
}

/* `code` with a message and no position or path; returns `code`. */
static int fail(ha_correlator *c, int code, const char *message)
{
    ha_diag d;
    hai_diag_set(&d, code, 0, message);
    return hai_correlator_fail(c, &d, NULL);
}

static const char in_callback[] = "called from one of the correlator's own callbacks";

int ha_correlator_add(ha_correlator *c, const ha_record *r)
{
    if (!c || !r || c->busy)
        return c ? fail(c, HA_ERR_INVALID, c->busy ? in_callback : "no record") : HA_ERR_INVALID;
    c->busy = 1;
    c->cb_rc = 0;
    c->oom = 0;
    c->counts[C_RECORDS]++;
    if (c->window.size && handled(r->event_id))
        hold(c, r);
    else
        apply(c, r); /* counted as ignored there when not handled */
    c->busy = 0;
    if (c->oom)
        return fail(c, HA_ERR_NOMEM, "out of memory applying a record (it may be partly applied)");
    return c->cb_rc;
}

int ha_correlator_on_record(const ha_record *rec, void *userdata)
{
    return ha_correlator_add(userdata, rec);
}

size_t ha_correlator_event_ids(const uint32_t **ids)
{
    static const uint32_t used[] = {
#define HAI_EVENT(id, rule) id,
#include "events.def"
#undef HAI_EVENT
    };
    if (ids)
        *ids = used;
    return sizeof used / sizeof used[0];
}

int ha_correlator_flush(ha_correlator *c)
{
    if (!c || c->busy)
        return c ? fail(c, HA_ERR_INVALID, in_callback) : HA_ERR_INVALID;
    c->busy = 1;
    c->cb_rc = 0;
    c->oom = 0;
    release(c, 1);
    while (c->lru.head && !c->cb_rc && !c->window.nheap)
        seq_end(c, HAI_SEQ_OF_LRU(c->lru.head), HA_END_END_OF_INPUT, HA_TIME_NONE, NULL);
    c->busy = 0;
    if (c->oom)
        return fail(c, HA_ERR_NOMEM, "out of memory releasing the held records");
    return c->cb_rc;
}

uint64_t ha_correlator_count(const ha_correlator *c, ha_correlator_counter which)
{
    if (which == HA_CORR_IGNORED)
        return c ? c->ignored : 0;
    if (!c || (unsigned)which >= HAI_COUNTERS)
        return 0;
    if (which == HA_CORR_HELD)
        return c->window.nheap;
    if (which == HA_CORR_STRING_BYTES)
        return hai_interner_bytes(&c->strings);
    return c->counts[which];
}

uint64_t ha_correlator_ended(const ha_correlator *c, ha_end end)
{
    if (!c || (unsigned)end >= HAI_END_COUNT)
        return 0;
    return c->ended[end];
}
