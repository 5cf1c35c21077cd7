/* Hostile input: hash flooding (flood.h). The stream with the 800 colliding
 * names must cost at most 1.5 times the same stream without them: paired
 * runs, the median of five ratios of CPU time (the machine may be shared) (the unkeyed tables took 7.6 times as
 * long at 200,000 opens, and more as N grows).
 *
 *   test_hostile_flood [N]                   the test (N ordinary opens, default 200000,
 *                                            50000 under AddressSanitizer)
 *   test_hostile_flood --xml FILE N ATTACK    write the stream (ATTACK 1: with the 800
 *                                             names first) as XML for bench/run */
#include <handleaudit/handleaudit.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"
#include "flood.h"

/* Under a sanitizer every run is several times slower: a shorter stream
 * there (the plain build's run is the one that measures) */
#if defined(__SANITIZE_ADDRESS__)
#define DEFAULT_OPENS 50000
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DEFAULT_OPENS 50000
#endif
#endif
#ifndef DEFAULT_OPENS
#define DEFAULT_OPENS 200000
#endif

static char names[FLOOD_NAMES][FLOOD_NAME_MAX];

typedef struct {
    char *buf;
    size_t len, cap;
    int (*emit)(const char *p, size_t n, void *ud);
    void *ud;
} out;

/* The stream, in pieces of up to about a megabyte, to `emit`. */
static int stream(uint64_t n, int attack, int (*emit)(const char *, size_t, void *), void *ud)
{
    static char buf[(1 << 20) + 4096];
    size_t len = 0;
    uint64_t i = 0;
    char name[FLOOD_NAME_MAX];
    for (uint64_t k = 0; k < (attack ? FLOOD_NAMES : 0) + n; k++, i++) {
        if (attack && k < FLOOD_NAMES)
            len += flood_event(buf + len, sizeof buf - len, i, names[k]);
        else {
            flood_ordinary(name, sizeof name, k - (attack ? FLOOD_NAMES : 0));
            len += flood_event(buf + len, sizeof buf - len, i, name);
        }
        if (len >= 1 << 20) {
            if (emit(buf, len, ud))
                return -1;
            len = 0;
        }
    }
    return len ? emit(buf, len, ud) : 0;
}

static int to_reader(const char *p, size_t n, void *ud) { return ha_reader_feed(ud, p, n) != HA_OK; }

static int to_file(const char *p, size_t n, void *ud) { return fwrite(p, 1, n, ud) != n; }

static uint64_t opened;

static int on_open(const ha_sequence *s, const ha_record *r, void *ud)
{
    (void)s;
    (void)r;
    (void)ud;
    opened++;
    return 0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds to read and correlate the stream (and flush). */
static double timed(uint64_t n, int attack)
{
    ha_correlator_options co = HA_CORRELATOR_OPTIONS_INIT;
    co.on_open = on_open;
    ha_correlator *c;
    ha_reader *rd;
    ha_reader_options ro = HA_READER_OPTIONS_INIT;
    ro.on_record = ha_correlator_on_record;
    CHECK_INT(ha_correlator_new(&co, &c), HA_OK);
    ro.userdata = c;
    CHECK_INT(ha_reader_new(&ro, &rd), HA_OK);
    opened = 0;
    double t0 = now();
    CHECK_INT(stream(n, attack, to_reader, rd), 0);
    CHECK_INT(ha_reader_finish(rd), HA_OK);
    CHECK_INT(ha_correlator_flush(c), HA_OK);
    double t = now() - t0;
    CHECK_U64(opened, n + (attack ? FLOOD_NAMES : 0));
    CHECK_U64(ha_reader_count(rd, HA_COUNT_ERRORS), 0);
    ha_reader_free(rd);
    ha_correlator_free(c);
    return t;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    double t0 = now();
    unsigned long tried = flood_names(names);
    fprintf(stderr, "%d names sharing the low %d bits of their Jenkins hash: %lu candidates, %.2f s\n", FLOOD_NAMES,
            FLOOD_BITS, tried, now() - t0);
    if (argc == 5 && strcmp(argv[1], "--xml") == 0) {
        FILE *f = fopen(argv[2], "wb");
        if (!f)
            return 2;
        int rc = stream(strtoull(argv[3], NULL, 10), atoi(argv[4]), to_file, f);
        return fclose(f) != 0 || rc != 0;
    }
    uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : DEFAULT_OPENS;
    double ratios[5];
    for (int round = 0; round < 5; round++) {
        double base = timed(n, 0), attack = timed(n, 1);
        ratios[round] = attack / base;
        fprintf(stderr, "round %d: %llu opens %.3f s CPU, after the 800 names %.3f s: %.2fx\n", round + 1,
                (unsigned long long)n, base, attack, ratios[round]);
    }
    qsort(ratios, 5, sizeof ratios[0], by_value);
    fprintf(stderr, "median %.2fx (at most 1.50x)\n", ratios[2]);
    CHECK(ratios[2] <= 1.5);
    return check_done();
}
