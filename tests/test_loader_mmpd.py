"""MMPD loader: the real MAT v5 layout, the dataset contract, the known pulse through the command line, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio
from fixtures_mmpd import LABELS, MMPD_FPS, mmpd_variables, write_mmpd_file
from fixtures_pulse import known_pulse_clip, pos_rows

from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.matfile import MAT_V5, MatFile, mat_version
from rppg_bench.datasets.mmpd import load_mmpd
from rppg_bench.datasets.registry import DATASETS
from rppg_bench.testing import check_recording_contract


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return known_pulse_clip(tmp_path_factory.mktemp("mmpd_clip"), fps=MMPD_FPS, duration=8.0, size=(160, 120))


@pytest.fixture(scope="module")
def root(tmp_path_factory, clip):
    """subject1/p1_0.mat (as shipped) and subject12/p12_3.mat (other labels, an old 'Watching Videos' motion)."""
    root = tmp_path_factory.mktemp("mmpd")
    write_mmpd_file(root, 1, 0, mmpd_variables(clip))
    write_mmpd_file(root, 12, 3, mmpd_variables(clip, labels={"light": "Nature", "motion": "Watching Videos",
                                                              "skin_color": 5, "exercise": "True"}))
    return root


@pytest.fixture(scope="module")
def recordings(root):
    return load_mmpd(root)


def test_fixture_is_a_compressed_v5_mat_file_with_the_shipped_variables(root):
    path = root / "subject1" / "p1_0.mat"
    assert mat_version(path) == MAT_V5
    shapes = {name: (shape, cls) for name, shape, cls in sio.whosmat(path)}
    assert shapes["video"] == ((240, 120, 160, 3), "single")
    assert shapes["GT_ppg"] == ((1, 240), "double")
    assert shapes["light"][1] == "char" and shapes["skin_color"] == ((1, 1), "double")


def test_parses_names_subjects_times_labels(recordings, clip):
    first, second = recordings
    assert (first.name, first.subject, second.name, second.subject) == ("p1_0", "1", "p12_3", "12")
    assert first.dataset == "mmpd" and first.fps == MMPD_FPS
    np.testing.assert_allclose(first.frame_times, np.arange(240) / 30.0)
    np.testing.assert_allclose(first.ppg_times, np.arange(240) / 30.0)
    np.testing.assert_allclose(first.ppg, np.interp(np.arange(240) / 30.0, clip.ppg_times, clip.ppg))
    assert first.labels == {k: str(v) for k, v in LABELS.items()}
    assert first.condition == "LED-high"
    assert second.labels["motion"] == "Walking" and second.meta["motion_as_stored"] == "Watching Videos"
    assert (second.condition, second.labels["skin_color"], second.labels["exercise"]) == ("Nature", "5", "True")


def test_frames_are_the_stored_floats_times_255(recordings, clip):
    frames = list(recordings[0].frames())
    assert len(frames) == 240 and frames[0].dtype == np.uint8 and frames[0].shape == (120, 160, 3)
    assert all(np.array_equal(a, b) for a, b in zip(frames, clip.frames))


def test_contract(recordings):
    for rec in recordings:
        check_recording_contract(rec, "mmpd")


def test_alias_and_registration():
    assert DATASETS.canonical("mini-mmpd") == "mmpd"


def test_known_pulse_recovered_through_the_command_line(root, clip, tmp_path):
    rows = pos_rows("mmpd", root, tmp_path)
    assert len(rows) == 2 and (rows["status"] == "ok").all()
    assert set(rows["condition"]) == {"LED-high", "Nature"} and set(rows["subject"].astype(str)) == {"1", "12"}
    assert (abs(rows["hr_pred"] - clip.hr_bpm) < 2.0).all(), rows[["video", "hr_pred"]]


def _bad(tmp_path, clip, name: str, variables: dict) -> Path:
    root = tmp_path / name
    write_mmpd_file(root, 1, 0, mmpd_variables(clip))
    return write_mmpd_file(root, 2, 0, variables)


def _only_error(root) -> RecordingError:
    entries = load_mmpd(root)
    assert len(entries) == 2 and not isinstance(entries[0], RecordingError)
    assert isinstance(entries[1], RecordingError) and entries[1].recording == "p2_0"
    return entries[1]


def test_truncated_ppg(tmp_path, clip):
    path = _bad(tmp_path, clip, "short", mmpd_variables(clip, n_ppg=200))
    err = _only_error(path.parent.parent)
    assert err.path == path and "GT_ppg has 200 samples but the video has 240 frames" in str(err)


def test_missing_key_lists_the_keys_found(tmp_path, clip):
    variables = mmpd_variables(clip)
    del variables["GT_ppg"]
    path = _bad(tmp_path, clip, "nokey", variables)
    err = _only_error(path.parent.parent)
    assert err.path == path and "lacks the variable(s) GT_ppg" in str(err) and "found: " in str(err)
    assert "video" in str(err) and "light" in str(err)


def test_unreadable_version_and_truncated_file(tmp_path, clip):
    root = tmp_path / "version"
    write_mmpd_file(root, 1, 0, mmpd_variables(clip))
    v4 = root / "subject2" / "p2_0.mat"
    v4.parent.mkdir()
    sio.savemat(v4, {"video": np.zeros((2, 2))}, format="4")
    err = _only_error(root)
    assert err.path == v4 and "not a MATLAB v5/v7 or v7.3" in str(err)
    data = (root / "subject1" / "p1_0.mat").read_bytes()
    v4.write_bytes(data[: len(data) // 2])
    err = _only_error(root)
    assert err.path == v4 and "p2_0.mat" in str(err)


def test_wrong_video_shape(tmp_path, clip):
    variables = mmpd_variables(clip)
    variables["video"] = variables["video"][..., 0]
    path = _bad(tmp_path, clip, "shape", variables)
    assert "expected frames x height x width x 3" in str(_only_error(path.parent.parent))


def test_wrong_root(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_mmpd(tmp_path / "missing")
    (tmp_path / "empty" / "subject1").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"expected MAT-files such as subject1/p1_0\.mat"):
        load_mmpd(tmp_path / "empty")


def test_matfile_reads_labels_as_strings(root):
    mat = MatFile.open(root / "subject12" / "p12_3.mat")
    assert mat.read_labels("light", "skin_color") == {"light": "Nature", "skin_color": "5"}
