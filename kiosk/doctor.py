"""What `kiosk doctor` checks: one item per thing a station needs, each OK or with a fix."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from kiosk import models, paths
from kiosk.camera import CameraError, FrameSource, open_camera
from kiosk.clock import Clock, SystemClock
from kiosk.config import ConfigError, Settings, load_settings, smallest_camera, user_config_file




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
        _config(settings),
        *_models(settings),
        *_identity(settings),
        _zbar(),
        _camera(settings, camera_path),
        _data_folder(settings),
        _operator_pin(settings),
        _codec(settings),
        _nightly_export(),
    ]


def nightly_export_scheduled() -> bool:
    """Whether this user's systemd timer for the nightly export (assets/systemd/, set up as
    docs/nightly-export.md says) is enabled. False also where systemd cannot be asked: the
    station then promises no export that it cannot see."""
    import subprocess

    try:
        done = subprocess.run(["systemctl", "--user", "is-enabled", "kiosk-export.timer"],
                              capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == "enabled"


def _nightly_export() -> Item:
    if nightly_export_scheduled():
        return Item("nightly export", True, "kiosk-export.timer is enabled for this user")
    return Item("nightly export", True, "not scheduled (no enabled kiosk-export.timer for this user): accepted photos "
                                        "wait until someone runs `kiosk export`; set it up as docs/nightly-export.md "
                                        "says", warning=True)


def _config(settings: Settings) -> Item:
    """Which file the station reads, and each value it sets apart from the shipped defaults."""
    if not settings.overrides:
        return Item("config", True, f"{settings.source} (the shipped defaults, nothing changed; a station's own "
                                    f"settings go in {user_config_file()}, holding only the keys it changes)")
    # The PIN's hash is a secret: a 4-digit PIN falls to a brute force of its hash in seconds.
    secret = ("operator.pin_hash", "operator.photographers.")
    changed = "; ".join(f"{key} = {('(set)' if value else '(off)') if key.startswith(secret) else repr(value)}"
                        for key, value in settings.overrides)
    return Item("config", True, f"{settings.source} sets, apart from the shipped defaults: {changed}")


def _operator_pin(settings: Settings) -> Item:
    from kiosk.session import DEMO_PIN, photographer_pins, pin_matches

    pins = photographer_pins(settings)
    if demo := [name for name, pin_hash in pins.items() if pin_matches(DEMO_PIN, pin_hash)]:
        return Item("photographer PIN", True, f"the demo PIN {DEMO_PIN} is still set ({', '.join(demo)}): choose "
                                              "your own with `kiosk pin` before students use the station", warning=True)
    named = settings.operator.photographers
    if not named:
        return Item("photographer PIN", True, "set")
    shared = "the station's PIN is off" if not settings.operator.pin_hash else "the station's PIN is set too"
    return Item("photographer PIN", True, f"photographers with a PIN of their own: {', '.join(named)}; {shared}")


def _codec(settings: Settings) -> Item:
    from kiosk.codec import load_codec

    if settings.kiosk.codec == "demo":
        return Item("capture codes", True, 'the demo codec is set ([kiosk] codec = "demo"): it reads demo codes, '
                                           "not CHSI's; install the authorised unit's codec package into .venv "
                                           'and set [kiosk] codec = "package.module:factory" as it names it',
                    warning=True)
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
        if model is models.IDENTITY:  # reported with the identity pre-check, which needs it
            continue
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
                "without it set face_parsing = false under [checks] in the station's config file (see config); the "
                "photographer then confirms ears, hair, hats, jewellery and glasses on each review", warning=True)


def _identity(settings: Settings) -> list[Item]:
    """Off: one OK line. On: the face-recognition model's file, and what the centre takes on."""
    if not settings.identity.enabled:
        return [Item("identity pre-check", True, "off ([identity] enabled = false)")]
    model = models.IDENTITY
    problem = models.check(paths.models_dir(settings), model)
    return [
        Item(f"model {model.name}", problem is None, problem or "present, SHA-256 correct"),
        Item("identity pre-check", True,
             "on: each new photo is compared with the student's reference photo by face recognition. The "
             "recognition model is free to use (Apache-2.0), but it learnt from collections of face photos "
             "published for non-commercial research: ask the centre's manager before charging for photos. Face "
             "features are sensitive personal information under the PIPL (个人信息保护法): compare only with the "
             "student's consent, keep reference photos no longer than the roster, and keep only the score. To "
             "turn it off set enabled = false under [identity] in the station's config file (see config)", warning=True),
    ]


def _zbar() -> Item:
    try:
        from pyzbar import pyzbar  # noqa: F401  (loads libzbar)
    except ImportError as error:
        return Item("zbar", False, f"cannot load the zbar library ({error}): sudo apt-get install libzbar0")
    import numpy as np

    from kiosk.codereader import ZbarError, zbar_qr

    try:
        zbar_qr(np.zeros((8, 8), np.uint8))  # capture codes are read in zbar's binary mode
    except ZbarError as error:
        return Item("zbar", False, f"{error}: install libzbar0 0.23 or newer")
    return Item("zbar", True, "libzbar loaded, binary mode available")


def _camera(settings: Settings, camera_path: str | None) -> Item:
    clock = SystemClock()
    try:
        source = open_camera(settings, camera_path, clock)
    except CameraError as error:
        return Item("camera", False, str(error))
    return camera_item(source, settings, clock)


# Below this share of [camera] fps the guidance lags behind the student visibly.
SLOW_FPS_SHARE = 0.6


def camera_item(source: FrameSource, settings: Settings, clock: Clock, seconds: float = 1.0) -> Item:
    """Opens `source`, reads it for `seconds` of `clock` after its first frame, and judges
    the frames against [camera]: FAIL when smaller than width x height (the kiosk would
    refuse them; kiosk.config.smallest_camera is the least size to set instead), black (a
    covered lens) or black and white, WARN when the measured rate is under SLOW_FPS_SHARE
    of fps."""
    from kiosk.checks.scene import frame_fault

    asked, smallest = settings.camera, smallest_camera(settings)

    try:
        source.open()
        source.read()
        start = clock.now()
        frames, sizes = 0, set()
        while clock.now() - start < seconds:
            image = source.read()
            frames += 1
            sizes.add(image.shape[1::-1])
        elapsed = clock.now() - start
        delivered = source.delivered
    except CameraError as error:
        return Item("camera", False, str(error))
    finally:
        source.close()
    # A camera that switches size now and then is judged by its smallest frames.
    width, height = min(sizes, key=lambda size: size[0] * size[1])
    fps = frames / elapsed
    fourcc = f" {delivered.fourcc}" if delivered and delivered.fourcc else ""
    gives = f"{source.describe()} gives {width}x{height}{fourcc} at {fps:.0f} fps (measured over {elapsed:.1f} s)"
    if (width, height) == (asked.height, asked.width):
        return Item("camera", False, f"{source.describe()} gives {width}x{height}, the {asked.width}x{asked.height} "
                                     "asked turned upright (a camera mounted on its side, or rotated by its "
                                     f"driver): to use it so, set [camera] width = {width} and height = {height}; "
                                     "else turn it back")
    if width < asked.width or height < asked.height:
        return Item("camera", False, f"{source.describe()} gives {width}x{height} although {asked.width}x"
                                     f"{asked.height} was asked: it may not support that size in "
                                     f"{asked.fourcc or 'its default format'}; try another USB port or cable "
                                     "(not through a USB 2 hub), check `v4l2-ctl --list-formats-ext`, or set "
                                     f"[camera] width/height to a size it offers at least {smallest[0]} wide and "
                                     f"{smallest[1]} high (the upright deliverable is cut from it"
                                     + (f": {width}x{height} is too {'narrow' if width < smallest[0] else 'low'}"
                                        if width < smallest[0] or height < smallest[1] else "")
                                     + "); a camera that offers none cannot make the photo")
    fault = frame_fault(image)  # as the kiosk judges its frames
    if fault == "dark":
        return Item("camera", False, f"{gives}, all black: take off the lens cap, or check the camera's exposure "
                                     "and the light on the student")
    if fault == "grey":
        return Item("camera", False, f"{gives} in black and white: the photo must be 24-bit colour; switch off the "
                                     "camera's black-and-white mode in its software, or check `v4l2-ctl "
                                     "--list-ctrls` and raise saturation (a grey thing filling the picture, such as "
                                     "a phone held close, looks the same: point the camera at the backdrop and "
                                     "run doctor again)")
    if fps < SLOW_FPS_SHARE * asked.fps:
        return Item("camera", True, f"{gives}, well below the {asked.fps:g} fps asked: the guidance will lag; "
                                    'set [camera] fourcc = "MJPG" (uncompressed formats carry 5-10 fps at '
                                    "1280x720), and light the student well (in dim light webcams lengthen the "
                                    "exposure and drop frames)", warning=True)
    return Item("camera", True, gives)


def _data_folder(settings: Settings) -> Item:
    from kiosk.store.files import network_share
    from kiosk.store.store import network_share_problem

    folder = paths.data_dir(settings)
    if share := network_share(folder):
        return Item("data folder", False, network_share_problem(folder, share))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as error:
        return Item("data folder", False, f"{folder} is not writable ({error.strerror}): "
                                          f"set [store] data_dir or KIOSK_DATA to a writable folder")
    from kiosk.store.store import DB_NAME

    # Not a fault on a new station; a station that has taken photos and shows this reads the wrong folder.
    held = "holds the station's store" if (folder / DB_NAME).exists() else \
        "holds no station store yet (the first kiosk run makes it; a station that has taken photos reads another folder)"
    return Item("data folder", True, f"{folder} is writable and {held}")
