#!/usr/bin/env python3
"""One object per handle, first and last times, and requests that open
nothing, on tests/data/handle-objects.xml (hand-written after the patterns of
real logs; see its events):

- a credential stealer reads four browser files through handle 0x50 with no
  4656 or 4658 audited: four sequences, one per file, each with its time;
- svchost reads two registry keys in turn through each of two handles: one
  sequence per key in turn, and a repeated key stays one sequence;
- SAM 4661s with HandleId 0 (granted, no handle) and denied are "request"
  lines (no_handle, failure), and a 4661 with a handle opens a sequence.

With ../shared present, py_correlate.py agrees (check.py).

    test_objects.py HANDLEAUDIT DATA.xml [PY_CORRELATE CHECK]
"""
import json, os, subprocess, sys, tempfile

FAILED = 0


def check(cond, what):
    global FAILED
    if not cond:
        FAILED += 1
        print("FAILED:", what)


def main():
    tool, data = sys.argv[1:3]
    p = subprocess.run([tool, data], capture_output=True)
    check(p.returncode == 0 and p.stderr == b"", "reads cleanly: %r" % p.stderr)
    out = [json.loads(l) for l in p.stdout.decode().splitlines()]
    seqs = [x for x in out if x["type"] == "sequence"]

    stolen = [x for x in seqs if x["handle_id"] == 0x50]
    names = [x["object_name"].rsplit("\\", 1)[-1] for x in stolen]
    check(names == ["Login Data", "key4.db", "logins.json", "Login Data"], "one sequence per stolen file: %s" % names)
    times = ["2024-05-02T14:07:11.4031207Z", "2024-05-02T14:07:11.4158830Z", "2024-05-02T14:07:11.4209914Z",
             "2024-05-02T14:07:11.4377052Z"]
    check([x["first_time"] for x in stolen] == times and [x["last_time"] for x in stolen] == times,
          "each with its own time: %s" % [(x["first_time"], x["last_time"]) for x in stolen])
    check([x["end"] for x in stolen] == ["handle_reused"] * 3 + ["end_of_input"], "the reuse ends each")
    check([x["end_time"] for x in stolen] == times[1:] + [None], "at the next file's time")
    check(all(not x["opened"] and x["open_time"] is None and x["accesses"] == 1 for x in stolen),
          "opened before the log, one access each")
    check(all(x["access_names"] == ["ReadData (or ListDirectory)"] for x in stolen), "a file's access names")

    lsa = "\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001\\Control\\Lsa"
    fips = lsa + "\\FipsAlgorithmPolicy"
    h520 = [(x["object_name"], x["accesses"], x["first_time"], x["last_time"]) for x in seqs if x["handle_id"] == 0x520]
    h468 = [(x["object_name"], x["accesses"], x["first_time"], x["last_time"]) for x in seqs if x["handle_id"] == 0x468]
    check(h520 == [(lsa, 1, "2024-05-02T14:08:00.1000000Z", "2024-05-02T14:08:00.1000000Z"),
                   (fips, 1, "2024-05-02T14:08:00.2000000Z", "2024-05-02T14:08:00.2000000Z")],
          "handle 0x520: Lsa, then FipsAlgorithmPolicy: %s" % h520)
    check(h468 == [(fips, 1, "2024-05-02T14:08:00.1000400Z", "2024-05-02T14:08:00.1000400Z"),
                   (lsa, 2, "2024-05-02T14:08:00.2000300Z", "2024-05-02T14:08:00.2000500Z")],
          "handle 0x468: FipsAlgorithmPolicy, then Lsa twice (one sequence): %s" % h468)
    check(all(x["access_names"] == ["Query key value"] for x in seqs if x["object_type"] == "Key"),
          "a key's access names: %s" % [x["access_names"] for x in seqs if x["object_type"] == "Key"])

    reqs = [x for x in out if x["type"] == "request"]
    check([(x["outcome"], x["event_id"], x["handle_id"], x["time"]) for x in reqs] ==
          [("no_handle", 4661, 0, "2024-05-02T14:09:30.0000000Z"), ("failure", 4661, 0, "2024-05-02T14:09:30.5000000Z")],
          "the HandleId-0 4661 and the denied one are requests: %s" % reqs)
    check(all(x["object_type"] == "SAM_USER" and x["process_name"] == "C:\\Windows\\System32\\lsass.exe"
              and x["requested_access"] == 0x20044 for x in reqs), "with their object, process and mask")
    sam = [x for x in seqs if x["handle_id"] == 0x1c8]
    check(len(sam) == 1 and sam[0]["opened"] and sam[0]["open_time"] == "2024-05-02T14:09:31.0000000Z"
          and sam[0]["first_time"] == sam[0]["open_time"], "the 4661 with a handle opens a sequence")
    order = [x["type"] for x in out]
    check(order.index("request") > 0 and order[-1] == "sequence", "requests among the sequences, in input order")

    p = subprocess.run([tool, "--stats", data], capture_output=True)
    err = p.stderr.decode()
    check("  failure        1\n  no_handle      1\n" in err and "handle_reused  5\n" in err,
          "--stats counts the requests and the reuses:\n" + err)

    if len(sys.argv) == 5 and os.path.isfile(sys.argv[3]) and os.path.isfile(sys.argv[4]):
        with tempfile.TemporaryDirectory() as d:
            exp, act = os.path.join(d, "py.jsonl"), os.path.join(d, "tool.jsonl")
            with open(exp, "wb") as f:
                subprocess.run([sys.executable, sys.argv[3], data], stdout=f, check=True)
            with open(act, "wb") as f:
                subprocess.run([tool, data], stdout=f, check=True)
            k = subprocess.run([sys.executable, sys.argv[4], exp, act], capture_output=True, text=True)
            check(k.returncode == 0 and k.stdout.strip().endswith(" 0 failed"), "py_correlate.py agrees: " + k.stdout)
    else:
        print("(py_correlate.py not found: its second opinion skipped)")
    print("%d failed" % FAILED)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
