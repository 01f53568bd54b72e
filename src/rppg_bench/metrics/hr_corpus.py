"""A signal-level validation corpus for the heart-rate estimators: pulse traces with a known rate, no video.

Each trace is drawn from its own seed (``make_trace(seed)``) and records the factors it was
drawn with; ``corpus_half("design" | "report", n)`` gives the even or the odd seeds, so that the
estimators are tuned on one half and reported on the other. The pulse is
:func:`rppg_bench.datasets.ppg_model.simulate_pulse` (beat timing, beat-to-beat variability,
breathing); the factors:

- ``hr_bpm``: 40-180 bpm base rate; the truth is the mean instantaneous rate of the trace (bpm).
- ``shape``: ``sine`` (a wide symmetric beat: 2nd harmonic 2.5 % of the fundamental's amplitude)
  in 15 % of the traces, else a finger-PPG :func:`random_morphology` blended by ``smoothness``
  in -1..1 toward a rounded camera-like beat (``SMOOTH_MORPHOLOGY``, at 1) or toward a sharper
  one with a strong dicrotic wave (:data:`SHARP_MORPHOLOGY`, at -1: 2nd and 3rd harmonics above the
  fundamental); labelled ``sharp`` (< -1/3), ``finger`` or ``smooth`` (> 1/3).
- ``hrv``: ``low`` or ``high`` beat-to-beat variability, slow wander and sinus arrhythmia.
- ``breathing``: ``weak`` or ``strong`` respiratory modulation of the beat height and baseline.
- ``noise``: ``white`` or ``pink`` (1/f power), at ``snr_db`` -3..10 dB: pulse power over noise
  power, both measured from 0.5 Hz to Nyquist (the slow baseline below is removed by every
  estimator).
- ``disturbance``: ``none`` (half the traces) or one sinusoid at ``0.5x``, ``1.5x``, ``2x`` the
  mean rate or at a ``random`` 0.6-3.2 Hz, its amplitude ``disturbance_ratio`` (0.3-0.8) of
  the pulse's (half its peak-to-peak). A variant of the corpus (``waveform``, not its halves'
  default) makes the same disturbance periodic but not sinusoidal, as head motion or a camera's
  gain hunting are (:mod:`.hr_disturbances`): harmonics 2-4 of its rate at ``r``, ``r^2``, ``r^3`` of
  its fundamental's amplitude (``r`` 0.3-0.8), the whole scaled to the sinusoid's power
  (``"motion"``) or added on top of the same sinusoid (``"motion-added"``, a stronger disturbance);
  every other draw of the trace is unchanged.
- ``step_bpm``: in 30 % of the traces the rate steps by 5-15 bpm (up or down) at 25-75 % of it.
- ``duration_s`` 10 or 30 s; ``fs`` 30 Hz (70 %), 25 or 60 Hz (15 % each).

A second, separate set (:func:`recorded_half`) takes the pulse from the real finger-PPG
recordings heartpy ships instead (:func:`make_recorded_trace`); it is not part of the halves above,
so their figures stay as they were.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from scipy import signal as sps

from ..datasets.ppg_model import (
    HeartRateVariability,
    PulseModel,
    PulseMorphology,
    Respiration,
    blend_morphology,
    random_morphology,
    simulate_pulse,
)
from ..datasets.ppg_recordings import CleanStretch, recorded_pulse
from .defaults import GROSS_BPM
from .hr_disturbances import (
    check_waveform,
    disturbance_shape,
    periodic_wave,
)

CORPUS_TAG = 24
"""Mixed into every trace's seed so the corpus does not share random streams with other tests."""

HR_RANGE_BPM = (40.0, 180.0)
DISTURBANCES = ("0.5x", "1.5x", "2x", "random")
SNR_BAND_LOW_HZ = 0.5

#: a wide, symmetric beat with no dicrotic wave: its 2nd harmonic is about 2.5 % of the fundamental
SINE_MORPHOLOGY = PulseMorphology(systolic_phase=0.5, systolic_rise=0.25, systolic_fall=0.25,
                                  dicrotic_phase=0.5, dicrotic_rise=0.1, dicrotic_fall=0.1,
                                  dicrotic_ratio=0.0)

#: a narrow systolic peak and a strong dicrotic wave half a beat later: harmonic powers 1 : 1.4 : 1.2
SHARP_MORPHOLOGY = PulseMorphology(systolic_phase=0.15, systolic_rise=0.04, systolic_fall=0.08,
                                   dicrotic_phase=0.5, dicrotic_rise=0.05, dicrotic_fall=0.12,
                                   dicrotic_ratio=0.9)

_HRV = {"low": HeartRateVariability(wander_bpm=1.0, rsa_bpm=0.5, rr_jitter=0.01, amplitude_jitter=0.02),
        "high": HeartRateVariability(wander_bpm=4.0, rsa_bpm=3.0, rr_jitter=0.05, amplitude_jitter=0.08)}


@dataclass(frozen=True, eq=False)
class Trace:
    """One pulse trace ``signal`` (N,) at ``fs`` Hz, its true mean rate ``hr_bpm`` and its factors."""

    seed: int
    fs: float
    duration_s: float
    hr_bpm: float
    shape: str
    smoothness: float
    hrv: str
    breathing: str
    noise: str
    snr_db: float
    disturbance: str
    disturbance_hz: float
    disturbance_ratio: float
    step_bpm: float
    signal: np.ndarray
    disturbance_waveform: str = "sinusoid"

    def factors(self) -> dict:
        """Every field but the signal (for a table row)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "signal"}


def make_trace(seed: int, waveform: str = "sinusoid") -> Trace:
    """The trace of ``seed`` (any non-negative int): factors and signal drawn from its own generator;
    its disturbance, if any, a sinusoid or (``waveform`` ``"motion"`` / ``"motion-added"``) periodic
    with harmonics."""
    return make_trace_parts(seed, waveform)[0]


def make_trace_parts(seed: int, waveform: str = "sinusoid") -> tuple[Trace, dict[str, np.ndarray]]:
    """The trace of ``seed`` and its parts (N,) each: ``pulse`` (with breathing baseline),
    ``disturbance`` (zeros if none) and ``noise``; the trace's signal is their sum. ``waveform``
    (:data:`DISTURBANCE_WAVEFORMS`) changes only the disturbance: a ``motion-added`` trace is its
    ``sinusoid`` twin with the harmonics of :mod:`.hr_disturbances` (drawn from a generator of their
    own) added to the sinusoid, a ``motion`` trace the same disturbance scaled to the sinusoid's power."""
    harmonics, same_power = disturbance_shape(waveform, [CORPUS_TAG, 3, int(seed)])
    rng = np.random.default_rng([CORPUS_TAG, int(seed)])
    fs = float(rng.choice([30.0, 25.0, 60.0], p=[0.7, 0.15, 0.15]))
    duration = float(rng.choice([10.0, 30.0]))
    hr = float(rng.uniform(*HR_RANGE_BPM))
    smoothness = float(rng.uniform(-1.0, 1.0)) if rng.uniform() >= 0.15 else float("nan")
    morphology = pulse_morphology(rng, smoothness)
    hrv = str(rng.choice(list(_HRV)))
    breathing = str(rng.choice(["weak", "strong"]))
    respiration = _respiration(rng, breathing)
    step = _step_size(rng, hr)
    t = np.arange(round(duration * fs)) / fs
    model = _pulse_model(rng, t[-1], hr, step, _HRV[hrv], morphology, respiration)
    pulse = model.ppg(t)
    truth = float(np.mean(model.hr(t)))
    wave, noise, drawn = disturbance_and_noise(rng, pulse, t, fs, truth, harmonics, same_power)
    trace = Trace(seed=int(seed), fs=fs, duration_s=duration, hr_bpm=truth,
                  shape=shape_label(smoothness), smoothness=smoothness, hrv=hrv, breathing=breathing,
                  step_bpm=step, signal=pulse + wave + noise, disturbance_waveform=waveform, **drawn)
    return trace, {"pulse": pulse, "disturbance": wave, "noise": noise}


def disturbance_and_noise(rng: np.random.Generator, pulse: np.ndarray, t: np.ndarray, fs: float,
                          truth_bpm: float, harmonics: np.ndarray | None = None,
                          same_power: bool = True) -> tuple[np.ndarray, np.ndarray, dict]:
    """The disturbance (none in half the traces, else one of :data:`DISTURBANCES`' kinds at 0.3-0.8 of
    the pulse's amplitude: a sinusoid, or with ``harmonics`` (:mod:`.hr_disturbances`) a periodic wave
    holding them too) and the white or pink noise at -3..10 dB SNR added to ``pulse`` (N,) at times ``t``
    (N,) s, ``fs`` Hz: ``(wave (N,), noise (N,), the Trace fields they set)``."""
    disturbance = "none" if rng.uniform() < 0.5 else str(rng.choice(DISTURBANCES))
    f_dist, ratio = _disturbance_frequency(rng, disturbance, truth_bpm), float(rng.uniform(0.3, 0.8))
    disturbed = disturbance != "none"
    wave = (periodic_wave(t, f_dist, rng.uniform(0, 2 * np.pi), 0.5 * ratio, fs, harmonics, same_power)
            if disturbed else np.zeros(t.size))
    noise_kind, snr_db = str(rng.choice(["white", "pink"])), float(rng.uniform(-3.0, 10.0))
    noise = noise_at_snr(rng, pulse, fs, noise_kind, snr_db)
    return wave, noise, {"noise": noise_kind, "snr_db": snr_db, "disturbance": disturbance,
                         "disturbance_hz": f_dist if disturbed else float("nan"),
                         "disturbance_ratio": ratio if disturbed else 0.0}


def make_recorded_trace(seed: int, stretches: list[CleanStretch], waveform: str = "sinusoid") -> Trace:
    """A trace of ``seed`` whose pulse is a real recording's excerpt (:mod:`..datasets.ppg_recordings`,
    the clean ``stretches``) instead of the PPG model: drawn from its own generator, with the factors of
    :func:`make_trace` but no heart-rate step and the recording's own variability (``hrv`` "recorded");
    ``smoothness`` 0-1 low-passes the excerpt toward a facial pulse (shape ``recorded-sharp`` below 0.5,
    ``recorded-smooth`` above). The drawn rate is played within the recordings' speed bounds, so the
    true rates are about 45-150 bpm. ``waveform`` shapes the disturbance as in :func:`make_trace_parts`."""
    harmonics, same_power = disturbance_shape(waveform, [CORPUS_TAG, 5, int(seed)])
    rng = np.random.default_rng([CORPUS_TAG, 2, int(seed)])
    fs = float(rng.choice([30.0, 25.0, 60.0], p=[0.7, 0.15, 0.15]))
    duration = float(rng.choice([10.0, 30.0]))
    hr = float(rng.uniform(*HR_RANGE_BPM))
    smoothness = float(rng.uniform(0.0, 1.0))
    breathing = str(rng.choice(["weak", "strong"]))
    t = np.arange(round(duration * fs)) / fs
    model = recorded_pulse(float(rng.uniform()), 0.0, float(t[-1]), hr, rng, respiration=_respiration(rng, breathing),
                           stretches=stretches, smoothness=smoothness)
    pulse = model.ppg(t)
    truth = float(np.mean(model.hr(t)))
    wave, noise, drawn = disturbance_and_noise(rng, pulse, t, fs, truth, harmonics, same_power)
    return Trace(seed=int(seed), fs=fs, duration_s=duration, hr_bpm=truth,
                 shape="recorded-smooth" if smoothness >= 0.5 else "recorded-sharp", smoothness=smoothness,
                 hrv="recorded", breathing=breathing, step_bpm=0.0, signal=pulse + wave + noise,
                 disturbance_waveform=waveform, **drawn)


def recorded_half(half: str, n: int, stretches: list[CleanStretch], waveform: str = "sinusoid") -> list[Trace]:
    """``n`` recorded-pulse traces (:func:`make_recorded_trace`, disturbances of ``waveform``) of the
    ``"design"`` (even seeds) or ``"report"`` (odd seeds) half."""
    if half not in ("design", "report"):
        raise ValueError(f"corpus half must be 'design' or 'report', got {half!r}")
    first = 0 if half == "design" else 1
    return [make_recorded_trace(first + 2 * i, stretches, waveform) for i in range(int(n))]


def corpus_half(half: str, n: int, start: int = 0, waveform: str = "sinusoid") -> list[Trace]:
    """``n`` traces of the ``"design"`` (even seeds) or ``"report"`` (odd seeds) half, from seed ``start``,
    their disturbances of ``waveform`` (:data:`DISTURBANCE_WAVEFORMS`)."""
    offsets = {"design": 0, "report": 1}
    if half not in offsets:
        raise ValueError(f"corpus half must be 'design' or 'report', got {half!r}")
    first = 2 * (int(start) // 2) + offsets[half]
    return [make_trace(first + 2 * i, waveform) for i in range(int(n))]


def pulse_morphology(rng: np.random.Generator, smoothness: float) -> PulseMorphology:
    """:data:`SINE_MORPHOLOGY` for NaN ``smoothness``, else a :func:`random_morphology` moved by
    ``|smoothness|`` (in -1..1) toward the smooth beat (> 0) or :data:`SHARP_MORPHOLOGY` (< 0)."""
    if np.isnan(smoothness):
        return SINE_MORPHOLOGY
    finger = random_morphology(rng)
    if smoothness >= 0:
        return blend_morphology(finger, smoothness)
    return blend_morphology(finger, -smoothness, smooth=SHARP_MORPHOLOGY)


def shape_label(smoothness: float) -> str:
    """``sine`` for NaN, else ``sharp`` / ``finger`` / ``smooth`` by thirds of ``smoothness`` in -1..1."""
    if np.isnan(smoothness):
        return "sine"
    return ("sharp", "finger", "smooth")[min(2, int(1.5 * (smoothness + 1.0)))]


def coloured_noise(rng: np.random.Generator, n: int, fs: float, kind: str) -> np.ndarray:
    """Gaussian noise (n,) at ``fs`` Hz: ``white`` or ``pink`` (power 1/f, flat below 0.05 Hz)."""
    white = rng.standard_normal(n)
    if kind == "white":
        return white
    if kind != "pink":
        raise ValueError(f"noise kind must be 'white' or 'pink', got {kind!r}")
    f = np.fft.rfftfreq(n, 1.0 / fs)
    return np.fft.irfft(np.fft.rfft(white) / np.sqrt(np.maximum(f, 0.05)), n)


def noise_at_snr(rng: np.random.Generator, pulse: np.ndarray, fs: float, kind: str, snr_db: float) -> np.ndarray:
    """:func:`coloured_noise` (N,) of ``kind`` scaled so that ``pulse`` (N,) at ``fs`` Hz is ``snr_db``
    above it (:func:`band_power` of each)."""
    noise = coloured_noise(rng, pulse.size, fs, kind)
    return noise * np.sqrt(band_power(pulse, fs) / band_power(noise, fs) * 10 ** (-snr_db / 10))


def band_power(x: np.ndarray, fs: float, low_hz: float = SNR_BAND_LOW_HZ) -> float:
    """Power of ``x`` (N,) from ``low_hz`` to Nyquist (a.u.^2), from its periodogram."""
    f, p = sps.periodogram(x, fs=fs, detrend="constant")
    return float(np.sum(p[f >= low_hz]) * (f[1] - f[0]))


def _respiration(rng: np.random.Generator, breathing: str) -> Respiration:
    rate = rng.uniform(0.15, 0.4)
    if breathing == "weak":
        return Respiration(rate_hz=rate)
    return Respiration(rate_hz=rate, amplitude_modulation=rng.uniform(0.15, 0.3),
                       baseline=rng.uniform(0.2, 0.5), drift=0.2)


def _step_size(rng: np.random.Generator, hr: float) -> float:
    """0 (70 %) or a step of 5-15 bpm, down when ``hr`` is in the top half of the range (bpm)."""
    if rng.uniform() >= 0.3:
        return 0.0
    size = rng.uniform(5.0, 15.0)
    return -size if hr > np.mean(HR_RANGE_BPM) else size


def _pulse_model(rng: np.random.Generator, t_end: float, hr: float, step: float,
                 variability: HeartRateVariability, morphology: PulseMorphology,
                 respiration: Respiration) -> PulseModel:
    """The pulse on [0, t_end] s at ``hr`` bpm, stepping by ``step`` bpm at 25-75 % of it if non-zero:
    the beats of a second pulse at ``hr + step`` follow the first one's last beat before the step."""
    first = simulate_pulse(0.0, t_end, hr, rng, variability=variability, morphology=morphology,
                           respiration=respiration)
    if step == 0.0:
        return first
    t_step = rng.uniform(0.25, 0.75) * t_end
    second = simulate_pulse(0.0, t_end, hr + step, rng, variability=variability, morphology=morphology,
                            respiration=respiration)
    keep = first.onsets <= t_step
    tail = second.onsets - second.onsets[0] + first.onsets[keep][-1]
    return dataclasses.replace(first, onsets=np.concatenate([first.onsets[keep], tail[1:]]),
                               beat_gain=np.concatenate([first.beat_gain[keep], second.beat_gain[1:]]))


def _disturbance_frequency(rng: np.random.Generator, kind: str, hr_bpm: float) -> float:
    """Frequency (Hz) of a disturbance of ``kind`` for a pulse at ``hr_bpm``."""
    if kind == "random":
        return float(rng.uniform(0.6, 3.2))
    ratio = {"none": 0.0, "0.5x": 0.5, "1.5x": 1.5, "2x": 2.0}[kind]
    return ratio * hr_bpm / 60.0


# --------------------------------------------------------------- recordings
@dataclass(frozen=True, eq=False)
class Recording:
    """A longer trace for windowed heart rate: ``signal`` (N,) at ``fs`` Hz, the exact instantaneous
    rate ``hr_bpm`` (N,) at each sample, the heart-rate ``step_bpm`` (0 if none) and the start times
    (s) of the ``burst_s``-long windows holding a strong disturbance, ``bursts`` (B,)."""

    seed: int
    fs: float
    signal: np.ndarray
    hr_bpm: np.ndarray
    step_bpm: float
    bursts: np.ndarray
    burst_s: float


def make_recording(seed: int, duration_s: float = 60.0, fs: float = 30.0, burst_s: float = 10.0,
                   burst_chance: float = 0.3, waveform: str = "sinusoid") -> Recording:
    """A ``duration_s`` recording of ``seed`` (the trace factors drawn as in :func:`make_trace`, the rate
    50-150 bpm, a 10-25 bpm step in half of them, SNR 0-10 dB); each ``burst_s`` window holds, with
    ``burst_chance``, a sinusoid at 0.5x, 1.5x, 2x the rate or at random, 0.5-1.0 of the pulse's amplitude,
    or with ``waveform`` ``"motion"`` / ``"motion-added"`` the same burst with harmonics
    (:mod:`.hr_disturbances`, a generator of their own per burst; as in :func:`make_trace_parts`)."""
    check_waveform(waveform)
    rng = np.random.default_rng([CORPUS_TAG, 1, int(seed)])
    t = np.arange(round(duration_s * fs)) / fs
    hr = float(rng.uniform(50.0, 150.0))
    step = float(rng.choice([-1.0, 1.0]) * rng.uniform(10.0, 25.0)) if rng.uniform() < 0.5 else 0.0
    smoothness = float(rng.uniform(-1.0, 1.0)) if rng.uniform() >= 0.15 else float("nan")
    model = _pulse_model(rng, t[-1], hr, step, _HRV[str(rng.choice(list(_HRV)))],
                         pulse_morphology(rng, smoothness), _respiration(rng, str(rng.choice(["weak", "strong"]))))
    pulse, rate = model.ppg(t), model.hr(t)
    starts = np.arange(0.0, duration_s - burst_s + 1e-9, burst_s)
    bursts = starts[rng.uniform(size=starts.size) < burst_chance]
    wave = np.zeros(t.size)
    for i, b in enumerate(bursts):
        inside = (t >= b) & (t < b + burst_s)
        kind = str(rng.choice(DISTURBANCES))
        f = _disturbance_frequency(rng, kind, float(np.mean(rate[inside])))
        harmonics, same_power = disturbance_shape(waveform, [CORPUS_TAG, 4, int(seed), i])
        amplitude = 0.5 * rng.uniform(0.5, 1.0)  # drawn before the phase, as always
        wave[inside] = periodic_wave(t[inside], f, rng.uniform(0, 2 * np.pi), amplitude, fs, harmonics, same_power)
    noise = coloured_noise(rng, t.size, fs, str(rng.choice(["white", "pink"])))
    noise = noise * np.sqrt(band_power(pulse, fs) / band_power(noise, fs) * 10 ** (-rng.uniform(0.0, 10.0) / 10))
    return Recording(seed=int(seed), fs=fs, signal=pulse + wave + noise, hr_bpm=rate, step_bpm=step,
                     bursts=bursts, burst_s=burst_s)


# ------------------------------------------------------------------ scoring
_RATIO_TOL = 0.08  # relative tolerance of a halved / doubled estimate


def error_kinds(truth_bpm: np.ndarray, estimate_bpm: np.ndarray) -> dict[str, np.ndarray]:
    """Per trace (K,) booleans: ``failed`` (NaN estimate), ``gross`` (|error| > 5 bpm or failed),
    ``halved`` / ``doubled`` (a gross error within 8 % of half / twice the truth)."""
    truth, est = np.asarray(truth_bpm, dtype=float), np.asarray(estimate_bpm, dtype=float)
    failed = ~np.isfinite(est)
    ratio = np.where(failed, np.nan, est / truth)
    gross = failed | (np.abs(est - truth) > GROSS_BPM)
    with np.errstate(invalid="ignore"):
        halved = gross & (np.abs(ratio - 0.5) <= 0.5 * _RATIO_TOL)
        doubled = gross & (np.abs(ratio - 2.0) <= 2.0 * _RATIO_TOL)
    return {"failed": failed, "gross": gross, "halved": halved, "doubled": doubled}


def error_summary(truth_bpm: np.ndarray, estimate_bpm: np.ndarray) -> dict[str, float]:
    """Count ``n``, ``gross_pct``, ``halving_pct``, ``doubling_pct`` (% of the traces, a failure counting
    as gross), ``failed_pct`` and ``mae_bpm`` (over the traces with an estimate)."""
    kinds = error_kinds(truth_bpm, estimate_bpm)
    err = np.abs(np.asarray(estimate_bpm, dtype=float) - np.asarray(truth_bpm, dtype=float))
    ok = ~kinds["failed"]
    pct = {f"{k}_pct": 100.0 * float(np.mean(v)) if v.size else float("nan") for k, v in kinds.items()}
    return {"n": int(err.size), "gross_pct": pct["gross_pct"], "halving_pct": pct["halved_pct"],
            "doubling_pct": pct["doubled_pct"], "failed_pct": pct["failed_pct"],
            "mae_bpm": float(np.mean(err[ok])) if np.any(ok) else float("nan")}
