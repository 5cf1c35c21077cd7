/* .evtx files read record by record through libevtx (optional at build
 * time): each record's XML goes into the reader as if it were a stream. */
#include <string.h>

#include "alloc.h"
#include "reader_internal.h"

#ifdef HAVE_LIBEVTX
#include <libevtx.h>

static int evtx_error(ha_reader *r, const char *what, const char *path, libevtx_error_t **err)
{
    char msg[160] = "";
    if (*err) {
        libevtx_error_sprint(*err, msg, sizeof msg);
        libevtx_error_free(err);
    }
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = '\0';
    return hai_reader_fail(r, HA_ERR_IO, what, path, msg);
}

int ha_reader_read_evtx(ha_reader *r, const char *path)
{
    if (!r || !path)
        return HA_ERR_INVALID;
    libevtx_file_t *file = NULL;
    libevtx_error_t *err = NULL;
    if (libevtx_file_initialize(&file, &err) != 1)
        return evtx_error(r, "cannot read", path, &err);
    if (libevtx_file_open(file, path, LIBEVTX_OPEN_READ, &err) != 1) {
        libevtx_file_free(&file, NULL);
        return evtx_error(r, "cannot open", path, &err);
    }
    int count = 0, rc = HA_OK;
    if (libevtx_file_get_number_of_records(file, &count, &err) != 1)
        rc = evtx_error(r, "cannot read", path, &err);
    hai_buf xml = {NULL, 0, 0};
    for (int i = 0; i < count && rc == HA_OK; i++) {
        libevtx_record_t *rec = NULL;
        size_t size = 0;
        if (libevtx_file_get_record_by_index(file, i, &rec, &err) != 1 ||
            libevtx_record_get_utf8_xml_string_size(rec, &size, &err) != 1 || size == 0) {
            /* a damaged record costs itself only */
            rc = hai_reader_skip_record(r, i, err);
            libevtx_error_free(&err);
            libevtx_record_free(&rec, NULL);
            continue;
        }
        xml.len = 0;
        if (hai_buf_reserve(&xml, hai_reader_allocator(r), size) != 0) {
            rc = HA_ERR_NOMEM;
        } else if (libevtx_record_get_utf8_xml_string(rec, (uint8_t *)xml.data, size, &err) != 1) {
            rc = hai_reader_skip_record(r, i, err);
            libevtx_error_free(&err);
        } else {
            hai_reader_set_evtx_record(r, i);
            rc = ha_reader_feed(r, xml.data, strnlen(xml.data, size));
            if (rc == HA_OK)
                rc = ha_reader_feed(r, "\n", 1);
        }
        libevtx_record_free(&rec, NULL);
    }
    hai_buf_free(&xml, hai_reader_allocator(r));
    libevtx_file_close(file, NULL);
    libevtx_file_free(&file, NULL);
    hai_reader_set_evtx_record(r, -1);
    if (rc == HA_OK)
        return ha_reader_finish(r);
    hai_reader_drop_stream(r);
    return rc;
}

int hai_is_evtx_build(void) { return 1; }

#else

int ha_reader_read_evtx(ha_reader *r, const char *path)
{
    if (!r || !path)
        return HA_ERR_INVALID;
    return hai_reader_fail(r, HA_ERR_UNSUPPORTED, "cannot read", path,
                           "this build of libhandleaudit reads no .evtx (libevtx was not found when it was built)");
}

int hai_is_evtx_build(void) { return 0; }

#endif
