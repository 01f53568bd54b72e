"""Loaders for the real dataset layouts: UBFC-rPPG, PURE and folder-of-videos."""

from __future__ import annotations

import json

import numpy as np
import pytest
from fixtures_formats import (
    format_ubfc_line,
    pure_package,
    write_folder_recording,
    write_folder_txt,
    write_gtdump,
    write_pure_json,
    write_pure_recording,
    write_ubfc1_recording,
    write_ubfc2_ground_truth,
    write_ubfc2_recording,
    write_video,
)

from rppg_bench.datasets.errors import DatasetError, RecordingError
from rppg_bench.datasets.folder import load_folder
from rppg_bench.datasets.parsing import natural_key, resample_to_frames
from rppg_bench.datasets.pure import load_pure
from rppg_bench.datasets.recording import ImageSequence, Recording, VideoFile
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.datasets.ubfc import load_ubfc

TIGHT = {"rtol": 1e-12, "atol": 1e-12}


def only(entries: list) -> Recording | RecordingError:
    assert len(entries) == 1, entries
    return entries[0]


def ubfc2_series(n: int = 30) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PPG, HR (bpm) and timestamps (s) like a DATASET_2 file, n samples."""
    t = np.arange(n) / 30.0 + 0.0004 * (np.arange(n) % 3)
    ppg = 1.7 * np.sin(2 * np.pi * 1.2 * t) + 0.3
    hr = 72.0 + np.arange(n) % 4
    return ppg, hr, t


def as_written(values: np.ndarray) -> np.ndarray:
    """Values after the '%16.7e' round trip (8 significant digits)."""
    return np.array([float("%.7e" % v) for v in values])


# ---------------------------------------------------------------- UBFC DATASET_2

def test_ubfc_line_format_matches_original():
    assert format_ubfc_line([0.12028675, 0.77360657, -0.17258076]) == \
        "   1.2028675e-01   7.7360657e-01  -1.7258076e-01"


def test_ubfc2_ground_truth_file_layout(tmp_path):
    path = write_ubfc2_ground_truth(tmp_path / "ground_truth.txt", [0.12028675, -1.5], [80.0, 81.0], [0.0, 0.033])
    assert path.read_text().splitlines() == [
        "   1.2028675e-01  -1.5000000e+00",
        "   8.0000000e+01   8.1000000e+01",
        "   0.0000000e+00   3.3000000e-02",
    ]


def test_ubfc2_parses_values_times_and_fields(tmp_path):
    ppg, hr, t = ubfc2_series(30)
    write_ubfc2_recording(tmp_path, "subject3", ppg=ppg, hr=hr, times=t, n_frames=30, fps=30.0)
    rec = only(load_ubfc(tmp_path))
    assert isinstance(rec, Recording)
    assert (rec.name, rec.dataset, rec.subject, rec.condition) == ("subject3", "ubfc", "3", "realistic")
    assert rec.meta["format"] == "DATASET_2"
    assert (rec.meta["fps"], rec.meta["n_frames"]) == (30.0, 30)
    assert isinstance(rec.source, VideoFile) and rec.path == tmp_path / "subject3" / "vid.avi"
    np.testing.assert_allclose(rec.ppg, as_written(ppg), **TIGHT)
    np.testing.assert_allclose(rec.hr, hr, **TIGHT)
    np.testing.assert_allclose(rec.ppg_times, as_written(t), **TIGHT)
    np.testing.assert_array_equal(rec.hr_times, rec.ppg_times)
    np.testing.assert_allclose(rec.frame_times, np.arange(30) / 30.0, **TIGHT)


def test_ubfc_recordings_sorted_naturally(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    for name in ("subject10", "subject2", "subject1"):
        write_ubfc2_recording(tmp_path, name, ppg=ppg, hr=hr, times=t, n_frames=10)
    assert [r.name for r in load_ubfc(tmp_path)] == ["subject1", "subject2", "subject10"]


def test_ubfc2_hr_of_other_length_is_dropped(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    write_ubfc2_recording(tmp_path, "subject1", ppg=ppg, hr=hr[:9], times=t, n_frames=10)
    rec = only(load_ubfc(tmp_path))
    assert rec.hr is None and rec.hr_times is None
    assert rec.meta["hr_dropped"] == "line 2 (HR) has 9 values, timestamps have 10"
    np.testing.assert_allclose(rec.ppg, as_written(ppg), **TIGHT)


def test_ubfc2_ppg_and_timestamp_lengths_must_match(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    write_ubfc2_recording(tmp_path, "subject1", ppg=ppg[:8], hr=hr, times=t, n_frames=10)
    err = only(load_ubfc(tmp_path))
    assert isinstance(err, RecordingError)
    assert err.path == tmp_path / "subject1" / "ground_truth.txt"
    assert err.problem == "line 1 (PPG) has 8 values but line 3 (timestamps) has 10"


def test_ubfc2_wrong_number_of_lines(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    folder = write_ubfc2_recording(tmp_path, "subject1", ppg=ppg, hr=hr, times=t, n_frames=10)
    gt = folder / "ground_truth.txt"
    gt.write_text("".join(gt.read_text().splitlines(keepends=True)[:2]))
    err = only(load_ubfc(tmp_path))
    assert err.path == gt
    assert err.problem == "expected 3 lines (1: PPG, 2: HR (bpm), 3: timestamps (s)), found 2"


def test_ubfc2_non_numeric_value_names_line_and_token(tmp_path):
    folder = tmp_path / "subject1"
    write_video(folder / "vid.avi", n_frames=5)
    (folder / "ground_truth.txt").write_text(
        format_ubfc_line([0.1, 0.2, 0.3]) + "\n" + format_ubfc_line([70, 71, 72]) + "\n"
        + "   0.0000000e+00   3.3e-02   abc\n")
    err = only(load_ubfc(tmp_path))
    assert err.path == folder / "ground_truth.txt"
    assert err.problem == "line 3 (timestamps): value 3 'abc' is not a number"
    assert str(err) == f"{folder / 'ground_truth.txt'}: line 3 (timestamps): value 3 'abc' is not a number"


def test_ubfc2_nan_in_ppg(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    ppg[4] = np.nan
    write_ubfc2_recording(tmp_path, "subject1", ppg=ppg, hr=hr, times=t, n_frames=10)
    err = only(load_ubfc(tmp_path))
    assert err.path == tmp_path / "subject1" / "ground_truth.txt"
    assert err.problem == "line 1 (PPG): 1 non-finite values (first at index 4)"


def test_ubfc2_timestamps_going_backwards(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    t[6] = t[4]
    write_ubfc2_recording(tmp_path, "subject1", ppg=ppg, hr=hr, times=t, n_frames=10)
    err = only(load_ubfc(tmp_path))
    assert err.path == tmp_path / "subject1" / "ground_truth.txt"
    assert err.problem.startswith("line 3 (timestamps): timestamps do not increase at index 6")


# ---------------------------------------------------------------- UBFC DATASET_1

def test_ubfc1_gtdump_times_in_ms_used_as_given(tmp_path):
    times_ms = [1400, 1416, 1433, 1450, 1466, 1483]
    hr, spo2, ppg = [75, 75, 76, 76, 76, 77], [98, 98, 97, 98, 98, 98], [120, 135, 150, 141, 128.5, 119]
    folder = write_ubfc1_recording(tmp_path, "5-gt", times_ms=times_ms, hr=hr, spo2=spo2, ppg=ppg, n_frames=50)
    assert (folder / "gtdump.xmp").read_text().splitlines()[:2] == ["1400,75,98,120", "1416,75,98,135"]
    rec = only(load_ubfc(tmp_path))
    assert (rec.name, rec.subject, rec.condition, rec.meta["format"]) == ("5-gt", "5", "simple", "DATASET_1")
    np.testing.assert_allclose(rec.ppg_times, [1.4, 1.416, 1.433, 1.45, 1.466, 1.483], **TIGHT)
    np.testing.assert_allclose(rec.ppg, ppg, **TIGHT)
    np.testing.assert_allclose(rec.hr, hr, **TIGHT)
    np.testing.assert_allclose(rec.meta["spo2"], spo2, **TIGHT)
    np.testing.assert_array_equal(rec.hr_times, rec.ppg_times)


def test_ubfc1_bad_row(tmp_path):
    folder = tmp_path / "after-exercise"
    write_video(folder / "vid.avi", n_frames=5)
    (folder / "gtdump.xmp").write_text("0,70,98,100\n16,70,98\n")
    err = only(load_ubfc(tmp_path))
    assert err.path == folder / "gtdump.xmp"
    assert err.problem == "line 2: expected at least 4 comma-separated values, found 3"
    (folder / "gtdump.xmp").write_text("0,70,98,100\n16,70,x98,101\n")
    assert only(load_ubfc(tmp_path)).problem == "line 2: value 3 'x98' is not a number"


def test_ubfc_folder_with_both_files_is_dataset_2(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    folder = write_ubfc2_recording(tmp_path, "subject1", ppg=ppg, hr=hr, times=t, n_frames=10)
    write_gtdump(folder / "gtdump.xmp", [0, 16], [70, 70], [98, 98], [1, 2])
    rec = only(load_ubfc(tmp_path))
    assert rec.meta["format"] == "DATASET_2"
    np.testing.assert_allclose(rec.ppg, as_written(ppg), **TIGHT)


# ---------------------------------------------------------------- UBFC errors

def test_ubfc_video_without_ground_truth(tmp_path):
    write_video(tmp_path / "subject1" / "vid.avi", n_frames=5)
    err = only(load_ubfc(tmp_path))
    assert isinstance(err, RecordingError)
    assert err.path == tmp_path / "subject1"
    assert err.problem == "no ground_truth.txt or gtdump.xmp"


def test_ubfc_ground_truth_without_video(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    (tmp_path / "subject4").mkdir()
    write_ubfc2_ground_truth(tmp_path / "subject4" / "ground_truth.txt", ppg, hr, t)
    err = only(load_ubfc(tmp_path))
    assert err.path == tmp_path / "subject4" and err.problem == "no vid.avi"


def test_ubfc_follows_symlinked_recording_folders(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    real = write_ubfc2_recording(tmp_path / "elsewhere", "subject7", ppg=ppg, hr=hr, times=t, n_frames=10)
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "subject7").symlink_to(real, target_is_directory=True)
    (tmp_path / "root" / "loop").symlink_to(tmp_path / "root", target_is_directory=True)
    rec = only(load_ubfc(tmp_path / "root"))
    assert rec.name == "subject7" and rec.path == tmp_path / "root" / "subject7" / "vid.avi"


def test_ubfc_unopenable_video(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    folder = write_ubfc2_recording(tmp_path, "subject1", ppg=ppg, hr=hr, times=t, n_frames=10)
    (folder / "vid.avi").write_bytes(np.random.default_rng(0).bytes(4096))
    err = only(load_ubfc(tmp_path))
    assert err.path == folder / "vid.avi"
    assert err.problem == "OpenCV cannot open this video"


def test_ubfc_one_good_one_bad(tmp_path):
    ppg, hr, t = ubfc2_series(10)
    write_ubfc2_recording(tmp_path, "subject1", ppg=ppg, hr=hr, times=t, n_frames=10)
    write_video(tmp_path / "subject2" / "vid.avi", n_frames=5)
    good, bad = load_ubfc(tmp_path)
    assert isinstance(good, Recording) and good.name == "subject1"
    assert isinstance(bad, RecordingError) and bad.path == tmp_path / "subject2"
    loaded = load_dataset("ubfc", tmp_path)
    assert [r.name for r in loaded.recordings] == ["subject1"]
    assert [e.path for e in loaded.errors] == [bad.path]


# ---------------------------------------------------------------- PURE

T0 = 1392643993642815000           # camera clock, ns (a real PURE epoch)
FRAME_NS = [i * 33_333_000 + (i % 3) * 1_000 for i in range(20)]  # ~30 Hz with jitter
OXI_PERIOD = 16_650_000            # oximeter slightly faster than 60 Hz


def oximeter(start_ns: int, n: int, *, errors=(), missing=()) -> list[dict]:
    """n packages every OXI_PERIOD ns from start_ns; probeError at ``errors``; ``missing`` left out."""
    return [pure_package(start_ns + k * OXI_PERIOD, (k * 7) % 100, 70 + k % 5, probe_error=k in errors)
            for k in range(n) if k not in missing]


def linear_interp(x: float, xs: list[float], ys: list[float]) -> float:
    """Reference linear interpolation, NaN outside [xs[0], xs[-1]]."""
    if x < xs[0] or x > xs[-1]:
        return float("nan")
    for k in range(len(xs) - 1):
        if xs[k] <= x <= xs[k + 1]:
            w = (x - xs[k]) / (xs[k + 1] - xs[k])
            return ys[k] + w * (ys[k + 1] - ys[k])
    return ys[-1]


def test_pure_parses_frames_ground_truth_and_resampling(tmp_path):
    image_ns = [T0 + d for d in FRAME_NS]
    start = T0 - 200_000_000          # oximeter starts 0.2 s before the camera
    errors, missing = {10, 11}, {40, 41, 42, 43, 44}
    packages = oximeter(start, 90, errors=errors, missing=missing)
    write_pure_recording(tmp_path, "01-02", image_ns=image_ns, packages=packages)
    rec = only(load_pure(tmp_path))
    assert isinstance(rec, Recording)
    assert (rec.name, rec.dataset, rec.subject, rec.condition) == ("01-02", "pure", "01", "talking")
    assert rec.meta["format"] == "PURE" and rec.meta["probe_error_dropped"] == 2
    assert isinstance(rec.source, ImageSequence) and rec.path == tmp_path / "01-02" / "01-02"
    assert [p.name for p in rec.source.files] == [f"Image{ns}.png" for ns in image_ns]

    frame_times = [d / 1e9 for d in FRAME_NS]
    np.testing.assert_allclose(rec.frame_times, frame_times, **TIGHT)
    kept = [k for k in range(90) if k not in errors and k not in missing]
    times = [(-200_000_000 + k * OXI_PERIOD) / 1e9 for k in kept]
    waves = [float((k * 7) % 100) for k in kept]
    np.testing.assert_allclose(rec.ppg_times, times, **TIGHT)
    np.testing.assert_allclose(rec.ppg, waves, **TIGHT)
    np.testing.assert_allclose(rec.hr, [70.0 + k % 5 for k in kept], **TIGHT)
    np.testing.assert_array_equal(rec.hr_times, rec.ppg_times)
    expected = [linear_interp(f, times, waves) for f in frame_times]
    assert not np.isnan(expected).any()
    np.testing.assert_allclose(rec.meta["ppg_at_frames"], expected, **TIGHT)
    frames = list(rec.frames())
    assert len(frames) == 20 and frames[0].shape == (48, 64, 3)


def test_pure_ground_truth_outside_oximeter_span_is_nan(tmp_path):
    image_ns = [T0 + d for d in FRAME_NS]
    start = T0 + 50_000_000           # oximeter starts after frame 1, stops before the last frame
    write_pure_recording(tmp_path, "02-05", image_ns=image_ns, packages=oximeter(start, 30))
    rec = only(load_pure(tmp_path))
    assert rec.condition == "small_rotation"
    times = [(50_000_000 + k * OXI_PERIOD) / 1e9 for k in range(30)]
    waves = [float((k * 7) % 100) for k in range(30)]
    frame_times = [d / 1e9 for d in FRAME_NS]
    expected = [linear_interp(f, times, waves) for f in frame_times]
    got = rec.meta["ppg_at_frames"]
    np.testing.assert_array_equal(np.isnan(got), [True, True] + [False] * 14 + [True] * 4)
    np.testing.assert_allclose(got, expected, **TIGHT)  # NaNs compare equal


def test_pure_frames_sorted_by_integer_timestamp(tmp_path):
    image_ns = [9_950_000_000, 9_983_333_000, 10_016_666_000, 10_050_000_000]
    write_pure_recording(tmp_path, "03-01", image_ns=image_ns, packages=oximeter(9_900_000_000, 12))
    rec = only(load_pure(tmp_path))
    assert [p.name for p in rec.source.files] == [f"Image{ns}.png" for ns in image_ns]
    np.testing.assert_allclose(rec.frame_times, [0.0, 0.033333, 0.066666, 0.1], **TIGHT)


def test_pure_png_files_win_over_image_entries(tmp_path):
    image_ns = [T0 + d for d in FRAME_NS[:10]]
    json_ns = image_ns[1:] + [T0 + FRAME_NS[10]]      # one frame unlisted, one listed without file
    write_pure_recording(tmp_path, "01-01", image_ns=image_ns, packages=oximeter(T0, 30), json_image_ns=json_ns)
    rec = only(load_pure(tmp_path))
    assert len(rec.source.files) == 10
    assert (rec.meta["frames_not_in_json"], rec.meta["json_images_without_file"]) == (1, 1)
    np.testing.assert_allclose(rec.frame_times, [d / 1e9 for d in FRAME_NS[:10]], **TIGHT)


def test_pure_recordings_sorted_naturally_and_setups(tmp_path):
    image_ns = [T0 + d for d in FRAME_NS[:5]]
    for name in ("10-01", "02-06", "02-03", "02-04"):
        write_pure_recording(tmp_path, name, image_ns=image_ns, packages=oximeter(T0, 12))
    recs = load_pure(tmp_path)
    assert [(r.name, r.subject, r.condition) for r in recs] == [
        ("02-03", "02", "slow_translation"), ("02-04", "02", "fast_translation"),
        ("02-06", "02", "medium_rotation"), ("10-01", "10", "steady")]


def test_pure_json_without_image_entries(tmp_path):
    folder = write_pure_recording(tmp_path, "01-01", image_ns=[T0 + d for d in FRAME_NS[:5]],
                                  packages=oximeter(T0, 12), json_image_ns=[])
    err = only(load_pure(tmp_path))
    assert isinstance(err, RecordingError)
    assert err.path == folder / "01-01.json" and err.problem == "no /Image entries"


def test_pure_bad_json(tmp_path):
    folder = write_pure_recording(tmp_path, "01-01", image_ns=[T0 + d for d in FRAME_NS[:5]], packages=oximeter(T0, 12))
    (folder / "01-01.json").write_text('{"/FullPackage": [\n{"Timestamp": 1,}\n')
    err = only(load_pure(tmp_path))
    assert err.path == folder / "01-01.json"
    assert err.problem == "invalid JSON: Expecting property name enclosed in double quotes: line 2 column 17 (char 35)"


def test_pure_package_without_waveform(tmp_path):
    packages = oximeter(T0, 12)
    del packages[3]["Value"]["waveform"]
    folder = write_pure_recording(tmp_path, "01-01", image_ns=[T0 + d for d in FRAME_NS[:5]], packages=packages)
    err = only(load_pure(tmp_path))
    assert err.path == folder / "01-01.json" and err.problem == "/FullPackage entry 3: missing 'waveform'"


def test_pure_one_good_one_bad(tmp_path):
    image_ns = [T0 + d for d in FRAME_NS[:5]]
    write_pure_recording(tmp_path, "01-01", image_ns=image_ns, packages=oximeter(T0, 12))
    bad = write_pure_recording(tmp_path, "01-02", image_ns=image_ns, packages=oximeter(T0, 12))
    for png in (bad / "01-02").iterdir():
        png.unlink()
    good, err = load_pure(tmp_path)
    assert isinstance(good, Recording) and good.name == "01-01"
    assert err.path == bad / "01-02" and err.problem == "no Image<timestamp_ns>.png frames"


def test_pure_json_structure(tmp_path):
    path = write_pure_json(tmp_path / "x.json", [pure_package(5, 1, 60)], [7])
    assert json.loads(path.read_text()) == {
        "/FullPackage": [{"Timestamp": 5, "Value": {"waveform": 1, "pulseRate": 60, "o2saturation": 98,
                                                   "signalStrength": 4, "probeError": False}}],
        "/Image": [{"Timestamp": 7}]}


# ---------------------------------------------------------------- folder of videos

def test_folder_parses_avi_mp4_and_subfolders(tmp_path):
    t = [0.0, 0.034, 0.067, 0.1]
    write_folder_recording(tmp_path, "subject01_2", ppg=[0.5, -1.25, 2.0, 0.125], times=t,
                           hr=[70.5, 71, 71, 72], suffix=".mp4", n_frames=20)
    write_folder_recording(tmp_path, "subject01_10", ppg=[1, 2, 3, 4], times=t, n_frames=20)
    write_folder_recording(tmp_path / "more", "clip", ppg=[1, 2, 3, 4], times=t, hr=[60, 61, 62], n_frames=20)
    a, b, c = load_folder(tmp_path)
    assert [r.name for r in (a, b, c)] == ["more/clip", "subject01_2", "subject01_10"]
    assert (b.dataset, b.subject, b.meta["format"], b.meta["n_frames"]) == ("folder", "subject01", "folder", 20)
    assert b.path == tmp_path / "subject01_2.mp4" and isinstance(b.source, VideoFile)
    np.testing.assert_allclose(b.ppg, [0.5, -1.25, 2.0, 0.125], **TIGHT)
    np.testing.assert_allclose(b.ppg_times, t, **TIGHT)
    np.testing.assert_allclose(b.hr, [70.5, 71, 71, 72], **TIGHT)
    np.testing.assert_array_equal(b.hr_times, b.ppg_times)
    assert c.hr is None and c.meta["hr_dropped"] == "line 2 is empty"
    assert a.subject == "clip" and a.hr is None
    assert a.meta["hr_dropped"] == "line 2 (HR) has 3 values, timestamps have 4"


def test_folder_txt_layout(tmp_path):
    path = write_folder_txt(tmp_path / "x.txt", [0.5, 1.0], [0.0, 0.04])
    assert path.read_text() == "0.5 1.0\n\n0.0 0.04\n"


def test_folder_missing_txt(tmp_path):
    write_video(tmp_path / "subject3_1.avi", n_frames=5)
    err = only(load_folder(tmp_path))
    assert err.path == tmp_path / "subject3_1.avi"
    assert err.problem == "no ground truth file subject3_1.txt"


def test_folder_ppg_and_timestamp_lengths_must_match(tmp_path):
    video = write_folder_recording(tmp_path, "a", ppg=[1, 2, 3], times=[0, 0.1], n_frames=5)
    err = only(load_folder(tmp_path))
    assert err.path == video.with_suffix(".txt")
    assert err.problem == "line 1 (PPG) has 3 values but line 3 (timestamps) has 2"


def test_folder_wrong_number_of_lines_and_bad_values(tmp_path):
    video = write_folder_recording(tmp_path, "a", ppg=[1, 2, 3], times=[0, 0.1, 0.2], n_frames=5)
    txt = video.with_suffix(".txt")
    txt.write_text("1 2 3\n0 0.1 0.2\n")
    assert only(load_folder(tmp_path)).problem == \
        "expected 3 lines (1: PPG, 2: HR (optional, may be empty), 3: timestamps (s)), found 2"
    txt.write_text("1 2 3\n\n0 0.1 0,2\n")
    assert only(load_folder(tmp_path)).problem == "line 3 (timestamps): value 3 '0,2' is not a number"
    txt.write_text("1 nan 3\n\n0 0.1 0.2\n")
    assert only(load_folder(tmp_path)).problem == "line 1 (PPG): 1 non-finite values (first at index 1)"
    txt.write_text("1 2 3\n\n0 0.2 0.1\n")
    assert only(load_folder(tmp_path)).problem == \
        "line 3 (timestamps): timestamps do not increase at index 2 (0.2 -> 0.1)"


def test_folder_unopenable_video_and_good_one(tmp_path):
    write_folder_recording(tmp_path, "good", ppg=[1, 2], times=[0, 0.1], n_frames=5)
    bad = tmp_path / "bad.avi"
    bad.write_bytes(np.random.default_rng(1).bytes(2048))
    write_folder_txt(tmp_path / "bad.txt", [1, 2], [0, 0.1])
    err, good = load_folder(tmp_path)
    assert isinstance(good, Recording) and good.name == "good"
    assert err.path == bad and err.problem == "OpenCV cannot open this video"


# ---------------------------------------------------------------- dataset-level errors

LOADERS = {"ubfc": load_ubfc, "pure": load_pure, "folder": load_folder}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_missing_root(tmp_path, name):
    with pytest.raises(DatasetError, match=f"{name}: root folder {tmp_path / 'nope'} does not exist"):
        LOADERS[name](tmp_path / "nope")


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_empty_root(tmp_path, name):
    (tmp_path / "unrelated").mkdir()
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(DatasetError) as info:
        LOADERS[name](tmp_path)
    assert str(info.value).startswith(f"{name}: no ") and str(tmp_path) in str(info.value)
    assert "expected" in str(info.value)


# ---------------------------------------------------------------- helpers

def test_resample_to_frames_interpolates_inside_and_nans_outside():
    got = resample_to_frames([0.0, 10.0, 30.0], [1.0, 2.0, 4.0], [0.5, 1.0, 1.5, 3.0, 4.0, 4.5])
    np.testing.assert_array_equal(got, [np.nan, 0.0, 5.0, 20.0, 30.0, np.nan])


def test_natural_key_orders_numbers_by_value():
    names = ["subject10", "subject2", "Subject1", "01-10", "01-02"]
    assert sorted(names, key=natural_key) == ["01-02", "01-10", "Subject1", "subject2", "subject10"]
