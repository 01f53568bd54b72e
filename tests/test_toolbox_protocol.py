"""The ``toolbox`` protocol: rPPG-Toolbox's FFT heart rate bin for bin, its Haar face box, its standard errors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from scipy import signal as sps

from rppg_bench.metrics.heart_rate import COMPAT_HR_METHODS, HR_METHODS, hr_estimate
from rppg_bench.metrics.hr_stats import toolbox_errors
from rppg_bench.metrics.protocol import PROTOCOLS, get_protocol
from rppg_bench.metrics.spectra import next_power_of_2

TOOLBOX = get_protocol("toolbox")
FS = 30.0


def toolbox_hr(x: np.ndarray) -> float:
    """HR (bpm) with the ``toolbox`` preset's estimator and band."""
    return hr_estimate(x, FS, band=TOOLBOX.band, method=TOOLBOX.hr_method)


def published_post_processing_hr(x: np.ndarray, fs: float) -> float:
    """rPPG-Toolbox's published post-processing written out from its description
    (``evaluation/post_process.py``: ``_detrend(x, 100)`` with the dense
    ``(I - inv(I + lambda^2 D'D)) x``, ``butter(1, [0.75 / fs * 2, 2.5 / fs * 2])``
    + ``filtfilt``, periodogram with ``nfft`` = next power of 2, peak in 0.75-2.5 Hz)."""
    n = x.size
    d = np.zeros((n - 2, n))
    for i in range(n - 2):
        d[i, i:i + 3] = (1.0, -2.0, 1.0)
    eye = np.eye(n)
    y = (eye - np.linalg.inv(eye + 100.0 ** 2 * d.T @ d)) @ x
    b, a = sps.butter(1, [0.75 / fs * 2, 2.5 / fs * 2], btype="bandpass")
    y = sps.filtfilt(b, a, y)
    f, p = sps.periodogram(y, fs=fs, nfft=int(2 ** math.ceil(math.log2(n))), detrend=False)
    inside = (f >= 0.75) & (f <= 2.5)
    return float(f[inside][np.argmax(p[inside])] * 60)


# ----------------------------------------------------------------- preset
def test_toolbox_preset_settings():
    assert "toolbox" in PROTOCOLS
    assert TOOLBOX.band == (0.75, 2.5) and TOOLBOX.method_band == (0.75, 2.5)
    assert TOOLBOX.hr_method == "toolbox_fft" and TOOLBOX.roi == "haar_box"
    assert TOOLBOX.method_detrend_lambda == 100.0 and TOOLBOX.standard_errors
    assert PROTOCOLS["default"].roi == "mediapipe" and PROTOCOLS["default"].method_band is None
    assert "toolbox_fft" in COMPAT_HR_METHODS and "toolbox_fft" not in HR_METHODS


def test_protocol_sets_method_post_processing_unless_given():
    from rppg_bench.runner import protocol_method_params

    toolbox = get_protocol("toolbox")
    assert protocol_method_params("pos", toolbox, {}, seed=7) == {"band": (0.75, 2.5), "detrend_lambda": 100.0}
    assert protocol_method_params("pos", toolbox, {"band": (0.7, 3.0)}, seed=7)["band"] == (0.7, 3.0)  # --param wins
    assert protocol_method_params("ica", PROTOCOLS["default"], {}, seed=7) == {"seed": 7}  # only where it applies
    assert protocol_method_params("green", PROTOCOLS["default"], {}, seed=7) == {}


def test_next_power_of_2():
    assert [next_power_of_2(n) for n in (1, 2, 3, 300, 512, 513, 900, 1024)] == [1, 2, 4, 512, 512, 1024, 1024, 1024]


# --------------------------------------------------------------- FFT grid
def test_sinusoid_on_the_grid_is_exact():
    # 1024 samples at 30 Hz: nfft = 1024, bins every 30 / 1024 Hz = 1.7578125 bpm.
    # Bin 40 is 40 * 30 / 1024 = 1.171875 Hz = 70.3125 bpm.
    t = np.arange(1024) / FS
    x = np.sin(2 * np.pi * 1.171875 * t + 0.3)
    assert toolbox_hr(x) == 70.3125
    assert published_post_processing_hr(x, FS) == 70.3125


@pytest.mark.parametrize("f_hz, expected_bin", [
    (1.2, 41),     # 1.2 / (30 / 1024) = 40.96 -> bin 41 = 72.0703125 bpm (the harness's "fft" says 72.0)
    (1.095, 37),   # 37.376 -> bin 37 = 65.0390625 bpm
    (2.0, 68),     # 68.27 -> bin 68 = 119.53125 bpm
])
def test_sinusoid_between_grid_points_rounds_to_the_nearest_bin(f_hz, expected_bin):
    # 900 samples (30 s at 30 fps, a UBFC-rPPG-like length): nfft = next power of 2 = 1024,
    # so the grid is still 30 / 1024 Hz and the answer is the nearest bin, times 60.
    t = np.arange(900) / FS
    x = np.sin(2 * np.pi * f_hz * t)
    expected = expected_bin * 30.0 / 1024 * 60
    assert round(f_hz / (30.0 / 1024)) == expected_bin
    assert toolbox_hr(x) == expected
    assert published_post_processing_hr(x, FS) == expected


def test_ten_second_window_has_a_coarser_grid():
    # 300 samples -> nfft 512: bins of 30 / 512 Hz = 3.515625 bpm; 75 bpm (1.25 Hz) is bin 21.33 -> 21
    t = np.arange(300) / FS
    assert toolbox_hr(np.sin(2 * np.pi * 1.25 * t)) == 21 * 30.0 / 512 * 60  # 73.828125
    assert hr_estimate(np.sin(2 * np.pi * 1.25 * t), FS, method="fft") == pytest.approx(75.0, abs=0.1)


def test_matches_the_published_post_processing_on_noisy_pulses():
    rng = np.random.default_rng(3)
    for n, bpm in ((600, 58.0), (900, 95.0), (1100, 131.0)):
        t = np.arange(n) / FS
        phase = 2 * np.pi * bpm / 60 * t
        x = (np.sin(phase) + 0.6 * np.sin(2 * phase + 1.0) + 0.8 * rng.standard_normal(n)
             + 0.5 * t / t[-1] + 3.0)
        assert toolbox_hr(x) == pytest.approx(published_post_processing_hr(x, FS), abs=1e-9)


def test_toolbox_estimator_reports_the_harmonic_the_toolbox_reports():
    # a sharp resting PPG whose 2nd harmonic outweighs the fundamental: the toolbox reports 2x
    t = np.arange(900) / FS
    phase = 2 * np.pi * 50 / 60 * t
    x = 0.6 * np.sin(phase) + 1.0 * np.sin(2 * phase)
    assert toolbox_hr(x) == published_post_processing_hr(x, FS)
    assert toolbox_hr(x) == pytest.approx(100.0, abs=1.0)
    assert hr_estimate(x, FS, band=TOOLBOX.band, method="harmonic") == pytest.approx(50.0, abs=1.0)
    # the default (structured) asks for a 3rd harmonic before it credits the 2nd to half its rate (two
    # tones alone are as much a 100 bpm pulse with a 50 bpm disturbance); a PPG has one
    x3 = x + 0.3 * np.sin(3 * phase)
    assert toolbox_hr(x3) == pytest.approx(100.0, abs=1.0)
    assert hr_estimate(x3, FS, band=TOOLBOX.band) == pytest.approx(50.0, abs=1.0)


# ------------------------------------------------------------ standard errors
def test_toolbox_standard_errors_by_hand():
    pred = np.array([60.0, 72.0, 80.0, 90.0])
    true = np.array([62.0, 70.0, 80.0, 84.0])
    e = pred - true                                   # -2, 2, 0, 6
    out = toolbox_errors(pred, true)
    assert out["mae"] == pytest.approx(2.5)            # (2 + 2 + 0 + 6) / 4
    # |e| = 2, 2, 0, 6: population std sqrt(((-.5)^2 * 2 + 2.5^2 + 3.5^2) / 4) = sqrt(19 / 4)
    assert out["mae_se"] == pytest.approx(math.sqrt(19 / 4) / 2)
    assert out["rmse"] == pytest.approx(math.sqrt(44 / 4))
    assert out["rmse_se"] == pytest.approx(math.sqrt(np.std(e ** 2) / 2))
    assert out["mape"] == pytest.approx(100 * np.mean(np.abs(e / true)))
    assert out["mape_se"] == pytest.approx(100 * np.std(np.abs(e / true)) / 2)
    r = np.corrcoef(pred, true)[0, 1]
    assert out["pearson"] == pytest.approx(r)
    assert out["pearson_se"] == pytest.approx(math.sqrt((1 - r ** 2) / 2))
    assert math.isnan(toolbox_errors([70.0, 71.0], [70.0, 72.0])["pearson"])


# ------------------------------------------------------------- Haar face box
class FakeDetector:
    def __init__(self, faces):
        self.faces = faces

    def detectMultiScale(self, frame):
        return np.array(self.faces, dtype=np.int32).reshape(-1, 4)


def test_box_enlarged_as_the_toolbox_does(monkeypatch):
    import rppg_bench.preprocessing.haar as fh

    monkeypatch.setattr(fh, "haar_detector", lambda: FakeDetector([[10, 10, 20, 20], [100, 50, 81, 90]]))
    box, found = fh.detect_face_box(np.zeros((480, 640, 3), np.uint8))
    # widest face (81 px); x = int(100 - 0.25 * 81) = 79, y = int(50 - 0.25 * 90) = 27, w = int(121.5), h = 135
    assert found and box.tolist() == [79, 27, 121, 135]
    monkeypatch.setattr(fh, "haar_detector", lambda: FakeDetector([[5, 4, 40, 40]]))
    assert fh.detect_face_box(np.zeros((480, 640, 3), np.uint8))[0].tolist() == [0, 0, 60, 60]  # clipped at 0
    monkeypatch.setattr(fh, "haar_detector", lambda: FakeDetector([]))
    box, found = fh.detect_face_box(np.zeros((480, 640, 3), np.uint8))
    assert not found and box.tolist() == [0, 0, 720, 960]  # the toolbox's fallback [0, 0, H, W], x1.5


class ArraySource:
    """In-memory frames (a shifting face photo) for the preprocessing tests."""

    def __init__(self, frames: list[np.ndarray], fps: float = 30.0):
        self._frames, self.fps, self.path = frames, fps, Path("memory.avi")

    def frames(self):
        yield from self._frames

    def frame_times(self):
        return np.arange(len(self._frames)) / self.fps


def test_haar_products_use_the_first_frame_box_for_every_frame():
    import cv2
    import skimage.data

    from rppg_bench.datasets.recording import Recording
    from rppg_bench.preprocessing.haar import crop_box, detect_face_box
    from rppg_bench.preprocessing.kinds import compute_products
    from rppg_bench.preprocessing.params import FaceParams

    face = cv2.resize(skimage.data.astronaut(), (320, 320), interpolation=cv2.INTER_AREA)
    frames = [np.roll(face, 3 * i, axis=1) for i in range(6)]  # the face moves; the box does not
    rec = Recording(name="mem", dataset="test", source=ArraySource(frames), ppg=np.zeros(6),
                    ppg_times=np.arange(6) / 30.0)
    prod = compute_products(rec, FaceParams(roi="haar_box"))
    box, found = detect_face_box(frames[0])
    assert found and prod.face_found.all()
    assert prod.rgb.shape == (6, 3) and prod.crops is None
    x, y, w, h = box.tolist()
    assert (prod.boxes == [x, y, x + w, y + h]).all()
    for i in (0, 5):
        expected = crop_box(frames[i], box, 72).reshape(-1, 3).mean(axis=0)
        assert np.allclose(prod.rgb[i], expected)
    with_crops = compute_products(rec, FaceParams(roi="haar_box", crop_size=64))
    assert with_crops.crops.shape == (6, 64, 64, 3) and np.allclose(with_crops.rgb, prod.rgb)


def test_unknown_roi_is_refused():
    from rppg_bench.preprocessing.params import FaceParams

    with pytest.raises(ValueError, match="unknown face roi"):
        FaceParams(roi="dlib")


def test_products_of_both_rois_are_memoised_apart():
    from rppg_bench.preprocessing.params import FaceParams
    from rppg_bench.preprocessing.store import cached_products

    class Rec:
        products: ClassVar[dict] = {FaceParams(roi="haar_box"): "haar"}

    assert cached_products(Rec, FaceParams()) is None
    assert cached_products(Rec, FaceParams(roi="haar_box")) == "haar"
    Rec.products[FaceParams()] = "mediapipe"
    assert cached_products(Rec, FaceParams()) == "mediapipe"


# ------------------------------------------------------------- end to end
def test_toolbox_protocol_end_to_end(tmp_path):
    import json

    import pandas as pd

    from rppg_bench import cli as benchmark
    from rppg_bench.datasets.synthetic import generate_synthetic

    root = generate_synthetic(tmp_path / "data", seed=2, n_easy=1, n_hard=0, duration=8.0)
    out = tmp_path / "run"
    rc = benchmark.main(["--datasets", f"ubfc={root / 'ubfc'}", "--methods", "pos", "green", "--protocol",
                         "toolbox", "--param", "green.band=(0.7, 3.0)", "--quiet", "--no-cache", "--out", str(out)])
    assert rc == 0
    record = json.loads((out / "results.json").read_text())["record"]
    assert record["protocol"]["name"] == "toolbox" and record["protocol"]["roi"] == "haar_box"
    assert record["methods"]["pos"]["band"] == [0.75, 2.5] and record["methods"]["pos"]["detrend_lambda"] == 100.0
    assert record["methods"]["green"]["band"] == [0.7, 3.0]  # given with --param: kept
    rows = pd.read_csv(out / "results.csv")
    assert (rows["status"] == "ok").all()
    # 8 s at 30 fps: 240 samples -> nfft 256, every HR on the 30 / 256 Hz grid (7.03125 bpm)
    step = 60 * 30.0 / 256
    for hr in pd.concat([rows["hr_pred"], rows["hr_true"]]):
        assert hr / step == pytest.approx(round(hr / step), abs=1e-6)
    summary = (out / "summary.md").read_text()
    assert "rPPG-Toolbox formulas" in summary and "±" in summary
