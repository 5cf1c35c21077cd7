/* The operating system, behind one small seam: files opened by UTF-8 path,
 * files mapped into memory, threads, a CPU count, the system's random
 * source. os_posix.c implements it with POSIX, os_win32.c with Win32 (wide
 * paths, CreateFileMapping, SRW locks and condition variables,
 * BCryptGenRandom); nothing else in the library or the tool includes a
 * platform header. Files are C runtime descriptors on both (`_wopen` on
 * Windows, always binary, never inherited).
 *
 * Each function sets errno on failure where it says -1 (or NULL), and
 * hai_os_error() names the cause: callers keep its text in a diagnostic,
 * none of them reads errno. */
#ifndef HAI_OS_H
#define HAI_OS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef _WIN32
typedef struct hai_thread {
    void *handle;
    void *(*fn)(void *);
    void *arg;
} hai_thread;
typedef struct hai_mutex {
    void *srw; /* an SRWLOCK */
} hai_mutex;
typedef struct hai_cond {
    void *cv; /* a CONDITION_VARIABLE */
} hai_cond;
#else
#include <pthread.h>
typedef struct hai_thread {
    pthread_t id;
} hai_thread;
typedef struct hai_mutex {
    pthread_mutex_t m;
} hai_mutex;
typedef struct hai_cond {
    pthread_cond_t c;
} hai_cond;
#endif

/* ---- files ---------------------------------------------------------------- */

/* Why the last call here (or of the C library's stdio) failed, in words:
 * static text, valid until the next such call on this thread. */
const char *hai_os_error(void);

/* Open `path` (UTF-8) for reading: a descriptor, or -1. */
int hai_os_open(const char *path);
int hai_os_close(int fd);
/* Read up to `n` bytes (interrupted reads retried): the count, 0 at the
 * end, -1 on error. */
long long hai_os_read(int fd, void *buf, size_t n);
/* The size of a regular file; -1 for anything else (a pipe, a terminal). */
long long hai_os_regular_size(int fd);
/* fopen() with a UTF-8 path; on Windows, "b" is what text mode never is. */
FILE *hai_os_fopen(const char *path, const char *mode);
/* What `f` wrote reaches the disk (after fflush): 0, or -1. */
int hai_os_sync(FILE *f);
/* Rename `from` to `to`, replacing `to` if it exists, atomically where the
 * system can: 0, or -1. */
int hai_os_replace(const char *from, const char *to);
/* A new file beside `path`, open for writing in binary mode: a name no one
 * can guess (`path` and 7 more bytes, written into `tmp`, which holds
 * strlen(path) + 8), created exclusively (a file or symlink planted there is
 * never followed or reused), readable by its owner only. NULL on failure. */
FILE *hai_os_create_temp(const char *path, char *tmp);
int hai_os_remove(const char *path);
/* 1 when something exists at `path`. */
int hai_os_exists(const char *path);
int hai_os_isatty(int fd);
/* Standard input, output and error carry bytes as they are (no CRLF
 * translation on Windows): output and diagnostics the same on every
 * system. */
void hai_os_binary_stdio(void);
/* On Windows, replace `*argv` by the command line in UTF-8 (the C runtime
 * gives it in the ANSI code page, which loses characters outside it); the
 * array lives until the process ends. Elsewhere nothing changes. 0, or -1
 * when out of memory. */
int hai_os_utf8_argv(int *argc, char ***argv);
/* Seconds from an arbitrary start, never going back. */
double hai_os_monotonic(void);

/* ---- mapped files ---------------------------------------------------------- */

typedef struct hai_map {
    const char *data;
    size_t size;
    void *handle; /* the file mapping on Windows */
} hai_map;

/* Map the first `size` bytes of `fd`, read-only, read sequentially:
 * 0, or -1. The descriptor may be closed afterwards. */
int hai_os_map(int fd, size_t size, hai_map *m);
/* Every byte before `to` is read for good (and `from` is where the last
 * call's `to` was): give back the pages from the one holding `from` to the
 * last one wholly before `to`, so that resident memory does not grow to the
 * file's size. */
void hai_os_map_release(hai_map *m, size_t from, size_t to);
void hai_os_unmap(hai_map *m);
size_t hai_os_page_size(void);

/* ---- threads ------------------------------------------------------------------ */

/* Start `fn(arg)` on a new thread; `t` stays where it is until joined.
 * 0, or -1. */
int hai_os_thread_start(hai_thread *t, void *(*fn)(void *), void *arg);
void hai_os_thread_join(hai_thread *t);
void hai_os_mutex_init(hai_mutex *m);
void hai_os_mutex_lock(hai_mutex *m);
void hai_os_mutex_unlock(hai_mutex *m);
void hai_os_mutex_destroy(hai_mutex *m);
void hai_os_cond_init(hai_cond *c);
void hai_os_cond_wait(hai_cond *c, hai_mutex *m);
void hai_os_cond_broadcast(hai_cond *c);
void hai_os_cond_destroy(hai_cond *c);
/* Processors online, at least 1. */
unsigned hai_os_cpu_count(void);

/* ---- random ------------------------------------------------------------------ */

/* `n` bytes from the system's random source (getrandom or /dev/urandom;
 * BCryptGenRandom on Windows): 0, or -1. */
int hai_os_random(void *buf, size_t n);

#endif
