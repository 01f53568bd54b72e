"""iBVP loader (Joshi & Cho, Electronics 13(7):1334, 2024, doi:10.3390/electronics13071334).

Layout: recording folders ``p<NN>_<x>`` anywhere under the root (the authors'
``iBVP_Dataset/`` and its ``Confidential_No-media-use/`` subfolder), each with

- ``p<NN>_<x>_rgb/*.bmp``: the RGB frames (640x480, 30 fps), read in natural
  order of their names; frame ``i`` is at ``i / 30`` s (no per-frame timestamps);
- ``p<NN>_<x>_t/*.raw``: thermal frames, not read;
- ``p<NN>_<x>_bvp.csv``: a header row, then one row per frame with the columns
  ``BVP`` (the ear PPG, filtered and downsampled to 30 samples per second to
  match the frames; a.u.), ``SQPhysMD`` (the SQA-PhysMD model's per-sample
  signal quality), ``SQ1``, ``SQ2`` (manual quality labels) and
  ``Perfusion_Value``. Columns are found by header name (case-insensitive);
  ``BVP`` is required, the others are kept in ``meta`` when present.

Clock: BVP sample ``i`` is at ``i / 30`` s, on the frames' clock. The BVP is
used whole -- the rPPG-Toolbox's practice of dropping frames whose SQ2 <= 0.3
is left to the user (``meta["signal_quality"]["SQ2"]`` holds it, per sample
at ``ppg_times``). A BVP ending more than ``tolerance_s`` before the last
frame is refused.

Conditions (``x``): ``a`` rest (rhythmic slow breathing and rest), ``b``
easy_math, ``c`` difficult_math, ``d`` head_movement; ``condition`` and
``labels["condition"]`` hold that name; subject = ``p<NN>``.

Verified against: PhysiologicAILab/iBVP-Dataset README.md (layout, CSV
columns, 30 fps, conditions), SQA_PhysMD/configs/SQAPhysMD.json (180 s at 30
samples/s) and ubicomplab/rPPG-Toolbox dataset/data_loader/iBVPLoader.py
(``*.bmp`` frames, CSV with a header, column 0 = BVP, column 3 = SQ2).
"""

from __future__ import annotations

import re
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .errors import DatasetError, RecordingError
from .parsing import (
    COVER_TOLERANCE_S,
    check_covers_video,
    check_root,
    load_each,
    natural_key,
    parse_csv_rows,
    read_text,
    walk_folders,
)
from .recording import ImageSequence, Recording, check_series

#: the on-disk layout, in one line (``--list``)
LAYOUT = "iBVP: p<NN>_<x>/p<NN>_<x>_rgb/*.bmp frames (30 fps) + p<NN>_<x>_bvp.csv (BVP and signal-quality columns, one row a frame); conditions a-d"
IBVP_FPS = 30.0
IBVP_CONDITIONS = MappingProxyType({"a": "rest", "b": "easy_math", "c": "difficult_math", "d": "head_movement"})
QUALITY_COLUMNS = ("SQPhysMD", "SQ1", "SQ2")
PERFUSION_COLUMN = "Perfusion_Value"

_FOLDER = re.compile(r"(p\d+)_([a-z])", flags=re.IGNORECASE)


def find_ibvp_folders(root: Path) -> list[Path]:
    """Folders named ``p<NN>_<x>`` under ``root`` (recursively, symlinks followed, hidden folders skipped;
    a recording folder's own subfolders are not searched)."""
    found = []
    for folder, subfolders, _ in walk_folders(root):
        if folder != root and _FOLDER.fullmatch(folder.name):
            found.append(folder)
            subfolders[:] = []
    return found


def ibvp_subject_condition(name: str) -> tuple[str, str]:
    """``"p01_b"`` -> ``("p01", "easy_math")``; an unknown letter is kept as it is."""
    subject, _, letter = name.partition("_")
    return subject, IBVP_CONDITIONS.get(letter.lower(), letter)


def list_bmp_frames(frame_dir: Path) -> tuple[Path, ...]:
    """The ``*.bmp`` files of ``frame_dir`` in natural order of their names."""
    if not frame_dir.is_dir():
        raise RecordingError(frame_dir, "frame folder is missing")
    files = sorted((p for p in frame_dir.iterdir() if p.suffix.lower() == ".bmp" and p.is_file()),
                   key=lambda p: natural_key(p.name))
    if not files:
        raise RecordingError(frame_dir, "no .bmp frames")
    return tuple(files)


def csv_header(path: Path, line: str) -> list[str]:
    """Column names of a CSV header line (spaces and quotes stripped); ``RecordingError`` without BVP."""
    names = [cell.strip().strip('"').strip() for cell in line.split(",")]
    if "bvp" not in (n.lower() for n in names):
        raise RecordingError(path, f"no BVP column in the header (found {', '.join(names) or 'nothing'})")
    return names


def read_bvp_csv(path: Path) -> dict[str, np.ndarray]:
    """``p<NN>_<x>_bvp.csv`` -> ``{column name: values}`` for every column, keyed as the header spells it."""
    if not path.is_file():
        raise RecordingError(path, "ground-truth CSV is missing")
    lines = read_text(path).splitlines()
    if not lines:
        raise RecordingError(path, "file is empty")
    names = csv_header(path, lines[0])
    body = "\n".join([""] + lines[1:])  # keeps the file's line numbers in error messages
    rows = parse_csv_rows(path, body, min_columns=len(names))
    return {name: rows[:, i] for i, name in enumerate(names)}


def column(columns: dict[str, np.ndarray], name: str) -> np.ndarray | None:
    """The column called ``name`` (case-insensitive), or None."""
    return next((v for k, v in columns.items() if k.lower() == name.lower()), None)


def quality_meta(columns: dict[str, np.ndarray]) -> dict:
    """The signal-quality columns present (``signal_quality``: {name: values}) and the perfusion index."""
    meta: dict = {"signal_quality": {q: v for q in QUALITY_COLUMNS if (v := column(columns, q)) is not None}}
    perfusion = column(columns, PERFUSION_COLUMN)
    if perfusion is not None:
        meta["perfusion_value"] = perfusion
    return meta


def load_ibvp_folder(folder: Path, tolerance_s: float = COVER_TOLERANCE_S) -> Recording:
    """One iBVP recording folder ``p<NN>_<x>`` -> ``Recording``; ``RecordingError`` when broken."""
    name = folder.name
    csv_path = folder / f"{name}_bvp.csv"
    columns = read_bvp_csv(csv_path)
    ppg = check_series(csv_path, "column BVP", column(columns, "BVP"), varying=True)
    ppg_times = np.arange(ppg.size) / IBVP_FPS
    frame_dir = folder / f"{name}_rgb"
    files = list_bmp_frames(frame_dir)
    frame_times = np.arange(len(files)) / IBVP_FPS
    check_covers_video(csv_path, ppg_times, frame_dir, frame_times, tolerance_s=tolerance_s)
    subject, condition = ibvp_subject_condition(name)
    meta = {"format": "iBVP", "ground_truth": str(csv_path), "fps": IBVP_FPS, "n_frames": len(files),
            **quality_meta(columns)}
    return Recording(
        name=name, dataset="ibvp", source=ImageSequence(frame_dir, files, tuple(frame_times.tolist())),
        ppg=ppg, ppg_times=ppg_times, subject=subject, condition=condition,
        labels={"condition": condition}, meta=meta)


def load_ibvp(root: str | Path, tolerance_s: float = COVER_TOLERANCE_S) -> list[Recording | RecordingError]:
    """All iBVP recordings under ``root``, naturally sorted by folder path.

    One entry per ``p<NN>_<x>`` folder: a ``Recording``, or the ``RecordingError``
    that made it unusable (``tolerance_s``: how far, in s, the frames may run
    past the end of the BVP). ``DatasetError`` when ``root`` is missing or holds
    no such folder.
    """
    root = check_root(root, dataset="ibvp")
    folders = find_ibvp_folders(root)
    if not folders:
        raise DatasetError(f"ibvp: no iBVP recordings in {root} (expected folders such as p01_a/ holding "
                           f"p01_a_rgb/*.bmp and p01_a_bvp.csv)")
    return load_each(((f.relative_to(root).as_posix(), f.name, f) for f in folders),
                     lambda f: load_ibvp_folder(f, tolerance_s))
