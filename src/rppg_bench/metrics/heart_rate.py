"""Heart-rate estimation from a pulse signal (bpm).

``hr_estimate`` returns one heart rate for a whole signal, ``hr_windowed`` one
per sliding window and ``hr_from_times`` handles non-uniform timestamps.
Methods (``method=``):

- ``"harmonic"`` (the default until issue 24): harmonic-sum spectrum with a sub-harmonic check,
  robust to PPG whose 2nd/3rd harmonics are as strong as the fundamental
  (sharp systolic peak, dicrotic notch), the cause of the usual 2-3x errors of
  a plain spectral peak at rest (see DESIGN.md section 5).
- ``"fft"``: argmax of the zero-padded periodogram in ``band``.
- ``"welch"``: argmax of the zero-padded Welch spectrum in ``band``.
- ``"peaks"``: 60 / median inter-beat interval of ``scipy.signal.find_peaks``.
- ``"autocorr"``: first strong autocorrelation peak at lags within ``band``.
- ``"structured"`` (default, :data:`DEFAULT_HR_METHOD`): spectral candidates judged by their harmonic structure (a sub-harmonic must show
  its odd harmonics, which a disturbance at half the rate lacks) with a confidence per estimate
  (:mod:`rppg_bench.metrics.hr_structured`; ``hr_estimate_confidence``, ``hr_windowed_confidence``);
  ``hr_windowed(..., track=True)`` follows it across windows with a Viterbi tracker
  (:mod:`rppg_bench.metrics.hr_track`) and halves a tracked path that is the pulse's 2nd harmonic
  (:mod:`rppg_bench.metrics.hr_octave`), and ``hr_mean_of_windows`` gives a whole signal's rate as the
  mean of its tracked windows' (the default protocol's whole-video HR). Measured on a signal-level
  corpus in docs/hr-estimators.md.
- ``"toolbox_fft"``: rPPG-Toolbox's ``_calculate_fft_hr`` after its
  ``calculate_metric_per_video`` post-processing, reproduced exactly (for the
  ``toolbox`` protocol): smoothness-priors detrend with a fixed lambda of 100
  (not scaled to ``fs``), first-order Butterworth band-pass to ``band`` run
  forwards and backwards (``filtfilt``, default padding), periodogram with
  ``nfft`` the next power of 2 of the length, no window, no zero-padding
  beyond that, argmax over the bins in ``band``. Its frequency grid is coarse
  (``fs / nfft``: 1.76 bpm for 30 s at 30 fps, 3.5 bpm for 10 s) and it has
  no guard against the 2x harmonic, which is why it is not one of the
  harness's own estimators (``HR_METHODS``) but a compatibility one
  (``COMPAT_HR_METHODS``).

Every method detrends (``signal_detrend``, with ``lam`` scaled to ``fs`` so
its cut-off stays at half the band's low edge) and band-passes the signal
itself (to ``band``; ``"harmonic"`` keeps the harmonics up to just below
Nyquist); ``signal`` may be raw or already post-processed. Estimates always
lie in ``band``. Frequencies in Hz, times in seconds, heart rates in beats per
minute (bpm).
"""

from __future__ import annotations

import numpy as np

from . import hr_estimators as est
from .bands import DEFAULT_BAND_HZ
from .defaults import CONFIDENCE_METHODS, DEFAULT_HR_METHOD
from .hr_octave import halve_coupled_path
from .hr_structured import (
    Candidates,
    hr_structured,
    rates_on_path,
    structured_rows,
    structured_windows,
)
from .hr_track import track as track_candidates
from .validate import check_timed_series

MIN_DURATION_S = 2.0
"""Shortest signal (seconds) a heart rate is estimated from."""


HR_METHODS = ("harmonic", "fft", "welch", "peaks", "autocorr", "structured")
"""The harness's estimators (accurate to about 1 bpm on 10 s of clean signal)."""

COMPAT_HR_METHODS = ("toolbox_fft",)
"""Estimators reproducing other toolboxes exactly, coarse grids included."""

#: windows scored together by ``hr_windowed`` (bounds its memory: 64 windows' zero-padded spectra
#: at 30 fps are about 50 MB; a 10-minute video has ~600 windows)
WINDOW_BATCH = 64


# --------------------------------------------------------------------- public
def hr_estimate(signal: np.ndarray, fs: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
                method: str = DEFAULT_HR_METHOD) -> float:
    """Heart rate (bpm) of a pulse signal.

    Parameters
    ----------
    signal : (N,) array, uniformly sampled, finite, at least 2 s long.
    fs : sampling rate in Hz.
    band : (low, high) range of plausible heart rates in Hz; the estimate lies
        in it (``high`` is clipped to 0.9 x the Nyquist frequency).
    method : one of ``"structured"`` (default), ``"harmonic"``, ``"fft"``, ``"welch"``,
        ``"peaks"``, ``"autocorr"``, or ``"toolbox_fft"`` (see the module docstring).

    Raises
    ------
    ValueError
        For a signal that is not 1-D, too short, non-finite or constant, a bad
        ``fs``/``band``, an unknown method, or (``"peaks"``, ``"autocorr"``)
        when no beat / periodicity can be found.
    """
    x = check_signal(signal, fs)
    band = _check_band(band, fs)
    try:
        fn = _METHODS[method]
    except (KeyError, TypeError):
        raise ValueError(f"unknown heart-rate method {method!r}; "
                         f"choose one of {HR_METHODS + COMPAT_HR_METHODS}") from None
    hr = float(fn(x, float(fs), band))
    if not np.isfinite(hr):  # defensive: the helpers never return non-finite values
        raise ValueError(f"heart-rate method {method!r} found no valid estimate")
    return hr


def hr_windowed(signal: np.ndarray, fs: float, window: float = 10.0, step: float = 1.0,
                band: tuple[float, float] = DEFAULT_BAND_HZ,
                method: str = DEFAULT_HR_METHOD, track: bool = False,
                octave: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Heart rate (bpm) in sliding windows.

    Windows are ``window`` s long and start every ``step`` s; a signal shorter
    than one window gives a single window covering all of it. Sample ``i`` is
    at time ``i / fs``. ``track=True`` (``method="structured"`` only) follows
    the rate across windows (:mod:`rppg_bench.metrics.hr_track`) instead of
    taking each window's winner; a window whose path takes another candidate
    reports that candidate's phase rate (``hr_structured.rates_on_path``); a tracked path that is the
    pulse's 2nd harmonic is then halved (:func:`rppg_bench.metrics.hr_octave.halve_coupled_path`), each
    window taking its candidate near half its rate, read the same way, unless
    ``octave`` is False (the protocol's ``hr_octave_check``; it does nothing without ``track``).

    Returns
    -------
    times : (W,) window centre times in seconds.
    hr : (W,) heart rate per window in bpm.
    """
    if track and method not in CONFIDENCE_METHODS:
        raise ValueError(f"track=True needs a method with candidates: {CONFIDENCE_METHODS}, got {method!r}")
    if method in CONFIDENCE_METHODS:
        times, hr, _ = hr_windowed_confidence(signal, fs, window, step, band, track, octave=octave)
        return times, hr
    x, starts, n_win = _windows(signal, fs, window, step)
    if method in _BATCH_METHODS:  # windows preprocessed and transformed in batches: the same values, faster
        windows = np.lib.stride_tricks.sliding_window_view(x, n_win)[starts]
        band = _check_band(band, fs)
        hr = np.concatenate([_BATCH_METHODS[method](_check_signals(windows[i:i + WINDOW_BATCH], fs), float(fs), band)
                             for i in range(0, len(windows), WINDOW_BATCH)])
    else:
        hr = np.array([hr_estimate(x[s:s + n_win], fs, band=band, method=method) for s in starts])
    return (starts + (n_win - 1) / 2.0) / fs, hr


def hr_estimate_confidence(signal: np.ndarray, fs: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
                           method: str = "structured") -> tuple[float, float]:
    """Heart rate (bpm) of ``method`` and its confidence in [0, 1]: for ``"structured"`` a calibrated
    probability that the rate is within 5 bpm (see :mod:`rppg_bench.metrics.hr_structured`); NaN
    for the methods without one (:data:`CONFIDENCE_METHODS`). Input and errors as :func:`hr_estimate`."""
    if method not in CONFIDENCE_METHODS:
        return hr_estimate(signal, fs, band=band, method=method), float("nan")
    c = structured_rows(check_signal(signal, fs)[None], float(fs), _check_band(band, fs))[0]
    return c.bpm, c.confidence


def hr_windowed_confidence(signal: np.ndarray, fs: float, window: float = 10.0, step: float = 1.0,
                           band: tuple[float, float] = DEFAULT_BAND_HZ, track: bool = False,
                           method: str = "structured", octave: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``hr_windowed(..., method=method, track=track, octave=octave)`` with the confidence of each window
    (NaN for the methods without one, :data:`CONFIDENCE_METHODS`). A halved window (``octave``) keeps
    the confidence of the rate it had: every halved trace measured was right, as often as the
    confidence said or more (docs/hr-estimators.md, "The octave check of a tracked path").

    Returns
    -------
    times : (W,) window centre times in seconds.
    hr : (W,) heart rate per window in bpm.
    confidence : (W,) in [0, 1].
    """
    if method not in CONFIDENCE_METHODS:
        times, hr = hr_windowed(signal, fs, window, step, band=band, method=method, track=track)
        return times, hr, np.full(hr.shape, np.nan)
    times, candidates, narrow = window_candidates(signal, fs, window, step, band)
    band = _check_band(band, fs)
    if track:
        hr, conf, chosen = track_candidates(candidates, band)
        hr = rates_on_path(hr, chosen, candidates, narrow, float(fs), band)
        halved = halve_coupled_path(np.asarray(signal, dtype=float), float(fs), hr, candidates, band) if octave else None
        if halved is not None:
            hr = rates_on_path(*halved, candidates, narrow, float(fs), band)
    else:
        hr = np.array([c.bpm for c in candidates])
        conf = np.array([c.confidence for c in candidates])
    return times, hr, conf


def window_candidates(signal: np.ndarray, fs: float, window: float = 10.0, step: float = 1.0,
                      band: tuple[float, float] = DEFAULT_BAND_HZ) -> tuple[np.ndarray, list[Candidates], np.ndarray]:
    """The ``structured`` candidates of every ``window`` s window of ``signal`` (N,) at ``fs`` Hz, every
    ``step`` s: the window centre times (W,) s, the candidates (W of them) and each window band-passed to
    ``band`` (W, n) (what a tracked path's rates are read from, ``rates_on_path``). Errors as :func:`hr_windowed`."""
    x, starts, n_win = _windows(signal, fs, window, step)
    band = _check_band(band, fs)
    windows = np.lib.stride_tricks.sliding_window_view(x, n_win)[starts]
    candidates: list[Candidates] = []
    narrow = []
    for i in range(0, len(windows), WINDOW_BATCH):
        batch, batch_narrow = structured_windows(_check_signals(windows[i:i + WINDOW_BATCH], fs), float(fs), band)
        candidates += batch
        narrow.append(batch_narrow)
    return (starts + (n_win - 1) / 2.0) / fs, candidates, np.concatenate(narrow)


def hr_mean_of_windows(signal: np.ndarray, fs: float, window: float = 10.0, step: float = 1.0,
                       band: tuple[float, float] = DEFAULT_BAND_HZ, track: bool = True,
                       method: str = "structured", octave: bool = True) -> tuple[float, float]:
    """Heart rate (bpm) of a whole signal as the mean of its windows' rates, and the windows' mean
    confidence in [0, 1] (NaN without one): :func:`hr_windowed_confidence` then :func:`mean_window_rate`.

    The default protocol's whole-video HR with a tracked estimator (``Protocol.whole_from_windows``).
    A rate that changes inside the signal is followed window by window, so the whole-signal
    estimate is its mean over time instead of the rate of merged spectral peaks; a peak of motion a
    few bpm from the pulse is weighed in each window instead of merging with it, and a disturbed
    window is held by the tracker. What the windows get wrong, it inherits (docs/hr-estimators.md).
    A signal no longer than one window gives that window's estimate. Windows overlap, so the
    first and last ``window - step`` s weigh less than the middle. Input and errors as :func:`hr_windowed`.
    """
    _, hr, conf = hr_windowed_confidence(signal, fs, window, step, band, track, method, octave)
    return mean_window_rate(hr, conf)


def mean_window_rate(hr: np.ndarray, confidence: np.ndarray) -> tuple[float, float]:
    """The mean (bpm) of the windows' rates ``hr`` (W,) bpm and the mean of their ``confidence`` (W,)
    (NaN where the estimator has none)."""
    return float(np.mean(hr)), float(np.mean(confidence))


def _windows(signal: np.ndarray, fs: float, window: float, step: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Validated ``signal`` (N,), the first sample of each window (W,) and the window length in samples."""
    x = np.asarray(signal, dtype=float)
    _check_fs(fs)
    if not (np.isfinite(window) and window > 0):
        raise ValueError(f"window must be a positive number of seconds, got {window!r}")
    if not (np.isfinite(step) and step > 0):
        raise ValueError(f"step must be a positive number of seconds, got {step!r}")
    if x.ndim != 1:
        raise ValueError(f"signal must be 1-D, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError("signal contains non-finite values (NaN or inf)")
    n = x.size
    n_win = round(window * fs)
    n_step = max(1, round(step * fs))
    if n <= n_win:
        return x, np.array([0]), n
    return x, np.arange(0, n - n_win + 1, n_step), n_win


def hr_from_times(times: np.ndarray, signal: np.ndarray, band: tuple[float, float] = DEFAULT_BAND_HZ,
                  method: str = DEFAULT_HR_METHOD) -> float:
    """Heart rate (bpm) of a signal with non-uniform timestamps ``times`` (N,) in seconds.

    The signal is linearly interpolated (``np.interp``) onto a uniform grid at
    the median sampling rate, then passed to :func:`hr_estimate`.
    """
    t, x = check_timed_series(times, signal, min_size=3)
    dt = np.diff(t)
    fs = 1.0 / float(np.median(dt))
    grid = t[0] + np.arange(int(np.floor((t[-1] - t[0]) * fs)) + 1) / fs
    grid = grid[grid <= t[-1]]
    if not np.all(np.isfinite(x)):
        raise ValueError("signal contains non-finite values")
    return hr_estimate(np.interp(grid, t, x), fs, band=band, method=method)


# ----------------------------------------------------------------- validation
def _check_fs(fs: float) -> None:
    if not (isinstance(fs, (int, float, np.integer, np.floating)) and np.isfinite(fs) and fs > 0):
        raise ValueError(f"sampling rate fs must be a positive finite number (Hz), got {fs!r}")


def check_signal(signal: np.ndarray, fs: float) -> np.ndarray:
    """Validated float copy of ``signal`` (N,) scaled to max |x| = 1 and zero mean."""
    x = np.asarray(signal, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"signal must be 1-D, got shape {x.shape}")
    return _check_signals(x[None], fs)[0]


def _check_signals(rows: np.ndarray, fs: float) -> np.ndarray:
    """``check_signal`` of every row of ``rows`` (W, N): validated, each row scaled to
    max |x| = 1 and zero mean; a ValueError if any row fails."""
    _check_fs(fs)
    x = np.asarray(rows, dtype=float)
    n = x.shape[-1]
    if n / fs < MIN_DURATION_S or n < 8:
        raise ValueError(f"signal too short for a heart rate: {n} samples at {fs:g} Hz "
                         f"(need at least {MIN_DURATION_S:g} s and 8 samples)")
    if not np.all(np.isfinite(x)):
        raise ValueError("signal contains non-finite values (NaN or inf)")
    scale = np.max(np.abs(x), axis=-1, keepdims=True)
    x = x / np.where(scale > 0, scale, 1.0)
    x = x - x.mean(axis=-1, keepdims=True)
    if np.any(np.ptp(x, axis=-1) <= 1e-12):
        raise ValueError("signal is constant: no heart rate can be estimated")
    return x


def _check_band(band: tuple[float, float], fs: float) -> tuple[float, float]:
    try:
        lo, hi = (float(b) for b in band)
    except (TypeError, ValueError):
        raise ValueError(f"band must be a (low, high) pair in Hz, got {band!r}") from None
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        raise ValueError(f"band must satisfy 0 < low < high (Hz), got {band!r}")
    nyq = fs / 2.0
    if lo >= 0.9 * nyq:
        raise ValueError(f"band low edge {lo:g} Hz is not below the Nyquist frequency "
                         f"{nyq:g} Hz of fs={fs:g} Hz")
    return lo, min(hi, 0.9 * nyq)


_METHODS = {
    "harmonic": est.hr_harmonic,
    "fft": est.hr_fft,
    "welch": est.hr_welch,
    "peaks": est.hr_peaks,
    "autocorr": est.hr_autocorr,
    "structured": hr_structured,
    "toolbox_fft": est.hr_toolbox_fft,
}

#: methods with a batched implementation over windows (W, N) -> (W,) bpm
_BATCH_METHODS = {"harmonic": est.hr_harmonic_rows}
