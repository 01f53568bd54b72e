"""Face regions: forehead and cheek polygons (default) and the whole-face hull minus eyes and lips."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from rppg_bench import cli as benchmark
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.datasets.ubfc import load_ubfc
from rppg_bench.preprocessing.params import FaceParams
from rppg_bench.preprocessing.roi import masked_mean_rgb
from rppg_bench.preprocessing.store import products_cache_file, video_products


def square(x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    return np.array([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], np.int32)


def test_masked_mean_keeps_inside_and_drops_the_holes():
    frame = np.zeros((60, 80, 3), np.uint8)
    frame[10:50, 10:70] = (100, 110, 120)
    frame[20:30, 20:30] = (250, 0, 0)  # an "eye" that must not count
    mean = masked_mean_rgb(frame, [square(10, 10, 69, 49)], (square(20, 20, 29, 29),))
    assert np.allclose(mean, (100, 110, 120))
    assert np.isnan(masked_mean_rgb(frame, [square(200, 200, 220, 220)])).all()  # outside the frame



def test_every_roi_kind_has_an_entry_in_the_table():
    from rppg_bench.preprocessing.kinds import ROI_TABLE
    from rppg_bench.preprocessing.params import ROI_KINDS

    assert tuple(ROI_TABLE) == ROI_KINDS
    assert all(name == kind.name for name, kind in ROI_TABLE.items())


def test_native_log_lines_are_dropped_unless_wanted(capfd):
    import os

    from rppg_bench.native_logs import (
        native_logs_wanted,
        quiet_native_logs,
    )

    with quiet_native_logs(True):
        os.write(2, b"dropped\n")
    with quiet_native_logs(False):
        os.write(2, b"kept\n")
    os.write(2, b"restored\n")
    assert capfd.readouterr().err == "kept\nrestored\n"
    assert not native_logs_wanted({}) and not native_logs_wanted({"RPPG_VERBOSE": "0"})
    assert native_logs_wanted({"RPPG_VERBOSE": "1"})

@pytest.fixture(scope="module")
def ubfc_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("roi")
    generate_synthetic(root, seed=3, n_easy=1, n_hard=0, duration=8.0, n_pure=0)
    return root / "ubfc"


def test_hull_is_a_different_region_with_its_own_cache_entry(ubfc_root, tmp_path):
    (rec,) = [r for r in load_ubfc(ubfc_root)]
    polygons = video_products(rec, FaceParams())
    hull = video_products(rec, FaceParams(roi="mediapipe_hull"))
    assert hull.rgb.shape == polygons.rgb.shape and np.isfinite(hull.rgb).all()
    assert not np.allclose(hull.rgb, polygons.rgb)
    assert np.array_equal(hull.times, polygons.times)
    assert products_cache_file(rec, FaceParams(roi="mediapipe_hull"), tmp_path) != \
        products_cache_file(rec, FaceParams(), tmp_path)
    with pytest.raises(ValueError, match="unknown face roi"):
        FaceParams(roi="nose")


def test_benchmark_with_the_hull_recovers_the_heart_rate_and_records_the_roi(ubfc_root, tmp_path):
    out = tmp_path / "run"
    assert benchmark.main(["--datasets", f"ubfc={ubfc_root}", "--methods", "pos", "chrom", "--roi", "mediapipe_hull",
                           "--quiet", "--no-cache", "--out", str(out)]) == 0
    rows = pd.read_csv(out / "results.csv")
    assert (rows["hr_abs_error"] < 2).all()
    assert json.loads((out / "results.json").read_text())["record"]["protocol"]["roi"] == "mediapipe_hull"


def test_landmarks_on_every_second_frame_recover_the_heart_rate_and_are_recorded(ubfc_root, tmp_path):
    (rec,) = [r for r in load_ubfc(ubfc_root)]
    every = video_products(rec, FaceParams())
    second = video_products(rec, FaceParams(landmark_every=2))
    assert second.rgb.shape == every.rgb.shape and np.array_equal(second.times, every.times)
    assert not np.array_equal(second.rgb, every.rgb)
    assert np.abs(second.rgb - every.rgb).max() < 2  # grey levels: the same skin, slightly other pixels
    out = tmp_path / "run"
    assert benchmark.main(["--datasets", f"ubfc={ubfc_root}", "--methods", "pos", "--landmark-every", "2",
                           "--quiet", "--no-cache", "--out", str(out)]) == 0
    rows = pd.read_csv(out / "results.csv")
    assert (rows["hr_abs_error"] < 2).all()
    assert json.loads((out / "results.json").read_text())["record"]["protocol"]["landmark_every"] == 2
    bad = ["--datasets", f"ubfc={ubfc_root}", "--landmark-every", "0", "--out", str(tmp_path / "x")]
    assert benchmark.main(bad) == 2


def test_a_run_keeps_mediapipe_native_log_lines_off_the_terminal(ubfc_root, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmark.py"
    env = {k: v for k, v in __import__("os").environ.items() if k != "RPPG_VERBOSE"}
    done = subprocess.run([sys.executable, str(script), "--datasets", f"ubfc={ubfc_root}", "--methods", "pos",
                           "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "run"), "--quiet"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    for marker in ("W0000", "XNNPACK", "inference_feedback_manager", "landmark_projection_calculator"):
        assert marker not in done.stderr, done.stderr


def test_verbose_flag_lets_native_logs_through_in_workers_too(monkeypatch, capsys):
    import os

    from rppg_bench.native_logs import VERBOSE_ENV, native_logs_wanted

    monkeypatch.setenv(VERBOSE_ENV, "0")
    during = []  # worker processes inherit the environment of the command that starts them
    monkeypatch.setattr(benchmark, "list_registered",
                        lambda root: during.append((os.environ[VERBOSE_ENV], native_logs_wanted())) or "")
    assert benchmark.main(["--verbose", "--list"]) == 0
    assert during == [("1", True)]
    assert os.environ[VERBOSE_ENV] == "0"  # restored after the command
