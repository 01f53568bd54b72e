"""SCAMPS loader: the real MAT v7.3 (HDF5) layout, the dataset contract, the known pulse through the command line,
bad input."""

from __future__ import annotations

import h5py
import numpy as np
import pytest
from fixtures_pulse import known_pulse_clip, pos_rows
from fixtures_scamps import SCAMPS_FPS, scamps_variables, write_mat73, write_scamps_file

from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.matfile import MAT_V73, MatFile, mat_version
from rppg_bench.datasets.scamps import load_scamps
from rppg_bench.testing import check_recording_contract


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return known_pulse_clip(tmp_path_factory.mktemp("scamps_clip"), fps=SCAMPS_FPS, duration=10.0, size=(72, 72))


@pytest.fixture(scope="module")
def root(tmp_path_factory, clip):
    root = tmp_path_factory.mktemp("scamps")
    write_scamps_file(root, 1, scamps_variables(clip))
    write_scamps_file(root / "more", 12, scamps_variables(clip))
    return root


@pytest.fixture(scope="module")
def recordings(root):
    return load_scamps(root)


def test_fixture_is_hdf5_with_matlab_header_and_transposed_arrays(root):
    path = root / "P000001.mat"
    assert path.read_bytes()[:19] == b"MATLAB 7.3 MAT-file" and mat_version(path) == MAT_V73
    with h5py.File(path, "r") as fh:
        assert fh["Xsub"].shape == (3, 72, 72, 300) and fh["d_ppg"].shape == (1, 300)
        assert fh["Xsub"].attrs["MATLAB_class"] == b"double"
    assert MatFile.open(path).shapes()["Xsub"] == (300, 72, 72, 3)


def test_parses_names_subjects_times(recordings, clip):
    first, second = recordings
    assert (first.name, first.subject, second.name) == ("P000001", "P000001", "P000012")
    assert first.dataset == "scamps" and first.condition == "" and first.labels == {}
    np.testing.assert_allclose(first.frame_times, np.arange(300) / 30.0)
    np.testing.assert_allclose(first.ppg_times, np.arange(300) / 30.0)
    np.testing.assert_allclose(first.ppg, np.interp(np.arange(300) / 30.0, clip.ppg_times, clip.ppg))


def test_frames_come_back_untransposed(recordings, clip):
    frames = list(recordings[0].frames())
    assert len(frames) == 300 and frames[0].shape == (72, 72, 3) and frames[0].dtype == np.uint8
    assert all(np.array_equal(a, b) for a, b in zip(frames, clip.frames))


def test_frame_chunks_are_bounded(root, clip):
    mat = MatFile.open(root / "P000001.mat")
    frame_bytes = 72 * 72 * 3 * 8
    blocks = list(mat.frame_chunks("Xsub", max_chunk_bytes=7 * frame_bytes))
    assert {b.shape[0] for b in blocks[:-1]} == {7} and sum(b.shape[0] for b in blocks) == 300
    np.testing.assert_allclose(blocks[1][2], clip.frames[9] / 255.0)


def test_contract(recordings):
    for rec in recordings:
        check_recording_contract(rec, "scamps")


def test_known_pulse_recovered_through_the_command_line(root, clip, tmp_path):
    rows = pos_rows("scamps", root, tmp_path)
    assert len(rows) == 2 and (rows["status"] == "ok").all()
    assert (abs(rows["hr_pred"] - clip.hr_bpm) < 2.0).all(), rows[["video", "hr_pred"]]


def _only_error(root) -> RecordingError:
    entries = load_scamps(root)
    assert len(entries) == 2 and not isinstance(entries[0], RecordingError)
    assert isinstance(entries[1], RecordingError) and entries[1].recording == "P000002"
    return entries[1]


def _with_bad(tmp_path, clip, name: str):
    root = tmp_path / name
    write_scamps_file(root, 1, scamps_variables(clip))
    return root, root / "P000002.mat"


def test_truncated_ppg(tmp_path, clip):
    root, bad = _with_bad(tmp_path, clip, "short")
    write_mat73(bad, scamps_variables(clip, n_ppg=100))
    err = _only_error(root)
    assert err.path == bad and "d_ppg has 100 samples but the video has 300 frames" in str(err)


def test_missing_key_lists_the_keys_found(tmp_path, clip):
    root, bad = _with_bad(tmp_path, clip, "nokey")
    variables = scamps_variables(clip)
    variables["video"] = variables.pop("Xsub")
    write_mat73(bad, variables)
    err = _only_error(root)
    assert err.path == bad and "lacks the variable(s) Xsub (found: d_br, d_ppg, video)" in str(err)


def test_unreadable_version_and_truncated_hdf5(tmp_path, clip):
    root, bad = _with_bad(tmp_path, clip, "version")
    bad.write_bytes(b"MATLAB 5.0 MAT-file".ljust(128, b" "))
    err = _only_error(root)
    assert err.path == bad and "not a MATLAB v5/v7 or v7.3" in str(err)
    data = (root / "P000001.mat").read_bytes()
    bad.write_bytes(data[:4096])
    err = _only_error(root)
    assert err.path == bad and "P000002.mat" in str(err)


def test_wrong_root(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_scamps(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "p1_0.mat").write_bytes(b"")
    with pytest.raises(DatasetError, match=r"expected MAT v7.3 files such as P000001\.mat"):
        load_scamps(tmp_path / "empty")
