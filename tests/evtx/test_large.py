#!/usr/bin/env python3
"""A .evtx of 5 GiB (80,000+ chunks: the 16-bit chunk count in its header
wraps) built by ../shared/tools/evtx_grow.py from the corpus chunks: every
record is read (as many as evtx_grow.py printed), without an error, and the
reader's peak resident size stays within --rss-margin MB (default 8) of what
a 50 MB file of the same chunks needs.

    test_large.py EVTX_COUNT EVTX_GROW.py CORPUS_DIR... [--size 5G] [--rss-margin MB] [--keep DIR]

The files are written to a temporary directory (or DIR, and kept there) and
need 5 GB of disk. Exits 77 without the corpus or the script.
"""
import argparse
import glob
import os
import re
import subprocess
import sys
import tempfile

SKIP = ("capi2-damaged-record", "bad-chunk-magic", "zero-data-size-event")


def grow(script, size, out, sources):
    p = subprocess.run([sys.executable, script, "--size", size, "--out", out] + sources, capture_output=True,
                       text=True, check=True)
    m = re.match(r"(\d+) chunks, (\d+) records, (\d+) bytes", p.stdout)
    return int(m.group(1)), int(m.group(2))


def read(count_exe, path):
    p = subprocess.run([count_exe, path], capture_output=True, text=True)
    kv = dict(x.split("=", 1) for x in p.stdout.split()[1:])
    return p.returncode, {k: int(v) for k, v in kv.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("count_exe")
    ap.add_argument("grow")
    ap.add_argument("corpus", nargs="+")
    ap.add_argument("--size", default="5G")
    ap.add_argument("--small", default="50M")
    ap.add_argument("--rss-margin", type=float, default=8.0)
    ap.add_argument("--keep", default=None)
    a = ap.parse_args()
    # every corpus file but those with damage inside their chunks: capi2-damaged-record's record would be
    # an error in every copy of its chunk; and evtx_grow.py walks a chunk's records only up to the first
    # it cannot step over (bad-chunk-magic's zeroed gaps, zero-data-size-event's record of size 0), so it
    # neither counts nor renumbers those after it, which a reader that resynchronises reads
    sources = sorted(f for d in a.corpus for f in glob.glob(os.path.join(d, "*.evtx"))
                     if os.path.basename(f)[:-5] not in SKIP)
    if not sources or not os.path.exists(a.grow):
        print("no corpus or no %s: skipped" % a.grow)
        return 77
    failed = 0
    with tempfile.TemporaryDirectory(dir=a.keep) as d:
        where = a.keep or d
        sizes = {}
        for label, size in (("small", a.small), ("large", a.size)):
            path = os.path.join(where, "grown-%s.evtx" % size)
            chunks, records = grow(a.grow, size, path, sources)
            rc, got = read(a.count_exe, path)
            print("%s (%s): evtx_grow.py wrote %d chunks, %d records; read: %d records, %d errors, %d warnings, "
                  "peak RSS %.1f MB, rc %d" % (os.path.basename(path), size, chunks, records, got.get("records", -1),
                                               got.get("errors", -1), got.get("warnings", -1),
                                               got.get("maxrss_kb", 0) / 1024, rc))
            if rc != 0 or got.get("records") != records or got.get("errors") != 0:
                print("  FAILED: every record should be read, without an error")
                failed += 1
            if label == "large" and chunks <= 65535:
                print("  FAILED: %d chunks; the test wants more than 65,535 (the header's count wraps)" % chunks)
                failed += 1
            sizes[label] = got.get("maxrss_kb", 0) / 1024
            if not a.keep:
                os.remove(path)
        growth = sizes["large"] - sizes["small"]
        print("peak RSS: %s %.1f MB, %s %.1f MB: %+.1f MB (allowed +%.1f MB)"
              % (a.size, sizes["large"], a.small, sizes["small"], growth, a.rss_margin))
        if growth > a.rss_margin:
            failed += 1
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
