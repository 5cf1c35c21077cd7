/* The output layer's one interface: each format is a table of writers, each
 * writing one whole line (terminator included) into a hai_out, snprintf
 * style. output.c drives them (ha_output_*, ha_*_format). */
#ifndef HAI_OUTPUT_FORMAT_H
#define HAI_OUTPUT_FORMAT_H

#ifndef HA_EXPERIMENTAL_API
#define HA_EXPERIMENTAL_API /* the output layer writes alerts too (experimental.h) */
#endif
#include <handleaudit/experimental.h>

#include "json.h"

typedef struct hai_format {
    const char *name;
    /* Each may be NULL: nothing to write (header, footer) or not in this
     * format (HA_ERR_UNSUPPORTED). */
    void (*header)(hai_out *o);
    void (*record)(hai_out *o, const ha_record *rec);
    void (*sequence)(hai_out *o, const ha_sequence *seq);
    void (*request)(hai_out *o, const ha_request *req);
    void (*alert)(hai_out *o, const ha_alert *alert);
    void (*footer)(hai_out *o);
} hai_format;

extern const hai_format hai_format_jsonl, hai_format_csv, hai_format_ecs, hai_format_ocsf,
    hai_format_timesketch;

/* The format's table, or NULL when `format` is none of ha_format's. */
const hai_format *hai_format_of(ha_format format);

/* What several formats share (common.c). */

/* The names of the mask's bits for the type joined by '|', a bit without a
 * name as its hex value, into `buf` (at least HAI_NAMES_CAP bytes). */
#define HAI_NAMES_CAP 1024
size_t hai_access_names_joined(const char *object_type, uint32_t mask, char *buf);
/* The last component of a Windows path (after the last '\\'), or NULL. */
const char *hai_path_base(const char *path);
/* `"0x` and the hex digits of v, closing quote: a JSON string. */
void hai_out_hex_str(hai_out *o, uint64_t v);
/* The EventID that opened a sequence: 4690 for a duplicate, 4661 for SAM
 * and directory objects, else 4656; 0 when its open was not seen. */
uint32_t hai_sequence_open_event(const ha_sequence *s);
/* The time a sequence is placed at: its open, else its first event, else its
 * last; HA_TIME_NONE when it has none. */
int64_t hai_sequence_time(const ha_sequence *s);

/* n / d rounded down (toward minus infinity), for any n; d > 0. */
static inline int64_t hai_floor_div(int64_t n, int64_t d)
{
    int64_t q = n / d;
    return n % d < 0 ? q - 1 : q;
}
/* A JSON string saying who did what on which object: "IMAGE" WHAT "TYPE NAME"
 * (long texts cut; invalid UTF-8 there becomes U+FFFD, as everywhere). */
void hai_out_message(hai_out *o, const char *what, const char *image, const char *type, const char *name);
/* A request's JSON keys after its "type" (jsonl.c). */
void hai_request_json_body(hai_out *o, const ha_request *req);

#endif
