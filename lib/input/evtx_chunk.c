/* The file header and the chunks: signatures, checksums, and the walk over
 * a chunk's records. Damage costs only what it touches: a chunk whose
 * header is damaged has its records looked for one by one; a damaged
 * record is reported and the next one looked for; a checksum that does not
 * match is a warning and the records are read as they are (docs/inputs.md
 * says why). */
#include <string.h>

#include "evtx_decoder.h"
#include "evtx_format.h"

static const uint8_t file_signature[8] = {'E', 'l', 'f', 'F', 'i', 'l', 'e', 0};
static const uint8_t chunk_signature[8] = {'E', 'l', 'f', 'C', 'h', 'n', 'k', 0};

int hai_evtx_sniff(const uint8_t *p, size_t n)
{
    unsigned k = 0;
    for (size_t i = 0; i < 8 && i < n; i++)
        k += p[i] == file_signature[i];
    return n >= 8 && k >= 5;
}

int hai_evtx_new(const ha_allocator *a, const hai_evtx_limits *limits, hai_evtx **out)
{
    ha_allocator al;
    hai_allocator_init(&al, a);
    hai_evtx *e = hai_calloc(&al, 1, sizeof *e);
    *out = e;
    if (!e)
        return HA_ERR_NOMEM;
    e->alloc = al;
    e->lim = *limits;
    e->file_chunks = UINT64_MAX;
    hai_evtx_builder_init(e);
    return HA_OK;
}

void hai_evtx_free(hai_evtx *e)
{
    if (!e)
        return;
    ha_allocator a = e->alloc;
    hai_free(&a, e->tpl_ops);
    hai_free(&a, e->tmp_ops);
    hai_free(&a, e->vals);
    hai_rb_free(&e->rb);
    hai_buf_free(&e->strings, &a);
    hai_buf_free(&e->attr, &a);
    hai_free(&a, e);
}

static int header_diag(const hai_evtx_sink *s, int warning, uint64_t off, const char *msg)
{
    return s->diag(s->ctx, HA_ERR_EVTX, warning, off, UINT64_MAX, HAI_EVTX_NO_RECORD, msg);
}

uint64_t hai_evtx_header_chunks(const uint8_t *p, size_t n)
{
    if (n >= 128 && memcmp(p, file_signature, 8) == 0 && hai_le32(p + 124) == hai_crc32(0, p, 120))
        return hai_le16(p + 42);
    return UINT64_MAX;
}

void hai_evtx_set_file_chunks(hai_evtx *e, uint64_t chunks) { e->file_chunks = chunks; }

int hai_evtx_file_header(hai_evtx *e, const uint8_t *p, size_t n, const hai_evtx_sink *s)
{
    e->file_chunks = hai_evtx_header_chunks(p, n);
    if (n < 128)
        return header_diag(s, 0, 0, "the file ends inside its header");
    int rc = 0;
    if (memcmp(p, file_signature, 8) != 0)
        rc = header_diag(s, 1, 0, "the file header's signature is damaged; the chunks are read");
    if (!rc && hai_le32(p + 124) != hai_crc32(0, p, 120))
        rc = header_diag(s, 1, 124, "the file header's checksum does not match; the chunks are read");
    if (!rc && (hai_le16(p + 38) != 3 || hai_le32(p + 32) != 128))
        rc = header_diag(s, 1, 32, "the file header gives an unknown format version; the chunks are read");
    return rc;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        acc |= v;
        if (acc)
            return 0;
    }
    for (; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

static int chunk_diag(hai_evtx *e, const hai_evtx_sink *s, int warning, size_t at, const char *msg)
{
    return s->diag(s->ctx, HA_ERR_EVTX, warning, e->chunk_off + at, e->chunk_index, HAI_EVTX_NO_RECORD, msg);
}

/* The size of a sound record at `at`, or 0. */
static size_t record_at(const hai_evtx *e, size_t at)
{
    size_t end = e->chunk_end;
    if (at > end || end - at < HAI_EVTX_RECORD_MIN || hai_le32(e->c + at) != 0x00002a2au)
        return 0;
    size_t size = hai_le32(e->c + at + 4);
    if (size < HAI_EVTX_RECORD_MIN || size > end - at || hai_le32(e->c + at + size - 4) != size)
        return 0;
    return size;
}

/* The next sound record after `at` (looked for at every 8-byte boundary,
 * as records are aligned so), or chunk_end. */
static size_t next_record(const hai_evtx *e, size_t at)
{
    for (at = (at + 8) & ~(size_t)7; at + HAI_EVTX_RECORD_MIN <= e->chunk_end; at += 8)
        if (record_at(e, at))
            return at;
    return e->chunk_end;
}

/* Check a new chunk's header; set where its records end. 1: go on to the
 * records; 0: nothing more in it (or a diag's stop value in *rc). */
static int begin_chunk(hai_evtx *e, const hai_evtx_sink *s, int *rc)
{
    const uint8_t *p = e->c;
    size_t n = e->clen;
    hai_evtx_reset_chunk(e);
    e->chunk_damage = 0;
    e->chunk_seen = 0;
    if (all_zero(p, n))
        return 0; /* never used */
    if (n < HAI_EVTX_CHUNK_HEADER) {
        *rc = chunk_diag(e, s, 0, 0, "the file ends inside this chunk's header: its records are lost");
        return 0;
    }
    e->chunk_trusted = 1;
    if (memcmp(p, chunk_signature, 8) != 0) {
        e->chunk_trusted = 0; /* said after the walk, with what it found */
    } else if (hai_le32(p + 124) != hai_crc32(hai_crc32(0, p, 120), p + 128, HAI_EVTX_CHUNK_HEADER - 128)) {
        *rc = chunk_diag(e, s, 1, 124, "this chunk header's checksum does not match; its records are read");
    }
    size_t free_at = hai_le32(p + 48);
    if (!e->chunk_trusted || free_at < HAI_EVTX_CHUNK_HEADER || free_at > HAI_EVTX_CHUNK) {
        if (e->chunk_trusted && !*rc)
            *rc = chunk_diag(e, s, 0, 48, "this chunk's free-space offset is damaged: its records are looked for one by one");
        e->chunk_trusted = 0;
        free_at = n;
    }
    if (free_at > n) {
        if (!*rc)
            *rc = chunk_diag(e, s, 0, n, "the file ends inside this chunk: its last records are lost");
        e->chunk_damage = 1;
        free_at = n;
    }
    e->chunk_end = free_at;
    if (!*rc && e->chunk_trusted && !e->chunk_damage &&
        hai_le32(p + 52) != hai_crc32(0, p + HAI_EVTX_CHUNK_HEADER, free_at - HAI_EVTX_CHUNK_HEADER))
        *rc = chunk_diag(e, s, 1, 52, "this chunk's records checksum does not match; its records are read as they are");
    return 1;
}

/* After the walk: records the header promises that were not found, or
 * what a chunk without a sound signature held. */
static int missing_records(hai_evtx *e, const hai_evtx_sink *s)
{
    if (memcmp(e->c, chunk_signature, 8) != 0) {
        if (e->chunk_seen == 0 && e->file_chunks != UINT64_MAX && e->chunk_index >= e->file_chunks)
            return 0; /* preallocated space past the chunks the header counts, holding no record */
        return chunk_diag(e, s, 0, 0, e->chunk_seen ? "this chunk's signature is damaged: the records in it were looked for one by one"
                                                     : "this chunk's signature is damaged and no record was found in it");
    }
    uint64_t first = hai_le64(e->c + 24), last = hai_le64(e->c + 32);
    if (!e->chunk_trusted || e->chunk_damage || last < first || last - first + 1 <= e->chunk_seen)
        return 0;
    return chunk_diag(e, s, 0, 24, "this chunk holds fewer records than its header says: some are lost");
}

int hai_evtx_chunk(hai_evtx *e, const uint8_t *p, size_t n, uint64_t off, uint64_t index, size_t *next,
                   const hai_evtx_sink *s)
{
    e->c = p;
    e->clen = n;
    e->chunk_off = off;
    e->chunk_index = index;
    size_t at = *next;
    int rc = 0;
    if (at == 0) {
        if (!begin_chunk(e, s, &rc)) {
            *next = HAI_EVTX_CHUNK_DONE;
            return rc;
        }
        at = HAI_EVTX_CHUNK_HEADER;
        if (rc) {
            *next = at;
            return rc;
        }
    }
    while (at + HAI_EVTX_RECORD_MIN <= e->chunk_end) {
        size_t size = record_at(e, at);
        if (!size) {
            size_t to = next_record(e, at);
            if (e->chunk_trusted) { /* (an untrusted chunk is reported as a whole) */
                e->chunk_damage = 1;
                rc = chunk_diag(e, s, 0, at, "a record here is damaged (its signature or size is wrong): the next one is looked for");
            }
            at = to;
            if (rc)
                break;
            continue;
        }
        e->chunk_seen++;
        rc = hai_evtx_decode_record(e, at, size, s);
        at += size;
        if (rc)
            break;
    }
    if (rc) { /* stopped: go on here, the chunk's last checks included */
        *next = at;
        return rc;
    }
    *next = HAI_EVTX_CHUNK_DONE;
    return missing_records(e, s);
}
