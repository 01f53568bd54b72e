"""The COHFACE loader (``cohface``) on fixtures in the dataset's layout (fixtures_cohface)."""

from __future__ import annotations

import sys

import h5py
import numpy as np
import pytest
from fixtures_cohface import (
    pulse_series,
    sensor_attributes,
    write_sensors,
    write_session,
    write_session_from_clip,
)
from fixtures_pulse import known_pulse_clip, pos_rows

from rppg_bench.datasets.cohface import load_cohface
from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.recording import Recording
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.testing import check_recording_contract


def by_name(entries: list) -> dict:
    return {(e.name if isinstance(e, Recording) else e.recording): e for e in entries}


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """The known-pulse clip at COHFACE's 20 fps, 8 s, 160x120."""
    return known_pulse_clip(tmp_path_factory.mktemp("clip"), fps=20.0, duration=8.0, size=(160, 120))


@pytest.fixture(scope="module")
def clip_root(tmp_path_factory, clip):
    """Subject 1, session 2 (natural light) from the clip."""
    root = tmp_path_factory.mktemp("cohface")
    write_session_from_clip(root, "1", "2", clip)
    return root


# ---------------------------------------------------------------- (a) the format read exactly

def test_parses_pulse_time_respiration_labels_and_ids(tmp_path):
    series = pulse_series()
    series["time"] = series["time"] + 0.01  # the sensor clock used as given
    write_session(tmp_path, "12", "1", datasets=series, n_frames=40)
    (rec,) = load_cohface(tmp_path)
    assert isinstance(rec, Recording), rec
    assert (rec.name, rec.subject, rec.dataset, rec.condition) == ("12-1", "12", "cohface", "studio")
    assert rec.labels == {"lighting": "studio", "session": "1"}
    np.testing.assert_array_equal(rec.ppg, series["pulse"])
    np.testing.assert_array_equal(rec.ppg_times, series["time"])
    np.testing.assert_array_equal(rec.meta["respiration"], series["respiration"])
    np.testing.assert_array_equal(rec.meta["respiration_times"], series["time"])
    np.testing.assert_array_equal(rec.respiration, series["respiration"])  # the breathing-rate reference
    np.testing.assert_array_equal(rec.respiration_times, series["time"])
    assert rec.fps == pytest.approx(20.0) and rec.meta["n_frames"] == 40 and rec.hr is None
    np.testing.assert_allclose(rec.frame_times, np.arange(40) / 20.0)
    assert rec.meta["pulse_rate_hz"] == pytest.approx(256.0)
    assert rec.meta["hdf5_attributes"] == {"illumination": "lamp", "session": "1", "client-id": "12",
                                           "sample-rate-hz": "256", "scale": "uV"}
    assert rec.meta["ground_truth"].endswith("12/1/data.hdf5")


def test_sessions_lighting_and_natural_order(tmp_path):
    for subject, session in [("10", "0"), ("2", "3"), ("2", "0"), ("1", "2")]:
        write_session(tmp_path, subject, session, datasets=pulse_series(), attributes={})  # no attributes
    write_session(tmp_path, "3", "1", datasets=pulse_series(),
                  attributes={**sensor_attributes("3", "1"), "illumination": b"natural"})
    entries = load_cohface(tmp_path)
    assert [e.name for e in entries] == ["1-2", "2-0", "2-3", "3-1", "10-0"]
    assert [e.condition for e in entries] == ["natural", "studio", "natural", "natural", "studio"]
    assert [e.labels["session"] for e in entries] == ["2", "0", "3", "1", "0"]


def test_respiration_missing_or_of_another_length_is_only_dropped(tmp_path):
    series = pulse_series()
    write_session(tmp_path, "1", "0", datasets={"pulse": series["pulse"], "time": series["time"]})
    write_session(tmp_path, "1", "1", datasets={**series, "respiration": series["respiration"][:-3]})
    entries = by_name(load_cohface(tmp_path))
    assert entries["1-0"].meta["respiration_dropped"] == "no dataset 'respiration'"
    assert "respiration has 510 values" in entries["1-1"].meta["respiration_dropped"]
    assert "respiration" not in entries["1-1"].meta
    assert entries["1-0"].respiration is None and entries["1-1"].respiration_times is None


def test_column_vectors_are_read_as_vectors(tmp_path):
    series = {k: v[:, None] for k, v in pulse_series().items()}
    write_session(tmp_path, "1", "0", datasets=series)
    (rec,) = load_cohface(tmp_path)
    assert rec.ppg.shape == (513,)


# ---------------------------------------------------------------- (b) contract, (c) the known pulse

def test_fixture_meets_the_recording_contract(clip_root, clip):
    loaded = load_dataset("cohface", clip_root)
    assert not loaded.errors and [r.name for r in loaded.recordings] == ["1-2"]
    rec = loaded.recordings[0]
    check_recording_contract(rec, dataset="cohface")
    assert rec.condition == "natural" and rec.meta["n_frames"] == len(clip.frame_times)


def test_known_pulse_recovered_through_the_command_line(clip_root, clip, tmp_path):
    rows = pos_rows("cohface", clip_root, tmp_path)
    assert len(rows) == 1 and (rows["status"] == "ok").all(), rows.to_dict("records")
    row = rows.iloc[0]
    assert (row["dataset"], row["video"], str(row["subject"]), row["condition"]) == ("cohface", "1-2", "1", "natural")
    assert abs(row["hr_true"] - clip.hr_bpm) < 2.0
    assert abs(row["hr_pred"] - clip.hr_bpm) < 2.0


# ---------------------------------------------------------------- (d) bad input

def broken_root(tmp_path, **session):
    """``1/0`` good and ``2/0`` written with ``session``'s arguments."""
    write_session(tmp_path, "1", "0", datasets=pulse_series())
    write_session(tmp_path, "2", "0", **{"datasets": pulse_series(), **session})
    entries = by_name(load_cohface(tmp_path))
    assert isinstance(entries["1-0"], Recording)
    assert isinstance(entries["2-0"], RecordingError), entries["2-0"]
    return entries["2-0"]


def cut(**changes):
    return {**pulse_series(), **changes}


@pytest.mark.parametrize("session, file, problem", [
    ({"datasets": None}, "data.hdf5", "sensor file is missing"),
    ({"video": False}, "data.avi", "video is missing"),
    ({"datasets": cut(pulse=None)}, "data.hdf5", "no dataset 'pulse' (found: respiration, time)"),
    ({"datasets": cut(time=None)}, "data.hdf5", "no dataset 'time'"),
    ({"datasets": cut(pulse=np.arange(4.0))}, "data.hdf5", "pulse has 4 samples but time has 513"),
    ({"datasets": pulse_series(0.5)}, "data.hdf5", "shorter than the video"),
    ({"datasets": cut(pulse=np.ones(513))}, "data.hdf5", "a flat line"),
    ({"datasets": cut(time=np.zeros(513))}, "data.hdf5", "timestamps do not increase"),
    ({"datasets": cut(time=pulse_series()["time"] + 60.0)}, "data.hdf5", "do not overlap the video"),
    ({"datasets": cut(pulse=np.zeros((513, 2)))}, "data.hdf5", "expected one vector"),
])
def test_broken_recording_names_its_file_and_others_load(tmp_path, session, file, problem):
    if session.get("datasets") is not None:
        session = {"datasets": {k: v for k, v in session["datasets"].items() if v is not None}}
    err = broken_root(tmp_path, **session)
    assert err.path.name == file and problem in err.problem, str(err)


def test_not_an_hdf5_file_and_a_group_instead_of_a_dataset(tmp_path):
    write_session(tmp_path, "1", "0", datasets=pulse_series())
    (tmp_path / "1" / "0" / "data.hdf5").write_text("pulse,time\n")
    write_session(tmp_path, "1", "1", datasets=pulse_series())
    with h5py.File(tmp_path / "1" / "1" / "data.hdf5", "a") as f:
        del f["pulse"]
        f.create_group("pulse")
    entries = by_name(load_cohface(tmp_path))
    assert "cannot read HDF5 file" in entries["1-0"].problem
    assert "'pulse' is a group" in entries["1-1"].problem


def test_without_h5py_the_dataset_says_how_to_install_it(tmp_path, monkeypatch):
    write_session(tmp_path, "1", "0", datasets=pulse_series())
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(DatasetError, match=r"cohface: reading HDF5 files \(data.hdf5\) needs .*rppg-bench\[datasets\]"):
        load_cohface(tmp_path)


def test_wrong_root(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_cohface(tmp_path / "nope")
    write_sensors(tmp_path / "1" / "0" / "sensors.h5", pulse_series())
    with pytest.raises(DatasetError, match=r"cohface: no COHFACE recordings .* \(expected .*data\.avi and data\.hdf5"):
        load_cohface(tmp_path)
