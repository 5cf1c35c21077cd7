/* The file layer: a file, a descriptor or a FILE read to its end as one
 * stream, with progress reports (on_progress), and what is said when that
 * fails. parallel.c maps a file instead and reads it with threads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "os.h"
#include "reader_internal.h"

/* Files are read this much at a time: small enough that a chunk is still in
 * the core's cache while it is parsed (256 KB read 4% faster than 1 MB,
 * median of 21 paired runs of ha_bench correlate on 200 MB). A .evtx
 * stream, decoded at several times that speed, where the EventID filter
 * skips most records, goes faster with fewer reads: 1 MB (handleaudit on a
 * 20 MB .evtx, 15 paired runs: 256 KB took 10% longer). */
#define READ_CHUNK ((size_t)256 << 10)
#define EVTX_READ_CHUNK ((size_t)1 << 20)

int hai_reader_fail(ha_reader *r, int code, const char *what, const char *path, const char *detail)
{
    hai_reader_stream_diag(r, code, NULL);
    snprintf(r->diag.text, sizeof r->diag.text, "%s %s: %s", what, path ? path : "input", detail);
    r->diag.message = r->diag.text;
    return code;
}

static int io_error(ha_reader *r, const char *what, const char *name)
{
    return hai_reader_fail(r, HA_ERR_IO, what, name, strerror(errno));
}

int ha_reader_read_evtx(ha_reader *r, const char *path) { return ha_reader_read_file(r, path); }

/* Feed from `fd` (or `fp` when not NULL) to the end, then finish;
 * on_progress after each block and at the end. */
static int read_all(ha_reader *r, int fd, FILE *fp, const char *name)
{
    long long size = fp ? -1 : hai_os_regular_size(fd);
    uint64_t total = size > 0 ? (uint64_t)size : 0, done = 0;
    size_t cap = READ_CHUNK;
    char *buf = hai_malloc(&r->alloc, cap);
    if (!buf)
        return HA_ERR_NOMEM;
    int rc = HA_OK;
    for (;;) {
        size_t n;
        if (fp) {
            n = fread(buf, 1, cap, fp);
            if (n == 0 && ferror(fp)) {
                rc = io_error(r, "cannot read", name);
                break;
            }
        } else {
            long long k = hai_os_read(fd, buf, cap);
            if (k < 0) {
                rc = io_error(r, "cannot read", name);
                break;
            }
            n = (size_t)k;
        }
        if (n == 0)
            break;
        done += n;
        rc = ha_reader_feed(r, buf, n);
        if (!rc)
            rc = hai_reader_progress(r, done, total && total < done ? done : total); /* (a file that grew) */
        if (rc)
            break;
        if (cap < EVTX_READ_CHUNK && r->format == FORMAT_EVTX) { /* decided by the first block */
            char *big = hai_malloc(&r->alloc, EVTX_READ_CHUNK);
            if (big) { /* (else it goes on with the small one) */
                hai_free(&r->alloc, buf);
                buf = big;
                cap = EVTX_READ_CHUNK;
            }
        }
    }
    hai_free(&r->alloc, buf);
    if (rc == HA_OK && (rc = ha_reader_finish(r)) == HA_OK)
        return hai_reader_progress(r, done, total ? done : 0); /* everything: the size as read */
    hai_reader_drop_stream(r); /* stopped or failed: the rest of this stream is dropped */
    return rc;
}

int ha_reader_read_fd(ha_reader *r, int fd)
{
    if (!r || fd < 0)
        return HA_ERR_INVALID;
    return read_all(r, fd, NULL, NULL);
}

int ha_reader_read_fp(ha_reader *r, FILE *fp)
{
    if (!r || !fp)
        return HA_ERR_INVALID;
    return read_all(r, -1, fp, NULL);
}

int ha_reader_read_file(ha_reader *r, const char *path)
{
    if (!r || !path)
        return HA_ERR_INVALID;
    int fd = hai_os_open(path);
    if (fd < 0)
        return io_error(r, "cannot open", path);
    int rc = read_all(r, fd, NULL, path);
    hai_os_close(fd);
    return rc;
}

