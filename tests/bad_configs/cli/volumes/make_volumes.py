#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Writes the damaged volumes the cases in tests/bad_configs/cli/ import (run it from anywhere; the
# files are small and committed, this records how they were made). Standard library only.
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def tiff(pages, width=4, height=3, description=None, page_sizes=None):
    """A classic little-endian TIFF: one uncompressed uint8 strip per page, IFDs after the pixels."""
    out = bytearray(b"II*\0\0\0\0\0")
    strips = []
    for p in range(pages):
        w, h = page_sizes[p] if page_sizes else (width, height)
        strips.append((len(out), w, h))
        out += bytes((4 if (x % w) == w - 1 else 0) for x in range(w * h))
    desc_at = None
    if description:
        desc_at = len(out)
        out += description.encode() + b"\0"
    if len(out) % 2:
        out += b"\0"
    ifds = []
    for p, (at, w, h) in enumerate(strips):
        entries = [(256, 3, 1, w), (257, 3, 1, h), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
                   (273, 4, 1, at), (277, 3, 1, 1), (278, 3, 1, h), (279, 4, 1, w * h)]
        if description and p == 0:
            entries.insert(4, (270, 2, len(description) + 1, desc_at))
        ifds.append(entries)
    ifd_offsets = []
    for entries in ifds:
        ifd_offsets.append(len(out))
        out += struct.pack("<H", len(entries))
        for tag, typ, count, value in entries:
            if typ == 3:
                out += struct.pack("<HHIHH", tag, typ, count, value, 0)
            else:
                out += struct.pack("<HHII", tag, typ, count, value)
        out += b"\0\0\0\0"  # next IFD, patched below
    for i, at in enumerate(ifd_offsets):
        nxt = ifd_offsets[i + 1] if i + 1 < len(ifd_offsets) else 0
        link = at + 2 + 12 * len(ifds[i])
        out[link:link + 4] = struct.pack("<I", nxt)
    out[4:8] = struct.pack("<I", ifd_offsets[0])
    return bytes(out)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# A 3-page stack cut short: its last IFD lies past the end of the file.
whole = tiff(3)
write("truncated_stack.tif", whole[:len(whole) - 20])
# ImageJ's description says 5 images; the IFD chain has 3 (pages lost when it was saved).
write("imagej_missing_pages.tif", tiff(3, description="ImageJ=1.54f\nimages=5\nslices=5\n"))
# The second page is wider than the first.
write("pages_disagree.tif", tiff(2, page_sizes=[(4, 3), (5, 3)]))
# NRRD: 3 sizes for dimension 2 (vtkNrrdReader reads past its axis arrays on such headers).
write("sizes_vs_dimension.nrrd", b"NRRD0004\ntype: uint8\ndimension: 2\nsizes: 4 4 4\nencoding: raw\n\n" + bytes(64))
# NRRD: uint16 header, uint8 data (the file is half the size).
write("uint8_data_uint16_header.nrrd",
      b"NRRD0004\ntype: uint16\ndimension: 3\nsizes: 4 4 4\nendian: little\nencoding: raw\n\n" + bytes(64))
# Detached NRRD whose data file is short.
write("short_data.nhdr", b"NRRD0004\ntype: uint8\ndimension: 3\nsizes: 4 4 4\nencoding: raw\ndata file: short_data.raw\n")
write("short_data.raw", bytes(40))
# Raw: 4x4x4 uint16 values given as uint8 (twice the bytes).
write("uint16_as_uint8.raw", bytes(128))
