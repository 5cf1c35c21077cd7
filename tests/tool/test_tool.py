#!/usr/bin/env python3
"""The handleaudit command line as a user meets it: modes, exit status,
messages and standard input.

    test_tool.py HANDLEAUDIT SAMPLE.xml TOOL_SOURCE.c
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


def long_options(source):
    """Every long option the tool accepts, from its getopt table."""
    text = open(source, encoding="utf-8").read()
    table = text[text.index("longopts[] = {"):]
    table = table[:table.index("};")]
    opts = re.findall(r'\{"([a-z-]+)",', table)
    check(len(opts) >= 6, "found the option table")
    return opts


def lines(out):
    return [json.loads(l) for l in out.decode().splitlines()]


def sequences(out):
    return [x for x in lines(out) if x["type"] == "sequence"]


def test_sequences(tool, sample):
    p = run(tool, sample)
    check(p.returncode == 0 and p.stderr == b"", "sequences read cleanly")
    seqs = sequences(p.stdout)
    check(len(seqs) == 4, "4 sequences in the sample, got %d" % len(seqs))
    contract = ["type", "computer", "process_id", "handle_id", "logon_id", "opened", "end", "open_time",
                "end_time", "duration_ns", "accesses", "access_mask", "object_type", "object_name",
                "process_name", "process_command_line", "deleted", "first_time", "last_time"]
    check(all(list(x)[:len(contract)] == contract for x in seqs), "the contract's keys come first, in order")
    # first and last event times, also where the open or the close is unknown
    check(all(x["first_time"] == x["open_time"] for x in seqs), "first_time is the open's time when opened")
    check([x["last_time"] for x in seqs] == [x["end_time"] for x in seqs],
          "last_time is the close's or exit's time: %s" % [x["last_time"] for x in seqs])
    # the failed 4656 (notepad denied payroll.xlsx) is a request line, in input order
    out = lines(p.stdout)
    reqs = [x for x in out if x["type"] == "request"]
    check(len(reqs) == 1 and [x["type"] for x in out].index("request") == 1,
          "one request line, after the first sequence: %s" % [x["type"] for x in out])
    req = reqs[0] if reqs else {}
    request_keys = ["type", "computer", "process_id", "handle_id", "logon_id", "time", "outcome",
                    "requested_access", "object_type", "object_name", "process_name", "process_command_line",
                    "subject_user_sid", "subject_user_name", "subject_domain_name"]
    check(list(req)[:len(request_keys)] == request_keys, "a request's keys: %s" % list(req))
    check(req.get("outcome") == "failure" and req.get("object_name") == "C:\\Finance\\payroll.xlsx"
          and req.get("handle_id") == 0 and req.get("process_id") == 12172
          and req.get("time") == "2024-03-14T09:41:40.1189043Z"
          and str(req.get("process_command_line")).startswith('"C:\\Windows\\System32\\notepad.exe"'),
          "the request's fields: %s" % req)
    # access names of the accumulated mask, for the object's type
    lsass = seqs[2]
    check(lsass["access_names"] == ["Read from process memory", "Query process information"],
          "the lsass handle's access names: %s" % lsass["access_names"])
    check(seqs[0]["access_names"] == ["ReadData (or ListDirectory)", "WriteData (or AddFile)"],
          "a file's access names: %s" % seqs[0]["access_names"])
    ends = [x["end"] for x in seqs]
    check(ends == ["close", "close", "close", "process_exit"], "in the order they end: %s" % ends)
    dup = seqs[3]
    check(dup["duplicated_from"] == {"process_id": 0x2f8c, "handle_id": 0x3b4} and dup["handle_id"] == 0x41c,
          "the duplicated handle, ended by its process's exit")
    lsass = seqs[2]
    check(lsass["accesses"] == 2 and lsass["access_mask"] == 0x410 and lsass["duration_ns"] == 117000900,
          "accesses, mask and duration of the lsass handle")

    # CSV: the same columns, a header row, RFC 4180 quoting
    import csv, io
    p = run(tool, "--format=csv", sample)
    check(p.returncode == 0, "--format=csv")
    rows = list(csv.reader(io.StringIO(p.stdout.decode(), newline="")))
    header, body = rows[0], rows[1:]
    check(header[:len(contract)] == contract, "CSV header starts with the contract's keys")
    check(len(body) == len(out), "one CSV row a sequence or a request")
    check(all(len(row) == len(header) for row in body), "every CSV row has every column")
    hexed = ("process_id", "handle_id", "logon_id", "access_mask", "requested_access")
    for row, js in zip(body, out):
        rec = dict(zip(header, row))
        keys = contract if js["type"] == "sequence" else [k for k in request_keys if k in header]
        for k in keys:
            v = js[k]
            want = "" if v is None else ("true" if v is True else "false" if v is False
                                         else "0x%x" % v if k in hexed else str(v))
            check(rec[k] == want, "CSV %s = %r, JSON %r" % (k, rec[k], v))
        names = js["access_names"]
        check(rec["access_names"] == "|".join(names), "CSV access_names %r, JSON %r" % (rec["access_names"], names))
        if js["type"] == "request":
            check(rec["time"] == js["time"] and rec["outcome"] == js["outcome"], "a request's CSV time and outcome")
    check(dict(zip(header, body[0])).get("handle_id") == "0x3b4", "CSV IDs in hex as Event Viewer shows them")
    p = run(tool, "--format=xml", sample)
    check(p.returncode == 2, "an unknown format is a usage error")
    check(b"jsonl, csv, ecs, ocsf or timesketch" in p.stderr, "the unknown format's message names the formats")
    p = run(tool, "--records", "--format=csv", sample)
    check(p.returncode == 2, "--format=csv does not go with --records")
    p = run(tool, "--records", "--format=ocsf", sample)
    check(p.returncode == 2 and b"--format=ocsf prints sequences" in p.stderr, "--format=ocsf does not go with --records")
    default = run(tool, sample).stdout
    for name in ("jsonl", "json"):
        check(run(tool, "--format=" + name, sample).stdout == default, "--format=%s is the default output" % name)
    check(run(tool, "--records", "--format=jsonl", sample).stdout == run(tool, "--records", sample).stdout,
          "--records --format=jsonl is --records")
    for name in ("csv", "ecs", "ocsf", "timesketch"):
        p = run(tool, "--alerts", "--format=" + name, sample)
        check(p.returncode == 2 and ("alerts are JSON lines; they do not go with --format=" + name).encode() in p.stderr,
              "alerts do not go with --format=" + name)
    for name in ("ecs", "ocsf", "timesketch"):
        p = run(tool, "--format=" + name, sample)
        got = lines(p.stdout)
        check(p.returncode == 0 and len(got) == len(out), "--format=%s: one line per sequence or request" % name)
    ecs = lines(run(tool, "--format=ecs", sample).stdout)
    check(ecs[0]["event"]["duration"] == out[0]["duration_ns"] and ecs[0]["host"]["name"] == out[0]["computer"],
          "--format=ecs: event.duration in ns, host.name")

    # --stats on standard error, at the end
    p = run(tool, "--stats", sample)
    err = p.stderr.decode()
    check(p.returncode == 0 and sequences(p.stdout) == seqs, "--stats leaves standard output alone")
    for part in ("events by EventID:", "sequences by end:", "processes with the most sequences:",
                 "longest-open handles"):
        check(part in err, "--stats prints %r" % part)
    check(re.search(r"^\s+4663\s+4$", err, re.M) is not None, "4 events 4663")
    check(re.search(r"^\s+close\s+3$", err, re.M) is not None, "3 closed")
    check(re.search(r"^requests that opened nothing:\n\s+failure\s+1\n\s+no_handle\s+0$", err, re.M) is not None,
          "--stats counts the request that opened nothing")
    check(re.search(r"^\s+3\s+WKS-07\S* pid 12172 C:\\Windows\\System32\\notepad.exe$", err, re.M) is not None,
          "notepad has the most sequences")
    longest = err[err.index("longest-open handles"):].splitlines()[1]
    check("125.901324600 s" in longest and "handle 0x41c" in longest, "the longest-open handle first: %r" % longest)

    # --max-open: the bound evicts the one idle longest
    p = run(tool, "--max-open=1", sample)
    ev = [x for x in sequences(p.stdout) if x["end"] == "evicted"]
    check(len(ev) == 2 and all(x["end_time"] is None and x["duration_ns"] is None for x in ev),
          "--max-open=1 evicts (got %d)" % len(ev))
    check(run(tool, "--max-open=0", sample).returncode == 2, "--max-open needs a positive number")


def test_progress(tool, sample):
    """On a terminal, a file of more than 4 MB shows a progress line (with
    --threads too), erased when the file is read."""
    if os.environ.get("HA_HOST_SYSTEM") == "windows":
        # Wine turns the pty into a console of its own, which redraws the
        # line with escape sequences of its own
        print("SKIP: the progress line (a pty under Wine is no Windows console)")
        return
    import pty
    with tempfile.TemporaryDirectory() as d:
        big = os.path.join(d, "big.xml")
        body = open(sample, "rb").read()
        with open(big, "wb") as f:
            while f.tell() < 160 << 20:  # long enough (> 0.25 s) for a line with two threads on a quiet machine
                f.write(body)
        for threads in ([], ["--threads=2"]):  # the reader's on_progress, one thread or two
            master, slave = pty.openpty()
            p = subprocess.Popen([tool] + threads + [big], stdout=subprocess.DEVNULL, stderr=slave)
            os.close(slave)
            seen = b""
            while True:
                try:
                    chunk = os.read(master, 4096)
                except OSError:
                    break
                if not chunk:
                    break
                seen += chunk
            p.wait()
            os.close(master)
            check(p.returncode == 0, "the big file reads cleanly %s" % threads)
            check(b"events/s" in seen and b"open handles" in seen and b"MB" in seen,
                  "a progress line on the terminal %s: %r" % (threads, seen[:200]))
            check(seen.endswith(b"\r\033[K"), "the progress line is erased at the end %s" % threads)
        q = run(tool, big)  # not a terminal: no progress
        check(q.stderr == b"", "no progress line when standard error is not a terminal")


def main():
    tool, sample, source = sys.argv[1], sys.argv[2], sys.argv[3]
    test_sequences(tool, sample)
    test_progress(tool, sample)

    p = run(tool, "--help")
    check(p.returncode == 0 and b"Usage: handleaudit" in p.stdout, "--help")
    man = open(os.path.join(os.path.dirname(os.path.dirname(source)), "docs", "handleaudit.1"), encoding="utf-8").read()
    for opt in long_options(source):
        check(("--" + opt).encode() in p.stdout, "--help documents --%s" % opt)
        check(("\\-\\-" + opt.replace("-", "\\-")) in man, "the man page documents --%s" % opt)
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
