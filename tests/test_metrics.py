"""Hand-computed error metrics, SNR, alignment, lag search and bootstrap intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from rppg_bench.metrics.align import (
    align_to_reference,
    align_with_lag,
    apply_lag,
    best_lag,
)
from rppg_bench.metrics.errors import (
    hr_errors,
    mae,
    mape,
    pearson,
    rmse,
    snr_db,
    waveform_errors,
)
from rppg_bench.metrics.stats import bootstrap_ci, mean_se

A = [1.0, 2.0, 3.0]
B = [2.0, 2.0, 5.0]


# ------------------------------------------------------------------ errors
def test_mae_rmse_mape_pearson_by_hand():
    # differences -1, 0, -2
    assert mae(A, B) == pytest.approx(1.0)                       # (1 + 0 + 2) / 3
    assert rmse(A, B) == pytest.approx(math.sqrt(5.0 / 3.0))     # sqrt((1 + 0 + 4) / 3)
    assert mape(A, B) == pytest.approx(30.0)                     # 100 * (1/2 + 0/2 + 2/5) / 3
    # centred: a = (-1, 0, 1), b = (-1, -1, 2): r = 3 / sqrt(2 * 6)
    assert pearson(A, B) == pytest.approx(3.0 / math.sqrt(12.0))


def test_identical_and_anticorrelated():
    x = np.array([3.0, -1.0, 4.0, 1.5])
    assert mae(x, x) == 0.0 and rmse(x, x) == 0.0 and mape(x, x) == 0.0
    assert pearson(x, x) == pytest.approx(1.0)
    assert pearson(x, -2 * x + 7) == pytest.approx(-1.0)


def test_pearson_of_constant_is_nan():
    assert math.isnan(pearson([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))
    assert math.isnan(pearson([1.0, 2.0, 3.0], [5.0, 5.0, 5.0]))


def test_hr_errors_dict():
    out = hr_errors([60.0, 70.0, 80.0], [62.0, 70.0, 76.0])
    assert out["mae"] == pytest.approx(2.0)                       # (2 + 0 + 4) / 3
    assert out["rmse"] == pytest.approx(math.sqrt(20.0 / 3.0))    # sqrt((4 + 0 + 16) / 3)
    assert out["mape"] == pytest.approx(100 * (2 / 62 + 4 / 76) / 3)
    assert out["pearson"] == pytest.approx(pearson([60, 70, 80], [62, 70, 76]))
    assert math.isnan(hr_errors([60.0], [61.0])["pearson"])        # one video: r undefined


def test_waveform_errors_normalise_to_unit_range():
    ref = np.array([0.0, 1.0, 0.0, 1.0])
    pred = 10 * np.array([0.0, 0.5, 0.0, 1.0]) + 3     # -> (0, 0.5, 0, 1) after [0, 1] scaling
    out = waveform_errors(pred, ref)
    assert out["mae"] == pytest.approx(0.125)            # |0.5 - 1| / 4
    assert out["rmse"] == pytest.approx(math.sqrt(0.25 / 4))
    raw = waveform_errors(pred, ref, normalize=False)
    assert raw["mae"] == pytest.approx(np.mean(np.abs(pred - ref)))
    assert math.isnan(waveform_errors(np.ones(4), ref)["pearson"])


@pytest.mark.parametrize("fn", [mae, rmse, mape, pearson, hr_errors, waveform_errors])
def test_mismatched_empty_and_nan_raise(fn):
    with pytest.raises(ValueError, match="length"):
        fn([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        fn([], [])
    with pytest.raises(ValueError, match="non-finite"):
        fn([1.0, np.nan], [1.0, 2.0])


def test_mape_zero_truth_and_pearson_single_sample_raise():
    with pytest.raises(ValueError, match="zero"):
        mape([1.0, 2.0], [0.0, 2.0])
    with pytest.raises(ValueError, match="2 samples"):
        pearson([1.0], [2.0])


def test_huge_values_do_not_overflow():
    a = np.array([1e308, -1e308])
    assert pearson(a, [1.0, 0.0]) == pytest.approx(1.0)
    assert mae(a, a) == 0.0
    with pytest.raises(ValueError, match="overflow"):
        rmse(a, -a)


# --------------------------------------------------------------------- SNR
def test_snr_db_by_hand():
    # fs = 32 Hz, 256 samples: bins every 0.125 Hz, no leakage for bin frequencies
    fs = 32.0
    t = np.arange(256) / fs
    pulse = np.sin(2 * np.pi * 1.25 * t)                    # 75 bpm, power 1/2
    noise = 0.5 * np.sin(2 * np.pi * 2.0 * t)               # in band, power 1/8
    assert snr_db(pulse + noise, fs, 75.0) == pytest.approx(10 * math.log10(4.0))
    harmonic = 0.5 * np.cos(2 * np.pi * 2.5 * t)             # 2nd harmonic counts as signal
    assert snr_db(pulse + harmonic + noise, fs, 75.0) == pytest.approx(10 * math.log10(5.0))
    # noise outside the band is ignored
    far = 0.5 * np.sin(2 * np.pi * 6.0 * t)
    assert snr_db(pulse + noise + far, fs, 75.0) == pytest.approx(10 * math.log10(4.0))


def test_snr_db_bad_input():
    fs = 30.0
    x = np.sin(2 * np.pi * 1.2 * np.arange(300) / fs)
    with pytest.raises(ValueError, match="hr_bpm"):
        snr_db(x, fs, 0.0)
    with pytest.raises(ValueError, match="hr_bpm"):
        snr_db(x, fs, 60 * 20.0)
    with pytest.raises(ValueError, match="undefined"):
        snr_db(np.ones(300), fs, 72.0)
    with pytest.raises(ValueError, match="non-finite"):
        snr_db(np.r_[x[:-1], np.nan], fs, 72.0)


# ---------------------------------------------------------------- alignment
def test_align_30hz_onto_60hz_reference_with_offset():
    t = 0.5 + np.arange(120) / 30.0                      # method: 0.5 .. 4.4667 s at 30 Hz
    x = np.sin(2 * np.pi * 1.1 * t) + 0.2 * t
    ref_t = np.arange(300) / 60.0                        # reference: 0 .. 4.983 s at 60 Hz
    ref_x = np.cos(ref_t)
    tk, pred, ref = align_to_reference(t, x, ref_t, ref_x)
    keep = (ref_t >= t[0]) & (ref_t <= t[-1])
    assert np.array_equal(tk, ref_t[keep])
    assert tk[0] == pytest.approx(0.5) and tk[-1] <= t[-1]
    assert tk.size == 239                                # 0.5 .. 4.45 s every 1/60 s
    assert np.array_equal(pred, np.interp(ref_t[keep], t, x))
    assert np.array_equal(ref, ref_x[keep])
    # a linear signal is interpolated exactly
    _, lin, _ = align_to_reference(t, 2 * t + 1, ref_t, ref_x)
    assert np.allclose(lin, 2 * tk + 1, rtol=0, atol=1e-12)
    # reference samples halfway between method samples are the midpoint
    assert pred[1] == pytest.approx(0.5 * (x[0] + x[1]))


def test_align_errors_name_the_problem():
    t = np.arange(30) / 30.0
    with pytest.raises(ValueError, match="do not overlap"):
        align_to_reference(t, t, t + 5.0, t)
    with pytest.raises(ValueError, match="only 1"):
        align_to_reference(t, t, t + t[-1], t)
    with pytest.raises(ValueError, match="increasing"):
        align_to_reference(t[::-1], t, t, t)
    with pytest.raises(ValueError, match="length"):
        align_to_reference(t, t[:-1], t, t)
    with pytest.raises(ValueError, match="non-finite"):
        align_to_reference(t, np.r_[t[:-1], np.nan], t, t)


def _smooth_noise(n, fs, seed=0):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(n + 200)
    k = np.exp(-0.5 * (np.arange(-30, 31) / (0.1 * fs)) ** 2)
    return np.convolve(w, k / k.sum(), mode="same")[100:100 + n]


@pytest.mark.parametrize("shift_s", [0.3, -0.3, 0.0])
def test_best_lag_recovers_known_shift(shift_s):
    fs = 30.0
    s = _smooth_noise(900, fs)
    k = int(round(shift_s * fs))                          # 9 samples
    ref = s[100:700]
    pred = s[100 - k:700 - k]                             # pred[i + k] == ref[i]: late by shift_s
    assert best_lag(pred, ref, fs, max_lag=1.0) == pytest.approx(shift_s, abs=0.5 / fs)


def test_best_lag_respects_max_lag_and_bad_input():
    fs = 30.0
    s = _smooth_noise(900, fs, seed=1)
    ref, pred = s[100:700], s[70:670]                     # late by 1.0 s
    assert abs(best_lag(pred, ref, fs, max_lag=0.5)) <= 0.5 + 0.5 / fs
    with pytest.raises(ValueError, match="constant"):
        best_lag(np.ones(100), ref[:100], fs)
    with pytest.raises(ValueError, match="length"):
        best_lag(pred, ref[:-1], fs)


def test_align_with_lag_removes_the_delay():
    fs = 30.0
    s = _smooth_noise(1200, fs, seed=2)
    ref_t = np.arange(900) / fs
    ref_x = s[150:1050]
    t = np.arange(900) / fs
    x = s[150 - 12:1050 - 12]                             # method late by 12 samples = 0.4 s
    _, pred, ref, lag = align_with_lag(t, x, ref_t, ref_x, max_lag=1.0)
    assert lag == pytest.approx(0.4, abs=0.5 / fs)
    assert pearson(pred, ref) > 0.99
    assert np.allclose(apply_lag(t, lag), t - lag)


# ---------------------------------------------------------------- bootstrap
def test_bootstrap_ci_coverage_of_the_mean():
    rng = np.random.default_rng(123)
    covered = 0
    for rep in range(200):
        x = rng.normal(3.0, 2.0, size=40)
        low, high = bootstrap_ci(x, ci=0.95, seed=rep)
        assert low <= x.mean() <= high
        covered += low <= 3.0 <= high
    assert 0.88 <= covered / 200 <= 0.99


def test_bootstrap_ci_is_deterministic_for_a_seed():
    x = np.random.default_rng(0).normal(size=30)
    y = x + np.random.default_rng(1).normal(size=30)
    assert bootstrap_ci(x, seed=7) == bootstrap_ci(x, seed=7)
    assert bootstrap_ci(x, seed=7) != bootstrap_ci(x, seed=8)
    paired = bootstrap_ci(x, y, statistic=mae, n_boot=500, seed=3)
    assert paired == bootstrap_ci(x, y, statistic=mae, n_boot=500, seed=3)
    assert paired[0] <= mae(x, y) <= paired[1]


def test_bootstrap_ci_resamples_whole_groups():
    # two subjects with constant values: group means can only be 1, 3 or 5
    values = np.array([1.0, 1.0, 1.0, 5.0, 5.0, 5.0])
    groups = ["s1", "s1", "s1", "s2", "s2", "s2"]
    low, high = bootstrap_ci(values, groups=groups, n_boot=400, ci=0.9, seed=0)
    assert low == pytest.approx(1.0) and high == pytest.approx(5.0)
    # resampling single videos gives many more distinct means, inside (1, 5)
    low_v, high_v = bootstrap_ci(values, n_boot=400, ci=0.9, seed=0)
    assert 1.0 < low_v < high_v < 5.0


def test_bootstrap_ci_nan_statistic_and_bad_input():
    # Pearson of constant resamples is NaN and is left out; all-NaN -> (nan, nan)
    low, high = bootstrap_ci(np.ones(5), np.arange(5.0), statistic=pearson, n_boot=50)
    assert math.isnan(low) and math.isnan(high)
    with pytest.raises(ValueError, match="length"):
        bootstrap_ci([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        bootstrap_ci([])
    with pytest.raises(ValueError, match="ci"):
        bootstrap_ci([1.0, 2.0], ci=1.5)
    with pytest.raises(ValueError, match="groups"):
        bootstrap_ci([1.0, 2.0], groups=[1])


def test_mean_se_by_hand():
    mean, se = mean_se([1.0, 2.0, 3.0, 4.0])
    assert mean == pytest.approx(2.5)
    assert se == pytest.approx(math.sqrt(5.0 / 3.0) / 2.0)       # sample std / sqrt(4)
    assert mean_se([1.0, 2.0, 3.0, 4.0], ddof=0)[1] == pytest.approx(math.sqrt(1.25) / 2.0)
    assert math.isnan(mean_se([2.0])[1])
    with pytest.raises(ValueError):
        mean_se([])


def test_detrend_lambda_scaled_with_fs_keeps_resting_rate():
    """lambda 100 is given at 30 Hz and scaled with fs: a 50 bpm pulse keeps > 80 % of its
    amplitude at 30, 60 and 120 Hz, while an unscaled lambda at 120 Hz removes most of it."""
    from rppg_bench.metrics.signal import detrend_lambda_at, signal_detrend

    def kept(fs, lam):
        t = np.arange(0, 20, 1 / fs)
        x = np.sin(2 * np.pi * (50 / 60) * t)
        y = signal_detrend(x, lam)
        q = len(t) // 4
        return np.ptp(y[q:-q]) / np.ptp(x[q:-q])

    for fs in (30.0, 60.0, 120.0):
        assert kept(fs, detrend_lambda_at(100.0, fs)) > 0.8
    assert kept(120.0, 100.0) < 0.3
