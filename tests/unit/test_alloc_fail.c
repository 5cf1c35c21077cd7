/* Allocation failures, in the manner of expat's tests/alloc_tests.c: every
 * allocation of a whole read-and-correlate run is made to fail in turn.
 *
 * A counting allocator (given to the reader, hence to expat, to the
 * correlator and to ha_record_new) numbers every allocation, malloc and
 * realloc alike, and can refuse exactly the n-th one (mode a) or every one
 * from the n-th on (mode b). It keeps every block it handed out, so it can
 * tell a leak (a block still live once everything was freed) and a bad free
 * (of a pointer it never returned, or already took back; never passed on).
 *
 * For each input a clean run counts N, its allocations; then for every n in
 * 1..N and both modes the run must not crash, must return HA_ERR_NOMEM from
 * at least one call (or have a _new fail cleanly with *out NULL; a run in
 * which the refused allocation leads to no HA_ERR_NOMEM anywhere means the
 * library swallowed it), must return no other error, and once everything is
 * freed must leave no live block and no bad free.
 *
 * The runs:
 *  - each file on the command line (a missing one is skipped) read with
 *    ha_reader_read_file(); fed in chunks of 4096 bytes (each placed just
 *    before an inaccessible page, so that reading past a chunk faults), the
 *    feeding going on after a failure, then finished; and read again into a
 *    correlator with a reorder window. The reader's on_record is
 *    ha_correlator_on_record; the correlator's callbacks call every getter,
 *    ha_sequence_json(), ha_sequence_copy() (and a copy of the copy) and
 *    ha_record_copy() of the record responsible;
 *  - a stream of odd events made here (a repaired control character, a
 *    malformed event, a long element name, 20 attributes, a 12 KB value, a
 *    UserData event, bytes outside events, an event cut short at the end)
 *    through a strict reader with the correlator's EventID filter;
 *  - records made by ha_record_new() with the same allocator (opens,
 *    accesses, 4690 duplicates, 4660, 4689, 4688): as they come; with
 *    max_open 3, max_processes 1 and a reorder window, freed without a
 *    flush; shuffled, with a repeat, a reorder window and a 256-byte bound
 *    on strings;
 *  - records made beforehand with malloc whose object names fall in one
 *    uthash bucket, so that a table must grow and that growth fails in turn
 *    (uthash is built with HASH_NONFATAL_OOM: it must never exit).
 *
 * Usage: test_alloc_fail [-v] [--fork] [-n N] [--list] FILE...
 *   -v      print every failing run (otherwise the first 25 per run kind)
 *   --fork  make each run in a child process, so that a crash is reported
 *           as that run's failure and the test goes on
 *   -n N    only n = N (both modes), to look at one failure
 *   --list  print every allocation of each clean run (number, size, call)
 * Prints, per input and run kind, N and how many runs passed in each mode.
 * Exit status 0 when every run passed, 1 otherwise. When the process dies
 * (a signal, or a sanitizer's report), the run it was making is printed.
 */
#include <handleaudit/handleaudit.h>

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_SANITIZER_DEATH_CALLBACK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define HAVE_SANITIZER_DEATH_CALLBACK 1
#endif
#endif
#ifdef HAVE_SANITIZER_DEATH_CALLBACK
#include <sanitizer/common_interface_defs.h>
#endif

#include "hash.h" /* uthash as the library sets it up: hai_hash_value, bucket sizes, the chain limit */

/* Every correlator here hashes with this key (keyed.h's test hook), so that
 * the names that share a bucket can be found beforehand and every run of
 * the sweep meets the same allocations. */
static const hai_sipkey test_key = {UINT64_C(0x0706050403020100), UINT64_C(0x0f0e0d0c0b0a0908)};

#include "check.h"

/* ==== which run was going on when the process died ========================= */

static char current_run[320];
static volatile size_t current_run_len;

static void set_current_run(const char *label, unsigned long n, char mode)
{
    current_run_len = 0;
    int k = snprintf(current_run, sizeof current_run, "test_alloc_fail: died during %s n=%lu mode=%c\n", label, n,
                     mode);
    current_run_len = k > 0 && (size_t)k < sizeof current_run ? (size_t)k : 0;
}

static void tell_current_run(void)
{
    if (current_run_len) {
        ssize_t w = write(2, current_run, current_run_len);
        (void)w;
    }
}

static void on_fatal_signal(int sig)
{
    tell_current_run();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void watch_for_death(void)
{
    static const int sigs[] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        signal(sigs[i], on_fatal_signal);
#ifdef HAVE_SANITIZER_DEATH_CALLBACK
    __sanitizer_set_death_callback(tell_current_run); /* a sanitizer's report ends in _exit */
#endif
}

/* ==== chunks with nothing readable after them ============================= */

/* A chunk of at most one page placed so that it ends where an inaccessible
 * page begins: a reader that reads past the bytes it was given faults at
 * once, in any build (malloc'ed buffers would let it read on). */
typedef struct guarded {
    char *map;
    size_t page;
} guarded;

static void guarded_init(guarded *g)
{
    long ps = sysconf(_SC_PAGESIZE);
    g->page = ps > 0 ? (size_t)ps : 4096;
    g->map = NULL;
    int fd = open("/dev/zero", O_RDWR);
    if (fd < 0)
        return;
    void *m = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return;
    if (mprotect((char *)m + g->page, g->page, PROT_NONE) != 0) {
        munmap(m, 2 * g->page);
        return;
    }
    g->map = m;
}

/* Where to put `n` bytes (n <= page) so that they end at the guard. */
static char *guarded_place(guarded *g, const char *data, size_t n)
{
    if (!g->map || n > g->page)
        return NULL;
    char *at = g->map + g->page - n;
    memcpy(at, data, n);
    return at;
}

static void guarded_free(guarded *g)
{
    if (g->map)
        munmap(g->map, 2 * g->page);
    g->map = NULL;
}

static guarded guard;

/* ==== the counting allocator ============================================== */

typedef struct block {
    void *p;             /* NULL: empty slot */
    size_t size;
    unsigned long serial; /* which allocation made it (1-based) */
    const char *phase;    /* the call in progress then */
} block;

typedef struct counter {
    unsigned long count;     /* allocations asked for: malloc and realloc */
    unsigned long fail_at;   /* 0: never refuse */
    int fail_from;           /* refuse every allocation from fail_at on */
    unsigned long refused;
    /* the first refused allocation */
    size_t refused_size, refused_old_size;
    int refused_realloc;
    const char *refused_phase;

    const char *phase; /* set by the test around each call */

    /* live blocks: open addressing on the pointer, linear probing */
    block *tab;
    size_t cap, live, live_bytes;

    unsigned long bad_frees;    /* free of a pointer not live (double or foreign) */
    unsigned long bad_reallocs; /* realloc of a pointer not live */
    unsigned long null_frees;   /* free_fn(NULL): the contract says never */
    const char *bad_phase;      /* where the first bad one happened */

    size_t watch_size;          /* count allocations of exactly this size */
    unsigned long watch_hits;
    int list;                   /* print every allocation (--list) */
} counter;

static void die(const char *what)
{
    fprintf(stderr, "test_alloc_fail: %s\n", what);
    exit(2);
}

static size_t slot_of(const counter *c, const void *p)
{
    uint64_t h = (uint64_t)(uintptr_t)p;
    h = (h >> 4) * UINT64_C(0x9E3779B97F4A7C15);
    return (size_t)(h >> 32) & (c->cap - 1);
}

static size_t find_block(const counter *c, const void *p)
{
    if (!c->cap)
        return SIZE_MAX;
    for (size_t i = slot_of(c, p);; i = (i + 1) & (c->cap - 1)) {
        if (c->tab[i].p == p)
            return i;
        if (!c->tab[i].p)
            return SIZE_MAX;
    }
}

static void put_block(counter *c, block b);

static void grow_table(counter *c)
{
    block *old = c->tab;
    size_t oldcap = c->cap;
    c->cap = oldcap ? oldcap * 2 : 1024;
    c->tab = calloc(c->cap, sizeof *c->tab);
    if (!c->tab)
        die("out of memory for the block table");
    c->live = 0;
    c->live_bytes = 0;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].p)
            put_block(c, old[i]);
    free(old);
}

static void put_block(counter *c, block b)
{
    if ((c->live + 1) * 2 > c->cap)
        grow_table(c);
    size_t i = slot_of(c, b.p);
    while (c->tab[i].p)
        i = (i + 1) & (c->cap - 1);
    c->tab[i] = b;
    c->live++;
    c->live_bytes += b.size;
}

/* Remove slot i, shifting back what probed past it. */
static void take_block(counter *c, size_t i)
{
    size_t mask = c->cap - 1;
    c->live--;
    c->live_bytes -= c->tab[i].size;
    for (size_t j = i;;) {
        j = (j + 1) & mask;
        if (!c->tab[j].p)
            break;
        size_t k = slot_of(c, c->tab[j].p);
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
            continue;
        c->tab[i] = c->tab[j];
        i = j;
    }
    c->tab[i].p = NULL;
}

/* Count one allocation; 1 when it is to be refused. */
static int refuse(counter *c, size_t size, size_t old_size, int is_realloc)
{
    unsigned long n = ++c->count;
    if (c->list)
        printf("  #%lu %s %zu (from %zu) in %s\n", n, is_realloc ? "realloc" : "malloc", size, old_size,
               c->phase);
    if (size == c->watch_size)
        c->watch_hits++;
    if (!c->fail_at || n < c->fail_at || (n > c->fail_at && !c->fail_from))
        return 0;
    if (c->refused++ == 0) {
        c->refused_size = size;
        c->refused_old_size = old_size;
        c->refused_realloc = is_realloc;
        c->refused_phase = c->phase;
    }
    return 1;
}

static void *ca_malloc(size_t size, void *ctx)
{
    counter *c = ctx;
    if (refuse(c, size, 0, 0))
        return NULL;
    void *p = malloc(size ? size : 1);
    if (!p)
        die("real out of memory");
    block b = {p, size, c->count, c->phase};
    put_block(c, b);
    return p;
}

static void *ca_realloc(void *ptr, size_t size, void *ctx)
{
    counter *c = ctx;
    if (!ptr)
        return ca_malloc(size, ctx);
    size_t i = find_block(c, ptr);
    if (i == SIZE_MAX) {
        if (!c->bad_reallocs++ && !c->bad_frees)
            c->bad_phase = c->phase;
        c->count++; /* still an allocation asked for; never touch a foreign pointer */
        return NULL;
    }
    if (refuse(c, size, c->tab[i].size, 1))
        return NULL; /* the old block stays live, as realloc leaves it */
    take_block(c, i);
    void *q = realloc(ptr, size ? size : 1);
    if (!q)
        die("real out of memory");
    block b = {q, size, c->count, c->phase};
    put_block(c, b);
    return q;
}

static void ca_free(void *ptr, void *ctx)
{
    counter *c = ctx;
    if (!ptr) {
        c->null_frees++;
        return;
    }
    size_t i = find_block(c, ptr);
    if (i == SIZE_MAX) {
        if (!c->bad_frees++ && !c->bad_reallocs)
            c->bad_phase = c->phase;
        return; /* never free what we did not hand out */
    }
    take_block(c, i);
    free(ptr);
}

/* Ready for a run: refuse allocation `fail_at` (0: none), or every one from
 * there on. Blocks left by an earlier run are forgotten (and freed). */
static void counter_start(counter *c, unsigned long fail_at, int fail_from, size_t watch_size)
{
    for (size_t i = 0; i < c->cap; i++)
        if (c->tab[i].p) {
            free(c->tab[i].p);
            c->tab[i].p = NULL;
        }
    block *tab = c->tab;
    size_t cap = c->cap;
    memset(c, 0, sizeof *c);
    c->tab = tab;
    c->cap = cap;
    c->fail_at = fail_at;
    c->fail_from = fail_from;
    c->watch_size = watch_size;
    c->phase = "(none)";
}

static void counter_free(counter *c)
{
    counter_start(c, 0, 0, 0);
    free(c->tab);
    c->tab = NULL;
    c->cap = 0;
}

/* ==== what a run saw ====================================================== */

#define MAX_STATUS 64

typedef struct status_entry {
    const char *call;
    int status;
    unsigned long count;
} status_entry;

typedef struct run {
    counter *ctr;
    ha_allocator alloc;
    status_entry st[MAX_STATUS];
    size_t nst;
    unsigned long nomem;      /* HA_ERR_NOMEM returned, or a _new failing cleanly */
    unsigned long unexpected; /* any other negative status */
    unsigned long problems;   /* broken promises seen by the callbacks or _new */
    char problem[300];        /* the first one */
    unsigned long callbacks, errors, warnings;
    uint64_t digest;          /* FNV-1a of every sequence's JSON, in callback order */
    int light;                /* callbacks read the sequence but do not copy it */
} run;

static const char *status_name(int s)
{
    switch (s) {
    case HA_OK: return "OK";
    case HA_ERR_NOMEM: return "NOMEM";
    case HA_ERR_INVALID: return "INVALID";
    case HA_ERR_IO: return "IO";
    default: return NULL;
    }
}

static void note_problem(run *r, const char *fmt, ...)
{
    if (r->problems++ == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->problem, sizeof r->problem, fmt, ap);
        va_end(ap);
    }
}

static void log_status(run *r, const char *call, int status)
{
    if (status == HA_ERR_NOMEM)
        r->nomem++;
    else if (status < 0)
        r->unexpected++;
    for (size_t i = 0; i < r->nst; i++)
        if (r->st[i].call == call && r->st[i].status == status) {
            r->st[i].count++;
            return;
        }
    if (r->nst < MAX_STATUS) {
        status_entry e = {call, status, 1};
        r->st[r->nst++] = e;
    }
}

/* "call=STATUS" for each distinct one, "xK" when repeated. */
static void format_statuses(const run *r, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < r->nst && n < cap; i++) {
        const char *name = status_name(r->st[i].status);
        char num[16];
        if (!name) {
            snprintf(num, sizeof num, "%d", r->st[i].status);
            name = num;
        }
        int k = r->st[i].count > 1 ? snprintf(buf + n, cap - n, "%s%s=%s x%lu", n ? " " : "", r->st[i].call,
                                              name, r->st[i].count)
                                   : snprintf(buf + n, cap - n, "%s%s=%s", n ? " " : "", r->st[i].call, name);
        if (k < 0)
            break;
        n += (size_t)k;
    }
}

/* ==== the callbacks ======================================================= */

/* Read everything a sequence offers, as a user keeping it would. */
static void read_sequence(run *r, const ha_sequence *s, const ha_record *rec)
{
    volatile uint64_t sink = 0;
    const char *strs[] = {ha_sequence_computer(s),          ha_sequence_object_type(s),
                          ha_sequence_object_name(s),       ha_sequence_process_name(s),
                          ha_sequence_process_command_line(s), ha_sequence_subject_user_sid(s),
                          ha_sequence_subject_user_name(s), ha_sequence_subject_domain_name(s)};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        sink += strs[i] ? strlen(strs[i]) : 0;
    if (!ha_sequence_computer(s))
        note_problem(r, "ha_sequence_computer() gave NULL");
    sink += ha_sequence_process_id(s) + ha_sequence_handle_id(s) + ha_sequence_logon_id(s);
    sink += (uint64_t)ha_sequence_opened(s) + (uint64_t)ha_sequence_end(s) + (uint64_t)ha_sequence_deleted(s);
    sink += (uint64_t)ha_sequence_open_time(s) + (uint64_t)ha_sequence_end_time(s) +
            (uint64_t)ha_sequence_duration(s);
    sink += ha_sequence_accesses(s) + ha_sequence_access_mask(s) + ha_sequence_requested_access(s);
    sink += ha_sequence_first_record_id(s) + ha_sequence_last_record_id(s);
    sink += (uint64_t)ha_sequence_duplicated(s) + ha_sequence_source_process_id(s) +
            ha_sequence_source_handle_id(s);
    sink += (uint64_t)strlen(ha_end_name(ha_sequence_end(s)));
    if (rec)
        sink += ha_record_event_id(rec) + ha_record_record_id(rec) + (uint64_t)ha_record_time(rec) +
                ha_record_data_count(rec);
    (void)sink;
}

/* The sequence's JSON in buf (cap bytes) or a malloc'ed one; its length. */
static size_t sequence_json(const ha_sequence *s, char *buf, size_t cap, char **out)
{
    size_t n = ha_sequence_json(s, buf, cap);
    *out = buf;
    if (n >= cap) {
        *out = malloc(n + 1);
        if (!*out)
            die("real out of memory");
        ha_sequence_json(s, *out, n + 1);
    }
    return n;
}

static int on_sequence(const ha_sequence *s, const ha_record *rec, void *ud)
{
    run *r = ud;
    r->callbacks++;
    read_sequence(r, s, rec);
    char stack[2048], *json;
    size_t n = sequence_json(s, stack, sizeof stack, &json);
    if (n < 2 || json[0] != '{' || json[n - 1] != '}')
        note_problem(r, "ha_sequence_json() gave no object");
    for (size_t i = 0; i < n; i++)
        r->digest = (r->digest ^ (unsigned char)json[i]) * UINT64_C(0x100000001B3);
    if (!r->light) {
        const char *saved = r->ctr->phase;
        r->ctr->phase = "ha_sequence_copy";
        ha_sequence *copy = NULL;
        int rc = ha_sequence_copy(s, &copy);
        r->ctr->phase = saved;
        log_status(r, "ha_sequence_copy", rc);
        if (rc == HA_OK && copy) {
            read_sequence(r, copy, NULL);
            char stack2[2048], *json2;
            size_t n2 = sequence_json(copy, stack2, sizeof stack2, &json2);
            if (n2 != n || memcmp(json, json2, n) != 0)
                note_problem(r, "a copy's JSON differs from its sequence's");
            if (json2 != stack2)
                free(json2);
            /* a copy of the copy takes the allocator the copy kept */
            ha_sequence *copy2 = NULL;
            r->ctr->phase = "ha_sequence_copy (of a copy)";
            rc = ha_sequence_copy(copy, &copy2);
            log_status(r, "ha_sequence_copy (of a copy)", rc);
            r->ctr->phase = "ha_sequence_free";
            ha_sequence_free(copy2);
            ha_sequence_free(copy);
            r->ctr->phase = saved;
        } else if (rc == HA_OK) {
            note_problem(r, "ha_sequence_copy() gave HA_OK and NULL");
        }
        if (rec) { /* the record responsible, kept past the callback */
            ha_record *rcopy = NULL;
            r->ctr->phase = "ha_record_copy";
            rc = ha_record_copy(rec, &rcopy);
            log_status(r, "ha_record_copy", rc);
            if (rc == HA_OK && rcopy) {
                size_t k = ha_record_data_count(rec), la = 0, lb = 0;
                const char *va = k ? ha_record_data_value(rec, k - 1, &la) : "";
                const char *vb = k ? ha_record_data_value(rcopy, k - 1, &lb) : "";
                if (ha_record_data_count(rcopy) != k || ha_record_event_id(rcopy) != ha_record_event_id(rec) ||
                    ha_record_record_id(rcopy) != ha_record_record_id(rec) || !va || !vb || la != lb ||
                    memcmp(va, vb, la) != 0)
                    note_problem(r, "a record's copy differs from it");
            }
            r->ctr->phase = "ha_record_free";
            ha_record_free(rcopy);
            r->ctr->phase = saved;
        }
    }
    if (json != stack)
        free(json);
    return 0;
}

/* ==== runs ================================================================ */

enum variant { V_FILE, V_CHUNKS, V_REORDER, V_BUILT, V_BUILT_EVICT, V_BUILT_REORDER, V_EXPAND };
static const char *const variant_name[] = {"read_file",
                                           "feed4096",
                                           "read_file, reorder_window 16",
                                           "built",
                                           "built, max_open 3, max_processes 1, reorder_window 2, no flush",
                                           "built, shuffled, one repeat, reorder_window 4, max_string_bytes 256",
                                           "hash-expand"};

typedef struct input {
    const char *label;
    const char *path;
    char *data; /* the file's bytes, for V_CHUNKS */
    size_t len;
    ha_record **recs; /* V_EXPAND: made beforehand with malloc */
    size_t nrecs;
    int filter;       /* strict reader with the correlator's EventID filter */
} input;

static void run_init(run *r, counter *c, int light)
{
    memset(r, 0, sizeof *r);
    r->ctr = c;
    r->digest = UINT64_C(0xCBF29CE484222325);
    r->alloc.malloc_fn = ca_malloc;
    r->alloc.realloc_fn = ca_realloc;
    r->alloc.free_fn = ca_free;
    r->alloc.ctx = c;
    r->light = light;
}

/* A sentinel that _new must overwrite with NULL when it fails. */
static char sentinel;

typedef struct bounds {
    size_t max_open, max_processes, max_string_bytes, reorder_window;
} bounds;

static ha_correlator *new_correlator(run *r, bounds b)
{
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.max_open = b.max_open;
    o.max_processes = b.max_processes;
    o.max_string_bytes = b.max_string_bytes;
    o.reorder_window = b.reorder_window;
    o.on_open = on_sequence;
    o.on_access = on_sequence;
    o.on_end = on_sequence;
    o.userdata = r;
    o.allocator = &r->alloc;
    ha_correlator *c = (ha_correlator *)(void *)&sentinel;
    r->ctr->phase = "ha_correlator_new";
    int rc = ha_correlator_new(&o, &c);
    log_status(r, "ha_correlator_new", rc);
    if (rc != HA_OK) {
        if (c != NULL)
            note_problem(r, "ha_correlator_new() failed and left *out set");
        return NULL;
    }
    if (!c)
        note_problem(r, "ha_correlator_new() gave HA_OK and NULL");
    else if (hai_correlator_set_key(c, test_key.k0, test_key.k1) != HA_OK)
        note_problem(r, "a new correlator refused a fixed hash key");
    return c;
}

static void free_correlator(run *r, ha_correlator *c)
{
    r->ctr->phase = "ha_correlator_free";
    ha_correlator_free(c);
}

static void flush_correlator(run *r, ha_correlator *c)
{
    r->ctr->phase = "ha_correlator_flush";
    log_status(r, "ha_correlator_flush", ha_correlator_flush(c));
}

/* A diagnostic must lie within the bytes given so far, and no event of the
 * inputs comes near the 4 MiB limit: a diagnostic beyond the stream or an
 * event "too large" shows that the reader lost track of its stream. */
static void check_last_diag(run *r, const ha_reader *rd, const char *call)
{
    const ha_diag *d = ha_reader_last_diag(rd);
    uint64_t fed = ha_reader_count(rd, HA_COUNT_BYTES);
    if (d && (ha_diag_offset(d) > fed || ha_diag_event_offset(d) > fed || ha_diag_code(d) == HA_ERR_EVENT_TOO_LARGE))
        note_problem(r, "after %s the last diagnostic is (%d, \"%s\") at offset %" PRIu64 " of the %" PRIu64
                     " bytes given", call, ha_diag_code(d), ha_diag_message(d), ha_diag_offset(d), fed);
}

/* Out of memory may also surface as a warning: a reader that cannot have
 * the memory to parse a run of events in one call says so and goes on one
 * event at a time, losing nothing. */
static unsigned long nomem_warnings;
static int count_nomem_warning(const ha_diag *d, void *ud)
{
    (void)ud;
    if (ha_diag_code(d) == HA_ERR_NOMEM && ha_diag_is_warning(d))
        nomem_warnings++;
    return 0;
}

/* Read (or feed) a file through a reader into a correlator. */
static void run_reader(run *r, const input *in, int variant)
{
    bounds b = {0, 0, 0, 0};
    if (variant == V_REORDER) {
        b.reorder_window = 16;
    }
    ha_correlator *corr = new_correlator(r, b);
    if (!corr)
        return;
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = ha_correlator_on_record;
    o.on_diag = count_nomem_warning;
    o.userdata = corr; /* diagnostics: the reader's counters, read after */
    nomem_warnings = 0;
    o.allocator = &r->alloc;
    o.flags = in->filter ? HA_READER_STRICT : 0;
    ha_reader *rd = (ha_reader *)(void *)&sentinel;
    r->ctr->phase = "ha_reader_new";
    int rc = ha_reader_new(&o, &rd);
    log_status(r, "ha_reader_new", rc);
    if (rc != HA_OK) {
        if (rd != NULL)
            note_problem(r, "ha_reader_new() failed and left *out set");
        free_correlator(r, corr);
        return;
    }
    if (in->filter) {
        const uint32_t *ids;
        size_t nids = ha_correlator_event_ids(&ids);
        r->ctr->phase = "ha_reader_set_event_filter";
        log_status(r, "ha_reader_set_event_filter", ha_reader_set_event_filter(rd, ids, nids));
    }
    if (variant == V_FILE || variant == V_REORDER) {
        r->ctr->phase = "ha_reader_read_file";
        log_status(r, "ha_reader_read_file", ha_reader_read_file(rd, in->path));
    } else {
        /* the reader stays usable after a failed feed: feed the rest, finish */
        r->ctr->phase = "ha_reader_feed";
        for (size_t i = 0; i < in->len; i += 4096) {
            size_t n = in->len - i < 4096 ? in->len - i : 4096;
            const char *chunk = guarded_place(&guard, in->data + i, n);
            log_status(r, "ha_reader_feed", ha_reader_feed(rd, chunk ? chunk : in->data + i, n));
            check_last_diag(r, rd, "ha_reader_feed");
        }
        r->ctr->phase = "ha_reader_finish";
        log_status(r, "ha_reader_finish", ha_reader_finish(rd));
        check_last_diag(r, rd, "ha_reader_finish");
    }
    r->errors = ha_reader_count(rd, HA_COUNT_ERRORS);
    r->warnings = ha_reader_count(rd, HA_COUNT_WARNINGS);
    r->nomem += nomem_warnings;
    flush_correlator(r, corr);
    r->ctr->phase = "ha_reader_free";
    ha_reader_free(rd);
    free_correlator(r, corr);
}

/* ---- records made by ha_record_new ---------------------------------------- */

#define KW_SUCCESS UINT64_C(0x8020000000000000)
#define T0 (INT64_C(1767225600) * 1000000000)
#define SUBJECT "SubjectUserSid", "S-1-5-21-1004336348-1177238915-682003330-1107", "SubjectUserName", "alice", \
                "SubjectDomainName", "CORP", "SubjectLogonId", "0x3e7"

typedef struct event {
    uint32_t id;
    const char *host;
    const char *pairs[40]; /* name, value, ..., NULL */
} event;

#define OTHER_LOGON "SubjectUserSid", "S-1-5-21-1004336348-1177238915-682003330-1108", "SubjectUserName", "bob", \
                    "SubjectDomainName", "CORP", "SubjectLogonId", "0x999"

static const event built_events[] = {
    {4688, "HOST", {SUBJECT, "NewProcessId", "0x1000", "NewProcessName", "C:\\Tools\\a.exe", "TokenElevationType",
                    "%%1936", "ProcessId", "0x4", "CommandLine", "a.exe --all", NULL}},
    {4656, "HOST", {SUBJECT, "ObjectServer", "Security", "ObjectType", "File", "ObjectName",
                    "C:\\Users\\alice\\secret.txt", "HandleId", "0x10", "AccessList", "%%4416", "AccessMask", "0x1",
                    "ProcessId", "0x1000", "ProcessName", "C:\\Tools\\a.exe", NULL}},
    {4656, "HOST", {SUBJECT, "ObjectServer", "Security", "ObjectType", "Key", "ObjectName",
                    "\\REGISTRY\\MACHINE\\SAM", "HandleId", "0x14", "AccessMask", "0x20019", "ProcessId", "0x1000",
                    "ProcessName", "C:\\Tools\\a.exe", NULL}},
    {4663, "HOST", {SUBJECT, "ObjectServer", "Security", "ObjectType", "File", "ObjectName",
                    "C:\\Users\\alice\\secret.txt", "HandleId", "0x10", "AccessList", "%%4416", "AccessMask", "0x1",
                    "ProcessId", "0x1000", "ProcessName", "C:\\Tools\\a.exe", NULL}},
    {4663, "HOST", {SUBJECT, "ObjectType", "Key", "ObjectName", "\\REGISTRY\\MACHINE\\SAM", "HandleId", "0x14",
                    "AccessMask", "0x10", "ProcessId", "0x1000", "ProcessName", "C:\\Tools\\a.exe", NULL}},
    /* two duplicates whose alias (source process, target handle) is the same: the second takes it over */
    {4690, "HOST", {SUBJECT, "SourceHandleId", "0x10", "SourceProcessId", "0x1000", "TargetHandleId", "0x40",
                    "TargetProcessId", "0x2000", NULL}},
    {4690, "HOST", {SUBJECT, "SourceHandleId", "0x14", "SourceProcessId", "0x1000", "TargetHandleId", "0x40",
                    "TargetProcessId", "0x2100", NULL}},
    /* a duplicate logged under another logon than its source's open */
    {4690, "HOST", {OTHER_LOGON, "SourceHandleId", "0x10", "SourceProcessId", "0x1000", "TargetHandleId", "0x50",
                    "TargetProcessId", "0x2000", NULL}},
    {4663, "HOST", {SUBJECT, "ObjectType", "File", "ObjectName", "C:\\Users\\alice\\secret.txt", "HandleId", "0x40",
                    "AccessMask", "0x1", "ProcessId", "0x2000", "ProcessName", "C:\\Tools\\b.exe", NULL}},
    {4658, "HOST", {SUBJECT, "ObjectServer", "Security", "HandleId", "0x40", "ProcessId", "0x1000", "ProcessName",
                    "C:\\Tools\\a.exe", NULL}},
    {4658, "HOST", {SUBJECT, "ObjectServer", "Security", "HandleId", "0x10", "ProcessId", "0x1000", "ProcessName",
                    "C:\\Tools\\a.exe", NULL}},
    {4663, "OTHER", {SUBJECT, "ObjectType", "File", "ObjectName", "D:\\share\\x.doc", "HandleId", "0x88",
                     "AccessMask", "0x2", "ProcessId", "0x3000", "ProcessName", "C:\\Tools\\c.exe", NULL}},
    /* no Computer at all */
    {4663, NULL, {SUBJECT, "ObjectType", "File", "ObjectName", "E:\\nohost.txt", "HandleId", "0x8c",
                  "AccessMask", "0x2", "ProcessId", "0x3004", NULL}},
    {4660, "HOST", {SUBJECT, "ObjectServer", "Security", "HandleId", "0x14", "ProcessId", "0x1000", "ProcessName",
                    "C:\\Tools\\a.exe", NULL}},
    {4656, "HOST", {SUBJECT, "ObjectType", "File", "ObjectName", "C:\\Temp\\left-open.txt", "HandleId", "0x44",
                    "AccessMask", "0x80", "ProcessId", "0x2000", "ProcessName", "C:\\Tools\\b.exe", NULL}},
    /* the same key opened again: the first one ends as reused */
    {4656, "HOST", {SUBJECT, "ObjectType", "File", "ObjectName", "C:\\Temp\\reopened.txt", "HandleId", "0x44",
                    "AccessMask", "0x80", "ProcessId", "0x2000", "ProcessName", "C:\\Tools\\b.exe", NULL}},
    {4689, "HOST", {SUBJECT, "Status", "0x0", "ProcessId", "0x1000", "ProcessName", "C:\\Tools\\a.exe", NULL}},
    {4688, "HOST", {SUBJECT, "NewProcessId", "0x2000", "NewProcessName", "C:\\Tools\\b.exe", "ProcessId", "0x1000",
                    "CommandLine", "b.exe", NULL}},
    {4688, "HOST", {SUBJECT, "NewProcessId", "0x2200", "NewProcessName", "C:\\Tools\\e.exe", "ProcessId", "0x1000",
                    "CommandLine", "e.exe /q", NULL}},
    {4656, "HOST", {SUBJECT, "ObjectType", "File", "ObjectName", "C:\\Temp\\after-4688.txt", "HandleId", "0x48",
                    "AccessMask", "0x80", "ProcessId", "0x2000", NULL}},
};

/* Make one record with allocator `a` (NULL: malloc). Returns HA_OK or the
 * first failing status (logged into `r` when not NULL); *out is the record
 * or NULL. */
static int build_record(run *r, const ha_allocator *a, const event *e, uint64_t rid, ha_record **out)
{
    ha_record *rec = (ha_record *)(void *)&sentinel;
    counter *c = r ? r->ctr : NULL;
    if (c)
        c->phase = "ha_record_new";
    int rc = ha_record_new(a, &rec);
    if (r)
        log_status(r, "ha_record_new", rc);
    *out = NULL;
    if (rc != HA_OK) {
        if (rec != NULL && r)
            note_problem(r, "ha_record_new() failed and left *out set");
        return rc;
    }
    if (c)
        c->phase = "ha_record_set_system";
    rc = ha_record_set_system(rec, e->id, 0, KW_SUCCESS, T0 + (int64_t)rid * 1000, rid, e->host);
    if (r)
        log_status(r, "ha_record_set_system", rc);
    for (size_t i = 0; rc == HA_OK && e->pairs[i]; i += 2) {
        if (c)
            c->phase = "ha_record_add_data";
        rc = ha_record_add_data(rec, e->pairs[i], e->pairs[i + 1], strlen(e->pairs[i + 1]));
        if (r)
            log_status(r, "ha_record_add_data", rc);
    }
    if (rc != HA_OK) {
        if (c)
            c->phase = "ha_record_free";
        ha_record_free(rec);
        return rc;
    }
    *out = rec;
    return HA_OK;
}

static void add_record(run *r, ha_correlator *corr, const ha_record *rec)
{
    r->ctr->phase = "ha_correlator_add";
    log_status(r, "ha_correlator_add", ha_correlator_add(corr, rec));
}

/* V_BUILT_EVICT: at most 3 open sequences and 1 idle process (so that
 * records evict and forget), and the correlator is freed without a flush,
 * with sequences, aliases, processes and held records. V_BUILT_REORDER:
 * adjacent events swapped, the fourth one given twice, a reorder window of
 * 4 puts them back in order and drops the repeat; a bound of 256 bytes on
 * the strings makes sequences and processes go to keep within it. */
static void run_built(run *r, int variant)
{
    bounds b = {0, 0, 0, 0};
    if (variant == V_BUILT_EVICT) {
        b.max_open = 3;
        b.max_processes = 1;
        b.reorder_window = 2;
    } else if (variant == V_BUILT_REORDER) {
        b.reorder_window = 4;
        b.max_string_bytes = 256;
    }
    ha_correlator *corr = new_correlator(r, b);
    if (!corr)
        return;
    size_t count = sizeof built_events / sizeof built_events[0];
    for (size_t k = 0; k < count + (variant == V_BUILT_REORDER); k++) {
        size_t i = k;
        if (variant == V_BUILT_REORDER) { /* 1 0 3 2 3 5 4 7 6 ...: the repeat while 3 is in the set */
            size_t j = k < 4 ? k : k == 4 ? 2 : k - 1;
            i = (j ^ 1) < count ? j ^ 1 : j;
        }
        ha_record *rec;
        if (build_record(r, &r->alloc, &built_events[i], 100 + i, &rec) != HA_OK)
            continue; /* this event is lost; the correlator goes on */
        add_record(r, corr, rec);
        r->ctr->phase = "ha_record_free";
        ha_record_free(rec);
    }
    if (variant != V_BUILT_EVICT)
        flush_correlator(r, corr);
    free_correlator(r, corr);
}

static void run_expand(run *r, const input *in)
{
    bounds b = {0, 0, 0, 0};
    ha_correlator *corr = new_correlator(r, b);
    if (!corr)
        return;
    for (size_t i = 0; i < in->nrecs; i++)
        add_record(r, corr, in->recs[i]);
    flush_correlator(r, corr);
    free_correlator(r, corr);
}

/* Object names that uthash's default hash puts in one bucket of a table of
 * HASH_INITIAL_NUM_BUCKETS: two more than the library's chain limit make
 * the interner's table grow. */
#define EXPAND_NAMES (HASH_BKT_CAPACITY_THRESH + 2)
static char expand_names[EXPAND_NAMES][64];

static void make_expand_input(input *in)
{
    unsigned want = 0, found = 0;
    for (unsigned k = 0; found < EXPAND_NAMES && k < 1000000; k++) {
        char name[64];
        snprintf(name, sizeof name, "C:\\Data\\collide-%06u.bin", k);
        unsigned hv = hai_hash_value(&test_key, name, strlen(name));
        unsigned bkt = hv & (HASH_INITIAL_NUM_BUCKETS - 1U);
        if (found == 0)
            want = bkt;
        if (bkt == want)
            memcpy(expand_names[found++], name, sizeof name);
    }
    if (found < EXPAND_NAMES)
        die("could not find colliding names");
    in->nrecs = EXPAND_NAMES + 2;
    in->recs = calloc(in->nrecs, sizeof *in->recs);
    if (!in->recs)
        die("real out of memory");
    event e4688 = {4688, "HOST", {SUBJECT, "NewProcessId", "0x500", "NewProcessName", "C:\\Tools\\d.exe",
                                  "ProcessId", "0x4", "CommandLine", "d.exe", NULL}};
    if (build_record(NULL, NULL, &e4688, 1, &in->recs[0]) != HA_OK)
        die("cannot build a record");
    for (unsigned i = 0; i < EXPAND_NAMES; i++) {
        char hid[16];
        snprintf(hid, sizeof hid, "0x%x", 0x100 + 4 * i);
        event e = {4656, "HOST", {SUBJECT, "ObjectType", "File", "ObjectName", expand_names[i], "HandleId", hid,
                                  "AccessMask", "0x1", "ProcessId", "0x500", NULL}};
        /* build_record copies the strings, so the local buffer may go */
        if (build_record(NULL, NULL, &e, 2 + i, &in->recs[1 + i]) != HA_OK)
            die("cannot build a record");
    }
    event exit_ev = {4689, "HOST", {SUBJECT, "Status", "0x0", "ProcessId", "0x500", NULL}};
    if (build_record(NULL, NULL, &exit_ev, 100, &in->recs[EXPAND_NAMES + 1]) != HA_OK)
        die("cannot build a record");
}

/* ---- a stream of odd events ------------------------------------------------ */

typedef struct sbuf {
    char *s;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const char *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s)
            die("real out of memory");
    }
    memcpy(b->s + b->n, p, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *p) { sb_add(b, p, strlen(p)); }

/* One event: System (with `system_extra` inside it) and a body after it. */
static void sb_event(sbuf *b, unsigned id, const char *record_id, const char *system_extra, const char *body)
{
    char head[1024];
    snprintf(head, sizeof head,
             "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
             "<Provider Name='Microsoft-Windows-Security-Auditing' Guid='{54849625-5478-4994-A5BA-3E3B0328C30D}'/>"
             "<EventID>%u</EventID><Version>1</Version><Level>0</Level><Task>12800</Task><Opcode>0</Opcode>"
             "<Keywords>0x8020000000000000</Keywords><TimeCreated SystemTime='2026-01-01T00:00:01.1234567Z'/>"
             "<EventRecordID>%s</EventRecordID><Execution ProcessID='4' ThreadID='8'/><Channel>Security</Channel>"
             "<Computer>HOST</Computer>%s</System>",
             id, record_id, system_extra);
    sb_str(b, head);
    sb_str(b, body);
    sb_str(b, "</Event>\n");
}

#define SYN_SUBJECT "<Data Name='SubjectUserSid'>S-1-5-18</Data><Data Name='SubjectUserName'>HOST$</Data>" \
                    "<Data Name='SubjectDomainName'>CORP</Data><Data Name='SubjectLogonId'>0x3e7</Data>"

/* What the corpus files do not have: a forbidden control character (raw
 * and as a reference: the event is repaired), a malformed event (the
 * parser is reset for the next one), a value whose NUL makes the text
 * arena grow, an element of 20 attributes and one
 * with a long name (expat reallocates), a 12 KB value (an event across
 * chunks), a Data without Name, a UserData event, a value that is not a
 * number, bytes outside any event and an event cut short at the end. */
static void make_synthetic_input(input *in)
{
    sbuf b = {NULL, 0, 0};
    sb_str(&b, "<?xml version='1.0' encoding='utf-8' standalone='yes'?>\n<Events>\n");
    /* first, while the reader's text arena is empty: the name "A" and its
     * value fill the arena's first 8 bytes exactly, so that the value's NUL
     * needs the arena to grow */
    sb_str(&b, "<Event><System><EventID>4663</EventID></System><EventData><Data Name='A'>xxxxxx</Data>"
               "</EventData></Event>\n");
    sb_event(&b, 4688, "1", "<Security UserID='S-1-5-18'/>",
             "<EventData>" SYN_SUBJECT "<Data Name='NewProcessId'>0x700</Data>"
             "<Data Name='NewProcessName'>C:\\Tools\\odd.exe</Data><Data Name='ProcessId'>0x4</Data>"
             "<Data Name='CommandLine'>odd.exe --go</Data></EventData>");
    sb_event(&b, 4656, "2", "<Security/>",
             "<EventData>" SYN_SUBJECT "<Data Name='ObjectType'>File</Data>"
             "<Data Name='ObjectName'>C:\\odd\x01name&#x2;.txt</Data><Data Name='HandleId'>0x20</Data>"
             "<Data Name='AccessMask'>0x1</Data><Data Name='ProcessId'>0x700</Data></EventData>");
    sb_event(&b, 4663, "3", "", "<EventData>" SYN_SUBJECT "<Data Name='HandleId'>0x20</Dta></EventData>");
    sb_str(&b, "this line is no event\n");
    {
        sbuf attrs = {NULL, 0, 0};
        sb_str(&attrs, "<Correlation");
        for (int i = 0; i < 20; i++) {
            char a[32];
            snprintf(a, sizeof a, " a%d='%d'", i, i);
            sb_str(&attrs, a);
        }
        sb_str(&attrs, "/>");
        char longname[160];
        memset(longname, 'L', sizeof longname - 1);
        longname[sizeof longname - 1] = '\0';
        sbuf body = {NULL, 0, 0};
        sb_str(&body, "<EventData>" SYN_SUBJECT "<Data Name='HandleId'>0x20</Data><Data Name='ProcessId'>0x700</Data>"
                      "<Data Name='AccessMask'>0x2</Data><Data>no name</Data><");
        sb_str(&body, longname);
        sb_str(&body, ">not a Data</");
        sb_str(&body, longname);
        sb_str(&body, "><Data Name='AccessReason'>");
        for (int i = 0; i < 1200; i++)
            sb_str(&body, "%%1538 R ");
        sb_str(&body, "</Data></EventData>");
        sb_event(&b, 4663, "4", attrs.s, body.s);
        free(attrs.s);
        free(body.s);
    }
    sb_event(&b, 1102, "5", "",
             "<UserData><LogFileCleared xmlns='http://manifests.microsoft.com/win/2004/08/windows/eventlog'>"
             "<SubjectUserSid>S-1-5-21-1</SubjectUserSid><SubjectUserName>alice</SubjectUserName>"
             "<Nested><Deeper>leaf</Deeper></Nested></LogFileCleared></UserData>");
    sb_event(&b, 4658, "not-a-number", "",
             "<EventData>" SYN_SUBJECT "<Data Name='HandleId'>0x20</Data><Data Name='ProcessId'>0x700</Data>"
             "</EventData>");
    sb_str(&b, "</Events>\n<Event><System><EventID>4663</EventID><Computer>HOST</Comp");
    in->data = b.s;
    in->len = b.n;
    in->filter = 1;
}

/* ==== one run, judged ===================================================== */

typedef struct verdict {
    int failed;
    char text[1024];
} verdict;

static void do_run(run *r, const input *in, int variant)
{
    switch (variant) {
    case V_FILE:
    case V_CHUNKS:
    case V_REORDER:
        run_reader(r, in, variant);
        break;
    case V_BUILT:
    case V_BUILT_EVICT:
    case V_BUILT_REORDER:
        run_built(r, variant);
        break;
    default:
        run_expand(r, in);
        break;
    }
}

static void describe_refused(const counter *c, char *buf, size_t cap)
{
    if (c->refused_realloc)
        snprintf(buf, cap, "realloc to %zu bytes (from %zu) in %s", c->refused_size, c->refused_old_size,
                 c->refused_phase);
    else
        snprintf(buf, cap, "malloc of %zu bytes in %s", c->refused_size, c->refused_phase);
}

/* The live blocks, smallest serial first (at most 8). */
static void describe_leaks(const counter *c, char *buf, size_t cap)
{
    size_t n = 0;
    unsigned long last = 0;
    buf[0] = '\0';
    for (int k = 0; k < 8; k++) {
        const block *best = NULL;
        for (size_t i = 0; i < c->cap; i++)
            if (c->tab[i].p && c->tab[i].serial > last && (!best || c->tab[i].serial < best->serial))
                best = &c->tab[i];
        if (!best)
            break;
        last = best->serial;
        int w = snprintf(buf + n, cap - n, "%s%zu bytes (allocation #%lu, in %s)", n ? ", " : "", best->size,
                         best->serial, best->phase);
        if (w < 0 || (size_t)w >= cap - n)
            break;
        n += (size_t)w;
    }
    if (c->live > 8 && n < cap)
        snprintf(buf + n, cap - n, ", ...");
}

/* Make the run with allocation `n` refused (mode 'a': that one only; 'b':
 * from there on; n 0: none) and judge it. */
static void judge(const input *in, int variant, unsigned long n, char mode, counter *c, uint64_t clean_digest,
                  verdict *v)
{
    run r;
    char label[200];
    snprintf(label, sizeof label, "%s [%s]", in->label, variant_name[variant]);
    set_current_run(label, n, mode);
    run_init(&r, c, variant == V_EXPAND);
    counter_start(c, n, mode == 'b', 0);
    do_run(&r, in, variant);
    current_run_len = 0;
    v->failed = 0;
    v->text[0] = '\0';
    char what[160] = "", statuses[512];
    size_t k = 0;
    describe_refused(c, what, sizeof what);
    format_statuses(&r, statuses, sizeof statuses);
#define SAY(...)                                                                                               \
    do {                                                                                                       \
        if (k < sizeof v->text) {                                                                              \
            int w_ = snprintf(v->text + k, sizeof v->text - k, __VA_ARGS__);                                   \
            k += w_ > 0 ? (size_t)w_ : 0;                                                                      \
        }                                                                                                      \
    } while (0)
    if (n && c->refused == 0) {
        v->failed = 1;
        SAY("allocation #%lu never happened (the run made %lu); ", n, c->count);
    } else if (n && r.nomem == 0) {
        v->failed = 1;
        SAY("swallowed out-of-memory: refused %s, no HA_ERR_NOMEM anywhere; ", what);
    }
    if (r.unexpected) {
        v->failed = 1;
        SAY("a status other than HA_OK and HA_ERR_NOMEM; ");
    }
    if (r.problems) {
        v->failed = 1;
        SAY("%s; ", r.problem);
    }
    if (c->live) {
        char leaks[600];
        describe_leaks(c, leaks, sizeof leaks);
        v->failed = 1;
        SAY("leak: %zu block(s), %zu bytes live after free: %s; ", c->live, c->live_bytes, leaks);
    }
    if (c->bad_frees || c->bad_reallocs || c->null_frees) {
        v->failed = 1;
        SAY("bad frees: %lu of a pointer not live, %lu reallocs of one, %lu of NULL (first in %s); ",
            c->bad_frees, c->bad_reallocs, c->null_frees, c->bad_phase ? c->bad_phase : "?");
    }
    if (v->failed) {
        if (n)
            SAY("refused: %s (%lu refused in all); ", what, c->refused);
        SAY("statuses: %s; reader diagnostics: %lu errors, %lu warnings; sequences %s the clean run's", statuses,
            r.errors, r.warnings, r.digest == clean_digest ? "same as" : "differ from");
    }
#undef SAY
}

/* Judge in a child process: a crash becomes the run's failure. */
static void judge_forked(const input *in, int variant, unsigned long n, char mode, counter *c,
                         uint64_t clean_digest, verdict *v)
{
    int fds[2];
    if (pipe(fds) != 0)
        die("pipe failed");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die("fork failed");
    if (pid == 0) {
        close(fds[0]);
        judge(in, variant, n, mode, c, clean_digest, v);
        ssize_t w = write(fds[1], v, sizeof *v);
        _exit(w == (ssize_t)sizeof *v ? 0 : 3);
    }
    close(fds[1]);
    ssize_t got = 0, k;
    while (got < (ssize_t)sizeof *v && (k = read(fds[0], (char *)v + got, sizeof *v - (size_t)got)) > 0)
        got += k;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (got != (ssize_t)sizeof *v || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        v->failed = 1;
        if (WIFSIGNALED(status))
            snprintf(v->text, sizeof v->text, "crash: signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
        else
            snprintf(v->text, sizeof v->text, "crash: exit status %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
}

/* ==== main ================================================================ */

static int verbose, use_fork, list_allocations;
static unsigned long only_n;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct summary {
    char label[160];
    unsigned long n, passed[2];
    double seconds;
} summary;

/* Count N, then refuse each allocation in turn in both modes. */
static int exercise(const input *in, int variant, counter *c, summary *sum)
{
    double t0 = now();
    int failures = 0;
    snprintf(sum->label, sizeof sum->label, "%s [%s]", in->label, variant_name[variant]);

    /* the clean run: it must succeed, leak nothing, and tell us N */
    run r;
    run_init(&r, c, variant == V_EXPAND);
    size_t bucket_growth = 2 * HASH_INITIAL_NUM_BUCKETS * sizeof(UT_hash_bucket);
    set_current_run(sum->label, 0, '-');
    counter_start(c, 0, 0, variant == V_EXPAND ? bucket_growth : 0);
    if (list_allocations) {
        printf("%s: allocations of the clean run\n", sum->label);
        c->list = 1;
    }
    do_run(&r, in, variant);
    c->list = 0;
    unsigned long n_total = c->count;
    unsigned long growths = c->watch_hits;
    uint64_t clean_digest = r.digest;
    CHECK(r.nomem == 0 && r.unexpected == 0 && r.problems == 0);
    CHECK(c->live == 0 && c->bad_frees == 0 && c->bad_reallocs == 0 && c->null_frees == 0);
    if (r.nomem || r.unexpected || r.problems) {
        char statuses[512];
        format_statuses(&r, statuses, sizeof statuses);
        fprintf(stderr, "%s: the clean run failed: %s%s%s\n", sum->label, statuses, r.problems ? "; " : "",
                r.problems ? r.problem : "");
    }
    if (c->live) {
        char leaks[600];
        describe_leaks(c, leaks, sizeof leaks);
        fprintf(stderr, "%s: the clean run leaks: %s\n", sum->label, leaks);
    }
    CHECK(r.callbacks > 0 || variant == V_FILE || variant == V_CHUNKS); /* files without handles may have none */
    if (variant == V_EXPAND) {
        CHECK(growths > 0); /* the names did make a table grow */
        if (!growths)
            fprintf(stderr, "%s: no uthash table grew: the hash-expand run covers less than it should\n",
                    sum->label);
    }
    /* the same again gives the same count */
    run_init(&r, c, variant == V_EXPAND);
    counter_start(c, 0, 0, 0);
    do_run(&r, in, variant);
    CHECK_U64(c->count, n_total);
    CHECK_U64(r.digest, clean_digest);
    current_run_len = 0;

    sum->n = n_total;
    sum->passed[0] = sum->passed[1] = 0;
    unsigned long shown[2] = {0, 0};
    for (int m = 0; m < 2; m++) {
        char mode = m == 0 ? 'a' : 'b';
        for (unsigned long n = 1; n <= n_total; n++) {
            if (only_n && n != only_n)
                continue;
            verdict v;
            if (use_fork)
                judge_forked(in, variant, n, mode, c, clean_digest, &v);
            else
                judge(in, variant, n, mode, c, clean_digest, &v);
            if (!v.failed) {
                sum->passed[m]++;
                continue;
            }
            failures++;
            if (verbose || shown[m]++ < 25)
                fprintf(stderr, "FAIL %s n=%lu mode=%c: %s\n", sum->label, n, mode, v.text);
        }
        if (!verbose && shown[m] > 25)
            fprintf(stderr, "FAIL %s mode=%c: %lu more failing runs not shown (-v shows them)\n", sum->label, mode,
                    shown[m] - 25);
    }
    sum->seconds = now() - t0;
    return failures;
}

int main(int argc, char **argv)
{
    input inputs[16];
    size_t ninputs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-v") == 0) {
            verbose = 1;
            continue;
        }
        if (strcmp(argv[i], "--fork") == 0) {
            use_fork = 1;
            continue;
        }
        if (strcmp(argv[i], "--list") == 0) {
            list_allocations = 1;
            continue;
        }
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
            only_n = strtoul(argv[++i], NULL, 10);
            continue;
        }
        if (ninputs == sizeof inputs / sizeof inputs[0] - 2)
            die("too many files");
        input *in = &inputs[ninputs];
        memset(in, 0, sizeof *in);
        in->path = argv[i];
        const char *slash = strrchr(argv[i], '/');
        in->label = slash ? slash + 1 : argv[i];
        in->data = read_whole(argv[i], &in->len);
        if (!in->data) {
            printf("skip %s: cannot be read\n", argv[i]);
            continue;
        }
        ninputs++;
    }

    counter c;
    memset(&c, 0, sizeof c);
    guarded_init(&guard);
    watch_for_death();
    summary sums[3 * 16 + 8];
    size_t nsums = 0;
    int failures = 0;

    for (size_t i = 0; i < ninputs; i++) {
        failures += exercise(&inputs[i], V_FILE, &c, &sums[nsums++]);
        failures += exercise(&inputs[i], V_CHUNKS, &c, &sums[nsums++]);
        failures += exercise(&inputs[i], V_REORDER, &c, &sums[nsums++]);
    }
    input synthetic;
    memset(&synthetic, 0, sizeof synthetic);
    synthetic.label = "odd events (strict, EventID filter)";
    make_synthetic_input(&synthetic);
    failures += exercise(&synthetic, V_CHUNKS, &c, &sums[nsums++]);
    input built;
    memset(&built, 0, sizeof built);
    built.label = "ha_record_new records";
    failures += exercise(&built, V_BUILT, &c, &sums[nsums++]);
    failures += exercise(&built, V_BUILT_EVICT, &c, &sums[nsums++]);
    failures += exercise(&built, V_BUILT_REORDER, &c, &sums[nsums++]);
    input expand;
    memset(&expand, 0, sizeof expand);
    expand.label = "colliding object names";
    make_expand_input(&expand);
    failures += exercise(&expand, V_EXPAND, &c, &sums[nsums++]);

    printf("%6s %13s %13s %8s  %s\n", "N", "a passed", "b passed", "seconds", "input [run]");
    for (size_t i = 0; i < nsums; i++) {
        unsigned long runs = only_n ? (only_n <= sums[i].n ? 1 : 0) : sums[i].n;
        printf("%6lu %6lu/%-6lu %6lu/%-6lu %8.2f  %s\n", sums[i].n, sums[i].passed[0], runs, sums[i].passed[1], runs,
               sums[i].seconds, sums[i].label);
    }
    printf("%d failing run(s)\n", failures);

    for (size_t i = 0; i < expand.nrecs; i++)
        ha_record_free(expand.recs[i]);
    free(expand.recs);
    for (size_t i = 0; i < ninputs; i++)
        free(inputs[i].data);
    free(synthetic.data);
    counter_free(&c);
    guarded_free(&guard);
    int rc = check_done();
    return failures || rc ? 1 : 0;
}
