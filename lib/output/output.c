/* The output object (ha_output_*) and the one-line forms (ha_*_format):
 * whatever the format, a line is made into a buffer by the format's writer
 * (format.h), then handed to the caller's write callback. */
#include "alloc.h"
#include "format.h"

struct ha_output {
    const hai_format *f;
    ha_write_cb write;
    void *userdata;
    ha_allocator alloc;
    hai_buf buf;
    int begun, ended;
};

int ha_output_options_init(ha_output_options *opts, unsigned int version)
{
    if (!opts || version == 0 || version > HA_OUTPUT_OPTIONS_VERSION)
        return HA_ERR_INVALID;
    ha_output_options init = HA_OUTPUT_OPTIONS_INIT;
    init.version = version;
    *opts = init; /* version 1 is the whole struct */
    return HA_OK;
}

int ha_output_new(ha_format format, ha_write_cb write, void *userdata, const ha_output_options *opts,
                  ha_output **out)
{
    if (!out)
        return HA_ERR_INVALID;
    *out = NULL;
    const hai_format *f = hai_format_of(format);
    if (!f || !write || (opts && (opts->version == 0 || opts->version > HA_OUTPUT_OPTIONS_VERSION)))
        return HA_ERR_INVALID;
    ha_allocator a;
    hai_allocator_init(&a, opts ? opts->allocator : NULL);
    ha_output *o = hai_calloc(&a, 1, sizeof *o);
    if (!o)
        return HA_ERR_NOMEM;
    o->f = f;
    o->write = write;
    o->userdata = userdata;
    o->alloc = a;
    if (hai_buf_reserve(&o->buf, &a, 4096) != 0) {
        hai_free(&a, o);
        return HA_ERR_NOMEM;
    }
    *out = o;
    return HA_OK;
}

void ha_output_free(ha_output *o)
{
    if (!o)
        return;
    ha_allocator a = o->alloc;
    hai_buf_free(&o->buf, &a);
    hai_free(&a, o);
}

/* Make the line with `make`, growing the buffer once if it did not fit, and
 * write it. */
#define EMIT(out, make, obj)                                                  \
    do {                                                                      \
        hai_out o_ = {(out)->buf.data, (out)->buf.cap, 0};                    \
        make(&o_, obj);                                                       \
        if (o_.len > (out)->buf.cap) {                                        \
            (out)->buf.len = 0;                                               \
            if (hai_buf_reserve(&(out)->buf, &(out)->alloc, o_.len) != 0)     \
                return HA_ERR_NOMEM;                                          \
            o_ = (hai_out){(out)->buf.data, (out)->buf.cap, 0};               \
            make(&o_, obj);                                                   \
        }                                                                     \
        return o_.len ? (out)->write((out)->buf.data, o_.len, (out)->userdata) : HA_OK; \
    } while (0)

static void call_header(hai_out *o, const hai_format *f) { f->header(o); }
static void call_footer(hai_out *o, const hai_format *f) { f->footer(o); }

int ha_output_begin(ha_output *out)
{
    if (!out)
        return HA_ERR_INVALID;
    if (out->begun)
        return HA_OK;
    out->begun = 1;
    if (!out->f->header)
        return HA_OK;
    EMIT(out, call_header, out->f);
}

int ha_output_end(ha_output *out)
{
    if (!out)
        return HA_ERR_INVALID;
    int rc = ha_output_begin(out); /* an empty CSV still has its header */
    if (rc || out->ended)
        return rc;
    out->ended = 1;
    if (!out->f->footer)
        return HA_OK;
    EMIT(out, call_footer, out->f);
}

#define WRITE_ONE(out, what, obj)                      \
    do {                                               \
        if (!(out) || !(obj))                          \
            return HA_ERR_INVALID;                     \
        if (!(out)->f->what)                           \
            return HA_ERR_UNSUPPORTED;                 \
        if (!(out)->begun) {                           \
            int rc_ = ha_output_begin(out);            \
            if (rc_)                                   \
                return rc_;                            \
        }                                              \
        EMIT(out, (out)->f->what, obj);                \
    } while (0)

int ha_output_record(ha_output *out, const ha_record *rec) { WRITE_ONE(out, record, rec); }
int ha_output_sequence(ha_output *out, const ha_sequence *seq) { WRITE_ONE(out, sequence, seq); }
int ha_output_request(ha_output *out, const ha_request *req) { WRITE_ONE(out, request, req); }
int ha_output_alert(ha_output *out, const ha_alert *alert) { WRITE_ONE(out, alert, alert); }

int ha_format_supports(ha_format format, ha_output_kind kind)
{
    const hai_format *f = hai_format_of(format);
    if (!f)
        return 0;
    switch (kind) {
    case HA_OUTPUT_RECORD: return f->record != NULL;
    case HA_OUTPUT_SEQUENCE: return f->sequence != NULL;
    case HA_OUTPUT_REQUEST: return f->request != NULL;
    case HA_OUTPUT_ALERT: return f->alert != NULL;
    default: return 0;
    }
}

/* ---- one line into the caller's buffer --------------------------------------- */

#define FORMAT_ONE(what, obj, format, buf, cap)              \
    do {                                                     \
        const hai_format *f_ = hai_format_of(format);        \
        hai_out o_ = {(buf), (buf) ? (cap) : 0, 0};          \
        if (!f_ || !f_->what || !(obj))                      \
            return hai_out_end(&o_);                         \
        f_->what(&o_, obj);                                  \
        return hai_out_end(&o_);                             \
    } while (0)

size_t ha_record_format(const ha_record *rec, ha_format format, char *buf, size_t cap)
{
    FORMAT_ONE(record, rec, format, buf, cap);
}
size_t ha_sequence_format(const ha_sequence *seq, ha_format format, char *buf, size_t cap)
{
    FORMAT_ONE(sequence, seq, format, buf, cap);
}
size_t ha_request_format(const ha_request *req, ha_format format, char *buf, size_t cap)
{
    FORMAT_ONE(request, req, format, buf, cap);
}
size_t ha_alert_format(const ha_alert *alert, ha_format format, char *buf, size_t cap)
{
    FORMAT_ONE(alert, alert, format, buf, cap);
}
size_t ha_format_header(ha_format format, char *buf, size_t cap)
{
    const hai_format *f = hai_format_of(format);
    hai_out o = {buf, buf ? cap : 0, 0};
    if (f && f->header)
        f->header(&o);
    return hai_out_end(&o);
}
