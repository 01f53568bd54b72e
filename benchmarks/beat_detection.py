"""How :func:`rppg_bench.metrics.beats.beat_times` finds the beats of real finger-PPG pulses.

Plays excerpts of the clean stretches of heartpy's finger-PPG recordings
(:mod:`rppg_bench.datasets.ppg_recordings`) at several heart rates, sampled at 30 Hz with no
noise, and locates their beats with the default protocol's beat band, with and without the
secondary-wave rule (``secondary_share`` 0: every peak of the first pass sets the second pass's
spacing, as before 2026-12-07). Prints per heart rate the share of excerpts whose rate from the
found beats (beats over their span) is more than 5 bpm off the exact mean rate, and the share
of beat cycles (from one beat mark of the recording to the next, away from the first and last
second) holding exactly one found beat. Needs heartpy (the ``datasets`` extra). About 5 s::

    python benchmarks/beat_detection.py [--n 25] [--duration 20] [--smoothness 0 0.5 1]
"""

from __future__ import annotations

import argparse

import numpy as np
from recorded_pulses import FS_HZ, RATES_BPM, excerpt_pulses
from tabulate import tabulate

from rppg_bench.datasets.ppg_model import beat_rate_bpm
from rppg_bench.metrics.beats import beat_times
from rppg_bench.metrics.defaults import GROSS_BPM, SECONDARY_WAVE_SHARE
from rppg_bench.metrics.protocol import BEAT_BAND_HZ

EDGE_S = 1.0


def one_beat_share(found: np.ndarray, onsets: np.ndarray, t_end: float) -> float:
    """Share of the cycles between consecutive ``onsets`` (s) inside ``EDGE_S``-``t_end - EDGE_S`` s
    that hold exactly one of the ``found`` beat times (s)."""
    starts, ends = onsets[:-1], onsets[1:]
    inner = (starts >= EDGE_S) & (ends <= t_end - EDGE_S)
    counts = np.searchsorted(found, ends[inner]) - np.searchsorted(found, starts[inner])
    return float(np.mean(counts == 1))


def scores(n: int, duration: float, seed: int, smoothness: float, share: float) -> dict[float, tuple[float, float]]:
    """Per drawn rate (bpm): (% of excerpts whose beat rate is more than ``GROSS_BPM`` off, % of
    cycles with exactly one beat)."""
    t = np.arange(0.0, duration, 1.0 / FS_HZ)
    rows: dict[float, list[tuple[bool, float]]] = {}
    for rate, pulse in excerpt_pulses(n, duration, seed, smoothness):
        found = beat_times(pulse.ppg(t), FS_HZ, band=BEAT_BAND_HZ, secondary_share=share)
        off = abs(beat_rate_bpm(found) - float(np.mean(pulse.hr(t)))) > GROSS_BPM
        rows.setdefault(rate, []).append((off, one_beat_share(found, pulse.onsets, float(t[-1]))))
    return {rate: (100 * np.mean([o for o, _ in r]), 100 * np.mean([c for _, c in r])) for rate, r in rows.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=25, help="excerpts per heart rate")
    parser.add_argument("--duration", type=float, default=20.0, help="s per excerpt")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoothness", type=float, nargs="+", default=[0.0, 0.5, 1.0],
                        help="0 as recorded, 1 low-passed at 1.5x the rate (a facial pulse's shape)")
    args = parser.parse_args()
    print(f"{args.n} excerpts of {args.duration:g} s at {FS_HZ:g} Hz per rate, beat band {BEAT_BAND_HZ} Hz: "
          f"% of excerpts whose beat rate is more than {GROSS_BPM:g} bpm off / % of cycles with one beat")
    rows = []
    for smoothness in args.smoothness:
        for label, share in (("before (share 0)", 0.0), (f"now (share {SECONDARY_WAVE_SHARE:g})", SECONDARY_WAVE_SHARE)):
            got = scores(args.n, args.duration, args.seed, smoothness, share)
            off = np.mean([got[r][0] for r in RATES_BPM])
            one = np.mean([got[r][1] for r in RATES_BPM])
            rows.append([f"{smoothness:g}", label, f"{off:.1f} / {one:.1f}",
                         *(f"{got[r][0]:.0f} / {got[r][1]:.0f}" for r in RATES_BPM)])
    print(tabulate(rows, headers=["smoothness", "secondary-wave rule", "all", *(f"{r} bpm" for r in RATES_BPM)]))


if __name__ == "__main__":
    main()
