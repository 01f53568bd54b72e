"""What each heart-rate estimator reads in every window of one method's output on one synthetic video.

The harness scores a method's windowed HR against the reference PPG's; this script shows, window by
window, the rate the default ``structured`` estimator (tracked, as the default protocol) and the
``harmonic`` estimator (the estimator before issue 24) read from a method's output, their errors
against the reference's tracked ``structured`` rate, and how much of the window's spectrum lies at
each rate: the power of the estimator's spectrum (step 1 of ``structured``: the window band-passed
wide, Hann periodogram) at the rate's bin over the strongest power in the HR band. A rate read where
the spectrum holds a small share of the window's power is not a peak of the output. Then the
video's windowed MAE and gross windows (error > 5 bpm) per estimator::

    python benchmarks/hr_window_readings.py --method green --video hard-08-03

Other synthetic sets: ``--seed``, ``--n-easy``, ``--n-hard``, ``--duration`` (as ``--param
synthetic.*``). docs/hr-estimators.md ("Synthetic default: structured vs harmonic") quotes it for
the camera's auto-gain clip. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse

import numpy as np
from hr_path_rate import method_on_grid
from tabulate import tabulate

from rppg_bench.metrics.bands import DEFAULT_BAND_HZ
from rppg_bench.metrics.defaults import GROSS_BPM
from rppg_bench.metrics.heart_rate import check_signal, hr_windowed_confidence
from rppg_bench.metrics.hr_structured import spectra_rows

WINDOW_S, STEP_S = 10.0, 1.0


def method_and_reference(method: str, video: str, seed: int, n_easy: int, n_hard: int,
                         duration: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Sampling rate (Hz) and the method's output and the reference PPG (N,) on one uniform grid,
    aligned as the harness aligns them (default protocol, tracked face pass)."""
    from rppg_bench.datasets.synthetic import load_synthetic
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.store import rgb_trace

    recordings = load_synthetic(seed=seed, n_easy=n_easy, n_hard=n_hard, duration=duration)
    found = [r for r in recordings if getattr(r, "name", None) == video]
    if not found:
        names = ", ".join(str(getattr(r, "name", r)) for r in recordings)
        raise SystemExit(f"no synthetic video {video!r} in this set; it has: {names}")
    rgb_trace(found[0], FaceParams(landmarks="track"))
    return method_on_grid(found[0], method)


def power_share_at(x: np.ndarray, fs: float, starts: np.ndarray, bpm: np.ndarray,
                   band: tuple[float, float] = DEFAULT_BAND_HZ) -> np.ndarray:
    """Per window (start sample ``starts`` (W,), ``WINDOW_S`` long): the estimator's spectrum at the
    bin nearest ``bpm`` (W,) over its maximum within ``band`` Hz, in [0, 1]."""
    n_win = round(WINDOW_S * fs)
    rows = np.stack([check_signal(x[s:s + n_win], fs) for s in starts])
    f, p, _ = spectra_rows(rows, fs, band)
    in_band = (f >= band[0]) & (f <= band[1])
    at = np.abs(f[None, :] - np.asarray(bpm, dtype=float)[:, None] / 60.0).argmin(axis=1)
    return p[np.arange(len(p)), at] / p[:, in_band].max(axis=1)


def window_table(fs: float, pred: np.ndarray, ref: np.ndarray) -> tuple[list[list], dict[str, np.ndarray]]:
    """Rows of the per-window table and each estimator's window errors (bpm)."""
    times, truth, _ = hr_windowed_confidence(ref, fs, WINDOW_S, STEP_S, track=True)
    readings = {"structured": hr_windowed_confidence(pred, fs, WINDOW_S, STEP_S, track=True)[1],
                "harmonic": hr_windowed_confidence(pred, fs, WINDOW_S, STEP_S, method="harmonic")[1]}
    starts = np.round((times - (round(WINDOW_S * fs) - 1) / 2.0 / fs) * fs).astype(int)
    shares = {name: power_share_at(pred, fs, starts, bpm) for name, bpm in readings.items()}
    at_truth = power_share_at(pred, fs, starts, truth)
    errors = {name: bpm - truth for name, bpm in readings.items()}
    rows = [[f"{times[w]:.1f}", f"{truth[w]:.1f}", f"{at_truth[w]:.2f}",
             *(f"{readings[n][w]:.1f} ({errors[n][w]:+.1f}; {shares[n][w]:.2f})" for n in readings)]
            for w in range(len(times))]
    return rows, errors


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--method", default="green", help="a registered method (default green)")
    p.add_argument("--video", default="hard-08-03", help="a synthetic video's name (default hard-08-03)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--n-easy", type=int, default=4)
    p.add_argument("--n-hard", type=int, default=4)
    p.add_argument("--duration", type=float, default=20.0, help="seconds")
    args = p.parse_args(argv)
    fs, pred, ref = method_and_reference(args.method, args.video, args.seed, args.n_easy, args.n_hard, args.duration)
    rows, errors = window_table(fs, pred, ref)
    print(f"{args.method} on {args.video} (seed {args.seed}): per window, bpm (error; power share)\n")
    print(tabulate(rows, headers=["centre s", "reference", "share at reference", *errors]))
    print()
    print(tabulate([[name, f"{np.mean(np.abs(e)):.2f}", f"{int(np.sum(np.abs(e) > GROSS_BPM))} of {e.size}"]
                    for name, e in errors.items()], headers=["estimator", "windowed MAE", "gross windows"]))


if __name__ == "__main__":
    main()
