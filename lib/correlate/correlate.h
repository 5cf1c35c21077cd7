/* The correlator's tables, shared by correlator.c (the rules), sequence.c
 * (getters, copies, JSON) and, later, the state snapshots. */
#ifndef HAI_CORRELATE_H
#define HAI_CORRELATE_H

#include "diag.h"
#include "intern.h"
#include "list.h"
#include "record.h"
#include "reorder.h"

/* Keys are compared as bytes: no padding, zero-initialised. */
typedef struct hai_key {
    const hai_istr *host;
    uint64_t pid, hid, logon;
} hai_key;

typedef struct hai_pkey {
    const hai_istr *host;
    uint64_t pid;
} hai_pkey;

typedef struct hai_akey {
    const hai_istr *host;
    uint64_t pid, hid;
} hai_akey;

struct hai_proc;
struct hai_alias;

/* What only a duplicate (4690) has, apart so that every other sequence is
 * 16 bytes smaller: its source, and the alias its close may come under. */
typedef struct hai_dup {
    struct hai_alias *alias; /* NULL once a newer duplicate took it over */
    uint64_t src_pid, src_hid;
} hai_dup;

/* A sequence's strings (seq_strings.def): HAI_SEQ_STR_<member> is each
 * one's index in strs[], HAI_SEQ_NSTRINGS their number. */
enum {
#define HAI_SEQ_STRING(member, since) HAI_SEQ_STR_##member,
#include "seq_strings.def"
#undef HAI_SEQ_STRING
    HAI_SEQ_NSTRINGS
};

enum { HAI_SEQ_OPENED = 1, HAI_SEQ_DELETED = 2, HAI_SEQ_DUPLICATE = 4, HAI_SEQ_COPY = 8 };

struct ha_sequence {
    UT_hash_handle hh;
    hai_key key;
    struct hai_proc *proc;         /* whose open list holds it */
    hai_link in_proc;              /* that list */
    /* An ended sequence is out of the activity list before the callbacks
     * see it, so its end time takes the link's place: every sequence open
     * at once is 8 bytes smaller (1,000,000 open handles: 8 MB). */
    union {
        hai_link lru;     /* open: in the activity list, oldest first */
        int64_t end_time; /* ended: read through ha_sequence_end_time() */
    };
    hai_dup *dup;                  /* a duplicate's; NULL for others */
    /* The strings of seq_strings.def, by name or, to handle them all, as
     * strs[0, HAI_SEQ_NSTRINGS) in the table's order. */
    union {
        struct {
#define HAI_SEQ_STRING(member, since) hai_istr *member;
#include "seq_strings.def"
#undef HAI_SEQ_STRING
        };
        hai_istr *strs[HAI_SEQ_NSTRINGS];
    };
    int64_t first_time, last_time; /* the open time is first_time when HAI_SEQ_OPENED */
    uint64_t accesses;
    uint32_t access_mask, requested;
    uint64_t first_record, last_record;
    uint8_t flags;
    uint8_t end;
};

/* Each named string is its slot of strs[]. */
#define HAI_SEQ_STRING(member, since)                                                                   \
    _Static_assert(offsetof(ha_sequence, member) ==                                                    \
                       offsetof(ha_sequence, strs) + HAI_SEQ_STR_##member * sizeof(hai_istr *),         \
                   #member " is strs[HAI_SEQ_STR_" #member "]");
#include "seq_strings.def"
#undef HAI_SEQ_STRING

/* The snapshot format version that first holds string `i` of strs[]. */
static inline uint32_t hai_seq_string_since(size_t i)
{
    static const uint32_t since[HAI_SEQ_NSTRINGS] = {
#define HAI_SEQ_STRING(member, since) since,
#include "seq_strings.def"
#undef HAI_SEQ_STRING
    };
    return since[i];
}

/* How many of a sequence's strings a snapshot of format `version` holds. */
static inline size_t hai_seq_nstrings_in(uint32_t version)
{
    size_t n = 0;
    for (size_t i = 0; i < HAI_SEQ_NSTRINGS; i++)
        n += hai_seq_string_since(i) <= version;
    return n;
}

/* A 4656 or 4661 that opened nothing: strings borrowed from the record and
 * the process table while the callback runs, or placed after it in a copy. */
struct ha_request {
    const ha_record *rec; /* NULL in a copy */
    const char *computer, *object_type, *object_name, *process_name, *command_line, *sid, *user, *domain;
    uint64_t pid, hid, logon, record_id;
    int64_t time;
    uint32_t requested, event_id;
    int outcome;
    int copy;
    ha_allocator alloc; /* the correlator's; a copy's */
};

typedef struct hai_proc {
    UT_hash_handle hh;
    hai_pkey key;
    struct ha_correlator *owner;      /* for copies of its sequences */
    hai_istr *image, *command_line;
    int64_t created;
    uint64_t parent_pid;
    int known;                        /* a 4688 described it */
    hai_list open;                    /* its open sequences (in_proc) */
    size_t nopen;
    hai_link in_idle;                 /* the idle list (known, nothing open) */
    int idle;
} hai_proc;

typedef struct hai_alias {
    UT_hash_handle hh;
    hai_akey key;
    ha_sequence *seq;
} hai_alias;

#define HAI_END_COUNT 6
#define HAI_COUNTERS 9

struct ha_correlator {
    ha_allocator alloc;
    hai_sipkey key; /* of every table here and of the interner (keyed.h) */
    ha_sequence_cb on_open, on_access, on_end;
    ha_request_cb on_request;
    void *userdata;
    size_t max_open, max_processes;
    hai_interner strings;
    hai_istr *last_host; /* one reference held: most records share a host */
    hai_istr *recent[HA_FIELD_COUNT_]; /* the last string of each field, one reference held */
    ha_sequence *seqs;
    hai_proc *procs;
    hai_alias *aliases;
    hai_list lru;  /* open sequences, least recently active first */
    hai_list idle; /* idle processes, oldest first */
    size_t nidle;
    int cb_rc; /* first non-zero callback value of the current call */
    int busy;  /* inside add/flush: a callback may not add to this correlator */
    int oom;
    uint64_t counts[HAI_COUNTERS]; /* the first nine ha_correlator_counter values, in snapshots */
    uint64_t ignored;              /* HA_CORR_IGNORED (in snapshots from format 3) */
    uint64_t ended[HAI_END_COUNT];

    size_t max_string_bytes;
    hai_window window; /* the reorder window (reorder.h); its hosts are in `strings` */

    /* the last failure's detail (ha_correlator_last_diag) */
    ha_diag diag;
    int have_diag;
    char *diag_path; /* what diag.path points at */
};

/* Keep `d` (a copy) as the correlator's last diagnostic, about `path` when
 * not NULL; returns d's code (snapshot.c). */
int hai_correlator_fail(ha_correlator *c, const ha_diag *d, const char *path);

/* The record's computer, interned; borrowed (correlator.c). */
const hai_istr *hai_correlator_host(ha_correlator *c, const ha_record *r);

/* For snapshot.c (correlator.c): the tables' plumbing. */
hai_proc *hai_proc_find(ha_correlator *c, const hai_istr *host, uint64_t pid);
hai_proc *hai_proc_get(ha_correlator *c, const hai_istr *host, uint64_t pid);
void hai_proc_settle(ha_correlator *c, hai_proc *p);
/* Append `s` to its process's open list; 1 when it is the first. */
int hai_proc_append(hai_proc *p, ha_sequence *s);
void hai_seq_release(ha_correlator *c, ha_sequence *s);

#define HAI_SEQ_OF_LRU(l) HAI_ITEM_OR_NULL((l), ha_sequence, lru)
#define HAI_SEQ_OF_PROC(l) HAI_ITEM_OR_NULL((l), ha_sequence, in_proc)
#define HAI_PROC_OF_IDLE(l) HAI_ITEM_OR_NULL((l), hai_proc, in_idle)

static inline const char *hai_istr_text(const hai_istr *x) { return x ? x->s : NULL; }

#endif
