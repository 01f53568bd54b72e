"""Writing a report folder from result rows: results.csv/json, summary.md, index.html and plots/.

Everything here is computed from the rows (and the run record), never from the
methods, so ``rerender_report`` rebuilds a report without running anything.

A report is a pure function of its inputs, so ``write_report`` keys it by a
hash of the rows, the run record (less the fields that differ between runs of
the same command: date and wall time) and the source of the report code, kept
in ``<out>/.report-inputs.json``. A rerun whose inputs hash the same (e.g. every
row was already in ``rows.jsonl``) leaves the report of the run that made the
rows as it is, instead of drawing every plot and bootstrap interval again;
plots, which depend on the rows only, are kept when only the record changed.
Given a cache folder, the plots are also kept there under their key
(``<cache>/plots/<key>/``), so that a rerun into a new output folder over the same
rows copies them instead of drawing them again, and so is the methods' paired comparison
(``<cache>/comparisons/<key>.json``: Wilcoxon, Friedman and Nemenyi results, the slowest part of a
report to import for).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from .results import ROWS_FILE, jsonable, latest_rows, read_rows

#: run-record fields that differ between two runs of the same command over the same rows
VOLATILE_RECORD_FIELDS = ("date_utc", "wall_time_s", "rows_from_cache")
INPUTS_FILE = ".report-inputs.json"
REPORT_FILES = ("results.csv", "results.json", "summary.md", "index.html")
#: the modules of ``metrics`` that a report's numbers are computed by (besides the rows)
REPORT_METRICS_MODULES = ("stats", "hr_stats", "table", "compare")


@lru_cache(maxsize=1)
def _report_code_digest() -> str:
    """sha256 of the source of the modules a report is drawn by (a code change redraws it)."""
    here = Path(__file__).resolve().parent
    metrics = here.parent / "metrics"
    h = hashlib.sha256()
    for f in (*sorted(here.rglob("*.py")), *(metrics / f"{m}.py" for m in REPORT_METRICS_MODULES)):
        h.update(f.read_bytes())
    return h.hexdigest()


def _plain(value: Any) -> Any:
    return value.tolist() if hasattr(value, "tolist") else str(value)


def _digest(value: Any) -> str:
    """sha256 of ``value`` as JSON (keys sorted; numpy values as lists or numbers, anything else not
    JSON, e.g. a path, by its ``str``)."""
    text = json.dumps(value, sort_keys=True, default=_plain)
    return hashlib.sha256(text.encode()).hexdigest()


def report_keys(rows: list[dict[str, Any]], record: dict[str, Any]) -> dict[str, str]:
    """``{"plots": ..., "report": ...}``: hashes of what the plots (the rows) and the
    whole report (rows and record less ``VOLATILE_RECORD_FIELDS``) are drawn from."""
    code = _report_code_digest()
    plots = _digest({"code": code, "rows": rows})
    stable = {k: v for k, v in record.items() if k not in VOLATILE_RECORD_FIELDS}
    return {"plots": plots, "report": _digest({"plots": plots, "record": stable})}


def _read_inputs(out: Path) -> dict[str, Any]:
    try:
        return json.loads((out / INPUTS_FILE).read_text())
    except (OSError, ValueError):
        return {}


def _all_exist(out: Path, files: list[str]) -> bool:
    return all((out / f).is_file() for f in files)


PLOTS_SECTION = "plots"
PLOTS_MANIFEST = "files.json"


def cached_plots(cache_dir: Path | None, key: str, out: Path) -> list[str] | None:
    """Copy the plots kept under ``key`` in ``cache_dir`` into ``out``; their paths relative to
    ``out``, or None when there are none (no cache, a miss or an unreadable entry)."""
    if cache_dir is None:
        return None
    entry = Path(cache_dir) / PLOTS_SECTION / key
    try:
        files = [str(f) for f in json.loads((entry / PLOTS_MANIFEST).read_text())]
        for f in files:
            (out / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(entry / f, out / f)
    except FileNotFoundError:
        if (entry / PLOTS_MANIFEST).is_file():  # an entry missing a plot is broken: drop it, it is drawn again
            shutil.rmtree(entry, ignore_errors=True)
        return None
    except (OSError, ValueError, TypeError):
        return None
    return files


def keep_plots(cache_dir: Path | None, key: str, out: Path, files: list[str]) -> None:
    """Keep a copy of the plots ``files`` (relative to ``out``) under ``key`` in ``cache_dir``: written
    into a temporary folder and renamed into place, so a reader never sees half an entry. A cache that
    cannot be written is left alone."""
    if cache_dir is None:
        return
    section = Path(cache_dir) / PLOTS_SECTION
    try:
        section.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=section, prefix=".tmp-"))
    except OSError:
        return
    try:
        for f in files:
            (tmp / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / f, tmp / f)
        (tmp / PLOTS_MANIFEST).write_text(json.dumps(files))
        tmp.rename(section / key)
    except OSError:  # e.g. another run kept the same entry first
        shutil.rmtree(tmp, ignore_errors=True)


COMPARISONS_SECTION = "comparisons"


def cached_comparison(cache_dir: Path | None, key: str) -> dict[str, Any] | None:
    """The comparison (``metrics.compare.compared_as_json``) kept under ``key`` in ``cache_dir``; None when
    there is none (no cache, a miss or an unreadable entry)."""
    if cache_dir is None:
        return None
    try:
        data = json.loads((Path(cache_dir) / COMPARISONS_SECTION / f"{key}.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def keep_comparison(cache_dir: Path | None, key: str, data: dict[str, Any]) -> None:
    """Keep the comparison ``data`` (JSON-ready) under ``key`` in ``cache_dir`` (written to a temporary
    file and renamed into place); a cache that cannot be written is left alone."""
    if cache_dir is None:
        return
    from ..cache import write_text_atomic

    section = Path(cache_dir) / COMPARISONS_SECTION
    try:
        section.mkdir(parents=True, exist_ok=True)
        write_text_atomic(section / f"{key}.json", json.dumps(data))
    except OSError:
        return


def comparison(df: Any, cache_dir: Path | None, key: str, force: bool = False) -> dict[str, dict[str, Any]]:
    """``metrics.compare.compare_datasets`` of the successful rows ``df``, read from ``cache_dir`` under
    ``key`` (the rows' and the report code's hash) when kept there, else computed and kept: a rerun into
    a new folder over the same rows imports no ``scipy.stats``. ``force`` computes it again."""
    from ..metrics.compare import compare_datasets, compared_as_json, compared_from_json

    if df.empty:
        return {}
    kept = None if force else cached_comparison(cache_dir, key)
    if kept is not None:
        try:
            return compared_from_json(kept, df)
        except (KeyError, TypeError, ValueError):  # an entry of another shape: compute it again
            pass
    compared = compare_datasets(df)
    keep_comparison(cache_dir, key, compared_as_json(compared))
    return compared


def write_report(out: Path, rows: list[dict[str, Any]], record: dict[str, Any], force: bool = False,
                 cache_dir: Path | None = None) -> Path:
    """Write results.csv, results.json, plots/, summary.md and index.html into ``out``; return summary path.

    Unless ``force``, a report whose inputs hash as the one already in ``out``
    is left as it is, and plots drawn from the same rows are not drawn again
    (see the module docstring); ``cache_dir`` keeps and reuses plots across
    output folders.
    """
    out = Path(out)
    keys = report_keys(rows, record)
    before = {} if force else _read_inputs(out)
    plots_before = [str(p) for p in before.get("plot_files", [])]
    if before.get("report") == keys["report"] and _all_exist(out, [*REPORT_FILES, *plots_before]):
        return out / "summary.md"
    # the drawing code (pandas, scipy.stats, matplotlib) is imported only now: a kept report needs none of
    # it, and a report over rows whose comparison and plots are cached needs neither scipy.stats nor matplotlib
    import pandas as pd

    from .console import console_summary
    from .html.page import write_index
    from .summary import summary_markdown
    from .tables import ok_frame, summary_tables

    (out / INPUTS_FILE).unlink(missing_ok=True)  # a rendering cut short leaves no stale key behind
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    pd.DataFrame(clean).to_csv(out / "results.csv", index=False)
    (out / "results.json").write_text(json.dumps(jsonable({"record": record, "rows": clean}), indent=1))
    df = ok_frame(rows)
    compared = comparison(df, cache_dir, keys["plots"], force)
    if before.get("plots") == keys["plots"] and _all_exist(out, plots_before):
        plots = plots_before
    elif (copied := None if force else cached_plots(cache_dir, keys["plots"], out)) is not None:
        plots = copied
    else:
        from .plots import write_plots  # matplotlib: imported only when plots are drawn

        plots = [str(Path(p).relative_to(out)) for p in write_plots(out / "plots", rows, compared)]
        keep_plots(cache_dir, keys["plots"], out, plots)
    tables = summary_tables(df, record.get("seed", 0))  # bootstrap intervals: once for both pages
    path = out / "summary.md"
    path.write_text(summary_markdown(rows, record, plots, compared, tables))
    write_index(out, rows, record, compared, tables)
    (out / INPUTS_FILE).write_text(json.dumps({**keys, "plot_files": plots, "console": console_summary(rows)},
                                              indent=1))
    return path


def kept_console_summary(out: Path) -> str | None:
    """The console summary of the report in ``out`` as ``write_report`` kept it beside the report's inputs
    (the rows it was written from), or None (a folder written before it was kept): printing it again
    after a kept report needs no pandas."""
    text = _read_inputs(Path(out)).get("console")
    return text if isinstance(text, str) else None


def rerender_report(out: Path) -> Path:
    """Rebuild summary.md, index.html, results.* and plots of run folder ``out`` from its stored rows."""
    out = Path(out)
    rows = latest_rows(read_rows(out / ROWS_FILE))
    record: dict[str, Any] = {}
    if (out / "results.json").exists():
        record = json.loads((out / "results.json").read_text()).get("record", {})
    if not rows:
        raise ValueError(f"{out}: no result rows ({ROWS_FILE} missing or empty)")
    return write_report(out, rows, record, force=True)
