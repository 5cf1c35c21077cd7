/* The seam of os.h on Windows: paths are UTF-8 turned into UTF-16 for the
 * wide functions (so that C:\ログ\セキュリティ.xml opens), files are mapped
 * with CreateFileMapping and MapViewOfFile, threads are Win32 threads with
 * SRW locks and condition variables, random bytes come from
 * BCryptGenRandom. Builds with MinGW-w64 and with MSVC. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include "os.h"

#include <windows.h>
#include <bcrypt.h>
#include <errno.h>
#include <fcntl.h>
#include <io.h>
#include <process.h>
#include <shellapi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

_Static_assert(sizeof(SRWLOCK) == sizeof(void *), "hai_mutex holds an SRWLOCK");
_Static_assert(sizeof(CONDITION_VARIABLE) == sizeof(void *), "hai_cond holds a CONDITION_VARIABLE");

/* `path` in UTF-16, allocated; NULL with errno set when it is not UTF-8. */
static wchar_t *widen(const char *path)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, NULL, 0);
    if (n <= 0) {
        errno = EINVAL;
        return NULL;
    }
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, w, n);
    return w;
}

int hai_os_open(const char *path)
{
    wchar_t *w = widen(path);
    if (!w)
        return -1;
    int fd = _wopen(w, _O_RDONLY | _O_BINARY | _O_NOINHERIT);
    free(w);
    return fd;
}

const char *hai_os_error(void) { return strerror(errno); }

int hai_os_close(int fd) { return _close(fd); }

long long hai_os_read(int fd, void *buf, size_t n)
{
    unsigned k = n > (1u << 30) ? 1u << 30 : (unsigned)n;
    return _read(fd, buf, k);
}

long long hai_os_regular_size(int fd)
{
    struct _stat64 sb;
    if (_fstat64(fd, &sb) != 0 || (sb.st_mode & _S_IFMT) != _S_IFREG)
        return -1;
    return (long long)sb.st_size;
}

FILE *hai_os_fopen(const char *path, const char *mode)
{
    wchar_t wmode[8];
    size_t i = 0;
    for (; mode[i] && i + 1 < sizeof wmode / sizeof *wmode; i++)
        wmode[i] = (wchar_t)(unsigned char)mode[i];
    wmode[i] = 0;
    wchar_t *w = widen(path);
    if (!w)
        return NULL;
    FILE *f = _wfopen(w, wmode);
    free(w);
    return f;
}

int hai_os_sync(FILE *f) { return _commit(_fileno(f)); }

/* errno for the last Win32 failure, so that hai_os_error() names it. */
static void errno_from_win32(void)
{
    switch (GetLastError()) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
        errno = ENOENT;
        break;
    case ERROR_DISK_FULL:
    case ERROR_HANDLE_DISK_FULL:
        errno = ENOSPC;
        break;
    case ERROR_INVALID_NAME:
        errno = EINVAL;
        break;
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        errno = ENOMEM;
        break;
    case ERROR_WRITE_PROTECT:
        errno = EROFS;
        break;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    default:
        errno = EACCES;
        break;
    }
}

int hai_os_replace(const char *from, const char *to)
{
    wchar_t *a = widen(from), *b = a ? widen(to) : NULL;
    int ok = b && MoveFileExW(a, b, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH);
    if (b && !ok)
        errno_from_win32();
    free(a);
    free(b);
    return ok ? 0 : -1;
}

int hai_os_remove(const char *path)
{
    wchar_t *w = widen(path);
    int rc = w ? _wremove(w) : -1;
    free(w);
    return rc;
}

int hai_os_exists(const char *path)
{
    wchar_t *w = widen(path);
    int rc = w && _waccess(w, 0) == 0;
    free(w);
    return rc;
}

int hai_os_isatty(int fd) { return _isatty(fd); }

void hai_os_binary_stdio(void)
{
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
}

int hai_os_utf8_argv(int *argc, char ***argv)
{
    int n;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!w)
        return -1;
    char **out = calloc((size_t)n + 1, sizeof *out);
    for (int i = 0; out && i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);
        out[i] = len > 0 ? malloc((size_t)len) : NULL;
        if (!out[i]) {
            while (i > 0)
                free(out[--i]);
            free(out);
            out = NULL;
            break;
        }
        WideCharToMultiByte(CP_UTF8, 0, w[i], -1, out[i], len, NULL, NULL);
    }
    LocalFree(w);
    if (!out)
        return -1;
    *argc = n;
    *argv = out;
    return 0;
}

double hai_os_monotonic(void)
{
    LARGE_INTEGER f, c;
    QueryPerformanceFrequency(&f);
    QueryPerformanceCounter(&c);
    return (double)c.QuadPart / (double)f.QuadPart;
}

int hai_os_map(int fd, size_t size, hai_map *m)
{
    HANDLE file = (HANDLE)_get_osfhandle(fd);
    if (file == INVALID_HANDLE_VALUE || size == 0)
        return -1;
    HANDLE mapping = CreateFileMappingW(file, NULL, PAGE_READONLY, 0, 0, NULL);
    if (!mapping)
        return -1;
    void *p = MapViewOfFile(mapping, FILE_MAP_READ, 0, 0, size);
    if (!p) {
        CloseHandle(mapping);
        return -1;
    }
    m->data = p;
    m->size = size;
    m->handle = mapping;
    return 0;
}

/* Unlocking pages that were never locked takes them out of the process's
 * working set, which is what giving them back means here. */
void hai_os_map_release(hai_map *m, size_t from, size_t to)
{
    size_t page = hai_os_page_size();
    from = from / page * page;
    to = to / page * page;
    if (to > from)
        VirtualUnlock((void *)(uintptr_t)(m->data + from), to - from);
}

void hai_os_unmap(hai_map *m)
{
    if (m->data) {
        UnmapViewOfFile(m->data);
        CloseHandle(m->handle);
    }
    m->data = NULL;
    m->handle = NULL;
}

size_t hai_os_page_size(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwPageSize ? si.dwPageSize : 4096;
}

static unsigned __stdcall trampoline(void *arg)
{
    hai_thread *t = arg;
    t->fn(t->arg);
    return 0;
}

int hai_os_thread_start(hai_thread *t, void *(*fn)(void *), void *arg)
{
    t->fn = fn;
    t->arg = arg;
    uintptr_t h = _beginthreadex(NULL, 0, trampoline, t, 0, NULL);
    t->handle = (void *)h;
    return h ? 0 : -1;
}

void hai_os_thread_join(hai_thread *t)
{
    WaitForSingleObject(t->handle, INFINITE);
    CloseHandle(t->handle);
    t->handle = NULL;
}

void hai_os_mutex_init(hai_mutex *m) { InitializeSRWLock((PSRWLOCK)&m->srw); }
void hai_os_mutex_lock(hai_mutex *m) { AcquireSRWLockExclusive((PSRWLOCK)&m->srw); }
void hai_os_mutex_unlock(hai_mutex *m) { ReleaseSRWLockExclusive((PSRWLOCK)&m->srw); }
void hai_os_mutex_destroy(hai_mutex *m) { (void)m; }
void hai_os_cond_init(hai_cond *c) { InitializeConditionVariable((PCONDITION_VARIABLE)&c->cv); }

void hai_os_cond_wait(hai_cond *c, hai_mutex *m)
{
    SleepConditionVariableSRW((PCONDITION_VARIABLE)&c->cv, (PSRWLOCK)&m->srw, INFINITE, 0);
}

void hai_os_cond_broadcast(hai_cond *c) { WakeAllConditionVariable((PCONDITION_VARIABLE)&c->cv); }
void hai_os_cond_destroy(hai_cond *c) { (void)c; }

unsigned hai_os_cpu_count(void)
{
    DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
    return n > 0 ? (unsigned)n : 1;
}

FILE *hai_os_create_temp(const char *path, char *tmp)
{
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    size_t n = strlen(path);
    for (int attempt = 0; attempt < 16; attempt++) {
        unsigned char r[6];
        if (hai_os_random(r, sizeof r) != 0)
            return NULL;
        memcpy(tmp, path, n);
        tmp[n] = '.';
        for (int i = 0; i < 6; i++)
            tmp[n + 1 + i] = digits[r[i] % 36];
        tmp[n + 7] = '\0';
        wchar_t *w = widen(tmp);
        if (!w)
            return NULL;
        /* CREATE_NEW: fails if anything, a link included, is there */
        HANDLE h = CreateFileW(w, GENERIC_WRITE, 0, NULL, CREATE_NEW, FILE_ATTRIBUTE_NORMAL, NULL);
        free(w);
        if (h == INVALID_HANDLE_VALUE) {
            if (GetLastError() == ERROR_FILE_EXISTS)
                continue;
            errno_from_win32();
            return NULL;
        }
        int fd = _open_osfhandle((intptr_t)h, _O_BINARY | _O_WRONLY);
        if (fd < 0) {
            CloseHandle(h);
            return NULL;
        }
        FILE *f = _fdopen(fd, "wb");
        if (!f)
            _close(fd);
        return f;
    }
    return NULL;
}

int hai_os_random(void *buf, size_t n)
{
    while (n > 0) {
        ULONG k = n > 0x40000000 ? 0x40000000 : (ULONG)n;
        if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, buf, k, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return -1;
        buf = (char *)buf + k;
        n -= k;
    }
    return 0;
}
