"""10,000 callbacks that raise leak neither C objects nor Python ones.

Memory is measured as the resident set size (/proc/self/statm) and the peak
(resource.getrusage ru_maxrss) before and after each loop, after a warm-up;
each may grow by less than LIMIT. The figures are printed on standard error.
HANDLEAUDIT_LEAK_ITERATIONS changes the count (e.g. fewer under valgrind).
"""
import gc
import os
import resource
import sys
import unittest

import support  # first: it puts the package on sys.path
import handleaudit

ITERATIONS = int(os.environ.get("HANDLEAUDIT_LEAK_ITERATIONS", "10000"))
LIMIT = 4 << 20  # bytes


class Boom(Exception):
    pass


def sample():
    with open(support.SAMPLE, "rb") as f:
        return f.read()


DATA = sample()


class NoLeaks(unittest.TestCase):
    def measure(self, name, body, n=ITERATIONS):
        for i in range(max(n // 10, 10)):  # warm up: caches, free lists, arenas
            body(i)
        gc.collect()
        rss0 = support.rss_bytes()
        peak0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        for i in range(n):
            body(i)
        gc.collect()
        rss1 = support.rss_bytes()
        peak1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print("\n[leak] %s: %d iterations: rss %s -> %s (%+d KiB), maxrss %d -> %d KiB (%+d KiB)"
              % (name, n, rss0 and rss0 // 1024, rss1 and rss1 // 1024,
                 (rss1 - rss0) // 1024 if rss0 and rss1 else 0,
                 peak0 // 1024, peak1 // 1024, (peak1 - peak0) // 1024), file=sys.stderr)
        if rss0 is not None:
            self.assertLess(rss1 - rss0, LIMIT)
        self.assertLess(peak1 - peak0, LIMIT)

    def test_new_reader_each_time(self):
        def on_record(rec):
            raise Boom(rec["event_id"])

        def body(i):
            with handleaudit.Reader(on_record=on_record) as reader:
                try:
                    reader.feed(DATA)
                except Boom:
                    pass
                else:
                    self.fail("no exception")

        self.measure("Reader created, raising, closed", body)

    def test_one_reader_raising_again_and_again(self):
        def on_record(rec):
            raise Boom()

        reader = handleaudit.Reader(on_record=on_record)
        state = {"need_data": True, "raised": 0}

        def body(i):
            try:
                reader.feed(DATA if state["need_data"] else b"")
                state["need_data"] = True  # this stream is used up: feed it again
            except Boom:
                state["raised"] += 1
                state["need_data"] = False

        self.measure("one Reader, raising on every record", body)
        self.assertGreater(state["raised"], ITERATIONS)
        reader.close()

    def test_new_correlator_each_time(self):
        def on_open(seq, rec):
            if rec["event_id"] == 4690:
                raise Boom()

        def on_end(seq, rec):
            raise Boom()

        def body(i):
            corr = handleaudit.Correlator(on_open=on_open, on_end=on_end)
            try:
                for _ in range(3):
                    try:
                        corr.feed(DATA if _ == 0 else b"")
                    except Boom:
                        pass
                try:
                    corr.flush()
                except Boom:
                    pass
            finally:
                corr.close()  # frees sequences still open, without callbacks

        self.measure("Correlator created, raising in on_open/on_end, closed", body)

    def test_generators_abandoned(self):
        def body(i):
            gen = handleaudit.correlate(DATA)
            next(gen)
            gen.close()  # GeneratorExit inside: the correlator is closed
            gen = handleaudit.records(DATA)
            next(gen)
            del gen  # collected without close()

        self.measure("generators abandoned after one item", body, n=max(ITERATIONS // 5, 10))


if __name__ == "__main__":
    unittest.main()
