"""CHROM: chrominance-based rPPG.

de Haan G., Jeanne V. (2013). Robust pulse rate from chrominance-based rPPG.
IEEE Transactions on Biomedical Engineering 60(10), 2878-2886.
doi:10.1109/TBME.2013.2266196

The trace is cut into 50 %-overlapping windows of ``window`` seconds. In each,
the channels are normalised by their window means, the chrominance signals
``X = 3R - 2G`` and ``Y = 1.5R + G - 1.5B`` are band-passed (``band``, Hz) to
``Xf, Yf``, and the window pulse is ``Xf - alpha Yf`` with
``alpha = std(Xf) / std(Yf)``; pulses are Hann-windowed and overlap-added.
A brightness change common to all channels appears equally in ``X`` and ``Y``
and cancels. Each window is band-passed on its own (as in the iPhys and
rPPG-Toolbox implementations): with 1.6 s windows this attenuates rates near
the lower band edge, and below about 50 bpm the second harmonic can win.

Sign: the paper's ``Xf - alpha Yf`` falls when the skin's reflected green light
rises; it is negated here so that, like every classical method of the
harness, the pulse rises with the green channel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..metrics.bands import DEFAULT_BAND_HZ
from .base import ClassicalMethod
from .windows import (
    bandpass_windows,
    check_rgb,
    hann_overlap_add,
    safe_divide,
    window_length,
)


def _chrom_windows(win: np.ndarray, fps: float, band: tuple[float, float]) -> np.ndarray:
    """CHROM pulse of each window of a batch (W, L, 3) -> (W, L)."""
    cn = safe_divide(win, win.mean(axis=1, keepdims=True))
    r, g, b = cn[..., 0], cn[..., 1], cn[..., 2]
    xf = bandpass_windows(3.0 * r - 2.0 * g, fps, band, axis=1)
    yf = bandpass_windows(1.5 * r + g - 1.5 * b, fps, band, axis=1)
    alpha = safe_divide(xf.std(axis=1), yf.std(axis=1))[:, None]
    return alpha * yf - xf  # = -(Xf - alpha Yf): rises with green, see module docstring


def chrom_pulse(rgb: np.ndarray, fps: float, window: float = 1.6,
                band: tuple[float, float] = DEFAULT_BAND_HZ) -> np.ndarray:
    """CHROM pulse (N,) from ``rgb`` (N, 3) at ``fps`` Hz; ``window`` in seconds, ``band`` in Hz."""
    x = check_rgb(rgb, fps)
    length = window_length(window, fps, even=True)
    return hann_overlap_add(lambda w: _chrom_windows(w, fps, band), x, length)


@dataclass
class CHROM(ClassicalMethod):
    """de Haan & Jeanne 2013; ``window``: overlap-add window length in seconds.

    The chrominance band-pass uses the method's ``band`` (also used by the
    shared post-processing).
    """

    name = "chrom"
    kind = "classical"
    paper = "de Haan & Jeanne 2013, doi:10.1109/TBME.2013.2266196"

    window: float = 1.6

    def pulse(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        return chrom_pulse(rgb, fps, self.window, self.band)
