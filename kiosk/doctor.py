"""What `kiosk doctor` checks: one item per thing a station needs, each OK or with a fix."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk import models, paths
from kiosk.camera import CameraError, open_camera
from kiosk.clock import SystemClock
from kiosk.config import ConfigError, Settings, load_settings


DEMO_PIN = "2468"  # the PIN whose hash the shipped config.toml holds


@dataclass(frozen=True)
class Item:
    name: str
    ok: bool
    detail: str
    warning: bool = False  # the station works, but should not open to students like this


def diagnose(config: Path | None, camera_path: str | None) -> list[Item]:
    try:
        settings = load_settings(config)
    except ConfigError as error:
        return [Item("config", False, str(error)), _zbar()]
    return [
        Item("config", True, str(settings.source)),
        *_models(settings),
        _zbar(),
        _camera(settings, camera_path),
        _data_folder(settings),
        _operator_pin(settings),
        _codec(settings),
    ]


def _operator_pin(settings: Settings) -> Item:
    from kiosk.session import pin_matches

    if not _PIN_HASH.fullmatch(settings.operator.pin_hash):
        return Item("photographer PIN", False, "[operator] pin_hash is not a PIN hash, so no PIN opens photographer "
                                               "mode: make one with `kiosk pin`")
    if pin_matches(DEMO_PIN, settings.operator.pin_hash):
        return Item("photographer PIN", True, f"the demo PIN {DEMO_PIN} is still set: choose your own with "
                                              "`kiosk pin` before students use the station", warning=True)
    return Item("photographer PIN", True, "set")


# What `kiosk pin` writes: pbkdf2_sha256$iterations$salt (hex)$digest (hex, 32 bytes).
_PIN_HASH = re.compile(r"pbkdf2_sha256\$[1-9][0-9]*\$(?:[0-9a-f]{2})+\$[0-9a-f]{64}")


def _codec(settings: Settings) -> Item:
    from kiosk.codec import load_codec

    if settings.kiosk.codec == "demo":
        return Item("capture codes", True, 'the demo codec is set ([kiosk] codec = "demo"): it reads demo codes, '
                                           "not CHSI's; install the authorised unit's codec", warning=True)
    try:
        load_codec(settings.kiosk.codec)
    except Exception as error:  # the authorised unit's code: any failure means no codes can be read
        return Item("capture codes", False, str(error))
    return Item("capture codes", True, f"codec {settings.kiosk.codec} loaded")


def _models(settings: Settings) -> list[Item]:
    folder = paths.models_dir(settings)
    face_parsing = settings.face_parsing
    items = []
    for model in models.MODEL_FILES:
        if model not in models.required(face_parsing):
            items.append(Item(f"model {model.name}", True, "not needed: [checks] face_parsing = false"))
            continue
        problem = models.check(folder, model)
        items.append(Item(f"model {model.name}", problem is None, problem or "present, SHA-256 correct"))
    items.append(_face_parsing_licence(face_parsing))
    return items


def _face_parsing_licence(face_parsing: bool) -> Item:
    if not face_parsing:
        return Item("face parsing licence", True, "face parsing is off ([checks] face_parsing = false): the rules "
                                                  "that need it say \"cannot tell\" and the photographer confirms "
                                                  "them on review")
    # The checkpoint's code (face-parsing.PyTorch) is MIT; its training data, CelebAMask-HQ, is not.
    return Item("face parsing licence", True,
                "the face-parsing model may be used for non-commercial research only (its training photos, "
                "CelebAMask-HQ, are licensed so): ask the centre's manager before charging for photos. To do "
                "without it set face_parsing = false under [checks] in the config file named above; the "
                "photographer then confirms ears, hair, hats, jewellery and glasses on each review", warning=True)


def _zbar() -> Item:
    try:
        from pyzbar import pyzbar  # noqa: F401  (loads libzbar)
    except ImportError as error:
        return Item("zbar", False, f"cannot load the zbar library ({error}): sudo apt-get install libzbar0")
    return Item("zbar", True, "libzbar loaded")


def _camera(settings: Settings, camera_path: str | None) -> Item:
    source = open_camera(settings, camera_path, SystemClock())
    try:
        source.open()
        image = source.read()
    except CameraError as error:
        return Item("camera", False, str(error))
    finally:
        source.close()
    height, width = image.shape[:2]
    return Item("camera", True, f"{source.describe()} gives {width}x{height} frames")


def _data_folder(settings: Settings) -> Item:
    folder = paths.data_dir(settings)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as error:
        return Item("data folder", False, f"{folder} is not writable ({error.strerror}): "
                                          f"set [store] data_dir or KIOSK_DATA to a writable folder")
    return Item("data folder", True, f"{folder} is writable")
