/* The smallest correlating program: read one file, print every handle's
 * sequence, and every request that opened no handle, as a JSON line (the
 * same lines `handleaudit FILE` prints). */
#include <handleaudit/handleaudit.h>
#include <stdio.h>
#include <stdlib.h>

static int on_end(const ha_sequence *seq, const ha_record *rec, void *userdata)
{
    (void)rec;
    (void)userdata;
    size_t n = ha_sequence_json(seq, NULL, 0); /* size first, like snprintf */
    char *line = malloc(n + 1);
    if (!line)
        return 1;
    ha_sequence_json(seq, line, n + 1);
    puts(line);
    free(line);
    return 0;
}

static int on_request(const ha_request *req, void *userdata)
{
    (void)userdata;
    size_t n = ha_request_json(req, NULL, 0);
    char *line = malloc(n + 1);
    if (!line)
        return 1;
    ha_request_json(req, line, n + 1);
    puts(line);
    free(line);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s EVENTS.xml\n", argv[0]);
        return 2;
    }
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_end = on_end;
    co.on_request = on_request; /* denied, or granted without a handle */
    ha_correlator *corr;
    if (ha_correlator_new(&co, &corr) != HA_OK)
        return 1;

    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = ha_correlator_on_record; /* every record goes to the correlator */
    ro.userdata = corr;
    ha_reader *reader;
    if (ha_reader_new(&ro, &reader) != HA_OK)
        return 1;

    int rc = ha_reader_read_file(reader, argv[1]);
    if (rc == HA_OK)
        rc = ha_correlator_flush(corr); /* what is still open ends as end_of_input */
    else
        fprintf(stderr, "%s\n", ha_diag_message(ha_reader_last_diag(reader)));
    ha_reader_free(reader);
    ha_correlator_free(corr);
    return rc == HA_OK ? 0 : 1;
}
