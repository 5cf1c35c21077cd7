/* Hostile input: TimeCreated values at the edges of what the library can
 * represent (nanoseconds since 1970 in an int64, years 1677 to 2262), and
 * just past them, as SystemTime and as RawTime. Each value is either read
 * exactly (checked against 128-bit arithmetic that cannot overflow) or
 * refused; run under UBSan this is also the sweep that no time value
 * overflows on the way. A bad RawTime is reported as RawTime. */
#include <handleaudit/handleaudit.h>
#include <inttypes.h>

#include "check.h"
#include "convert.h"

__extension__ typedef __int128 i128; /* gcc and clang */

#define EPOCH_TICKS INT64_C(116444736000000000) /* 1970 in 100 ns ticks since 1601 */

/* What a FILETIME should give: ns since 1970, or 0 when out of range. */
static int expect_filetime(uint64_t ticks, int64_t *ns)
{
    i128 v = ((i128)ticks - EPOCH_TICKS) * 100;
    if (v <= INT64_MIN || v > INT64_MAX)
        return 0;
    *ns = (int64_t)v;
    return 1;
}

static void filetime(uint64_t ticks)
{
    char text[32];
    int n = snprintf(text, sizeof text, "%" PRIu64, ticks);
    int64_t got = 0, want = 0;
    int ok = expect_filetime(ticks, &want);
    int rc = hai_parse_filetime(text, (size_t)n, &got);
    if (ok) {
        CHECK_INT(rc, HA_OK);
        if (rc == HA_OK && got != want)
            fprintf(stderr, "RawTime %s: %" PRId64 ", expected %" PRId64 "\n", text, got, want);
        CHECK(rc != HA_OK || got == want);
    } else {
        CHECK_INT(rc, HA_ERR_BAD_VALUE);
    }
}

/* SystemTime `s` should give `want` ns (or be refused when !ok). */
static void systime(const char *s, int ok, i128 want)
{
    int64_t got = 0;
    int rc = hai_parse_time(s, strlen(s), &got);
    if (ok && want > INT64_MIN && want <= INT64_MAX) {
        if (rc != HA_OK || got != (int64_t)want)
            fprintf(stderr, "SystemTime %s: rc %d, %" PRId64 "\n", s, rc, got);
        CHECK(rc == HA_OK && got == (int64_t)want);
    } else {
        if (rc != HA_ERR_BAD_VALUE)
            fprintf(stderr, "SystemTime %s: read as %" PRId64 "\n", s, got);
        CHECK_INT(rc, HA_ERR_BAD_VALUE);
    }
}

static int on_diag(const ha_diag *d, void *ud)
{
    char *out = ud;
    snprintf(out, 256, "%s", ha_diag_message(d));
    return 0;
}

int main(void)
{
    /* RawTime: around 1970, around whole seconds before it, near the int64
     * limits of the nanosecond range, and the uint64 extremes */
    const int64_t s = 10000000; /* ticks per second */
    const int64_t lo = (INT64_MIN / 100) + EPOCH_TICKS, hi = (INT64_MAX / 100) + EPOCH_TICKS;
    const int64_t centres[] = {0, EPOCH_TICKS, EPOCH_TICKS - s, EPOCH_TICKS - 2 * s, EPOCH_TICKS + s, lo, hi,
                               EPOCH_TICKS - 86400 * s};
    for (size_t c = 0; c < sizeof centres / sizeof centres[0]; c++)
        for (int64_t d = -3; d <= 3; d++)
            if (centres[c] + d >= 0)
                filetime((uint64_t)(centres[c] + d));
    for (int64_t d = -s - 2; d <= s + 2; d += 999983) /* fractions of the second before 1970 */
        filetime((uint64_t)(EPOCH_TICKS + d));
    const uint64_t extremes[] = {UINT64_MAX, UINT64_MAX - 1, (uint64_t)INT64_MAX, (uint64_t)INT64_MAX + 1,
                                 (uint64_t)INT64_MAX + EPOCH_TICKS, (uint64_t)INT64_MAX + EPOCH_TICKS + 1};
    for (size_t i = 0; i < sizeof extremes / sizeof extremes[0]; i++)
        filetime(extremes[i]);

    /* SystemTime: the second before 1970 with fractions, the limits of
     * the range (1677-09-21T00:12:43.145224192Z and
     * 2262-04-11T23:47:16.854775807Z are INT64_MIN and INT64_MAX; INT64_MIN
     * itself means "no time"), offsets that carry past them, and far years */
    const i128 G = 1000000000;
    systime("1969-12-31T23:59:59.9999999Z", 1, -100);
    systime("1969-12-31T23:59:59.000000001Z", 1, -G + 1);
    systime("1969-12-31T23:59:58.5Z", 1, -G - G / 2);
    systime("1970-01-01T00:00:00.000000001Z", 1, 1);
    systime("2262-04-11T23:47:16.854775807Z", 1, INT64_MAX);
    systime("2262-04-11T23:47:16.854775808Z", 1, (i128)INT64_MAX + 1);
    systime("2262-04-11T23:47:17Z", 1, (i128)INT64_MAX + 146);
    systime("1677-09-21T00:12:43.145224193Z", 1, (i128)INT64_MIN + 1);
    systime("1677-09-21T00:12:43.145224192Z", 1, INT64_MIN);
    systime("1677-09-21T00:12:43.145224191Z", 1, (i128)INT64_MIN - 1);
    systime("1677-09-21T00:12:44Z", 1, (i128)INT64_MIN + 854775808);
    systime("1677-09-21T00:12:43.9Z", 1, (i128)INT64_MIN + 754775808);
    systime("1677-09-21T01:12:43.9+01:00", 1, (i128)INT64_MIN + 754775808);
    systime("2262-04-11T22:47:16.854775807-01:00", 1, INT64_MAX);
    systime("2262-04-11T23:47:16.854775807-00:01", 1, (i128)INT64_MAX + 60 * G);
    systime("1677-09-21T00:12:43.9+23:59", 1, (i128)INT64_MIN + 754775808 - (23 * 3600 + 59 * 60) * G);
    systime("0000-01-01T00:00:00.5Z", 0, 0);
    systime("9999-12-31T23:59:59.999999999Z", 0, 0);

    /* the warning names the attribute that was bad */
    char message[256] = "";
    ha_reader_options o = HA_READER_OPTIONS_INIT;
    o.on_diag = on_diag;
    o.userdata = message;
    ha_reader *rd;
    CHECK_INT(ha_reader_new(&o, &rd), HA_OK);
    const char *ev = "<Event><System><EventID>4663</EventID><TimeCreated RawTime=\"99999999999999999999999\"/>"
                     "</System></Event>";
    CHECK_INT(ha_reader_feed(rd, ev, strlen(ev)), HA_OK);
    CHECK_INT(ha_reader_finish(rd), HA_OK);
    CHECK(strstr(message, "RawTime") != NULL);
    ha_reader_free(rd);
    return check_done();
}
