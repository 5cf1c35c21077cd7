#!/usr/bin/env python3
"""tests/evtx/compare finds what it is for: given a handleaudit whose reading
of the .evtx (not of evtxexport's XML on standard input) has one field
changed, one record dropped, or two records swapped, it exits 1 and names the
record_id and the field; given the real tool, it exits 0.

    test_compare.py HANDLEAUDIT COMPARE CORPUS_EVTX_DIR   (77: no corpus or no evtxexport)
"""
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile

# A stand-in for handleaudit: the real one, its --records output of a .evtx
# path altered as $HA_TAMPER says.
WRAPPER = r'''#!/usr/bin/env python3
import json, os, subprocess, sys
p = subprocess.run([os.environ["HA_REAL"]] + sys.argv[1:], stdout=subprocess.PIPE)
lines = p.stdout.decode().splitlines(True)
if sys.argv[-1] != "-" and len(lines) > 3:
    how = os.environ["HA_TAMPER"]
    rec = json.loads(lines[2])
    if how == "field":
        name = next(iter(rec["fields"]))
        rec["fields"][name] = "tampered"
        lines[2] = json.dumps(rec, separators=(",", ":")) + "\n"
    elif how == "time":
        rec["time"] = "1999-01-01T00:00:00.0000000Z"
        lines[2] = json.dumps(rec, separators=(",", ":")) + "\n"
    elif how == "drop":
        del lines[2]
    elif how == "swap":
        lines[1], lines[2] = lines[2], lines[1]
sys.stdout.write("".join(lines))
sys.exit(p.returncode)
'''


def main():
    tool, compare, corpus = sys.argv[1:4]
    path = os.path.join(corpus, "sysmon.evtx")
    if not os.path.exists(path):
        print("no %s: skipped" % path)
        return 77
    if not shutil.which("evtxexport"):
        print("no evtxexport: skipped")
        return 77
    recs = [json.loads(l) for l in subprocess.run([tool, "--records", path], capture_output=True).stdout.splitlines()]
    third = recs[2]
    failed = 0

    def check(label, handleaudit, want_rc, *want_text):
        nonlocal failed
        env = dict(os.environ, HA_REAL=tool, HA_TAMPER=label)
        c = subprocess.run([sys.executable, compare, "--handleaudit", handleaudit, path], capture_output=True,
                           text=True, env=env)
        missing = [t for t in want_text if t not in c.stdout]
        ok = c.returncode == want_rc and not missing and "compare: 1 files" in c.stdout
        print("%s: exit %d%s: %s" % (label, c.returncode, "" if ok else " (FAILED: want %d, and %s)"
                                     % (want_rc, missing), c.stdout.strip().splitlines()[0]))
        failed += not ok

    with tempfile.TemporaryDirectory() as d:
        wrapper = os.path.join(d, "handleaudit")
        with open(wrapper, "w") as f:
            f.write(WRAPPER)
        os.chmod(wrapper, os.stat(wrapper).st_mode | stat.S_IXUSR)
        check("real", tool, 0, ": equal")
        first_field = next(iter(third["fields"]))
        check("field", wrapper, 1, "record_id %d" % third["record_id"], "fields.%s" % first_field, '"tampered"')
        check("time", wrapper, 1, "record_id %d" % third["record_id"], ": time: ")
        check("drop", wrapper, 1, "not read natively (first: record_id %d)" % third["record_id"])
        check("swap", wrapper, 1, "comes before")
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
