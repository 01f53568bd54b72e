"""The dataset contract: what every loader's ``Recording`` must satisfy.

:func:`check_recording_contract` checks one ``Recording`` and raises
``AssertionError`` naming the recording and the broken rule. It reads only the
first two frames, so it is cheap on real datasets too. A dataset plugin's test
suite runs it on its loader's output::

    from rppg_bench.testing import check_recording_contract

    for rec in my_loader(root):
        check_recording_contract(rec, dataset="mydataset")
"""

from __future__ import annotations

from itertools import islice
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..datasets.recording import Recording

from .time_checks import frame_times_problem


def _require(ok: bool, rec: Recording, rule: str) -> None:
    # explicit raise, not ``assert``: the checks must also run under ``python -O`` and outside pytest
    if not ok:
        raise AssertionError(f"recording {getattr(rec, 'name', rec)!r} "
                             f"(dataset {getattr(rec, 'dataset', '?')!r}): {rule}")


def _series(rec: Recording, what: str, values) -> np.ndarray:
    _require(values is not None, rec, f"{what} is missing")
    arr = np.asarray(values)
    _require(arr.ndim == 1, rec, f"{what} must be 1-D, got shape {arr.shape}")
    _require(np.issubdtype(arr.dtype, np.number), rec, f"{what} must be numeric, got {arr.dtype}")
    arr = arr.astype(float)
    _require(bool(np.isfinite(arr).all()), rec, f"{what} has {int((~np.isfinite(arr)).sum())} non-finite values")
    return arr


def check_recording_contract(rec: Recording, dataset: str | None = None) -> list[np.ndarray]:
    """Check that ``rec`` meets the dataset contract; returns its first two frames.

    - ``name``, ``dataset`` and ``subject`` are non-empty strings (``dataset``
      equals the given ``dataset`` when one is given);
    - ``fps`` is a finite number > 0 (Hz);
    - frame times: at least 2, finite, strictly increasing, in seconds (a
      median frame interval within :data:`.time_checks.FRAME_INTERVAL_RANGE_S` that agrees
      with ``1 / fps`` within 50 %), starting at or after 0;
    - ground truth: ``ppg`` finite, one value per ``ppg_times``, which are
      finite and strictly increasing, at least 2 of them inside the video's
      span ``[frame_times[0], frame_times[-1]]``;
    - ``hr`` (optional): finite, one value per ``hr_times``;
    - the first two frames decode as RGB uint8 arrays (H, W, 3) of one size.
    """
    for field in ("name", "dataset", "subject"):
        value = getattr(rec, field, None)
        _require(isinstance(value, str) and bool(value.strip()), rec, f"{field} must be a non-empty string, "
                                                                      f"got {value!r}")
    if dataset is not None:
        _require(rec.dataset == dataset, rec, f"dataset must be {dataset!r}, got {rec.dataset!r}")

    fps = rec.fps
    _require(isinstance(fps, (int, float)) and np.isfinite(fps) and fps > 0, rec, f"fps must be > 0, got {fps!r}")

    t = _series(rec, "frame_times", rec.frame_times)
    _require(t.size >= 2, rec, f"needs at least 2 frames, got {t.size}")
    problem = frame_times_problem(t, "frame_times")
    _require(problem is None, rec, str(problem))
    dt = float(np.median(np.diff(t)))
    _require(0.5 <= dt * fps <= 1.5, rec, f"median frame interval {dt:g} s disagrees with fps {fps:g} Hz")

    ppg = _series(rec, "ppg", rec.ppg)
    ppg_t = _series(rec, "ppg_times", rec.ppg_times)
    _require(ppg.size == ppg_t.size, rec, f"ppg has {ppg.size} values but ppg_times has {ppg_t.size}")
    _require(bool((np.diff(ppg_t) > 0).all()), rec, "ppg_times do not strictly increase")
    inside = int(((ppg_t >= t[0]) & (ppg_t <= t[-1])).sum())
    _require(inside >= 2, rec, f"ground truth [{ppg_t[0]:g}, {ppg_t[-1]:g}] s does not overlap the video "
                               f"[{t[0]:g}, {t[-1]:g}] s ({inside} ppg samples inside)")

    if rec.hr is not None:
        hr = _series(rec, "hr", rec.hr)
        hr_t = _series(rec, "hr_times", rec.hr_times)
        _require(hr.size == hr_t.size, rec, f"hr has {hr.size} values but hr_times has {hr_t.size}")

    gen = rec.frames()
    try:
        frames = list(islice(gen, 2))
    finally:
        close = getattr(gen, "close", None)
        if close is not None:
            close()  # releases the decoder without reading the rest
    _require(len(frames) == 2, rec, f"the first 2 frames should decode, got {len(frames)}")
    for k, frame in enumerate(frames):
        _require(isinstance(frame, np.ndarray), rec, f"frame {k} is a {type(frame).__name__}, not a numpy array")
        _require(frame.dtype == np.uint8, rec, f"frame {k} has dtype {frame.dtype}, expected uint8")
        _require(frame.ndim == 3 and frame.shape[2] == 3, rec, f"frame {k} has shape {frame.shape}, "
                                                               f"expected (H, W, 3) RGB")
        _require(frame.shape[0] > 0 and frame.shape[1] > 0, rec, f"frame {k} is empty: {frame.shape}")
    _require(frames[0].shape == frames[1].shape, rec, f"frames 0 and 1 differ in size: {frames[0].shape} "
                                                      f"vs {frames[1].shape}")
    return frames
