"""OMIT: orthogonal matrix image transformation.

Casado C. A., Lopez M. B. (2023). Face2PPG: An unsupervised pipeline for blood
volume pulse extraction from faces. IEEE Journal of Biomedical and Health
Informatics 27(11), 5530-5541. doi:10.1109/JBHI.2023.3307942 (arXiv:2202.04101)

The QR decomposition ``C = Q R`` of the 3 x N RGB matrix gives an orthonormal
basis whose first column ``q`` is the main (skin-tone) direction; the trace is
projected onto its orthogonal complement with ``P = I - q q^T`` and the green
row of ``P C`` is the pulse, as pyVHR's ``cpu_OMIT`` does. (For a 3 x N matrix
``q`` is the direction of the first frame's colour.) ``window`` (seconds)
processes 50 %-overlapping windows with Hann overlap-add instead of the whole
trace (None, the default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import ClassicalMethod
from .windows import apply_windowed, check_rgb, green_orthogonal_to


def _omit_windows(win: np.ndarray) -> np.ndarray:
    """OMIT pulse of each window of a batch (W, L, 3) -> (W, L)."""
    c = np.swapaxes(win, 1, 2)                                   # (W, 3, L)
    q = np.linalg.qr(c)[0][:, :, 0]                              # (W, 3) main direction
    return green_orthogonal_to(c, q)


def omit_pulse(rgb: np.ndarray, fps: float, window: float | None = None) -> np.ndarray:
    """OMIT pulse (N,) from ``rgb`` (N, 3) at ``fps`` Hz; ``window`` seconds or None (whole trace)."""
    x = check_rgb(rgb, fps)
    return apply_windowed(_omit_windows, x, fps, window)


@dataclass
class OMIT(ClassicalMethod):
    """Casado & Lopez 2023; ``window``: None (whole trace) or window length in seconds."""

    name = "omit"
    kind = "classical"
    paper = "Casado & Lopez 2023, doi:10.1109/JBHI.2023.3307942"

    window: float | None = None

    def pulse(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        return omit_pulse(rgb, fps, self.window)
