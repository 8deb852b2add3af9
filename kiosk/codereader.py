"""Reading capture codes from camera frames: zbar gives a code's exact bytes, OpenCV's QR
detector finds the codes zbar's quick pass misses (too small, or white on black)."""

from __future__ import annotations

from ctypes import byref, c_int, c_void_p, cast, string_at

# zbar settings, by zbar's own names: QR codes only, and binary mode, in which zbar hands
# over a code's bytes as they are instead of converting them to text by a guessed
# character set (accented UTF-8 came out garbled, binary bytes as mojibake).
ZBAR_SETTINGS = (b"disable", b"qrcode.enable", b"qrcode.binary")
Y800 = 0x30303859  # zbar's fourcc for 8-bit grayscale
# A found code is read from a region enlarged to at least this many pixels a side: zbar
# misses a slightly blurred code under about 3 pixels a module, and a capture code has up
# to about 60 modules with its quiet zone.
MIN_REGION_PX = 400
# Pass 3 (see CodeReader): the middle of the frame where the waiting screen asks for the code
# (a square of this fraction of the frame's height, a little more than the box drawn), and
# the unsharp mask that lets zbar read it through a phone's slight blur (sigma in pixels of
# the camera frame, and the amount of the difference added back).
MIDDLE = 0.55
SHARPEN_SIGMA, SHARPEN_AMOUNT = 2.5, 2.0


class ZbarError(RuntimeError):
    """The zbar library cannot read codes as the station needs (too old for binary mode)."""


def zbar_qr(gray) -> list[bytes]:
    """The exact bytes of every QR code zbar reads in `gray` (a 2-D uint8 array), in zbar's
    order; [] when it reads none.

    pyzbar.decode cannot switch on zbar's binary mode, so this drives zbar through pyzbar's
    ctypes wrapper. Raises ZbarError when zbar refuses a setting (zbar older than 0.23)."""
    from pyzbar import wrapper as zbar

    height, width = gray.shape
    pixels = gray.tobytes()
    scanner = zbar.zbar_image_scanner_create()
    image = zbar.zbar_image_create()
    try:
        for setting in ZBAR_SETTINGS:
            symbology, config, value = c_int(), c_int(), c_int()
            if (zbar.zbar_parse_config(setting, byref(symbology), byref(config), byref(value))
                    or zbar.zbar_image_scanner_set_config(scanner, symbology, config, value)):
                raise ZbarError(f"zbar does not know the setting {setting.decode()}: "
                                "install zbar 0.23 or newer (sudo apt-get install libzbar0)")
        zbar.zbar_image_set_format(image, Y800)
        zbar.zbar_image_set_size(image, width, height)
        zbar.zbar_image_set_data(image, cast(pixels, c_void_p), len(pixels), None)
        if zbar.zbar_scan_image(scanner, image) <= 0:
            return []
        codes, symbol = [], zbar.zbar_image_first_symbol(image)
        while symbol:
            codes.append(string_at(zbar.zbar_symbol_get_data(symbol), zbar.zbar_symbol_get_data_length(symbol)))
            symbol = zbar.zbar_symbol_next(symbol)
        return codes
    finally:
        zbar.zbar_image_destroy(image)
        zbar.zbar_image_scanner_destroy(scanner)


class CodeReader:
    """Reads capture codes from camera frames, in two passes.

    1. zbar on a copy `width` pixels wide (zbar takes about 20 ms on a whole 1280x720
       frame, a few on a 640-wide one): reads a code held up close, as before.
    2. When that reads nothing, OpenCV's ArUco-based QR detector looks for codes in the
       full-resolution frame, and zbar reads each code found from its own region at full
       resolution. A code 100 px wide in a 1920x1080 frame is read so; on the 640-wide
       copy it is 33 px, under a pixel a module, and even codes of 140-200 px are missed
       there as often as found. A phone in dark mode shows the code white on black,
       which neither zbar nor the detector reads: every other frame, pass 2 searches the
       frame's negative instead. A code is held up for many frames, so it is read within
       two while each frame pays for one search. The detector took no face for a code in
       the 225 photos of ../shared/faces, in either polarity.

    3. When neither reads a capture code, on the frames pass 2 searches as they are: the
       middle of the frame, where the waiting screen
       draws the box to hold the code in, at full resolution through an unsharp mask, to
       zbar and to the detector. A phone a little out of focus (a trial's code 180 px wide
       blurred by sigma 1.8-2 px) is read so, and one blurred further is still found.

    A code the detector finds but zbar cannot read (a blurred phone, glare) is reported
    as seen, so the student can be told what to change.

    Several codes in view (a poster's QR behind the student, a payment code on the same
    phone): `rank(bytes) -> int` orders them, 0 for a capture code (kiosk.codec.code_rank);
    the lowest is read, and a frame whose quick pass reads only others is searched at full
    resolution too, so the capture code is read even when the other is larger. Two
    capture codes in one picture (two students' phones) are both reported by scan(): which
    student is meant cannot be told, and picking one would photograph the other under it.

    Cost (`kiosk codes read --time`, 2 cores, mean of 30 frames): a frame without a code
    10-11 ms at 1280x720 and 14-17 ms at 1920x1080 (8-9 and 9-10 ms with pass 1 alone),
    and every other frame 10 ms more for pass 3;
    a code pass 1 reads, 7 ms as before; while a small or white-on-black code is in view,
    15-21 ms at 1280x720 and 35 ms at 1920x1080 a frame, until it is read."""

    # Frames in which pass 2 has searched both polarities.
    SEARCH_FRAMES = 2

    def __init__(self, width: int, rank=None) -> None:
        self.width = width
        self._rank = rank or (lambda data: 0)  # without a rank, the first code read
        self._detector = None  # made on first use, on the worker's thread
        self._negative = False  # whether pass 2 searches this frame's negative

    def read(self, image) -> tuple[bytes | None, bool]:
        """(the exact bytes of the code read or None, whether a QR code is in the picture)
        for a BGR frame (H x W x 3 uint8)."""
        codes, seen = self.read_all(image)
        return (codes[0] if codes else None), seen

    def read_all(self, image) -> tuple[list[bytes], bool]:
        """read() with every different code read in the frame, the one read() gives first
        (lowest rank), the others in zbar's order: two students' capture codes held up
        together are both here."""
        import cv2

        gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        small = gray
        if gray.shape[1] > self.width:
            height = round(gray.shape[0] * self.width / gray.shape[1])
            small = cv2.resize(gray, (self.width, height), interpolation=cv2.INTER_AREA)
        codes = zbar_qr(small)
        if any(self._rank(data) == 0 for data in codes):
            return _best_first(codes, self._rank), True
        if self._detector is None:
            self._detector = cv2.QRCodeDetectorAruco()
        negative, self._negative = self._negative, not self._negative
        picture = cv2.bitwise_not(gray) if negative else gray
        found, corners = self._detector.detectMulti(picture)
        for quad in corners if found else ():
            region = _region(picture, quad)
            codes += [] if region is None else zbar_qr(region)
        if not negative and not any(self._rank(data) == 0 for data in codes):
            middle = _sharpened(_middle(gray))
            codes += zbar_qr(middle)
            found = found or bool(codes) or self._detector.detect(middle)[0]
        return _best_first(codes, self._rank), bool(found or codes)

    def read_still(self, image) -> tuple[bytes | None, bool]:
        """read() as the kiosk meets a picture held before the camera: frame after frame,
        until one full search is done or the code is read."""
        codes, seen = self.read_still_all(image)
        return (codes[0] if codes else None), seen

    def read_still_all(self, image) -> tuple[list[bytes], bool]:
        """read_all() as read_still() reads a picture."""
        seen = False
        for _ in range(self.SEARCH_FRAMES):
            codes, seen_now = self.read_all(image)
            seen = seen or seen_now
            if codes:
                return codes, True
        return [], seen

    def capture_codes(self, codes: list[bytes]) -> list[bytes]:
        """Those of `codes` that are capture codes (rank 0)."""
        return [data for data in codes if self._rank(data) == 0]

    def scan(self, image, look: bool) -> tuple[str | None, bool, tuple[str, ...]]:
        """read() for the worker: the bytes as CodeRead text (kiosk.codec.code_text),
        whether an unread code is in the picture, told only when `look` asks (only the
        waiting screen gives the hint), and the texts of any other capture codes (rank 0)
        read in the same picture."""
        from kiosk.codec import code_text

        codes, seen = self.read_all(image)
        if not codes:
            return None, seen and look, ()
        # Lowest rank first: when the first is no capture code, no other is.
        return code_text(codes[0]), seen and look, tuple(code_text(data) for data in self.capture_codes(codes[1:]))


def _best_first(codes: list[bytes], rank) -> list[bytes]:
    """Each code once (a code can be read in both passes), the lowest rank first."""
    distinct = list(dict.fromkeys(codes))
    return sorted(distinct, key=rank)  # stable: zbar's order among equals


def _middle(gray):
    """The square of side MIDDLE x the frame's height in the middle of `gray`."""
    height, width = gray.shape
    side = min(width, round(height * MIDDLE))
    top, left = (height - side) // 2, (width - side) // 2
    return gray[top:top + side, left:left + side]


def _sharpened(gray):
    """`gray` through an unsharp mask (SHARPEN_SIGMA, SHARPEN_AMOUNT)."""
    import cv2

    blurred = cv2.GaussianBlur(gray, (0, 0), SHARPEN_SIGMA)
    return cv2.addWeighted(gray, 1 + SHARPEN_AMOUNT, blurred, -SHARPEN_AMOUNT, 0)


def _region(gray, quad):
    """The part of `gray` around a detected code's corners (4 x 2 array of x, y), with an
    eighth of its size as quiet zone, enlarged to MIN_REGION_PX a side when smaller; None
    when the corners enclose (almost) nothing of the picture."""
    import cv2

    (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
    margin = max(x1 - x0, y1 - y0) / 8
    left, top = max(0, int(x0 - margin)), max(0, int(y0 - margin))
    right, bottom = min(gray.shape[1], int(x1 + margin) + 1), min(gray.shape[0], int(y1 + margin) + 1)
    if right - left < 8 or bottom - top < 8:
        return None
    region = gray[top:bottom, left:right]
    side = max(region.shape)
    if side < MIN_REGION_PX:
        scale = MIN_REGION_PX / side
        region = cv2.resize(region, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return region
