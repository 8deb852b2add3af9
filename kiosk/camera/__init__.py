"""Frame sources (a USB camera, or files for demo and tests) and the newest-frame grabber."""

from __future__ import annotations

from kiosk.camera.base import CameraError, Format, Frame, FrameSource
from kiosk.camera.file import FileCamera
from kiosk.camera.grabber import Grabber
from kiosk.camera.usb import UsbCamera
from kiosk.clock import Clock
from kiosk.config import Settings

__all__ = ["CameraError", "FileCamera", "Format", "Frame", "FrameSource", "Grabber", "UsbCamera", "open_camera"]


def open_camera(settings: Settings, path: str | None, clock: Clock) -> FrameSource:
    """--camera PATH plays files; otherwise the USB camera named in [camera]. Raises
    CameraError for a [camera] fourcc that is no pixel format."""
    if path:
        return FileCamera(path, settings.camera.fps, clock)
    camera = settings.camera
    return UsbCamera(camera.device, camera.width, camera.height, camera.fps, camera.fourcc)
