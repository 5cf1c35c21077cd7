#!/usr/bin/env python3
"""The Windows handleaudit.exe (run under Wine) as a Windows user meets it:

- a path with characters outside any ANSI code page (C:\\ログ\\セキュリティ.xml)
  opens, one thread and two, and --state writes and reads its snapshot
  beside it: the same output as from a plain ASCII path;
- with the Linux build's handleaudit given (NATIVE), the output is byte for
  byte the Linux build's: on every XML and .evtx file of the shared corpus and on a
  gen.py stream, as JSON Lines, --records, --format=csv and --stats, with
  --threads 2 too, and the exit status and standard error the same.

    test_windows_tool.py WINDOWS_TOOL SAMPLE.xml GEN.py CORPUS_DIR [NATIVE]
"""
import concurrent.futures, os, shutil, subprocess, sys, tempfile

FAILED = 0


def check(cond, what):
    global FAILED
    if not cond:
        FAILED += 1
        print("FAILED:", what)


def run(cmd, *args):
    return subprocess.run([cmd, *args], capture_output=True, timeout=600)


def winpath(path):
    """The Windows spelling Wine gives a Linux path: Z:\\ and backslashes."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def test_unicode_path(tool, sample, gen_stream, d):
    folder = os.path.join(d, "ログ")
    os.mkdir(folder)
    uni = os.path.join(folder, "セキュリティ.xml")
    shutil.copyfile(sample, uni)
    want = run(tool, sample)
    got = run(tool, winpath(uni))
    check(got.returncode == 0 and got.stdout == want.stdout and want.stdout,
          "a path with non-ASCII characters opens: %r" % got.stderr[:300])
    big = os.path.join(folder, "大きい.xml")  # large enough for two threads to map it
    shutil.copyfile(gen_stream, big)
    want = run(tool, "--threads", "1", gen_stream)
    got = run(tool, "--threads", "2", winpath(big))
    check(got.returncode == want.returncode and got.stdout == want.stdout and want.stdout,
          "--threads 2 maps a file at a non-ASCII path: %r" % got.stderr[:300])
    state = os.path.join(folder, "状態.bin")
    first = run(tool, "--state", winpath(state), winpath(uni))
    again = run(tool, "--state", winpath(state), winpath(uni))  # replaces the snapshot it read
    check(first.returncode == 0 and again.returncode == 0 and os.path.exists(state),
          "--state saves, reads back and replaces a snapshot at a non-ASCII path: %r %r"
          % (first.stderr[:200], again.stderr[:200]))
    missing = run(tool, winpath(os.path.join(folder, "無い.xml")))
    check(missing.returncode == 2 and "無い.xml".encode() in missing.stderr,
          "a missing file's message names it in UTF-8: %r" % missing.stderr[:200])


def test_same_as_native(tool, native, corpus, gen_stream):
    # every mode on the gen.py stream (large enough for --threads 2 to cut it
    # into pieces); the corpus files, small, as JSON Lines and --records
    runs = [(m, gen_stream) for m in ([], ["--threads", "2"], ["--records"], ["--format=csv"], ["--stats"],
                                      ["--stats", "--threads", "2"], ["--records", "--threads", "2"])]
    if os.path.isdir(corpus):
        for f in sorted(os.listdir(corpus)):
            if f.endswith((".xml", ".txt")):
                runs += [([], os.path.join(corpus, f)), (["--records"], os.path.join(corpus, f))]
        # the .evtx files, read by the native decoder on Windows too, the
        # damaged ones of corpus/evtx/ included (their diagnostics on stderr)
        for folder in (corpus, os.path.join(corpus, "evtx")):
            for f in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
                if f.endswith(".evtx"):
                    path = os.path.join(folder, f)
                    runs += [([], path), (["--records"], path), (["--records", "--threads", "2"], path)]
    else:
        print("no corpus at %s: the gen.py stream only" % corpus)

    def both(item):
        mode, path = item
        return item, run(tool, *mode, path), run(native, *mode, path)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = list(pool.map(both, runs))
    output = 0
    for (mode, path), w, n in results:
        same = (w.returncode, w.stdout, w.stderr) == (n.returncode, n.stdout, n.stderr)
        check(same, "%s %s: Windows output differs from Linux (exit %d/%d, stdout %d/%d bytes, stderr %r / %r)"
              % (" ".join(mode), os.path.basename(path), w.returncode, n.returncode, len(w.stdout),
                 len(n.stdout), w.stderr[:200], n.stderr[:200]))
        output += len(n.stdout)
    check(output > 1 << 20, "the runs compared gave output (%d bytes)" % output)
    print("%d runs compared byte for byte with the Linux build, %d bytes of output" % (len(results), output))


def main():
    tool, sample, gen_py, corpus = sys.argv[1:5]
    native = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
    if not os.path.exists(gen_py):
        print("SKIP: no gen.py at", gen_py)
        return 77
    with tempfile.TemporaryDirectory() as d:
        gen_stream = os.path.join(d, "gen.xml")
        subprocess.run([sys.executable, gen_py, "--events", "40000", "--seed", "16", "--hosts", "3",
                        "--out", gen_stream, "--truth", os.path.join(d, "truth.jsonl")], check=True)
        test_unicode_path(tool, sample, gen_stream, d)
        if native:
            test_same_as_native(tool, native, corpus, gen_stream)
        else:
            print("SKIP: the comparison with the Linux build (meson option native_tool not set)")
    print("%d failed" % FAILED)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
