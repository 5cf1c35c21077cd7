/* handleaudit: the command-line face of libhandleaudit. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <handleaudit/experimental.h>

#include "os.h"

#include "rules_file.h"
#include "stats.h"

#define EXIT_SKIPPED 1
#define EXIT_USAGE 2
#define PROGRESS_MIN_BYTES ((uint64_t)4 << 20)

static const char *const usage_text[] = {
    "Usage: handleaudit [OPTION]... [FILE]...\n"
    "Follow every handle in Windows Security audit events (4656, 4663, 4658,\n"
    "4688 and their companions, XML in any common framing) from open to close\n"
    "and print each handle's sequence as one JSON object per line, in the order\n"
    "the sequences end; those still open at the end of the input come last.\n"
    "With no FILE, or when FILE is -, read standard input. Several files are\n"
    "read as one log, in the order given. A FILE (standard input too) may also\n"
    "be a Windows .evtx log, decoded natively (no XML in between; damaged\n"
    "chunks and records are reported and the rest is read).\n"
    "\n",
    "Output:\n"
    "      --records        print every event instead, one JSON object per line:\n"
    "                       type \"record\", event_id, version, record_id, computer,\n"
    "                       time, success and fields (every Data name and value)\n"
    "      --format=FORMAT  jsonl (the default; also json): JSON Lines as below;\n"
    "                       csv: the same columns as the JSON keys, with a\n"
    "                       header row (sequences and requests), IDs and masks\n"
    "                       in hex, as Event Viewer shows them;\n"
    "                       ecs: Elastic Common Schema documents (@timestamp,\n"
    "                       event.start/end/duration, host, process, file or\n"
    "                       registry, user; the rest under winlog.event_data,\n"
    "                       as Winlogbeat writes it);\n"
    "                       ocsf: OCSF File System Activity and Process\n"
    "                       Activity events (sequences and requests only);\n"
    "                       timesketch: JSON Lines that Timesketch imports\n"
    "                       (message, datetime, timestamp_desc, then the keys).\n"
    "                       ecs and timesketch go with --records too; alerts\n"
    "                       are JSON Lines only (docs/output.md)\n"
    "      --stats          at the end, print to standard error the events per\n"
    "                       EventID, the requests that opened nothing, the\n"
    "                       sequences per end reason, the ten processes with\n"
    "                       the most sequences and the ten longest-open handles\n"
    "                       (those still open at the end marked as such)\n"
    "\n",
    "Correlation:\n"
    "      --max-open=N     keep at most N sequences open; beyond that the one\n"
    "                       idle longest ends as \"evicted\" (default 1048576)\n"
    "      --reorder-window=N  hold up to N events back and apply them in the\n"
    "                       order of their time and record ID, for logs merged\n"
    "                       from several files or forwarded late; an event\n"
    "                       displaced by up to N places is put back, and a\n"
    "                       repeated event (same computer and record ID) is\n"
    "                       dropped\n"
    "      --state=FILE     carry the correlation over between runs, so that a log\n"
    "                       can be read in pieces: the state saved in FILE by the\n"
    "                       last run is loaded first (when FILE exists), and the\n"
    "                       state at the end is saved to it; the sequences still\n"
    "                       open are carried over, not ended\n"
    "      --final          with --state: this is the last piece; end what is\n"
    "                       still open (end_of_input), as a run over the whole\n"
    "                       log does at its end\n"
    "      --strict         parse every event, also those correlation does not\n"
    "                       use (which are otherwise skipped unparsed, much\n"
    "                       faster), so that any malformed event is reported\n"
    "\n",
    "Input:\n"
    "      --threads=N      parse a file with N threads at once (0: one per\n"
    "                       CPU); the output is exactly that of one thread.\n"
    "                       A .evtx file is cut at chunks. Standard input uses\n"
    "                       one thread\n"
    "\n",
    "Alerts (docs/rules.md):\n"
    "      --alerts         check the default rules (those that need no site\n"
    "                       data: processes outside the standard folders or in\n"
    "                       a temp folder, known-bad names, a retry after a\n"
    "                       failed open, SAM hive writes, LSASS memory reads) and\n"
    "                       print each alert as a JSON line, type \"alert\", after\n"
    "                       the record or sequence it concerns\n"
    "      --rules=FILE     check the rules of a YAML file (with `defaults: true`,\n"
    "                       the default rules too)\n"
    "      --alerts-only    print the alerts alone (with the default rules unless\n"
    "                       --rules is given)\n"
    "\n",
    "  -h, --help           show this help and exit\n"
    "  -V, --version        show the version and exit\n"
    "\n",
    "Each sequence carries: computer, process_id, handle_id, logon_id (its key),\n"
    "opened, end (close, process_exit, handle_reused, evicted, end_of_input),\n"
    "open_time, end_time, duration_ns, accesses, access_mask, object_type,\n"
    "object_name, process_name, process_command_line, deleted, first_time,\n"
    "last_time, then requested_access, the subject user, the first and last\n"
    "record IDs, for a duplicated handle duplicated_from, and access_names.\n"
    "One handle is one object: an event naming another object on an open\n"
    "handle ends its sequence (handle_reused). A 4656 or 4661 that opened\n"
    "nothing (denied, or HandleId 0) is a line of type \"request\" with its\n"
    "outcome (failure or no_handle), among the sequences in input order.\n"
    "\n",
    "Malformed events are reported on standard error as FILE:LINE:COLUMN and\n"
    "skipped; the events around them are still read. On a terminal, files of\n"
    "more than 4 MB show a progress line on standard error.\n"
    "\n",
    "Exit status: 0 when all input was read, 1 when some events were skipped\n"
    "as malformed, 2 on a usage or I/O error.\n"
    "\n",
    "Examples:\n"
    "  handleaudit examples/data/sample-security.xml\n"
    "  handleaudit --records --stats Security.xml\n"
    "  wevtutil qe Security /f:xml | handleaudit --format=csv > handles.csv\n",
    NULL,
};

struct tool {
    const char *name; /* current input, for messages */
    int records, alerts_only;
    ha_format format;
    ha_output *out;
    ha_rules *rules;
    unsigned threads; /* for ha_reader_read_file_parallel (1: this thread alone) */
    stats *st;
    ha_correlator *corr;
    int out_failed;
    ha_reader *reader;
    int progress_tty; /* standard error is a terminal */
    int progress_shown;
    double progress_start, progress_last;
};

static int on_diag(const ha_diag *d, void *userdata)
{
    struct tool *t = userdata;
    if (ha_diag_line(d) == 0) /* a .evtx: no lines */
        fprintf(stderr, "%s: %s: %s [byte %" PRIu64 "]\n", t->name, ha_diag_is_warning(d) ? "warning" : "error",
                ha_diag_message(d), ha_diag_offset(d));
    else
        fprintf(stderr, "%s:%" PRIu64 ":%" PRIu64 ": %s: %s [byte %" PRIu64 "]\n", t->name, ha_diag_line(d),
                ha_diag_column(d), ha_diag_is_warning(d) ? "warning" : "error", ha_diag_message(d), ha_diag_offset(d));
    return 0;
}

/* Every output line goes to standard output through here. */
static int write_out(const void *data, size_t len, void *userdata)
{
    struct tool *t = userdata;
    if (fwrite(data, 1, len, stdout) != len) {
        t->out_failed = 1;
        return 1;
    }
    return 0;
}

static int on_alert(const ha_alert *a, void *userdata)
{
    struct tool *t = userdata;
    if (t->st)
        stats_alert(t->st, a);
    return ha_output_alert(t->out, a);
}

static int on_record(const ha_record *rec, void *userdata)
{
    struct tool *t = userdata;
    int rc = 0;
    if (t->st)
        stats_record(t->st, rec);
    if (t->records && !t->alerts_only)
        rc = ha_output_record(t->out, rec);
    if (!rc && t->rules)
        rc = ha_rules_check_record(t->rules, rec, on_alert, t);
    if (!rc && !t->records)
        rc = ha_correlator_add(t->corr, rec);
    return rc;
}

static int on_end(const ha_sequence *seq, const ha_record *rec, void *userdata)
{
    struct tool *t = userdata;
    (void)rec;
    if (t->st)
        stats_sequence(t->st, seq);
    int rc = t->alerts_only ? 0 : ha_output_sequence(t->out, seq);
    if (!rc && t->rules)
        rc = ha_rules_check_sequence(t->rules, seq, on_alert, t);
    return rc;
}

/* A 4656 or 4661 that opened nothing: a "request" line among the sequences. */
static int on_request(const ha_request *req, void *userdata)
{
    struct tool *t = userdata;
    if (t->st)
        stats_request(t->st, req);
    return t->alerts_only ? 0 : ha_output_request(t->out, req);
}

static double now(void) { return hai_os_monotonic(); }

/* The reader's on_progress: on a terminal, for an input of more than 4 MB,
 * a line redrawn at most four times a second. */
static int on_progress(uint64_t done, uint64_t total, void *userdata)
{
    struct tool *t = userdata;
    if (!t->progress_tty || total <= PROGRESS_MIN_BYTES)
        return 0;
    double n = now();
    if (n - t->progress_last <= 0.25)
        return 0;
    double secs = n - t->progress_start;
    uint64_t events = ha_reader_count(t->reader, HA_COUNT_EVENTS);
    fprintf(stderr, "\r%6.1f%%  %" PRIu64 " of %" PRIu64 " MB  %.0f events/s  %" PRIu64 " open handles\033[K",
            100.0 * (double)done / (double)total, done >> 20, total >> 20, secs > 0 ? (double)events / secs : 0.0,
            t->corr ? ha_correlator_count(t->corr, HA_CORR_OPEN) : 0);
    t->progress_last = n;
    t->progress_shown = 1;
    return 0;
}

/* Read one input as one stream. Returns 0, or the exit status it calls for. */
/* A state file that cannot be loaded or saved, as the correlator's
 * diagnostic tells it: an I/O error names the file and the system's reason,
 * a refused snapshot what is wrong and at which byte. */
static void state_error(const char *what, const char *path, int rc, const ha_diag *d)
{
    if (!d || ha_diag_code(d) != rc)
        fprintf(stderr, "handleaudit: cannot %s %s: %s\n", what, path, ha_strerror(rc));
    else if (rc == HA_ERR_IO)
        fprintf(stderr, "handleaudit: %s\n", ha_diag_message(d));
    else if (ha_diag_offset(d))
        fprintf(stderr, "handleaudit: cannot %s %s: %s (at byte %llu)\n", what, path, ha_diag_message(d),
                (unsigned long long)ha_diag_offset(d));
    else
        fprintf(stderr, "handleaudit: cannot %s %s: %s\n", what, path, ha_diag_message(d));
}

static int read_input(struct tool *t, ha_reader *reader, const char *path)
{
    int stdin_ = strcmp(path, "-") == 0;
    t->name = stdin_ ? "<stdin>" : path;
    t->progress_start = t->progress_last = now();
    t->progress_shown = 0;
    int rc = stdin_ ? ha_reader_read_fd(reader, 0) : ha_reader_read_file_parallel(reader, path, t->threads);
    if (t->progress_shown)
        fputs("\r\033[K", stderr);
    if (rc < 0) {
        const ha_diag *d = ha_reader_last_diag(reader);
        if (rc == HA_ERR_IO && d) /* "cannot open PATH: ...", "cannot read PATH: ..." */
            fprintf(stderr, "handleaudit: %s\n", ha_diag_message(d));
        else
            fprintf(stderr, "handleaudit: %s: %s\n", t->name, ha_strerror(rc));
        return EXIT_USAGE;
    }
    return rc > 0 || t->out_failed ? EXIT_USAGE : 0;
}

static int parse_count(const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v == 0 || s[0] == '-')
        return -1;
    *out = (size_t)v;
    return 0;
}

int main(int argc, char **argv)
{
    enum { OPT_RECORDS = 256, OPT_FORMAT, OPT_STATS, OPT_MAX_OPEN, OPT_STRICT, OPT_THREADS, OPT_REORDER,
           OPT_STATE, OPT_FINAL, OPT_ALERTS, OPT_RULES, OPT_ALERTS_ONLY };
    static const struct option longopts[] = {
        {"records", no_argument, NULL, OPT_RECORDS},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"stats", no_argument, NULL, OPT_STATS},
        {"max-open", required_argument, NULL, OPT_MAX_OPEN},
        {"strict", no_argument, NULL, OPT_STRICT},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"reorder-window", required_argument, NULL, OPT_REORDER},
        {"state", required_argument, NULL, OPT_STATE},
        {"final", no_argument, NULL, OPT_FINAL},
        {"alerts", no_argument, NULL, OPT_ALERTS},
        {"rules", required_argument, NULL, OPT_RULES},
        {"alerts-only", no_argument, NULL, OPT_ALERTS_ONLY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct tool t = {.name = "-", .format = HA_FORMAT_JSONL, .threads = 1};
    int want_stats = 0, strict = 0, final = 0, alerts = 0, all_events = 0, c;
    const char *state = NULL, *rules_path = NULL;
    size_t max_open = 0, window = 0;
    if (hai_os_utf8_argv(&argc, &argv) != 0) {
        fprintf(stderr, "handleaudit: out of memory\n");
        return EXIT_USAGE;
    }
    hai_os_binary_stdio(); /* output byte for byte as on every system */
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_RECORDS:
            t.records = 1;
            break;
        case OPT_FORMAT:
            if ((t.format = ha_format_from_name(optarg)) == 0) {
                fprintf(stderr, "handleaudit: unknown format '%s' (jsonl, csv, ecs, ocsf or timesketch)\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_STATS:
            want_stats = 1;
            break;
        case OPT_STRICT:
            strict = 1;
            break;
        case OPT_STATE:
            state = optarg;
            break;
        case OPT_ALERTS:
            alerts = 1;
            break;
        case OPT_RULES:
            rules_path = optarg;
            break;
        case OPT_ALERTS_ONLY:
            t.alerts_only = 1;
            break;
        case OPT_FINAL:
            final = 1;
            break;
        case OPT_REORDER:
            if (parse_count(optarg, &window) != 0) {
                fprintf(stderr, "handleaudit: --reorder-window needs a positive number, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_THREADS: {
            size_t n = 0;
            if (strcmp(optarg, "0") != 0 && (parse_count(optarg, &n) != 0 || n > 64)) {
                fprintf(stderr, "handleaudit: --threads needs a number from 0 to 64, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            t.threads = (unsigned)n;
            break;
        }
        case OPT_MAX_OPEN:
            if (parse_count(optarg, &max_open) != 0) {
                fprintf(stderr, "handleaudit: --max-open needs a positive number, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'h':
            for (const char *const *u = usage_text; *u; u++)
                fputs(*u, stdout);
            return 0;
        case 'V':
            printf("handleaudit %s\n", ha_version_string());
            return 0;
        default:
            fputs("Try 'handleaudit --help' for more information.\n", stderr);
            return EXIT_USAGE;
        }
    }
    if (final && !state) {
        fputs("handleaudit: --final goes with --state\n", stderr);
        return EXIT_USAGE;
    }
    if (state && t.records) {
        fputs("handleaudit: --state carries correlation over; it does not go with --records\n", stderr);
        return EXIT_USAGE;
    }
    if (t.alerts_only && !rules_path)
        alerts = 1;
    if ((alerts || rules_path) && !ha_format_supports(t.format, HA_OUTPUT_ALERT)) {
        fprintf(stderr, "handleaudit: alerts are JSON lines; they do not go with --format=%s\n",
                ha_format_name(t.format));
        return EXIT_USAGE;
    }
    /* From here on every exit goes through the end of main, which frees what
     * was made: status carries the exit code. */
    ha_reader *reader = NULL;
    int status = 0, rc;
    if (alerts || rules_path) {
        int with_defaults = 0;
        if (rules_path) {
            if (rules_file_load(rules_path, &t.rules, &with_defaults, &all_events) != 0)
                goto fail;
        } else if (ha_rules_new(NULL, &t.rules) != HA_OK) {
            fputs("handleaudit: out of memory\n", stderr);
            goto fail;
        }
        if ((alerts || with_defaults) && ha_rules_add_defaults(t.rules) != HA_OK) {
            fputs("handleaudit: out of memory\n", stderr);
            goto fail;
        }
    }
    if (t.records && !ha_format_supports(t.format, HA_OUTPUT_RECORD)) {
        fprintf(stderr, "handleaudit: --format=%s prints sequences; it does not go with --records\n",
                ha_format_name(t.format));
        goto fail;
    }

    /* 64 KB: few writes, and the buffer stays in the core's cache (1 MB
     * measured 1-5% slower in paired runs) */
    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    if (want_stats)
        t.st = stats_new();
    if (want_stats && !t.st) {
        fputs("handleaudit: out of memory\n", stderr);
        goto fail;
    }

    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = on_record;
    ro.on_diag = on_diag;
    ro.on_progress = on_progress;
    ro.userdata = &t;
    ro.flags = strict ? HA_READER_STRICT : 0;
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_end = on_end;
    co.on_request = on_request;
    co.userdata = &t;
    co.max_open = max_open;
    co.reorder_window = window;
    rc = ha_output_new(t.format, write_out, &t, NULL, &t.out);
    if (rc == HA_OK)
        rc = ha_reader_new(&ro, &reader);
    t.reader = reader;
    t.progress_tty = hai_os_isatty(2);
    if (rc == HA_OK && !t.records)
        rc = ha_correlator_new(&co, &t.corr);
    if (rc) {
        fprintf(stderr, "handleaudit: %s\n", ha_strerror(rc));
        goto fail;
    }
    if (state && hai_os_exists(state) && (rc = ha_correlator_load_file(t.corr, state)) != HA_OK) {
        state_error("load the state in", state, rc, ha_correlator_last_diag(t.corr));
        goto fail;
    }
    if (!t.records && !want_stats && !all_events) { /* events the correlator does not use are skipped unparsed */
        const uint32_t *ids;
        size_t n = ha_correlator_event_ids(&ids);
        rc = ha_reader_set_event_filter(reader, ids, n);
    }
    if (rc) {
        fprintf(stderr, "handleaudit: %s\n", ha_strerror(rc));
        goto fail;
    }
    if ((rc = ha_output_begin(t.out)) != HA_OK) { /* CSV's header row */
        if (rc < 0)
            fprintf(stderr, "handleaudit: %s\n", ha_strerror(rc));
        else
            fprintf(stderr, "handleaudit: cannot write output: %s\n", strerror(errno));
        goto fail;
    }

    int nfiles = argc - optind;
    for (int i = 0; i < (nfiles ? nfiles : 1) && !t.out_failed; i++) {
        int s = read_input(&t, reader, nfiles ? argv[optind + i] : "-");
        if (s > status)
            status = s;
    }
    if (t.corr && !t.out_failed && (!state || final)) {
        rc = ha_correlator_flush(t.corr);
        if (rc < 0) {
            fprintf(stderr, "handleaudit: %s\n", ha_strerror(rc));
            status = EXIT_USAGE;
        }
    }
    if (state && status < EXIT_USAGE && (rc = ha_correlator_save_file(t.corr, state)) != HA_OK) {
        state_error("save the state to", state, rc, ha_correlator_last_diag(t.corr));
        status = EXIT_USAGE;
    }
    if (status == 0 && ha_reader_count(reader, HA_COUNT_ERRORS) > 0)
        status = EXIT_SKIPPED;
    if (!t.out_failed && ha_output_end(t.out) < 0)
        status = EXIT_USAGE;
    if (fflush(stdout) != 0 || t.out_failed) {
        fprintf(stderr, "handleaudit: cannot write output: %s\n", strerror(errno));
        status = EXIT_USAGE;
    }
    if (t.st)
        stats_print(t.st, t.corr, stderr);
done:
    stats_free(t.st);
    ha_rules_free(t.rules);
    ha_correlator_free(t.corr);
    ha_reader_free(reader);
    ha_output_free(t.out);
    return status;
fail:
    status = EXIT_USAGE;
    goto done;
}
