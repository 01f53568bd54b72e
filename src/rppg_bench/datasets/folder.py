"""Folder-of-videos loader (the layout of the original ResNet-18 scripts).

Layout: any ``*.avi`` / ``*.mp4`` under the root (subfolders included), each
with a same-stem ``*.txt`` next to it holding three lines of space-separated
floats: line 1 the PPG (a.u.); line 2 optional, often HR (bpm), may be empty;
line 3 the timestamps (s, on the video clock: frame ``i`` at ``i / fps``),
exactly as many as PPG values, at least 2 of them inside the video's span
(a flat PPG line is refused: it carries no pulse). Line 2 is stored as ``hr`` (at the same
timestamps) only when it parses and has one finite value per timestamp;
otherwise it is ignored, as the original scripts did, with the reason in
``meta["hr_dropped"]``.

Names: the video's path relative to the root without its suffix (just the
stem for files directly in the root). Subject: the stem's prefix before the
first ``_`` (``subject01_2`` -> ``subject01``), else the stem.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import DatasetError, RecordingError
from .parsing import (
    check_coverage,
    check_root,
    load_each,
    optional_series,
    parse_float_line,
    read_text,
    text_lines,
    walk_files,
)
from .recording import Recording, VideoFile, check_series

VIDEO_SUFFIXES = (".avi", ".mp4")

#: the on-disk layout, in one line (``--list``)
LAYOUT = "any folder: <stem>.avi|.mp4 + <stem>.txt (PPG line, optional HR line, times line in s)"


def find_videos(root: Path) -> list[Path]:
    """Video files (``.avi``/``.mp4``, any case) under ``root``, recursively (symlinks followed)."""
    return [p for p in walk_files(root) if p.suffix.lower() in VIDEO_SUFFIXES and p.is_file()]


def folder_subject(stem: str) -> str:
    """Subject id from a file stem: the part before the first ``_``, else the stem."""
    return stem.split("_", 1)[0]


def read_folder_txt(path: Path) -> dict:
    """Ground-truth ``.txt`` -> dict of ppg, times (s), hr (bpm) or None, hr_dropped reason."""
    lines = text_lines(path, read_text(path), n_lines=3,
                       names=("PPG", "HR (optional, may be empty)", "timestamps (s)"))
    ppg = check_series(path, "line 1 (PPG)", parse_float_line(path, lines[0], where="line 1 (PPG)"), varying=True)
    times = check_series(path, "line 3 (timestamps)",
                         parse_float_line(path, lines[2], where="line 3 (timestamps)"), increasing=True)
    if ppg.size != times.size:
        raise RecordingError(path, f"line 1 (PPG) has {ppg.size} values but line 3 "
                                   f"(timestamps) has {times.size}")
    hr, reason = None, "line 2 is empty"
    if lines[1].strip():
        try:
            hr, reason = optional_series(parse_float_line(path, lines[1], where="line 2 (HR)"),
                                         times, what="line 2 (HR)")
        except RecordingError as exc:
            reason = exc.problem
    return {"ppg": ppg, "times": times, "hr": hr, "hr_dropped": reason}


def load_folder_video(video: Path, *, name: str) -> Recording:
    """One video and its same-stem ``.txt`` -> ``Recording``; ``RecordingError`` when broken."""
    gt_path = video.with_suffix(".txt")
    if not gt_path.is_file():
        raise RecordingError(video, f"no ground truth file {gt_path.name}")
    gt = read_folder_txt(gt_path)
    fps, n_frames = VideoFile(video).probe()
    check_coverage(gt_path, gt["times"], video, np.arange(n_frames) / fps)
    meta = {"format": "folder", "ground_truth": str(gt_path), "fps": fps, "n_frames": n_frames}
    if gt["hr"] is None:
        meta["hr_dropped"] = gt["hr_dropped"]
    return Recording(
        name=name, dataset="folder", source=VideoFile(video),
        ppg=gt["ppg"], ppg_times=gt["times"], subject=folder_subject(video.stem),
        hr=gt["hr"], hr_times=None if gt["hr"] is None else gt["times"], meta=meta)


def load_folder(root: str | Path) -> list[Recording | RecordingError]:
    """Every ``*.avi``/``*.mp4`` under ``root`` with its ``.txt``, naturally sorted by name.

    One entry per video: a ``Recording`` or the ``RecordingError`` that made it
    unusable. ``DatasetError`` when ``root`` is missing or holds no video.
    """
    root = check_root(root, dataset="folder")
    videos = find_videos(root)
    if not videos:
        raise DatasetError(f"folder: no videos in {root} (expected *.avi or *.mp4 files, "
                           f"each with a same-stem .txt ground truth)")
    names = [(video.relative_to(root).with_suffix("").as_posix(), video) for video in videos]
    return load_each(((name, name, (video, name)) for name, video in names),
                     lambda item: load_folder_video(item[0], name=item[1]))
