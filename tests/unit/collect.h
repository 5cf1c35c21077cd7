/* What a reader delivers, collected for comparison: records as JSON lines
 * and diagnostics with their positions. Shared by the C tests. */
#ifndef HA_TEST_COLLECT_H
#define HA_TEST_COLLECT_H

#include <handleaudit/handleaudit.h>

#include "check.h"

/* ---- a growable string ---------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
} str;

static inline void put(str *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static inline void puts_(str *b, const char *s) { put(b, s, strlen(s)); }

/* ---- collecting what a correlator ends ----------------------------------- */

/* An on_end callback: each ended sequence's JSON and a newline into the
 * `str` that is its userdata, to compare two correlators' runs. */
static inline int collect_sequence(const ha_sequence *seq, const ha_record *r, void *ud)
{
    (void)r;
    str *t = ud;
    size_t n = ha_sequence_json(seq, NULL, 0);
    char *buf = malloc(n + 1);
    ha_sequence_json(seq, buf, n + 1);
    put(t, buf, n);
    put(t, "\n", 1);
    free(buf);
    return 0;
}

/* ---- collecting what a reader delivers ----------------------------------- */

typedef struct {
    int code, warning;
    uint64_t offset, line, column, event_offset;
} diag_rec;

typedef struct {
    str records; /* JSON lines */
    size_t nrecords;
    diag_rec *diags;
    size_t ndiags, diags_cap;
    int stop_after; /* stop (return 7) after this many records, 0 = never */
    int positions;  /* each JSON line is followed by " @OFFSET:LINE", the record's position */
} result;

static inline int on_record(const ha_record *r, void *ud)
{
    result *res = ud;
    size_t n = ha_record_json(r, NULL, 0);
    char *buf = malloc(n + 1);
    ha_record_json(r, buf, n + 1);
    put(&res->records, buf, n);
    if (res->positions) {
        char pos[64];
        snprintf(pos, sizeof pos, " @%" PRIu64 ":%" PRIu64, ha_record_offset(r), ha_record_line(r));
        puts_(&res->records, pos);
    }
    put(&res->records, "\n", 1);
    free(buf);
    res->nrecords++;
    return res->stop_after && res->nrecords == (size_t)res->stop_after ? 7 : 0;
}

static inline int on_diag(const ha_diag *d, void *ud)
{
    result *res = ud;
    if (res->ndiags == res->diags_cap) {
        res->diags_cap = res->diags_cap ? 2 * res->diags_cap : 16;
        res->diags = realloc(res->diags, res->diags_cap * sizeof *res->diags);
    }
    diag_rec *x = &res->diags[res->ndiags++];
    x->code = ha_diag_code(d);
    x->warning = ha_diag_is_warning(d);
    x->offset = ha_diag_offset(d);
    x->line = ha_diag_line(d);
    x->column = ha_diag_column(d);
    x->event_offset = ha_diag_event_offset(d);
    return 0;
}

static inline void result_free(result *r)
{
    free(r->records.s);
    free(r->diags);
}

static unsigned rng_state = 12345;
static inline unsigned rnd(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return (rng_state >> 16) & 0x7fff;
}

/* The largest chunk of run()'s random chunking. */
static size_t random_chunk_max = 600;

static inline size_t random_chunk(void)
{
    size_t r = rnd(); /* 15 bits; 30 for a larger bound */
    if (random_chunk_max > 0x8000)
        r = r << 15 | rnd();
    return 1 + r % random_chunk_max;
}

/* Feed `data` in chunks of `chunk` bytes (0: whole; SIZE_MAX: random
 * 1..random_chunk_max). */
static inline void run(const char *data, size_t len, size_t chunk, result *res)
{
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = res;
    ha_reader *r;
    CHECK_INT(ha_reader_new(&o, &r), HA_OK);
    size_t i = 0;
    while (i < len) {
        size_t n = chunk == 0 ? len : chunk == SIZE_MAX ? random_chunk() : chunk;
        if (n > len - i)
            n = len - i;
        CHECK_INT(ha_reader_feed(r, data + i, n), HA_OK);
        i += n;
    }
    CHECK_INT(ha_reader_finish(r), HA_OK);
    ha_reader_free(r);
}

static inline int same_result(const result *a, const result *b)
{
    if (a->nrecords != b->nrecords || a->ndiags != b->ndiags || a->records.n != b->records.n)
        return 0;
    if (a->records.n && memcmp(a->records.s, b->records.s, a->records.n) != 0)
        return 0;
    for (size_t i = 0; i < a->ndiags; i++)
        if (memcmp(&a->diags[i], &b->diags[i], sizeof(diag_rec)) != 0)
            return 0;
    return 1;
}

#endif
