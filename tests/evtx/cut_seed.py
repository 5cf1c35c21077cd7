#!/usr/bin/env python3
"""Cut a small .evtx from a real one: its file header and one chunk, the
chunk's records kept while they fit in --max-bytes, the free space after
them left out. The chunk header is made to say so (last record number and
identifier, last record offset, free space offset), the string and template
table entries that pointed past the cut are cleared, and the checksums (the
file header's, the chunk header's, the records') are recomputed: a valid,
short file, a fuzzing seed for tests/fuzz/fuzz_evtx.c.

    cut_seed.py [--chunk N] [--max-bytes B] [--keep-checksums] SOURCE.evtx OUT.evtx

Only cut seeds from files whose license allows committing them (see
../shared/corpus/*/SOURCES.tsv: the MIT and CC0 ones).
"""
import argparse
import struct
import sys
import zlib

HEADER = 4096
CHUNK = 65536


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--chunk", type=int, default=0, help="which chunk (default the first)")
    ap.add_argument("--max-bytes", type=int, default=16384, help="at most this many bytes in all (default 16384)")
    ap.add_argument("--keep-checksums", action="store_true", help="leave the chunk's checksums as they were")
    ap.add_argument("source")
    ap.add_argument("out")
    a = ap.parse_args()
    data = open(a.source, "rb").read()
    if data[:8] != b"ElfFile\0":
        sys.exit("%s: not an .evtx file" % a.source)
    c = bytearray(data[HEADER + a.chunk * CHUNK:HEADER + (a.chunk + 1) * CHUNK])
    if c[:8] != b"ElfChnk\0":
        sys.exit("%s: chunk %d is not one" % (a.source, a.chunk))
    free = struct.unpack_from("<I", c, 48)[0]
    first_num, _, first_id, _ = struct.unpack_from("<QQQQ", c, 8)
    pos, n, last = 512, 0, 512
    limit = a.max_bytes - HEADER
    while pos + 28 <= free and c[pos:pos + 4] == b"\x2a\x2a\x00\x00":
        size = struct.unpack_from("<I", c, pos + 4)[0]
        if size < 28 or pos + size > free or (pos + size > limit and n > 0):
            break
        last, pos, n = pos, pos + size, n + 1
    if n == 0:
        sys.exit("%s: chunk %d has no record that fits" % (a.source, a.chunk))
    rid = struct.unpack_from("<Q", c, last + 8)[0]
    struct.pack_into("<QQQQ", c, 8, first_num, first_num + n - 1, first_id, rid)
    struct.pack_into("<II", c, 44, last, pos)
    for t in range(96):  # 64 string offsets, then 32 template offsets
        if struct.unpack_from("<I", c, 128 + 4 * t)[0] >= pos:
            struct.pack_into("<I", c, 128 + 4 * t, 0)
    if not a.keep_checksums:
        struct.pack_into("<I", c, 52, zlib.crc32(bytes(c[512:pos])) & 0xFFFFFFFF)
        crc = zlib.crc32(bytes(c[:120]))
        struct.pack_into("<I", c, 124, zlib.crc32(bytes(c[128:512]), crc) & 0xFFFFFFFF)
    h = bytearray(data[:HEADER])
    struct.pack_into("<QQQ", h, 8, 0, 0, rid + 1)
    struct.pack_into("<H", h, 42, 1)
    struct.pack_into("<I", h, 120, 0)  # clean: not dirty, not full
    struct.pack_into("<I", h, 124, zlib.crc32(bytes(h[:120])) & 0xFFFFFFFF)
    with open(a.out, "wb") as f:
        f.write(bytes(h[:HEADER]) + bytes(c[:pos]))
    print("%s: %d records (%d..%d), %d bytes" % (a.out, n, first_id, rid, HEADER + pos))


if __name__ == "__main__":
    main()
