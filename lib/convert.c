#include "convert.h"

#include "handleaudit/handleaudit.h"

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
static int digit(char c) { return c >= '0' && c <= '9'; }

static void trim(const char **s, size_t *len)
{
    while (*len && is_space(**s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && is_space((*s)[*len - 1]))
        (*len)--;
}

/* Hex digit values; 16 for every other byte. */
static const unsigned char hex_value[256] = {
    ['0'] = 0 + 1, ['1'] = 1 + 1, ['2'] = 2 + 1, ['3'] = 3 + 1, ['4'] = 4 + 1, ['5'] = 5 + 1, ['6'] = 6 + 1,
    ['7'] = 7 + 1, ['8'] = 8 + 1, ['9'] = 9 + 1, ['a'] = 10 + 1, ['b'] = 11 + 1, ['c'] = 12 + 1,
    ['d'] = 13 + 1, ['e'] = 14 + 1, ['f'] = 15 + 1, ['A'] = 10 + 1, ['B'] = 11 + 1, ['C'] = 12 + 1,
    ['D'] = 13 + 1, ['E'] = 14 + 1, ['F'] = 15 + 1,
}; /* stored plus one, so that the zero of every other byte means "not a digit" */

int hai_parse_uint(const char *s, size_t len, uint64_t *out)
{
    if (len - 1 < 19) { /* the common case first: 1 to 19 decimal digits, nothing else */
        uint64_t v = 0;
        size_t i = 0;
        for (unsigned d; i < len && (d = (unsigned)(s[i] - '0')) <= 9; i++)
            v = v * 10 + d;
        if (i == len) {
            *out = v;
            return HA_OK;
        }
    }
    trim(&s, &len);
    if (len == 0 || (len == 1 && s[0] == '-'))
        return HA_ERR_NOT_FOUND;
    uint64_t v = 0;
    size_t i = 0;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        for (i = 2; i < len && s[i] == '0';)
            i++;
        if (len - i > 16)
            return HA_ERR_BAD_VALUE; /* more than 64 bits, or not a number */
        for (; i < len; i++) {
            unsigned d = hex_value[(unsigned char)s[i]];
            if (!d)
                return HA_ERR_BAD_VALUE;
            v = v << 4 | (d - 1);
        }
    } else {
        while (i < len && s[i] == '0')
            i++;
        if (len - i > 20)
            return HA_ERR_BAD_VALUE;
        /* Nineteen digits cannot overflow; only a twentieth is checked. */
        size_t safe = len - i > 19 ? i + 19 : len;
        for (; i < safe; i++) {
            if (!digit(s[i]))
                return HA_ERR_BAD_VALUE;
            v = v * 10 + (unsigned)(s[i] - '0');
        }
        if (i < len) {
            unsigned d = (unsigned)(s[i] - '0');
            if (!digit(s[i]) || v > (UINT64_MAX - d) / 10)
                return HA_ERR_BAD_VALUE;
            v = v * 10 + d;
        }
    }
    *out = v;
    return HA_OK;
}

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t hai_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void hai_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Read exactly `n` digits at s[*i]. */
static int fixed(const char *s, size_t len, size_t *i, unsigned n, unsigned *out)
{
    unsigned v = 0;
    if (*i + n > len)
        return -1;
    for (unsigned k = 0; k < n; k++) {
        char c = s[*i + k];
        if (!digit(c))
            return -1;
        v = v * 10 + (unsigned)(c - '0');
    }
    *i += n;
    *out = v;
    return 0;
}

static int expect(const char *s, size_t len, size_t *i, char c)
{
    if (*i < len && s[*i] == c) {
        (*i)++;
        return 0;
    }
    return -1;
}

#define NS_PER_S INT64_C(1000000000)

/* seconds * 1e9 + frac (0 <= frac < 1e9) without overflow; -1 when out of
 * range. A negative second takes the fraction as a negative one, so that
 * neither product nor sum can leave int64 on the way. */
static int to_ns(int64_t secs, int64_t frac, int64_t *out)
{
    if (secs < 0 && frac > 0) {
        secs++;
        frac -= NS_PER_S;
    }
    if (secs > INT64_MAX / NS_PER_S || secs < INT64_MIN / NS_PER_S)
        return -1;
    int64_t ns = secs * NS_PER_S;
    if (frac > 0 ? ns > INT64_MAX - frac : ns < INT64_MIN - frac)
        return -1;
    ns += frac;
    if (ns == INT64_MIN)
        return -1; /* reserved for HA_TIME_NONE */
    *out = ns;
    return 0;
}

int hai_parse_time(const char *s, size_t len, int64_t *out)
{
    trim(&s, &len);
    size_t i = 0;
    unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (fixed(s, len, &i, 4, &y) || expect(s, len, &i, '-') || fixed(s, len, &i, 2, &mo) ||
        expect(s, len, &i, '-') || fixed(s, len, &i, 2, &d))
        return HA_ERR_BAD_VALUE;
    if (i >= len || (s[i] != 'T' && s[i] != 't' && s[i] != ' '))
        return HA_ERR_BAD_VALUE;
    i++;
    if (fixed(s, len, &i, 2, &h) || expect(s, len, &i, ':') || fixed(s, len, &i, 2, &mi) ||
        expect(s, len, &i, ':') || fixed(s, len, &i, 2, &sec))
        return HA_ERR_BAD_VALUE;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return HA_ERR_BAD_VALUE;
    int64_t frac = 0;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        i++;
        unsigned n = 0;
        if (i >= len || !digit(s[i]))
            return HA_ERR_BAD_VALUE;
        while (i < len && digit(s[i])) {
            if (n < 9) {
                frac = frac * 10 + (s[i] - '0');
                n++;
            }
            i++;
        }
        for (; n < 9; n++)
            frac *= 10;
    }
    int64_t offset = 0; /* seconds east of UTC */
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < len && (s[i] == '+' || s[i] == '-')) {
        int sign = s[i] == '-' ? -1 : 1;
        unsigned oh = 0, om = 0;
        i++;
        if (fixed(s, len, &i, 2, &oh))
            return HA_ERR_BAD_VALUE;
        if (i < len && s[i] == ':')
            i++;
        if (fixed(s, len, &i, 2, &om) || oh > 23 || om > 59)
            return HA_ERR_BAD_VALUE;
        offset = sign * (int64_t)(oh * 3600 + om * 60);
    }
    if (i != len)
        return HA_ERR_BAD_VALUE;
    int64_t secs = hai_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    return to_ns(secs, frac, out) ? HA_ERR_BAD_VALUE : HA_OK;
}

int hai_parse_filetime(const char *s, size_t len, int64_t *out)
{
    uint64_t ticks;
    if (hai_parse_uint(s, len, &ticks) != HA_OK)
        return HA_ERR_BAD_VALUE;
    const uint64_t epoch = UINT64_C(116444736000000000); /* 1970 in 1601 ticks */
    const uint64_t per_s = 10000000;                     /* 100 ns ticks */
    /* whole seconds rounded down and the ticks after them, both from
     * unsigned arithmetic: a tick before 1970 with a fraction lies in the
     * second before it */
    int64_t secs;
    uint64_t rest;
    if (ticks >= epoch) {
        secs = (int64_t)((ticks - epoch) / per_s);
        rest = (ticks - epoch) % per_s;
    } else {
        uint64_t back = epoch - ticks;
        secs = -(int64_t)((back + per_s - 1) / per_s);
        rest = (per_s - back % per_s) % per_s;
    }
    return to_ns(secs, (int64_t)rest * 100, out) ? HA_ERR_BAD_VALUE : HA_OK;
}

static void put_digits(char *p, unsigned v, int n)
{
    for (int k = n - 1; k >= 0; k--) {
        p[k] = (char)('0' + v % 10);
        v /= 10;
    }
}

size_t hai_format_time(int64_t ns, char out[HAI_TIME_TEXT_LEN + 1])
{
    int64_t secs = ns / NS_PER_S, rem = ns % NS_PER_S;
    if (rem < 0) {
        rem += NS_PER_S;
        secs--;
    }
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    int64_t y;
    unsigned m, d;
    hai_civil_from_days(days, &y, &m, &d);
    /* the int64 range keeps y within 1677..2262 */
    put_digits(out, (unsigned)y, 4);
    out[4] = '-';
    put_digits(out + 5, m, 2);
    out[7] = '-';
    put_digits(out + 8, d, 2);
    out[10] = 'T';
    put_digits(out + 11, (unsigned)(sod / 3600), 2);
    out[13] = ':';
    put_digits(out + 14, (unsigned)(sod / 60 % 60), 2);
    out[16] = ':';
    put_digits(out + 17, (unsigned)(sod % 60), 2);
    out[19] = '.';
    put_digits(out + 20, (unsigned)(rem / 100), 7);
    out[27] = 'Z';
    out[28] = '\0';
    return HAI_TIME_TEXT_LEN;
}
