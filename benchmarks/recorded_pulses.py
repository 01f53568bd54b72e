"""How the harness's heart-rate estimators read real recorded pulses, with no video and no noise.

Plays excerpts of the clean stretches of heartpy's finger-PPG recordings
(:mod:`rppg_bench.datasets.ppg_recordings`) at several heart rates, sampled at 30 Hz, and prints
per estimator the share of excerpts more than 5 bpm off the exact rate; with ``--linear`` also
for excerpts time-scaled uniformly (the whole beat alike) instead of the square-root rule for
systole, per heart rate. Needs heartpy (the ``datasets`` extra). About 10 s::

    python benchmarks/recorded_pulses.py [--n 25] [--duration 20] [--linear] [--smoothness S]
"""

from __future__ import annotations

import argparse

import numpy as np
from tabulate import tabulate

from rppg_bench.datasets.ppg_model import Respiration
from rppg_bench.datasets.ppg_recordings import (
    RecordedPulse,
    heartpy_stretches,
    recorded_pulse,
)
from rppg_bench.metrics.defaults import GROSS_BPM
from rppg_bench.metrics.heart_rate import hr_estimate

RATES_BPM = (40, 50, 60, 75, 90, 120, 150, 175)
ESTIMATORS = ("structured", "harmonic", "fft", "welch", "peaks", "autocorr", "toolbox_fft")
FS_HZ = 30.0


class LinearPulse(RecordedPulse):
    """A recorded pulse whose beats are time-scaled uniformly, systole and diastole alike."""

    def recording_times(self, t: np.ndarray) -> np.ndarray:
        return np.interp(t, self.onsets, self.marks)


def excerpt_pulses(n: int, duration: float, seed: int, smoothness: float = 0.0) -> list[tuple[float, RecordedPulse]]:
    """(drawn rate bpm, recorded pulse spanning 0-``duration`` s) of ``n`` excerpts per rate of :data:`RATES_BPM`."""
    stretches = list(heartpy_stretches())
    rng = np.random.default_rng(seed)
    return [(rate, recorded_pulse(float(draw), 0.0, duration, rate, rng, respiration=Respiration(),
                                  stretches=stretches, smoothness=smoothness))
            for rate in RATES_BPM for draw in np.linspace(0.0, 0.99, n)]


def excerpts(n: int, duration: float, seed: int, linear: bool,
             smoothness: float = 0.0) -> list[tuple[float, np.ndarray, float]]:
    """(drawn rate bpm, pulse (M,) at :data:`FS_HZ`, exact mean rate bpm) of ``n`` excerpts per rate."""
    t = np.arange(0.0, duration, 1.0 / FS_HZ)
    out = []
    for rate, pulse in excerpt_pulses(n, duration, seed, smoothness):
        if linear:
            pulse = LinearPulse(**{f: getattr(pulse, f) for f in pulse.__dataclass_fields__})
        out.append((rate, pulse.ppg(t), float(np.mean(pulse.hr(t)))))
    return out


def gross_table(traces: list[tuple[float, np.ndarray, float]], estimators: tuple[str, ...]) -> list[list]:
    """Rows (estimator, % gross overall, % gross per rate in :data:`RATES_BPM`)."""
    rows = []
    for name in estimators:
        off = np.array([abs(hr_estimate(x, FS_HZ, method=name) - truth) > GROSS_BPM for _, x, truth in traces])
        rates = np.array([rate for rate, _, _ in traces])
        rows.append([name, 100 * off.mean(), *(100 * off[rates == r].mean() for r in RATES_BPM)])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=25, help="excerpts per heart rate")
    parser.add_argument("--duration", type=float, default=20.0, help="s per excerpt")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--linear", action="store_true", help="also the uniformly time-scaled excerpts")
    parser.add_argument("--smoothness", type=float, default=0.0,
                        help="0 as recorded (default), 1 low-passed at 1.5x the rate (a facial pulse's shape)")
    args = parser.parse_args()
    headers = ["estimator", "all %", *(f"{r} bpm %" for r in RATES_BPM)]
    traces = excerpts(args.n, args.duration, args.seed, linear=False, smoothness=args.smoothness)
    print(f"{len(traces)} excerpts of {args.duration:g} s at {FS_HZ:g} Hz, smoothness {args.smoothness:g}, share more "
          f"than {GROSS_BPM:g} bpm off (systole scaled by the square root of the beat's change):")
    print(tabulate(gross_table(traces, ESTIMATORS), headers=headers, floatfmt=".1f"))
    if args.linear:
        linear = excerpts(args.n, args.duration, args.seed, linear=True, smoothness=args.smoothness)
        print("\nthe same excerpts scaled uniformly (whole beat alike):")
        print(tabulate(gross_table(linear, ("structured",)), headers=headers, floatfmt=".1f"))


if __name__ == "__main__":
    main()
