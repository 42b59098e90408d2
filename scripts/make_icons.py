"""Draw Havre's icons (src/havre/web/static/icons/): a pink disc with a white play sign on black.

Run once when the design changes: `python3 scripts/make_icons.py`. Pure Python (zlib), no imaging
library. The home-screen icons keep the disc inside the central 80% (a "maskable" icon's safe
zone, which a phone may cut to a circle or a squircle); the small favicon fills its square.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "src" / "havre" / "web" / "static" / "icons"
BG, DISC, SIGN = (0, 0, 0), (0xFE, 0x2C, 0x55), (255, 255, 255)
Rgb = tuple[int, int, int]


def write_png(path: Path, rows: list[list[int]]) -> None:
    size = len(rows)
    raw = b"".join(b"\x00" + bytes(row) for row in rows)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def colour(x: float, y: float, radius: float) -> Rgb:
    """The colour at (x, y), in units of the icon's side."""
    if (x - 0.5) ** 2 + (y - 0.5) ** 2 > radius ** 2:
        return BG
    scale = radius / 0.34
    left, tip, half_height = 0.5 - 0.08 * scale, 0.5 + 0.18 * scale, 0.17 * scale
    if left <= x <= tip and abs(y - 0.5) <= (tip - x) / (tip - left) * half_height:
        return SIGN
    return DISC


def render(size: int, radius: float, samples: int = 4) -> list[list[int]]:
    """Each pixel the mean of samples x samples points in it (smooth edges)."""
    rows = []
    for j in range(size):
        row: list[int] = []
        for i in range(size):
            total = [0, 0, 0]
            for sj in range(samples):
                for si in range(samples):
                    c = colour((i + (si + 0.5) / samples) / size, (j + (sj + 0.5) / samples) / size, radius)
                    total = [t + v for t, v in zip(total, c, strict=True)]
            row += [round(t / samples ** 2) for t in total]
        rows.append(row)
    return rows


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    write_png(ICONS / "icon-32.png", render(32, 0.49))
    for size in (180, 192, 512):
        write_png(ICONS / f"icon-{size}.png", render(size, 0.34, 4 if size < 512 else 3))


if __name__ == "__main__":
    main()
