"""What the evaluation of one method's output costs, per video: ``evaluate_prediction`` and its windowed HR.

    python benchmarks/evaluation_speed.py [--methods pos chrom ...] [--repeats 5] [--landmarks track]

On the synthetic default (20 s, 320x240, 30 fps; face pass cached like any run),
each method's signal is extracted once per video; then ``evaluate_prediction``
(every metric of a row: whole-video and windowed HR with confidence, SNR,
waveform, beat, HRV and breathing columns) is timed on each, fresh (its
reference-side memo cleared), the minimum of ``--repeats`` runs, and so is the
windowed HR (``hr_windowed_confidence``, tracked) alone; the memoised filter designs
are forgotten before each call (in a run each window's filters are designed afresh: they
follow the window's rate). Prints ms per video per
method and their mean. Run it with ``PYTHONPATH`` pointing at another checkout's
``src`` to compare code versions on the same machine (docs/speed.md, "The evaluation").
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rppg_bench.datasets.registry import load_dataset
from rppg_bench.methods.registry import create_method
from rppg_bench.metrics import evaluate
from rppg_bench.metrics import signal as signal_module
from rppg_bench.metrics.heart_rate import hr_windowed_confidence
from rppg_bench.metrics.protocol import Protocol
from rppg_bench.preprocessing.params import FaceParams
from rppg_bench.preprocessing.store import rgb_trace
from rppg_bench.runner import protocol_method_params

METHODS = ["pos", "chrom", "ica", "green", "lgi", "pbv", "omit"]


#: memoised filter designs (this and earlier code versions): cleared before each timed call, as a run
#: designs each window's filters afresh (they follow the window's own rate)
DESIGN_MEMOS = ("bandpass_design", "butter_bandpass_sos", "_bandpass_sos")


def forget_designs() -> None:
    """Clear the memoised band-pass designs of :mod:`rppg_bench.metrics.signal`."""
    for name in DESIGN_MEMOS:
        memo = getattr(signal_module, name, None)
        if memo is not None:
            memo.cache_clear()


def fastest(fn, repeats: int) -> float:
    """The least wall time (s) of ``repeats`` calls of ``fn``, each after :func:`forget_designs`."""
    best = float("inf")
    for _ in range(repeats):
        forget_designs()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--methods", nargs="+", default=METHODS)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--landmarks", default="every", choices=["every", "track"])
    args = p.parse_args(argv)
    protocol = Protocol()
    recs = load_dataset("synthetic", None, seed=0).recordings
    rows = []
    for rec in recs:
        rgb_trace(rec, FaceParams(landmarks=args.landmarks))
        for m in args.methods:
            times, signal = create_method(m, **protocol_method_params(m, protocol, {}, 0)).extract(rec)

            def whole(times=times, signal=signal, rec=rec) -> None:
                evaluate._MEMO.clear()  # fresh: the reference side is paid on every call
                evaluate.evaluate_prediction(times, signal, rec.ppg_times, rec.ppg, protocol, rec.hr, rec.hr_times)

            t = evaluate.aligned_waveforms(times, signal, rec.ppg_times, rec.ppg, protocol)[0]
            _, fs, pred, _ = evaluate.uniform_pair(times, signal, rec.ppg_times, rec.ppg, t)

            def windowed(pred=pred, fs=fs) -> None:
                hr_windowed_confidence(pred, fs, protocol.window, protocol.step, band=protocol.band,
                                       track=protocol.tracks_windows, method=protocol.hr_method)

            rows.append((rec.name, m, fastest(whole, args.repeats), fastest(windowed, args.repeats)))
    print(f"{len(recs)} videos x {len(args.methods)} methods, minimum of {args.repeats} runs, ms per video")
    print("| method | evaluate_prediction | windowed HR (tracked) |")
    print("|---|---|---|")
    for m in args.methods:
        ev = [r[2] for r in rows if r[1] == m]
        wi = [r[3] for r in rows if r[1] == m]
        print(f"| {m} | {1e3 * np.mean(ev):.1f} | {1e3 * np.mean(wi):.1f} |")
    print(f"| mean | {1e3 * np.mean([r[2] for r in rows]):.1f} | {1e3 * np.mean([r[3] for r in rows]):.1f} |")


if __name__ == "__main__":
    main()
