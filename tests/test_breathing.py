"""Breathing rate from a pulse's respiratory modulations, and from a respiration reference."""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.datasets.ppg_model import (
    HeartRateVariability,
    Respiration,
    simulate_pulse,
)
from rppg_bench.metrics.breathing import (
    BREATHING_BAND_HZ,
    breathing_rate,
    breathing_rate_windowed,
    respiration_reference_rate,
)

FS = 30.0
#: a resting adult's variability: clear sinus arrhythmia, little beat-to-beat jitter
HRV = HeartRateVariability(rsa_bpm=4.0, rr_jitter=0.01, amplitude_jitter=0.02)


def breathing_pulse(rate_hz: float, duration: float, hr_bpm: float = 72.0, seed: int = 0) -> np.ndarray:
    """A simulated PPG (N,) at ``FS`` Hz for ``duration`` s, breathing at ``rate_hz``."""
    t = np.arange(int(duration * FS)) / FS
    breathing = Respiration(rate_hz=rate_hz, amplitude_modulation=0.15, baseline=0.1)
    model = simulate_pulse(0.0, float(t[-1]), hr_bpm, np.random.default_rng(seed), variability=HRV,
                           respiration=breathing)
    return model.ppg(t)


@pytest.mark.parametrize("rate_hz, duration, hr_bpm", [(0.2, 30.0, 60.0), (0.25, 45.0, 75.0),
                                                       (0.3, 60.0, 90.0), (0.25, 30.0, 90.0)])
def test_pulse_breathing_rate_within_2_per_minute(rate_hz, duration, hr_bpm):
    for seed in range(3):
        result = breathing_rate(breathing_pulse(rate_hz, duration, hr_bpm, seed), FS)
        assert result["reason"] is None
        assert result["rate_bpm"] == pytest.approx(60.0 * rate_hz, abs=2.0)
        for modulation in ("riiv", "riav", "rifv"):
            assert result[f"{modulation}_bpm"] == pytest.approx(60.0 * rate_hz, abs=3.0)
        assert result["n_beats"] == pytest.approx(duration * hr_bpm / 60.0, abs=3)


def test_subset_of_modulations():
    result = breathing_rate(breathing_pulse(0.25, 40.0), FS, modulations=("riav", "rifv"))
    assert result["rate_bpm"] == pytest.approx(15.0, abs=2.0)
    assert result["riiv_bpm"] is None
    with pytest.raises(ValueError, match="modulations"):
        breathing_rate(breathing_pulse(0.25, 40.0), FS, modulations=("belt",))


@pytest.mark.parametrize("rate_bpm", [6.5, 12.0, 15.0, 22.0, 29.0])
def test_respiration_reference_sine(rate_bpm):
    t = np.arange(int(60 * 25.0)) / 25.0
    belt = 3.0 + 0.5 * np.sin(2 * np.pi * rate_bpm / 60.0 * t + 0.3) + 0.01 * t
    assert respiration_reference_rate(belt, 25.0) == pytest.approx(rate_bpm, abs=0.1)


def test_respiration_reference_too_short():
    t = np.arange(int(10 * FS)) / FS
    with pytest.raises(ValueError, match="too short"):
        respiration_reference_rate(np.sin(2 * np.pi * 0.25 * t), FS)


def test_too_short_gives_reason():
    result = breathing_rate(breathing_pulse(0.25, 12.0), FS)
    assert result["rate_bpm"] is None
    assert result["reason"].startswith("too short")


@pytest.mark.parametrize("seed", range(5))
def test_noise_gives_reason(seed):
    result = breathing_rate(np.random.default_rng(seed).standard_normal(int(40 * FS)), FS)
    assert result["rate_bpm"] is None
    assert result["reason"]


def test_constant_gives_reason():
    result = breathing_rate(np.ones(int(40 * FS)), FS)
    assert result["rate_bpm"] is None
    assert result["reason"]


def test_disagreeing_modulations_give_reason():
    x = breathing_pulse(0.25, 40.0)
    x = x + 0.5 * np.sin(2 * np.pi * 0.45 * np.arange(x.size) / FS)  # a baseline sway at 27/min
    result = breathing_rate(x, FS)
    assert result["riiv_bpm"] == pytest.approx(27.0, abs=1.0)
    assert result["rifv_bpm"] == pytest.approx(15.0, abs=2.0)
    assert result["rate_bpm"] is None
    assert result["reason"].startswith("modulations disagree")


def test_windowed_times_and_rates():
    x = breathing_pulse(0.25, 60.0)
    out = breathing_rate_windowed(x, FS, window=32.0, step=4.0)
    starts = np.arange(0, x.size - 32 * 30 + 1, 4 * 30)
    np.testing.assert_allclose(out["times"], (starts + (32 * 30 - 1) / 2.0) / FS)
    assert out["times"][0] == pytest.approx(16.0, abs=0.05)
    assert np.all(np.diff(out["times"]) == pytest.approx(4.0))
    assert set(out) == {"times", "rate_bpm", "riiv_bpm", "riav_bpm", "rifv_bpm", "n_beats", "reason"}
    assert all(v.shape == out["times"].shape for v in out.values())
    ok = np.array([reason is None for reason in out["reason"]])
    assert ok.mean() >= 0.8
    np.testing.assert_allclose(out["rate_bpm"][ok], 15.0, atol=2.0)
    assert np.all(np.isnan(out["rate_bpm"][~ok]))


def test_windowed_short_signal_is_one_window():
    x = breathing_pulse(0.25, 12.0)
    out = breathing_rate_windowed(x, FS)
    assert out["times"] == pytest.approx([(x.size - 1) / 2.0 / FS])
    assert np.isnan(out["rate_bpm"][0]) and out["reason"][0].startswith("too short")


@pytest.mark.parametrize("bad", [np.zeros((2, 900)), np.array([0.0, np.nan] * 900)])
def test_bad_input_raises(bad):
    with pytest.raises(ValueError):
        breathing_rate(bad, FS)
    with pytest.raises(ValueError):
        breathing_rate(np.zeros(900), 0.0)


def test_band_is_6_to_30_per_minute():
    assert tuple(60 * f for f in BREATHING_BAND_HZ) == pytest.approx((6.0, 30.0))
