"""The shared frame context: every expensive measurement is made once per frame here.

MediaPipe runs three models (face landmarker with blendshapes and head pose, pose
landmarker for the shoulders, selfie segmenter for person vs backdrop); then the frame is
cut to the 480x640 portrait the deliverable will show, and the checks read small crops of
that portrait instead of the full camera frame.
"""
from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property

import cv2
import mediapipe as mp
import numpy as np
from mediapipe.tasks.python import vision
from mediapipe.tasks.python.core.base_options import BaseOptions

from kiosk.native import native_logs_silenced
from kiosk.checks.landmarks import (CHEEK_L, CHEEK_R, FACE_OVAL, FOREHEAD, HALF, IRIS_L, IRIS_R, OUT_H, OUT_W,
                                   PART, SKIN, box)

# Pose and segmentation change slowly between video frames while the face must be fresh
# for guidance, so in video mode they run beside it on a thread of their own (MediaPipe
# releases the GIL), started at most every third frame, on a copy at most this wide (both
# models work on 256 px inputs internally); each frame takes the newest pose and mask. Run in
# line every second frame they took 40 of every 80 ms on 2 cores: 22 fps, p95 latency 70 ms.
SLOW_MODELS_EVERY = 3
SLOW_MODELS_WIDTH = 640


class Engines:
    """The three MediaPipe tasks, created once per Analyser."""

    def __init__(self, face_model, pose_model, segmenter_model, video: bool):
        with native_logs_silenced():
            self._create(face_model, pose_model, segmenter_model, video)

    def _create(self, face_model, pose_model, segmenter_model, video: bool) -> None:
        mode = vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE
        self.video = video
        # Two faces, so a second person near the first is seen (the one-face rule).
        self.face = vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(face_model)), running_mode=mode,
            num_faces=2, output_face_blendshapes=True, output_facial_transformation_matrixes=True))
        self.pose = vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(pose_model)), running_mode=mode))
        self.segmenter = vision.ImageSegmenter.create_from_options(vision.ImageSegmenterOptions(
            base_options=BaseOptions(model_asset_path=str(segmenter_model)), running_mode=mode,
            output_confidence_masks=True))
        self.frames = 0
        self._slow: tuple | None = None  # newest pose + mask, reused until the next arrive
        self._pending: Future | None = None  # pose + mask being computed on the worker
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="pose") if video else None

    def close(self) -> None:
        if self._worker is not None:
            self._worker.shutdown(wait=True)
        with native_logs_silenced():  # MediaPipe notes each accelerator it destroys on fd 2 too
            for task in (self.face, self.pose, self.segmenter):
                task.close()

    def _pose_and_mask(self, rgb: np.ndarray, timestamp_ms: int) -> tuple:
        """(pose points in frame px or None, person mask) of one RGB frame."""
        h, w = rgb.shape[:2]
        small = rgb
        if w > SLOW_MODELS_WIDTH:
            small = cv2.resize(rgb, (SLOW_MODELS_WIDTH, round(h * SLOW_MODELS_WIDTH / w)), interpolation=cv2.INTER_AREA)
        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(small))
        with native_logs_silenced(self.frames == 0):
            if self.video:
                pose = self.pose.detect_for_video(image, timestamp_ms)
                seg = self.segmenter.segment_for_video(image, timestamp_ms)
            else:
                pose = self.pose.detect(image)
                seg = self.segmenter.segment(image)
        mask = seg.confidence_masks[0].numpy_view()
        return _pose_points(pose, w, h), mask.reshape(mask.shape[:2]).copy()

    def run(self, image_bgr: np.ndarray, timestamp_ms: int) -> "FrameContext":
        h, w = image_bgr.shape[:2]
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        mp_ms = 0.0
        t = time.perf_counter()
        if self.video:
            faces = self.face.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb),
                                               timestamp_ms)
        else:
            faces = self.face.detect(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb))
        mp_ms += time.perf_counter() - t

        if self._slow is None or not self.video:  # stills, and the first frame: in line
            t = time.perf_counter()
            self._slow = self._pose_and_mask(rgb, timestamp_ms)
            mp_ms += time.perf_counter() - t
        else:
            if self._pending is not None and self._pending.done():
                self._slow, self._pending = self._pending.result(), None
            if self._pending is None and self.frames % SLOW_MODELS_EVERY == 0:
                self._pending = self._worker.submit(self._pose_and_mask, rgb, timestamp_ms)
        self.frames += 1

        ctx = FrameContext(image=image_bgr, faces=_face_points(faces, w, h),
                           pose=self._slow[0], mask=self._slow[1], mediapipe_ms=mp_ms * 1000)
        if faces.face_landmarks:
            main = ctx.main_index
            ctx.blendshapes = {c.category_name: c.score for c in faces.face_blendshapes[main]}
            ctx.matrix = np.asarray(faces.facial_transformation_matrixes[main])
        return ctx


def _face_points(result, w: int, h: int) -> list[np.ndarray]:
    return [np.array([(p.x * w, p.y * h, p.z * w) for p in lms], dtype=np.float32)
            for lms in result.face_landmarks]


def _pose_points(result, w: int, h: int) -> np.ndarray | None:
    if not result.pose_landmarks:
        return None
    return np.array([(p.x * w, p.y * h, p.visibility or 0.0, p.presence or 0.0)
                     for p in result.pose_landmarks[0]], dtype=np.float32)


@dataclass
class FrameContext:
    image: np.ndarray  # the camera frame, BGR
    faces: list[np.ndarray]  # per face: 478 x (x px, y px, z px)
    pose: np.ndarray | None  # 33 x (x px, y px, visibility, presence)
    mask: np.ndarray  # person probability, at the segmenter's (smaller) resolution
    mediapipe_ms: float = 0.0
    blendshapes: dict[str, float] | None = None
    matrix: np.ndarray | None = None  # facial transformation matrix of the main face
    capture: object = None  # CaptureSettings, set by the Analyser before the checks run
    parser: object = None  # kiosk.faceparsing.FaceParser; None when [checks] face_parsing = false
    parse_width: int = OUT_W  # the portrait is parsed at this width (3:4), labels come back at 480x640
    parsing_ms: float | None = None  # how long the parse took, once it ran

    @cached_property
    def main_index(self) -> int:
        """The largest face is the person being photographed."""
        widths = [np.ptp(f[:, 0]) for f in self.faces]
        return int(np.argmax(widths))

    @property
    def face(self) -> np.ndarray | None:
        return self.faces[self.main_index] if self.faces else None

    @cached_property
    def face_width(self) -> float:
        """Cheek to cheek in camera pixels (the spec's face width)."""
        f = self.face
        return float(np.linalg.norm(f[CHEEK_L, :2] - f[CHEEK_R, :2]))

    @cached_property
    def eyes_centre(self) -> np.ndarray:
        f = self.face
        return (f[IRIS_R, :2] + f[IRIS_L, :2]) / 2

    @cached_property
    def crown_y(self) -> float:
        """Top of the hair in camera pixels: the highest person-mask row above the forehead.

        Walks up from the forehead in the band the face covers, so a second person or a
        backdrop stand beside the head does not lift the crown.
        """
        f = self.face
        mh, mw = self.mask.shape
        h, w = self.image.shape[:2]
        sx, sy = mw / w, mh / h
        x0 = int(max(0, (f[CHEEK_R, 0] + 0.25 * self.face_width) * sx))
        x1 = int(min(mw, (f[CHEEK_L, 0] - 0.25 * self.face_width) * sx)) + 1
        y = int(min(mh - 1, max(0, f[FOREHEAD, 1] * sy)))
        band = self.mask[: y + 1, x0:x1] > 0.5
        if band.size == 0:
            return float(f[FOREHEAD, 1])
        rows = band.mean(axis=1)
        empty = np.nonzero(rows[::-1] < 0.2)[0]  # first row going up that is mostly backdrop
        top = y - empty[0] + 1 if len(empty) else 0
        return float(min(top / sy, f[FOREHEAD, 1]))

    @cached_property
    def layout(self) -> "Layout":
        return plan_layout(self, self.capture)

    @cached_property
    def portrait(self) -> np.ndarray:
        """The frame cut and scaled exactly as the deliverable (480x640), edges replicated."""
        return self.layout.cut(self.image, 1.0, cv2.BORDER_REPLICATE)

    @cached_property
    def portrait_mask(self) -> np.ndarray:
        """Person probability on the portrait (0 outside the camera frame)."""
        return self.layout.cut(self.mask, self.mask.shape[1] / self.image.shape[1], cv2.BORDER_CONSTANT)

    @cached_property
    def parsing(self) -> np.ndarray | None:
        """Face-parsing class of every portrait pixel (640 x 480 uint8, indices into
        kiosk.checks.landmarks.PARTS); None without a parser. Parsed at parse_width x
        4/3 parse_width and scaled back by nearest neighbour."""
        if self.parser is None:
            return None
        portrait = self.portrait
        if self.parse_width != OUT_W:
            size = (self.parse_width, self.parse_width * OUT_H // OUT_W)
            portrait = cv2.resize(portrait, size, interpolation=cv2.INTER_AREA)
        t = time.perf_counter()
        labels = self.parser.parse(portrait)
        self.parsing_ms = (time.perf_counter() - t) * 1000
        if labels.shape != (OUT_H, OUT_W):
            labels = cv2.resize(labels, (OUT_W, OUT_H), interpolation=cv2.INTER_NEAREST)
        return labels

    @cached_property
    def pts(self) -> np.ndarray:
        """Main face landmarks in portrait pixels (x, y)."""
        return self.layout.to_portrait(self.face[:, :2])

    @cached_property
    def tools(self) -> "Toolbox":
        return Toolbox(self)

    @cached_property
    def head_pose(self) -> tuple[float, float, float]:
        """(yaw, pitch, roll) in degrees from the facial transformation matrix.

        yaw > 0: turned to the person's left; pitch > 0: chin up; roll > 0: head tilted
        toward the person's right shoulder (signs checked on turned, raised and rotated photos).
        """
        r = self.matrix[:3, :3]
        yaw = math.degrees(math.asin(max(-1.0, min(1.0, -r[2, 0]))))
        pitch = -math.degrees(math.atan2(r[2, 1], r[2, 2]))
        roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
        return yaw, pitch, roll


@dataclass(frozen=True)
class Layout:
    """Where the 480x640 deliverable sits in the camera frame."""
    scale: float  # output px per camera px
    x: float  # top-left of the crop box in camera px
    y: float
    crown_out: float  # where crown, eyes and face width land in the output
    eyes_out: float
    face_width_out: float
    overflow: dict  # camera-frame shortfall per side, in output px (0 = inside the frame)

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (round(self.x), round(self.y), round(OUT_W / self.scale), round(OUT_H / self.scale))

    def to_portrait(self, xy: np.ndarray) -> np.ndarray:
        return (xy - np.array([self.x, self.y])) * self.scale

    def cut(self, src: np.ndarray, per_camera_px: float, border: int) -> np.ndarray:
        """`src` (the frame, or the mask at its own resolution) cut to the 480x640 portrait.

        A plain crop and resize when the box lies inside (cheap: this runs every video
        frame), an affine warp with `border` filling when it reaches outside.
        """
        x, y = self.x * per_camera_px, self.y * per_camera_px
        w, h = OUT_W / self.scale * per_camera_px, OUT_H / self.scale * per_camera_px
        xi, yi, wi, hi = round(x), round(y), max(1, round(w)), max(1, round(h))
        if xi >= 0 and yi >= 0 and xi + wi <= src.shape[1] and yi + hi <= src.shape[0]:
            # Linear is a third of the cost of area averaging; the checks measure regions, not
            # single pixels (the deliverable itself is rendered with area averaging).
            return cv2.resize(src[yi:yi + hi, xi:xi + wi], (OUT_W, OUT_H), interpolation=cv2.INTER_LINEAR)
        s = self.scale / per_camera_px
        affine = np.array([[s, 0, -x * s], [0, s, -y * s]], dtype=np.float64)
        return cv2.warpAffine(src, affine, (OUT_W, OUT_H), flags=cv2.INTER_LINEAR, borderMode=border, borderValue=0)


def plan_layout(ctx: FrameContext, capture) -> Layout:
    """Choose scale and position of the deliverable inside the camera frame.

    Tries every face width and eye height inside the configured ranges and keeps the one
    that, in this order: puts the crown in its range, needs no pixels from outside the
    camera frame, does not enlarge camera pixels, and sits nearest the middle of the ranges
    (the middle leaves room for the error of the crown estimate).
    The face is always centred horizontally.
    """
    fw = ctx.face_width
    ex, ey = ctx.eyes_centre
    crown_to_eyes = max(1.0, ey - ctx.crown_y)
    (c_lo, c_hi), (e_lo, e_hi), (w_lo, w_hi) = capture.crown_px, capture.eyes_px, capture.face_width_px
    h, w = ctx.image.shape[:2]
    cx = float(ctx.face[CHEEK_R, 0] + ctx.face[CHEEK_L, 0]) / 2
    width_out = np.linspace(w_lo, w_hi, 31)[:, None]
    eyes_out = np.linspace(e_lo, e_hi, 26)[None, :]
    s = width_out / fw
    crown_out = eyes_out - crown_to_eyes * s
    x0, y0 = cx - OUT_W / 2 / s + 0 * eyes_out, ey - eyes_out / s  # both on the full grid
    overflow = {"left": np.maximum(0, -x0 * s), "top": np.maximum(0, -y0 * s),
                "right": np.maximum(0, (x0 - w) * s + OUT_W), "bottom": np.maximum(0, (y0 - h) * s + OUT_H)}
    crown_miss = np.maximum(0, c_lo - crown_out) + np.maximum(0, crown_out - c_hi)
    cost = (1e6 * crown_miss + 1e3 * sum(overflow.values()) + 1e2 * np.maximum(0, s - 1)
            + np.abs(width_out - (w_lo + w_hi) / 2) / (w_hi - w_lo + 1)
            + np.abs(eyes_out - (e_lo + e_hi) / 2) / (e_hi - e_lo + 1)
            + np.abs(crown_out - (c_lo + c_hi) / 2) / (c_hi - c_lo + 1))
    i, j = np.unravel_index(np.argmin(cost), cost.shape)
    sc = float(s[i, 0])
    return Layout(sc, float(x0[i, j]), float(y0[i, j]), float(crown_out[i, j]), float(eyes_out[0, j]),
                  float(width_out[i, 0]), {side: float(v[i, j]) for side, v in overflow.items()})


class Toolbox:
    """Image measures on the portrait, shared by the checks (cv2 lives here, not in the checks).

    Small regions (lenses, brows, ears) are converted at full deliverable resolution when a
    check asks; whole-picture measures (backdrop, clothing, hair, light) use every second
    pixel ("half"), which gives the same shares and medians at a quarter of the cost.
    """

    def __init__(self, ctx: FrameContext):
        self.ctx = ctx
        self._parts: dict[tuple[str, ...], np.ndarray] = {}

    def part(self, *names: str) -> np.ndarray:
        """Portrait pixels (640 x 480 bool) the face parsing puts in any of these classes
        (kiosk.checks.landmarks.PARTS). Needs ctx.parsing."""
        if names not in self._parts:
            wanted = np.zeros(256, np.uint8)  # OpenCV's lookup by label: a tenth of np.isin's time
            wanted[[PART[n] for n in names]] = 1
            self._parts[names] = cv2.LUT(self.ctx.parsing, wanted).view(bool)
        return self._parts[names]

    def lab(self, region: tuple[slice, slice]) -> np.ndarray:
        return to_lab(np.ascontiguousarray(self.ctx.portrait[region]))

    def gray(self, region: tuple[slice, slice]) -> np.ndarray:
        return cv2.cvtColor(np.ascontiguousarray(self.ctx.portrait[region]), cv2.COLOR_BGR2GRAY)

    @cached_property
    def lab_half(self) -> np.ndarray:
        return to_lab(np.ascontiguousarray(self.ctx.portrait[HALF]))

    @cached_property
    def picture_colours(self) -> float:
        """How far apart the colours of one lightness lie: the Lab chroma distance (a*, b*) of the
        most distinct 1 % of the portrait's camera pixels (half size) from the mean colour of
        the pixels of their own lightness (L* in bands of 5). A colour photo shows different
        colours at one lightness (skin beside the backdrop, the top, the hair); a black-and-white
        picture has none, and a toned one (sepia, blue: a camera's effect mode) one colour per
        lightness, however colourful. Near-black and near-white pixels (L* under 5, from 90) are
        left out: there a tint's colour bends as the camera's channels clip (the standard sepia
        matrix turns its whites from yellow to grey within one band). Under
        kiosk.checks.scene.COLOURLESS the picture has no colours of its own."""
        lab = self.lab_half[self.inside_half]
        lab = lab[(lab[:, 0] >= 5) & (lab[:, 0] < 90)]
        if not len(lab):
            return 0.0
        band = (lab[:, 0] // 5).astype(np.intp)
        count = np.maximum(np.bincount(band, minlength=20), 1)
        a, b = lab[:, 1], lab[:, 2]
        mean_a, mean_b = np.bincount(band, a, 20) / count, np.bincount(band, b, 20) / count
        return float(np.percentile(np.hypot(a - mean_a[band], b - mean_b[band]), 99))

    @cached_property
    def inside_half(self) -> np.ndarray:
        """Portrait pixels that come from the camera frame (not the replicated edge)."""
        yy, xx = np.mgrid[0:OUT_H:2, 0:OUT_W:2]
        lay, (h, w) = self.ctx.layout, self.ctx.image.shape[:2]
        cx, cy = lay.x + xx / lay.scale, lay.y + yy / lay.scale
        return (cx >= 0) & (cy >= 0) & (cx < w) & (cy < h)

    @cached_property
    def person_half(self) -> np.ndarray:
        return self.ctx.portrait_mask[HALF] > 0.5

    def polygon(self, ids, step: int = 1) -> np.ndarray:
        m = np.zeros((OUT_H // step, OUT_W // step), np.uint8)
        cv2.fillPoly(m, [np.round(self.ctx.pts[list(ids)] / step).astype(np.int32)], 1)
        return m > 0

    @cached_property
    def face_oval_half(self) -> np.ndarray:
        return self.polygon(FACE_OVAL, step=2)

    @cached_property
    def skin_colour(self) -> tuple[np.ndarray, np.ndarray]:
        """Median and spread of Lab on both cheeks (below the eyes, never covered by hair)."""
        pts, r = self.ctx.pts, max(3, int(0.06 * self.ctx.layout.face_width_out))
        skin = np.concatenate([self.lab(box(pts[i], r)).reshape(-1, 3) for i in (50, 280)])
        # Floors keep a very even cheek from making every other skin pixel "not skin".
        return np.median(skin, axis=0), np.maximum(skin.std(axis=0), SPREAD_FLOOR)

    def skin_distance_of(self, lab: np.ndarray) -> np.ndarray:
        """Distance from the cheek colour in cheek spreads; L counts half, so shading matters
        less than hue."""
        return colour_distance(lab, *self.skin_colour)

    @cached_property
    def skin_half(self) -> np.ndarray:
        return self.skin_distance_of(self.lab_half) < SKIN

    @cached_property
    def backdrop_half(self) -> np.ndarray:
        """Surely-backdrop pixels: away from the person, inside the camera frame."""
        free = ((self.ctx.portrait_mask[HALF] < 0.1) & self.inside_half).astype(np.uint8)
        return cv2.erode(free, np.ones((5, 5), np.uint8)) > 0

    @cached_property
    def clothing_half(self) -> np.ndarray:
        """The top the person wears: the parsing's cloth in the portrait, or without parsing,
        person pixels that are not skin in its bottom eighth."""
        if self.ctx.parsing is not None:
            return self.part("cloth")[HALF] & self.inside_half
        m = np.zeros(self.person_half.shape, bool)
        rows = slice(m.shape[0] - m.shape[0] // 8, m.shape[0])
        m[rows] = self.person_half[rows] & ~self.skin_half[rows] & self.inside_half[rows]
        return m

    @cached_property
    def near_person_half(self) -> np.ndarray:
        """A band about 15 deliverable px wide around the person's outline."""
        return cv2.dilate(self.person_half.astype(np.uint8), np.ones((15, 15), np.uint8)) > 0

    def pattern(self, where_half: np.ndarray) -> float:
        """Fine texture (stripes, prints) under a half-grid mask: mean |Laplacian|."""
        rows = np.nonzero(where_half.any(axis=1))[0]
        if not rows.size:
            return 0.0
        band = slice(max(0, rows[0] - 1), rows[-1] + 2)
        gray = self.gray((slice(band.start * 2, band.stop * 2), slice(None)))[HALF]
        lap = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
        return float(lap[where_half[band]].mean())

    def laplacian_var(self, region: tuple[slice, slice]) -> float:
        return float(cv2.Laplacian(self.gray(region), cv2.CV_32F).var())

    def anisotropy(self, region: tuple[slice, slice]) -> float:
        """How one-sided the edges are, 0 (as strong in every direction) to 1: motion blur
        smooths the edges across its direction only. From the structure tensor of the
        region: (l1 - l2) / (l1 + l2) of its two eigenvalues."""
        gray = self.gray(region).astype(np.float32)
        gx, gy = cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1)
        xx, yy, xy = float((gx * gx).mean()), float((gy * gy).mean()), float((gx * gy).mean())
        spread = math.hypot(xx - yy, 2 * xy)
        return spread / max(xx + yy, 1e-9)

    @staticmethod
    def bounds(mask: np.ndarray) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1), inclusive, of a mask's pixels (a mask with some)."""
        x, y, w, h = cv2.boundingRect(mask.view(np.uint8))
        return x, y, x + w - 1, y + h - 1

    def hull(self, mask: np.ndarray) -> np.ndarray:
        """The convex hull of a portrait mask's pixels, filled (the lens inside parsed frames)."""
        points = cv2.findNonZero(mask.view(np.uint8))  # a twentieth of np.nonzero's time
        out = np.zeros(mask.shape, np.uint8)
        if points is not None and len(points) >= 3:
            cv2.fillConvexPoly(out, cv2.convexHull(points), 1)
        return out > 0

    def spots(self, region: tuple[slice, slice]) -> list[dict]:
        """Small blobs that stand out from their surroundings on the person (earring candidates),
        on the portrait; sizes in deliverable pixels."""
        return self._spots(self.ctx.portrait[region], self.ctx.portrait_mask[region], 11, 1.0)

    def camera_spots(self, centre, radius: float) -> list[dict]:
        """The same at camera resolution around a face point (a nose stud is 1-3 deliverable
        px across, too small for the portrait); areas still in deliverable pixels."""
        x, y, r = int(centre[0]), int(centre[1]), max(3, int(radius))
        region = (slice(max(0, y - r), max(0, y + r)), slice(max(0, x - r), max(0, x + r)))
        per_px = 1.0 / self.ctx.layout.scale  # camera px per deliverable px
        return self._spots(self.ctx.image[region], np.ones(self.ctx.image[region].shape[:2], np.float32),
                           max(5, int(6 * per_px) | 1), per_px)

    def _spots(self, patch: np.ndarray, person: np.ndarray, median: int, per_px: float) -> list[dict]:
        """Studs and earrings are small, shiny or coloured; skin and hair around them are
        smooth at that scale, so a median of the surroundings removes only them. Each spot:
        area (deliverable px), brighter (L* above its surroundings), contrast (Delta E),
        lightness over the cheeks (L*), saturation relative to the cheeks, the skin share of
        a ring around it, and how surely it belongs to the person (segmenter, 0-1; backdrop
        seen through hair is low)."""
        patch = np.ascontiguousarray(patch)
        if min(patch.shape[:2]) < median:
            return []
        lab, around = to_lab(patch), to_lab(cv2.medianBlur(patch, median))
        contrast = np.sqrt(((lab - around) ** 2).sum(axis=2))
        brighter = lab[..., 0] - around[..., 0]
        skin_lab = self.skin_colour[0]
        chroma = np.hypot(lab[..., 1], lab[..., 2])
        skin_chroma = max(1.0, float(np.hypot(skin_lab[1], skin_lab[2])))
        candidate = (contrast > 12) & (person > 0.3) & ((brighter > 8) | (lab[..., 2] - skin_lab[2] > 12))
        n, labels, stats, _ = cv2.connectedComponentsWithStats(candidate.astype(np.uint8), connectivity=8)
        skin = self.skin_distance_of(lab) < SKIN
        ring_size = max(3, int(7 * per_px) | 1)
        found = []
        for i in range(1, n):
            x, y, w, h, area = stats[i]
            # Compact blobs only: hair strands are long and thin.
            if max(w, h) > 3 * min(w, h) + 1 or area < 0.35 * w * h:
                continue
            # Each blob within its box and the ring's reach: the whole patch per blob took most of the time.
            pad = ring_size // 2
            near = (slice(max(0, y - pad), y + h + pad), slice(max(0, x - pad), x + w + pad))
            blob = labels[near] == i
            ring = cv2.dilate(blob.astype(np.uint8), np.ones((ring_size, ring_size), np.uint8)).astype(bool) & ~blob
            found.append({"area": float(area / per_px ** 2), "brighter": float(brighter[near][blob].max()),
                          "contrast": float(contrast[near][blob].max()),
                          "lightness": float(lab[..., 0][near][blob].max() - skin_lab[0]),
                          "saturation": float(chroma[near][blob].mean() / skin_chroma),
                          "skin_around": float(skin[near][ring].mean()) if ring.any() else 0.0,
                          "person": float(person[near][blob].mean())})
        return found


SPREAD_FLOOR = (6.0, 3.5, 3.5)  # smallest Lab spread of a colour model (camera noise, even skin)


def colour_distance(lab: np.ndarray, mean: np.ndarray, spread: np.ndarray) -> np.ndarray:
    """Distance from a colour model in its own spreads; L counts half (shading matters less than hue)."""
    d = (lab - mean) / spread
    d[..., 0] *= 0.5
    return np.sqrt((d * d).sum(axis=-1))


def to_lab(bgr: np.ndarray) -> np.ndarray:
    """CIE Lab with L 0-100 and a, b signed, so distances are Delta E (CIE76)."""
    lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
    # OpenCV's per-channel scalars: the same values as numpy on each channel's strided view, in a third of the time.
    return cv2.add(cv2.multiply(lab, (100 / 255, 1.0, 1.0, 0.0)), (0.0, -128.0, -128.0, 0.0))
