"""Helpers shared by the classical methods: input checks, window lengths and
vectorised overlap-add (sliding windows via ``numpy.lib.stride_tricks``).

Arrays are time-major: an RGB trace is ``(N, 3)``, a batch of windows ``(W, L, 3)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def check_rgb(rgb: np.ndarray, fps: float) -> np.ndarray:
    """``rgb`` as a float array (N, 3) with N >= 2; ``fps`` must be positive and finite."""
    x = np.asarray(rgb, dtype=float)
    if x.ndim != 2 or x.shape[1] != 3:
        raise ValueError(f"expected an RGB trace of shape (N, 3), got {x.shape}")
    if x.shape[0] < 2:
        raise ValueError(f"need at least 2 frames, got {x.shape[0]}")
    if not np.all(np.isfinite(x)):
        raise ValueError("RGB trace contains non-finite values")
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps must be positive, got {fps}")
    return x


def window_length(seconds: float, fps: float, even: bool = False) -> int:
    """Window of ``seconds`` at ``fps`` in frames (at least 2; rounded up to even if asked)."""
    n = max(2, round(seconds * fps))
    return n + (n % 2) if even else n


def safe_divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b`` with 0 where ``b`` is 0 (constant or black input must stay finite)."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    return np.divide(a, b, out=np.zeros(a.shape), where=b != 0)


def overlap_add(segments: np.ndarray, starts: np.ndarray, n: int) -> np.ndarray:
    """Sum ``segments`` (W, L), segment ``k`` placed at ``starts[k]``, into a signal (n,)."""
    length = segments.shape[1]
    idx = (np.asarray(starts)[:, None] + np.arange(length)[None, :]).ravel()
    return np.bincount(idx, weights=segments.ravel(), minlength=n)[:n]


def hann_overlap_add(func: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                     length: int) -> np.ndarray:
    """Apply ``func`` to 50 %-overlapping windows of ``x`` (N, C) and overlap-add.

    ``func`` maps a batch of windows (W, L, C) to pulses (W, L). Each pulse is
    made zero-mean, tapered with a periodic Hann window (whose 50 % overlaps sum
    to exactly 1) and added back in place. ``x`` is mirrored by half a window at
    both ends so that every frame is covered by two windows. A trace shorter
    than one window is processed whole, without taper.
    """
    from scipy.signal.windows import (
        hann,  # on first use: the CLI starts without scipy.signal
    )

    n = x.shape[0]
    length = int(length) - int(length) % 2
    if length < 2 or n < length:
        return func(x[None])[0]
    hop = length // 2
    tail = hop + (-n) % hop
    xp = np.pad(x, ((hop, tail), (0, 0)), mode="symmetric")
    windows = sliding_window_view(xp, length, axis=0)[::hop]      # (W, C, L)
    seg = np.asarray(func(np.swapaxes(windows, 1, 2)), dtype=float)  # (W, L)
    seg = (seg - seg.mean(axis=1, keepdims=True)) * hann(length, sym=False)
    blocks = np.zeros((seg.shape[0] + 1, hop))
    blocks[:-1] += seg[:, :hop]
    blocks[1:] += seg[:, hop:]
    return blocks.ravel()[hop:hop + n]


def bandpass_windows(x: np.ndarray, fs: float, band: tuple[float, float], axis: int,
                     order: int = 3) -> np.ndarray:
    """Zero-phase Butterworth band-pass of ``x`` along ``axis``, safe for short windows."""
    from scipy import signal as sps  # on first use: the CLI starts without it

    nyq = fs / 2.0
    lo, hi = band[0] / nyq, min(band[1] / nyq, 0.99)
    sos = sps.butter(order, [lo, hi], btype="bandpass", output="sos")
    n = x.shape[axis]
    padlen = min(3 * (2 * len(sos) + 1), n - 1)
    return sps.sosfiltfilt(sos, x, axis=axis, padlen=padlen)


def apply_windowed(func: Callable[[np.ndarray], np.ndarray], x: np.ndarray, fps: float,
                   window: float | None) -> np.ndarray:
    """``func`` on the whole trace ``x`` (N, C) if ``window`` is None, else on
    ``window``-second 50 %-overlapping windows with Hann overlap-add."""
    if window is None:
        return np.asarray(func(x[None]), dtype=float)[0]
    return hann_overlap_add(func, x, window_length(window, fps, even=True))


def green_orthogonal_to(c: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Green row of ``(I - u u^T) C`` per window: ``c`` (W, 3, L), unit ``direction`` u (W, 3) -> (W, L).

    The colour variation left once the main (skin-tone / specular) direction is
    projected out, read on the green channel (LGI and OMIT).
    """
    proj = np.eye(3) - direction[:, :, None] * direction[:, None, :]   # (W, 3, 3)
    return np.einsum("wj,wjl->wl", proj[:, 1, :], c)
