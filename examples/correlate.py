#!/usr/bin/env python3
"""Print every handle's sequence in a Windows Security log: process, object, how long it was open.

    PYTHONPATH=bindings/python python3 examples/correlate.py FILE

FILE is event XML in any common framing (wevtutil, Event Viewer export,
evtxexport, evtx_dump.py). One line per sequence, in the order they end:

    PROCESS  OBJECT  DURATION
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
            ns = seq["duration_ns"]
            duration = "%.6f s" % (ns / 1e9) if ns is not None else "? (%s)" % seq["end"]
            print("%s\t%s\t%s" % (seq["process_name"] or "-", seq["object_name"] or "-", duration))
    except handleaudit.Error as e:
        print("correlate.py: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
