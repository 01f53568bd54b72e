"""The iBVP loader on its real layout: parsing, the dataset contract, a known pulse through the CLI, bad input."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pandas as pd
import pytest
from fixtures_ibvp import IBVP_HEADER, bvp_columns, write_bvp_csv, write_ibvp_recording
from fixtures_pulse import known_pulse_clip, pos_rows

from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.ibvp import load_ibvp
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.testing import check_recording_contract

CONFIDENTIAL = "Confidential_No-media-use"


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """8 s at 30 fps, 160x120, a known pulse."""
    return known_pulse_clip(tmp_path_factory.mktemp("clip"), fps=30.0, duration=8.0, size=(160, 120))


@pytest.fixture(scope="module")
def short_clip(clip):
    """The clip's first 2 s (60 frames), for the bad-input cases."""
    n = 60
    keep = clip.ppg_times <= clip.frame_times[n - 1] + 0.5
    return dataclasses.replace(clip, frames=clip.frames[:n], frame_times=clip.frame_times[:n],
                               ppg=clip.ppg[keep], ppg_times=clip.ppg_times[keep])


@pytest.fixture(scope="module")
def root(tmp_path_factory, clip):
    """``p01_a`` at the top and ``p02_d`` inside the limited-consent folder, both the full clip."""
    root = tmp_path_factory.mktemp("ibvp")
    write_ibvp_recording(root, "p01_a", clip)
    write_ibvp_recording(root / CONFIDENTIAL, "p02_d", clip)
    return root


@pytest.fixture(scope="module")
def recordings(root):
    return load_ibvp(root)


def test_parses_names_subjects_conditions_and_times(recordings, root, clip):
    assert [r.name for r in recordings] == ["p02_d", "p01_a"]  # sorted by path: Confidential... < p01_a
    by_name = {r.name: r for r in recordings}
    a, d = by_name["p01_a"], by_name["p02_d"]
    assert (a.subject, a.condition, a.labels) == ("p01", "rest", {"condition": "rest"})
    assert (d.subject, d.condition, d.labels) == ("p02", "head_movement", {"condition": "head_movement"})
    n = len(clip.frames)
    np.testing.assert_array_equal(a.frame_times, np.arange(n) / 30.0)
    np.testing.assert_array_equal(a.ppg_times, np.arange(n) / 30.0)
    assert a.fps == pytest.approx(30.0)
    assert [p.name for p in a.source.files] == [f"{i:05d}.bmp" for i in range(n)]
    assert a.meta["ground_truth"] == str(root / "p01_a" / "p01_a_bvp.csv")


def test_bvp_values_and_quality_columns_as_written(recordings, root):
    rec = next(r for r in recordings if r.name == "p01_a")
    rows = pd.read_csv(root / "p01_a" / "p01_a_bvp.csv", float_precision="round_trip")
    assert list(rows.columns) == list(IBVP_HEADER)
    np.testing.assert_array_equal(rec.ppg, rows["BVP"].to_numpy())
    quality = rec.meta["signal_quality"]
    assert set(quality) == {"SQPhysMD", "SQ1", "SQ2"}
    np.testing.assert_array_equal(quality["SQ2"], rows["SQ2"].to_numpy())
    assert quality["SQ2"][0] == 0.2 and quality["SQ2"][10] == 1.0
    np.testing.assert_array_equal(rec.meta["perfusion_value"], rows["Perfusion_Value"].to_numpy())


def test_bmp_frames_decode_exactly(recordings, clip):
    rec = next(r for r in recordings if r.name == "p01_a")
    frames = rec.frames()
    for i in range(3):
        np.testing.assert_array_equal(next(frames), clip.frames[i])


def test_columns_found_by_name_in_any_order(tmp_path, short_clip):
    folder = write_ibvp_recording(tmp_path, "p03_c", short_clip)
    csv = folder / "p03_c_bvp.csv"
    cols = bvp_columns(pd.read_csv(csv, float_precision="round_trip")["BVP"].to_numpy())
    cols["bvp"] = cols.pop("BVP")
    write_bvp_csv(csv, cols, header=("SQ2", "bvp", "SQ1"))
    (rec,) = load_ibvp(tmp_path)
    np.testing.assert_array_equal(rec.ppg, cols["bvp"])
    assert set(rec.meta["signal_quality"]) == {"SQ1", "SQ2"} and "perfusion_value" not in rec.meta
    assert rec.condition == "difficult_math"


def test_recording_contract(recordings):
    for rec in recordings:
        check_recording_contract(rec, dataset="ibvp")


def test_known_pulse_recovered_through_the_command_line(root, clip, tmp_path):
    rows = pos_rows("ibvp", root, tmp_path)
    assert sorted(rows["video"]) == ["p01_a", "p02_d"] and (rows["status"] == "ok").all()
    assert (abs(rows["hr_pred"] - clip.hr_bpm) < 2).all(), (rows["hr_pred"].tolist(), clip.hr_bpm)
    assert (abs(rows["hr_true"] - clip.hr_bpm) < 2).all(), (rows["hr_true"].tolist(), clip.hr_bpm)


def broken_root(tmp_path, short_clip, break_it):
    """A root with a good ``p01_a`` and a ``p02_b`` broken by ``break_it(folder)``."""
    write_ibvp_recording(tmp_path, "p01_a", short_clip)
    break_it(write_ibvp_recording(tmp_path, "p02_b", short_clip))
    return tmp_path


def rewrite_csv(text_edit):
    def edit(folder):
        csv = folder / f"{folder.name}_bvp.csv"
        csv.write_text(text_edit(csv.read_text()))
    return edit


@pytest.mark.parametrize("break_it, culprit, problem", [
    (lambda f: (f / "p02_b_bvp.csv").unlink(), "p02_b_bvp.csv", "missing"),
    (lambda f: shutil.rmtree(f / "p02_b_rgb"), "p02_b_rgb", "frame folder is missing"),
    (rewrite_csv(lambda t: t.replace("BVP,", "PPG,", 1)), "p02_b_bvp.csv", "no BVP column"),
    (rewrite_csv(lambda t: "\n".join(t.splitlines()[:21])), "p02_b_bvp.csv", "shorter than the video"),
    (rewrite_csv(lambda t: t.replace("\n", "\nabc,1,1,1,1\n", 1)), "p02_b_bvp.csv", "line 2"),
    (rewrite_csv(lambda t: t.splitlines()[0] + "\n"), "p02_b_bvp.csv", "no data rows"),
], ids=["no-csv", "no-frames", "wrong-key", "truncated-bvp", "bad-number", "header-only"])
def test_broken_recording_fails_alone(tmp_path, short_clip, break_it, culprit, problem):
    entries = load_ibvp(broken_root(tmp_path, short_clip, break_it))
    good, bad = entries
    assert good.name == "p01_a" and not isinstance(good, RecordingError)
    assert isinstance(bad, RecordingError) and bad.recording == "p02_b"
    assert bad.path.name == culprit and problem in str(bad), str(bad)


def test_wrong_or_missing_root(tmp_path):
    (tmp_path / "subject1").mkdir()
    with pytest.raises(DatasetError, match="p01_a_bvp.csv"):
        load_ibvp(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("ibvp", tmp_path / "nowhere")
