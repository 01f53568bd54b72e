"""The synthetic default dataset: formats, determinism, pulse in the video, PPG model, cache."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import cv2
import numpy as np
import pytest
from scipy.signal import find_peaks

from rppg_bench.cache import CACHE_ENV
from rppg_bench.datasets import synthetic
from rppg_bench.datasets.ppg_model import ppg_waveform, simulate_pulse
from rppg_bench.datasets.recording import Recording
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.datasets.selection import parse_where, select_recordings
from rppg_bench.datasets.synthetic import (
    SyntheticParams,
    generate_synthetic,
    load_synthetic,
    read_scene_truth,
)
from rppg_bench.methods.pos import pos_pulse
from rppg_bench.metrics.heart_rate import hr_estimate
from rppg_bench.metrics.signal import signal_bandpass, signal_detrend

# one easy UBFC clip, one hard UBFC clip, one hard PURE session
SMALL = dict(seed=0, n_easy=1, n_hard=2, duration=7.0, fps=30.0, size=(240, 180))
NAMES = ["easy-subject1", "hard-subject2", "hard-03-03"]
UBFC_NUMBER = r"\s+-?\d\.\d{7}e[+-]\d{2}"


@pytest.fixture(scope="module")
def synth_root(tmp_path_factory) -> Path:
    return generate_synthetic(tmp_path_factory.mktemp("synth") / "set", **SMALL)


@pytest.fixture(scope="module")
def recordings(synth_root) -> list[Recording]:
    recs = load_synthetic(synth_root, **SMALL)
    assert all(isinstance(r, Recording) for r in recs), recs
    return recs


def file_digests(root: Path) -> dict[str, str]:
    """sha256 of every file under ``root`` but the videos (compared decoded)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".avi"}


def decoded_frames(video: Path) -> np.ndarray:
    cap = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(frame)
    cap.release()
    return np.stack(frames)


def parse_ubfc_ground_truth(path: Path) -> list[np.ndarray]:
    lines = path.read_text().splitlines()
    assert len(lines) == 3
    for line in lines:
        assert re.fullmatch(f"({UBFC_NUMBER})+", line), line[:80]
    return [np.array([float(v) for v in line.split()]) for line in lines]


# ------------------------------------------------------------------ loading
def test_loads_every_recording_with_names_conditions_and_truth(recordings, synth_root):
    assert [r.name for r in recordings] == NAMES
    assert [r.condition for r in recordings] == ["easy", "hard", "hard"]
    assert [r.subject for r in recordings] == ["01", "02", "03"]
    assert {r.dataset for r in recordings} == {"synthetic"}
    assert [r.meta["layout"] for r in recordings] == ["ubfc", "ubfc", "pure"]
    assert [r.labels["scenario"] for r in recordings] == ["none"] + [r.meta["scenario"] for r in recordings[1:]]
    assert {r.labels["scenario"] for r in recordings[1:]} <= set(synthetic.HARD_SCENARIOS)
    for rec in recordings:
        assert rec.meta["n_frames"] == 210 and len(rec.frame_times) == 210
        low, high = synthetic.DIFFICULTIES[rec.condition].pulse_amplitude
        assert 0.003 <= low <= rec.meta["pulse_amplitude"] <= high <= 0.015  # green, DESIGN's 0.3-1.5 %
        amplitudes = np.array(rec.meta["pulse_amplitude_rgb"])
        signature = np.array(synthetic.BVP_SIGNATURE)
        assert np.allclose(amplitudes, rec.meta["pulse_amplitude"] * signature / signature[1])
        truth = read_scene_truth(rec.meta["truth_path"])
        assert truth.affines.shape == (210, 2, 3) and truth.size == (240, 180)
        assert rec.meta["hr_min_bpm"] <= rec.meta["hr_mean_bpm"] <= rec.meta["hr_max_bpm"]
        assert rec.meta["hr_max_bpm"] > rec.meta["hr_min_bpm"]  # beat-to-beat variability
    manifest = json.loads((synth_root / "manifest.json").read_text())
    assert manifest["params"] == SyntheticParams(**SMALL).as_dict()
    assert manifest["key"].startswith(synthetic.GENERATOR_VERSION + "-")


def test_where_selects_the_recordings_of_one_scenario(recordings):
    """``--where scenario=...`` picks the hard recordings of one disturbance (e.g. the camera's gain
    hunting, where GREEN, ICA and PBV fail: docs/hr-estimators.md, "The confidence on video")."""
    scenario = recordings[1].labels["scenario"]
    chosen = select_recordings(recordings, parse_where([f"scenario={scenario}"]))
    assert [r.name for r in chosen] == [r.name for r in recordings if r.labels["scenario"] == scenario]
    assert [r.name for r in select_recordings(recordings, parse_where(["scenario=none"]))] == ["easy-subject1"]


def test_ubfc_ground_truth_exact_format(synth_root):
    for folder in ("subject1", "subject2"):
        ppg, hr, times = parse_ubfc_ground_truth(synth_root / "ubfc" / folder / "ground_truth.txt")
        assert ppg.size == hr.size == times.size == 210
        assert np.allclose(times, np.arange(210) / 30.0, atol=1e-7)
        assert abs(ppg.mean()) < 1e-6 and ppg.std() == pytest.approx(1.0, abs=1e-6)  # z-scored
        assert np.all((hr > 40) & (hr < 130))
        assert decoded_frames(synth_root / "ubfc" / folder / "vid.avi").shape == (210, 180, 240, 3)


def test_pure_session_exact_format(synth_root):
    folder = synth_root / "pure" / "03-03"
    data = json.loads((folder / "03-03.json").read_text())
    assert set(data) == {"/FullPackage", "/Image"}
    image_ns = [entry["Timestamp"] for entry in data["/Image"]]
    assert all(type(t) is int for t in image_ns) and image_ns[0] > 1_390_000_000 * 10**9
    files = sorted(folder.joinpath("03-03").iterdir())
    assert sorted(f"Image{t}.png" for t in image_ns) == [f.name for f in files]
    frame_steps = np.diff(np.array(image_ns)) / 1e9
    assert np.all(np.abs(frame_steps - 1 / 30) < 0.01) and frame_steps.std() > 0  # jittered
    samples = data["/FullPackage"]
    for entry in samples:
        assert set(entry) == {"Timestamp", "Value"} and type(entry["Timestamp"]) is int
        value = entry["Value"]
        assert set(value) == {"waveform", "pulseRate", "o2saturation", "signalStrength", "probeError"}
        assert all(type(value[k]) is int for k in ("waveform", "pulseRate", "o2saturation", "signalStrength"))
        assert value["probeError"] is False and 0 <= value["waveform"] <= 255
    ox_ns = np.array([entry["Timestamp"] for entry in samples])
    lead = (image_ns[0] - ox_ns[0]) / 1e9
    assert 0.2 <= lead <= 0.4 and ox_ns[-1] > image_ns[-1]
    rate = (ox_ns.size - 1) / ((ox_ns[-1] - ox_ns[0]) / 1e9)
    assert 59.0 < rate < 60.5 and rate != 60.0
    frame = cv2.imread(str(files[0]), cv2.IMREAD_UNCHANGED)
    assert frame.shape == (180, 240, 3) and frame.dtype == np.uint8


# ------------------------------------------------------------- determinism
def test_same_seed_same_files_other_seed_other_files(synth_root, tmp_path):
    again = generate_synthetic(tmp_path / "again", **SMALL, jobs=1)  # the fixture used 2 threads
    digests = file_digests(synth_root)
    assert any(name.endswith(".png") for name in digests)
    assert file_digests(again) == digests
    for folder in ("subject1", "subject2"):
        video = Path("ubfc") / folder / "vid.avi"
        assert np.array_equal(decoded_frames(again / video), decoded_frames(synth_root / video))

    other = generate_synthetic(tmp_path / "other", **{**SMALL, "seed": 1, "n_hard": 0})
    gt = Path("ubfc/subject1/ground_truth.txt")
    assert (other / gt).read_bytes() != (synth_root / gt).read_bytes()
    frames_0 = decoded_frames(synth_root / "ubfc/subject1/vid.avi")
    frames_1 = decoded_frames(other / "ubfc/subject1/vid.avi")
    assert not np.array_equal(frames_0, frames_1)


# ------------------------------------------- breathing and beats in the ground truth
def test_truth_holds_the_breathing_and_the_beats(recordings):
    """The respiration reference is the breathing at the manifest's rate (a sinusoid of it, on the
    recording's clock), and the beat onsets' intervals are the inter-beat intervals the HR truth says."""
    for rec in recordings:
        truth = read_scene_truth(rec.meta["truth_path"])
        np.testing.assert_allclose(rec.respiration_times, rec.frame_times, atol=1e-6)
        np.testing.assert_array_equal(rec.respiration, truth.respiration)
        t = rec.respiration_times
        phase = 2 * np.pi * rec.meta["respiration_hz"] * t
        basis = np.column_stack([np.sin(phase), np.cos(phase)])
        fit, *_ = np.linalg.lstsq(basis, rec.respiration, rcond=None)
        assert np.abs(basis @ fit - rec.respiration).max() < 1e-9 and np.hypot(*fit) == pytest.approx(1.0)
        beat = np.searchsorted(truth.beat_onsets, truth.frame_times, side="right") - 1
        np.testing.assert_allclose(60.0 / np.diff(truth.beat_onsets)[beat], truth.hr)


def test_default_breathing_is_strong_enough_to_be_read(recordings):
    """Generator 5: every recording breathes at 12-18 breaths/min with 3-5 bpm of sinus arrhythmia and
    a 15 % modulation of the beat height (what breathing-rate estimation from a 20 s pulse needs)."""
    for rec in recordings:
        assert 12.0 <= 60 * rec.meta["respiration_hz"] <= 18.0
        assert 3.0 <= rec.meta["variability"]["rsa_bpm"] <= 5.0
        assert rec.meta["breathing_modulation"] == 0.15


def test_truth_files_without_breathing_still_load(synth_root, tmp_path):
    """Sets generated before the respiration was written (generator 3) load, with the reason."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(synth_root, old)
    for path in (old / "truth").glob("*.npz"):
        with np.load(path) as data:
            kept = {k: data[k] for k in data.files if k not in ("respiration", "beat_onsets")}
        np.savez_compressed(path, **kept)
    recs = load_synthetic(old, **SMALL)
    assert [r.name for r in recs] == NAMES
    assert all(r.respiration is None and "no respiration" in r.meta["respiration_dropped"] for r in recs)
    assert read_scene_truth(recs[0].meta["truth_path"]).beat_onsets is None


def test_breathing_overrides_are_absent_from_the_default_parameters():
    """Left out of the default parameters (so the files and manifest are those of sets made before the
    overrides existed); given, they change the cache key."""
    params = SyntheticParams(**SMALL)
    assert "rsa_bpm" not in params.as_dict() and "breathing_modulation" not in params.as_dict()
    stronger = SyntheticParams(**SMALL, rsa_bpm=4, breathing_modulation=0.15)
    assert stronger.as_dict()["rsa_bpm"] == 4.0 and stronger.key() != params.key()
    with pytest.raises(ValueError, match="breathing_modulation must be >= 0"):
        SyntheticParams(**SMALL, breathing_modulation=-0.1)


# ------------------------------------------------------ the pulse is in the video
def skin_rgb_trace(rec: Recording) -> np.ndarray:
    """Mean RGB (N, 3) over the true skin region of each decoded frame (mask warped as rendered)."""
    truth = read_scene_truth(rec.meta["truth_path"])
    return np.array([frame[truth.frame_mask(i) > 0.5].mean(axis=0) for i, frame in enumerate(rec.frames())])


@pytest.mark.parametrize("index", range(len(NAMES)), ids=NAMES)
def test_video_carries_the_heart_rate(recordings, index):
    rec = recordings[index]
    rgb = skin_rgb_trace(rec)
    fps = 1.0 / np.median(np.diff(rec.frame_times))
    ppg = np.interp(rec.frame_times, rec.ppg_times, rec.ppg)
    hr_truth = hr_estimate(ppg, fps, method="fft")
    assert hr_truth == pytest.approx(rec.meta["hr_mean_bpm"], abs=3.0)
    pos = pos_pulse(rgb, fps)
    assert hr_estimate(pos, fps, method="fft") == pytest.approx(hr_truth, abs=3.0)
    # skin darkens as blood volume rises: green falls when the PPG rises (in the hard clips gain
    # hunting and the side lamp move green too, so there POS, which removes them, is checked)
    pulse = rgb[:, 1] if rec.condition == "easy" else pos
    pulse = signal_bandpass(signal_detrend(pulse), fps)
    assert np.corrcoef(pulse, signal_bandpass(signal_detrend(ppg), fps))[0, 1] < -0.3


def test_pulse_amplitude_matches_the_manifest(recordings):
    rec = recordings[0]  # easy: still head, constant light
    truth = read_scene_truth(rec.meta["truth_path"])
    rgb = skin_rgb_trace(rec)
    relative = (rgb - rgb.mean(axis=0)) / rgb.mean(axis=0)
    slope = np.linalg.lstsq(np.c_[truth.ppg, np.ones_like(truth.ppg)], relative, rcond=None)[0][0]
    # -slope per unit PPG ~ amplitude x signature x mean spatial gain (soft mask edges lower it)
    expected = np.array(rec.meta["pulse_amplitude_rgb"])
    assert np.all(-slope > 0.5 * expected) and np.all(-slope < 1.5 * expected)


def test_truth_light_explains_the_skin_brightness(recordings):
    """The scene truth rebuilds the light on the skin: uniform in the easy clips; in the hard ones
    the side lamp (seen through the moving head) and the global gains move the skin's mean colour
    exactly as the truth's illumination says."""
    easy = read_scene_truth(recordings[0].meta["truth_path"])
    assert easy.illumination(0) is None and np.all(easy.light == easy.light[0])
    for rec in recordings[1:]:
        truth = read_scene_truth(rec.meta["truth_path"])
        observed, predicted = [], []
        for i, frame in enumerate(rec.frames()):
            mask = truth.frame_mask(i) > 0.5
            observed.append(frame[mask].mean(axis=0))
            predicted.append((truth.illumination(i)[mask] * truth.light[i]).mean(axis=0))
        observed, predicted = np.array(observed), np.array(predicted)
        assert np.ptp(predicted / predicted.mean(axis=0), axis=0).min() > 0.02  # the light changes
        for channel in range(3):
            assert np.corrcoef(observed[:, channel], predicted[:, channel])[0, 1] > 0.9, rec.name
        entry = rec.meta
        level = synthetic.DIFFICULTIES["hard"]
        assert level.key_share[0] <= entry["illumination"]["key_share"] <= level.key_share[1]
        assert entry["motion"]["episodes"] and entry["noise_sd"] >= level.noise_sd[0]


# ---------------------------------------------------------------- PPG model
def test_ppg_has_systolic_peak_dicrotic_notch_and_variable_beats():
    fs = 250.0
    times, ppg = ppg_waveform(duration=20.0, fs=fs, hr_bpm=70.0, seed=3)
    assert times.shape == ppg.shape == (5000,) and abs(ppg.mean()) < 0.1
    assert 0.8 < np.ptp(ppg) < 1.5
    peaks, _ = find_peaks(ppg, prominence=0.5, distance=int(0.4 * fs))
    assert 20 <= peaks.size <= 27
    for a, b in zip(peaks[:-1], peaks[1:]):
        beat = ppg[a:b + 1]
        minima = np.flatnonzero((beat[1:-1] < beat[:-2]) & (beat[1:-1] <= beat[2:]))
        assert minima.size >= 2, "expected the dicrotic notch and the diastolic trough"
        notch = beat[minima[0] + 1]
        assert notch > beat.min() + 0.1  # the notch sits above the trough
    rr = np.diff(peaks) / fs
    assert rr.std() > 0.01 and np.all(np.abs(60 / rr - 70) < 12)


def test_heart_rate_truth_is_sixty_over_each_rr_interval():
    model = simulate_pulse(0.0, 30.0, 80.0, np.random.default_rng(5))
    rr = np.diff(model.onsets)
    mid_beat = model.onsets[:-1] + rr / 2
    inside = (mid_beat >= 0) & (mid_beat <= 30)
    assert np.allclose(model.hr(mid_beat[inside]), 60.0 / rr[inside])
    assert len(set(np.round(rr, 6))) == rr.size  # no two beats alike
    assert abs(model.hr(np.linspace(0, 29.9, 300)).mean() - 80) < 6


def test_ppg_waveform_is_deterministic_for_a_seed():
    assert np.array_equal(ppg_waveform(5.0, 30.0, 72.0, seed=1)[1], ppg_waveform(5.0, 30.0, 72.0, seed=1)[1])
    assert not np.array_equal(ppg_waveform(5.0, 30.0, 72.0, seed=1)[1], ppg_waveform(5.0, 30.0, 72.0, seed=2)[1])


# -------------------------------------------------------------------- cache
TINY = dict(seed=4, n_easy=1, n_hard=0, duration=3.0, fps=30.0, size=(96, 72))


@pytest.fixture
def counted_generator(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    calls = []
    real = synthetic.generate_synthetic

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(synthetic, "generate_synthetic", counting)
    return calls


def test_cache_generates_once_then_reuses(counted_generator, tmp_path):
    target = tmp_path / "cache" / "synthetic" / SyntheticParams(**TINY).key()
    stale = target.parent / f".{target.name}.tmp-killed"  # left by a killed run
    stale.mkdir(parents=True)
    os.utime(stale, (0, 0))
    first = load_synthetic(**TINY)
    assert (target / "manifest.json").is_file() and len(counted_generator) == 1
    mtime = (target / "manifest.json").stat().st_mtime_ns
    second = load_synthetic(**TINY)
    via_registry = load_dataset("synthetic", **TINY)
    assert len(counted_generator) == 1 and (target / "manifest.json").stat().st_mtime_ns == mtime
    assert [r.name for r in first] == [r.name for r in second] == ["easy-subject1"]
    assert [r.name for r in via_registry.recordings] == ["easy-subject1"]
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # temporaries gone
    load_synthetic(**{**TINY, "seed": 5})
    assert len(counted_generator) == 2 and len(list(target.parent.iterdir())) == 2


def test_interrupted_generation_leaves_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))

    def crash(out_dir, **kwargs):
        Path(out_dir, "ubfc").mkdir(parents=True)
        raise KeyboardInterrupt

    monkeypatch.setattr(synthetic, "generate_synthetic", crash)
    with pytest.raises(KeyboardInterrupt):
        load_synthetic(**TINY)
    assert list((tmp_path / "cache" / "synthetic").iterdir()) == []


def test_explicit_root_is_generated_when_empty_and_rejected_when_foreign(tmp_path):
    empty = tmp_path / "mine"
    empty.mkdir()
    assert [r.name for r in load_synthetic(empty, **TINY)] == ["easy-subject1"]
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("not a synthetic set")
    with pytest.raises(synthetic.DatasetError):
        load_synthetic(foreign, **TINY)
    with pytest.warns(UserWarning, match="seed"):
        load_synthetic(empty, **{**TINY, "seed": 9})
