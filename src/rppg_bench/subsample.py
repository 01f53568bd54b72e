"""Sub-sample location of a sampled extremum: the vertex of the parabola through three samples.

A module of its own, below ``datasets`` and ``metrics``, so that the beat marks of recorded
pulses (``datasets.ppg_recordings``) and the beats, peaks and lags of the metrics share it.
"""

from __future__ import annotations

import numpy as np


def parabolic_offset(y: np.ndarray, i: int) -> float:
    """Sub-sample offset (samples, within +-0.5) of the extremum of the parabola through
    ``y[i-1]``, ``y[i]``, ``y[i+1]`` of ``y`` (N,); 0 at the ends or where the three are collinear."""
    if i <= 0 or i >= y.size - 1:
        return 0.0
    a, b, c = y[i - 1], y[i], y[i + 1]
    den = a - 2.0 * b + c
    if den == 0 or not np.isfinite(den):
        return 0.0
    return float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
