"""Property tests: random and adversarial arrays give a documented ValueError or finite results.

The only NaN allowed is the documented one: Pearson's r (and the dicts that
report it) when an input is constant or has a single sample.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from rppg_bench.metrics.align import align_to_reference, best_lag
from rppg_bench.metrics.errors import (
    hr_errors,
    mae,
    mape,
    pearson,
    rmse,
    snr_db,
    waveform_errors,
)
from rppg_bench.metrics.heart_rate import HR_METHODS, hr_estimate, hr_windowed
from rppg_bench.metrics.stats import bootstrap_ci, mean_se

SETTINGS = settings(max_examples=50, deadline=None)

any_float = st.floats(allow_nan=True, allow_infinity=True)
finite_float = st.floats(allow_nan=False, allow_infinity=False)
moderate_float = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def any_array(max_size=40, elements=any_float):
    return arrays(np.float64, st.integers(0, max_size), elements=elements)


@st.composite
def finite_pair(draw, min_size=1, max_size=40, elements=finite_float):
    n = draw(st.integers(min_size, max_size))
    a = draw(arrays(np.float64, n, elements=elements))
    b = draw(arrays(np.float64, n, elements=elements))
    return a, b


def constant(x):
    x = np.asarray(x, float)
    return bool(np.all(x == x[0]))


# ------------------------------------------------------------------ errors
@SETTINGS
@given(any_array(), any_array())
def test_errors_raise_or_finite(a, b):
    for fn in (mae, rmse, mape):
        try:
            v = fn(a, b)
        except ValueError:
            continue
        assert math.isfinite(v) and v >= 0
    try:
        r = pearson(a, b)
    except ValueError:
        return
    assert (-1.0 <= r <= 1.0) or (math.isnan(r) and (constant(a) or constant(b)))


@SETTINGS
@given(finite_pair())
def test_mae_le_rmse_and_zero_on_identity(pair):
    a, b = pair
    try:
        m, r = mae(a, b), rmse(a, b)
    except ValueError as e:  # only for results beyond the float range
        assert "overflow" in str(e)
        return
    assert m <= r * (1 + 1e-12) + 1e-300
    assert rmse(a, a) == 0.0 and mae(a, a) == 0.0


@SETTINGS
@given(finite_pair(min_size=2))
def test_pearson_bounded_symmetric_nan_only_if_constant(pair):
    a, b = pair
    r = pearson(a, b)
    if math.isnan(r):
        assert constant(a) or constant(b)
    else:
        assert -1.0 <= r <= 1.0
        assert r == pytest.approx(pearson(b, a), abs=1e-9)


@SETTINGS
@given(finite_pair(elements=moderate_float))
def test_hr_and_waveform_error_dicts(pair):
    p, t = pair
    w = waveform_errors(p, t)
    assert 0.0 <= w["mae"] <= w["rmse"] * (1 + 1e-12) <= 1.0 + 1e-12
    flat = np.ptp(p) < 1e-12 or np.ptp(t) < 1e-12  # signal_normalize's "constant"
    assert math.isfinite(w["pearson"]) or flat or p.size < 2
    try:
        h = hr_errors(p, t)
    except ValueError as e:
        assert "zero" in str(e) or "overflow" in str(e)
        return
    assert all(math.isfinite(h[k]) for k in ("mae", "rmse", "mape"))
    assert math.isfinite(h["pearson"]) or constant(p) or constant(t) or p.size < 2


@SETTINGS
@given(any_array(max_size=300), st.floats(1.0, 100.0), any_float)
def test_snr_raises_or_finite(x, fs, hr):
    try:
        v = snr_db(x, fs, hr)
    except ValueError:
        return
    assert math.isfinite(v)


# --------------------------------------------------------------- alignment
@st.composite
def series(draw, max_size=30):
    n = draw(st.integers(0, max_size))
    if draw(st.booleans()):  # arbitrary (mostly invalid) times
        t = draw(arrays(np.float64, n, elements=any_float))
    else:  # valid increasing times
        start = draw(st.floats(-100, 100))
        steps = draw(arrays(np.float64, n, elements=st.floats(1e-3, 10.0)))
        t = start + np.cumsum(steps)
    x = draw(arrays(np.float64, n, elements=draw(st.sampled_from([any_float, moderate_float]))))
    return t, x


@SETTINGS
@given(series(), series())
def test_align_raises_or_valid(m, r):
    try:
        t, pred, ref = align_to_reference(m[0], m[1], r[0], r[1])
    except ValueError:
        return
    assert t.size == pred.size == ref.size >= 2
    assert np.all(np.isfinite(t)) and np.all(np.isfinite(pred)) and np.all(np.isfinite(ref))
    assert t[0] >= m[0][0] and t[-1] <= m[0][-1]
    assert pred.min() >= m[1].min() and pred.max() <= m[1].max()  # interpolation stays in range


@SETTINGS
@given(finite_pair(min_size=0, max_size=80), st.floats(1.0, 60.0), st.floats(0.0, 3.0))
def test_best_lag_raises_or_within_bounds(pair, fs, max_lag):
    a, b = pair
    try:
        lag = best_lag(a, b, fs, max_lag)
    except ValueError:
        return
    assert math.isfinite(lag) and abs(lag) <= max_lag + 0.5 / fs + 1e-12


# -------------------------------------------------------------- heart rate
@SETTINGS
@given(any_array(max_size=400, elements=st.one_of(finite_float, any_float)),
       st.floats(5.0, 100.0), st.sampled_from(HR_METHODS))
def test_hr_estimate_raises_or_in_band(x, fs, method):
    try:
        hr = hr_estimate(x, fs, method=method)
    except ValueError:
        return
    assert math.isfinite(hr)
    assert 0.7 * 60 - 1e-6 <= hr <= min(3.0, 0.45 * fs) * 60 + 1e-6


@SETTINGS
@given(arrays(np.float64, st.integers(0, 400), elements=moderate_float), st.floats(5.0, 60.0),
       st.floats(2.0, 15.0), st.floats(0.2, 5.0))
def test_hr_windowed_raises_or_finite(x, fs, window, step):
    try:
        t, hr = hr_windowed(x, fs, window=window, step=step)
    except ValueError:
        return
    assert t.shape == hr.shape and t.size >= 1
    assert np.all(np.isfinite(t)) and np.all(np.isfinite(hr))
    assert np.all(np.diff(t) > 0)


# ------------------------------------------------------------------- stats
@SETTINGS
@given(any_array(max_size=30), st.integers(0, 2 ** 32 - 1))
def test_bootstrap_and_mean_se_raise_or_finite(x, seed):
    try:
        low, high = bootstrap_ci(x, n_boot=50, seed=seed)
    except ValueError:
        return
    assert math.isfinite(low) and math.isfinite(high) and low <= high
    # inside the data range, up to rounding of the resample means (relative to the largest value)
    tol = 1e-12 * float(np.abs(x).max())
    assert low >= x.min() or math.isclose(low, x.min(), rel_tol=1e-12, abs_tol=tol)
    assert high <= x.max() or math.isclose(high, x.max(), rel_tol=1e-12, abs_tol=tol)
    mean, se = mean_se(x)
    assert math.isfinite(mean) and (math.isfinite(se) or x.size == 1)
