"""The identity pre-check: is the student in the new photo the person in a reference photo?

CHSI compares every graduation photo with the student's enrolment and ID-card photos weeks
later; this compares them at the station, so the photographer hears of a likely failure while
the student is still there. It never blocks: the verdict is advice to the photographer.

SFace (OpenCV Zoo, `face_recognition_sface_2021dec_int8bq.onnx`, kiosk.models.IDENTITY) turns
a face into 128 numbers; two photos of one person give embeddings pointing the same way, so
the cosine similarity of the two is the score (1 the same, about 0 unrelated faces). The face
is found by the station's own MediaPipe face landmarker and aligned from five of its points
to the 112x112 crop SFace was trained on. `[identity] likely_min` and `unlikely_below` turn
the score into "likely", "unsure" or "unlikely"; how they were measured is in
tools/identity_pairs.py and config.toml.

Faces and embeddings are sensitive personal information (PIPL): nothing here logs them or
writes them anywhere; the caller decides what to keep (the score, never the embedding).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

import cv2
import numpy as np

from kiosk import models, paths
from kiosk.checks.landmarks import IRIS_L, IRIS_R, MOUTH_L, MOUTH_R, NOSE_TIP

if TYPE_CHECKING:
    from kiosk.checks.context import Engines
    from kiosk.config import IdentitySettings, Settings

__all__ = ["CROP", "EMBEDDING_SIZE", "TEMPLATE", "Embedder", "IdentityError", "PhotoEmbedder", "Verdict",
           "align", "five_points", "similarity", "verdict"]

Verdict = Literal["likely", "unsure", "unlikely"]

CROP = 112  # SFace's input: a 112 x 112 colour crop
EMBEDDING_SIZE = 128

# Where the five points land in the 112 x 112 crop (x, y in crop pixels), in this order: the
# eye on the image's left, the other eye, the nose tip, the mouth corner on the image's left,
# the other corner. The ArcFace template SFace was trained with, as OpenCV's
# FaceRecognizerSF::alignCrop (modules/objdetect/src/face_recognize.cpp) writes it.
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]])

# The same five points on MediaPipe's face mesh. The person's right eye is on the image's
# left. The iris centres stand for the eyes: the 5-point detectors behind the template (YuNet,
# RetinaFace) mark the pupil. On ../shared/faces they separated people slightly better than
# the middle of the eye corners (lowest same-person score 0.47 against 0.45, impostors alike).
FIVE = (IRIS_R, IRIS_L, NOSE_TIP, MOUTH_R, MOUTH_L)


class IdentityError(Exception):
    """A photo the comparison cannot use (no face in it); the message names which photo."""


def five_points(face: np.ndarray) -> np.ndarray:
    """The five alignment points (5 x 2, image pixels, in TEMPLATE's order) of one face of
    MediaPipe's face landmarker: FrameContext.face, 478 x (x px, y px, z px)."""
    return np.asarray(face, dtype=np.float64)[list(FIVE), :2]


def align(image_bgr: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The 112 x 112 BGR crop SFace reads: `image_bgr` (H x W x 3 uint8) moved, turned and
    scaled (no shear, no mirroring) so that `points` (5 x 2 px, TEMPLATE's order) fall as
    near the template as they can (least squares), by the transform FaceRecognizerSF.alignCrop
    uses. Outside the image is black, as there."""
    points = np.asarray(points, dtype=np.float64)
    m = _similarity(points, TEMPLATE)
    scale = math.sqrt(abs(np.linalg.det(m[:, :2])))
    if scale < 1:
        # Bilinear warping reads only the 4 source pixels nearest each crop pixel: shrinking a
        # camera face (eyes ~100 px apart onto the template's 35) skips the ones between and
        # aliases. Average the face region down first, so the warp only turns and shifts. On
        # ../shared/faces this raised the lowest same-day studio score from 0.87 to 0.90 and
        # the lowest score of one photo against its own blurred or rescaled copy from 0.56 to 0.65;
        # impostors barely moved (99.9th percentile 0.373 to 0.379) but the highest rose, 0.57 to 0.61.
        image_bgr, points = _shrunk_face(image_bgr, points, m, scale)
        m = _similarity(points, TEMPLATE)
    return cv2.warpAffine(image_bgr, m, (CROP, CROP), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)


def _similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """The 2 x 3 similarity transform (rotation, uniform scale, shift) taking `src` nearest to
    `dst` in least squares: Umeyama (1991), the method of OpenCV's getSimilarityTransformMatrix."""
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    s, d = src - src_mean, dst - dst_mean
    covariance = d.T @ s / len(src)
    u, singular, vt = np.linalg.svd(covariance)
    sign = np.array([1.0, -1.0 if np.linalg.det(covariance) < 0 else 1.0])  # a rotation, never a mirror
    rotation = u @ np.diag(sign) @ vt
    scale = float((singular * sign).sum() / s.var(axis=0).sum())
    shift = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, shift[:, None]])


def _shrunk_face(image: np.ndarray, points: np.ndarray, m: np.ndarray, scale: float):
    """The part of `image` the crop covers, area-averaged by `scale`, and `points` on it."""
    inverse = cv2.invertAffineTransform(m)
    corners = np.array([[0, 0], [CROP, 0], [0, CROP], [CROP, CROP]], dtype=np.float64) @ inverse[:, :2].T
    corners += inverse[:, 2]
    h, w = image.shape[:2]
    x0, y0 = np.clip(np.floor(corners.min(axis=0)).astype(int) - 1, 0, [w - 1, h - 1])
    x1, y1 = np.clip(np.ceil(corners.max(axis=0)).astype(int) + 2, [x0 + 1, y0 + 1], [w, h])
    part = image[y0:y1, x0:x1]
    size = (max(1, round(part.shape[1] * scale)), max(1, round(part.shape[0] * scale)))
    small = cv2.resize(part, size, interpolation=cv2.INTER_AREA)
    factor = np.array([size[0] / part.shape[1], size[1] / part.shape[0]])
    return small, (points - [x0, y0]) * factor


class Embedder:
    """SFace on OpenCV's dnn module. Not thread-safe: one per thread.

    The file is read with cv2.dnn.readNetFromONNX and fed by the input's name: it declares
    its weights as extra, unused graph inputs, on which OpenCV 5.1's FaceRecognizerSF.feature
    fails. Raises kiosk.models.ModelError when the file is missing or its SHA-256 is not the
    pinned one (a file whose hash differs is never used)."""

    def __init__(self, model_path: Path):
        model_path = Path(model_path)
        if not model_path.is_file():
            raise models.ModelError(f"{model_path.name} missing: run `kiosk models fetch` (it fetches this file "
                                    "while [identity] enabled = true)")
        actual = models.sha256_of(model_path)
        if actual != models.IDENTITY.sha256:
            raise models.ModelError(f"{model_path.name} has SHA-256 {actual[:12]}..., expected "
                                    f"{models.IDENTITY.sha256[:12]}...: the file is damaged or not the right "
                                    "model; run `kiosk models fetch` to replace it")
        self.net = cv2.dnn.readNetFromONNX(str(model_path))

    def embed(self, image_bgr: np.ndarray, landmarks_5pt: np.ndarray) -> np.ndarray:
        """The embedding (128 float32, unit length) of the face whose five points (5 x 2 px,
        see five_points) are given, in `image_bgr` (H x W x 3 uint8)."""
        crop = align(image_bgr, landmarks_5pt)
        # As FaceRecognizerSF.feature: RGB order, pixel values 0-255 as they are, no mean.
        blob = cv2.dnn.blobFromImage(crop, 1.0, (CROP, CROP), (0, 0, 0), swapRB=True, crop=False)
        self.net.setInput(blob, "data")
        vector = self.net.forward().reshape(-1).astype(np.float32)
        return vector / max(float(np.linalg.norm(vector)), 1e-12)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two embeddings (128 each), -1 to 1: same person scores high (see
    [identity] in config.toml for what counts as high). Raises ValueError on other shapes."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != (EMBEDDING_SIZE,) or b.shape != (EMBEDDING_SIZE,):
        raise ValueError(f"embeddings of {EMBEDDING_SIZE} numbers expected, got shapes {a.shape} and {b.shape}")
    return float(a @ b / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12))


def verdict(score: float, identity: IdentitySettings) -> Verdict:
    """"likely" the same person at or above `likely_min`, "unlikely" below `unlikely_below`,
    "unsure" between (the settings' [identity] section)."""
    if score >= identity.likely_min:
        return "likely"
    if score < identity.unlikely_below:
        return "unlikely"
    return "unsure"


class PhotoEmbedder:
    """Embeddings of whole photos (a reference photo, a photo taken elsewhere): the station's
    face landmarker finds the face, as `kiosk check` would (MediaPipe in image mode, the
    largest face when there are several), and SFace embeds it.

    `engines`: an image-mode kiosk.checks.context.Engines to share (the caller closes it);
    by default one of its own. Raises kiosk.models.ModelError when a model file it needs is
    missing or damaged. Not thread-safe: one per thread."""

    def __init__(self, settings: Settings, engines: Engines | None = None):
        from kiosk.checks.analyser import FACE_MODEL, POSE_MODEL, SEGMENTER_MODEL
        from kiosk.checks.context import Engines

        self.embedder = Embedder(paths.model_path(settings, models.IDENTITY.name))
        self._own = engines is None
        if engines is None:
            models.require(paths.models_dir(settings), face_parsing=False)  # MediaPipe's, verified
            engines = Engines(paths.model_path(settings, FACE_MODEL), paths.model_path(settings, POSE_MODEL),
                              paths.model_path(settings, SEGMENTER_MODEL), video=False)
        elif engines.video:
            raise ValueError("PhotoEmbedder needs Engines in image mode: unrelated photos have no timestamps")
        self.engines = engines

    def embed_photo(self, image_bgr: np.ndarray, what: str = "photo") -> np.ndarray:
        """The embedding (128 float32, unit length) of the face in `image_bgr` (H x W x 3
        uint8). Raises IdentityError "no face in the {what}" when the landmarker finds none."""
        ctx = self.engines.run(image_bgr, 0)  # image mode: the timestamp is not read
        if not ctx.faces:
            raise IdentityError(f"no face in the {what}")
        return self.embedder.embed(image_bgr, five_points(ctx.face))

    def faces(self, image_bgr: np.ndarray) -> int:
        """How many faces the station's landmarker finds in `image_bgr` (H x W x 3 uint8)."""
        return len(self.engines.run(image_bgr, 0).faces)

    def close(self) -> None:
        if self._own:
            self.engines.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
