"""Landmark ids of the MediaPipe face mesh and pose models, and portrait regions (light: the
checks import it)."""

# Face mesh landmark ids (MediaPipe canonical face model). "right" = the person's right,
# which is on the LEFT of the image.
CHEEK_R, CHEEK_L = 234, 454
FOREHEAD, CHIN, NOSE_TIP = 10, 152, 1
NOSE_BOTTOM = 2  # below the nose tip
NOSE_WINGS = (129, 358, 49, 279)  # sides and tops of both nostril wings, where nose studs sit
EYE_R = dict(outer=33, inner=133, top=159, bottom=145)
EYE_L = dict(outer=263, inner=362, top=386, bottom=374)
# The opening between the lids (white of the eye, iris, catch-lights), around each eye.
EYE_OPENING_R = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
EYE_OPENING_L = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
IRIS_R, IRIS_L = 468, 473  # iris centres; 469-472 / 474-477 are the iris rim
BROW_R = (70, 63, 105, 66, 107)
BROW_L = (300, 293, 334, 296, 336)
LIP_TOP, LIP_BOTTOM, MOUTH_R, MOUTH_L = 13, 14, 61, 291
# The outer lip line, and the nose from its bridge between the eyes to the nostril wings
# (a region: its convex hull).
LIPS_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291, 409, 270, 269, 267, 0, 37, 39, 40, 185)
NOSE_AREA = (168, 193, 245, 188, 174, 236, 198, 209, 129, 98, 97, 2, 326, 327, 358, 429, 420, 456, 399, 412, 465, 417)
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
             400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21,
             54, 103, 67, 109)
# Pose landmark ids (BlazePose).
P_SHOULDER_L, P_SHOULDER_R = 11, 12  # the person's left and right shoulder

SKIN = 3.0  # within this many cheek spreads of the cheek colour counts as skin
OUT_W, OUT_H = 480, 640  # the deliverable size; the portrait is cut at exactly this size
HALF = (slice(None, None, 2), slice(None, None, 2))  # every second pixel: whole-picture measures


def box(centre, r: int) -> tuple[slice, slice]:
    """Square region of radius r around a portrait point, clipped to the portrait."""
    x, y = int(round(centre[0])), int(round(centre[1]))
    return (slice(max(0, y - r), max(0, min(OUT_H, y + r + 1))),
            slice(max(0, x - r), max(0, min(OUT_W, x + r + 1))))


def rect(x0: float, y0: float, x1: float, y1: float) -> tuple[slice, slice]:
    """Region between two portrait corners, clipped to the portrait."""
    return (slice(int(max(0, min(OUT_H, y0))), int(max(0, min(OUT_H, y1)))),
            slice(int(max(0, min(OUT_W, x0))), int(max(0, min(OUT_W, x1)))))

# Face-parsing classes (BiSeNet trained on CelebAMask-HQ), in the model's output order
# (kiosk.faceparsing); l_/r_ are the person's left and right.
PARTS = ("background", "skin", "l_brow", "r_brow", "l_eye", "r_eye", "eye_g", "l_ear", "r_ear", "ear_r", "nose",
         "mouth", "u_lip", "l_lip", "neck", "neck_l", "cloth", "hair", "hat")
PART = {name: i for i, name in enumerate(PARTS)}
# What counts as the face for the hair-area rule: the face itself, without ears, neck or hair.
FACE_PARTS = ("skin", "l_brow", "r_brow", "l_eye", "r_eye", "eye_g", "nose", "mouth", "u_lip", "l_lip")
