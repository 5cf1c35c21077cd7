#!/usr/bin/env python3
"""Print every handle's sequence in a Windows Security log: process, object, how long it was open.

    PYTHONPATH=bindings/python python3 examples/correlate.py FILE

FILE is event XML in any common framing (wevtutil, Event Viewer export,
evtxexport, evtx_dump.py). One line per sequence, in the order they end,
and one per request that opened nothing (denied, or granted without a
handle), among them:

    PROCESS  OBJECT  DURATION
    PROCESS  OBJECT  request: failure
"""
import sys

import handleaudit


def main(argv):
    """Correlate the file named in argv[1] and print one line per sequence."""
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        for seq in handleaudit.correlate(argv[1]):
            if seq["type"] == "request":
                what = "request: %s" % seq["outcome"]
            elif seq["duration_ns"] is not None:
                what = "%.6f s" % (seq["duration_ns"] / 1e9)
            else:
                what = "? (%s)" % seq["end"]
            print("%s\t%s\t%s" % (seq["process_name"] or "-", seq["object_name"] or "-", what))
    except handleaudit.Error as e:
        print("correlate.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
