"""The entry point that builds the kiosk: camera grabber, session worker, window."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from kiosk.clock import SystemClock


class QtProblem(RuntimeError):
    """The installed Qt cannot run the kiosk; the message says what to install."""


def qt_application():
    """The QApplication, made safe from OpenCV: importing cv2 points Qt at cv2's own Qt
    plugins (QT_QPA_PLATFORM_PLUGIN_PATH), which do not match PySide6 and crash it."""
    import cv2  # noqa: F401  (imported first on purpose, so its setting can be undone)

    os.environ.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
    import PySide6
    from PySide6.QtWidgets import QApplication

    if PySide6.__version__.startswith("6.12.") and sys.version_info < (3, 12):
        # Its methods that return nothing release Python's None once too often; on 3.11
        # None is not immortal and the kiosk dies within seconds ("deallocating None").
        raise QtProblem(
            f"PySide6 {PySide6.__version__} crashes on Python {sys.version.split()[0]}: "
            "install PySide6-Essentials<6.12 (pip install 'PySide6-Essentials<6.12') "
            "or use Python 3.12 or newer")

    if sys.platform.startswith("linux") and not any(
            os.environ.get(name) for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")):
        # Qt would abort the process with a core dump and blame xcb-cursor0, installed or not.
        raise QtProblem("no screen to show the kiosk on (DISPLAY is not set): start it from the desktop "
                        "session of the station's screen, or set DISPLAY=:0 when starting it over ssh")
    return QApplication.instance() or QApplication(sys.argv[:1])


class StartProblem(RuntimeError):
    """The kiosk cannot start (the photo checks would not load); the message says why."""


@dataclass
class Kiosk:
    session: object
    worker: object
    grabber: object
    window: object

    def start(self) -> None:
        self.worker.start()
        # The models load first (about a second), so no frame goes unread at the start.
        self.worker.ready.wait(120)
        if self.worker.failed is not None:
            raise StartProblem(f"the photo checks could not start: {self.worker.failed}; "
                               "`kiosk doctor` checks the model files") from self.worker.failed
        self.grabber.start()

    def stop(self) -> None:
        self.worker.stop()
        self.grabber.stop()


def kiosk_desk(settings, open_store, printers, demo: bool = False):
    """The session's desk with today's records for the photographer: the list, voiding a
    stored photo, prints of it on `printers` (kiosk.ui.printer.Printers) and the day's
    summary (kiosk.session.Desk), read from the same store; `demo`: the demo's own store."""
    from kiosk.config import PAPERS
    from kiosk.doctor import nightly_export_scheduled
    from kiosk.printing import prepare
    from kiosk.session import DaySummary, PrintOffer, Student, TodayRow
    from kiosk.station import StationDesk

    class KioskDesk(StationDesk):
        def __init__(self, *args) -> None:
            super().__init__(*args)
            # The masked names capture codes carried, by code: the store keeps no name with a
            # capture, so a code off the roster is named in today's list only while the kiosk
            # that read it runs.
            self.code_names: dict[str, str] = {}

        def resolve(self, text: str, replace: str | None) -> Student:
            student = super().resolve(text, replace)
            if student.name_masked:
                self.code_names[student.code] = student.name_masked
            return student

        def today(self) -> tuple[TodayRow, ...]:
            rows = []
            for capture in reversed(self.store.captures()):
                entry = self.store.roster_entry(capture.code)
                name = entry.masked_name if entry else self.code_names.get(capture.code)
                rule_of = {r["id"]: r["rule"] for r in capture.results}
                rules = tuple(dict.fromkeys(rule_of.get(o.check, o.check) for o in capture.overrides))
                rows.append(TodayRow(capture.code, capture.taken_at[11:16], name, capture.status, rules,
                                     capture.end_reason))
            return tuple(rows)

        def void(self, code: str, operator: str, reason: str) -> tuple[str | None, bool]:
            """(the batch it was exported in, or None; whether the centre was told at once)."""
            from kiosk.store.export import void_and_tell

            capture, told = void_and_tell(self.store, code, operator, reason)
            return capture.batch, told is not None

        def summary(self) -> DaySummary:
            counts = self.store.counts()
            # Of the photos kept, as the summary's "saved N (with overrides: M)" reads.
            overridden = sum(1 for capture in self.store.captures(status="accepted") if capture.overrides)
            return DaySummary(counts.accepted, counts.retakes, counts.voided, overridden, counts.waiting_export, demo,
                              demo or nightly_export_scheduled())

        def print_offer(self, code: str) -> PrintOffer:
            jobs = [prepare(self.store, settings, code, paper=paper) for paper in PAPERS]
            return PrintOffer(self.store.printed(jobs[0].capture),
                              {job.sheet.paper: job.sheet.per_page for job in jobs}, printers.names(), demo)

        def print_sheet(self, code: str, copies: int, paper: str, printer: str, operator: str) -> int:
            job = prepare(self.store, settings, code, copies, paper)
            output = printers.send(job, printer)
            return self.store.record_print(job.capture, job.sheet.copies, paper=paper, output=output,
                                           operator=operator)

    return KioskDesk(settings, open_store)


def build(settings, source, clock=None, camera_clock=None, analyser_factory=None, store_folder=None) -> Kiosk:
    """Wire a kiosk around a frame source. `clock` drives the session (tests pass a
    FakeClock), `camera_clock` paces the camera (real time unless given); `store_folder`
    holds the store instead of the station's data folder (the demo's own)."""
    from kiosk.camera import Grabber
    from kiosk.session import OperatorLock, Session, photographer_pins
    from kiosk.codec import code_rank
    from kiosk.codereader import CodeReader
    from kiosk.station import Worker
    from kiosk.store import Store
    from kiosk.ui.printer import Printers
    from kiosk.ui.window import KioskWindow

    clock = clock or SystemClock()
    camera_clock = camera_clock or SystemClock()
    qt_application()

    def open_store():
        if store_folder is not None:
            return Store(store_folder, settings.station.id, clock)
        return Store.from_settings(settings, clock)

    if analyser_factory is None:
        def analyser_factory():
            from kiosk.checks import Analyser

            return Analyser(settings, mode="video")

    desk = kiosk_desk(settings, open_store, Printers(), demo=store_folder is not None)
    session = Session(settings, clock, desk)
    grabber = Grabber(source, camera_clock, settings.camera.reconnect_min_s, settings.camera.reconnect_max_s)
    worker = Worker(session, grabber, analyser_factory, CodeReader(settings.kiosk.qr_scan_width, code_rank(desk.codec)))
    op = settings.operator
    lock = OperatorLock(photographer_pins(settings), op.pin_attempts, op.lockout_s, clock)
    window = KioskWindow(settings, worker.post, grabber.latest, lock, source.fps)
    session.subscribe(window.bridge.changed.emit)
    window.show_view(session.view())
    return Kiosk(session, worker, grabber, window)


def run(settings, camera_path: str | None, windowed: bool = False, store_folder=None) -> int:
    """`kiosk run`: the full-screen kiosk until the photographer closes it."""
    import signal

    from PySide6.QtCore import QTimer

    from kiosk.camera import open_camera

    app = qt_application()
    clock = SystemClock()
    kiosk = build(settings, open_camera(settings, camera_path, clock), clock, clock, store_folder=store_folder)
    app.aboutToQuit.connect(kiosk.stop)
    # A service stop or shutdown (SIGTERM) and Ctrl+C end the kiosk as closing it does: the
    # store closes and the demo's store with its photos is removed. Python sees a signal only
    # when it runs, so a timer wakes it inside Qt's loop; the exit is queued for that loop, as
    # one asked while the models still load (before the loop runs) was lost and the kiosk ran on.
    for number in (signal.SIGTERM, signal.SIGINT):
        # not quit(): the kiosk window refuses to close
        signal.signal(number, lambda *_: QTimer.singleShot(0, lambda: app.exit(0)))
    wake = QTimer()
    wake.timeout.connect(lambda: None)
    wake.start(250)
    kiosk.start()
    window = kiosk.window
    if windowed:
        window.resize(1280, 800)
        window.show()
    else:
        from PySide6.QtCore import Qt

        # Without a window manager (a bare X session, as kiosks often run) full screen
        # is only a request: size the window to the screen ourselves, without a frame.
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        window.setGeometry(app.primaryScreen().geometry())
        window.showFullScreen()
    return app.exec()
