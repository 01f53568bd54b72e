"""The whole-video heart rate as the mean of the tracked windows' rates (the default protocol's)."""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.metrics.evaluate import evaluate_prediction, windowed_hr_series
from rppg_bench.metrics.heart_rate import (
    hr_estimate_confidence,
    hr_mean_of_windows,
    hr_windowed_confidence,
)
from rppg_bench.metrics.protocol import TOOLBOX, Protocol

FS = 30.0


def stepped_sinusoid(rates_bpm: tuple[float, float], duration: float, fs: float = FS) -> np.ndarray:
    """A sinusoid at ``rates_bpm[0]`` for the first half of ``duration`` s and ``rates_bpm[1]`` after
    (continuous phase), sampled at ``fs`` Hz."""
    t = np.arange(round(duration * fs)) / fs
    hz = np.where(t < duration / 2, rates_bpm[0], rates_bpm[1]) / 60.0
    return np.sin(2 * np.pi * np.cumsum(hz) / fs)


def test_a_rate_that_steps_gives_its_mean_rate():
    """60 bpm then 80 bpm, 40 s: the windows follow the step, their mean is the mean rate (70 bpm)."""
    bpm, confidence = hr_mean_of_windows(stepped_sinusoid((60.0, 80.0), 40.0), FS)
    assert bpm == pytest.approx(70.0, abs=1.0)
    assert 0.0 <= confidence <= 1.0


def test_a_signal_of_one_window_gives_that_windows_estimate():
    x = stepped_sinusoid((72.0, 72.0), 10.0)
    bpm, confidence = hr_mean_of_windows(x, FS)
    assert (bpm, confidence) == pytest.approx(hr_estimate_confidence(x, FS))
    _, hr, conf = hr_windowed_confidence(x, FS, track=True)
    assert hr.size == 1 and bpm == pytest.approx(hr[0]) and confidence == pytest.approx(conf[0])


def test_estimators_without_candidates_have_no_confidence():
    bpm, confidence = hr_mean_of_windows(stepped_sinusoid((66.0, 66.0), 30.0), FS, track=False, method="harmonic")
    assert bpm == pytest.approx(66.0, abs=0.5) and np.isnan(confidence)


def test_the_protocol_resolves_it_where_the_windows_are_tracked():
    assert Protocol().whole_from_windows is True
    assert Protocol(hr_method="harmonic").whole_from_windows is False  # runs before issue 24 reproduce
    assert TOOLBOX.whole_from_windows is False
    assert Protocol(hr_whole_from_windows=False).whole_from_windows is False
    assert Protocol(hr_track=False).whole_from_windows is False
    assert Protocol().as_dict()["hr_whole_from_windows"] is True
    assert Protocol(hr_method="harmonic").as_dict()["hr_whole_from_windows"] is False


@pytest.mark.parametrize("from_windows", [True, False])
def test_evaluation_scores_the_windows_mean_for_prediction_and_reference(from_windows):
    """With ``whole_from_windows`` both the prediction's and the reference's whole-video HR are the
    means of the windowed rates the windowed metrics score; without, one estimate over the span."""
    rng = np.random.default_rng(3)
    t = np.arange(round(30 * FS)) / FS
    ref = stepped_sinusoid((64.0, 74.0), 30.0) + 0.05 * rng.standard_normal(t.size)
    pred = ref + 0.6 * rng.standard_normal(t.size)
    protocol = Protocol(hr_whole_from_windows=from_windows, beats=None)
    row = evaluate_prediction(t, pred, t, ref, protocol)
    series = windowed_hr_series(t, pred, t, ref, protocol)
    means = np.mean(series["pred"]), np.mean(series["true"])
    if from_windows:
        assert (row["hr_pred"], row["hr_true"]) == pytest.approx(means)
        assert row["hr_confidence"] == pytest.approx(np.mean(series["conf"]))
    else:
        assert row["hr_pred"] != pytest.approx(means[0], abs=1e-9)
    assert row["hr_true"] == pytest.approx(69.0, abs=1.5)


def test_the_report_says_where_the_whole_video_rate_comes_from():
    from rppg_bench.reports.summary import READING_NOTE, reading_note

    windows = reading_note({"protocol": Protocol().as_dict()})
    assert windows.startswith(READING_NOTE) and "mean of the recording's windowed rates" in windows
    assert reading_note({"protocol": Protocol(hr_method="harmonic").as_dict()}) == READING_NOTE
    assert reading_note({}) == READING_NOTE
