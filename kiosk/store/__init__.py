"""The station's store (SQLite + image files) and the nightly export. No Qt here."""

from kiosk.store.store import (
    AlreadyAccepted,
    Capture,
    Counts,
    DiskProblem,
    NoAcceptedCapture,
    Override,
    RosterEntry,
    SamePicture,
    Store,
    StoredImage,
    StoreError,
    check_code,
    confirmation_results,
)

__all__ = [
    "AlreadyAccepted",
    "Capture",
    "Counts",
    "DiskProblem",
    "NoAcceptedCapture",
    "Override",
    "RosterEntry",
    "SamePicture",
    "Store",
    "StoredImage",
    "StoreError",
    "check_code",
    "confirmation_results",
]
