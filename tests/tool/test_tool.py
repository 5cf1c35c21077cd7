#!/usr/bin/env python3
"""The handleaudit command line as a user meets it: modes, exit status,
messages and standard input.

    test_tool.py HANDLEAUDIT SAMPLE.xml
"""
import json, os, re, subprocess, sys, tempfile

FAILED = 0


def check(cond, what):
    global FAILED
    if not cond:
        FAILED += 1
        print("FAILED:", what)


def run(tool, *args, stdin=None):
    return subprocess.run([tool, *args], input=stdin, capture_output=True)


def main():
    tool, sample = sys.argv[1], sys.argv[2]

    p = run(tool, "--help")
    check(p.returncode == 0 and b"Usage: handleaudit" in p.stdout, "--help")
    for opt in (b"--records", b"--help", b"--version"):
        check(opt in p.stdout, "--help mentions %s" % opt.decode())
    p = run(tool, "--version")
    check(p.returncode == 0 and re.match(rb"handleaudit \d+\.\d+\.\d+\n", p.stdout), "--version")
    p = run(tool, "--no-such-option")
    check(p.returncode == 2 and b"--help" in p.stderr, "an unknown option is a usage error")

    # --records: one JSON object per event with the documented keys
    p = run(tool, "--records", sample)
    check(p.returncode == 0 and p.stderr == b"", "sample reads cleanly")
    lines = p.stdout.decode().splitlines()
    check(len(lines) == 17, "17 records in the sample, got %d" % len(lines))
    recs = [json.loads(l) for l in lines]
    keys = ["type", "event_id", "version", "record_id", "computer", "time", "success", "fields"]
    check(all(list(r) == keys for r in recs), "record keys are %s" % keys)
    check(all(r["type"] == "record" for r in recs), "type is record")
    check(recs[1]["fields"]["HandleId"] == 0x3b4 and recs[1]["fields"]["ObjectName"] == r"C:\Users\alice\Documents\plan.txt",
          "typed fields of a 4656")
    check(recs[6]["success"] is False and recs[6]["fields"]["HandleId"] == 0, "a failure audit")
    check(recs[0]["time"] == "2024-03-14T09:41:07.5532109Z", "time in the 7-digit UTC form")

    # standard input, as - or as no file at all
    data = open(sample, "rb").read()
    a = run(tool, "--records", "-", stdin=data)
    b = run(tool, "--records", stdin=data)
    check(a.returncode == 0 and a.stdout == p.stdout and b.stdout == p.stdout, "standard input reads the same")

    # a malformed event among good ones: reported with its position, exit 1
    bad = data.replace(b"<EventID>4663</EventID>", b"<EventID>4663</EventId>", 1)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bad.xml")
        open(path, "wb").write(bad)
        p = run(tool, "--records", path)
        check(p.returncode == 1, "exit 1 when an event was skipped (got %d)" % p.returncode)
        check(len(p.stdout.splitlines()) == 16, "the 16 good events still come out")
        err = p.stderr.decode()
        m = re.match(r"(.*):(\d+):(\d+): error: mismatched tag \[byte (\d+)\]\n$", err)
        check(m is not None and m.group(1) == path, "error message names file, line and column: %r" % err)
        if m:
            offset = int(m.group(4))
            line = bad[:offset].count(b"\n") + 1
            col = offset - (bad.rfind(b"\n", 0, offset) + 1) + 1
            check((int(m.group(2)), int(m.group(3))) == (line, col), "line and column agree with the offset")
            check(bad[offset:offset + 7] == b"EventId", "the offset points at the mismatched tag")

        # a missing file is an I/O error (exit 2); the other files are still read
        p = run(tool, "--records", os.path.join(d, "missing.xml"), sample)
        check(p.returncode == 2, "exit 2 for a missing file")
        check(b"cannot open" in p.stderr and b"missing.xml" in p.stderr, "the message says which file")
        check(len(p.stdout.splitlines()) == 17, "the other file is still read")

    print("%d failed" % FAILED)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
