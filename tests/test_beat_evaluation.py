"""Beat, HRV and breathing metrics in a run: the columns of every row, the report's section and
plots, the protocol record, reasons instead of numbers (metrics.beat_metrics, reports)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rppg_bench import cli
from rppg_bench.datasets.ppg_model import simulate_pulse
from rppg_bench.datasets.synthetic import generate_synthetic
from rppg_bench.metrics.beat_metrics import (
    DERIVED_FROM_PPG,
    RESPIRATION_BELT,
    beat_offset,
)
from rppg_bench.metrics.beats import beat_times
from rppg_bench.metrics.evaluate import evaluate_prediction
from rppg_bench.metrics.hrv import HRV_INDICES
from rppg_bench.metrics.protocol import PROTOCOLS, Protocol
from rppg_bench.metrics.signal import signal_normalize

#: the synthetic default's first easy recording (20 s at 30 fps, 320x240), whose breathing
#: (generator 5: 12-18 breaths/min, 3-5 bpm of sinus arrhythmia) can be read from the pulse
CLIP = {"seed": 0, "n_easy": 1, "n_hard": 0, "duration": 20.0}
BEAT_COLUMNS = ("ibi_mae_ms", "beats_matched_share", "beats_missed", "beats_extra", "breathing_est",
                "breathing_ref", "breathing_ref_source", "breathing_win_mae")


def run(root: Path, out: Path, cache: Path, *extra: str) -> pd.DataFrame:
    """results.csv of POS on the clip at ``root`` (exit code 0 asserted)."""
    params = [arg for k, v in CLIP.items() for arg in ("--param", f"synthetic.{k}={v}")]
    rc = cli.main(["--datasets", f"synthetic={root}", *params, "--methods", "pos", "--out", str(out),
                   "--quiet", "--cache-dir", str(cache), *extra])
    assert rc == 0
    return pd.read_csv(out / "results.csv")


@pytest.fixture(scope="module")
def clip_root(tmp_path_factory) -> Path:
    return generate_synthetic(tmp_path_factory.mktemp("beats") / "set", **CLIP)


@pytest.fixture(scope="module")
def default_run(clip_root, tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("run") / "out"
    return out, run(clip_root, out, clip_root.parent / "cache")


def test_pos_beats_and_breathing_on_an_easy_clip(default_run, clip_root):
    """POS's IBIs within one frame interval (33 ms at 30 fps) of the reference PPG's, and its breathing
    rate within 2 breaths/min of the respiration reference the generator wrote."""
    _, rows = default_run
    (row,) = rows.to_dict("records")
    assert row["status"] == "ok"
    assert row["ibi_mae_ms"] < 1000 / 30  # measured 10.6 ms
    assert row["beats_matched_share"] > 0.9 and row["beats_extra"] == 0
    true_rate = 60 * json.loads((clip_root / "manifest.json").read_text())["recordings"][0]["respiration_hz"]
    assert row["breathing_ref_source"] == RESPIRATION_BELT
    assert row["breathing_ref"] == pytest.approx(true_rate, abs=0.5)
    assert abs(row["breathing_error"]) < 2  # measured -0.80 breaths/min
    assert abs(row["breathing_est"] - true_rate) < 2


def test_every_hrv_index_has_a_number_or_a_reason(default_run):
    _, rows = default_run
    (row,) = rows.to_dict("records")
    for name in HRV_INDICES:
        has_number = np.isfinite(row[f"{name}_diff"])
        has_reason = isinstance(row[f"{name}_reason"], str) and row[f"{name}_reason"]
        assert has_number != bool(has_reason), name
    assert row["lf_hf_reason"].startswith("ref: needs >= 120 s, got 19 s")
    assert row["rmssd_ms_diff"] == pytest.approx(row["rmssd_ms_est"] - row["rmssd_ms_ref"])
    for column in BEAT_COLUMNS:
        assert column in rows


def test_report_has_the_section_the_plots_and_the_protocol_record(default_run):
    out, _ = default_run
    summary = (out / "summary.md").read_text()
    section = summary.split("### Beats, HRV and breathing\n", 1)[1].split("\n### ", 1)[0]
    assert "| pos " in section and "IBI MAE (ms)" in section and "respiration belt (1 rows)" in section
    assert "LF/HF abs. diff" in section and "needs >= 120 s" in section  # the rows without a value, and why
    for plot in ("ibi_tachogram.png", "rmssd_bland_altman.png"):
        assert (out / "plots" / plot).stat().st_size > 10_000
        assert f"(plots/{plot})" in summary
    beats = json.loads((out / "results.json").read_text())["record"]["protocol"]["beats"]
    assert beats["tolerance_s"] == 0.15 and beats["band"] == [0.5, 3.5] and beats["min_lf_hf_s"] == 120.0
    assert beats["rel_prominence"] == 0.3
    assert beats["breathing_window"] == 32.0 and beats["min_breathing_s"] == 15.0


def test_toolbox_protocol_computes_no_beat_metrics(clip_root, tmp_path):
    rows = run(clip_root, tmp_path / "out", clip_root.parent / "cache", "--protocol", "toolbox")
    assert (rows["status"] == "ok").all()
    assert not [c for c in rows if c.startswith(("ibi", "beat", "breathing", "rmssd", "lf_hf"))]
    assert "Beats, HRV and breathing" not in (tmp_path / "out" / "summary.md").read_text()
    assert PROTOCOLS["toolbox"].as_dict()["beats"] is None


def model_pulse(duration: float, fs: float = 30.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(times s, PPG) of a simulated pulse at 72 bpm."""
    t = np.arange(int(duration * fs)) / fs
    return t, simulate_pulse(0.0, float(t[-1]), 72.0, np.random.default_rng(seed)).ppg(t)


def test_too_short_a_recording_gives_reasons_not_numbers():
    t, ppg = model_pulse(8.0)
    row = evaluate_prediction(t, signal_normalize(ppg), t, ppg)
    assert row["ibi_mae_ms"] < 5 and row["rmssd_ms_reason"] is None  # beats and time-domain HRV: yes
    assert row["lf_hf_est"] is None and row["lf_hf_reason"] == "ref: needs >= 120 s, got 7 s; est: needs >= 120 s, got 7 s"
    assert row["breathing_est"] is None and row["breathing_ref"] is None
    assert row["breathing_reason"] == "est: too short: 8.0 s, need 15 s; ref: too short: 8.0 s, need 15 s"
    assert row["breathing_ref_source"] == DERIVED_FROM_PPG  # no respiration signal given
    assert np.isnan(row["breathing_win_mae"]) and row["breathing_win_n"] == 0
    assert row["breathing_win_reason"].startswith("no window with a rate on both sides")


def test_too_noisy_a_prediction_gives_reasons_not_numbers():
    t, ppg = model_pulse(40.0)
    noise = np.random.default_rng(1).normal(size=t.size)
    row = evaluate_prediction(t, signal_normalize(noise), t, ppg)
    assert row["pulse_quality_est"] < 0.86 <= row["pulse_quality_ref"]
    for name in ("mean_ibi_ms", "sdnn_ms", "rmssd_ms", "pnn50_pct"):
        assert row[f"{name}_est"] is None and row[f"{name}_ref"] is not None
        assert row[f"{name}_reason"].startswith("est: too noisy: beats unlike their template")
    assert row["breathing_est"] is None and row["breathing_reason"].startswith("est: ")


def test_a_pulse_with_missed_beats_gives_reasons_not_hrv():
    """A clean beat shape whose beats go missing (every 4th beat flattened away: the interval doubles)
    passes the template test, but its intervals are mostly artefacts: HRV and breathing say so."""
    t, ppg = model_pulse(40.0)
    beats = beat_times(ppg, 30.0)
    gap = np.zeros_like(ppg)
    for b in beats[::4]:  # each 4th beat erased: a smooth dip over +-0.35 s around it
        gap += np.exp(-0.5 * ((t - b) / 0.12) ** 2)
    damaged = ppg - (ppg - ppg.min()) * np.clip(gap, 0, 1)
    row = evaluate_prediction(t, signal_normalize(damaged), t, ppg)
    assert row["rmssd_ms_est"] is None and row["rmssd_ms_ref"] is not None
    assert "% of beat intervals change by more than 20 %" in row["rmssd_ms_reason"]
    assert row["breathing_est"] is None and "beat intervals change" in row["breathing_reason"]


def test_respiration_reference_is_used_when_given():
    t, ppg = model_pulse(40.0)
    belt_t = np.arange(0, 41, 1 / 25)
    belt = np.sin(2 * np.pi * 0.3 * belt_t)
    row = evaluate_prediction(t, signal_normalize(ppg), t, ppg, respiration=belt, respiration_times=belt_t)
    assert row["breathing_ref_source"] == RESPIRATION_BELT
    assert row["breathing_ref"] == pytest.approx(18.0, abs=0.3)


def test_constant_delay_of_the_method_is_taken_out_before_matching():
    t, ppg = model_pulse(30.0)
    delayed = np.interp(t - 0.25, t, ppg)  # the face's pulse 0.25 s late (more than the 0.15 s tolerance)
    row = evaluate_prediction(t, signal_normalize(delayed), t, ppg)
    assert row["beat_offset_s"] == pytest.approx(-0.25, abs=0.02)
    assert row["beats_matched_share"] > 0.9 and row["ibi_mae_ms"] < 5
    ref = np.arange(10) * 0.8
    assert beat_offset(ref, ref + 0.1, 0.5) == pytest.approx(-0.1)
    assert beat_offset(ref, ref + 0.3, 0.5) == pytest.approx(-0.3)
    assert beat_offset(ref[::5], ref[::5] + 0.7, 0.5) == 0.0  # nothing within the bound: no shift
    strict = dataclasses.replace(Protocol(), beats=dataclasses.replace(Protocol().beats, max_offset_s=0.0))
    assert evaluate_prediction(t, signal_normalize(delayed), t, ppg, strict)["beats_matched_share"] < 0.1
