"""Store and export figures for the issue's targets, measured on this machine.

    python tools/bench_store.py                      # all figures
    python tools/bench_store.py --photo FACE.jpg     # `kiosk add` timed with this photo
    python tools/bench_store.py --keep DIR           # keep the data folders for a look afterwards

Prints: `kiosk export` of 1,000 captures (whole command, fresh process); `kiosk add` split
into the checks and what follows them (deliverable + durable save); the store's save alone
over 1,000 captures; `kiosk list` and an in-process open + today's list on a store holding
50,000 captures. Targets: 30 s, 200 ms after the checks, 1 s.
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

from kiosk.store import RosterEntry, Store
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


def bench_add(root: Path, photo_path: Path) -> None:
    """`kiosk add` with a real photo: the checks, then deliverable + save, timed apart."""
    from kiosk import paths
    from kiosk.checks import Analyser, render_deliverable
    from kiosk.config import load_settings

    settings = load_settings()
    data = root / "add"
    data.mkdir()
    (data / "models").symlink_to(paths.models_dir(settings).resolve(), target_is_directory=True)
    os.environ["KIOSK_DATA"] = str(data)
    image = cv2.imread(str(photo_path))
    raw = photo_path.read_bytes()
    analyser = Analyser(settings, mode="image")
    checks, after = [], []
    with Store(data, STATION) as store:
        for i in range(20):
            start = time.perf_counter()
            report = analyser.analyse(image)
            middle = time.perf_counter()
            deliverable = render_deliverable(image, report, settings.capture)
            store.save_capture(f"P{i:04d}", raw, deliverable, report.results, operator="bench",
                               crop_box=report.crop_box)
            checks.append(middle - start)
            after.append(time.perf_counter() - middle)
    analyser.close()
    print(f"kiosk add with {photo_path.name} ({image.shape[1]}x{image.shape[0]}, 20 runs): checks median "
          f"{statistics.median(checks) * 1000:.0f} ms; after the checks (deliverable + durable save) median "
          f"{statistics.median(after) * 1000:.1f} ms, max {max(after) * 1000:.1f} ms (target 200 ms)")
    with Store(data, STATION) as store:
        store.import_roster([RosterEntry("W0001", "1", "bench")], "bench", "bench")
    seconds = kiosk(data, "add", "--confirmed", str(photo_path), "--code", "W0001", "--override", "bench")
    print(f"`kiosk add` whole command (fresh process, models loaded): {seconds:.2f} s")


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
    parser.add_argument("--photo", type=Path, metavar="FACE.jpg", help="time `kiosk add` with this photo")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        bench_export_and_add(root)
        if args.photo:
            bench_add(root, args.photo)
        bench_list(root)


if __name__ == "__main__":
    main()
