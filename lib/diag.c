/* Diagnostics: setting them, and the public getters. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"

void hai_diag_set(ha_diag *d, int code, int warning, const char *message)
{
    d->code = code;
    d->warning = warning;
    d->message = message ? message : ha_strerror(code);
    d->offset = d->line = d->column = d->event_offset = 0;
    d->path = NULL;
}

void hai_diag_setf(ha_diag *d, int code, const char *fmt, ...)
{
    hai_diag_set(d, code, 0, NULL);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text, sizeof d->text, fmt, ap);
    va_end(ap);
    d->message = d->text;
}

void hai_diag_copy(ha_diag *dst, const ha_diag *src)
{
    if (dst == src)
        return;
    *dst = *src;
    if (src->message == src->text)
        dst->message = dst->text;
    dst->path = NULL;
}

void hai_diag_set_path(ha_diag *d, char **store, const ha_allocator *a, const char *path)
{
    hai_free(a, *store);
    *store = NULL;
    if (path) {
        size_t n = strlen(path) + 1;
        *store = hai_malloc(a, n);
        if (*store)
            memcpy(*store, path, n);
    }
    d->path = *store;
}

int ha_diag_code(const ha_diag *d) { return d ? d->code : HA_ERR_INVALID; }
int ha_diag_is_warning(const ha_diag *d) { return d ? d->warning : 0; }
const char *ha_diag_message(const ha_diag *d) { return d && d->message ? d->message : ""; }
uint64_t ha_diag_offset(const ha_diag *d) { return d ? d->offset : 0; }
uint64_t ha_diag_line(const ha_diag *d) { return d ? d->line : 0; }
uint64_t ha_diag_column(const ha_diag *d) { return d ? d->column : 0; }
uint64_t ha_diag_event_offset(const ha_diag *d) { return d ? d->event_offset : 0; }
const char *ha_diag_path(const ha_diag *d) { return d ? d->path : NULL; }
