#!/usr/bin/env python3
"""The tool runs in bounded memory: its peak resident size on a gen.py stream
of 1,000,000 events is within 10% of that on 100,000 events (noise 0, the
handles of the stream closed as they go, so the open state stays bounded).

Each figure is the ru_maxrss of the tool alone, a fresh child process each
time, read with os.wait4 on that child (not RUSAGE_CHILDREN, which would also
count gen.py).

    test_memory.py HANDLEAUDIT GEN_PY [--small N] [--large N] [--tolerance F]

Exit 77 (skipped) when gen.py is absent.
"""
import argparse, os, subprocess, sys, tempfile, time


def peak_rss_kib(tool, stream):
    """Runs the tool on stream in a fresh child; returns (exit code, ru_maxrss in KiB, seconds)."""
    t0 = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen([tool, stream], stdout=null, stderr=subprocess.PIPE)
        err = p.stderr.read()
        p.stderr.close()
        _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    if err:
        sys.stdout.write("  handleaudit stderr: %s\n" % err.decode("utf-8", "replace")[:2000].rstrip())
    return p.returncode, usage.ru_maxrss, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tool")
    ap.add_argument("gen")
    ap.add_argument("--small", type=int, default=100000)
    ap.add_argument("--large", type=int, default=1000000)
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if not os.path.isfile(a.gen):
        print("skipped: %s not found (no shared folder beside the source tree?)" % a.gen)
        return 77

    rss, failed = {}, 0
    with tempfile.TemporaryDirectory(prefix="handleaudit-memory-") as tmp:
        for n in (a.small, a.large):
            stream, truth = os.path.join(tmp, "s%d.xml" % n), os.path.join(tmp, "t%d.jsonl" % n)
            t0 = time.monotonic()
            subprocess.run([sys.executable, a.gen, "--events", str(n), "--seed", str(a.seed),
                            "--hosts", "1", "--noise", "0", "--out", stream, "--truth", truth], check=True)
            size = os.path.getsize(stream)
            gen_s = time.monotonic() - t0
            code, rss[n], run_s = peak_rss_kib(a.tool, stream)
            os.remove(stream)
            print("%9d events (%.0f MB, generated in %.1f s): peak RSS %d KiB, exit %d, %.1f s"
                  % (n, size / 1e6, gen_s, rss[n], code, run_s), flush=True)
            if code != 0:
                failed += 1
                print("FAILED: handleaudit exited %d on %d events" % (code, n))
    ratio = rss[a.large] / rss[a.small]
    ok = abs(ratio - 1) <= a.tolerance
    failed += not ok
    print("%speak RSS %d KiB at %d events, %d KiB at %d events: ratio %.3f (allowed 1 +- %g)"
          % ("" if ok else "FAILED: ", rss[a.small], a.small, rss[a.large], a.large, ratio, a.tolerance))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
