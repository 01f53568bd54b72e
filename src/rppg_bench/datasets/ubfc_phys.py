"""UBFC-Phys loader (Meziati Sabour, Benezeth, De Oliveira, Chappé & Yang, IEEE TAFFC 2021).

Layout: one folder per participant, ``s<N>/`` (s1 ... s56), anywhere under the
root, holding for each task ``T<k>`` (T1 rest, T2 speech, T3 arithmetic):

- ``vid_s<N>_T<k>.avi``: the face video, 35 fps; frame ``i`` at ``i / fps`` s
  (the container's rate, ``VideoFile``);
- ``bvp_s<N>_T<k>.csv``: the Empatica E4 wristband's blood volume pulse (a.u.),
  one value a line, no header, 64 Hz from the video's start: sample ``j`` at
  ``j / 64`` s. Extra comma-separated columns are ignored;
- ``eda_s<N>_T<k>.csv``: the E4's electrodermal activity (µS), same layout,
  4 Hz; kept in ``meta["eda"]`` (times in ``meta["eda_times"]``) and never
  required (a broken or missing one is noted in ``meta["eda_dropped"]``);
- ``info_s<N>.txt`` (one per participant): line 3 holds the participant's
  group, ``test`` or ``ctrl`` (the two difficulty levels of the stress tasks).
  It becomes the label ``group``; a missing file or line only omits it.

``condition`` is the task's name (``rest``, ``speech``, ``arithmetic``; an
unknown ``T<k>`` keeps its id); ``labels`` are ``task`` (that name),
``task_id`` (``T1``...) and ``group``. Subject ids are the dataset's own
(``s1``...), recording names ``s<N>_T<k>``. The BVP must span the whole
video to within ``tolerance_s``: a shorter file is a truncated recording.

Verified against: rPPG-Toolbox ``dataset/data_loader/UBFCPHYSLoader.py``
(ubicomplab/rPPG-Toolbox: ``s*/vid_*.avi``, ``bvp_<s>_<T>.csv`` read with
``csv.reader``, ``float(row[0])`` per line, 35 fps configs), pyVHR
``pyVHR/datasets/ubfc_phys.py`` (phuselab/pyVHR: 35 fps video, BVP csv at
64 Hz), the dataset's record on search-data.ubfc.fr (tasks T1-T3, E4 BVP and
EDA, groups test/ctrl), Empatica's E4 documentation (BVP 64 Hz, EDA 4 Hz)
and two public UBFC-Phys readers that take ``info_s<N>.txt`` line 3 as the
group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .errors import DatasetError, RecordingError
from .parsing import (
    check_covers_video,
    check_root,
    load_each,
    parse_csv_rows,
    read_text,
    walk_files,
)
from .recording import Recording, VideoFile, check_series

__all__ = ["UBFC_PHYS_TASKS", "load_ubfc_phys", "load_ubfc_phys_take"]

#: the on-disk layout, in one line (``--list``)
LAYOUT = "UBFC-Phys: s<N>/vid_s<N>_T<k>.avi (35 fps) + bvp_s<N>_T<k>.csv (BVP, 64 Hz) + eda_s<N>_T<k>.csv (4 Hz); tasks T1 rest, T2 speech, T3 arithmetic"
UBFC_PHYS_TASKS = MappingProxyType({"T1": "rest", "T2": "speech", "T3": "arithmetic"})
BVP_RATE_HZ = 64.0
EDA_RATE_HZ = 4.0
GROUPS = ("test", "ctrl")
GROUP_LINE = 2  # 0-based: the third line of info_s<N>.txt

_PATTERNS = {
    "video": re.compile(r"vid_(s\d+)_(t\d+)\.avi", re.IGNORECASE),
    "bvp": re.compile(r"bvp_(s\d+)_(t\d+)\.csv", re.IGNORECASE),
}


@dataclass(frozen=True)
class Take:
    """One participant's task: its folder, ids and the files found (None when absent)."""

    folder: Path
    subject: str  # "s1"
    task: str  # "T1"
    video: Path | None = None
    bvp: Path | None = None

    @property
    def name(self) -> str:
        return f"{self.subject}_{self.task}"

    def expected(self, prefix: str, suffix: str) -> Path:
        """The path the dataset gives a file of this take, e.g. ``s1/eda_s1_T1.csv``."""
        return self.folder / f"{prefix}_{self.subject}_{self.task}{suffix}"


def find_takes(root: Path) -> list[Take]:
    """Every (folder, subject, task) with a ``vid_`` video or a ``bvp_`` file under ``root``."""
    found: dict[tuple[Path, str, str], dict[str, Path]] = {}
    for path in walk_files(root):
        for kind, pattern in _PATTERNS.items():
            match = pattern.fullmatch(path.name)
            if match and path.is_file():
                key = (path.parent, match.group(1).lower(), match.group(2).upper())
                found.setdefault(key, {})[kind] = path
    return [Take(folder, subject, task, **files) for (folder, subject, task), files in found.items()]


def read_signal_csv(path: Path, what: str, *, varying: bool) -> np.ndarray:
    """First column of a one-value-a-line CSV (blank lines skipped) as floats, validated."""
    rows = parse_csv_rows(path, read_text(path), min_columns=1)
    return check_series(path, what, rows[:, 0], varying=varying)


def read_eda(path: Path) -> tuple[np.ndarray | None, str | None]:
    """``(eda µS, None)``, or ``(None, reason)`` when the file is missing or unusable."""
    if not path.is_file():
        return None, f"{path.name} is missing"
    try:
        return read_signal_csv(path, "EDA", varying=False), None
    except RecordingError as exc:
        return None, exc.problem


def read_group(info_path: Path) -> str | None:
    """``test`` or ``ctrl`` from line 3 of ``info_s<N>.txt``; None when absent or anything else."""
    try:
        lines = read_text(info_path).splitlines()
    except RecordingError:
        return None
    if len(lines) <= GROUP_LINE:
        return None
    value = lines[GROUP_LINE].strip().lower()
    return value if value in GROUPS else None


def load_ubfc_phys_take(take: Take, *, tolerance_s: float = 1.0) -> Recording:
    """One UBFC-Phys task video with its BVP -> ``Recording``; ``RecordingError`` when broken."""
    if take.video is None:
        raise RecordingError(take.expected("vid", ".avi"), "video is missing (its BVP file exists)")
    if take.bvp is None:
        raise RecordingError(take.expected("bvp", ".csv"), "BVP ground-truth file is missing")
    ppg = read_signal_csv(take.bvp, "BVP", varying=True)
    ppg_times = np.arange(ppg.size) / BVP_RATE_HZ
    fps, n_frames = VideoFile(take.video).probe()
    check_covers_video(take.bvp, ppg_times, take.video, np.arange(n_frames) / fps, tolerance_s=tolerance_s)

    task_name = UBFC_PHYS_TASKS.get(take.task, take.task)
    labels = {"task": task_name, "task_id": take.task}
    group = read_group(take.folder / f"info_{take.subject}.txt")
    if group is not None:
        labels["group"] = group
    meta = {"format": "UBFC-Phys", "ground_truth": str(take.bvp), "bvp_rate_hz": BVP_RATE_HZ,
            "fps": fps, "n_frames": n_frames}
    eda, reason = read_eda(take.expected("eda", ".csv"))
    if eda is None:
        meta["eda_dropped"] = reason
    else:
        meta.update(eda=eda, eda_times=np.arange(eda.size) / EDA_RATE_HZ, eda_rate_hz=EDA_RATE_HZ)
    return Recording(name=take.name, dataset="ubfc-phys", source=VideoFile(take.video), ppg=ppg,
                     ppg_times=ppg_times, subject=take.subject, condition=task_name, labels=labels, meta=meta)


def load_ubfc_phys(root: str | Path, tolerance_s: float = 1.0) -> list[Recording | RecordingError]:
    """All UBFC-Phys task videos under ``root``, naturally sorted (``s1_T1``, ``s1_T2``, ..., ``s2_T1``).

    One entry per ``vid_s<N>_T<k>.avi`` or ``bvp_s<N>_T<k>.csv``: a
    ``Recording`` or the ``RecordingError`` that made it unusable.
    ``tolerance_s``: how much shorter (s) than the video the BVP may be at
    either end. ``DatasetError`` when ``root`` is missing or holds neither.
    """
    root = check_root(root, dataset="ubfc-phys")
    takes = find_takes(root)
    if not takes:
        raise DatasetError(f"ubfc-phys: no UBFC-Phys recordings in {root} (expected folders such as "
                           f"s1/ holding vid_s1_T1.avi and bvp_s1_T1.csv)")
    items = ((f"{t.folder.relative_to(root).as_posix()}/{t.name}", t.name, t) for t in takes)
    return load_each(items, partial(load_ubfc_phys_take, tolerance_s=tolerance_s))
