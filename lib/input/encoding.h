/* Text that is not UTF-8, told apart at the start of a stream (reader.c). */
#ifndef HAI_ENCODING_H
#define HAI_ENCODING_H

#include <stddef.h>

/* What to say about bytes outside any event at `p` (`n` of them): when they
 * begin the stream (`at_start`) and their byte order mark or byte pattern
 * is that of UTF-16 or UTF-32 (or another encoding the reader does not
 * read), a message naming it and how to convert; else the generic "unexpected data outside an
 * event". Static storage. */
const char *hai_outside_message(int at_start, const char *p, size_t n);

#endif
