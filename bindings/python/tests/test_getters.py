"""The binding's dicts are made through the library's getters (what FFI users
call), and must equal the library's own JSON of the same object
(ha_record_json, ha_sequence_json, ha_request_json) key for key: for the
sample, the shared corpus (XML and .evtx) and a gen.py stream. And the
output formats through the binding: write() and Writer give the bytes the
tool prints for each format.
"""
import glob
import io
import json
import os
import subprocess
import sys
import tempfile
import unittest

import support  # first: it puts the package on sys.path
import handleaudit

JSON_OF = {"record": handleaudit._lib.ha_record_json, "sequence": handleaudit._lib.ha_sequence_json,
           "request": handleaudit._lib.ha_request_json}


class Probe:
    """Compares each delivered dict with json.loads of the library's JSON."""

    def __init__(self, test):
        self.test = test
        self.buf = handleaudit._JsonBuffer()
        self.count = {"record": 0, "sequence": 0, "request": 0}
        self.mismatches = []

    def __call__(self, kind, ptr, got):
        self.count[kind] += 1
        want = self.buf.load(JSON_OF[kind], ptr)
        if got != want and len(self.mismatches) < 5:
            diff = {k: (got.get(k), want.get(k)) for k in set(got) | set(want) if got.get(k) != want.get(k)}
            self.mismatches.append((kind, diff))

    def check(self):
        self.test.assertEqual(self.mismatches, [])


def read_all(test, path, records):
    """Every record (or sequence and request) of `path` through the getters, probed."""
    probe = Probe(test)
    if records:
        obj = handleaudit.Reader(on_error=lambda d: None)
    else:
        obj = handleaudit.Correlator(on_error=lambda d: None)
    obj._probe = probe
    with obj:
        with open(path, "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                obj.feed(chunk)
        if records:
            obj.finish()
        else:
            obj.flush()
    probe.check()
    return probe.count


def shared_inputs():
    files = [support.SAMPLE]
    corpus = os.path.join(support.SHARED, "corpus")
    files += sorted(glob.glob(os.path.join(corpus, "*.evtx")) + glob.glob(os.path.join(corpus, "*.xml"))
                    + glob.glob(os.path.join(corpus, "*.txt")))
    return files


class GettersEqualJson(unittest.TestCase):
    def test_sample(self):
        counts = read_all(self, support.SAMPLE, True)
        self.assertGreater(counts["record"], 5)
        counts = read_all(self, support.SAMPLE, False)
        self.assertGreater(counts["sequence"], 2)
        self.assertGreater(counts["request"], 0)

    def test_probe_sees_a_difference(self):
        # the comparison is not vacuous: a dict that differs is caught
        probe = Probe(self)
        with handleaudit.Correlator(on_error=lambda d: None) as corr:
            corr._probe = lambda kind, ptr, got: probe(kind, ptr, dict(got, accesses=-1))
            with open(support.SAMPLE, "rb") as f:
                corr.feed(f.read())
            corr.flush()
        self.assertTrue(probe.mismatches)

    def test_made_through_getters(self):
        # the JSON functions are not on the delivery path: the dicts exist without them
        saved = handleaudit._lib.ha_sequence_json, handleaudit._lib.ha_record_json, handleaudit._lib.ha_request_json

        def no(*args):
            raise AssertionError("a JSON function was called")
        try:
            handleaudit._lib.ha_sequence_json = handleaudit._lib.ha_record_json = no
            handleaudit._lib.ha_request_json = no
            seqs = list(handleaudit.correlate(support.SAMPLE))
            recs = list(handleaudit.records(support.SAMPLE))
        finally:
            handleaudit._lib.ha_sequence_json, handleaudit._lib.ha_record_json, handleaudit._lib.ha_request_json = saved
        self.assertTrue(seqs and recs)

    def test_values_the_json_rules_give(self):
        self.assertEqual(handleaudit._value(b"HandleId", b"0x1F"), 31)
        self.assertEqual(handleaudit._value(b"HandleId", b" 12 "), 12)
        self.assertIsNone(handleaudit._value(b"HandleId", b""))
        self.assertIsNone(handleaudit._value(b"ObjectName", b"-"))
        self.assertEqual(handleaudit._value(b"HandleId", b"0xZZ"), "0xZZ")
        self.assertEqual(handleaudit._value(b"Other", b"0x10"), 16)
        self.assertEqual(handleaudit._value(b"Other", b"10"), "10")
        self.assertEqual(handleaudit._value(b"Other", b"a\xffb"), "a\ufffdb")

    @unittest.skipUnless(support.have_shared(), "no shared folder at %s" % support.SHARED)
    def test_corpus(self):
        total = {"record": 0, "sequence": 0, "request": 0}
        for path in shared_inputs():
            for records in (True, False):
                with self.subTest(path=os.path.basename(path), records=records):
                    for k, v in read_all(self, path, records).items():
                        total[k] += v
        self.assertGreater(total["record"], 1000)
        self.assertGreater(total["sequence"], 100)

    @unittest.skipUnless(support.have_shared(), "no shared folder at %s" % support.SHARED)
    def test_gen_stream(self):
        with tempfile.TemporaryDirectory() as tmp:
            out, truth = os.path.join(tmp, "e.xml"), os.path.join(tmp, "t.jsonl")
            subprocess.run([sys.executable, os.path.join(support.SHARED, "tools", "gen.py"), "--events", "20000",
                            "--seed", "5", "--hosts", "2", "--out", out, "--truth", truth],
                           check=True, capture_output=True)
            counts = read_all(self, out, False)
            self.assertGreater(counts["sequence"], 1000)
            counts = read_all(self, out, True)
            self.assertGreater(counts["record"], 10000)


@unittest.skipUnless(support.have_tool(), "no handleaudit tool at %s" % support.TOOL)
class Formats(unittest.TestCase):
    def tool(self, *args):
        p = subprocess.run([support.TOOL, *args], capture_output=True)
        return p.stdout

    def test_each_format_as_the_tool_prints_it(self):
        inputs = [support.SAMPLE]
        if support.have_shared():
            inputs += shared_inputs()[1:4]
        for path in inputs:
            for fmt in handleaudit.FORMATS:
                with self.subTest(path=os.path.basename(path), format=fmt):
                    f = io.BytesIO()
                    handleaudit.write(path, f, fmt, on_error=lambda d: None)
                    self.assertEqual(f.getvalue(), self.tool("--format=" + fmt, path))
                    if fmt not in ("csv", "ocsf"):
                        f = io.BytesIO()
                        handleaudit.write(path, f, fmt, records=True, on_error=lambda d: None)
                        self.assertEqual(f.getvalue(), self.tool("--records", "--format=" + fmt, path))

    def test_write_to_a_path(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "x.csv")
            handleaudit.write(support.SAMPLE, out, "csv")
            with open(out, "rb") as f:
                self.assertEqual(f.read(), self.tool("--format=csv", support.SAMPLE))

    def test_writer_with_callbacks(self):
        f = io.BytesIO()
        ended = []
        with handleaudit.Writer("ecs", f) as w:
            with handleaudit.Correlator(writer=w, on_end=lambda s, r: ended.append(s)) as corr:
                with open(support.SAMPLE, "rb") as src:
                    self.assertEqual(corr.feed(src.read()), [])
                corr.flush()
        lines = [json.loads(l) for l in f.getvalue().splitlines()]
        self.assertEqual(len([l for l in lines if l["event"]["dataset"] == "handleaudit.sequence"]), len(ended))

    def test_refusals(self):
        with self.assertRaises(ValueError):
            handleaudit.Writer("xml", io.BytesIO())
        with handleaudit.Writer("csv", io.BytesIO()) as w:
            with self.assertRaises(ValueError):
                handleaudit.Reader(writer=w)
        with self.assertRaises(TypeError):
            handleaudit.Correlator(writer=io.BytesIO())

    def test_empty_csv_has_its_header(self):
        f = io.BytesIO()
        handleaudit.write(b"", f, "csv")
        self.assertEqual(f.getvalue(), self.tool("--format=csv", os.devnull))

    def test_a_failing_file_raises(self):
        class Full:
            def write(self, b):
                raise OSError(28, "No space left on device")
        with self.assertRaises(OSError):
            handleaudit.write(support.SAMPLE, Full(), "jsonl")


if __name__ == "__main__":
    unittest.main()
