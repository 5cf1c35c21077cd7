/* lib/util/list.h: the one intrusive list the correlator (open handles by
 * activity, a process's open handles, idle processes) and the rules (failed
 * opens by age) keep their order in. Each check walks the list both ways,
 * so a broken prev or next link shows. */
#include "list.h"

#include "check.h"

typedef struct item {
    int value;
    hai_link a; /* two lists at once, as a sequence is in two */
    hai_link b;
} item;

/* The values of `l` through `member` "a" or "b" as "1,2,3", forwards, and
 * check that walking backwards gives the same in reverse. */
static const char *values(const hai_list *l, int through_b)
{
    static char buf[256];
    int fwd[32], n = 0, back = 0;
    buf[0] = '\0';
    HAI_LIST_FOR(k, l) {
        const item *x = through_b ? HAI_ITEM(k, item, b) : HAI_ITEM(k, item, a);
        if (n < 32)
            fwd[n] = x->value;
        n++;
        snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%d", strlen(buf) ? "," : "", x->value);
    }
    for (hai_link *k = l->tail; k; k = k->prev, back++) {
        const item *x = through_b ? HAI_ITEM(k, item, b) : HAI_ITEM(k, item, a);
        CHECK(back < n && x->value == fwd[n - 1 - back]);
    }
    CHECK_INT(back, n);
    CHECK((n == 0) == hai_list_empty(l));
    CHECK(l->head == NULL || l->head->prev == NULL);
    CHECK(l->tail == NULL || l->tail->next == NULL);
    return buf;
}

static void test_append_remove(void)
{
    item v[5];
    hai_list l = {NULL, NULL};
    CHECK_STR(values(&l, 0), "");
    CHECK(HAI_ITEM_OR_NULL(l.head, item, a) == NULL);
    for (int i = 0; i < 5; i++) {
        v[i].value = i;
        hai_list_append(&l, &v[i].a);
    }
    CHECK_STR(values(&l, 0), "0,1,2,3,4");
    CHECK(HAI_ITEM_OR_NULL(l.head, item, a) == &v[0]);
    hai_list_remove(&l, &v[2].a); /* middle */
    CHECK_STR(values(&l, 0), "0,1,3,4");
    CHECK(v[2].a.prev == NULL && v[2].a.next == NULL);
    hai_list_remove(&l, &v[0].a); /* head */
    CHECK_STR(values(&l, 0), "1,3,4");
    hai_list_remove(&l, &v[4].a); /* tail */
    CHECK_STR(values(&l, 0), "1,3");
    hai_list_append(&l, &v[2].a); /* back in, at the end */
    CHECK_STR(values(&l, 0), "1,3,2");
    hai_list_remove(&l, &v[1].a);
    hai_list_remove(&l, &v[3].a);
    hai_list_remove(&l, &v[2].a); /* the only one */
    CHECK_STR(values(&l, 0), "");
    CHECK(l.head == NULL && l.tail == NULL);
}

static void test_move_to_tail(void)
{
    item v[3];
    hai_list l = {NULL, NULL};
    for (int i = 0; i < 3; i++) {
        v[i].value = i;
        hai_list_append(&l, &v[i].a);
    }
    hai_list_move_to_tail(&l, &v[2].a); /* already there */
    CHECK_STR(values(&l, 0), "0,1,2");
    hai_list_move_to_tail(&l, &v[0].a);
    CHECK_STR(values(&l, 0), "1,2,0");
    hai_list_move_to_tail(&l, &v[2].a);
    CHECK_STR(values(&l, 0), "1,0,2");
    item one = {9, {NULL, NULL}, {NULL, NULL}};
    hai_list m = {NULL, NULL};
    hai_list_append(&m, &one.a);
    hai_list_move_to_tail(&m, &one.a); /* alone */
    CHECK_STR(values(&m, 0), "9");
}

/* An item in two lists: each keeps its own order, and leaving one leaves
 * the other as it was. */
static void test_two_lists(void)
{
    item v[4];
    hai_list la = {NULL, NULL}, lb = {NULL, NULL};
    for (int i = 0; i < 4; i++) {
        v[i].value = i;
        hai_list_append(&la, &v[i].a);
        hai_list_append(&lb, &v[3 - i].b);
    }
    CHECK_STR(values(&la, 0), "0,1,2,3");
    CHECK_STR(values(&lb, 1), "3,2,1,0");
    hai_list_remove(&lb, &v[1].b);
    CHECK_STR(values(&la, 0), "0,1,2,3");
    CHECK_STR(values(&lb, 1), "3,2,0");
    hai_list_move_to_tail(&la, &v[1].a);
    CHECK_STR(values(&la, 0), "0,2,3,1");
    CHECK_STR(values(&lb, 1), "3,2,0");
}

/* The ends are plain pointers: a list moved by value (as a snapshot's load
 * swaps a whole correlator's state in) is the same list. */
static void test_by_value(void)
{
    item v[3];
    hai_list l = {NULL, NULL};
    for (int i = 0; i < 3; i++) {
        v[i].value = i;
        hai_list_append(&l, &v[i].a);
    }
    hai_list moved = l, empty = {NULL, NULL};
    l = empty;
    hai_list_remove(&moved, &v[0].a);
    CHECK_STR(values(&moved, 0), "1,2");
    CHECK_STR(values(&l, 0), "");
}

int main(void)
{
    test_append_remove();
    test_move_to_tail();
    test_two_lists();
    test_by_value();
    return check_done();
}
