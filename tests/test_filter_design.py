"""The fast Butterworth band-pass design and steady-state conditions equal SciPy's (metrics.filter_design)."""

import re

import numpy as np
import pytest
from scipy import signal as sps

from rppg_bench.metrics.filter_design import bandpass_sos, sos_steady_state
from rppg_bench.metrics.signal import bandpass_design, sosfiltfilt_zi


def random_bands(n: int, seed: int):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        order = int(rng.integers(1, 6))
        lo, hi = np.sort(rng.uniform(1e-3, 0.999, 2))
        if hi - lo > 1e-4:
            yield order, float(lo), float(hi)


def test_bandpass_sos_is_scipys_butter_bit_for_bit():
    for order, lo, hi in random_bands(600, 0):
        expected = sps.butter(order, [lo, hi], btype="bandpass", output="sos")
        np.testing.assert_array_equal(bandpass_sos(order, lo, hi), expected, err_msg=f"{order} {lo} {hi}")


def test_bandpass_sos_covers_the_estimators_bands_and_the_wide_ones():
    # the per-window bands of the structured estimator (narrow, around a rate), and wide bands whose
    # poles go real (SciPy's own path): both equal to butter
    for order, lo, hi in ((2, 0.04, 0.0733), (2, 0.0467, 0.0933), (3, 0.0333, 0.2), (3, 0.01, 0.98),
                          (5, 0.001, 0.999), (1, 0.2, 0.9)):
        np.testing.assert_array_equal(bandpass_sos(order, lo, hi),
                                      sps.butter(order, [lo, hi], btype="bandpass", output="sos"))


def test_bandpass_sos_outside_its_case_is_butter_errors_included():
    for args in ((2, 0.3, 0.2), (2, 0.1, 1.2), (2, 0.0, 0.2), (0, 0.1, 0.2)):
        try:
            expected = sps.butter(args[0], list(args[1:]), btype="bandpass", output="sos")
        except ValueError as err:
            with pytest.raises(ValueError, match=re.escape(str(err))):
                bandpass_sos(*args)
        else:
            np.testing.assert_array_equal(bandpass_sos(*args), expected)


def test_sos_steady_state_is_scipys_sosfilt_zi():
    for order, lo, hi in random_bands(300, 1):
        sos = sps.butter(order, [lo, hi], btype="bandpass", output="sos")
        expected = sps.sosfilt_zi(sos)
        np.testing.assert_allclose(sos_steady_state(sos), expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())


def test_steady_state_starts_a_constant_signal_without_a_transient():
    sos, zi = bandpass_design(2, 0.05, 0.1)
    x = np.full(200, 3.0)
    y, _ = sps.sosfilt(sos, x, zi=zi * x[0])
    np.testing.assert_allclose(y, 0.0, atol=1e-12)


def test_sosfiltfilt_zi_is_scipys_sosfiltfilt_with_its_default_padding():
    rng = np.random.default_rng(3)
    for order, lo, hi in ((2, 0.04, 0.0733), (3, 0.05, 0.2), (2, 0.2, 0.5)):
        sos, zi = bandpass_design(order, lo, hi)
        for shape in ((300,), (4, 300)):
            x = rng.normal(size=shape).cumsum(axis=-1)
            expected = sps.sosfiltfilt(sos, x)
            np.testing.assert_allclose(sosfiltfilt_zi(sos, zi, x), expected, rtol=0, atol=1e-10 * np.abs(x).max())
