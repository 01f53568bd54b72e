"""A wider post-processing band for every method, with the waveform scored narrow: a sketch of option (b)
of docs/hr-estimators.md ("What a method's output leaves the estimator").

    python benchmarks/method_band.py [--band 0.5 6.0] [--methods pos chrom ...]

On the synthetic default (generated into the cache on first use), each classical method runs twice:
with its default band (0.7-3.0 Hz) and with ``--band``. The wide output is scored as it is (what
``--method-band`` does) and again band-passed to the default band and rescaled to [0, 1] before the
waveform metrics (the HR estimator keeps the wide output's harmonics; the waveform is compared in the
band the reference is). Prints per method the mean over the videos of the whole-video HR error (bpm),
the waveform correlation and the SNR (dB) of each. ``evaluate_prediction`` with the default protocol
(no beat metrics). About 20 s with the face products cached. Not a test: pytest does not collect it.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from rppg_bench.datasets.synthetic import load_synthetic
from rppg_bench.methods.registry import create_method
from rppg_bench.metrics.bands import DEFAULT_BAND_HZ
from rppg_bench.metrics.evaluate import evaluate_prediction
from rppg_bench.metrics.protocol import Protocol
from rppg_bench.metrics.signal import signal_bandpass, signal_normalize

METHODS = ("pos", "chrom", "ica", "green", "lgi", "pbv", "omit")


def scores(rec, method: str, band: tuple[float, float], protocol: Protocol) -> dict[str, float]:
    """HR error (bpm), waveform r and SNR (dB) of ``method`` on ``rec``: default band, ``band``, and
    ``band`` narrowed to the default band for the waveform."""
    t0, default = create_method(method).extract(rec)
    t, wide = create_method(method, band=band).extract(rec)
    fs = 1.0 / float(np.median(np.diff(t)))
    narrowed = signal_normalize(signal_bandpass(wide, fs, DEFAULT_BAND_HZ))
    out = {}
    for label, (times, signal) in (("default", (t0, default)), ("wide", (t, wide)), ("wide, narrow wave", (t, narrowed))):
        row = evaluate_prediction(times, signal, rec.ppg_times, rec.ppg, protocol)
        out |= {f"HR error, {label}": row["hr_abs_error"], f"wave r, {label}": row["wave_r"],
                f"SNR, {label}": row["snr_db"]}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--band", nargs=2, type=float, default=[0.5, 6.0], metavar=("LOW", "HIGH"))
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    args = parser.parse_args()
    protocol = Protocol(beats=None)
    rows = [{"method": m, **scores(rec, m, tuple(args.band), protocol)} for rec in load_synthetic() for m in args.methods]
    table = pd.DataFrame(rows).groupby("method").mean(numeric_only=True)
    print(f"synthetic default, method band {args.band[0]:g}-{args.band[1]:g} Hz against the default "
          f"{DEFAULT_BAND_HZ[0]:g}-{DEFAULT_BAND_HZ[1]:g}; means over the videos")
    print(table.round(3).T.to_string())


if __name__ == "__main__":
    main()
