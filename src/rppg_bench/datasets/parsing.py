"""Helpers shared by the dataset loaders.

Reading numeric text files with errors that name the file, the line and the
token; natural sorting of recording names; locating a dataset root; and
resampling a ground-truth series onto frame times. All pure functions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np

from .errors import DatasetError, RecordingError

_DIGITS = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple:
    """Sort key that orders digit runs by value: ``subject2`` before ``subject10``."""
    parts = _DIGITS.split(text)
    return tuple(int(p) if i % 2 else p.casefold() for i, p in enumerate(parts)) + (text,)


def check_root(root: str | Path, *, dataset: str) -> Path:
    """``root`` as a Path; ``DatasetError`` when it does not exist or is not a folder."""
    path = Path(root)
    if not path.exists():
        raise DatasetError(f"{dataset}: root folder {path} does not exist")
    if not path.is_dir():
        raise DatasetError(f"{dataset}: root {path} is not a folder")
    return path


def walk_folders(root: Path) -> Iterator[tuple[Path, list[str], list[str]]]:
    """``(folder, subfolder names, file names)`` of every folder under ``root``, top down, following
    symlinked folders.

    Hidden folders (``.name``) are skipped and each real folder is visited
    once, so symlink cycles terminate; subfolders are visited in sorted order.
    Emptying the yielded subfolder list stops the walk from descending there.
    """
    seen: set[str] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real = os.path.realpath(dirpath)
        if real in seen:
            dirnames[:] = []
            continue
        seen.add(real)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        yield Path(dirpath), dirnames, filenames


def walk_files(root: Path) -> Iterator[Path]:
    """Every file path under ``root`` (see :func:`walk_folders`), sorted within each folder."""
    for folder, _, filenames in walk_folders(root):
        for name in sorted(filenames):
            yield folder / name


def read_text(path: Path) -> str:
    """Whole text of ``path``; unreadable or non-UTF-8 files become ``RecordingError``.

    A UTF-8 byte-order mark (files saved by some Windows editors) is dropped.
    """
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordingError(path, f"cannot read file ({exc})") from exc


def text_lines(path: Path, text: str, *, n_lines: int, names: Sequence[str]) -> list[str]:
    """The ``n_lines`` lines of ``text`` (trailing blank lines ignored).

    ``names`` describes each expected line for the error message, e.g.
    ``("PPG", "HR", "timestamps")``. A blank line in the middle is kept (it may
    be an optional, empty series).
    """
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) != n_lines:
        expected = ", ".join(f"{i + 1}: {n}" for i, n in enumerate(names))
        raise RecordingError(path, f"expected {n_lines} lines ({expected}), found {len(lines)}")
    return lines


def parse_floats(path: Path, tokens: Sequence[str], *, where: str) -> np.ndarray:
    """Convert ``tokens`` to a float array; a bad token raises ``RecordingError``.

    ``where`` locates the tokens in the file, e.g. ``"line 1 (PPG)"``; the
    message adds the 1-based position and the offending text. ``nan``/``inf``
    parse (finiteness is checked by ``check_series``).
    """
    try:
        return np.asarray(tokens, dtype=float).reshape(-1)
    except ValueError:
        pass
    for i, tok in enumerate(tokens):
        try:
            float(tok)
        except ValueError:
            raise RecordingError(path, f"{where}: value {i + 1} {tok!r} is not a number") from None
    raise RecordingError(path, f"{where}: cannot parse values")  # pragma: no cover


def parse_float_line(path: Path, line: str, *, where: str) -> np.ndarray:
    """Whitespace-separated floats of one text line (empty line -> empty array)."""
    return parse_floats(path, line.split(), where=where)


def parse_csv_rows(path: Path, text: str, *, min_columns: int) -> np.ndarray:
    """Comma-separated numeric rows as a float array of shape (rows, min_columns).

    Blank lines are skipped; columns beyond ``min_columns`` are ignored. A row
    with too few columns or a non-numeric value raises ``RecordingError``
    naming the 1-based line number.
    """
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split(",")]
        if len(cells) < min_columns:
            raise RecordingError(path, f"line {number}: expected at least {min_columns} "
                                       f"comma-separated values, found {len(cells)}")
        rows.append(cells[:min_columns])
        line_numbers.append(number)
    if not rows:
        raise RecordingError(path, "file holds no data rows")
    try:
        return np.asarray(rows, dtype=float)
    except ValueError:
        pass
    for number, cells in zip(line_numbers, rows, strict=True):
        parse_floats(path, cells, where=f"line {number}")
    raise RecordingError(path, "cannot parse values")  # pragma: no cover


def optional_series(values: np.ndarray, times: np.ndarray, *,
                    what: str) -> tuple[np.ndarray | None, str | None]:
    """``(values, None)`` when usable alongside ``times``, else ``(None, reason)``.

    Used for auxiliary series such as the oximeter HR (bpm): a length
    mismatch with ``times`` or a non-finite value drops the series instead of
    the whole recording.
    """
    values = np.asarray(values, dtype=float)
    if values.size != times.size:
        return None, f"{what} has {values.size} values, timestamps have {times.size}"
    if not np.isfinite(values).all():
        return None, f"{what} has non-finite values"
    return values, None


def check_coverage(gt_path: Path, gt_times: np.ndarray, video_path: Path, frame_times: np.ndarray) -> None:
    """``RecordingError`` unless the video and its ground truth can be compared.

    The video needs at least 2 frames (error naming the video), and at least 2
    ground-truth timestamps ``gt_times`` (s) must fall inside the video's span
    ``[frame_times[0], frame_times[-1]]`` (error naming ``gt_path``, with both
    spans). Ground truth that covers only part of the video is accepted: it is
    scored over the common span.
    """
    frame_times = np.asarray(frame_times, dtype=float)
    gt_times = np.asarray(gt_times, dtype=float)
    if frame_times.size < 2:
        raise RecordingError(video_path, f"video has {frame_times.size} frame(s); at least 2 are needed")
    t0, t1 = float(frame_times[0]), float(frame_times[-1])
    inside = int(np.count_nonzero((gt_times >= t0) & (gt_times <= t1)))
    if inside < 2:
        what = "do not overlap" if inside == 0 else "overlap on only 1 sample of"
        raise RecordingError(gt_path, f"ground-truth timestamps ({gt_times[0]:g} to {gt_times[-1]:g} s) "
                                      f"{what} the video ({t0:g} to {t1:g} s, {frame_times.size} frames "
                                      f"of {video_path.name})")


#: how far (s) a reference may start after the first frame or end before the last before it is refused
COVER_TOLERANCE_S = 1.0


def check_covers_video(gt_path: Path, gt_times: np.ndarray, video_path: Path, frame_times: np.ndarray, *,
                       tolerance_s: float = COVER_TOLERANCE_S) -> None:
    """``RecordingError`` naming ``gt_path`` unless the ground truth spans the whole video.

    ``gt_times`` (s) must start no later than ``tolerance_s`` after the first
    frame and end no earlier than ``tolerance_s`` before the last one
    (``frame_times``, s): for datasets whose reference covers the whole video
    by design, a shorter one is truncated. Also applies :func:`check_coverage`.
    """
    check_coverage(gt_path, gt_times, video_path, frame_times)
    t0, t1 = float(frame_times[0]), float(frame_times[-1])
    g0, g1 = float(gt_times[0]), float(gt_times[-1])
    if g0 > t0 + tolerance_s or g1 < t1 - tolerance_s:
        raise RecordingError(gt_path, f"ground truth ({g0:g} to {g1:g} s, {len(gt_times)} samples) is shorter "
                                      f"than the video ({t0:g} to {t1:g} s, {len(frame_times)} frames of "
                                      f"{video_path.name}) by more than {tolerance_s:g} s: truncated?")


def resample_to_frames(values: np.ndarray | Sequence[float], times: np.ndarray | Sequence[float],
                       frame_times: np.ndarray | Sequence[float]) -> np.ndarray:
    """Linear interpolation of ``values`` sampled at ``times`` (s) onto ``frame_times`` (s).

    ``times`` must strictly increase. Frames inside ``[times[0], times[-1]]``
    get the linearly interpolated value (gaps between samples are bridged);
    frames outside that span get NaN -- nothing is extrapolated, so callers
    see which frames have no ground truth. Returns float array, shape
    ``(len(frame_times),)``.
    """
    return np.interp(np.asarray(frame_times, dtype=float), np.asarray(times, dtype=float),
                     np.asarray(values, dtype=float), left=np.nan, right=np.nan)


def load_each(items: Iterable[tuple[str, str, object]], load_one) -> list:
    """Load every ``(sort_name, recording_name, item)`` with ``load_one(item)``.

    A ``RecordingError`` becomes that item's entry (tagged with the recording's
    name) so one broken recording never stops the others; entries are sorted
    naturally by ``sort_name``.
    """
    entries = []
    for sort_name, rec_name, item in items:
        try:
            entry = load_one(item)
        except RecordingError as exc:
            exc.recording = rec_name
            entry = exc
        entries.append((sort_name, entry))
    return sorted_entries(entries)


def sorted_entries(entries: Iterable[tuple[str, object]]) -> list:
    """The objects of ``(sort_name, object)`` pairs, naturally sorted by name."""
    return [obj for _, obj in sorted(entries, key=lambda pair: natural_key(pair[0]))]
