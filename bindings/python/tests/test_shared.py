"""The binding against /work/shared: gen.py streams with their truth, and the real-log corpus.

Skipped when the shared folder is absent.
"""
import glob
import os
import subprocess
import sys
import tempfile
import unittest

import support  # first: it puts the package on sys.path
import handleaudit


@unittest.skipUnless(support.have_shared(), "no shared folder at %s" % support.SHARED)
class GeneratedStreams(unittest.TestCase):
    """gen.py writes events and the sequences they must give; check.py compares."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)

    def generate(self, *args):
        out = os.path.join(self.tmp.name, "events.xml")
        truth = os.path.join(self.tmp.name, "truth.jsonl")
        subprocess.run([sys.executable, os.path.join(support.SHARED, "tools", "gen.py"), *args,
                        "--out", out, "--truth", truth], check=True, capture_output=True)
        return out, truth

    def check_against(self, expected, sequences):
        actual = os.path.join(self.tmp.name, "actual.jsonl")
        support.write_jsonl(actual, sequences)
        passed, failed, text = support.check_py(expected, actual)
        self.assertEqual(failed, 0, text)
        self.assertGreater(passed, 0, text)
        return passed

    @classmethod
    def setUpClass(cls):
        cls.big_dir = tempfile.TemporaryDirectory()
        cls.big, cls.big_truth = (os.path.join(cls.big_dir.name, n) for n in ("events.xml", "truth.jsonl"))
        subprocess.run([sys.executable, os.path.join(support.SHARED, "tools", "gen.py"), "--events", "20000",
                        "--out", cls.big, "--truth", cls.big_truth], check=True, capture_output=True)

    @classmethod
    def tearDownClass(cls):
        cls.big_dir.cleanup()

    def test_20000_events(self):
        out, truth = self.big, self.big_truth
        self.assertGreater(os.path.getsize(out), 2 * handleaudit.CHUNK_SIZE)  # several chunks
        errors = []
        sequences = list(handleaudit.correlate(out, on_error=errors.append))
        self.assertEqual([e for e in errors if not e.is_warning], [])
        passed = self.check_against(truth, sequences)
        self.assertEqual(passed, len([x for x in sequences if x["type"] == "sequence"]))
        if support.have_tool():
            tool, rc, _ = support.tool_json(out)
            self.assertEqual(rc, 0)
            self.assertEqual(sequences, tool)

    def test_streaming_keeps_memory_bounded(self):
        """records() and correlate() read a 20 MB stream without holding it: in a fresh
        process, the resident memory (sampled as it reads) grows far less than the file's size."""
        if support.rss_bytes() is None:
            self.skipTest("no /proc/self/statm")
        # ru_maxrss would carry the parent's peak across fork and exec: sample statm instead
        code = ("import os, sys, handleaudit\n"
                "def rss():\n"
                "    with open('/proc/self/statm') as f:\n"
                "        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')\n"
                "peak, n = rss(), 0\n"
                "for n, _ in enumerate(getattr(handleaudit, sys.argv[1])(sys.argv[2]), 1):\n"
                "    if n % 200 == 0:\n"
                "        peak = max(peak, rss())\n"
                "print(n, max(peak, rss()) // 1024)\n")
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [support.BINDING_DIR,
                                                                      os.environ.get("PYTHONPATH")])))

        def peak(fn, path):
            p = subprocess.run([sys.executable, "-c", code, fn, path], capture_output=True, text=True, env=env)
            self.assertEqual(p.returncode, 0, p.stderr)
            n, kib = p.stdout.split()
            return int(n), int(kib) * 1024

        empty = os.path.join(self.big_dir.name, "empty.xml")
        open(empty, "wb").close()
        size = os.path.getsize(self.big)
        for fn in ("records", "correlate"):
            n0, base = peak(fn, empty)
            n, top = peak(fn, self.big)
            self.assertEqual(n0, 0)
            self.assertGreater(n, 1000)
            print("\n[memory] %s() over a %d MiB stream: peak RSS %d KiB, %+d KiB over an empty input"
                  % (fn, size >> 20, top >> 10, (top - base) >> 10), file=sys.stderr)
            self.assertLess(top - base, size // 2)

    def test_export_form_and_many_hosts(self):
        out, truth = self.generate("--events", "3000", "--root", "--pretty", "--hosts", "3", "--seed", "7")
        with open(out, "rb") as f:
            data = f.read()
        self.check_against(truth, list(handleaudit.correlate(data, chunk_size=4093)))

    def test_eviction_matches_tool(self):
        if not support.have_tool():
            self.skipTest("the handleaudit tool is not built")
        out, _ = self.generate("--events", "3000", "--seed", "3")
        tool, rc, _ = support.tool_json("--max-open", "5", out)
        self.assertEqual(rc, 0)
        got = list(handleaudit.correlate(out, max_open=5))
        self.assertTrue(any(s.get("end") == "evicted" for s in got))
        self.assertEqual(got, tool)


@unittest.skipUnless(support.have_shared(), "no shared folder at %s" % support.SHARED)
@unittest.skipUnless(support.have_tool(), "the handleaudit tool is not built")
class Corpus(unittest.TestCase):
    """Every converted real log: the binding prints what the tool prints."""

    def files(self):
        corpus = os.path.join(support.SHARED, "corpus")
        names = sorted(glob.glob(os.path.join(corpus, "*.txt")) + glob.glob(os.path.join(corpus, "*.xml")))
        self.assertTrue(names, "no corpus files")
        return names

    def test_sequences_under_check_py(self):
        with tempfile.TemporaryDirectory() as tmp:
            for path in self.files():
                with self.subTest(os.path.basename(path)):
                    tool, rc, _ = support.tool_json(path)
                    self.assertIn(rc, (0, 1))
                    got = list(handleaudit.correlate(path))
                    expected = os.path.join(tmp, "tool.jsonl")
                    actual = os.path.join(tmp, "binding.jsonl")
                    support.write_jsonl(expected, tool)
                    support.write_jsonl(actual, got)
                    passed, failed, text = support.check_py(expected, actual)
                    self.assertEqual(failed, 0, text)
                    self.assertEqual(passed, len([x for x in tool if x["type"] == "sequence"]))
                    self.assertEqual(got, tool)  # and in the same order, every key, requests too
                    if os.path.basename(path).startswith("failed-sethc-replacement."):
                        reqs = [x for x in got if x["type"] == "request"]
                        self.assertEqual(len(reqs), 19)  # the attack: 19 denied opens of sethc.exe
                        self.assertTrue(all(x["outcome"] == "failure" for x in reqs))

    def test_records_and_diagnostics(self):
        for path in self.files():
            with self.subTest(os.path.basename(path)):
                tool, rc, stderr = support.tool_json("--records", path)
                with handleaudit.Reader() as reader:
                    with open(path, "rb") as f:
                        got = reader.feed(f.read()) + reader.finish()
                    self.assertEqual(got, tool)
                    # the tool prints FILE:LINE:COLUMN: error|warning: MESSAGE [byte N]
                    tool_diags = sorted(line for line in stderr.splitlines() if ": error: " in line
                                        or ": warning: " in line)
                    ours = sorted("%s:%d:%d: %s: %s [byte %d]" % (path, d.line, d.column,
                                                                 "warning" if d.is_warning else "error",
                                                                 d.message, d.offset)
                                  for d in reader.errors + reader.warnings)
                    self.assertEqual(ours, tool_diags)

    @unittest.skipUnless(handleaudit._lib.ha_evtx_supported(), "the library reads no .evtx")
    def test_evtx_paths(self):
        """A .evtx path goes through the library's EVTX reading: the tool's output exactly."""
        names = sorted(glob.glob(os.path.join(support.SHARED, "corpus", "*.evtx")))
        self.assertTrue(names)
        for path in names:
            with self.subTest(os.path.basename(path)):
                tool, rc, _ = support.tool_json(path)
                self.assertEqual(rc, 0)
                self.assertEqual(list(handleaudit.correlate(path)), tool)
                recs, rc, _ = support.tool_json("--records", path)
                self.assertEqual(list(handleaudit.records(path)), recs)
                self.assertTrue(recs)


if __name__ == "__main__":
    unittest.main()
