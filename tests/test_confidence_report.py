"""The report's "HR at confidence" section names the kept estimates that are still grossly wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rppg_bench.metrics.evaluate import confidence_columns
from rppg_bench.metrics.table import CONFIDENCE_METRICS, summary_table
from rppg_bench.reports.tables import confidence_section, confident_gross_note


def rows() -> pd.DataFrame:
    """Two methods on three videos of dataset "d": green confidently 40 bpm off on the flicker clip,
    pos grossly wrong there too but at a confidence under the threshold (not kept)."""
    error = [0.2, 0.4, 40.3, 0.1, 0.3, 12.0, 30.0]
    confident = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0]
    return pd.DataFrame({
        "dataset": ["d"] * 6 + ["e"],
        "method": ["green"] * 3 + ["pos"] * 3 + ["green"],
        "video": ["a", "b", "flicker"] * 2 + ["x"],
        "subject": ["a", "b", "flicker"] * 2 + ["x"],
        "hr_true": 60.0,
        "hr_pred": [60.0 + e for e in error],
        "hr_abs_error": error,
        "hr_confidence": [0.9, 0.8, 0.99, 0.9, 0.9, 0.2, 0.9],
        "hr_confident": confident,
        "hr_abs_error_confident": [e if c else float("nan") for e, c in zip(error, confident, strict=True)],
        "win_hr_mae": error,
        "win_hr_mae_confident": error,
        "win_hr_confident_share": confident,
    })


def test_the_note_names_kept_gross_estimates_per_method_and_leaves_out_dropped_ones():
    note = confident_gross_note(rows(), "d")
    assert "1 of 5 kept whole-video estimates" in note  # pos's 12 bpm error is not kept
    assert "green 1 (flicker 40.3 bpm)" in note and "pos" not in note
    assert "The confidence on video" in note  # where the reader learns why


def test_the_note_names_only_the_largest_errors_of_a_method_with_many():
    many = pd.DataFrame({"dataset": "d", "method": "green", "video": [f"v{i}" for i in range(10)],
                         "hr_abs_error": [6.0 + i for i in range(10)], "hr_confident": 1.0})
    note = confident_gross_note(many, "d")
    assert "10 of 10 kept" in note and "green 10 (the largest: v9 15.0 bpm, v8 14.0 bpm, v7 13.0 bpm)" in note
    assert "v6" not in note


def test_no_note_when_every_kept_estimate_is_right_or_the_estimator_has_no_confidence():
    right = rows().assign(hr_abs_error=[0.2, 0.4, 0.3, 0.1, 0.3, 12.0, 0.5])
    assert confident_gross_note(right, "d") == ""
    assert confident_gross_note(rows().drop(columns=["hr_confident"]), "d") == ""


def test_the_section_carries_the_note_under_its_table():
    df = rows()
    lines = confidence_section(summary_table(df, CONFIDENCE_METRICS), df, "d", {"hr_min_confidence": 0.5})
    assert lines[0] == "### HR at confidence >= 0.5"
    assert any(line.startswith("Kept although more than 5 bpm off: 1 of 5") for line in lines)
    other = confidence_section(summary_table(df, CONFIDENCE_METRICS), df.assign(hr_abs_error=0.1), "d",
                               {"hr_min_confidence": 0.5})
    assert not any(line.startswith("Kept although") for line in other)


def test_gross_window_shares_of_all_and_of_kept_windows():
    """Windows 6 and 7 bpm off are gross (> 5 bpm); the kept ones are those at confidence >= 0.5."""
    err, conf = np.array([0.5, 6.0, -7.0, 1.0]), np.array([0.9, 0.9, 0.1, 0.2])
    cols = confidence_columns(0.3, 0.8, err, conf, min_confidence=0.5)
    assert cols["win_hr_gross_share"] == 0.5 and cols["win_hr_gross_share_confident"] == 0.5
    assert confidence_columns(0.3, 0.8, err, conf, min_confidence=0.05)["win_hr_gross_share_confident"] == 0.5
    assert confidence_columns(0.3, 0.8, err, np.array([0.9, 0.1, 0.1, 0.9]), 0.5)["win_hr_gross_share_confident"] == 0
    assert np.isnan(confidence_columns(0.3, 0.8, err, conf, min_confidence=0.95)["win_hr_gross_share_confident"])
    assert np.isnan(confidence_columns(0.3, float("nan"), err, conf, 0.5)["win_hr_gross_share"])  # no confidence
