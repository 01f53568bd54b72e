"""A small version of the README's synthetic accuracy table (issue: classical methods).

On a small synthetic set (seed 0: one easy 20 s clip and one hard 20 s clip of
each of the four hard scenarios), CHROM and POS recover the easy heart rate
within 2 bpm and every classical method's hard-part MAE beats a constant 72 bpm
guess. (On 12 s clips GREEN and PBV do worse than the constant guess: the hard
set is meant to break them.)
"""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.datasets.registry import load_dataset
from rppg_bench.methods.registry import CLASSICAL_DEFAULT, create_method
from rppg_bench.metrics.evaluate import evaluate_prediction

pytestmark = pytest.mark.slow  # deselect with -m 'not slow' (docs/running.md)


@pytest.fixture(scope="module")
def small_set(tmp_path_factory):
    loaded = load_dataset("synthetic", tmp_path_factory.mktemp("accuracy"), seed=0, n_easy=1, n_hard=4,
                          duration=20.0, n_pure=0)
    assert not loaded.errors
    return loaded.recordings


@pytest.fixture(scope="module")
def errors(small_set):
    """|HR error| (bpm) per (method, condition) and the constant-72 guess's, per hard clip."""
    out: dict[tuple[str, str], list[float]] = {}
    const: list[float] = []
    for rec in small_set:
        for name in CLASSICAL_DEFAULT:
            times, signal = create_method(name).extract(rec)
            m = evaluate_prediction(times, signal, rec.ppg_times, rec.ppg)
            out.setdefault((name, rec.condition), []).append(m["hr_abs_error"])
            if name == "pos" and rec.condition == "hard":
                const.append(abs(72.0 - m["hr_true"]))
    return out, float(np.mean(const))


@pytest.mark.parametrize("name", ["chrom", "pos"])
def test_chrom_and_pos_recover_easy_heart_rate(errors, name):
    assert np.mean(errors[0][(name, "easy")]) <= 2.0


@pytest.mark.parametrize("name", CLASSICAL_DEFAULT)
def test_every_method_beats_constant_guess_on_hard(errors, name):
    per_method, constant_mae = errors
    assert np.mean(per_method[(name, "hard")]) < constant_mae
