"""Gross errors of every heart-rate estimator on the signal-level corpus, overall and per factor.

    python benchmarks/hr_estimators.py [--half report] [--n 2000] [--methods harmonic fft ...]
        [--markdown] [--csv estimates.csv] [--windowed 100] [--recorded 1000]

Draws ``--n`` traces of one half of :mod:`rppg_bench.metrics.hr_corpus` (the ``report`` half by
default: the estimators were tuned on the ``design`` half), runs each estimator through
``hr_estimate`` with the default band (``structured+windows``: the mean of its tracked 10 s windows,
the harness's whole-video heart rate since 2026-12-07) and prints, overall and per factor (disturbance kind, pulse
shape, SNR bin, duration, noise colour, sampling rate, heart-rate step, variability, breathing),
the rate of gross errors (|error| > 5 bpm, a failure to estimate counting as one), of halved and
of doubled estimates (% of the traces) and the MAE (bpm). ``--markdown`` prints pipe tables
(as in docs/hr-estimators.md). ``--windowed K`` adds windowed heart rate (10 s windows every 1 s) on
K 60 s recordings (:func:`rppg_bench.metrics.hr_corpus.make_recording`, odd seeds for the report
half): gross % and MAE per method (``structured+track`` is ``track=True``) over all windows, the
windows touching a disturbance burst, the others, and those of the others not spanning the step.
``--recorded R`` adds, apart, R traces whose pulses are excerpts of real finger-PPG recordings
(:func:`rppg_bench.metrics.hr_corpus.recorded_half`, heartpy needed): overall, by condition and
gross % by shape, disturbance, rate and SNR. ``--postprocess LOW HIGH`` first passes every trace
through a method's post-processing with that band (``metrics.signal.signal_postprocess``: detrend,
zero-phase Butterworth band-pass in Hz, the high edge at most 0.45 fs, [0, 1]), which is what the
estimators get from a method's output in a run (the methods' default band is 0.7-3.0 Hz). Not a
test: pytest does not collect it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from rppg_bench.datasets.ppg_recordings import heartpy_stretches
from rppg_bench.metrics.heart_rate import (
    COMPAT_HR_METHODS,
    CONFIDENCE_METHODS,
    HR_METHODS,
    hr_estimate,
    hr_estimate_confidence,
    hr_mean_of_windows,
    hr_windowed,
)
from rppg_bench.metrics.hr_corpus import (
    Trace,
    corpus_half,
    error_summary,
    make_recording,
    recorded_half,
)
from rppg_bench.metrics.hr_disturbances import DISTURBANCE_WAVEFORMS
from rppg_bench.metrics.signal import signal_postprocess

FACTORS = ("disturbance", "shape", "snr_bin", "duration_s", "noise", "fs", "step", "hrv", "breathing", "hr_bin")
METRICS = ("gross_pct", "halving_pct", "doubling_pct", "mae_bpm")


def estimate(signal: np.ndarray, fs: float, method: str, octave: bool = True) -> tuple[float, float]:
    """``hr_estimate`` in bpm and the confidence in [0, 1] (``hr_estimate_confidence``; NaN for an
    estimator without one); both NaN where the estimator raises (no estimate). ``<method>+windows``:
    ``hr_mean_of_windows`` (10 s windows every 1 s, tracked; a trace of 10 s is one window), the
    default protocol's whole-video heart rate (with the octave check of its tracked path unless ``octave``
    is False)."""
    try:
        if method.endswith("+windows"):
            return hr_mean_of_windows(signal, fs, method=method.removesuffix("+windows"), octave=octave)
        if method in CONFIDENCE_METHODS:
            return hr_estimate_confidence(signal, fs, method=method)
        return hr_estimate(signal, fs, method=method), float("nan")
    except ValueError:
        return float("nan"), float("nan")


def has_confidence(method: str) -> bool:
    """Whether ``method`` (an estimator, or one with ``+windows``) gives a confidence per estimate."""
    return method.removesuffix("+windows") in CONFIDENCE_METHODS


def as_method_output(trace: Trace, band: tuple[float, float] | None) -> np.ndarray:
    """The signal (N,) of ``trace`` as a method would output it with post-processing ``band`` (Hz; the
    high edge at most 0.45 fs); None: the trace as it is."""
    if band is None:
        return trace.signal
    return signal_postprocess(trace.signal, trace.fs, (band[0], min(band[1], 0.45 * trace.fs)))


def estimates_table(half: str, n: int, methods: list[str], traces: list[Trace] | None = None,
                    band: tuple[float, float] | None = None,
                    waveform: str = "sinusoid", octave: bool = True) -> tuple[pd.DataFrame, dict[str, float]]:
    """One row per trace (``traces``, or ``n`` of the corpus's ``half`` with disturbances of ``waveform``,
    post-processed with ``band`` when given: :func:`as_method_output`): its factors, the binned ones and
    each method's estimate (bpm); and the seconds each method took over all traces."""
    traces = corpus_half(half, n, waveform=waveform) if traces is None else traces
    signals = [as_method_output(t, band) for t in traces]
    rows = pd.DataFrame([t.factors() for t in traces])
    rows["snr_bin"] = pd.cut(rows["snr_db"], [-3, 0, 3, 6, 10], include_lowest=True)
    rows["hr_bin"] = pd.cut(rows["hr_bpm"], [0, 60, 90, 120, 150, 200])
    rows["step"] = np.where(rows["step_bpm"] != 0, "step", "none")
    seconds = {}
    for m in methods:
        start = time.perf_counter()
        found = np.array([estimate(x, t.fs, m, octave) for x, t in zip(signals, traces)]).reshape(-1, 2)
        rows[m] = found[:, 0]
        if has_confidence(m):
            rows[f"{m}_confidence"] = found[:, 1]
        seconds[m] = time.perf_counter() - start
    return rows, seconds


def summary(rows: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """Per method (rows): n, gross %, halving %, doubling %, failed %, MAE (bpm)."""
    return pd.DataFrame({m: error_summary(rows["hr_bpm"], rows[m]) for m in methods}).T


def by_factor(rows: pd.DataFrame, methods: list[str], factor: str, metric: str) -> pd.DataFrame:
    """``metric`` per level of ``factor`` (rows, with their trace count) and method (columns)."""
    out = {}
    for level, group in rows.groupby(factor, sort=True, observed=True):
        out[f"{level} (n={len(group)})"] = {m: error_summary(group["hr_bpm"], group[m])[metric] for m in methods}
    return pd.DataFrame(out).T


def by_condition(rows: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """Gross % per method (rows) on the undisturbed traces, those without a step too, and the
    disturbed ones (columns, with their trace counts)."""
    clean = rows["disturbance"] == "none"
    parts = {"undisturbed": clean, "undisturbed, no step": clean & (rows["step_bpm"] == 0), "disturbed": ~clean}
    return pd.DataFrame({f"{label} (n={int(mask.sum())})": {m: error_summary(rows["hr_bpm"][mask], rows[m][mask])["gross_pct"]
                                                             for m in methods} for label, mask in parts.items()})


def confidence_table(rows: pd.DataFrame, method: str, thresholds: tuple[float, ...] = (0.0, 0.5, 0.7, 0.9)) -> pd.DataFrame:
    """Per confidence threshold (rows): the coverage (% of traces whose estimate reaches it), and the
    gross % and MAE (bpm) among those kept."""
    out = {}
    for threshold in thresholds:
        kept = rows[rows[f"{method}_confidence"] >= threshold]
        summary_ = error_summary(kept["hr_bpm"], kept[method])
        out[f">= {threshold:g}"] = {"coverage %": 100.0 * len(kept) / len(rows), "gross %": summary_["gross_pct"],
                                    "MAE (bpm)": summary_["mae_bpm"]}
    return pd.DataFrame(out).T


def windowed_table(half: str, k: int, methods: list[str], window: float = 10.0, step: float = 1.0,
                   waveform: str = "sinusoid", octave: bool = True) -> pd.DataFrame:
    """Windowed gross % and MAE (bpm) per method on ``k`` recordings (bursts of ``waveform``): all windows,
    those overlapping a disturbance burst, the others, and those of the others that do not span the
    heart-rate step; ``<method>+track`` runs ``hr_windowed(..., track=True)``."""
    rows = []
    for seed in range(1 if half == "report" else 0, 2 * k, 2):
        rec = make_recording(seed, waveform=waveform)
        n_win, n_step = round(window * rec.fs), round(step * rec.fs)
        starts = np.arange(0, rec.signal.size - n_win + 1, n_step)
        truth = np.array([rec.hr_bpm[s:s + n_win].mean() for s in starts])
        burst = np.array([np.any((rec.bursts < (s + n_win) / rec.fs) & (rec.bursts + rec.burst_s > s / rec.fs))
                          for s in starts])
        across = np.array([np.ptp(rec.hr_bpm[s:s + n_win]) > 0.5 * abs(rec.step_bpm) > 0 for s in starts])
        for m in methods:
            name, track = m.removesuffix("+track"), m.endswith("+track")
            _, hr = hr_windowed(rec.signal, rec.fs, window, step, method=name, track=track, octave=octave)
            rows += [{"method": m, "truth": a, "estimate": b, "burst": c, "step": d}
                     for a, b, c, d in zip(truth, hr, burst, across)]
    frame = pd.DataFrame(rows)
    out = {}
    for m, group in frame.groupby("method", sort=False):
        cell = {}
        quiet = group[~group["burst"]]
        for label, part in (("all", group), ("burst", group[group["burst"]]), ("no burst", quiet),
                            ("no burst, no step", quiet[~quiet["step"]])):
            summary_ = error_summary(part["truth"], part["estimate"])
            cell[f"gross % ({label})"], cell[f"MAE ({label})"] = summary_["gross_pct"], summary_["mae_bpm"]
        out[m] = cell
    return pd.DataFrame(out).T


def show(frame: pd.DataFrame, markdown: bool, digits: int = 1) -> str:
    """``frame`` as text: a pipe table with ``markdown``, else pandas' layout."""
    return frame.to_markdown(floatfmt=f".{digits}f") if markdown else frame.round(digits).to_string()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--half", default="report", choices=["design", "report"])
    p.add_argument("--n", type=int, default=2000, help="traces (default 2000; 0: none, e.g. with --recorded)")
    p.add_argument("--methods", nargs="+", default=[*HR_METHODS, *COMPAT_HR_METHODS, "structured+windows"])
    p.add_argument("--factors", nargs="+", default=list(FACTORS), choices=FACTORS)
    p.add_argument("--metrics", nargs="+", default=list(METRICS), choices=METRICS)
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--csv", help="write the per-trace table here")
    p.add_argument("--windowed", type=int, default=0, metavar="K", help="also windowed HR on K 60 s recordings")
    p.add_argument("--windowed-methods", nargs="+", default=["harmonic", "welch", "structured", "structured+track"])
    p.add_argument("--recorded", type=int, default=0, metavar="R",
                   help="also R traces of real recorded pulses (hr_corpus.recorded_half; needs heartpy), apart")
    p.add_argument("--postprocess", nargs=2, type=float, metavar=("LOW", "HIGH"),
                   help="pass every trace through a method's post-processing with this band (Hz) first")
    p.add_argument("--disturbance-waveform", default="sinusoid", choices=DISTURBANCE_WAVEFORMS,
                   help="the disturbances' shape: sinusoids (the corpus) or motion-like, with harmonics")
    p.add_argument("--octave-check", action=argparse.BooleanOptionalAction, default=True,
                   help="the octave check of tracked paths (hr_octave; the default protocol's); "
                        "--no-octave-check gives the figures from before it")
    args = p.parse_args(argv)
    if args.n > 0:
        corpus_tables(args)
    if args.recorded:
        recorded_tables(args)
    if args.windowed:
        print(f"## windowed heart rate: {args.windowed} recordings of 60 s{waveform_label(args)}, "
              "10 s windows every 1 s\n")
        print(show(windowed_table(args.half, args.windowed, args.windowed_methods,
                                  waveform=args.disturbance_waveform, octave=args.octave_check), args.markdown), "\n")


def corpus_tables(args: argparse.Namespace) -> None:
    """Print the tables of ``args.n`` traces of the corpus's half."""
    band = tuple(args.postprocess) if args.postprocess else None
    rows, seconds = estimates_table(args.half, args.n, args.methods, band=band, waveform=args.disturbance_waveform,
                                    octave=args.octave_check)
    if args.csv:
        rows.to_csv(args.csv, index=False)
    overall = summary(rows, args.methods)
    overall["ms_per_trace"] = [1000.0 * seconds[m] / len(rows) for m in args.methods]
    print(f"## {args.half} half, {len(rows)} traces{postprocessed(args)}: gross error = |error| > 5 bpm (%), "
          "MAE in bpm\n")
    print(show(overall, args.markdown), "\n")
    print("### gross_pct on the undisturbed and the disturbed traces\n")
    print(show(by_condition(rows, args.methods), args.markdown), "\n")
    for method in (m for m in args.methods if has_confidence(m)):
        print(f"### {method}: coverage, gross % and MAE (bpm) at a confidence threshold\n")
        print(show(confidence_table(rows, method), args.markdown, digits=2), "\n")
    for factor in args.factors:
        for metric in args.metrics:
            print(f"### {metric} by {factor}\n")
            print(show(by_factor(rows, args.methods, factor, metric), args.markdown), "\n")


def recorded_tables(args: argparse.Namespace) -> None:
    """Print the tables of ``args.recorded`` traces of real recorded pulses."""
    stretches = list(heartpy_stretches())
    rows, _ = estimates_table(args.half, args.recorded, args.methods,
                              recorded_half(args.half, args.recorded, stretches, args.disturbance_waveform),
                              band=tuple(args.postprocess) if args.postprocess else None, octave=args.octave_check)
    print(f"## recorded pulses, {args.half} half, {len(rows)} traces{postprocessed(args)}: gross error (%), "
          "MAE in bpm\n")
    print(show(summary(rows, args.methods), args.markdown), "\n")
    print(show(by_condition(rows, args.methods), args.markdown), "\n")
    for method in (m for m in args.methods if has_confidence(m)):
        print(f"### {method}: coverage, gross % and MAE (bpm) at a confidence threshold (recorded pulses)\n")
        print(show(confidence_table(rows, method), args.markdown, digits=2), "\n")
    for factor in ("shape", "disturbance", "hr_bin", "snr_bin"):
        print(f"### gross_pct by {factor} (recorded pulses)\n")
        print(show(by_factor(rows, args.methods, factor, "gross_pct"), args.markdown), "\n")


def postprocessed(args: argparse.Namespace) -> str:
    """What the tables' titles say of ``--disturbance-waveform`` and ``--postprocess``."""
    post = f", post-processed {args.postprocess[0]:g}-{args.postprocess[1]:g} Hz" if args.postprocess else ""
    return waveform_label(args) + post


def waveform_label(args: argparse.Namespace) -> str:
    """What the tables' titles say of ``--disturbance-waveform``: nothing for the corpus's sinusoids."""
    return f", {args.disturbance_waveform} disturbances" if args.disturbance_waveform != "sinusoid" else ""


if __name__ == "__main__":
    main()
