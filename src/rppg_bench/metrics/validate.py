"""Input checks shared by the metric functions (alignment, errors, heart rate).

Each raises ``ValueError`` with a message naming the arrays and the problem.
"""

from __future__ import annotations

import numpy as np


def check_pair(a: np.ndarray, b: np.ndarray, names: tuple[str, str] = ("a", "b"),
               min_size: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Float copies of two 1-D arrays of equal length (at least ``min_size``), all finite."""
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError(f"{names[0]} and {names[1]} must be 1-D, got shapes {x.shape} and {y.shape}")
    if x.size != y.size:
        raise ValueError(f"{names[0]} and {names[1]} differ in length ({x.size} vs {y.size})")
    if x.size == 0 and min_size <= 1:
        raise ValueError(f"{names[0]} and {names[1]} are empty")
    if x.size < min_size:
        raise ValueError(f"need at least {min_size} samples of {names[0]} and {names[1]}, got {x.size}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError(f"{names[0]} or {names[1]} contains non-finite values (NaN or inf)")
    return x, y


def check_timed_series(times: np.ndarray, values: np.ndarray, name: str = "",
                       min_size: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """:func:`check_pair` for ``times`` (s) and ``values`` (N,), plus strictly increasing times."""
    prefix = f"{name}: " if name else ""
    t, v = check_pair(times, values, (f"{prefix}times", "signal"), min_size)
    if np.any(np.diff(t) <= 0):
        raise ValueError(f"{prefix}times must be strictly increasing")
    return t, v
