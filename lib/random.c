/* The system's random source, for the hash keys (keyed.h). Everything
 * that depends on the operating system is here: a Windows build puts
 * BCryptGenRandom (or rand_s) in its place. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "keyed.h"

#if defined(__linux__)
#include <sys/random.h>
#endif

static int os_random(void *buf, size_t n)
{
    unsigned char *p = buf;
#if defined(__linux__)
    while (n) {
        ssize_t k = getrandom(p, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break; /* e.g. ENOSYS on an old kernel: try the device */
        p += k;
        n -= (size_t)k;
    }
    if (!n)
        return 0;
#endif
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        p += k;
        n -= (size_t)k;
    }
    close(fd);
    return n ? -1 : 0;
}

int hai_sipkey_random(hai_sipkey *k)
{
    unsigned char b[16];
    if (os_random(b, sizeof b) != 0)
        return -1;
    k->k0 = k->k1 = 0;
    for (int i = 0; i < 8; i++) {
        k->k0 |= (uint64_t)b[i] << (8 * i);
        k->k1 |= (uint64_t)b[8 + i] << (8 * i);
    }
    return 0;
}
