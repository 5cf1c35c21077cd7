/* ha_bench: the library's own throughput, without the tool's output.
 *
 *   ha_bench [--threads N] parse FILE...             reader only, counting records
 *   ha_bench [--threads N] correlate FILE...         reader -> correlator, callbacks count
 *   ha_bench [--threads N] correlate-filter FILE...  the same, with the correlator's
 *                                                    EventID filter (others skipped unparsed)
 *   ha_bench save-memory FILE...                  reader -> correlator (nothing flushed), then
 *                                                 ha_correlator_save_to() into a callback that
 *                                                 counts the bytes: the memory the save allocates
 *                                                 beyond the correlator's (a counting allocator)
 *   ha_bench --features                           "parallel=0|1"
 *   ha_bench exec REPORT CMD [ARG]...             run CMD, then write its peak RSS,
 *                                                 exit status, wall and CPU time to REPORT
 *
 * Several files are read one after the other by the same reader and
 * correlator, as one log. Each is read with ha_reader_read_file() (XML or
 * .evtx alike), or with
 * ha_reader_read_file_parallel() when --threads is given (only in a build
 * whose library has it: HAVE_HA_READER_READ_FILE_PARALLEL). One line of
 * key=value counts and the wall time goes to standard error; bench/run reads
 * it. Exit status 0, 1 when the read or the flush failed, 2 on a usage error.
 *
 * `exec` exists because Linux's ru_maxrss of a child includes the high-water
 * mark of the process that forked it: a command started by bench/run (Python,
 * some tens of MB) would never show less. Started from this small process,
 * it shows its own peak (plus about a megabyte).
 */
#include <handleaudit/handleaudit.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include "counting.h" /* tests/unit: the counting allocator the tests use */
#include <unistd.h>

#ifdef HAVE_HA_READER_READ_FILE_PARALLEL
#define PARALLEL 1
#else
#define PARALLEL 0
#endif

struct counts {
    uint64_t records; /* records the reader delivered to us */
    uint64_t opens, accesses, ends;
    uint64_t diags; /* errors and warnings seen (the first few are printed) */
};


static int on_open(const ha_sequence *seq, const ha_record *rec, void *userdata)
{
    (void)seq;
    (void)rec;
    ((struct counts *)userdata)->opens++;
    return 0;
}

static int on_access(const ha_sequence *seq, const ha_record *rec, void *userdata)
{
    (void)seq;
    (void)rec;
    ((struct counts *)userdata)->accesses++;
    return 0;
}

static int on_end(const ha_sequence *seq, const ha_record *rec, void *userdata)
{
    (void)seq;
    (void)rec;
    ((struct counts *)userdata)->ends++;
    return 0;
}

struct correlate_ctx {
    ha_correlator *corr;
    struct counts *counts;
};

static int on_record_count(const ha_record *rec, void *userdata)
{
    (void)rec;
    ((struct correlate_ctx *)userdata)->counts->records++;
    return 0;
}

static int on_record_correlate(const ha_record *rec, void *userdata)
{
    struct correlate_ctx *c = userdata;
    c->counts->records++;
    return ha_correlator_add(c->corr, rec);
}

static int on_diag(const ha_diag *diag, void *userdata)
{
    struct counts *n = ((struct correlate_ctx *)userdata)->counts;
    if (n->diags++ < 5)
        fprintf(stderr, "ha_bench: %s at byte %" PRIu64 " (line %" PRIu64 "): %s\n",
                ha_diag_is_warning(diag) ? "warning" : "error", ha_diag_offset(diag), ha_diag_line(diag),
                ha_diag_message(diag));
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ha_bench exec REPORT CMD [ARG]...: the exit status is CMD's (128 + signal
 * when killed, 127 when it could not be run). */
static int run_command(const char *report, char **argv)
{
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("ha_bench: fork");
        return 127;
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        fprintf(stderr, "ha_bench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("ha_bench: waitpid");
            return 127;
        }
    }
    double secs = now() - t0;
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru); /* the one child: its peak */
    int rc = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 127;
    FILE *f = fopen(report, "w");
    if (!f) {
        perror("ha_bench: report");
        return 127;
    }
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    fprintf(f, "status=%d maxrss_kb=%ld seconds=%.6f cpu=%.6f\n", rc, (long)ru.ru_maxrss, secs, cpu);
    if (fclose(f) != 0)
        return 127;
    return rc;
}

/* ---- save-memory: a counting allocator under the correlator ---------- */

static ha_test_counter count; /* counting.h */

static int count_bytes(const void *data, size_t len, void *userdata)
{
    (void)data;
    *(uint64_t *)userdata += len;
    return 0;
}

/* ha_bench save-memory FILE...: one line "mode=save-memory open=N
 * state_bytes=B snapshot_bytes=S save_extra_bytes=X save_seconds=T". */
static int save_memory(char **paths, int n)
{
    static const ha_allocator counting = HA_TEST_COUNTING(&count);
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.allocator = &counting;
    ha_correlator *corr;
    ha_reader *reader = NULL;
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = ha_correlator_on_record;
    if (ha_correlator_new(&co, &corr) != HA_OK)
        return 1;
    ro.userdata = corr;
    const uint32_t *ids;
    size_t nids = ha_correlator_event_ids(&ids);
    int rc = ha_reader_new(&ro, &reader);
    if (rc == HA_OK)
        rc = ha_reader_set_event_filter(reader, ids, nids);
    for (int i = 0; i < n && rc == HA_OK; i++)
        if ((rc = ha_reader_read_file(reader, paths[i])) != HA_OK)
            fprintf(stderr, "ha_bench: %s: %s\n", paths[i], ha_diag_message(ha_reader_last_diag(reader)));
    ha_reader_free(reader);
    size_t before = count.now;
    count.peak = count.now;
    uint64_t bytes = 0;
    double t0 = now();
    if (rc == HA_OK && (rc = ha_correlator_save_to(corr, count_bytes, &bytes)) != HA_OK)
        fprintf(stderr, "ha_bench: save: %s\n", ha_strerror(rc));
    double secs = now() - t0;
    fprintf(stderr,
            "mode=save-memory open=%" PRIu64 " state_bytes=%zu snapshot_bytes=%" PRIu64 " save_extra_bytes=%zu"
            " save_seconds=%.6f\n",
            ha_correlator_count(corr, HA_CORR_OPEN), before, bytes, count.peak - before, secs);
    ha_correlator_free(corr);
    return rc == HA_OK ? 0 : 1;
}

static int usage(void)
{
    fputs("usage: ha_bench [--threads N] parse|correlate|correlate-filter FILE...\n"
          "       ha_bench save-memory FILE...\n"
          "       ha_bench --features\n"
          "       ha_bench exec REPORT CMD [ARG]...\n",
          stderr);
    return 2;
}

int main(int argc, char **argv)
{
    long threads = -1; /* -1: ha_reader_read_file() */
    int i = 1;
    if (argc == 2 && strcmp(argv[1], "--features") == 0) {
        printf("parallel=%d\n", PARALLEL);
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "exec") == 0)
        return run_command(argv[2], argv + 3);
    if (argc >= 3 && strcmp(argv[1], "save-memory") == 0)
        return save_memory(argv + 2, argc - 2);
    if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) {
        char *end;
        threads = strtol(argv[i + 1], &end, 10);
        if (*argv[i + 1] == '\0' || *end != '\0' || threads < 0 || threads > 1024)
            return usage();
        i += 2;
    }
    if (argc - i < 2)
        return usage();
    const char *mode = argv[i], *path = argv[i + 1];
    int first_path = i + 1;
    int correlate = strcmp(mode, "correlate") == 0, filter = strcmp(mode, "correlate-filter") == 0;
    if (!correlate && !filter && strcmp(mode, "parse") != 0)
        return usage();
    correlate |= filter;
    if (threads >= 0 && !PARALLEL) {
        fputs("ha_bench: --threads: this library has no ha_reader_read_file_parallel()\n", stderr);
        return 2;
    }

    double t0 = now();
    struct counts n = {0, 0, 0, 0, 0};
    struct correlate_ctx ctx = {NULL, &n};
    if (correlate) {
        ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
        co.on_open = on_open;
        co.on_access = on_access;
        co.on_end = on_end;
        co.userdata = &n;
        if (ha_correlator_new(&co, &ctx.corr) != HA_OK) {
            fputs("ha_bench: cannot make a correlator\n", stderr);
            return 1;
        }
    }
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = correlate ? on_record_correlate : on_record_count;
    ro.on_diag = on_diag;
    ro.userdata = &ctx;
    ha_reader *reader;
    if (ha_reader_new(&ro, &reader) != HA_OK) {
        fputs("ha_bench: cannot make a reader\n", stderr);
        ha_correlator_free(ctx.corr);
        return 1;
    }
    int rc = HA_OK;
    if (filter) {
        const uint32_t *ids;
        size_t nids = ha_correlator_event_ids(&ids);
        rc = ha_reader_set_event_filter(reader, ids, nids);
    }
    for (int p = first_path; p < argc && rc == HA_OK; p++) {
        path = argv[p];
#if PARALLEL
        if (threads >= 0)
            rc = ha_reader_read_file_parallel(reader, path, (unsigned)threads);
        else
#endif
            rc = ha_reader_read_file(reader, path);
    }
    int flush_rc = HA_OK;
    if (rc == HA_OK && ctx.corr)
        flush_rc = ha_correlator_flush(ctx.corr);
    uint64_t delivered = ha_reader_count(reader, HA_COUNT_EVENTS);
    uint64_t bytes = ha_reader_count(reader, HA_COUNT_BYTES), filtered = ha_reader_count(reader, HA_COUNT_FILTERED),
             errors = ha_reader_count(reader, HA_COUNT_ERRORS), warnings = ha_reader_count(reader, HA_COUNT_WARNINGS);
    uint64_t sequences = ctx.corr ? ha_correlator_count(ctx.corr, HA_CORR_SEQUENCES) : 0;
    if (rc != HA_OK) {
        const ha_diag *d = ha_reader_last_diag(reader);
        fprintf(stderr, "ha_bench: %s: %s\n", path, d ? ha_diag_message(d) : ha_strerror(rc));
    }
    if (flush_rc != HA_OK)
        fprintf(stderr, "ha_bench: flush: %s\n", ha_strerror(flush_rc));
    ha_reader_free(reader);
    ha_correlator_free(ctx.corr);
    double secs = now() - t0;

    fprintf(stderr,
            "mode=%s threads=%ld bytes=%" PRIu64 " records=%" PRIu64 " delivered=%" PRIu64 " filtered=%" PRIu64 " errors=%" PRIu64
            " warnings=%" PRIu64 " sequences=%" PRIu64 " opens=%" PRIu64 " accesses=%" PRIu64 " ends=%" PRIu64
            " seconds=%.6f\n",
            mode, threads, bytes, n.records, delivered, filtered, errors, warnings, sequences, n.opens, n.accesses, n.ends,
            secs);
    return rc == HA_OK && flush_rc == HA_OK ? 0 : 1;
}
