"""The method contract (``rppg_bench.testing``), checked on every registered method (plugins included).

One parametrized test over ``list_methods()``: on a short synthetic face clip
every method returns ``times`` strictly increasing in seconds, one value per
frame, a finite signal in [0, 1]; methods that need no trained model also
recover the easy clip's heart rate within 5 bpm. Learned methods meet the same
contract with a tiny model: ``resnet`` with a checkpoint trained one step on a
1-s clip (contract only: its weights know no pulse); open-rppg's models in
``tests/test_open_rppg.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.methods.registry import (
    METHODS,
    create_method,
    get_method_class,
    list_methods,
)
from rppg_bench.preprocessing.store import video_products
from rppg_bench.testing import (
    check_extract_output,
    check_method_contract,
    synthetic_contract_clips,
)

#: where open-rppg's models are registered from; tests/test_open_rppg.py runs two of them through the contract
OPEN_RPPG_SOURCE = "rppg_bench.methods.open_rppg:"


@pytest.fixture(scope="session")
def clips(tmp_path_factory):
    """One easy and one hard synthetic clip (8 s, 320x240), generated once per session."""
    return synthetic_contract_clips(tmp_path_factory.mktemp("synthetic-contract"))


@pytest.fixture(scope="module")
def resnet_params(tmp_path_factory, torch_one_thread):
    """``resnet``'s parameters for a checkpoint (64 px, 16-frame clips) trained one step on a 1-s face clip."""
    from plugin_fixtures import write_face_clip

    from rppg_bench.datasets.registry import load_dataset
    from rppg_bench.methods.resnet import train

    root = tmp_path_factory.mktemp("resnet-clip")
    write_face_clip(root, "subject1_still", seconds=1.0)
    recordings = load_dataset("folder", root).recordings
    checkpoint = train(None, epochs=1, batch=4, frames=16, size=64, recordings=recordings, device="cpu",
                       out_dir=tmp_path_factory.mktemp("resnet-run"), progress=False)
    return {"model": str(checkpoint)}


#: learned methods run here with a tiny model: name -> the fixture giving its parameters
LEARNED_CASES = {"resnet": "resnet_params"}


def runnable_methods() -> list[str]:
    """Registered methods that can run without a user-supplied model file."""
    return [m for m in list_methods() if getattr(get_method_class(m), "kind", "") != "learned"]


@pytest.mark.parametrize("name", runnable_methods())
def test_method_contract_and_heart_rate(name, clips):
    check_method_contract(name, clips)  # raises AssertionError on any contract breach


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LEARNED_CASES))
def test_learned_method_contract(name, clips, request):
    pytest.importorskip("torch")
    method = create_method(name, **request.getfixturevalue(LEARNED_CASES[name]))
    check_method_contract(method, clips, heart_rate=False)


def test_every_learned_method_is_checked():
    """A new built-in learned method needs a tiny-model case here (open-rppg's: test_open_rppg.py)."""
    learned = [m for m in list_methods() if getattr(get_method_class(m), "kind", "") == "learned"
               and METHODS.source(m).startswith("rppg_bench.")]
    assert {m for m in learned if not METHODS.source(m).startswith(OPEN_RPPG_SOURCE)} <= set(LEARNED_CASES)


def test_the_contract_rejects_broken_outputs():
    t = np.arange(10) / 30.0
    s = np.linspace(0, 1, 10)
    check_extract_output(t, s, 10)
    broken = {"values for 11 frames": (t, s, 11), "strictly increase at index 3": (np.r_[t[:3], t[:7]], s, 10),
              "normalised to \\[0, 1\\]": (t, 2 * s, 10), "non-finite": (t, np.r_[s[:9], np.nan], 10),
              "plausible frame interval": (np.arange(10) * 33.3, s, 10), "start at or after 0": (t - 1, s, 10),
              "times has 9 values but signal has 10": (t[:9], s, None)}
    for message, (times, signal, n) in broken.items():
        with pytest.raises(AssertionError, match=message):
            check_extract_output(times, signal, n, where="test")


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
    from rppg_bench.methods.api import (
        extract_rppg_signal_chrom,
        extract_rppg_signal_ica,
    )

    rec = clips[0]
    for fn, name in ((extract_rppg_signal_chrom, "chrom"), (extract_rppg_signal_ica, "ica")):
        t_fn, s_fn = fn(rec.path)
        t_m, s_m = create_method(name).extract(rec)
        np.testing.assert_array_equal(t_fn, t_m)
        np.testing.assert_allclose(s_fn, s_m, atol=1e-12)


def test_video_without_face_is_a_clear_error(tmp_path):
    from robustness_corpus import write_faceless_video

    from rppg_bench.datasets.errors import RecordingError

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

    write_plugin_package(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    METHODS.load_entry_points(refresh=True)
    try:
        test_method_contract_and_heart_rate("greenplus", clips)
    finally:
        METHODS.remove("greenplus")
