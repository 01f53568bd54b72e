"""The shapes of the HR corpus's disturbances (:mod:`.hr_corpus`): a sinusoid, or a motion-like wave.

Head motion and a camera's gain hunting are periodic but not sinusoidal. A motion-like disturbance
keeps the sinusoid's rate and phase and adds its 2nd-4th harmonics at ``r``, ``r^2``, ``r^3`` of its
fundamental's amplitude (``r`` 0.3-0.8, phases of their own), drawn from a generator of their own so
that every other draw of a trace stays as it was: scaled to the sinusoid's power (``"motion"``) or
added on top of the sinusoid (``"motion-added"``, a stronger disturbance). Frequencies in Hz, times in s.
"""

from __future__ import annotations

import numpy as np

DISTURBANCE_WAVEFORMS = ("sinusoid", "motion", "motion-added")
MOTION_HARMONICS = 4
"""The highest harmonic of a motion-like disturbance (those at or above 0.45 ``fs`` are left out)."""


def disturbance_shape(waveform: str, seed: list[int]) -> tuple[np.ndarray | None, bool]:
    """The harmonics (:func:`motion_harmonics`, drawn from a generator seeded by ``seed``; None for a
    sinusoid) of a disturbance of ``waveform`` (:data:`DISTURBANCE_WAVEFORMS`), and whether it keeps
    the sinusoid's power (:func:`periodic_wave`'s ``same_power``)."""
    check_waveform(waveform)
    if waveform == "sinusoid":
        return None, True
    return motion_harmonics(np.random.default_rng(seed)), waveform == "motion"


def check_waveform(waveform: str) -> None:
    """A ValueError unless ``waveform`` is one of :data:`DISTURBANCE_WAVEFORMS`."""
    if waveform not in DISTURBANCE_WAVEFORMS:
        raise ValueError(f"disturbance waveform must be one of {DISTURBANCE_WAVEFORMS}, got {waveform!r}")


def motion_harmonics(rng: np.random.Generator, n: int = MOTION_HARMONICS) -> np.ndarray:
    """Complex amplitudes (n,) of harmonics 1..n of a motion-like disturbance relative to its
    fundamental (1): ``r^(k-1)`` with ``r`` 0.3-0.8, each at a phase of its own."""
    r = float(rng.uniform(0.3, 0.8))
    phases = np.concatenate([[0.0], rng.uniform(0.0, 2 * np.pi, n - 1)])
    return r ** np.arange(n) * np.exp(1j * phases)


def periodic_wave(t: np.ndarray, hz: float, phase: float, amplitude: float, fs: float,
                  harmonics: np.ndarray | None = None, same_power: bool = True) -> np.ndarray:
    """A sinusoid (N,) of ``amplitude`` at ``hz`` Hz and ``phase`` (rad) over ``t`` (N,) s sampled at
    ``fs`` Hz; with ``harmonics`` (K,) (complex amplitudes of harmonics 1..K relative to the
    fundamental, the first 1) their sum, those at or above 0.45 ``fs`` Hz left out, scaled to the
    sinusoid's power (``same_power``) or keeping the sinusoid as its fundamental (harmonics on top)."""
    if harmonics is None:
        return amplitude * np.sin(2 * np.pi * hz * t + phase)
    k = np.arange(1, harmonics.size + 1)
    keep = k * hz < 0.45 * fs
    arg = k[keep, None] * (2 * np.pi * hz * t[None, :] + phase) + np.angle(harmonics[keep, None])
    gain = 1.0 / np.sqrt(np.sum(np.abs(harmonics[keep]) ** 2)) if same_power else 1.0
    return amplitude * gain * np.sum(np.abs(harmonics[keep, None]) * np.sin(arg), axis=0)
