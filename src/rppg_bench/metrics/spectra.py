"""Spectrum helpers shared by the heart-rate estimators.

Frequencies in Hz, sampling rates ``fs`` in Hz, heart rates in beats per minute (bpm).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import fft as sp_fft
from scipy import signal as sps

_RESOLUTION_BPM = 0.1  # target frequency-grid spacing of the zero-padded spectra
_MAX_NFFT = 2 ** 20


def nfft(n: int, fs: float) -> int:
    """FFT length giving a grid of about ``_RESOLUTION_BPM`` (never shorter than ``n``)."""
    want = int(np.ceil(fs * 60.0 / _RESOLUTION_BPM))
    size = 1 << int(np.ceil(np.log2(max(n, want, 2))))
    return max(n, min(size, _MAX_NFFT))


def argmax_in_band(f: np.ndarray, p: np.ndarray, band: tuple[float, float]) -> float:
    """Frequency (Hz) of the largest value of ``p`` (F,) over the bins of ``f`` (F,) Hz inside ``band``;
    a ValueError if none of them holds power."""
    sel = (f >= band[0]) & (f <= band[1])
    if not np.any(sel) or not np.any(p[sel] > 0):
        raise ValueError("signal has no power in the heart-rate band")
    return float(f[sel][np.argmax(p[sel])])


def next_power_of_2(n: int) -> int:
    """Smallest power of 2 that is >= ``n`` (1 for ``n`` <= 1), rPPG-Toolbox's FFT length."""
    return 1 if n <= 1 else 1 << (int(n) - 1).bit_length()


@lru_cache(maxsize=16)
def _hann_and_freqs(n: int, nfft: int, fs: float) -> tuple[np.ndarray, float, np.ndarray]:
    """Periodic Hann window (n,), its energy and the one-sided frequency grid (Hz) of ``nfft`` bins."""
    win = sps.get_window("hann", n)
    return win, float((win * win).sum()), sp_fft.rfftfreq(nfft, 1.0 / fs)


def hann_periodogram(y: np.ndarray, fs: float, nfft: int) -> tuple[np.ndarray, np.ndarray]:
    """``scipy.signal.periodogram(y, fs, window="hann", nfft=nfft, detrend=False)`` (one-sided
    density) along the last axis of ``y`` (N,) or (W, N) with ``nfft >= N``, computed directly:
    one real FFT, the window and frequency grid cached per length."""
    win, energy, f = _hann_and_freqs(y.shape[-1], int(nfft), float(fs))
    spec = sp_fft.rfft(win * y, n=nfft, axis=-1)
    p = (spec.real ** 2 + spec.imag ** 2) / (fs * energy)
    p[..., 1:-1 if nfft % 2 == 0 else None] *= 2
    return f, p
