"""The identity pre-check on real photos with the real SFace model and MediaPipe landmarker."""

import itertools
import math
import re

import cv2
import numpy as np
import pytest

from kiosk import identity, paths
from kiosk import models as model_files
from kiosk.config import REPO_CONFIG, IdentitySettings, load_settings
from tests.helpers import kiosk

# Same person, different original photos (neutral and smiling shots of one studio session;
# the small one is the neutral shot scaled to 35 %): see tests/photos/ATTRIBUTION.md.
SAME_PERSON_PAIRS = [("london__neutral_120.jpg", "london_synthetic__blue_smiling_120.jpg"),
                     ("field__greyscale_neutral_120.jpg", "london_synthetic__blue_smiling_120.jpg"),
                     ("london__smiling_009.jpg", "london_synthetic__small_009.jpg")]


@pytest.fixture(scope="module")
def shipped(models):
    settings = load_settings(REPO_CONFIG)
    assert paths.models_dir(settings) == models
    return settings


@pytest.fixture(scope="module")
def embedder(shipped):
    with identity.PhotoEmbedder(shipped) as photo_embedder:
        yield photo_embedder


@pytest.fixture(scope="module")
def embeddings(embedder, photos):
    """Person id (from the file name: 120, 010f) and embedding of every one-person test photo."""
    found = {}
    for path in sorted(photos.glob("*.jpg")):
        ids = re.findall(r"\d{3}[fm]?", path.stem)
        if len(ids) == 1:  # two_020_061 shows two people
            found[path.name] = (ids[0], embedder.embed_photo(cv2.imread(str(path)), path.name))
    return found


def _station(tmp_path, enabled="true"):
    station = tmp_path / "station.toml"
    station.write_text(f"[identity]\nenabled = {enabled}\n", encoding="utf-8")
    return station


def test_the_same_person_in_two_photos_is_likely(embeddings, shipped):
    for a, b in SAME_PERSON_PAIRS:
        score = identity.similarity(embeddings[a][1], embeddings[b][1])
        assert identity.verdict(score, shipped.identity) == "likely", (a, b, score)


def test_every_two_different_people_are_unlikely(embeddings, shipped):
    pairs = [(a, b) for a, b in itertools.combinations(embeddings, 2) if embeddings[a][0] != embeddings[b][0]]
    assert len(pairs) > 150
    for a, b in pairs:
        score = identity.similarity(embeddings[a][1], embeddings[b][1])
        assert identity.verdict(score, shipped.identity) == "unlikely", (a, b, score)


def test_a_reference_as_small_as_an_id_card_photo_held_to_the_camera_is_still_recognised(embedder, photos, shipped):
    photo = embedder.embed_photo(cv2.imread(str(photos / "london_synthetic__blue_smiling_120.jpg")))
    reference = cv2.imread(str(photos / "london__neutral_120.jpg"))
    small = cv2.resize(reference, None, fx=0.2, fy=0.2, interpolation=cv2.INTER_AREA)  # face about 55 px wide
    score = identity.similarity(photo, embedder.embed_photo(small, "reference photo"))
    assert identity.verdict(score, shipped.identity) == "likely", score


def test_a_photo_without_a_face_says_so(embedder, photos):
    backdrop = cv2.imread(str(photos / "london_synthetic__blue_005.jpg"))[:150, :150]  # the top corner: backdrop only
    with pytest.raises(identity.IdentityError, match="^no face in the reference photo$"):
        embedder.embed_photo(backdrop, "reference photo")


def test_a_checks_analyser_in_image_mode_can_lend_its_landmarker(shipped, photos, embeddings):
    from kiosk.checks import Analyser

    image = cv2.imread(str(photos / "london__neutral_141.jpg"))
    with Analyser(shipped, mode="image") as analyser:
        with identity.PhotoEmbedder(shipped, analyser.engines) as lent:
            vector = lent.embed_photo(image)
        assert analyser.analyse(image).crop_box is not None, "closing the embedder left the analyser's models open"
    assert identity.similarity(vector, embeddings["london__neutral_141.jpg"][1]) > 0.999


def test_the_live_video_landmarker_cannot_be_lent(shipped):
    from kiosk.checks import Analyser

    with Analyser(shipped, mode="video") as analyser, pytest.raises(ValueError, match="image mode"):
        identity.PhotoEmbedder(shipped, analyser.engines)


def test_the_embedding_is_128_numbers_of_unit_length(embeddings):
    _, vector = embeddings["london__neutral_141.jpg"]
    assert vector.shape == (identity.EMBEDDING_SIZE,) and vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-5


def test_alignment_is_opencvs_own_for_a_face_it_enlarges(embedder, photos, models):
    # OpenCV's FaceRecognizerSF.alignCrop is the reference (its feature() is what fails on
    # OpenCV 5.1, not its alignment). A face shrunk into the crop is averaged down first
    # here, where OpenCV's warp aliases: only the enlarging case can match pixel for pixel.
    small = cv2.resize(cv2.imread(str(photos / "london__neutral_120.jpg")), None, fx=0.2, fy=0.2,
                       interpolation=cv2.INTER_AREA)
    points = identity.five_points(embedder.engines.run(small, 0).face)
    face_box = np.zeros((1, 15), np.float32)  # x, y, w, h, the five points, score: as YuNet gives it
    face_box[0, 4:14] = points.reshape(-1)
    reference = cv2.FaceRecognizerSF.create(str(models / model_files.IDENTITY.name), "").alignCrop(small, face_box)
    assert np.abs(identity.align(small, points).astype(int) - reference.astype(int)).max() <= 1


@pytest.mark.parametrize("scale, turn_deg", [(3.5, 20.0), (0.8, -10.0)])
def test_alignment_puts_the_five_points_on_the_template(scale, turn_deg):
    # Five dots where a face's eyes, nose tip and mouth corners would be, turned and scaled
    # (3.5: a camera face, shrunk into the crop; 0.8: a small reference, enlarged).
    turn = math.radians(turn_deg)
    rotation = scale * np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
    points = identity.TEMPLATE @ rotation.T + [300.0, 250.0]
    image = np.zeros((800, 800, 3), np.uint8)
    for x, y in points:
        cv2.circle(image, (round(x), round(y)), max(2, round(2 * scale)), (255, 255, 255), -1, cv2.LINE_AA)
    crop = identity.align(image, points)
    assert crop.shape == (identity.CROP, identity.CROP, 3)
    _, _, _, centres = cv2.connectedComponentsWithStats((crop[..., 0] > 60).astype(np.uint8))
    centres = centres[1:]
    assert len(centres) == 5
    for target in identity.TEMPLATE:
        assert np.min(np.linalg.norm(centres - target, axis=1)) < 1.0, target


def test_verdict_bands():
    settings = IdentitySettings(enabled=True, likely_min=0.7, unlikely_below=0.4)
    assert identity.verdict(0.7, settings) == "likely"
    assert identity.verdict(0.69, settings) == "unsure"
    assert identity.verdict(0.4, settings) == "unsure"
    assert identity.verdict(0.39, settings) == "unlikely"


def test_a_damaged_model_is_never_used(tmp_path, models):
    damaged = bytearray((models / model_files.IDENTITY.name).read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one flipped bit inside a weight: OpenCV would load it
    path = tmp_path / model_files.IDENTITY.name
    path.write_bytes(damaged)
    with pytest.raises(model_files.ModelError, match="has SHA-256 .*kiosk models fetch"):
        identity.Embedder(path)


def test_compare_says_likely_for_the_same_person(tmp_path, data_dir, photos):
    done = kiosk("--config", str(_station(tmp_path)), "compare", str(photos / "london__neutral_120.jpg"),
                 str(photos / "london_synthetic__blue_smiling_120.jpg"))
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"same person as the reference: likely \(similarity 0\.\d\d; likely at 0\.\d\d or more, "
                        r"unlikely below 0\.\d\d\)\n", done.stdout), done.stdout


def test_compare_says_unlikely_for_another_person_and_what_to_check(tmp_path, data_dir, photos):
    done = kiosk("--config", str(_station(tmp_path)), "compare", str(photos / "london__neutral_120.jpg"),
                 str(photos / "london__neutral_135.jpg"))
    assert done.returncode == 1, done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("same person as the reference: unlikely (similarity ")
    assert "check that the reference photo is this student's" in second and "glasses" in second


def test_compare_names_the_photo_without_a_face(tmp_path, data_dir, photos):
    backdrop = tmp_path / "card.png"
    cv2.imwrite(str(backdrop), cv2.imread(str(photos / "london_synthetic__blue_005.jpg"))[:150, :150])
    done = kiosk("--config", str(_station(tmp_path)), "compare", str(photos / "london__neutral_120.jpg"),
                 str(backdrop))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"error: {backdrop}: no face in the reference photo\n"


def test_compare_refuses_a_file_that_is_not_an_image(tmp_path, data_dir, photos):
    text = tmp_path / "reference.jpg"
    text.write_text("not a photo", encoding="utf-8")
    done = kiosk("--config", str(_station(tmp_path)), "compare", str(photos / "london__neutral_120.jpg"), str(text))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{text}: not an image OpenCV can read" in done.stderr


def test_compare_is_off_until_the_centre_turns_the_pre_check_on(tmp_path, data_dir, photos):
    done = kiosk("compare", str(photos / "london__neutral_120.jpg"), str(photos / "london__neutral_135.jpg"))
    assert done.returncode == 2 and done.stdout == ""
    assert "the identity pre-check is off: set enabled = true under [identity]" in done.stderr


def test_compare_without_the_model_says_how_to_fetch_it(tmp_path, data_dir, photos, models):
    (data_dir / "models").unlink()
    (data_dir / "models").mkdir()
    for model in model_files.MODEL_FILES:
        if model is not model_files.IDENTITY:
            (data_dir / "models" / model.name).symlink_to(models / model.name)
    done = kiosk("--config", str(_station(tmp_path)), "compare", str(photos / "london__neutral_120.jpg"),
                 str(photos / "london__neutral_135.jpg"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{model_files.IDENTITY.name} missing" in done.stderr and "kiosk models fetch" in done.stderr


def test_the_pairs_tool_prints_the_distributions_and_fits_the_thresholds(tmp_path, models, photos):
    """tools/identity_pairs.py on a labelled set made of the test photos: the same procedure
    that set [identity] in config.toml from ../shared/faces."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    lines = ["file\taccept\tone_face\tperson\tsource"]
    for path in sorted(photos.glob("*.jpg")):
        ids = re.findall(r"\d{3}[fm]?", path.stem)
        (tmp_path / path.name).symlink_to(path)
        # Every test photo comes from the London or Canada set's neutral shot of its person,
        # or the smiling shot where the name says so (tests/photos/ATTRIBUTION.md).
        shot = "smiling" if "smiling" in path.stem else "neutral"
        lines.append(f"{path.name}\t\t{int(len(ids) == 1)}\t{'_'.join(ids)}\t{shot}_{'_'.join(ids)}")
    (tmp_path / "LABELS.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "identity_pairs.py"), str(tmp_path / "LABELS.tsv"),
                           "--folds", "2"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    # 120 neutral (two photos) and smiling; 009 smiling and neutral (scaled): three genuine pairs.
    assert re.search(r"^genuine, all +3 +0\.8\d\d ", out, re.MULTILINE), out
    # Every photo of one person is embedded (the two-person one is not); every other pair is an
    # impostor, but for 3 pairs of one original photo twice (left out).
    n = sum(1 for line in lines[1:] if line.split("\t")[2] == "1")
    assert out.startswith(f"{n} photos of")
    assert re.search(rf"^impostor +{n * (n - 1) // 2 - 3 - 3} +-?0\.\d+ ", out, re.MULTILINE), out
    assert re.search(r"^left out: one original twice +3 ", out, re.MULTILINE), out
    # Genuine pairs 0.86 and up, impostors below 0.34: nothing in between was seen, so the
    # "unsure" band covers that gap (likely from the lowest genuine - 0.05, rounded down;
    # unlikely below the highest impostor + 0.05, rounded up).
    assert "fitted on all pairs (margin 0.05): likely_min = 0.80, unlikely_below = 0.40" in out
    assert "in sample   genuine: likely 3, unsure 0, unlikely 0" in out
    assert "person-split folds (2 groups" in out and "speed per photo" in out
