"""The git revision of a checkout, as run records and shipped weights record it."""

from __future__ import annotations

import subprocess
from pathlib import Path


def checkout_revision(folder: str | Path, whole_checkout: bool = False) -> str | None:
    """The commit of the git checkout holding ``folder``, with ``+dirty`` when a tracked file under
    ``folder`` is modified (anywhere in the checkout with ``whole_checkout``); None outside a checkout
    or without the git program."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(folder), *args], check=False, capture_output=True, text=True,
                              timeout=10).stdout.strip()
    try:
        rev = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", *([] if whole_checkout else ["--", "."]))
    except (OSError, subprocess.SubprocessError):
        return None
    return (rev + ("+dirty" if dirty else "")) if rev else None
