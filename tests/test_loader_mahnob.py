"""MAHNOB-HCI loader on a fixture in the real layout: session.xml, a 256 Hz BDF, a 61 fps C1 video."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from fixtures_mahnob import BDF_RATE_HZ, pulse_beats, write_mahnob_session
from fixtures_pulse import known_pulse_clip, pos_rows

from rppg_bench.datasets.ecg import beat_phase_pulse, detect_r_peaks, rr_heart_rate
from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.mahnob import load_mahnob
from rppg_bench.datasets.registry import DATASETS, load_dataset
from rppg_bench.testing import check_recording_contract

FPS = 61.0
LEAD_S = 3.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return known_pulse_clip(tmp_path_factory.mktemp("clip"), fps=FPS, duration=9.0, size=(160, 120))


@pytest.fixture(scope="module")
def root(clip, tmp_path_factory):
    root = tmp_path_factory.mktemp("mahnob")
    write_mahnob_session(root, clip, session_id="2", subject="1", trial=1, lead_s=LEAD_S)
    write_mahnob_session(root, clip, session_id="10", subject="1", trial=5, lead_s=1.5)
    return root


@pytest.fixture(scope="module")
def recordings(root):
    return load_mahnob(root)


def test_sessions_load_in_natural_order_with_subject_labels_and_video(recordings):
    assert [r.name for r in recordings] == ["2", "10"]
    rec = recordings[0]
    assert rec.dataset == "mahnob-hci" and rec.subject == "1" and rec.condition == "emotion"
    assert rec.labels == {"experimentType": "emotion", "isStim": "1", "feltEmo": "4", "feltArsl": "5",
                          "feltVlnc": "7", "feltCtrl": "6", "feltPred": "5", "mediaFile": "69.avi", "cutNr": "2"}
    assert rec.path.name == "P1-Rec1-2009.07.09.17.53.46_C1 trigger _C_Section_2.avi"
    assert rec.fps == FPS and rec.frame_times[0] == 0.0
    assert rec.meta["ecg_fs"] == BDF_RATE_HZ and rec.meta["ecg_lead"] == "EXG3-EXG1"
    assert rec.meta["ground_truth"].endswith("Part_1_S_Trial1_emotion.bdf")


@pytest.mark.parametrize("index, lead_s", [(0, LEAD_S), (1, 1.5)])
def test_trigger_onset_puts_the_ecg_beats_on_the_video_clock(recordings, clip, index, lead_s):
    rec = recordings[index]
    assert rec.meta["trigger_onset_s"] == lead_s
    assert rec.meta["trigger_span_s"] == pytest.approx(clip.frame_times[-1], abs=1.0 / BDF_RATE_HZ)
    beats = pulse_beats(clip)
    np.testing.assert_allclose(rec.meta["r_peaks"], beats, atol=1.5 / BDF_RATE_HZ)
    np.testing.assert_allclose(rec.hr_times, rec.meta["r_peaks"][1:])
    np.testing.assert_allclose(rec.hr, 60.0 / np.diff(rec.meta["r_peaks"]))
    assert rec.ppg_times[0] == rec.meta["r_peaks"][0] and rec.ppg_times[-1] == rec.meta["r_peaks"][-1]
    np.testing.assert_allclose(np.diff(rec.ppg_times), 1.0 / BDF_RATE_HZ)
    at_peaks = np.interp(rec.meta["r_peaks"], rec.ppg_times, rec.ppg)
    np.testing.assert_allclose(at_peaks, 1.0, atol=1e-9)


def test_fixture_bdf_has_the_real_channel_layout(root):
    pyedflib = pytest.importorskip("pyedflib")
    with pyedflib.EdfReader(str(root / "Sessions/2/Part_1_S_Trial1_emotion.bdf")) as bdf:
        labels = bdf.getSignalLabels()
        assert labels[33] == "EXG2" and labels[46] == "Status" and labels[:2] == ["Fp1", "AF3"]
        assert bdf.getSampleFrequency(33) == BDF_RATE_HZ


@pytest.mark.parametrize("lead", ["EXG1", "EXG2", "EXG3"])
def test_each_ecg_electrode_gives_the_same_beats(root, recordings, lead):
    rec = load_mahnob(root, ecg_lead=lead)[0]
    np.testing.assert_allclose(rec.meta["r_peaks"], recordings[0].meta["r_peaks"], atol=1.5 / BDF_RATE_HZ)


def test_recordings_meet_the_dataset_contract(recordings):
    for rec in recordings:
        check_recording_contract(rec, dataset="mahnob-hci")


def test_ecg_helpers_on_a_known_rhythm():
    fs = 256.0
    beats = np.cumsum(np.r_[0.5, np.full(9, 0.8), np.full(10, 0.6)])
    t = np.arange(int((beats[-1] + 0.5) * fs)) / fs
    ecg = -sum(np.exp(-0.5 * ((t - b) / 0.01) ** 2) for b in beats)  # inverted lead
    found = detect_r_peaks(ecg, fs) / fs
    np.testing.assert_allclose(found, beats, atol=1.5 / fs)
    times, hr = rr_heart_rate(np.r_[found, found[-1] + 5.0])  # a 5 s gap is no heart rate
    np.testing.assert_allclose(hr, 60.0 / np.diff(found))
    np.testing.assert_allclose(times, found[1:])
    t_in, pulse = beat_phase_pulse(beats, t)
    assert t_in[0] >= beats[0] and t_in[-1] <= beats[-1]
    mid = np.interp((beats[:-1] + beats[1:]) / 2, t_in, pulse)
    np.testing.assert_allclose(mid, -1.0, atol=1e-3)


def test_known_pulse_recovered_through_the_command_line(root, clip, tmp_path):
    rows = pos_rows("mahnob", root, tmp_path)
    assert len(rows) == 2 and (rows["status"] == "ok").all() and set(rows["dataset"]) == {"mahnob-hci"}
    assert (rows["hr_true"] - clip.hr_bpm).abs().max() < 2.0
    assert (rows["hr_pred"] - clip.hr_bpm).abs().max() < 2.0


def test_alias_and_registry(root):
    assert DATASETS.canonical("mahnob") == "mahnob-hci"
    assert [r.name for r in load_dataset("mahnob", root).recordings] == ["2", "10"]


# ------------------------------------------------------------------ bad input

@pytest.fixture
def broken_root(clip, root, tmp_path):
    """A copy of the good session "2" next to one session to break, "7"."""
    dst = tmp_path / "broken"
    shutil.copytree(root / "Sessions" / "2", dst / "Sessions" / "2")
    return dst


def _only_error(entries, name: str) -> RecordingError:
    assert [e.name for e in entries if not isinstance(e, RecordingError)] == ["2"]
    (err,) = [e for e in entries if isinstance(e, RecordingError)]
    assert err.recording == name
    return err


def test_session_without_trigger_fails_alone(broken_root, clip):
    write_mahnob_session(broken_root, clip, session_id="7", status=False)
    err = _only_error(load_mahnob(broken_root), "7")
    assert err.path.name == "Part_1_S_Trial1_emotion.bdf" and "Status" in err.problem


def test_flat_ecg_fails_alone(broken_root, clip):
    write_mahnob_session(broken_root, clip, session_id="7", ecg_scale=0.0)
    err = _only_error(load_mahnob(broken_root), "7")
    assert err.path.suffix == ".bdf" and "R-peaks" in err.problem


def test_truncated_bdf_fails_alone(broken_root, clip):
    write_mahnob_session(broken_root, clip, session_id="7", tail_s=-4.0)
    err = _only_error(load_mahnob(broken_root), "7")
    assert err.path.suffix == ".bdf" and "truncated" in err.problem


def test_unreadable_bdf_and_missing_channel_fail_alone(broken_root, clip):
    folder = write_mahnob_session(broken_root, clip, session_id="7")
    (folder / "Part_1_S_Trial1_emotion.bdf").write_bytes(b"not a bdf file")
    err = _only_error(load_mahnob(broken_root), "7")
    assert err.path.name == "Part_1_S_Trial1_emotion.bdf" and "cannot read BDF" in err.problem
    entries = load_mahnob(broken_root, ecg_lead="EXG3-ECG9")
    assert all(isinstance(e, RecordingError) for e in entries)
    assert entries[0].path.suffix == ".bdf" and "no 'ECG9' channel" in entries[0].problem


def test_bad_session_xml_fails_alone(broken_root, clip):
    folder = write_mahnob_session(broken_root, clip, session_id="7")
    (folder / "session.xml").write_text("<session><subject id='1'></session>")
    err = _only_error(load_mahnob(broken_root), "7")
    assert err.path.name == "session.xml" and "invalid XML" in err.problem
    (folder / "session.xml").unlink()
    err = _only_error(load_mahnob(broken_root), "7")
    assert err.path.name == "session.xml" and "missing" in err.problem


def test_missing_video_fails_alone(broken_root, clip):
    folder = write_mahnob_session(broken_root, clip, session_id="7")
    next(folder.glob("*.avi")).unlink()
    err = _only_error(load_mahnob(broken_root), "7")
    assert "C1 trigger" in err.problem


def test_subject_falls_back_to_the_bdf_name(broken_root):
    xml = broken_root / "Sessions" / "2" / "session.xml"
    xml.write_text(xml.read_text().replace('  <subject id="1" />\n', ""))
    (rec,) = load_mahnob(broken_root)
    assert rec.subject == "1"


def test_wrong_root_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="session.xml"):
        load_mahnob(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        load_mahnob(tmp_path / "nowhere")
