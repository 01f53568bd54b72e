"""Score one method output against one recording's ground truth.

``check_method_output`` refuses malformed outputs (the runner never trusts a
method); ``evaluate_prediction`` aligns by timestamps and returns every
per-video metric as a flat dict of floats (HR in bpm, times in s, SNR in dB);
``windowed_hr_series`` gives the windowed HR of prediction and truth over time
(for the HR-over-time plot of the report).

Every method of a video is scored against the same ground truth, on the same
frame times: the reference side (its post-processed waveform, its HR and its
windowed HR) is computed once and reused, memoised by the content of the
arrays it is computed from (``_memo``), so the result is the same as computing
it again.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .align import align_to_reference, best_lag
from .beat_metrics import (
    ReferenceSide,
    method_beats,
    method_columns,
    reference_ppg_beats,
    reference_side,
)
from .defaults import GROSS_BPM
from .errors import snr_db, waveform_errors
from .heart_rate import (
    MIN_DURATION_S,
    hr_estimate,
    hr_estimate_confidence,
    hr_windowed_confidence,
    mean_window_rate,
)
from .protocol import Protocol
from .reference_check import checked_rate, checked_windowed
from .signal import signal_bandpass, signal_normalize, signal_postprocess


class OutputError(ValueError):
    """A method returned something that breaks the ``(times, signal)`` contract."""


def check_method_output(times: np.ndarray, signal: np.ndarray, n_frames: int | None = None) -> None:
    """Raise ``OutputError`` unless ``times`` (N,) strictly increase and ``signal`` (N,) is finite in [0, 1]."""
    times, signal = np.asarray(times), np.asarray(signal)
    if times.ndim != 1 or signal.ndim != 1:
        raise OutputError(f"times and signal must be 1-D, got shapes {times.shape} and {signal.shape}")
    if times.shape != signal.shape:
        raise OutputError(f"times has {times.size} values but signal has {signal.size}")
    if n_frames is not None and signal.size != n_frames:
        raise OutputError(f"signal has {signal.size} values for {n_frames} frames")
    if signal.size < 2:
        raise OutputError(f"signal has only {signal.size} values")
    if not np.all(np.isfinite(times)) or not np.all(np.isfinite(signal)):
        raise OutputError("times or signal contain NaN or inf")
    if np.any(np.diff(times) <= 0):
        raise OutputError("times do not strictly increase")
    if signal.min() < -1e-9 or signal.max() > 1 + 1e-9:
        raise OutputError(f"signal outside [0, 1] (min {signal.min():.3g}, max {signal.max():.3g})")


_MEMO: OrderedDict[tuple, Any] = OrderedDict()
_MEMO_SIZE = 64  # entries: a few per video; the runner scores one video's methods together
_MEMO_LOCK = threading.Lock()


def _content(a: np.ndarray | None) -> tuple | None:
    """Hashable fingerprint of an array's dtype, shape and bytes (None stays None)."""
    if a is None:
        return None
    a = np.ascontiguousarray(a)
    return (a.dtype.str, a.shape, hashlib.blake2b(a.tobytes(), digest_size=16).digest())


def _memo(kind: str, arrays: tuple[np.ndarray | None, ...], params: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, memoised by ``kind``, the content of ``arrays`` and hashable ``params``.

    For pure functions of those inputs only; results are returned as stored
    (callers must not modify them). Exceptions are not memoised.
    """
    key = (kind, tuple(_content(a) for a in arrays), params)
    with _MEMO_LOCK:
        if key in _MEMO:
            _MEMO.move_to_end(key)
            return _MEMO[key]
    value = compute()
    for a in value if isinstance(value, tuple) else (value,):
        if isinstance(a, np.ndarray):
            a.setflags(write=False)  # shared between callers: a write would corrupt later results
    with _MEMO_LOCK:
        _MEMO[key] = value
        if len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value


def _hr_windowed_memo(x: np.ndarray, fs: float, protocol: Protocol) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``hr_windowed_confidence`` of ``x`` (the reference, or a prediction: the report's series reuse
    the one scored) with the protocol's settings, memoised: window centres (s), HR (bpm) and
    confidence (NaN for estimators without one), each (W,)."""
    return _memo("hr_windowed", (x,), (float(fs), protocol.window, protocol.step, tuple(protocol.band),
                                      protocol.hr_method, protocol.tracks_windows, protocol.octave_check),
                 lambda: hr_windowed_confidence(x, fs, protocol.window, protocol.step, band=protocol.band,
                                                track=protocol.tracks_windows, method=protocol.hr_method,
                                                octave=protocol.octave_check))


def uniform_grid(t_start: float, t_end: float, fs: float) -> np.ndarray:
    """Times (s) from ``t_start`` to ``t_end`` at ``fs`` Hz."""
    n = int(np.floor((t_end - t_start) * fs)) + 1
    return t_start + np.arange(n) / fs


def median_rate(times: np.ndarray) -> float:
    """Sampling rate (Hz) from the median step of ``times`` (s)."""
    return float(1.0 / np.median(np.diff(times)))


def dataset_hr_mean(grid: np.ndarray, protocol: Protocol, dataset_hr: np.ndarray | None = None,
                    dataset_hr_times: np.ndarray | None = None) -> float:
    """With ``protocol.hr_source == "dataset"``, the mean (bpm) of the dataset's own HR over ``grid``
    (s); NaN otherwise or where it has none there (the reference PPG's then stands)."""
    if protocol.hr_source == "dataset" and dataset_hr is not None and dataset_hr_times is not None:
        inside = (dataset_hr_times >= grid[0]) & (dataset_hr_times <= grid[-1])
        if inside.any():
            return float(np.mean(dataset_hr[inside]))
    return float("nan")


def reference_beats(ref_times: np.ndarray, ref_ppg: np.ndarray, t: np.ndarray, protocol: Protocol,
                    beat_times: np.ndarray | None = None) -> np.ndarray | None:
    """Reference beats (K,) s over the span of ``t`` (s): the dataset's true ``beat_times`` with
    ``protocol.hr_source == "dataset"``, else those found in the reference PPG (memoised: every
    method of a video shares them); None when the protocol has no beat metrics (``beats`` None)."""
    if protocol.beats is None:
        return None
    t0, t1 = float(t[0]), float(t[-1])
    if protocol.hr_source == "dataset" and beat_times is not None:
        beats = np.asarray(beat_times, float)
        return beats[(beats >= t0) & (beats <= t1)]
    return _memo("reference_beats", (ref_times, ref_ppg), (t0, t1, protocol.beats),
                 lambda: reference_ppg_beats(ref_times, ref_ppg, t0, t1, protocol.beats))


def reference_rates(grid: np.ndarray, ref_u: np.ndarray, fs: float, protocol: Protocol,
                    beats: np.ndarray | None = None, dataset_hr: np.ndarray | None = None,
                    dataset_hr_times: np.ndarray | None = None) -> dict[str, Any]:
    """The true HR of the reference PPG ``ref_u`` (N,) on ``grid`` (N,) s at ``fs`` Hz, by the protocol's
    estimator (the whole span's: the mean of the windows' with ``protocol.whole_from_windows``);
    with ``protocol.ref_beat_check`` and the reference ``beats`` (s), each estimate (whole
    span and window) in a harmonic ratio to the rate of regular beats is replaced by that rate
    (:mod:`.reference_check`); then the dataset's HR where ``protocol.hr_source == "dataset"`` (the whole
    span's: the mean of the windows' true rates with ``protocol.whole_from_windows`` where the dataset's
    HR has samples in every window).
    Returns ``hr`` (bpm), ``centres`` (W,) s on the recording's clock, ``windowed`` (W,) bpm, and
    ``hr_from_beats`` / ``win_from_beats`` (whether, and in what share of windows, beats overruled the PPG's
    estimate; the whole from windows counts as overruled when one of its windows was)."""
    centres, windowed, confidence = _hr_windowed_memo(ref_u, fs, protocol)
    centres = grid[0] + centres
    from_beats, win_from_beats = False, np.zeros(windowed.size, dtype=bool)
    checking = protocol.ref_beat_check and beats is not None and protocol.beats is not None
    if checking:
        windowed, win_from_beats = checked_windowed(centres, windowed, beats, protocol.window,
                                                    protocol.beats.max_artefact_share)
    if protocol.whole_from_windows:  # the windows as checked: one definition for the windows and the whole
        whole = mean_window_rate(windowed, confidence)[0]
        from_beats = bool(np.any(win_from_beats))
    else:
        whole = _memo("hr_estimate", (ref_u,), (float(fs), tuple(protocol.band), protocol.hr_method),
                      lambda: hr_estimate(ref_u, fs, band=protocol.band, method=protocol.hr_method))
    if checking:
        whole, whole_from_beats = checked_rate(whole, beats, protocol.beats.max_artefact_share)
        from_beats = from_beats or whole_from_beats
    dataset_windows = dataset_windowed_hr(centres, protocol, dataset_hr, dataset_hr_times, windowed.size)
    from_ppg = np.isnan(dataset_windows)
    if protocol.whole_from_windows and dataset_windows.size and not np.any(from_ppg):
        # the prediction's whole is the mean of its windows, which weighs a recording's middle more than
        # its ends: the truth's is the mean of the same windows' true rates (one definition for both;
        # where the dataset's HR leaves a window empty, its plain mean over the span stands)
        dataset_whole = float(np.mean(dataset_windows))
    else:
        dataset_whole = dataset_hr_mean(grid, protocol, dataset_hr, dataset_hr_times)
    return {"hr": whole if np.isnan(dataset_whole) else dataset_whole,
            "centres": centres,
            "windowed": np.where(from_ppg, windowed, dataset_windows),
            "hr_from_beats": bool(from_beats and np.isnan(dataset_whole)),
            "win_from_beats": float(np.mean(win_from_beats & from_ppg)) if windowed.size else 0.0}


def dataset_windowed_hr(centres: np.ndarray, protocol: Protocol, dataset_hr: np.ndarray | None,
                        dataset_hr_times: np.ndarray | None, n_windows: int) -> np.ndarray:
    """With ``protocol.hr_source == "dataset"``, the mean (bpm) of the dataset's HR inside each window of
    ``protocol.window`` s centred at ``centres`` (W,) s (the dataset's clock); NaN (W,) otherwise and
    in windows that hold none of its samples (the reference PPG's then stands)."""
    if protocol.hr_source != "dataset" or dataset_hr is None or dataset_hr_times is None:
        return np.full(n_windows, np.nan)
    times, hr = np.asarray(dataset_hr_times, float), np.asarray(dataset_hr, float)
    lo = np.searchsorted(times, centres - protocol.window / 2, side="left")
    hi = np.searchsorted(times, centres + protocol.window / 2, side="right")
    sums = np.concatenate([[0.0], np.cumsum(hr)])
    counts = hi - lo
    return np.where(counts > 0, (sums[hi] - sums[lo]) / np.maximum(counts, 1), np.nan)


def aligned_waveforms(times: np.ndarray, signal: np.ndarray, ref_times: np.ndarray, ref_ppg: np.ndarray,
                      protocol: Protocol = Protocol()) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Prediction and reference on the reference times over their common span, both in [0, 1].

    Returns ``(t, pred01, ref01, lag)``: t (K,) s; the reference detrended,
    band-passed and normalised like the methods, the prediction normalised (band-passed to
    ``protocol.band`` first with ``protocol.wave_in_band``); ``lag`` (s) the shift applied
    to the prediction (0 unless ``protocol.max_lag`` > 0; positive = method late).
    """
    t, pred, ref = align_to_reference(times, signal, np.asarray(ref_times, float), np.asarray(ref_ppg, float))
    fs_ref = median_rate(t)
    ref01 = _memo("postprocess", (ref,), (fs_ref, tuple(protocol.band), protocol.detrend_lambda),
                  lambda: signal_postprocess(ref, fs_ref, protocol.band, protocol.detrend_lambda)).copy()
    # with wave_in_band the prediction is band-passed to the reference's band before both are compared
    pred01 = (signal_postprocess(pred, fs_ref, protocol.band, None) if protocol.wave_in_band
              else signal_normalize(pred))
    lag = 0.0
    if protocol.max_lag > 0:
        lag = float(best_lag(pred01, ref01, fs_ref, max_lag=protocol.max_lag))
        pred01 = np.interp(t + lag, t, pred01)
    return t, pred01, ref01, lag


def uniform_pair(times: np.ndarray, signal: np.ndarray, ref_times: np.ndarray, ref_ppg: np.ndarray,
                 t: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """Uniform grid (s) at the method's frame rate over the span of ``t``, the rate (Hz),
    and prediction and reference PPG interpolated onto it: what every HR metric uses."""
    fs = median_rate(np.asarray(times, float))
    grid = uniform_grid(t[0], t[-1], fs)
    return grid, fs, np.interp(grid, times, signal), np.interp(grid, ref_times, ref_ppg)


def windowed_hr_series(times: np.ndarray, signal: np.ndarray, ref_times: np.ndarray, ref_ppg: np.ndarray,
                       protocol: Protocol = Protocol(), dataset_hr: np.ndarray | None = None,
                       dataset_hr_times: np.ndarray | None = None,
                       beat_times: np.ndarray | None = None) -> dict[str, list[float]]:
    """Windowed HR of prediction and ground truth over time, as used by ``win_hr_mae``.

    Returns ``{"t": [...], "true": [...], "pred": [...], "conf": [...]}``: window
    centre times (s, on the recording's clock), the true HR (bpm; :func:`reference_rates`)
    and that of the prediction in each window (``protocol.window`` s every
    ``protocol.step`` s) and the prediction's confidence there (NaN without one).
    """
    ref_times, ref_ppg = np.asarray(ref_times, float), np.asarray(ref_ppg, float)
    t, _, _ = align_to_reference(times, signal, ref_times, ref_ppg)
    grid, fs, pred_u, ref_u = uniform_pair(times, signal, ref_times, ref_ppg, t)
    _, win_pred, win_conf = _hr_windowed_memo(pred_u, fs, protocol)
    beats = reference_beats(ref_times, ref_ppg, t, protocol, beat_times)
    truth = reference_rates(grid, ref_u, fs, protocol, beats, dataset_hr, dataset_hr_times)
    return {"t": truth["centres"].tolist(), "true": truth["windowed"].tolist(), "pred": win_pred.tolist(),
            "conf": [float(c) if np.isfinite(c) else None for c in win_conf]}


def beat_reference(ref_times: np.ndarray, ref_ppg: np.ndarray, t: np.ndarray, protocol: Protocol,
                   respiration: np.ndarray | None = None,
                   respiration_times: np.ndarray | None = None,
                   beat_times: np.ndarray | None = None) -> ReferenceSide:
    """``beat_metrics.reference_side`` of the span of ``t`` (s) with the :func:`reference_beats`,
    memoised (every method of a video shares it); ``protocol.beats`` must not be None. The dataset's
    true ``beat_times`` (s) are the reference beats only with ``protocol.hr_source == "dataset"``."""
    beats = reference_beats(ref_times, ref_ppg, t, protocol, beat_times)
    return _memo("beat_reference", (ref_times, ref_ppg, respiration, respiration_times, beats),
                 (float(t[0]), float(t[-1]), protocol.beats),
                 lambda: reference_side(ref_times, ref_ppg, float(t[0]), float(t[-1]), protocol.beats,
                                        respiration, respiration_times, beats))


def beat_series(times: np.ndarray, signal: np.ndarray, ref_times: np.ndarray, ref_ppg: np.ndarray,
                protocol: Protocol = Protocol(), respiration: np.ndarray | None = None,
                respiration_times: np.ndarray | None = None,
                beat_times: np.ndarray | None = None) -> dict[str, list[float]]:
    """Beat times (s) of the reference PPG and of the prediction over their common span, as the
    beat metrics find them: ``{"ref": [...], "est": [...]}`` (for the report's IBI tachogram;
    the respiration, as given to :func:`evaluate_prediction`, only finds its memoised reference)."""
    ref_times, ref_ppg = np.asarray(ref_times, float), np.asarray(ref_ppg, float)
    t, _, _ = align_to_reference(times, signal, ref_times, ref_ppg)
    grid, fs, pred_u, _ = uniform_pair(times, signal, ref_times, ref_ppg, t)
    ref = beat_reference(ref_times, ref_ppg, t, protocol, respiration, respiration_times, beat_times)
    return {"ref": ref.beats.tolist(), "est": method_beats(grid[0], pred_u, fs, protocol.beats).tolist()}


#: the per-video confidence columns (:func:`confidence_columns`)
CONFIDENCE_COLUMNS = ("hr_confidence", "hr_confident", "hr_abs_error_confident", "win_hr_confidence",
                      "win_hr_confident_share", "win_hr_mae_confident", "win_hr_gross_share",
                      "win_hr_gross_share_confident")


def confidence_columns(hr_error: float, hr_conf: float, win_err: np.ndarray, win_conf: np.ndarray,
                       min_confidence: float) -> dict[str, float]:
    """The confidence columns of one prediction: ``hr_confidence`` (0-1) of the whole-video estimate,
    ``hr_confident`` (1.0 when it reaches ``min_confidence``, else 0.0) and its ``hr_abs_error_confident``
    (bpm; NaN when not kept); ``win_hr_confidence`` (the windows' mean), ``win_hr_confident_share`` (0-1)
    of the windows reaching ``min_confidence`` and ``win_hr_mae_confident`` (bpm) over those; the share
    (0-1) of windows more than ``GROSS_BPM`` off, of all (``win_hr_gross_share``) and of those kept
    (``win_hr_gross_share_confident``; NaN when none is kept). All NaN for an estimator without a
    confidence (``hr_error`` in bpm, ``win_err`` and ``win_conf`` (W,))."""
    if not np.isfinite(hr_conf):
        return dict.fromkeys(CONFIDENCE_COLUMNS, float("nan"))
    kept = np.asarray(win_conf) >= min_confidence
    gross = np.abs(np.asarray(win_err)) > GROSS_BPM
    return {
        "hr_confidence": float(hr_conf),
        "hr_confident": float(hr_conf >= min_confidence),
        "hr_abs_error_confident": abs(float(hr_error)) if hr_conf >= min_confidence else float("nan"),
        "win_hr_confidence": float(np.mean(win_conf)),
        "win_hr_confident_share": float(np.mean(kept)),
        "win_hr_mae_confident": float(np.mean(np.abs(win_err[kept]))) if kept.any() else float("nan"),
        "win_hr_gross_share": float(np.mean(gross)),
        "win_hr_gross_share_confident": float(np.mean(gross[kept])) if kept.any() else float("nan"),
    }


@contextmanager
def _blame(what: str) -> Iterator[None]:
    """Prefix a ``ValueError`` raised inside with the signal it concerns (``what``)."""
    try:
        yield
    except ValueError as exc:
        raise ValueError(f"{what} over the common span ({exc})") from exc


def evaluate_prediction(times: np.ndarray, signal: np.ndarray, ref_times: np.ndarray, ref_ppg: np.ndarray,
                        protocol: Protocol = Protocol(), dataset_hr: np.ndarray | None = None,
                        dataset_hr_times: np.ndarray | None = None, respiration: np.ndarray | None = None,
                        respiration_times: np.ndarray | None = None,
                        beat_times: np.ndarray | None = None) -> dict[str, Any]:
    """All per-video metrics of one prediction.

    times, signal (N,): the method's output (s, [0, 1]); ref_times, ref_ppg (M,):
    ground truth on the same clock. Waveform metrics compare the prediction
    interpolated onto the reference times with the reference post-processed
    like the methods (detrend, band-pass, [0, 1]); HR metrics use both signals
    resampled onto a uniform grid at the method's frame rate over the common span.
    A ``ValueError`` (no overlap, a span too short or a constant signal) says
    which signal it concerns. Unless ``protocol.beats`` is None, the beat, HRV and
    breathing columns of ``beat_metrics`` follow, the breathing reference being
    ``respiration`` at ``respiration_times`` (s) when given, and the reference beats the dataset's
    ``beat_times`` (s) when given and ``protocol.hr_source == "dataset"``.
    """
    ref_times, ref_ppg = np.asarray(ref_times, float), np.asarray(ref_ppg, float)
    t, pred01, ref01, lag = aligned_waveforms(times, signal, ref_times, ref_ppg, protocol)
    wave = waveform_errors(pred01, ref01)

    grid, fs, pred_u, ref_u = uniform_pair(times, signal, ref_times, ref_ppg, t)
    if grid.size / fs < MIN_DURATION_S or grid.size < 8:
        raise ValueError(f"prediction and ground truth overlap for only {t[-1] - t[0]:.3g} s "
                         f"({t[0]:g} to {t[-1]:g} s); a heart rate needs {MIN_DURATION_S:g} s")
    with _blame("prediction"):
        _, win_pred, win_conf = _hr_windowed_memo(pred_u, fs, protocol)
        hr_pred, hr_conf = (mean_window_rate(win_pred, win_conf) if protocol.whole_from_windows else
                            hr_estimate_confidence(pred_u, fs, band=protocol.band, method=protocol.hr_method))
    with _blame("reference PPG"):
        ref_beats = reference_beats(ref_times, ref_ppg, t, protocol, beat_times)
        truth = reference_rates(grid, ref_u, fs, protocol, ref_beats, dataset_hr, dataset_hr_times)
    hr_true, win_true = truth["hr"], truth["windowed"]
    win_err = win_pred - win_true
    beats: dict[str, Any] = {}
    if protocol.beats is not None:
        with _blame("reference PPG"):
            reference = beat_reference(ref_times, ref_ppg, t, protocol, respiration, respiration_times, beat_times)
        with _blame("prediction"):
            beats = method_columns(float(grid[0]), pred_u, fs, reference, protocol.beats)
    return {
        "hr_pred": hr_pred,
        "hr_true": hr_true,
        "hr_error": hr_pred - hr_true,
        "hr_abs_error": abs(hr_pred - hr_true),
        "hr_true_from_beats": float(truth["hr_from_beats"]),
        "win_hr_true_from_beats": truth["win_from_beats"],
        "win_hr_mae": float(np.mean(np.abs(win_err))),
        "win_hr_rmse": float(np.sqrt(np.mean(win_err ** 2))),
        **confidence_columns(hr_pred - hr_true, hr_conf, win_err, win_conf, protocol.hr_min_confidence),
        "wave_rmse": float(wave["rmse"]),
        "wave_mae": float(wave["mae"]),
        "wave_r": float(wave["pearson"]),
        "lag_s": float(lag),
        "snr_db": float(snr_db(signal_bandpass(pred_u, fs, protocol.band) if protocol.wave_in_band else pred_u,
                               fs, hr_true, band=protocol.band)),
        "eval_span_s": float(t[-1] - t[0]),
        **beats,
    }
