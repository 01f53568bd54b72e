"""ECG reference: R-peaks, heart rate from R-R intervals, and a pulse wave built from the beats.

For datasets whose ground truth is an ECG (MAHNOB-HCI), the harness still needs
a pulse-like reference (``ppg`` + ``ppg_times``) for its HR and waveform
metrics. :func:`beat_phase_pulse` builds one: ``cos(2 pi phase)``, where the
phase runs linearly from 0 at one R-peak to 1 at the next, so the wave has
exactly one cycle per R-R interval, peaks (value 1) at each R-peak and has the
ECG's beat-to-beat rate. A band-passed ECG would not do: its sharp QRS puts
most of its power in harmonics of the heart rate, so a spectral HR of it is
often twice the true rate, and its shape correlates with no rPPG wave. The
built wave carries no pulse transit time (the blood-volume peak reaches the
face some 0.15-0.3 s after the R-peak): waveform metrics should be read with
the protocol's lag search (``max_lag``) on.

R-peak detection (:func:`detect_r_peaks`) is a small Pan-Tompkins-style
detector with scipy only: band-pass 5-15 Hz (QRS energy), derivative, square,
150 ms moving integration, ``scipy.signal.find_peaks`` with a refractory
distance, then each peak placed on the largest deflection of the band-passed
ECG within 75 ms. Polarity is taken from the band-passed ECG (the sign with the
larger extreme), so an inverted lead works too.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

#: QRS band (Hz) of the detector's band-pass
QRS_BAND_HZ = (5.0, 15.0)
#: plausible heart rates (bpm); R-R intervals outside are dropped from ``hr``
HR_RANGE_BPM = (30.0, 220.0)


def ecg_bandpass(ecg: np.ndarray, fs: float, band: tuple[float, float] = QRS_BAND_HZ) -> np.ndarray:
    """Zero-phase 2nd-order Butterworth band-pass of ``ecg`` (N,) sampled at ``fs`` Hz."""
    high = min(band[1], 0.45 * fs)
    sos = butter(2, [band[0], high], btype="bandpass", fs=fs, output="sos")
    return sosfiltfilt(sos, np.asarray(ecg, dtype=float))


def detect_r_peaks(ecg: np.ndarray, fs: float, *, max_hr_bpm: float = HR_RANGE_BPM[1],
                   threshold: float = 0.3, min_contrast: float = 8.0) -> np.ndarray:
    """Sample indices (K,) of the R-peaks of ``ecg`` (N,) sampled at ``fs`` Hz, increasing.

    ``max_hr_bpm`` sets the refractory distance (60 / max_hr_bpm s);
    ``threshold`` is the fraction of the integrated QRS energy's 99th
    percentile a beat must reach. No beat is returned when that percentile is
    under ``min_contrast`` times the energy's median: a detached electrode or
    pure noise (about 3.5 for white noise) has no QRS complexes standing out.
    """
    ecg = np.asarray(ecg, dtype=float)
    if ecg.size < int(fs):  # under one second: no beat to find
        return np.zeros(0, dtype=int)
    filtered = ecg_bandpass(ecg, fs)
    if abs(filtered.min()) > abs(filtered.max()):
        filtered = -filtered
    energy = np.gradient(filtered) ** 2
    width = max(1, int(round(0.15 * fs)))
    integrated = np.convolve(energy, np.ones(width) / width, mode="same")
    level = np.percentile(integrated, 99)
    if level <= 0 or level < min_contrast * np.median(integrated):
        return np.zeros(0, dtype=int)
    distance = max(1, int(fs * 60.0 / max_hr_bpm))
    candidates, _ = find_peaks(integrated, height=threshold * level, distance=distance)
    half = max(1, int(round(0.075 * fs)))
    refined = [max(0, c - half) + int(np.argmax(filtered[max(0, c - half):c + half + 1])) for c in candidates]
    return np.unique(np.asarray(refined, dtype=int))


def rr_heart_rate(peak_times: np.ndarray, hr_range: tuple[float, float] = HR_RANGE_BPM
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Heart rate from R-peak times (K,) s: ``(times, hr)``, one value per R-R interval,
    ``hr = 60 / RR`` bpm at the interval's closing beat; implausible intervals are dropped."""
    peak_times = np.asarray(peak_times, dtype=float)
    rr = np.diff(peak_times)
    with np.errstate(divide="ignore"):
        hr = 60.0 / rr
    keep = (hr >= hr_range[0]) & (hr <= hr_range[1])
    return peak_times[1:][keep], hr[keep]


def beat_phase_pulse(peak_times: np.ndarray, times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pulse wave ``cos(2 pi phase)`` at the ``times`` (s) between the first and last R-peak.

    ``peak_times`` (K,) s, increasing, K >= 2. Returns ``(t, pulse)``: the
    ``times`` inside ``[peak_times[0], peak_times[-1]]`` and the wave there
    (unitless, in [-1, 1], 1 at each R-peak).
    """
    peak_times = np.asarray(peak_times, dtype=float)
    times = np.asarray(times, dtype=float)
    t = times[(times >= peak_times[0]) & (times <= peak_times[-1])]
    phase = np.interp(t, peak_times, np.arange(peak_times.size, dtype=float))
    return t, np.cos(2.0 * np.pi * phase)
