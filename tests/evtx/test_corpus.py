#!/usr/bin/env python3
"""Every .evtx of ../shared/corpus and ../shared/corpus/evtx, read by the tool:

- `tests/evtx/compare` finds it equal to libevtx's rendering, record by
  record (where evtxexport renders it);
- `handleaudit --records --threads 2 FILE` and `handleaudit --threads 2 FILE`
  print exactly what one thread prints, and so does the file given on
  standard input (`handleaudit --records - < FILE`), with the same exit
  status.

    test_corpus.py HANDLEAUDIT COMPARE CORPUS_DIR...   (77: no corpus or no evtxexport)
"""
import glob
import os
import shutil
import subprocess
import sys


def run(argv, stdin=None):
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as f:
        p = subprocess.run(argv, stdin=f, capture_output=True)
    return p.returncode, p.stdout


def main():
    tool, compare, dirs = sys.argv[1], sys.argv[2], sys.argv[3:]
    files = sorted(f for d in dirs for f in glob.glob(os.path.join(d, "*.evtx")))
    if not files:
        print("no .evtx in %s: skipped" % " ".join(dirs))
        return 77
    if not shutil.which("evtxexport"):
        print("no evtxexport (libevtx-utils): skipped")
        return 77
    failed = 0
    known = os.path.join(os.path.dirname(os.path.abspath(__file__)), "known-differences.txt")
    c = subprocess.run([sys.executable, compare, "--handleaudit", tool, "--known", known] + files,
                       capture_output=True, text=True)
    print(c.stdout, end="")
    if c.returncode != 0:
        print("compare exited %d: %s" % (c.returncode, c.stderr.strip()[-500:]))
        failed += 1
    for f in files:
        name = os.path.basename(f)
        before = failed
        for mode in (["--records"], []):
            one = run([tool] + mode + [f])
            for label, got in (("--threads 2", run([tool, "--threads", "2"] + mode + [f])),
                               ("standard input", run([tool] + mode + ["-"], stdin=f))):
                if got != one:
                    print("%s: %s %s: exit %d, %d bytes of output; one thread, by path: exit %d, %d bytes%s"
                          % (name, " ".join(mode) or "(sequences)", label, got[0], len(got[1]), one[0],
                             len(one[1]), "" if got[0] != one[0] or len(got[1]) != len(one[1])
                             else " (same size, other bytes)"))
                    failed += 1
        print("%s: --threads 2 and standard input: %s" % (name, "the same as one thread by path"
                                                           if failed == before else "DIFFERENT"))
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
