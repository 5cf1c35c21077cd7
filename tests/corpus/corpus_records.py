#!/usr/bin/env python3
"""The corpus read with `handleaudit --records`.

For every XML file in ../shared/corpus: the records per EventID equal the
counts in its MANIFEST.md, nothing is reported as an error, and the two
conversions of the same .evtx (evtxexport and python-evtx) give the same
records except for what python-evtx drops: digits past the microsecond
(and it rounds them oddly: within 10 us), in TimeCreated and in time-valued
fields alike, the case of GUIDs, and control
characters (which evtxexport writes raw and we keep as U+FFFD).

    corpus_records.py HANDLEAUDIT CORPUS_DIR      (exit 77 without a corpus)
"""
import collections, datetime, json, os, re, subprocess, sys


def manifest(corpus):
    counts, name = {}, None
    with open(os.path.join(corpus, "MANIFEST.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"## (\S+)", line)
            if m:
                name = m.group(1)
                counts[name] = collections.Counter()
            m = re.match(r"- (handle family|other EventIDs): (.*)", line)
            if m and name and m.group(2).strip() != "none":
                for part in m.group(2).split(","):
                    eid, n = part.split(":")
                    counts[name][int(eid)] = int(n)
            m = re.match(r"- events: (\d+)", line)
            if m and name:
                counts[name]["total"] = int(m.group(1))
    return counts


def records(tool, path):
    p = subprocess.run([tool, "--records", path], capture_output=True, text=True)
    errors = [l for l in p.stderr.splitlines() if ": error:" in l]
    return p.returncode, errors, [json.loads(l) for l in p.stdout.splitlines()]


GUID = re.compile(r"^\{[0-9A-Fa-f-]{36}\}$")


TIME = re.compile(r"^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:\.(\d+))?Z?$")


def as_ns(t):
    m = TIME.match(t)
    if not m:
        return None
    d = datetime.datetime.strptime(m.group(1) + "T" + m.group(2), "%Y-%m-%dT%H:%M:%S")
    frac = ((m.group(3) or "") + "000000000")[:9]
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp()) * 10**9 + int(frac)


def same_value(a, b):
    if isinstance(a, str) and isinstance(b, str):
        if GUID.match(a) and GUID.match(b):
            return a.lower() == b.lower()
        ta, tb = as_ns(a), as_ns(b)
        if ta is not None and tb is not None:  # a FILETIME field: microseconds, oddly rounded
            return abs(ta - tb) <= 10000
        # evtxexport keeps a control character (as U+FFFD); python-evtx drops it
        return a.replace("\ufffd", "") == b
    return a == b


def compare(name, ex, py):
    bad = 0
    if len(ex) != len(py):
        print("%s: %d records from evtxexport, %d from python-evtx" % (name, len(ex), len(py)))
        return 1
    for a, b in zip(ex, py):
        for k in a:
            if k == "time":
                if abs(as_ns(a["time"]) - as_ns(b["time"])) > 10000:
                    print("%s record %s: time %s vs %s" % (name, a["record_id"], a["time"], b["time"]))
                    bad += 1
            elif k == "fields":
                if list(a["fields"]) != list(b["fields"]):
                    print("%s record %s: field names differ" % (name, a["record_id"]))
                    bad += 1
                    continue
                for f in a["fields"]:
                    if not same_value(a["fields"][f], b["fields"][f]):
                        print("%s record %s: %s = %r vs %r" % (name, a["record_id"], f, a["fields"][f], b["fields"][f]))
                        bad += 1
            elif a[k] != b[k]:
                print("%s record %s: %s = %r vs %r" % (name, a["record_id"], k, a[k], b[k]))
                bad += 1
    return bad


def main():
    tool, corpus = sys.argv[1], sys.argv[2]
    if not os.path.isfile(os.path.join(corpus, "MANIFEST.md")):
        print("no corpus at %s: skipped" % corpus)
        return 77
    want = manifest(corpus)
    failed = 0
    for name in sorted(want):
        outputs = {}
        for suffix in (".evtxexport.txt", ".pyevtx.xml"):
            path = os.path.join(corpus, name + suffix)
            if not os.path.exists(path):
                continue
            rc, errors, recs = records(tool, path)
            got = collections.Counter(r["event_id"] for r in recs)
            got["total"] = len(recs)
            if rc != 0 or errors:
                print("%s%s: exit %d, %s" % (name, suffix, rc, errors[:3]))
                failed += 1
            if got != want[name]:
                print("%s%s: counts %s, manifest %s" % (name, suffix, dict(got), dict(want[name])))
                failed += 1
            outputs[suffix] = recs
        if len(outputs) == 2:
            failed += compare(name, outputs[".evtxexport.txt"], outputs[".pyevtx.xml"])
        print("%s: %d events checked" % (name, want[name]["total"]))
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
