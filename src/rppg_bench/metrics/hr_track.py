"""Heart rate tracked across windows: a Viterbi path over each window's candidate rates.

Each window offers candidate rates with weights (:class:`rppg_bench.metrics.hr_structured.Candidates`).
The states are the rates of the band on a ``grid_bpm`` grid; a window's emission is
``log(floor + sum_c weight_c N(rate; bpm_c, emission_bpm))``, so that a rate no candidate names stays
possible (at a cost) and the transition from one window to the next is a Gaussian in the change of
rate, ``sd = max_change_bpm / 2`` per window step: a change of ``max_change_bpm`` costs 2 nats, a jump
by a harmonic (x2, /2: tens of bpm) tens of nats. One disturbed window whose winner is a harmonic or a
disturbance therefore keeps the rate its neighbours agree on, as long as the true rate is among its
candidates or near them; a lasting change is followed. The rate reported for a window is its
candidate nearest the path (within ``2 emission_bpm``), else the path's grid rate, and :func:`track`
says which candidate that is; where it is not the window's winner, ``hr_windowed`` then reads its
rate as a winner's is read, by phase (:func:`rppg_bench.metrics.hr_structured.rates_on_path`; since
2026-12-07, before that its spectral bin).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .hr_structured import Candidates


@dataclass(frozen=True)
class TrackParams:
    """Tracker settings: rate grid step, emission width and floor, largest usual change per window step (bpm)."""

    grid_bpm: float = 0.5
    emission_bpm: float = 2.0
    floor: float = 1e-3
    max_change_bpm: float = 10.0
    confidence_weighted: bool = True


def track(candidates: Sequence[Candidates], band: tuple[float, float],
          params: TrackParams = TrackParams()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tracked heart rate (bpm) (W,), its confidence (W,) in [0, 1] and the index (W,) of the candidate
    each window's rate is (-1 where no candidate is near the path and the path's grid rate stands) for
    windows' ``candidates`` (W of them, in time order) with rates in ``band`` (Hz).

    The confidence of a window whose tracked rate is its own winner is the winner's; otherwise it
    is scaled by the chosen candidate's weight over the winner's (0 if no candidate is near the path).
    """
    if len(candidates) == 0:
        raise ValueError("no windows to track")
    grid = np.arange(60.0 * band[0], 60.0 * band[1] + 0.5 * params.grid_bpm, params.grid_bpm)
    emission = np.array([_log_emission(c, grid, params) for c in candidates])
    if params.confidence_weighted:
        emission *= np.array([[c.confidence] for c in candidates])
    path = viterbi(emission, _log_transition(grid, params.max_change_bpm / 2.0))
    bpm, conf = np.empty(len(candidates)), np.empty(len(candidates))
    chosen = np.empty(len(candidates), dtype=int)
    for w, (c, state) in enumerate(zip(candidates, path)):
        bpm[w], conf[w], chosen[w] = _snap(c, grid[state], 2.0 * params.emission_bpm)
    return bpm, conf, chosen


def viterbi(log_emission: np.ndarray, log_transition: np.ndarray) -> np.ndarray:
    """Most likely state sequence (W,) of indices for ``log_emission`` (W, S) and ``log_transition``
    (S, S) (from row to column), with a flat start."""
    score = log_emission[0].copy()
    back = np.zeros(log_emission.shape, dtype=int)
    for w in range(1, len(log_emission)):
        total = score[:, None] + log_transition
        back[w] = np.argmax(total, axis=0)
        score = total[back[w], np.arange(total.shape[1])] + log_emission[w]
    path = np.empty(len(log_emission), dtype=int)
    path[-1] = int(np.argmax(score))
    for w in range(len(log_emission) - 1, 0, -1):
        path[w - 1] = back[w, path[w]]
    return path


def _log_emission(c: Candidates, grid: np.ndarray, params: TrackParams) -> np.ndarray:
    """``log(floor + sum_c weight_c N(grid; bpm_c, emission_bpm))`` with the Gaussians peaking at 1."""
    bumps = np.exp(-0.5 * ((grid[:, None] - 60.0 * c.hz[None, :]) / params.emission_bpm) ** 2)
    return np.log(params.floor + bumps @ c.weight)


def _log_transition(grid: np.ndarray, sd_bpm: float) -> np.ndarray:
    """(S, S) Gaussian log-probability (unnormalised) of moving from rate ``grid[i]`` to ``grid[j]``."""
    return -0.5 * ((grid[None, :] - grid[:, None]) / sd_bpm) ** 2


def _snap(c: Candidates, rate: float, within: float) -> tuple[float, float, int]:
    """The rate (bpm) of the candidate of ``c`` nearest ``rate`` (bpm) if within ``within`` bpm, its
    confidence and its index; else ``rate`` with confidence 0 and index -1."""
    dist = np.abs(60.0 * c.hz - rate)
    near = int(np.argmin(dist))
    if dist[near] > within:
        return float(rate), 0.0, -1
    return 60.0 * float(c.hz[near]), chosen_confidence(c, near), near


def chosen_confidence(c: Candidates, chosen: int) -> float:
    """Confidence in [0, 1] of a window whose tracked rate is its candidate ``chosen`` (an index of
    ``c``; -1: none, 0): the winner's confidence scaled by that candidate's weight over the winner's."""
    if chosen < 0:
        return 0.0
    scale = c.weight[chosen] / c.weight[c.best] if c.weight[c.best] > 0 else 0.0
    return float(np.clip(c.confidence * scale, 0.0, 1.0))
