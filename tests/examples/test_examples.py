#!/usr/bin/env python3
"""The C examples do what their comments say, on the shipped sample.

    test_examples.py PRINT_SEQUENCES STREAM_STDIN HANDLEAUDIT SAMPLE.xml
"""
import json, subprocess, sys


def main():
    print_sequences, stream_stdin, tool, sample = sys.argv[1:5]
    failed = 0
    want = subprocess.run([tool, sample], capture_output=True, check=True).stdout
    got = subprocess.run([print_sequences, sample], capture_output=True)
    # printf() to a text-mode stdout ends lines with CRLF on Windows
    if got.returncode != 0 or got.stdout.replace(b"\r\n", b"\n") != want:
        print("print_sequences differs from handleaudit:\n", got.stdout.decode()[:500])
        failed += 1
    data = open(sample, "rb").read()
    s = subprocess.run([stream_stdin], input=data, capture_output=True)
    lines = s.stdout.decode().splitlines()  # (CRLF or LF)
    ends = [l.split()[0] for l in lines]
    if s.returncode != 0 or ends != [json.loads(l)["end"] for l in want.splitlines()]:
        print("stream_stdin:", s.returncode, lines, s.stderr)
        failed += 1
    if "17 events, 4 sequences, 0 skipped" not in s.stderr.decode():
        print("stream_stdin summary:", s.stderr)
        failed += 1
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
