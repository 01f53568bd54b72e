"""The revision a run records is that of the harness source: a report written into the checkout
(``python benchmark.py --out examples/report``) does not make it ``+dirty``; a changed source file does."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from rppg_bench.reports.results import git_revision
from rppg_bench.revision import checkout_revision

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git program")


def git(repo, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def test_only_changes_to_the_source_folder_mark_a_revision_dirty(tmp_path):
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "examples" / "report").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "code.py").write_text("X = 1\n")
    (tmp_path / "examples" / "report" / "summary.md").write_text("old report\n")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    head = git(tmp_path, "rev-parse", "HEAD")
    src = tmp_path / "src"
    assert git_revision(src) == head
    (tmp_path / "examples" / "report" / "summary.md").unlink()  # a report regenerated in place
    assert git_revision(src) == head
    assert checkout_revision(src, whole_checkout=True) == head + "+dirty"  # shipped weights' record: any change
    (src / "pkg" / "code.py").write_text("X = 2\n")
    assert git_revision(src) == head + "+dirty"


def test_a_folder_outside_any_checkout_has_an_unknown_revision(tmp_path):
    assert git_revision(tmp_path) == "unknown"
    assert checkout_revision(tmp_path) is None
