"""A rejected idea for issue 24, kept reproducible: take ``autocorr``'s estimate where it reads half of
``structured``'s, on the design half of the signal-level corpus and of the recorded-pulse traces.

Prints, for ``structured``, ``autocorr`` and the arbitration, the gross-error rate (|error| > 5 bpm,
%) over all traces, the undisturbed ones and those with a disturbance at half the rate (about 25 s)::

    python benchmarks/hr_autocorr_arbitration.py [--n 2000] [--recorded 1000]

Needs heartpy (the ``datasets`` extra) for the recorded pulses. docs/hr-estimators.md quotes it.
"""

from __future__ import annotations

import argparse

import numpy as np
from tabulate import tabulate

from rppg_bench.datasets.ppg_recordings import heartpy_stretches
from rppg_bench.metrics.heart_rate import hr_estimate
from rppg_bench.metrics.hr_corpus import (
    Trace,
    corpus_half,
    error_summary,
    recorded_half,
)

HALF_TOLERANCE = 0.04  # |autocorr / structured - 0.5| below this counts as "half"


def estimate_or_nan(trace: Trace, method: str) -> float:
    """``hr_estimate`` of the trace (bpm), NaN where the estimator finds none."""
    try:
        return hr_estimate(trace.signal, trace.fs, method=method)
    except ValueError:
        return float("nan")


def rows(name: str, traces: list[Trace]) -> list[list]:
    """Gross % overall, undisturbed and at a 0.5x disturbance, for the three estimates."""
    truth = np.array([t.hr_bpm for t in traces])
    kind = np.array([t.disturbance for t in traces])
    structured = np.array([estimate_or_nan(t, "structured") for t in traces])
    autocorr = np.array([estimate_or_nan(t, "autocorr") for t in traces])
    half = np.isfinite(autocorr) & (np.abs(autocorr / structured - 0.5) < HALF_TOLERANCE)
    out = []
    for label, est in (("structured", structured), ("autocorr", autocorr),
                       ("structured, autocorr where it reads half", np.where(half, autocorr, structured))):
        out.append([name, label] + [error_summary(truth[m], est[m])["gross_pct"]
                                    for m in (np.ones(kind.size, bool), kind == "none", kind == "0.5x")])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="corpus traces (design half)")
    parser.add_argument("--recorded", type=int, default=1000, help="recorded-pulse traces (design half)")
    args = parser.parse_args()
    stretches = list(heartpy_stretches())
    table = rows("corpus", corpus_half("design", args.n)) + rows("recorded", recorded_half("design", args.recorded,
                                                                                             stretches))
    print(tabulate(table, headers=["set", "estimate", "gross %", "undisturbed %", "0.5x %"], floatfmt=".1f"))


if __name__ == "__main__":
    main()
