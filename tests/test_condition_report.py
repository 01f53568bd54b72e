"""The report groups each public dataset's results by its recordings' conditions."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from fixtures_mmpd import mmpd_variables, write_mmpd_file
from fixtures_pulse import known_pulse_clip
from fixtures_ubfc_phys import write_info, write_take_from_clip
from fixtures_vipl_hr import write_vipl_clip

from rppg_bench import cli

pytestmark = pytest.mark.slow  # deselect with -m 'not slow' (docs/running.md)


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    """MMPD (two lights), UBFC-Phys (two tasks) and VIPL-HR (two cameras) fixtures of one known pulse."""
    base = tmp_path_factory.mktemp("conditions")
    clip30 = known_pulse_clip(base / "clip30", fps=30.0, duration=8.0)
    clip35 = known_pulse_clip(base / "clip35", fps=35.0, duration=8.0)
    for index, light in enumerate(("LED-high", "Incandescent")):
        write_mmpd_file(base / "mmpd", 1, index, mmpd_variables(clip30, labels={"light": light}))
    write_info(base / "ubfc-phys", "s1", "test")
    for task in ("T1", "T2"):
        write_take_from_clip(base / "ubfc-phys", "s1", task, clip35)
    for source in ("source1", "source3"):
        write_vipl_clip(base / "vipl-hr", f"p1/v1/{source}", clip30)
    return base, clip30.hr_bpm


def condition_section(summary: str, dataset: str) -> str:
    """The "HR MAE (bpm) by condition" table of ``dataset``'s section of summary.md."""
    section = summary.split(f"## {dataset}\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"### HR MAE \(bpm\) by condition\n\n(.*?)\n\n", section, re.DOTALL)
    assert match, f"no condition table for {dataset}"
    return match.group(1)


def test_report_has_per_condition_tables_for_mmpd_ubfc_phys_and_vipl_hr(roots, tmp_path):
    base, hr = roots
    out = tmp_path / "run"
    rc = cli.main(["--datasets", f"mmpd={base / 'mmpd'}", f"ubfc-phys={base / 'ubfc-phys'}",
                   f"vipl-hr={base / 'vipl-hr'}", "--methods", "pos", "--out", str(out), "--quiet",
                   "--cache-dir", str(tmp_path / "cache")])
    assert rc == 0
    rows = pd.read_csv(out / "results.csv")
    assert (rows["status"] == "ok").all() and len(rows) == 6
    assert (rows["hr_true"] - hr).abs().max() < 2 and rows["hr_abs_error"].max() < 2
    summary = (out / "summary.md").read_text()
    for dataset, conditions in (("mmpd", ("LED-high", "Incandescent")), ("ubfc-phys", ("rest", "speech")),
                                ("vipl-hr", set(rows.loc[rows["dataset"] == "vipl-hr", "condition"]))):
        table = condition_section(summary, dataset)
        assert all(c in table for c in conditions), (dataset, table)
    assert set(rows.loc[rows["dataset"] == "mmpd", "label_light"]) == {"LED-high", "Incandescent"}
