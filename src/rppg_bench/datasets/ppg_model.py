"""A continuous-time model of the photoplethysmogram (PPG) with exact heart rate.

Beats are laid out first: beat feet ("onsets", s) follow a heart rate that
wanders slowly (a few sinusoids, +- ``wander_bpm``), breathes (respiratory
sinus arrhythmia, +- ``rsa_bpm`` at the respiration rate) and jitters from beat
to beat (each RR interval scaled by ``1 + N(0, rr_jitter)``). Each beat is then
drawn on its own phase (0 at its foot, 1 at the next foot) as two split
Gaussians: a systolic peak with a fast rise and slower fall, and a smaller,
later dicrotic wave; the valley between them is the dicrotic notch. Finally
the beat amplitude varies slightly from beat to beat and with breathing, and
a slight baseline wander (breathing plus a slow drift) is added.

The template is zero-mean with a peak-to-peak of 1, so ``PulseModel.ppg`` is
a zero-mean, unit-amplitude PPG (a.u.). The heart rate at time ``t`` is
exactly ``60 / RR`` (bpm) of the beat containing ``t``. All times in
seconds, rates in Hz or bpm as named.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

_TEMPLATE_GRID = 2048  # phase samples used to normalise the beat template


@dataclass(frozen=True)
class PulseMorphology:
    """Shape of one beat on its phase (0 = foot, 1 = next foot).

    ``systolic_phase``: phase of the systolic peak; ``systolic_rise`` /
    ``systolic_fall``: Gaussian widths (phase units) before / after it;
    ``dicrotic_phase`` and ``dicrotic_rise`` / ``dicrotic_fall``: the same for
    the dicrotic wave, whose height is ``dicrotic_ratio`` of the systolic one.
    """

    systolic_phase: float = 0.2
    systolic_rise: float = 0.07
    systolic_fall: float = 0.12
    dicrotic_phase: float = 0.47
    dicrotic_rise: float = 0.05
    dicrotic_fall: float = 0.19
    dicrotic_ratio: float = 0.55


@dataclass(frozen=True)
class HeartRateVariability:
    """Beat-to-beat variability of the heart rate.

    ``wander_bpm``: bound of the slow wander (bpm) made of sinusoids with
    frequencies in ``wander_hz`` (Hz); ``rsa_bpm``: amplitude (bpm) of the
    respiratory sinus arrhythmia; ``rr_jitter``: relative standard deviation of
    each RR interval (clipped at 3 sd); ``amplitude_jitter``: relative standard
    deviation of each beat's height.
    """

    wander_bpm: float = 3.0
    wander_hz: tuple[float, float] = (0.02, 0.1)
    rsa_bpm: float = 1.5
    rr_jitter: float = 0.02
    amplitude_jitter: float = 0.04


@dataclass(frozen=True)
class Respiration:
    """Breathing: rate (Hz), its modulation of the beat height (relative) and
    the baseline wander it adds (a.u., relative to the unit pulse), plus a slow
    drift of the baseline bounded by ``drift`` (a.u.)."""

    rate_hz: float = 0.25
    amplitude_modulation: float = 0.05
    baseline: float = 0.06
    drift: float = 0.05


@dataclass(frozen=True, eq=False)
class PulseModel:
    """A PPG in continuous time.

    ``onsets`` (K,) beat feet in s, strictly increasing, covering the span the
    model is evaluated on; ``beat_gain`` (K,) relative height of each beat;
    ``drift_terms`` (M, 3) rows of (amplitude, frequency Hz, phase rad) of the
    slow baseline drift; ``respiration_phase`` (rad).
    """

    onsets: np.ndarray
    beat_gain: np.ndarray
    morphology: PulseMorphology = PulseMorphology()
    respiration: Respiration = Respiration()
    respiration_phase: float = 0.0
    drift_terms: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    @property
    def span(self) -> tuple[float, float]:
        """First and last onset (s): the model is defined in between."""
        return float(self.onsets[0]), float(self.onsets[-1])

    def beat_index(self, t: np.ndarray) -> np.ndarray:
        """Index of the beat containing each time ``t`` (s); ValueError outside the span."""
        t = np.asarray(t, dtype=float)
        lo, hi = self.span
        if t.size and (t.min() < lo or t.max() >= hi):
            raise ValueError(f"times [{t.min():.3f}, {t.max():.3f}] s outside the beats [{lo:.3f}, {hi:.3f}) s")
        return np.searchsorted(self.onsets, t, side="right") - 1

    def hr(self, t: np.ndarray) -> np.ndarray:
        """Exact instantaneous heart rate (bpm) at times ``t`` (s): 60 / RR of the beat."""
        k = self.beat_index(t)
        return 60.0 / (self.onsets[k + 1] - self.onsets[k])

    def phase(self, t: np.ndarray) -> np.ndarray:
        """Beat phase in [0, 1) at times ``t`` (s)."""
        k = self.beat_index(t)
        return (np.asarray(t, dtype=float) - self.onsets[k]) / (self.onsets[k + 1] - self.onsets[k])

    def breathing(self, t: np.ndarray) -> np.ndarray:
        """The breathing (a.u., unit amplitude) at ``t`` (s) that modulates the pulse, as a
        respiratory belt would record it: ``sin`` of the breathing phase, highest where the
        beats are tallest and the heart rate fastest (respiratory sinus arrhythmia)."""
        return np.sin(2 * np.pi * self.respiration.rate_hz * np.asarray(t, dtype=float) + self.respiration_phase)

    def beats(self, t: np.ndarray) -> np.ndarray:
        """The beats alone at ``t`` (s): zero-mean, unit peak-to-peak, before gain and baseline."""
        return beat_template(self.phase(t), self.morphology)

    def description(self) -> dict[str, object]:
        """What a manifest records of the pulse's shape."""
        return {"morphology": dataclasses.asdict(self.morphology)}

    def ppg(self, t: np.ndarray) -> np.ndarray:
        """The PPG (a.u., zero-mean unit-amplitude pulse plus slight baseline) at ``t`` (s)."""
        t = np.asarray(t, dtype=float)
        breath = 2 * np.pi * self.respiration.rate_hz * t + self.respiration_phase
        gain = np.interp(t, self.onsets, self.beat_gain)
        gain = gain * (1.0 + self.respiration.amplitude_modulation * np.sin(breath))
        pulse = gain * self.beats(t)
        baseline = self.respiration.baseline * np.sin(breath + 0.5 * np.pi)
        for amplitude, freq, phi in self.drift_terms:
            baseline = baseline + amplitude * np.sin(2 * np.pi * freq * t + phi)
        return pulse + baseline


def beat_rate_bpm(beats_s: np.ndarray) -> float:
    """Mean rate (bpm) of beat times ``beats_s`` (K,) s: intervals over the time they span (the mean
    of the instantaneous rate 60 / RR over that time); NaN with fewer than two beats."""
    beats_s = np.asarray(beats_s, dtype=float)
    if beats_s.size < 2 or not beats_s[-1] > beats_s[0]:
        return float("nan")
    return 60.0 * (beats_s.size - 1) / float(beats_s[-1] - beats_s[0])


def split_gaussian(x: np.ndarray, centre: float, rise: float, fall: float) -> np.ndarray:
    """Unit-height Gaussian of width ``rise`` left of ``centre`` and ``fall`` right of it."""
    d = np.asarray(x, dtype=float) - centre
    width = np.where(d < 0, rise, fall)
    return np.exp(-0.5 * (d / width) ** 2)


def raw_beat(phase: np.ndarray, m: PulseMorphology) -> np.ndarray:
    """Un-normalised beat on ``phase`` (any real; periodic with period 1)."""
    phase = np.mod(np.asarray(phase, dtype=float), 1.0)
    out = np.zeros_like(phase)
    for wrap in (-1.0, 0.0, 1.0):  # wrapped so consecutive beats join smoothly
        out += split_gaussian(phase + wrap, m.systolic_phase, m.systolic_rise, m.systolic_fall)
        out += m.dicrotic_ratio * split_gaussian(phase + wrap, m.dicrotic_phase, m.dicrotic_rise,
                                                 m.dicrotic_fall)
    return out


def beat_template(phase: np.ndarray, m: PulseMorphology = PulseMorphology()) -> np.ndarray:
    """Beat shape at ``phase``: zero mean over a beat, peak-to-peak 1."""
    grid = raw_beat(np.arange(_TEMPLATE_GRID) / _TEMPLATE_GRID, m)
    return (raw_beat(phase, m) - grid.mean()) / np.ptp(grid)


def random_morphology(rng: np.random.Generator) -> PulseMorphology:
    """A plausible beat shape (systolic peak, notch, dicrotic wave) drawn from ``rng``."""
    systolic = rng.uniform(0.17, 0.22)
    return PulseMorphology(
        systolic_phase=systolic,
        systolic_rise=rng.uniform(0.06, 0.075),
        systolic_fall=rng.uniform(0.11, 0.13),
        dicrotic_phase=systolic + rng.uniform(0.25, 0.30),
        dicrotic_rise=rng.uniform(0.045, 0.055),
        dicrotic_fall=rng.uniform(0.17, 0.21),
        dicrotic_ratio=rng.uniform(0.45, 0.6),
    )


#: a rounded beat with a weak, late dicrotic wave and no visible notch (camera PPG often looks so)
SMOOTH_MORPHOLOGY = PulseMorphology(systolic_phase=0.3, systolic_rise=0.11, systolic_fall=0.2,
                                    dicrotic_phase=0.62, dicrotic_rise=0.1, dicrotic_fall=0.25,
                                    dicrotic_ratio=0.2)


def blend_morphology(m: PulseMorphology, smoothness: float,
                     smooth: PulseMorphology = SMOOTH_MORPHOLOGY) -> PulseMorphology:
    """``m`` moved toward ``smooth`` by ``smoothness`` in [0, 1], field by field
    (0: ``m``, e.g. a sharp finger-PPG-like :func:`random_morphology`; 1: ``smooth``)."""
    w = float(smoothness)
    return PulseMorphology(**{f: (1 - w) * getattr(m, f) + w * getattr(smooth, f)
                              for f in PulseMorphology.__dataclass_fields__})


def slow_heart_rate(t: np.ndarray, hr_bpm: float, terms: np.ndarray, rsa_bpm: float,
                    respiration_hz: float, respiration_phase: float) -> np.ndarray:
    """Smooth heart rate (bpm) before beat jitter: mean + wander + respiratory arrhythmia.

    ``terms`` (M, 3): rows of (amplitude bpm, frequency Hz, phase rad).
    """
    t = np.asarray(t, dtype=float)
    hr = hr_bpm + rsa_bpm * np.sin(2 * np.pi * respiration_hz * t + respiration_phase)
    for amplitude, freq, phi in terms:
        hr = hr + amplitude * np.sin(2 * np.pi * freq * t + phi)
    return hr


def random_sinusoids(rng: np.random.Generator, bound: float, band_hz: tuple[float, float],
                     n: int = 3) -> np.ndarray:
    """(n, 3) rows (amplitude, frequency Hz, phase rad) whose sum stays within +-``bound``."""
    weights = rng.uniform(0.5, 1.0, n)
    return np.column_stack([bound * weights / weights.sum(), rng.uniform(*band_hz, n),
                            rng.uniform(0, 2 * np.pi, n)])


def beat_onsets(t_start: float, t_end: float, hr_bpm: float, rng: np.random.Generator, *,
                variability: HeartRateVariability = HeartRateVariability(),
                respiration_hz: float = 0.25, respiration_phase: float = 0.0) -> np.ndarray:
    """Beat feet (s) covering [t_start, t_end]: the first at or before ``t_start`` (random
    phase), the last after ``t_end``. Each RR interval is 60 / slow HR at its start times
    ``1 + N(0, rr_jitter)`` (clipped at 3 sd)."""
    terms = random_sinusoids(rng, variability.wander_bpm, variability.wander_hz)
    def rr_at(t: float) -> float:
        hr = slow_heart_rate(np.array([t]), hr_bpm, terms, variability.rsa_bpm,
                             respiration_hz, respiration_phase)[0]
        jitter = np.clip(rng.standard_normal(), -3, 3) * variability.rr_jitter
        return 60.0 / max(hr, 20.0) * (1.0 + jitter)

    onsets = [t_start - rng.uniform(0.0, 1.0) * 60.0 / hr_bpm]
    while onsets[-1] <= t_end:
        onsets.append(onsets[-1] + rr_at(onsets[-1]))
    return np.asarray(onsets)


#: range (Hz) the breathing rate is drawn from when not given: 9-21 breaths/min
BREATHING_HZ = (0.15, 0.35)


def simulate_pulse(t_start: float, t_end: float, hr_bpm: float, rng: np.random.Generator, *,
                   variability: HeartRateVariability = HeartRateVariability(),
                   morphology: PulseMorphology | None = None,
                   respiration: Respiration | None = None,
                   breathing_hz: tuple[float, float] = BREATHING_HZ,
                   breathing_modulation: float = Respiration.amplitude_modulation) -> PulseModel:
    """A ``PulseModel`` valid on [t_start, t_end] s around mean rate ``hr_bpm``.

    ``morphology`` / ``respiration`` default to random draws from ``rng``:
    breathing at a rate drawn in ``breathing_hz`` (Hz) that modulates the beat
    height by ``breathing_modulation`` (relative); the ranges change no other draw.
    """
    morphology = random_morphology(rng) if morphology is None else morphology
    respiration = (Respiration(rate_hz=rng.uniform(*breathing_hz), amplitude_modulation=breathing_modulation)
                   if respiration is None else respiration)
    resp_phase = rng.uniform(0, 2 * np.pi)
    onsets = beat_onsets(t_start, t_end, hr_bpm, rng, variability=variability,
                         respiration_hz=respiration.rate_hz, respiration_phase=resp_phase)
    gain = 1.0 + variability.amplitude_jitter * np.clip(rng.standard_normal(onsets.size), -3, 3)
    drift = random_sinusoids(rng, respiration.drift, (0.01, 0.05), n=2)
    return PulseModel(onsets=onsets, beat_gain=gain, morphology=morphology,
                      respiration=respiration, respiration_phase=resp_phase, drift_terms=drift)


def ppg_waveform(duration: float = 20.0, fs: float = 30.0, hr_bpm: float = 72.0, *,
                 hrv: HeartRateVariability = HeartRateVariability(),
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A realistic PPG sampled at ``fs`` Hz for ``duration`` s around ``hr_bpm``.

    Returns ``(times, ppg)``, both shape (round(duration * fs),): times in s from
    0, the PPG zero-mean and unit-amplitude (a.u.). The exact heart rate is
    ``simulate_pulse(...).hr(times)`` with the same generator; use
    ``simulate_pulse`` directly to get both.
    """
    times = np.arange(int(round(duration * fs))) / fs
    model = simulate_pulse(0.0, float(times[-1]), hr_bpm, np.random.default_rng(seed),
                           variability=hrv)
    return times, model.ppg(times)
