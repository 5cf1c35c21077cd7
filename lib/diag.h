/* Diagnostics (errors and warnings with a position). */
#ifndef HAI_DIAG_H
#define HAI_DIAG_H

#include <stdint.h>

#include "handleaudit/handleaudit.h"

struct ha_diag {
    int code;
    int warning;
    const char *message; /* static, or `text` */
    uint64_t offset, line, column, event_offset;
    char text[200];
};

/* Fill `d` with a message and no position. */
void hai_diag_set(ha_diag *d, int code, int warning, const char *message);

#endif
