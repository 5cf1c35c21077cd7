/* Case-insensitive wildcard patterns over Windows paths and names. */
#ifndef HAI_MATCH_H
#define HAI_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "alloc.h"

/* A pattern, folded to code points; `*` and `?` become markers. Every
 * match of it has its leading ASCII literals first, its trailing ones (after
 * the last `*`) last and its longest run of ASCII literals somewhere: three
 * cheap byte checks that turn most texts away before the full match. */
typedef struct hai_pattern {
    uint32_t *cp;
    size_t n;
    size_t prefix;        /* leading ASCII literals */
    size_t after_any;     /* with a leading `?`: the ASCII literals after it */
    size_t suffix;        /* ASCII literals after the last `*` (0 without one) */
    size_t run_at, run_n; /* the longest run of ASCII literals */
} hai_pattern;

/* Simple case folding: ASCII, Latin-1, Latin Extended-A, Greek, Cyrillic,
 * fullwidth Latin. */
uint32_t hai_fold(uint32_t cp);

/* Compile `text` as it is. 0, or -1 when out of memory. */
int hai_pattern_compile(const ha_allocator *a, const char *text, hai_pattern *out);
void hai_pattern_free(const ha_allocator *a, hai_pattern *p);
/* 1 when the whole of `text` (UTF-8, NUL-terminated) matches. */
int hai_pattern_match(const hai_pattern *p, const char *text);
/* 1 when `needle` (already folded, compiled without wildcards) occurs in
 * `text`, case-insensitively. */
int hai_pattern_contains(const hai_pattern *needle, const char *text);

/* A path pattern: the pattern, and the same path in its other volume form
 * (`C:\x` <-> `\Device\HarddiskVolume*\x`; `\x` on any volume). */
typedef struct hai_path_pattern {
    hai_pattern form[3];
    int nforms;
} hai_path_pattern;

int hai_path_pattern_compile(const ha_allocator *a, const char *text, hai_path_pattern *out);
void hai_path_pattern_free(const ha_allocator *a, hai_path_pattern *p);
/* Whether `path` matches; the NT prefixes `\??\` and `\\?\` are ignored. */
int hai_path_pattern_match(const hai_path_pattern *p, const char *path);

#endif
