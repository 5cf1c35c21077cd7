/* The reader fuzz targets' oracle (fuzz_reader, fuzz_evtx): the same bytes
 * read whole, in small chunks, and one event per expat call with the record
 * callback stopping the reader now and then, must give the same records and
 * diagnostics (a digest of every record's JSON and position and of every
 * diagnostic), and every record's JSON must be well-formed. */
#ifndef HA_FUZZ_READER_DIGEST_H
#define HA_FUZZ_READER_DIGEST_H

#include <string.h>

#include <handleaudit/handleaudit.h>

#include "fuzz.h"
#include "json_check.h"
#include "reader_internal.h"

typedef struct {
    uint64_t hash;
    uint64_t records, diags;
    char *json;
    size_t cap;
    unsigned stop_every; /* the record callback stops the reader every this many records; 0: never */
} digest;

/* 1: the input is text (XML), whose diagnostics have lines and columns; 0: .evtx, whose have none (0). */
static int digest_lines = 1;

static inline void mix(digest *d, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        d->hash = (d->hash ^ s[i]) * 1099511628211u;
}

static inline int on_record(const ha_record *r, void *ud)
{
    digest *d = ud;
    size_t n = ha_record_json(r, NULL, 0);
    if (n + 1 > d->cap) {
        free(d->json);
        d->cap = n + 1;
        d->json = malloc(d->cap);
        FUZZ_ASSERT(d->json != NULL);
    }
    FUZZ_ASSERT(ha_record_json(r, d->json, d->cap) == n);
    FUZZ_ASSERT(json_valid(d->json, n));
    mix(d, d->json, n);
    /* the getters that decode on demand */
    size_t count = ha_record_access_count(r);
    uint32_t mask = ha_record_access_list_mask(r);
    for (size_t i = 0; i < count; i++) {
        size_t len = 0;
        FUZZ_ASSERT(ha_record_access_token(r, i, &len) != NULL && len > 0);
        mask |= ha_access_code_mask(ha_record_access_code(r, i));
    }
    FUZZ_ASSERT(mask == ha_record_access_list_mask(r));
    for (int f = 1; f < HA_FIELD_COUNT_; f++) {
        uint64_t v;
        (void)ha_record_uint(r, (ha_field)f, &v);
        (void)ha_record_string(r, (ha_field)f);
    }
    ha_record *copy;
    if (ha_record_copy(r, &copy) == HA_OK) {
        FUZZ_ASSERT(ha_record_json(copy, NULL, 0) == n);
        ha_record_free(copy);
    }
    mix(d, &(uint64_t){ha_record_offset(r)}, 8);
    mix(d, &(uint64_t){ha_record_line(r)}, 8);
    d->records++;
    return d->stop_every && d->records % d->stop_every == 0 ? 77 : 0;
}

static inline int on_diag(const ha_diag *g, void *ud)
{
    digest *d = ud;
    uint64_t v[5] = {(uint64_t)ha_diag_code(g), ha_diag_offset(g), ha_diag_line(g), ha_diag_column(g),
                     ha_diag_event_offset(g)};
    if (digest_lines) /* text: lines and columns from 1 */
        FUZZ_ASSERT(ha_diag_line(g) >= 1 && ha_diag_column(g) >= 1);
    else /* .evtx: positions are byte offsets only */
        FUZZ_ASSERT(ha_diag_line(g) == 0 && ha_diag_column(g) == 0);
    FUZZ_ASSERT(ha_diag_message(g)[0] != '\0');
    mix(d, v, sizeof v);
    d->diags++;
    return 0;
}

static inline digest run(const uint8_t *data, size_t size, unsigned seed, int batching, unsigned stop_every)
{
    digest d = {1469598103934665603u, 0, 0, NULL, 0, stop_every};
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_record = on_record;
    o.on_diag = on_diag;
    o.userdata = &d;
    o.max_event_bytes = 1 << 16;
    o.max_field_bytes = 1 << 12;
    o.max_depth = 16;
    ha_reader *r;
    FUZZ_ASSERT(ha_reader_new(&o, &r) == HA_OK);
    hai_reader_set_batching(r, batching);
    size_t i = 0;
    while (i < size) {
        size_t n = seed == 0 ? size : 1 + (seed = seed * 1103515245u + 12345u) % 97;
        if (n > size - i)
            n = size - i;
        int rc = ha_reader_feed(r, data + i, n);
        while (rc == 77) /* stopped by the callback: go on where it stopped */
            rc = ha_reader_feed(r, NULL, 0);
        FUZZ_ASSERT(rc == HA_OK);
        i += n;
    }
    int rc;
    while ((rc = ha_reader_finish(r)) == 77)
        ;
    FUZZ_ASSERT(rc == HA_OK);
    FUZZ_ASSERT(ha_reader_count(r, HA_COUNT_BYTES) == size);
    ha_reader_free(r);
    free(d.json);
    d.json = NULL;
    return d;
}

/* Read `data` the three ways and check they agree. */
static inline void check_readings(const uint8_t *data, size_t size)
{
    digest whole = run(data, size, 0, 1, 0);
    digest parts = run(data, size, size ? data[0] | 1u : 1u, 1, 0);
    digest single = run(data, size, 0, 0, size ? 1u + data[size - 1] % 4u : 0); /* and stopped now and then */
    FUZZ_ASSERT(whole.records == parts.records);
    FUZZ_ASSERT(whole.diags == parts.diags);
    FUZZ_ASSERT(whole.hash == parts.hash);
    FUZZ_ASSERT(whole.records == single.records);
    FUZZ_ASSERT(whole.diags == single.diags);
    FUZZ_ASSERT(whole.hash == single.hash);
}

#endif
