"""Store and export figures for the issue's targets, measured on this machine.

    python tools/bench_store.py            # all three figures
    python tools/bench_store.py --keep DIR # keep the data folders for a look afterwards

Prints: `kiosk export` of 1,000 captures (whole command, fresh process); the store's part of
`kiosk add` (save_capture after the checks); `kiosk list` and an in-process open + today's
list on a store holding 50,000 captures. Targets: 30 s, 200 ms, 1 s.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from kiosk.store import Store
from kiosk.store.store import DB_NAME

STATION = "bench-01"
RESULTS = [{"id": f"check_{i}", "rule": "bench", "verdict": "pass", "value": 0.5, "threshold": "-",
            "message_zh": "", "message_en": "", "priority": i} for i in range(14)]


def photo(seed: int, width: int, height: int, quality: int, noise: float) -> bytes:
    """A JPEG whose size is like a real one of that shape (a deliverable comes out ~30 KB)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(60, 220, width, dtype=np.float32)[None, :, None]
    image = np.clip(ramp + rng.normal(0, noise, (height, width, 3)), 0, 255).astype(np.uint8)
    return cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])[1].tobytes()


def kiosk(data: Path, *args: str) -> float:
    env = {**os.environ, "KIOSK_DATA": str(data)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kiosk", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def bench_export_and_add(root: Path) -> None:
    data = root / "export-1000"
    masters = [photo(i, 1280, 720, 95, noise=5) for i in range(10)]
    deliverables = [photo(100 + i, 480, 640, 85, noise=4) for i in range(10)]
    save_times = []
    with Store(data, STATION) as store:
        for i in range(1000):
            start = time.perf_counter()
            store.save_capture(f"B{i:05d}", masters[i % 10], deliverables[i % 10], RESULTS, operator="bench")
            save_times.append(time.perf_counter() - start)
    size_kb = sum(len(d) for d in deliverables) / len(deliverables) / 1024
    master_kb = sum(len(m) for m in masters) / len(masters) / 1024
    print(f"kiosk add, store part (save_capture after the checks; {master_kb:.0f} KB master + "
          f"{size_kb:.0f} KB deliverable, fsynced, 1000 saves): median {statistics.median(save_times) * 1000:.1f} ms, "
          f"95th percentile {sorted(save_times)[949] * 1000:.1f} ms, max {max(save_times) * 1000:.1f} ms "
          "(target 200 ms)")
    out = root / "export-target"
    out.mkdir()
    seconds = kiosk(data, "export", "--to", str(out))
    [folder] = [p for p in out.iterdir() if p.is_dir()]
    assert len(list(folder.glob("*.jpg"))) == 1000
    print(f"kiosk export of 1,000 captures ({size_kb:.0f} KB each, folder + manifest + SHA256SUMS + zip, "
          f"whole command): {seconds:.2f} s (target 30 s)")


def bench_list(root: Path) -> None:
    """50,000 captures over 100 days, 500 of them today; rows inserted directly, since
    listing reads only the database."""
    data = root / "list-50000"
    now = datetime.now().astimezone()
    with Store(data, STATION) as store, store.write():
        results = json.dumps(RESULTS)
        captures, images = [], []
        for i in range(50_000):
            taken = (now - timedelta(days=i // 500, seconds=i % 500)).isoformat(timespec="milliseconds")
            cid = uuid.uuid4().hex
            captures.append((cid, f"L{i:06d}", STATION, "bench", taken, taken[:10], "accepted", results, "[]"))
            for kind in ("master", "deliverable"):
                images.append((cid, kind, f"images/{cid[:2]}/{cid}.{kind}.jpg", "0" * 64, 30000))
        store.db.conn.executemany(
            "INSERT INTO captures (id, code, station, operator, taken_at, taken_day, status, results, overrides) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", captures)
        store.db.conn.executemany("INSERT INTO images (capture_id, kind, path, sha256, bytes) VALUES (?, ?, ?, ?, ?)",
                                  images)
    start = time.perf_counter()
    with Store(data, STATION) as store:
        today = store.captures()
        store.counts()
    in_process = time.perf_counter() - start
    assert len(today) == 500
    seconds = kiosk(data, "list")
    db_mb = (data / DB_NAME).stat().st_size / 1e6
    print(f"store of 50,000 captures ({db_mb:.0f} MB database), 500 today: open + today's list + counts "
          f"{in_process * 1000:.0f} ms in process; `kiosk list` whole command {seconds:.2f} s (target 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keep", type=Path, metavar="DIR", help="build the stores here and keep them")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        bench_export_and_add(args.keep)
        bench_list(args.keep)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            bench_export_and_add(Path(tmp))
            bench_list(Path(tmp))


if __name__ == "__main__":
    main()
