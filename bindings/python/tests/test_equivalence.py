"""records() and correlate() give what the command-line tool prints, however the input is cut."""
import io
import pathlib
import random
import unittest

import support  # first: it puts the package on sys.path
import handleaudit


def read_sample():
    with open(support.SAMPLE, "rb") as f:
        return f.read()


def feed_records(data, sizes):
    """Records from a Reader fed `data` in chunks of the sizes `sizes` yields (cycled)."""
    out = []
    with handleaudit.Reader(on_record=out.append) as reader:
        i = 0
        for n in sizes:
            if i >= len(data):
                break
            reader.feed(data[i:i + n])
            i += n
        reader.finish()
        return out, reader.errors


def feed_sequences(data, sizes):
    out = []
    with handleaudit.Correlator() as corr:
        i = 0
        for n in sizes:
            if i >= len(data):
                break
            out += corr.feed(data[i:i + n])
            i += n
        out += corr.flush()
        return out, corr.errors


def ones():
    while True:
        yield 1


def random_sizes(seed, top):
    rng = random.Random(seed)
    while True:
        yield rng.randint(1, top)


@unittest.skipUnless(support.have_tool(), "the handleaudit tool is not built")
class SameAsTool(unittest.TestCase):
    """The binding's dicts equal the tool's JSON, key for key and in order."""

    @classmethod
    def setUpClass(cls):
        cls.tool_records, rc, _ = support.tool_json("--records", support.SAMPLE)
        assert rc == 0
        cls.tool_sequences, rc, _ = support.tool_json(support.SAMPLE)
        assert rc == 0

    def assertSameObjects(self, got, want):
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            self.assertEqual(list(g), list(w))  # the same keys in the same order
            self.assertEqual(g, w)

    def test_records_from_path(self):
        self.assertEqual(len(self.tool_records), 17)
        self.assertSameObjects(list(handleaudit.records(support.SAMPLE)), self.tool_records)

    def test_correlate_from_path(self):
        self.assertEqual([x["type"] for x in self.tool_sequences].count("sequence"), 4)
        self.assertEqual([x["type"] for x in self.tool_sequences].count("request"), 1)
        self.assertSameObjects(list(handleaudit.correlate(support.SAMPLE)), self.tool_sequences)

    def test_every_kind_of_source(self):
        data = read_sample()
        sources = [data, bytearray(data), memoryview(data), pathlib.Path(support.SAMPLE), io.BytesIO(data)]
        for source in sources:
            with self.subTest(type(source).__name__):
                if isinstance(source, io.BytesIO):
                    source.seek(0)
                self.assertSameObjects(list(handleaudit.records(source)), self.tool_records)
        for source in sources:
            with self.subTest(type(source).__name__):
                if isinstance(source, io.BytesIO):
                    source.seek(0)
                self.assertSameObjects(list(handleaudit.correlate(source)), self.tool_sequences)

    def test_small_chunk_size_in_generators(self):
        for size in (1, 7, 4096):
            with self.subTest(size=size):
                self.assertSameObjects(list(handleaudit.records(support.SAMPLE, chunk_size=size)),
                                       self.tool_records)
                self.assertSameObjects(list(handleaudit.correlate(support.SAMPLE, chunk_size=size)),
                                       self.tool_sequences)

    def test_one_byte_chunks(self):
        data = read_sample()
        recs, errors = feed_records(data, ones())
        self.assertEqual(errors, [])
        self.assertSameObjects(recs, self.tool_records)
        seqs, errors = feed_sequences(data, ones())
        self.assertEqual(errors, [])
        self.assertSameObjects(seqs, self.tool_sequences)

    def test_random_chunks(self):
        data = read_sample()
        for seed in range(8):
            for top in (3, 64, 1000, 30000):
                with self.subTest(seed=seed, top=top):
                    recs, _ = feed_records(data, random_sizes(seed, top))
                    self.assertSameObjects(recs, self.tool_records)
                    seqs, _ = feed_sequences(data, random_sizes(seed + 100, top))
                    self.assertSameObjects(seqs, self.tool_sequences)

    def test_writable_and_sliced_buffers(self):
        data = bytearray(read_sample())
        mv = memoryview(data)
        out = []
        with handleaudit.Reader(on_record=out.append) as reader:
            for i in range(0, len(data), 1000):
                reader.feed(mv[i:i + 1000])  # a writable buffer, passed without a copy
            reader.finish()
        self.assertSameObjects(out, self.tool_records)
        # a strided view is copied first, not misread
        doubled = bytes(b for c in data for b in (c, 0))
        with handleaudit.Reader() as reader:
            got = reader.feed(memoryview(doubled)[::2]) + reader.finish()
        self.assertSameObjects(got, self.tool_records)

    def test_whole_then_collected(self):
        """Without on_record, feed() and finish() return the records."""
        data = read_sample()
        with handleaudit.Reader() as reader:
            got = reader.feed(data) + reader.finish()
            self.assertSameObjects(got, self.tool_records)
            self.assertEqual(reader.counters["events"], 17)
            self.assertEqual(reader.counters["bytes"], len(data))
            # a second stream on the same reader reads the same
            got = reader.feed(data) + reader.finish()
            self.assertSameObjects(got, self.tool_records)

    def test_read_file_through_the_library(self):
        with handleaudit.Reader() as reader:
            self.assertSameObjects(reader.read_file(support.SAMPLE), self.tool_records)

    def test_counters(self):
        with handleaudit.Correlator() as corr:
            seqs = corr.feed(read_sample())
            seqs += corr.flush()
            c = corr.counters
        self.assertEqual(c["events"], 17)
        self.assertEqual(c["records"], 17)
        n = [x["type"] for x in seqs].count("sequence")
        self.assertEqual(c["sequences"], n)
        self.assertEqual(c["failed_opens"], len(seqs) - n)
        self.assertEqual(c["open"], 0)
        self.assertEqual(sum(c["ended"].values()), n)


class Misc(unittest.TestCase):
    def test_version(self):
        self.assertGreaterEqual(handleaudit.LIBRARY_VERSION_NUMBER, handleaudit.WRITTEN_FOR_VERSION)
        self.assertRegex(handleaudit.LIBRARY_VERSION, r"^\d+\.\d+\.\d+")

    def test_public_names_have_docstrings(self):
        for name in handleaudit.__all__:
            obj = getattr(handleaudit, name)
            if callable(obj):
                self.assertTrue(obj.__doc__ and obj.__doc__.strip(), name)
        for cls in (handleaudit.Reader, handleaudit.Correlator):
            for name in dir(cls):
                if not name.startswith("_"):
                    self.assertTrue(getattr(cls, name).__doc__, "%s.%s" % (cls.__name__, name))


if __name__ == "__main__":
    unittest.main()
