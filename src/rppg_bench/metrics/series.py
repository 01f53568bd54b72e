"""Compact per-video series for the report's video panel: windowed HR, aligned waveforms and spectrum.

Kept small on purpose (a few kB per row in ``rows.jsonl``, the same in
``index.html``): the windowed HR as computed for ``win_hr_mae``, the first
``seconds`` s of the aligned [0, 1] waveforms resampled to ``rate`` Hz, and the
periodogram of the post-processed prediction and reference in the protocol's
band on a ``spectrum_bins``-point grid. Values are rounded (HR to 0.1 bpm,
waveforms and spectra to 0.01).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import signal as sps

from .evaluate import aligned_waveforms, uniform_pair, windowed_hr_series
from .protocol import Protocol
from .signal import signal_postprocess

#: seconds of aligned waveform kept, their sampling rate (Hz) and the spectrum's number of points
WAVE_SECONDS = 10.0
WAVE_RATE_HZ = 15.0
SPECTRUM_BINS = 90


def _rounded(values: np.ndarray, digits: int) -> list[float]:
    """``values`` rounded to ``digits`` decimals, non-finite values as None (JSON null)."""
    v = np.round(np.asarray(values, float), digits)
    return [float(x) if np.isfinite(x) else None for x in v]


def waveform_excerpt(t: np.ndarray, pred01: np.ndarray, ref01: np.ndarray, seconds: float = WAVE_SECONDS,
                     rate: float = WAVE_RATE_HZ) -> dict[str, Any]:
    """First ``seconds`` s of aligned waveforms ``t`` (K,) s, ``pred01``/``ref01`` (K,) resampled to
    ``rate`` Hz: ``{"t0": s, "dt": s, "pred": [...], "ref": [...]}``."""
    grid = np.arange(t[0], min(t[-1], t[0] + seconds) + 1e-9, 1.0 / rate)
    return {"t0": round(float(t[0]), 3), "dt": round(1.0 / rate, 6),
            "pred": _rounded(np.interp(grid, t, pred01), 2), "ref": _rounded(np.interp(grid, t, ref01), 2)}


def band_spectrum(x: np.ndarray, fs: float, protocol: Protocol, bins: int = SPECTRUM_BINS) -> np.ndarray:
    """Periodogram of ``x`` (N,) at ``fs`` Hz, post-processed like the methods (detrend, band-pass),
    on ``bins`` points evenly spaced over ``protocol.band``, scaled to a maximum of 1."""
    y = signal_postprocess(x, fs, protocol.band, protocol.detrend_lambda)
    f, p = sps.periodogram(y - np.mean(y), fs=fs, window="hann", nfft=max(4096, y.size), detrend=False)
    grid = np.linspace(protocol.band[0], protocol.band[1], bins)
    p = np.interp(grid, f, p)
    return p / p.max() if p.max() > 0 else p


def video_series(times: np.ndarray, signal: np.ndarray, ref_times: np.ndarray, ref_ppg: np.ndarray,
                 protocol: Protocol, dataset_hr: np.ndarray | None = None,
                 dataset_hr_times: np.ndarray | None = None,
                 beat_times: np.ndarray | None = None) -> dict[str, Any]:
    """The panel series of one prediction ``(times, signal)`` (N,) s against ``(ref_times, ref_ppg)`` (M,):

    ``{"win_hr": {"t", "true", "pred", "conf"} (s, bpm, 0-1 or None), "wave": waveform_excerpt,
    "spectrum": {"bpm": [lo, hi], "pred": [...], "ref": [...]}}`` (spectrum points
    evenly spaced from ``lo`` to ``hi`` bpm, each side scaled to a maximum of 1).
    """
    win = windowed_hr_series(times, signal, ref_times, ref_ppg, protocol, dataset_hr, dataset_hr_times, beat_times)
    t, pred01, ref01, _ = aligned_waveforms(times, signal, ref_times, ref_ppg, protocol)
    _, fs, pred_u, ref_u = uniform_pair(times, signal, np.asarray(ref_times, float), np.asarray(ref_ppg, float), t)
    return {
        "win_hr": {"t": _rounded(win["t"], 2), "true": _rounded(win["true"], 1), "pred": _rounded(win["pred"], 1),
                   "conf": _rounded(win["conf"], 2)},
        "wave": waveform_excerpt(t, pred01, ref01),
        "spectrum": {"bpm": [60.0 * protocol.band[0], 60.0 * protocol.band[1]],
                     "pred": _rounded(band_spectrum(pred_u, fs, protocol), 2),
                     "ref": _rounded(band_spectrum(ref_u, fs, protocol), 2)},
    }
