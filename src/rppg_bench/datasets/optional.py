"""Optional readers (h5py, pyedflib) imported when a dataset needs them, with a clear install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import DatasetError

#: the extra that installs every optional dataset reader
EXTRA = "rppg-bench[datasets]"


def require_reader(module: str, dataset: str, what: str) -> ModuleType:
    """Import ``module`` (e.g. ``"h5py"``) for ``dataset``; ``DatasetError`` saying what it reads
    (``what``, e.g. "MAT v7.3 files") and how to install it when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise DatasetError(f"{dataset}: reading {what} needs the package {module!r}, which is not "
                           f"installed: pip install '{EXTRA}'") from exc
