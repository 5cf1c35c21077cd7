#!/usr/bin/env python3
"""Run the Python binding's tests (every tests/test_*.py) with unittest.

    run_tests.py [--tool HANDLEAUDIT] [--sample SAMPLE.xml] [--shared SHARED_DIR] [-k PATTERN] [-v]

The options set HANDLEAUDIT_TOOL, HANDLEAUDIT_SAMPLE and HANDLEAUDIT_SHARED
for the tests (see support.py); the library comes from HANDLEAUDIT_LIBRARY
or ctypes.util.find_library. Exit status 0 when every test passed or was
skipped, 1 otherwise.
"""
import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tool", help="the handleaudit command-line tool")
    ap.add_argument("--sample", help="examples/data/sample-security.xml")
    ap.add_argument("--shared", help="the shared folder (corpus, gen.py, check.py)")
    ap.add_argument("-k", dest="patterns", action="append", help="only tests matching this substring")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    for opt, var in (("tool", "HANDLEAUDIT_TOOL"), ("sample", "HANDLEAUDIT_SAMPLE"), ("shared", "HANDLEAUDIT_SHARED")):
        value = getattr(a, opt)
        if value:
            os.environ[var] = os.path.abspath(value)
    sys.path.insert(0, HERE)
    sys.path.insert(1, os.path.dirname(HERE))  # the package, when PYTHONPATH does not name it

    import handleaudit
    print("handleaudit binding on libhandleaudit %s (%s)"
          % (handleaudit.LIBRARY_VERSION, os.environ.get("HANDLEAUDIT_LIBRARY") or "found by find_library"))

    loader = unittest.TestLoader()
    if a.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in a.patterns]
    suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    result = unittest.TextTestRunner(verbosity=2 if a.verbose else 1, stream=sys.stdout).run(suite)
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
