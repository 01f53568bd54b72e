"""How the "structured" estimator's settings and confidence weights were chosen: on the design half only.

    python benchmarks/hr_structured_tuning.py [--n 2000] [--noise 300] [--sweep]

Computes the spectra of ``--n`` traces of the *design* half of :mod:`rppg_bench.metrics.hr_corpus`
once, then:

- ``--sweep``: for each setting of :class:`StructuredParams`, the gross-error rate (|error| > 5 bpm,
  %) overall, on the undisturbed traces, on the undisturbed traces without a step, and on the worst
  disturbance kind, at a few values around the default (one setting varied at a time);
- always: refits the confidence's logistic weights (``sklearn.linear_model.LogisticRegression``,
  C = 10) to the winners' :data:`EVIDENCE`, the label being an error within 5 bpm, with
  ``--noise`` noise-only signals (white and pink, 10 and 30 s at 30 Hz, always wrong) added, and
  prints them beside :data:`CONFIDENCE_WEIGHTS` with the AUC and log-loss of each.

The defaults in ``hr_structured.py`` are what this printed (rounded), then checked once on the
report half with ``benchmarks/hr_estimators.py``. ``--postprocess LOW HIGH`` passes every trace
through a method's post-processing with that band first (``benchmarks/hr_estimators.py``'s option:
what the estimator gets from a method in a run); ``--disturbance-waveform motion`` takes the corpus's
variant with motion-like disturbances (``hr_disturbances.DISTURBANCE_WAVEFORMS``). Not a test: pytest does not
collect it.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
from hr_estimators import as_method_output
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

from rppg_bench.metrics.bands import DEFAULT_BAND_HZ
from rppg_bench.metrics.heart_rate import check_signal
from rppg_bench.metrics.hr_corpus import (
    coloured_noise,
    corpus_half,
    error_kinds,
)
from rppg_bench.metrics.hr_disturbances import DISTURBANCE_WAVEFORMS
from rppg_bench.metrics.hr_structured import (
    CONFIDENCE_WEIGHTS,
    DEFAULT_PARAMS,
    EVIDENCE,
    StructuredParams,
    judge,
    spectra_rows,
)

SWEEP = {"floor_factor": [0.5, 1.0, 1.5, 2.0], "odd_ratio": [0.12, 0.25, 0.4], "harmonic_gain": [1.0, 1.5, 2.0, 3.0],
         "tooth_bins": [0.5, 1.0], "fundamental_hz": [0.0, 0.1, 0.15, 0.2], "max_harmonic_ratio": [1.0, 1.5, 3.0],
         "hole_ratio": [0.0, 0.05, 0.15], "centroid_hz": [0.0, 0.2, 0.25, 0.3], "rate_hz": [0.2, 0.25, 0.3],
         "rate_trim_s": [0.5, 1.0, 1.5, 2.0], "rate_min_span_s": [6.0, float("inf")], "n_harmonics": [4, 5, 6],
         "min_prominence": [0.02, 0.05, 0.1]}


def spectra(signals: list[tuple[np.ndarray, float]], band: tuple[float, float]) -> list[tuple]:
    """(f, p, narrow, fs, duration) per (signal, fs): the input :func:`judge` needs."""
    out = []
    for x, fs in signals:
        f, p, narrow = spectra_rows(check_signal(x, fs)[None], fs, band)
        out.append((f, p[0], narrow[0], fs, x.size / fs))
    return out


def judged(cached: list[tuple], params: StructuredParams, band: tuple[float, float]) -> list:
    return [judge(f, p, narrow, fs, band, duration, params) for f, p, narrow, fs, duration in cached]


def gross_rates(truth: np.ndarray, estimate: np.ndarray, disturbance: np.ndarray, step: np.ndarray) -> str:
    """Gross-error % overall / undisturbed / undisturbed without a step / worst disturbance kind."""
    gross = error_kinds(truth, estimate)["gross"]
    clean = disturbance == "none"
    worst = max(gross[disturbance == d].mean() for d in set(disturbance) - {"none"})
    return " / ".join(f"{100 * v:5.2f}" for v in (gross.mean(), gross[clean].mean(), gross[clean & ~step].mean(), worst))


def confidence_fit(evidence: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Logistic weights (intercept last), AUC and log-loss of ``correct`` (K,) from ``evidence`` (K, E)."""
    model = LogisticRegression(C=10.0, max_iter=2000).fit(evidence, correct)
    prob = model.predict_proba(evidence)[:, 1]
    return np.r_[model.coef_[0], model.intercept_], roc_auc_score(correct, prob), log_loss(correct, prob)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--noise", type=int, default=300)
    p.add_argument("--sweep", action="store_true")
    p.add_argument("--postprocess", nargs=2, type=float, metavar=("LOW", "HIGH"),
                   help="pass every trace through a method's post-processing with this band (Hz) first")
    p.add_argument("--disturbance-waveform", default="sinusoid", choices=DISTURBANCE_WAVEFORMS,
                   help="the disturbances' shape: sinusoids (the corpus) or motion-like, with harmonics")
    args = p.parse_args(argv)
    band = DEFAULT_BAND_HZ
    traces = corpus_half("design", args.n, waveform=args.disturbance_waveform)
    post = tuple(args.postprocess) if args.postprocess else None
    cached = spectra([(as_method_output(t, post), t.fs) for t in traces], band)
    truth = np.array([t.hr_bpm for t in traces])
    disturbance = np.array([t.disturbance for t in traces])
    step = np.array([t.step_bpm != 0 for t in traces])
    if args.sweep:
        print("gross % overall / undisturbed / undisturbed, no step / worst disturbance")
        for name, values in SWEEP.items():
            for value in values:
                params = dataclasses.replace(DEFAULT_PARAMS, **{name: value})
                est = np.array([c.bpm for c in judged(cached, params, band)])
                mark = " (default)" if getattr(DEFAULT_PARAMS, name) == value else ""
                print(f"{name:>20} = {value:<5}: {gross_rates(truth, est, disturbance, step)}{mark}")
    found = judged(cached, DEFAULT_PARAMS, band)
    est = np.array([c.bpm for c in found])
    print(f"defaults: {gross_rates(truth, est, disturbance, step)}")
    rng = np.random.default_rng(0)
    kinds, lengths = ("white", "pink"), (300, 900)
    noise = [(coloured_noise(rng, lengths[i // 2 % 2], 30.0, kinds[i % 2]), 30.0) for i in range(args.noise)]
    noise_found = judged(spectra(noise, band), DEFAULT_PARAMS, band)
    evidence = np.array([c.evidence for c in found + noise_found])
    correct = np.r_[np.abs(est - truth) <= 5.0, np.zeros(len(noise_found), bool)]
    weights, auc, loss = confidence_fit(evidence, correct)
    z = evidence @ CONFIDENCE_WEIGHTS[:-1] + CONFIDENCE_WEIGHTS[-1]
    current = 1.0 / (1.0 + np.exp(-z))
    print("evidence:", ", ".join(EVIDENCE), "+ intercept")
    print(f"refit    {np.round(weights, 2).tolist()}  AUC {auc:.3f}  log-loss {loss:.4f}")
    print(f"in use   {CONFIDENCE_WEIGHTS.tolist()}  AUC {roc_auc_score(correct, current):.3f}  "
          f"log-loss {log_loss(correct, current):.4f}")


if __name__ == "__main__":
    main()
