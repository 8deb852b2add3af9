"""`kiosk print`: a sheet of prints of a code's accepted photo as a PDF, recorded (audited)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.commands.base import error, open_store, operator_option, store_errors
from kiosk.messages import count
from kiosk.config import PAPERS


def register(sub) -> None:
    p = sub.add_parser("print", help="lay out prints of a code's accepted photo at true size as a PDF (audited)")
    p.add_argument("code", metavar="CODE", help="the capture code whose accepted photo is printed")
    p.add_argument("--copies", type=int, metavar="N", help="how many prints (default: as many as one sheet holds)")
    p.add_argument("--paper", choices=PAPERS, help="photo paper (default: [print] paper)")
    p.add_argument("--out", type=Path, required=True, metavar="FILE.pdf", help="the PDF to write")
    operator_option(p)
    p.set_defaults(func=run_print)


@store_errors
def run_print(args: argparse.Namespace, settings) -> int:
    from kiosk.printing import prepare, print_sheet_pdf
    from kiosk.store.files import write_durably

    if args.out.suffix.lower() != ".pdf":
        return error(f"--out {args.out}: give a file name ending in .pdf")
    if not args.out.parent.is_dir():
        return error(f"the folder {args.out.parent} does not exist: create it or write the PDF elsewhere")
    with open_store(settings) as store:
        job = prepare(store, settings, store.spelled(args.code), args.copies, args.paper)
        try:
            write_durably(args.out, print_sheet_pdf(job))
        except OSError as e:
            return error(f"cannot write {args.out} ({e.strerror}): choose another --out")
        total = store.record_print(job.capture, job.sheet.copies, paper=job.sheet.paper,
                                   output=str(args.out.resolve()), operator=args.operator)
    sheet = job.sheet
    w, h = sheet.photo_mm
    print(f"{args.out}: {count(sheet.copies, 'print')} of {sheet.code} at {w:.1f} x {h:.1f} mm on "
          f"{count(sheet.pages, 'sheet')} of {sheet.paper} paper; print it at 100 % (actual size), "
          f"not fit to page. {count(total, 'print')} of this photo so far")
    return 0
