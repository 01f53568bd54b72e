"""The seven classical methods on synthetic RGB traces (no video, fast).

Traces follow the skin model: a skin colour times ``1 + amplitude * pulse *
Pbv`` (Pbv the blood-volume pulse signature, de Haan & van Leest 2014), times
a slow illumination drift common to all channels, plus sensor noise.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import fields, is_dataclass

import numpy as np
import pytest

from rppg_bench.methods.base import ClassicalMethod
from rppg_bench.methods.chrom import CHROM
from rppg_bench.methods.green import Green
from rppg_bench.methods.ica import ICA
from rppg_bench.methods.lgi import LGI
from rppg_bench.methods.omit import OMIT
from rppg_bench.methods.pbv import PBV
from rppg_bench.methods.pos import POS
from rppg_bench.methods.registry import get_method_class
from rppg_bench.metrics.signal import signal_postprocess

FPS = 30.0
SKIN = np.array([180.0, 120.0, 100.0])
PBV_SIGNATURE = np.array([0.33, 0.77, 0.53]) / np.linalg.norm([0.33, 0.77, 0.53])
METHODS = [Green, ICA, CHROM, POS, LGI, PBV, OMIT]
ids = [m.name for m in METHODS]


def ppg_wave(t: np.ndarray, hr_bpm: float) -> np.ndarray:
    """A PPG-like waveform (systolic peak, dicrotic wave), zero mean, unit std."""
    phase = (t * hr_bpm / 60.0) % 1.0
    w = np.exp(-0.5 * ((phase - 0.2) / 0.07) ** 2) + 0.4 * np.exp(-0.5 * ((phase - 0.5) / 0.1) ** 2)
    return (w - w.mean()) / w.std()


def synthetic_rgb(hr_bpm: float, seconds: float = 20.0, amplitude: float = 0.007,
                  drift: float = 0.05, flicker: float = 0.0, flicker_hz: float = 1.8,
                  noise: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean skin RGB trace (N, 3) at FPS Hz, and the pulse waveform (N,) it carries."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * FPS)) / FPS
    pulse = ppg_wave(t, hr_bpm)
    light = (1.0 + drift * np.sin(2 * np.pi * 0.05 * t + 0.3)) \
        * (1.0 + flicker * np.sin(2 * np.pi * flicker_hz * t))
    rgb = SKIN * (1.0 + amplitude * pulse[:, None] * PBV_SIGNATURE) * light[:, None]
    return rgb + rng.normal(0.0, noise, rgb.shape), pulse


def peak_bpm(x: np.ndarray, fps: float = FPS, band: tuple[float, float] = (0.7, 3.0)) -> float:
    """Frequency of the largest spectral peak of ``x`` inside ``band``, in bpm (zero-padded FFT)."""
    n = 8 * x.size
    power = np.abs(np.fft.rfft(x - x.mean(), n)) ** 2
    freqs = np.fft.rfftfreq(n, 1.0 / fps)
    inside = (freqs >= band[0]) & (freqs <= band[1])
    return 60.0 * freqs[inside][np.argmax(power[inside])]


@pytest.mark.parametrize("cls", METHODS, ids=ids)
@pytest.mark.parametrize("hr", [66.0, 102.0])
def test_pulse_recovers_heart_rate(cls, hr):
    rgb, _ = synthetic_rgb(hr, seed=int(hr))
    raw = cls().pulse(rgb, FPS)
    assert raw.shape == (rgb.shape[0],)
    assert np.all(np.isfinite(raw))
    assert abs(peak_bpm(signal_postprocess(raw, FPS)) - hr) < 3.0


@pytest.mark.parametrize("cls", METHODS, ids=ids)
def test_pulse_sign_follows_green(cls):
    """Convention: every pulse rises with the skin's reflected green light."""
    rgb, truth = synthetic_rgb(72.0, seed=3)
    out = signal_postprocess(cls().pulse(rgb, FPS), FPS)
    assert np.corrcoef(out, signal_postprocess(truth, FPS))[0, 1] > 0.5


@pytest.mark.parametrize("cls", METHODS, ids=ids)
def test_degenerate_inputs_stay_finite(cls):
    for rgb in (np.full((300, 3), 128.0), np.zeros((300, 3)), np.ones((20, 3)) * [1, 2, 3]):
        out = cls().pulse(rgb, FPS)
        assert out.shape == (rgb.shape[0],) and np.all(np.isfinite(out))


@pytest.mark.parametrize("cls", METHODS, ids=ids)
def test_short_trace(cls):
    rgb, _ = synthetic_rgb(80.0, seconds=1.0)
    out = cls().pulse(rgb, FPS)
    assert out.shape == (30,) and np.all(np.isfinite(out))


@pytest.mark.parametrize("cls", METHODS, ids=ids)
def test_rejects_bad_input(cls):
    with pytest.raises(ValueError):
        cls().pulse(np.ones((100, 4)), FPS)
    with pytest.raises(ValueError):
        cls().pulse(np.ones((100, 3)), 0.0)


@pytest.mark.parametrize("cls", METHODS, ids=ids)
def test_contract(cls):
    assert is_dataclass(cls) and issubclass(cls, ClassicalMethod)
    assert cls.kind == "classical"
    assert get_method_class(cls.name) is cls
    assert "doi" in cls.paper.lower()
    module = importlib.import_module(cls.__module__)
    assert "doi" in (module.__doc__ or "").lower()
    params = cls.parameters()
    assert params and {f.name for f in fields(cls)} == set(params)


@pytest.mark.parametrize("cls, expected", [
    (POS, {"window": 1.6}),
    (CHROM, {"window": 1.6}),
    (ICA, {"n_components": 3, "seed": 0}),
    (PBV, {"signature": None, "window": None}),
    (LGI, {"window": None}),
    (OMIT, {"window": None}),
])
def test_paper_defaults(cls, expected):
    params = cls.parameters()
    for key, value in expected.items():
        assert params[key] == value


def test_ica_is_deterministic_for_a_seed():
    rgb, _ = synthetic_rgb(90.0, seed=7)
    a, b = ICA(seed=1).pulse(rgb, FPS), ICA(seed=1).pulse(rgb, FPS)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", [CHROM, POS], ids=["chrom", "pos"])
def test_common_mode_flicker_is_suppressed(cls):
    """A 10 % flicker at 1.8 Hz on all channels dwarfs the 0.7 % pulse at 1.1 Hz."""
    rgb, _ = synthetic_rgb(66.0, flicker=0.10, flicker_hz=1.8, seed=11)
    assert abs(peak_bpm(signal_postprocess(cls().pulse(rgb, FPS), FPS)) - 66.0) < 3.0


def test_flicker_defeats_green():
    """Sanity check that the flicker test is hard: the green channel locks onto the flicker."""
    rgb, _ = synthetic_rgb(66.0, flicker=0.10, flicker_hz=1.8, seed=11)
    assert abs(peak_bpm(signal_postprocess(Green().pulse(rgb, FPS), FPS)) - 108.0) < 3.0


@pytest.mark.parametrize("cls", [LGI, PBV, OMIT], ids=["lgi", "pbv", "omit"])
def test_windowed_variants(cls):
    rgb, _ = synthetic_rgb(84.0, seed=5)
    out = cls(window=6.0).pulse(rgb, FPS)
    assert out.shape == (rgb.shape[0],) and np.all(np.isfinite(out))
    assert abs(peak_bpm(signal_postprocess(out, FPS)) - 84.0) < 3.0


def test_pbv_fixed_signature():
    rgb, _ = synthetic_rgb(78.0, seed=9)
    out = PBV(signature=(0.33, 0.77, 0.53)).pulse(rgb, FPS)
    assert abs(peak_bpm(signal_postprocess(out, FPS)) - 78.0) < 3.0


@pytest.mark.parametrize("cls", METHODS, ids=ids)
def test_one_minute_trace_is_fast(cls):
    rgb, _ = synthetic_rgb(70.0, seconds=60.0)
    method = cls()
    method.pulse(rgb, FPS)  # warm-up (imports, BLAS threads)
    best = min(_timed(method, rgb) for _ in range(3))
    assert best < 0.05, f"{cls.name}: {best * 1e3:.1f} ms for 1 min at 30 fps"


def _timed(method, rgb) -> float:
    t0 = time.perf_counter()
    method.pulse(rgb, FPS)
    return time.perf_counter() - t0


def test_hann_overlap_add_reconstructs_zero_mean_windows():
    from rppg_bench.methods.windows import hann_overlap_add

    n, length = 500, 48
    x = np.sin(2 * np.pi * np.arange(n) * 2 / length)[:, None]  # 2 periods per window
    out = hann_overlap_add(lambda w: w[..., 0], x, length)
    assert out.shape == (n,)
    inner = slice(length, n - length)  # away from the mirrored ends
    np.testing.assert_allclose(out[inner], x[inner, 0], atol=1e-12)


def test_overlap_add_matches_a_loop():
    from rppg_bench.methods.windows import overlap_add

    rng = np.random.default_rng(0)
    seg, starts = rng.normal(size=(7, 5)), np.array([0, 1, 2, 4, 8, 9, 10])
    expected = np.zeros(15)
    for s, start in zip(seg, starts):
        expected[start:start + 5] += s
    np.testing.assert_allclose(overlap_add(seg, starts, 15), expected)
