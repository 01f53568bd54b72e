"""Butterworth band-pass designs and their steady-state initial conditions, fast.

The structured heart-rate estimator designs two band-pass filters per window
around that window's own rate (:mod:`rppg_bench.metrics.hr_structured`), so the
designs cannot be memoised across windows. ``scipy.signal.butter(..., output="sos")``
spends about 0.8 ms a design, nearly all of it in ``zpk2sos``'s general pole
pairing, and ``sosfilt_zi`` 0.4 ms: together most of the windowed heart rate's
time (measured in docs/speed.md, "The evaluation"). A Butterworth band-pass has
a fixed structure that makes both short: ``order`` zeros at z = 1 and ``order``
at z = -1, and, while the band is narrower than about twice its centre
frequency, only complex poles. :func:`bandpass_sos` computes that case with the
same steps as SciPy (``buttap``, ``lp2bp_zpk``, ``bilinear_zpk``, ``zpk2sos``
pairing each pole pair, closest to the unit circle last, with its nearest
zeros) and leaves every other case to SciPy; :func:`sos_steady_state` solves
``sosfilt_zi``'s 2x2 systems in closed form. Both are tested equal to SciPy's
(``tests/test_filter_design.py``). Edges as fractions of the Nyquist frequency.
"""

from __future__ import annotations

import numpy as np


def bandpass_sos(order: int, lo: float, hi: float) -> np.ndarray:
    """``scipy.signal.butter(order, [lo, hi], btype="bandpass", output="sos")``: (order, 6) second-order
    sections of the Butterworth band-pass with edges ``lo < hi`` in (0, 1) (fractions of Nyquist)."""
    if order < 1 or not 0.0 < lo < hi < 1.0:
        return _scipy_bandpass_sos(order, lo, hi)  # SciPy's own checks and errors
    poles, gain = _bandpass_poles(order, lo, hi)
    upper = poles[poles.imag > 0]
    if upper.size != order or np.any(np.abs(poles.imag) < 1e-9):  # real poles: SciPy's general pairing
        return _scipy_bandpass_sos(order, lo, hi)
    pending = _paired(upper, poles[poles.imag < 0]).tolist()  # Python complex: cheaper than arrays of 2-5
    zeros_left = {1.0: order, -1.0: order}
    sos = np.zeros((order, 6))
    for section in range(order - 1, -1, -1):  # the pole closest to the unit circle goes last
        p = pending.pop(min(range(len(pending)), key=lambda i: abs(1.0 - abs(pending[i]))))
        z1 = _take_nearest_zero(zeros_left, p)
        z2 = _take_nearest_zero(zeros_left, p)
        sos[section] = (1.0, -(z1 + z2), z1 * z2, 1.0, -(p + p.conjugate()).real, (p * p.conjugate()).real)
    sos[0, :3] *= gain
    return sos


def sos_steady_state(sos: np.ndarray) -> np.ndarray:
    """``scipy.signal.sosfilt_zi(sos)``: (sections, 2) initial states of the step response's steady state,
    section by section scaled by the DC gain of those before (sections with ``a0 = 1``)."""
    zi = np.empty((len(sos), 2))
    scale = 1.0
    for i, (b0, b1, b2, a0, a1, a2) in enumerate(np.asarray(sos, dtype=float)):
        if a0 != 1.0:
            from scipy.signal import sosfilt_zi

            return sosfilt_zi(sos)
        # lfilter_zi: (I - companion(a).T) zi = b[1:] - a[1:] b0, i.e. [[1 + a1, -1], [a2, 1]] zi = B
        B0, B1 = b1 - a1 * b0, b2 - a2 * b0
        z0 = (B0 + B1) / (1.0 + a1 + a2)
        zi[i] = scale * z0, scale * (B1 - a2 * z0)
        scale *= (b0 + b1 + b2) / (a0 + a1 + a2)
    return zi


def _bandpass_poles(order: int, lo: float, hi: float) -> tuple[np.ndarray, float]:
    """The digital band-pass's poles (2 order,) and gain, as ``butter`` computes them (``fs = 2``)."""
    m = np.arange(-order + 1, order, 2)
    prototype = -np.exp(1j * np.pi * m / (2 * order))  # buttap
    warped = 4.0 * np.tan(np.pi * np.array([lo, hi]) / 2.0)  # 2 fs tan(pi Wn / fs), fs = 2
    bw = warped[1] - warped[0]
    wo = np.sqrt(warped[0] * warped[1])
    half = prototype * bw / 2.0  # lp2bp_zpk
    root = np.sqrt(half ** 2 - wo ** 2)
    analog = np.concatenate((half + root, half - root))
    gain = bw ** order
    poles = (4.0 + analog) / (4.0 - analog)  # bilinear_zpk, 2 fs = 4; the analog zeros (at 0) go to 1
    gain = gain * (4.0 ** order / np.multiply.reduce(4.0 - analog)).real
    return poles, float(gain)


def _paired(upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """The poles of positive imaginary part averaged with their conjugates' mirror (as ``_cplxreal``
    does before pairing)."""
    partner = np.argmin(np.abs(upper[:, None] - lower[None, :].conj()), axis=1)
    return (upper + lower[partner].conj()) / 2.0


def _take_nearest_zero(left: dict[float, int], p: complex) -> float:
    """The zero (1 or -1) nearest ``p`` among those ``left`` (counts), taken from it."""
    order = (1.0, -1.0) if abs(1.0 - p) < abs(-1.0 - p) else (-1.0, 1.0)
    z = next(z for z in order if left[z] > 0)
    left[z] -= 1
    return z


def _scipy_bandpass_sos(order: int, lo: float, hi: float) -> np.ndarray:
    from scipy import signal as sps  # on first use: the CLI starts without it

    return sps.butter(order, [lo, hi], btype="bandpass", output="sos")
