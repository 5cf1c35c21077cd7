/* Hash keys (keyed.h) from the system's random source, which the OS seam
 * gives: getrandom() or /dev/urandom, BCryptGenRandom on Windows. */
#include "keyed.h"
#include "os.h"

int hai_sipkey_random(hai_sipkey *k)
{
    unsigned char b[16];
    if (hai_os_random(b, sizeof b) != 0)
        return -1;
    k->k0 = k->k1 = 0;
    for (int i = 0; i < 8; i++) {
        k->k0 |= (uint64_t)b[i] << (8 * i);
        k->k1 |= (uint64_t)b[8 + i] << (8 * i);
    }
    return 0;
}
