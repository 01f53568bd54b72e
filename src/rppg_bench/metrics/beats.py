"""Beat times of a pulse signal and their agreement with reference beats.

:func:`beat_times` locates the systolic peaks of a pulse sampled at ``fs`` Hz
below the sample interval: zero-phase band-pass, ``scipy.signal.find_peaks``
with a refractory distance set by the band's highest rate and a relative
prominence rule (drops dicrotic-wave and noise peaks; a beat cut by the
signal's end keeps the prominence of its recorded side; a second pass spaces
the beats by the median interval of the peaks that are not secondary waves),
then parabolic interpolation of each peak. :func:`match_beats` pairs reference and estimated
beats one-to-one in time and :func:`ibi_errors` scores the inter-beat
intervals (IBI) of the matched beats. Times in s, intervals in ms as named.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as sps

from ..subsample import parabolic_offset
from .bands import DEFAULT_BAND_HZ
from .defaults import DEFAULT_REL_PROMINENCE, DEFAULT_TOLERANCE_S, SECONDARY_WAVE_SHARE
from .signal import signal_bandpass

#: peaks closer than this share of the median interval of a first pass are one beat (its
#: dicrotic wave, noise): a second pass keeps the most prominent of them
MIN_BEAT_SHARE = 0.6


def beat_times(signal: np.ndarray, fs: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
               rel_prominence: float = DEFAULT_REL_PROMINENCE, refractory: float = 0.75,
               secondary_share: float = SECONDARY_WAVE_SHARE) -> np.ndarray:
    """Systolic peak times (K,) in s (sample 0 at 0 s) of a pulse ``signal`` (N,) at ``fs`` Hz.

    The signal is band-passed to ``band`` (Hz). Peaks are at least
    ``refractory / band[1]`` s apart (a fraction of the shortest beat in the
    band, so beats slightly faster than it are kept) and have a prominence of at
    least ``rel_prominence`` times the 90th percentile of all peak prominences
    (:func:`edge_prominences`); then again with peaks at least
    :data:`MIN_BEAT_SHARE` of the median interval of the first pass's peaks that are
    not secondary waves (:func:`secondary_waves` with ``secondary_share``; 0 counts every
    peak, as before 2026-12-07) apart, which drops the dicrotic and late waves of slow pulses.
    Each peak is refined by the parabola through its sample and its neighbours.
    """
    y = signal_bandpass(np.asarray(signal, dtype=float), fs, band)
    distance = max(1, int(np.floor(refractory * fs / band[1])))
    peaks, prominences = prominent_peaks_and_prominences(y, distance, rel_prominence)
    main = peaks[~secondary_waves(prominences, secondary_share)]
    if main.size > 2:
        beat = int(np.floor(MIN_BEAT_SHARE * np.median(np.diff(main))))
        peaks = prominent_peaks(y, max(distance, beat), rel_prominence)
    offsets = np.array([parabolic_offset(y, int(i)) for i in peaks], dtype=float)
    return (peaks + offsets) / fs


def prominent_peaks(y: np.ndarray, distance: int, rel_prominence: float) -> np.ndarray:
    """Indices of the peaks of ``y`` (N,) at least ``distance`` samples apart whose prominence
    (:func:`edge_prominences`) is at least ``rel_prominence`` times the 90th percentile of theirs."""
    return prominent_peaks_and_prominences(y, distance, rel_prominence)[0]


def prominent_peaks_and_prominences(y: np.ndarray, distance: int,
                                    rel_prominence: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`prominent_peaks` of ``y`` (N,), (K,), and their prominences (K,) in units of ``y``."""
    peaks, props = sps.find_peaks(y, distance=distance, prominence=0.0)
    if not peaks.size:
        return peaks, np.zeros(0)
    prom = edge_prominences(y, peaks, props["left_bases"], props["right_bases"])
    keep = prom >= rel_prominence * np.percentile(prom, 90)
    return peaks[keep], prom[keep]


def secondary_waves(prominences: np.ndarray, share: float = SECONDARY_WAVE_SHARE) -> np.ndarray:
    """Which of consecutive peaks with ``prominences`` (K,) are secondary waves, (K,) bool: under
    ``share`` of the prominence of each neighbour (of its one neighbour for the first and last).

    A finger PPG's late wave sits between two taller systolic peaks on every beat; a beat that
    breathing or noise makes smaller is rarely under 0.6 of both its neighbours. A late wave of
    more than ``share`` of the systolic prominence is not secondary (the rule's limit)."""
    p = np.asarray(prominences, dtype=float)
    before = np.concatenate([[np.inf], p[:-1]])
    after = np.concatenate([p[1:], [np.inf]])
    return p < share * np.minimum(before, after)


def edge_prominences(y: np.ndarray, peaks: np.ndarray, left_bases: np.ndarray,
                     right_bases: np.ndarray) -> np.ndarray:
    """Prominences (K,) of ``peaks`` of ``y`` (N,) that do not shrink at the signal's ends.

    ``scipy.signal.peak_prominences`` measures a peak from the higher of its two
    bases; a side with no higher peak before the signal's end is cut short there
    (the last beat's fall is not recorded), so the drop on the other side is
    taken instead; a peak open on both sides (the highest) takes the larger drop.
    """
    left_drop = y[peaks] - y[left_bases]
    right_drop = y[peaks] - y[right_bases]
    higher_left = np.maximum.accumulate(y)[np.maximum(peaks - 1, 0)] > y[peaks]
    higher_right = np.maximum.accumulate(y[::-1])[::-1][np.minimum(peaks + 1, y.size - 1)] > y[peaks]
    higher_left[peaks == 0] = False
    higher_right[peaks == y.size - 1] = False
    return np.select([higher_left & higher_right, higher_left, higher_right],
                     [np.minimum(left_drop, right_drop), left_drop, right_drop],
                     np.maximum(left_drop, right_drop))


def template_correlation(y: np.ndarray, peaks: np.ndarray) -> float:
    """Mean correlation of each beat of the pulse ``y`` (N,) with their average
    (Orphanidou et al. 2015 signal-quality index): beats are windows of the median
    inter-beat interval centred on each of ``peaks`` (K,). 0 with fewer than two whole beats."""
    if peaks.size < 3:
        return 0.0
    half = int(np.median(np.diff(peaks))) // 2
    peaks = peaks[(peaks >= half) & (peaks + half < y.size)]
    if peaks.size < 2 or half < 2:
        return 0.0
    beats = np.stack([y[p - half:p + half] for p in peaks])
    beats = beats - beats.mean(axis=1, keepdims=True)
    template = beats.mean(axis=0)
    norms = np.linalg.norm(beats, axis=1) * np.linalg.norm(template)
    return float(np.mean(beats @ template / np.where(norms > 0, norms, np.inf)))


def match_beats(ref_times: np.ndarray, est_times: np.ndarray,
                tolerance_s: float = DEFAULT_TOLERANCE_S) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-to-one matching of estimated to reference beats within ``tolerance_s`` s.

    Closest pairs first: every pair of beats at most ``tolerance_s`` apart is
    taken in order of increasing time difference unless one of its beats is
    already matched. Returns ``(pairs, missed, extra)``: ``pairs`` (P, 2) int
    rows of (reference index, estimate index) sorted by reference index,
    ``missed`` the indices of unmatched reference beats, ``extra`` those of
    unmatched estimated beats.
    """
    ref = np.asarray(ref_times, dtype=float)
    est = np.asarray(est_times, dtype=float)
    gap = np.abs(ref[:, None] - est[None, :])
    cand_r, cand_e = np.nonzero(gap <= tolerance_s)
    order = np.argsort(gap[cand_r, cand_e], kind="stable")
    used_r = np.zeros(ref.size, dtype=bool)
    used_e = np.zeros(est.size, dtype=bool)
    pairs = []
    for r, e in zip(cand_r[order], cand_e[order]):
        if not used_r[r] and not used_e[e]:
            used_r[r] = used_e[e] = True
            pairs.append((r, e))
    pairs_arr = np.array(sorted(pairs), dtype=int).reshape(-1, 2)
    return pairs_arr, np.flatnonzero(~used_r), np.flatnonzero(~used_e)


def ibi_errors(ref_times: np.ndarray, est_times: np.ndarray,
               tolerance_s: float = DEFAULT_TOLERANCE_S) -> dict[str, float | int]:
    """Inter-beat-interval agreement of estimated with reference beats (times in s).

    IBIs are compared where two consecutive reference beats are matched to two
    consecutive estimated beats (:func:`match_beats`). Returns ``ibi_mae_ms``
    (mean absolute IBI difference, ms; NaN without such a pair), ``n_ibi`` (IBIs
    compared), ``matched_share`` (share of reference beats matched, 0-1; NaN
    without reference beats), ``n_ref``, ``n_est``, ``n_matched``, ``missed``
    (unmatched reference beats) and ``extra`` (unmatched estimated beats).
    """
    ref = np.asarray(ref_times, dtype=float)
    est = np.asarray(est_times, dtype=float)
    pairs, missed, extra = match_beats(ref, est, tolerance_s)
    r, e = pairs[:, 0], pairs[:, 1]
    consecutive = (np.diff(r) == 1) & (np.diff(e) == 1)
    diff_s = np.diff(est[e])[consecutive] - np.diff(ref[r])[consecutive]
    return {
        "ibi_mae_ms": float(1000.0 * np.mean(np.abs(diff_s))) if diff_s.size else float("nan"),
        "n_ibi": int(diff_s.size),
        "matched_share": float(len(pairs) / ref.size) if ref.size else float("nan"),
        "n_ref": int(ref.size),
        "n_est": int(est.size),
        "n_matched": len(pairs),
        "missed": int(missed.size),
        "extra": int(extra.size),
    }
