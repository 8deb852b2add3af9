"""Kill a real process in the middle of saving captures: after a restart nothing reported
saved is lost, nothing half-written is visible, nothing is doubled."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from kiosk.store import Store

# A station that saves captures as fast as it can, reporting each once durable, the way
# the kiosk and `kiosk add` do. It skips codes that already have a photo, like an operator
# who carries on after a restart.
BURST = r"""
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from test_store import RESULTS, make_jpeg
from kiosk.store import Store

photos = [(make_jpeg(i, (1280, 720)), make_jpeg(i + 1000)) for i in range(8)]
store = Store(Path(sys.argv[1]), "hk-01")
for i in range(400):
    code = f"C{i:04d}"
    if store.accepted(code):
        continue
    # Each student's own bytes (the store refuses one picture for two codes): bytes after a
    # JPEG's end are ignored by its readers, and cost no time between saves.
    master, deliverable = (photo + code.encode() for photo in photos[i % len(photos)])
    store.save_capture(code, master, deliverable, RESULTS, operator="wang")
    print(f"saved {code}", flush=True)
"""


def run_and_kill(data: Path, after_saves: int) -> list[str]:
    """Start the burst, SIGKILL it after `after_saves` reports plus a short random delay."""
    child = subprocess.Popen([sys.executable, "-c", BURST, str(data), str(Path(__file__).parent)],
                             stdout=subprocess.PIPE, text=True)
    saved = []
    for line in child.stdout:
        saved.append(line.split()[1])
        if len(saved) >= after_saves:
            break
    # up to a few milliseconds more (a save takes about that long), so the kill lands at
    # varied points: writing images, committing, removing the intent, between saves
    time.sleep(random.uniform(0, 0.008))
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate()
    saved += [line.split()[1] for line in rest.splitlines()]  # reported before the kill landed
    assert child.returncode == -signal.SIGKILL, "the burst finished before it could be killed"
    return saved


def test_kill_during_a_burst_of_saves_loses_nothing_and_doubles_nothing(tmp_path):
    data = tmp_path / "data"
    reported: list[str] = []
    interrupted = 0
    for round_ in range(8):
        reported += run_and_kill(data, after_saves=3 + 4 * round_)
        interrupted += any((data / "incoming").iterdir())  # the kill landed inside a save
        with Store(data, "hk-01") as store:  # the restart: recovery runs on open
            captures = store.captures(all_days=True)
            codes = [c.code for c in captures]
            assert set(reported) <= set(codes), "a capture reported saved was lost"
            assert len(codes) == len(set(codes)), "a capture was stored twice"
            assert all(c.status == "accepted" for c in captures)
            assert store.verify_images() == [], "an image does not match its record"
            on_disk = {p for p in (data / "images").rglob("*") if p.is_file()}
            recorded = {img.path for c in captures for img in c.images.values()}
            assert on_disk == recorded, "files of an unfinished save are still there"
            assert list((data / "incoming").iterdir()) == []
    assert len(set(reported)) >= 3 + 4 * 7
    assert interrupted, "no kill landed inside a save: the test proved nothing"
