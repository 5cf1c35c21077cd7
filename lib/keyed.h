/* Keyed hashing for every table whose keys come from the input (interned
 * names, the correlator's and the rules' tables): SipHash with a 128-bit
 * key drawn per object from the system's random source, so that nobody who
 * writes the input can choose names that collide (hash flooding). Output
 * never depends on the key: the tables are iterated in insertion order
 * (uthash's hh.next), never in hash order. docs/threading-and-memory.md
 * ("Hash tables") says more. */
#ifndef HAI_KEYED_H
#define HAI_KEYED_H

#include <stddef.h>
#include <stdint.h>

typedef struct hai_sipkey {
    uint64_t k0, k1;
} hai_sipkey;

/* SipHash-1-3 (the tables: 64 bits of which uthash keeps 32) and
 * SipHash-2-4 (a digest that stands for a key, as rules.c's failures). */
uint64_t hai_siphash13(const hai_sipkey *k, const void *p, size_t n);
uint64_t hai_siphash24(const hai_sipkey *k, const void *p, size_t n);

/* Fill `k` from the system's random source. 0, or -1 when there is none
 * (the object is then not made: HA_ERR_IO). The one place that asks the
 * operating system (random.c). */
int hai_sipkey_random(hai_sipkey *k);

/* Test hooks: a fixed key for tests that need one (any two keys must give
 * the same output). Only on a new, empty object: HA_OK, or HA_ERR_INVALID
 * once it holds anything. */
struct ha_correlator;
struct ha_rules;
int hai_correlator_set_key(struct ha_correlator *c, uint64_t k0, uint64_t k1);
int hai_rules_set_key(struct ha_rules *rs, uint64_t k0, uint64_t k1);

#endif
