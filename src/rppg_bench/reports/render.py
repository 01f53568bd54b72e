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
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from ..metrics.compare import compare_datasets
from .html.page import write_index
from .results import ROWS_FILE, _jsonable, latest_rows, read_rows
from .summary import summary_markdown
from .tables import ok_frame

#: run-record fields that differ between two runs of the same command over the same rows
VOLATILE_RECORD_FIELDS = ("date_utc", "wall_time_s")
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


def _digest(value: Any) -> str:
    text = json.dumps(_jsonable(value), sort_keys=True, default=str)
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


def write_report(out: Path, rows: list[dict[str, Any]], record: dict[str, Any], force: bool = False) -> Path:
    """Write results.csv, results.json, plots/, summary.md and index.html into ``out``; return summary path.

    Unless ``force``, a report whose inputs hash as the one already in ``out``
    is left as it is, and plots drawn from the same rows are not drawn again
    (see the module docstring).
    """
    out = Path(out)
    keys = report_keys(rows, record)
    before = {} if force else _read_inputs(out)
    plots_before = [str(p) for p in before.get("plot_files", [])]
    if before.get("report") == keys["report"] and _all_exist(out, [*REPORT_FILES, *plots_before]):
        return out / "summary.md"
    (out / INPUTS_FILE).unlink(missing_ok=True)  # a rendering cut short leaves no stale key behind
    clean = [{k: v for k, v in r.items() if not k.startswith("_")} for r in rows]
    pd.DataFrame(clean).to_csv(out / "results.csv", index=False)
    (out / "results.json").write_text(json.dumps(_jsonable({"record": record, "rows": clean}), indent=1))
    df = ok_frame(rows)
    compared = compare_datasets(df) if not df.empty else {}
    if before.get("plots") == keys["plots"] and _all_exist(out, plots_before):
        plots = plots_before
    else:
        from .plots import write_plots  # matplotlib: imported only when plots are drawn

        plots = [str(Path(p).relative_to(out)) for p in write_plots(out / "plots", rows, compared)]
    path = out / "summary.md"
    path.write_text(summary_markdown(rows, record, plots, compared))
    write_index(out, rows, record, compared)
    (out / INPUTS_FILE).write_text(json.dumps({**keys, "plot_files": plots}, indent=1))
    return path


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
