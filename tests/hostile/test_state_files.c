/* Hostile input against state files (ha_correlator_save/load and their
 * _file forms):
 *  - a held record (reorder window) with a Computer or Data Name of 256
 *    bytes or more must save and load back (it made --state unloadable for
 *    ever);
 *  - a large file that is not a snapshot, or whose header claims more than
 *    the file holds, is refused without its body read into memory: the
 *    loader streams it through one 64 KiB buffer and grows only with what
 *    it parses (peak allocation measured through a counting allocator);
 *  - save_file never follows a symlink planted where its temporary file
 *    would go, and leaves no temporary behind.
 *
 *   test_hostile_state_files     (works in a directory of its own under /tmp) */
#include <handleaudit/handleaudit.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "collect.h"
#include "counting.h"

/* ---- a counting allocator (counting.h) --------------------------------- */

static ha_test_counter count;
static const ha_allocator counting = HA_TEST_COUNTING(&count);

static ha_correlator *make(str *out)
{
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.on_end = collect_sequence;
    o.userdata = out;
    o.reorder_window = 8;
    ha_correlator *c = NULL;
    CHECK_INT(ha_correlator_new(&o, &c), HA_OK);
    return c;
}

static void add_open(ha_correlator *c, const char *host, const char *extra_name, uint64_t i)
{
    ha_record *r;
    CHECK_INT(ha_record_new(NULL, &r), HA_OK);
    char hid[32];
    int n = snprintf(hid, sizeof hid, "0x%llx", (unsigned long long)(4 * i + 4));
    ha_record_set_system(r, 4656, 1, UINT64_C(0x8020000000000000), INT64_C(1767225600000000000) + (int64_t)i, i + 1,
                         host);
    ha_record_add_data(r, "SubjectLogonId", "0x3e7", 5);
    ha_record_add_data(r, "ObjectType", "File", 4);
    ha_record_add_data(r, "ObjectName", "C:\\secret.txt", 13);
    ha_record_add_data(r, "HandleId", hid, (size_t)n);
    ha_record_add_data(r, "ProcessId", "0x1f4", 5);
    ha_record_add_data(r, extra_name, "x", 1);
    CHECK_INT(ha_correlator_add(c, r), HA_OK);
    ha_record_free(r);
}

static void long_names(const char *dir)
{
    static const size_t lengths[] = {255, 256, 300, 4096, 70000};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        size_t len = lengths[k];
        char *host = malloc(len + 1), *name = malloc(len + 1);
        memset(host, 'H', len);
        memset(name, 'N', len);
        host[len] = name[len] = '\0';
        str a = {0}, b = {0}, f = {0};
        ha_correlator *one = make(&a), *two = make(&b), *three = make(&f);
        for (uint64_t i = 0; i < 4; i++) /* all held by the window of 8 */
            add_open(one, i % 2 ? host : "short", i % 2 ? "Short" : name, i);
        CHECK_U64(ha_correlator_count(one, HA_CORR_HELD), 4);
        size_t n = 0, m = 0;
        CHECK_INT(ha_correlator_save_buffer(one, NULL, 0, &n), HA_ERR_LIMIT);
        char *snap = malloc(n);
        CHECK_INT(ha_correlator_save_buffer(one, snap, n, &m), HA_OK);
        int rc = ha_correlator_load(two, snap, n);
        if (rc != HA_OK)
            fprintf(stderr, "names of %zu bytes: load gave %d\n", len, rc);
        CHECK_INT(rc, HA_OK);
        char path[512];
        snprintf(path, sizeof path, "%s/long.state", dir);
        CHECK_INT(ha_correlator_save_file(one, path), HA_OK);
        CHECK_INT(ha_correlator_load_file(three, path), HA_OK);
        CHECK_INT(ha_correlator_flush(one), HA_OK);
        CHECK_INT(ha_correlator_flush(two), HA_OK);
        CHECK_INT(ha_correlator_flush(three), HA_OK);
        CHECK(a.n > 0 && b.n == a.n && f.n == a.n && memcmp(a.s, b.s, a.n) == 0 && memcmp(a.s, f.s, a.n) == 0);
        CHECK(a.s && strstr(a.s, host) != NULL);
        ha_correlator_free(one);
        ha_correlator_free(two);
        ha_correlator_free(three);
        unlink(path);
        free(snap);
        free(a.s);
        free(b.s);
        free(f.s);
        free(host);
        free(name);
    }
}

/* A file of `size` bytes (sparse) starting with `head`. */
static void sparse(const char *path, const void *head, size_t hn, off_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0);
    if (hn)
        CHECK(write(fd, head, hn) == (ssize_t)hn);
    CHECK(ftruncate(fd, size) == 0);
    close(fd);
}

static void refused_unread(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/big", dir);
    ha_correlator_options o = HA_CORRELATOR_OPTIONS_INIT;
    o.allocator = &counting;
    ha_correlator *c;
    CHECK_INT(ha_correlator_new(&o, &c), HA_OK);
    const off_t big = (off_t)256 << 20;

    /* not a snapshot at all: zeros */
    sparse(path, NULL, 0, big);
    size_t base = count.now;
    count.peak = count.now;
    CHECK_INT(ha_correlator_load_file(c, path), HA_ERR_SNAPSHOT);
    CHECK(count.peak - base < ((size_t)1 << 20));

    /* a snapshot header that claims 2^40 payload bytes, in a 256 MiB file,
     * and one that claims less than the file holds */
    unsigned char head[24] = {'H', 'A', 'S', 'T', 'A', 'T', 'E', 0x1a, 1, 0, 0, 0, 0, 0, 0, 0,
                              0, 0, 0, 0, 0, 1, 0, 0};
    sparse(path, head, sizeof head, big);
    count.peak = count.now;
    CHECK_INT(ha_correlator_load_file(c, path), HA_ERR_SNAPSHOT);
    CHECK(count.peak - base < ((size_t)1 << 20));
    head[21] = 0;
    head[16] = 100;
    sparse(path, head, sizeof head, big);
    count.peak = count.now;
    CHECK_INT(ha_correlator_load_file(c, path), HA_ERR_SNAPSHOT);
    CHECK(count.peak - base < ((size_t)1 << 20));

    /* a real snapshot cut short, or with bytes after it, is refused too;
     * whole, it loads */
    size_t n = 0, m = 0;
    CHECK_INT(ha_correlator_save_buffer(c, NULL, 0, &n), HA_ERR_LIMIT);
    char *snap = malloc(n + 1);
    CHECK_INT(ha_correlator_save_buffer(c, snap, n, &m), HA_OK);
    snap[n] = 'x';
    for (int k = -1; k <= 1; k++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        CHECK(write(fd, snap, n + (size_t)k) == (ssize_t)(n + (size_t)k));
        close(fd);
        CHECK_INT(ha_correlator_load_file(c, path), k == 0 ? HA_OK : HA_ERR_SNAPSHOT);
    }
    free(snap);
    unlink(path);
    ha_correlator_free(c);
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

static void no_symlink_followed(const char *dir)
{
    char path[512], tmp[520], victim[512];
    snprintf(path, sizeof path, "%s/agent.state", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    FILE *f = fopen(victim, "wb");
    fputs("precious", f);
    fclose(f);
    CHECK(symlink(victim, tmp) == 0);
    str t = {0};
    ha_correlator *c = make(&t);
    add_open(c, "WS01", "Extra", 1);
    CHECK_INT(ha_correlator_save_file(c, path), HA_OK);
    size_t n;
    char *v = read_whole(victim, &n);
    CHECK(v && n == 8 && memcmp(v, "precious", 8) == 0);
    free(v);
    struct stat st;
    CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode));
    CHECK(lstat(tmp, &st) == 0 && S_ISLNK(st.st_mode)); /* left as planted */
    CHECK_INT(entries(dir), 3);                         /* the state, the victim, the link: no temporary */
    ha_correlator *d = make(&t);
    CHECK_INT(ha_correlator_load_file(d, path), HA_OK);
    CHECK_U64(ha_correlator_count(d, HA_CORR_HELD), 1);
    ha_correlator_free(c);
    ha_correlator_free(d);
    free(t.s);
    unlink(path);
    unlink(tmp);
    unlink(victim);
}

int main(void)
{
    char dir[] = "/tmp/ha-hostile-state-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    long_names(dir);
    refused_unread(dir);
    no_symlink_followed(dir);
    rmdir(dir);
    return check_done();
}
