/* Wildcard matching on code points: text is decoded from UTF-8 and folded as
 * it is read; patterns are folded once, when compiled. */
#include "match.h"

#include <string.h>

#define STAR 0x110000u /* `*`: any run of characters, backslashes included */
#define ANY 0x110001u  /* `?`: one character */

uint32_t hai_fold(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 32;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
            return c;
        if (c == 0x178)
            return 0xFF;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return c & 1 ? c + 1 : c; /* odd capitals, even small letters */
        return c & 1 ? c : c + 1;     /* even capitals, odd small letters */
    }
    if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
        return c + 32;
    if (c >= 0x410 && c <= 0x42F)
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    if (c >= 0xFF21 && c <= 0xFF3A)
        return c + 32;
    return c;
}

/* The next code point of `*s`, advancing it; a byte that begins no valid
 * sequence stands for itself, marked so that it matches only itself. */
static uint32_t next_cp(const unsigned char **s)
{
    const unsigned char *p = *s;
    uint32_t c = p[0];
    if (c < 0x80) {
        *s = p + 1;
        return c;
    }
    int n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n == 0) {
        *s = p + 1;
        return 0x200000u | c;
    }
    uint32_t v = c & (0x7Fu >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            *s = p + 1;
            return 0x200000u | c;
        }
        v = v << 6 | (p[i] & 0x3F);
    }
    *s = p + n;
    return v;
}

int hai_pattern_compile(const ha_allocator *a, const char *text, hai_pattern *out)
{
    size_t len = strlen(text);
    out->cp = hai_malloc(a, (len + 1) * sizeof *out->cp);
    if (!out->cp)
        return -1;
    const unsigned char *s = (const unsigned char *)text;
    size_t n = 0;
    while (*s) {
        uint32_t c = next_cp(&s);
        if (c == '*') {
            if (n && out->cp[n - 1] == STAR)
                continue; /* ** is * */
            c = STAR;
        } else if (c == '?') {
            c = ANY;
        } else {
            c = hai_fold(c);
        }
        out->cp[n++] = c;
    }
    out->n = n;
    out->prefix = out->after_any = out->suffix = out->run_at = out->run_n = 0;
    while (out->prefix < n && out->cp[out->prefix] < 0x80)
        out->prefix++;
    if (n > 0 && out->cp[0] == ANY) /* `?:\x`, a path's other volume form */
        while (1 + out->after_any < n && out->cp[1 + out->after_any] < 0x80)
            out->after_any++;
    size_t last_star = SIZE_MAX;
    for (size_t i = 0; i < n; i++)
        if (out->cp[i] == STAR)
            last_star = i;
    if (last_star != SIZE_MAX)
        while (out->suffix < n - last_star - 1 && out->cp[n - 1 - out->suffix] < 0x80)
            out->suffix++;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && out->cp[j] < 0x80)
            j++;
        if (j - i > out->run_n) {
            out->run_at = i;
            out->run_n = j - i;
        }
        i = j + 1;
    }
    return 0;
}

/* ASCII literals match ASCII bytes only, one to one: folding never maps a
 * character outside ASCII into it or out of it. */
static inline uint32_t fold_byte(unsigned char b) { return b >= 'A' && b <= 'Z' ? b + 32u : b; }

static int bytes_equal(const unsigned char *t, const uint32_t *cp, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fold_byte(t[i]) != cp[i])
            return 0;
    return 1;
}

/* Whether the ASCII literals cp[0, n) occur in t[0, len). */
static int bytes_contain(const unsigned char *t, size_t len, const uint32_t *cp, size_t n)
{
    if (n > len)
        return 0;
    unsigned char lo = (unsigned char)cp[0], up = lo >= 'a' && lo <= 'z' ? (unsigned char)(lo - 32) : lo;
    for (size_t i = 0; i + n <= len; i++)
        if ((t[i] == lo || t[i] == up) && bytes_equal(t + i + 1, cp + 1, n - 1))
            return 1;
    return 0;
}

/* The checks of hai_pattern's literals: 0 when `text` cannot match. */
static int may_match(const hai_pattern *p, const unsigned char *text)
{
    for (size_t i = 0; i < p->prefix; i++)
        if (!text[i] || fold_byte(text[i]) != p->cp[i])
            return 0;
    size_t known = p->prefix; /* the run is known to be there when it is the prefix */
    if (p->after_any) {
        if (!text[0])
            return 0;
        if (text[0] < 0x80) { /* `?` takes that one byte */
            for (size_t i = 1; i <= p->after_any; i++)
                if (!text[i] || fold_byte(text[i]) != p->cp[i])
                    return 0;
            if (p->run_at == 1)
                known = p->run_n;
        }
    }
    if (!p->suffix && p->run_n <= known)
        return 1;
    size_t len = p->prefix + strlen((const char *)text + p->prefix);
    if (p->suffix && (len < p->prefix + p->suffix ||
                      !bytes_equal(text + len - p->suffix, p->cp + p->n - p->suffix, p->suffix)))
        return 0;
    if (p->run_n > known && p->run_n > p->suffix && !bytes_contain(text, len, p->cp + p->run_at, p->run_n))
        return 0;
    return 1;
}

void hai_pattern_free(const ha_allocator *a, hai_pattern *p)
{
    hai_free(a, p->cp);
    p->cp = NULL;
    p->n = 0;
}

int hai_pattern_match(const hai_pattern *p, const char *text)
{
    if (!may_match(p, (const unsigned char *)text))
        return 0;
    const unsigned char *s = (const unsigned char *)text, *star_s = NULL;
    size_t pi = 0, star_p = SIZE_MAX;
    while (*s) {
        const unsigned char *at = s;
        uint32_t c = hai_fold(next_cp(&s));
        if (pi < p->n && (p->cp[pi] == c || p->cp[pi] == ANY)) {
            pi++;
        } else if (pi < p->n && p->cp[pi] == STAR) {
            star_p = pi++;
            star_s = at;
            s = at; /* the star takes nothing yet */
        } else if (star_p != SIZE_MAX) {
            pi = star_p + 1; /* the star takes one more character */
            next_cp(&star_s);
            s = star_s;
        } else {
            return 0;
        }
    }
    while (pi < p->n && p->cp[pi] == STAR)
        pi++;
    return pi == p->n;
}

int hai_pattern_contains(const hai_pattern *needle, const char *text)
{
    if (needle->n > 0 && needle->run_n == needle->n) /* all ASCII: a byte search */
        return bytes_contain((const unsigned char *)text, strlen(text), needle->cp, needle->n);
    for (const unsigned char *s = (const unsigned char *)text;; next_cp(&s)) {
        const unsigned char *t = s;
        size_t i = 0;
        while (i < needle->n && *t && hai_fold(next_cp(&t)) == needle->cp[i])
            i++;
        if (i == needle->n)
            return 1;
        if (!*s)
            return 0;
    }
}

/* ---- volume forms -------------------------------------------------------- */

static const char device[] = "\\Device\\HarddiskVolume";

static int drive_letter(const char *p)
{
    return ((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' && p[2] == '\\';
}

static int compile_joined(const ha_allocator *a, const char *head, const char *rest, hai_pattern *out)
{
    size_t h = strlen(head), r = strlen(rest);
    char *t = hai_malloc(a, h + r + 1);
    if (!t)
        return -1;
    memcpy(t, head, h);
    memcpy(t + h, rest, r + 1);
    int rc = hai_pattern_compile(a, t, out);
    hai_free(a, t);
    return rc;
}

int hai_path_pattern_compile(const ha_allocator *a, const char *text, hai_path_pattern *out)
{
    memset(out, 0, sizeof *out);
    int rc = hai_pattern_compile(a, text, &out->form[0]);
    out->nforms = rc ? 0 : 1;
    if (rc)
        return rc;
    const char *rest = NULL;
    if (drive_letter(text)) {
        rest = text + 2; /* C:\x also as \Device\HarddiskVolume*\x */
        rc = compile_joined(a, "\\Device\\HarddiskVolume*", rest, &out->form[out->nforms]);
        out->nforms += rc == 0;
    } else if (strncmp(text, device, sizeof device - 1) == 0) {
        const char *p = text + sizeof device - 1;
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p == '\\') { /* \Device\HarddiskVolume3\x also as ?:\x */
            rc = compile_joined(a, "?:", p, &out->form[out->nforms]);
            out->nforms += rc == 0;
        }
    } else if (text[0] == '\\' && text[1] != '\\') { /* \x: on any volume */
        rc = compile_joined(a, "?:", text, &out->form[out->nforms]);
        out->nforms += rc == 0;
        if (rc == 0) {
            rc = compile_joined(a, "\\Device\\HarddiskVolume*", text, &out->form[out->nforms]);
            out->nforms += rc == 0;
        }
    }
    if (rc) {
        hai_path_pattern_free(a, out);
        return -1;
    }
    return 0;
}

void hai_path_pattern_free(const ha_allocator *a, hai_path_pattern *p)
{
    for (int i = 0; i < p->nforms; i++)
        hai_pattern_free(a, &p->form[i]);
    p->nforms = 0;
}

int hai_path_pattern_match(const hai_path_pattern *p, const char *path)
{
    if (strncmp(path, "\\??\\", 4) == 0 || strncmp(path, "\\\\?\\", 4) == 0)
        path += 4;
    for (int i = 0; i < p->nforms; i++)
        if (hai_pattern_match(&p->form[i], path))
            return 1;
    return 0;
}
