"""Kill a real `kiosk export` part-way, again and again: the next run finishes the batch,
and every accepted photo ends up in exactly one batch."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from helpers import kiosk
from test_export import batch_folders, listed, populate

from kiosk.store import Store


def export_killed_when(out: Path, appears: str) -> bool:
    """Start `kiosk export --to out` and SIGKILL it once a path matching `appears` shows up
    in `out` (plus a random moment). True if the kill landed before the export finished."""
    child = subprocess.Popen([sys.executable, "-m", "kiosk", "export", "--to", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    while child.poll() is None and not list(out.glob(appears)):
        time.sleep(0.0005)
    time.sleep(random.uniform(0, 0.02))
    child.send_signal(signal.SIGKILL)
    child.wait()
    return child.returncode == -signal.SIGKILL


def test_killed_exports_end_with_every_photo_in_exactly_one_batch(settings, tmp_path):
    out = tmp_path / "usb"
    out.mkdir()
    codes: list[str] = []
    interrupted = 0
    # kill while photos are copied, while the zip is written, and around the final renames
    for round_, appears in enumerate([".*.partial/C*.jpg", ".*.zip.partial", ".*.partial", "*.zip", "*"]):
        new = [f"C{round_}{i:03d}" for i in range(150)]
        populate(settings, new, seed=1000 * round_)
        codes += new
        if export_killed_when(out, appears):
            with Store.from_settings(settings) as store:
                interrupted += store.db.execute(
                    "SELECT count(*) FROM batches WHERE status = 'building'").fetchone()[0]

    final = kiosk("export", "--to", str(out))
    assert final.returncode == 0, final.stderr
    assert interrupted >= 2, "too few kills landed inside an export for this test to mean anything"

    exported = Counter(p.stem for folder in batch_folders(out) for p in folder.glob("*.jpg"))
    assert set(exported) == set(codes), "a photo is missing from the batches"
    assert max(exported.values()) == 1, "a photo was exported twice"
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == [], "temporary files left behind"
    captures = listed()
    assert len(captures) == len(codes) and all(c["batch"] for c in captures)
    for folder in batch_folders(out):
        assert {c["code"] for c in captures if c["batch"] == folder.name} == {p.stem for p in folder.glob("*.jpg")}
    verify = kiosk("verify")
    assert verify.returncode == 0, verify.stdout
    assert kiosk("export", "--to", str(out)).stdout.strip() == "nothing new to export"
