/* Numbers and times as Windows renders them. */
#include <handleaudit/handleaudit.h>

#include "check.h"
#include "convert.h"

static int64_t t(const char *s)
{
    int64_t v = 0;
    int rc = hai_parse_time(s, strlen(s), &v);
    return rc == HA_OK ? v : INT64_MIN;
}

static int bad_time(const char *s)
{
    int64_t v;
    return hai_parse_time(s, strlen(s), &v) == HA_ERR_BAD_VALUE;
}

static uint64_t u(const char *s, int expect_rc)
{
    uint64_t v = 12345;
    int rc = hai_parse_uint(s, strlen(s), &v);
    CHECK_INT(rc, expect_rc);
    return v;
}

static void test_uint(void)
{
    CHECK_U64(u("0x3b4", HA_OK), 0x3b4);
    CHECK_U64(u("0X00FF", HA_OK), 0xff);
    CHECK_U64(u("0x00000000000010a4", HA_OK), 0x10a4);
    CHECK_U64(u("0x0000000000000000000000001", HA_OK), 1); /* any number of leading zeros */
    CHECK_U64(u("0xFFFFFFFFFFFFFFFF", HA_OK), UINT64_MAX);
    CHECK_U64(u("  0x1bc\n", HA_OK), 0x1bc);
    CHECK_U64(u("0", HA_OK), 0);
    CHECK_U64(u("2949165", HA_OK), 2949165);
    CHECK_U64(u("18446744073709551615", HA_OK), UINT64_MAX);
    u("18446744073709551616", HA_ERR_BAD_VALUE);
    u("0x1FFFFFFFFFFFFFFFF", HA_ERR_BAD_VALUE);
    u("-", HA_ERR_NOT_FOUND);
    u("", HA_ERR_NOT_FOUND);
    u("   ", HA_ERR_NOT_FOUND);
    u("0x", HA_ERR_BAD_VALUE);
    u("0xg1", HA_ERR_BAD_VALUE);
    u("1bc", HA_ERR_BAD_VALUE);
    u("-1", HA_ERR_BAD_VALUE);
    u("0x 1", HA_ERR_BAD_VALUE);
    CHECK_U64(u("0x0000", HA_OK), 0);
    CHECK_U64(u("0x00000000000000000001", HA_OK), 1);      /* 20 hex digits, 19 of them leading zeros */
    CHECK_U64(u("000018446744073709551615", HA_OK), UINT64_MAX); /* leading zeros before 20 digits */
    CHECK_U64(u("9999999999999999999", HA_OK), UINT64_C(9999999999999999999));
    u("18446744073709551620", HA_ERR_BAD_VALUE);  /* the twentieth digit overflows */
    u("99999999999999999999", HA_ERR_BAD_VALUE);
    u("184467440737095516150", HA_ERR_BAD_VALUE); /* 21 digits */
    u("1844674407370955161x", HA_ERR_BAD_VALUE);  /* not a digit in the twentieth place */
    u("0x0000000000000000g", HA_ERR_BAD_VALUE);
    u("0x10000000000000000", HA_ERR_BAD_VALUE);   /* 17 significant hex digits */
}

static void test_time(void)
{
    const int64_t s2024 = INT64_C(1710409269) * 1000000000; /* 2024-03-14T09:41:09Z */
    CHECK_INT(t("1970-01-01T00:00:00Z"), 0);
    CHECK_INT(t("1970-01-01T00:00:00"), 0);
    CHECK_INT(t("2024-03-14T09:41:09Z"), s2024);                  /* no fraction */
    CHECK_INT(t("2024-03-14T09:41:09.087134400Z"), s2024 + 87134400); /* 9 digits */
    CHECK_INT(t("2024-03-14T09:41:09.0871344Z"), s2024 + 87134400);   /* 7 digits */
    CHECK_INT(t("2024-03-14T09:41:09.08713440099Z"), s2024 + 87134400); /* digits past 9 ignored */
    CHECK_INT(t("2024-03-14 09:41:09.087134"), s2024 + 87134000);  /* python-evtx */
    CHECK_INT(t("2024-03-14T09:41:09.5"), s2024 + 500000000);
    CHECK_INT(t("2024-03-14T10:41:09+01:00"), s2024);
    CHECK_INT(t("2024-03-14T08:11:09-0130"), s2024);
    CHECK_INT(t("2024-02-29T00:00:00Z"), INT64_C(1709164800) * 1000000000); /* leap day */
    CHECK_INT(t("2000-02-29T00:00:00Z"), INT64_C(951782400) * 1000000000);  /* 400-year leap */
    CHECK_INT(t("1969-12-31T23:59:59.9Z"), -100000000);
    CHECK_INT(t("2262-04-11T23:47:16.854775807Z"), INT64_MAX);
    CHECK(bad_time("2262-04-11T23:47:16.854775808Z")); /* past int64 nanoseconds */
    CHECK(bad_time("2023-02-29T00:00:00Z"));          /* not a leap year */
    CHECK(bad_time("1900-02-29T00:00:00Z"));
    CHECK(bad_time("2024-13-01T00:00:00Z"));
    CHECK(bad_time("2024-04-31T00:00:00Z"));
    CHECK(bad_time("2024-03-14T24:00:00Z"));
    CHECK(bad_time("2024-03-14T09:41:09."));
    CHECK(bad_time("2024-03-14T09:41:09Zjunk"));
    CHECK(bad_time("2024-03-14"));
    CHECK(bad_time(""));
    CHECK(bad_time("20240314T094109Z"));
}

static void test_filetime(void)
{
    int64_t v;
    CHECK_INT(hai_parse_filetime("116444736000000000", 18, &v), HA_OK);
    CHECK_INT(v, 0);
    CHECK_INT(hai_parse_filetime("133549524690871344", 18, &v), HA_OK);
    CHECK_INT(v, INT64_C(1710478869) * 1000000000 + 87134400);
}

static void fmt(int64_t ns, const char *expect)
{
    char buf[HAI_TIME_TEXT_LEN + 1];
    CHECK_INT(hai_format_time(ns, buf), HAI_TIME_TEXT_LEN);
    CHECK_STR(buf, expect);
}

static void test_format(void)
{
    fmt(0, "1970-01-01T00:00:00.0000000Z");
    fmt(INT64_C(1710409269) * 1000000000 + 87134499, "2024-03-14T09:41:09.0871344Z"); /* truncated */
    fmt(INT64_C(1709164800) * 1000000000, "2024-02-29T00:00:00.0000000Z");
    fmt(-100000000, "1969-12-31T23:59:59.9000000Z");
    fmt(-1, "1969-12-31T23:59:59.9999999Z");
    fmt(INT64_MAX, "2262-04-11T23:47:16.8547758Z");
    /* round trip over many days */
    for (int64_t d = -50000; d < 50000; d += 97) {
        int64_t y;
        unsigned m, dd;
        hai_civil_from_days(d, &y, &m, &dd);
        CHECK_INT(hai_days_from_civil(y, m, dd), d);
    }
}

int main(void)
{
    test_uint();
    test_time();
    test_filetime();
    test_format();
    return check_done();
}
