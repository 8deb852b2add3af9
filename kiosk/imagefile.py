"""Photo files given to the commands: the picture, or what is wrong with the file in words."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np


class ImageFileError(ValueError):
    """A file that is not a whole picture; the message says what is wrong and what to do."""


def read_image(path: Path) -> np.ndarray:
    """The picture in `path`: H x W x 3 uint8 BGR, from any format OpenCV reads (JPEG, PNG,
    WebP, BMP, TIFF). Raises ImageFileError: no such file, a folder, unreadable, cut short,
    or not a picture."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageFileError("file not found") from None
    except IsADirectoryError:
        raise ImageFileError("a folder, not a photo: give the photo's file") from None
    except OSError as e:
        raise ImageFileError(f"cannot be read ({e.strerror})") from e
    return decode_image(data)


def decode_image(data: bytes) -> np.ndarray:
    """decode_image(file bytes) -> H x W x 3 uint8 BGR. Raises ImageFileError as read_image.

    OpenCV decodes a JPEG or PNG that ends early (a copy or upload that did not finish) and
    fills the missing part with grey, which the checks would judge as the photo: such a file
    is refused instead."""
    import cv2

    if not data:  # OpenCV asserts on an empty buffer instead of returning None
        raise ImageFileError("empty: the file holds no data (a copy or save that failed); "
                             "copy the photo again from the camera or its original")
    if _cut_short(data):
        raise ImageFileError("damaged: the file ends before its picture does (a copy that did not finish); "
                             "copy the photo again from the camera or its original")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageFileError("not an image OpenCV can read: give a JPEG or PNG file")
    return image


def _cut_short(data: bytes) -> bool:
    """True for a JPEG or PNG whose picture data ends early. Pillow reads it to the end and
    says so; OpenCV only warns on stderr."""
    if not data.startswith((b"\xff\xd8", b"\x89PNG")):
        return False
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
    except OSError as e:
        return "truncated" in str(e).lower()
    except Exception:  # a file Pillow cannot parse at all: OpenCV decides
        return False
    return False
