/* A minimal assertion kit for the C tests: every failed check is printed
 * with its place and the test exits 1 at the end; exit 77 means skipped. */
#ifndef HA_TEST_CHECK_H
#define HA_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;

#define CHECK(cond)                                                                                      \
    do {                                                                                                 \
        if (!(cond)) {                                                                                   \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                    \
            check_failures++;                                                                            \
        }                                                                                                \
    } while (0)

#define CHECK_INT(a, b)                                                                                  \
    do {                                                                                                 \
        long long a_ = (long long)(a), b_ = (long long)(b);                                              \
        if (a_ != b_) {                                                                                  \
            fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_);       \
            check_failures++;                                                                            \
        }                                                                                                \
    } while (0)

#define CHECK_U64(a, b)                                                                                  \
    do {                                                                                                 \
        uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                                 \
        if (a_ != b_) {                                                                                  \
            fprintf(stderr, "%s:%d: %s == %" PRIu64 ", expected %" PRIu64 "\n", __FILE__, __LINE__, #a,  \
                    a_, b_);                                                                             \
            check_failures++;                                                                            \
        }                                                                                                \
    } while (0)

#define CHECK_STR(a, b)                                                                                  \
    do {                                                                                                 \
        const char *a_ = (a), *b_ = (b);                                                                 \
        if (!((a_ == NULL && b_ == NULL) || (a_ && b_ && strcmp(a_, b_) == 0))) {                        \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a,            \
                    a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                             \
            check_failures++;                                                                            \
        }                                                                                                \
    } while (0)

static inline int check_done(void)
{
    if (check_failures)
        fprintf(stderr, "%d check(s) failed\n", check_failures);
    return check_failures ? 1 : 0;
}

/* Read a whole file, NUL-terminated (the NUL not counted in *len); NULL
 * when it cannot be read. */
static inline char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
        }
        size_t k = fread(buf + n, 1, cap - 1 - n, f);
        if (k == 0) {
            buf[n] = '\0';
            break;
        }
        n += k;
    }
    fclose(f);
    *len = n;
    return buf;
}

#endif
