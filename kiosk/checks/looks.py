"""Checks on what the person wears and how the hair falls: glasses, hair, ears, hats, jewellery.

All of them read small regions of the 480x640 portrait around face landmarks, so their
sizes are those of the deliverable, whatever the camera resolution. "Skin" means close to
the colour of the cheeks (FrameContext.tools.skin_distance), so it adapts to every skin tone.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.checks.geometry import need_face
from kiosk.checks.landmarks import (BROW_L, BROW_R, CHEEK_L, CHEEK_R, CHIN, EYE_OPENING_L, EYE_OPENING_R, FACE_OVAL,
                                    FOREHEAD, IRIS_L, IRIS_R, MOUTH_L, MOUTH_R, NOSE_WINGS, OUT_H, OUT_W, SKIN, rect)
from kiosk.checks.registry import Check, register
from kiosk.checks.result import Verdict


def lens_regions(ctx):
    """Where glasses lenses sit: a box around each eye, about a lens wide."""
    pts, fw = ctx.pts, ctx.layout.face_width_out
    return [rect(pts[i, 0] - 0.15 * fw, pts[i, 1] - 0.09 * fw, pts[i, 0] + 0.15 * fw, pts[i, 1] + 0.09 * fw)
            for i in (IRIS_R, IRIS_L)]


@register
class GlassesGlare(Check):
    """Flash reflections on lenses: near-white, colourless blobs beside the eyes.

    The eye opening is left out: the white of the eye is near-white and colourless too, and
    every eye shows a small catch-light of the lamps.
    """
    id, rule, priority = "glasses_glare", "glasses_glare", 50
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        min_lightness: float = field(metadata={"range": (50.0, 100.0)})  # L* of a reflection
        min_above_skin: float = field(metadata={"range": (0.0, 50.0)})  # and this much above the cheeks
        max_fraction: float = field(metadata={"range": (0.0, 1.0)})  # of the lens area

    def judge(self, ctx, p):
        threshold = f"reflections <= {p.max_fraction:.1%} of the lens area"
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        tools = ctx.tools
        skin_l = tools.skin_colour[0][0]
        eyes = tools.polygon(EYE_OPENING_R) | tools.polygon(EYE_OPENING_L)
        worst = 0.0
        for region in lens_regions(ctx):
            lab = tools.lab(region)
            if lab.size == 0:
                return self.unknown(threshold, "看不到眼睛，请正对镜头", "eyes not in view: face the camera")
            chroma = np.hypot(lab[..., 1], lab[..., 2])
            glare = (lab[..., 0] > max(p.min_lightness, skin_l + p.min_above_skin)) & (chroma < 15) & ~eyes[region]
            worst = max(worst, float(glare.mean()))
        if worst <= p.max_fraction:
            return self.result(Verdict.PASS, worst, threshold)
        return self.result(Verdict.FAIL, worst, threshold, "镜片有反光，请稍低头或调整眼镜角度",
                           "your glasses reflect the light: tilt them slightly or lower your chin a little")


@register
class TintedGlasses(Check):
    """Tinted lenses or sunglasses: the eye region much darker than the cheeks."""
    id, rule, priority = "tinted_glasses", "tinted_glasses", 51
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        # Median lightness around the eyes over cheek lightness, darker eye of the two.
        min_ratio: float = field(metadata={"range": (0.0, 1.0)})

    def judge(self, ctx, p):
        threshold = f"eye area / cheek lightness >= {p.min_ratio:g}"
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        skin_l = max(1.0, float(ctx.tools.skin_colour[0][0]))
        lenses = [ctx.tools.lab(r) for r in lens_regions(ctx)]
        ratios = [float(np.median(lab[..., 0])) / skin_l for lab in lenses if lab.size]
        if len(ratios) < 2:
            return self.unknown(threshold, "看不到眼睛，请正对镜头", "eyes not in view: face the camera")
        ratio = min(ratios)
        if ratio >= p.min_ratio:
            return self.result(Verdict.PASS, ratio, threshold)
        return self.result(Verdict.FAIL, ratio, threshold, "请摘下有色眼镜或墨镜", "take off tinted glasses or sunglasses")


@register
class HairOverEyes(Check):
    """Hair over the eyebrows: the forehead strip just above each brow is not skin."""
    id, rule, priority = "hair_eyes", "hair_eyes", 52
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        max_covered: float = field(metadata={"range": (0.0, 1.0)})  # share of the strip not skin

    def judge(self, ctx, p):
        threshold = f"strip above the brows covered <= {p.max_covered:.0%}"
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        pts, fw = ctx.pts, ctx.layout.face_width_out
        covered = 0.0
        for brow in (BROW_R, BROW_L):
            b = pts[list(brow)]
            top = b[:, 1].min()
            region = rect(b[:, 0].min(), top - 0.10 * fw, b[:, 0].max(), top - 0.02 * fw)
            distance = ctx.tools.skin_distance(region)
            if distance.size == 0:
                return self.unknown(threshold, "看不到眉毛，请正对镜头", "eyebrows not in view: face the camera")
            covered = max(covered, float((distance >= SKIN).mean()))
        if covered <= p.max_covered:
            return self.result(Verdict.PASS, covered, threshold)
        return self.result(Verdict.FAIL, covered, threshold, "请把刘海拨开，露出眉毛和眼睛",
                           "move your fringe aside: eyebrows and eyes must show")


@register
class EarsVisible(Check):
    """Both ears show: just outside the face oval, from eye to mouth height, where the ears
    lie, the pixels are not hair.

    Hair is told from skin by the person's own hair colour (taken from the top of the head),
    so blond or red hair over an ear counts as hair, and a red, shaded ear still counts as
    ear. Hair combed behind the ear shows only further out, beyond the ear.
    """
    id, rule, priority = "ears_visible", "ears_visible", 53
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        band: float = field(metadata={"range": (0.02, 0.5)})  # band width, x face width
        max_hair: float = field(metadata={"range": (0.0, 1.0)})  # hair share of the band, worse ear
        min_ear: float = field(metadata={"range": (0.0, 0.1)})  # ear (not hair) in the band, x face width squared

    def judge(self, ctx, p):
        threshold = f"hair over the ear zone <= {p.max_hair:.0%}, ear showing >= {p.min_ear:g} x face width squared"
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        pts, tools = ctx.pts, ctx.tools
        width = max(2, int(p.band * ctx.layout.face_width_out))
        top = int((pts[IRIS_R, 1] + pts[IRIS_L, 1]) / 2)
        bottom = int((pts[MOUTH_R, 1] + pts[MOUTH_L, 1]) / 2)
        rows = slice(max(0, top), max(0, min(OUT_H, bottom)))
        oval = tools.polygon(FACE_OVAL)[rows]
        has_oval = oval.any(axis=1)
        if not has_oval.any():
            return self.unknown(threshold, "看不到耳朵，请正对镜头", "ears not in view: face the camera")
        # Per row, the oval's left and right edge; the ear bands lie just outside them.
        left = np.argmax(oval, axis=1)
        right = OUT_W - 1 - np.argmax(oval[:, ::-1], axis=1)
        xx = np.arange(OUT_W)[None, :]
        bands = ((xx >= left[:, None] - width) & (xx < left[:, None]) & has_oval[:, None],
                 (xx > right[:, None]) & (xx <= right[:, None] + width) & has_oval[:, None])
        if any(b.sum() < width * has_oval.sum() // 2 for b in bands):
            return self.unknown(threshold, "耳朵不在画面内，请居中", "an ear is outside the picture: move to the centre")
        x0, x1 = max(0, int(left.min()) - width), min(OUT_W, int(right.max()) + width + 1)
        person = ctx.portrait_mask[rows, x0:x1] > 0.5
        hair = person & tools.hair_of(tools.lab((rows, slice(x0, x1))))
        shares = [float(hair[b[:, x0:x1]].mean()) for b in bands]
        # Person but not hair is the ear itself; none at all on a side: that ear is hidden.
        ears = [float((person & ~hair)[b[:, x0:x1]].sum()) / ctx.layout.face_width_out ** 2 for b in bands]
        worst_side = int(np.argmax(shares))
        worst = shares[worst_side]
        if min(ears) < p.min_ear:
            worst_side = int(np.argmin(ears))
        elif worst <= p.max_hair:
            return self.result(Verdict.PASS, worst, threshold)
        # side 0 is the person's right ear (image left).
        zh, en = (("请把右侧头发拨到耳后，露出右耳", "tuck your hair behind your right ear") if worst_side == 0
                  else ("请把左侧头发拨到耳后，露出左耳", "tuck your hair behind your left ear"))
        return self.result(Verdict.FAIL, worst, threshold, zh, en)


@register
class HeadCovering(Check):
    """Hats, caps, hoods: the outline of the head rises far above the forehead, or a brim
    covers the forehead in a colour unlike the person's hair.

    A brim pulled down (beanie, bucket hat) leaves the head outline low, so the second
    measure looks at the strip just above the face mesh's top: a fringe there has the
    colour of the hair at the temples, a hat does not. When the frame cuts the top of the
    head the framing check says so; this check still judges from what shows, as long as
    the strip where a brim sits is in view.
    A photographer may override this check with a recorded religious or medical reason.
    """
    id, rule, priority = "head_covering", "head_covering", 54
    every_frame = False  # the brim needs the skin colour; a hat stays on between two frames

    @dataclass(frozen=True)
    class Params:
        # Crown-to-eyes distance over face width; bare heads stay near 0.8-1.05.
        max_crown_height: float = field(metadata={"range": (0.5, 3.0)})
        # Height of the forehead strip where a brim sits, above the face mesh's top, x face width.
        brim_strip: float = field(metadata={"range": (0.05, 0.5)})
        # Brim: share of the forehead strip that is not skin, and its colour distance (Delta E)
        # from the hair beside the temples.
        min_brim_cover: float = field(metadata={"range": (0.0, 1.0)})
        min_brim_colour: float = field(metadata={"range": (0.0, 150.0)})
        # Hair at the temples needed to compare with, x face width squared.
        min_temple_hair: float = field(metadata={"range": (0.0, 0.2)})

    def judge(self, ctx, p):
        threshold = (f"crown-to-eyes <= {p.max_crown_height:g} x face width; no brim over the forehead "
                     f"(>= {p.min_brim_cover:.0%} covered, Delta E >= {p.min_brim_colour:g} from the hair)")
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        height = float((ctx.eyes_centre[1] - ctx.crown_y) / ctx.face_width)
        cut = ctx.crown_y <= 0
        if height > p.max_crown_height or self.brim(ctx, p):
            return self.result(Verdict.FAIL, height, threshold, "请摘下帽子或头巾（宗教或医疗原因请告知摄影师）",
                               "take off any hat or hood (tell the photographer if you wear it for religious or "
                               "medical reasons)")
        if cut and ctx.face[FOREHEAD, 1] - p.brim_strip * ctx.face_width < 0:  # where a brim sits is cut off
            return self.unknown(threshold, "头顶不在画面内，请坐低一点", "the top of your head is out of view: sit a little lower", height)
        return self.result(Verdict.PASS, height, threshold)

    @staticmethod
    def brim(ctx, p) -> bool:
        """Something other than skin covers the forehead strip, far in colour from the hair at the temples."""
        pts, fw, tools = ctx.pts, ctx.layout.face_width_out, ctx.tools
        top = pts[FOREHEAD, 1]
        strip = rect(pts[CHEEK_R, 0] + 0.3 * fw, top - p.brim_strip * fw, pts[CHEEK_L, 0] - 0.3 * fw, top)
        if _empty(strip):
            return False
        lab = tools.lab(strip)
        covered = (ctx.portrait_mask[strip] > 0.5) & (tools.skin_distance_of(lab) >= SKIN)
        if covered.mean() < p.min_brim_cover:
            return False
        temples = []
        y0, y1 = pts[BROW_R[2], 1], pts[IRIS_R, 1]
        for x0, x1 in ((pts[CHEEK_R, 0] - 0.12 * fw, pts[CHEEK_R, 0]), (pts[CHEEK_L, 0], pts[CHEEK_L, 0] + 0.12 * fw)):
            region = rect(x0, y0, x1, y1)
            if not _empty(region):
                side = tools.lab(region)
                temples.append(side[(ctx.portrait_mask[region] > 0.5) & (tools.skin_distance_of(side) >= SKIN)])
        hair = np.concatenate(temples) if temples else np.zeros((0, 3))
        if len(hair) < p.min_temple_hair * fw ** 2:
            return False  # no hair beside the face to compare with (short hair, bald)
        return float(np.linalg.norm(np.median(lab[covered], axis=0) - np.median(hair, axis=0))) >= p.min_brim_colour


def _empty(region: tuple[slice, slice]) -> bool:
    return any(s.stop <= s.start for s in region)


@register
class HairArea(Check):
    """The seed rule: hair may not cover more area in the photo than the face.

    Two measures: all hair over the face-oval area, and how far loose hair hangs below the
    chin on both sides of the neck (long hair onto the shoulders; a ponytail or a strand
    shows on one side only).
    """
    id, rule, priority = "hair_area", "hair_area", 56
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        max_ratio: float = field(metadata={"range": (0.0, 5.0)})  # hair area / face area
        # Length of hair hanging below the chin on both sides, x face width.
        max_hanging: float = field(metadata={"range": (0.0, 2.0)})

    def judge(self, ctx, p):
        threshold = f"hair <= {p.max_ratio:g} x face area, hanging below the chin <= {p.max_hanging:g} x face width"
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        hair = ctx.tools.hair_half
        ratio = float(hair.sum() / max(1, int(ctx.tools.face_oval_half.sum())))
        pts, fw = ctx.pts / 2, ctx.layout.face_width_out / 2  # on the half grid
        centre = (pts[CHEEK_R, 0] + pts[CHEEK_L, 0]) / 2
        rows = hair[int(max(0, pts[CHIN, 1])):int(max(0, pts[CHIN, 1] + fw))]
        hanging = []
        for outward in (-1, 1):
            # Beside the neck, out to the shoulders; a row counts when a lock of hair crosses it.
            x0, x1 = sorted((centre + outward * 0.3 * fw, centre + outward * 1.1 * fw))
            locks = rows[:, int(max(0, x0)):int(max(0, x1))].sum(axis=1) >= 0.08 * fw
            hanging.append(float(locks.sum() / fw))
        both = min(hanging)
        if ratio <= p.max_ratio and both <= p.max_hanging:
            return self.result(Verdict.PASS, ratio, threshold)
        return self.result(Verdict.FAIL, ratio if ratio > p.max_ratio else both, threshold,
                           "头发面积过大，请把头发扎起或拨到肩后",
                           "too much hair in the picture: tie it back or put it behind your shoulders")


@register
class Jewellery(Check):
    """Earrings and studs: small shiny (silver, crystal) or gold blobs on the ears, and nose studs.

    A stud is a compact spot much brighter than the skin around it; gold is brighter than the
    cheeks and at least twice as saturated. Skin highlights are larger and softer, hair
    strands long and thin. Nose studs sit on the nose wings and are looked for at camera
    resolution. Necklaces and other piercings are not measured (the photographer's review).
    """
    id, rule, priority = "jewellery", "jewellery", 55
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        min_brighter: float = field(metadata={"range": (0.0, 100.0)})  # L* above the surroundings
        min_above_cheeks: float = field(metadata={"range": (0.0, 100.0)})  # L* above the cheeks
        min_contrast: float = field(metadata={"range": (0.0, 100.0)})  # Delta E to the surroundings
        min_stud_px: int = field(metadata={"range": (1, 400)})  # smaller: pores, single hairs
        max_stud_px: int = field(metadata={"range": (1, 400)})  # larger bright spots are skin shine
        min_saturation: float = field(metadata={"range": (0.0, 10.0)})  # x cheek; grey backdrop ~0.1
        min_skin_around: float = field(metadata={"range": (0.0, 1.0)})  # a stud sits on the ear
        min_gold_saturation: float = field(metadata={"range": (1.0, 10.0)})  # x cheek saturation
        min_person: float = field(metadata={"range": (0.0, 1.0)})  # backdrop through hair is not a stud
        min_nose_stud_px: float = field(metadata={"range": (0.0, 100.0)})  # single bright pixels are noise
        max_nose_stud_px: float = field(metadata={"range": (0.0, 100.0)})  # nose shine is larger
        min_nose_contrast: float = field(metadata={"range": (0.0, 100.0)})  # noses shine: stand out more

    def judge(self, ctx, p):
        threshold = (f"no spot on the ears brighter by {p.min_brighter:g} L* (Delta E {p.min_contrast:g}, "
                     f"<= {p.max_stud_px} px) or gold (>= {p.min_gold_saturation:g}x skin saturation)")
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        pts, fw = ctx.pts, ctx.layout.face_width_out
        top, chin = pts[BROW_R[2], 1], pts[CHIN, 1]
        found = 0
        for side, (cheek, outward) in enumerate(((CHEEK_R, -1), (CHEEK_L, 1))):
            # Beside each cheek from brow to chin: lobes, helix studs and hanging earrings.
            x0, x1 = sorted((pts[cheek, 0] - outward * 0.02 * fw, pts[cheek, 0] + outward * 0.22 * fw))
            for spot in ctx.tools.spots(rect(x0, top, x1, chin)):
                if spot["person"] < p.min_person:
                    continue
                stud = (p.min_stud_px <= spot["area"] <= p.max_stud_px and spot["brighter"] >= p.min_brighter
                        and spot["saturation"] >= p.min_saturation
                        and spot["lightness"] >= p.min_above_cheeks and spot["contrast"] >= p.min_contrast
                        and spot["skin_around"] >= p.min_skin_around)
                gold = (spot["area"] >= p.min_stud_px and spot["lightness"] >= 0
                        and spot["saturation"] >= p.min_gold_saturation)
                found += stud or gold
        if found:
            return self.result(Verdict.FAIL, found, threshold, "请摘下耳环或耳钉", "take off your earrings or studs")
        face, radius = ctx.face, 0.05 * ctx.face_width
        for wing in NOSE_WINGS:
            for spot in ctx.tools.camera_spots(face[wing, :2], radius):
                found += (p.min_nose_stud_px <= spot["area"] <= p.max_nose_stud_px
                          and spot["brighter"] >= p.min_brighter
                          and spot["lightness"] >= p.min_above_cheeks and spot["contrast"] >= p.min_nose_contrast)
        if found:
            return self.result(Verdict.FAIL, found, threshold, "请摘下鼻钉等面部饰物", "take off your nose stud")
        return self.result(Verdict.PASS, found, threshold)
