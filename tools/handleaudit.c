/* handleaudit: the command-line face of libhandleaudit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <handleaudit/handleaudit.h>

#define EXIT_SKIPPED 1
#define EXIT_USAGE 2

static const char usage_text[] =
    "Usage: handleaudit [OPTION]... [FILE]...\n"
    "Read Windows Security audit events (XML in any common framing) and print\n"
    "them as JSON Lines. With no FILE, or when FILE is -, read standard input.\n"
    "\n"
    "Modes:\n"
    "      --records      print every event as one JSON object per line:\n"
    "                     type \"record\", event_id, version, record_id, computer,\n"
    "                     time, success and fields (every Data name and value)\n"
    "\n"
    "Options:\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Malformed events are reported on standard error as FILE:LINE:COLUMN and\n"
    "skipped; the events around them are still read.\n"
    "\n"
    "Exit status: 0 when all input was read, 1 when some events were skipped\n"
    "as malformed, 2 on a usage or I/O error.\n"
    "\n"
    "Example:\n"
    "  handleaudit --records examples/data/sample-security.xml\n";

struct tool {
    const char *name; /* current input, for messages */
    char *json;
    size_t json_cap;
    int out_failed;
};

static int on_diag(const ha_diag *d, void *userdata)
{
    struct tool *t = userdata;
    fprintf(stderr, "%s:%llu:%llu: %s: %s [byte %llu]\n", t->name, (unsigned long long)ha_diag_line(d),
            (unsigned long long)ha_diag_column(d), ha_diag_is_warning(d) ? "warning" : "error",
            ha_diag_message(d), (unsigned long long)ha_diag_offset(d));
    return 0;
}

static int on_record(const ha_record *rec, void *userdata)
{
    struct tool *t = userdata;
    size_t n = ha_record_json(rec, t->json, t->json_cap);
    if (n + 2 > t->json_cap) {
        size_t cap = (n + 2) * 2;
        char *p = realloc(t->json, cap);
        if (!p)
            return HA_ERR_NOMEM;
        t->json = p;
        t->json_cap = cap;
        n = ha_record_json(rec, t->json, t->json_cap);
    }
    t->json[n] = '\n';
    if (fwrite(t->json, 1, n + 1, stdout) != n + 1) {
        t->out_failed = 1;
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"records", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int records = 0, c;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            records = 1;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':
            printf("handleaudit %s\n", ha_version_string());
            return 0;
        default:
            fputs("Try 'handleaudit --help' for more information.\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (!records) {
        fputs("handleaudit: correlation is not built yet; use --records\n", stderr);
        return EXIT_USAGE;
    }

    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    struct tool t = {"-", NULL, 0, 0};
    ha_reader_options opts = HA_READER_OPTIONS_INIT;
    opts.on_record = on_record;
    opts.on_diag = on_diag;
    opts.userdata = &t;
    ha_reader *reader;
    int rc = ha_reader_new(&opts, &reader);
    if (rc) {
        fprintf(stderr, "handleaudit: %s\n", ha_strerror(rc));
        return EXIT_USAGE;
    }
    int status = 0;
    int nfiles = argc - optind;
    for (int i = 0; i < (nfiles ? nfiles : 1); i++) {
        const char *path = nfiles ? argv[optind + i] : "-";
        t.name = strcmp(path, "-") == 0 ? "<stdin>" : path;
        rc = strcmp(path, "-") == 0 ? ha_reader_read_fd(reader, 0) : ha_reader_read_file(reader, path);
        if (t.out_failed)
            break;
        if (rc == HA_ERR_IO) {
            fprintf(stderr, "handleaudit: %s\n", ha_diag_message(ha_reader_last_diag(reader)));
            status = EXIT_USAGE;
        } else if (rc) {
            fprintf(stderr, "handleaudit: %s: %s\n", t.name, ha_strerror(rc));
            status = EXIT_USAGE;
        }
    }
    if (status == 0 && ha_reader_count(reader, HA_COUNT_ERRORS) > 0)
        status = EXIT_SKIPPED;
    ha_reader_free(reader);
    free(t.json);
    if (fflush(stdout) != 0 || t.out_failed) {
        fprintf(stderr, "handleaudit: cannot write output: %s\n", strerror(errno));
        return EXIT_USAGE;
    }
    return status;
}
