"""Nothing finished is lost: the command line killed at random moments resumes to
the same results as an uninterrupted run, and Ctrl-C ends cleanly.

The CLI runs as a subprocess (``python -m rppg_bench.cli``) over 4 short
face videos (folder layout, 3 s each) with 3 classical methods and
``--no-cache``. It is SIGKILLed 3 times after seeded random delays between its
start-up and its expected completion, then rerun into the same ``--out`` until
it finishes. Ctrl-C (SIGINT to the process group, as a terminal sends it)
ends a run cleanly, with and without a process pool.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from robustness_corpus import write_good_folder_video

from rppg_bench.reports.results import KEY, latest_rows, read_rows

pytestmark = [pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals"), pytest.mark.slow]

VIDEOS = {"subject1_1": (66.0, 11), "subject2_1": (84.0, 12), "subject3_1": (102.0, 13), "subject4_1": (120.0, 14)}
METHODS = ["pos", "chrom", "green"]
METRICS = ["hr_pred", "hr_true", "hr_error", "win_hr_mae", "win_hr_rmse", "wave_rmse", "wave_mae", "wave_r",
           "snr_db", "eval_span_s", "n_frames", "input_sha256"]
N_ROWS = len(VIDEOS) * len(METHODS)


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kill_resume") / "folder"
    root.mkdir()
    for stem, (hr, seed) in VIDEOS.items():
        write_good_folder_video(root, stem, hr, seed)
    return root


def command(data: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "rppg_bench.cli", "--datasets", f"folder={data}",
            "--methods", *METHODS, "--no-cache", "--out", str(out)]


def environment(tmp: Path) -> dict[str, str]:
    env = dict(os.environ, GLOG_minloglevel="2", TF_CPP_MIN_LOG_LEVEL="3", RPPG_CACHE_DIR=str(tmp / "cache"))
    env.pop("RPPG_DATA_ROOT", None)
    return env


@contextmanager
def start(data: Path, out: Path, tmp: Path, *extra: str) -> Iterator[subprocess.Popen]:
    """The CLI in its own process group (as a shell runs a command: Ctrl-C reaches the whole
    group); whatever is left of that group is killed when the block ends (a failed test)."""
    # SIGINT back to its default in the child: a test suite started in the background (``cmd &`` in a
    # script) inherits SIGINT ignored, and Python then never turns Ctrl-C into KeyboardInterrupt
    proc = subprocess.Popen([*command(data, out), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=environment(tmp), cwd=tmp, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        proc.stderr.close()


def line_rows(out: Path) -> list[dict]:
    """Rows of complete lines of ``rows.jsonl`` (a partial last line is ignored)."""
    path = out / "rows.jsonl"
    if not path.exists():
        return []
    text = path.read_text()
    complete = text[: text.rfind("\n") + 1]
    return [json.loads(line) for line in complete.splitlines()]


def wait_for_rows(proc: subprocess.Popen, out: Path, n: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while len(line_rows(out)) < n:
        assert proc.poll() is None, f"run ended before {n} rows: {proc.stderr.read()}"
        assert time.monotonic() < deadline, f"no {n} rows after {timeout} s"
        time.sleep(0.02)


def results_table(out: Path) -> pd.DataFrame:
    table = pd.read_csv(out / "results.csv")
    return table[["dataset", "video", "method", "status", *METRICS]].sort_values(
        ["video", "method"], ignore_index=True)


def assert_complete_and_clean(out: Path) -> None:
    """Every line of rows.jsonl is whole JSON, one ok row per (dataset, video, method), no duplicate."""
    text = (out / "rows.jsonl").read_text()
    assert text.endswith("\n")
    rows = [json.loads(line) for line in text.splitlines()]
    keys = [tuple(r[k] for k in KEY) for r in rows]
    assert len(keys) == len(set(keys)) == N_ROWS, "duplicate or missing rows"
    assert all(r["status"] == "ok" for r in rows)
    assert len(latest_rows(read_rows(out / "rows.jsonl"))) == N_ROWS


@pytest.fixture(scope="module")
def reference(data, tmp_path_factory):
    """An uninterrupted run: (results table, start-up seconds, seconds per video), the times
    measured from when each video's rows appear."""
    tmp = tmp_path_factory.mktemp("reference")
    out = tmp / "run"
    t0 = time.monotonic()
    with start(data, out, tmp) as proc:
        arrivals = []
        for k in range(1, len(VIDEOS) + 1):
            wait_for_rows(proc, out, k * len(METHODS))
            arrivals.append(time.monotonic() - t0)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert_complete_and_clean(out)
    per_video = max((arrivals[-1] - arrivals[0]) / (len(VIDEOS) - 1), 0.05)
    startup = max(arrivals[0] - per_video, 0.1)
    print(f"reference: start-up {startup:.2f} s, {per_video:.2f} s per video, "
          f"rows done at {arrivals[-1]:.2f} s, exit at {time.monotonic() - t0:.2f} s")
    return results_table(out), startup, per_video


def test_sigkill_at_random_moments_then_resume_gives_the_uninterrupted_results(data, reference, tmp_path):
    expected, startup, per_video = reference
    out = tmp_path / "run"
    rng = random.Random(20240611)
    killed, partial, log = 0, 0, []
    for attempt in range(3):
        before = len(line_rows(out))
        remaining = (N_ROWS - before) // len(METHODS)
        # a random moment between start-up and completion: after k more videos (seeded), plus a
        # random part of the next one (or of the start-up, for k = 0); measured on the run itself,
        # so a slow or busy machine moves the moment, not the point in the work
        k = rng.randrange(0, max(remaining, 1))
        pause = rng.uniform(0.0, per_video) + (rng.uniform(0.5, 1.0) * startup if k == 0 else 0.0)
        with start(data, out, tmp_path) as proc:
            wait_for_rows(proc, out, before + k * len(METHODS))
            time.sleep(pause)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait(timeout=120)
        rows = line_rows(out)
        partial += before < len(rows) < N_ROWS
        log.append(f"attempt {attempt}: {k} videos + {pause:.2f} s, exit {proc.returncode}, "
                   f"{before} -> {len(rows)} rows")
        print(log[-1])
        assert all(r["status"] == "ok" for r in rows)
        if attempt == 1 and (out / "rows.jsonl").exists():
            # what a kill in the middle of a write leaves behind: a partial last line
            with open(out / "rows.jsonl", "a") as fh:
                fh.write('{"dataset": "folder", "video": "subject4_1", "method": "po')
    assert killed >= 2 and partial >= 1, log

    result = resume(data, out, tmp_path)
    assert result.returncode == 0, result.stderr
    assert_complete_and_clean(out)
    pd.testing.assert_frame_equal(results_table(out), expected)


def resume(data: Path, out: Path, tmp: Path) -> subprocess.CompletedProcess:
    """The same command again, run to completion."""
    return subprocess.run(command(data, out), capture_output=True, text=True, check=False, env=environment(tmp),
                          cwd=tmp, timeout=120)


def ctrl_c(proc: subprocess.Popen) -> None:
    """What Ctrl-C in a terminal does: SIGINT to the command's whole process group (pool workers too)."""
    os.killpg(proc.pid, signal.SIGINT)


def test_ctrl_c_stops_cleanly_keeps_finished_rows_and_says_how_to_resume(data, reference, tmp_path):
    expected, _, _ = reference
    out = tmp_path / "run"
    with start(data, out, tmp_path) as proc:
        wait_for_rows(proc, out, len(METHODS))  # the first video is done
        ctrl_c(proc)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode in (1, 130), err  # handled: not 0, not killed by the signal (-2)
    assert "Interrupted" in err and "Resume with" in err and str(out) in err
    kept = line_rows(out)
    assert len(kept) >= len(METHODS) and all(r["status"] == "ok" for r in kept)
    assert len(kept) < N_ROWS, "the run finished before Ctrl-C arrived"
    assert (out / "rows.jsonl").read_text().endswith("\n")

    result = resume(data, out, tmp_path)
    assert result.returncode == 0, result.stderr
    assert_complete_and_clean(out)
    final = {tuple(r[k] for k in KEY): r for r in latest_rows(read_rows(out / "rows.jsonl"))}
    for row in kept:  # finished rows were kept, not recomputed
        assert final[tuple(row[k] for k in KEY)] == row
    pd.testing.assert_frame_equal(results_table(out), expected)


def test_ctrl_c_with_a_process_pool_stops_without_running_the_queue(data, tmp_path):
    out = tmp_path / "run"
    with start(data, out, tmp_path, "--jobs", "2") as proc:
        wait_for_rows(proc, out, len(METHODS))
        ctrl_c(proc)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode in (1, 130), err
    assert "Resume with" in err
    kept = line_rows(out)
    assert len(METHODS) <= len(kept) < N_ROWS and all(r["status"] == "ok" for r in kept)
