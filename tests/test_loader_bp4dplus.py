"""The BP4D+ loader on its real layout: parsing, the dataset contract, a known pulse through the CLI, bad input."""

from __future__ import annotations

import dataclasses
import shutil
import zipfile

import numpy as np
import pytest
from fixtures_bp4dplus import (
    blood_pressure,
    jpeg_bytes,
    write_bp4d_recordings,
    write_physiology,
    write_subject_zip,
)
from fixtures_pulse import known_pulse_clip, pos_rows

from rppg_bench.datasets.bp4dplus import ZipJpegFrames, load_bp4dplus
from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.recording import source_fingerprint
from rppg_bench.datasets.registry import DATASETS, load_dataset
from rppg_bench.testing import check_recording_contract


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """8 s at 25 fps, a 160x120 face (the real frames are 1040x1392), a known pulse."""
    return known_pulse_clip(tmp_path_factory.mktemp("clip"), fps=25.0, duration=8.0, size=(160, 120))


@pytest.fixture(scope="module")
def short_clip(clip):
    """The clip's first 2 s (50 frames), for the bad-input cases."""
    n = 50
    keep = clip.ppg_times <= clip.frame_times[n - 1] + 0.5
    return dataclasses.replace(clip, frames=clip.frames[:n], frame_times=clip.frame_times[:n],
                               ppg=clip.ppg[keep], ppg_times=clip.ppg_times[keep])


@pytest.fixture(scope="module")
def root(tmp_path_factory, clip):
    """F001 with tasks T1 and T10, M001 with T1: three recordings of the clip (T10's waveform 8.2 s long,
    the others 8.5 s, so that T1 and T10 differ as real tasks do)."""
    root = tmp_path_factory.mktemp("bp4d")
    write_bp4d_recordings(root, "F001", ["T1", "T10"], clip)
    write_physiology(root / "Physiology" / "F001" / "T10", clip, bp_seconds=8.2)
    write_bp4d_recordings(root, "M001", ["T1"], clip)
    return root


@pytest.fixture(scope="module")
def recordings(root):
    return load_bp4dplus(root)


def test_registered_with_alias():
    assert DATASETS.canonical("bp4dplus") == "bp4d+"


def test_parses_names_subjects_labels_and_times(recordings, root, clip):
    assert [r.name for r in recordings] == ["F001_T1", "F001_T10", "M001_T1"]
    f10, m1 = recordings[1], recordings[2]
    assert (f10.subject, f10.condition, f10.labels) == ("F001", "T10", {"task": "T10", "sex": "F"})
    assert (m1.subject, m1.condition, m1.labels) == ("M001", "T1", {"task": "T1", "sex": "M"})
    n = len(clip.frames)
    np.testing.assert_array_equal(f10.frame_times, np.arange(n) / 25.0)
    assert f10.fps == 25.0
    assert f10.source.members == tuple(f"F001/T10/{i:04d}.jpg" for i in range(n))
    assert f10.path == root / "2D+3D" / "F001.zip"
    assert f10.meta["ground_truth"] == str(root / "Physiology" / "F001" / "T10" / "BP_mmHg.txt")


def test_blood_pressure_at_1khz_as_written(recordings, root, clip):
    rec = recordings[0]
    written = np.loadtxt(root / "Physiology" / "F001" / "T1" / "BP_mmHg.txt")
    np.testing.assert_array_equal(rec.ppg, written)
    np.testing.assert_array_equal(rec.ppg_times, np.arange(written.size) / 1000.0)
    _, expected = blood_pressure(clip, tail_s=0.5)
    np.testing.assert_allclose(rec.ppg, expected, atol=5e-5)  # written with 4 decimals
    assert rec.hr is not None and rec.hr_times is rec.ppg_times
    assert rec.hr[0] == pytest.approx(round(clip.hr_bpm, 1))
    resp = np.loadtxt(root / "Physiology" / "F001" / "T1" / "Resp_Volts.txt")  # the breathing-rate reference
    np.testing.assert_array_equal(rec.respiration, resp)
    assert rec.respiration_times is rec.ppg_times


def test_frames_decoded_from_the_zip(recordings, clip):
    frames = list(recordings[0].frames())
    assert len(frames) == len(clip.frames) and frames[0].shape == (120, 160, 3) and frames[0].dtype == np.uint8
    assert np.abs(frames[5].astype(int) - clip.frames[5]).mean() < 2  # JPEG quality 95


def test_each_task_has_its_own_fingerprint(recordings):
    """The zip holds every task: the products cache must still tell the tasks apart (by the task's
    entries in the zip's directory)."""
    t1, t10 = recordings[0], recordings[1]
    assert source_fingerprint(t1.source) != source_fingerprint(t10.source)
    assert t1.source.content_key() != t10.source.content_key()


def test_editing_one_frame_changes_only_its_tasks_key(tmp_path, short_clip):
    write_bp4d_recordings(tmp_path, "F001", ["T1", "T2"], short_clip)
    before = [source_fingerprint(r.source) for r in load_bp4dplus(tmp_path)]
    corrupt_member(tmp_path)  # rewrites F001/T2/0003.jpg
    after = [source_fingerprint(r.source) for r in load_bp4dplus(tmp_path)]
    assert after[0] == before[0] and after[1] != before[1]


def test_key_reads_no_frame_bytes(recordings, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a zip entry was read to compute a key")

    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    monkeypatch.setattr(zipfile.ZipFile, "read", refuse)
    monkeypatch.setattr("builtins.open", refuse)  # nor the whole zip hashed as a file
    keys = {source_fingerprint(r.source) for r in recordings}
    assert len(keys) == len(recordings)


def test_recording_contract(recordings):
    for rec in recordings:
        check_recording_contract(rec, dataset="bp4d+")


def test_known_pulse_recovered_through_the_command_line(root, clip, tmp_path):
    rows = pos_rows("bp4d+", root, tmp_path)
    assert sorted(rows["video"]) == ["F001_T1", "F001_T10", "M001_T1"] and (rows["status"] == "ok").all()
    assert (abs(rows["hr_pred"] - clip.hr_bpm) < 2).all(), (rows["hr_pred"].tolist(), clip.hr_bpm)
    assert (abs(rows["hr_true"] - clip.hr_bpm) < 2).all(), (rows["hr_true"].tolist(), clip.hr_bpm)


def phys(root, task="T2"):
    return root / "Physiology" / "F001" / task


def corrupt_member(root):
    path = root / "2D+3D" / "F001.zip"
    with zipfile.ZipFile(path) as archive:
        entries = {n: archive.read(n) for n in archive.namelist()}
    entries["F001/T2/0003.jpg"] = b"not a jpeg"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


@pytest.mark.parametrize("break_it, culprit, problem", [
    (lambda r, c: (phys(r) / "BP_mmHg.txt").unlink(), "BP_mmHg.txt", "missing"),
    (lambda r, c: shutil.rmtree(phys(r)), "T2", "physiology folder is missing"),
    (lambda r, c: write_physiology(phys(r), c, bp_seconds=0.5), "BP_mmHg.txt", "shorter than the video"),
    (lambda r, c: (phys(r) / "BP_mmHg.txt").write_text("81.5\nx\n"), "BP_mmHg.txt", "value 2 'x'"),
    (lambda r, c: write_physiology(phys(r, "T3"), c), "F001.zip", "no F001/T3/*.jpg"),
], ids=["no-bp-file", "no-physiology", "truncated-bp", "bad-number", "no-frames-for-task"])
def test_broken_recording_fails_alone(tmp_path, short_clip, break_it, culprit, problem):
    write_bp4d_recordings(tmp_path, "F001", ["T1", "T2"], short_clip)
    break_it(tmp_path, short_clip)
    entries = load_bp4dplus(tmp_path)
    (bad,) = [e for e in entries if isinstance(e, RecordingError)]
    assert "F001_T1" in [e.name for e in entries if not isinstance(e, RecordingError)]
    assert bad.recording in ("F001_T2", "F001_T3")
    assert bad.path.name == culprit and problem in str(bad), str(bad)


def test_missing_or_short_respiration_is_only_dropped(tmp_path, short_clip):
    write_bp4d_recordings(tmp_path, "F001", ["T1", "T2"], short_clip)
    (phys(tmp_path, "T1") / "Resp_Volts.txt").unlink()
    (phys(tmp_path, "T2") / "Resp_Volts.txt").write_text("0.1\n0.2\n")
    t1, t2 = load_bp4dplus(tmp_path)
    assert t1.respiration is None and t1.meta["respiration_dropped"] == "Resp_Volts.txt is missing"
    assert t2.respiration is None and "Resp_Volts.txt has 2 values" in t2.meta["respiration_dropped"]
    assert t2.respiration_times is None and t2.ppg.size > 2  # the recording itself is kept


def test_missing_or_corrupt_zip_fails_its_tasks_only(tmp_path, short_clip):
    write_bp4d_recordings(tmp_path, "F001", ["T1"], short_clip)
    write_bp4d_recordings(tmp_path, "M002", ["T1"], short_clip)
    write_physiology(tmp_path / "Physiology" / "F003" / "T1", short_clip)
    (tmp_path / "2D+3D" / "M002.zip").write_bytes(b"PK\x03\x04 truncated")
    (tmp_path / "2D+3D" / "M004.zip").write_bytes(b"not a zip")  # and no Physiology folder
    entries = {getattr(e, "recording", None) or e.name: e for e in load_bp4dplus(tmp_path)}
    good, corrupt, missing = entries["F001_T1"], entries["M002_T1"], entries["F003_T1"]
    assert not isinstance(good, RecordingError)
    assert isinstance(corrupt, RecordingError) and corrupt.path.name == "M002.zip" and "cannot open" in str(corrupt)
    assert isinstance(missing, RecordingError) and missing.path.name == "F003.zip" and "missing" in str(missing)
    assert isinstance(entries["M004_all"], RecordingError) and entries["M004_all"].path.name == "M004.zip"


def test_undecodable_frame_names_the_zip_entry(tmp_path, short_clip):
    write_bp4d_recordings(tmp_path, "F001", ["T1", "T2"], short_clip)
    corrupt_member(tmp_path)
    rec = load_bp4dplus(tmp_path)[1]
    with pytest.raises(RecordingError, match="F001/T2/0003.jpg"):
        list(rec.frames())


def test_zip_frames_of_other_sizes_are_refused(tmp_path, short_clip):
    frames = [jpeg_bytes(short_clip.frames[0]), jpeg_bytes(short_clip.frames[1][:60, :80])]
    path = write_subject_zip(tmp_path / "F001.zip", "F001", {"T1": frames})
    source = ZipJpegFrames(path, ("F001/T1/0000.jpg", "F001/T1/0001.jpg"), 25.0)
    with pytest.raises(RecordingError, match="0001.jpg is 80x60 px"):
        list(source.frames())


def test_key_of_a_missing_entry_names_the_zip(tmp_path, short_clip):
    path = write_subject_zip(tmp_path / "F001.zip", "F001", {"T1": [jpeg_bytes(short_clip.frames[0])]})
    source = ZipJpegFrames(path, ("F001/T1/0000.jpg", "F001/T1/0001.jpg"), 25.0)
    with pytest.raises(RecordingError, match="F001.zip.*0001.jpg"):
        source.content_key()


def test_wrong_or_missing_root(tmp_path):
    (tmp_path / "subject1").mkdir()
    with pytest.raises(DatasetError, match="Physiology/F001/T1/BP_mmHg.txt"):
        load_bp4dplus(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("bp4dplus", tmp_path / "nowhere")
