"""Time alignment of a method's pulse signal with the reference (ground truth).

``align_to_reference`` interpolates the method's signal onto the reference
timestamps over their common span; ``best_lag`` finds the delay that maximises
Pearson's r within +-``max_lag`` seconds; ``align_with_lag`` does both and
returns the lag used. Times in seconds, sampling rates in Hz.

Sign convention: a **positive lag means the method's signal is late**, i.e.
``pred(t + lag)`` matches ``ref(t)``; it is removed by shifting the method's
timestamps by ``-lag`` (:func:`apply_lag`). Lag search is meant for waveform
metrics only (DESIGN.md section 5); heart rates are computed without it.
"""

from __future__ import annotations

import numpy as np

from .validate import check_pair, check_timed_series

_MIN_OVERLAP = 2


def align_to_reference(times: np.ndarray, signal: np.ndarray, ref_times: np.ndarray,
                       ref_signal: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interpolate the method's signal onto the reference timestamps.

    Parameters
    ----------
    times, signal : (N,) method timestamps (s, strictly increasing) and values.
    ref_times, ref_signal : (M,) reference timestamps (s, strictly increasing) and values.

    Returns
    -------
    t : (K,) reference timestamps inside the method's time span (others dropped).
    pred : (K,) method signal linearly interpolated (``np.interp``) at ``t``.
    ref : (K,) reference values at ``t``.

    Raises
    ------
    ValueError
        For malformed input, spans that do not overlap, or an overlap holding
        fewer than 2 reference samples.
    """
    t, x = check_timed_series(times, signal, "method")
    rt, rx = check_timed_series(ref_times, ref_signal, "reference")
    if rt[-1] < t[0] or t[-1] < rt[0]:
        raise ValueError(f"time spans do not overlap: method [{t[0]:g}, {t[-1]:g}] s, "
                         f"reference [{rt[0]:g}, {rt[-1]:g}] s")
    keep = (rt >= t[0]) & (rt <= t[-1])
    k = int(np.count_nonzero(keep))
    if k < _MIN_OVERLAP:
        raise ValueError(f"time spans overlap on only {k} reference sample(s) "
                         f"(need at least {_MIN_OVERLAP}): method [{t[0]:g}, {t[-1]:g}] s, "
                         f"reference [{rt[0]:g}, {rt[-1]:g}] s")
    tk = rt[keep]
    return tk, np.interp(tk, t, x), rx[keep]


def _corr_at_lags(pred: np.ndarray, ref: np.ndarray, lags: np.ndarray) -> np.ndarray:
    """Pearson r of ``pred[i + L]`` with ``ref[i]`` for each integer lag L (NaN if constant)."""
    n = pred.size
    out = np.full(lags.size, np.nan)
    for j, lag in enumerate(lags):
        a = pred[lag:] if lag >= 0 else pred[:n + lag]
        b = ref[:n - lag] if lag >= 0 else ref[-lag:]
        a = a - a.mean()
        b = b - b.mean()
        den = np.sqrt(np.dot(a, a) * np.dot(b, b))
        if den > 0 and np.isfinite(den):
            out[j] = np.clip(np.dot(a, b) / den, -1.0, 1.0)
    return out


def best_lag(pred: np.ndarray, ref: np.ndarray, fs: float, max_lag: float = 1.0) -> float:
    """Lag (s) within +-``max_lag`` maximising Pearson's r between ``pred`` and ``ref``.

    ``pred`` and ``ref`` are (N,) on the same uniform grid at ``fs`` Hz (e.g.
    the output of :func:`align_to_reference`). Positive lag: ``pred`` is late,
    ``pred[i + lag * fs]`` matches ``ref[i]``. Lags are searched on whole
    samples, at most ``N // 2`` so at least half the samples overlap, and
    refined by parabolic interpolation of r (sub-sample result).

    Raises
    ------
    ValueError
        For mismatched lengths, fewer than 4 samples, non-finite values, bad
        ``fs``/``max_lag``, or when r is undefined at every lag (constant input).
    """
    p, r = check_pair(pred, ref, ("pred", "ref"), min_size=4)
    if not (np.isfinite(fs) and fs > 0):
        raise ValueError(f"fs must be a positive finite number (Hz), got {fs!r}")
    if not (np.isfinite(max_lag) and max_lag >= 0):
        raise ValueError(f"max_lag must be a non-negative number of seconds, got {max_lag!r}")
    # scale to avoid overflow in the products (r is scale invariant)
    p = p / max(float(np.max(np.abs(p))), np.finfo(float).tiny)
    r = r / max(float(np.max(np.abs(r))), np.finfo(float).tiny)
    n_max = int(min(np.floor(max_lag * fs + 1e-9), p.size // 2))
    lags = np.arange(-n_max, n_max + 1)
    c = _corr_at_lags(p, r, lags)
    if np.all(np.isnan(c)):
        raise ValueError("correlation undefined at every lag (constant pred or ref)")
    j = int(np.nanargmax(c))
    shift = 0.0
    if 0 < j < c.size - 1 and np.isfinite(c[j - 1]) and np.isfinite(c[j + 1]):
        den = c[j - 1] - 2.0 * c[j] + c[j + 1]
        if den < 0:
            shift = float(np.clip(0.5 * (c[j - 1] - c[j + 1]) / den, -0.5, 0.5))
    return float((lags[j] + shift) / fs)


def apply_lag(times: np.ndarray, lag: float) -> np.ndarray:
    """Method timestamps (N,) corrected for a lag (s): ``times - lag``."""
    return np.asarray(times, dtype=float) - float(lag)


def align_with_lag(times: np.ndarray, signal: np.ndarray, ref_times: np.ndarray,
                   ref_signal: np.ndarray, max_lag: float = 1.0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """:func:`align_to_reference` after removing the best lag within +-``max_lag`` s.

    The lag is found with :func:`best_lag` on the first alignment, at the
    reference's median sampling rate; the method's timestamps are then
    shifted by ``-lag`` and aligned again.

    Returns
    -------
    t, pred, ref : as :func:`align_to_reference`, after the lag correction.
    lag : the lag removed, in seconds (positive: the method was late).
    """
    t, p, r = align_to_reference(times, signal, ref_times, ref_signal)
    fs = 1.0 / float(np.median(np.diff(t)))
    lag = best_lag(p, r, fs, max_lag) if t.size >= 4 else 0.0
    t2, p2, r2 = align_to_reference(apply_lag(times, lag), signal, ref_times, ref_signal)
    return t2, p2, r2, lag
