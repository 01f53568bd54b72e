"""Learned methods trained inside a benchmark run: subject-wise k-fold and cross-dataset protocols."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

from rppg_bench import cli as benchmark
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.methods.base import Method
from rppg_bench.methods.registry import METHODS, create_method, register_method

pytestmark = pytest.mark.slow  # deselect with -m 'not slow' (docs/running.md)

SUBJECTS = {"ubfc/1", "ubfc/2", "pure/03"}


@pytest.fixture(scope="module")
def layouts(tmp_path_factory) -> Path:
    """``<root>/ubfc`` (subjects 1, 2) and ``<root>/pure`` (subject 03), 8 s each."""
    root = tmp_path_factory.mktemp("layouts")
    generate_synthetic(root, seed=5, n_easy=1, n_hard=2, duration=8.0, n_pure=1)
    return root


@dataclass
class SubjectProbe(Method):
    """A 'learned' method for tests: fit remembers the training subjects; extract refuses a seen subject."""

    name: ClassVar[str] = "probe"
    kind: ClassVar[str] = "learned"
    paper: ClassVar[str] = "test double"
    trained_on: str = ""
    fail_training: bool = False

    def needs_training(self) -> bool:
        return not self.trained_on

    def fit(self, recordings, out_dir, seed=0):
        if self.fail_training:
            raise RuntimeError("the GPU caught fire")
        calls = Path(out_dir) / "calls.txt"
        calls.write_text(calls.read_text() + "x" if calls.exists() else "x")
        return {"trained_on": ",".join(sorted(f"{r.dataset}/{r.subject}" for r in recordings))}

    def extract(self, video):
        if f"{video.dataset}/{video.subject}" in self.trained_on.split(","):
            raise AssertionError(f"{video.name} was scored by a model trained on its subject")
        return create_method("pos").extract(video)


@pytest.fixture
def probe():
    register_method("probe")(SubjectProbe)
    yield
    METHODS.remove("probe")


def run_cli(*args: str) -> int:
    return benchmark.main(list(args))


def results(out: Path) -> tuple[pd.DataFrame, dict]:
    return pd.read_csv(out / "results.csv"), json.loads((out / "results.json").read_text())["record"]


def test_kfold_scores_every_video_with_a_model_that_never_saw_its_subject(probe, layouts, tmp_path):
    out = tmp_path / "run"
    args = ["--datasets", "ubfc", "pure", "--data-root", str(layouts), "--methods", "probe", "pos",
            "--folds", "3", "--quiet", "--out", str(out)]
    assert run_cli(*args) == 0
    rows, record = results(out)
    probe_rows = rows[rows["method"] == "probe"]
    assert len(probe_rows) == 3 and (probe_rows["status"] == "ok").all()
    assert sorted(probe_rows["fold"]) == ["fold1of3", "fold2of3", "fold3of3"]
    folds = record["training"]["probe"]["folds"]
    assert record["training"]["probe"]["protocol"] == "subject-wise k-fold"
    assert sorted(s for f in folds for s in f["test_subjects"]) == sorted(SUBJECTS)
    for f in folds:
        assert not set(f["train_subjects"]) & set(f["test_subjects"])
        assert set(f["train_subjects"]) | set(f["test_subjects"]) == SUBJECTS
    # a rerun with another method reuses the trained folds instead of training again
    assert run_cli(*[a if a != "pos" else "chrom" for a in args]) == 0
    assert sorted((p.parent.name, p.read_text()) for p in (out / "models" / "probe").glob("*/calls.txt")) == \
        [("fold1of3", "x"), ("fold2of3", "x"), ("fold3of3", "x")]


def test_same_seed_same_folds_other_seed_other_folds(probe, layouts, tmp_path):
    def test_subjects(seed: str, name: str) -> dict[str, list[str]]:
        out = tmp_path / name
        assert run_cli("--datasets", "ubfc", "pure", "--data-root", str(layouts), "--methods", "probe",
                       "--folds", "2", "--seed", seed, "--quiet", "--out", str(out)) == 0
        return {f["fold"]: f["test_subjects"] for f in results(out)[1]["training"]["probe"]["folds"]}

    assert test_subjects("0", "a") == test_subjects("0", "b")
    assert any(test_subjects(s, f"s{s}") != test_subjects("0", "a") for s in ("1", "2", "3"))


def test_cross_dataset_trains_on_one_dataset_and_tests_on_another(probe, layouts, tmp_path):
    out = tmp_path / "run"
    assert run_cli("--datasets", "ubfc", "--train-on", "pure", "--data-root", str(layouts),
                   "--methods", "probe", "--quiet", "--out", str(out)) == 0
    rows, record = results(out)
    assert (rows["fold"] == "train-pure").all() and (rows["status"] == "ok").all() and len(rows) == 2
    (fold,) = record["training"]["probe"]["folds"]
    assert fold["train_subjects"] == ["pure/03"] and fold["test_subjects"] == ["ubfc/1", "ubfc/2"]


def test_training_problems_fail_only_the_learned_method(probe, layouts, tmp_path):
    # a subject on both sides of a cross-dataset run is refused
    out = tmp_path / "both"
    assert run_cli("--datasets", "pure", "ubfc", "--train-on", "pure", "--data-root", str(layouts),
                   "--methods", "probe", "pos", "--quiet", "--out", str(out)) == 1
    rows, _ = results(out)
    assert (rows[rows["method"] == "pos"]["status"] == "ok").all()
    bad = rows[rows["method"] == "probe"]
    assert len(bad) == 3 and (bad["status"] == "failed").all() and "both trained on and tested" in bad["error"].iloc[0]
    # more folds than subjects
    out = tmp_path / "folds"
    assert run_cli("--datasets", "ubfc", "--data-root", str(layouts), "--methods", "probe", "pos",
                   "--folds", "3", "--quiet", "--out", str(out)) == 1
    assert "needs at least 3 subjects" in results(out)[0].query("method == 'probe'")["error"].iloc[0]
    # training raises: the method's rows say so, POS is unaffected
    out = tmp_path / "raise"
    assert run_cli("--datasets", "ubfc", "--data-root", str(layouts), "--methods", "probe", "pos", "--folds", "2",
                   "--param", "probe.fail_training=True", "--quiet", "--out", str(out)) == 1
    rows, record = results(out)
    assert (rows[rows["method"] == "pos"]["status"] == "ok").all()
    errors = rows[rows["method"] == "probe"]["error"]
    assert len(errors) == 2 and errors.str.contains("GPU caught fire").all()
    assert all(f["error"] for f in record["training"]["probe"]["folds"])


def test_resnet_without_a_checkpoint_is_trained_per_fold(layouts, tmp_path, torch_one_thread):
    """The real model, tiny: one epoch per fold at 64 px; each fold's checkpoint scores its held-out video."""
    import torch

    out = tmp_path / "run"
    rc = run_cli("--datasets", "ubfc", "--data-root", str(layouts), "--methods", "resnet", "--folds", "2",
                 "--param", "resnet.epochs=1", "--param", "resnet.size=64", "--param", "resnet.clip_frames=32",
                 "--param", "resnet.batch=4", "--param", "resnet.device='cpu'", "--quiet", "--out", str(out))
    assert rc == 0
    rows, record = results(out)
    assert len(rows) == 2 and (rows["status"] == "ok").all() and rows["hr_pred"].notna().all()
    folds = record["training"]["resnet"]["folds"]
    for f in folds:
        ckpt = Path(f["params"]["model"])
        assert ckpt.is_file() and ckpt.parent == out / "models" / "resnet" / f["fold"]
        meta = torch.load(ckpt, weights_only=True)["meta"]
        assert [f"ubfc/{r}" for r in meta["recordings"]] == f["train_recordings"]
