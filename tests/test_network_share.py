"""A data folder on a network share (NFS, SMB/CIFS) breaks SQLite's locking: the store
refuses it with the fix, before any database is opened there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_export import needs_mount

from kiosk.store import Store, StoreError
from kiosk.store.files import filesystem_type, network_share

# /proc/self/mountinfo as a station with a centre share mounted shows it.
MOUNTINFO = r"""22 27 0:21 / /proc rw,relatime - proc proc rw
27 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw
40 27 0:45 / /mnt/centre\040share rw,relatime - cifs //nas/photos rw,vers=3.0
41 27 0:46 / /srv/nfs rw,relatime - nfs4 nas:/export rw
42 41 8:2 / /srv/nfs/local rw,relatime - ext4 /dev/sdb1 rw
"""


@pytest.mark.parametrize("folder, kind, share", [
    ("/mnt/centre share/station-data", "cifs", "cifs"),
    ("/srv/nfs/station", "nfs4", "nfs4"),
    ("/srv/nfs/local/station", "ext4", None),  # a local disk mounted inside the share
    ("/home/photo/.local/share/station", "ext4", None),
    ("/mnt/centre", "ext4", None),  # a name that merely starts like a mount point
])
def test_the_file_system_of_a_folder_is_found_from_the_mount_table(folder, kind, share):
    assert filesystem_type(Path(folder), MOUNTINFO) == kind
    assert network_share(Path(folder), MOUNTINFO) == share


@needs_mount
def test_this_machines_real_mount_table_is_read(tmp_path):
    target = tmp_path / "mounted"
    target.mkdir()
    code = "import sys; from pathlib import Path; from kiosk.store.files import filesystem_type; " \
           "print(filesystem_type(Path(sys.argv[1]) / 'data'))"
    run = subprocess.run(["unshare", "-rm", "sh", "-c", 'mount -t tmpfs tmpfs "$1" && exec "$2" -c "$3" "$1"',
                          "sh", str(target), sys.executable, code], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "tmpfs", run.stderr


def test_the_store_refuses_a_data_folder_on_a_share_and_says_what_to_do(tmp_path, monkeypatch):
    share = tmp_path / "centre"
    share.mkdir()
    table = f"27 1 8:1 / / rw - ext4 /dev/sda1 rw\n40 27 0:45 / {share} rw - cifs //nas/photos rw\n"
    (tmp_path / "mountinfo").write_text(table, encoding="utf-8")
    monkeypatch.setattr("kiosk.store.files.MOUNTINFO", tmp_path / "mountinfo")
    with pytest.raises(StoreError) as refused:
        Store(share / "station-data", "HK-01")
    message = str(refused.value)
    assert "network share (cifs)" in message and "[store] data_dir" in message and "[export] folder" in message
    assert not (share / "station-data").exists()  # nothing was created there
