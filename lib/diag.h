/* Diagnostics (errors and warnings with a position), one mechanism for every
 * object: the reader's (a malformed event), the correlator's (a snapshot
 * refused, a state file that cannot be written) and the rule set's (a rule
 * that cannot be added). */
#ifndef HAI_DIAG_H
#define HAI_DIAG_H

#include <stdint.h>

#include "alloc.h"
#include "handleaudit/handleaudit.h"

struct ha_diag {
    int code;
    int warning;
    const char *message; /* static, or `text` */
    uint64_t offset, line, column, event_offset;
    char text[200];
    const char *path; /* the file it concerns (owned by the object), or NULL */
};

/* printf-style format checking, with MinGW's own printf (its ANSI stdio). */
#if defined(__MINGW_PRINTF_FORMAT)
#define HAI_PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#elif defined(__GNUC__)
#define HAI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define HAI_PRINTF(f, a)
#endif

/* Fill `d` with a message and no position or path. */
void hai_diag_set(ha_diag *d, int code, int warning, const char *message);
/* The same with a message made by snprintf() into `d->text` (cut at its
 * size). */
HAI_PRINTF(3, 4)
void hai_diag_setf(ha_diag *d, int code, const char *fmt, ...);
/* Copy `src` into `dst` (a message in src's text goes into dst's); the
 * path is not copied (dst->path NULL). */
void hai_diag_copy(ha_diag *dst, const ha_diag *src);
/* Point `d->path` at a copy of `path` kept in `*store` (freed first;
 * NULL when memory runs out, the message still says what happened). */
void hai_diag_set_path(ha_diag *d, char **store, const ha_allocator *a, const char *path);

#endif
