#!/usr/bin/env python3
"""The hostile sweep: hostile_gen.py writes damaged variants of the corpus
.evtx files, hostile_evtx reads them in-process and checks each (see both).

    hostile.py HOSTILE_EVTX small|full CORPUS_DIR...   (77: no .evtx in the corpus)

small: a few hundred variants of the smallest files (CI, under ASan too);
full: tens of thousands, over every file (the 'slow' suite).
"""
import os
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
        return subprocess.run([harness, "--time-limit", "2", "--mem-limit", "16", variants]).returncode


if __name__ == "__main__":
    sys.exit(main())
