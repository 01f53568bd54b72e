"""ICA: blind source separation of the RGB trace.

Poh M.-Z., McDuff D. J., Picard R. W. (2010). Non-contact, automated cardiac
pulse measurements using video imaging and blind source separation. Optics
Express 18(10), 10762-10774. doi:10.1364/OE.18.010762
Poh M.-Z., McDuff D. J., Picard R. W. (2011). Advancements in noncontact,
multiparameter physiological measurements using a webcam. IEEE Transactions
on Biomedical Engineering 58(1), 7-11. doi:10.1109/TBME.2010.2086456

Each channel is detrended (smoothness priors, ``detrend_lambda``) and z-scored,
``n_components`` sources are separated with scikit-learn's FastICA (seeded,
unit-variance whitening; the papers used JADE), and, as in the 2011 paper, the
source whose power spectrum has the strongest peak inside ``band`` (Hz),
relative to its total power, is the pulse. ICA leaves the sign of a source
arbitrary: it is chosen so that the pulse correlates positively with the
band-passed green channel (the convention of every classical method here).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ..metrics.bands import DEFAULT_BAND_HZ
from ..metrics.signal import signal_bandpass, signal_detrend
from .base import ClassicalMethod
from .windows import check_rgb, safe_divide


def _band_peak_ratio(sources: np.ndarray, fps: float, band: tuple[float, float]) -> np.ndarray:
    """Peak power inside ``band`` over total (non-DC) power, per column of ``sources`` (N, K)."""
    power = np.abs(np.fft.rfft(sources - sources.mean(axis=0), axis=0)) ** 2
    freqs = np.fft.rfftfreq(sources.shape[0], d=1.0 / fps)
    inside = (freqs >= band[0]) & (freqs <= band[1])
    if not inside.any():
        return np.zeros(sources.shape[1])
    return safe_divide(power[inside].max(axis=0), power[1:].sum(axis=0))


def ica_pulse(rgb: np.ndarray, fps: float, band: tuple[float, float] = DEFAULT_BAND_HZ,
              detrend_lambda: float | None = 100.0, n_components: int = 3, seed: int = 0,
              max_iter: int = 1000) -> np.ndarray:
    """ICA pulse (N,) from ``rgb`` (N, 3) at ``fps`` Hz; ``band`` (Hz) selects the source."""
    x = check_rgb(rgb, fps)
    if detrend_lambda:
        x = np.column_stack([signal_detrend(x[:, c], detrend_lambda) for c in range(3)])
    z = safe_divide(x - x.mean(axis=0), x.std(axis=0))
    k = min(n_components, int(np.linalg.matrix_rank(z)))
    if k == 0:
        return np.zeros(x.shape[0])
    # scikit-learn (about 1-2 s to import) is imported when ICA runs, not when the method is
    # created (e.g. to check its parameters on a rerun that has every ICA result already)
    from sklearn.decomposition import FastICA
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        # a source that has not fully converged is still usable; the choice below checks it
        warnings.simplefilter("ignore", ConvergenceWarning)
        ica = FastICA(n_components=k, whiten="unit-variance", random_state=seed,
                      max_iter=max_iter)
        sources = ica.fit_transform(z)
    best = sources[:, int(np.argmax(_band_peak_ratio(sources, fps, band)))]
    if np.dot(signal_bandpass(best, fps, band), signal_bandpass(z[:, 1], fps, band)) < 0:
        best = -best
    return best


@dataclass
class ICA(ClassicalMethod):
    """Poh et al. 2010/2011; FastICA with ``n_components``, ``seed``, ``max_iter``.

    ``band`` selects the pulse source; ``detrend_lambda`` detrends the channels
    before separation (both also used by the shared post-processing).
    """

    name = "ica"
    kind = "classical"
    paper = "Poh et al. 2010, doi:10.1364/OE.18.010762; Poh et al. 2011, doi:10.1109/TBME.2010.2086456"

    n_components: int = 3
    seed: int = 0
    max_iter: int = 1000

    def pulse(self, rgb: np.ndarray, fps: float) -> np.ndarray:
        return ica_pulse(rgb, fps, self.band, self.detrend_lambda, self.n_components,
                         self.seed, self.max_iter)
