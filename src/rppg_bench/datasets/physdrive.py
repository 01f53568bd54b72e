"""PhysDrive loader (Wang, Yang, Hu, Tang, Liu, He, Wang, Chen & Wu, "PhysDrive: A Multimodal Remote
Physiological Measurement Dataset for In-vehicle Driver Monitoring", NeurIPS 2025, arXiv:2507.19172).

Layout: session folders ``<subject>/<session>/`` anywhere under the root (the
authors' ``On-Road-rPPG/``), each with

- ``Align/*.png``: the RGB frames, one PNG per frame, read in natural order of
  their names (the authors' code sorts them by the integer of the name,
  ``0.png``, ``1.png``, ...); frame ``i`` is at ``i / fps`` s (30 fps; the
  frames carry no timestamps). Without ``Align/``, the session's ``RGB.mp4``
  (the dataset README) or ``Video/RGB.mp4`` (the authors' STMap script) is
  read instead, frame ``i`` at ``i / (container fps)``;
- ``Label/BVP.mat``: MATLAB v5 file with the variable ``BVP`` (``1 x T``), the
  filtered blood volume pulse (a.u.), one sample per frame, so sample ``i`` is
  at ``i / fps`` s on the frames' clock. Required; a BVP ending more than
  ``tolerance_s`` before the last frame is refused as truncated, a longer one
  keeps its own times (only the part inside the video is scored);
- ``Label/RESP.mat`` (``RESP``) and ``Label/SPO2.mat`` (``SPO2``): the
  respiration signal and SpO2 (%), also one sample per frame; optional, kept
  in ``meta["respiration"]`` / ``meta["spo2"]`` (times in ``*_times``, s; the
  respiration is also the recording's ``respiration`` reference for breathing rate) as
  stored (NaN included); a missing or unreadable one is noted in
  ``meta["respiration_dropped"]`` / ``meta["spo2_dropped"]``;
- ``Label/ECG.mat`` and ``Label/HR.mat``: not read (their variable names and
  sampling rates are not documented in any source we found).

Conditions, from the folder names (the dataset README and the authors'
``group_samples``): subject ``<vehicle><gender><illumination><N>`` (``AFH1``):
vehicle ``A`` A0-segment, ``B`` B-segment, ``C`` C-segment SUV; gender ``M`` /
``F``; illumination ``Z`` noon, ``H`` dusk & early morning, ``W`` midnight,
``Y`` rainy & cloudy. Session ``<road><motion>`` (``A1`` in rPPG-Toolbox,
``AS`` in the README): road ``A`` flat & unobstructed, ``B`` flat & congested,
``C`` bumpy & congested; motion ``1``/``S`` stationary, ``2``/``T`` talking.
``labels`` holds ``session`` and every part that parses; ``condition`` is the
road condition (the session folder's name when it does not parse). Subject id
= the subject folder's name; recording name ``<subject>_<session>``.

Verified against: ubicomplab/rPPG-Toolbox ``dataset/data_loader/PhysDriveLoader.py``
(layout, ``Align/*.png``, ``BVP.mat`` key ``BVP`` of shape ``1 x T`` read with
``scipy.io.loadmat``) and its PhysDrive configs (``FS: 30``); the authors'
PhysDrive-Dataset ``README.md`` (name codes, ``RGB.mp4``, Label files) and
baseline code (``Video Baselines/MyDataset.py``: frames sorted by integer name,
labels indexed by frame; ``utils.py``: "30 is the BVP sampling rate"; keys
``RESP``, ``SPO2``, ``HR``). See docs/datasets/physdrive.md for the open questions.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .errors import DatasetError, RecordingError
from .matfile import MatFile
from .parsing import (
    COVER_TOLERANCE_S,
    check_covers_video,
    check_root,
    load_each,
    natural_key,
    walk_folders,
)
from .recording import FrameSource, ImageSequence, Recording, check_series
from .timed_video import video_source

#: the on-disk layout, in one line (``--list``)
LAYOUT = "PhysDrive: <subject>/<session>/Align/*.png frames (30 fps; or RGB.mp4) + Label/BVP.mat (BVP, one sample a frame), RESP.mat, SPO2.mat; sessions A1-C2 / AS-CT (road, motion)"
PHYSDRIVE_FPS = 30.0
FRAMES_DIR, LABEL_DIR = "Align", "Label"
VIDEO_FILES = ("RGB.mp4", "Video/RGB.mp4")
BVP_KEY = "BVP"
#: optional per-frame series: meta name -> variable (and file stem) in Label/
AUX_SERIES = MappingProxyType({"respiration": "RESP", "spo2": "SPO2"})

VEHICLES = MappingProxyType({"A": "A0-segment", "B": "B-segment", "C": "C-segment-SUV"})
GENDERS = MappingProxyType({"M": "male", "F": "female"})
ILLUMINATIONS = MappingProxyType({"Z": "noon", "H": "dusk-early-morning", "W": "midnight", "Y": "rainy-cloudy"})
ROADS = MappingProxyType({"A": "flat-unobstructed", "B": "flat-congested", "C": "bumpy-congested"})
MOTIONS = MappingProxyType({"1": "stationary", "S": "stationary", "2": "talking", "T": "talking"})

_SUBJECT = re.compile(r"([ABC])([MF])([ZHWY])(\d+)", flags=re.IGNORECASE)
_SESSION = re.compile(r"([ABC])([12ST])", flags=re.IGNORECASE)


def is_session_folder(folder: Path) -> bool:
    """A folder holding ``Align/``, ``Label/`` or an ``RGB.mp4`` (one PhysDrive session)."""
    return ((folder / FRAMES_DIR).is_dir() or (folder / LABEL_DIR).is_dir()
            or any((folder / v).is_file() for v in VIDEO_FILES))


def find_physdrive_sessions(root: Path) -> list[Path]:
    """Session folders under ``root`` (recursively; a session's own subfolders are not searched)."""
    found = []
    for folder, subfolders, _ in walk_folders(root):
        if folder != root and is_session_folder(folder):
            found.append(folder)
            subfolders[:] = []
    return found


def physdrive_labels(subject: str, session: str) -> dict[str, str]:
    """``("AFH1", "B2")`` -> session, road, motion, vehicle, gender and illumination (the parts that parse)."""
    labels = {"session": session}
    if m := _SESSION.fullmatch(session):
        labels.update(road=ROADS[m[1].upper()], motion=MOTIONS[m[2].upper()])
    if m := _SUBJECT.fullmatch(subject):
        labels.update(vehicle=VEHICLES[m[1].upper()], gender=GENDERS[m[2].upper()],
                      illumination=ILLUMINATIONS[m[3].upper()])
    return labels


def list_png_frames(frame_dir: Path) -> tuple[Path, ...]:
    """The ``*.png`` files of ``frame_dir`` in natural order (``2.png`` before ``10.png``)."""
    names = sorted((p for p in frame_dir.iterdir() if p.suffix.lower() == ".png" and p.is_file()),
                   key=lambda p: natural_key(p.name))
    if not names:
        raise RecordingError(frame_dir, "no .png frames")
    return tuple(names)


def session_frames(folder: Path, fps: float) -> tuple[FrameSource, dict]:
    """The session's frames: ``Align/*.png`` at ``i / fps`` s, else its ``RGB.mp4``; and ``meta`` entries."""
    frame_dir = folder / FRAMES_DIR
    if frame_dir.is_dir():
        files = list_png_frames(frame_dir)
        times = tuple((np.arange(len(files)) / fps).tolist())
        return ImageSequence(frame_dir, files, times), {"frames": FRAMES_DIR, "n_frames": len(files), "fps": fps}
    video = next((folder / v for v in VIDEO_FILES if (folder / v).is_file()), None)
    if video is None:
        raise RecordingError(frame_dir, f"frame folder is missing (and no {' or '.join(VIDEO_FILES)})")
    source, meta = video_source(video, None, "")
    return source, {**meta, "frames": video.relative_to(folder).as_posix()}


def read_label_vector(path: Path, key: str) -> np.ndarray:
    """Variable ``key`` of the MAT-file ``path`` (v5 or v7.3), a numeric vector, flattened to float;
    ``RecordingError`` naming the file when it is missing, unreadable, lacks ``key`` or holds no vector."""
    if not path.is_file():
        raise RecordingError(path, "label file is missing")
    value = np.asarray(MatFile.open(path, dataset="physdrive").read(key)[key])
    if value.dtype.kind not in "biuf":
        raise RecordingError(path, f"{key} is not numeric ({value.dtype})")
    if value.ndim > 1 and value.size not in value.shape:
        raise RecordingError(path, f"{key} has shape {'x'.join(map(str, value.shape))}, expected one vector")
    return value.reshape(-1).astype(float)


def aux_meta(label_dir: Path, fps: float) -> dict:
    """``meta`` entries of :data:`AUX_SERIES`: values and times (``i / fps`` s), or why each was dropped."""
    meta: dict = {}
    for name, key in AUX_SERIES.items():
        try:
            values = read_label_vector(label_dir / f"{key}.mat", key)
        except RecordingError as exc:
            meta[f"{name}_dropped"] = f"{exc.path.name}: {exc.problem}"
            continue
        meta.update({name: values, f"{name}_times": np.arange(values.size) / fps})
    return meta


def load_physdrive_session(folder: Path, *, fps: float = PHYSDRIVE_FPS,
                           tolerance_s: float = COVER_TOLERANCE_S) -> Recording:
    """One ``<subject>/<session>`` folder -> ``Recording``; ``RecordingError`` naming the file when broken."""
    bvp_path = folder / LABEL_DIR / f"{BVP_KEY}.mat"
    ppg = check_series(bvp_path, BVP_KEY, read_label_vector(bvp_path, BVP_KEY), varying=True)
    ppg_times = np.arange(ppg.size) / fps
    source, meta = session_frames(folder, fps)
    check_covers_video(bvp_path, ppg_times, source.path, source.frame_times(), tolerance_s=tolerance_s)
    subject, session = folder.parent.name, folder.name
    labels = physdrive_labels(subject, session)
    meta.update({"format": "PhysDrive", "ground_truth": str(bvp_path), "label_rate_hz": fps,
                 **aux_meta(folder / LABEL_DIR, fps)})
    return Recording(name=f"{subject}_{session}", dataset="physdrive", source=source, ppg=ppg,
                     ppg_times=ppg_times, subject=subject, condition=labels.get("road", session),
                     labels=labels, meta=meta, respiration=meta.get("respiration"),
                     respiration_times=meta.get("respiration_times"))


def load_physdrive(root: str | Path, fps: float = PHYSDRIVE_FPS,
                   tolerance_s: float = COVER_TOLERANCE_S) -> list[Recording | RecordingError]:
    """All PhysDrive sessions (``<subject>/<session>/``) under ``root``, naturally sorted by path.

    ``fps``: the frame rate of ``Align/*.png`` and the rate of the label series
    (Hz, 30: one sample per frame); ``tolerance_s``: how far (s) the BVP may
    end before the last frame. One entry per session: a ``Recording`` or the
    ``RecordingError`` that made it unusable. ``DatasetError`` when ``root`` is
    missing or holds no session folder.
    """
    root = check_root(root, dataset="physdrive")
    folders = find_physdrive_sessions(root)
    if not folders:
        raise DatasetError(f"physdrive: no PhysDrive sessions in {root} (expected folders such as AFH1/A1/ "
                           f"holding {FRAMES_DIR}/*.png and {LABEL_DIR}/{BVP_KEY}.mat)")
    items = ((f.relative_to(root).as_posix(), f"{f.parent.name}_{f.name}", f) for f in folders)
    return load_each(items, lambda f: load_physdrive_session(f, fps=fps, tolerance_s=tolerance_s))
