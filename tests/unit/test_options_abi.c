/* A program built against version 1 of the options structs keeps working
 * (and one built against version 2 of the correlator's, before on_request):
 * the library neither reads nor writes past such a struct's end. The
 * structs here are those layouts, allocated to their exact size, so
 * that AddressSanitizer and valgrind (both run over this suite) catch a
 * single byte too far. */
#include <handleaudit/handleaudit.h>

#include "check.h"

struct reader_options_v1 {
    unsigned int version;
    ha_record_cb on_record;
    ha_diag_cb on_diag;
    void *userdata;
    size_t max_event_bytes;
    size_t max_field_bytes;
    unsigned int max_depth;
    const ha_allocator *allocator;
};

struct reader_options_v2 { /* before on_progress */
    struct reader_options_v1 v1;
    uint32_t flags;
};

struct correlator_options_v1 {
    unsigned int version;
    ha_sequence_cb on_open;
    ha_sequence_cb on_access;
    ha_sequence_cb on_end;
    void *userdata;
    size_t max_open;
    size_t max_processes;
    const ha_allocator *allocator;
};

struct correlator_options_v2 {
    struct correlator_options_v1 v1;
    size_t max_string_bytes;
    size_t reorder_window;
};

static int ends;
static int on_end(const ha_sequence *s, const ha_record *r, void *u)
{
    (void)s;
    (void)r;
    (void)u;
    ends++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    struct reader_options_v1 *ro = malloc(sizeof *ro);
    struct correlator_options_v1 *co = malloc(sizeof *co);
    memset(ro, 0x5a, sizeof *ro);
    memset(co, 0x5a, sizeof *co);
    CHECK_INT(ha_reader_options_init((ha_reader_options *)(void *)ro, 1), HA_OK);
    CHECK_INT(ha_correlator_options_init((ha_correlator_options *)(void *)co, 1), HA_OK);
    CHECK(ro->version == 1 && ro->on_record == NULL && ro->max_depth == 0 && ro->allocator == NULL);
    CHECK(co->version == 1 && co->on_end == NULL && co->max_open == 0 && co->allocator == NULL);
    co->on_end = on_end;
    ha_correlator *c;
    CHECK_INT(ha_correlator_new((const ha_correlator_options *)(const void *)co, &c), HA_OK);
    ro->on_record = ha_correlator_on_record;
    ro->userdata = c;
    ha_reader *r;
    CHECK_INT(ha_reader_new((const ha_reader_options *)(const void *)ro, &r), HA_OK);
    CHECK_INT(ha_reader_read_file(r, argv[1]), HA_OK);
    CHECK_INT(ha_correlator_flush(c), HA_OK);
    CHECK_INT(ends, 4);
    ha_reader_free(r);
    ha_correlator_free(c);
    /* version 2: the same, and the sample's failed 4656 is counted, with no
     * on_request to give it to */
    struct correlator_options_v2 *c2 = malloc(sizeof *c2);
    memset(c2, 0x5a, sizeof *c2);
    CHECK_INT(ha_correlator_options_init((ha_correlator_options *)(void *)c2, 2), HA_OK);
    CHECK(c2->v1.version == 2 && c2->max_string_bytes == 0 && c2->reorder_window == 0);
    c2->v1.on_end = on_end;
    CHECK_INT(ha_correlator_new((const ha_correlator_options *)(const void *)c2, &c), HA_OK);
    ro->userdata = c;
    CHECK_INT(ha_reader_new((const ha_reader_options *)(const void *)ro, &r), HA_OK);
    CHECK_INT(ha_reader_read_file(r, argv[1]), HA_OK);
    CHECK_INT(ha_correlator_flush(c), HA_OK);
    CHECK_INT(ends, 8);
    CHECK_U64(ha_correlator_count(c, HA_CORR_FAILED_OPENS), 1);
    ha_reader_free(r);
    ha_correlator_free(c);
    free(c2);
    /* a reader built against version 2 (flags, before on_progress) reads a
     * file without looking for a progress callback past its struct */
    struct reader_options_v2 *r2 = malloc(sizeof *r2);
    memset(r2, 0x5a, sizeof *r2);
    CHECK_INT(ha_reader_options_init((ha_reader_options *)(void *)r2, 2), HA_OK);
    CHECK(r2->v1.version == 2 && r2->flags == 0 && r2->v1.on_record == NULL);
    CHECK_INT(ha_reader_new((const ha_reader_options *)(const void *)r2, &r), HA_OK);
    CHECK_INT(ha_reader_read_file(r, argv[1]), HA_OK);
    CHECK(ha_reader_count(r, HA_COUNT_EVENTS) > 0);
    ha_reader_free(r);
    free(r2);
    /* and a version this library does not know yet is refused, not guessed at */
    co->version = HA_CORRELATOR_OPTIONS_VERSION + 1;
    CHECK_INT(ha_correlator_new((const ha_correlator_options *)(const void *)co, &c), HA_ERR_INVALID);
    free(ro);
    free(co);
    return check_done();
}
