"""BP4D+ loader (Zhang et al., "Multimodal Spontaneous Emotion Corpus for Human Behavior Analysis", CVPR 2016).

Layout read (the distributed ``RawData/`` folder; the other folders are not read)::

    2D+3D/<subject>.zip          entries <subject>/<task>/<frame>.jpg (1040x1392, 25 fps)
    Physiology/<subject>/<task>/ BP_mmHg.txt, Pulse Rate_BPM.txt, Resp_Volts.txt,
                                 Respiration Rate_BPM.txt, ... (one value per line, 1 kHz)

Subjects are ``F001``... and ``M001``... (sex letter + 3 digits: F001 and M001
are different people), tasks ``T1``... ``T10``. A recording is one (subject,
task) found in the Physiology tree or in the subject's zip; one found in only
one of them is a ``RecordingError`` naming what is missing.

Frames are decoded from the zip without unpacking it (:class:`ZipJpegFrames`):
the ``.jpg`` entries whose parent folder is the task, in natural order of
their names; frame ``i`` is at ``i / 25`` s (the zip holds no timestamps).
The products cache keys a task by its entries' names, CRC-32s and sizes in
the zip's central directory (:meth:`ZipJpegFrames.content_key`), not by the
bytes of the zip, which holds every task of the subject.

Reference: ``BP_mmHg.txt``, the continuous blood-pressure waveform (mmHg,
systolic peaks upward), sample ``i`` at ``i / 1000`` s from the task's start,
on the frames' clock (no offset, not stretched to the frame count).
``Pulse Rate_BPM.txt`` (bpm, same 1 kHz clock) becomes ``hr``; a missing
file or one of another length only drops ``hr`` (reason in
``meta["hr_dropped"]``). ``Resp_Volts.txt`` (respiration transducer, V, same
clock) becomes ``respiration`` at ``respiration_times``, dropped the same way
(``meta["respiration_dropped"]``). The EDA and other files are not read (their
folder is ``meta["physiology"]``). A waveform ending more than
``tolerance_s`` before the last frame is refused.

``condition`` = the task; ``labels`` = ``{"task": "T1", "sex": "F"}``.

Verified against: ubicomplab/rPPG-Toolbox dataset/data_loader/BP4DPlusLoader.py
and BP4DPlusBigSmallLoader.py (the folder tree, subject ids F*/M*, tasks T*,
zip entries selected by their task folder, JPEGs decoded with cv2.imdecode,
``BP_mmHg.txt`` as the pulse label, 25 fps in every BP4D+ config, file names
of the eight physiology files). The 1 kHz rate and the one-value-per-line
format come from third-party code read with ``np.loadtxt`` at ``fs = 1000``
(the toolbox itself only stretches the signals to the frame count).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..cache import cache_key
from .errors import DatasetError, RecordingError
from .parsing import (
    COVER_TOLERANCE_S,
    check_covers_video,
    check_root,
    load_each,
    natural_key,
    optional_series,
    parse_float_line,
    read_text,
)
from .recording import Recording, check_series

BP4D_FPS = 25.0
#: the on-disk layout, in one line (``--list``)
LAYOUT = "BP4D+: 2D+3D/<subject>.zip (<subject>/<task>/*.jpg frames, 25 fps, read from the zip) + Physiology/<subject>/<task>/BP_mmHg.txt (1 kHz)"
PHYSIOLOGY_RATE_HZ = 1000.0
FRAMES_DIR, PHYSIOLOGY_DIR = "2D+3D", "Physiology"
BP_FILE, PULSE_RATE_FILE, RESPIRATION_FILE = "BP_mmHg.txt", "Pulse Rate_BPM.txt", "Resp_Volts.txt"

_SUBJECT = re.compile(r"[FM]\d{3}")
_TASK = re.compile(r"T\d+")


@dataclass(frozen=True)
class ZipJpegFrames:
    """One task's JPEG frames inside a subject's zip, decoded without unpacking; frame ``i`` at ``i / fps`` s.

    ``path``: the zip; ``members``: the frames' entry names in order. The zip holds every
    task of the subject, so the products cache identifies a task by :meth:`content_key`
    rather than by the zip's bytes.
    """

    path: Path
    members: tuple[str, ...]
    fps: float

    def frame_times(self) -> np.ndarray:
        return np.arange(len(self.members)) / self.fps

    def content_key(self) -> str:
        """Key (hex, 24 chars) of the task's frames from the zip's central directory: each member's
        name, CRC-32 and uncompressed size (bytes), in frame order; no frame bytes are read.
        ``RecordingError`` when the zip cannot be opened or lacks a member."""
        try:
            with zipfile.ZipFile(self.path) as archive:
                infos = [archive.getinfo(member) for member in self.members]
        except (KeyError, OSError, zipfile.BadZipFile, EOFError) as exc:
            raise RecordingError(self.path, f"cannot read the zip's directory ({exc})") from exc
        return cache_key(entries=[(info.filename, info.CRC, info.file_size) for info in infos])

    def frames(self) -> Iterator[np.ndarray]:
        """Decoded RGB frames (H, W, 3) uint8, one open ``ZipFile`` per iteration; ``RecordingError``
        naming the zip and the entry for one that is missing, corrupt, not a JPEG or of another size."""
        shape = None
        try:
            with zipfile.ZipFile(self.path) as archive:
                for member in self.members:
                    bgr = cv2.imdecode(np.frombuffer(archive.read(member), np.uint8), cv2.IMREAD_COLOR)
                    if bgr is None:
                        raise RecordingError(self.path, f"entry {member} cannot be decoded as an image")
                    if shape is None:
                        shape = bgr.shape
                    elif bgr.shape != shape:
                        raise RecordingError(self.path, f"entry {member} is {bgr.shape[1]}x{bgr.shape[0]} px "
                                                        f"but the first frame is {shape[1]}x{shape[0]} px")
                    yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        except (KeyError, OSError, zipfile.BadZipFile, EOFError) as exc:
            raise RecordingError(self.path, f"cannot read frames from the zip ({exc})") from exc


def subject_dirs(folder: Path) -> dict[str, Path]:
    """``{subject: folder/<subject>}`` for the subfolders named like ``F001`` / ``M001``."""
    if not folder.is_dir():
        return {}
    return {p.name: p for p in folder.iterdir() if p.is_dir() and _SUBJECT.fullmatch(p.name)}


def physiology_tasks(subject_dir: Path | None) -> dict[str, Path]:
    """``{task: subject_dir/<task>}`` for the subfolders named ``T<n>``."""
    if subject_dir is None:
        return {}
    return {p.name: p for p in subject_dir.iterdir() if p.is_dir() and _TASK.fullmatch(p.name)}


def zip_tasks(zip_path: Path) -> dict[str, tuple[str, ...]]:
    """``{task: entry names}`` of the ``.jpg`` entries of ``zip_path`` whose parent folder is ``T<n>``,
    each in natural order of the entry names; ``RecordingError`` when the zip cannot be read."""
    try:
        with zipfile.ZipFile(zip_path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise RecordingError(zip_path, f"cannot open the zip ({exc})") from exc
    tasks: dict[str, list[str]] = {}
    for name in names:
        parts = name.split("/")
        if len(parts) >= 2 and parts[-1].lower().endswith(".jpg") and _TASK.fullmatch(parts[-2]):
            tasks.setdefault(parts[-2], []).append(name)
    return {task: tuple(sorted(members, key=natural_key)) for task, members in tasks.items()}


def read_one_column(path: Path) -> np.ndarray:
    """A text file of one number per line -> float array (value ``k`` is on line ``k``)."""
    return parse_float_line(path, read_text(path), where=f"{path.name} (one value per line)")


def read_aligned_column(path: Path, times: np.ndarray) -> tuple[np.ndarray | None, str | None]:
    """A one-column file sampled at ``times`` (``Pulse Rate_BPM.txt``, ``Resp_Volts.txt``), or
    ``(None, reason)`` when it is missing or unusable."""
    if not path.is_file():
        return None, f"{path.name} is missing"
    return optional_series(read_one_column(path), times, what=path.name)


@dataclass(frozen=True)
class TaskFiles:
    """Where one (subject, task) recording lives: its Physiology folder (None if absent), the
    subject's zip and that zip's entries for the task (or the error that made the zip unreadable)."""

    subject: str
    task: str
    physiology: Path | None
    zip_path: Path
    members: tuple[str, ...] | RecordingError


def load_bp4d_task(item: TaskFiles, tolerance_s: float = COVER_TOLERANCE_S) -> Recording:
    """One BP4D+ (subject, task) -> ``Recording``; ``RecordingError`` when broken."""
    if isinstance(item.members, RecordingError):
        raise item.members
    if not item.zip_path.is_file():
        raise RecordingError(item.zip_path, f"subject zip is missing (needed for {item.task})")
    if not item.members:
        raise RecordingError(item.zip_path, f"no {item.subject}/{item.task}/*.jpg frames in the zip")
    if item.physiology is None:
        raise RecordingError(item.zip_path.parent.parent / PHYSIOLOGY_DIR / item.subject / item.task,
                             "physiology folder is missing (no reference for these frames)")
    bp_path = item.physiology / BP_FILE
    if not bp_path.is_file():
        raise RecordingError(bp_path, "blood-pressure waveform file is missing")
    bp = check_series(bp_path, BP_FILE, read_one_column(bp_path), varying=True)
    times = np.arange(bp.size) / PHYSIOLOGY_RATE_HZ
    source = ZipJpegFrames(item.zip_path, item.members, BP4D_FPS)
    check_covers_video(bp_path, times, item.zip_path, source.frame_times(), tolerance_s=tolerance_s)
    hr, hr_dropped = read_aligned_column(item.physiology / PULSE_RATE_FILE, times)
    resp, resp_dropped = read_aligned_column(item.physiology / RESPIRATION_FILE, times)
    meta = {"format": "BP4D+", "ground_truth": str(bp_path), "physiology": str(item.physiology),
            "fps": BP4D_FPS, "n_frames": len(item.members), "reference_rate_hz": PHYSIOLOGY_RATE_HZ}
    for key, reason in (("hr_dropped", hr_dropped), ("respiration_dropped", resp_dropped)):
        if reason:
            meta[key] = reason
    return Recording(
        name=f"{item.subject}_{item.task}", dataset="bp4d+", source=source, ppg=bp, ppg_times=times,
        subject=item.subject, condition=item.task, hr=hr, hr_times=None if hr is None else times,
        labels={"task": item.task, "sex": item.subject[0]}, meta=meta,
        respiration=resp, respiration_times=None if resp is None else times)


def subject_tasks(root: Path, subject: str, physiology_dir: Path | None) -> list[TaskFiles]:
    """Every task of ``subject`` found in its Physiology folder or its zip."""
    zip_path = root / FRAMES_DIR / f"{subject}.zip"
    members: dict[str, tuple[str, ...]] | RecordingError = {}
    if zip_path.is_file():
        try:
            members = zip_tasks(zip_path)
        except RecordingError as exc:
            members = exc
    phys = physiology_tasks(physiology_dir)
    if isinstance(members, RecordingError) and not phys:  # nothing names the tasks: one entry for the subject
        return [TaskFiles(subject, "all", None, zip_path, members)]
    tasks = set(phys) | (set(members) if isinstance(members, dict) else set())
    return [TaskFiles(subject, task, phys.get(task), zip_path,
                      members.get(task, ()) if isinstance(members, dict) else members)
            for task in tasks]


def load_bp4dplus(root: str | Path, tolerance_s: float = COVER_TOLERANCE_S) -> list[Recording | RecordingError]:
    """All BP4D+ (subject, task) recordings under ``root``, naturally sorted by ``<subject>_<task>``.

    One entry per task found in ``Physiology/<subject>/`` or ``2D+3D/<subject>.zip``:
    a ``Recording`` or the ``RecordingError`` that made it unusable (``tolerance_s``:
    how far, in s, the frames may run past the end of the reference). ``DatasetError``
    when ``root`` is missing or holds neither.
    """
    root = check_root(root, dataset="bp4d+")
    physiology = subject_dirs(root / PHYSIOLOGY_DIR)
    zips = {p.stem for p in (root / FRAMES_DIR).glob("*.zip") if _SUBJECT.fullmatch(p.stem)}
    items = [item for subject in physiology.keys() | zips
             for item in subject_tasks(root, subject, physiology.get(subject))]
    if not items:
        raise DatasetError(f"bp4d+: no BP4D+ recordings in {root} (expected {FRAMES_DIR}/F001.zip holding "
                           f"F001/T1/*.jpg and {PHYSIOLOGY_DIR}/F001/T1/{BP_FILE})")
    return load_each(((f"{i.subject}_{i.task}", f"{i.subject}_{i.task}", i) for i in items),
                     lambda i: load_bp4d_task(i, tolerance_s))
