"""Waveform metrics in the protocol's band: a wide-band prediction compared like the reference."""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.metrics.evaluate import evaluate_prediction
from rppg_bench.metrics.protocol import Protocol

FS = 30.0


def test_a_prediction_with_power_above_the_band_is_compared_in_the_band():
    """A pulse plus a strong 6 Hz component (what a method with a wide post-processing band may keep):
    in the band its waveform matches the reference; compared as it is, it does not. The heart rate
    does not depend on it."""
    t = np.arange(0.0, 30.0, 1.0 / FS)
    ref = np.sin(2 * np.pi * 1.2 * t)
    pred = np.sin(2 * np.pi * 1.2 * t) + 0.8 * np.sin(2 * np.pi * 6.0 * t + 0.3)
    narrow, wide = (evaluate_prediction(t, pred, t, ref, Protocol(wave_in_band=w, beats=None)) for w in (True, False))
    assert narrow["wave_r"] > 0.99 and wide["wave_r"] < 0.9
    assert narrow["wave_rmse"] < wide["wave_rmse"]
    assert narrow["hr_pred"] == pytest.approx(wide["hr_pred"]) == pytest.approx(72.0, abs=0.5)
    assert Protocol().as_dict()["wave_in_band"] in (True, False)
