"""Checks on what the person wears and how the hair falls: glasses, hair, ears, hats, jewellery.

They read the face parsing (FrameContext.parsing: BiSeNet's class per portrait pixel) near
the face landmarks, so their sizes are those of the deliverable whatever the camera, and
areas are in face widths squared, so they hold for every face size. Colour heuristics on
skin and hair did not carry over to new people; the parsing's classes do (issue 8).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kiosk.checks.geometry import need_face
from kiosk.checks.landmarks import (BROW_L, BROW_R, CHEEK_L, CHEEK_R, EYE_OPENING_L, EYE_OPENING_R, FACE_PARTS,
                                    IRIS_L, IRIS_R, LIPS_OUTER, NOSE_AREA, NOSE_BOTTOM, NOSE_TIP, NOSE_WINGS, OUT_W,
                                    rect)
from kiosk.checks.registry import Check, fitted, register
from kiosk.checks.result import COVERED, Verdict

# Where an ear sits: this many face widths out from the cheek landmark (ears stand 0.1-0.2 out).
EAR_BAND = 0.15
NO_PARSING = ("由摄影师在预览时确认（人脸解析已关闭）", "the photographer confirms this on review (face parsing is off)")


def need_parsing(check: Check, ctx, threshold: str):
    """The UNKNOWN result when there is no face, or the face parsing is switched off."""
    if (missing := need_face(check, ctx, threshold)) is not None:
        return missing
    return None if ctx.parsing is not None else check.unknown(threshold, *NO_PARSING)


def sides(ctx, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A portrait mask split at the nose: (image left = the person's right, image right)."""
    mid = int(round(ctx.pts[NOSE_TIP, 0]))
    right, left = mask.copy(), mask.copy()
    right[:, mid:] = False
    left[:, :mid] = False
    return right, left


def lens_regions(ctx):
    """Where glasses lenses sit: a box around each eye, about a lens wide."""
    pts, fw = ctx.pts, ctx.layout.face_width_out
    return [rect(pts[i, 0] - 0.15 * fw, pts[i, 1] - 0.09 * fw, pts[i, 0] + 0.15 * fw, pts[i, 1] + 0.09 * fw)
            for i in (IRIS_R, IRIS_L)]


@register
class GlassesGlare(Check):
    """Flash reflections on lenses: near-white, colourless pixels inside the parsed glasses
    (within the hull of their pixels around each eye).

    The eye opening is left out: the white of the eye is near-white and colourless too, and
    every eye shows a small catch-light of the lamps.
    """
    id, rule, priority = "glasses_glare", "glasses_glare", 50
    every_frame, needs_parsing, reads_parsing = False, True, True

    @dataclass(frozen=True)
    class Params:
        min_lightness: float = field(metadata={"range": (50.0, 100.0)})  # L* of a reflection
        min_above_skin: float = field(metadata={"range": (0.0, 50.0)})  # and this much above the cheeks
        max_fraction: float = field(metadata=fitted("max", "glare", 0.0, 1.0))  # of the glasses near the eyes
        min_glasses: float = field(metadata={"range": (0.0, 0.2)})  # glasses area, x face width squared

    @staticmethod
    def threshold(p) -> str:
        return f"reflections <= {p.max_fraction:.1%} of the glasses"

    def measure(self, ctx, p):
        if (missing := need_parsing(self, ctx, self.threshold(p))) is not None:
            return missing
        tools, fw = ctx.tools, ctx.layout.face_width_out
        glasses = tools.part("eye_g")
        if glasses.sum() < p.min_glasses * fw ** 2:
            return {"glare": 0.0}
        skin_l = tools.skin_colour[0][0]
        eyes = tools.polygon(EYE_OPENING_R) | tools.polygon(EYE_OPENING_L)
        worst = 0.0
        for region in lens_regions(ctx):
            # The parsing may mark only the frames: the lens is everything they enclose.
            lens = tools.hull(glasses[region]) & ~eyes[region]
            if lens.sum() < 20:
                continue
            lab = tools.lab(region)
            chroma = np.hypot(lab[..., 1], lab[..., 2])
            glare = (lab[..., 0] > max(p.min_lightness, skin_l + p.min_above_skin)) & (chroma < 15) & lens
            worst = max(worst, float(glare.sum() / lens.sum()))
        return {"glare": worst}

    def decide(self, m, p):
        if m["glare"] <= p.max_fraction:
            return self.result(Verdict.PASS, m["glare"], self.threshold(p))
        return self.result(Verdict.FAIL, m["glare"], self.threshold(p), "镜片有反光，请稍低头或调整眼镜角度",
                           "your glasses reflect the light: tilt them slightly or lower your chin a little")


@register
class TintedGlasses(Check):
    """Tinted lenses or sunglasses: the box around each eye, about a lens wide, much darker
    than the cheeks. The whole box, not only the parsed glasses: thick dark frames would make
    the glasses' own pixels dark behind clear lenses."""
    id, rule, priority = "tinted_glasses", "tinted_glasses", 51
    every_frame = False

    @dataclass(frozen=True)
    class Params:
        # Median lightness around the eyes over cheek lightness, darker eye of the two.
        min_ratio: float = field(metadata=fitted("min", "ratio", 0.0, 1.0))

    @staticmethod
    def threshold(p) -> str:
        return f"eye area / cheek lightness >= {p.min_ratio:g}"

    def measure(self, ctx, p):
        threshold = self.threshold(p)
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        skin_l = max(1.0, float(ctx.tools.skin_colour[0][0]))
        lenses = [ctx.tools.lab(r) for r in lens_regions(ctx)]
        ratios = [float(np.median(lab[..., 0])) / skin_l for lab in lenses if lab.size]
        if len(ratios) < 2:
            return self.unknown(threshold, "看不到眼睛，请正对镜头", "eyes not in view: face the camera")
        return {"ratio": min(ratios)}

    def decide(self, m, p):
        threshold, ratio = self.threshold(p), m["ratio"]
        if ratio >= p.min_ratio:
            return self.result(Verdict.PASS, ratio, threshold)
        return self.result(Verdict.FAIL, ratio, threshold, "请摘下有色眼镜或墨镜", "take off tinted glasses or sunglasses")


@register
class HairOverEyes(Check):
    """Hair over the eyebrows or eyes: the parsing finds hair (or a hat) where brows and eyes
    are, from just above the brows to below the eyes."""
    id, rule, priority = "hair_eyes", "hair_eyes", 52
    every_frame, needs_parsing, reads_parsing = False, True, True

    @dataclass(frozen=True)
    class Params:
        max_covered: float = field(metadata=fitted("max", "covered", 0.0, 1.0))  # hair share, worse side

    @staticmethod
    def threshold(p) -> str:
        return f"brow and eye area covered by hair <= {p.max_covered:.0%}"

    def measure(self, ctx, p):
        threshold = self.threshold(p)
        if (missing := need_parsing(self, ctx, threshold)) is not None:
            return missing
        pts, fw = ctx.pts, ctx.layout.face_width_out
        hair = ctx.tools.part("hair", "hat")
        covered = 0.0
        for brow, iris in ((BROW_R, IRIS_R), (BROW_L, IRIS_L)):
            b = pts[list(brow)]
            region = rect(b[:, 0].min(), b[:, 1].min() - 0.03 * fw, b[:, 0].max(), pts[iris, 1] + 0.04 * fw)
            if hair[region].size == 0:
                return self.unknown(threshold, "看不到眉毛，请正对镜头", "eyebrows not in view: face the camera")
            covered = max(covered, float(hair[region].mean()))
        return {"covered": covered}

    def decide(self, m, p):
        threshold = self.threshold(p)
        if m["covered"] <= p.max_covered:
            return self.result(Verdict.PASS, m["covered"], threshold)
        return self.result(Verdict.FAIL, m["covered"], threshold, "请把刘海拨开，露出眉毛和眼睛",
                           "move your fringe aside: eyebrows and eyes must show")


@register
class EarsVisible(Check):
    """Both ears show: the parsed ear on each side of the face, in face widths squared (hair
    over an ear leaves little or none of it), and not hair where the ear should be: beside
    each cheek from the brows down to the nose (hair over the top of an ear leaves its lobe,
    enough ear by area)."""
    id, rule, priority = "ears_visible", "ears_visible", 53
    every_frame, needs_parsing, reads_parsing = False, True, True

    @dataclass(frozen=True)
    class Params:
        min_ear: float = field(metadata=fitted("min", "ear", 0.0, 0.2))  # smaller ear, x face width squared
        # Smaller ear over the larger: hair over one ear leaves part of it showing.
        min_balance: float = field(metadata=fitted("min", "balance", 0.0, 1.0))
        # Hair's share of the hair and ear pixels beside a cheek (EAR_BAND wide, brows to nose), worse side.
        max_hair_over: float = field(metadata=fitted("max", "hair_over", 0.0, 1.0))

    @staticmethod
    def threshold(p) -> str:
        return (f"each ear showing >= {p.min_ear:g} x face width squared, the smaller >= {p.min_balance:g} x the larger, "
                f"hair where an ear should be <= {p.max_hair_over:.0%}")

    def measure(self, ctx, p):
        threshold = self.threshold(p)
        if (missing := need_parsing(self, ctx, threshold)) is not None:
            return missing
        pts, fw = ctx.pts, ctx.layout.face_width_out
        if pts[CHEEK_R, 0] - 0.1 * fw < 0 or pts[CHEEK_L, 0] + 0.1 * fw > OUT_W:
            return self.unknown(threshold, "耳朵不在画面内，请居中", "an ear is outside the picture: move to the centre")
        ear, hair = ctx.tools.part("l_ear", "r_ear"), ctx.tools.part("hair")
        right, left = sides(ctx, ear)
        ears = (float(right.sum()) / fw ** 2, float(left.sum()) / fw ** 2)
        top, bottom = min(pts[BROW_R, 1].min(), pts[BROW_L, 1].min()), pts[NOSE_BOTTOM, 1]
        covered = []
        for cheek, outward in ((pts[CHEEK_R, 0], -1), (pts[CHEEK_L, 0], 1)):
            x0, x1 = sorted((cheek, cheek + outward * EAR_BAND * fw))
            band = rect(x0, top, x1, bottom)
            hair_px, ear_px = int(hair[band].sum()), int(ear[band].sum())
            covered.append(hair_px / max(1, hair_px + ear_px))
        return {"ear": min(ears), "balance": min(ears) / max(max(ears), 1e-9), "worse_side": float(np.argmin(ears)),
                "hair_over": max(covered), "hair_over_side": float(np.argmax(covered))}

    def decide(self, m, p):
        threshold = self.threshold(p)
        if m["ear"] >= p.min_ear and m["balance"] >= p.min_balance and m["hair_over"] <= p.max_hair_over:
            return self.result(Verdict.PASS, m["ear"], threshold)
        reason = "ear" if m["ear"] < p.min_ear else "balance" if m["balance"] < p.min_balance else "hair_over"
        # side 0 is the person's right ear (image left).
        side = m["hair_over_side"] if reason == "hair_over" else m["worse_side"]
        zh, en = (("请把右侧头发拨到耳后，露出右耳", "tuck your hair behind your right ear") if side == 0
                  else ("请把左侧头发拨到耳后，露出左耳", "tuck your hair behind your left ear"))
        return self.result(Verdict.FAIL, m[reason], threshold, zh, en, reason)


@register
class FaceUncovered(Check):
    """Nothing covers the face (the spec: a covering "must not cover the face"; FICV's veil
    over the face): where the landmarks put the lips and the nose, the parsing sees lips and
    nose. The landmarks place them under a mask, a hand or hair too, and the parsing then
    sees skin, cloth or glasses there instead.

    Not fitted: no labelled column says "covered". The limits say "at least half of each
    part shows"; on the 221 faces of ../shared/faces the compliant ones measure 0.72 and
    more on both, every mask 0.0 on the lips."""
    id, rule, priority = "face_uncovered", "face_uncovered", COVERED
    every_frame, needs_parsing, reads_parsing = False, True, True

    @dataclass(frozen=True)
    class Params:
        min_lips: float = field(metadata={"range": (0.0, 1.0)})  # parsed as lips or mouth, of the lip region
        min_nose: float = field(metadata={"range": (0.0, 1.0)})  # parsed as nose, of the nose region

    @staticmethod
    def threshold(p) -> str:
        return f"lips seen >= {p.min_lips:.0%} of where they are, nose seen >= {p.min_nose:.0%}"

    def measure(self, ctx, p):
        if (missing := need_parsing(self, ctx, self.threshold(p))) is not None:
            return missing
        tools = ctx.tools
        lips, nose = tools.hull(tools.polygon(LIPS_OUTER)), tools.hull(tools.polygon(NOSE_AREA))
        return {"lips": float(tools.part("u_lip", "l_lip", "mouth")[lips].mean()) if lips.any() else 0.0,
                "nose": float(tools.part("nose")[nose].mean()) if nose.any() else 0.0}

    def decide(self, m, p):
        threshold = self.threshold(p)
        if m["lips"] >= p.min_lips and m["nose"] >= p.min_nose:
            return self.result(Verdict.PASS, min(m["lips"], m["nose"]), threshold)
        reason = "lips" if m["lips"] / max(p.min_lips, 1e-9) <= m["nose"] / max(p.min_nose, 1e-9) else "nose"
        return self.result(Verdict.FAIL, m[reason], threshold, "请摘下口罩，手和头发不要挡住口鼻",
                           "take off any mask: nothing may cover your nose and mouth (hands and hair too)", reason)


@register
class HeadCovering(Check):
    """Hats, caps, hoods: the parsing's hat class, or a head outline far above the eyes.

    A photographer may override this check with a recorded religious or medical reason.
    """
    id, rule, priority = "head_covering", "head_covering", 54
    every_frame, needs_parsing, reads_parsing = False, True, True

    @dataclass(frozen=True)
    class Params:
        max_hat: float = field(metadata=fitted("max", "hat", 0.0, 1.0))  # hat area, x face width squared
        # Crown-to-eyes distance over face width (bare heads measured 0.66-1.06).
        max_crown_height: float = field(metadata=fitted("max", "crown_height", 0.5, 3.0))

    @staticmethod
    def threshold(p) -> str:
        return f"hat <= {p.max_hat:g} x face width squared, crown-to-eyes <= {p.max_crown_height:g} x face width"

    def measure(self, ctx, p):
        if (missing := need_parsing(self, ctx, self.threshold(p))) is not None:
            return missing
        return {"hat": float(ctx.tools.part("hat").sum()) / ctx.layout.face_width_out ** 2,
                "crown_height": float((ctx.eyes_centre[1] - ctx.crown_y) / ctx.face_width)}

    def decide(self, m, p):
        if m["hat"] <= p.max_hat and m["crown_height"] <= p.max_crown_height:
            return self.result(Verdict.PASS, m["hat"], self.threshold(p))
        reason = "hat" if m["hat"] > p.max_hat else "crown_height"
        return self.result(Verdict.FAIL, m[reason], self.threshold(p), "请摘下帽子或头巾（宗教或医疗原因请告知摄影师）",
                           "take off any hat or hood (tell the photographer if you wear it for religious or "
                           "medical reasons)", reason)


@register
class HairArea(Check):
    """The seed rule, as written: the hair in the photo may not cover a larger area than the
    face (both counted by the parsing in the 480x640 deliverable; the face is skin, brows,
    eyes, glasses, nose and mouth, without ears and neck)."""
    id, rule, priority = "hair_area", "hair_area", 56
    every_frame, needs_parsing, reads_parsing = False, True, True

    @dataclass(frozen=True)
    class Params:
        max_ratio: float = field(metadata={"range": (0.0, 5.0)})  # hair area / face area: the spec's 1

    @staticmethod
    def threshold(p) -> str:
        return f"hair <= {p.max_ratio:g} x face area"

    def measure(self, ctx, p):
        if (missing := need_parsing(self, ctx, self.threshold(p))) is not None:
            return missing
        face = int(ctx.tools.part(*FACE_PARTS).sum())
        return {"ratio": float(ctx.tools.part("hair").sum()) / max(1, face)}

    def decide(self, m, p):
        threshold = self.threshold(p)
        if m["ratio"] <= p.max_ratio:
            return self.result(Verdict.PASS, m["ratio"], threshold)
        return self.result(Verdict.FAIL, m["ratio"], threshold, "头发面积过大，请把头发扎起或拨到肩后",
                           "too much hair in the picture: tie it back or put it behind your shoulders")


@register
class Jewellery(Check):
    """Earrings, necklaces, studs and nose studs.

    The parsing marks drop earrings and some studs (its earring class) and necklaces. Small
    studs it misses are compact spots much brighter than the skin around them on and
    around the parsed ear, or gold; nose studs are looked for on the nose wings at camera
    resolution. Thin
    chains and other piercings no pixel rule is sure of are on the photographer's review.
    """
    id, rule, priority = "jewellery", "jewellery", 55
    every_frame, needs_parsing, reads_parsing = False, True, True

    @dataclass(frozen=True)
    class Params:
        # The spec's "no jewellery", not fitted: a count of studs allowed would let a fit on
        # photos whose detector found false studs let real ones through (it did: 3 of 184
        # held-out photos with studs were accepted, every one caught at 0).
        max_earring: float = field(metadata={"range": (0.0, 0.1)})  # x face width squared
        max_necklace: float = field(metadata={"range": (0.0, 0.5)})  # x face width squared
        # Stud-like spots the detector below finds around the ears and on the nose wings.
        max_studs: int = field(metadata={"range": (0, 20)})
        max_nose_studs: int = field(metadata={"range": (0, 20)})
        ear_margin: float = field(metadata={"range": (0.0, 0.2)})  # studs looked for this far around the ear, x fw
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

    @staticmethod
    def threshold(p) -> str:
        return (f"earring <= {p.max_earring:g}, necklace <= {p.max_necklace:g} x face width squared; studs on the "
                f"ears <= {p.max_studs}, on the nose <= {p.max_nose_studs}")

    def measure(self, ctx, p):
        if (missing := need_parsing(self, ctx, self.threshold(p))) is not None:
            return missing
        tools, fw = ctx.tools, ctx.layout.face_width_out
        studs = 0
        for ear in sides(ctx, tools.part("l_ear", "r_ear", "ear_r")):
            if np.count_nonzero(ear) < 10:
                continue
            x0, y0, x1, y1 = tools.bounds(ear)
            margin = p.ear_margin * fw
            region = rect(x0 - margin, y0 - margin, x1 + margin, y1 + 2 * margin)
            for spot in tools.spots(region):
                studs += spot["person"] >= p.min_person and (
                    (p.min_stud_px <= spot["area"] <= p.max_stud_px and spot["brighter"] >= p.min_brighter
                     and spot["saturation"] >= p.min_saturation and spot["lightness"] >= p.min_above_cheeks
                     and spot["contrast"] >= p.min_contrast and spot["skin_around"] >= p.min_skin_around)
                    or (spot["area"] >= p.min_stud_px and spot["lightness"] >= 0
                        and spot["saturation"] >= p.min_gold_saturation))
        nose, radius = 0, 0.05 * ctx.face_width
        for wing in NOSE_WINGS:
            for spot in tools.camera_spots(ctx.face[wing, :2], radius):
                nose += (p.min_nose_stud_px <= spot["area"] <= p.max_nose_stud_px
                         and spot["brighter"] >= p.min_brighter
                         and spot["lightness"] >= p.min_above_cheeks and spot["contrast"] >= p.min_nose_contrast)
        return {"earring": float(tools.part("ear_r").sum()) / fw ** 2,
                "necklace": float(tools.part("neck_l").sum()) / fw ** 2, "studs": float(studs), "nose": float(nose)}

    def decide(self, m, p):
        threshold = self.threshold(p)
        if m["earring"] > p.max_earring or m["studs"] > p.max_studs:
            reason = "earring" if m["earring"] > p.max_earring else "studs"
            return self.result(Verdict.FAIL, m[reason], threshold, "请摘下耳环或耳钉", "take off your earrings or studs",
                               reason)
        if m["necklace"] > p.max_necklace:
            return self.result(Verdict.FAIL, m["necklace"], threshold, "请摘下项链", "take off your necklace", "necklace")
        if m["nose"] > p.max_nose_studs:
            return self.result(Verdict.FAIL, m["nose"], threshold, "请摘下鼻钉等面部饰物", "take off your nose stud", "nose")
        return self.result(Verdict.PASS, m["earring"], threshold)
