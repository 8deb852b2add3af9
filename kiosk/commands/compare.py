"""`kiosk compare`: the identity pre-check on photos taken elsewhere."""

from __future__ import annotations

import math
import sys
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser("compare", help="is the person in a photo the one in a reference photo: likely, unsure, "
                                       "unlikely ([identity])",
                       description="The identity pre-check for photos taken elsewhere: compare the face in PHOTO "
                                   "with the face in REFERENCE (an enrolment or ID-card photo of the student) and "
                                   "print the similarity and the verdict by [identity] likely_min and "
                                   "unlikely_below. Nothing is stored. "
                                   "Exit status 0: likely the same person; 1: unsure or unlikely; 2: no comparison "
                                   "(a file unreadable or without a face, the identity pre-check off, the model "
                                   "missing).")
    p.add_argument("photo", type=Path, metavar="PHOTO", help="the new photo")
    p.add_argument("reference", type=Path, metavar="REFERENCE", help="the student's reference photo")
    p.set_defaults(func=compare_command)


def compare_command(args, settings) -> int:
    from kiosk.identity import IdentityError, PhotoEmbedder, similarity, verdict
    from kiosk.imagefile import ImageFileError, read_image
    from kiosk.models import ModelError

    identity = settings.identity
    if not identity.enabled:
        # Off by default (PIPL, the model's research-only training data): a centre turns it on knowingly.
        return _cannot("the identity pre-check is off: set enabled = true under [identity] in the station's config "
                       "file (`kiosk doctor` says which file and what that means), then run `kiosk models fetch`")
    images = []
    for path in (args.photo, args.reference):
        try:
            images.append(read_image(path))
        except ImageFileError as error:
            return _cannot(f"{path}: {error}")
    try:
        with PhotoEmbedder(settings) as embedder:
            embeddings = []
            for path, image, what in zip((args.photo, args.reference), images, ("photo", "reference photo")):
                try:
                    embeddings.append(embedder.embed_photo(image, what))
                except IdentityError as error:
                    return _cannot(f"{path}: {error}")
    except ModelError as error:
        return _cannot(str(error))
    score = similarity(*embeddings)
    said = verdict(score, identity)
    # Cut, not rounded, to two places: 0.698 shown as 0.70 beside "likely at 0.70" would contradict "unsure".
    shown = math.floor(score * 100) / 100
    print(f"same person as the reference: {said} (similarity {shown:.2f}; likely at {identity.likely_min:.2f} "
          f"or more, unlikely below {identity.unlikely_below:.2f})")
    causes = ("a low score often comes from glasses, hair over the eyes or brows, a strong expression or uneven "
              "light in either photo, or from a reference photo taken years ago")
    if said == "unlikely":
        print(f"check that the reference photo is this student's; if it is, {causes}")
    elif said == "unsure":
        print(causes)
    return 0 if said == "likely" else 1


def _cannot(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2
