"""VIPL-HR loader: the real layout parsed exactly, the dataset contract, a known pulse through the
command line, and broken recordings."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures_formats import pattern_frame
from fixtures_pulse import known_pulse_clip, pos_rows
from fixtures_vipl_hr import (
    write_column_csv,
    write_time_txt,
    write_vipl_clip,
    write_vipl_recording,
)

from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.recording import Recording, VideoFile
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.datasets.timed_video import TimedVideoFile
from rppg_bench.datasets.vipl_hr import load_vipl_hr
from rppg_bench.testing import check_recording_contract

TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def frames(n: int) -> list[np.ndarray]:
    return [pattern_frame(i) for i in range(n)]


def wave(n: int) -> np.ndarray:
    return np.round(50 + 30 * np.sin(2 * np.pi * 1.2 * np.arange(n) / 60.0), 3)


def by_name(entries: list) -> dict:
    return {getattr(e, "name", None) or e.recording: e for e in entries}


@pytest.fixture(scope="module")
def pulse_root(tmp_path_factory):
    """source1 (webcam, 25 fps, time.txt) and source2 (phone, 30 fps, no time.txt) of one known pulse."""
    base = tmp_path_factory.mktemp("vipl")
    root = base / "VIPL-HR" / "data"
    clips = {}
    for rel, fps, stamps in (("p1/v1/source1", 25.0, True), ("p1/v1/source2", 30.0, False)):
        clip = known_pulse_clip(base / f"clip{int(fps)}", fps=fps, duration=10.0, size=(160, 120))
        write_vipl_clip(root, rel, clip, stamps=stamps)
        clips[rel.replace("/", "_")] = clip
    return base / "VIPL-HR", clips


# ------------------------------------------------------------------ (a) the real format, exactly

def test_parses_wave_stamps_hr_spo2_and_labels(tmp_path):
    stamps = [0, 41, 79, 121, 160, 203, 240, 279, 321, 360]
    write_vipl_recording(tmp_path, "p12/v2/source1", frames=frames(10), fps=25.0, wave=wave(30),
                         hr=[71, 72], spo2=[97, 98], stamps_ms=stamps)
    rec = load_vipl_hr(tmp_path)[0]
    assert isinstance(rec, Recording)
    assert (rec.name, rec.dataset, rec.subject, rec.condition) == ("p12_v2_source1", "vipl-hr", "p12", "webcam-C310")
    assert rec.labels == {"subject": "p12", "scenario": "v2", "scenario_name": "large-motion",
                          "source": "source1", "camera": "webcam-C310"}
    np.testing.assert_allclose(rec.ppg, wave(30), **TIGHT)
    np.testing.assert_allclose(rec.ppg_times, np.arange(30) / 60.0, **TIGHT)
    assert isinstance(rec.source, TimedVideoFile)
    np.testing.assert_allclose(rec.frame_times, np.array(stamps) / 1000.0, **TIGHT)
    np.testing.assert_allclose(rec.hr, [71, 72], **TIGHT)
    np.testing.assert_allclose(rec.hr_times, [0.0, 1.0], **TIGHT)
    np.testing.assert_allclose(rec.meta["spo2"], [97, 98], **TIGHT)
    assert rec.meta["frame_times"] == "time.txt" and rec.meta["n_stamps"] == 10
    assert len(list(rec.frames())) == 10


def test_phone_without_time_txt_uses_i_over_fps(tmp_path):
    write_vipl_recording(tmp_path, "p3/v9/source2", frames=frames(12), fps=30.0, wave=wave(24))
    rec = load_vipl_hr(tmp_path)[0]
    assert isinstance(rec.source, VideoFile) and rec.meta["frame_times"] == "i/fps"
    np.testing.assert_allclose(rec.frame_times, np.arange(12) / 30.0, **TIGHT)
    assert (rec.condition, rec.labels["scenario_name"]) == ("phone-P9", "phone-motion")
    assert rec.hr is None and rec.meta["hr_dropped"] == "gt_HR.csv is missing"


def test_more_stamps_than_frames_pairs_the_first(tmp_path):
    write_vipl_recording(tmp_path, "p1/v1/source3", frames=frames(8), fps=30.0, wave=wave(20),
                         stamps_ms=np.arange(11) * 33.0)
    rec = load_vipl_hr(tmp_path)[0]
    assert (rec.meta["n_frames"], rec.meta["n_stamps"], rec.frame_times.size) == (8, 11, 8)


def test_repeats_nesting_and_natural_order(tmp_path):
    for rel in ("p10/v1/source1", "p2/v1-2/source4", "p2/v1/source1"):
        write_vipl_recording(tmp_path / "data", rel, frames=frames(6), fps=30.0, wave=wave(15))
    entries = load_dataset("vipl", tmp_path).recordings
    assert [r.name for r in entries] == ["p2_v1-2_source4", "p2_v1_source1", "p10_v1_source1"]
    assert entries[0].labels["scenario"] == "v1-2" and entries[0].condition == "realsense-NIR"


# ------------------------------------------------------------------ (b) contract, (c) known pulse

def test_fixture_meets_the_recording_contract(pulse_root):
    root, _ = pulse_root
    loaded = load_dataset("vipl-hr", root)
    assert not loaded.errors and len(loaded.recordings) == 2
    for rec in loaded.recordings:
        check_recording_contract(rec, dataset="vipl-hr")


def test_known_pulse_recovered_through_the_command_line(pulse_root, tmp_path):
    root, clips = pulse_root
    rows = pos_rows("vipl-hr", root, tmp_path)
    assert set(rows["video"]) == set(clips) and (rows["status"] == "ok").all(), rows.to_dict("records")
    for _, row in rows.iterrows():
        assert abs(row["hr_pred"] - clips[row["video"]].hr_bpm) < 2.0, row.to_dict()


# ------------------------------------------------------------------ (d) broken input

@pytest.fixture
def broken_root(tmp_path):
    """One good recording and one to break, by folder."""
    good = write_vipl_recording(tmp_path, "p1/v1/source1", frames=frames(10), fps=25.0, wave=wave(30))
    bad = write_vipl_recording(tmp_path, "p2/v1/source1", frames=frames(10), fps=25.0, wave=wave(30))
    return tmp_path, good, bad


def only_error(root, good):
    entries = by_name(load_vipl_hr(root, tolerance_s=0.1))  # the clips last 0.36 s
    assert isinstance(entries["_".join(good.parts[-3:])], Recording)
    err = entries["p2_v1_source1"]
    assert isinstance(err, RecordingError), err
    return err


@pytest.mark.parametrize("break_it, file, problem", [
    (lambda f: (f / "wave.csv").unlink(), "wave.csv", "ground-truth wave is missing"),
    (lambda f: write_column_csv(f / "wave.csv", "Wave", wave(12)), "wave.csv",
     "ground truth (0 to 0.183333 s, 12 samples) is shorter than the video (0 to 0.36 s, 10 frames of video.avi) "
     "by more than 0.1 s: truncated?"),
    (lambda f: write_column_csv(f / "wave.csv", "BVP", wave(30)), "wave.csv",
     "line 1: expected the header 'Wave', found 'BVP'"),
    (lambda f: (f / "wave.csv").write_text("Wave\n1.5\n2.5\nx7\n"), "wave.csv", "line 4: value 1 'x7' is not a number"),
    (lambda f: write_time_txt(f / "time.txt", [0, 40, 40, 120]), "time.txt",
     "frame timestamps (ms): timestamps do not increase at index 2 (40.0 -> 40.0)"),
    (lambda f: (f / "video.avi").write_bytes(b"not a video"), "video.avi", "OpenCV cannot open this video"),
])
def test_broken_recording_names_the_file(broken_root, break_it, file, problem):
    root, good, bad = broken_root
    break_it(bad)
    err = only_error(root, good)
    assert (err.path, err.problem) == (bad / file, problem)


def test_unreadable_hr_only_drops_hr(broken_root):
    root, _, bad = broken_root
    write_column_csv(bad / "gt_HR.csv", "HeartRate", [70])
    rec = by_name(load_vipl_hr(root))["p2_v1_source1"]
    assert rec.hr is None and rec.meta["hr_dropped"] == "line 1: expected the header 'HR', found 'HeartRate'"


def test_wrong_root_is_a_dataset_error(tmp_path):
    (tmp_path / "subject1").mkdir()
    (tmp_path / "subject1" / "vid.avi").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"expected folders such as p1/v1/source1/ with video.avi and wave.csv"):
        load_vipl_hr(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        load_vipl_hr(tmp_path / "missing")
