"""Results as data: the append-only row store and the run record.

Each (dataset, video, method) result is one JSON line in ``rows.jsonl``,
flushed and fsynced as soon as it exists. A run killed at any moment leaves at
most one partial last line, which is dropped when the store is reopened, so an
interrupted run resumes from what finished. The run record holds the protocol,
every parameter, package versions, git revision, seed and timings.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import traceback
from collections.abc import Iterable
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from ..revision import checkout_revision

ROWS_FILE = "rows.jsonl"
SETTINGS_FILE = "settings.json"
KEY = ("dataset", "video", "method")
VERSIONED_PACKAGES = ("rppg-bench", "numpy", "scipy", "scikit-learn", "opencv-contrib-python", "mediapipe",
                      "pandas", "matplotlib", "torch", "torchvision")


def jsonable(value: Any) -> Any:
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


class ResultStore:
    """Append-only JSON-lines store of result rows in folder ``out``."""

    def __init__(self, out: Path):
        self.out = Path(out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            probe = self.out / ".write-test"
            probe.write_text("ok")
            probe.unlink()
        except OSError as exc:
            raise OSError(f"cannot write to output folder {self.out}: {exc.strerror or exc}") from exc
        self.path = self.out / ROWS_FILE
        self._drop_partial_tail()

    def _drop_partial_tail(self) -> None:
        """Cut a last line left unfinished by a killed run."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(self.path, "r+b") as fh:
                fh.truncate(data.rfind(b"\n") + 1)

    def append(self, row: dict[str, Any]) -> None:
        """Write one row durably (one line, flushed and fsynced)."""
        line = json.dumps(jsonable(row), sort_keys=True) + "\n"
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def rows(self) -> list[dict[str, Any]]:
        """All rows, the last one winning for each (dataset, video, method)."""
        return latest_rows(read_rows(self.path))

    def done_keys(self) -> set[tuple[str, str, str]]:
        """Keys of results that finished successfully."""
        return {tuple(r.get(k, "") for k in KEY) for r in self.rows() if r.get("status") == "ok"}


def _json_values(value: Any) -> Any:
    """``value`` as it reads back from JSON (tuples as lists, numpy scalars as numbers, keys sorted), so
    that settings compare equal to those stored in a file."""
    return json.loads(json.dumps(jsonable(value), sort_keys=True))


def run_settings(protocol: dict[str, Any], methods: dict[str, dict[str, Any]], datasets: dict[str, dict[str, Any]],
                 seed: int, face_confidence: float) -> dict[str, Any]:
    """What a run's numbers depend on besides the code and the data files, as JSON values: the
    protocol, each method's and dataset's parameters, the seed and the face-detection confidence."""
    return _json_values({"protocol": protocol, "methods": methods, "datasets": datasets, "seed": seed,
                         "face_confidence": face_confidence})


def settings_conflicts(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The settings of ``current`` that differ from ``stored`` (both :func:`run_settings`); a method or
    dataset that ``stored`` does not have is an addition, not a conflict."""
    def changed(name: str, old: Any, new: Any) -> list[str]:
        if old == new:
            return []
        if isinstance(old, dict) and isinstance(new, dict):
            return [f"{name}.{k}: {old.get(k)!r} there, {new.get(k)!r} now" for k in sorted(set(old) | set(new))
                    if old.get(k) != new.get(k)]
        return [f"{name}: {old!r} there, {new!r} now"]

    diffs = [d for k in ("protocol", "seed", "face_confidence") for d in changed(k, stored.get(k), current.get(k))]
    for group in ("methods", "datasets"):
        known = stored.get(group, {})
        diffs += [d for name, value in current[group].items() if name in known
                  for d in changed(name, known[name], value)]
    return diffs


def code_identity() -> dict[str, Any]:
    """The harness's git revision and the versions of the packages that shape the numbers."""
    return {"git_revision": git_revision(), "versions": package_versions()}


def claim_settings(out: Path, settings: dict[str, Any], code: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record a run's ``settings`` (:func:`run_settings`) in ``out``, or, when ``out`` already holds a
    run, check them against its settings first: a ValueError names what differs, so that a resumed
    run never mixes in rows made under other settings. Methods and datasets new to ``out`` are
    added to its record, and ``code`` (:func:`code_identity`) to the list (``"code"``, oldest first)
    of code versions that have written rows there. Returns the folder's settings as now recorded."""
    path = Path(out) / SETTINGS_FILE
    merged, history = settings, []
    if path.exists():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: cannot read the settings of the run in this folder ({exc}); "
                             "choose a new --out") from None
        diffs = settings_conflicts(stored, settings)
        if diffs:
            raise ValueError(f"{out} holds results made with other settings ({'; '.join(diffs)}): rerun with "
                             f"that run's settings (see {path.name}) to resume it, or choose a new --out")
        merged = {**settings, **{g: {**stored.get(g, {}), **settings[g]} for g in ("methods", "datasets")}}
        history = list(stored.get("code", []))
    if code is not None:
        code = _json_values(code)
        history += [] if code in history else [code]
    from ..cache import write_text_atomic

    merged = {**merged, "code": history}
    write_text_atomic(path, json.dumps(merged, indent=1, sort_keys=True) + "\n")
    return merged


def read_rows(path: Path) -> list[dict[str, Any]]:
    """Rows of a ``rows.jsonl`` file; an unparseable (partial) line is skipped."""
    if not Path(path).exists():
        return []
    rows = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


def latest_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep the last row per (dataset, video, method), in first-seen order."""
    latest: dict[tuple, dict[str, Any]] = {}
    for r in rows:
        latest[tuple(r.get(k, "") for k in KEY)] = r
    return list(latest.values())


def failed_row(base: dict[str, Any], method: str, exc: BaseException) -> dict[str, Any]:
    """A row recording that ``method`` failed on the video of ``base``, with the reason."""
    text = f"{type(exc).__name__}: {exc}"
    if exc.__traceback__ is not None and not isinstance(exc, (ValueError, OSError)) \
            and type(exc).__name__ not in ("RecordingError", "OutputError"):  # where an unexpected error arose
        text += " | " + traceback.format_exception(exc)[-2].strip().replace("\n", " ")
    return {**base, "method": method, "status": "failed", "error": text}


def git_revision(folder: Path | None = None) -> str:
    """``<commit>`` of the harness source ``folder`` (default: the package's parent folder, ``src`` in a
    checkout), ``+dirty`` when a tracked file under ``folder`` is modified, or ``unknown``. Changes
    elsewhere in the checkout (a report written into it, e.g. ``examples/report``) do not count."""
    return checkout_revision(folder or Path(__file__).resolve().parents[1]) or "unknown"


def package_versions(names: Iterable[str] = VERSIONED_PACKAGES) -> dict[str, str | None]:
    """Installed version of each distribution (None when absent)."""
    out: dict[str, str | None] = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = None
    return out


def run_record(code: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """The reproducibility record of a run: ``fields`` plus versions and git (``code``, as
    :func:`code_identity` gives them; found here when not given), machine and date."""
    code = code or code_identity()
    return jsonable({
        **fields,
        "date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "git_revision": code["git_revision"],
        "versions": code["versions"],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": {"processor": platform.machine(), "cpus": os.cpu_count(), "blas": blas_libraries()},
    })


def blas_libraries() -> list[dict[str, Any]]:
    """NumPy's BLAS (``threadpoolctl.threadpool_info``): API, version and the CPU kernel it chose
    (``architecture``; ``OPENBLAS_CORETYPE`` can force one). Linear-algebra methods (ICA, LGI, PBV,
    OMIT) differ in their last digits between kernels, and ICA's component choice can turn that into a
    visible difference (docs/report.md). Only NumPy's, which every run has loaded (SciPy's, loaded or
    not depending on the run, would make two runs of one command record different machines); [] when
    it cannot be read."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    return [{k: lib.get(k) for k in ("internal_api", "version", "architecture")}
            for lib in threadpool_info()
            if lib.get("user_api") == "blas" and "numpy" in Path(str(lib.get("filepath", ""))).parent.name]
