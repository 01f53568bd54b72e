"""The sliding window of the live view: bounded buffers of timed samples and the pulse and heart rate
of their last seconds (pure functions; no display, no camera).

Frames may arrive unevenly (a camera's jitter, frames dropped when processing
falls behind), so a window is resampled onto a uniform grid by its timestamps
before a method or the heart-rate estimator sees it.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from ..metrics.bands import DEFAULT_BAND_HZ
from ..metrics.heart_rate import MIN_DURATION_S, hr_estimate

#: shortest window (s) a live heart rate is shown for (the estimator's minimum is MIN_DURATION_S)
MIN_WINDOW_S = max(4.0, MIN_DURATION_S)
#: a pause between samples longer than this (s) starts the window afresh (nothing is bridged over it)
MAX_GAP_S = 0.5


class TimedRing:
    """The last ``capacity`` samples (each a scalar or an array of one shape) with their times (s)."""

    def __init__(self, capacity: int):
        if capacity < 2:
            raise ValueError(f"a window buffer needs room for at least 2 samples, got {capacity}")
        self.times: deque[float] = deque(maxlen=capacity)
        self.values: deque[np.ndarray] = deque(maxlen=capacity)

    def push(self, t: float, value: np.ndarray | float) -> None:
        self.times.append(float(t))
        self.values.append(np.asarray(value, float))

    def extend(self, times: np.ndarray, values: np.ndarray) -> None:
        for t, v in zip(times, values, strict=True):
            self.push(t, v)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Times (N,) s and values (N, ...), oldest first."""
        if not self.times:
            return np.empty(0), np.empty(0)
        return np.asarray(self.times, float), np.stack(list(self.values))


def ring_capacity(seconds: float, fps: float | None) -> int:
    """Samples a ring needs to hold ``seconds`` s at ``fps`` Hz (60 Hz when the rate is unknown), with room."""
    return int(np.ceil(seconds * (fps or 60.0) * 1.2)) + 2


def last_seconds(times: np.ndarray, values: np.ndarray, seconds: float,
                 max_gap: float = MAX_GAP_S) -> tuple[np.ndarray, np.ndarray]:
    """The samples of ``times`` (N,) s / ``values`` (N, ...) within ``seconds`` s of the newest one and
    after the last pause longer than ``max_gap`` s (a stall of the stream, a face lost)."""
    if times.size == 0:
        return times, values
    gaps = np.flatnonzero(np.diff(times) > max_gap)
    start = times[gaps[-1] + 1] if gaps.size else times[0]
    keep = times >= max(times[-1] - seconds, start)
    return times[keep], values[keep]


def window_rate(times: np.ndarray) -> float:
    """Mean sample rate (Hz) of ``times`` (N,) s; NaN for fewer than 2 samples or a zero span."""
    span = times[-1] - times[0] if times.size > 1 else 0.0
    return float((times.size - 1) / span) if span > 0 else float("nan")


def uniform(times: np.ndarray, values: np.ndarray, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """``values`` (N,) or (N, C) at ``times`` (N,) s, linearly resampled at ``fps`` Hz over the same span:
    times (K,) s and values (K,) or (K, C)."""
    grid = times[0] + np.arange(int(np.floor((times[-1] - times[0]) * fps + 1e-9)) + 1) / fps
    if values.ndim == 1:
        return grid, np.interp(grid, times, values)
    return grid, np.stack([np.interp(grid, times, values[:, c]) for c in range(values.shape[1])], axis=1)


def window_hr(signal: np.ndarray, fps: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
              min_seconds: float = MIN_WINDOW_S) -> float:
    """Heart rate (bpm) of ``signal`` (N,) at ``fps`` Hz (:func:`~rppg_bench.metrics.heart_rate.hr_estimate`);
    NaN while it is shorter than ``min_seconds`` s or not finite."""
    if signal.size < min_seconds * fps or not np.all(np.isfinite(signal)):
        return float("nan")
    return float(hr_estimate(signal, fps, band))
