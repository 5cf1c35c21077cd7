#!/usr/bin/env python3
"""`handleaudit --state FILE` over a gen.py stream cut at 50 random event
boundaries (the last piece with --final) prints exactly what one run over
the whole stream prints; without --final on the last piece the
end_of_input sequences are missing (so the test can fail); a corrupt state
file is refused (exit 2) and left as it was.

    test_state.py HANDLEAUDIT GEN.py        (77 without gen.py)
"""
import os, random, re, subprocess, sys, tempfile


def main():
    tool, gen = sys.argv[1:3]
    if not os.path.exists(gen):
        print("no gen.py: skipped")
        return 77
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        stream = os.path.join(d, "s.xml")
        subprocess.run([sys.executable, gen, "--events", "20000", "--seed", "11", "--hosts", "3", "--noise", "0.3",
                        "--out", stream, "--truth", stream + ".truth"], check=True)
        whole = subprocess.run([tool, stream], capture_output=True, check=True).stdout
        text = open(stream, encoding="utf-8").read()
        events = [e + "</Event>\n" for e in text.split("</Event>\n") if e.strip()]
        cuts = sorted(random.Random(11).sample(range(1, len(events)), 50))
        paths, prev = [], 0
        for i, c in enumerate(cuts + [len(events)]):
            p = os.path.join(d, "piece%02d.xml" % i)
            open(p, "w", encoding="utf-8").write("".join(events[prev:c]))
            paths.append(p)
            prev = c
        for final in (True, False):
            state = os.path.join(d, "state-%d" % final)
            out = b""
            for i, p in enumerate(paths):
                last = i == len(paths) - 1
                args = [tool, "--state=" + state] + (["--final"] if final and last else []) + [p]
                r = subprocess.run(args, capture_output=True)
                if r.returncode != 0:
                    print("piece %d: exit %d: %s" % (i, r.returncode, r.stderr[:300]))
                    failed += 1
                out += r.stdout
            same = out == whole
            print("51 pieces, %s on the last: %s (%d bytes; one run %d)"
                  % ("--final" if final else "no --final", "identical" if same else "different", len(out), len(whole)))
            if same != final:
                failed += 1
        # a corrupt state is refused, and left alone
        state = os.path.join(d, "state-1")
        good = open(state, "rb").read()
        bad = bytearray(good)
        bad[len(bad) // 2] ^= 0xff
        open(state, "wb").write(bad)
        r = subprocess.run([tool, "--state=" + state, paths[0]], capture_output=True)
        ok = r.returncode == 2 and b"corrupt" in r.stderr and open(state, "rb").read() == bytes(bad) and not r.stdout
        print("corrupt state: exit %d, %s" % (r.returncode, r.stderr.decode().strip()))
        failed += not ok
        # the reason and the byte: the checksum, where it is
        ok = re.search(rb"corrupt snapshot: .* \(at byte (\d+)\)", r.stderr) is not None
        failed += not ok
        # more open handles than --max-open allows (the state of the run without
        # --final carries some): refused (HA_ERR_LIMIT), left alone
        state = os.path.join(d, "state-0")
        good = open(state, "rb").read()
        r = subprocess.run([tool, "--state=" + state, "--max-open=1", paths[0]], capture_output=True)
        ok = (r.returncode == 2 and b"more than max_open (1)" in r.stderr and open(state, "rb").read() == good
              and not r.stdout)
        print("state beyond --max-open=1: exit %d, %s" % (r.returncode, r.stderr.decode().strip()))
        failed += not ok
        # a state that cannot be written: the system's reason, exit 2
        r = subprocess.run([tool, "--state=" + os.path.join(d, "no", "such", "dir"), paths[0]], capture_output=True)
        ok = r.returncode == 2 and b"cannot create a temporary file beside" in r.stderr and b"No such file" in r.stderr
        print("state in a missing directory: exit %d, %s" % (r.returncode, r.stderr.decode().strip()))
        failed += not ok
        r = subprocess.run([tool, "--final", paths[0]], capture_output=True)
        failed += r.returncode != 2
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
