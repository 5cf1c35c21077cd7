#!/usr/bin/env python3
"""The C examples do what their comments say, on the shipped sample.

    test_examples.py PRINT_SEQUENCES STREAM_STDIN HANDLEAUDIT SAMPLE.xml
"""
import json, re, subprocess, sys


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
    objs = [json.loads(l) for l in want.splitlines()]
    if s.returncode != 0 or ends != [o.get("end", o["type"]) for o in objs]:
        print("stream_stdin:", s.returncode, lines, s.stderr)
        failed += 1
    if not any(o["type"] == "request" for o in objs):
        print("stream_stdin: the sample has no request to show")
        failed += 1
    # an unknown duration says so (it once printed "-1.000 s"): without its
    # 4658s and 4689s, the sample's handles are still open at the end
    text = data.decode("utf-8")
    events = re.findall(r"<Event\b.*?</Event>", text, re.S)
    unclosed = "".join(e for e in events if not re.search(r"<EventID>(4658|4689)</EventID>", e)).encode()
    u = subprocess.run([stream_stdin], input=unclosed, capture_output=True)
    ulines = [l for l in u.stdout.decode().splitlines() if l.startswith("end_of_input")]
    if u.returncode != 0 or not ulines or any(" unknown " not in l for l in ulines) \
            or "-1.000" in u.stdout.decode():
        print("stream_stdin: an unknown duration not written as such:", u.stdout.decode())
        failed += 1
    if "17 events, 4 sequences, 0 skipped" not in s.stderr.decode():
        print("stream_stdin summary:", s.stderr)
        failed += 1
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
