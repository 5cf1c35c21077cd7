#!/usr/bin/env python3
"""`handleaudit FILE.evtx` gives the same sequences as handleaudit on the
same file's XML conversions, for every .evtx in ../shared/corpus:

- identical, key for key, to the evtxexport conversion (the same libevtx
  renders the XML);
- identical to the python-evtx conversion on every key but open_time,
  end_time and duration_ns, because python-evtx keeps microseconds only and
  rounds them oddly (see corpus_records.py).

Also the records: as many per EventID as the XML conversions give.

    test_evtx.py HANDLEAUDIT CHECK.py CORPUS_DIR   (77: no corpus)
"""
import glob, json, os, subprocess, sys, tempfile

NO_TIMES = ("computer,process_id,handle_id,logon_id,opened,end,accesses,access_mask,object_type,"
            "object_name,process_name,process_command_line,deleted")


def run(tool, *args):
    return subprocess.run([tool, *args], capture_output=True)


def main():
    tool, check, corpus = sys.argv[1:4]
    files = sorted(glob.glob(os.path.join(corpus, "*.evtx")))
    if not files:
        print("no corpus at %s: skipped" % corpus)
        return 77
    probe = run(tool, files[0])
    if b"reads no .evtx" in probe.stderr:
        print("this build reads no .evtx: skipped")
        return 77
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for f in files:
            base = f[:-len(".evtx")]
            outs = {}
            for name, path in (("evtx", f), ("evtxexport", base + ".evtxexport.txt"), ("pyevtx", base + ".pyevtx.xml")):
                p = run(tool, path)
                if p.returncode != 0:
                    print("%s: exit %d: %s" % (path, p.returncode, p.stderr[:300]))
                    failed += 1
                outs[name] = os.path.join(d, name + ".jsonl")
                open(outs[name], "wb").write(p.stdout)
            for other, fields in (("evtxexport", None), ("pyevtx", NO_TIMES)):
                args = [sys.executable, check, outs[other], outs["evtx"]] + (["--fields", fields] if fields else [])
                c = subprocess.run(args, capture_output=True, text=True)
                print("%s vs %s: %s" % (os.path.basename(f), other, c.stdout.strip().splitlines()[-1]))
                failed += c.returncode != 0
            counts = {}
            for name, path in (("evtx", f), ("evtxexport", base + ".evtxexport.txt")):
                recs = [json.loads(l) for l in run(tool, "--records", path).stdout.splitlines()]
                counts[name] = sorted((r["event_id"], r["record_id"]) for r in recs)
            if counts["evtx"] != counts["evtxexport"] or not counts["evtx"]:
                print("%s: records differ from the evtxexport conversion" % os.path.basename(f))
                failed += 1
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
