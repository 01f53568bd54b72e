"""How a tracked window reads the rate of a candidate its path takes over the winner (issue 24), kept
reproducible: the figures of docs/hr-estimators.md, "A tracked window's rate where the path leaves its
winner".

For every tracked 10 s window (every 1 s) whose Viterbi path takes a candidate other than the window's
winner, four readings of that candidate's rate:

- ``bin``: the bin of its spectral peak (the harness until 2026-12-07);
- ``phase``: its phase rate within ``rate_hz`` (0.25 Hz) of the peak, as a winner's;
- ``bounded`` (the default, ``hr_structured.rates_on_path``): the same within ``rate_hz`` or half the
  distance to the nearest candidate that scores higher, whichever is less;
- ``skip near``: the phase rate only where no candidate that scores higher lies within 0.5 Hz.

Prints the gross-error rate (|error| > 5 bpm, %) and MAE (bpm) of every tracked window against its true
mean rate on ``--recordings`` 60 s recordings of each half of the corpus (``hr_corpus.make_recording``),
the mean window error on a 60 bpm pulse with a steady stronger sinusoid 15 bpm above it for 20 s, and,
with ``--video-seeds``, the mean over every classical method of the whole-video and windowed distance
between prediction and reference PPG on those synthetic sets (2 easy and 14 hard videos of 30 s each,
as ``hr_video_sets.py``; each method's output computed here, about 2 minutes per seed, with the tracked
face pass). About 1 minute without videos::

    python benchmarks/hr_path_rate.py [--recordings 200] [--video-seeds 1 2]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from tabulate import tabulate

from rppg_bench.metrics.bands import DEFAULT_BAND_HZ
from rppg_bench.metrics.heart_rate import window_candidates
from rppg_bench.metrics.hr_corpus import error_summary, make_recording
from rppg_bench.metrics.hr_structured import (
    Candidates,
    left_winner,
    near_phase_rate,
    rates_on_path,
    stronger_gap_hz,
)
from rppg_bench.metrics.hr_track import track

#: a reading of the path's rates: (bpm (W,), chosen candidate (W,), candidates, narrow rows (W, N), fs Hz) -> bpm (W,)
Reading = Callable[[np.ndarray, np.ndarray, list[Candidates], np.ndarray, float], np.ndarray]


def phase_everywhere(bpm: np.ndarray, chosen: np.ndarray, cands: list[Candidates], narrow: np.ndarray, fs: float,
                     skip_within_hz: float | None = None) -> np.ndarray:
    """The path's rates with every non-winner candidate's rate read by phase within ``rate_hz``; with
    ``skip_within_hz``, only where no candidate that scores higher lies that close."""
    out = np.array(bpm, dtype=float)
    for w, c in enumerate(cands):
        if not left_winner(int(chosen[w]), c):
            continue
        if skip_within_hz is not None and stronger_gap_hz(c, int(chosen[w])) < skip_within_hz:
            continue
        rate = near_phase_rate(narrow[w], fs, float(c.hz[chosen[w]]))
        out[w] = out[w] if rate is None else 60.0 * float(np.clip(rate, *DEFAULT_BAND_HZ))
    return out


READINGS: dict[str, Reading] = {
    "bin": lambda bpm, chosen, cands, narrow, fs: bpm,
    "phase": phase_everywhere,
    "bounded (default)": lambda bpm, chosen, cands, narrow, fs: rates_on_path(bpm, chosen, cands, narrow, fs,
                                                                              DEFAULT_BAND_HZ),
    "skip near": lambda bpm, chosen, cands, narrow, fs: phase_everywhere(bpm, chosen, cands, narrow, fs, 0.5),
}


def tracked_readings(x: np.ndarray, fs: float) -> dict[str, np.ndarray]:
    """Every reading's tracked window rates (bpm) of ``x`` (N,) at ``fs`` Hz (10 s windows every 1 s)."""
    _, cands, narrow = window_candidates(x, fs, 10.0, 1.0, DEFAULT_BAND_HZ)
    bpm, _, chosen = track(cands, DEFAULT_BAND_HZ)
    return {name: read(bpm, chosen, cands, narrow, fs) for name, read in READINGS.items()}


def changed_windows(truth: np.ndarray, before: np.ndarray, after: np.ndarray) -> str:
    """The windows whose rate ``after`` differs from ``before`` (bpm), how many came closer to ``truth``
    and how many went farther, and their median error (bpm) before and after."""
    changed = np.abs(after - before) > 1e-9
    e0, e1 = np.abs(before - truth)[changed], np.abs(after - truth)[changed]
    return (f"{int(changed.sum())} of {changed.size} windows changed, {int(np.sum(e1 < e0))} closer, "
            f"{int(np.sum(e1 > e0))} farther; median error {np.median(e0):.2f} -> {np.median(e1):.2f} bpm")


def corpus_rows(n: int) -> list[list]:
    """Gross % and MAE of every reading on ``n`` recordings of each half (and, printed, the windows the
    default's reading changes from the bins')."""
    out = []
    for half, first in (("design", 0), ("report", 1)):
        truth, est = [], {name: [] for name in READINGS}
        for seed in range(first, 2 * n, 2):
            rec = make_recording(seed)
            starts = np.arange(0, rec.signal.size - 300 + 1, 30)
            truth.append([rec.hr_bpm[s:s + 300].mean() for s in starts])
            for name, bpm in tracked_readings(rec.signal, rec.fs).items():
                est[name].append(bpm)
        t = np.concatenate(truth)
        print(f"{half} half, bounded against bin: "
              f"{changed_windows(t, np.concatenate(est['bin']), np.concatenate(est['bounded (default)']))}")
        cells = [error_summary(t, np.concatenate(est[name])) for name in READINGS]
        out.append([f"{half} half, {n} recordings: gross %, MAE (bpm)",
                    *(f"{c['gross_pct']:.2f}, {c['mae_bpm']:.3f}" for c in cells)])
    return out


def steady_disturbance_row(fs: float = 30.0) -> list:
    """Mean window error (bpm) on a 60 bpm pulse (2nd harmonic at 0.4) with a sinusoid 1.2 times its
    amplitude at 75 bpm from 20 to 40 s of 60 s, white noise at 0.3."""
    t = np.arange(round(60 * fs)) / fs
    x = np.sin(2 * np.pi * t) + 0.4 * np.sin(2 * np.pi * 2 * t + 0.5)
    x = x + 1.2 * ((t >= 20) & (t < 40)) * np.sin(2 * np.pi * 1.25 * t) + 0.3 * np.random.default_rng(0).standard_normal(t.size)
    return ["60 bpm pulse, steady 1.2x sinusoid at 75 bpm: mean window error (bpm)",
            *(f"{np.mean(np.abs(bpm - 60.0)):.3f}" for bpm in tracked_readings(x, fs).values())]


def method_on_grid(rec, method: str) -> tuple[float, np.ndarray, np.ndarray]:
    """Sampling rate (Hz) and a registered ``method``'s output on recording ``rec`` and its reference PPG
    (N,) on one uniform grid, aligned as the harness aligns them (default protocol); the face pass (its
    tracked default) must have run on ``rec`` (``preprocessing.store.rgb_trace``)."""
    from rppg_bench.methods.registry import create_method
    from rppg_bench.metrics.evaluate import aligned_waveforms, uniform_pair
    from rppg_bench.metrics.protocol import Protocol

    times, signal = create_method(method).extract(rec)
    t, *_ = aligned_waveforms(times, signal, rec.ppg_times, rec.ppg, Protocol())
    _, fs, pred, ref = uniform_pair(times, signal, rec.ppg_times, rec.ppg, t)
    return float(fs), pred, ref


def video_rows(seeds: list[int]) -> list[list]:
    """Mean over every classical method and video of |mean of predicted windows - mean of reference
    windows| and of the windows' mean |difference| (bpm), per reading."""
    from rppg_bench.datasets.synthetic import load_synthetic
    from rppg_bench.methods.registry import CLASSICAL_DEFAULT
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.store import rgb_trace

    whole, windowed = {name: [] for name in READINGS}, {name: [] for name in READINGS}
    for seed in seeds:
        for rec in load_synthetic(seed=seed, n_easy=2, n_hard=14, duration=30):
            rgb_trace(rec, FaceParams(landmarks="track"))
            for method in CLASSICAL_DEFAULT:
                fs, pred, ref = method_on_grid(rec, method)
                p, r = tracked_readings(pred, fs), tracked_readings(ref, fs)
                for name in READINGS:
                    whole[name].append(abs(p[name].mean() - r[name].mean()))
                    windowed[name].append(np.mean(np.abs(p[name] - r[name])))
            rec.products.clear()
    return [[f"video seeds {' '.join(map(str, seeds))} ({len(whole['bin'])} method-videos): whole-video, windowed (bpm)",
             *(f"{np.mean(whole[name]):.3f}, {np.mean(windowed[name]):.3f}" for name in READINGS)]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recordings", type=int, default=200, help="60 s recordings per corpus half")
    parser.add_argument("--video-seeds", type=int, nargs="*", default=[], help="synthetic sets to score too")
    args = parser.parse_args(argv)
    table = corpus_rows(args.recordings) + [steady_disturbance_row()]
    if args.video_seeds:
        table += video_rows(args.video_seeds)
    print(tabulate(table, headers=["set", *READINGS], tablefmt="github"))


if __name__ == "__main__":
    main()
