#!/usr/bin/env python3
"""A state file written by the previous format (version 1, before sequences
carried first_time and last_time) still loads, and the run goes on as one
uninterrupted run would, except what version 1 did not keep: the first time
of a sequence carried over unopened is null. The next state saved is
version 3 (the current format).

tests/data/state-v1.bin is what `handleaudit --state` of commit c401d13 saved
after the sample's events 0, 2, 3 and 4 (a 4688, a 4663 whose 4656 is left
out, so that its sequence is carried over unopened, a 4690 and a 4663).

    test_state_v1.py HANDLEAUDIT SAMPLE.xml STATE-V1.bin
"""
import json, os, re, shutil, subprocess, sys, tempfile

FAILED = 0


def check(cond, what):
    global FAILED
    if not cond:
        FAILED += 1
        print("FAILED:", what)


def main():
    tool, sample, fixture = sys.argv[1:4]
    events = re.findall(r"<Event\b.*?</Event>", open(sample, encoding="utf-8").read(), re.S)
    first, rest = [events[i] for i in (0, 2, 3, 4)], events[5:]
    with tempfile.TemporaryDirectory() as d:
        whole, piece, state = (os.path.join(d, n) for n in ("whole.xml", "piece2.xml", "state"))
        with open(whole, "w", encoding="utf-8") as f:
            f.write("\n".join(first + rest))
        with open(piece, "w", encoding="utf-8") as f:
            f.write("\n".join(rest))
        want = [json.loads(l) for l in subprocess.run([tool, whole], capture_output=True, check=True).stdout.splitlines()]

        shutil.copy(fixture, state)
        with open(state, "rb") as f:
            check(f.read(12)[8:12] == b"\x01\x00\x00\x00", "the fixture is a version-1 snapshot")
        p = subprocess.run([tool, "--state=" + state, "--final", piece], capture_output=True)
        check(p.returncode == 0, "a version-1 state loads: %r" % p.stderr)
        got = [json.loads(l) for l in p.stdout.splitlines()]
        check(len(got) == len(want), "as many lines as one run: %d, %d" % (len(got), len(want)))
        carried = [g for g in got if g["type"] == "sequence" and g["handle_id"] == 0x3b4 and not g["opened"]]
        check(len(carried) == 1 and carried[0]["first_time"] is None,
              "the sequence carried over unopened has no first time: %s" % carried)
        for g, w in zip(got, want):
            if g in carried:
                w = dict(w, first_time=None)
            check(g == w, "the same as one run:\n  %s\n  %s" % (g, w))

        shutil.copy(fixture, state)  # not final: the state is saved again, in the new format
        p = subprocess.run([tool, "--state=" + state, piece], capture_output=True)
        with open(state, "rb") as f:
            check(p.returncode == 0 and f.read(12)[8:12] == b"\x03\x00\x00\x00", "saved again as version 3")
    print("%d failed" % FAILED)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
