/* One intrusive doubly-linked list: an item holds a hai_link for each list
 * it can be in, and the list's ends are plain pointers (NULL when empty),
 * so a list may be copied or swapped by value. Not thread-safe; no
 * allocation. */
#ifndef HAI_LIST_H
#define HAI_LIST_H

#include <stddef.h>

typedef struct hai_link {
    struct hai_link *prev, *next;
} hai_link;

typedef struct hai_list {
    hai_link *head, *tail; /* oldest, newest */
} hai_list;

/* The item of type `type` whose member `member` is the link `l` (not NULL). */
#define HAI_ITEM(l, type, member) ((type *)(void *)((char *)(l) - offsetof(type, member)))
/* The same, NULL for a NULL link. */
#define HAI_ITEM_OR_NULL(l, type, member) ((l) ? HAI_ITEM((l), type, member) : (type *)NULL)
/* Each link `l` of `list` in order; `l` may not be removed in the body. */
#define HAI_LIST_FOR(l, list) for (hai_link *l = (list)->head; l; l = l->next)

static inline int hai_list_empty(const hai_list *list) { return list->head == NULL; }

/* Put `x` (in no list) at the tail. */
static inline void hai_list_append(hai_list *list, hai_link *x)
{
    x->prev = list->tail;
    x->next = NULL;
    if (list->tail)
        list->tail->next = x;
    else
        list->head = x;
    list->tail = x;
}

/* Take `x` (in `list`) out; its links become NULL. */
static inline void hai_list_remove(hai_list *list, hai_link *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        list->head = x->next;
    if (x->next)
        x->next->prev = x->prev;
    else
        list->tail = x->prev;
    x->prev = x->next = NULL;
}

/* Move `x` (in `list`) to the tail. */
static inline void hai_list_move_to_tail(hai_list *list, hai_link *x)
{
    if (list->tail == x)
        return;
    hai_list_remove(list, x);
    hai_list_append(list, x);
}

#endif
