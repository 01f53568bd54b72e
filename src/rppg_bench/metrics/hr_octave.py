"""The octave check of a tracked heart-rate path: is the path the pulse's 2nd harmonic?

A pulse whose 2nd harmonic is stronger than its fundamental and whose 3rd is weak (real finger-PPG
pulses often are: docs/hr-estimators.md, "Real recorded pulses") has, tooth for tooth, the spectrum of a
pulse at twice its rate with a disturbance at half that rate, which step 4 of the structured estimator
rejects (:mod:`.hr_structured`); the tracker then follows the 2nd harmonic. The two differ in time: one
source's harmonics move together (the instantaneous frequency of the band around ``2 f`` is twice that
of the band around ``f`` at every moment, through beat-to-beat variability, breathing and steps of the
rate), while a disturbance at half the pulse's rate is a source of its own. Over a signal of at least
``min_span_s`` the correlation of the two bands' instantaneous frequencies (:func:`harmonic_coupling`)
tells them apart: on corpus traces with a disturbance at half the rate it was at most 0.38 over 30 s
(0.49 over 15-20 s), on real recorded pulses its median was 0.74-0.80 (docs/hr-estimators.md, "The
octave check of a tracked path"). Over 10 s it does not (too few beats vary), so shorter signals are
left as they are.

:func:`halve_coupled_path` halves a tracked path where the band at half its mean rate is coupled to the
band at its rate and most windows hold a candidate there; each halved window then takes that candidate,
read as a tracked window's candidate is (its confidence stays the one the doubled rate had). Frequencies
in Hz, rates in bpm, times in s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .hr_structured import Candidates, analytic_band


@dataclass(frozen=True)
class OctaveParams:
    """Settings of the octave check: the bands' half widths around ``f`` (and twice that around
    ``2 f``), the span left out at each end (filter transients) and the averaging span of the
    instantaneous frequencies (s); the shortest signal checked (s), the coupling that halves a path,
    how near half the path's rate a window's candidate must be (Hz) and the share of windows that
    must hold one."""

    half_width_hz: float = 0.2
    trim_s: float = 1.5
    smooth_s: float = 1.0
    min_span_s: float = 15.0
    min_coupling: float = 0.5
    candidate_hz: float = 0.1
    min_windows: float = 0.5


DEFAULT_OCTAVE = OctaveParams()


def band_pair(x: np.ndarray, fs: float, hz: float, top_hz: float | None = None,
              params: OctaveParams = DEFAULT_OCTAVE) -> tuple[np.ndarray, np.ndarray] | None:
    """Analytic signals of ``x`` (N,) at ``fs`` Hz in ``hz`` - ``half_width_hz`` .. ``top_hz`` (default
    ``hz``) + ``half_width_hz`` and in twice that band, ``trim_s`` left out at each end; None where the
    upper band reaches 0.45 ``fs`` or fewer than 2 s remain."""
    k = round(params.trim_s * fs)
    lo, hi = hz - params.half_width_hz, (hz if top_hz is None else top_hz) + params.half_width_hz
    if 2.0 * hi > 0.45 * fs or x.size <= 2 * k + 2 * fs:
        return None
    y = x - np.mean(x)
    low = analytic_band(y, fs, max(0.3, lo), hi)[k:x.size - k]
    high = analytic_band(y, fs, 2.0 * lo, 2.0 * hi)[k:x.size - k]
    return low, high


def harmonic_coupling(x: np.ndarray, fs: float, hz: float, top_hz: float | None = None,
                      params: OctaveParams = DEFAULT_OCTAVE) -> float | None:
    """Correlation in [-1, 1] of the instantaneous frequencies of the bands of ``x`` (N,) at ``fs`` Hz
    around ``hz`` (up to ``top_hz``, for a rate that changes) and twice that (:func:`band_pair`), each
    averaged over ``smooth_s``: near 1 where one source makes both; None where the bands cannot be
    formed, 0 where either frequency is constant."""
    pair = band_pair(x, fs, hz, top_hz, params)
    if pair is None:
        return None
    n = max(1, round(params.smooth_s * fs))
    low, high = (np.convolve(np.diff(np.unwrap(np.angle(h))), np.ones(n) / n, "valid") for h in pair)
    if not (np.std(low) > 0 and np.std(high) > 0):
        return 0.0
    return float(np.corrcoef(low, high)[0, 1])


def phase_locking(x: np.ndarray, fs: float, hz: float, params: OctaveParams = DEFAULT_OCTAVE) -> float | None:
    """Phase-locking value in [0, 1] of the bands around ``hz`` and ``2 hz`` (:func:`band_pair`):
    ``|mean(exp(i (phi_2 - 2 phi_1)))|``; None where the bands cannot be formed. Not used by the check
    (a disturbance at exactly half a steady pulse's rate is locked too); kept for the benchmark."""
    pair = band_pair(x, fs, hz, params=params)
    if pair is None:
        return None
    low, high = pair
    return float(np.abs(np.mean(np.exp(1j * (np.angle(high) - 2.0 * np.angle(low))))))


def halve_coupled_path(x: np.ndarray, fs: float, bpm: np.ndarray, candidates: list[Candidates],
                       band: tuple[float, float],
                       params: OctaveParams = DEFAULT_OCTAVE) -> tuple[np.ndarray, np.ndarray] | None:
    """A tracked path's rates ``bpm`` (W,) of the windows of ``x`` (N,) at ``fs`` Hz halved where the
    path is the pulse's 2nd harmonic: ``x`` at least ``min_span_s`` long, half the path's mean rate in
    ``band`` (Hz), at least ``min_windows`` of the windows holding a candidate within ``candidate_hz``
    of half their rate, and the bands over half the path's rates and over its rates coupled above
    ``min_coupling`` (:func:`harmonic_coupling`). None where the path stays; else the halved path, as
    the tracker gives one (:func:`rppg_bench.metrics.hr_track.track`): each window's rate (W,) bpm is
    that candidate's (its bin, in ``band``), else half its rate, and the index (W,) of the candidate
    (-1: none), so that the rates are then read as any tracked window's are
    (:func:`rppg_bench.metrics.hr_structured.rates_on_path`)."""
    bpm = np.asarray(bpm, dtype=float)
    half_hz = float(np.mean(bpm)) / 120.0
    if x.size / fs < params.min_span_s or half_hz < band[0]:
        return None
    near = [np.flatnonzero(np.abs(c.hz - b / 120.0) <= params.candidate_hz) for c, b in zip(candidates, bpm)]
    if np.mean([n.size > 0 for n in near]) < params.min_windows:
        return None
    coupling = harmonic_coupling(x, fs, float(np.min(bpm)) / 120.0, float(np.max(bpm)) / 120.0, params)
    if coupling is None or not coupling > params.min_coupling:
        return None
    out = np.clip(bpm / 2.0, 60.0 * band[0], 60.0 * band[1])
    chosen = np.full(bpm.size, -1)
    for w, (c, idx) in enumerate(zip(candidates, near)):
        if idx.size:
            chosen[w] = int(idx[np.argmin(np.abs(c.hz[idx] - bpm[w] / 120.0))])
            out[w] = 60.0 * float(c.hz[chosen[w]])
    return out, chosen
