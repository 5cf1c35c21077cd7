#!/usr/bin/env python3
"""Hostile input: a YAML rules file that aliases one 64 KB anchored string
20,000 times in 50 rules (148 KB on disk, about 590 GB once expanded). It
must be refused in under a second, in under 64 MB, with "alias expansion
over budget" and the position; a file that uses aliases within reason
still loads.

    test_alias_bomb.py HANDLEAUDIT SAMPLE.xml
"""
import os, resource, subprocess, sys, tempfile, time


def bomb():
    big = "A" * 65536
    lines = ["defaults: false", "rules:"]
    lines.append("  - {id: r0, kind: object-watched, objects: [&x '%s']}" % big)
    per = 20000 // 50
    for r in range(1, 51):
        lines.append("  - id: r%d" % r)
        lines.append("    kind: object-watched")
        lines.append("    objects: [%s]" % ", ".join(["*x"] * per))
    return "\n".join(lines) + "\n"


def run(tool, rules, sample):
    t0 = time.monotonic()
    p = subprocess.run([tool, "--rules=" + rules, "--alerts-only", sample], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr, time.monotonic() - t0


def main():
    tool, sample = sys.argv[1:3]
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bomb.yaml")
        open(path, "w").write(bomb())
        rc, out, err, secs = run(tool, path, sample)
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the first child: this one
        if "reads no rules files" in err:
            print("no libyaml in this build: skipped")
            return 77
        print("alias bomb (%d bytes): exit %d in %.2f s, peak %.0f MB: %s"
              % (os.path.getsize(path), rc, secs, peak_mb, err.strip()[:300]))
        if rc != 2 or "alias expansion over budget" not in err or not err.startswith(path + ":") or out:
            failed += 1
        if secs >= 1.0 or peak_mb >= 64:
            failed += 1
        # aliases within reason: one list of processes shared by two rules
        ok = os.path.join(d, "ok.yaml")
        open(ok, "w").write("rules:\n"
                            "  - {id: a, kind: object-watched, objects: &o ['*\\\\lsass.exe', '*\\\\SAM']}\n"
                            "  - {id: b, kind: process-name-not-expected, objects: *o, processes: ['*\\\\x.exe']}\n")
        rc, out, err, secs = run(tool, ok, sample)
        print("shared list through an alias: exit %d %s" % (rc, err.strip()[:200]))
        if rc != 0:
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
