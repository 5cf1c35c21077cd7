"""State snapshots: save and load through the library's callbacks, and their errors."""
import io
import os
import re
import tempfile
import unittest

import support  # first: it puts the package on sys.path
import handleaudit
from handleaudit import Error, Status


def events():
    with open(support.SAMPLE, "rb") as f:
        return re.findall(rb"<Event\b.*?</Event>", f.read(), re.S)


class Snapshots(unittest.TestCase):
    def setUp(self):
        self.events = events()
        self.first, self.rest = b"\n".join(self.events[:9]), b"\n".join(self.events[9:])
        whole = handleaudit.Correlator()
        self.want = whole.feed(b"\n".join(self.events)) + whole.flush()
        whole.close()

    def restarted(self, carry):
        one = handleaudit.Correlator()
        got = one.feed(self.first)
        two = handleaudit.Correlator()
        carry(one, two)
        one.close()
        got += two.feed(self.rest) + two.flush()
        two.close()
        return got

    def test_bytes(self):
        def carry(one, two):
            data = one.save()
            self.assertEqual(data[:8], b"HASTATE\x1a")
            self.assertEqual(one.save(), data)  # saving changes nothing
            two.load(data)
        self.assertEqual(self.restarted(carry), self.want)

    def test_file_objects(self):
        def carry(one, two):
            f = io.BytesIO()
            self.assertIsNone(one.save(f))
            f.seek(0)
            two.load(f)
        self.assertEqual(self.restarted(carry), self.want)

    def test_files(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.state")
            self.assertEqual(self.restarted(lambda one, two: (one.save_file(path), two.load_file(path))), self.want)

    def test_refused(self):
        c = handleaudit.Correlator()
        c.feed(self.first)
        data = c.save()
        bad = bytearray(data)
        bad[len(bad) // 2] ^= 1
        with self.assertRaises(Error) as e:
            c.load(bytes(bad))
        self.assertEqual(e.exception.code, Status.ERR_SNAPSHOT)
        self.assertTrue(e.exception.message.startswith("corrupt snapshot: "), e.exception.message)
        self.assertGreater(e.exception.offset, 0)
        self.assertEqual(c.save(), data)  # nothing changed
        with self.assertRaises(Error) as e:
            c.load(data[:100])
        self.assertEqual((e.exception.code, e.exception.offset), (Status.ERR_SNAPSHOT, 100))
        tight = handleaudit.Correlator(max_open=1)
        with self.assertRaises(Error) as e:
            tight.load(data)
        self.assertEqual(e.exception.code, Status.ERR_LIMIT)
        self.assertIn("max_open (1)", e.exception.message)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "missing.state")
            with self.assertRaises(Error) as e:
                c.load_file(path)
            self.assertEqual(e.exception.code, Status.ERR_IO)
            self.assertEqual(e.exception.path, path)
            self.assertEqual(e.exception.message, "cannot open %s: No such file or directory" % path)
        for x in (c, tight):
            x.close()

    def test_callbacks_raise(self):
        c = handleaudit.Correlator()
        c.feed(self.first)

        class Broken(io.RawIOBase):
            def write(self, b):
                raise OSError("disk on fire")

            def readinto(self, b):
                raise OSError("disk on fire")

        with self.assertRaisesRegex(OSError, "disk on fire"):
            c.save(Broken())
        before = c.save()
        with self.assertRaisesRegex(OSError, "disk on fire"):
            c.load(Broken())
        self.assertEqual(c.save(), before)
        c.close()


if __name__ == "__main__":
    unittest.main()
