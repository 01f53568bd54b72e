"""POS: plane orthogonal to skin.

Wang W., den Brinker A. C., Stuijk S., de Haan G. (2017). Algorithmic principles
of remote PPG. IEEE Transactions on Biomedical Engineering 64(7), 1479-1491.
doi:10.1109/TBME.2016.2609282

In every sliding window of ``window`` seconds (step one frame) the RGB trace is
temporally normalised (divided by its window mean), projected onto the plane
orthogonal to the normalised skin tone ``[1, 1, 1]`` by
``P = [[0, 1, -1], [-2, 1, 1]]``, the two projections are combined with
``alpha = std(S1) / std(S2)`` ("alpha tuning"), and the zero-mean window
pulse is overlap-added into the output (Algorithm 1 of the paper). Brightness
changes common to all channels are cancelled exactly by the projection.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .base import ClassicalMethod
from .windows import check_rgb, overlap_add, safe_divide, window_length

#: projection onto the plane orthogonal to the skin tone (eq. 6 of the paper)
POS_PROJECTION = np.array([[0.0, 1.0, -1.0], [-2.0, 1.0, 1.0]])


def pos_pulse(rgb: np.ndarray, fps: float, window: float = 1.6) -> np.ndarray:
    """POS pulse (N,) from ``rgb`` (N, 3) at ``fps`` Hz with ``window`` seconds."""
    x = check_rgb(rgb, fps)
    n = x.shape[0]
    length = min(window_length(window, fps), n)
    win = sliding_window_view(x, length, axis=0)                    # (W, 3, L)
    cn = safe_divide(win, win.mean(axis=2, keepdims=True))         # temporal normalisation
    s = np.einsum("kc,wcl->wkl", POS_PROJECTION, cn)               # (W, 2, L)
    std = s.std(axis=2)
    alpha = safe_divide(std[:, 0], std[:, 1])[:, None]
    h = s[:, 0] + alpha * s[:, 1]
    h -= h.mean(axis=1, keepdims=True)
    return overlap_add(h, np.arange(h.shape[0]), n)


@dataclass
class POS(ClassicalMethod):
    """Wang et al. 2017; ``window``: sliding-window length in seconds (1.6 s, 32 frames at 20 fps)."""

    name = "pos"
    kind = "classical"
    paper = "Wang et al. 2017, doi:10.1109/TBME.2016.2609282"

    window: float = 1.6

    def pulse(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        return pos_pulse(rgb, fps, self.window)
