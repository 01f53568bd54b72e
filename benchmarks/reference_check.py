"""The reference's heart rate checked against its beats (``Protocol.ref_beat_check``), measured.

1. Clean excerpts of heartpy's finger-PPG recordings (:mod:`rppg_bench.datasets.ppg_recordings`),
   as recorded and half smoothed toward a facial pulse, 20 s at 30 Hz, 40-175 bpm (the excerpts of
   ``benchmarks/recorded_pulses.py``), with pink noise at several SNRs (pulse over noise power
   above 0.5 Hz): share more than 5 bpm off with ``structured`` alone and with the beat check
   (:func:`rppg_bench.metrics.reference_check.checked_rate` on the beats ``beat_times`` finds with
   the default protocol's beat settings).
2. The same two on the design half of the signal-level corpus (``metrics.hr_corpus``), whose
   disturbances are sinusoids inside the band: why the check is the reference's only.
3. heartpy's three recordings as they are (dropouts, clipping and all) cut into 30 s segments, each
   scored as a video's reference PPG by ``evaluate_prediction`` with and without the check, beside
   heartpy's own ``process`` rate of the segment (its peak detection for finger PPG).

Needs heartpy (the ``datasets`` extra). About 20 s::

    python benchmarks/reference_check.py [--n 25] [--corpus 1000]
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from recorded_pulses import FS_HZ, excerpt_pulses
from tabulate import tabulate

from rppg_bench.datasets.ppg_recordings import heartpy_recordings
from rppg_bench.metrics import hr_corpus
from rppg_bench.metrics.beats import beat_times
from rppg_bench.metrics.defaults import GROSS_BPM
from rppg_bench.metrics.evaluate import evaluate_prediction
from rppg_bench.metrics.heart_rate import hr_estimate
from rppg_bench.metrics.protocol import BeatProtocol, Protocol
from rppg_bench.metrics.reference_check import checked_rate

SNRS_DB = (None, 20.0, 10.0, 5.0)


def both_estimates(x: np.ndarray, fs: float, settings: BeatProtocol) -> tuple[float, float]:
    """(``structured``'s HR, the same checked against the beats) of ``x`` (N,) at ``fs`` Hz, bpm."""
    spectral = hr_estimate(x, fs, method="structured")
    beats = beat_times(x, fs, settings.band, settings.rel_prominence, secondary_share=settings.secondary_share)
    return spectral, checked_rate(spectral, beats, settings.max_artefact_share)[0]


def with_pink_noise(x: np.ndarray, fs: float, snr_db: float | None, rng: np.random.Generator) -> np.ndarray:
    """``x`` plus pink noise at ``snr_db`` (None: ``x``)."""
    return x if snr_db is None else x + hr_corpus.noise_at_snr(rng, x, fs, "pink", snr_db)


def recorded_rows(n: int, settings: BeatProtocol) -> list[list]:
    """Per SNR: [SNR, excerpts, % off with structured, % off checked, % overruled]."""
    rng = np.random.default_rng(0)
    t = np.arange(0.0, 20.0, 1.0 / FS_HZ)
    pulses = [p for smoothness in (0.0, 0.5) for _, p in excerpt_pulses(n, 20.0, 0, smoothness)]
    rows = []
    for snr in SNRS_DB:
        off = []
        for pulse in pulses:
            truth = float(np.mean(pulse.hr(t)))
            spectral, checked = both_estimates(with_pink_noise(pulse.ppg(t), FS_HZ, snr, rng), FS_HZ, settings)
            off.append((abs(spectral - truth) > GROSS_BPM, abs(checked - truth) > GROSS_BPM, checked != spectral))
        a = np.array(off)
        rows.append(["none" if snr is None else f"{snr:g} dB", len(pulses), *(100 * a.mean(axis=0))])
    return rows


def corpus_rows(n: int, settings: BeatProtocol) -> list[list]:
    """Undisturbed and disturbed traces of the design half: the same columns."""
    traces = hr_corpus.corpus_half("design", n)
    rows = []
    for label, chosen in (("undisturbed", [tr for tr in traces if tr.disturbance == "none"]),
                          ("disturbed", [tr for tr in traces if tr.disturbance != "none"])):
        off = []
        for tr in chosen:
            spectral, checked = both_estimates(tr.signal, tr.fs, settings)
            off.append((abs(spectral - tr.hr_bpm) > GROSS_BPM, abs(checked - tr.hr_bpm) > GROSS_BPM,
                        checked != spectral))
        a = np.array(off)
        rows.append([label, len(chosen), *(100 * a.mean(axis=0))])
    return rows


def heartpy_rate(segment: np.ndarray, fs: float) -> float:
    """heartpy's ``process`` rate (bpm) of ``segment`` (N,) at ``fs`` Hz; NaN where it gives none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # heartpy's import (pkg_resources) and numpy warnings on flat stretches
        import heartpy
        try:
            return float(heartpy.process(segment, fs)[1]["bpm"])
        except (ValueError, IndexError, ZeroDivisionError, UserWarning):  # BadSignalWarning is a UserWarning
            return float("nan")


def segment_rows(seconds: float) -> list[list]:
    """Per ``seconds`` s segment of heartpy's recordings: [recording, start s, heartpy's rate, true HR
    without the check, with it, whether the beats overruled it, the share of windows they overruled]."""
    rows = []
    tp = np.arange(0.0, seconds, 1.0 / 30.0)
    for rec in heartpy_recordings():
        n = round(seconds * rec.fs)
        for k in range(rec.samples.size // n):
            segment = rec.samples[k * n:(k + 1) * n].astype(float)
            t = np.arange(segment.size) / rec.fs
            pred = 0.5 + 0.5 * np.sin(2 * np.pi * 1.2 * tp)  # its content does not change the true HR
            plain = evaluate_prediction(tp, pred, t, segment, Protocol(ref_beat_check=False))
            checked = evaluate_prediction(tp, pred, t, segment, Protocol())
            rows.append([rec.name, k * seconds, heartpy_rate(segment, rec.fs), plain["hr_true"], checked["hr_true"],
                         int(checked["hr_true_from_beats"]), checked["win_hr_true_from_beats"]])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=25, help="excerpts per heart rate and smoothness")
    parser.add_argument("--corpus", type=int, default=1000, help="design-half traces (0: none)")
    parser.add_argument("--segment", type=float, default=30.0, help="s per segment of heartpy's recordings")
    args = parser.parse_args()
    settings = BeatProtocol()
    headers = ["structured % off", "checked % off", "overruled %"]
    print("Recorded finger-PPG excerpts (smoothness 0 and 0.5), pink noise:")
    print(tabulate(recorded_rows(args.n, settings), headers=["SNR", "excerpts", *headers], floatfmt=".1f"))
    if args.corpus:
        print(f"\nSignal-level corpus, design half ({args.corpus} traces; sinusoidal disturbances in half):")
        print(tabulate(corpus_rows(args.corpus, settings), headers=["traces", "n", *headers], floatfmt=".1f"))
    rows = segment_rows(args.segment)
    print(f"\nheartpy's recordings as recorded, {args.segment:g} s segments scored as a reference PPG (bpm):")
    print(tabulate(rows, headers=["recording", "start s", "heartpy", "true HR, no check", "checked",
                                  "whole from beats", "windows from beats"], floatfmt=".1f"))
    a = np.array([r[2:5] for r in rows], dtype=float)
    known = np.isfinite(a[:, 0])
    print(f"{known.sum()} of {len(rows)} segments with a heartpy rate; more than {GROSS_BPM:g} bpm from it: "
          f"{int(np.sum(np.abs(a[known, 1] - a[known, 0]) > GROSS_BPM))} without the check, "
          f"{int(np.sum(np.abs(a[known, 2] - a[known, 0]) > GROSS_BPM))} with it")


if __name__ == "__main__":
    main()
