"""LGI: local group invariance.

Pilz C. S., Zaunseder S., Krajewski J., Blazek V. (2018). Local group invariance
for heart rate estimation from face videos in the wild. IEEE/CVF Conference on
Computer Vision and Pattern Recognition Workshops (CVPRW), 1254-1262.
doi:10.1109/CVPRW.2018.00172

The dominant direction ``u`` of the RGB matrix (first left singular vector of
the 3 x N trace: the skin tone, along which brightness changes act) is
projected out with ``P = I - u u^T``, and the green row of ``P C`` is the pulse,
as pyVHR's ``cpu_LGI`` does. ``window`` (seconds) processes 50 %-overlapping
windows with Hann overlap-add instead of the whole trace (None, the default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import ClassicalMethod
from .windows import apply_windowed, check_rgb, green_orthogonal_to


def _lgi_windows(win: np.ndarray) -> np.ndarray:
    """LGI pulse of each window of a batch (W, L, 3) -> (W, L)."""
    c = np.swapaxes(win, 1, 2)                                   # (W, 3, L)
    u = np.linalg.svd(c, full_matrices=False)[0][:, :, 0]        # (W, 3) dominant direction
    return green_orthogonal_to(c, u)


def lgi_pulse(rgb: np.ndarray, fps: float, window: float | None = None) -> np.ndarray:
    """LGI pulse (N,) from ``rgb`` (N, 3) at ``fps`` Hz; ``window`` seconds or None (whole trace)."""
    x = check_rgb(rgb, fps)
    return apply_windowed(_lgi_windows, x, fps, window)


@dataclass
class LGI(ClassicalMethod):
    """Pilz et al. 2018; ``window``: None (whole trace) or window length in seconds."""

    name = "lgi"
    kind = "classical"
    paper = "Pilz et al. 2018, doi:10.1109/CVPRW.2018.00172"

    window: float | None = None

    def pulse(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        return lgi_pulse(rgb, fps, self.window)
