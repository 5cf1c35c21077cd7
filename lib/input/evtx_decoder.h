/* The decoder's state, shared by its three parts: evtx_chunk.c (file and
 * chunk headers, the walk over records), evtx_binxml.c (tokens, templates,
 * driving the record builder) and evtx_values.c (value text). */
#ifndef HAI_EVTX_DECODER_H
#define HAI_EVTX_DECODER_H

#include "alloc.h"
#include "builder.h"
#include "evtx.h"
#include "record.h"

/* One step of a compiled template (or of BinXML compiled on the fly). */
typedef struct hai_op {
    uint8_t kind;  /* OP_* (evtx_binxml.c) */
    uint8_t cls;   /* START: the name's class; ATTR: the attribute's class */
    uint8_t vtype; /* SUB: value type as written in the template */
    uint8_t optional;
    uint16_t sub;  /* SUB: substitution index */
    uint16_t field; /* START of a pair element: its ha_field when known at compile time */
    uint32_t str, len; /* START/ATTR: local name; TEXT: constant text (in `strings`) */
} hai_op;

/* A compiled template of the current chunk. */
typedef struct hai_tpl {
    uint32_t def_off; /* chunk offset of its definition; 0: an empty slot */
    uint32_t first, nops; /* its ops in `tpl_ops` */
    int32_t event_id_sub; /* the substitution that is the EventID, or -1 */
} hai_tpl;

/* A substitution value of the record being decoded. */
typedef struct hai_val {
    const uint8_t *p;
    uint32_t n;
    uint8_t type;
} hai_val;

/* Names and constant text of one chunk, decoded: at most 1.5 times its
 * 64 KiB, but for BinXML values compiled again each time a template uses them. */
#define HAI_EVTX_MAX_STRINGS ((size_t)4 << 20)
#define HAI_NAME_SLOTS 4096 /* names of one chunk (each takes at least 10 of its bytes) */
#define HAI_TPL_SLOTS 256 /* a chunk holds fewer templates (each costs > 256 bytes) */
#define HAI_EVTX_MAX_NESTING 8 /* BinXML values inside values */
/* Work for one chunk: BinXML values that hold template instances whose
 * values hold more can multiply it, so it is bounded. The corpus's chunks
 * take at most 6,500 steps; past the bound (about 20 ms of work) the
 * chunk's remaining records are reported and skipped. */
#define HAI_EVTX_MAX_STEPS ((uint64_t)1 << 20)

struct hai_evtx {
    ha_allocator alloc;
    hai_evtx_limits lim;

    /* the chunk being decoded */
    const uint8_t *c;
    size_t clen;
    uint64_t chunk_off, chunk_index;
    uint64_t rec_off, rec_id; /* the record being decoded */
    size_t chunk_end;   /* where its records end (its free-space offset) */
    int chunk_trusted;  /* its header is sound: records end at chunk_end */
    int chunk_damage;   /* damage in its records was reported */
    uint64_t chunk_seen; /* records found in it */
    uint64_t file_chunks; /* chunks the file header counts (UINT64_MAX: unknown) */

    /* templates compiled for this chunk */
    hai_tpl tpl[HAI_TPL_SLOTS];
    unsigned ntpl;
    hai_op *tpl_ops;
    size_t tpl_nops, tpl_cap;
    hai_buf strings; /* names and constant text of this chunk's ops */
    struct hai_name_slot {
        uint32_t at, str, len; /* chunk offset of the name (0: empty slot); its UTF-8 in `strings` */
    } names[HAI_NAME_SLOTS];       /* each name is decoded once per chunk */
    unsigned nnames;
    hai_op *tmp_ops; /* BinXML compiled on the fly (not templates) */
    size_t tmp_nops, tmp_cap;
    hai_val *vals; /* substitution values, a frame per nesting level */
    size_t nvals, vals_cap;
    unsigned nesting;
    uint64_t steps; /* ops run and tokens compiled in this chunk (bounded) */

    /* the record builder (lib/record/builder.h) and what it reports */
    hai_rb rb;
    hai_buf attr; /* attribute values of the current element */
    int error; /* an ha_status: the record is dropped */
    const char *error_message;
    int warn_code[4];
    const char *warn_message[4];
    unsigned nwarn;
};

/* Decode the record at chunk offset `at`, of `size` bytes, and hand it to
 * the sink. Returns 0, HA_ERR_NOMEM or the sink's non-zero value. */
int hai_evtx_decode_record(hai_evtx *e, size_t at, size_t size, const hai_evtx_sink *s);
/* Set up e->rb (e->alloc and e->lim are set). */
void hai_evtx_builder_init(hai_evtx *e);
/* Forget the templates: a new chunk begins. */
void hai_evtx_reset_chunk(hai_evtx *e);

#endif
