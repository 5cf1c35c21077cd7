#!/usr/bin/env python3
"""A gen.py stream shuffled within a window of 200 events, with 1% of its
events repeated, gives the uninterrupted run's sequences when the tool's
reorder window covers the shuffle; the repeats are counted and dropped.
Without the window, the shuffled stream does not give them (so the test
can fail).

    test_reorder.py HANDLEAUDIT GEN.py CHECK.py     (77 without gen.py)
"""
import os, random, re, subprocess, sys, tempfile

SHUFFLE = 200


def shuffled(events, rng):
    """Each event moves by fewer than SHUFFLE places; 1% are repeated nearby."""
    keyed = sorted(range(len(events)), key=lambda i: i + rng.uniform(0, SHUFFLE))
    out = [events[i] for i in keyed]
    repeats = rng.sample(range(len(out)), len(out) // 100)
    for pos in sorted(repeats, reverse=True):
        at = min(len(out), pos + rng.randrange(1, SHUFFLE))
        out.insert(at, out[pos])
    return out, len(repeats)


def check(checkpy, truth, out):
    p = subprocess.run([sys.executable, checkpy, truth, out], capture_output=True, text=True)
    return p.returncode, p.stdout.strip().splitlines()[-1]


def main():
    tool, gen, checkpy = sys.argv[1:4]
    if not os.path.exists(gen):
        print("no gen.py: skipped")
        return 77
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        for seed, hosts in ((1, 1), (2, 6)):
            xml, truth = os.path.join(d, "s.xml"), os.path.join(d, "t.jsonl")
            subprocess.run([sys.executable, gen, "--events", "20000", "--seed", str(seed), "--hosts", str(hosts),
                            "--out", xml, "--truth", truth], check=True)
            text = open(xml, encoding="utf-8").read()  # values hold newlines: split after each event
            events = [e + "</Event>\n" for e in text.split("</Event>\n") if e.strip()]
            mixed, nrep = shuffled(events, random.Random(seed))
            mixed_path = os.path.join(d, "mixed.xml")
            open(mixed_path, "w", encoding="utf-8").write("".join(mixed))
            out = os.path.join(d, "out.jsonl")
            for window, must_pass in ((SHUFFLE, True), (2 * SHUFFLE, True), (0, False)):
                args = [tool, "--stats"] + (["--reorder-window=%d" % window] if window else []) + [mixed_path]
                with open(out, "wb") as f:
                    p = subprocess.run(args, stdout=f, stderr=subprocess.PIPE, text=True)
                rc, line = check(checkpy, truth, out)
                m = re.search(r"records repeated and dropped: (\d+)", p.stderr)
                dropped = int(m.group(1)) if m else -1
                ok = (rc == 0) == must_pass and (not window or dropped == nrep)
                print("seed %d, %d hosts, window %d: %s; %d repeats inserted, %d dropped%s"
                      % (seed, hosts, window, line, nrep, dropped, "" if ok else "  <-- FAILED"))
                failed += not ok
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
