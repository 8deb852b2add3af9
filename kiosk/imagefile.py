"""Photo files given to the commands: the picture, or what is wrong with the file in words."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

# A 200-megapixel phone photo reads in 6 s and 2.3 GB on 2 cores; a 900-megapixel PNG of
# 110 KB took 5.7 GB and crashed MediaPipe with the process.
MAX_MEGAPIXELS = 250
# Pillow's own limit (89 megapixels, an error from 179) gives way to that one, checked first.
Image.MAX_IMAGE_PIXELS = None


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
    if (size := _pixel_size(data)) is not None and size[0] * size[1] > MAX_MEGAPIXELS * 1e6:
        raise ImageFileError(f"too large: {size[0]} x {size[1]} pixels ({size[0] * size[1] / 1e6:.0f} megapixels), "
                             f"over the {MAX_MEGAPIXELS} the station reads; save a smaller copy "
                             "(4000 pixels on the long side is plenty for a 480x640 photo)")
    if _cut_short(data):
        raise ImageFileError("damaged: the file ends before its picture does (a copy that did not finish); "
                             "copy the photo again from the camera or its original")
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ImageFileError("not an image OpenCV can read: give a JPEG or PNG file")
    return image


def _pixel_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the file's header, before anything is decoded; None when Pillow
    cannot parse it (OpenCV then decides)."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            return picture.size
    except Exception:  # a file Pillow cannot parse: OpenCV decides
        return None


def _cut_short(data: bytes) -> bool:
    """True for a JPEG or PNG whose picture data ends early. Pillow reads it to the end and
    says so; OpenCV only warns on stderr."""
    if not data.startswith((b"\xff\xd8", b"\x89PNG")):
        return False
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
    except OSError as e:
        return "truncated" in str(e).lower()
    except Exception:  # a file Pillow cannot parse at all: OpenCV decides
        return False
    return False
