/* Print the EventID, time and handle of every event in an XML file. */
#include <handleaudit/handleaudit.h>
#include <stdio.h>

static int on_record(const ha_record *rec, void *userdata)
{
    (void)userdata;
    uint64_t handle;
    printf("%u %lld", (unsigned)ha_record_event_id(rec), (long long)ha_record_time(rec));
    if (ha_record_uint(rec, HA_FIELD_HANDLE_ID, &handle) == HA_OK)
        printf(" handle 0x%llx %s", (unsigned long long)handle,
               ha_record_string(rec, HA_FIELD_PROCESS_NAME) ? ha_record_string(rec, HA_FIELD_PROCESS_NAME) : "");
    printf("\n");
    return 0; /* non-zero would stop the read */
}

static int on_diag(const ha_diag *d, void *userdata)
{
    (void)userdata;
    fprintf(stderr, "line %llu, column %llu: %s\n", (unsigned long long)ha_diag_line(d),
            (unsigned long long)ha_diag_column(d), ha_diag_message(d));
    return 0; /* the malformed event is skipped; reading goes on */
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s EVENTS.xml\n", argv[0]);
        return 2;
    }
    ha_reader_options opts = HA_READER_OPTIONS_INIT;
    opts.on_record = on_record;
    opts.on_diag = on_diag;
    ha_reader *reader;
    if (ha_reader_new(&opts, &reader) != HA_OK)
        return 1;
    int rc = ha_reader_read_file(reader, argv[1]);
    if (rc != HA_OK)
        fprintf(stderr, "%s\n", ha_diag_message(ha_reader_last_diag(reader)));
    ha_reader_free(reader);
    return rc == HA_OK ? 0 : 1;
}
