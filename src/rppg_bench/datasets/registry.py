"""Datasets by name: registry, root resolution and loading.

A loader is a function ``load(root: Path, **params) -> list[Recording | RecordingError]``:
one entry per recording found, a ``RecordingError`` for each broken one (so one
bad recording never stops the others), and a ``DatasetError`` when the whole
dataset is unusable. Third-party loaders join through the entry-point group
``rppg_bench.datasets``.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..registry import Registry
from .errors import DatasetError, RecordingError
from .recording import Recording

DATASETS = Registry("dataset", "rppg_bench.datasets")
DATASETS.add("ubfc", "rppg_bench.datasets.ubfc:load_ubfc", aliases=("ubfc-rppg",))
DATASETS.add("pure", "rppg_bench.datasets.pure:load_pure")
DATASETS.add("folder", "rppg_bench.datasets.folder:load_folder")
DATASETS.add("synthetic", "rppg_bench.datasets.synthetic:load_synthetic", aliases=("synth",))
DATASETS.add("mahnob-hci", "rppg_bench.datasets.mahnob:load_mahnob", aliases=("mahnob",))
DATASETS.add("mmpd", "rppg_bench.datasets.mmpd:load_mmpd", aliases=("mini-mmpd",))
DATASETS.add("scamps", "rppg_bench.datasets.scamps:load_scamps")
DATASETS.add("vipl-hr", "rppg_bench.datasets.vipl_hr:load_vipl_hr", aliases=("vipl",))
DATASETS.add("lgi-ppgi", "rppg_bench.datasets.lgi_ppgi:load_lgi_ppgi")
DATASETS.add("ubfc-phys", "rppg_bench.datasets.ubfc_phys:load_ubfc_phys", aliases=("ubfc_phys", "ubfcphys"))
DATASETS.add("cohface", "rppg_bench.datasets.cohface:load_cohface")
DATASETS.add("ibvp", "rppg_bench.datasets.ibvp:load_ibvp")
DATASETS.add("bp4d+", "rppg_bench.datasets.bp4dplus:load_bp4dplus", aliases=("bp4dplus",))
DATASETS.add("physdrive", "rppg_bench.datasets.physdrive:load_physdrive")

#: datasets that need no root (they generate or embed their data)
ROOTLESS = {"synthetic"}

DATA_ROOT_ENV = "RPPG_DATA_ROOT"


def register_dataset(name: str, *aliases: str) -> Callable:
    """Decorator registering a loader function under ``name`` (and aliases)."""
    return DATASETS.register(name, *aliases)


def dataset_root_env(name: str) -> str:
    """Environment variable naming the root of dataset ``name``, e.g. ``RPPG_PURE_ROOT``,
    ``RPPG_UBFC_PHYS_ROOT``, ``RPPG_BP4DPLUS_ROOT`` (letters, digits and ``_`` only, so a shell can set it)."""
    return "RPPG_" + re.sub(r"[^A-Z0-9]", "_", name.upper().replace("+", "PLUS")) + "_ROOT"


def resolve_root(name: str, data_root: str | Path | None = None,
                 overrides: Mapping[str, str | Path] | None = None,
                 environ: Mapping[str, str] | None = None) -> Path | None:
    """Root folder of dataset ``name``.

    Priority: ``overrides[name]`` (from ``name=path``), ``$RPPG_<NAME>_ROOT``,
    ``data_root/<name>``, ``$RPPG_DATA_ROOT/<name>``. ``None`` when nothing names
    it (fine for root-less datasets such as ``synthetic``).
    """
    environ = os.environ if environ is None else environ
    key = DATASETS.canonical(name)
    overrides = {DATASETS.canonical(k): v for k, v in (overrides or {}).items()}
    if key in overrides:
        return Path(overrides[key]).expanduser()
    if environ.get(dataset_root_env(key)):
        return Path(environ[dataset_root_env(key)]).expanduser()
    base = data_root or environ.get(DATA_ROOT_ENV)
    if base:
        return Path(base).expanduser() / key
    return None


@dataclass
class LoadedDataset:
    """The recordings of one dataset and the errors of those that failed to load."""

    name: str
    root: Path | None
    recordings: list[Recording] = field(default_factory=list)
    errors: list[RecordingError] = field(default_factory=list)


def load_dataset(name: str, root: str | Path | None = None, **params) -> LoadedDataset:
    """Load dataset ``name`` from ``root`` (see :func:`resolve_root`).

    Raises ``DatasetError`` when the root is missing or holds no recording.
    """
    key = DATASETS.canonical(name)
    loader = DATASETS.get(key)
    if root is None and key not in ROOTLESS:
        raise DatasetError(
            f"dataset {key!r}: no root folder given; use --data-root DIR (reads DIR/{key}), "
            f"{key}=PATH, or set ${dataset_root_env(key)}")
    path = Path(root) if root is not None else None
    if path is not None and not path.is_dir() and key not in ROOTLESS:
        raise DatasetError(f"dataset {key!r}: root folder {path} does not exist")
    entries = loader(path, **params) if path is not None else loader(**params)
    out = LoadedDataset(key, path)
    for e in entries:
        (out.errors if isinstance(e, RecordingError) else out.recordings).append(e)
    if not out.recordings and not out.errors:
        raise DatasetError(f"dataset {key!r}: no recordings found in {path}")
    return out


def dataset_info(name: str, data_root: str | Path | None = None) -> dict[str, Any]:
    """What ``--list`` shows of dataset ``name``: ``summary`` (the on-disk layout in one line: the
    loader module's ``LAYOUT``, else the loader's first docstring line),
    ``parameters`` (loader keywords and defaults), ``root`` (as resolved now, or None)
    and ``root_hint`` (how to give it)."""
    key = DATASETS.canonical(name)
    loader = DATASETS.get(key)
    params = {p.name: p.default for i, p in enumerate(inspect.signature(loader).parameters.values())
              if i > 0 and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}  # the first one is the root
    root = resolve_root(key, data_root)
    hint = ("none needed (generated locally)" if key in ROOTLESS
            else f"--datasets {key}=PATH, ${dataset_root_env(key)}, or --data-root DIR (reads DIR/{key})")
    layout = getattr(inspect.getmodule(loader), "LAYOUT", None)
    summary = layout or (inspect.getdoc(loader) or "").split("\n")[0]
    return {"name": key, "summary": summary, "parameters": params,
            "root": str(root) if root else None, "root_hint": hint}
