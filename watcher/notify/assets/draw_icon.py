"""Draw cwwatch's notification icon, a magnifier over a document, as a 128×128 RGBA PNG (pure Python).

    python watcher/notify/assets/draw_icon.py    # rewrites cwwatch.png beside this file

``cwwatch.svg`` is the same drawing as a vector. Nothing imports this file; it is how the PNG was made.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

N = 128
SS = 4  # samples per pixel and axis (anti-aliasing)

BG = (27, 94, 168)  # a deep blue rounded square
PAPER = (250, 250, 247)
FOLD = (205, 214, 226)
LINE = (150, 165, 185)
LENS = (214, 236, 255)
RING = (33, 37, 46)
HANDLE = (240, 140, 30)  # orange: the magnifier reads at 32 px too
LX, LY, LR, LW = 80.0, 78.0, 24.0, 8.0  # the lens: centre, radius, ring width
TEXT_LINES = ((40, 66), (52, 78), (64, 62), (76, 74), (88, 56), (100, 66))  # y, end x


def _rrect(x: float, y: float, x0: float, y0: float, x1: float, y1: float, r: float) -> float:
    """Signed distance to a rounded rectangle (negative inside)."""
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2 - r, (y1 - y0) / 2 - r
    dx, dy = abs(x - cx) - hx, abs(y - cy) - hy
    return math.hypot(max(dx, 0), max(dy, 0)) + min(max(dx, dy), 0) - r


def _segment(x: float, y: float, ax: float, ay: float, bx: float, by: float) -> float:
    """Distance to the segment a–b."""
    px, py, vx, vy = x - ax, y - ay, bx - ax, by - ay
    t = max(0.0, min(1.0, (px * vx + py * vy) / (vx * vx + vy * vy)))
    return math.hypot(px - vx * t, py - vy * t)


def colour(x: float, y: float) -> tuple[int, int, int, int]:
    """The colour at a point, painted back to front."""
    c: tuple[int, ...] | None = None
    if _rrect(x, y, 4, 4, 124, 124, 24) <= 0:
        c = BG
    corner = x > 74 and y < 32 and (x - 74) + (32 - y) > 16  # cut off: the page's corner is folded
    if _rrect(x, y, 26, 16, 90, 112, 5) <= 0 and not corner:
        c = FOLD if x >= 74 and y <= 32 else PAPER
        if any(_segment(x, y, 36, ly, end, ly) <= 2.6 for ly, end in TEXT_LINES):
            c = LINE
    d = math.hypot(x - LX, y - LY)
    u = math.cos(math.radians(45))
    if _segment(x, y, LX + u * (LR + LW / 2), LY + u * (LR + LW / 2), LX + u * 58, LY + u * 58) <= 7.5:
        c = HANDLE
    if d <= LR - LW / 2:  # the lens tints what lies under it
        c = tuple(round(0.55 * a + 0.45 * b) for a, b in zip(c or BG, LENS, strict=True))
    elif d <= LR + LW / 2:
        c = RING
    return (0, 0, 0, 0) if c is None else (c[0], c[1], c[2], 255)


def pixels() -> bytes:
    """The image's rows, each with PNG filter byte 0, RGBA, alpha-weighted average of the samples."""
    out = bytearray()
    for py in range(N):
        out.append(0)
        for px in range(N):
            r = g = b = a = 0
            for sy in range(SS):
                for sx in range(SS):
                    cr, cg, cb, ca = colour(px + (sx + 0.5) / SS, py + (sy + 0.5) / SS)
                    r, g, b, a = r + cr * ca, g + cg * ca, b + cb * ca, a + ca
            out += bytes((round(r / a), round(g / a), round(b / a), round(a / SS**2))) if a else b"\0\0\0\0"
    return bytes(out)


def png(raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", N, N, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("cwwatch.png")
    target.write_bytes(png(pixels()))
    print(f"wrote {target}")
