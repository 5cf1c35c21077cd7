#!/usr/bin/env python3
"""The hostile sweep: hostile_gen.py writes damaged variants of the corpus
.evtx files, hostile_evtx reads them in-process and checks each (see both).

    hostile.py HOSTILE_EVTX small|full CORPUS_DIR...   (77: no .evtx in the corpus)

small: a few hundred variants of the smallest files (CI, under ASan too);
full: tens of thousands, over every file (the 'slow' suite).
"""
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    harness, mode, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    with tempfile.TemporaryDirectory() as d:
        variants = os.path.join(d, "variants.txt")
        g = subprocess.run([sys.executable, os.path.join(HERE, "hostile_gen.py"), "--mode", mode, "--out", variants]
                           + [x for x in dirs if os.path.isdir(x)], capture_output=True, text=True)
        print(g.stdout.strip())
        if g.returncode == 77 or not os.path.exists(variants) or not os.path.getsize(variants):
            print("no .evtx in %s: skipped" % " ".join(dirs))
            return 77
        if g.returncode != 0:
            print(g.stderr)
            return 1
        return sweep(harness, variants, d)


def sweep(harness, variants, tmp):
    """Run the harness over the variants; after a hang (which ends it: exit 3, naming the variant), go on
    with the variants after that one, so that one hang does not hide the rest."""
    lines = open(variants).read().splitlines(True)
    hangs, status = [], 0
    while lines:
        part = os.path.join(tmp, "rest.txt")
        open(part, "w").writelines(lines)
        r = subprocess.run([harness, "--time-limit", "2", "--mem-limit", "16", part], stderr=subprocess.PIPE,
                           text=True)
        sys.stderr.write(r.stderr)
        m = re.search(r"HANG \(killed by the alarm\): (\S+)", r.stderr)
        if r.returncode != 3 or not m:
            status = r.returncode
            break
        hangs.append(m.group(1))
        names = [l.split(" ", 1)[0] for l in lines]
        lines = lines[names.index(m.group(1)) + 1:] if m.group(1) in names else []
        if len(hangs) >= 50:
            print("50 hangs: stopped")
            break
    for h in hangs:
        print("HANG: %s" % h)
    if hangs:
        print("%d variants hung (the counts above are of the variants after the last one)" % len(hangs))
    return 1 if hangs else status


if __name__ == "__main__":
    sys.exit(main())
