"""open-rppg's pretrained models as methods (``methods/open_rppg.py``, extra ``open-rppg``).

Registration, parameter errors and the missing-package error run everywhere;
the models themselves run only where open-rppg is installed (skipped
otherwise): two of them through the method contract (one value per frame in
[0, 1], the easy clip's heart rate within 5 bpm) on a synthetic video and a
PURE-layout PNG folder. The first run of a model compiles it with JAX (10-20 s
per model on a CPU); later runs read the compiled kernels from the cache.
"""

from __future__ import annotations

import numpy as np
import pytest

from rppg_bench.datasets.errors import RecordingError
from rppg_bench.datasets.registry import load_dataset
from rppg_bench.methods import open_rppg
from rppg_bench.methods.registry import create_method, method_info
from rppg_bench.testing import check_method_contract

OPEN_RPPG_METHODS = ["physnet", "tscan", "efficientphys", "physformer", "physmamba", "rhythmmamba",
                     "me-rppg", "facephys"]

needs_open_rppg = pytest.mark.skipif(
    bool(open_rppg.missing_modules()),
    reason=f"open-rppg is not installed ({open_rppg.INSTALL_HINT})")


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    """An easy synthetic video (UBFC layout) and a hard one as a PURE-layout PNG folder (8 s, 320x240)."""
    root = tmp_path_factory.mktemp("synthetic-open-rppg")
    loaded = load_dataset("synthetic", root, seed=3, n_easy=1, n_hard=1, duration=8.0, n_pure=1)
    assert not loaded.errors, loaded.errors
    assert {r.condition for r in loaded.recordings} == {"easy", "hard"}
    return loaded.recordings


def test_models_are_registered_and_listed_without_loading_them():
    from rppg_bench.cli import list_registered

    listing = list_registered()
    for name in OPEN_RPPG_METHODS:
        info = method_info(name)
        assert info["kind"] == "learned" and "arXiv:" in info["paper"] and "open-rppg" in info["paper"]
        assert info["parameters"]["weights"] == "rlap"  # RLAP: none of the harness's datasets
        assert f"  {name} " in listing
    assert method_info("me")["name"] == "me-rppg"


def test_unknown_weights_and_options_are_clear_errors():
    with pytest.raises(ValueError, match=r"physnet: unknown weights 'ubfc'; open-rppg ships rlap, pure"):
        create_method("physnet", weights="ubfc")
    with pytest.raises(ValueError, match=r"facephys: unknown weights 'pure'; open-rppg ships rlap$"):
        create_method("facephys", weights="pure")
    with pytest.raises(ValueError, match="unknown postprocess"):
        create_method("tscan", postprocess="toolbox")
    with pytest.raises(ValueError, match="unknown mode"):
        create_method("me-rppg", mode="stream")


def test_missing_package_names_the_extra_and_the_install_command(monkeypatch, tmp_path, capsys):
    from rppg_bench.cli import main

    monkeypatch.setattr(open_rppg, "missing_modules", lambda: ["rppg", "keras"])
    with pytest.raises(ImportError) as err:
        create_method("physnet")
    msg = str(err.value)
    assert isinstance(err.value, ValueError)
    assert "'open-rppg' extra" in msg and "rppg, keras" in msg
    assert "pip install --no-deps open-rppg==0.1.1" in msg
    assert main(["--methods", "physnet", "pos", "--out", str(tmp_path / "run"), "--quiet"]) == 2
    assert "error: method 'physnet' needs the 'open-rppg' extra" in capsys.readouterr().err


def test_model_output_is_mapped_onto_the_frame_times():
    model_t = np.array([0.0, 0.1, 0.1, 0.2, 0.3])  # 0.1 fed twice (a low-fps source)
    values = np.array([0.0, 1.0, 3.0, 4.0, 6.0])
    frame_t = np.array([0.0, 0.05, 0.1, 0.3, 0.4])
    np.testing.assert_allclose(open_rppg.to_frame_times(model_t, values, frame_t), [0, 1, 2, 6, 6])


@pytest.mark.slow
@needs_open_rppg
@pytest.mark.parametrize("name", ["physnet", "tscan"])
def test_model_passes_the_method_contract(name, clips):
    check_method_contract(name, clips)


@needs_open_rppg
def test_harness_postprocessing_and_frame_times(clips):
    for rec in clips:  # a video file and a PNG folder with its own timestamps
        times, signal = create_method("physnet", postprocess="harness").extract(rec)
        np.testing.assert_array_equal(times, rec.frame_times)
        assert signal.min() == 0 and signal.max() == 1 and np.all(np.isfinite(signal))


@needs_open_rppg
def test_video_without_face_is_a_clear_error(tmp_path):
    from robustness_corpus import write_faceless_video

    path = write_faceless_video(tmp_path / "wall.avi", 90)
    with pytest.raises(RecordingError, match=r"wall\.avi.*no face in any of its 90 frames"):
        create_method("physnet").extract(path)
