"""Checks on the face itself: eyes open, gaze, mouth closed."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from kiosk.checks.landmarks import EYE_L, EYE_R, IRIS_L, IRIS_R, LIP_BOTTOM, LIP_TOP, MOUTH_L, MOUTH_R
from kiosk.checks.geometry import need_face
from kiosk.checks.registry import Check, fitted, fitted_slope, register
from kiosk.checks.result import Verdict


def eye_opening(face: np.ndarray, eye: dict) -> float:
    """Lid gap over eye width (about 0.3 for an open eye, under 0.1 when closed)."""
    gap = np.linalg.norm(face[eye["top"], :2] - face[eye["bottom"], :2])
    width = np.linalg.norm(face[eye["outer"], :2] - face[eye["inner"], :2])
    return float(gap / max(width, 1e-6))


@register
class EyesOpen(Check):
    id, rule, priority = "eyes_open", "eyes_open", 40

    @dataclass(frozen=True)
    class Params:
        # Lid gap / eye width of the less open eye; ICAO asks for eyes "open normally".
        min_opening: float = field(metadata=fitted("min", "opening", 0.0, 1.0))
        # MediaPipe eyeBlink blendshape of the more closed eye.
        max_blink: float = field(metadata=fitted("max", "blink", 0.0, 1.0))

    def measure(self, ctx, p):
        if (missing := need_face(self, ctx, self.threshold(p))) is not None:
            return missing
        return {"opening": min(eye_opening(ctx.face, EYE_R), eye_opening(ctx.face, EYE_L)),
                "blink": max(ctx.blendshapes["eyeBlinkLeft"], ctx.blendshapes["eyeBlinkRight"])}

    @staticmethod
    def threshold(p) -> str:
        return f"lid gap/eye width >= {p.min_opening:g}, blink <= {p.max_blink:g}"

    def decide(self, m, p):
        threshold, opening = self.threshold(p), m["opening"]
        if opening >= p.min_opening and m["blink"] <= p.max_blink:
            return self.result(Verdict.PASS, opening, threshold)
        reason = "opening" if opening < p.min_opening else "blink"
        return self.result(Verdict.FAIL, m[reason], threshold, "请自然睁开双眼", "open both eyes naturally", reason)


@register
class Gaze(Check):
    """Looking into the lens: the irises between the eye corners once the head's own turn is
    taken out. A person who turns the head a little and looks at the lens turns the eyes
    back by as much, so the irises sit off-centre by about eye_turn x sin(yaw) (MediaPipe's
    yaw; the eyeball turns about 11 mm behind the iris, a third of the eye's width)."""
    id, rule, priority = "gaze", "gaze", 41

    @dataclass(frozen=True)
    class Params:
        # Iris offset per sin(yaw) of a person looking at the lens, in eye widths.
        eye_turn: float = field(metadata=fitted_slope("signed", "yaw_sin", -1.0, 1.0))
        # Iris centre offset from the middle of the eye corners, as a fraction of eye width,
        # after the head's turn is taken out.
        max_offset: float = field(metadata=fitted("max", "offset", 0.0, 0.5))
        # eyeLookUp/Down blendshapes (MediaPipe's own vertical gaze estimate), the larger.
        max_look: float = field(metadata=fitted("max", "look", 0.0, 1.0))

    @staticmethod
    def threshold(p) -> str:
        return f"iris offset <= {p.max_offset:g} eye width (head turn taken out), eyeLook up/down <= {p.max_look:g}"

    def measure(self, ctx, p):
        if (missing := need_face(self, ctx, self.threshold(p))) is not None:
            return missing
        f = ctx.face
        offsets = []
        for eye, iris in ((EYE_R, IRIS_R), (EYE_L, IRIS_L)):
            outer, inner = f[eye["outer"], :2], f[eye["inner"], :2]
            axis = inner - outer
            width = np.linalg.norm(axis)
            # Signed along the line from the image-left corner to the image-right corner.
            along = float(np.dot(f[iris, :2] - (outer + inner) / 2, axis) / width ** 2)
            offsets.append(along if axis[0] > 0 else -along)
        b = ctx.blendshapes
        up, down = max(b["eyeLookUpLeft"], b["eyeLookUpRight"]), max(b["eyeLookDownLeft"], b["eyeLookDownRight"])
        # Both eyes move together when looking away; averaging cancels landmark noise.
        return {"signed": float(np.mean(offsets)), "yaw_sin": math.sin(math.radians(ctx.head_pose[0])),
                "look": max(up, down), "vertical": up - down}

    def derive(self, m, p):
        gaze = m["signed"] - p.eye_turn * m["yaw_sin"]
        return {**m, "gaze": gaze, "offset": abs(gaze)}

    def decide(self, m, p):
        m = self.derive(m, p)
        threshold, gaze = self.threshold(p), m["gaze"]
        if m["offset"] <= p.max_offset and m["look"] <= p.max_look:
            return self.result(Verdict.PASS, gaze, threshold)
        reason = "offset" if m["offset"] > p.max_offset else "look"
        if reason == "offset":
            # Irises towards the image right = looking to the person's left.
            zh, en = (("请把视线稍向右移，看镜头", "look a little to your right, into the lens") if gaze > 0
                      else ("请把视线稍向左移，看镜头", "look a little to your left, into the lens"))
        else:
            zh, en = (("请把视线稍微放低，看镜头", "look a little lower, into the lens") if m["vertical"] > 0
                      else ("请把视线稍微抬高，看镜头", "look a little higher, into the lens"))
        return self.result(Verdict.FAIL, gaze if reason == "offset" else m["look"], threshold, zh, en, reason)


@register
class MouthClosed(Check):
    id, rule, priority = "mouth_closed", "mouth_closed", 42

    @dataclass(frozen=True)
    class Params:
        # Gap between the inner lips over mouth width (OFIQ MouthClosed works the same way).
        max_lip_gap: float = field(metadata=fitted("max", "gap", 0.0, 1.0))
        max_jaw_open: float = field(metadata=fitted("max", "jaw", 0.0, 1.0))
        # A broad smile is allowed but not natural: warn so the person relaxes.
        warn_smile: float = field(metadata={"range": (0.0, 1.0)})

    @staticmethod
    def threshold(p) -> str:
        return f"lip gap/mouth width <= {p.max_lip_gap:g}, jawOpen <= {p.max_jaw_open:g}"

    def measure(self, ctx, p):
        if (missing := need_face(self, ctx, self.threshold(p))) is not None:
            return missing
        f, b = ctx.face, ctx.blendshapes
        return {"gap": float(np.linalg.norm(f[LIP_TOP, :2] - f[LIP_BOTTOM, :2])
                             / np.linalg.norm(f[MOUTH_L, :2] - f[MOUTH_R, :2])),
                "jaw": b["jawOpen"], "smile": max(b["mouthSmileLeft"], b["mouthSmileRight"])}

    def decide(self, m, p):
        threshold, gap = self.threshold(p), m["gap"]
        if gap > p.max_lip_gap or m["jaw"] > p.max_jaw_open:
            reason = "gap" if gap > p.max_lip_gap else "jaw"
            return self.result(Verdict.FAIL, m[reason], threshold, "请自然闭合嘴唇，不要露齿",
                               "close your lips naturally, no teeth showing", reason)
        if m["smile"] > p.warn_smile:
            return self.result(Verdict.WARN, gap, threshold, "请放松表情，不要大笑", "relax your face, no broad smile")
        return self.result(Verdict.PASS, gap, threshold)


@register
class LipsParted(Check):
    """Lips apart or teeth showing by the face parsing: the area between the lips (its mouth
    class: teeth, tongue, the dark gap) in face widths squared. The landmarks' lip gap
    (MouthClosed) can stay small over a half-open smile; the parsing sees the teeth."""
    id, rule, priority = "lips_parted", "mouth_closed", 43
    every_frame, reads_parsing = False, True

    @dataclass(frozen=True)
    class Params:
        max_inner_mouth: float = field(metadata=fitted("max", "inner", 0.0, 0.1))  # x face width squared

    @staticmethod
    def threshold(p) -> str:
        return f"between the lips <= {p.max_inner_mouth:g} x face width squared"

    def measure(self, ctx, p):
        threshold = self.threshold(p)
        if (missing := need_face(self, ctx, threshold)) is not None:
            return missing
        if ctx.parsing is None:  # not "cannot tell": the lip gap of mouth_closed still judges the rule
            return self.result(Verdict.PASS, None, "face parsing off: the lip gap (mouth_closed) judges alone")
        return {"inner": float(ctx.tools.part("mouth").sum()) / ctx.layout.face_width_out ** 2}

    def decide(self, m, p):
        if m["inner"] <= p.max_inner_mouth:
            return self.result(Verdict.PASS, m["inner"], self.threshold(p))
        return self.result(Verdict.FAIL, m["inner"], self.threshold(p), "请自然闭合嘴唇，不要露齿",
                           "close your lips naturally, no teeth showing", "inner")
