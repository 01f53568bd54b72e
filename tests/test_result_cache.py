"""Rerunning into a new output folder reads result rows and plots from the cache (issue 22's fast start).

A row is read back only where everything it depends on is the same (recording,
method parameters, protocol, code); otherwise it is computed. A kept report and
a cached rerun do not import the signal processing.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest

from rppg_bench import cli
from rppg_bench.cache import CACHE_ENV
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.methods.base import ClassicalMethod
from rppg_bench.methods.registry import METHODS
from rppg_bench.native_logs import VERBOSE_ENV
from rppg_bench.reports.results import read_rows


@pytest.fixture(scope="module")
def ubfc(tmp_path_factory):
    """A UBFC-layout folder of 2 synthetic 8 s recordings."""
    root = tmp_path_factory.mktemp("rowcache")
    generate_synthetic(root, seed=11, n_easy=1, n_hard=1, duration=8.0, n_pure=0)
    return root / "ubfc"


def run(ubfc: Path, out: Path, cache: Path, *extra: str) -> dict:
    """Run the benchmark; its run record (``results.json``)."""
    assert cli.main(["--datasets", f"ubfc={ubfc}", "--methods", "pos", "chrom", "--quiet",
                     "--cache-dir", str(cache), "--out", str(out), *extra]) == 0
    return json.loads((out / "results.json").read_text())["record"]


def keyed(out: Path) -> dict:
    return {(r["video"], r["method"]): r for r in read_rows(out / "rows.jsonl")}


def test_new_folder_reads_rows_and_plots_from_the_cache(ubfc, tmp_path, monkeypatch):
    from rppg_bench.metrics import evaluate
    from rppg_bench.preprocessing import store
    from rppg_bench.reports import plots

    cache = tmp_path / "cache"
    first = run(ubfc, tmp_path / "a", cache)
    assert first["rows_from_cache"] == 0
    monkeypatch.setattr(store, "video_products", lambda *a, **k: pytest.fail("products read again"))
    monkeypatch.setattr(evaluate, "evaluate_prediction", lambda *a, **k: pytest.fail("evaluated again"))
    monkeypatch.setattr(plots, "write_plots", lambda *a, **k: pytest.fail("plots drawn again"))
    second = run(ubfc, tmp_path / "b", cache)
    assert second["rows_from_cache"] == 4
    assert keyed(tmp_path / "a") == keyed(tmp_path / "b")  # every field, timings and thumbnails included
    assert any("_roi_frames" in r for r in keyed(tmp_path / "b").values())
    assert sorted(p.name for p in (tmp_path / "b" / "plots").iterdir()) == \
        sorted(p.name for p in (tmp_path / "a" / "plots").iterdir())
    assert "4 results read from the result cache" in (tmp_path / "b" / "summary.md").read_text()
    monkeypatch.undo()
    (entry,) = (cache / "plots").iterdir()
    (entry / "plots" / "hr_scatter.png").unlink()  # a cached plot lost: the entry is dropped, plots drawn again
    run(ubfc, tmp_path / "c", cache)
    assert (tmp_path / "c" / "plots" / "hr_scatter.png").stat().st_size > 1000
    assert (entry / "plots" / "hr_scatter.png").is_file()  # and kept again, whole


def test_other_settings_or_code_compute_the_rows_again(ubfc, tmp_path, monkeypatch):
    from rppg_bench import row_cache

    cache = tmp_path / "cache"
    run(ubfc, tmp_path / "a", cache)
    assert run(ubfc, tmp_path / "b", cache, "--hr-method", "harmonic")["rows_from_cache"] == 0
    assert run(ubfc, tmp_path / "c", cache, "--param", "pos.window=1.0")["rows_from_cache"] == 2  # chrom's
    versions = row_cache.code_versions()
    monkeypatch.setattr(row_cache, "code_versions", lambda: {**versions, "package": "edited"})
    assert run(ubfc, tmp_path / "d", cache)["rows_from_cache"] == 0


def test_code_digest_ignores_the_presentation_files_only(tmp_path):
    """Editing the report's pages or the live view keeps the cached rows; editing anything that
    computes or writes a row (a method, a metric, reports/results.py) recomputes them."""
    from rppg_bench.row_cache import PRESENTATION_FILES, code_digest

    files = {"methods/pos.py": "a", "metrics/evaluate.py": "b", "reports/results.py": "c",
             "reports/summary.py": "d", "reports/html/page.py": "e", "live/window.py": "f", "data.json": "g"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    before = code_digest(tmp_path, PRESENTATION_FILES)
    for rel, text in files.items():
        (tmp_path / rel).write_text(text + " edited")
        changed = code_digest(tmp_path, PRESENTATION_FILES) != before
        (tmp_path / rel).write_text(text)
        presentation = rel.startswith(("reports/html/", "live/")) or rel == "reports/summary.py"
        assert changed is not presentation, rel
    assert code_digest(tmp_path) != before  # without exclusions every file counts


@dataclass
class FlakyGreen(ClassicalMethod):
    """Fails on its first call in a process, then works (a transient failure)."""

    name = "flakygreen"
    kind = "classical"
    paper = "test"
    calls: ClassVar[list[int]] = [0]

    def pulse(self, rgb, fps):
        FlakyGreen.calls[0] += 1
        if FlakyGreen.calls[0] == 1:
            raise RuntimeError("transient")
        return rgb[:, 1]


def test_failed_rows_are_not_cached_and_no_cache_keeps_nothing(ubfc, tmp_path):
    METHODS.add("flakygreen", FlakyGreen)
    cache = tmp_path / "cache"
    try:
        args = ["--datasets", f"ubfc={ubfc}", "--methods", "flakygreen", "--quiet", "--cache-dir", str(cache)]
        assert cli.main([*args, "--out", str(tmp_path / "a")]) == 1  # one video failed
        assert cli.main([*args, "--out", str(tmp_path / "b")]) == 0
    finally:
        METHODS.remove("flakygreen")
    record = json.loads((tmp_path / "b" / "results.json").read_text())["record"]
    assert record["rows_from_cache"] == 1  # the row that succeeded; the failed one was computed again
    assert all(r["status"] == "ok" for r in read_rows(tmp_path / "b" / "rows.jsonl"))
    assert cli.main(["--datasets", f"ubfc={ubfc}", "--methods", "pos", "--quiet", "--no-cache",
                     "--cache-dir", str(tmp_path / "unused"), "--out", str(tmp_path / "c")]) == 0
    assert not (tmp_path / "unused").exists()
    assert cli.main(["--clear-cache", "--cache-dir", str(cache)]) == 0
    assert not (cache / "rows").exists() and not (cache / "plots").exists() and not (cache / "products").exists()


def test_cache_dir_is_exported_only_for_the_command(ubfc, tmp_path, monkeypatch):
    """``--cache-dir`` reaches the synthetic generator through ``$RPPG_CACHE_DIR`` during the command,
    and the variable is restored after it, so a later command in the process uses its own default."""
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.delenv(VERBOSE_ENV, raising=False)
    seen = []
    monkeypatch.setattr(cli, "run", lambda args: seen.append(os.environ.get(CACHE_ENV)) or 0)
    assert cli.main(["--methods", "pos", "--cache-dir", str(tmp_path / "a")]) == 0
    assert seen == [str(tmp_path / "a")] and CACHE_ENV not in os.environ
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "before"))
    assert cli.main(["--methods", "pos", "--cache-dir", str(tmp_path / "b"), "--verbose"]) == 0
    assert seen[-1] == str(tmp_path / "b") and os.environ[CACHE_ENV] == str(tmp_path / "before")
    assert VERBOSE_ENV not in os.environ
    assert cli.main(["--methods", "pos"]) == 0
    assert seen[-1] == str(tmp_path / "before")


IMPORTS_PROBE = """
import sys
from rppg_bench import cli
code = cli.main(sys.argv[1:])
heavy = ("scipy.signal", "scipy.stats", "matplotlib", "mediapipe", "torch", "sklearn", "pandas", "cv2")
print(code, [m for m in heavy if m in sys.modules])
"""


def test_cached_reruns_import_no_signal_processing(ubfc, tmp_path):
    """Into the same folder: no evaluation and a kept report (and its kept console summary) import none of
    the heavy modules, not even pandas or OpenCV; into a new folder with cached rows, plots and comparison:
    no scipy.signal, scipy.stats, MediaPipe, torch or scikit-learn, and the same report but for the
    header's date, wall time, command and cache line."""
    cache = tmp_path / "cache"
    run(ubfc, tmp_path / "a", cache)

    def probe(out: Path) -> str:
        argv = ["--datasets", f"ubfc={ubfc}", "--methods", "pos", "chrom", "--quiet", "--cache-dir", str(cache),
                "--out", str(out)]
        done = subprocess.run([sys.executable, "-c", IMPORTS_PROBE, *argv], capture_output=True, text=True,
                              timeout=120, check=True)
        return done.stdout.strip().splitlines()[-1]

    code, imported = probe(tmp_path / "b").split(" ", 1)
    assert code == "0"
    assert not {"scipy.signal", "scipy.stats", "mediapipe", "torch", "sklearn"} & set(ast.literal_eval(imported))
    code, imported = probe(tmp_path / "b").split(" ", 1)  # the same command again: the report is kept
    assert code == "0" and not {"scipy.signal", "scipy.stats", "matplotlib", "mediapipe", "torch", "sklearn",
                                "pandas"} & set(ast.literal_eval(imported))
    fresh, cached = ((tmp_path / d / "summary.md").read_text().splitlines() for d in ("a", "b"))
    assert len(fresh) == len(cached) and [i for i, (x, y) in enumerate(zip(fresh, cached)) if x != y] == [2, 3]
