#!/usr/bin/env python3
"""The tool against py_correlate.py on real logs.

For every XML conversion in the corpus (NAME.evtxexport.txt and
NAME.pyevtx.xml; the .evtx files are binary and left out): the tool exits 0,
and its sequences and py_correlate.py's agree under check.py ("0 failed").
So that the test cannot pass on an empty corpus, at least one file must give
more than 10 sequences. Every sequence has its first_time and last_time, in
order. And what the analyst must see in two of the logs:
failed-sethc-replacement's 19 denied 4656s are 19 "request" lines (failure),
and mimikatz-lsass-open-access-close's --stats lists the LSASS handle the
tool still held at the end as still open.

    test_corpus.py HANDLEAUDIT PY_CORRELATE_PY CHECK_PY CORPUS_DIR

Exit 77 (skipped) without the corpus or the shared tools.
"""
import json, os, subprocess, sys, tempfile

MIN_SEQUENCES = 10


def corpus_files(corpus):
    return sorted(os.path.join(corpus, n) for n in os.listdir(corpus)
                  if n.endswith((".txt", ".xml")))


def count_sequences(path):
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip() and json.loads(line).get("type", "sequence") == "sequence":
                n += 1
    return n


def check_times(path):
    """Problems with first_time/last_time in a JSON Lines output."""
    bad = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            if o["type"] != "sequence":
                continue
            if not o.get("first_time") or not o.get("last_time") or o["last_time"] < o["first_time"]:
                bad.append("first_time %r, last_time %r" % (o.get("first_time"), o.get("last_time")))
            elif o["opened"] and o["first_time"] != o["open_time"]:
                bad.append("first_time %r is not open_time %r" % (o["first_time"], o["open_time"]))
            elif o["end"] in ("close", "process_exit") and o["last_time"] != o["end_time"]:
                bad.append("last_time %r is not end_time %r" % (o["last_time"], o["end_time"]))
    return bad[:5]


def check_named(tool, corpus, name, actual):
    """What two logs must show; [] when `name` is neither."""
    problems = []
    if name.startswith("failed-sethc-replacement."):
        with open(actual, encoding="utf-8") as f:
            reqs = [o for o in map(json.loads, f) if o["type"] == "request"]
        if len(reqs) != 19 or any(o["outcome"] != "failure" or not o["object_name"].endswith("sethc.exe")
                                  for o in reqs):
            problems.append("expected 19 failed requests on sethc.exe, got %d" % len(reqs))
    if name.startswith("mimikatz-lsass-open-access-close."):
        p = subprocess.run([tool, "--stats", os.path.join(corpus, name)], capture_output=True, text=True)
        top = p.stderr[p.stderr.find("longest-open handles"):]
        if not any("handle 0x274" in l and "lsass.exe" in l and "(still open)" in l for l in top.splitlines()):
            problems.append("--stats does not list the LSASS handle as still open:\n" + top)
    return problems


def main():
    if len(sys.argv) != 5:
        print(__doc__)
        return 2
    tool, py_correlate, check, corpus = sys.argv[1:]
    for path in (py_correlate, check):
        if not os.path.isfile(path):
            print("skipped: %s not found" % path)
            return 77
    if not os.path.isdir(corpus) or not corpus_files(corpus):
        print("skipped: no corpus in %s" % corpus)
        return 77

    failed, most = 0, (0, "")
    with tempfile.TemporaryDirectory(prefix="handleaudit-corpus-") as tmp:
        for path in corpus_files(corpus):
            name = os.path.basename(path)
            expected, actual = os.path.join(tmp, name + ".py.jsonl"), os.path.join(tmp, name + ".tool.jsonl")
            problems = []
            with open(actual, "wb") as out:
                p = subprocess.run([tool, path], stdout=out, stderr=subprocess.PIPE)
            if p.returncode != 0:
                problems.append("handleaudit exited %d: %s" % (
                    p.returncode, p.stderr.decode("utf-8", "replace")[:2000].rstrip()))
            with open(expected, "wb") as out:
                q = subprocess.run([sys.executable, py_correlate, path], stdout=out, stderr=subprocess.PIPE)
            if q.returncode != 0:
                problems.append("py_correlate.py exited %d: %s" % (
                    q.returncode, q.stderr.decode("utf-8", "replace")[-2000:].rstrip()))
            k = subprocess.run([sys.executable, check, expected, actual], capture_output=True, text=True)
            lines = k.stdout.strip().splitlines()
            verdict = lines[-1] if lines else "(check.py printed nothing: %s)" % k.stderr.strip()
            if k.returncode != 0 or not verdict.endswith(" 0 failed"):
                problems += lines[:-1] or [k.stderr.strip()]
            if p.returncode == 0:
                problems += check_times(actual) + check_named(tool, corpus, name, actual)
            n = count_sequences(actual) if p.returncode == 0 else 0
            most = max(most, (n, name))
            failed += bool(problems)
            print("%s%-50s %s (%d sequences)" % ("FAILED: " if problems else "", name, verdict, n))
            for l in problems:
                print("  " + l)
    if most[0] <= MIN_SEQUENCES:
        failed += 1
        print("FAILED: no corpus file gives more than %d sequences (most: %d): the test proves nothing"
              % (MIN_SEQUENCES, most[0]))
    else:
        print("most sequences: %d in %s" % most)
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
