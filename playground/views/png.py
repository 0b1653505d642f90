"""Small PNG files written directly (zlib, no imaging library): the live views encode a 100x100 output picture and
the neurons' thumbnails several times a second per session, and PIL's per-image overhead was most of that cost.

A palette image (one byte per pixel, indices into a colour table of at most 256 entries) is the cheapest: the
live views colour their values through a fixed scale, so the indices are the scale's levels.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COMPRESSION = 1  # zlib level: the pictures are small and encoded once; speed matters more than the last 10 %


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)))


def rows_for(height: int, row_bytes: int) -> np.ndarray:
    """A (height, 1 + row_bytes) uint8 buffer for ``encode``: column 0 is each row's filter byte (0, None); the
    caller writes the pixels into ``[:, 1:]``, sparing a copy."""
    rows = np.empty((height, 1 + row_bytes), dtype=np.uint8)
    rows[:, 0] = 0
    return rows


def encode(rows: np.ndarray, width: int, palette: np.ndarray | None = None) -> bytes:
    """A PNG from ``rows_for`` rows: 8-bit RGB (3 bytes per pixel), or indices into ``palette`` ((n <= 256, 3)
    uint8)."""
    colour_type = 2 if palette is None else 3
    header = struct.pack(">IIBBBBB", width, len(rows), 8, colour_type, 0, 0, 0)
    parts = [SIGNATURE, _chunk(b"IHDR", header)]
    if palette is not None:
        parts.append(_chunk(b"PLTE", palette.tobytes()))
    parts += [_chunk(b"IDAT", zlib.compress(rows.tobytes(), COMPRESSION)), _chunk(b"IEND", b"")]
    return b"".join(parts)


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
