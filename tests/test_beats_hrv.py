"""Beat times, beat matching, inter-beat-interval errors and HRV indices (metrics.beats, metrics.hrv).

Pulses with known systolic peaks come from the PPG model: within a beat the
pulse is the beat template on the beat's phase, so the systolic peak of beat k
is at ``onset_k + phi * RR_k`` with ``phi`` the template's peak phase.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rppg_bench.datasets.ppg_model import HeartRateVariability, raw_beat, simulate_pulse
from rppg_bench.metrics.beats import (
    beat_times,
    ibi_errors,
    match_beats,
    secondary_waves,
)
from rppg_bench.metrics.hrv import (
    HRV_INDICES,
    MIN_LF_HF_DURATION_S,
    artefact_share,
    hrv_differences,
    hrv_indices,
)

#: a band holding 40-180 bpm and the model's wander (+-3 bpm) and jitter around them
WIDE_BAND_HZ = (0.5, 3.5)


def systolic_peaks(model) -> np.ndarray:
    """True systolic peak times (s) of a ``PulseModel``'s beats."""
    grid = np.arange(20000) / 20000
    phi = grid[np.argmax(raw_beat(grid, model.morphology))]
    return model.onsets[:-1] + phi * np.diff(model.onsets)


def beats_from_ibi(ibi_s: np.ndarray, start_s: float = 0.5) -> np.ndarray:
    """Beat times (s) whose intervals are ``ibi_s`` (s)."""
    return start_s + np.concatenate([[0.0], np.cumsum(ibi_s)])


@settings(max_examples=40, deadline=None)
@given(hr=st.floats(40, 180), fs=st.floats(25, 60), phase=st.floats(0, 2 * np.pi))
def test_constant_rate_sine_has_no_variability(hr, fs, phase):
    """A sine at a constant rate: mean IBI within 0.5 ms of 60000 / rate, RMSSD and SDNN under
    2 ms, no successive difference over 50 ms (beats 2.5 s or more from the ends, past the band-pass
    filter's transient)."""
    t = np.arange(int(30 * fs)) / fs
    beats = beat_times(np.sin(2 * np.pi * hr / 60 * t + phase), fs, band=WIDE_BAND_HZ)
    idx = hrv_indices(beats[(beats > 2.5) & (beats < t[-1] - 2.5)])
    assert idx["mean_ibi_ms"] == pytest.approx(60000 / hr, abs=0.5)
    assert idx["rmssd_ms"] < 2.0  # measured at most 1.0 ms over 600 draws
    assert idx["sdnn_ms"] < 2.0
    assert idx["pnn50_pct"] == 0.0


#: largest RMSSD error (ms) of the beats of a clean pulse with known IBIs (measured at most 7.1 ms
#: over 300 draws of 40-180 bpm at 25-60 Hz with 4 bpm of sinus arrhythmia and 3 % RR jitter)
RMSSD_TOLERANCE_MS = 10.0


@settings(max_examples=30, deadline=None)
@given(hr=st.floats(40, 180), fs=st.floats(25, 60), seed=st.integers(0, 2 ** 16))
@example(hr=40.0, fs=25.0, seed=10723)  # a dicrotic wave of 0.57 of the systolic height (secondary_waves)
def test_beats_of_a_known_pulse_are_recovered(hr, fs, seed):
    """Clean model pulse with a known, variable IBI series: every beat found (away from the first
    and last 0.75 s, half a beat at 40 bpm, where the filter and the cut beat move or hide a peak),
    no dicrotic wave taken for a beat, the IBIs within
    a third of a frame interval and the RMSSD of the matched beats within RMSSD_TOLERANCE_MS."""
    t = np.arange(int(30 * fs)) / fs
    variability = HeartRateVariability(rsa_bpm=4.0, rr_jitter=0.03)
    model = simulate_pulse(0.0, float(t[-1]), hr, np.random.default_rng(seed), variability=variability)
    ref = systolic_peaks(model)
    ref = ref[(ref >= t[0]) & (ref <= t[-1])]
    est = beat_times(model.ppg(t), fs, band=WIDE_BAND_HZ)
    pairs, missed, extra = match_beats(ref, est)
    inner = (0.75, t[-1] - 0.75)
    assert not np.any((ref[missed] > inner[0]) & (ref[missed] < inner[1]))
    assert not np.any((est[extra] > inner[0]) & (est[extra] < inner[1]))
    assert ibi_errors(ref, est)["ibi_mae_ms"] < 1000.0 / (3 * fs)
    true, found = hrv_indices(ref[pairs[:, 0]]), hrv_indices(est[pairs[:, 1]])
    assert found["rmssd_ms"] == pytest.approx(true["rmssd_ms"], abs=RMSSD_TOLERANCE_MS)


def test_secondary_waves_are_the_peaks_lower_than_both_neighbours():
    """A late wave of 0.4-0.5 of the systolic peaks on every beat is secondary; a beat that breathing
    makes 30 % smaller, or a lone low peak beside a tall one only, is not."""
    alternating = np.array([1.0, 0.45, 1.1, 0.4, 0.9, 0.5, 1.0])
    assert secondary_waves(alternating).tolist() == [False, True, False, True, False, True, False]
    breathing = np.array([1.0, 0.85, 0.7, 0.75, 0.9, 1.0])
    assert not secondary_waves(breathing).any()
    assert secondary_waves(np.array([0.5, 1.0, 0.9])).tolist() == [True, False, False]  # its one neighbour
    assert not secondary_waves(np.array([1.0, 0.3, 1.0]), share=0.0).any()  # share 0: every peak counts


def test_a_strong_late_wave_is_not_a_beat():
    """A 50 bpm pulse whose late wave (a little past mid-beat, half the systolic height: 0.55 of its
    prominence once band-passed) passes the first pass on every beat: one beat per cycle, the rate
    within 0.5 bpm (without the secondary-wave rule: both waves, about 100 bpm). A late wave above
    0.6 of the systolic prominence still counts as a beat (the rule's limit)."""
    fs, hr = 30.0, 50.0
    t = np.arange(int(30 * fs)) / fs
    phase = (t * hr / 60.0) % 1.0
    pulse = np.exp(-0.5 * ((phase - 0.15) / 0.06) ** 2) + 0.5 * np.exp(-0.5 * ((phase - 0.6) / 0.08) ** 2)
    for share, beats_per_cycle in ((0.6, 1), (0.0, 2)):
        found = beat_times(pulse, fs, band=WIDE_BAND_HZ, secondary_share=share)
        rate = 60.0 * (found.size - 1) / (found[-1] - found[0])
        assert rate == pytest.approx(beats_per_cycle * hr, abs=0.5)


def test_matching_is_one_to_one_and_counts_missed_and_extra_beats():
    ref = beats_from_ibi(np.full(20, 0.8))
    est = np.sort(np.concatenate([np.delete(ref, [3, 10]) + 0.01, [ref[5] + 0.05, ref[15] + 0.4]]))
    pairs, missed, extra = match_beats(ref, est)
    np.testing.assert_array_equal(missed, [3, 10])
    assert extra.size == 2  # the second beat near ref[5] and the one between beats
    assert len(set(pairs[:, 0])) == len(set(pairs[:, 1])) == len(pairs) == ref.size - 2
    err = ibi_errors(ref, est)
    assert (err["missed"], err["extra"], err["n_matched"]) == (2, 2, 19)
    assert err["matched_share"] == pytest.approx(19 / 21)
    assert err["ibi_mae_ms"] == pytest.approx(0.0, abs=1e-6)
    assert err["n_ibi"] == 20 - 4 - 2  # intervals touching a missed beat or an extra one are not compared


def test_noise_is_scored_with_consistent_counts():
    fs = 30.0
    t = np.arange(int(30 * fs)) / fs
    model = simulate_pulse(0.0, float(t[-1]), 75.0, np.random.default_rng(1))
    ref = systolic_peaks(model)
    ref = ref[(ref >= t[0]) & (ref <= t[-1])]
    noisy = model.ppg(t) + np.random.default_rng(2).normal(0.0, 1.0, t.size)
    err = ibi_errors(ref, beat_times(noisy, fs))
    assert err["n_matched"] + err["missed"] == err["n_ref"]
    assert err["n_matched"] + err["extra"] == err["n_est"]
    assert err["missed"] + err["extra"] > 0
    clean = ibi_errors(ref, beat_times(model.ppg(t), fs))
    assert err["ibi_mae_ms"] > clean["ibi_mae_ms"]


def test_short_recordings_give_a_reason_not_a_number():
    beats = beats_from_ibi(np.full(37, 0.8))  # 29.6 s
    idx = hrv_indices(beats)
    assert idx["lf_hf"] is None
    assert idx["lf_hf_reason"] == f"needs >= {MIN_LF_HF_DURATION_S:g} s, got 30 s"
    assert idx["rmssd_ms_reason"] is None and idx["rmssd_ms"] == pytest.approx(0.0, abs=1e-9)
    few = hrv_indices(beats[:2])
    assert all(few[name] is None for name in HRV_INDICES)
    assert few["sdnn_ms_reason"] == "needs >= 3 beats, got 2"


@pytest.mark.parametrize("freq_hz, lf_dominant", [(0.1, True), (0.25, False)])
def test_lf_hf_follows_the_band_of_the_ibi_oscillation(freq_hz, lf_dominant):
    ibi = [0.8]
    while sum(ibi) < 300:
        ibi.append(0.8 + 0.03 * np.sin(2 * np.pi * freq_hz * sum(ibi)))
    idx = hrv_indices(beats_from_ibi(np.array(ibi)))
    assert idx["lf_hf_reason"] is None
    assert (idx["lf_hf"] > 5) if lf_dominant else (idx["lf_hf"] < 0.2)


def test_hrv_differences_are_estimate_minus_reference():
    rng = np.random.default_rng(0)
    ref = beats_from_ibi(0.8 + 0.02 * rng.standard_normal(200))
    est = ref + 0.005 * rng.standard_normal(ref.size)
    diff = hrv_differences(ref, est)
    for name in HRV_INDICES:
        assert diff[f"{name}_reason"] is None
        assert diff[f"{name}_diff"] == pytest.approx(diff[f"{name}_est"] - diff[f"{name}_ref"])
    short = hrv_differences(ref[:30], est[:30])
    assert short["lf_hf_diff"] is None and short["lf_hf_reason"].startswith("ref: needs >= 120 s")


def test_pos_beats_of_an_easy_recording(tmp_path: Path):
    """POS on an easy synthetic recording (20 s, 30 fps): IBIs within one frame interval of the
    reference PPG's and every reference beat matched, except within POS's 1.6 s window of either end
    (the overlap-add tapers the pulse there)."""
    from rppg_bench.datasets.synthetic import generate_synthetic
    from rppg_bench.datasets.ubfc import load_ubfc
    from rppg_bench.methods.registry import create_method

    fps = 30.0
    generate_synthetic(tmp_path, seed=0, n_easy=1, n_hard=0, duration=20.0, fps=fps, n_pure=0)
    (rec,) = load_ubfc(tmp_path / "ubfc")
    times, pulse = create_method("pos").extract(rec)
    ppg_times = np.asarray(rec.ppg_times)
    ref = ppg_times[0] + beat_times(np.asarray(rec.ppg), 1.0 / np.median(np.diff(ppg_times)))
    est = times[0] + beat_times(pulse, 1.0 / np.median(np.diff(times)))
    err = ibi_errors(ref, est)
    assert err["ibi_mae_ms"] < 1000.0 / fps  # measured 10.4 ms (generator 5)
    _, missed, extra = match_beats(ref, est)
    assert not np.any((ref[missed] > times[0] + 1.6) & (ref[missed] < times[-1] - 1.6))
    assert extra.size == 0


def test_artefact_share_counts_intervals_that_jump_by_more_than_20_percent():
    regular = np.cumsum(np.full(30, 0.8) + np.random.default_rng(0).normal(0, 0.02, 30))
    assert artefact_share(regular) == 0.0
    missed = np.delete(regular, [10, 20])  # two missed beats: two doubled intervals, each jumps up and back down
    assert artefact_share(missed) == pytest.approx(4 / (missed.size - 2))
    assert artefact_share(regular[:2]) == 0.0  # one interval: nothing to compare
