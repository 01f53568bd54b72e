"""Heart-rate variability (HRV) indices from beat times, and their differences between two beat series.

Time domain (Task Force of the ESC/NASPE 1996, doi:10.1161/01.CIR.93.5.1043):
mean inter-beat interval (IBI, ms), SDNN (sample standard deviation of the IBIs,
ms), RMSSD (root mean square of successive IBI differences, ms) and pNN50 (share
of successive differences above 50 ms, %). Frequency domain: LF/HF, the ratio of
the IBI series' power in 0.04-0.15 Hz to that in 0.15-0.4 Hz, from a Welch
spectrum of the IBIs resampled at 4 Hz (cubic spline); the Task Force asks for
at least 2 min for LF, so a shorter recording gets a reason, not a number.

Every index ``name`` comes with ``name_reason``: None when the index was
computed, else why not (too few beats, too short a recording).
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps
from scipy.integrate import trapezoid
from scipy.interpolate import CubicSpline

from .defaults import MIN_BEATS, MIN_LF_HF_DURATION_S

#: rate (Hz) at which the IBI series is resampled for its spectrum
IBI_RESAMPLE_HZ = 4.0

LF_BAND_HZ = (0.04, 0.15)
HF_BAND_HZ = (0.15, 0.4)

#: relative change of an inter-beat interval from the previous one beyond which it counts as an artefact
#: (the 20 % rule of HRV artefact editing, Malik et al., Eur Heart J 1989; see :func:`artefact_share`)
ARTEFACT_CHANGE = 0.2

#: the indices :func:`hrv_indices` returns, in order
HRV_INDICES = ("mean_ibi_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct", "lf_hf")


def artefact_share(beats_s: np.ndarray, change: float = ARTEFACT_CHANGE) -> float:
    """Share (0-1) of successive inter-beat intervals of ``beats_s`` (s, increasing) that differ from
    the previous interval by more than ``change`` of it: missed, extra or misplaced beats (the
    "20 % rule" of HRV artefact editing); 0 with fewer than two intervals."""
    ibi = np.diff(np.asarray(beats_s, dtype=float))
    if ibi.size < 2:
        return 0.0
    return float(np.mean(np.abs(np.diff(ibi)) > change * ibi[:-1]))


def _band_power(f: np.ndarray, p: np.ndarray, band: tuple[float, float]) -> float:
    """Power of spectrum ``p`` over frequencies ``f`` (Hz) in ``band`` (Hz), trapezoid rule."""
    inside = (f >= band[0]) & (f <= band[1])
    return float(trapezoid(p[inside], f[inside])) if inside.sum() > 1 else 0.0


def lf_hf_ratio(beats_s: np.ndarray, resample_hz: float = IBI_RESAMPLE_HZ,
                lf_band: tuple[float, float] = LF_BAND_HZ,
                hf_band: tuple[float, float] = HF_BAND_HZ) -> float:
    """LF/HF of beat times ``beats_s`` (K,) in s, K >= 4: the IBI series (placed at each
    interval's end beat) resampled at ``resample_hz`` Hz by a cubic spline, mean removed,
    Welch spectrum (Hann, 256 samples or the whole series if shorter), band powers in Hz bands.
    NaN when the HF power is zero."""
    beats = np.asarray(beats_s, dtype=float)
    ibi = np.diff(beats)
    grid = np.arange(beats[1], beats[-1], 1.0 / resample_hz)
    series = CubicSpline(beats[1:], ibi)(grid)
    f, p = sps.welch(series - series.mean(), fs=resample_hz, nperseg=min(256, grid.size))
    hf = _band_power(f, p, hf_band)
    return _band_power(f, p, lf_band) / hf if hf > 0 else float("nan")


def hrv_indices(beats_s: np.ndarray,
                min_lf_hf_duration_s: float = MIN_LF_HF_DURATION_S) -> dict[str, float | str | None]:
    """HRV indices of beat times ``beats_s`` (K,) in s, increasing.

    Returns each of :data:`HRV_INDICES` (None when not computed) and its
    ``<name>_reason`` (None when computed). The time-domain indices need
    :data:`MIN_BEATS` beats; LF/HF needs beats spanning ``min_lf_hf_duration_s``
    s (and at least :data:`MIN_BEATS` + 1 beats). ValueError unless the beat
    times are finite and strictly increasing.
    """
    beats = np.asarray(beats_s, dtype=float)
    if beats.ndim != 1 or np.any(np.diff(beats) <= 0) or not np.all(np.isfinite(beats)):
        raise ValueError("beat times must be a finite, strictly increasing 1-D series (s)")
    out: dict[str, float | str | None] = {}
    if beats.size < MIN_BEATS:
        return unscored_indices(f"needs >= {MIN_BEATS} beats, got {beats.size}")
    ibi_ms = 1000.0 * np.diff(beats)
    succ = np.diff(ibi_ms)
    time_domain = {
        "mean_ibi_ms": float(np.mean(ibi_ms)),
        "sdnn_ms": float(np.std(ibi_ms, ddof=1)),
        "rmssd_ms": float(np.sqrt(np.mean(succ ** 2))),
        "pnn50_pct": float(100.0 * np.mean(np.abs(succ) > 50.0)),
    }
    for name, value in time_domain.items():
        out[name], out[f"{name}_reason"] = value, None
    span = float(beats[-1] - beats[0])
    if span < min_lf_hf_duration_s or beats.size < MIN_BEATS + 1:
        out["lf_hf"] = None
        out["lf_hf_reason"] = f"needs >= {min_lf_hf_duration_s:g} s, got {span:.0f} s"
    else:
        ratio = lf_hf_ratio(beats)
        out["lf_hf"] = ratio if np.isfinite(ratio) else None
        out["lf_hf_reason"] = None if np.isfinite(ratio) else "no power in the HF band"
    return out


def hrv_differences(ref_beats_s: np.ndarray, est_beats_s: np.ndarray,
                    min_lf_hf_duration_s: float = MIN_LF_HF_DURATION_S) -> dict[str, float | str | None]:
    """Each HRV index of the reference and of the estimated beats (s) and their difference
    (:func:`paired_indices` of their :func:`hrv_indices`)."""
    return paired_indices(hrv_indices(ref_beats_s, min_lf_hf_duration_s),
                          hrv_indices(est_beats_s, min_lf_hf_duration_s))


def unscored_indices(reason: str) -> dict[str, float | str | None]:
    """:func:`hrv_indices`' result when none can be computed, each with ``reason``."""
    out: dict[str, float | str | None] = {}
    for name in HRV_INDICES:
        out[name], out[f"{name}_reason"] = None, reason
    return out


def paired_indices(ref: dict[str, float | str | None],
                   est: dict[str, float | str | None]) -> dict[str, float | str | None]:
    """Reference and estimated HRV indices (each as :func:`hrv_indices` gives them) side by side.

    Flat dict: for each ``name`` of :data:`HRV_INDICES`, ``<name>_ref``,
    ``<name>_est``, ``<name>_diff`` (estimate minus reference, None unless both
    are computed) and ``<name>_reason`` (None, or why one side has no value,
    prefixed with ``ref:`` / ``est:``).
    """
    out: dict[str, float | str | None] = {}
    for name in HRV_INDICES:
        r, e = ref[name], est[name]
        out[f"{name}_ref"], out[f"{name}_est"] = r, e
        out[f"{name}_diff"] = float(e) - float(r) if r is not None and e is not None else None
        reasons = [f"{side}: {why[f'{name}_reason']}" for side, why in (("ref", ref), ("est", est))
                   if why[f"{name}_reason"]]
        out[f"{name}_reason"] = "; ".join(reasons) or None
    return out
