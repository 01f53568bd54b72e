"""The UBFC-Phys loader (``ubfc-phys``) on fixtures in the dataset's layout (fixtures_ubfc_phys)."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures_pulse import known_pulse_clip, pos_rows
from fixtures_ubfc_phys import write_info, write_lines, write_take, write_take_from_clip

from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.recording import Recording
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.datasets.ubfc_phys import load_ubfc_phys
from rppg_bench.testing import check_recording_contract


def sine_bvp(seconds: float = 2.0, rate: float = 64.0) -> np.ndarray:
    """A 1.2 Hz pulse at ``rate`` covering ``seconds`` (one sample past the last frame)."""
    return np.sin(2 * np.pi * 1.2 * np.arange(int(seconds * rate) + 1) / rate)


def by_name(entries: list) -> dict:
    return {(e.name if isinstance(e, Recording) else e.recording): e for e in entries}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """The known-pulse clip at UBFC-Phys' 35 fps, 8 s, 160x120."""
    return known_pulse_clip(tmp_path_factory.mktemp("clip"), fps=35.0, duration=8.0, size=(160, 120))


@pytest.fixture(scope="module")
def clip_root(tmp_path_factory, clip):
    """``s1/`` with T1 from the clip, group ``test``."""
    root = tmp_path_factory.mktemp("ubfc_phys")
    write_take_from_clip(root, "s1", "T1", clip)
    write_info(root, "s1", "test")
    return root


# ---------------------------------------------------------------- (a) the format read exactly

def test_parses_values_times_labels_and_ids(tmp_path):
    bvp = [0.25, -1.5, 3.0625] + list(sine_bvp())
    eda = [1.125, 1.25, 1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0]
    write_take(tmp_path, "s7", "T2", bvp=bvp, eda=eda, n_frames=70)
    write_info(tmp_path, "s7", "ctrl")
    (rec,) = load_ubfc_phys(tmp_path)
    assert isinstance(rec, Recording), rec
    assert (rec.name, rec.subject, rec.dataset, rec.condition) == ("s7_T2", "s7", "ubfc-phys", "speech")
    assert rec.labels == {"task": "speech", "task_id": "T2", "group": "ctrl"}
    np.testing.assert_array_equal(rec.ppg, bvp)
    np.testing.assert_allclose(rec.ppg_times, np.arange(len(bvp)) / 64.0)
    assert rec.fps == pytest.approx(35.0)
    np.testing.assert_allclose(rec.frame_times, np.arange(70) / 35.0)
    np.testing.assert_array_equal(rec.meta["eda"], eda)
    np.testing.assert_allclose(rec.meta["eda_times"], np.arange(len(eda)) / 4.0)
    assert rec.meta["bvp_rate_hz"] == 64.0 and rec.meta["eda_rate_hz"] == 4.0 and rec.hr is None
    assert rec.meta["ground_truth"].endswith("s7/bvp_s7_T2.csv")


def test_tasks_groups_and_natural_order(tmp_path):
    for subject, tasks in {"s10": ("T1",), "s2": ("T3", "T1"), "s1": ("T2", "T1")}.items():
        for task in tasks:
            write_take(tmp_path, subject, task, bvp=sine_bvp())
    write_info(tmp_path, "s2", "test")
    write_lines(tmp_path / "s1" / "info_s1.txt", ["s1", "m"])  # no group line
    entries = load_ubfc_phys(tmp_path)
    assert [e.name for e in entries] == ["s1_T1", "s1_T2", "s2_T1", "s2_T3", "s10_T1"]
    assert [e.condition for e in entries] == ["rest", "speech", "rest", "arithmetic", "rest"]
    assert [e.labels.get("group") for e in entries] == [None, None, "test", "test", None]
    assert all(e.meta["eda_dropped"] == f"eda_{e.name}.csv is missing" for e in entries)


def test_csv_extra_columns_and_blank_lines(tmp_path):
    write_take(tmp_path, "s1", "T1", bvp=None)
    rows = [f"{v!r},9" for v in sine_bvp()] + [""]
    write_lines(tmp_path / "s1" / "bvp_s1_T1.csv", rows)
    (rec,) = load_ubfc_phys(tmp_path)
    np.testing.assert_array_equal(rec.ppg, sine_bvp())


# ---------------------------------------------------------------- (b) contract, (c) the known pulse

def test_fixture_meets_the_recording_contract(clip_root, clip):
    loaded = load_dataset("ubfc-phys", clip_root)
    assert not loaded.errors and [r.name for r in loaded.recordings] == ["s1_T1"]
    rec = loaded.recordings[0]
    check_recording_contract(rec, dataset="ubfc-phys")
    assert rec.meta["n_frames"] == len(clip.frame_times) and rec.meta["eda"].size == 32


def test_known_pulse_recovered_through_the_command_line(clip_root, clip, tmp_path):
    rows = pos_rows("ubfc-phys", clip_root, tmp_path)
    assert len(rows) == 1 and (rows["status"] == "ok").all(), rows.to_dict("records")
    row = rows.iloc[0]
    assert (row["dataset"], row["video"], row["subject"], row["condition"]) == ("ubfc-phys", "s1_T1", "s1", "rest")
    assert abs(row["hr_true"] - clip.hr_bpm) < 2.0
    assert abs(row["hr_pred"] - clip.hr_bpm) < 2.0


# ---------------------------------------------------------------- (d) bad input

def broken_root(tmp_path, **take):
    """``s1/T1`` good and ``s2/T1`` written with ``take``'s arguments."""
    write_take(tmp_path, "s1", "T1", bvp=sine_bvp())
    write_take(tmp_path, "s2", "T1", **{"bvp": sine_bvp(), **take})
    entries = by_name(load_ubfc_phys(tmp_path))
    assert isinstance(entries["s1_T1"], Recording)
    assert isinstance(entries["s2_T1"], RecordingError), entries["s2_T1"]
    return entries["s2_T1"]


@pytest.mark.parametrize("take, file, problem", [
    ({"bvp": None}, "bvp_s2_T1.csv", "BVP ground-truth file is missing"),
    ({"video": False}, "vid_s2_T1.avi", "video is missing"),
    ({"bvp": sine_bvp(0.5)}, "bvp_s2_T1.csv", "shorter than the video"),
    ({"bvp": [0.5] * 129}, "bvp_s2_T1.csv", "a flat line"),
    ({"bvp": [0.5, "n/a", 0.25]}, "bvp_s2_T1.csv", "line 2: value 1 'n/a' is not a number"),
    ({"bvp": [0.5, float("nan")] * 65}, "bvp_s2_T1.csv", "non-finite"),
    ({"bvp": []}, "bvp_s2_T1.csv", "no data rows"),
])
def test_broken_recording_names_its_file_and_others_load(tmp_path, take, file, problem):
    err = broken_root(tmp_path, **take)
    assert err.path.name == file and problem in err.problem, str(err)


def test_unreadable_video(tmp_path):
    write_take(tmp_path, "s1", "T1", bvp=sine_bvp())
    (tmp_path / "s1" / "vid_s1_T1.avi").write_bytes(b"not a video")
    (err,) = load_ubfc_phys(tmp_path)
    assert isinstance(err, RecordingError) and err.path.name == "vid_s1_T1.avi"


def test_tolerance_accepts_a_slightly_short_bvp_and_bad_eda_is_only_dropped(tmp_path):
    write_take(tmp_path, "s1", "T1", bvp=sine_bvp(1.5), eda=[1.0, "x"])
    (err,) = load_ubfc_phys(tmp_path, tolerance_s=0.1)
    assert isinstance(err, RecordingError)
    (rec,) = load_ubfc_phys(tmp_path, tolerance_s=1.0)
    assert isinstance(rec, Recording) and "not a number" in rec.meta["eda_dropped"] and "eda" not in rec.meta


def test_wrong_root(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_ubfc_phys(tmp_path / "nope")
    (tmp_path / "subject1").mkdir()
    (tmp_path / "subject1" / "vid.avi").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"ubfc-phys: no UBFC-Phys recordings .* \(expected .*vid_s1_T1\.avi"):
        load_ubfc_phys(tmp_path)
