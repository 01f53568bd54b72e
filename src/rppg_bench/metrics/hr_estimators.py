"""Heart-rate estimators (bpm), one function per ``method=`` of :func:`rppg_bench.metrics.heart_rate.hr_estimate`.

Each takes a validated signal ``x`` (N,) scaled to max |x| = 1 with zero mean, its sampling
rate ``fs`` in Hz and a checked ``band`` (low, high) in Hz, and returns a heart rate in bpm
inside ``band``; the methods are described in :mod:`rppg_bench.metrics.heart_rate`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal as sps
from scipy.ndimage import maximum_filter1d

from ..subsample import parabolic_offset
from .signal import signal_bandpass, signal_detrend
from .spectra import argmax_in_band, hann_periodogram, next_power_of_2, nfft

TOOLBOX_DETREND_LAMBDA = 100.0
"""rPPG-Toolbox's detrend lambda, applied at every sampling rate as it does."""


def _detrend_lambda(fs: float, cutoff_hz: float) -> float:
    """Smoothness-priors ``lam`` whose high-pass is at -6 dB at ``cutoff_hz`` for ``fs`` Hz.

    The detrender's response is ``a / (1 + a)``, ``a = 16 lam^2 sin^4(pi f / fs)``;
    a fixed ``lam`` would move the cut-off with ``fs`` (``lam = 100``: 0.68 Hz
    at 30 Hz but 1.35 Hz at 60 Hz, which would remove resting heart rates).
    """
    return 1.0 / (2.0 * np.sin(np.pi * min(cutoff_hz / fs, 0.25)) ** 2)


def detrend_bandpass(x: np.ndarray, fs: float, band: tuple[float, float]) -> np.ndarray:
    """Detrend (smoothness priors, cut-off ``band[0] / 2``) and band-pass ``x`` to ``band`` (Hz),
    along the last axis of ``x`` (N,) or (W, N); a ValueError if any signal has no power left."""
    y = signal_detrend(x, lam=_detrend_lambda(fs, 0.5 * band[0]))
    y = signal_bandpass(y, fs, band)
    if not np.all(np.isfinite(y)) or np.any(np.ptp(y, axis=-1) <= 1e-12 * np.maximum(1.0, np.ptp(x, axis=-1))):
        raise ValueError("signal has no power in the heart-rate band")
    return y


def hr_fft(x: np.ndarray, fs: float, band: tuple[float, float]) -> float:
    """Argmax in ``band`` of the plain (boxcar, as rPPG-Toolbox) zero-padded periodogram."""
    y = detrend_bandpass(x, fs, band)
    f, p = sps.periodogram(y, fs=fs, nfft=nfft(y.size, fs), detrend=False)
    return 60.0 * argmax_in_band(f, p, band)


def hr_welch(x: np.ndarray, fs: float, band: tuple[float, float],
             segment: float = 8.0) -> float:
    """Argmax in ``band`` of the Welch spectrum (Hann, ``segment`` s, 50 % overlap)."""
    y = detrend_bandpass(x, fs, band)
    nperseg = min(y.size, max(8, int(round(segment * fs))))
    f, p = sps.welch(y, fs=fs, window="hann", nperseg=nperseg, noverlap=nperseg // 2,
                     nfft=nfft(nperseg, fs), detrend=False)
    return 60.0 * argmax_in_band(f, p, band)


def hr_toolbox_fft(x: np.ndarray, fs: float, band: tuple[float, float]) -> float:
    """rPPG-Toolbox's FFT heart rate (``evaluation/post_process.py``), bin for bin.

    ``_detrend(x, 100)`` -> ``butter(1, [lo / fs * 2, hi / fs * 2], 'bandpass')``
    + ``filtfilt`` -> ``periodogram(nfft=next_power_of_2(N), detrend=False)`` ->
    the frequency of the largest bin with ``lo <= f <= hi``, times 60. The
    estimate is always a multiple of ``60 fs / nfft`` bpm.
    """
    y = signal_detrend(x, lam=TOOLBOX_DETREND_LAMBDA)  # sparse solve of the toolbox's dense formula
    b, a = sps.butter(1, [band[0] / fs * 2, band[1] / fs * 2], btype="bandpass")
    y = sps.filtfilt(b, a, y)
    f, p = sps.periodogram(y, fs=fs, nfft=next_power_of_2(y.size), detrend=False)
    return 60.0 * argmax_in_band(f, p, band)


def hr_peaks(x: np.ndarray, fs: float, band: tuple[float, float],
             rel_prominence: float = 0.65) -> float:
    """60 / median inter-beat interval (s) of the band-passed signal's peaks.

    Peaks are at least ``1 / band[1]`` s apart (refractory period) and have a
    prominence of at least ``rel_prominence`` times the 90th percentile of all
    peak prominences, which drops dicrotic-wave and noise peaks.
    """
    y = detrend_bandpass(x, fs, band)
    distance = max(1, int(np.floor(fs / band[1])))  # refractory period: fastest beat in band
    peaks, props = sps.find_peaks(y, distance=distance, prominence=0.0)
    if peaks.size:
        prom = props["prominences"]
        peaks = peaks[prom >= rel_prominence * np.percentile(prom, 90)]
    if peaks.size < 2:
        raise ValueError("fewer than two beats found; cannot estimate a heart rate from peaks")
    t = (peaks + np.array([parabolic_offset(y, int(i)) for i in peaks])) / fs
    ibi = float(np.median(np.diff(t)))
    return float(np.clip(60.0 / ibi, 60.0 * band[0], 60.0 * band[1]))


def autocorrelation(y: np.ndarray) -> np.ndarray:
    """Biased autocorrelation of ``y`` normalised to 1 at lag 0 (lags 0..N-1)."""
    n = y.size
    spec = np.fft.rfft(y - y.mean(), n=1 << int(np.ceil(np.log2(2 * n))))
    r = np.fft.irfft(np.abs(spec) ** 2)[:n]
    return r / r[0] if r[0] > 0 else r


def hr_autocorr(x: np.ndarray, fs: float, band: tuple[float, float],
                rel_height: float = 0.5) -> float:
    """60 / lag (s) of the first autocorrelation peak at lags ``1/band[1]..1/band[0]``.

    The first positive peak reaching ``rel_height`` of the highest one in that
    range is taken (a later multiple of the period is not), refined by
    parabolic interpolation. At half the period the autocorrelation is
    ``P2 - P1 - P3 + ...`` (harmonic powers), so a 2nd harmonic weaker than
    the fundamental and 3rd together produces no peak there.
    """
    y = detrend_bandpass(x, fs, band)
    r = autocorrelation(y)
    lag_lo = max(1, int(np.floor(fs / band[1])) - 1)
    lag_hi = min(r.size - 1, int(np.ceil(fs / band[0])) + 1)
    if lag_hi - lag_lo < 2:
        raise ValueError("signal too short for the autocorrelation lags of the band")
    seg = r[lag_lo:lag_hi + 1]
    pk, _ = sps.find_peaks(seg)
    pk = pk[seg[pk] > 0]
    if pk.size == 0:
        raise ValueError("no autocorrelation peak at lags within the heart-rate band")
    first = pk[np.argmax(seg[pk] >= rel_height * seg[pk].max())]
    lag = (lag_lo + first + parabolic_offset(r, int(lag_lo + first))) / fs
    return float(np.clip(60.0 / lag, 60.0 * band[0], 60.0 * band[1]))



def hr_harmonic(x: np.ndarray, fs: float, band: tuple[float, float],
                n_harmonics: int = 3, decay: float = 0.7, floor_factor: float = 2.0,
                sub_ratio: float = 0.12, sub_score: float = 0.6) -> float:
    """Harmonic-sum estimate with a sub-harmonic check (bpm).

    1. Spectrum: Hann-windowed, zero-padded periodogram of the signal
       band-passed wide (``min(0.5, 0.7 * band[0])`` Hz to just below Nyquist)
       so that the harmonics survive; scaled to a maximum of 1 in ``band``.
    2. Noise floor: ``P'(f) = max(P(f) - floor_factor * median_band(P), 0)``,
       so noise bins contribute (almost) nothing.
    3. Harmonic sum over candidate fundamentals ``f`` in ``band``:
       ``score(f) = sum_k decay**(k-1) * T_k(f)``, ``k = 1..n_harmonics``, where
       the tooth ``T_k(f)`` is the maximum of ``P'`` within
       ``+-(0.5 / duration + 0.03 k)`` Hz of ``k f`` (beat-to-beat variability
       smears harmonic k k times more). A sharp-peaked PPG whose 2nd or 3rd
       harmonic outweighs the fundamental still scores highest at the
       fundamental; the decaying weights keep a lone peak (a near-sinusoidal
       pulse at a fast rate) from being credited to its half.
    4. Sub-harmonic check: the (refined) winner ``f`` is replaced by ``f/3`` or ``f/2``
       (in ``band``) when the teeth of that candidate that are *not* harmonics
       of ``f`` (``j f/m`` for ``j = 1..m+1``, ``j`` not a multiple of ``m``)
       hold at least ``sub_ratio`` of the power at ``f`` -- peaks that only the
       lower rate explains (e.g. a weak fundamental and its 3rd harmonic next
       to a dominant 2nd harmonic) -- and its score is at least ``sub_score``
       of the winner's. Noise alone, mostly removed by the floor, rarely
       passes, so true fast rates are not halved.
    5. The frequency is refined to the exact spectral peak of the strongest
       tooth divided by its harmonic number (before and after step 4).

    Defaults were tuned on synthetic pulses (45-170 bpm, 2nd/3rd harmonics
    up to 4x the fundamental's power, beat-to-beat variability, white and
    1/f noise at -3 to +3 dB, 10 and 30 s windows, with and without the
    0.7-3 Hz post-processing of the methods).
    """
    return float(hr_harmonic_rows(x[None], fs, band, n_harmonics, decay, floor_factor, sub_ratio, sub_score)[0])


def hr_harmonic_rows(rows: np.ndarray, fs: float, band: tuple[float, float], *params: float) -> np.ndarray:
    """``hr_harmonic`` of every row of ``rows`` (W, N), bpm (W,): one detrend solve, one
    band-pass and one FFT for all rows, then the harmonic scoring per row."""
    y = detrend_bandpass(rows, fs, (min(0.5, 0.7 * band[0]), 0.98 * fs / 2.0))
    f, p = hann_periodogram(y, fs, nfft(y.shape[-1], fs))
    return _harmonic_pick(f, p, y.shape[-1], fs, band, *params)


def _harmonic_pick(f: np.ndarray, p: np.ndarray, n: int, fs: float, band: tuple[float, float],
                   n_harmonics: int = 3, decay: float = 0.7, floor_factor: float = 2.0,
                   sub_ratio: float = 0.12, sub_score: float = 0.6) -> np.ndarray:
    """Steps 2-5 of ``hr_harmonic`` on the spectra ``p`` (W, F) over ``f`` (F,) Hz of ``n``-sample
    signals at ``fs`` Hz: the heart rates in bpm (W,). Steps 2-3 run on all rows at once."""
    df = f[1] - f[0]
    base_tol = 1.0 / (n / fs)  # Hz; half of it plus 0.03 k Hz is the tolerance of tooth k
    in_band = (f >= band[0]) & (f <= band[1])
    if np.any(in_band):  # only bins up to the 4th harmonic of the band's top (plus its tolerance) are read
        top = max(n_harmonics, 4)
        keep = top * int(np.flatnonzero(in_band)[-1]) + _tooth_halfwidth(top, base_tol, df) + 2
        f, p, in_band = f[:keep], p[:, :keep], in_band[:keep]
    peak = p[:, in_band].max(axis=1) if np.any(in_band) else np.zeros(len(p))
    if not np.all(peak > 0):
        raise ValueError("signal has no power in the heart-rate band")
    p = p / peak[:, None]
    floor = np.median(p[:, in_band], axis=1)
    pc = np.clip(p - floor_factor * floor[:, None], 0.0, None)
    # only local maxima count: a tooth on the slope of a neighbouring peak's
    # main lobe is not a harmonic (matters for short windows, broad lobes)
    is_peak = np.zeros(p.shape, dtype=bool)
    is_peak[:, 1:-1] = (p[:, 1:-1] >= p[:, :-2]) & (p[:, 1:-1] >= p[:, 2:])
    pc = np.where(is_peak, pc, 0.0)

    halfwidth = [_tooth_halfwidth(k, base_tol, df) for k in range(1, n_harmonics + 1)]
    idx = np.flatnonzero(in_band)
    score = np.zeros((len(p), idx.size))
    teeth = np.zeros((n_harmonics, len(p), idx.size))
    for k in range(1, n_harmonics + 1):
        mk = maximum_filter1d(pc, size=2 * halfwidth[k - 1] + 1, axis=-1, mode="constant")
        j = k * idx
        valid = j < f.size
        teeth[k - 1][:, valid] = mk[:, j[valid]]
        score += decay ** (k - 1) * teeth[k - 1]
    comb = _Comb(f, idx, halfwidth, base_tol, df, band)
    return np.array([60.0 * comb.pick(p[w], pc[w], teeth[:, w], score[w], sub_ratio, sub_score)
                     for w in range(len(p))])


@dataclass(frozen=True)
class _Comb:
    """The frequency grid and harmonic tolerances shared by the rows of ``_harmonic_pick``."""

    f: np.ndarray  # (F,) Hz
    idx: np.ndarray  # bins of the candidate fundamentals (in band)
    halfwidth: list[int]  # tooth half-width in bins per harmonic
    base_tol: float  # Hz
    df: float  # Hz per bin
    band: tuple[float, float]  # Hz

    def refine(self, p: np.ndarray, pc: np.ndarray, i: int) -> float:
        """Exact peak (Hz) of the strongest tooth of candidate bin ``i``, over its harmonic number."""
        f = self.f
        top, best_f = -1.0, float(f[i])
        for k, hw in enumerate(self.halfwidth, start=1):
            lo, hi = k * i - hw, k * i + hw + 1  # the max-filter window
            if lo >= f.size:
                break
            j = max(lo, 0) + int(np.argmax(p[max(lo, 0):min(hi, f.size)]))
            if pc[j] > top:
                top, best_f = float(pc[j]), float(f[j]) / k
        return best_f

    def pick(self, p: np.ndarray, pc: np.ndarray, teeth: np.ndarray, score: np.ndarray,
             sub_ratio: float, sub_score: float) -> float:
        """Steps 4-5 for one spectrum: the refined winner (Hz), replaced by its third or half
        when the sub-harmonic check passes; clipped to the band."""
        f, idx, band, n_harmonics = self.f, self.idx, self.band, len(self.halfwidth)
        best = int(np.argmax(score))
        f_hat = self.refine(p, pc, int(idx[best]))
        # sub-harmonic check: f/m (m = 3, 2) explains peaks that the comb of f misses
        for m in (3, 2):
            fc = f_hat / m
            if fc < band[0] - 0.5 * self.base_tol:
                continue
            c = int(np.argmin(np.abs(f[idx] - max(fc, band[0]))))
            extra = sum(teeth[j - 1][c] if j <= n_harmonics else _tooth(pc, self.df, idx[c], j, self.base_tol)
                        for j in range(1, m + 2) if j % m)
            if extra > 0 and extra >= sub_ratio * teeth[0][best] and score[c] >= sub_score * score[best]:
                f_hat = self.refine(p, pc, int(idx[c]))
                break
        return float(np.clip(f_hat, band[0], band[1]))


def _tooth_halfwidth(k: int, base_tol: float, df: float) -> int:
    """Half-width in bins of the tolerance ``0.5 * base_tol + 0.03 k`` Hz of harmonic ``k``."""
    return int(round((0.5 * base_tol + 0.03 * k) / df))


def _tooth(pc: np.ndarray, df: float, i: int, k: int, base_tol: float) -> float:
    """Largest value of ``pc`` within the harmonic-``k`` tolerance of bin ``k * i``."""
    tol = _tooth_halfwidth(k, base_tol, df)
    j = k * i
    if j - tol >= pc.size:
        return 0.0
    return float(pc[max(0, j - tol):min(pc.size, j + tol + 1)].max())
