#!/usr/bin/env python3
"""No two source files of lib/ call each other, directly or around a loop.

The way an event travels (LAYOUT.md: a source, the record builder, the
correlator, rules, outputs) is one direction; a file that calls back into
one that calls it is the kind of tangle that makes a part impossible to
change or test alone. Reads the library's object files (meson keeps them in
LIBRARY.p/) with nm: each file's defined and undefined symbols give the
"calls" graph, and any strongly connected group of more than one file is a
failure, printed with the symbols that make it.

    test_no_cycles.py LIBRARY        (77: no object files or no nm)
"""
import glob
import os
import shutil
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, used = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "TDRBV":
            defined.add(parts[2])
        elif len(parts) == 2 and parts[0] == "U":
            used.add(parts[1])
    return defined, used


def groups(edges):
    """Tarjan's strongly connected components with more than one member."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def main():
    lib = sys.argv[1]
    objs = sorted(glob.glob(lib + ".p/*.o"))
    if not objs or not shutil.which("nm"):
        print("no object files at %s.p/ (or no nm): skipped" % lib)
        return 77
    defs, uses = {}, {}
    for o in objs:
        name = os.path.basename(o)[: -len(".c.o")].replace("_", "/", 1)
        defs[name], uses[name] = symbols(o)
    owner = {s: f for f, ds in defs.items() for s in ds}
    calls = {f: {} for f in defs}
    for f, us in uses.items():
        for s in us:
            g = owner.get(s)
            if g and g != f:
                calls[f].setdefault(g, []).append(s)
    edges = {f: set(c) for f, c in calls.items()}
    found = groups(edges)
    for comp in found:
        print("FAIL: these files call each other around a loop: %s" % ", ".join(comp))
        for f in comp:
            for g in comp:
                if g in calls[f]:
                    print("  %s -> %s (%s)" % (f, g, ", ".join(sorted(calls[f][g])[:4])))
    print("%d object files, %d calls between files, %d loops" %
          (len(objs), sum(len(e) for e in edges.values()), len(found)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
