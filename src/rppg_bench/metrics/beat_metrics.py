"""Beat, HRV and breathing-rate metrics of one prediction against the reference: the columns
they add to a result row.

The reference side (:func:`reference_side`: beats of the reference PPG, its HRV indices,
its breathing rate) is computed once per video; :func:`method_columns` scores a method's
pulse against it. Settings come from :class:`.protocol.BeatProtocol`. Both pulses are
taken on uniform grids (the method's frame rate; the reference's own median rate) over
the span the prediction and the reference share.

Columns (times in s, intervals in ms, breathing rates in breaths/min):

- ``ibi_mae_ms``, ``ibi_reason``: mean absolute IBI error over consecutive matched beats
  (:func:`.beats.ibi_errors`), or why there is none; ``beats_matched_share`` (0-1),
  ``beats_missed``, ``beats_extra``, ``beats_ref``, ``beats_est``; ``beat_offset_s``: the
  constant shift added to the method's beats before matching (:func:`beat_offset`).
- ``pulse_quality_ref``, ``pulse_quality_est``: beat-template correlation
  (:func:`.breathing.pulse_quality`); below ``min_quality`` a side's HRV and breathing
  rate are "too noisy".
- For each HRV index ``<name>`` of :data:`.hrv.HRV_INDICES`: ``<name>_ref``,
  ``<name>_est``, ``<name>_diff`` (estimate minus reference) and ``<name>_reason``
  (:func:`.hrv.paired_indices`).
- ``breathing_est``, ``breathing_ref``, ``breathing_error`` (estimate minus reference),
  ``breathing_reason`` (``est:`` / ``ref:`` why one is missing), ``breathing_ref_source``
  (:data:`RESPIRATION_BELT` or :data:`DERIVED_FROM_PPG`); windowed:
  ``breathing_win_mae`` over the ``breathing_win_n`` windows where both sides have a
  rate, else ``breathing_win_reason``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from .beats import beat_times, ibi_errors
from .breathing import (
    breathing_rate,
    breathing_rate_windowed,
    pulse_quality,
    respiration_rate_windowed,
    respiration_reference_rate,
)
from .hrv import (
    ARTEFACT_CHANGE,
    MIN_BEATS,
    artefact_share,
    hrv_indices,
    paired_indices,
    unscored_indices,
)
from .protocol import BeatProtocol

RESPIRATION_BELT = "respiration belt"
DERIVED_FROM_PPG = "derived from reference PPG"


@dataclass(frozen=True, eq=False)
class ReferenceSide:
    """What every method of a video is scored against: ``beats`` (K,) s on the recording's
    clock, ``quality`` (:func:`.breathing.pulse_quality`), ``hrv`` (:func:`.hrv.hrv_indices`
    or the reason), ``rate`` / ``reason`` (whole-span breathing rate, breaths/min, or why
    none), ``windows`` ((W,) centres s, (W,) rates, NaN where none) and ``source``."""

    beats: np.ndarray
    quality: float
    hrv: dict[str, Any]
    rate: float | None
    reason: str | None
    windows: tuple[np.ndarray, np.ndarray]
    source: str


def uniform_series(times: np.ndarray, values: np.ndarray, t0: float, t1: float) -> tuple[np.ndarray, float]:
    """``values`` sampled at ``times`` (s) put on a uniform grid from ``t0`` to ``t1`` s at
    their median rate there: ``((N,) values, rate Hz)``. ValueError with fewer than 2 samples there."""
    times, values = np.asarray(times, float), np.asarray(values, float)
    inside = (times >= t0) & (times <= t1)
    if inside.sum() < 2:
        raise ValueError(f"fewer than 2 samples between {t0:g} and {t1:g} s")
    fs = float(1.0 / np.median(np.diff(times[inside])))
    grid = t0 + np.arange(int(np.floor((t1 - t0) * fs)) + 1) / fs
    return np.interp(grid, times, values), fs


def noisy_beats_reason(beats: np.ndarray, settings: BeatProtocol) -> str | None:
    """"too noisy: ..." when more of the intervals of ``beats`` (s) than ``settings.max_artefact_share``
    are artefacts (:func:`.hrv.artefact_share`: missed, extra or misplaced beats), else None."""
    share = artefact_share(beats)
    if share > settings.max_artefact_share:
        return (f"too noisy: {100 * share:.0f} % of beat intervals change by more than "
                f"{100 * ARTEFACT_CHANGE:.0f} % (at most {100 * settings.max_artefact_share:.0f} %)")
    return None


def side_hrv(beats: np.ndarray, quality: float, settings: BeatProtocol) -> dict[str, Any]:
    """HRV indices of ``beats`` (s), or "too noisy" for each when the pulse's ``quality`` is
    below ``settings.min_quality`` or its intervals hold too many artefacts (:func:`noisy_beats_reason`);
    with too few beats, :func:`.hrv.hrv_indices` says so."""
    if beats.size >= MIN_BEATS and quality < settings.min_quality:
        return unscored_indices(f"too noisy: beats unlike their template "
                                f"(correlation {quality:.2f} < {settings.min_quality:g})")
    noisy = noisy_beats_reason(beats, settings)
    if noisy:
        return unscored_indices(noisy)
    return hrv_indices(beats, settings.min_lf_hf_s)


def _breathing_kwargs(settings: BeatProtocol) -> dict[str, Any]:
    return {"band": settings.breathing_band, "modulations": settings.breathing_modulations,
            "fusion_sd_bpm": settings.fusion_sd_bpm, "min_quality": settings.min_quality}


def reference_side(ref_times: np.ndarray, ref_ppg: np.ndarray, t0: float, t1: float, settings: BeatProtocol,
                   respiration: np.ndarray | None = None,
                   respiration_times: np.ndarray | None = None,
                   beat_times: np.ndarray | None = None) -> ReferenceSide:
    """The reference of the span ``t0``-``t1`` s: beats and HRV of the reference PPG, or the true
    ``beat_times`` (s) inside the span when given; breathing rate of the respiration signal (belt)
    when given, else derived from the PPG as from a method's pulse. ValueError when the PPG has
    fewer than 2 samples in the span."""
    ppg, fs = uniform_series(ref_times, ref_ppg, t0, t1)
    if beat_times is None:
        beats = method_beats(t0, ppg, fs, settings)  # as reference_ppg_beats, on the series already made
    else:
        beats = np.asarray(beat_times, float)
        beats = beats[(beats >= t0) & (beats <= t1)]
    quality = pulse_quality(ppg, fs)
    window = (settings.breathing_window, settings.breathing_step)
    if respiration is not None and respiration_times is not None:
        source = RESPIRATION_BELT
        try:
            belt, fs = uniform_series(respiration_times, respiration, t0, t1)
            rate, reason = respiration_reference_rate(belt, fs, settings.breathing_band), None
        except ValueError as exc:
            belt, rate, reason = None, None, str(exc)
        windowed = (respiration_rate_windowed(belt, fs, *window, band=settings.breathing_band)
                    if belt is not None else {"times": np.zeros(0), "rate_bpm": np.zeros(0)})
    else:
        source = DERIVED_FROM_PPG
        whole = breathing_rate(ppg, fs, **_breathing_kwargs(settings))
        rate, reason = whole["rate_bpm"], whole["reason"]
        windowed = breathing_rate_windowed(ppg, fs, *window, **_breathing_kwargs(settings))
    return ReferenceSide(beats=beats, quality=quality, hrv=side_hrv(beats, quality, settings), rate=rate,
                         reason=reason, windows=(t0 + windowed["times"], windowed["rate_bpm"]), source=source)


def beat_offset(ref_beats: np.ndarray, est_beats: np.ndarray, max_offset_s: float) -> float:
    """Median difference (s) from each estimated beat to its nearest reference beat, over the
    differences within ``max_offset_s``; 0 when there is none. Added to the estimated beats,
    it takes out a constant delay (pulse transit between face and finger, clock offsets)."""
    if ref_beats.size == 0 or est_beats.size == 0:
        return 0.0
    idx = np.clip(np.searchsorted(ref_beats, est_beats), 1, max(ref_beats.size - 1, 1))
    left, right = ref_beats[idx - 1], ref_beats[np.minimum(idx, ref_beats.size - 1)]
    nearest = np.where(np.abs(left - est_beats) <= np.abs(right - est_beats), left, right)
    diff = nearest - est_beats
    diff = diff[np.abs(diff) <= max_offset_s]
    return float(np.median(diff)) if diff.size else 0.0


def _ibi_columns(ref: np.ndarray, est: np.ndarray, settings: BeatProtocol) -> dict[str, Any]:
    """IBI agreement columns of estimated beats ``est`` with reference beats ``ref`` (s)."""
    offset = beat_offset(ref, est, settings.max_offset_s)
    err = ibi_errors(ref, est + offset, settings.tolerance_s)
    reason = None
    if err["n_ibi"] == 0:
        reason = ("no reference beats" if err["n_ref"] == 0 else "no beats found" if err["n_est"] == 0
                  else f"no two consecutive beats matched within {settings.tolerance_s:g} s")
    return {"ibi_mae_ms": err["ibi_mae_ms"], "ibi_reason": reason, "beats_matched_share": err["matched_share"],
            "beats_missed": err["missed"], "beats_extra": err["extra"], "beats_ref": err["n_ref"],
            "beats_est": err["n_est"], "beat_offset_s": offset}


def _windowed_error(est: dict[str, np.ndarray], t0: float, ref: ReferenceSide,
                    step: float) -> dict[str, Any]:
    """Mean absolute difference (breaths/min) of the windows whose centres lie within half a
    ``step`` of a reference window's, where both have a rate."""
    centres = t0 + est["times"]
    ref_t, ref_rate = ref.windows
    errors = []
    for c, rate in zip(centres, est["rate_bpm"]):
        k = int(np.argmin(np.abs(ref_t - c))) if ref_t.size else -1
        if k >= 0 and abs(ref_t[k] - c) <= step / 2 and np.isfinite(rate) and np.isfinite(ref_rate[k]):
            errors.append(abs(rate - ref_rate[k]))
    reason = None
    if not errors:
        why = Counter(r for r in est["reason"] if r).most_common(1)
        reason = ("no window with a rate on both sides"
                  + (f" (est, most often: {why[0][0]})" if why else f" (ref: {ref.reason or 'none in any window'})"))
    return {"breathing_win_mae": float(np.mean(errors)) if errors else float("nan"),
            "breathing_win_n": len(errors), "breathing_win_reason": reason}


def reference_ppg_beats(ref_times: np.ndarray, ref_ppg: np.ndarray, t0: float, t1: float,
                        settings: BeatProtocol) -> np.ndarray:
    """Beat times (K,) s of the reference PPG (``ref_ppg`` at ``ref_times`` s) from ``t0`` to ``t1`` s, found
    as a method's (:func:`method_beats`) on a uniform grid at the PPG's median rate there."""
    ppg, fs = uniform_series(ref_times, ref_ppg, t0, t1)
    return method_beats(t0, ppg, fs, settings)


def method_beats(t0: float, pulse: np.ndarray, fs: float, settings: BeatProtocol) -> np.ndarray:
    """Beat times (s, recording clock) of a method's ``pulse`` (N,) sampled at ``fs`` Hz from ``t0`` s."""
    return t0 + beat_times(pulse, fs, settings.band, settings.rel_prominence,
                           secondary_share=settings.secondary_share)


def method_columns(t0: float, pulse: np.ndarray, fs: float, ref: ReferenceSide,
                   settings: BeatProtocol) -> dict[str, Any]:
    """The beat, HRV and breathing columns (module docstring) of a method's ``pulse`` (N,) at
    ``fs`` Hz from ``t0`` s, against ``ref``."""
    est = method_beats(t0, pulse, fs, settings)
    quality = pulse_quality(pulse, fs)
    noisy = noisy_beats_reason(est, settings)
    if noisy:  # the breathing rate comes from the beat intervals (RIFV): artefacts make it up
        whole = {"rate_bpm": None, "reason": noisy}
        windowed = {"times": np.zeros(0), "rate_bpm": np.zeros(0), "reason": [noisy]}
    else:
        whole = breathing_rate(pulse, fs, **_breathing_kwargs(settings))
        windowed = breathing_rate_windowed(pulse, fs, settings.breathing_window, settings.breathing_step,
                                           **_breathing_kwargs(settings))
    rate = whole["rate_bpm"]
    reasons = [f"{side}: {why}" for side, why in (("est", whole["reason"]), ("ref", ref.reason)) if why]
    return {
        **_ibi_columns(ref.beats, est, settings),
        "pulse_quality_ref": ref.quality, "pulse_quality_est": quality,
        **paired_indices(ref.hrv, side_hrv(est, quality, settings)),
        "breathing_est": rate, "breathing_ref": ref.rate,
        "breathing_error": rate - ref.rate if rate is not None and ref.rate is not None else None,
        "breathing_reason": "; ".join(reasons) or None, "breathing_ref_source": ref.source,
        **_windowed_error(windowed, t0, ref, settings.breathing_step),
    }
