#!/usr/bin/env python3
"""The tool against gen.py's truth: synthetic streams with known sequences.

For every combination of seed 1..5, --hosts 1 and 6, --noise 0 and 0.6, with
and without --root --pretty (40 runs), plus one run with --no-quirks: write a
stream with gen.py into a temporary directory, run the tool on it and compare
its sequences with gen.py's under check.py. Every run must exit 0, print
nothing on standard error and report "0 failed".

    test_gen.py HANDLEAUDIT GEN_PY CHECK_PY [--events N] [--jobs J]

Exit 77 (skipped) when gen.py or check.py is absent (a clone without the
shared folder beside it).
"""
import argparse, concurrent.futures, itertools, os, shutil, subprocess, sys, tempfile, time


def configs():
    for seed, hosts, noise, export in itertools.product(range(1, 6), (1, 6), (0, 0.6), (False, True)):
        yield {"seed": seed, "hosts": hosts, "noise": noise, "export": export, "quirks": True}
    yield {"seed": 1, "hosts": 6, "noise": 0.6, "export": False, "quirks": False}


def label(c):
    return "seed=%d hosts=%d noise=%g%s%s" % (
        c["seed"], c["hosts"], c["noise"], " --root --pretty" if c["export"] else "",
        " --no-quirks" if not c["quirks"] else "")


def gen_args(a, c, stream, truth):
    args = [sys.executable, a.gen, "--events", str(a.events), "--seed", str(c["seed"]),
            "--hosts", str(c["hosts"]), "--noise", str(c["noise"]), "--out", stream, "--truth", truth]
    if c["export"]:
        args += ["--root", "--pretty"]
    if not c["quirks"]:
        args.append("--no-quirks")
    return args


def run_one(a, tmp, i, c):
    """Returns (ok, text): text is the run's report line and, on a miss, the details."""
    d = os.path.join(tmp, "run%02d" % i)
    os.mkdir(d)
    stream, truth, actual = (os.path.join(d, n) for n in ("stream.xml", "truth.jsonl", "actual.jsonl"))
    t0 = time.monotonic()
    try:
        g = subprocess.run(gen_args(a, c, stream, truth), capture_output=True, text=True)
        if g.returncode != 0:
            return False, "%s: gen.py failed (exit %d)\n%s" % (label(c), g.returncode, g.stderr)
        with open(actual, "wb") as out:
            p = subprocess.run([a.tool, stream], stdout=out, stderr=subprocess.PIPE)
        os.remove(stream)
        k = subprocess.run([sys.executable, a.check, truth, actual], capture_output=True, text=True)
        lines = k.stdout.strip().splitlines()
        verdict = lines[-1] if lines else "(check.py printed nothing: %s)" % k.stderr.strip()
        ok = k.returncode == 0 and p.returncode == 0 and not p.stderr \
            and verdict.endswith(" 0 failed") and not verdict.startswith("0 passed")
        text = "%-40s %s (%.1f s)" % (label(c), verdict, time.monotonic() - t0)
        if not ok:
            if p.returncode != 0:
                text += "\n  handleaudit exited %d" % p.returncode
            if p.stderr:
                text += "\n  handleaudit stderr: " + p.stderr.decode("utf-8", "replace")[:2000].rstrip()
            if verdict.startswith("0 passed"):
                text += "\n  no sequence at all: the run proves nothing"
            text += "".join("\n  " + l for l in lines[:-1])
            if k.stderr:
                text += "\n  check.py stderr: " + k.stderr.strip()
            text += "\n  reproduce: %s && %s %s > actual.jsonl" % (
                " ".join(gen_args(a, c, "stream.xml", "truth.jsonl")), a.tool, "stream.xml")
        return ok, text
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tool")
    ap.add_argument("gen")
    ap.add_argument("check")
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    a = ap.parse_args()
    for path in (a.gen, a.check):
        if not os.path.isfile(path):
            print("skipped: %s not found (no shared folder beside the source tree?)" % path)
            return 77
    if not os.access(a.tool, os.X_OK):
        print("error: %s is not an executable" % a.tool)
        return 1

    t0 = time.monotonic()
    runs = list(configs())
    print("%d runs of %d events, %d at a time" % (len(runs), a.events, a.jobs), flush=True)
    failed = 0
    with tempfile.TemporaryDirectory(prefix="handleaudit-gen-") as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futures = [pool.submit(run_one, a, tmp, i, c) for i, c in enumerate(runs)]
        for f in futures:  # in order of submission: stable output
            ok, text = f.result()
            failed += not ok
            print(("" if ok else "FAILED: ") + text, flush=True)
    print("%d of %d runs failed (%.1f s)" % (failed, len(runs), time.monotonic() - t0))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
