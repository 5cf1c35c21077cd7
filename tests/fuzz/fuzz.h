/* Shared by the fuzz targets: the libFuzzer entry point each one defines,
 * and a trap that makes a broken invariant a finding. */
#ifndef HA_FUZZ_H
#define HA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                               \
    do {                                                                                                \
        if (!(cond)) {                                                                                  \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond);                \
            abort();                                                                                    \
        }                                                                                               \
    } while (0)

#endif
