"""The dataset contract (``rppg_bench.testing.check_recording_contract``) on every dataset.

One parametrized test over every registered dataset that runs without
user-supplied data (``synthetic`` with tiny parameters) plus small fixture
roots of the built-in layouts (``ubfc``, ``pure``, ``folder`` here; each public dataset's from the
``tests/fixtures_<name>.py`` module naming it in ``CONTRACT_DATASET``); and an entry-point dataset plugin, installed the way
pip leaves it, run through the benchmark command.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fixtures_formats import (
    contract_series,
    pure_package,
    write_folder_recording,
    write_pure_recording,
    write_ubfc1_recording,
    write_ubfc2_recording,
)
from plugin_fixtures import write_face_clip, write_plugin_package

from rppg_bench.datasets.registry import DATASETS, ROOTLESS, load_dataset
from rppg_bench.testing import check_recording_contract

#: parameters of the root-less datasets (keep them small: the test must stay fast)
ROOTLESS_PARAMS = {"synthetic": {"seed": 1, "duration": 6.0, "n_easy": 1, "n_hard": 0, "n_pure": 0}}




def ubfc_root(root):
    """DATASET_2 (``ground_truth.txt``) and DATASET_1 (``gtdump.xmp``, times in ms) subjects."""
    t, ppg, hr = contract_series(30)
    write_ubfc2_recording(root, "subject1", ppg=ppg, hr=hr, times=t, n_frames=30)
    times_ms = [100 + 16.7 * k for k in range(50)]
    write_ubfc1_recording(root, "2-gt", times_ms=times_ms, hr=[75] * 50, spo2=[98] * 50,
                          ppg=[120 + 20 * np.sin(k / 4) for k in range(50)], n_frames=30)


def pure_root(root):
    """One session, oximeter starting 0.2 s before the camera (integer ns clocks)."""
    t0 = 1392643993642815000
    image_ns = [t0 + i * 33_333_000 + (i % 3) * 1_000 for i in range(20)]
    packages = [pure_package(t0 - 200_000_000 + k * 16_650_000, (k * 7) % 100, 70 + k % 5) for k in range(60)]
    write_pure_recording(root, "01-01", image_ns=image_ns, packages=packages)


def folder_root(root):
    """An .avi with HR, an .mp4 without, one in a subfolder."""
    t, ppg, hr = contract_series(20)
    write_folder_recording(root, "subject01_a", ppg=ppg, times=t, hr=hr, n_frames=20)
    write_folder_recording(root / "more", "subject02_b", ppg=ppg, times=t, suffix=".mp4", n_frames=20)


#: datasets that need a root, with a writer of a small fixture root in their layout
def fixture_modules() -> list:
    """The ``tests/fixtures_<name>.py`` modules that write a dataset's layout for this test: each names
    it in ``CONTRACT_DATASET`` and writes a small root with ``contract_root(root)``."""
    modules = (importlib.import_module(p.stem) for p in sorted(Path(__file__).parent.glob("fixtures_*.py")))
    return [m for m in modules if hasattr(m, "CONTRACT_DATASET")]


FIXTURE_ROOTS = {"ubfc": ubfc_root, "pure": pure_root, "folder": folder_root,
                 **{m.CONTRACT_DATASET: m.contract_root for m in fixture_modules()}}


def contract_datasets() -> list[str]:
    """Registered datasets that run without user data, and those with a fixture root."""
    return sorted({n for n in DATASETS.names() if n in ROOTLESS} | set(FIXTURE_ROOTS))


@pytest.mark.parametrize("name", contract_datasets())
def test_dataset_meets_the_recording_contract(name, tmp_path):
    root = tmp_path / name
    if name in FIXTURE_ROOTS:
        root.mkdir()
        FIXTURE_ROOTS[name](root)
        loaded = load_dataset(name, root)
    elif name in ROOTLESS_PARAMS:
        loaded = load_dataset(name, root, **ROOTLESS_PARAMS[name])
    else:  # a root-less dataset without known small parameters: its defaults
        loaded = load_dataset(name)
    assert not loaded.errors, loaded.errors
    assert loaded.recordings
    for rec in loaded.recordings:
        check_recording_contract(rec, dataset=name)


def test_every_builtin_dataset_is_checked():
    """A new built-in loader needs a fixture root here (or to be root-less)."""
    builtin = [n for n in DATASETS.names() if getattr(DATASETS.get(n), "__module__", "").startswith("rppg_bench.")]
    assert set(builtin) <= set(contract_datasets())


def test_the_contract_rejects_a_broken_recording(tmp_path):
    folder_root(tmp_path)
    rec = load_dataset("folder", tmp_path).recordings[0]
    check_recording_contract(rec)
    rec.ppg_times = rec.ppg_times + 100.0  # ground truth after the video ends
    with pytest.raises(AssertionError, match="does not overlap the video"):
        check_recording_contract(rec)
    with pytest.raises(AssertionError, match="dataset must be 'other'"):
        check_recording_contract(rec, dataset="other")


PLUGIN_DATASET = "plugfaces"
PLUGIN_PACKAGE = "rppg_test_dataset_plugin"


def test_entry_point_dataset_plugin_runs_in_the_benchmark(tmp_path, monkeypatch):
    """A dataset installed by another package (entry point) loads, meets the contract and is benchmarked."""
    from rppg_bench import cli as benchmark
    from rppg_bench.methods.registry import METHODS

    site = tmp_path / "site"
    write_plugin_package(site, package=PLUGIN_PACKAGE, dataset_name=PLUGIN_DATASET)
    root = tmp_path / "data"
    write_face_clip(root, "subject1_still", hr_bpm=72.0, seconds=6.0, fps=30.0, size=(160, 120))
    monkeypatch.syspath_prepend(str(site))
    try:
        DATASETS.load_entry_points(refresh=True)
        METHODS.load_entry_points(refresh=True)
        assert PLUGIN_DATASET in DATASETS.names() and "greenplus" in METHODS.names()

        loaded = load_dataset(PLUGIN_DATASET, root)
        assert not loaded.errors and [r.name for r in loaded.recordings] == ["subject1_still"]
        for rec in loaded.recordings:
            check_recording_contract(rec, dataset=PLUGIN_DATASET)

        out = tmp_path / "run"
        rc = benchmark.main(["--datasets", f"{PLUGIN_DATASET}={root}", "--methods", "greenplus",
                             "--out", str(out), "--quiet", "--no-cache"])
        assert rc == 0
        rows = pd.read_csv(out / "results.csv")
        mine = rows[(rows["dataset"] == PLUGIN_DATASET) & (rows["method"] == "greenplus")]
        assert len(mine) == 1 and mine["status"].iloc[0] == "ok", rows.to_dict("records")
        assert abs(mine["hr_pred"].iloc[0] - 72.0) < 5.0
    finally:
        DATASETS.remove(PLUGIN_DATASET)
        METHODS.remove("greenplus")
        sys.modules.pop(PLUGIN_PACKAGE, None)
