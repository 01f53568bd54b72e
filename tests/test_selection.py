"""Selecting recordings by their conditions (``--where``), and the labels result rows carry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rppg_bench import cli
from rppg_bench.datasets.recording import Recording, VideoFile
from rppg_bench.datasets.selection import parse_where, select_recordings
from rppg_bench.metrics.protocol import Protocol
from rppg_bench.runner import VideoTask


def rec(name: str, subject: str, **labels: str) -> Recording:
    return Recording(name=name, dataset="mmpd-like", source=VideoFile(f"/nowhere/{name}.avi"), ppg=np.zeros(2),
                     ppg_times=np.arange(2.0), subject=subject, condition=labels.get("light", ""), labels=labels)


RECS = [rec("a", "1", light="LED-high", motion="stationary"), rec("b", "1", light="LED-low", motion="walking"),
        rec("c", "2", light="Incandescent", motion="stationary")]


def test_where_selects_on_labels_subject_and_condition_with_alternatives():
    assert [r.name for r in select_recordings(RECS, parse_where(["motion=stationary"]))] == ["a", "c"]
    assert [r.name for r in select_recordings(RECS, parse_where(["light=LED-high,LED-low", "subject=1"]))] == ["a", "b"]
    assert [r.name for r in select_recordings(RECS, parse_where(["condition=Incandescent"]))] == ["c"]
    assert select_recordings(RECS, {}) == RECS


def test_where_refuses_malformed_items_and_fields_no_recording_has():
    for bad in (["light"], ["=x"], ["light="], ["light=a", "light=b"]):
        with pytest.raises(ValueError, match="--where"):
            parse_where(bad)
    with pytest.raises(ValueError, match=r"no such field \(its fields: condition, light, motion, subject\)"):
        select_recordings(RECS, parse_where(["lihgt=LED-high"]))


def test_rows_carry_every_label_of_their_recording():
    base = VideoTask(RECS[1], {}, Protocol()).recording_base()
    assert base["label_light"] == "LED-low" and base["label_motion"] == "walking" and base["subject"] == "1"


def test_where_on_the_command_line_runs_only_the_selected_recordings(tmp_path, capsys):
    from rppg_bench.datasets.synthetic import generate_synthetic

    generate_synthetic(tmp_path / "data", seed=5, n_easy=1, n_hard=1, duration=6.0, n_pure=0)
    out = tmp_path / "run"
    args = ["--datasets", f"ubfc={tmp_path / 'data' / 'ubfc'}", "--methods", "pos", "--out", str(out), "--quiet",
            "--cache-dir", str(tmp_path / "cache")]
    assert cli.main([*args, "--where", "subject=2"]) == 0
    assert list(pd.read_csv(out / "results.csv")["video"]) == ["subject2"]
    assert cli.main([*args, "--where", "motion=walking"]) == 2
    assert "dataset 'ubfc' has no such field" in capsys.readouterr().err


def test_list_gives_every_built_in_dataset_its_layout_in_one_line():
    import importlib

    from rppg_bench.datasets.registry import DATASETS, dataset_info

    for name in DATASETS.names():
        source = DATASETS.source(name)
        if source.startswith("rppg_bench."):
            layout = importlib.import_module(source.split(":")[0]).LAYOUT
            assert dataset_info(name)["summary"] == layout and "\n" not in layout, name
