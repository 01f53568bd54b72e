"""The reference's heart rate checked against its beats.

The true heart rate of a video comes from its reference PPG, by the same spectral estimator as
the methods' (``Protocol.hr_method``). A contact PPG's own beats, though, are the definition of
the rate, and its spectrum can mislead: a finger PPG with a large late wave carries as much power
at twice its rate as at its rate and almost none at three times it, the pattern that
``"structured"`` reads as a pulse at twice the rate with a disturbance at half of it (clean
excerpts of heartpy's finger-PPG recordings: 7 % of them more than 5 bpm off, up to 24 % at
90 bpm; docs/hr-estimators.md "The reference's heart rate"). So where the reference's beats are
regular and their rate stands to the spectral estimate in a harmonic ratio (about 1/3, 1/2,
2/3, 3/2, 2 or 3), the beats' rate replaces it. Smaller disagreements (a missed beat, a step)
keep the spectral estimate, so both sides of a comparison keep the same estimator wherever the
two agree on the harmonic. Rates in bpm, times in s.
"""

from __future__ import annotations

import numpy as np

from ..datasets.ppg_model import beat_rate_bpm
from .hrv import artefact_share

#: ratios of a beat rate to a spectral estimate that mean the spectrum took a harmonic or a sub-harmonic
HARMONIC_RATIOS = (1 / 3, 1 / 2, 2 / 3, 3 / 2, 2.0, 3.0)

#: relative tolerance around each of :data:`HARMONIC_RATIOS`
RATIO_TOLERANCE = 0.1

#: fewest beats (three intervals) whose rate may overrule a spectral estimate
MIN_CHECK_BEATS = 4


def harmonic_slip(estimate_bpm: float, beats_bpm: float, tolerance: float = RATIO_TOLERANCE) -> bool:
    """Whether ``beats_bpm`` / ``estimate_bpm`` is within ``tolerance`` (relative) of one of
    :data:`HARMONIC_RATIOS`: the spectral estimate took a harmonic or a sub-harmonic of the beats' rate."""
    if not (np.isfinite(estimate_bpm) and np.isfinite(beats_bpm) and estimate_bpm > 0):
        return False
    ratio = beats_bpm / estimate_bpm
    return any(abs(ratio / r - 1.0) <= tolerance for r in HARMONIC_RATIOS)


def checked_rate(estimate_bpm: float, beats_s: np.ndarray, max_artefact_share: float) -> tuple[float, bool]:
    """The reference rate (bpm) and whether its beats overruled ``estimate_bpm``: they do when there
    are at least :data:`MIN_CHECK_BEATS` of ``beats_s`` (K,) s, at most ``max_artefact_share`` of
    their intervals change by more than 20 % (:func:`.hrv.artefact_share`), and their rate is in a
    harmonic ratio to the estimate (:func:`harmonic_slip`)."""
    beats_s = np.asarray(beats_s, dtype=float)
    if beats_s.size < MIN_CHECK_BEATS or artefact_share(beats_s) > max_artefact_share:
        return float(estimate_bpm), False
    rate = beat_rate_bpm(beats_s)
    if harmonic_slip(float(estimate_bpm), rate):
        return rate, True
    return float(estimate_bpm), False


def checked_windowed(centres_s: np.ndarray, estimates_bpm: np.ndarray, beats_s: np.ndarray, window_s: float,
                     max_artefact_share: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`checked_rate` of every window: ``estimates_bpm`` (W,) of the windows of ``window_s`` s
    centred at ``centres_s`` (W,) s (the beats' clock), each checked against the ``beats_s`` (K,) s
    inside it. Returns the rates (W,) bpm and which the beats overruled (W,) bool."""
    beats_s = np.asarray(beats_s, dtype=float)
    lo = np.searchsorted(beats_s, np.asarray(centres_s, float) - window_s / 2.0, side="left")
    hi = np.searchsorted(beats_s, np.asarray(centres_s, float) + window_s / 2.0, side="right")
    pairs = [checked_rate(float(e), beats_s[a:b], max_artefact_share) for e, a, b in zip(estimates_bpm, lo, hi)]
    return (np.array([r for r, _ in pairs], dtype=float).reshape(-1),
            np.array([o for _, o in pairs], dtype=bool).reshape(-1))
