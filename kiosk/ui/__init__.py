"""The kiosk window (PySide6). The only package besides kiosk.app that imports Qt."""
