/* The reader on damaged .evtx files, in-process: the variants hostile_gen.py
 * wrote, each fed to a reader whole (and every --chunked-every'th also in
 * random chunks, which must give the same). For each variant:
 *
 *  - no crash (run it under ASan/UBSan too), no hang (a variant that runs
 *    past 3 x --time-limit + 2 s of CPU time is killed by an alarm and named), each within
 *    --time-limit seconds of CPU time (wall time would count a busy machine's
 *    other work), and the reader's memory (counted by its
 *    allocator) within --mem-limit MB of what the undamaged window needs;
 *  - every diagnostic has a message and an offset inside the input;
 *  - accounting against the undamaged window read the same way: every record
 *    of a chunk the damage did not touch is delivered identical (its JSON and
 *    its offset); every record of the damaged chunk is delivered identical
 *    or that chunk has a diagnostic (chunk index = (offset - 4096) / 65536),
 *    unless the variant's checksums were recomputed ("fixed": then the
 *    damaged chunk may decode to anything, without a word); records of
 *    chunks a truncation removed are not expected. A damaged file signature
 *    makes the input something else than a .evtx: only the first two points.
 *
 *     hostile_evtx [--time-limit S] [--mem-limit MB] [--chunked-every N] VARIANTS
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <handleaudit/handleaudit.h>

#define HEADER 4096u
#define CHUNK 65536u

/* ---- an allocator that counts ---------------------------------------------- */

typedef struct {
    size_t now, peak;
} counter;

#define PREFIX 16 /* keeps max_align_t alignment */

static void *c_malloc(size_t n, void *ctx)
{
    counter *c = ctx;
    unsigned char *p = malloc(n + PREFIX);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    c->now += n;
    if (c->now > c->peak)
        c->peak = c->now;
    return p + PREFIX;
}

static void c_free(void *ptr, void *ctx)
{
    counter *c = ctx;
    unsigned char *p = (unsigned char *)ptr - PREFIX;
    size_t n;
    memcpy(&n, p, sizeof n);
    c->now -= n;
    free(p);
}

static void *c_realloc(void *ptr, size_t n, void *ctx)
{
    counter *c = ctx;
    if (!ptr)
        return c_malloc(n, ctx);
    unsigned char *p = (unsigned char *)ptr - PREFIX;
    size_t old;
    memcpy(&old, p, sizeof old);
    unsigned char *q = realloc(p, n + PREFIX);
    if (!q)
        return NULL;
    memcpy(q, &n, sizeof n);
    c->now = c->now - old + n;
    if (c->now > c->peak)
        c->peak = c->now;
    return q + PREFIX;
}

/* ---- what a reading delivered ------------------------------------------------ */

typedef struct {
    uint64_t record_id, hash, offset;
} rec;

typedef struct {
    rec *recs;
    size_t nrecs, cap;
    uint64_t *diag_offsets;
    size_t ndiags, dcap;
    uint64_t digest; /* of everything, in order: the chunked reading must give the same */
    size_t len;      /* input length, for the diagnostics' offsets */
    int bad_diag;    /* a diagnostic without a message or outside the input */
    char *json;
    size_t json_cap;
} reading;

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211u;
    return h;
}

static int on_record(const ha_record *r, void *ud)
{
    reading *g = ud;
    size_t n = ha_record_json(r, NULL, 0);
    if (n + 1 > g->json_cap) {
        free(g->json);
        g->json_cap = 2 * (n + 1);
        g->json = malloc(g->json_cap);
        if (!g->json)
            abort();
    }
    ha_record_json(r, g->json, g->json_cap);
    if (g->nrecs == g->cap) {
        g->cap = g->cap ? 2 * g->cap : 256;
        g->recs = realloc(g->recs, g->cap * sizeof *g->recs);
        if (!g->recs)
            abort();
    }
    rec *x = &g->recs[g->nrecs++];
    x->record_id = ha_record_record_id(r);
    x->offset = ha_record_offset(r);
    x->hash = fnv(fnv(1469598103934665603u, g->json, n), &x->offset, sizeof x->offset);
    g->digest = fnv(g->digest, &x->hash, sizeof x->hash);
    return 0;
}

static int on_diag(const ha_diag *d, void *ud)
{
    reading *g = ud;
    uint64_t off = ha_diag_offset(d);
    if (!ha_diag_message(d) || !ha_diag_message(d)[0] || off > g->len)
        g->bad_diag = 1;
    if (g->ndiags == g->dcap) {
        g->dcap = g->dcap ? 2 * g->dcap : 64;
        g->diag_offsets = realloc(g->diag_offsets, g->dcap * sizeof *g->diag_offsets);
        if (!g->diag_offsets)
            abort();
    }
    g->diag_offsets[g->ndiags++] = off;
    int64_t v[3] = {ha_diag_code(d), ha_diag_is_warning(d), (int64_t)off};
    g->digest = fnv(g->digest, v, sizeof v);
    return 0;
}

static void reading_free(reading *g)
{
    free(g->recs);
    free(g->diag_offsets);
    free(g->json);
    memset(g, 0, sizeof *g);
}

static unsigned rng = 2463534242u;
static size_t next_chunk(void)
{
    rng ^= rng << 13, rng ^= rng >> 17, rng ^= rng << 5;
    return 1 + rng % (rng & 1 ? 97u : 70000u);
}

/* Read `data` with a fresh reader (whole, or in random chunks); 0 on success. */
static int read_bytes(const unsigned char *data, size_t len, int chunked, reading *g, counter *mem, double *secs)
{
    memset(mem, 0, sizeof *mem);
    ha_allocator alloc = {c_malloc, c_realloc, c_free, mem};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = g;
    o.allocator = &alloc;
    g->digest = 1469598103934665603u;
    g->len = len;
    ha_reader *r;
    if (ha_reader_new(&o, &r) != HA_OK)
        return -1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    int rc = HA_OK;
    for (size_t i = 0; i < len && rc == HA_OK;) {
        size_t n = chunked ? next_chunk() : len;
        if (n > len - i)
            n = len - i;
        rc = ha_reader_feed(r, data + i, n);
        i += n;
    }
    if (rc == HA_OK)
        rc = ha_reader_finish(r);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    ha_reader_free(r);
    *secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}

static int cmp_rec(const void *a, const void *b)
{
    const rec *x = a, *y = b;
    if (x->record_id != y->record_id)
        return x->record_id < y->record_id ? -1 : 1;
    return x->hash < y->hash ? -1 : x->hash > y->hash;
}

static long chunk_of(uint64_t off) { return off < HEADER ? -1 : (long)((off - HEADER) / CHUNK); }

/* ---- variants -------------------------------------------------------------------- */

typedef struct {
    char *name, *src, *checksums;
    long first, nchunks;
    size_t length;
    size_t npatch;
    size_t *poff;
    unsigned char **pbytes;
    size_t *plen;
} variant;

static char current[4400];

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "hostile_evtx: HANG (killed by the alarm): ";
    if (write(2, msg, sizeof msg - 1) < 0 || write(2, current, strlen(current)) < 0 || write(2, "\n", 1) < 0)
        _exit(3);
    _exit(3);
}

/* The hang guard counts CPU time too (SIGPROF), not a busy machine's wall time; 0 disarms it. */
static void cpu_alarm(unsigned seconds)
{
    struct itimerval t = {{0, 0}, {(time_t)seconds, 0}};
    setitimer(ITIMER_PROF, &t, NULL);
}

static int hexval(int c) { return c <= '9' ? c - '0' : (c | 32) - 'a' + 10; }

/* Parse one line in place; 0 when it is not a variant. */
static int parse_variant(char *line, variant *v)
{
    char *save = NULL, *tok[6];
    for (int i = 0; i < 6; i++)
        if (!(tok[i] = strtok_r(i ? NULL : line, " \n", &save)))
            return 0;
    v->name = tok[0];
    v->src = tok[1];
    v->first = atol(tok[2]);
    v->nchunks = atol(tok[3]);
    v->checksums = tok[4];
    v->length = (size_t)atol(tok[5]);
    v->npatch = 0;
    char *p;
    while ((p = strtok_r(NULL, " \n", &save)) != NULL) {
        char *eq = strchr(p, '=');
        if (!eq)
            return 0;
        size_t k = v->npatch++;
        v->poff = realloc(v->poff, v->npatch * sizeof *v->poff);
        v->plen = realloc(v->plen, v->npatch * sizeof *v->plen);
        v->pbytes = realloc(v->pbytes, v->npatch * sizeof *v->pbytes);
        if (!v->poff || !v->plen || !v->pbytes)
            abort();
        v->poff[k] = (size_t)atol(p);
        v->plen[k] = strlen(eq + 1) / 2;
        v->pbytes[k] = (unsigned char *)eq + 1; /* decoded in place */
        for (size_t i = 0; i < v->plen[k]; i++)
            v->pbytes[k][i] = (unsigned char)(hexval(eq[1 + 2 * i]) << 4 | hexval(eq[2 + 2 * i]));
    }
    return 1;
}

static unsigned char *load_window(const char *src, long first, long n, size_t *len)
{
    FILE *f = fopen(src, "rb");
    if (!f)
        return NULL;
    size_t want = HEADER + (size_t)n * CHUNK;
    unsigned char *w = calloc(1, want);
    size_t got = w ? fread(w, 1, HEADER, f) : 0;
    if (got == HEADER && fseek(f, (long)(HEADER + (size_t)first * CHUNK), SEEK_SET) == 0)
        got += fread(w + HEADER, 1, want - HEADER, f);
    fclose(f);
    if (!w || got != want) {
        free(w);
        return NULL;
    }
    *len = want;
    return w;
}

typedef struct {
    long variants, failed, records, diags, chunked, slowest_ms;
    double slowest;
    size_t peak;
    char slowest_name[256];
} totals;

static int report(totals *t, const variant *v, const char *what)
{
    if (t->failed++ < 30)
        fprintf(stderr, "FAIL %s (%s, %s checksums): %s\n", v->name, v->src, v->checksums, what);
    return 1;
}

static void check_variant(const variant *v, const unsigned char *win, size_t wlen, const reading *ref,
                          size_t ref_peak, double time_limit, size_t mem_limit, int chunked, totals *t)
{
    size_t len = v->length < wlen ? v->length : wlen;
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    memcpy(buf, win, len);
    long damaged = -2; /* the chunk the damage is in; -1: the file header; -2: none */
    int signature = len < 8;
    for (size_t i = 0; i < v->npatch; i++) {
        if (v->poff[i] >= len)
            continue;
        size_t n = v->plen[i] < len - v->poff[i] ? v->plen[i] : len - v->poff[i];
        if (memcmp(buf + v->poff[i], v->pbytes[i], n) == 0)
            continue;
        memcpy(buf + v->poff[i], v->pbytes[i], n);
        if (i == 0) /* the later patches are the recomputed checksums */
            damaged = chunk_of(v->poff[i]);
        signature |= v->poff[i] < 8;
    }
    if (len < wlen) {
        long k = chunk_of(len);
        if (len > HEADER && (len - HEADER) % CHUNK != 0)
            damaged = k; /* a chunk cut part-way; those after it are gone */
        else if (len < HEADER)
            damaged = -1;
    }
    int fixed = strcmp(v->checksums, "fixed") == 0;

    snprintf(current, sizeof current, "%s", v->name);
    cpu_alarm((unsigned)(time_limit * 3) + 2);
    reading got = {0};
    counter mem;
    double secs;
    int rc = read_bytes(buf, len, 0, &got, &mem, &secs);
    cpu_alarm(0);
    t->variants++;
    t->records += (long)got.nrecs;
    t->diags += (long)got.ndiags;
    if (secs > t->slowest) {
        t->slowest = secs;
        snprintf(t->slowest_name, sizeof t->slowest_name, "%s", v->name);
    }
    if (mem.peak > t->peak)
        t->peak = mem.peak;
    char what[512];
    if (rc != HA_OK) {
        snprintf(what, sizeof what, "the feed returned %d (%s)", rc, ha_strerror(rc));
        report(t, v, what);
    }
    if (secs > time_limit) {
        snprintf(what, sizeof what, "took %.3f s (limit %.3f s)", secs, time_limit);
        report(t, v, what);
    }
    if (mem.peak > ref_peak + mem_limit) {
        snprintf(what, sizeof what, "peak memory %zu bytes; the undamaged window's %zu (limit +%zu)", mem.peak,
                 ref_peak, mem_limit);
        report(t, v, what);
    }
    if (got.bad_diag)
        report(t, v, "a diagnostic without a message, or with an offset past the end of the input");
    if (chunked) {
        reading parts = {0};
        counter m2;
        double s2;
        cpu_alarm((unsigned)(time_limit * 20) + 2);
        int rc2 = read_bytes(buf, len, 1, &parts, &m2, &s2);
        cpu_alarm(0);
        t->chunked++;
        if (rc2 != rc || parts.digest != got.digest || parts.nrecs != got.nrecs || parts.ndiags != got.ndiags) {
            snprintf(what, sizeof what, "fed in random chunks: %zu records, %zu diagnostics; whole: %zu, %zu",
                     parts.nrecs, parts.ndiags, got.nrecs, got.ndiags);
            report(t, v, what);
        }
        reading_free(&parts);
    }
    if (!signature) {
        if (got.nrecs) /* qsort and bsearch want a non-null base even for no element */
            qsort(got.recs, got.nrecs, sizeof *got.recs, cmp_rec);
        int first = 1;
        for (size_t i = 0; i < ref->nrecs && first; i++) {
            const rec *r = &ref->recs[i];
            long k = chunk_of(r->offset);
            if (HEADER + (uint64_t)k * CHUNK >= len && k >= 0)
                continue; /* its chunk was cut away */
            if (got.nrecs && bsearch(r, got.recs, got.nrecs, sizeof *got.recs, cmp_rec))
                continue;
            int noted = 0;
            for (size_t d = 0; d < got.ndiags && !noted; d++)
                noted = chunk_of(got.diag_offsets[d]) == k;
            if (k != damaged) {
                snprintf(what, sizeof what, "record_id %llu (offset %llu) of chunk %ld, which is not damaged, is %s",
                         (unsigned long long)r->record_id, (unsigned long long)r->offset, k,
                         noted ? "not delivered identical (its chunk has a diagnostic)" : "lost or changed");
                first = !report(t, v, what);
            } else if (!fixed && !noted) {
                snprintf(what, sizeof what, "record_id %llu (offset %llu) of the damaged chunk %ld is lost or changed, "
                         "and that chunk has no diagnostic", (unsigned long long)r->record_id,
                         (unsigned long long)r->offset, k);
                first = !report(t, v, what);
            }
        }
    }
    reading_free(&got);
    free(buf);
}

int main(int argc, char **argv)
{
    double time_limit = 2.0;
    size_t mem_limit = (size_t)16 << 20;
    long chunked_every = 8;
    const char *list = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--time-limit") == 0 && i + 1 < argc)
            time_limit = atof(argv[++i]);
        else if (strcmp(argv[i], "--mem-limit") == 0 && i + 1 < argc)
            mem_limit = (size_t)atol(argv[++i]) << 20;
        else if (strcmp(argv[i], "--chunked-every") == 0 && i + 1 < argc)
            chunked_every = atol(argv[++i]);
        else
            list = argv[i];
    }
    FILE *f = list ? fopen(list, "r") : NULL;
    if (!f) {
        fprintf(stderr, "usage: hostile_evtx [--time-limit S] [--mem-limit MB] [--chunked-every N] VARIANTS\n");
        return 2;
    }
    signal(SIGPROF, on_alarm);
    totals t = {0};
    char *line = NULL, *key = NULL;
    size_t cap = 0, wlen = 0, ref_peak = 0;
    unsigned char *win = NULL;
    reading ref = {0};
    variant v = {0};
    while (getline(&line, &cap, f) > 0) {
        if (!parse_variant(line, &v))
            continue;
        char k[4200];
        snprintf(k, sizeof k, "%s %ld %ld", v.src, v.first, v.nchunks);
        if (!key || strcmp(k, key) != 0) { /* a new window: read it undamaged, the reference */
            free(key);
            key = strdup(k);
            free(win);
            reading_free(&ref);
            win = load_window(v.src, v.first, v.nchunks, &wlen);
            if (!win) {
                fprintf(stderr, "%s: cannot read chunks %ld..%ld: %s\n", v.src, v.first, v.first + v.nchunks - 1,
                        strerror(errno));
                return 2;
            }
            counter mem;
            double secs;
            snprintf(current, sizeof current, "the undamaged %s", k);
            if (read_bytes(win, wlen, 0, &ref, &mem, &secs) != HA_OK)
                fprintf(stderr, "%s: the undamaged window does not read\n", k);
            ref_peak = mem.peak;
            if (ref.nrecs)
                qsort(ref.recs, ref.nrecs, sizeof *ref.recs, cmp_rec);
        }
        check_variant(&v, win, wlen, &ref, ref_peak, time_limit, mem_limit,
                      chunked_every > 0 && (t.variants % chunked_every) == 0, &t);
    }
    fclose(f);
    printf("%ld variants (%ld also fed in random chunks): %ld records, %ld diagnostics; slowest %.1f ms (%s); "
           "peak reader memory %.2f MB; %ld failed\n",
           t.variants, t.chunked, t.records, t.diags, t.slowest * 1e3, t.slowest_name, (double)t.peak / 1e6,
           t.failed);
    free(line);
    free(key);
    free(win);
    reading_free(&ref);
    free(v.poff);
    free(v.plen);
    free(v.pbytes);
    return t.failed || t.variants == 0 ? 1 : 0;
}
