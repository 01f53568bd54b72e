"""LGI-PPGI loader: the real layout parsed exactly, the dataset contract, a known pulse through the
command line, and broken recordings."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures_formats import pattern_frame
from fixtures_lgi_ppgi import (
    write_cms50_xml,
    write_lgi_clip,
    write_lgi_recording,
    write_timer_xml,
)
from fixtures_pulse import known_pulse_clip, pos_rows

from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.lgi_ppgi import load_lgi_ppgi
from rppg_bench.datasets.recording import Recording, VideoFile
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.datasets.timed_video import TimedVideoFile
from rppg_bench.testing import check_recording_contract

TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def frames(n: int) -> list[np.ndarray]:
    return [pattern_frame(i) for i in range(n)]


def waveform(n: int) -> list[int]:
    return [int(v) for v in np.round(50 + 40 * np.sin(2 * np.pi * 1.1 * np.arange(n) / 60.0))]


def by_name(entries: list) -> dict:
    return {getattr(e, "name", None) or e.recording: e for e in entries}


@pytest.fixture(scope="module")
def pulse_root(tmp_path_factory):
    """alex_resting: a known pulse at 25 fps, the oximeter started 1.5 s before the camera."""
    base = tmp_path_factory.mktemp("lgi")
    clip = known_pulse_clip(base / "clip", fps=25.0, duration=10.0, size=(160, 120))  # 8 s: 2.2 bpm off (3-5 bpm RSA)
    write_lgi_clip(base / "id1", "alex", "resting", clip)
    return base / "id1", clip


# ------------------------------------------------------------------ (a) the real format, exactly

def test_parses_samples_timer_and_labels(tmp_path):
    times_ms = [0.0, 41.5, 79.25, 121.0, 160.75, 200.0, 241.5, 280.0]
    wave = waveform(40)
    folder = write_lgi_recording(tmp_path, "felix", "rotation", frames=frames(8), fps=25.0,
                                 pulse_rate=[80 + k % 3 for k in range(40)], waveform=wave, times_ms=times_ms)
    rec = load_lgi_ppgi(tmp_path)[0]
    assert isinstance(rec, Recording)
    assert (rec.name, rec.dataset, rec.subject, rec.condition, rec.labels) == \
        ("felix_rotation", "lgi-ppgi", "felix", "rotation", {"task": "rotation"})
    assert isinstance(rec.source, TimedVideoFile) and rec.path == folder / "cv_camera_sensor_stream_handler.avi"
    np.testing.assert_allclose(rec.frame_times, np.array(times_ms) / 1000.0, **TIGHT)
    np.testing.assert_allclose(rec.ppg, wave, **TIGHT)
    np.testing.assert_allclose(rec.hr, [80 + k % 3 for k in range(40)], **TIGHT)
    np.testing.assert_allclose(rec.ppg_times, 0.280 - (40 - np.arange(40)) / 60.0, **TIGHT)
    np.testing.assert_array_equal(rec.hr_times, rec.ppg_times)
    np.testing.assert_allclose(rec.meta["cms50_value0"], np.arange(40), **TIGHT)
    assert rec.meta["frame_times"] == "cv_camera_sensor_timer_stream_handler.xml"


def test_without_timer_frames_are_at_i_over_fps(tmp_path):
    write_lgi_recording(tmp_path, "cpi", "gym", frames=frames(10), fps=25.0, pulse_rate=[90] * 30,
                        waveform=waveform(30))
    rec = load_lgi_ppgi(tmp_path)[0]
    assert isinstance(rec.source, VideoFile) and rec.meta["frame_times"] == "i/fps"
    np.testing.assert_allclose(rec.ppg_times[-1], 9 / 25.0 - 1 / 60.0, **TIGHT)


def test_archive_nesting_and_order(tmp_path):
    for subject, task in (("felix", "talk"), ("alex", "talk"), ("alex", "gym")):
        write_lgi_recording(tmp_path / "id2", subject, task, frames=frames(6), fps=25.0, pulse_rate=[70] * 20,
                            waveform=waveform(20), times_ms=np.arange(6) * 40.0)
    loaded = load_dataset("lgi-ppgi", tmp_path)
    assert [(r.name, r.subject, r.condition) for r in loaded.recordings] == [
        ("alex_gym", "alex", "gym"), ("alex_talk", "alex", "talk"), ("felix_talk", "felix", "talk")]


# ------------------------------------------------------------------ (b) contract, (c) known pulse

def test_fixture_meets_the_recording_contract(pulse_root):
    root, _ = pulse_root
    loaded = load_dataset("lgi-ppgi", root)
    assert not loaded.errors and len(loaded.recordings) == 1
    check_recording_contract(loaded.recordings[0], dataset="lgi-ppgi")
    assert loaded.recordings[0].ppg_times[0] < -1.4  # the oximeter's lead before the first frame


def test_known_pulse_recovered_through_the_command_line(pulse_root, tmp_path):
    root, clip = pulse_root
    rows = pos_rows("lgi-ppgi", root, tmp_path)
    assert list(rows["video"]) == ["alex_resting"] and (rows["status"] == "ok").all(), rows.to_dict("records")
    assert abs(rows["hr_pred"].iloc[0] - clip.hr_bpm) < 2.0, rows.to_dict("records")


# ------------------------------------------------------------------ (d) broken input

@pytest.fixture
def broken_root(tmp_path):
    """alex_resting (good) and bob_resting (to break)."""
    kw = dict(frames=frames(10), fps=25.0, pulse_rate=[75] * 30, waveform=waveform(30),
              times_ms=np.arange(10) * 40.0)
    write_lgi_recording(tmp_path, "alex", "resting", **kw)
    return tmp_path, write_lgi_recording(tmp_path, "bob", "resting", **kw)


CMS50 = "cms50_stream_handler.xml"
TIMER = "cv_camera_sensor_timer_stream_handler.xml"


@pytest.mark.parametrize("break_it, file, problem", [
    (lambda f: (f / CMS50).unlink(), CMS50, "oximeter file is missing"),
    (lambda f: write_cms50_xml(f / CMS50, [75] * 10, waveform(10)), CMS50,
     "ground truth (0.193333 to 0.343333 s, 10 samples) is shorter than the video (0 to 0.36 s, 10 frames of "
     "cv_camera_sensor_stream_handler.avi) by more than 0.1 s: truncated?"),
    (lambda f: (f / CMS50).write_text("<cereal><value0><value0>1</value0><value1>7"), CMS50,
     "cannot parse XML (no element found: line 1, column 43)"),
    (lambda f: (f / CMS50).write_text("<cereal><value0><value0>0</value0><value1>75</value1></value0></cereal>"),
     CMS50, "entry 0 (<value0>): no <value2>"),
    (lambda f: (f / CMS50).write_text("<cereal><value0><value0>0</value0><value1>75</value1>"
                                      "<value2>n/a</value2></value0></cereal>"),
     CMS50, "entry 0 (<value0>): value 3 'n/a' is not a number"),
    (lambda f: write_cms50_xml(f / CMS50, [75] * 30, [50] * 30), CMS50,
     "value2 (waveform): all 30 values equal 50 (a flat line, no pulse)"),
    (lambda f: write_timer_xml(f / TIMER, [0.0, 40.0, 30.0]), TIMER,
     "value1 (frame time, ms): timestamps do not increase at index 2 (40.0 -> 30.0)"),
])
def test_broken_recording_names_the_file(broken_root, break_it, file, problem):
    root, bad = broken_root
    break_it(bad)
    entries = by_name(load_lgi_ppgi(root, tolerance_s=0.1))  # the clips last 0.36 s
    assert isinstance(entries["alex_resting"], Recording)
    err = entries["bob_resting"]
    assert isinstance(err, RecordingError) and (err.path, err.problem) == (bad / file, problem)


def test_wrong_root_is_a_dataset_error(tmp_path):
    (tmp_path / "p1" / "v1" / "source1").mkdir(parents=True)
    (tmp_path / "p1" / "v1" / "source1" / "video.avi").write_bytes(b"")
    with pytest.raises(DatasetError, match="expected folders such as alex/alex_resting/ with "
                                           "cv_camera_sensor_stream_handler.avi and cms50_stream_handler.xml"):
        load_lgi_ppgi(tmp_path)
