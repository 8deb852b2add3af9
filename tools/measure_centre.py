"""A full Saturday at the centre, measured: N stations x M photos collected into one upload.

    python tools/measure_centre.py                        # 10 stations x 500 photos
    python tools/measure_centre.py --stations 3 --photos 40 --report docs/centre-report.png

Each station is a real store (its own data folder) filled with accepted captures taken from
08:00 on, about 30 KB deliverables like the kiosk's, some with overrides, confirmations and
retakes, and a few capture codes accepted at two stations; each exports its batch into one
shared folder as the nightly job does. Then the real `kiosk centre collect` runs in a fresh
process: its wall time and peak memory (the child's maximum resident set) are printed, and a
second run that finds nothing new. With --report the day report's chart is written there.
The page cache is warm (the batches were just written), as on a centre PC that received them.
"""

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from kiosk.clock import FakeClock
from kiosk.store import Override, RosterEntry, Store
from kiosk.store.export import export

RULES = ["ears_visible", "glasses_glare", "hair_eyes", "jewellery", "clothing", "lighting", "head_covering"]
PHOTOGRAPHERS = ["王摄影", "李摄影", "zhou", "chen"]
NAMES = ["欧阳娜娜", "张三丰", "李小龙", "王菲"]
BUSY = [0.6, 1.0, 1.3, 1.2, 0.5, 0.9, 1.2, 1.1, 0.8]  # relative share of the photos in each hour from 08:00
CHECK = {"id": "eyes_open", "rule": "eyes", "verdict": "pass", "value": 0.3, "threshold": ">= 0.23",
         "message_zh": "", "message_en": "", "priority": 3}


def deliverable(seed: int) -> bytes:
    """A 480x640 JPEG of about 30 KB, the kiosk deliverable's size."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(60, 220, 480, dtype=np.float32)[None, :, None]
    image = np.clip(ramp + rng.normal(0, 4, (640, 480, 3)), 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 85])[1].tobytes()


def fill_station(data: Path, station: str, codes: list[str], rng: random.Random, shared: Path) -> None:
    photos = [deliverable(i) for i in range(20)]
    master = cv2.imencode(".jpg", np.zeros((360, 640, 3), np.uint8))[1].tobytes()
    start = datetime.combine(date.today(), datetime.min.time()).replace(hour=8).astimezone()
    # 08:00-17:00, busiest late morning and mid-afternoon, quiet at lunch: seconds after 08:00
    times = sorted(3600 * (h - 8 + rng.random()) for h in rng.choices(range(8, 17), BUSY, k=len(codes) + 1))
    clock = FakeClock(wall_start=start + timedelta(seconds=times[0]))
    with Store(data, station, clock) as store:
        store.import_roster([RosterEntry(c, f"2023{c[-6:]}", rng.choice(NAMES), "") for c in codes], "admin",
                            "roster.csv")
        for i, code in enumerate(codes):
            operator = rng.choice(PHOTOGRAPHERS)
            overrides = [Override(rng.choice(RULES), "judged by eye", operator)] if rng.random() < 0.06 else []
            confirmed = [dict(CHECK, id=f"confirmed_{item}", rule=item) for item in ("dyed_hair", "makeup")]
            store.save_capture(code, master, photos[i % 20], [CHECK, *confirmed], operator=operator,
                               overrides=overrides)
            if rng.random() < 0.02:  # eyes closed on the first: a retake
                store.save_capture(code, master, photos[(i + 7) % 20], [CHECK, *confirmed], operator=operator,
                                   retake_reason="eyes closed")
            clock.advance(times[i + 1] - times[i])
        export(store, shared, "{code}.jpg", "cron")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stations", type=int, default=10)
    parser.add_argument("--photos", type=int, default=500, help="photos per station")
    parser.add_argument("--conflicts", type=int, default=3, help="capture codes accepted at two stations")
    parser.add_argument("--keep", type=Path, help="build everything in this folder and keep it")
    parser.add_argument("--report", type=Path, help="write the day report's chart here")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="centre-measure-"))
    shared, out = root / "share", root / "centre"
    shared.mkdir(parents=True)
    rng = random.Random(7)
    started = time.perf_counter()
    for s in range(1, args.stations + 1):
        codes = [f"S{s:02d}{i:05d}" for i in range(args.photos)]
        if s > 1:  # the same student photographed at the station before too
            for k in range(args.conflicts if s == 2 else 0):
                codes[-1 - k] = f"S01{k:05d}"
        fill_station(root / f"HK-{s:02d}", f"HK-{s:02d}", codes, rng, shared)
    print(f"{args.stations} stations x {args.photos} photos stored and exported into {shared} "
          f"in {time.perf_counter() - started:.0f} s")

    env = dict(os.environ)
    env.pop("KIOSK_CONFIG", None)
    command = [sys.executable, "-m", "kiosk", "centre", "collect", str(shared), "--to", str(out)]
    for label in ("collect", "collect again (nothing new)"):
        start = time.perf_counter()
        with tempfile.TemporaryFile("w+") as said:
            child = subprocess.Popen(command, stdout=said, stderr=subprocess.STDOUT, env=env)
            _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the largest so far
            seconds = time.perf_counter() - start
            said.seek(0)
            last = said.read().strip().splitlines()[-1]
        print(f"{label}: {seconds:.1f} s, peak memory {usage.ru_maxrss / 1024:.0f} MB, "
              f"exit {os.waitstatus_to_exitcode(status)}\n  {last}")
    if args.report:
        run = subprocess.run([sys.executable, "-m", "kiosk", "centre", "report", "--to", str(out),
                              "--png", str(args.report)], capture_output=True, text=True, env=env, check=True)
        print(run.stdout)
    if not args.keep:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
