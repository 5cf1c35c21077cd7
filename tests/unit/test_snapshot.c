/* State snapshots.
 *
 *   test_snapshot SAMPLE.xml [STREAM.xml]
 *
 * - A restart: STREAM (a gen.py stream) cut at 50 random event boundaries,
 *   each piece read by a fresh reader and a fresh correlator that load the
 *   snapshot the previous piece saved, gives exactly the sequences (the same
 *   JSON lines in the same order) of one uninterrupted run; with and without
 *   a reorder window (whose held records travel in the snapshot).
 * - Corruption: a small snapshot, every truncation length and each single
 *   flipped byte, is refused (HA_ERR_SNAPSHOT or HA_ERR_SNAPSHOT_VERSION),
 *   and the correlator keeps its state (it saves the same bytes again) and
 *   stays usable; a newer format version is refused as such. */
#include <handleaudit/handleaudit.h>

#include "check.h"
#include "snapshot_bytes.h"

#include <unistd.h>

typedef struct {
    char *s;
    size_t n, cap;
    size_t lines;
} out;

static void append(out *o, const char *s, size_t n)
{
    if (o->n + n + 2 > o->cap) {
        o->cap = (o->n + n + 2) * 2;
        o->s = realloc(o->s, o->cap);
    }
    memcpy(o->s + o->n, s, n);
    o->n += n;
    o->s[o->n++] = '\n';
    o->s[o->n] = '\0';
    o->lines++;
}

static int on_end(const ha_sequence *seq, const ha_record *rec, void *ud)
{
    (void)rec;
    char buf[8192];
    size_t n = ha_sequence_json(seq, buf, sizeof buf);
    CHECK(n < sizeof buf);
    append(ud, buf, n);
    return 0;
}

static ha_correlator *new_corr(out *o, size_t window)
{
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_end = on_end;
    co.userdata = o;
    co.reorder_window = window;
    ha_correlator *c = NULL;
    CHECK_INT(ha_correlator_new(&co, &c), HA_OK);
    return c;
}

static ha_reader *new_reader(ha_correlator *c)
{
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = ha_correlator_on_record;
    ro.userdata = c;
    ha_reader *r = NULL;
    CHECK_INT(ha_reader_new(&ro, &r), HA_OK);
    return r;
}

/* One run over `data`, restarting at each of `cuts` (sorted offsets). */
static void run(const char *data, size_t len, const size_t *cuts, size_t ncuts, size_t window, out *o)
{
    unsigned char *snap = NULL;
    size_t snap_len = 0, from = 0;
    for (size_t k = 0; k <= ncuts; k++) {
        size_t to = k < ncuts ? cuts[k] : len;
        ha_correlator *c = new_corr(o, window);
        if (snap)
            CHECK_INT(ha_correlator_load(c, snap, snap_len), HA_OK);
        ha_reader *r = new_reader(c);
        CHECK_INT(ha_reader_feed(r, data + from, to - from), HA_OK);
        CHECK_INT(ha_reader_finish(r), HA_OK);
        ha_reader_free(r);
        if (k == ncuts) {
            CHECK_INT(ha_correlator_flush(c), HA_OK);
        } else {
            free(snap);
            CHECK_INT(ha_correlator_save_buffer(c, NULL, 0, &snap_len), HA_ERR_LIMIT); /* sized */
            snap = malloc(snap_len);
            size_t got = 0;
            CHECK_INT(ha_correlator_save_buffer(c, snap, snap_len, &got), HA_OK);
            CHECK_U64(got, snap_len);
        }
        ha_correlator_free(c);
        from = to;
    }
    free(snap);
}

static int by_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void test_restarts(const char *path)
{
    size_t len;
    char *data = read_whole(path, &len);
    CHECK(data != NULL);
    if (!data)
        return;
    /* event boundaries: after each "</Event>" */
    size_t *ends = NULL, nends = 0, cap = 0;
    for (const char *p = data; (p = strstr(p, "</Event>")) != NULL; p += 8) {
        if (nends == cap)
            ends = realloc(ends, (cap = cap ? 2 * cap : 1024) * sizeof *ends);
        ends[nends++] = (size_t)(p - data) + 8;
    }
    CHECK(nends > 1000);
    srand(20261124);
    size_t cuts[50];
    for (int i = 0; i < 50; i++)
        cuts[i] = ends[(size_t)rand() % (nends - 1)];
    qsort(cuts, 50, sizeof cuts[0], by_size);
    for (size_t window = 0; window <= 64; window += 64) {
        out whole = {0}, pieces = {0};
        run(data, len, NULL, 0, window, &whole);
        run(data, len, cuts, 50, window, &pieces);
        CHECK(whole.lines > 1000);
        if (whole.n != pieces.n || memcmp(whole.s, pieces.s, whole.n) != 0) {
            fprintf(stderr, "window %zu: %zu sequences uninterrupted, %zu over 51 pieces, and they differ\n", window,
                    whole.lines, pieces.lines);
            check_failures++;
        } else {
            printf("window %zu: %zu sequences, identical over 51 pieces\n", window, whole.lines);
        }
        free(whole.s);
        free(pieces.s);
    }
    free(ends);
    free(data);
}

/* A correlator midway through the sample: open sequences, processes, an
 * alias, held records. */
static ha_correlator *midway(const char *path, out *o)
{
    size_t len;
    char *data = read_whole(path, &len);
    CHECK(data != NULL);
    ha_correlator *c = new_corr(o, 4);
    ha_reader *r = new_reader(c);
    const char *cut = data ? strstr(data, "<EventRecordID>1184213<") : NULL;
    CHECK(cut != NULL);
    if (cut) {
        CHECK_INT(ha_reader_feed(r, data, (size_t)(cut - data)), HA_OK);
        CHECK_INT(ha_reader_finish(r), HA_OK); /* the cut event is reported truncated */
    }
    ha_reader_free(r);
    free(data);
    CHECK(ha_correlator_count(c, HA_CORR_OPEN) >= 2);
    CHECK(ha_correlator_count(c, HA_CORR_HELD) == 4);
    return c;
}

static void test_corruption(const char *sample)
{
    out o = {0};
    ha_correlator *c = midway(sample, &o);
    size_t n = 0, m = 0;
    CHECK_INT(ha_correlator_save_buffer(c, NULL, 0, &n), HA_ERR_LIMIT);
    unsigned char *good = malloc(n), *bad = malloc(n), *again = malloc(n);
    CHECK_INT(ha_correlator_save_buffer(c, good, n, &m), HA_OK);
    CHECK_U64(m, n);
    CHECK_INT(ha_correlator_save_buffer(c, good, n - 1, &m), HA_ERR_LIMIT); /* too small: the size told */
    CHECK_U64(m, n);
    CHECK_INT(ha_correlator_save_buffer(c, good, n, &m), HA_OK);

    /* a fresh correlator takes it, and then saves the same bytes */
    out o2 = {0};
    ha_correlator *d = new_corr(&o2, 4);
    CHECK_INT(ha_correlator_load(d, good, n), HA_OK);
    CHECK_INT(ha_correlator_save_buffer(d, again, n, &m), HA_OK);
    CHECK(memcmp(good, again, n) == 0);

    size_t refused = 0, tries = 0;
    for (size_t cut = 0; cut < n; cut++) { /* every truncation */
        tries++;
        int rc = ha_correlator_load(d, good, cut);
        refused += rc == HA_ERR_SNAPSHOT;
    }
    for (size_t i = 0; i < n; i++) { /* each single flipped byte */
        memcpy(bad, good, n);
        bad[i] ^= 0xff;
        tries++;
        int rc = ha_correlator_load(d, bad, n);
        refused += rc == HA_ERR_SNAPSHOT || rc == HA_ERR_SNAPSHOT_VERSION;
    }
    CHECK_U64(refused, tries);
    /* nothing changed: the same bytes again, and it goes on working */
    CHECK_INT(ha_correlator_save_buffer(d, again, n, &m), HA_OK);
    CHECK(memcmp(good, again, n) == 0);
    /* a newer format, checksum right: refused as such */
    memcpy(bad, good, n);
    put_le(bad + 8, 4, 4);
    put_le(bad + n - 4, snapshot_crc32(bad, n - 4), 4);
    CHECK_INT(ha_correlator_load(d, bad, n), HA_ERR_SNAPSHOT_VERSION);
    /* a right checksum over wrong contents: refused by the structure checks */
    memcpy(bad, good, n);
    bad[16] ^= 0x40; /* the string count */
    put_le(bad + n - 4, snapshot_crc32(bad, n - 4), 4);
    CHECK_INT(ha_correlator_load(d, bad, n), HA_ERR_SNAPSHOT);
    CHECK_INT(ha_correlator_load(d, "not a snapshot", 14), HA_ERR_SNAPSHOT);
    /* and both finish the same way */
    size_t before = o.n, lines = o.lines;
    CHECK_INT(ha_correlator_flush(c), HA_OK);
    CHECK_INT(ha_correlator_flush(d), HA_OK);
    CHECK(o.n - before == o2.n && memcmp(o.s + before, o2.s, o2.n) == 0);
    CHECK(o.lines - lines >= 2);
    printf("%zu corrupt snapshots of %zu bytes refused\n", refused, n);

    /* files: atomic save, load back, a missing file */
    char path[] = "/tmp/ha-test-state-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        close(fd); /* Windows replaces no file that is open */
        ha_correlator *e = new_corr(&o2, 4);
        CHECK_INT(ha_correlator_load(e, good, n), HA_OK);
        CHECK_INT(ha_correlator_save_file(e, path), HA_OK);
        ha_correlator *f = new_corr(&o2, 4);
        CHECK_INT(ha_correlator_load_file(f, path), HA_OK);
        CHECK_INT(ha_correlator_save_buffer(f, again, n, &m), HA_OK);
        CHECK(memcmp(good, again, n) == 0);
        remove(path);
        CHECK_INT(ha_correlator_load_file(f, path), HA_ERR_IO);
        ha_correlator_free(e);
        ha_correlator_free(f);
    }
    ha_correlator_free(c);
    ha_correlator_free(d);
    free(good);
    free(bad);
    free(again);
    free(o.s);
    free(o2.s);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_snapshot SAMPLE.xml [STREAM.xml]\n");
        return 2;
    }
    test_corruption(argv[1]);
    if (argc > 2)
        test_restarts(argv[2]);
    return check_done();
}
