"""Fatal errors raise handleaudit.Error; malformed events become Diagnostics."""
import os
import tempfile
import unittest
import warnings

import support  # first: it puts the package on sys.path
import handleaudit
from handleaudit import Error, Status


def sample():
    with open(support.SAMPLE, "rb") as f:
        return f.read()


class MissingFile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.path = os.path.join(self.tmp.name, "no-such-file.xml")

    def assertIoError(self, e):
        self.assertEqual(e.code, Status.ERR_IO)
        self.assertEqual(e.message, "cannot open %s: No such file or directory" % self.path)
        # the position, as the library gives it: the stream's start for a file that never opened
        self.assertEqual((e.offset, e.line, e.column), (0, 1, 1))
        self.assertIn(self.path, str(e))
        self.assertIn("ERR_IO", str(e))

    def test_records(self):
        with self.assertRaises(Error) as cm:
            list(handleaudit.records(self.path))
        self.assertIoError(cm.exception)
        self.assertIsInstance(cm.exception.__cause__, FileNotFoundError)

    def test_correlate(self):
        with self.assertRaises(Error) as cm:
            next(handleaudit.correlate(self.path))
        self.assertIoError(cm.exception)

    def test_library_reads_the_file(self):
        """The library's own message (ha_reader_last_diag) is the same text."""
        with handleaudit.Reader() as reader:
            with self.assertRaises(Error) as cm:
                reader.read_file(self.path)
            self.assertIoError(cm.exception)
            # and the reader goes on
            self.assertEqual(len(reader.read_file(support.SAMPLE)), 17)

    def test_a_directory(self):
        with self.assertRaises(Error) as cm:
            list(handleaudit.records(self.tmp.name))
        self.assertEqual(cm.exception.code, Status.ERR_IO)
        self.assertIn(self.tmp.name, cm.exception.message)


class Diagnostics(unittest.TestCase):
    def test_positions(self):
        bad = sample().replace(b"<EventID>4663</EventID>", b"<EventID>4663</EventId>", 1)
        with handleaudit.Reader() as reader:
            recs = reader.feed(bad + b"\n<Event><System>") + reader.finish()
            self.assertEqual(len(recs), 16)
            self.assertEqual(len(reader.errors), 2)
            xml, trunc = reader.errors
            self.assertEqual((xml.code, xml.line, xml.column, xml.is_warning), (Status.ERR_XML, 87, 20, False))
            self.assertEqual(xml.offset, 3382)
            self.assertLess(xml.event_offset, xml.offset)
            self.assertEqual(bad[xml.event_offset:xml.event_offset + 6], b"<Event")
            self.assertEqual(trunc.code, Status.ERR_TRUNCATED)
            self.assertEqual(reader.counters["errors"], 2)

    def test_warning_for_a_control_character(self):
        data = sample().replace(b'<Data Name="SubjectUserName">alice</Data>',
                                b'<Data Name="SubjectUserName">al\x03ice</Data>', 1)
        self.assertTrue(data != sample(), "the sample changed: fix this test")
        with handleaudit.Reader() as reader:
            recs = reader.feed(data) + reader.finish()
            self.assertEqual(len(recs), 17)
            self.assertEqual(reader.errors, [])
            self.assertEqual([w.code for w in reader.warnings], [Status.ERR_CONTROL_CHAR])
            self.assertTrue(reader.warnings[0].is_warning)
        self.assertEqual(recs[0]["fields"]["SubjectUserName"], "al\ufffdice")

    def test_event_too_large(self):
        with handleaudit.Reader(max_event_bytes=512) as reader:
            recs = reader.feed(sample()) + reader.finish()
            self.assertEqual(recs, [])
            self.assertTrue(reader.errors)
            self.assertTrue(all(e.code == Status.ERR_EVENT_TOO_LARGE for e in reader.errors))

    def test_on_error_given_means_not_collected(self):
        got = []
        with handleaudit.Reader(on_error=got.append) as reader:
            reader.feed(b"<Event><System></Event>")
            reader.finish()
            self.assertEqual(reader.errors, [])
        self.assertEqual(len(got), 1)


class Misuse(unittest.TestCase):
    def test_str_is_not_data(self):
        with handleaudit.Reader() as reader:
            with self.assertRaises(TypeError):
                reader.feed("<Event/>")
        with self.assertRaises(TypeError):
            list(handleaudit.records(12))

    def test_negative_bounds(self):
        with self.assertRaises(ValueError):
            handleaudit.Reader(max_event_bytes=-1)
        with self.assertRaises(ValueError):
            handleaudit.Correlator(max_open=-1)

    def test_error_object(self):
        e = Error(-1, "out of memory", 10, 2, 3)
        self.assertIs(e.code, Status.ERR_NOMEM)
        self.assertEqual((e.message, e.offset, e.line, e.column), ("out of memory", 10, 2, 3))
        self.assertEqual(str(e), "out of memory [ERR_NOMEM] at line 2, column 3 (byte 10)")
        self.assertEqual(handleaudit.strerror(Status.ERR_IO), handleaudit.strerror(-3))
        self.assertTrue(handleaudit.strerror(-999))


class MalformedByDefault(unittest.TestCase):
    """records() and correlate() do not drop malformed events silently: each
    is a MalformedEventWarning unless on_error takes it."""

    BAD = sample().replace(b"<EventID>4663</EventID>", b"<EventID>4663</EventId>", 1)

    def test_warning_by_default(self):
        for fn in (handleaudit.records, handleaudit.correlate):
            with self.subTest(fn.__name__):
                with warnings.catch_warnings(record=True) as seen:
                    warnings.simplefilter("always")
                    got = list(fn(self.BAD))
                bad = [w for w in seen if issubclass(w.category, handleaudit.MalformedEventWarning)]
                self.assertEqual(len(bad), 1, [str(w.message) for w in seen])
                d = bad[0].message.diagnostic
                self.assertEqual((d.code, d.line, d.is_warning), (Status.ERR_XML, 87, False))
                self.assertIn("line 87", str(bad[0].message))
                self.assertTrue(got)  # the events around it are still read

    def test_warning_as_exception(self):
        with warnings.catch_warnings():
            warnings.simplefilter("error", handleaudit.MalformedEventWarning)
            with self.assertRaises(handleaudit.MalformedEventWarning) as cm:
                list(handleaudit.correlate(self.BAD))
        self.assertEqual(cm.exception.diagnostic.code, Status.ERR_XML)

    def test_on_error_takes_them(self):
        errors = []
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            list(handleaudit.records(self.BAD, on_error=errors.append))
        self.assertEqual([w for w in seen if issubclass(w.category, handleaudit.EventWarning)], [])
        self.assertEqual([e.code for e in errors], [Status.ERR_XML])

    def test_repaired_is_its_own_warning(self):
        data = sample().replace(b"<Data Name=\"SubjectUserName\">alice", b"<Data Name=\"SubjectUserName\">al\x03ice", 1)
        self.assertNotEqual(data, sample())
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            list(handleaudit.records(data))
        kinds = [w.category for w in seen if issubclass(w.category, handleaudit.EventWarning)]
        self.assertEqual(kinds, [handleaudit.RepairedEventWarning])


if __name__ == "__main__":
    unittest.main()
