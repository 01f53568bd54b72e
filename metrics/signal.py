"""Post-processing shared by every method and by the evaluation.

``signal_detrend`` (Tarvainen et al. 2002 smoothness priors, sparse solver),
``signal_bandpass`` (zero-phase Butterworth), ``signal_normalize`` (to [0, 1])
and ``signal_postprocess`` chaining the three. Sampling rates in Hz, bands in Hz.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps
from scipy import sparse
from scipy.sparse.linalg import spsolve

DEFAULT_BAND_HZ = (0.7, 3.0)


def signal_detrend(x: np.ndarray, lam: float = 100.0) -> np.ndarray:
    """Remove slow trends with smoothness priors (Tarvainen 2002), shape (N,) -> (N,).

    Solves ``(I + lam^2 D2'D2) z = x`` with a sparse banded solver (O(N)) and
    returns ``x - z``.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 3:
        return x - x.mean() if n else x.copy()
    d2 = sparse.diags([1.0, -2.0, 1.0], [0, 1, 2], shape=(n - 2, n), format="csc")
    a = sparse.identity(n, format="csc") + lam ** 2 * (d2.T @ d2)
    trend = spsolve(a.tocsc(), x)
    return x - trend


def signal_bandpass(x: np.ndarray, fs: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
                    order: int = 3) -> np.ndarray:
    """Zero-phase Butterworth band-pass of ``x`` (N,) sampled at ``fs`` Hz, band in Hz."""
    x = np.asarray(x, dtype=float)
    nyq = fs / 2.0
    lo, hi = band[0] / nyq, min(band[1] / nyq, 0.99)
    sos = sps.butter(order, [lo, hi], btype="bandpass", output="sos")
    padlen = min(x.size - 1, 3 * (2 * len(sos) + 1) * 3)
    if x.size < 4:
        return x - x.mean()
    return sps.sosfiltfilt(sos, x, padlen=max(padlen, 0))


def signal_normalize(x: np.ndarray) -> np.ndarray:
    """Min-max scale ``x`` (N,) to [0, 1]; a constant signal maps to 0.5."""
    x = np.asarray(x, dtype=float)
    lo, hi = float(np.min(x)), float(np.max(x))
    if not np.isfinite(lo) or not np.isfinite(hi):
        raise ValueError("signal contains non-finite values")
    if hi - lo < 1e-12:
        return np.full_like(x, 0.5)
    return (x - lo) / (hi - lo)


#: sampling rate (Hz) at which ``detrend_lambda`` values are given (rPPG-Toolbox's 30 fps)
LAMBDA_REFERENCE_FS = 30.0


def detrend_lambda_at(lam: float, fs: float, reference_fs: float = LAMBDA_REFERENCE_FS) -> float:
    """``lam`` given at ``reference_fs`` Hz, scaled to ``fs`` Hz so the detrender's
    cut-off frequency stays the same (it scales with ``fs / sqrt(lam)``)."""
    return lam * (fs / reference_fs) ** 2


def signal_postprocess(x: np.ndarray, fs: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
                       detrend_lambda: float | None = 100.0) -> np.ndarray:
    """Detrend, band-pass and normalise a raw pulse signal (N,) at ``fs`` Hz to [0, 1].

    ``detrend_lambda`` is given for 30 Hz (lambda 100 at 30 fps, as in the
    literature) and scaled to ``fs`` (:func:`detrend_lambda_at`); a fixed lambda
    would move the cut-off to 1.35 Hz at 60 Hz and remove resting heart rates.
    """
    y = np.asarray(x, dtype=float)
    if detrend_lambda:
        y = signal_detrend(y, detrend_lambda_at(detrend_lambda, fs))
    y = signal_bandpass(y, fs, band)
    return signal_normalize(y)
