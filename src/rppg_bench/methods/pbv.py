"""PBV: blood-volume pulse signature.

de Haan G., van Leest A. (2014). Improved motion robustness of remote-PPG by
using the blood volume pulse signature. Physiological Measurement 35(9),
1913-1926. doi:10.1088/0967-3334/35/9/1913

The channels are normalised by their means (``C = RGB / mean - 1``) and
band-passed (``band``, Hz) to ``Cf``. The pulse is the combination of least
in-band energy whose response to the pulse signature ``Pbv`` is fixed:
``Q = Cf^T Cf``, ``W = solve(Q, Pbv)``, pulse ``= C W / (Pbv . W)`` (applied
to the unfiltered ``C``; the shared post-processing band-passes); noise and
motion, whose colour directions differ from ``Pbv``, are suppressed. ``Pbv``
is estimated from the data as the normalised standard deviations of the
band-passed channels (as pyVHR's ``cpu_PBV``), or fixed with ``signature``
(the paper measured about ``(0.33, 0.77, 0.53)`` for a CCD camera under
halogen light). ``window`` (seconds) processes 50 %-overlapping windows with
Hann overlap-add instead of the whole trace (None, the default).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from ..metrics.bands import DEFAULT_BAND_HZ
from .base import ClassicalMethod
from .windows import apply_windowed, bandpass_windows, check_rgb, safe_divide


def _pbv_windows(win: np.ndarray, fps: float, band: tuple[float, float],
                 signature: tuple[float, float, float] | None) -> np.ndarray:
    """PBV pulse of each window of a batch (W, L, 3) -> (W, L)."""
    cn = safe_divide(win, win.mean(axis=1, keepdims=True)) - 1.0  # (W, L, 3)
    c = bandpass_windows(cn, fps, band, axis=1)
    if signature is None:
        sd = c.std(axis=1)                                         # (W, 3)
    else:
        sd = np.broadcast_to(np.asarray(signature, dtype=float), (c.shape[0], 3))
    pbv = safe_divide(sd, np.linalg.norm(sd, axis=1, keepdims=True))
    q = np.einsum("wlc,wld->wcd", c, c)                            # (W, 3, 3)
    scale = np.trace(q, axis1=1, axis2=2) / 3.0
    ridge = np.where(scale > 0, 1e-9 * scale, 1.0)                 # all-zero window: W = Pbv
    q = q + ridge[:, None, None] * np.eye(3)
    w = np.linalg.solve(q, pbv[:, :, None])[:, :, 0]               # (W, 3)
    # weights from the band-passed traces, applied to the unfiltered ones: the
    # shared post-processing band-passes once (a second pass would attenuate
    # low heart rates near the band edge further)
    return safe_divide(np.einsum("wlc,wc->wl", cn, w), np.sum(pbv * w, axis=1)[:, None])


def pbv_pulse(rgb: np.ndarray, fps: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
              signature: tuple[float, float, float] | None = None,
              window: float | None = None) -> np.ndarray:
    """PBV pulse (N,) from ``rgb`` (N, 3) at ``fps`` Hz.

    ``band`` in Hz; ``signature`` a fixed Pbv (R, G, B) or None to estimate it;
    ``window`` seconds or None (whole trace).
    """
    x = check_rgb(rgb, fps)
    func = partial(_pbv_windows, fps=fps, band=band, signature=signature)
    return apply_windowed(func, x, fps, window)


@dataclass
class PBV(ClassicalMethod):
    """de Haan & van Leest 2014; ``signature``: fixed Pbv or None (estimated),
    ``window``: None (whole trace) or window length in seconds."""

    name = "pbv"
    kind = "classical"
    paper = "de Haan & van Leest 2014, doi:10.1088/0967-3334/35/9/1913"

    signature: tuple[float, float, float] | None = None
    window: float | None = None

    def pulse(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        return pbv_pulse(rgb, fps, self.band, self.signature, self.window)
