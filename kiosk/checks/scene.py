"""Checks on the whole picture: backdrop, clothing, light, sharpness."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.checks.geometry import COME_CLOSER, need_face
from kiosk.checks.landmarks import CHEEK_L, CHEEK_R, CHIN, FOREHEAD, HALF, NOSE_TIP, rect
from kiosk.checks.registry import Check, fitted, register
from kiosk.checks.result import Verdict


def srgb_to_lab(rgb: tuple[int, int, int]) -> np.ndarray:
    """CIE Lab (D65) of an sRGB colour, for comparing configured backdrop colours."""
    c = np.asarray(rgb, dtype=np.float64) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ c
    xyz /= (0.95047, 1.0, 1.08883)
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@register
class Background(Check):
    """Uniform backdrop close to one of the station's colours, no shadow beside the head.

    A black-and-white picture shows no colour: its backdrop is still judged for evenness and
    shadow, and its colour cannot be told (the colour check says what to do)."""
    id, rule, priority = "background", "background", 60
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        colours: tuple[tuple[int, int, int], ...] = field(metadata={"range": (0, 255)})  # sRGB
        max_delta_e: float = field(metadata=fitted("max", "distance", 1.0, 100.0))  # median backdrop vs nearest colour
        max_spread: float = field(metadata=fitted("max", "spread", 1.0, 100.0))  # 90th percentile Delta E from the median
        max_shadow: float = field(metadata=fitted("max", "shadow", 0.0, 100.0))  # L* darker next to the head
        min_fraction: float = field(metadata={"range": (0.0, 1.0)})  # backdrop share needed to judge

    @staticmethod
    def threshold(p) -> str:
        return (f"Delta E to backdrop colour <= {p.max_delta_e:g}, spread <= {p.max_spread:g}, "
                f"shadow <= {p.max_shadow:g} L*")

    def measure(self, ctx, p):
        threshold = self.threshold(p)
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        tools = ctx.tools
        backdrop = tools.backdrop_half
        if backdrop.mean() < p.min_fraction:
            return self.unknown(threshold, "背景露出太少，请后退一点", "too little backdrop in view: step back a little")
        lab = tools.lab_half[backdrop]
        median = np.median(lab, axis=0)
        # Shadow: backdrop beside the head (above the chin, near the outline) darker than the rest.
        near = tools.near_person_half & backdrop
        near[int(max(0, ctx.pts[CHIN, 1])) // 2:] = False
        shadow = median[0] - float(np.median(tools.lab_half[near][:, 0])) if near.sum() > 25 else 0.0
        return {"distance": min(float(np.linalg.norm(median - srgb_to_lab(c))) for c in p.colours),
                "spread": float(np.percentile(np.linalg.norm(lab - median, axis=1), 90)), "shadow": shadow,
                "colourless": float(tools.picture_colours < COLOURLESS)}

    def decide(self, m, p):
        threshold, distance = self.threshold(p), m["distance"]
        colourless = bool(m["colourless"])
        if distance > p.max_delta_e and not colourless:
            return self.result(Verdict.FAIL, distance, threshold, "背景颜色不符合要求，请站到规定背景前",
                               "the backdrop colour is wrong: stand in front of the station's backdrop", "distance")
        if m["spread"] > p.max_spread:
            return self.result(Verdict.FAIL, m["spread"], threshold, "背景不均匀，请移开背景中的物品或站到背景布中央",
                               "the backdrop is not plain: clear it or stand in the middle of it", "spread")
        if m["shadow"] > p.max_shadow:
            return self.result(Verdict.FAIL, m["shadow"], threshold, "头部后面有阴影，请离背景远一点",
                               "there is a shadow behind your head: move a little away from the backdrop", "shadow")
        if colourless:
            return self.unknown(threshold, "黑白或单色照片看不出背景颜色，请关闭相机的黑白或单色模式",
                                "a black-and-white or tinted picture does not show the backdrop's colour: switch "
                                "off the camera's black-and-white or tint mode", distance)
        return self.result(Verdict.PASS, distance, threshold)


# Toolbox.picture_colours of a picture without colours of its own: black-and-white files measure 0
# (at most 2.3 with compression noise), toned ones up to 6.1 (a sepia print; the standard sepia
# matrix on 56 photos of ../shared/faces at most 4.5, two trials' sepia and blue copies at most
# 4.9), colour photos 8.5 and more (the photos of ../shared/faces, grey-backdrop studio ones too).
COLOURLESS = 7.0
# A camera in black-and-white mode gives the same small difference between its channels in
# every pixel, to within this: equal channels, or a constant offset where a video's colour
# matrix rounds its grey (H.264 gives B - G = 3 throughout). A colour camera's noise alone
# varies it further somewhere in a frame, even before a grey wall; a frame of one colour (an
# empty backdrop) has constant but large differences.
GREY_CHANNELS = 2
GREY_OFFSET = 6
# A frame whose brightest pixels are darker than this (0-255) shows nothing: a covered lens.
DARK_FRAME = 40


def frame_fault(frame_bgr: np.ndarray) -> str:
    """What makes a camera frame (H x W x 3 uint8, BGR) useless for any photo, whoever sits
    before it, judged on every 16th pixel: "dark" (a covered lens: the brightest at most
    DARK_FRAME), "grey" (a camera in black-and-white mode: B - G and G - R each the same in
    every pixel to within GREY_CHANNELS either side and at most GREY_OFFSET), or "" for a
    usable frame. Well under 1 ms for 1280x720."""
    sample = frame_bgr[::16, ::16].astype(np.int16)
    if sample.max() <= DARK_FRAME:
        return "dark"
    grey = all(np.ptp(d) <= 2 * GREY_CHANNELS and np.abs(d).max() <= GREY_OFFSET
               for d in (sample[..., 0] - sample[..., 1], sample[..., 1] - sample[..., 2]))
    return "grey" if grey else ""


@register
class Clothing(Check):
    """A plain top that clearly differs from the backdrop, showing the neck (the parsing's cloth
    and neck; without parsing, person pixels that are not skin at the bottom)."""
    id, rule, priority = "clothing", "clothing", 61
    every_frame, reads_parsing = False, True

    @dataclass(frozen=True)
    class Params:
        min_contrast: float = field(metadata=fitted("min", "contrast", 0.0, 100.0))  # Delta E top vs backdrop
        max_pattern: float = field(metadata=fitted("max", "pattern", 0.0, 255.0))  # mean |Laplacian| on the top
        min_fraction: float = field(metadata={"range": (0.0, 1.0)})  # share of the bottom rows
        # A top of the backdrop's own hue (blue on the blue backdrop) does not stand out even
        # when darker: both this colourful (Lab chroma) and hues this close (degrees) fail. Not
        # fitted: few labelled photos show it, and the fit then swings between 6 and 37.
        min_same_hue_chroma: float = field(metadata={"range": (0.0, 100.0)})
        max_same_hue_deg: float = field(metadata={"range": (0.0, 180.0)})
        # The neck shows (no turtleneck or high collar): parsed neck, x face width squared.
        min_neck: float = field(metadata=fitted("min", "neck", 0.0, 1.0))

    @staticmethod
    def threshold(p) -> str:
        return (f"Delta E to backdrop >= {p.min_contrast:g}, not the backdrop's hue (within "
                f"{p.max_same_hue_deg:g} deg) with chroma >= {p.min_same_hue_chroma:g}, pattern <= {p.max_pattern:g}, "
                f"neck showing >= {p.min_neck:g}")

    def measure(self, ctx, p):
        threshold = self.threshold(p)
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        tools = ctx.tools
        if tools.picture_colours < COLOURLESS:  # the colour check says what to do
            return self.unknown(threshold, "黑白或单色照片分不出上衣与背景的颜色，请关闭相机的黑白或单色模式",
                                "a black-and-white or tinted picture has no colours to tell the top from the "
                                "backdrop: switch off the camera's black-and-white or tint mode")
        top = tools.clothing_half
        bottom = slice(-top.shape[0] // 8, None)
        # Long hair over the chest or a picture cut at the shoulders leaves the bottom rows
        # without the top; as many of its pixels elsewhere (the shoulders) show it as well.
        share = max(top[bottom].mean(), top.sum() / top[bottom].size)
        if share < p.min_fraction and tools.inside_half[bottom].mean() < 0.5:
            # The photo's bottom lies outside the camera's picture: framing says how to move
            # (stand straight, move back); advice on the top's colour would only add to it.
            return self.unknown(threshold, "", "")
        if share < p.min_fraction or tools.backdrop_half.sum() < 125:
            return self.unknown(threshold, "看不清上衣，请确认上衣与背景颜色不同并站正",
                                "your top cannot be told from the backdrop: wear a top of another colour, stand straight")
        top_lab = np.median(tools.lab_half[top], axis=0)
        backdrop_lab = np.median(tools.lab_half[tools.backdrop_half], axis=0)
        hues = [np.degrees(np.arctan2(c[2], c[1])) for c in (top_lab, backdrop_lab)]
        same_hue = abs((hues[0] - hues[1] + 180) % 360 - 180) <= p.max_same_hue_deg
        neck = (float(tools.part("neck").sum()) / ctx.layout.face_width_out ** 2 if ctx.parsing is not None
                else 1.0)  # without parsing the collar is left to the photographer
        return {"contrast": float(np.linalg.norm(top_lab - backdrop_lab)), "pattern": tools.pattern(top),
                # Chroma of the less colourful of the two when they share a hue, else 0.
                "same_hue_chroma": float(min(np.hypot(top_lab[1], top_lab[2]),
                                             np.hypot(backdrop_lab[1], backdrop_lab[2]))) if same_hue else 0.0,
                "neck": neck}

    def decide(self, m, p):
        threshold, contrast = self.threshold(p), m["contrast"]
        if contrast < p.min_contrast or (m["same_hue_chroma"] and m["same_hue_chroma"] >= p.min_same_hue_chroma):
            reason = "contrast" if contrast < p.min_contrast else "same_hue_chroma"
            return self.result(Verdict.FAIL, m[reason], threshold, "上衣颜色与背景太接近，请换一件颜色不同的上衣",
                               "your top is too close to the backdrop colour: wear a top of another colour", reason)
        if m["pattern"] > p.max_pattern:
            return self.result(Verdict.FAIL, m["pattern"], threshold, "请穿纯色上衣，不要条纹或花纹",
                               "wear a plain top, without stripes or patterns", "pattern")
        if m["neck"] < p.min_neck:
            return self.result(Verdict.FAIL, m["neck"], threshold, "请穿露出脖子的上衣，不要高领",
                               "wear a top that shows your neck, no high collar", "neck")
        return self.result(Verdict.PASS, contrast, threshold)


@register
class Lighting(Check):
    """Face neither too dark nor washed out, both halves evenly lit (OFIQ illumination), on the
    parsed skin (without parsing, the face oval)."""
    id, rule, priority = "lighting", "lighting", 62
    every_frame, reads_parsing = False, True

    @dataclass(frozen=True)
    class Params:
        # The brightest 5 % of the face (lit skin, even on dark skin) must reach this L*.
        min_highlight: float = field(metadata=fitted("min", "highlight", 0.0, 100.0))
        max_clipped: float = field(metadata=fitted("max", "clipped", 0.0, 1.0))  # share of face at L* > 97
        # Washed out: the typical skin (median L*) at most this light, even when little of it clips.
        max_median: float = field(metadata=fitted("max", "median", 0.0, 100.0))
        # Left half against right half, in stops (log2 of the luminance ratio of their median
        # skin): a photographer's lighting ratio, the same at any exposure, where a difference
        # in L* grows with the light.
        max_side_difference: float = field(metadata=fitted("max", "difference", 0.0, 5.0))

    @staticmethod
    def threshold(p) -> str:
        return (f"highlights >= {p.min_highlight:g} L*, median <= {p.max_median:g} L*, clipped <= {p.max_clipped:.1%}, "
                f"halves differ <= {p.max_side_difference:g} stops")

    def measure(self, ctx, p):
        threshold = self.threshold(p)
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        face = ctx.tools.face_oval_half
        if ctx.parsing is not None:  # the skin only: brows, eyes, a fringe or glasses are not light
            face = face & ctx.tools.part("skin")[HALF]
        lightness = ctx.tools.lab_half[..., 0]
        values = lightness[face]
        if values.size < 100:
            return self.unknown(threshold, "看不清脸部，请正对镜头", "your face cannot be seen: face the camera")
        highlight = float(np.percentile(values, 95))
        clipped = float((values > 97).mean())
        mid = ctx.pts[NOSE_TIP, 0] / 2  # on the half grid
        xx = np.arange(face.shape[1])[None, :]
        right, left = lightness[face & (xx < mid)], lightness[face & (xx >= mid)]
        signed = float(np.log2(_luminance(np.median(right)) / _luminance(np.median(left)))
                       if right.size and left.size else 0.0)
        return {"highlight": highlight, "clipped": clipped, "median": float(np.median(values)),
                "difference": abs(signed), "signed": signed}

    def decide(self, m, p):
        threshold, highlight = self.threshold(p), m["highlight"]
        if highlight < p.min_highlight:
            return self.result(Verdict.FAIL, highlight, threshold, "脸部太暗，请调亮灯光", "your face is too dark: more light is needed",
                               "highlight")
        if m["clipped"] > p.max_clipped or m["median"] > p.max_median:
            reason = "clipped" if m["clipped"] > p.max_clipped else "median"
            return self.result(Verdict.FAIL, m[reason], threshold, "脸部过亮，请调暗灯光",
                               "your face is too bright: less light is needed", reason)
        if m["difference"] > p.max_side_difference:
            # Image left is the person's right.
            zh, en = (("右脸偏暗，请把灯光调均匀", "the right side of your face is darker: even out the lamps")
                      if m["signed"] < 0 else
                      ("左脸偏暗，请把灯光调均匀", "the left side of your face is darker: even out the lamps"))
            return self.result(Verdict.FAIL, m["difference"], threshold, zh, en, "difference")
        return self.result(Verdict.PASS, highlight, threshold)


@register
class Sharpness(Check):
    """No motion or focus blur: Laplacian variance of the face at deliverable size, edges
    not one-sided (motion blur), and enough camera pixels across the face."""
    id, rule, priority = "sharpness", "sharpness", 63
    # The kiosk picks the sharpest frame of the steady second itself (kiosk.checks.deliverable.sharpness).
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        min_laplacian_var: float = field(metadata=fitted("min", "laplacian_var", 0.0, 10000.0))
        # Face width in the camera's own pixels: a smaller face is enlarged into the
        # deliverable and soft however still the person holds.
        min_face_px: float = field(metadata=fitted("min", "face_px", 0.0, 2000.0))
        # Motion blur: the face's edges one-sided (0 = alike in every direction, 1 = one way only).
        max_anisotropy: float = field(metadata=fitted("max", "anisotropy", 0.0, 1.0))

    @staticmethod
    def threshold(p) -> str:
        return (f"Laplacian variance >= {p.min_laplacian_var:g}, edges one-sided <= {p.max_anisotropy:g}, "
                f"face >= {p.min_face_px:g} camera px wide")

    def measure(self, ctx, p):
        threshold = self.threshold(p)
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        pts = ctx.pts
        region = rect(pts[CHEEK_R, 0], pts[FOREHEAD, 1], pts[CHEEK_L, 0], pts[CHIN, 1])
        if (region[0].stop - region[0].start) * (region[1].stop - region[1].start) < 400:
            return self.unknown(threshold, "脸部不在画面内，请居中", "your face is not in the picture: move to the centre")
        return {"laplacian_var": ctx.tools.laplacian_var(region), "face_px": ctx.face_width,
                "anisotropy": ctx.tools.anisotropy(region)}

    def decide(self, m, p):
        threshold, value = self.threshold(p), m["laplacian_var"]
        if m["face_px"] < p.min_face_px:
            # Framing's words: the student hears "come closer" once, not twice.
            return self.result(Verdict.FAIL, m["face_px"], threshold, *COME_CLOSER, "face_px")
        if value >= p.min_laplacian_var and m["anisotropy"] <= p.max_anisotropy:
            return self.result(Verdict.PASS, value, threshold)
        reason = "laplacian_var" if value < p.min_laplacian_var else "anisotropy"
        return self.result(Verdict.FAIL, m[reason], threshold, "照片模糊，请保持不动", "the picture is blurred: hold still",
                           reason)


@register
class Colour(Check):
    """A colour photo: the spec asks for 24-bit colour. A black-and-white picture (a greyscale
    camera mode, a desaturated file) has no colour anywhere, not even on the lips; a toned one
    (sepia, a blue effect mode) has one colour for each lightness, whatever its tint."""
    # Said before anything about colours (top, backdrop, light): in such a picture those are
    # not the student's to fix.
    id, rule, priority = "colour", "colour", 5
    every_frame, overridable = False, False

    @dataclass(frozen=True)
    class Params:
        # Toolbox.picture_colours: how far apart the colours of one lightness lie (Lab chroma).
        min_colours: float = field(metadata={"range": (0.0, 50.0)})

    @staticmethod
    def threshold(p) -> str:
        return f"colours of one lightness >= {p.min_colours:g} apart"

    def measure(self, ctx, p):
        if (missing := need_face(self, ctx, self.threshold(p))) is not None:
            return missing
        return {"colours": ctx.tools.picture_colours}

    def decide(self, m, p):
        threshold = self.threshold(p)
        if m["colours"] >= p.min_colours:
            return self.result(Verdict.PASS, m["colours"], threshold)
        return self.result(Verdict.FAIL, m["colours"], threshold, "照片须为彩色，请关闭相机的黑白或单色模式",
                           "the photo must be in colour: switch off the camera's black-and-white or tint mode")


def _luminance(lightness: float) -> float:
    """CIE relative luminance Y (0-1) of an L* (CIE 1976), above L* 8 where the cube applies;
    darker is held at L* 8 (no face is lit that dimly)."""
    return ((max(lightness, 8.0) + 16.0) / 116.0) ** 3
