"""Every bad input gets a clear error; one broken video never costs a run.

1. A run over the malformed-input corpus (``robustness_corpus.py``: broken
   videos, ground truth and JSON in the folder, UBFC and PURE layouts, plus
   broken plugin methods) finishes with exit code 1, reports each bad input
   as failed rows whose error names the file and the problem, and scores the
   good videos exactly as a run without the bad ones.
2. Property tests (hypothesis) of the ground-truth parsers: random bytes or
   text in, either ``RecordingError`` or a valid parse out -- never another
   exception, never a silent NaN.
3. Clear errors for an unwritable output folder and missing or empty roots.
"""

from __future__ import annotations

import importlib.util
import json
import math
import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from robustness_corpus import (
    CASES,
    GOOD_VIDEOS,
    TOLERATED,
    broken_method_classes,
    build_corpus,
    write_good_videos,
)

from rppg_bench import cli as benchmark
from rppg_bench.datasets.errors import RecordingError
from rppg_bench.datasets.folder import read_folder_txt
from rppg_bench.datasets.parsing import parse_csv_rows, parse_float_line, text_lines
from rppg_bench.datasets.pure import load_pure_folder
from rppg_bench.datasets.ubfc import read_ground_truth_txt, read_gtdump
from rppg_bench.methods.registry import METHODS, register_method
from rppg_bench.reports.results import latest_rows, read_rows

CLASSICAL = ["pos", "chrom"]
METRICS = ["hr_pred", "hr_true", "hr_error", "win_hr_mae", "win_hr_rmse", "wave_rmse", "wave_mae", "wave_r",
           "snr_db", "eval_span_s", "n_frames", "input_sha256"]


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def broken_methods():
    """The corpus's broken methods registered as plugins (removed afterwards): name -> error substring."""
    classes = broken_method_classes()
    for name, (cls, _) in classes.items():
        register_method(name)(cls)
    yield {name: problem for name, (_, problem) in classes.items()}
    for name in classes:
        METHODS.remove(name)


def run_cli(*args: str) -> int:
    return benchmark.main([*args, "--no-cache", "--quiet"])


def rows_of(out: Path) -> list[dict]:
    return latest_rows(read_rows(out / "rows.jsonl"))


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory, broken_methods):
    """The corpus (bad inputs + 2 good videos + tolerated PURE session) run with pos, chrom and the broken methods."""
    root = tmp_path_factory.mktemp("corpus")
    roots = build_corpus(root)
    out = tmp_path_factory.mktemp("corpus_run") / "run"
    rc = run_cli("--datasets", *(f"{name}={path}" for name, path in roots.items()),
                 "--methods", *CLASSICAL, *broken_methods, "--out", str(out))
    return rc, rows_of(out), out


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory):
    """The two good videos alone, with pos and chrom."""
    folder = tmp_path_factory.mktemp("clean") / "folder"
    folder.mkdir()
    write_good_videos(folder)
    out = tmp_path_factory.mktemp("clean_run") / "run"
    rc = run_cli("--datasets", f"folder={folder}", "--methods", *CLASSICAL, "--out", str(out))
    return rc, rows_of(out), folder


def case_rows(rows: list[dict], dataset: str, name: str) -> dict[str, dict]:
    return {r["method"]: r for r in rows if r["dataset"] == dataset and r["video"] == name}


# ------------------------------------------------------------------ 1. the corpus run
def test_corpus_has_at_least_20_distinct_malformed_inputs():
    assert len({(c.dataset, c.name) for c in CASES}) == len(CASES) >= 20
    assert len({c.problem for c in CASES}) >= 20


def test_corpus_run_finishes_with_exit_code_1_and_a_report(corpus_run, broken_methods):
    rc, rows, out = corpus_run
    assert rc == 1
    methods = {*CLASSICAL, *broken_methods}
    expected = {(c.dataset, c.name) for c in CASES} | {("folder", s) for s in GOOD_VIDEOS} \
        | {("pure", s) for s in TOLERATED}
    assert {(r["dataset"], r["video"]) for r in rows} == expected  # no stray rows, nothing unnamed
    for key in expected:
        assert set(case_rows(rows, *key)) == methods, key
    for r in rows:
        assert r["status"] in ("ok", "failed")
        assert (r["status"] == "ok") == (r["error"] == ""), r
    table = pd.read_csv(out / "results.csv")
    assert len(table) == len(rows) and (table["status"] == "failed").sum() == sum(r["status"] == "failed" for r in rows)
    assert "Failures" in (out / "summary.md").read_text()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.dataset}-{c.name}" for c in CASES])
def test_each_bad_input_fails_with_its_file_and_problem_named(corpus_run, case):
    _, rows, _ = corpus_run
    found = case_rows(rows, case.dataset, case.name)
    # a bad method fails first on a recording that only scoring rejects
    checked = CLASSICAL if case.stage == "score" else list(found)
    for method in checked:
        row = found[method]
        assert row["status"] == "failed", (method, row)
        assert case.file in row["error"], (method, row["error"])
        assert case.problem in row["error"], (method, row["error"])


def test_good_videos_score_exactly_as_without_the_bad_ones(corpus_run, clean_run):
    _, rows, _ = corpus_run
    rc_clean, clean, _ = clean_run
    assert rc_clean == 0
    assert {(r["video"], r["method"]) for r in clean} == {(v, m) for v in GOOD_VIDEOS for m in CLASSICAL}
    for ref in clean:
        row = case_rows(rows, "folder", ref["video"])[ref["method"]]
        assert row["status"] == "ok"
        for col in METRICS:
            assert row[col] == ref[col], (ref["video"], ref["method"], col)


def test_pure_with_missing_frames_is_tolerated(corpus_run):
    _, rows, _ = corpus_run
    for name in TOLERATED:
        found = case_rows(rows, "pure", name)
        for method in CLASSICAL:
            assert found[method]["status"] == "ok", found[method]
            assert found[method]["n_frames"] == 80
            assert math.isfinite(found[method]["hr_pred"])


def test_broken_methods_fail_alone_with_a_clear_reason(corpus_run, broken_methods):
    _, rows, _ = corpus_run
    for video in GOOD_VIDEOS:
        found = case_rows(rows, "folder", video)
        for method, problem in broken_methods.items():
            assert found[method]["status"] == "failed" and problem in found[method]["error"], found[method]
        assert all(found[m]["status"] == "ok" for m in CLASSICAL)


def one_good_video(clean_run, tmp_path: Path) -> Path:
    """A folder holding a copy of the first good video and its ground truth."""
    _, _, good = clean_run
    folder = tmp_path / "folder"
    folder.mkdir()
    stem = next(iter(GOOD_VIDEOS))
    for suffix in (".avi", ".txt"):
        shutil.copy(good / f"{stem}{suffix}", folder / f"{stem}{suffix}")
    return folder


def test_text_file_renamed_pth_fails_only_the_resnet_rows(clean_run, tmp_path):
    pytest.importorskip("torch")
    if importlib.util.find_spec("rppg_bench.methods.resnet") is None:
        pytest.skip("no ResNet method")
    folder = one_good_video(clean_run, tmp_path)
    notes = tmp_path / "notes.pth"
    notes.write_text("these are my notes, not a checkpoint\n")
    out = tmp_path / "run"
    rc = run_cli("--datasets", f"folder={folder}", "--methods", "pos", "resnet",
                 "--param", f"resnet.model={notes}", "--out", str(out))
    assert rc == 1
    rows = rows_of(out)
    assert len(rows) == 2
    for r in rows:
        if r["method"] == "pos":
            assert r["status"] == "ok"
        else:
            assert r["status"] == "failed" and "notes.pth" in r["error"], r


def test_fixed_recording_replaces_its_failure_on_rerun(tmp_path, clean_run):
    """A rerun into the same --out after fixing a broken ground truth leaves no stale failure."""
    folder = one_good_video(clean_run, tmp_path)
    stem = next(iter(GOOD_VIDEOS))
    text = (folder / f"{stem}.txt").read_text()
    (folder / f"{stem}.txt").write_text("1 2 oops\n")
    out = tmp_path / "run"
    args = ("--datasets", f"folder={folder}", "--methods", "pos", "--out", str(out))
    assert run_cli(*args) == 1
    assert [(r["video"], r["status"]) for r in rows_of(out)] == [(stem, "failed")]
    (folder / f"{stem}.txt").write_text(text)
    assert run_cli(*args) == 0
    assert [(r["video"], r["status"]) for r in rows_of(out)] == [(stem, "ok")]


# ------------------------------------------------------------------ 2. parser properties
def assert_valid_ground_truth(gt: dict) -> None:
    """A parse result: finite PPG at strictly increasing times, optional series finite and aligned."""
    ppg, times = gt["ppg"], gt["times"]
    assert ppg.dtype == float and times.dtype == float
    assert ppg.shape == times.shape and ppg.size >= 2
    assert np.isfinite(ppg).all() and np.isfinite(times).all()
    assert (np.diff(times) > 0).all()
    for key in ("hr", "spo2"):
        if gt.get(key) is not None:
            assert gt[key].shape == times.shape and np.isfinite(gt[key]).all(), key
    if gt.get("hr") is None:
        assert gt["hr_dropped"]


TXT_PARSERS = {"folder": read_folder_txt, "ubfc": read_ground_truth_txt, "gtdump": read_gtdump}
PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(-1e3, 1e3).map(lambda v: f"{v:16.7e}"),
    st.integers(-10 ** 30, 10 ** 30).map(str),
    st.sampled_from(["nan", "NaN", "-inf", "Infinity", "1e999", "-0", "1_000", "0x1f", "1e", "--1", ".", "abc",
                     "\u0661\u0662", "\ufeff1.0", "1,5", "1.5.", "", "\x00"]),
)
SEPARATORS = st.sampled_from([" ", "   ", "\t", ",", ", ", "\u00a0"])
LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\u2028"])


@st.composite
def numeric_text(draw) -> str:
    """Lines of number-like tokens, as ground-truth files are (and as they break)."""
    lines = draw(st.lists(st.lists(NUMBERS, max_size=12), max_size=5))
    sep, end = draw(SEPARATORS), draw(LINE_ENDS)
    return end.join(sep.join(line) for line in lines) + draw(st.sampled_from(["", end, end + end]))


@st.composite
def plausible_text(draw) -> str:
    """Mostly well-formed files: 3 lines (or CSV rows) of floats, sometimes with a defect."""
    n = draw(st.integers(0, 8))
    step = draw(st.sampled_from([1 / 30, 1.0, 0.0, -0.1]))
    start = draw(st.sampled_from([0.0, 100.0, -1.0, 1e300]))
    values = st.floats(allow_nan=True, allow_infinity=True) if draw(st.booleans()) else st.floats(-5, 5)
    ppg = draw(st.lists(values, min_size=n, max_size=n))
    hr = draw(st.lists(st.floats(40, 200), max_size=n + 1))
    times = [start + i * step for i in range(n + draw(st.sampled_from([0, 0, 1, -1])))]
    if draw(st.booleans()):  # DATASET_1 rows ms,hr,spo2,ppg
        return "".join(f"{t * 1000},{h},{s},{p}\n" for t, h, s, p in zip(times, hr + [70.0] * n, [98] * n, ppg))
    return "\n".join(" ".join(map(repr, series)) for series in (ppg, hr, times)) + "\n"


def check_parser(parser, path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        gt = parser(path)
    except RecordingError as exc:
        assert str(path) in str(exc) and exc.problem
        return
    assert_valid_ground_truth(gt)


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


@pytest.mark.parametrize("fmt", sorted(TXT_PARSERS))
@PROPS
@given(data=st.binary(max_size=300))
def test_parsers_survive_random_bytes(scratch, fmt, data):
    check_parser(TXT_PARSERS[fmt], scratch / f"gt_{fmt}.txt", data)


@pytest.mark.parametrize("fmt", sorted(TXT_PARSERS))
@PROPS
@given(text=st.one_of(numeric_text(), plausible_text()))
def test_parsers_survive_numeric_looking_text(scratch, fmt, text):
    check_parser(TXT_PARSERS[fmt], scratch / f"gt_{fmt}.txt", text.encode("utf-8"))


@PROPS
@given(text=st.text(max_size=200))
def test_line_and_csv_helpers_raise_only_recording_errors(scratch, text):
    path = scratch / "x.txt"
    try:
        values = parse_float_line(path, text, where="line 1")
        assert values.dtype == float and values.ndim == 1
    except RecordingError:
        pass
    try:
        assert len(text_lines(path, text, n_lines=3, names=("a", "b", "c"))) == 3
    except RecordingError:
        pass
    try:
        assert parse_csv_rows(path, text, min_columns=2).shape[1] == 2
    except RecordingError:
        pass


# PURE: random JSON against a fixed folder of 3 frames
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 70, 2 ** 70),
                         st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=5))
JSON_ANY = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=3)
                        | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
FRAME_NS = [1_000_000_000 + i * 33_333_333 for i in range(3)]


@st.composite
def pure_json(draw):
    stamp = st.one_of(st.integers(FRAME_NS[0] - 10 ** 8, FRAME_NS[-1] + 10 ** 8), JSON_SCALARS)
    value = st.fixed_dictionaries(
        {}, optional={"waveform": st.one_of(st.integers(0, 255), JSON_SCALARS),
                      "pulseRate": st.one_of(st.integers(40, 200), JSON_SCALARS),
                      "o2saturation": JSON_SCALARS, "probeError": st.one_of(st.booleans(), JSON_SCALARS)})
    package = st.one_of(st.fixed_dictionaries({"Timestamp": stamp, "Value": value}), JSON_ANY)
    doc = st.fixed_dictionaries({}, optional={
        "/FullPackage": st.one_of(st.lists(package, max_size=8), JSON_ANY),
        "/Image": st.one_of(st.lists(st.fixed_dictionaries({"Timestamp": stamp}), max_size=4), JSON_ANY)})
    return draw(st.one_of(doc, JSON_ANY))


@pytest.fixture(scope="module")
def pure_session(scratch):
    folder = scratch / "01-01"
    (folder / "01-01").mkdir(parents=True)
    for ns in FRAME_NS:
        cv2.imwrite(str(folder / "01-01" / f"Image{ns}.png"), np.zeros((4, 4, 3), np.uint8))
    return folder


def check_pure(folder: Path, text: str) -> None:
    (folder / "01-01.json").write_text(text)
    try:
        rec = load_pure_folder(folder)
    except RecordingError as exc:
        assert "01-01" in str(exc) and exc.problem
        return
    assert_valid_ground_truth({"ppg": rec.ppg, "times": rec.ppg_times, "hr": rec.hr, "hr_dropped": "n/a"})
    assert np.array_equal(rec.hr_times, rec.ppg_times)
    assert (np.diff(rec.frame_times) > 0).all()


@PROPS
@given(doc=pure_json())
def test_pure_loader_survives_random_json(pure_session, doc):
    check_pure(pure_session, json.dumps(doc))  # NaN / Infinity are written as JSON accepts them


@PROPS
@given(data=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_pure_loader_survives_random_bytes(pure_session, data):
    check_pure(pure_session, data.decode("utf-8", "replace"))


def test_pure_loader_rejects_pathological_json(pure_session):
    for text in ("[" * 100_000 + "]" * 100_000, '{"/Image": [{"Timestamp": ' + "9" * 5000 + "}]}",
                 json.dumps({"/Image": [{"Timestamp": FRAME_NS[0]}],
                             "/FullPackage": [{"Timestamp": float("inf"), "Value": {"waveform": 1, "pulseRate": 60}}]}),
                 json.dumps({"/Image": [{"Timestamp": 2 ** 80}],
                             "/FullPackage": [{"Timestamp": 2 ** 80, "Value": {"waveform": 1, "pulseRate": 60}}]})):
        with pytest.raises(RecordingError, match="01-01.json"):
            load_pure_folder_with(pure_session, text)


def load_pure_folder_with(folder: Path, text: str):
    (folder / "01-01.json").write_text(text)
    return load_pure_folder(folder)


def test_byte_order_mark_is_tolerated(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + b"0.1 0.5 0.2\n\n0 0.1 0.2\n")
    assert read_folder_txt(path)["ppg"].tolist() == [0.1, 0.5, 0.2]


# ------------------------------------------------------------------ 4. clear errors for the run itself
def test_unwritable_output_folder_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "somefile"
    blocker.write_text("a file, not a folder")
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.avi").write_bytes(b"")
    rc = run_cli("--datasets", f"folder={folder}", "--methods", "pos", "--out", str(blocker / "sub"))
    assert rc == 2
    err = capsys.readouterr().err
    assert "cannot write to output folder" in err and str(blocker / "sub") in err


@pytest.mark.parametrize("kind", ["missing", "empty", "file"])
def test_missing_or_empty_data_root_is_named(tmp_path, capsys, kind):
    root = tmp_path / "nowhere"
    if kind == "empty":
        root.mkdir()
    elif kind == "file":
        root.write_text("not a folder")
    rc = run_cli("--datasets", f"folder={root}", "--methods", "pos", "--out", str(tmp_path / "run"))
    assert rc in (1, 2)
    err = capsys.readouterr().err
    assert str(root) in err
    assert {"missing": "does not exist", "empty": "no videos", "file": "does not exist"}[kind] in err


def test_dataset_without_any_root_says_how_to_give_one(tmp_path, capsys, monkeypatch):
    for var in ("RPPG_DATA_ROOT", "RPPG_UBFC_ROOT"):
        monkeypatch.delenv(var, raising=False)
    rc = run_cli("--datasets", "ubfc", "--methods", "pos", "--out", str(tmp_path / "run"))
    assert rc in (1, 2)
    err = capsys.readouterr().err
    assert "no root folder" in err and "--data-root" in err
