/* The seam of os.h on POSIX systems. */
/* madvise(MADV_DONTNEED): POSIX_MADV_DONTNEED is a no-op in glibc */
#define _DEFAULT_SOURCE 1
#include "os.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

int hai_os_open(const char *path) { return open(path, O_RDONLY | O_CLOEXEC); }

const char *hai_os_error(void) { return strerror(errno); }

int hai_os_close(int fd) { return close(fd); }

long long hai_os_read(int fd, void *buf, size_t n)
{
    for (;;) {
        ssize_t k = read(fd, buf, n);
        if (k >= 0 || errno != EINTR)
            return k;
    }
}

long long hai_os_regular_size(int fd)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return -1;
    return (long long)sb.st_size;
}

FILE *hai_os_fopen(const char *path, const char *mode) { return fopen(path, mode); }

int hai_os_sync(FILE *f) { return fsync(fileno(f)); }

int hai_os_replace(const char *from, const char *to) { return rename(from, to); }

FILE *hai_os_create_temp(const char *path, char *tmp)
{
    size_t n = strlen(path);
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".XXXXXX", 8);
    int fd = mkstemp(tmp); /* O_EXCL, mode 0600 */
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(tmp);
    }
    return f;
}

int hai_os_remove(const char *path) { return remove(path); }

int hai_os_exists(const char *path) { return access(path, F_OK) == 0; }

int hai_os_isatty(int fd) { return isatty(fd); }

void hai_os_binary_stdio(void) {}

int hai_os_utf8_argv(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

double hai_os_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int hai_os_map(int fd, size_t size, hai_map *m)
{
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return -1;
    posix_madvise(p, size, POSIX_MADV_SEQUENTIAL);
    m->data = p;
    m->size = size;
    m->handle = NULL;
    return 0;
}

/* (Pages of a private read-only file mapping are only dropped from this
 * process; touched again, they would be read back.) */
void hai_os_map_release(hai_map *m, size_t from, size_t to)
{
    size_t page = hai_os_page_size();
    from = from / page * page;
    to = to / page * page;
#ifdef MADV_DONTNEED
    if (to > from)
        madvise((void *)(uintptr_t)(m->data + from), to - from, MADV_DONTNEED);
#else
    (void)m;
#endif
}

void hai_os_unmap(hai_map *m)
{
    if (m->data)
        munmap((void *)(uintptr_t)m->data, m->size);
    m->data = NULL;
}

size_t hai_os_page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

int hai_os_thread_start(hai_thread *t, void *(*fn)(void *), void *arg)
{
    return pthread_create(&t->id, NULL, fn, arg) == 0 ? 0 : -1;
}

void hai_os_thread_join(hai_thread *t) { pthread_join(t->id, NULL); }
void hai_os_mutex_init(hai_mutex *m) { pthread_mutex_init(&m->m, NULL); }
void hai_os_mutex_lock(hai_mutex *m) { pthread_mutex_lock(&m->m); }
void hai_os_mutex_unlock(hai_mutex *m) { pthread_mutex_unlock(&m->m); }
void hai_os_mutex_destroy(hai_mutex *m) { pthread_mutex_destroy(&m->m); }
void hai_os_cond_init(hai_cond *c) { pthread_cond_init(&c->c, NULL); }
void hai_os_cond_wait(hai_cond *c, hai_mutex *m) { pthread_cond_wait(&c->c, &m->m); }
void hai_os_cond_broadcast(hai_cond *c) { pthread_cond_broadcast(&c->c); }
void hai_os_cond_destroy(hai_cond *c) { pthread_cond_destroy(&c->c); }

unsigned hai_os_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

int hai_os_random(void *buf, size_t n)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t got = 0;
    while (got < n) {
        long long k = hai_os_read(fd, (char *)buf + got, n - got);
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    return got == n ? 0 : -1;
}
