#!/usr/bin/env python3
"""`handleaudit --threads N` gives exactly what one thread gives: the same
standard output, the same diagnostics (positions included) and the same
exit status, whatever N, in both modes.

The inputs are built so that the places where the file is cut into pieces
(the first `<Event` after each multiple of the piece size, 1 MiB for files
this size) fall inside damaged events: an event truncated right before a
cut, junk, a control character, an oversized event, a DOCTYPE, CRLF lines.

    test_threads.py HANDLEAUDIT [GEN.py]
"""
import os, subprocess, sys, tempfile

MiB = 1 << 20


def event(rid, handle, pid=0x100, eid=4656, extra=""):
    return ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
            "<EventID>%d</EventID><Version>1</Version><Keywords>0x8020000000000000</Keywords>"
            "<TimeCreated SystemTime='2026-01-01T00:00:%02d.%07dZ'/><EventRecordID>%d</EventRecordID>"
            "<Computer>H</Computer></System><EventData><Data Name='SubjectLogonId'>0x1</Data>"
            "<Data Name='ObjectType'>File</Data><Data Name='ObjectName'>C:\\f%d%s</Data>"
            "<Data Name='HandleId'>0x%x</Data><Data Name='ProcessId'>0x%x</Data>"
            "<Data Name='AccessMask'>0x1</Data></EventData></Event>\n"
            % (eid, rid // 10000000 % 60, rid % 10000000, rid, rid, extra, handle, pid))


def damaged_stream(path):
    out, rid = [], 0
    size = 0
    n = 0
    while size < 6 * MiB:
        rid += 1
        next_cut = (size // MiB + 1) * MiB
        if 0 < next_cut - size < 600 and n % 3 == 0:
            # truncated right before the cut: the next `<Event` is past it
            piece = event(rid, 4 * rid)[:-300] + "\n"
        elif rid % 97 == 0:
            piece = "random junk between events ~~~\n"
        elif rid % 89 == 0:
            piece = event(rid, 4 * rid, extra="\x03")  # repaired with a warning
        elif rid % 211 == 0:
            piece = "<!DOCTYPE x [<!ENTITY e 'v'>]>\n"
        elif rid % 53 == 0:
            piece = event(rid, 4 * rid, eid=4658)
        elif rid % 61 == 0:
            piece = event(rid, 4 * rid).replace("</EventData>", "</EventDat>")
        elif rid % 7 == 0:
            piece = event(rid, 4 * (rid - 5), eid=4663).replace("\n", "\r\n")
        else:
            piece = event(rid, 4 * rid)
        out.append(piece)
        size += len(piece.encode())
        n += 1
    open(path, "w", newline="").write("".join(out))


def run(tool, *args):
    p = subprocess.run([tool, *args], capture_output=True)
    return p.returncode, p.stdout, p.stderr


def main():
    tool = sys.argv[1]
    gen = sys.argv[2] if len(sys.argv) > 2 else None
    failed = 0
    with tempfile.TemporaryDirectory() as d:
        inputs = [os.path.join(d, "damaged.xml")]
        damaged_stream(inputs[0])
        if gen and os.path.exists(gen):
            for args in (["--seed", "3"], ["--seed", "4", "--hosts", "6", "--noise", "0.6", "--root", "--pretty"]):
                out = os.path.join(d, "gen%s.xml" % args[1])
                subprocess.run([sys.executable, gen, "--events", "8000", *args, "--out", out,
                                "--truth", out + ".truth"], check=True)
                inputs.append(out)
        for path in inputs:
            size = os.path.getsize(path)
            for mode in ([], ["--records"], ["--strict"]):
                base = run(tool, *mode, path)
                if not base[1]:
                    print("%s %s: no output" % (os.path.basename(path), mode))
                    failed += 1
                for n in ("2", "3", "0"):
                    got = run(tool, *mode, "--threads=" + n, path)
                    same = got == base
                    print("%s (%d MB) %s --threads=%s: %s" % (os.path.basename(path), size >> 20, " ".join(mode),
                                                              n, "same" if same else "DIFFERENT"))
                    if not same:
                        failed += 1
                        if got[2] != base[2]:
                            a, b = base[2].decode().splitlines(), got[2].decode().splitlines()
                            print("  stderr lines %d vs %d; first difference: %s" % (
                                len(a), len(b), next(((x, y) for x, y in zip(a, b) if x != y), None)))
            if path.endswith("damaged.xml"):
                rc, _, err = run(tool, "--strict", path)
                kinds = [k for k in ("cut short", "unexpected data", "U+FFFD", "DOCTYPE", "mismatched tag")
                         if k.encode() in err]
                print("damaged.xml reports: %s (exit %d)" % (kinds, rc))
                if len(kinds) < 5 or rc != 1:
                    print("  the damaged stream does not exercise every kind of damage")
                    failed += 1
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
