"""Heart-rate estimation: harmonic-rich resting PPG, fast rates, all methods, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.metrics.heart_rate import (
    HR_METHODS,
    hr_estimate,
    hr_from_times,
    hr_windowed,
)
from rppg_bench.metrics.signal import signal_postprocess

FS = 30.0


def beat_phase(hr_bpm, fs, duration, hrv, rng):
    """Beat phase (in beats) at t = i / fs and the true mean rate (bpm).

    Inter-beat intervals vary beat to beat (AR(1), relative std ``hrv``); the
    phase grows by 1 per beat, linearly within a beat.
    """
    rr0 = 60.0 / hr_bpm
    n_beats = int(duration / rr0) + 5
    e = rng.standard_normal(n_beats)
    v = np.zeros(n_beats)
    for i in range(1, n_beats):
        v[i] = 0.5 * v[i - 1] + np.sqrt(0.75) * e[i]
    beats = -rng.uniform(0, rr0) + np.concatenate([[0.0], np.cumsum(rr0 * (1 + hrv * v))])
    t = np.arange(int(round(duration * fs))) / fs
    phase = np.interp(t, beats, np.arange(beats.size))
    true_bpm = 60.0 * (phase[-1] - phase[0]) / (t[-1] - t[0])
    return t, phase, true_bpm


def with_noise(s, snr_db, rng, t):
    """``s`` plus white noise at ``snr_db`` (signal/noise power) and a slow drift."""
    s = s - s.mean()
    noise = rng.standard_normal(s.size) * s.std() * 10 ** (-snr_db / 20)
    return s + noise + 0.5 * np.sin(2 * np.pi * 0.05 * t)


def harmonic_pulse(hr_bpm, duration, amps=(1.0, 1.2, 0.9), hrv=0.03, snr_db=3.0, seed=0, fs=FS):
    """Pulse whose 2nd/3rd harmonics are as strong as or stronger than the fundamental."""
    rng = np.random.default_rng(seed)
    t, ph, true = beat_phase(hr_bpm, fs, duration, hrv, rng)
    theta = rng.uniform(0, 2 * np.pi, len(amps))
    s = sum(a * np.cos(2 * np.pi * (k + 1) * ph + theta[k]) for k, a in enumerate(amps))
    return with_noise(s, snr_db, rng, t), true


def ppg_shape(hr_bpm, duration, hrv=0.0, snr_db=None, seed=0, fs=FS):
    """Realistic PPG: systolic Gaussian plus a smaller dicrotic wave after the notch."""
    rng = np.random.default_rng(seed)
    t, ph, true = beat_phase(hr_bpm, fs, duration, hrv, rng)
    u = ph % 1.0
    s = np.exp(-0.5 * ((u - 0.2) / 0.07) ** 2) + 0.45 * np.exp(-0.5 * ((u - 0.55) / 0.09) ** 2)
    return (s if snr_db is None else with_noise(s, snr_db, rng, t)), true


def sinusoid(hr_bpm, duration, snr_db=None, seed=0, fs=FS):
    rng = np.random.default_rng(seed)
    t = np.arange(int(round(duration * fs))) / fs
    s = np.sin(2 * np.pi * hr_bpm / 60.0 * t + 0.3)
    return s if snr_db is None else with_noise(s, snr_db, rng, t)


# ------------------------------------------------------------ harmonic trap
RESTING = [(hr, dur, seed) for hr in (45, 50, 55, 60) for dur in (10.0, 30.0) for seed in (0, 1)]


@pytest.mark.parametrize("hr,duration,seed", RESTING)
def test_default_reports_fundamental_of_harmonic_rich_resting_pulse(hr, duration, seed):
    x, true = harmonic_pulse(hr, duration, seed=seed)
    assert abs(hr_estimate(x, FS) - true) <= 2.0


def test_plain_fft_picks_a_harmonic_on_these_signals():
    """The resting cases above are hard: a plain spectral peak reports 2x or 3x."""
    fooled = 0
    for hr, duration, seed in RESTING:
        x, true = harmonic_pulse(hr, duration, seed=seed)
        ratio = hr_estimate(x, FS, method="fft") / true
        fooled += min(abs(ratio - 2.0), abs(ratio - 3.0)) < 0.1
    assert fooled >= len(RESTING) // 2


@pytest.mark.parametrize("hr", [45, 50, 55, 60])
def test_harmonic_with_weak_fundamental_and_dominant_third(hr):
    # 3rd harmonic 2.5x the fundamental's power, 2nd weaker than both
    x, true = harmonic_pulse(hr, 20.0, amps=(0.7, 0.5, 1.1), seed=3)
    assert abs(hr_estimate(x, FS) - true) <= 2.0


@pytest.mark.parametrize("hr", [45, 55])
def test_harmonic_after_method_postprocessing(hr):
    """Method outputs are already band-passed 0.7-3 Hz and [0, 1]-normalised."""
    x, true = harmonic_pulse(hr, 30.0, seed=2)
    y = signal_postprocess(x, FS)
    assert abs(hr_estimate(y, FS) - true) <= 2.0


# ------------------------------------------------------------- fast rates
@pytest.mark.parametrize("hr", [72, 150, 170])
@pytest.mark.parametrize("method", HR_METHODS)
def test_clean_sinusoid_every_method(hr, method):
    assert hr_estimate(sinusoid(hr, 10.0), FS, method=method) == pytest.approx(hr, abs=1.0)


@pytest.mark.parametrize("duration", [5.0, 10.0, 30.0])
def test_default_exact_on_clean_signals_across_the_band(duration):
    """Every rate 42-180 bpm, sinusoid and sharp-peaked PPG: no halving, no harmonic."""
    for hr in np.arange(42.0, 180.1, 3.1):
        assert hr_estimate(sinusoid(hr, duration), FS) == pytest.approx(hr, abs=1.0)
        x, true = ppg_shape(hr, duration)
        assert hr_estimate(x, FS) == pytest.approx(true, abs=1.5)


@pytest.mark.parametrize("hr", [150, 170])
@pytest.mark.parametrize("seed", range(4))
def test_noisy_fast_sinusoid_not_halved(hr, seed):
    x = sinusoid(hr, 10.0, snr_db=0.0, seed=seed)
    assert hr_estimate(x, FS) == pytest.approx(hr, abs=2.0)


@pytest.mark.parametrize("hr", [65, 95])
@pytest.mark.parametrize("method", HR_METHODS)
def test_clean_realistic_ppg_every_method(hr, method):
    x, true = ppg_shape(hr, 20.0)
    assert hr_estimate(x, FS, method=method) == pytest.approx(true, abs=1.5)


@pytest.mark.parametrize("hr", [45, 65, 95, 130])
def test_noisy_realistic_ppg_default(hr):
    x, true = ppg_shape(hr, 10.0, hrv=0.03, snr_db=0.0, seed=5)
    assert hr_estimate(x, FS) == pytest.approx(true, abs=2.0)


def test_other_sampling_rates():
    for fs in (25.0, 60.0, 256.0):
        x, true = harmonic_pulse(50, 15.0, fs=fs, seed=4)
        assert hr_estimate(x, fs) == pytest.approx(true, abs=2.0)


def test_custom_band_restricts_the_estimate():
    x = sinusoid(150, 10.0)  # 2.5 Hz lies outside 0.75-2.0 Hz
    assert 45.0 <= hr_estimate(x, FS, band=(0.75, 2.0), method="fft") <= 120.0


# ---------------------------------------------------------------- windows
def test_hr_windowed_times_and_values():
    x, true = ppg_shape(72, 30.0)
    t, hr = hr_windowed(x, FS, window=10.0, step=1.0)
    assert t.shape == hr.shape == (21,)
    assert t[0] == pytest.approx((300 - 1) / 2 / FS)
    assert np.allclose(np.diff(t), 1.0)
    assert np.allclose(hr, true, atol=1.5)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("band", [(0.7, 3.0), (0.8, 1.3)])
def test_hr_windowed_batch_equals_window_by_window(seed, band):
    # the windowed default scores all windows in one batch; it must give exactly what
    # hr_estimate gives on each window alone (noisy, harmonic-rich, drifting, odd fs)
    fs = 29.97
    x, _ = harmonic_pulse(50 + 25 * seed, 40.0, snr_db=-2.0 + seed, seed=seed, fs=fs)
    t, hr = hr_windowed(x, fs, window=10.0, step=1.0, band=band)
    n_win, n_step = round(10.0 * fs), round(fs)
    expected = [hr_estimate(x[s:s + n_win], fs, band=band) for s in range(0, x.size - n_win + 1, n_step)]
    assert hr.tolist() == expected


def test_hr_windowed_memory_does_not_grow_with_the_signal():
    # windows are scored in batches: a 10-minute signal (591 windows) must not hold all their
    # zero-padded spectra at once (that took about 300 MB)
    import tracemalloc

    x, _ = harmonic_pulse(70, 600.0, seed=1)
    tracemalloc.start()
    try:
        hr_windowed(x, FS, window=10.0, step=1.0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 80e6


def test_hr_windowed_short_signal_gives_one_window():
    x = sinusoid(80, 6.0)
    t, hr = hr_windowed(x, FS, window=10.0)
    assert t.shape == hr.shape == (1,)
    assert t[0] == pytest.approx((x.size - 1) / 2 / FS)
    assert hr[0] == pytest.approx(80, abs=1.5)


@pytest.mark.parametrize("kwargs", [{"window": 0.0}, {"step": -1.0}, {"window": np.nan}])
def test_hr_windowed_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        hr_windowed(sinusoid(80, 12.0), FS, **kwargs)


def test_hr_windowed_too_short_raises():
    with pytest.raises(ValueError, match="too short"):
        hr_windowed(sinusoid(80, 1.0), FS)


def test_hr_from_times_non_uniform():
    rng = np.random.default_rng(0)
    t = np.arange(600) / FS + rng.uniform(-0.004, 0.004, 600)
    x = np.sin(2 * np.pi * 1.3 * t)
    assert hr_from_times(t, x) == pytest.approx(78.0, abs=1.0)


def test_hr_from_times_rejects_unsorted_and_mismatched():
    t = np.arange(300) / FS
    with pytest.raises(ValueError, match="increasing"):
        hr_from_times(t[::-1], np.sin(t))
    with pytest.raises(ValueError, match="length"):
        hr_from_times(t, np.sin(t[:-1]))


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize("method", HR_METHODS)
def test_short_signal_raises(method):
    with pytest.raises(ValueError, match="too short"):
        hr_estimate(sinusoid(72, 1.5), FS, method=method)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_raises(bad):
    x = sinusoid(72, 10.0)
    x[17] = bad
    with pytest.raises(ValueError, match="non-finite"):
        hr_estimate(x, FS)


@pytest.mark.parametrize("method", HR_METHODS)
def test_constant_raises(method):
    with pytest.raises(ValueError, match="constant"):
        hr_estimate(np.full(300, 3.0), FS, method=method)


@pytest.mark.parametrize("fs", [0.0, -30.0, np.nan, np.inf])
def test_bad_fs_raises(fs):
    with pytest.raises(ValueError, match="fs"):
        hr_estimate(sinusoid(72, 10.0), fs)


@pytest.mark.parametrize("band", [(3.0, 0.7), (0.0, 3.0), (0.7, np.nan), (20.0, 30.0), "x"])
def test_bad_band_raises(band):
    with pytest.raises(ValueError, match="band"):
        hr_estimate(sinusoid(72, 10.0), FS, band=band)


def test_unknown_method_and_2d_input_raise():
    with pytest.raises(ValueError, match="unknown heart-rate method"):
        hr_estimate(sinusoid(72, 10.0), FS, method="magic")
    with pytest.raises(ValueError, match="1-D"):
        hr_estimate(np.ones((300, 2)), FS)
