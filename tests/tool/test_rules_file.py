#!/usr/bin/env python3
"""`handleaudit --rules FILE`: examples/rules.yaml loads and gives the
alerts it describes on the shipped sample; `max-failures:` bounds what
access-after-failure remembers; mistakes in a rules file are reported with
the file, line and column, and exit 2.

    test_rules_file.py HANDLEAUDIT SAMPLE.xml RULES.yaml
"""
import collections, json, os, subprocess, sys, tempfile


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def open_attempt(record_id, second, ok, handle, obj):
    """A 4656 of process 0x10 on `obj`: granted (Audit Success) or denied."""
    return """<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>
<EventID>4656</EventID><Version>1</Version><Keywords>%s</Keywords>
<TimeCreated SystemTime="2024-03-14T09:41:%02d.0000000Z" /><EventRecordID>%d</EventRecordID>
<Computer>HOST</Computer></System><EventData>
<Data Name="SubjectLogonId">0x1</Data><Data Name="ObjectType">File</Data><Data Name="ObjectName">%s</Data>
<Data Name="HandleId">%s</Data><Data Name="AccessMask">0x2</Data><Data Name="ProcessId">0x10</Data>
<Data Name="ProcessName">C:\\x.exe</Data></EventData></Event>
""" % ("0x8020000000000000" if ok else "0x8010000000000000", second, record_id, obj, handle)


def max_failures(tool, d):
    """Two denied opens, then both granted: both are alerted with room for
    the two failures, only the second when the file keeps one. 0 or 1."""
    log = os.path.join(d, "retries.xml")
    open(log, "w").write("<Events>" + open_attempt(1, 0, False, "0x0", "C:\\a.txt")
                         + open_attempt(2, 1, False, "0x0", "C:\\b.txt")
                         + open_attempt(3, 2, True, "0x44", "C:\\a.txt")
                         + open_attempt(4, 3, True, "0x48", "C:\\b.txt") + "</Events>")
    failed = 0
    for limit, want in (("", [3, 4]), ("max-failures: 2\n", [3, 4]), ("max-failures: 1\n", [4])):
        path = os.path.join(d, "limit.yaml")
        open(path, "w").write("defaults: true\n" + limit)
        p = run(tool, "--rules=" + path, "--alerts-only", log)
        got = [json.loads(l)["record_id"] for l in p.stdout.splitlines()
               if json.loads(l)["rule"] == "access-after-failure"]
        if p.returncode != 0 or got != want:
            print("%r: access-after-failure on records %s, expected %s %s" % (limit, got, want, p.stderr))
            failed += 1
    return failed


def main():
    tool, sample, rules = sys.argv[1:4]
    failed = 0
    p = run(tool, "--rules=" + rules, "--alerts-only", sample)
    if "reads no rules files" in p.stderr:
        print("no libyaml in this build: skipped")
        return 77
    alerts = [json.loads(l) for l in p.stdout.splitlines()]
    got = collections.Counter(a["rule"] for a in alerts)
    want = {
        "lsass-unexpected-opener": 1,     # mimikatz.exe opened lsass.exe
        "lsass-memory-read": 1,           # ... for PROCESS_VM_READ (a default rule)
        "long-handles": 1,                # the duplicate of plan.txt, held 126 s (22.6 s, 4.1 s, 0.1 s are under)
        "process-in-restricted-folder": 2,        # mimikatz's 4688 and its sequence
        "process-name-restricted-substring": 2,
        "outside-standard-folders": 2,    # the file's folders replace the defaults: mimikatz only
        "process-not-in-standard-folder": 2,      # the default rule, kept by `defaults: true`
    }
    if p.returncode != 0 or dict(got) != want:
        print("alerts:", dict(got), "expected:", want, p.stderr)
        failed += 1
    lsass = [a for a in alerts if a["rule"] == "lsass-unexpected-opener"]
    if lsass and lsass[0]["process_name"] != "C:\\Users\\alice\\AppData\\Local\\Temp\\mimikatz.exe":
        failed += 1
    bad_files = {
        "rules: [{id: a, kind: nonsense}]\n": ":1:23: unknown kind: nonsense",
        "rules:\n  - id: a\n    kind: object-watched\n    access: [WRITE_SOMETHING]\n": ":4:14: unknown access right",
        "rules:\n  - {id: a, kind: account-watched}\n  - {id: a, kind: account-watched}\n": ":3:5: the rule id is used twice",
        "rules:\n  - id: a\n    kind: handle-held-longer-than\n    duration: soon\n": ":4:15: a duration is",
        "rules:\n  - id: a\n    kind: account-watched\n    folders: [x]\n": ":4:15: this kind of rule has no: folders",
        "rules: [unclosed\n": ":2:1: ",
        "other: 1\n": ":1:1: expected `defaults:`, `max-failures:` or a `rules:` list",
        "max-failures: 0\n": ":1:15: max-failures is a whole number from 1: 0",
        "max-failures: lots\nrules: []\n": ":1:15: max-failures is a whole number from 1: lots",
    }
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "r.yaml")
        for text, message in bad_files.items():
            open(path, "w").write(text)
            p = run(tool, "--rules=" + path, sample)
            ok = p.returncode == 2 and (path + message) in p.stderr and not p.stdout
            print("%-70r -> %s" % (text[:60], p.stderr.strip() if ok else "NOT AS EXPECTED: %r" % p.stderr))
            failed += not ok
        p = run(tool, "--alerts", "--format=csv", sample)
        failed += p.returncode != 2
        failed += max_failures(tool, d)
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
