"""Error metrics: heart-rate errors (bpm), waveform errors and the rPPG SNR (dB).

All functions take 1-D arrays of equal, non-zero length with finite values and
raise ``ValueError`` otherwise (also when a result would overflow). Pearson's r
is NaN when either input is constant (documented, not an error): r is
undefined there.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import signal as sps
from scipy import stats

from .bands import DEFAULT_BAND_HZ
from .signal import signal_normalize
from .validate import check_pair


def _scaled_diff(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """``(u, c)`` with ``x - y == c * u`` and max |u| = 1, free of overflow/underflow.

    ``c`` is ``inf`` only when ``max |x - y|`` itself exceeds the float range.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        d = x - y
    if not np.all(np.isfinite(d)):  # huge inputs: difference of the scaled values
        s = float(max(np.max(np.abs(x)), np.max(np.abs(y))))
        d = x / s - y / s
        c = float(np.max(np.abs(d)))
        with np.errstate(over="ignore"):
            return d / c, s * c
    c = float(np.max(np.abs(d)))
    if c == 0.0:
        return np.zeros_like(d), 0.0
    return d / c, c


def _finite(value: float, what: str) -> float:
    if not np.isfinite(value):
        raise ValueError(f"{what} overflows (inputs too large)")
    return float(value)


def mae(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute error ``mean(|a - b|)`` of (N,) arrays, in their units."""
    u, c = _scaled_diff(*check_pair(a, b))
    return _finite(c * float(np.mean(np.abs(u))), "MAE")


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    """Root mean squared error ``sqrt(mean((a - b)^2))`` of (N,) arrays, in their units."""
    u, c = _scaled_diff(*check_pair(a, b))
    return _finite(c * float(np.sqrt(np.mean(u * u))), "RMSE")


def mape(pred: np.ndarray, true: np.ndarray) -> float:
    """Mean absolute percentage error ``100 * mean(|pred - true| / |true|)`` (percent).

    Raises ``ValueError`` when ``true`` contains a zero (MAPE undefined).
    """
    p, t = check_pair(pred, true, ("pred", "true"))
    if np.any(t == 0):
        raise ValueError("true contains zeros: MAPE is undefined")
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        ratio = np.abs(p / t - 1.0)  # |pred - true| / |true| without forming pred - true
        value = 100.0 * float(np.mean(ratio))
    return _finite(value, "MAPE")


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation coefficient of (N,) arrays, in [-1, 1].

    Returns NaN (documented, no warning) when ``a`` or ``b`` is constant, as
    r is undefined there. Raises ``ValueError`` for fewer than 2 samples.
    """
    x, y = check_pair(a, b)
    if x.size < 2:
        raise ValueError(f"Pearson's r needs at least 2 samples, got {x.size}")
    # r is scale invariant: scale to max |.| = 1 so nothing overflows
    x = x / max(float(np.max(np.abs(x))), np.finfo(float).tiny)
    y = y / max(float(np.max(np.abs(y))), np.finfo(float).tiny)
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.NearConstantInputWarning)
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        r = float(stats.pearsonr(x, y)[0])
    if not np.isfinite(r):  # degenerate (numerically constant) input
        return float("nan")
    return float(np.clip(r, -1.0, 1.0))


def snr_db(signal: np.ndarray, fs: float, hr_bpm: float,
           band: tuple[float, float] = DEFAULT_BAND_HZ, tolerance_hz: float = 0.1) -> float:
    """SNR (dB) of a pulse signal given its true heart rate (de Haan & Jeanne 2013).

    Power within +-``tolerance_hz`` of the fundamental ``hr_bpm / 60`` Hz and of
    the 2nd harmonic (signal) over the power in ``band`` (Hz) outside those two
    windows (noise), ``10 log10(signal / noise)``, from the periodogram of the
    mean-removed signal zero-padded to the next power of two (as
    rPPG-Toolbox). The 2nd-harmonic window may lie above ``band``.

    Raises
    ------
    ValueError
        For a bad signal (not 1-D, < 4 samples, non-finite), ``fs``, ``hr_bpm``
        (not positive, fundamental at/above Nyquist), ``band`` or
        ``tolerance_hz``, or when the signal or noise power is zero (SNR would
        be -inf/+inf/NaN).
    """
    x = np.asarray(signal, dtype=float)
    if x.ndim != 1 or x.size < 4:
        raise ValueError(f"signal must be 1-D with at least 4 samples, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("signal contains non-finite values (NaN or inf)")
    if not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"fs must be a positive finite number (Hz), got {fs!r}")
    lo, hi = (float(v) for v in band)
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 <= lo < hi):
        raise ValueError(f"band must satisfy 0 <= low < high (Hz), got {band!r}")
    if not (np.isfinite(tolerance_hz) and tolerance_hz > 0):
        raise ValueError(f"tolerance_hz must be positive, got {tolerance_hz!r}")
    f0 = float(hr_bpm) / 60.0
    if not (np.isfinite(f0) and 0 < f0 < fs / 2.0):
        raise ValueError(f"hr_bpm must be positive with hr_bpm/60 below Nyquist ({fs / 2:g} Hz), "
                         f"got {hr_bpm!r}")
    x = x / max(float(np.max(np.abs(x))), np.finfo(float).tiny)
    nfft = 1 << int(np.ceil(np.log2(x.size)))
    f, p = sps.periodogram(x - x.mean(), fs=fs, nfft=nfft, detrend=False)
    in_sig = (np.abs(f - f0) <= tolerance_hz) | (np.abs(f - 2.0 * f0) <= tolerance_hz)
    in_band = (f >= lo) & (f <= hi)
    p_sig = float(np.sum(p[in_sig]))
    p_noise = float(np.sum(p[in_band & ~in_sig]))
    if not (p_sig > 0 and p_noise > 0):
        raise ValueError(f"SNR undefined: signal power {p_sig:g}, noise power {p_noise:g} "
                         "(constant signal or no power outside the harmonic windows)")
    return float(10.0 * np.log10(p_sig / p_noise))


def waveform_errors(pred01: np.ndarray, ref01: np.ndarray, normalize: bool = True
                    ) -> dict[str, float]:
    """Waveform errors of time-aligned (N,) predicted and reference pulse signals.

    With ``normalize=True`` (default) both are min-max scaled to [0, 1] over
    the given span first (``signal_normalize``; a constant signal becomes 0.5),
    so they share one scale; pass ``normalize=False`` to use them as given.

    Returns
    -------
    dict with ``rmse``, ``mae`` (units of [0, 1]) and ``pearson`` (NaN when a
    waveform is constant, with ``normalize`` a range below 1e-12, or N < 2).
    """
    p, r = check_pair(pred01, ref01, ("pred01", "ref01"))
    if normalize:
        p, r = signal_normalize(p), signal_normalize(r)
    return {
        "rmse": rmse(p, r),
        "mae": mae(p, r),
        "pearson": pearson(p, r) if p.size >= 2 else float("nan"),
    }


def hr_errors(pred_bpm: np.ndarray, true_bpm: np.ndarray) -> dict[str, float]:
    """Heart-rate errors of (N,) predicted vs true heart rates (bpm), per video or per window.

    Returns
    -------
    dict with ``mae``, ``rmse`` (bpm), ``mape`` (percent) and ``pearson``
    (NaN when N < 2 or either array is constant).
    """
    p, t = check_pair(pred_bpm, true_bpm, ("pred_bpm", "true_bpm"))
    return {
        "mae": mae(p, t),
        "rmse": rmse(p, t),
        "mape": mape(p, t),
        "pearson": pearson(p, t) if p.size >= 2 else float("nan"),
    }
