"""Objects shared by threads, and sizes that do not fit their C fields.

Four threads feeding one Correlator each get their own sequences, none lost
and none refused (they were refused with a message about callbacks, and
the check-then-set of the busy flag was not atomic); a size beyond what
its C field holds is refused instead of wrapping around (2**64 + 100
became 100).
"""
import threading
import unittest

import handleaudit

EVENT = ("<Event><System><EventID>%d</EventID><Keywords>0x8020000000000000</Keywords>"
         "<TimeCreated SystemTime='2026-01-01T00:00:%02d.%07dZ'/><EventRecordID>%d</EventRecordID>"
         "<Computer>WS%02d</Computer></System><EventData>"
         "<Data Name='SubjectLogonId'>0x3e7</Data><Data Name='ObjectType'>File</Data>"
         "<Data Name='ObjectName'>C:\\t%d\\f%d.txt</Data><Data Name='HandleId'>0x%x</Data>"
         "<Data Name='ProcessId'>0x%x</Data></EventData></Event>\n")


def chunk(thread, i, n=50):
    """n handles of `thread` opened and closed: whole events, one chunk."""
    out = []
    for k in range(n):
        h = 4 * (i * n + k) + 4
        for eid in (4656, 4658):
            out.append(EVENT % (eid, k % 60, i, i * n + k + 1, thread, thread, i * n + k, h, 0x400 + thread))
    return "".join(out).encode()


class SharedTest(unittest.TestCase):
    def test_four_threads_one_correlator(self):
        corr = handleaudit.Correlator()
        got = {t: [] for t in range(4)}
        errors = []

        def work(t):
            try:
                for i in range(40):
                    got[t].extend(corr.feed(chunk(t, i)))
            except BaseException as e:  # noqa: B902 - reported below
                errors.append(e)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        self.assertEqual(errors, [])
        rest = corr.flush()
        self.assertEqual(rest, [])
        for t in range(4):
            self.assertEqual(len(got[t]), 40 * 50)
            self.assertTrue(all(s["computer"] == "WS%02d" % t and s["end"] == "close" for s in got[t]))
            self.assertEqual(len({s["handle_id"] for s in got[t]}), 40 * 50)
        corr.close()

    def test_close_waits_for_another_thread(self):
        corr = handleaudit.Correlator()
        started = threading.Event()
        done = []

        def feed():
            started.set()
            done.append(len(corr.feed(b"".join(chunk(0, i) for i in range(40)))))

        th = threading.Thread(target=feed)
        th.start()
        started.wait()
        try:
            corr.close()  # after the feed, never in its middle
        except ValueError:
            pass
        th.join()
        self.assertIn(done, ([40 * 50], []))  # fed whole, or refused as closed; never torn

    def test_sizes_beyond_their_fields(self):
        with self.assertRaises(ValueError):
            handleaudit.Reader(max_event_bytes=2 ** 64 + 100)
        with self.assertRaises(ValueError):
            handleaudit.Correlator(max_open=2 ** 64)
        with self.assertRaises(ValueError):
            handleaudit.Reader(max_depth=2 ** 32)
        with self.assertRaises(ValueError):
            handleaudit.Correlator(max_depth=2 ** 32 + 5)
        with self.assertRaises(ValueError):
            handleaudit.Reader(max_field_bytes=-1)
        handleaudit.Reader(max_event_bytes=2 ** 64 - 1, max_depth=2 ** 32 - 1).close()  # the largest fit


if __name__ == "__main__":
    unittest.main()
