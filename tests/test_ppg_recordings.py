"""Real PPG recordings as pulses of known timing: heartpy's files, clean stretches, playback, corpus."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from rppg_bench.datasets.ppg_model import Respiration, simulate_pulse
from rppg_bench.datasets.ppg_recordings import (
    SPEED_RANGE,
    SYSTOLIC_SHARE,
    PPGRecording,
    beat_shapes,
    clean_stretches,
    heartpy_data,
    heartpy_recordings,
    heartpy_stretches,
    recorded_pulse,
)
from rppg_bench.datasets.synthetic.corpus import (
    CorpusParams,
    draw_factors,
    generate_corpus,
    recorded_params,
)
from rppg_bench.metrics.beats import beat_times
from rppg_bench.metrics.protocol import BEAT_BAND_HZ

needs_heartpy = pytest.mark.skipif(heartpy_data() is None, reason="heartpy (datasets extra) not installed")


def modelled_recording(duration: float = 60.0, fs: float = 100.0, hr_bpm: float = 75.0, seed: int = 1):
    """A recording of the parametric model's PPG, and the model (its beats are the truth)."""
    model = simulate_pulse(0.0, duration, hr_bpm, np.random.default_rng(seed))
    t = np.arange(int(duration * fs)) / fs
    return PPGRecording("model", fs, 500 + 200 * model.ppg(t)), model


@needs_heartpy
def test_heartpys_recordings_are_read_at_their_rates():
    first, second, third = heartpy_recordings()
    assert [r.name for r in (first, second, third)] == ["heartpy:data", "heartpy:data2", "heartpy:data3"]
    assert [r.samples.size for r in (first, second, third)] == [2483, 15000, 68476]
    assert first.fs == 100.0 and first.samples[:5].tolist() == [530, 518, 506, 494, 483]  # heartpy's docstring
    assert second.fs == pytest.approx(1000 / 8.5479, rel=1e-4)   # its timer: 8.548 ms a sample
    assert third.fs == pytest.approx(100.42, abs=0.01)           # 68476 stamps over 681.9 s


@needs_heartpy
def test_clean_stretches_agree_with_heartpys_own_heart_rate():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # heartpy imports pkg_resources
        import heartpy
    stretches = list(heartpy_stretches())
    assert sum(s.marks[-1] for s in stretches) > 400  # of 835 s recorded
    assert {s.recording for s in stretches} == {"heartpy:data", "heartpy:data2", "heartpy:data3"}
    for s in stretches:
        assert s.marks[-1] >= 10.0
        assert np.median(np.ptp(beat_shapes(s.pulse, s.marks * s.fs), axis=1)) == pytest.approx(1.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, measures = heartpy.process(s.pulse, s.fs)
        assert measures["bpm"] == pytest.approx(s.native_hr_bpm, abs=1.5), (s.recording, s.start_s)


def test_a_modelled_pulse_is_marked_beat_for_beat():
    recording, model = modelled_recording()
    (stretch,) = clean_stretches(recording)
    assert stretch.marks[-1] > 50.0
    rr_marked = np.diff(stretch.marks)
    rr_true = np.diff(model.onsets)
    # the marks are one per true beat, at a steady place in it: the intervals agree beat by beat
    first = int(np.argmin(np.abs(model.onsets - (stretch.start_s + stretch.marks[0]))))
    assert np.abs(rr_marked - rr_true[first:first + rr_marked.size]).max() < 0.015
    assert stretch.native_hr_bpm == pytest.approx(60 * rr_true.size / (model.onsets[-1] - model.onsets[0]), abs=1.5)


def test_dropouts_and_odd_beats_are_left_out():
    recording, _ = modelled_recording(duration=90.0)
    samples = recording.samples.copy()
    samples[3000:3200] = 0.0                      # a 2 s sensor dropout at 30 s
    samples[6000:6080] += 900 * np.hanning(80)   # a beat three times too tall at 60 s
    stretches = clean_stretches(PPGRecording("broken", 100.0, samples))
    spans = [(s.start_s, s.start_s + s.marks[-1]) for s in stretches]
    assert len(spans) >= 2
    for lo, hi in spans:
        assert hi <= 30.0 or lo >= 32.0
        assert hi <= 60.0 or lo >= 60.8


def test_a_recorded_pulse_plays_the_stretch_at_the_wanted_rate():
    recording, _ = modelled_recording(duration=90.0, hr_bpm=70.0)
    stretches = clean_stretches(recording)
    rng = np.random.default_rng(0)
    pulse = recorded_pulse(0.4, 0.0, 20.0, 150.0, rng, respiration=Respiration(baseline=0.0, drift=0.0,
                                                                                 amplitude_modulation=0.0),
                           stretches=stretches, speed_range=(0.5, 2.5))
    t = np.arange(0, 20.0, 1 / 30)
    assert pulse.onsets[0] <= 0.0 and pulse.onsets[-1] > 20.0
    assert np.mean(pulse.hr(t)) == pytest.approx(150.0, rel=0.05)
    spectrum = np.abs(np.fft.rfft(pulse.ppg(t) * np.hanning(t.size), 8 * t.size))
    peak_bpm = 60 * np.fft.rfftfreq(8 * t.size, 1 / 30)[np.argmax(spectrum)]
    assert peak_bpm == pytest.approx(np.mean(pulse.hr(t)), abs=2.0)
    # each beat mark of the model falls on the stretch's mark it plays
    inside = (pulse.onsets >= 0) & (pulse.onsets < 20)
    assert np.allclose(pulse.beats(pulse.onsets[inside]), pulse.stretch.at(pulse.marks[inside]))
    # systole is played faster by the square root of the beat's change only; diastole takes the rest
    d, r = np.diff(pulse.onsets), np.diff(pulse.marks)
    systole_end = pulse.onsets[:-1] + np.minimum(SYSTOLIC_SHARE * r * np.sqrt(d / r), 0.8 * d)
    assert np.allclose(pulse.recording_times(systole_end), pulse.marks[:-1] + SYSTOLIC_SHARE * r)
    assert np.all(np.diff(pulse.recording_times(t)) > 0)
    assert pulse.description()["recorded_pulse"]["speed"] == pytest.approx(150.0 / stretches[0].native_hr_bpm,
                                                                          rel=0.05)
    with pytest.raises(ValueError, match="no clean recorded stretch covers 80.0 s at 180 bpm"):
        recorded_pulse(0.4, 0.0, 80.0, 180.0, rng, respiration=Respiration(), stretches=stretches,
                       speed_range=(0.5, 2.5))
    # by default a stretch is played at most 1.5 times faster than its own rate
    bounded = recorded_pulse(0.4, 0.0, 20.0, 150.0, rng, respiration=Respiration(), stretches=stretches)
    assert bounded.description()["recorded_pulse"]["speed"] == pytest.approx(SPEED_RANGE[1], rel=0.03)


@needs_heartpy
def test_beat_times_find_one_beat_per_cycle_of_a_real_finger_pulse():
    """Excerpts of the recordings at 45-75 bpm, as recorded: their late wave passes beat_times' first
    pass on every beat; each cycle between the recording's beat marks holds one found beat (before
    the secondary-wave rule, 2026-12-07: about a third of the cycles, the rate read twice)."""
    stretches = list(heartpy_stretches())
    t = np.arange(0, 20.0, 1 / 30)
    for k, rate in enumerate((45.0, 60.0, 75.0)):
        for draw in (0.1, 0.5, 0.9):
            pulse = recorded_pulse(draw, 0.0, 20.0, rate, np.random.default_rng(k), respiration=Respiration(),
                                   stretches=stretches)
            found = beat_times(pulse.ppg(t), 30.0, band=BEAT_BAND_HZ)
            cycles = pulse.onsets[(pulse.onsets >= 1.0) & (pulse.onsets <= 19.0)]
            per_cycle = np.searchsorted(found, cycles[1:]) - np.searchsorted(found, cycles[:-1])
            assert np.all(per_cycle == 1), (rate, draw, per_cycle)


def test_recorded_pulse_draws_leave_every_other_factor_as_it_was():
    plain, mixed = CorpusParams(seed=4), CorpusParams(seed=4, recorded_pulse_share=0.5)
    drawn = [draw_factors(mixed, i) for i in range(30)]
    assert all("pulse_source" not in draw_factors(plain, i) for i in range(3))
    for i, f in enumerate(drawn):
        assert {k: v for k, v in f.items() if k not in ("pulse_source", "recording_draw")} == draw_factors(plain, i)
    assert {f["pulse_source"] for f in drawn} == {"recorded", "model"}
    with pytest.raises(ValueError, match="recorded_pulse_share"):
        CorpusParams(recorded_pulse_share=1.5)
    assert "recorded_pulse_share" not in plain.as_dict()  # manifests of older corpora stay as they were
    assert recorded_params({"params": mixed.as_dict()}) == mixed


@needs_heartpy
def test_a_corpus_recording_with_a_recorded_pulse_gives_pos_its_heart_rate(tmp_path):
    from rppg_bench.datasets.ubfc import load_ubfc
    from rppg_bench.methods.registry import create_method
    from rppg_bench.testing.method_checks import check_heart_rate

    still = {name: (0.0, 0.0) for name in ("translation_px", "rotation_deg", "yaw_deg", "scale_range",
                                           "episode_fraction", "head_turns_per_min", "brightness_range",
                                           "colour_drift", "key_share", "gain_hunting", "warp")}
    params = CorpusParams(seed=3, n_recordings=1, duration=8.0, width=(320, 320), fps=(30, 30),
                          hr_bpm=(70.0, 110.0), noise_sd=(1.0, 1.0), pulse_amplitude=(0.015, 0.015),
                          mjpg_quality=(90, 90), recorded_pulse_share=1.0, **still)
    root = generate_corpus(tmp_path / "corpus", params)
    (entry,) = json.loads((root / "manifest.json").read_text())["recordings"]
    assert entry["factors"]["pulse_source"] == "recorded" and entry["morphology"] is None
    assert entry["recorded_pulse"]["recording"].startswith("heartpy:")
    played = entry["recorded_pulse"]
    assert entry["hr_mean_bpm"] == pytest.approx(played["native_hr_bpm"] * played["speed"], rel=0.03)
    assert SPEED_RANGE[0] - 0.01 <= played["speed"] <= SPEED_RANGE[1] + 0.01
    (rec,) = load_ubfc(root)
    # the corpus writes its true beats beside the ground truth: 60 / their mean interval is the rate
    assert 60 / np.mean(np.diff(rec.beat_times)) == pytest.approx(entry["hr_mean_bpm"], rel=0.05)
    times, signal = create_method("pos").extract(rec)
    check_heart_rate(times, signal, rec, tolerance_bpm=3.0, where="POS on a recorded pulse")


def test_smoothing_weakens_the_harmonics_and_keeps_the_beats():
    recording, _ = modelled_recording(hr_bpm=70.0)
    (stretch,) = clean_stretches(recording)
    f0 = stretch.native_hr_bpm / 60

    def harmonic_ratio(x: np.ndarray) -> float:
        spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
        f = np.fft.rfftfreq(x.size, 1 / stretch.fs)
        return max(spectrum[np.abs(f - 2 * f0) < 0.1]) / max(spectrum[np.abs(f - f0) < 0.1])

    smooth = stretch.smoothed(1.0)
    assert stretch.smoothed(0.0) is stretch
    assert harmonic_ratio(smooth.pulse) < 0.6 * harmonic_ratio(stretch.pulse)
    assert np.array_equal(smooth.marks, stretch.marks)
    pulse = recorded_pulse(0.2, 0.0, 10.0, 80.0, np.random.default_rng(1), respiration=Respiration(),
                           stretches=[stretch], smoothness=1.0)
    assert pulse.description()["recorded_pulse"]["lowpass_hz"] == pytest.approx(1.5 * f0)


def test_recorded_traces_of_the_signal_corpus_are_seeded_and_labelled():
    from rppg_bench.metrics.hr_corpus import make_recorded_trace, recorded_half
    recording, _ = modelled_recording(duration=90.0, hr_bpm=90.0)
    stretches = clean_stretches(recording)
    first = make_recorded_trace(3, stretches)
    assert np.array_equal(first.signal, make_recorded_trace(3, stretches).signal)
    traces = recorded_half("report", 12, stretches)
    assert [t.seed for t in traces] == list(range(1, 24, 2))
    for t in traces:
        assert t.shape in ("recorded-sharp", "recorded-smooth") and t.hrv == "recorded" and t.step_bpm == 0
        native = stretches[0].native_hr_bpm
        assert SPEED_RANGE[0] * native - 3 <= t.hr_bpm <= SPEED_RANGE[1] * native + 3
        assert t.signal.size == round(t.duration_s * t.fs)


def test_without_heartpy_the_corpus_says_what_to_install(monkeypatch, tmp_path, capsys):
    import rppg_bench.datasets.ppg_recordings as recordings
    from rppg_bench.datasets.synthetic import corpus
    monkeypatch.setattr(recordings, "heartpy_data", lambda: None)
    monkeypatch.setattr(corpus, "heartpy_data", lambda: None)
    with pytest.raises(RuntimeError, match="pip install 'heartpy"):
        recordings.heartpy_recordings()
    with pytest.raises(SystemExit):
        corpus.corpus_main(["--out", str(tmp_path / "c"), "--n", "1", "--recorded-pulses", "0.5"])
    assert "--recorded-pulses needs heartpy" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()

