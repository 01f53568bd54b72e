"""Beat, HRV and breathing metrics on 30 s synthetic clips: accuracy per video and their cost (issue 21).

    python benchmarks/beat_metrics.py [--out DIR] [--methods pos chrom green]

First the breathing-rate error on 20 s and 30 s model pulses at 6-24 breaths/min
(:func:`short_breathing`). Then generates (once, into ``--out``) two synthetic sets of 30 s at 30 fps, seed 0, three easy
recordings and one hard one: ``default`` (the generator's breathing: since generator 5, 12-18
breaths/min, 3-5 bpm of sinus arrhythmia, 15 % beat-height modulation; before, 0.5-2 bpm and 5 %)
and ``strong`` (``rsa_bpm=4``, ``breathing_modulation=0.15``; the same draws otherwise). For each method and video it
prints the beat columns of the default protocol (IBI MAE, beats matched, pulse quality,
RMSSD of both sides, breathing rate against the respiration reference and its error) and
the breathing rate from RIAV alone and RIAV + RIFV (smart fusion), and last the evaluation
time the beat metrics add (reference side once per video, method side once per method;
minimum of 40 runs) next to the rest of ``evaluate_prediction``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from rppg_bench.datasets.ppg_model import HeartRateVariability, simulate_pulse
from rppg_bench.datasets.synthetic import load_synthetic
from rppg_bench.methods.registry import create_method
from rppg_bench.metrics import evaluate
from rppg_bench.metrics.align import align_to_reference
from rppg_bench.metrics.bands import DEFAULT_BAND_HZ
from rppg_bench.metrics.beat_metrics import method_columns, reference_side
from rppg_bench.metrics.breathing import breathing_rate
from rppg_bench.metrics.protocol import Protocol
from rppg_bench.metrics.signal import signal_bandpass

SETS = {"default": {}, "strong": {"rsa_bpm": 4.0, "breathing_modulation": 0.15}}
COMMON = {"seed": 0, "n_easy": 3, "n_hard": 1, "duration": 30.0}


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def accuracy(recordings: list, methods: list[str]) -> None:
    """One line per (video, method): the default protocol's beat columns and the breathing rate
    from RIAV alone and from RIAV + RIFV (smart fusion) besides the protocol's RIFV."""
    protocol = Protocol()
    print("video          method  IBI MAE  matched  quality  RMSSD ref/est  breathing est/ref  error  RIAV  RIAV+RIFV")
    for rec in recordings:
        for name in methods:
            t, s = create_method(name).extract(rec)
            row = evaluate.evaluate_prediction(t, s, rec.ppg_times, rec.ppg, protocol, respiration=rec.respiration,
                                               respiration_times=rec.respiration_times)
            fs = 1.0 / np.median(np.diff(t))
            riav = breathing_rate(s, fs, modulations=("riav",))["rate_bpm"]
            fused = breathing_rate(s, fs, modulations=("riav", "rifv"))["rate_bpm"]
            print(f"{rec.name:14s} {name:6s}  {fmt(row['ibi_mae_ms']):>7s}  {row['beats_matched_share']:7.2f}  "
                  f"{row['pulse_quality_est']:7.2f}  {fmt(row['rmssd_ms_ref']):>6s}/{fmt(row['rmssd_ms_est']):<6s}  "
                  f"{fmt(row['breathing_est']):>8s}/{fmt(row['breathing_ref']):<8s}  "
                  f"{fmt(row['breathing_error']):>5s}  {fmt(riav):>4s}  {fmt(fused):>9s}")


def short_breathing(duration: float = 20.0, fs: float = 30.0, draws: int = 20) -> None:
    """Breathing-rate error of the protocol's rule (RIFV) on ``duration`` s model pulses at ``fs`` Hz,
    band-passed as a method's output, breathing as the synthetic default (3-5 bpm RSA, 15 % beat
    height) at fixed rates: how many draws have no rate, median absolute error, share within 2."""
    t = np.arange(int(duration * fs)) / fs
    for rate in (6, 9, 12, 15, 18, 24):
        errors, none = [], 0
        for seed in range(draws):
            rng = np.random.default_rng(seed)
            hrv = HeartRateVariability(wander_bpm=rng.uniform(1, 4), rsa_bpm=rng.uniform(3, 5),
                                       rr_jitter=rng.uniform(0.01, 0.03))
            model = simulate_pulse(0.0, float(t[-1]), rng.uniform(50, 110), rng, variability=hrv,
                                   breathing_hz=(rate / 60, rate / 60), breathing_modulation=0.15)
            found = breathing_rate(signal_bandpass(model.ppg(t), fs, DEFAULT_BAND_HZ), fs, modulations=("rifv",))
            none += found["rate_bpm"] is None
            errors += [] if found["rate_bpm"] is None else [abs(found["rate_bpm"] - rate)]
        print(f"{duration:g} s, {rate:2d} breaths/min: no rate in {none}/{draws}, median abs. error "
              f"{np.median(errors):.2f}, within 2: {np.mean(np.array(errors) < 2):.0%}")


def best_ms(f, repeats: int = 40) -> float:
    """Minimum time (ms) of ``repeats`` calls of ``f``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def cost(rec) -> None:
    """Time of the reference side and of one method's columns on ``rec`` with POS, of the rest of
    ``evaluate_prediction``, and of the reference side of a 60 s, 1 kHz PPG."""
    settings = Protocol().beats
    t, s = create_method("pos").extract(rec)
    span, _, _ = align_to_reference(t, s, rec.ppg_times, rec.ppg)
    grid, fs, pred, _ = evaluate.uniform_pair(t, s, rec.ppg_times, rec.ppg, span)
    resp = (rec.respiration, rec.respiration_times)
    ref = reference_side(rec.ppg_times, rec.ppg, span[0], span[-1], settings, *resp)
    without = dataclasses.replace(Protocol(), beats=None)

    def rest() -> None:
        evaluate._MEMO.clear()
        evaluate.evaluate_prediction(t, s, rec.ppg_times, rec.ppg, without)

    print(f"cost on {rec.name} ({span[-1] - span[0]:.0f} s at {fs:.0f} fps): reference side "
          f"{best_ms(lambda: reference_side(rec.ppg_times, rec.ppg, span[0], span[-1], settings, *resp)):.1f} ms "
          f"(belt), {best_ms(lambda: reference_side(rec.ppg_times, rec.ppg, span[0], span[-1], settings)):.1f} ms "
          f"(derived from the PPG); per method {best_ms(lambda: method_columns(grid[0], pred, fs, ref, settings)):.1f}"
          f" ms; evaluate_prediction without them {best_ms(rest):.1f} ms")
    t_k = np.arange(0.0, 60.0, 0.001)
    ppg_k = simulate_pulse(0.0, 60.0, 70.0, np.random.default_rng(0)).ppg(t_k)
    print(f"reference side of a 60 s PPG at 1 kHz (derived): "
          f"{best_ms(lambda: reference_side(t_k, ppg_k, 0.0, 59.9, settings), repeats=5):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("beat-metrics-sets"), help="where the sets are generated")
    parser.add_argument("--methods", nargs="+", default=["pos", "chrom", "green"])
    args = parser.parse_args()
    for duration in (20.0, 30.0):
        short_breathing(duration)
    for label, extra in SETS.items():
        print(f"\n== {label} breathing {extra or '(generator defaults)'}")
        recordings = load_synthetic(args.out / label, **COMMON, **extra)
        accuracy(recordings, args.methods)
    cost(recordings[0])


if __name__ == "__main__":
    main()
