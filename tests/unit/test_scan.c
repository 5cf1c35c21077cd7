/* The reader's byte scans against the obvious loops, at every offset and
 * length around the sixteen-byte blocks, in buffers that end exactly where
 * the data does (so that a read past the end shows under ASan/valgrind). */
#include <stdint.h>

#include "check.h"
#include "scan.h"

static size_t naive_count(const char *p, size_t n, ptrdiff_t *last)
{
    size_t c = 0;
    *last = -1;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\n') {
            c++;
            *last = (ptrdiff_t)i;
        }
    return c;
}

static const char *naive_find(const char *p, size_t n, const char *lit, size_t len)
{
    for (size_t i = 0; i + len <= n; i++)
        if (memcmp(p + i, lit, len) == 0)
            return p + i;
    return NULL;
}

static uint32_t rng = 12345;
static unsigned next(void)
{
    rng = rng * 1103515245u + 12345u;
    return (rng >> 16) & 0x7fff;
}

/* A copy of `s` in a heap block of exactly n bytes. */
static char *exact(const char *s, size_t n)
{
    char *b = malloc(n ? n : 1);
    if (b && n)
        memcpy(b, s, n);
    return b;
}

static void test_counts(void)
{
    char buf[5000];
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)next() % sizeof buf;
        int density = 1 + (int)(next() % 40);
        for (size_t i = 0; i < n; i++)
            buf[i] = (int)(next() % 1000) < density ? '\n' : (char)('a' + next() % 26);
        for (size_t off = 0; off < 3 && off <= n; off++) {
            char *b = exact(buf + off, n - off);
            ptrdiff_t l1, l2;
            size_t c1 = hai_count_newlines(b, n - off, &l1), c2 = naive_count(b, n - off, &l2);
            CHECK_U64(c1, c2);
            CHECK_INT(l1, l2);
            free(b);
        }
    }
    /* more than 255 blocks of newlines only: the byte counters must not wrap */
    size_t n = 16 * 700 + 7;
    char *all = malloc(n);
    memset(all, '\n', n);
    ptrdiff_t last;
    CHECK_U64(hai_count_newlines(all, n, &last), n);
    CHECK_INT(last, (ptrdiff_t)n - 1);
    memset(all, 'x', n);
    CHECK_U64(hai_count_newlines(all, n, &last), 0);
    CHECK_INT(last, -1);
    all[16 * 300 + 5] = '\n';
    CHECK_U64(hai_count_newlines(all, n, &last), 1);
    CHECK_INT(last, 16 * 300 + 5);
    free(all);
}

static void test_find(void)
{
    static const char *lits[] = {"</Event", "<Event", "<EventID", "abc"};
    char buf[300];
    for (size_t li = 0; li < sizeof lits / sizeof *lits; li++) {
        const char *lit = lits[li];
        size_t len = strlen(lit);
        /* the literal at every position of every length, alone and after near misses */
        for (size_t n = 0; n < 70; n++)
            for (size_t at = 0; at + len <= n + len; at++) {
                memset(buf, '.', sizeof buf);
                for (size_t k = 0; k + 3 <= n; k += 5) /* near misses: the first bytes, not the rest */
                    memcpy(buf + k, lit, 2);
                if (at + len <= n)
                    memcpy(buf + at, lit, len);
                char *b = exact(buf, n);
                const char *got = hai_find(b, n, lit, len), *want = naive_find(b, n, lit, len);
                CHECK(got == want);
                free(b);
            }
        /* random text over the literal's own letters */
        for (int round = 0; round < 2000; round++) {
            size_t n = (size_t)next() % sizeof buf;
            for (size_t i = 0; i < n; i++)
                buf[i] = lit[next() % len];
            char *b = exact(buf, n);
            for (size_t from = 0; from < 4 && from <= n; from++) {
                const char *got = hai_find(b + from, n - from, lit, len);
                const char *want = naive_find(b + from, n - from, lit, len);
                CHECK(got == want);
            }
            free(b);
        }
    }
}

int main(void)
{
    test_counts();
    test_find();
    return check_done();
}
