"""The .evtx workloads of bench/run: a dense file grown from the corpus chunks
by ../shared/tools/evtx_grow.py, and the corpus files themselves, each with
its XML conversion by libevtx (`evtxexport -f xml`), which expat_floor reads:
the same events as XML. Cached in the work directory like the others.

Only the undamaged corpus files are used: evtxexport gives up part-way on
capi2-damaged-record and exchange-wec, and skips the damaged chunk of
bad-chunk-magic, and an XML conversion with fewer events than the .evtx
would flatter expat_floor; and evtx_grow.py counts and renumbers a chunk's
records only up to the first it cannot step over (bad-chunk-magic's zeroed
gaps, zero-data-size-event's record of size 0), so its count would not be
the file's. The damaged files are the tests' business, in tests/evtx/. Every chunk of the others is in the dense file, whose chunks
evtx_grow.py renumbers and re-checksums.
"""
import glob
import hashlib
import json
import os
import re
import subprocess
import sys

FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
DAMAGED = ("capi2-damaged-record", "exchange-wec", "bad-chunk-magic", "zero-data-size-event")


def corpus_files(shared):
    files = sorted(glob.glob(os.path.join(shared, "corpus", "*.evtx")) +
                   glob.glob(os.path.join(shared, "corpus", "evtx", "*.evtx")))
    return [f for f in files if os.path.basename(f)[:-5] not in DAMAGED]


def _sha(paths, n=10):
    h = hashlib.sha256()
    for p in paths:
        h.update(open(p, "rb").read())
    return h.hexdigest()[:n]


def xml_conversion(paths, out, count_events, log):
    """evtxexport -f xml of each file, one after the other, into `out`; its event count."""
    if not os.path.exists(out):
        log("writing %s (evtxexport -f xml of %d file%s)" % (os.path.basename(out), len(paths),
                                                            "s" if len(paths) > 1 else ""))
        with open(out + ".tmp", "wb") as f:
            for p in paths:
                r = subprocess.run(["evtxexport", "-f", "xml", p], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                if r.returncode != 0 or b"Unable to export" in r.stderr:
                    sys.exit("evtxexport could not convert %s: %s" % (p, r.stderr.decode(errors="replace")[-300:]))
                # evtxexport writes control characters raw, which XML 1.0 forbids and expat refuses; they
                # become U+FFFD, as the library's reader makes them
                f.write(FORBIDDEN.sub("\ufffd".encode(), r.stdout))
        os.replace(out + ".tmp", out)
    meta = out + ".meta.json"
    if os.path.exists(meta):
        return json.load(open(meta))
    m = {"bytes": os.path.getsize(out), "events": count_events(out)}
    json.dump(m, open(meta, "w"))
    return m


def dense(a, size_text, count_events, log):
    """evtx_grow.py --size SIZE from the corpus files; its XML conversion beside it."""
    grow = os.path.join(a.shared, "tools", "evtx_grow.py")
    sources = corpus_files(a.shared)
    if not os.path.exists(grow) or not sources:
        return None
    stem = "evtx-%s-%s-%s" % (_sha([grow], 8), _sha(sources, 8), size_text)
    path = os.path.join(a.workdir, stem + ".evtx")
    meta = path + ".meta.json"
    if not (os.path.exists(path) and os.path.exists(meta)):
        log("writing %s (evtx_grow.py --size %s, %d corpus files)" % (os.path.basename(path), size_text, len(sources)))
        p = subprocess.run([sys.executable, grow, "--size", size_text, "--out", path + ".tmp"] + sources,
                           capture_output=True, text=True, check=True)
        chunks, records = (int(x) for x in re.match(r"(\d+) chunks, (\d+) records", p.stdout).groups())
        os.replace(path + ".tmp", path)
        json.dump({"bytes": os.path.getsize(path), "events": records, "chunks": chunks}, open(meta, "w"))
    m = json.load(open(meta))
    w = {"path": path, "paths": [path], "truth": None, "bytes": m["bytes"], "events": m["events"],
         "how": "`evtx_grow.py --size %s` of %s: %s chunks, %s records"
                % (size_text, ", ".join(os.path.basename(s) for s in sources), format(m["chunks"], ","),
                   format(m["events"], ","))}
    return w


def with_xml(a, w, count_events, log):
    """Add the XML conversion to a workload (for expat_floor and the checks)."""
    xml = os.path.join(a.workdir, os.path.basename(w["paths"][0] if len(w["paths"]) == 1 else "evtx-corpus-%s"
                                                   % _sha(w["paths"], 8)) + ".xml")
    x = xml_conversion(w["paths"], xml, count_events, log)
    w.update(xml=xml, xml_bytes=x["bytes"], xml_events=x["events"])
    w["how"] += "; XML conversion (`evtxexport -f xml`, for expat_floor): %s bytes" % format(x["bytes"], ",")
    return w


def dense_with_xml(a, size_text, count_events, log):
    w = dense(a, size_text, count_events, log)
    return w and with_xml(a, w, count_events, log)


def corpus(a, count_events, log):
    """The corpus files themselves, read one after the other as one log."""
    files = corpus_files(a.shared)
    if not files:
        return None
    w = {"path": files[0], "paths": files, "truth": None, "bytes": sum(os.path.getsize(f) for f in files),
         "how": "the %d corpus .evtx files evtxexport converts whole (%s), read one after the other"
                % (len(files), ", ".join(os.path.basename(f) for f in files))}
    w = with_xml(a, w, count_events, log)
    w["events"] = w["xml_events"]  # the events of the XML conversion: what libevtx renders of them
    return w


# bench/run's program names for the rows below
PROGRAM_OF = {"expat_floor": "floor", "evtxexport -f xml": "evtxexport", "ha_bench parse": "parse",
              "ha_bench correlate": "correlate", "handleaudit": "tool", "handleaudit --threads 1": "tool-threads",
              "handleaudit --threads 2": "tool-threads"}


def programs(b, w, floor_argv, wanted):
    """(label, argv, keep_output) of the .evtx commands in `wanted`; expat_floor reads the XML conversion."""
    files = w["paths"]
    ms = [("expat_floor", floor_argv + [w.get("xml", "")], False),  # wanted only where there is one
          ("evtxexport -f xml", ["sh", "-c", 'for f; do evtxexport -f xml "$f"; done', "sh"] + files, False),
          ("ha_bench parse", [b["hb"], "parse"] + files, False),
          ("ha_bench correlate", [b["hb"], "correlate"] + files, False),
          ("handleaudit", [b["tool"]] + files, True)]
    if b["tool_threads"]:
        ms += [("handleaudit --threads 1", [b["tool"], "--threads", "1"] + files, True),
               ("handleaudit --threads 2", [b["tool"], "--threads", "2"] + files, True)]
    return [m for m in ms if PROGRAM_OF[m[0]] in wanted]
