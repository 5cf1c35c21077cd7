/* The reorder window (lib/correlate/reorder.h) on its own, without a
 * correlator: what goes in comes out in (TimeCreated, EventRecordID,
 * arrival) order once more than `size` are held, repeats of a held or
 * recently released (Computer, EventRecordID) are refused, and a key is
 * forgotten `size` releases later. */
#include "reorder.h"

#include "check.h"

static ha_allocator alloc;
static hai_interner strings;

/* `h` interned, one reference for the caller. */
static const hai_istr *host(const char *h) { return hai_intern(&strings, h, strlen(h)); }

/* Push a record of time `t` and record ID `rid` (0: none) from `h`. */
static int push(hai_window *w, int64_t t, uint64_t rid, const char *h)
{
    ha_record *r = NULL;
    CHECK_INT(ha_record_new(NULL, &r), HA_OK);
    if (!r)
        return -1;
    CHECK_INT(ha_record_set_system(r, 4663, 0, 0, t, rid, h), HA_OK);
    if (!rid)
        r->has &= ~(uint32_t)HAI_HAS_RECORD_ID;
    const hai_istr *x = host(h);
    int rc = hai_window_push(w, &strings, r, x);
    hai_istr_unref(&strings, (hai_istr *)x);
    ha_record_free(r);
    return rc;
}

/* Pop what the window lets go (`all`: everything) as "t/rid,t/rid". */
static const char *pop(hai_window *w, int all)
{
    static char buf[512];
    buf[0] = '\0';
    hai_held h;
    while (hai_window_pop(w, all, &h)) {
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%lld/%llu", buf[0] ? "," : "",
                 (long long)h.rec->time, (unsigned long long)h.rec->record_id);
        hai_window_done(w, &strings, &h);
    }
    return buf;
}

static void test_order(void)
{
    hai_window w;
    memset(&w, 0, sizeof w);
    w.size = 3;
    CHECK_INT(push(&w, 30, 3, "A"), HA_OK);
    CHECK_INT(push(&w, 10, 1, "A"), HA_OK);
    CHECK_INT(push(&w, 20, 2, "A"), HA_OK);
    CHECK_STR(pop(&w, 0), ""); /* three held: none is let go yet */
    CHECK_INT(push(&w, 20, 1, "B"), HA_OK); /* same time: the lower record ID first */
    CHECK_STR(pop(&w, 0), "10/1");
    CHECK_INT(push(&w, 5, 9, "A"), HA_OK); /* later than the window reaches: out at once */
    CHECK_STR(pop(&w, 0), "5/9");
    CHECK_INT(push(&w, 20, 0, "A"), HA_OK); /* no record ID: no key (never a repeat), ID 0 in the order */
    CHECK_INT(push(&w, 20, 0, "A"), HA_OK);
    CHECK_STR(pop(&w, 0), "20/0,20/0");
    CHECK_STR(pop(&w, 1), "20/1,20/2,30/3");
    CHECK_INT(strings.count, 2); /* the hosts of the keys remembered: A, B */
    CHECK_STR(pop(&w, 1), "");
    hai_window_free(&w, &alloc);
}

static void test_repeats(void)
{
    hai_window w;
    memset(&w, 0, sizeof w);
    w.size = 2;
    CHECK_INT(push(&w, 1, 1, "A"), HA_OK);
    CHECK_INT(push(&w, 1, 1, "A"), HAI_WINDOW_REPEAT); /* held */
    CHECK_INT(push(&w, 1, 1, "B"), HA_OK);              /* another computer */
    CHECK_INT(push(&w, 2, 2, "A"), HA_OK);
    CHECK_STR(pop(&w, 0), "1/1");
    CHECK_INT(push(&w, 9, 1, "A"), HAI_WINDOW_REPEAT); /* released, remembered */
    CHECK_STR(pop(&w, 1), "1/1,2/2");
    /* A/1, B/1, A/2 released: the ring of 2 keeps the last two */
    CHECK_INT(push(&w, 9, 1, "A"), HA_OK);
    CHECK_INT(push(&w, 9, 2, "A"), HAI_WINDOW_REPEAT);
    CHECK_INT(push(&w, 9, 1, "B"), HAI_WINDOW_REPEAT);
    CHECK_STR(pop(&w, 1), "9/1");
    hai_window_free(&w, &alloc);
}

int main(void)
{
    hai_sipkey key = {1, 2};
    hai_allocator_init(&alloc, NULL);
    hai_interner_init(&strings, &alloc, &key);
    test_order();
    test_repeats();
    hai_interner_free(&strings);
    return check_done();
}
