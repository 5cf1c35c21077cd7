/* The hash-flooding stream of issue 13, made on the fly: 800 ObjectNames
 * whose hashes under uthash's unkeyed Jenkins hash share their low 12 bits
 * (found by brute force, about a second), opened and kept open at the start
 * of a stream, then N ordinary opens (distinct names, none closed). Against
 * an unkeyed table the 800 stop it from ever expanding again (uthash gives
 * up after two expansions that do not spread the items), and the N opens
 * then walk chains of thousands. Shared by test_flood.c and, through its
 * --xml mode, bench/run's "flooding" row. */
#ifndef HA_HOSTILE_FLOOD_H
#define HA_HOSTILE_FLOOD_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <uthash.h> /* only for HASH_JEN, the hash an attacker would aim at */

#define FLOOD_NAMES 800
#define FLOOD_BITS 12
#define FLOOD_NAME_MAX 64

/* Fill names[FLOOD_NAMES]; returns how many candidates it tried. */
static inline unsigned long flood_names(char names[][FLOOD_NAME_MAX])
{
    unsigned want = 0, found = 0;
    unsigned long k;
    for (k = 0; found < FLOOD_NAMES; k++) {
        char name[FLOOD_NAME_MAX];
        int n = snprintf(name, sizeof name, "C:\\Users\\Public\\Downloads\\flood-%09lu.dat", k);
        unsigned hv;
        HASH_JEN(name, (unsigned)n, hv);
        hv &= (1u << FLOOD_BITS) - 1;
        if (found == 0)
            want = hv;
        if (hv == want)
            memcpy(names[found++], name, (size_t)n + 1);
    }
    return k;
}

/* Event `i` of the stream as XML into buf (cap bytes at least 2048): a
 * successful 4656 of `name` with a HandleId of its own. Returns its length. */
static inline size_t flood_event(char *buf, size_t cap, uint64_t i, const char *name)
{
    int n = snprintf(buf, cap,
                     "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
                     "<Provider Name='Microsoft-Windows-Security-Auditing'/><EventID>4656</EventID>"
                     "<Version>1</Version><Keywords>0x8020000000000000</Keywords>"
                     "<TimeCreated SystemTime='2026-01-01T00:%02u:%02u.%07uZ'/><EventRecordID>%llu</EventRecordID>"
                     "<Computer>WS00.contoso.local</Computer></System><EventData>"
                     "<Data Name='SubjectUserSid'>S-1-5-21-1-2-3-1029</Data><Data Name='SubjectLogonId'>0x4367b</Data>"
                     "<Data Name='ObjectServer'>Security</Data><Data Name='ObjectType'>File</Data>"
                     "<Data Name='ObjectName'>%s</Data><Data Name='HandleId'>0x%llx</Data>"
                     "<Data Name='AccessList'>%%%%4416\n\t\t\t\t%%%%4417\n\t\t\t\t</Data><Data Name='AccessMask'>0x3</Data>"
                     "<Data Name='ProcessId'>0x%x</Data><Data Name='ProcessName'>C:\\Windows\\System32\\svchost.exe</Data>"
                     "</EventData></Event>\n",
                     (unsigned)(i / 600000 % 60), (unsigned)(i / 10000 % 60), (unsigned)(i % 10000 * 1000),
                     (unsigned long long)(i + 1), name, (unsigned long long)(0x40 + 4 * i),
                     (unsigned)(0x400 + 4 * (i % 4)));
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* The name of ordinary open `k`. */
static inline void flood_ordinary(char *out, size_t cap, uint64_t k)
{
    snprintf(out, cap, "C:\\Users\\alice\\Documents\\bench\\file-%llu.txt", (unsigned long long)k);
}

#endif
