/* State snapshots through the write/read callbacks, and their errors.
 *
 *   test_snapshot_stream DIR     (a directory for state files)
 *
 * - Names of 64 KiB (a Computer, in sequences, processes, held records and
 *   the window's keys; a Data Name and value) save and load back through
 *   callbacks that take and give a few bytes at a time, and the correlation
 *   goes on exactly as without the restart.
 * - A write callback that fails halfway stops the save at once with its
 *   value; save_file that cannot write halfway (a file size limit) fails
 *   with HA_ERR_IO and the system's reason in the correlator's diagnostic,
 *   leaves the state file as it was and no temporary file behind.
 * - Saving 100,000 open handles allocates under 128 KiB (one 64 KiB buffer),
 *   whatever the state's size; a save changes nothing (a const correlator).
 * - A read callback that stops, a snapshot beyond max_open or
 *   max_processes (HA_ERR_LIMIT), every truncation (the diagnostic's offset
 *   is where the bytes ended), a missing file (HA_ERR_IO with its path): each
 *   refused with the correlator unchanged and the diagnostic saying why;
 *   so is a load that runs out of memory, at each of its allocations. */
#include <handleaudit/handleaudit.h>

#include "check.h"
#include "collect.h"
#include "counting.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>
#ifndef _WIN32
#include <sys/resource.h>
#endif

/* ---- a counting allocator (counting.h) --------------------------------- */

static ha_test_counter count;
static const ha_allocator counting = HA_TEST_COUNTING(&count);

static ha_correlator *make(str *out, size_t window, size_t max_open, size_t max_processes,
                           const ha_allocator *a)
{
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_end = out ? collect_sequence : NULL;
    o.userdata = out;
    o.reorder_window = window;
    o.max_open = max_open;
    o.max_processes = max_processes;
    o.allocator = a;
    ha_correlator *c = NULL;
    CHECK_INT(ha_correlator_new(&o, &c), HA_OK);
    return c;
}

/* One event: 4656 opens handle `hid` of process `pid`, 4658 closes it,
 * 4688 creates process `pid`. */
static void add(ha_correlator *c, uint32_t id, const char *host, uint64_t pid, uint64_t hid, uint64_t rid,
                const char *extra_name, const char *extra_value)
{
    ha_record *r;
    CHECK_INT(ha_record_new(NULL, &r), HA_OK);
    char h[32], p[32], name[64];
    int hn = snprintf(h, sizeof h, "0x%llx", (unsigned long long)hid);
    int pn = snprintf(p, sizeof p, "0x%llx", (unsigned long long)pid);
    int nn = snprintf(name, sizeof name, "C:\\data\\file-%llu.txt", (unsigned long long)(hid % 1000));
    ha_record_set_system(r, id, 1, UINT64_C(0x8020000000000000), INT64_C(1767225600000000000) + (int64_t)rid * 1000,
                         rid, host);
    ha_record_add_data(r, "SubjectLogonId", "0x3e7", 5);
    if (id == 4688) {
        ha_record_add_data(r, "NewProcessId", p, (size_t)pn);
        ha_record_add_data(r, "NewProcessName", "C:\\Windows\\System32\\svchost.exe", 31);
        ha_record_add_data(r, "ProcessId", "0x4", 3);
    } else {
        ha_record_add_data(r, "ObjectType", "File", 4);
        ha_record_add_data(r, "ObjectName", name, (size_t)nn);
        ha_record_add_data(r, "HandleId", h, (size_t)hn);
        ha_record_add_data(r, "ProcessId", p, (size_t)pn);
    }
    if (extra_name)
        ha_record_add_data(r, extra_name, extra_value, strlen(extra_value));
    CHECK_INT(ha_correlator_add(c, r), HA_OK);
    ha_record_free(r);
}

/* ---- callbacks ----------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t n, cap;
    size_t calls;
    size_t fail_after; /* bytes taken before it returns 42; 0: never */
} bytes;

static int write_bytes(const void *data, size_t len, void *ud)
{
    bytes *b = ud;
    b->calls++;
    CHECK(len > 0 && len <= ((size_t)64 << 10));
    if (b->fail_after && b->n + len > b->fail_after)
        return 42;
    if (b->n + len > b->cap) {
        b->cap = (b->n + len) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, data, len);
    b->n += len;
    return 0;
}

static int write_nowhere(const void *data, size_t len, void *ud)
{
    (void)data;
    *(uint64_t *)ud += len;
    return 0;
}

typedef struct {
    const unsigned char *p;
    size_t left, given;
    uint32_t seed;
    size_t stop_at; /* return 7 once this many bytes were given; 0: never */
} reading;

static int read_some(void *buf, size_t cap, size_t *got, void *ud)
{
    reading *r = ud;
    if (r->stop_at && r->given >= r->stop_at)
        return 7;
    r->seed = r->seed * 1103515245u + 12345u;
    size_t k = 1 + (r->seed >> 16) % 300; /* a few bytes at a time */
    if (k > cap)
        k = cap;
    if (k > r->left)
        k = r->left;
    memcpy(buf, r->p, k);
    r->p += k;
    r->left -= k;
    r->given += k;
    *got = k;
    return 0;
}

static bytes save_bytes(const ha_correlator *c)
{
    bytes b = {NULL, 0, 0, 0, 0};
    CHECK_INT(ha_correlator_save_to(c, write_bytes, &b), HA_OK);
    return b;
}

static int load_bytes(ha_correlator *c, const bytes *b, size_t stop_at)
{
    reading r = {b->p, b->n, 0, 12345u, stop_at};
    return ha_correlator_load_from(c, read_some, &r);
}

static int same_state(const ha_correlator *a, const bytes *b)
{
    bytes x = save_bytes(a);
    int same = x.n == b->n && memcmp(x.p, b->p, x.n) == 0;
    free(x.p);
    return same;
}

/* ---- the tests -------------------------------------------------------------- */

static void long_names(void)
{
    size_t len = (size_t)64 << 10;
    char *host = malloc(len + 1), *name = malloc(len + 1), *value = malloc(len + 1);
    memset(host, 'H', len);
    memset(name, 'N', len);
    memset(value, 'V', len);
    host[len] = name[len] = value[len] = '\0';
    str a = {0}, b = {0};
    ha_correlator *one = make(&a, 4, 0, 0, NULL), *two = make(&b, 4, 0, 0, NULL);
    add(one, 4688, host, 0x100, 0, 1, NULL, NULL);
    for (uint64_t i = 0; i < 12; i++) /* applied ones and 4 held by the window */
        add(one, 4656, i % 2 ? host : "short", 0x100, 4 * i + 4, i + 2, i % 3 ? NULL : name, value);
    CHECK_U64(ha_correlator_count(one, HA_CORR_HELD), 4);
    CHECK(ha_correlator_count(one, HA_CORR_OPEN) >= 4);
    const ha_correlator *k = one; /* saving needs no more than a const correlator */
    bytes snap = save_bytes(k);
    CHECK(snap.n > 5 * len);
    CHECK(snap.calls > 5);
    CHECK(same_state(one, &snap)); /* a save changed nothing */
    CHECK_INT(load_bytes(two, &snap, 0), HA_OK);
    CHECK(same_state(two, &snap)); /* loaded, then saved: the same bytes */
    for (uint64_t i = 0; i < 12; i++) /* the closes, then the end */
        add(one, 4658, i % 2 ? host : "short", 0x100, 4 * i + 4, i + 100, NULL, NULL);
    for (uint64_t i = 0; i < 12; i++)
        add(two, 4658, i % 2 ? host : "short", 0x100, 4 * i + 4, i + 100, NULL, NULL);
    CHECK_INT(ha_correlator_flush(one), HA_OK);
    CHECK_INT(ha_correlator_flush(two), HA_OK);
    CHECK(a.n > 6 * len && a.n == b.n && memcmp(a.s, b.s, a.n) == 0);
    printf("64 KiB names: a snapshot of %zu bytes in %zu writes, loaded back\n", snap.n, snap.calls);
    ha_correlator_free(one);
    ha_correlator_free(two);
    free(snap.p);
    free(a.s);
    free(b.s);
    free(host);
    free(name);
    free(value);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    if (d)
        closedir(d);
    return n;
}

static void failing_writes(const char *dir)
{
    ha_correlator *c = make(NULL, 0, 0, 0, NULL);
    for (uint64_t i = 0; i < 5000; i++)
        add(c, 4656, "WS01", 0x100 + i % 7, 4 * i + 4, i + 1, NULL, NULL);
    bytes whole = save_bytes(c);
    CHECK(whole.n > ((size_t)256 << 10));
    /* the callback fails halfway: its value, and no call after it */
    bytes half = {NULL, 0, 0, 0, whole.n / 2};
    CHECK_INT(ha_correlator_save_to(c, write_bytes, &half), 42);
    CHECK(half.n < whole.n / 2 && half.calls == half.n / ((size_t)64 << 10) + 1);
    CHECK(same_state(c, &whole));
    free(half.p);

    /* a state file that can't be written whole: the old one stays */
    char path[700];
    snprintf(path, sizeof path, "%s/agent.state", dir);
    ha_correlator *small = make(NULL, 0, 0, 0, NULL);
    add(small, 4656, "WS01", 0x100, 4, 1, NULL, NULL);
    CHECK_INT(ha_correlator_save_file(small, path), HA_OK);
    size_t n0 = 0;
    char *before = read_whole(path, &n0);
    int files = entries(dir);
#ifndef _WIN32
    struct rlimit old, lim;
    CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
    lim = old;
    lim.rlim_cur = (rlim_t)(whole.n / 2);
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    int rc = ha_correlator_save_file(c, path);
    CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
    signal(SIGXFSZ, was);
    CHECK_INT(rc, HA_ERR_IO);
    const ha_diag *d = ha_correlator_last_diag(c);
    CHECK_INT(ha_diag_code(d), HA_ERR_IO);
    CHECK_STR(ha_diag_path(d), path);
    CHECK(strstr(ha_diag_message(d), "cannot write") && strstr(ha_diag_message(d), "File too large"));
    printf("save_file over a size limit: %s\n", ha_diag_message(d));
    size_t n1 = 0;
    char *after = read_whole(path, &n1);
    CHECK(before && after && n1 == n0 && memcmp(before, after, n0) == 0);
    CHECK_INT(entries(dir), files); /* no temporary left */
    free(after);
#endif
    /* a directory that does not exist: the reason, and the path */
    char missing[720];
    snprintf(missing, sizeof missing, "%s/no/such/dir/state", dir);
    CHECK_INT(ha_correlator_save_file(c, missing), HA_ERR_IO);
    CHECK_STR(ha_diag_path(ha_correlator_last_diag(c)), missing);
    CHECK(strstr(ha_diag_message(ha_correlator_last_diag(c)), "No such file or directory") != NULL);
    /* and it saves when it can */
    CHECK_INT(ha_correlator_save_file(c, path), HA_OK);
    ha_correlator *back = make(NULL, 0, 0, 0, NULL);
    CHECK_INT(ha_correlator_load_file(back, path), HA_OK);
    CHECK(same_state(back, &whole));
    CHECK_INT(entries(dir), files);
    remove(path);
    CHECK_INT(ha_correlator_load_file(back, path), HA_ERR_IO);
    CHECK_STR(ha_diag_path(ha_correlator_last_diag(back)), path);
    CHECK(strncmp(ha_diag_message(ha_correlator_last_diag(back)), "cannot open ", 12) == 0);
    CHECK(same_state(back, &whole));
    free(before);
    free(whole.p);
    ha_correlator_free(small);
    ha_correlator_free(back);
    ha_correlator_free(c);
}

static void bounded_memory(void)
{
    ha_correlator *c = make(NULL, 0, 0, 0, &counting);
    const size_t n = 100000;
    for (uint64_t i = 0; i < n; i++)
        add(c, 4656, "WS01", 0x100 + i % 50, 4 * i + 4, i + 1, NULL, NULL);
    CHECK_U64(ha_correlator_count(c, HA_CORR_OPEN), n);
    size_t base = count.now;
    count.peak = count.now;
    uint64_t total = 0;
    CHECK_INT(ha_correlator_save_to(c, write_nowhere, &total), HA_OK);
    size_t extra = count.peak - base;
    printf("saving %zu open handles (%llu bytes) took %zu bytes more\n", n, (unsigned long long)total, extra);
    CHECK(total > (uint64_t)n * 50);
    CHECK(extra < ((size_t)128 << 10));
    CHECK_U64(count.now, base);
    ha_correlator_free(c);
}

static void refusals(void)
{
    str t = {0};
    ha_correlator *c = make(&t, 0, 0, 0, NULL);
    for (uint64_t i = 0; i < 50; i++)
        add(c, 4656, "WS01", 0x100, 4 * i + 4, i + 1, NULL, NULL);
    for (uint64_t i = 0; i < 20; i++)
        add(c, 4688, "WS01", 0x1000 + i, 0, 100 + i, NULL, NULL); /* idle processes */
    bytes snap = save_bytes(c);

    ha_correlator *d = make(&t, 0, 0, 0, NULL);
    add(d, 4656, "OTHER", 0x200, 8, 1, NULL, NULL);
    bytes mine = save_bytes(d);

    /* the read callback stops it: its value */
    CHECK_INT(load_bytes(d, &snap, snap.n / 2), 7);
    CHECK_INT(ha_diag_code(ha_correlator_last_diag(d)), 7);
    CHECK(same_state(d, &mine));

    /* more than the bounds: HA_ERR_LIMIT, and which bound */
    ha_correlator *tight = make(&t, 0, 10, 0, NULL);
    CHECK_INT(load_bytes(tight, &snap, 0), HA_ERR_LIMIT);
    CHECK(strstr(ha_diag_message(ha_correlator_last_diag(tight)), "max_open (10)") != NULL);
    CHECK_U64(ha_correlator_count(tight, HA_CORR_OPEN), 0);
    /* ...but a corrupt one beyond the bound is corrupt, not too large */
    snap.p[snap.n - 20] ^= 1;
    CHECK_INT(load_bytes(tight, &snap, 0), HA_ERR_SNAPSHOT);
    CHECK_U64(ha_diag_offset(ha_correlator_last_diag(tight)), snap.n);
    snap.p[snap.n - 20] ^= 1;
    ha_correlator *few = make(&t, 0, 0, 5, NULL);
    CHECK_INT(load_bytes(few, &snap, 0), HA_ERR_LIMIT);
    CHECK(strstr(ha_diag_message(ha_correlator_last_diag(few)), "max_processes (5)") != NULL);
    ha_correlator *enough = make(&t, 0, 50, 20, NULL);
    CHECK_INT(load_bytes(enough, &snap, 0), HA_OK);
    CHECK(same_state(enough, &snap));

    /* every truncation: refused where the bytes ended */
    size_t cuts = 0, placed = 0;
    for (size_t cut = 0; cut < snap.n; cut += 1 + cut / 16) {
        CHECK_INT(ha_correlator_load(d, snap.p, cut), HA_ERR_SNAPSHOT);
        const ha_diag *g = ha_correlator_last_diag(d);
        const char *m = ha_diag_message(g);
        if (cut < 12) /* too short for the magic and version */
            CHECK(strstr(m, "not a snapshot") != NULL);
        else
            placed += ha_diag_offset(g) == cut && strstr(m, "corrupt snapshot: it ends early") != NULL;
        cuts += cut >= 12;
    }
    CHECK(cuts > 50);
    CHECK_U64(placed, cuts);
    /* a flipped byte in the middle: the checksum, at the checksum */
    snap.p[snap.n / 2] ^= 1;
    CHECK_INT(ha_correlator_load(d, snap.p, snap.n), HA_ERR_SNAPSHOT);
    CHECK(ha_diag_offset(ha_correlator_last_diag(d)) > 0);
    snap.p[snap.n / 2] ^= 1;
    /* bytes after the end */
    snap.p = realloc(snap.p, snap.n + 1);
    snap.p[snap.n] = 0;
    CHECK_INT(ha_correlator_load(d, snap.p, snap.n + 1), HA_ERR_SNAPSHOT);
    CHECK(strstr(ha_diag_message(ha_correlator_last_diag(d)), "after its end") != NULL);
    CHECK(same_state(d, &mine));
    CHECK_INT(ha_correlator_load(d, snap.p, snap.n), HA_OK);
    CHECK(same_state(d, &snap));

    ha_correlator_free(c);
    ha_correlator_free(d);
    ha_correlator_free(tight);
    ha_correlator_free(few);
    ha_correlator_free(enough);
    free(snap.p);
    free(mine.p);
    free(t.s);
}

/* ---- out of memory at each allocation in turn -------------------------- */

static long allocs, fail_at = -1;

static void *b_malloc(size_t n, void *ctx)
{
    (void)ctx;
    return allocs++ == fail_at ? NULL : malloc(n);
}

static void *b_realloc(void *p, size_t n, void *ctx)
{
    (void)ctx;
    return allocs++ == fail_at ? NULL : realloc(p, n);
}

static void b_free(void *p, void *ctx)
{
    (void)ctx;
    free(p);
}

static const ha_allocator budget = {b_malloc, b_realloc, b_free, NULL};

static void out_of_memory(void)
{
    ha_correlator *c = make(NULL, 4, 0, 0, NULL);
    add(c, 4688, "WS01", 0x100, 0, 1, NULL, NULL);
    for (uint64_t i = 0; i < 60; i++)
        add(c, 4656, i % 3 ? "WS01" : "WS02", 0x100 + i % 3, 4 * i + 4, i + 2, i % 5 ? NULL : "Extra", "x");
    bytes snap = save_bytes(c);
    ha_correlator *d = make(NULL, 4, 0, 0, &budget);
    add(d, 4656, "OTHER", 0x200, 8, 1, NULL, NULL);
    fail_at = -1;
    bytes mine = save_bytes(d);
    long k = 0, nomem = 0;
    for (;; k++) {
        allocs = 0;
        fail_at = k;
        int rc = ha_correlator_load(d, snap.p, snap.n);
        fail_at = -1;
        if (rc == HA_OK)
            break;
        CHECK_INT(rc, HA_ERR_NOMEM);
        CHECK_INT(ha_diag_code(ha_correlator_last_diag(d)), HA_ERR_NOMEM);
        nomem += rc == HA_ERR_NOMEM && same_state(d, &mine); /* nothing changed */
        if (k > 100000)
            break;
    }
    CHECK(k > 100);
    CHECK_INT(nomem, k);
    CHECK(same_state(d, &snap));
    /* a save that cannot have its buffer */
    allocs = 0;
    fail_at = 0;
    uint64_t total = 0;
    CHECK_INT(ha_correlator_save_to(d, write_nowhere, &total), HA_ERR_NOMEM);
    fail_at = -1;
    CHECK_U64(total, 0);
    printf("out of memory at each of %ld allocations of a load: refused, nothing changed\n", k);
    ha_correlator_free(c);
    ha_correlator_free(d);
    free(snap.p);
    free(mine.p);
}

/* From a callback of the correlator itself: refused. */
static int save_from_callback(const ha_sequence *seq, const ha_record *r, void *ud)
{
    (void)seq;
    (void)r;
    ha_correlator **c = ud;
    uint64_t total = 0;
    CHECK_INT(ha_correlator_save_to(*c, write_nowhere, &total), HA_ERR_INVALID);
    CHECK_INT(ha_correlator_load(*c, "", 0), HA_ERR_INVALID);
    CHECK(strstr(ha_diag_message(ha_correlator_last_diag(*c)), "own callbacks") != NULL);
    return 0;
}

static void from_callbacks(void)
{
    ha_correlator *c = NULL;
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_open = save_from_callback;
    o.userdata = &c;
    CHECK_INT(ha_correlator_new(&o, &c), HA_OK);
    CHECK(ha_correlator_last_diag(c) == NULL);
    add(c, 4656, "WS01", 0x100, 4, 1, NULL, NULL);
    CHECK(ha_correlator_last_diag(c) != NULL);
    ha_correlator_free(c);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_snapshot_stream DIR\n");
        return 2;
    }
    char dir[560];
    snprintf(dir, sizeof dir, "%s/snapshot-stream-XXXXXX", argv[1]);
#ifdef _WIN32
    snprintf(dir, sizeof dir, "%s", argv[1]); /* files are counted before and after */
#else
    if (!mkdtemp(dir)) {
        fprintf(stderr, "cannot make a directory in %s\n", argv[1]);
        return 1;
    }
#endif
    long_names();
    failing_writes(dir);
    bounded_memory();
    refusals();
    out_of_memory();
    from_callbacks();
#ifndef _WIN32
    rmdir(dir);
#endif
    return check_done();
}
