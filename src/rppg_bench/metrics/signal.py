"""Post-processing shared by every method and by the evaluation.

``signal_detrend`` (Tarvainen et al. 2002 smoothness priors, banded Cholesky
solver), ``signal_bandpass`` (zero-phase Butterworth), ``signal_normalize`` (to
[0, 1]) and ``signal_postprocess`` chaining the three. Sampling rates in Hz,
bands in Hz. The detrender's factorisation and the filters' coefficients depend
only on (length, lambda) and (order, band, fs): they are computed once per
process and reused (the windowed heart rate calls both for every window).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .bands import DEFAULT_BAND_HZ
from .filter_design import bandpass_sos, sos_steady_state


def signal_detrend(x: np.ndarray, lam: float = 100.0) -> np.ndarray:
    """Remove slow trends with smoothness priors (Tarvainen 2002), shape (N,) -> (N,), or
    (W, N) -> (W, N) detrending each row.

    Solves ``(I + lam^2 D2'D2) z = x`` (``D2`` the second-difference matrix)
    with the Cholesky factor of that symmetric positive-definite pentadiagonal
    matrix (O(N), cached per ``(N, lam)``) and returns ``x - z``.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1] if x.ndim else 0
    if n < 3:
        return x - x.mean(axis=-1, keepdims=True) if n else x.copy()
    from scipy.linalg import (
        cho_solve_banded,  # on first use: the CLI starts without scipy
    )

    trend = cho_solve_banded((detrend_factor(n, float(lam)), False), x.T, check_finite=False).T
    return x - trend


@lru_cache(maxsize=32)
def detrend_factor(n: int, lam: float) -> np.ndarray:
    """Upper banded Cholesky factor (3, n) of ``I + lam^2 D2'D2`` (read-only)."""
    # diagonal k of D2'D2 sums, over the n - 2 rows (1, -2, 1) of D2, the products of the
    # coefficients k apart: 1 5 6 ... 6 5 1; -2 -4 ... -4 -2; 1 ... 1
    d, rows = np.array([1.0, -2.0, 1.0]), np.ones(n - 2)
    main, off1, off2 = (np.convolve(rows, d[:3 - k] * d[k:]) for k in range(3))
    ab = np.zeros((3, n))
    ab[2] = 1.0 + lam ** 2 * main
    ab[1, 1:] = lam ** 2 * off1
    ab[0, 2:] = lam ** 2 * off2
    from scipy.linalg import cholesky_banded

    factor = cholesky_banded(ab, lower=False, check_finite=False)
    factor.setflags(write=False)
    return factor


@lru_cache(maxsize=256)
def bandpass_design(order: int, lo: float, hi: float) -> tuple[np.ndarray, np.ndarray]:
    """The Butterworth band-pass's second-order sections (``scipy.signal.butter(order, [lo, hi],
    btype="bandpass", output="sos")``) and their steady-state initial conditions (``sosfilt_zi``),
    for normalised edges ``lo``, ``hi`` (fractions of the Nyquist frequency); memoised (shared: do
    not modify). Computed by :mod:`.filter_design`, equal to SciPy's and 6x faster: the windowed
    heart rate designs two filters per window around that window's rate."""
    sos = bandpass_sos(order, lo, hi)
    return sos, sos_steady_state(sos)


def sosfiltfilt_zi(sos: np.ndarray, zi: np.ndarray, x: np.ndarray, padlen: int | None = None) -> np.ndarray:
    """``scipy.signal.sosfiltfilt(sos, x, padlen=padlen)`` (odd padding) along the last axis of ``x``
    (N,) or (W, N), with the initial conditions ``zi = sosfilt_zi(sos)`` given instead of solved for
    on every call; ``padlen`` None: SciPy's default for sections without zero coefficients,
    ``3 (2 sections + 1)``."""
    if padlen is None:
        padlen = 3 * (2 * len(sos) + 1)
    if padlen > 0:
        if x.shape[-1] <= padlen:
            raise ValueError(f"The length of the input vector x must be greater than padlen, which is {padlen}.")
        x = np.concatenate([2 * x[..., :1] - x[..., padlen:0:-1], x,
                            2 * x[..., -1:] - x[..., -2:-(padlen + 2):-1]], axis=-1)
    zi = zi.reshape(zi.shape[0], *([1] * (x.ndim - 1)), 2)  # (sections, 1.., 2): one state per row
    from scipy.signal import sosfilt

    y, _ = sosfilt(sos, x, zi=zi * x[None, ..., :1])
    y, _ = sosfilt(sos, y[..., ::-1], zi=zi * y[None, ..., -1:])
    y = y[..., ::-1]
    return y[..., padlen:-padlen] if padlen > 0 else y


def signal_bandpass(x: np.ndarray, fs: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
                    order: int = 3) -> np.ndarray:
    """Zero-phase Butterworth band-pass of ``x`` (N,), or of each row of (W, N), at ``fs`` Hz; band in Hz."""
    x = np.asarray(x, dtype=float)
    nyq = fs / 2.0
    lo, hi = band[0] / nyq, min(band[1] / nyq, 0.99)
    sos, zi = bandpass_design(int(order), float(lo), float(hi))
    n = x.shape[-1]
    padlen = min(n - 1, 3 * (2 * len(sos) + 1) * 3)
    if n < 4:
        return x - x.mean(axis=-1, keepdims=True)
    return sosfiltfilt_zi(sos, zi, x, max(padlen, 0))


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
