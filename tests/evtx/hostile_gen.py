#!/usr/bin/env python3
"""Damaged variants of real .evtx files, aimed at every structure of the format.

    hostile_gen.py [--mode small|full] [--seed N] --out VARIANTS CORPUS_DIR_OR_FILE...

Parses each file's EVTX layout (libyal's "Windows XML Event Log (EVTX)"
format document): the file header; each chunk's header, its common-string
table (64 offsets) and the string entries they point to, its template table
(32 offsets) and the template definitions; each record's header, its BinXML
token stream (fragment header, template instance, the inline template
definition), its substitution value descriptors (count, then size and type
per value), the values, and the size copy that ends the record; and the
chunk's free space. Then writes one line per variant for hostile_evtx.c:

    NAME SOURCE FIRST_CHUNK CHUNKS CHECKSUMS LENGTH [OFFSET=HEXBYTES ...]

SOURCE is a file, cut to its header and CHUNKS chunks from FIRST_CHUNK (a
small window keeps each variant fast; every window is decoded undamaged
first, as the reference); LENGTH truncates the window; each patch writes
bytes at an offset of the window. CHECKSUMS is "bad" when the damage is left
for the checksums to find, "fixed" when the file header's or the chunk's
CRC32s were recomputed after it (patches of their own, in the same line), so
that the decoder meets the damage itself, not a checksum that gives it away.
NAME says the structure and the mutation (chunk1.template_def.size.set32-max).

--mode small: a few hundred variants (one per structure and kind, few
windows); full: thousands.
"""
import argparse
import glob
import os
import random
import struct
import sys
import zlib

HEADER = 4096
CHUNK = 65536


def u16(b, o):
    return struct.unpack_from("<H", b, o)[0]


def u32(b, o):
    return struct.unpack_from("<I", b, o)[0]


class Chunk:
    """Where each structure of one chunk lies (offsets in the chunk)."""

    def __init__(self, c):
        self.regions = {}  # structure -> [(start, end, label)]
        self.fields = []   # (structure, offset, width, label): integer fields worth setting to extremes
        self.free = min(u32(c, 48), CHUNK) if c[:8] == b"ElfChnk\0" else 512
        self.add("chunk_header", 0, 8, "signature")
        for off, w, label in ((8, 8, "first_number"), (16, 8, "last_number"), (24, 8, "first_id"),
                              (32, 8, "last_id"), (40, 4, "header_size"), (44, 4, "last_record"),
                              (48, 4, "free_space"), (52, 4, "records_crc"), (120, 4, "flags"), (124, 4, "crc")):
            self.add("chunk_header", off, off + w, label)
            self.fields.append(("chunk_header", off, w, label))
        self.add("string_table", 128, 384, "offsets")
        self.add("template_table", 384, 512, "offsets")
        for i in range(64):
            self.fields.append(("string_table", 128 + 4 * i, 4, "offset%d" % i))
        for i in range(32):
            self.fields.append(("template_table", 384 + 4 * i, 4, "offset%d" % i))
        if c[:8] != b"ElfChnk\0":
            return
        seen = set()
        for i in range(64):
            o = u32(c, 128 + 4 * i)
            while 512 <= o < CHUNK - 8 and o not in seen:  # each bucket is a list: follow `next`
                seen.add(o)
                n = u16(c, o + 6)
                self.add("string_entry", o, min(o + 8 + 2 * n + 2, CHUNK), "entry")
                self.fields += [("string_entry", o, 4, "next"), ("string_entry", o + 6, 2, "length")]
                o = u32(c, o)
        for i in range(32):
            o = u32(c, 384 + 4 * i)
            while 512 <= o < CHUNK - 24 and o not in seen:
                seen.add(o)
                self.template(c, o)
                o = u32(c, o)
        pos = 512
        while pos + 28 <= self.free and c[pos:pos + 4] == b"\x2a\x2a\x00\x00":
            size = u32(c, pos + 4)
            if size < 28 or pos + size > self.free:
                break
            self.record(c, pos, size, seen)
            pos += size
        if pos < CHUNK:
            self.add("free_space", pos, CHUNK, "after the last record")

    def add(self, kind, start, end, label):
        if end > start:
            self.regions.setdefault(kind, []).append((start, end, label))

    def template(self, c, o):
        size = u32(c, o + 20)
        self.add("template_def", o, o + 24, "header")
        self.fields += [("template_def", o, 4, "next"), ("template_def", o + 20, 4, "size")]
        self.add("template_tokens", o + 24, min(o + 24 + size, CHUNK), "tokens")

    def record(self, c, pos, size, seen):
        self.add("record_header", pos, pos + 24, "header")
        self.fields += [("record_header", pos + 4, 4, "size"), ("record_header", pos + 8, 8, "id")]
        self.add("record_header", pos + size - 4, pos + size, "size_copy")
        self.fields.append(("record_header", pos + size - 4, 4, "size_copy"))
        b = pos + 24
        end = pos + size - 4
        # fragment header (0x0f 1 1 0), then a template instance (0x0c)
        if c[b] != 0x0F or c[b + 4] != 0x0C:
            self.add("token_stream", b, end, "binxml")
            return
        self.add("token_stream", b, b + 14, "fragment and template instance")
        self.fields += [("token_stream", b + 6, 4, "template_id"), ("token_stream", b + 10, 4, "template_offset")]
        t = u32(c, b + 10)
        v = b + 14
        if t == v and t not in seen:  # the definition is inline, in this record
            seen.add(t)
            self.template(c, t)
            v = t + 24 + u32(c, t + 20)
        elif t == v:
            v = t + 24 + u32(c, t + 20)
        if v + 4 > end:
            return
        n = u32(c, v)
        self.add("value_desc", v, min(v + 4 + 4 * n, end), "count and descriptors")
        self.fields.append(("value_desc", v, 4, "count"))
        for i in range(min(n, 64)):
            self.fields += [("value_desc", v + 4 + 4 * i, 2, "size%d" % i),
                            ("value_desc", v + 6 + 4 * i, 1, "type%d" % i)]
        self.add("values", v + 4 + 4 * n, end, "values")


def file_header_regions():
    regions = {"file_header": [(0, 8, "signature")]}
    fields = []
    for off, w, label in ((8, 8, "first_chunk"), (16, 8, "last_chunk"), (24, 8, "next_record"),
                          (32, 4, "header_size"), (36, 2, "minor"), (38, 2, "major"), (40, 2, "block_size"),
                          (42, 2, "chunk_count"), (120, 4, "flags"), (124, 4, "crc")):
        regions["file_header"].append((off, off + w, label))
        fields.append(("file_header", off, w, label))
    regions["file_header"].append((128, HEADER, "padding"))
    return regions, fields


def fix_checksums(win, off):
    """Patches that make the checksums of the structure at `off` right again."""
    if off < HEADER:
        return [(124, struct.pack("<I", zlib.crc32(bytes(win[:120])) & 0xFFFFFFFF))]
    c0 = HEADER + (off - HEADER) // CHUNK * CHUNK
    c = win[c0:c0 + CHUNK]
    if len(c) < 512:
        return []
    free = min(max(u32(c, 48), 512), len(c))
    data = struct.pack("<I", zlib.crc32(bytes(c[512:free])) & 0xFFFFFFFF)
    c[52:56] = data
    head = zlib.crc32(bytes(c[:120]))
    head = zlib.crc32(bytes(c[128:512]), head) & 0xFFFFFFFF
    return [(c0 + 52, data), (c0 + 124, struct.pack("<I", head))]


def extremes(old, width):
    top = (1 << (8 * width)) - 1
    vals = {0: "zero", top: "max", top >> 1: "maxsigned", old + 1: "plus1", (old - 1) & top: "minus1",
            min(old * 2, top): "double"}
    if width >= 2:
        vals[0x8000 if width == 2 else 0xFFF0] = "mid"
    if width >= 4:
        vals[CHUNK] = "chunk"
        vals[CHUNK - 2] = "chunkend"
    return [(v & top, name) for v, name in vals.items() if (v & top) != old]


def variants_for(path, data, a, rng, out):
    nchunks = (len(data) - HEADER) // CHUNK
    if data[:8] != b"ElfFile\0" or nchunks < 1:
        return 0
    base = os.path.basename(path)[:-len(".evtx")]
    # windows: the whole file when small, else a few of its chunks (the first, one in the middle, the last)
    if nchunks <= 2:
        windows = [(0, nchunks)]
    else:
        picks = sorted({0, nchunks // 2, nchunks - 1} if a.mode == "full" else {rng.randrange(nchunks)})
        windows = [(max(0, p - 1), min(3, nchunks - max(0, p - 1))) for p in picks]
    count = 0
    per_kind = a.per_kind
    for first, n in windows:
        win = bytearray(data[:HEADER] + data[HEADER + first * CHUNK:HEADER + (first + n) * CHUNK])
        regions, fields = file_header_regions()
        for k in range(n):
            ch = Chunk(win[HEADER + k * CHUNK:HEADER + (k + 1) * CHUNK])
            c0 = HEADER + k * CHUNK
            for kind, rs in ch.regions.items():
                regions.setdefault(kind, []).extend((c0 + s, c0 + e, "chunk%d.%s" % (k, lab)) for s, e, lab in rs)
            fields += [(kind, c0 + o, w, "chunk%d.%s" % (k, lab)) for kind, o, w, lab in ch.fields]

        def emit(name, length, patches, off, fixed):
            nonlocal count
            if fixed:
                tmp = bytearray(win)
                for o, b in patches:
                    tmp[o:o + len(b)] = b
                patches = patches + fix_checksums(tmp, off)
            out.write("%s.%s %s %d %d %s %d%s\n" % (base, name.replace(" ", "_"), path, first, n, "fixed" if fixed else "bad", length,
                                                    "".join(" %d=%s" % (o, b.hex()) for o, b in patches)))
            count += 1

        for kind, rs in sorted(regions.items()):
            for i in range(per_kind):
                s, e, label = rs[rng.randrange(len(rs))]
                off = rng.randrange(s, e)
                fixable = not label.endswith("crc")  # fixing a damaged checksum would undo the damage
                bit = 1 << rng.randrange(8)
                emit("w%d.%s.%s.flip%d@%d" % (first, kind, label, bit, off), len(win),
                     [(off, bytes([win[off] ^ bit]))], off, fixable and i % 2 == 1)
                b = rng.randrange(256)
                if b != win[off]:
                    emit("w%d.%s.%s.byte%02x@%d" % (first, kind, label, b, off), len(win), [(off, bytes([b]))], off,
                         fixable and i % 2 == 0)
                emit("w%d.%s.%s.trunc@%d" % (first, kind, label, off), off, [], off, False)
        by_kind = {}
        for f in fields:
            by_kind.setdefault(f[0], []).append(f)
        fs = [f for _, fk in sorted(by_kind.items()) for f in rng.sample(fk, min(len(fk), a.fields_per_kind))]
        for kind, off, w, label in fs:
            if off + w > len(win):
                continue
            old = int.from_bytes(win[off:off + w], "little")
            ext = extremes(old, w)
            if a.mode != "full":
                ext = rng.sample(ext, min(2, len(ext)))
            for v, vname in ext:
                emit("w%d.%s.%s.set%d-%s" % (first, kind, label, 8 * w, vname), len(win),
                     [(off, v.to_bytes(w, "little"))], off, not label.endswith("crc"))
        # truncations at the edges: inside the header, at and around chunk boundaries, mid-record
        cuts = {8, 127, 128, HEADER - 1, HEADER, HEADER + 1, HEADER + 511, HEADER + 512, HEADER + 513}
        for k in range(1, n + 1):
            cuts |= {HEADER + k * CHUNK - 1, HEADER + k * CHUNK - 300}
        for cut in sorted(c for c in cuts if c < len(win)):
            emit("w%d.edge.trunc@%d" % (first, cut), cut, [], cut, False)
    return count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mode", choices=("small", "full"), default="small")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-files", type=int, default=0, help="at most this many files (0: all)")
    ap.add_argument("sources", nargs="+")
    a = ap.parse_args()
    a.per_kind = 1 if a.mode == "small" else 12            # byte mutations per structure and window
    a.fields_per_kind = 1 if a.mode == "small" else 8      # integer fields set to extremes, the same
    files = []
    for s in a.sources:
        files += sorted(glob.glob(os.path.join(s, "*.evtx"))) if os.path.isdir(s) else [s]
    rng = random.Random(a.seed)
    if a.mode == "small":
        # the smallest files whole and a window of a few others: a few hundred variants
        files = sorted(files, key=os.path.getsize)[:6]
    if a.max_files:
        files = files[:a.max_files]
    total = 0
    with open(a.out, "w") as out:
        for f in files:
            with open(f, "rb") as fh:
                total += variants_for(os.path.abspath(f), fh.read(), a, rng, out)
    print("%d variants of %d files" % (total, len(files)))
    return 0 if total else 77


if __name__ == "__main__":
    sys.exit(main())
