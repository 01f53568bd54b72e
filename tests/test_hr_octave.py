"""The octave check: a tracked path that is the pulse's 2nd harmonic is halved; a disturbance at half
the pulse's rate leaves the path alone."""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.metrics.heart_rate import (
    hr_mean_of_windows,
    hr_windowed_confidence,
    window_candidates,
)
from rppg_bench.metrics.hr_octave import (
    halve_coupled_path,
    harmonic_coupling,
    phase_locking,
)
from rppg_bench.metrics.hr_structured import rates_on_path
from rppg_bench.metrics.protocol import TOOLBOX, Protocol

FS = 30.0


def varying_phase(duration: float, bpm: float, seed: int, fs: float = FS) -> tuple[np.ndarray, float]:
    """Phase (rad) (N,) of a heart beating at ``bpm`` on average with sinus arrhythmia (3 bpm at 0.25
    Hz) and a slow random wander (sd 2 bpm), and its mean rate (bpm)."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(duration * fs)) / fs
    knots = np.arange(0.0, duration + 5.0, 5.0)
    wander = np.interp(t, knots, rng.normal(0.0, 2.0, knots.size))
    rate = bpm + 3.0 * np.sin(2 * np.pi * 0.25 * t + rng.uniform(0, 2 * np.pi)) + wander  # bpm
    return 2 * np.pi * np.cumsum(rate / 60.0) / fs, float(np.mean(rate))


def second_harmonic_pulse(duration: float, bpm: float, seed: int, snr_db: float = 10.0) -> tuple[np.ndarray, float]:
    """A pulse whose 2nd harmonic is twice its fundamental's amplitude and whose 3rd is weak (the
    spectrum of a pulse at twice the rate with a disturbance at half of it), white noise at ``snr_db``;
    and its mean rate (bpm)."""
    phase, mean_bpm = varying_phase(duration, bpm, seed)
    x = 0.5 * np.sin(phase) + np.sin(2 * phase + 1.0) + 0.08 * np.sin(3 * phase + 2.0)
    noise = np.random.default_rng(seed + 1).normal(size=x.size)
    return x + noise * np.sqrt(np.var(x) / 10 ** (snr_db / 10)), mean_bpm


def pulse_with_half_rate_disturbance(duration: float, bpm: float, seed: int, ratio: float = 0.8) -> tuple[np.ndarray, float]:
    """A smooth pulse (fundamental and a weak 2nd harmonic) at ``bpm`` with variability, plus a steady
    sinusoid at exactly half its mean rate of ``ratio`` times its amplitude; and its mean rate (bpm)."""
    phase, mean_bpm = varying_phase(duration, bpm, seed)
    t = np.arange(phase.size) / FS
    pulse = np.sin(phase) + 0.3 * np.sin(2 * phase + 0.5)
    noise = np.random.default_rng(seed + 1).normal(scale=0.2, size=t.size)
    return pulse + ratio * np.sin(2 * np.pi * mean_bpm / 120.0 * t + 0.3) + noise, mean_bpm


@pytest.mark.parametrize("seed", range(4))
def test_a_pulse_read_at_its_second_harmonic_is_halved(seed):
    x, truth = second_harmonic_pulse(30.0, 66.0, seed)
    doubled, _ = hr_mean_of_windows(x, FS, octave=False)
    assert doubled == pytest.approx(2 * truth, abs=5.0)  # the case the check is for
    bpm, _ = hr_mean_of_windows(x, FS, octave=True)
    assert bpm == pytest.approx(truth, abs=3.0)
    _, windows, _ = hr_windowed_confidence(x, FS, track=True, octave=True)
    assert np.all(np.abs(windows - truth) < 8.0)


@pytest.mark.parametrize("seed", range(4))
def test_a_disturbance_at_half_the_rate_does_not_halve_the_pulse(seed):
    x, truth = pulse_with_half_rate_disturbance(30.0, 96.0, seed)
    bpm, _ = hr_mean_of_windows(x, FS, octave=True)
    assert bpm == pytest.approx(truth, abs=3.0)
    assert bpm == pytest.approx(hr_mean_of_windows(x, FS, octave=False)[0])


def test_a_halved_window_takes_its_candidate_near_half_its_rate_as_the_tracker_would():
    """The halved path names, per window, the candidate it takes (within 0.1 Hz of half the doubled
    rate), and its rates are read as any tracked window's (``rates_on_path``); confidences are kept."""
    x, truth = second_harmonic_pulse(30.0, 66.0, 2)
    _, doubled, conf = hr_windowed_confidence(x, FS, track=True, octave=False)
    _, candidates, narrow = window_candidates(x, FS)
    halved = halve_coupled_path(x, FS, doubled, candidates, (0.7, 3.0))
    assert halved is not None
    rates, chosen = halved
    assert np.all(chosen >= 0)
    for c, j, b in zip(candidates, chosen, doubled):
        assert abs(c.hz[j] - b / 120.0) <= 0.1
    _, hr, conf_checked = hr_windowed_confidence(x, FS, track=True, octave=True)
    np.testing.assert_array_equal(hr, rates_on_path(rates, chosen, candidates, narrow, FS, (0.7, 3.0)))
    np.testing.assert_array_equal(conf_checked, conf)
    assert np.all(np.abs(hr - truth) < 5.0)  # each window against the mean rate: within a gross error
    disturbed, _ = pulse_with_half_rate_disturbance(30.0, 96.0, 2)
    _, path, _ = hr_windowed_confidence(disturbed, FS, track=True, octave=False)
    assert halve_coupled_path(disturbed, FS, path, window_candidates(disturbed, FS)[1], (0.7, 3.0)) is None


def test_short_signals_are_left_alone():
    """Over 10 s too few beats vary for the coupling to be sure of: the path is kept as tracked."""
    x, _ = second_harmonic_pulse(12.0, 66.0, 0)
    with_check = hr_windowed_confidence(x, FS, track=True, octave=True)[1]
    np.testing.assert_array_equal(with_check, hr_windowed_confidence(x, FS, track=True, octave=False)[1])


def test_coupling_tells_one_source_from_two():
    one, _ = second_harmonic_pulse(30.0, 72.0, 5, snr_db=20.0)
    two, two_rate = pulse_with_half_rate_disturbance(30.0, 72.0, 5)
    assert harmonic_coupling(one, FS, 72.0 / 60.0) > 0.8  # the bands at the pulse's rate and twice it
    assert abs(harmonic_coupling(two, FS, two_rate / 120.0)) < 0.5  # the disturbance's band and the pulse's
    assert phase_locking(one, FS, 72.0 / 60.0) > 0.8
    assert harmonic_coupling(one, FS, 7.0) is None  # twice 7 Hz is too near the Nyquist frequency of 30 Hz


def test_the_protocol_checks_wherever_the_windows_are_tracked():
    assert Protocol().octave_check is True
    assert Protocol().as_dict()["hr_octave_check"] is True
    assert Protocol(hr_method="harmonic").octave_check is False  # runs before issue 24 reproduce
    assert TOOLBOX.octave_check is False
    assert Protocol(hr_octave_check=False).octave_check is False
    with pytest.raises(ValueError, match="hr_octave_check"):
        Protocol(hr_track=False, hr_octave_check=True)
