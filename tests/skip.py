#!/usr/bin/env python3
"""A test that cannot run in this build: print why, and exit 77 (skipped).

    skip.py REASON...
"""
import sys

print("SKIP:", " ".join(sys.argv[1:]))
sys.exit(77)
