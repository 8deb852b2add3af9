"""Checks on where the head and body are: one face, head pose, shoulders, framing."""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from kiosk.checks.landmarks import IRIS_L, IRIS_R, OUT_H, OUT_W, P_SHOULDER_L, P_SHOULDER_R
from kiosk.checks.registry import Check, fitted, register
from kiosk.checks.result import PICTURE, Verdict

NO_FACE = ("未检测到人脸，请正对镜头", "no face found: face the camera")


def need_face(check: Check, ctx, threshold: str):
    """The UNKNOWN result every face check gives when there is no face to judge."""
    return None if ctx.faces else check.unknown(threshold, *NO_FACE)


# A head rolled further than this is a picture turned on its side (a sideways photo without
# its rotation tag, a camera mounted upright), not a student leaning.
SIDEWAYS_DEG = 60.0
SHOULDERS_CUT_OFF = ("肩膀超出画面，请站直", "your shoulders are cut off: stand up straight")
MOVE_BACK = ("请离镜头远一点", "move a little further from the camera")
COME_CLOSER = ("请靠近镜头一点", "come a little closer to the camera")
# The move that brings back a face past one edge of the camera's picture. The picture is not
# mirrored: image left is the person's right, so a face near its left edge moves to the
# person's left.
MOVES = {"top": ("请稍微屈膝", "bend your knees a little"), "bottom": ("请站直", "stand up straight"),
         "left": ("请向左移一点", "move a little to your left"), "right": ("请向右移一点", "move a little to your right")}
# Output px a cut may reach past the camera's picture and still count as inside (rounding).
EDGE_PX = 2.0


@register
class OneFace(Check):
    # Not overridable: with two people in view, which one the photo is cut around is a guess
    # (a trial's override kept the man beside the student).
    id, rule, priority, overridable = "one_face", "one_face", 0, False

    @dataclass(frozen=True)
    class Params:
        # A second face counts when it is at least this fraction of the main face's width:
        # people passing far behind are tiny; anyone close enough to appear in the photo is not.
        min_face_ratio: float = field(metadata={"range": (0.05, 1.0)})

    def measure(self, ctx, p):
        if not ctx.faces:
            return self.result(Verdict.FAIL, 0, self.threshold(p), *NO_FACE, "none")
        main = ctx.face_width
        return {"count": sum(1 for f in ctx.faces if (f[:, 0].max() - f[:, 0].min()) >= p.min_face_ratio * main * 0.9)}

    @staticmethod
    def threshold(p) -> str:
        return f"exactly 1 face (others count from {p.min_face_ratio:.0%} of its width)"

    def decide(self, m, p):
        threshold, count = self.threshold(p), m["count"]
        if count > 1:
            return self.result(Verdict.FAIL, count, threshold,
                               "画面中只能有一个人，请其他人离开镜头", "only one person may be in view: others step away")
        return self.result(Verdict.PASS, count, threshold)


class _Angle(Check):
    """Head pose angle from the facial transformation matrix against a limit in degrees."""
    axis: int  # index into ctx.head_pose (yaw, pitch, roll)
    advice: dict  # sign of the angle -> (zh, en) telling the person which way to move

    @dataclass(frozen=True)
    class Params:
        max_deg: float = field(metadata=fitted("max", "deg", 1.0, 30.0))

    @staticmethod
    def threshold(p) -> str:
        return f"|angle| <= {p.max_deg:g} deg"

    def measure(self, ctx, p):
        if (missing := need_face(self, ctx, self.threshold(p))) is not None:
            return missing
        angle = ctx.head_pose[self.axis]
        return {"deg": abs(angle), "signed": angle}

    def decide(self, m, p):
        threshold, angle = self.threshold(p), m["signed"]
        if m["deg"] <= p.max_deg:
            return self.result(Verdict.PASS, angle, threshold)
        return self.result(Verdict.FAIL, angle, threshold, *self.advice[angle > 0], "deg")


@register
class Yaw(_Angle):
    id, rule, priority, axis = "yaw", "yaw", 20, 0
    advice = {True: ("请向右稍转头，正对镜头", "turn your head a little to your right, face the lens"),
              False: ("请向左稍转头，正对镜头", "turn your head a little to your left, face the lens")}


@register
class Pitch(_Angle):
    """Chin up or down, with its own limit each way: MediaPipe's pitch of a level head
    depends on the camera height and the head's shape, and lies mostly below zero (the
    labelled level heads measured -23 to +7 degrees, raised chins +10 and more)."""
    id, rule, priority, axis = "pitch", "pitch", 22, 1
    advice = {True: ("请稍微低一点下巴", "lower your chin a little"),
              False: ("请稍微抬起下巴，眼睛平视镜头", "raise your chin a little, eyes level with the lens")}

    @dataclass(frozen=True)
    class Params:
        max_up_deg: float = field(metadata=fitted("max", "up", 1.0, 40.0))  # chin raised
        max_down_deg: float = field(metadata=fitted("max", "down", 1.0, 40.0))  # chin lowered

    @staticmethod
    def threshold(p) -> str:
        return f"chin up <= {p.max_up_deg:g} deg, down <= {p.max_down_deg:g} deg"

    def measure(self, ctx, p):
        if (missing := need_face(self, ctx, self.threshold(p))) is not None:
            return missing
        angle = ctx.head_pose[self.axis]
        return {"up": angle, "down": -angle, "signed": angle}

    def decide(self, m, p):
        angle = m["signed"]
        if m["up"] <= p.max_up_deg and m["down"] <= p.max_down_deg:
            return self.result(Verdict.PASS, angle, self.threshold(p))
        return self.result(Verdict.FAIL, angle, self.threshold(p), *self.advice[angle > 0],
                           "up" if m["up"] > p.max_up_deg else "down")


@register
class Roll(_Angle):
    id, rule, priority, axis = "roll", "roll", 21, 2
    advice = {True: ("头向右肩歪了，请向左摆正", "your head leans to your right: straighten it to the left"),
              False: ("头向左肩歪了，请向右摆正", "your head leans to your left: straighten it to the right")}

    @dataclass(frozen=True)
    class Params:
        max_deg: float = field(metadata=fitted("max", "deg", 1.0, 30.0))
        # The spec's separate rule "pupils level": the line through both irises.
        max_eye_line_deg: float = field(metadata=fitted("max", "eye_line", 1.0, 30.0))

    def measure(self, ctx, p):
        m = super().measure(ctx, p)
        if isinstance(m, dict):
            right, left = ctx.face[IRIS_R, :2], ctx.face[IRIS_L, :2]
            # Positive when the person's left eye (image right) is lower: leaning to the left.
            m["eye_line_signed"] = math.degrees(math.atan2(left[1] - right[1], left[0] - right[0]))
            m["eye_line"] = abs(m["eye_line_signed"])
        return m

    def decide(self, m, p):
        if m["deg"] > SIDEWAYS_DEG:
            # No head leans so far: the picture (or the camera) is on its side, and that is
            # said first, before what the turned picture makes the other checks say.
            return dataclasses.replace(self.result(
                Verdict.FAIL, m["signed"], self.threshold(p), "画面是横着的：请找摄影师把摄像头（或照片）转正",
                "the picture is on its side: ask the photographer to turn the camera (or the photo) upright",
                "deg"), priority=PICTURE)
        result = super().decide(m, p)
        if result.verdict is not Verdict.PASS:
            return result
        eye_line = m["eye_line_signed"]
        threshold = f"{result.threshold}, pupils level within {p.max_eye_line_deg:g} deg"
        if m["eye_line"] > p.max_eye_line_deg:
            return self.result(Verdict.FAIL, -eye_line, threshold, *self.advice[eye_line < 0], "eye_line")
        return self.result(Verdict.PASS, result.value, threshold)


def _cut_past(ctx, ey: float, crown_to_eyes: float, s: float) -> tuple[float, float]:
    """Output px the deliverable needs past the camera frame's top and bottom (0 when none)
    for eyes at camera row `ey`, the crown `crown_to_eyes` camera px above them, cut at `s`
    output px per camera px: the eyes as low (top) or high (bottom) as their range and the
    crown's allow."""
    (c_lo, c_hi), (e_lo, e_hi), h = ctx.capture.crown_px, ctx.capture.eyes_px, ctx.image.shape[0]
    return (max(0.0, float(max(e_lo, c_lo + crown_to_eyes * s) - ey * s)),
            max(0.0, float((ey - h) * s + OUT_H - min(e_hi, c_hi + crown_to_eyes * s))))


def moved_back(ctx) -> tuple[float, float]:
    """_cut_past's (top, bottom) once a student closer than needed (camera pixels shrunk)
    has moved back to where they are cut 1:1: a camera at face height sees their eyes nearer
    its middle by the same factor."""
    back, h = min(1.0, ctx.layout.scale), ctx.image.shape[0]
    ey = ctx.eyes_centre[1]
    return _cut_past(ctx, h / 2 + (ey - h / 2) * back, (ey - ctx.crown_y) * back, 1.0)


@register
class Shoulders(Check):
    """Both shoulders in the deliverable and level.

    In view: at the height of the deliverable's bottom edge the person is much wider than
    the face in the camera frame (the row must exist in the frame), or runs past both sides. Level: the line through the pose landmarker's
    shoulder points, when it sees both.
    """
    id, rule, priority = "shoulders", "shoulders", 30

    @dataclass(frozen=True)
    class Params:
        min_width: float = field(metadata=fitted("min", "width", 1.0, 5.0))  # person width / face width
        max_tilt_deg: float = field(metadata=fitted("max", "tilt", 1.0, 30.0))
        min_visibility: float = field(metadata=fitted("min", "visibility", 0.0, 1.0))  # pose points trusted from

    @staticmethod
    def threshold(p) -> str:
        return (f"person {p.min_width:g}x face width at the bottom edge, tilt <= {p.max_tilt_deg:g} deg, "
                f"shoulder points seen >= {p.min_visibility:g}")

    def measure(self, ctx, p):
        if (missing := need_face(self, ctx, self.threshold(p))) is not None:
            return missing
        lay = ctx.layout
        h = ctx.image.shape[0]
        bottom = lay.y + 0.98 * lay.box[3]  # camera row just above the deliverable's bottom edge
        mask_row = int(bottom * ctx.mask.shape[0] / h)
        m = {"width": 0.0, "beyond_sides": 0.0, "visibility": 0.0, "tilt": 0.0, "tilt_signed": 0.0,
             "row_in_frame": float(0 <= bottom < h), "top_cut": float(lay.overflow["top"] > EDGE_PX),
             "back_fixes": float(lay.scale < 1 and moved_back(ctx)[1] <= EDGE_PX)}
        if m["row_in_frame"]:
            row = ctx.mask[mask_row] > 0.5
            m["width"] = float(row.sum() * ctx.image.shape[1] / ctx.mask.shape[1] / ctx.face_width)
            # A finished 480x640 file cuts wide shoulders at both sides; only a photo that
            # holds the whole deliverable counts that way (a tight crop does not).
            whole = max(lay.overflow.values()) <= EDGE_PX
            m["beyond_sides"] = float(whole and bool(row[:2].any() and row[-2:].any()))
        pose = ctx.pose
        if pose is not None:
            left, right = pose[P_SHOULDER_L], pose[P_SHOULDER_R]
            m["visibility"] = float(min(left[2], right[2]))
            # Positive when the person's left shoulder (image right) is lower.
            m["tilt_signed"] = math.degrees(math.atan2(left[1] - right[1], left[0] - right[0]))
            m["tilt"] = abs(m["tilt_signed"])
        return m

    def decide(self, m, p):
        threshold, width = self.threshold(p), m["width"]
        if width < p.min_width and not m["row_in_frame"]:
            # The deliverable's bottom edge is below the camera frame: framing's matter, and
            # its words (move back when the head's top is cut too, or moving back brings the
            # bottom in, else stand up straight), so the student hears one instruction, never "move
            # back" beside "come closer".
            back = m["top_cut"] or m["back_fixes"]
            return self.result(Verdict.FAIL, width, threshold, *(MOVE_BACK if back else SHOULDERS_CUT_OFF))
        if width < p.min_width and not m["beyond_sides"]:
            return self.result(Verdict.FAIL, width, threshold, "双肩需完整入镜，请站正并后退一点",
                               "both shoulders must be in the picture: stand straight and move back a little", "width")
        if m["visibility"] < p.min_visibility:
            return self.unknown(threshold, "看不清肩膀，请站正，双肩入镜", "shoulders not clear: stand straight, both shoulders in view", width)
        if m["tilt"] <= p.max_tilt_deg:
            return self.result(Verdict.PASS, width, threshold)
        # A tilt carries its angle (signed as tilt_signed), for the photographer's review.
        if m["tilt_signed"] > 0:
            return self.result(Verdict.FAIL, m["tilt_signed"], threshold, "请把左肩稍微抬高，双肩放平",
                               "raise your left shoulder a little, keep shoulders level", "tilt")
        return self.result(Verdict.FAIL, m["tilt_signed"], threshold, "请把右肩稍微抬高，双肩放平",
                           "raise your right shoulder a little, keep shoulders level", "tilt")


@register
class Framing(Check):
    """Can the 480x640 deliverable be cut with crown, eyes and face width in their ranges?

    The layout puts them mid-range; this check fails when that cut would need pixels the
    camera does not have (head too high, too low, off to a side, or too small in pixels).
    """
    id, rule, priority = "framing", "framing", 10

    @dataclass(frozen=True)
    class Params:
        # Output pixels the cut may reach past the camera frame (edge rounding only).
        max_overflow_px: float = field(metadata={"range": (0.0, 50.0)})
        # Largest enlargement of camera pixels: above it the deliverable turns soft.
        max_upscale: float = field(metadata={"range": (1.0, 3.0)})

    def measure(self, ctx, p):
        if (missing := need_face(self, ctx, self.threshold(ctx.capture, p))) is not None:
            return missing
        # The layout itself is measured; decide() needs the capture ranges it was planned for.
        return {"layout": ctx.layout, "capture": ctx.capture, "placed": self._placed(ctx, p)}

    @staticmethod
    def _placed(ctx, p) -> dict:
        """Output px past each camera edge at the largest allowed enlargement, the eyes as
        high or low in their range as helps that side: a face big enough in the frame but
        near an edge makes the layout zoom in past max_upscale to avoid that edge, and the
        student must move, not come closer. For a face too small ("small": 1.0), the same
        once the student has come close enough: coming closer carries a face off the middle
        further off it (its offset grows with its size), so a student far away and to one
        side, or low, must move that way too."""
        cap, (h, w) = ctx.capture, ctx.image.shape[:2]
        cx, (_, ey) = ctx.layout.x + OUT_W / 2 / ctx.layout.scale, ctx.eyes_centre
        crown_to_eyes = max(1.0, ey - ctx.crown_y)
        s = min(cap.face_width_px[1] / ctx.face_width, p.max_upscale)
        small = s < cap.face_width_px[0] / ctx.face_width
        if small:
            closer = cap.face_width_px[0] / p.max_upscale / ctx.face_width  # how much larger the face must get
            cx, ey, s = w / 2 + (cx - w / 2) * closer, h / 2 + (ey - h / 2) * closer, p.max_upscale
            crown_to_eyes *= closer
        top, bottom = _cut_past(ctx, ey, crown_to_eyes, s)
        top_back, bottom_back = moved_back(ctx)
        return {"small": float(small), "top": top, "bottom": bottom,
                "left": max(0.0, OUT_W / 2 - cx * s), "right": max(0.0, (cx - w) * s + OUT_W / 2),
                "top_back": top_back, "bottom_back": bottom_back}

    @staticmethod
    def threshold(cap, p) -> str:
        return (f"crown {cap.crown_px[0]}-{cap.crown_px[1]} px, eyes {cap.eyes_px[0]}-{cap.eyes_px[1]} px, "
                f"face {cap.face_width_px[0]}-{cap.face_width_px[1]} px, no enlarging over {p.max_upscale:g}x")

    def decide(self, m, p):
        lay, cap = m["layout"], m["capture"]
        threshold = self.threshold(cap, p)
        value = lay.face_width_out / lay.scale  # face width in camera pixels
        upscaled = lay.scale > p.max_upscale
        overflow = m["placed"] if upscaled else lay.overflow
        off = {side: overflow[side] > p.max_overflow_px for side in MOVES}
        if upscaled:
            if m["placed"]["small"]:
                # Where coming closer would carry the face out of the picture, that move first.
                first = next((MOVES[side] for side, other in (("bottom", "top"), ("top", "bottom"), ("left", "right"),
                                                              ("right", "left")) if off[side] and not off[other]), None)
                if first is None:
                    return self.result(Verdict.FAIL, value, threshold, *COME_CLOSER)
                return self.result(Verdict.FAIL, value, threshold, first[0] + "，再靠近镜头一点",
                                   first[1] + ", then come a little closer to the camera")
            if not any(off.values()):
                return self.result(Verdict.FAIL, value, threshold, *COME_CLOSER)
        if off["top"] and off["bottom"]:
            return self.result(Verdict.FAIL, value, threshold, *MOVE_BACK)
        # Too close and cut at one edge: moving back brings that edge in and keeps the other,
        # where sitting lower (or higher) would cut the other.
        if off["top"]:
            if lay.scale < 1 and m["placed"]["top_back"] <= p.max_overflow_px:
                return self.result(Verdict.FAIL, value, threshold, *MOVE_BACK)
            return self.result(Verdict.FAIL, value, threshold, "头顶超出画面，请稍微屈膝", "the top of your head is cut off: bend your knees a little")
        if off["bottom"]:
            close = lay.scale < 1 and m["placed"]["bottom_back"] <= p.max_overflow_px
            return self.result(Verdict.FAIL, value, threshold, *(MOVE_BACK if close else SHOULDERS_CUT_OFF))
        if off["left"] and off["right"]:
            return self.result(Verdict.FAIL, value, threshold, *MOVE_BACK)
        if off["left"] or off["right"]:
            return self.result(Verdict.FAIL, value, threshold, *MOVES["left" if off["left"] else "right"])
        (c_lo, c_hi), (e_lo, e_hi), (w_lo, w_hi) = cap.crown_px, cap.eyes_px, cap.face_width_px
        if not w_lo <= lay.face_width_out <= w_hi:
            return self.result(Verdict.FAIL, value, threshold, *(COME_CLOSER if lay.face_width_out < w_lo else MOVE_BACK))
        if not (c_lo <= lay.crown_out <= c_hi and e_lo <= lay.eyes_out <= e_hi):
            # Crown and eyes cannot both fit: the head is unusually long or short in the frame,
            # typically a hat, a hood or big hair.
            return self.result(Verdict.FAIL, value, threshold, "头顶与眼睛位置无法同时符合要求，请整理头发或摘下帽子",
                               "crown and eyes cannot both fit: tidy your hair or take off any hat")
        return self.result(Verdict.PASS, value, threshold)
