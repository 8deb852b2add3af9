"""A centre of several stations: one upload to CHSI from every station's batches. No Qt here.

Each station keeps its own store and exports its batch into one shared folder (a mounted
share, or a USB drive carried between machines). `collect` verifies every batch it finds
there and hands each accepted photo over in exactly one upload; `resolve` settles a capture
code accepted at two stations; `report` draws the day for the centre manager.

The centre's own state (which batch went into which upload, conflicts, resolutions, audit)
is a small SQLite file in the centre's folder (OUT), never in the shared folder: SQLite's
locking does not hold on a network share, and a USB drive can be carried off mid-write.
"""

from kiosk.centre.state import CentreError, CentreState

__all__ = ["CentreError", "CentreState"]
