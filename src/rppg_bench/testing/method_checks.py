"""The method contract: what every method's ``extract(video)`` must return.

``extract(video) -> (times, signal)`` where, for a video of N decoded frames:

- ``times`` (N,): the frame times in seconds, finite, strictly increasing,
  starting at or after 0, with a median step that is a plausible frame
  interval (:data:`.time_checks.FRAME_INTERVAL_RANGE_S`, so not ms, ns or frame indices);
- ``signal`` (N,): one finite value per frame, normalised to [0, 1];
- and at least 2 frames.

Methods that need no trained model also recover the heart rate of an easy
clip (still face, constant light) within :data:`HR_TOLERANCE_BPM`.

The checks raise ``AssertionError`` naming the method, the video and the
broken rule, so they work under pytest, unittest or a plain script::

    from rppg_bench.testing import check_method_contract, synthetic_contract_clips

    clips = synthetic_contract_clips(tmp_dir)         # one easy, one hard 8-s clip
    check_method_contract(MyMethod(), clips)           # or a registered name: "mymethod"
    check_method_contract(MyLearned(weights=w), clips, heart_rate=False)  # untrained weights
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .time_checks import frame_times_problem

if TYPE_CHECKING:
    from ..datasets.recording import Recording
    from ..methods.base import Method

#: the largest heart-rate error (bpm) on the easy synthetic clip for a method that needs no trained model
HR_TOLERANCE_BPM = 5.0


def _require(ok: bool, where: str, rule: str) -> None:
    # explicit raise, not ``assert``: the checks must also run under ``python -O`` and outside pytest
    if not ok:
        raise AssertionError(f"{where}: {rule}")


def check_extract_output(times, signal, n_frames: int | None = None, where: str = "method output") -> None:
    """Raise ``AssertionError`` unless ``(times, signal)`` meets the method contract.

    ``times`` (N,) in seconds and ``signal`` (N,) as described in this module's
    docstring; ``n_frames``: the video's number of decoded frames N, when
    known; ``where`` starts the error message (e.g. ``"pos on clip1"``).
    """
    times, signal = np.asarray(times), np.asarray(signal)
    _require(times.ndim == 1 and signal.ndim == 1, where,
             f"times and signal must be 1-D, got shapes {times.shape} and {signal.shape}")
    _require(times.shape == signal.shape, where, f"times has {times.size} values but signal has {signal.size}")
    if n_frames is not None:
        _require(signal.size == n_frames, where, f"signal has {signal.size} values for {n_frames} frames")
    _require(signal.size >= 2, where, f"signal has only {signal.size} values")
    for what, arr in (("times", times), ("signal", signal)):
        _require(np.issubdtype(arr.dtype, np.number), where, f"{what} must be numeric, got {arr.dtype}")
        _require(bool(np.isfinite(arr).all()), where, f"{what} has {int((~np.isfinite(arr)).sum())} "
                                                      f"non-finite values")
    problem = frame_times_problem(times)
    _require(problem is None, where, str(problem))
    _require(signal.min() >= 0 and signal.max() <= 1, where,
             f"signal must be normalised to [0, 1], got min {signal.min():.3g}, max {signal.max():.3g}")


def check_heart_rate(times, signal, rec: Recording, tolerance_bpm: float = HR_TOLERANCE_BPM,
                     where: str = "method output") -> float:
    """Raise ``AssertionError`` unless the heart rate of ``signal`` is within ``tolerance_bpm`` of ``rec``'s.

    The rate is the harness's whole-signal estimate (``hr_estimate`` at the
    sampling rate of ``times``, s) against the ground-truth PPG's
    (``hr_from_times``); returns the estimate (bpm).
    """
    from ..metrics.heart_rate import hr_estimate, hr_from_times

    fs = 1.0 / np.median(np.diff(times))
    hr = hr_estimate(signal, fs)
    true_hr = hr_from_times(rec.ppg_times, rec.ppg)
    _require(abs(hr - true_hr) < tolerance_bpm, where,
             f"heart rate {hr:.1f} bpm, ground truth {true_hr:.1f} bpm (tolerance {tolerance_bpm:g} bpm)")
    return float(hr)


def check_method_contract(method: Method | str, recordings: Iterable[Recording], heart_rate: bool = True,
                          tolerance_bpm: float = HR_TOLERANCE_BPM) -> None:
    """Run ``method`` on each recording and check its output (:func:`check_extract_output`).

    ``method``: an instance, or a registered name (created with its defaults).
    With ``heart_rate``, recordings whose ``condition`` is ``"easy"`` must also
    give the true heart rate (:func:`check_heart_rate`); pass ``False`` for
    models with untrained or placeholder weights. The frame count N is that of
    the harness's decoding pass over the recording (``video_products``).
    """
    from ..methods.registry import create_method
    from ..preprocessing.store import video_products

    if isinstance(method, str):
        name, method = method, create_method(method)
    else:
        name = getattr(method, "name", type(method).__name__)
    for rec in recordings:
        where = f"method {name!r} on {rec.name!r}"
        times, signal = method.extract(rec)
        check_extract_output(times, signal, len(video_products(rec).times), where)
        if heart_rate and rec.condition == "easy":
            check_heart_rate(times, signal, rec, tolerance_bpm, where)


def synthetic_contract_clips(root: str | Path, seed: int = 3, duration: float = 8.0) -> Sequence[Recording]:
    """One easy and one hard synthetic clip (``duration`` s, 320x240), generated under ``root``.

    The clips the built-in contract test uses (``seed`` 3, 8 s); generated once
    per ``root`` and seed, read back on later calls.
    """
    from ..datasets.registry import load_dataset

    loaded = load_dataset("synthetic", root, seed=seed, n_easy=1, n_hard=1, duration=duration, n_pure=0)
    if loaded.errors:
        raise AssertionError(f"synthetic clips under {root}: {loaded.errors}")
    return loaded.recordings
