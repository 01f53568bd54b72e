"""The benchmark command end to end on small UBFC- and PURE-layout data."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass

import pandas as pd
import pytest

from rppg_bench import cli as benchmark
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.methods.base import ClassicalMethod
from rppg_bench.methods.registry import METHODS


@dataclass
class RuntimeGreen(ClassicalMethod):
    """A method whose class lives in an importable module but is registered at run time (as from a
    notebook or a script's main block), not by importing that module."""

    name = "runtimegreen"
    kind = "classical"
    paper = "test"

    def pulse(self, rgb, fps):
        return rgb[:, 1]


@pytest.fixture(scope="session")
def data_root(tmp_path_factory):
    """``<root>/ubfc`` (2 subjects) and ``<root>/pure`` (1 session) from the synthetic generator."""
    root = tmp_path_factory.mktemp("layouts")
    generate_synthetic(root, seed=5, n_easy=1, n_hard=2, duration=8.0, n_pure=1)
    return root


def run_cli(*args: str) -> int:
    return benchmark.main(list(args))


def test_users_command_line_runs_end_to_end(data_root, tmp_path, capsys):
    out = tmp_path / "run"
    rc = run_cli("--datasets", "pure", "ubfc", "--methods", "chrom", "pos", "--data-root", str(data_root),
                 "--out", str(out))
    assert rc == 0
    printed = capsys.readouterr().out
    assert "Mean RMSE:" in printed and "Mean MAE :" in printed and "-" * 62 in printed
    assert "subject1 [pos]" in printed
    rows = pd.read_csv(out / "results.csv")
    assert set(rows["dataset"]) == {"pure", "ubfc"}
    assert len(rows) == 3 * 2 and (rows["status"] == "ok").all()
    easy = rows[(rows["dataset"] == "ubfc") & (rows["video"] == "subject1")]  # the generator's easy clip
    assert len(easy) == 2 and (easy["hr_abs_error"] < 5).all()
    for col in ("hr_pred", "hr_true", "win_hr_mae", "win_hr_rmse", "wave_rmse", "wave_mae", "wave_r", "snr_db",
                "runtime_s", "input_sha256"):
        assert rows[col].notna().all(), col
    record = json.loads((out / "results.json").read_text())["record"]
    for key in ("protocol", "methods", "datasets", "versions", "git_revision", "seed", "wall_time_s", "argv"):
        assert key in record
    assert record["protocol"]["hr_method"] == "structured" and record["protocol"]["hr_track"] is True
    assert record["protocol"]["hr_whole_from_windows"] is True
    assert rows["hr_confidence"].between(0, 1).all() and rows["win_hr_confident_share"].between(0, 1).all()
    assert rows["win_hr_gross_share"].between(0, 1).all()
    summary = (out / "summary.md").read_text()
    assert "## pure" in summary and "## ubfc" in summary and "**" in summary
    assert "### HR at confidence >= 0.5" in summary and "HR MAE kept (bpm)" in summary
    for plot in ("bland_altman.png", "hr_scatter.png", "hr_error_distribution.png", "waveforms.png"):
        assert (out / "plots" / plot).stat().st_size > 1000


def test_method_band_and_reference_check_options_reach_methods_and_record(data_root, tmp_path):
    """--method-band sets every method's post-processing band (recorded in the protocol and the method's
    parameters); --no-ref-beat-check turns the reference's beat check off, --no-hr-whole-from-windows the
    whole-video HR from the windows (both recorded)."""
    out = tmp_path / "wide"
    assert run_cli("--datasets", "ubfc", "--methods", "pos", "--data-root", str(data_root), "--out", str(out),
                   "--method-band", "0.5", "6", "--no-ref-beat-check", "--no-hr-whole-from-windows") == 0
    record = json.loads((out / "results.json").read_text())["record"]
    assert record["protocol"]["hr_whole_from_windows"] is False
    assert record["protocol"]["method_band"] == [0.5, 6.0] and record["protocol"]["ref_beat_check"] is False
    assert record["methods"]["pos"]["band"] == [0.5, 6.0]
    rows = pd.read_csv(out / "results.csv")
    assert (rows["status"] == "ok").all() and (rows["hr_true_from_beats"] == 0).all()


def test_beat_settings_are_set_from_the_command_line_and_recorded(data_root, tmp_path, capsys):
    """--beat-param sets a BeatProtocol field for the run (recorded); an unknown one, or one under a
    protocol without beat metrics, is refused before any video, naming it."""
    out = tmp_path / "old-beats"
    assert run_cli("--datasets", "ubfc", "--methods", "pos", "--data-root", str(data_root), "--out", str(out),
                   "--beat-param", "secondary_share=0", "--beat-param", "band=(0.6, 3.5)") == 0
    beats = json.loads((out / "results.json").read_text())["record"]["protocol"]["beats"]
    assert beats["secondary_share"] == 0 and beats["band"] == [0.6, 3.5]
    assert (pd.read_csv(out / "results.csv")["status"] == "ok").all()
    capsys.readouterr()
    assert run_cli("--datasets", "ubfc", "--methods", "pos", "--data-root", str(data_root), "--out",
                   str(tmp_path / "bad"), "--beat-param", "secondary=0") == 2
    assert "no beat setting secondary" in capsys.readouterr().err
    assert run_cli("--datasets", "ubfc", "--methods", "pos", "--data-root", str(data_root), "--out",
                   str(tmp_path / "tb"), "--protocol", "toolbox", "--beat-param", "secondary_share=0") == 2
    assert "computes no beat metrics" in capsys.readouterr().err
    assert not (tmp_path / "bad" / "results.csv").exists()


@pytest.mark.slow
def test_same_command_twice_and_in_parallel_gives_identical_numbers(data_root, tmp_path):
    args = ["--datasets", f"ubfc={data_root / 'ubfc'}", "--methods", "ica", "pos", "--quiet", "--no-cache"]
    assert run_cli(*args, "--out", str(tmp_path / "a")) == 0
    assert run_cli(*args, "--out", str(tmp_path / "b")) == 0
    assert run_cli(*args, "--out", str(tmp_path / "c"), "--jobs", "2") == 0
    cols = ["video", "method", "hr_pred", "hr_true", "wave_rmse", "wave_r", "snr_db"]
    frames = [pd.read_csv(tmp_path / x / "results.csv")[cols].sort_values(["video", "method"], ignore_index=True)
              for x in "abc"]
    pd.testing.assert_frame_equal(frames[0], frames[1])
    pd.testing.assert_frame_equal(frames[0], frames[2])


@pytest.mark.slow
def test_methods_registered_at_run_time_reach_worker_processes(data_root, tmp_path):
    """--jobs 2: the worker process registers what the main process registered at run time, from
    the class's module; a class it cannot import (defined inside a function) fails alone, saying why."""

    @dataclass
    class LocalGreen(RuntimeGreen):
        name = "localgreen"

    METHODS.add("runtimegreen", RuntimeGreen)
    METHODS.add("localgreen", LocalGreen)
    out = tmp_path / "run"
    try:
        rc = run_cli("--datasets", f"ubfc={data_root / 'ubfc'}", "--methods", "runtimegreen", "localgreen", "pos",
                     "--quiet", "--no-cache", "--jobs", "2", "--out", str(out))
    finally:
        METHODS.remove("runtimegreen")
        METHODS.remove("localgreen")
    rows = pd.read_csv(out / "results.csv")
    assert (rows.loc[rows["method"] != "localgreen", "status"] == "ok").all()
    local = rows[rows["method"] == "localgreen"]
    failed = local[local["status"] == "failed"]
    assert rc == 1 and 1 <= len(failed) < len(local)  # the worker's videos fail, this process's do not
    assert failed["error"].str.contains("cannot be imported here").all()
    assert failed["error"].str.contains("--jobs 1", regex=False).all()


def test_cached_rerun_does_not_decode_again(data_root, tmp_path, monkeypatch):
    import rppg_bench.preprocessing.store as face

    args = ["--datasets", f"ubfc={data_root / 'ubfc'}", "--methods", "pos", "--quiet",
            "--cache-dir", str(tmp_path / "cache")]
    assert run_cli(*args, "--out", str(tmp_path / "a")) == 0
    monkeypatch.setattr(face, "compute_products", lambda *a, **k: pytest.fail("video decoded again"))
    assert run_cli(*args, "--methods", "chrom", "--out", str(tmp_path / "b")) == 0


def test_rerun_into_same_folder_resumes_and_report_rerenders(data_root, tmp_path, capsys):
    out = tmp_path / "run"
    args = ["--datasets", f"ubfc={data_root / 'ubfc'}", "--methods", "pos", "--out", str(out)]
    assert run_cli(*args) == 0
    first = (out / "rows.jsonl").read_text()
    capsys.readouterr()
    assert run_cli(*args) == 0
    assert "[pos]" not in capsys.readouterr().out  # nothing recomputed
    assert (out / "rows.jsonl").read_text() == first
    (out / "summary.md").unlink()
    assert run_cli("--report-from", str(out)) == 0
    assert "## ubfc" in (out / "summary.md").read_text()


def test_resuming_with_other_settings_is_refused_and_new_methods_are_added(data_root, tmp_path, capsys):
    """A folder's rows were made under one protocol and one set of parameters: a rerun into it with
    other settings would label them with its own, so it stops before any video and names what
    differs; adding a method with the same settings resumes."""
    out = tmp_path / "run"
    args = ["--datasets", f"ubfc={data_root / 'ubfc'}", "--methods", "pos", "--out", str(out)]
    assert run_cli(*args) == 0
    first = (out / "rows.jsonl").read_text()
    capsys.readouterr()
    for other, named in ((["--hr-method", "fft"], "protocol.hr_method: 'structured' there, 'fft' now"),
                         (["--param", "pos.window=3.2"], "pos.window: None there, 3.2 now"),
                         (["--seed", "1"], "seed: 0 there, 1 now")):
        assert run_cli(*args, *other) == 2
        err = capsys.readouterr().err
        assert str(out) in err and named in err and "choose a new --out" in err
        assert (out / "rows.jsonl").read_text() == first
    assert run_cli(*args[:-3], "pos", "chrom", "--out", str(out)) == 0
    rows = pd.read_csv(out / "results.csv")
    assert set(rows["method"]) == {"pos", "chrom"} and (rows["status"] == "ok").all()
    settings = json.loads((out / "settings.json").read_text())
    assert set(settings["methods"]) == {"pos", "chrom"} and settings["protocol"]["hr_method"] == "structured"
    assert len(settings["code"]) == 1 and "code_history" not in json.loads((out / "results.json").read_text())["record"]
    # rows written by another version of the code: the record and the report say so
    settings["code"][0]["git_revision"] = "0123abc"
    (out / "settings.json").write_text(json.dumps(settings))
    capsys.readouterr()
    assert run_cli(*args[:-3], "pos", "chrom", "lgi", "--out", str(out)) == 0
    err = capsys.readouterr().err
    assert f"{out} already holds" in err and "made by git 0123abc" in err and "choose a new --out" in err
    history = json.loads((out / "results.json").read_text())["record"]["code_history"]
    assert [c["git_revision"] for c in history][0] == "0123abc" and len(history) == 2
    assert "rows from 2 code versions" in (out / "summary.md").read_text()
    assert run_cli(*args[:-3], "lgi", "--out", str(out)) == 0  # the record lists the folder's methods
    record = json.loads((out / "results.json").read_text())["record"]
    assert set(record["methods"]) == {"pos", "chrom", "lgi"}


def test_dataset_settings_keep_roots_except_of_generated_data_without_one():
    record = {"ubfc": {"root": "/data/UBFC", "params": {}},
              "synthetic": {"root": "/cache/synthetic", "params": {"seed": 0}}}
    assert benchmark.datasets_settings(record, [("ubfc", None), ("synthetic", None)]) == {
        "ubfc": {"root": "/data/UBFC", "params": {}}, "synthetic": {"root": None, "params": {"seed": 0}}}
    given = benchmark.datasets_settings(record, [("synthetic", "/my/synthetic")])
    assert given["synthetic"]["root"] == "/cache/synthetic"  # a folder named on the command line is data


def test_broken_video_fails_alone_and_exit_code_says_so(data_root, tmp_path):
    root = tmp_path / "ubfc"
    shutil.copytree(data_root / "ubfc", root)
    broken = root / "subject9"
    broken.mkdir()
    (broken / "vid.avi").write_bytes(b"not a video at all")
    shutil.copy(root / "subject1" / "ground_truth.txt", broken / "ground_truth.txt")
    out = tmp_path / "run"
    rc = run_cli("--datasets", f"ubfc={root}", "--methods", "pos", "--out", str(out), "--quiet")
    assert rc == 1
    rows = pd.read_csv(out / "results.csv")
    bad = rows[rows["status"] != "ok"]
    assert len(bad) == 1 and "subject9" in bad["error"].iloc[0] and "vid.avi" in bad["error"].iloc[0]
    good = rows[rows["status"] == "ok"]
    assert set(good["video"]) == {"subject1", "subject2"}
    assert (good[good["video"] == "subject1"]["hr_abs_error"] < 5).all()
    assert "Failures" in (out / "summary.md").read_text()


def test_unknown_names_and_bad_params_fail_fast(capsys, tmp_path):
    assert run_cli("--methods", "chorm", "--out", str(tmp_path / "x")) == 2
    assert "did you mean 'chrom'" in capsys.readouterr().err.lower()
    assert run_cli("--methods", "pos", "--param", "pos.windw=2", "--out", str(tmp_path / "y")) == 2
    assert "windw" in capsys.readouterr().err
    assert run_cli("--datasets", "pure", "--methods", "pos", "--out", str(tmp_path / "z")) == 1
    assert "no root folder" in capsys.readouterr().err


def test_list_shows_methods_with_kind_paper_and_parameters(capsys):
    assert run_cli("--list") == 0
    text = capsys.readouterr().out
    assert "pos" in text and "classical" in text and "window=1.6" in text and "ubfc" in text
    assert "n_easy=4" in text and "$RPPG_PURE_ROOT" in text  # datasets: parameters and where the root comes from
    # one name column, wide enough for the longest name (e.g. efficientphys)
    assert len({line.index("parameters:") for line in text.splitlines() if "parameters:" in line}) == 1
    assert run_cli("--list", "--data-root", "/data") == 0
    assert "root: /data/pure" in capsys.readouterr().out


@pytest.mark.slow
def test_dask_executor_gives_the_local_results(data_root, tmp_path):
    """--executor dask (a LocalCluster here) scores every video exactly as the local run."""
    pytest.importorskip("dask.distributed")
    args = ["--datasets", f"ubfc={data_root / 'ubfc'}", "--methods", "pos", "--quiet", "--no-cache"]
    assert run_cli(*args, "--out", str(tmp_path / "local")) == 0
    assert run_cli(*args, "--out", str(tmp_path / "dask"), "--executor", "dask", "--jobs", "2") == 0
    cols = ["video", "method", "hr_pred", "hr_true", "wave_rmse", "wave_r", "snr_db"]
    local, dask = (pd.read_csv(tmp_path / x / "results.csv")[cols].sort_values("video", ignore_index=True)
                   for x in ("local", "dask"))
    pd.testing.assert_frame_equal(local, dask)
