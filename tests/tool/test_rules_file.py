#!/usr/bin/env python3
"""`handleaudit --rules FILE`: examples/rules.yaml loads and gives the
alerts it describes on the shipped sample; mistakes in a rules file are
reported with the file, line and column, and exit 2.

    test_rules_file.py HANDLEAUDIT SAMPLE.xml RULES.yaml
"""
import collections, json, os, subprocess, sys, tempfile


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


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
        "other: 1\n": ":1:1: expected `defaults:` or a `rules:` list",
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
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
