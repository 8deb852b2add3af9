"""Prints for the student (加印): copies of the accepted deliverable at its true size on photo
paper, with cut marks and the capture code small in the margin. No Qt here.

One Sheet describes every page in millimetres from the page's top-left corner; draw() walks
it through a Canvas of four primitives. The PDF writer below is one Canvas (fpdf2, which
embeds the deliverable's JPEG bytes unchanged, so every copy has exactly the photo's
pixels); the photographer's Print button implements the same four with a QPainter on a
QPrinter, so the paper and the PDF cannot differ.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Any, Protocol

from kiosk.messages import short_time
from kiosk.store import Capture, Store, StoreError
from kiosk.store.files import read_verified

MM_PER_INCH = 25.4
# Cut marks start this far outside the photos (so no mark prints on a photo when the cut is a
# little off) and are at most this long; the code is printed this big (points).
MARK_OFFSET_MM = 0.5
MARK_LENGTH_MM = 3.0
LABEL_PT = 6.0


class Canvas(Protocol):
    """Where a Sheet is drawn; every length in mm from the current page's top-left corner."""

    def page(self, width: float, height: float) -> None: ...
    def image(self, x: float, y: float, width: float, height: float) -> None: ...  # the deliverable
    def line(self, x1: float, y1: float, x2: float, y2: float) -> None: ...  # a cut mark, hairline
    def text(self, x: float, y: float, size_pt: float, text: str) -> None: ...  # (x, y): baseline start


@dataclass(frozen=True)
class Sheet:
    """The layout of `copies` prints of one photo: `per_page` slots on each page of size
    `page_mm`, each `photo_mm` big, top-left corners at `slots` (mm); the last page holds
    what is left. Built by layout()."""

    code: str
    paper: str
    page_mm: tuple[float, float]
    photo_mm: tuple[float, float]
    slots: tuple[tuple[float, float], ...]
    copies: int

    @property
    def per_page(self) -> int:
        return len(self.slots)

    @property
    def pages(self) -> int:
        return math.ceil(self.copies / self.per_page)

    def page_slots(self, page: int) -> tuple[tuple[float, float], ...]:
        """The slots filled on page `page` (0-based): all of them but on the last page."""
        return self.slots[: min(self.per_page, self.copies - page * self.per_page)]

    def draw(self, canvas: Canvas) -> None:
        """Every page: the photos, a cut mark in the margin at each photo edge, and the code
        with the print size in the bottom margin."""
        (page_w, page_h), (w, h) = self.page_mm, self.photo_mm
        for page in range(self.pages):
            slots = self.page_slots(page)
            canvas.page(page_w, page_h)
            for x, y in slots:
                canvas.image(x, y, w, h)
            left, top = min(x for x, _ in slots), min(y for _, y in slots)
            right, bottom = max(x for x, _ in slots) + w, max(y for _, y in slots) + h
            for x in sorted({x for x, _ in slots} | {x + w for x, _ in slots}):
                canvas.line(x, top - MARK_OFFSET_MM, x, top - MARK_OFFSET_MM - _mark(top))
                canvas.line(x, bottom + MARK_OFFSET_MM, x, bottom + MARK_OFFSET_MM + _mark(page_h - bottom))
            for y in sorted({y for _, y in slots} | {y + h for _, y in slots}):
                canvas.line(left - MARK_OFFSET_MM, y, left - MARK_OFFSET_MM - _mark(left), y)
                canvas.line(right + MARK_OFFSET_MM, y, right + MARK_OFFSET_MM + _mark(page_w - right), y)
            # Beside the first column's left mark, below the photos: readable, never on a photo.
            canvas.text(left + 1.5, bottom + MARK_OFFSET_MM + LABEL_PT * MM_PER_INCH / 72,
                        LABEL_PT, f"{self.code}  {w:.1f} x {h:.1f} mm")


def _mark(margin: float) -> float:
    """A cut mark's length in a margin `margin` mm wide: up to the paper's edge at most."""
    return max(0.0, min(MARK_LENGTH_MM, margin - MARK_OFFSET_MM))


def photo_size_mm(width_px: int, height_px: int, dpi: int) -> tuple[float, float]:
    """The true print size of a photo: pixels at `dpi` ([capture] dpi), in mm.
    480 x 640 at 300 dpi is (40.64, 54.19)."""
    return width_px / dpi * MM_PER_INCH, height_px / dpi * MM_PER_INCH


def layout(code: str, paper: str, page_mm: tuple[float, float], photo_mm: tuple[float, float],
           copies: int | None, margin_mm: float, gap_mm: float) -> Sheet:
    """As many photos as fit on the page in a grid centred on it, at least `margin_mm` from
    every edge and `gap_mm` apart; `copies` None fills one page. A StoreError when not one
    photo fits (the message gives the sizes)."""
    (page_w, page_h), (w, h) = page_mm, photo_mm
    columns = math.floor((page_w - 2 * margin_mm + gap_mm) / (w + gap_mm))
    rows = math.floor((page_h - 2 * margin_mm + gap_mm) / (h + gap_mm))
    if columns < 1 or rows < 1:
        raise StoreError(f"a {w:.1f} x {h:.1f} mm photo does not fit on {paper} paper ({page_w:g} x {page_h:g} mm) "
                         f"with {margin_mm:g} mm margins: choose a larger --paper or a smaller [print] margin_mm")
    left = (page_w - columns * w - (columns - 1) * gap_mm) / 2
    top = (page_h - rows * h - (rows - 1) * gap_mm) / 2
    slots = tuple((left + c * (w + gap_mm), top + r * (h + gap_mm)) for r in range(rows) for c in range(columns))
    return Sheet(code, paper, page_mm, photo_mm, slots, len(slots) if copies is None else copies)


@dataclass(frozen=True)
class PrintJob:
    """What the Print button and `kiosk print` print: the accepted capture, its deliverable's
    JPEG bytes (checked against the stored SHA-256) and the sheet laid out for them."""

    capture: Capture
    deliverable: bytes
    sheet: Sheet


def prepare(store: Store, settings: Any, code: str, copies: int | None = None, paper: str | None = None) -> PrintJob:
    """The print job for `code`'s accepted photo: `copies` (None: as many as one sheet holds)
    on `paper` (a [print] paper name; None: [print] paper), the photo at its true size from
    its pixels and [capture] dpi. A StoreError, saying what to do, when the code has no
    accepted photo, the stored photo is purged or damaged, or the copies are out of range."""
    import cv2
    import numpy as np

    options = settings.print
    paper = paper or options.paper
    if copies is not None and not 1 <= copies <= options.max_copies:
        raise StoreError(f"{copies} copies: print 1 to {options.max_copies} at a time ([print] max_copies)")
    capture = store.accepted(code)
    if capture is None:
        last = store.history(code)[-1:]
        if last and last[0].status == "voided":
            raise StoreError(f"{code}'s photo was voided ({short_time(last[0].ended_at)}): there is nothing to "
                             "print; take a new photo for this code")
        raise StoreError(f"{code} has no accepted photo to print: `kiosk list` shows today's photos")
    image = capture.images["deliverable"]
    if image.purged_at:
        raise StoreError(f"the photo of {code} was purged on {image.purged_at[:10]} after its export: "
                         "print it from the centre's upload instead")
    data, problem = read_verified(image.path, image.sha256)
    if problem:
        raise StoreError(f"the stored photo of {code} {problem}: run `kiosk verify`, then retake the photo; "
                         "nothing was printed")
    pixels = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if pixels is None:
        raise StoreError(f"the stored photo of {code} is not a readable JPEG: run `kiosk verify`")
    height_px, width_px = pixels.shape[:2]
    sheet = layout(code, paper, options.paper_mm(paper), photo_size_mm(width_px, height_px, settings.capture.dpi),
                   copies, options.margin_mm, options.gap_mm)
    if sheet.copies > options.max_copies:
        raise StoreError(f"{sheet.copies} copies: print 1 to {options.max_copies} at a time ([print] max_copies)")
    return PrintJob(capture, data, sheet)


class _PdfCanvas:
    """A Canvas on an fpdf2 document in mm."""

    def __init__(self, job: PrintJob) -> None:
        from fpdf import FPDF

        self.job = job
        self.pdf = FPDF(unit="mm")
        self.pdf.set_margin(0)
        self.pdf.set_auto_page_break(False)
        self.pdf.set_title(f"graduation photo {job.sheet.code}")
        self.pdf.set_creator("graduation-photo-station")
        self.pdf.set_line_width(0.1)
        self.pdf.set_font("helvetica", size=LABEL_PT)

    def page(self, width: float, height: float) -> None:
        self.pdf.add_page(format=(width, height))

    def image(self, x: float, y: float, width: float, height: float) -> None:
        # bytes, not a decoded image: fpdf2 embeds the JPEG as it is (DCTDecode), once per document
        self.pdf.image(io.BytesIO(self.job.deliverable), x=x, y=y, w=width, h=height)

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.pdf.line(x1, y1, x2, y2)

    def text(self, x: float, y: float, size_pt: float, text: str) -> None:
        self.pdf.set_font_size(size_pt)
        self.pdf.text(x, y, text)


def print_sheet_pdf(job: PrintJob) -> bytes:
    """The sheet as a PDF: one page per `job.sheet.pages`, each the paper's size, the photos
    at their true size (the deliverable's JPEG embedded unchanged), cut marks, the code."""
    canvas = _PdfCanvas(job)
    job.sheet.draw(canvas)
    return bytes(canvas.pdf.output())
