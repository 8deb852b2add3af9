"""`kiosk print`: a sheet of prints of the accepted photo at its true size, read back from the
PDF as a print shop would (page size, where each photo lands, in mm), each copy carrying
exactly the deliverable's JPEG, and the prints counted and audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import kiosk
from pypdf import PdfReader
from test_export import populate
from test_store import RESULTS, make_jpeg

from kiosk.printing import prepare
from kiosk.store import NoAcceptedCapture, Store

PT = 25.4 / 72  # mm per PDF point
# 480 x 640 px at 300 dpi ([capture] in config.toml): the 40.6 x 54.2 mm
PHOTO_MM = (480 / 300 * 25.4, 640 / 300 * 25.4)
PLACED = re.compile(r"([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm /(\w+) Do")
LINE = re.compile(r"([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l S")


def read_sheet(pdf: Path) -> list[dict]:
    """Per page: its size and every image placed (x, y from the top-left, w, h, all in mm, and
    the embedded stream's filter and raw bytes) and every line drawn, from the PDF itself."""
    pages = []
    for page in PdfReader(pdf).pages:
        width, height = float(page.mediabox.width) * PT, float(page.mediabox.height) * PT
        content = page.get_contents().get_data().decode("latin-1")
        xobjects = page["/Resources"]["/XObject"]
        images = []
        for w, h, x, y, name in PLACED.findall(content):
            stream = xobjects[f"/{name}"].get_object()
            images.append({"x": float(x) * PT, "y": height - (float(y) + float(h)) * PT,
                           "w": float(w) * PT, "h": float(h) * PT,
                           "filter": stream["/Filter"], "data": stream._data})
        lines = [tuple(float(v) * PT for v in m) for m in LINE.findall(content)]
        pages.append({"size": (width, height), "images": images,
                      "lines": [(x1, height - y1, x2, height - y2) for x1, y1, x2, y2 in lines],
                      "text": page.extract_text()})
    return pages


@pytest.mark.parametrize("paper, size_mm, per_sheet", [
    ("5inch", (89, 127), 4), ("6inch", (102, 152), 4), ("a4", (210, 297), 25)])
def test_the_sheet_holds_true_size_copies_of_the_deliverable_with_cut_marks(settings, tmp_path, paper, size_mm,
                                                                            per_sheet):
    photo = populate(settings, ["C0001"])["C0001"]
    out = tmp_path / "sheet.pdf"
    run = kiosk("print", "C0001", "--paper", paper, "--out", str(out), "--operator", "li")
    assert run.returncode == 0, run.stderr
    assert f"{per_sheet} prints of C0001 at 40.6 x 54.2 mm on 1 sheet of {paper} paper" in run.stdout
    [page] = read_sheet(out)
    assert page["size"] == pytest.approx(size_mm, abs=0.01)
    assert len(page["images"]) == per_sheet
    for image in page["images"]:
        assert (image["w"], image["h"]) == pytest.approx(PHOTO_MM, abs=0.01)
        assert image["filter"] == "/DCTDecode" and image["data"] == photo, "not the deliverable's own JPEG"
        assert 3 - 0.01 <= image["x"] and image["x"] + image["w"] <= size_mm[0] - 3 + 0.01  # [print] margin_mm
        assert 3 - 0.01 <= image["y"] and image["y"] + image["h"] <= size_mm[1] - 3 + 0.01
    left = min(i["x"] for i in page["images"])
    right = max(i["x"] + i["w"] for i in page["images"])
    top, bottom = min(i["y"] for i in page["images"]), max(i["y"] + i["h"] for i in page["images"])
    assert left == pytest.approx(size_mm[0] - right, abs=0.02) and top == pytest.approx(size_mm[1] - bottom, abs=0.02)
    boxes = sorted((round(i["x"], 2), round(i["y"], 2)) for i in page["images"])
    assert len(set(boxes)) == per_sheet, "two copies on top of each other"
    # a cut mark in the margin on the line of every photo edge, none on a photo
    for x in {round(i["x"], 2) for i in page["images"]} | {round(i["x"] + i["w"], 2) for i in page["images"]}:
        marks = [m for m in page["lines"] if m[0] == pytest.approx(x, abs=0.01) == m[2]]
        assert any(max(m[1], m[3]) < top for m in marks) and any(min(m[1], m[3]) > bottom for m in marks), x
    for y in {round(i["y"], 2) for i in page["images"]} | {round(i["y"] + i["h"], 2) for i in page["images"]}:
        marks = [m for m in page["lines"] if m[1] == pytest.approx(y, abs=0.01) == m[3]]
        assert any(max(m[0], m[2]) < left for m in marks) and any(min(m[0], m[2]) > right for m in marks), y
    for x1, y1, x2, y2 in page["lines"]:
        assert not (left < (x1 + x2) / 2 < right and top < (y1 + y2) / 2 < bottom), "a mark on a photo"
    assert "C0001" in page["text"] and "40.6 x 54.2 mm" in page["text"]


def test_copies_run_onto_more_sheets_and_every_print_is_counted_and_audited(settings, tmp_path):
    populate(settings, ["C0001"])
    run = kiosk("print", "C0001", "--copies", "6", "--paper", "5inch", "--out", str(tmp_path / "a.pdf"),
                "--operator", "li")
    assert run.returncode == 0 and "6 prints of C0001" in run.stdout and "on 2 sheets" in run.stdout
    assert [len(p["images"]) for p in read_sheet(tmp_path / "a.pdf")] == [4, 2]
    again = kiosk("print", "C0001", "--copies", "1", "--out", str(tmp_path / "b.pdf"), "--operator", "wang")
    assert again.returncode == 0 and "7 prints of this photo so far" in again.stdout
    with Store.from_settings(settings) as store:
        capture = store.accepted("C0001")
        assert store.printed(capture) == 7
        prints = [a for a in store.audit_log("C0001") if a["action"] == "print"]
        assert [(a["operator"], '"copies": 6' in a["detail"]) for a in prints] == [("li", True), ("wang", False)]
        assert str(tmp_path / "a.pdf") in prints[0]["detail"] and '"paper": "5inch"' in prints[0]["detail"]


@pytest.mark.parametrize("args, says", [
    (["C0009"], "C0009 has no accepted photo to print"),
    (["C0001", "--copies", "0"], "0 copies: print 1 to 50 at a time"),
    (["C0001", "--copies", "51"], "51 copies: print 1 to 50 at a time"),
])
def test_what_cannot_be_printed_is_refused_with_the_way_out(settings, tmp_path, args, says):
    populate(settings, ["C0001"])
    out = tmp_path / "sheet.pdf"
    run = kiosk("print", *args, "--out", str(out))
    assert run.returncode == 1 and says in run.stderr and "Traceback" not in run.stderr
    assert not out.exists()
    with Store.from_settings(settings) as store:
        assert store.printed(store.accepted("C0001")) == 0


def test_a_voided_photo_is_refused_saying_it_was_voided(settings, tmp_path):
    """A trial printing a voided code was told only it had no photo, and sent to `kiosk list`."""
    populate(settings, ["C0001"])
    assert kiosk("void", "C0001", "--reason", "wrong person").returncode == 0
    run = kiosk("print", "C0001", "--out", str(tmp_path / "sheet.pdf"))
    assert run.returncode == 1 and "C0001's photo was voided (" in run.stderr and "take a new photo" in run.stderr
    assert not (tmp_path / "sheet.pdf").exists()


def test_a_damaged_stored_photo_is_not_printed(settings, tmp_path):
    populate(settings, ["C0001"])
    with Store.from_settings(settings) as store:
        store.accepted("C0001").images["deliverable"].path.write_bytes(make_jpeg(99))
    run = kiosk("print", "C0001", "--out", str(tmp_path / "sheet.pdf"))
    assert run.returncode == 1 and "no longer matches its SHA-256: run `kiosk verify`" in run.stderr
    assert not (tmp_path / "sheet.pdf").exists()
    wrong = kiosk("print", "C0001", "--out", str(tmp_path / "sheet.png"))
    assert wrong.returncode == 1 and "ending in .pdf" in wrong.stderr


def test_a_print_of_a_photo_retaken_meanwhile_is_not_recorded(settings):
    """The Print button's path: the job is prepared while the review screen shows the photo;
    if the code was retaken meanwhile, recording the print is refused."""
    populate(settings, ["C0001"])
    with Store.from_settings(settings) as store:
        job = prepare(store, settings, "C0001", copies=2)
        store.save_capture("C0001", make_jpeg(7, (640, 360)), make_jpeg(8), RESULTS, operator="wang",
                           retake_reason="eyes closed")
        with pytest.raises(NoAcceptedCapture, match="voided or retaken meanwhile"):
            store.record_print(job.capture, 2, paper="6inch", output="printer", operator="li")
        assert store.printed(job.capture) == 0 and store.printed(store.accepted("C0001")) == 0
