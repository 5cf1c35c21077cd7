/* The operating system's seam (lib/os.h), on each system it is built for:
 * a file at a UTF-8 path with characters outside any ANSI code page is
 * created, opened, sized, recognised by its first bytes, mapped, read
 * through the map, partly given back and read again, replaced and removed;
 * threads with a mutex and a condition variable hand a counter round; the
 * random source gives bytes that are not all the same nor twice the same. */
#include "os.h"

#include <stdint.h>
#include <string.h>

#include "check.h"

#define FILE_BYTES (3u << 20)

struct relay {
    hai_mutex mu;
    hai_cond cv;
    unsigned turn, rounds, nthreads;
    unsigned long long sum;
};

struct runner {
    struct relay *r;
    unsigned me;
};

/* Each thread adds its number when it is its turn, `rounds` times. */
static void *take_turns(void *arg)
{
    struct runner *w = arg;
    struct relay *r = w->r;
    for (unsigned k = 0; k < r->rounds; k++) {
        hai_os_mutex_lock(&r->mu);
        while (r->turn % r->nthreads != w->me)
            hai_os_cond_wait(&r->cv, &r->mu);
        r->sum += w->me + 1;
        r->turn++;
        hai_os_cond_broadcast(&r->cv);
        hai_os_mutex_unlock(&r->mu);
    }
    return NULL;
}

static void test_threads(void)
{
    struct relay r;
    memset(&r, 0, sizeof r);
    r.rounds = 2000;
    r.nthreads = 3;
    hai_os_mutex_init(&r.mu);
    hai_os_cond_init(&r.cv);
    hai_thread t[3];
    struct runner w[3];
    for (unsigned i = 0; i < 3; i++) {
        w[i].r = &r;
        w[i].me = i;
        CHECK_INT(hai_os_thread_start(&t[i], take_turns, &w[i]), 0);
    }
    for (unsigned i = 0; i < 3; i++)
        hai_os_thread_join(&t[i]);
    CHECK_U64(r.turn, 3 * 2000);
    CHECK_U64(r.sum, 2000ull * (1 + 2 + 3));
    hai_os_cond_destroy(&r.cv);
    hai_os_mutex_destroy(&r.mu);
    CHECK(hai_os_cpu_count() >= 1);
}

static void test_random(void)
{
    unsigned char a[32], b[32], zero[32] = {0};
    CHECK_INT(hai_os_random(a, sizeof a), 0);
    CHECK_INT(hai_os_random(b, sizeof b), 0);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(memcmp(a, zero, sizeof a) != 0);
    CHECK_INT(hai_os_random(a, 0), 0);
}

static void test_files(const char *dir)
{
    char path[1024], other[1024];
    snprintf(path, sizeof path, "%s/os-\xe3\x83\xad\xe3\x82\xb0-\xd0\xb6.bin", dir);     /* os-ログ-ж.bin */
    snprintf(other, sizeof other, "%s/os-\xe7\x8a\xb6\xe6\x85\x8b.bin", dir);            /* os-状態.bin */
    unsigned char *data = malloc(FILE_BYTES);
    CHECK(data != NULL);
    if (!data)
        return;
    memcpy(data, "ElfFile", 8);
    for (size_t i = 8; i < FILE_BYTES; i++)
        data[i] = (unsigned char)(i * 2654435761u >> 24);
    FILE *f = hai_os_fopen(path, "wb");
    CHECK(f != NULL);
    if (!f) {
        free(data);
        return;
    }
    CHECK(fwrite(data, 1, FILE_BYTES, f) == FILE_BYTES && fflush(f) == 0);
    CHECK_INT(hai_os_sync(f), 0);
    CHECK_INT(fclose(f), 0);
    CHECK(hai_os_exists(path));

    int fd = hai_os_open(path);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK_INT(hai_os_regular_size(fd), FILE_BYTES);
        unsigned char head[16];
        CHECK_INT(hai_os_read(fd, head, sizeof head), 16);
        CHECK(memcmp(head, data, 16) == 0);
        hai_map m;
        CHECK_INT(hai_os_map(fd, FILE_BYTES, &m), 0);
        CHECK_INT(hai_os_close(fd), 0);
        if (m.data) {
            CHECK(memcmp(m.data, data, FILE_BYTES) == 0);
            hai_os_map_release(&m, 0, FILE_BYTES / 2 + 123);
            CHECK(memcmp(m.data, data, FILE_BYTES) == 0); /* given back, read back the same */
            hai_os_unmap(&m);
        }
    }
    CHECK_INT(hai_os_open(other), -1);
    CHECK(!hai_os_exists(other));
    f = hai_os_fopen(other, "wb");
    CHECK(f != NULL && fputs("old", f) >= 0 && fclose(f) == 0);
    CHECK_INT(hai_os_replace(path, other), 0); /* over a file that exists */
    CHECK(!hai_os_exists(path));
    fd = hai_os_open(other);
    CHECK(fd >= 0 && hai_os_regular_size(fd) == FILE_BYTES);
    if (fd >= 0)
        hai_os_close(fd);
    CHECK_INT(hai_os_remove(other), 0);
    CHECK(!hai_os_exists(other));
    CHECK_INT(hai_os_open("\xff\xfe-not-utf8"), -1);
    free(data);
}

int main(int argc, char **argv)
{
    test_threads();
    test_random();
    test_files(argc > 1 ? argv[1] : ".");
    return check_done();
}
