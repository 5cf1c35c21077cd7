"""Python callables as callbacks: what they receive, and what happens when they raise."""
import unittest

import support  # first: it puts the package on sys.path
import handleaudit


class Boom(Exception):
    pass


def sample():
    with open(support.SAMPLE, "rb") as f:
        return f.read()


BAD = sample().replace(b"<EventID>4663</EventID>", b"<EventID>4663</EventId>", 1)


class ReaderCallbacks(unittest.TestCase):
    def test_raising_on_record_stops_and_resumes(self):
        want = list(handleaudit.records(support.SAMPLE))
        seen = []

        def on_record(rec):
            seen.append(rec)
            if len(seen) in (3, 4, 11):
                raise Boom(len(seen))

        reader = handleaudit.Reader(on_record=on_record)
        with self.assertRaises(Boom) as cm:
            reader.feed(sample())
        self.assertEqual(cm.exception.args, (3,))
        self.assertEqual(len(seen), 3)  # stopped right after the third record
        # usable: the next call goes on after the record that raised
        with self.assertRaises(Boom):
            reader.feed(b"")
        self.assertEqual(len(seen), 4)
        with self.assertRaises(Boom):
            reader.finish()
        reader.finish()
        self.assertEqual(seen, want)  # every record exactly once
        reader.close()
        reader.close()  # twice is fine

    def test_raising_on_error(self):
        diags = []

        def on_error(d):
            diags.append(d)
            raise Boom()

        recs = []
        with handleaudit.Reader(on_record=recs.append, on_error=on_error) as reader:
            with self.assertRaises(Boom):
                reader.feed(BAD)
            self.assertEqual(len(diags), 1)
            reader.finish()
        self.assertEqual(len(recs), 16)
        d = diags[0]
        self.assertIsInstance(d, handleaudit.Diagnostic)
        self.assertEqual(d.code, handleaudit.Status.ERR_XML)
        self.assertFalse(d.is_warning)
        self.assertEqual((d.line, d.column), (87, 20))
        self.assertEqual(d.message, "mismatched tag")

    def test_base_exceptions_propagate(self):
        def on_record(rec):
            raise KeyboardInterrupt

        with handleaudit.Reader(on_record=on_record) as reader:
            with self.assertRaises(KeyboardInterrupt):
                reader.feed(sample())

    def test_reentry_is_refused(self):
        holder = {}

        def on_record(rec):
            holder["reader"].feed(b"<Event/>")

        with handleaudit.Reader(on_record=on_record) as reader:
            holder["reader"] = reader
            with self.assertRaisesRegex(RuntimeError, "own callbacks"):
                reader.feed(sample())

        def closing(rec):
            if not holder.get("tried"):
                holder["tried"] = True
                holder["reader"].close()

        with handleaudit.Reader(on_record=closing) as reader:
            holder["reader"] = reader
            with self.assertRaisesRegex(RuntimeError, "own callbacks"):
                reader.feed(sample())
            reader.feed(b"")  # still open and usable
            reader.finish()
            self.assertEqual(reader.counters["events"], 17)

    def test_closed_objects(self):
        reader = handleaudit.Reader()
        reader.close()
        with self.assertRaises(ValueError):
            reader.feed(b"x")
        with self.assertRaises(ValueError):
            reader.finish()
        corr = handleaudit.Correlator()
        corr.close()
        with self.assertRaises(ValueError):
            corr.flush()

    def test_exception_after_pending_records_keeps_them(self):
        """Without on_record, records completed before an on_error that raised are not lost."""
        def on_error(d):
            raise Boom()

        with handleaudit.Reader(on_error=on_error) as reader:
            with self.assertRaises(Boom):
                reader.feed(BAD)
            got = reader.feed(b"") + reader.finish()
        self.assertEqual(len(got), 16)


class CorrelatorCallbacks(unittest.TestCase):
    def test_what_callbacks_receive(self):
        opens, accesses, ends, requests = [], [], [], []
        with handleaudit.Correlator(on_open=lambda s, r: opens.append((s, r)),
                                    on_access=lambda s, r: accesses.append((s, r)),
                                    on_end=lambda s, r: ends.append((s, r)),
                                    on_request=requests.append) as corr:
            self.assertEqual(corr.feed(sample()), [])
            self.assertEqual(corr.flush(), [])
        everything = list(handleaudit.correlate(support.SAMPLE))
        want = [x for x in everything if x["type"] == "sequence"]
        self.assertEqual([s for s, _ in ends], want)
        # the sample's denied 4656 (notepad on payroll.xlsx)
        self.assertEqual(requests, [x for x in everything if x["type"] == "request"])
        self.assertEqual([(r["outcome"], r["handle_id"], r["object_name"]) for r in requests],
                         [("failure", 0, "C:\\Finance\\payroll.xlsx")])
        self.assertEqual(len(opens), len(ends))
        for s, r in opens:
            self.assertEqual(s["end"], "open")
            self.assertEqual(r["type"], "record")
            self.assertIn(r["event_id"], (4656, 4661, 4663, 4660, 4658, 4690))
        self.assertEqual(sum(s["accesses"] for s in want) + sum(s["deleted"] for s in want), len(accesses))
        for s, r in ends:
            if s["end"] == "end_of_input":
                self.assertIsNone(r)
            else:
                self.assertIn(r["event_id"], (4658, 4689, 4656, 4661, 4690))

    def test_raising_on_end_during_feed_and_flush(self):
        want = [x for x in handleaudit.correlate(support.SAMPLE) if x["type"] == "sequence"]
        ends = []

        def on_end(seq, rec):
            ends.append(seq)
            raise Boom(seq["handle_id"])

        corr = handleaudit.Correlator(on_end=on_end)
        raised = 0
        try:
            corr.feed(sample())
        except Boom:
            raised += 1
        while True:
            try:
                corr.flush()
                break
            except Boom:
                raised += 1
                self.assertLess(raised, 100)
        self.assertEqual(ends, want)
        self.assertEqual(raised, len(want))  # one exception per sequence, each stopped the call
        corr.close()

    def test_flush_resumes_end_of_input(self):
        data = sample()
        cut = data.index(b"<Event", data.index(b"4658"))  # before the first close
        seen = []

        def on_end(seq, rec):
            seen.append(seq)
            if seq["end"] == "end_of_input" and len(seen) == 1:
                raise Boom()

        with handleaudit.Correlator(on_end=on_end) as corr:
            corr.feed(data[:cut])
            with self.assertRaises(Boom):
                corr.flush()
            corr.flush()
        self.assertEqual([s["end"] for s in seen], ["end_of_input"] * len(seen))
        self.assertGreaterEqual(len(seen), 2)
        self.assertEqual(len({(s["process_id"], s["handle_id"]) for s in seen}), len(seen))

    def test_raising_on_error_in_correlator(self):
        def on_error(d):
            raise Boom()

        with handleaudit.Correlator(on_error=on_error) as corr:
            with self.assertRaises(Boom):
                corr.feed(BAD)
            got = corr.feed(b"")
            got += corr.flush()
        self.assertEqual(got, list(handleaudit.correlate(BAD, on_error=lambda d: None)))
        self.assertEqual([x["type"] for x in got].count("sequence"), 4)

    def test_requests_without_on_request_are_returned(self):
        """Without on_request, feed() returns the requests among the sequences, in order."""
        with handleaudit.Correlator() as corr:
            got = corr.feed(sample()) + corr.flush()
        self.assertEqual([x["type"] for x in got].count("request"), 1)
        self.assertEqual(got, list(handleaudit.correlate(support.SAMPLE)))

    def test_raising_on_request(self):
        def on_request(req):
            raise Boom(req["outcome"])

        with handleaudit.Correlator(on_request=on_request) as corr:
            with self.assertRaises(Boom):
                corr.feed(sample())
            rest = corr.feed(b"") + corr.flush()  # it goes on after the request
        self.assertEqual(len(rest), 4)

    def test_errors_collected_without_on_error(self):
        with handleaudit.Correlator() as corr:
            corr.feed(BAD + b"<Event><System>")
            corr.flush()
            self.assertEqual([(e.code, e.line) for e in corr.errors],
                             [(handleaudit.Status.ERR_XML, 87), (handleaudit.Status.ERR_TRUNCATED, 570)])
            self.assertEqual(corr.warnings, [])


if __name__ == "__main__":
    unittest.main()
