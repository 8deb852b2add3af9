"""`kiosk demo`: the kiosk on the demo footage, with a store of its own, so demo photos
never join the station's nightly export."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from kiosk.store.store import DB_NAME


def test_the_demo_keeps_its_store_out_of_the_station_data_folder_and_removes_it_when_stopped(data_dir, tmp_path):
    """Also when it is stopped by a signal (a service stop, a shutdown), not only closed: its
    photos of whoever tried it do not stay on the disk."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "TMPDIR": str(scratch)}
    demo = subprocess.Popen([sys.executable, "-m", "kiosk", "demo", "--windowed"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The store opens when the footage's capture code is read (the roster is asked).
        deadline = time.monotonic() + 90
        while not list(scratch.glob(f"kiosk-demo-*/{DB_NAME}")) and time.monotonic() < deadline:
            assert demo.poll() is None, demo.communicate()[1]
            time.sleep(0.5)
        assert list(scratch.glob(f"kiosk-demo-*/{DB_NAME}")), "the demo never opened its store"
        assert not (data_dir / DB_NAME).exists()
        demo.terminate()
        demo.communicate(timeout=30)
        assert demo.returncode == 0
        assert not list(scratch.glob("kiosk-demo-*")), "the demo's store was left on the disk"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate(timeout=30)
