"""The PhysDrive loader on its real layout: parsing, conditions and --where, the known pulse through the
command line, the RGB.mp4 alternative, bad input."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import scipy.io as sio
from fixtures_physdrive import (
    PHYSDRIVE_FPS,
    label_series,
    write_label,
    write_physdrive_session,
    write_session_labels,
)
from fixtures_pulse import known_pulse_clip, pos_rows, tiny_clip

from rppg_bench import cli
from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.matfile import MAT_V5, mat_version
from rppg_bench.datasets.physdrive import load_physdrive, physdrive_labels
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.datasets.writers import write_video
from rppg_bench.testing import check_recording_contract


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """8 s at 30 fps, 160x120, a known pulse."""
    return known_pulse_clip(tmp_path_factory.mktemp("clip"), fps=PHYSDRIVE_FPS, duration=8.0, size=(160, 120))


@pytest.fixture(scope="module")
def short_clip():
    """2 s of a test pattern (60 frames, 64x48) with a 1.2 Hz pulse, for the layout and bad-input cases."""
    return tiny_clip(60, PHYSDRIVE_FPS)


@pytest.fixture(scope="module")
def root(tmp_path_factory, clip):
    """``On-Road-rPPG/AFH1/A1`` (toolbox naming) and ``On-Road-rPPG/CMZ2/B2``, both the full clip."""
    root = tmp_path_factory.mktemp("physdrive") / "On-Road-rPPG"
    write_physdrive_session(root, "AFH1", "A1", clip)
    write_physdrive_session(root, "CMZ2", "B2", clip)
    return root


@pytest.fixture(scope="module")
def recordings(root):
    return load_physdrive(root)


def test_fixture_is_the_shipped_format(root, clip):
    session = root / "AFH1" / "A1"
    bvp = session / "Label" / "BVP.mat"
    assert mat_version(bvp) == MAT_V5
    assert sio.whosmat(bvp) == [("BVP", (1, len(clip.frames)), "double")]
    assert sorted(p.name for p in (session / "Label").iterdir()) == ["BVP.mat", "ECG.mat", "RESP.mat", "SPO2.mat"]
    assert (session / "Align" / "0.png").is_file() and (session / "Align" / "239.png").is_file()


def test_parses_names_subjects_labels_and_times(recordings, root, clip):
    assert [r.name for r in recordings] == ["AFH1_A1", "CMZ2_B2"]
    a, b = recordings
    assert (a.subject, a.condition, b.subject, b.condition) == ("AFH1", "flat-unobstructed", "CMZ2", "flat-congested")
    assert a.labels == {"session": "A1", "road": "flat-unobstructed", "motion": "stationary",
                        "vehicle": "A0-segment", "gender": "female", "illumination": "dusk-early-morning"}
    assert (b.labels["motion"], b.labels["vehicle"], b.labels["gender"], b.labels["illumination"]) == (
        "talking", "C-segment-SUV", "male", "noon")
    n = len(clip.frames)
    np.testing.assert_array_equal(a.frame_times, np.arange(n) / 30.0)
    np.testing.assert_array_equal(a.ppg_times, np.arange(n) / 30.0)
    assert a.fps == pytest.approx(30.0) and a.meta["ground_truth"] == str(root / "AFH1" / "A1" / "Label" / "BVP.mat")
    np.testing.assert_array_equal(a.ppg, label_series(clip, n)["BVP"])


def test_frames_in_numeric_order_decode_exactly(recordings, clip):
    rec = recordings[0]
    assert [p.name for p in rec.source.files[:12]] == [f"{i}.png" for i in range(12)]  # 10.png after 9.png
    for i, frame in enumerate(rec.frames()):
        np.testing.assert_array_equal(frame, clip.frames[i])
        if i == 11:
            break


def test_respiration_and_spo2_kept_per_frame(recordings, clip, tmp_path, short_clip):
    rec = recordings[0]
    series = label_series(clip, len(clip.frames))
    np.testing.assert_array_equal(rec.meta["respiration"], series["RESP"])
    np.testing.assert_array_equal(rec.respiration, series["RESP"])  # the breathing-rate reference
    np.testing.assert_array_equal(rec.respiration_times, rec.meta["respiration_times"])
    np.testing.assert_array_equal(rec.meta["spo2_times"], np.arange(len(clip.frames)) / 30.0)
    assert rec.meta["spo2"][0] == 97.0 and "spo2_dropped" not in rec.meta
    folder = write_physdrive_session(tmp_path, "BMW1", "CS", short_clip)
    (folder / "Label" / "SPO2.mat").unlink()
    write_label(folder / "Label" / "RESP.mat", "resp", np.zeros(60))
    (rec,) = load_physdrive(tmp_path)
    assert "spo2" not in rec.meta and rec.meta["spo2_dropped"] == "SPO2.mat: label file is missing"
    assert "lacks the variable(s) RESP" in rec.meta["respiration_dropped"]


def test_session_and_subject_names(tmp_path, short_clip):
    assert physdrive_labels("BMW3", "CT") == {"session": "CT", "road": "bumpy-congested", "motion": "talking",
                                             "vehicle": "B-segment", "gender": "male", "illumination": "midnight"}
    assert physdrive_labels("driver7", "extra") == {"session": "extra"}
    write_physdrive_session(tmp_path, "driver7", "extra", short_clip)
    (rec,) = load_physdrive(tmp_path)
    assert (rec.name, rec.subject, rec.condition) == ("driver7_extra", "driver7", "extra")


def test_recording_contract(recordings):
    for rec in recordings:
        check_recording_contract(rec, dataset="physdrive")


def test_known_pulse_recovered_through_the_command_line(root, clip, tmp_path):
    rows = pos_rows("physdrive", root, tmp_path)
    assert sorted(rows["video"]) == ["AFH1_A1", "CMZ2_B2"] and (rows["status"] == "ok").all()
    assert set(rows["condition"]) == {"flat-unobstructed", "flat-congested"}
    assert set(rows["label_motion"]) == {"stationary", "talking"}
    assert (abs(rows["hr_pred"] - clip.hr_bpm) < 2).all(), (rows["hr_pred"].tolist(), clip.hr_bpm)
    assert (abs(rows["hr_true"] - clip.hr_bpm) < 2).all(), (rows["hr_true"].tolist(), clip.hr_bpm)


def test_where_selects_sessions_on_the_command_line(root, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["--datasets", f"physdrive={root}", "--methods", "green", "--out", str(out), "--quiet",
            "--cache-dir", str(tmp_path / "cache")]
    assert cli.main([*args, "--where", "motion=talking", "illumination=noon"]) == 0
    assert list(pd.read_csv(out / "results.csv")["video"]) == ["CMZ2_B2"]
    assert cli.main([*args, "--where", "weather=rainy"]) == 2
    assert "dataset 'physdrive' has no such field" in capsys.readouterr().err


def test_rgb_mp4_when_there_is_no_align_folder(tmp_path, short_clip):
    """The README's layout: ``<session>/RGB.mp4``; the authors' STMap script's: ``<session>/Video/RGB.mp4``."""
    for subject, video in (("AMH1", "RGB.mp4"), ("AMH2", "Video/RGB.mp4")):
        folder = tmp_path / subject / "AS"
        (folder / video).parent.mkdir(parents=True, exist_ok=True)
        write_video(folder / video, iter(short_clip.frames), PHYSDRIVE_FPS)
        write_session_labels(folder, short_clip)
    recs = load_physdrive(tmp_path)
    assert [r.name for r in recs] == ["AMH1_AS", "AMH2_AS"]
    for rec, video in zip(recs, ("RGB.mp4", "Video/RGB.mp4"), strict=True):
        assert rec.path.as_posix().endswith(video) and rec.meta["frames"] == video
        np.testing.assert_allclose(rec.frame_times, np.arange(60) / 30.0)
        check_recording_contract(rec, dataset="physdrive")


def broken_root(tmp_path, short_clip, break_it):
    """A root with a good ``AFH1/A1`` and an ``AFH1/A2`` broken by ``break_it(session folder)``."""
    write_physdrive_session(tmp_path, "AFH1", "A1", short_clip)
    break_it(write_physdrive_session(tmp_path, "AFH1", "A2", short_clip))
    return tmp_path


def rewrite_bvp(variables):
    def edit(folder):
        sio.savemat(folder / "Label" / "BVP.mat", variables(len(list((folder / "Align").iterdir()))))
    return edit


def rewrite_bytes(edit):
    def apply(folder):
        path = folder / "Label" / "BVP.mat"
        path.write_bytes(edit(path.read_bytes()))
    return apply


@pytest.mark.parametrize("break_it, culprit, problem", [
    (lambda f: (f / "Label" / "BVP.mat").unlink(), "BVP.mat", "label file is missing"),
    (lambda f: shutil.rmtree(f / "Align"), "Align", "frame folder is missing"),
    (lambda f: [p.unlink() for p in (f / "Align").iterdir()], "Align", "no .png frames"),
    (rewrite_bvp(lambda n: {"PPG": np.ones((1, n))}), "BVP.mat", "lacks the variable(s) BVP (found: PPG)"),
    (rewrite_bvp(lambda n: {"BVP": np.sin(np.arange(20.0))[None]}), "BVP.mat", "shorter than the video"),
    (rewrite_bvp(lambda n: {"BVP": np.ones((1, n))}), "BVP.mat", "flat line"),
    (rewrite_bvp(lambda n: {"BVP": np.ones((n, 2))}), "BVP.mat", "expected one vector"),
    (rewrite_bvp(lambda n: {"BVP": "abc"}), "BVP.mat", "not numeric"),
    (rewrite_bytes(lambda b: b"not a mat file" * 20), "BVP.mat", "not a MATLAB v5/v7 or v7.3"),
    (rewrite_bytes(lambda b: b[: len(b) // 2]), "BVP.mat", "cannot read MAT v5 file"),
], ids=["no-bvp", "no-frames", "empty-align", "wrong-key", "truncated-bvp", "flat-bvp", "two-columns",
        "text", "unreadable", "truncated-file"])
def test_broken_session_fails_alone(tmp_path, short_clip, break_it, culprit, problem):
    good, bad = load_physdrive(broken_root(tmp_path, short_clip, break_it))
    assert good.name == "AFH1_A1" and not isinstance(good, RecordingError)
    assert isinstance(bad, RecordingError) and bad.recording == "AFH1_A2"
    assert bad.path.name == culprit and problem in str(bad), str(bad)


def test_wrong_or_missing_root(tmp_path):
    (tmp_path / "AFH1" / "A1" / "frames").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"expected folders such as AFH1/A1/ holding Align/\*\.png and "
                                           r"Label/BVP\.mat"):
        load_physdrive(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("physdrive", tmp_path / "nowhere")
