"""Breathing rate (breaths/min) from a pulse signal, and from a respiration reference.

Breathing modulates the pulse in three ways (Karlen et al. 2013, "Multiparameter
respiratory rate estimation from the photoplethysmogram", IEEE TBME 60(7),
doi:10.1109/TBME.2013.2246160; Charlton et al. 2016, Physiol. Meas. 37(4),
doi:10.1088/0967-3334/37/4/610):

- RIIV, respiratory-induced intensity variation: the mean of each beat (baseline);
- RIAV, amplitude variation: each beat's peak minus its preceding trough;
- RIFV, frequency variation: the inter-beat interval (IBI).

Beats are found with ``scipy.signal.find_peaks`` on the band-passed pulse; the
three beat series are measured on the pulse as given (RIIV lives below the
heart-rate band, so ``signal`` must not be band-passed already: pass
``modulations=("riav", "rifv")`` for such signals), resampled at
``RESAMPLE_HZ`` by linear interpolation, and each one's rate is the highest
local maximum of its Hann-windowed, zero-padded periodogram inside
``BREATHING_BAND_HZ``. Smart fusion (Karlen 2013): the mean of the rates when
their standard deviation is at most ``FUSION_SD_BPM``, otherwise no estimate.

Times in seconds, sampling rates and frequencies in Hz, breathing rates in
breaths per minute (bpm in names).

The beats are found here by their own rule (a quarter of the 5-95 % range),
not by :func:`.beats.beat_times` (a share of the 90th-percentile prominence):
with that rule the beat-shape test below lets through noisy pulses whose
breathing rates are wrong (measured on hard synthetic recordings, where this
rule gives a reason instead), so the two stay apart. The beat-shape test itself
is :func:`.beats.template_correlation`, shared with the HRV evaluation.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
from scipy import signal as sps

from .bands import DEFAULT_BAND_HZ
from .beats import template_correlation
from .defaults import (
    BREATHING_BAND_HZ,
    FUSION_SD_BPM,
    MIN_BREATHS,
    MIN_TEMPLATE_CORRELATION,
)
from .signal import signal_bandpass
from .spectra import hann_periodogram, nfft

#: rate (Hz) at which the beat-by-beat modulation series are resampled
RESAMPLE_HZ = 4.0

#: band (Hz) keeping the beat's shape (harmonics up to 8 Hz) for the template correlation;
#: its top is lowered to 0.45 fs at low sampling rates
SHAPE_BAND_HZ = (DEFAULT_BAND_HZ[0], 8.0)


#: the respiratory modulations, in the order of the result's keys
MODULATIONS = ("riiv", "riav", "rifv")


def breathing_rate(signal: np.ndarray, fs: float, band: tuple[float, float] = BREATHING_BAND_HZ,
                   modulations: tuple[str, ...] = MODULATIONS,
                   fusion_sd_bpm: float = FUSION_SD_BPM,
                   min_quality: float = MIN_TEMPLATE_CORRELATION) -> dict:
    """Breathing rate of a pulse ``signal`` (N,) sampled at ``fs`` Hz.

    Returns a dict: ``rate_bpm`` (fused breaths/min, or None), ``riiv_bpm``,
    ``riav_bpm``, ``rifv_bpm`` (each modulation's rate, None when it has no
    spectral peak in ``band`` or was not asked for), ``n_beats`` and
    ``reason`` (None with a rate, else why there is none).
    """
    x = _check_pulse(signal, fs)
    unknown = set(modulations) - set(MODULATIONS)
    if unknown or not modulations:
        raise ValueError(f"modulations must be a non-empty subset of {MODULATIONS}, got {modulations!r}")
    result = {"rate_bpm": None, **{f"{m}_bpm": None for m in MODULATIONS}, "n_beats": 0, "reason": None}
    need_s = MIN_BREATHS / band[0]
    if x.size / fs < need_s:
        return {**result, "reason": f"too short: {x.size / fs:.1f} s, need {need_s:g} s"}
    found = _bandpassed_peaks(signal_bandpass(x, fs, DEFAULT_BAND_HZ), fs)
    peaks, troughs = _beat_extremes(x, found)
    result["n_beats"] = int(peaks.size)
    if peaks.size < 4 or (peaks[-1] - peaks[0]) / fs < need_s:
        return {**result, "reason": f"too few beats: {peaks.size}"}
    quality = _shape_quality(x, fs, found)
    if quality < min_quality:
        return {**result, "reason": f"beats unlike their template: correlation {quality:.2f} < {min_quality:g}"}
    series = _modulation_series(x, fs, peaks, troughs)
    for name in modulations:
        t, v = series[name]
        result[f"{name}_bpm"] = _series_rate(t, v, band)
    rates = [result[f"{m}_bpm"] for m in modulations]
    if any(r is None for r in rates):
        missing = [m for m, r in zip(modulations, rates) if r is None]
        return {**result, "reason": f"no breathing peak in {', '.join(missing).upper()}"}
    spread = float(np.std(rates))
    if spread > fusion_sd_bpm:
        return {**result, "reason": f"modulations disagree: sd {spread:.1f} > {fusion_sd_bpm:g} breaths/min"}
    return {**result, "rate_bpm": float(np.mean(rates))}


def breathing_rate_windowed(signal: np.ndarray, fs: float, window: float = 32.0, step: float = 4.0,
                            **kwargs) -> dict:
    """``breathing_rate`` in sliding windows of ``window`` s starting every ``step`` s; a
    signal shorter than one window gives one window covering all of it. Sample ``i``
    is at ``i / fs`` s; ``kwargs`` go to ``breathing_rate``.

    Returns a dict of (W,) arrays: ``times`` (window centres, s), ``rate_bpm``,
    ``riiv_bpm``, ``riav_bpm``, ``rifv_bpm`` (NaN where none), ``n_beats`` and
    ``reason`` (object array, None where there is a rate).
    """
    x = _check_pulse(signal, fs)
    starts, n_win = window_starts(x.size, fs, window, step)
    rows = [breathing_rate(x[s:s + n_win], fs, **kwargs) for s in starts]
    out = {"times": (starts + (n_win - 1) / 2.0) / fs}
    for key in ("rate_bpm", *(f"{m}_bpm" for m in MODULATIONS)):
        out[key] = np.array([np.nan if r[key] is None else r[key] for r in rows], dtype=float)
    out["n_beats"] = np.array([r["n_beats"] for r in rows], dtype=int)
    out["reason"] = np.array([r["reason"] for r in rows], dtype=object)
    return out


def window_starts(n: int, fs: float, window: float, step: float) -> tuple[np.ndarray, int]:
    """First samples (W,) and length (samples) of the windows of ``window`` s every ``step`` s over
    ``n`` samples at ``fs`` Hz; one window of all ``n`` when they are not longer than one window.
    ValueError unless ``window`` and ``step`` are positive."""
    for name, value in (("window", window), ("step", step)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    n_win = int(np.round(window * fs))
    if n <= n_win:
        return np.array([0]), n
    return np.arange(0, n - n_win + 1, max(1, int(np.round(step * fs)))), n_win


def respiration_rate_windowed(resp_signal: np.ndarray, fs: float, window: float = 32.0, step: float = 4.0,
                              band: tuple[float, float] = BREATHING_BAND_HZ) -> dict:
    """:func:`respiration_reference_rate` in the windows of :func:`breathing_rate_windowed`.

    Returns a dict of (W,) arrays: ``times`` (window centres, s, sample 0 at 0 s),
    ``rate_bpm`` (NaN where none) and ``reason`` (object array, None where there is a rate).
    """
    x = _check_pulse(resp_signal, fs)
    starts, n_win = window_starts(x.size, fs, window, step)
    rates, reasons = [], []
    for s in starts:
        try:
            rates.append(respiration_reference_rate(x[s:s + n_win], fs, band))
            reasons.append(None)
        except ValueError as exc:
            rates.append(np.nan)
            reasons.append(str(exc))
    return {"times": (starts + (n_win - 1) / 2.0) / fs, "rate_bpm": np.array(rates, dtype=float),
            "reason": np.array(reasons, dtype=object)}


def respiration_reference_rate(resp_signal: np.ndarray, fs: float,
                               band: tuple[float, float] = BREATHING_BAND_HZ) -> float:
    """Breathing rate (breaths/min) of a respiration reference (belt, airflow) ``resp_signal``
    (N,) at ``fs`` Hz: the largest peak of its linearly detrended, Hann-windowed,
    zero-padded periodogram inside ``band``. A ValueError if it is shorter than
    ``MIN_BREATHS`` at the band's low edge or has no power in the band."""
    x = _check_pulse(resp_signal, fs)
    need_s = MIN_BREATHS / band[0]
    if x.size / fs < need_s:
        raise ValueError(f"respiration signal too short: {x.size / fs:.1f} s, need {need_s:g} s")
    rate = _spectral_rate(sps.detrend(x), fs, band, local_max=False)
    if rate is None:
        raise ValueError("respiration signal has no power in the breathing band")
    return rate


def pulse_quality(signal: np.ndarray, fs: float) -> float:
    """Signal quality of a pulse ``signal`` (N,) at ``fs`` Hz, the test :func:`breathing_rate`
    applies: the mean correlation of its beats with their average (Orphanidou et al. 2015;
    :func:`.beats.template_correlation`), 0-1; below :data:`MIN_TEMPLATE_CORRELATION` the
    beats are too unlike each other to be trusted."""
    x = _check_pulse(signal, fs)
    return _shape_quality(x, fs, _bandpassed_peaks(signal_bandpass(x, fs, DEFAULT_BAND_HZ), fs))


def _shape_quality(x: np.ndarray, fs: float, peaks: np.ndarray) -> float:
    """Template correlation of the beats at ``peaks`` (K,) of ``x`` (N,) band-passed to
    :data:`SHAPE_BAND_HZ` (its top lowered to 0.45 ``fs``)."""
    shape_band = (SHAPE_BAND_HZ[0], min(SHAPE_BAND_HZ[1], 0.45 * fs))
    return template_correlation(signal_bandpass(x, fs, shape_band), peaks)


def _check_pulse(signal: np.ndarray, fs: float) -> np.ndarray:
    """``signal`` as a finite 1-D float array; ValueError otherwise or for a bad ``fs``."""
    if not (isinstance(fs, (int, float, np.integer, np.floating)) and np.isfinite(fs) and fs > 0):
        raise ValueError(f"sampling rate fs must be a positive finite number (Hz), got {fs!r}")
    x = np.asarray(signal, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"signal must be 1-D, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("signal contains non-finite values (NaN or inf)")
    return x


def _beat_extremes(x: np.ndarray, peaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Systolic peaks (K-1,) and the trough before each (K-1,), sample indices into ``x`` (N,),
    from the band-passed pulse's ``peaks`` (K,): each trough is the minimum of ``x`` after one
    band-passed peak up to the next, each peak the maximum of ``x`` from its trough to the
    next trough (or the end)."""
    if peaks.size < 2:
        return peaks[:0], peaks[:0]
    troughs = np.array([a + 1 + np.argmin(x[a + 1:b + 1]) for a, b in pairwise(peaks)])
    ends = np.append(troughs[1:], x.size - 1)
    return np.array([a + np.argmax(x[a:b + 1]) for a, b in zip(troughs, ends)]), troughs


def _bandpassed_peaks(y: np.ndarray, fs: float) -> np.ndarray:
    """Sample indices of the beats' peaks in the band-passed pulse ``y`` (N,): at least one
    beat at the band's top rate apart, prominent by a quarter of its 5-95 % range."""
    spread = np.percentile(y, 95) - np.percentile(y, 5)
    return sps.find_peaks(y, distance=max(1, int(fs / DEFAULT_BAND_HZ[1])), prominence=0.25 * spread)[0]


def _modulation_series(x: np.ndarray, fs: float, peaks: np.ndarray,
                       troughs: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-beat (times s, values) of each modulation from ``peaks`` and ``troughs`` (K,):
    RIIV the mean of ``x`` from each trough to the next, RIAV peak minus trough, RIFV the
    interval (s) between consecutive peaks, at the later one."""
    t_peak = peaks / fs
    means = np.array([x[a:b].mean() for a, b in pairwise(troughs)])
    return {
        "riiv": ((troughs[:-1] + troughs[1:]) / (2 * fs), means),
        "riav": (t_peak, x[peaks] - x[troughs]),
        "rifv": (t_peak[1:], np.diff(t_peak)),
    }


def _series_rate(t: np.ndarray, v: np.ndarray, band: tuple[float, float]) -> float | None:
    """Rate (breaths/min) of a beat series ``v`` (K,) at times ``t`` (K,) s: resampled at
    ``RESAMPLE_HZ``, linearly detrended, then its spectral peak in ``band``."""
    grid = np.arange(t[0], t[-1], 1.0 / RESAMPLE_HZ)
    if grid.size < 8:
        return None
    return _spectral_rate(sps.detrend(np.interp(grid, t, v)), RESAMPLE_HZ, band, local_max=True)


def _spectral_rate(y: np.ndarray, fs: float, band: tuple[float, float], local_max: bool) -> float | None:
    """Frequency (breaths/min) of the largest bin of ``y``'s (N,) zero-padded Hann periodogram
    inside ``band``; with ``local_max`` only bins above both neighbours count, so power
    leaking in from outside the band is no peak. None when there is none."""
    f, p = hann_periodogram(y, fs, nfft(y.size, fs))
    inside = (f >= band[0]) & (f <= band[1])
    if local_max:
        inside[1:-1] &= (p[1:-1] > p[:-2]) & (p[1:-1] > p[2:])
        inside[[0, -1]] = False
    if not np.any(inside) or not np.any(p[inside] > 0):
        return None
    return float(f[inside][np.argmax(p[inside])] * 60.0)
