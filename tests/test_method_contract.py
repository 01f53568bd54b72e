"""The method contract, checked on every registered method (plugins included).

One parametrized test over ``list_methods()``: on a short synthetic face clip
every method returns ``times`` strictly increasing in seconds, one value per
frame, a finite signal in [0, 1]; methods that need no trained model also
recover the easy clip's heart rate within 5 bpm.
"""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.datasets.registry import load_dataset
from rppg_bench.preprocessing.store import video_products
from rppg_bench.methods.registry import create_method, get_method_class, list_methods
from rppg_bench.metrics.evaluate import check_method_output
from rppg_bench.metrics.heart_rate import hr_estimate, hr_from_times

HR_TOLERANCE_BPM = 5.0


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """One easy and one hard synthetic clip (8 s, 320x240), generated once per session."""
    root = tmp_path_factory.mktemp("synthetic-contract")
    loaded = load_dataset("synthetic", root, seed=3, n_easy=1, n_hard=1, duration=8.0, n_pure=0)
    assert not loaded.errors, loaded.errors
    return loaded.recordings


def runnable_methods() -> list[str]:
    """Registered methods that can run without a user-supplied model file."""
    return [m for m in list_methods() if getattr(get_method_class(m), "kind", "") != "learned"]


@pytest.mark.parametrize("name", runnable_methods())
def test_method_contract_and_heart_rate(name, clips):
    for rec in clips:
        times, signal = create_method(name).extract(rec)
        n_frames = len(video_products(rec).times)
        check_method_output(times, signal, n_frames)  # raises on any contract breach
        assert np.all(np.diff(times) > 0) and times[0] >= 0
        assert signal.min() >= 0 and signal.max() <= 1
        if rec.condition != "easy":  # the hard clip checks the contract only; accuracy is the benchmark's job
            continue
        fs = 1.0 / np.median(np.diff(times))
        hr = hr_estimate(signal, fs)
        true_hr = hr_from_times(rec.ppg_times, rec.ppg)
        assert abs(hr - true_hr) < HR_TOLERANCE_BPM, f"{name} on {rec.name}: {hr:.1f} vs {true_hr:.1f} bpm"


def test_methods_share_one_decoding_pass(clips, monkeypatch):
    """Seven methods on one video decode and landmark it once."""
    import rppg_bench.preprocessing.store as face

    rec = clips[0]
    rec.products.clear()
    calls = []
    real = face.compute_products
    monkeypatch.setattr(face, "compute_products", lambda *a, **k: calls.append(1) or real(*a, **k))
    for name in runnable_methods():
        create_method(name).extract(rec)
    assert len(calls) == 1


def test_extract_accepts_a_video_path(clips):
    rec = clips[0]
    t_path, s_path = create_method("pos").extract(str(rec.path))
    t_rec, s_rec = create_method("pos").extract(rec)
    np.testing.assert_allclose(t_path, t_rec)
    np.testing.assert_allclose(s_path, s_rec)


def test_drop_in_functions_match_the_methods(clips):
    from rppg_bench.methods.api import extract_rppg_signal_chrom, extract_rppg_signal_ica

    rec = clips[0]
    for fn, name in ((extract_rppg_signal_chrom, "chrom"), (extract_rppg_signal_ica, "ica")):
        t_fn, s_fn = fn(rec.path)
        t_m, s_m = create_method(name).extract(rec)
        np.testing.assert_array_equal(t_fn, t_m)
        np.testing.assert_allclose(s_fn, s_m, atol=1e-12)


def test_video_without_face_is_a_clear_error(tmp_path):
    from rppg_bench.datasets.errors import RecordingError
    from robustness_corpus import write_faceless_video

    path = write_faceless_video(tmp_path / "wall.avi", 30)
    with pytest.raises(RecordingError, match=r"wall\.avi.*no face found in any of its 30 frames"):
        create_method("pos").extract(path)


def test_unwritable_cache_warns_and_still_scores(clips, tmp_path):
    """A full or read-only cache disk is reported and never costs a result."""
    from rppg_bench.preprocessing.params import FaceParams

    rec = clips[0]
    rec.products.clear()
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("not a folder")
    with pytest.warns(RuntimeWarning, match="cannot write cache file"):
        prod = video_products(rec, FaceParams(), cache_dir=blocker)
    assert len(prod.times) > 0


def test_entry_point_plugin_passes_the_contract(clips, tmp_path, monkeypatch):
    """A method installed by another package (entry point) meets the same contract."""
    from plugin_fixtures import write_plugin_package

    from rppg_bench.methods.registry import METHODS

    write_plugin_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    METHODS.load_entry_points(refresh=True)
    try:
        test_method_contract_and_heart_rate("greenplus", clips)
    finally:
        METHODS.remove("greenplus")
