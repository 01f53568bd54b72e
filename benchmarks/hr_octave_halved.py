"""How often the octave check's halved paths are right, and what confidence they should carry (issue 24).

The octave check (:mod:`rppg_bench.metrics.hr_octave`) halves a tracked path of 15 s or more where it is
the pulse's 2nd harmonic. This script runs the tracked windows of every trace of at least 15 s of the
chosen sets, with and without the check, and prints per set: the traces halved, how many of them are
right (the mean of their windows within 5 bpm of the truth), the mean confidence they keep (the doubled
rate's, what the harness reports) beside the one the tracker's rule for a weaker candidate would give
them (:func:`rppg_bench.metrics.hr_track.chosen_confidence`), and, for the traces not halved, how often
they are right by confidence bin (``confidence_calibration.calibration``): the calibration a halved
path's confidence should match. Gross-error
rates (%) with and without the check close each set's lines. ``recorded`` needs heartpy (the
``datasets`` extra). About 6 minutes with the defaults on 2 cores::

    python benchmarks/hr_octave_halved.py [--n 2000] [--recorded 1000] [--half report]

docs/hr-estimators.md ("The octave check of a tracked path") quotes it.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from confidence_calibration import calibration
from tabulate import tabulate

from rppg_bench.metrics.bands import DEFAULT_BAND_HZ
from rppg_bench.metrics.defaults import GROSS_BPM
from rppg_bench.metrics.heart_rate import hr_windowed_confidence, window_candidates
from rppg_bench.metrics.hr_corpus import Trace, corpus_half, recorded_half
from rppg_bench.metrics.hr_octave import halve_coupled_path
from rppg_bench.metrics.hr_track import chosen_confidence

MIN_SPAN_S = 15.0


def trace_row(trace: Trace) -> dict:
    """One trace's mean tracked rate (bpm) with and without the check, its mean confidence (as reported)
    and the mean confidence the tracker's weaker-candidate rule would give a halved path."""
    x, fs = trace.signal, trace.fs
    _, checked, conf = hr_windowed_confidence(x, fs, track=True, octave=True)
    _, unchecked, _ = hr_windowed_confidence(x, fs, track=True, octave=False)
    _, candidates, _ = window_candidates(x, fs)
    halved = halve_coupled_path(np.asarray(x, dtype=float), fs, unchecked, candidates, DEFAULT_BAND_HZ)
    rule = np.nan if halved is None else float(np.mean([chosen_confidence(c, int(j))
                                                        for c, j in zip(candidates, halved[1])]))
    return {"truth": trace.hr_bpm, "checked": float(np.mean(checked)), "unchecked": float(np.mean(unchecked)),
            "confidence": float(np.mean(conf)), "rule_confidence": rule, "halved": halved is not None}


def set_table(name: str, traces: list[Trace]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A summary row for the set ``name`` and its unhalved traces' share right (%) by confidence bin."""
    rows = pd.DataFrame([trace_row(t) for t in traces if t.signal.size / t.fs >= MIN_SPAN_S])
    right = (rows.checked - rows.truth).abs() <= GROSS_BPM
    halved = rows[rows.halved]
    summary = pd.DataFrame([{
        "set": name, "traces >= 15 s": len(rows), "halved": len(halved), "halved right": int(right[rows.halved].sum()),
        "kept confidence": halved.confidence.mean(), "rule confidence": halved.rule_confidence.mean(),
        "gross % unchecked": 100 * float(((rows.unchecked - rows.truth).abs() > GROSS_BPM).mean()),
        "gross % checked": 100 * float((~right).mean())}])
    kept = rows[~rows.halved]
    return summary, calibration(pd.DataFrame({"confidence": kept.confidence,
                                              "abs_error": (kept.checked - kept.truth).abs()}))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=2000, help="corpus traces per variant (default 2000; 0: none)")
    p.add_argument("--recorded", type=int, default=1000, help="recorded-pulse traces (default 1000; 0: none)")
    p.add_argument("--half", default="report", choices=("design", "report"))
    args = p.parse_args(argv)
    sets: list[tuple[str, list[Trace]]] = []
    if args.n:
        sets += [(f"corpus ({waveform})", corpus_half(args.half, args.n, waveform=waveform))
                 for waveform in ("sinusoid", "motion-added")]
    if args.recorded:
        from rppg_bench.datasets.ppg_recordings import heartpy_stretches
        sets.append(("recorded pulses", recorded_half(args.half, args.recorded, heartpy_stretches())))
    for name, traces in sets:
        summary, by_bin = set_table(name, traces)
        print(tabulate(summary, headers="keys", tablefmt="github", showindex=False, floatfmt=".2f"))
        print(f"\n{name}, traces not halved: right % by confidence\n")
        print(tabulate(by_bin, headers="keys", tablefmt="github", floatfmt=".2f"), "\n")


if __name__ == "__main__":
    main()
