"""Where the true heart rate comes from: the reference PPG, or the dataset's own HR (--hr-source)."""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.datasets.errors import RecordingError
from rppg_bench.datasets.ubfc import BEAT_TIMES, load_ubfc_folder
from rppg_bench.datasets.writers import write_ubfc_subject
from rppg_bench.metrics.evaluate import evaluate_prediction, windowed_hr_series
from rppg_bench.metrics.protocol import Protocol


def test_dataset_hr_is_the_truth_of_the_whole_video_and_of_every_window():
    """A reference PPG whose waveform reads twice the rate (as a pulse with a strong second harmonic
    can) is overruled by the dataset's HR, per window too, with ``hr_source="dataset"``."""
    t = np.arange(0, 30, 1 / 30)  # s, 30 Hz
    prediction = 0.5 + 0.5 * np.sin(2 * np.pi * 1.0 * t)               # 60 bpm
    reference = np.sin(2 * np.pi * 2.0 * t)                             # reads 120 bpm
    hr, hr_times = np.full(t.size, 60.0), t                             # the dataset says 60 bpm
    hr[t > 20] = 66.0                                                   # and 66 in the last 10 s
    beats_off = Protocol(beats=None)
    by_ppg = evaluate_prediction(t, prediction, t, reference, beats_off, hr, hr_times)
    assert by_ppg["hr_true"] == pytest.approx(120, abs=1) and by_ppg["win_hr_mae"] > 50
    dataset = Protocol(beats=None, hr_source="dataset")
    by_dataset = evaluate_prediction(t, prediction, t, reference, dataset, hr, hr_times)
    series = windowed_hr_series(t, prediction, t, reference, dataset, hr, hr_times)
    for centre, true in zip(series["t"], series["true"]):
        inside = np.abs(t - centre) <= dataset.window / 2
        assert true == pytest.approx(np.mean(hr[inside]), abs=1e-9)
    # the whole video's truth is defined as the prediction's is: the mean of its windows' (the 66 bpm
    # stretch is at the end, which fewer windows cover); over the whole span with one estimate per video
    assert by_dataset["hr_true"] == pytest.approx(np.mean(series["true"]), abs=1e-9) and by_dataset["hr_true"] < 61.7
    whole_span = evaluate_prediction(t, prediction, t, reference, Protocol(beats=None, hr_source="dataset",
                                                                           hr_whole_from_windows=False), hr, hr_times)
    assert whole_span["hr_true"] == pytest.approx(np.mean(hr), abs=0.05)  # over the scored span
    assert by_dataset["win_hr_mae"] == pytest.approx(
        np.mean(np.abs(np.array(series["pred"]) - series["true"])), abs=1e-9)
    assert by_dataset["win_hr_mae"] < 4 < by_ppg["win_hr_mae"]


def test_a_right_prediction_of_a_changing_rate_is_right_against_the_dataset_hr():
    """60 bpm for 20 s, then 66: a prediction at exactly that rate is within 0.1 bpm of the dataset's
    truth for the whole video, both taken as the mean of the same windows; against the dataset's
    plain mean it would be 0.5 bpm off (the windows weigh the middle more than the last 10 s)."""
    t = np.arange(0, 30, 1 / 30)
    rate_hz = np.where(t <= 20, 1.0, 1.1)
    prediction = 0.5 + 0.5 * np.sin(2 * np.pi * np.cumsum(rate_hz) / 30)
    hr = 60.0 * rate_hz
    row = evaluate_prediction(t, prediction, t, np.sin(2 * np.pi * 2.0 * t), Protocol(beats=None, hr_source="dataset"),
                              hr, t)
    assert row["hr_abs_error"] < 0.1
    assert abs(row["hr_pred"] - np.mean(hr)) > 0.4
    # a dataset HR that leaves windows empty (samples in the first 8 s only) keeps its plain mean
    sparse = evaluate_prediction(t, prediction, t, np.sin(2 * np.pi * 2.0 * t),
                                 Protocol(beats=None, hr_source="dataset"), np.full(8, 63.0), np.arange(8.0))
    assert sparse["hr_true"] == pytest.approx(63.0)


def test_dataset_beats_are_the_beat_reference_with_the_dataset_source():
    """True beat times replace the beats found in a PPG that shows two humps per beat."""
    t = np.arange(0, 30, 1 / 30)
    prediction = 0.5 + 0.5 * np.sin(2 * np.pi * 1.0 * t)
    reference = np.sin(2 * np.pi * 2.0 * t)              # its peaks come twice per true beat
    beats = np.arange(0.25, 30, 1.0)                      # 60 bpm
    by_ppg = evaluate_prediction(t, prediction, t, reference, Protocol(), beat_times=beats)
    by_dataset = evaluate_prediction(t, prediction, t, reference, Protocol(hr_source="dataset"),
                                     np.full(t.size, 60.0), t, beat_times=beats)
    assert by_ppg["beats_ref"] > 50                       # the PPG's humps, beats ignored without the source
    inside = beats[(beats >= 0) & (beats <= t[-1] - 1 / 30)]
    assert by_dataset["beats_ref"] == pytest.approx(inside.size, abs=1)
    assert by_dataset["beats_matched_share"] > 0.9


def test_ubfc_loader_reads_a_beat_times_file_beside_the_ground_truth(tmp_path):
    n, fps = 60, 30.0
    times = np.arange(n) / fps
    frames = [np.full((32, 32, 3), 100 + 10 * np.sin(i / 3), np.uint8) for i in range(n)]
    folder = write_ubfc_subject(tmp_path / "subject1", frames, np.sin(2 * np.pi * times), np.full(n, 60.0), times,
                                fps=fps)
    assert load_ubfc_folder(folder).beat_times is None        # the real layout has none
    (folder / BEAT_TIMES).write_text("0.100000 1.100000\n")
    assert load_ubfc_folder(folder).beat_times.tolist() == [0.1, 1.1]
    (folder / BEAT_TIMES).write_text("1.1 0.1\n")
    with pytest.raises(RecordingError, match="beat_times.txt.*do not increase"):
        load_ubfc_folder(folder)



def test_synthetic_recordings_carry_their_true_beats(tmp_path):
    from rppg_bench.datasets.synthetic import generate_synthetic, load_synthetic
    root = generate_synthetic(tmp_path / "syn", seed=2, n_easy=1, n_hard=0, duration=6.0)
    (rec,) = load_synthetic(root, seed=2, n_easy=1, n_hard=0, duration=6.0)
    assert rec.beat_times is not None and np.all(np.diff(rec.beat_times) > 0)
    inside = rec.beat_times[(rec.beat_times >= 0) & (rec.beat_times <= rec.ppg_times[-1])]
    assert 60 / np.mean(np.diff(inside)) == pytest.approx(np.mean(rec.hr), rel=0.05)
