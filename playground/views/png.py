"""Small PNG files written directly (zlib, no imaging library): the live views encode a 100x100 output picture and
the neurons' thumbnails several times a second per session, and PIL's per-image overhead was most of that cost.

A palette image (one byte per pixel, indices into a colour table of at most 256 entries) is the cheapest: the
live views colour their values through a fixed scale, so the indices are the scale's levels.
"""

from __future__ import annotations

import base64
import functools
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPRESSION = 1  # zlib level: the pictures are small and encoded once; speed matters more than the last 10 %
# zlib's window and hash sizes: a 16 KB window holds these pictures whole (the same bytes as the default), and the
# smaller state (about 100 KB instead of 256 KB) is allocated from the heap rather than mapped afresh at each call,
# which halved the cost of compressing at each refresh.
WINDOW_BITS, MEMORY_LEVEL = 14, 7


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


IEND = _chunk(b"IEND", b"")


def rows_for(height: int, row_bytes: int) -> np.ndarray:
    """A (height, 1 + row_bytes) uint8 buffer for ``encode``: column 0 is each row's filter byte (0, None); the
    caller writes the pixels into ``[:, 1:]``, sparing a copy."""
    rows = np.empty((height, 1 + row_bytes), dtype=np.uint8)
    rows[:, 0] = 0
    return rows


@functools.lru_cache(maxsize=64)
def _header(width: int, height: int, colour_type: int, palette: bytes | None) -> bytes:
    """The signature, IHDR and PLTE chunks: the same for every picture of a size and palette."""
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", header) + (b"" if palette is None else _chunk(b"PLTE", palette))


def _stored(data: bytes) -> bytes:
    """A zlib stream of uncompressed ("stored") deflate blocks: no compressor state to set up, for pictures so
    small that setting it up cost more than the bytes it saves."""
    blocks = [data[start:start + 65535] for start in range(0, len(data), 65535)] or [b""]
    parts = [b"\x78\x01"]
    for index, block in enumerate(blocks):
        parts.append(struct.pack("<BHH", index == len(blocks) - 1, len(block), len(block) ^ 0xFFFF) + block)
    parts.append(struct.pack(">I", zlib.adler32(data)))
    return b"".join(parts)


def encode(rows: np.ndarray, width: int, palette: np.ndarray | None = None, *, compress: bool = True) -> bytes:
    """A PNG from ``rows_for`` rows: 8-bit RGB (3 bytes per pixel), or indices into ``palette`` ((n <= 256, 3)
    uint8). ``compress=False`` stores the rows as they are (tiny pictures)."""
    head = _header(width, len(rows), 2 if palette is None else 3, None if palette is None else palette.tobytes())
    raw = rows.tobytes()
    if compress:
        deflate = zlib.compressobj(COMPRESSION, zlib.DEFLATED, WINDOW_BITS, MEMORY_LEVEL)
        data = deflate.compress(raw) + deflate.flush()
    else:
        data = _stored(raw)
    return head + _chunk(b"IDAT", data) + IEND


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def png_bytes(pixels: np.ndarray, palette: np.ndarray | None = None) -> bytes:
    """A PNG of ``pixels``: (height, width, 3) uint8 RGB, or (height, width) uint8 indices into ``palette``
    ((n, 3) uint8, n <= 256)."""
    pixels = np.asarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    if palette is None:
        if pixels.ndim != 3 or pixels.shape[2] != 3:
            raise ValueError(f"an RGB picture is (height, width, 3); got {pixels.shape}")
    else:
        palette = np.asarray(palette, dtype=np.uint8)
        if pixels.ndim != 2 or palette.ndim != 2 or palette.shape[1] != 3 or not 0 < len(palette) <= 256:
            raise ValueError(f"a palette picture is (height, width) indices and an (n <= 256, 3) palette; got "
                             f"{pixels.shape} and {palette.shape}")
    rows = rows_for(height, pixels[0].size)
    rows[:, 1:] = pixels.reshape(height, -1)
    return encode(rows, width, palette)


def png_data_uri(pixels: np.ndarray, palette: np.ndarray | None = None) -> str:
    """The PNG as a ``data:`` URI, for an ``<img>`` or an SVG ``<image>``."""
    return data_uri(png_bytes(pixels, palette))
