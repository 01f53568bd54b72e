"""The ``"structured"`` heart-rate estimator: spectral candidates judged by their harmonic structure.

Instead of summing harmonics (``"harmonic"``), it asks which peaks each candidate rate explains:

1. Spectrum: Hann-windowed periodogram zero-padded to a 0.1 bpm grid, of the signal band-passed
   wide (as ``"harmonic"``: harmonics kept up to just below Nyquist), scaled to a maximum of 1 in
   ``band`` widened by ``0.5 / duration`` Hz (a rate just outside the band still peaks inside);
   ``floor_factor`` x its median there is subtracted (``pc``).
2. Candidates: the ``max_candidates`` highest local maxima there (``scipy.signal.find_peaks``,
   prominence at least ``min_prominence``). A rate must carry power at its own fundamental: a
   sub-harmonic with no peak of its own is never a candidate.
3. Teeth ``t_k``, k = 1..``n_harmonics``: the power of ``pc`` within ``tooth_bins / duration +
   tooth_hz k`` Hz of ``k f`` (plus ``fundamental_hz`` for k = 1, so that a rate smeared by
   variability or a step is counted whole), each capped at ``max_harmonic_ratio`` x ``t_1``.
4. Structure: ``f`` claims its even teeth only in proportion to its odd ones -- ``gate_2 =
   min(1, (t_3 + t_5) / (odd_ratio (t_2 + t_4 + t_6)))``: a disturbance at half the heart rate has
   the pulse's peaks at its even multiples and nothing at 1.5x and 2.5x the pulse rate -- and its
   teeth at multiples of 3 in proportion to ``t_2 + t_4 + t_5`` (``gate_3``, the same way). A
   harmonic counts only if every lower one holds ``hole_ratio`` x ``t_1`` (no holes in the series;
   with ``bridge_second`` a missing 2nd harmonic is bridged by a present 3rd: a disturbance at twice
   the rate in antiphase can cancel a sharp pulse's 2nd harmonic, which otherwise hands the rate to
   its 3rd harmonic).
   Score: ``t_1 + harmonic_gain x sum_k gate_k t_k``. The winner's rate is the phase-advance rate
   of the signal band-passed to within ``rate_hz`` of its peak (:func:`phase_rate`): the mean rate
   when it stepped, and the pulse's own rate when a weaker disturbance shares that band (a
   power-weighted centroid there, used before, is pulled toward it); the centroid of ``pc`` within
   ``centroid_hz`` remains the fallback should the phase rate leave that span or the signal be too
   short for it (under ``rate_min_span_s`` once ``rate_trim_s`` is left out at each end). Every
   signal's rate is this one quantity (until 2026-12-07 the rate of regular beats replaced it on clean
   signals: the reference and a noisy prediction then got two different means, docs/hr-estimators.md).
   The band is searched ``edge_margin_hz`` beyond its edges (a 40 bpm pulse under a 42 bpm edge is
   found, and reported at the edge, instead of its 2nd harmonic).
5. Confidence in [0, 1] (:func:`evidence`, :func:`confidence`): a logistic of the winner's share
   of the scores, the runner-up's score ratio, the fraction of the power its harmonics hold, the
   peak's clearance over the floor, and time-domain evidence -- the autocorrelation of the
   band-passed signal at the winner's period and the fraction of beat intervals
   (``scipy.signal.find_peaks``) within 10 % of it -- fitted on the design half of
   :mod:`rppg_bench.metrics.hr_corpus` as the probability of an error within 5 bpm.

A tracked window (:mod:`rppg_bench.metrics.hr_track`) whose path takes another candidate than its
winner gets that candidate's phase rate the same way (:func:`rates_on_path`), in a band kept clear of
any candidate that scores higher.

Time-domain evidence only enters the confidence: as a factor on the scores it made the corpus's
gross-error rate worse (a sinusoidal disturbance is as periodic as the pulse). The settings
(:class:`StructuredParams`) were chosen on the design half of the corpus
(``benchmarks/hr_structured_tuning.py``). Frequencies in Hz, rates in bpm, durations in s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal as sps

from .hr_estimators import autocorrelation, detrend_bandpass
from .signal import bandpass_design, signal_bandpass, sosfiltfilt_zi
from .spectra import hann_periodogram, nfft


@dataclass(frozen=True)
class StructuredParams:
    """Settings of the structured estimator (tuned on the design half of ``hr_corpus``)."""

    max_candidates: int = 8
    min_prominence: float = 0.05
    n_harmonics: int = 6
    floor_factor: float = 1.0
    odd_ratio: float = 0.25
    harmonic_gain: float = 2.0
    tooth_hz: float = 0.03
    tooth_bins: float = 1.0
    max_harmonic_ratio: float = 1.5
    centroid_hz: float = 0.25
    rate_hz: float = 0.25
    rate_trim_s: float = 1.5
    rate_min_span_s: float = 6.0
    hole_ratio: float = 0.05
    fundamental_hz: float = 0.15
    edge_margin_hz: float = 0.08
    bridge_second: bool = True


DEFAULT_PARAMS = StructuredParams()


@dataclass(frozen=True)
class Candidates:
    """The candidate fundamentals of one signal: ``hz`` (K,) Hz, ``score`` (K,) >= 0 and
    ``weight`` (K,) the scores normalised to sum 1; ``best`` indexes the winner, ``confidence``
    in [0, 1] rates it from its ``evidence`` (:data:`EVIDENCE`)."""

    hz: np.ndarray
    score: np.ndarray
    weight: np.ndarray
    best: int
    confidence: float
    evidence: np.ndarray

    @property
    def bpm(self) -> float:
        """The winner's rate (bpm)."""
        return 60.0 * float(self.hz[self.best])


def hr_structured(x: np.ndarray, fs: float, band: tuple[float, float]) -> float:
    """Heart rate (bpm) of a validated signal ``x`` (N,) at ``fs`` Hz (``hr_estimate(method="structured")``)."""
    return structured_rows(x[None], fs, band)[0].bpm


def structured_rows(rows: np.ndarray, fs: float, band: tuple[float, float],
                    params: StructuredParams = DEFAULT_PARAMS) -> list[Candidates]:
    """The candidates of every row of ``rows`` (W, N) (validated, scaled signals at ``fs`` Hz)."""
    return structured_windows(rows, fs, band, params)[0]


def structured_windows(rows: np.ndarray, fs: float, band: tuple[float, float],
                       params: StructuredParams = DEFAULT_PARAMS) -> tuple[list[Candidates], np.ndarray]:
    """:func:`structured_rows` and the rows band-passed to ``band`` (W, N) that their rates were read
    from (:func:`rates_on_path` reads a tracked path's rates from them)."""
    f, p, narrow = spectra_rows(rows, fs, band)
    duration = rows.shape[-1] / fs
    return [judge(f, p[w], narrow[w], fs, band, duration, params) for w in range(len(p))], narrow


def spectra_rows(rows: np.ndarray, fs: float, band: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 1's input for every row of ``rows`` (W, N): the frequency grid (F,) Hz, the spectra (W, F) of
    the rows band-passed wide, and the rows band-passed to ``band`` (W, N) (the time-domain evidence)."""
    wide = detrend_bandpass(rows, fs, (min(0.5, 0.7 * band[0]), 0.98 * fs / 2.0))
    f, p = hann_periodogram(wide, fs, nfft(wide.shape[-1], fs))
    return f, p, signal_bandpass(wide, fs, band)


def judge(f: np.ndarray, p: np.ndarray, narrow: np.ndarray, fs: float, band: tuple[float, float],
          duration: float, params: StructuredParams = DEFAULT_PARAMS) -> Candidates:
    """Steps 1-5 on one spectrum ``p`` (F,) over ``f`` (F,) Hz and the band-passed signal ``narrow`` (N,)."""
    s = scored_candidates(f, p, band, duration, params)
    best = int(np.argmax(s.score))
    total = float(s.score.sum())
    weight = s.score / total if total > 0 else np.full(s.score.size, 1.0 / s.score.size)
    hz = f[s.bins].copy()
    hz[best] = winner_rate(f, s.pc, narrow, fs, int(s.bins[best]), params)
    facts = evidence(f, s.pc, narrow, fs, band, hz[best], s.score, s.teeth[best], s.floor)
    return Candidates(hz=np.clip(hz, band[0], band[1]), score=s.score, weight=weight, best=best,
                      confidence=confidence(facts), evidence=facts)


@dataclass(frozen=True)
class Scored:
    """Steps 1-4 on one spectrum: the floor-subtracted spectrum ``pc`` (F,) (scaled to 1 in band), the
    candidates' ``bins`` (K,) in it, their ``teeth`` (K, n_harmonics) and ``score`` (K,), and the ``floor``
    (the median of the scaled spectrum in band)."""

    pc: np.ndarray
    bins: np.ndarray
    teeth: np.ndarray
    score: np.ndarray
    floor: float


def scored_candidates(f: np.ndarray, p: np.ndarray, band: tuple[float, float], duration: float,
                      params: StructuredParams = DEFAULT_PARAMS) -> Scored:
    """Steps 1-4 on one spectrum ``p`` (F,) over ``f`` (F,) Hz of a ``duration`` s signal: its candidates
    in ``band`` (Hz) and their scores. A ValueError when the band holds no power."""
    margin = max(0.5 / duration, params.edge_margin_hz)  # Hz: a rate just outside the band still peaks inside
    in_band = (f >= band[0] - margin) & (f <= band[1] + margin)
    peak = float(p[in_band].max()) if np.any(in_band) else 0.0
    if not peak > 0:
        raise ValueError("signal has no power in the heart-rate band")
    p = p / peak
    floor = float(np.median(p[in_band]))
    pc = np.clip(p - params.floor_factor * floor, 0.0, None)
    idx = candidate_bins(p, in_band, params)
    teeth = harmonic_teeth(f, pc, f[idx], duration, params.n_harmonics, params.tooth_hz,
                           params.tooth_bins, params.fundamental_hz)
    return Scored(pc=pc, bins=idx, teeth=teeth, score=structure_score(teeth, params), floor=floor)


def candidate_bins(p: np.ndarray, in_band: np.ndarray, params: StructuredParams) -> np.ndarray:
    """Bins (K,) of the highest local maxima of ``p`` in ``in_band`` with a prominence of at least
    ``min_prominence`` (``p`` scaled to 1 in band); the band's maximum if it has none."""
    first = int(np.flatnonzero(in_band)[0])
    seg = p[in_band]
    pk, _ = sps.find_peaks(seg, prominence=params.min_prominence)
    if pk.size == 0:
        return np.array([first + int(np.argmax(seg))])
    order = np.argsort(seg[pk])[::-1][:params.max_candidates]
    return first + pk[order]


def harmonic_teeth(f: np.ndarray, pc: np.ndarray, hz: np.ndarray, duration: float,
                   n_harmonics: int, tooth_hz: float, tooth_bins: float,
                   fundamental_hz: float = 0.0) -> np.ndarray:
    """(K, n_harmonics) teeth: the power of ``pc`` (F,) summed within ``tooth_bins / duration + tooth_hz k`` Hz
    of ``k hz`` (Hz, times the bin width) for k = 1..n_harmonics (0 beyond the spectrum)."""
    df = f[1] - f[0]
    cum = np.concatenate([[0.0], np.cumsum(pc)]) * df
    out = np.zeros((hz.size, n_harmonics))
    for j, k in enumerate(range(1, n_harmonics + 1)):
        half = round((tooth_bins / duration + tooth_hz * k + fundamental_hz * (k == 1)) / df)
        centre = np.rint(k * hz / df).astype(int)
        lo, hi = np.clip(centre - half, 0, f.size), np.clip(centre + half + 1, 0, f.size)
        out[:, j] = cum[hi] - cum[lo]
    return out


def structure_score(teeth: np.ndarray, params: StructuredParams) -> np.ndarray:
    """Step 4: the score (K,) of candidates with ``teeth`` (K, H): the power at harmonics 1..H."""
    k = np.arange(1, teeth.shape[1] + 1)
    fundamental = teeth[:, 0]
    capped = np.minimum(teeth, params.max_harmonic_ratio * fundamental[:, None])
    gates = np.ones_like(teeth)
    for m in (2, 3):
        mine = k % m == 0  # teeth that a rate m times higher would also explain
        others = capped[:, ~mine & (k > 1) & (k <= 5)].sum(axis=1)
        gate = np.clip(others / (params.odd_ratio * capped[:, mine].sum(axis=1) + 1e-12), 0.0, 1.0)
        gates[:, mine] = np.minimum(gates[:, mine], gate[:, None])
    # no holes: a harmonic counts only if every lower one is present
    present = capped >= params.hole_ratio * fundamental[:, None]
    if params.bridge_second:  # a 2nd harmonic cancelled by a 2x disturbance in antiphase leaves no hole
        present[:, 1] |= present[:, 2]
    unbroken = np.cumprod(present, axis=1).astype(bool)
    weights = np.where(k > 1, params.harmonic_gain, 1.0)
    return (gates * capped * weights * unbroken).sum(axis=1)


def winner_rate(f: np.ndarray, pc: np.ndarray, narrow: np.ndarray, fs: float, i: int,
                params: StructuredParams = DEFAULT_PARAMS) -> float:
    """The rate (Hz) of the winner whose peak is bin ``i`` of ``pc`` (F,) over ``f`` (F,) Hz: the
    :func:`phase_rate` of ``narrow`` (N,) at ``fs`` Hz within ``rate_hz`` of ``f[i]``, or the
    :func:`centroid` within ``centroid_hz`` should the phase rate fall more than ``centroid_hz`` away
    or be unavailable (a short signal, a rate near the Nyquist frequency)."""
    rate = near_phase_rate(narrow, fs, float(f[i]), params)
    return centroid(f, pc, i, params.centroid_hz) if rate is None else rate


def near_phase_rate(narrow: np.ndarray, fs: float, hz: float, params: StructuredParams = DEFAULT_PARAMS,
                    half_width: float | None = None) -> float | None:
    """The :func:`phase_rate` (Hz) of ``narrow`` (N,) at ``fs`` Hz within ``half_width`` (default
    ``rate_hz``) of a peak at ``hz`` Hz; None when it is unavailable or more than ``centroid_hz`` from ``hz``."""
    half = params.rate_hz if half_width is None else half_width
    rate = phase_rate(narrow, fs, hz, half, params.rate_trim_s, params.rate_min_span_s)
    return rate if rate is not None and abs(rate - hz) <= params.centroid_hz else None


def rates_on_path(bpm: np.ndarray, chosen: np.ndarray, candidates: list[Candidates], narrow: np.ndarray,
                  fs: float, band: tuple[float, float], params: StructuredParams = DEFAULT_PARAMS) -> np.ndarray:
    """A tracked path's rates ``bpm`` (W,) with every window whose path took a candidate other than its
    winner (``chosen`` (W,): the index of the candidate each rate is, -1 for the path's grid rate, as
    :func:`rppg_bench.metrics.hr_track.track` returns it) read as a winner is, from its band-passed row
    ``narrow[w]`` (W, N) at ``fs`` Hz: the :func:`near_phase_rate` near that candidate's peak instead of
    the peak's bin (a bin's peak is pulled by what leaks into it, e.g. the skirt of a motion peak),
    within ``rate_hz`` or half the distance to the nearest candidate that scores higher, whichever is
    less: such a candidate is stronger, and the phase of a band holding a stronger component advances
    at that component's rate. Rates stay in ``band`` (Hz), as a winner's."""
    out = np.array(bpm, dtype=float)
    for w, c in enumerate(candidates):
        if not left_winner(int(chosen[w]), c):
            continue
        gap = stronger_gap_hz(c, int(chosen[w]))
        if gap == 0.0:  # a stronger candidate at the same rate (two peaks clipped to a band edge): no band
            continue
        rate = near_phase_rate(narrow[w], fs, float(c.hz[chosen[w]]), params, min(params.rate_hz, 0.5 * gap))
        out[w] = out[w] if rate is None else 60.0 * float(np.clip(rate, band[0], band[1]))
    return out


def left_winner(chosen: int, c: Candidates) -> bool:
    """Whether a tracked window's rate is its candidate ``chosen`` (an index of ``c``; -1: none) other
    than its winner."""
    return chosen >= 0 and chosen != c.best


def stronger_gap_hz(c: Candidates, chosen: int) -> float:
    """Distance (Hz) from candidate ``chosen`` (an index of ``c``) to the nearest candidate of ``c``
    scoring higher; inf when none does."""
    stronger = c.hz[c.score > c.score[chosen]]
    return float(np.min(np.abs(stronger - c.hz[chosen]))) if stronger.size else float("inf")


def phase_rate(narrow: np.ndarray, fs: float, hz: float, half_width: float, trim_s: float,
               min_span_s: float) -> float | None:
    """Mean rate (Hz) of ``narrow`` (N,) at ``fs`` Hz band-passed to ``hz`` +- ``half_width`` Hz
    (2nd-order Butterworth, zero-phase): the unwrapped phase advance of its analytic signal
    (``scipy.signal.hilbert``) per 2 pi s, ``trim_s`` s left out at each end (the filter's
    transients). None when fewer than ``min_span_s`` s remain (on a 5 s clip the transients
    are most of the signal: errors up to 3 bpm on clean pulses, against 0.2 bpm at 8 s) or when
    ``hz`` is too close to the Nyquist frequency for the band.

    Where the rate stepped, the phase advanced at each rate for its time: the mean rate. Where a
    weaker component shares the band, the phase of the sum advances at the stronger one's rate
    (the weaker adds a bounded wobble, no whole cycles), so a disturbance near the pulse's rate
    does not pull the estimate toward it as a spectral centroid does."""
    lo, hi = max(0.5 * hz, hz - half_width), hz + half_width
    k = round(trim_s * fs)
    span = narrow.size - 1 - 2 * k  # samples between the first and the last phase read
    if hi > 0.45 * fs or span < min_span_s * fs:  # no room for the band below Nyquist, or too short
        return None
    phase = np.unwrap(np.angle(analytic_band(narrow, fs, lo, hi)))
    return float((phase[k + span] - phase[k]) * fs / (2.0 * np.pi * span))


def analytic_band(x: np.ndarray, fs: float, lo: float, hi: float) -> np.ndarray:
    """Analytic signal (N,) (``scipy.signal.hilbert``) of ``x`` (N,) at ``fs`` Hz band-passed to
    ``lo``-``hi`` Hz (2nd-order Butterworth, zero phase: as ``sosfiltfilt(butter(.., fs=fs))``)."""
    return sps.hilbert(sosfiltfilt_zi(*bandpass_design(2, 2.0 * lo / fs, 2.0 * hi / fs), x))


def centroid(f: np.ndarray, pc: np.ndarray, i: int, half_width: float) -> float:
    """Power-weighted mean frequency (Hz) of ``pc`` within ``half_width`` Hz of bin ``i``: the mean
    rate when it changed within the window (each rate's peak holds power in proportion to its time)."""
    half = round(half_width / (f[1] - f[0]))
    lo, hi = max(0, i - half), min(f.size, i + half + 1)
    w = pc[lo:hi]
    return float(np.sum(w * f[lo:hi]) / np.sum(w)) if np.sum(w) > 0 else float(f[i])


def autocorrelation_at(y: np.ndarray, fs: float, hz: np.ndarray) -> np.ndarray:
    """Autocorrelation (K,) of ``y`` (N,) (biased, 1 at lag 0) at the lags ``1 / hz`` s, linearly
    interpolated between samples; 0 for lags beyond the signal."""
    r = autocorrelation(y)
    lags = fs / np.asarray(hz, dtype=float)
    return np.interp(lags, np.arange(r.size), r, right=0.0)


def beat_agreement(narrow: np.ndarray, fs: float, band: tuple[float, float], hz: np.ndarray,
                   tolerance: float) -> np.ndarray:
    """Fraction (K,) of the beat intervals of ``narrow`` within ``tolerance`` (relative) of each
    candidate's period ``1 / hz``; beats are ``find_peaks`` maxima at least ``1 / band[1]`` s apart
    with a prominence of at least a third of the median prominence."""
    pk, props = sps.find_peaks(narrow, distance=max(1, int(np.floor(fs / band[1]))), prominence=0.0)
    if pk.size < 3:
        return np.zeros(hz.size)
    pk = pk[props["prominences"] >= np.median(props["prominences"]) / 3.0]
    ibi = np.diff(pk) / fs
    if ibi.size == 0:
        return np.zeros(hz.size)
    return np.mean(np.abs(ibi[None, :] * hz[:, None] - 1.0) <= tolerance, axis=1)


#: names of :func:`evidence`'s entries, and the logistic weights (and intercept, last) that turn them into
#: the probability that the estimate is within 5 bpm (fitted on the design half of ``hr_corpus``)
EVIDENCE = ("share", "runner_up", "harmonic_fraction", "clearance", "autocorrelation", "beat_agreement")
CONFIDENCE_WEIGHTS = np.array([1.93, -0.97, 3.68, 11.49, 0.34, 1.93, -6.04])


def evidence(f: np.ndarray, pc: np.ndarray, narrow: np.ndarray, fs: float,
             band: tuple[float, float], hz: float, score: np.ndarray, teeth: np.ndarray,
             floor: float) -> np.ndarray:
    """What speaks for the winner at ``hz`` Hz (:data:`EVIDENCE`, each in [0, 1]): its ``share`` of the
    candidates' scores, the ``runner_up``'s score over its own, the ``harmonic_fraction`` of the
    floor-subtracted power ``pc`` up to ``len(teeth)`` x ``band[1]`` that its harmonics hold, the
    ``clearance`` of the band's peak over the median ``floor`` of the spectrum scaled to that peak
    (``-log10(floor) / 4``, clipped to [0, 1]), and
    the time-domain evidence of ``narrow``: its ``autocorrelation`` at the winner's period and the
    ``beat_agreement`` of its beat intervals with that period."""
    ordered = np.sort(score)[::-1]
    runner_up = ordered[1] / ordered[0] if ordered.size > 1 and ordered[0] > 0 else 0.0
    reach = (f >= band[0] * 0.7) & (f <= teeth.size * band[1])
    total = float(pc[reach].sum()) * (f[1] - f[0])
    fraction = min(1.0, float(teeth.sum()) / total) if total > 0 else 0.0
    acf = float(autocorrelation_at(narrow, fs, np.array([hz]))[0])
    beats = float(beat_agreement(narrow, fs, band, np.array([hz]), 0.1)[0])
    share = ordered[0] / ordered.sum() if ordered.sum() > 0 else 0.0
    clearance = float(np.clip(-np.log10(max(floor, 1e-12)) / 4.0, 0.0, 1.0))
    return np.array([share, runner_up, fraction, clearance, max(acf, 0.0), beats])


def confidence(facts: np.ndarray) -> float:
    """Confidence in [0, 1]: the logistic of :data:`CONFIDENCE_WEIGHTS` applied to ``facts`` (:data:`EVIDENCE`)."""
    z = float(CONFIDENCE_WEIGHTS[:-1] @ facts + CONFIDENCE_WEIGHTS[-1])
    return float(1.0 / (1.0 + np.exp(-z)))
