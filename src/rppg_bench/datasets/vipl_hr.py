"""VIPL-HR loader (Niu, Han, Shan & Chen, ACCV 2018; RhythmNet, IEEE T-IP 2020).

Layout (under the root, or its ``data/`` folder): ``p<N>/v<M>/source<K>/``
with

- ``video.avi``: the face video;
- ``wave.csv``: the finger BVP, a header line ``Wave`` then one value per
  line (a.u.), sampled at ``wave_rate_hz`` (60 Hz) from the video's start, so
  sample ``k`` is at ``k / wave_rate_hz`` s;
- ``gt_HR.csv`` (header ``HR``, bpm) and ``gt_SpO2.csv`` (header ``SpO2``,
  %): one value per line, taken as one per second (value ``k`` at ``k`` s);
  optional -- a missing or unreadable file only drops that series (reason in
  ``meta``);
- ``time.txt`` (where present; not for the phone, source2): one frame
  timestamp per line in ms from the start of the capture. Frame times are
  those values / 1000, used as given; the first ``min(frames, stamps)`` frames
  are paired with them. Without it frame ``i`` is at ``i / fps``.

Quirk: the frame rate the dataset's readme states is not the actual rate of
every video (a VIPL preprocessing script says so and derives the rate from
``time.txt``), which is why ``time.txt`` wins over the container's rate. Scenario folders are ``v1`` .. ``v9``, repeats ``v1-2``.
The wave must span the video to within ``tolerance_s`` at each end, otherwise
the recording is refused as truncated (or sampled at another rate).

Sources (condition): source1 Logitech C310 webcam (960x720, 25 fps), source2
HUAWEI P9 phone (1920x1080, 30 fps), source3 RealSense F200 colour
(1920x1080, 30 fps), source4 RealSense F200 near-infrared (640x480, 30 fps).
(source2 and source4 as public loaders state; source1 and source3 inferred
from their sizes and rates.) Scenario names (label ``scenario_name``): the
paper's nine situations as recalled, not verified -- the raw ``scenario``
label (``v2``) is exact.

Verified against: pyVHR ``pyVHR/datasets/vipl_hr_v1.py`` (``wave.csv``
column ``Wave``), the rPPG-Toolbox-style ``VIPLHRv1Loader`` (sources, sizes,
rates; header line skipped), a VIPL preprocessing script reading
``time.txt`` with ``np.loadtxt`` as ms (fps = frames * 1000 / last stamp,
fixed 30 fps for source2) and ``gt_HR.csv`` column ``HR``.
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
    parse_csv_rows,
    read_text,
    walk_files,
)
from .recording import Recording, check_series
from .timed_video import video_source

__all__ = ["VIPL_SCENARIOS", "VIPL_SOURCES", "load_vipl_folder", "load_vipl_hr"]

#: the on-disk layout, in one line (``--list``)
LAYOUT = "VIPL-HR: p<N>/v<M>/source<K>/video.avi + wave.csv (BVP, 60 Hz), gt_HR.csv, time.txt (frame times in ms, where present)"
VIPL_SOURCES = MappingProxyType({
    "1": "webcam-C310", "2": "phone-P9", "3": "realsense-RGB", "4": "realsense-NIR",
})
VIPL_SCENARIOS = MappingProxyType({
    "1": "stable", "2": "large-motion", "3": "talking", "4": "dark", "5": "bright",
    "6": "long-distance", "7": "exercise", "8": "phone-stable", "9": "phone-motion",
})

VIDEO, WAVE, HR_FILE, SPO2_FILE, STAMPS = "video.avi", "wave.csv", "gt_HR.csv", "gt_SpO2.csv", "time.txt"
_MARKERS = (VIDEO, WAVE)
_FOLDER = re.compile(r"source(\d+)", re.IGNORECASE)
_SCENARIO = re.compile(r"v(\d+)(?:-(\d+))?", re.IGNORECASE)
_SUBJECT = re.compile(r"p(\d+)", re.IGNORECASE)


def find_vipl_folders(root: Path) -> list[Path]:
    """``p<N>/v<M>/source<K>`` folders under ``root`` holding video.avi or wave.csv."""
    return sorted({p.parent for p in walk_files(root) if p.name in _MARKERS and is_vipl_folder(p.parent)})


def is_vipl_folder(folder: Path) -> bool:
    return bool(_FOLDER.fullmatch(folder.name) and _SCENARIO.fullmatch(folder.parent.name)
                and _SUBJECT.fullmatch(folder.parent.parent.name))


def vipl_labels(folder: Path) -> dict[str, str]:
    """``p3/v2/source1`` -> subject ``p3``, scenario ``v2`` (and its name), source ``source1`` (and camera)."""
    source = _FOLDER.fullmatch(folder.name).group(1)
    scenario = _SCENARIO.fullmatch(folder.parent.name).group(1)
    return {"subject": folder.parent.parent.name, "scenario": folder.parent.name,
            "scenario_name": VIPL_SCENARIOS.get(scenario, f"v{scenario}"), "source": folder.name,
            "camera": VIPL_SOURCES.get(source, folder.name)}


def read_column(path: Path, header: str) -> np.ndarray:
    """Values of a one-column CSV with a ``header`` line (e.g. ``Wave``), one value per line."""
    lines = read_text(path).splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise RecordingError(path, "file is empty")
    found = lines[first].split(",")[0].strip()
    if found.casefold() != header.casefold():
        raise RecordingError(path, f"line {first + 1}: expected the header {header!r}, found {found!r}")
    lines[first] = ""  # keeps the line numbers of the values in error messages
    return parse_csv_rows(path, "\n".join(lines), min_columns=1)[:, 0]


def read_stamps_ms(path: Path) -> np.ndarray:
    """``time.txt``: one frame timestamp (ms) per line -> seconds, strictly increasing."""
    stamps = parse_csv_rows(path, read_text(path), min_columns=1)[:, 0]
    return check_series(path, "frame timestamps (ms)", stamps, increasing=True) / 1000.0


def optional_column(path: Path, header: str) -> tuple[np.ndarray | None, str | None]:
    """``(values, None)`` for a readable finite column, else ``(None, reason)``."""
    if not path.is_file():
        return None, f"{path.name} is missing"
    try:
        return check_series(path, header, read_column(path, header), min_len=1), None
    except RecordingError as exc:
        return None, exc.problem


def load_vipl_folder(folder: Path, wave_rate_hz: float = 60.0, tolerance_s: float = COVER_TOLERANCE_S) -> Recording:
    """One ``p<N>/v<M>/source<K>`` folder -> ``Recording``; ``RecordingError`` when broken."""
    wave_path, video = folder / WAVE, folder / VIDEO
    if not wave_path.is_file():
        raise RecordingError(wave_path, "ground-truth wave is missing")
    if not video.is_file():
        raise RecordingError(video, "video is missing")
    ppg = check_series(wave_path, "column Wave", read_column(wave_path, "Wave"), varying=True)
    ppg_times = np.arange(ppg.size) / wave_rate_hz
    stamps = read_stamps_ms(folder / STAMPS) if (folder / STAMPS).is_file() else None
    source, meta = video_source(video, stamps, STAMPS)
    frame_times = source.frame_times()
    check_covers_video(wave_path, ppg_times, video, frame_times, tolerance_s=tolerance_s)

    hr, hr_reason = optional_column(folder / HR_FILE, "HR")
    spo2, spo2_reason = optional_column(folder / SPO2_FILE, "SpO2")
    meta.update({"format": "VIPL-HR", "ground_truth": str(wave_path), "wave_rate_hz": wave_rate_hz})
    meta.update({k: v for k, v in (("hr_dropped", hr_reason), ("spo2", spo2), ("spo2_dropped", spo2_reason))
                 if v is not None})
    labels = vipl_labels(folder)
    return Recording(
        name=f"{labels['subject']}_{labels['scenario']}_{labels['source']}", dataset="vipl-hr", source=source,
        ppg=ppg, ppg_times=ppg_times, subject=labels["subject"], condition=labels["camera"],
        hr=hr, hr_times=None if hr is None else np.arange(hr.size, dtype=float),
        labels=labels, meta=meta)


def load_vipl_hr(root: str | Path, wave_rate_hz: float = 60.0,
                 tolerance_s: float = COVER_TOLERANCE_S) -> list[Recording | RecordingError]:
    """All VIPL-HR recordings (``p<N>/v<M>/source<K>``) under ``root``, naturally sorted.

    ``wave_rate_hz``: the BVP rate of ``wave.csv`` (Hz); ``tolerance_s``: how far
    (s) the wave may start after the first frame or end before the last. ``DatasetError`` when
    ``root`` is missing or holds no such folder.
    """
    root = check_root(root, dataset="vipl-hr")
    folders = find_vipl_folders(root)
    if not folders:
        raise DatasetError(f"vipl-hr: no VIPL-HR recordings in {root} (expected folders such as "
                           f"p1/v1/source1/ with {VIDEO} and {WAVE})")
    items = ((f.relative_to(root).as_posix(), "_".join(f.parts[-3:]), f) for f in folders)
    return load_each(items, lambda f: load_vipl_folder(f, wave_rate_hz, tolerance_s))
