"""The reference's heart rate checked against its beats (metrics.reference_check, evaluate_prediction)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from rppg_bench.datasets.ppg_model import beat_rate_bpm
from rppg_bench.datasets.ppg_recordings import heartpy_data, heartpy_recordings
from rppg_bench.metrics.evaluate import evaluate_prediction, windowed_hr_series
from rppg_bench.metrics.heart_rate import hr_estimate
from rppg_bench.metrics.protocol import TOOLBOX, Protocol
from rppg_bench.metrics.reference_check import (
    checked_rate,
    checked_windowed,
    harmonic_slip,
)

FS = 30.0


def late_wave_pulse(hr_bpm: float, t: np.ndarray) -> np.ndarray:
    """A clean pulse whose second harmonic is 1.3 times its fundamental and which has no third: one tall
    peak and one low late peak per beat; ``"structured"`` reads it at twice its rate."""
    theta = 2 * np.pi * hr_bpm / 60.0 * t
    return np.cos(theta) + 1.3 * np.cos(2 * theta)


def test_harmonic_slips_are_the_ratios_of_harmonics_only():
    for ratio in (1 / 3, 0.5, 2 / 3, 1.5, 2.0, 3.0):
        assert harmonic_slip(80.0, 80.0 * ratio * 1.05)
    for ratio in (0.8, 0.96, 1.0, 1.04, 1.25):  # a missed beat, a step: not a harmonic
        assert not harmonic_slip(80.0, 80.0 * ratio)
    assert not harmonic_slip(80.0, float("nan"))
    assert beat_rate_bpm(np.arange(0.0, 10.01, 0.8)) == pytest.approx(75.0)
    assert np.isnan(beat_rate_bpm(np.array([1.0])))


def test_regular_beats_overrule_a_doubled_estimate_and_irregular_ones_do_not():
    beats = np.arange(0.0, 20.0, 0.8)  # 75 bpm
    assert checked_rate(150.0, beats, 0.1) == (pytest.approx(75.0), True)
    assert checked_rate(76.0, beats, 0.1) == (76.0, False)  # agreement keeps the spectral estimate
    jumpy = np.cumsum(np.tile([0.8, 0.5, 1.1, 0.8], 6))  # half the intervals change by > 20 %
    assert checked_rate(150.0, jumpy, 0.1) == (150.0, False)
    assert checked_rate(150.0, beats[:3], 0.1) == (150.0, False)  # too few beats


def test_windows_are_checked_against_the_beats_inside_them():
    beats = np.arange(0.0, 30.0, 0.8)
    centres = np.array([5.0, 15.0, 25.0])
    rates, overruled = checked_windowed(centres, np.array([150.0, 75.5, 149.0]), beats, 10.0, 0.1)
    assert overruled.tolist() == [True, False, True]
    assert rates == pytest.approx([75.0, 75.5, 75.0], abs=0.01)


def test_the_true_heart_rate_of_a_late_wave_reference_comes_from_its_beats():
    """A 75 bpm reference read at 150 bpm by its spectrum: with the check (the default) the true HR and
    every window's are 75 bpm and the rows say the beats decided; without it (or in the toolbox
    protocol, which has no beats) the doubled value stands, as before."""
    t = np.arange(0.0, 30.0, 1.0 / FS)
    ref = late_wave_pulse(75.0, t)
    assert hr_estimate(ref, FS) == pytest.approx(150.0, abs=1.0)
    pred = 0.5 + 0.5 * np.sin(2 * np.pi * 75.0 / 60.0 * t)
    row = evaluate_prediction(t, pred, t, ref, Protocol())
    assert row["hr_true"] == pytest.approx(75.0, abs=0.2)  # the mean of the windows' beat rates
    assert row["hr_abs_error"] < 0.5
    assert row["hr_true_from_beats"] == 1.0 and row["win_hr_true_from_beats"] == 1.0
    assert row["win_hr_mae"] < 0.5
    series = windowed_hr_series(t, pred, t, ref, Protocol())
    assert series["true"] == pytest.approx([75.0] * len(series["true"]), abs=0.2)
    unchecked = evaluate_prediction(t, pred, t, ref, Protocol(ref_beat_check=False))
    assert unchecked["hr_true"] == pytest.approx(150.0, abs=1.0)
    assert unchecked["hr_true_from_beats"] == 0.0
    assert TOOLBOX.ref_beat_check is False


def test_a_reference_the_spectrum_reads_right_is_left_alone():
    t = np.arange(0.0, 20.0, 1.0 / FS)
    ref = np.sin(2 * np.pi * 1.2 * t) + 0.3 * np.sin(2 * np.pi * 2.4 * t + 0.5)
    pred = 0.5 + 0.5 * np.sin(2 * np.pi * 1.2 * t)
    checked, plain = (evaluate_prediction(t, pred, t, ref, Protocol(ref_beat_check=c)) for c in (True, False))
    assert checked["hr_true"] == plain["hr_true"]
    assert checked["hr_true_from_beats"] == 0.0


@pytest.mark.skipif(heartpy_data() is None, reason="heartpy (datasets extra) not installed")
def test_a_real_finger_ppg_segment_halved_by_its_spectrum_gets_the_rate_of_its_beats():
    """210-240 s of heartpy's data3 as recorded (100.42 Hz), scored as a video's reference: its spectrum
    reads 48.0 bpm, its beats and heartpy's own peak detection about 97.7 (benchmarks/reference_check.py)."""
    rec = heartpy_recordings()[2]
    n = round(30.0 * rec.fs)
    segment = rec.samples[7 * n:8 * n].astype(float)
    t = np.arange(segment.size) / rec.fs
    tp = np.arange(0.0, 30.0, 1.0 / 30.0)
    pred = 0.5 + 0.5 * np.sin(2 * np.pi * 1.2 * tp)
    whole_span = Protocol(hr_whole_from_windows=False)
    checked = evaluate_prediction(tp, pred, t, segment, whole_span)
    assert checked["hr_true"] == pytest.approx(97.7, abs=1.0) and checked["hr_true_from_beats"] == 1.0
    assert evaluate_prediction(tp, pred, t, segment, replace(whole_span, ref_beat_check=False))["hr_true"] < 50.0
    # the default: the mean of the windows, which read it right (the rate moves within the segment: the
    # windows' mean is 99.8); the whole is overruled only where one of its windows was
    windows = evaluate_prediction(tp, pred, t, segment, Protocol())
    series = windowed_hr_series(tp, pred, t, segment, Protocol())
    assert windows["hr_true"] == pytest.approx(np.mean(series["true"]))
    assert windows["hr_true"] == pytest.approx(97.7, abs=3.0)
    assert windows["hr_true_from_beats"] == float(windows["win_hr_true_from_beats"] > 0)
    unchecked = evaluate_prediction(tp, pred, t, segment, Protocol(ref_beat_check=False))
    assert unchecked["hr_true"] == pytest.approx(windows["hr_true"], abs=0.5)


def test_the_report_says_where_the_beats_set_the_true_heart_rate():
    import pandas as pd

    from rppg_bench.reports.tables import reference_check_note

    rows = pd.DataFrame({"dataset": ["d"] * 4, "video": ["v1", "v1", "v2", "v3"],
                         "hr_true_from_beats": [1.0, 1.0, 0.0, 0.0], "win_hr_true_from_beats": [0.5, 0.5, 0.0, 0.1]})
    note = reference_check_note(rows, "d")[0]
    assert "1 of 3 videos whole" in note and "20.0 % of the windows" in note
    assert reference_check_note(rows.assign(hr_true_from_beats=0.0, win_hr_true_from_beats=0.0), "d") == []
    assert reference_check_note(rows.drop(columns=["hr_true_from_beats"]), "d") == []


def test_the_check_leaves_right_estimates_of_model_pulses_alone():
    """Noise-free model pulses from sharp (strong dicrotic wave) to rounded, 40-180 bpm: the beats never
    overrule an estimate that is right (within 5 bpm), and every checked rate is right."""
    from rppg_bench.datasets.ppg_model import HeartRateVariability, simulate_pulse
    from rppg_bench.metrics.beats import beat_times
    from rppg_bench.metrics.hr_corpus import pulse_morphology

    t = np.arange(0.0, 20.0, 1.0 / FS)
    for hr in np.linspace(40.0, 180.0, 12):
        for smoothness in (-1.0, -0.5, 0.0, 0.5):
            model = simulate_pulse(0.0, float(t[-1]), float(hr), np.random.default_rng(3),
                                   morphology=pulse_morphology(np.random.default_rng(3), smoothness),
                                   variability=HeartRateVariability(rsa_bpm=1.0, rr_jitter=0.01))
            x, truth = model.ppg(t), float(np.mean(model.hr(t)))
            spectral = hr_estimate(x, FS)
            checked, overruled = checked_rate(spectral, beat_times(x, FS, (0.5, 3.5)), 0.1)
            assert abs(checked - truth) <= 5.0, (hr, smoothness, spectral, checked)
            assert not (overruled and abs(spectral - truth) <= 5.0), (hr, smoothness)
