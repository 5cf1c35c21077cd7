#!/usr/bin/env python3
"""`handleaudit --alerts` on gen.py streams: the alerts, rule by rule,
equal counts computed here independently from gen.py's truth (the
sequences) and from the events themselves (4688 and 4656 records):

- every sequence and 4688 of a process that runs from a user's temp folder
  is flagged by process-in-restricted-folder, every one whose name contains
  mimikatz by process-name-restricted-substring;
- process-not-in-standard-folder flags exactly those outside the Windows
  folder, System32, SysWOW64 and the Program Files folders;
- nothing from C:\\Windows\\System32 or C:\\Program Files is flagged;
- access-after-failure counts every successful 4656 that follows a failed
  one for the same computer, process and object within 60 s.

    test_alerts.py HANDLEAUDIT GEN.py          (77 without gen.py)
"""
import collections, json, os, re, subprocess, sys, tempfile

WINDOW_NS = 60 * 10**9


def folder(path):
    return path[:path.rfind("\\") + 1].lower() if "\\" in path else None


def standard(path):
    d = folder(path)
    return d is not None and (d == "c:\\windows\\" or d.startswith("c:\\windows\\system32\\") or
                              d.startswith("c:\\windows\\syswow64\\") or d.startswith("c:\\program files\\") or
                              d.startswith("c:\\program files (x86)\\"))


def expected_for_image(image):
    """The process rules an image should trigger."""
    out = []
    if image is None or "\\" not in image:
        return out
    if not standard(image):
        out.append("process-not-in-standard-folder")
    if "\\appdata\\local\\temp\\" in folder(image):
        out.append("process-in-restricted-folder")
    if "mimikatz" in image[image.rfind("\\") + 1:].lower():
        out.append("process-name-restricted-substring")
    return out


EVENT = re.compile(r"<Event .*?</Event>", re.S)


def field(ev, name):
    m = re.search(r"<Data Name='%s'>(.*?)</Data>" % name, ev, re.S)
    return m.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") if m else None


def ticks(ev):
    m = re.search(r"SystemTime='(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{7})Z'", ev)
    import calendar
    y, mo, d, h, mi, s, f = (int(x) for x in m.groups())
    return (calendar.timegm((y, mo, d, h, mi, s)) * 10**7 + f) * 100


def expected(xml, truth):
    want = collections.Counter()
    for line in open(truth, encoding="utf-8"):
        seq = json.loads(line)
        for rule in expected_for_image(seq["process_name"]):
            want[(rule, "sequence")] += 1
    failures = {}
    for ev in EVENT.findall(open(xml, encoding="utf-8").read()):
        eid = int(re.search(r"<EventID>(\d+)</EventID>", ev).group(1))
        if eid == 4688:
            for rule in expected_for_image(field(ev, "NewProcessName")):
                want[(rule, "record")] += 1
        elif eid == 4656:
            host = re.search(r"<Computer>(.*?)</Computer>", ev).group(1)
            key = (host, int(field(ev, "ProcessId"), 16), field(ev, "ObjectName"))
            failed = "0x8010000000000000" in ev or int(field(ev, "HandleId"), 16) == 0
            if failed:
                failures[key] = ticks(ev)
            elif key in failures:
                if ticks(ev) - failures.pop(key) <= WINDOW_NS:
                    want[("access-after-failure", "record")] += 1
    return want


def main():
    tool, gen = sys.argv[1:3]
    if not os.path.exists(gen):
        print("no gen.py: skipped")
        return 77
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for seed, hosts, noise in ((1, 1, 0.0), (2, 6, 0.5), (3, 3, 0.2)):
            xml, truth = os.path.join(d, "s.xml"), os.path.join(d, "t.jsonl")
            subprocess.run([sys.executable, gen, "--events", "30000", "--seed", str(seed), "--hosts", str(hosts),
                            "--noise", str(noise), "--out", xml, "--truth", truth], check=True)
            p = subprocess.run([tool, "--alerts-only", xml], capture_output=True, check=True)
            got = collections.Counter()
            bad = 0
            for line in p.stdout.decode().splitlines():
                a = json.loads(line)
                got[(a["rule"], a["matched"])] += 1
                image = a.get("process_name") or (a.get("fields") or {}).get("NewProcessName") or ""
                if a["rule"].startswith("process") and re.match(r"(?i)c:\\(windows\\system32|program files)\\", image):
                    bad += 1
            want = expected(xml, truth)
            ok = got == want and not bad and sum(want.values()) > 0
            print("seed %d: %s" % (seed, "same" if ok else "DIFFERENT"))
            for k in sorted(set(got) | set(want)):
                print("  %-36s %-8s got %6d, expected %6d" % (k[0], k[1], got[k], want[k]))
            if bad:
                print("  %d alerts about System32 or Program Files processes" % bad)
            failed += not ok
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
