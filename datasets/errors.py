"""Error types raised by dataset loaders.

``DatasetError``: a whole dataset cannot be used (missing root, empty folder).
``RecordingError``: one recording is broken; the others still load.
Both carry the offending path in their message.
"""

from __future__ import annotations

from pathlib import Path


class DatasetError(Exception):
    """A whole dataset is unusable (missing root, nothing to load)."""


class RecordingError(Exception):
    """One recording is unusable; ``path`` names the offending file."""

    def __init__(self, path: str | Path, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")
