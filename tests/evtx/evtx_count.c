/* Read files with ha_reader_read_file and print, per file, the records
 * delivered, the errors and warnings reported, and the process's peak
 * resident size so far (getrusage; run one file per process to measure
 * one). Used by the large-input test.
 *
 *     evtx_count FILE...   ->   FILE records=N errors=E warnings=W maxrss_kb=K
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/resource.h>

#include <handleaudit/handleaudit.h>

static int count(const ha_record *rec, void *ud)
{
    (void)rec;
    ++*(uint64_t *)ud;
    return 0;
}

int main(int argc, char **argv)
{
    int status = 0;
    for (int i = 1; i < argc; i++) {
        uint64_t records = 0;
        ha_reader_options o = HA_READER_OPTIONS_INIT;
        o.on_record = count;
        o.userdata = &records;
        ha_reader *r;
        if (ha_reader_new(&o, &r) != HA_OK)
            return 2;
        int rc = ha_reader_read_file(r, argv[i]);
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        printf("%s records=%" PRIu64 " errors=%" PRIu64 " warnings=%" PRIu64 " maxrss_kb=%ld rc=%d\n", argv[i],
               records, ha_reader_count(r, HA_COUNT_ERRORS), ha_reader_count(r, HA_COUNT_WARNINGS), ru.ru_maxrss,
               rc);
        status |= rc != HA_OK;
        ha_reader_free(r);
    }
    return status;
}
