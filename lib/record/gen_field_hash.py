#!/usr/bin/env python3
"""Make the perfect hash that ha_field_from_name() and the readers use, from
the rows of HA_FIELD_TABLE in the public header (the one table of fields).

    gen_field_hash.py handleaudit.h field_hash.h

The hash reads a name's length and three of its bytes, at positions counted
from its start or its end that every known name has; the search below picks
the positions, the multipliers and the smallest power-of-two table for which
no two names share a slot, so the lookup is one table read and one compare,
correct by construction. It fails the build when it finds none (it never
has: widen POSITIONS or MULTIPLIERS then).
"""
import itertools, re, sys

ROW = re.compile(r'\bX\(\s*(\w+)\s*,\s*(\d+)\s*,\s*"([^"\\]+)"\s*,\s*(\w+)\s*\)')
MULTIPLIERS = (1, 3, 5, 7, 11, 13, 17, 31)
SIZES = (64, 128, 256, 512, 1024)


def rows(header):
    text = open(header, encoding="utf-8").read()
    m = re.search(r"#define HA_FIELD_TABLE\(X\)((?:[^\n]*\\\n)*[^\n]*\n)", text)
    if not m:
        sys.exit("gen_field_hash.py: no HA_FIELD_TABLE(X) in %s" % header)
    found = ROW.findall(m.group(1))
    values = [int(v) for _, v, _, _ in found]
    if values != list(range(1, len(found) + 1)):
        sys.exit("gen_field_hash.py: HA_FIELD_TABLE values must run 1, 2, 3, ... in order (got %s)" % values)
    names = [n for _, _, n, _ in found]
    if len(set(names)) != len(names):
        sys.exit("gen_field_hash.py: a Data name appears twice in HA_FIELD_TABLE")
    return found


def byte_at(name, pos):
    """pos >= 0 counts from the start, pos < 0 from the end (-1 is the last)."""
    return ord(name[pos]) if pos >= 0 else ord(name[len(name) + pos])


def search(names):
    shortest = min(len(n) for n in names)
    positions = [p for p in (0, 1, 2, 3, -1, -2, -3, -4) if (p if p >= 0 else -p - 1) < shortest]
    for size in SIZES:
        for pos in itertools.combinations(positions, 3):
            for mul in itertools.product(MULTIPLIERS, repeat=3):
                slots = set()
                for n in names:
                    h = (sum(m * byte_at(n, p) for m, p in zip(mul, pos)) + len(n)) & (size - 1)
                    if h in slots:
                        break
                    slots.add(h)
                else:
                    return size, pos, mul
    sys.exit("gen_field_hash.py: no perfect hash of the field names found; widen the search")


def c_byte(pos):
    return "(unsigned char)(name)[%d]" % pos if pos >= 0 else "(unsigned char)(name)[(len) - %d]" % -pos


def main():
    header, out = sys.argv[1:3]
    table = rows(header)
    names = [n for _, _, n, _ in table]
    size, pos, mul = search(names)
    hash_expr = " + ".join("%du * %s" % (m, c_byte(p)) for m, p in zip(mul, pos))
    slot = {}
    for (enum, value, name, _) in table:
        h = (sum(m * byte_at(name, p) for m, p in zip(mul, pos)) + len(name)) & (size - 1)
        slot[h] = "HA_FIELD_" + enum
    lines = [
        "/* Made by lib/record/gen_field_hash.py from HA_FIELD_TABLE: do not edit. */",
        "#define HAI_FIELD_NAME_MIN %d" % min(len(n) for n in names),
        "#define HAI_FIELD_NAME_MAX %d" % max(len(n) for n in names),
        "#define HAI_FIELD_SLOTS %d" % size,
        "/* `len` is at least HAI_FIELD_NAME_MIN, so every byte read is in the name. */",
        "#define HAI_FIELD_HASH(name, len) ((%s + (unsigned)(len)) & %du)" % (hash_expr, size - 1),
        "static const unsigned char hai_field_slots[HAI_FIELD_SLOTS] = {",
    ]
    lines += ["    [%d] = %s," % (h, slot[h]) for h in sorted(slot)]
    lines += ["};", ""]
    if len(table) > 255:
        sys.exit("gen_field_hash.py: more than 255 fields: widen hai_field_slots' type")
    open(out, "w", encoding="utf-8").write("\n".join(lines))


if __name__ == "__main__":
    main()
