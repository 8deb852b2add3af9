"""Builds assets/demo/demo.mp4, the footage `make demo` plays as its camera.

A student holds up a demo capture code, then stands before the blue backdrop: first
tilted (the station must say so), then straight. Only photos whose licence allows it
are used (the London Set, CC BY 4.0; see assets/demo/ATTRIBUTION.md).

    .venv/bin/python tools/make_demo.py [--faces ../shared/faces]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
import qrcode

from kiosk.codec import DemoCodec

ROOT = Path(__file__).resolve().parent.parent
SIZE = (1280, 720)
FPS = 30
BACKDROP_BGR = (255, 197, 100)  # the spec's light blue RGB(100, 197, 255)
DEMO_CODE = "7KQ2M9XD3FTP"
SCENES = (  # (photo in ../shared/faces, seconds)
    ("london_synthetic/roll12_005.jpg", 3),
    ("london_synthetic/blue_005.jpg", 7),
)


def backdrop() -> np.ndarray:
    return np.full((SIZE[1], SIZE[0], 3), BACKDROP_BGR, np.uint8)


def code_card() -> np.ndarray:
    """The code as a phone screen shows it: black on white with a quiet zone."""
    text = DemoCodec().encode(DEMO_CODE, "张*三", "3101**********1234")
    qr = qrcode.QRCode(border=3, box_size=8)
    qr.add_data(text)
    image = np.array(qr.make_image(fill_color="black", back_color="white").convert("RGB"))
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR)


def place(canvas: np.ndarray, picture: np.ndarray, x: int, y: int) -> np.ndarray:
    frame = canvas.copy()
    h, w = picture.shape[:2]
    frame[y:y + h, x:x + w] = picture
    return frame


def person(path: Path) -> np.ndarray:
    photo = cv2.imread(str(path))
    if photo is None:
        raise SystemExit(f"cannot read {path}")
    side = SIZE[1] - 8  # room for the sway
    return cv2.resize(photo, (side, side), interpolation=cv2.INTER_AREA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=Path, default=ROOT.parent / "shared" / "faces")
    args = parser.parse_args()
    out = ROOT / "assets" / "demo" / "demo.mp4"
    out.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), FPS, SIZE)
    rng = np.random.default_rng(7)
    empty = backdrop()
    for _ in range(FPS):
        writer.write(empty)
    card = code_card()
    for i in range(3 * FPS):  # the code drifts a little, as a hand holds it
        dx, dy = int(6 * np.sin(i / 9)), int(4 * np.cos(i / 7))
        writer.write(place(empty, card, (SIZE[0] - card.shape[1]) // 2 + dx, 180 + dy))
    for _ in range(FPS // 2):
        writer.write(empty)
    for name, seconds in SCENES:
        picture = person(args.faces / name)
        for _ in range(seconds * FPS):  # small sway: a person never stands perfectly still
            dx, dy = rng.integers(-2, 3, size=2)
            writer.write(place(empty, picture, (SIZE[0] - picture.shape[1]) // 2 + int(dx), 8 - abs(int(dy))))
    writer.release()
    print(f"wrote {out} ({out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
