"""Error types raised by dataset loaders.

``DatasetError``: a whole dataset cannot be used (missing root, empty folder).
``RecordingError``: one recording is broken; the others still load.
Both carry the offending path in their message. A loader that returns a
``RecordingError`` in place of a recording sets its ``recording`` attribute
to the name that recording would have had, so the runner reports the failure
under that name (and a later successful rerun replaces it).
"""

from __future__ import annotations

from pathlib import Path


class DatasetError(Exception):
    """A whole dataset is unusable (missing root, nothing to load)."""


class RecordingError(Exception):
    """One recording is unusable; ``path`` names the offending file.

    ``recording``: the name of the recording it belongs to, when known (set by
    the loaders), else None.
    """

    def __init__(self, path: str | Path, problem: str, recording: str | None = None):
        self.path = Path(path)
        self.problem = problem
        self.recording = recording
        super().__init__(f"{self.path}: {problem}")

    def __reduce__(self):  # picklable for process pools (the default would lose ``path``)
        return (type(self), (self.path, self.problem, self.recording))
