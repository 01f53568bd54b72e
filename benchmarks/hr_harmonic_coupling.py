"""A rejected idea for issue 24, kept reproducible: tell a pulse at ``f`` whose 2nd harmonic is the
stronger peak from a pulse at ``2 f`` with a disturbance at ``f`` by whether the two bands move together.

One source's harmonics are phase-locked: the instantaneous frequency of the band around ``2 f`` is
twice that of the band around ``f`` at every moment, so their beat-to-beat variations correlate. A
disturbance at half the pulse's rate is a source of its own and need not follow the pulse's
variability. For every candidate ``L`` of ``structured`` that has a candidate scoring higher at
about ``2 L``, the script measures, on the signal band-passed to ``L`` +- 0.2 Hz and to
``2 L`` +- 0.4 Hz (analytic signals, 1.5 s left out at each end; :mod:`rppg_bench.metrics.hr_octave`):

- ``plv``: the phase-locking value ``|mean(exp(i (phi_2 - 2 phi_1)))|`` (1: locked);
- ``coupling``: the correlation of the two bands' instantaneous frequencies, each averaged over 1 s.

It prints their medians by set, disturbance and which candidate the truth is (``L``: the winner
doubled it; ``W``: the winner is right), then the gross-error rates (|error| > 5 bpm, %) of
``structured`` when step 4's odd-harmonic gate is opened for such an ``L`` whose ``coupling``
exceeds a threshold, on the design halves of the corpus (sinusoidal and motion-like disturbances)
and of the recorded-pulse traces; then the coupling at the truth on their 30 s traces cut to 10-30 s
(about 1 minute with the defaults)::

    python benchmarks/hr_harmonic_coupling.py [--n 1000] [--recorded 500] [--thresholds 0.3 0.5 0.7]

Needs heartpy (the ``datasets`` extra) for the recorded pulses. docs/hr-estimators.md quotes it.

What was kept instead is the octave check of a tracked path (:mod:`rppg_bench.metrics.hr_octave`): the
same coupling, but over a whole signal of at least 15 s and on the path the tracker chose; over 10 s
(half of these traces) too few beats vary for it to be sure of.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
import pandas as pd
from tabulate import tabulate

from rppg_bench.datasets.ppg_recordings import heartpy_stretches
from rppg_bench.metrics.bands import DEFAULT_BAND_HZ
from rppg_bench.metrics.hr_corpus import (
    Trace,
    corpus_half,
    error_summary,
    recorded_half,
)
from rppg_bench.metrics.hr_octave import harmonic_coupling, phase_locking
from rppg_bench.metrics.hr_structured import (
    DEFAULT_PARAMS,
    scored_candidates,
    spectra_rows,
    structure_score,
    winner_rate,
)

DOUBLE_TOLERANCE_HZ = 0.1  # |W - 2 L| below this: W is L's double
KINDS = ("none", "0.5x", "1.5x", "2x", "random")


def harmonic_locking(x: np.ndarray, fs: float, hz: float) -> tuple[float, float]:
    """(plv, coupling) of the bands around ``hz`` and ``2 hz`` Hz of ``x`` (N,) at ``fs`` Hz
    (:mod:`rppg_bench.metrics.hr_octave`'s settings); NaNs where they cannot be formed."""
    plv, coupling = phase_locking(x, fs, hz), harmonic_coupling(x, fs, hz)
    return (float("nan") if plv is None else plv), (float("nan") if coupling is None else coupling)


def judge_trace(trace: Trace, threshold: float | None,
                band: tuple[float, float] = DEFAULT_BAND_HZ) -> tuple[float, list[dict]]:
    """``structured``'s rate (bpm) of ``trace`` with the gate opened for a coupled sub-harmonic above
    ``threshold`` (None: as it is), and one row per candidate ``L`` that has a higher-scoring double."""
    f, p, narrow = spectra_rows(trace.signal[None], trace.fs, band)
    x = trace.signal - np.mean(trace.signal)
    s = scored_candidates(f, p[0], band, trace.duration_s, DEFAULT_PARAMS)
    hz, score = f[s.bins], s.score.copy()
    winner = hz[int(np.argmax(score))]
    gate_open = dataclasses.replace(DEFAULT_PARAMS, odd_ratio=1e-9)
    rows = []
    for j in range(hz.size):
        if not np.any((s.score > s.score[j]) & (np.abs(hz - 2 * hz[j]) < DOUBLE_TOLERANCE_HZ)):
            continue
        plv, coupling = harmonic_locking(x, trace.fs, float(hz[j]))
        truth_hz = trace.hr_bpm / 60.0
        case = "L" if abs(hz[j] - truth_hz) * 60 < 5 else "W" if abs(winner - truth_hz) * 60 < 5 else "neither"
        rows.append({"disturbance": trace.disturbance, "case": case, "plv": plv, "coupling": coupling})
        if threshold is not None and coupling > threshold:
            score[j] = max(score[j], structure_score(s.teeth[j:j + 1], gate_open)[0])
    best = int(np.argmax(score))
    rate = winner_rate(f, s.pc, narrow[0], trace.fs, int(s.bins[best]), DEFAULT_PARAMS)
    return 60.0 * float(np.clip(rate, band[0], band[1])), rows


def gross_by_kind(traces: list[Trace], threshold: float | None) -> list[float]:
    """Gross % over all traces and per disturbance kind (:data:`KINDS`)."""
    truth = np.array([t.hr_bpm for t in traces])
    kind = np.array([t.disturbance for t in traces])
    est = np.array([judge_trace(t, threshold)[0] for t in traces])
    return [error_summary(truth, est)["gross_pct"]] + [error_summary(truth[kind == k], est[kind == k])["gross_pct"]
                                                       for k in KINDS]


def span_rows(name: str, traces: list[Trace], spans: tuple[float, ...], pulse_is_low: bool) -> list[dict]:
    """The coupling of every 30 s trace of ``traces`` cut to each of ``spans`` (s), measured at the truth:
    between the pulse's band and twice it where ``pulse_is_low`` (a real pulse), else between half the
    pulse's rate and the pulse's (a disturbance there)."""
    rows = []
    for t in (t for t in traces if t.duration_s == 30.0):
        hz = t.hr_bpm / 60.0 if pulse_is_low else t.hr_bpm / 120.0
        for span in spans:
            rows.append({"set": name, "span_s": span,
                         "coupling": harmonic_coupling(t.signal[:round(span * t.fs)], t.fs, hz)})
    return rows


def span_table(sets: dict[str, list[Trace]], spans: tuple[float, ...] = (10.0, 15.0, 20.0, 30.0)) -> str:
    """Quantiles of the coupling by span: the corpus's traces with a disturbance at half the rate (the
    check must not fire) and the recorded pulses (it should)."""
    rows = []
    for name, traces in sets.items():
        if name == "recorded":
            rows += span_rows(name, traces, spans, pulse_is_low=True)
        else:
            rows += span_rows(f"{name}, 0.5x", [t for t in traces if t.disturbance == "0.5x"], spans, False)
    table = pd.DataFrame(rows).groupby(["set", "span_s"])["coupling"]
    out = table.quantile([0.1, 0.25, 0.5, 0.9, 1.0]).unstack().join(table.size().rename("n")).reset_index()
    return tabulate(out, headers=["set", "span (s)", "10 %", "25 %", "median", "90 %", "max", "n"],
                    showindex=False, floatfmt=".2f")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="corpus traces (design half), per waveform")
    parser.add_argument("--recorded", type=int, default=500, help="recorded-pulse traces (design half)")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.3, 0.5, 0.7])
    args = parser.parse_args()
    sets = {"corpus, sinusoids": corpus_half("design", args.n),
            "corpus, motion": corpus_half("design", args.n, waveform="motion"),
            "recorded": recorded_half("design", args.recorded, list(heartpy_stretches()))}
    rows = [dict(r, set=name) for name, traces in sets.items() for t in traces for r in judge_trace(t, None)[1]]
    table = pd.DataFrame(rows).groupby(["set", "disturbance", "case"])
    summary = table[["plv", "coupling"]].median().join(table.size().rename("n")).reset_index()
    print(tabulate(summary, headers="keys", showindex=False, floatfmt=".2f"))
    print()
    out = [[name, "as it is"] + gross_by_kind(traces, None) for name, traces in sets.items()]
    out += [[name, f"coupling > {th:g}"] + gross_by_kind(traces, th)
            for th in args.thresholds for name, traces in sets.items()]
    print(tabulate(out, headers=["set", "gate", "gross %"] + [f"{k} %" for k in KINDS], floatfmt=".1f"))
    print()
    print("coupling at the truth, 30 s traces cut to a span:")
    print(span_table(sets))


if __name__ == "__main__":
    main()
