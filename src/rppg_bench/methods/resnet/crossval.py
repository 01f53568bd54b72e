"""Subject-wise k-fold cross-validation of ResNet-18 + TCN against classical methods.

For each fold of :func:`rppg_bench.datasets.splits.subject_folds`, :func:`.trainer.train` learns on
the training subjects only; the checkpoint then runs on the held-out videos,
and so do the classical methods named in ``compare`` (POS by default). Heart
rates come from :func:`rppg_bench.metrics.heart_rate.hr_estimate` (default
harmonic-sum estimator) on the frame-rate signals over the span both the
video and its ground truth cover; the truth is the same estimator on the
ground-truth PPG resampled onto the frame times.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ...datasets.recording import Recording
from ...datasets.splits import subject_folds
from ...metrics.heart_rate import hr_estimate
from .data import recording_subject


def video_hr(times: np.ndarray, signal: np.ndarray, rec: Recording, method: str = "harmonic") -> tuple[float, float]:
    """(predicted, true) heart rate in bpm of one video over the span shared with its ground truth."""
    times, signal = np.asarray(times, float), np.asarray(signal, float)
    ppg_t, ppg = np.asarray(rec.ppg_times, float), np.asarray(rec.ppg, float)
    inside = (times >= ppg_t[0]) & (times <= ppg_t[-1])
    t = times[inside]
    fs = float(1.0 / np.median(np.diff(t)))
    return (hr_estimate(signal[inside], fs, method=method),
            hr_estimate(np.interp(t, ppg_t, ppg), fs, method=method))


def cross_validate(recordings: Sequence[Recording], *, k: int = 3, seed: int = 0, out_dir: str | Path = "cv",
                   compare: Sequence[str] = ("pos",), hr_method: str = "harmonic", device: str | None = None,
                   **train_kwargs: Any) -> list[dict[str, Any]]:
    """Train and test every fold; one row per held-out video.

    Rows: ``fold``, ``video``, ``subject``, ``hr_true`` and, for ``resnet``
    and every method in ``compare``, ``hr_<method>`` (bpm). Checkpoints go to
    ``out_dir/fold<i>/``; ``train_kwargs`` go to :func:`.trainer.train`
    (``epochs``, ``lr``, ``batch``, ``frames``, ``size``, ``max_minutes``, ...).
    """
    from ..registry import create_method
    from .infer import extract_with_model, load_checkpoint
    from .trainer import train

    rows: list[dict[str, Any]] = []
    for i, (train_recs, test_recs) in enumerate(subject_folds(recordings, k=k, seed=seed)):
        ckpt = train(None, recordings=train_recs, out_dir=Path(out_dir) / f"fold{i}", seed=seed,
                     device=device, **train_kwargs)
        loaded = load_checkpoint(ckpt, device or "cpu")
        for rec in test_recs:
            row: dict[str, Any] = {"fold": i, "video": rec.name, "subject": recording_subject(rec)}
            times, sig = extract_with_model(rec, loaded)
            row["hr_resnet"], row["hr_true"] = video_hr(times, sig, rec, hr_method)
            for name in compare:
                times, sig = create_method(name).extract(rec)
                row[f"hr_{name}"] = video_hr(times, sig, rec, hr_method)[0]
            rows.append(row)
    return rows


def summarize(rows: Sequence[dict[str, Any]]) -> str:
    """Per-fold and overall HR MAE (bpm) of every method in ``rows``, as text lines."""
    methods = [c[3:] for c in rows[0] if c.startswith("hr_") and c != "hr_true"] if rows else []
    folds = sorted({r["fold"] for r in rows})
    lines = [f"{'fold':<8}{'videos':>7}" + "".join(f"{m + ' MAE':>13}" for m in methods)]
    for f in [*folds, "all"]:
        sel = [r for r in rows if f == "all" or r["fold"] == f]
        maes = [np.mean([abs(r[f"hr_{m}"] - r["hr_true"]) for r in sel]) for m in methods]
        lines.append(f"{f!s:<8}{len(sel):>7}" + "".join(f"{v:>13.2f}" for v in maes))
    return "\n".join(lines)
