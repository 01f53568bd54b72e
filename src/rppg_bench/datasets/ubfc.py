"""UBFC-rPPG loader (Bobbia et al., Pattern Recognition Letters 2017).

Layout: recording folders anywhere under the root (usually ``subject1``,
``subject3``, ... for DATASET_2 and ``5-gt``, ``after-exercise``, ... for
DATASET_1), each with ``vid.avi`` and one ground-truth file:

- ``ground_truth.txt`` (DATASET_2, "realistic"): three whitespace-separated
  lines, line 1 PPG (a.u.), line 2 HR (bpm), line 3 timestamps (s from the
  video start). PPG and timestamps must have equal length; an HR line of
  another length (or with NaNs) only drops ``hr`` (reason in
  ``meta["hr_dropped"]``).
- ``gtdump.xmp`` (DATASET_1, "simple"): comma-separated rows, one per
  oximeter sample: time (ms), HR (bpm), SpO2 (%), PPG (a.u.). A SpO2
  column with non-finite values is dropped (``meta`` has no ``spo2``).

A flat PPG (all values equal) is refused, and at least 2 ground-truth
timestamps must fall inside the video's span.

Not part of UBFC-rPPG: a ``beat_times.txt`` beside them (one line of increasing
beat times, s, on the same clock), which the project's generated corpora write
from their truth, becomes ``Recording.beat_times`` (the beat reference under
``--hr-source dataset``).

Timestamps are used as given (ms / 1000 for DATASET_1): the dataset's own
reader (``ubfcrppg_data_processor.py``) and pyVHR's UBFC1 loader take them
on the video clock without shifting them, so no offset is applied. A folder
with both files is read as DATASET_2. The video's frame ``i`` is at
``i / fps`` seconds (``VideoFile``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .errors import DatasetError, RecordingError
from .parsing import (
    check_coverage,
    check_root,
    load_each,
    optional_series,
    parse_csv_rows,
    parse_float_line,
    read_text,
    text_lines,
    walk_files,
)
from .recording import Recording, VideoFile, check_series

VIDEO_NAME = "vid.avi"
GT_DATASET_2 = "ground_truth.txt"
GT_DATASET_1 = "gtdump.xmp"
#: the true beat times a generated corpus writes beside the ground truth (not part of UBFC-rPPG)
BEAT_TIMES = "beat_times.txt"
MARKERS = (VIDEO_NAME, GT_DATASET_2, GT_DATASET_1)

#: the on-disk layout, in one line (``--list``)
LAYOUT = "UBFC-rPPG: <subject>/vid.avi + ground_truth.txt (DATASET_2: PPG, HR, times lines) or gtdump.xmp (DATASET_1: ms,HR,SpO2,PPG rows)"


def find_ubfc_folders(root: Path) -> list[Path]:
    """Folders under ``root`` (recursively, symlinks followed) holding vid.avi or a ground-truth file."""
    return sorted({p.parent for p in walk_files(root) if p.name in MARKERS and p.is_file()})


def ubfc_subject(folder_name: str) -> str:
    """Subject id from a folder name: ``subject12`` -> ``"12"``, ``5-gt`` -> ``"5"``, else the name."""
    match = re.fullmatch(r"subject(\d+)|(\d+)-gt", folder_name, flags=re.IGNORECASE)
    if match:
        return match.group(1) or match.group(2)
    return folder_name


def find_video(folder: Path) -> Path:
    """``folder/vid.avi``, or the folder's only ``*.avi``; ``RecordingError`` otherwise."""
    video = folder / VIDEO_NAME
    if video.is_file():
        return video
    others = sorted(p for p in folder.glob("*") if p.suffix.lower() == ".avi" and p.is_file())
    if len(others) == 1:
        return others[0]
    found = f" (found {', '.join(p.name for p in others)})" if others else ""
    raise RecordingError(folder, f"no {VIDEO_NAME}{found}")


def read_ground_truth_txt(path: Path) -> dict:
    """DATASET_2 ``ground_truth.txt`` -> dict of ppg, times (s), hr (bpm) or None, hr_dropped."""
    lines = text_lines(path, read_text(path), n_lines=3, names=("PPG", "HR (bpm)", "timestamps (s)"))
    ppg = parse_float_line(path, lines[0], where="line 1 (PPG)")
    hr_raw = parse_float_line(path, lines[1], where="line 2 (HR)")
    times = parse_float_line(path, lines[2], where="line 3 (timestamps)")
    ppg = check_series(path, "line 1 (PPG)", ppg, varying=True)
    times = check_series(path, "line 3 (timestamps)", times, increasing=True)
    if ppg.size != times.size:
        raise RecordingError(path, f"line 1 (PPG) has {ppg.size} values but line 3 "
                                   f"(timestamps) has {times.size}")
    hr, reason = optional_series(hr_raw, times, what="line 2 (HR)")
    return {"ppg": ppg, "times": times, "hr": hr, "hr_dropped": reason}


def read_gtdump(path: Path) -> dict:
    """DATASET_1 ``gtdump.xmp`` -> dict of ppg, times (s, = ms / 1000), hr (bpm), spo2 (%)."""
    rows = parse_csv_rows(path, read_text(path), min_columns=4)
    times = check_series(path, "column 1 (time, ms)", rows[:, 0], increasing=True) / 1000.0
    ppg = check_series(path, "column 4 (PPG)", rows[:, 3], varying=True)
    hr, reason = optional_series(rows[:, 1], times, what="column 2 (HR)")
    spo2, _ = optional_series(rows[:, 2], times, what="column 3 (SpO2)")
    return {"ppg": ppg, "times": times, "hr": hr, "hr_dropped": reason, "spo2": spo2}


def read_beat_times(path: Path) -> np.ndarray:
    """``beat_times.txt``: one line of increasing beat times (s) -> (K,) array; ``RecordingError``
    naming the file when it is not."""
    (line,) = text_lines(path, read_text(path), n_lines=1, names=("beat times (s)",))
    return check_series(path, "line 1 (beat times)", parse_float_line(path, line, where="line 1 (beat times)"),
                        increasing=True)


def optional_beat_times(path: Path) -> np.ndarray | None:
    """:func:`read_beat_times` of ``path``, or None when there is no such file."""
    return read_beat_times(path) if path.is_file() else None


def load_ubfc_folder(folder: Path) -> Recording:
    """One UBFC-rPPG recording folder -> ``Recording``; ``RecordingError`` when broken."""
    if (folder / GT_DATASET_2).is_file():
        gt_path, fmt, condition = folder / GT_DATASET_2, "DATASET_2", "realistic"
        gt = read_ground_truth_txt(gt_path)
    elif (folder / GT_DATASET_1).is_file():
        gt_path, fmt, condition = folder / GT_DATASET_1, "DATASET_1", "simple"
        gt = read_gtdump(gt_path)
    else:
        raise RecordingError(folder, f"no {GT_DATASET_2} or {GT_DATASET_1}")
    video = find_video(folder)
    fps, n_frames = VideoFile(video).probe()
    check_coverage(gt_path, gt["times"], video, np.arange(n_frames) / fps)
    meta = {"format": fmt, "ground_truth": str(gt_path), "fps": fps, "n_frames": n_frames}
    if gt["hr_dropped"]:
        meta["hr_dropped"] = gt["hr_dropped"]
    if gt.get("spo2") is not None:
        meta["spo2"] = gt["spo2"]
    return Recording(
        name=folder.name, dataset="ubfc", source=VideoFile(video),
        ppg=gt["ppg"], ppg_times=gt["times"], subject=ubfc_subject(folder.name),
        condition=condition, hr=gt["hr"], hr_times=None if gt["hr"] is None else gt["times"],
        meta=meta, beat_times=optional_beat_times(folder / BEAT_TIMES))


def load_ubfc(root: str | Path) -> list[Recording | RecordingError]:
    """All UBFC-rPPG recordings under ``root``, naturally sorted by folder path.

    One entry per recording folder: a ``Recording``, or the ``RecordingError``
    that made it unusable. ``DatasetError`` when ``root`` is missing or holds
    no folder with vid.avi, ground_truth.txt or gtdump.xmp.
    """
    root = check_root(root, dataset="ubfc")
    folders = find_ubfc_folders(root)
    if not folders:
        raise DatasetError(f"ubfc: no UBFC-rPPG recordings in {root} (expected folders such as "
                           f"subject1/ with {VIDEO_NAME} and {GT_DATASET_2} or {GT_DATASET_1})")
    return load_each(((f.relative_to(root).as_posix(), f.name, f) for f in folders), load_ubfc_folder)
