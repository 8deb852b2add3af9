"""`kiosk doctor`: can this station take photos?"""

from __future__ import annotations

import argparse


def register(sub) -> None:
    doctor = sub.add_parser("doctor", help="check the station: config, models, the face-parsing licence, zbar, "
                                           "camera, data folder, PIN, codec")
    doctor.add_argument("--camera", metavar="PATH", help="check this video, image or folder of images instead of the USB camera")
    doctor.set_defaults(func=run_doctor, needs_settings=False)


def run_doctor(args: argparse.Namespace, _settings: None) -> int:
    from kiosk.doctor import diagnose

    ok = True
    for item in diagnose(args.config, args.camera):
        ok &= item.ok
        mark = "FAIL" if not item.ok else "WARN" if item.warning else "OK  "
        print(f"{mark}  {item.name}: {item.detail}")
    print("the station can take photos" if ok else "the station cannot take photos yet: fix the FAIL lines above")
    return 0 if ok else 1
