#!/usr/bin/env python3
"""A state file of format 2 (the last one with the length in its header,
written whole from one buffer) still loads, and nothing of it is lost: the
run goes on exactly as one uninterrupted run. The next state saved is
format 3.

tests/data/state-v2.bin is what `handleaudit --state --reorder-window=4` of
commit 3133237 saved after the sample's first 9 events (a 4688, opens,
accesses, a 4690 duplicate, a 4660; four of them still held by the window).

    test_state_v2.py HANDLEAUDIT SAMPLE.xml STATE-V2.bin
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
    with tempfile.TemporaryDirectory() as d:
        rest, state = os.path.join(d, "rest.xml"), os.path.join(d, "state")
        with open(rest, "w", encoding="utf-8") as f:
            f.write("\n".join(events[9:]))
        one = subprocess.run([tool, "--reorder-window=4", sample], capture_output=True, check=True)
        want = [json.loads(l) for l in one.stdout.splitlines()]

        shutil.copy(fixture, state)
        with open(state, "rb") as f:
            check(f.read(12)[8:12] == b"\x02\x00\x00\x00", "the fixture is a format-2 snapshot")
        p = subprocess.run([tool, "--reorder-window=4", "--state=" + state, "--final", rest], capture_output=True)
        check(p.returncode == 0, "a format-2 state loads: %r" % p.stderr)
        got = [json.loads(l) for l in p.stdout.splitlines()]
        check(len(want) >= 3 and got == want, "the same lines as one run:\n  %s\n  %s" % (got, want))

        shutil.copy(fixture, state)  # not final: saved again, in the new format
        p = subprocess.run([tool, "--reorder-window=4", "--state=" + state, rest], capture_output=True)
        with open(state, "rb") as f:
            check(p.returncode == 0 and f.read(12)[8:12] == b"\x03\x00\x00\x00", "saved again as format 3")
    print("%d failed" % FAILED)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
