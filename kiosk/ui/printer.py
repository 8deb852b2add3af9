"""The Print button's paper: a print job's sheet (kiosk.printing) painted on one of the
computer's printers through Qt's print support (CUPS on Linux), at its true size.

QtCanvas is kiosk.printing's Canvas on a QPrinter, so the printer's paper and `kiosk print`'s
PDF are laid out by the same Sheet.draw(). The desk prints on the session's worker thread,
where the store is: Qt paints on a QPrinter outside the GUI thread.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QMarginsF, QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QFont, QImage, QPageLayout, QPageSize, QPainter, QPen
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

from kiosk.printing import MM_PER_INCH, PrintJob

HAIRLINE_MM = 0.1  # the cut marks, as in the PDF


class PrinterError(RuntimeError):
    """A sheet could not be printed; the message says why."""


def destination(printer: QPrinter) -> str:
    """Where a QPrinter's pages go: the PDF file it writes, or the printer's name."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat:
        return printer.outputFileName()
    return printer.printerName()


class QtCanvas:
    """A kiosk.printing.Canvas on a QPrinter: millimetres from the paper's corner become the
    printer's dots."""

    def __init__(self, printer: QPrinter, photo: QImage) -> None:
        self.printer = printer
        self.photo = photo
        self.dots = printer.resolution() / MM_PER_INCH  # per mm
        self.painter: QPainter | None = None

    def page(self, width: float, height: float) -> None:
        # The paper's own size, not the nearest standard one: the photos are placed on it in mm.
        size = QPageSize(QSizeF(width, height), QPageSize.Unit.Millimeter, "", QPageSize.SizeMatchPolicy.ExactMatch)
        self.printer.setPageLayout(QPageLayout(size, QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0),
                                               QPageLayout.Unit.Millimeter))
        if self.painter is None:
            self.painter = QPainter()
            if not self.painter.begin(self.printer):
                raise PrinterError(f"could not start printing on {destination(self.printer)}")
            self.painter.setPen(QPen(Qt.GlobalColor.black, HAIRLINE_MM * self.dots))
        elif not self.printer.newPage():
            raise PrinterError(f"could not start another sheet on {destination(self.printer)}")

    def image(self, x: float, y: float, width: float, height: float) -> None:
        d = self.dots
        self.painter.drawImage(QRectF(x * d, y * d, width * d, height * d), self.photo)

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        d = self.dots
        self.painter.drawLine(QLineF(x1 * d, y1 * d, x2 * d, y2 * d))

    def text(self, x: float, y: float, size_pt: float, text: str) -> None:
        font = QFont()
        font.setPointSizeF(size_pt)  # points of the printer, whose logical dpi is its resolution
        self.painter.setFont(font)
        self.painter.drawText(QPointF(x * self.dots, y * self.dots), text)

    def finish(self) -> None:
        """The sheet is complete: hand it to the printer."""
        if not self.painter.end():
            raise PrinterError(f"the sheet could not be handed to {destination(self.printer)}")


class Printers:
    """The computer's printers (the print dialog names them; the desk prints on one)."""

    def names(self) -> tuple[str, ...]:
        """The printers set up, the system's default first."""
        default = QPrinterInfo.defaultPrinterName()
        return tuple(sorted(QPrinterInfo.availablePrinterNames(), key=lambda name: name != default))

    def printer(self, name: str) -> QPrinter:
        """A QPrinter on the printer called `name`."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPrinterName(name)
        if printer.printerName() != name:  # Qt falls back to another printer: never print there
            raise PrinterError(f"the printer {name} is no longer set up: choose another")
        return printer

    def send(self, job: PrintJob, name: str) -> str:
        """Print the sheet of `job` on the printer `name`, the photos at their true size;
        returns where it went (destination())."""
        printer = self.printer(name)
        printer.setFullPage(True)  # (0, 0) is the paper's corner, as the sheet measures from it
        printer.setColorMode(QPrinter.ColorMode.Color)  # whatever the printer's default
        printer.setDocName(f"graduation photo {job.sheet.code}")
        canvas = QtCanvas(printer, QImage.fromData(job.deliverable, "JPG"))
        job.sheet.draw(canvas)
        canvas.finish()
        return destination(printer)
